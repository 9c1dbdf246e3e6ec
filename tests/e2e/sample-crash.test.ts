/**
 * `migrate --sample` killed with SIGKILL while it loads, then run again: the same sample
 * (the draw recorded in the run, never drawn again over what is left), nothing duplicated.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emailKey } from '../../src/mapping/normalise.js';
import type { RunStatusReport } from '../../src/pipeline/status.js';
import { runCli, startCli } from '../helpers/cli.js';
import { startHarness, type Harness } from '../helpers/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Read-only looks into state.db while the CLI runs: the recorded draw and the batches. */
function peek(dbFile: string): { keys: string[] | null; population: number | null; done: number; total: number } {
  try {
    const db = new Database(dbFile, { readonly: true, fileMustExist: true });
    try {
      const draw = db.prepare(`SELECT value FROM checkpoints WHERE stream = 'sample:draw'`).get() as { value: string } | undefined;
      const b = db.prepare(`SELECT SUM(status = 'done') AS done, COUNT(*) AS total FROM batches WHERE object = 'contact'`).get() as { done: number | null; total: number };
      const parsed = draw ? (JSON.parse(draw.value) as { keys: string[]; population: number }) : null;
      return { keys: parsed?.keys ?? null, population: parsed?.population ?? null, done: b.done ?? 0, total: b.total };
    } finally {
      db.close();
    }
  } catch {
    return { keys: null, population: null, done: 0, total: 0 };
  }
}

describe('a sample run killed mid-load', () => {
  it('resumes with exactly the same sample and finishes with nothing duplicated', async () => {
    // Slow bulk jobs so the sample's few batches take seconds and the kill lands between them.
    h = await startHarness({ profiles: 1200, seed: 17, fs: { timeScale: 50, bulkJobMs: 20000 } });
    const dbFile = join(h.loaded.workdir, 'state.db');
    const out = join(h.dir, 'out');
    const args = ['migrate', '--config', h.configFile, '--out', out, '--sample'];
    const first = startCli(args);
    let before = peek(dbFile);
    for (let i = 0; i < 900; i++) {
      await new Promise((r) => setTimeout(r, 50));
      before = peek(dbFile);
      if (before.total > 0 && before.done >= 1) {
        first.child.kill('SIGKILL');
        break;
      }
    }
    const r1 = await first.done;
    expect(r1.signal).toBe('SIGKILL');
    expect(before.keys).toHaveLength(300);
    expect(before.population).toBe(1200);
    expect(before.done).toBeLessThan(before.total);

    const st = await runCli(['status', '--config', h.configFile]);
    expect(st.stdout).toMatch(/\(sample run: 300 of 1200 contacts, seed 1\): running/);

    const second = await runCli(args);
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('resuming run');
    expect(second.stdout).toMatch(/sample review \(source → written → read back, field by field\): .*sample-review\.html/);
    const after = peek(dbFile);
    // The recorded draw, not a new one over the 300 the run kept (that would say "300 of 300").
    expect(after.keys).toEqual(before.keys);
    expect(after.population).toBe(1200);

    const done = JSON.parse((await runCli(['status', '--config', h.configFile, '--json'])).stdout) as RunStatusReport;
    expect(done.run?.status).toBe('completed');
    expect(done.run?.command).toBe('sample');
    expect(done.sample).toEqual({ size: 300, population: 1200, seed: '1' });
    const counts = done.phases.find((p) => p.object === 'contact')!.counts;
    expect(counts.source).toBe(300);
    expect(counts.failed).toBe(0);

    // Freshsales holds each loaded sampled contact once, and nobody outside the sample.
    const drawnEmails = new Set(h.dataset.profiles.filter((p) => after.keys!.includes(`xtremepush:profile:${p.profile_id}`)).map((p) => emailKey(p.email)));
    const contacts = h.fs.snapshot().contacts as Array<{ email: string }>;
    const keys = contacts.map((c) => emailKey(c.email));
    expect(new Set(keys).size).toBe(keys.length);
    expect(contacts).toHaveLength(counts.created + counts.updated);
    for (const k of keys) expect(drawnEmails.has(k)).toBe(true);
  });

  it('refuses --sample 0 and a --seed without --sample before reading anything', async () => {
    const zero = await runCli(['migrate', '--config', 'nowhere.yaml', '--sample', '0']);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/--sample must be a whole number of 1 or more/);
    const seed = await runCli(['migrate', '--config', 'nowhere.yaml', '--seed', '7']);
    expect(seed.code).toBe(2);
    expect(seed.stderr).toMatch(/--seed sets the sample draw: use it with --sample/);
  });
});
