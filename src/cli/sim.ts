/** `crm-migrate sim`: a source simulator (Xtremepush or Netmera) and Freshsales on 127.0.0.1 until SIGINT/SIGTERM, plus a ready config. */
import { dirname, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ALTERNATE_READINGS, startFreshsalesSim, type Plan } from '../../simulators/freshsales/index.js';
import { ConfigError } from '../core/errors.js';
import type { Io } from './commands.js';
import { EXIT } from './exit-codes.js';
import { seedExistingContacts } from './existing-contacts.js';
import { writeSimConfig } from './sim-config.js';
import { simSource, startSourceSim } from './source-sims.js';
import { sourceLabel } from '../core/model.js';

export async function sim(
  o: {
    profiles: number; seed: number; plan: string; timeScale: number; faults?: string; rateLimitHeaders: boolean; configOut: string; portBase?: number;
    readings?: string; taskStatusCase?: string; data?: string; source?: string; existing?: number;
  },
  io: Io,
): Promise<number> {
  if (!['growth', 'pro', 'enterprise', 'free'].includes(o.plan)) throw new ConfigError(`--plan must be growth, pro or enterprise (got "${o.plan}")`);
  const readings = o.readings ?? 'recorded';
  if (readings !== 'recorded' && readings !== 'alternate') throw new ConfigError(`--readings must be recorded or alternate (got "${readings}")`);
  const taskStatusCase = o.taskStatusCase ?? 'title';
  if (taskStatusCase !== 'title' && taskStatusCase !== 'lower' && taskStatusCase !== 'upper') throw new ConfigError(`--task-status-case must be title, lower or upper (got "${taskStatusCase}")`);
  const name = simSource(o.source);
  const apiKey = `fs-sim-${randomBytes(8).toString('hex')}`;
  const file = resolve(o.configOut);
  const src = await startSourceSim(name, {
    profiles: o.profiles, seed: o.seed, dir: dirname(file), taskStatusCase, ...(o.data !== undefined ? { data: o.data } : {}), ...(o.portBase ? { port: o.portBase } : {}),
  });
  const fs = await startFreshsalesSim({
    ...(readings === 'alternate' ? ALTERNATE_READINGS : {}),
    apiKey, plan: o.plan as Plan, timeScale: o.timeScale, rateLimitHeaders: o.rateLimitHeaders, seed: o.seed,
    ...(o.faults ? { faults: o.faults } : {}), ...(o.portBase ? { port: o.portBase + 1 } : {}),
  });
  // Half share an email with the source's people (fewer when it has fewer), the rest are unrelated.
  const seeded = o.existing ? seedExistingContacts(fs, src.emails, { shared: Math.ceil(o.existing / 2), total: o.existing, seed: o.seed }) : undefined;
  writeSimConfig(file, { source: src.section, sourceSecret: src.secret, freshsalesUrl: fs.url, apiKey, plan: o.plan, timeScale: o.timeScale });
  io.out(`${sourceLabel(name)} simulator: ${src.url} (${src.label})`);
  io.out(`Freshsales simulator: ${fs.url} (plan ${o.plan}, time scale ${o.timeScale}, ${readings} readings${o.faults ? `, faults ${o.faults}` : ''})`);
  if (seeded) {
    io.out(
      `Freshsales: ${seeded.shared + seeded.unrelated} pre-existing contacts seeded — ${seeded.shared} share an email with ${sourceLabel(name)} people ` +
        `(upper-cased: a migration updates them, keeping before-images), ${seeded.unrelated} unrelated people`,
    );
  }
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
  await Promise.all([src.close(), fs.close()]);
  io.out('simulators stopped');
  return EXIT.ok;
}
