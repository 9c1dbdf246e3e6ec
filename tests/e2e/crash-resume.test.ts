import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emailKey } from '../../src/mapping/normalise.js';
import { expectedContactCounts, startHarness, type Harness } from '../helpers/harness.js';
import { runCli, startCli } from '../helpers/cli.js';
import { openStore } from '../../src/pipeline/migrate.js';
import type { RunStatusReport } from '../../src/pipeline/status.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function doneBatches(dbFile: string): { done: number; total: number } {
  try {
    const db = new Database(dbFile, { readonly: true, fileMustExist: true });
    try {
      const r = db.prepare(`SELECT SUM(status = 'done') AS done, COUNT(*) AS total FROM batches`).get() as { done: number | null; total: number };
      return { done: r.done ?? 0, total: r.total };
    } finally {
      db.close();
    }
  } catch {
    return { done: 0, total: 0 };
  }
}

describe('crash safety', () => {
  it('a migrate killed with SIGKILL mid-load finishes on the next run with nothing duplicated or lost', async () => {
    // Slow bulk jobs so loading spans seconds and the kill lands between batches' writes.
    h = await startHarness({ profiles: 1200, fs: { timeScale: 50, bulkJobMs: 20000 } });
    const dbFile = join(h.loaded.workdir, 'state.db');
    const out = join(h.dir, 'out');
    const first = startCli(['migrate', '--config', h.configFile, '--out', out]);
    let killedAt = { done: 0, total: 0 };
    for (let i = 0; i < 600; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const b = doneBatches(dbFile);
      if (b.total > 0 && b.done >= 2) {
        first.child.kill('SIGKILL');
        killedAt = b;
        break;
      }
    }
    const r1 = await first.done;
    expect(r1.signal).toBe('SIGKILL');
    expect(killedAt.done).toBeLessThan(killedAt.total);

    // status tells where the killed run stands.
    const st = await runCli(['status', '--config', h.configFile]);
    expect(st.code).toBe(0);
    expect(st.stdout).toMatch(/: running \(started/);
    // The process that held the workdir is gone (SIGKILL): status says it is not running now.
    expect(st.stdout).toMatch(/now: not running — the process that held the workdir is dead/);
    expect(st.stdout).toMatch(/contacts: source 1200, .*batches still open: \d+/);
    const killed = JSON.parse((await runCli(['status', '--config', h.configFile, '--json'])).stdout) as RunStatusReport;
    expect(killed.now?.state).toBe('dead');
    expect(killed.phases.find((p) => p.object === 'contact')!.openBatches).toBeGreaterThan(0);

    const second = await runCli(['migrate', '--config', h.configFile, '--out', out]);
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('resuming run');

    const want = expectedContactCounts(h.dataset);
    const contacts = h.fs.snapshot().contacts as Array<{ id: number; email: string }>;
    const keys = contacts.map((c) => emailKey(c.email));
    expect(new Set(keys).size).toBe(keys.length);
    expect(contacts.length).toBe(want.loaded);

    // Where the run stands, as `status --json` tells it: every contact created once, no batch open.
    const done = JSON.parse((await runCli(['status', '--config', h.configFile, '--json'])).stdout) as RunStatusReport;
    expect(done.run?.status).toBe('completed');
    expect(done.now).toBeNull();
    const contact = done.phases.find((p) => p.object === 'contact')!;
    expect(contact.counts).toMatchObject({ created: want.loaded, updated: 0, failed: 0, verified: want.loaded });
    expect(contact.openBatches).toBe(0);
    // The journal (through the store's interface) names each Freshsales contact exactly once.
    const store = openStore(h.loaded);
    try {
      const journal = await store.journal(done.run!.id, 'contact', 0, 100_000);
      const ids = new Set(contacts.map((c) => String(c.id)));
      expect(new Set(journal.map((j) => j.destId)).size).toBe(want.loaded);
      for (const j of journal) expect(ids.has(j.destId)).toBe(true);
    } finally {
      store.close();
    }
  });
});
