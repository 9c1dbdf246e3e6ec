/**
 * The canonical model: what every source connector emits and what mapping reads.
 * Each is a zod schema and its inferred type under one name. Source-specific columns
 * that have no canonical slot go to `attributes`, keyed by the source's attribute name.
 */
import { z } from 'zod';

/** Source platforms the tool reads. */
export const SourceName = z.enum(['xtremepush', 'netmera']);
export type SourceName = z.infer<typeof SourceName>;

/** Destination objects, in dependency order. */
export const ObjectName = z.enum(['contact', 'account', 'deal', 'task']);
export type ObjectName = z.infer<typeof ObjectName>;

/** An attribute value as it came from the source, after JSON decoding, before typing. */
export const AttributeValue = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.unknown()), z.record(z.string(), z.unknown())]);
export type AttributeValue = z.infer<typeof AttributeValue>;

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
