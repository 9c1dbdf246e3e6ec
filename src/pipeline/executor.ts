/**
 * Units of work and the executor interface. A unit is one batch of one phase; the
 * in-process executor runs units with bounded concurrency. A queue-backed executor on
 * several machines can implement the same interface later without touching the phases.
 */
export interface Unit {
  phase: string;
  batchNo: number;
}

export interface Executor {
  /**
   * Run `handler` for every unit. On the first failure no new unit starts; units already
   * running finish, then the first error is thrown (their committed work stays committed).
   */
  run<U extends Unit>(units: Iterable<U> | AsyncIterable<U>, handler: (unit: U) => Promise<void>, signal?: AbortSignal): Promise<void>;
}

export class InProcessExecutor implements Executor {
  /**
   * `guard` runs before each unit starts and may throw to stop the run before its next write
   * (the workdir lock was lost, the error ratio was exceeded): units already running finish.
   */
  constructor(
    private readonly concurrency: number,
    private readonly guard: () => void = () => undefined,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error('concurrency must be a positive integer');
  }

  async run<U extends Unit>(units: Iterable<U> | AsyncIterable<U>, handler: (unit: U) => Promise<void>, signal?: AbortSignal): Promise<void> {
    const it = (Symbol.asyncIterator in units ? (units as AsyncIterable<U>)[Symbol.asyncIterator]() : (units as Iterable<U>)[Symbol.iterator]()) as
      | AsyncIterator<U>
      | Iterator<U>;
    let failure: { error: unknown } | null = null;
    const next = async (): Promise<IteratorResult<U>> => it.next();
    const worker = async () => {
      while (!failure && !signal?.aborted) {
        const n = await next();
        if (n.done) return;
        try {
          this.guard();
          await handler(n.value);
        } catch (e) {
          failure ??= { error: e };
        }
      }
    };
    await Promise.all(Array.from({ length: this.concurrency }, worker));
    if (failure) throw (failure as { error: unknown }).error;
    if (signal?.aborted) throw signal.reason ?? new Error('aborted');
  }
}
