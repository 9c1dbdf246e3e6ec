/**
 * Structured checkpoints are JSON in the store; they are read back through a zod schema, so a
 * value written by another version (or damaged) is a clear error naming the checkpoint, never
 * an object cast with `as` that fails later somewhere else.
 */
import type { ZodType } from 'zod';
import { ConfigError } from '../core/errors.js';
import type { StateStore } from '../state/store.js';

/** The checkpoint's value parsed and validated, or null when it was never written. */
export async function readCheckpoint<T>(store: StateStore, runId: string, stream: string, schema: ZodType<T>): Promise<T | null> {
  const raw = await store.getCheckpoint(runId, stream);
  if (raw === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ConfigError(`checkpoint "${stream}" of run ${runId} is not JSON: the state was written by another version or is damaged; start a new workdir`);
  }
  const r = schema.safeParse(value);
  if (!r.success) throw new ConfigError(`checkpoint "${stream}" of run ${runId} has an unexpected shape (${r.error.issues[0]?.message ?? 'invalid'}): the state was written by another version; start a new workdir`);
  return r.data;
}

/** Write a structured checkpoint (JSON). */
export async function writeCheckpoint(store: StateStore, runId: string, stream: string, value: unknown): Promise<void> {
  await store.setCheckpoint(runId, stream, JSON.stringify(value));
}
