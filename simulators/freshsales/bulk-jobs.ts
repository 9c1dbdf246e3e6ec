/**
 * Asynchronous bulk upserts: `POST /api/<entity>/bulk_upsert` answers with a job status
 * URL, and the records appear only when the job completes, `bulkJobMs` (scaled) later
 * [3P]. Items that fail validation are skipped and named in the job's
 * `detailed_failure_report` (inside the `data` JSON string) [3P]; ids are not reported, so
 * a client reads back to learn them. An injected `bulkfail` ends the job FAILED having
 * applied none or a prefix.
 */
import { ApiError } from './errors.js';
import type { IdSequence } from './ids.js';
import type { Rng } from '../common/prng.js';
import type { Stamp } from './read-shapes.js';
import type { RecordEntity } from './records.js';
import type { Tenant } from './tenant.js';

/** Most items one bulk_upsert may carry [DOC]. */
export const BULK_MAX_ITEMS = 100;

/**
 * `GET /api/job_statuses/:id` as third-party clients recorded it from live accounts: flat,
 * with `data` a JSON *string* that parses to {@link JobData}. Only `SUCCESS` was recorded;
 * the in-progress and failure spellings here (`IN_PROGRESS`, `FAILED`) are assumptions [?].
 */
export interface JobStatus {
  id: number;
  status: 'IN_PROGRESS' | 'SUCCESS' | 'FAILED';
  job_type_name: string;
  created_at: string;
  status_updated_at: string;
  progress: number;
  /** JSON text of {@link JobData}; null while the job runs. */
  data: string | null;
}

/** What a finished job's `data` string parses to. */
export interface JobData {
  record_status: { succeeded: number; failed: number };
  /** One entry per record the job refused, named by the identifier it was sent with. */
  detailed_failure_report: Array<Record<string, unknown> & { error_message: string[] }>;
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
  succeeded: number;
  report: JobData['detailed_failure_report'];
  finishedAt?: number;
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
      /** How timestamps are written (the account's offset, no milliseconds). */
      stamp: Stamp;
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
    const job: Job = { id: this.opts.ids.take(), entity, items, createdAt: now, doneAt: now + duration, failed, failAfter, succeeded: 0, report: [] };
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
    const stamp = this.opts.stamp;
    const base = {
      id: job.id,
      job_type_name: `${SINGULAR_LABEL[job.entity]} bulk upsert`,
      created_at: stamp(job.createdAt),
    };
    if (job.processed === undefined) {
      const span = Math.max(1, job.doneAt - job.createdAt);
      const progress = Math.min(99, Math.floor(((this.opts.now() - job.createdAt) / span) * 100));
      return { ...base, status: 'IN_PROGRESS', status_updated_at: stamp(job.createdAt), progress, data: null };
    }
    const total = job.items.length;
    const data: JobData = { record_status: { succeeded: job.succeeded, failed: total - job.succeeded }, detailed_failure_report: job.report };
    return {
      ...base,
      status: job.failed ? 'FAILED' : 'SUCCESS',
      status_updated_at: stamp(job.finishedAt ?? job.doneAt),
      progress: job.failed ? Math.floor((job.processed / total) * 100) : 100,
      data: JSON.stringify(data),
    };
  }

  /** Stop pending timers (server shutdown); unfinished jobs never apply. */
  close(): void {
    for (const job of this.jobs.values()) if (job.timer) clearTimeout(job.timer);
  }

  private finish(job: Job): void {
    if (job.processed !== undefined) return;
    if (job.timer) clearTimeout(job.timer);
    const limit = job.failed ? job.failAfter : job.items.length;
    for (let i = 0; i < limit; i++) this.apply(job, job.items[i]);
    job.processed = limit;
    job.finishedAt = this.opts.now();
  }

  private apply(job: Job, item: unknown): void {
    const refuse = (id: Record<string, unknown>, messages: string[]): void => void job.report.push({ ...id, error_message: messages });
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return refuse({}, ['Invalid record']);
    const it = item as Record<string, unknown>;
    const key = IDENTIFIERS[job.entity].find((k) => it[k] !== undefined && it[k] !== null);
    if (!key) return refuse({}, ['Record has no identifier']);
    try {
      this.tenant.upsert(job.entity, { [key]: it[key] }, it.data ?? {});
      job.succeeded++;
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      // The report names the record by the identifier it was sent with [3P].
      refuse({ [key]: it[key] }, e.messages);
    }
  }
}

const SINGULAR_LABEL: Record<RecordEntity, string> = { contacts: 'Contact', sales_accounts: 'SalesAccount', deals: 'Deal' };
