/**
 * Account-wide API budget [DOC]: an hour window (1,000 free/growth, 2,000 pro, 5,000
 * enterprise) and, on paid plans, a minute window of 400. Both are fixed windows aligned
 * to the server's start, each `timeScale` times shorter than real. Only calls that are
 * answered count; 429 answers do not.
 */
import type { Plan } from './catalogue.js';

/** Calls per hour per plan [DOC]. */
export const HOUR_BUDGET: Record<Plan, number> = { free: 1000, growth: 1000, pro: 2000, enterprise: 5000 };
/** Calls per minute on paid plans [DOC]; the free plan has no minute window. */
export const MINUTE_BUDGET = 400;

interface Window {
  lengthMs: number;
  budget: number;
  index: number;
  used: number;
}

/** State of the budget at one moment, for the 429 decision and the headers. */
export interface RateState {
  limited: boolean;
  /** Until the exhausted window(s) reset; 0 when not limited. */
  retryAfterMs: number;
  /** The hour budget: the figure a client should plan with. */
  limit: number;
  /** Calls left before the tighter window runs out. */
  remaining: number;
  /** Until the tighter window resets. */
  resetMs: number;
}

/** The two fixed windows of one account. */
export class RateLimiter {
  private readonly windows: Window[];

  constructor(
    plan: Plan,
    private readonly timeScale: number,
    private readonly start: number,
  ) {
    this.windows = [{ lengthMs: 3_600_000 / timeScale, budget: HOUR_BUDGET[plan], index: 0, used: 0 }];
    if (plan !== 'free') this.windows.push({ lengthMs: 60_000 / timeScale, budget: MINUTE_BUDGET, index: 0, used: 0 });
  }

  private roll(now: number): void {
    for (const w of this.windows) {
      const index = Math.floor(Math.max(0, now - this.start) / w.lengthMs);
      if (index !== w.index) {
        w.index = index;
        w.used = 0;
      }
    }
  }

  private endOf(w: Window): number {
    return this.start + (w.index + 1) * w.lengthMs;
  }

  /** Where the budget stands now. */
  state(now: number): RateState {
    this.roll(now);
    let retryAfterMs = 0;
    let tight = this.windows[0]!;
    for (const w of this.windows) {
      if (w.used >= w.budget) retryAfterMs = Math.max(retryAfterMs, this.endOf(w) - now);
      const left = w.budget - w.used;
      const tightLeft = tight.budget - tight.used;
      if (left < tightLeft) tight = w;
    }
    return {
      limited: retryAfterMs > 0,
      retryAfterMs,
      limit: this.windows[0]!.budget,
      remaining: Math.max(0, tight.budget - tight.used),
      resetMs: Math.max(0, this.endOf(tight) - now),
    };
  }

  /** Count one call against every window. */
  consume(now: number): void {
    this.roll(now);
    for (const w of this.windows) w.used++;
  }

  /**
   * Seconds for Retry-After / X-RateLimit-Reset. At real time they are whole seconds
   * (at least 1), as HTTP says. With timeScale > 1 a scaled window can be a fraction of
   * a second, so the value is rounded up to milliseconds and sent with 3 decimals;
   * `X-RateLimit-Reset-Ms` always carries the precise figure.
   */
  formatSeconds(ms: number): string {
    if (this.timeScale <= 1) return String(Math.max(1, Math.ceil(ms / 1000)));
    return (Math.max(1, Math.ceil(ms)) / 1000).toFixed(3);
  }

  /** The rate-limit headers sent when the `rateLimitHeaders` flag is on. */
  headers(s: RateState): Record<string, string> {
    const h: Record<string, string> = {
      'X-RateLimit-Limit': String(s.limit),
      'X-RateLimit-Remaining': String(s.remaining),
      'X-RateLimit-Reset': this.formatSeconds(s.limited ? s.retryAfterMs : s.resetMs),
      'X-RateLimit-Reset-Ms': String(Math.ceil(s.limited ? s.retryAfterMs : s.resetMs)),
    };
    if (s.limited) h['Retry-After'] = this.formatSeconds(s.retryAfterMs);
    return h;
  }
}
