import { describe, expect, it } from 'vitest';
import { ErrorRatioExceeded, ErrorRatioGuard, MIN_SAMPLE, checkRatio } from '../../src/pipeline/error-ratio.js';
import type { PhaseCounts, StateStore } from '../../src/state/store.js';

const zero: PhaseCounts = { source: 0, quarantined: 0, merged: 0, created: 0, updated: 0, failed: 0, verified: 0, mismatched: 0, orphaned: 0, unverifiable: 0, reparented: 0, skipped: 0 };

describe('error ratio', () => {
  it('gives no verdict below the minimum sample, then stops above the ratio across phases', () => {
    expect(() => checkRatio({ bad: MIN_SAMPLE - 1, processed: MIN_SAMPLE - 1 }, 0.1)).not.toThrow();
    expect(() => checkRatio({ bad: 5, processed: 10 }, 0.1)).not.toThrow();
    expect(() => checkRatio({ bad: 20, processed: 200 }, 0.1)).not.toThrow();
    expect(() => checkRatio({ bad: 21, processed: 200 }, 0.1)).toThrow(ErrorRatioExceeded);
  });

  it('the executor guard throws before the next unit once a background look saw the ratio exceeded', async () => {
    // Contacts: 10 of 1,000 quarantined, 250 written of which 50 failed (20%) → 198 projected over 990 to write.
    const counts: Record<string, PhaseCounts> = { contact: { ...zero, source: 1000, quarantined: 10, created: 200, failed: 50 }, task: { ...zero, source: 100 } };
    const store = { counts: async (_run: string, o: string) => counts[o]! } as unknown as StateStore;
    let now = 0;
    const guard = new ErrorRatioGuard(store, 'r', ['contact', 'task'], 0.2, () => now);
    now = 5_000;
    guard.check(); // starts a look: (10 + 198) of 1,100 = 18.9% — under 20%
    await guard.settle();
    counts.contact = { ...counts.contact!, failed: 80 }; // 80 of 280 failed → 283 projected: 26.6%
    now = 10_000;
    guard.check();
    await expect(guard.settle()).rejects.toThrow(/293 of 1100 source records are quarantined or failing/);
    expect(() => guard.check()).toThrow(ErrorRatioExceeded);
  });
});
