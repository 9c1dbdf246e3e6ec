/**
 * Pure mappers from raw Netmera answers and export rows to the canonical model. No I/O, no
 * clock, no machine time zone: epoch milliseconds and date text become ISO values by arithmetic
 * only, so a run in Pacific/Kiritimati and one in America/Adak write the same instants.
 */
import { shortValue, unusableKeyReason } from '../../core/source-values.js';
import { createHash } from 'node:crypto';
import { EARLIEST_INSTANT_MS, LATEST_INSTANT_MS, parseDateTimeText } from '../../core/datetime.js';
import type {
  AttributeType, AttributeValue, CanonicalContact, CanonicalDevice, CanonicalEvent, CanonicalInteraction, InteractionKind, SourceCampaign,
  SourceProblem, SourceSegment,
} from '../../core/model.js';
import type { NetmeraOs } from './config.js';
import { flag } from './values.js';
import { NmPushResultRow, type NmAttributeDef, type NmDevice, type NmPushStats, type NmSegment } from './types.js';

// ---------------------------------------------------------------------------------------
// Keys

/** Prefix of a user's source key. */
export const USER_KEY_PREFIX = 'netmera:user:';

/** Stable key of a user across runs: `netmera:user:<extId>` (extId groups all of a user's devices [C]). */
export function userKey(extId: string): string {
  return `${USER_KEY_PREFIX}${extId}`;
}

/** The extId a user key names (a bare extId is taken as it is). */
export function extIdOfKey(key: string): string {
  return key.startsWith(USER_KEY_PREFIX) ? key.slice(USER_KEY_PREFIX.length) : key;
}

/** Stable key of a user known only by email (an Export Users row without an external id). */
export function emailUserKey(email: string): string {
  return `netmera:email:${email.trim().toLowerCase()}`;
}

/** Stable key of a device: its installation id, else a hash of its push token (never the token itself). */
export function deviceKey(installationId: string | null, token: string | null): string | null {
  if (installationId) return `netmera:device:${installationId}`;
  if (token) return `netmera:device-token:${createHash('sha1').update(token).digest('hex')}`;
  return null;
}

/** Stable key of one interaction kind of one push with one user. */
export function interactionKey(notificationKey: string, extId: string, kind: InteractionKind): string {
  return `netmera:push:${notificationKey}:${extId}:${kind}`;
}

/** Stable key of an exported event: its content hash and its occurrence among identical rows of its file. */
export function eventKey(hash: string, occurrence: number): string {
  return `netmera:event:${hash}:${occurrence}`;
}

// ---------------------------------------------------------------------------------------
// Dates

const DAY_MS = 86_400_000;
const QUARTER_HOUR_MS = 900_000;

/** A number, or digits (optionally signed) as text; else null. */
function numberOf(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) return Number(v);
  return null;
}

/** Epoch milliseconds within the years 0001–9999, rounded to the millisecond; else null. */
function msInRange(n: number | null): number | null {
  if (n === null) return null;
  const ms = Math.round(n) || 0;
  return ms >= EARLIEST_INSTANT_MS && ms <= LATEST_INSTANT_MS ? ms : null;
}

/** Epoch milliseconds (number or digits; negative before 1970) → ISO instant with `Z`; null when not one. */
export function epochMsToIso(v: unknown): string | null {
  const ms = msInRange(numberOf(v));
  return ms === null ? null : new Date(ms).toISOString();
}

/**
 * Epoch milliseconds of a date-only value → `YYYY-MM-DD`. Netmera keeps a date as the instant of
 * its midnight in the panel's time zone (`624315600000` is 1989-10-14 00:00 in Istanbul, i.e.
 * 1989-10-13T21:00Z), so the UTC date would be a day early east of UTC. A value on a quarter
 * hour is a local midnight somewhere: it is read as the nearest midnight (exact for zones from
 * −11:45 to +12:00; +13:00 and +14:00 read a day early); any other value is read as its UTC date.
 */
export function epochMsToDate(v: unknown): string | null {
  const ms = msInRange(numberOf(v));
  if (ms === null) return null;
  const aligned = ((ms % QUARTER_HOUR_MS) + QUARTER_HOUR_MS) % QUARTER_HOUR_MS === 0;
  const day = aligned ? Math.round(ms / DAY_MS) : Math.floor(ms / DAY_MS);
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** A UTC offset as written in config (`Z`, `+03:00`) → minutes east of UTC. */
export function offsetMinutes(offset: string): number {
  if (offset === 'Z') return 0;
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(offset);
  if (!m) return 0;
  const total = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -total : total;
}

/**
 * A timestamp from an export file → ISO instant. Numbers (and digits) are epoch milliseconds
 * from 1e11 up and epoch seconds from 1e8 (1973) below that; text is ISO-like
 * (`2024-03-01 09:30:00`, with `T`, seconds, fraction and offset optional) or Turkish
 * day-first (`01.03.2024 09:30:00`). Text without an offset is read at `defaultOffset`
 * (`files.timestampOffset`). Null when unreadable.
 */
export function readStamp(v: unknown, defaultOffset = 'Z'): string | null {
  const n = numberOf(v);
  if (n !== null) {
    if (Math.abs(n) >= 1e11) return epochMsToIso(n);
    if (Math.abs(n) >= 1e8) return epochMsToIso(n * 1000);
    return null;
  }
  if (typeof v !== 'string') return null;
  let text = v.trim();
  const dotted = /^(\d{2})\.(\d{2})\.(\d{4})(.*)$/.exec(text);
  if (dotted) text = `${dotted[3]}-${dotted[2]}-${dotted[1]}${dotted[4]}`;
  const p = parseDateTimeText(text);
  if (p === null) return null;
  const shift = p.offsetMinutes === null ? offsetMinutes(defaultOffset) * 60_000 : 0;
  return msInRange(p.instantMs - shift) === null ? null : new Date(p.instantMs - shift).toISOString();
}

// ---------------------------------------------------------------------------------------
// Attribute definitions

/**
 * A Netmera data type (`STRING`, `INTEGER`, `DATE`…; any case) → canonical attribute type.
 * Arrays (`isArray`) are `array` whatever their element type.
 */
export function toAttributeType(def: Pick<NmAttributeDef, 'dataType' | 'isArray'>): AttributeType {
  if (def.isArray === true) return 'array';
  const t = (def.dataType ?? '').trim().toUpperCase().replace(/[^A-Z]/g, '');
  if (['INTEGER', 'INT', 'LONG', 'SHORT'].includes(t)) return 'integer';
  if (['DOUBLE', 'FLOAT', 'NUMBER', 'DECIMAL', 'NUMERIC'].includes(t)) return 'number';
  if (['BOOLEAN', 'BOOL'].includes(t)) return 'boolean';
  if (t === 'DATE') return 'date';
  if (['DATETIME', 'TIMESTAMP', 'TIME', 'INSTANT'].includes(t)) return 'datetime';
  if (['ARRAY', 'LIST', 'STRINGARRAY', 'INTEGERARRAY'].includes(t)) return 'array';
  return 'string';
}

/** Standard date attributes, typed even when the definitions were not read. */
const KNOWN_DATE_ATTRIBUTES: Readonly<Record<string, AttributeType>> = { dateOfBirth: 'date', dogum_tarihi: 'date', birthDate: 'date' };

// ---------------------------------------------------------------------------------------
// Contacts

/** Profile keys lifted into canonical slots (the rest stay in `attributes`). */
const LIFTED = { name: 'firstName', surname: 'lastName', email: 'email', msisdn: 'phone', country: 'country', language: 'language' } as const;
type LiftedKey = keyof typeof LIFTED;
type LiftedSlot = (typeof LIFTED)[LiftedKey];
const liftedSlot = (k: string): LiftedSlot | undefined => (Object.hasOwn(LIFTED, k) ? LIFTED[k as LiftedKey] : undefined);

/** The profile attributes the connector lifts into canonical fields (the proposal's `liftedAttributes`). */
export const LIFTED_PROFILE_ATTRIBUTES: readonly string[] = ['extId', ...Object.keys(LIFTED)];

/** Contact attributes the devices produce (the most recent device's, and the count); push tokens never. */
export const DEVICE_ATTRIBUTES = {
  count: 'deviceCount',
  os: 'deviceOs',
  osVersion: 'deviceOsVersion',
  appVersion: 'deviceAppVersion',
  model: 'deviceModel',
  pushPermitted: 'devicePushPermitted',
} as const;

/** Their types, for attribute discovery. */
export const DEVICE_ATTRIBUTE_TYPES: ReadonlyArray<{ name: string; type: AttributeType }> = [
  { name: DEVICE_ATTRIBUTES.count, type: 'integer' },
  { name: DEVICE_ATTRIBUTES.os, type: 'string' },
  { name: DEVICE_ATTRIBUTES.osVersion, type: 'string' },
  { name: DEVICE_ATTRIBUTES.appVersion, type: 'string' },
  { name: DEVICE_ATTRIBUTES.model, type: 'string' },
  { name: DEVICE_ATTRIBUTES.pushPermitted, type: 'boolean' },
];

/** Prefix of a purpose category's attribute (`category:Promotions`). */
export const CATEGORY_ATTRIBUTE_PREFIX = 'category:';

/** Channel permissions of one user (the Channel Permission export); null: not said. */
export interface ChannelPermissions {
  email: boolean | null;
  sms: boolean | null;
  whatsapp: boolean | null;
  /** Turkey's IYS commercial-message consent, when the export has it. */
  iys: boolean | null;
}

/** Attribute names channel permissions are kept under (besides emailSubscribed / smsSubscribed). */
export const CHANNEL_ATTRIBUTES = { email: 'emailPermission', sms: 'smsPermission', whatsapp: 'whatsappPermission', iys: 'iysConsent' } as const;

/** What a contact is built from besides its profile. */
export interface ProfileContext {
  /** Attribute code → type from app/profile-attributes: dates (epoch ms) are converted by it. */
  types?: ReadonlyMap<string, AttributeType>;
  /** getDevices' list (push tokens are never copied onto the contact). */
  devices?: readonly NmDevice[] | null;
  /** getCategoryPreferences' `categoryPreferences`. */
  categories?: Record<string, unknown> | readonly unknown[] | null;
  /** From the Channel Permission export, when the files hold one. */
  channels?: ChannelPermissions | null;
  /** Country (ISO code) national phone numbers are read in when the profile has no country; e.g. TR. */
  phoneCountry?: string | null;
}

/** Text of a scalar; null for empty or absent. */
function str(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v.length === 0 ? null : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

const TR_COUNTRY = /^(tr|tur|turkey|türkiye|turkiye)$/i;

/**
 * A phone as Netmera stores it → the text the contact carries. Turkish numbers written in E.164
 * without the `+` (`905312345678`) get it (`+905312345678`); a Turkish national number
 * (`05312345678`) becomes E.164 when the user's country — or, without one, `phoneCountry` — is
 * Turkey. Anything else is kept as written (normalisation is mapping's job).
 */
export function phoneOf(raw: unknown, country: string | null, phoneCountry: string | null = null): string | null {
  const text = str(raw)?.trim() ?? null;
  if (text === null || text === '') return null;
  const digits = text.replace(/[\s().-]/g, '');
  if (/^90[2-5]\d{9}$/.test(digits)) return `+${digits}`;
  const hint = country ?? phoneCountry;
  if (/^0[2-5]\d{9}$/.test(digits) && hint !== null && TR_COUNTRY.test(hint.trim())) return `+90${digits.slice(1)}`;
  return text;
}

/** Names no attribute can have: empty, control characters, or names that reach an object's prototype. */
function unusableKey(k: string): string | null {
  const why = unusableKeyReason(k);
  if (why === null) return null;
  return why === 'empty' ? 'an empty key' : why === 'control characters' ? `key ${JSON.stringify(k)} (control characters)` : `key ${JSON.stringify(k)}`;
}

const short = shortValue;

function setOwn(target: Record<string, AttributeValue>, k: string, v: AttributeValue): void {
  Object.defineProperty(target, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** A value as an attribute value (undefined → null; functions and the like → their text). */
function attributeValue(v: unknown): AttributeValue {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || typeof v === 'boolean' || Array.isArray(v)) return v as AttributeValue;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'object') return v as Record<string, unknown>;
  return String(v);
}

/**
 * An attribute value typed by its definition: a DATE given as epoch ms → `YYYY-MM-DD`, a
 * DATETIME → ISO instant; text dates are kept as written when readable. Anything that does
 * not fit is kept as sent and named in `problems` (prepare decides what it costs).
 */
function typedValue(k: string, v: unknown, type: AttributeType | undefined, problems: SourceProblem[]): AttributeValue {
  if (v === null || v === undefined || (type !== 'date' && type !== 'datetime')) return attributeValue(v);
  const n = numberOf(v);
  if (n !== null) {
    const out = type === 'date' ? epochMsToDate(n) : epochMsToIso(n);
    if (out !== null) return out;
  } else if (typeof v === 'string' && (readStamp(v) !== null)) return v;
  problems.push({ field: `attributes.${k}`, reason: `source profile: ${k} is ${short(v)}, not a ${type === 'date' ? 'date' : 'date-time'} (epoch milliseconds)` });
  return attributeValue(v);
}

/** The time a device was last seen, from whichever field the answer has [A]; null without one. */
function deviceSeenMs(d: NmDevice, defaultOffset = 'Z'): number | null {
  const r = d as Record<string, unknown>;
  for (const k of ['lastActivityDate', 'lastActiveDate', 'lastSeen', 'lastSeenDate', 'lastUpdate', 'updateDate', 'updatedAt', 'createDate', 'installDate']) {
    const iso = readStamp(r[k], defaultOffset);
    if (iso !== null) return Date.parse(iso);
  }
  return null;
}

/** First non-empty text among a device's fields of that meaning (`osVersion`, panel code `osV`…). */
function deviceText(d: NmDevice, keys: readonly string[]): string | null {
  const r = d as Record<string, unknown>;
  for (const k of keys) {
    const s = str(r[k]);
    if (s !== null) return s;
  }
  return null;
}

const OS_VERSION_KEYS = ['osVersion', 'osV', 'osv', 'os_version'] as const;
const APP_VERSION_KEYS = ['appVersion', 'appV', 'app_version'] as const;
const MODEL_KEYS = ['deviceModel', 'model', 'mdl'] as const;

/**
 * The most recent of a user's devices: the latest by its last-seen time when the answer has one
 * [A], else the last listed (getDevices lists registrations in order). Null without devices.
 */
export function latestDevice(devices: readonly NmDevice[]): NmDevice | null {
  let best: NmDevice | null = null;
  let bestMs = Number.NEGATIVE_INFINITY;
  for (const d of devices) {
    const ms = deviceSeenMs(d) ?? Number.NEGATIVE_INFINITY;
    if (best === null || ms >= bestMs) {
      best = d;
      bestMs = ms;
    }
  }
  return best;
}

/** Device attributes of a contact (see DEVICE_ATTRIBUTES): the most recent device's metadata and the count. */
export function deviceAttributes(devices: readonly NmDevice[]): Record<string, AttributeValue> {
  const latest = latestDevice(devices);
  const permits = devices.map((d) => d.pushPermitted).filter((p): p is boolean => p !== null && p !== undefined);
  return {
    [DEVICE_ATTRIBUTES.count]: devices.length,
    [DEVICE_ATTRIBUTES.os]: latest ? str(latest.platform) : null,
    [DEVICE_ATTRIBUTES.osVersion]: latest ? deviceText(latest, OS_VERSION_KEYS) : null,
    [DEVICE_ATTRIBUTES.appVersion]: latest ? deviceText(latest, APP_VERSION_KEYS) : null,
    [DEVICE_ATTRIBUTES.model]: latest ? deviceText(latest, MODEL_KEYS) : null,
    [DEVICE_ATTRIBUTES.pushPermitted]: permits.length === 0 ? null : permits.some((p) => p),
  };
}

/**
 * getCategoryPreferences → `category:<name>` attributes (true/false; null when unreadable). A
 * category is a flag [C], or carries a per-channel breakdown [A] (`{optIn, channels:{EMAIL:true}}`,
 * or list entries `{categoryName, optInStatus}`): its own opt-in when given, else opted in on any channel.
 */
export function categoryAttributes(prefs: Record<string, unknown> | readonly unknown[] | null | undefined): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  if (!prefs) return out;
  const add = (name: unknown, v: unknown) => {
    const n = str(name)?.trim();
    if (!n || unusableKey(n) !== null) return;
    setOwn(out, `${CATEGORY_ATTRIBUTE_PREFIX}${n}`, categoryOptIn(v));
  };
  if (Array.isArray(prefs)) {
    for (const e of prefs) {
      if (e === null || typeof e !== 'object') continue;
      const o = e as Record<string, unknown>;
      add(o.categoryName ?? o.category ?? o.name, o);
    }
  } else for (const [k, v] of Object.entries(prefs)) add(k, v);
  return out;
}

function categoryOptIn(v: unknown): boolean | null {
  const direct = flag(v);
  if (direct !== null || v === null || typeof v !== 'object') return direct;
  const o = v as Record<string, unknown>;
  for (const k of ['optIn', 'optInStatus', 'enabled', 'value', 'status']) {
    const f = flag(o[k]);
    if (f !== null) return f;
  }
  const channels = o.channels ?? o.channelPreferences;
  const values = Array.isArray(channels)
    ? channels.map((c) => (c && typeof c === 'object' ? categoryOptIn(c) : flag(c)))
    : channels && typeof channels === 'object'
      ? Object.values(channels).map((c) => categoryOptIn(c))
      : [];
  const known = values.filter((x): x is boolean => x !== null);
  return known.length === 0 ? null : known.some((x) => x);
}

/** The identity and standard fields of a contact, as the source gave them. */
interface ContactFields {
  sourceKey: string;
  sourceId: string;
  externalId: string | null;
  email: string | null;
  phone: string | null;
  firstName: string | null;
  lastName: string | null;
  country: string | null;
  language: string | null;
}

/** A canonical contact from its fields, attributes, channel permissions and problems (Netmera has no timezone or record times). */
function buildContact(f: ContactFields, attributes: Record<string, AttributeValue>, channels: ChannelPermissions | null | undefined, problems: SourceProblem[]): CanonicalContact {
  return {
    ...f,
    timezone: null,
    emailSubscribed: channels?.email ?? null,
    smsSubscribed: channels?.sms ?? null,
    createdAt: null,
    updatedAt: null,
    attributes: Object.assign(attributes, channelAttributes(channels)),
    ...(problems.length > 0 ? { sourceProblems: problems } : {}),
  };
}

/** Channel permissions → the attributes they are kept under (only what the export said). */
function channelAttributes(ch: ChannelPermissions | null | undefined): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  if (!ch) return out;
  for (const k of ['email', 'sms', 'whatsapp', 'iys'] as const) if (ch[k] !== null) out[CHANNEL_ATTRIBUTES[k]] = ch[k];
  return out;
}

/**
 * A getProfileAttributes answer → canonical contact, never throwing on a bad value. The user is
 * keyed by the extId that was asked for (the answer repeats it [live docs]); the profile is the
 * answer's `profile` [C], or — when a gateway flattens it [A] — the answer's other fields.
 * name/surname/email/msisdn/country/language are lifted; every other profile field (custom
 * attributes mixed in [C]) goes to `attributes`, dates converted by the definitions' types.
 * Devices add device attributes (never tokens), categories `category:<name>`, channel
 * permissions `emailSubscribed`/`smsSubscribed` and their attributes.
 */
export function toContact(answer: Record<string, unknown>, extId: string, ctx: ProfileContext = {}): CanonicalContact {
  const problems: SourceProblem[] = [];
  let profile: Record<string, unknown>;
  if (answer.profile !== null && typeof answer.profile === 'object' && !Array.isArray(answer.profile)) profile = answer.profile as Record<string, unknown>;
  else {
    profile = {};
    for (const [k, v] of Object.entries(answer)) if (k !== 'extId' && k !== 'profile') Object.defineProperty(profile, k, { value: v, enumerable: true, configurable: true, writable: true });
    if (answer.profile !== undefined && answer.profile !== null) problems.push({ field: null, reason: `source profile: "profile" is ${short(answer.profile)}, not an object` });
  }
  const answered = str(answer.extId);
  if (answered !== null && answered !== extId) problems.push({ field: 'externalId', reason: `source profile: asked for extId ${short(extId)}, the answer names ${short(answered)}` });

  const attributes: Record<string, AttributeValue> = {};
  const lifted: Partial<Record<LiftedSlot, string | null>> = {};
  for (const [k, v] of Object.entries(profile)) {
    if (k === 'extId') continue;
    const unusable = unusableKey(k);
    if (unusable !== null) {
      problems.push({ field: null, reason: `source profile: ${unusable} is not an attribute name` });
      continue;
    }
    const slot = liftedSlot(k);
    if (slot !== undefined) {
      if (v === null || v === undefined || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) lifted[slot] = str(v);
      else {
        lifted[slot] = null;
        problems.push({ field: slot, reason: `source profile: ${k} is ${short(v)}, not text` });
      }
      continue;
    }
    setOwn(attributes, k, typedValue(k, v, ctx.types?.get(k) ?? (Object.hasOwn(KNOWN_DATE_ATTRIBUTES, k) ? KNOWN_DATE_ATTRIBUTES[k] : undefined), problems));
  }
  if (ctx.devices) Object.assign(attributes, deviceAttributes(ctx.devices));
  Object.assign(attributes, categoryAttributes(ctx.categories));
  const country = lifted.country ?? null;
  return buildContact(
    {
      sourceKey: userKey(extId), sourceId: extId, externalId: extId, email: lifted.email ?? null, phone: phoneOf(lifted.phone, country, ctx.phoneCountry ?? null),
      firstName: lifted.firstName ?? null, lastName: lifted.lastName ?? null, country, language: lifted.language ?? null,
    },
    attributes,
    ctx.channels,
    problems,
  );
}

/** A cell of an export file: text (CSV), or a number, boolean or date text (XLSX); null when empty. */
export type Cell = string | number | boolean | null;

/** Where a file row came from, for keys and problems. */
export interface RowOrigin {
  file: string;
  /** 1-based line (CSV) or sheet row (XLSX). */
  line: number;
}

/** The Export Users columns the connector reads by meaning (the rest become attributes). */
export type ExportUserRole = 'extId' | 'email' | 'msisdn' | 'name' | 'surname' | 'country' | 'language' | 'deviceCount' | 'platform' | 'osVersion' | 'appVersion' | 'model' | 'tags';

/** One Export Users row, its columns sorted by meaning (see files.ts), and what was wrong with its shape. */
export interface ExportUserRow extends RowOrigin {
  roles: Partial<Record<ExportUserRole, Cell>>;
  /** Every other column, by its header as written. */
  extra: Record<string, Cell>;
  problems: string[];
}

/** The tags of an Export Users row (its tag column: names separated by commas or semicolons), trimmed and deduplicated. */
export function exportUserTags(row: ExportUserRow): string[] {
  const cell = row.roles.tags;
  if (cell === null || cell === undefined) return [];
  return [...new Set(String(cell).split(/[,;]/).map((t) => t.trim()).filter((t) => t !== ''))];
}

/**
 * An Export Users row → canonical contact. Keyed by the external id (`netmera:user:<extId>`, as
 * the REST path keys it); a row without one but with an email is keyed by the email (such users
 * exist — anonymous installs that left an email — and the REST path cannot reach them); a row
 * with neither becomes a placeholder keyed by file and line, carrying a row problem so prepare
 * quarantines it. Shape problems of the row (a wrong number of fields) travel as sourceProblems.
 */
export function exportUserToContact(row: ExportUserRow, ctx: Pick<ProfileContext, 'channels' | 'phoneCountry'> = {}): CanonicalContact {
  const where = `${row.file} line ${row.line}`;
  const problems: SourceProblem[] = row.problems.map((p) => ({ field: null, reason: `source file ${where}: ${p}` }));
  const r = row.roles;
  const extId = str(r.extId)?.trim() || null;
  const email = str(r.email)?.trim() || null;
  const attributes: Record<string, AttributeValue> = {};
  for (const [k, v] of Object.entries(row.extra)) {
    const unusable = unusableKey(k);
    if (unusable !== null) problems.push({ field: null, reason: `source file ${where}: column ${unusable} is not an attribute name` });
    else setOwn(attributes, k, v);
  }
  const count = numberOf(r.deviceCount);
  if (r.deviceCount !== undefined) attributes[DEVICE_ATTRIBUTES.count] = count === null ? null : Math.trunc(count);
  if (r.deviceCount !== undefined && r.deviceCount !== null && count === null) {
    problems.push({ field: `attributes.${DEVICE_ATTRIBUTES.count}`, reason: `source file ${where}: device count is ${short(r.deviceCount)}, not a number` });
  }
  for (const [role, name] of [['platform', DEVICE_ATTRIBUTES.os], ['osVersion', DEVICE_ATTRIBUTES.osVersion], ['appVersion', DEVICE_ATTRIBUTES.appVersion], ['model', DEVICE_ATTRIBUTES.model]] as const) {
    if (r[role] !== undefined) attributes[name] = str(r[role]);
  }
  const country = str(r.country);
  const key = extId !== null ? userKey(extId) : email !== null ? emailUserKey(email) : `netmera:user-row:${row.file}:${row.line}`;
  if (extId === null && email === null) problems.push({ field: null, reason: `source file ${where}: the row has no external id and no email: the record cannot be keyed` });
  return buildContact(
    {
      sourceKey: key, sourceId: extId ?? email ?? `(${where})`, externalId: extId, email, phone: phoneOf(r.msisdn, country, ctx.phoneCountry ?? null),
      firstName: str(r.name), lastName: str(r.surname), country, language: str(r.language),
    },
    attributes,
    ctx.channels,
    problems,
  );
}

// ---------------------------------------------------------------------------------------
// Segments

/**
 * One segment as the two OS answers listed it → source segment. Netmera gives no rule tree
 * through the API: `rules` keeps each OS's row as sent (type, status, count) for the inventory.
 * The member count: one answer's when both answers are the same (the live API ignores the OS
 * header), else the per-OS counts added; null when no count is known (connector segments).
 */
export function toSourceSegment(rows: ReadonlyArray<{ os: NetmeraOs; row: NmSegment }>, headerIgnored: boolean): SourceSegment {
  const first = rows[0]!.row;
  const counts = rows.map((r) => r.row.userCount).filter((c): c is number => typeof c === 'number');
  const memberCount = counts.length === 0 ? null : headerIgnored ? counts[0]! : counts.reduce((a, b) => a + b, 0);
  const rules: Record<string, unknown> = {};
  for (const r of rows) rules[r.os] = r.row;
  return { id: first.id, name: first.name, rules, memberCount };
}

/** Whether a segment is one whose members the API cannot list (a connector segment, live docs). */
export function isConnectorSegment(seg: SourceSegment): boolean {
  return Object.values((seg.rules ?? {}) as Record<string, { type?: unknown }>).some((r) => typeof r?.type === 'string' && /CONNECTOR/i.test(r.type));
}

// ---------------------------------------------------------------------------------------
// Campaigns and interactions

/** The channel a Netmera platform sends on: `email`, `sms`, else `push` (IOS, ANDROID, web browsers…). */
export function channelOf(platform: unknown): string {
  const p = str(platform)?.trim().toUpperCase() ?? '';
  if (p === 'EMAIL') return 'email';
  if (p === 'SMS') return 'sms';
  if (p === 'WHATSAPP') return 'whatsapp';
  return 'push';
}

/** Totals of a push's per-platform stats (sent, failed, clicked) — for deal metrics. */
export function pushTotals(row: Pick<NmPushStats, 'stats'>): { sent: number; failed: number; clicked: number } {
  const out = { sent: 0, failed: 0, clicked: 0 };
  for (const s of row.stats ?? []) {
    out.sent += s.sent ?? 0;
    out.failed += s.failed ?? 0;
    out.clicked += s.clicked ?? 0;
  }
  return out;
}

/**
 * A getPushStats message → source campaign; `raw` is the row exactly as sent (stats, content).
 * The name is the message's title when the answer has one [A], else "Push <key>".
 */
export function toSourceCampaign(row: NmPushStats, raw: Record<string, unknown>): SourceCampaign {
  let name: string | null = null;
  for (const k of ['name', 'title', 'campaignName', 'notificationTitle', 'msgTitle', 'pushTitle']) {
    const s = str(raw[k])?.trim();
    if (s) {
      name = s;
      break;
    }
  }
  const platforms = [...(row.stats ?? []).map((s) => s.platform), raw.platform, raw.channel].filter((p) => str(p) !== null);
  return {
    id: row.notificationKey,
    name: name ?? `Push ${row.notificationKey}`,
    channels: [...new Set(platforms.map(channelOf))].sort(),
    trigger: str(raw.type ?? raw.sendType ?? raw.trigger)?.toLowerCase() ?? 'unknown',
    status: str(row.status) ?? 'unknown',
    createdAt: epochMsToIso(raw.createDate ?? raw.createdAt) ?? readStamp(raw.createDate ?? raw.createdAt),
    activatedAt: epochMsToIso(row.startDate) ?? readStamp(row.startDate),
    deactivatedAt: epochMsToIso(row.endDate) ?? readStamp(row.endDate),
    raw,
    // getPushStats reports sent, failed and clicked per platform; deliveries, opens and conversions it does not.
    stats: (row.stats ?? []).length === 0 ? null : { ...pushTotals(row), delivered: null, opened: null, conversions: null },
  };
}


/**
 * Push result status → interaction kind [live docs: SUCCESS accepted by the provider, DELIVERED
 * receipt, SHOWN opened, CLICKED, FAILED]. SUCCESS and DELIVERED are both `delivered` (one
 * interaction: the same key); FAILED and unknown statuses are none.
 */
const STATUS_KINDS: Readonly<Record<string, InteractionKind>> = {
  SUCCESS: 'delivered', SENT: 'delivered', DELIVERED: 'delivered',
  SHOWN: 'opened', OPENED: 'opened', OPEN: 'opened', READ: 'opened',
  CLICKED: 'clicked', CLICK: 'clicked',
};

/** The interaction kind of a push result status (any case); null when it is none (FAILED, unknown). */
export function interactionKindOf(status: unknown): InteractionKind | null {
  const s = str(status)?.trim().toUpperCase() ?? '';
  return Object.hasOwn(STATUS_KINDS, s) ? STATUS_KINDS[s]! : null;
}

/** What a push result row is read against: its push, and the time to fall back on. */
export interface PushContext {
  notificationKey: string;
  campaignName: string;
  /** The push's start, when the row has no readable time (the original time nearest to the fact). */
  fallbackAt: string | null;
  /** Offset for timestamps written without one (files). */
  defaultOffset?: string;
}

/**
 * A getPushResult row (or a Push Reports row read into the same fields) → interaction, or the
 * reason it is none: failed deliveries and unknown statuses are no interaction; a row without
 * an extId cannot be linked to a contact.
 */
export function toInteraction(raw: unknown, ctx: PushContext): { ok: true; interaction: CanonicalInteraction } | { ok: false; reason: string | null } {
  const p = NmPushResultRow.safeParse(raw);
  if (!p.success) return { ok: false, reason: `not a push result row (${p.error.issues[0]?.message ?? 'invalid'})` };
  const row = p.data;
  const kind = interactionKindOf(row.status);
  if (kind === null) return { ok: false, reason: null };
  const extId = str(row.extId)?.trim();
  if (!extId) return { ok: false, reason: 'no extId: the result cannot be linked to a contact' };
  const at = readStamp(row.timeStamp ?? row.timestamp, ctx.defaultOffset) ?? ctx.fallbackAt;
  if (at === null) return { ok: false, reason: `unreadable time ${short(row.timeStamp ?? row.timestamp)} and no push start to fall back on` };
  return {
    ok: true,
    interaction: {
      sourceKey: interactionKey(ctx.notificationKey, extId, kind),
      contactKey: userKey(extId),
      campaignId: ctx.notificationKey,
      campaignName: ctx.campaignName,
      channel: channelOf(row.platform),
      kind,
      occurredAt: at,
    },
  };
}

// ---------------------------------------------------------------------------------------
// Events and devices

/** JSON with object keys sorted (a stable rendering of event parameters). */
export function stableJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`).join(',')}}`;
}

/** An Event Data row read by meaning (see files.ts). */
export interface ExportEvent extends RowOrigin {
  extId: string | null;
  name: string | null;
  /** The timestamp as written (text or number). */
  timestamp: Cell;
  /** The parameters: parsed JSON, or columns by header; null without any. */
  parameters: Record<string, unknown> | null;
  deviceId: string | null;
}

/** Content hash of an event: sha1 of extId, name, instant and parameters (stable JSON). */
export function eventHash(e: { extId: string; name: string; occurredAt: string; parameters: Record<string, unknown> | null }): string {
  return createHash('sha1').update([e.extId, e.name, e.occurredAt, e.parameters === null ? '' : stableJson(e.parameters)].join('|')).digest('hex');
}

/**
 * An Event Data row → the fields an event is keyed and built from, or why it cannot be one
 * (no extId, no name, unreadable timestamp). The canonical event has one `value`: the
 * parameters go there as stable JSON text (null without parameters); `occurredAtRaw` keeps the
 * timestamp as written.
 */
export function readExportEvent(
  row: ExportEvent,
  defaultOffset = 'Z',
): { ok: true; extId: string; name: string; occurredAt: string; raw: string; parameters: Record<string, unknown> | null } | { ok: false; reason: string } {
  const extId = str(row.extId)?.trim();
  if (!extId) return { ok: false, reason: 'no external id: the event cannot be linked to a contact' };
  const name = str(row.name)?.trim();
  if (!name) return { ok: false, reason: 'no event name' };
  const occurredAt = readStamp(row.timestamp, defaultOffset);
  if (occurredAt === null) return { ok: false, reason: `unreadable timestamp ${short(row.timestamp)}` };
  return { ok: true, extId, name, occurredAt, raw: String(row.timestamp), parameters: row.parameters };
}

/** A parameter key that names a moment (`purchaseDate`, `tarih`, `created_at`). */
const DATE_KEY = /(date|time|tarih|zaman|_at$|At$)/i;

/**
 * Event parameter values as people read them: an epoch-ms number under a date-like key becomes
 * its ISO instant, and binary float noise (12.300000000000001) is rounded away (12 significant
 * digits). Nested objects and lists likewise. The event's key hashes the parameters as sent.
 */
export function normaliseParameters(v: unknown, key = ''): unknown {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return v;
    if (DATE_KEY.test(key) && Number.isInteger(v) && v >= 1e11 && v < 1e13) return new Date(v).toISOString();
    return Number.isInteger(v) ? v : Number(v.toPrecision(12));
  }
  if (Array.isArray(v)) return v.map((x) => normaliseParameters(x, key));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, normaliseParameters(x, k)]));
  return v;
}

/** A read export event with its content hash and occurrence → canonical event. */
export function toCanonicalEvent(e: { extId: string; name: string; occurredAt: string; raw: string; parameters: Record<string, unknown> | null; deviceId: string | null }, hash: string, occurrence: number): CanonicalEvent {
  const normalised = e.parameters !== null && Object.keys(e.parameters).length > 0 ? (normaliseParameters(e.parameters) as Record<string, unknown>) : null;
  const params = normalised === null ? null : stableJson(normalised);
  return {
    sourceKey: eventKey(hash, occurrence),
    contactKey: userKey(e.extId),
    event: e.name,
    value: params,
    deviceId: e.deviceId,
    occurredAt: e.occurredAt,
    occurredAtRaw: e.raw,
    parameters: normalised,
  };
}

/**
 * A device (getDeviceTokens entry, or an Installation & Permission row read into the same
 * fields) → canonical device for the device dataset, push token included (it never reaches a
 * contact). Null when it has neither an installation id nor a token to be keyed by.
 */
export function toCanonicalDevice(d: NmDevice, defaultOffset = 'Z'): CanonicalDevice | null {
  const token = str(d.deviceToken) ?? str(d.token);
  const installationId = str(d.installationId);
  const key = deviceKey(installationId, token);
  if (key === null) return null;
  const extId = str(d.extId)?.trim() || null;
  const seen = deviceSeenMs(d, defaultOffset);
  return {
    sourceKey: key,
    contactKey: extId ? userKey(extId) : null,
    userId: extId,
    platform: str(d.platform) ?? 'unknown',
    token,
    os: deviceText(d, OS_VERSION_KEYS),
    appVersion: deviceText(d, APP_VERSION_KEYS),
    model: deviceText(d, MODEL_KEYS),
    lastSeen: seen !== null ? new Date(seen).toISOString() : null,
  };
}
