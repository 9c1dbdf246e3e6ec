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
