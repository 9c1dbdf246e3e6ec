import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { runMigrate } from '../../src/pipeline/migrate.js';
import { silentProgress } from '../../src/pipeline/progress.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { runCli, startCli } from '../helpers/cli.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Undo items a rollback has finished so far (0 before the table exists). */
function undone(dbFile: string): number {
  try {
    const db = new Database(dbFile, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare(`SELECT COUNT(*) AS n FROM undo_items WHERE status = 'done'`).get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

describe('rollback crash safety', () => {
  it('a rollback killed with SIGKILL mid-way finishes on the next run: everything the migration created is gone, nothing deleted twice', async () => {
    // A paced account (an hour lasts 18 s: 55 calls a second): tasks go one delete per call, so the rollback spans seconds.
    h = await startHarness({ profiles: 80, seed: 5, fs: { timeScale: 200, bulkJobMs: 200 }, objects: 'all' });
    const before = h.fs.snapshot();
    const out = join(h.dir, 'out');
    const m = await runMigrate({ loaded: h.loaded, outDir: out, logger: silentLogger(), progress: silentProgress });
    const tasks = m.report.phases.find((p) => p.object === 'task')!.created;
    expect(tasks).toBeGreaterThan(40);

    const dbFile = join(h.loaded.workdir, 'state.db');
    const first = startCli(['rollback', '--config', h.configFile, '--out', out, '--yes']);
    let killedAt = 0;
    for (let i = 0; i < 1200; i++) {
      await new Promise((r) => setTimeout(r, 25));
      killedAt = undone(dbFile);
      if (killedAt >= 20) {
        first.child.kill('SIGKILL');
        break;
      }
    }
    const r1 = await first.done;
    expect(r1.signal).toBe('SIGKILL');
    expect(killedAt).toBeLessThan(tasks);

    const second = await runCli(['rollback', '--config', h.configFile, '--out', out, '--yes']);
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('resuming rollback');
    expect(second.stdout).toMatch(/Tasks\s+deleted \d+/);

    const after = h.fs.snapshot();
    expect(after.tasks).toHaveLength(before.tasks.length);
    expect(after.contacts).toHaveLength(before.contacts.length);
    // One delete per task, but for the one in flight at the kill (and calls the pacing got a 429 for).
    const stats = h.fs.stats();
    const deletes = Object.entries(stats.byRoute).filter(([route]) => route.startsWith('DELETE /api/tasks')).reduce((n, [, c]) => n + c, 0);
    expect(deletes).toBeGreaterThanOrEqual(tasks);
    expect(deletes).toBeLessThanOrEqual(tasks + 1 + stats.rateLimited);

    // Nothing left to undo.
    const third = await runCli(['rollback', '--config', h.configFile, '--out', out, '--yes']);
    expect(third.code).toBe(2);
    expect(third.stdout + third.stderr).toMatch(/nothing to roll back/);
  }, 240_000);
});
