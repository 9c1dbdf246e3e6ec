/**
 * Two `migrate` commands on one workdir at once (a second terminal, a cron job): the second
 * must refuse, naming the live run, and the first must finish with nothing written twice.
 */
import { join } from 'node:path';
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { markerKeyOf } from '../../src/pipeline/tasks.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { runCli, startCli } from '../helpers/cli.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('one run per workdir', () => {
  it('a second migrate while one is running exits 2 naming the holder; status says it is running; nothing is duplicated', async () => {
    // Paced slowly enough that the first run is still writing when the second starts.
    h = await startHarness({ profiles: 150, seed: 47, objects: 'all', fs: { timeScale: 300, bulkJobMs: 3000 } });
    const out = join(h.dir, 'out');
    const first = startCli(['migrate', '--config', h.configFile, '--out', out]);
    // Wait until the first run holds the lock (it prints the run it started).
    let started = false;
    first.child.stdout!.on('data', (d: Buffer) => {
      if (/started run /.test(d.toString())) started = true;
    });
    for (let i = 0; i < 400 && !started; i++) await new Promise((r) => setTimeout(r, 50));
    expect(started).toBe(true);

    const second = await runCli(['migrate', '--config', h.configFile, '--out', out]);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(new RegExp(`another crm-migrate migrate is running on this workdir .*: pid ${first.child.pid} on ${hostname()}, started \\d{4}-\\d{2}-\\d{2}T`));

    const st = await runCli(['status', '--config', h.configFile]);
    expect(st.stdout).toMatch(new RegExp(`now: running \\(migrate, pid ${first.child.pid}`));

    const r1 = await first.done;
    expect(r1.code).toBe(0);
    const tasks = h.fs.snapshot().tasks as Array<{ description: string }>;
    const markers = tasks.map((t) => markerKeyOf(t.description));
    expect(new Set(markers).size).toBe(tasks.length);
    // Once it has finished, the workdir is free again.
    const after = await runCli(['status', '--config', h.configFile]);
    expect(after.stdout).not.toMatch(/now: running/);
  });
});
