/**
 * The `/api/...` route table (paths relative to the `/crm/sales` base). Handlers return
 * answers or throw ApiError; auth, the rate limit and faults are the dispatcher's job.
 * Each route is registered under a stable key (`"GET /api/contacts/:id"`) for stats.
 */
import { Router, isInvalidJson, type Handler, type SimRequest, type SimResponse } from '../common/http-kit.js';
import type { Activities } from './activities.js';
import type { BulkJobs } from './bulk-jobs.js';
import type { FieldEntity } from './catalogue.js';
import { ApiError } from './errors.js';
import { multipartBoundary, parseMultipart } from './multipart.js';
import { listOmissions, readRecord, type Stamp } from './read-shapes.js';
import { RECORD_ENTITIES, SINGULAR, type Rec, type RecordEntity } from './records.js';
import { selectorTable } from './reference-data.js';
import type { Search } from './search.js';
import type { Tenant } from './tenant.js';
import type { Views } from './views.js';

/** What the routes need from the running simulator. */
export interface RouteDeps {
  tenant: Tenant;
  views: Views;
  search: Search;
  jobs: BulkJobs;
  activities: Activities;
  /** Absolute base URL (`http://127.0.0.1:PORT/crm/sales`), for job status URLs. */
  baseUrl: () => string;
  /** The answer's status and whether it carries a `message` [?]. */
  bulkUpsert: { status: 200 | 202; message: boolean };
  /** True (with the `bulk405` fault's rate) when this bulk_upsert answers a transient 405. */
  bulk405: () => boolean;
  /**
   * bulk_destroy [DOC anchor: 200, nothing more recorded]: `counted` deletes at once and says how
   * many; `processing` answers at once and deletes `delayMs` later (like a bulk job).
   */
  bulkDestroy: { answer: 'counted' | 'processing'; delayMs: () => number };
  /** `flat` (recorded) or `wrapped` in `{job_status: ...}` (one client reads both) [3P]. */
  jobStatusForm: 'flat' | 'wrapped';
  /** What filtered_search answers carry: like list views (recorded for views) or every field [?]. */
  filteredSearchFields: 'like_views' | 'full';
  stamp: Stamp;
}

/** A router plus the stats key of each of its handlers. */
export interface ApiRoutes {
  router: Router;
  keyOf: Map<Handler, string>;
}

const FIELD_ENTITIES: readonly FieldEntity[] = ['contacts', 'sales_accounts', 'deals', 'sales_activities'];

function objectBody(req: SimRequest): Record<string, unknown> {
  if (isInvalidJson(req.body)) throw new ApiError(400, ['Request body is not valid JSON']);
  const b = req.body;
  if (typeof b !== 'object' || b === null || Array.isArray(b)) throw new ApiError(400, ['Request body must be a JSON object']);
  return b as Record<string, unknown>;
}

function wrapped(req: SimRequest, key: string): unknown {
  const body = objectBody(req);
  if (body[key] === undefined || body[key] === null) throw new ApiError(400, [`param is missing or the value is empty: ${key}`]);
  return body[key];
}

/** Build the route table. */
export function buildApiRoutes(d: RouteDeps): ApiRoutes {
  const router = new Router();
  const keyOf = new Map<Handler, string>();
  const on = (method: string, pattern: string, handler: Handler) => {
    router.on(method, pattern, handler);
    keyOf.set(handler, `${method} ${pattern}`);
  };
  const { tenant, views, search, jobs, activities } = d;
  // A single record read or write answer carries every field; lists and searches leave some out.
  const read = (entity: RecordEntity, rec: Rec) => readRecord(entity, rec, tenant.catalogues[entity], { stamp: d.stamp });
  const readListed = (entity: RecordEntity, rec: Rec, omit: Set<string>) => readRecord(entity, rec, tenant.catalogues[entity], { stamp: d.stamp, omit });
  const one = (entity: RecordEntity, rec: Rec, status = 200): SimResponse => ({ status, body: { [SINGULAR[entity]]: read(entity, rec) } });
  /** `include=owner` side-loads the owners under `users` [LIVE]. */
  const sideLoaded = (include: string | null, records: Rec[]): Record<string, unknown> => {
    if (!(include ?? '').split(',').map((x) => x.trim()).includes('owner')) return {};
    const ids = new Set(records.map((r) => r.data.owner_id));
    return { users: tenant.ref.users.filter((u) => ids.has(u.id)).map((u) => ({ id: u.id, display_name: u.display_name, email: u.email })) };
  };

  for (const entity of RECORD_ENTITIES) {
    const base = `/api/${entity}`;
    const singular = SINGULAR[entity];
    // Literal paths (/filters, /upsert, …) win over /:id whatever the order: the router ranks them.
    // GET /api/<entity>/filters — list saved views [DOC]
    on('GET', `${base}/filters`, () => ({ status: 200, body: views.filters(entity) }));
    // GET /api/<entity>/view/:view_id — one page of a view [DOC]
    on('GET', `${base}/view/:view_id`, (req) => {
      const q = req.query;
      const page = views.page(entity, req.params.view_id ?? '', {
        page: q.get('page') ?? undefined,
        per_page: q.get('per_page') ?? undefined,
        sort: q.get('sort') ?? undefined,
        sort_type: q.get('sort_type') ?? undefined,
      });
      const include = q.get('include');
      const omit = listOmissions(entity, include);
      return {
        status: 200,
        body: { [entity]: page.records.map((r) => readListed(entity, r, omit)), ...sideLoaded(include, page.records), meta: { total_pages: page.totalPages, total: page.total } },
      };
    });
    // POST /api/<entity>/upsert — 201 created / 200 updated [LIVE]
    on('POST', `${base}/upsert`, (req) => {
      const body = objectBody(req);
      const { rec, created } = tenant.upsert(entity, body.unique_identifier, wrapped(req, singular));
      return one(entity, rec, created ? 201 : 200);
    });
    // POST /api/<entity>/bulk_upsert — asynchronous job [3P]
    on('POST', `${base}/bulk_upsert`, (req) => {
      // Live accounts answer a transient 405 now and then; clients retry it [3P].
      if (d.bulk405()) throw new ApiError(405, ['Method Not Allowed']);
      const job = jobs.submit(entity, objectBody(req)[entity]);
      const url = `${d.baseUrl()}/api/job_statuses/${job.id}`;
      return {
        status: d.bulkUpsert.status,
        body: d.bulkUpsert.message ? { message: 'Your request is being processed. Check the job status URL for progress.', job_status_url: url } : { job_status_url: url },
      };
    });
    // POST /api/<entity>/bulk_destroy — {"selected_ids":[...]} [DOC]
    on('POST', `${base}/bulk_destroy`, (req) => {
      const ids = objectBody(req).selected_ids;
      if (!Array.isArray(ids) || ids.length === 0) throw new ApiError(400, ['selected_ids must be a non-empty array']);
      const destroy = () => {
        let deleted = 0;
        for (const id of ids) {
          if (tenant.stores[entity].get(Number(id))) {
            tenant.remove(entity, id);
            deleted++;
          }
        }
        return deleted;
      };
      if (d.bulkDestroy.answer === 'processing') {
        setTimeout(destroy, d.bulkDestroy.delayMs()).unref();
        return { status: 200, body: { message: 'Your request is being processed.' } };
      }
      return { status: 200, body: { message: `${destroy()} ${entity.replace('_', ' ')} deleted successfully` } };
    });
    // POST /api/<entity> — create [DOC]
    on('POST', base, (req) => one(entity, tenant.create(entity, wrapped(req, singular)), 201));
    // GET /api/<entity>/:id [DOC]
    on('GET', `${base}/:id`, (req) => one(entity, tenant.mustGet(entity, req.params.id)));
    // PUT /api/<entity>/:id — partial update [LIVE]
    on('PUT', `${base}/:id`, (req) => one(entity, tenant.update(entity, req.params.id, wrapped(req, singular))));
    // DELETE /api/<entity>/:id — 200 with bare `true`, soft delete [3P/LIVE]
    on('DELETE', `${base}/:id`, (req) => {
      tenant.remove(entity, req.params.id);
      return { status: 200, raw: 'true' };
    });
  }

  // GET /api/job_statuses/:id — bulk job progress [3P]
  on('GET', '/api/job_statuses/:id', (req) => {
    const status = jobs.status(req.params.id ?? '');
    return { status: 200, body: d.jobStatusForm === 'flat' ? status : { job_status: status } };
  });

  // GET /api/lookup?q=&f=&entities= — nested by entity [LIVE]
  on('GET', '/api/lookup', (req) => {
    const found = search.lookup(req.query);
    const body: Record<string, unknown> = {};
    const wanted = req.query.get('entities');
    for (const entity of RECORD_ENTITIES) {
      if (wanted && !wanted.split(',').map((s) => s.trim()).includes(SINGULAR[entity])) continue;
      body[entity] = { [entity]: found[entity].map((r) => readListed(entity, r, listOmissions(entity, null))) };
    }
    return { status: 200, body };
  });
  // GET /api/search?q=&include= — bare array [LIVE]
  on('GET', '/api/search', (req) => ({ status: 200, body: search.search(req.query) }));
  // POST /api/filtered_search/:entity [LIVE]
  // Paging and sort go in the query string, as everywhere; the body carries only the filter.
  on('POST', '/api/filtered_search/:entity', (req) => {
    const q = req.query;
    const paging = { page: q.get('page') ?? undefined, per_page: q.get('per_page') ?? undefined, sort: q.get('sort') ?? undefined, sort_type: q.get('sort_type') ?? undefined };
    const r = search.filtered(req.params.entity ?? '', objectBody(req), paging);
    const include = q.get('include');
    const omit = d.filteredSearchFields === 'full' ? new Set<string>() : listOmissions(r.entity, include);
    return {
      status: 200,
      body: { [r.entity]: r.records.map((rec) => readListed(r.entity, rec, omit)), ...sideLoaded(include, r.records), meta: { total: r.total, total_pages: r.totalPages } },
    };
  });

  // GET /api/settings/<entity>/fields [DOC]
  on('GET', '/api/settings/:entity/fields', (req) => {
    const entity = req.params.entity as FieldEntity;
    if (!FIELD_ENTITIES.includes(entity)) throw new ApiError(404, [`Unknown module "${req.params.entity}"`]);
    return { status: 200, body: { fields: tenant.catalogues[entity].list() } };
  });
  // GET /api/selector/<name> [DOC]
  on('GET', '/api/selector/:name', (req) => {
    const sel = selectorTable(tenant.ref)[req.params.name ?? ''];
    if (!sel) throw new ApiError(404, [`Unknown selector "${req.params.name}"`]);
    return { status: 200, body: { [sel.key]: sel.items } };
  });

  // Tasks [DOC]
  const taskRead = (req: SimRequest, item: Parameters<Activities['read']>[1]) => activities.read('tasks', item, req.query.get('include'));
  on('POST', '/api/tasks', (req) => ({ status: 201, body: { task: taskRead(req, activities.writeTask(wrapped(req, 'task'))) } }));
  on('GET', '/api/tasks', (req) => {
    const r = activities.listTasks(req.query);
    return { status: 200, body: { tasks: r.items.map((i) => taskRead(req, i)), meta: activities.taskListMeta(r) } };
  });
  on('GET', '/api/tasks/:id', (req) => ({ status: 200, body: { task: taskRead(req, activities.get('tasks', req.params.id ?? '')) } }));
  on('PUT', '/api/tasks/:id', (req) => ({ status: 200, body: { task: taskRead(req, activities.writeTask(wrapped(req, 'task'), req.params.id ?? '')) } }));
  on('DELETE', '/api/tasks/:id', (req) => {
    activities.remove('tasks', req.params.id ?? '');
    return { status: 200, raw: 'true' };
  });

  // Sales activities [DOC]
  on('POST', '/api/sales_activities', (req) => ({
    status: 201,
    body: { sales_activity: activities.read('sales_activities', activities.writeSalesActivity(wrapped(req, 'sales_activity'))) },
  }));
  on('GET', '/api/sales_activities', (req) => {
    const r = activities.listSalesActivities(req.query);
    return { status: 200, body: { sales_activities: r.items.map((i) => activities.read('sales_activities', i)), meta: activities.salesActivityListMeta(r) } };
  });
  on('GET', '/api/sales_activities/:id', (req) => ({
    status: 200,
    body: { sales_activity: activities.read('sales_activities', activities.get('sales_activities', req.params.id ?? '')) },
  }));
  on('PUT', '/api/sales_activities/:id', (req) => ({
    status: 200,
    body: { sales_activity: activities.read('sales_activities', activities.writeSalesActivity(wrapped(req, 'sales_activity'), req.params.id ?? '')) },
  }));
  on('DELETE', '/api/sales_activities/:id', (req) => {
    activities.remove('sales_activities', req.params.id ?? '');
    return { status: 200, raw: 'true' };
  });

  // Notes: create answers 200, not 201 [DOC]
  on('POST', '/api/notes', (req) => ({ status: 200, body: { note: activities.read('notes', activities.writeNote(wrapped(req, 'note'))) } }));
  on('PUT', '/api/notes/:id', (req) => ({ status: 200, body: { note: activities.read('notes', activities.writeNote(wrapped(req, 'note'), req.params.id ?? '')) } }));
  on('DELETE', '/api/notes/:id', (req) => {
    activities.remove('notes', req.params.id ?? '');
    return { status: 200, raw: 'true' };
  });

  // Documents: multipart upload [DOC]
  on('POST', '/api/documents', (req) => {
    const contentType = req.headers['content-type'];
    const boundary = multipartBoundary(Array.isArray(contentType) ? contentType[0] : contentType);
    if (!boundary) throw new ApiError(400, ['Content-Type must be multipart/form-data']);
    const doc = activities.writeDocument(parseMultipart(req.rawBody, boundary));
    return { status: 201, body: { document: activities.read('documents', doc) } };
  });
  on('GET', '/api/documents/:id', (req) => ({ status: 200, body: { document: activities.read('documents', activities.get('documents', req.params.id ?? '')) } }));
  on('DELETE', '/api/documents/:id', (req) => {
    activities.remove('documents', req.params.id ?? '');
    return { status: 200, raw: 'true' };
  });

  return { router, keyOf };
}
