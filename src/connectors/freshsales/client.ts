/**
 * Freshsales API client: typed calls over the shared HTTP client. Responses the pipeline
 * depends on are validated with zod; a malformed answer is a TerminalError naming the call.
 * Every method is one API call (the budget is the scarce resource: callers count on it).
 */
import { createHash } from 'node:crypto';
import type { ZodType } from 'zod';
import { systemClock, type Clock } from '../../core/clock.js';
import { ConfigError, TerminalError, TransientError, isMigrateError } from '../../core/errors.js';
import type { HttpClient } from '../../http/client.js';
import {
  BulkUpsertResponse, CampaignsResponse, ContactStatusesResponse, LeadSourcesResponse, DealPipelinesResponse, DealStagesResponse, FieldsResponse, FiltersResponse, FsRecord,
  JobStatusResponse, LifecycleStagesResponse, Meta, NoteResponse, OwnersResponse, SalesActivitiesResponse, SalesActivityResponse, SalesActivityTypesResponse, TaskResponse,
  TasksResponse, WRAPPER, toJobResult,
  type Entity, type FsField, type FsNote, type FsSalesActivity, type FsTask, type JobResult,
} from './types.js';

export interface FilterRule {
  attribute: string;
  operator: 'is_in' | 'contains' | 'is_after' | 'is_before' | 'is_not_null';
  value?: string | string[];
}

export interface Page {
  records: FsRecord[];
  total: number | null;
  /** Pages the answer says there are (null when meta does not say). */
  totalPages: number | null;
}

/** How the client waits out a transient 405 on bulk_upsert (third-party clients: 10 × 5 s). */
export interface FreshsalesClientOptions {
  clock?: Clock;
  /** Simulators compress time; 1 on a real account. */
  timeScale?: number;
  bulk405Retries?: number;
  bulk405WaitMs?: number;
  /** For messages only: the account's base URL. */
  baseUrl?: string;
}

export interface BulkItem {
  /** Identifier: the primary email (contacts), or the id of an existing record. */
  emails?: string;
  id?: string;
  /** Identifier of sales accounts and deals, which upsert by name. */
  name?: string;
  data: Record<string, unknown>;
}

function parse<T>(schema: ZodType<T>, body: unknown, call: string): T {
  const r = schema.safeParse(body);
  if (!r.success) throw new TerminalError(`Freshsales ${call}: unexpected response shape (${r.error.issues[0]?.message ?? 'invalid'})`);
  return r.data;
}

/** Most ids one bulk_destroy takes. */
export const BULK_DESTROY_MAX = 100;

/** Ids go out as numbers where they fit (as Freshsales sends them), as strings beyond 2^53. */
function idValue(id: string): number | string {
  const n = Number(id);
  return Number.isSafeInteger(n) ? n : id;
}

export class FreshsalesClient {
  /** Views per entity, kept from the first read: they do not change during a run, and calls are scarce. */
  private readonly viewCache = new Map<Entity, Array<{ id: string; name: string }>>();

  private readonly clock: Clock;
  private readonly bulk405: { retries: number; waitMs: number };
  private readonly baseUrl: string | undefined;

  constructor(
    private readonly http: HttpClient,
    opts: FreshsalesClientOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.baseUrl = opts.baseUrl;
    this.bulk405 = { retries: opts.bulk405Retries ?? 10, waitMs: (opts.bulk405WaitMs ?? 5_000) / (opts.timeScale ?? 1) };
  }

  /**
   * GET /api/contacts/filters — the cheapest authenticated call [3P]. Everything that means
   * "this config cannot work" becomes a ConfigError naming Freshsales and the URL: a refused
   * key, a wrong base path (404), a port nothing listens on, a TLS mismatch, an unknown host.
   */
  async checkConnection(): Promise<void> {
    const where = this.baseUrl ? ` at ${this.baseUrl}` : '';
    try {
      await this.views('contacts', 2);
    } catch (e) {
      if (isMigrateError(e) && (e.http?.status === 401 || e.http?.status === 403)) {
        throw new ConfigError(`Freshsales${where} refused the API key (HTTP ${e.http.status}): check destination.apiKey and the account domain`, { cause: e });
      }
      if (isMigrateError(e) && e.http?.status === 404) {
        throw new ConfigError(`Freshsales${where} answered 404 for /api/contacts/filters: the base URL is probably wrong (it looks like https://<domain>.myfreshworks.com/crm/sales)`, { cause: e });
      }
      if (e instanceof TransientError && e.http?.status === undefined && !e.ambiguous) {
        throw new ConfigError(`cannot reach Freshsales${where}: ${e.message} — check destination.baseUrl (scheme, host and port) and the network`, { cause: e });
      }
      throw e;
    }
  }

  /**
   * What identifies the account without its key: view ids are chosen per account [LIVE], so a
   * hash of the contact views' ids tells two accounts apart (no extra call: views are cached
   * from the connection check).
   */
  async accountFingerprint(): Promise<string> {
    const views = await this.views('contacts');
    const ids = views.map((v) => v.id).sort();
    return createHash('sha256').update(ids.join(',')).digest('hex').slice(0, 16);
  }

  /** GET /api/settings/{entity}/fields — the field catalogue (custom field names are read here, never derived). */
  async fields(entity: Entity | 'sales_activities'): Promise<FsField[]> {
    const res = await this.http.request({ method: 'GET', path: `/api/settings/${entity}/fields` });
    return parse(FieldsResponse, res.body, `fields(${entity})`).fields;
  }

  /** GET /api/{entity}/filters — the listing views of an entity. */
  async views(entity: Entity, maxAttempts?: number): Promise<Array<{ id: string; name: string }>> {
    const cached = this.viewCache.get(entity);
    if (cached) return cached;
    const res = await this.http.request({ method: 'GET', path: `/api/${entity}/filters`, ...(maxAttempts !== undefined ? { maxAttempts } : {}) });
    const views = parse(FiltersResponse, res.body, `views(${entity})`).filters;
    this.viewCache.set(entity, views);
    return views;
  }

  /**
   * GET /api/{entity}/view/:id — one page of a listing view (per_page max 100). List answers
   * leave out owner_id (and lifecycle/status ids) [api/freshsales.md, What reads return];
   * `include: 'owner'` brings owner_id back at no extra call.
   */
  async listView(entity: Entity, viewId: string, opts: { page: number; perPage?: number; sort?: string; sortType?: 'asc' | 'desc'; include?: string }): Promise<Page> {
    const res = await this.http.request({
      method: 'GET',
      path: `/api/${entity}/view/${viewId}`,
      query: { page: opts.page, per_page: opts.perPage ?? 100, sort: opts.sort, sort_type: opts.sortType, include: opts.include },
    });
    return this.page(entity, res.body, 'listView');
  }

  /**
   * POST /api/filtered_search/{entity singular} — rules ANDed; one page of matches. Paging and
   * `include` go in the query string, as the API documents paging; the body carries only the filter.
   */
  async filteredSearch(entity: Entity, rules: FilterRule[], opts: { page?: number; perPage?: number; include?: string } = {}): Promise<Page> {
    const res = await this.http.request({
      method: 'POST',
      path: `/api/filtered_search/${WRAPPER[entity]}`,
      query: { page: opts.page ?? 1, per_page: opts.perPage ?? 100, include: opts.include },
      body: { filter_rule: rules },
    });
    return this.page(entity, res.body, 'filteredSearch');
  }

  /**
   * Every match of a filtered search, following pages while `meta` says there are more (a short
   * page is not taken as the end when meta says otherwise). Returns the records and the calls spent.
   */
  async filteredSearchAll(entity: Entity, rules: FilterRule[], opts: { include?: string } = {}): Promise<{ records: FsRecord[]; calls: number }> {
    const records: FsRecord[] = [];
    for (let page = 1; ; page++) {
      const p = await this.filteredSearch(entity, rules, { page, perPage: 100, ...opts });
      records.push(...p.records);
      if (p.records.length === 0 || !morePages(p, page, records.length)) return { records, calls: page };
    }
  }

  /**
   * POST /api/{entity}/bulk_upsert — up to 100 items; returns the job reference to poll. A 405
   * is retried first (live accounts answer it transiently; third-party clients wait 10 × 5 s)
   * and rethrown only when it persists, meaning the account has no bulk endpoint.
   */
  async bulkUpsert(entity: Entity, items: BulkItem[], onWait?: (message: string) => void): Promise<{ jobRef: string | null }> {
    if (items.length > 100) throw new TerminalError(`bulk_upsert takes at most 100 items, got ${items.length}`);
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.http.request({ method: 'POST', path: `/api/${entity}/bulk_upsert`, body: { [entity]: items } });
        const body = parse(BulkUpsertResponse, res.body, 'bulkUpsert');
        const url = body.job_status_url ?? null;
        return { jobRef: url ? (url.split('/').filter(Boolean).pop() ?? null) : null };
      } catch (e) {
        const is405 = e instanceof TerminalError && e.http?.status === 405;
        if (!is405 || attempt >= this.bulk405.retries) throw e;
        onWait?.(`bulk_upsert for ${entity} answered 405 (often transient): retry ${attempt + 1} of ${this.bulk405.retries} in ${Math.round(this.bulk405.waitMs)} ms`);
        await this.clock.sleep(this.bulk405.waitMs);
      }
    }
  }

  /** GET /api/job_statuses/:id — state of a bulk job, flat or wrapped, with its failure report. */
  async jobStatus(jobRef: string): Promise<JobResult> {
    const res = await this.http.request({ method: 'GET', path: `/api/job_statuses/${encodeURIComponent(jobRef)}` });
    return toJobResult(parse(JobStatusResponse, res.body, 'jobStatus'));
  }

  /** GET /api/{entity}/:id — one record with every field (what lists and searches leave out included). */
  async getRecord(entity: Entity, id: string): Promise<FsRecord> {
    const res = await this.http.request({ method: 'GET', path: `/api/${entity}/${encodeURIComponent(id)}` });
    return parse(FsRecord, (res.body as Record<string, unknown> | null)?.[WRAPPER[entity]], 'getRecord');
  }

  /** POST /api/{entity}/upsert — one record; 201 created / 200 updated. Idempotent by its identifier. */
  async upsert(entity: Entity, uniqueIdentifier: Record<string, string>, data: Record<string, unknown>): Promise<{ created: boolean; record: FsRecord }> {
    const res = await this.http.request({
      method: 'POST',
      path: `/api/${entity}/upsert`,
      body: { unique_identifier: uniqueIdentifier, [WRAPPER[entity]]: data },
    });
    const wrapped = (res.body as Record<string, unknown> | null)?.[WRAPPER[entity]];
    return { created: res.status === 201, record: parse(FsRecord, wrapped, 'upsert') };
  }

  /** PUT /api/{entity}/:id — partial update of one record (omitted fields untouched). Idempotent. */
  async update(entity: Entity, id: string, data: Record<string, unknown>): Promise<FsRecord> {
    const res = await this.http.request({ method: 'PUT', path: `/api/${entity}/${encodeURIComponent(id)}`, body: { [WRAPPER[entity]]: data } });
    return parse(FsRecord, (res.body as Record<string, unknown> | null)?.[WRAPPER[entity]], 'update');
  }

  /**
   * POST /api/{entity}/bulk_destroy `{"selected_ids": [...]}` — up to 100 records per call [DOC
   * anchor]. Whether it completes before answering is not recorded: the answer's count of
   * records deleted when its message states one (`"3 contacts deleted successfully"`), else
   * null — then callers read the records again to see them gone.
   */
  async bulkDestroy(entity: Entity, ids: string[]): Promise<{ deleted: number | null }> {
    if (ids.length === 0 || ids.length > BULK_DESTROY_MAX) throw new Error(`bulkDestroy takes 1 to ${BULK_DESTROY_MAX} ids, got ${ids.length}`);
    const res = await this.http.request({ method: 'POST', path: `/api/${entity}/bulk_destroy`, body: { selected_ids: ids.map(idValue) }, label: `${entity}.bulk_destroy` });
    const message = (res.body as { message?: unknown } | null)?.message;
    const m = typeof message === 'string' ? /^\s*(\d+)\s+\S.*\bdeleted\b/i.exec(message) : null;
    return { deleted: m ? Number(m[1]) : null };
  }

  /**
   * DELETE one record (a contact, account or deal, a task, sales activity or note): true when it
   * was deleted, false when Freshsales has no such record (404: deleted already). Idempotent.
   */
  async deleteRecord(entity: Entity | 'tasks' | 'sales_activities' | 'notes', id: string): Promise<boolean> {
    try {
      await this.http.request({ method: 'DELETE', path: `/api/${entity}/${encodeURIComponent(id)}`, label: `${entity}.delete` });
      return true;
    } catch (e) {
      if (isMigrateError(e) && e.http?.status === 404) return false;
      throw e;
    }
  }

  /** GET /api/tasks/:id (with its link): the task, or null when Freshsales has none (404). */
  async getTask(id: string): Promise<FsTask | null> {
    try {
      const res = await this.http.request({ method: 'GET', path: `/api/tasks/${encodeURIComponent(id)}`, query: { include: 'targetable' }, label: 'tasks.get' });
      return parse(TaskResponse, res.body, 'getTask').task;
    } catch (e) {
      if (isMigrateError(e) && e.http?.status === 404) return null;
      throw e;
    }
  }

  /** GET /api/selector/owners — Freshsales users (answers under `users`). */
  async owners() {
    const res = await this.http.request({ method: 'GET', path: '/api/selector/owners' });
    return parse(OwnersResponse, res.body, 'owners').users;
  }

  /** GET /api/selector/lifecycle_stages */
  async lifecycleStages() {
    const res = await this.http.request({ method: 'GET', path: '/api/selector/lifecycle_stages' });
    return parse(LifecycleStagesResponse, res.body, 'lifecycleStages').lifecycle_stages;
  }

  /** GET /api/selector/contact_statuses */
  async contactStatuses() {
    const res = await this.http.request({ method: 'GET', path: '/api/selector/contact_statuses' });
    return parse(ContactStatusesResponse, res.body, 'contactStatuses').contact_statuses;
  }

  /** GET /api/selector/lead_sources — the account's contact sources (the contact's `lead_source_id`). */
  async leadSources() {
    const res = await this.http.request({ method: 'GET', path: '/api/selector/lead_sources' });
    return parse(LeadSourcesResponse, res.body, 'leadSources').lead_sources;
  }

  /** GET /api/selector/campaigns — the account's campaigns (the contact's `campaign_id`). */
  async campaigns() {
    const res = await this.http.request({ method: 'GET', path: '/api/selector/campaigns' });
    return parse(CampaignsResponse, res.body, 'campaigns').campaigns;
  }

  /** GET /api/selector/deal_pipelines */
  async dealPipelines() {
    const res = await this.http.request({ method: 'GET', path: '/api/selector/deal_pipelines' });
    return parse(DealPipelinesResponse, res.body, 'dealPipelines').deal_pipelines;
  }

  /** GET /api/selector/deal_stages */
  async dealStages() {
    const res = await this.http.request({ method: 'GET', path: '/api/selector/deal_stages' });
    return parse(DealStagesResponse, res.body, 'dealStages').deal_stages;
  }

  /**
   * POST /api/tasks — one task; there is no bulk endpoint [api/freshsales.md, Tasks]. A create
   * is not idempotent, so it is sent `unsafe`: when the server may have applied it (timeout,
   * dropped connection, 500/502/504) the client does not retry and throws a TransientError
   * with `ambiguous: true`; the caller must look the task up before creating it again.
   */
  async createTask(task: Record<string, unknown>): Promise<FsTask> {
    const res = await this.http.request({ method: 'POST', path: '/api/tasks', query: { include: 'targetable' }, body: { task }, unsafe: true, label: 'tasks.create' });
    return parse(TaskResponse, res.body, 'createTask').task;
  }

  /** GET /api/tasks?filter=open|completed|... — one page of tasks (per_page max 100). */
  async listTasks(filter: string, opts: { page: number; perPage?: number }): Promise<{ tasks: FsTask[]; total: number | null; totalPages: number | null }> {
    const res = await this.http.request({
      method: 'GET',
      path: '/api/tasks',
      query: { filter, page: opts.page, per_page: opts.perPage ?? 100, include: 'targetable' },
      label: 'tasks.list',
    });
    const body = parse(TasksResponse, res.body, 'listTasks');
    return { tasks: body.tasks, total: body.meta?.total ?? null, totalPages: body.meta?.total_pages ?? null };
  }

  /** GET /api/selector/sales_activity_types — the account's sales activity types (phone, meeting, custom ones). */
  async salesActivityTypes() {
    const res = await this.http.request({ method: 'GET', path: '/api/selector/sales_activity_types' });
    return parse(SalesActivityTypesResponse, res.body, 'salesActivityTypes').sales_activity_types;
  }

  /**
   * POST /api/sales_activities — one sales activity; no bulk endpoint [api/freshsales.md, Sales
   * activities]. Not idempotent: sent `unsafe`, like a task create (an ambiguous failure is a
   * TransientError with `ambiguous: true`; look it up by marker before creating it again).
   */
  async createSalesActivity(activity: Record<string, unknown>): Promise<FsSalesActivity> {
    const res = await this.http.request({ method: 'POST', path: '/api/sales_activities', body: { sales_activity: activity }, unsafe: true, label: 'sales_activities.create' });
    return parse(SalesActivityResponse, res.body, 'createSalesActivity').sales_activity;
  }

  /** GET /api/sales_activities — one page of the account's sales activities (per_page max 100). */
  async listSalesActivities(opts: { page: number; perPage?: number }): Promise<{ activities: FsSalesActivity[]; total: number | null; totalPages: number | null }> {
    const res = await this.http.request({ method: 'GET', path: '/api/sales_activities', query: { page: opts.page, per_page: opts.perPage ?? 100 }, label: 'sales_activities.list' });
    const body = parse(SalesActivitiesResponse, res.body, 'listSalesActivities');
    return { activities: body.sales_activities, total: body.meta?.total ?? null, totalPages: body.meta?.total_pages ?? null };
  }

  /** GET /api/sales_activities/:id — one sales activity. */
  async getSalesActivity(id: string): Promise<FsSalesActivity> {
    const res = await this.http.request({ method: 'GET', path: `/api/sales_activities/${encodeURIComponent(id)}` });
    return parse(SalesActivityResponse, res.body, 'getSalesActivity').sales_activity;
  }

  /**
   * POST /api/notes — one note on a contact, account or deal; answers 200, an empty description
   * is a 400 [api/freshsales.md, Notes]. No bulk endpoint, and the notes name no way to read or
   * list notes back. Not idempotent: sent `unsafe` (an ambiguous failure is a TransientError with
   * `ambiguous: true`, never retried blindly).
   */
  async createNote(note: Record<string, unknown>): Promise<FsNote> {
    const res = await this.http.request({ method: 'POST', path: '/api/notes', body: { note }, unsafe: true, label: 'notes.create' });
    return parse(NoteResponse, res.body, 'createNote').note;
  }

  private page(entity: Entity, body: unknown, call: string): Page {
    const obj = (body ?? {}) as Record<string, unknown>;
    const list = obj[entity];
    if (!Array.isArray(list)) throw new TerminalError(`Freshsales ${call}(${entity}): response has no "${entity}" list`);
    const meta = Meta.safeParse(obj.meta ?? {});
    return {
      records: list.map((r) => parse(FsRecord, r, call)),
      total: meta.success ? (meta.data.total ?? null) : null,
      totalPages: meta.success ? (meta.data.total_pages ?? null) : null,
    };
  }
}

/** Whether pages follow page `page` (of 100), by `meta` when it says, else by a full page. Any listing: records, tasks. */
export function morePages(p: { records: readonly unknown[]; total: number | null; totalPages: number | null }, page: number, seen: number): boolean {
  if (p.totalPages !== null) return page < p.totalPages;
  if (p.total !== null) return seen < p.total;
  return p.records.length >= 100;
}
