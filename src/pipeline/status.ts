/**
 * Where a workdir's latest run stands, as data: the run, whether a process is working on it
 * now (the lock's heartbeat), its steps, per-phase counts and open batches, and the calls
 * spent. The CLI prints it as text or JSON (`status --json`); tests and other tools read the
 * JSON instead of the state store's tables.
 */
import type { ObjectName } from '../core/model.js';
import type { PhaseCounts, RunRow, StateStore } from '../state/store.js';
import { lockState } from './lock.js';
import { readSampleSummary } from './sample.js';

export interface RunStatusReport {
  workdir: string;
  run: RunRow | null;
  /** Who is working on the workdir now; null when no process holds it. */
  now: { state: 'running' | 'dead'; command: string; pid: number; host: string; startedAt: string; heartbeatAgeMs: number } | null;
  /** Contact steps done (checkpoints). */
  steps: Record<string, boolean>;
  phases: Array<{ object: ObjectName; counts: PhaseCounts; openBatches: number; nextBatch: number | null }>;
  destinationCalls: number;
  /** A sample run (`migrate --sample`, command `sample`): its size, the population it was drawn from, the seed; null otherwise (or before the draw). */
  sample?: { size: number; population: number; seed: string } | null;
  /** A rollback run: per object what it deleted, restored, kept and failed to undo. */
  undo?: Array<{ object: ObjectName; deleted: number; restored: number; kept: number; failed: number; planned: number }>;
  /** Set by a cutover whose final reconciliation found nothing missing. */
  complete?: { at: string; deltaRunId: string } | null;
}

const STEPS = ['groups', 'extracted', 'prepared', 'matched', 'batched'] as const;
const OBJECTS: readonly ObjectName[] = ['contact', 'account', 'deal', 'campaign', 'campaign_note', 'task', 'activity'];

export async function readStatus(store: StateStore, workdir: string, now = Date.now()): Promise<RunStatusReport> {
  const run = await store.latestRun();
  const lock = await store.lockInfo();
  const nowState = lock ? { ...lockState(lock, now), command: lock.command, pid: lock.pid, host: lock.host, startedAt: lock.startedAt } : null;
  if (!run) return { workdir, run: null, now: nowState, steps: {}, phases: [], destinationCalls: 0 };
  const steps: Record<string, boolean> = {};
  for (const s of STEPS) steps[s] = (await store.getCheckpoint(run.id, `contact:${s}`)) !== null;
  const phases: RunStatusReport['phases'] = [];
  for (const object of OBJECTS) {
    const counts = await store.counts(run.id, object);
    if (counts.source === 0 && object !== 'contact') continue;
    const open = await store.openBatches(run.id, object);
    phases.push({ object, counts, openBatches: open.length, nextBatch: open[0]?.batchNo ?? null });
  }
  const drawn = await readSampleSummary(store, run.id);
  const sample = drawn && { size: drawn.size, population: drawn.population, seed: drawn.seed };
  const undo: NonNullable<RunStatusReport['undo']> = [];
  if (run.command.startsWith('rollback')) {
    for (const object of OBJECTS) {
      const c = await store.undoCounts(run.id, object);
      const planned = c.delete.planned + c.restore.planned;
      const row = { object, deleted: c.delete.done, restored: c.restore.done, kept: c.keep.done + c.keep.planned, failed: c.delete.failed + c.restore.failed, planned };
      if (row.deleted + row.restored + row.kept + row.failed + planned > 0) undo.push(row);
    }
  }
  const completeMeta = await store.getMeta('migration:complete');
  const complete = completeMeta ? (JSON.parse(completeMeta) as { at: string; deltaRunId: string }) : null;
  return { workdir, run, now: nowState, steps, phases, destinationCalls: Number((await store.getCheckpoint(run.id, 'api:calls')) ?? 0), sample, ...(undo.length > 0 ? { undo } : {}), complete };
}

/** The report as the text `status` prints. */
export function formatStatus(r: RunStatusReport): string[] {
  if (!r.run) return [`no runs yet in ${r.workdir}`];
  const run = r.run;
  const kind = run.command === 'sample' ? (r.sample ? ` (sample run: ${r.sample.size} of ${r.sample.population} contacts, seed ${r.sample.seed})` : ' (sample run, not drawn yet)') : '';
  const lines = [`run ${run.id}${kind}: ${run.status} (started ${run.startedAt}${run.finishedAt ? `, finished ${run.finishedAt}` : ''})`];
  if (r.now) {
    const who = `${r.now.command}, pid ${r.now.pid} on ${r.now.host}, started ${r.now.startedAt}, last heartbeat ${Math.round(r.now.heartbeatAgeMs / 1000)} s ago`;
    lines.push(r.now.state === 'running' ? `  now: running (${who})` : `  now: not running — the process that held the workdir is dead (${who}); run the same command again to resume`);
  } else if (run.status === 'running') {
    lines.push('  now: not running (interrupted); run the same command again to resume');
  }
  for (const [step, done] of Object.entries(r.steps)) lines.push(`  contact ${step.padEnd(9)} ${done ? 'yes' : 'not yet'}`);
  for (const p of r.phases) {
    const c = p.counts;
    lines.push(
      `  ${p.object}s: source ${c.source}, quarantined ${c.quarantined}, merged ${c.merged}, created ${c.created}, updated ${c.updated}, ` +
        `failed ${c.failed}, orphaned ${c.orphaned}${c.skipped > 0 ? `, skipped (unchanged) ${c.skipped}` : ''}, verified ${c.verified}, mismatched ${c.mismatched}` +
        (p.openBatches ? `; batches still open: ${p.openBatches} (next #${p.nextBatch})` : ''),
    );
  }
  for (const u of r.undo ?? []) {
    lines.push(`  undo ${u.object}s: deleted ${u.deleted}, restored ${u.restored}, kept (edited since) ${u.kept}, failed ${u.failed}${u.planned > 0 ? `, still to do ${u.planned}` : ''}`);
  }
  lines.push(`  destination calls so far: ${r.destinationCalls}`);
  if (r.complete) lines.push(`migration complete: the cutover's final reconciliation (${r.complete.deltaRunId}) found nothing missing at ${r.complete.at}`);
  return lines;
}
