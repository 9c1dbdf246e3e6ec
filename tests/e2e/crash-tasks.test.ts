import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { markerKeyOf } from '../../src/pipeline/tasks.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { runCli, startCli } from '../helpers/cli.js';
import { openStore } from '../../src/pipeline/migrate.js';
import type { RunStatusReport } from '../../src/pipeline/status.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function journaledTasks(dbFile: string): number {
  try {
    const db = new Database(dbFile, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare(`SELECT COUNT(*) AS n FROM journal WHERE object = 'task'`).get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

describe('crash safety of non-idempotent task creates', () => {
  it('a migrate killed with SIGKILL while creating tasks finishes on the next run with no task created twice', async () => {
    // ~80 calls per second: the task phase lasts several seconds, so the kill lands mid-creates.
    h = await startHarness({ profiles: 150, seed: 41, objects: 'all', fs: { timeScale: 300, bulkJobMs: 3000 } });
    const dbFile = join(h.loaded.workdir, 'state.db');
    const out = join(h.dir, 'out');
    const first = startCli(['migrate', '--config', h.configFile, '--out', out]);
    let killedAt = 0;
    for (let i = 0; i < 1200 && killedAt === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const n = journaledTasks(dbFile);
      if (n >= 40) {
        first.child.kill('SIGKILL');
        killedAt = n;
      }
    }
    const r1 = await first.done;
    expect(r1.signal).toBe('SIGKILL');
    expect(killedAt).toBeGreaterThanOrEqual(40);
    // Creates the kill may have cut: marked sent, outcome unknown.
    const probe = new Database(dbFile, { readonly: true });
    const sentAtKill = (probe.prepare(`SELECT COUNT(*) AS n FROM staged WHERE object = 'task' AND status = 'sent'`).get() as { n: number }).n;
    probe.close();

    const second = await runCli(['migrate', '--config', h.configFile, '--out', out]);
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);

    const tasks = h.fs.snapshot().tasks as Array<{ id: number; description: string }>;
    const markers = tasks.map((t) => markerKeyOf(t.description));
    expect(markers.every((m) => m !== null)).toBe(true);
    // Each source interaction/event is in Freshsales exactly once.
    expect(new Set(markers).size).toBe(tasks.length);
    // As `status --json` tells it: every task journaled once, nothing left ready or in doubt.
    const st = JSON.parse((await runCli(['status', '--config', h.configFile, '--json'])).stdout) as RunStatusReport;
    const task = st.phases.find((p) => p.object === 'task')!;
    expect(task.counts.created).toBe(tasks.length);
    expect(task.counts.source).toBe(task.counts.created + task.counts.orphaned + task.counts.failed + task.counts.quarantined);
    const store = openStore(h.loaded);
    try {
      const journal = await store.journal(st.run!.id, 'task', 0, 100_000);
      expect(new Set(journal.map((j) => j.destId)).size).toBe(tasks.length);
    } finally {
      store.close();
    }
    expect(killedAt).toBeLessThan(tasks.length);
    // Records left "sent" were looked up by their marker before anything was created again.
    const metrics = JSON.parse(readFileSync(join(out, 'latest', 'run-metrics.json'), 'utf8')) as { tasks: { reconciled: number; listingPages: number } };
    if (sentAtKill > 0) expect(metrics.tasks.listingPages).toBeGreaterThan(0);
  });
});
