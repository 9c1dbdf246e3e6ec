/**
 * What an earlier run last wrote for a source record: the newest standing journal entry (a
 * rollback's undone writes do not count) and the payload that run staged for it. The one
 * lookup behind clears, conflicts and before-images of records written before.
 */
import type { ObjectName } from '../core/model.js';
import type { JournalEntry, StateStore } from '../state/store.js';

/** The newest earlier write of `sourceKey` and its payload; null when none, when it is this run's own, or when the payload was purged. */
export async function journaledPayload(
  store: Pick<StateStore, 'latestJournalEntry' | 'stagedRecords'>, object: ObjectName, sourceKey: string, thisRunId: string,
): Promise<{ entry: JournalEntry; payload: Record<string, unknown> } | null> {
  const entry = await store.latestJournalEntry(object, sourceKey);
  if (!entry || entry.runId === thisRunId) return null;
  const payload = (await store.stagedRecords(entry.runId, object, [sourceKey]))[0]?.payload;
  return payload && typeof payload === 'object' ? { entry, payload: payload as Record<string, unknown> } : null;
}
