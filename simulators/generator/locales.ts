/**
 * The markets the generated brand serves: name pools (seeded faker plus curated names
 * faker's locales lack: Irish Gaelic forms, Turkish dotted/dotless i), mobile number
 * plans, national formats, time zones and languages. Mobile prefixes are chosen so
 * every generated number is valid for libphonenumber (checked in the generator tests).
 */
import { Faker, base, de, en, en_GB, en_IE, en_US, es, pl, tr, type LocaleDefinition } from '@faker-js/faker';
import type { Rng } from '../common/prng.js';
import { digits, fmix32, pick } from './index-rng.js';

/** ISO 3166-1 alpha-2 codes of the generated markets. */
export type MarketCode = 'IE' | 'GB' | 'TR' | 'DE' | 'ES' | 'PL' | 'US';

/** A market's fixed traits (names come from `namePools`). */
export interface Market {
  code: MarketCode;
  /** Share of profiles from this market. */
  weight: number;
  /** ITU country calling code. */
  callingCode: string;
  languages: Readonly<Record<string, number>>;
  timezones: readonly string[];
  domains: readonly string[];
  /** A mobile national significant number (no trunk prefix). */
  mobile(rng: Rng): string;
  /** How a person in this market types that number without the country code. */
  national(nsn: string): string;
  fakerLocale: LocaleDefinition;
  curatedFirst: readonly string[];
  curatedLast: readonly string[];
  /** Share of names drawn from the curated lists rather than faker's. */
  curatedShare: number;
}

const US_AREAS = ['212', '305', '312', '415', '617', '646', '702', '713', '202', '206', '512', '404'];
const PL_PREFIXES = ['50', '51', '53', '57', '60', '66', '69', '72', '73', '78', '79', '88'];

/** Markets in a fixed order (the order is part of determinism). */
export const MARKETS: readonly Market[] = [
  {
    code: 'IE', weight: 25, callingCode: '353', languages: { en: 95, ga: 5 }, timezones: ['Europe/Dublin'],
    domains: ['example.ie', 'example.com', 'mail.example.ie', 'example.net'],
    mobile: (r) => `8${pick(r, ['3', '5', '6', '7', '9'])}${digits(r, 7)}`,
    national: (n) => `0${n.slice(0, 2)} ${n.slice(2, 5)} ${n.slice(5)}`,
    fakerLocale: en_IE,
    curatedFirst: ['Seán', 'Siobhán', 'Aoife', 'Niamh', 'Pádraig', 'Caoimhe', 'Eoghan', 'Ciarán', 'Máire', 'Róisín', 'Oisín', 'Sinéad', 'Dónal', 'Clodagh', 'Tadhg', 'Éabha'],
    curatedLast: ['Ó Briain', 'Mac Giolla Phádraig', "O'Neill", "O'Sullivan", 'Ní Bhriain', 'Ó Conchúir', 'MacCarthy', 'Ó Dónaill', "D'Arcy", "O'Brien", 'Ó Súilleabháin', 'Nic Aodha', 'Mac Cárthaigh', 'Kavanagh', 'Ó Ceallaigh'],
    curatedShare: 0.5,
  },
  {
    code: 'GB', weight: 15, callingCode: '44', languages: { en: 100 }, timezones: ['Europe/London'],
    domains: ['example.co.uk', 'example.com', 'example.org'],
    mobile: (r) => `7${pick(r, ['1', '2', '3'])}${digits(r, 8)}`,
    national: (n) => `0${n.slice(0, 4)} ${n.slice(4)}`,
    fakerLocale: en_GB, curatedFirst: [], curatedLast: [], curatedShare: 0,
  },
  {
    code: 'TR', weight: 20, callingCode: '90', languages: { tr: 97, en: 3 }, timezones: ['Europe/Istanbul'],
    domains: ['example.com.tr', 'example.com', 'posta.example.com.tr'],
    mobile: (r) => `5${pick(r, ['3', '4'])}${digits(r, 8)}`,
    national: (n) => `0${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6, 8)} ${n.slice(8)}`,
    fakerLocale: tr,
    curatedFirst: ['Çağla', 'Gülşen', 'İsmail', 'Işıl', 'Ümit', 'Şule', 'Ilgın', 'Ömer', 'Çağrı', 'İbrahim', 'Ayşe', 'Gökçe', 'Irmak', 'Yiğit', 'İpek'],
    curatedLast: ['Şahin', 'Öztürk', 'Yıldız', 'Çelik', 'Yılmaz', 'Kılıç', 'Aydın', 'Doğan', 'Güneş', 'Işık', 'Özdemir', 'Karaca', 'Çakır', 'Ünal', 'İnce'],
    curatedShare: 0.35,
  },
  {
    code: 'DE', weight: 12, callingCode: '49', languages: { de: 96, en: 4 }, timezones: ['Europe/Berlin'],
    domains: ['example.de', 'example.com', 'post.example.de'],
    mobile: (r) => `17${digits(r, 9)}`,
    national: (n) => `0${n.slice(0, 3)} ${n.slice(3)}`,
    fakerLocale: de,
    curatedFirst: ['Jürgen', 'Jörg', 'Günther', 'Björn', 'Bärbel', 'Uwe', 'Sören', 'Käthe'],
    curatedLast: ['Groß', 'Müller', 'Weiß', 'Schröder', 'Köhler', 'Strauß', 'Böhm', 'Jäger'],
    curatedShare: 0.3,
  },
  {
    code: 'ES', weight: 10, callingCode: '34', languages: { es: 92, ca: 5, en: 3 }, timezones: ['Europe/Madrid', 'Europe/Madrid', 'Atlantic/Canary'],
    domains: ['example.es', 'example.com', 'correo.example.es'],
    mobile: (r) => `6${digits(r, 8)}`,
    national: (n) => `${n.slice(0, 3)} ${n.slice(3, 5)} ${n.slice(5, 7)} ${n.slice(7)}`,
    fakerLocale: es,
    curatedFirst: ['José', 'María', 'Begoña', 'Iñaki', 'Ángel', 'Lucía', 'Nuria'],
    curatedLast: ['Núñez', 'García Pérez', 'Fernández', 'Muñoz', 'Ibáñez', 'López de la Fuente'],
    curatedShare: 0.2,
  },
  {
    code: 'PL', weight: 8, callingCode: '48', languages: { pl: 97, en: 3 }, timezones: ['Europe/Warsaw'],
    domains: ['example.pl', 'example.com', 'poczta.example.pl'],
    mobile: (r) => `${pick(r, PL_PREFIXES)}${digits(r, 7)}`,
    national: (n) => `${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}`,
    fakerLocale: pl,
    curatedFirst: ['Łukasz', 'Małgorzata', 'Paweł', 'Bożena', 'Grzegorz', 'Zofia', 'Michał', 'Agnieszka', 'Wojciech', 'Żaneta'],
    curatedLast: ['Wójcik', 'Kowalczyk', 'Zieliński', 'Woźniak', 'Dąbrowski', 'Łączyński', 'Mazur', 'Kamińska', 'Szymańska', 'Krzyżanowski'],
    curatedShare: 0.3,
  },
  {
    code: 'US', weight: 10, callingCode: '1', languages: { en: 90, es: 10 },
    timezones: ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles'],
    domains: ['example.com', 'example.org', 'mail.example.com'],
    // Exchange codes avoid N11 service codes, which no subscriber number can start with.
    mobile: (r) => {
      let exchange = `${2 + Math.floor(r() * 8)}${digits(r, 2)}`;
      if (exchange.endsWith('11')) exchange = `${exchange[0]}21`;
      return `${pick(r, US_AREAS)}${exchange}${digits(r, 4)}`;
    },
    national: (n) => `(${n.slice(0, 3)}) ${n.slice(3, 6)}-${n.slice(6)}`,
    fakerLocale: en_US, curatedFirst: [], curatedLast: [], curatedShare: 0,
  },
];

/** Faker-drawn name pools per market for one seed. */
export interface NamePools {
  first: Record<MarketCode, string[]>;
  last: Record<MarketCode, string[]>;
}

const poolCache = new Map<number, NamePools>();

function uniqueDraws(draw: () => string, count: number): string[] {
  const seen = new Set<string>();
  for (let k = 0; k < count * 3 && seen.size < count; k++) seen.add(draw());
  return [...seen];
}

/** Name pools for `seed`, drawn once from seeded faker instances (one per locale). */
export function namePools(seed: number): NamePools {
  const hit = poolCache.get(seed);
  if (hit) return hit;
  const first = {} as Record<MarketCode, string[]>;
  const last = {} as Record<MarketCode, string[]>;
  MARKETS.forEach((m, k) => {
    const faker = new Faker({ locale: [m.fakerLocale, en, base] });
    faker.seed(fmix32((seed + k * 0x9e3779b9) >>> 0));
    first[m.code] = uniqueDraws(() => faker.person.firstName(), 120);
    last[m.code] = uniqueDraws(() => faker.person.lastName(), 160);
  });
  const pools = { first, last };
  poolCache.set(seed, pools);
  return pools;
}

/** Football clubs: a low-cardinality string attribute (well under 200 values) with non-ASCII. */
export const TEAMS: readonly string[] = [
  'Galatasaray', 'Fenerbahçe', 'Beşiktaş', 'Trabzonspor', 'Shamrock Rovers', 'Bohemians', "St Patrick's Athletic", 'Shelbourne',
  'Dundalk', 'Bayern München', 'Borussia Dortmund', '1. FC Köln', 'Real Madrid', 'FC Barcelona', 'Atlético de Madrid', 'Sevilla FC',
  'Legia Warszawa', 'Lech Poznań', 'Wisła Kraków', 'Manchester United', 'Liverpool', 'Arsenal', 'Celtic', 'Chelsea', 'Tottenham Hotspur',
  'LA Galaxy', 'Inter Miami', 'New York Red Bulls', 'Seattle Sounders', 'Göztepe',
];

/** Sports for the Array attribute. */
export const SPORTS: readonly string[] = ['football', 'tennis', 'basketball', 'horse_racing', 'golf', 'rugby', 'hurling', 'gaelic_football', 'formula1', 'cricket', 'esports', 'boxing'];

/** Values that are not phone numbers at all, as found in real imports. */
export const JUNK_PHONES: readonly string[] = ['n/a', '12', 'call me', 'N/A', '-', '0', 'unknown', '123', 'none', 'tbc'];

const FOLD: Record<string, string> = { ß: 'ss', ł: 'l', Ł: 'l', ı: 'i', đ: 'd', ø: 'o', æ: 'ae', œ: 'oe' };

/** ASCII slug of a name for email local parts: "Ó Briain" → "obriain", "Groß" → "gross". */
export function slug(name: string | null | undefined): string {
  if (!name) return '';
  const hit = slugCache.get(name);
  if (hit !== undefined) return hit;
  const out = slugOf(name);
  // Names come from bounded pools; the cap only guards against unbounded callers.
  if (slugCache.size < 50_000) slugCache.set(name, out);
  return out;
}

const slugCache = new Map<string, string>();

function slugOf(name: string): string {
  const folded = name.replace(/[ßłŁıđøæœ]/g, (c) => FOLD[c] ?? c).normalize('NFD').replace(/\p{M}/gu, '');
  return folded.toLowerCase().replace(/[^a-z]/g, '');
}
