/**
 * The account's small catalogues: attribute definitions, promotions, campaigns and
 * segments. A few dozen rows each, drawn from one seeded stream so they are identical
 * for a seed whatever the profile count.
 */
import { createRng, type Rng } from '../common/prng.js';
import { intIn, pick, weighted } from './index-rng.js';
import type {
  CampaignMessage, XtremepushAttributeDefinition, XtremepushAttributeType, XtremepushCampaign, XtremepushPromotion, XtremepushSegment,
} from './types.js';

const DAY = 86400;

/**
 * Custom attributes and their Xtremepush types [A shape of `list/attribute`]. Name
 * fields have no 101-character cap: they come in through `import/profile` as profile
 * columns, which is how over-long names reach real exports [A].
 */
const ATTRIBUTES: ReadonlyArray<[string, XtremepushAttributeType, string]> = [
  ['first_name', 'String', 'First name'],
  ['last_name', 'String', 'Last name'],
  ['country', 'String', 'Country (ISO 3166-1 alpha-2)'],
  ['lifecycle_stage', 'String', 'Lifecycle stage'],
  ['loyalty_points', 'Integer', 'Loyalty points balance'],
  ['loyalty_tier', 'String', 'Loyalty tier'],
  ['achievement_count', 'Integer', 'Gamification achievements unlocked'],
  ['consent_type', 'String', 'Consent preference type'],
  ['consent_source', 'String', 'Where consent was captured'],
  ['favourite_team', 'String', 'Favourite football club'],
  ['referral_code', 'String', 'Personal referral code'],
  ['lifetime_value', 'Number', 'Lifetime value (EUR)'],
  ['sessions_count', 'Integer', 'App sessions'],
  ['date_of_birth', 'Date', 'Date of birth'],
  ['last_purchase_at', 'Date', 'Last purchase (local time with offset)'],
  ['last_login_at', 'Date', 'Last login (UTC)'],
  ['favourite_sports', 'Array', 'Favourite sports'],
  ['vip', 'Boolean', 'VIP player'],
  // Last, so every earlier definition keeps its id.
  ['favourite_venue_id', 'String', 'Favourite venue (location id, see list/location)'],
];

/** Attribute definitions as `list/attribute` returns them. */
export function attributeDefinitions(now: number): XtremepushAttributeDefinition[] {
  return ATTRIBUTES.map(([name, type, description], k) => ({
    id: k + 1,
    name,
    type,
    max_length: type !== 'String' ? null : name === 'first_name' || name === 'last_name' ? null : 101,
    description,
    create_time: now - 5 * 365 * DAY + k * 3 * DAY,
  }));
}

const PROMOTIONS: ReadonlyArray<[string, XtremepushPromotion['type']]> = [
  ['Welcome Bonus 100%', 'bonus'], ['Free Bet €10', 'free_bet'], ['10% off the shop', 'discount'], ['50 Free Spins', 'free_spins'],
  ['Derby Day Boost', 'bonus'], ['Birthday Free Bet', 'free_bet'], ['Black Friday 20%', 'discount'], ['Loyalty Gold Reward', 'bonus'],
];

/** Promotions (`list/promotion`). */
export function promotions(seed: number, now: number): XtremepushPromotion[] {
  const r = createRng(seed ^ 0x70a0);
  return PROMOTIONS.map(([name, type], k) => {
    const create = now - intIn(r, 60, 900) * DAY;
    const ended = r() < 0.4;
    return {
      id: 501 + k,
      name,
      type,
      code: `${name.replace(/[^A-Za-z0-9]/g, '').slice(0, 8).toUpperCase()}${intIn(r, 10, 99)}`,
      active: ended ? 0 : 1,
      start_time: create + intIn(r, 0, 5) * DAY,
      end_time: ended ? now - intIn(r, 1, 50) * DAY : null,
      create_time: create,
    };
  });
}

const CAMPAIGN_TITLES = [
  'Welcome Series – Day 1', 'Welcome Series – Day 3', 'Weekend Free Bet', 'Champions League Boost', 'Abandoned Basket',
  'Win-back: We miss you', 'Black Friday 2024', 'Loyalty Gold Upgrade', 'Birthday Bonus', 'Derby Day: Fenerbahçe – Galatasaray',
  'Bayram Kampanyası', "St. Patrick's Day Special", 'Push Opt-in Reminder', 'Deposit Limit Reminder', 'Weekly Newsletter',
  'New Slots Friday', 'Bundesliga Matchday', 'El Clásico Odds', 'Ekstraklasa Weekend', 'Password Reset (API)',
  'Geo: Stadium Check-in', 'Event: First Deposit', 'Level Up Congrats', 'Summer Cashback',
] as const;

/** Xtremepush message type keys per channel [C]. */
export const CHANNEL_TYPE_KEY = { ios_push: '1', android_push: '2', web_push: '3', inbox: '6', email: '7', webhook: '8', sms: '9' } as const;
/** Channels a campaign can carry, in the campaign flag order. */
export type CampaignChannel = keyof typeof CHANNEL_TYPE_KEY;

function channelSet(r: Rng, title: string): CampaignChannel[] {
  if (title.includes('(API)')) return ['email', 'webhook'];
  const kind = weighted(r, { push: 40, email: 25, sms: 10, omni: 25 });
  if (kind === 'push') return r() < 0.3 ? ['ios_push', 'android_push', 'web_push', 'inbox'] : ['ios_push', 'android_push'];
  if (kind === 'email') return ['email'];
  if (kind === 'sms') return ['sms'];
  return ['ios_push', 'android_push', 'email', 'sms'];
}

function messageFor(ch: CampaignChannel, title: string): CampaignMessage {
  switch (ch) {
    case 'email': return { email_subject: title };
    case 'sms': return { sms_text: `${title}: see the app. Reply STOP to opt out` };
    case 'webhook': return { webhook_url: 'https://hooks.example.com/xp' };
    default: return { push_title: title, push_text: `${title} – tap to find out more`, push_picture: null };
  }
}

/**
 * Campaign `type` codes [A: a production client types `type` as a number (C3), the values are
 * not public]. The channel is not in the type: it is in the flags (sms, email, ios_push, …).
 */
export const CAMPAIGN_TYPE_CODE = { broadcast: 0, automated: 1, transactional: 2 } as const;
/** Campaign `status` codes [A: a number per C3, values not public]. */
export const CAMPAIGN_STATUS_CODE = { draft: 0, active: 1, paused: 2, completed: 3 } as const;

/** Campaigns (`list/campaign`) with channel flags and per-channel message content. */
export function campaigns(seed: number, now: number, promos: XtremepushPromotion[]): XtremepushCampaign[] {
  const r = createRng(seed ^ 0xca4a);
  return CAMPAIGN_TITLES.map((title, k) => {
    const trigger = title.startsWith('Geo:') ? 1 : title.startsWith('Event:') || title.startsWith('Welcome') ? 2 : title.includes('(API)') ? 3 : 0;
    const status = weighted(r, { active: 45, completed: 35, paused: 12, draft: 8 });
    const create = now - intIn(r, 60, 3 * 365) * DAY;
    const activate = status === 'draft' ? null : create + intIn(r, 0, 7) * DAY;
    const deactivate = status === 'completed' && activate !== null ? Math.min(now - DAY, activate + intIn(r, 7, 120) * DAY) : null;
    const chans = channelSet(r, title);
    const flag = (c: CampaignChannel): 0 | 1 => (chans.includes(c) ? 1 : 0);
    const messages: Record<string, CampaignMessage> = {};
    for (const c of chans) messages[CHANNEL_TYPE_KEY[c]] = messageFor(c, title);
    return {
      id: 2001 + k,
      title,
      trigger,
      type: CAMPAIGN_TYPE_CODE[trigger === 3 ? 'transactional' : trigger === 0 ? 'broadcast' : 'automated'],
      active: status === 'active' ? 1 : 0,
      status: CAMPAIGN_STATUS_CODE[status],
      create_time: create,
      activate_time: activate,
      deactivate_time: deactivate,
      sms: flag('sms'), email: flag('email'), ios_push: flag('ios_push'), android_push: flag('android_push'),
      web_push: flag('web_push'), inbox: flag('inbox'), webhook: flag('webhook'),
      promotion_id: r() < 0.35 ? pick(r, promos).id : null,
      messages,
    } satisfies XtremepushCampaign;
  });
}

/** Segments (`list/segment`): attribute rules only; event rules have no evaluable data here [A]. */
export function segments(now: number): XtremepushSegment[] {
  const year = new Date(now * 1000).getUTCFullYear();
  const defs: Array<[string, XtremepushSegment['conditions']]> = [
    ['VIP players', { operator: 'AND', 0: { attribute: 'vip', operator: '=', value: true } }],
    ['Gold and Platinum', { operator: 'AND', 0: { attribute: 'loyalty_tier', operator: 'IN', value: ['gold', 'platinum'] } }],
    ['Irish email subscribers', {
      operator: 'AND',
      0: { attribute: 'country', operator: '=', value: 'IE' },
      1: { attribute: 'email_subscription', operator: '=', value: 1 },
    }],
    ['Churn risk', {
      operator: 'OR',
      0: { attribute: 'lifecycle_stage', operator: '=', value: 'churned' },
      1: {
        operator: 'AND',
        0: { attribute: 'lifecycle_stage', operator: '=', value: 'engaged' },
        1: { attribute: 'sessions_count', operator: '<', value: 5 },
      },
    }],
    ['High value', { operator: 'AND', 0: { attribute: 'lifetime_value', operator: '>', value: 500 } }],
    ['Football fans', { operator: 'AND', 0: { attribute: 'favourite_sports', operator: 'CONTAINS', value: 'football' } }],
    ['Turkish market', { operator: 'AND', 0: { attribute: 'country', operator: '=', value: 'TR' } }],
    ['SMS reachable', {
      operator: 'AND',
      0: { attribute: 'sms_subscription', operator: '=', value: 1 },
      1: { attribute: 'mobile_number', operator: '!=', value: null },
    }],
    ['New leads', { operator: 'AND', 0: { attribute: 'lifecycle_stage', operator: '=', value: 'lead' } }],
    ['Lapsed purchasers', { operator: 'AND', 0: { attribute: 'last_purchase_at', operator: '<', value: `${year - 1}-07-01` } }],
  ];
  return defs.map(([name, conditions], k) => ({
    id: 101 + k,
    name,
    type: 'dynamic',
    conditions,
    create_time: now - (400 - k * 20) * DAY,
    update_time: now - (100 - k * 5) * DAY,
  }));
}
