/** The thin commands over the pipeline: map propose/confirm, migrate, status. */
import { existsSync, mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import type { Logger } from '../core/logger.js';
import { createSource } from '../connectors/registry.js';
import { loadConfig } from '../pipeline/config.js';
import { confirmMap, proposeMap } from '../pipeline/map-gate.js';
import { openStore, runMigrate } from '../pipeline/migrate.js';
import { formatSummary } from '../reports/summary.js';
import { readInventory } from '../pipeline/schema.js';
import { createProgress } from './progress.js';
import { EXIT } from './exit-codes.js';

export interface Io {
  out: (line: string) => void;
  logger: Logger;
  quiet?: boolean;
}

export async function mapPropose(opts: { config: string; sample: number; force: boolean; owner?: string }, io: Io): Promise<number> {
  const loaded = loadConfig(opts.config);
  const source = createSource(loaded.config.source, { logger: io.logger });
  try {
    await source.checkConnection();
    const inventoryFile = join(loaded.workdir, 'discovery', 'inventory.json');
    const inventory = existsSync(inventoryFile) ? readInventory(inventoryFile) : undefined;
    const r = await proposeMap({ source, mappingFile: loaded.mappingFile, sampleSize: opts.sample, force: opts.force, defaultOwner: opts.owner ?? null, ...(inventory ? { inventory } : {}) });
    io.out(`wrote ${loaded.mappingFile}: ${r.fields} field mappings proposed from ${r.sampled} sampled contacts${inventory ? ` and the discovery inventory (${inventoryFile})` : ' (run "crm-migrate discover" first for choices from every contact)'}`);
    io.out(`review it (evidence is in the comments), then: crm-migrate map confirm --config ${opts.config}`);
    return EXIT.ok;
  } finally {
    await source.close();
  }
}

export async function mapConfirm(opts: { config: string; by?: string }, io: Io): Promise<number> {
  const loaded = loadConfig(opts.config);
  const store = openStore(loaded);
  try {
    const by = opts.by ?? process.env.CRM_MIGRATE_USER ?? userInfo().username;
    const c = await confirmMap({ store, mappingFile: loaded.mappingFile, by, now: new Date() });
    io.out(`confirmed ${c.mapFile}\n  hash ${c.mapHash}\n  by ${c.confirmedBy} at ${c.confirmedAt}`);
    io.out('any later edit to the map needs a new confirmation before migrate will write.');
    return EXIT.ok;
  } finally {
    store.close();
  }
}

export async function migrate(opts: { config: string; out?: string }, io: Io): Promise<number> {
  const loaded = loadConfig(opts.config);
  const outDir = resolve(opts.out ?? resolve(loaded.workdir, 'reports'));
  mkdirSync(outDir, { recursive: true });
  const progress = createProgress(process.stdout, io.quiet);
  const r = await runMigrate({ loaded, outDir, logger: io.logger, progress });
  io.out(formatSummary(r.report, { color: process.stdout.isTTY === true, failuresFile: r.files.failures }));
  io.out(`reports: ${r.files.json}\n         ${r.files.html}\n         ${r.files.quarantine}`);
  if (r.overErrorRatio) {
    io.out(`run marked failed: quarantined + failed records exceed ${Math.round(loaded.config.run.maxErrorRatio * 100)}% of the source`);
    return EXIT.errorRatio;
  }
  return EXIT.ok;
}

export async function status(opts: { config: string }, io: Io): Promise<number> {
  const loaded = loadConfig(opts.config);
  const store = openStore(loaded);
  try {
    const run = await store.latestRun();
    if (!run) {
      io.out(`no runs yet in ${loaded.workdir}`);
      return EXIT.ok;
    }
    io.out(`run ${run.id}: ${run.status} (started ${run.startedAt}${run.finishedAt ? `, finished ${run.finishedAt}` : ''})`);
    for (const step of ['groups', 'extracted', 'prepared', 'matched', 'batched']) {
      const v = await store.getCheckpoint(run.id, `contact:${step}`);
      io.out(`  contact ${step.padEnd(9)} ${v ? 'yes' : 'not yet'}`);
    }
    for (const object of ['contact', 'account', 'deal', 'task'] as const) {
      const c = await store.counts(run.id, object);
      if (c.source === 0 && object !== 'contact') continue;
      const open = await store.openBatches(run.id, object);
      io.out(
        `  ${object}s: source ${c.source}, quarantined ${c.quarantined}, merged ${c.merged}, created ${c.created}, updated ${c.updated}, ` +
          `failed ${c.failed}, orphaned ${c.orphaned}, verified ${c.verified}, mismatched ${c.mismatched}` +
          (open.length ? `; batches still open: ${open.length} (next #${open[0]!.batchNo})` : ''),
      );
    }
    io.out(`  destination calls so far: ${(await store.getCheckpoint(run.id, 'api:calls')) ?? 0}`);
    return EXIT.ok;
  } finally {
    store.close();
  }
}
