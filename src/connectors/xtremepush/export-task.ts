/**
 * The export-task flow, the only way to read segment members and events [C task names,
 * A call shapes]: `create/task` → poll `info/task` at growing intervals (core/poll.ts), within a bounded
 * total wait (`maxWaitMs`), until the task is Completed → the result file's absolute URL.
 * Statuses are the product's names (New, Executing, Completed, Error, Fatal [C]) in a case
 * the docs do not give, so they are compared case-insensitively (see `taskPhase`). An Error
 * or Fatal task is a TerminalError naming what was exported, the status and the vendor's reason.
 */
import { z } from 'zod';
import { systemClock, type Clock } from '../../core/clock.js';
import { TerminalError, TransientError } from '../../core/errors.js';
import { poll } from '../../core/poll.js';
import type { XtremepushClient } from './client.js';
import type { XpTask } from './types.js';

/** Polling settings for export tasks (a connector setting, see XtremepushConfig.exportPoll). */
export const ExportPollSettings = z.strictObject({
  /** Wait before the first info/task. */
  initialMs: z.number().int().min(0).default(1000),
  /** Each wait is the previous one times this. */
  factor: z.number().min(1).default(1.5),
  /** Longest single wait between two polls. */
  maxIntervalMs: z.number().int().positive().default(30_000),
  /** Give up (TransientError: try again later) when the task is not done after this long. */
  maxWaitMs: z.number().int().positive().default(30 * 60_000),
});
export type ExportPollSettings = z.infer<typeof ExportPollSettings>;

/** Where a task is: still running, done (its file is ready), failed, or a status the connector does not know. */
export type TaskPhase = 'running' | 'done' | 'failed' | 'unknown';

/**
 * Task status (any case) → phase. The product's names [C] first; the older spellings
 * (pending, processing, completed, complete, success, failed) are read too.
 */
const PHASES: Record<string, TaskPhase> = {
  new: 'running', executing: 'running', pending: 'running', processing: 'running',
  completed: 'done', complete: 'done', success: 'done',
  error: 'failed', fatal: 'failed', failed: 'failed',
};

/** The phase of a task status, compared case-insensitively ("Completed", "completed", "COMPLETED" are one). */
export function taskPhase(status: string): TaskPhase {
  const key = status.trim().toLowerCase();
  return Object.hasOwn(PHASES, key) ? PHASES[key]! : 'unknown';
}

/** A wait for messages: "150 ms", "42 s", "30 min". */
function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

/** A completed export: where its file is (may contain a token: never log it) and how many rows it says it has. */
export interface CompletedExport {
  taskId: string;
  downloadUrl: string;
  rows: number | null;
}

/**
 * Run one export task to completion. `what` names the export in messages, e.g.
 * "segment 101 (VIP players)".
 */
export async function runExportTask(
  client: XtremepushClient,
  type: string,
  params: Record<string, unknown>,
  what: string,
  settings: ExportPollSettings,
  clock: Clock = systemClock,
  signal?: AbortSignal,
): Promise<CompletedExport> {
  const created: XpTask = await client.createTask(type, params);
  const id = String(created.id);
  const out = await poll(() => client.taskInfo(created.id), (t) => taskPhase(t.status) === 'done' || taskPhase(t.status) === 'failed', settings, clock, {
    first: created,
    ...(signal ? { signal } : {}),
  });
  const task = out.value;
  if (taskPhase(task.status) === 'failed') {
    throw new TerminalError(`Xtremepush ${type} task ${id} for ${what} failed with status "${task.status}": ${task.error_message?.trim() || 'no reason given'}`);
  }
  if (!out.settled) {
    // A status outside the known names is waited on like a running one; say so when giving up.
    const unknown = taskPhase(task.status) === 'unknown' ? ', a status the connector does not know (it reads New and Executing as running, Completed as done, Error and Fatal as failed)' : '';
    throw new TransientError(
      `Gave up waiting for Xtremepush ${type} task ${id} for ${what} to reach status Completed: still "${task.status}"${unknown} after ` +
        `${duration(out.elapsedMs)} and ${out.polls} polls of info/task (limit ${duration(settings.maxWaitMs)}, source.exportPoll.maxWaitMs); ` +
        'try again later or raise that limit',
    );
  }
  if (!task.result?.download_url) throw new TerminalError(`Xtremepush ${type} task ${id} for ${what} completed without a download URL`);
  return { taskId: id, downloadUrl: task.result.download_url, rows: task.result.rows ?? null };
}
