/**
 * The CLI as people actually use it: --version, `status | head`, a wrong URL or port, Ctrl-C,
 * and the files it leaves behind (owner-only state, one report folder per run).
 */
import { spawn } from 'node:child_process';
import { readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { BIN, runCli, startCli } from '../helpers/cli.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function replaceIn(file: string, from: RegExp, to: string): void {
  writeFileSync(file, readFileSync(file, 'utf8').replace(from, to));
}

describe('the CLI in everyday use', () => {
  it('prints its version', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe((JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version);
  });

  it('a closed port and a wrong base path exit 2, naming Freshsales and the URL', async () => {
    h = await startHarness({ profiles: 10 });
    const closed = 'http://127.0.0.1:9/crm/sales';
    replaceIn(h.configFile, /baseUrl: http:\/\/127\.0\.0\.1:\d+\/crm\/sales/, `baseUrl: ${closed}`);
    const r = await runCli(['migrate', '--config', h.configFile]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot reach Freshsales at http:\/\/127\.0\.0\.1:9\/crm\/sales: .*connection refused.* check destination\.baseUrl/);

    replaceIn(h.configFile, /baseUrl: http:\/\/127\.0\.0\.1:9\/crm\/sales/, `baseUrl: ${h.fs.url.replace('/crm/sales', '/crm/wrong')}`);
    const r404 = await runCli(['migrate', '--config', h.configFile]);
    expect(r404.code).toBe(2);
    expect(r404.stderr).toMatch(/Freshsales at http:\/\/127\.0\.0\.1:\d+\/crm\/wrong answered 404 .* the base URL is probably wrong/);
    expect(h.fs.snapshot().contacts).toHaveLength(0);
  });

  it('an unreachable source exits 2 naming Xtremepush and the URL', async () => {
    h = await startHarness({ profiles: 10 });
    replaceIn(h.configFile, /baseUrl: http:\/\/127\.0\.0\.1:\d+\n(\s+apptoken)/, 'baseUrl: http://127.0.0.1:9\n$1');
    const r = await runCli(['migrate', '--config', h.configFile]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot reach Xtremepush at http:\/\/127\.0\.0\.1:9: .*check source\.baseUrl/);
  });

  it('a TLS mismatch (https to a plain-HTTP server) exits 2 too', async () => {
    h = await startHarness({ profiles: 10 });
    replaceIn(h.configFile, /baseUrl: http:\/\/(127\.0\.0\.1:\d+\/crm\/sales)/, 'baseUrl: https://$1');
    const r = await runCli(['migrate', '--config', h.configFile]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot reach Freshsales at https:\/\/127\.0\.0\.1:\d+\/crm\/sales/);
  });

  it('`status | head -1` ends quietly when the pipe closes', async () => {
    h = await startHarness({ profiles: 30 });
    await runCli(['migrate', '--config', h.configFile]);
    const out = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn('bash', ['-c', `set -o pipefail; "${process.execPath}" "${BIN}" status --config "${h!.configFile}" | head -c 10 >/dev/null`], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(out.stderr).not.toMatch(/EPIPE|Error/);
  });

  it('Ctrl-C says where the run stands and how to resume, and exits 130', async () => {
    h = await startHarness({ profiles: 300, fs: { timeScale: 100, bulkJobMs: 5000 } });
    const run = startCli(['migrate', '--config', h.configFile]);
    let started = false;
    run.child.stdout!.on('data', (d: Buffer) => {
      if (/started run /.test(d.toString())) started = true;
    });
    for (let i = 0; i < 400 && !started; i++) await new Promise((r) => setTimeout(r, 50));
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/interrupted( during ".*")?\. Everything finished so far is saved .* run the same command again to resume \(crm-migrate status --config .* shows where it stands\)/);
  });

  it('keeps state owner-only and each run\'s reports in their own folder, with latest pointing at the newest', async () => {
    h = await startHarness({ profiles: 30 });
    const out = join(h.dir, 'reports');
    const first = await runCli(['migrate', '--config', h.configFile, '--out', out]);
    expect(first.code).toBe(0);
    for (const f of ['state.db', 'state.db-wal']) {
      const p = join(h.loaded.workdir, f);
      try {
        expect(statSync(p).mode & 0o777, f).toBe(0o600);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    const firstRun = readlinkSync(join(out, 'latest'));
    expect(statSync(join(out, firstRun, 'reconciliation.json')).isFile()).toBe(true);
    // A changed map starts a new run: the earlier reconciliation stays where it was.
    replaceIn(h.loaded.mappingFile, /\n$/, '\n# edited\n');
    await runCli(['map', 'confirm', '--config', h.configFile, '--by', 'test']);
    replaceIn(h.configFile, /batchSize: 100/, 'batchSize: 50');
    const second = await runCli(['migrate', '--config', h.configFile, '--out', out]);
    expect(second.code).toBe(0);
    const secondRun = readlinkSync(join(out, 'latest'));
    expect(statSync(join(out, firstRun, 'reconciliation.json')).isFile()).toBe(true);
    expect(statSync(join(out, firstRun, 'quarantine.csv')).mode & 0o777).toBe(0o600);
    expect(second.stdout).toContain(join(out, secondRun));
  });
});
