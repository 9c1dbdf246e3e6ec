import { describe, expect, it } from 'vitest';
import { applyMapEdit, CUSTOM_TARGET } from '../../src/review/map-edit.js';
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
    expect(skipped.spec.objects.contact.fields.map((f) => f.from)).toEqual(['email', 'attributes.points']);
    const h2 = mappingHash(skipped.spec);
    const back = applyMapEdit(skipped.text, { from: 'attributes.tier', hash: h2, action: 'save', target: CUSTOM_TARGET, label: 'Tier', type: 'text' }, 'm.yaml');
    expect(back.spec.objects.contact.fields[2]).toMatchObject({ from: 'attributes.tier', to: { custom: 'Tier', type: 'text' }, transform: 'text' });
  });

  it('refuses an edit the spec rejects, a map changed since the page, and a moved field', () => {
    // Two fields may not write one target.
    expect(() => applyMapEdit(MAP, { index: 2, from: 'attributes.points', hash, action: 'save', target: 'emails' }, 'm.yaml')).toThrow(/m\.yaml/);
    expect(() => applyMapEdit(MAP, { index: 2, from: 'attributes.points', hash, action: 'save', target: CUSTOM_TARGET, label: ' ', type: 'text' }, 'm.yaml')).toThrow(/needs a label/);
    expect(() => applyMapEdit(MAP, { index: 2, from: 'attributes.points', hash: '0'.repeat(64), action: 'skip' }, 'm.yaml')).toThrow(/changed since this page was opened/);
    expect(() => applyMapEdit(MAP, { index: 1, from: 'attributes.points', hash, action: 'skip' }, 'm.yaml')).toThrow(/no longer reads attributes\.points/);
  });
});
