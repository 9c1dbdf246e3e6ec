/**
 * Asynchronous bulk upserts: `POST /api/<entity>/bulk_upsert` answers with a job status
 * URL, and the records appear only when the job completes, `bulkJobMs` (scaled) later
 * [3P]. Items that fail validation are skipped silently because per-record results are
 * undocumented [?]: a client must read back to learn what was written and with which ids.
 * An injected `bulkfail` ends the job "failed" having applied none or a prefix.
 */
import { ApiError } from './errors.js';
import type { IdSequence } from './ids.js';
import type { Rng } from '../common/prng.js';
import type { RecordEntity } from './records.js';
import type { Tenant } from './tenant.js';

/** Most items one bulk_upsert may carry [DOC]. */
export const BULK_MAX_ITEMS = 100;

/** The `job_status` object of `GET /api/job_statuses/:id`. */
export interface JobStatus {
  id: number;
  status: 'in_progress' | 'completed' | 'failed';
  progress: number;
  total: number;
  processed: number;
  created_at: string;
}

interface Job {
  id: number;
  entity: RecordEntity;
  items: unknown[];
  createdAt: number;
  doneAt: number;
  /** Undefined while running; otherwise how many items were processed before the end. */
  processed?: number;
  failed: boolean;
  /** For a failing job: how many leading items it applies before failing. */
  failAfter: number;
  timer?: ReturnType<typeof setTimeout>;
}

/** Identifier keys per entity; `id` wins when an item carries more than one. */
const IDENTIFIERS: Record<RecordEntity, string[]> = { contacts: ['id', 'emails'], sales_accounts: ['id', 'name'], deals: ['id', 'name'] };

/** The bulk job queue of one simulator. */
export class BulkJobs {
  private readonly jobs = new Map<number, Job>();

  constructor(
    private readonly tenant: Tenant,
    private readonly opts: {
      /** Real milliseconds a job runs (already divided by timeScale). */
      durationMs: () => number;
      ids: IdSequence;
      now: () => number;
      /** Asked once per job: should it fail (the `bulkfail` fault)? */
      shouldFail: () => boolean;
      rng: Rng;
    },
  ) {}

  /** Validate the envelope and queue a job. Throws ApiError(400) for a bad envelope. */
  submit(entity: RecordEntity, items: unknown): Job {
    if (!Array.isArray(items) || items.length === 0) throw new ApiError(400, [`${entity} must be a non-empty array`]);
    if (items.length > BULK_MAX_ITEMS) throw new ApiError(400, [`At most ${BULK_MAX_ITEMS} records can be upserted in one request (got ${items.length})`]);
    const now = this.opts.now();
    const failed = this.opts.shouldFail();
    // Half the failing jobs apply nothing, the rest a random prefix: both happen live.
    const failAfter = failed && this.opts.rng() >= 0.5 ? Math.floor(this.opts.rng() * items.length) : 0;
    const duration = Math.max(0, this.opts.durationMs());
    const job: Job = { id: this.opts.ids.take(), entity, items, createdAt: now, doneAt: now + duration, failed, failAfter };
    job.timer = setTimeout(() => this.finish(job), duration);
    this.jobs.set(job.id, job);
    return job;
  }

  /** Current status of a job; 404 for an unknown id. */
  status(id: string): JobStatus {
    const job = this.jobs.get(Number(id));
    if (!job) throw new ApiError(404, ['Job not found']);
    // A poll after the deadline sees the result even if the timer has not fired yet.
    if (job.processed === undefined && this.opts.now() >= job.doneAt) this.finish(job);
    const total = job.items.length;
    const base = { id: job.id, total, created_at: new Date(job.createdAt).toISOString() };
    if (job.processed === undefined) {
      const span = Math.max(1, job.doneAt - job.createdAt);
      const progress = Math.min(99, Math.floor(((this.opts.now() - job.createdAt) / span) * 100));
      return { ...base, status: 'in_progress', progress, processed: 0 };
    }
    if (job.failed) return { ...base, status: 'failed', progress: Math.floor((job.processed / total) * 100), processed: job.processed };
    return { ...base, status: 'completed', progress: 100, processed: total };
  }

  /** Stop pending timers (server shutdown); unfinished jobs never apply. */
  close(): void {
    for (const job of this.jobs.values()) if (job.timer) clearTimeout(job.timer);
  }

  private finish(job: Job): void {
    if (job.processed !== undefined) return;
    if (job.timer) clearTimeout(job.timer);
    const limit = job.failed ? job.failAfter : job.items.length;
    for (let i = 0; i < limit; i++) this.apply(job.entity, job.items[i]);
    job.processed = limit;
  }

  private apply(entity: RecordEntity, item: unknown): void {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return;
    const it = item as Record<string, unknown>;
    const key = IDENTIFIERS[entity].find((k) => it[k] !== undefined && it[k] !== null);
    if (!key) return;
    try {
      this.tenant.upsert(entity, { [key]: it[key] }, it.data ?? {});
    } catch (e) {
      // Per-record failures inside a job are not reported anywhere [?]: skip silently.
      if (!(e instanceof ApiError)) throw e;
    }
  }
}
