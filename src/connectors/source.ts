/**
 * What the pipeline needs from any source connector. Each connector folder declares one
 * (see registry.ts); the pipeline never knows which vendor it reads.
 */
import type {
  AttributeDefinition, CanonicalContact, CanonicalDevice, CanonicalTagHit, CanonicalEvent, CanonicalInteraction, SourceCampaign,
  SourceName, SourcePromotion, SourceSegment,
} from '../core/model.js';
import type { SourceManifest } from './manifest.js';

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
  close(): Promise<void>;
}
