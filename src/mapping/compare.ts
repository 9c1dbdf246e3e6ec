/**
 * Read-back comparison: is what Freshsales holds the value we meant to write? Tolerates the
 * destination's representations (api/freshsales.md): emails case-insensitive and possibly
 * as `[{value, is_primary}]`; numbers as strings ("500" for 500); multi-select as an array or
 * a ';'-joined string; a date read back as a date-time; phones with formatting; tags merged
 * with tags already there; null, '' and a missing field all meaning "no value".
 */
import type { ValueKind } from './spec.js';

/**
 * True when `readBack` represents `written` for the field `target` (a standard field name or
 * a `cf_` name). Without `kind` the comparison follows the field name (`emails`, `tags`,
 * phone fields) and the written value's shape, which is enough for payloads made by
 * `toContactPayload`; pass `kind` (from `targetRule(to).kind`) to be exact.
 */
export function compareField(target: string, written: unknown, readBack: unknown, kind?: ValueKind): boolean {
  const k = kind ?? inferKind(target, written);
  if (isEmpty(written)) return isEmpty(unwrap(readBack));
  switch (k) {
    case 'email':
      return sameEmail(written, readBack);
    case 'tags':
      return containsAll(toList(readBack), toList(written));
    case 'choices':
      return sameSet(toList(readBack), toList(written));
    case 'phone':
      return digits(written) !== '' && digits(written) === digits(unwrap(readBack));
    case 'number':
    case 'integer':
      return sameNumber(written, unwrap(readBack));
    case 'boolean':
      return sameBoolean(written, unwrap(readBack));
    case 'date':
      return sameDate(written, unwrap(readBack));
    case 'datetime':
      return sameInstant(written, unwrap(readBack));
    case 'choice':
      return sameText(written, unwrap(readBack), true);
    case 'text':
      return sameText(written, unwrap(readBack), false);
    case 'any':
      return JSON.stringify(written) === JSON.stringify(unwrap(readBack)) || sameText(written, unwrap(readBack), false);
  }
}

const PHONE_FIELDS = new Set(['mobile_number', 'work_number', 'phone']);
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/** The comparison a field needs, from its name and the value written. */
function inferKind(target: string, written: unknown): ValueKind {
  if (target === 'emails' || target === 'email') return 'email';
  if (target === 'tags') return 'tags';
  if (PHONE_FIELDS.has(target)) return 'phone';
  if (Array.isArray(written)) return 'choices';
  if (typeof written === 'number') return 'number';
  if (typeof written === 'boolean') return 'boolean';
  if (typeof written === 'string') {
    if (DATE_ONLY.test(written)) return 'date';
    if (INSTANT.test(written)) return 'datetime';
    return 'text';
  }
  return 'any';
}

function isEmpty(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0);
}

/** `{ value: x }` (choice objects, email objects) → x; everything else unchanged. */
function unwrap(v: unknown): unknown {
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && 'value' in v) return (v as { value: unknown }).value;
  return v;
}

function toList(v: unknown): string[] {
  const u = unwrap(v);
  if (Array.isArray(u)) return u.map((x) => String(unwrap(x) ?? '').trim()).filter((s) => s.length > 0);
  if (typeof u === 'string') return u.split(';').map((s) => s.trim()).filter((s) => s.length > 0);
  if (u === null || u === undefined) return [];
  return [String(u).trim()];
}

const fold = (s: string) => s.trim().toLowerCase();

function sameSet(a: string[], b: string[]): boolean {
  const sa = new Set(a.map(fold));
  const sb = new Set(b.map(fold));
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}

function containsAll(have: string[], want: string[]): boolean {
  const h = new Set(have.map(fold));
  return want.every((w) => h.has(fold(w)));
}

function sameEmail(written: unknown, readBack: unknown): boolean {
  if (typeof written !== 'string') return false;
  const want = fold(written);
  // Any of the record's emails will do: Freshsales may add the address beside existing ones.
  return toList(readBack).some((e) => fold(e) === want);
}

function digits(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' ? String(v).replace(/\D/g, '') : '';
}

function sameNumber(written: unknown, readBack: unknown): boolean {
  const a = toNumber(written);
  const b = toNumber(readBack);
  if (a === null || b === null) return false;
  // Decimal fields can come back with trailing zeros or float noise ("12.3400", 0.30000000000000004).
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

function toNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v.trim());
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

function sameBoolean(written: unknown, readBack: unknown): boolean {
  const b = toBoolean(readBack);
  return b !== null && b === toBoolean(written);
}

function toBoolean(v: unknown): boolean | null {
  if (typeof v === 'boolean') return v;
  if (v === 1 || v === 0) return v === 1;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === 'true' || s === '1' || s === 'yes') return true;
    if (s === 'false' || s === '0' || s === 'no') return false;
  }
  return null;
}

function sameDate(written: unknown, readBack: unknown): boolean {
  return typeof written === 'string' && typeof readBack === 'string' && readBack.trim().slice(0, 10) === written.slice(0, 10);
}

function sameInstant(written: unknown, readBack: unknown): boolean {
  if (typeof written !== 'string' || typeof readBack !== 'string') return false;
  const a = Date.parse(written);
  const b = Date.parse(readBack);
  if (Number.isNaN(a) || Number.isNaN(b)) return written.trim() === readBack.trim();
  // Destinations often drop milliseconds.
  return Math.floor(a / 1000) === Math.floor(b / 1000);
}

function sameText(written: unknown, readBack: unknown, ignoreCase: boolean): boolean {
  if (readBack === null || readBack === undefined) return false;
  const norm = (v: unknown) => {
    const s = (typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v)).replace(/\r\n?/g, '\n').trim();
    return ignoreCase ? s.toLowerCase() : s;
  };
  return norm(written) === norm(readBack);
}
