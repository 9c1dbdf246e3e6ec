import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/core/clock.js';
import { poll } from '../../src/core/poll.js';

function virtualClock(): Clock & { sleeps: number[] } {
  let now = 0;
  const sleeps: number[] = [];
  return { sleeps, now: () => now, sleep: async (ms) => void (sleeps.push(ms), (now += ms)) };
}

describe('poll', () => {
  const settings = { initialMs: 100, factor: 2, maxIntervalMs: 1_000, maxWaitMs: 5_000 };

  it('checks at once, then at growing intervals capped by maxIntervalMs, until settled', async () => {
    const clock = virtualClock();
    let n = 0;
    const out = await poll(async () => ++n, (v) => v >= 6, settings, clock);
    expect(out).toMatchObject({ settled: true, value: 6, polls: 6 });
    expect(clock.sleeps).toEqual([100, 200, 400, 800, 1000]);
  });

  it('gives up (without throwing) before a wait would pass the bound, and narrates each wait', async () => {
    const clock = virtualClock();
    const waits: number[] = [];
    const out = await poll(async () => 'running', (v) => v !== 'running', settings, clock, { onWait: (elapsed) => waits.push(elapsed) });
    expect(out.settled).toBe(false);
    expect(out.elapsedMs).toBeLessThanOrEqual(5_000);
    expect(out.elapsedMs + 1_000).toBeGreaterThan(5_000);
    expect(waits).toHaveLength(clock.sleeps.length);
  });

  it('starts from a given first value and waits before the first check', async () => {
    const clock = virtualClock();
    const out = await poll(async () => 'done', (v) => v === 'done', settings, clock, { first: 'new' });
    expect(out).toMatchObject({ settled: true, polls: 1 });
    expect(clock.sleeps).toEqual([100]);
  });
});
