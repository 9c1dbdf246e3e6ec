import { describe, expect, it } from 'vitest';
import type { CanonicalContact } from '../../src/core/model.js';
import { createInventory } from '../../src/mapping/inventory.js';
import { CUSTOM_FIELD_LIMITS, applyPacking, applyPackingToYaml, planSchema, type Tier } from '../../src/mapping/schema-plan.js';
import { MappingSpec, mappingHash, parseMappingSpec, type CustomFieldType } from '../../src/mapping/spec.js';

type F = { from: string; label: string; type: CustomFieldType; choices?: string[] };

function spec(custom: F[], extra: Record<string, unknown> = {}): MappingSpec {
  return MappingSpec.parse({
    version: 1,
    source: 'xtremepush',
    objects: {
      contact: {
        fields: [
          { from: 'email', to: 'emails' },
          { from: 'externalId', to: { custom: 'Xtremepush ID', type: 'text' } },
          ...custom.map((f) => ({ from: f.from, to: { custom: f.label, type: f.type, ...(f.choices ? { choices: f.choices } : {}) } })),
        ],
        ...((extra.contact as object) ?? {}),
      },
      ...((extra.objects as object) ?? {}),
    },
  });
}

const dropdowns = (n: number): F[] => Array.from({ length: n }, (_, i) => ({ from: `attributes.d${i + 1}`, label: `Dropdown ${i + 1}`, type: 'dropdown' as const, choices: ['a', 'b'] }));
const of = (n: number, type: CustomFieldType, prefix: string = type): F[] => Array.from({ length: n }, (_, i) => ({ from: `attributes.${prefix}${i + 1}`, label: `${prefix} ${i + 1}`, type }));

describe('schema plan against each plan tier', () => {
  const small = spec([
    { from: 'attributes.favourite_team', label: 'Favourite team', type: 'dropdown', choices: ['Cork', 'Kerry'] },
    { from: 'attributes.loyalty_points', label: 'Points balance', type: 'number' },
    { from: 'attributes.vip', label: 'VIP', type: 'checkbox' },
  ]);

  it('lists every custom field with entity, type, choices and source', () => {
    const p = planSchema(small, 'growth');
    expect(p.fields).toEqual([
      { entity: 'contacts', label: 'Xtremepush ID', type: 'text', from: 'externalId', role: 'field' },
      { entity: 'contacts', label: 'Favourite team', type: 'dropdown', choices: ['Cork', 'Kerry'], from: 'attributes.favourite_team', role: 'field' },
      { entity: 'contacts', label: 'Points balance', type: 'number', from: 'attributes.loyalty_points', role: 'field' },
      { entity: 'contacts', label: 'VIP', type: 'checkbox', from: 'attributes.vip', role: 'field' },
    ]);
  });

  it('fits Growth but not Free (Free has no custom fields, and packing cannot help)', () => {
    const growth = planSchema(small, 'growth');
    expect(growth.fits).toBe(true);
    expect(growth.over).toEqual([]);
    expect(growth.usage.dropdown).toEqual({ used: 1, limit: 30 });
    expect(growth.total).toEqual({ used: 4, limit: 150 });
    expect(growth.packing).toBeUndefined();

    const free = planSchema(small, 'free');
    expect(free.fits).toBe(false);
    expect(free.over.map((o) => [o.type, o.over, o.fields])).toEqual([
      ['text', 1, ['Xtremepush ID']],
      ['dropdown', 1, ['Favourite team']],
      ['number', 1, ['Points balance']],
      ['checkbox', 1, ['VIP']],
    ]);
    expect(free.packing).toBeUndefined();
    expect(free.notes.join(' ')).toMatch(/packing cannot help/);
  });

  it('over Growth\'s dropdown limit: names the fields over and offers packing that makes the map fit', () => {
    const s = spec(dropdowns(33));
    const p = planSchema(s, 'growth');
    expect(p.fits).toBe(false);
    expect(p.usage.dropdown).toEqual({ used: 33, limit: 30 });
    // Without an inventory the latest fields in the map are taken as the least important.
    expect(p.over).toEqual([{ entity: 'contacts', type: 'dropdown', used: 33, limit: 30, over: 3, fields: ['Dropdown 33', 'Dropdown 32', 'Dropdown 31'] }]);
    expect(p.packing).toMatchObject({
      label: 'Other Xtremepush attributes',
      from: ['attributes.d31', 'attributes.d32', 'attributes.d33'],
      savedByType: { dropdown: 3, textarea: -1 },
      fits: true,
    });
    expect(p.packing!.fields.map((f) => f.label)).toEqual(['Dropdown 31', 'Dropdown 32', 'Dropdown 33']);

    const packed = applyPacking(s, p.packing!);
    const after = planSchema(packed, 'growth');
    expect(after.fits).toBe(true);
    expect(after.over).toEqual([]);
    expect(after.usage.dropdown).toEqual({ used: 30, limit: 30 });
    expect(after.usage.textarea).toEqual({ used: 1, limit: 5 });
    expect(after.fields.find((f) => f.role === 'packed')).toMatchObject({ label: 'Other Xtremepush attributes', type: 'textarea', from: 'attributes.d31, attributes.d32, attributes.d33' });
    // The packed map is still a valid map.
    expect(() => MappingSpec.parse(JSON.parse(JSON.stringify(packed)))).not.toThrow();
  });

  it('packs the least-filled attributes when an inventory is given', () => {
    const s = spec(dropdowns(32));
    const inv = createInventory();
    for (let i = 0; i < 100; i++) {
      const attributes: CanonicalContact['attributes'] = {};
      // d5 is set on 1 contact, d17 on 2; everything else on every contact.
      for (let d = 1; d <= 32; d++) if ((d !== 5 || i < 1) && (d !== 17 || i < 2)) attributes[`d${d}`] = 'a';
      inv.add({ sourceKey: `k${i}`, sourceId: `${i}`, externalId: null, email: null, phone: null, firstName: null, lastName: null, country: null, language: null, timezone: null, emailSubscribed: null, smsSubscribed: null, createdAt: null, updatedAt: null, attributes });
    }
    const p = planSchema(s, 'growth', inv.result());
    expect(p.over[0]!.fields).toEqual(['Dropdown 5', 'Dropdown 17']);
    expect(p.packing!.from).toEqual(['attributes.d5', 'attributes.d17']);
  });

  it('when textareas are full too, packing also moves a textarea so the new one fits', () => {
    const s = spec([...dropdowns(31), ...of(5, 'textarea', 'notes')]);
    const p = planSchema(s, 'growth');
    expect(p.over.map((o) => o.type)).toEqual(['dropdown']);
    expect(p.packing).toMatchObject({ fits: true, savedByType: { dropdown: 1, textarea: 0 } });
    expect(p.packing!.fields.map((f) => f.label)).toEqual(['Dropdown 31', 'notes 5']);
    expect(planSchema(applyPacking(s, p.packing!), 'growth').fits).toBe(true);
  });

  it('extends an existing packed section instead of adding a second textarea', () => {
    const s = spec(dropdowns(31), { contact: { packed: { label: 'Extra data', from: ['attributes.old'] } } });
    const p = planSchema(s, 'growth');
    expect(p.usage.textarea).toEqual({ used: 1, limit: 5 });
    expect(p.packing).toMatchObject({ label: 'Extra data', from: ['attributes.old', 'attributes.d31'], savedByType: { dropdown: 1 }, fits: true });
    const after = planSchema(applyPacking(s, p.packing!), 'growth');
    expect(after.fits).toBe(true);
    expect(after.usage.textarea).toEqual({ used: 1, limit: 5 });
  });

  it('Pro: 45 dropdowns are 5 over its 40; Enterprise takes them; 71 numbers are over even Enterprise', () => {
    const s = spec(dropdowns(45));
    const pro = planSchema(s, 'pro');
    expect(pro.over).toEqual([{ entity: 'contacts', type: 'dropdown', used: 45, limit: 40, over: 5, fields: ['Dropdown 45', 'Dropdown 44', 'Dropdown 43', 'Dropdown 42', 'Dropdown 41'] }]);
    expect(pro.packing?.fits).toBe(true);
    expect(planSchema(applyPacking(s, pro.packing!), 'pro').fits).toBe(true);
    const ent = planSchema(s, 'enterprise');
    expect(ent.fits).toBe(true);
    expect(ent.usage.dropdown).toEqual({ used: 45, limit: 250 });
    expect(ent.total).toEqual({ used: 46, limit: 630 });

    const numbers = spec(of(71, 'number'));
    const big = planSchema(numbers, 'enterprise');
    expect(big.over).toEqual([expect.objectContaining({ type: 'number', over: 1, fields: ['number 71'] })]);
    expect(big.packing).toMatchObject({ fits: true, savedByType: { number: 1, textarea: -1 } });
  });

  it('each tier has the documented limits', () => {
    const sums: Record<Tier, number[]> = { free: [0, 0, 0, 0, 0, 0, 0, 0], growth: [150, 20, 30, 5, 5, 30, 30, 30], pro: [250, 30, 40, 10, 10, 50, 50, 50], enterprise: [630, 70, 250, 20, 30, 70, 70, 70] };
    for (const [tier, want] of Object.entries(sums)) {
      const l = CUSTOM_FIELD_LIMITS[tier as Tier];
      expect([l.total, l.text, l.dropdown, l.textarea, l.multi_select_dropdown, l.number, l.checkbox, l.date]).toEqual(want);
    }
  });

  it('counts radio with dropdown', () => {
    const p = planSchema(spec([...dropdowns(30), { from: 'attributes.r', label: 'Radio', type: 'radio', choices: ['x'] }]), 'growth');
    expect(p.over).toEqual([expect.objectContaining({ type: 'dropdown', used: 31, over: 1 })]);
  });

  it('a dropdown over 300 choices is a problem of its own: it says so and suggests text', () => {
    const s = spec([{ from: 'attributes.city', label: 'City name', type: 'dropdown', choices: ['a'] }]);
    const field = s.objects.contact.fields[2]!;
    // The schema refuses >300 choices when parsing a file; a map built in code can still carry them.
    (field.to as { choices: string[] }).choices = Array.from({ length: 301 }, (_, i) => `c${i}`);
    const p = planSchema(s, 'enterprise');
    expect(p.problems).toEqual([{ label: 'City name', severity: 'error', problem: 'has 301 choices; Freshsales allows at most 300 per dropdown: make it a text field' }]);
    expect(p.fits).toBe(false);
    expect(p.over).toEqual([]);
  });

  it('with an inventory: a dropdown whose source has 200+ values, or values outside its choices, is reported', () => {
    const s = spec([
      { from: 'attributes.shop', label: 'Shop', type: 'dropdown', choices: ['s1'] },
      { from: 'attributes.tier', label: 'Tier', type: 'dropdown', choices: ['gold', 'Silver'] },
    ]);
    const inv = createInventory();
    for (let i = 0; i < 250; i++) {
      inv.add({ sourceKey: `k${i}`, sourceId: `${i}`, externalId: null, email: null, phone: null, firstName: null, lastName: null, country: null, language: null, timezone: null, emailSubscribed: null, smsSubscribed: null, createdAt: null, updatedAt: null, attributes: { shop: `s${i}`, tier: ['gold', 'silver', 'platinum'][i % 3]! } });
    }
    const p = planSchema(s, 'growth', inv.result());
    expect(p.problems.map((x) => [x.label, x.problem])).toEqual([
      ['Shop', 'the source has 200+ distinct values: too many for a dropdown (a choice list is for fewer than 200): make it a text field'],
      ['Tier', '1 observed value(s) are not choices ("platinum"): 83 contact(s) would load without that value (on_invalid: drop_field) — add them to choices'],
    ]);
    // A field that holds such contacts back says so.
    const strict = structuredClone(s);
    strict.objects.contact.fields[3]!.on_invalid = 'quarantine';
    expect(planSchema(strict, 'growth', inv.result()).problems[1]?.problem).toBe('1 observed value(s) are not choices ("platinum"): 83 contact(s) would be quarantined — add them to choices');
  });

  it('plans the packed textarea and the event-summary fields (count → number, first/last seen → date)', () => {
    const s = spec([], {
      contact: { packed: { label: 'Other Xtremepush attributes', from: ['attributes.a', 'attributes.b'] } },
      objects: { task: { events: { policy: 'summary', summary: [{ event: 'purchase', count: 'Purchases', first_seen: 'First purchase', last_seen: 'Last purchase' }] } } },
    });
    const p = planSchema(s, 'growth');
    expect(p.fields.slice(1).map((f) => [f.label, f.type, f.role])).toEqual([
      ['Other Xtremepush attributes', 'textarea', 'packed'],
      ['Purchases', 'number', 'event_summary'],
      ['First purchase', 'date', 'event_summary'],
      ['Last purchase', 'date', 'event_summary'],
    ]);
    expect(p.usage.date.used).toBe(2);
    // Listed under another policy: still planned, with a note.
    const s2 = spec([], { objects: { task: { events: { policy: 'high_value', summary: [{ event: 'login', count: 'Logins' }] } } } });
    expect(planSchema(s2, 'growth').fields[1]).toMatchObject({ label: 'Logins', type: 'number', note: expect.stringMatching(/policy "summary"/) });
  });

  it('rewrites the mapping YAML with the packing, keeping comments; the result validates and needs a new confirmation', () => {
    const yaml = [
      '# my map',
      'version: 1',
      'source: xtremepush',
      'objects:',
      '  contact:',
      '    fields:',
      '      - from: email',
      '        to: emails',
      ...dropdowns(31).flatMap((d, i) => [`      # evidence for field ${i + 1}`, `      - from: ${d.from}`, `        to: { custom: "${d.label}", type: dropdown, choices: [a, b] }`]),
      '',
    ].join('\n');
    const s = parseMappingSpec(yaml, 'mapping.yaml');
    const p = planSchema(s, 'growth');
    const out = applyPackingToYaml(yaml, p.packing!);
    expect(out).toContain('# my map');
    expect(out).toContain('# evidence for field 30');
    expect(out).not.toContain('Dropdown 31');
    const re = parseMappingSpec(out, 'mapping.yaml');
    expect(re.objects.contact.packed).toEqual({ label: 'Other Xtremepush attributes', from: ['attributes.d31'] });
    expect(re.objects.contact.fields).toHaveLength(31);
    expect(planSchema(re, 'growth').fits).toBe(true);
    expect(mappingHash(re)).not.toBe(mappingHash(s));
  });
});
