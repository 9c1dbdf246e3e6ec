/**
 * `migrate --sample N` against the simulators (under either reading: CRM_SIM_READINGS): the
 * draw represents every stratum of the generated population, children follow their sampled
 * contact only, the sample review shows source → written → read back, and a following full run
 * writes only what the sample did not (nothing twice, nothing for unchanged sampled records).
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { emailKey } from '../../src/mapping/normalise.js';
import { confirmMap } from '../../src/pipeline/map-gate.js';
import { openStore, runMigrate } from '../../src/pipeline/migrate.js';
import { silentProgress } from '../../src/pipeline/progress.js';
import { formatStatus, readStatus } from '../../src/pipeline/status.js';
import { checkBalance } from '../../src/reports/reconciliation.js';
import { parseCsv } from '../helpers/csv.js';
import { expectedContactCounts, startHarness, type Harness } from '../helpers/harness.js';
import { expectedNetmeraContacts, frozenUsers, nmKey, segmentNamesAt, startNetmeraHarness, type NetmeraHarness } from '../helpers/netmera-harness.js';

let h: Harness | undefined;
let nm: NetmeraHarness | undefined;
afterEach(async () => {
  await Promise.all([h?.close(), nm?.close()]);
  h = undefined;
  nm = undefined;
});

const KEY = (id: string) => `xtremepush:profile:${id}`;
const idOf = (key: string) => key.slice('xtremepush:profile:'.length);

/** A harness with every object: deals opted in on one shared account, tasks as the proposal has them. */
async function harness(profiles: number, seed: number): Promise<Harness> {
  const x = await startHarness({ profiles, seed, confirm: false, objects: 'all' });
  const map = readFileSync(x.loaded.mappingFile, 'utf8').replace(/(\n {2}deal:[\s\S]*?\n {4}enabled: )false/, '$1true');
  writeFileSync(x.loaded.mappingFile, map);
  const store = openStore(x.loaded);
  await confirmMap({ store, mappingFile: x.loaded.mappingFile, by: 'test', now: new Date() });
  store.close();
  return x;
}

describe('migrate --sample', () => {
  it('draws every stratum, migrates the sample and only its children, writes the review; the full run then writes only the rest', async () => {
    h = await harness(1000, 29);
    const out = join(h.dir, 'out');
    const sample = await runMigrate({ loaded: h.loaded, outDir: out, logger: silentLogger(), progress: silentProgress, sample: { size: 300, seed: '1' } });
    const rep = sample.report;

    // The reconciliation says what it is: a sample of 300 from the population.
    expect(rep.sample).toMatchObject({ size: 300, population: 1000, seed: '1' });
    const contacts = rep.phases.find((p) => p.object === 'contact')!;
    expect(contacts.source).toBe(300);
    for (const p of rep.phases) {
      expect(checkBalance(p), p.object).toBeNull();
      expect(p.failed, p.object).toBe(0);
      expect(p.mismatched, p.object).toBe(0);
    }
    expect(readFileSync(join(sample.reportDir, 'reconciliation.html'), 'utf8')).toContain('a sample of 300 from 1,000 source contacts');

    // Which profiles were drawn: the run's staged contacts (the store's interface).
    const store = openStore(h.loaded);
    const staged = [];
    for (let after = 0; ; ) {
      const rows = await store.readStaged(rep.runId, 'contact', after, 1000);
      if (rows.length === 0) break;
      staged.push(...rows);
      after = rows[rows.length - 1]!.seq;
    }
    const drawn = new Set(staged.map((r) => idOf(r.sourceKey)));
    expect(drawn.size).toBe(300);

    // Every stratum the population has is in the sample, told from the generator's truth.
    const profiles = new Map(h.dataset.profiles.map((p) => [p.profile_id, p]));
    const sampled = [...drawn].map((id) => profiles.get(id)!);
    const distinct = (xs: Iterable<unknown>) => new Set([...xs].map((v) => (v === null || v === undefined || String(v).trim() === '' ? '(none)' : String(v).trim())));
    expect(distinct(sampled.map((p) => p.country))).toEqual(distinct(h.dataset.profiles.map((p) => p.country)));
    expect(distinct(sampled.map((p) => p.lifecycle_stage))).toEqual(distinct(h.dataset.profiles.map((p) => p.lifecycle_stage)));
    for (const seg of h.dataset.segments) {
      const members = h.dataset.segmentMembers[String(seg.id)] ?? [];
      if (members.length > 0) expect(members.some((id) => drawn.has(id)), `segment ${seg.name}`).toBe(true);
    }
    const t = h.dataset.truth;
    for (const [flag, ids] of Object.entries({ missingEmail: t.missingEmail, invalidEmail: t.invalidEmail, junkPhones: t.junkPhones, tooLongNames: t.tooLongNames })) {
      if (ids.length > 0) expect(ids.some((id) => drawn.has(id)), flag).toBe(true);
    }
    // Duplicates come whole (the full run merges them): a group is in the sample entirely or not at all.
    expect(t.duplicateGroups.some((g) => g.profileIds.some((id) => drawn.has(id)))).toBe(true);
    for (const g of t.duplicateGroups) {
      const valid = g.profileIds.filter((id) => emailKey(profiles.get(id)!.email) === g.emailKey);
      expect(valid.every((id) => drawn.has(id)) || valid.every((id) => !drawn.has(id)), g.emailKey).toBe(true);
    }

    // Freshsales holds the sample's contacts only; children only of sampled contacts, none orphaned.
    const want = expectedContactCounts(h.dataset);
    const sampleLoaded = contacts.created + contacts.updated;
    const snap1 = h.fs.snapshot() as unknown as { contacts: Array<{ id: number; email: string; first_name?: string | null; country?: string | null }>; tasks: Array<{ description: string }>; deals: unknown[] };
    expect(snap1.contacts).toHaveLength(sampleLoaded);
    for (const c of snap1.contacts) expect(sampled.some((p) => emailKey(p.email) === emailKey(c.email))).toBe(true);
    const taskPhase = rep.phases.find((p) => p.object === 'task')!;
    expect(taskPhase.created).toBeGreaterThan(0);
    const merged = await store.mergedInto(rep.runId, 'contact', staged.map((r) => r.sourceKey));
    const contactJournal = new Map((await store.journal(rep.runId, 'contact', 0, 10_000)).map((j) => [j.sourceKey, j.destId]));
    // Orphans are tasks of sampled contacts that did not load (quarantined), never of contacts outside the sample.
    const orphans = await store.orphans(rep.runId, 'task', 100_000);
    expect(orphans).toHaveLength(taskPhase.orphaned ?? 0);
    for (const o of orphans) {
      const parent = ((await store.stagedRecords(rep.runId, 'task', [o.sourceKey]))[0]!.record as { contactKey: string }).contactKey;
      expect(drawn.has(idOf(parent)), o.sourceKey).toBe(true);
      expect(contactJournal.has(merged.get(parent) ?? parent)).toBe(false);
    }
    for (const j of await store.journal(rep.runId, 'task', 0, 100_000)) {
      const rec = (await store.stagedRecords(rep.runId, 'task', [j.sourceKey]))[0]!;
      const parent = (rec.record as { contactKey: string }).contactKey;
      expect(drawn.has(idOf(parent)), j.sourceKey).toBe(true);
      expect(contactJournal.has(merged.get(parent) ?? parent)).toBe(true);
    }
    const dealPhase = rep.phases.find((p) => p.object === 'deal')!;
    expect(dealPhase.created).toBeGreaterThan(0);
    expect(dealPhase.orphaned).toBe(0);
    for (const j of await store.journal(rep.runId, 'deal', 0, 10_000)) expect(drawn.has(idOf(j.sourceKey))).toBe(true);

    // status names the run a sample run.
    const st = await readStatus(store, h.loaded.workdir);
    expect(st.run?.command).toBe('sample');
    expect(st.sample).toEqual({ size: 300, population: 1000, seed: '1' });
    expect(formatStatus(st)[0]).toMatch(/\(sample run: 300 of 1000 contacts, seed 1\): completed/);

    // The review: 25–50 loaded records, field by field, the values the source, the payload and Freshsales hold.
    expect(sample.files.sampleReview).toBeDefined();
    const review = sample.files.sampleReview!;
    expect(statSync(review.csv).mode & 0o777).toBe(0o600);
    const [head, ...rows] = parseCsv(readFileSync(review.csv, 'utf8').replace(/^\uFEFF/, ''));
    const col = (name: string) => head!.indexOf(name);
    const byRecord = new Map<string, string[][]>();
    for (const r of rows) byRecord.set(r[col('record_key')]!, [...(byRecord.get(r[col('record_key')]!) ?? []), r]);
    expect(byRecord.size).toBeGreaterThanOrEqual(25);
    expect(byRecord.size).toBeLessThanOrEqual(50);
    const snapByEmail = new Map(snap1.contacts.map((c) => [emailKey(c.email), c]));
    const reviewedCountries = new Set<string>();
    for (const [key, fields] of byRecord) {
      expect(drawn.has(idOf(key))).toBe(true);
      const p = profiles.get(idOf(key))!;
      const dest = snapByEmail.get(emailKey(p.email))!;
      expect(dest, key).toBeDefined();
      expect(fields[0]![col('freshsales_id')]).toBe(String(dest.id));
      reviewedCountries.add(p.country ?? '(none)');
      const field = (target: string) => fields.find((r) => r[col('destination_field')] === target)!;
      const email = field('emails');
      expect(email[col('source_value')]).toBe(p.email);
      expect(emailKey(email[col('written_value')])).toBe(emailKey(p.email));
      const first = field('first_name');
      expect(first[col('source_value')]).toBe(p.first_name ?? '');
      if (p.first_name && p.first_name.trim().length <= 255) expect(first[col('written_value')]).toBe(p.first_name.trim());
      for (const r of fields) {
        // A clean run: nothing differs; a field the read does not carry is unverifiable, with no read-back value.
        expect(r[col('result')], `${key} ${r[col('destination_field')]}`).not.toBe('MISMATCH');
        if (r[col('result')]!.startsWith('unverifiable')) expect(r[col('read_back_value')]).toBe('');
      }
      for (const f of ['first_name', 'last_name', 'country']) {
        const r = field(f);
        if (r[col('result')] === 'match') expect(r[col('read_back_value')], `${key} ${f}`).toBe(String((dest as Record<string, unknown>)[f] ?? ''));
      }
    }
    // The review covers the sample's strata: every country among the loaded sampled contacts is shown.
    const loadedCountries = new Set([...contactJournal.keys()].map((k) => profiles.get(idOf(k))!.country ?? '(none)'));
    expect(reviewedCountries).toEqual(loadedCountries);
    const html = readFileSync(review.html, 'utf8');
    expect(html).toContain('Sample review');
    expect(html).toContain('a sample of 300 of 1,000 source contacts');
    store.close();

    // One sampled contact changes in the source; then the full run.
    const changed = [...contactJournal.keys()].map(idOf).find((id) => !t.duplicateGroups.some((g) => g.profileIds.includes(id)))!;
    h.xp.changeProfiles({ upsert: [{ profile_id: changed, first_name: 'Changedinsource' }] });
    const before = h.fs.stats().byRoute;
    const full = await runMigrate({ loaded: h.loaded, outDir: out, logger: silentLogger(), progress: silentProgress });
    const after = h.fs.stats().byRoute;
    const delta = (route: string) => (after[route] ?? 0) - (before[route] ?? 0);

    const fc = full.report.phases.find((p) => p.object === 'contact')!;
    expect(full.report.sample).toBeUndefined();
    expect(fc).toMatchObject({ source: want.source, quarantined: want.quarantined, merged: want.merged, failed: 0, mismatched: 0 });
    // The unchanged sampled contacts cost nothing; the changed one is updated; the rest created.
    expect(fc.skipped).toBe(sampleLoaded - 1);
    expect(fc.updated).toBe(1);
    expect(fc.created).toBe(want.loaded - sampleLoaded);
    for (const p of full.report.phases) expect(checkBalance(p), p.object).toBeNull();
    // Destination calls: one bulk upsert per 100 contacts written (none for the skipped).
    expect(delta('POST /api/contacts/bulk_upsert')).toBe(Math.ceil((want.loaded - sampleLoaded + 1) / 100));
    const s2 = openStore(h.loaded);
    try {
      const fullJournal = await s2.journal(full.report.runId, 'contact', 0, 10_000);
      expect(fullJournal.filter((j) => drawn.has(idOf(j.sourceKey))).map((j) => [idOf(j.sourceKey), j.action])).toEqual([[changed, 'updated']]);
      // No sampled contact's deal or task is written again.
      for (const j of await s2.journal(full.report.runId, 'deal', 0, 10_000)) expect(drawn.has(idOf(j.sourceKey)) && j.sourceKey !== KEY(changed)).toBe(false);
      const sampleTasks = new Set((await s2.journal(rep.runId, 'task', 0, 100_000)).map((j) => j.sourceKey));
      for (const j of await s2.journal(full.report.runId, 'task', 0, 100_000)) expect(sampleTasks.has(j.sourceKey)).toBe(false);
      expect(delta('POST /api/tasks')).toBe(full.report.phases.find((p) => p.object === 'task')!.created);
    } finally {
      s2.close();
    }

    // No duplicates anywhere.
    const snap2 = h.fs.snapshot() as unknown as { contacts: Array<{ id: number; email: string; first_name?: string | null }>; tasks: Array<{ description: string }>; deals: Array<{ name: string }> };
    const emails = snap2.contacts.map((c) => emailKey(c.email));
    expect(new Set(emails).size).toBe(emails.length);
    expect(snap2.contacts).toHaveLength(want.loaded);
    const markers = snap2.tasks.map((x) => /\[crm-migrate ([^\]]+)\]/.exec(x.description)?.[1]);
    expect(new Set(markers).size).toBe(markers.length);
    expect(snap2.tasks).toHaveLength(taskPhase.created + full.report.phases.find((p) => p.object === 'task')!.created);
    const dealNames = snap2.deals.map((d) => d.name);
    expect(new Set(dealNames).size).toBe(dealNames.length);
    expect(snap2.contacts.find((c) => emailKey(c.email) === emailKey(profiles.get(changed)!.email))!.first_name).toBe('Changedinsource');
  });

  it('a different size or seed for an unfinished sample run stops before anything moves', async () => {
    h = await harness(60, 31);
    const out = join(h.dir, 'out');
    // Open the run and stop it right after the draw (the progress note of the sample step).
    const stop = new Error('stopped after the draw');
    const progress = { ...silentProgress, note: (line: string) => {
      if (line.startsWith('sample:')) throw stop;
    } };
    await expect(runMigrate({ loaded: h.loaded, outDir: out, logger: silentLogger(), progress, sample: { size: 20, seed: '1' } })).rejects.toBe(stop);
    const err = await runMigrate({ loaded: h.loaded, outDir: out, logger: silentLogger(), progress: silentProgress, sample: { size: 30, seed: '1' } }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/is an unfinished sample of 20 \(seed 1\), not of 30 \(seed 1\)/);
    expect(h.fs.snapshot().contacts).toHaveLength(0);
    // The same request finishes it: 20 drawn from 60.
    const done = await runMigrate({ loaded: h.loaded, outDir: out, logger: silentLogger(), progress: silentProgress, sample: { size: 20, seed: '1' } });
    expect(done.resumed).toBe(true);
    expect(done.report.sample).toMatchObject({ size: 20, population: 60 });
    expect(done.report.phases[0]!.source).toBe(20);
  });
});

describe('migrate --sample from a source reached by key (Netmera, REST over frozen segments)', () => {
  it('draws from the frozen population with every chosen segment represented; push interactions of sampled users only; the full run skips them', async () => {
    nm = await startNetmeraHarness({ users: 200, seed: 23, objects: 'all', fs: { timeScale: 3600, bulkJobMs: 1500 } });
    const ds = nm.dataset;
    const users = frozenUsers(ds, 0);
    const out = join(nm.dir, 'out');
    const r = await runMigrate({ loaded: nm.loaded, outDir: out, logger: silentLogger(), progress: silentProgress, sample: { size: 40, seed: 'nm' } });
    expect(r.report.sample).toMatchObject({ size: 40, population: users.length });
    for (const p of r.report.phases) expect(checkBalance(p), p.object).toBeNull();
    const store = openStore(nm.loaded);
    try {
      const staged = await store.readStaged(r.report.runId, 'contact', 0, 1000);
      const drawn = new Set(staged.map((x) => x.sourceKey));
      expect(drawn.size).toBe(40);
      // Every segment of the selection that has members is represented.
      const segs = segmentNamesAt(ds, users, 0);
      const names = new Set([...segs.values()].flat());
      for (const name of names) expect(users.some((u) => drawn.has(nmKey(u.extId!)) && segs.get(u.key)!.includes(name)), name).toBe(true);
      // Tasks hang only on sampled users.
      const tasks = await store.journal(r.report.runId, 'task', 0, 100_000);
      expect(tasks.length).toBeGreaterThan(0);
      for (const j of tasks) {
        const rec = (await store.stagedRecords(r.report.runId, 'task', [j.sourceKey]))[0]!;
        expect(drawn.has((rec.record as { contactKey: string }).contactKey)).toBe(true);
      }
    } finally {
      store.close();
    }
    const sampleContacts = r.report.phases[0]!;
    const full = await runMigrate({ loaded: nm.loaded, outDir: out, logger: silentLogger(), progress: silentProgress });
    const want = expectedNetmeraContacts(ds, users);
    expect(full.report.phases[0]).toMatchObject({ source: want.source, created: want.loaded - sampleContacts.created, updated: 0, skipped: sampleContacts.created, failed: 0 });
    const emails = (nm.fs.snapshot().contacts as Array<{ email: string }>).map((c) => emailKey(c.email));
    expect(emails).toHaveLength(want.loaded);
    expect(new Set(emails).size).toBe(emails.length);
    const markers = (nm.fs.snapshot().tasks as Array<{ description: string }>).map((x) => /\[crm-migrate ([^\]]+)\]/.exec(x.description)?.[1]);
    expect(new Set(markers).size).toBe(markers.length);
  });
});
