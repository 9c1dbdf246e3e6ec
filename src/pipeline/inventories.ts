/**
 * The written inventories of what does not migrate, produced at the end of a run: the
 * device / push-token dataset, segment rules, campaigns and creatives, loyalty mechanics
 * and tag usage. Source reads only (no destination calls).
 */
import { offers } from '../connectors/manifest.js';
import { join } from 'node:path';
import { z } from 'zod';
import { SourceSegment, sourceLabel } from '../core/model.js';
import { readCheckpoint } from './checkpoints.js';
import type { SourceConnector } from '../connectors/source.js';
import type { MappingSpec } from '../mapping/spec.js';
import {
  renderCampaignInventory, renderGamificationInventory, renderSegmentInventory, renderTagUsage, writeDeviceDataset, writeMarkdown, renderJourneyInventory, renderWidgetInventory } from '../reports/rebuild-inventories.js';
import type { StateStore } from '../state/store.js';

/** Attributes that carry loyalty / gamification state (loyalty-hub names included). */
const LOYALTY = /loyalty|points|tier|achievement|level\.current|quest|token|redeem/i;

export interface InventoryFiles {
  devices: string;
  /** The same devices as JSON lines, push tokens byte-exact (the machine file). */
  devicesJsonl: string;
  segments: string;
  campaigns: string;
  gamification: string;
  tags: string;
  /** Written when the source offers journeys / widgets. */
  journeys?: string;
  widgets?: string;
  deviceCount: number;
}

export async function writeInventories(input: { store: StateStore; runId: string; source: SourceConnector; spec: MappingSpec; outDir: string }): Promise<InventoryFiles> {
  const { store, runId, source, spec, outDir } = input;
  const files: InventoryFiles = {
    devices: join(outDir, 'devices.csv'),
    devicesJsonl: join(outDir, 'devices.jsonl'),
    segments: join(outDir, 'inventory-segments.md'),
    campaigns: join(outDir, 'inventory-campaigns.md'),
    gamification: join(outDir, 'inventory-gamification.md'),
    tags: join(outDir, 'inventory-tags.md'),
    deviceCount: 0,
  };
  // Devices of a profile merged into a duplicate belong to the surviving contact.
  files.deviceCount = await writeDeviceDataset(files.devices, (async function* () {
    if (!offers(source, 'devices')) return;
    for await (const page of source.devices(null)) {
      const survivors = await store.mergedInto(runId, 'contact', page.records.flatMap((d) => (d.contactKey ? [d.contactKey] : [])));
      yield page.records.map((d) => {
        const survivor = d.contactKey ? survivors.get(d.contactKey) : undefined;
        return survivor ? { ...d, contactKey: survivor, mergedFrom: d.contactKey! } : d;
      });
    }
  })(), files.devicesJsonl);

  const segments = (await readCheckpoint(store, runId, 'inventory:segments', z.array(SourceSegment))) ?? (offers(source, 'segments') ? await source.segments() : []);
  const prefix = spec.objects.contact.tags?.segment_prefix ?? '';
  const segmentCounts = new Map((await store.membershipCounts(runId, 'segment')).map((m) => [m.name, m.count]));
  await writeMarkdown(files.segments, renderSegmentInventory(segments, segmentCounts, prefix));

  const campaigns = offers(source, 'campaigns') ? await source.campaigns() : [];
  const perCampaign = new Map<string, number>();
  // Interactions migrated as tasks or as sales activities, whichever the map chose.
  for (const object of ['task', 'activity'] as const) {
    for (let after = 0; ;) {
      const rows = await store.stagedByStatus(runId, object, ['loaded'], after, 1000);
      if (rows.length === 0) break;
      for (const r of rows) {
        const rec = r.record as { type?: string; campaignId?: string };
        if (rec.type === 'interaction' && rec.campaignId) perCampaign.set(rec.campaignId, (perCampaign.get(rec.campaignId) ?? 0) + 1);
      }
      after = rows[rows.length - 1]!.seq;
    }
  }
  await writeMarkdown(files.campaigns, renderCampaignInventory(campaigns, perCampaign));

  const loyaltyFields = spec.objects.contact.fields
    .filter((f) => f.from.startsWith('attributes.') && LOYALTY.test(f.from))
    .map((f) => ({
      attribute: f.from.slice('attributes.'.length),
      target: typeof f.to === 'string' ? f.to : `${f.to.custom} (${f.to.type})`,
      observed: typeof f.to === 'object' && f.to.choices?.length ? f.to.choices.join(', ') : '',
    }));
  await writeMarkdown(files.gamification, renderGamificationInventory({ loyaltyFields, promotions: offers(source, 'promotions') ? await source.promotions() : [], sourceLabel: sourceLabel(source.name) }));
  await writeMarkdown(files.tags, renderTagUsage(await store.membershipCounts(runId, 'tag'), sourceLabel(source.name)));
  if (offers(source, 'journeys')) {
    files.journeys = join(outDir, 'inventory-journeys.md');
    await writeMarkdown(files.journeys, renderJourneyInventory(await source.journeys!(), sourceLabel(source.name)));
  }
  if (offers(source, 'widgets')) {
    files.widgets = join(outDir, 'inventory-widgets.md');
    await writeMarkdown(files.widgets, renderWidgetInventory(await source.widgets!(), sourceLabel(source.name)));
  }
  return files;
}
