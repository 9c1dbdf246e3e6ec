/**
 * Reference resolution, the pure parts: the generated locations and the profile attribute
 * pointing at them, the `resolve` field of a map (validation, hash), the transform that
 * writes labels in place of ids, the proposer that suggests it, the quality analyser that
 * judges it, and the in-memory fake source's reference tables.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CAMPAIGN_STATUS_CODE, CAMPAIGN_TYPE_CODE, MESSAGE_STATUS_CODE, createXtremepushGenerator, datasetSummary, generateXtremepushDataset } from '../../simulators/generator/index.js';
import { ConfigError } from '../../src/core/errors.js';
import type { CanonicalContact } from '../../src/core/model.js';
import { YamlConfigError } from '../../src/core/yaml.js';
import { toCanonicalContact, toLocationLabel } from '../../src/connectors/xtremepush/index.js';
import { XpProfileRow } from '../../src/connectors/xtremepush/types.js';
import { createInventory, detectReference, referencePrefix } from '../../src/mapping/inventory.js';
import { proposeContactMap, renderMappingYaml } from '../../src/mapping/propose.js';
import { createQualityAnalyser } from '../../src/mapping/quality.js';
import { mappingHash, parseMappingSpec, referenceModels, type ContactMap } from '../../src/mapping/spec.js';
import { resolveReference, toContactPayload, type TransformContext } from '../../src/mapping/transform.js';
import { contact, createFakeSource } from '../helpers/fake-source.js';

const NOW = Date.UTC(2025, 0, 1);
const LOCATIONS = new Map([
  ['loc_1', 'Croke Park (Dublin)'],
  ['loc_2', 'Allianz Arena (München)'],
  ['7', 'Anfield (Liverpool)'],
]);

/** A map text with the emails field and one more field line (`extra`), as a person would write it. */
const mapText = (extra: string) =>
  `version: 1\nsource: xtremepush\nobjects:\n  contact:\n    fields:\n      - from: email\n        to: emails\n${extra}`;

const venueMap = (extra = ''): ContactMap =>
  parseMappingSpec(
    mapText(`      - from: attributes.favourite_venue_id\n        to: { custom: "Favourite venue", type: text }\n        resolve: location\n${extra}`),
    'm.yaml',
  ).objects.contact;

const ctx = (references?: Map<string, Map<string, string>>): TransformContext => ({
  customFieldNames: new Map([['Favourite venue', 'cf_favourite_venue']]),
  now: NOW,
  ...(references ? { references } : {}),
});

const withVenue = (v: CanonicalContact['attributes'][string]) => contact('1', { attributes: { favourite_venue_id: v } });

function yamlError(text: string): YamlConfigError {
  try {
    parseMappingSpec(text, 'm.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(YamlConfigError);
    return e as YamlConfigError;
  }
  throw new Error('expected the map to be rejected');
}

describe('generator: locations and favourite_venue_id', () => {
  const ds = generateXtremepushDataset({ profiles: 3000, seed: 11 });
  const ids = new Set(ds.locations.map((l) => l.id));

  it('has 24–29 locations with loc_<n> ids, a name and a city, deterministic per seed', () => {
    expect(ds.locations.length).toBeGreaterThanOrEqual(24);
    expect(ds.locations.length).toBeLessThanOrEqual(29);
    expect(ids.size).toBe(ds.locations.length);
    for (const l of ds.locations) {
      expect(l.id).toMatch(/^loc_\d+$/);
      expect(Object.keys(l).sort()).toEqual(['city', 'id', 'name']);
      expect(l.name.length).toBeGreaterThan(0);
      expect(l.city.length).toBeGreaterThan(0);
    }
    expect(generateXtremepushDataset({ profiles: 10, seed: 11 }).locations).toEqual(ds.locations);
    expect(JSON.stringify(generateXtremepushDataset({ profiles: 10, seed: 12 }).locations)).not.toBe(JSON.stringify(ds.locations));
    expect(datasetSummary(ds).locations).toBe(ds.locations.length);
  });

  it('gives each dataset its own copy of the locations (a simulator may change its dataset)', () => {
    const other = generateXtremepushDataset({ profiles: 10, seed: 11 });
    other.locations[0]!.name = 'Changed';
    expect(ds.locations[0]!.name).not.toBe('Changed');
    expect(createXtremepushGenerator({ profiles: 10, seed: 11 }).locations()[0]!.name).not.toBe('Changed');
  });

  it('declares favourite_venue_id as a String attribute, last, so earlier ids stay', () => {
    const def = ds.attributes.find((a) => a.name === 'favourite_venue_id')!;
    expect(def).toMatchObject({ type: 'String', max_length: 101 });
    expect(def.id).toBe(ds.attributes.length);
  });

  it('fills favourite_venue_id on ~60% of profiles, leaves it null or absent otherwise, a few ids pointing at deleted locations', () => {
    const values = ds.profiles.map((p) => p.favourite_venue_id);
    const set = values.filter((v): v is string => typeof v === 'string');
    expect(set.length / ds.profiles.length).toBeGreaterThan(0.55);
    expect(set.length / ds.profiles.length).toBeLessThan(0.65);
    expect(values.some((v) => v === null)).toBe(true);
    expect(ds.profiles.some((p) => !('favourite_venue_id' in p))).toBe(true);
    const dangling = set.filter((v) => !ids.has(v));
    expect(dangling.length).toBeGreaterThan(0);
    expect(dangling.length / set.length).toBeLessThan(0.06);
    for (const v of dangling) expect(v).toMatch(/^loc_\d+$/);
    // Venues cluster in the profile's market: an Irish profile mostly picks an Irish venue.
    const irish = ds.profiles.filter((p) => p.country === 'IE' && typeof p.favourite_venue_id === 'string' && ids.has(p.favourite_venue_id));
    const dublinish = irish.filter((p) => ['Dublin', 'Limerick', 'Cork'].includes(ds.locations.find((l) => l.id === p.favourite_venue_id)!.city));
    expect(dublinish.length / irish.length).toBeGreaterThan(0.6);
  });

  it('leaves every other output byte-identical to the generator before locations existed', () => {
    const nameOf = (codes: Record<string, number>, v: unknown) => Object.keys(codes).find((k) => codes[k] === v) ?? v;
    // sha256 of the dataset minus favourite_venue_id and its definition, computed with the
    // generator as it was before this attribute (same recipe below): nothing else shifted.
    const before: Record<string, string> = {
      '300/11': '6a515d41adada319c446ba2f26f31aef9c01e5f72a3b148299ec7941e1ef0e05',
      '1200/7': '6a7eb30d87da9eecb5f3fcf42ecfcd9c68805748c9acea06eec8cba4b9b09cf1',
    };
    for (const [profiles, seed] of [[300, 11], [1200, 7]] as const) {
      const d = generateXtremepushDataset({ profiles, seed });
      const strip = d.profiles.map((p) => {
        const { favourite_venue_id: _v, ...rest } = p;
        return rest;
      });
      const digest = createHash('sha256')
        .update(JSON.stringify({
          profiles: strip,
          attributes: d.attributes.filter((a) => a.name !== 'favourite_venue_id'),
          // Campaign type/status and message status became number codes later (recorded shapes):
          // named again here so the digest still compares everything else with the old generator.
          truth: d.truth, campaigns: d.campaigns.map((c) => ({ ...c, type: nameOf(CAMPAIGN_TYPE_CODE, c.type), status: nameOf(CAMPAIGN_STATUS_CODE, c.status) })),
          segments: d.segments, promotions: d.promotions, devices: d.devices,
          segmentMembers: d.segmentMembers, messages: d.messages.map((m) => ({ ...m, status: nameOf(MESSAGE_STATUS_CODE, m.status) })), pushActions: d.pushActions, events: d.events,
          consents: d.consents, subscriptions: d.subscriptions, tagHits: d.tagHits,
        }))
        .digest('hex');
      expect(digest, `${profiles}/${seed}`).toBe(before[`${profiles}/${seed}`]);
    }
  });

  it('reaches the canonical contact as a plain attribute', () => {
    const p = ds.profiles.find((x) => typeof x.favourite_venue_id === 'string')!;
    expect(toCanonicalContact(XpProfileRow.parse(p)).attributes.favourite_venue_id).toBe(p.favourite_venue_id);
  });
});

describe('connector mapper: location labels', () => {
  it('reads "Name (City)", the name alone, or the id when there is no name', () => {
    expect(toLocationLabel({ id: 'loc_1', name: 'Croke Park', city: 'Dublin' })).toBe('Croke Park (Dublin)');
    expect(toLocationLabel({ id: 'loc_2', name: ' Anfield ', city: null })).toBe('Anfield');
    expect(toLocationLabel({ id: 'loc_3', name: '', city: 'Cork' })).toBe('loc_3 (Cork)');
    expect(toLocationLabel({ id: 'loc_4' })).toBe('loc_4');
  });
});

describe('map: resolve', () => {
  it('parses resolve onto the field and lists the models a map needs once', () => {
    const map = venueMap('      - from: attributes.home_venue\n        to: { custom: "Home venue", type: text }\n        resolve: location\n');
    expect(map.fields[1]).toEqual({ from: 'attributes.favourite_venue_id', to: { custom: 'Favourite venue', type: 'text' }, transform: 'text', resolve: 'location', on_invalid: 'drop_field' });
    expect(referenceModels(map)).toEqual(['location']);
    expect(referenceModels(parseMappingSpec(mapText(''), 'm.yaml').objects.contact)).toEqual([]);
  });

  it('changes the map hash when resolve is added, removed or renamed', () => {
    const plain = mapText('      - from: attributes.favourite_venue_id\n        to: { custom: "Favourite venue", type: text }\n');
    const resolved = `${plain}        resolve: location\n`;
    const other = `${plain}        resolve: venue\n`;
    const hashes = new Set([mappingHash(plain), mappingHash(resolved), mappingHash(other)]);
    expect(hashes.size).toBe(3);
    // Cosmetic edits still do not.
    expect(mappingHash(resolved.replace('resolve: location', 'resolve: "location"  # the venue'))).toBe(mappingHash(resolved));
  });

  const cases: Array<[what: string, field: string, line: number, message: RegExp]> = [
    [
      'a flag source',
      '      - from: emailSubscribed\n        to: { custom: "Subscribed", type: text }\n        resolve: location\n',
      10,
      /resolve needs a source that holds record ids as text .* emailSubscribed is a yes\/no flag/,
    ],
    [
      'a transform that does not keep text',
      '      - from: attributes.favourite_venue_id\n        to: { custom: "Venue", type: text }\n        transform: integer\n        resolve: location\n',
      11,
      /resolve writes a readable label \(text\), which transform "integer" cannot take: use transform "text" or "none"/,
    ],
    [
      'a number target',
      '      - from: attributes.favourite_venue_id\n        to: { custom: "Venue", type: number }\n        resolve: location\n',
      10,
      /resolve writes a readable label \(text\), which a number field cannot hold \(its transform is "number"\): write it to a text field/,
    ],
    [
      'a model name that is not one',
      '      - from: attributes.favourite_venue_id\n        to: { custom: "Venue", type: text }\n        resolve: Location Table\n',
      10,
      /resolve must name a source model in lower case, e.g. resolve: location/,
    ],
  ];

  it.each(cases)('rejects resolve on %s, naming the file, line and path', (_what, field, line, message) => {
    const e = yamlError(mapText(field));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.code).toBe('config');
    expect(e.file).toBe('m.yaml');
    expect(e.line).toBe(line);
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]?.path).toBe('objects.contact.fields[1].resolve');
    expect(e.message).toMatch(new RegExp(`^m\\.yaml line ${line}, column \\d+: objects\\.contact\\.fields\\[1\\]\\.resolve: `));
    expect(e.message).toMatch(message);
  });
});

describe('transform: resolved references', () => {
  const refs = new Map([['location', LOCATIONS]]);

  it('writes the label in place of the id, with no issue', () => {
    const out = toContactPayload(withVenue('loc_1'), venueMap(), ctx(refs));
    expect(out.issues).toEqual([]);
    expect(out.payload.custom_field.cf_favourite_venue).toBe('Croke Park (Dublin)');
  });

  it('matches ids as trimmed text: a number 7 and " loc_2 " resolve too', () => {
    expect(toContactPayload(withVenue(7), venueMap(), ctx(refs)).payload.custom_field.cf_favourite_venue).toBe('Anfield (Liverpool)');
    expect(toContactPayload(withVenue(' loc_2 '), venueMap(), ctx(refs)).payload.custom_field.cf_favourite_venue).toBe('Allianz Arena (München)');
  });

  it('keeps an id with no record as the id, with a non-fatal issue naming it (the contact still loads)', () => {
    const strict = parseMappingSpec(
      mapText('      - from: attributes.favourite_venue_id\n        to: { custom: "Favourite venue", type: text }\n        resolve: location\n        on_invalid: quarantine\n'),
      'm.yaml',
    ).objects.contact;
    const out = toContactPayload(withVenue('loc_999'), strict, ctx(refs));
    expect(out.payload.custom_field.cf_favourite_venue).toBe('loc_999');
    expect(out.issues).toEqual([
      {
        field: 'Favourite venue',
        from: 'attributes.favourite_venue_id',
        reason: 'custom field "Favourite venue": loc_999 references no location; written as the id',
        fatal: false,
        unresolved: { model: 'location', id: 'loc_999' },
      },
    ]);
    // The field's on_invalid is quarantine, yet nothing is quarantined: the id is still written.
    expect(out.issues.some((i) => i.fatal)).toBe(false);
  });

  it('leaves absent values alone: no issue, no field (and null with clearAbsent)', () => {
    for (const v of [null, '', '  ']) {
      const out = toContactPayload(withVenue(v), venueMap(), ctx(refs));
      expect(out.issues).toEqual([]);
      expect(out.payload.custom_field).not.toHaveProperty('cf_favourite_venue');
    }
    expect(toContactPayload(withVenue(null), venueMap(), { ...ctx(refs), clearAbsent: true }).payload.custom_field.cf_favourite_venue).toBeNull();
  });

  it('resolves before values: the value map sees the label', () => {
    const map = parseMappingSpec(
      mapText('      - from: attributes.favourite_venue_id\n        to: city\n        resolve: location\n        values: { "Croke Park (Dublin)": Dublin, "Anfield (Liverpool)": Liverpool }\n'),
      'm.yaml',
    ).objects.contact;
    const out = toContactPayload(withVenue('loc_1'), map, ctx(refs));
    expect(out.payload.city).toBe('Dublin');
    expect(out.issues).toEqual([]);
  });

  it('without the model\'s table, or for a value that is no id, writes the value as it is with a non-fatal issue that is not counted as unresolved', () => {
    const out = toContactPayload(withVenue('loc_1'), venueMap(), ctx());
    expect(out.payload.custom_field.cf_favourite_venue).toBe('loc_1');
    expect(out.issues).toEqual([expect.objectContaining({ fatal: false, reason: 'custom field "Favourite venue": no location records were read to resolve loc_1; written as the id' })]);
    expect(out.issues[0]).not.toHaveProperty('unresolved');
    expect(resolveReference(true, 'location', refs)).toEqual({ value: true, issue: 'true is not a location id; written as it is' });
  });

  it('is pure: the same input gives the same output', () => {
    const a = toContactPayload(withVenue('loc_999'), venueMap(), ctx(refs));
    const b = toContactPayload(withVenue('loc_999'), venueMap(), ctx(refs));
    expect(b).toEqual(a);
  });
});

describe('proposer: resolve for reference attributes', () => {
  const attributes = [
    { name: 'favourite_venue_id', type: 'string' as const },
    { name: 'store_id', type: 'string' as const },
    { name: 'favourite_team', type: 'string' as const },
  ];
  const samples = Array.from({ length: 60 }, (_, i) =>
    contact(String(i + 1), {
      attributes: {
        ...(i % 5 === 0 ? {} : { favourite_venue_id: `loc_${(i % 9) + 1}` }),
        store_id: `store-${(i % 7) + 1}`,
        favourite_team: ['Galatasaray', 'Celtic', 'Shelbourne'][i % 3]!,
      },
    }),
  );

  it('reuses the inventory\'s reference test on samples, and reads the id prefix', () => {
    expect(detectReference('favourite_venue_id', samples.map((c) => c.attributes.favourite_venue_id))).toMatchObject({ share: 1 });
    expect(detectReference('favourite_team', samples.map((c) => c.attributes.favourite_team))).toBeUndefined();
    expect([referencePrefix('loc_12'), referencePrefix('LOC:9'), referencePrefix('store-42'), referencePrefix('Croke Park'), referencePrefix(12)]).toEqual(['loc', 'loc', 'store', null, null]);
  });

  it('proposes resolve: location into a text field when the ids name a model the source offers (from samples)', () => {
    const { spec, evidence } = proposeContactMap({ source: 'xtremepush', attributes, samples, referenceModels: ['location'] });
    const venue = spec.objects.contact.fields.find((f) => f.from === 'attributes.favourite_venue_id')!;
    expect(venue).toEqual({ from: 'attributes.favourite_venue_id', to: { custom: 'Favourite venue', type: 'text' }, transform: 'text', resolve: 'location', on_invalid: 'drop_field' });
    const e = evidence.find((x) => x.from === 'attributes.favourite_venue_id')!;
    expect(e.typeFit).toMatch(/ids of location records/);
    expect(e.notes.join('; ')).toMatch(/resolve: location \(ids look like loc_<n>\)/);
    expect(e.notes.join('; ')).toMatch(/an id with no location \(deleted\) is written as it is/);
    // A reference to a model Xtremepush does not offer is flagged, not resolved.
    const store = spec.objects.contact.fields.find((f) => f.from === 'attributes.store_id')!;
    expect(store.resolve).toBeUndefined();
    expect(evidence.find((x) => x.from === 'attributes.store_id')!.notes.join('; ')).toMatch(/look like references to other records.*\(the source resolves: location\)/);
    expect(spec.objects.contact.fields.find((f) => f.from === 'attributes.favourite_team')!.resolve).toBeUndefined();
  });

  it('proposes from the inventory as well, and for the models a caller says the source offers', () => {
    const inv = createInventory({ definitions: attributes });
    for (const c of samples) inv.add(c);
    const inventory = inv.result();
    expect(inventory.attributes.find((a) => a.key === 'attributes.favourite_venue_id')!.reference).toBeDefined();
    const fromInventory = proposeContactMap({ source: 'xtremepush', attributes, samples: samples.slice(0, 5), inventory, referenceModels: ['location'] });
    expect(fromInventory.spec.objects.contact.fields.find((f) => f.from === 'attributes.favourite_venue_id')).toMatchObject({ resolve: 'location', to: { type: 'text' } });
    const stores = proposeContactMap({ source: 'xtremepush', attributes, samples, referenceModels: ['store'] });
    expect(stores.spec.objects.contact.fields.find((f) => f.from === 'attributes.store_id')).toMatchObject({ resolve: 'store', to: { custom: 'Store', type: 'text' } });
    expect(stores.spec.objects.contact.fields.find((f) => f.from === 'attributes.favourite_venue_id')!.resolve).toBeUndefined();
    // No model offered: nothing is resolved.
    const none = proposeContactMap({ source: 'xtremepush', attributes, samples, referenceModels: [] });
    expect(none.spec.objects.contact.fields.every((f) => f.resolve === undefined)).toBe(true);
  });

  it('matches a model by the attribute name when the ids carry no prefix', () => {
    const numeric = Array.from({ length: 30 }, (_, i) => contact(String(i + 1), { attributes: { location_id: String(100 + (i % 6)) } }));
    const { spec } = proposeContactMap({ source: 'xtremepush', attributes: [{ name: 'location_id', type: 'string' }], samples: numeric, referenceModels: ['location'] });
    expect(spec.objects.contact.fields.find((f) => f.from === 'attributes.location_id')).toMatchObject({ resolve: 'location', to: { custom: 'Location', type: 'text' } });
  });

  it('writes resolve into the YAML, which reads back to the same map', () => {
    const { spec, evidence } = proposeContactMap({ source: 'xtremepush', attributes, samples, referenceModels: ['location'] });
    const text = renderMappingYaml(spec, evidence);
    expect(text).toMatch(/from: attributes\.favourite_venue_id\n\s+to: \{ custom: Favourite venue, type: text \}\n\s+transform: text\n\s+resolve: location\n/);
    expect(text).toMatch(/# resolve: {3}the source model whose record ids the value holds/);
    expect(mappingHash(parseMappingSpec(text, 'mapping.yaml'))).toBe(mappingHash(spec));
  });
});

describe('quality: resolved references', () => {
  const refs = new Map([['location', LOCATIONS]]);

  it('with the table: resolved ids pass, an id with no record is a warning (not an error)', () => {
    const q = createQualityAnalyser({ map: venueMap(), now: NOW, references: refs, consentAttributes: [] });
    q.add(contact('1', { attributes: { favourite_venue_id: 'loc_1' } }));
    q.add(contact('2', { attributes: { favourite_venue_id: 'loc_404' } }));
    const r = q.result();
    const flags = (id: string) => r.rows.find((x) => x.sourceId === id)?.flags.filter((f) => f.kind !== 'consent_missing') ?? [];
    expect(flags('1')).toEqual([]);
    expect(flags('2')).toEqual([{ kind: 'unresolved_reference', severity: 'warning', message: 'reference to a missing record: custom field "Favourite venue": loc_404 references no location; written as the id' }]);
    expect(r.totals.unresolved_reference).toBe(1);
    expect(r.bySeverity.error).toBe(0);
  });

  it('without the table: the resolved field is not judged at all, so a dropdown of labels flags nothing', () => {
    const map = parseMappingSpec(
      mapText('      - from: attributes.favourite_venue_id\n        to: { custom: "Favourite venue", type: dropdown, choices: ["Croke Park (Dublin)"] }\n        resolve: location\n'),
      'm.yaml',
    ).objects.contact;
    const q = createQualityAnalyser({ map, now: NOW });
    q.add(contact('1', { attributes: { favourite_venue_id: 'loc_1' } }));
    const r = q.result();
    expect(r.totals.map_rejects).toBe(0);
    expect(r.totals.map_drops).toBe(0);
    expect(r.totals.unresolved_reference).toBe(0);
    // With the table the same map accepts the label.
    const withTable = createQualityAnalyser({ map, now: NOW, references: refs });
    withTable.add(contact('1', { attributes: { favourite_venue_id: 'loc_1' } }));
    expect(withTable.result().bySeverity.error).toBe(0);
  });
});

describe('fake source: reference tables', () => {
  it('serves its tables and refuses an unknown model with a ConfigError naming what it offers', async () => {
    const source = createFakeSource({ references: { location: { loc_1: 'Croke Park (Dublin)' } } });
    expect(await source.referenceTable('location')).toEqual(new Map([['loc_1', 'Croke Park (Dublin)']]));
    await expect(source.referenceTable('venue')).rejects.toThrow(ConfigError);
    await expect(source.referenceTable('venue')).rejects.toThrow(/offers: location/);
  });
});
