/**
 * The connector registry: a plain map of manifests, by `type`. Adding a source means adding
 * its folder (whose index declares one manifest with `defineSource`) and one entry here.
 */
import { z } from 'zod';
import type { SourceConnector } from './source.js';
import { checkAgainstManifest, type ConnectorDeps, type SourceManifest } from './manifest.js';
import { XtremepushConfig, xtremepushSource } from './xtremepush/index.js';
import { FreshsalesConfig, freshsalesDestination } from './freshsales/index.js';
import { NetmeraConfig, netmeraSource } from './netmera/index.js';

/** Every source, by the `type` of its config section. */
export const SOURCES = { xtremepush: xtremepushSource, netmera: netmeraSource } as const;
/** Every destination, by the `type` of its config section. */
export const DESTINATIONS = { freshsales: freshsalesDestination } as const;

export const SourceConfig = z.discriminatedUnion('type', [XtremepushConfig, NetmeraConfig]);
export type SourceConfig = z.infer<typeof SourceConfig>;
export const DestinationConfig = z.discriminatedUnion('type', [FreshsalesConfig]);
export type DestinationConfig = z.infer<typeof DestinationConfig>;

/** The manifest of a configured source. */
export function sourceManifest(cfg: SourceConfig): SourceManifest<SourceConfig> {
  return SOURCES[cfg.type] as SourceManifest<SourceConfig>;
}

/** Build the source connector a config describes (no call is made). */
export function createSource(cfg: SourceConfig, deps: ConnectorDeps): SourceConnector {
  return checkAgainstManifest(sourceManifest(cfg).create(cfg, deps));
}

/** Config keys holding credentials, for every registered connector (for log redaction). */
export function secretFieldNames(): string[] {
  return [...new Set([...Object.values(SOURCES), ...Object.values(DESTINATIONS)].flatMap((m) => m.secretFields))];
}
