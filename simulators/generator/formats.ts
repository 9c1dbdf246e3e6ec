/**
 * Xtremepush date formats (docs: Date attributes `YYYY-MM-DD[ HH:MM:SS][ +01:00]`, UTC
 * when no offset; event timestamps `2024-12-13 11:36:00 +01:00`).
 */

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** Wall-clock fields of a UTC instant shifted by `offsetMin` minutes. */
function wall(unixSec: number, offsetMin: number): Date {
  return new Date((unixSec + offsetMin * 60) * 1000);
}

/** `YYYY-MM-DD` of the UTC date of `unixSec`. */
export function formatDate(unixSec: number): string {
  const d = wall(unixSec, 0);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
}

/** `YYYY-MM-DD HH:MM:SS` in UTC: what a Date attribute without offset means. */
export function formatDateTimeUtc(unixSec: number): string {
  const d = wall(unixSec, 0);
  return `${formatDate(unixSec)} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
}

/** `+HH:MM` / `-HH:MM` for an offset in minutes. */
export function formatOffset(offsetMin: number): string {
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

/** `YYYY-MM-DD HH:MM:SS +HH:MM`: local wall time at `offsetMin`, so the string names exactly `unixSec`. */
export function formatDateTimeOffset(unixSec: number, offsetMin: number): string {
  const d = wall(unixSec, offsetMin);
  const date = `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
  return `${date} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} ${formatOffset(offsetMin)}`;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
/** Per zone, offset by day number since 1970 (NaN = not yet asked). */
const offsetCache = new Map<string, Float64Array>();
const CACHE_DAYS = 40_000; // 1970..2079

function askIntl(tz: string, day: number): number {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' });
    formatters.set(tz, f);
  }
  const name = f.formatToParts(new Date((day * 86400 + 43200) * 1000)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/**
 * UTC offset (minutes) of time zone `tz` at noon UTC of the day of `unixSec`. Cached per
 * day: Intl is too slow to ask a million times, and on the few hours around a DST
 * switch the day's offset is still a valid offset for the string (the instant is kept).
 */
export function zoneOffsetMinutes(tz: string, unixSec: number): number {
  const day = Math.floor(unixSec / 86400);
  if (day < 0 || day >= CACHE_DAYS) return askIntl(tz, day);
  let days = offsetCache.get(tz);
  if (!days) {
    days = new Float64Array(CACHE_DAYS).fill(Number.NaN);
    offsetCache.set(tz, days);
  }
  let off = days[day]!;
  if (Number.isNaN(off)) {
    off = askIntl(tz, day);
    days[day] = off;
  }
  return off;
}
