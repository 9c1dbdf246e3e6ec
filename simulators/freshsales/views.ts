/**
 * Views: there is no flat list endpoint, only `GET /api/<entity>/filters` and
 * `GET /api/<entity>/view/:id` [DOC]. Deals have no "All Deals" view [LIVE], so a
 * client must union "Open", "Won" and "Lost". Sorted orders are cached per view and sort
 * and keyed by the store's write counter, so paging through 200,000 records sorts once,
 * not once per page (unless records change between pages, as they do live).
 */
import { ApiError } from './errors.js';
import type { IdSequence } from './ids.js';
import { contactDisplayName, primaryEmail } from './read-shapes.js';
import { MODEL_CLASS, type Rec, type RecordEntity } from './records.js';
import type { Tenant } from './tenant.js';

/** Page size when none is asked for, and the most a page may hold [DOC]. */
export const DEFAULT_PER_PAGE = 25;
/** Larger `per_page` values are clamped to this. */
export const MAX_PER_PAGE = 100;
/** Default order when a request gives no (or an unknown) sort field. */
export const DEFAULT_SORT = 'updated_at';
/** Window of the "Recently Modified" and "New ..." views (wall clock). */
export const RECENT_WINDOW_MS = 7 * 24 * 3600 * 1000;

/** One saved view of an entity. */
export interface ViewDef {
  id: number;
  name: string;
  entity: RecordEntity;
  /** True when membership depends on the clock (recent views): caches then expire each minute. */
  timeBased: boolean;
  matches(rec: Rec, now: number): boolean;
}

/** Paging parameters, from a query string or a JSON body. */
export interface PageRequest {
  page?: unknown;
  per_page?: unknown;
  sort?: unknown;
  sort_type?: unknown;
}

/** Parse `page`/`per_page` the lenient way Rails does: junk → defaults, too large → clamped. */
export function pageParams(req: PageRequest): { page: number; perPage: number } {
  const page = Math.floor(Number(req.page ?? 1));
  const per = Math.floor(Number(req.per_page ?? DEFAULT_PER_PAGE));
  return {
    page: Number.isFinite(page) && page >= 1 ? page : 1,
    perPage: Number.isFinite(per) && per >= 1 ? Math.min(per, MAX_PER_PAGE) : DEFAULT_PER_PAGE,
  };
}

type SortValue = string | number | boolean | null;

/** The value a record sorts by, or undefined when the field is not sortable for this entity. */
export function sortValue(tenant: Tenant, entity: RecordEntity, rec: Rec, field: string): SortValue | undefined {
  switch (field) {
    case 'id':
      return rec.id;
    case 'created_at':
      return rec.createdAt;
    case 'updated_at':
      return rec.updatedAt;
  }
  if (entity === 'contacts' && field === 'email') return primaryEmail(rec)?.toLowerCase() ?? null;
  if (entity === 'contacts' && field === 'display_name') return contactDisplayName(rec).toLowerCase();
  const catalogue = tenant.catalogues[entity];
  if (field.startsWith('cf_')) return catalogue.custom(field) ? normalise(rec.custom[field]) : undefined;
  if (field === 'amount') return rec.data.amount === undefined ? null : Number(rec.data.amount);
  if (catalogue.standardField(field) || field === 'closed_date' || field === 'stage_updated_time') {
    const v = rec.data[field];
    return Array.isArray(v) || (typeof v === 'object' && v !== null) ? undefined : normalise(v);
  }
  return undefined;
}

function normalise(v: unknown): SortValue {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v.toLowerCase();
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  return String(v);
}

/** Compare two sort values; nulls sort as the largest value (last ascending, first descending). */
export function compareValues(a: SortValue, b: SortValue): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** Sort records by a field; ties break on id ascending so pages are stable. */
export function sortRecords(tenant: Tenant, entity: RecordEntity, recs: Rec[], field: string, desc: boolean): Rec[] {
  const keyed = recs.map((rec) => ({ rec, key: sortValue(tenant, entity, rec, field) ?? null }));
  keyed.sort((x, y) => {
    const c = compareValues(x.key, y.key);
    if (c !== 0) return desc ? -c : c;
    return x.rec.id - y.rec.id;
  });
  return keyed.map((k) => k.rec);
}

/** Resolve `sort`/`sort_type`; unknown fields fall back to the default order. */
export function resolveSort(tenant: Tenant, entity: RecordEntity, req: PageRequest): { field: string; desc: boolean } {
  const asked = typeof req.sort === 'string' ? req.sort : '';
  const probe: Rec = { id: 0, data: {}, custom: {}, createdAt: 0, updatedAt: 0, deleted: false };
  const field = asked && sortValue(tenant, entity, probe, asked) !== undefined ? asked : DEFAULT_SORT;
  const type = typeof req.sort_type === 'string' ? req.sort_type.toLowerCase() : 'desc';
  return { field, desc: type !== 'asc' };
}

/** The saved views of every record entity, with cached sorted orders. */
export class Views {
  private readonly defs: ViewDef[] = [];
  private readonly createdAt: string;
  private readonly cache = new Map<string, { version: number; bucket: number; ids: number[] }>();

  constructor(
    private readonly tenant: Tenant,
    ids: IdSequence,
    private readonly now: () => number,
  ) {
    this.createdAt = new Date(now()).toISOString();
    const key = tenant.keyUserId;
    const add = (entity: RecordEntity, name: string, matches: ViewDef['matches'], timeBased = false) =>
      this.defs.push({ id: ids.take(), name, entity, matches, timeBased });
    const mine = (r: Rec) => r.data.owner_id === key;
    const recentlyModified = (r: Rec, t: number) => t - r.updatedAt <= RECENT_WINDOW_MS;
    const recentlyCreated = (r: Rec, t: number) => t - r.createdAt <= RECENT_WINDOW_MS;
    add('contacts', 'All Contacts', () => true);
    add('contacts', 'My Contacts', mine);
    add('contacts', 'Recently Modified', recentlyModified, true);
    add('contacts', 'New Contacts', recentlyCreated, true);
    add('sales_accounts', 'All Accounts', () => true);
    add('sales_accounts', 'My Accounts', mine);
    add('sales_accounts', 'Recently Modified', recentlyModified, true);
    add('sales_accounts', 'New Accounts', recentlyCreated, true);
    const forecast = (r: Rec) => tenant.ref.dealStages.find((s) => s.id === r.data.deal_stage_id)?.forecast_type;
    add('deals', 'My Deals', mine);
    add('deals', 'Open Deals', (r) => forecast(r) === 'Open');
    add('deals', 'Won Deals', (r) => forecast(r) === 'Won');
    add('deals', 'Lost Deals', (r) => forecast(r) === 'Lost');
  }

  /** `GET /api/<entity>/filters` answer body. */
  filters(entity: RecordEntity): { filters: object[] } {
    return {
      filters: this.defs
        .filter((d) => d.entity === entity)
        .map((d) => ({
          id: d.id,
          name: d.name,
          model_class_name: MODEL_CLASS[entity],
          user_id: this.tenant.keyUserId,
          is_default: true,
          is_public: true,
          updated_at: this.createdAt,
        })),
    };
  }

  /** One page of a view. Unknown view ids answer 403 [LIVE]. */
  page(entity: RecordEntity, viewId: string, req: PageRequest): { records: Rec[]; total: number; totalPages: number } {
    const def = this.defs.find((d) => d.entity === entity && String(d.id) === viewId);
    if (!def) throw new ApiError(403, ['You are not allowed to access this view']);
    const { page, perPage } = pageParams(req);
    const { field, desc } = resolveSort(this.tenant, entity, req);
    const ids = this.sortedIds(def, field, desc);
    const store = this.tenant.stores[entity];
    const records: Rec[] = [];
    for (const id of ids.slice((page - 1) * perPage, page * perPage)) {
      const rec = store.get(id);
      if (rec) records.push(rec);
    }
    return { records, total: ids.length, totalPages: Math.ceil(ids.length / perPage) };
  }

  private sortedIds(def: ViewDef, field: string, desc: boolean): number[] {
    const store = this.tenant.stores[def.entity];
    const now = this.now();
    const bucket = def.timeBased ? Math.floor(now / 60_000) : 0;
    const key = `${def.id}|${field}|${desc ? 'd' : 'a'}`;
    const hit = this.cache.get(key);
    if (hit && hit.version === store.version && hit.bucket === bucket) return hit.ids;
    const members: Rec[] = [];
    for (const rec of store.live()) if (def.matches(rec, now)) members.push(rec);
    const ids = sortRecords(this.tenant, def.entity, members, field, desc).map((r) => r.id);
    // Keep the cache small: a handful of (view, sort) pairs are in use at any time.
    if (this.cache.size >= 32) this.cache.clear();
    this.cache.set(key, { version: store.version, bucket, ids });
    return ids;
  }
}
