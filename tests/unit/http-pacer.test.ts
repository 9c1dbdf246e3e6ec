import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { RateLimiterMemory, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { Pacer, planWindow, type LimiterFactoryOptions, type RateWindow } from '../../src/http/pacer.js';
import { ConfigError } from '../../src/core/errors.js';

// rate-limiter-flexible keeps time with Date.now() and setTimeout; vitest's fake timers
// fake both, as does systemClock's sleep, so the whole pacer runs on simulated time.
beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Most acquisitions inside any closed interval [t, t + windowMs]. */
function maxInAnyWindow(times: number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  let j = 0;
  for (let i = 0; i < t.length; i++) {
    if (j < i) j = i;
    while (j + 1 < t.length && t[j + 1]! <= t[i]! + windowMs) j++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

/** Run `arrivals` (time offset, how many callers) through a pacer on fake time; returns grant times. */
async function simulate(pacer: Pacer, arrivals: { at: number; count: number }[], stepMs: number): Promise<number[]> {
  const granted: number[] = [];
  const start = Date.now();
  let pending = 0;
  const sorted = [...arrivals].sort((a, b) => a.at - b.at);
  for (const a of sorted) {
    const wait = start + a.at - Date.now();
    if (wait > 0) await vi.advanceTimersByTimeAsync(wait);
    for (let i = 0; i < a.count; i++) {
      pending++;
      void pacer.acquire().then(() => {
        granted.push(Date.now());
        pending--;
      });
    }
  }
  for (let guard = 0; pending > 0; guard++) {
    if (guard > 1_000_000) throw new Error('pacer never granted every caller');
    await vi.advanceTimersByTimeAsync(stepMs);
  }
  return granted;
}

describe('planWindow', () => {
  it.each([
    [1000, 3_600_000],
    [2000, 3_600_000],
    [5000, 3_600_000],
    [400, 60_000],
  ])('%i per %i ms: worst case within budget, steady rate ≥ 0.9 × limit', (limit, windowMs) => {
    const p = planWindow(limit, windowMs);
    expect(p.worstCase).toBeLessThanOrEqual(Math.floor(limit * 0.97));
    expect(p.subWindowMs * p.subWindows).toBeGreaterThanOrEqual(windowMs - 1e-6);
    expect(p.perWindow).toBeGreaterThanOrEqual(0.9 * limit);
  });

  it('whole-second sub-windows (for stores that floor TTLs) are integral and still safe', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 10_000 }), fc.integer({ min: 1000, max: 7_200_000 }), fc.double({ min: 0.5, max: 1, noNaN: true }), (limit, windowMs, margin) => {
        fc.pre(Math.floor(limit * margin) >= 2);
        const p = planWindow(limit, windowMs, margin, 120, true);
        expect(p.subWindowMs % 1000).toBe(0);
        expect(p.subWindowMs * p.subWindows).toBeGreaterThanOrEqual(windowMs);
        expect(p.worstCase).toBeLessThanOrEqual(Math.floor(limit * margin));
      }),
    );
  });

  it('refuses a budget too small to pace safely', () => {
    expect(() => planWindow(1, 1000)).toThrow(ConfigError);
  });
});

describe('Pacer: sliding-window guarantee', () => {
  it('no interval of length windowMs ever holds more than floor(limit × margin) grants (property)', async () => {
    const windowArb: fc.Arbitrary<RateWindow> = fc.record({ limit: fc.integer({ min: 3, max: 40 }), windowMs: fc.integer({ min: 500, max: 20_000 }) });
    await fc.assert(
      fc.asyncProperty(
        fc.array(windowArb, { minLength: 1, maxLength: 2 }),
        fc.double({ min: 0.5, max: 1, noNaN: true }),
        // Bursts large relative to the limits, at arbitrary offsets: the boundary attack
        // (a full window at the end of one window and again at the start of the next).
        fc.array(fc.record({ at: fc.integer({ min: 0, max: 40_000 }), count: fc.integer({ min: 1, max: 40 }) }), { minLength: 1, maxLength: 8 }),
        async (windows, margin, arrivals) => {
          fc.pre(windows.every((w) => Math.floor(w.limit * margin) >= 2));
          const pacer = new Pacer({ windows, margin, maxSubWindows: 30 });
          const granted = await simulate(pacer, arrivals, 50);
          expect(granted.length).toBe(arrivals.reduce((n, a) => n + a.count, 0));
          for (const w of windows) expect(maxInAnyWindow(granted, w.windowMs)).toBeLessThanOrEqual(Math.floor(w.limit * margin));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a burst straddling a window boundary stays within one budget', async () => {
    const pacer = new Pacer({ windows: [{ limit: 100, windowMs: 10_000 }], margin: 1 });
    // Half a window in, then the rest keeps coming: a fixed-window limiter would let 100
    // through before its boundary and 100 after it.
    const granted = await simulate(pacer, [{ at: 0, count: 50 }, { at: 9_000, count: 300 }], 10);
    expect(maxInAnyWindow(granted, 10_000)).toBeLessThanOrEqual(100);
    expect(granted.length).toBe(350);
  });
});

describe('Pacer: throughput', () => {
  it('1000/hour + 400/minute under constant demand runs at ≥ 0.9 × 1000 per hour, never above the margin', async () => {
    const pacer = new Pacer({ windows: [{ limit: 1000, windowMs: 3_600_000 }, { limit: 400, windowMs: 60_000 }] });
    const granted: number[] = [];
    const start = Date.now();
    const hours = 6;
    let running = true;
    const worker = async () => {
      while (running) {
        await pacer.acquire();
        granted.push(Date.now());
      }
    };
    const workers = [worker(), worker(), worker()];
    await vi.advanceTimersByTimeAsync(hours * 3_600_000);
    running = false;
    const inRun = granted.filter((t) => t < start + hours * 3_600_000);
    expect(inRun.length).toBeGreaterThanOrEqual(0.9 * 1000 * hours);
    expect(maxInAnyWindow(inRun, 3_600_000)).toBeLessThanOrEqual(970);
    expect(maxInAnyWindow(inRun, 60_000)).toBeLessThanOrEqual(388);
    // Let the workers' last acquisitions finish so nothing leaks into the next test.
    await vi.advanceTimersByTimeAsync(3_600_000);
    await Promise.all(workers);
  });

  it('timeScale shrinks every window (1000 per "hour" of 2 s)', async () => {
    const pacer = new Pacer({ windows: [{ limit: 1000, windowMs: 3_600_000 }], timeScale: 1800 });
    expect(pacer.plan()[0]!.windowMs).toBe(2000);
    const granted = await simulate(pacer, [{ at: 0, count: 3000 }], 5);
    expect(maxInAnyWindow(granted, 2000)).toBeLessThanOrEqual(970);
    // 3000 grants at ≈ 960 per 2 s take a bit over 6 s of (simulated) time.
    const span = Math.max(...granted) - Math.min(...granted);
    expect(span).toBeGreaterThan(4000);
    expect(span).toBeLessThan(8000);
  });
});

describe('Pacer: pause, abort, shared store', () => {
  it('pause(ms) holds every caller until the pause ends and counts the wait', async () => {
    const pacer = new Pacer({ windows: [{ limit: 100, windowMs: 60_000 }] });
    const t0 = Date.now();
    pacer.pause(5_000);
    const granted = await simulate(pacer, [{ at: 0, count: 3 }], 100);
    expect(Math.min(...granted) - t0).toBeGreaterThanOrEqual(5_000);
    expect(pacer.stats()).toMatchObject({ acquired: 3, pauses: 1 });
    expect(pacer.stats().waitedMs).toBeGreaterThanOrEqual(5_000);
  });

  it('a shorter pause does not cut a longer one short', async () => {
    const pacer = new Pacer({ windows: [{ limit: 100, windowMs: 60_000 }] });
    const t0 = Date.now();
    pacer.pause(8_000);
    pacer.pause(1_000);
    const granted = await simulate(pacer, [{ at: 0, count: 1 }], 100);
    expect(granted[0]! - t0).toBeGreaterThanOrEqual(8_000);
  });

  it('a caller that aborts while queued is rejected at once and does not consume budget', async () => {
    const pacer = new Pacer({ windows: [{ limit: 10, windowMs: 60_000 }], margin: 1 });
    pacer.pause(30_000);
    const ac = new AbortController();
    const p = pacer.acquire(ac.signal);
    const assertion = expect(p).rejects.toThrow('stop');
    ac.abort(new Error('stop'));
    await assertion;
    await vi.advanceTimersByTimeAsync(31_000);
    expect(pacer.stats().acquired).toBe(0);
    await pacer.acquire();
    expect(pacer.stats().acquired).toBe(1);
  });

  it('two pacers on one shared store (as RateLimiterRedis would be) share one budget and one pause', async () => {
    const store = new Map<string, RateLimiterAbstract>();
    const calls: LimiterFactoryOptions[] = [];
    // Stands in for a store shared across machines: the same limiter per key prefix.
    const factory = (o: LimiterFactoryOptions) => {
      calls.push(o);
      let l = store.get(o.keyPrefix);
      if (!l) store.set(o.keyPrefix, (l = new RateLimiterMemory(o)));
      return l;
    };
    const windows = [{ limit: 60, windowMs: 60_000 }];
    const a = new Pacer({ windows, limiterFactory: factory, key: 'acme' });
    const b = new Pacer({ windows, limiterFactory: factory, key: 'acme' });
    // A custom factory defaults to whole-second sub-windows (Redis floors TTLs).
    expect(calls.every((c) => Number.isInteger(c.duration))).toBe(true);

    const granted: number[] = [];
    const t0 = Date.now();
    a.pause(3_000);
    await vi.advanceTimersByTimeAsync(0);
    let pending = 0;
    for (const p of [a, b, a, b]) {
      for (let i = 0; i < 40; i++) {
        pending++;
        void p.acquire().then(() => {
          granted.push(Date.now());
          pending--;
        });
      }
    }
    while (pending > 0) await vi.advanceTimersByTimeAsync(100);
    expect(Math.min(...granted) - t0).toBeGreaterThanOrEqual(3_000); // b honoured a's pause
    expect(maxInAnyWindow(granted, 60_000)).toBeLessThanOrEqual(Math.floor(60 * 0.97));
  });

  it('rejects an empty or invalid configuration', () => {
    expect(() => new Pacer({ windows: [] })).toThrow(ConfigError);
    expect(() => new Pacer({ windows: [{ limit: 10, windowMs: 1000 }], timeScale: 0 })).toThrow(ConfigError);
  });
});
