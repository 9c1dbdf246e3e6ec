import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/core/clock.js';
import { TerminalError, TransientError } from '../../src/core/errors.js';
import type { BulkItem, FreshsalesClient, FsRecord, JobResult, JobState } from '../../src/connectors/freshsales/index.js';
import { BulkLoader, type BulkLoadItem, type BulkLoadSpec } from '../../src/pipeline/bulk-load.js';
import type { ResendPolicy } from '../../src/connectors/freshsales/index.js';
import { verifyRecord } from '../../src/pipeline/verify.js';
import type { BatchOutcome, BatchRow, DestinationMatch, StateStore } from '../../src/state/store.js';

/**
 * A fake destination on virtual time: a bulk job takes `jobMs`, then writes what `writes`
 * lets it write and ends in `final`. Every call and store write lands in one log, in order.
 */
function world(opts: { jobMs?: number; jobs?: Array<{ final?: JobState; skip?: string[]; garble?: string[]; refuse?: Record<string, string>; never?: boolean }>; singleFails?: Record<string, Error>; bulkRefused?: number } = {}) {
  const log: string[] = [];
  let now = 0;
  const clock: Clock = { now: () => now, sleep: async (ms) => void (now += ms) };
  const records = new Map<string, FsRecord>();
  const jobs = new Map<string, { doneAt: number; final: JobState; apply: () => void; applied: boolean; refuse: Record<string, string> }>();
  const notes: string[] = [];
  let nextId = 1;
  const put = (name: string, data: Record<string, unknown>) => {
    const id = records.get(name)?.id ?? String(nextId++);
    records.set(name, { ...records.get(name), ...data, id } as FsRecord);
    return records.get(name)!;
  };
  const settle = () => {
    for (const j of jobs.values()) if (!j.applied && now >= j.doneAt) {
      j.applied = true;
      j.apply();
    }
  };
  const dest = {
    async bulkUpsert(_entity: string, items: BulkItem[]) {
      if (opts.bulkRefused) {
        log.push('bulkUpsert refused');
        throw new TerminalError('bulk_upsert not found', { http: { method: 'POST', path: '/api/deals/bulk_upsert', status: opts.bulkRefused } });
      }
      const ref = `job${jobs.size + 1}`;
      const spec = opts.jobs?.[jobs.size] ?? {};
      log.push(`bulkUpsert ${items.map((i) => i.name).join(',')}`);
      jobs.set(ref, {
        doneAt: spec.never ? Number.POSITIVE_INFINITY : now + (opts.jobMs ?? 300),
        final: spec.final ?? 'completed',
        applied: false,
        refuse: spec.refuse ?? {},
        apply: () => {
          if (spec.final === 'failed') return;
          for (const i of items) {
            if (spec.skip?.includes(i.name!) || spec.refuse?.[i.name!]) continue;
            put(i.name!, spec.garble?.includes(i.name!) ? { ...i.data, v: 'garbled' } : i.data);
          }
        },
      });
      return { jobRef: ref };
    },
    async jobStatus(ref: string): Promise<JobResult> {
      settle();
      const j = jobs.get(ref)!;
      const state = now >= j.doneAt ? j.final : 'running';
      log.push(`jobStatus ${state}`);
      const rejected = new Map(state === 'running' ? [] : Object.entries(j.refuse).map(([k, why]) => [k, [why]] as [string, string[]]));
      return { state, status: state === 'running' ? 'IN_PROGRESS' : state.toUpperCase(), rejected, succeeded: null, failed: null };
    },
    async upsert(_entity: string, id: { name: string }, data: Record<string, unknown>) {
      log.push(`upsert ${id.name}`);
      const fail = opts.singleFails?.[id.name];
      if (fail) throw fail;
      return { created: true, record: put(id.name, data) };
    },
  };
  const completed: BatchOutcome[] = [];
  const store = {
    async markBatchSent(_run: string, _o: string, batchNo: number, jobRef: string | null) {
      log.push(`markBatchSent ${batchNo} ${jobRef}`);
    },
    async completeBatch(_run: string, _o: string, batchNo: number, outcome: BatchOutcome) {
      log.push(`completeBatch ${batchNo}`);
      completed.push(outcome);
    },
  };
  const readBack = async (items: Item[]) => {
    settle();
    log.push(`readBack ${items.map((i) => i.readKey).join(',')}`);
    return new Map([...records].filter(([k]) => items.some((i) => i.readKey === k)));
  };
  const spec = (resend: ResendPolicy, matches = new Map<string, DestinationMatch>()): BulkLoadSpec<Item> => ({
    entity: 'deals',
    object: 'deal',
    resend,
    matches: async () => matches,
    bulkItem: (i) => ({ name: i.readKey, data: i.payload }),
    readBack,
    verify: verifyRecord,
    reportKey: (i) => i.readKey,
    writeOne: async (i) => (await dest.upsert('deals', { name: i.readKey }, i.payload)).record,
    rejection: (e) => (e instanceof TerminalError ? e.message : null),
    describe: (i) => `"${i.readKey}"`,
  });
  const loader = (s: BulkLoadSpec<Item>) =>
    new BulkLoader(
      {
        store: store as unknown as StateStore, runId: 'r', dest: dest as unknown as FreshsalesClient, clock, jobWaitLimitMs: 60_000,
        progress: { start() {}, advance() {}, end() {}, note: (m: string) => void notes.push(m) },
      },
      s,
    );
  return { log, loader, spec, completed, records, notes, now: () => now };
}

type Item = BulkLoadItem;

const item = (name: string): Item => ({ sourceKey: `src:${name}`, matchKey: `src:${name}`, readKey: name, payload: { name, v: name.toUpperCase() }, payloadHash: `h${name}` });
const batch = (batchNo: number, status: BatchRow['status'] = 'pending'): BatchRow => ({ object: 'deal', batchNo, status, jobRef: null, attempts: 0 });

/** Contacts' policy: always bulk, re-send whatever is missing, count each send. */
const EVERY_MISSING: ResendPolicy = { minBulk: 1, onlyAfterFailedJob: false, markEachSend: true };
/** Deals' and accounts' policy: a single record goes alone, re-send only after a failed job. */
const AFTER_FAILED_JOB: ResendPolicy = { minBulk: 2, onlyAfterFailedJob: true, markEachSend: false };

describe('bulk loader', () => {
  it('polls the first job to learn its duration, then costs one bulk_upsert and one read-back per batch', async () => {
    const w = world();
    const loader = w.loader(w.spec(EVERY_MISSING));
    await loader.load(batch(1), [item('a'), item('b')]);
    expect(w.log.filter((l) => l.startsWith('jobStatus')).length).toBeGreaterThan(0);
    w.log.length = 0;
    const out = await loader.load(batch(2), [item('c'), item('d')]);
    expect(w.log).toEqual(['markBatchSent 2 null', 'bulkUpsert c,d', 'markBatchSent 2 job2', 'readBack c,d', 'completeBatch 2']);
    expect(out.journal.map((j) => [j.sourceKey, j.action])).toEqual([['src:c', 'created'], ['src:d', 'created']]);
    expect(out.verify.every((v) => v.ok)).toBe(true);
    expect(out.failures).toEqual([]);
  });

  it('journals a matched record as updated with its before-image', async () => {
    const w = world();
    const matches = new Map([['src:a', { matchKey: 'src:a', destId: '99', beforeImage: { v: 'old' } }]]);
    const out = await w.loader(w.spec(EVERY_MISSING, matches)).load(batch(1), [item('a'), item('b')]);
    expect(out.journal).toEqual([
      { sourceKey: 'src:a', destId: expect.any(String), action: 'updated', beforeImage: { v: 'old' }, payloadHash: 'ha' },
      { sourceKey: 'src:b', destId: expect.any(String), action: 'created', beforeImage: null, payloadHash: 'hb' },
    ]);
  });

  it('re-sends what a failed job did not write, marking the batch sent before each send when asked to', async () => {
    const w = world({ jobs: [{ final: 'failed' }] });
    const out = await w.loader(w.spec(EVERY_MISSING)).load(batch(1), [item('a'), item('b')]);
    expect(w.log.filter((l) => l.startsWith('bulkUpsert') || l.startsWith('markBatchSent'))).toEqual([
      'markBatchSent 1 null', 'bulkUpsert a,b', 'markBatchSent 1 job1', 'markBatchSent 1 null', 'bulkUpsert a,b', 'markBatchSent 1 job2',
    ]);
    expect(out.journal).toHaveLength(2);
    expect(w.log).not.toContain('upsert a');
  });

  it('after a failed job re-sends once, without a new attempt mark, under the after-failed-job policy', async () => {
    const w = world({ jobs: [{ final: 'failed' }] });
    await w.loader(w.spec(AFTER_FAILED_JOB)).load(batch(1), [item('a'), item('b')]);
    expect(w.log.filter((l) => l.startsWith('bulkUpsert') || l.startsWith('markBatchSent'))).toEqual([
      'markBatchSent 1 null', 'bulkUpsert a,b', 'markBatchSent 1 job1', 'bulkUpsert a,b', 'markBatchSent 1 job2',
    ]);
  });

  it('re-sends what a completed job skipped under the every-missing policy, but writes it alone under the after-failed-job one', async () => {
    const every = world({ jobs: [{ skip: ['b'] }] });
    await every.loader(every.spec(EVERY_MISSING)).load(batch(1), [item('a'), item('b')]);
    expect(every.log.filter((l) => l.startsWith('bulkUpsert') || l.startsWith('upsert'))).toEqual(['bulkUpsert a,b', 'bulkUpsert b']);

    const failed = world({ jobs: [{ skip: ['b'] }] });
    const out = await failed.loader(failed.spec(AFTER_FAILED_JOB)).load(batch(1), [item('a'), item('b')]);
    expect(failed.log.filter((l) => l.startsWith('bulkUpsert') || l.startsWith('upsert'))).toEqual(['bulkUpsert a,b', 'upsert b']);
    expect(out.journal.map((j) => j.sourceKey)).toEqual(['src:a', 'src:b']);
  });

  it('writes a record read back different alone, and verifies what that write returns', async () => {
    const w = world({ jobs: [{ garble: ['a'] }] });
    const out = await w.loader(w.spec(EVERY_MISSING)).load(batch(1), [item('a'), item('b')]);
    expect(w.log.filter((l) => l.startsWith('bulkUpsert') || l.startsWith('upsert'))).toEqual(['bulkUpsert a,b', 'upsert a']);
    expect(out.verify.map((v) => [v.sourceKey, v.ok])).toEqual([['src:a', true], ['src:b', true]]);
  });

  it('fails a record the vendor refuses (neither journaled nor verified) and rethrows anything else uncommitted', async () => {
    const w = world({ jobs: [{ garble: ['a'] }], singleFails: { a: new TerminalError('refused a') } });
    const out = await w.loader(w.spec(EVERY_MISSING)).load(batch(1), [item('a'), item('b')]);
    expect(out.failures).toEqual([{ sourceKey: 'src:a', reason: 'refused a' }]);
    expect(out.journal.map((j) => j.sourceKey)).toEqual(['src:b']);
    expect(out.verify.map((v) => v.sourceKey)).toEqual(['src:b']);

    const down = world({ jobs: [{ garble: ['a'] }], singleFails: { a: new TransientError('503') } });
    await expect(down.loader(down.spec(EVERY_MISSING)).load(batch(1), [item('a'), item('b')])).rejects.toThrow('503');
    expect(down.log).not.toContain('completeBatch 1');
  });

  it('writes a batch smaller than minBulk alone, after marking it sent', async () => {
    const w = world();
    const out = await w.loader(w.spec(AFTER_FAILED_JOB)).load(batch(1), [item('a')]);
    expect(w.log).toEqual(['markBatchSent 1 null', 'upsert a', 'completeBatch 1']);
    expect(out.journal).toHaveLength(1);
  });

  it('completes an empty batch without a call', async () => {
    const w = world();
    const out = await w.loader(w.spec(EVERY_MISSING)).load(batch(1), []);
    expect(w.log).toEqual(['completeBatch 1']);
    expect(out).toEqual({ journal: [], verify: [], failures: [] });
  });

  it('falls back to single writes for the rest of the phase when the account has no bulk endpoint', async () => {
    const w = world({ bulkRefused: 404 });
    const loader = w.loader(w.spec(EVERY_MISSING));
    const first = await loader.load(batch(1), [item('a'), item('b')]);
    expect(first.journal).toHaveLength(2);
    expect(first.failures).toEqual([]);
    expect(loader.bulkUnavailableReason).toContain('HTTP 404');
    w.log.length = 0;
    await loader.load(batch(2), [item('c')]);
    // No second try of the refused endpoint: straight to the single write.
    expect(w.log).toEqual(['markBatchSent 2 null', 'upsert c', 'completeBatch 2']);
  });

  it('does not take a validation error of the bulk call for a missing endpoint', async () => {
    const w = world({ bulkRefused: 400 });
    await expect(w.loader(w.spec(EVERY_MISSING)).load(batch(1), [item('a')])).rejects.toThrow('bulk_upsert not found');
  });

  it("fails the records a job's failure report names, with the vendor's reason and without another call for them", async () => {
    const w = world({ jobs: [{ refuse: { b: 'b@x.io already exists.' } }] });
    const out = await w.loader(w.spec(AFTER_FAILED_JOB)).load(batch(1), [item('a'), item('b'), item('c')]);
    expect(out.failures).toEqual([{ sourceKey: 'src:b', reason: 'Freshsales refused "b" in bulk job job1: b@x.io already exists.' }]);
    expect(out.journal.map((j) => j.sourceKey)).toEqual(['src:a', 'src:c']);
    // No single write and no re-send for the refused record.
    expect(w.log.filter((l) => l.startsWith('upsert') || l.startsWith('bulkUpsert'))).toEqual(['bulkUpsert a,b,c']);
  });

  it('bounds the wait for a job that never finishes, says what it waits for, then writes what is missing', async () => {
    const w = world({ jobs: [{ never: true }] });
    const out = await w.loader(w.spec(AFTER_FAILED_JOB)).load(batch(1), [item('a'), item('b')]);
    // Gives up before the next wait would pass the 60 s bound (shared poll policy).
    expect(w.now()).toBeGreaterThan(45_000);
    expect(w.now()).toBeLessThan(200_000);
    expect(w.notes.some((n) => /waiting for bulk job job1 \(deal batch 1, 2 record\(s\)\): status "IN_PROGRESS"/.test(n))).toBe(true);
    expect(w.notes.some((n) => /still reports "IN_PROGRESS"/.test(n))).toBe(true);
    // The records were written alone (upsert by name: idempotent if the job writes them later).
    expect(w.log.filter((l) => l.startsWith('upsert'))).toEqual(['upsert a', 'upsert b']);
    expect(out.journal).toHaveLength(2);
  });
});
