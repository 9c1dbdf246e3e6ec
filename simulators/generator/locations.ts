/**
 * Locations (venues) of the generated brand: the records a profile attribute points at
 * (`favourite_venue_id`), served by `list/location` [A: model name and row shape; the
 * service page only says attribute values can reference "a linked location object"].
 *
 * Built from (seed) alone, on their own streams, so adding them shifted nothing else the
 * generator makes. Ids are issued `loc_1`, `loc_2`, … in creation order; a few issued ids
 * were deleted since, so some profiles still point at a venue the account no longer has.
 */
import { createRng } from '../common/prng.js';
import { Salt, fmix32, indexRng, intIn, pick } from './index-rng.js';
import type { MarketCode } from './locales.js';
import type { XtremepushLocation } from './types.js';

/** Venues the brand's customers pick from: name, city, market. Non-ASCII on purpose. */
const VENUES: ReadonlyArray<readonly [name: string, city: string, market: MarketCode]> = [
  ['Croke Park', 'Dublin', 'IE'], ['Aviva Stadium', 'Dublin', 'IE'], ['Thomond Park', 'Limerick', 'IE'], ['Páirc Uí Chaoimh', 'Cork', 'IE'],
  ['Tallaght Stadium', 'Dublin', 'IE'], ['Leopardstown Racecourse', 'Dublin', 'IE'],
  ['Wembley Stadium', 'London', 'GB'], ['Old Trafford', 'Manchester', 'GB'], ['Anfield', 'Liverpool', 'GB'], ['Cheltenham Racecourse', 'Cheltenham', 'GB'],
  ['Celtic Park', 'Glasgow', 'GB'],
  ['Rams Park', 'İstanbul', 'TR'], ['Ülker Stadyumu', 'İstanbul', 'TR'], ['Tüpraş Stadyumu', 'İstanbul', 'TR'], ['Papara Park', 'Trabzon', 'TR'],
  ['Allianz Arena', 'München', 'DE'], ['Signal Iduna Park', 'Dortmund', 'DE'], ['RheinEnergieStadion', 'Köln', 'DE'], ['Olympiastadion', 'Berlin', 'DE'],
  ['Santiago Bernabéu', 'Madrid', 'ES'], ['Riyadh Air Metropolitano', 'Madrid', 'ES'], ['Spotify Camp Nou', 'Barcelona', 'ES'], ['Ramón Sánchez-Pizjuán', 'Sevilla', 'ES'],
  ['Stadion Narodowy', 'Warszawa', 'PL'], ['Stadion Wojska Polskiego', 'Warszawa', 'PL'], ['Enea Stadion', 'Poznań', 'PL'], ['Stadion Miejski Wisły', 'Kraków', 'PL'],
  ['Madison Square Garden', 'New York', 'US'], ['Chase Stadium', 'Fort Lauderdale', 'US'], ['Lumen Field', 'Seattle', 'US'], ['Churchill Downs', 'Louisville', 'US'],
  ['Dignity Health Sports Park', 'Carson', 'US'],
];

/** Issued location ids that were deleted since (still referenced by some profiles). */
const DELETED = 3;
/** Share of filled `favourite_venue_id` values that point at a deleted location. */
const DANGLING_SHARE = 0.03;
/** Share of filled values that pick a venue in the profile's own market (when it has one). */
const HOME_SHARE = 0.8;

/** The locations of one seed's account and what profiles draw their references from. */
export interface LocationCatalogue {
  /** The rows `list/location` serves, in id creation order (gaps where ids were deleted). */
  locations: readonly XtremepushLocation[];
  /** Ids issued once and deleted since: references to them resolve to nothing. */
  deletedIds: readonly string[];
  /** Live location ids per market. */
  byMarket: ReadonlyMap<MarketCode, readonly string[]>;
  /** Every live location id. */
  ids: readonly string[];
}

const cache = new Map<number, LocationCatalogue>();

/** The location catalogue of `seed` (24–29 live locations, 3 deleted ids), built once per seed. */
export function locationCatalogue(seed: number): LocationCatalogue {
  const hit = cache.get(seed);
  if (hit) return hit;
  const r = createRng(fmix32((seed ^ Salt.location) >>> 0));
  // Which venues this account has, and in what order they were created.
  const order = VENUES.map((v) => ({ v, key: r() }));
  order.sort((a, b) => a.key - b.key);
  const issued = intIn(r, 27, VENUES.length);
  const deleted = new Set<number>();
  while (deleted.size < DELETED) deleted.add(intIn(r, 0, issued - 1));
  const locations: XtremepushLocation[] = [];
  const deletedIds: string[] = [];
  const byMarket = new Map<MarketCode, string[]>();
  for (let k = 0; k < issued; k++) {
    const id = `loc_${k + 1}`;
    if (deleted.has(k)) {
      deletedIds.push(id);
      continue;
    }
    const [name, city, market] = order[k]!.v;
    locations.push({ id, name, city });
    byMarket.set(market, [...(byMarket.get(market) ?? []), id]);
  }
  const out: LocationCatalogue = { locations, deletedIds, byMarket, ids: locations.map((l) => l.id) };
  cache.set(seed, out);
  return out;
}

/**
 * `favourite_venue_id` of profile `i` from its own stream: set on ~60% of profiles (never
 * set or cleared like other attributes otherwise), mostly a venue in the profile's market,
 * ~3% of set values a deleted location. `undefined` = the key is absent.
 */
export function favouriteVenueAt(seed: number, i: number, market: MarketCode): string | null | undefined {
  const r = indexRng(seed, i, Salt.venue);
  if (r() >= 0.6) return r() < 0.25 ? null : undefined;
  const cat = locationCatalogue(seed);
  if (r() < DANGLING_SHARE) return pick(r, cat.deletedIds);
  const home = cat.byMarket.get(market);
  return home && home.length > 0 && r() < HOME_SHARE ? pick(r, home) : pick(r, cat.ids);
}
