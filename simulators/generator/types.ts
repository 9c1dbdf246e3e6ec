/**
 * Raw Xtremepush shapes, as the external API returns them (snake_case mirrors the
 * vendor JSON), plus the generated dataset and its ground truth. Field lists follow
 * /work/shared/api/xtremepush.md; tags [C]/[C3]/[A] there apply here too, and every
 * shape this file invents is marked [A].
 */

/** Xtremepush attribute types (docs: attributes & tags) [C]. */
export type XtremepushAttributeType = 'String' | 'Number' | 'Integer' | 'Date' | 'Array' | 'Boolean';

/**
 * One profile row from `list/profile` / `info/profile`. Core fields are always present
 * (null when unset); custom attributes are flat and only present once set, so a
 * profile that never had `vip` has no `vip` key, while one whose value was cleared has
 * `vip: null` [A row shape].
 */
export interface XtremepushProfile {
  /** Digit string, unique; ids grow with creation order. */
  profile_id: string;
  /** The customer's external id; null for anonymous (device-only) profiles. */
  user_id: string | null;
  email: string | null;
  email_subscription: 0 | 1;
  /** E.164 without '+' as the docs say, but real imports leave other shapes in. */
  mobile_number: string | null;
  sms_subscription: 0 | 1;
  language: string | null;
  timezone: string | null;
  /** Unix seconds. */
  create_time: number;
  /** Unix seconds, >= create_time. */
  update_time: number;
  first_name?: string | null;
  last_name?: string | null;
  country?: string | null;
  lifecycle_stage?: LifecycleStage | null;
  loyalty_points?: number | null;
  loyalty_tier?: LoyaltyTier | null;
  achievement_count?: number | null;
  consent_type?: ConsentType | null;
  consent_source?: ConsentSource | null;
  favourite_team?: string | null;
  referral_code?: string | null;
  lifetime_value?: number | null;
  sessions_count?: number | null;
  /** `YYYY-MM-DD`. */
  date_of_birth?: string | null;
  /** `YYYY-MM-DD HH:MM:SS +HH:MM`. */
  last_purchase_at?: string | null;
  /** `YYYY-MM-DD HH:MM:SS`, no offset: UTC by Xtremepush's default. */
  last_login_at?: string | null;
  /** JSON array serialised as a string, e.g. '["football","tennis"]'. */
  favourite_sports?: string | null;
  vip?: boolean | null;
  /** A location id (`loc_<n>`, see `list/location`); a few point at deleted locations [A]. */
  favourite_venue_id?: string | null;
  /** Further custom attributes added by tests (`addProfile`, `updateProfile`). */
  [attribute: string]: unknown;
}

/** Lifecycle stage values from the service page (seed). */
export type LifecycleStage = 'subscriber' | 'lead' | 'engaged' | 'loyal' | 'churned';
/** Loyalty tiers used by the generated brands [A]. */
export type LoyaltyTier = 'bronze' | 'silver' | 'gold' | 'platinum';
/** Consent Manager preference types named by the seed. */
export type ConsentType = 'Marketing' | 'Legitimate Interest';
/** Where consent was captured (seed). */
export type ConsentSource = 'manual' | 'SDK' | 'import';

/** One row of `list/attribute` [A shape: the docs only say the list exists]. */
export interface XtremepushAttributeDefinition {
  id: number;
  name: string;
  type: XtremepushAttributeType;
  /** Max length for String values (101 per docs); null where Xtremepush does not cap (profile name fields) [A]. */
  max_length: number | null;
  description: string;
  create_time: number;
}

/**
 * One row of `list/location` [A: model and fields]: a venue a profile attribute can point
 * at (the service page's "linked location object"). Ids are text, `loc_<n>`.
 */
export interface XtremepushLocation {
  id: string;
  name: string;
  city: string;
}

/** One row of `list/device` / `info/device` [A fields]. */
export interface XtremepushDevice {
  id: number;
  profile_id: string;
  user_id: string | null;
  platform: 'ios' | 'android' | 'web';
  token: string;
  os_version: string;
  app_version: string;
  model: string;
  create_time: number;
  last_seen: number;
}

/** A leaf of a segment rule [A: the docs show only the nesting]. */
export interface SegmentRuleLeaf {
  attribute: string;
  operator: '=' | '!=' | '>' | '<' | '>=' | '<=' | 'IN' | 'NOT IN' | 'CONTAINS';
  value: unknown;
}

/** Segment conditions: `{operator, "0": {...}, "1": {...}}`, nested [C nesting]. */
export interface SegmentRuleGroup {
  operator: 'AND' | 'OR';
  [index: string]: SegmentRuleGroup | SegmentRuleLeaf | 'AND' | 'OR';
}

/** One row of `list/segment` / `info/segment` [A fields beyond id, name, conditions]. */
export interface XtremepushSegment {
  id: number;
  name: string;
  type: 'dynamic';
  conditions: SegmentRuleGroup;
  create_time: number;
  update_time: number;
}

/** Per-channel message content inside a campaign, keyed by message type ("1" iOS ... "9" SMS) [C]. */
export interface CampaignMessage {
  push_title?: string;
  push_text?: string;
  push_picture?: string | null;
  email_subject?: string;
  sms_text?: string;
  webhook_url?: string;
}

/** One row of `list/campaign` / `info/campaign` [C fields]. */
export interface XtremepushCampaign {
  id: number;
  title: string;
  /** 0 scheduled, 1 geo, 2 event, 3 API. */
  trigger: 0 | 1 | 2 | 3;
  /** A number, as a production client types it [C3]; the codes are [A] (see CAMPAIGN_TYPE_CODE). The channel is in the flags below. */
  type: number;
  active: 0 | 1;
  /** A number [C3]; the codes are [A] (see CAMPAIGN_STATUS_CODE). */
  status: number;
  create_time: number;
  activate_time: number | null;
  deactivate_time: number | null;
  sms: 0 | 1;
  email: 0 | 1;
  ios_push: 0 | 1;
  android_push: 0 | 1;
  web_push: 0 | 1;
  inbox: 0 | 1;
  webhook: 0 | 1;
  promotion_id: number | null;
  messages: Record<string, CampaignMessage>;
}

/** Message type names used in sends [A values]. */
export type MessageTypeName = 'ios_push' | 'android_push' | 'web_push' | 'inbox' | 'email' | 'sms';

/** One row of `list/message`: a per-contact campaign send [C3 fields]. */
export interface XtremepushMessage {
  id: number;
  campaign_id: number;
  user_id: string | null;
  profile_id: string;
  create_time: number;
  message_type_name: MessageTypeName;
  delivery: 0 | 1;
  open: 0 | 1;
  click: 0 | 1;
  error: 0 | 1;
  error_message: string | null;
  open_time: number | null;
  click_time: number | null;
  /** A number, like every non-id field but user_id/profile_id [C3]; the codes are [A] (see MESSAGE_STATUS_CODE). */
  status: number;
}

/** One row of `list/push-devices`: a push action on a device [C fields]. */
export interface XtremepushPushAction {
  action_id: number;
  campaign_id: number;
  create_time: number;
  device_id: number;
  error: 0 | 1;
  error_message: string | null;
}

/** One behavioural event as `hit/event` took it in; there is no read API, only exports [A]. */
export interface XtremepushEvent {
  user_id: string | null;
  profile_id: string;
  event: string;
  value: string | number | null;
  device_id: number | null;
  /** `YYYY-MM-DD HH:MM:SS +HH:MM`. */
  timestamp: string;
}

/**
 * One tag hit as `list/tag` returns it [A: model name and row shape]. Xtremepush tags
 * are timestamped hits on a device, immutable, many per profile [C]; the same tag can
 * be hit again later. `device_id` is null for a hit sent server-side by user id on a
 * profile without devices [A].
 */
export interface XtremepushTagHit {
  /** Unique, ascending in generation order (profile by profile, each profile's oldest first). */
  id: number;
  tag: string;
  profile_id: string;
  device_id: number | null;
  /** Unix seconds. */
  create_time: number;
}

/** One row of `list/consent-preference-profile` [C fields + profile_id and type, A]. */
export interface XtremepushConsent {
  profile_id: string;
  user_id: string | null;
  channel: 'email' | 'sms' | 'push';
  preference: string;
  type: ConsentType;
  status: 0 | 1;
  update_time: number;
}

/** One row of `list/profile-subscription` (history; off by default in the product) [C fields + profile_id, A]. */
export interface XtremepushSubscription {
  profile_id: string;
  user_id: string | null;
  channel: 'email' | 'sms';
  /** Address for email rows; null for sms rows [A]. */
  email_address: string | null;
  status: 0 | 1;
  update_is_external: 0 | 1;
  update_time: number;
}

/** One row of `list/promotion` [A fields]. */
export interface XtremepushPromotion {
  id: number;
  name: string;
  type: 'bonus' | 'free_bet' | 'discount' | 'free_spins';
  code: string;
  active: 0 | 1;
  start_time: number;
  end_time: number | null;
  create_time: number;
}

/** A group of profiles sharing one email once lower-cased and trimmed. */
export interface DuplicateGroup {
  /** The shared email, lower-cased and trimmed. */
  emailKey: string;
  /** Every member, ascending by numeric profile_id (the original included). */
  profileIds: string[];
  /** The member with the greatest update_time (unique in the group: "newest wins" is testable). */
  newest: string;
  /** 'exact': every copy is byte-identical; 'case': copies differ only in letter case; 'mixed': both. */
  kind: 'exact' | 'case' | 'mixed';
}

/**
 * Exact ground truth of the injected mess, so tests can predict quarantine and merge
 * counts. Lists hold profile_ids in ascending order. Email roles are disjoint; name
 * roles (too long, padded) are drawn only from profiles with a clean, unique email;
 * phone roles are independent of both.
 */
export interface XtremepushTruth {
  /** email is null, "" or whitespace only. */
  missingEmail: string[];
  /** email present but malformed (no '@', nothing before/after it, a space, '@@'). */
  invalidEmail: string[];
  duplicateGroups: DuplicateGroup[];
  /** mobile_number present but not a phone number at all ("n/a", "12", "call me"). */
  junkPhones: string[];
  /** first_name or last_name longer than 255 characters. */
  tooLongNames: string[];
  /** Names with leading or trailing spaces (valid once trimmed). */
  paddedNames: string[];
  /** mobile_number in national format: `country` is needed to read it. */
  nationalPhones: string[];
  /** Anonymous profiles (user_id null). */
  missingUserId: string[];
  /** How many profiles have each phone shape (sums to the profile count). */
  phoneFormats: { e164NoPlus: number; e164Plus: number; national: number; junk: number; missing: number };
}

/** Options for the generated dataset; only `profiles` and `seed` are required. */
export interface XtremepushDatasetOptions {
  profiles: number;
  seed: number;
  /** "Now" in unix seconds (values above 1e11 are taken as milliseconds). Default 2025-01-01T00:00:00Z. */
  now?: number;
  /** Mean events per profile (default 5). */
  eventsPerProfile?: number;
  /** How many profiles get `heavyEventCount` events instead (default 0). */
  heavyEventProfiles?: number;
  /** Events for each heavy profile (default 2000). */
  heavyEventCount?: number;
  /** Mean campaign sends per profile (default 3). */
  messagesPerProfile?: number;
}

/**
 * The generated Xtremepush account. `profiles`, `attributes`, `truth` and the small
 * catalogues are built eagerly; the per-profile collections (devices, messages, push
 * actions, events, consents, subscriptions, tag hits, segment members) and the locations are built on first read
 * and then kept, so paging 200k profiles does not pay for a million events.
 */
export interface XtremepushDataset {
  seed: number;
  /** "Now" used for generation, unix seconds. */
  now: number;
  profiles: XtremepushProfile[];
  attributes: XtremepushAttributeDefinition[];
  truth: XtremepushTruth;
  campaigns: XtremepushCampaign[];
  segments: XtremepushSegment[];
  promotions: XtremepushPromotion[];
  devices: XtremepushDevice[];
  /** Segment id (as a string) → member profile_ids ascending, evaluated at generation time. */
  segmentMembers: Record<string, string[]>;
  messages: XtremepushMessage[];
  pushActions: XtremepushPushAction[];
  events: XtremepushEvent[];
  consents: XtremepushConsent[];
  subscriptions: XtremepushSubscription[];
  /** Tag hits (`list/tag`), in id order. */
  tagHits: XtremepushTagHit[];
  /** Locations (`list/location`) that `favourite_venue_id` points at, in id creation order. */
  locations: XtremepushLocation[];
}
