/**
 * Record ids. Freshsales ids are integers above 2^32 (and below 2^53), so a client that
 * stores them in 32-bit columns or parses them as int32 breaks here as it would live.
 * Each table has its own sequence, as in the real product: a contact and a deal may
 * share an id, and a client must key destination ids by type.
 */
import { createRng, type Rng } from '../common/prng.js';

/** Where sequences start: well above 2^32 (4_294_967_296), far below 2^53. */
export const ID_BASE = 4_300_000_000_000;

/** A seeded, strictly increasing id sequence with irregular gaps. */
export class IdSequence {
  private nextId: number;
  private readonly rng: Rng;

  constructor(seed: number) {
    this.rng = createRng(seed);
    this.nextId = ID_BASE + Math.floor(this.rng() * 1_000_000_000);
  }

  /** The next id; gaps are random so clients cannot guess ids from counts. */
  take(): number {
    const id = this.nextId;
    this.nextId += 1 + Math.floor(this.rng() * 16);
    return id;
  }
}

/** Derive a per-purpose seed so sequences are independent yet reproducible. */
export function subSeed(seed: number, purpose: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 31) + purpose * 7919) >>> 0;
}
