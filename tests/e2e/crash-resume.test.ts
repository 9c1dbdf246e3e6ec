import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emailKey } from '../../src/mapping/normalise.js';
import { expectedContactCounts, startHarness, type Harness } from '../helpers/harness.js';
import { runCli, startCli } from '../helpers/cli.js';

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
    expect(st.stdout).toMatch(/contacts: source 1200, .*batches still open: \d+/);

    const second = await runCli(['migrate', '--config', h.configFile, '--out', out]);
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('resuming run');

    const want = expectedContactCounts(h.dataset);
    const contacts = h.fs.snapshot().contacts as Array<{ id: number; email: string }>;
    const keys = contacts.map((c) => emailKey(c.email));
    expect(new Set(keys).size).toBe(keys.length);
    expect(contacts.length).toBe(want.loaded);

    const db = new Database(dbFile, { readonly: true });
    try {
      const j = db.prepare(`SELECT COUNT(*) AS n, COUNT(DISTINCT dest_id) AS ids, SUM(action = 'created') AS created FROM journal`).get() as { n: number; ids: number; created: number };
      expect(j).toEqual({ n: want.loaded, ids: want.loaded, created: want.loaded });
      const open = db.prepare(`SELECT COUNT(*) AS n FROM batches WHERE status != 'done'`).get() as { n: number };
      expect(open.n).toBe(0);
      const ids = new Set(contacts.map((c) => String(c.id)));
      for (const row of db.prepare(`SELECT dest_id FROM journal`).all() as Array<{ dest_id: string }>) expect(ids.has(row.dest_id)).toBe(true);
    } finally {
      db.close();
    }
  });
});
