/** Raw Xtremepush shapes (POST /api/external/{method}/{model}), validated where the code depends on them. */
import { z } from 'zod';

const Scalar = z.union([z.string(), z.number()]);

/** A profile row of list/profile: known columns plus custom attributes flat beside them. */
export const XpProfileRow = z.looseObject({
  profile_id: Scalar.transform(String),
  user_id: Scalar.transform(String).nullish(),
  email: z.string().nullish(),
  email_subscription: z.union([z.number(), z.boolean(), z.string()]).nullish(),
  mobile_number: Scalar.transform(String).nullish(),
  sms_subscription: z.union([z.number(), z.boolean(), z.string()]).nullish(),
  language: z.string().nullish(),
  timezone: z.string().nullish(),
  create_time: Scalar.nullish(),
  update_time: Scalar.nullish(),
});
export type XpProfileRow = z.infer<typeof XpProfileRow>;

/** The `{code, success, data|model}` envelope. */
export const XpListEnvelope = z.looseObject({
  code: z.number().int().optional(),
  success: z.boolean(),
  data: z.array(z.unknown()).optional(),
  message: z.string().optional(),
});

/** An attribute definition from list/attribute [A shape]. */
export const XpAttribute = z.looseObject({
  name: z.string(),
  type: z.string(),
});
export type XpAttribute = z.infer<typeof XpAttribute>;

/** Profile columns that are not custom attributes. */
export const PROFILE_COLUMNS = new Set([
  'profile_id', 'user_id', 'email', 'email_subscription', 'mobile_number', 'sms_subscription',
  'language', 'timezone', 'create_time', 'update_time',
]);

/**
 * A numeric field that may come as a number or as text: a production client types these as
 * numbers [C3], older answers and exports have them as strings. Digit strings become numbers
 * ("3" → 3); other text is kept as sent (a status name such as "active").
 */
const Code = z.union([z.number(), z.string()]).transform((v): number | string => {
  if (typeof v === 'number') return v;
  const t = v.trim();
  return /^-?\d+$/.test(t) ? Number(t) : v;
});
/**
 * A nullable 0/1 flag as Xtremepush sends it (number [C3], boolean or text), read as a
 * boolean: 1/"1"/"true"/"yes" true, 0/"0"/"false"/"no" false, anything else null (unknown).
 */
const Flag = z
  .union([z.number(), z.boolean(), z.string()])
  .nullish()
  .transform((v): boolean | null => {
    if (v === null || v === undefined) return null;
    if (typeof v === 'boolean') return v;
    if (typeof v === 'number') return v !== 0;
    const t = v.trim().toLowerCase();
    return ['1', 'true', 'yes'].includes(t) ? true : ['0', 'false', 'no'].includes(t) ? false : null;
  });
/** A unix-seconds timestamp (number or digit string, read as a number), possibly null. */
const Unix = Code.nullish();
/** A unix-seconds timestamp that must be there and readable, as a number. */
const UnixRequired = z.union([z.number(), z.string().trim().regex(/^\d+$/, 'expected unix seconds').transform(Number)]);

/** The `{code, success, model}` envelope of `info/*` and `create/*`. */
export const XpModelEnvelope = z.looseObject({
  code: z.number().int().optional(),
  success: z.boolean(),
  model: z.unknown().optional(),
  message: z.string().optional(),
});

/** A row of list/segment: conditions kept raw (the nested `{operator, "0": …}` tree) [C]. */
export const XpSegmentRow = z.looseObject({
  id: Scalar.transform(String),
  name: z.string(),
  conditions: z.unknown().optional(),
  /** Not in the docs; read when an account's API returns it [A]. */
  profile_count: z.number().int().nullish(),
});
export type XpSegmentRow = z.infer<typeof XpSegmentRow>;

/**
 * A row of list/campaign [C fields]; `messages` and anything else stay in the raw copy.
 * `id, trigger, type, active, status, create_time` are numbers in production [C3] and
 * strings in some answers: both are accepted, digit strings read as numbers (`Code`).
 */
export const XpCampaignRow = z.looseObject({
  id: Scalar.transform(String),
  title: z.string().nullish(),
  trigger: Code.nullish(),
  /** A code [C3: number; values not public]; the channels are the flags below, not the type. */
  type: Code.nullish(),
  active: Flag,
  status: Code.nullish(),
  create_time: Unix,
  activate_time: Unix,
  deactivate_time: Unix,
  sms: Flag,
  email: Flag,
  ios_push: Flag,
  android_push: Flag,
  web_push: Flag,
  inbox: Flag,
  webhook: Flag,
});
export type XpCampaignRow = z.infer<typeof XpCampaignRow>;

/**
 * A row of list/message: one send to one profile and what became of it [C3 fields].
 * `user_id`/`profile_id` are strings, the rest (status included) numbers in production
 * [C3]; numbers and strings are accepted alike.
 */
export const XpMessageRow = z.looseObject({
  id: Scalar.transform(String),
  campaign_id: Scalar.transform(String),
  profile_id: Scalar.transform(String),
  user_id: Scalar.transform(String).nullish(),
  create_time: UnixRequired,
  message_type_name: z.string().nullish(),
  delivery: Flag,
  open: Flag,
  click: Flag,
  error: Flag,
  error_message: z.string().nullish(),
  open_time: Unix,
  click_time: Unix,
  /** A code [C3: number; values not public]; the flags above say what happened. */
  status: Code.nullish(),
});
export type XpMessageRow = z.infer<typeof XpMessageRow>;

/** A row of list/device [A fields]. */
export const XpDeviceRow = z.looseObject({
  id: Scalar.transform(String),
  profile_id: Scalar.transform(String).nullish(),
  user_id: Scalar.transform(String).nullish(),
  platform: z.string().nullish(),
  token: z.string().nullish(),
  os_version: Scalar.transform(String).nullish(),
  app_version: Scalar.transform(String).nullish(),
  model: z.string().nullish(),
  last_seen: Unix,
});
export type XpDeviceRow = z.infer<typeof XpDeviceRow>;

/** A row of list/promotion [C3 path, A fields]. */
export const XpPromotionRow = z.looseObject({
  id: Scalar.transform(String),
  name: z.string().nullish(),
});
export type XpPromotionRow = z.infer<typeof XpPromotionRow>;

/** A tag hit of list/tag: one timestamped application of a tag to a device [A path and shape]. */
export const XpTagHitRow = z.looseObject({
  id: Scalar.transform(String),
  tag: z.string().min(1),
  profile_id: Scalar.transform(String),
  device_id: Scalar.nullish(),
  create_time: Unix,
});
export type XpTagHitRow = z.infer<typeof XpTagHitRow>;

/**
 * A row of list/location: a venue profile attributes point at (`favourite_venue_id`) [A
 * model and fields: the service page names "a linked location object", the docs no model].
 */
export const XpLocationRow = z.looseObject({
  id: Scalar.transform(String),
  name: z.string().nullish(),
  city: z.string().nullish(),
});
export type XpLocationRow = z.infer<typeof XpLocationRow>;

/**
 * An export task as create/task and info/task return it [A shape]. `status` is one of the
 * product's names (New, Executing, Completed, Error, Fatal [C]) in a case that is not
 * public: kept as sent (a number becomes its text) and compared case-insensitively
 * (see `taskPhase` in export-task.ts).
 */
export const XpTask = z.looseObject({
  id: Scalar,
  status: Scalar.transform((v) => String(v).trim()),
  result: z.looseObject({
    download_url: z.string().min(1),
    rows: z.union([z.number().int(), z.string().trim().regex(/^\d+$/, 'expected a row count').transform(Number)]).nullish(),
  }).nullish(),
  error_message: z.string().nullish(),
});
export type XpTask = z.infer<typeof XpTask>;

/** One line of a `segment_export_profiles` file. */
export const XpSegmentMemberLine = z.looseObject({ profile_id: Scalar.transform(String) });

/** One line of an `event_export` file: an event as `hit/event` took it in [C fields, A export]. */
export const XpEventLine = z.looseObject({
  profile_id: Scalar.transform(String),
  event: z.string().min(1),
  value: z.union([z.string(), z.number(), z.null()]).optional(),
  device_id: Scalar.nullish(),
  timestamp: z.string().min(1),
});
export type XpEventLine = z.infer<typeof XpEventLine>;
