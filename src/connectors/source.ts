/**
 * What the pipeline needs from any source connector. Each connector folder declares one
 * (see registry.ts); the pipeline never knows which vendor it reads.
 */
import type {
  AttributeDefinition, CanonicalContact, CanonicalDevice, CanonicalTagHit, CanonicalEvent, CanonicalInteraction, SourceCampaign,
  SourceName, SourcePromotion, SourceSegment, SourceJourney, SourceWidget, EventSchema,
} from '../core/model.js';
import type { z } from 'zod';
import type { Logger } from '../core/logger.js';
import type { Clock } from '../core/clock.js';

export interface SourcePage<T> {
  records: T[];
  /** Opaque checkpoint that resumes the stream after this page. */
  checkpoint: string;
  last: boolean;
}

/**
 * A built source. Streams its manifest does not declare are not offered: check with
 * `offers(source, stream)` (manifest.ts) before calling them; `defineSource`'s connectors
 * answer an undeclared stream with a TerminalError naming it.
 */
export interface SourceConnector {
  readonly name: SourceName;
  /** The declaration this connector was built from (streams offered, reference models, proposal defaults). */
  readonly manifest: SourceManifest;
  /** One cheap call proving the credential works; throws ConfigError when refused. */
  checkConnection(): Promise<void>;
  /** Attribute definitions, for proposals and schema plans. */
  attributes(): Promise<AttributeDefinition[]>;
  /** Contacts from a checkpoint (null = start), page by page. */
  contacts(after: string | null): AsyncIterable<SourcePage<CanonicalContact>>;
  /** Audience segments with their rules (membership is read separately). */
  segments(): Promise<SourceSegment[]>;
  /**
   * Source keys of a segment's members, frozen at the time of the call (export task where the
   * API has no list), page by page: a segment can be as large as the source.
   */
  segmentMembers(segment: SourceSegment): AsyncIterable<string[]>;
  campaigns(): Promise<SourceCampaign[]>;
  /** Per-contact campaign interactions (delivered / opened / clicked), page by page. */
  interactions(after: string | null): AsyncIterable<SourcePage<CanonicalInteraction>>;
  /** Behavioural events, page by page (from the source's export where it has no read API). */
  events(after: string | null): AsyncIterable<SourcePage<CanonicalEvent>>;
  /** Devices and push tokens (for the device dataset only). */
  devices(after: string | null): AsyncIterable<SourcePage<CanonicalDevice>>;
  promotions(): Promise<SourcePromotion[]>;
  /** Source tags on contacts (Xtremepush: timestamped hits, many per contact), page by page. */
  tagHits(after: string | null): AsyncIterable<SourcePage<CanonicalTagHit>>;
  /**
   * Id → human-readable label of every record of `model` (e.g. location "loc_7" → "Croke Park
   * (Dublin)"), so attribute values that reference those records migrate readable (`resolve:`
   * in the map). A model the source does not offer is a ConfigError naming those it does.
   */
  referenceTable(model: string): Promise<Map<string, string>>;
  /** The models `referenceTable` can read (what a map's `resolve:` may name). */
  readonly referenceModels: readonly string[];
  /**
   * Sources without a contact listing (Netmera: users are reached through segments) read
   * contacts by key: the pipeline freezes the chosen segments' membership, unions it by key
   * and asks for a page of keys at a time (N+1 calls under the source's own pacing). Keys the
   * source no longer knows are left out of the answer, never an error. Offered when the
   * manifest declares `contactsByKey`.
   */
  contactsByKey?(keys: string[]): Promise<CanonicalContact[]>;
  /**
   * How many contacts the source holds in all, and where that figure comes from (a ready-made
   * "all users" segment, an export file), for the coverage check: the frozen union of the
   * chosen segments is compared with it before anything moves. Null when the source cannot
   * say. Offered when the manifest declares `population`.
   */
  population?(): Promise<{ count: number; basis: string } | null>;
  /**
   * Contacts the source changed at or after `since` (its own update time), page by page from a
   * checkpoint, for a cutover delta. Offered when the manifest declares `contactsChangedSince`;
   * a source without it is read whole and unchanged records cost nothing (payload hashes).
   */
  contactsChangedSince?(since: Date, after: string | null): AsyncIterable<SourcePage<CanonicalContact>>;
  /**
   * Every contact's source key, and nothing else, page by page: what a delta compares with the
   * journal to find contacts deleted in the source. Offered when the manifest declares `contactKeys`.
   */
  contactKeys?(after: string | null): AsyncIterable<SourcePage<string>>;
  /** Behavioural event definitions (for discovery). Offered when the manifest declares `eventSchemas`. */
  eventSchemas?(): Promise<EventSchema[]>;
  /** Journeys (automated multi-step flows), for the rebuild inventory. Offered when the manifest declares `journeys`. */
  journeys?(): Promise<SourceJourney[]>;
  /** In-app widgets and assets, for the rebuild inventory. Offered when the manifest declares `widgets`. */
  widgets?(): Promise<SourceWidget[]>;
  close(): Promise<void>;
}

// Connector manifests (declared with defineSource / defineDestination in manifest.ts).

/** The streams a source can offer (see SourceConnector for each one's shape). */
export const SOURCE_STREAMS = [
  'contacts', 'contactsByKey', 'population', 'attributes', 'segments', 'segmentMembers', 'campaigns', 'interactions', 'events', 'devices', 'promotions', 'tagHits',
  'referenceTables', 'journeys', 'widgets', 'eventSchemas', 'contactsChangedSince', 'contactKeys',
] as const;
export type SourceStream = (typeof SOURCE_STREAMS)[number];

/** Streams every source must offer: without them there is nothing to migrate or map. */
export const REQUIRED_STREAMS: readonly SourceStream[] = ['attributes'];
/**
 * Contacts come from a listing (`contacts`), or by key from the frozen membership of segments
 * (`contactsByKey` with `segments` and `segmentMembers`): a source must offer one of the two.
 */
export const CONTACT_PATHS: ReadonlyArray<readonly SourceStream[]> = [['contacts'], ['contactsByKey', 'segments', 'segmentMembers']];

/** How one stream is read. */
export interface StreamDeclaration {
  /**
   * What the stream's checkpoint holds, in words (`profile_id of the last row`), or null when
   * the stream is read whole (a small catalogue such as segments).
   */
  cursor: string | null;
  /** True when the stream comes page by page (never as one array): anything that can be large. */
  paged: boolean;
}

/**
 * What the map proposal starts from for this source: attributes it lifts into canonical
 * fields, the lifecycle attribute and its value map, a tier attribute for deals, the campaign
 * interactions and high-value events that become tasks.
 */
export interface SourceProposalDefaults {
  /** Attributes the connector already lifts into canonical fields (never proposed twice). */
  liftedAttributes: readonly string[];
  /** An attribute holding the contact's lifecycle stage, with source value → "Stage / Status" name. */
  lifecycle: { attribute: string; values: Readonly<Record<string, string>> } | null;
  /** An attribute deals can be derived from (a loyalty tier), with amounts per value. */
  dealTier: { attribute: string; amounts: Readonly<Record<string, number>> } | null;
  /** Campaign interaction kinds proposed as tasks. */
  interactions: readonly string[];
  /** Event names proposed as high-value (each a task). */
  highValueEvents: readonly string[];
}

export interface ConnectorDeps {
  logger: Logger;
  clock?: Clock;
}

/** A source connector's declaration. */
export interface SourceManifest<C extends { type: string } = { type: string }> {
  readonly kind: 'source';
  readonly name: SourceName;
  /** The `source:` section of a config for this connector (its `type` literal is `name`). */
  readonly configSchema: z.ZodType<C>;
  /** Config keys holding credentials (boxed by `secret()`; never logged, stored or reported). */
  readonly secretFields: readonly string[];
  /** Every stream it offers; those left out are not offered and never called. */
  readonly streams: Readonly<Partial<Record<SourceStream, StreamDeclaration>>>;
  /** The models `referenceTable` can read (what a map's `resolve:` may name). */
  readonly referenceModels: readonly string[];
  readonly proposalDefaults: SourceProposalDefaults;
  /**
   * The source's objects and where each goes in the destination (the service page's object
   * map): `1:1` moves as it is, `1:many` becomes several records, `lossy` needs a mapping
   * decision or lands in a written inventory. Discovery grades a migration with it.
   */
  readonly objectMap?: ReadonlyArray<{ object: string; destination: string; fit: '1:1' | '1:many' | 'lossy' }>;
  /**
   * How contacts are read: `bulk` (pages of many per call) or `per-contact` (calls per user:
   * N+1 extraction), with the calls one contact costs.
   */
  readonly extraction?: { kind: 'bulk' | 'per-contact'; callsPerContact: number };
  /** Build the connector (no call made); `checkConnection()` on it is the connection check. */
  create(cfg: C, deps: ConnectorDeps): SourceConnector;
}

/** A destination connector's declaration. */
export interface DestinationManifest<C extends { type: string } = { type: string }, D = unknown> {
  readonly kind: 'destination';
  readonly name: string;
  readonly configSchema: z.ZodType<C>;
  readonly secretFields: readonly string[];
  /** Destination objects it can write, in dependency order. */
  readonly objects: readonly string[];
  /** Build the connector (no call made). */
  create(cfg: C, deps: ConnectorDeps & Record<string, unknown>): D;
}

