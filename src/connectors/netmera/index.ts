/** The Netmera source connector: config, client factory and the streams, declared as one manifest. */
import { readDefinitions, toJourneys, toWidgets, withDefinitions } from './definitions.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { ConfigError, TerminalError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { RetryPolicy } from '../../http/classify.js';
import { DEFAULT_RETRY_POLICY, HttpClient, type HttpClientOptions } from '../../http/client.js';
import { Pacer } from '../../http/pacer.js';
import { defineSource, type SourceManifest, type StreamDeclaration } from '../manifest.js';
import type { SourceConnector, SourceStream } from '../source.js';
import { NetmeraClient, netmeraBase } from './client.js';
import { NETMERA_OS, NetmeraConfig, type NetmeraOs } from './config.js';
import { LIFTED_PROFILE_ATTRIBUTES } from './mappers.js';
import { AdaptiveGate } from './pacing.js';
import { NetmeraStreams, type NetmeraProblem } from './streams.js';

export { NetmeraConfig, NetmeraFiles, NetmeraPacing, NetmeraPushHistory, NetmeraRetry, NetmeraSegmentRef, NetmeraOs, NETMERA_OS } from './config.js';
export { NetmeraClient, chunkIds, netmeraBase, MAX_IDS_PER_REQUEST, REST_PREFIX } from './client.js';
export type { NmPage } from './client.js';
export { NetmeraStreams } from './streams.js';
export type { NetmeraProblem, NetmeraStreamDeps } from './streams.js';
export { AdaptiveGate, mapPool } from './pacing.js';
export { flag } from './values.js';
export {
  listExportFiles, exportKindOf, openTable, sniffDelimiter, headerKey, resolveColumns, exportUserRows, eventRows, pushReportRows, installationRows,
  channelPermissions, countRows, compareFiles,
} from './files.js';
export type { ExportFile, ExportKind, Table, TableRow, EventRow, PushReportRow, InstallationRow } from './files.js';
export {
  USER_KEY_PREFIX, userKey, extIdOfKey, emailUserKey, deviceKey, interactionKey, eventKey, epochMsToIso, epochMsToDate, offsetMinutes, readStamp,
  toAttributeType, LIFTED_PROFILE_ATTRIBUTES, DEVICE_ATTRIBUTES, DEVICE_ATTRIBUTE_TYPES, CATEGORY_ATTRIBUTE_PREFIX, CHANNEL_ATTRIBUTES, phoneOf,
  latestDevice, deviceAttributes, categoryAttributes, toContact, exportUserToContact, toSourceSegment, isConnectorSegment, channelOf, pushTotals,
  toSourceCampaign, interactionKindOf, toInteraction, stableJson, eventHash, readExportEvent, toCanonicalEvent, toCanonicalDevice,
} from './mappers.js';
export type { ChannelPermissions, ProfileContext, Cell, RowOrigin, ExportUserRole, ExportUserRow, PushContext, ExportEvent } from './mappers.js';

/** What building a Netmera connector needs besides its config. */
export interface NetmeraDeps {
  logger: Logger;
  clock?: Clock;
  /** Told of every row or member left out (default: a warning in the log). */
  onProblem?: (p: NetmeraProblem) => void;
  /** Randomness for backoff jitter (tests). */
  rand?: () => number;
}

/**
 * Build the HTTP clients (the key added to every request by `authorize` and scrubbed from
 * errors; one client per `X-netmera-os` value for the segment calls), the shared pacer
 * (`pacing.requestsPerSecond`, a 429 pausing every caller), the adaptive gate
 * (`pacing.concurrency`, halved on 429/5022), the API client and the streams of one Netmera app.
 * No call is made.
 */
export function createNetmera(
  cfg: NetmeraConfig,
  deps: NetmeraDeps,
): { client: NetmeraClient; streams: NetmeraStreams; pacer: Pacer; gate: AdaptiveGate; close(): Promise<void> } {
  const key = cfg.apiKey.reveal();
  const base = netmeraBase(cfg.baseUrl);
  const clock = deps.clock ?? systemClock;
  const retryOverrides = cfg.retry ? (Object.fromEntries(Object.entries(cfg.retry).filter(([, v]) => v !== undefined)) as Partial<RetryPolicy>) : {};
  const retry: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...retryOverrides };
  const gate = new AdaptiveGate(cfg.pacing.concurrency);
  // One minute of budget split finely by the pacer: fractional rates (0.5/s) work, and the steady rate stays within 1% of the setting.
  const pacer = new Pacer({ windows: [{ limit: Math.max(2, Math.round(cfg.pacing.requestsPerSecond * 60)), windowMs: 60_000 }], margin: 1, clock, key: `netmera:${base.display}` });
  const common: Omit<HttpClientOptions, 'authorize'> = {
    baseUrl: base.httpBase,
    timeoutMs: cfg.timeoutMs,
    logger: deps.logger,
    secrets: [key],
    pacer,
    clock,
    connections: cfg.pacing.concurrency,
    retry: retryOverrides,
    // A 429 is retried by the HTTP client (with the pacer paused); fewer calls go out at once from now on.
    onCall: (e) => {
      if (e.rateLimited) gate.slowDown();
    },
    ...(deps.rand ? { rand: deps.rand } : {}),
  };
  const withOs = (os: NetmeraOs | null) =>
    new HttpClient({
      ...common,
      authorize: (h) => {
        h['X-netmera-api-key'] = key;
        if (os !== null) h['X-netmera-os'] = os;
      },
    });
  const plain = withOs(null);
  const byOs = Object.fromEntries(NETMERA_OS.map((os) => [os, withOs(os)])) as Record<NetmeraOs, HttpClient>;
  const client = new NetmeraClient({ baseUrl: cfg.baseUrl, http: { plain, os: byOs }, gate, pacer, retry, clock, ...(deps.rand ? { rand: deps.rand } : {}) });
  const streams = new NetmeraStreams(client, cfg, { clock, logger: deps.logger, ...(deps.onProblem ? { onProblem: deps.onProblem } : {}) });
  return { client, streams, pacer, gate, close: async () => void (await Promise.all([plain, ...Object.values(byOs)].map((h) => h.close()))) };
}

/** Every stream the connector can offer; `contacts` and `events` need `source.files` (see manifestFor). */
const STREAMS: Readonly<Partial<Record<SourceStream, StreamDeclaration>>> = {
  contacts: { cursor: 'the Export Users file and the data rows consumed in it (offered only with source.files)', paged: true },
  contactsByKey: { cursor: 'the last key read of the frozen population (kept by the pipeline)', paged: true },
  population: { cursor: null, paged: false },
  attributes: { cursor: null, paged: false },
  segments: { cursor: null, paged: false },
  segmentMembers: { cursor: null, paged: true },
  campaigns: { cursor: null, paged: false },
  interactions: { cursor: 'the push (start, notificationKey) and the getPushResult nextPage to follow; or the Push Reports file and rows consumed', paged: true },
  events: { cursor: 'the Event Data file and the data rows consumed in it (offered only with source.files)', paged: true },
  devices: { cursor: 'the getDeviceTokens nextPage to follow; or the Installation & Permission file and rows consumed', paged: true },
  tagHits: { cursor: 'the Export Users file and the data rows consumed in it (offered only with source.files)', paged: true },
  eventSchemas: { cursor: null, paged: false },
  journeys: { cursor: null, paged: false },
  widgets: { cursor: null, paged: false },
};

/** Streams that read the customer's definitions file: not offered without `source.definitionsFile`. */
const DEFINITIONS_ONLY: readonly SourceStream[] = ['journeys', 'widgets'];

/** Streams that read only files: not offered by a connector configured without `source.files`. */
const FILE_ONLY: readonly SourceStream[] = ['contacts', 'events', 'tagHits'];

/**
 * The manifest a built connector answers with. The declared manifest lists every stream the
 * connector can offer; one configured without `source.files` offers neither `contacts` (users
 * are then read by key over the frozen segments: the pipeline checks `offers(source,
 * 'contacts')`) nor `events` (Netmera has no REST call for event history). Deciding it per
 * config keeps the choice out of mid-run errors: a stream that cannot work is never offered.
 */
export function manifestFor(cfg: NetmeraConfig): SourceManifest<NetmeraConfig> {
  const off = [...(cfg.files ? [] : FILE_ONLY), ...(cfg.files?.users === 'rest' ? (['contacts'] as const) : []), ...(cfg.definitionsFile ? [] : DEFINITIONS_ONLY)];
  if (off.length === 0) return netmeraSource;
  return { ...netmeraSource, streams: Object.fromEntries(Object.entries(netmeraSource.streams).filter(([s]) => !off.includes(s as SourceStream))) };
}

/** Calls of a stream Netmera does not offer (defineSource's contract: a TerminalError naming it). */
function notOffered(stream: string): never {
  throw new TerminalError(`the Netmera source does not offer the ${stream} stream`);
}

/**
 * The Netmera source, declared. Users through segments and by key (or the Export Users file),
 * campaigns and push results through the REST API (or the Push Reports files), events from the
 * Event Data files, devices from getDeviceTokens (or the Installation & Permission files).
 */
export const netmeraSource: SourceManifest<NetmeraConfig> = defineSource<NetmeraConfig>({
  name: 'netmera',
  configSchema: NetmeraConfig,
  secretFields: ['apiKey'],
  streams: STREAMS,
  referenceModels: [],
  proposalDefaults: {
    liftedAttributes: LIFTED_PROFILE_ATTRIBUTES,
    // Netmera has no lifecycle stage or loyalty tier of its own; a customer's custom attribute can be mapped by hand.
    lifecycle: null,
    dealTier: null,
    interactions: ['delivered', 'opened', 'clicked'],
    highValueEvents: [],
  },
  // The Netmera → Freshsales service page's object map.
  objectMap: [
    { object: 'User', destination: 'Contact', fit: '1:1' },
    { object: 'Segment', destination: 'Contact tag or multi-select field (rules in the segment inventory)', fit: 'lossy' },
    { object: 'Campaign (push, in-app, SMS, email)', destination: 'Task per recipient result (campaign inventory)', fit: '1:many' },
    { object: 'Profile attribute', destination: 'Contact custom field', fit: 'lossy' },
    { object: 'Device information', destination: 'Contact custom fields (OS, app version, model); tokens to the device dataset', fit: '1:1' },
    { object: 'Behavioural event', destination: 'Task (or contact summary fields)', fit: '1:1' },
    { object: 'Journey', destination: 'Workflow rebuild inventory', fit: 'lossy' },
    { object: 'Tag', destination: 'Contact tag', fit: '1:1' },
  ],
  // getProfileAttributes + getDevices + getCategoryPreferences per user (the Export Users file reads in bulk).
  extraction: { kind: 'per-contact', callsPerContact: 3 },
  create(cfg, deps): SourceConnector {
    const { client, streams, close } = createNetmera(cfg, deps);
    return {
      name: 'netmera',
      manifest: manifestFor(cfg),
      checkConnection: async () => {
        await client.checkConnection();
        if (cfg.files && cfg.files.users === 'file') {
          const files = await streams.files();
          if (files && files.exportUsers.length === 0) {
            throw new ConfigError(`no Export Users file in ${cfg.files.folder} (source.files.folder): export the users from the Netmera panel (CSV or XLSX) into it, or name the file in source.files.exportUsersFile`);
          }
        }
      },
      attributes: () => streams.attributes(),
      contacts: (after) => streams.contacts(after),
      contactsByKey: (keys) => streams.contactsByKey(keys),
      population: () => streams.population(),
      segments: () => streams.segments(),
      segmentMembers: (segment) => streams.segmentMembers(segment),
      // The API knows keys and figures; the customer's definitions file knows titles, content and creatives.
      campaigns: async () => (cfg.definitionsFile ? withDefinitions(await streams.campaigns(), await readDefinitions(cfg.definitionsFile)) : streams.campaigns()),
      interactions: (after) => streams.interactions(after),
      events: (after) => streams.events(after),
      devices: (after) => streams.devices(after),
      eventSchemas: async () =>
        (await client.eventDefs()).map((e) => ({
          code: String(e.code ?? e.name),
          name: String(e.name ?? e.code),
          standard: e.standard,
          // Attributes as names: a string, or an object's code/name.
          attributes: (e.attributes ?? []).flatMap((a) => {
            if (typeof a === 'string') return [a];
            const o = a as { code?: unknown; name?: unknown } | null;
            const n = o?.code ?? o?.name;
            return typeof n === 'string' ? [n] : [];
          }),
        })),
      journeys: async () => toJourneys(await readDefinitions(cfg.definitionsFile ?? notOffered('journeys'))),
      widgets: async () => toWidgets(await readDefinitions(cfg.definitionsFile ?? notOffered('widgets'))),
      promotions: async () => notOffered('promotions'),
      tagHits: (after) => streams.tagHits(after),
      referenceTable: async (model) => {
        throw new ConfigError(`Netmera has no "${model}" records to resolve references against (it offers none)`);
      },
      referenceModels: [],
      close,
    };
  },
});
