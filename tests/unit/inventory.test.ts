import { describe, expect, it } from 'vitest';
import type { CanonicalContact } from '../../src/core/model.js';
import { AttributeInventory, DISTINCT_CAP, createInventory, observedType, statsOf } from '../../src/mapping/inventory.js';
import { proposeContactMap } from '../../src/mapping/propose.js';
import { isCustomTarget } from '../../src/mapping/spec.js';

function contact(i: number, attributes: CanonicalContact['attributes'], over: Partial<CanonicalContact> = {}): CanonicalContact {
  return {
    sourceKey: `xtremepush:profile:${i}`,
    sourceId: String(i),
    externalId: null,
    email: `user${i}@example.com`,
    phone: null,
    firstName: null,
    lastName: null,
    country: 'IE',
    language: 'en',
    timezone: null,
    emailSubscribed: null,
    smsSubscribed: null,
    createdAt: null,
    updatedAt: null,
    attributes,
    ...over,
  };
}

describe('attribute inventory', () => {
  it('records observed types, null and missing rates, and up to five samples', () => {
    const inv = createInventory({ definitions: [{ name: 'never_set', type: 'number' }] });
    inv.add(contact(1, { team: 'Cork', dob: '1990-05-01', seen: '2024-05-01 10:15:00', sports: '["football","tennis"]', vip: true, points: 10, meta: { a: 1 } }));
    inv.add(contact(2, { team: 'Kerry', dob: null, sports: '[]', vip: false, points: 12.5 }));
    inv.add(contact(3, { team: '  ', points: 3 }));
    inv.add(contact(4, { team: 'Galway' }));
    const r = inv.result();
    expect(r.contacts).toBe(4);
    const team = statsOf(r, 'attributes.team')!;
    expect(team).toMatchObject({ present: 3, empty: 1, missing: 0, nullRate: 0.25, types: { string: 3 }, distinct: 3, samples: ['Cork', 'Kerry', 'Galway'] });
    expect(statsOf(r, 'attributes.dob')).toMatchObject({ present: 1, empty: 1, missing: 2, nullRate: 0.75, types: { date: 1 } });
    expect(statsOf(r, 'attributes.seen')!.types).toEqual({ datetime: 1 });
    expect(statsOf(r, 'attributes.sports')).toMatchObject({ present: 1, empty: 1, types: { array: 1 }, elements: { distinct: 2, values: [{ value: 'football', count: 1 }, { value: 'tennis', count: 1 }] } });
    expect(statsOf(r, 'attributes.vip')!.types).toEqual({ boolean: 2 });
    expect(statsOf(r, 'attributes.points')!.types).toEqual({ number: 3 });
    expect(statsOf(r, 'attributes.meta')!.types).toEqual({ object: 1 });
    expect(statsOf(r, 'attributes.never_set')).toMatchObject({ declaredType: 'number', present: 0, missing: 4, nullRate: 1 });
    // Canonical fields are there too, email samples masked.
    expect(statsOf(r, 'email')).toMatchObject({ origin: 'canonical', present: 4, nullRate: 0, distinct: 4 });
    expect(statsOf(r, 'email')!.samples.every((s) => s.includes('•••'))).toBe(true);
    expect(statsOf(r, 'email')!.values).toBeUndefined();
    expect(statsOf(r, 'timezone')).toMatchObject({ present: 0, empty: 4, nullRate: 1 });
    // Canonical keys first (model order), then attributes by name.
    expect(r.attributes[0]!.key).toBe('sourceKey');
    const attrKeys = r.attributes.filter((a) => a.origin === 'attribute').map((a) => a.key);
    expect(attrKeys).toEqual([...attrKeys].sort());
    // What it writes reads back through the schema.
    expect(AttributeInventory.parse(JSON.parse(JSON.stringify(r)))).toEqual(r);

    const five = createInventory();
    for (let i = 0; i < 9; i++) five.add(contact(i, { code: `C${i}` }));
    expect(statsOf(five.result(), 'attributes.code')!.samples).toEqual(['C0', 'C1', 'C2', 'C3', 'C4']);
  });

  it('reads strings: dates, date-times, JSON lists', () => {
    expect(observedType('2024-02-29')).toBe('date');
    expect(observedType('2024-02-29T10:00:00Z')).toBe('datetime');
    expect(observedType('2024-02-29 10:00:00 +01:00')).toBe('datetime');
    expect(observedType('["a"]')).toBe('array');
    expect(observedType('[not json]')).toBe('string');
    expect(observedType(3)).toBe('number');
  });

  it('counts distinct values exactly up to 200, then "200+", and lists every value with its count below that', () => {
    const make = (n: number) => {
      const inv = createInventory();
      for (let i = 0; i < n; i++) inv.add(contact(i, { v: `value-${i}`, tier: ['gold', 'silver', 'bronze'][i % 3]! }));
      // A second pass over the same values changes counts, not the distinct count.
      for (let i = 0; i < n; i++) inv.add(contact(n + i, { v: `value-${i}` }));
      return inv.result();
    };
    const at199 = statsOf(make(199), 'attributes.v')!;
    expect(at199.distinct).toBe(199);
    expect(at199.values).toHaveLength(199);
    expect(at199.values!.every((v) => v.count === 2)).toBe(true);
    expect(statsOf(make(200), 'attributes.v')!.distinct).toBe(200);
    const at201 = statsOf(make(201), 'attributes.v')!;
    expect(at201.distinct).toBe(`${DISTINCT_CAP}+`);
    expect(at201.values).toBeUndefined();
    const tier = statsOf(make(201), 'attributes.tier')!;
    expect(tier.distinct).toBe(3);
    expect(tier.values).toEqual([
      { value: 'bronze', count: 67 },
      { value: 'gold', count: 67 },
      { value: 'silver', count: 67 },
    ]);
  });

  it('keeps memory flat: 100,000 contacts with unique values hold at most 200 values per attribute', () => {
    const inv = createInventory();
    let peak = 0;
    for (let i = 0; i < 100_000; i++) {
      inv.add(contact(i, { unique: `u-${i}-${'x'.repeat(i % 50)}`, tier: i % 2 ? 'gold' : 'silver' }, { country: 'IE' }));
      // Past the cap every unique key has dropped its values: what is held stays flat, whatever the count.
      if (i % 1000 === 999) peak = Math.max(peak, inv.retainedValues());
    }
    expect(peak).toBeLessThanOrEqual(DISTINCT_CAP);
    // Only the low-cardinality keys keep their values (tier: 2, country: 1, language: 1); every unique key dropped its map.
    expect(inv.retainedValues()).toBeLessThanOrEqual(DISTINCT_CAP);
    expect(inv.retainedValues()).toBe(4);
    const r = inv.result();
    expect(statsOf(r, 'attributes.unique')).toMatchObject({ distinct: '200+', present: 100_000 });
    expect(statsOf(r, 'attributes.unique')!.samples).toHaveLength(5);
    expect(statsOf(r, 'sourceKey')!.distinct).toBe('200+');
  });

  it('flags values that reference other records, and nothing else', () => {
    const inv = createInventory();
    for (let i = 0; i < 50; i++) {
      inv.add(
        contact(i, {
          store_id: 1000 + (i % 7),
          location: `loc_${i % 9}`,
          partnerRef: `P-${i}`,
          favourite_team: ['Cork', 'Kerry'][i % 2]!,
          referral_code: `ABCD-${(i * 7919).toString(36).toUpperCase()}X`,
          order_count: i,
        }),
      );
    }
    const r = inv.result();
    expect(statsOf(r, 'attributes.store_id')!.reference).toMatchObject({ share: 1 });
    expect(statsOf(r, 'attributes.location')!.reference?.reason).toMatch(/look like record ids/);
    expect(statsOf(r, 'attributes.partnerRef')!.reference).toBeDefined();
    expect(statsOf(r, 'attributes.favourite_team')!.reference).toBeUndefined();
    expect(statsOf(r, 'attributes.referral_code')!.reference).toBeUndefined();
    // Numbers alone are not references: the name must say so.
    expect(statsOf(r, 'attributes.order_count')!.reference).toBeUndefined();
    expect(statsOf(r, 'sourceId')!.reference).toBeUndefined();
  });

  it('counts tag hits and distinct contacts per tag, most used first', () => {
    const inv = createInventory();
    inv.addTagHit('vip', 'c1');
    inv.addTagHit('vip', 'c1');
    inv.addTagHit('vip', 'c2');
    inv.addTagHit('newsletter', 'c3');
    const r = inv.result();
    expect(r.tags).toEqual([
      { tag: 'vip', hits: 3, contacts: 2 },
      { tag: 'newsletter', hits: 1, contacts: 1 },
    ]);
    expect(r.tagHits).toBe(4);
  });

  it('flags EU/EEA personal data by country, else by phone prefix; UK and Türkiye (KVKK) separately', () => {
    const inv = createInventory();
    inv.add(contact(1, {}, { country: 'IE' }));
    inv.add(contact(2, {}, { country: 'Germany' }));
    inv.add(contact(3, {}, { country: null, phone: '+48 512 345 678' }));
    inv.add(contact(4, {}, { country: 'US', phone: '+353871234567' }));
    inv.add(contact(5, {}, { country: 'GB' }));
    inv.add(contact(6, {}, { country: 'Norway' }));
    inv.add(contact(7, {}, { country: null, phone: '+1 212 555 0100' }));
    inv.add(contact(8, {}, { country: 'TR' }));
    inv.add(contact(9, {}, { country: null, phone: '+905312345678' }));
    const pd = inv.result().personalData;
    expect(pd).toEqual({ euContacts: 4, euByPhoneOnly: 1, euByCountry: { DE: 1, IE: 1, NO: 1, PL: 1 }, ukContacts: 1, trContacts: 2 });
  });
});

describe('proposeContactMap with an inventory', () => {
  const attributes = [
    { name: 'shop', type: 'string' as const },
    { name: 'code', type: 'string' as const },
    { name: 'interests', type: 'array' as const },
  ];
  // 150 shops across 3,000 contacts; the sample holds only the first 30 contacts (30 different shops).
  const all = Array.from({ length: 3000 }, (_, i) =>
    contact(i, { shop: `Shop ${String(i % 150).padStart(3, '0')}`, code: `C-${i}`, interests: JSON.stringify([`i${i % 40}`, `i${(i + 1) % 40}`]), undeclared_flag: i % 2 === 0 }),
  );
  const samples = all.slice(0, 30);
  const inv = createInventory({ definitions: attributes });
  for (const c of all) inv.add(c);
  const inventory = inv.result();
  const target = (spec: ReturnType<typeof proposeContactMap>['spec'], from: string) => spec.objects.contact.fields.find((f) => f.from === from)?.to;

  it('bases choices on every contact: fewer than 200 distinct → dropdown with every value', () => {
    const { spec, evidence } = proposeContactMap({ source: 'xtremepush', attributes, samples, inventory });
    const shop = target(spec, 'attributes.shop');
    expect(shop && isCustomTarget(shop) && shop.type).toBe('dropdown');
    expect(shop && isCustomTarget(shop) ? shop.choices : []).toHaveLength(150);
    expect(evidence.find((e) => e.from === 'attributes.shop')).toMatchObject({ distinctValues: 150, nullRate: 0 });
    const interests = target(spec, 'attributes.interests');
    expect(interests && isCustomTarget(interests) ? [interests.type, interests.choices?.length] : []).toEqual(['multi_select_dropdown', 40]);
  });

  it('makes 200 or more distinct values text, and proposes observed attributes the source does not define', () => {
    const { spec, evidence } = proposeContactMap({ source: 'xtremepush', attributes, samples, inventory });
    const code = target(spec, 'attributes.code');
    expect(code && isCustomTarget(code) && code.type).toBe('text');
    expect(evidence.find((e) => e.from === 'attributes.code')?.distinctValues).toBe('200+');
    const flag = target(spec, 'attributes.undeclared_flag');
    expect(flag && isCustomTarget(flag) && flag.type).toBe('checkbox');
    expect(evidence.find((e) => e.from === 'attributes.undeclared_flag')?.notes.join('; ')).toMatch(/not in the Xtremepush attribute definitions/);
  });

  it('without an inventory keeps the sample-based behaviour (30 shops seen once each are not a dropdown)', () => {
    const { spec } = proposeContactMap({ source: 'xtremepush', attributes, samples });
    const shop = target(spec, 'attributes.shop');
    expect(shop && isCustomTarget(shop) && shop.type).toBe('text');
    expect(target(spec, 'attributes.undeclared_flag')).toBeUndefined();
  });
});
