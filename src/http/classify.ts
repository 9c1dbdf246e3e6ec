/**
 * The retry decision, as one pure function. Every HTTP failure the client sees (a
 * network error, a timeout, a non-2xx answer) goes through `classify`, which says
 * whether to try again, how long to wait first and why. No I/O, no clock (the caller
 * passes `now` for HTTP-date hints), randomness injected.
 *
 * Decisions worth knowing:
 * - Retried: network errors, timeouts, 408, 425, 429 and 5xx except 501/505/511
 *   (those describe a permanent condition). Everything else (4xx, 3xx) is terminal.
 * - Waits are capped exponential backoff with jitter, always within [0, maxDelayMs].
 * - A server hint (Retry-After, X-RateLimit-Reset, X-RateLimit-Reset-Ms, or
 *   X-RateLimit-Remaining: 0) is never shortened: retrying earlier only burns another
 *   call of a shared budget. The wait is then in [hint, max(hint, maxDelayMs)] and
 *   may exceed maxDelayMs. A hint above `maxHintMs` (default one hour, the longest
 *   Freshsales window) is not waited for: retry is false so the caller gets a
 *   RateLimitedError carrying the wait and can checkpoint instead of blocking.
 * - Unsafe (non-idempotent) requests are not retried when the server may have applied
 *   them: timeout or dropped connection after sending, and any 5xx other than 503
 *   (500 may be half-applied; 502/504 mean a proxy forwarded the request and lost the
 *   answer, so the origin may have acted). 503, 408, 425, 429 and connection-phase
 *   errors (refused, DNS, connect timeout) mean it was not processed, so they retry.
 */

/** What went wrong with one attempt. `sent`: the request may have left this process. */
export type Failure =
  | { kind: 'network'; code: string; sent: boolean }
  | { kind: 'timeout'; sent: boolean }
  | { kind: 'http'; status: number; headers: Record<string, string | string[] | undefined>; bodyText?: string };

/** Retry settings; declared per connector, never hard-coded in a sleep loop. */
export interface RetryPolicy {
  /** Total attempts including the first (1 = never retry). */
  maxAttempts: number;
  /** Backoff before the second attempt; doubles each attempt. */
  baseDelayMs: number;
  /** Cap on computed backoff (a server hint may ask for more, see module doc). */
  maxDelayMs: number;
  /** 0..1: fraction of each backoff that is randomised (0 = deterministic). */
  jitter: number;
  /** The request is not idempotent: never retry when it may have been applied. */
  unsafe?: boolean;
  /** Longest server-requested wait to honour in-process; longer → give up. Default 1 h. */
  maxHintMs?: number;
}

/** The outcome of `classify`. */
export interface RetryDecision {
  retry: boolean;
  /** How long to wait before the next attempt (0 when not retrying). */
  waitMs: number;
  /** One line for logs and error messages: what happened and what was decided. */
  reason: string;
  /** An unsafe request may have been applied; the caller must reconcile. */
  ambiguous: boolean;
  /** The server's own wait hint in ms, when it gave one. */
  serverHintMs?: number;
}

/** Default for `RetryPolicy.maxHintMs`. */
export const DEFAULT_MAX_HINT_MS = 3_600_000;

/** Network error codes raised before the request could leave: always safe to retry. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** 5xx that describe a permanent condition of the server, not a passing fault. */
const PERMANENT_5XX = new Set([501, 505, 511]);

/** Statuses that mean "not processed, come back later". */
const NOT_PROCESSED_STATUSES = new Set([408, 425, 429, 503]);

/** Whether an HTTP status is worth retrying at all (ignoring idempotency). */
export function isRetryableStatus(status: number): boolean {
  if (NOT_PROCESSED_STATUSES.has(status)) return true;
  return status >= 500 && status <= 599 && !PERMANENT_5XX.has(status);
}

/** Whether a network error code means the request never reached the server. */
export function isNotSentCode(code: string): boolean {
  return NOT_SENT_CODES.has(code);
}

/**
 * Decide whether to retry after attempt number `attempt` (1-based) failed.
 * `rand` returns [0, 1) (inject for tests); `now` (epoch ms) resolves HTTP-date hints
 * when the response carries no `Date` header to measure against.
 */
export function classify(
  failure: Failure,
  attempt: number,
  policy: RetryPolicy,
  rand: () => number = Math.random,
  now?: number,
): RetryDecision {
  const what = describe(failure);

  if (failure.kind === 'http' && !isRetryableStatus(failure.status)) {
    return { retry: false, waitMs: 0, ambiguous: false, reason: `${what}: not retryable` };
  }

  if (policy.unsafe && mayHaveBeenApplied(failure)) {
    return {
      retry: false,
      waitMs: 0,
      ambiguous: true,
      reason: `${what}: ambiguous, the unsafe request may have been applied; not retrying (reconcile first)`,
    };
  }

  const hint = failure.kind === 'http' ? serverHintMs(failure.headers, policy, now) : undefined;
  const hintPart = hint !== undefined ? { serverHintMs: hint } : {};
  const maxAttempts = Math.max(1, Math.floor(policy.maxAttempts));
  if (attempt >= maxAttempts) {
    return { retry: false, waitMs: 0, ambiguous: false, reason: `${what}: gave up after ${attempt} attempt(s)`, ...hintPart };
  }

  if (hint !== undefined) {
    const maxHint = policy.maxHintMs ?? DEFAULT_MAX_HINT_MS;
    if (hint > maxHint) {
      return {
        retry: false,
        waitMs: 0,
        ambiguous: false,
        reason: `${what}: server asks to wait ${hint} ms, more than the ${maxHint} ms allowed in-process`,
        ...hintPart,
      };
    }
    // Spread waiters a little after the hint, never before it, never past the cap
    // unless the hint itself is past it.
    const extra = Math.floor(clamp01(rand()) * clamp01(policy.jitter) * Math.max(0, policy.baseDelayMs));
    const waitMs = Math.max(hint, Math.min(hint + extra, Math.max(0, policy.maxDelayMs)));
    return { retry: true, waitMs, ambiguous: false, reason: `${what}: server asks to wait ${hint} ms; retry ${attempt + 1}/${maxAttempts}`, ...hintPart };
  }

  const waitMs = backoffMs(attempt, policy, rand);
  return { retry: true, waitMs, ambiguous: false, reason: `${what}: retry ${attempt + 1}/${maxAttempts} after ${waitMs} ms backoff` };
}

/** Capped exponential backoff with jitter for the wait after `attempt` failed; in [0, maxDelayMs]. */
export function backoffMs(attempt: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs' | 'jitter'>, rand: () => number = Math.random): number {
  const cap = Math.max(0, policy.maxDelayMs);
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  // 2 ** 1100 is Infinity, which Math.min turns back into the cap.
  const raw = Math.min(cap, Math.max(0, policy.baseDelayMs) * 2 ** exponent);
  // "Equal-ish" jitter: the wait is raw × (1 − jitter × r), so it never exceeds the cap.
  const wait = raw * (1 - clamp01(policy.jitter) * clamp01(rand()));
  return Math.min(cap, Math.max(0, Math.round(wait)));
}

/** True when the server may have acted on the request before the failure. */
function mayHaveBeenApplied(failure: Failure): boolean {
  switch (failure.kind) {
    case 'network':
      return failure.sent && !isNotSentCode(failure.code);
    case 'timeout':
      return failure.sent;
    case 'http':
      return !NOT_PROCESSED_STATUSES.has(failure.status);
  }
}

/**
 * The server's wait hint in ms, from Retry-After (delta seconds, possibly fractional,
 * or an HTTP date), X-RateLimit-Reset (delta seconds, or epoch seconds when large),
 * X-RateLimit-Reset-Ms (delta ms, or epoch ms when large), or X-RateLimit-Remaining: 0
 * with no reset (the budget is spent for an unknown time: wait maxDelayMs). The largest
 * hint wins, so we are never early. Undefined when there is no usable hint.
 */
export function serverHintMs(
  headers: Record<string, string | string[] | undefined>,
  policy: Pick<RetryPolicy, 'maxDelayMs'>,
  now?: number,
): number | undefined {
  const h = lowerCaseHeaders(headers);
  // Measure HTTP dates against the server's own clock when it sent one: immune to skew.
  const serverNow = h['date'] !== undefined ? Date.parse(h['date']) : NaN;
  const ref = Number.isFinite(serverNow) ? serverNow : now;
  const hints: number[] = [];

  const retryAfter = h['retry-after'];
  if (retryAfter !== undefined) {
    const v = retryAfter.trim();
    if (/^\d+(\.\d+)?$/.test(v)) hints.push(Number(v) * 1000);
    else if (ref !== undefined) {
      const at = Date.parse(v);
      if (Number.isFinite(at)) hints.push(at - ref);
    }
  }

  const reset = numberHeader(h['x-ratelimit-reset']);
  if (reset !== undefined) {
    // Above ~2001-09 as epoch seconds, it is a timestamp; below, a delta in seconds.
    if (reset > 1e9) {
      if (ref !== undefined) hints.push(reset * 1000 - ref);
    } else hints.push(reset * 1000);
  }

  const resetMs = numberHeader(h['x-ratelimit-reset-ms']);
  if (resetMs !== undefined) {
    if (resetMs > 1e12) {
      if (ref !== undefined) hints.push(resetMs - ref);
    } else hints.push(resetMs);
  }

  if (hints.length === 0 && numberHeader(h['x-ratelimit-remaining']) === 0) {
    hints.push(Math.max(0, policy.maxDelayMs));
  }

  if (hints.length === 0) return undefined;
  return Math.max(0, Math.ceil(Math.max(...hints)));
}

function lowerCaseHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(headers)) {
    out[k.toLowerCase()] = Array.isArray(v) ? v[0] : v;
  }
  return out;
}

function numberHeader(v: string | undefined): number | undefined {
  if (v === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(v)) return undefined;
  return Number(v);
}

function clamp01(x: number): number {
  if (!Number.isFinite(x)) return 0;
  return Math.min(1, Math.max(0, x));
}

function describe(failure: Failure): string {
  switch (failure.kind) {
    case 'network':
      return `network error ${failure.code}${failure.sent && !isNotSentCode(failure.code) ? ' after sending' : ''}`;
    case 'timeout':
      return failure.sent ? 'timeout after sending' : 'connect timeout';
    case 'http':
      return `HTTP ${failure.status}`;
  }
}
