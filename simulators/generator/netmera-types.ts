/**
 * Raw Netmera shapes, as the REST API (`/rest/3.0/...`), the panel's export files and the
 * customer's definition file carry them, plus the generated account and its ground truth.
 * Field names mirror the vendor JSON (camelCase there). Facts follow
 * /work/shared/api/netmera.md; every shape the notes do not give is marked [A] here.
 * All timestamps are epoch milliseconds, as Netmera sends them [C].
 */

/** Platforms Netmera knows [C]; devices here are one of the app/web ones. */
export type NetmeraPlatform = 'IOS' | 'ANDROID' | 'CHROME' | 'FIREFOX' | 'SAFARI' | 'EDGE' | 'OPERA' | 'YANDEX' | 'MACOS' | 'EMAIL' | 'SMS';
/** Platforms a generated installation can have. */
export type NetmeraDevicePlatform = 'IOS' | 'ANDROID' | 'CHROME' | 'SAFARI' | 'FIREFOX';
/** The two platforms the segment calls take in `X-netmera-os` [C]. */
export type NetmeraOs = 'IOS' | 'ANDROID';

/** A profile attribute value as `getProfileAttributes` returns it: dates are epoch ms numbers [C]. */
export type NetmeraValue = string | number | boolean | string[] | null;

/**
 * One user's `profile` object from `getProfileAttributes`: standard and custom attributes
 * mixed in one flat object, only the ones set [C]; `age` is derived from `dateOfBirth`
 * (as in the recorded example) and is not an attribute definition.
 */
export type NetmeraProfile = Record<string, NetmeraValue>;

/** One installation of the app (or a browser) [fields beyond getDevices' are panel metadata, C names]. */
export interface NetmeraDevice {
  /** Unique per installation, 24 hex characters [A format]. */
  installationId: string;
  platform: NetmeraDevicePlatform;
  /** Push token; null when the installation never got one (web without permission, a failed registration). */
  token: string | null;
  deviceModel: string;
  manufacturer: string;
  osVersion: string;
  appVersion: string;
  language: string;
  operator: string | null;
  region: string;
  timeZone: string;
  pushPermitted: boolean;
  installedAt: number;
  lastActiveAt: number;
  /** Uninstalled installations are never returned by getDevices, but stay in getDeviceTokens and the exports. */
  uninstalled: boolean;
}

/** Email/SMS/WhatsApp permissions: only the Channel Permission export carries them [C]. */
export interface NetmeraChannelPermission {
  email: boolean | null;
  sms: boolean | null;
  whatsapp: boolean | null;
  /** IYS (Turkey's commercial-message registry) status per channel, Turkish users only [A: column names and values]. */
  iys: { email: 'ONAY' | 'RET' | null; sms: 'ONAY' | 'RET' | null; call: 'ONAY' | 'RET' | null; source: string; consentAt: number } | null;
  updatedAt: number;
}

/** Facts about a user that no API shows, used for segment rules and the truth. */
export interface NetmeraTraits {
  /** ISO 3166-1 alpha-2 of the user's market (the `country` attribute is free text). */
  countryIso: string;
  timeZone: string;
  /** The calendar date `dateOfBirth` means (it is stored as local midnight in the user's zone). */
  birthDate: string | null;
  /** The calendar date `dogum_tarihi` means, when set. */
  dogumTarihi: string | null;
  /** The Turkish city, canonical spelling, or the English-market city. */
  city: string | null;
  cartAbandoner: boolean;
  churnScore: number;
  powerUser: boolean;
  campaign2022: boolean;
  createdAt: number;
}

/** One generated user. The sim serves `profile`, `devices`, `categoryPreferences`; files carry the rest. */
export interface NetmeraUser {
  /** Generation index (0-based). */
  index: number;
  /** The customer's external id; null for users Netmera knows only by installation or address [A share]. */
  extId: string | null;
  /** extId, or `anon:<index>` for users without one: the key truth lists use. */
  key: string;
  profile: NetmeraProfile;
  /** Newest first by lastActiveAt. */
  devices: NetmeraDevice[];
  /** `getCategoryPreferences` [C shape]; `{}` for a user who never chose. */
  categoryPreferences: Record<string, boolean>;
  channelPermission: NetmeraChannelPermission;
  /** Tag names; no REST call lists them [C]: they reach files only. */
  tags: string[];
  traits: NetmeraTraits;
  /**
   * Segment memberships given by hand (the simulator's `POST /__sim/profiles`): when set, the
   * user is in these segments and the all-users one, at every recalculation, whatever the rules say.
   */
  segmentIds?: number[];
}

/** A profile attribute definition, as `app/profile-attributes` lists it [C code/dataType/name; A the rest]. */
export interface NetmeraAttributeDefinition {
  code: string;
  name: string;
  dataType: 'STRING' | 'INTEGER' | 'DOUBLE' | 'BOOLEAN' | 'DATE';
  isArray?: boolean;
  isPersonalInfo?: boolean;
  description?: string;
}

/** An event attribute definition [A]. */
export interface NetmeraEventAttributeDefinition {
  code: string;
  name: string;
  dataType: NetmeraAttributeDefinition['dataType'];
  isArray?: boolean;
}

/** An event definition, as `app/events` lists it [C endpoint, A shape]. */
export interface NetmeraEventDefinition {
  /** SDK codes like `n:op` for built-in events; the panel's codes for custom ones. */
  code: string;
  name: string;
  standard: boolean;
  attributes: NetmeraEventAttributeDefinition[];
  /** Marked as a conversion / high-value event by the customer (definition file) [A]. */
  highValue?: boolean;
}

/** One behavioural event, as Event Data exports carry it (name, timestamp, parameters) [C]. */
export interface NetmeraEvent {
  extId: string | null;
  /** The user's key (see NetmeraUser.key). */
  userKey: string;
  installationId: string | null;
  platform: NetmeraDevicePlatform | null;
  code: string;
  timestamp: number;
  parameters: Record<string, NetmeraValue>;
}

/** Segment types: notes show `PRODUCT_SEGMENT` [C]; `STANDARD`, `CONNECTORS_SEGMENT` from the guide; the predictive spelling is [A]. */
export type NetmeraSegmentType = 'STANDARD' | 'PREDICTIVE_SEGMENT' | 'PRODUCT_SEGMENT' | 'CONNECTORS_SEGMENT';
/** Segment status in the panel [C names]. */
export type NetmeraSegmentStatus = 'READY' | 'CALCULATING' | 'NOT_ACTIVE';

/** A segment as the panel defines it; `getSegments` shows id, name, userCount and type [C]. */
export interface NetmeraSegment {
  id: number;
  name: string;
  type: NetmeraSegmentType;
  status: NetmeraSegmentStatus;
  /** The rule as the panel words it (for the definition file and the inventory). */
  rules: string;
  /** Recalculation changes its membership (behavioural segments); rule-on-attribute segments stay put. */
  drifts: boolean;
  createdAt: number;
}

/** Campaign channels (seed: push, in-app, SMS, email). */
export type NetmeraChannel = 'PUSH' | 'IN_APP' | 'SMS' | 'EMAIL';

/** A creative asset of a campaign (inventoried, never migrated). */
export interface NetmeraCreative {
  type: 'IMAGE' | 'VIDEO' | 'GIF' | 'HTML';
  fileName: string;
  url: string;
  sizeBytes: number;
}

/** A campaign (a "notification" in the API) [A fields beyond notificationKey, status and dates]. */
export interface NetmeraCampaign {
  /** Digits as a string (the guide's example is `234`). */
  notificationKey: string;
  title: string;
  channel: NetmeraChannel;
  platforms: NetmeraPlatform[];
  content: { title?: string; text: string; subject?: string; deeplink?: string; buttons?: string[] };
  creatives: NetmeraCreative[];
  labels: string[];
  schedule: { type: 'IMMEDIATE' | 'SCHEDULED' | 'RECURRING' | 'AUTOMATED'; startAt: number; endAt: number | null; timeZone: string; recurrence?: string };
  /** Target segments. */
  segmentIds: number[];
  status: 'FINISHED' | 'SENDING';
  startDate: number;
  endDate: number | null;
  conversionEvent: string | null;
}

/** One row of `getPushResult`: one delivery event of one recipient [C fields; statuses from the guide]. */
export interface NetmeraPushResult {
  notificationKey: string;
  platform: NetmeraPlatform;
  status: 'SUCCESS' | 'FAILED' | 'DELIVERED' | 'SHOWN' | 'CLICKED';
  errorCode: string | null;
  errorMsg: string | null;
  installationId: string | null;
  extId: string | null;
  timeStamp: number;
  msgTitle: string | null;
  msgText: string;
}

/** Per-platform totals of a campaign, as `getPushStats` answers them [C]. */
export interface NetmeraPushStat {
  platform: NetmeraPlatform;
  sent: number;
  failed: number;
  clicked: number;
}

/** A journey (no API: the customer's definition file) [A shape]. */
export interface NetmeraJourney {
  id: string;
  name: string;
  status: 'ACTIVE' | 'PAUSED' | 'DRAFT';
  entryConditions: { type: 'EVENT' | 'SEGMENT' | 'DATE_ATTRIBUTE'; value: string; description: string }[];
  steps: { order: number; type: 'WAIT' | 'MESSAGE' | 'CONDITION' | 'SPLIT' | 'EXIT'; channel?: NetmeraChannel; description: string }[];
  channels: NetmeraChannel[];
  conversionEvents: { event: string; windowDays: number }[];
  /** Netmera counts one conversion per user per journey (seed). */
  conversionCounting: 'ONE_PER_USER';
  stats: { entered: number; converted: number };
}

/** An in-app widget (no API: the customer's definition file) [A shape]. */
export interface NetmeraWidget {
  id: string;
  name: string;
  type: 'POPUP' | 'BANNER' | 'SPIN_TO_WIN' | 'SURVEY' | 'FULL_SCREEN' | 'NPS';
  trigger: { type: 'EVENT' | 'SCREEN' | 'APP_OPEN'; value: string | null };
  fileSizeBytes: number;
  assets: { fileName: string; sizeBytes: number }[];
  status: 'ACTIVE' | 'PASSIVE';
}

/** An email group sharing one address once trimmed and lower-cased. */
export interface NetmeraDuplicateGroup {
  emailKey: string;
  /** Member user keys in generation order (the original included). */
  keys: string[];
  kind: 'exact' | 'case' | 'mixed';
}

/**
 * Exact ground truth of the generated account. Lists hold user keys (extId, or `anon:<i>`)
 * in generation order.
 */
export interface NetmeraTruth {
  users: number;
  /** Users without an extId (unreachable by the per-user REST calls). */
  anonymous: string[];
  /** extIds that are email addresses (need URL encoding; some hold '+'). */
  emailLikeExtIds: string[];
  missingEmail: string[];
  invalidEmail: string[];
  duplicateGroups: NetmeraDuplicateGroup[];
  junkPhones: string[];
  /** msisdn in national format ("0532 123 45 67"): the country is needed to read it. */
  nationalPhones: string[];
  /** msisdn with a leading '+'. */
  plusPhones: string[];
  /** No msisdn, but a `cep_telefonu` custom attribute holds a number. */
  phoneOnlyInCepTelefonu: string[];
  tooLongNames: string[];
  paddedNames: string[];
  /** Calendar date each dated user's `dateOfBirth` means (local midnight in their zone, not UTC). */
  birthDates: Record<string, string>;
  /** Users whose `country` is not an ISO alpha-2 code ("Türkiye", "Turkey", "TUR"...). */
  freeTextCountry: string[];
  /** Users in an EU/EEA market (GDPR: the data-processor confirmation). */
  euUsers: string[];
  /** Turkish users (KVKK/IYS). */
  turkishUsers: string[];
  /** Users with no installation at all. */
  noDevices: string[];
  /** Users with installations, none of them installed IOS or ANDROID (never in per-OS segment answers). */
  noAppDevice: string[];
  /** Users with more than one installation. */
  multiDevice: string[];
  /** Users without any tag. */
  tagless: string[];
  /** Tag name → number of users carrying it. */
  tagUsage: Record<string, number>;
  /** Segment id → member keys at recalculation epoch 0 (any OS). */
  segmentMembers: Record<string, string[]>;
  /** The segments a typical migration chooses (`typicalSelection`) and who is in none of them at epoch 0. */
  typicalSelection: number[];
  notInTypicalSelection: string[];
  /** notificationKey → totals over platforms. */
  campaignTotals: Record<string, { sent: number; failed: number; clicked: number; recipients: number }>;
  /** Widgets whose file size is over the definition file's limit. */
  oversizeWidgets: string[];
  counts: { devices: number; installedDevices: number; pushTokens: number; events: number; pushResults: number };
}

/** Options for the generated account; only `seed` is required. */
export interface NetmeraDatasetOptions {
  /** How many users (default 2,000). */
  users?: number;
  seed: number;
  /** "Now" (epoch ms; values below 1e11 are taken as seconds). Default 2025-01-01T00:00:00Z. */
  now?: number;
  /** Mean events per user (default 6). */
  eventsPerUser?: number;
  /** The app key files are named after (default `nm_<seed>_app`). */
  appKey?: string;
}

/**
 * The generated Netmera account. Users, catalogues and truth are built eagerly; events and
 * per-recipient push results are built on first read and then kept.
 */
export interface NetmeraDataset {
  seed: number;
  /** Epoch ms. */
  now: number;
  appKey: string;
  /** The account's time zone (panel exports are written in it) [A]. */
  timeZone: string;
  users: NetmeraUser[];
  standardAttributes: NetmeraAttributeDefinition[];
  customAttributes: NetmeraAttributeDefinition[];
  events: NetmeraEvent[];
  eventDefinitions: NetmeraEventDefinition[];
  /** Push categories a user can opt in or out of (`getCategoryPreferences`). */
  categories: string[];
  segments: NetmeraSegment[];
  typicalSelection: number[];
  campaigns: NetmeraCampaign[];
  /** notificationKey → result rows, in timeStamp order. */
  pushResults: Record<string, NetmeraPushResult[]>;
  journeys: NetmeraJourney[];
  widgets: NetmeraWidget[];
  /** Widget asset size limit the definition file states [A value]. */
  widgetFileSizeLimitBytes: number;
  truth: NetmeraTruth;
}
