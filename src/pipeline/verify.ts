/**
 * Field-by-field verification of what Freshsales holds against what we meant to write,
 * and the before-images kept for rollback. Value comparison rules (emails case-insensitive,
 * amounts as strings, multi-select spellings...) live in mapping/compare.ts.
 */
import type { Entity, FreshsalesClient, FsRecord } from '../connectors/freshsales/index.js';
import { compareField } from '../mapping/compare.js';
import { emailKey } from '../mapping/normalise.js';

export interface FieldMismatch {
  field: string;
  expected: unknown;
  actual: unknown;
}

/**
 * The outcome of checking one record: mismatches among the fields the read shows, and the
 * written fields the read does not carry at all (unverifiable — never a mismatch, never
 * "fixed" by writing again) [api/freshsales.md, What reads return].
 */
export interface RecordCheck {
  ok: boolean;
  mismatches: FieldMismatch[];
  unverifiable: string[];
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

/**
 * The record with every field in `fields` / `customFields` present: as given when the list or
 * search answer carried them all, else read again with one GET (which carries everything).
 */
export async function completeRecord(
  dest: FreshsalesClient,
  entity: Entity,
  r: FsRecord,
  fields: string[],
  customFields: string[],
): Promise<{ record: FsRecord; calls: number }> {
  const lacks = fields.some((f) => f !== 'emails' && !Object.hasOwn(r, f)) || customFields.some((c) => !r.custom_field || !Object.hasOwn(r.custom_field, c));
  if (!lacks) return { record: r, calls: 0 };
  return { record: await dest.getRecord(entity, r.id), calls: 1 };
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

/**
 * Compare every written field with the read-back record. A field whose key the answer does
 * not carry at all (list and search answers leave out owner_id, lifecycle and status ids, a
 * deal's account and contacts) is unverifiable, not a mismatch; a key present with another
 * value (null included) is a mismatch.
 */
export function verifyRecord(payload: Record<string, unknown>, r: FsRecord): RecordCheck {
  const mismatches: FieldMismatch[] = [];
  const unverifiable: string[] = [];
  for (const [field, expected] of Object.entries(payload)) {
    if (field === 'custom_field') continue;
    if (field === 'emails') {
      const want = typeof expected === 'string' ? emailKey(expected) : null;
      if (!want || !emailKeysOf(r).includes(want)) mismatches.push({ field, expected, actual: r.email ?? null });
      continue;
    }
    if (!Object.hasOwn(r, field)) {
      unverifiable.push(field);
      continue;
    }
    const actual = r[field];
    if (!compareField(field, expected, actual)) mismatches.push({ field, expected, actual: actual ?? null });
  }
  const custom = payload.custom_field as Record<string, unknown> | undefined;
  if (custom) {
    for (const [cf, expected] of Object.entries(custom)) {
      if (!r.custom_field || !Object.hasOwn(r.custom_field, cf)) {
        unverifiable.push(`custom_field.${cf}`);
        continue;
      }
      const actual = r.custom_field[cf];
      if (!compareField(cf, expected, actual)) mismatches.push({ field: `custom_field.${cf}`, expected, actual: actual ?? null });
    }
  }
  return { ok: mismatches.length === 0, mismatches, unverifiable };
}
