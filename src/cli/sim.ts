/** `crm-migrate sim`: both simulators on 127.0.0.1 until SIGINT/SIGTERM, plus a ready config. */
import { resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DatasetFileError, datasetFromJsonl, generateXtremepushDataset, type XtremepushDataset } from '../../simulators/generator/index.js';
import { startXtremepushSim } from '../../simulators/xtremepush/index.js';
import { ALTERNATE_READINGS, startFreshsalesSim, type Plan } from '../../simulators/freshsales/index.js';
import { ConfigError } from '../core/errors.js';
import type { Io } from './commands.js';
import { EXIT } from './exit-codes.js';
import { writeSimConfig } from './sim-config.js';

/**
 * The account the Xtremepush simulator serves: the JSONL file given with `--data` (see
 * README, "The simulators"), or `profiles` generated from `seed`. A file that cannot be read
 * is a ConfigError naming the file and the line.
 */
export function simDataset(o: { profiles: number; seed: number; data?: string }): { dataset: XtremepushDataset; label: string } {
  if (o.data === undefined) return { dataset: generateXtremepushDataset({ profiles: o.profiles, seed: o.seed }), label: `${o.profiles} profiles, seed ${o.seed}` };
  try {
    const dataset = datasetFromJsonl(resolve(o.data));
    return { dataset, label: `${dataset.profiles.length} profiles from ${o.data}` };
  } catch (e) {
    if (e instanceof DatasetFileError) throw new ConfigError(`--data: ${e.message}`, { cause: e, file: e.file, ...(e.line > 0 ? { line: e.line } : {}) });
    throw e;
  }
}

export async function sim(
  o: {
    profiles: number; seed: number; plan: string; timeScale: number; faults?: string; rateLimitHeaders: boolean; configOut: string; portBase?: number;
    readings?: string; taskStatusCase?: string; data?: string;
  },
  io: Io,
): Promise<number> {
  if (!['growth', 'pro', 'enterprise', 'free'].includes(o.plan)) throw new ConfigError(`--plan must be growth, pro or enterprise (got "${o.plan}")`);
  const readings = o.readings ?? 'recorded';
  if (readings !== 'recorded' && readings !== 'alternate') throw new ConfigError(`--readings must be recorded or alternate (got "${readings}")`);
  const taskStatusCase = o.taskStatusCase ?? 'title';
  if (taskStatusCase !== 'title' && taskStatusCase !== 'lower' && taskStatusCase !== 'upper') throw new ConfigError(`--task-status-case must be title, lower or upper (got "${taskStatusCase}")`);
  const apptoken = `xp-sim-${randomBytes(6).toString('hex')}`;
  const apiKey = `fs-sim-${randomBytes(8).toString('hex')}`;
  const { dataset, label } = simDataset(o);
  const xp = await startXtremepushSim({ apptoken, dataset, taskStatusCase, ...(o.portBase ? { port: o.portBase } : {}) });
  const fs = await startFreshsalesSim({
    ...(readings === 'alternate' ? ALTERNATE_READINGS : {}),
    apiKey, plan: o.plan as Plan, timeScale: o.timeScale, rateLimitHeaders: o.rateLimitHeaders, seed: o.seed,
    ...(o.faults ? { faults: o.faults } : {}), ...(o.portBase ? { port: o.portBase + 1 } : {}),
  });
  const file = resolve(o.configOut);
  writeSimConfig(file, { xtremepushUrl: xp.url, apptoken, freshsalesUrl: fs.url, apiKey, plan: o.plan, timeScale: o.timeScale });
  io.out(`Xtremepush simulator: ${xp.url} (${label})`);
  io.out(`Freshsales simulator: ${fs.url} (plan ${o.plan}, time scale ${o.timeScale}, ${readings} readings${o.faults ? `, faults ${o.faults}` : ''})`);
  io.out(`config written to ${file}`);
  io.out(
    o.timeScale === 1
      ? 'time scale 1: the API budget windows are real hours and minutes (a migration of these profiles takes hours of budget)'
      : `time scale ${o.timeScale}: an hour of API budget lasts ${Math.round(3600 / o.timeScale)} s, a minute ${Math.round((60 / o.timeScale) * 1000)} ms — the walkthrough takes minutes, not hours`,
  );
  io.out(`next: crm-migrate discover --config ${o.configOut}; map propose; schema plan; schema apply (the simulator's stand-in for the admin UI); schema check; map confirm; migrate`);
  io.out('Ctrl-C stops the simulators.');
  await new Promise<void>((resolveStop) => {
    const stop = () => resolveStop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await Promise.all([xp.close(), fs.close()]);
  io.out('simulators stopped');
  return EXIT.ok;
}
