/**
 * One polling policy for every wait on something the other side finishes in its own time
 * (a bulk job, an export task): check, wait a growing interval, check again, and give up —
 * without throwing — when the next wait would pass the bound, so the caller can say what it
 * was waiting for and decide (read back what exists, or fail with a clear message).
 */
import type { Clock } from './clock.js';

export interface PollSettings {
  /** First wait (after the first check, or before it when `first` is given). */
  initialMs: number;
  /** Each wait is the previous one times this. */
  factor: number;
  /** Longest single wait. */
  maxIntervalMs: number;
  /** Give up when the next wait would end after this long in total. */
  maxWaitMs: number;
}

export type PollOutcome<T> =
  | { settled: true; value: T; elapsedMs: number; polls: number }
  | { settled: false; value: T; elapsedMs: number; polls: number };

/**
 * Call `check` until `isSettled` says its value is final. With `first`, that value is the
 * starting point (e.g. the answer that created the task) and the first check comes after a
 * wait. `onWait(elapsedMs, last, polls)` runs before each wait, to narrate.
 */
export async function poll<T>(
  check: () => Promise<T>,
  isSettled: (value: T) => boolean,
  settings: PollSettings,
  clock: Clock,
  opts: { first?: T; onWait?: (elapsedMs: number, last: T, polls: number) => void; signal?: AbortSignal } = {},
): Promise<PollOutcome<T>> {
  const started = clock.now();
  let polls = 0;
  let value: T;
  if (Object.hasOwn(opts, 'first')) value = opts.first as T;
  else {
    value = await check();
    polls++;
  }
  let wait = settings.initialMs;
  for (;;) {
    const elapsedMs = clock.now() - started;
    if (isSettled(value)) return { settled: true, value, elapsedMs, polls };
    if (elapsedMs + wait > settings.maxWaitMs) return { settled: false, value, elapsedMs, polls };
    opts.onWait?.(elapsedMs, value, polls);
    await clock.sleep(wait, opts.signal);
    wait = Math.min(settings.maxIntervalMs, Math.max(1, Math.ceil(wait * settings.factor)));
    value = await check();
    polls++;
  }
}
