/**
 * Discovery on Netmera: the event definitions (app/events, in either answer shape), journeys and
 * widgets counted, the coverage of the chosen segments, Turkish personal data (KVKK) and the
 * migration's grade, all in inventory.md.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NETMERA_SEGMENT_ID, NETMERA_TYPICAL_SELECTION, generateNetmeraDataset } from '../../simulators/generator/index.js';
import { startNetmeraSim, type NetmeraSim } from '../../simulators/netmera/index.js';
import { silentLogger } from '../../src/core/logger.js';
import { NetmeraConfig } from '../../src/connectors/netmera/index.js';
import { createSource } from '../../src/connectors/registry.js';
import { runDiscover } from '../../src/pipeline/discover.js';
import { renderCampaignInventory } from '../../src/reports/rebuild-inventories.js';

const API_KEY = 'nm-discover-key-1';
let sim: NetmeraSim | undefined;
let dir: string | undefined;
afterEach(async () => {
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  sim = dir = undefined;
});

describe.each(['split', 'list'] as const)('discover on Netmera (app/events answered as %s)', (eventsShape) => {
  it('lists every event definition with its attributes, counts journeys and widgets, and grades the migration', async () => {
    dir = mkdtempSync(join(tmpdir(), 'nm-discover-'));
    const dataset = generateNetmeraDataset({ seed: 3, users: 120 });
    sim = await startNetmeraSim({ apiKey: API_KEY, dataset, eventsShape, files: { dir: join(dir, 'files') } });
    const cfg = NetmeraConfig.parse({
      type: 'netmera', baseUrl: sim.url, apiKey: API_KEY, segments: [...NETMERA_TYPICAL_SELECTION], populationSegment: NETMERA_SEGMENT_ID.all,
      definitionsFile: join(dir, 'files', 'netmera-definitions.json'), pacing: { requestsPerSecond: 500, concurrency: 8 },
      // The generated account's campaigns run up to its own "now".
      pushHistory: { since: '2023-01-01', until: '2025-01-01' },
    });
    const source = createSource(cfg, { logger: silentLogger() });
    try {
      const schemas = await source.eventSchemas!();
      expect(schemas.map((e) => e.code).sort()).toEqual(dataset.eventDefinitions.map((e) => e.code).sort());
      for (const def of dataset.eventDefinitions) {
        const got = schemas.find((e) => e.code === def.code)!;
        expect(got.name).toBe(def.name);
        expect(got.standard).toBe(def.standard);
        expect(got.attributes.length).toBe(def.attributes.length);
      }
      // Campaigns: keys and figures from the API, titles, content and creatives from the definitions file.
      const campaigns = await source.campaigns();
      expect(campaigns.length).toBeGreaterThan(0);
      for (const c of campaigns) {
        const def = dataset.campaigns.find((x) => x.notificationKey === c.id)!;
        expect(c.name).toBe(def.title);
        expect(c.raw.creatives).toEqual(def.creatives);
        expect(c.stats?.sent).toBeGreaterThanOrEqual(0);
      }
      const inventory = renderCampaignInventory(campaigns, new Map());
      expect(inventory).toContain(`### ${campaigns[0]!.name} (id ${campaigns[0]!.id})`);
      expect(inventory).toMatch(/- creatives: \[/);
      expect(inventory).toMatch(/- reported figures: sent \d+/);
      const r = await runDiscover({ source, outDir: join(dir, 'discovery'), now: () => Date.UTC(2025, 0, 1) });
      expect(r.counts).toMatchObject({ eventSchemas: dataset.eventDefinitions.length, journeys: dataset.journeys.length, widgets: dataset.widgets.length });
      expect(r.assessment?.compatibility).toBe('4 of 8 objects need a mapping; the rest are 1:1.');
      expect(r.notes.join('\n')).toMatch(/^coverage: \d+ of \d+ users/m);
      const md = readFileSync(r.files.inventoryMd, 'utf8');
      expect(md).toContain('## Event schemas');
      const custom = dataset.eventDefinitions.find((e) => !e.standard)!;
      expect(md).toContain(`| ${custom.name} | ${custom.code} | custom |`);
      expect(md).toMatch(/\*\*Turkish personal data: \d+ contact\(s\)\*\*/);
    } finally {
      await source.close();
    }
  });
});
