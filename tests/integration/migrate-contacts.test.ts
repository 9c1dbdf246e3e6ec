import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { emailKey } from '../../src/mapping/normalise.js';
import { openStore, runMigrate } from '../../src/pipeline/migrate.js';
import { silentProgress } from '../../src/pipeline/progress.js';
import { checkBalance } from '../../src/reports/reconciliation.js';
import { API_KEY, expectedContactCounts, startHarness, type Harness } from '../helpers/harness.js';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Pre-create some contacts in Freshsales whose emails the source holds in another case. */
async function seedExisting(h: Harness, n: number): Promise<string[]> {
  const quarantinedOrMerged = new Set([...h.dataset.truth.missingEmail, ...h.dataset.truth.invalidEmail, ...h.dataset.truth.tooLongNames, ...h.dataset.truth.duplicateGroups.flatMap((g) => g.profileIds)]);
  const picks = h.dataset.profiles.filter((p) => p.email && !quarantinedOrMerged.has(p.profile_id)).slice(0, n);
  for (const p of picks) {
    const res = await fetch(`${h.fs.url}/api/contacts`, {
      method: 'POST',
      headers: { authorization: `Token token=${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ contact: { first_name: 'Before', last_name: 'Image', emails: p.email!.toUpperCase() } }),
    });
    expect(res.status).toBe(201);
  }
  return picks.map((p) => p.profile_id);
}

describe('contact migration against the simulators', () => {
  it('ends with exact counts, no duplicates and every field verified, with faults on', async () => {
    h = await startHarness({ profiles: 600, fs: { timeScale: 3600, bulkJobMs: 1500 } });
    h.loaded.config.destination.timeoutMs = 1500;
    const seeded = await seedExisting(h, 25);
    h.fs.setFaults('5xx=0.05,timeout=0.01,429=0.02,burst=200,bulkfail=0.05,seed=5');
    const out = join(h.dir, 'out');
    const r = await runMigrate({ loaded: h.loaded, outDir: out, logger: silentLogger(), progress: silentProgress });
    const want = expectedContactCounts(h.dataset);
    const phase = r.report.phases[0]!;
    expect(phase).toMatchObject({ object: 'contact', source: want.source, quarantined: want.quarantined, merged: want.merged, failed: 0, mismatched: 0 });
    expect(phase.created + phase.updated).toBe(want.loaded);
    expect(phase.updated).toBe(seeded.length);
    expect(phase.verified).toBe(want.loaded);
    expect(checkBalance(phase)).toBeNull();
    // The faults really happened, and the client rode them out.
    expect(h.fs.stats().faultsInjected).toBeGreaterThan(0);

    // The destination holds exactly one contact per distinct valid email.
    const contacts = h.fs.snapshot().contacts as Array<{ id: number; email: string; first_name?: string }>;
    const keys = contacts.map((c) => emailKey(c.email));
    expect(new Set(keys).size).toBe(keys.length);
    expect(contacts.length).toBe(want.loaded);

    // The journal names every written contact once, with real ids; updates carry before-images.
    const store = openStore(h.loaded);
    try {
      const journal = await store.journal(r.report.runId, 'contact', 0, 10_000);
      expect(journal.length).toBe(want.loaded);
      const ids = new Set(contacts.map((c) => String(c.id)));
      expect(new Set(journal.map((j) => j.destId)).size).toBe(journal.length);
      for (const j of journal) expect(ids.has(j.destId)).toBe(true);
      const updated = journal.filter((j) => j.action === 'updated');
      expect(updated.map((j) => j.sourceKey.split(':').pop()).sort()).toEqual([...seeded].sort());
      for (const u of updated) expect(u.beforeImage).toMatchObject({ first_name: 'Before', last_name: 'Image' });
    } finally {
      store.close();
    }

    // Reports: JSON shape and quarantine list with a reason per quarantined record.
    const json = JSON.parse(readFileSync(join(out, 'latest', 'reconciliation.json'), 'utf8'));
    expect(Object.keys(json).slice(0, 3)).toEqual(['runId', 'phases', 'apiCalls']);
    const csv = readFileSync(join(out, 'latest', 'quarantine.csv'), 'utf8').trim().split(/\r?\n/);
    expect(csv.length - 1).toBe(want.quarantined);
    expect(csv.some((l) => l.includes('Freshsales requires an email'))).toBe(true);
    // Every row says who the record is and which field was at fault.
    expect(csv[0]).toBe('record_key,object,email,name,field,value,reasons');
    const invalid = h.dataset.truth.invalidEmail[0]!;
    const row = csv.find((l) => l.startsWith(`xtremepush:profile:${invalid},`))!;
    const p = h.dataset.profiles.find((x) => x.profile_id === invalid)!;
    expect(row).toContain(',emails,');
    if (p.first_name) expect(row).toContain(String(p.first_name).trim().slice(0, 3));
    for (const f of ['failures.csv', 'orphans.csv', 'dropped-values.csv']) expect(readFileSync(join(out, 'latest', f), 'utf8').split(/\r?\n/)[0]).toMatch(/^record_key,/);
  });

  it('spends about two calls per 100 contacts and meets no 429 on a healthy run', async () => {
    h = await startHarness({ profiles: 1500, fs: { timeScale: 1000, bulkJobMs: 1000 } });
    const r = await runMigrate({ loaded: h.loaded, outDir: join(h.dir, 'out'), logger: silentLogger(), progress: silentProgress });
    const phase = r.report.phases[0]!;
    const written = phase.created + phase.updated;
    expect(written).toBe(expectedContactCounts(h.dataset).loaded);
    expect(r.report.apiCalls.rateLimited).toBe(0);
    expect(h.fs.stats().rateLimited).toBe(0);
    // Per batch of 100: one bulk_upsert and one read-back; on top, a bounded overhead: setup
    // (views, fields, selectors), matching, and the job polls that learn how long jobs take.
    const batches = Math.ceil(written / 100);
    expect(r.report.apiCalls.destination).toBeLessThanOrEqual(2 * batches + 10);
  });
});

describe('dedupe by the Xtremepush user id alongside email', () => {
  for (const strategy of ['listing', 'search'] as const) {
    it(`updates the contact whose email changed in the source instead of creating a duplicate (${strategy} match)`, async () => {
      h = await startHarness({ profiles: strategy === 'listing' ? 300 : 60, seed: 31 });
      const fields = (await (await fetch(`${h.fs.url}/api/settings/contacts/fields`, { headers: { authorization: `Token token=${API_KEY}` } })).json()) as { fields: Array<{ name: string; label: string }> };
      const cf = fields.fields.find((f) => f.label === 'Xtremepush ID')!.name;
      const t = h.dataset.truth;
      const skip = new Set([...t.missingEmail, ...t.invalidEmail, ...t.tooLongNames, ...t.duplicateGroups.flatMap((g) => g.profileIds)]);
      const p = h.dataset.profiles.find((x) => x.email && x.user_id && !skip.has(x.profile_id))!;
      const post = (contact: Record<string, unknown>) =>
        fetch(`${h!.fs.url}/api/contacts`, { method: 'POST', headers: { authorization: `Token token=${API_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ contact }) });
      const old = await post({ emails: 'old.address@previous-isp.example', first_name: 'Old', custom_field: { [cf]: p.user_id } });
      expect(old.status).toBe(201);
      const oldId = ((await old.json()) as { contact: { id: number } }).contact.id;
      // Enough unrelated contacts that listing them costs more than searching the source's emails.
      if (strategy === 'search') for (let i = 0; i < 150; i++) expect((await post({ emails: `other${i}@unrelated.example` })).status).toBe(201);

      const r = await runMigrate({ loaded: h.loaded, outDir: join(h.dir, 'out'), logger: silentLogger(), progress: silentProgress });
      const store = openStore(h.loaded);
      try {
        expect(await store.getCheckpoint(r.report.runId, 'contact:matched')).toBe(strategy);
        const entry = await store.latestJournalEntry('contact', `xtremepush:profile:${p.profile_id}`);
        expect(entry).toMatchObject({ destId: String(oldId), action: 'updated' });
        expect(entry!.beforeImage).toMatchObject({ first_name: 'Old' });
      } finally {
        store.close();
      }
      const contacts = h.fs.snapshot().contacts as Array<{ id: number; email: string; custom_field?: Record<string, unknown> }>;
      const withId = contacts.filter((c) => c.custom_field?.[cf] === p.user_id);
      expect(withId).toHaveLength(1);
      expect(withId[0]!.id).toBe(oldId);
      expect(emailKey(withId[0]!.email)).toBe(emailKey(p.email));
      expect(r.report.phases[0]).toMatchObject({ failed: 0, mismatched: 0, updated: 1 });
    });
  }
});
