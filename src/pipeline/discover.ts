/**
 * Discovery: one pass over every source contact (and, where the source offers them, tag
 * hits, segments, campaigns, promotions and devices) through the attribute inventory and
 * the data quality analyser, then the documents: `inventory.json`, `inventory.md`,
 * `data-quality.csv`, `data-quality.md`.
 *
 * Only the contact stream is required. The other streams are optional (a source may not
 * offer them, or an export may be switched off): each failure becomes a note in the
 * inventory, never a failed discovery. Reading the destination (custom fields already used,
 * the plan's API budget) is optional too. So are the reference tables a map's `resolve`
 * fields need: with them the quality report judges resolved values (an id naming no record
 * is a warning); without them those fields are left unchecked, never flagged as errors.
 */
import { sourceLabel } from '../core/model.js';
import type { Logger } from '../core/logger.js';
import type { SourceConnector } from '../connectors/source.js';
import { offers, type SourceStream } from '../connectors/manifest.js';
import { describeCoverage, sourceContacts, type Coverage } from './source-contacts.js';
import type { Entity, FsField, PlanTier } from '../connectors/freshsales/index.js';
import { createInventory, type AttributeInventory } from '../mapping/inventory.js';
import { FLAG_TITLES, RECOMMENDATIONS, createQualityAnalyser, type QualityResult } from '../mapping/quality.js';
import { CUSTOM_FIELD_LIMITS, LIMIT_TYPES, LIMIT_TYPE_LABELS, limitTypeOf, type LimitType } from '../mapping/schema-plan.js';
import { CUSTOM_FIELD_TYPES, referenceModels, type ContactMap, type CustomFieldType } from '../mapping/spec.js';
import { writeDataQualityReport } from '../reports/data-quality.js';
import { writeInventoryReport, type DestinationView, type DiscoveryCounts } from '../reports/inventory-report.js';
import { callsPerHour, estimateContactCalls, formatHours, hoursFor } from './plan.js';
import { assessMigration, type Assessment } from './assessment.js';
import { silentProgress, type Progress } from './progress.js';

/** Options of {@link runDiscover}. */
export interface DiscoverOptions {
  source: SourceConnector;
  outDir: string;
  /** The confirmed or proposed map: the quality report then lists what it would reject. */
  map?: ContactMap;
  /** The destination, to report custom fields already used and the contact load's API budget. */
  destination?: { reader: { fields(entity: Entity): Promise<FsField[]> }; plan: PlanTier; budgetShare?: number };
  /** Epoch ms now (reports and transforms never read the clock themselves). */
  now?: () => number;
  progress?: Progress;
  logger?: Logger;
}

/** What discovery found, and where it wrote it. */
export interface DiscoverResult {
  inventory: AttributeInventory;
  quality: QualityResult;
  counts: DiscoveryCounts;
  notes: string[];
  /** Compatibility, complexity grade and timeline (when the source declares its object map). */
  assessment: Assessment | null;
  files: { inventoryJson: string; inventoryMd: string; qualityCsv: string; qualityMd: string };
}

/** Stream the source through the inventory and the quality analyser, then write the four files. */
export async function runDiscover(opts: DiscoverOptions): Promise<DiscoverResult> {
  const { source } = opts;
  const progress = opts.progress ?? silentProgress;
  const now = opts.now ?? Date.now;
  const notes: string[] = [];
  const optional = async <T>(what: string, fn: () => Promise<T>): Promise<T | null> => {
    try {
      return await fn();
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      notes.push(`${what} not available: ${msg}`);
      opts.logger?.warn({ what, err: msg }, 'discovery: optional source data not available');
      return null;
    }
  };
  // What the source offers is what its manifest declares.
  const has = (stream: SourceStream) => offers(source, stream);

  const definitions = (await optional('attribute definitions', () => source.attributes())) ?? [];
  const inventory = createInventory({ definitions });
  // The records the map's `resolve` fields name (one list call per model): ids become labels before judging.
  const references = new Map<string, Map<string, string>>();
  if (opts.map && has('referenceTables')) {
    for (const model of referenceModels(opts.map)) {
      const table = await optional(`${model} records (for resolve: ${model})`, () => source.referenceTable(model));
      if (table) references.set(model, table);
    }
  }
  const quality = createQualityAnalyser({ ...(opts.map ? { map: opts.map } : {}), now: now(), references });

  progress.start('discover contacts', null);
  // A malformed source row is one flagged record, never the end of discovery for everyone else.
  let malformedRows = 0;
  let coverage: Coverage | null = null;
  for await (const records of sourceContacts(source, { onCoverage: (c) => void (coverage = c) })) {
    for (const c of records) {
      if (c.sourceProblems !== undefined && c.sourceProblems.length > 0) malformedRows++;
      inventory.add(c);
      quality.add(c);
    }
    progress.advance(records.length);
  }
  progress.end();
  // A source reached through segments: how much of its population the segments hold.
  if (coverage) notes.push(describeCoverage(coverage));

  let tagsAvailable = false;
  if (has('tagHits')) {
    const done = await optional('tag hits', async () => {
      progress.start('discover tags', null);
      for await (const page of source.tagHits(null)) {
        for (const h of page.records) inventory.addTagHit(h.tag, h.contactKey);
        progress.advance(page.records.length);
        if (page.last) break;
      }
      progress.end();
      return true;
    });
    tagsAvailable = done === true;
  } else notes.push('tag hits not offered by this source connector');

  const segments = has('segments') ? await optional('segments', () => source.segments()) : null;
  const campaigns = has('campaigns') ? await optional('campaigns', () => source.campaigns()) : null;
  const promotions = has('promotions') ? await optional('promotions', () => source.promotions()) : null;
  let devices: { devices: number; tokens: number } | null = null;
  if (has('devices')) {
    devices = await optional('devices', async () => {
      let n = 0;
      let tokens = 0;
      for await (const page of source.devices(null)) {
        n += page.records.length;
        for (const d of page.records) if (d.token !== null && d.token !== '') tokens++;
        if (page.last) break;
      }
      return { devices: n, tokens };
    });
  }
  for (const [what, v] of [['segments', segments], ['campaigns', campaigns], ['promotions', promotions], ['devices', devices]] as const) {
    if (v === null && !notes.some((n) => n.startsWith(what))) notes.push(`${what} not offered by this source connector`);
  }

  const eventSchemas = has('eventSchemas') ? await optional('event definitions', () => source.eventSchemas!()) : undefined;
  const inv = inventory.result();
  const q = quality.result();
  if (malformedRows > 0) notes.push(`${malformedRows} source row(s) did not have the shape the API promises: each is flagged in data-quality.csv (malformed source row) and read as far as it could be`);
  const counts: DiscoveryCounts = {
    users: inv.contacts,
    attributes: inv.attributes.filter((a) => a.origin === 'attribute').length,
    tags: tagsAvailable ? inv.tags.length : null,
    segments: segments?.length ?? null,
    campaigns: campaigns?.length ?? null,
    promotions: promotions?.length ?? null,
    devices: devices?.devices ?? null,
    pushTokens: devices?.tokens ?? null,
    ...(has('journeys') ? { journeys: (await optional('journeys', () => source.journeys!()))?.length ?? null } : {}),
    ...(has('widgets') ? { widgets: (await optional('widgets', () => source.widgets!()))?.length ?? null } : {}),
    ...(eventSchemas !== undefined ? { eventSchemas: eventSchemas?.length ?? null } : {}),
  };

  let destination: DestinationView | undefined;
  if (opts.destination) {
    const d = opts.destination;
    const catalogue = await optional('Freshsales contact fields', () => d.reader.fields('contacts'));
    const ready = Math.max(0, inv.contacts - q.bySeverity.error);
    const est = estimateContactCalls({ ready, batchSize: 100, matchCalls: Math.ceil(ready / 100) });
    destination = {
      plan: d.plan,
      contactLoad: { calls: est.calls, duration: formatHours(hoursFor(est.calls, d.plan, d.budgetShare ?? 1)) },
      ...(catalogue ? { customFields: customFieldUsage(catalogue, d.plan) } : {}),
    };
  }
  // The grade the service pages state: compatibility, complexity, timeline on both sides' budgets.
  const { objectMap, extraction } = source.manifest;
  const assessment = objectMap && extraction
    ? assessMigration({
        objectMap, extraction, contacts: inv.contacts, errorContacts: q.bySeverity.error,
        ...(opts.destination && destination?.contactLoad
          ? { destination: { plan: opts.destination.plan, callsPerHour: callsPerHour(opts.destination.plan, opts.destination.budgetShare ?? 1), contactLoadCalls: destination.contactLoad.calls } }
          : {}),
      })
    : null;

  const source_ = sourceLabel(source.name);
  const generatedAt = new Date(now()).toISOString();
  const invFiles = await writeInventoryReport(opts.outDir, {
    source: source_,
    generatedAt,
    inventory: inv,
    counts,
    ...(segments ? { segments: segments.map((s) => ({ name: s.name, memberCount: s.memberCount })) } : {}),
    ...(destination ? { destination } : {}),
    ...(assessment ? { assessment } : {}),
    ...(eventSchemas ? { events: eventSchemas } : {}),
    notes,
  });
  const qFiles = await writeDataQualityReport(opts.outDir, {
    source: source_,
    generatedAt,
    contacts: q.contacts,
    rows: q.rows,
    totals: q.totals,
    bySeverity: q.bySeverity,
    duplicateGroups: q.duplicateGroups.length,
    sourceIdCollisions: q.sourceIdCollisions.filter((c) => c.ambiguous).length,
    malformedRows,
    limitations: q.limitations,
    mapChecked: q.mapChecked,
    titles: FLAG_TITLES,
    recommendations: RECOMMENDATIONS,
  });
  return { inventory: inv, quality: q, counts, notes, assessment, files: { inventoryJson: invFiles.json, inventoryMd: invFiles.md, qualityCsv: qFiles.csv, qualityMd: qFiles.md } };
}

/** Custom contact fields already in the account, per limit type, against the plan. */
function customFieldUsage(catalogue: FsField[], plan: PlanTier): Array<{ type: string; used: number; limit: number }> {
  const used = Object.fromEntries(LIMIT_TYPES.map((t) => [t, 0])) as Record<LimitType, number>;
  for (const f of catalogue) {
    if (!f.name.startsWith('cf_')) continue;
    const t = (CUSTOM_FIELD_TYPES as readonly string[]).includes(f.type) ? limitTypeOf(f.type as CustomFieldType) : f.type === 'multi_select' ? 'multi_select_dropdown' : null;
    if (t !== null) used[t]++;
  }
  return LIMIT_TYPES.map((t) => ({ type: LIMIT_TYPE_LABELS[t], used: used[t], limit: CUSTOM_FIELD_LIMITS[plan][t] }));
}

