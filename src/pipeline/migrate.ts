/**
 * `migrate`: the whole run for the configured objects, in dependency order, resumable.
 * Opens (or resumes) a run, checks credentials and the confirmed map, binds custom fields,
 * runs each phase and writes the reconciliation report and quarantine list.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock, type Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { createSource } from '../connectors/registry.js';
import { createFreshsales, type FreshsalesClient } from '../connectors/freshsales/index.js';
import { openSqliteStore } from '../state/sqlite.js';
import type { StateStore } from '../state/store.js';
import { writeReconciliation, type ReconciliationReport } from '../reports/reconciliation.js';
import { writeQuarantineCsv } from '../reports/quarantine.js';
import type { LoadedConfig } from './config.js';
import { InProcessExecutor } from './executor.js';
import { requireConfirmedMap } from './map-gate.js';
import { bindCustomFields, customTargets } from './bind-fields.js';
import { extractContacts, loadContacts, matchContacts, prepareContacts, type ContactPhaseDeps } from './contacts.js';
import { estimateContactCalls, formatHours, hoursFor } from './plan.js';
import type { Progress } from './progress.js';

export interface MigrateOptions {
  loaded: LoadedConfig;
  outDir: string;
  logger: Logger;
  progress: Progress;
  clock?: Clock;
}

export interface MigrateResult {
  report: ReconciliationReport;
  resumed: boolean;
  /** Over the configured error ratio: the run is marked failed. */
  overErrorRatio: boolean;
  files: { json: string; html: string; quarantine: string };
  estimate: { calls: number; hours: number };
}

/** Open the state store of a config's working directory. */
export function openStore(loaded: LoadedConfig): StateStore {
  return openSqliteStore(join(loaded.workdir, 'state.db'));
}

export async function runMigrate(opts: MigrateOptions): Promise<MigrateResult> {
  const { loaded, logger, progress } = opts;
  const clock = opts.clock ?? systemClock;
  const cfg = loaded.config;
  const store = openStore(loaded);
  const source = createSource(cfg.source, { logger });
  let persistedCalls = 0;
  let liveCalls = 0;
  let liveRateLimited = 0;
  const dest = createFreshsales(cfg.destination, {
    logger,
    clock,
    onCall: (e) => {
      liveCalls++;
      if (e.rateLimited) liveRateLimited++;
    },
  });
  try {
    const { spec, hash: mapHash, confirmation } = await requireConfirmedMap(store, loaded.mappingFile);
    progress.note(`map ${mapHash.slice(0, 12)} confirmed by ${confirmation.confirmedBy} at ${confirmation.confirmedAt}`);
    await Promise.all([source.checkConnection(), dest.client.checkConnection()]);

    const contactMap = spec.objects.contact;
    const catalogue = await dest.client.fields('contacts');
    const customFieldNames = bindCustomFields(customTargets(contactMap), catalogue);

    const { run, resumed } = await store.openRun({ command: 'migrate', configHash: loaded.hash, mapHash, now: new Date(clock.now()) });
    progress.note(resumed ? `resuming run ${run.id} (started ${run.startedAt})` : `started run ${run.id}`);
    persistedCalls = Number((await store.getCheckpoint(run.id, 'api:calls')) ?? 0);
    const persistedRateLimited = Number((await store.getCheckpoint(run.id, 'api:rate_limited')) ?? 0);
    const saveCalls = () => Promise.all([
      store.setCheckpoint(run.id, 'api:calls', String(persistedCalls + liveCalls)),
      store.setCheckpoint(run.id, 'api:rate_limited', String(persistedRateLimited + liveRateLimited)),
    ]);

    const deps: ContactPhaseDeps = {
      store, runId: run.id, source, dest: dest.client, map: contactMap, customFieldNames,
      executor: new InProcessExecutor(cfg.run.concurrency), batchSize: cfg.run.batchSize, clock, logger, progress,
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
    await timed('extract', () => extractContacts(deps));
    await timed('prepare', () => prepareContacts(deps));
    const written = writtenFields(contactMap, customFieldNames);
    const match = await timed('match', () => matchContacts(deps, written.standard, written.custom));
    await saveCalls();

    const ready = await store.countReady(run.id, 'contact');
    const est = estimateContactCalls({ ready, batchSize: cfg.run.batchSize, matchCalls: match.calls });
    const hours = hoursFor(est.calls, cfg.destination.plan, cfg.destination.budgetShare);
    progress.note(
      `budget plan: ${ready} contacts to write → ~${est.calls} Freshsales calls ` +
        `(${Object.entries(est.detail).map(([k, v]) => `${k} ${v}`).join(', ')}) ≈ ${formatHours(hours)} on the ${cfg.destination.plan} plan` +
        (cfg.destination.timeScale !== 1 ? ` (${formatHours(hours / cfg.destination.timeScale)} at time scale ${cfg.destination.timeScale})` : ''),
    );

    const timer = setInterval(() => void saveCalls().catch(() => undefined), 2_000);
    const callsBeforeLoad = liveCalls;
    try {
      await timed('load', () => loadContacts(deps));
    } finally {
      clearInterval(timer);
      await saveCalls();
    }

    const counts = await store.counts(run.id, 'contact');
    const mismatchRows = await store.mismatches(run.id, 'contact', 50);
    const failureRows = await store.failures(run.id, 'contact', 50);
    const report: ReconciliationReport = {
      runId: run.id,
      phases: [{ object: 'contact', ...counts }],
      apiCalls: { destination: persistedCalls + liveCalls, rateLimited: persistedRateLimited + liveRateLimited },
      startedAt: run.startedAt,
      finishedAt: new Date(clock.now()).toISOString(),
      plan: { tier: cfg.destination.plan, estimatedCalls: est.calls, actualCalls: persistedCalls + liveCalls },
      mismatches: mismatchRows.flatMap((m) => m.mismatches.map((x) => ({ recordKey: m.sourceKey, object: 'contact' as const, field: x.field, expected: toJson(x.expected), actual: toJson(x.actual) }))),
      failures: failureRows.map((f) => ({ recordKey: f.sourceKey, object: 'contact' as const, reason: f.reason })),
    };
    const files = await writeReconciliation(opts.outDir, report);
    // Measurements of this process (a resumed run measures only its own part).
    const metrics = {
      runId: run.id, resumed, timingsMs: timings, contactsWritten: counts.created + counts.updated,
      loadCalls: liveCalls - callsBeforeLoad, calls: liveCalls, rateLimited: liveRateLimited,
      maxRssKb: process.resourceUsage().maxRSS, plan: cfg.destination.plan, timeScale: cfg.destination.timeScale,
    };
    await writeFile(join(opts.outDir, 'run-metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
    const quarantineFile = join(opts.outDir, 'quarantine.csv');
    await writeQuarantineCsv(quarantineFile, store.quarantined(run.id));
    const bad = counts.quarantined + counts.failed;
    const overErrorRatio = counts.source > 0 && bad / counts.source > cfg.run.maxErrorRatio;
    await store.finishRun(run.id, overErrorRatio ? 'failed' : 'completed', new Date(clock.now()));
    return { report, resumed, overErrorRatio, files: { ...files, quarantine: quarantineFile }, estimate: { calls: est.calls, hours } };
  } finally {
    await Promise.allSettled([source.close(), dest.http.close()]);
    store.close();
  }
}

/** Standard fields and cf_ names a contact map writes (for before-images). */
function writtenFields(map: LoadedMap, names: Map<string, string>): { standard: string[]; custom: string[] } {
  const standard: string[] = [];
  const custom: string[] = [];
  for (const f of map.fields) {
    if (typeof f.to === 'string') standard.push(f.to);
    else {
      const n = names.get(f.to.custom);
      if (n) custom.push(n);
    }
  }
  return { standard, custom };
}

type LoadedMap = ContactPhaseDeps['map'];

/** A value as it will appear in JSON (undefined → null). */
function toJson(v: unknown): ReconciliationReport['mismatches'] extends Array<infer M> | undefined ? M extends { expected: infer E } ? E : never : never {
  return (v === undefined ? null : JSON.parse(JSON.stringify(v))) as never;
}
export type { FreshsalesClient };
