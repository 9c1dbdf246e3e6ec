/**
 * The activity timeline's payloads: a campaign interaction or a behavioural event as a
 * Freshsales task, or as a sales activity. Both carry the same content — a title naming the
 * campaign or the event, lines with what the source knew, and the marker line last (how a
 * create whose outcome is unknown is found again) — and the original timestamp as the same UTC
 * instant (a task's due date; a sales activity's start and end). A sales activity also keeps
 * the event properties the map names in its custom fields, typed. Pure: no I/O, no clock.
 */
import { parseDateTimeText } from '../core/datetime.js';
import type { CanonicalEvent, CanonicalInteraction } from '../core/model.js';
import { taskMarker } from '../connectors/freshsales/index.js';
import { describe, normaliseBoolean, normaliseDate, normaliseNumber, normaliseText, type Normalised } from '../mapping/normalise.js';
import { FRESHSALES_LIMITS, PARAMETER_PREFIX, type CustomTarget } from '../mapping/spec.js';
import type { PayloadValue } from '../mapping/transform.js';

/** Freshsales limits on timeline text [simulator/activities: title 255, description and notes 10,000]. */
const TITLE_MAX = 255;
const TEXT_MAX = 10_000;

/** A staged timeline source record: the canonical interaction or event, tagged with its kind. */
export type TaskSourceRecord = ({ type: 'interaction' } & CanonicalInteraction) | ({ type: 'event' } & CanonicalEvent);

/**
 * A task as written. Freshsales has no custom fields on tasks (the field catalogue offers
 * none, and a `custom_field` on a task is rejected), so what the seed calls
 * campaign_name__c, event_type__c and device_id__c goes into the title and description.
 * `targetable_id` is added at load time from the parent contact's journal entry.
 */
export interface TaskPayload {
  title: string;
  description: string;
  /** The original timestamp as an ISO 8601 UTC instant. */
  due_date: string;
  /** 1 = done: these are records of things that happened. */
  status: 0 | 1;
  targetable_type: 'Contact';
  owner_id?: number;
}

/**
 * A sales activity as written: the type the map names, the same title and text as a task (the
 * text in `notes`, marker last), the original instant as both start and end (a moment, not a
 * meeting), and the event properties the map keeps in custom fields. `targetable_id` is added
 * at load time, as for tasks.
 */
export interface SalesActivityPayload {
  title: string;
  notes: string;
  start_date: string;
  end_date: string;
  sales_activity_type_id: number;
  targetable_type: 'Contact';
  owner_id?: number;
  custom_field?: Record<string, PayloadValue>;
}

/** A sales-activity custom field: the event property it reads, its target, and its bound `cf_` name. */
export interface ActivityField {
  from: string;
  to: CustomTarget;
  cf: string;
}

/** Pure inputs of `toTaskPayload`. */
export interface TaskPayloadContext {
  ownerId: string | null;
}

/** Pure inputs of `toSalesActivityPayload`: the owner, the resolved type id and the bound fields. */
export interface SalesActivityPayloadContext extends TaskPayloadContext {
  typeId: string;
  fields: readonly ActivityField[];
}

/** A payload, or why the record cannot be written (it is quarantined with these reasons). */
export type PayloadResult<P> = { ok: true; payload: P } | { ok: false; reasons: string[] };
/** A task payload, or why not. */
export type TaskPayloadResult = PayloadResult<TaskPayload>;

/** What a timeline record says, whichever entity it becomes. */
interface TimelineContent {
  title: string;
  lines: string[];
  /** The original instant in UTC. */
  instant: string;
}

/**
 * The title, lines and instant of an interaction or event. Timestamps are read with their own
 * offset (or as UTC when they carry none, as the canonical model promises) and written as the
 * same instant in UTC: the machine's time zone never enters.
 */
function timelineContent(record: TaskSourceRecord): PayloadResult<TimelineContent> {
  if (record.type === 'interaction') {
    const instant = toUtcInstant(record.occurredAt);
    if (instant === null) return { ok: false, reasons: [`interaction timestamp ${JSON.stringify(record.occurredAt)} is not an ISO 8601 date-time`] };
    const campaign = record.campaignName.trim() || `Campaign ${record.campaignId}`;
    return {
      ok: true,
      payload: {
        title: withSuffix(campaign, ` — ${record.kind}`, TITLE_MAX),
        instant,
        lines: [
          `Campaign: ${campaign}`,
          `Campaign id: ${record.campaignId}`,
          `Channel: ${record.channel}`,
          `Interaction: ${record.kind}`,
          `Original timestamp: ${record.occurredAt}`,
          `UTC instant: ${instant}`,
        ],
      },
    };
  }
  // occurredAt is the canonical UTC instant; the raw text is the fallback (it carries its offset).
  const instant = toUtcInstant(record.occurredAt) ?? toUtcInstant(record.occurredAtRaw);
  if (instant === null) return { ok: false, reasons: [`event timestamp ${JSON.stringify(record.occurredAtRaw || record.occurredAt)} is not an ISO 8601 date-time`] };
  return {
    ok: true,
    payload: {
      title: withSuffix('Event: ', record.event, TITLE_MAX, true),
      instant,
      lines: [
        `Event type: ${record.event}`,
        `Value: ${record.value === null ? '(none)' : String(record.value)}`,
        `Device id: ${record.deviceId ?? '(none)'}`,
        `Original timestamp: ${record.occurredAtRaw}`,
        `UTC instant: ${instant}`,
      ],
    },
  };
}

/** The lines, then the marker line; the body is cut so the marker always survives (it is how the record is found again). */
function markedText(lines: string[], sourceKey: string): string {
  const marker = taskMarker(sourceKey);
  let body = lines.join('\n');
  const room = TEXT_MAX - marker.length - 1;
  if (body.length > room) body = `${body.slice(0, room - 1)}…`;
  return `${body}\n${marker}`;
}

/** Build the task for an interaction or an event. Pure. */
export function toTaskPayload(record: TaskSourceRecord, ctx: TaskPayloadContext): TaskPayloadResult {
  const c = timelineContent(record);
  if (!c.ok) return c;
  const payload: TaskPayload = { title: c.payload.title, description: markedText(c.payload.lines, record.sourceKey), due_date: c.payload.instant, status: 1, targetable_type: 'Contact' };
  if (ctx.ownerId) payload.owner_id = Number(ctx.ownerId);
  return { ok: true, payload };
}

/**
 * Build the sales activity for an interaction or an event. Pure. A property the record does
 * not have leaves its field out; one that cannot be typed for its field (text in a number
 * field) is left out too, and the notes say so — the activity still loads.
 */
export function toSalesActivityPayload(record: TaskSourceRecord, ctx: SalesActivityPayloadContext): PayloadResult<SalesActivityPayload> {
  const c = timelineContent(record);
  if (!c.ok) return c;
  const custom: Record<string, PayloadValue> = {};
  const left: string[] = [];
  for (const f of ctx.fields) {
    const raw = timelineProperty(record, f.from);
    if (raw === undefined || raw === null || raw === '') continue;
    const v = activityFieldValue(raw, f.to.type);
    if (v.ok) custom[f.cf] = v.value;
    else left.push(`Not written to "${f.to.custom}": ${v.reason}`);
  }
  const payload: SalesActivityPayload = {
    title: c.payload.title,
    notes: markedText([...c.payload.lines, ...left], record.sourceKey),
    start_date: c.payload.instant,
    end_date: c.payload.instant,
    sales_activity_type_id: Number(ctx.typeId),
    targetable_type: 'Contact',
  };
  if (ctx.ownerId) payload.owner_id = Number(ctx.ownerId);
  if (Object.keys(custom).length > 0) payload.custom_field = custom;
  return { ok: true, payload };
}

/**
 * The value of an event property of a timeline record (see `TIMELINE_PROPERTIES` in the map
 * spec), or undefined when the record has no such property (an interaction has no event name;
 * an event no campaign; a parameter the event did not send).
 */
export function timelineProperty(record: TaskSourceRecord, from: string): unknown {
  if (from.startsWith(PARAMETER_PREFIX)) {
    if (record.type !== 'event' || !record.parameters) return undefined;
    const name = from.slice(PARAMETER_PREFIX.length);
    return Object.hasOwn(record.parameters, name) ? record.parameters[name] : undefined;
  }
  if (record.type === 'event') {
    const byName: Record<string, unknown> = { event: record.event, value: record.value, device_id: record.deviceId };
    return byName[from];
  }
  const byName: Record<string, unknown> = { campaign: record.campaignName, campaign_id: record.campaignId, channel: record.channel, interaction: record.kind };
  return byName[from];
}

/**
 * A property value typed for a sales-activity custom field: text (256 characters) and
 * textarea (10,000) as text, objects as JSON; numbers within Freshsales' 11 + 4 digits; yes/no
 * for a checkbox; the calendar date as written for a date; a dropdown's choice text.
 */
export function activityFieldValue(raw: unknown, type: CustomTarget['type']): Normalised<PayloadValue> {
  switch (type) {
    case 'number':
      return normaliseNumber(raw, FRESHSALES_LIMITS.numberIntegerDigits, FRESHSALES_LIMITS.numberDecimals);
    case 'checkbox':
      return normaliseBoolean(raw);
    case 'date':
      return normaliseDate(raw);
    case 'textarea':
      return normaliseText(raw, FRESHSALES_LIMITS.textareaChars);
    case 'text':
    case 'dropdown':
    case 'radio':
      return normaliseText(raw, FRESHSALES_LIMITS.textChars);
    case 'multi_select_dropdown':
      return { ok: false, reason: `a multi-select field cannot hold an event property (${describe(raw)})` };
  }
}

/** `head + tail` within `max` characters, shortening the head (or the tail when `keepHead`). */
function withSuffix(head: string, tail: string, max: number, keepHead = false): string {
  if (head.length + tail.length <= max) return head + tail;
  if (keepHead) return head + tail.slice(0, Math.max(0, max - head.length - 1)) + '…';
  return head.slice(0, Math.max(0, max - tail.length - 1)) + '…' + tail;
}

/**
 * An ISO 8601 date-time (a time of day required; `T` or a space; `Z`, `±HH:MM`, `±HHMM` or
 * `±HH`) as a UTC instant (`toISOString` form), or null. Computed arithmetically from the
 * text's own fields and offset (see `parseDateTimeText`) — never Date.parse, which reads
 * offset-less text in the machine's zone. Text without an offset is UTC (the canonical
 * model's contract). Impossible dates (31 February) and offsets beyond ±18:00 are null.
 */
export function toUtcInstant(text: string): string | null {
  const p = parseDateTimeText(text);
  return p !== null && p.hasTime ? p.isoInstant : null;
}
