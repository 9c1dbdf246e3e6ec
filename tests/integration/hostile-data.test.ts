/**
 * Hostile data through a whole run: a JSONL file in the Xtremepush row shape (as `sim --data`
 * reads it) with well over 100 odd values — unicode and IDN emails, plus-addressing, spaces and
 * line breaks, case-variant duplicates; phones with letters, 00 prefixes, too many digits,
 * Turkish numbers without +; impossible, pre-epoch, 2038, future and far-offset dates; names of
 * 10,000 characters, emoji, right-to-left text, bidi overrides, NUL and control characters;
 * formula- and markup-leading values; NaN, 1e309, lists where text is promised; null, empty and
 * absent; two profiles sharing one user id; rows that break the API's own shape. Each one is
 * written normalised, left out with its reason (drop_field), or its record quarantined with a
 * precise reason; nothing crashes; discovery and the proposal read past the malformed rows; and
 * every CSV and the HTML stay safe to open.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetFromJsonl } from '../../simulators/generator/index.js';
import { createSource } from '../../src/connectors/registry.js';
import { silentLogger } from '../../src/core/logger.js';
import { runDiscover } from '../../src/pipeline/discover.js';
import { openStore, runMigrate, type MigrateResult } from '../../src/pipeline/migrate.js';
import { silentProgress } from '../../src/pipeline/progress.js';
import { checkBalance } from '../../src/reports/reconciliation.js';
import { parseCsv } from '../helpers/csv.js';
import { API_KEY, startHarness, type Harness } from '../helpers/harness.js';

/** Absent from the Freshsales record (never written). */
const ABSENT = Symbol('absent');
type Expected = Record<string, unknown>;
type Outcome =
  /** Quarantined; every pattern matches one of its reasons. */
  | { quarantine: RegExp[] }
  /** Loaded: these Freshsales fields (`cf:<label>` for custom ones) hold these values; `dropped` match the values left out. */
  | { load: Expected; dropped?: RegExp[] }
  /** Merged into the profile with this id (same email, newer wins). */
  | { mergedInto: number };
interface Case {
  what: string;
  row: Record<string, unknown>;
  outcome: Outcome;
  /** Hostile values this case carries (for the count). */
  values: number;
}

const FIRST_ID = 1001;
const cases: Case[] = [];
let nextId = FIRST_ID;
/** A profile that loads cleanly unless `over` says otherwise; returns its id. */
function add(what: string, over: Record<string, unknown>, outcome: Outcome | ((id: number) => Outcome), values = 1): number {
  const id = nextId++;
  const row: Record<string, unknown> = {
    profile_id: String(id), user_id: `u-${id}`, email: `person${id}@example.com`, email_subscription: 1, sms_subscription: 0,
    mobile_number: null, language: 'en', timezone: 'Europe/Dublin', create_time: 1_700_000_000, update_time: 1_700_000_000 + id,
    first_name: 'Test', last_name: `Person${id}`, country: 'IE', consent_type: 'Marketing', nickname: `nick-${id}`,
  };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) delete row[k];
    else Object.defineProperty(row, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  cases.push({ what, row, outcome: typeof outcome === 'function' ? outcome(id) : outcome, values });
  return id;
}
const q = (...reasons: RegExp[]): Outcome => ({ quarantine: reasons });
const load = (fields: Expected, ...dropped: RegExp[]): Outcome => ({ load: fields, ...(dropped.length > 0 ? { dropped } : {}) });

// --- Emails --------------------------------------------------------------------------------
add('IDN local part', { email: 'josé@bücher.de' }, q(/^invalid email: non-ASCII characters before the @$/));
const idn = add('IDN domain, written as punycode', { email: 'anna@bücher.de' }, load({ emails: 'anna@xn--bcher-kva.de' }));
add('upper-case IDN duplicate, older', { email: 'ANNA@BÜCHER.DE', update_time: 1_600_000_000 }, { mergedInto: idn });
add('IDN in a Japanese domain', { email: 'user@例え.jp' }, load({ emails: 'user@xn--r8jz45g.jp' }));
const plus = add('plus-addressing', { email: 'anna+news@example.com' }, load({ emails: 'anna+news@example.com' }));
add('plus-addressing, upper-case duplicate, older', { email: 'Anna+News@Example.COM', update_time: 1_600_000_000 }, { mergedInto: plus });
add('surrounding spaces', { email: '  padded@example.com  ' }, load({ emails: 'padded@example.com' }));
add('a space inside', { email: 'two words@example.com' }, q(/^invalid email: contains spaces$/));
add('a line break inside', { email: 'line\nbreak@example.com' }, q(/^invalid email: contains a line break$/));
add('a tab inside', { email: 'tab\t@example.com' }, q(/^invalid email: contains spaces$/));
const dupNewest = add('upper-case duplicate, newest', { email: 'DUP@EXAMPLE.COM', update_time: 1_800_000_000 }, load({ emails: 'DUP@example.com' }));
add('lower-case duplicate, older', { email: 'dup@example.com' }, { mergedInto: dupNewest });
add('empty email', { email: '' }, q(/^Freshsales requires an email$/));
add('null email', { email: null }, q(/^Freshsales requires an email$/));
add('absent email', { email: undefined }, q(/^Freshsales requires an email$/));
add('email as a list', { email: ['list@example.com'] }, q(/^invalid email: source row: email is a list \(\["list@example\.com"\]\), not text$/));
add('email as a number', { email: 12345 }, q(/^invalid email: source row: email is a number \(12345\), not text$/));
add('formula-leading email', { email: '=1+1@example.com' }, load({ emails: '=1+1@example.com' }));
add('nothing before the @', { email: '@example.com' }, q(/^invalid email: nothing before the @$/));
add('no dot in the domain', { email: 'a@b' }, q(/^invalid email: no dot in the domain$/));
add('markup in an email', { email: '<script>alert(1)</script>@example.com' }, q(/^invalid email: /));
add('consecutive dots', { email: 'dot..dot@example.com' }, q(/^invalid email: consecutive dots$/));
add('underscore in the host', { email: 'x@exam_ple.com' }, q(/^invalid email: the domain is not a valid host name$/));
add('bidi override in an email', { email: 'evil\u202E@example.com' }, q(/^invalid email: non-ASCII characters before the @$/));

// --- Phones --------------------------------------------------------------------------------
add('letters in a phone', { mobile_number: '+353 87 ABC 4567' }, load({ mobile_number: ABSENT }, /^mobile_number: not a phone number$/));
add('00 prefix', { mobile_number: '0035387 123 4567' }, load({ mobile_number: '+353871234567' }));
add('00 prefix, Turkish', { mobile_number: '0090 532 123 45 67' }, load({ mobile_number: '+905321234567' }));
add('Turkish 90… without +', { mobile_number: '905321234567', country: 'TR' }, load({ mobile_number: '+905321234567' }));
add('too many digits', { mobile_number: '+3538712345678901234' }, load({ mobile_number: ABSENT }, /^mobile_number: not a phone number$/));
add('words for a phone', { mobile_number: 'call me' }, load({ mobile_number: ABSENT }, /^mobile_number: not a phone number$/));
add('a phone as a JSON number', { mobile_number: 353871234567 }, load({ mobile_number: '+353871234567' }));
add('a phone as a list', { mobile_number: ['353871234567'] }, load({ mobile_number: ABSENT }, /^mobile_number: source row: mobile_number is a list/));
add('national number, country by name', { mobile_number: '0532 123 45 67', country: 'Türkiye' }, load({ mobile_number: '+905321234567', country: 'Türkiye' }));
add('vanity number', { mobile_number: '1-800-FLOWERS' }, load({ mobile_number: ABSENT }, /^mobile_number: not a phone number$/));
add('country as a list', { country: ['IE'], mobile_number: '087 123 4567' }, load({ country: ABSENT, mobile_number: ABSENT }, /^country: source row: country is a list/, /^mobile_number: not a phone number without a country/), 2);

// --- Dates (a date-only birth date, and a date-time) ---------------------------------------------
add('0000-00-00', { date_of_birth: '0000-00-00' }, load({ 'cf:Date of birth': ABSENT }, /^custom field "Date of birth": not a real calendar date \(0000-00-00\)$/));
add('1969-12-31', { date_of_birth: '1969-12-31' }, load({ 'cf:Date of birth': '1969-12-31' }));
add('2038-01-20', { date_of_birth: '2038-01-20' }, load({ 'cf:Date of birth': '2038-01-20' }));
add('31/12/2020', { date_of_birth: '31/12/2020' }, load({ 'cf:Date of birth': ABSENT }, /^custom field "Date of birth": not a date \("31\/12\/2020"\)$/));
add('2020-02-30', { date_of_birth: '2020-02-30' }, load({ 'cf:Date of birth': ABSENT }, /^custom field "Date of birth": not a real calendar date \(2020-02-30\)$/));
add('a future birth date', { date_of_birth: '2099-06-01' }, load({ 'cf:Date of birth': '2099-06-01' }));
add('midnight at +14:00 keeps its calendar date', { date_of_birth: '1990-04-12 00:00:00 +14:00' }, load({ 'cf:Date of birth': '1990-04-12' }));
add('midnight at -12:00 keeps its calendar date', { date_of_birth: '1990-04-12 00:00:00 -12:00' }, load({ 'cf:Date of birth': '1990-04-12' }));
add('an offset no place uses (+15:00)', { date_of_birth: '1990-04-12T00:00:00+15:00' }, load({ 'cf:Date of birth': ABSENT }, /^custom field "Date of birth": not a real UTC offset \(\+15:00\)$/));
add('empty date', { date_of_birth: '' }, load({ 'cf:Date of birth': ABSENT }));
add('null date', { date_of_birth: null }, load({ 'cf:Date of birth': ABSENT }));
add('a date as a list', { date_of_birth: ['1990-01-01'] }, load({ 'cf:Date of birth': ABSENT }, /^custom field "Date of birth": not a date \(\["1990-01-01"\]\)$/));
// Date-times go to a date field: the date as the source wrote it, never shifted by the offset (the UTC date would be the 12th and the 14th).
add('date-time at +14:00', { last_purchase_at: '2024-12-13 11:36:00 +14:00' }, load({ 'cf:Last purchase at': '2024-12-13' }));
add('date-time at -12:00', { last_purchase_at: '2024-12-13 23:36:00 -12:00' }, load({ 'cf:Last purchase at': '2024-12-13' }));
add('24:00', { last_purchase_at: '2024-12-13 24:00:00' }, load({ 'cf:Last purchase at': ABSENT }, /^custom field "Last purchase at": not a real time of day/));
add('a future purchase', { last_purchase_at: '2030-01-01 00:30:00 +01:00' }, load({ 'cf:Last purchase at': '2030-01-01' }));
add('create_time that is no unix time', { create_time: 'yesterday' }, load({ 'cf:Xtremepush created at': ABSENT }, /source row: create_time is "yesterday", not unix seconds/));
add('update_time beyond any date', { update_time: 1e20 }, load({}));

// --- Names -------------------------------------------------------------------------------
add('a first name of 10,000 characters', { first_name: 'x'.repeat(10_000) }, load({ first_name: ABSENT }, /^first_name: longer than 255 characters \(10000\)$/));
add('emoji', { first_name: '😀 Emoji 🎉', last_name: 'Zoë 👩‍👩‍👧' }, load({ first_name: '😀 Emoji 🎉', last_name: 'Zoë 👩‍👩‍👧' }), 2);
add('right-to-left text', { first_name: 'محمد', last_name: 'עברית' }, load({ first_name: 'محمد', last_name: 'עברית' }), 2);
add('a bidi override (removed)', { first_name: '\u202Egnp.exe' }, load({ first_name: 'gnp.exe' }));
add('bidi isolates around RTL (removed)', { last_name: 'Ali \u2067محمد\u2069' }, load({ last_name: 'Ali محمد' }));
add('NUL in a name', { first_name: 'Ann\u0000e' }, load({ first_name: ABSENT }, /^first_name: contains control characters$/));
add('a bell character', { last_name: 'Bell\u0007' }, load({ last_name: ABSENT }, /^last_name: contains control characters$/));
add('padded, with inner runs of spaces', { first_name: '  Padded   Name  ' }, load({ first_name: 'Padded Name' }));
add('= formula', { first_name: '=HYPERLINK("http://evil.example","click")' }, load({ first_name: '=HYPERLINK("http://evil.example","click")' }));
add('+ formula', { last_name: '+44 not a formula' }, load({ last_name: '+44 not a formula' }));
add('- formula', { first_name: '-2+3' }, load({ first_name: '-2+3' }));
add('@ formula', { first_name: '@SUM(A1:A9)' }, load({ first_name: '@SUM(A1:A9)' }));
add('markup', { first_name: '<img src=x onerror=alert(1)>', last_name: '<script>alert("x")</script>' }, load({ first_name: '<img src=x onerror=alert(1)>' }), 2);
add('a name as a list', { first_name: ['Ann'] }, load({ first_name: ABSENT }, /^first_name: source row: first_name is a list/));
add('a name as a number', { last_name: 42 }, load({ last_name: '42' }));
add('a name as a boolean', { first_name: true }, load({ first_name: ABSENT }, /^first_name: source row: first_name is a yes\/no value \(true\), not text$/));
add('a lone surrogate', { first_name: 'Bad\ud800Name' }, load({ first_name: ABSENT }, /^first_name: not valid Unicode text \(a lone surrogate\)$/));
add('null, empty and absent names', { first_name: null, last_name: '' }, load({ first_name: ABSENT, last_name: ABSENT }), 2);
add('absent names', { first_name: undefined, last_name: undefined }, load({ first_name: ABSENT, last_name: ABSENT }), 2);
add('decomposed accents become composed', { first_name: 'Zoe\u0308' }, load({ first_name: 'Zoë' }));

// --- Numbers, text, flags --------------------------------------------------------------------
add('"NaN"', { loyalty_points: 'NaN' }, load({ 'cf:Loyalty points': ABSENT }, /^custom field "Loyalty points": not a number \("NaN"\)$/));
add('"1e309"', { loyalty_points: '1e309' }, load({ 'cf:Loyalty points': ABSENT }, /^custom field "Loyalty points": not a finite number \("1e309"\)$/));
add('a bare 1e309 (Infinity, sent as null by JSON)', { loyalty_points: Infinity }, load({ 'cf:Loyalty points': ABSENT }));
add('a list for a number', { loyalty_points: [1, 2] }, load({ 'cf:Loyalty points': ABSENT }, /^custom field "Loyalty points": not a number \(\[1,2\]\)$/));
add('thousands separator', { loyalty_points: '1,234' }, load({ 'cf:Loyalty points': ABSENT }, /not a number \("1,234"\)/));
add('negative zero', { loyalty_points: '-0' }, load({ 'cf:Loyalty points': 0 }));
add('a decimal as text', { loyalty_points: '12.50' }, load({ 'cf:Loyalty points': 12.5 }));
add('more than 11 digits', { loyalty_points: 123_456_789_012 }, load({ 'cf:Loyalty points': ABSENT }, /too large: more than 11 digits/));
add('a formula for a number', { loyalty_points: '=1+2' }, load({ 'cf:Loyalty points': ABSENT }, /not a number \("=1\+2"\)/));
add('= command in text', { nickname: "=cmd|' /C calc'!A0" }, load({ 'cf:Nickname': "=cmd|' /C calc'!A0" }));
add('@ in text', { nickname: '@import url(x)' }, load({ 'cf:Nickname': '@import url(x)' }));
add('a tab inside text', { nickname: 'tab\tinside' }, load({ 'cf:Nickname': 'tab\tinside' }));
add('NUL inside text', { nickname: 'nul\u0000inside' }, load({ 'cf:Nickname': ABSENT }, /^custom field "Nickname": contains control characters$/));
add('a list where text is expected', { nickname: ['a', 'b'] }, load({ 'cf:Nickname': 'a, b' }));
add('an object where text is expected', { nickname: { nested: 1 } }, load({ 'cf:Nickname': '{"nested":1}' }));
add('markup in text', { nickname: '<b onmouseover=alert(1)>bold</b>' }, load({ 'cf:Nickname': '<b onmouseover=alert(1)>bold</b>' }));
add('a bidi override in text (kept, flagged)', { nickname: 'RTL \u202Eoverride' }, load({ 'cf:Nickname': 'RTL \u202Eoverride' }));
add('text of 10,001 characters', { bio: 'y'.repeat(10_001) }, load({ 'cf:Bio': ABSENT }, /^custom field "Bio": longer than 10000 characters \(10001\)$/));
add('text of 9,999 characters', { bio: 'z'.repeat(9_999) }, load({ 'cf:Bio': 'z'.repeat(9_999) }));
add('"maybe" for a checkbox', { vip: 'maybe' }, load({ 'cf:Vip': ABSENT }, /^custom field "Vip": not a yes\/no value \("maybe"\)$/));
add('"YES" for a checkbox', { vip: 'YES' }, load({ 'cf:Vip': true }));
add('0 for a checkbox', { vip: 0 }, load({ 'cf:Vip': false }));
add('a list for a checkbox', { vip: [true] }, load({ 'cf:Vip': ABSENT }, /not a yes\/no value \(\[true\]\)/));
add('"maybe" for a consent flag', { email_subscription: 'maybe' }, q(/^subscription_status: source row: email_subscription is "maybe", not a 0\/1 flag$/));
add('a list for a consent flag', { sms_subscription: [1] }, q(/^sms_subscription_status: source row: sms_subscription is a list \(\[1\]\), not a 0\/1 flag$/));
add('"1" as text for a consent flag', { email_subscription: '1' }, load({ subscription_status: 1 }));
add('a language as a number', { language: 5 }, load({ 'cf:Language': ABSENT }, /^custom field "Language": source row: language is a number \(5\), not text$/));
add('a time zone as a list', { timezone: ['Europe/Dublin'] }, load({ 'cf:Xtremepush time zone': ABSENT }, /source row: timezone is a list/));

// --- Identity -------------------------------------------------------------------------------
const sharedA = nextId;
const sharedB = nextId + 1;
add('one user id, two emails (A)', { user_id: 'u-shared' }, q(new RegExp(`^custom field "Xtremepush ID": user id "u-shared" is shared with profile ${sharedB} \\(a different email\\): which person it identifies is ambiguous$`)));
add('one user id, two emails (B)', { user_id: 'u-shared' }, q(new RegExp(`user id "u-shared" is shared with profile ${sharedA}`)));
const sameNewest = add('one user id, one email (newest)', { user_id: 'u-same', email: 'same@example.com', update_time: 1_800_000_000 }, load({ emails: 'same@example.com', 'cf:Xtremepush ID': 'u-same' }));
add('one user id, one email (older, other case)', { user_id: 'u-same', email: 'SAME@example.com' }, { mergedInto: sameNewest });
add('a user id as an object', { user_id: { id: 1 } }, q(/^custom field "Xtremepush ID": source row: user_id is an object \(\{"id":1\}\), not an id \(text or a number\)$/));
add('a user id as a number', { user_id: 12_345 }, load({ 'cf:Xtremepush ID': '12345' }));
add('a blank user id', { user_id: '   ' }, load({ 'cf:Xtremepush ID': ABSENT }));

// --- Rows that break the API's shape -------------------------------------------------------
add('a "__proto__" key', JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>, q(/^source row: key "__proto__" is not a profile column or an attribute name$/));
add('an empty key', { '': 'x' }, q(/^source row: key "" is not a profile column or an attribute name \(empty\)$/));
add('a "constructor" key', { constructor: 'c' }, q(/^source row: key "constructor" is not a profile column or an attribute name$/));
add('a numeric profile_id', { profile_id: nextId }, load({}));

const HOSTILE_VALUES = cases.reduce((n, c) => n + c.values, 0);
const LAST_ID = nextId - 1;

const message = (id: number, profile: number, open = 0) => ({ message: { id, campaign_id: 7, profile_id: String(profile), create_time: 1_700_000_100 + id, message_type_name: 'email', delivery: 1, open, click: 0, error: 0, status: 1 } });
const lines = [
  { attribute: { name: 'date_of_birth', type: 'Date' } },
  { attribute: { name: 'last_purchase_at', type: 'Date' } },
  { attribute: { name: 'loyalty_points', type: 'Number' } },
  { attribute: { name: 'nickname', type: 'String' } },
  { attribute: { name: 'bio', type: 'String' } },
  { attribute: { name: 'vip', type: 'Boolean' } },
  ...cases.map((c) => ({ profile: c.row })),
  { campaign: { id: 7, title: '=Welcome <b>campaign</b>', trigger: 0, type: 1, active: 1, status: 1, create_time: 1_700_000_000, email: 1 } },
  // One send to a profile that loads, one to a quarantined one (its task is orphaned).
  message(1, FIRST_ID + 1, 1),
  message(2, FIRST_ID),
  { event: { profile_id: String(FIRST_ID + 1), event: 'deposit', value: 20, timestamp: '2024-12-13 11:36:00 +14:00' } },
];
// JSON.stringify writes Infinity as null: the file gets the bare 1e309 a hand-written export would hold.
const text = lines.map((l) => JSON.stringify(l).replace(/"loyalty_points":null/, '"loyalty_points":1e309')).join('\n');

let h: Harness;
let dir: string;
let r: MigrateResult;
let reasonsOf: Map<string, string[]>;
let droppedOf: Map<string, Array<{ reason: string }>>;
let mergedInto: Map<string, string>;
let contactsByEmail: Map<string, { email: string; custom_field?: Record<string, unknown> } & Record<string, unknown>>;
let cfName: Map<string, string>;
const key = (id: number) => `xtremepush:profile:${id}`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'crm-hostile-'));
  const file = join(dir, 'hostile.jsonl');
  writeFileSync(file, `${text}\n`);
  const dataset = datasetFromJsonl(file);
  h = await startHarness({ profiles: 0, dataset, objects: 'all' });
  // Hostile data quarantines a large share on purpose: the run must go to the end, not stop at the ratio.
  h.loaded.config.run.maxErrorRatio = 1;
  r = await runMigrate({ loaded: h.loaded, outDir: join(h.dir, 'out'), logger: silentLogger(), progress: silentProgress });
  const store = openStore(h.loaded);
  try {
    reasonsOf = new Map();
    for await (const e of store.quarantined(r.report.runId, 'contact')) reasonsOf.set(e.recordKey, e.reasons);
    const keys = cases.map((c) => key(Number(c.row.profile_id)));
    droppedOf = (await store.extrasFor(r.report.runId, 'contact_dropped_values', keys)) as Map<string, Array<{ reason: string }>>;
    mergedInto = await store.mergedInto(r.report.runId, 'contact', keys);
  } finally {
    store.close();
  }
  const snap = h.fs.snapshot() as unknown as { contacts: Array<{ email: string; custom_field?: Record<string, unknown> } & Record<string, unknown>> };
  contactsByEmail = new Map(snap.contacts.map((c) => [String(c.email).toLowerCase(), c]));
  const fields = (await (await fetch(`${h.fs.url}/api/settings/contacts/fields`, { headers: { authorization: `Token token=${API_KEY}` } })).json()) as { fields: Array<{ name: string; label: string }> };
  cfName = new Map(fields.fields.map((f) => [f.label, f.name]));
}, 240_000);

afterAll(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('hostile data, end to end', () => {
  it(`feeds ${HOSTILE_VALUES} hostile values in ${cases.length} profiles through a whole run, and the run balances`, () => {
    expect(HOSTILE_VALUES).toBeGreaterThanOrEqual(100);
    expect(LAST_ID - FIRST_ID + 1).toBe(cases.length);
    const contact = r.report.phases.find((p) => p.object === 'contact')!;
    expect(checkBalance(contact)).toBeNull();
    const quarantined = cases.filter((c) => 'quarantine' in c.outcome).length;
    const merged = cases.filter((c) => 'mergedInto' in c.outcome).length;
    expect(contact).toMatchObject({ source: cases.length, quarantined, merged, created: cases.length - quarantined - merged, failed: 0, mismatched: 0 });
    for (const p of r.report.phases) expect(checkBalance(p), p.object).toBeNull();
  });

  it.each(cases.filter((c) => 'quarantine' in c.outcome).map((c) => [c.what, c] as const))('quarantines with a precise reason: %s', (_what, c) => {
    const reasons = reasonsOf.get(key(Number(c.row.profile_id)));
    expect(reasons, 'quarantined').toBeDefined();
    for (const want of (c.outcome as { quarantine: RegExp[] }).quarantine) expect(reasons!.some((x) => want.test(x)), `${want} in ${JSON.stringify(reasons)}`).toBe(true);
  });

  it.each(cases.filter((c) => 'mergedInto' in c.outcome).map((c) => [c.what, c] as const))('merges case-variant duplicates: %s', (_what, c) => {
    expect(mergedInto.get(key(Number(c.row.profile_id)))).toBe(key((c.outcome as { mergedInto: number }).mergedInto));
  });

  it.each(cases.filter((c) => 'load' in c.outcome).map((c) => [c.what, c] as const))('writes it normalised, or leaves it out with the reason: %s', (_what, c) => {
    const id = Number(c.row.profile_id);
    expect(reasonsOf.has(key(id)), `quarantined: ${JSON.stringify(reasonsOf.get(key(id)))}`).toBe(false);
    const outcome = c.outcome as { load: Expected; dropped?: RegExp[] };
    const email = String(outcome.load.emails ?? (c.row.email as string).trim()).toLowerCase();
    const fs = contactsByEmail.get(email);
    expect(fs, `Freshsales contact ${email}`).toBeDefined();
    for (const [field, want] of Object.entries(outcome.load)) {
      const got = field.startsWith('cf:') ? fs!.custom_field?.[cfName.get(field.slice(3)) ?? `missing label ${field}`] : fs![field];
      if (want === ABSENT) expect(got ?? ABSENT, field).toBe(ABSENT);
      else if (field === 'emails') expect(String(fs!.email)).toBe(want);
      else expect(got, field).toEqual(want);
    }
    const dropped = (droppedOf.get(key(id)) ?? []).map((d) => d.reason);
    for (const want of outcome.dropped ?? []) expect(dropped.some((x) => want.test(x)), `${want} in ${JSON.stringify(dropped)}`).toBe(true);
    if (!outcome.dropped) expect(dropped.filter((x) => !/no field of the map reads it/.test(x))).toEqual([]);
  });

  it('attaches the send of a loaded contact, and orphans the send of a quarantined one, never elsewhere', () => {
    const task = r.report.phases.find((p) => p.object === 'task')!;
    // Loaded contact: delivered + opened + its deposit event; quarantined contact: delivered, orphaned.
    expect(task).toMatchObject({ created: 3, orphaned: 1, failed: 0 });
  });

  it('keeps every CSV safe to open: no cell starts a formula, every row parses', () => {
    const files = [r.files.quarantine, r.files.failures];
    let cells = 0;
    for (const f of files) {
      const rows = parseCsv(readFileSync(f, 'utf8').replace(/^\uFEFF/, ''));
      for (const row of rows) for (const cell of row) {
        cells++;
        expect(/^[=+\-@\t\r\0]/.test(cell), `${f}: ${JSON.stringify(cell.slice(0, 40))}`).toBe(false);
      }
    }
    expect(cells).toBeGreaterThan(0);
    // A reason quotes source values escaped: never a raw line break, control or bidi character.
    const [header, ...rows] = parseCsv(readFileSync(r.files.quarantine, 'utf8').replace(/^\uFEFF/, ''));
    const reasons = header!.indexOf('reasons');
    expect(reasons).toBeGreaterThanOrEqual(0);
    expect(rows.length).toBe(cases.filter((c) => 'quarantine' in c.outcome).length);
    // eslint-disable-next-line no-control-regex
    for (const row of rows) expect(row[reasons]!, row[0]).not.toMatch(/[\u0000-\u001f\u202a-\u202e\u2066-\u2069]/);
  });

  it('keeps the HTML report free of unescaped markup from the source', () => {
    const html = readFileSync(r.files.html, 'utf8');
    expect(html).not.toMatch(/<script>alert|<img src=x|<b onmouseover|<b>campaign/i);
  });
});

describe('discovery and the proposal read past malformed rows', () => {
  it('discovers every profile and flags shared user ids, future dates, bidi controls and malformed rows row by row, in a safe CSV', async () => {
    const source = createSource(h.loaded.config.source, { logger: silentLogger() });
    try {
      const d = await runDiscover({ source, outDir: join(dir, 'discover'), now: () => Date.UTC(2025, 0, 1) });
      expect(d.counts.users).toBe(cases.length);
      const rows = parseCsv(readFileSync(d.files.qualityCsv, 'utf8').replace(/^\uFEFF/, ''));
      expect(rows[0]).toEqual(['record_key', 'source_id', 'email', 'flags', 'severity']);
      for (const row of rows) for (const cell of row) expect(/^[=+\-@\t\r\0]/.test(cell), JSON.stringify(cell.slice(0, 40))).toBe(false);
      const flagsOf = (id: number) => rows.find((x) => x[0] === key(id))?.[3] ?? '';
      expect(flagsOf(sharedA)).toMatch(new RegExp(`user id "u-shared" is shared with profile ${sharedB} \\(a different email\\)`));
      const byWhat = (what: string) => Number(cases.find((c) => c.what === what)!.row.profile_id);
      expect(flagsOf(byWhat('a future birth date'))).toMatch(/future date: attributes\.date_of_birth is "2099-06-01"/);
      expect(flagsOf(byWhat('2038-01-20'))).toMatch(/future date: attributes\.date_of_birth is "2038-01-20"/);
      expect(flagsOf(byWhat('1969-12-31'))).not.toMatch(/future date/);
      expect(flagsOf(byWhat('a bidi override (removed)'))).toMatch(/bidi control characters in firstName .*removed when the name is written/);
      expect(flagsOf(byWhat('a bidi override in text (kept, flagged)'))).toMatch(/bidi control characters in attributes\.nickname .*written as they are/);
      expect(flagsOf(byWhat('an empty key'))).toMatch(/source row: key "" is not a profile column/);
      expect(flagsOf(byWhat('email as a list'))).toMatch(/invalid email: source row: email is a list/);
      expect(d.quality.totals.source_id_collision).toBe(4);
      expect(d.quality.totals.future_date).toBeGreaterThanOrEqual(4);
      expect(d.notes.some((n) => /source row\(s\) did not have the shape the API promises/.test(n))).toBe(true);
      const md = readFileSync(d.files.qualityMd, 'utf8');
      expect(md).toMatch(/1 source user id\(s\) are shared by profiles with different emails/);
    } finally {
      await source.close();
    }
  });

  it('proposes a map from the same source without tripping on the malformed rows (no field for an unusable key)', () => {
    const map = readFileSync(h.loaded.mappingFile, 'utf8');
    expect(map).toMatch(/from: attributes\.date_of_birth\n\s+to: \{ custom: Date of birth, type: date \}/);
    expect(map).not.toMatch(/attributes\.(__proto__|constructor)\b|from: attributes\.\s*$/m);
  });
});
