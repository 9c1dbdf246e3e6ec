/**
 * The batch loader shared by the contact, account and deal phases. One batch (at most 100
 * records, what one bulk_upsert takes): one bulk_upsert, a wait for its asynchronous job that
 * costs calls only while the job's duration is still unknown (JobTimer), one read-back of the
 * whole batch, field-by-field verification; a re-send for records a job did not write, a single
 * write for each record still missing or written differently; then journal, verification
 * results and failures committed together. In the normal case a batch costs two calls: the
 * bulk_upsert and the read-back.
 *
 * Crash safety: the batch is marked sent (committed) before its first write, so a resumed run
 * knows it may have written; every write is keyed by the record's identity (email, id or
 * name), so writing again is idempotent; nothing is journaled until `completeBatch` commits the
 * batch's whole outcome in one transaction.
 *
 * What differs per entity — how a record is identified in the bulk call, how the batch is read
 * back and keyed, how a record is verified and written alone, which errors are the vendor
 * refusing one record — comes in a `BulkLoadSpec`.
 */
import { hostname } from 'node:os';
import type { ObjectName } from '../core/model.js';
import { classifyWriteError, type BulkWriter, type FsRecord, type JobResult } from '../connectors/freshsales/index.js';
import type { BatchOutcome, BatchRow, DestinationMatch, FailureEntry, JournalEntryInput, VerifyResult } from '../state/store.js';
import { poll } from '../core/poll.js';
import { JobTimer } from './job-timer.js';
import type { RecordCheck } from './verify.js';
import type { BulkPhaseDeps } from './phase-deps.js';

/** Read-backs of one batch before giving up on a job that never finishes. */
const MAX_READBACKS = 8;
/** Default bound on waiting for one bulk job, real milliseconds (scaled by the caller on simulators). */
export const JOB_WAIT_LIMIT_MS = 15 * 60_000;
/** First "still waiting" note after this long, then every NOTE_EVERY_MS. */
const NOTE_AFTER_MS = 10_000;
const NOTE_EVERY_MS = 30_000;

/** One prepared record of a batch, as the engine handles it. */
export interface BulkLoadItem {
  sourceKey: string;
  /**
   * The record's identity within its batch: the key of its destination match, and of the
   * engine's bookkeeping (contacts: the normalised email; deals and accounts: the source key).
   */
  matchKey: string;
  /** The key the read-back finds the record under (`BulkLoadSpec.readBack`). */
  readKey: string;
  payload: Record<string, unknown>;
  payloadHash: string;
}

/**
 * What the loader runs for one entity: the destination connector's writer (how records are
 * addressed, written, read back and refused) plus what stays with the pipeline — the phase's
 * object, the matches made before writing, and field-by-field verification.
 */
export interface BulkLoadSpec<I extends BulkLoadItem> extends BulkWriter<I> {
  object: ObjectName;
  /**
   * The destination matches of a batch's items, keyed by `matchKey` (a record with a match is
   * updated and journaled with its before-image; one without is created). Called before the
   * batch is marked sent, so matches it saves are committed before any write.
   */
  matches(batch: BatchRow, items: I[]): Promise<Map<string, DestinationMatch>>;
  /** Compare what was written with what reads back, field by field (fields the read cannot show are unverifiable). */
  verify(payload: I['payload'], record: FsRecord): RecordCheck;
}

/** What the loader needs of a phase's dependencies. */
export type BulkLoadDeps = Pick<BulkPhaseDeps, 'store' | 'runId' | 'dest' | 'clock' | 'progress' | 'jobWaitLimitMs'>;

/**
 * Loads the batches of one phase. Keep one loader per phase: its JobTimer learns the bulk
 * job duration across the phase's batches (concurrent ones included).
 */
export class BulkLoader<I extends BulkLoadItem> {
  private readonly timer = new JobTimer();
  /**
   * Set when the account refuses the bulk endpoint itself (404/405: not on this plan or
   * product; 403: this key's role may not use it): from then on every batch goes through
   * single writes, which cost one call per record but still work.
   */
  private bulkUnavailable: string | null = null;

  /** Why bulk writes were abandoned for this phase, if they were. */
  get bulkUnavailableReason(): string | null {
    return this.bulkUnavailable;
  }

  constructor(
    private readonly d: BulkLoadDeps,
    private readonly spec: BulkLoadSpec<I>,
  ) {}

  /**
   * Load one batch and commit its outcome (journal, verification, failures) with
   * `completeBatch`, which also marks the batch done. An empty batch is just completed.
   */
  async load(batch: BatchRow, items: I[]): Promise<BatchOutcome> {
    const outcome = items.length > 0 ? await this.write(batch, items) : { journal: [], verify: [], failures: [] };
    await this.d.store.completeBatch(this.d.runId, this.spec.object, batch.batchNo, outcome, new Date(this.d.clock.now()));
    return outcome;
  }

  private async write(batch: BatchRow, items: I[]): Promise<BatchOutcome> {
    const { d, spec } = this;
    const matches = await spec.matches(batch, items);
    // From here on the batch may have written: a resume must know it, and use the matches above.
    await d.store.markBatchSent(d.runId, spec.object, batch.batchNo, null);

    const found = new Map<string, FsRecord>();
    const verify = new Map<string, VerifyResult>();
    const failures: FailureEntry[] = [];
    let missing = items;
    const mismatched: I[] = [];
    // Up to two bulk attempts for records a job did not write (a failed job, a record the job
    // skipped); records written but read back different get a single write each.
    for (let attempt = 0; attempt < 2 && missing.length >= spec.resend.minBulk && !this.bulkUnavailable; attempt++) {
      if (attempt > 0 && spec.resend.markEachSend) await d.store.markBatchSent(d.runId, spec.object, batch.batchNo, null);
      let jobRef: string | null;
      try {
        ({ jobRef } = await d.dest.bulkUpsert(
          spec.entity,
          missing.map((i) => spec.bulkItem(i, matches.get(i.matchKey))),
          (m) => d.progress.note(m),
        ));
      } catch (e) {
        // 404/405 (after the client's retries of a transient 405): no bulk endpoint on this
        // account; 403: this key's role may not use it. Anything else stops the batch.
        const c = classifyWriteError(e, 'bulk');
        if (c.kind !== 'unavailable') throw e;
        this.bulkUnavailable = `bulk_upsert for ${spec.entity} answered HTTP ${c.status}${c.status === 405 ? ' on every retry' : ''}: falling back to one call per record`;
        break;
      }
      if (jobRef) await d.store.markBatchSent(d.runId, spec.object, batch.batchNo, jobRef);
      const out = await this.awaitAndReadBack(batch, missing, matches, jobRef, found, verify);
      for (const [i, reason] of out.rejected) failures.push({ sourceKey: i.sourceKey, reason });
      missing = out.missing;
      mismatched.push(...out.mismatched);
      if (spec.resend.onlyAfterFailedJob && out.job?.state !== 'failed') break;
    }
    for (const i of [...missing, ...mismatched]) {
      try {
        const record = await spec.writeOne(i, matches.get(i.matchKey));
        found.set(i.matchKey, record);
        verify.set(i.matchKey, { sourceKey: i.sourceKey, ...spec.verify(i.payload, record) });
      } catch (e) {
        const reason = spec.rejection(e, i);
        if (reason === null) throw e;
        failures.push({ sourceKey: i.sourceKey, reason });
        // What a read-back saw of a refused record is not what this run wrote: neither journaled nor verified.
        found.delete(i.matchKey);
        verify.delete(i.matchKey);
      }
    }

    const journal: JournalEntryInput[] = [];
    for (const i of items) {
      const rec = found.get(i.matchKey);
      if (!rec) continue;
      const m = matches.get(i.matchKey);
      journal.push({ sourceKey: i.sourceKey, destId: rec.id, action: m ? 'updated' : 'created', beforeImage: m?.beforeImage ?? null, payloadHash: i.payloadHash });
    }
    // Every record ends journaled or failed: a batch marked done leaves nothing unaccounted for.
    const unwritten = items.filter((i) => !found.has(i.matchKey) && !failures.some((f) => f.sourceKey === i.sourceKey));
    for (const i of unwritten) failures.push({ sourceKey: i.sourceKey, reason: `Freshsales did not write ${spec.describe(i)} and gave no reason` });
    return { journal, verify: [...verify].filter(([k]) => found.has(k)).map(([, v]) => v), failures };
  }

  /**
   * Wait for a bulk job the economical way and read the batch back (one call). While the
   * JobTimer has learned nothing, poll the job with growing intervals and learn its duration;
   * after that, sleep the learned time and read back once, polling the job only when the
   * read-back came too early. Every wait is bounded and says what it waits for. Returns the
   * items still missing, those present but different, those the job's failure report names
   * as refused (with the vendor's reason, at no extra call), and the job's result if seen.
   */
  private async awaitAndReadBack(
    batch: BatchRow,
    items: I[],
    matches: Map<string, DestinationMatch>,
    jobRef: string | null,
    found: Map<string, FsRecord>,
    verify: Map<string, VerifyResult>,
  ): Promise<{ missing: I[]; mismatched: I[]; rejected: Map<I, string>; job: JobResult | null }> {
    const { d, spec, timer } = this;
    const started = d.clock.now();
    const limit = d.jobWaitLimitMs ?? JOB_WAIT_LIMIT_MS;
    const what = `bulk job ${jobRef ?? '?'} (${spec.object} batch ${batch.batchNo}, ${items.length} record(s))`;
    let job: JobResult | null = null;
    if (timer.waitMs === null && jobRef) {
      const ref = jobRef;
      let noteAt = NOTE_AFTER_MS;
      const out = await poll(() => d.dest.jobStatus(ref), (s) => s.state !== 'running', { initialMs: 50, factor: 2, maxIntervalMs: 5_000, maxWaitMs: limit }, d.clock, {
        onWait: (elapsed, last) => {
          if (elapsed < noteAt) return;
          d.progress.note(`waiting for ${what}: status "${last.status}", ${Math.round(elapsed / 1000)} s so far (gives up after ${Math.round(limit / 1000)} s)`);
          noteAt = elapsed + NOTE_EVERY_MS;
        },
      });
      if (out.settled) {
        timer.observed(out.elapsedMs);
        job = out.value;
      } else {
        d.progress.note(`${what} still reports "${out.value.status}" after ${Math.round(out.elapsedMs / 1000)} s: reading back what it wrote; the rest is written again`);
      }
    } else {
      await d.clock.sleep(timer.waitMs ?? 100);
    }
    let remaining = items;
    let mismatched: I[] = [];
    for (let round = 0; round < MAX_READBACKS; round++) {
      const byKey = await spec.readBack(remaining);
      const next: I[] = [];
      mismatched = [];
      for (const i of remaining) {
        const rec = byKey.get(i.readKey);
        const v = rec ? spec.verify(i.payload, rec) : null;
        if (rec && v) {
          // Kept even when different: if nothing better comes, the record exists but differs.
          found.set(i.matchKey, rec);
          verify.set(i.matchKey, { sourceKey: i.sourceKey, ...v });
        }
        if (!v?.ok) {
          if (rec) mismatched.push(i);
          next.push(i);
        }
      }
      if (round === 0) {
        if (next.length === 0) timer.hit();
        else if (job === null) timer.miss();
      }
      remaining = next;
      if (remaining.length === 0 || job !== null || !jobRef || d.clock.now() - started >= limit) break;
      const status = await d.dest.jobStatus(jobRef);
      if (status.state !== 'running') {
        // The job finished after our read: one more read-back sees what it wrote.
        job = status;
        continue;
      }
      await d.clock.sleep(Math.max(20, timer.waitMs ?? 100) / 2);
    }
    // Records the job's failure report names were refused by validation: a failure with the
    // vendor's reason, not a re-send (which would be refused again).
    const rejected = new Map<I, string>();
    if (job && job.rejected.size > 0) {
      for (const i of remaining) {
        const reasons = job.rejected.get(spec.reportKey(i, matches.get(i.matchKey)));
        if (!reasons) continue;
        rejected.set(i, `Freshsales refused ${spec.describe(i)} in bulk job ${jobRef}: ${reasons.join('; ')}`);
        found.delete(i.matchKey);
        verify.delete(i.matchKey);
      }
    }
    const wrong = new Set(mismatched);
    return {
      missing: remaining.filter((i) => !wrong.has(i) && !rejected.has(i)),
      mismatched: mismatched.filter((i) => !rejected.has(i)),
      rejected,
      job,
    };
  }
}

/** How long a claimed batch is leased, and how often the lease is renewed while it loads. */
export const LEASE_MS = 60_000;
const RENEW_EVERY_MS = 20_000;
let claimSlots = 0;

/** What `loadBatches` needs: the loader's dependencies and the executor. */
export type BatchLoopDeps = BulkLoadDeps & Pick<BulkPhaseDeps, 'executor'>;

/**
 * The one batch loop of the bulk-loaded phases: plan the phase's batches once (checkpointed),
 * then let the executor's workers claim them one at a time with a lease (renewed while a batch
 * loads), so two workers — here or, later, on other machines sharing the store — never load
 * the same batch, and a crashed worker's batch is claimed again once its lease runs out.
 * `load` handles one claimed batch and returns how many records it covered (for progress).
 */
export async function loadBatches<I extends BulkLoadItem>(
  d: BatchLoopDeps,
  o: { object: ObjectName; size: number; step: string; total: number | null; loader: BulkLoader<I>; load: (batch: BatchRow) => Promise<number> },
): Promise<void> {
  if ((await d.store.getCheckpoint(d.runId, `${o.object}:batched`)) !== 'done') {
    await d.store.planBatches(d.runId, o.object, o.size);
    await d.store.setCheckpoint(d.runId, `${o.object}:batched`, 'done');
  }
  const now = () => new Date(d.clock.now());
  // Each claim is its own worker: a claimer may take back its own lease, so the executor's
  // concurrent workers must not share one name.
  const claims = async function* () {
    for (;;) {
      const worker = `${hostname()}:${process.pid}:${++claimSlots}`;
      const b = await d.store.claimBatch(d.runId, o.object, worker, LEASE_MS, now());
      if (!b) return;
      yield { phase: o.object, batchNo: b.batchNo, row: b, worker };
    }
  };
  let started = false;
  await d.executor.run(claims(), async (u) => {
    if (!started) d.progress.start(o.step, o.total);
    started = true;
    const renew = setInterval(() => {
      void d.store.renewLease(d.runId, o.object, u.batchNo, u.worker, LEASE_MS, now()).then((held) => {
        // Writes are keyed by identity, so a batch another worker took over is written twice at worst, never duplicated.
        if (!held) d.progress.note(`${o.object} batch ${u.batchNo}: its lease was taken over by another worker while it loaded`);
      }, () => undefined);
    }, RENEW_EVERY_MS);
    try {
      d.progress.advance(await o.load(u.row));
    } finally {
      clearInterval(renew);
    }
  });
  if (started) d.progress.end();
  // One call per record instead of two per hundred: the user must know why the budget ran faster.
  if (o.loader.bulkUnavailableReason) d.progress.note(o.loader.bulkUnavailableReason);
}
