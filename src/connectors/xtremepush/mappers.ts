/** Pure mappers from raw Xtremepush rows to the canonical model. No I/O, no clock, no machine time zone. */
import { createHash } from 'node:crypto';
import { parseDateTimeText } from '../../core/datetime.js';
import type {
  AttributeType, AttributeValue, CanonicalContact, CanonicalDevice, CanonicalEvent, CanonicalInteraction, CanonicalTagHit, InteractionKind,
  SourceCampaign, SourcePromotion, SourceSegment,
} from '../../core/model.js';
import {
  PROFILE_COLUMNS, type XpAttribute, type XpCampaignRow, type XpDeviceRow, type XpEventLine, type XpLocationRow, type XpMessageRow,
  type XpProfileRow, type XpPromotionRow, type XpSegmentRow, type XpTagHitRow,
} from './types.js';

/** Attributes lifted into canonical slots (the rest stay in `attributes`). */
const LIFTED: Record<string, 'firstName' | 'lastName' | 'country'> = { first_name: 'firstName', last_name: 'lastName', country: 'country' };

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

/** Unix seconds (or ms, told apart by magnitude) → ISO instant; null when absent or unreadable. */
export function unixToIso(v: unknown): string | null {
  if (v === null || v === undefined || v === '') return null;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n)) return null;
  const ms = n > 1e11 ? n : n * 1000;
  return new Date(ms).toISOString();
}

function str(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const s = String(v);
  return s.length === 0 ? null : s;
}

/** A list/profile row → canonical contact. */
export function toCanonicalContact(row: XpProfileRow): CanonicalContact {
  const attributes: Record<string, AttributeValue> = {};
  const lifted: Partial<Record<'firstName' | 'lastName' | 'country', string | null>> = {};
  for (const [k, v] of Object.entries(row)) {
    if (PROFILE_COLUMNS.has(k)) continue;
    const slot = LIFTED[k];
    if (slot) lifted[slot] = str(v);
    else attributes[k] = (v === undefined ? null : v) as AttributeValue;
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
  };
}

/** Xtremepush attribute type names → canonical attribute types. */
export function toAttributeType(a: XpAttribute, sample?: unknown): AttributeType {
  switch (a.type.toLowerCase()) {
    case 'number': case 'float': case 'decimal': return 'number';
    case 'integer': case 'int': return 'integer';
    case 'boolean': case 'bool': return 'boolean';
    case 'array': case 'json': return 'array';
    case 'date': case 'datetime':
      return typeof sample === 'string' && /\d{2}:\d{2}/.test(sample) ? 'datetime' : 'date';
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
