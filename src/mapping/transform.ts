/**
 * Canonical contact → Freshsales contact payload, by a confirmed map. Pure: the same
 * contact, map and context always give the same payload and issues.
 *
 * Fatal or not. A fatal issue quarantines the record (kept, with its reasons, for the
 * reports and a re-run); a non-fatal one loads the record without that field. The default
 * per target (a field's `on_invalid` overrides it):
 * - fatal: `emails` missing ("Freshsales requires an email") or invalid ("invalid email: …"),
 *   always — Freshsales refuses a contact without one; first/last name unusable (over 255
 *   characters: Freshsales refuses the whole contact); subscription flags (writing a contact
 *   as subscribed because its flag was unreadable is a consent problem); every custom field
 *   (it exists because someone wants that data, and a value that cannot be typed is almost
 *   always a wrong type in the map, fixed by editing the map and re-running the quarantined
 *   records); a custom field the destination does not have.
 * - non-fatal: phones (a junk number is junk in the source too; the contact is worth more
 *   than it), other standard text fields, ids (lifecycle stage, owner, …, including a value
 *   missing from a `values` map), do_not_disturb, tags.
 */
import type { CanonicalContact } from '../core/model.js';
import {
  describe,
  emailKey as toEmailKey,
  isAbsent,
  normaliseArray,
  normaliseArrayToText,
  normaliseBoolean,
  normaliseDate,
  normaliseDateTime,
  normaliseEmail,
  normaliseInteger,
  normaliseName,
  normaliseNumber,
  normalisePhone,
  normaliseSubscription,
  normaliseText,
  type Normalised,
} from './normalise.js';
import {
  ATTRIBUTE_PREFIX,
  FRESHSALES_LIMITS,
  isCustomTarget,
  type ContactMap,
  type MappingField,
  type StandardContactField,
  type Target,
} from './spec.js';

/** A value in a Freshsales payload. */
export type PayloadValue = string | number | boolean | string[] | null;

/** The Freshsales contact shape we write: standard fields plus `custom_field` keyed by `cf_` name. */
export type ContactPayload = { [K in StandardContactField]?: PayloadValue } & { custom_field: Record<string, PayloadValue> };

/** A problem with one field of one record. */
export interface PayloadIssue {
  /** The target: a standard field name, or a custom field's label. */
  field: string;
  /** The canonical path the value came from. */
  from: string;
  /** Self-describing (names the field), because quarantine reports show reasons alone. */
  reason: string;
  /** True: the record is quarantined. False: the field is left out and the record loads. */
  fatal: boolean;
}

/** What a transform needs from outside: the destination's custom field names, and the time. */
export interface TransformContext {
  /** Custom field label → `cf_` name, read from the destination's field catalogue. */
  customFieldNames: Map<string, string>;
  /** Epoch ms of the run; transforms never read the clock themselves. */
  now: number;
  /**
   * Write null for values absent in the source instead of leaving the field out, so a delta
   * run clears in Freshsales what was cleared in the source. Default false: a first load
   * has nothing to clear, and leaving fields out keeps admin-entered values intact.
   */
  clearAbsent?: boolean;
}

/** The payload, the issues found while building it, and the record's dedupe key. */
export interface ContactTransformResult {
  payload: ContactPayload;
  issues: PayloadIssue[];
  /** Lower-cased normalised email (the dedupe and upsert key), or null when there is none. */
  emailKey: string | null;
}

/** Build the Freshsales payload for one contact. */
export function toContactPayload(contact: CanonicalContact, map: ContactMap, ctx: TransformContext): ContactTransformResult {
  const payload: ContactPayload = { custom_field: {} };
  const issues: PayloadIssue[] = [];
  const customNames = labelIndex(ctx.customFieldNames);

  for (const field of map.fields) {
    const fieldName = isCustomTarget(field.to) ? field.to.custom : field.to;
    const who = isCustomTarget(field.to) ? `custom field "${field.to.custom}"` : field.to;
    const problem = (why: string, fatal = field.on_invalid === 'quarantine') =>
      issues.push({ field: fieldName, from: field.from, reason: field.to === 'emails' ? `invalid email: ${why}` : `${who}: ${why}`, fatal: field.to === 'emails' || fatal });

    let cfName: string | undefined;
    if (isCustomTarget(field.to)) {
      cfName = customNames(field.to.custom);
      if (cfName === undefined) {
        problem('not found in Freshsales (create the field in Admin Settings → Fields, then run again)', true);
        continue;
      }
    }
    const write = (value: PayloadValue) => {
      if (cfName !== undefined) payload.custom_field[cfName] = value;
      else payload[field.to as StandardContactField] = value;
    };

    let raw = readPath(contact, field.from);
    if (field.values !== undefined && !isAbsent(raw)) {
      const mapped = applyValueMap(raw, field.values);
      if (!mapped.ok) {
        problem(mapped.reason);
        continue;
      }
      raw = mapped.value;
    }
    if (isAbsent(raw)) {
      if (field.to === 'emails') issues.push({ field: 'emails', from: field.from, reason: 'Freshsales requires an email', fatal: true });
      else if (ctx.clearAbsent) write(null);
      continue;
    }

    const result = convert(field, raw, contact);
    if (!result.ok && result.reason === 'empty' && field.to !== 'emails') {
      // A value that only parses to nothing ("[]", "  ") is absent, not invalid.
      if (ctx.clearAbsent) write(null);
      continue;
    }
    if (!result.ok) {
      problem(result.reason);
      continue;
    }
    write(result.value);
  }

  const email = payload.emails;
  return { payload, issues, emailKey: typeof email === 'string' ? toEmailKey(email) : null };
}

/** The value at a canonical path: a contact field, or `attributes.<exact name>` (dots allowed in the name). */
export function readPath(contact: CanonicalContact, from: string): unknown {
  if (from.startsWith(ATTRIBUTE_PREFIX)) return contact.attributes[from.slice(ATTRIBUTE_PREFIX.length)];
  return (contact as unknown as Record<string, unknown>)[from];
}

/** Exact label first, then case- and space-insensitive, so a re-cased label in Freshsales still binds. */
function labelIndex(names: Map<string, string>): (label: string) => string | undefined {
  const fold = (s: string) => s.trim().toLowerCase().replace(/\s+/g, ' ');
  const folded = new Map<string, string>();
  for (const [label, cf] of names) if (!folded.has(fold(label))) folded.set(fold(label), cf);
  return (label) => names.get(label) ?? folded.get(fold(label));
}

/** Source value → mapped value; lists are mapped element by element. */
function applyValueMap(raw: unknown, values: NonNullable<MappingField['values']>): Normalised<unknown> {
  const lookup = (v: unknown): { hit: true; value: unknown } | { hit: false } => {
    const key = (typeof v === 'string' ? v : JSON.stringify(v)).trim();
    if (Object.hasOwn(values, key)) return { hit: true, value: values[key] };
    const lower = key.toLowerCase();
    const k = Object.keys(values).find((x) => x.trim().toLowerCase() === lower);
    return k === undefined ? { hit: false } : { hit: true, value: values[k] };
  };
  if (Array.isArray(raw)) {
    const out: unknown[] = [];
    for (const v of raw) {
      const r = lookup(v);
      if (!r.hit) return { ok: false, reason: `no value mapping for ${describe(v)} (add it under values)` };
      if (r.value !== null) out.push(r.value);
    }
    return { ok: true, value: out };
  }
  const r = lookup(raw);
  return r.hit ? { ok: true, value: r.value } : { ok: false, reason: `no value mapping for ${describe(raw)} (add it under values)` };
}

/** Apply the field's transform, then the target's own constraints (length, choices, type). */
function convert(field: MappingField, raw: unknown, contact: CanonicalContact): Normalised<PayloadValue> {
  const to = field.to;
  const maxChars = textLimit(to);
  let v: Normalised<PayloadValue>;
  switch (field.transform) {
    case 'none':
      v = { ok: true, value: asIs(raw) };
      break;
    case 'email':
      v = normaliseEmail(raw);
      break;
    case 'phone':
      v = normalisePhone(raw, contact.country);
      break;
    case 'name':
      v = normaliseName(raw);
      break;
    case 'text':
      v = normaliseText(raw, maxChars);
      break;
    case 'number':
      v = normaliseNumber(raw, isCustomTarget(to) && to.type === 'number' ? FRESHSALES_LIMITS.numberIntegerDigits : undefined);
      break;
    case 'integer':
      v = normaliseInteger(raw, isCustomTarget(to) && to.type === 'number' ? FRESHSALES_LIMITS.numberIntegerDigits : undefined);
      break;
    case 'boolean':
      v = normaliseBoolean(raw);
      break;
    case 'date':
      v = normaliseDate(raw);
      break;
    case 'datetime':
      v = normaliseDateTime(raw);
      break;
    case 'array_to_text':
      v = normaliseArrayToText(raw, maxChars);
      break;
    case 'array_to_multiselect':
      v = normaliseArray(raw);
      break;
    case 'subscription':
      v = normaliseSubscription(raw);
      break;
  }
  if (!v.ok || field.transform === 'none') return v;
  return fitTarget(to, v.value, maxChars);
}

/** Make a transformed value fit its target: text targets get text, choices are checked. */
function fitTarget(to: Target, value: PayloadValue, maxChars: number | undefined): Normalised<PayloadValue> {
  if (isCustomTarget(to)) {
    switch (to.type) {
      case 'text':
      case 'textarea':
        return asText(value, maxChars);
      case 'dropdown':
      case 'radio': {
        if (typeof value !== 'string') return asText(value, maxChars);
        return matchChoice(value, to.choices);
      }
      case 'multi_select_dropdown': {
        const list = Array.isArray(value) ? value : [String(value)];
        const out: string[] = [];
        for (const item of list) {
          const c = matchChoice(item, to.choices);
          if (!c.ok) return c;
          if (!out.includes(c.value)) out.push(c.value);
        }
        return out.length > 0 ? { ok: true, value: out } : { ok: false, reason: 'empty' };
      }
      default:
        return { ok: true, value };
    }
  }
  if (to === 'tags') {
    const list = Array.isArray(value) ? value : [String(value)];
    return { ok: true, value: list };
  }
  // Standard text fields receive text even when a number/boolean/date transform made the value.
  if (maxChars !== undefined) return asText(value, maxChars);
  return { ok: true, value };
}

const STANDARD_TEXT_LIMITED: ReadonlySet<string> = new Set([
  'first_name', 'last_name', 'job_title', 'address', 'city', 'state', 'zipcode', 'country', 'time_zone', 'external_id', 'medium', 'keyword', 'unsubscription_reason', 'subscription_types',
]);

/** Character limit of a text target (Freshsales: text 256, textarea 10,000, standard ~255); undefined for non-text. */
function textLimit(to: Target): number | undefined {
  if (isCustomTarget(to)) {
    if (to.type === 'text') return FRESHSALES_LIMITS.textChars;
    if (to.type === 'textarea') return FRESHSALES_LIMITS.textareaChars;
    if (to.type === 'dropdown' || to.type === 'radio') return FRESHSALES_LIMITS.textChars;
    return undefined;
  }
  return STANDARD_TEXT_LIMITED.has(to) ? FRESHSALES_LIMITS.nameChars : undefined;
}

function asText(value: PayloadValue, maxChars: number | undefined): Normalised<PayloadValue> {
  const s = Array.isArray(value) ? value.join(', ') : String(value);
  if (maxChars !== undefined) {
    const chars = [...s].length;
    if (chars > maxChars) return { ok: false, reason: `longer than ${maxChars} characters (${chars})` };
  }
  return { ok: true, value: s };
}

/** The choice's own spelling for a value that matches it ignoring case and outer spaces. */
function matchChoice(value: string, choices: string[] | undefined): Normalised<string> {
  const v = value.trim();
  if (choices === undefined) return { ok: true, value: v };
  const exact = choices.find((c) => c === v) ?? choices.find((c) => c.toLowerCase() === v.toLowerCase());
  if (exact !== undefined) return { ok: true, value: exact };
  return { ok: false, reason: `${describe(v)} is not one of the field's choices (add it to choices, or map the field to text)` };
}

/** `none`: the source value as JSON can carry it; objects become JSON text. */
function asIs(raw: unknown): PayloadValue {
  if (typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean' || raw === null) return raw;
  if (Array.isArray(raw)) return raw.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
  return JSON.stringify(raw) ?? null;
}
