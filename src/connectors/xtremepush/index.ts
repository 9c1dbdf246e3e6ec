/** The Xtremepush source connector: config, client factory, the contact stream and the other streams. */
import { z } from 'zod';
import type { Clock } from '../../core/clock.js';
import { secret } from '../../core/secrets.js';
import type { Logger } from '../../core/logger.js';
import type { CanonicalContact } from '../../core/model.js';
import { HttpClient } from '../../http/client.js';
import { XtremepushClient } from './client.js';
import { ExportPollSettings } from './export-task.js';
import { TerminalError } from '../../core/errors.js';
import { readProfileRow, unkeyedContact } from './mappers.js';
import { XtremepushStreams, XTREMEPUSH_REFERENCE_MODELS } from './streams.js';
import { toAttributeType } from './mappers.js';
import { defineSource, type SourceManifest } from '../manifest.js';
import type { SourceConnector } from '../source.js';

export { XtremepushClient } from './client.js';
export { XtremepushStreams, XTREMEPUSH_REFERENCE_MODELS } from './streams.js';
export type { XpPage, XtremepushStreamSettings } from './streams.js';
export { ExportPollSettings, runExportTask, taskPhase } from './export-task.js';
export type { TaskPhase } from './export-task.js';
export type { ProfileRowReading } from './mappers.js';
export { jsonlLines } from './jsonl-download.js';
export {
  toCanonicalContact, readProfileRow, unkeyedContact, toAttributeType, profileKey, parseXpDateTime, toSourceSegment, toSourceCampaign, toSourcePromotion, toInteractions,
  toCanonicalEvent, toCanonicalDevice, toCanonicalTagHit, toLocationLabel, eventHash, eventKey, interactionKey, deviceKey, unixToIso, CAMPAIGN_CHANNELS,
} from './mappers.js';

/** Retry settings for Xtremepush calls (see RetryPolicy); unset fields keep the HTTP client's defaults. */
export const XtremepushRetry = z.strictObject({
  maxAttempts: z.number().int().min(1).max(20).optional(),
  baseDelayMs: z.number().int().min(0).optional(),
  maxDelayMs: z.number().int().min(0).optional(),
  jitter: z.number().min(0).max(1).optional(),
});

/** The `source:` section of a config for an Xtremepush app. */
export const XtremepushConfig = z.strictObject({
  type: z.literal('xtremepush'),
  /** e.g. https://external-api.xtremepush.com (EU) or https://api.us.xtremepush.com */
  baseUrl: z.url(),
  apptoken: secret(),
  pageSize: z.number().int().min(1).max(1000).default(500),
  timeoutMs: z.number().int().positive().default(30_000),
  /** Export tasks (segment members, events): poll intervals and the longest total wait. */
  exportPoll: ExportPollSettings.prefault({}),
  /** Retries of API calls and export-file opens. */
  retry: XtremepushRetry.optional(),
});
export type XtremepushConfig = z.infer<typeof XtremepushConfig>;

/**
 * Build the HTTP client (token added to every body, scrubbed from errors), the API client
 * and the streams for one Xtremepush app. `clock` paces task polling and download retries.
 */
export function createXtremepush(
  cfg: XtremepushConfig,
  deps: { logger: Logger; clock?: Clock },
): { client: XtremepushClient; http: HttpClient; streams: XtremepushStreams } {
  const token = cfg.apptoken.reveal();
  const retry = cfg.retry ? Object.fromEntries(Object.entries(cfg.retry).filter(([, v]) => v !== undefined)) : undefined;
  const http = new HttpClient({
    baseUrl: cfg.baseUrl.replace(/\/+$/, ''),
    decorateBody: (body) => ({ ...((body as Record<string, unknown>) ?? {}), apptoken: token }),
    timeoutMs: cfg.timeoutMs,
    logger: deps.logger,
    secrets: [token],
    ...(retry ? { retry } : {}),
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  const client = new XtremepushClient(http, cfg.baseUrl.replace(/\/+$/, ''));
  const streams = new XtremepushStreams(client, {
    pageSize: cfg.pageSize,
    timeoutMs: cfg.timeoutMs,
    exportPoll: cfg.exportPoll,
    ...(retry ? { retry } : {}),
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  return { client, http, streams };
}

/** One page of the contact stream: canonical records and the checkpoint after them. */
export interface ContactPage {
  records: CanonicalContact[];
  /** Opaque checkpoint to resume after this page. */
  checkpoint: string;
  last: boolean;
}

/**
 * Stream contacts page by page from a checkpoint (the last profile_id read). The stream
 * ends on an empty page, not on a short one: the API may cap `limit` below what we asked
 * without saying so, and with keyset paging one extra call is cheap and safe.
 *
 * A malformed row never stops the stream: it becomes a contact carrying its problems
 * (`sourceProblems`), which prepare quarantines or trims per the map. A row without a usable
 * profile_id becomes a placeholder keyed by its position (quarantined with the reason); the
 * cursor moves to the last row that has one. Only a page where no row has one stops: paging
 * cannot go on from it.
 */
export async function* contactPages(client: XtremepushClient, after: string | null, pageSize: number, updatedSince?: number): AsyncGenerator<ContactPage> {
  let cursor = after;
  for (;;) {
    const rows = await client.listProfileRows(cursor, pageSize, updatedSince === undefined ? {} : { updatedSince });
    const last = rows.length === 0;
    const records: CanonicalContact[] = [];
    let next: string | null = null;
    for (const [i, raw] of rows.entries()) {
      const r = readProfileRow(raw);
      if (r.ok) {
        records.push(r.contact);
        next = r.profileId;
      } else records.push(unkeyedContact(raw, cursor, i + 1, r.reason));
    }
    if (!last && next === null) {
      throw new TerminalError(`Xtremepush list/profile after ${cursor ?? 'start'}: no row of the page has a usable profile_id, so paging cannot go on`);
    }
    if (next !== null) cursor = next;
    yield { records, checkpoint: cursor ?? '', last };
    if (last) return;
  }
}

/** Every profile's key, `select`ing profile_id alone (keyset paging): what a delta compares with the journal. */
export async function* profileKeyPages(client: XtremepushClient, after: string | null, pageSize: number): AsyncGenerator<{ records: string[]; checkpoint: string; last: boolean }> {
  let cursor = after;
  for (;;) {
    const rows = await client.listProfileRows(cursor, pageSize, { select: ['profile_id'] });
    const keys: string[] = [];
    for (const raw of rows) {
      const r = readProfileRow(raw);
      if (r.ok) {
        keys.push(r.contact.sourceKey);
        cursor = r.profileId;
      }
    }
    const last = rows.length < pageSize;
    if (!last && keys.length === 0) throw new TerminalError(`Xtremepush list/profile after ${cursor ?? 'start'}: no row of the page has a usable profile_id, so paging cannot go on`);
    yield { records: keys, checkpoint: cursor ?? '', last };
    if (last) return;
  }
}

/**
 * The Xtremepush source, declared. Profiles page by keyset on profile_id; segment members,
 * events and interactions come from export tasks (files), read page by page.
 */
export const xtremepushSource: SourceManifest<XtremepushConfig> = defineSource<XtremepushConfig>({
  name: 'xtremepush',
  configSchema: XtremepushConfig,
  secretFields: ['apptoken'],
  streams: {
    contacts: { cursor: 'profile_id of the last row read (keyset paging on list/profile)', paged: true },
    contactsChangedSince: { cursor: 'profile_id of the last row read (list/profile with update_time >= since)', paged: true },
    contactKeys: { cursor: 'profile_id of the last row read (list/profile selecting profile_id)', paged: true },
    attributes: { cursor: null, paged: false },
    segments: { cursor: null, paged: false },
    segmentMembers: { cursor: null, paged: true },
    campaigns: { cursor: null, paged: false },
    interactions: { cursor: 'campaign id and message offset of the last interaction read', paged: true },
    events: { cursor: 'position in the event export file', paged: true },
    devices: { cursor: 'id of the last device read', paged: true },
    promotions: { cursor: null, paged: false },
    tagHits: { cursor: 'position in the tag-hit export', paged: true },
    referenceTables: { cursor: null, paged: false },
  },
  referenceModels: XTREMEPUSH_REFERENCE_MODELS,
  proposalDefaults: {
    liftedAttributes: ['first_name', 'last_name', 'country'],
    lifecycle: {
      attribute: 'lifecycle_stage',
      values: { subscriber: 'Lead / New', lead: 'Lead / Contacted', engaged: 'Lead / Interested', loyal: 'Customer / Won', churned: 'Customer / Churned' },
    },
    dealTier: { attribute: 'loyalty_tier', amounts: { bronze: 100, silver: 500, gold: 2000, platinum: 10000 } },
    interactions: ['delivered', 'opened', 'clicked'],
    highValueEvents: ['deposit', 'purchase'],
  },
  objectMap: [
    { object: 'User profile', destination: 'Contact', fit: '1:1' },
    { object: 'Attribute and tag set', destination: 'Contact custom fields and tags', fit: 'lossy' },
    { object: 'Lifecycle stage', destination: 'Contact status', fit: '1:1' },
    { object: 'Audience segment', destination: 'Contact tag (rules in the segment inventory)', fit: '1:1' },
    { object: 'Loyalty program state', destination: 'Contact custom fields (mechanics in the gamification inventory)', fit: 'lossy' },
    { object: 'Preference and consent record', destination: 'Contact subscription fields', fit: '1:1' },
    { object: 'Campaign (execution metadata)', destination: 'Task per interaction (campaign inventory)', fit: '1:1' },
    { object: 'Behavioural event', destination: 'Task (or contact summary fields)', fit: '1:1' },
    { object: 'Engagement-derived deal', destination: 'Deal (and account)', fit: '1:many' },
  ],
  extraction: { kind: 'bulk', callsPerContact: 1 / 500 },
  create(cfg, deps): SourceConnector {
    const { client, http, streams } = createXtremepush(cfg, deps);
    return {
      name: 'xtremepush',
      manifest: xtremepushSource,
      checkConnection: () => client.checkConnection(),
      attributes: async () => {
        const defs = await client.listAttributes();
        return defs.map((d) => ({ name: d.name, type: toAttributeType(d, (d as Record<string, unknown>).example) }));
      },
      contacts: (after) => contactPages(client, after, cfg.pageSize),
      contactsChangedSince: (since, after) => contactPages(client, after, cfg.pageSize, Math.floor(since.getTime() / 1000)),
      contactKeys: (after) => profileKeyPages(client, after, cfg.pageSize),
      segments: () => streams.segments(),
      segmentMembers: (segment) => streams.segmentMembers(segment),
      campaigns: () => streams.campaigns(),
      interactions: (after) => streams.interactions(after),
      events: (after) => streams.events(after),
      devices: (after) => streams.devices(after),
      promotions: () => streams.promotions(),
      tagHits: (after) => streams.tagHits(after),
      referenceTable: (model) => streams.referenceTable(model),
      referenceModels: XTREMEPUSH_REFERENCE_MODELS,
      close: () => http.close(),
    };
  },
});
