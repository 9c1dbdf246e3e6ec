import { readFileSync, readdirSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { API_KEY, APPTOKEN, startHarness, type Harness } from '../helpers/harness.js';
import { runCli } from '../helpers/cli.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const contactsIn = (h: Harness) => h.fs.snapshot().contacts.length;

describe('the CLI on bad input', () => {
  it('names the line of a YAML syntax error in the config and exits 2', async () => {
    h = await startHarness({ profiles: 20 });
    const text = readFileSync(h.configFile, 'utf8').replace('plan: growth', 'plan: [growth');
    writeFileSync(h.configFile, text);
    const line = text.split('\n').findIndex((l) => l.includes('plan: [growth')) + 1;
    const r = await runCli(['migrate', '--config', h.configFile]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`config\\.yaml.*line (${line}|${line + 1})`));
    expect(contactsIn(h)).toBe(0);
  });

  it('names the line and field of an invalid config value', async () => {
    h = await startHarness({ profiles: 20 });
    const text = readFileSync(h.configFile, 'utf8').replace('plan: growth', 'plan: platinum');
    writeFileSync(h.configFile, text);
    const line = text.split('\n').findIndex((l) => l.includes('plan: platinum')) + 1;
    const r = await runCli(['migrate', '--config', h.configFile]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`line ${line}`);
    expect(r.stderr).toContain('destination.plan');
  });

  it('names the line of a mistake in the mapping file and writes nothing', async () => {
    h = await startHarness({ profiles: 20 });
    const text = readFileSync(h.loaded.mappingFile, 'utf8').replace(/transform: phone/, 'transform: phon');
    writeFileSync(h.loaded.mappingFile, text);
    const line = text.split('\n').findIndex((l) => l.includes('transform: phon')) + 1;
    const r = await runCli(['migrate', '--config', h.configFile]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`line ${line}`);
    expect(r.stderr).toContain('unknown transform "phon"');
    expect(contactsIn(h)).toBe(0);
  });

  it('refuses to write with an unconfirmed map, and with a map changed after confirmation', async () => {
    h = await startHarness({ profiles: 20, confirm: false });
    const r = await runCli(['migrate', '--config', h.configFile]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('has not been confirmed');
    expect(contactsIn(h)).toBe(0);

    const c = await runCli(['map', 'confirm', '--config', h.configFile, '--by', 'Ana']);
    expect(c.code).toBe(0);
    expect(c.stdout).toContain('by Ana');
    const map = readFileSync(h.loaded.mappingFile, 'utf8');
    expect(map).toContain('Xtremepush ID');
    writeFileSync(h.loaded.mappingFile, map.replace('Xtremepush ID', 'Xtremepush user ID'));
    const r2 = await runCli(['migrate', '--config', h.configFile]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('has not been confirmed');
    expect(contactsIn(h)).toBe(0);
  });

  it('lists missing custom fields precisely before any record moves', async () => {
    h = await startHarness({ profiles: 20, createFields: false });
    const r = await runCli(['migrate', '--config', h.configFile]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('custom fields do not match the map');
    expect(r.stderr).toMatch(/missing: "Xtremepush ID" \(text\)/);
    expect(contactsIn(h)).toBe(0);
  });

  it('says clearly that the API key was refused, without echoing it', async () => {
    h = await startHarness({ profiles: 20 });
    writeFileSync(h.configFile, readFileSync(h.configFile, 'utf8').replace(API_KEY, 'fs-wrong-key-123456'));
    const r = await runCli(['migrate', '--config', h.configFile]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Freshsales at .* refused the API key/);
    expect(r.stderr + r.stdout).not.toContain('fs-wrong-key-123456');
  });

  it('reports a missing config file by name', async () => {
    const r = await runCli(['migrate', '--config', '/nonexistent/crm.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('/nonexistent/crm.yaml');
  });
});

describe('secrets', () => {
  it('never reach logs, the state store or the reports', async () => {
    h = await startHarness({ profiles: 150, fs: { faults: '5xx=0.1,seed=2' } });
    const out = join(h.dir, 'out');
    const r = await runCli(['migrate', '--config', h.configFile, '--out', out], { CRM_MIGRATE_LOG_LEVEL: 'debug' });
    expect(r.code).toBe(0);
    const haystacks: Array<[string, string]> = [['stdout', r.stdout], ['stderr', r.stderr]];
    // Every file under the working directory and the report folder, sub-folders included.
    for (const dir of [h.loaded.workdir, out]) {
      for (const f of readdirSync(dir, { recursive: true }) as string[]) {
        const p = join(dir, f);
        if (existsSync(p) && statSync(p).isFile()) haystacks.push([p, readFileSync(p).toString('latin1')]);
      }
    }
    expect(haystacks.length).toBeGreaterThan(4);
    for (const [where, text] of haystacks) {
      expect(text.includes(API_KEY), `API key found in ${where}`).toBe(false);
      expect(text.includes(APPTOKEN), `app token found in ${where}`).toBe(false);
    }
  });
});
