/**
 * The writer strategy for notes: one create per note (no bulk endpoint), never retried blindly.
 * The API notes name no way to read or list notes back [api/freshsales.md, Notes], so unlike the
 * timeline writer there is no find-by-marker: a create whose outcome is unknown stays unknown,
 * and the caller must report it rather than create it again.
 */
import type { FreshsalesClient } from '../client.js';
import type { FsNote } from '../types.js';
import { classifyWriteError, rejectionReason } from '../write-errors.js';

/**
 * What one note create came to: the note, Freshsales refusing it (with its reason), an unknown
 * outcome (it may exist), or a failure known not to have been applied (worth sending again later).
 */
export type NoteCreateOutcome =
  | { kind: 'created'; note: FsNote }
  | { kind: 'rejected'; reason: string }
  | { kind: 'in_doubt'; message: string }
  | { kind: 'not_sent'; error: unknown };

/** One note create, its failure classified by the one write-failure policy (credential and unknown failures throw). */
export async function createNoteOnce(dest: FreshsalesClient, payload: Record<string, unknown>): Promise<NoteCreateOutcome> {
  try {
    return { kind: 'created', note: await dest.createNote(payload) };
  } catch (e) {
    const c = classifyWriteError(e, 'record');
    if (c.kind === 'rejected') return { kind: 'rejected', reason: rejectionReason(c, 'the note') };
    // A timeout, a dropped connection or an unreadable 2xx: the note may well exist.
    if (c.kind === 'ambiguous') return { kind: 'in_doubt', message: (e as Error).message };
    // Retries exhausted on failures known not to have been applied (5xx before the write, 429).
    if (c.kind === 'retry') return { kind: 'not_sent', error: e };
    throw e;
  }
}
