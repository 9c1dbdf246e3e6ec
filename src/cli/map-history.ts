/**
 * `crm-migrate map history export|import`: a thin command over pipeline/map-history.ts. The
 * proposer's history (targets confirmed per organisation and source) lives in one workdir's
 * state store; the file carries it to the next workdir or migration of the same customer.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../pipeline/config.js';
import { exportHistory, importHistory, organisationOf, type HistoryEntry } from '../pipeline/map-history.js';
import { openStore } from '../pipeline/migrate.js';
import type { Io } from './commands.js';
import { EXIT } from './exit-codes.js';

/** Register `history export` and `history import` under `map`. */
export function registerMapHistoryCommands(map: Command, io: Io, setExit: (code: number) => void): void {
  const history = map.command('history').description("the proposer's memory of confirmed targets (per organisation): export it to a file, import it into another workdir");
  history
    .command('export')
    .description('write the confirmed targets of this organisation and source to a JSON file (owner-only)')
    .requiredOption('--config <file>', 'migration config file')
    .requiredOption('--out <file>', 'the history file to write')
    .action(async (o: { config: string; out: string }) => setExit(await mapHistoryExport(o, io)));
  history
    .command('import')
    .description('remember the confirmed targets of a history file for this organisation (the newest confirmation per attribute wins)')
    .requiredOption('--config <file>', 'migration config file')
    .argument('<file>', 'a history file written by map history export')
    .action(async (file: string, o: { config: string }) => setExit(await mapHistoryImport({ ...o, file }, io)));
}

/** `map history export`. */
export async function mapHistoryExport(opts: { config: string; out: string }, io: Io): Promise<number> {
  const loaded = loadConfig(opts.config);
  const organisation = organisationOf(loaded);
  const store = openStore(loaded);
  try {
    const doc = await exportHistory({ store, organisation, source: loaded.config.source.type, file: resolve(opts.out), now: new Date() });
    io.out(`wrote ${resolve(opts.out)}: ${describeEntries(doc.fields)} of ${organisation} (${doc.source})`);
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

/** `map history import`. */
export async function mapHistoryImport(opts: { config: string; file: string }, io: Io): Promise<number> {
  const loaded = loadConfig(opts.config);
  const organisation = organisationOf(loaded);
  const store = openStore(loaded);
  try {
    const r = await importHistory({ store, organisation, source: loaded.config.source.type, file: resolve(opts.file) });
    const from = r.file.organisation === organisation ? '' : ` (exported from ${r.file.organisation})`;
    io.out(`imported ${describeEntries(r.file.fields)} into ${organisation}${from}; the next map propose offers them first (an attribute confirmed more recently here keeps its own)`);
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

/** "3 confirmed target(s) and 1 attribute(s) left out": what a history file holds. */
function describeEntries(fields: readonly HistoryEntry[]): string {
  const skipped = fields.filter((f) => f.skipped).length;
  return `${fields.length - skipped} confirmed target(s)${skipped > 0 ? ` and ${skipped} attribute(s) left out` : ''}`;
}
