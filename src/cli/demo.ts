/**
 * `crm-migrate demo`: generate messy source data (Xtremepush by default, or Netmera), start both simulators in-process,
 * propose the map, stand in for the admin (create the custom fields on the simulator),
 * auto-confirm the map — saying so — and run the real migration, then print the summary.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startFreshsalesSim } from '../../simulators/freshsales/index.js';
import { loadConfig } from '../pipeline/config.js';
import { confirmMap, proposeMap } from '../pipeline/map-gate.js';
import { openStore, runMigrate } from '../pipeline/migrate.js';
import { runSchemaApply } from '../pipeline/schema.js';
import { createSource } from '../connectors/registry.js';
import { formatSummary } from '../reports/summary.js';
import { formatHours } from '../pipeline/plan.js';
import type { Io } from './commands.js';
import { EXIT } from './exit-codes.js';
import { seedExistingContacts } from './existing-contacts.js';
import { createProgress } from './progress.js';
import { writeSimConfig } from './sim-config.js';
import { simSource, startSourceSim } from './source-sims.js';
import { sourceLabel } from '../core/model.js';

export async function demo(o: { profiles: number; out: string; seed: number; faults?: string; timeScale?: number; data?: string; source?: string }, io: Io): Promise<number> {
  const name = simSource(o.source);
  const out = resolve(o.out);
  // A demo always starts clean: its state would point at the previous simulators' ids.
  rmSync(join(out, 'state'), { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const started = Date.now();
  const what = name === 'netmera' ? 'Netmera users' : 'Xtremepush profiles';
  io.out(o.data === undefined ? `demo: generating ${o.profiles} messy ${what} (seed ${o.seed})` : `demo: reading Xtremepush data from ${o.data} (--profiles and --seed do not apply)`);
  const src = await startSourceSim(name, { profiles: o.profiles, seed: o.seed, dir: out, ...(o.data !== undefined ? { data: o.data } : {}) });
  if (o.data !== undefined) io.out(`demo: ${src.label}, ${src.detail}`);
  // The Growth plan's windows, compressed just enough that the whole plan (contacts, deals,
  // one task per campaign interaction and high-value event) takes about a minute: the
  // pacing is real, only faster. 960 usable calls per hour on Growth; aim for ~50 s of pacing.
  const timeScale = o.timeScale ?? Math.max(3, Math.ceil(src.plannedCalls / ((960 / 3600) * 50)));
  const apiKey = 'fs-demo-key-0001';
  let fs: Awaited<ReturnType<typeof startFreshsalesSim>>;
  try {
    fs = await startFreshsalesSim({ apiKey, plan: 'growth', timeScale, seed: o.seed, ...(o.faults ? { faults: o.faults } : {}) });
  } catch (e) {
    await src.close();
    throw e;
  }
  try {
    io.out(`demo: simulators up — ${sourceLabel(name)} ${src.url} (${src.label}), Freshsales ${fs.url} (growth plan, 1 h of budget = ${formatHours(1 / timeScale)})`);
    const configFile = join(out, 'config.yaml');
    writeSimConfig(configFile, { source: src.section, sourceSecret: src.secret, freshsalesUrl: fs.url, apiKey, plan: 'growth', timeScale }, { workdir: 'state' });
    const loaded = loadConfig(configFile);

    const source = createSource(loaded.config.source, { logger: io.logger });
    try {
      const p = await proposeMap({ source, mappingFile: loaded.mappingFile, sampleSize: 5000, force: true, defaultOwner: 'avery.admin@example.com' });
      io.out(`demo: proposed ${p.fields} field mappings from ${p.sampled} sampled contacts → ${loaded.mappingFile}`);
      // Deals are opt-in; the demo opts in so every phase shows, and says so.
      const text = readFileSync(loaded.mappingFile, 'utf8');
      const optedIn = text.replace(/(\n {2}deal:[\s\S]*?\n {4}enabled: )false/, '$1true');
      if (optedIn !== text) {
        writeFileSync(loaded.mappingFile, optedIn);
        io.out('demo: opted in to engagement-derived deals (loyalty tier → deal size) in the map');
      }
      // Netmera reports campaign figures: the demo opts in to one deal per campaign too.
      const withCampaigns = readFileSync(loaded.mappingFile, 'utf8').replace(/(\n {2}campaign:[\s\S]*?\n {4}enabled: )false/, '$1true');
      if (name === 'netmera' && withCampaigns !== readFileSync(loaded.mappingFile, 'utf8')) {
        writeFileSync(loaded.mappingFile, withCampaigns);
        io.out('demo: opted in to campaign deals (one deal per campaign, its figures in deal fields) in the map');
      }
    } finally {
      await source.close();
    }
    const applied = await runSchemaApply({ loaded, logger: io.logger });
    io.out(`demo: standing in for the Freshsales admin, created ${applied.created.length} custom fields on the simulator (schema apply)`);
    const store = openStore(loaded);
    try {
      const c = await confirmMap({ store, mappingFile: loaded.mappingFile, by: 'demo (auto-confirmed)', now: new Date() });
      io.out(`demo: map AUTO-CONFIRMED (hash ${c.mapHash.slice(0, 12)}) — only the demo does this; a real migration waits for a person to run "map confirm"`);
    } finally {
      await store.close();
    }

    // A few of the source's people are in Freshsales already, so the demo shows updates too.
    const existing = seedExistingContacts(fs, src.emails, { shared: 40 }).shared;
    io.out(`demo: ${existing} of these people already exist in Freshsales (different email case): they will be updated, their old values kept as before-images`);

    const r = await runMigrate({ loaded, outDir: join(out, 'reports'), logger: io.logger, progress: createProgress(process.stdout, io.quiet), confirmLongRun: async () => true });
    io.out('');
    io.out(formatSummary(r.report, { color: process.stdout.isTTY === true, failuresFile: `${r.files.failures} and ${r.files.orphans}` }));
    io.out(`budget plan ~${r.estimate.calls} calls, spent ${r.report.apiCalls.destination}; demo took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    io.out(`reports: ${r.reportDir} (also ${join(out, 'reports', 'latest')})\n         ${r.files.html}\n         ${r.files.json}\n         ${r.files.quarantine}\n         ${r.files.failures}`);
    const inv = r.files.inventories;
    const more = [inv.journeys, inv.widgets].filter((f): f is string => f !== undefined).map((f) => `\n             ${f}`).join('');
    io.out(`inventories: ${inv.segments}\n             ${inv.campaigns}\n             ${inv.gamification}\n             ${inv.tags}${more}\n             ${inv.devices} (${inv.deviceCount} devices, owner-only permissions)`);
    return EXIT.ok;
  } finally {
    await Promise.all([src.close(), fs.close()]);
  }
}
