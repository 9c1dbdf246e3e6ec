/**
 * Field-by-field verification of what Freshsales holds against what we meant to write,
 * and the before-images kept for rollback. Value comparison rules (emails case-insensitive,
 * amounts as strings, multi-select spellings...) live in mapping/compare.ts.
 */
import type { FsRecord } from '../connectors/freshsales/index.js';
import { compareField } from '../mapping/compare.js';
import { emailKey } from '../mapping/normalise.js';

export interface FieldMismatch {
  field: string;
  expected: unknown;
  actual: unknown;
}

/** Every email a destination record answers to, as match keys. */
export function emailKeysOf(r: FsRecord): string[] {
  const out = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v === 'string' && v.trim()) {
      const k = emailKey(v);
      if (k) out.add(k);
    }
  };
  add(r.email);
  if (Array.isArray(r.emails)) for (const e of r.emails) add(typeof e === 'string' ? e : (e as { value?: unknown })?.value);
  return [...out];
}

/** The current values of the fields a migration will write: what rollback restores. */
export function beforeImageOf(r: FsRecord, fields: string[], customFields: string[]): Record<string, unknown> {
  const image: Record<string, unknown> = {};
  for (const f of fields) image[f] = f === 'emails' ? (r.emails ?? r.email ?? null) : (r[f] ?? null);
  if (customFields.length > 0) {
    const cf: Record<string, unknown> = {};
    for (const c of customFields) cf[c] = r.custom_field?.[c] ?? null;
    image.custom_field = cf;
  }
  return image;
}

/** Compare every written field with the read-back record. */
export function verifyRecord(payload: Record<string, unknown>, r: FsRecord): { ok: boolean; mismatches: FieldMismatch[] } {
  const mismatches: FieldMismatch[] = [];
  for (const [field, expected] of Object.entries(payload)) {
    if (field === 'custom_field') continue;
    if (field === 'emails') {
      const want = typeof expected === 'string' ? emailKey(expected) : null;
      if (!want || !emailKeysOf(r).includes(want)) mismatches.push({ field, expected, actual: r.email ?? null });
      continue;
    }
    const actual = r[field];
    if (!compareField(field, expected, actual)) mismatches.push({ field, expected, actual: actual ?? null });
  }
  const custom = payload.custom_field as Record<string, unknown> | undefined;
  if (custom) {
    for (const [cf, expected] of Object.entries(custom)) {
      const actual = r.custom_field?.[cf];
      if (!compareField(cf, expected, actual)) mismatches.push({ field: `custom_field.${cf}`, expected, actual: actual ?? null });
    }
  }
  return { ok: mismatches.length === 0, mismatches };
}
