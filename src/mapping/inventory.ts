/**
 * The attribute inventory of a source account (discovery): one pass over every contact,
 * in constant memory per attribute, whatever the number of contacts.
 *
 * Per attribute key — every canonical field (`email`, `phone`, `firstName`, …) and every
 * `attributes.<name>` — it records the value types seen, how many contacts have a value,
 * an exact distinct-value count up to {@link DISTINCT_CAP} (then "200+", and the value map is
 * dropped), up to five samples, and, while the count is exact, every distinct value with its
 * count: the dropdown choices the schema design needs (seed: "fewer than 200 distinct values
 * → dropdown, else text"). Keys are the same paths a mapping's `from` names, so a map field
 * finds its statistics by its `from`.
 *
 * Tags are counted per tag name (hits and distinct contacts), attribute values that look
 * like references to other records are flagged ("resolve to readable values"), and contacts
 * in the EU/EEA (by country, else by phone prefix) are counted for the GDPR note.
 *
 * Pure: no I/O, no clock. The only state is the accumulator's own.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AttributeDefinition, AttributeType, CanonicalContact } from '../core/model.js';
import { countryCode, isAbsent, normaliseArray, normalisePhone } from './normalise.js';
import { ATTRIBUTE_PREFIX, CANONICAL_CONTACT_FIELDS } from './spec.js';

/** Distinct values are counted exactly up to this many; beyond it the count reads "200+". */
export const DISTINCT_CAP = 200;
/** Samples kept per attribute. */
export const SAMPLE_COUNT = 5;

/** Kinds of value the inventory tells apart (strings that read as dates or JSON lists count as those). */
export const ObservedType = z.enum(['string', 'number', 'boolean', 'array', 'date', 'datetime', 'object']);
/** A kind of observed value. */
export type ObservedType = z.infer<typeof ObservedType>;

/** A distinct-value count: exact up to {@link DISTINCT_CAP}, else the text "200+". */
export const DistinctCount = z.union([z.number().int().min(0).max(DISTINCT_CAP), z.literal(`${DISTINCT_CAP}+`)]);
/** A distinct-value count. */
export type DistinctCount = z.infer<typeof DistinctCount>;

/** One observed value (as text) and how many contacts have it. */
export const ValueCount = z.object({ value: z.string(), count: z.number().int().min(1) });
/** One observed value and its count. */
export type ValueCount = z.infer<typeof ValueCount>;

/** What the inventory knows about one attribute key. */
export const AttributeStats = z.object({
  /** `email`, `firstName`, … for canonical fields; `attributes.<name>` for source attributes. */
  key: z.string(),
  origin: z.enum(['canonical', 'attribute']),
  /** The type the source declares, when it declares one. */
  declaredType: z.string().optional(),
  /** Contacts with a value (not null, not empty text, not an empty list). */
  present: z.number().int().min(0),
  /** Contacts that have the key with no value (null, '', [], '[]'). */
  empty: z.number().int().min(0),
  /** Contacts without the key at all (source attributes are only present once set). */
  missing: z.number().int().min(0),
  /** (empty + missing) / contacts, 0–1; 1 when there are no contacts. */
  nullRate: z.number().min(0).max(1),
  /** Values seen per kind. */
  types: z.partialRecord(ObservedType, z.number().int().min(0)),
  distinct: DistinctCount,
  /** Up to five distinct values, first seen first (emails and phones masked). */
  samples: z.array(z.string()),
  /** Every distinct value with its count, most frequent first — only while `distinct` is exact (and never for personal identifiers); a value over 256 characters is counted as `#` and its hash ({@link isHashedValue}). */
  values: z.array(ValueCount).optional(),
  /** For list values: the distinct elements (multi-select choices). */
  elements: z.object({ distinct: DistinctCount, values: z.array(ValueCount).optional() }).optional(),
  /** Longest value as text, in UTF-16 units. */
  longest: z.number().int().min(0),
  /** Set when the values look like references to other records (ids, `loc_123`): resolve them to readable values. */
  reference: z.object({ share: z.number().min(0).max(1), reason: z.string() }).optional(),
});
/** What the inventory knows about one attribute key. */
export type AttributeStats = z.infer<typeof AttributeStats>;

/** Usage of one source tag. */
export const TagUsage = z.object({ tag: z.string(), hits: z.number().int().min(0), contacts: z.number().int().min(0) });
/** Usage of one source tag. */
export type TagUsage = z.infer<typeof TagUsage>;

/** Contacts whose data falls under the GDPR (EU/EEA) or the UK GDPR. */
export const PersonalDataFlags = z.object({
  /** Contacts with an EU/EEA country, or an EU/EEA phone prefix when the country says nothing. */
  euContacts: z.number().int().min(0),
  /** Of those, how many were found by phone prefix only. */
  euByPhoneOnly: z.number().int().min(0),
  /** EU/EEA contacts per ISO country code. */
  euByCountry: z.record(z.string(), z.number().int().min(0)),
  /** Contacts in the United Kingdom (UK GDPR). */
  ukContacts: z.number().int().min(0),
  /** Contacts in Türkiye (KVKK; commercial messages need IYS consent); absent in inventories written before it was counted. */
  trContacts: z.number().int().min(0).default(0),
});
/** Contacts whose data falls under the GDPR. */
export type PersonalDataFlags = z.infer<typeof PersonalDataFlags>;

/** The inventory as written to `inventory.json` (and read back by `schema plan`). */
export const AttributeInventory = z.object({
  version: z.literal(1),
  contacts: z.number().int().min(0),
  /** Canonical fields first (model order), then source attributes by name. */
  attributes: z.array(AttributeStats),
  /** Most used first. */
  tags: z.array(TagUsage),
  tagHits: z.number().int().min(0),
  personalData: PersonalDataFlags,
});
/** The attribute inventory of a source account. */
export type AttributeInventory = z.infer<typeof AttributeInventory>;

/** The accumulator: feed every contact (and tag hit), then read the result. */
export interface InventoryAccumulator {
  add(contact: CanonicalContact): void;
  addTagHit(tag: string, contactKey: string): void;
  result(): AttributeInventory;
  /** Distinct values currently held in memory, all attributes together (bounded by keys × 2 × 200). */
  retainedValues(): number;
}

/** Options for {@link createInventory}. */
export interface InventoryOptions {
  /** Attribute definitions from the source: declared types, and attributes never set still listed. */
  definitions?: AttributeDefinition[];
}

/** Canonical keys whose values identify a person or a record: never listed value by value. */
const IDENTIFYING = new Set(['sourceKey', 'sourceId', 'externalId', 'email', 'phone', 'firstName', 'lastName', 'createdAt', 'updatedAt']);
const MASKED = new Set(['email', 'phone']);
/** Text longer than this is kept as a hash in the distinct set (it could never be a choice anyway). */
const LONG_VALUE = 256;

/** Start an empty inventory. */
export function createInventory(options: InventoryOptions = {}): InventoryAccumulator {
  const keys = new Map<string, KeyStats>();
  const declared = new Map<string, AttributeType>();
  for (const d of options.definitions ?? []) declared.set(`${ATTRIBUTE_PREFIX}${d.name}`, d.type);
  const canonical = CANONICAL_CONTACT_FIELDS as readonly string[];
  for (const k of canonical) keys.set(k, newKeyStats(k, 'canonical'));
  for (const k of declared.keys()) keys.set(k, newKeyStats(k, 'attribute'));
  let contacts = 0;
  const tags = new Map<string, { hits: number; contacts: Set<number> }>();
  const contactIds = new Map<string, number>();
  let tagHits = 0;
  const gdpr = { euContacts: 0, euByPhoneOnly: 0, euByCountry: new Map<string, number>(), ukContacts: 0, trContacts: 0 };

  const statsFor = (key: string, origin: 'canonical' | 'attribute') => {
    let s = keys.get(key);
    if (s === undefined) {
      s = newKeyStats(key, origin);
      keys.set(key, s);
    }
    return s;
  };

  return {
    add(contact) {
      contacts++;
      const record = contact as unknown as Record<string, unknown>;
      for (const k of canonical) observe(statsFor(k, 'canonical'), record[k]);
      for (const [name, value] of Object.entries(contact.attributes)) observe(statsFor(`${ATTRIBUTE_PREFIX}${name}`, 'attribute'), value);
      const eu = euCountryOf(contact);
      if (eu.uk) gdpr.ukContacts++;
      if (eu.tr) gdpr.trContacts++;
      if (eu.code !== null) {
        gdpr.euContacts++;
        if (eu.byPhone) gdpr.euByPhoneOnly++;
        gdpr.euByCountry.set(eu.code, (gdpr.euByCountry.get(eu.code) ?? 0) + 1);
      }
    },
    addTagHit(tag, contactKey) {
      tagHits++;
      let t = tags.get(tag);
      if (t === undefined) {
        t = { hits: 0, contacts: new Set() };
        tags.set(tag, t);
      }
      t.hits++;
      // Contacts are interned to small integers: a tag's contact set holds numbers, not keys.
      let id = contactIds.get(contactKey);
      if (id === undefined) {
        id = contactIds.size;
        contactIds.set(contactKey, id);
      }
      t.contacts.add(id);
    },
    result() {
      const attrs = [...keys.values()]
        .sort((a, b) => (a.origin === b.origin ? (a.origin === 'canonical' ? canonical.indexOf(a.key) - canonical.indexOf(b.key) : cmp(a.key, b.key)) : a.origin === 'canonical' ? -1 : 1))
        .map((s) => toAttributeStats(s, contacts, declared.get(s.key)));
      return {
        version: 1 as const,
        contacts,
        attributes: attrs,
        tags: [...tags.entries()]
          .map(([tag, t]) => ({ tag, hits: t.hits, contacts: t.contacts.size }))
          .sort((a, b) => b.contacts - a.contacts || b.hits - a.hits || cmp(a.tag, b.tag)),
        tagHits,
        personalData: {
          euContacts: gdpr.euContacts,
          euByPhoneOnly: gdpr.euByPhoneOnly,
          euByCountry: Object.fromEntries([...gdpr.euByCountry.entries()].sort((a, b) => b[1] - a[1] || cmp(a[0], b[0]))),
          ukContacts: gdpr.ukContacts,
          trContacts: gdpr.trContacts,
        },
      };
    },
    retainedValues() {
      let n = 0;
      for (const s of keys.values()) n += (s.values?.size ?? 0) + (s.elements?.size ?? 0);
      return n;
    },
  };
}

/** The statistics of one key in an inventory (by `from` path), or undefined. */
export function statsOf(inventory: AttributeInventory, key: string): AttributeStats | undefined {
  return inventory.attributes.find((a) => a.key === key);
}

/** True when the count is exact and below the dropdown threshold (the seed's "fewer than 200"). */
export function isLowCardinality(d: DistinctCount): d is number {
  return typeof d === 'number' && d > 0 && d < DISTINCT_CAP;
}

/**
 * The inventory's reference test on any values of one source attribute (a sample, say): set
 * when the name and values, or the values alone (`loc_123`), look like ids of other records.
 * The same rules as {@link AttributeStats.reference}, so the proposer and discovery agree.
 */
export function detectReference(attributeName: string, values: Iterable<unknown>): AttributeStats['reference'] {
  const s = newKeyStats(`${ATTRIBUTE_PREFIX}${attributeName}`, 'attribute');
  for (const v of values) observe(s, v);
  return referenceOf(s);
}

/** The `loc` of `loc_123` / `LOC:9` / `store-42`: the word a prefixed record id starts with, lower-cased; null for other values. */
export function referencePrefix(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const m = /^([A-Za-z]{2,16})[_:-]\d+$/.exec(value.trim());
  return m ? m[1]!.toLowerCase() : null;
}

/** The observed kind of a value. Strings are read: ISO-like dates, date-times and JSON lists count as those. */
export function observedType(v: unknown): ObservedType {
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'boolean';
  if (Array.isArray(v)) return 'array';
  if (v !== null && typeof v === 'object') return 'object';
  const s = String(v).trim();
  if (DATE_ONLY.test(s)) return 'date';
  if (DATE_TIME.test(s)) return 'datetime';
  if (s.startsWith('[') && s.endsWith(']')) {
    try {
      if (Array.isArray(JSON.parse(s))) return 'array';
    } catch {
      // Not JSON: plain text that happens to start with a bracket.
    }
  }
  return 'string';
}

// ---------------------------------------------------------------------------------------

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;
/** Attribute names that say "this points at another record". */
const REF_NAME = /(?:^|[_.\-\s])(?:id|ids|ref|refs|reference|key)$|[a-z0-9](?:Id|ID|Ids|Ref|Key)$/;
/** Values that read as record ids: digits, `loc_123`/`store-42`/`LOC:9`, or UUIDs. */
const REF_VALUE = /^(?:\d{1,19}|[A-Za-z][A-Za-z0-9]{0,15}[_:-]\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;
/** `loc_123`-like values: a short word, a separator, digits — a reference whatever the attribute is called. */
const PREFIXED_REF = /^[A-Za-z]{2,16}[_:]\d+$/;

interface KeyStats {
  key: string;
  origin: 'canonical' | 'attribute';
  /** Contacts that had the key (any value). */
  seen: number;
  present: number;
  types: Partial<Record<ObservedType, number>>;
  /** value text → count; null once more than DISTINCT_CAP distinct values were seen. */
  values: Map<string, number> | null;
  elements: Map<string, number> | null | undefined;
  samples: string[];
  longest: number;
  refLike: number;
  prefixedRef: number;
}

function newKeyStats(key: string, origin: 'canonical' | 'attribute'): KeyStats {
  return { key, origin, seen: 0, present: 0, types: {}, values: new Map(), elements: undefined, samples: [], longest: 0, refLike: 0, prefixedRef: 0 };
}

function observe(s: KeyStats, v: unknown): void {
  s.seen++;
  // A JSON list with nothing in it (Array attributes may be strings) is as empty as [].
  if (isAbsent(v) || (typeof v === 'string' && /^\[\s*\]$/.test(v.trim()))) return;
  s.present++;
  const type = observedType(v);
  s.types[type] = (s.types[type] ?? 0) + 1;
  const text = asText(v);
  if (text.length > s.longest) s.longest = text.length;
  if (s.samples.length < SAMPLE_COUNT && !s.samples.includes(text)) s.samples.push(text);
  s.values = count(s.values, countedText(text));
  if (REF_VALUE.test(text) || (typeof v === 'number' && Number.isInteger(v))) s.refLike++;
  if (PREFIXED_REF.test(text)) s.prefixedRef++;
  if (type === 'array') {
    const list = normaliseArray(v);
    if (list.ok) {
      if (s.elements === undefined) s.elements = new Map();
      for (const e of list.value) s.elements = count(s.elements, countedText(e));
    }
  }
}

/** A value as the distinct counts keep it: itself, or over LONG_VALUE characters a `#` and its hash. */
function countedText(text: string): string {
  return text.length > LONG_VALUE ? `#${createHash('sha1').update(text).digest('base64')}` : text;
}

/** Whether a counted value is the hash standing in for a long value (see {@link AttributeStats} `values`), not a value. */
export function isHashedValue(text: string): boolean {
  return /^#[A-Za-z0-9+/]{27}=$/.test(text);
}

/** Count a value in a capped distinct map; null (overflowed) stays null. */
function count(map: Map<string, number> | null, key: string): Map<string, number> | null {
  if (map === null) return null;
  const n = map.get(key);
  if (n !== undefined) {
    map.set(key, n + 1);
    return map;
  }
  // The 201st distinct value: the count is no longer exact, and the map is dropped to keep memory flat.
  if (map.size >= DISTINCT_CAP) return null;
  map.set(key, 1);
  return map;
}

/** A value as text: strings trimmed, lists and objects as JSON, numbers and booleans as JSON writes them. */
function asText(v: unknown): string {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v) ?? String(v);
}

function toAttributeStats(s: KeyStats, contacts: number, declaredType: AttributeType | undefined): AttributeStats {
  const missing = Math.max(0, contacts - s.seen);
  const empty = s.seen - s.present;
  const identifying = s.origin === 'canonical' && IDENTIFYING.has(s.key);
  const out: AttributeStats = {
    key: s.key,
    origin: s.origin,
    ...(declaredType !== undefined ? { declaredType } : {}),
    present: s.present,
    empty,
    missing,
    nullRate: contacts === 0 ? 1 : round4((empty + missing) / contacts),
    types: { ...s.types },
    distinct: distinctOf(s.values),
    samples: MASKED.has(s.key) ? [...new Set(s.samples.map((v) => (s.key === 'email' ? maskEmail(v) : maskPhone(v))))] : s.samples.map(shorten),
    longest: s.longest,
  };
  if (s.values !== null && !identifying) out.values = sortedCounts(s.values);
  if (s.elements !== undefined) {
    out.elements = { distinct: distinctOf(s.elements), ...(s.elements !== null ? { values: sortedCounts(s.elements) } : {}) };
  }
  const ref = referenceOf(s);
  if (ref !== undefined) out.reference = ref;
  return out;
}

function referenceOf(s: KeyStats): AttributeStats['reference'] {
  // The contact's own ids are not references to other records.
  if (s.origin !== 'attribute' || s.present === 0) return undefined;
  const name = s.key.slice(ATTRIBUTE_PREFIX.length);
  const share = s.refLike / s.present;
  if (REF_NAME.test(name) && share >= 0.8) return { share: round4(share), reason: `named like a reference (${name}) and ${pct(share)} of values are record ids` };
  const prefixed = s.prefixedRef / s.present;
  if (prefixed >= 0.9) return { share: round4(prefixed), reason: `${pct(prefixed)} of values look like record ids (e.g. ${s.samples.find((x) => PREFIXED_REF.test(x)) ?? ''})` };
  return undefined;
}

function distinctOf(map: Map<string, number> | null): DistinctCount {
  return map === null ? `${DISTINCT_CAP}+` : map.size;
}

function sortedCounts(map: Map<string, number>): ValueCount[] {
  return [...map.entries()].map(([value, n]) => ({ value, count: n })).sort((a, b) => b.count - a.count || cmp(a.value, b.value));
}

/** EU/EEA member states (the GDPR applies across the EEA). */
const EEA = new Set([
  'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE',
  'IS', 'LI', 'NO',
]);
/** EU/EEA calling codes → country (longest prefix wins; +39 also covers Vatican City, counted as Italy). */
const EEA_PREFIXES: Array<[string, string]> = (
  [
    ['30', 'GR'], ['31', 'NL'], ['32', 'BE'], ['33', 'FR'], ['34', 'ES'], ['351', 'PT'], ['352', 'LU'], ['353', 'IE'], ['354', 'IS'], ['356', 'MT'],
    ['357', 'CY'], ['358', 'FI'], ['359', 'BG'], ['36', 'HU'], ['370', 'LT'], ['371', 'LV'], ['372', 'EE'], ['385', 'HR'], ['386', 'SI'], ['39', 'IT'],
    ['40', 'RO'], ['420', 'CZ'], ['421', 'SK'], ['423', 'LI'], ['43', 'AT'], ['45', 'DK'], ['46', 'SE'], ['47', 'NO'], ['48', 'PL'], ['49', 'DE'],
  ] as Array<[string, string]>
).sort((a, b) => b[0].length - a[0].length);

/** The EU/EEA country of a contact: by its country, else (no readable country) by its phone's calling code. */
function euCountryOf(c: CanonicalContact): { code: string | null; byPhone: boolean; uk: boolean; tr: boolean } {
  const country = countryCode(c.country);
  if (country !== null) return { code: EEA.has(country) ? country : null, byPhone: false, uk: country === 'GB', tr: country === 'TR' };
  if (isAbsent(c.phone)) return { code: null, byPhone: false, uk: false, tr: false };
  const p = normalisePhone(c.phone, null);
  if (!p.ok) return { code: null, byPhone: false, uk: false, tr: false };
  const digits = p.value.slice(1);
  const hit = EEA_PREFIXES.find(([prefix]) => digits.startsWith(prefix));
  return { code: hit ? hit[1] : null, byPhone: hit !== undefined, uk: digits.startsWith('44'), tr: digits.startsWith('90') };
}

function maskEmail(v: string): string {
  const at = v.lastIndexOf('@');
  return at < 1 ? '•••' : `${v.charAt(0)}•••${v.slice(at)}`;
}

function maskPhone(v: string): string {
  const d = v.replace(/\s/g, '');
  return d.length <= 6 ? '•••' : `${d.slice(0, 4)}•••${d.slice(-3)}`;
}

function shorten(v: string): string {
  const one = v.replace(/\s+/g, ' ');
  return one.length > 60 ? `${one.slice(0, 59)}…` : one;
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
