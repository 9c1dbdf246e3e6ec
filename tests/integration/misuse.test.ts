/**
 * Everyday mistakes that used to duplicate or lose data while every phase showed ✓: state.db
 * lost and the migration run again, the config pointed at another Freshsales account, and a
 * workdir lock left behind by a dead run.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFreshsalesSim, type FreshsalesSim } from '../../simulators/freshsales/index.js';
import { isMigrateError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { confirmMap, knownSourceAttributes } from '../../src/pipeline/map-gate.js';
import { createSource } from '../../src/connectors/registry.js';
import { openStore, runMigrate } from '../../src/pipeline/migrate.js';
import { acquireWorkdirLock, STALE_AFTER_MS } from '../../src/pipeline/lock.js';
import { runSchemaApply, runSchemaCheck } from '../../src/pipeline/schema.js';
import type { Progress } from '../../src/pipeline/progress.js';
import { markerKeyOf } from '../../src/pipeline/tasks.js';
import { API_KEY, simReadings, startHarness, type Harness } from '../helpers/harness.js';

let h: Harness | undefined;
let other: FreshsalesSim | undefined;
afterEach(async () => {
  await other?.close();
  other = undefined;
  await h?.close();
  h = undefined;
});

function notes(): Progress & { lines: string[] } {
  const lines: string[] = [];
  return { lines, start() {}, advance() {}, end() {}, note: (m) => void lines.push(m) };
}

async function confirm(h: Harness): Promise<void> {
  const store = openStore(h.loaded);
  await confirmMap({ store, mappingFile: h.loaded.mappingFile, by: 'test', now: new Date() });
  store.close();
}

describe('misuse that must not hurt the data', () => {
  it('state.db lost, map re-confirmed, migrate again: says so, adopts what exists, creates nothing twice', async () => {
    h = await startHarness({ profiles: 120, seed: 43, objects: 'all' });
    const first = await runMigrate({ loaded: h.loaded, outDir: join(h.dir, 'out'), logger: silentLogger(), progress: notes() });
    const tasksBefore = h.fs.snapshot().tasks.length;
    const contactsBefore = h.fs.snapshot().contacts.length;
    expect(tasksBefore).toBeGreaterThan(50);
    expect(first.report.phases.find((p) => p.object === 'task')!.created).toBe(tasksBefore);

    // The workdir is deleted (state.db with it); the user confirms the same map again and re-runs.
    rmSync(h.loaded.workdir, { recursive: true, force: true });
    await confirm(h);
    const progress = notes();
    const second = await runMigrate({ loaded: h.loaded, outDir: join(h.dir, 'out'), logger: silentLogger(), progress });

    const snap = h.fs.snapshot();
    expect(snap.contacts.length).toBe(contactsBefore);
    expect(snap.tasks.length).toBe(tasksBefore);
    const markers = (snap.tasks as Array<{ description: string }>).map((t) => markerKeyOf(t.description));
    expect(new Set(markers).size).toBe(markers.length);
    // Said out loud, and every task journaled (adopted), none created.
    expect(progress.lines.some((l) => /state\.db was lost/.test(l))).toBe(true);
    expect(progress.lines.some((l) => /task\(s\) already in Freshsales carry this migration's markers/.test(l))).toBe(true);
    const tasks = second.report.phases.find((p) => p.object === 'task')!;
    expect(tasks.created).toBe(tasksBefore);
    expect(h.fs.stats().byRoute['POST /api/tasks']).toBe(tasksBefore);
    // Contacts were matched and updated in place, not created again.
    const contacts = second.report.phases.find((p) => p.object === 'contact')!;
    expect(contacts.created).toBe(0);
    expect(contacts.updated).toBe(first.report.phases.find((p) => p.object === 'contact')!.created);
  });

  it('a config pointed at another Freshsales account stops with exit 2 and says to use a separate workdir', async () => {
    h = await startHarness({ profiles: 40, seed: 44 });
    await runMigrate({ loaded: h.loaded, outDir: join(h.dir, 'out'), logger: silentLogger(), progress: notes() });
    other = await startFreshsalesSim({ ...simReadings(), apiKey: API_KEY, plan: 'growth', timeScale: 3600, seed: 99 });
    h.loaded.config.destination.baseUrl = other.url;
    await runSchemaApply({ loaded: h.loaded, logger: silentLogger() });
    const err = await runMigrate({ loaded: h.loaded, outDir: join(h.dir, 'out'), logger: silentLogger(), progress: notes() }).catch((e: unknown) => e);
    expect(isMigrateError(err) && err.code).toBe('config');
    expect((err as Error).message).toMatch(/this workdir \(.*\) belongs to the Freshsales account at http:\/\/127\.0\.0\.1:\d+\/crm\/sales, but the config now points at/);
    expect((err as Error).message).toMatch(/set "workdir:" in the config to a new folder/);
    expect((err as Error).message).not.toContain(API_KEY);
    // Nothing reached the other account.
    expect(other.snapshot().contacts).toHaveLength(0);
    expect(other.stats().byRoute['POST /api/contacts/bulk_upsert'] ?? 0).toBe(0);
  });

  it('a same-account, same-URL account change (another tenant behind one URL) is told apart by the fingerprint', async () => {
    h = await startHarness({ profiles: 40, seed: 45 });
    await runMigrate({ loaded: h.loaded, outDir: join(h.dir, 'out'), logger: silentLogger(), progress: notes() });
    // Another account answering at the same base URL: its view ids differ.
    const port = Number(new URL(h.fs.url).port);
    await h.fs.close();
    const fresh = await startFreshsalesSim({ ...simReadings(), apiKey: API_KEY, plan: 'growth', timeScale: 3600, seed: 77, port });
    h.fs = fresh;
    await runSchemaApply({ loaded: h.loaded, logger: silentLogger() });
    const err = await runMigrate({ loaded: h.loaded, outDir: join(h.dir, 'out'), logger: silentLogger(), progress: notes() }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/with a different account fingerprint/);
  });

  it('refuses a second run while the lock is held and fresh; takes over a lock whose holder stopped beating', async () => {
    h = await startHarness({ profiles: 20, seed: 46 });
    const store = openStore(h.loaded);
    try {
      const held = await acquireWorkdirLock(store, 'migrate', h.loaded.workdir);
      const err = await runMigrate({ loaded: h.loaded, outDir: join(h.dir, 'out'), logger: silentLogger(), progress: notes() }).catch((e: unknown) => e);
      expect(isMigrateError(err) && err.code).toBe('config');
      expect((err as Error).message).toMatch(new RegExp(`another crm-migrate migrate is running on this workdir .*: pid ${process.pid} on ${hostname()}, started \\d{4}-`));
      await held.release();

      // A holder on another host that stopped beating long ago: stale, taken over.
      const old = new Date(Date.now() - STALE_AFTER_MS - 5_000).toISOString();
      await store.acquireLock({ holder: 'dead-one', pid: 1, host: 'elsewhere', command: 'migrate', startedAt: old, heartbeatAt: old }, STALE_AFTER_MS, () => false);
      const progress = notes();
      await runMigrate({ loaded: h.loaded, outDir: join(h.dir, 'out'), logger: silentLogger(), progress });
      expect(progress.lines.some((l) => /took over the lock of a run that stopped without releasing it \(pid 1 on elsewhere/.test(l))).toBe(true);
      expect(await store.lockInfo()).toBeNull();
    } finally {
      store.close();
    }
  });
});

describe('run.maxErrorRatio', () => {
  it('stops before the first write when the quarantine alone is over the ratio, and still reports', async () => {
    h = await startHarness({ profiles: 400, seed: 48 });
    h.loaded.config.run.maxErrorRatio = 0.01;
    const r = await runMigrate({ loaded: h.loaded, outDir: join(h.dir, 'out'), logger: silentLogger(), progress: notes() });
    expect(r.overErrorRatio).toBe(true);
    expect(r.stoppedEarly).toMatch(/^stopped writing: \d+ of 400 source records are quarantined or failing .*\(\d+\.\d% > run\.maxErrorRatio 1%\)/);
    const contacts = r.report.phases.find((p) => p.object === 'contact')!;
    expect(contacts.quarantined).toBeGreaterThan(4);
    expect(contacts.created + contacts.updated).toBe(0);
    expect(h.fs.snapshot().contacts).toHaveLength(0);
    expect(h.fs.stats().byRoute['POST /api/contacts/bulk_upsert'] ?? 0).toBe(0);
  });
});

describe('a map reading an attribute the source does not have', () => {
  it('is refused at map confirm, schema check and migrate, with the line and the closest attribute', async () => {
    h = await startHarness({ profiles: 60, seed: 49, confirm: false });
    const text = readFileSync(h.loaded.mappingFile, 'utf8');
    const m = /from: attributes\.([a-z_]+)/.exec(text)!;
    const typo = `${m[1]!.slice(0, -1)}${m[1]!.slice(-1) === 'x' ? 'y' : 'x'}`;
    writeFileSync(h.loaded.mappingFile, text.replace(m[0], `from: attributes.${typo}`));
    const line = text.slice(0, m.index).split('\n').length;
    const expected = new RegExp(`mapping\\.yaml line ${line}, column \\d+: attributes\\.${typo} is not an attribute of the source; did you mean "attributes\\.${m[1]}"\\?`);

    const source = createSource(h.loaded.config.source, { logger: silentLogger() });
    const known = await knownSourceAttributes(source).finally(() => source.close());
    const store = openStore(h.loaded);
    await expect(confirmMap({ store, mappingFile: h.loaded.mappingFile, by: 'test', now: new Date(), known })).rejects.toThrow(expected);
    store.close();
    await expect(runSchemaCheck({ loaded: h.loaded, logger: silentLogger() })).rejects.toThrow(expected);
    // Confirmed without the check (as an older version would have), migrate still refuses.
    await confirm(h);
    await expect(runMigrate({ loaded: h.loaded, outDir: join(h.dir, 'out'), logger: silentLogger(), progress: notes() })).rejects.toThrow(expected);
    expect(h.fs.snapshot().contacts).toHaveLength(0);
  });
});

describe('the plan tier in the config', () => {
  it('is checked against the limit the account announces: a mismatch is a warning with the observed limit', async () => {
    h = await startHarness({ profiles: 30, seed: 50, fs: { plan: 'pro', rateLimitHeaders: true } });
    h.loaded.config.destination.plan = 'growth';
    const progress = notes();
    await runMigrate({ loaded: h.loaded, outDir: join(h.dir, 'out'), logger: silentLogger(), progress });
    expect(progress.lines.filter((l) => /Freshsales announces a limit of 2000 calls .* destination\.plan is "growth" \(1000 calls\/hour\)/.test(l))).toHaveLength(1);
  });
});

describe('a plan longer than an hour', () => {
  it('is put to the user before any write; a "no" stops with nothing written', async () => {
    // Real time (time scale 1): the task plan takes hours of the growth budget.
    h = await startHarness({ profiles: 300, seed: 54, objects: 'all', fs: { timeScale: 1 } });
    const asked: string[] = [];
    const err = await runMigrate({
      loaded: h.loaded, outDir: join(h.dir, 'out'), logger: silentLogger(), progress: notes(),
      confirmLongRun: async (q) => {
        asked.push(q);
        return false;
      },
    }).catch((e: unknown) => e);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatch(/^The plan takes \d+ h \d+ min of the account's API budget\. Start writing now\?$/);
    expect(isMigrateError(err) && err.code).toBe('config');
    expect((err as Error).message).toMatch(/not confirmed: nothing was written/);
    expect(h.fs.snapshot().contacts).toHaveLength(0);
  });
});
