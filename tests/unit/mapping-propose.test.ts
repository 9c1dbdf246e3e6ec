import { describe, expect, it } from 'vitest';
import { xtremepushSource } from '../../src/connectors/xtremepush/index.js';
import type { AttributeDefinition, CanonicalContact } from '../../src/core/model.js';
import { proposeContactMap, readableLabel, renderMappingYaml, type ProposeInput } from '../../src/mapping/propose.js';
import { mappingHash, parseMappingSpec, type MappingField } from '../../src/mapping/spec.js';

const TEAMS = ['Galway', 'Cork', 'Dublin', 'Kerry', 'Mayo'];
const STAGES = ['subscriber', 'lead', 'engaged', 'loyal', 'churned'];

const attributes: AttributeDefinition[] = [
  { name: 'first_name', type: 'string' }, // lifted by the connector
  { name: 'last_name', type: 'string' },
  { name: 'country', type: 'string' },
  { name: 'favourite_team', type: 'string' },
  { name: 'referral_code', type: 'string' },
  { name: 'lifecycle_stage', type: 'string' },
  { name: 'loyalty_points', type: 'number' },
  { name: 'achievement_count', type: 'integer' },
  { name: 'date_of_birth', type: 'date' },
  { name: 'last_login', type: 'date' },
  { name: 'vip', type: 'boolean' },
  { name: 'interests', type: 'array' },
  { name: 'visited_pages', type: 'array' },
  { name: 'level.current', type: 'integer' },
  { name: 'never_set', type: 'number' },
];

function sample(i: number): CanonicalContact {
  return {
    sourceKey: `xtremepush:profile:${i}`,
    sourceId: String(i),
    externalId: `u-${i}`,
    email: i % 25 === 0 ? null : i === 7 ? 'not-an-email' : `user${i}@example.com`,
    phone: i % 10 === 0 ? 'n/a' : `35387${String(1000000 + i).padStart(7, '0')}`,
    firstName: `Name${i}`,
    lastName: i % 5 === 0 ? null : 'Ó Súilleabháin',
    country: 'IE',
    language: i % 2 === 0 ? 'en' : 'ga',
    timezone: 'Europe/Dublin',
    emailSubscribed: i % 3 === 0,
    smsSubscribed: i % 4 === 0 ? null : false,
    createdAt: new Date(Date.UTC(2023, 0, 1) + i * 86_400_000).toISOString(),
    updatedAt: null,
    attributes: {
      favourite_team: TEAMS[i % TEAMS.length] as string,
      referral_code: `REF-${i * 7919}`,
      lifecycle_stage: STAGES[i % STAGES.length] as string,
      loyalty_points: i * 10.5,
      achievement_count: String(i % 7),
      date_of_birth: `19${String(50 + (i % 40)).padStart(2, '0')}-0${1 + (i % 9)}-1${i % 10}`,
      last_login: `2024-05-${String(1 + (i % 28)).padStart(2, '0')} 1${i % 10}:15:00 +01:00`,
      vip: i % 6 === 0 ? '1' : '0',
      interests: JSON.stringify(['music', 'sports', 'travel'].slice(0, 1 + (i % 3))),
      visited_pages: JSON.stringify([`/p/${i}`, `/q/${i}`]),
      'level.current': i % 4,
    },
  };
}

// What the source's manifest declares about its data (lifted attributes, lifecycle, tier).
const input: ProposeInput = { source: 'xtremepush', attributes, samples: Array.from({ length: 100 }, (_, i) => sample(i + 1)), defaults: xtremepushSource.proposalDefaults };
const proposal = proposeContactMap(input);
const fields = proposal.spec.objects.contact.fields;
const field = (from: string): MappingField => {
  const f = fields.find((x) => x.from === from);
  if (!f) throw new Error(`no field from ${from}`);
  return f;
};
const evidence = (from: string) => proposal.evidence.find((e) => e.from === from);

describe('proposeContactMap: standard fields by name', () => {
  it('maps email, names, phone, country and consent to Freshsales standard fields', () => {
    expect(fields.slice(0, 8).map((f) => [f.from, f.to, f.transform])).toEqual([
      ['email', 'emails', 'email'],
      ['firstName', 'first_name', 'name'],
      ['lastName', 'last_name', 'name'],
      ['phone', 'mobile_number', 'phone'],
      ['country', 'country', 'text'],
      ['emailSubscribed', 'subscription_status', 'subscription'],
      ['smsSubscribed', 'sms_subscription_status', 'subscription'],
      ['externalId', { custom: 'Xtremepush ID', type: 'text' }, 'text'],
    ]);
  });

  it('does not propose the attributes the connector lifts into canonical fields a second time', () => {
    expect(fields.filter((f) => ['attributes.first_name', 'attributes.last_name', 'attributes.country'].includes(f.from))).toEqual([]);
  });

  it('explains what will happen to missing, invalid and duplicate emails, with sample values masked', () => {
    const e = evidence('email');
    expect(e?.typeFit).toBe('95 of 96 sampled values are valid emails (99%)');
    expect(e?.nullRate).toBe(0.04);
    expect(e?.notes.join('; ')).toMatch(/4 sampled contact\(s\) have no email and will be quarantined/);
    expect(e?.notes.join('; ')).toMatch(/1 invalid email\(s\) will be quarantined/);
    expect(e?.sampleValues.every((v) => v.includes('•••'))).toBe(true);
    expect(e?.sampleValues.join(' ')).not.toMatch(/user\d+@/);
  });

  it('counts unusable phones and says those contacts still load', () => {
    const e = evidence('phone');
    expect(e?.typeFit).toBe('90 of 100 sampled values are valid phone numbers (90%)');
    expect(e?.notes.join('; ')).toMatch(/10 unusable number\(s\) will be left out \(the contacts still load\)/);
  });
});

describe('proposeContactMap: custom attributes typed from definition and samples', () => {
  it.each([
    ['attributes.favourite_team', { custom: 'Favourite team', type: 'dropdown', choices: ['Cork', 'Dublin', 'Galway', 'Kerry', 'Mayo'] }, 'text'],
    ['attributes.referral_code', { custom: 'Referral code', type: 'text' }, 'text'],
    ['attributes.loyalty_points', { custom: 'Loyalty points', type: 'number' }, 'number'],
    ['attributes.achievement_count', { custom: 'Achievement count', type: 'number' }, 'integer'],
    ['attributes.date_of_birth', { custom: 'Date of birth', type: 'date' }, 'date'],
    ['attributes.last_login', { custom: 'Last login', type: 'date' }, 'date'],
    ['attributes.vip', { custom: 'Vip', type: 'checkbox' }, 'boolean'],
    ['attributes.interests', { custom: 'Interests', type: 'multi_select_dropdown', choices: ['music', 'sports', 'travel'] }, 'array_to_multiselect'],
    ['attributes.visited_pages', { custom: 'Visited pages', type: 'text' }, 'array_to_text'],
    ['attributes.level.current', { custom: 'Level current', type: 'number' }, 'integer'],
    ['attributes.never_set', { custom: 'Never set', type: 'number' }, 'number'],
    ['language', { custom: 'Language', type: 'text' }, 'text'],
    ['timezone', { custom: 'Xtremepush time zone', type: 'text' }, 'text'],
    ['createdAt', { custom: 'Xtremepush created at', type: 'date' }, 'date'],
  ])('%s → %j via %s', (from, to, transform) => {
    const f = field(from);
    expect(f.to).toEqual(to);
    expect(f.transform).toBe(transform);
  });

  it('says what a date field loses of date-times: the time of day', () => {
    expect(evidence('attributes.last_login')?.notes.join('; ')).toMatch(/time of day, which a Freshsales date field cannot hold: the date is kept as the source wrote it .* and the time dropped/);
    expect(evidence('attributes.date_of_birth')?.notes.join('; ')).not.toMatch(/time of day/);
  });

  it('labels an attribute that would read like a Freshsales standard field with the source name', () => {
    expect(field('attributes.lifecycle_stage').to).toEqual({ custom: 'Xtremepush lifecycle stage', type: 'dropdown', choices: ['churned', 'engaged', 'lead', 'loyal', 'subscriber'] });
    expect(evidence('attributes.lifecycle_stage')?.notes.join('; ')).toMatch(/lifecycle_stage_id with values/);
  });

  it('a string with 200 or more distinct values becomes text, not a dropdown', () => {
    const many = proposeContactMap({
      source: 'xtremepush',
      attributes: [{ name: 'favourite_pub', type: 'string' }],
      samples: Array.from({ length: 600 }, (_, i) => ({ ...sample(i + 1), attributes: { favourite_pub: `Pub ${i % 200}` } })),
    });
    const tooMany = many.spec.objects.contact.fields.find((f) => f.from === 'attributes.favourite_pub');
    expect(tooMany?.to).toEqual({ custom: 'Favourite pub', type: 'text' });
    const fewer = proposeContactMap({
      source: 'xtremepush',
      attributes: [{ name: 'favourite_pub', type: 'string' }],
      samples: Array.from({ length: 600 }, (_, i) => ({ ...sample(i + 1), attributes: { favourite_pub: `Pub ${i % 199}` } })),
    });
    const to = fewer.spec.objects.contact.fields.find((f) => f.from === 'attributes.favourite_pub')?.to;
    expect(to).toMatchObject({ custom: 'Favourite pub', type: 'dropdown' });
    expect((to as { choices: string[] }).choices).toHaveLength(199);
  });

  it('evidence gives samples, distinct counts, empty share and a confidence for every field, in field order', () => {
    expect(proposal.evidence.map((e) => e.from)).toEqual(fields.map((f) => f.from));
    for (const e of proposal.evidence) {
      expect(e.confidence).toBeGreaterThanOrEqual(0);
      expect(e.confidence).toBeLessThanOrEqual(1);
      expect(e.nullRate).toBeGreaterThanOrEqual(0);
      expect(e.nullRate).toBeLessThanOrEqual(1);
    }
    expect(evidence('attributes.favourite_team')).toMatchObject({ distinctValues: 5, nullRate: 0, sampleValues: ['Cork', 'Dublin', 'Galway', 'Kerry', 'Mayo'] });
    expect(evidence('attributes.never_set')).toMatchObject({ confidence: 0.5, nullRate: 1, distinctValues: 0, sampleValues: [] });
    expect(evidence('attributes.never_set')?.notes.join('; ')).toMatch(/no sampled contact has a value/);
    expect(evidence('attributes.loyalty_points')?.confidence).toBe(0.95);
  });

  it('is deterministic', () => {
    const again = proposeContactMap(structuredClone(input));
    expect(again).toEqual(proposal);
    expect(renderMappingYaml(again.spec, again.evidence)).toBe(renderMappingYaml(proposal.spec, proposal.evidence));
  });

  it('warns when the map needs more custom fields of a type than the Growth plan has', () => {
    expect(proposal.warnings).toEqual([]);
    const wide = proposeContactMap({
      source: 'xtremepush',
      attributes: Array.from({ length: 6 }, (_, i) => ({ name: `tags_${i}`, type: 'array' as const })),
      samples: [sample(1), sample(2), sample(3)].map((c) => ({ ...c, attributes: Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`tags_${i}`, ['a', 'b']])) })),
    });
    expect(wide.warnings).toEqual([expect.stringMatching(/multi_select_dropdown: 6 of 5/)]);
  });
});

describe('renderMappingYaml', () => {
  const text = renderMappingYaml(proposal.spec, proposal.evidence, { warnings: ['an example warning'] });

  it('round-trips: the written file parses back to the same spec and hash', () => {
    const parsed = parseMappingSpec(text, 'mapping.yaml');
    expect(parsed).toEqual(proposal.spec);
    expect(mappingHash(text)).toBe(mappingHash(proposal.spec));
  });

  it('puts each field’s evidence as comments right above it', () => {
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.includes('from: attributes.favourite_team'));
    expect(lines[at - 3]).toMatch(/^\s+# confidence 0\.\d\d · few repeating values: a dropdown \(fewer than 200 distinct\) · 5 distinct · 0% empty$/);
    expect(lines[at - 2]).toMatch(/^\s+# samples: Cork \| Dublin \| Galway \| Kerry \| Mayo$/);
    expect(lines[at - 1]).toMatch(/^\s+# note: a value outside these choices is left out of its contact \(reported\)/);
    expect(lines[at + 1]).toMatch(/to: \{ custom: Favourite team, type: dropdown, choices: \[ Cork, Dublin, Galway, Kerry, Mayo \] \}/);
  });

  it('starts with a header that says nothing moves before confirmation, and the warnings', () => {
    expect(text.startsWith('# Contact field map for xtremepush → Freshsales.')).toBe(true);
    expect(text).toMatch(/# .*nothing is\n# written to Freshsales before it is confirmed/);
    expect(text).toContain('# WARNING: an example warning');
  });

  it('writes on_invalid only where it differs from the default', () => {
    expect(text).not.toMatch(/^\s+on_invalid:/m);
    const changed = structuredClone(proposal.spec);
    (changed.objects.contact.fields[3] as MappingField).on_invalid = 'quarantine';
    const out = renderMappingYaml(changed, proposal.evidence);
    expect(out.match(/^\s+on_invalid: quarantine$/gm)).toHaveLength(1);
    expect(parseMappingSpec(out, 'm.yaml')).toEqual(changed);
  });
});

describe('readableLabel', () => {
  it.each([
    ['favourite_team', 'Favourite team'],
    ['lifetime_value', 'Lifetime value'],
    ['quest.completionsTotal', 'Quest completions total'],
    ['VIPLevel', 'VIP level'],
    ['user-ID', 'User ID'],
    ['points', 'Points'],
    ['__', '__'],
  ])('%s → %s', (name, label) => {
    expect(readableLabel(name)).toBe(label);
  });
});
