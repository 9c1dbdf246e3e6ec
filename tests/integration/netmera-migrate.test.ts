/**
 * Netmera → Freshsales end to end, against both simulators with faults on both sides: users
 * reached by key over the frozen segment selection (REST, N+1) or listed from the Export
 * Users file, push results from the Data Export files as tasks. Every count is checked against
 * the generator's truth, every contact and task against the Freshsales simulator's records.
 */
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RECALCULATION_HOURS, memberAt, type NetmeraDataset, type NetmeraUser } from '../../simulators/generator/index.js';
import { silentLogger } from '../../src/core/logger.js';
import { emailKey } from '../../src/mapping/normalise.js';
import { openStore, runMigrate } from '../../src/pipeline/migrate.js';
import type { Progress } from '../../src/pipeline/progress.js';
import { checkBalance } from '../../src/reports/reconciliation.js';
import { API_KEY } from '../helpers/harness.js';
import {
  expectedInteractions, expectedNetmeraContacts, frozenUsers, loadableByEmail, nmKey, seedFreshsalesContacts, segmentNamesAt, segmentsPerOs, startNetmeraHarness, type NetmeraHarness,
} from '../helpers/netmera-harness.js';

let h: NetmeraHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

// Far from UTC (+14), and far from the account's Europe/Istanbul (+3): a local-time slip shows as a changed instant or day.
beforeAll(() => {
  process.env.TZ = 'Pacific/Kiritimati';
});

// 429 bursts from Netmera alternate between HTTP 429 and application error 5022 (the simulator's burstAs: 'both').
const NETMERA_FAULTS = '5xx=0.03,timeout=0.002,429=0.02,burst=20,seed=5';
const FRESHSALES_FAULTS = '5xx=0.03,timeout=0.002,429=0.01,burst=100,bulkfail=0.05,seed=9';
/** Quick retries and short timeouts so injected faults cost milliseconds, not the defaults' seconds. */
const SOURCE_SETTINGS = { timeoutMs: 800, retry: { maxAttempts: 10, baseDelayMs: 20, maxDelayMs: 400 } };
const DESTINATION_TIMEOUT_MS = 1000;

interface SnapContact { id: number; email: string; first_name?: string; job_title?: string | null; tags?: string[]; custom_field?: Record<string, unknown> }
interface SnapTask { id: number; targetable_id: number; targetable_type: string; due_date: string; description: string }

/** A progress that keeps every note and lets a test act on one. */
function recording(onNote: (m: string) => void = () => {}, onStart: (step: string) => void = () => {}, onAdvance: () => void = () => {}): Progress & { notes: string[] } {
  const notes: string[] = [];
  return { notes, start: onStart, advance: () => onAdvance(), end() {}, note: (m) => void (notes.push(m), onNote(m)) };
}

async function fieldNames(hh: NetmeraHarness): Promise<Map<string, string>> {
  // GET /api/settings/contacts/fields — freshsales.md: the contact field catalogue (label → name).
  const res = await fetch(`${hh.fs.url}/api/settings/contacts/fields`, { headers: { authorization: `Token token=${API_KEY}` } });
  const body = (await res.json()) as { fields: Array<{ label: string; name: string }> };
  return new Map(body.fields.map((f) => [f.label, f.name]));
}

/**
 * What every run must end with, whichever way contacts came: exact contact counts, nothing
 * failed or mismatched, every loaded user a contact with its email, external id and birth
 * date (a calendar date, whatever TZ this process runs in), its segment tags exactly (its
 * merged duplicates' too), and every push interaction of a loaded user a task on that contact
 * at its original instant; the people seeded into Freshsales first were updated, not duplicated.
 */
async function checkRun(
  hh: NetmeraHarness,
  r: Awaited<ReturnType<typeof runMigrate>>,
  o: { users: NetmeraUser[]; keyOf: (u: NetmeraUser) => string; segmentsOf: Map<string, string[]>; seeded: string[]; untouched: string[] },
) {
  const ds = hh.dataset;
  const want = expectedNetmeraContacts(ds, o.users);
  const byEmail = loadableByEmail(ds, o.users);
  const updated = o.seeded.filter((e) => byEmail.has(emailKey(e) ?? '')).length;
  expect(updated).toBe(o.seeded.length);
  const byObject = Object.fromEntries(r.report.phases.map((p) => [p.object, p]));
  expect(Object.keys(byObject)).toEqual(['contact', 'task']);
  for (const p of r.report.phases) {
    expect(checkBalance(p), p.object).toBeNull();
    expect(p.failed, `${p.object} failed`).toBe(0);
    expect(p.mismatched, `${p.object} mismatched`).toBe(0);
    expect(p.verified, `${p.object} verified`).toBe(p.created + p.updated);
  }
  expect(byObject.contact).toMatchObject({ source: want.source, quarantined: want.quarantined, merged: want.merged, created: want.loaded - updated, updated });
  expect(want.quarantined).toBeGreaterThan(0);
  expect(want.merged).toBeGreaterThan(0);

  const store = openStore(hh.loaded);
  const journal = async (object: 'contact' | 'task') => new Map((await store.journal(r.report.runId, object, 0, 100_000)).map((j) => [j.sourceKey, j.destId]));
  const contactIds = await journal('contact');
  const taskIds = await journal('task');
  const survivor = await store.mergedInto(r.report.runId, 'contact', o.users.map(o.keyOf));
  store.close();
  const ownerOf = (key: string) => survivor.get(key) ?? key;

  // Contacts: one per email, with the user's own values and the segments it (and its merged duplicates) were in.
  const snap = hh.fs.snapshot() as unknown as { contacts: SnapContact[]; tasks: SnapTask[] };
  const emails = snap.contacts.map((c) => emailKey(c.email));
  expect(new Set(emails).size).toBe(emails.length);
  expect(snap.contacts.length).toBe(want.loaded + o.untouched.length);
  expect(contactIds.size).toBe(want.loaded);
  const inScope = new Set(o.users.map(o.keyOf));
  for (const k of contactIds.keys()) expect(inScope.has(k), `${k} is not in the population`).toBe(true);
  const names = await fieldNames(hh);
  const idField = names.get('Netmera ID')!;
  const dobField = names.get('Date of birth')!;
  expect(idField && dobField).toBeTruthy();
  const byId = new Map(snap.contacts.map((c) => [String(c.id), c]));
  const userByKey = new Map(o.users.map((u) => [o.keyOf(u), u]));
  const chosenNames = new Set(ds.segments.map((s) => s.name));
  const tagsWanted = new Map<string, Set<string>>();
  const sourceTagsWanted = new Map<string, Set<string>>();
  for (const u of o.users) {
    const k = ownerOf(o.keyOf(u));
    tagsWanted.set(k, new Set([...(tagsWanted.get(k) ?? []), ...(o.segmentsOf.get(u.key) ?? [])]));
    sourceTagsWanted.set(k, new Set([...(sourceTagsWanted.get(k) ?? []), ...u.tags]));
  }
  let datesChecked = 0;
  for (const [key, destId] of contactIds) {
    const c = byId.get(destId)!;
    const u = userByKey.get(key)!;
    expect(emailKey(c.email), key).toBe(emailKey(String(u.profile.email)));
    if (u.extId !== null) expect(c.custom_field?.[idField], key).toBe(u.extId);
    const dob = ds.truth.birthDates[u.key];
    if (dob !== undefined) {
      // The simulator keeps a date field as that day's midnight UTC: the calendar day must be the user's.
      expect(String(c.custom_field?.[dobField]), `${key} date of birth`).toMatch(new RegExp(`^${dob}(T00:00:00(\\.000)?Z)?$`));
      datesChecked++;
    }
    expect((c.tags ?? []).filter((t) => chosenNames.has(t)).sort(), `${key} segment tags`).toEqual([...(tagsWanted.get(key) ?? [])].sort());
    expect(c.tags ?? [], `${key} tags`).toEqual(expect.arrayContaining([...(sourceTagsWanted.get(key) ?? [])]));
  }
  expect(datesChecked).toBeGreaterThan(20);
  // People already in Freshsales who are not in this migration keep what they had.
  for (const e of o.untouched) {
    const c = snap.contacts.find((x) => emailKey(x.email) === emailKey(e))!;
    expect(c).toMatchObject({ first_name: 'Existing', job_title: 'Imported 2019' });
    expect(c.tags ?? []).toEqual([]);
  }

  // Tasks: every interaction of a loaded user on that user's contact (the survivor's, once merged), at its original instant.
  const interactions = expectedInteractions(ds);
  const linked = [...interactions].filter(([, v]) => contactIds.has(ownerOf(nmKey(v.extId))));
  expect(byObject.task).toMatchObject({ source: interactions.size, created: linked.length, orphaned: interactions.size - linked.length });
  expect(snap.tasks.length).toBe(taskIds.size);
  expect(taskIds.size).toBe(linked.length);
  const tasksById = new Map(snap.tasks.map((t) => [String(t.id), t]));
  let reparented = 0;
  for (const [key, v] of linked) {
    const t = tasksById.get(taskIds.get(key)!)!;
    const owner = ownerOf(nmKey(v.extId));
    if (owner !== nmKey(v.extId)) reparented++;
    expect(String(t.targetable_id), key).toBe(contactIds.get(owner));
    expect(Date.parse(t.due_date), `${key} due ${t.due_date}`).toBe(v.at);
  }
  expect(reparented).toBe(byObject.task!.reparented ?? 0);
  return { byObject, contactIds };
}

/** Emails to put into Freshsales first: `n` of users who will load (one per email) and `m` of people outside the migration. */
function seedPlan(ds: NetmeraDataset, users: readonly NetmeraUser[], n: number, m: number) {
  const inScope = loadableByEmail(ds, users);
  const seeded = [...inScope.values()].filter((g) => g.length === 1).slice(0, n).map((g) => String(g[0]!.profile.email).trim());
  const keys = new Set(users.map((u) => u.key));
  const outside = loadableByEmail(ds, ds.users.filter((u) => !keys.has(u.key)));
  const untouched = [...outside].filter(([k, g]) => g.length === 1 && !inScope.has(k)).slice(0, m).map(([, g]) => String(g[0]!.profile.email).trim());
  return { seeded, untouched };
}

describe('Netmera → Freshsales, end to end, with faults on both sides', () => {
  it('REST by key over frozen segments: stopped after scoping, Netmera recalculates, the re-run migrates the frozen population exactly', async () => {
    h = await startNetmeraHarness({
      users: 200, seed: 23, objects: 'all',
      // Netmera: its own rate limit (429, under the 400/s the config paces at) besides the injected 5xx, timeouts and 429/5022 bursts.
      netmera: { limits: { perSecond: 300 } },
      source: SOURCE_SETTINGS,
      fs: { timeScale: 3600, bulkJobMs: 1500 },
    });
    const ds = h.dataset;
    const users = frozenUsers(ds, 0);
    const { seeded, untouched } = seedPlan(ds, users, 8, 3);
    await seedFreshsalesContacts(h.fs, [...seeded, ...untouched]);
    h.nm.setFaults(NETMERA_FAULTS);
    h.fs.setFaults(FRESHSALES_FAULTS);
    h.loaded.config.destination.timeoutMs = DESTINATION_TIMEOUT_MS;
    const out = join(h.dir, 'out');

    // The first attempt stops once the scope step has frozen the population, before extraction.
    const stopped = recording(() => {}, (step) => {
      if (step.startsWith('extract contacts')) throw new Error('stopped after scoping');
    });
    await expect(runMigrate({ loaded: h.loaded, outDir: out, logger: silentLogger(), progress: stopped })).rejects.toThrow(/stopped after scoping/);
    const coverage = stopped.notes.find((n) => n.startsWith('coverage'));

    // Netmera recalculates its segments: members of the drifting ones join and leave.
    h.nm.advance((RECALCULATION_HOURS + 0.5) * 3_600_000);
    expect(h.nm.segmentEpoch()).toBe(1);
    const drifted = frozenUsers(ds, 1);
    const driftedKeys = new Set(drifted.map((u) => u.key));
    expect(drifted.length !== users.length || users.some((u) => !driftedKeys.has(u.key))).toBe(true);

    const progress = recording();
    const r = await runMigrate({ loaded: h.loaded, outDir: out, logger: silentLogger(), progress });
    expect(progress.notes.join('\n')).toMatch(/resuming run/);
    expect(progress.notes.join('\n')).not.toMatch(/population frozen/);

    // The population read is the one frozen before the recalculation, and its segment tags are the frozen ones.
    await checkRun(h, r, { users, keyOf: (u) => nmKey(u.extId!), segmentsOf: segmentNamesAt(ds, users, 0), seeded, untouched });

    // The coverage check named the users the chosen segments leave out before anything moved:
    // against the all-users segment's count, or — when Netmera counts per OS — the Export Users file's rows.
    const population = ds.users.length;
    const basis = segmentsPerOs()
      ? `in the Export Users file ${ds.appKey}_EXPORT_USERS_\\d{8}\\.(csv|xlsx); the "Tüm Kullanıcılar" segment's user counts are per OS`
      : `in the "Tüm Kullanıcılar" segment \\(its user count at Netmera's last calculation\\)`;
    expect(stopped.notes).toContain(`population frozen: ${users.length} user(s) in the union of 6 segment(s) ${ds.segments.filter((x) => ds.typicalSelection.includes(x.id)).map((x) => `"${x.name}"`).join(', ')}`);
    expect(coverage).toMatch(
      new RegExp(`^coverage: ${users.length} of ${population} users \\(${basis}\\): ${population - users.length} user\\(s\\) are not reached through the chosen segments \\(in none of them, or not listable by the source\\) and would not migrate — add a segment that holds them, or accept the gap$`),
    );
    // Who that gap is, from the generator's truth: users in none of the chosen segments, and members
    // the REST API cannot list by key (no external id; under per-OS answers, no iOS or Android app).
    const t = ds.truth;
    const inChosen = new Set(t.typicalSelection.flatMap((id) => t.segmentMembers[String(id)] ?? []));
    const unlisted = new Set([...t.anonymous, ...(segmentsPerOs() ? [...t.noDevices, ...t.noAppDevice] : [])]);
    const frozenKeys = new Set(users.map((u) => u.key));
    expect(new Set(ds.users.map((u) => u.key).filter((k) => !frozenKeys.has(k)))).toEqual(new Set([...t.notInTypicalSelection, ...[...inChosen].filter((k) => unlisted.has(k))]));
    expect(t.notInTypicalSelection.length).toBeGreaterThan(0);

    const nmStats = h.nm.stats();
    expect(nmStats.faultsInjected).toBeGreaterThan(0);
    // Injected bursts alternate HTTP 429 and error 5022, the first being a 429: a 5022 means both were met.
    // The simulator's own per-second limit bites only when this machine outruns it, so its count is not
    // asserted here (the limiter is tested in sim-netmera.test.ts, the client's 429 handling in netmera-client.test.ts).
    expect(nmStats.errors['5022'] ?? 0).toBeGreaterThan(0);
    expect(h.fs.stats().faultsInjected).toBeGreaterThan(0);
  });

  it('Export Users and Data Export files instead of REST: every user in the file, reconciled exactly', async () => {
    h = await startNetmeraHarness({ users: 200, seed: 31, objects: 'all', contactsFrom: 'file', source: SOURCE_SETTINGS, fs: { timeScale: 3600, bulkJobMs: 1500 } });
    const ds = h.dataset;
    const users = ds.users;
    const { seeded, untouched } = seedPlan(ds, users, 6, 0);
    await seedFreshsalesContacts(h.fs, seeded);
    h.nm.setFaults(NETMERA_FAULTS);
    h.fs.setFaults(FRESHSALES_FAULTS);
    h.loaded.config.destination.timeoutMs = DESTINATION_TIMEOUT_MS;
    const progress = recording();
    const r = await runMigrate({ loaded: h.loaded, outDir: join(h.dir, 'out'), logger: silentLogger(), progress });
    // No segment is frozen: the file lists every user. Segment tags come from the segments as Netmera lists them (users with an external id).
    expect(progress.notes.join('\n')).not.toMatch(/population frozen/);
    const listed = new Set(frozenUsers(ds, 0).map((u) => u.key));
    const segmentsOf = segmentNamesAt(ds, users.filter((u) => listed.has(u.key)), 0);
    const keyOf = (u: NetmeraUser) => (u.extId !== null ? nmKey(u.extId) : typeof u.profile.email === 'string' && u.profile.email.trim() !== '' ? `netmera:email:${u.profile.email.trim().toLowerCase()}` : `(no key: ${u.key})`);
    await checkRun(h, r, { users, keyOf, segmentsOf, seeded, untouched });
    expect(h.nm.stats().byRoute.getProfileAttributes ?? 0).toBe(0);
    expect(h.nm.stats().faultsInjected).toBeGreaterThan(0);
    expect(h.fs.stats().faultsInjected).toBeGreaterThan(0);
  });

  // Was a bug (freezeScope re-run after a stop unioned two recalculations): the freeze now
  // starts from an empty scope every time it runs.
  it('a scope step stopped part-way, then a recalculation: each frozen segment is one calculation of it', async () => {
    h = await startNetmeraHarness({ users: 200, seed: 23, source: SOURCE_SETTINGS, fs: { timeScale: 3600, bulkJobMs: 1500 } });
    const ds = h.dataset;
    const chosen = ds.segments.filter((x) => ds.typicalSelection.includes(x.id));
    const membersAt = (segmentId: number, epoch: number) => {
      const seg = ds.segments.find((x) => x.id === segmentId)!;
      const keys = new Set(frozenUsers(ds, epoch).map((u) => u.key));
      return ds.users.filter((u) => keys.has(u.key) && memberAt(ds.seed, seg, u, ds.now, epoch)).map((u) => nmKey(u.extId!)).sort();
    };
    // The fifth segment drifts: the recalculation changes who is in it.
    const drifting = chosen[4]!;
    expect(drifting.drifts).toBe(true);
    expect(membersAt(drifting.id, 1)).not.toEqual(membersAt(drifting.id, 0));

    // The first attempt stops once five of the six segments are frozen.
    let frozen = 0;
    const stopped = recording(() => {}, () => {}, () => {
      if (++frozen === 5) throw new Error('stopped while freezing');
    });
    const out = join(h.dir, 'out');
    await expect(runMigrate({ loaded: h.loaded, outDir: out, logger: silentLogger(), progress: stopped })).rejects.toThrow(/stopped while freezing/);
    h.nm.advance((RECALCULATION_HOURS + 0.5) * 3_600_000);
    const r = await runMigrate({ loaded: h.loaded, outDir: out, logger: silentLogger(), progress: recording() });

    const store = openStore(h.loaded);
    try {
      const union = new Set<string>();
      for (const seg of chosen) {
        const got = (await store.members(r.report.runId, 'scope', { name: seg.name, afterKey: '', limit: 100_000 })).sort();
        expect([JSON.stringify(membersAt(seg.id, 0)), JSON.stringify(membersAt(seg.id, 1))], seg.name).toContain(JSON.stringify(got));
        for (const k of got) union.add(k);
      }
      expect(r.report.phases.find((p) => p.object === 'contact')!.source).toBe(union.size);
    } finally {
      store.close();
    }
  });

  // Was a bug (every run read up to 1000 users to learn attribute names the source declares):
  // contacts are sampled only when the map reads an attribute neither the source nor discovery knows.
  it('one run reads each user of the frozen population once', async () => {
    h = await startNetmeraHarness({ users: 150, seed: 41 });
    const users = frozenUsers(h.dataset, 0);
    const before = h.nm.stats().byRoute.getProfileAttributes ?? 0;
    const r = await runMigrate({ loaded: h.loaded, outDir: join(h.dir, 'out'), logger: silentLogger(), progress: recording() });
    expect(r.report.phases.find((p) => p.object === 'contact')!.source).toBe(users.length);
    expect((h.nm.stats().byRoute.getProfileAttributes ?? 0) - before).toBe(users.length);
  });
});
