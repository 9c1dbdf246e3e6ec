/** `sim --data` and `demo --data`: a customer's odd data, reproduced from a JSONL file through the real CLI. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';
import { parseCsv } from '../helpers/csv.js';

const dir = mkdtempSync(join(tmpdir(), 'crm-data-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const profile = (id: number, over: Record<string, unknown> = {}) =>
  JSON.stringify({ profile: { profile_id: String(id), user_id: `u-${id}`, email: `p${id}@example.com`, first_name: 'Ana', create_time: 1_700_000_000, update_time: 1_700_000_000, ...over } });

describe('--data FILE', () => {
  it('names the file and the line of a bad line, and exits 2 (configuration) before starting anything', async () => {
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, [profile(1), profile(2), '{"profile": {"email": "no-id@example.com"}}'].join('\n'));
    for (const command of ['sim', 'demo']) {
      const r = await runCli([command, '--data', file, ...(command === 'demo' ? ['--out', join(dir, 'demo-bad')] : ['--config-out', join(dir, 'sim.yaml')])]);
      expect(r.code, `${command}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(`--data: ${file} line 3: profile: profile_id must be a digit string or a non-negative whole number, got nothing`);
    }
  });

  it('sim serves the file: its profiles, and says where they come from', async () => {
    const file = join(dir, 'two.jsonl');
    writeFileSync(file, [profile(7, { email: ['list@example.com'] }), profile(3)].join('\n'));
    const cli = startCli(['sim', '--data', file, '--config-out', join(dir, 'two.yaml')]);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        cli.child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /Xtremepush simulator: (http:\/\/\S+) \((.+)\)/.exec(out);
          if (m) resolve(m[1]!);
        });
        cli.child.on('close', () => reject(new Error(`sim exited early: ${out}`)));
      });
      const config = readFileSync(join(dir, 'two.yaml'), 'utf8');
      const apptoken = /^\s+apptoken: (\S+)$/m.exec(config)![1]!.replace(/^["']|["']$/g, '');
      const res = await fetch(`${url}/api/external/list/profile`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apptoken, order: ['profile_id ASC'] }) });
      const body = (await res.json()) as { data: Array<Record<string, unknown>> };
      // In profile_id order, each row exactly as the file wrote it (a list stays a list).
      expect(body.data.map((p) => [p.profile_id, p.email])).toEqual([['3', 'p3@example.com'], ['7', ['list@example.com']]]);
    } finally {
      cli.child.kill('SIGINT');
      await cli.done;
    }
  });

  it('demo migrates the file end to end: the malformed row is quarantined with its reason, the others load', async () => {
    const file = join(dir, 'demo.jsonl');
    writeFileSync(file, [profile(1), profile(2, { email: ['list@example.com'] }), profile(3, { date_of_birth: '1990-04-12 00:00:00 +14:00' })].join('\n'));
    const out = join(dir, 'demo');
    const r = await runCli(['demo', '--data', file, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`demo: reading Xtremepush data from ${file}`);
    expect(r.stdout).toContain(`demo: 3 profiles from ${file}`);
    // The report paths are the ones the demo prints.
    const printed = (name: string) => /(\S+)$/.exec(r.stdout.split('\n').find((l) => l.trim().endsWith(name))!.trim())![1]!;
    const [header, ...rows] = parseCsv(readFileSync(printed('quarantine.csv'), 'utf8').replace(/^\uFEFF/, ''));
    expect(rows.map((row) => row[header!.indexOf('record_key')])).toEqual(['xtremepush:profile:2']);
    expect(rows[0]![header!.indexOf('reasons')]).toContain('invalid email: source row: email is a list (["list@example.com"]), not text');
    expect(existsSync(printed('reconciliation.html'))).toBe(true);
  }, 120_000);
});
