/**
 * crm-migrate command line. Commands are thin: they parse options, call the pipeline and
 * turn errors into one clear line and a documented exit code. Stdout carries results;
 * logs (JSON lines) go to stderr at CRM_MIGRATE_LOG_LEVEL (default warn).
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_SAMPLE_SEED, DEFAULT_SAMPLE_SIZE } from '../pipeline/sample.js';
import { currentStep } from './progress.js';
import { ConfigError, isMigrateError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { scrub } from '../core/secrets.js';
import { cutover, mapConfirm, mapPropose, migrate, purge, rollback, status, type Io } from './commands.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { registerDiscoverCommand } from './discover.js';
import { registerSchemaCommands } from './schema.js';
import { registerMapHistoryCommands } from './map-history.js';

function int(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return n;
  };
}
function positiveInt(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number of 1 or more`);
    return n;
  };
}
function positive(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
    return n;
  };
}

/** Build the program; `run` lets tests drive it in-process. */
export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command();
  program
    .name('crm-migrate')
    .description('Move customer data from Xtremepush (Netmera soon) into Freshsales: mapped, validated, verified, resumable.')
    .version(VERSION, '-V, --version', 'print the version')
    .showHelpAfterError()
    .exitOverride();

  const wrap = <O>(fn: (o: O) => Promise<number>) => async (o: O) => setExit(await fn(o));

  program
    .command('demo')
    .description('run a whole migration in-process against the simulators (map auto-confirmed, said so)')
    .option('--source <name>', 'the source to migrate from: xtremepush | netmera', 'xtremepush')
    .option('--profiles <n>', 'source users (profiles) to generate', int('--profiles'), 2000)
    .option('--out <dir>', 'folder for config, map, state and reports', 'crm-migrate-demo')
    .option('--seed <n>', 'data generator seed', int('--seed'), 42)
    .option('--faults <spec>', 'fault injection on the Freshsales simulator, e.g. 5xx=0.05,timeout=0.01,429=0.01')
    .option('--time-scale <x>', 'compress the API budget windows (an hour lasts 3600/x s)', positive('--time-scale'))
    .option('--data <file>', 'serve the Xtremepush profiles (and events, sends) of this JSONL file instead of generated ones (see README, The simulators)')
    .action(wrap(async (o: { profiles: number; out: string; seed: number; faults?: string; timeScale?: number; source?: string }) => {
      const { demo } = await import('./demo.js');
      return demo(o, io);
    }));

  program
    .command('sim')
    .description('start a source simulator (Xtremepush or Netmera) and the Freshsales simulator on 127.0.0.1 until SIGINT/SIGTERM')
    .option('--source <name>', 'the source simulator: xtremepush | netmera', 'xtremepush')
    .option('--profiles <n>', 'source users (profiles) to generate', int('--profiles'), 2000)
    .option('--seed <n>', 'data generator seed', int('--seed'), 42)
    .option('--plan <tier>', 'Freshsales plan: growth | pro | enterprise', 'growth')
    .option('--time-scale <x>', 'compress the API budget windows: an hour lasts 3600/x s (default 60: the walkthrough takes minutes; 1 = real time)', positive('--time-scale'), 60)
    .option('--faults <spec>', 'fault injection on the Freshsales simulator')
    .option('--rate-limit-headers', 'send Retry-After / X-RateLimit-* headers', false)
    .option('--readings <which>', 'recorded (what live accounts answered) | alternate (the other reading of every uncertain point)', 'recorded')
    .option('--task-status-case <case>', 'Xtremepush export task status spelling: title (Completed) | lower | upper', 'title')
    .option('--config-out <file>', 'write a ready migration config here', 'crm-migrate.yaml')
    .option('--port-base <n>', 'fixed ports: the source on n, Freshsales on n+1 (default: any free ports)', int('--port-base'))
    .option('--data <file>', 'serve the Xtremepush profiles (and events, sends) of this JSONL file instead of generated ones (see README, The simulators)')
    .option('--existing <n>', 'seed n pre-existing Freshsales contacts: half share an email with source people (in another case), the rest are unrelated', int('--existing'), 0)
    .action(wrap(async (o: { profiles: number; seed: number; plan: string; timeScale: number; faults?: string; rateLimitHeaders: boolean; configOut: string; portBase?: number; source?: string; existing: number }) => {
      const { sim } = await import('./sim.js');
      return sim(o, io);
    }));

  const map = program.command('map').description('propose and confirm the field map');
  map
    .command('propose')
    .description('sample the source and write a proposed map (with evidence) to the config\'s mapping file')
    .requiredOption('--config <file>', 'migration config file')
    .option('--sample <n>', 'contacts to sample (dropdown choices come from what the sample holds)', int('--sample'), 5000)
    .option('--force', 'replace an existing mapping file', false)
    .option('--owner <user>', 'Freshsales user (email or name) who will own migrated records')
    .option('--ai', "also ask a language model about what is left low-confidence (the config's ai settings; default a local Ollama); only masked samples are sent", false)
    .action(wrap((o: { config: string; sample: number; force: boolean; owner?: string; ai: boolean }) => mapPropose(o, io)));
  map
    .command('confirm')
    .description('record that you reviewed the map as it is now (who, when, hash)')
    .requiredOption('--config <file>', 'migration config file')
    .option('--by <name>', 'who confirms (default: $CRM_MIGRATE_USER or the OS user)')
    .action(wrap((o: { config: string; by?: string }) => mapConfirm(o, io)));
  registerMapHistoryCommands(map, io, setExit);

  program
    .command('migrate')
    .description('run (or resume) the migration; safe to re-run after any interruption')
    .requiredOption('--config <file>', 'migration config file')
    .option('--out <dir>', 'report folder; each run writes into <dir>/<run id>/ and <dir>/latest points at it (default: <workdir>/reports)')
    .option('--yes', 'start writing without asking, even when the budget plan takes more than an hour', false)
    .addOption(
      new Option('--sample [n]', `a sample run: n contacts (default ${DEFAULT_SAMPLE_SIZE}) by a seeded draw covering every segment, lifecycle value, country and data-quality flag, their children, and a sample review`)
        .preset(DEFAULT_SAMPLE_SIZE)
        .argParser(positiveInt('--sample')),
    )
    .option('--seed <s>', `with --sample: the draw's seed (same seed and source, same sample; default ${DEFAULT_SAMPLE_SEED})`)
    .option('--delta', 'a cutover delta: only what the source changed since the last finished run (repeatable); conflicts and source deletes handled per the map', false)
    .action(wrap((o: { config: string; out?: string; yes: boolean; sample?: number; seed?: string; delta: boolean }) => migrate(o, io)));

  program
    .command('retry')
    .description('re-run only the records the latest run quarantined or failed (after fixing the data or the map); a run of its own, resumable')
    .requiredOption('--config <file>', 'migration config file')
    .option('--out <dir>', 'report folder (default: <workdir>/reports)')
    .option('--yes', 'start writing without asking, even when the budget plan takes more than an hour', false)
    .action(wrap((o: { config: string; out?: string; yes: boolean }) => migrate({ ...o, command: 'retry' }, io)));

  program
    .command('cutover')
    .description('the final step: freeze writes in the source, run the final delta, check every migrated record is in Freshsales, mark the migration complete')
    .requiredOption('--config <file>', 'migration config file')
    .option('--out <dir>', 'report folder (default: <workdir>/reports)')
    .option('--yes', 'writes in the source are frozen: go ahead without asking (required when not on a terminal)', false)
    .action(wrap((o: { config: string; out?: string; yes: boolean }) => cutover(o, io)));

  program
    .command('rollback')
    .description('undo a migration run from its journal: created records deleted, updated ones restored, records edited since kept; resumable')
    .requiredOption('--config <file>', 'migration config file')
    .option('--run <id>', 'the migration run to undo (default: the newest run whose writes still stand)')
    .option('--all', 'undo every migration run of this workdir', false)
    .option('--phase <object>', 'undo one object only: contact, account, deal, campaign, task or activity (its children first)')
    .option('--dry-run', 'show what would be deleted, restored and kept, and the calls it costs; change nothing', false)
    .option('--force <ids>', 'undo these records even though they were edited since (Freshsales ids or source keys, comma-separated; "all")', (v: string, prev: string[] = []) => [...prev, v])
    .option('--out <dir>', 'report folder (default: <workdir>/reports)')
    .option('--yes', 'go ahead without asking (required when not on a terminal)', false)
    .action(wrap((o: { config: string; run?: string; all: boolean; phase?: string; dryRun: boolean; force?: string[]; out?: string; yes: boolean }) => rollback(o, io)));

  program
    .command('purge')
    .description('once the migration is done: remove staged personal data and before-images from the state (ids and counts kept)')
    .requiredOption('--config <file>', 'migration config file')
    .option('--yes', 'purge without asking (required when not on a terminal)', false)
    .action(wrap((o: { config: string; yes: boolean }) => purge(o, io)));

  program
    .command('status')
    .description('where the latest run stands (and whether a process is working on it now)')
    .requiredOption('--config <file>', 'migration config file')
    .option('--json', 'print the status as JSON (for scripts)', false)
    .action(wrap((o: { config: string; json: boolean }) => status(o, io)));

  program
    .command('review')
    .description('review, edit and confirm the map in a browser (and see data quality and runs): a local page on 127.0.0.1 behind a token, until Ctrl-C')
    .requiredOption('--config <file>', 'migration config file')
    .option('--port <n>', 'port on 127.0.0.1 (default: a free one)', int('--port'))
    .action(wrap(async (o: { config: string; port?: number }) => {
      const { review } = await import('../review/command.js');
      return review(o, io);
    }));

  registerDiscoverCommand(program, io, setExit);
  registerSchemaCommands(program, io, setExit);

  program
    .command('bench')
    .description('measure throughput, quota use and memory against the simulators (prints ratios)')
    .option('--profiles <n>', 'profiles for the throughput run', int('--profiles'), 20000)
    .option('--large <n>', 'profiles for the memory comparison', int('--large'), 200000)
    .option('--skip-memory', 'skip the large memory run', false)
    .option('--netmera-users <n>', 'Netmera users for the extraction runs', int('--netmera-users'), 2000)
    .option('--netmera-large <n>', 'Netmera users for the memory comparison', int('--netmera-large'), 20000)
    .action(wrap(async (o: { profiles: number; large: number; skipMemory: boolean; netmeraUsers: number; netmeraLarge: number }) => {
      const { bench } = await import('./bench.js');
      return bench(o, io);
    }));
  program
    .command('bench-probe <section>', { hidden: true })
    .action(wrap(async (section: string) => {
      const { benchProbe } = await import('./bench-netmera.js');
      return benchProbe(section, io);
    }));

  return program;
}

/** The package version, read once from package.json beside src/. */
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * Ctrl-C: everything committed is in the state store, so say where the run stands and how to
 * resume, then exit 130 at once (a second Ctrl-C is not needed).
 */
function onInterrupt(argv: string[]): void {
  const configAt = argv.indexOf('--config');
  const config = configAt >= 0 ? argv[configAt + 1] : undefined;
  process.once('SIGINT', () => {
    const step = currentStep();
    process.stderr.write(
      `\ncrm-migrate: interrupted${step ? ` during "${step}"` : ''}. Everything finished so far is saved in the workdir's state.db; ` +
        `run the same command again to resume${config ? ` (crm-migrate status --config ${config} shows where it stands)` : ''}.\n`,
    );
    process.exit(EXIT.interrupted);
  });
}

/** Entry point used by bin/crm-migrate.mjs. */
export async function main(argv: string[]): Promise<number> {
  // `crm-migrate status | head`: a closed pipe ends the output quietly, not with a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(EXIT.ok);
    throw e;
  });
  onInterrupt(argv);
  // A person at a terminal reads plain lines; anything else (a file, a tool) gets JSON.
  const format = process.env.CRM_MIGRATE_LOG_FORMAT === 'json' || process.env.CRM_MIGRATE_LOG_FORMAT === 'text' ? process.env.CRM_MIGRATE_LOG_FORMAT : process.stderr.isTTY ? 'text' : 'json';
  const logger = createLogger({ level: process.env.CRM_MIGRATE_LOG_LEVEL ?? 'warn', format });
  const io: Io = { out: (l) => process.stdout.write(`${l}\n`), logger };
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => (code = c));
  // Last line of defence: never echo a credential that sits in the environment.
  const secrets = Object.entries(process.env).filter(([k, v]) => /KEY|TOKEN|SECRET|PASSWORD/i.test(k) && v && v.length >= 8).map(([, v]) => v as string);
  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (e && typeof e === 'object' && 'exitCode' in e && (e as { code?: string }).code?.startsWith('commander.')) {
      const c = (e as { exitCode: number; code: string }).code;
      return c === 'commander.helpDisplayed' || c === 'commander.version' || c === 'commander.help' ? EXIT.ok : EXIT.config;
    }
    const msg = isMigrateError(e) ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e);
    const prefix = e instanceof ConfigError ? 'error' : isMigrateError(e) ? `error (${e.code})` : 'unexpected error';
    process.stderr.write(`crm-migrate: ${prefix}: ${scrub(msg, secrets)}\n`);
    const exit = exitCodeFor(e);
    if (exit === EXIT.transient) process.stderr.write('crm-migrate: progress is saved; run the same command again to resume.\n');
    return exit;
  }
}
