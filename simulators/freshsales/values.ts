/**
 * Value checks shared by every write path: emails, dates, numbers and the per-type
 * rules of custom fields (text 256 chars, textarea 10,000, number 11+4 digits,
 * dropdown values as choice text [DOC/LIVE]).
 */
import type { FieldDef } from './catalogue.js';

/** Loose email shape, close to what a Rails email validator accepts. */
export const EMAIL_RE = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/** Longest custom text field value [DOC]. */
export const TEXT_MAX = 256;
/** Longest custom textarea value [DOC]. */
export const TEXTAREA_MAX = 10_000;

/** True for a real calendar date written `YYYY-MM-DD`. */
export function isDateOnly(value: unknown): value is string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

/** True for an ISO 8601 date or date-time string that parses. */
export function isIsoDateTime(value: unknown): value is string {
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) && !Number.isNaN(Date.parse(value));
}

/**
 * A number from a JSON number or numeric string, within 11 integer and 4 fraction
 * digits [DOC]; undefined when it is not one.
 */
export function parseDecimal(value: unknown): number | undefined {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    text = String(value);
  } else if (typeof value === 'string') {
    text = value.trim();
  } else {
    return undefined;
  }
  if (!/^-?\d{1,11}(\.\d{1,4})?$/.test(text)) return undefined;
  return Number(text);
}

/** Canonical string for an amount, as Freshsales returns amounts (`"500"`, `"12.5"`). */
export function amountString(n: number): string {
  return String(n);
}

/** Text-like standard values: strings as sent, numbers stringified (Rails casts them). */
export function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** An integer id from a JSON number or an all-digit string. */
export function asId(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && /^\d{1,16}$/.test(value.trim())) {
    const n = Number(value.trim());
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
}

/** Outcome of checking one custom field value. */
export type CustomValueResult = { ok: true; value: string | number | boolean | null } | { ok: false; message: string };

/**
 * Check and normalise one custom field value for storage. `null` clears. Multi-select
 * accepts an array of choice texts or a `;`-joined string (the wire format is [?]) and
 * is stored `;`-joined, which is also how it reads back.
 */
export function checkCustomValue(field: FieldDef, value: unknown): CustomValueResult {
  if (value === null) return { ok: true, value: null };
  const bad = (why: string): CustomValueResult => ({ ok: false, message: `${field.name}: ${why}` });
  switch (field.type) {
    case 'text':
    case 'textarea': {
      const text = asText(value);
      if (text === undefined) return bad('must be text');
      const max = field.type === 'text' ? TEXT_MAX : TEXTAREA_MAX;
      if (text.length > max) return bad(`is too long (maximum is ${max} characters)`);
      return { ok: true, value: text };
    }
    case 'number': {
      const n = parseDecimal(value);
      if (n === undefined) return bad('must be a number (up to 11 digits and 4 decimals)');
      return { ok: true, value: n };
    }
    case 'date':
      if (!isDateOnly(value)) return bad('must be a date written YYYY-MM-DD');
      return { ok: true, value };
    case 'checkbox':
      if (typeof value !== 'boolean') return bad('must be true or false');
      return { ok: true, value };
    case 'dropdown': {
      if (typeof value !== 'string') return bad('must be the text of one of the choices');
      if (!field.choices.some((c) => c.value === value)) return bad(`"${value}" is not one of the choices`);
      return { ok: true, value };
    }
    case 'multi_select_dropdown': {
      let parts: unknown[];
      if (Array.isArray(value)) parts = value;
      else if (typeof value === 'string') parts = value.split(';').map((s) => s.trim()).filter(Boolean);
      else return bad('must be a list of choice texts or a ";"-separated string');
      const texts: string[] = [];
      for (const p of parts) {
        if (typeof p !== 'string') return bad('must contain choice texts only');
        if (!field.choices.some((c) => c.value === p)) return bad(`"${p}" is not one of the choices`);
        if (!texts.includes(p)) texts.push(p);
      }
      return { ok: true, value: texts.length > 0 ? texts.join(';') : null };
    }
    default:
      return { ok: true, value: value as string };
  }
}
