/**
 * The source's own limits, off unless asked for. Netmera publishes none [C], so both are
 * options: a request rate (per second and/or per minute; over it → HTTP 429) and a call
 * quota over a longer window (over it → application error 5022). Fixed windows aligned to
 * the simulator's start, `timeScale` times shorter than real; only answered calls count.
 */

/** Rate and quota settings (real-time figures; the simulator scales the windows). */
export interface NetmeraLimitOptions {
  /** Calls per second before 429. */
  perSecond?: number;
  /** Calls per minute before 429. */
  perMinute?: number;
  /** Calls per `windowMs` before error 5022. */
  quota?: { calls: number; windowMs: number };
}

interface Window {
  lengthMs: number;
  budget: number;
  index: number;
  used: number;
}

/** What a call runs into. */
export type LimitVerdict = 'ok' | 'rate' | 'quota';

/** The windows of one simulator. */
export class SourceLimits {
  private readonly rate: Window[] = [];
  private readonly quota: Window | undefined;

  constructor(opts: NetmeraLimitOptions, timeScale: number, private readonly start: number) {
    const w = (lengthMs: number, budget: number): Window => ({ lengthMs: lengthMs / timeScale, budget, index: 0, used: 0 });
    if (opts.perSecond !== undefined) this.rate.push(w(1000, opts.perSecond));
    if (opts.perMinute !== undefined) this.rate.push(w(60_000, opts.perMinute));
    if (opts.quota) this.quota = w(opts.quota.windowMs, opts.quota.calls);
  }

  private roll(w: Window, now: number): void {
    const index = Math.floor(Math.max(0, now - this.start) / w.lengthMs);
    if (index !== w.index) {
      w.index = index;
      w.used = 0;
    }
  }

  /** Check and, when the call may go on, count it. */
  take(now: number): LimitVerdict {
    const all = this.quota ? [...this.rate, this.quota] : this.rate;
    for (const w of all) this.roll(w, now);
    if (this.quota && this.quota.used >= this.quota.budget) return 'quota';
    if (this.rate.some((w) => w.used >= w.budget)) return 'rate';
    for (const w of all) w.used++;
    return 'ok';
  }
}
