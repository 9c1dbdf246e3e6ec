/**
 * Pure value normalisers: source value in, Freshsales-ready value or a reason out. No I/O,
 * no clock, no logger, and no dependence on the machine's time zone: dates are computed
 * with calendar arithmetic, never with Date's local getters.
 */
import { getCountries, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { EARLIEST_INSTANT_MS, LATEST_INSTANT_MS, parseUnixTimestamp, readDateTimeText, type ParsedDateTime } from '../core/datetime.js';

/** A normaliser's answer: the value to write, or why there is none. */
export type Normalised<T> = { ok: true; value: T } | { ok: false; reason: string };

const ok = <T>(value: T): Normalised<T> => ({ ok: true, value });
const fail = <T = never>(reason: string): Normalised<T> => ({ ok: false, reason });

/** True for values that mean "nothing here": null, undefined, '' or whitespace, an empty list. */
export function isAbsent(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (typeof v === 'string') return v.trim().length === 0;
  if (Array.isArray(v)) return v.length === 0;
  return false;
}

// ---------------------------------------------------------------------------------------
// Email

const MAX_EMAIL = 254;
const MAX_LOCAL = 64;
/** RFC 5322 dot-atom characters for the local part (quoted local parts are not accepted). */
const LOCAL_CHARS = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Validate an email for writing. The written value is trimmed, keeps the local part exactly
 * (it is the mailbox owner's), and has the domain in lower-case ASCII.
 *
 * Internationalised domains (`josé@bücher.de`'s domain part) are accepted and written in
 * their ASCII (punycode) form, `xn--bcher-kva.de`: it is the same mailbox for every mail
 * system, and ASCII is what a CRM's email validator is sure to accept. Non-ASCII in the
 * local part (SMTPUTF8 mailboxes) is rejected: many mail systems cannot deliver to it and
 * Freshsales' acceptance of it is unknown, so such a contact is quarantined with a clear
 * reason instead of failing at load time.
 */
export function normaliseEmail(raw: unknown): Normalised<string> {
  if (typeof raw !== 'string') return fail(raw === null || raw === undefined ? 'empty' : `not text (${typeof raw})`);
  const s = raw.trim();
  if (s.length === 0) return fail('empty');
  if (/[\r\n\u2028\u2029]/.test(s)) return fail('contains a line break');
  if (/\s/.test(s)) return fail('contains spaces');
  const at = s.lastIndexOf('@');
  if (at < 0) return fail('no @');
  if (s.indexOf('@') !== at) return fail('more than one @');
  const local = s.slice(0, at);
  const domainRaw = s.slice(at + 1);
  if (local.length === 0) return fail('nothing before the @');
  if (domainRaw.length === 0) return fail('nothing after the @');
  if (s.includes('..')) return fail('consecutive dots');
  if (local.length > MAX_LOCAL) return fail(`the part before the @ is longer than ${MAX_LOCAL} characters`);
  if (/[^\x20-\x7e]/.test(local)) return fail('non-ASCII characters before the @');
  if (!LOCAL_CHARS.test(local)) return fail('characters not allowed before the @');
  if (local.startsWith('.') || local.endsWith('.')) return fail('a dot at the start or end of the part before the @');
  const domain = asciiDomain(domainRaw);
  if (domain === null) return fail('the domain is not a valid host name');
  if (!domain.includes('.')) return fail('no dot in the domain');
  const labels = domain.split('.');
  if (labels.some((l) => !LABEL.test(l))) return fail('the domain is not a valid host name');
  const tld = labels[labels.length - 1] as string;
  if (!/^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/.test(tld)) return fail('the domain does not end in a valid top-level domain');
  const value = `${local}@${domain}`;
  if (value.length > MAX_EMAIL) return fail(`longer than ${MAX_EMAIL} characters`);
  return ok(value);
}

/**
 * The dedupe and matching key of an email: normalised and fully lower-cased (Freshsales
 * compares emails case-insensitively, local part included), or null when invalid.
 */
export function emailKey(raw: unknown): string | null {
  const n = normaliseEmail(raw);
  return n.ok ? n.value.toLowerCase() : null;
}

/** Lower-case ASCII form of a domain (IDN → punycode), or null when it is not a host name. */
function asciiDomain(domain: string): string | null {
  if (/^[\x21-\x7e]+$/.test(domain)) return domain.toLowerCase();
  // WHATWG URL parsing applies UTS #46 (the browser's IDN rules): pure, no I/O.
  if (/[/?#:@[\]\\%]/.test(domain)) return null;
  try {
    const host = new URL(`http://${domain}/`).hostname;
    return /^[\x21-\x7e]+$/.test(host) ? host : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------
// Phone

const COUNTRY_CODES = new Set<string>(getCountries());
/** Country names people type that the English region names do not cover. */
const COUNTRY_ALIASES: Record<string, CountryCode> = {
  uk: 'GB', 'great britain': 'GB', england: 'GB', scotland: 'GB', wales: 'GB', 'northern ireland': 'GB',
  usa: 'US', 'united states of america': 'US', america: 'US', turkey: 'TR', 'czech republic': 'CZ',
  holland: 'NL', 'the netherlands': 'NL', 'republic of ireland': 'IE', eire: 'IE', 'south korea': 'KR', korea: 'KR',
  russia: 'RU', 'russian federation': 'RU', uae: 'AE', 'ivory coast': 'CI', 'viet nam': 'VN',
  // The same in Irish and Turkish (the parts of the UK, the USA as people say it).
  sasana: 'GB', albain: 'GB', 'an bhreatain bheag': 'GB', 'tuaisceart eireann': 'GB', 'an bhreatain mhor': 'GB', 'na stait aontaithe': 'US', 'meiricea': 'US',
  ingiltere: 'GB', iskocya: 'GB', galler: 'GB', 'kuzey irlanda': 'GB', abd: 'US', amerika: 'US', 'amerika birlesik devletleri': 'US',
};
let countryNames: Map<string, CountryCode> | null = null;

const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/[^a-z ]/g, ' ').replace(/\s+/g, ' ').trim();

/**
 * ISO 3166 alpha-2 code for a country as sources write it: a code ("ie", "IE"), an English,
 * Turkish or Irish name ("Ireland", "İrlanda", "Éire", "Türkiye", "Turkey") or a common alias ("UK"); null when unknown.
 */
export function countryCode(hint: string | null | undefined): CountryCode | null {
  if (!hint) return null;
  const t = hint.trim();
  if (/^[A-Za-z]{2}$/.test(t)) {
    const c = t.toUpperCase() === 'UK' ? 'GB' : t.toUpperCase();
    return COUNTRY_CODES.has(c) ? (c as CountryCode) : null;
  }
  const key = fold(t);
  if (COUNTRY_ALIASES[key]) return COUNTRY_ALIASES[key];
  if (countryNames === null) {
    // Built once from the runtime's region names (full ICU ships with Node 20).
    countryNames = new Map();
    // English first; Turkish and Irish names too ("Almanya", "Éire"), as sources in those markets write them.
    for (const locale of ['en', 'tr', 'ga']) {
      const names = new Intl.DisplayNames([locale], { type: 'region' });
      for (const code of COUNTRY_CODES) {
        const name = names.of(code);
        if (name && name !== code && !countryNames.has(fold(name))) countryNames.set(fold(name), code as CountryCode);
      }
    }
  }
  return countryNames.get(key) ?? null;
}

/** An extension after a number ("ext. 214", "x12", Turkish "dahili 45", Irish "síneadh 20"): a Freshsales phone field has no room for it. */
export const withoutPhoneExtension = (s: string): string => s.replace(/\s*(?:ext\.?|extension|x|#|dahili|s[ií]neadh)\s*\d+$/i, '');

/**
 * A phone number in E.164 (`+353871234567`), using libphonenumber's full metadata.
 *
 * Digits without '+' are ambiguous: some sources store E.164 without the '+', but people
 * also type national numbers. Unless the number looks national (a leading trunk 0 or a
 * parenthesised area code), it is first read as international ('+' prepended) and taken if
 * valid; otherwise it is read as a national number of `countryHint` (an ISO code or a
 * country name). `00` is read as the international prefix.
 */
export function normalisePhone(raw: unknown, countryHint?: string | null): Normalised<string> {
  let s: string;
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw > 0) s = String(raw);
  else if (typeof raw === 'string') s = raw.trim();
  else return fail(raw === null || raw === undefined ? 'empty' : 'not a phone number');
  if (s.length === 0) return fail('empty');
  // Letters (other than an extension marker) mean this is not a number someone can dial.
  const withoutExt = withoutPhoneExtension(s);
  if (!/^[+\d\s().\-/]+$/.test(withoutExt) || !/\d/.test(withoutExt)) return fail('not a phone number');
  const digits = withoutExt.replace(/\D/g, '');
  if (digits.length < 5 || digits.length > 17) return fail('not a phone number');
  const country = countryCode(countryHint ?? null);

  if (withoutExt.startsWith('+') || withoutExt.startsWith('00')) {
    const p = parsePhoneNumberFromString(`+${withoutExt.startsWith('00') ? digits.slice(2) : digits}`);
    if (p?.isValid()) return ok(p.number);
    return fail(`not a valid phone number for any country (${s})`);
  }

  const looksNational = withoutExt.startsWith('0') || withoutExt.includes('(');
  const tryInternational = () => {
    const p = parsePhoneNumberFromString(`+${digits}`);
    return p?.isValid() ? p.number : null;
  };
  const tryNational = () => {
    if (!country) return null;
    const p = parsePhoneNumberFromString(withoutExt, country);
    return p?.isValid() ? p.number : null;
  };
  const found = looksNational ? (tryNational() ?? tryInternational()) : (tryInternational() ?? tryNational());
  if (found) return ok(found);
  if (!country && looksNational) return fail('not a phone number without a country (national format and no known country)');
  return fail('not a phone number');
}

// ---------------------------------------------------------------------------------------
// Names and text

/**
 * Explicit bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069):
 * invisible, they reorder how the text around them displays ("Trojan Source" spoofing).
 */
export const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;

/** True when `s` holds an explicit bidi embedding, override or isolate. */
export function hasBidiControls(s: string): boolean {
  return /[\u202a-\u202e\u2066-\u2069]/.test(s);
}

/** True when `s` holds a lone UTF-16 surrogate (JSON can carry one; no UTF-8 file or API can). */
function hasLoneSurrogate(s: string): boolean {
  return /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

/**
 * A person's name as Freshsales should show it: trimmed, inner whitespace collapsed to one
 * space, Unicode NFC (so "O" + combining acute and "Ó" are the same name), explicit bidi
 * embeddings, overrides and isolates removed (a right-to-left name displays right-to-left
 * without them; with them a name can show as something else). Letters, case, emoji and
 * apostrophes are kept exactly (Ó, ş, İ, ı, ß, Ł, محمد, O'Brien, D’Arcy). Control characters
 * (NUL included) and broken UTF-16 are rejected, not silently removed: the reader should know
 * the source holds them. Over 255 characters is rejected: Freshsales refuses the whole
 * contact rather than truncating.
 */
export function normaliseName(raw: unknown): Normalised<string> {
  if (typeof raw === 'number' && Number.isFinite(raw)) raw = String(raw);
  if (typeof raw !== 'string') return fail(raw === null || raw === undefined ? 'empty' : `not text (${describeKind(raw)})`);
  if (hasLoneSurrogate(raw)) return fail('not valid Unicode text (a lone surrogate)');
  const s = raw.normalize('NFC').replace(BIDI_CONTROLS, '').replace(/\s+/gu, ' ').trim();
  if (s.length === 0) return fail('empty');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(s)) return fail('contains control characters');
  const chars = [...s].length;
  if (chars > 255) return fail(`longer than 255 characters (${chars})`);
  return ok(s);
}

/** What kind of value `v` is, in words, for reasons ("a list", "an object"). */
function describeKind(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'an object' : typeof v;
}

/**
 * Any scalar as text: strings trimmed (inner text untouched), numbers and booleans as
 * written in JSON, lists joined with ", " (see `normaliseArrayToText`), objects as JSON.
 * `maxChars` (code points) rejects what the destination field cannot hold.
 */
export function normaliseText(raw: unknown, maxChars?: number): Normalised<string> {
  let s: string;
  if (typeof raw === 'string') {
    if (hasLoneSurrogate(raw)) return fail('not valid Unicode text (a lone surrogate)');
    s = raw.trim();
    // Tabs and line breaks are text; NUL and other controls are not, and no text field stores them.
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s)) return fail('contains control characters');
  }
  else if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) return fail('not a finite number');
    s = String(raw);
  } else if (typeof raw === 'boolean') s = String(raw);
  else if (Array.isArray(raw)) return normaliseArrayToText(raw, maxChars);
  else if (raw !== null && typeof raw === 'object') s = JSON.stringify(raw);
  else return fail('empty');
  if (s.length === 0) return fail('empty');
  if (maxChars !== undefined) {
    const chars = [...s].length;
    if (chars > maxChars) return fail(`longer than ${maxChars} characters (${chars})`);
  }
  return ok(s);
}

// ---------------------------------------------------------------------------------------
// Numbers and booleans

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** An amount without its currency sign or code ("€12.50", "120 TL" → "12.50", "120"); other text unchanged. */
function withoutCurrency(raw: string): string {
  return raw.trim().replace(/^[€$£₺]\s?/, '').replace(/\s?(?:€|₺|£|\$|EUR|TL|TRY|GBP|USD)$/i, '');
}

/**
 * A number from a number or a plain decimal string ("12", "-1.5", "1e3"), also with a
 * currency sign or code around it ("€12.50", "120 TL"). Thousands
 * separators and decimal commas are rejected, not guessed: "1,234" is 1234 in one country
 * and 1.234 in another. `maxIntegerDigits` enforces the destination's limit (Freshsales
 * number fields: 11 digits before the point).
 */
export function normaliseNumber(raw: unknown, maxIntegerDigits?: number, maxDecimals?: number): Normalised<number> {
  let n: number;
  if (typeof raw === 'number') n = raw;
  else if (typeof raw === 'string' && DECIMAL.test(raw.trim())) n = Number(raw.trim());
  else if (typeof raw === 'string' && DECIMAL.test(withoutCurrency(raw))) n = Number(withoutCurrency(raw));
  else return fail(`not a number (${describe(raw)})`);
  if (!Number.isFinite(n)) return fail(`not a finite number (${describe(raw)})`);
  if (maxIntegerDigits !== undefined && Math.abs(n) >= 10 ** maxIntegerDigits) return fail(`too large: more than ${maxIntegerDigits} digits before the decimal point`);
  if (maxDecimals !== undefined) {
    // Binary float noise (38467.770000000004) is rounded away; real precision beyond the
    // target's decimals is not silently cut.
    const rounded = Number(n.toFixed(maxDecimals));
    if (Math.abs(rounded - n) > Math.max(1, Math.abs(n)) * 1e-12) return fail(`more than ${maxDecimals} decimals (${describe(raw)}): Freshsales keeps ${maxDecimals}`);
    n = rounded;
  }
  // -0 would be written as 0 anyway; keeping it makes equality checks surprising.
  return ok(n === 0 ? 0 : n);
}

/** A whole number ("12", 12, "12.0"); "1.5" is rejected rather than rounded. */
export function normaliseInteger(raw: unknown, maxIntegerDigits?: number): Normalised<number> {
  const n = normaliseNumber(raw, maxIntegerDigits);
  if (!n.ok) return n;
  if (!Number.isInteger(n.value)) return fail(`not a whole number (${describe(raw)})`);
  if (!Number.isSafeInteger(n.value)) return fail(`too large to be exact (${describe(raw)})`);
  return n;
}

// Turkish evet/hayır (also without the dotless ı) and Irish tá/níl (also without the fadas), as sources export them.
// Turkish var/yok ("there is" / "there is none": izin var, izin yok) too.
// A spreadsheet's tick ("x", "✓") is a yes.
const TRUE_WORDS = new Set(['true', 't', 'yes', 'y', '1', 'on', 'evet', 'tá', 'ta', 'var', 'x', '✓', '✔']);
const FALSE_WORDS = new Set(['false', 'f', 'no', 'n', '0', 'off', 'hayır', 'hayir', 'níl', 'nil', 'yok']);

/** A boolean from true/false, 1/0 or the words true/false, yes/no, y/n, on/off (any case). */
export function normaliseBoolean(raw: unknown): Normalised<boolean> {
  if (typeof raw === 'boolean') return ok(raw);
  if (raw === 1 || raw === 0) return ok(raw === 1);
  if (typeof raw === 'string') {
    const s = raw.trim().toLowerCase();
    if (TRUE_WORDS.has(s)) return ok(true);
    if (FALSE_WORDS.has(s)) return ok(false);
  }
  return fail(`not a yes/no value (${describe(raw)})`);
}

/**
 * Freshsales subscription status codes the `subscription` transform writes. Marked [?] in
 * api/freshsales.md's spirit: the public docs do not pin the codes down; a map can write
 * other codes with `transform: integer` and a `values` map (e.g. `"false": 2`).
 */
export const SUBSCRIPTION_CODES = { subscribed: 1, unsubscribed: 0 } as const;

/** A subscription flag (true/false, 1/0, yes/no, "subscribed"/"unsubscribed") → Freshsales code. */
export function normaliseSubscription(raw: unknown): Normalised<number> {
  if (typeof raw === 'string') {
    // "opted_in", "opt-in" and "opted in" alike.
    const s = raw.trim().toLowerCase().replace(/[_-]/g, ' ');
    // ONAY / RET: the statuses of Turkey's consent register (İYS, İleti Yönetim Sistemi).
    if (s === 'subscribed' || s === 'opted in' || s === 'opt in' || s === 'onay') return ok(SUBSCRIPTION_CODES.subscribed);
    if (s === 'unsubscribed' || s === 'opted out' || s === 'opt out' || s === 'ret') return ok(SUBSCRIPTION_CODES.unsubscribed);
  }
  const b = normaliseBoolean(raw);
  if (!b.ok) return fail(`not a subscription flag (${describe(raw)})`);
  return ok(b.value ? SUBSCRIPTION_CODES.subscribed : SUBSCRIPTION_CODES.unsubscribed);
}

// ---------------------------------------------------------------------------------------
// Lists

/**
 * A list from a real array, a JSON array string (Array attributes sent as text) or a single
 * value (a one-element list). Elements become trimmed strings (objects as JSON); empty
 * elements and repeats are dropped, first occurrence order kept.
 */
export function normaliseArray(raw: unknown): Normalised<string[]> {
  let items: unknown[];
  if (Array.isArray(raw)) items = raw;
  else if (typeof raw === 'string') {
    const s = raw.trim();
    if (s.startsWith('[')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(s);
      } catch {
        return fail('looks like a JSON list but is not valid JSON');
      }
      if (!Array.isArray(parsed)) return fail('not a list');
      items = parsed;
    } else {
      items = s.length > 0 ? [s] : [];
    }
  } else if (typeof raw === 'number' || typeof raw === 'boolean') items = [raw];
  else if (raw === null || raw === undefined) items = [];
  else return fail('not a list (an object)');
  const out: string[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    if (item === null || item === undefined) continue;
    const s = (typeof item === 'object' ? JSON.stringify(item) : String(item)).trim();
    if (s.length === 0 || seen.has(s)) continue;
    seen.add(s);
    out.push(s);
  }
  return ok(out);
}

/** A list as one line of text, elements joined with ", " (for text and textarea fields). */
export function normaliseArrayToText(raw: unknown, maxChars?: number): Normalised<string> {
  const a = normaliseArray(raw);
  if (!a.ok) return a;
  if (a.value.length === 0) return fail('empty');
  const s = a.value.join(', ');
  if (maxChars !== undefined && [...s].length > maxChars) return fail(`longer than ${maxChars} characters (${[...s].length})`);
  return ok(s);
}

// ---------------------------------------------------------------------------------------
// Dates

/**
 * Read the sources' and ISO 8601 date forms (see `readDateTimeText`): `YYYY-MM-DD`,
 * `YYYY-MM-DD HH:MM[:SS[.fff]]` (UTC when no offset is given), with ` +01:00`, `+0100`, `+01`
 * or `Z`, with `T` or a space; offsets only as far as real ones go (±14:00). Also unix
 * seconds or milliseconds as a number or a 10/13-digit string (told apart by size: below
 * 1e11 is seconds).
 */
function readDate(raw: unknown): Normalised<ParsedDateTime> {
  if (typeof raw === 'number') return unix(raw);
  if (typeof raw !== 'string') return fail(`not a date (${describe(raw)})`);
  const s = raw.trim();
  if (/^\d{10}(?:\.\d+)?$|^\d{13}$/.test(s)) return unix(Number(s));
  const r = readDateTimeText(dottedDayFirstAsIso(s), { maxOffsetMinutes: 14 * 60 });
  if (r.ok) return ok(r.value);
  switch (r.problem) {
    case 'syntax': return fail(`not a date (${describe(raw)})`);
    case 'date': return fail(`not a real calendar date (${s})`);
    case 'time': return fail(`not a real time of day (${s})`);
    case 'offset': return fail(`not a real UTC offset (${r.offsetText})`);
  }
}

/**
 * A dotted day-first date ("14.05.2019", "01.03.2024 09:30") rewritten as ISO. Dots mean day
 * first wherever they are written (Turkey, Germany, Ireland's forms): no locale writes month
 * first with dots, unlike slashes, which stay unread (dd/mm vs mm/dd). Anything else unchanged.
 */
function dottedDayFirstAsIso(s: string): string {
  const m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(s);
  if (!m) return s;
  const [, d, mo, y, h, mi, sec] = m;
  const date = `${y}-${mo!.padStart(2, '0')}-${d!.padStart(2, '0')}`;
  return h === undefined ? date : `${date}T${h.padStart(2, '0')}:${mi}:${sec ?? '00'}`;
}

function unix(n: number): Normalised<ParsedDateTime> {
  const p = parseUnixTimestamp(n);
  return p === null ? fail(`not a date (${describe(n)})`) : ok(p);
}

/**
 * A date for a Freshsales date field: `YYYY-MM-DD`, the calendar date as the source wrote it.
 * No time zone conversion ever happens: "2024-03-01 00:30:00 +02:00" is 1 March, as its
 * writer meant, not 29 February in UTC. Unix timestamps have no written date, so they give
 * their UTC date.
 */
export function normaliseDate(raw: unknown): Normalised<string> {
  const p = readDate(raw);
  return p.ok ? ok(p.value.writtenDate) : p;
}

/**
 * A date from a source that writes dates day first with slashes or dashes ("25/01/1995",
 * "13-10-1962"): the `date_day_first` transform, for a column whose values show that order
 * (one with a first number over 12, none with a second). Other forms (ISO, dotted, epoch) read
 * as `date` reads them.
 */
export function normaliseDayFirstDate(raw: unknown): Normalised<string> {
  if (typeof raw !== 'string') return normaliseDate(raw);
  // A time of day after it is dropped, as a date field drops it.
  const m = /^(\d{1,2})[/-](\d{1,2})[/-](\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$/.exec(raw.trim());
  if (!m) return normaliseDate(raw);
  return normaliseDate(`${m[3]}-${m[2]!.padStart(2, '0')}-${m[1]!.padStart(2, '0')}`);
}

/**
 * An instant in UTC as ISO 8601 (`2024-03-01T09:30:00.000Z`). Date-only values are read as
 * midnight UTC; values without an offset are UTC (the sources' default). An instant outside
 * the years 0001–9999 in UTC (`9999-12-31 23:00 -05:00`) is refused.
 */
export function normaliseDateTime(raw: unknown): Normalised<string> {
  const p = readDate(raw);
  if (!p.ok) return p;
  if (p.value.instantMs < EARLIEST_INSTANT_MS || p.value.instantMs > LATEST_INSTANT_MS) return fail('outside the years 1–9999 in UTC');
  return ok(p.value.isoInstant);
}

/** True when the value carries a time of day other than midnight, as written (used by the proposer). */
export function hasTimeOfDay(raw: unknown): boolean {
  const p = readDate(raw);
  return p.ok && p.value.timeOfDayMs !== 0;
}

/**
 * A short rendering of a bad value for reasons (never the whole of a long value): JSON, so
 * control characters and line breaks are escaped, and invisible format characters (bidi
 * controls, zero-width characters, BOM) escaped too, so a reason reads the same in every
 * report. NaN and infinities, which JSON cannot write, are named.
 */
export function describe(v: unknown): string {
  let s: string;
  if (typeof v === 'number' && !Number.isFinite(v)) s = String(v);
  else if (v === undefined) s = 'undefined';
  else {
    try {
      s = JSON.stringify(v) ?? String(v);
    } catch {
      s = String(v);
    }
  }
  s = s.replace(/[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (s.length <= 60) return s;
  // Never cut a surrogate pair in half.
  const cut = [...s.slice(0, 58)].slice(0, -1).join('');
  return `${cut}…`;
}
