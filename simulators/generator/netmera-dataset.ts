/**
 * The seeded Netmera data generator. Same (users, seed, now, options) → the same bytes.
 * `createNetmeraGenerator` gives random access (`userAt(i)`) and streams;
 * `generateNetmeraDataset` materialises the account as the simulator serves it, with the
 * exact truth of every defect it planted.
 */
import { fmix32 } from './index-rng.js';
import { eventCountAt, eventsOf, pushResultsOf, statsOf } from './netmera-activity.js';
import {
  CATEGORIES, CUSTOM_ATTRIBUTES, EVENT_DEFINITIONS, STANDARD_ATTRIBUTES, TYPICAL_SELECTION, WIDGET_FILE_SIZE_LIMIT_BYTES, netmeraCampaigns,
  netmeraJourneys, netmeraSegments, netmeraWidgets,
} from './netmera-catalog.js';
import { baseMember, hasInstalledOs } from './netmera-segments.js';
import type {
  NetmeraCampaign, NetmeraDataset, NetmeraDatasetOptions, NetmeraDuplicateGroup, NetmeraEvent, NetmeraPushResult, NetmeraSegment, NetmeraTruth,
  NetmeraUser,
} from './netmera-types.js';
import { EU_MARKETS, NetmeraSalt, userAt, userContext, type UserContext } from './netmera-users.js';
import { EmailRole, NameRole, PhoneRole, buildPlan, type MessPlan } from './plan.js';

/** 2025-01-01T00:00:00Z in epoch ms: the default "now", so output never depends on the wall clock. */
export const NETMERA_DEFAULT_NOW = 1_735_689_600_000;
/** Users generated when the options name no count. */
export const NETMERA_DEFAULT_USERS = 2000;
/** The account's time zone [A]. */
export const NETMERA_TIME_ZONE = 'Europe/Istanbul';

/** Random-access view of a generated account. */
export interface NetmeraGenerator {
  readonly size: number;
  readonly seed: number;
  /** Epoch ms. */
  readonly now: number;
  readonly appKey: string;
  /** The user at index `i` (0 ≤ i < size). */
  userAt(i: number): NetmeraUser;
  /** Users in index order. */
  users(): Generator<NetmeraUser>;
  /** Events of `user`, oldest first. */
  eventsOf(user: NetmeraUser): NetmeraEvent[];
  /** How many events user `i` has, without building them. */
  eventCountAt(i: number): number;
  readonly segments: NetmeraSegment[];
  readonly campaigns: NetmeraCampaign[];
}

/** Epoch ms; values below 1e11 are read as seconds. */
export function normaliseNowMs(now: number | undefined): number {
  if (now === undefined) return NETMERA_DEFAULT_NOW;
  if (!Number.isFinite(now) || now < 0) throw new RangeError(`now must be a non-negative epoch time, got ${now}`);
  return Math.floor(now < 1e11 ? now * 1000 : now);
}

interface Built {
  seed: number;
  now: number;
  mean: number;
  plan: MessPlan;
  ctx: UserContext;
}

function build(opts: NetmeraDatasetOptions): Built {
  const n = opts.users ?? NETMERA_DEFAULT_USERS;
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`users must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(opts.seed)) throw new RangeError(`seed must be an integer, got ${opts.seed}`);
  const seed = opts.seed >>> 0;
  const now = normaliseNowMs(opts.now);
  const plan = buildPlan(n, fmix32(seed ^ NetmeraSalt.plan), 0);
  return { seed, now, mean: opts.eventsPerUser ?? 6, plan, ctx: userContext(seed, now, plan) };
}

function generatorOf(b: Built, opts: NetmeraDatasetOptions): NetmeraGenerator {
  const { seed, now, mean, ctx } = b;
  const n = b.plan.n;
  return {
    size: n,
    seed,
    now,
    appKey: opts.appKey ?? `nm_${seed}_app`,
    userAt(i) {
      if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`user index ${i} outside 0..${n - 1}`);
      return userAt(ctx, i);
    },
    *users() {
      for (let i = 0; i < n; i++) yield userAt(ctx, i);
    },
    eventsOf: (user) => eventsOf(seed, now, user, mean),
    eventCountAt: (i) => eventCountAt(seed, i, mean),
    segments: netmeraSegments(now),
    campaigns: netmeraCampaigns(seed, now),
  };
}

/** A generator for the account described by `opts`. */
export function createNetmeraGenerator(opts: NetmeraDatasetOptions): NetmeraGenerator {
  return generatorOf(build(opts), opts);
}

function truthOf(ctx: { plan: MessPlan; users: NetmeraUser[]; segments: NetmeraSegment[]; now: number }): Omit<NetmeraTruth, 'campaignTotals' | 'oversizeWidgets' | 'counts'> {
  const { plan, users } = ctx;
  const keyOf = (i: number) => users[i]!.key;
  const t: Omit<NetmeraTruth, 'campaignTotals' | 'oversizeWidgets' | 'counts'> = {
    users: users.length, anonymous: [], emailLikeExtIds: [], missingEmail: [], invalidEmail: [], duplicateGroups: [], junkPhones: [], nationalPhones: [],
    plusPhones: [], phoneOnlyInCepTelefonu: [], tooLongNames: [], paddedNames: [], birthDates: {}, freeTextCountry: [], euUsers: [], turkishUsers: [],
    noDevices: [], noAppDevice: [], multiDevice: [], tagless: [], tagUsage: {}, segmentMembers: {}, typicalSelection: [...TYPICAL_SELECTION], notInTypicalSelection: [],
  };
  for (const s of ctx.segments) t.segmentMembers[String(s.id)] = [];
  for (const u of users) {
    const i = u.index;
    const k = u.key;
    if (u.extId === null) t.anonymous.push(k);
    else if (u.extId.includes('@')) t.emailLikeExtIds.push(k);
    const e = plan.emailRole[i];
    if (e === EmailRole.Missing) t.missingEmail.push(k);
    else if (e === EmailRole.Invalid) t.invalidEmail.push(k);
    const ph = plan.phoneRole[i];
    if (ph === PhoneRole.Junk) t.junkPhones.push(k);
    else if (ph === PhoneRole.National) t.nationalPhones.push(k);
    else if (ph === PhoneRole.Plus) t.plusPhones.push(k);
    else if (ph === PhoneRole.Missing && u.profile.cep_telefonu !== undefined) t.phoneOnlyInCepTelefonu.push(k);
    const nr = plan.nameRole[i];
    if (nr === NameRole.TooLong) t.tooLongNames.push(k);
    else if (nr === NameRole.Padded) t.paddedNames.push(k);
    if (u.profile.dateOfBirth !== undefined && u.traits.birthDate) t.birthDates[k] = u.traits.birthDate;
    if (typeof u.profile.country === 'string' && !/^[A-Z]{2}$/.test(u.profile.country)) t.freeTextCountry.push(k);
    if (EU_MARKETS.has(u.traits.countryIso)) t.euUsers.push(k);
    if (u.traits.countryIso === 'TR') t.turkishUsers.push(k);
    if (u.devices.length === 0) t.noDevices.push(k);
    else if (!hasInstalledOs(u, 'IOS') && !hasInstalledOs(u, 'ANDROID')) t.noAppDevice.push(k);
    if (u.devices.length > 1) t.multiDevice.push(k);
    if (u.tags.length === 0) t.tagless.push(k);
    for (const tag of u.tags) t.tagUsage[tag] = (t.tagUsage[tag] ?? 0) + 1;
    let chosen = false;
    for (const s of ctx.segments) {
      if (!baseMember(s.id, u, ctx.now)) continue;
      t.segmentMembers[String(s.id)]!.push(k);
      if (TYPICAL_SELECTION.includes(s.id)) chosen = true;
    }
    if (!chosen) t.notInTypicalSelection.push(k);
  }
  const groups = [...plan.groups].sort((a, b) => a[1][0]! - b[1][0]!);
  for (const [original, members] of groups) {
    const dupRoles = new Set(members.filter((m) => m !== original).map((m) => plan.emailRole[m]));
    const group: NetmeraDuplicateGroup = {
      emailKey: String(users[original]!.profile.email).trim().toLowerCase(),
      keys: members.map(keyOf),
      kind: dupRoles.size > 1 ? 'mixed' : dupRoles.has(EmailRole.ExactDup) ? 'exact' : 'case',
    };
    t.duplicateGroups.push(group);
  }
  return t;
}

/**
 * A whole generated account. Users, catalogues, per-recipient results and the truth are
 * built now (the truth needs the results' totals); events are built on first read.
 */
export function generateNetmeraDataset(opts: NetmeraDatasetOptions): NetmeraDataset {
  const built = build(opts);
  const gen = generatorOf(built, opts);
  const users: NetmeraUser[] = new Array<NetmeraUser>(gen.size);
  for (let i = 0; i < gen.size; i++) users[i] = gen.userAt(i);
  const pushResults: Record<string, NetmeraPushResult[]> = {};
  const campaignTotals: NetmeraTruth['campaignTotals'] = {};
  gen.campaigns.forEach((c, k) => {
    const rows = pushResultsOf(gen.seed, gen.now, c, k, users);
    pushResults[c.notificationKey] = rows;
    const stats = statsOf(rows);
    // Every recipient has exactly one SUCCESS or FAILED row.
    const recipients = rows.filter((r) => r.status === 'SUCCESS' || r.status === 'FAILED').length;
    campaignTotals[c.notificationKey] = {
      sent: stats.reduce((s, x) => s + x.sent, 0), failed: stats.reduce((s, x) => s + x.failed, 0), clicked: stats.reduce((s, x) => s + x.clicked, 0), recipients,
    };
  });
  const widgets = netmeraWidgets(gen.seed);
  const base = truthOf({ plan: built.plan, users, segments: gen.segments, now: gen.now });
  let devices = 0;
  let installedDevices = 0;
  let pushTokens = 0;
  let events = 0;
  for (const u of users) {
    devices += u.devices.length;
    for (const d of u.devices) {
      if (!d.uninstalled) installedDevices++;
      if (d.token !== null) pushTokens++;
    }
    events += gen.eventCountAt(u.index);
  }
  const truth: NetmeraTruth = {
    ...base,
    campaignTotals,
    oversizeWidgets: widgets.filter((w) => w.fileSizeBytes > WIDGET_FILE_SIZE_LIMIT_BYTES).map((w) => w.id),
    counts: { devices, installedDevices, pushTokens, events, pushResults: Object.values(pushResults).reduce((s, r) => s + r.length, 0) },
  };
  const ds = {
    seed: gen.seed,
    now: gen.now,
    appKey: gen.appKey,
    timeZone: NETMERA_TIME_ZONE,
    users,
    standardAttributes: STANDARD_ATTRIBUTES.map((a) => ({ ...a })),
    customAttributes: CUSTOM_ATTRIBUTES.map((a) => ({ ...a })),
    eventDefinitions: EVENT_DEFINITIONS.map((e) => ({ ...e, attributes: e.attributes.map((a) => ({ ...a })) })),
    categories: [...CATEGORIES],
    segments: gen.segments,
    typicalSelection: [...TYPICAL_SELECTION],
    campaigns: gen.campaigns,
    pushResults,
    journeys: netmeraJourneys(gen.seed),
    widgets,
    widgetFileSizeLimitBytes: WIDGET_FILE_SIZE_LIMIT_BYTES,
    truth,
  } as NetmeraDataset;
  // Events are the bulk: built on first read (JSON.stringify still sees them), then kept.
  let eventRows: NetmeraEvent[] | undefined;
  Object.defineProperty(ds, 'events', {
    enumerable: true,
    configurable: true,
    get: () => (eventRows ??= users.flatMap((u) => gen.eventsOf(u))),
    set: (v: NetmeraEvent[]) => {
      eventRows = v;
    },
  });
  return ds;
}

/** Row counts of every collection plus the truth tallies (reading it builds the events). */
export function netmeraDatasetSummary(ds: NetmeraDataset): Record<string, number> {
  const t = ds.truth;
  return {
    users: ds.users.length,
    devices: t.counts.devices,
    installedDevices: t.counts.installedDevices,
    pushTokens: t.counts.pushTokens,
    events: ds.events.length,
    segments: ds.segments.length,
    campaigns: ds.campaigns.length,
    pushResults: t.counts.pushResults,
    journeys: ds.journeys.length,
    widgets: ds.widgets.length,
    anonymous: t.anonymous.length,
    missingEmail: t.missingEmail.length,
    invalidEmail: t.invalidEmail.length,
    duplicateGroups: t.duplicateGroups.length,
    junkPhones: t.junkPhones.length,
    nationalPhones: t.nationalPhones.length,
    euUsers: t.euUsers.length,
    turkishUsers: t.turkishUsers.length,
    notInTypicalSelection: t.notInTypicalSelection.length,
  };
}
