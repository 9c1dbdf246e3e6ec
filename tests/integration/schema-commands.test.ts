import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFreshsalesSim, type FreshsalesSim } from '../../simulators/freshsales/index.js';
import { schemaApply, schemaCheck, schemaPlan } from '../../src/cli/schema.js';
import type { Io } from '../../src/cli/commands.js';
import { writeSimConfig } from '../../src/cli/sim-config.js';
import { ConfigError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { loadMappingSpec, mappingHash } from '../../src/mapping/spec.js';
import { loadConfig } from '../../src/pipeline/config.js';
import { detectSimulator, runSchemaApply, runSchemaCheck } from '../../src/pipeline/schema.js';

const API_KEY = 'fs-schema-key-51c0e2';

const MAP = `# test map
version: 1
source: xtremepush
objects:
  contact:
    fields:
      - from: email
        to: emails
      - from: externalId
        to: { custom: "Xtremepush ID", type: text }
      - from: attributes.loyalty_tier
        to: { custom: "Loyalty tier", type: dropdown, choices: [bronze, silver, gold, platinum] }
      - from: attributes.loyalty_points
        to: { custom: "Points balance", type: number }
      - from: attributes.vip
        to: { custom: "VIP", type: checkbox }
      - from: attributes.date_of_birth
        to: { custom: "Date of birth", type: date }
`;

let sim: FreshsalesSim | undefined;
let server: Server | undefined;
let dir: string | undefined;
afterEach(async () => {
  await sim?.close();
  if (server) await new Promise<void>((r) => server!.close(() => r()));
  if (dir) rmSync(dir, { recursive: true, force: true });
  sim = undefined;
  server = undefined;
  dir = undefined;
});

function setup(freshsalesUrl: string, map = MAP, plan = 'growth') {
  dir = mkdtempSync(join(tmpdir(), 'crm-schema-'));
  const configFile = join(dir, 'config.yaml');
  writeSimConfig(configFile, { xtremepushUrl: 'http://127.0.0.1:9', apptoken: 'xp-unused-token', freshsalesUrl, apiKey: API_KEY, plan, timeScale: 3600 }, { workdir: 'state' });
  writeFileSync(join(dir, 'mapping.yaml'), map);
  return { configFile, loaded: loadConfig(configFile) };
}

function capture(): { io: Io; lines: string[] } {
  const lines: string[] = [];
  return { io: { out: (l) => lines.push(...l.split('\n')), logger: silentLogger(), quiet: true }, lines };
}

describe('schema check and apply against the Freshsales simulator', () => {
  it('check fails (exit 2) listing what is missing, mistyped or lacks choices; apply creates the rest; then check passes', async () => {
    sim = await startFreshsalesSim({ apiKey: API_KEY, plan: 'growth', timeScale: 3600 });
    const { configFile, loaded } = setup(sim.url);

    // An admin made two fields already: one with the wrong type, one dropdown short of a choice.
    sim.addCustomField('contacts', { label: 'Points balance', type: 'text' });
    const tier = sim.addCustomField('contacts', { label: 'loyalty  TIER', type: 'dropdown', choices: ['bronze', 'Silver', 'gold'] });

    const first = await runSchemaCheck({ loaded, logger: silentLogger() });
    expect(first.ok).toBe(false);
    expect(first.problems).toEqual([
      'missing: "Xtremepush ID" (text) on Contacts — create it in Admin Settings → Fields',
      `choices missing: "Loyalty tier" (${tier.name}) on Contacts lacks 1 planned choice(s): "platinum"`,
      expect.stringMatching(/^mistyped: "Points balance" is text \(cf_points_balance_?\) on Contacts, the plan needs number$/),
      'missing: "VIP" (checkbox) on Contacts — create it in Admin Settings → Fields',
      'missing: "Date of birth" (date) on Contacts — create it in Admin Settings → Fields',
    ]);
    expect(first.bindings.map((b) => [b.label, b.status])).toEqual([
      ['Xtremepush ID', 'missing'],
      ['Loyalty tier', 'choices_missing'],
      ['Points balance', 'mistyped'],
      ['VIP', 'missing'],
      ['Date of birth', 'missing'],
    ]);

    const cli = capture();
    expect(await schemaCheck({ config: configFile }, cli.io)).toBe(2);
    expect(cli.lines[0]).toMatch(/^ENTITY\s+LABEL\s+TYPE\s+FRESHSALES NAME\s+STATUS$/);
    expect(cli.lines.some((l) => /Loyalty tier\s+dropdown\s+cf_loyalty_tier_?\s+choices_missing: "platinum"/.test(l))).toBe(true);
    expect(cli.lines.some((l) => l.includes('5 problem(s)'))).toBe(true);

    // Apply creates the three missing fields; the mistyped one and the missing choice need the admin.
    const applied = capture();
    expect(await schemaApply({ config: configFile }, applied.io)).toBe(2);
    expect(applied.lines.filter((l) => l.startsWith('created contacts field')).map((l) => l.match(/"(.+?)"/)![1])).toEqual(['Xtremepush ID', 'VIP', 'Date of birth']);
    expect(applied.lines.join('\n')).toMatch(/still wrong after apply \(2\)/);

    // Simulate the admin fixing those two by hand (a fresh simulator with the right fields), then everything passes.
    await sim.close();
    sim = await startFreshsalesSim({ apiKey: API_KEY, plan: 'growth', timeScale: 3600 });
    const { configFile: cfg2, loaded: loaded2 } = setup(sim.url);
    sim.addCustomField('contacts', { label: 'Points balance', type: 'number' });
    const r = await runSchemaApply({ loaded: loaded2, logger: silentLogger() });
    expect(r.created.map((c) => c.label)).toEqual(['Xtremepush ID', 'Loyalty tier', 'VIP', 'Date of birth']);
    expect(r.failed).toEqual([]);
    expect(r.check.ok).toBe(true);
    // The names are the simulator's, read back — never derived.
    const catalogue = (await (await fetch(`${sim.url}/api/settings/contacts/fields`, { headers: { authorization: `Token token=${API_KEY}` } })).json()) as { fields: Array<{ name: string; label: string; type: string; choices: Array<{ value: string }> }> };
    for (const b of r.check.bindings) expect(catalogue.fields.find((f) => f.name === b.name)?.label).toBe(b.label);
    expect(catalogue.fields.find((f) => f.label === 'Loyalty tier')!.choices.map((c) => c.value)).toEqual(['bronze', 'silver', 'gold', 'platinum']);
    const ok = capture();
    expect(await schemaCheck({ config: cfg2 }, ok.io)).toBe(0);
    expect(ok.lines.at(-1)).toBe('all 5 planned custom field(s) are in Freshsales with the right type and choices');
  });

  it('apply reports fields the plan limits refuse', async () => {
    sim = await startFreshsalesSim({ apiKey: API_KEY, plan: 'growth', timeScale: 3600 });
    const many = MAP + Array.from({ length: 6 }, (_, i) => `      - from: attributes.notes${i}\n        to: { custom: "Notes ${i}", type: textarea }\n`).join('');
    const { loaded } = setup(sim.url, many);
    const r = await runSchemaApply({ loaded, logger: silentLogger() });
    expect(r.failed).toEqual([{ entity: 'contacts', label: 'Notes 5', type: 'textarea', reason: 'Custom field limit reached: the growth plan allows 5 textarea fields per module' }]);
    expect(r.check.ok).toBe(false);
    expect(r.plan.over).toEqual([expect.objectContaining({ type: 'textarea', over: 1, fields: ['Notes 5'] })]);
  });

  it('apply refuses on a server that is not the simulator, pointing at the plan, and changes nothing', async () => {
    const seen: string[] = [];
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":{"code":404,"message":["Not found"]}}');
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const url = `http://127.0.0.1:${port}/crm/sales`;
    expect(await detectSimulator(url)).toBe(false);
    seen.length = 0;
    const { configFile, loaded } = setup(url);
    const err = await runSchemaApply({ loaded, logger: silentLogger() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toContain('not one');
    expect(msg).toContain('Admin Settings → Fields');
    expect(msg).toContain(join(loaded.workdir, 'schema', 'schema-plan.md'));
    expect(readFileSync(join(loaded.workdir, 'schema', 'schema-plan.md'), 'utf8')).toContain('| Loyalty tier | dropdown |');
    expect(seen).toEqual(['GET /__sim/stats']);
    // Through the CLI's error path it is a configuration problem: exit 2.
    const { main } = await import('../../src/cli/main.js');
    const stderr: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (stderr.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      expect(await main(['node', 'crm-migrate', 'schema', 'apply', '--config', configFile])).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(stderr.join('')).toMatch(/custom fields cannot be created through the API/);
  });

  it('plan --pack rewrites the map so it fits, and the map needs a new confirmation', async () => {
    sim = await startFreshsalesSim({ apiKey: API_KEY, plan: 'growth', timeScale: 3600 });
    const over = MAP + Array.from({ length: 31 }, (_, i) => `      - from: attributes.pick${i}\n        to: { custom: "Pick ${i}", type: dropdown, choices: [a, b] }\n`).join('');
    const { configFile, loaded } = setup(sim.url, over);
    const before = mappingHash(loadMappingSpec(loaded.mappingFile));

    const plain = capture();
    expect(await schemaPlan({ config: configFile }, plain.io)).toBe(2);
    expect(plain.lines.join('\n')).toContain('OVER dropdown: 32 of 30 on contacts — 2 over: "Pick 30", "Pick 29"');
    const md = readFileSync(join(loaded.workdir, 'schema', 'schema-plan.md'), 'utf8');
    expect(md).toContain('## Packing offer');
    expect(md).toMatch(/\| dropdown \+ radio \| 32 \| 30 \| OVER by 2 \|/);
    const csv = readFileSync(join(loaded.workdir, 'schema', 'schema-plan.csv'), 'utf8');
    expect(csv.split('\r\n')[0]).toBe('entity,label,type,choices,from,note');

    const packed = capture();
    expect(await schemaPlan({ config: configFile, pack: true }, packed.io)).toBe(0);
    expect(packed.lines.join('\n')).toMatch(/needs a new confirmation/);
    const spec = loadMappingSpec(loaded.mappingFile);
    expect(spec.objects.contact.packed).toEqual({ label: 'Other Xtremepush attributes', from: ['attributes.pick29', 'attributes.pick30'] });
    expect(mappingHash(spec)).not.toBe(before);
    expect(readFileSync(loaded.mappingFile, 'utf8')).toContain('# test map');

    // And apply + check now bind the packed textarea too.
    const r = await runSchemaApply({ loaded: loadConfig(configFile), logger: silentLogger() });
    expect(r.created.map((c) => c.label)).toContain('Other Xtremepush attributes');
    expect(r.check.ok).toBe(true);
  });
});
