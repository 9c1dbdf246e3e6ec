import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkAgainstManifest, defineSource, offers, REQUIRED_STREAMS, SOURCE_STREAMS } from '../../src/connectors/manifest.js';
import type { SourceConnector } from '../../src/connectors/source.js';
import { DESTINATIONS, SOURCES, createSource, secretFieldNames, sourceManifest } from '../../src/connectors/registry.js';
import { XtremepushConfig } from '../../src/connectors/xtremepush/index.js';
import { silentLogger } from '../../src/core/logger.js';

const base = {
  name: 'xtremepush' as const,
  configSchema: z.object({ type: z.literal('x'), key: z.string() }),
  secretFields: ['key'],
  streams: { contacts: { cursor: 'id', paged: true }, attributes: { cursor: null, paged: false } },
  referenceModels: [],
  proposalDefaults: { liftedAttributes: [], lifecycle: null, dealTier: null, interactions: [], highValueEvents: [] },
  create: () => {
    throw new Error('not built in this test');
  },
};

describe('connector manifests', () => {
  it('a source must declare the streams every migration needs', () => {
    expect(REQUIRED_STREAMS).toEqual(['attributes']);
    expect(() => defineSource({ ...base, streams: { contacts: { cursor: 'id', paged: true } } })).toThrow(/attributes stream is required/);
    expect(defineSource(base).kind).toBe('source');
  });

  it('contacts must be reachable: by a listing, or by key over frozen segment membership', () => {
    const attributes = { cursor: null, paged: false };
    expect(() => defineSource({ ...base, streams: { attributes } })).toThrow(/contacts must be reachable/);
    expect(() => defineSource({ ...base, streams: { attributes, contactsByKey: { cursor: null, paged: true }, segments: attributes } })).toThrow(/contacts must be reachable/);
    const bySegments = defineSource({
      ...base,
      streams: { attributes, contactsByKey: { cursor: null, paged: true }, segments: attributes, segmentMembers: { cursor: null, paged: true }, population: attributes },
    });
    // A connector declaring contactsByKey and population must implement both.
    const built = { name: 'xtremepush', manifest: bySegments, contactsByKey: async () => [] } as unknown as SourceConnector;
    expect(() => checkAgainstManifest(built)).toThrow(/declares population but its connector does not implement it/);
    expect(checkAgainstManifest({ ...built, population: async () => null } as SourceConnector)).toBeTruthy();
  });

  it('secret fields must exist in the config schema, and reference models need the stream that reads them', () => {
    expect(() => defineSource({ ...base, secretFields: ['token'] })).toThrow(/secret field "token" is not in its config schema/);
    expect(() => defineSource({ ...base, referenceModels: ['location'] })).toThrow(/without the referenceTables stream/);
  });

  it('the registry is a map of manifests keyed by config type, each declaring its secrets', () => {
    for (const [type, m] of Object.entries(SOURCES)) expect(m.name).toBe(type);
    for (const [type, m] of Object.entries(DESTINATIONS)) expect(m.name).toBe(type);
    expect(secretFieldNames().sort()).toEqual(['apiKey', 'apptoken']);
    for (const m of Object.values(SOURCES)) for (const s of Object.keys(m.streams)) expect(SOURCE_STREAMS).toContain(s);
  });

  it('a built source carries its manifest, and what it offers is what the manifest declares', () => {
    const cfg = XtremepushConfig.parse({ type: 'xtremepush', baseUrl: 'http://127.0.0.1:9', apptoken: 'tok-123456' });
    expect(sourceManifest(cfg)).toBe(SOURCES.xtremepush);
    const source = createSource(cfg, { logger: silentLogger() });
    expect(source.manifest).toBe(SOURCES.xtremepush);
    expect(offers(source, 'tagHits')).toBe(true);
    const narrower = { manifest: defineSource(base) };
    expect(offers(narrower, 'contacts')).toBe(true);
    expect(offers(narrower, 'tagHits')).toBe(false);
    void source.close();
  });
});
