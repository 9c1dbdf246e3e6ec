/**
 * Xtremepush external API simulator: `POST /api/external/{method}/{model}` with a JSON
 * body carrying `apptoken` (or an OAuth bearer token from `POST /api/oauth/token`),
 * answering in the `{code, success, data|model|message, errors?}` envelope with the
 * same HTTP status [C]. Read side only: write methods (`import/profile`, `hit/event`,
 * `update/*`, …) answer 405 like any unknown method/model, so a migration that writes
 * to its source fails loudly. See query.ts for the list semantics and tasks.ts for exports.
 *
 * Checks run in this order [A]: fault injection (the network/gateway layer), unknown
 * method/model → 405, invalid JSON → 400, authentication → 401, API access off → 403,
 * endpoint switched off → 410, then the call (400 bad query, 404 unknown id).
 *
 * Number typing [C3]: campaign rows carry `id, trigger, type, active, status, create_time` as
 * numbers, message rows every field but `user_id`/`profile_id` (and the texts
 * `message_type_name`, `error_message`) as numbers, served as the generator made them; the
 * `type` and `status` codes are [A] (CAMPAIGN_TYPE_CODE, CAMPAIGN_STATUS_CODE,
 * MESSAGE_STATUS_CODE in simulators/generator). A campaign's channels are its flags.
 *
 * Tags: `list/tag` [A model name] answers tag hits `{id, tag, profile_id, device_id,
 * create_time}`, one row per application of a tag to a device (tags are immutable,
 * timestamped hits [C]), with the usual condition/select/order/limit/offset; `id` is the
 * keyset for paging. The docs only say a tags list operation exists.
 *
 * Locations: `list/location` [A model name and row shape] answers `{id, name, city}` rows,
 * the records profile attributes such as `favourite_venue_id` point at (the service page's
 * "linked location object"; the docs publish no such model). Ids are text (`loc_12`), so
 * `order` and `id >` compare them as text (binary collation), which still pages by keyset;
 * condition/select/order/limit/offset work as on every list. No `info/location`.
 *
 * Admin (not faulted, not counted): `GET /__sim/state`, `POST /__sim/faults {"spec":"..."}`,
 * `POST /__sim/profiles {"upsert": [profile rows], "delete": [profile ids]}` (changeProfiles).
 * Export files: `GET /exports/{token}.jsonl` (no auth, like a pre-signed link).
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { FaultInjector, parseFaultSpec, type FaultSpec } from '../common/faults.js';
import { Router, isInvalidJson, sendJson, startServer, type SimRequest, type SimResponse } from '../common/http-kit.js';
import { parseSourceChanges, type SourceChangeResult } from '../common/source-changes.js';
import { inferAttributeType } from '../generator/jsonl-dataset.js';
import type { XtremepushAttributeDefinition, XtremepushDataset, XtremepushProfile } from '../generator/types.js';
import { QueryError, Table, parseListQuery, project, type ListLimits, type Row } from './query.js';
import { NotFoundError, TaskManager, type TaskStatusCase } from './tasks.js';

/** Options for `startXtremepushSim`. */
export interface XtremepushSimOptions {
  apptoken: string;
  /** The account to serve. The simulator owns it from now on: mutations show up in it. */
  dataset: XtremepushDataset;
  /** Fault spec (see simulators/common/faults.ts), applied to /api routes. */
  faults?: string | FaultSpec;
  /** 0 or absent: any free port. */
  port?: number;
  /** Max rows per list call; larger limits are silently capped (default 1000) [A]. */
  pageCap?: number;
  /** Rows per list call when the body has no `limit` (default 100) [A]. */
  defaultLimit?: number;
  /** Enables `POST /api/oauth/token` (client_credentials) and Bearer auth. */
  oauth?: { clientId: string; clientSecret: string; tokenTtlSeconds?: number };
  /** `list/profile-subscription` is empty unless the account enabled history (default false) [C]. */
  subscriptionHistory?: boolean;
  /** `info/task` calls before an export completes (default 2: New → Executing → Completed). */
  taskPollsToComplete?: number;
  /**
   * How task statuses are spelled (the API's case is not public [A]): 'title' "Completed"
   * (default), 'lower' "completed", 'upper' "COMPLETED". Names: New, Executing, Completed, Error, Fatal.
   */
  taskStatusCase?: TaskStatusCase;
  /** false: every call answers 403, as when API access is off for the app (default true). */
  apiAccess?: boolean;
  /** `method/model` keys that answer 410 (endpoint switched off). */
  disabledEndpoints?: string[];
}

/** Call counters. */
export interface XtremepushSimStats {
  calls: number;
  byRoute: Record<string, number>;
  faultsInjected: number;
}

/** A running simulator. */
export interface XtremepushSim {
  /** e.g. http://127.0.0.1:PORT; clients post to `${url}/api/external/{method}/{model}`. */
  url: string;
  close(): Promise<void>;
  /** Replace the fault spec (string form or parsed); the fault PRNG is re-seeded. */
  setFaults(spec: string | FaultSpec): void;
  stats(): XtremepushSimStats;
  /** The live account (mutations included). */
  dataset: XtremepushDataset;
  /**
   * Change a profile as if the customer's app did: fields are merged (`undefined` removes
   * one), update_time becomes `updateTime` or max(old + 1, wall clock). New attribute
   * names get a definition in `list/attribute`, as Xtremepush creates them on first use.
   */
  updateProfile(profileId: string, patch: Record<string, unknown>, updateTime?: number): void;
  /** Add a profile (profile_id must be a new digit string); missing core fields default to null/0/now. */
  addProfile(row: Partial<XtremepushProfile> & { profile_id: string }): void;
  /** Delete a profile; false when it did not exist. */
  removeProfile(profileId: string): boolean;
  /**
   * What `POST /__sim/profiles` does: each `upsert` row (a `list/profile` row) is merged into
   * the profile with its id (updateProfile: its own `update_time`, or the clock moves it) or
   * added (addProfile), in order; then each `delete` id is removed. Checked whole before
   * anything changes: a bad row throws, naming its index.
   */
  changeProfiles(changes: { upsert?: ProfileChangeRow[]; delete?: (string | number)[] }): SourceChangeResult;
}

/** A profile row for `changeProfiles`: `profile_id` and any fields, as `list/profile` answers them. */
export type ProfileChangeRow = Partial<XtremepushProfile> & { profile_id: string | number; [field: string]: unknown };

/** A profile id: a digit string or a non-negative whole number, as text. */
const PROFILE_ID = z.unknown().transform((v, ctx) => {
  if ((typeof v === 'string' && /^\d{1,15}$/.test(v.trim())) || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)) return String(v).trim();
  ctx.addIssue({ code: 'custom', message: `must be a digit string or a non-negative whole number, got ${JSON.stringify(v) ?? 'nothing'}` });
  return z.NEVER;
});
const UNIX_SECONDS = z.number({ error: 'must be unix seconds' }).int('must be unix seconds').nonnegative('must be unix seconds');
/** An upsert row: an id, unix-second times when given, anything else served as written. */
const PROFILE_ROW = z.looseObject({ profile_id: PROFILE_ID, create_time: UNIX_SECONDS.optional(), update_time: UNIX_SECONDS.optional() });

const PROFILE_CORE = [
  'profile_id', 'user_id', 'email', 'email_subscription', 'mobile_number', 'sms_subscription', 'language', 'timezone', 'create_time', 'update_time',
];

/** Known fields per model (besides profile, whose attributes come from the account). */
const MODEL_FIELDS: Record<string, string[]> = {
  attribute: ['id', 'name', 'type', 'max_length', 'description', 'create_time'],
  device: ['id', 'profile_id', 'user_id', 'platform', 'token', 'os_version', 'app_version', 'model', 'create_time', 'last_seen'],
  'push-devices': ['action_id', 'campaign_id', 'create_time', 'device_id', 'error', 'error_message'],
  segment: ['id', 'name', 'type', 'conditions', 'create_time', 'update_time'],
  campaign: [
    'id', 'title', 'trigger', 'type', 'active', 'status', 'create_time', 'activate_time', 'deactivate_time',
    'sms', 'email', 'ios_push', 'android_push', 'web_push', 'inbox', 'webhook', 'promotion_id', 'messages',
  ],
  message: [
    'id', 'campaign_id', 'user_id', 'profile_id', 'create_time', 'message_type_name', 'delivery', 'open', 'click',
    'error', 'error_message', 'open_time', 'click_time', 'status',
  ],
  'consent-preference-profile': ['profile_id', 'user_id', 'channel', 'preference', 'type', 'status', 'update_time'],
  'profile-subscription': ['profile_id', 'user_id', 'channel', 'email_address', 'status', 'update_is_external', 'update_time'],
  promotion: ['id', 'name', 'type', 'code', 'active', 'start_time', 'end_time', 'create_time'],
  tag: ['id', 'tag', 'profile_id', 'device_id', 'create_time'],
  location: ['id', 'name', 'city'],
  task: ['id', 'type', 'status', 'params', 'create_time', 'complete_time', 'result', 'error_message'],
};

/** Models with an `info/*` call and the noun used in their 404 message. */
const INFO_MODELS: Record<string, string> = {
  profile: 'Profile', device: 'Device', segment: 'Segment', campaign: 'Campaign', message: 'Message', promotion: 'Promotion', task: 'Task', attribute: 'Attribute',
};

const envelopeError = (status: number, message: string, errors?: string[]): SimResponse => ({
  status,
  body: { code: status, success: false, message, ...(errors && errors.length > 0 ? { errors } : {}) },
});

/** Xtremepush attribute type of a value, for attributes first seen in a mutation. */
const inferType = inferAttributeType;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Start the simulator on 127.0.0.1. */
export async function startXtremepushSim(opts: XtremepushSimOptions): Promise<XtremepushSim> {
  const ds = opts.dataset;
  const limits: ListLimits = { pageCap: opts.pageCap ?? 1000, defaultLimit: Math.min(opts.defaultLimit ?? 100, opts.pageCap ?? 1000) };
  const faults = new FaultInjector(typeof opts.faults === 'string' || opts.faults === undefined ? parseFaultSpec(opts.faults) : opts.faults);
  const stats: XtremepushSimStats = { calls: 0, byRoute: {}, faultsInjected: 0 };
  const disabled = new Set(opts.disabledEndpoints ?? []);
  const nowSec = () => Math.floor(Date.now() / 1000);
  let url = '';

  const profiles = new Table<XtremepushProfile>(ds.profiles, 'profile_id');
  const attributeNames = new Set(ds.attributes.map((a) => a.name));
  const profileKnown = (f: string) => PROFILE_CORE.includes(f) || attributeNames.has(f);
  // Dataset-backed tables are made on first use: reading dataset.messages builds it.
  const tableCache = new Map<string, Table>();
  const lazyTable = (model: string, rows: () => Row[], key: string | null) => () => {
    let t = tableCache.get(model);
    if (!t) {
      t = new Table(rows(), key);
      tableCache.set(model, t);
    }
    return t;
  };
  const tasks = new TaskManager(() => ds, () => url, {
    pollsToComplete: opts.taskPollsToComplete ?? 2,
    failRoll: () => faults.roll(faults.current.bulkJobFail),
    nowSec,
    statusCase: opts.taskStatusCase ?? 'title',
  });
  const tables: Record<string, () => Table> = {
    profile: () => profiles as unknown as Table,
    attribute: lazyTable('attribute', () => ds.attributes as unknown as Row[], 'id'),
    device: lazyTable('device', () => ds.devices as unknown as Row[], 'id'),
    'push-devices': lazyTable('push-devices', () => ds.pushActions as unknown as Row[], 'action_id'),
    segment: lazyTable('segment', () => ds.segments as unknown as Row[], 'id'),
    campaign: lazyTable('campaign', () => ds.campaigns as unknown as Row[], 'id'),
    message: lazyTable('message', () => ds.messages as unknown as Row[], 'id'),
    'consent-preference-profile': lazyTable('consent', () => ds.consents as unknown as Row[], null),
    'profile-subscription': lazyTable('subscription', () => (opts.subscriptionHistory ? (ds.subscriptions as unknown as Row[]) : []), null),
    promotion: lazyTable('promotion', () => ds.promotions as unknown as Row[], 'id'),
    tag: lazyTable('tag', () => ds.tagHits as unknown as Row[], 'id'),
    // Text ids (loc_12) have no numeric key: the table filters and sorts instead of seeking.
    location: lazyTable('location', () => ds.locations as unknown as Row[], null),
    task: () => new Table(tasks.views(), 'id'),
  };
  const knownFor = (model: string) => (model === 'profile' ? profileKnown : (f: string) => MODEL_FIELDS[model]!.includes(f));

  const defineAttributes = (row: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(row)) {
      if (PROFILE_CORE.includes(k) || attributeNames.has(k) || v === null || v === undefined) continue;
      const def: XtremepushAttributeDefinition = {
        id: ds.attributes.reduce((m, a) => Math.max(m, a.id), 0) + 1,
        name: k,
        type: inferType(v),
        max_length: inferType(v) === 'String' ? 101 : null,
        description: '',
        create_time: nowSec(),
      };
      ds.attributes.push(def);
      attributeNames.add(k);
    }
  };

  const updateProfile: XtremepushSim['updateProfile'] = (profileId, patch, updateTime) => {
    const row = profiles.get(profileId);
    if (!row || row.profile_id !== profileId) throw new Error(`no profile ${profileId}`);
    if ('profile_id' in patch && patch.profile_id !== profileId) throw new Error('profile_id cannot change');
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) delete row[k];
      else row[k] = v;
    }
    row.update_time = updateTime ?? Math.max(row.update_time + 1, nowSec());
    defineAttributes(patch);
  };
  const addProfile: XtremepushSim['addProfile'] = (input) => {
    if (typeof input.profile_id !== 'string' || !/^\d+$/.test(input.profile_id)) throw new Error(`profile_id must be a digit string, got ${JSON.stringify(input.profile_id)}`);
    const now = nowSec();
    const row: XtremepushProfile = {
      user_id: null, email: null, email_subscription: 0, mobile_number: null, sms_subscription: 0,
      language: null, timezone: null, create_time: now, update_time: now, ...input, profile_id: input.profile_id,
    };
    profiles.insert(row);
    defineAttributes(row);
  };
  /** Apply a checked change set (the admin route and changeProfiles). */
  const applyChanges = (changes: { upsert: z.infer<typeof PROFILE_ROW>[]; delete: string[] }): SourceChangeResult => {
    const out: SourceChangeResult = { created: 0, updated: 0, deleted: 0, missing: [] };
    for (const { update_time, ...row } of changes.upsert) {
      const existing = profiles.get(row.profile_id);
      if (existing) {
        // The row's own id spelling ("007") may differ from the stored one; the stored one wins.
        updateProfile(existing.profile_id, { ...row, profile_id: existing.profile_id }, update_time);
        out.updated++;
      } else {
        addProfile({ ...row, ...(update_time !== undefined ? { update_time } : {}) } as XtremepushProfile);
        out.created++;
      }
    }
    for (const id of changes.delete) {
      if (profiles.remove(id)) out.deleted++;
      else out.missing.push(id);
    }
    return out;
  };

  /** `method/model` → handler of an authenticated call. */
  const calls: Record<string, (body: Row) => SimResponse> = {};
  for (const model of Object.keys(tables)) {
    calls[`list/${model}`] = (body) => {
      const q = parseListQuery(body, knownFor(model), limits);
      return { status: 200, body: { code: 200, success: true, data: tables[model]!().query(q) } };
    };
  }
  for (const [model, noun] of Object.entries(INFO_MODELS)) {
    calls[`info/${model}`] = (body) => {
      if (body.id === undefined || body.id === null || body.id === '') throw new QueryError('id is required');
      let row: Row | undefined;
      if (model === 'task') {
        try {
          row = tasks.poll(body.id);
        } catch (e) {
          if (e instanceof NotFoundError) return envelopeError(404, `${noun} ${String(body.id)} not found`);
          throw e;
        }
      } else {
        row = tables[model]!().get(body.id);
      }
      if (!row) return envelopeError(404, `${noun} ${String(body.id)} not found`);
      let select: string[] | null = null;
      if (body.select !== undefined && body.select !== null) {
        if (!Array.isArray(body.select) || !body.select.every((s) => typeof s === 'string')) throw new QueryError('select must be an array of field names');
        select = body.select.length === 0 ? null : (body.select as string[]);
      }
      return { status: 200, body: { code: 200, success: true, model: project(row, select) } };
    };
  }
  calls['create/task'] = (body) => {
    try {
      const view = tasks.create(body);
      return { status: 202, body: { code: 202, success: true, message: 'Task created', model: view } };
    } catch (e) {
      if (e instanceof NotFoundError) return envelopeError(404, e.message);
      throw e;
    }
  };

  // OAuth 2.0 client credentials [A: token endpoint path and response per RFC 6749].
  const accessTokens = new Map<string, number>();
  const issueToken = (req: SimRequest): SimResponse => {
    if (!opts.oauth) return { status: 404, body: { error: 'not_found', error_description: 'OAuth is not enabled for this account' } };
    let params: Record<string, unknown> = {};
    const ctype = String(req.headers['content-type'] ?? '');
    if (ctype.includes('application/x-www-form-urlencoded')) params = Object.fromEntries(new URLSearchParams(req.rawBody.toString('utf8')));
    else if (req.body !== undefined && !isInvalidJson(req.body) && typeof req.body === 'object' && req.body !== null) params = req.body as Record<string, unknown>;
    else if (req.body !== undefined) return { status: 400, body: { error: 'invalid_request', error_description: 'body must be JSON or form-encoded' } };
    const basic = /^Basic\s+(.+)$/i.exec(String(req.headers.authorization ?? ''));
    if (basic) {
      const [id, secret] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':', 2);
      params.client_id ??= id;
      params.client_secret ??= secret;
    }
    if (params.grant_type !== 'client_credentials') return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'only client_credentials is supported' } };
    if (params.client_id !== opts.oauth.clientId || params.client_secret !== opts.oauth.clientSecret) {
      return { status: 401, body: { error: 'invalid_client', error_description: 'client authentication failed' } };
    }
    const ttl = opts.oauth.tokenTtlSeconds ?? 3600;
    const token = randomBytes(24).toString('hex');
    accessTokens.set(token, Date.now() + ttl * 1000);
    return { status: 200, body: { access_token: token, token_type: 'Bearer', expires_in: ttl } };
  };

  const external = (req: SimRequest): SimResponse => {
    const key = `${req.params.method}/${req.params.model}`;
    const call = calls[key];
    if (!call) return envelopeError(405, `Method not allowed: ${key}`);
    if (isInvalidJson(req.body)) return envelopeError(400, 'Invalid JSON body');
    const body = req.body === undefined ? {} : req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return envelopeError(400, 'Request body must be a JSON object');
    const b = body as Row;
    const bearer = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''));
    const bearerOk = bearer !== null && (accessTokens.get(bearer[1]!) ?? 0) > Date.now();
    const tokenOk = typeof b.apptoken === 'string' && b.apptoken === opts.apptoken;
    if (!bearerOk && !tokenOk) {
      const why = bearer ? 'Invalid or expired access token' : b.apptoken === undefined ? 'Missing apptoken' : 'Invalid apptoken';
      return envelopeError(401, why);
    }
    if (opts.apiAccess === false) return envelopeError(403, 'API access is disabled for this app');
    if (disabled.has(key)) return envelopeError(410, `Endpoint ${key} is disabled`);
    try {
      return call(b);
    } catch (e) {
      if (e instanceof QueryError) return envelopeError(400, e.message, [e.message, ...e.details]);
      throw e;
    }
  };

  const router = new Router()
    .on('POST', '/api/external/:method/:model', external)
    .on('POST', '/api/oauth/token', issueToken)
    .on('GET', '/__sim/state', () => ({
      status: 200,
      body: { ...stats, faults: faults.current, profiles: ds.profiles.length, tasks: tasks.views(), pageCap: limits.pageCap },
    }))
    .on('POST', '/__sim/faults', (req) => {
      const spec = (req.body as { spec?: unknown } | undefined)?.spec;
      if (typeof spec !== 'string') return { status: 400, body: { error: 'body must be {"spec": "..."}' } };
      try {
        faults.update(parseFaultSpec(spec));
      } catch (e) {
        return { status: 400, body: { error: (e as Error).message } };
      }
      return { status: 200, body: { ok: true, faults: faults.current } };
    })
    .on('POST', '/__sim/profiles', (req) => {
      const parsed = parseSourceChanges(req.body, PROFILE_ROW, PROFILE_ID);
      return parsed.ok ? { status: 200, body: applyChanges(parsed.changes) } : parsed.response;
    });

  const streamExport = async (token: string, res: ServerResponse) => {
    const rows = tasks.download(token);
    if (!rows) return sendJson(res, { status: 404, body: { error: 'NoSuchKey' } });
    res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8' });
    let chunk = '';
    for (const row of rows) {
      chunk += `${JSON.stringify(row)}\n`;
      if (chunk.length > 64 * 1024) {
        const ok = res.write(chunk);
        chunk = '';
        if (!ok) await new Promise<void>((r) => res.once('drain', () => r()));
      }
    }
    res.end(chunk);
  };

  const dispatch = async (req: SimRequest, res: ServerResponse, socket: Socket) => {
    const exportMatch = /^\/exports\/([0-9a-f]+)\.jsonl$/.exec(req.path);
    if (req.method === 'GET' && exportMatch) return streamExport(exportMatch[1]!, res);
    const m = router.match(req.method, req.path);
    const isApi = req.path.startsWith('/api/');
    const run = async (): Promise<SimResponse> => {
      if (!m) return isApi ? envelopeError(404, `Not found: ${req.path}`) : { status: 404, body: { error: 'not found' } };
      if ('methodNotAllowed' in m) return isApi ? envelopeError(405, `Method ${req.method} not allowed`) : { status: 405, body: { error: 'method not allowed' } };
      return m.handler({ ...req, params: m.params });
    };
    if (!isApi) return sendJson(res, await run());

    stats.calls++;
    const ext = /^\/api\/external\/([^/]+)\/([^/]+)$/.exec(req.path);
    const routeKey = ext ? `${ext[1]}/${ext[2]}` : req.path.replace(/^\/api\//, '');
    stats.byRoute[routeKey] = (stats.byRoute[routeKey] ?? 0) + 1;

    const d = faults.decide();
    if (d.kind !== 'none') stats.faultsInjected++;
    if (d.latencyMs > 0) await sleep(d.latencyMs);
    switch (d.kind) {
      case '429':
        // No Retry-After: Xtremepush publishes no rate-limit numbers or headers [C].
        return sendJson(res, envelopeError(429, 'Too many requests'));
      case '5xx':
        if (d.status === 500) return sendJson(res, envelopeError(500, 'Internal server error'));
        // Gateways answer 502/503 in HTML, not in the API's envelope [A].
        res.writeHead(d.status, { 'content-type': 'text/html' });
        res.end(`<html><body><h1>${d.status} ${d.status === 502 ? 'Bad Gateway' : 'Service Unavailable'}</h1></body></html>`);
        return;
      case 'timeout':
        // The effect may or may not have happened; the answer never comes.
        if (d.applyEffect) await run();
        return;
      case 'drop':
        if (d.applyEffect) await run();
        socket.destroy();
        return;
      default:
        return sendJson(res, await run());
    }
  };

  const server = await startServer(dispatch, opts.port ?? 0);
  url = server.url;

  return {
    url,
    dataset: ds,
    close: () => server.close(),
    setFaults: (spec) => faults.update(typeof spec === 'string' ? parseFaultSpec(spec) : spec),
    stats: () => ({ calls: stats.calls, byRoute: { ...stats.byRoute }, faultsInjected: stats.faultsInjected }),
    updateProfile,
    addProfile,
    removeProfile: (profileId) => profiles.remove(profileId),
    changeProfiles(changes) {
      const parsed = parseSourceChanges(changes, PROFILE_ROW, PROFILE_ID);
      if (!parsed.ok) throw new Error((parsed.response.body as { error: string }).error);
      return applyChanges(parsed.changes);
    },
  };
}
