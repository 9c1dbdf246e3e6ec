/**
 * Records as the real API returns them: every standard field present (null when unset),
 * `custom_field` with every custom field of the module (null when unset), ISO 8601
 * timestamps, the primary `email` beside the `emails` list, and deal amounts as strings.
 */
import type { FieldCatalogue } from './catalogue.js';
import type { EmailEntry, Rec, RecordEntity } from './records.js';

const CONTACT_FIELDS = [
  'first_name', 'last_name', 'job_title', 'city', 'state', 'zipcode', 'country', 'time_zone', 'work_number', 'mobile_number',
  'address', 'keyword', 'medium', 'facebook', 'twitter', 'linkedin', 'external_id', 'subscription_status', 'subscription_types',
  'sms_subscription_status', 'whatsapp_subscription_status', 'unsubscription_reason', 'do_not_disturb', 'owner_id', 'territory_id',
  'lead_source_id', 'campaign_id', 'lifecycle_stage_id', 'contact_status_id',
];
const ACCOUNT_FIELDS = [
  'name', 'website', 'phone', 'address', 'city', 'state', 'zipcode', 'country', 'number_of_employees', 'annual_revenue',
  'industry_type_id', 'business_type_id', 'owner_id', 'territory_id', 'parent_sales_account_id', 'facebook', 'twitter', 'linkedin',
];
const DEAL_FIELDS = [
  'name', 'amount', 'currency_id', 'deal_pipeline_id', 'deal_stage_id', 'sales_account_id', 'owner_id', 'expected_close',
  'closed_date', 'stage_updated_time', 'probability', 'deal_type_id', 'deal_reason_id', 'lead_source_id', 'campaign_id', 'territory_id',
];

/** ISO 8601 for a wall-clock millisecond timestamp (admin views, internal storage). */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Writes an instant the way the account answers it. */
export type Stamp = (ms: number) => string;

/**
 * Timestamps as live accounts answer them [LIVE]: no milliseconds, in `Z` or in the account's
 * own offset (`2021-10-19T00:28:18-06:00`). `offset` is `Z` or `±HH:MM`.
 */
export function accountStamp(offset: string): Stamp {
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(offset);
  if (offset !== 'Z' && !m) throw new Error(`utcOffset must be "Z" or ±HH:MM, got "${offset}"`);
  const minutes = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
  return (ms) => {
    const local = new Date(Math.floor(ms / 1000) * 1000 + minutes * 60_000).toISOString().slice(0, 19);
    return `${local}${offset}`;
  };
}

/** How a read renders records: its timestamp form and the keys this kind of read leaves out. */
export interface ReadOptions {
  stamp: Stamp;
  /** Keys the read does not carry (lists and searches lack owner_id, lifecycle ids... [LIVE]). */
  omit?: ReadonlySet<string>;
}

/**
 * Keys a list or search answer leaves out, per entity, unless `include` asks for them: a 2023
 * account's contact views carried no owner_id, lifecycle_stage_id or contact_status_id;
 * `include=owner` brings owner_id back [LIVE]. Deals' account and contacts likewise need a
 * single read.
 */
export function listOmissions(entity: RecordEntity, include: string | null): Set<string> {
  const asked = new Set((include ?? '').split(',').map((s) => s.trim()).filter(Boolean));
  const omit = new Set<string>();
  if (entity === 'contacts') ['owner_id', 'lifecycle_stage_id', 'contact_status_id'].forEach((k) => omit.add(k));
  if (entity === 'deals') ['owner_id', 'sales_account_id', 'contact_ids'].forEach((k) => omit.add(k));
  if (entity === 'sales_accounts') omit.add('owner_id');
  if (asked.has('owner')) omit.delete('owner_id');
  return omit;
}

/** `custom_field` with every field of the module; multi-select reads back `;`-joined, as stored. */
export function readCustom(catalogue: FieldCatalogue, custom: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of catalogue.customFields()) out[f.name] = custom[f.name] ?? null;
  return out;
}

/** Display name the way Freshsales builds it: names, else the primary email. */
export function contactDisplayName(rec: Rec): string {
  const name = [rec.data.first_name, rec.data.last_name].filter((x) => typeof x === 'string' && x).join(' ');
  return name || primaryEmail(rec) || '';
}

/** The primary email as written, or null. */
export function primaryEmail(rec: Rec): string | null {
  const emails = (rec.data.emails as EmailEntry[] | undefined) ?? [];
  return (emails.find((e) => e.is_primary) ?? emails[0])?.value ?? null;
}

/** A record in the read shape of its entity. */
export function readRecord(entity: RecordEntity, rec: Rec, catalogue: FieldCatalogue, ro: ReadOptions): Record<string, unknown> {
  const out: Record<string, unknown> = { id: rec.id };
  const fields = entity === 'contacts' ? CONTACT_FIELDS : entity === 'sales_accounts' ? ACCOUNT_FIELDS : DEAL_FIELDS;
  for (const f of fields) out[f] = rec.data[f] ?? null;
  if (entity === 'contacts') {
    out.display_name = contactDisplayName(rec);
    out.email = primaryEmail(rec);
    out.emails = ((rec.data.emails as EmailEntry[] | undefined) ?? []).map((e) => ({ id: e.id, value: e.value, is_primary: e.is_primary, label: e.label }));
    out.sales_accounts = ((rec.data.sales_accounts as Array<{ id: number; is_primary: boolean }> | undefined) ?? []).map((a) => ({ ...a }));
    out.avatar = null;
    out.lead_score = 0;
    out.last_contacted = null;
    out.last_seen = null;
  }
  if (entity === 'deals') {
    out.base_currency_amount = rec.data.amount ?? null;
    out.contact_ids = [...((rec.data.contact_ids as number[] | undefined) ?? [])];
  }
  out.tags = [...((rec.data.tags as string[] | undefined) ?? [])];
  out.custom_field = readCustom(catalogue, rec.custom);
  out.created_at = ro.stamp(rec.createdAt);
  out.updated_at = ro.stamp(rec.updatedAt);
  out.is_deleted = false;
  if (ro.omit) for (const k of ro.omit) delete out[k];
  return out;
}
