/**
 * Lookup, search and filtered search. Lookup and search are eventually consistent
 * [LIVE]: a record written less than `lookupLagMs` ago is invisible there (new records
 * are missing; updated ones are missing too, as if being re-indexed). Filtered search
 * has its own lag, 0 by default, because the notes do not say whether it lags [?].
 */
import { ApiError } from './errors.js';
import { contactDisplayName, primaryEmail, type Stamp } from './read-shapes.js';
import { RECORD_ENTITIES, type EmailEntry, type Rec, type RecordEntity } from './records.js';
import type { Tenant } from './tenant.js';
import { pageParams, resolveSort, sortRecords, type PageRequest } from './views.js';

/** Most hits `GET /api/search` returns (the real cap is undocumented). */
export const SEARCH_MAX_RESULTS = 25;

/** Singular entity names used by lookup/search/filtered_search → entity. */
const ENTITY_OF: Record<string, RecordEntity> = { contact: 'contacts', sales_account: 'sales_accounts', deal: 'deals' };

/** Operators seen on filtered_search [LIVE]. */
export const FILTER_OPERATORS = ['is_in', 'contains', 'is_after', 'is_before', 'is_not_null'] as const;

type Getter = (rec: Rec) => unknown[];

const lower = (v: unknown): string => String(v).trim().toLowerCase();

function entityList(raw: string | null): RecordEntity[] {
  if (raw === null || !raw.trim()) return [...RECORD_ENTITIES];
  const out: RecordEntity[] = [];
  for (const name of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const e = ENTITY_OF[name];
    if (!e) throw new ApiError(400, [`Invalid entity "${name}" (use contact, sales_account or deal)`]);
    if (!out.includes(e)) out.push(e);
  }
  return out;
}

/** Lookup, search and filtered search over one tenant. */
export class Search {
  constructor(
    private readonly tenant: Tenant,
    private readonly opts: { lookupLagMs: number; filteredSearchLagMs: number; now: () => number; stamp: Stamp },
  ) {}

  private visible(rec: Rec, lagMs: number): boolean {
    return lagMs <= 0 || this.opts.now() - rec.updatedAt >= lagMs;
  }

  /** `GET /api/lookup?q=&f=&entities=` → `{"contacts":{"contacts":[...]}, ...}` (records in read shape by the caller). */
  lookup(query: URLSearchParams): Record<RecordEntity, Rec[]> {
    const q = (query.get('q') ?? '').trim();
    const f = (query.get('f') ?? '').trim();
    if (!q) throw new ApiError(400, ['q is required']);
    if (!f) throw new ApiError(400, ['f is required']);
    const entities = entityList(query.get('entities'));
    const out = { contacts: [], sales_accounts: [], deals: [] } as Record<RecordEntity, Rec[]>;
    const wanted = q.toLowerCase();
    for (const entity of entities) {
      const lag = this.opts.lookupLagMs;
      if (entity === 'contacts' && f === 'email') {
        const rec = this.tenant.contactByEmail(q);
        out.contacts = rec && this.visible(rec, lag) ? [rec] : [];
        continue;
      }
      const get = this.lookupGetter(entity, f);
      if (!get) continue;
      const hits: Rec[] = [];
      for (const rec of this.tenant.stores[entity].live()) {
        if (get(rec).some((v) => v !== null && v !== undefined && lower(v) === wanted) && this.visible(rec, lag)) hits.push(rec);
      }
      out[entity] = hits;
    }
    return out;
  }

  private lookupGetter(entity: RecordEntity, f: string): Getter | undefined {
    if (f === 'email') return entity === 'contacts' ? (r) => emailsOf(r) : undefined;
    if (f === 'name') {
      if (entity === 'contacts') return (r) => [contactDisplayName(r)];
      return (r) => [r.data.name];
    }
    if (f === 'phone') return entity === 'contacts' ? (r) => [r.data.mobile_number, r.data.work_number] : entity === 'sales_accounts' ? (r) => [r.data.phone] : undefined;
    if (f === 'external_id') return entity === 'contacts' ? (r) => [r.data.external_id] : undefined;
    if (f.startsWith('cf_')) return this.tenant.catalogues[entity].custom(f) ? (r) => [r.custom[f]] : undefined;
    throw new ApiError(400, [`Invalid lookup field "${f}" (use email, name, phone, external_id or a cf_ field)`]);
  }

  /** `GET /api/search?q=&include=` → bare array of hits. */
  search(query: URLSearchParams): object[] {
    const q = (query.get('q') ?? '').trim().toLowerCase();
    if (!q) throw new ApiError(400, ['q is required']);
    const entities = entityList(query.get('include'));
    const hits: object[] = [];
    for (const entity of entities) {
      for (const rec of this.tenant.stores[entity].live()) {
        if (hits.length >= SEARCH_MAX_RESULTS) return hits;
        if (!this.visible(rec, this.opts.lookupLagMs)) continue;
        if (entity === 'contacts') {
          const fields = [contactDisplayName(rec), ...emailsOf(rec), rec.data.mobile_number, rec.data.work_number];
          if (!fields.some((v) => typeof v === 'string' && v.toLowerCase().includes(q))) continue;
          hits.push({
            id: rec.id,
            type: 'contact',
            name: contactDisplayName(rec),
            email: primaryEmail(rec),
            mobile_number: rec.data.mobile_number ?? null,
            work_number: rec.data.work_number ?? null,
            updated_at: this.opts.stamp(rec.updatedAt),
          });
        } else {
          const name = typeof rec.data.name === 'string' ? rec.data.name : '';
          if (!name.toLowerCase().includes(q)) continue;
          hits.push(
            entity === 'sales_accounts'
              ? { id: rec.id, type: 'sales_account', name, website: rec.data.website ?? null, updated_at: this.opts.stamp(rec.updatedAt) }
              : { id: rec.id, type: 'deal', name, amount: rec.data.amount ?? null, updated_at: this.opts.stamp(rec.updatedAt) },
          );
        }
      }
    }
    return hits;
  }

  /** `POST /api/filtered_search/<entity>`: ANDed rules, paged and sorted. */
  filtered(entityName: string, body: unknown, paging: PageRequest): { entity: RecordEntity; records: Rec[]; total: number; totalPages: number } {
    const entity = ENTITY_OF[entityName];
    if (!entity) throw new ApiError(404, [`Unknown entity "${entityName}"`]);
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const rules = b.filter_rule;
    if (!Array.isArray(rules) || rules.length === 0) throw new ApiError(400, ['filter_rule must be a non-empty array']);
    const predicates: Array<(rec: Rec) => boolean> = [];
    let candidates: Iterable<Rec> | undefined;
    for (const raw of rules) {
      if (typeof raw !== 'object' || raw === null) throw new ApiError(400, ['each filter_rule must be an object']);
      const rule = raw as { attribute?: unknown; operator?: unknown; value?: unknown };
      const attribute = typeof rule.attribute === 'string' ? rule.attribute : '';
      const get = this.filterGetter(entity, attribute);
      if (!get) throw new ApiError(400, [`Invalid attribute "${attribute}"`]);
      const op = String(rule.operator ?? '');
      predicates.push(this.predicate(op, rule.value, get, attribute));
      // Equality on an indexed key narrows the scan to a few records instead of 200,000.
      if (!candidates && op === 'is_in' && (attribute === 'contact_email.email' || attribute === 'id')) {
        candidates = this.indexed(entity, attribute, listValue(rule.value));
      }
    }
    const lag = this.opts.filteredSearchLagMs;
    const matched: Rec[] = [];
    for (const rec of candidates ?? this.tenant.stores[entity].live()) {
      if (predicates.every((p) => p(rec)) && this.visible(rec, lag)) matched.push(rec);
    }
    // Paging in the body is ignored, as the query string is where the API takes it.
    const { page, perPage } = pageParams(paging);
    const { field, desc } = resolveSort(this.tenant, entity, paging);
    const sorted = sortRecords(this.tenant, entity, matched, field, desc);
    return { entity, records: sorted.slice((page - 1) * perPage, page * perPage), total: sorted.length, totalPages: Math.ceil(sorted.length / perPage) };
  }

  private indexed(entity: RecordEntity, attribute: string, values: string[]): Rec[] {
    const out = new Map<number, Rec>();
    for (const v of values) {
      const rec = attribute === 'id' ? this.tenant.stores[entity].get(Number(v)) : entity === 'contacts' ? this.tenant.contactByEmail(v) : undefined;
      if (rec) out.set(rec.id, rec);
    }
    return [...out.values()];
  }

  private filterGetter(entity: RecordEntity, attribute: string): Getter | undefined {
    if (attribute === 'id') return (r) => [r.id];
    if (attribute === 'created_at') return (r) => [r.createdAt];
    if (attribute === 'updated_at') return (r) => [r.updatedAt];
    // Only the attribute name seen live; guessing aliases here would hide a client bug.
    if (entity === 'contacts' && attribute === 'contact_email.email') return (r) => emailsOf(r);
    const catalogue = this.tenant.catalogues[entity];
    if (attribute.startsWith('cf_')) return catalogue.custom(attribute) ? (r) => [r.custom[attribute]] : undefined;
    if (entity === 'deals' && attribute === 'contact_ids') return (r) => (r.data.contact_ids as number[] | undefined) ?? [];
    if (attribute === 'tags') return (r) => (r.data.tags as string[] | undefined) ?? [];
    if (catalogue.standardField(attribute) && attribute !== 'emails' && attribute !== 'sales_accounts') return (r) => [r.data[attribute]];
    return undefined;
  }

  private predicate(op: string, value: unknown, get: Getter, attribute: string): (rec: Rec) => boolean {
    const present = (v: unknown) => v !== null && v !== undefined && v !== '';
    switch (op) {
      case 'is_in': {
        const wanted = new Set(listValue(value).map(lower));
        if (wanted.size === 0) throw new ApiError(400, [`${attribute}: is_in needs a value`]);
        return (rec) => get(rec).some((v) => present(v) && wanted.has(lower(v)));
      }
      case 'contains': {
        if (typeof value !== 'string' || !value) throw new ApiError(400, [`${attribute}: contains needs a string value`]);
        const needle = value.toLowerCase();
        return (rec) => get(rec).some((v) => present(v) && lower(v).includes(needle));
      }
      case 'is_after':
      case 'is_before': {
        const at = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : NaN;
        if (!Number.isFinite(at)) throw new ApiError(400, [`${attribute}: ${op} needs a date value`]);
        return (rec) =>
          get(rec).some((v) => {
            const t = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN;
            return Number.isFinite(t) && (op === 'is_after' ? t > at : t < at);
          });
      }
      case 'is_not_null':
        return (rec) => get(rec).some(present);
      default:
        throw new ApiError(400, [`Invalid operator "${op}" (known: ${FILTER_OPERATORS.join(', ')})`]);
    }
  }
}

/** Every email of a contact (primary and secondary), as written. */
function emailsOf(rec: Rec): string[] {
  return ((rec.data.emails as EmailEntry[] | undefined) ?? []).map((e) => e.value);
}

/** `is_in` values: an array, a comma-separated string or a single scalar — all seen in clients. */
function listValue(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v) => v !== null && v !== undefined).map((v) => String(v).trim()).filter(Boolean);
  if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter(Boolean);
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  return [];
}
