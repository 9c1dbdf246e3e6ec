/** Pure mappers from raw Xtremepush rows to the canonical model. No I/O, no clock. */
import type { AttributeType, AttributeValue, CanonicalContact } from '../../core/model.js';
import { PROFILE_COLUMNS, type XpAttribute, type XpProfileRow } from './types.js';

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
