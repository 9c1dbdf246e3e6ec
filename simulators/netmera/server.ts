/**
 * Netmera REST API simulator: `GET /rest/3.0/<operation>` with `X-netmera-api-key`, the read
 * side of /work/shared/api/netmera.md and nothing more (there is no call to list users, tags,
 * campaigns or journeys, so there is none here either). Faithful, not convenient: where the
 * notes mark a point [A] — or where the developer guide contradicts them — the behaviour is an
 * option, and `RECORDED_READINGS` / `ALTERNATE_READINGS` (index.ts) name both sides.
 *
 * Checks run in this order [A]: fault injection (the network/gateway), unknown route or
 * method → RFC 9457 problem (404/405), API key → 403 code 2010, IP allow-list → 403 2021,
 * operation not permitted → 403 2022, source rate limit → 429 / quota → 5022, the
 * `X-netmera-os` header on segment calls → 400 2020, parameters (missing → 400 2020; not a
 * number, out of range → text/plain 400), then the call (5016 unknown extId, 5042 unknown
 * segment, 5003 unknown notification).
 *
 * Segments recalculate every `recalculationHours` (3) of simulated time: simulated time runs
 * `timeScale` times faster than real and can be moved on with `advance()`; drifting segments
 * change membership at each recalculation (generator/netmera-segments.ts), so a migration
 * that does not freeze membership at scoping time sees a different population later.
 *
 * Admin routes (not faulted, counted or authenticated): `GET /__sim/state`,
 * `POST /__sim/faults {"spec"}`, `POST /__sim/advance {"hours"|"ms"}`,
 * `POST /__sim/profiles {"upsert": [users], "delete": [extIds]}` (changeUsers; changes.ts).
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { FaultInjector, parseFaultSpec, type FaultSpec } from '../common/faults.js';
import { Router, isInvalidJson, sendJson, startServer, type SimRequest, type SimResponse } from '../common/http-kit.js';
import { fmix32 } from '../generator/index-rng.js';
import { statsOf } from '../generator/netmera-activity.js';
import { DEFAULT_DRIFT_RATE, RECALCULATION_HOURS, hasInstalledOs, memberAt } from '../generator/netmera-segments.js';
import type { NetmeraDataset, NetmeraDevice, NetmeraOs, NetmeraPushResult, NetmeraSegment, NetmeraUser } from '../generator/netmera-types.js';
import { parseSourceChanges, type SourceChangeResult } from '../common/source-changes.js';
import { EXT_ID, applyUserChanges, userChangeSchema, type NetmeraUserChange } from './changes.js';
import { NetmeraError, appError, badConversion, plainText, problem } from './errors.js';
import { writeNetmeraFiles, type NetmeraFileOptions, type NetmeraWrittenFiles } from './files.js';
import { SourceLimits, type NetmeraLimitOptions } from './limits.js';
import { decodeOffset, encodeOffset } from './paging.js';

/** Path prefix of every REST operation. */
export const REST_PREFIX = '/rest/3.0';

/**
 * Options for `startNetmeraSim`. Every reading option defaults to what the notes say
 * (RECORDED_READINGS); ALTERNATE_READINGS holds the other side.
 */
export interface NetmeraSimOptions {
  /** The one valid REST API key (`X-netmera-api-key`). */
  apiKey: string;
  dataset: NetmeraDataset;
  /** Fault spec (simulators/common/faults.ts); a string without `seed=` takes `seed`. */
  faults?: string | FaultSpec;
  /** Seed for faults (when the spec names none) and offset tokens. Default: the dataset's seed. */
  seed?: number;
  /** 0 or absent: any free port. */
  port?: number;
  /** Simulated time runs this many times faster than real (default 1): recalculations and limit windows. */
  timeScale?: number;
  /** Hours of simulated time between segment recalculations (default 3) [C]. */
  recalculationHours?: number;
  /** Share of a drifting segment's users flipped at each recalculation (default 0.03). */
  driftRate?: number;
  /** The source's own rate limit and quota (default: none; Netmera publishes none [C]). */
  limits?: NetmeraLimitOptions;
  /** Callers allowed by the account's IP allow-list (default: any) [C 2021]. */
  allowedIps?: string[];
  /** Operations the key may not call → 403 code 2022. */
  forbiddenOperations?: string[];
  /** Write the panel's export files and the definition file into `dir` on start (see files.ts). */
  files?: NetmeraFileOptions & { dir: string };
  /** How fault-injected 429 bursts answer: gateway 429s, application 5022s, or alternately by burst (default 'both'). */
  burstAs?: '429' | '5022' | 'both';

  // Readings of points the notes leave open [A] or the developer guide contradicts.
  /** `X-netmera-os` on segment calls: 'required' (notes [C]: 400 code 2020 without it) or 'optional' (guide: not enforced). */
  osHeader?: 'required' | 'optional';
  /** What the header does: 'filter' (default: per-OS answers, members with an installed device of that OS) or 'ignore' (guide: no effect). */
  osScope?: 'filter' | 'ignore';
  /** getSegmentUsers: 'none' (notes [C]: the whole list in one answer) or 'paged' (guide: `max` 100..1000 and an opaque `nextPage`). */
  segmentUsersPaging?: 'none' | 'paged';
  /** CONNECTORS_SEGMENT: 'plain' (default) or 'guide' (userCount null; getSegmentUsers → 400 code 2001 "Retry later", forever). */
  connectorSegments?: 'plain' | 'guide';
  /** getDevices carries `installationId` (default true [C3]). */
  devicesInstallationId?: boolean;
  /** getDeviceTokens entries: 'notes' (default: no extId [C]) or 'guide' (`installationId, platform, extId?, deviceToken?`). */
  deviceTokensShape?: 'notes' | 'guide';
  /** getDeviceTokens `total`: 'exact' (default) or 'estimate' (guide: two significant digits). */
  deviceTokensTotal?: 'exact' | 'estimate';
  /** The last page's `nextPage`: 'absent' (default) or 'null' [A]. */
  lastPage?: 'absent' | 'null';
  /** app/events: 'split' (default, guide: `{standardEvents, customEvents}`) or 'list' (`{list:[...]}`) [A]. */
  eventsShape?: 'split' | 'list';
  /** HTTP status of error 5022 [A: the notes give none]: 400 (default, like the other 50xx) or 429. */
  quotaStatus?: 400 | 429;
  /** getPushResult without notificationKey/extId/token: code 2020 (default, notes) or 2009 (guide). */
  pushResultFilterError?: 2020 | 2009;
}

/** Counters of what the simulator saw. */
export interface NetmeraSimStats {
  /** Every request under /rest/3.0/, answered or not. */
  calls: number;
  /** Requests per operation (`getSegments`, `app/events`...; `(unknown)` for unknown routes). */
  byRoute: Record<string, number>;
  /** 429s from the source rate limit (fault bursts count in faultsInjected). */
  rateLimited: number;
  /** 5022s from the quota. */
  quotaExceeded: number;
  faultsInjected: number;
  /** Application error codes answered, by code. */
  errors: Record<string, number>;
}

/** A running simulator. */
export interface NetmeraSim {
  /** e.g. http://127.0.0.1:PORT — the client appends /rest/3.0/<operation>. */
  url: string;
  dataset: NetmeraDataset;
  /** Where the export files were written (when `files` was given). */
  filesDir?: string;
  files?: NetmeraWrittenFiles;
  stop(): Promise<void>;
  /** Same as stop(). */
  close(): Promise<void>;
  stats(): NetmeraSimStats;
  setFaults(spec: string | FaultSpec): void;
  /** Move simulated time on (recalculations happen on the way). */
  advance(ms: number): void;
  /** The recalculation epoch now (0 until the first recalculation). */
  segmentEpoch(): number;
  /** Simulated milliseconds since start. */
  simElapsedMs(): number;
  /**
   * What `POST /__sim/profiles` does (changes.ts): upsert users by extId, then delete extIds;
   * the REST answers change at once, and the export files are written again when the
   * simulator writes them (`files`). Checked whole first: a bad user throws, naming its index.
   */
  changeUsers(changes: { upsert?: NetmeraUserChange[]; delete?: string[] }): Promise<SourceChangeResult>;
}

const SEGMENT_OPS = new Set(['getSegments', 'getSegmentUsers']);
const OPERATIONS = [
  'getSegments', 'getSegmentUsers', 'getProfileAttributes', 'getDevices', 'getDeviceTokens', 'getCategoryPreferences', 'getPushStats',
  'getPushResult', 'app/profile-attributes', 'app/events',
] as const;
type Operation = (typeof OPERATIONS)[number];

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A string without absent or null fields (Netmera omits fields that have no value [guide]). */
function compact<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined)) as Partial<T>;
}

function intParam(q: URLSearchParams, name: string, dflt: number | undefined, range?: [number, number]): number | undefined {
  const raw = q.get(name);
  if (raw === null || raw === '') return dflt;
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) badConversion(name, raw, 'long');
  const n = Number(raw);
  if (range && (n < range[0] || n > range[1])) throw new NetmeraError(plainText(400, `${name} must be between ${range[0]} and ${range[1]}`));
  return n;
}

function required(q: URLSearchParams, name: string): string {
  const v = q.get(name);
  if (v === null || v === '') throw new NetmeraError(appError('missingParameter', name));
  return v;
}

function estimate(n: number): number {
  if (n < 100) return n;
  const p = 10 ** (Math.floor(Math.log10(n)) - 1);
  return Math.round(n / p) * p;
}

/** Start the simulator on 127.0.0.1. */
export async function startNetmeraSim(opts: NetmeraSimOptions): Promise<NetmeraSim> {
  if (typeof opts.apiKey !== 'string' || !opts.apiKey) throw new Error('startNetmeraSim: apiKey is required');
  const ds = opts.dataset;
  const seed = opts.seed ?? ds.seed;
  const timeScale = opts.timeScale ?? 1;
  if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new Error('startNetmeraSim: timeScale must be a positive number');
  const recalcMs = (opts.recalculationHours ?? RECALCULATION_HOURS) * 3_600_000;
  const driftRate = opts.driftRate ?? DEFAULT_DRIFT_RATE;
  const r = {
    osHeader: opts.osHeader ?? 'required',
    osScope: opts.osScope ?? 'filter',
    segmentUsersPaging: opts.segmentUsersPaging ?? 'none',
    connectorSegments: opts.connectorSegments ?? 'plain',
    devicesInstallationId: opts.devicesInstallationId ?? true,
    deviceTokensShape: opts.deviceTokensShape ?? 'notes',
    deviceTokensTotal: opts.deviceTokensTotal ?? 'exact',
    lastPage: opts.lastPage ?? 'absent',
    eventsShape: opts.eventsShape ?? 'split',
    quotaStatus: opts.quotaStatus ?? 400,
    pushResultFilterError: opts.pushResultFilterError ?? 2020,
  };
  const toSpec = (s: string | FaultSpec | undefined): FaultSpec => {
    if (s !== undefined && typeof s !== 'string') return s;
    const parsed = parseFaultSpec(s);
    if (!/(^|,)\s*seed\s*=/.test(s ?? '')) parsed.seed = seed;
    return parsed;
  };
  const faults = new FaultInjector(toSpec(opts.faults));
  const startedReal = Date.now();
  let advanced = 0;
  const simElapsedMs = () => (Date.now() - startedReal) * timeScale + advanced;
  const epoch = () => Math.floor(simElapsedMs() / recalcMs);
  // Limits run on the simulated clock, so timeScale shortens their windows as well.
  const limits = new SourceLimits(opts.limits ?? {}, 1, 0);
  const tokenKey = fmix32((seed ^ 0x6e657466) >>> 0);
  const stats: NetmeraSimStats = { calls: 0, byRoute: {}, rateLimited: 0, quotaExceeded: 0, faultsInjected: 0, errors: {} };
  const byExtId = new Map<string, NetmeraUser>();
  const allDevices: { device: NetmeraDevice; user: NetmeraUser }[] = [];
  /** The per-extId and all-devices indexes, built again after the account changes. */
  const reindex = () => {
    byExtId.clear();
    allDevices.length = 0;
    for (const u of ds.users) if (u.extId !== null) byExtId.set(u.extId, u);
    for (const u of ds.users) for (const d of u.devices) allDevices.push({ device: d, user: u });
  };
  reindex();
  let byExtIdResults: Map<string, Map<string, NetmeraPushResult[]>> | undefined;
  const resultsByExtId = () => {
    if (byExtIdResults) return byExtIdResults;
    const index = new Map<string, Map<string, NetmeraPushResult[]>>();
    for (const [key, rows] of Object.entries(ds.pushResults)) {
      for (const row of rows) {
        if (row.extId === null) continue;
        let perUser = index.get(row.extId);
        if (!perUser) index.set(row.extId, (perUser = new Map()));
        let list = perUser.get(key);
        if (!list) perUser.set(key, (list = []));
        list.push(row);
      }
    }
    return (byExtIdResults = index);
  };
  const burstAs = opts.burstAs ?? 'both';
  let bursts = 0;
  let inBurst = false;

  const originOf = (req: SimRequest) => `http://${String(req.headers.host ?? `127.0.0.1:${port}`)}`;
  const endOfPages = (): { nextPage?: null } => (r.lastPage === 'null' ? { nextPage: null } : {});
  const findSegment = (q: URLSearchParams): NetmeraSegment => {
    required(q, 'id');
    const id = intParam(q, 'id', undefined)!;
    const seg = ds.segments.find((s) => s.id === id);
    if (!seg) throw new NetmeraError(appError('segmentNotFound'));
    return seg;
  };
  const membersOf = (seg: NetmeraSegment, os: NetmeraOs | null): NetmeraUser[] => {
    const e = epoch();
    return ds.users.filter((u) => memberAt(ds.seed, seg, u, ds.now, e, driftRate) && (os === null || r.osScope === 'ignore' || hasInstalledOs(u, os)));
  };
  const userOf = (id: string): NetmeraUser => {
    const u = byExtId.get(id);
    if (!u) throw new NetmeraError(appError('extIdNotFound'));
    return u;
  };
  const sealed = (op: string, q: URLSearchParams, filters: readonly string[]) => {
    const offset = q.get('offset');
    const own: Record<string, string> = {};
    for (const f of filters) {
      const v = q.get(f);
      if (v !== null) own[f] = v;
    }
    if (offset === null) return { q: own, pos: 0 };
    const state = decodeOffset(offset, tokenKey);
    // A token from another query, or filters changed on the way, is not this query's next page.
    if (!state || state.op !== op || Object.entries(own).some(([k, v]) => state.q[k] !== v)) throw new NetmeraError(plainText(400, 'Invalid offset'));
    return { q: state.q, pos: state.pos };
  };

  const ops: Record<Operation, (req: SimRequest, os: NetmeraOs | null) => SimResponse> = {
    // GET getSegments (+X-netmera-os) → {"list":[{id,name,userCount,type}]} [C]; only ready segments, newest first (guide).
    getSegments: (_req, os) => {
      const list = ds.segments
        .filter((s) => s.status === 'READY')
        .sort((a, b) => b.createdAt - a.createdAt)
        .map((s) => ({
          id: s.id, name: s.name,
          userCount: r.connectorSegments === 'guide' && s.type === 'CONNECTORS_SEGMENT' ? null : membersOf(s, os).length,
          type: s.type,
        }));
      return { status: 200, body: { list } };
    },
    // GET getSegmentUsers?id= (+X-netmera-os) → {"name","list":[{externalId,msisdn,email}]} [C].
    getSegmentUsers: (req, os) => {
      const q = req.query;
      const paged = r.segmentUsersPaging === 'paged';
      const at = paged ? sealed('getSegmentUsers', q, ['id']) : { q: {}, pos: 0 };
      const seg = paged && at.q.id !== undefined ? findSegment(new URLSearchParams({ id: at.q.id })) : findSegment(q);
      if (r.connectorSegments === 'guide' && seg.type === 'CONNECTORS_SEGMENT') throw new NetmeraError(appError('unexpected'));
      const rows = membersOf(seg, os).map((u) => compact({ externalId: u.extId, msisdn: u.profile.msisdn, email: u.profile.email }));
      if (!paged) return { status: 200, body: { name: seg.name, list: rows } };
      // Guide: at least and by default 100 per page, at most 1000.
      const max = Math.max(100, intParam(q, 'max', 100, [1, 1000])!);
      const page = rows.slice(at.pos, at.pos + max);
      const next = at.pos + max < rows.length
        ? { nextPage: `${originOf(req)}${REST_PREFIX}/getSegmentUsers?id=${seg.id}&max=${max}&offset=${encodeURIComponent(encodeOffset({ op: 'getSegmentUsers', q: { id: String(seg.id) }, pos: at.pos + max }, tokenKey))}` }
        : endOfPages();
      return { status: 200, body: { name: seg.name, list: page, ...next } };
    },
    // GET getProfileAttributes?extId= → {"extId","profile":{...}} [C].
    getProfileAttributes: (req) => {
      const extId = required(req.query, 'extId');
      return { status: 200, body: { extId, profile: userOf(extId).profile } };
    },
    // GET getDevices?extId=&pushPermitted= → {"extId","devices":[...]} [C]; unknown users get an empty list and uninstalled devices never show (guide).
    getDevices: (req) => {
      const extId = required(req.query, 'extId');
      const pp = req.query.get('pushPermitted');
      if (pp !== null && pp !== '' && pp !== 'true' && pp !== 'false') badConversion('pushPermitted', pp, 'boolean');
      const devices = (byExtId.get(extId)?.devices ?? [])
        .filter((d) => !d.uninstalled && (pp !== 'true' || d.pushPermitted))
        .map((d) => compact({
          platform: d.platform, token: d.token, deviceModel: d.deviceModel, pushPermitted: d.pushPermitted,
          installationId: r.devicesInstallationId ? d.installationId : undefined,
        }));
      return { status: 200, body: { extId, devices } };
    },
    // GET getDeviceTokens?max=&offset= → {"nextPage":"<absolute url>","total":N,"devices":[...]} [C]; every installation (guide).
    getDeviceTokens: (req) => {
      const max = intParam(req.query, 'max', 10, [1, 1000])!;
      const offset = intParam(req.query, 'offset', 0, [0, Number.MAX_SAFE_INTEGER])!;
      const devices = allDevices.slice(offset, offset + max).map(({ device: d, user: u }) =>
        r.deviceTokensShape === 'guide'
          ? compact({ installationId: d.installationId, platform: d.platform, extId: u.extId, deviceToken: d.token })
          : compact({ platform: d.platform, token: d.token, deviceModel: d.deviceModel, pushPermitted: d.pushPermitted, installationId: d.installationId }),
      );
      const total = r.deviceTokensTotal === 'estimate' ? estimate(allDevices.length) : allDevices.length;
      const next = offset + max < allDevices.length ? { nextPage: `${originOf(req)}${REST_PREFIX}/getDeviceTokens?offset=${offset + max}&max=${max}` } : endOfPages();
      return { status: 200, body: { ...next, total, devices } };
    },
    // GET getCategoryPreferences?externalId= → {"categoryPreferences":{...}} [C] (note: externalId, not extId).
    getCategoryPreferences: (req) => {
      const id = required(req.query, 'externalId');
      return { status: 200, body: { categoryPreferences: userOf(id).categoryPreferences } };
    },
    // GET getPushStats?notificationKey= → one message; ?start=&end= (epoch ms) → {"messages":[...]} [C].
    getPushStats: (req) => {
      const q = req.query;
      const view = (c: (typeof ds.campaigns)[number]) =>
        compact({ notificationKey: c.notificationKey, status: c.status, startDate: c.startDate, endDate: c.endDate, stats: statsOf(ds.pushResults[c.notificationKey] ?? []) });
      const key = q.get('notificationKey');
      if (key) {
        const c = ds.campaigns.find((x) => x.notificationKey === key);
        if (!c) throw new NetmeraError(appError('messageNotFound'));
        return { status: 200, body: view(c) };
      }
      required(q, 'start');
      required(q, 'end');
      const start = intParam(q, 'start', undefined)!;
      const end = intParam(q, 'end', undefined)!;
      return { status: 200, body: { messages: ds.campaigns.filter((c) => c.startDate >= start && c.startDate <= end).map(view) } };
    },
    // GET getPushResult?notificationKey&extId&start&end&max → {"nextPage":"...offset=<opaque>...","list":[...]} [C]; follow nextPage verbatim.
    getPushResult: (req) => {
      const q = req.query;
      const at = sealed('getPushResult', q, ['notificationKey', 'extId', 'token', 'start', 'end']);
      const f = at.q;
      if (!f.notificationKey && !f.extId && !f.token) {
        throw new NetmeraError(r.pushResultFilterError === 2009 ? appError('invalidJson', 'notificationKey, extId or token is required') : appError('missingParameter', 'notificationKey, extId or token'));
      }
      const fq = new URLSearchParams(f);
      const start = intParam(fq, 'start', Number.MIN_SAFE_INTEGER)!;
      const end = intParam(fq, 'end', Number.MAX_SAFE_INTEGER)!;
      const max = intParam(q, 'max', 100, [1, 1000])!;
      const installs = f.token ? new Set(allDevices.filter((x) => x.device.token === f.token).map((x) => x.device.installationId)) : undefined;
      const rows: NetmeraPushResult[] = [];
      for (const c of ds.campaigns) {
        if (f.notificationKey && c.notificationKey !== f.notificationKey) continue;
        // Per-user lookups are common (one call per contact): index once rather than scan every row.
        const source = f.extId ? (resultsByExtId().get(f.extId)?.get(c.notificationKey) ?? []) : (ds.pushResults[c.notificationKey] ?? []);
        for (const row of source) {
          if (installs && (row.installationId === null || !installs.has(row.installationId))) continue;
          if (row.timeStamp < start || row.timeStamp > end) continue;
          rows.push(row);
        }
      }
      const list = rows.slice(at.pos, at.pos + max).map((x) => compact({
        platform: x.platform, status: x.status, errorCode: x.errorCode, errorMsg: x.errorMsg, installationId: x.installationId, extId: x.extId,
        timeStamp: x.timeStamp, msgTitle: x.msgTitle, msgText: x.msgText,
      }));
      const next = at.pos + max < rows.length
        ? { nextPage: `${originOf(req)}${REST_PREFIX}/getPushResult?offset=${encodeURIComponent(encodeOffset({ op: 'getPushResult', q: f, pos: at.pos + max }, tokenKey))}&max=${max}` }
        : endOfPages();
      return { status: 200, body: { ...next, list } };
    },
    // GET app/profile-attributes → {standardProfileAttributes:[...], customProfileAttributes:[...]} [C, partly].
    'app/profile-attributes': () => ({ status: 200, body: { standardProfileAttributes: ds.standardAttributes, customProfileAttributes: ds.customAttributes } }),
    // GET app/events → event names and their attributes [C endpoint, A shape].
    'app/events': () => {
      const view = (e: (typeof ds.eventDefinitions)[number]) => ({ code: e.code, name: e.name, attributes: e.attributes });
      if (r.eventsShape === 'list') return { status: 200, body: { list: ds.eventDefinitions.map((e) => ({ ...view(e), custom: !e.standard })) } };
      return { status: 200, body: { standardEvents: ds.eventDefinitions.filter((e) => e.standard).map(view), customEvents: ds.eventDefinitions.filter((e) => !e.standard).map(view) } };
    },
  };

  // The router only recognises operations (and tells 404 from 405); `call` runs them.
  const router = new Router();
  for (const op of OPERATIONS) router.on('GET', `${REST_PREFIX}/${op}`, () => ({ status: 500 }));

  const call = (op: Operation, req: SimRequest, ip: string): SimResponse => {
    if (req.headers['x-netmera-api-key'] !== opts.apiKey) return appError('apiKeyInvalid');
    if (opts.allowedIps && !opts.allowedIps.includes(ip)) return appError('ipNotAllowed');
    if (opts.forbiddenOperations?.includes(op)) return appError('notAuthorised');
    const verdict = limits.take(simElapsedMs());
    if (verdict === 'rate') {
      stats.rateLimited++;
      return plainText(429, 'Too Many Requests');
    }
    if (verdict === 'quota') {
      stats.quotaExceeded++;
      return appError('quotaExceeded', undefined, r.quotaStatus);
    }
    let os: NetmeraOs | null = null;
    if (SEGMENT_OPS.has(op)) {
      const h = req.headers['x-netmera-os'];
      const v = Array.isArray(h) ? h[0] : h;
      if (v === undefined || v === '') {
        if (r.osHeader === 'required') return appError('missingParameter', 'X-netmera-os');
      } else if (v === 'IOS' || v === 'ANDROID') {
        os = v;
      } else if (r.osHeader === 'required') {
        return appError('wrongFieldType', 'X-netmera-os must be IOS or ANDROID');
      }
    }
    try {
      return ops[op](req, os);
    } catch (e) {
      if (e instanceof NetmeraError) return e.response;
      throw e;
    }
  };

  const admin = new Router()
    .on('GET', '/__sim/state', () => ({ status: 200, body: { stats: snapshotStats(), epoch: epoch(), simElapsedMs: simElapsedMs(), faults: faults.current, users: ds.users.length } }))
    .on('POST', '/__sim/faults', (req) => {
      const spec = (req.body as { spec?: unknown } | undefined)?.spec;
      if (isInvalidJson(req.body) || typeof spec !== 'string') return { status: 400, body: { error: 'body must be {"spec": "..."}' } };
      try {
        faults.update(toSpec(spec));
      } catch (e) {
        return { status: 400, body: { error: (e as Error).message } };
      }
      return { status: 200, body: { faults: faults.current } };
    })
    .on('POST', '/__sim/advance', (req) => {
      const b = (isInvalidJson(req.body) ? {} : (req.body ?? {})) as { hours?: unknown; ms?: unknown };
      const ms = typeof b.ms === 'number' ? b.ms : typeof b.hours === 'number' ? b.hours * 3_600_000 : Number.NaN;
      if (!(ms >= 0)) return { status: 400, body: { error: 'body must be {"hours": n} or {"ms": n}, n >= 0' } };
      advanced += ms;
      return { status: 200, body: { epoch: epoch(), simElapsedMs: simElapsedMs() } };
    })
    .on('POST', '/__sim/profiles', async (req) => {
      const parsed = parseSourceChanges(req.body, userChangeSchema(ds), EXT_ID);
      return parsed.ok ? { status: 200, body: await applyChanges(parsed.changes) } : parsed.response;
    });

  // Writes of the export files one after the other: a change waits for the files it changed.
  let files: NetmeraWrittenFiles | undefined;
  let writing: Promise<unknown> = Promise.resolve();
  const writeFiles = async () => {
    if (!opts.files) return;
    const { dir, ...fileOpts } = opts.files;
    const next = writing.then(() => writeNetmeraFiles(ds, dir, fileOpts));
    writing = next.catch(() => undefined);
    files = await next;
  };
  const applyChanges = async (changes: { upsert: NetmeraUserChange[]; delete: string[] }): Promise<SourceChangeResult> => {
    const result = applyUserChanges(ds, changes, ds.now + simElapsedMs());
    reindex();
    await writeFiles();
    return result;
  };

  const snapshotStats = (): NetmeraSimStats => ({ ...stats, byRoute: { ...stats.byRoute }, errors: { ...stats.errors } });
  const send = (res: ServerResponse, out: SimResponse) => {
    const code = (out.body as { code?: unknown } | undefined)?.code;
    if (typeof code === 'number') stats.errors[String(code)] = (stats.errors[String(code)] ?? 0) + 1;
    sendJson(res, out);
  };

  const dispatch = async (req: SimRequest, res: ServerResponse, socket: Socket) => {
    if (req.path.startsWith('/__sim/')) {
      const m = admin.match(req.method, req.path);
      return sendJson(res, m && 'handler' in m ? await m.handler({ ...req, params: m.params }) : { status: 404, body: { error: 'no such admin route' } });
    }
    const m = router.match(req.method, req.path);
    const op = req.path.startsWith(`${REST_PREFIX}/`) ? req.path.slice(REST_PREFIX.length + 1) : '';
    stats.calls++;
    const routeKey = m ? op : '(unknown)';
    stats.byRoute[routeKey] = (stats.byRoute[routeKey] ?? 0) + 1;

    const d = faults.decide();
    if (d.kind !== 'none') stats.faultsInjected++;
    if (d.kind !== '429') inBurst = false;
    if (d.latencyMs > 0) await sleep(d.latencyMs);
    const answer = (): SimResponse => {
      if (!m) return problem(404, 'Not Found', `No static resource ${req.path.slice(1)}.`, req.path);
      if ('methodNotAllowed' in m) return problem(405, 'Method Not Allowed', `Method '${req.method}' is not supported.`, req.path, { allow: 'GET' });
      return call(op as Operation, req, String(socket.remoteAddress ?? '').replace(/^::ffff:/, ''));
    };
    switch (d.kind) {
      case '429': {
        if (!inBurst) bursts++;
        inBurst = true;
        const asQuota = burstAs === '5022' || (burstAs === 'both' && bursts % 2 === 0);
        return send(res, asQuota ? appError('quotaExceeded', undefined, r.quotaStatus) : plainText(429, 'Too Many Requests'));
      }
      case '5xx':
        if (d.status === 500) return send(res, appError('internal'));
        // Gateways answer 502/503 in HTML, not in the API's shape [A].
        res.writeHead(d.status, { 'content-type': 'text/html' });
        res.end(`<html><body><h1>${d.status} ${d.status === 502 ? 'Bad Gateway' : 'Service Temporarily Unavailable'}</h1></body></html>`);
        return;
      case 'timeout':
        if (d.applyEffect) answer();
        return;
      case 'drop':
        if (d.applyEffect) answer();
        socket.destroy();
        return;
      default:
        return send(res, answer());
    }
  };

  await writeFiles();
  const server = await startServer(dispatch, opts.port ?? 0);
  const port = server.port;
  return {
    url: server.url,
    dataset: ds,
    ...(files ? { filesDir: files.dir, files } : {}),
    stop: () => server.close(),
    close: () => server.close(),
    stats: snapshotStats,
    setFaults: (spec) => faults.update(toSpec(spec)),
    advance: (ms) => {
      if (!(ms >= 0)) throw new RangeError('advance: ms must be >= 0');
      advanced += ms;
    },
    segmentEpoch: epoch,
    simElapsedMs,
    async changeUsers(changes) {
      const parsed = parseSourceChanges(changes, userChangeSchema(ds), EXT_ID);
      if (!parsed.ok) throw new Error((parsed.response.body as { error: string }).error);
      return applyChanges(parsed.changes);
    },
  };
}
