/**
 * What the review pages read and write, over the same services and files as the CLI: the
 * mapping file (validated by the spec), proposal.json, the discovery inventory and data
 * quality list, the schema plan on the config's tier, the map gate (confirmation in the state
 * store) and the run report folders. Each call opens what it needs and closes it, so the CLI
 * can run beside the page.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { ConfigError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { createSource } from '../connectors/registry.js';
import type { AttributeStats, AttributeInventory } from '../mapping/inventory.js';
import { proposalFileFor, readProposal, type Proposal, type ProposedField } from '../mapping/proposal.js';
import { planSchema, type SchemaPlan } from '../mapping/schema-plan.js';
import { loadMappingSpec, mappingHash, targetKey, type MappingField, type MappingSpec } from '../mapping/spec.js';
import type { LoadedConfig } from '../pipeline/config.js';
import { confirmMap, knownSourceAttributes, mapAttributeNames } from '../pipeline/map-gate.js';
import { organisationOf } from '../pipeline/map-history.js';
import { openStore } from '../pipeline/migrate.js';
import { discoveryInventory, DISCOVERY_DIR } from '../pipeline/schema.js';
import { writeFileAtomic } from '../reports/atomic-write.js';
import { DATA_QUALITY_CSV } from '../reports/data-quality.js';
import { ReconciliationReport } from '../reports/reconciliation-model.js';
import type { MapConfirmation } from '../state/store.js';
import { applyMapEdit, type MapEdit } from './map-edit.js';

/** One row of the Map page: a field of the map, or a source attribute the map leaves out. */
export interface MapRow {
  /** Position in `objects.contact.fields`; absent when the map skips the attribute. */
  index?: number;
  from: string;
  field?: MappingField;
  /** What the proposer proposed for this source path (its evidence), when proposal.json has it. */
  proposed?: ProposedField;
  /** The discovery inventory's statistics for this source path (every contact counted). */
  stats?: AttributeStats;
}

/** Everything the Map and Confirm pages show. */
export interface MapView {
  mappingFile: string;
  spec: MappingSpec;
  hash: string;
  rows: MapRow[];
  plan: SchemaPlan;
  /** The confirmation of this exact map, or null. */
  confirmation: MapConfirmation | null;
  proposal: Proposal | null;
  /** Why proposal.json could not be read, when it exists but is unusable. */
  proposalProblem?: string;
  inventoryContacts: number | null;
}

/** The review pages' services over one config. */
export class ReviewServices {
  constructor(
    readonly loaded: LoadedConfig,
    private readonly logger: Logger,
  ) {}

  /** The map as it is now, every source attribute beside it, the plan and the confirmation. */
  async mapView(): Promise<MapView> {
    const file = this.loaded.mappingFile;
    const spec = loadMappingSpec(file);
    const hash = mappingHash(spec);
    const inventory = discoveryInventory(this.loaded);
    let proposal: Proposal | null = null;
    let proposalProblem: string | undefined;
    const proposalFile = proposalFileFor(file);
    if (existsSync(proposalFile)) {
      try {
        proposal = readProposal(proposalFile);
      } catch (e) {
        proposalProblem = (e as Error).message;
      }
    }
    const store = openStore(this.loaded);
    let confirmation: MapConfirmation | null;
    try {
      confirmation = await store.getConfirmation(hash);
    } finally {
      await store.close();
    }
    return {
      mappingFile: file,
      spec,
      hash,
      rows: mapRows(spec, proposal, inventory),
      plan: planSchema(spec, this.loaded.config.destination.plan, inventory),
      confirmation,
      proposal,
      ...(proposalProblem !== undefined ? { proposalProblem } : {}),
      inventoryContacts: inventory?.contacts ?? null,
    };
  }

  /** Apply one edit to the mapping file (validated first; an invalid edit throws and writes nothing). */
  async editMap(edit: MapEdit): Promise<MappingSpec> {
    const file = this.loaded.mappingFile;
    const r = applyMapEdit(readFileSync(file, 'utf8'), edit, file);
    await writeFileAtomic(file, r.text);
    return r.spec;
  }

  /** The same gate as `map confirm`: the attributes the map reads must exist in the source, then the hash is recorded. */
  async confirm(by: string, now: Date = new Date()): Promise<MapConfirmation> {
    const name = by.trim();
    if (name === '') throw new ConfigError('say who confirms the map (your name or email)');
    const source = createSource(this.loaded.config.source, { logger: this.logger });
    let known: Set<string>;
    try {
      await source.checkConnection();
      known = await knownSourceAttributes(source, discoveryInventory(this.loaded), mapAttributeNames(loadMappingSpec(this.loaded.mappingFile)));
    } finally {
      await source.close();
    }
    const store = openStore(this.loaded);
    try {
      return await confirmMap({ store, mappingFile: this.loaded.mappingFile, by: name, now, known, organisation: organisationOf(this.loaded) });
    } finally {
      await store.close();
    }
  }

  /** The data quality list `discover` wrote (null when discover has not run). */
  dataQuality(): { file: string; rows: Array<Record<string, string>> } | null {
    const file = join(this.loaded.workdir, DISCOVERY_DIR, DATA_QUALITY_CSV);
    if (!existsSync(file)) return null;
    return { file, rows: readCsv(file) };
  }

  /** Where runs write their reports (the CLI's default `--out`). */
  reportsDir(): string {
    return resolve(this.loaded.workdir, 'reports');
  }

  /** Every run with a reconciliation, newest first. */
  runs(): Array<{ id: string; report: ReconciliationReport }> {
    const dir = this.reportsDir();
    if (!existsSync(dir)) return [];
    const runs: Array<{ id: string; report: ReconciliationReport }> = [];
    for (const id of readdirSync(dir)) {
      if (id === 'latest') continue;
      const report = this.reconciliation(id);
      if (report) runs.push({ id, report });
    }
    return runs.sort((a, b) => (b.report.startedAt ?? '').localeCompare(a.report.startedAt ?? '') || b.id.localeCompare(a.id));
  }

  /** One run's report folder: the reconciliation, the metrics, and its CSV lists (null when there is no such run). */
  run(id: string): RunView | null {
    const report = this.reconciliation(id);
    if (!report) return null;
    const dir = join(this.reportsDir(), id);
    const csv = (name: string) => (existsSync(join(dir, name)) ? readCsv(join(dir, name)) : null);
    return {
      id,
      report,
      metrics: readJson(join(dir, 'run-metrics.json')) as RunMetrics | null,
      rollback: readJson(join(dir, 'rollback.json')),
      sampleReview: csv('sample-review.csv'),
      quarantine: csv('quarantine.csv'),
      failures: csv('failures.csv'),
    };
  }

  private reconciliation(id: string): ReconciliationReport | null {
    // Run ids are folder names the pipeline made; anything else never reaches the file system.
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(id)) return null;
    const dir = join(this.reportsDir(), id);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) return null;
    const r = ReconciliationReport.safeParse(readJson(join(dir, 'reconciliation.json')));
    return r.success ? r.data : null;
  }
}

/** The parts of `run-metrics.json` the Runs page draws. */
export interface RunMetrics {
  callsByPhase?: Record<string, number>;
  calls?: number;
}

/** One run as the Runs page shows it. */
export interface RunView {
  id: string;
  report: ReconciliationReport;
  metrics: RunMetrics | null;
  rollback: unknown;
  sampleReview: Array<Record<string, string>> | null;
  quarantine: Array<Record<string, string>> | null;
  failures: Array<Record<string, string>> | null;
}

/**
 * The Map page's rows: every field of the map in order, then every source path the proposal
 * or the inventory knows that no field reads (skipped), each with its evidence and statistics.
 */
export function mapRows(spec: MappingSpec, proposal: Proposal | null, inventory: AttributeInventory | undefined): MapRow[] {
  const stats = new Map((inventory?.attributes ?? []).map((a) => [a.key, a]));
  const proposed = proposal?.fields ?? [];
  const evidenceFor = (f: MappingField) =>
    proposed.find((p) => p.from === f.from && targetKey(p.target) === targetKey(f.to)) ?? proposed.find((p) => p.from === f.from);
  const rows: MapRow[] = spec.objects.contact.fields.map((field, index) => {
    const p = evidenceFor(field);
    const s = stats.get(field.from);
    return { index, from: field.from, field, ...(p ? { proposed: p } : {}), ...(s ? { stats: s } : {}) };
  });
  const mapped = new Set(spec.objects.contact.fields.map((f) => f.from));
  const packed = new Set(spec.objects.contact.packed?.from ?? []);
  const skipped = new Map<string, MapRow>();
  for (const p of proposed) if (!mapped.has(p.from) && !skipped.has(p.from)) skipped.set(p.from, { from: p.from, proposed: p });
  for (const a of inventory?.attributes ?? []) {
    if (a.origin !== 'attribute' || mapped.has(a.key) || packed.has(a.key)) continue;
    skipped.set(a.key, { ...(skipped.get(a.key) ?? { from: a.key }), stats: a });
  }
  for (const [from, row] of skipped) if (!row.stats && stats.has(from)) row.stats = stats.get(from)!;
  return [...rows, ...[...skipped.values()].sort((a, b) => a.from.localeCompare(b.from))];
}

function readCsv(file: string): Array<Record<string, string>> {
  return parseCsv(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, bom: true, relax_column_count: true }) as Array<Record<string, string>>;
}

function readJson(file: string): unknown {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch {
    return null;
  }
}
