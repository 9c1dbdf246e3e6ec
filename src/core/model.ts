/**
 * The canonical model: what every source connector emits and what mapping reads.
 * Each is a zod schema and its inferred type under one name. Source-specific columns
 * that have no canonical slot go to `attributes`, keyed by the source's attribute name.
 */
import { z } from 'zod';

/** Source platforms the tool reads. */
export const SourceName = z.enum(['xtremepush', 'netmera']);

/** How people write each source's name (reports, messages, generated labels). */
export const SOURCE_LABELS: Readonly<Record<z.infer<typeof SourceName>, string>> = { xtremepush: 'Xtremepush', netmera: 'Netmera' };

/** The display name of a source ("Xtremepush"); an unknown name as it is. */
export function sourceLabel(name: string): string {
  return Object.hasOwn(SOURCE_LABELS, name) ? SOURCE_LABELS[name as z.infer<typeof SourceName>] : name;
}
export type SourceName = z.infer<typeof SourceName>;

/**
 * Destination objects, in dependency order. `task` and `activity` are the two homes a map can
 * choose for the activity timeline (campaign interactions, behavioural events): Freshsales
 * tasks or sales activities, journaled apart so reports and rollback know which they are.
 * `campaign_note` is the note with a campaign's content on its campaign deal.
 */
export const ObjectName = z.enum(['contact', 'account', 'deal', 'campaign', 'campaign_note', 'task', 'activity']);
export type ObjectName = z.infer<typeof ObjectName>;

/** An attribute value as it came from the source, after JSON decoding, before typing. */
export const AttributeValue = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.unknown()), z.record(z.string(), z.unknown())]);
export type AttributeValue = z.infer<typeof AttributeValue>;

/**
 * A value the source sent in a shape its API does not promise (an email as a list, a number
 * where text is promised), or a row-level problem (a key that cannot be an attribute name).
 * The connector keeps the record and says what was wrong; mapping decides what it costs.
 */
export const SourceProblem = z.object({
  /** The canonical path the bad value would have filled (`email`, `attributes.vip`); null: the row as a whole. */
  field: z.string().nullable(),
  /** Self-describing: names the source column and what was wrong, with a short rendering of the value. */
  reason: z.string().min(1),
});
export type SourceProblem = z.infer<typeof SourceProblem>;

/**
 * A person in the source (Xtremepush profile, Netmera user). Values are the source's,
 * untouched (phones not normalised, emails not lower-cased): normalisation is mapping's job.
 */
export const CanonicalContact = z.object({
  /** Stable key across runs, e.g. `xtremepush:profile:4711`. */
  sourceKey: z.string().min(1),
  /** The source's own record id (profile_id). */
  sourceId: z.string().min(1),
  /** The customer's user id in the source (Xtremepush `user_id`, Netmera `extId`). */
  externalId: z.string().nullable(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  /** Country as the source has it (ISO code or name); used as the phone-number hint. */
  country: z.string().nullable(),
  language: z.string().nullable(),
  timezone: z.string().nullable(),
  /** Channel subscription flags; null when the source does not say. */
  emailSubscribed: z.boolean().nullable(),
  smsSubscribed: z.boolean().nullable(),
  /** ISO 8601 instants (UTC, with Z). */
  createdAt: z.string().nullable(),
  updatedAt: z.string().nullable(),
  attributes: z.record(z.string(), AttributeValue),
  /**
   * What the source row got wrong (absent when nothing): each bad value is left out of the
   * record (null) and named here, so prepare can quarantine or drop it per the map instead of
   * the extract stopping for everyone.
   */
  sourceProblems: z.array(SourceProblem).optional(),
});
export type CanonicalContact = z.infer<typeof CanonicalContact>;

/** Typed custom-attribute kinds a mapping can declare. */
export const AttributeType = z.enum(['string', 'number', 'integer', 'boolean', 'date', 'datetime', 'array']);
export type AttributeType = z.infer<typeof AttributeType>;

/** A source attribute's definition, as discovered (for proposals and schema plans). */
export const AttributeDefinition = z.object({
  name: z.string(),
  type: AttributeType,
});
export type AttributeDefinition = z.infer<typeof AttributeDefinition>;

/** An audience segment as the source defines it; rules kept raw for the rebuild inventory. */
export const SourceSegment = z.object({
  id: z.string(),
  name: z.string(),
  /** The rule tree exactly as the source returned it. */
  rules: z.unknown(),
  /** Members counted at scoping time, when the source says. */
  memberCount: z.number().int().nullable(),
});
export type SourceSegment = z.infer<typeof SourceSegment>;

/** A campaign's execution metadata (for the campaign inventory and task titles). */
export const SourceCampaign = z.object({
  id: z.string(),
  name: z.string(),
  /** Channels the campaign sends on: push, email, sms, inbox, webhook... */
  channels: z.array(z.string()),
  trigger: z.string(),
  status: z.string(),
  createdAt: z.string().nullable(),
  activatedAt: z.string().nullable(),
  deactivatedAt: z.string().nullable(),
  /** Everything else the source said (content, creatives), for the inventory. */
  raw: z.record(z.string(), z.unknown()),
  /** Performance totals as the source reports them (null: not reported); absent when the source has none. */
  stats: z
    .object({
      sent: z.number().nullable(),
      delivered: z.number().nullable(),
      failed: z.number().nullable(),
      opened: z.number().nullable(),
      clicked: z.number().nullable(),
      conversions: z.number().nullable(),
    })
    .nullable()
    .optional(),
});
export type SourceCampaign = z.infer<typeof SourceCampaign>;
/** The performance figures a campaign can report. */
export const CAMPAIGN_STATS = ['sent', 'delivered', 'failed', 'opened', 'clicked', 'conversions'] as const;
export type CampaignStat = (typeof CAMPAIGN_STATS)[number];

/** Kinds of a contact's interaction with a campaign. */
export const InteractionKind = z.enum(['delivered', 'opened', 'clicked']);
export type InteractionKind = z.infer<typeof InteractionKind>;

/** One contact interaction with a campaign: becomes one Freshsales task. */
export const CanonicalInteraction = z.object({
  /** Stable key, e.g. `xtremepush:message:881:opened`. */
  sourceKey: z.string().min(1),
  /** Source key of the contact it belongs to (its parent). */
  contactKey: z.string().min(1),
  campaignId: z.string(),
  campaignName: z.string(),
  channel: z.string(),
  kind: InteractionKind,
  /** ISO 8601 instant (UTC, Z) of the interaction: the original timestamp, never the load time. */
  occurredAt: z.string(),
});
export type CanonicalInteraction = z.infer<typeof CanonicalInteraction>;

/** One behavioural event: becomes a task, or feeds a per-contact summary, per the event policy. */
export const CanonicalEvent = z.object({
  /** Stable key derived from the event's content (events have no id in the source). */
  sourceKey: z.string().min(1),
  contactKey: z.string().min(1),
  event: z.string(),
  value: z.union([z.string(), z.number(), z.null()]),
  deviceId: z.string().nullable(),
  /** ISO 8601 instant (UTC, Z); `occurredAtRaw` keeps the source's own text (with its offset). */
  occurredAt: z.string(),
  occurredAtRaw: z.string(),
  /**
   * The event's named properties (parameters), normalised for people, when the source sends
   * them as such (Netmera); absent or null otherwise. Sales-activity custom fields read them
   * as `parameters.<name>`.
   */
  parameters: z.record(z.string(), z.unknown()).nullish(),
});
export type CanonicalEvent = z.infer<typeof CanonicalEvent>;

/** A device/push registration: exported to the device dataset, never migrated. */
export const CanonicalDevice = z.object({
  sourceKey: z.string().min(1),
  contactKey: z.string().nullable(),
  userId: z.string().nullable(),
  platform: z.string(),
  token: z.string().nullable(),
  os: z.string().nullable(),
  appVersion: z.string().nullable(),
  model: z.string().nullable(),
  lastSeen: z.string().nullable(),
});
export type CanonicalDevice = z.infer<typeof CanonicalDevice>;

/** One step of a journey, in order. */
export const JourneyStep = z.object({
  /** What the step does: `push`, `email`, `sms`, `in_app`, `wait`, `condition`, `split`, `goal`, ... (the source's word, lower case). */
  kind: z.string(),
  /** The channel a sending step uses, when it sends. */
  channel: z.string().nullable(),
  /** Everything else the definition says about the step (delay, condition, message title). */
  detail: z.record(z.string(), z.unknown()),
});
export type JourneyStep = z.infer<typeof JourneyStep>;

/** An automated journey (multi-step orchestration): never migrated, written into the journey inventory. */
export const SourceJourney = z.object({
  id: z.string(),
  name: z.string(),
  status: z.string().nullable(),
  /** The entry conditions as the definition states them (event, segment, attribute rules). */
  entry: z.unknown(),
  steps: z.array(JourneyStep),
  conversionEvents: z.array(z.string()),
  /** How the source counts conversions: once per user per journey, or every occurrence; null when unknown. */
  conversionCounting: z.enum(['per_user', 'per_occurrence']).nullable(),
});
export type SourceJourney = z.infer<typeof SourceJourney>;

/** A behavioural event's definition: its code, readable name and the attributes it carries (discovery). */
export const EventSchema = z.object({
  code: z.string(),
  name: z.string(),
  /** Built into the SDK (true) or defined by the customer (false); null when the source does not say. */
  standard: z.boolean().nullable(),
  attributes: z.array(z.string()),
});
export type EventSchema = z.infer<typeof EventSchema>;

/** An in-app widget / asset: never migrated, written into the widget inventory. */
export const SourceWidget = z.object({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  /** When it shows, as the definition states it. */
  trigger: z.unknown(),
  fileSizeBytes: z.number().int().nonnegative().nullable(),
  /** The source's own limit on an asset's size, when it has one (over it: flagged). */
  sizeLimitBytes: z.number().int().positive().nullable(),
});
export type SourceWidget = z.infer<typeof SourceWidget>;

/** A loyalty promotion (listed in the gamification inventory). */
export const SourcePromotion = z.object({ id: z.string(), name: z.string(), raw: z.record(z.string(), z.unknown()) });
export type SourcePromotion = z.infer<typeof SourcePromotion>;

/** One application of a source tag to a contact (Xtremepush tags are immutable, timestamped hits). */
export const CanonicalTagHit = z.object({
  contactKey: z.string().min(1),
  tag: z.string().min(1),
  occurredAt: z.string().nullable(),
});
export type CanonicalTagHit = z.infer<typeof CanonicalTagHit>;
