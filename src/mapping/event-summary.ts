/**
 * The "summary" event policy: instead of one task (one API call) per behavioural event,
 * each contact gets, per configured event type, a count and the first and last time it was
 * seen, written into contact custom fields at no extra call. Pure: no I/O, no clock.
 *
 * Dates are the calendar date (`YYYY-MM-DD`) of the event's UTC instant (`occurredAt`),
 * never of the machine's time zone nor of the source's own offset: the same event history
 * gives the same fields wherever and whenever the migration runs. An event at
 * 2024-03-01T23:30:00-05:00 is therefore first/last seen on 2024-03-02.
 */
import type { CanonicalEvent } from '../core/model.js';
import type { TaskMap } from './spec.js';

/** The summary section of the task map: per event type, the labels of the fields to fill. */
export type EventSummarySpec = TaskMap['events']['summary'];

/** Per contact source key: custom-field label → value (count as a number, dates as `YYYY-MM-DD`). */
export type EventSummary = Map<string, Record<string, number | string>>;

/** A streaming accumulator: add events one at a time (any order), read the summary at the end. */
export interface EventSummaryAccumulator {
  add(event: CanonicalEvent): void;
  result(): EventSummary;
}

interface Tally {
  count: number;
  /** Epoch ms of the earliest / latest readable instant; null while none was readable. */
  first: number | null;
  last: number | null;
}

/**
 * An accumulator for `summary`. Memory grows with contacts × configured event types, never
 * with the number of events, so a whole event export can stream through it.
 *
 * Event types match by exact name (source event names are case-sensitive identifiers).
 * An event whose instant cannot be read still counts, but does not move first/last seen.
 * A contact with no event of a configured type gets no value for it (absent, not 0), so the
 * contact field stays as it is rather than claiming "never" from a partial export.
 */
export function createEventSummary(summary: EventSummarySpec): EventSummaryAccumulator {
  // Several entries may name the same event (e.g. two label sets): index them by event.
  const byEvent = new Map<string, number[]>();
  summary.forEach((s, i) => byEvent.set(s.event, [...(byEvent.get(s.event) ?? []), i]));
  const tallies = new Map<string, Map<number, Tally>>();

  return {
    add(e: CanonicalEvent): void {
      const entries = byEvent.get(e.event);
      if (!entries) return;
      const at = instantMs(e.occurredAt);
      let perContact = tallies.get(e.contactKey);
      if (!perContact) {
        perContact = new Map();
        tallies.set(e.contactKey, perContact);
      }
      for (const i of entries) {
        const t = perContact.get(i) ?? { count: 0, first: null, last: null };
        t.count++;
        if (at !== null) {
          if (t.first === null || at < t.first) t.first = at;
          if (t.last === null || at > t.last) t.last = at;
        }
        perContact.set(i, t);
      }
    },
    result(): EventSummary {
      const out: EventSummary = new Map();
      for (const [contactKey, perContact] of tallies) {
        const fields: Record<string, number | string> = {};
        for (const [i, t] of perContact) {
          const s = summary[i]!;
          if (s.count) fields[s.count] = t.count;
          if (s.first_seen && t.first !== null) fields[s.first_seen] = utcDate(t.first);
          if (s.last_seen && t.last !== null) fields[s.last_seen] = utcDate(t.last);
        }
        if (Object.keys(fields).length > 0) out.set(contactKey, fields);
      }
      return out;
    },
  };
}

/** Summarise a whole collection of events (see `createEventSummary` for the rules). */
export function summariseEvents(events: Iterable<CanonicalEvent>, summary: EventSummarySpec): EventSummary {
  const acc = createEventSummary(summary);
  for (const e of events) acc.add(e);
  return acc.result();
}

/**
 * Epoch ms of an ISO 8601 instant, or null. Text without an offset is refused rather than
 * read in the machine's zone (Date.parse would), which would make the summary depend on
 * where the tool runs.
 */
function instantMs(text: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(text.trim())) return null;
  const ms = Date.parse(text.trim());
  return Number.isNaN(ms) ? null : ms;
}

function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * The summary fields of two contacts folded into one (a duplicate merged into its survivor):
 * counts add up, first-seen is the earlier date and last-seen the later. Pure.
 */
export function mergeSummaryFields(summary: EventSummarySpec, a: Record<string, number | string>, b: Record<string, number | string>): Record<string, number | string> {
  const out: Record<string, number | string> = { ...a };
  const pick = (label: string, better: (x: string, y: string) => boolean) => {
    const y = b[label];
    if (y === undefined) return;
    const x = out[label];
    if (x === undefined || better(String(y), String(x))) out[label] = y;
  };
  // Several entries may share a label: handle each label once.
  const counts = new Set(summary.map((s) => s.count).filter((x): x is string => !!x));
  for (const label of counts) if (b[label] !== undefined) out[label] = Number(out[label] ?? 0) + Number(b[label]);
  for (const s of summary) {
    if (s.first_seen) pick(s.first_seen, (y, x) => y < x);
    if (s.last_seen) pick(s.last_seen, (y, x) => y > x);
  }
  return out;
}
