/**
 * Opaque paging offsets (getPushResult [C], and getSegmentUsers under the paged reading):
 * the position and the query it belongs to, sealed so that a client can only follow the
 * `nextPage` URL as given. The token is standard base64 (so it holds '+', '/' and '=' that
 * must stay percent-encoded in the URL) of a byte string masked with a per-simulator key
 * and closed by a check word; an edited, truncated, mis-decoded or foreign token is refused.
 */
import { fmix32 } from '../generator/index-rng.js';

/** What an offset token carries. */
export interface OffsetState {
  /** Operation the token belongs to. */
  op: string;
  /** The query's filters, as the first call gave them. */
  q: Record<string, string>;
  /** Index of the next row. */
  pos: number;
}

function mask(bytes: Buffer, key: number): Buffer {
  const out = Buffer.alloc(bytes.length);
  let k = key >>> 0;
  for (let i = 0; i < bytes.length; i++) {
    k = fmix32((k + 0x9e3779b9) >>> 0);
    out[i] = bytes[i]! ^ (k & 0xff);
  }
  return out;
}

function check(text: string, key: number): number {
  let h = key >>> 0;
  for (let i = 0; i < text.length; i++) h = fmix32((h ^ text.charCodeAt(i)) >>> 0);
  return h;
}

/** Seal `state` with `key`. */
export function encodeOffset(state: OffsetState, key: number): string {
  const text = JSON.stringify([state.op, state.q, state.pos]);
  const body = Buffer.from(text, 'utf8');
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(check(text, key));
  // A leading byte that makes the base64 start with a varying character, as opaque tokens do.
  return mask(Buffer.concat([Buffer.from([body.length & 0xff]), body, tail]), key).toString('base64');
}

/** The state sealed in `token`, or undefined when it is not a token this key made. */
export function decodeOffset(token: string, key: number): OffsetState | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(token)) return undefined;
  const raw = mask(Buffer.from(token, 'base64'), key);
  if (raw.length < 6) return undefined;
  const text = raw.subarray(1, raw.length - 4).toString('utf8');
  if (raw.readUInt32BE(raw.length - 4) !== check(text, key)) return undefined;
  try {
    const [op, q, pos] = JSON.parse(text) as [unknown, unknown, unknown];
    if (typeof op !== 'string' || typeof q !== 'object' || q === null || typeof pos !== 'number') return undefined;
    return { op, q: q as Record<string, string>, pos };
  } catch {
    return undefined;
  }
}
