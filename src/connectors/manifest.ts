/**
 * Connector manifests. Each connector folder's index declares exactly one: its name, config
 * schema (secret fields marked), connection check, the streams it offers (optional ones
 * declared, never found by probing for methods), each stream's cursor, its reference models
 * and the defaults the map proposal starts from. The registry is a plain map of manifests.
 */
import type { z } from 'zod';
import type { Logger } from '../core/logger.js';
import type { Clock } from '../core/clock.js';
import type { SourceName } from '../core/model.js';
import type { SourceConnector } from './source.js';

/** The streams a source can offer (see SourceConnector for each one's shape). */
export const SOURCE_STREAMS = [
  'contacts', 'attributes', 'segments', 'segmentMembers', 'campaigns', 'interactions', 'events', 'devices', 'promotions', 'tagHits', 'referenceTables',
] as const;
export type SourceStream = (typeof SOURCE_STREAMS)[number];

/** Streams every source must offer: without them there is nothing to migrate or map. */
export const REQUIRED_STREAMS: readonly SourceStream[] = ['contacts', 'attributes'];

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

/**
 * Declare a source. Checks the declaration itself (required streams present, secret fields
 * named in the schema) so a connector with a broken manifest fails at load, not mid-run.
 */
export function defineSource<C extends { type: string }>(m: Omit<SourceManifest<C>, 'kind'>): SourceManifest<C> {
  for (const s of REQUIRED_STREAMS) if (!m.streams[s]) throw new Error(`source manifest ${m.name}: the ${s} stream is required`);
  if (m.referenceModels.length > 0 && !m.streams.referenceTables) throw new Error(`source manifest ${m.name}: reference models declared without the referenceTables stream`);
  checkSecretFields(m.name, m.configSchema, m.secretFields);
  return { kind: 'source', ...m };
}

/** Declare a destination (same checks as `defineSource`). */
export function defineDestination<C extends { type: string }, D>(m: Omit<DestinationManifest<C, D>, 'kind'>): DestinationManifest<C, D> {
  checkSecretFields(m.name, m.configSchema, m.secretFields);
  return { kind: 'destination', ...m };
}

function checkSecretFields(name: string, schema: z.ZodType, fields: readonly string[]): void {
  const shape = (schema as unknown as { shape?: Record<string, unknown> }).shape;
  if (!shape) return;
  for (const f of fields) if (!Object.hasOwn(shape, f)) throw new Error(`connector manifest ${name}: secret field "${f}" is not in its config schema`);
}

/** Whether a built source offers a stream, by its manifest (never by probing its methods). */
export function offers(source: Pick<SourceConnector, 'manifest'>, stream: SourceStream): boolean {
  return source.manifest.streams[stream] !== undefined;
}
