/**
 * The one HTTP client every connector uses: undici keep-alive pool per origin, JSON in
 * and out, a pacer in front of every attempt, `classify` deciding retries, and vendor
 * errors wrapped into the core error set with method, path, status and a short vendor
 * message — never headers, tokens, query strings or request bodies.
 */
import { Pool } from 'undici';
import { performance } from 'node:perf_hooks';
import { systemClock, type Clock } from '../core/clock.js';
import { ConfigError, RateLimitedError, TerminalError, TransientError, type HttpContext } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { scrub } from '../core/secrets.js';
import { classify, isNotSentCode, isRetryableStatus, type Failure, type RetryDecision, type RetryPolicy } from './classify.js';
import type { Pacer } from './pacer.js';

/** Client settings; a connector builds one per destination account or source app. */
export interface HttpClientOptions {
  /** Origin plus optional path prefix, e.g. https://acme.myfreshworks.com/crm/sales/api */
  baseUrl: string;
  /** Adds auth headers to each attempt; their values are never logged and are scrubbed from errors. */
  authorize?: (headers: Record<string, string>) => void;
  /** Whole attempt (connect, headers, body) is aborted after this. Default 30000. */
  timeoutMs?: number;
  /** Overrides of DEFAULT_RETRY_POLICY. */
  retry?: Partial<RetryPolicy>;
  /** Every attempt, retries included, acquires from it first. */
  pacer?: Pacer;
  /** Sleeps between attempts. Default systemClock. */
  clock?: Clock;
  /** Debug line per attempt (method, path, status, attempt, duration): no headers, no bodies. */
  logger?: Logger;
  /** Keep-alive connections to the origin. Default 4. */
  connections?: number;
  /** Called after every attempt, e.g. to journal API usage. */
  onCall?: (e: CallEvent) => void;
  /** For Xtremepush: the token goes in the JSON body; this adds it to POST/PUT/PATCH bodies. */
  decorateBody?: (body: unknown) => unknown;
  /** Values scrubbed from any error text (tokens, keys). */
  secrets?: string[];
  /** Randomness for backoff jitter (tests). Default Math.random. */
  rand?: () => number;
  /**
   * Called once per attempt still unanswered after `slowAfterMs` (default 5000), so a hanging
   * server is reported within seconds instead of at the timeout.
   */
  onSlow?: (e: { method: string; path: string; waitedMs: number; timeoutMs: number; attempt: number }) => void;
  slowAfterMs?: number;
}

/** One logical request; the client may make several attempts. */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  /** Path under baseUrl, starting with '/'. */
  path: string;
  /** Fewer attempts than the client's policy (e.g. a connection check that should fail fast). */
  maxAttempts?: number;
  /** Undefined values are dropped. Never appears in errors or logs. */
  query?: Record<string, string | number | undefined>;
  /** Sent as JSON. */
  body?: unknown;
  /**
   * Not idempotent (e.g. create a task): never retried when the server may have applied
   * it; the error is then a TransientError with `ambiguous: true`. Default false — an
   * upsert or search POST is safe to repeat.
   */
  unsafe?: boolean;
  /** Aborts waiting and the in-flight attempt; the abort reason is rethrown as is. */
  signal?: AbortSignal;
  /** Name of the logical call for events and logs, e.g. 'contacts.upsert'. */
  label?: string;
}

/** A 2xx answer. `body` is parsed JSON, or the text when it is not JSON, or undefined when empty. */
export interface HttpResponse<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
  /** Attempts it took, 1 when the first succeeded. */
  attempts: number;
}

/** What happened on one attempt (every attempt counts against the destination budget). */
export interface CallEvent {
  method: string;
  /** Without query string. */
  path: string;
  label?: string;
  status?: number;
  attempt: number;
  durationMs: number;
  rateLimited: boolean;
  /** The limit the server announced in `X-RateLimit-Limit`, when it sent one. */
  rateLimitLimit?: number;
  /** Short, scrubbed failure description when the attempt did not return 2xx. */
  error?: string;
}

/** Counters since construction. */
export interface HttpClientStats {
  /** Attempts sent, retries included. */
  calls: number;
  /** Attempts answered 429. */
  rateLimited: number;
  /** Attempts that were retries. */
  retries: number;
}

/** Retry settings used where a connector does not override them. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 1000,
  maxDelayMs: 60_000,
  jitter: 0.3,
};

const NETWORK_CODE_TEXT: Record<string, string> = {
  ECONNRESET: 'connection reset',
  ECONNREFUSED: 'connection refused',
  UND_ERR_SOCKET: 'connection closed by the server',
  EPIPE: 'connection broken',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
};

/** Undici errors that are a connection problem rather than a bug in how we called it. */
const UNDICI_NETWORK_CODES = new Set(['UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH']);

const MAX_VENDOR_MESSAGE = 200;
const MAX_DETAILS = 20;

/** Pooled, paced, retrying JSON client for one origin. */
export class HttpClient {
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly timeoutMs: number;
  private readonly policy: RetryPolicy;
  private readonly clock: Clock;
  private readonly rand: () => number;
  private readonly secrets: string[];
  private readonly counters: HttpClientStats = { calls: 0, rateLimited: 0, retries: 0 };

  constructor(private readonly opts: HttpClientOptions) {
    let url: URL;
    try {
      url = new URL(opts.baseUrl);
    } catch (e) {
      throw new ConfigError('baseUrl is not a valid URL', { cause: e });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`baseUrl must be http or https (got ${url.protocol})`);
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.policy = { ...DEFAULT_RETRY_POLICY, ...opts.retry };
    this.clock = opts.clock ?? systemClock;
    this.rand = opts.rand ?? Math.random;
    this.secrets = [...(opts.secrets ?? [])];
    // One keep-alive pool per origin; undici's own timeouts are a second line behind the
    // per-attempt abort below.
    this.pool = new Pool(url.origin, {
      connections: opts.connections ?? 4,
      connect: { timeout: Math.min(this.timeoutMs, 10_000) },
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      keepAliveTimeout: 4_000,
    });
  }

  /** Counters since construction. */
  stats(): HttpClientStats {
    return { ...this.counters };
  }

  /** Close the pool, letting in-flight requests finish. */
  async close(): Promise<void> {
    await this.pool.close();
  }

  /**
   * Send a request, retrying as `classify` decides. Resolves on 2xx; otherwise throws
   * RateLimitedError (429 exhausted), TransientError (network, timeout or 5xx exhausted,
   * or an ambiguous unsafe failure with `ambiguous: true`) or TerminalError (other
   * statuses, with the vendor's messages in `details`).
   */
  async request<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>> {
    const fullPath = this.basePath + req.path;
    const policy: RetryPolicy = { ...this.policy, unsafe: req.unsafe ?? this.policy.unsafe ?? false, ...(req.maxAttempts !== undefined ? { maxAttempts: req.maxAttempts } : {}) };
    const bodyText = this.encodeBody(req);
    const target = fullPath + queryString(req.query);

    for (let attempt = 1; ; attempt++) {
      // Every attempt counts against the destination's budget, retries included.
      await this.opts.pacer?.acquire(req.signal);
      if (attempt > 1) this.counters.retries++;
      this.counters.calls++;

      const started = performance.now();
      const slowAfter = this.opts.slowAfterMs ?? 5_000;
      const slow = this.opts.onSlow
        ? setTimeout(() => this.opts.onSlow?.({ method: req.method, path: fullPath, waitedMs: slowAfter, timeoutMs: this.timeoutMs, attempt }), slowAfter)
        : undefined;
      slow?.unref();
      const outcome = await this.attempt(req, target, bodyText).finally(() => clearTimeout(slow));
      const durationMs = performance.now() - started;

      if (outcome.ok) {
        this.emit(req, fullPath, attempt, durationMs, outcome.status, undefined, outcome.headers);
        return { status: outcome.status, headers: outcome.headers, body: outcome.body as T, attempts: attempt };
      }

      const failure = outcome.failure;
      const rateLimited = failure.kind === 'http' && failure.status === 429;
      if (rateLimited) this.counters.rateLimited++;
      const decision = classify(failure, attempt, policy, this.rand, this.clock.now());
      this.emit(req, fullPath, attempt, durationMs, failure.kind === 'http' ? failure.status : undefined, this.safe(decision.reason), failure.kind === 'http' ? failure.headers : undefined);

      if (!decision.retry) throw this.toError(req.method, fullPath, failure, decision, attempt, outcome.cause);

      // The budget is shared with other integrations: after a 429 every caller holds off.
      if (rateLimited) this.opts.pacer?.pause(decision.waitMs);
      await this.clock.sleep(decision.waitMs, req.signal);
    }
  }

  private encodeBody(req: HttpRequest): string | undefined {
    const takesBody = req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH';
    let body = req.body;
    if (this.opts.decorateBody && (takesBody || body !== undefined)) body = this.opts.decorateBody(body ?? {});
    return body === undefined ? undefined : JSON.stringify(body);
  }

  /** One attempt; never throws for network trouble, only for the caller's own abort. */
  private async attempt(
    req: HttpRequest,
    target: string,
    bodyText: string | undefined,
  ): Promise<
    | { ok: true; status: number; headers: Record<string, string | string[] | undefined>; body: unknown }
    | { ok: false; failure: Failure; cause?: Error }
  > {
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'crm-migrate/0.1' };
    if (bodyText !== undefined) headers['content-type'] = 'application/json';
    this.opts.authorize?.(headers);
    this.rememberHeaderSecrets(headers);

    const timeout = new AbortController();
    // An unanswered request must not hang: abort the whole attempt, body included.
    const timer = setTimeout(() => timeout.abort(new Error('attempt timed out')), this.timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout.signal]) : timeout.signal;
    try {
      const res = await this.pool.request({ method: req.method, path: target, headers, body: bodyText, signal });
      const text = await res.body.text();
      const resHeaders = res.headers as Record<string, string | string[] | undefined>;
      if (res.statusCode >= 200 && res.statusCode < 300) {
        return { ok: true, status: res.statusCode, headers: resHeaders, body: parseBody(text) };
      }
      return { ok: false, failure: { kind: 'http', status: res.statusCode, headers: resHeaders, bodyText: text } };
    } catch (e) {
      if (req.signal?.aborted) throw req.signal.reason;
      if (timeout.signal.aborted) {
        // We cannot tell how far the request got before we gave up: assume it was sent.
        return { ok: false, failure: { kind: 'timeout', sent: true }, cause: this.sanitizedCause(e) };
      }
      const code = errorCode(e);
      if (code === 'UND_ERR_CONNECT_TIMEOUT') return { ok: false, failure: { kind: 'timeout', sent: false }, cause: this.sanitizedCause(e) };
      if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
        return { ok: false, failure: { kind: 'timeout', sent: true }, cause: this.sanitizedCause(e) };
      }
      if (code !== undefined && (/^E[A-Z0-9_]+$/.test(code) || UNDICI_NETWORK_CODES.has(code))) {
        // Only connect-phase codes prove the request never left; anything else may have.
        return { ok: false, failure: { kind: 'network', code, sent: !isNotSentCode(code) }, cause: this.sanitizedCause(e) };
      }
      // Not a network condition (bad argument, bug): retrying will not help.
      throw new TerminalError(this.safe(`${req.method} ${this.basePath + req.path} failed before a response: ${shortMessage(e)}`), {
        cause: this.sanitizedCause(e),
        http: { method: req.method, path: this.basePath + req.path },
      });
    } finally {
      clearTimeout(timer);
    }
  }

  private toError(method: string, path: string, failure: Failure, decision: RetryDecision, attempts: number, cause?: Error): Error {
    const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
    const ambiguousNote = decision.ambiguous ? '; outcome unknown, the request may have been applied — reconcile before retrying' : '';

    if (failure.kind !== 'http') {
      const what = failure.kind === 'timeout' ? `timed out${failure.sent ? '' : ' connecting'}` : `${NETWORK_CODE_TEXT[failure.code] ?? 'network error'} (${failure.code})`;
      const http: HttpContext = { method, path };
      return new TransientError(this.safe(`${method} ${path} ${what}${tries}${ambiguousNote}`), {
        http,
        ambiguous: decision.ambiguous,
        ...(cause ? { cause } : {}),
      });
    }

    const status = failure.status;
    const http: HttpContext = { method, path, status };
    const details = vendorMessages(failure.bodyText).map((m) => this.safe(m));
    const vendor = details.length > 0 ? `: ${truncate(details.join('; '), MAX_VENDOR_MESSAGE)}` : '';

    if (status === 429) {
      return new RateLimitedError(this.safe(`${method} ${path} → 429 rate limited${tries}${vendor}`), {
        http,
        ...(decision.serverHintMs !== undefined ? { waitMs: decision.serverHintMs } : {}),
      });
    }
    if (status === 401 || status === 403) {
      const refused =
        status === 401
          ? 'the credential was refused (invalid or expired API key/token)'
          : 'the credential was refused for this action (not allowed for this user or plan)';
      return new TerminalError(this.safe(`${method} ${path} → ${status}: ${refused}${vendor}`), { http, details });
    }
    if (isRetryableStatus(status)) {
      return new TransientError(this.safe(`${method} ${path} → ${status}${tries}${vendor}${ambiguousNote}`), {
        http,
        ambiguous: decision.ambiguous,
      });
    }
    return new TerminalError(this.safe(`${method} ${path} → ${status}${vendor}`), { http, details });
  }

  private emit(req: HttpRequest, path: string, attempt: number, durationMs: number, status?: number, error?: string, headers?: Record<string, string | string[] | undefined>): void {
    const raw = headers?.['x-ratelimit-limit'];
    const limit = Number(Array.isArray(raw) ? raw[0] : raw);
    const event: CallEvent = {
      method: req.method,
      path,
      attempt,
      durationMs: Math.round(durationMs),
      rateLimited: status === 429,
      ...(req.label !== undefined ? { label: req.label } : {}),
      ...(status !== undefined ? { status } : {}),
      ...(error !== undefined ? { error } : {}),
      ...(raw !== undefined && Number.isFinite(limit) && limit > 0 ? { rateLimitLimit: limit } : {}),
    };
    this.opts.logger?.debug({ http: event }, 'http attempt');
    this.opts.onCall?.(event);
  }

  /**
   * Auth header values are secrets even if the caller did not list them: remember each
   * value and its long parts ("Token token=abc…" → "abc…") for scrubbing.
   */
  private rememberHeaderSecrets(headers: Record<string, string>): void {
    for (const [name, value] of Object.entries(headers)) {
      if (name === 'accept' || name === 'user-agent' || name === 'content-type') continue;
      for (const part of [value, ...value.split(/[\s=,:;]+/)]) {
        if (part.length >= 8 && !this.secrets.includes(part)) this.secrets.push(part);
      }
    }
  }

  private safe(text: string): string {
    return scrub(text, this.secrets);
  }

  /** A stand-in for a library error: name, code and scrubbed message only, nothing else attached. */
  private sanitizedCause(e: unknown): Error {
    const out = new Error(this.safe(shortMessage(e)));
    out.name = e instanceof Error ? e.name : 'Error';
    const code = errorCode(e);
    if (code !== undefined) Object.assign(out, { code });
    return out;
  }
}

function queryString(query: HttpRequest['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.append(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function errorCode(e: unknown): string | undefined {
  // Node wraps some socket errors (AggregateError from happy eyeballs, fetch-style causes).
  for (let cur: unknown = e, depth = 0; cur && depth < 3; cur = (cur as { cause?: unknown }).cause, depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function shortMessage(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return truncate(msg, MAX_VENDOR_MESSAGE);
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/**
 * The vendor's human messages from an error body: Freshsales
 * `{"errors":{"code":400,"message":["…"]}}`, Xtremepush `{"message":"…","errors":…}`
 * (errors as a list or a field → messages map), or a plain `{"error":"…"}`. Non-JSON
 * bodies (HTML error pages) give nothing rather than markup. Exported for tests.
 */
export function vendorMessages(bodyText: string | undefined): string[] {
  if (!bodyText) return [];
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return [];
  }
  const out: string[] = [];
  const push = (v: unknown, field?: string) => {
    if (out.length >= MAX_DETAILS) return;
    if (typeof v === 'string' && v.trim()) out.push(truncate(field ? `${field}: ${v.trim()}` : v.trim(), MAX_VENDOR_MESSAGE));
    else if (Array.isArray(v)) v.forEach((x) => push(x, field));
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if ('message' in o) push(o.message, field);
      else for (const [k, x] of Object.entries(o)) if (k !== 'code') push(x, field ?? k);
    }
  };
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const o = body as Record<string, unknown>;
    push(o.message);
    push(o.errors);
    push(o.error);
  } else push(body);
  return [...new Set(out)];
}
