/**
 * One Netmera user per index, computed from (seed, index, plan) alone, so any user can be
 * produced on its own. Identity is drawn first from the index's stream so a duplicate can
 * read its original's address without building the whole user. The mess plan (missing,
 * malformed and duplicate emails; junk, national and '+' phones; long and padded names;
 * users without an extId) is the shared one from plan.ts, so its rates are MESS_RATES.
 */
import type { Rng } from '../common/prng.js';
import { zoneOffsetMinutes } from './formats.js';
import { fmix32, indexRng, intIn, pick, uuidFor, weights } from './index-rng.js';
import { MARKETS, TEAMS, namePools, slug, type Market, type MarketCode, type NamePools } from './locales.js';
import { CATEGORIES, TAG_NAMES } from './netmera-catalog.js';
import type { NetmeraChannelPermission, NetmeraDevice, NetmeraDevicePlatform, NetmeraProfile, NetmeraUser } from './netmera-types.js';
import { EmailRole, NameRole, type MessPlan } from './plan.js';
import { caseVariant, phoneFor } from './profiles.js';

const DAY = 86_400_000;
const YEAR = 365 * DAY;
/** Users signed up over the five years before "now". */
const HISTORY = 5 * YEAR;

/** Stream salts of the Netmera generator (distinct from the Xtremepush ones). */
export const NetmeraSalt = {
  identity: 0x6a09e667,
  profile: 0xbb67ae85,
  device: 0x3c6ef373,
  consent: 0xa54ff53a,
  event: 0x510e527f,
  result: 0x9b05688c,
  drift: 0x1f83d9ab,
  plan: 0x5be0cd19,
  extId: 0x428a2f98,
} as const;

/** Market shares of the Turkish app [A]: mostly Turkish users, an English-speaking minority, some EU. */
const drawMarket = weights<MarketCode>({ TR: 55, GB: 9, US: 10, DE: 10, IE: 5, ES: 6, PL: 5 });
const MARKET_BY_CODE = new Map(MARKETS.map((m) => [m.code, m]));
/** EU/EEA markets (GDPR). */
export const EU_MARKETS: ReadonlySet<string> = new Set(['IE', 'DE', 'ES', 'PL']);

/** Free-text spellings of `country` per market; the ISO code comes first [A]. */
const COUNTRY_FORMS: Record<MarketCode, readonly string[]> = {
  TR: ['TR', 'Türkiye', 'Turkey', 'TUR', 'turkiye'], GB: ['GB', 'United Kingdom', 'UK', 'GBR'], US: ['US', 'USA', 'United States'],
  DE: ['DE', 'Germany', 'Deutschland'], IE: ['IE', 'Ireland', 'Éire'], ES: ['ES', 'Spain', 'España'], PL: ['PL', 'Poland', 'Polska'],
};
const TR_CITIES = weights({ İstanbul: 40, Ankara: 15, İzmir: 12, Bursa: 8, Antalya: 7, Adana: 5, Konya: 4, Gaziantep: 3, Kocaeli: 3, Eskişehir: 3 });
const TR_DISTRICTS: Record<string, readonly string[]> = {
  İstanbul: ['Kadıköy', 'Beşiktaş', 'Üsküdar', 'Şişli', 'Bakırköy', 'Ataşehir', 'Beylikdüzü'], Ankara: ['Çankaya', 'Keçiören', 'Yenimahalle'],
  İzmir: ['Karşıyaka', 'Bornova', 'Konak'],
};
const OTHER_CITIES: Record<Exclude<MarketCode, 'TR'>, readonly string[]> = {
  GB: ['London', 'Manchester', 'Birmingham', 'Leeds'], US: ['New York', 'Chicago', 'Los Angeles', 'Houston'], DE: ['Berlin', 'München', 'Hamburg', 'Köln'],
  IE: ['Dublin', 'Cork', 'Galway'], ES: ['Madrid', 'Barcelona', 'Valencia', 'Sevilla'], PL: ['Warszawa', 'Kraków', 'Gdańsk', 'Wrocław'],
};
const LANGUAGES: Record<MarketCode, readonly string[]> = {
  TR: ['tr', 'tr', 'tr', 'tr', 'tr', 'tr', 'tr', 'tr-TR', 'en', 'Türkçe'], GB: ['en', 'en', 'en', 'en-GB', 'English'], US: ['en', 'en', 'en', 'en-US', 'English'],
  IE: ['en', 'en', 'en-IE', 'ga'], DE: ['de', 'de', 'de', 'de', 'en'], ES: ['es', 'es', 'es', 'es', 'en'], PL: ['pl', 'pl', 'pl', 'pl', 'en'],
};
const OPERATORS: Record<MarketCode, readonly string[]> = {
  TR: ['Turkcell', 'Vodafone TR', 'Türk Telekom'], GB: ['EE', 'O2 - UK', 'Vodafone UK'], US: ['Verizon', 'AT&T', 'T-Mobile'],
  DE: ['Telekom.de', 'Vodafone.de', 'o2 - de'], IE: ['Three', 'Vodafone IE', 'eir'], ES: ['Movistar', 'Orange', 'Vodafone ES'], PL: ['Play', 'Orange PL', 'Plus'],
};
const INTERESTS_TR = ['Elektronik', 'Moda', 'Ev & Yaşam', 'Spor', 'Kitap', 'Kozmetik', 'Oyuncak', 'Süpermarket'];
const INTERESTS_EN = ['Electronics', 'Fashion', 'Home & Living', 'Sports', 'Books', 'Beauty', 'Toys', 'Groceries'];
const TR_TEAMS = ['Galatasaray', 'Fenerbahçe', 'Beşiktaş', 'Trabzonspor', 'Göztepe'];
const OCCUPATIONS = ['Öğretmen', 'Mühendis', 'Doktor', 'Öğrenci', 'Engineer', 'Teacher', 'Designer', 'Avukat'];
const EXTERNAL_SEGMENTS = ['gold_customers', 'app_beta', 'crm_import_2023', 'call_center', 'b2b_partners'];
const IYS_SOURCES = ['HS_WEB', 'HS_MOBIL', 'HS_FIZIKSEL_ORTAM', 'HS_CAGRI_MERKEZI'];

const drawDeviceCount = weights({ 0: 12, 1: 55, 2: 25, 3: 8 });
const drawPlatform = weights<NetmeraDevicePlatform>({ IOS: 38, ANDROID: 52, CHROME: 6, SAFARI: 2, FIREFOX: 2 });
const IOS_MODELS = ['iPhone15,2', 'iPhone15,4', 'iPhone16,1', 'iPhone14,5', 'iPhone13,2', 'iPad13,18'];
const ANDROID_MODELS: ReadonlyArray<[string, string]> = [
  ['SM-S918B', 'samsung'], ['SM-A546E', 'samsung'], ['Redmi Note 12', 'Xiaomi'], ['CPH2451', 'OPPO'], ['Pixel 7a', 'Google'], ['M2101K6G', 'Xiaomi'],
  ['TECNO KI5k', 'TECNO'], ['ELS-NX9', 'HUAWEI'],
];

/** Shared inputs of user generation. */
export interface UserContext {
  seed: number;
  /** Epoch ms. */
  now: number;
  n: number;
  plan: MessPlan;
  pools: NamePools;
}

/** Build a context (name pools come from seeded faker, cached per seed). */
export function userContext(seed: number, now: number, plan: MessPlan): UserContext {
  return { seed, now, n: plan.n, plan, pools: namePools(seed) };
}

/** What a duplicate copies from its original. */
interface Identity {
  market: Market;
  first: string | null;
  last: string | null;
  /** The clean address before any role is applied. */
  email: string;
  createdAt: number;
}

function personName(r: Rng, ctx: UserContext, m: Market, part: 'first' | 'last'): string {
  const curated = part === 'first' ? m.curatedFirst : m.curatedLast;
  if (curated.length > 0 && r() < m.curatedShare) return pick(r, curated);
  return pick(r, ctx.pools[part][m.code]);
}

function identityAt(ctx: UserContext, i: number): { id: Identity; rng: Rng } {
  const r = indexRng(ctx.seed, i, NetmeraSalt.identity);
  const market = MARKET_BY_CODE.get(drawMarket(r))!;
  const first = r() < 0.02 ? null : personName(r, ctx, market, 'first');
  const last = r() < 0.03 ? null : personName(r, ctx, market, 'last');
  const f = slug(first).slice(0, 20);
  const l = slug(last).slice(0, 20);
  // The index keeps local parts unique without a lookup table.
  const num = String(i + 1);
  let local = !f && !l ? `kullanici${num}` : !f || !l ? `${f || l}${num}` : pick(r, [`${f}.${l}${num}`, `${f}${l}${num}`, `${f[0]}${l}${num}`, `${f}_${l}${num}`]);
  // Plus addresses: an extId equal to the address then needs URL encoding.
  if (r() < 0.03) local = `${local}+alisveris`;
  const email = `${local}@${pick(r, market.domains)}`;
  const x = (i + r()) / ctx.n;
  const createdAt = Math.min(ctx.now - 3_600_000, ctx.now - HISTORY + Math.floor(HISTORY * (0.35 * Math.sqrt(x) + 0.65 * x)));
  return { id: { market, first, last, email, createdAt }, rng: r };
}

function malformedEmail(email: string, r: Rng): string {
  const [local, domain] = email.split('@') as [string, string];
  switch (intIn(r, 0, 4)) {
    case 0: return `${local}@`;
    case 1: return `${local}@${domain.replace(/\.([a-z]+)$/, ',$1')}`;
    case 2: return `${local} @${domain}`;
    case 3: return `${local}@@${domain}`;
    default: return `${local}.${domain}`;
  }
}

/** Epoch ms of local midnight of `date` (YYYY-MM-DD) in `tz` (the offset of the day before's noon, which no DST switch separates from midnight). */
export function localMidnight(date: string, tz: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const utcMidnightSec = Date.UTC(y, m - 1, d) / 1000;
  return (utcMidnightSec - zoneOffsetMinutes(tz, utcMidnightSec - 43_200) * 60) * 1000;
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function hex(r: Rng, n: number): string {
  let s = '';
  while (s.length < n) s += Math.floor(r() * 4294967296).toString(16).padStart(8, '0');
  return s.slice(0, n);
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
function b64url(r: Rng, n: number): string {
  let s = '';
  for (let k = 0; k < n; k++) s += B64URL[Math.floor(r() * 64)];
  return s;
}

/** Installations of user `i`: installationIds are unique (the first word is a bijection of 4i+k). */
function devicesOf(ctx: UserContext, i: number, m: Market, createdAt: number, tz: string, anonymous: boolean): NetmeraDevice[] {
  const r = indexRng(ctx.seed, i, NetmeraSalt.device);
  let count = Number(drawDeviceCount(r));
  if (anonymous && count === 0) count = 1;
  const out: NetmeraDevice[] = [];
  for (let k = 0; k < count; k++) {
    const platform = drawPlatform(r);
    const web = platform !== 'IOS' && platform !== 'ANDROID';
    const installedAt = intIn(r, createdAt, ctx.now - 60_000);
    const uninstalled = r() < 0.1;
    // Recent activity is likelier: a quadratic pull towards now.
    const span = ctx.now - installedAt;
    const lastActiveAt = uninstalled ? installedAt + Math.floor(span * r() * 0.6) : ctx.now - Math.floor(span * r() * r());
    const pushPermitted = r() < (platform === 'IOS' ? 0.65 : platform === 'ANDROID' ? 0.85 : 0.4);
    let token: string | null;
    let deviceModel: string;
    let manufacturer: string;
    let osVersion: string;
    if (platform === 'IOS') {
      token = hex(r, 64);
      deviceModel = pick(r, IOS_MODELS);
      manufacturer = 'Apple';
      osVersion = `${intIn(r, 15, 18)}.${intIn(r, 0, 6)}${r() < 0.5 ? `.${intIn(r, 1, 3)}` : ''}`;
    } else if (platform === 'ANDROID') {
      token = `${b64url(r, 22)}:APA91b${b64url(r, 134)}`;
      [deviceModel, manufacturer] = pick(r, ANDROID_MODELS);
      osVersion = String(intIn(r, 9, 15));
    } else {
      token = pushPermitted ? `https://fcm.googleapis.com/fcm/send/${b64url(r, 22)}:APA91b${b64url(r, 60)}` : null;
      deviceModel = platform === 'CHROME' ? 'Chrome' : platform === 'SAFARI' ? 'Safari' : 'Firefox';
      manufacturer = 'Web';
      osVersion = pick(r, ['Windows 10', 'Windows 11', 'macOS 14.4', 'Linux']);
    }
    // A registration that never got a token.
    if (!web && r() < 0.05) token = null;
    const id = `${fmix32(((4 * i + k) ^ fmix32(ctx.seed ^ NetmeraSalt.device)) >>> 0).toString(16).padStart(8, '0')}${hex(r, 16)}`;
    out.push({
      installationId: id, platform, token, deviceModel, manufacturer, osVersion,
      appVersion: web ? `web-sdk-3.${intIn(r, 0, 9)}` : `4.${intIn(r, 0, 14)}.${intIn(r, 0, 9)}`,
      language: m.code === 'TR' ? 'tr-TR' : `${pick(r, LANGUAGES[m.code]).slice(0, 2)}-${m.code}`,
      operator: web || r() < 0.1 ? null : pick(r, OPERATORS[m.code]),
      region: m.code, timeZone: tz, pushPermitted, installedAt, lastActiveAt, uninstalled,
    });
  }
  return out.sort((a, b) => b.lastActiveAt - a.lastActiveAt);
}

function categoryPreferencesOf(r: Rng, turkish: boolean): Record<string, boolean> {
  if (r() < 0.1) return {};
  const prefs: Record<string, boolean> = {};
  const offered = turkish ? CATEGORIES.filter((c) => c !== 'Promotions' && c !== 'Newsletter') : CATEGORIES.filter((c) => c === 'Promotions' || c === 'Newsletter');
  for (const c of offered) if (r() < 0.65) prefs[c] = r() < 0.6;
  return prefs;
}

function channelPermissionOf(r: Rng, ctx: UserContext, hasEmail: boolean, hasPhone: boolean, turkish: boolean, createdAt: number): NetmeraChannelPermission {
  const tri = (yes: number, no: number): boolean | null => {
    const x = r();
    return x < yes ? true : x < yes + no ? false : null;
  };
  const email = hasEmail ? tri(0.55, 0.35) : null;
  const sms = hasPhone ? tri(0.5, 0.4) : null;
  const whatsapp = turkish && hasPhone && r() < 0.3 ? true : null;
  const updatedAt = intIn(r, createdAt, ctx.now);
  const iysOf = (p: boolean | null): 'ONAY' | 'RET' | null => (p === null ? null : p ? (r() < 0.92 ? 'ONAY' : 'RET') : r() < 0.8 ? 'RET' : null);
  const iys = turkish && (email !== null || sms !== null)
    ? { email: iysOf(email), sms: iysOf(sms), call: hasPhone && r() < 0.4 ? (r() < 0.5 ? 'ONAY' as const : 'RET' as const) : null, source: pick(r, IYS_SOURCES), consentAt: intIn(r, createdAt, updatedAt) }
    : null;
  return { email, sms, whatsapp, iys, updatedAt };
}

/** The user at index `i`, as the simulator serves and the files carry it. */
export function userAt(ctx: UserContext, i: number): NetmeraUser {
  const { plan, now } = ctx;
  const { id, rng: r } = identityAt(ctx, i);
  const m = id.market;
  const turkish = m.code === 'TR';
  const tz = pick(r, m.timezones);
  const role = plan.emailRole[i]!;
  let first = id.first;
  let last = id.last;
  let email: string | null = id.email;
  const original = plan.dupOf[i]!;
  if (original >= 0) {
    const orig = identityAt(ctx, original).id;
    // One person signed up twice: same name, same address (perhaps typed in another case).
    first = orig.first;
    last = orig.last;
    email = role === EmailRole.CaseDup ? caseVariant(orig.email.toLowerCase(), r) : orig.email;
    if (role === EmailRole.CaseDup && email === orig.email) email = orig.email.toUpperCase();
  } else if (role === EmailRole.Missing) {
    email = r() < 0.6 ? null : r() < 0.8 ? '' : ' ';
  } else if (role === EmailRole.Invalid) {
    email = malformedEmail(id.email, r);
  }
  const nameRole = plan.nameRole[i]!;
  if (nameRole === NameRole.TooLong) {
    first = first ?? personName(r, ctx, m, 'first');
    let s = personName(r, ctx, m, 'last');
    for (const target = 256 + intIn(r, 0, 40); s.length <= target;) s += ` ${personName(r, ctx, m, 'last')}`;
    last = s;
  } else if (nameRole === NameRole.Padded) {
    first = first ?? personName(r, ctx, m, 'first');
    last = last ?? personName(r, ctx, m, 'last');
    if (r() < 0.5) first = pick(r, [` ${first}`, `${first} `, `${first}\u00a0`]);
    else last = pick(r, [` ${last}`, `${last}  `]);
  }
  const phoneRole = plan.phoneRole[i]!;
  const nsn = m.mobile(r);
  const msisdn = phoneFor(phoneRole, m, nsn, r);
  const anonymous = plan.anonymous[i] === 1;
  const cleanUnique = role === EmailRole.Clean && plan.groupOf(i) === undefined;
  const ex = indexRng(ctx.seed, i, NetmeraSalt.extId);
  const kind = ex();
  const extId = anonymous ? null : cleanUnique && kind < 0.05 ? id.email.toLowerCase() : kind < 0.7 ? String(2_000_000 + 3 * i + (fmix32(ctx.seed ^ i) & 1)) : uuidFor(ctx.seed ^ NetmeraSalt.extId, i);

  const p: NetmeraProfile = {};
  // Unset attributes are absent; an attribute set to null once stays as null [A].
  if (email !== null) p.email = email;
  if (msisdn !== null) p.msisdn = msisdn;
  if (first !== null) p.name = first;
  if (last !== null) p.surname = last;
  if (r() < 0.8) p.gender = r() < 0.5 ? 'FEMALE' : 'MALE';
  let birthDate: string | null = null;
  if (r() < 0.65) {
    birthDate = isoDate(now - intIn(r, 18 * 365, 75 * 365) * DAY);
    p.dateOfBirth = localMidnight(birthDate, tz);
    const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
    const today = new Date(now);
    p.age = today.getUTCFullYear() - by - (today.getUTCMonth() + 1 < bm || (today.getUTCMonth() + 1 === bm && today.getUTCDate() < bd) ? 1 : 0);
  }
  if (r() < 0.3) p.maritalStatus = r() < 0.55 ? 'MARRIED' : 'SINGLE';
  if (r() < 0.15) p.numberOfChildren = intIn(r, 0, 4);
  const countryIso = m.code;
  if (r() < 0.9) {
    const forms = COUNTRY_FORMS[m.code];
    p.country = r() < 0.6 ? forms[0]! : pick(r, forms.slice(1));
  }
  let city: string | null = null;
  if (turkish) {
    city = TR_CITIES(r);
    if (r() < 0.75) {
      const folded = city.replace('İ', 'I').replace('ş', 's').replace('ü', 'u').replace('ç', 'c').replace('ğ', 'g').replace('ı', 'i');
      const x = r();
      p.city = x < 0.6 ? city : x < 0.85 ? folded : x < 0.95 ? city.toLocaleUpperCase('tr') : folded.toLowerCase();
    }
    const districts = TR_DISTRICTS[city];
    if (districts && r() < 0.5) p.district = pick(r, districts);
  } else {
    city = pick(r, OTHER_CITIES[m.code as Exclude<MarketCode, 'TR'>]);
    if (r() < 0.75) p.city = city;
    if (m.code === 'US' && r() < 0.6) p.state = pick(r, ['NY', 'IL', 'CA', 'TX']);
  }
  if (r() < 0.2) p.occupation = pick(r, OCCUPATIONS);
  if (r() < 0.1) p.industry = pick(r, ['Retail', 'Finance', 'Education', 'Sağlık']);
  if (r() < 0.4) p.favouriteTeam = turkish && r() < 0.85 ? pick(r, TR_TEAMS) : pick(r, TEAMS);
  if (r() < 0.95) p.language = pick(r, LANGUAGES[m.code]);
  if (r() < 0.25) p.externalSegments = [...new Set([pick(r, EXTERNAL_SEGMENTS), pick(r, EXTERNAL_SEGMENTS)])];

  let dogumTarihi: string | null = null;
  const both = r() < 0.05;
  if (turkish || both) {
    if (r() < 0.7) {
      dogumTarihi = birthDate ?? isoDate(now - intIn(r, 18 * 365, 75 * 365) * DAY);
      p.dogum_tarihi = localMidnight(dogumTarihi, 'Europe/Istanbul');
    }
    // The same mobile number the app form took, typed four ways.
    if (r() < 0.6) p.cep_telefonu = pick(r, [`0${nsn}`, nsn, `+${m.callingCode} ${nsn.slice(0, 3)} ${nsn.slice(3, 6)} ${nsn.slice(6, 8)} ${nsn.slice(8)}`, `${m.callingCode}${nsn}`]);
    if (r() < 0.85 && city !== null && turkish) p.sehir = city;
    if (r() < 0.9) p.uyelik_tipi = pick(r, ['Standart', 'Standart', 'Standart', 'Premium', 'Altın']);
    if (r() < 0.8) p.sadakat_puani = Math.floor(Math.exp(r() * 9));
    // Money sums carry binary floating-point noise, as doubles summed in an app do.
    if (r() < 0.75) p.toplam_harcama = r() < 0.2 ? intIn(r, 1000, 5_000_000) * 0.01 : intIn(r, 1000, 5_000_000) / 100;
    if (r() < 0.6) p.son_alisveris_tarihi = intIn(r, id.createdAt, now);
    if (r() < 0.55) p.ilgi_alanlari = [...new Set([pick(r, INTERESTS_TR), pick(r, INTERESTS_TR), pick(r, INTERESTS_TR)])];
    if (r() < 0.92) p.kvkk_onay = r() < 0.85;
  }
  if (!turkish || both) {
    if (r() < 0.9) p.isSubscribed = r() < 0.6;
    if (r() < 0.8) p.loyaltyTier = pick(r, ['Bronze', 'Bronze', 'Silver', 'Gold']);
    if (r() < 0.6) p.lastPurchaseDate = intIn(r, id.createdAt, now);
    if (r() < 0.5) p.favouriteCategories = [...new Set([pick(r, INTERESTS_EN), pick(r, INTERESTS_EN)])];
    if (r() < 0.7) p.totalSpend = intIn(r, 500, 900_000) / 100;
  }

  const devices = devicesOf(ctx, i, m, id.createdAt, tz, anonymous);
  const c = indexRng(ctx.seed, i, NetmeraSalt.consent);
  const categoryPreferences = categoryPreferencesOf(c, turkish);
  // Permission was given at signup, whatever the address looks like: malformed ones bounce later.
  const channelPermission = channelPermissionOf(c, ctx, email !== null && email.trim() !== '', msisdn !== null, turkish, id.createdAt);
  const tags: string[] = [];
  if (c() >= 0.35) for (let k = intIn(c, 1, 3); k > 0; k--) {
    const t = pick(c, TAG_NAMES);
    if (!tags.includes(t)) tags.push(t);
  }
  return {
    index: i,
    extId,
    key: extId ?? `anon:${i}`,
    profile: p,
    devices,
    categoryPreferences,
    channelPermission,
    tags,
    traits: {
      countryIso, timeZone: tz, birthDate, dogumTarihi, city,
      cartAbandoner: c() < 0.15, churnScore: Math.round(c() * 1000) / 1000, powerUser: c() < 0.1, campaign2022: c() < 0.05, createdAt: id.createdAt,
    },
  };
}
