import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasTimeOfDay, normaliseDate, normaliseDateTime } from '../../src/mapping/normalise.js';

const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');
const daysIn = (y: number, m: number) => [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] as number;

/** A valid calendar date-time as parts, with an offset in minutes (−14:00 … +14:00). */
const dateTimeParts = fc
  .record({
    y: fc.integer({ min: 1, max: 9999 }),
    m: fc.integer({ min: 1, max: 12 }),
    d: fc.integer({ min: 1, max: 31 }),
    h: fc.integer({ min: 0, max: 23 }),
    mi: fc.integer({ min: 0, max: 59 }),
    s: fc.integer({ min: 0, max: 59 }),
    offset: fc.integer({ min: -14 * 60, max: 14 * 60 }),
  })
  .map((p) => ({ ...p, d: Math.min(p.d, daysIn(p.y, p.m)) }));

type Parts = typeof dateTimeParts extends fc.Arbitrary<infer T> ? T : never;
const ymd = (p: Parts) => `${pad(p.y, 4)}-${pad(p.m)}-${pad(p.d)}`;
const hms = (p: Parts) => `${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}`;
const off = (p: Parts, colon = true) => `${p.offset < 0 ? '-' : '+'}${pad(Math.trunc(Math.abs(p.offset) / 60))}${colon ? ':' : ''}${pad(Math.abs(p.offset) % 60)}`;

/** Every way Xtremepush and ISO 8601 write the same moment. */
const spellings = (p: Parts): string[] => [
  `${ymd(p)} ${hms(p)} ${off(p)}`, // Xtremepush: "2024-12-13 11:36:00 +01:00"
  `${ymd(p)}T${hms(p)}${off(p)}`,
  `${ymd(p)}T${hms(p)}${off(p, false)}`,
  `${ymd(p)} ${hms(p)}${off(p)}`,
];

/** An independent oracle: the engine's own ISO parser (offset given, so no local time is involved). */
const oracleInstant = (p: Parts) => {
  const d = new Date(Date.parse(`${ymd(p)}T${hms(p)}${off(p)}`));
  return d.toISOString();
};

// The machine's zone must never matter: run everything in the earliest and latest zones on Earth and in UTC.
describe.each(['Pacific/Kiritimati', 'Pacific/Pago_Pago', 'UTC', 'Asia/Kolkata'])('dates with TZ=%s', (tz) => {
  const saved = process.env.TZ;
  beforeAll(() => {
    process.env.TZ = tz;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });

  it('runs in the zone it claims (so the tests below can catch local-time mistakes)', () => {
    const expectedOffset = { 'Pacific/Kiritimati': -840, 'Pacific/Pago_Pago': 660, UTC: 0, 'Asia/Kolkata': -330 }[tz];
    expect(new Date(Date.UTC(2024, 0, 1)).getTimezoneOffset()).toBe(expectedOffset);
  });

  it('a date-only value keeps its calendar date', () => {
    fc.assert(
      fc.property(dateTimeParts, (p) => {
        expect(normaliseDate(ymd(p))).toEqual({ ok: true, value: ymd(p) });
      }),
    );
  });

  it('a date-time with any offset gives the calendar date as written, for a date field', () => {
    fc.assert(
      fc.property(dateTimeParts, (p) => {
        for (const s of spellings(p)) expect(normaliseDate(s)).toEqual({ ok: true, value: ymd(p) });
      }),
    );
  });

  it('a date-time with any offset gives the same UTC instant as an independent parser, for a datetime field', () => {
    fc.assert(
      fc.property(
        dateTimeParts.filter((p) => p.y >= 2 && p.y <= 9998),
        (p) => {
          const want = oracleInstant(p);
          for (const s of spellings(p)) expect(normaliseDateTime(s)).toEqual({ ok: true, value: want });
        },
      ),
    );
  });

  it('a value without an offset is UTC (the Xtremepush default)', () => {
    fc.assert(
      fc.property(dateTimeParts, (p) => {
        const want = `${ymd(p)}T${hms(p)}.000Z`;
        expect(normaliseDateTime(`${ymd(p)} ${hms(p)}`)).toEqual({ ok: true, value: want });
        expect(normaliseDateTime(`${ymd(p)}T${hms(p)}Z`)).toEqual({ ok: true, value: want });
        expect(normaliseDate(`${ymd(p)} ${hms(p)}`)).toEqual({ ok: true, value: ymd(p) });
      }),
    );
  });

  it('unix seconds and milliseconds give the UTC date and instant', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253_402_300_799 }), fc.integer({ min: 0, max: 999 }), (sec, ms) => {
        const iso = new Date(sec * 1000 + ms).toISOString();
        expect(normaliseDateTime(sec * 1000 + ms)).toEqual({ ok: true, value: sec * 1000 + ms < 1e11 ? new Date((sec * 1000 + ms) * 1000).toISOString() : iso });
        if (sec >= 1e9 && sec < 1e10) {
          // The realistic range: 10-digit seconds and 13-digit milliseconds, as numbers and strings.
          expect(normaliseDate(sec)).toEqual({ ok: true, value: new Date(sec * 1000).toISOString().slice(0, 10) });
          expect(normaliseDate(String(sec))).toEqual({ ok: true, value: new Date(sec * 1000).toISOString().slice(0, 10) });
          expect(normaliseDateTime(String(sec * 1000 + ms))).toEqual({ ok: true, value: iso });
        }
      }),
    );
  });

  it.each([
    ['2024-03-01', '2024-03-01', '2024-03-01T00:00:00.000Z'],
    ['2024-03-01 00:30:00 +02:00', '2024-03-01', '2024-02-29T22:30:00.000Z'],
    ['2024-02-29 23:30:00 -11:00', '2024-02-29', '2024-03-01T10:30:00.000Z'],
    ['2024-12-13 11:36:00 +01:00', '2024-12-13', '2024-12-13T10:36:00.000Z'],
    ['2024-12-13T11:36:00.291+0100', '2024-12-13', '2024-12-13T10:36:00.291Z'],
    ['2024-12-13T11:36Z', '2024-12-13', '2024-12-13T11:36:00.000Z'],
    ['1990-06-15 00:00:00', '1990-06-15', '1990-06-15T00:00:00.000Z'],
    [1_700_000_000, '2023-11-14', '2023-11-14T22:13:20.000Z'],
    [1_700_000_000_123, '2023-11-14', '2023-11-14T22:13:20.123Z'],
    ['1700000000', '2023-11-14', '2023-11-14T22:13:20.000Z'],
  ])('%j → date %s, datetime %s', (raw, date, datetime) => {
    expect(normaliseDate(raw)).toEqual({ ok: true, value: date });
    expect(normaliseDateTime(raw)).toEqual({ ok: true, value: datetime });
  });
});

describe('normaliseDate rejects what is not a date', () => {
  it.each([
    ['2023-02-29', /not a real calendar date/],
    ['2024-13-01', /not a real calendar date/],
    ['2024-04-31', /not a real calendar date/],
    ['0000-01-01', /not a real calendar date/],
    ['2024-01-01 24:00:00', /not a real time of day/],
    ['2024-01-01 10:00:00 +15:00', /not a real UTC offset/],
    ['01/02/2024', /not a date/],
    ['yesterday', /not a date/],
    ['20240101', /not a date/],
    [true, /not a date/],
    [-5, /not a date/],
    [Number.NaN, /not a date/],
  ])('%j', (raw, reason) => {
    const r = normaliseDate(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});

describe('hasTimeOfDay', () => {
  it('tells date-only values from timed ones', () => {
    expect(hasTimeOfDay('2024-01-01')).toBe(false);
    expect(hasTimeOfDay('2024-01-01 00:00:00')).toBe(false);
    expect(hasTimeOfDay('2024-01-01 10:00:00 +01:00')).toBe(true);
    expect(hasTimeOfDay('junk')).toBe(false);
  });
});
