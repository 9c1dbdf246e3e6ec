/**
 * The one reader of source date-time text: `YYYY-MM-DD[( |T)HH:MM[:SS[(.|,)fff…]]][ ±HH:MM|±HHMM|±HH|Z]`
 * → a UTC instant, plus the calendar date exactly as written.
 *
 * Pure calendar arithmetic on the text's own fields: the machine's time zone never enters
 * (no `Date.parse`, no local getters, no `Date.UTC`, which maps years 0–99 to 1900–1999).
 * Text without an offset is UTC (the Xtremepush default and the canonical model's contract).
 *
 * Callers put their own policy on top: the connector and the task phase want any readable
 * instant, value normalisation wants real offsets only (±14:00) and Freshsales' year range,
 * the task phase wants a time of day. See `parseXpDateTime`, `normaliseDate`/`normaliseDateTime`
 * and `toUtcInstant`.
 */

/** A date-time read from text (or from a unix timestamp): the instant and what was written. */
export interface ParsedDateTime {
  /** The instant, in milliseconds since 1970-01-01T00:00:00Z (fractions beyond ms are truncated). */
  instantMs: number;
  /**
   * The instant as `Date#toISOString` writes it (`2024-03-01T09:30:00.000Z`). Text near the
   * ends of the years 0001–9999 can name an instant outside them (`9999-12-31 23:00 -05:00`),
   * which is written in the extended form (`+010000-01-01T04:00:00.000Z`).
   */
  isoInstant: string;
  /** `YYYY-MM-DD` exactly as written, never shifted by the offset (a unix timestamp: its UTC date). */
  writtenDate: string;
  /** True when a time of day was written (even `00:00`); false for date-only text. Always true for a unix timestamp. */
  hasTime: boolean;
  /** Milliseconds after the written midnight (the wall-clock time as written; 0 for date-only text). */
  timeOfDayMs: number;
  /** Minutes east of UTC as written (`+05:30` → 330, `Z` → 0); null when the text gave none (read as UTC). */
  offsetMinutes: number | null;
}

/** Why text is not a date-time: its shape, its calendar date, its time of day or its UTC offset. */
export type DateTimeProblem = 'syntax' | 'date' | 'time' | 'offset';

/** The answer of `readDateTimeText`: the parsed value, or the first problem found (date, then time, then offset). */
export type DateTimeReading =
  | { ok: true; value: ParsedDateTime }
  | { ok: false; problem: 'syntax' | 'date' | 'time' }
  | { ok: false; problem: 'offset'; /** The offset as written, e.g. `+15:00`. */ offsetText: string };

/** Options of `readDateTimeText` / `parseDateTimeText`. */
export interface DateTimeTextOptions {
  /**
   * The largest UTC offset accepted either way, in minutes. Default `MAX_OFFSET_MINUTES`
   * (±18:00, the bound of ISO 8601 practice and java.time); 14 × 60 accepts only offsets
   * some place on Earth uses (−12:00 … +14:00 fit).
   */
  maxOffsetMinutes?: number;
}

/** ±18:00: the default bound on a written UTC offset. */
export const MAX_OFFSET_MINUTES = 18 * 60;

/** 0001-01-01T00:00:00.000Z: the earliest instant of the years 0001–9999. */
export const EARLIEST_INSTANT_MS = -62_135_596_800_000;

/** 9999-12-31T23:59:59.999Z: the latest instant of the years 0001–9999. */
export const LATEST_INSTANT_MS = 253_402_300_799_999;

const MS_PER_DAY = 86_400_000;

/**
 * Date; optional time after `T`, `t` or one space (seconds optional, then 1–9 fraction
 * digits after `.` or `,`, as ISO 8601 allows); optional spaces; optional offset.
 */
const DATE_TIME_TEXT = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Read date-time text, telling why it is not one. Accepts `YYYY-MM-DD`, then optionally
 * `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fffffffff` (`,` too; 1–9 digits) after `T` or a space,
 * then optionally (after optional spaces) `Z`, `±HH:MM`, `±HHMM` or `±HH`; surrounding
 * whitespace is ignored. Refused:
 * - `syntax`: any other shape (`01/02/2024`, `20240101`, an offset `+1`, ten fraction digits);
 * - `date`: year 0000, month outside 1–12, a day the month does not have (31 April, 29 February 2023);
 * - `time`: hour above 23 (`24:00` included), minute or second above 59 (no leap second `:60`);
 * - `offset`: offset minutes above 59, or an offset beyond `maxOffsetMinutes` (default ±18:00).
 * Fractions of a second beyond milliseconds are truncated, never rounded (so `.9999` stays in its second).
 */
export function readDateTimeText(text: string, options: DateTimeTextOptions = {}): DateTimeReading {
  const m = DATE_TIME_TEXT.exec(text.trim());
  if (!m) return { ok: false, problem: 'syntax' };
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const hasTime = m[4] !== undefined;
  const h = Number(m[4] ?? 0);
  const mi = Number(m[5] ?? 0);
  const s = Number(m[6] ?? 0);
  // Digits, not float arithmetic: 0.291 * 1000 is 290.999… in binary floating point.
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  if (!isCalendarDate(y, mo, d)) return { ok: false, problem: 'date' };
  if (h > 23 || mi > 59 || s > 59) return { ok: false, problem: 'time' };

  let offsetMinutes: number | null = null;
  const offsetText = m[8];
  if (offsetText !== undefined) {
    if (offsetText.toUpperCase() === 'Z') offsetMinutes = 0;
    else {
      const digits = offsetText.slice(1).replace(':', '');
      const oh = Number(digits.slice(0, 2));
      const om = digits.length > 2 ? Number(digits.slice(2)) : 0;
      const total = oh * 60 + om;
      if (om > 59 || total > (options.maxOffsetMinutes ?? MAX_OFFSET_MINUTES)) return { ok: false, problem: 'offset', offsetText };
      // `-00:00` is UTC too (RFC 3339: "offset unknown"); never a negative zero.
      offsetMinutes = offsetText.startsWith('-') ? -total || 0 : total;
    }
  }

  const timeOfDayMs = ((h * 60 + mi) * 60 + s) * 1000 + ms;
  const instantMs = daysFromCivil(y, mo, d) * MS_PER_DAY + timeOfDayMs - (offsetMinutes ?? 0) * 60_000;
  return {
    ok: true,
    value: { instantMs, isoInstant: new Date(instantMs).toISOString(), writtenDate: `${m[1]}-${m[2]}-${m[3]}`, hasTime, timeOfDayMs, offsetMinutes },
  };
}

/** `readDateTimeText` without the reason: the parsed date-time, or null when the text is not one. */
export function parseDateTimeText(text: string, options?: DateTimeTextOptions): ParsedDateTime | null {
  const r = readDateTimeText(text, options);
  return r.ok ? r.value : null;
}

/**
 * A unix timestamp → the same shape as parsed text: seconds when below 1e11 (fractions
 * allowed), milliseconds from 1e11 up (1e11 s would be the year 5138; 1e11 ms is 1973).
 * Rounded to the millisecond. Null when not finite, negative, or after 9999-12-31T23:59:59.999Z.
 * `writtenDate` and `timeOfDayMs` are the UTC ones; `offsetMinutes` is null.
 */
export function parseUnixTimestamp(n: number): ParsedDateTime | null {
  if (!Number.isFinite(n) || n < 0) return null;
  // `|| 0`: -0 (and a negative fraction of a second that rounds to it) is the epoch itself.
  const instantMs = Math.round(n < 1e11 ? n * 1000 : n) || 0;
  if (instantMs > LATEST_INSTANT_MS) return null;
  const isoInstant = new Date(instantMs).toISOString();
  return { instantMs, isoInstant, writtenDate: isoInstant.slice(0, 10), hasTime: true, timeOfDayMs: instantMs % MS_PER_DAY, offsetMinutes: null };
}

/** True for a real proleptic Gregorian date in the years 0001–9999 (month 1–12, a day the month has). */
export function isCalendarDate(y: number, mo: number, d: number): boolean {
  return Number.isInteger(y) && Number.isInteger(mo) && Number.isInteger(d) && y >= 1 && y <= 9999 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo);
}

/** Days in a month of the proleptic Gregorian calendar (`mo` 1–12). */
export function daysInMonth(y: number, mo: number): number {
  if (mo === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return mo === 4 || mo === 6 || mo === 9 || mo === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`; `m` 1–12). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}
