/**
 * A bench workdir: the Xtremepush and Freshsales simulators in this process, a config, the
 * proposed map (contacts only: tasks and deals are measured by their own counts), its custom
 * fields created and the map confirmed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateXtremepushDataset } from '../../simulators/generator/index.js';
import { startXtremepushSim } from '../../simulators/xtremepush/index.js';
import { startFreshsalesSim, type Plan } from '../../simulators/freshsales/index.js';
import { createSource } from '../connectors/registry.js';
import { runSchemaApply } from '../pipeline/schema.js';
import { loadConfig } from '../pipeline/config.js';
import { confirmMap, proposeMap } from '../pipeline/map-gate.js';
import { openStore } from '../pipeline/migrate.js';
import type { Io } from './commands.js';
import { writeSimConfig } from './sim-config.js';

/** A bench workdir: both simulators, a config, the proposed map (contacts only), its fields created and the map confirmed. */
export interface BenchWorkdir {
  dir: string;
  configFile: string;
  loaded: ReturnType<typeof loadConfig>;
  xp: Awaited<ReturnType<typeof startXtremepushSim>>;
  fs: Awaited<ReturnType<typeof startFreshsalesSim>>;
  close(): Promise<void>;
}

export async function benchWorkdir(io: Io, profiles: number, plan: Plan, timeScale: number): Promise<BenchWorkdir> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-bench-'));
  const dataset = generateXtremepushDataset({ profiles, seed: 7 });
  const apptoken = 'xp-bench-token';
  const apiKey = 'fs-bench-key';
  const xp = await startXtremepushSim({ apptoken, dataset });
  const fs = await startFreshsalesSim({ apiKey, plan, timeScale, seed: 7 });
  const close = async () => {
    await Promise.all([xp.close(), fs.close()]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const configFile = join(dir, 'config.yaml');
    writeSimConfig(configFile, { xtremepushUrl: xp.url, apptoken, freshsalesUrl: fs.url, apiKey, plan, timeScale }, { workdir: 'state' });
    const loaded = loadConfig(configFile);
    const source = createSource(loaded.config.source, { logger: io.logger });
    try {
      await proposeMap({ source, mappingFile: loaded.mappingFile, sampleSize: 5000, force: true });
    } finally {
      await source.close();
    }
    // The ratios are about the contact load: tasks (one call each) and deals are measured by their own counts.
    const doc = parseDocument(readFileSync(loaded.mappingFile, 'utf8'));
    doc.deleteIn(['objects', 'task']);
    doc.deleteIn(['objects', 'deal']);
    writeFileSync(loaded.mappingFile, doc.toString());
    await runSchemaApply({ loaded, logger: io.logger });
    const store = openStore(loaded);
    await confirmMap({ store, mappingFile: loaded.mappingFile, by: 'bench', now: new Date() });
    await store.close();
    return { dir, configFile, loaded, xp, fs, close };
  } catch (e) {
    await close();
    throw e;
  }
}
