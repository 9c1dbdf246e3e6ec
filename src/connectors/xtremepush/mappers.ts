/** Pure mappers from raw Xtremepush rows to the canonical model. No I/O, no clock, no machine time zone. */
import { shortValue, unusableKeyReason } from '../../core/source-values.js';
import { createHash } from 'node:crypto';
import { parseDateTimeText } from '../../core/datetime.js';
import type {
  AttributeType, AttributeValue, CanonicalContact, CanonicalDevice, CanonicalEvent, CanonicalInteraction, CanonicalTagHit, InteractionKind,
  SourceCampaign, SourceProblem, SourcePromotion, SourceSegment,
} from '../../core/model.js';
import {
  PROFILE_COLUMNS, XpProfileRow, type XpAttribute, type XpCampaignRow, type XpDeviceRow, type XpEventLine, type XpLocationRow, type XpMessageRow,
  type XpPromotionRow, type XpSegmentRow, type XpTagHitRow,
} from './types.js';

type LiftedSlot = 'firstName' | 'lastName' | 'country';
/** Attributes lifted into canonical slots (the rest stay in `attributes`). */
const LIFTED: Readonly<Record<string, LiftedSlot>> = { first_name: 'firstName', last_name: 'lastName', country: 'country' };
/** The lifted slot of an attribute name; own keys only, so "toString" or "constructor" are plain attributes. */
const liftedSlot = (k: string): LiftedSlot | undefined => (Object.hasOwn(LIFTED, k) ? LIFTED[k] : undefined);

/** Stable key of a profile across runs. */
export function profileKey(profileId: string): string {
  return `xtremepush:profile:${profileId}`;
}

function flag(v: unknown): boolean | null {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  const s = String(v).trim().toLowerCase();
  if (['1', 'true', 'yes'].includes(s)) return true;
  if (['0', 'false', 'no'].includes(s)) return false;
  return null;
}

/** The largest distance from the epoch a JS Date can hold (±100,000,000 days). */
const MAX_DATE_MS = 8.64e15;

/**
 * Unix seconds (or ms, told apart by magnitude) → ISO instant; null when absent or unreadable,
 * including numbers no date can hold (`1e20`), which would otherwise throw.
 */
export function unixToIso(v: unknown): string | null {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v !== 'number' && typeof v !== 'string') return null;
  const n = typeof v === 'number' ? v : v.trim() === '' ? NaN : Number(v);
  if (!Number.isFinite(n)) return null;
  const ms = n > 1e11 ? n : n * 1000;
  if (Math.abs(ms) > MAX_DATE_MS) return null;
  return new Date(ms).toISOString();
}

function str(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const s = String(v);
  return s.length === 0 ? null : s;
}

/**
 * A list/profile row that passed its schema → canonical contact. Custom attributes are copied
 * onto their own keys (never through the prototype); a lifted attribute (first_name, last_name,
 * country) that is not text or a number is left out and named in `sourceProblems`, as are keys
 * that cannot be attribute names and timestamps that are not unix seconds.
 */
export function toCanonicalContact(row: XpProfileRow): CanonicalContact {
  return buildContact(row, []);
}

function buildContact(row: XpProfileRow, problems: SourceProblem[]): CanonicalContact {
  const attributes: Record<string, AttributeValue> = {};
  const lifted: Partial<Record<LiftedSlot, string | null>> = {};
  for (const [k, v] of Object.entries(row)) {
    if (PROFILE_COLUMNS.has(k)) continue;
    const unusable = unusableKey(k);
    if (unusable !== null) {
      problems.push({ field: null, reason: `source row: ${unusable}` });
      continue;
    }
    const slot = liftedSlot(k);
    if (slot !== undefined) {
      if (v === null || v === undefined || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) lifted[slot] = str(v);
      else {
        lifted[slot] = null;
        problems.push({ field: slot, reason: `source row: ${k} is ${kindOf(v)} (${short(v)}), not text` });
      }
    } else {
      // defineProperty: an own data property whatever the name (JSON.parse can hand us "__proto__").
      Object.defineProperty(attributes, k, { value: v === undefined ? null : v, enumerable: true, writable: true, configurable: true });
    }
  }
  // A flag that says neither yes nor no ("maybe") is not "unknown": consent fields must hear about it.
  for (const [column, field] of [['email_subscription', 'emailSubscribed'], ['sms_subscription', 'smsSubscribed']] as const) {
    const v = row[column];
    if (v !== null && v !== undefined && v !== '' && flag(v) === null) problems.push({ field, reason: `source row: ${column} is ${short(v)}, not a 0/1 flag` });
  }
  for (const [column, field] of [['create_time', 'createdAt'], ['update_time', 'updatedAt']] as const) {
    const v = row[column];
    if (v !== null && v !== undefined && v !== '' && unixToIso(v) === null) problems.push({ field, reason: `source row: ${column} is ${short(v)}, not unix seconds` });
  }
  return {
    sourceKey: profileKey(row.profile_id),
    sourceId: row.profile_id,
    externalId: str(row.user_id),
    email: row.email ?? null,
    phone: str(row.mobile_number),
    firstName: lifted.firstName ?? null,
    lastName: lifted.lastName ?? null,
    country: lifted.country ?? null,
    language: row.language ?? null,
    timezone: row.timezone ?? null,
    emailSubscribed: flag(row.email_subscription),
    smsSubscribed: flag(row.sms_subscription),
    createdAt: unixToIso(row.create_time),
    updatedAt: unixToIso(row.update_time),
    attributes,
    ...(problems.length > 0 ? { sourceProblems: problems } : {}),
  };
}

/** The canonical path each profile column fills (profile_id is the key, never a problem of a field). */
const COLUMN_PATHS: Readonly<Record<string, string>> = {
  user_id: 'externalId', email: 'email', email_subscription: 'emailSubscribed', mobile_number: 'phone', sms_subscription: 'smsSubscribed',
  language: 'language', timezone: 'timezone', create_time: 'createdAt', update_time: 'updatedAt',
};
/** What the API promises for each profile column, in words (xtremepush.md "Models and calls"). */
const COLUMN_PROMISES: Readonly<Record<string, string>> = {
  user_id: 'an id (text or a number)', email: 'text', email_subscription: 'a 0/1 flag', mobile_number: 'a number (text or digits)', sms_subscription: 'a 0/1 flag',
  language: 'text', timezone: 'text', create_time: 'unix seconds', update_time: 'unix seconds',
};

/** A profile row read leniently: the contact (with what was wrong in `sourceProblems`), or why the row cannot even be keyed. */
export type ProfileRowReading = { ok: true; profileId: string; contact: CanonicalContact } | { ok: false; reason: string };

/**
 * A list/profile row as the API sent it → canonical contact, never throwing on a bad value: a
 * column whose value breaks its schema (an email given as a list, a number where text is
 * promised) is left out (null) and named in the contact's `sourceProblems`, and so is a key that
 * cannot be an attribute name; prepare then quarantines the record or drops the field, per the
 * map. Only a row without a usable `profile_id` (the key every record is staged, resumed and
 * journaled by) or one that is not an object at all cannot become a contact: `ok: false`.
 */
export function readProfileRow(raw: unknown): ProfileRowReading {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, reason: `the row is ${kindOf(raw)}, not an object` };
  const r = raw as Record<string, unknown>;
  const id = profileIdOf(r.profile_id);
  if (id === null) return { ok: false, reason: r.profile_id === undefined || r.profile_id === null ? 'the row has no profile_id' : `profile_id is ${kindOf(r.profile_id)} (${short(r.profile_id)})` };
  // Schema parsing drops an own "__proto__" key without a word: name it here.
  const problems: SourceProblem[] = Object.hasOwn(r, '__proto__') ? [{ field: null, reason: `source row: ${unusableKey('__proto__')}` }] : [];
  const strict = XpProfileRow.safeParse(raw);
  if (strict.success) return { ok: true, profileId: id, contact: buildContact(strict.data, problems) };
  const clean: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) Object.defineProperty(clean, k, { value: v, enumerable: true, writable: true, configurable: true });
  clean.profile_id = id;
  const shape = XpProfileRow.shape as Record<string, { safeParse(v: unknown): { success: boolean } }>;
  for (const column of Object.keys(COLUMN_PATHS)) {
    const v = r[column];
    if (v === undefined || shape[column]!.safeParse(v).success) continue;
    problems.push({ field: COLUMN_PATHS[column]!, reason: `source row: ${column} is ${kindOf(v)} (${short(v)}), not ${COLUMN_PROMISES[column]}` });
    clean[column] = null;
  }
  const again = XpProfileRow.safeParse(clean);
  if (!again.success) return { ok: false, reason: `the row does not fit the profile shape (${again.error.issues[0]?.message ?? 'invalid'})` };
  return { ok: true, profileId: id, contact: buildContact(again.data, problems) };
}

/**
 * A placeholder contact for a row that cannot be keyed (no usable profile_id): keyed by its
 * position after the page's cursor, so a re-run finds the same key, and carrying a row-level
 * problem, so prepare quarantines it and the reports list it. Its email is kept when readable.
 */
export function unkeyedContact(raw: unknown, after: string | null, position: number, reason: string): CanonicalContact {
  const where = `row ${position} after profile ${after ?? 'start'}`;
  const email = raw !== null && typeof raw === 'object' && typeof (raw as { email?: unknown }).email === 'string' ? ((raw as { email: string }).email) : null;
  return {
    sourceKey: `xtremepush:profile-row:${after ?? 'start'}:${position}`,
    sourceId: `(${where})`,
    externalId: null, email, phone: null, firstName: null, lastName: null, country: null, language: null, timezone: null,
    emailSubscribed: null, smsSubscribed: null, createdAt: null, updatedAt: null, attributes: {},
    sourceProblems: [{ field: null, reason: `source row: ${reason} (${where}): the record cannot be keyed` }],
  };
}

/** A profile_id as the API's keys are: a digit string or a non-negative safe integer, as text; else null. */
function profileIdOf(v: unknown): string | null {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? String(v) : null;
  if (typeof v === 'string') return /^\d{1,30}$/.test(v.trim()) ? v.trim() : null;
  return null;
}

/** Names no attribute can have: empty, control characters, or names that reach an object's prototype. */
function unusableKey(k: string): string | null {
  const why = unusableKeyReason(k);
  if (why === null) return null;
  const key = why === 'control characters' ? short(k) : JSON.stringify(k);
  return `key ${key} is not a profile column or an attribute name${why === 'reserved' ? '' : ` (${why})`}`;
}

/** What kind of JSON value `v` is, in words. */
function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  switch (typeof v) {
    case 'string': return 'text';
    case 'number': return 'a number';
    case 'boolean': return 'a yes/no value';
    case 'object': return 'an object';
    default: return typeof v;
  }
}

/** A short, one-line rendering of a value for a reason: JSON, bidi and other invisible format characters escaped. */
const short = shortValue;

/** Xtremepush attribute type names → canonical attribute types. */
export function toAttributeType(a: XpAttribute, sample?: unknown): AttributeType {
  switch (a.type.toLowerCase()) {
    case 'number': case 'float': case 'decimal': return 'number';
    case 'integer': case 'int': return 'integer';
    case 'boolean': case 'bool': return 'boolean';
    case 'array': case 'json': return 'array';
    case 'date': case 'datetime': {
      // A time of day makes a date-time; midnight (`1990-04-12 00:00:00 +14:00`) is a date as written.
      const p = typeof sample === 'string' ? parseDateTimeText(sample) : null;
      return p !== null && p.timeOfDayMs !== 0 ? 'datetime' : 'date';
    }
    default: return 'string';
  }
}

// ---------------------------------------------------------------------------------------
// Dates

/**
 * An Xtremepush date-time (`YYYY-MM-DD HH:MM:SS +01:00`; time, seconds and offset
 * optional; no offset means UTC, as the docs say for Date attributes) → UTC ISO instant
 * with `Z`. Pure arithmetic on the text's own fields (see `parseDateTimeText`): the
 * machine's time zone never enters. Also takes the ISO `T` separator, `Z`, `+0100` and
 * `+01`. Null when the text is not such a date or names an impossible one (month 13,
 * 31 April, year 0000, offset beyond ±18:00).
 */
export function parseXpDateTime(text: string): string | null {
  return parseDateTimeText(text)?.isoInstant ?? null;
}

// ---------------------------------------------------------------------------------------
// Segments, campaigns, promotions

/** A list/segment row → source segment; rules are the conditions tree exactly as returned. */
export function toSourceSegment(row: XpSegmentRow): SourceSegment {
  return { id: row.id, name: row.name, rules: row.conditions ?? null, memberCount: row.profile_count ?? null };
}

/** Campaign channel flags, in the order the campaign model lists them [C]. */
export const CAMPAIGN_CHANNELS = ['ios_push', 'android_push', 'web_push', 'inbox', 'email', 'sms', 'webhook'] as const;

/** Campaign `trigger` codes [C]: 0 scheduled, 1 geo, 2 event, 3 API. */
const TRIGGERS: Record<string, string> = { '0': 'scheduled', '1': 'geo', '2': 'event', '3': 'api' };

/**
 * A campaign's status for readers. A status name ("active") is kept; a numeric code (how a
 * production client types it [C3]) has no public meaning, so it is shown beside what the
 * `active` flag says: "active (status 1)". Without either, what the flag says, or "unknown".
 */
function campaignStatus(status: number | string | null | undefined, active: boolean | null): string {
  const word = active === null ? null : active ? 'active' : 'inactive';
  if (typeof status === 'number') return word === null ? `status ${status}` : `${word} (status ${status})`;
  return str(status) ?? word ?? 'unknown';
}

/**
 * A list/campaign row → source campaign; `raw` is the untouched row (messages and creatives
 * included). Numeric fields may come as numbers or strings (see XpCampaignRow): both map alike.
 */
export function toSourceCampaign(row: XpCampaignRow, raw: Record<string, unknown>): SourceCampaign {
  const trigger = row.trigger === null || row.trigger === undefined ? 'unknown' : (TRIGGERS[String(row.trigger)] ?? `unknown(${String(row.trigger)})`);
  const active = flag(row.active);
  return {
    id: row.id,
    name: str(row.title) ?? `Campaign ${row.id}`,
    channels: CAMPAIGN_CHANNELS.filter((c) => flag(row[c]) === true),
    trigger,
    status: campaignStatus(row.status, active),
    createdAt: unixToIso(row.create_time),
    activatedAt: unixToIso(row.activate_time),
    deactivatedAt: unixToIso(row.deactivate_time),
    raw,
  };
}

/** A list/promotion row → source promotion; `raw` is the untouched row. */
export function toSourcePromotion(row: XpPromotionRow, raw: Record<string, unknown>): SourcePromotion {
  return { id: row.id, name: str(row.name) ?? `Promotion ${row.id}`, raw };
}

// ---------------------------------------------------------------------------------------
// Interactions, events, devices, tags

/** Stable key of one interaction kind of one send. */
export function interactionKey(messageId: string, kind: InteractionKind): string {
  return `xtremepush:message:${messageId}:${kind}`;
}

/**
 * A list/message row → one interaction per kind that happened: delivered (at the send's
 * create_time), opened (open_time), clicked (click_time). A flag set without its time
 * (seen in imported history) falls back to the previous step's time, and finally to the
 * send time: the original timestamp nearest to the fact, never the load time.
 */
export function toInteractions(row: XpMessageRow, campaignName: string): CanonicalInteraction[] {
  const sent = unixToIso(row.create_time)!;
  const opened = unixToIso(row.open_time) ?? sent;
  const clicked = unixToIso(row.click_time) ?? opened;
  const base = { contactKey: profileKey(row.profile_id), campaignId: row.campaign_id, campaignName, channel: str(row.message_type_name) ?? 'unknown' };
  const out: CanonicalInteraction[] = [];
  const add = (kind: InteractionKind, occurredAt: string) => out.push({ sourceKey: interactionKey(row.id, kind), ...base, kind, occurredAt });
  if (flag(row.delivery) === true) add('delivered', sent);
  if (flag(row.open) === true) add('opened', opened);
  if (flag(row.click) === true) add('clicked', clicked);
  return out;
}

/**
 * Content hash of an exported event: sha1 of `profile_id|event|timestamp|value|device_id`
 * (null and absent as empty). Events have no id; identical tuples are told apart by their
 * occurrence index (see `eventKey`).
 */
export function eventHash(row: XpEventLine): string {
  const part = (v: unknown) => (v === null || v === undefined ? '' : String(v));
  return createHash('sha1').update([row.profile_id, row.event, row.timestamp, part(row.value), part(row.device_id)].join('|')).digest('hex');
}

/** Stable key of an event: its content hash and its occurrence index among identical tuples (0 for the first). */
export function eventKey(hash: string, occurrence: number): string {
  return `xtremepush:event:${hash}:${occurrence}`;
}

/**
 * An exported event line → canonical event; null when its timestamp cannot be read (the
 * caller decides what an unreadable line means). `occurredAtRaw` keeps the source text.
 */
export function toCanonicalEvent(row: XpEventLine, hash: string, occurrence: number): CanonicalEvent | null {
  const occurredAt = parseXpDateTime(row.timestamp);
  if (occurredAt === null) return null;
  return {
    sourceKey: eventKey(hash, occurrence),
    contactKey: profileKey(row.profile_id),
    event: row.event,
    value: row.value ?? null,
    deviceId: row.device_id === null || row.device_id === undefined ? null : String(row.device_id),
    occurredAt,
    occurredAtRaw: row.timestamp,
  };
}

/** Stable key of a device. */
export function deviceKey(deviceId: string): string {
  return `xtremepush:device:${deviceId}`;
}

/** A list/device row → canonical device (push token included: it goes to the device dataset only). */
export function toCanonicalDevice(row: XpDeviceRow): CanonicalDevice {
  return {
    sourceKey: deviceKey(row.id),
    contactKey: row.profile_id ? profileKey(row.profile_id) : null,
    userId: str(row.user_id),
    platform: str(row.platform) ?? 'unknown',
    token: str(row.token),
    os: str(row.os_version),
    appVersion: str(row.app_version),
    model: str(row.model),
    lastSeen: unixToIso(row.last_seen),
  };
}

/** A list/tag row (one timestamped hit) → canonical tag hit. */
export function toCanonicalTagHit(row: XpTagHitRow): CanonicalTagHit {
  return { contactKey: profileKey(row.profile_id), tag: row.tag, occurredAt: unixToIso(row.create_time) };
}

/**
 * A list/location row → the readable label a reference to it becomes: "Croke Park (Dublin)";
 * the name alone without a city; the id when the row has no name (still better than nothing
 * to a reader, and never empty).
 */
export function toLocationLabel(row: XpLocationRow): string {
  const name = row.name?.trim() ?? '';
  const city = row.city?.trim() ?? '';
  if (name === '') return city === '' ? row.id : `${row.id} (${city})`;
  return city === '' ? name : `${name} (${city})`;
}
