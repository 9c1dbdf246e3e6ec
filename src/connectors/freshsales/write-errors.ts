/**
 * One failure policy for every Freshsales writer: what a failed write means for the record
 * and the run. Pure; the writers (bulk engine, single upserts, task creates) act on the class
 * instead of each checking statuses its own way.
 */
import { RateLimitedError, TerminalError, TransientError, isMigrateError } from '../../core/errors.js';

export type WriteErrorClass =
  /** Freshsales refused this one record (validation, a target that does not exist): a failure with its reason. */
  | { kind: 'rejected'; status: number; details: string[]; message: string }
  /** The endpoint is not there for this account or role (bulk endpoint 404/405/403): fall back. */
  | { kind: 'unavailable'; status: number }
  /** The key was refused: concerns every record; stop. */
  | { kind: 'credential'; status: number }
  /** Worth trying again later (network, 5xx, rate limit) and known not to have been applied. */
  | { kind: 'retry' }
  /** May or may not have been applied (timeout or dropped connection on a create, an unreadable 2xx): look before writing again. */
  | { kind: 'ambiguous' }
  /** Anything else (a bug): stop. */
  | { kind: 'unknown' };

/**
 * Classify a write's failure. `call` is `bulk` for the bulk endpoint itself (whose absence is
 * an `unavailable`, not a rejection) and `record` for a write of one record.
 */
export function classifyWriteError(e: unknown, call: 'bulk' | 'record'): WriteErrorClass {
  if (e instanceof TransientError) return e.ambiguous ? { kind: 'ambiguous' } : { kind: 'retry' };
  if (e instanceof RateLimitedError) return { kind: 'retry' };
  if (!(e instanceof TerminalError)) return isMigrateError(e) && (e.code === 'transient' || e.code === 'rate_limited') ? { kind: 'retry' } : { kind: 'unknown' };
  const status = e.http?.status;
  // A 2xx whose body could not be read: the write may well have happened.
  if (status === undefined) return { kind: 'ambiguous' };
  if (status === 401) return { kind: 'credential', status };
  if (call === 'bulk' && (status === 404 || status === 405 || status === 403)) return { kind: 'unavailable', status };
  if (status === 403) return { kind: 'credential', status };
  if (status === 429) return { kind: 'retry' };
  if (status >= 400 && status < 500) return { kind: 'rejected', status, details: e.details, message: e.message };
  return { kind: 'unknown' };
}

/** The failure reason of a rejected record: "Freshsales rejected the deal "X" (HTTP 400): …". */
export function rejectionReason(c: Extract<WriteErrorClass, { kind: 'rejected' }>, what: string): string {
  return c.details.length > 0 ? `Freshsales rejected ${what} (HTTP ${c.status}): ${c.details.join('; ')}` : c.message;
}
