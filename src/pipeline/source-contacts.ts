/**
 * Every contact of a source, whichever way the source reaches them: its contact listing, or —
 * for a source without one (users reached through segments) — the union of its segments'
 * members, deduplicated by key and read a page of keys at a time. For discovery and map
 * proposals, which read the source without a run (the migration itself freezes the population
 * in the state store: contacts.ts `freezeScope`).
 */
import type { CanonicalContact } from '../core/model.js';
import { offers } from '../connectors/manifest.js';
import type { SourceConnector } from '../connectors/source.js';

/** Keys per contactsByKey call. */
const KEY_PAGE = 100;

/** The population as read: the union's size, and the whole population the source states (if any). */
export interface Coverage {
  segments: number;
  users: number;
  expected: { count: number; basis: string } | null;
}

/** The coverage sentence for people ("4,812 of 5,000 users ...: 188 are in none of the chosen segments"). */
export function describeCoverage(c: Coverage): string {
  const n = (x: number) => x.toLocaleString('en-US');
  if (!c.expected) return `population: ${n(c.users)} user(s) in the union of ${c.segments} segment(s); the source states no total, so the gap cannot be checked`;
  const gap = c.expected.count - c.users;
  return gap > 0
    ? `coverage: ${n(c.users)} of ${n(c.expected.count)} users (${c.expected.basis}): ${n(gap)} user(s) are not reached through the chosen segments (in none of them, or not listable by the source) and would not migrate`
    : `coverage: the chosen segments hold every user ${c.expected.basis} counts (${n(c.expected.count)})`;
}

/**
 * Pages of contacts. `limit` stops early (a sample). `onCoverage` is told the coverage of a
 * by-key source before its first page (never called for a source with a listing).
 */
export async function* sourceContacts(source: SourceConnector, opts: { limit?: number; onCoverage?: (c: Coverage) => void } = {}): AsyncGenerator<CanonicalContact[]> {
  const limit = opts.limit ?? Number.POSITIVE_INFINITY;
  let read = 0;
  if (offers(source, 'contacts') || !offers(source, 'contactsByKey')) {
    for await (const page of source.contacts(null)) {
      const records = page.records.slice(0, Math.max(0, limit - read));
      read += records.length;
      if (records.length > 0) yield records;
      if (page.last || read >= limit) return;
    }
    return;
  }
  const segments = await source.segments();
  const keys = new Set<string>();
  for (const seg of segments) for await (const members of source.segmentMembers(seg)) for (const k of members) keys.add(k);
  const expected = offers(source, 'population') && source.population ? await source.population() : null;
  opts.onCoverage?.({ segments: segments.length, users: keys.size, expected });
  const sorted = [...keys].sort();
  keys.clear();
  for (let i = 0; i < sorted.length && read < limit; i += KEY_PAGE) {
    const page = sorted.slice(i, Math.min(i + KEY_PAGE, i + limit - read));
    const records = await source.contactsByKey!(page);
    read += page.length;
    if (records.length > 0) yield records;
  }
}
