/**
 * Freshsales simulator: a local HTTP server that behaves like the Freshsales (Freshworks
 * CRM) API described in shared/api/freshsales.md — token auth, wrappers, ids above 2^32,
 * views instead of lists, eventually consistent lookup, asynchronous bulk jobs, per-plan
 * hour and minute budgets, and injectable faults. It is meant to be faithful, not
 * convenient: where the notes are uncertain [?], the behaviour is a flag.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { FaultInjector, parseFaultSpec, type FaultSpec } from '../common/faults.js';
import { Router, isInvalidJson, sendJson, startServer, type Dispatch, type SimRequest, type SimResponse } from '../common/http-kit.js';
import { createRng } from '../common/prng.js';
import { Activities } from './activities.js';
import { BulkJobs } from './bulk-jobs.js';
import { FIELD_TYPES, type FieldEntity, type FieldType, type Plan } from './catalogue.js';
import { ApiError, errorResponse } from './errors.js';
import { IdSequence, subSeed } from './ids.js';
import { accountStamp, iso, readRecord } from './read-shapes.js';
import { RateLimiter } from './rate-limit.js';
import { RECORD_ENTITIES, SINGULAR, type RecordEntity } from './records.js';
import { buildApiRoutes } from './routes.js';
import { Search } from './search.js';
import { Tenant } from './tenant.js';
import { Views } from './views.js';

/** Re-exported so callers need only this module: plans, custom field types and field entities. */
export type { Plan, FieldType, FieldEntity } from './catalogue.js';
export type { RecordEntity } from './records.js';
/** The fault spec shape accepted by `faults` and `setFaults`. */
export type { FaultSpec } from '../common/faults.js';

/** Path prefix of every Freshsales route on this server. */
export const BASE_PATH = '/crm/sales';

/** Options of one simulated Freshsales account. */
export interface FreshsalesSimOptions {
  /** The one valid key; auth header `Authorization: Token token=<key>`. */
  apiKey: string;
  /** Default 'growth'. Hour budget free/growth 1000, pro 2000, enterprise 5000; minute budget 400 on paid plans. */
  plan?: Plan;
  /** Default 1. Windows last hour/timeScale and minute/timeScale ms; also scales bulk job duration and lookup lag. */
  timeScale?: number;
  /** Default false: send X-RateLimit-Limit/-Remaining/-Reset(-Ms) on every answer and Retry-After on 429s. */
  rateLimitHeaders?: boolean;
  /** Fault spec (see simulators/common/faults.ts); applied to /api routes after auth and rate limiting. */
  faults?: string | FaultSpec;
  /** Default 20000 real ms (divided by timeScale): new/updated records are invisible to lookup and search this long. */
  lookupLagMs?: number;
  /** Default 0: the same lag for filtered_search (uncertain in the docs). */
  filteredSearchLagMs?: number;
  /** Default 'reject' (400 naming the key): what to do with a custom_field key that is not a field. */
  unknownCustomField?: 'reject' | 'ignore';
  /** Default 2000 real ms (scaled): how long a bulk_upsert job runs before its records appear. */
  bulkJobMs?: number;
  /** Default 202: status of the bulk_upsert answer (the docs are unsure between 200 and 202). */
  bulkUpsertStatus?: 200 | 202;
  /** Default false: the bulk_upsert answer is `{job_status_url}` alone; true adds a `message` [?]. */
  bulkUpsertMessage?: boolean;
  /** Default 'counted': bulk_destroy deletes at once and says how many; 'processing' answers first and deletes `bulkJobMs` (scaled) later [?]. */
  bulkDestroyAnswer?: 'counted' | 'processing';
  /** Default 'flat' (recorded by several clients): the job status answer; 'wrapped' = `{job_status: {...}}` [3P]. */
  jobStatusForm?: 'flat' | 'wrapped';
  /** Default 'like_views': filtered_search leaves out what list views leave out; 'full' carries every field [?]. */
  filteredSearchFields?: 'like_views' | 'full';
  /** Default 'targetable' (`targetable: {type, id}` with include=targetable); 'targetables' = a list [LIVE]. */
  taskLink?: 'targetable' | 'targetables';
  /** Default 'total': task list meta carries only `total` [LIVE]; 'total_pages' adds the page count. */
  taskListMeta?: 'total' | 'total_pages';
  /** Default 'flat': sales activities read their link as written, list meta with total_pages; 'like_tasks' = as tasks read [?]. */
  salesActivityReads?: 'flat' | 'like_tasks';
  /** Default '-06:00': the account's offset timestamps are answered in, without milliseconds [LIVE]; or 'Z'. */
  utcOffset?: string;
  /** Default false: deals without sales_account_id → 400 (one live tenant did this). */
  requireDealAccount?: boolean;
  /** Default 'replace': whether a write of `tags` replaces or merges with the stored tags (uncertain in the docs). */
  tagsOnWrite?: 'replace' | 'merge';
  /** Default false: contacts' mobile_number must be unique, like emails (seen by a third party). */
  uniqueMobileNumber?: boolean;
  /** Default 0 (any free port). */
  port?: number;
  /** Seed for ids, view ids and the fault PRNG (when the fault spec names no seed). Default 1. */
  seed?: number;
}

/** The defaults spelled out: what live accounts were recorded answering (and the notes' first reading of each [?]). */
export const RECORDED_READINGS: Readonly<Partial<FreshsalesSimOptions>> = Object.freeze({
  bulkUpsertStatus: 202,
  bulkUpsertMessage: false,
  bulkDestroyAnswer: 'counted',
  jobStatusForm: 'flat',
  filteredSearchFields: 'like_views',
  taskLink: 'targetable',
  taskListMeta: 'total',
  salesActivityReads: 'flat',
  utcOffset: '-06:00',
  tagsOnWrite: 'replace',
});

/**
 * The other reading of every point the notes leave uncertain [?] (the defaults follow what was
 * recorded from live accounts). Tests run the client under both.
 */
export const ALTERNATE_READINGS: Readonly<Partial<FreshsalesSimOptions>> = Object.freeze({
  bulkUpsertStatus: 200,
  bulkUpsertMessage: true,
  bulkDestroyAnswer: 'processing',
  jobStatusForm: 'wrapped',
  filteredSearchFields: 'full',
  taskLink: 'targetables',
  taskListMeta: 'total_pages',
  salesActivityReads: 'like_tasks',
  utcOffset: 'Z',
  tagsOnWrite: 'merge',
});

/** Counters of what the simulator saw. */
export interface FreshsalesSimStats {
  /** Every request to an /api route, including 401s and 429s. */
  calls: number;
  /** 429s because a budget window was exhausted (fault-injected 429s count in faultsInjected). */
  rateLimited: number;
  /** Requests per route pattern, e.g. "GET /api/contacts/:id". */
  byRoute: Record<string, number>;
  /** Faults injected, including bulk jobs made to fail. */
  faultsInjected: number;
}

/** Every stored (non-deleted) record in the real API's read shape. */
export interface FreshsalesSnapshot {
  contacts: object[];
  sales_accounts: object[];
  deals: object[];
  tasks: object[];
  sales_activities: object[];
  notes: object[];
  documents: object[];
}

/** A running simulator. */
export interface FreshsalesSim {
  /** e.g. http://127.0.0.1:PORT/crm/sales — the client appends /api/... */
  url: string;
  close(): Promise<void>;
  setFaults(spec: string | FaultSpec): void;
  stats(): FreshsalesSimStats;
  /** Every stored (non-deleted) record with every field, links flat, UTC timestamps (the admin's view). Same as GET /__sim/state. */
  snapshot(): FreshsalesSnapshot;
  /** Create a custom field as an admin would in the UI; throws when the plan's limits are reached. */
  addCustomField(entity: FieldEntity, field: { label: string; type: FieldType; choices?: string[] }): { name: string };
  /** Create a custom sales activity type as an admin would in the UI (same as POST /__sim/sales_activity_types). */
  addSalesActivityType(name: string): { id: number; name: string };
  /**
   * Create a record as a user would in the UI (pre-existing data): the fields an API create
   * takes, its validation (throws ApiError), not counted, limited or faulted. Answers the
   * record in the admin's view (as snapshot()).
   */
  createRecord(entity: RecordEntity, fields: Record<string, unknown>): Record<string, unknown>;
  /**
   * Edit a record as a user would in the UI: what `PATCH /__sim/records/{entity}/{id}` does.
   * `fields` as an API update takes them, bare or in the entity's wrapper (`{"contact": {...}}`);
   * the API update's validation; updated_at moves. Throws ApiError (400 invalid, 404 unknown or
   * deleted id or entity). Answers `{<singular>: record}` in the admin's view.
   */
  editRecord(entity: EditableEntity, id: number | string, fields: unknown): Record<string, unknown>;
}

/** Wrapper key of each entity the admin can edit (`PATCH /__sim/records/{entity}/{id}`). */
const EDITABLE = { ...SINGULAR, tasks: 'task', sales_activities: 'sales_activity' } as const;
/** An entity `editRecord` and `PATCH /__sim/records/{entity}/{id}` edit. */
export type EditableEntity = keyof typeof EDITABLE;

const PLANS: readonly Plan[] = ['free', 'growth', 'pro', 'enterprise'];
const FIELD_ENTITY_NAMES: readonly FieldEntity[] = ['contacts', 'sales_accounts', 'deals', 'sales_activities'];

/** Parse a fault spec; a string without its own `seed=` takes the simulator's seed. */
function toFaultSpec(spec: string | FaultSpec | undefined, seed: number | undefined): FaultSpec {
  if (spec !== undefined && typeof spec !== 'string') return spec;
  const parsed = parseFaultSpec(spec);
  if (seed !== undefined && !/(^|,)\s*seed\s*=/.test(spec ?? '')) parsed.seed = seed;
  return parsed;
}

/** Accept `Token token=KEY` and `Token token="KEY"` (the Rails token format); nothing else. */
function tokenOf(header: string | string[] | undefined): string | undefined {
  const h = Array.isArray(header) ? header[0] : header;
  const m = h ? /^Token\s+token="?([^"\s]+)"?\s*$/.exec(h) : null;
  return m?.[1];
}

/** Start a simulated Freshsales account on 127.0.0.1. */
export async function startFreshsalesSim(opts: FreshsalesSimOptions): Promise<FreshsalesSim> {
  if (typeof opts.apiKey !== 'string' || !opts.apiKey) throw new Error('startFreshsalesSim: apiKey is required');
  const plan = opts.plan ?? 'growth';
  if (!PLANS.includes(plan)) throw new Error(`startFreshsalesSim: unknown plan "${String(plan)}"`);
  const timeScale = opts.timeScale ?? 1;
  if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new Error('startFreshsalesSim: timeScale must be a positive number');
  const seed = opts.seed ?? 1;
  const now = () => Date.now();
  const started = now();

  const tenant = new Tenant({
    plan,
    seed,
    unknownCustomField: opts.unknownCustomField ?? 'reject',
    requireDealAccount: opts.requireDealAccount ?? false,
    tagsOnWrite: opts.tagsOnWrite ?? 'replace',
    uniqueMobileNumber: opts.uniqueMobileNumber ?? false,
    now,
  });
  const faults = new FaultInjector(toFaultSpec(opts.faults, opts.seed), now);
  const stamp = accountStamp(opts.utcOffset ?? '-06:00');
  const limiter = new RateLimiter(plan, timeScale, started);
  const counters: FreshsalesSimStats = { calls: 0, rateLimited: 0, byRoute: {}, faultsInjected: 0 };
  const views = new Views(tenant, new IdSequence(subSeed(seed, 22)), now);
  const search = new Search(tenant, {
    lookupLagMs: (opts.lookupLagMs ?? 20_000) / timeScale,
    filteredSearchLagMs: (opts.filteredSearchLagMs ?? 0) / timeScale,
    now,
    stamp,
  });
  const jobs = new BulkJobs(tenant, {
    durationMs: () => (opts.bulkJobMs ?? 2_000) / timeScale,
    ids: new IdSequence(subSeed(seed, 20)),
    now,
    shouldFail: () => {
      const fail = faults.roll(faults.current.bulkJobFail);
      if (fail) counters.faultsInjected++;
      return fail;
    },
    rng: createRng(subSeed(seed, 21)),
    stamp,
  });
  const activities = new Activities(tenant, {
    stamp, taskLink: opts.taskLink ?? 'targetable', taskListMeta: opts.taskListMeta ?? 'total', salesActivityReads: opts.salesActivityReads ?? 'flat',
  });
  let baseUrl = '';
  const api = buildApiRoutes({
    tenant, views, search, jobs, activities, stamp,
    baseUrl: () => baseUrl,
    bulkUpsert: { status: opts.bulkUpsertStatus ?? 202, message: opts.bulkUpsertMessage ?? false },
    bulkDestroy: { answer: opts.bulkDestroyAnswer ?? 'counted', delayMs: () => (opts.bulkJobMs ?? 2_000) / timeScale },
    bulk405: () => {
      const hit = faults.roll(faults.current.bulk405);
      if (hit) counters.faultsInjected++;
      return hit;
    },
    jobStatusForm: opts.jobStatusForm ?? 'flat',
    filteredSearchFields: opts.filteredSearchFields ?? 'like_views',
  });

  const snapshot = (): FreshsalesSnapshot => {
    const records = Object.fromEntries(
      RECORD_ENTITIES.map((e) => [e, [...tenant.stores[e].live()].map((r) => readRecord(e, r, tenant.catalogues[e], { stamp: iso }))]),
    ) as Record<(typeof RECORD_ENTITIES)[number], object[]>;
    return {
      ...records,
      tasks: activities.all('tasks'),
      sales_activities: activities.all('sales_activities'),
      notes: activities.all('notes'),
      documents: activities.all('documents'),
    };
  };
  const stats = (): FreshsalesSimStats => ({ ...counters, byRoute: { ...counters.byRoute } });
  const addCustomField: FreshsalesSim['addCustomField'] = (entity, field) => {
    if (!FIELD_ENTITY_NAMES.includes(entity)) throw new ApiError(400, [`Unknown module "${String(entity)}"`]);
    const def = tenant.catalogues[entity].add(field);
    return { name: def.name };
  };

  const adminRead = (entity: RecordEntity, rec: Parameters<typeof readRecord>[1]) => readRecord(entity, rec, tenant.catalogues[entity], { stamp: iso });
  const createRecord: FreshsalesSim['createRecord'] = (entity, fields) => {
    if (!RECORD_ENTITIES.includes(entity)) throw new ApiError(404, [`Unknown entity "${String(entity)}"`]);
    return adminRead(entity, tenant.create(entity, fields));
  };
  const editRecord: FreshsalesSim['editRecord'] = (entity, id, body) => {
    if (!Object.hasOwn(EDITABLE, entity)) throw new ApiError(404, [`Unknown entity "${String(entity)}" (use ${Object.keys(EDITABLE).join(', ')})`]);
    const key = EDITABLE[entity];
    const b = body as Record<string, unknown> | null;
    // The API's wrapper is optional here: `{"contact": {...}}` or the fields bare.
    const fields = typeof b === 'object' && b !== null && !Array.isArray(b) && Object.keys(b).length === 1 && typeof b[key] === 'object' ? b[key] : body;
    // The same write paths as the API's PUT, so the same validation.
    if (entity === 'tasks') return { task: activities.read('tasks', activities.writeTask(fields, String(id)), null, true) };
    if (entity === 'sales_activities') return { sales_activity: activities.read('sales_activities', activities.writeSalesActivity(fields, String(id)), null, true) };
    return { [key]: adminRead(entity, tenant.update(entity, id, fields)) };
  };

  // Admin routes stand in for the admin UI and the operator: no auth, no budget, no faults.
  const admin = new Router()
    .on('GET', '/__sim/state', () => ({ status: 200, body: snapshot() }))
    .on('GET', '/__sim/stats', () => ({ status: 200, body: stats() }))
    .on('GET', '/__sim/faults', () => ({ status: 200, body: { faults: faults.current } }))
    .on('POST', '/__sim/faults', (req) => {
      const body = req.body as { spec?: unknown } | undefined;
      if (isInvalidJson(req.body) || typeof body?.spec !== 'string') throw new ApiError(400, ['Body must be {"spec":"<fault spec>"}']);
      try {
        faults.update(toFaultSpec(body.spec, opts.seed));
      } catch (e) {
        throw new ApiError(400, [(e as Error).message]);
      }
      return { status: 200, body: { faults: faults.current } };
    })
    .on('POST', '/__sim/sales_activity_types', (req) => {
      const b = (isInvalidJson(req.body) ? {} : (req.body ?? {})) as { name?: unknown };
      return { status: 201, body: { sales_activity_type: activities.addSalesActivityType(b.name) } };
    })
    .on('POST', '/__sim/fields', (req) => {
      const b = (isInvalidJson(req.body) ? {} : (req.body ?? {})) as { entity?: unknown; label?: unknown; type?: unknown; choices?: unknown };
      if (!FIELD_ENTITY_NAMES.includes(b.entity as FieldEntity)) throw new ApiError(400, [`entity must be one of ${FIELD_ENTITY_NAMES.join(', ')}`]);
      if (!FIELD_TYPES.includes(b.type as FieldType)) throw new ApiError(400, [`type must be one of ${FIELD_TYPES.join(', ')}`]);
      const field = tenant.catalogues[b.entity as FieldEntity].add({
        label: String(b.label ?? ''),
        type: b.type as FieldType,
        ...(Array.isArray(b.choices) ? { choices: b.choices as string[] } : {}),
      });
      return { status: 201, body: { field } };
    })
    .on('PATCH', '/__sim/records/:entity/:id', (req) => {
      if (isInvalidJson(req.body)) throw new ApiError(400, ['Request body is not valid JSON']);
      return { status: 200, body: editRecord(req.params.entity as EditableEntity, req.params.id ?? '', req.body) };
    });

  const run = async (handler: (req: SimRequest) => SimResponse | Promise<SimResponse>, req: SimRequest): Promise<SimResponse> => {
    try {
      return await handler(req);
    } catch (e) {
      if (e instanceof ApiError) return errorResponse(e.status, e.messages);
      return errorResponse(500, ['Something went wrong']);
    }
  };
  const rateHeaders = (): Record<string, string> | undefined => (opts.rateLimitHeaders ? limiter.headers(limiter.state(now())) : undefined);
  const send = (res: ServerResponse, out: SimResponse, extra?: Record<string, string>) =>
    sendJson(res, extra ? { ...out, headers: { ...(out.headers ?? {}), ...extra } } : out);

  const dispatch: Dispatch = async (req: SimRequest, res: ServerResponse, socket: Socket) => {
    const adminPath = req.path.startsWith(`${BASE_PATH}/__sim/`) ? req.path.slice(BASE_PATH.length) : req.path;
    if (adminPath.startsWith('/__sim/')) {
      const m = admin.match(req.method, adminPath);
      if (!m || !('handler' in m)) return send(res, errorResponse(404, ['No such admin route']));
      return send(res, await run(m.handler, { ...req, params: m.params }));
    }
    if (!req.path.startsWith(`${BASE_PATH}/api/`)) return send(res, errorResponse(404, ['Not found']));

    const path = req.path.slice(BASE_PATH.length);
    counters.calls++;
    const m = api.router.match(req.method, path);
    const handler = m && 'handler' in m ? m.handler : undefined;
    const key = (handler && api.keyOf.get(handler)) ?? `${req.method} (no route)`;
    counters.byRoute[key] = (counters.byRoute[key] ?? 0) + 1;

    if (tokenOf(req.headers.authorization) !== opts.apiKey) {
      return send(res, errorResponse(401, ['Your API key is invalid or missing. Send Authorization: Token token=<API key>.']));
    }
    const t = now();
    const budget = limiter.state(t);
    if (budget.limited) {
      counters.rateLimited++;
      return send(res, errorResponse(429, ['You have exceeded the limit of requests per hour']), opts.rateLimitHeaders ? limiter.headers(budget) : undefined);
    }
    const decision = faults.decide();
    if (decision.kind !== 'none') counters.faultsInjected++;
    if (decision.kind === '429') {
      // As if another integration on the account spent the budget; not counted here.
      const retry = limiter.formatSeconds(faults.current.burstMs);
      const headers = opts.rateLimitHeaders ? { ...limiter.headers(budget), 'Retry-After': retry } : undefined;
      return send(res, errorResponse(429, ['You have exceeded the limit of requests per hour']), headers);
    }
    limiter.consume(t);
    if (decision.latencyMs > 0) await new Promise((r) => setTimeout(r, decision.latencyMs));

    const effect = () =>
      handler ? run(handler, { ...req, path, params: m && 'params' in m ? m.params : {} }) : Promise.resolve(errorResponse(404, ['Not found']));
    switch (decision.kind) {
      case '5xx':
        return send(res, errorResponse(decision.status, ['Something went wrong. Please try again later.']), rateHeaders());
      case 'timeout':
        // Never answer; the socket is held until the client gives up or the server closes.
        if (decision.applyEffect) await effect();
        return;
      case 'drop':
        if (decision.applyEffect) await effect();
        socket.destroy();
        return;
    }
    const out = await effect();
    send(res, out, rateHeaders());
  };

  const server = await startServer(dispatch, opts.port ?? 0);
  baseUrl = `${server.url}${BASE_PATH}`;

  return {
    url: baseUrl,
    close: async () => {
      jobs.close();
      await server.close();
    },
    setFaults: (spec) => faults.update(toFaultSpec(spec, opts.seed)),
    stats,
    snapshot,
    addCustomField,
    addSalesActivityType: (name) => activities.addSalesActivityType(name),
    createRecord,
    editRecord,
  };
}
