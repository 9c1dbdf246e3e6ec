import { describe, expect, it } from 'vitest';
import type { CanonicalContact } from '../../src/core/model.js';
import { MappingSpec } from '../../src/mapping/spec.js';
import { packedText, toContactPayload } from '../../src/mapping/transform.js';
import { customTargets } from '../../src/pipeline/bind-fields.js';

const NOW = Date.UTC(2025, 0, 1);

function contact(attributes: CanonicalContact['attributes'], over: Partial<CanonicalContact> = {}): CanonicalContact {
  return {
    sourceKey: 'xtremepush:profile:1', sourceId: '1', externalId: 'u-1', email: 'a@example.com', phone: null, firstName: 'Aoife', lastName: null,
    country: 'IE', language: 'ga', timezone: null, emailSubscribed: null, smsSubscribed: null, createdAt: null, updatedAt: null, attributes, ...over,
  };
}

const map = MappingSpec.parse({
  version: 1,
  source: 'xtremepush',
  objects: {
    contact: {
      fields: [{ from: 'email', to: 'emails' }],
      packed: { label: 'Other Xtremepush attributes', from: ['attributes.zeta', 'attributes.Alpha', 'attributes.beta', 'language', 'attributes.sports', 'attributes.vip', 'attributes.never', 'attributes.blank', 'attributes.meta', 'attributes.notes'] },
    },
  },
}).objects.contact;
const names = new Map([['Other Xtremepush attributes', 'cf_other_xtremepush_attributes']]);

describe('packed textarea payload', () => {
  it('writes sorted "key: value" lines, values as text, absent values skipped', () => {
    const c = contact({ zeta: 'last', Alpha: 42, beta: ' padded ', sports: '["football","tennis"]', vip: true, blank: '  ', meta: { a: 1 }, notes: 'line one\nline two' });
    const out = toContactPayload(c, map, { customFieldNames: names, now: NOW });
    expect(out.issues).toEqual([]);
    expect(out.payload.custom_field.cf_other_xtremepush_attributes).toBe(
      ['Alpha: 42', 'beta: padded', 'language: ga', 'meta: {"a":1}', 'notes: line one line two', 'sports: football, tennis', 'vip: true', 'zeta: last'].join('\n'),
    );
  });

  it('leaves the field out when every packed value is absent (null with clearAbsent)', () => {
    const c = contact({}, { language: null });
    expect(toContactPayload(c, map, { customFieldNames: names, now: NOW }).payload.custom_field).toEqual({});
    expect(toContactPayload(c, map, { customFieldNames: names, now: NOW, clearAbsent: true }).payload.custom_field).toEqual({ cf_other_xtremepush_attributes: null });
  });

  it('is fatal when the textarea is not in Freshsales, like any custom target', () => {
    const out = toContactPayload(contact({ zeta: 'x' }), map, { customFieldNames: new Map(), now: NOW });
    expect(out.issues).toEqual([expect.objectContaining({ field: 'Other Xtremepush attributes', fatal: true, reason: expect.stringMatching(/not found in Freshsales/) })]);
  });

  it('cuts at 10,000 characters on a line boundary, says how many values were cut, non-fatal', () => {
    const attrs: CanonicalContact['attributes'] = {};
    const from: string[] = [];
    for (let i = 0; i < 30; i++) {
      const k = `k${String(i).padStart(2, '0')}`;
      attrs[k] = 'v'.repeat(500);
      from.push(`attributes.${k}`);
    }
    const big = MappingSpec.parse({ version: 1, source: 'xtremepush', objects: { contact: { fields: [{ from: 'email', to: 'emails' }], packed: { label: 'Other Xtremepush attributes', from } } } }).objects.contact;
    const out = toContactPayload(contact(attrs), big, { customFieldNames: names, now: NOW });
    const text = out.payload.custom_field.cf_other_xtremepush_attributes as string;
    expect([...text].length).toBeLessThanOrEqual(10_000);
    const lines = text.split('\n');
    // Each line is "kNN: " + 500 characters = 505; 19 lines and the note fit, the 20th would not.
    expect(lines.slice(0, -1)).toHaveLength(19);
    expect(lines[18]).toBe(`k18: ${'v'.repeat(500)}`);
    expect(lines.at(-1)).toBe('… (11 more cut: the field holds 10,000 characters)');
    expect(out.issues).toEqual([
      expect.objectContaining({ field: 'Other Xtremepush attributes', fatal: false, reason: expect.stringMatching(/longer than 10000 characters: cut, 11 value\(s\) left out \(k19, k20, k21, k22, k23, …\)/) }),
    ]);
  });

  it('cuts a single over-long value inside its line', () => {
    const r = packedText(contact({ huge: 'x'.repeat(20_000) }), ['attributes.huge']);
    expect([...r.text!].length).toBeLessThanOrEqual(10_000);
    expect(r.text!.startsWith('huge: xxx')).toBe(true);
    expect(r.omitted).toEqual(['huge']);
  });

  it('binds the packed label like any custom target', () => {
    expect(customTargets(map)).toEqual([{ label: 'Other Xtremepush attributes', type: 'textarea' }]);
  });
});
