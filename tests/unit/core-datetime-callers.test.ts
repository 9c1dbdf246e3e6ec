/**
 * The three readers of source date-time text all stand on `parseDateTimeText`: they agree
 * on every instant, and differ only in the policy each states (which offsets are real,
 * whether a time of day is required, the years Freshsales takes, unix timestamps).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseXpDateTime } from '../../src/connectors/xtremepush/mappers.js';
import { parseDateTimeText } from '../../src/core/datetime.js';
import { hasTimeOfDay, normaliseDate, normaliseDateTime } from '../../src/mapping/normalise.js';
import { toUtcInstant } from '../../src/pipeline/tasks.js';

const p2 = (n: number) => String(n).padStart(2, '0');

/** Date-time text in the shapes the sources write, valid or not (months 00–13, days 00–32, offsets up to ±19:59). */
const text = fc
  .record({
    y: fc.integer({ min: 0, max: 9999 }),
    m: fc.integer({ min: 0, max: 13 }),
    d: fc.integer({ min: 0, max: 32 }),
    time: fc.option(fc.record({ sep: fc.constantFrom(' ', 'T'), h: fc.integer({ min: 0, max: 24 }), mi: fc.integer({ min: 0, max: 60 }), s: fc.option(fc.integer({ min: 0, max: 60 })), f: fc.option(fc.stringMatching(/^[.,]\d{1,9}$/)) })),
    off: fc.option(fc.oneof(fc.constant('Z'), fc.record({ sign: fc.constantFrom('+', '-'), h: fc.integer({ min: 0, max: 19 }), m: fc.integer({ min: 0, max: 59 }), form: fc.constantFrom(' ±HH:MM', '±HH:MM', '±HHMM', '±HH') }))),
  })
  .map(({ y, m, d, time, off }) => {
    let s = `${String(y).padStart(4, '0')}-${p2(m)}-${p2(d)}`;
    if (time) s += `${time.sep}${p2(time.h)}:${p2(time.mi)}${time.s === null ? '' : `:${p2(time.s)}${time.f ?? ''}`}`;
    if (off === 'Z') s += 'Z';
    else if (off) {
      const hh = `${off.sign}${p2(off.h)}`;
      s += { ' ±HH:MM': ` ${hh}:${p2(off.m)}`, '±HH:MM': `${hh}:${p2(off.m)}`, '±HHMM': `${hh}${p2(off.m)}`, '±HH': hh }[off.form];
    }
    return s;
  });

describe('callers of parseDateTimeText', () => {
  it('agree on every instant, each with its own policy on top', () => {
    fc.assert(
      fc.property(text, (s) => {
        const p = parseDateTimeText(s);
        // The connector: any readable instant (offsets up to ±18:00).
        expect(parseXpDateTime(s)).toBe(p?.isoInstant ?? null);
        // The task phase: the same, but a time of day is required.
        expect(toUtcInstant(s)).toBe(p?.hasTime ? p.isoInstant : null);
        // Value normalisation: real offsets only (±14:00), the written date, instants within the years 0001–9999.
        const real = parseDateTimeText(s, { maxOffsetMinutes: 14 * 60 });
        expect(normaliseDate(s).ok).toBe(real !== null);
        if (real) {
          expect(normaliseDate(s)).toEqual({ ok: true, value: real.writtenDate });
          const y = Number(real.isoInstant.slice(0, 4));
          const inRange = !real.isoInstant.startsWith('+') && y >= 1;
          expect(normaliseDateTime(s)).toEqual(inRange ? { ok: true, value: real.isoInstant } : { ok: false, reason: 'outside the years 1–9999 in UTC' });
          expect(hasTimeOfDay(s)).toBe(real.timeOfDayMs !== 0);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it.each([
    // text, parseXpDateTime, toUtcInstant, normaliseDateTime
    ['2024-06-01', '2024-06-01T00:00:00.000Z', null, '2024-06-01T00:00:00.000Z'],
    ['2024-06-01 12:00 +16:00', '2024-05-31T20:00:00.000Z', '2024-05-31T20:00:00.000Z', 'not a real UTC offset (+16:00)'],
    ['2024-06-01 12:00 +19:00', null, null, 'not a real UTC offset (+19:00)'],
    ['2024-02-31 12:00', null, null, 'not a real calendar date (2024-02-31 12:00)'],
    ['0000-06-01 12:00', null, null, 'not a real calendar date (0000-06-01 12:00)'],
    ['0050-06-01 12:00', '0050-06-01T12:00:00.000Z', '0050-06-01T12:00:00.000Z', '0050-06-01T12:00:00.000Z'],
    ['2024-06-01 12:00:00,5', '2024-06-01T12:00:00.500Z', '2024-06-01T12:00:00.500Z', '2024-06-01T12:00:00.500Z'],
    ['9999-12-31 23:00 -05:00', '+010000-01-01T04:00:00.000Z', '+010000-01-01T04:00:00.000Z', 'outside the years 1–9999 in UTC'],
  ])('%j: each caller’s policy', (s, xp, task, norm) => {
    expect(parseXpDateTime(s)).toBe(xp);
    expect(toUtcInstant(s)).toBe(task);
    const n = normaliseDateTime(s);
    expect(n.ok ? n.value : n.reason).toBe(norm);
  });
});
