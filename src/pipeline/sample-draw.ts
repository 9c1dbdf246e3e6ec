/**
 * The seeded, stratified draw behind `migrate --sample N`, and the pick of records for the
 * sample review. Pure: no I/O, no clock; the same units, size and seed give the same sample
 * whatever order the units come in (each unit's place in the draw is a hash of the seed and its
 * key, never its position in the source).
 *
 * A unit is what is drawn whole: one source record, or every record sharing one email (a
 * duplicate group — the full run merges them, so a sample holding only one of them would not
 * migrate as the full run does). A unit belongs to strata named `dimension:value` (a segment, a
 * lifecycle value, a country, a data-quality flag, or "(none)" of each); strata overlap.
 *
 * The draw, records counted (a unit costs its size):
 * 1. coverage — strata from the rarest up: one unit of each stratum no unit drawn so far
 *    covers, while the size allows;
 * 2. proportion — units in draw order, taken while every stratum of the unit is still under
 *    its share of the sample (`max(1, round(N × stratum / population))`);
 * 3. fill — units in draw order until the sample holds N records.
 */
import { createHash } from 'node:crypto';

/** One thing the draw takes whole: a record, or a group of records sharing an email. */
export interface SampleUnit {
  /** A stable key for the unit (its first member's source key). */
  key: string;
  /** Source keys of the records in the unit (one, or a duplicate group). */
  members: readonly string[];
  /** Strata the unit belongs to, as `dimension:value`. */
  strata: readonly string[];
}

/** One stratum's place in the population and in the sample (records). */
export interface StratumCount {
  dimension: string;
  value: string;
  population: number;
  sample: number;
}

/** What the draw chose. */
export interface SampleDraw {
  /** Source keys drawn, sorted. */
  keys: string[];
  /** Records in the population. */
  population: number;
  /** Every stratum of the population, by dimension then value, with its count in the sample. */
  strata: StratumCount[];
}

/** `dimension:value` split at the first colon. */
export function splitStratum(stratum: string): { dimension: string; value: string } {
  const at = stratum.indexOf(':');
  return at < 0 ? { dimension: stratum, value: '' } : { dimension: stratum.slice(0, at), value: stratum.slice(at + 1) };
}

/** The unit's place in a seeded draw: a hash of seed and key (ties, never expected, by key). */
function seededOrder<T extends { key: string }>(items: readonly T[], seed: string, salt = ''): T[] {
  const rank = new Map(items.map((u) => [u.key, createHash('sha256').update(`${seed}\u0000${salt}\u0000${u.key}`).digest('hex')]));
  return [...items].sort((a, b) => (rank.get(a.key)! < rank.get(b.key)! ? -1 : rank.get(a.key)! > rank.get(b.key)! ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Draw `size` records from the units (see the module comment). */
export function drawSample(units: readonly SampleUnit[], opts: { size: number; seed: string }): SampleDraw {
  const order = seededOrder(units, opts.seed);
  const population = units.reduce((n, u) => n + u.members.length, 0);
  const inPopulation = new Map<string, number>();
  for (const u of units) for (const s of new Set(u.strata)) inPopulation.set(s, (inPopulation.get(s) ?? 0) + u.members.length);
  const chosen = new Set<SampleUnit>();
  const inSample = new Map<string, number>();
  let total = 0;
  const take = (u: SampleUnit) => {
    chosen.add(u);
    total += u.members.length;
    for (const s of new Set(u.strata)) inSample.set(s, (inSample.get(s) ?? 0) + u.members.length);
  };
  const fits = (u: SampleUnit) => !chosen.has(u) && total + u.members.length <= opts.size;

  if (opts.size >= population) for (const u of order) take(u);
  else {
    // 1. Coverage, rarest strata first (they have the fewest units to choose from).
    const byStratum = new Map<string, SampleUnit[]>();
    for (const u of order) {
      for (const s of new Set(u.strata)) {
        const list = byStratum.get(s);
        if (list) list.push(u);
        else byStratum.set(s, [u]);
      }
    }
    const rarestFirst = [...inPopulation.keys()].sort((a, b) => inPopulation.get(a)! - inPopulation.get(b)! || (a < b ? -1 : a > b ? 1 : 0));
    for (const s of rarestFirst) {
      if ((inSample.get(s) ?? 0) > 0) continue;
      const u = byStratum.get(s)!.find(fits);
      if (u) take(u);
    }
    // 2. Proportion: a unit is taken while each of its strata is under its share.
    const target = (s: string) => Math.min(inPopulation.get(s)!, Math.max(1, Math.round((opts.size * inPopulation.get(s)!) / population)));
    for (const u of order) {
      if (total >= opts.size) break;
      if (fits(u) && u.strata.every((s) => (inSample.get(s) ?? 0) < target(s))) take(u);
    }
    // 3. Fill in draw order.
    for (const u of order) {
      if (total >= opts.size) break;
      if (fits(u)) take(u);
    }
  }
  const keys = [...chosen].flatMap((u) => u.members).sort();
  const strata = [...inPopulation]
    .map(([s, n]) => ({ ...splitStratum(s), population: n, sample: inSample.get(s) ?? 0 }))
    .sort((a, b) => (a.dimension < b.dimension ? -1 : a.dimension > b.dimension ? 1 : a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  return { keys, population, strata };
}

/**
 * The records the sample review shows: first, one record at a time, the one covering the most
 * strata not yet shown (seeded order breaks ties), until every stratum the candidates hold is
 * shown or `max` are picked; then more in seeded order up to `min`. Returns keys in pick order.
 */
export function pickReview(candidates: ReadonlyArray<{ key: string; strata: readonly string[] }>, opts: { min: number; max: number; seed: string }): string[] {
  const order = seededOrder(candidates, opts.seed, 'review');
  const shown = new Set<string>();
  const picked: string[] = [];
  const taken = new Set<string>();
  while (picked.length < opts.max) {
    let best: (typeof order)[number] | null = null;
    let gain = 0;
    for (const c of order) {
      if (taken.has(c.key)) continue;
      const g = new Set(c.strata.filter((s) => !shown.has(s))).size;
      if (g > gain) {
        best = c;
        gain = g;
      }
    }
    if (!best) break;
    picked.push(best.key);
    taken.add(best.key);
    for (const s of best.strata) shown.add(s);
  }
  for (const c of order) {
    if (picked.length >= Math.min(opts.min, opts.max)) break;
    if (!taken.has(c.key)) {
      picked.push(c.key);
      taken.add(c.key);
    }
  }
  return picked;
}
