import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { emailKey } from '../../src/mapping/normalise.js';
import { openStore, runMigrate } from '../../src/pipeline/migrate.js';
import { silentProgress } from '../../src/pipeline/progress.js';
import { confirmMap } from '../../src/pipeline/map-gate.js';
import { runSchemaApply } from '../../src/pipeline/schema.js';
import { runCutover } from '../../src/pipeline/cutover.js';
import { formatStatus, readStatus } from '../../src/pipeline/status.js';
import type { XtremepushProfile } from '../../simulators/generator/types.js';
import { API_KEY, startHarness, type Harness } from '../helpers/harness.js';
import { nmKey, startNetmeraHarness, type NetmeraHarness } from '../helpers/netmera-harness.js';
import { parseCsv } from '../helpers/csv.js';

let harnesses: Array<Harness | NetmeraHarness> = [];
afterEach(async () => {
  await Promise.all(harnesses.map((x) => x.close()));
  harnesses = [];
});

async function confirm(hh: Harness | NetmeraHarness): Promise<void> {
  const store = openStore(hh.loaded);
  await confirmMap({ store, mappingFile: hh.loaded.mappingFile, by: 'test', now: new Date() });
  await store.close();
}

/** Contacts as the admin sees them, by email, without ids and timestamps. */
function contactsByEmail(hh: Harness): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const c of hh.fs.snapshot().contacts as Array<Record<string, unknown>>) {
    const { id: _i, created_at: _c, updated_at: _u, emails: _e, ...rest } = c;
    // A field a delta cleared reads null; one a first load never wrote is absent: the same to a person.
    const values = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== null && !(Array.isArray(v) && v.length === 0)));
    const cf = (rest.custom_field ?? {}) as Record<string, unknown>;
    values.custom_field = Object.fromEntries(Object.entries(cf).filter(([, v]) => v !== null));
    if (Array.isArray(values.tags)) values.tags = [...(values.tags as string[])].sort();
    out.set(emailKey(String(c.email))!, values);
  }
  return out;
}

/** A CSV file's rows as header → cell. */
function readCsv(text: string): { rows: Array<Record<string, string>> } {
  const [head, ...rows] = parseCsv(text);
  return { rows: rows.map((r) => Object.fromEntries(head!.map((k, i) => [k, r[i] ?? '']))) };
}

const destinationWrites = (hh: Harness | NetmeraHarness) =>
  Object.entries(hh.fs.stats().byRoute)
    .filter(([route]) => /^(POST|PUT|DELETE) /.test(route) && !route.includes('filtered_search'))
    .reduce((n, [, c]) => n + c, 0);

describe('cutover delta', () => {
  it('writes only what changed (updates, clears, new profiles, deletes), reports a record edited in Freshsales, and equals a fresh migration of the changed source', async () => {
    const h = await startHarness({ profiles: 200, seed: 41, fs: { timeScale: 3600, bulkJobMs: 200 }, confirm: false, objects: 'all' });
    harnesses.push(h);
    writeFileSync(h.loaded.mappingFile, `${readFileSync(h.loaded.mappingFile, 'utf8')}\ndelta:\n  on_source_delete: delete\n`);
    await confirm(h);
    const out = join(h.dir, 'out');
    const full = await runMigrate({ loaded: h.loaded, outDir: out, logger: silentLogger(), progress: silentProgress });
    const fullCalls = full.report.apiCalls.destination;

    // The source changes while Freshsales is still not the system of record.
    const t = h.dataset.truth;
    const messy = new Set([...t.missingEmail, ...t.invalidEmail, ...t.duplicateGroups.flatMap((g) => g.profileIds)]);
    const clean = h.dataset.profiles.filter((p) => !messy.has(p.profile_id) && typeof p.email === 'string' && typeof p.first_name === 'string' && typeof p.country === 'string');
    const [p1, p2, p3, p4, p6] = clean as [XtremepushProfile, XtremepushProfile, XtremepushProfile, XtremepushProfile, XtremepushProfile];
    const next = String(Math.max(...h.dataset.profiles.map((p) => Number(p.profile_id))) + 1);
    // One member of a duplicate group (same email) changes: the group merges again, the changed one newest.
    const bad = new Set([...t.missingEmail, ...t.invalidEmail]);
    const group = t.duplicateGroups.find((g) => g.profileIds.length >= 2 && g.profileIds.every((id) => !bad.has(id)))!;
    h.xp.changeProfiles({
      upsert: [
        { profile_id: p1.profile_id, first_name: 'Renamed' },
        { profile_id: p2.profile_id, first_name: 'Also renamed', last_name: 'Changed' },
        { profile_id: p3.profile_id, country: null },
        { profile_id: p6.profile_id, first_name: 'Source side' },
        { profile_id: group.profileIds[0]!, first_name: 'Group winner now' },
        { profile_id: next, email: 'new.person@example.com', first_name: 'New', last_name: 'Person', country: 'IE', email_subscription: 1 },
        { profile_id: String(Number(next) + 1), email: 'second.new@example.com', first_name: 'Second', email_subscription: 0 },
      ],
      delete: [p4.profile_id],
    });
    // Someone edits p6 in Freshsales after the migration wrote it.
    const p6Contact = (h.fs.snapshot().contacts as Array<{ id: number; email: string }>).find((c) => emailKey(c.email) === emailKey(String(p6.email)))!;
    h.fs.editRecord('contacts', p6Contact.id, { last_name: 'Edited in Freshsales' });
    const writesBefore = destinationWrites(h);

    const d = await runMigrate({ loaded: h.loaded, outDir: out, logger: silentLogger(), progress: silentProgress, delta: true });
    const c = d.report.phases.find((p) => p.object === 'contact')!;
    // Read: the 5 changed profiles and the 2 new ones, plus the unchanged members of the changed one's
    // group (from the last run that read them), merged into it; p6 (conflict) left unwritten.
    const partners = group.profileIds.length - 1;
    expect(c).toMatchObject({ source: 7 + partners, merged: partners, created: 2, updated: 4, skipped: 1, failed: 0, quarantined: 0 });
    expect(c.verified).toBe(6);
    const conflicts = readCsv(readFileSync(d.files.conflicts!, 'utf8'));
    expect(conflicts.rows.map((r) => [r.freshsales_id, r.field, r.freshsales_now, r.resolution])).toEqual([[String(p6Contact.id), 'last_name', 'Edited in Freshsales', 'report']]);
    expect(readCsv(readFileSync(d.files.sourceDeletes!, 'utf8')).rows.map((r) => r.action)).toEqual([expect.stringMatching(/^deleted \(with \d+ × a task\)$|^deleted$/)]);
    // Proportional to the changes, not to the 200 contacts.
    const deltaCalls = d.report.apiCalls.destination - fullCalls;
    expect(deltaCalls).toBeLessThan(30);
    expect(destinationWrites(h) - writesBefore).toBeLessThan(12);

    const after = contactsByEmail(h);
    expect(after.get(emailKey(String(p1.email))!)).toMatchObject({ first_name: 'Renamed' });
    expect(after.get(emailKey(String(p3.email))!)?.country).toBeUndefined();
    expect(after.has(emailKey(String(p4.email))!)).toBe(false);
    expect(after.get(emailKey(String(p6.email))!)).toMatchObject({ last_name: 'Edited in Freshsales' });
    expect(after.get(emailKey(String(p6.email))!)?.first_name).not.toBe('Source side');

    // A fresh full migration of the changed source, into an empty account, with the same map.
    const f = await startHarness({ profiles: 0, dataset: h.xp.dataset, seed: 41, fs: { timeScale: 3600, bulkJobMs: 200 }, confirm: false, createFields: false, objects: 'all' });
    harnesses.push(f);
    copyFileSync(h.loaded.mappingFile, f.loaded.mappingFile);
    await runSchemaApply({ loaded: f.loaded, logger: silentLogger() });
    await confirm(f);
    await runMigrate({ loaded: f.loaded, outDir: join(f.dir, 'out'), logger: silentLogger(), progress: silentProgress });
    const fresh = contactsByEmail(f);
    after.delete(emailKey(String(p6.email))!);
    fresh.delete(emailKey(String(p6.email))!);
    expect([...after.keys()].sort()).toEqual([...fresh.keys()].sort());
    if (process.env.CRM_SIM_READINGS === 'alternate') {
      // An account that merges tag writes keeps a segment tag p3 no longer has: tags cannot be taken away by writing them.
      delete after.get(emailKey(String(p3.email))!)!.tags;
      delete fresh.get(emailKey(String(p3.email))!)!.tags;
    }
    for (const [k, v] of fresh) expect(after.get(k), k).toEqual(v);
    // Tasks match too: the deleted profile's tasks went with its contact.
    expect(h.fs.snapshot().tasks.length).toBe(f.fs.snapshot().tasks.length);
    const live = new Set((h.fs.snapshot().contacts as Array<{ id: number }>).map((x) => x.id));
    expect((h.fs.snapshot().tasks as Array<{ targetable_id: number }>).every((x) => live.has(x.targetable_id))).toBe(true);

    // Nothing changed since: a second delta only reads.
    const writes2 = destinationWrites(h);
    const d2 = await runMigrate({ loaded: h.loaded, outDir: out, logger: silentLogger(), progress: silentProgress, delta: true });
    expect(destinationWrites(h)).toBe(writes2);
    const c2 = d2.report.phases.find((p) => p.object === 'contact')!;
    expect(c2.created + c2.updated).toBe(0);
  }, 240_000);

  it('refuses a delta before any migration finished', async () => {
    const h = await startHarness({ profiles: 20, seed: 3 });
    harnesses.push(h);
    await expect(runMigrate({ loaded: h.loaded, outDir: join(h.dir, 'out'), logger: silentLogger(), progress: silentProgress, delta: true })).rejects.toThrow(/nothing to take a delta of/);
  });

  it('cutover: the final delta, every migrated record read back, the migration marked complete only when nothing is missing', async () => {
    const h = await startHarness({ profiles: 120, seed: 17, fs: { timeScale: 3600, bulkJobMs: 200 }, objects: 'all' });
    harnesses.push(h);
    const out = join(h.dir, 'out');
    const full = await runMigrate({ loaded: h.loaded, outDir: out, logger: silentLogger(), progress: silentProgress });
    const loaded = full.report.phases.find((p) => p.object === 'contact')!;
    const tasks = full.report.phases.find((p) => p.object === 'task')!.created;
    h.xp.changeProfiles({ upsert: [{ profile_id: String(Math.max(...h.dataset.profiles.map((p) => Number(p.profile_id))) + 1), email: 'late.arrival@example.com', first_name: 'Late' }] });

    const c1 = await runCutover({ loaded: h.loaded, outDir: out, logger: silentLogger(), progress: silentProgress });
    expect(c1.delta.report.phases.find((p) => p.object === 'contact')).toMatchObject({ created: 1, updated: 0 });
    const byObject = Object.fromEntries(c1.final.phases.map((p) => [p.object, p]));
    expect(byObject.contact).toMatchObject({ sourceNow: h.xp.dataset.profiles.length, migrated: loaded.created + 1, inFreshsales: loaded.created + 1, missing: [] });
    expect(byObject.task).toMatchObject({ migrated: tasks, inFreshsales: tasks });
    expect(c1.final.complete).toBe(true);
    expect(c1.final.notMigrated.count).toBe(h.xp.dataset.profiles.length - loaded.created - 1);
    const store = openStore(h.loaded);
    expect(JSON.parse((await store.getMeta('migration:complete'))!).deltaRunId).toBe(c1.final.deltaRunId);
    expect(formatStatus(await readStatus(store, h.loaded.workdir)).at(-1)).toMatch(new RegExp(`^migration complete: the cutover's final reconciliation \\(${c1.final.deltaRunId}\\)`));
    await store.close();
    expect(readFileSync(c1.files.html, 'utf8')).toContain('Complete: every migrated record is in Freshsales');

    // Someone deletes a migrated contact in Freshsales: the next cutover names it and is not complete.
    const gone = (h.fs.snapshot().contacts as Array<{ id: number }>)[5]!.id;
    await fetch(`${h.fs.url}/api/contacts/${gone}`, { method: 'DELETE', headers: { authorization: `Token token=${API_KEY}` } });
    const c2 = await runCutover({ loaded: h.loaded, outDir: out, logger: silentLogger(), progress: silentProgress });
    expect(c2.final.complete).toBe(false);
    expect(c2.final.phases.find((p) => p.object === 'contact')!.missing.map((m) => m.destId)).toEqual([String(gone)]);
  }, 120_000);

  it('Netmera (read by key, cannot say what changed): the whole frozen scope is read, only changed users are written, a deleted user is tagged', async () => {
    const h = await startNetmeraHarness({ users: 150, seed: 9, confirm: false });
    harnesses.push(h);
    writeFileSync(h.loaded.mappingFile, `${readFileSync(h.loaded.mappingFile, 'utf8')}\ndelta:\n  on_source_delete: tag\n`);
    await confirm(h);
    const out = join(h.dir, 'out');
    const full = await runMigrate({ loaded: h.loaded, outDir: out, logger: silentLogger(), progress: silentProgress });
    const written = full.report.phases[0]!.created + full.report.phases[0]!.updated;
    const store = openStore(h.loaded);
    const journaled = await store.activeSourceKeys('contact', '', 1000);
    await store.close();
    const ext = (key: string) => key.slice(nmKey('').length);
    const [a, b, gone] = journaled.map(ext) as [string, string, string];
    await h.nm.changeUsers({ upsert: [{ extId: a, profile: { name: 'Değişti' } }, { extId: b, profile: { surname: 'Yeni' } }], delete: [gone] });
    const writesBefore = destinationWrites(h);

    const d = await runMigrate({ loaded: h.loaded, outDir: out, logger: silentLogger(), progress: silentProgress, delta: true });
    const c = d.report.phases[0]!;
    expect(c.updated).toBeGreaterThanOrEqual(2);
    expect(c.skipped).toBeGreaterThan(written / 2);
    expect(c.failed).toBe(0);
    expect(readCsv(readFileSync(d.files.sourceDeletes!, 'utf8')).rows.map((r) => [r.record_key, r.action])).toEqual([[nmKey(gone), 'tagged']]);
    const contacts = h.fs.snapshot().contacts as Array<{ first_name?: string; last_name?: string; tags?: string[] }>;
    expect(contacts.some((x) => x.first_name === 'Değişti')).toBe(true);
    expect(contacts.some((x) => x.last_name === 'Yeni')).toBe(true);
    expect(contacts.filter((x) => x.tags?.includes('deleted in Netmera'))).toHaveLength(1);
    // Writes for the changes (and any segment drift), not for the population.
    expect(destinationWrites(h) - writesBefore).toBeLessThan(written / 4);
  }, 180_000);
});
