/**
 * Random access randomness: one independent stream per (seed, record index, purpose),
 * so `profileAt(i)` costs the same for any i and adding an events option never
 * shifts the profiles. The shared mulberry32 (`createRng`) has a single 32-bit state
 * cycle: 200k streams seeded from it would overlap by position, correlating profiles.
 * sfc32 with a 128-bit state seeded from distinct words avoids that.
 */
import type { Rng } from '../common/prng.js';

/** murmur3's 32-bit finaliser: a bijection on uint32, so distinct inputs stay distinct. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Purposes get their own streams; values are arbitrary distinct constants. */
export const Salt = {
  profile: 0x1b873593,
  device: 0x2c1b3c6d,
  message: 0x297a2d39,
  event: 0x6b43a9b5,
  consent: 0x19e3779b,
  subscription: 0x5bd1e995,
  pushAction: 0x68e31da4,
  uuid: 0x3c6ef372,
  tag: 0x7f4a7c15,
  /** `favourite_venue_id` per profile: its own stream, so every other profile value stays as it was. */
  venue: 0x4cf5ad43,
  /** The location catalogue (one stream per seed). */
  location: 0x2545f491,
} as const;

/** A seeded sfc32 stream for record `index` and `salt`. */
export function indexRng(seed: number, index: number, salt: number): Rng {
  let a = fmix32((seed ^ salt) >>> 0);
  let b = index >>> 0;
  let c = fmix32((index + salt) >>> 0);
  let d = 1;
  const next = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t >>> 0;
  };
  // sfc32 needs a few rounds before its output stops resembling the seed words.
  for (let k = 0; k < 12; k++) next();
  return () => next() / 4294967296;
}

/** Integer in [min, max] (inclusive). */
export function intIn(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

/** One element of a non-empty array. */
export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)] as T;
}

/** A precompiled weight table: draw a key proportionally to its weight. */
export type Weighted<K extends string> = (rng: Rng) => K;

/** Compile `table` once; drawing is then a short scan over cumulative weights. */
export function weights<K extends string>(table: Readonly<Record<K, number>>): Weighted<K> {
  const keys = Object.keys(table) as K[];
  const cum: number[] = [];
  let total = 0;
  for (const k of keys) cum.push((total += table[k]));
  const last = keys[keys.length - 1]!;
  return (rng) => {
    const r = rng() * total;
    for (let j = 0; j < cum.length; j++) if (r < cum[j]!) return keys[j]!;
    return last;
  };
}

/** One key of a weight table, proportionally to its weight (compiles per call: keep for cold paths). */
export function weighted<K extends string>(rng: Rng, table: Readonly<Record<K, number>>): K {
  return weights(table)(rng);
}

/** `n` random decimal digits. */
export function digits(rng: Rng, n: number): string {
  let s = '';
  for (let k = 0; k < n; k++) s += Math.floor(rng() * 10);
  return s;
}

/** A v4-shaped uuid unique per (seed, index): the first word is a bijection of the index. */
export function uuidFor(seed: number, index: number): string {
  const w0 = fmix32((index ^ fmix32(seed ^ Salt.uuid)) >>> 0);
  const r = indexRng(seed, index, Salt.uuid);
  const w = [w0, Math.floor(r() * 2 ** 32), Math.floor(r() * 2 ** 32), Math.floor(r() * 2 ** 32)];
  const hex = w.map((x) => x.toString(16).padStart(8, '0')).join('');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
