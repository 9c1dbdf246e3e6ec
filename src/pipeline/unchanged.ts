/**
 * Records unchanged since the journal cost nothing: a record whose prepared payload hashes the
 * same as the newest journal entry for its source key (any run: a sample, an earlier full run,
 * a delta; writes a rollback undid do not count) is marked `skipped` instead of written. The
 * engine asks for it with `RunMode.skipUnchanged`; the phases apply it right after their
 * prepare steps, before matching, planning and batching, so a skipped record costs no call.
 */
import type { ObjectName } from '../core/model.js';
import type { StateStore } from '../state/store.js';
import type { Step } from './engine.js';
import type { Progress } from './progress.js';

const CHUNK = 1000;

/** Of `hashes` (source key → payload hash), the keys whose newest journal entry holds the same hash. */
export async function unchangedSinceJournal(store: Pick<StateStore, 'latestJournalEntry'>, object: ObjectName, hashes: ReadonlyMap<string, string>): Promise<Set<string>> {
  const out = new Set<string>();
  for (const [key, hash] of hashes) {
    const entry = await store.latestJournalEntry(object, key);
    if (entry && entry.payloadHash === hash) out.add(key);
  }
  return out;
}

/** Mark this run's ready records of `object` unchanged since the journal as skipped; returns how many. */
export async function skipUnchanged(store: StateStore, runId: string, object: ObjectName): Promise<number> {
  // Nothing journaled yet (a first run): no record can be unchanged.
  if (!(await store.hasJournal(object))) return 0;
  let skipped = 0;
  for (let after = 0; ; ) {
    const rows = await store.stagedByStatus(runId, object, ['ready'], after, CHUNK);
    if (rows.length === 0) break;
    const hashes = new Map(rows.flatMap((r) => (r.payloadHash ? [[r.sourceKey, r.payloadHash] as const] : [])));
    const same = await unchangedSinceJournal(store, object, hashes);
    if (same.size > 0) await store.markSkipped(runId, object, [...same]);
    skipped += same.size;
    after = rows[rows.length - 1]!.seq;
  }
  return skipped;
}

/**
 * `step`, followed (when the run's mode asks: `skipUnchanged`) by skipping the records of
 * `object` it prepared that the journal already holds. Safe to run again: a resumed step skips
 * what is still ready and unchanged.
 */
export function thenSkipUnchanged(step: Step, d: { store: StateStore; runId: string; progress: Progress }, object: ObjectName): Step {
  return {
    name: step.name,
    run: async (ctx) => {
      await step.run(ctx);
      if (!ctx.mode.skipUnchanged) return;
      const n = await skipUnchanged(d.store, d.runId, object);
      if (n > 0) d.progress.note(`${n} ${object}(s) unchanged since an earlier run wrote them (same payload as the journal): not written again`);
    },
  };
}
