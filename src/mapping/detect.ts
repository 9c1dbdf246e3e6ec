/**
 * Stage 2 of the proposer: what an attribute's VALUES say. Each detector looks at the values
 * (weighted by how many contacts have each, so an inventory's value list and a sample read
 * alike) and says which share of them it recognises: emails, phone numbers (libphonenumber,
 * with or without `+`, national forms of the markets the sources serve; mobile vs landline
 * where the numbering plan says), country codes and names, postcodes and Eircodes, dates in
 * common forms (ISO, with offsets, epoch seconds and milliseconds, day-first forms), booleans
 * in every form (true/false, 1/0, yes/no, evet/hayır), JSON arrays and objects, URLs, currency
 * amounts, numbers, and identifiers that must not become fields (push and device tokens,
 * UUIDs, high-entropy ids).
 *
 * Pure: no I/O, no clock.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { countryCode, hasTimeOfDay, normaliseBoolean, normaliseDate, normaliseEmail, withoutPhoneExtension } from './normalise.js';
import { foldText } from './synonyms.js';
import { en, en_GB, tr } from '@faker-js/faker';

/** What a value can be recognised as. */
export type ValueKind =
  | 'empty'
  | 'boolean'
  | 'email'
  | 'phone'
  | 'country'
  | 'postcode'
  | 'date'
  | 'datetime'
  | 'epoch'
  | 'day_first_date'
  /** A person's full name: two to four words, the first a known given name (faker's English and Turkish lists, common Irish names). */
  | 'person_name'
  /** One known given name. */
  | 'given_name'
  /** One known surname, or an Irish or Scottish one by its prefix (Ó, Ní, Mac, Nic, O'). */
  | 'surname'
  /** Written like a username or gamertag: digits or underscores in a word ("cian99", "BETIE_MURPHYJ"). */
  | 'username'
  /** A company's name by its legal form (Ltd, plc, Teo., GmbH, A.Ş., Şti.). */
  | 'company'
  /** An Irish PPS number (7 digits and one or two letters) or a Turkish TCKN (11 digits passing its check digits). */
  | 'national_id'
  /** A day-first date whose first number cannot be a month (25/01/1995): the column's order shown. */
  | 'day_first_proof'
  | 'json_array'
  | 'json_object'
  | 'url'
  | 'currency'
  | 'integer'
  | 'number'
  | 'uuid'
  | 'push_token'
  | 'high_entropy_id'
  | 'timezone'
  | 'honorific'
  /** Integers that read as an instant over a wider span (1973–2100, ms also back to 1900): an instant only when the name says date. */
  | 'epoch_wide'
  | 'ip_address'
  | 'app_version'
  | 'device_os'
  | 'image_url'
  /** A state or status word (enabled, pending, declined, active): what a flag or a workflow says, never a place or a name. */
  | 'status_word'
  | 'text';

/** The detectors' verdict on a set of values. */
export interface ValueProfile {
  /** Values with something in them (weighted by contacts). */
  present: number;
  /** Share of present values per recognised kind (a value may count for several: "1" is a boolean and an integer). */
  shares: Partial<Record<ValueKind, number>>;
  /** The kind that explains the most values, most specific first on ties; `text` when nothing does. */
  dominant: ValueKind;
  /** Share of the dominant kind. */
  dominantShare: number;
  /** Of the phone numbers, the share libphonenumber calls mobile (or fixed-line-or-mobile). */
  mobileShare: number;
  /** Longest value as text. */
  longest: number;
  /** Every present value distinct (only meaningful with more than a handful). */
  allUnique: boolean;
  /** Distinct present values seen. */
  distinct: number;
  /** Mean length of the present values as text (weighted). */
  meanLength: number;
  /** Share of present values of five words or more (sentences, not labels). */
  wordy: number;
}

/** National numbering plans tried for numbers written without `+` (the sources' markets). */
const PHONE_REGIONS: readonly CountryCode[] = ['IE', 'GB', 'TR'];

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const URL_RE = /^(https?:\/\/|www\.)[^\s]+$/i;
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[1-8][0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i;
const EIRCODE = /^[AC-FHKNPRTV-Y]\d{2}\s?[0-9AC-FHKNPRTV-Y]{4}$/i;
const UK_POSTCODE = /^[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}$/i;
const FIVE_DIGITS = /^\d{5}$/;
const CURRENCY = /^(?:[€$£₺]\s?-?\d{1,3}(?:[.,\s]?\d{3})*(?:[.,]\d{1,2})?|-?\d{1,3}(?:[.,\s]?\d{3})*(?:[.,]\d{1,2})?\s?(?:€|₺|£|\$|EUR|TL|TRY|GBP|USD))$/i;
/** Day-first dates with slashes or dashes (dd/mm/yyyy): ambiguous with the US order. Dotted ones (dd.mm.yyyy) are read as dates. */
const DAY_FIRST = /^(0?[1-9]|[12]\d|3[01])[/-](0?[1-9]|1[0-2])[/-](\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const IPV6 = /^(?=(?:[^:]*:){3}|.*::)[0-9a-f:]{2,39}$/i;
/** App and SDK versions: 5.12.0, 4.9.9-beta, v2.1.3 (at least three parts, so a decimal number is not one). */
const APP_VERSION = /^v?\d{1,3}\.\d{1,3}\.\d{1,4}([.-][0-9A-Za-z.]+)?$/;
/** Operating systems and device models as SDKs report them. */
const DEVICE_OS = /^((ios|ipados|android|windows|macos|mac os x|os x|harmonyos|tizen)[\s_/-]?\d+([._]\d+)*|iphone\s?\d+[a-z ]*|ipad[\w ]*\d[\w ]*|pixel\s?\d+[a-z ]*|sm-[a-z]\d{3,4}[a-z]*)$/i;
const IMAGE_URL = /\.(png|jpe?g|gif|webp|svg|bmp|heic)(\?.*)?$|\/(avatar|avatars|profile[_-]?pic|photo|image|img)s?\//i;
const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?\d+([.,]\d+)?$/;
const STATUS_WORD = /^(enabled|disabled|active|inactive|passive|declined|pending|subscribed|unsubscribed|opted[ _-]?(in|out)|approved|rejected|verified|unverified|blocked|suspended|closed|cancell?ed|expired|none|unknown|new|open|aktif|pasif|onay|ret|beklemede|iptal)$/i;
const HONORIFICS = new Set(['mr', 'mrs', 'ms', 'miss', 'dr', 'prof', 'mx', 'sir', 'bay', 'bayan', 'sayin', 'uasal', 'bean uasal']);
/** Epoch seconds and milliseconds between 2001 and 2040: an integer in these ranges is very likely an instant. */
const EPOCH_S = [978_307_200, 2_208_988_800] as const;
const EPOCH_MS = [978_307_200_000, 2_208_988_800_000] as const;

/** Shannon entropy of a string, in bits per character. */
function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

function asText(v: unknown): string {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

/** Kinds one value reads as (a value may read as several). */
export function kindsOf(v: unknown): ValueKind[] {
  if (v === null || v === undefined) return ['empty'];
  if (Array.isArray(v)) return v.length === 0 ? ['empty'] : tokenList(v) ? ['json_array', 'push_token'] : ['json_array'];
  if (typeof v === 'object') return ['json_object'];
  const s = asText(v);
  // "XX": the code systems write for "not known" (Adobe Campaign's country code); not a value.
  // MySQL's zero date ("0000-00-00") is how some systems write "no date".
  if (s.length === 0 || s === '[]' || s === '{}' || /^(null|undefined|n\/a|XX|0000-00-00( 00:00:00)?)$/i.test(s)) return ['empty'];
  const kinds: ValueKind[] = [];
  if (typeof v === 'boolean' || (typeof v === 'string' && normaliseBoolean(v).ok && !/^\d$/.test(s)) || s === '0' || s === '1') kinds.push('boolean');
  if ((s.startsWith('[') && s.endsWith(']')) || (s.startsWith('{') && s.endsWith('}'))) {
    try {
      const parsed: unknown = JSON.parse(s);
      if (Array.isArray(parsed)) kinds.push(...(tokenList(parsed) ? (['json_array', 'push_token'] as const) : (['json_array'] as const)));
      else if (parsed !== null && typeof parsed === 'object') kinds.push('json_object');
    } catch {
      // not JSON: text
    }
  }
  if (EMAIL.test(s) && normaliseEmail(s).ok) kinds.push('email');
  if (URL_RE.test(s)) kinds.push('url');
  if (URL_RE.test(s) && IMAGE_URL.test(s)) kinds.push('image_url');
  if (IPV4.test(s) || IPV6.test(s)) kinds.push('ip_address');
  if (APP_VERSION.test(s)) kinds.push('app_version');
  if (DEVICE_OS.test(s)) kinds.push('device_os');
  if (UUID.test(s)) kinds.push('uuid');
  // Push tokens: FCM "<instance>:APA91…" or long base64url; APNs 64 hex characters.
  if (isPushToken(s)) kinds.push('push_token');
  else if (isNationalId(s)) kinds.push('national_id');
  // Salesforce record ids (contact 003…, lead 00Q…, account 001…, user 005…): another system's ids.
  else if (/^00[1356Q][0-9A-Za-z]{12}([0-9A-Za-z]{3})?$/.test(s) && /[A-Za-z]/.test(s.slice(3))) kinds.push('high_entropy_id');
  // Password hashes (bcrypt, argon2, PHP's crypt): a secret, like a random id.
  else if (/^\$(2[abxy]?|argon2(id|i|d)?|[156])\$/.test(s) && s.length >= 30) kinds.push('high_entropy_id');
  // Random-looking: one long run of mixed letters and digits ("card_1IOeBusJiAD2hyRGFrNg1MMw"), not words joined by _ ("black_friday_2026").
  else if (s.length >= 16 && /^[A-Za-z0-9_-]+$/.test(s) && /\d/.test(s) && /[A-Za-z]/.test(s) && entropy(s) >= 3.5 && s.split(/[_-]/).some((part) => part.length >= 12 && /\d/.test(part) && /[A-Za-z]/.test(part))) kinds.push('high_entropy_id');
  if (INTEGER.test(s)) {
    const n = Number(s);
    kinds.push('integer');
    if ((n >= EPOCH_S[0] && n <= EPOCH_S[1]) || (n >= EPOCH_MS[0] && n <= EPOCH_MS[1])) kinds.push('epoch');
    if ((n >= 1e8 && n <= 4.1e9) || (Math.abs(n) >= 1e11 && n <= 4.1e12 && n >= -2.2e12)) kinds.push('epoch_wide');
  } else if (DECIMAL.test(s) && !/,/.test(s)) kinds.push('number');
  if (CURRENCY.test(s) && !INTEGER.test(s) && !DECIMAL.test(s)) kinds.push('currency');
  const dayFirst = DAY_FIRST.exec(s);
  if (dayFirst) {
    kinds.push('day_first_date');
    if (Number(dayFirst[1]) > 12) kinds.push('day_first_proof');
  }
  else if (!INTEGER.test(s) && !DECIMAL.test(s) && /\d{4}|\d{1,2}:\d{2}/.test(s) && normaliseDate(s).ok) kinds.push(hasTimeOfDay(s) ? 'datetime' : 'date');
  if (EIRCODE.test(s) || UK_POSTCODE.test(s) || (typeof v === 'string' && FIVE_DIGITS.test(s))) kinds.push('postcode');
  // IANA names, UTC/GMT offsets, and the names calendars and Windows show ("Central European Time", "(GMT) Greenwich Mean Time: Dublin").
  if (/^[A-Za-z]+\/[A-Za-z_]+(\/[A-Za-z_]+)?$/.test(s) || /^(UTC|GMT)([+-]\d{1,2}(:?\d{2})?)?$/.test(s) || /^\((UTC|GMT)[^)]*\)/.test(s) || /\b(Standard|Daylight|Mean|European|Pacific|Eastern|Central|Mountain|Atlantic|Lisbon|Turkey|Ireland) Time\b/.test(s)) kinds.push('timezone');
  if (HONORIFICS.has(s.toLowerCase().replace(/\.$/, ''))) kinds.push('honorific');
  if (/(^|[\s,])(ltd|limited|plc|inc|llc|gmbh|teo|teoranta|dac|clg|a\.?\s?ş|şti|ltd\.?\s?şti|san\.|tic\.)\.?($|\s)/i.test(s)) kinds.push('company');
  if (STATUS_WORD.test(s)) kinds.push('status_word');
  if (!/^[A-Za-z]{2}$/.test(s) || s === s.toUpperCase() || s === s.toLowerCase()) {
    if (s.length <= 60 && !/\d/.test(s) && countryCode(s) !== null) kinds.push('country');
  }
  if (isPhone(s)) kinds.push('phone');
  if (typeof v === 'string') kinds.push(...nameKinds(s));
  if (typeof v === 'string' && /^[\p{L}\d._-]{3,30}$/u.test(s) && /[\p{L}]/u.test(s) && /[\d_]/.test(s) && !/^\d/.test(s)) kinds.push('username');
  return kinds.length > 0 ? kinds : ['text'];
}

/** Given names and surnames people in the sources' markets have: faker's English and Turkish lists and common Irish names. */
let personNames: { given: Set<string>; surnames: Set<string> } | undefined;
const IRISH_GIVEN = 'aoife siobhan niamh saoirse caoimhe roisin clodagh sinead orla aisling grainne ciara eabha sile maire brid nora deirdre muireann orlaith sadhbh meabh eimear fionnuala una laoise cliodhna sean ciaran cian oisin padraig darragh eoin diarmuid donnchadh cathal colm conor conall fionn tadhg ruairi ronan niall seamus eamon eamonn aodhan cormac donal fergal lorcan odhran peadar micheal tomas ruadhan cillian shane declan'.split(' ');
const IRISH_SURNAMES = "murphy kelly sullivan walsh byrne ryan connor neill reilly doyle mccarthy gallagher doherty kennedy lynch murray quinn moore mcloughlin carroll connolly daly connell wilson dunne brennan burke collins campbell clarke johnston hughes farrell fitzgerald brown martin maguire nolan flynn thompson callaghan boyle healy shea white sweeney hayes kavanagh power mcgrath moran brady stewart casey foley fitzpatrick leary mcdonnell macmahon donnell regan donovan burns flanagan mullan barry kane robinson cunningham griffin kenny sheehan ward whelan lyons reid graham higgins cullen keane king maher mckenna bell scott hogan keeffe magee mcnamara mcdonald hurley nic ni mac".split(' ');
function names(): { given: Set<string>; surnames: Set<string> } {
  if (personNames) return personNames;
  const lists = (x: unknown): string[] => (Array.isArray(x) ? (x as string[]) : x && typeof x === 'object' ? Object.values(x).flatMap(lists) : []);
  const given = new Set([...lists(en.person?.first_name), ...lists(en_GB.person?.first_name), ...lists(tr.person?.first_name), ...IRISH_GIVEN].map((n) => foldText(n)));
  const surnames = new Set([...lists(en.person?.last_name), ...lists(en_GB.person?.last_name), ...lists(tr.person?.last_name), ...IRISH_SURNAMES].map((n) => foldText(n)));
  personNames = { given, surnames };
  return personNames;
}

/** Kinds of a value that may be a person's name (full, given or surname). */
function nameKinds(s: string): ValueKind[] {
  if (s.length > 60 || !/^[\p{L}][\p{L}'’. -]*$/u.test(s)) return [];
  const words = s.split(/\s+/);
  const { given, surnames } = names();
  const first = foldText(words[0]!);
  if (words.length >= 2 && words.length <= 4) {
    // "Ó Ceallaigh", "Ní Bhriain", "Mac Cárthaigh": a surname by its prefix.
    if (words.length <= 3 && /^(o|ni|nic|mac|mc|ui|de)$/.test(first) && /^\p{Lu}/u.test(words[1]!)) return ['surname'];
    return given.has(first) ? ['person_name'] : [];
  }
  // A word both lists hold ("Murphy", "Yılmaz") counts for both.
  const out: ValueKind[] = [];
  if (given.has(first)) out.push('given_name');
  if (surnames.has(first) || /^(o'|mc|mac)\p{L}{2,}/iu.test(s)) out.push('surname');
  return out;
}

/** Ireland's PPS number (1234567T, 1234567TA) or Turkey's TCKN (11 digits, its two check digits right). */
function isNationalId(s: string): boolean {
  if (/^\d{7}[A-W][A-IW]?$/i.test(s)) return true;
  if (!/^[1-9]\d{10}$/.test(s)) return false;
  const d = [...s].map(Number);
  const odd = d[0]! + d[2]! + d[4]! + d[6]! + d[8]!;
  const even = d[1]! + d[3]! + d[5]! + d[7]!;
  return (((odd * 7 - even) % 10) + 10) % 10 === d[9] && d.slice(0, 10).reduce((a, b) => a + b, 0) % 10 === d[10];
}

/** A list of push tokens ("$android_devices") is a device's, like one token. */
const tokenList = (xs: readonly unknown[]) => xs.length > 0 && xs.every((x) => typeof x === 'string' && isPushToken(x.trim()));

/** Push tokens: FCM "<instance>:APA91…" or long base64url; APNs 64 hex characters. */
function isPushToken(s: string): boolean {
  return /^[A-Za-z0-9_-]{11,}:APA91[A-Za-z0-9_-]{20,}$/.test(s) || /^[0-9a-f]{64}$/i.test(s) || (/^[A-Za-z0-9_:-]{100,}$/.test(s) && entropy(s) > 4);
}

function phoneOf(written: string) {
  const s = withoutPhoneExtension(written);
  if (!/^[+(]?[\d\s().-]{7,20}$/.test(s)) return undefined;
  const digits = s.replace(/\D/g, '');
  if (digits.length < 9 || digits.length > 15) return undefined;
  // Bare digits starting with 1 are ids ("100004521"), not a national number written without its trunk 0, unless long enough for +1.
  if (/^1\d*$/.test(s) && digits.length < 11) return undefined;
  const tries = s.startsWith('+') ? [parsePhoneNumberFromString(s)] : s.startsWith('00') ? [parsePhoneNumberFromString(`+${digits.slice(2)}`)] : [parsePhoneNumberFromString(`+${digits}`), ...PHONE_REGIONS.map((r) => parsePhoneNumberFromString(s, r))];
  return tries.find((p) => p !== undefined && p.isValid());
}

/**
 * Written like a phone number: starting with an international "+", a national trunk "0" or a
 * bracketed area code, and of a length the numbering plan allows. Reserved or unassigned
 * ranges (the 555-01xx and 07700 900xxx numbers of fiction and test data) read as phones here
 * though the `phone` transform will refuse them: the column is a phone column either way.
 */
function writtenAsPhone(written: string): boolean {
  const s = withoutPhoneExtension(written);
  // "0001048215": zero-padded ids, not a trunk prefix.
  if (!/^[+(]?[\d\s().-]{7,20}$/.test(s) || !/^(\+|0|\()/.test(s) || /^000/.test(s)) return false;
  const digits = s.replace(/\D/g, '');
  if (digits.length < 9 || digits.length > 15) return false;
  const tries = s.startsWith('+') ? [parsePhoneNumberFromString(s)] : PHONE_REGIONS.map((r) => parsePhoneNumberFromString(s, r));
  return tries.some((p) => p !== undefined && p.isPossible());
}

function isPhone(s: string): boolean {
  return phoneOf(s) !== undefined || writtenAsPhone(s);
}

/** True when the number reads as a mobile (or a plan that does not tell mobile and fixed apart). */
function isMobile(s: string): boolean {
  const t = phoneOf(s)?.getType();
  return t === 'MOBILE' || t === 'FIXED_LINE_OR_MOBILE' || t === undefined;
}

/**
 * Do values look like a closed list (a dropdown) rather than open text? Fewer than 200
 * distinct, and they repeat: at most half as many distinct values as values, or — with fewer
 * than 30 values, where half is a high bar — some value repeating and at most three distinct in
 * four. Values that never repeat are open-ended, however few.
 */
export function isCategorical(distinct: number, present: number, anyRepeat: boolean): boolean {
  if (distinct <= 0 || distinct >= 200) return false;
  if (distinct <= present / 2 || (distinct <= 2 && present >= 3)) return true;
  return present < 30 && anyRepeat && distinct <= 0.75 * present;
}

/** Kinds in the order a tie is broken: the more specific first. */
const SPECIFICITY: readonly ValueKind[] = [
  'push_token', 'uuid', 'email', 'image_url', 'url', 'ip_address', 'app_version', 'device_os', 'json_object', 'json_array', 'phone', 'epoch', 'datetime', 'date', 'day_first_date', 'day_first_proof', 'national_id', 'timezone', 'honorific',
  'country', 'postcode', 'company', 'person_name', 'given_name', 'surname', 'currency', 'boolean', 'status_word', 'integer', 'number', 'epoch_wide', 'high_entropy_id', 'username', 'text',
];

/**
 * Profile a set of values: `values` are [value, how many contacts have it] pairs (an
 * inventory's counted list, or each sampled value once).
 */
export function profileValues(values: ReadonlyArray<readonly [unknown, number]>): ValueProfile {
  const totals = new Map<ValueKind, number>();
  let present = 0;
  let longest = 0;
  let mobile = 0;
  let phones = 0;
  const seen = new Set<string>();
  let repeats = false;
  let lengths = 0;
  let wordy = 0;
  let otherNumbers = false;
  for (const [v, n] of values) {
    const kinds = kindsOf(v);
    if (kinds[0] === 'empty') continue;
    present += n;
    const text = asText(v);
    longest = Math.max(longest, text.length);
    lengths += text.length * n;
    if (text.split(/\s+/).length >= 5) wordy += n;
    if (seen.has(text) || n > 1) repeats = true;
    if (kinds.includes('integer') && text !== '0' && text !== '1') otherNumbers = true;
    seen.add(text);
    for (const k of new Set(kinds)) totals.set(k, (totals.get(k) ?? 0) + n);
    if (kinds.includes('phone')) {
      phones += n;
      if (isMobile(text)) mobile += n;
    }
  }
  const shares: Partial<Record<ValueKind, number>> = {};
  for (const [k, n] of totals) shares[k] = present === 0 ? 0 : n / present;
  // Booleans only when the values really are two-valued: 0/1 integers among other numbers are counts.
  // Spellings of yes and no ("Hayır", "hayır", "Hayir") count once each.
  const spellings = new Set([...seen].map((t) => foldText(t)));
  if ((shares.boolean ?? 0) > 0 && (otherNumbers || spellings.size > 6)) delete shares.boolean;
  let dominant: ValueKind = 'text';
  let dominantShare = 0;
  for (const k of SPECIFICITY) {
    const s = shares[k] ?? 0;
    if (s > dominantShare + 1e-9) {
      dominant = k;
      dominantShare = s;
    }
  }
  if (present === 0) dominant = 'empty';
  return {
    present, shares, dominant, dominantShare, mobileShare: phones === 0 ? 0 : mobile / phones, longest, allUnique: !repeats, distinct: seen.size,
    meanLength: present === 0 ? 0 : lengths / present, wordy: present === 0 ? 0 : wordy / present,
  };
}

/** A short phrase for the evidence: "98% phone numbers (mobile)". */
export function describeProfile(p: ValueProfile): string {
  if (p.present === 0) return 'no values to look at';
  const pct = `${Math.round(p.dominantShare * 100)}%`;
  const what: Record<ValueKind, string> = {
    empty: 'empty', boolean: 'yes/no values', email: 'emails', phone: `phone numbers (${p.mobileShare >= 0.5 ? 'mobile' : 'landline'})`, country: 'countries',
    postcode: 'postcodes', date: 'dates', datetime: 'date-times', epoch: 'epoch timestamps', day_first_date: 'day-first dates (dd/mm/yyyy)', day_first_proof: 'day-first dates (dd/mm/yyyy)', national_id: 'national identity numbers (PPS, TCKN)', company: 'company names', person_name: "people's full names", given_name: 'given names', surname: 'surnames', username: 'codes or usernames',
    json_array: 'JSON lists', json_object: 'JSON objects', url: 'URLs', currency: 'currency amounts', integer: 'whole numbers', number: 'numbers',
    uuid: 'UUIDs', push_token: 'push tokens', high_entropy_id: 'random-looking ids', timezone: 'time zone names', honorific: 'salutations (Mr, Ms, …)', text: 'text',
    epoch_wide: 'whole numbers that could be timestamps', status_word: 'state or status words', ip_address: 'IP addresses', app_version: 'app versions', device_os: 'operating systems or device models', image_url: 'image URLs',
  };
  return `${pct} ${what[p.dominant]}`;
}
