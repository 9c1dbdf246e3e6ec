/** Content hashes of what is written to the destination. */
import { createHash } from 'node:crypto';

/**
 * The journal's hash of a payload: the first 32 hex characters (128 bits) of the SHA-256 of
 * `JSON.stringify(value)`. Equal payloads built the same way hash the same across runs; key
 * order counts (`{a, b}` and `{b, a}` differ), as it does in the JSON that is sent. `value`
 * must be JSON-serialisable (a bare `undefined` or a function throws).
 */
export function payloadHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 32);
}
