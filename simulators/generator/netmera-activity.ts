/**
 * Netmera activity: behavioural events per user (what the Event Data export carries) and
 * per-recipient delivery results per campaign (`getPushResult`, the Push Reports export).
 * Each draws from its own stream for (user, purpose), so changing the event volume leaves
 * the users and the results byte-identical. Campaign statistics are sums of the results,
 * so `getPushStats` and `getPushResult` always agree.
 */
import type { Rng } from '../common/prng.js';
import { indexRng, intIn, pick, weights } from './index-rng.js';
import { EVENT_DEFINITIONS } from './netmera-catalog.js';
import { baseMember } from './netmera-segments.js';
import type {
  NetmeraCampaign, NetmeraDevice, NetmeraEvent, NetmeraPlatform, NetmeraPushResult, NetmeraPushStat, NetmeraUser, NetmeraValue,
} from './netmera-types.js';
import { NetmeraSalt, localMidnight } from './netmera-users.js';

const DAY = 86_400_000;
/** Events reach back this far. */
const EVENT_WINDOW = 180 * DAY;

const drawTrEvent = weights({ 'n:op': 30, 'n:cl': 8, 'n:sv': 18, 'n:lg': 4, 'n:sr': 6, 'n:pv': 10, sepete_ekle: 8, satin_alma: 5, kupon_kullanimi: 2, 'n:rg': 1, AppRating: 1 });
const drawEnEvent = weights({ 'n:op': 30, 'n:cl': 8, 'n:sv': 18, 'n:lg': 4, 'n:sr': 6, 'n:pv': 10, 'n:atc': 8, 'n:pc': 5, SubscriptionStarted: 2, 'n:rg': 1, AppRating: 2 });
const SCREENS = ['HomeScreen', 'CategoryScreen', 'ProductScreen', 'CartScreen', 'ProfileScreen', 'KampanyalarScreen'];
const QUERIES = ['spor ayakkabı', 'kulaklık', 'iphone kılıf', 'nevresim takımı', 'running shoes', 'headphones', 'kahve makinesi'];
const PRODUCT_CATEGORIES = ['Elektronik', 'Moda', 'Ev & Yaşam', 'Electronics', 'Fashion'];
const COUPONS = ['HOSGELDIN10', 'PRM25', 'KARGO0', 'BF50', 'SPRING40'];

/** How many events user `index` has (the first draw of its event stream). */
export function eventCountAt(seed: number, index: number, mean: number): number {
  const r = indexRng(seed, index, NetmeraSalt.event);
  if (mean <= 0 || r() < 0.15) return 0;
  // Geometric around the mean, capped so one user cannot dominate a file.
  return Math.min(Math.ceil(mean * 4), 1 + Math.floor(-Math.log(1 - r()) * (mean - 1)));
}

/** Money in minor units: a double, sometimes with binary noise (149.89999999999998) as apps send it. */
function money(r: Rng, minCents: number, maxCents: number): number {
  const cents = intIn(r, minCents, maxCents);
  return r() < 0.2 ? cents * 0.01 : cents / 100;
}

function productId(r: Rng): string {
  return `P${intIn(r, 10_000, 99_999)}`;
}

function parametersOf(r: Rng, code: string, t: number, tz: string): Record<string, NetmeraValue> {
  switch (code) {
    case 'n:cl': return { du: intIn(r, 3, 3600) };
    case 'n:sv': return { pn: pick(r, SCREENS) };
    case 'n:lg': case 'n:rg': return { mt: pick(r, ['email', 'google', 'apple', 'telefon']) };
    case 'n:sr': return { qy: pick(r, QUERIES), rc: intIn(r, 0, 480) };
    case 'n:pv': return { pi: productId(r), pr: money(r, 999, 899_900), ct: pick(r, PRODUCT_CATEGORIES) };
    case 'n:atc': return { pi: productId(r), pr: money(r, 999, 89_900), cn: intIn(r, 1, 3) };
    case 'n:pc': {
      const n = intIn(r, 1, 4);
      return { rv: money(r, 1_999, 250_000), cu: pick(r, ['GBP', 'GBP', 'EUR', 'USD']), cn: n, ii: Array.from({ length: n }, () => productId(r)) };
    }
    case 'satin_alma': {
      const n = intIn(r, 1, 4);
      // A delivery date, stored as local midnight in Istanbul like every DATE the app sends.
      const deliver = new Date(t + intIn(r, 1, 6) * DAY).toISOString().slice(0, 10);
      return {
        tutar: money(r, 4_990, 2_500_000), para_birimi: r() < 0.9 ? 'TRY' : 'TL', siparis_no: `SP-${intIn(r, 100_000, 999_999)}`,
        teslimat_tarihi: localMidnight(deliver, tz), urunler: Array.from({ length: n }, () => productId(r)),
      };
    }
    case 'sepete_ekle': return { urun_id: productId(r), fiyat: money(r, 990, 900_000), adet: intIn(r, 1, 5) };
    // The discount is a fraction, except where an app version sent a percentage.
    case 'kupon_kullanimi': return { kupon_kodu: pick(r, COUPONS), indirim_orani: r() < 0.8 ? pick(r, [0.1, 0.25, 0.5]) : pick(r, [10, 25, 50]) };
    case 'SubscriptionStarted': return { plan: pick(r, ['monthly', 'yearly']), price: pick(r, [4.99, 49.99, 9.99]), trialEndsAt: t + 14 * DAY };
    case 'AppRating': return r() < 0.4 ? { stars: intIn(r, 1, 5), comment: pick(r, ['Harika!', 'Çok yavaş', 'Love it', 'Meh']) } : { stars: intIn(r, 1, 5) };
    default: return {};
  }
}

/** Events of `user`, oldest first (the same for a seed and mean whatever else changes). */
export function eventsOf(seed: number, now: number, user: NetmeraUser, mean: number): NetmeraEvent[] {
  const count = eventCountAt(seed, user.index, mean);
  if (count === 0) return [];
  const r = indexRng(seed, user.index, NetmeraSalt.event);
  // Replay the count draws so the stream continues where eventCountAt stopped.
  r();
  r();
  const from = Math.max(user.traits.createdAt, now - EVENT_WINDOW);
  const times: number[] = [];
  for (let k = 0; k < count; k++) times.push(intIn(r, from, now - 1));
  times.sort((a, b) => a - b);
  const turkish = user.traits.countryIso === 'TR';
  const installed = user.devices.filter((d) => !d.uninstalled);
  const pool = installed.length > 0 ? installed : user.devices;
  const known = new Set(EVENT_DEFINITIONS.map((e) => e.code));
  return times.map((t) => {
    const code = turkish ? drawTrEvent(r) : drawEnEvent(r);
    if (!known.has(code)) throw new Error(`event code ${code} has no definition`);
    // Events sent server-side (REST fireEvents) have no installation.
    const device: NetmeraDevice | undefined = pool.length > 0 && r() < 0.95 ? pick(r, pool) : undefined;
    const parameters = parametersOf(r, code, t, user.traits.timeZone);
    return {
      extId: user.extId, userKey: user.key, installationId: device?.installationId ?? null, platform: device?.platform ?? null,
      code, timestamp: t, parameters,
    };
  });
}

const PUSH_ERRORS: Record<string, readonly [string, string][]> = {
  IOS: [['BadDeviceToken', 'The specified device token is invalid'], ['Unregistered', 'The device token is inactive for the topic']],
  ANDROID: [['UNREGISTERED', 'Requested entity was not found.'], ['INVALID_ARGUMENT', 'The registration token is not a valid FCM registration token']],
  WEB: [['410', 'push subscription has unsubscribed or expired']],
};

/**
 * Delivery rows of `campaign` (the `k`-th) over `users`: one SUCCESS or FAILED row per
 * recipient, then DELIVERED/SHOWN and CLICKED rows for some, each a separate row [guide].
 * Recipients are the target segments' members as generated, per channel: push and in-app
 * to installed, permitted devices with a token; SMS to users with an msisdn and SMS
 * permission; email to users with an address and email permission. Rows are in time order.
 */
export function pushResultsOf(seed: number, now: number, campaign: NetmeraCampaign, k: number, users: readonly NetmeraUser[]): NetmeraPushResult[] {
  const rows: NetmeraPushResult[] = [];
  const start = campaign.startDate;
  const sendEnd = campaign.endDate ?? now - 1;
  const msgTitle = campaign.channel === 'EMAIL' ? (campaign.content.subject ?? null) : campaign.channel === 'SMS' ? null : (campaign.content.title ?? null);
  const base = { notificationKey: campaign.notificationKey, msgTitle, msgText: campaign.content.text };
  for (const u of users) {
    if (!campaign.segmentIds.some((s) => baseMember(s, u, now))) continue;
    const r = indexRng(seed, u.index, (NetmeraSalt.result ^ Math.imul(k + 1, 0x2545f491)) >>> 0);
    const later = (t: number, maxMs: number) => Math.min(now - 1, t + intIn(r, 1_000, maxMs));
    const emit = (platform: NetmeraPlatform, installationId: string | null, failure: readonly [string, string] | null, opened: number, clicked: number) => {
      const t = intIn(r, start, Math.max(start, sendEnd));
      if (failure) {
        rows.push({ ...base, platform, status: 'FAILED', errorCode: failure[0], errorMsg: failure[1], installationId, extId: u.extId, timeStamp: t });
        return;
      }
      rows.push({ ...base, platform, status: 'SUCCESS', errorCode: null, errorMsg: null, installationId, extId: u.extId, timeStamp: t });
      const openStatus = campaign.channel === 'EMAIL' || campaign.channel === 'IN_APP' ? 'SHOWN' : 'DELIVERED';
      let last = t;
      if (r() < opened) {
        last = later(t, 60_000);
        rows.push({ ...base, platform, status: openStatus, errorCode: null, errorMsg: null, installationId, extId: u.extId, timeStamp: last });
      }
      if (r() < clicked) rows.push({ ...base, platform, status: 'CLICKED', errorCode: null, errorMsg: null, installationId, extId: u.extId, timeStamp: later(last, 2 * DAY) });
    };
    if (campaign.channel === 'PUSH' || campaign.channel === 'IN_APP') {
      for (const d of u.devices) {
        if (d.uninstalled || !d.pushPermitted || d.token === null || !campaign.platforms.includes(d.platform)) continue;
        const errs = PUSH_ERRORS[d.platform === 'IOS' || d.platform === 'ANDROID' ? d.platform : 'WEB']!;
        emit(d.platform, d.installationId, r() < 0.06 ? pick(r, errs) : null, campaign.channel === 'IN_APP' ? 0.7 : 0.8, campaign.channel === 'IN_APP' ? 0.15 : 0.08);
      }
    } else if (campaign.channel === 'SMS') {
      const msisdn = u.profile.msisdn;
      if (typeof msisdn !== 'string' || u.channelPermission.sms !== true) continue;
      emit('SMS', null, /\d{7,}/.test(msisdn.replace(/\D/g, '')) ? null : ['INVALID_MSISDN', `Invalid msisdn: ${msisdn}`], 0.9, 0.03);
    } else {
      const email = u.profile.email;
      if (typeof email !== 'string' || email.trim() === '' || u.channelPermission.email !== true) continue;
      const valid = /^[^\s@]+@[^\s@,]+\.[^\s@,]+$/.test(email);
      emit('EMAIL', null, valid ? null : ['INVALID_EMAIL', `Invalid recipient address: ${email}`], 0.35, 0.06);
    }
  }
  // A stable sort keeps each recipient's rows in the order they happened on equal times.
  return rows.sort((a, b) => a.timeStamp - b.timeStamp);
}

/** Per-platform totals of a campaign's rows, platforms in first-seen order (what `getPushStats` answers). */
export function statsOf(rows: readonly NetmeraPushResult[]): NetmeraPushStat[] {
  const by = new Map<NetmeraPlatform, NetmeraPushStat>();
  for (const row of rows) {
    let s = by.get(row.platform);
    if (!s) by.set(row.platform, (s = { platform: row.platform, sent: 0, failed: 0, clicked: 0 }));
    if (row.status === 'SUCCESS') s.sent++;
    else if (row.status === 'FAILED') s.failed++;
    else if (row.status === 'CLICKED') s.clicked++;
  }
  return [...by.values()];
}
