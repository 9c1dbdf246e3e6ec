/**
 * Test harness: both simulators, a config pointing at them, a proposed map whose custom
 * fields exist on the Freshsales simulator, and (optionally) the map confirmed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateXtremepushDataset } from '../../simulators/generator/index.js';
import { startXtremepushSim, type XtremepushSim } from '../../simulators/xtremepush/index.js';
import { ALTERNATE_READINGS, startFreshsalesSim, type FreshsalesSim, type FreshsalesSimOptions } from '../../simulators/freshsales/index.js';
import { silentLogger } from '../../src/core/logger.js';
import { createSource } from '../../src/connectors/registry.js';
import { runSchemaApply } from '../../src/pipeline/schema.js';
import { loadConfig, type LoadedConfig } from '../../src/pipeline/config.js';
import { confirmMap, proposeMap } from '../../src/pipeline/map-gate.js';
import { openStore } from '../../src/pipeline/migrate.js';
import { writeSimConfig } from '../../src/cli/sim-config.js';

export const APPTOKEN = 'xp-test-token-5f2a9c';

/**
 * The readings the pipeline tests run the Freshsales simulator under: the recorded ones, or
 * with `CRM_SIM_READINGS=alternate` the other reading of every uncertain point (CI runs the
 * integration suite both ways). A test's own options still win.
 */
export function simReadings(): Partial<FreshsalesSimOptions> {
  const which = process.env.CRM_SIM_READINGS ?? 'recorded';
  if (which !== 'recorded' && which !== 'alternate') throw new Error(`CRM_SIM_READINGS must be recorded or alternate, got "${which}"`);
  return which === 'alternate' ? { ...ALTERNATE_READINGS } : {};
}
export const API_KEY = 'fs-test-key-8d41b7e3';

export interface Harness {
  dir: string;
  configFile: string;
  loaded: LoadedConfig;
  xp: XtremepushSim;
  fs: FreshsalesSim;
  dataset: ReturnType<typeof generateXtremepushDataset>;
  close(): Promise<void>;
}

export async function startHarness(opts: {
  profiles: number;
  /** Serve this account (e.g. read with `datasetFromJsonl`) instead of generating `profiles` from `seed`. */
  dataset?: Harness['dataset'];
  seed?: number;
  fs?: Partial<FreshsalesSimOptions>;
  confirm?: boolean;
  createFields?: boolean;
  run?: { concurrency?: number; batchSize?: number };
  /** 'contacts' (default) strips the proposed task section so a test loads contacts only. */
  objects?: 'contacts' | 'all';
}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-it-'));
  const dataset = opts.dataset ?? generateXtremepushDataset({ profiles: opts.profiles, seed: opts.seed ?? 11 });
  const xp = await startXtremepushSim({ apptoken: APPTOKEN, dataset });
  const timeScale = opts.fs?.timeScale ?? 3600;
  const fs = await startFreshsalesSim({ ...simReadings(), apiKey: API_KEY, plan: 'growth', timeScale, seed: opts.seed ?? 11, ...opts.fs });
  const configFile = join(dir, 'config.yaml');
  writeSimConfig(configFile, { xtremepushUrl: xp.url, apptoken: APPTOKEN, freshsalesUrl: fs.url, apiKey: API_KEY, plan: opts.fs?.plan ?? 'growth', timeScale }, { workdir: 'state' });
  const loaded = loadConfig(configFile);
  if (opts.run) Object.assign(loaded.config.run, opts.run);
  const source = createSource(loaded.config.source, { logger: silentLogger() });
  try {
    await proposeMap({ source, mappingFile: loaded.mappingFile, sampleSize: 5000, force: true });
  } finally {
    await source.close();
  }
  if (opts.objects !== 'all') {
    const doc = parseDocument(readFileSync(loaded.mappingFile, 'utf8'));
    doc.deleteIn(['objects', 'task']);
    doc.deleteIn(['objects', 'deal']);
    writeFileSync(loaded.mappingFile, doc.toString());
  }
  if (opts.createFields !== false) {
    await runSchemaApply({ loaded, logger: silentLogger() });
  }
  if (opts.confirm !== false) {
    const store = openStore(loaded);
    await confirmMap({ store, mappingFile: loaded.mappingFile, by: 'test', now: new Date() });
    store.close();
  }
  return {
    dir, configFile, loaded, xp, fs, dataset,
    close: async () => {
      await Promise.all([xp.close(), fs.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What a correct migration of the dataset must end with, computed from the generator's truth. */
export function expectedContactCounts(dataset: Harness['dataset']) {
  const t = dataset.truth;
  // Too-long names are left out (names default to on_invalid: drop_field); the contact still loads.
  const quarantined = new Set<string>([...t.missingEmail, ...t.invalidEmail]);
  // Duplicate groups: every valid member but the newest is merged away.
  let merged = 0;
  for (const g of t.duplicateGroups) {
    const valid = g.profileIds.filter((id: string) => !quarantined.has(id));
    if (valid.length > 1) merged += valid.length - 1;
  }
  const source = dataset.profiles.length;
  return { source, quarantined: quarantined.size, merged, loaded: source - quarantined.size - merged };
}
