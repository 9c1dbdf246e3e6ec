/**
 * `crm-migrate discover --config FILE [--out DIR]`: a thin command over pipeline/discover.ts.
 * Reads every source contact (and the other source objects it offers), the Freshsales field
 * catalogue when reachable, and writes inventory.json/.md and data-quality.csv/.md.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../pipeline/config.js';
import type { Io } from './commands.js';
import { EXIT } from './exit-codes.js';
import { createProgress } from './progress.js';

/** Register `discover` on the program. */
export function registerDiscoverCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('discover')
    .description('inventory every source attribute and tag, count objects, flag EU personal data, and write the data quality report')
    .requiredOption('--config <file>', 'migration config file')
    .option('--out <dir>', 'folder for inventory.json/.md and data-quality.csv/.md (default: <workdir>/discovery)')
    .option('--no-destination', 'do not read the Freshsales account (custom fields used, API budget)')
    .action(async (o: { config: string; out?: string; destination: boolean }) => setExit(await discover(o, io)));
}

/** `discover`. */
export async function discover(opts: { config: string; out?: string; destination?: boolean }, io: Io): Promise<number> {
  const [{ runDiscover }, { createSource }, { createFreshsales }, { loadMappingSpec }, { DISCOVERY_DIR }] = await Promise.all([
    import('../pipeline/discover.js'),
    import('../connectors/registry.js'),
    import('../connectors/freshsales/index.js'),
    import('../mapping/spec.js'),
    import('../pipeline/schema.js'),
  ]);
  const loaded = loadConfig(opts.config);
  const outDir = resolve(opts.out ?? resolve(loaded.workdir, DISCOVERY_DIR));
  let map;
  if (existsSync(loaded.mappingFile)) {
    try {
      map = loadMappingSpec(loaded.mappingFile).objects.contact;
    } catch (e) {
      io.out(`note: ${loaded.mappingFile} does not validate, so values are not checked against it (${(e as Error).message.split('\n')[0]})`);
    }
  }
  const source = createSource(loaded.config.source, { logger: io.logger });
  const dest = opts.destination === false ? undefined : createFreshsales(loaded.config.destination, { logger: io.logger });
  try {
    await source.checkConnection();
    const r = await runDiscover({
      source,
      outDir,
      ...(map ? { map } : {}),
      ...(dest ? { destination: { reader: dest.client, plan: loaded.config.destination.plan, budgetShare: loaded.config.destination.budgetShare } } : {}),
      progress: createProgress(process.stdout, io.quiet),
      logger: io.logger,
    });
    const c = r.counts;
    const q = r.quality;
    io.out(`${c.users} contacts, ${c.attributes} attributes${c.tags !== null ? `, ${c.tags} tags` : ''}${c.segments !== null ? `, ${c.segments} segments` : ''}${c.campaigns !== null ? `, ${c.campaigns} campaigns` : ''}${c.pushTokens !== null ? `, ${c.pushTokens} push tokens` : ''}${c.journeys != null ? `, ${c.journeys} journeys` : ''}${c.widgets != null ? `, ${c.widgets} widgets` : ''}`);
    io.out(`data quality: ${q.bySeverity.error} contact(s) will not load as they are, ${q.bySeverity.warning} load with less or merge, ${q.duplicateGroups.length} shared email(s)`);
    if (r.inventory.personalData.euContacts > 0) io.out(`GDPR: ${r.inventory.personalData.euContacts} contact(s) are EU/EEA personal data`);
    if ((r.inventory.personalData.trContacts ?? 0) > 0) io.out(`KVKK: ${r.inventory.personalData.trContacts} contact(s) are in Türkiye (explicit consent for the transfer; IYS consent for commercial messages)`);
    if (r.assessment) {
      io.out(`assessment: ${r.assessment.grade} migration. ${r.assessment.compatibility}`);
      io.out(`timeline: ${r.assessment.timeline.text}`);
    }
    for (const n of r.notes) io.out(`note: ${n}`);
    io.out(`wrote ${r.files.inventoryMd}\n      ${r.files.inventoryJson}\n      ${r.files.qualityMd}\n      ${r.files.qualityCsv}`);
    return EXIT.ok;
  } finally {
    await Promise.allSettled([source.close(), dest?.http.close()]);
  }
}
