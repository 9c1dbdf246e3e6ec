/**
 * The pacer keeps calls below several rate windows at once (e.g. 1,000 per hour and
 * 400 per minute), on rate-limiter-flexible so the counters can live in a shared store
 * (RateLimiterRedis) when several workers spend one account's budget.
 *
 * Guarantee: any interval of length `windowMs / timeScale` contains at most
 * `floor(limit × margin)` acquisitions, whether the destination counts in fixed windows
 * aligned anywhere or in a sliding window. One fixed window per budget cannot promise
 * that (a full window's worth at the end of one window plus another at the start of the
 * next), so each window of length W is split into k consecutive sub-windows of length
 * d ≥ W/k holding p = floor(limit × margin / (k + 1)) points each. rate-limiter-flexible
 * starts a key's window at its first consume after the previous one expired, so
 * sub-window starts are at least d apart; an interval of length W ≤ k·d meets at most
 * k + 1 of them, hence at most (k + 1)·p ≤ limit × margin acquisitions. k is chosen to
 * maximise the steady rate p / d.
 *
 * Time: the limiter stores measure time with Date.now(); `clock` is used for sleeping
 * and for pauses, so it must advance with Date.now() (systemClock, or vitest fake
 * timers, which fake both).
 */
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { systemClock, type Clock } from '../core/clock.js';
import { ConfigError } from '../core/errors.js';

/** One budget: at most `limit` calls in any `windowMs`. */
export interface RateWindow {
  limit: number;
  windowMs: number;
}

/** Options a limiter factory receives; `duration` is in seconds and may be fractional. */
export interface LimiterFactoryOptions {
  points: number;
  duration: number;
  keyPrefix: string;
}

/** Builds one limiter; pass one returning RateLimiterRedis to share a budget across machines. */
export type LimiterFactory = (opts: LimiterFactoryOptions) => RateLimiterAbstract;

/** Pacer settings. */
export interface PacerOptions {
  windows: RateWindow[];
  /** Divides every windowMs (an "hour" of budget in 2 s for tests and the demo). Default 1. */
  timeScale?: number;
  /** Fraction of each budget to use, leaving room for other integrations. Default 0.97. */
  margin?: number;
  /** Sleeping and pauses; must advance with Date.now(). Default systemClock. */
  clock?: Clock;
  /** Default: RateLimiterMemory (one process). */
  limiterFactory?: LimiterFactory;
  /**
   * Round sub-window durations up to whole seconds. Needed for stores that keep TTLs in
   * whole seconds (RateLimiterRedis floors them, which would shorten windows and break
   * the guarantee). Default: true when a limiterFactory is given, else false.
   */
  wholeSeconds?: boolean;
  /** Largest k tried when splitting a window. Default 120. */
  maxSubWindows?: number;
  /** Namespace of the limiter keys; workers sharing a budget must use the same. Default 'crm-migrate'. */
  keyPrefix?: string;
  /** The budget's key, e.g. the destination account. Default 'budget'. */
  key?: string;
}

/** How one window is split into sub-windows. */
export interface WindowPlan {
  limit: number;
  /** After timeScale. */
  windowMs: number;
  subWindows: number;
  subWindowMs: number;
  pointsPerSubWindow: number;
  /** Steady-state acquisitions per window under saturation: pointsPerSubWindow × windowMs / subWindowMs. */
  perWindow: number;
  /** The most any interval of length windowMs can hold: (subWindows + 1) × pointsPerSubWindow. */
  worstCase: number;
}

/** Counters since construction. */
export interface PacerStats {
  acquired: number;
  /** Total time the pacer held callers back (sleeps for budget or pause), summed over waits. */
  waitedMs: number;
  /** Number of pause() calls. */
  pauses: number;
}

/**
 * Choose the split of one window that maximises throughput while keeping any interval of
 * length windowMs at or below floor(limit × margin). Pure; exported for tests and docs.
 */
export function planWindow(limit: number, windowMs: number, margin = 0.97, maxSubWindows = 120, wholeSeconds = false): WindowPlan {
  if (!(limit >= 1) || !(windowMs > 0) || !(margin > 0 && margin <= 1)) {
    throw new ConfigError(`rate window needs limit ≥ 1, windowMs > 0 and 0 < margin ≤ 1 (got ${limit}, ${windowMs}, ${margin})`);
  }
  const budget = Math.floor(limit * margin);
  let best: WindowPlan | undefined;
  for (let k = 1; k <= Math.max(1, maxSubWindows); k++) {
    const points = Math.floor(budget / (k + 1));
    if (points < 1) break;
    // Longer sub-windows than W/k only make the guarantee stronger, so rounding up is safe.
    const subWindowMs = wholeSeconds ? Math.ceil(windowMs / k / 1000) * 1000 : windowMs / k;
    const perWindow = (points * windowMs) / subWindowMs;
    // Ties go to the larger k: smaller bursts are kinder to the shared budget.
    if (!best || perWindow >= best.perWindow) {
      best = { limit, windowMs, subWindows: k, subWindowMs, pointsPerSubWindow: points, perWindow, worstCase: (k + 1) * points };
    }
  }
  if (!best) {
    // floor(limit × margin) = 1: whatever the split, an interval of length W can meet the
    // end of one window and the start of the next, i.e. 2 calls. Refuse rather than overshoot.
    throw new ConfigError(`rate window ${limit} per ${windowMs} ms with margin ${margin} is too small to pace safely (needs floor(limit × margin) ≥ 2)`);
  }
  return best;
}

const DEFAULT_KEY_PREFIX = 'crm-migrate';

/** Paces calls below every configured window; shared by all callers of one budget. */
export class Pacer {
  private readonly clock: Clock;
  private readonly plans: WindowPlan[];
  private readonly limiters: RateLimiterAbstract[];
  /** Set only when a factory is given: makes pause() visible to other workers. */
  private readonly pauseLimiter: RateLimiterAbstract | undefined;
  private readonly key: string;
  private pausedUntil = 0;
  private tail: Promise<void> = Promise.resolve();
  private readonly counters: PacerStats = { acquired: 0, waitedMs: 0, pauses: 0 };

  constructor(opts: PacerOptions) {
    if (opts.windows.length === 0) throw new ConfigError('pacer needs at least one rate window');
    const timeScale = opts.timeScale ?? 1;
    if (!(timeScale > 0)) throw new ConfigError(`pacer timeScale must be > 0 (got ${timeScale})`);
    this.clock = opts.clock ?? systemClock;
    this.key = opts.key ?? 'budget';
    const prefix = opts.keyPrefix ?? DEFAULT_KEY_PREFIX;
    const factory: LimiterFactory = opts.limiterFactory ?? ((o) => new RateLimiterMemory(o));
    const wholeSeconds = opts.wholeSeconds ?? opts.limiterFactory !== undefined;
    this.plans = opts.windows.map((w) => planWindow(w.limit, w.windowMs / timeScale, opts.margin ?? 0.97, opts.maxSubWindows ?? 120, wholeSeconds));
    this.limiters = this.plans.map((p, i) =>
      factory({ points: p.pointsPerSubWindow, duration: p.subWindowMs / 1000, keyPrefix: `${prefix}:w${i}:${p.limit}per${Math.round(p.windowMs)}ms` }),
    );
    this.pauseLimiter = opts.limiterFactory ? opts.limiterFactory({ points: 1, duration: 1, keyPrefix: `${prefix}:pause` }) : undefined;
  }

  /** The sub-window layout chosen for each window (after timeScale). */
  plan(): WindowPlan[] {
    return this.plans.map((p) => ({ ...p }));
  }

  /** Counters since construction. */
  stats(): PacerStats {
    return { ...this.counters };
  }

  /**
   * Wait until one call may be made and count it against every window. Callers are
   * served in order. Rejects with the signal's reason if `signal` aborts while waiting.
   */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    // Serialise so the check-then-consume below never races inside one process, and so
    // waiters are served first come, first served.
    const turn = this.tail.then(() => this.acquireOne(signal));
    this.tail = turn.catch(() => undefined);
    if (!signal) return turn;
    // A caller that gives up while still queued must not wait for its turn to find out.
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      turn.then(
        () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
    });
  }

  /**
   * Hold every caller for `ms` (after a 429: the budget is shared with other
   * integrations, so our count may be wrong). Not scaled by timeScale. Extends, never
   * shortens, a pause already in force.
   */
  pause(ms: number): void {
    if (!(ms > 0)) return;
    this.counters.pauses++;
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
    if (this.pauseLimiter) void this.sharePause(this.pauseLimiter, ms);
  }

  private async sharePause(limiter: RateLimiterAbstract, ms: number): Promise<void> {
    try {
      // Whole seconds: some stores floor TTLs, and 0 s would mean "forever".
      const seconds = Math.max(1, Math.ceil(ms / 1000));
      const current = await limiter.get(this.key);
      if (current && current.consumedPoints > limiter.points && current.msBeforeNext >= seconds * 1000) return;
      await limiter.block(this.key, seconds);
    } catch {
      // The local pause already holds this process; a store hiccup must not crash callers.
    }
  }

  private async acquireOne(signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      const wait = await this.msUntilFree();
      if (wait > 0) {
        await this.sleep(wait, signal);
        continue;
      }
      const rejectedFor = await this.consumeAll();
      if (rejectedFor === 0) {
        this.counters.acquired++;
        return;
      }
      // Another worker took the last point between our check and consume; the points we
      // did consume are given up rather than refunded (a refund into a just-expired
      // window would start it at −1 and overshoot).
      await this.sleep(Math.max(1, rejectedFor), signal);
    }
  }

  /** Milliseconds until every window has a free point and no pause is in force. */
  private async msUntilFree(): Promise<number> {
    let wait = Math.max(0, this.pausedUntil - this.clock.now());
    if (this.pauseLimiter) {
      const p = await this.pauseLimiter.get(this.key);
      if (p && p.consumedPoints > this.pauseLimiter.points && p.msBeforeNext > 0) wait = Math.max(wait, p.msBeforeNext);
    }
    for (const limiter of this.limiters) {
      const res = await limiter.get(this.key);
      // msBeforeNext ≤ 0: the window has expired and the next consume starts a fresh one.
      if (res && res.msBeforeNext > 0 && res.consumedPoints >= limiter.points) wait = Math.max(wait, res.msBeforeNext);
    }
    return Math.ceil(wait);
  }

  /** Consume one point from every limiter; 0 on success, else ms until the refusing window frees. */
  private async consumeAll(): Promise<number> {
    for (const limiter of this.limiters) {
      try {
        await limiter.consume(this.key, 1);
      } catch (e) {
        if (e instanceof RateLimiterRes) return Math.max(1, Math.ceil(e.msBeforeNext));
        throw e;
      }
    }
    return 0;
  }

  private async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    const start = this.clock.now();
    try {
      await this.clock.sleep(ms, signal);
    } finally {
      this.counters.waitedMs += Math.max(0, this.clock.now() - start);
    }
  }
}
