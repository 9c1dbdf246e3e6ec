/**
 * Adaptive concurrency for the source's calls. The Pacer (src/http) holds the call rate; this
 * gate holds how many calls are in flight, halving it when Netmera says it is overloaded (429,
 * app error 5022 "quota exceeded") and growing it back by one after a run of good answers
 * (additive increase, multiplicative decrease), so a run settles just under what the source
 * takes instead of hammering it at the configured maximum.
 */

/** Good answers in a row, per unit of the current limit, before the limit grows by one. */
const GROW_AFTER_PER_SLOT = 8;

export class AdaptiveGate {
  private limit: number;
  private active = 0;
  private good = 0;
  private readonly waiting: Array<() => void> = [];
  private slowDowns = 0;

  constructor(private readonly max: number) {
    this.limit = Math.max(1, Math.floor(max));
  }

  /** Calls allowed in flight now. */
  current(): number {
    return this.limit;
  }

  /** How many times the source asked us to slow down. */
  stats(): { limit: number; slowDowns: number } {
    return { limit: this.limit, slowDowns: this.slowDowns };
  }

  /** Run `fn` once a slot is free; a good answer counts towards growing the limit back. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      const out = await fn();
      this.succeeded();
      return out;
    } finally {
      this.active--;
      this.wake();
    }
  }

  /** The source is overloaded: halve the calls in flight (never below one). */
  slowDown(): void {
    this.slowDowns++;
    this.good = 0;
    this.limit = Math.max(1, Math.floor(this.limit / 2));
  }

  private succeeded(): void {
    if (this.limit >= this.max) return;
    if (++this.good >= this.limit * GROW_AFTER_PER_SLOT) {
      this.good = 0;
      this.limit++;
      this.wake();
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(() => {
      this.active++;
      resolve();
    }));
  }

  private wake(): void {
    while (this.active < this.limit && this.waiting.length > 0) this.waiting.shift()!();
  }
}

/**
 * `fn` over every item with at most `workers` running at once, answers in the items' order.
 * The first failure stops new work and is thrown once the running ones have settled.
 */
export async function mapPool<T, R>(items: readonly T[], workers: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed: { error: unknown } | null = null;
  const worker = async () => {
    while (failed === null && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!, i);
      } catch (error) {
        failed ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(workers, items.length)) }, worker));
  if (failed !== null) throw (failed as { error: unknown }).error;
  return out;
}
