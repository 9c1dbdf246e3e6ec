/**
 * Raw Netmera answers (GET /rest/3.0/<operation>), validated where the code depends on them.
 * Every object is loose (unknown fields kept), and where the notes mark a fact [A] or the live
 * documentation disagrees with them, both readings are accepted (see each schema).
 */
import { z } from 'zod';
import { flag } from './values.js';

/** An id as Netmera sends it: a number or text, read as text. */
const Id = z.union([z.string(), z.number()]).transform((v) => String(v));
/** Text that may be absent or null. */
const Text = z.string().nullish();
/** A count: a number, or digits as text. */
const Count = z.union([z.number(), z.string().trim().regex(/^-?\d+$/).transform(Number)]).nullish();
/** A yes/no flag: a boolean, a number or its text ("true", "1", "evet"); anything else null. */
const Flag = z.union([z.boolean(), z.number(), z.string()]).nullish().transform(flag);
/** A timestamp: epoch ms (number or digits) or date text, kept as sent for the mappers. */
const Stamp = z.union([z.number(), z.string()]).nullish();

/** An application error body `{code, error}` [C] (`message` where a proxy writes one). */
export const NmAppError = z.looseObject({
  code: z.union([z.number().int(), z.string().trim().regex(/^\d+$/).transform(Number)]),
  error: z.string().optional(),
  message: z.string().optional(),
});
export type NmAppError = z.infer<typeof NmAppError>;

/** One attribute definition of app/profile-attributes [C, partly]. */
export const NmAttributeDef = z.looseObject({
  code: z.string().min(1),
  dataType: Text,
  name: Text,
  isArray: Flag,
});
export type NmAttributeDef = z.infer<typeof NmAttributeDef>;

/** app/profile-attributes: standard and custom definitions [C]; either list may be absent. */
export const NmAttributeDefs = z.looseObject({
  standardProfileAttributes: z.array(z.unknown()).nullish(),
  customProfileAttributes: z.array(z.unknown()).nullish(),
});

/** app/events [C endpoint, A shape]: a list (bare, or under `list`/`events`) of event definitions. */
export const NmEventDef = z.looseObject({
  code: Text,
  name: Text,
  attributes: z.array(z.unknown()).nullish(),
});
export type NmEventDef = z.infer<typeof NmEventDef>;

/**
 * getProfileAttributes: `{extId, profile:{…}}` with custom attributes mixed into `profile` [C].
 * Read leniently by the mapper (`readProfileAnswer`): only the envelope is checked here.
 */
export const NmProfileAnswer = z.looseObject({
  extId: Id.nullish(),
  profile: z.record(z.string(), z.unknown()).nullish(),
});

/**
 * A device of getDevices [C: platform, token, deviceModel, pushPermitted; C3: installationId].
 * OS version, app version and a last-seen time are not in the documented answer: read when
 * present under their usual names [A].
 */
export const NmDevice = z.looseObject({
  platform: Text,
  token: Text,
  deviceToken: Text,
  deviceModel: Text,
  model: Text,
  pushPermitted: Flag,
  installationId: Id.nullish(),
  extId: Id.nullish(),
  osVersion: z.union([z.string(), z.number()]).nullish(),
  appVersion: z.union([z.string(), z.number()]).nullish(),
});
export type NmDevice = z.infer<typeof NmDevice>;

/** getDevices: `{extId, devices:[…]}` [C]; an unknown user answers an empty list (live docs). */
export const NmDevicesAnswer = z.looseObject({
  extId: Id.nullish(),
  devices: z.array(NmDevice).nullish(),
  list: z.array(NmDevice).nullish(),
});

/**
 * getDeviceTokens: `{nextPage, total, devices}` [C]. The notes say the entries carry no extId;
 * the live docs give `installationId, platform, extId (when linked), deviceToken`, under
 * `devices` or `list`: both read.
 */
export const NmDeviceTokensAnswer = z.looseObject({
  nextPage: Text,
  total: Count,
  devices: z.array(NmDevice).nullish(),
  list: z.array(NmDevice).nullish(),
});

/** A segment of getSegments [C]; `userCount` is null for connector segments (live docs). */
export const NmSegment = z.looseObject({
  id: Id,
  name: z.string(),
  userCount: Count,
  type: Text,
  status: Text,
});
export type NmSegment = z.infer<typeof NmSegment>;

/** getSegments: `{list:[…]}` [C]. */
export const NmSegmentsAnswer = z.looseObject({ list: z.array(NmSegment).nullish(), segments: z.array(NmSegment).nullish() });

/** A member of getSegmentUsers: `externalId` [C] (`extId` also read), msisdn, email. */
export const NmSegmentMember = z.looseObject({
  externalId: Id.nullish(),
  extId: Id.nullish(),
  msisdn: z.union([z.string(), z.number()]).nullish(),
  email: Text,
});
export type NmSegmentMember = z.infer<typeof NmSegmentMember>;

/**
 * getSegmentUsers: `{name, list}` with no paging in the notes [C]; the live docs page it with
 * `max` and a `nextPage` URL whose offset is opaque. Both read: `nextPage` is followed when there.
 */
export const NmSegmentUsersAnswer = z.looseObject({
  name: Text,
  list: z.array(NmSegmentMember).nullish(),
  nextPage: Text,
});

/**
 * getCategoryPreferences: `{categoryPreferences:{"Promotions":true}}` [C]. Since channel-based
 * preferences, a category may carry a per-channel breakdown instead of a flag [A]: an object
 * (`{optIn, channels:{EMAIL:true}}`) or a list of `{category|categoryName, optIn|optInStatus}`.
 */
export const NmCategoryPreferencesAnswer = z.looseObject({
  categoryPreferences: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).nullish(),
});

/** One platform's figures in a push's `stats` [C]. */
export const NmPushStat = z.looseObject({
  platform: Text,
  sent: Count,
  failed: Count,
  clicked: Count,
});

/** getPushStats by key [C]: `{notificationKey, status, startDate, endDate, stats:[…]}`. */
export const NmPushStats = z.looseObject({
  notificationKey: Id,
  status: Text,
  startDate: Stamp,
  endDate: Stamp,
  stats: z.array(NmPushStat).nullish(),
});
export type NmPushStats = z.infer<typeof NmPushStats>;

/** getPushStats by dates [C]: `{messages:[…]}` (`list` also read). */
export const NmPushStatsRange = z.looseObject({ messages: z.array(z.unknown()).nullish(), list: z.array(z.unknown()).nullish() });

/**
 * A row of getPushResult [C]: one delivery event of one device. `errorMsg` in the notes,
 * `errorMessage` in the live docs; `timeStamp` (also `timestamp`) epoch ms or text.
 */
export const NmPushResultRow = z.looseObject({
  platform: Text,
  status: Text,
  errorCode: z.union([z.string(), z.number()]).nullish(),
  errorMsg: Text,
  errorMessage: Text,
  installationId: Id.nullish(),
  extId: Id.nullish(),
  timeStamp: Stamp,
  timestamp: Stamp,
  msgTitle: Text,
  msgText: Text,
});
export type NmPushResultRow = z.infer<typeof NmPushResultRow>;

/** getPushResult: `{nextPage, list}` with an opaque offset inside nextPage [C]. */
export const NmPushResultAnswer = z.looseObject({ nextPage: Text, list: z.array(z.unknown()).nullish() });
