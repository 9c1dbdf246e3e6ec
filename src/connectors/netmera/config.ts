/** The `source:` section of a config for a Netmera app, and its parts. */
import { z } from 'zod';
import { secret } from '../../core/secrets.js';

/** The two values of `X-netmera-os` the segment calls take [C]. */
export const NETMERA_OS = ['IOS', 'ANDROID'] as const;
export const NetmeraOs = z.enum(NETMERA_OS);
export type NetmeraOs = z.infer<typeof NetmeraOs>;

/**
 * A segment that scopes the migration: its name or id as written in the panel (a number, or
 * digits, is tried as an id first), optionally for one OS only (`X-netmera-os`).
 */
export const NetmeraSegmentRef = z.union([
  z.string().trim().min(1),
  z.number().int().nonnegative(),
  z.strictObject({ segment: z.union([z.string().trim().min(1), z.number().int().nonnegative()]), os: NetmeraOs.optional() }),
]);
export type NetmeraSegmentRef = z.infer<typeof NetmeraSegmentRef>;

/**
 * Source pacing: calls per second across every Netmera call of this connector, and calls in
 * flight at once. The number in flight halves when Netmera answers 429 or 5022 (quota
 * exceeded) and grows back one at a time while answers are good.
 */
export const NetmeraPacing = z.strictObject({
  requestsPerSecond: z.number().positive().max(1000).default(10),
  concurrency: z.number().int().min(1).max(64).default(4),
});
export type NetmeraPacing = z.infer<typeof NetmeraPacing>;

/** A UTC offset (`Z`, `+03:00`) for export timestamps written without one. */
const Offset = z.string().regex(/^(Z|[+-](0\d|1[0-4]):[0-5]\d)$/, 'expected Z or an offset such as +03:00');

/**
 * The customer's files: the panel's "Export Users" file and the FTP/SFTP "Data Export" files
 * (`appkey_TYPE_date`, CSV or XLSX), all in one folder.
 */
export const NetmeraFiles = z.strictObject({
  /** Folder holding the files (copied down from the FTP/SFTP server). */
  folder: z.string().trim().min(1),
  /** CSV delimiter chosen in the panel; `auto` reads it from each file's header line. */
  delimiter: z.union([z.literal('auto'), z.string().length(1)]).default('auto'),
  /** Only files whose names start with `<appKey>_` (a folder shared by several apps). */
  appKey: z.string().trim().min(1).optional(),
  /**
   * Where users come from when files are given: the Export Users file (`file`, bulk) or the
   * REST calls over the frozen segments (`rest`: events, push reports and permissions still
   * come from the files).
   */
  users: z.enum(['file', 'rest']).default('file'),
  /** The Export Users file's name, when it cannot be recognised by name ("export users", "users"). */
  exportUsersFile: z.string().trim().min(1).optional(),
  /** Offset of export timestamps written without one (`2024-03-01 09:30:00`); default UTC. */
  timestampOffset: Offset.default('Z'),
});
export type NetmeraFiles = z.infer<typeof NetmeraFiles>;

/**
 * The window of push history read through the REST API (getPushStats by dates, getPushResult):
 * from `since` (or `days` before now) to `until` (or now), asked `windowDays` at a time.
 */
export const NetmeraPushHistory = z.strictObject({
  since: z.iso.date().optional(),
  until: z.iso.date().optional(),
  days: z.number().int().positive().max(3650).default(365),
  windowDays: z.number().int().positive().max(366).default(31),
});
export type NetmeraPushHistory = z.infer<typeof NetmeraPushHistory>;

/** Retry settings for Netmera calls (see RetryPolicy); unset fields keep the HTTP client's defaults. */
export const NetmeraRetry = z.strictObject({
  maxAttempts: z.number().int().min(1).max(20).optional(),
  baseDelayMs: z.number().int().min(0).optional(),
  maxDelayMs: z.number().int().min(0).optional(),
  jitter: z.number().min(0).max(1).optional(),
});
export type NetmeraRetry = z.infer<typeof NetmeraRetry>;

/** The `source:` section of a config for a Netmera app. */
export const NetmeraConfig = z.strictObject({
  type: z.literal('netmera'),
  /** e.g. https://restapi.netmera.com, or a dedicated/on-prem host (with or without /rest/3.0). */
  baseUrl: z.url(),
  /** The app's REST API key (`X-netmera-api-key`). */
  apiKey: secret(),
  /** Segments whose union is the population to migrate; empty: every segment. */
  segments: z.array(NetmeraSegmentRef).default([]),
  /** The ready-made "all users" segment (name or id) the coverage check compares the union with. */
  populationSegment: z.union([z.string().trim().min(1), z.number().int().nonnegative()]).optional(),
  /** The customer's export files; with an Export Users file, contacts are read from it instead of N+1 calls. */
  files: NetmeraFiles.optional(),
  /** The customer-supplied journey and widget definitions (JSON; there is no API for them): the rebuild inventories. */
  definitionsFile: z.string().trim().min(1).optional(),
  /** ISO country national phone numbers (`05312345678`) are read in when a user has no country, e.g. TR. */
  phoneCountry: z.string().regex(/^[A-Za-z]{2}$/, 'expected a two-letter ISO country code').optional(),
  pacing: NetmeraPacing.prefault({}),
  pushHistory: NetmeraPushHistory.prefault({}),
  /** `max` of the paged calls (getDeviceTokens, getPushResult, getSegmentUsers; the API takes up to 1000). */
  pageSize: z.number().int().min(1).max(1000).default(500),
  timeoutMs: z.number().int().positive().default(30_000),
  retry: NetmeraRetry.optional(),
});
export type NetmeraConfig = z.infer<typeof NetmeraConfig>;
