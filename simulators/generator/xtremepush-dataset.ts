/**
 * The seeded Xtremepush data generator. Same (profiles, seed, now, options) → the same
 * bytes. `createXtremepushGenerator` gives random access (`profileAt(i)`) and streams,
 * so 200k profiles need not be held at once; `generateXtremepushDataset` materialises
 * the account as the simulator serves it.
 */
import { consentsFor, devicesFor, eventsFor, messagesFor, sendableCampaigns, subscriptionsFor, tagHitsFor, type ActivityOptions } from './activity.js';
import { attributeDefinitions, campaigns as buildCampaigns, promotions as buildPromotions, segments as buildSegments } from './catalog.js';
import { locationCatalogue } from './locations.js';
import { EmailRole, NameRole, PhoneRole, buildPlan, profileIdAt, type MessPlan } from './plan.js';
import { coreAt, groupUpdateTimes, profileAt, profileContext, type ProfileContext } from './profiles.js';
import { segmentMatches } from './segment-rules.js';
import type {
  DuplicateGroup, XtremepushAttributeDefinition, XtremepushCampaign, XtremepushConsent, XtremepushDataset, XtremepushDatasetOptions,
  XtremepushDevice, XtremepushEvent, XtremepushLocation, XtremepushMessage, XtremepushProfile, XtremepushPromotion, XtremepushPushAction,
  XtremepushSegment, XtremepushSubscription, XtremepushTagHit, XtremepushTruth,
} from './types.js';

/** 2025-01-01T00:00:00Z: the default "now", so output never depends on the wall clock. */
export const DEFAULT_NOW = 1_735_689_600;

/** Everything about one profile's activity, for streaming consumers. */
export interface ProfileActivity {
  devices: XtremepushDevice[];
  messages: XtremepushMessage[];
  pushActions: XtremepushPushAction[];
  events: XtremepushEvent[];
  consents: XtremepushConsent[];
  subscriptions: XtremepushSubscription[];
  tagHits: XtremepushTagHit[];
}

/** Random-access view of a generated account. */
export interface XtremepushGenerator {
  readonly size: number;
  readonly seed: number;
  /** Unix seconds. */
  readonly now: number;
  /** The row at index `i` (0 ≤ i < size), as generated (before any simulator mutation). */
  profileAt(i: number): XtremepushProfile;
  /** Profiles in index (= profile_id) order. */
  profiles(): Generator<XtremepushProfile>;
  /** Activity of profile `i`; `events: false` skips the events (left empty). */
  activityAt(i: number, opts?: { events?: boolean }): ProfileActivity;
  /** Events of every profile, profile by profile (each profile's oldest first). */
  events(): Generator<XtremepushEvent>;
  truth(): XtremepushTruth;
  readonly attributes: XtremepushAttributeDefinition[];
  readonly campaigns: XtremepushCampaign[];
  readonly segments: XtremepushSegment[];
  readonly promotions: XtremepushPromotion[];
  /** Locations (`list/location`) profiles point at through `favourite_venue_id`; fresh copies on each read. */
  locations(): XtremepushLocation[];
}

/** "Now" in unix seconds; milliseconds (anything above 1e11) are converted. */
export function normaliseNow(now: number | undefined): number {
  if (now === undefined) return DEFAULT_NOW;
  if (!Number.isFinite(now) || now < 0) throw new RangeError(`now must be a non-negative unix time, got ${now}`);
  return Math.floor(now > 1e11 ? now / 1000 : now);
}

function truthOf(ctx: ProfileContext, plan: MessPlan): XtremepushTruth {
  const id = (i: number) => profileIdAt(ctx.seed, i);
  const missingEmail: string[] = [];
  const invalidEmail: string[] = [];
  const junkPhones: string[] = [];
  const tooLongNames: string[] = [];
  const paddedNames: string[] = [];
  const nationalPhones: string[] = [];
  const missingUserId: string[] = [];
  const phoneFormats = { e164NoPlus: 0, e164Plus: 0, national: 0, junk: 0, missing: 0 };
  for (let i = 0; i < plan.n; i++) {
    const e = plan.emailRole[i];
    if (e === EmailRole.Missing) missingEmail.push(id(i));
    else if (e === EmailRole.Invalid) invalidEmail.push(id(i));
    const ph = plan.phoneRole[i];
    if (ph === PhoneRole.Junk) { junkPhones.push(id(i)); phoneFormats.junk++; }
    else if (ph === PhoneRole.National) { nationalPhones.push(id(i)); phoneFormats.national++; }
    else if (ph === PhoneRole.Plus) phoneFormats.e164Plus++;
    else if (ph === PhoneRole.Missing) phoneFormats.missing++;
    else phoneFormats.e164NoPlus++;
    const nr = plan.nameRole[i];
    if (nr === NameRole.TooLong) tooLongNames.push(id(i));
    else if (nr === NameRole.Padded) paddedNames.push(id(i));
    if (plan.anonymous[i]) missingUserId.push(id(i));
  }
  const duplicateGroups: DuplicateGroup[] = [];
  for (const [original, members] of plan.groups) {
    const times = groupUpdateTimes(ctx, members);
    let newest = members[0]!;
    for (const m of members) if (times.get(m)! > times.get(newest)!) newest = m;
    const dupRoles = new Set(members.filter((m) => m !== original).map((m) => plan.emailRole[m]));
    duplicateGroups.push({
      emailKey: coreAt(ctx, original).core.email.trim().toLowerCase(),
      profileIds: members.map(id),
      newest: id(newest),
      kind: dupRoles.size > 1 ? 'mixed' : dupRoles.has(EmailRole.ExactDup) ? 'exact' : 'case',
    });
  }
  duplicateGroups.sort((a, b) => Number(a.profileIds[0]) - Number(b.profileIds[0]));
  return { missingEmail, invalidEmail, duplicateGroups, junkPhones, tooLongNames, paddedNames, nationalPhones, missingUserId, phoneFormats };
}

/** A generator for the account described by `opts`. */
export function createXtremepushGenerator(opts: XtremepushDatasetOptions): XtremepushGenerator {
  const n = opts.profiles;
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`profiles must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(opts.seed)) throw new RangeError(`seed must be an integer, got ${opts.seed}`);
  const seed = opts.seed >>> 0;
  const now = normaliseNow(opts.now);
  const plan = buildPlan(n, seed, opts.heavyEventProfiles ?? 0);
  const ctx = profileContext(seed, now, plan);
  const activity: ActivityOptions = {
    seed, now,
    eventsPerProfile: opts.eventsPerProfile ?? 5,
    heavyEventCount: opts.heavyEventCount ?? 2000,
    messagesPerProfile: opts.messagesPerProfile ?? 3,
  };
  const promos = buildPromotions(seed, now);
  const camps = buildCampaigns(seed, now, promos);
  const sendable = sendableCampaigns(camps);
  let truth: XtremepushTruth | undefined;
  const at = (i: number) => {
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`profile index ${i} outside 0..${n - 1}`);
    return profileAt(ctx, i);
  };
  const activityAt = (i: number, o?: { events?: boolean }): ProfileActivity => {
    const p = at(i);
    const devices = devicesFor(activity, i, p);
    const { messages, pushActions } = messagesFor(activity, i, p, devices, sendable);
    return {
      devices, messages, pushActions,
      events: o?.events === false ? [] : eventsFor(activity, i, p, devices, plan.heavyEvents[i] === 1),
      consents: consentsFor(activity, i, p, devices),
      subscriptions: subscriptionsFor(activity, i, p),
      tagHits: tagHitsFor(activity, i, p, devices),
    };
  };
  return {
    size: n,
    seed,
    now,
    profileAt: at,
    *profiles() {
      for (let i = 0; i < n; i++) yield profileAt(ctx, i);
    },
    activityAt,
    *events() {
      for (let i = 0; i < n; i++) {
        const p = profileAt(ctx, i);
        yield* eventsFor(activity, i, p, devicesFor(activity, i, p), plan.heavyEvents[i] === 1);
      }
    },
    truth: () => (truth ??= truthOf(ctx, plan)),
    attributes: attributeDefinitions(now),
    campaigns: camps,
    segments: buildSegments(now),
    promotions: promos,
    // Copies: the catalogue is cached per seed, and a simulator owns (and may change) its dataset.
    locations: () => locationCatalogue(seed).locations.map((l) => ({ ...l })),
  };
}

/** Defines `key` as an enumerable, memoised getter (JSON.stringify still sees it). */
function lazy<T, K extends keyof T>(obj: T, key: K, build: () => T[K]): void {
  let value: T[K] | undefined;
  let built = false;
  Object.defineProperty(obj, key, {
    enumerable: true,
    configurable: true,
    get: () => {
      if (!built) { value = build(); built = true; }
      return value;
    },
    set: (v: T[K]) => { value = v; built = true; },
  });
}

/**
 * A whole generated account. Profiles, attributes, truth and catalogues are built now;
 * per-profile collections are built from the pristine rows on first read.
 */
export function generateXtremepushDataset(opts: XtremepushDatasetOptions): XtremepushDataset {
  const gen = createXtremepushGenerator(opts);
  const profiles: XtremepushProfile[] = new Array<XtremepushProfile>(gen.size);
  for (let i = 0; i < gen.size; i++) profiles[i] = gen.profileAt(i);
  const ds = {
    seed: gen.seed,
    now: gen.now,
    profiles,
    attributes: gen.attributes,
    truth: gen.truth(),
    campaigns: gen.campaigns,
    segments: gen.segments,
    promotions: gen.promotions,
  } as XtremepushDataset;
  // One pass builds every small per-profile collection; events (the bulk) get their own.
  let activity: Omit<ProfileActivity, 'events'> | undefined;
  const allActivity = () => {
    if (activity) return activity;
    const a: Omit<ProfileActivity, 'events'> = { devices: [], messages: [], pushActions: [], consents: [], subscriptions: [], tagHits: [] };
    for (let i = 0; i < gen.size; i++) {
      const x = gen.activityAt(i, { events: false });
      for (const key of ['devices', 'messages', 'pushActions', 'consents', 'subscriptions', 'tagHits'] as const) {
        const into = a[key] as unknown[];
        for (const row of x[key]) into.push(row);
      }
    }
    return (activity = a);
  };
  lazy(ds, 'devices', () => allActivity().devices);
  lazy(ds, 'segmentMembers', () => {
    const members: Record<string, string[]> = {};
    for (const s of gen.segments) members[String(s.id)] = [];
    for (const p of gen.profiles()) for (const s of gen.segments) if (segmentMatches(s.conditions, p)) members[String(s.id)]!.push(p.profile_id);
    return members;
  });
  lazy(ds, 'messages', () => allActivity().messages);
  lazy(ds, 'pushActions', () => allActivity().pushActions);
  lazy(ds, 'events', () => [...gen.events()]);
  lazy(ds, 'consents', () => allActivity().consents);
  lazy(ds, 'subscriptions', () => allActivity().subscriptions);
  lazy(ds, 'tagHits', () => allActivity().tagHits);
  lazy(ds, 'locations', () => gen.locations());
  return ds;
}

/** Row counts of every collection plus the truth tallies (reading it builds the lazy collections). */
export function datasetSummary(ds: XtremepushDataset): Record<string, number> {
  const t = ds.truth;
  return {
    profiles: ds.profiles.length,
    attributes: ds.attributes.length,
    devices: ds.devices.length,
    segments: ds.segments.length,
    segmentMemberships: Object.values(ds.segmentMembers).reduce((s, m) => s + m.length, 0),
    campaigns: ds.campaigns.length,
    messages: ds.messages.length,
    pushActions: ds.pushActions.length,
    events: ds.events.length,
    consents: ds.consents.length,
    subscriptions: ds.subscriptions.length,
    promotions: ds.promotions.length,
    tagHits: ds.tagHits.length,
    locations: ds.locations.length,
    missingEmail: t.missingEmail.length,
    invalidEmail: t.invalidEmail.length,
    duplicateGroups: t.duplicateGroups.length,
    duplicateProfiles: t.duplicateGroups.reduce((s, g) => s + g.profileIds.length - 1, 0),
    junkPhones: t.junkPhones.length,
    nationalPhones: t.nationalPhones.length,
    tooLongNames: t.tooLongNames.length,
    paddedNames: t.paddedNames.length,
    missingUserId: t.missingUserId.length,
  };
}
