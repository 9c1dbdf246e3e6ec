/**
 * `migrate`: the whole run for the configured objects, in dependency order, resumable.
 * Opens (or resumes) a run, checks credentials and the confirmed map, binds custom fields,
 * runs each phase and writes the reconciliation report and quarantine list.
 */
import { offers } from '../connectors/manifest.js';
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock, type Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { createSource } from '../connectors/registry.js';
import { HOURLY_BUDGET, MINUTE_BUDGET, createFreshsales, type FreshsalesClient, type PlanTier } from '../connectors/freshsales/index.js';
import { createStateStore } from '../state/index.js';
import type { StateStore } from '../state/store.js';
import { writeReconciliation, type ReconciliationReport } from '../reports/reconciliation.js';
import type { LoadedConfig } from './config.js';
import { InProcessExecutor } from './executor.js';
import { z } from 'zod';
import { JOB_WAIT_LIMIT_MS } from './bulk-load.js';
import { readCheckpoint, writeCheckpoint } from './checkpoints.js';
import { writeRecordLists, type RecordListFiles } from './record-lists.js';
import { acquireWorkdirLock, type HeldLock } from './lock.js';
import { checkWorkdirIdentity } from './identity.js';
import { ErrorRatioExceeded, ErrorRatioGuard, errorCounts } from './error-ratio.js';
import { ConfigError } from '../core/errors.js';
import { sourceLabel, type ObjectName } from '../core/model.js';
import { checkMapAttributes, knownSourceAttributes, requireConfirmedMap } from './map-gate.js';
import { discoveryInventory } from './schema.js';
import { bindCustomFields, type CustomTarget } from './bind-fields.js';
import { planSchema } from '../mapping/schema-plan.js';
import { resolveReferences } from './resolve-references.js';
import type { MappingSpec, TaskMap } from '../mapping/spec.js';
import { collectContactGroups, extractContacts, loadContacts, loadReferenceTables, matchContacts, prepareContacts, type ContactPhaseDeps } from './contacts.js';
import { describePolicies, estimateContactCalls, estimateTaskCalls, formatHours, hoursFor, type TaskVolumes } from './plan.js';
import { runDeals } from './deals.js';
import { extractTasks, loadTasks, taskAdoptionCost, type TaskPhaseDeps } from './tasks.js';
import { writeInventories, type InventoryFiles } from './inventories.js';
import type { SourceConnector } from '../connectors/source.js';
import type { Progress } from './progress.js';
import { createEventSummary, mergeSummaryFields } from '../mapping/event-summary.js';

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
  files: { json: string; html: string; inventories: InventoryFiles } & RecordListFiles;
  estimate: { calls: number; hours: number };
}

/** Open the state store of a config's working directory (the kind the config names). */
export function openStore(loaded: LoadedConfig): StateStore {
  return createStateStore(loaded.config.state, loaded.workdir);
}

export async function runMigrate(opts: MigrateOptions): Promise<MigrateResult> {
  const { loaded, logger, progress } = opts;
  const clock = opts.clock ?? systemClock;
  const cfg = loaded.config;
  const store = openStore(loaded);
  // One run per workdir: a second migrate on the same state would write everything twice.
  let lock: HeldLock;
  try {
    lock = await acquireWorkdirLock(store, opts.command ?? 'migrate', loaded.workdir, () => clock.now());
  } catch (e) {
    await store.close();
    throw e;
  }
  if (lock.tookOver) progress.note(`took over the lock of a run that stopped without releasing it (pid ${lock.tookOver.pid} on ${lock.tookOver.host}, started ${lock.tookOver.startedAt})`);
  const source = createSource(cfg.source, { logger });
  let persistedCalls = 0;
  let liveCalls = 0;
  let liveRateLimited = 0;
  let tierWarned = false;
  const dest = createFreshsales(cfg.destination, {
    logger,
    clock,
    // A destination that hangs is reported within seconds, not at the timeout.
    onSlow: (e) => progress.note(`waiting for Freshsales: ${e.method} ${e.path} has not answered for ${Math.round(e.waitedMs / 1000)} s (attempt ${e.attempt}; gives up after ${Math.round(e.timeoutMs / 1000)} s and retries)`),
    onCall: (e) => {
      liveCalls++;
      if (e.rateLimited) liveRateLimited++;
      // The configured plan sets the pace; an account announcing another limit is worth a word.
      if (e.rateLimitLimit !== undefined && !tierWarned && e.rateLimitLimit !== HOURLY_BUDGET[cfg.destination.plan]) {
        tierWarned = true;
        const msg =
          `warning: Freshsales announces a limit of ${e.rateLimitLimit} calls (X-RateLimit-Limit), but destination.plan is "${cfg.destination.plan}" ` +
          `(${HOURLY_BUDGET[cfg.destination.plan]} calls/hour): check the plan in the config — pacing follows the config`;
        progress.note(msg);
        logger.warn({ observedLimit: e.rateLimitLimit, plan: cfg.destination.plan }, 'plan tier mismatch');
      }
    },
  });
  try {
    const { spec, hash: mapHash, confirmation } = await requireConfirmedMap(store, loaded.mappingFile);
    progress.note(`map ${mapHash.slice(0, 12)} confirmed by ${confirmation.confirmedBy} at ${confirmation.confirmedAt}`);
    await Promise.all([source.checkConnection(), dest.client.checkConnection()]);
    // A map reading an attribute the source does not have would write empty fields "verified".
    checkMapAttributes(spec, loaded.mappingFile, await knownSourceAttributes(source, discoveryInventory(loaded)));
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
    const tagsSection = contactMap.tags ?? { segments: true, segment_prefix: '', source_tags: 'tags' as const };
    const taskMap = spec.objects.task;
    const summaryOn = taskMap?.events.policy === 'summary' && taskMap.events.summary.length > 0;

    const command = opts.command ?? 'migrate';
    const { run, resumed } = await store.openRun({ command, configHash: loaded.hash, mapHash, now: new Date(clock.now()) });
    if (command === 'retry' && !resumed) await chooseRetryRecords(store, run.id, progress);
    progress.note(resumed ? `resuming run ${run.id} (started ${run.startedAt})` : `started run ${run.id}`);
    const reportDir = join(opts.outDir, run.id);
    await mkdir(reportDir, { recursive: true, mode: 0o700 });
    persistedCalls = Number((await store.getCheckpoint(run.id, 'api:calls')) ?? 0);
    const persistedRateLimited = Number((await store.getCheckpoint(run.id, 'api:rate_limited')) ?? 0);
    const saveCalls = () => Promise.all([
      store.setCheckpoint(run.id, 'api:calls', String(persistedCalls + liveCalls)),
      store.setCheckpoint(run.id, 'api:rate_limited', String(persistedRateLimited + liveRateLimited)),
    ]);

    const dealMap = spec.objects.deal?.enabled ? spec.objects.deal : null;
    const objects: ObjectName[] = ['contact', ...(dealMap && dealMap.account !== 'none' ? (['account'] as const) : []), ...(dealMap ? (['deal'] as const) : []), ...(taskMap ? (['task'] as const) : [])];
    const ratio = new ErrorRatioGuard(store, run.id, objects, cfg.run.maxErrorRatio, () => clock.now());
    const deps: ContactPhaseDeps = {
      store, runId: run.id, source, dest: dest.client, map: contactMap, customFieldNames, references,
      executor: new InProcessExecutor(cfg.run.concurrency, () => {
        lock.assertHeld();
        ratio.check();
      }),
      batchSize: cfg.run.batchSize, clock, logger, progress,
      jobWaitLimitMs: JOB_WAIT_LIMIT_MS / cfg.destination.timeScale,
      ...(command === 'retry' ? { only: async (keys: string[]) => new Set((await store.membershipsFor(run.id, 'retry', keys)).keys()) } : {}),
      tags: { segments: tagsSection.segments, prefix: tagsSection.segment_prefix, sourceTags: tagsSection.source_tags === 'tags' },
      ownerId,
      externalIdField: externalIdFieldOf(contactMap, customFieldNames),
      eventSummary: summaryOn ? summariser(taskMap.events.summary) : null,
      mergeSummary: summaryOn ? (a, b) => mergeSummaryFields(taskMap.events.summary, a, b) : null,
    };
    const timings: Record<string, number> = {};
    const timed = async <T>(step: string, fn: () => Promise<T>): Promise<T> => {
      const t0 = clock.now();
      try {
        return await fn();
      } finally {
        timings[step] = clock.now() - t0;
      }
    };
    await timed('groups', () => collectContactGroups(deps));
    await timed('extract', () => extractContacts(deps));
    await timed('prepare', () => prepareContacts(deps));
    const written = writtenFields(contactMap, customFieldNames, deps.tags);
    const match = await timed('match', () => matchContacts(deps, written.standard, written.custom));
    await saveCalls();
    if (identity.fresh && match.priorMigration > 0) {
      progress.note(
        `this workdir is new (or its state.db was lost), yet ${match.priorMigration} contact(s) in Freshsales already carry this source's ids: ` +
          'an earlier migration wrote them; they are matched and updated, and tasks carrying this migration\'s markers are adopted, not created again',
      );
    }

    // The budget plan for every phase, before any write.
    const ready = await store.countReady(run.id, 'contact');
    const est = estimateContactCalls({ ready, batchSize: cfg.run.batchSize, matchCalls: match.calls });
    const plan = cfg.destination.plan;
    const share = cfg.destination.budgetShare;
    const scaleNote = (h: number) => (cfg.destination.timeScale !== 1 ? ` (${formatHours(h / cfg.destination.timeScale)} at time scale ${cfg.destination.timeScale})` : '');
    const dealEstimate = dealMap ? Math.ceil(ready / cfg.run.batchSize) * 3 + 4 : 0;
    let taskEstimate = 0;
    const volumes = taskMap ? await timed('volumes', () => taskVolumes(store, run.id, source, taskMap)) : null;
    // Tasks earlier runs created are never created again (retry, a later run): not in the plan.
    const tasksDone = taskMap ? await store.journalCount('task') : 0;
    if (volumes && taskMap) taskEstimate = Math.max(0, estimateTaskCalls({ ...volumes, policy: taskMap.events.policy }).calls - tasksDone);
    // Before the first task create of a workdir, tasks already carrying our markers are looked for.
    const adoption = taskMap && taskEstimate > 0 ? await taskAdoptionCost({ store, dest: dest.client }) : null;
    const estimated = est.calls + dealEstimate + taskEstimate + (adoption ? adoption.probeCalls + adoption.listingCalls : 0);
    const hours = hoursFor(estimated, plan, share);
    progress.note(`budget plan on the ${plan} plan (${Math.min(HOURLY_BUDGET[plan], MINUTE_BUDGET * 60) * share} calls/h):`);
    progress.note(`  contacts: ${ready} to write → ~${est.calls} calls (${Object.entries(est.detail).map(([k, v]) => `${k} ${v}`).join(', ')})`);
    if (dealMap) progress.note(`  deals:    up to ${ready} (opt-in, from ${dealMap.from}) → ~${dealEstimate} calls (bulk upserts, read-backs, accounts)`);
    if (volumes && taskMap) {
      progress.note(`  tasks:    ${volumes.interactions} campaign interactions${taskMap.campaigns ? '' : ' (campaigns off)'}; event policies:`);
      for (const line of describePolicies({ ...volumes, plan, budgetShare: share, chosen: taskMap.events.policy })) progress.note(`    ${line}`);
      if (tasksDone > 0) progress.note(`    ${tasksDone} task(s) were created by earlier runs of this workdir and are not created again: ~${taskEstimate} task call(s) left`);
    }
    if (adoption && adoption.probeCalls > 0) {
      progress.note(`  adopt:    ${adoption.listingCalls} listing call(s) over the account's ${adoption.accountTasks} task(s) to find tasks an earlier state created (first task load of this workdir)`);
    }
    progress.note(`  total:    ~${estimated} calls ≈ ${formatHours(hours)}${scaleNote(hours)}`);
    // Nothing has been written yet: a run whose quarantine alone is over the ratio stops here.
    let stoppedEarly: string | null = null;
    try {
      await ratio.settle();
    } catch (e) {
      if (!(e instanceof ErrorRatioExceeded)) throw e;
      stoppedEarly = e.message;
    }
    if (!stoppedEarly && hours * (cfg.destination.timeScale === 1 ? 1 : 1 / cfg.destination.timeScale) > 1 && opts.confirmLongRun) {
      const ok = await opts.confirmLongRun(`The plan takes ${formatHours(hours)} of the account's API budget${scaleNote(hours)}. Start writing now?`);
      if (!ok) throw new ConfigError('not confirmed: nothing was written; run the same command again when ready (or pass --yes)');
    }

    const phaseCalls: Record<string, number> = {};
    const counted = async <T>(phase: string, fn: () => Promise<T>): Promise<T> => {
      const before = liveCalls;
      try {
        return await timed(phase, fn);
      } finally {
        phaseCalls[phase] = (phaseCalls[phase] ?? 0) + liveCalls - before;
      }
    };
    const timer = setInterval(() => void saveCalls().catch(() => undefined), 2_000);
    const callsBeforeLoad = liveCalls;
    let taskSummary: Awaited<ReturnType<typeof loadTasks>> | null = null;
    try {
      if (stoppedEarly) throw new ErrorRatioExceeded(0, 1, cfg.run.maxErrorRatio);
      await counted('load', () => loadContacts(deps));
      await ratio.settle();
      if (dealMap) {
        await counted('deals', () => runDeals({ store, runId: run.id, dest: dest.client, map: dealMap, sourceLabel: sourceLabel(cfg.source.type), ownerId, executor: deps.executor, batchSize: cfg.run.batchSize, clock, logger, progress, jobWaitLimitMs: deps.jobWaitLimitMs }));
      }
      if (taskMap) {
        const td: TaskPhaseDeps = { store, runId: run.id, source, dest: dest.client, map: taskMap, ownerId, executor: deps.executor, clock, logger, progress };
        await counted('tasks', async () => {
          await extractTasks(td);
          taskSummary = await loadTasks(td);
        });
      }
    } catch (e) {
      // Over the error ratio: stop writing, but still report what happened.
      if (!(e instanceof ErrorRatioExceeded)) throw e;
      stoppedEarly ??= e.message;
      progress.note(stoppedEarly);
    } finally {
      clearInterval(timer);
      await saveCalls();
    }
    const inventories = await timed('inventories', () => writeInventories({ store, runId: run.id, source, spec, outDir: reportDir }));

    const phases = [];
    const mismatches: NonNullable<ReconciliationReport['mismatches']> = [];
    const failures: NonNullable<ReconciliationReport['failures']> = [];
    const unverifiableFields: NonNullable<ReconciliationReport['unverifiableFields']> = [];
    for (const object of objects) {
      const c = await store.counts(run.id, object);
      const { orphaned, reparented, ...rest } = c;
      // Contacts have no parent: no orphaned or re-parented figures on their row.
      phases.push(object === 'contact' ? { object, ...rest, ...(orphaned > 0 ? { orphaned } : {}) } : { object, ...rest, orphaned, reparented });
      for (const u of await store.unverifiableFields(run.id, object)) unverifiableFields.push({ object, ...u });
      for (const m of await store.mismatches(run.id, object, 50)) for (const x of m.mismatches) mismatches.push({ recordKey: m.sourceKey, object, field: x.field, expected: toJson(x.expected), actual: toJson(x.actual) });
      for (const f of await store.failures(run.id, object, 50)) failures.push({ recordKey: f.sourceKey, object, reason: f.reason });
      for (const f of await store.orphans(run.id, object, 50)) failures.push({ recordKey: f.sourceKey, object, reason: `orphaned: ${f.reason}` });
    }
    const counts = phases[0]!;
    const report: ReconciliationReport = {
      runId: run.id,
      phases,
      apiCalls: { destination: persistedCalls + liveCalls, rateLimited: persistedRateLimited + liveRateLimited },
      startedAt: run.startedAt,
      finishedAt: new Date(clock.now()).toISOString(),
      plan: { tier: cfg.destination.plan, estimatedCalls: estimated, actualCalls: persistedCalls + liveCalls },
      mismatches: mismatches.slice(0, 100),
      failures: failures.slice(0, 100),
      unverifiableFields,
    };
    const files = await writeReconciliation(reportDir, report);
    // Measurements of this process (a resumed run measures only its own part).
    const metrics = {
      runId: run.id, resumed, timingsMs: timings, contactsWritten: counts.created + counts.updated,
      loadCalls: phaseCalls.load ?? liveCalls - callsBeforeLoad, calls: liveCalls, rateLimited: liveRateLimited, callsByPhase: phaseCalls,
      devices: inventories.deviceCount, tasks: taskSummary,
      maxRssKb: process.resourceUsage().maxRSS, plan: cfg.destination.plan, timeScale: cfg.destination.timeScale,
    };
    await writeFile(join(reportDir, 'run-metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
    const lists = await writeRecordLists(store, run.id, objects, reportDir);
    // The error ratio over every phase, as the guard measured it while writing.
    const totals = await errorCounts(store, run.id, objects);
    const overErrorRatio = stoppedEarly !== null || (totals.processed > 0 && totals.bad / totals.processed > cfg.run.maxErrorRatio);
    await store.finishRun(run.id, overErrorRatio ? 'failed' : 'completed', new Date(clock.now()));
    await pointLatestAt(opts.outDir, run.id);
    return {
      report, resumed, overErrorRatio, stoppedEarly, reportDir,
      files: { ...files, ...lists, inventories }, estimate: { calls: estimated, hours },
    };
  } finally {
    await Promise.allSettled([source.close(), dest.http.close()]);
    await lock.release();
    await store.close();
  }
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

/** `<outDir>/latest` → the newest run's folder (a relative symlink, replaced atomically). */
async function pointLatestAt(outDir: string, runId: string): Promise<void> {
  const link = join(outDir, 'latest');
  const tmp = join(outDir, `.latest-${process.pid}`);
  await rm(tmp, { force: true });
  await symlink(runId, tmp);
  await rename(tmp, link);
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

/** The `tasks:volumes` checkpoint: interactions, and events per name. */
const TaskVolumesCheckpoint = z.object({ interactions: z.number().int().nonnegative(), events: z.array(z.tuple([z.string(), z.number().int().nonnegative()])) });

/**
 * Campaign interactions and events per name, counted once per run from the source (no
 * destination calls) so every event policy's cost can be shown before any write.
 */
async function taskVolumes(store: StateStore, runId: string, source: SourceConnector, map: TaskMap): Promise<TaskVolumes> {
  const v = await readCheckpoint(store, runId, 'tasks:volumes', TaskVolumesCheckpoint);
  if (v) return { interactions: v.interactions, eventsByName: new Map(v.events), highValue: map.events.high_value };
  let interactions = 0;
  if (map.campaigns && offers(source, 'interactions')) {
    for await (const page of source.interactions(null)) interactions += page.records.filter((r) => map.interactions.includes(r.kind)).length;
  }
  const eventsByName = new Map<string, number>();
  if (offers(source, 'events')) for await (const page of source.events(null)) for (const e of page.records) eventsByName.set(e.event, (eventsByName.get(e.event) ?? 0) + 1);
  await writeCheckpoint(store, runId, 'tasks:volumes', { interactions, events: [...eventsByName] });
  return { interactions, eventsByName, highValue: map.events.high_value };
}

/** The cf_ name of the custom field the map writes the source's user id into, if any. */
function externalIdFieldOf(map: LoadedMap, names: Map<string, string>): string | null {
  const f = map.fields.find((x) => x.from === 'externalId' && typeof x.to === 'object');
  return f && typeof f.to === 'object' ? (names.get(f.to.custom) ?? null) : null;
}
