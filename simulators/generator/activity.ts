/**
 * Per-profile activity: devices, campaign sends and their push actions, behavioural
 * events, consent rows, subscription history and tag hits. Each draws from its own stream for
 * the profile's index, so changing one option (say, events per profile) leaves the
 * other collections byte-identical.
 */
import type { Rng } from '../common/prng.js';
import type { CampaignChannel } from './catalog.js';
import { formatDateTimeOffset, zoneOffsetMinutes } from './formats.js';
import { Salt, indexRng, intIn, pick, weights } from './index-rng.js';
import type {
  MessageTypeName, XtremepushCampaign, XtremepushConsent, XtremepushDevice, XtremepushEvent, XtremepushMessage, XtremepushProfile,
  XtremepushPushAction, XtremepushSubscription, XtremepushTagHit,
} from './types.js';

/** Options that shape activity volume. */
export interface ActivityOptions {
  seed: number;
  now: number;
  eventsPerProfile: number;
  heavyEventCount: number;
  messagesPerProfile: number;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** `n` hex characters, 8 per draw (tokens are long; one draw per character was a hot spot). */
function hexChars(r: Rng, n: number): string {
  let s = '';
  while (s.length < n) s += Math.floor(r() * 4294967296).toString(16).padStart(8, '0');
  return s.slice(0, n);
}
/** `n` base64url characters, 5 per draw (30 bits). */
function b64Chars(r: Rng, n: number): string {
  let s = '';
  while (s.length < n) {
    let w = Math.floor(r() * 1073741824);
    for (let k = 0; k < 5; k++, w >>>= 6) s += B64[w & 63];
  }
  return s.slice(0, n);
}

const IOS_MODELS = ['iPhone14,5', 'iPhone15,2', 'iPhone15,4', 'iPhone16,1', 'iPhone13,2', 'iPad13,18'];
const ANDROID_MODELS = ['SM-S918B', 'SM-A546B', 'Pixel 8', 'Pixel 7a', 'M2101K6G', 'CPH2451', 'moto g54 5G'];
const BROWSERS = ['Chrome', 'Firefox', 'Safari', 'Edge'];
const drawDeviceCount = weights({ 0: 25, 1: 45, 2: 22, 3: 8 });
const drawPlatform = weights({ ios: 40, android: 45, web: 15 });

/** Devices of profile `i` (ids `1_000_000 + 4i + k`, k < 3). Anonymous profiles always have one. */
export function devicesFor(o: ActivityOptions, i: number, p: XtremepushProfile): XtremepushDevice[] {
  const r = indexRng(o.seed, i, Salt.device);
  let count = Number(drawDeviceCount(r));
  if (p.user_id === null && count === 0) count = 1;
  const out: XtremepushDevice[] = [];
  for (let k = 0; k < count; k++) {
    const platform = drawPlatform(r);
    const create = intIn(r, p.create_time, o.now);
    const id = 1_000_000 + 4 * i + k;
    const lastSeen = intIn(r, create, o.now);
    const app = `5.${intIn(r, 0, 14)}.${intIn(r, 0, 9)}`;
    let token: string;
    let osVersion: string;
    let model: string;
    if (platform === 'ios') {
      token = hexChars(r, 64);
      osVersion = `${intIn(r, 15, 18)}.${intIn(r, 0, 6)}.${intIn(r, 0, 2)}`;
      model = pick(r, IOS_MODELS);
    } else if (platform === 'android') {
      token = `${b64Chars(r, 22)}:APA91b${b64Chars(r, 134)}`;
      osVersion = String(intIn(r, 10, 15));
      model = pick(r, ANDROID_MODELS);
    } else {
      model = pick(r, BROWSERS);
      token = `https://fcm.googleapis.com/fcm/send/${b64Chars(r, 22)}:APA91b${b64Chars(r, 40)}`;
      osVersion = `${model} ${intIn(r, 100, 130)}`;
    }
    out.push({
      id, profile_id: p.profile_id, user_id: p.user_id, platform, token, os_version: osVersion,
      app_version: platform === 'web' ? 'web-sdk-4' : app, model, create_time: create, last_seen: lastSeen,
    });
  }
  return out;
}

const CHANNEL_MESSAGE_TYPE: Record<CampaignChannel, MessageTypeName | null> = {
  ios_push: 'ios_push', android_push: 'android_push', web_push: 'web_push', inbox: 'inbox', email: 'email', sms: 'sms', webhook: null,
};
const ERRORS: Record<MessageTypeName, string> = {
  ios_push: 'BadDeviceToken', android_push: 'NotRegistered', web_push: 'Subscription expired', inbox: 'Inbox disabled',
  email: '550 Mailbox unavailable', sms: 'Undeliverable number',
};

/** Channels profile `p` can be reached on, given its devices. */
function reachable(p: XtremepushProfile, devices: XtremepushDevice[]): Set<MessageTypeName> {
  const s = new Set<MessageTypeName>();
  if (typeof p.email === 'string' && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(p.email.trim())) s.add('email');
  if (typeof p.mobile_number === 'string' && /\d{7,}/.test(p.mobile_number.replace(/\D/g, ''))) s.add('sms');
  for (const d of devices) s.add(d.platform === 'ios' ? 'ios_push' : d.platform === 'android' ? 'android_push' : 'web_push');
  if (devices.length > 0) s.add('inbox');
  return s;
}

/** `list/message` `status` codes [A: a number per C3, values not public]. */
export const MESSAGE_STATUS_CODE = { sent: 0, delivered: 1, opened: 2, clicked: 3, failed: 4 } as const;

/** A campaign with the message types it can send; computed once per dataset. */
export interface SendableCampaign {
  c: XtremepushCampaign;
  types: MessageTypeName[];
}

/** Campaigns that went live, with their channels as message types. */
export function sendableCampaigns(campaigns: XtremepushCampaign[]): SendableCampaign[] {
  return campaigns
    .filter((c) => c.activate_time !== null)
    .map((c) => ({
      c,
      types: (Object.keys(CHANNEL_MESSAGE_TYPE) as CampaignChannel[]).filter((ch) => c[ch] === 1).map((ch) => CHANNEL_MESSAGE_TYPE[ch]).filter((t): t is MessageTypeName => t !== null),
    }));
}

/** Campaign sends to profile `i` (ids `10_000_000 + 16i + k`) and the push actions they caused. */
export function messagesFor(
  o: ActivityOptions, i: number, p: XtremepushProfile, devices: XtremepushDevice[], sendable: SendableCampaign[],
): { messages: XtremepushMessage[]; pushActions: XtremepushPushAction[] } {
  const r = indexRng(o.seed, i, Salt.message);
  const can = reachable(p, devices);
  const eligible: SendableCampaign[] = [];
  for (const s of sendable) {
    const types = s.types.filter((t) => can.has(t));
    if (types.length > 0) eligible.push({ c: s.c, types });
  }
  const messages: XtremepushMessage[] = [];
  const pushActions: XtremepushPushAction[] = [];
  if (eligible.length === 0) return { messages, pushActions };
  const count = Math.min(15, Math.floor(r() * (2 * o.messagesPerProfile + 1)));
  for (let k = 0; k < count; k++) {
    const { c, types } = pick(r, eligible);
    const type = pick(r, types);
    const from = Math.max(c.activate_time!, p.create_time);
    const to = Math.min(c.deactivate_time ?? o.now, o.now);
    if (from > to) continue;
    const sent = intIn(r, from, to);
    const delivered = r() < 0.92;
    const opened = delivered && r() < 0.35;
    const clicked = opened && r() < 0.3;
    const openTime = opened ? Math.min(o.now, sent + intIn(r, 5, 3 * 86400)) : null;
    const clickTime = clicked && openTime !== null ? Math.min(o.now, openTime + intIn(r, 1, 3600)) : null;
    const msg: XtremepushMessage = {
      id: 10_000_000 + 16 * i + k,
      campaign_id: c.id,
      user_id: p.user_id,
      profile_id: p.profile_id,
      create_time: sent,
      message_type_name: type,
      delivery: delivered ? 1 : 0,
      open: opened ? 1 : 0,
      click: clicked ? 1 : 0,
      error: delivered ? 0 : 1,
      error_message: delivered ? null : ERRORS[type],
      open_time: openTime,
      click_time: clickTime,
      status: MESSAGE_STATUS_CODE[!delivered ? 'failed' : clicked ? 'clicked' : opened ? 'opened' : 'delivered'],
    };
    messages.push(msg);
    if (type === 'ios_push' || type === 'android_push' || type === 'web_push') {
      const platform = type.replace('_push', '');
      devices.filter((d) => d.platform === platform).forEach((d, n) => {
        pushActions.push({ action_id: msg.id * 4 + n, campaign_id: c.id, create_time: sent, device_id: d.id, error: msg.error, error_message: msg.error_message });
      });
    }
  }
  return { messages, pushActions };
}

const drawEvent = weights({ app_open: 30, login: 20, page_view: 15, bet_placed: 12, deposit: 10, purchase: 5, level_up: 4, bonus_claimed: 4 });
const PAGES = ['/home', '/sports/football', '/casino', '/promotions', '/account', '/shop/jerseys', '/live'];

/** Events of profile `i`, oldest first, timestamps in the profile's time zone. */
export function eventsFor(o: ActivityOptions, i: number, p: XtremepushProfile, devices: XtremepushDevice[], heavy: boolean): XtremepushEvent[] {
  const r = indexRng(o.seed, i, Salt.event);
  const count = heavy ? o.heavyEventCount : Math.floor(r() * (2 * o.eventsPerProfile + 1));
  const times: number[] = [];
  for (let k = 0; k < count; k++) times.push(intIn(r, p.create_time, o.now));
  times.sort((a, b) => a - b);
  const tz = typeof p.timezone === 'string' ? p.timezone : null;
  return times.map((t) => {
    const event = drawEvent(r);
    let value: string | number | null = null;
    if (event === 'deposit' || event === 'purchase') value = Math.round(r() * 50000) / 100 + 5;
    else if (event === 'bet_placed') value = Math.round(r() * 10000) / 100 + 1;
    else if (event === 'level_up') value = intIn(r, 2, 60);
    else if (event === 'page_view') value = pick(r, PAGES);
    const device = devices.length > 0 && r() < 0.85 ? pick(r, devices).id : null;
    return { user_id: p.user_id, profile_id: p.profile_id, event, value, device_id: device, timestamp: formatDateTimeOffset(t, tz ? zoneOffsetMinutes(tz, t) : 0) };
  });
}

/** Consent Manager rows of profile `i` (only profiles with a consent type have any). */
export function consentsFor(o: ActivityOptions, i: number, p: XtremepushProfile, devices: XtremepushDevice[]): XtremepushConsent[] {
  const type = p.consent_type;
  if (type !== 'Marketing' && type !== 'Legitimate Interest') return [];
  const r = indexRng(o.seed, i, Salt.consent);
  const { profile_id, user_id, create_time, update_time } = p;
  // Literal rows, not spreads of a shared base: spreads were the hot spot of this pass.
  const row = (channel: XtremepushConsent['channel'], preference: string, status: 0 | 1): XtremepushConsent => ({
    profile_id, user_id, channel, preference, type, status, update_time: intIn(r, create_time, update_time),
  });
  const out: XtremepushConsent[] = [];
  if (typeof p.email === 'string' && p.email.trim() !== '') out.push(row('email', 'Email marketing', p.email_subscription));
  if (p.mobile_number !== null) out.push(row('sms', 'SMS offers', p.sms_subscription));
  if (devices.length > 0) out.push(row('push', 'Push notifications', r() < 0.8 ? 1 : 0));
  return out;
}

/** Subscription history rows of profile `i`, oldest first, ending in the current status. */
export function subscriptionsFor(o: ActivityOptions, i: number, p: XtremepushProfile): XtremepushSubscription[] {
  const r = indexRng(o.seed, i, Salt.subscription);
  const out: XtremepushSubscription[] = [];
  const history = (channel: 'email' | 'sms', current: 0 | 1, address: string | null) => {
    const n = intIn(r, 1, 3);
    const times: number[] = [];
    for (let k = 0; k < n; k++) times.push(intIn(r, p.create_time, p.update_time));
    times.sort((a, b) => a - b);
    times.forEach((t, k) => {
      // Statuses alternate backwards from the current one.
      const status = ((n - 1 - k) % 2 === 0 ? current : 1 - current) as 0 | 1;
      out.push({ profile_id: p.profile_id, user_id: p.user_id, channel, email_address: address, status, update_is_external: r() < 0.4 ? 1 : 0, update_time: t });
    });
  };
  if (typeof p.email === 'string' && p.email.trim() !== '') history('email', p.email_subscription, p.email);
  if (typeof p.mobile_number === 'string') history('sms', p.sms_subscription, null);
  return out;
}

/**
 * The account's tag vocabulary [A]: the kind of names betting, gaming and retail brands
 * tag devices with from their apps (lower-case, hyphenated, as SDK calls usually send them).
 */
export const TAG_VOCABULARY: readonly string[] = [
  'vip-weekend', 'sportsbook-user', 'casino-user', 'lapsed-30d', 'newsletter-clicker', 'first-deposit', 'high-roller',
  'live-betting', 'slots-fan', 'bonus-hunter', 'push-opt-in-prompted', 'app-rated', 'world-cup-2022', 'shop-browser',
  'cashout-user', 'geo-stadium-visit',
];
const drawTagCount = weights({ 0: 35, 1: 25, 2: 20, 3: 12, 4: 8 });

/**
 * Tag hits of profile `i` (ids `50_000_000 + 8i + k`, k < 4), oldest first, on one of the
 * profile's devices (null when it has none: a server-side hit by user id [A]). About a
 * third of second and later hits repeat an earlier tag, at a later time: tags are
 * immutable hits, not a set, so a tag applied twice is two rows.
 */
export function tagHitsFor(o: ActivityOptions, i: number, p: XtremepushProfile, devices: XtremepushDevice[]): XtremepushTagHit[] {
  const r = indexRng(o.seed, i, Salt.tag);
  const count = Number(drawTagCount(r));
  if (count === 0) return [];
  // Strictly increasing times, all <= now (drawn below now - count, then bumped apart).
  const hi = Math.max(p.create_time, o.now - count);
  const times: number[] = [];
  for (let k = 0; k < count; k++) times.push(intIn(r, p.create_time, hi));
  times.sort((a, b) => a - b);
  for (let k = 1; k < count; k++) if (times[k]! <= times[k - 1]!) times[k] = times[k - 1]! + 1;
  const out: XtremepushTagHit[] = [];
  for (let k = 0; k < count; k++) {
    const repeat = out.length > 0 && r() < 0.35;
    const tag = repeat ? pick(r, out).tag : pick(r, TAG_VOCABULARY);
    const device = devices.length > 0 ? pick(r, devices).id : null;
    out.push({ id: 50_000_000 + 8 * i + k, tag, profile_id: p.profile_id, device_id: device, create_time: times[k]! });
  }
  return out;
}
