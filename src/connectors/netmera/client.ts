/**
 * Netmera REST client (reads only). Every call is `GET <base>/rest/3.0/<operation>` with the
 * app's key in `X-netmera-api-key` (added by the HTTP client's `authorize` hook, so the key
 * never passes through this file's values or messages) and, on the segment calls,
 * `X-netmera-os: IOS|ANDROID` (one HTTP client per OS; the answers are unioned by the caller).
 *
 * Netmera's application errors are `{code, error}` bodies [C]. The shared HTTP client retries by
 * status (429, 5xx) and hands back 4xx answers as typed errors carrying the vendor's text; this
 * client turns them into what a run can act on:
 * - 2010/2021/2022 (403, or 401): ConfigError naming the base URL and what to check, never the key;
 * - 5016 "external id not found": a not-found answer (the user is left out), never a failure;
 * - 5022 "quota exceeded" (any status) and 429: rate limited, retried with the shared backoff,
 *   the pacer paused and the calls in flight halved (AdaptiveGate);
 * - unknown routes (RFC 9457 problem body, 404): ConfigError on the base URL; text/plain 400s
 *   (no JSON to read): TerminalError naming the operation.
 * The same codes inside a 2xx body (a gateway that answers 200) are read exactly.
 *
 * Paging follows `nextPage` verbatim (absolute on getDeviceTokens, an opaque offset on
 * getPushResult and getSegmentUsers), but only on the configured host: a nextPage naming another
 * host is refused, since following it would send the key there.
 */
import type { Clock } from '../../core/clock.js';
import { ConfigError, RateLimitedError, TerminalError, TransientError, isMigrateError } from '../../core/errors.js';
import { backoffMs, type RetryPolicy } from '../../http/classify.js';
import type { HttpClient } from '../../http/client.js';
import type { Pacer } from '../../http/pacer.js';
import type { z } from 'zod';
import type { NetmeraOs } from './config.js';
import type { AdaptiveGate } from './pacing.js';
import {
  NmAppError, NmAttributeDef, NmAttributeDefs, NmCategoryPreferencesAnswer, NmDeviceTokensAnswer, NmDevicesAnswer, NmEventDef, NmProfileAnswer,
  NmPushResultAnswer, NmPushStatsRange, NmSegmentUsersAnswer, NmSegmentsAnswer, type NmDevice, type NmSegment, type NmSegmentMember,
} from './types.js';

/** The RPC prefix every operation lives under [C]. */
export const REST_PREFIX = '/rest/3.0';
/** At most this many extIds or device tokens in one request [C]. */
export const MAX_IDS_PER_REQUEST = 1000;

/** `ids` in runs of at most `size` (the API's per-request limit by default). */
export function chunkIds<T>(ids: readonly T[], size = MAX_IDS_PER_REQUEST): T[][] {
  if (!(size >= 1)) throw new RangeError('chunk size must be at least 1');
  const out: T[][] = [];
  for (let i = 0; i < ids.length; i += size) out.push(ids.slice(i, i + size));
  return out;
}

/**
 * The configured base URL split into what the HTTP clients need: the origin plus any path
 * prefix of a dedicated host, without `/rest/3.0` (accepted with or without it), and the text
 * messages show (no user-info, no query).
 */
export function netmeraBase(baseUrl: string): { httpBase: string; prefix: string; display: string; hostname: string } {
  const u = new URL(baseUrl);
  let path = u.pathname.replace(/\/+$/, '');
  if (path.toLowerCase().endsWith(REST_PREFIX)) path = path.slice(0, -REST_PREFIX.length);
  return { httpBase: `${u.origin}${path}`, prefix: path, display: `${u.origin}${path}`, hostname: u.hostname.toLowerCase() };
}

/** What the client needs besides its HTTP clients. */
export interface NetmeraClientOptions {
  baseUrl: string;
  /** Without the OS header, and one per `X-netmera-os` value. */
  http: { plain: HttpClient; os: Record<NetmeraOs, HttpClient> };
  gate: AdaptiveGate;
  pacer?: Pacer;
  /** The effective retry policy (5022 answers are retried with it). */
  retry: RetryPolicy;
  clock: Clock;
  rand?: () => number;
}

/** A page of a paged call and the nextPage to follow (a path under the base), null at the end. */
export interface NmPage<T> {
  rows: T[];
  next: string | null;
}

/** Marks a "not found" answer (5016) in `send`. */
const NOT_FOUND = Symbol('not found');

type Outcome = 'quota' | 'notFound';

/** Vendor text that names the quota (5022) or a rate limit. */
const QUOTA_TEXT = /quota|rate.?limit|too many requests|\b5022\b/i;
/** Vendor text that says the external id is unknown (5016), in English or Turkish. */
const NOT_FOUND_TEXT = /not\s*found|bulunamad|does\s*not\s*exist|\b5016\b/i;

/** Typed reads of the Netmera REST API used by the source connector. */
export class NetmeraClient {
  private readonly base: ReturnType<typeof netmeraBase>;

  constructor(private readonly o: NetmeraClientOptions) {
    this.base = netmeraBase(o.baseUrl);
  }

  /** The base URL as messages show it. */
  get display(): string {
    return this.base.display;
  }

  /** GET app/profile-attributes: proves the key works (a cheap call without the OS header). */
  async checkConnection(): Promise<void> {
    try {
      await this.send('app/profile-attributes', this.o.http.plain, `${REST_PREFIX}/app/profile-attributes`, undefined, { maxAttempts: 2 });
    } catch (e) {
      if (e instanceof TransientError && e.http?.status === undefined && !e.ambiguous) {
        throw new ConfigError(`cannot reach Netmera at ${this.display}: ${e.message} — check source.baseUrl (scheme, host and port) and the network`, { cause: e });
      }
      throw e;
    }
  }

  /** GET app/profile-attributes — standard and custom definitions together; entries without a code are skipped. */
  async profileAttributeDefs(): Promise<NmAttributeDef[]> {
    const body = this.parse('app/profile-attributes', NmAttributeDefs, await this.get('app/profile-attributes'));
    return [...(body.standardProfileAttributes ?? []), ...(body.customProfileAttributes ?? [])].flatMap((d) => {
      const p = NmAttributeDef.safeParse(d);
      return p.success ? [p.data] : [];
    });
  }

  /**
   * GET app/events — event definitions [A shape: `{standardEvents, customEvents}` (developer
   * guide), or a list, bare or under `list`/`events`]; each tagged standard or custom when the
   * shape says.
   */
  async eventDefs(): Promise<Array<NmEventDef & { standard: boolean | null }>> {
    const body = await this.get('app/events');
    const o = body as Record<string, unknown> | null;
    const groups: Array<[unknown, boolean | null]> = Array.isArray(o?.standardEvents) || Array.isArray(o?.customEvents)
      ? [[o?.standardEvents, true], [o?.customEvents, false]]
      : [[Array.isArray(body) ? body : Array.isArray(o?.list) ? o.list : Array.isArray(o?.events) ? o.events : [], null]];
    return groups.flatMap(([list, standard]) =>
      (Array.isArray(list) ? list : []).flatMap((d) => {
        const p = NmEventDef.safeParse(d);
        if (!p.success || !(p.data.code || p.data.name)) return [];
        const custom = (d as { custom?: unknown }).custom;
        return [{ ...p.data, standard: standard ?? (typeof custom === 'boolean' ? !custom : null) }];
      }),
    );
  }

  /**
   * GET getProfileAttributes?extId= — the answer as sent (the mapper reads it leniently), or
   * null when Netmera no longer knows the user (5016).
   */
  async profile(extId: string): Promise<Record<string, unknown> | null> {
    const body = await this.get('getProfileAttributes', { extId }, true);
    if (body === NOT_FOUND) return null;
    this.parse('getProfileAttributes', NmProfileAnswer, body);
    return body as Record<string, unknown>;
  }

  /** GET getDevices?extId=&pushPermitted=false — every installed device of the user (none when unknown). */
  async devices(extId: string): Promise<NmDevice[]> {
    const body = await this.get('getDevices', { extId, pushPermitted: 'false' }, true);
    if (body === NOT_FOUND) return [];
    const a = this.parse('getDevices', NmDevicesAnswer, body);
    return a.devices ?? a.list ?? [];
  }

  /** GET getCategoryPreferences?externalId= — the user's purpose categories, null when unknown (5016). */
  async categoryPreferences(extId: string): Promise<Record<string, unknown> | unknown[] | null> {
    const body = await this.get('getCategoryPreferences', { externalId: extId }, true);
    if (body === NOT_FOUND) return null;
    return this.parse('getCategoryPreferences', NmCategoryPreferencesAnswer, body).categoryPreferences ?? {};
  }

  /** GET getSegments with `X-netmera-os` — the segments as that OS's header lists them. */
  async segments(os: NetmeraOs): Promise<NmSegment[]> {
    const body = await this.send('getSegments', this.o.http.os[os], `${REST_PREFIX}/getSegments`);
    const a = this.parse('getSegments', NmSegmentsAnswer, body);
    return a.list ?? a.segments ?? [];
  }

  /**
   * GET getSegmentUsers?id=&max= with `X-netmera-os`, page by page: the whole list in one answer
   * in the notes, paged with nextPage in the live docs — a nextPage is followed when there.
   * An unknown segment (5042) is a ConfigError naming it.
   */
  async *segmentUserPages(segment: { id: string; name: string }, os: NetmeraOs, max: number): AsyncGenerator<NmPage<NmSegmentMember>> {
    let path: string | null = `${REST_PREFIX}/getSegmentUsers?${new URLSearchParams({ id: segment.id, max: String(max) })}`;
    const seen = new Set<string>();
    while (path !== null) {
      const body = await this.send('getSegmentUsers', this.o.http.os[os], path, undefined, { allowNotFound: true });
      if (body === NOT_FOUND) throw new ConfigError(`Netmera at ${this.display} has no segment ${segment.id} ("${segment.name}") any more (getSegmentUsers: not found): check source.segments`);
      const a = this.parse('getSegmentUsers', NmSegmentUsersAnswer, body);
      const rows = a.list ?? [];
      const next = this.nextOf('getSegmentUsers', a.nextPage, rows.length, seen);
      yield { rows, next };
      path = next;
    }
  }

  /**
   * GET getDeviceTokens?max= then each nextPage (absolute URL [C]), from `from` (a nextPage path
   * kept in a checkpoint) when given. Entries have no guaranteed order and `total` is an estimate.
   */
  async *deviceTokenPages(max: number, from: string | null = null): AsyncGenerator<NmPage<NmDevice>> {
    let path: string | null = from ?? `${REST_PREFIX}/getDeviceTokens?${new URLSearchParams({ max: String(max) })}`;
    const seen = new Set<string>();
    while (path !== null) {
      const a = this.parse('getDeviceTokens', NmDeviceTokensAnswer, await this.send('getDeviceTokens', this.o.http.plain, path));
      const rows = a.devices ?? a.list ?? [];
      const next = this.nextOf('getDeviceTokens', a.nextPage, rows.length, seen);
      yield { rows, next };
      path = next;
    }
  }

  /** GET getPushStats?start=&end= (epoch ms) — every push of the range, rows as sent. */
  async pushStatsBetween(startMs: number, endMs: number): Promise<unknown[]> {
    const a = this.parse('getPushStats', NmPushStatsRange, await this.get('getPushStats', { start: String(startMs), end: String(endMs) }));
    return a.messages ?? a.list ?? [];
  }

  /** GET getPushStats?notificationKey= — one push, as sent. */
  async pushStats(notificationKey: string): Promise<unknown> {
    return this.get('getPushStats', { notificationKey });
  }

  /**
   * GET getPushResult?notificationKey=&start=&end=&max=, then each nextPage (opaque offset [C]),
   * from `from` (a nextPage path kept in a checkpoint) when given. Rows as sent.
   */
  async *pushResultPages(notificationKey: string, startMs: number, endMs: number, max: number, from: string | null = null): AsyncGenerator<NmPage<unknown>> {
    let path: string | null =
      from ?? `${REST_PREFIX}/getPushResult?${new URLSearchParams({ notificationKey, start: String(startMs), end: String(endMs), max: String(max) })}`;
    const seen = new Set<string>();
    while (path !== null) {
      const a = this.parse('getPushResult', NmPushResultAnswer, await this.send('getPushResult', this.o.http.plain, path));
      const rows = a.list ?? [];
      const next = this.nextOf('getPushResult', a.nextPage, rows.length, seen);
      yield { rows, next };
      path = next;
    }
  }

  /**
   * A nextPage as a path under the configured base (query verbatim), or null at the end (none,
   * or an empty page). Refused when it names another host (the key would go with the request)
   * or leaves the API's path; a nextPage seen before in this listing ends it (a loop).
   */
  resolveNextPage(op: string, nextPage: string): string {
    let u: URL;
    try {
      u = new URL(nextPage, `${this.base.httpBase}${REST_PREFIX}/${op}`);
    } catch {
      throw new TerminalError(`Netmera ${op}: nextPage is not a URL`);
    }
    if (u.hostname.toLowerCase() !== this.base.hostname) {
      throw new TerminalError(
        `Netmera ${op}: refused to follow nextPage to another host (${u.hostname}, not ${this.base.hostname}): the API key would be sent there. ` +
          'If Netmera serves this app from that host, set source.baseUrl to it',
      );
    }
    if (!u.pathname.startsWith(`${this.base.prefix}${REST_PREFIX}/`)) {
      throw new TerminalError(`Netmera ${op}: refused to follow nextPage outside ${this.base.prefix}${REST_PREFIX}/ (${u.pathname})`);
    }
    return u.pathname.slice(this.base.prefix.length) + u.search;
  }

  private nextOf(op: string, nextPage: string | null | undefined, rows: number, seen: Set<string>): string | null {
    if (!nextPage || nextPage.trim() === '' || rows === 0) return null;
    const path = this.resolveNextPage(op, nextPage.trim());
    if (seen.has(path)) return null;
    seen.add(path);
    return path;
  }

  private async get(op: string, query?: Record<string, string>, allowNotFound = false): Promise<unknown> {
    return this.send(op, this.o.http.plain, `${REST_PREFIX}/${op}`, query, { allowNotFound });
  }

  /**
   * One logical call: through the adaptive gate, retried on quota answers with the shared
   * backoff (429s are already retried by the HTTP client), vendor errors mapped (see module doc).
   */
  private async send(
    op: string,
    http: HttpClient,
    path: string,
    query?: Record<string, string>,
    opts: { allowNotFound?: boolean; maxAttempts?: number } = {},
  ): Promise<unknown> {
    const policy = { ...this.o.retry, ...(opts.maxAttempts !== undefined ? { maxAttempts: opts.maxAttempts } : {}) };
    for (let attempt = 1; ; attempt++) {
      let outcome: Outcome | null = null;
      let body: unknown;
      try {
        const res = await this.o.gate.run(() =>
          http.request({ method: 'GET', path, label: op, ...(query ? { query } : {}), ...(opts.maxAttempts !== undefined ? { maxAttempts: opts.maxAttempts } : {}) }),
        );
        body = res.body;
        const app = NmAppError.safeParse(body);
        if (app.success && typeof (body as { error?: unknown }).error === 'string') outcome = this.appOutcome(op, app.data);
      } catch (e) {
        outcome = this.failureOutcome(op, e);
      }
      if (outcome === null) return body;
      if (outcome === 'notFound') {
        if (opts.allowNotFound) return NOT_FOUND;
        throw new TerminalError(`Netmera ${op}: not found (5016/5042)`, { http: { method: 'GET', path: path.split('?')[0]!, status: 400 } });
      }
      // Quota exceeded: every caller holds off, fewer calls go out at once, then this one tries again.
      this.o.gate.slowDown();
      if (attempt >= Math.max(1, policy.maxAttempts)) {
        throw new RateLimitedError(`Netmera ${op}: quota exceeded (5022) after ${attempt} attempt(s); lower source.pacing.requestsPerSecond or try again later`);
      }
      const wait = backoffMs(attempt, policy, this.o.rand);
      this.o.pacer?.pause(wait);
      await this.o.clock.sleep(wait);
    }
  }

  /** An app error in a 2xx body, by its code. */
  private appOutcome(op: string, err: NmAppError): Outcome {
    const text = (err.error ?? err.message ?? '').trim();
    switch (err.code) {
      case 5022: return 'quota';
      case 5016: case 5042: return 'notFound';
      case 2010: case 2021: case 2022: throw this.refused(op, err.code === 2010 ? 'key' : err.code === 2021 ? 'ip' : 'action', text);
      case 2001: throw new TransientError(`Netmera ${op}: internal error (2001)${text ? `: ${text}` : ''}`);
      default: throw new TerminalError(`Netmera ${op}: error ${err.code}${text ? `: ${text}` : ''}`, { details: text ? [text] : [] });
    }
  }

  /** A thrown HTTP failure → an outcome to act on, or the error to throw (mapped). */
  private failureOutcome(op: string, e: unknown): Outcome {
    if (!isMigrateError(e) || e instanceof RateLimitedError) throw e;
    const status = e.http?.status;
    const text = messageOf(e);
    // 5022 has no documented status: a quota text on any 4xx is rate limiting, not a refusal.
    if (status !== undefined && status >= 400 && status < 500 && QUOTA_TEXT.test(text)) return 'quota';
    if (status === 401 || status === 403) throw this.refused(op, /\bip\b/i.test(text) ? 'ip' : /authori[sz]ed|permission|not allowed/i.test(text) ? 'action' : 'key', text, e);
    if (status === 400 && NOT_FOUND_TEXT.test(text)) return 'notFound';
    if (status === 404) {
      throw new ConfigError(`Netmera at ${this.display} does not know ${REST_PREFIX}/${op} (HTTP 404): check source.baseUrl (e.g. https://restapi.netmera.com)`, { cause: e });
    }
    if (status === 400) throw new TerminalError(`Netmera ${op} refused the request (HTTP 400${text ? `: ${text}` : ', no JSON error body'})`, { cause: e, ...(e.http ? { http: e.http } : {}) });
    throw e;
  }

  private refused(op: string, why: 'key' | 'ip' | 'action', text: string, cause?: unknown): ConfigError {
    const hint =
      why === 'ip'
        ? "this machine's IP address is not on the key's allow-list (2021): add it in the Netmera panel"
        : why === 'action'
          ? `the key may not call ${op} (2022): give it the permission in the Netmera panel`
          : 'the API key is invalid (2010), or the IP allow-list (2021) or the key\'s permissions (2022) refuse it: check source.apiKey';
    return new ConfigError(`Netmera at ${this.display} refused the request: ${hint}${text ? ` (Netmera said: ${text})` : ''}`, cause === undefined ? undefined : { cause });
  }

  private parse<S extends z.ZodType>(op: string, schema: S, body: unknown): z.output<S> {
    const p = schema.safeParse(body);
    if (!p.success) {
      const issue = p.error.issues[0];
      const at = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
      throw new TerminalError(`Netmera ${op}: unexpected answer${at} (${issue?.message ?? 'invalid'})`);
    }
    return p.data;
  }
}

/** The vendor's text of a wrapped HTTP error (already scrubbed of secrets); '' when the body had none (text/plain, HTML). */
function messageOf(e: unknown): string {
  return e instanceof TerminalError ? e.details.join('; ') : '';
}
