import { describe, expect, it } from 'vitest';
import { applyMapEdit, CUSTOM_TARGET, MapEditRefused, mapValueOf, type MapEdit } from '../../src/review/map-edit.js';
import { mappingHash, parseMappingSpec } from '../../src/mapping/spec.js';

const MAP = `version: 1
source: xtremepush
objects:
  contact:
    fields:
      # evidence: valid emails
      - from: email
        to: emails
      # evidence: five tiers
      - from: attributes.tier
        to: { custom: Tier, type: dropdown, choices: [gold, silver] }
        transform: text
      - from: attributes.points
        to: { custom: Points, type: number }
        transform: integer
      - from: attributes.lifecycle_stage
        to: contact_status_id
        values:
          # stages the source still uses
          subscriber: Lead / New
          lead: 16000000002
          churned: null
`;
const hash = mappingHash(parseMappingSpec(MAP, 'mapping.yaml'));

describe('applyMapEdit', () => {
  it('changes a target, keeps the evidence comments, and drops a transform the new type would not take', () => {
    const r = applyMapEdit(MAP, { index: 2, from: 'attributes.points', hash, action: 'save', target: CUSTOM_TARGET, label: 'Points text', type: 'text' }, 'mapping.yaml');
    expect(r.text).toContain('# evidence: five tiers');
    expect(r.spec.objects.contact.fields[2]).toMatchObject({ from: 'attributes.points', to: { custom: 'Points text', type: 'text' }, transform: 'text' });
  });

  it('sets choices one per line for a dropdown and ignores them for other types', () => {
    const r = applyMapEdit(MAP, { index: 1, from: 'attributes.tier', hash, action: 'save', target: CUSTOM_TARGET, label: 'Tier', type: 'dropdown', choices: 'gold\r\nsilver\n\nbronze' }, 'm.yaml');
    expect(r.spec.objects.contact.fields[1]!.to).toEqual({ custom: 'Tier', type: 'dropdown', choices: ['gold', 'silver', 'bronze'] });
    const t = applyMapEdit(MAP, { index: 1, from: 'attributes.tier', hash, action: 'save', target: CUSTOM_TARGET, label: 'Tier', type: 'text', choices: 'gold' }, 'm.yaml');
    expect(t.spec.objects.contact.fields[1]!.to).toEqual({ custom: 'Tier', type: 'text' });
  });

  it('skips a field, and adds a skipped attribute back with its default transform', () => {
    const skipped = applyMapEdit(MAP, { index: 1, from: 'attributes.tier', hash, action: 'skip' }, 'm.yaml');
    expect(skipped.spec.objects.contact.fields.map((f) => f.from)).toEqual(['email', 'attributes.points', 'attributes.lifecycle_stage']);
    const h2 = mappingHash(skipped.spec);
    const back = applyMapEdit(skipped.text, { from: 'attributes.tier', hash: h2, action: 'save', target: CUSTOM_TARGET, label: 'Tier', type: 'text' }, 'm.yaml');
    expect(back.spec.objects.contact.fields[3]).toMatchObject({ from: 'attributes.tier', to: { custom: 'Tier', type: 'text' }, transform: 'text' });
  });

  it('refuses an edit the spec rejects, a map changed since the page, and a moved field', () => {
    // Two fields may not write one target.
    expect(() => applyMapEdit(MAP, { index: 2, from: 'attributes.points', hash, action: 'save', target: 'emails' }, 'm.yaml')).toThrow(/m\.yaml/);
    expect(() => applyMapEdit(MAP, { index: 2, from: 'attributes.points', hash, action: 'save', target: CUSTOM_TARGET, label: ' ', type: 'text' }, 'm.yaml')).toThrow(/needs a label/);
    expect(() => applyMapEdit(MAP, { index: 2, from: 'attributes.points', hash: '0'.repeat(64), action: 'skip' }, 'm.yaml')).toThrow(/changed since this page was opened/);
    expect(() => applyMapEdit(MAP, { index: 1, from: 'attributes.points', hash, action: 'skip' }, 'm.yaml')).toThrow(/no longer reads attributes\.points/);
  });
});

describe('applyMapEdit: transform, on_invalid and the value map', () => {
  const life = { index: 3, from: 'attributes.lifecycle_stage', hash, action: 'save', target: 'contact_status_id' } as const;
  const refused = (edit: MapEdit): MapEditRefused => {
    try {
      applyMapEdit(MAP, edit, 'm.yaml');
    } catch (e) {
      if (e instanceof MapEditRefused) return e;
      throw e;
    }
    throw new Error('the edit was not refused');
  };

  it('sets a transform and on_invalid the target takes, and leaves them as the file has them when unchanged', () => {
    const r = applyMapEdit(MAP, { ...life, transform: 'none', on_invalid: 'quarantine' }, 'm.yaml');
    expect(r.spec.objects.contact.fields[3]).toMatchObject({ transform: 'none', on_invalid: 'quarantine' });
    // The form always posts the current ones: the implicit default stays implicit.
    const same = applyMapEdit(MAP, { ...life, transform: 'integer', on_invalid: 'drop_field' }, 'm.yaml');
    expect(same.text.slice(same.text.indexOf('- from: attributes.lifecycle_stage'))).toBe(MAP.slice(MAP.indexOf('- from: attributes.lifecycle_stage')));
  });

  it('gives a new kind of target its default transform unless another is chosen for it', () => {
    const asText = { index: 2, from: 'attributes.points', hash, action: 'save', target: CUSTOM_TARGET, label: 'Points', type: 'text' } as const;
    expect(applyMapEdit(MAP, { ...asText, transform: 'integer' }, 'm.yaml').spec.objects.contact.fields[2]!.transform).toBe('text');
    expect(applyMapEdit(MAP, { ...asText, transform: 'number' }, 'm.yaml').spec.objects.contact.fields[2]!.transform).toBe('number');
  });

  it('edits the value map in place: comments and kept rows stay, removed rows go, new rows are appended', () => {
    const r = applyMapEdit(MAP, { ...life, values: [{ from: 'subscriber', to: 'Lead / Contacted' }, { from: 'lead', to: '16000000002' }, { from: 'loyal', to: '16000000009' }, { from: 'dormant', to: null }] }, 'm.yaml');
    expect(r.spec.objects.contact.fields[3]!.values).toEqual({ subscriber: 'Lead / Contacted', lead: 16000000002, loyal: 16000000009, dormant: null });
    expect(r.text).toContain('# stages the source still uses');
    expect(r.text).toContain('lead: 16000000002\n          loyal: 16000000009\n          dormant: null\n');
    expect(r.text).not.toContain('churned');
  });

  it('removes the value map when no row is left, and adds one to a field that had none', () => {
    expect(applyMapEdit(MAP, { ...life, values: [] }, 'm.yaml').spec.objects.contact.fields[3]!.values).toBeUndefined();
    const tier = applyMapEdit(MAP, { index: 1, from: 'attributes.tier', hash, action: 'save', target: CUSTOM_TARGET, label: 'Tier', type: 'dropdown', choices: 'gold\nsilver', values: [{ from: 'GOLD', to: 'gold' }] }, 'm.yaml');
    expect(tier.spec.objects.contact.fields[1]!.values).toEqual({ GOLD: 'gold' });
  });

  it('refuses what the spec refuses, each reason by the control it is about and in words', () => {
    const unknown = refused({ ...life, transform: 'shout' });
    expect(unknown.message).toMatch(/^m\.yaml line \d+, column \d+: objects\.contact\.fields\[3\]\.transform: unknown transform "shout"/);
    expect(unknown.problems).toEqual([{ control: 'transform', message: expect.stringMatching(/^unknown transform "shout" \(expected one of: none, email/) }]);
    expect(refused({ ...life, transform: 'date' }).problems).toEqual([{ control: 'transform', message: 'transform "date" cannot write contact_status_id (use one of: integer, none)' }]);
    expect(refused({ ...life, on_invalid: 'ignore' }).problems[0]).toMatchObject({ control: 'on_invalid', message: expect.stringMatching(/^on_invalid must be "quarantine" or "drop_field", not "ignore"/) });
    const emails = refused({ index: 0, from: 'email', hash, action: 'save', target: 'emails', on_invalid: 'drop_field' });
    expect(emails.problems).toEqual([{ control: 'on_invalid', message: expect.stringMatching(/^emails cannot be dropped/) }]);
    // A problem elsewhere in the map is the field's, with its path.
    expect(refused({ index: 0, from: 'email', hash, action: 'save', target: 'first_name' }).problems).toContainEqual({ control: 'field', message: expect.stringMatching(/^objects\.contact\.fields: no field writes emails/) });
  });
});

describe('mapValueOf', () => {
  it('reads blank as null, keeps the value it replaces when the text is unchanged, and whole numbers as numbers', () => {
    expect(mapValueOf('  ')).toBeNull();
    expect(mapValueOf(null)).toBeNull();
    expect(mapValueOf('true', true)).toBe(true);
    expect(mapValueOf('16000000001')).toBe(16000000001);
    expect(mapValueOf('16000000001', '16000000001')).toBe('16000000001');
    expect(mapValueOf('007')).toBe('007');
    expect(mapValueOf('12345678901234567890')).toBe('12345678901234567890');
    expect(mapValueOf(' Lead / New ')).toBe('Lead / New');
  });
});
