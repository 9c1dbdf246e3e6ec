/**
 * `cutover`: the seed's last step. Writes in the source are frozen (the command says so and
 * asks), the final delta runs, then the **final reconciliation** compares, per object, what
 * the source holds now with what the journal says was migrated and with what Freshsales
 * actually holds (every migrated record read back: 100 per search, one listing pass for
 * tasks and sales activities), and the migration is marked complete when nothing is missing.
 * Reads only after the delta: safe to run again.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { systemClock } from '../core/clock.js';
import { ObjectName } from '../core/model.js';
import { sourceLabel } from '../core/model.js';
import type { StateStore } from '../state/store.js';
import { writeFileAtomic } from '../reports/atomic-write.js';
import { escapeHtml as h } from '../reports/html.js';
import { reportPage } from '../reports/page.js';
import { acquireWorkdirLock } from './lock.js';
import { CallMeter, openDestination, openStore, runMigrate, type MigrateOptions, type MigrateResult } from './migrate.js';
import { presenceOf, UNDO_LABEL } from './rollback.js';
import { SCOPE } from './contacts.js';
import { SOURCE_KEYS } from './delta.js';

export const FinalReconciliation = z.strictObject({
  deltaRunId: z.string(),
  checkedAt: z.string(),
  complete: z.boolean(),
  /** Why the migration is not marked complete (empty when it is). */
  blockers: z.array(z.string()),
  phases: z.array(
    z.strictObject({
      object: ObjectName,
      label: z.string(),
      /** Records the source holds now (contacts only: children are counted through the journal). */
      sourceNow: z.number().int().nonnegative().nullable(),
      /** Records the journal says are migrated (writes no rollback undid). */
      migrated: z.number().int().nonnegative(),
      /** Of those, found in Freshsales now. */
      inFreshsales: z.number().int().nonnegative(),
      missing: z.array(z.strictObject({ destId: z.string(), sourceKeys: z.array(z.string()) })),
    }),
  ),
  /** Source contacts with no migrated record (quarantined, merged into a duplicate, or failed: see the runs' lists). */
  notMigrated: z.strictObject({ count: z.number().int().nonnegative(), examples: z.array(z.string()) }),
  apiCalls: z.number().int().nonnegative(),
});
export type FinalReconciliation = z.infer<typeof FinalReconciliation>;

export const FINAL_JSON = 'final-reconciliation.json';
export const FINAL_HTML = 'final-reconciliation.html';
// Campaign notes are left out: Freshsales offers no read of notes, so their presence cannot be checked
// (their creates were verified from the create's answer; an in-doubt one is a failure of its run).
const OBJECTS: ObjectName[] = ['contact', 'account', 'deal', 'campaign', 'task', 'activity'];

/** What to tell the people involved before the final delta. */
export function freezeInstructions(source: string): string[] {
  const s = sourceLabel(source);
  return [
    `Cutover from ${s} to Freshsales:`,
    `  1. Freeze writes in ${s} now: pause imports, API and SDK writes of profile attributes, and campaigns or journeys that change profile data.`,
    '  2. Ask Freshsales users not to edit migrated records until the final reconciliation is done.',
    '  3. This command then runs the final delta (what changed since the last run), reads every migrated record back from',
    '     Freshsales, writes the final reconciliation and, when nothing is missing, marks the migration complete.',
    `  4. After that, Freshsales is the system of record: switch integrations and teams over, and retire ${s} writes for good.`,
  ];
}

export async function runCutover(opts: MigrateOptions): Promise<{ delta: MigrateResult; final: FinalReconciliation; files: { json: string; html: string } }> {
  const delta = await runMigrate({ ...opts, delta: true });
  const clock = opts.clock ?? systemClock;
  const store = openStore(opts.loaded);
  const lock = await acquireWorkdirLock(store, 'cutover', opts.loaded.workdir, () => clock.now());
  const meter = new CallMeter(store);
  const dest = openDestination(opts.loaded.config.destination, { logger: opts.logger, clock, progress: opts.progress, meter });
  try {
    const phases: FinalReconciliation['phases'] = [];
    const { sourceNow, notMigrated } = await sourceSide(store, delta.report.runId);
    for (const object of OBJECTS) {
      if (!(await store.hasJournal(object))) continue;
      const p = await presenceOf(store, dest.client, object, opts.progress);
      phases.push({ object, label: UNDO_LABEL[object], sourceNow: object === 'contact' ? sourceNow : null, migrated: p.migrated, inFreshsales: p.present, missing: p.missing.slice(0, 100) });
    }
    const blockers = [
      ...(delta.stoppedEarly || delta.overErrorRatio ? [`the final delta ${delta.report.runId} did not finish cleanly: fix what its reports name and run cutover again`] : []),
      ...phases.filter((p) => p.missing.length > 0).map((p) => `${p.migrated - p.inFreshsales} ${p.label.toLowerCase()} the journal says were migrated are not in Freshsales`),
    ];
    const final: FinalReconciliation = FinalReconciliation.parse({
      deltaRunId: delta.report.runId, checkedAt: new Date(clock.now()).toISOString(), complete: blockers.length === 0, blockers, phases, notMigrated, apiCalls: meter.live,
    });
    if (final.complete) await store.setMeta('migration:complete', JSON.stringify({ at: final.checkedAt, deltaRunId: final.deltaRunId }));
    const files = { json: join(delta.reportDir, FINAL_JSON), html: join(delta.reportDir, FINAL_HTML) };
    await writeFileAtomic(files.json, `${JSON.stringify(final, null, 2)}\n`, { mode: 0o600 });
    await writeFileAtomic(files.html, renderFinalHtml(final), { mode: 0o600 });
    return { delta, final, files };
  } finally {
    await dest.http.close().catch(() => undefined);
    await lock.release();
    await store.close();
  }
}

/**
 * The source side, in one pass over the contacts the final delta listed (every key, or the
 * frozen scope of a source read by key): how many there are (null when it could not list
 * them), and those without a standing journal entry.
 */
async function sourceSide(store: StateStore, runId: string): Promise<{ sourceNow: number | null; notMigrated: FinalReconciliation['notMigrated'] }> {
  for (const kind of [SOURCE_KEYS, SCOPE]) {
    let n = 0;
    let count = 0;
    const examples: string[] = [];
    for (let after = ''; ; ) {
      const keys = await store.members(runId, kind, { afterKey: after, limit: 1000 });
      if (keys.length === 0) break;
      after = keys[keys.length - 1]!;
      n += keys.length;
      const ids = await store.destIds('contact', keys);
      for (const k of keys) {
        if (ids.has(k)) continue;
        count++;
        if (examples.length < 20) examples.push(k);
      }
    }
    if (n > 0) return { sourceNow: n, notMigrated: { count, examples } };
  }
  return { sourceNow: null, notMigrated: { count: 0, examples: [] } };
}

function renderFinalHtml(f: FinalReconciliation): string {
  const rows = f.phases.map(
    (p) => `<tr><td>${h(p.label)}</td><td class="n">${p.sourceNow ?? '—'}</td><td class="n">${p.migrated}</td><td class="n">${p.inFreshsales}</td><td class="n ${p.missing.length > 0 ? 'bad' : 'ok'}">${p.migrated - p.inFreshsales}</td></tr>`,
  );
  const missing = f.phases.flatMap((p) => p.missing.map((m) => `<tr><td>${h(p.label)}</td><td class="key">${h(m.destId)}</td><td class="key">${h(m.sourceKeys.join(', '))}</td></tr>`));
  return reportPage(`Final reconciliation — ${f.deltaRunId}`, [
    '<h1>Final reconciliation</h1>',
    `<dl><dt>Final delta</dt><dd><code>${h(f.deltaRunId)}</code></dd><dt>Checked</dt><dd>${h(f.checkedAt)}</dd><dt>API calls (check)</dt><dd>${f.apiCalls}</dd></dl>`,
    `<div class="banner ${f.complete ? 'ok' : 'bad'}">${f.complete ? 'Complete: every migrated record is in Freshsales. Freshsales is the system of record.' : h(`Not complete: ${f.blockers.join('; ')}`)}</div>`,
    '<table><tr><th>Object</th><th>In the source now</th><th>Migrated (journal)</th><th>In Freshsales</th><th>Missing</th></tr>',
    ...rows,
    '</table>',
    `<p>${f.notMigrated.count} source contact(s) have no migrated record: quarantined, merged into a duplicate or failed (each run's quarantine.csv and failures.csv name them).${f.notMigrated.examples.length > 0 ? ` For example: <code>${h(f.notMigrated.examples.slice(0, 5).join(', '))}</code>.` : ''}</p>`,
    ...(missing.length > 0 ? ['<h2>Migrated but not in Freshsales</h2>', '<table><tr><th>Object</th><th>Freshsales id</th><th>Source key</th></tr>', ...missing, '</table>'] : []),
  ]);
}
