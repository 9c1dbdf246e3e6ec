/**
 * `crm-migrate map propose --ai` as a user runs it, against a fake OpenAI-compatible endpoint
 * on 127.0.0.1 (tests/helpers/fake-openai.ts) instead of the SDK's mock model: the real CLI in
 * a child process, the real provider, real HTTP. What leaves the machine is masked; the
 * model's answer is evidence in the map, never "high" on its own; an endpoint that fails or
 * answers nonsense leaves the map the waterfall proposes, with a warning; the API key goes
 * out as a bearer header and nowhere else.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateXtremepushDataset } from '../../simulators/generator/index.js';
import { startXtremepushSim, type XtremepushSim } from '../../simulators/xtremepush/index.js';
import { writeSimConfig } from '../../src/cli/sim-config.js';
import { loadConfig } from '../../src/pipeline/config.js';
import { proposalFileFor, readProposal } from '../../src/mapping/proposal.js';
import { loadMappingSpec } from '../../src/mapping/spec.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { startFakeOpenAi, type FakeOpenAi, type FakeOpenAiBehaviour } from '../helpers/fake-openai.js';

const APPTOKEN = 'xp-ai-token-71c2';
/** Never called: propose and discover --no-destination do not read Freshsales. */
const FRESHSALES = 'http://127.0.0.1:9/crm/sales';
/** Written into the config as it is (not from the environment): only the config's own redaction stands between it and the output. */
const AI_KEY = 'sk-fake-ai-key-3f9b2d71c0';
const MODEL = 'fake-llm';

/** Attributes a person would not want sent as they are: another person's email, a phone, a name where an email should be. */
function addPersonalAttributes(ds: ReturnType<typeof generateXtremepushDataset>): void {
  ds.profiles.forEach((p) => {
    p.ice_contact = p.email;
    p.backup_line = p.mobile_number;
    p.contact_email = [p.first_name, p.last_name].filter(Boolean).join(' ') || null;
  });
  for (const [i, name] of ['ice_contact', 'backup_line', 'contact_email'].entries()) {
    ds.attributes.push({ id: 900 + i, name, type: 'String', max_length: 101, description: '', create_time: ds.attributes[0]!.create_time });
  }
}

/** The attribute rows of the user message the provider sent (aiPrompt's JSON). */
function askedRows(body: string): Array<{ attribute: string; samples: string[] }> {
  const req = JSON.parse(body) as { messages: Array<{ role: string; content: string }> };
  const user = req.messages.find((m) => m.role === 'user')!.content;
  return JSON.parse(user.slice(user.indexOf('['))) as Array<{ attribute: string; samples: string[] }>;
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? filesUnder(join(dir, d.name)) : [join(dir, d.name)]));
}

describe('map propose --ai against an OpenAI-compatible endpoint on 127.0.0.1', () => {
  let dir: string;
  let config: string;
  let mappingFile: string;
  let xp: XtremepushSim;
  let ai: FakeOpenAi;
  let dataset: ReturnType<typeof generateXtremepushDataset>;
  /** The map the waterfall proposes without the model. */
  let deterministic: string;

  const propose = (withAi: boolean): Promise<CliResult> =>
    runCli(['map', 'propose', '--config', config, '--force', ...(withAi ? ['--ai'] : [])], { CRM_MIGRATE_LOG_LEVEL: 'debug', CRM_MIGRATE_LOG_FORMAT: 'json' });

  /** The key appears in no output and no file of the migration's folder but the config. */
  const expectKeyNowhere = (r: CliResult) => {
    expect(r.stdout).not.toContain(AI_KEY);
    expect(r.stderr).not.toContain(AI_KEY);
    for (const f of filesUnder(dir)) if (f !== config) expect(readFileSync(f).includes(AI_KEY), f).toBe(false);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'crm-ai-'));
    dataset = generateXtremepushDataset({ profiles: 60, seed: 21 });
    addPersonalAttributes(dataset);
    xp = await startXtremepushSim({ apptoken: APPTOKEN, dataset });
    ai = await startFakeOpenAi({ kind: 'status', status: 503, body: '' });
    config = join(dir, 'config.yaml');
    writeSimConfig(config, { xtremepushUrl: xp.url, apptoken: APPTOKEN, freshsalesUrl: FRESHSALES, apiKey: 'fs-key', plan: 'growth', timeScale: 3600 }, { workdir: 'work' });
    // Off in the config: --ai turns it on, with this endpoint, model and key.
    writeFileSync(config, `${readFileSync(config, 'utf8')}ai:\n  baseUrl: ${ai.baseUrl}\n  model: ${MODEL}\n  apiKey: ${AI_KEY}\n  timeoutMs: 3000\n`);
    mappingFile = loadConfig(config).mappingFile;
    // Statistics over every contact, as a user runs it first.
    const d = await runCli(['discover', '--config', config, '--no-destination']);
    expect(d.code, d.stderr).toBe(0);
    const r = await propose(false);
    expect(r.code, r.stderr).toBe(0);
    deterministic = readFileSync(mappingFile, 'utf8');
    expect(ai.requests).toHaveLength(0);
  });
  afterAll(async () => {
    await Promise.all([xp.close(), ai.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends masked samples only, with the key as a bearer header, and writes the answer as evidence, medium at most on its own', async () => {
    ai.requests.length = 0;
    const reasons: Record<string, { target: string; field: string | null; type: string | null; reason: string }> = {
      // A custom field the model calls a standard one: taken on its own, so medium.
      referral_code: { target: 'standard', field: 'external_id', type: null, reason: 'A per-customer reference code' },
      // A standard field the values found; the model disagrees: recorded, not taken.
      ice_contact: { target: 'skip', field: null, type: null, reason: 'Emergency contact of another person' },
      // An answer naming a field that does not exist: discarded with a note.
      contact_email: { target: 'standard', field: 'email_address', type: null, reason: 'It says email' },
    };
    ai.behave({
      kind: 'answer',
      reply: () => ({
        attributes: [...Object.entries(reasons).map(([attribute, a]) => ({ attribute, ...a })), { attribute: 'never_asked', target: 'skip', field: null, type: null, reason: 'x' }],
      }),
    });
    const r = await propose(true);
    expect(r.code, r.stderr).toBe(0);

    // One request, to /v1/chat/completions, the key as a bearer token, asking for the answer's JSON schema.
    expect(ai.requests).toHaveLength(1);
    const req = ai.requests[0]!;
    expect(req).toMatchObject({ method: 'POST', path: '/v1/chat/completions' });
    expect(req.headers.authorization).toBe(`Bearer ${AI_KEY}`);
    const sent = JSON.parse(req.body) as { model: string; response_format: { type: string; json_schema: { name: string } } };
    expect(sent.model).toBe(MODEL);
    expect(sent.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'attribute_targets' } });
    const rows = askedRows(req.body);
    expect(rows.map((x) => x.attribute)).toEqual(expect.arrayContaining(['ice_contact', 'backup_line', 'contact_email', 'referral_code']));

    // (a) No raw email, phone or name of any source contact is in what was sent.
    const people = dataset.profiles;
    const raw = new Set<string>();
    for (const p of people) {
      for (const v of [p.email, p.mobile_number, p.contact_email]) if (typeof v === 'string' && v.length >= 5) raw.add(v);
      const digits = typeof p.mobile_number === 'string' ? p.mobile_number.replace(/\D/g, '') : '';
      if (digits.length >= 7) raw.add(digits);
    }
    for (const v of raw) expect(req.body, v).not.toContain(v);
    const names = new Set(people.flatMap((p) => [p.first_name, p.last_name]).filter((n): n is string => typeof n === 'string' && n.length >= 3));
    const samples = rows.flatMap((x) => x.samples);
    expect(samples.length).toBeGreaterThan(10);
    for (const s of samples) for (const n of names) expect(s, `sample "${s}" holds the name "${n}"`).not.toContain(n);
    // The personal attributes were sent, masked: emails to a first letter and top-level domain, phones digitless.
    expect(rows.find((x) => x.attribute === 'ice_contact')!.samples.every((s) => /^[a-zA-Z*]\*\*\*@\*\*\*\.[a-z]+$/.test(s))).toBe(true);
    expect(rows.find((x) => x.attribute === 'backup_line')!.samples.every((s) => !/\d/.test(s))).toBe(true);

    // (b) The answer is evidence in the map file and proposal.json, and the model alone makes medium, not high.
    const spec = loadMappingSpec(mappingFile);
    const proposal = readProposal(proposalFileFor(mappingFile));
    const evidence = (from: string) => proposal.fields.find((f) => f.from === from)?.evidence;
    expect(spec.objects.contact.fields.find((f) => f.from === 'attributes.referral_code')?.to).toBe('external_id');
    expect(evidence('attributes.referral_code')).toMatchObject({ band: 'medium' });
    expect(evidence('attributes.referral_code')?.signals).toContain(`AI (${MODEL}): A per-customer reference code`);
    const yaml = readFileSync(mappingFile, 'utf8');
    expect(yaml).toMatch(/# evidence \(medium\):.*AI \(fake-llm\): A per-customer reference code/);
    // Disagreeing with the values, the answer is recorded and not taken.
    expect(evidence('attributes.ice_contact')?.signals?.some((s) => s.startsWith(`AI (${MODEL}): Emergency contact of another person — not taken`))).toBe(true);
    expect(evidence('attributes.ice_contact')?.band).not.toBe('high');
    // Nothing the model said alone is high.
    for (const { from, evidence: e } of proposal.fields) {
      const said = e.signals?.filter((s) => s.startsWith(`AI (${MODEL})`)) ?? [];
      if (said.length > 0 && !said.some((s) => s.includes('(agrees'))) expect(e.band, from).not.toBe('high');
    }
    // Every other field is as the waterfall proposed it.
    const before = loadMappingSpec(mappingFile).objects.contact.fields.filter((f) => !['attributes.referral_code', 'attributes.ice_contact'].includes(f.from));
    writeFileSync(join(dir, 'det.yaml'), deterministic);
    const det = loadMappingSpec(join(dir, 'det.yaml')).objects.contact.fields.filter((f) => !['attributes.referral_code', 'attributes.ice_contact'].includes(f.from));
    rmSync(join(dir, 'det.yaml'));
    expect(before).toEqual(det);

    // What the stage did, said on stdout; the discarded answers named.
    expect(r.stdout).toMatch(new RegExp(`AI: asked ${MODEL} about \\d+ attribute\\(s\\); 2 answer\\(s\\) used as evidence`));
    expect(r.stdout).toContain('AI: 2 answer(s) discarded: contact_email: names an unknown standard field "email_address"; "never_asked" was not asked about');
    expect(r.stdout).not.toMatch(/^warning: .*AI/m);

    // (d) The key went out as the bearer header only.
    expectKeyNowhere(r);
  });

  const failures: Array<[string, FakeOpenAiBehaviour, RegExp]> = [
    ['a 500 with an OpenAI error object', { kind: 'status', status: 500, body: JSON.stringify({ error: { message: 'model overloaded' } }) }, /HTTP 500: model overloaded \(2 attempts\)/],
    ['a 500 with an HTML error page', { kind: 'status', status: 500, body: '<html><body>Bad gateway</body></html>', contentType: 'text/html' }, /HTTP 500: Internal Server Error \(2 attempts\)/],
    ['a 401 whose message repeats the key', { kind: 'status', status: 401, body: JSON.stringify({ error: { message: `Incorrect API key provided: ${AI_KEY}` } }) }, /HTTP 401.*Incorrect API key provided: \[redacted\]/],
    ['a 200 whose body is not JSON', { kind: 'status', status: 200, body: 'this is not JSON {', contentType: 'text/plain' }, /HTTP 200 but the body is not JSON/],
    ['a 200 whose content is not JSON', { kind: 'content', text: 'Sure! Here are the mappings you asked for.' }, /the answer is not the JSON asked for \(No object generated: could not parse the response\.\)/],
    ['a 200 whose content is JSON of another shape', { kind: 'content', text: JSON.stringify({ mappings: [{ name: 'referral_code', to: 'external_id' }] }) }, /the answer is not the JSON asked for \(No object generated: response did not match schema\.\)/],
    ['no answer within ai.timeoutMs', { kind: 'hang' }, /no answer within 3000 ms \(ai\.timeoutMs\)/],
  ];

  it.each(failures)('%s: the map the waterfall proposes is still written, with a warning naming the problem and no key', async (_what, behaviour, problem) => {
    ai.requests.length = 0;
    ai.behave(behaviour);
    // Something else in the file first: the map must be written again, not left over.
    writeFileSync(mappingFile, '# left over\n');
    const r = await propose(true);
    expect(r.code, r.stderr).toBe(0);
    expect(ai.requests.length).toBeGreaterThanOrEqual(1);
    for (const q of ai.requests) expect(q.headers.authorization).toBe(`Bearer ${AI_KEY}`);
    expect(readFileSync(mappingFile, 'utf8')).toBe(deterministic);
    expect(readFileSync(proposalFileFor(mappingFile), 'utf8')).not.toContain(`AI (${MODEL})`);
    const warning = r.stdout.split('\n').find((l) => l.startsWith('warning: ') && l.includes(MODEL));
    expect(warning, r.stdout).toBeDefined();
    expect(warning).toMatch(problem);
    expect(warning).toContain(`proposed without it (check ai.baseUrl ${ai.baseUrl}, ai.model and ai.apiKey)`);
    expectKeyNowhere(r);
    expect(existsSync(mappingFile) && statSync(mappingFile).size).toBeGreaterThan(100);
  });
});
