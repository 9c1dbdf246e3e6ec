/**
 * `run.maxErrorRatio` across every phase: the share of source records that are quarantined
 * or fail. Quarantine is known exactly once a phase is prepared; failures are projected from
 * the writes attempted so far (once they are a sample of MIN_SAMPLE) onto the records still to
 * write. Checked before the first write and between units of work while writing, so a run
 * whose data or map is broken stops early instead of writing everything first; at the end the
 * projection is the actual count.
 */
import type { ObjectName } from '../core/model.js';
import type { StateStore } from '../state/store.js';

/** Fewest processed records before the ratio can stop a run. */
export const MIN_SAMPLE = 200;
/** At most one look at the counts per this many milliseconds while writing. */
const CHECK_EVERY_MS = 1_000;

/** Thrown (between units) when the ratio is exceeded; the run reports and ends with exit 3. */
export class ErrorRatioExceeded extends Error {
  constructor(
    readonly bad: number,
    readonly processed: number,
    readonly maxRatio: number,
  ) {
    super(
      `stopped writing: ${bad} of ${processed} source records are quarantined or failing (failures projected from the writes so far) ` +
        `(${((bad / processed) * 100).toFixed(1)}% > run.maxErrorRatio ${Math.round(maxRatio * 100)}%); see quarantine.csv and failures.csv, fix the data or the map, then run again`,
    );
    this.name = 'ErrorRatioExceeded';
  }
}

/**
 * Bad records (quarantined, and failed — projected from the attempted writes when they are a
 * sample) against the source records of the given phases, so far.
 */
export async function errorCounts(store: StateStore, runId: string, objects: readonly ObjectName[]): Promise<{ bad: number; processed: number }> {
  let bad = 0;
  let processed = 0;
  for (const o of objects) {
    const c = await store.counts(runId, o);
    const attempted = c.created + c.updated + c.failed;
    const toWrite = Math.max(0, c.source - c.quarantined - c.merged - c.orphaned);
    const failed = attempted >= MIN_SAMPLE ? Math.max(c.failed, Math.round((c.failed / attempted) * toWrite)) : c.failed;
    bad += c.quarantined + failed;
    processed += c.source;
  }
  return { bad, processed };
}

/** Throws ErrorRatioExceeded when the sample is large enough and over the ratio. */
export function checkRatio(counts: { bad: number; processed: number }, maxRatio: number): void {
  if (counts.processed >= MIN_SAMPLE && counts.bad / counts.processed > maxRatio) throw new ErrorRatioExceeded(counts.bad, counts.processed, maxRatio);
}

/**
 * A guard for the executor: refreshes the counts in the background at most once a second and
 * throws from `check()` (synchronously, before the next unit) once the ratio is exceeded.
 */
export class ErrorRatioGuard {
  private last = 0;
  private exceeded: ErrorRatioExceeded | null = null;
  private pending: Promise<void> | null = null;

  constructor(
    private readonly store: StateStore,
    private readonly runId: string,
    private readonly objects: readonly ObjectName[],
    private readonly maxRatio: number,
    private readonly now: () => number = Date.now,
  ) {}

  check(): void {
    if (this.exceeded) throw this.exceeded;
    if (this.pending || this.now() - this.last < CHECK_EVERY_MS) return;
    this.last = this.now();
    this.pending = errorCounts(this.store, this.runId, this.objects)
      .then((c) => {
        try {
          checkRatio(c, this.maxRatio);
        } catch (e) {
          this.exceeded = e as ErrorRatioExceeded;
        }
      })
      .finally(() => {
        this.pending = null;
      });
  }

  /** Await the look in flight, then throw when exceeded (before a phase starts). */
  async settle(): Promise<void> {
    await this.pending;
    if (this.exceeded) throw this.exceeded;
    checkRatio(await errorCounts(this.store, this.runId, this.objects), this.maxRatio);
  }
}
