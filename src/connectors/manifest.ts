/**
 * Connector manifests. Each connector folder's index declares exactly one: its name, config
 * schema (secret fields marked), connection check, the streams it offers (optional ones
 * declared, never found by probing for methods), each stream's cursor, its reference models
 * and the defaults the map proposal starts from. The registry is a plain map of manifests.
 */
import type { z } from 'zod';
import { CONTACT_PATHS, REQUIRED_STREAMS, type DestinationManifest, type SourceConnector, type SourceManifest, type SourceStream } from './source.js';

export { SOURCE_STREAMS, REQUIRED_STREAMS, CONTACT_PATHS } from './source.js';
export type { ConnectorDeps, DestinationManifest, SourceManifest, SourceProposalDefaults, SourceStream, StreamDeclaration } from './source.js';

/**
 * Declare a source. Checks the declaration itself (required streams present, secret fields
 * named in the schema) so a connector with a broken manifest fails at load, not mid-run.
 */
export function defineSource<C extends { type: string }>(m: Omit<SourceManifest<C>, 'kind'>): SourceManifest<C> {
  for (const s of REQUIRED_STREAMS) if (!m.streams[s]) throw new Error(`source manifest ${m.name}: the ${s} stream is required`);
  if (!CONTACT_PATHS.some((path) => path.every((s) => m.streams[s]))) {
    throw new Error(`source manifest ${m.name}: contacts must be reachable, by a contacts listing or by contactsByKey over segments and segmentMembers`);
  }
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

/**
 * A built connector checked against its manifest: a stream declared with an optional method
 * (`contactsByKey`, `population`) that the connector lacks is a defect, said at build time.
 */
export function checkAgainstManifest(source: SourceConnector): SourceConnector {
  const optional = {
    contactsByKey: source.contactsByKey, population: source.population, journeys: source.journeys, widgets: source.widgets, eventSchemas: source.eventSchemas,
    contactsChangedSince: source.contactsChangedSince, contactKeys: source.contactKeys,
  } as const;
  for (const [stream, fn] of Object.entries(optional)) {
    if (source.manifest.streams[stream as SourceStream] && typeof fn !== 'function') throw new Error(`source ${source.name} declares ${stream} but its connector does not implement it`);
  }
  return source;
}

/** Whether a built source offers a stream, by its manifest (never by probing its methods). */
export function offers(source: Pick<SourceConnector, 'manifest'>, stream: SourceStream): boolean {
  return source.manifest.streams[stream] !== undefined;
}
