/**
 * The connector registry: config schema per connector type and the factory that builds
 * it. Adding a source means adding a folder and one entry here.
 */
import { z } from 'zod';
import type { Logger } from '../core/logger.js';
import type { SourceConnector } from './source.js';
import { XTREMEPUSH_REFERENCE_MODELS, XtremepushConfig, createXtremepush, contactPages, toAttributeType } from './xtremepush/index.js';
import { FreshsalesConfig } from './freshsales/index.js';

export const SourceConfig = z.discriminatedUnion('type', [XtremepushConfig]);
export type SourceConfig = z.infer<typeof SourceConfig>;
export const DestinationConfig = z.discriminatedUnion('type', [FreshsalesConfig]);
export type DestinationConfig = z.infer<typeof DestinationConfig>;

/** Build the source connector a config describes. */
export function createSource(cfg: SourceConfig, deps: { logger: Logger }): SourceConnector {
  switch (cfg.type) {
    case 'xtremepush': {
      const { client, http, streams } = createXtremepush(cfg, deps);
      return {
        name: 'xtremepush',
        checkConnection: () => client.checkConnection(),
        attributes: async () => {
          const defs = await client.listAttributes();
          return defs.map((d) => ({ name: d.name, type: toAttributeType(d, (d as Record<string, unknown>).example) }));
        },
        contacts: (after) => contactPages(client, after, cfg.pageSize),
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
    }
  }
}
