import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { backoffMs, classify, serverHintMs, type Failure, type RetryPolicy } from '../../src/http/classify.js';

const policy: RetryPolicy = { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 60_000, jitter: 0 };
const unsafe: RetryPolicy = { ...policy, unsafe: true };
const http = (status: number, headers: Record<string, string | string[] | undefined> = {}): Failure => ({ kind: 'http', status, headers });
const mid = () => 0.5;

describe('classify: what is retried', () => {
  it.each([
    ['ECONNRESET after sending', { kind: 'network', code: 'ECONNRESET', sent: true }],
    ['UND_ERR_SOCKET after sending', { kind: 'network', code: 'UND_ERR_SOCKET', sent: true }],
    ['ECONNREFUSED', { kind: 'network', code: 'ECONNREFUSED', sent: false }],
    ['timeout after sending', { kind: 'timeout', sent: true }],
    ['connect timeout', { kind: 'timeout', sent: false }],
    ['500', http(500)],
    ['502', http(502)],
    ['503', http(503)],
    ['504', http(504)],
    ['408', http(408)],
    ['429', http(429)],
    ['an unlisted 5xx (520)', http(520)],
  ] as [string, Failure][])('retries %s on a safe request', (_name, failure) => {
    const d = classify(failure, 1, policy, mid);
    expect(d.retry).toBe(true);
    expect(d.ambiguous).toBe(false);
    expect(d.waitMs).toBeGreaterThan(0);
  });

  it.each([400, 401, 403, 404, 409, 422, 301, 304, 501, 505])('does not retry %i, even with attempts left', (status) => {
    const d = classify(http(status), 1, policy, mid);
    expect(d).toMatchObject({ retry: false, waitMs: 0, ambiguous: false });
    expect(d.reason).toContain(String(status));
  });

  it('a 4xx on an unsafe request is terminal, not ambiguous (the server refused it)', () => {
    expect(classify(http(422), 1, unsafe, mid)).toMatchObject({ retry: false, ambiguous: false });
  });
});

describe('classify: idempotency (unsafe requests)', () => {
  it.each([
    ['timeout after sending', { kind: 'timeout', sent: true }],
    ['ECONNRESET after sending', { kind: 'network', code: 'ECONNRESET', sent: true }],
    ['UND_ERR_SOCKET after sending', { kind: 'network', code: 'UND_ERR_SOCKET', sent: true }],
    ['500 (may be half-applied)', http(500)],
    ['502 (proxy may have forwarded it)', http(502)],
    ['504 (proxy forwarded it, origin too slow)', http(504)],
  ] as [string, Failure][])('%s is ambiguous and not retried', (_name, failure) => {
    const d = classify(failure, 1, unsafe, mid);
    expect(d.retry).toBe(false);
    expect(d.ambiguous).toBe(true);
    expect(d.reason).toContain('ambiguous');
  });

  it.each([
    ['connection refused (even if flagged sent)', { kind: 'network', code: 'ECONNREFUSED', sent: true }],
    ['DNS failure', { kind: 'network', code: 'ENOTFOUND', sent: true }],
    ['reset before sending', { kind: 'network', code: 'ECONNRESET', sent: false }],
    ['connect timeout', { kind: 'timeout', sent: false }],
    ['429', http(429)],
    ['503', http(503)],
    ['408', http(408)],
  ] as [string, Failure][])('%s is safe to retry', (_name, failure) => {
    const d = classify(failure, 1, unsafe, mid);
    expect(d).toMatchObject({ retry: true, ambiguous: false });
  });

  it('stays ambiguous on the last attempt too (the caller must still reconcile)', () => {
    expect(classify({ kind: 'timeout', sent: true }, 5, unsafe, mid)).toMatchObject({ retry: false, ambiguous: true });
  });
});

describe('classify: backoff', () => {
  it('doubles from baseDelayMs and caps at maxDelayMs without jitter', () => {
    const waits = [1, 2, 3, 4, 5, 6, 7, 8].map((a) => backoffMs(a, { baseDelayMs: 1000, maxDelayMs: 10_000, jitter: 0 }));
    expect(waits).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000, 10_000, 10_000]);
  });

  it('jitter shortens the wait by up to jitter × wait', () => {
    const p = { baseDelayMs: 1000, maxDelayMs: 60_000, jitter: 0.5 };
    expect(backoffMs(2, p, () => 0)).toBe(2000);
    expect(backoffMs(2, p, () => 0.999999)).toBe(1000);
    expect(backoffMs(2, p, () => 0.5)).toBe(1500);
  });

  it('survives absurd attempt numbers', () => {
    expect(backoffMs(5000, { baseDelayMs: 1000, maxDelayMs: 30_000, jitter: 0 })).toBe(30_000);
  });

  it('gives up when the attempt that failed was the last allowed', () => {
    expect(classify(http(503), 4, policy, mid).retry).toBe(true);
    const d = classify(http(503), 5, policy, mid);
    expect(d).toMatchObject({ retry: false, waitMs: 0 });
    expect(d.reason).toContain('gave up after 5');
  });

  it('maxAttempts 1 never retries', () => {
    expect(classify({ kind: 'network', code: 'ECONNRESET', sent: true }, 1, { ...policy, maxAttempts: 1 }, mid).retry).toBe(false);
  });
});

describe('classify: server hints', () => {
  const date = 'Wed, 21 Oct 2015 07:28:00 GMT';
  const dateMs = Date.parse(date);

  it.each([
    ['Retry-After seconds', { 'retry-after': '7' }, 7000],
    ['fractional Retry-After', { 'retry-after': '1.5' }, 1500],
    ['Retry-After HTTP date against the response Date', { date, 'retry-after': 'Wed, 21 Oct 2015 07:28:30 GMT' }, 30_000],
    ['Retry-After date in the past', { date, 'retry-after': 'Wed, 21 Oct 2015 07:27:00 GMT' }, 0],
    ['mixed-case header names and array values', { 'Retry-After': ['3', '9'] }, 3000],
    ['X-RateLimit-Reset as delta seconds', { 'x-ratelimit-reset': '30' }, 30_000],
    ['X-RateLimit-Reset as epoch seconds', { date, 'X-RateLimit-Reset': String(dateMs / 1000 + 45) }, 45_000],
    ['X-RateLimit-Reset-Ms as delta', { 'x-ratelimit-reset-ms': '2500' }, 2500],
    ['X-RateLimit-Reset-Ms as epoch ms', { date, 'x-ratelimit-reset-ms': String(dateMs + 1234) }, 1234],
    ['X-Ratelimit-Remaining 0 with no reset → maxDelayMs', { 'X-Ratelimit-Remaining': '0' }, 60_000],
    ['the largest of several hints', { 'retry-after': '2', 'x-ratelimit-reset': '20' }, 20_000],
  ] as [string, Record<string, string | string[]>, number][])('429 honours %s', (_name, headers, expected) => {
    const d = classify(http(429, headers), 1, policy, mid);
    expect(d.retry).toBe(true);
    expect(d.serverHintMs).toBe(expected);
    expect(d.waitMs).toBe(expected); // jitter 0
  });

  it('resolves an HTTP-date Retry-After against `now` when the response has no Date', () => {
    const d = classify(http(429, { 'retry-after': 'Wed, 21 Oct 2015 07:28:10 GMT' }), 1, policy, mid, dateMs);
    expect(d.waitMs).toBe(10_000);
  });

  it('falls back to backoff when a hint cannot be used', () => {
    for (const headers of [{ 'retry-after': 'soon' }, { 'retry-after': 'Wed, 21 Oct 2015 07:28:10 GMT' }, { 'x-ratelimit-remaining': '5' }, {}]) {
      const d = classify(http(429, headers), 2, policy, mid);
      expect(d.serverHintMs).toBeUndefined();
      expect(d.waitMs).toBe(2000);
    }
  });

  it('honours a Retry-After longer than maxDelayMs instead of retrying early', () => {
    const d = classify(http(429, { 'retry-after': '120' }), 1, policy, mid);
    expect(d).toMatchObject({ retry: true, waitMs: 120_000 });
  });

  it('gives up, reporting the wait, when the hint exceeds maxHintMs', () => {
    const d = classify(http(429, { 'retry-after': '7200' }), 1, { ...policy, maxHintMs: 3_600_000 }, mid);
    expect(d).toMatchObject({ retry: false, waitMs: 0, serverHintMs: 7_200_000 });
  });

  it('also honours Retry-After on 503', () => {
    expect(classify(http(503, { 'retry-after': '4' }), 1, policy, mid).waitMs).toBe(4000);
  });

  it('adds jitter after the hint, never before it, and not past maxDelayMs', () => {
    const p = { ...policy, jitter: 1, baseDelayMs: 1000, maxDelayMs: 5000 };
    expect(classify(http(429, { 'retry-after': '2' }), 1, p, () => 0.5).waitMs).toBe(2500);
    expect(classify(http(429, { 'retry-after': '4.8' }), 1, p, () => 0.9).waitMs).toBe(5000);
  });

  it('serverHintMs ignores non-numeric rate-limit headers', () => {
    expect(serverHintMs({ 'x-ratelimit-reset': 'tomorrow' }, policy)).toBeUndefined();
  });
});

// ---- properties ----------------------------------------------------------------

const NETWORK_CODES = ['ECONNRESET', 'ECONNREFUSED', 'UND_ERR_SOCKET', 'EPIPE', 'ENOTFOUND', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'EAI_AGAIN'];
const hintHeaders = fc.record(
  {
    'retry-after': fc.oneof(fc.nat({ max: 10_000 }).map(String), fc.double({ min: 0, max: 500, noNaN: true }).map((n) => n.toFixed(2)), fc.constant('Wed, 21 Oct 2015 07:28:00 GMT'), fc.constant('garbage')),
    'x-ratelimit-reset': fc.oneof(fc.nat({ max: 5000 }).map(String), fc.constant('1445412480')),
    'x-ratelimit-reset-ms': fc.nat({ max: 10_000_000 }).map(String),
    'x-ratelimit-remaining': fc.constantFrom('0', '1', '10'),
    date: fc.constant('Wed, 21 Oct 2015 07:27:00 GMT'),
  },
  { requiredKeys: [] },
);
const failureArb: fc.Arbitrary<Failure> = fc.oneof(
  fc.record({ kind: fc.constant('network' as const), code: fc.constantFrom(...NETWORK_CODES), sent: fc.boolean() }),
  fc.record({ kind: fc.constant('timeout' as const), sent: fc.boolean() }),
  fc.record({ kind: fc.constant('http' as const), status: fc.integer({ min: 300, max: 599 }), headers: hintHeaders }),
);
const policyArb: fc.Arbitrary<RetryPolicy> = fc.record({
  maxAttempts: fc.integer({ min: 1, max: 10 }),
  baseDelayMs: fc.integer({ min: 0, max: 5000 }),
  maxDelayMs: fc.integer({ min: 0, max: 120_000 }),
  jitter: fc.double({ min: 0, max: 1, noNaN: true }),
  unsafe: fc.boolean(),
});
const randArb = fc.double({ min: 0, max: 0.999999, noNaN: true }).map((r) => () => r);

/** Independent statement of "the server did not process it": the only things an unsafe request may retry. */
function provablyNotApplied(f: Failure): boolean {
  if (f.kind === 'network') return !f.sent || ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT'].includes(f.code);
  if (f.kind === 'timeout') return !f.sent;
  return [408, 425, 429, 503].includes(f.status);
}

describe('classify: properties', () => {
  it('waitMs is within [0, maxDelayMs], or within [hint, max(hint, maxDelayMs)] when the server gave a hint', () => {
    fc.assert(
      fc.property(failureArb, fc.integer({ min: 1, max: 20 }), policyArb, randArb, (f, attempt, p, rand) => {
        const d = classify(f, attempt, p, rand, Date.parse('Wed, 21 Oct 2015 07:27:00 GMT'));
        expect(d.waitMs).toBeGreaterThanOrEqual(0);
        if (!d.retry) expect(d.waitMs).toBe(0);
        if (d.retry && d.serverHintMs === undefined) expect(d.waitMs).toBeLessThanOrEqual(p.maxDelayMs);
        if (d.retry && d.serverHintMs !== undefined) {
          expect(d.waitMs).toBeGreaterThanOrEqual(d.serverHintMs);
          expect(d.waitMs).toBeLessThanOrEqual(Math.max(d.serverHintMs, p.maxDelayMs));
        }
      }),
    );
  });

  it('never retries once attempt reaches maxAttempts', () => {
    fc.assert(
      fc.property(failureArb, policyArb, fc.integer({ min: 0, max: 5 }), randArb, (f, p, extra, rand) => {
        expect(classify(f, p.maxAttempts + extra, p, rand).retry).toBe(false);
      }),
    );
  });

  it('an unsafe request is only retried when the server provably did not process it', () => {
    fc.assert(
      fc.property(failureArb, fc.integer({ min: 1, max: 3 }), policyArb, randArb, (f, attempt, p, rand) => {
        const d = classify(f, attempt, { ...p, unsafe: true, maxAttempts: 10 }, rand);
        if (d.retry) expect(provablyNotApplied(f)).toBe(true);
        if (d.ambiguous) expect(d.retry).toBe(false);
      }),
    );
  });

  it('4xx other than 408/425/429 are never retried, whatever the policy', () => {
    fc.assert(
      fc.property(fc.integer({ min: 400, max: 499 }).filter((s) => ![408, 425, 429].includes(s)), policyArb, (status, p) => {
        expect(classify(http(status), 1, { ...p, maxAttempts: 10 }).retry).toBe(false);
      }),
    );
  });

  it('without jitter, backoff never shrinks as attempts grow', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 600_000 }), (a, base, max) => {
        const p = { baseDelayMs: base, maxDelayMs: max, jitter: 0 };
        expect(backoffMs(a + 1, p)).toBeGreaterThanOrEqual(backoffMs(a, p));
      }),
    );
  });
});
