/**
 * `migrate`: the whole run for the configured objects, resumable. Open (lock, map, checks,
 * identity, bindings, the run and its declared phases) → survey (every phase's read, stage,
 * prepare, match) → plan (the budget per phase, before any write) → execute (every phase's
 * writes in dependency order, by the phase engine) → report (reconciliation, record lists,
 * inventories, metrics). Returns the plan and the outcome as data; progress narrates.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock, type Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { createSource } from '../connectors/registry.js';
import { HOURLY_BUDGET, createFreshsales, type FreshsalesClient, type PlanTier } from '../connectors/freshsales/index.js';
import type { SourceConnector } from '../connectors/source.js';
import { createStateStore } from '../state/index.js';
import type { StateStore } from '../state/store.js';
import { writeReconciliation, type ReconciliationReport } from '../reports/reconciliation.js';
import { ConfigError } from '../core/errors.js';
import { sourceLabel, type CampaignStat, type ObjectName } from '../core/model.js';
import { planSchema } from '../mapping/schema-plan.js';
import { contentNoteOf, deltaOf, timelineOf, type CampaignMap, type MappingSpec, type TaskMap } from '../mapping/spec.js';
import { offers } from '../connectors/manifest.js';
import { createEventSummary, mergeSummaryFields } from '../mapping/event-summary.js';
import type { LoadedConfig } from './config.js';
import { InProcessExecutor } from './executor.js';
import { JOB_WAIT_LIMIT_MS } from './bulk-load.js';
import { writeRecordLists, type RecordListFiles } from './record-lists.js';
import { acquireWorkdirLock, type HeldLock } from './lock.js';
import { checkWorkdirIdentity } from './identity.js';
import { ErrorRatioExceeded, ErrorRatioGuard, errorCounts } from './error-ratio.js';
import { checkMapAttributes, knownSourceAttributes, mapAttributeNames, requireConfirmedMap } from './map-gate.js';
import { discoveryInventory } from './schema.js';
import { bindCustomFields, type CustomTarget } from './bind-fields.js';
import { resolveReferences } from './resolve-references.js';
import { loadReferenceTables, type ContactPhaseDeps } from './contacts.js';
import { callsPerHour, formatHours, hoursFor } from './plan.js';
import { writeInventories, type InventoryFiles } from './inventories.js';
import type { Progress } from './progress.js';
import { FORWARD, PhaseEngine, StepRunner } from './engine.js';
import { declarePhases, type PhaseFacts } from './phases.js';
import { DELTA_OVERLAP_MS, deltaSince, writeDeltaLists } from './delta.js';
import { readSampleSummary, recordSampleRequest, samplePhase, type SampleRequest } from './sample.js';
import { SAMPLE_REVIEW_CSV, SAMPLE_REVIEW_HTML } from '../reports/sample-review.js';

export interface MigrateOptions {
  loaded: LoadedConfig;
  /** Reports go to `<outDir>/<run id>/`, with `<outDir>/latest` pointing at the newest. */
  outDir: string;
  logger: Logger;
  progress: Progress;
  clock?: Clock;
  /**
   * Asked before writing when the budget plan takes longer than an hour; false stops the run
   * with nothing written. Absent: proceed (the CLI passes a terminal prompt, or `--yes`).
   */
  confirmLongRun?: (question: string) => Promise<boolean>;
  /**
   * `retry`: a new run over only the contacts the latest finished run quarantined or failed
   * (and whose deals failed), once the data or the map is fixed; tasks already migrated are
   * never staged again, so their children follow at no extra cost. Default `migrate`.
   */
  command?: 'migrate' | 'retry';
  /**
   * `migrate --sample N`: a run (command `sample`) over N contacts of a seeded, stratified draw
   * and their children, with a sample review in the report folder (see sample.ts).
   */
  sample?: SampleRequest;
  /**
   * `migrate --delta`: a run (command `delta`) over what the source changed since the last
   * finished run started (everything where the source cannot say; unchanged records cost
   * nothing), with source deletes found and handled per the map (see delta.ts).
   */
  delta?: boolean;
}

export interface MigrateResult {
  report: ReconciliationReport;
  resumed: boolean;
  /** Over the configured error ratio: the run is marked failed. */
  overErrorRatio: boolean;
  /** Why writing stopped before every phase ran (the error ratio), or null. */
  stoppedEarly: string | null;
  /** The folder this run's reports are in (`<outDir>/<run id>`). */
  reportDir: string;
  files: { json: string; html: string; inventories: InventoryFiles; sampleReview?: { html: string; csv: string }; conflicts?: string; sourceDeletes?: string } & RecordListFiles;
  estimate: { calls: number; hours: number };
  /** The budget plan shown before any write, per phase (objects in dependency order). */
  plan: BudgetPlan;
}

/** The budget plan: per phase calls and the lines shown, the total and the hours it takes. */
export interface BudgetPlan {
  tier: PlanTier;
  callsPerHour: number;
  phases: Array<{ object: ObjectName; calls: number; lines: string[] }>;
  calls: number;
  hours: number;
}

/** Open the state store of a config's working directory (the kind the config names). */
export function openStore(loaded: LoadedConfig): StateStore {
  return createStateStore(loaded.config.state, loaded.workdir);
}

/** Destination calls of this process and of earlier attempts of the run. */
export class CallMeter {
  live = 0;
  liveRateLimited = 0;
  private persisted = 0;
  private persistedRateLimited = 0;
  private runId: string | null = null;

  constructor(private readonly store: StateStore) {}

  async attach(runId: string): Promise<void> {
    this.runId = runId;
    this.persisted = Number((await this.store.getCheckpoint(runId, 'api:calls')) ?? 0);
    this.persistedRateLimited = Number((await this.store.getCheckpoint(runId, 'api:rate_limited')) ?? 0);
  }

  get total(): number {
    return this.persisted + this.live;
  }

  get rateLimited(): number {
    return this.persistedRateLimited + this.liveRateLimited;
  }

  async save(): Promise<void> {
    if (!this.runId) return;
    await Promise.all([this.store.setCheckpoint(this.runId, 'api:calls', String(this.total)), this.store.setCheckpoint(this.runId, 'api:rate_limited', String(this.rateLimited))]);
  }
}

/** What plan, execute and report share within one run. */
interface RunContext {
  opts: MigrateOptions;
  cfg: LoadedConfig['config'];
  store: StateStore;
  clock: Clock;
  progress: Progress;
  source: SourceConnector;
  dest: ReturnType<typeof createFreshsales>;
  meter: CallMeter;
  runner: StepRunner;
  engine: PhaseEngine;
  facts: PhaseFacts;
  ratio: ErrorRatioGuard;
  runId: string;
  startedAt: string;
  resumed: boolean;
  spec: MappingSpec;
  reportDir: string;
}

export async function runMigrate(opts: MigrateOptions): Promise<MigrateResult> {
  const { loaded, logger, progress } = opts;
  const clock = opts.clock ?? systemClock;
  const cfg = loaded.config;
  const store = openStore(loaded);
  // One run per workdir: a second migrate on the same state would write everything twice.
  let lock: HeldLock;
  try {
    lock = await acquireWorkdirLock(store, commandOf(opts), loaded.workdir, () => clock.now());
  } catch (e) {
    await store.close();
    throw e;
  }
  if (lock.tookOver) progress.note(`took over the lock of a run that stopped without releasing it (pid ${lock.tookOver.pid} on ${lock.tookOver.host}, started ${lock.tookOver.startedAt})`);
  const source = createSource(cfg.source, { logger });
  const meter = new CallMeter(store);
  const dest = openDestination(cfg.destination, { logger, clock, progress, meter });
  try {
    const ctx = await openRun({ opts, cfg, store, clock, progress, source, dest, meter, lock });
    await ctx.engine.survey();
    await ctx.meter.save();
    if (ctx.facts.priorMigration > 0 && (await ctx.store.getCheckpoint(ctx.runId, 'identity:fresh')) === 'yes') {
      progress.note(
        `this workdir is new (or its state.db was lost), yet ${ctx.facts.priorMigration} contact(s) in Freshsales already carry this source's ids: ` +
          'an earlier migration wrote them; they are matched and updated, and tasks carrying this migration\'s markers are adopted, not created again',
      );
    }
    const plan = await planRun(ctx);
    const stoppedEarly = await executeRun(ctx);
    return await reportRun(ctx, plan, stoppedEarly);
  } finally {
    await Promise.allSettled([source.close(), dest.http.close()]);
    await lock.release();
    await store.close();
  }
}

/** The destination client, counting calls and saying when an answer is slow or the plan looks wrong. */
export function openDestination(
  cfg: LoadedConfig['config']['destination'],
  d: { logger: Logger; clock: Clock; progress: Progress; meter: CallMeter },
): ReturnType<typeof createFreshsales> {
  let tierWarned = false;
  return createFreshsales(cfg, {
    logger: d.logger,
    clock: d.clock,
    // A destination that hangs is reported within seconds, not at the timeout.
    onSlow: (e) => d.progress.note(`waiting for Freshsales: ${e.method} ${e.path} has not answered for ${Math.round(e.waitedMs / 1000)} s (attempt ${e.attempt}; gives up after ${Math.round(e.timeoutMs / 1000)} s and retries)`),
    onCall: (e) => {
      d.meter.live++;
      if (e.rateLimited) d.meter.liveRateLimited++;
      // The configured plan sets the pace; an account announcing another limit is worth a word.
      if (e.rateLimitLimit !== undefined && !tierWarned && e.rateLimitLimit !== HOURLY_BUDGET[cfg.plan]) {
        tierWarned = true;
        d.progress.note(
          `warning: Freshsales announces a limit of ${e.rateLimitLimit} calls (X-RateLimit-Limit), but destination.plan is "${cfg.plan}" ` +
            `(${HOURLY_BUDGET[cfg.plan]} calls/hour): check the plan in the config — pacing follows the config`,
        );
        d.logger.warn({ observedLimit: e.rateLimitLimit, plan: cfg.plan }, 'plan tier mismatch');
      }
    },
  });
}

/**
 * Everything before the survey: the confirmed map and its attributes, connection checks, the
 * workdir's identity, names and custom fields resolved in the destination, the run opened
 * (or resumed), and the phases declared over it.
 */
async function openRun(r: {
  opts: MigrateOptions; cfg: LoadedConfig['config']; store: StateStore; clock: Clock; progress: Progress; source: SourceConnector;
  dest: ReturnType<typeof createFreshsales>; meter: CallMeter; lock: HeldLock;
}): Promise<RunContext> {
  const { opts, cfg, store, clock, progress, source, dest } = r;
  const loaded = opts.loaded;
  const { spec, hash: mapHash, confirmation } = await requireConfirmedMap(store, loaded.mappingFile);
  progress.note(`map ${mapHash.slice(0, 12)} confirmed by ${confirmation.confirmedBy} at ${confirmation.confirmedAt}`);
  await Promise.all([source.checkConnection(), dest.client.checkConnection()]);
  // A map reading an attribute the source does not have would write empty fields "verified".
  checkMapAttributes(spec, loaded.mappingFile, await knownSourceAttributes(source, discoveryInventory(loaded), mapAttributeNames(spec)));
  // The workdir belongs to one account and source; a changed config must not reuse its journal.
  const identity = await checkWorkdirIdentity(
    store,
    { destination: { baseUrl: cfg.destination.baseUrl, fingerprint: await dest.client.accountFingerprint() }, source: { type: cfg.source.type, baseUrl: cfg.source.baseUrl } },
    loaded.workdir,
  );

  const { contactMap, ownerId } = await resolveReferences(spec, dest.client);
  // Source records the map's `resolve` fields name, read before the run opens: a model the
  // source does not offer stops here (exit 2) with nothing written.
  const references = await loadReferenceTables(source, contactMap, progress);
  const catalogue = await dest.client.fields('contacts');
  const customFieldNames = bindCustomFields(contactCustomTargets(spec, cfg.destination.plan), catalogue);
  const tagsSection = contactMap.tags ?? { segments: true, segment_prefix: '', segments_as: 'tags' as const, segment_field: undefined, source_tags: 'tags' as const };
  const taskMap = spec.objects.task ?? null;
  const summaryOn = taskMap?.events.policy === 'summary' && taskMap.events.summary.length > 0;

  const command = commandOf(opts);
  const { run, resumed } = await store.openRun({ command, configHash: loaded.hash, mapHash, now: new Date(clock.now()) });
  if (command === 'retry' && !resumed) await chooseRetryRecords(store, run.id, progress);
  if (opts.sample) await recordSampleRequest(store, run.id, opts.sample);
  const since = command === 'delta' ? await deltaSince(store, run.id) : null;
  if (command === 'delta') {
    if (!since) {
      await store.finishRun(run.id, 'failed', new Date(clock.now()));
      throw new ConfigError('nothing to take a delta of: no migration run of this workdir has finished; run "migrate" first');
    }
    progress.note(
      offers(source, 'contactsChangedSince')
        ? `delta: reading the contacts changed since ${since.since.toISOString()} (${since.basis}, less ${DELTA_OVERLAP_MS / 60_000} min for clock skew)`
        : `delta: ${source.name} cannot say what changed, so every contact is read; those unchanged since the journal cost no Freshsales call`,
    );
  }
  // We hold the workdir lock, so no earlier worker of this run is alive: its batch leases go now.
  if (resumed) await store.releaseLeases(run.id);
  if (!resumed) await store.setCheckpoint(run.id, 'identity:fresh', identity.fresh ? 'yes' : 'no');
  progress.note(resumed ? `resuming run ${run.id} (started ${run.startedAt})` : `started run ${run.id}`);
  const reportDir = join(opts.outDir, run.id);
  await mkdir(reportDir, { recursive: true, mode: 0o700 });
  await r.meter.attach(run.id);

  const dealMap = spec.objects.deal?.enabled ? spec.objects.deal : null;
  const campaign = await campaignSection(spec, cfg.destination.plan, source, dest.client, progress);
  // The error ratio counts every phase the map puts in scope.
  const objects: ObjectName[] = [
    'contact', ...(dealMap && dealMap.account !== 'none' ? (['account'] as const) : []), ...(dealMap ? (['deal'] as const) : []), ...(campaign ? (['campaign'] as const) : []),
    ...(campaign && contentNoteOf(campaign.map) ? (['campaign_note'] as const) : []),
    ...(taskMap ? [timelineOf(taskMap) === 'tasks' ? ('task' as const) : ('activity' as const)] : []),
  ];
  const ratio = new ErrorRatioGuard(store, run.id, objects, cfg.run.maxErrorRatio, () => clock.now());
  const asField = tagsSection.segments && tagsSection.segments_as === 'field' && tagsSection.segment_field ? tagsSection.segment_field : null;
  // Segments into a field keep their own names (the tag prefix is for tags).
  const tags = { segments: tagsSection.segments, prefix: asField ? '' : tagsSection.segment_prefix, sourceTags: tagsSection.source_tags === 'tags' };
  const segmentCf = asField ? customFieldNames.get(asField.label) : undefined;
  if (asField && !segmentCf) throw new ConfigError(`the segment field "${asField.label}" is not bound to a Freshsales field: run "crm-migrate schema apply" (or create it), then "schema check"`);
  const contact: ContactPhaseDeps = {
    store, runId: run.id, source, dest: dest.client, map: contactMap, customFieldNames, references,
    executor: new InProcessExecutor(cfg.run.concurrency, () => {
      r.lock.assertHeld();
      ratio.check();
    }),
    batchSize: cfg.run.batchSize, clock, logger: opts.logger, progress,
    jobWaitLimitMs: JOB_WAIT_LIMIT_MS / cfg.destination.timeScale,
    ...(command === 'retry' ? { only: async (keys: string[]) => new Set((await store.membershipsFor(run.id, 'retry', keys)).keys()) } : {}),
    changedSince: since?.since ?? null,
    tags,
    segmentField: asField && segmentCf ? { cf: segmentCf, choices: asField.choices } : null,
    ownerId,
    externalIdField: externalIdFieldOf(contactMap, customFieldNames),
    eventSummary: summaryOn ? summariser(taskMap.events.summary) : null,
    mergeSummary: summaryOn ? (a, b) => mergeSummaryFields(taskMap.events.summary, a, b) : null,
  };
  const { phases, facts } = declarePhases({
    contact, written: writtenFields(contactMap, customFieldNames, tags), dealMap, campaign, taskMap,
    sourceLabel: sourceLabel(cfg.source.type), plan: cfg.destination.plan, budgetShare: cfg.destination.budgetShare,
    sample: opts.sample ? samplePhase(contact, { reportDir, request: opts.sample }) : null,
    deltaMap: deltaOf(spec),
    delta: command === 'delta' ? { sourceName: sourceLabel(cfg.source.type) } : null,
  });
  const runner = new StepRunner(store, run.id, () => clock.now(), () => r.meter.live);
  // Records whose payload the journal already holds (a kept sample, an earlier run) cost no write.
  const engine = new PhaseEngine(phases, runner, { runId: run.id, mode: { ...FORWARD, skipUnchanged: true } }, async () => {
    r.lock.assertHeld();
    await ratio.settle();
  });
  return { opts, cfg, store, clock, progress, source, dest, meter: r.meter, runner, engine, facts, ratio, runId: run.id, startedAt: run.startedAt, resumed, spec, reportDir };
}

/** The budget plan for every phase, shown before any write; a long plan asks first. */
async function planRun(ctx: RunContext): Promise<BudgetPlan> {
  const { cfg, progress } = ctx;
  const tier = cfg.destination.plan;
  const share = cfg.destination.budgetShare;
  const phases = await ctx.runner.measure('plan', 'plan', () => ctx.engine.estimate());
  const calls = phases.reduce((n, p) => n + p.calls, 0);
  const hours = hoursFor(calls, tier, share);
  const scale = cfg.destination.timeScale;
  const scaleNote = (h: number) => (scale !== 1 ? ` (${formatHours(h / scale)} at time scale ${scale})` : '');
  progress.note(`budget plan on the ${tier} plan (${callsPerHour(tier, share)} calls/h):`);
  for (const p of phases) for (const line of p.lines) progress.note(`  ${line}`);
  progress.note(`  total:    ~${calls} calls ≈ ${formatHours(hours)}${scaleNote(hours)}`);
  const plan: BudgetPlan = { tier, callsPerHour: callsPerHour(tier, share), phases, calls, hours };
  if (hours / scale > 1 && ctx.opts.confirmLongRun) {
    // Nothing has been written yet; a run already over the error ratio does not ask.
    const over = await ctx.ratio.settle().then(() => false, () => true);
    if (!over && !(await ctx.opts.confirmLongRun(`The plan takes ${formatHours(hours)} of the account's API budget${scaleNote(hours)}. Start writing now?`))) {
      throw new ConfigError('not confirmed: nothing was written; run the same command again when ready (or pass --yes)');
    }
  }
  return plan;
}

/**
 * Every phase's writes in dependency order. Over the error ratio (before the first write or
 * between steps and units): writing stops, and the message is returned for the report.
 */
async function executeRun(ctx: RunContext): Promise<string | null> {
  const timer = setInterval(() => void ctx.meter.save().catch(() => undefined), 2_000);
  try {
    // Nothing has been written yet: a run whose quarantine alone is over the ratio stops here.
    await ctx.ratio.settle();
    await ctx.engine.execute();
    return null;
  } catch (e) {
    if (!(e instanceof ErrorRatioExceeded)) throw e;
    ctx.progress.note(e.message);
    return e.message;
  } finally {
    clearInterval(timer);
    await ctx.meter.save();
  }
}

/** Inventories, the reconciliation (JSON, HTML), record lists and metrics; the run is finished. */
async function reportRun(ctx: RunContext, plan: BudgetPlan, stoppedEarly: string | null): Promise<MigrateResult> {
  const { store, runId, cfg, clock, reportDir, runner } = ctx;
  const inventories = await runner.measure('report', 'inventories', () => writeInventories({ store, runId, source: ctx.source, spec: ctx.spec, outDir: reportDir }));
  const objects = ctx.engine.objects;
  const phases = [];
  const mismatches: NonNullable<ReconciliationReport['mismatches']> = [];
  const failures: NonNullable<ReconciliationReport['failures']> = [];
  const unverifiableFields: NonNullable<ReconciliationReport['unverifiableFields']> = [];
  for (const object of objects) {
    const c = await store.counts(runId, object);
    const { orphaned, reparented, skipped, ...rest } = c;
    // Contacts have no parent: no orphaned or re-parented figures on their row. Skipped only when some were.
    const skip = skipped > 0 ? { skipped } : {};
    phases.push(object === 'contact' ? { object, ...rest, ...(orphaned > 0 ? { orphaned } : {}), ...skip } : { object, ...rest, orphaned, reparented, ...skip });
    for (const u of await store.unverifiableFields(runId, object)) unverifiableFields.push({ object, ...u });
    for (const m of await store.mismatches(runId, object, 50)) for (const x of m.mismatches) mismatches.push({ recordKey: m.sourceKey, object, field: x.field, expected: toJson(x.expected), actual: toJson(x.actual) });
    for (const f of await store.failures(runId, object, 50)) failures.push({ recordKey: f.sourceKey, object, reason: f.reason });
    for (const f of await store.orphans(runId, object, 50)) failures.push({ recordKey: f.sourceKey, object, reason: `orphaned: ${f.reason}` });
  }
  const counts = phases[0]!;
  const sample = await readSampleSummary(store, runId);
  const report: ReconciliationReport = {
    runId,
    ...(sample ? { sample } : {}),
    phases,
    apiCalls: { destination: ctx.meter.total, rateLimited: ctx.meter.rateLimited },
    startedAt: ctx.startedAt,
    finishedAt: new Date(clock.now()).toISOString(),
    plan: { tier: cfg.destination.plan, estimatedCalls: plan.calls, actualCalls: ctx.meter.total },
    mismatches: mismatches.slice(0, 100),
    failures: failures.slice(0, 100),
    unverifiableFields,
  };
  const files = await writeReconciliation(reportDir, report);
  // Measurements of this process (a resumed run measures only its own part).
  const metrics = {
    runId, resumed: ctx.resumed, timingsMs: runner.timingsMs, contactsWritten: counts.created + counts.updated,
    loadCalls: runner.callsByStep['contact:load'] ?? 0, calls: ctx.meter.live, rateLimited: ctx.meter.liveRateLimited,
    callsByPhase: runner.callsByPhase, callsByStep: runner.callsByStep,
    devices: inventories.deviceCount, tasks: ctx.facts.taskSummary,
    maxRssKb: process.resourceUsage().maxRSS, plan: cfg.destination.plan, timeScale: cfg.destination.timeScale,
  };
  await writeFile(join(reportDir, 'run-metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  const lists = await writeRecordLists(store, runId, objects, reportDir);
  const deltaLists = await writeDeltaLists(store, runId, reportDir);
  // The error ratio over every phase, as the guard measured it while writing.
  const totals = await errorCounts(store, runId, objects);
  const overErrorRatio = stoppedEarly !== null || (totals.processed > 0 && totals.bad / totals.processed > cfg.run.maxErrorRatio);
  await store.finishRun(runId, overErrorRatio ? 'failed' : 'completed', new Date(clock.now()));
  await pointLatestAt(ctx.opts.outDir, runId);
  return {
    report, resumed: ctx.resumed, overErrorRatio, stoppedEarly, reportDir,
    // The review is written by the contact phase's review step (absent when writing stopped early).
    files: { ...files, ...lists, inventories, ...(deltaLists.conflicts ? { conflicts: deltaLists.conflicts } : {}), ...(deltaLists.deletes ? { sourceDeletes: deltaLists.deletes } : {}), ...(sample && existsSync(join(reportDir, SAMPLE_REVIEW_HTML)) ? { sampleReview: { html: join(reportDir, SAMPLE_REVIEW_HTML), csv: join(reportDir, SAMPLE_REVIEW_CSV) } } : {}) },
    estimate: { calls: plan.calls, hours: plan.hours }, plan,
  };
}

/**
 * Record which contacts a retry run re-runs: those the latest finished run quarantined or
 * failed, and the contacts of its failed or orphaned deals. A ConfigError when there is no
 * finished run to retry.
 */
async function chooseRetryRecords(store: StateStore, runId: string, progress: Progress): Promise<void> {
  const target = await store.latestFinishedRun(['migrate', 'retry']);
  if (!target) throw new ConfigError('nothing to retry: no finished migrate run in this workdir (run "crm-migrate migrate" first)');
  const keys = new Set<string>();
  for await (const q of store.quarantined(target.id, 'contact')) keys.add(q.recordKey);
  for (const f of await store.failures(target.id, 'contact', Number.MAX_SAFE_INTEGER)) keys.add(f.sourceKey);
  // A deal's source key is its contact's: re-running the contact re-derives the deal.
  for (const f of await store.failures(target.id, 'deal', Number.MAX_SAFE_INTEGER)) keys.add(f.sourceKey);
  for (const f of await store.orphans(target.id, 'deal', Number.MAX_SAFE_INTEGER)) keys.add(f.sourceKey);
  await store.saveMemberships(runId, 'retry', 'records', [...keys]);
  await store.setCheckpoint(runId, 'retry:of', target.id);
  progress.note(`retrying ${keys.size} record(s) that run ${target.id} quarantined or failed`);
}

/** The run's command: `sample` for a sample run, else the one asked for (`migrate` by default). */
function commandOf(opts: MigrateOptions): 'migrate' | 'retry' | 'sample' | 'delta' {
  if (opts.sample && opts.delta) throw new ConfigError('--sample and --delta do not go together: a sample is a first look, a delta follows a migration');
  return opts.sample ? 'sample' : opts.delta ? 'delta' : (opts.command ?? 'migrate');
}

/** `<outDir>/latest` → the newest run's folder (a relative symlink, replaced atomically). */
export async function pointLatestAt(outDir: string, runId: string): Promise<void> {
  const link = join(outDir, 'latest');
  const tmp = join(outDir, `.latest-${process.pid}`);
  await rm(tmp, { force: true });
  await symlink(runId, tmp);
  await rename(tmp, link);
}

/**
 * The campaign-deal section when the map enables it and the source offers campaigns, with each
 * figure's deal field bound to its cf_ name (the fields schema apply/check planned); null
 * otherwise. A field not in the account stops the run before any write (ConfigError).
 */
async function campaignSection(
  spec: MappingSpec, tier: PlanTier, source: SourceConnector, dest: FreshsalesClient, progress: Progress,
): Promise<{ map: CampaignMap; statFields: Map<CampaignStat, string> } | null> {
  const map = spec.objects.campaign;
  if (!map?.enabled) return null;
  if (!offers(source, 'campaigns')) {
    progress.note('objects.campaign is enabled, but this source offers no campaigns: no campaign deals');
    return null;
  }
  const targets = planSchema(spec, tier).fields.filter((f) => f.entity === 'deals' && f.role === 'campaign_stats').map((f) => ({ label: f.label, type: f.type, choices: f.choices }));
  const names = targets.length > 0 ? bindCustomFields(targets, await dest.fields('deals'), 'deals') : new Map<string, string>();
  const statFields = new Map<CampaignStat, string>();
  for (const [stat, label] of Object.entries(map.stats)) {
    const cf = label ? names.get(label) : undefined;
    if (cf) statFields.set(stat as CampaignStat, cf);
  }
  return { map, statFields };
}

/**
 * Every custom field contacts receive — mapped fields, the packed textarea, event-summary
 * fields when the summary policy is on — taken from the schema plan, so `schema check` and
 * `migrate` bind exactly the same list.
 */
export function contactCustomTargets(spec: MappingSpec, tier: PlanTier): CustomTarget[] {
  const summaryOn = spec.objects.task?.events.policy === 'summary';
  return planSchema(spec, tier)
    .fields.filter((f) => f.entity === 'contacts' && (f.role !== 'event_summary' || summaryOn))
    .map((f) => ({ label: f.label, type: f.type, choices: f.choices }));
}

/**
 * Standard fields and cf_ names a contact map writes (for before-images). `tags` is the
 * effective tag setting (the map's, or the defaults when the map has no tags section).
 */
function writtenFields(map: LoadedMap, names: Map<string, string>, tags: ContactPhaseDeps['tags']): { standard: string[]; custom: string[] } {
  const standard: string[] = tags && (tags.segments || tags.sourceTags) ? ['tags', 'owner_id'] : ['owner_id'];
  const custom: string[] = [...names.values()];
  for (const f of map.fields) if (typeof f.to === 'string' && !standard.includes(f.to)) standard.push(f.to);
  return { standard, custom };
}

type LoadedMap = ContactPhaseDeps['map'];

/** A value as it will appear in JSON (undefined → null). */
function toJson(v: unknown): ReconciliationReport['mismatches'] extends Array<infer M> | undefined ? M extends { expected: infer E } ? E : never : never {
  return (v === undefined ? null : JSON.parse(JSON.stringify(v))) as never;
}
export type { FreshsalesClient };

/** The event summariser for the contact phase (accumulates a whole event stream per contact). */
function summariser(summary: TaskMap['events']['summary']): ContactPhaseDeps['eventSummary'] {
  return async (pages) => {
    const acc = createEventSummary(summary);
    for await (const page of pages) for (const e of page) acc.add(e);
    return acc.result();
  };
}

/** The cf_ name of the custom field the map writes the source's user id into, if any. */
function externalIdFieldOf(map: LoadedMap, names: Map<string, string>): string | null {
  const f = map.fields.find((x) => x.from === 'externalId' && typeof x.to === 'object');
  return f && typeof f.to === 'object' ? (names.get(f.to.custom) ?? null) : null;
}
