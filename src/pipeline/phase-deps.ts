/**
 * What every phase's steps are given: the store and run, the destination, the executor that
 * runs units of work, the clock, the logger and progress. Each phase's own dependencies extend
 * this with what only it needs (its part of the map, the source, batch size...).
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { FreshsalesClient } from '../connectors/freshsales/index.js';
import type { StateStore } from '../state/store.js';
import type { Executor } from './executor.js';
import type { Progress } from './progress.js';

export interface PhaseDeps {
  store: StateStore;
  runId: string;
  dest: FreshsalesClient;
  executor: Executor;
  clock: Clock;
  logger: Logger;
  progress: Progress;
  /** Freshsales user id owning every migrated record (unless the map writes owner_id itself); null = the API key's user. */
  ownerId: string | null;
}

/** A phase that loads in bulk: records per bulk call and the bound on one job's wait. */
export interface BulkPhaseDeps extends PhaseDeps {
  /** Records per bulk call (capped at 100). */
  batchSize: number;
  /** Bound on waiting for one bulk job (real ms; the time scale applied; default JOB_WAIT_LIMIT_MS). */
  jobWaitLimitMs?: number;
}
