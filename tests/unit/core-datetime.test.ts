import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  EARLIEST_INSTANT_MS, LATEST_INSTANT_MS, MAX_OFFSET_MINUTES, daysFromCivil, daysInMonth, isCalendarDate, parseDateTimeText, parseUnixTimestamp,
  readDateTimeText,
} from '../../src/core/datetime.js';

const DAY = 86_400_000;
const p2 = (n: number) => String(n).padStart(2, '0');

/** An independent calendar: the engine's own UTC arithmetic (setUTCFullYear, so years 0–99 are not mapped to 1900–1999). */
const engineUtcMs = (y: number, m: number, d: number, h = 0, mi = 0, s = 0, ms = 0) => {
  const t = new Date(0);
  t.setUTCFullYear(y, m - 1, d);
  t.setUTCHours(h, mi, s, ms);
  return t.getTime();
};

/** `±HH:MM` (or `±HHMM` without the colon) for minutes east of UTC. */
const offsetText = (min: number, colon = true) => `${min < 0 ? '-' : '+'}${p2(Math.trunc(Math.abs(min) / 60))}${colon ? ':' : ''}${p2(Math.abs(min) % 60)}`;

/**
 * Text naming `instantMs` at `offsetMin`, built with UTC getters only: the wall-clock fields
 * are those of the instant shifted by the offset.
 */
function wallClock(instantMs: number, offsetMin: number) {
  const w = new Date(instantMs + offsetMin * 60_000);
  const date = `${String(w.getUTCFullYear()).padStart(4, '0')}-${p2(w.getUTCMonth() + 1)}-${p2(w.getUTCDate())}`;
  const time = `${p2(w.getUTCHours())}:${p2(w.getUTCMinutes())}:${p2(w.getUTCSeconds())}.${String(w.getUTCMilliseconds()).padStart(3, '0')}`;
  return { date, time };
}

/** Instants whose wall-clock date stays within 0001–9999 for any offset up to ±18:00. */
const instant = fc.integer({ min: EARLIEST_INSTANT_MS + DAY, max: LATEST_INSTANT_MS - DAY });
const offsetMinutes = fc.integer({ min: -MAX_OFFSET_MINUTES, max: MAX_OFFSET_MINUTES });

describe('readDateTimeText: the forms it reads', () => {
  it.each([
    // text, isoInstant, writtenDate, hasTime, timeOfDayMs, offsetMinutes
    ['2024-12-13 11:36:00 +01:00', '2024-12-13T10:36:00.000Z', '2024-12-13', true, 41_760_000, 60],
    ['2024-12-13T11:36:00.291+0100', '2024-12-13T10:36:00.291Z', '2024-12-13', true, 41_760_291, 60],
    ['2024-12-13T11:36:00,291+01', '2024-12-13T10:36:00.291Z', '2024-12-13', true, 41_760_291, 60],
    ['2024-12-13t11:36z', '2024-12-13T11:36:00.000Z', '2024-12-13', true, 41_760_000, 0],
    ['2024-03-01 00:30:00 +02:00', '2024-02-29T22:30:00.000Z', '2024-03-01', true, 1_800_000, 120],
    ['2024-02-29 23:30:00 -11:00', '2024-03-01T10:30:00.000Z', '2024-02-29', true, 84_600_000, -660],
    ['2024-12-31 20:00:00 -09:30', '2025-01-01T05:30:00.000Z', '2024-12-31', true, 72_000_000, -570],
    ['2024-06-01 12:00:00', '2024-06-01T12:00:00.000Z', '2024-06-01', true, 43_200_000, null],
    ['2024-06-01 00:00', '2024-06-01T00:00:00.000Z', '2024-06-01', true, 0, null],
    ['2024-06-01', '2024-06-01T00:00:00.000Z', '2024-06-01', false, 0, null],
    ['2024-06-01+02:00', '2024-05-31T22:00:00.000Z', '2024-06-01', false, 0, 120],
    ['  2024-06-01 12:00:00\t+18:00 ', '2024-05-31T18:00:00.000Z', '2024-06-01', true, 43_200_000, 1080],
    ['2024-06-01 12:00:00 -18:00', '2024-06-02T06:00:00.000Z', '2024-06-01', true, 43_200_000, -1080],
    ['1969-12-31 23:59:59.999 +00:00', '1969-12-31T23:59:59.999Z', '1969-12-31', true, 86_399_999, 0],
    ['2000-02-29', '2000-02-29T00:00:00.000Z', '2000-02-29', false, 0, null],
    ['0001-01-01', '0001-01-01T00:00:00.000Z', '0001-01-01', false, 0, null],
    ['0050-06-01T12:00:00Z', '0050-06-01T12:00:00.000Z', '0050-06-01', true, 43_200_000, 0],
    ['9999-12-31 23:59:59.999', '9999-12-31T23:59:59.999Z', '9999-12-31', true, 86_399_999, null],
    // The written date stays; the instant may leave the years 0001–9999 (callers decide).
    ['9999-12-31 23:00 -05:00', '+010000-01-01T04:00:00.000Z', '9999-12-31', true, 82_800_000, -300],
    ['0001-01-01 00:30 +01:00', '0000-12-31T23:30:00.000Z', '0001-01-01', true, 1_800_000, 60],
  ] as const)('%j', (text, iso, date, hasTime, timeOfDayMs, offset) => {
    const r = readDateTimeText(text);
    expect(r).toEqual({ ok: true, value: { instantMs: Date.parse(iso), isoInstant: iso, writtenDate: date, hasTime, timeOfDayMs, offsetMinutes: offset } });
    expect(parseDateTimeText(text)).toEqual(r.ok ? r.value : null);
  });

  it('truncates fractions of a second to the millisecond, digit by digit (never through floating point)', () => {
    expect(parseDateTimeText('2024-01-01 00:00:00.9999')?.isoInstant).toBe('2024-01-01T00:00:00.999Z');
    expect(parseDateTimeText('2024-01-01 00:00:00.999999999')?.isoInstant).toBe('2024-01-01T00:00:00.999Z');
    expect(parseDateTimeText('2024-01-01 00:00:00.291')?.instantMs).toBe(Date.UTC(2024, 0, 1) + 291);
    expect(parseDateTimeText('2024-01-01 00:00:00.1')?.timeOfDayMs).toBe(100);
    expect(parseDateTimeText('2024-01-01 00:00:00,05')?.timeOfDayMs).toBe(50);
    fc.assert(
      fc.property(fc.stringMatching(/^\d{1,9}$/), (digits) => {
        const want = Number((BigInt(digits) * 1000n) / 10n ** BigInt(digits.length));
        expect(parseDateTimeText(`2024-01-01 00:00:00.${digits}`)?.timeOfDayMs).toBe(want);
      }),
    );
  });

  it('reads -00:00 and Z as UTC with a plain zero offset (never -0)', () => {
    expect(Object.is(parseDateTimeText('2024-01-01 10:00 -00:00')?.offsetMinutes, 0)).toBe(true);
    expect(Object.is(parseDateTimeText('2024-01-01 10:00 -00')?.offsetMinutes, 0)).toBe(true);
    expect(parseDateTimeText('2024-01-01 10:00Z')?.offsetMinutes).toBe(0);
  });
});

describe('readDateTimeText: what it refuses, and why', () => {
  it.each([
    ['', 'syntax'],
    ['yesterday', 'syntax'],
    ['01/02/2024', 'syntax'],
    ['20240101', 'syntax'],
    ['2024-1-01', 'syntax'],
    ['2024-01-01  10:00', 'syntax'],
    ['2024-01-01 10', 'syntax'],
    ['2024-01-01 10:00:00.', 'syntax'],
    ['2024-01-01 10:00:00.1234567890', 'syntax'],
    ['2024-01-01 10:00:00 +1', 'syntax'],
    ['2024-01-01 10:00:00 +123', 'syntax'],
    ['2024-01-01 10:00:00 UTC', 'syntax'],
    ['0000-01-01', 'date'],
    ['2024-00-10', 'date'],
    ['2024-13-01 00:00:00', 'date'],
    ['2024-01-00', 'date'],
    ['2024-02-31 10:00:00', 'date'],
    ['2024-04-31', 'date'],
    ['2023-02-29 00:00:00', 'date'],
    ['2100-02-29', 'date'],
    ['2024-01-01 24:00:00', 'time'],
    ['2024-01-01 12:60:00', 'time'],
    ['2024-12-31 23:59:60Z', 'time'],
  ] as const)('%j: %s', (text, problem) => {
    expect(readDateTimeText(text)).toEqual({ ok: false, problem });
    expect(parseDateTimeText(text)).toBeNull();
  });

  it.each(['+18:01', '-18:01', '+19:00', '+01:75', '-0060', '+99'])('offset %s', (off) => {
    expect(readDateTimeText(`2024-06-01 12:00:00 ${off}`)).toEqual({ ok: false, problem: 'offset', offsetText: off });
  });

  it('checks the date, then the time, then the offset', () => {
    expect(readDateTimeText('2024-02-30 25:00 +19:00')).toEqual({ ok: false, problem: 'date' });
    expect(readDateTimeText('2024-02-28 25:00 +19:00')).toEqual({ ok: false, problem: 'time' });
  });

  it('takes a narrower offset bound when asked (only offsets in use on Earth: ±14:00)', () => {
    const real = { maxOffsetMinutes: 14 * 60 };
    expect(parseDateTimeText('2024-06-01 12:00 +14:00', real)?.isoInstant).toBe('2024-05-31T22:00:00.000Z');
    expect(parseDateTimeText('2024-06-01 12:00 -12:00', real)?.isoInstant).toBe('2024-06-02T00:00:00.000Z');
    expect(readDateTimeText('2024-06-01 12:00 +14:01', real)).toEqual({ ok: false, problem: 'offset', offsetText: '+14:01' });
    expect(readDateTimeText('2024-06-01 12:00 -15', real)).toEqual({ ok: false, problem: 'offset', offsetText: '-15' });
    expect(parseDateTimeText('2024-06-01 12:00 +14:01')).not.toBeNull();
  });
});

describe('readDateTimeText: properties', () => {
  it('round-trips: any instant written at any offset in any spelling reads back as that instant, with the date as written', () => {
    fc.assert(
      fc.property(instant, offsetMinutes, (t, off) => {
        const { date, time } = wallClock(t, off);
        const spellings = [`${date} ${time} ${offsetText(off)}`, `${date}T${time}${offsetText(off)}`, `${date}T${time}${offsetText(off, false)}`, `${date} ${time}${offsetText(off)}`];
        if (off % 60 === 0) spellings.push(`${date} ${time} ${offsetText(off).slice(0, 3)}`);
        for (const s of spellings) {
          const p = parseDateTimeText(s);
          expect(p).not.toBeNull();
          expect(p!.instantMs).toBe(t);
          expect(p!.isoInstant).toBe(new Date(t).toISOString());
          expect(p!.writtenDate).toBe(date);
          expect(p!.offsetMinutes).toBe(off);
          expect(p!.hasTime).toBe(true);
          // The wall-clock time of day is the instant's, shifted by the written offset.
          expect(p!.timeOfDayMs).toBe((((t + off * 60_000) % DAY) + DAY) % DAY);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with the engine’s own ISO 8601 parser whenever the text carries an offset', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1000, 0, 2), max: Date.UTC(9999, 11, 30) }), fc.integer({ min: -14 * 60, max: 14 * 60 }), (t, off) => {
        const { date, time } = wallClock(t, off);
        const text = `${date}T${time}${offsetText(off)}`;
        expect(parseDateTimeText(text)?.instantMs).toBe(Date.parse(text));
      }),
    );
  });

  it('no offset means UTC; a date alone means midnight UTC', () => {
    fc.assert(
      fc.property(instant, (t) => {
        const { date, time } = wallClock(t, 0);
        expect(parseDateTimeText(`${date} ${time}`)).toMatchObject({ instantMs: t, writtenDate: date, offsetMinutes: null, hasTime: true });
        const midnight = t - (((t % DAY) + DAY) % DAY);
        expect(parseDateTimeText(date)).toEqual({ instantMs: midnight, isoInstant: new Date(midnight).toISOString(), writtenDate: date, hasTime: false, timeOfDayMs: 0, offsetMinutes: null });
      }),
    );
  });

  it('accepts exactly the real calendar dates (checked against the engine’s calendar)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), (y, m, d) => {
        const text = `${String(y).padStart(4, '0')}-${p2(m)}-${p2(d)}`;
        const t = engineUtcMs(y, m, d);
        const real = y >= 1 && m >= 1 && m <= 12 && d >= 1 && new Date(t).getUTCDate() === d;
        expect(isCalendarDate(y, m, d)).toBe(real);
        expect(readDateTimeText(text)).toEqual(real ? { ok: true, value: expect.objectContaining({ instantMs: t, writtenDate: text }) } : { ok: false, problem: 'date' });
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts exactly the offsets from -18:00 to +18:00 with minutes 00–59', () => {
    fc.assert(
      fc.property(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }), (sign, h, m) => {
        const off = `${sign}${p2(h)}:${p2(m)}`;
        const valid = m <= 59 && h * 60 + m <= MAX_OFFSET_MINUTES;
        const r = readDateTimeText(`2024-06-01 12:00:00 ${off}`);
        expect(r.ok).toBe(valid);
        if (r.ok) expect(r.value.instantMs).toBe(Date.UTC(2024, 5, 1, 12) - (sign === '-' ? -1 : 1) * (h * 60 + m) * 60_000);
      }),
    );
  });

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[0-9:T .,Z+-]{0,40}$/)), (s) => {
        const r = readDateTimeText(s);
        if (r.ok) expect(Number.isFinite(r.value.instantMs)).toBe(true);
      }),
    );
  });
});

describe('parseUnixTimestamp', () => {
  it.each([
    [1_700_000_000, '2023-11-14T22:13:20.000Z'],
    [1_700_000_000.5, '2023-11-14T22:13:20.500Z'],
    [1_700_000_000_123, '2023-11-14T22:13:20.123Z'],
    [0, '1970-01-01T00:00:00.000Z'],
    [99_999_999_999, '5138-11-16T09:46:39.000Z'], // just below 1e11: still seconds
    [100_000_000_000, '1973-03-03T09:46:40.000Z'], // 1e11 and up: milliseconds
    [253_402_300_799, '1978-01-11T21:31:40.799Z'], // the last second of 9999 in seconds is past 1e11: read as milliseconds
    [LATEST_INSTANT_MS, '9999-12-31T23:59:59.999Z'],
  ])('%d → %s', (n, iso) => {
    const p = parseUnixTimestamp(n);
    expect(p).toEqual({ instantMs: Date.parse(iso), isoInstant: iso, writtenDate: iso.slice(0, 10), hasTime: true, timeOfDayMs: Date.parse(iso) - Date.parse(iso.slice(0, 10)), offsetMinutes: null });
  });

  it.each([-1, -0.001, Number.NaN, Number.POSITIVE_INFINITY, LATEST_INSTANT_MS + 1])('refuses %d', (n) => {
    expect(parseUnixTimestamp(n)).toBeNull();
  });

  it('reads -0 as the epoch itself', () => {
    expect(Object.is(parseUnixTimestamp(-0)?.instantMs, 0)).toBe(true);
  });

  it('gives the UTC date and time of day of any millisecond timestamp (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1e11, max: LATEST_INSTANT_MS }), (ms) => {
        const iso = new Date(ms).toISOString();
        expect(parseUnixTimestamp(ms)).toMatchObject({ instantMs: ms, isoInstant: iso, writtenDate: iso.slice(0, 10), timeOfDayMs: ms % DAY });
      }),
    );
  });
});

describe('calendar helpers', () => {
  it('daysFromCivil counts days since 1970-01-01 for every year 0001–9999', () => {
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    expect(daysFromCivil(1969, 12, 31)).toBe(-1);
    expect(daysFromCivil(2000, 3, 1)).toBe(11_017);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9999 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 }), (y, m, dRaw) => {
        const d = Math.min(dRaw, daysInMonth(y, m));
        expect(daysFromCivil(y, m, d) * DAY).toBe(engineUtcMs(y, m, d));
      }),
    );
  });

  it('daysInMonth knows the Gregorian leap years', () => {
    expect([2024, 2023, 2000, 1900, 2100, 2400].map((y) => daysInMonth(y, 2))).toEqual([29, 28, 29, 28, 28, 29]);
    expect([1, 3, 4, 6, 9, 11, 12].map((m) => daysInMonth(2023, m))).toEqual([31, 31, 30, 30, 30, 30, 31]);
  });

  it('names the ends of the years 0001–9999', () => {
    expect(new Date(EARLIEST_INSTANT_MS).toISOString()).toBe('0001-01-01T00:00:00.000Z');
    expect(new Date(LATEST_INSTANT_MS).toISOString()).toBe('9999-12-31T23:59:59.999Z');
  });
});

// The machine's zone must never matter: run in the earliest and the latest zones on Earth.
describe.each([
  ['Pacific/Kiritimati', -840],
  ['Pacific/Pago_Pago', 660],
])('TZ=%s', (tz, expectedOffset) => {
  // stubEnv assigns process.env.TZ, which Node applies at once; unstubAllEnvs puts the old value back.
  beforeAll(() => void vi.stubEnv('TZ', tz));
  afterAll(() => void vi.unstubAllEnvs());

  it('is really in effect (so a local-time mistake would show)', () => {
    expect(new Date(Date.UTC(2024, 0, 1)).getTimezoneOffset()).toBe(expectedOffset);
  });

  it('reads the same instants and dates as anywhere else', () => {
    expect(parseDateTimeText('2024-12-31 23:30:00 +14:00')?.isoInstant).toBe('2024-12-31T09:30:00.000Z');
    expect(parseDateTimeText('2024-12-31 23:30:00 -11:00')?.isoInstant).toBe('2025-01-01T10:30:00.000Z');
    expect(parseDateTimeText('2024-06-01 12:00:00')?.isoInstant).toBe('2024-06-01T12:00:00.000Z');
    expect(parseDateTimeText('2024-03-01')).toMatchObject({ isoInstant: '2024-03-01T00:00:00.000Z', writtenDate: '2024-03-01' });
    expect(parseDateTimeText('2024-03-01 00:30 +02:00')).toMatchObject({ isoInstant: '2024-02-29T22:30:00.000Z', writtenDate: '2024-03-01' });
    expect(parseUnixTimestamp(1_709_251_200)).toMatchObject({ writtenDate: '2024-03-01', timeOfDayMs: 0 });
  });

  it('round-trips any instant at any offset, with and without an offset (property)', () => {
    fc.assert(
      fc.property(instant, offsetMinutes, (t, off) => {
        const { date, time } = wallClock(t, off);
        expect(parseDateTimeText(`${date} ${time} ${offsetText(off)}`)).toMatchObject({ instantMs: t, writtenDate: date, offsetMinutes: off });
        const utc = wallClock(t, 0);
        expect(parseDateTimeText(`${utc.date}T${utc.time}`)).toMatchObject({ instantMs: t, writtenDate: utc.date, offsetMinutes: null });
      }),
    );
  });
});
