import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { openStore, runMigrate } from '../../src/pipeline/migrate.js';
import { runRollback } from '../../src/pipeline/rollback.js';
import { silentProgress } from '../../src/pipeline/progress.js';
import { confirmMap } from '../../src/pipeline/map-gate.js';
import { formatStatus, readStatus } from '../../src/pipeline/status.js';
import type { FreshsalesSnapshot } from '../../simulators/freshsales/index.js';
import { startHarness, type Harness } from '../helpers/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Whether this simulator merges tag writes (the alternate reading): tags a migration added then cannot be taken away. */
const tagsMerge = process.env.CRM_SIM_READINGS === 'alternate';

/** The admin's view without what every write moves (updated_at), records by id. */
function view(s: FreshsalesSnapshot): Record<string, Map<string, Record<string, unknown>>> {
  const out: Record<string, Map<string, Record<string, unknown>>> = {};
  for (const [entity, list] of Object.entries(s)) {
    out[entity] = new Map(
      (list as Array<Record<string, unknown>>).map((r) => {
        const { updated_at: _u, ...rest } = r;
        return [String(r.id), rest];
      }),
    );
  }
  return out;
}

async function withDeals(hh: Harness): Promise<void> {
  const map = readFileSync(hh.loaded.mappingFile, 'utf8').replace(/(\n {2}deal:[\s\S]*?\n {4}enabled: )false/, '$1true');
  writeFileSync(hh.loaded.mappingFile, `${map}\nowners:\n  default: avery.admin@example.com\n`);
  const store = openStore(hh.loaded);
  await confirmMap({ store, mappingFile: hh.loaded.mappingFile, by: 'test', now: new Date() });
  await store.close();
}

/** Ten of the source's people already in Freshsales (another email case, other names, a tag), and one stranger. */
function seedExisting(hh: Harness): string[] {
  const bad = new Set([...hh.dataset.truth.missingEmail, ...hh.dataset.truth.invalidEmail]);
  const dupes = new Set(hh.dataset.truth.duplicateGroups.flatMap((g) => g.profileIds));
  const people = hh.dataset.profiles.filter((p) => !bad.has(p.profile_id) && !dupes.has(p.profile_id) && typeof p.email === 'string').slice(0, 10);
  const ids = people.map((p, i) => String(hh.fs.createRecord('contacts', { emails: String(p.email).toUpperCase(), first_name: `Before${i}`, last_name: 'Existing', tags: ['vip'], job_title: 'Owner' }).id));
  hh.fs.createRecord('contacts', { emails: 'stranger@example.org', first_name: 'Not', last_name: 'Migrated' });
  return ids;
}

describe('rollback', () => {
  it('undoes a whole migration: created records deleted, updated ones restored, a record edited since kept until forced, then migrates again without duplicates', async () => {
    h = await startHarness({ profiles: 120, seed: 31, fs: { timeScale: 3600, bulkJobMs: 200 }, confirm: false, objects: 'all' });
    await withDeals(h);
    const existing = seedExisting(h);
    const before = view(h.fs.snapshot());

    const out = join(h.dir, 'out');
    const m = await runMigrate({ loaded: h.loaded, outDir: out, logger: silentLogger(), progress: silentProgress });
    const phases = Object.fromEntries(m.report.phases.map((p) => [p.object, p]));
    expect(phases.contact!.updated).toBe(existing.length);
    expect(phases.task!.created).toBeGreaterThan(0);
    expect(phases.deal!.created).toBeGreaterThan(0);
    const migrated = view(h.fs.snapshot());

    // Someone edits a migrated contact in Freshsales after the migration wrote it.
    const created = [...migrated.contacts!.keys()].filter((id) => !before.contacts!.has(id));
    const edited = created[3]!;
    h.fs.editRecord('contacts', edited, { first_name: 'Edited by a person' });
    const editedView = view(h.fs.snapshot());

    // Dry run: classifies and prices, changes nothing.
    const dry = await runRollback({ loaded: h.loaded, outDir: out, logger: silentLogger(), progress: silentProgress, dryRun: true });
    expect(dry.report.status).toBe('dry run');
    const dryBy = Object.fromEntries(dry.report.phases.map((p) => [p.object, p]));
    expect(Object.keys(dryBy)).toEqual(['task', 'deal', 'account', 'contact']);
    expect(dryBy.task!.toDelete).toBe(phases.task!.created);
    expect(dryBy.deal!.toDelete).toBe(phases.deal!.created);
    expect(dryBy.contact!.toDelete).toBe(phases.contact!.created - 1);
    expect(dryBy.contact!.toRestore).toBe(existing.length);
    expect(dryBy.contact!.kept).toBe(1);
    expect(dry.report.kept[0]).toMatchObject({ object: 'contact', destId: edited, changes: [{ field: 'first_name', actual: 'Edited by a person' }] });
    expect(view(h.fs.snapshot())).toEqual(editedView);

    // The rollback itself. The edited contact's own tasks and deals go; it stays.
    const r = await runRollback({ loaded: h.loaded, outDir: out, logger: silentLogger(), progress: silentProgress });
    const by = Object.fromEntries(r.report.phases.map((p) => [p.object, p]));
    expect(by.task).toMatchObject({ deleted: phases.task!.created, failed: 0, kept: 0 });
    expect(by.deal).toMatchObject({ deleted: phases.deal!.created, failed: 0 });
    expect(by.contact).toMatchObject({ deleted: phases.contact!.created - 1, kept: 1 });
    // Contacts are read 100 per call to see whether people edited them, then deleted 100 per bulk call
    // (read again when the answer does not count them), and each restore is one call.
    const created100 = Math.ceil(phases.contact!.created / 100);
    expect(by.contact!.calls).toBeLessThanOrEqual((tagsMerge ? 3 : 2) * created100 + existing.length + 2);
    expect(JSON.parse(readFileSync(r.files.json, 'utf8')).status).toBe(r.report.status);
    expect(readFileSync(r.files.html, 'utf8')).toContain('Edited by a person');

    const after = view(h.fs.snapshot());
    expect([...after.contacts!.keys()].sort()).toEqual([...before.contacts!.keys(), edited].sort());
    for (const e of ['sales_accounts', 'deals', 'tasks', 'sales_activities']) expect([...after[e]!.keys()], e).toEqual([...before[e]!.keys()]);
    if (tagsMerge) {
      // An account that merges tag writes keeps the tags the migration added: reported, journal left standing.
      expect(r.report.status).toBe('rolled back with errors');
      expect(r.report.failures.every((f) => f.object === 'contact' && /merges tag writes/.test(f.reason))).toBe(true);
      for (const id of existing) {
        const { tags: _a, ...was } = before.contacts!.get(id)!;
        const { tags: _b, ...now } = after.contacts!.get(id)!;
        expect(now, id).toEqual(was);
      }
    } else {
      expect(r.report.status).toBe('rolled back');
      expect(by.contact!.restored).toBe(existing.length);
      for (const id of existing) expect(after.contacts!.get(id), id).toEqual(before.contacts!.get(id));
    }

    // Run again: nothing left but the kept record, which --force undoes.
    const again = await runRollback({ loaded: h.loaded, outDir: out, logger: silentLogger(), progress: silentProgress, force: [edited] });
    const byAgain = Object.fromEntries(again.report.phases.map((p) => [p.object, p]));
    expect(byAgain.contact!.deleted).toBe(1);
    const fin = view(h.fs.snapshot());
    expect([...fin.contacts!.keys()].sort()).toEqual([...before.contacts!.keys()].sort());

    // The rolled-back writes no longer count as migrated: a new migrate creates everything again, once.
    const m2 = await runMigrate({ loaded: h.loaded, outDir: out, logger: silentLogger(), progress: silentProgress });
    const p2 = Object.fromEntries(m2.report.phases.map((p) => [p.object, p]));
    expect(p2.contact!.created).toBe(phases.contact!.created);
    expect(p2.task, JSON.stringify(p2.task)).toMatchObject({ created: phases.task!.created });
    expect(p2.deal, JSON.stringify([p2.deal, phases.deal])).toMatchObject({ created: phases.deal!.created });
    expect(h.fs.snapshot().contacts).toHaveLength(migrated.contacts!.size);
  }, 180_000);

  it('rolls back one phase (tasks) and only that phase; contacts cannot go before the tasks on them', async () => {
    h = await startHarness({ profiles: 60, seed: 7, fs: { timeScale: 3600, bulkJobMs: 200 }, objects: 'all' });
    const out = join(h.dir, 'out');
    const m = await runMigrate({ loaded: h.loaded, outDir: out, logger: silentLogger(), progress: silentProgress });
    const tasks = m.report.phases.find((p) => p.object === 'task')!.created;
    expect(tasks).toBeGreaterThan(0);
    const migrated = view(h.fs.snapshot());

    await expect(runRollback({ loaded: h.loaded, outDir: out, logger: silentLogger(), progress: silentProgress, phase: 'contact' })).rejects.toThrow(/tasks of these runs still hang on contacts; undo them first \(--phase task\)/);
    const r = await runRollback({ loaded: h.loaded, outDir: out, logger: silentLogger(), progress: silentProgress, phase: 'task' });
    expect(r.report.phases.map((p) => [p.object, p.deleted])).toEqual([['task', tasks]]);
    const store = openStore(h.loaded);
    const st = formatStatus(await readStatus(store, h.loaded.workdir));
    await store.close();
    expect(st[0]).toMatch(/^run run-.*: completed/);
    expect(st).toContain(`  undo tasks: deleted ${tasks}, restored 0, kept (edited since) 0, failed 0`);
    const after = view(h.fs.snapshot());
    expect(after.tasks!.size).toBe(0);
    expect(after.contacts).toEqual(migrated.contacts);

    // Now contacts may go; a full rollback afterwards finds only them.
    const rest = await runRollback({ loaded: h.loaded, outDir: out, logger: silentLogger(), progress: silentProgress });
    expect(rest.report.phases.map((p) => p.object)).toEqual(['contact']);
    expect(h.fs.snapshot().contacts).toHaveLength(0);
  }, 120_000);

  it('a sample of 300, rolled back: Freshsales is identical to before, every record, field and tag (pre-existing contacts restored from before-images)', async () => {
    h = await startHarness({ profiles: 420, seed: 19, fs: { timeScale: 3600, bulkJobMs: 200 }, objects: 'all' });
    const existing = seedExisting(h);
    const before = view(h.fs.snapshot());
    const out = join(h.dir, 'out');
    const s = await runMigrate({ loaded: h.loaded, outDir: out, logger: silentLogger(), progress: silentProgress, sample: { size: 300, seed: '1' } });
    expect(s.report.sample?.size).toBe(300);
    const written = s.report.phases.reduce((n, p) => n + p.created + p.updated, 0);
    expect(written).toBeGreaterThan(300);

    const r = await runRollback({ loaded: h.loaded, outDir: out, logger: silentLogger(), progress: silentProgress, run: s.report.runId });
    const after = view(h.fs.snapshot());
    if (tagsMerge) {
      // Tags the sample added to pre-existing contacts stay on an account that merges tag writes (reported).
      for (const id of existing) {
        delete after.contacts!.get(id)!.tags;
        delete before.contacts!.get(id)!.tags;
      }
      expect(r.report.failures.every((f) => /merges tag writes/.test(f.reason))).toBe(true);
    } else expect(r.report.status).toBe('rolled back');
    expect(after).toEqual(before);
  }, 180_000);
});
