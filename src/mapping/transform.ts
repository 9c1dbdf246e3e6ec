/**
 * Canonical contact → Freshsales contact payload, by a confirmed map. Pure: the same
 * contact, map and context always give the same payload and issues.
 *
 * Fatal or not. A fatal issue quarantines the record (kept, with its reasons, for the
 * reports and a re-run); a non-fatal one with `dropped` loads the record without that value,
 * and the caller reports the value left out. Each field's `on_invalid` decides (see
 * `defaultOnInvalid` in spec.ts for the defaults):
 * - `quarantine`: always for `emails` missing ("Freshsales requires an email") or invalid
 *   ("invalid email: …") — Freshsales refuses a contact without one; by default for the
 *   source's user id (an identity: it finds the contact again) and for subscription flags
 *   (left out, a flag takes Freshsales' default: a consent nobody gave). A custom field the
 *   destination does not have quarantines too (the map is wrong, not the value).
 * - `drop_field`: by default for every other field — names (over 255 characters, control
 *   characters), phones, other standard text fields, ids (lifecycle stage, owner, …,
 *   including a value missing from a `values` map), do_not_disturb, tags and custom fields.
 *
 * What the source row itself got wrong (`contact.sourceProblems`, from the connector) counts
 * as an invalid value of every field that reads it, so the same rule applies; a problem with
 * the row as a whole (no usable key, a key no attribute can have) always quarantines. A
 * source user id that other profiles with other emails share (`ctx.sharedExternalIds`) is an
 * invalid value of the fields that read it: which person it names is ambiguous.
 *
 * A field with `resolve: <model>` reads its value as the id of a source record and writes that
 * record's readable label instead (from `ctx.references`), before `values` and the transform.
 * An id the table does not have (a deleted record) is written as it is, with a non-fatal
 * issue that names it: the contact is worth more than the label, and the id still says what
 * it pointed at.
 *
 * The optional `packed` section writes many low-value source values into ONE textarea custom
 * field as sorted `key: value` lines (see {@link packedText}), so a map fits the plan's custom
 * field limits; over 10,000 characters the text is cut with a non-fatal issue.
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
  normaliseDayFirstDate,
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
  /** True: the record is quarantined. False: the record loads (see `dropped` for the value). */
  fatal: boolean;
  /** Set on a non-fatal issue whose value was left out of the payload (`on_invalid: drop_field`): report it. */
  dropped?: true;
  /** A short, escaped rendering of the offending source value (never the whole of a long one), when there is one. */
  value?: string;
  /**
   * Set when a `resolve` id has no record in the source's table: the raw id was written in
   * place of a label (the field is NOT left out), so callers can count and report these.
   */
  unresolved?: { model: string; id: string };
}

/** What a transform needs from outside: the destination's custom field names, the time, and the source's reference tables. */
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
  /**
   * Source model → (record id → readable label), for fields with `resolve`; read from the
   * source once per run (`SourceConnector.referenceTable`). A model missing here leaves its
   * ids as they are, each with a non-fatal issue.
   */
  references?: Map<string, Map<string, string>>;
  /**
   * Source user ids (canonical `externalId`, trimmed) that profiles with different emails
   * share → the source ids of those profiles. A field reading `externalId` treats such a value
   * as invalid (which person it identifies is ambiguous), per its `on_invalid`.
   */
  sharedExternalIds?: Map<string, string[]>;
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

  const sourceProblems = contact.sourceProblems ?? [];
  const readPaths = new Set<string>();
  for (const field of map.fields) {
    const fieldName = isCustomTarget(field.to) ? field.to.custom : field.to;
    const who = isCustomTarget(field.to) ? `custom field "${field.to.custom}"` : field.to;
    readPaths.add(field.from);
    const problem = (why: string, value?: unknown, fatal = field.on_invalid === 'quarantine') => {
      const isFatal = field.to === 'emails' || fatal;
      issues.push({
        field: fieldName,
        from: field.from,
        reason: field.to === 'emails' ? `invalid email: ${why}` : `${who}: ${why}`,
        fatal: isFatal,
        ...(isFatal ? {} : { dropped: true as const }),
        ...(value !== undefined ? { value: describe(value) } : {}),
      });
    };

    let cfName: string | undefined;
    if (isCustomTarget(field.to)) {
      cfName = customNames(field.to.custom);
      if (cfName === undefined) {
        problem('not found in Freshsales (create the field in Admin Settings → Fields, then run again)', undefined, true);
        continue;
      }
    }
    const bad = sourceProblems.find((p) => p.field === field.from);
    if (bad !== undefined) {
      problem(bad.reason);
      continue;
    }
    const write = (value: PayloadValue) => {
      if (cfName !== undefined) payload.custom_field[cfName] = value;
      else payload[field.to as StandardContactField] = value;
    };

    let raw = readPath(contact, field.from);
    if (field.from === 'externalId' && typeof raw === 'string' && ctx.sharedExternalIds !== undefined) {
      const sharers = ctx.sharedExternalIds.get(raw.trim());
      if (sharers !== undefined) {
        const others = sharers.filter((id) => id !== contact.sourceId);
        problem(`user id ${describe(raw.trim())} is shared with ${others.length === 1 ? 'profile' : 'profiles'} ${listIds(others)} (a different email): which person it identifies is ambiguous`, raw);
        continue;
      }
    }
    if (field.resolve !== undefined && !isAbsent(raw)) {
      const r = resolveReference(raw, field.resolve, ctx.references);
      if (r.issue !== undefined) {
        issues.push({ field: fieldName, from: field.from, reason: `${who}: ${r.issue}`, fatal: false, ...(r.unresolved ? { unresolved: r.unresolved } : {}) });
      }
      raw = r.value;
    }
    if (field.values !== undefined && !isAbsent(raw)) {
      const mapped = applyValueMap(raw, field.values);
      if (!mapped.ok) {
        problem(mapped.reason, raw);
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
      problem(result.reason, raw);
      continue;
    }
    write(result.value);
  }

  const packedPaths = new Set(map.packed?.from ?? []);
  if (map.packed !== undefined) writePacked(contact, map.packed, customNames, payload, issues, ctx);

  // The row itself was malformed: nothing in it can be vouched for. A bad value only the packed
  // textarea reads is left out of it (reported); one no field reads costs nothing, but is still
  // reported (non-fatal, nothing written).
  for (const p of sourceProblems) {
    if (p.field === null) issues.push({ field: '(source row)', from: '', reason: p.reason, fatal: true });
    else if (readPaths.has(p.field)) continue;
    else if (map.packed !== undefined && packedPaths.has(p.field)) {
      issues.push({ field: map.packed.label, from: p.field, reason: `custom field "${map.packed.label}": ${p.reason}`, fatal: false, dropped: true });
    } else issues.push({ field: '(not mapped)', from: p.field, reason: `${p.reason} (no field of the map reads it)`, fatal: false });
  }

  const email = payload.emails;
  return { payload, issues, emailKey: typeof email === 'string' ? toEmailKey(email) : null };
}

/** Up to five ids, then how many more. */
function listIds(ids: string[]): string {
  return ids.length <= 5 ? ids.join(', ') : `${ids.slice(0, 5).join(', ')} and ${ids.length - 5} more`;
}

/** The `packed` section of a contact map: one textarea custom field, many source values. */
export type PackedSection = NonNullable<ContactMap['packed']>;

/**
 * The text of a packed textarea: one `key: value` line per source value that is present,
 * sorted by key (case-insensitive, then exact), where the key is the attribute name (or the
 * canonical field name). Values become one line of text: strings trimmed with inner line
 * breaks collapsed to a space, lists (and JSON list text) joined with ", ", objects as JSON, numbers and
 * booleans as written in JSON. Absent values are skipped. Over `maxChars` (Freshsales
 * textarea: 10,000), whole lines are kept while they fit and a last line says how many were
 * cut; `omitted` names them. Pure.
 */
export function packedText(contact: CanonicalContact, from: readonly string[], maxChars: number = FRESHSALES_LIMITS.textareaChars): { text: string | null; omitted: string[] } {
  const lines: Array<{ key: string; line: string }> = [];
  const seen = new Set<string>();
  for (const path of from) {
    if (seen.has(path)) continue;
    seen.add(path);
    const raw = readPath(contact, path);
    if (isAbsent(raw)) continue;
    const value = packedValue(raw);
    if (value === null) continue;
    const key = path.startsWith(ATTRIBUTE_PREFIX) ? path.slice(ATTRIBUTE_PREFIX.length) : path;
    lines.push({ key, line: `${key.replace(/[\r\n]+/g, ' ')}: ${value}` });
  }
  if (lines.length === 0) return { text: null, omitted: [] };
  lines.sort((a, b) => cmpText(a.key.toLowerCase(), b.key.toLowerCase()) || cmpText(a.key, b.key));
  const full = lines.map((l) => l.line).join('\n');
  if (codePoints(full) <= maxChars) return { text: full, omitted: [] };

  // Keep whole lines while they fit with room for the closing note; the note says what was cut.
  const kept: string[] = [];
  let used = 0;
  let i = 0;
  const note = (cut: number) => `… (${cut} more cut: the field holds ${maxChars.toLocaleString('en-US')} characters)`;
  for (; i < lines.length; i++) {
    const len = codePoints((lines[i] as { line: string }).line) + (kept.length > 0 ? 1 : 0);
    if (used + len + 1 + codePoints(note(lines.length - i)) > maxChars) break;
    kept.push((lines[i] as { line: string }).line);
    used += len;
  }
  if (kept.length === 0) {
    // Not even the first line fits: keep its beginning (it counts as cut too).
    const first = (lines[0] as { line: string }).line;
    const closing = note(lines.length - 1);
    const room = Math.max(0, maxChars - codePoints(closing) - 2);
    return { text: `${[...first].slice(0, room).join('')}…\n${closing}`, omitted: lines.map((l) => l.key) };
  }
  return { text: `${kept.join('\n')}\n${note(lines.length - i)}`, omitted: lines.slice(i).map((l) => l.key) };
}

function writePacked(
  contact: CanonicalContact,
  packed: PackedSection,
  customNames: (label: string) => string | undefined,
  payload: ContactPayload,
  issues: PayloadIssue[],
  ctx: TransformContext,
): void {
  const from = packed.from.join(', ');
  const cfName = customNames(packed.label);
  if (cfName === undefined) {
    issues.push({ field: packed.label, from, reason: `custom field "${packed.label}": not found in Freshsales (create the field in Admin Settings → Fields, then run again)`, fatal: true });
    return;
  }
  const { text, omitted } = packedText(contact, packed.from);
  if (text === null) {
    if (ctx.clearAbsent) payload.custom_field[cfName] = null;
    return;
  }
  payload.custom_field[cfName] = text;
  if (omitted.length > 0) {
    issues.push({
      field: packed.label,
      from,
      reason: `custom field "${packed.label}": longer than ${FRESHSALES_LIMITS.textareaChars} characters: cut, ${omitted.length} value(s) left out (${omitted.slice(0, 5).join(', ')}${omitted.length > 5 ? ', …' : ''})`,
      fatal: false,
    });
  }
}

/** A packed value as one line of text, or null when it is only whitespace. */
function packedValue(raw: unknown): string | null {
  let s: string;
  if (Array.isArray(raw)) {
    const a = normaliseArray(raw);
    s = a.ok ? a.value.join(', ') : JSON.stringify(raw);
  } else if (typeof raw === 'string') {
    // Array attributes may arrive as JSON text: '["football","tennis"]' reads "football, tennis".
    const a = raw.trim().startsWith('[') ? normaliseArray(raw) : null;
    s = a?.ok ? a.value.join(', ') : raw;
  }
  else if (typeof raw === 'number' || typeof raw === 'boolean') s = String(raw);
  else s = JSON.stringify(raw) ?? String(raw);
  const one = s.replace(/\s*[\r\n]+\s*/g, ' ').trim();
  return one.length === 0 ? null : one;
}

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function cmpText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The value at a canonical path: a contact field, or `attributes.<exact name>` (dots allowed in the name). */
export function readPath(contact: CanonicalContact, from: string): unknown {
  if (from.startsWith(ATTRIBUTE_PREFIX)) {
    // Own keys only: `attributes.constructor` must not read Object's constructor.
    const name = from.slice(ATTRIBUTE_PREFIX.length);
    return Object.hasOwn(contact.attributes, name) ? contact.attributes[name] : undefined;
  }
  return (contact as unknown as Record<string, unknown>)[from];
}

/** Exact label first, then case- and space-insensitive, so a re-cased label in Freshsales still binds. */
function labelIndex(names: Map<string, string>): (label: string) => string | undefined {
  const fold = (s: string) => s.trim().toLowerCase().replace(/\s+/g, ' ');
  const folded = new Map<string, string>();
  for (const [label, cf] of names) if (!folded.has(fold(label))) folded.set(fold(label), cf);
  return (label) => names.get(label) ?? folded.get(fold(label));
}

/**
 * A reference id → its record's label. Ids are matched as trimmed text (a number 7 finds "7").
 * Whatever cannot be resolved is kept as it is, with the reason: unresolved ids are marked so
 * callers can count them; a value that is no id at all (a list, a flag) is only described.
 */
export function resolveReference(
  raw: unknown,
  model: string,
  references: Map<string, Map<string, string>> | undefined,
): { value: unknown; issue?: string; unresolved?: { model: string; id: string } } {
  const table = references?.get(model);
  const id = typeof raw === 'string' ? raw.trim() : typeof raw === 'number' && Number.isFinite(raw) ? String(raw) : null;
  if (id === null) return { value: raw, issue: `${describe(raw)} is not a ${model} id; written as it is` };
  if (table === undefined) return { value: raw, issue: `no ${model} records were read to resolve ${id}; written as the id` };
  const label = table.get(id);
  if (label === undefined) return { value: raw, issue: `${id} references no ${model}; written as the id`, unresolved: { model, id } };
  return { value: label };
}

/** The key a source value is looked up by in a field's `values` map: the text as written, or its JSON (true, 1). */
export function valueMapKey(v: unknown): string {
  return (typeof v === 'string' ? v : JSON.stringify(v)).trim();
}

/** Source value → mapped value; lists are mapped element by element. */
function applyValueMap(raw: unknown, values: NonNullable<MappingField['values']>): Normalised<unknown> {
  const lookup = (v: unknown): { hit: true; value: unknown } | { hit: false } => {
    const key = valueMapKey(v);
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
      v = isCustomTarget(to) && to.type === 'number' ? normaliseNumber(raw, FRESHSALES_LIMITS.numberIntegerDigits, FRESHSALES_LIMITS.numberDecimals) : normaliseNumber(raw);
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
    case 'date_day_first':
      v = normaliseDayFirstDate(raw);
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
