/** The thin commands over the pipeline: map propose/confirm, migrate, status. */
import { loadMappingSpec } from '../mapping/spec.js';
import { existsSync, mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { createInterface } from 'node:readline/promises';
import { join, resolve } from 'node:path';
import type { Logger } from '../core/logger.js';
import { createSource } from '../connectors/registry.js';
import { AiSettings, loadConfig } from '../pipeline/config.js';
import { confirmMap, knownSourceAttributes, proposeMap, mapAttributeNames, type MapProposal } from '../pipeline/map-gate.js';
import { EXPECTED_ACCURACY_BY_BAND } from '../mapping/proposer-eval.js';
import { openStore, runMigrate } from '../pipeline/migrate.js';
import { DEFAULT_SAMPLE_SEED } from '../pipeline/sample.js';
import { formatSummary } from '../reports/summary.js';
import { discoveryInventory, readInventory } from '../pipeline/schema.js';
import { createProgress } from './progress.js';
import { acquireWorkdirLock } from '../pipeline/lock.js';
import { formatStatus, readStatus } from '../pipeline/status.js';
import { EXIT } from './exit-codes.js';
import { runRollback } from '../pipeline/rollback.js';
import { freezeInstructions, runCutover } from '../pipeline/cutover.js';
import { formatRollbackSummary } from '../reports/rollback.js';
import { ObjectName } from '../core/model.js';
import { ConfigError } from '../core/errors.js';
import { organisationOf } from '../pipeline/map-history.js';
import { aiAskOptions } from '../pipeline/ai-model.js';

export interface Io {
  out: (line: string) => void;
  logger: Logger;
  quiet?: boolean;
}

export async function mapPropose(opts: { config: string; sample: number; force: boolean; owner?: string; ai?: boolean }, io: Io): Promise<number> {
  const loaded = loadConfig(opts.config);
  const source = createSource(loaded.config.source, { logger: io.logger });
  try {
    await source.checkConnection();
    const inventoryFile = join(loaded.workdir, 'discovery', 'inventory.json');
    const inventory = existsSync(inventoryFile) ? readInventory(inventoryFile) : undefined;
    // The optional model stage: the config's `ai` settings, or --ai with their defaults (a local Ollama).
    const ai = aiAskOptions(loaded.config.ai, opts.ai === true);
    // Targets confirmed for this organisation before (the proposer's history) win.
    const store = openStore(loaded);
    let r: MapProposal;
    try {
      r = await proposeMap({ source, mappingFile: loaded.mappingFile, sampleSize: opts.sample, force: opts.force, defaultOwner: opts.owner ?? null, ...(inventory ? { inventory } : {}), history: { store, organisation: organisationOf(loaded) }, ...(ai ? { ai } : {}) });
    } finally {
      await store.close();
    }
    io.out(`wrote ${r.files.mapping}: ${r.fields} field mappings proposed from ${r.sampled} sampled contacts${r.fromInventory ? ` and the discovery inventory (${inventoryFile})` : ' (run "crm-migrate discover" first for choices from every contact)'}`);
    io.out(`wrote ${r.files.proposal}: the same proposal as data (per field: target, type, confidence, evidence)`);
    for (const w of r.warnings) io.out(`warning: ${w}`);
    const aiNotes = r.aiNotes ?? [];
    aiNotes.forEach((n, i) => io.out(r.aiFailed !== undefined && i === aiNotes.length - 1 ? `warning: ${n} (check ai.baseUrl ${endpointOf(loaded.config.ai?.baseUrl)}, ai.model and ai.apiKey)` : n));
    for (const line of proposalConfidenceLines(r.evidence, r.notMapped)) io.out(line);
    io.out(`review it (evidence is in the comments), then: crm-migrate map confirm --config ${opts.config}`);
    return EXIT.ok;
  } finally {
    await source.close();
  }
}

/** Why the proposer left an attribute out, in a word or two. */
function whyNotMapped(m: MapProposal['notMapped'][number]): string {
  if (m.signals[0]?.startsWith('history:')) return 'left out of a confirmed map before';
  if (m.route === 'device_dataset') return 'device dataset';
  return m.reason.startsWith('AI (') ? 'the model says so' : 'identifier';
}

/** The model endpoint as a warning may show it: without any user name or password in the URL. */
function endpointOf(baseUrl = AiSettings.parse({}).baseUrl): string {
  const u = new URL(baseUrl);
  return `${u.origin}${u.pathname}`;
}

/** What `map propose` says about confidence: fields per band with the accuracy measured for that band, and what was left out. */
function proposalConfidenceLines(evidence: MapProposal['evidence'], notMapped: MapProposal['notMapped']): string[] {
  const lines = ['confidence (accuracy measured on the labelled set of attributes, by band):'];
  for (const band of ['high', 'medium', 'low'] as const) {
    const n = evidence.filter((e) => e.band === band).length;
    const x = EXPECTED_ACCURACY_BY_BAND[band];
    const expect = x.share === null ? 'no labelled attribute fell in this band: check each one' : `expect about ${Math.round(x.share * 100)}% right (${x.of} labelled)`;
    lines.push(`  ${band.padEnd(6)} ${String(n).padStart(3)} field(s) — ${expect}`);
  }
  if (notMapped.length > 0) lines.push(`not mapped on purpose: ${notMapped.map((m) => `${m.from} (${whyNotMapped(m)})`).join(', ')}`);
  return lines;
}

export async function mapConfirm(opts: { config: string; by?: string }, io: Io): Promise<number> {
  const loaded = loadConfig(opts.config);
  // The attributes the map reads must exist in the source before anyone signs it off.
  const source = createSource(loaded.config.source, { logger: io.logger });
  let known: Set<string>;
  try {
    await source.checkConnection();
    known = await knownSourceAttributes(source, discoveryInventory(loaded), mapAttributeNames(loadMappingSpec(loaded.mappingFile)));
  } finally {
    await source.close();
  }
  const store = openStore(loaded);
  try {
    const by = opts.by ?? process.env.CRM_MIGRATE_USER ?? userInfo().username;
    const organisation = organisationOf(loaded);
    const c = await confirmMap({ store, mappingFile: loaded.mappingFile, by, now: new Date(), known, organisation });
    io.out(`confirmed ${c.mapFile}\n  hash ${c.mapHash}\n  by ${c.confirmedBy} at ${c.confirmedAt}`);
    io.out(`its targets are remembered for ${organisation}: the next map propose offers them first (map history export carries them to another workdir)`);
    if (c.leftOut.length > 0) io.out(`left out of it, and remembered as skipped for ${organisation}: ${c.leftOut.join(', ')}`);
    io.out('any later edit to the map needs a new confirmation before migrate will write.');
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

export async function migrate(opts: { config: string; out?: string; yes?: boolean; command?: 'migrate' | 'retry'; sample?: number; seed?: string; delta?: boolean }, io: Io): Promise<number> {
  if (opts.seed !== undefined && opts.sample === undefined) throw new ConfigError('--seed sets the sample draw: use it with --sample');
  const loaded = loadConfig(opts.config);
  const outDir = resolve(opts.out ?? resolve(loaded.workdir, 'reports'));
  mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const progress = createProgress(process.stdout, io.quiet);
  const sample = opts.sample !== undefined ? { sample: { size: opts.sample, seed: opts.seed ?? DEFAULT_SAMPLE_SEED } } : {};
  const r = await runMigrate({ loaded, outDir, logger: io.logger, progress, confirmLongRun: longRunPrompt(opts.yes === true, io), command: opts.command ?? 'migrate', ...sample, ...(opts.delta ? { delta: true } : {}) });
  io.out(formatSummary(r.report, { color: process.stdout.isTTY === true, failuresFile: `${r.files.failures} and ${r.files.orphans}` }));
  io.out(`reports: ${r.reportDir} (also ${join(outDir, 'latest')})\n         ${r.files.html}\n         ${r.files.quarantine}\n         ${r.files.failures}`);
  if (r.files.conflicts) io.out(`conflicts (edited in Freshsales since a run wrote them, field by field): ${r.files.conflicts}`);
  if (r.files.sourceDeletes) io.out(`contacts deleted in the source since: ${r.files.sourceDeletes}`);
  if (r.files.sampleReview) io.out(`sample review (source → written → read back, field by field): ${r.files.sampleReview.html}\n         ${r.files.sampleReview.csv}\nkeep the sample (the full "migrate" then writes only what changed since) or undo it with "rollback --run ${r.report.runId}"`);
  if (r.stoppedEarly) {
    io.out(`run marked failed: ${r.stoppedEarly}`);
    return EXIT.errorRatio;
  }
  if (r.overErrorRatio) {
    io.out(`run marked failed: quarantined + failed records exceed ${Math.round(loaded.config.run.maxErrorRatio * 100)}% of the records processed`);
    return EXIT.errorRatio;
  }
  return EXIT.ok;
}

/**
 * `purge`: once the migration is done, remove the personal data the workdir's state holds
 * (staged records, before-images, quarantined values...), keeping ids and counts. Asks on a
 * terminal; a script must say `--yes`.
 */
export async function purge(opts: { config: string; yes?: boolean }, io: Io): Promise<number> {
  const loaded = loadConfig(opts.config);
  const question = `Remove the personal data in ${loaded.workdir}/state.db (staged records, before-images, quarantined values)? Rollback and retry will no longer be possible.`;
  if (!opts.yes) {
    if (!process.stdin.isTTY || !process.stdout.isTTY) {
      io.out(`${question}\nnot a terminal: pass --yes to purge`);
      return EXIT.config;
    }
    if (!(await ask(question))) {
      io.out('nothing purged');
      return EXIT.ok;
    }
  }
  const store = openStore(loaded);
  try {
    const lock = await acquireWorkdirLock(store, 'purge', loaded.workdir);
    try {
      const n = await store.purgePersonalData();
      io.out(`purged: ${n.staged} staged record(s), ${n.journal} before-image(s), ${n.quarantine} quarantined record(s), ${n.extras} extra(s); journal ids and counts kept`);
      io.out(`report folders under ${resolve(loaded.workdir, 'reports')} (CSV lists, devices.*) hold personal data too: delete them when they are no longer needed`);
      return EXIT.ok;
    } finally {
      await lock.release();
    }
  } finally {
    await store.close();
  }
}

/**
 * `rollback`: undo a migration run (or every run) from the journal. Deleting needs a yes: on
 * a terminal the plan is shown and the user asked; a script must pass `--yes` (a dry run
 * never asks). Exit 3 when some records could not be undone (run it again to retry them).
 */
export async function rollback(
  opts: { config: string; run?: string; all?: boolean; phase?: string; dryRun?: boolean; force?: string[]; yes?: boolean; out?: string },
  io: Io,
): Promise<number> {
  const loaded = loadConfig(opts.config);
  const phase = opts.phase === undefined ? undefined : ObjectName.safeParse(opts.phase);
  if (phase && !phase.success) throw new ConfigError(`--phase must be one of: ${ObjectName.options.join(', ')}; not "${opts.phase}"`);
  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
  if (!opts.dryRun && !opts.yes && !interactive) {
    io.out('rollback deletes and restores records in Freshsales: not a terminal, so pass --yes to go ahead (or --dry-run to see what it would do)');
    return EXIT.config;
  }
  const outDir = resolve(opts.out ?? resolve(loaded.workdir, 'reports'));
  mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const r = await runRollback({
    loaded, outDir, logger: io.logger, progress: createProgress(process.stdout, io.quiet),
    ...(opts.run ? { run: opts.run } : {}), all: opts.all === true, ...(phase?.success ? { phase: phase.data } : {}),
    dryRun: opts.dryRun === true, force: (opts.force ?? []).flatMap((f) => f.split(',')).map((f) => f.trim()).filter(Boolean),
    ...(opts.yes ? {} : { confirm: async (question: string) => ask(question) }),
  });
  io.out(formatRollbackSummary(r.report));
  io.out(`report: ${r.files.html}
        ${r.files.json}`);
  if (r.declined) io.out('nothing was changed');
  return r.withErrors ? EXIT.errorRatio : EXIT.ok;
}

/**
 * `cutover`: the freeze instruction, a yes (asked on a terminal; `--yes` for scripts), the
 * final delta, the final reconciliation, and the migration marked complete when nothing is
 * missing. Exit 3 when it is not complete.
 */
export async function cutover(opts: { config: string; out?: string; yes?: boolean }, io: Io): Promise<number> {
  const loaded = loadConfig(opts.config);
  for (const line of freezeInstructions(loaded.config.source.type)) io.out(line);
  if (!opts.yes) {
    if (process.stdin.isTTY !== true || process.stdout.isTTY !== true) {
      io.out('not a terminal: pass --yes once writes in the source are frozen');
      return EXIT.config;
    }
    if (!(await ask('Are writes in the source frozen, and may the final delta start?'))) {
      io.out('nothing was done');
      return EXIT.ok;
    }
  }
  const outDir = resolve(opts.out ?? resolve(loaded.workdir, 'reports'));
  mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const r = await runCutover({ loaded, outDir, logger: io.logger, progress: createProgress(process.stdout, io.quiet), confirmLongRun: longRunPrompt(opts.yes === true, io) });
  io.out(formatSummary(r.delta.report, { color: process.stdout.isTTY === true, failuresFile: `${r.delta.files.failures} and ${r.delta.files.orphans}` }));
  if (r.delta.files.conflicts) io.out(`conflicts (edited in Freshsales since a run wrote them): ${r.delta.files.conflicts}`);
  if (r.delta.files.sourceDeletes) io.out(`contacts deleted in the source since: ${r.delta.files.sourceDeletes}`);
  io.out('final reconciliation:');
  for (const p of r.final.phases) io.out(`  ${p.label.padEnd(17)} in the source now ${p.sourceNow ?? '—'}, migrated ${p.migrated}, in Freshsales ${p.inFreshsales}${p.missing.length > 0 ? `, MISSING ${p.migrated - p.inFreshsales}` : ''}`);
  io.out(`  ${r.final.notMigrated.count} source contact(s) not migrated (quarantined, merged or failed: see each run's lists)`);
  io.out(`report: ${r.files.html}\n        ${r.files.json}`);
  if (!r.final.complete) {
    io.out(`not complete: ${r.final.blockers.join('; ')}`);
    return EXIT.errorRatio;
  }
  io.out('migration complete: Freshsales is the system of record');
  return EXIT.ok;
}

/** A yes/no question on the terminal (default no). */
async function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

/**
 * How a long run is confirmed: `--yes` proceeds; on a terminal the user is asked; elsewhere
 * (a script, CI) the run proceeds and says so.
 */
function longRunPrompt(yes: boolean, io: Io): (question: string) => Promise<boolean> {
  return async (question) => {
    if (yes) return true;
    if (!process.stdin.isTTY || !process.stdout.isTTY) {
      io.out(`${question} — proceeding without asking: not a terminal (pass --yes to say so explicitly)`);
      return true;
    }
    return ask(question);
  };
}

export async function status(opts: { config: string; json?: boolean }, io: Io): Promise<number> {
  const loaded = loadConfig(opts.config);
  const store = openStore(loaded);
  try {
    const r = await readStatus(store, loaded.workdir);
    if (opts.json) io.out(JSON.stringify(r, null, 2));
    else for (const line of formatStatus(r)) io.out(line);
    return EXIT.ok;
  } finally {
    await store.close();
  }
}
