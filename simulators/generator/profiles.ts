/**
 * One profile row per index, computed from (seed, index, plan) alone so any row can be
 * produced on its own (`profileAt`). Identity and timestamps are drawn first from the
 * index's stream, so a duplicate can read its original's identity without building
 * the whole row.
 */
import type { Rng } from '../common/prng.js';
import { formatDate, formatDateTimeOffset, formatDateTimeUtc, zoneOffsetMinutes } from './formats.js';
import { Salt, indexRng, intIn, pick, uuidFor, weights } from './index-rng.js';
import { JUNK_PHONES, MARKETS, SPORTS, TEAMS, namePools, slug, type Market, type NamePools } from './locales.js';
import { favouriteVenueAt } from './locations.js';
import { EmailRole, NameRole, PhoneRole, profileIdAt, type MessPlan } from './plan.js';
import type { LoyaltyTier, XtremepushProfile } from './types.js';

const DAY = 86400;
const YEAR = 365 * DAY;
/** Profiles were created over the six years before "now". */
const HISTORY = 6 * YEAR;

const MARKET_BY_CODE = new Map(MARKETS.map((m) => [m.code, m]));
const drawMarket = weights(Object.fromEntries(MARKETS.map((m) => [m.code, m.weight])) as Record<Market['code'], number>);
const drawLanguage = new Map(MARKETS.map((m) => [m.code, weights(m.languages)]));
const drawMissing = weights({ null: 55, empty: 35, blank: 10 });
const drawStage = weights({ subscriber: 25, lead: 20, engaged: 30, loyal: 15, churned: 10 });
const drawConsentType = weights({ Marketing: 75, 'Legitimate Interest': 25 });
const drawConsentSource = weights({ SDK: 55, import: 30, manual: 15 });

/** The part of a profile a duplicate copies from its original. */

/**
 * A phone written the way the mess plan says: `+` and the calling code, national (unreadable
 * without the country), junk, missing, or the calling code without `+` (the default, as
 * engagement platforms store msisdns).
 */
export function phoneFor(role: number, m: Pick<Market, 'callingCode' | 'national'>, nsn: string, r: Rng): string | null {
  switch (role) {
    case PhoneRole.Plus: return `+${m.callingCode}${nsn}`;
    case PhoneRole.National: return m.national(nsn);
    case PhoneRole.Junk: return pick(r, JUNK_PHONES);
    case PhoneRole.Missing: return null;
    default: return `${m.callingCode}${nsn}`;
  }
}
export interface ProfileCore {
  market: Market;
  first: string | null;
  last: string | null;
  /** Email as the original has it (clean role), before any role is applied. */
  email: string;
  create: number;
  /** update_time before duplicate-group adjustments. */
  update: number;
}

/** Shared inputs for profile generation. */
export interface ProfileContext {
  seed: number;
  now: number;
  n: number;
  plan: MessPlan;
  pools: NamePools;
}

/** Build a context (name pools come from seeded faker, cached per seed). */
export function profileContext(seed: number, now: number, plan: MessPlan): ProfileContext {
  return { seed, now, n: plan.n, plan, pools: namePools(seed) };
}

function personName(r: Rng, ctx: ProfileContext, m: Market, part: 'first' | 'last'): string {
  const curated = part === 'first' ? m.curatedFirst : m.curatedLast;
  if (curated.length > 0 && r() < m.curatedShare) return pick(r, curated);
  return pick(r, ctx.pools[part][m.code]);
}

/** Identity and timestamps of index `i`; the first draws of its stream. */
export function coreAt(ctx: ProfileContext, i: number): { core: ProfileCore; rng: Rng } {
  const r = indexRng(ctx.seed, i, Salt.profile);
  const market = MARKET_BY_CODE.get(drawMarket(r))!;
  const first = r() < 0.02 ? null : personName(r, ctx, market, 'first');
  const last = r() < 0.03 ? null : personName(r, ctx, market, 'last');
  const f = slug(first).slice(0, 20);
  const l = slug(last).slice(0, 20);
  // The trailing number is the index: local parts stay unique without a lookup table.
  const num = String(i + 1);
  let local: string;
  if (!f && !l) local = `user${num}`;
  else if (!f || !l) local = `${f || l}${num}`;
  else local = pick(r, [`${f}.${l}${num}`, `${f}${l}${num}`, `${f[0]}${l}${num}`, `${f}_${l}${num}`, `${l}.${f}${num}`]);
  if (r() < 0.04) local = local[0]!.toUpperCase() + local.slice(1);
  const email = `${local}@${pick(r, market.domains)}`;
  // Creation time grows with the index (ids are issued in creation order) and signups speed up over time.
  const x = (i + r()) / ctx.n;
  const start = ctx.now - HISTORY;
  const create = Math.min(ctx.now - 3600, start + Math.floor(HISTORY * (0.4 * Math.sqrt(x) + 0.6 * x)));
  const update = r() < 0.2 ? create : create + Math.floor(r() * (ctx.now - create));
  return { core: { market, first, last, email, create, update }, rng: r };
}

/**
 * update_time of every member of a duplicate group, made distinct (nearest free second
 * within [create, now]) so exactly one member is the newest.
 */
export function groupUpdateTimes(ctx: ProfileContext, members: number[]): Map<number, number> {
  const used = new Set<number>();
  const out = new Map<number, number>();
  for (const m of members) {
    const { core } = coreAt(ctx, m);
    let u = core.update;
    for (let step = 1; used.has(u); step++) {
      const up = core.update + step;
      const down = core.update - step;
      if (up <= ctx.now && !used.has(up)) u = up;
      else if (down >= core.create && !used.has(down)) u = down;
    }
    used.add(u);
    out.set(m, u);
  }
  return out;
}

/** A case variant of `email` that differs from it: "sean.obriain12@example.ie" → "Sean.Obriain12@Example.ie". */
export function caseVariant(email: string, r: Rng): string {
  const style = intIn(r, 0, 2);
  let v: string;
  if (style === 0) v = email.toUpperCase();
  else if (style === 1) v = email.replace(/(^|[._@])([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase());
  else v = email.replace(/^[a-z]/, (c) => c.toUpperCase()).replace(/@([a-z])/, (_m, c: string) => `@${c.toUpperCase()}`);
  return v === email ? email.toUpperCase() : v;
}

function invalidEmail(core: ProfileCore, r: Rng): string {
  const [local, domain] = core.email.split('@') as [string, string];
  switch (intIn(r, 0, 4)) {
    case 0: return `${local}@`;
    case 1: return `${local}.${domain}`;
    case 2: return `${(core.first ?? 'a').split(' ')[0]} ${local}@${domain}`;
    case 3: return `${local}@@${domain}`;
    default: return `${local} at ${domain}`;
  }
}

function tooLongName(r: Rng, ctx: ProfileContext, m: Market): string {
  const target = 256 + intIn(r, 0, 40);
  let s = personName(r, ctx, m, 'last');
  while (s.length <= target) s += `-${personName(r, ctx, m, 'last')}`;
  return s;
}

function padded(name: string, r: Rng): string {
  return pick(r, [` ${name}`, `${name} `, `  ${name}  `, `${name}\u00a0`]);
}

/**
 * Whether a custom attribute is set: 2 = has a value (probability `rate`), else absent
 * (0, never set) three times in four or null (1, set then cleared). A code rather than
 * a callback: this runs 15 times per profile and closures showed up in profiles.
 */
function presence(r: Rng, rate: number): 0 | 1 | 2 {
  return r() < rate ? 2 : r() < 0.25 ? 1 : 0;
}

function sportsList(r: Rng): string {
  const chosen: string[] = [];
  for (let k = intIn(r, 0, 3); k > 0; k--) {
    const s = pick(r, SPORTS);
    if (!chosen.includes(s)) chosen.push(s);
  }
  return JSON.stringify(chosen);
}

function tierFor(points: number): LoyaltyTier {
  return points < 1000 ? 'bronze' : points < 10000 ? 'silver' : points < 50000 ? 'gold' : 'platinum';
}

/** The profile row at index `i`, exactly as `list/profile` would return it. */
export function profileAt(ctx: ProfileContext, i: number): XtremepushProfile {
  const { plan, now } = ctx;
  const { core, rng: r } = coreAt(ctx, i);
  const m = core.market;
  const role = plan.emailRole[i]!;
  let first = core.first;
  let last = core.last;
  let email: string | null = core.email;
  let update = core.update;
  const original = plan.dupOf[i]!;
  if (original >= 0) {
    const orig = coreAt(ctx, original).core;
    // A person who signed up twice: same name, same address (maybe re-typed in other case).
    first = orig.first;
    last = orig.last;
    if (role === EmailRole.CaseDup) {
      email = caseVariant(orig.email.toLowerCase(), r);
      // The original may itself be capitalised; a "case" copy must still differ from it.
      if (email === orig.email) email = orig.email.toUpperCase();
    } else {
      email = orig.email;
    }
  } else if (role === EmailRole.Missing) {
    email = drawMissing(r) === 'null' ? null : r() < 0.78 ? '' : ' ';
  } else if (role === EmailRole.Invalid) {
    email = invalidEmail(core, r);
  }
  const group = plan.groupOf(i);
  if (group) update = groupUpdateTimes(ctx, group).get(i)!;

  const nameRole = plan.nameRole[i]!;
  if (nameRole === NameRole.TooLong) {
    first = first ?? personName(r, ctx, m, 'first');
    last = tooLongName(r, ctx, m);
  } else if (nameRole === NameRole.Padded) {
    first = first ?? personName(r, ctx, m, 'first');
    last = last ?? personName(r, ctx, m, 'last');
    if (r() < 0.5) first = padded(first, r);
    else last = padded(last, r);
  }

  const phoneRole = plan.phoneRole[i]!;
  const mobile = phoneFor(phoneRole, m, m.mobile(r), r);
  // A national number is unreadable without the country, so it always has one.
  const country = phoneRole !== PhoneRole.National && r() < 0.01 ? null : m.code;
  const hasEmail = email !== null && email.trim() !== '' && role !== EmailRole.Invalid;
  const timezone = r() < 0.03 ? null : pick(r, m.timezones);

  const row: XtremepushProfile = {
    profile_id: profileIdAt(ctx.seed, i),
    user_id: plan.anonymous[i] ? null : r() < 0.7 ? `u-${String(i + 1).padStart(6, '0')}` : uuidFor(ctx.seed, i),
    email,
    email_subscription: hasEmail && r() < 0.7 ? 1 : 0,
    mobile_number: mobile,
    sms_subscription: mobile !== null && phoneRole !== PhoneRole.Junk && r() < 0.55 ? 1 : 0,
    language: r() < 0.02 ? null : drawLanguage.get(m.code)!(r),
    timezone,
    create_time: core.create,
    update_time: update,
    first_name: first,
    last_name: last,
    country,
  };
  let st = presence(r, 0.98);
  if (st) row.lifecycle_stage = st === 2 ? drawStage(r) : null;
  if (r() < 0.85) {
    const points = Math.floor(Math.exp(r() * 12.2)) - 1;
    row.loyalty_points = points;
    row.loyalty_tier = tierFor(points);
    row.achievement_count = intIn(r, 0, 120);
  }
  st = presence(r, 0.9);
  if (st) row.consent_type = st === 2 ? drawConsentType(r) : null;
  st = presence(r, 0.9);
  if (st) row.consent_source = st === 2 ? drawConsentSource(r) : null;
  st = presence(r, 0.6);
  if (st) row.favourite_team = st === 2 ? pick(r, TEAMS) : null;
  st = presence(r, 0.5);
  if (st) row.referral_code = st === 2 ? `${(slug(first).slice(0, 4) || 'ref').toUpperCase()}-${Math.floor(r() * 36 ** 6).toString(36).toUpperCase().padStart(6, '0')}` : null;
  st = presence(r, 0.85);
  if (st) row.lifetime_value = st === 2 ? Math.round((Math.exp(r() * 9) - 1) * 100) / 100 : null;
  st = presence(r, 0.95);
  if (st) row.sessions_count = st === 2 ? Math.floor(Math.exp(r() * 8.5)) - 1 : null;
  st = presence(r, 0.7);
  if (st) row.date_of_birth = st === 2 ? formatDate(now - intIn(r, 18 * 365, 80 * 365) * DAY - intIn(r, 0, DAY - 1)) : null;
  st = presence(r, 0.6);
  if (st) {
    const t = intIn(r, core.create, now);
    row.last_purchase_at = st === 2 ? formatDateTimeOffset(t, timezone ? zoneOffsetMinutes(timezone, t) : 0) : null;
  }
  st = presence(r, 0.9);
  if (st) row.last_login_at = st === 2 ? formatDateTimeUtc(intIn(r, core.create, now)) : null;
  st = presence(r, 0.55);
  if (st) row.favourite_sports = st === 2 ? sportsList(r) : null;
  st = presence(r, 0.8);
  if (st) row.vip = st === 2 ? r() < 0.08 : null;
  // Drawn from its own stream (not `r`), so adding it changed no other value of the row.
  const venue = favouriteVenueAt(ctx.seed, i, m.code);
  if (venue !== undefined) row.favourite_venue_id = venue;
  return row;
}

