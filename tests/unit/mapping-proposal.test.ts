import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { xtremepushSource } from '../../src/connectors/xtremepush/index.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { ConfigError, TerminalError } from '../../src/core/errors.js';
import type { AttributeDefinition, CanonicalContact } from '../../src/core/model.js';
import type { SourceConnector } from '../../src/connectors/source.js';
import { createInventory, statsOf } from '../../src/mapping/inventory.js';
import { proposeContactMap } from '../../src/mapping/propose.js';
import { Proposal, proposalFileFor, proposedMappingField, readProposal, renderProposal, toProposal } from '../../src/mapping/proposal.js';
import { FALLBACK_PROPOSAL_DEFAULTS, type ProposalDefaults } from '../../src/mapping/proposal-defaults.js';
import { loadMappingSpec, mappingHash, parseMappingSpec, salesActivityOf } from '../../src/mapping/spec.js';
import { extendProposal, proposeMap } from '../../src/pipeline/map-gate.js';

/** The defaults the Xtremepush manifest declares (lifted attributes, lifecycle map, loyalty tier). */
const XP = xtremepushSource.proposalDefaults;

const dir = mkdtempSync(join(tmpdir(), 'crm-proposal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const STAGES = ['subscriber', 'lead', 'engaged', 'loyal', 'churned', 'dormant'];
const TIERS = ['bronze', 'silver', 'gold'];
const attributes: AttributeDefinition[] = [
  { name: 'first_name', type: 'string' },
  { name: 'nickname', type: 'string' },
  { name: 'lifecycle_stage', type: 'string' },
  { name: 'loyalty_tier', type: 'string' },
  { name: 'points', type: 'integer' },
  { name: 'interests', type: 'array' },
];

function contact(i: number): CanonicalContact {
  return {
    sourceKey: `src:profile:${i}`,
    sourceId: String(i),
    externalId: `u-${i}`,
    email: i % 10 === 0 ? null : `user${i}@example.com`,
    phone: `35387${String(1000000 + i)}`,
    firstName: `Name${i}`,
    lastName: 'Murphy',
    country: 'IE',
    language: 'en',
    timezone: null,
    emailSubscribed: i % 2 === 0,
    smsSubscribed: null,
    createdAt: new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString(),
    updatedAt: null,
    attributes: {
      first_name: `Name${i}`,
      nickname: `nick-${i}`,
      lifecycle_stage: STAGES[i % STAGES.length]!,
      loyalty_tier: TIERS[i % TIERS.length]!,
      points: i * 3,
      interests: JSON.stringify(['music', 'sport'].slice(0, 1 + (i % 2))),
    },
  };
}
const samples = Array.from({ length: 60 }, (_, i) => contact(i + 1));
const NOW = new Date(Date.UTC(2025, 0, 2, 3, 4, 5));

describe('one proposer: without a discovery inventory, the sample is counted by the inventory accumulator', () => {
  const p = proposeContactMap({ source: 'xtremepush', attributes, samples, defaults: XP });
  const acc = createInventory({ definitions: attributes });
  for (const c of samples) acc.add(c);
  const inv = acc.result();

  it("every field's distinct count, null rate and basis are the sample inventory's", () => {
    for (const e of p.evidence) {
      const s = statsOf(inv, e.from)!;
      expect(e.basis).toBe('sample');
      expect(e.nullRate).toBe(Math.round(s.nullRate * 100) / 100);
      // Lists count their elements.
      expect(e.distinctValues).toBe(e.type === 'array' ? s.elements?.distinct : s.distinct);
    }
    expect(p.evidence.find((e) => e.from === 'email')).toMatchObject({ nullRate: 0.1, distinctValues: 54 });
  });

  it('with a discovery inventory, the same fields carry the inventory basis', () => {
    const withInventory = proposeContactMap({ source: 'xtremepush', attributes, samples: samples.slice(0, 5), inventory: inv, defaults: XP });
    expect(new Set(withInventory.evidence.map((e) => e.basis))).toEqual(new Set(['inventory']));
    expect(withInventory.evidence.find((e) => e.from === 'attributes.points')?.typeFit).toBe('60 of 60 values are whole numbers (100%)');
  });
});

describe('proposal defaults are input', () => {
  it("the source's declared defaults keep the lifted attributes out and propose the lifecycle attribute into the contact status", () => {
    const { spec, evidence } = proposeContactMap({ source: 'xtremepush', attributes, samples, defaults: XP });
    const fields = spec.objects.contact.fields;
    expect(fields.some((f) => f.from === 'attributes.first_name')).toBe(false);
    const status = fields.find((f) => f.to === 'contact_status_id')!;
    expect(status).toMatchObject({ from: 'attributes.lifecycle_stage', values: XP.lifecycle!.values });
    const e = evidence[fields.indexOf(status)]!;
    // "dormant" (one contact in six) has no status in the value map.
    expect(e.typeFit).toBe('50 of 60 sampled values are stages in the value map (83%)');
    expect(e.notes.join('; ')).toMatch(/1 stage\(s\) have no status \(dormant\)/);
    expect(e.notes.join('; ')).toMatch(/kept in its own custom field "Xtremepush lifecycle stage"/);
  });

  it("a source's own defaults: its lifted attributes, its lifecycle attribute and value map, or none", () => {
    const own: ProposalDefaults = {
      liftedAttributes: ['nickname'],
      lifecycle: { attribute: 'loyalty_tier', values: { gold: 'Customer / Won' } },
      dealTier: null,
      interactions: [],
      highValueEvents: [],
    };
    const fields = proposeContactMap({ source: 'xtremepush', attributes, samples, defaults: own }).spec.objects.contact.fields;
    expect(fields.some((f) => f.from === 'attributes.nickname')).toBe(false);
    expect(fields.some((f) => f.from === 'attributes.first_name')).toBe(true);
    expect(fields.filter((f) => f.to === 'contact_status_id')).toEqual([
      { from: 'attributes.loyalty_tier', to: 'contact_status_id', transform: 'integer', values: { gold: 'Customer / Won' }, on_invalid: 'drop_field' },
    ]);
    const none = proposeContactMap({ source: 'xtremepush', attributes, samples, defaults: { ...own, lifecycle: null } });
    expect(none.spec.objects.contact.fields.some((f) => f.to === 'contact_status_id')).toBe(false);
  });

  it('extendProposal writes the task policy and the opt-in deal from the defaults', () => {
    const base = 'version: 1\nsource: xtremepush\nobjects:\n  contact:\n    fields: []\n';
    const own: ProposalDefaults = { ...XP, dealTier: { attribute: 'tier' }, interactions: ['clicked'], highValueEvents: ['bet_placed'] };
    const doc = parseDocument(extendProposal(base, { owner: null, source: 'xtremepush', defaults: own, dealTier: true })).toJS();
    expect(doc.objects.task).toEqual({ timeline: 'tasks', campaigns: true, interactions: ['clicked'], events: { policy: 'high_value', high_value: ['bet_placed'], summary: [] } });
    expect(doc.objects.deal).toMatchObject({ enabled: false, from: 'attributes.tier', amounts: {} });
    const text = extendProposal(base, { owner: null, defaults: own, dealTier: true });
    expect(text).toMatch(/# Amounts: fill in <source value>: <deal amount>/);
    expect(parseDocument(extendProposal(base, { owner: null, defaults: own, dealTier: false })).toJS().objects.deal).toBeUndefined();
  });

  it('extendProposal documents the sales-activity choice with an example that is a valid map once uncommented', () => {
    const base = 'version: 1\nsource: xtremepush\nobjects:\n  contact:\n    fields: [{ from: email, to: emails }]\n';
    const text = extendProposal(base, { owner: null, source: 'xtremepush', defaults: XP });
    expect(text).toMatch(/# timeline: tasks \(title, description, due date\) or sales_activities/);
    expect(salesActivityOf(parseMappingSpec(text, 'mapping.yaml').objects.task!)).toBeNull();
    const chosen = text.replace('timeline: tasks\n', 'timeline: sales_activities\n').replace(/^ {4}# {3}(.*)$/gm, '    $1');
    const spec = parseMappingSpec(chosen, 'mapping.yaml');
    expect(salesActivityOf(spec.objects.task!)).toEqual({
      type: 'App event',
      fields: [{ from: 'event', to: { custom: 'Event name', type: 'text' } }, { from: 'value', to: { custom: 'Event value', type: 'text' } }],
    });
  });
});

describe('the proposal as data', () => {
  const p = proposeContactMap({ source: 'xtremepush', attributes, samples, defaults: XP });
  const mappingFile = join(dir, 'pure', 'mapping.yaml');
  const doc = toProposal(p, { mappingFile, mapHash: mappingHash(p.spec), generatedAt: NOW, sampled: 60, inventoryContacts: null });

  it('holds per field the target as data, the type, transform, confidence and evidence, in map order', () => {
    expect(doc).toMatchObject({ version: 1, source: 'xtremepush', generatedAt: '2025-01-02T03:04:05.000Z', map: { file: 'mapping.yaml', hash: mappingHash(p.spec) }, sampled: 60, inventoryContacts: null, warnings: [] });
    expect(doc.fields.map((f) => f.from)).toEqual(p.spec.objects.contact.fields.map((f) => f.from));
    expect(doc.fields.find((f) => f.from === 'attributes.interests')).toMatchObject({
      target: { custom: 'Interests', type: 'multi_select_dropdown', choices: ['music', 'sport'] },
      type: 'array',
      transform: 'array_to_multiselect',
      evidence: { distinctValues: 2, nullRate: 0, basis: 'sample' },
    });
    const email = doc.fields[0]!;
    expect(email).toMatchObject({ from: 'email', target: 'emails', type: 'string', confidence: 0.99 });
    expect(email.evidence.sampleValues.every((v) => v.includes('•••'))).toBe(true);
    expect(email.evidence.notes).toEqual(['6 sampled contact(s) have no email and will be quarantined (Freshsales requires one)']);
  });

  it('gives back the map fields it was made from', () => {
    expect(doc.fields.map(proposedMappingField)).toEqual(p.spec.objects.contact.fields);
  });

  it('reads back through its schema', () => {
    const file = join(dir, 'roundtrip.json');
    writeFileSync(file, renderProposal(doc));
    expect(readProposal(file)).toEqual(doc);
  });

  it('refuses bad content with a ConfigError naming the file and what is wrong', () => {
    const bad = join(dir, 'bad.json');
    const broken = structuredClone(doc) as unknown as { fields: Array<{ confidence: number; target: unknown }> };
    broken.fields[1]!.confidence = 1.5;
    broken.fields[2]!.target = 'no_such_field';
    writeFileSync(bad, JSON.stringify(broken));
    const err = (() => {
      try {
        readProposal(bad);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).file).toBe(bad);
    expect((err as Error).message).toContain(bad);
    expect((err as Error).message).toMatch(/fields\.1\.confidence/);
    expect((err as Error).message).toMatch(/fields\.2\.target/);
    writeFileSync(bad, '{ not json');
    expect(() => readProposal(bad)).toThrow(/proposal file .*bad\.json cannot be read/);
    expect(() => readProposal(join(dir, 'missing.json'))).toThrow(/proposal file .*missing\.json not found/);
  });

  it('will not write a document that fails its own schema', () => {
    expect(() => renderProposal({ ...doc, generatedAt: 'yesterday' } as Proposal)).toThrow();
  });
});

describe('proposeMap: a service returning the proposal', () => {
  const source = {
    name: 'xtremepush',
    manifest: xtremepushSource,
    referenceModels: [],
    attributes: async () => attributes,
    async *contacts() {
      yield { records: samples.slice(0, 40), checkpoint: '40', last: false };
      yield { records: samples.slice(40), checkpoint: '60', last: true };
    },
  } as unknown as SourceConnector;

  it('writes the map and proposal.json beside it, and returns spec, evidence, warnings and files', async () => {
    const mappingFile = join(dir, 'svc', 'mapping.yaml');
    mkdirSync(join(dir, 'svc'));
    const r = await proposeMap({ source, mappingFile, sampleSize: 50, force: false, defaultOwner: 'owner@example.com', now: NOW });
    expect(r.files).toEqual({ mapping: mappingFile, proposal: join(dir, 'svc', 'proposal.json') });
    expect(r.files.proposal).toBe(proposalFileFor(mappingFile));
    expect(r).toMatchObject({ sampled: 50, fromInventory: false, warnings: [] });
    expect(r.fields).toBe(r.spec.objects.contact.fields.length);
    expect(r.evidence.map((e) => e.from)).toEqual(r.spec.objects.contact.fields.map((f) => f.from));
    // The map as written (with its owner, task and deal sections) is the one the proposal names.
    expect(r.spec).toEqual(loadMappingSpec(mappingFile));
    expect(r.spec.owners).toEqual({ default: 'owner@example.com' });
    expect(r.spec.objects.deal).toMatchObject({ enabled: false, from: 'attributes.loyalty_tier' });
    expect(r.proposal.map).toEqual({ file: 'mapping.yaml', hash: mappingHash(loadMappingSpec(mappingFile)) });
    expect(readProposal(r.files.proposal)).toEqual(r.proposal);
    expect(statSync(r.files.proposal).mode & 0o777).toBe(0o600);
    // The YAML keeps its evidence comments.
    const yaml = readFileSync(mappingFile, 'utf8');
    expect(yaml).toMatch(/# confidence 0\.\d\d · few repeating values[^\n]*\n\s+# samples: [^\n]*\n\s+# note: [^\n]*\n\s+- from: attributes\.lifecycle_stage\n\s+to: \{ custom: Xtremepush lifecycle stage/);
    expect(yaml).toMatch(/# confidence 0\.67 · 42 of 50 sampled values are stages in the value map[^\n]*\n\s+# samples: [^\n]*\n\s+# note: Lifecycle stage → Freshsales contact status[^\n]*\n\s+- from: attributes\.lifecycle_stage\n\s+to: contact_status_id/);
    await expect(proposeMap({ source, mappingFile, sampleSize: 50, force: false })).rejects.toThrow(/already exists: pass --force/);
  });

  it('refuses defaults a map cannot hold before writing anything', async () => {
    const mappingFile = join(dir, 'refused.yaml');
    const bad = { ...FALLBACK_PROPOSAL_DEFAULTS, interactions: ['bounced'] };
    await expect(proposeMap({ source, mappingFile, sampleSize: 50, force: true, defaults: bad })).rejects.toThrow(TerminalError);
    await expect(proposeMap({ source, mappingFile, sampleSize: 50, force: true, defaults: bad })).rejects.toThrow(/interactions\.0: unknown interaction "bounced"/);
    expect(existsSync(mappingFile)).toBe(false);
  });
});
