/**
 * `retry` re-runs only what an earlier run quarantined or failed, once the data is fixed;
 * `purge` removes the personal data from the state once the migration is done.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { openStore, runMigrate } from '../../src/pipeline/migrate.js';
import { silentProgress } from '../../src/pipeline/progress.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { runCli } from '../helpers/cli.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('retry', () => {
  it('re-runs only the quarantined and failed records once the data is fixed, and their tasks follow', async () => {
    h = await startHarness({ profiles: 200, seed: 52, objects: 'all' });
    const first = await runMigrate({ loaded: h.loaded, outDir: join(h.dir, 'out'), logger: silentLogger(), progress: silentProgress });
    const c1 = first.report.phases.find((p) => p.object === 'contact')!;
    expect(c1.quarantined).toBeGreaterThan(3);
    const writesBefore = h.fs.stats().byRoute['POST /api/contacts/bulk_upsert'] ?? 0;
    const contactsBefore = h.fs.snapshot().contacts.length;

    // The customer fixes the invalid emails at the source.
    const invalid = new Set(h.dataset.truth.invalidEmail);
    for (const p of h.dataset.profiles) if (invalid.has(p.profile_id)) p.email = `fixed-${p.profile_id}@example.com`;

    const retry = await runMigrate({ loaded: h.loaded, outDir: join(h.dir, 'out'), logger: silentLogger(), progress: silentProgress, command: 'retry' });
    const c2 = retry.report.phases.find((p) => p.object === 'contact')!;
    // Only the records the first run held back were staged, and the fixed ones now load.
    expect(c2.source).toBe(c1.quarantined + c1.failed);
    expect(c2.created).toBeGreaterThanOrEqual(invalid.size - 1);
    expect(h.fs.snapshot().contacts.length).toBe(contactsBefore + c2.created);
    // One bulk call per 100 retried records, not per 100 of the whole source.
    expect((h.fs.stats().byRoute['POST /api/contacts/bulk_upsert'] ?? 0) - writesBefore).toBeLessThanOrEqual(2);
    // Tasks of the fixed contacts, orphaned the first time, are created now; none twice.
    const t2 = retry.report.phases.find((p) => p.object === 'task')!;
    const t1 = first.report.phases.find((p) => p.object === 'task')!;
    expect(t2.created).toBeGreaterThan(0);
    expect(h.fs.snapshot().tasks.length).toBe(t1.created + t2.created);
    // The plan counts only what is left to create, not every task of the source again.
    const { estimatedCalls, actualCalls } = retry.report.plan!;
    expect(estimatedCalls).toBeLessThan(first.report.plan!.estimatedCalls / 4);
    // It may plan for tasks of contacts that still do not load (they end orphaned): never less than it spends.
    expect(actualCalls).toBeLessThanOrEqual(estimatedCalls);
  });
});

describe('purge', () => {
  it('removes personal data from state.db, keeps ids and counts, and needs --yes off a terminal', async () => {
    h = await startHarness({ profiles: 80, seed: 53 });
    const r = await runCli(['migrate', '--config', h.configFile]);
    expect(r.code).toBe(0);
    const email = h.fs.snapshot().contacts.map((c) => (c as { email: string }).email).find((e) => e && e.length > 8)!;
    const db = join(h.loaded.workdir, 'state.db');
    const before = openStore(h.loaded);
    const run = (await before.latestRun())!;
    const counts = await before.counts(run.id, 'contact');
    before.close();
    expect(readFileSync(db).toString('latin1').toLowerCase()).toContain(email.toLowerCase());

    const refused = await runCli(['purge', '--config', h.configFile]);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toMatch(/pass --yes to purge/);

    const ok = await runCli(['purge', '--config', h.configFile, '--yes']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/purged: \d+ staged record\(s\)/);
    const bytes = readFileSync(db).toString('latin1').toLowerCase();
    expect(bytes).not.toContain(email.toLowerCase());
    const after = openStore(h.loaded);
    expect(await after.counts(run.id, 'contact')).toEqual(counts);
    expect((await after.journal(run.id, 'contact', 0, 5)).every((j) => j.beforeImage === null && /^\d+$/.test(j.destId))).toBe(true);
    after.close();
  });
});
