/**
 * The export-task flow, the only way to read segment members and events [C task names,
 * A call shapes]: `create/task` → poll `info/task` at growing intervals, within a bounded
 * total wait, until `completed` → the result file's absolute URL. A `failed` task is a
 * TerminalError naming what was exported and the vendor's reason.
 */
import { z } from 'zod';
import { systemClock, type Clock } from '../../core/clock.js';
import { TerminalError, TransientError } from '../../core/errors.js';
import type { XtremepushClient } from './client.js';
import type { XpTask } from './types.js';

/** Polling settings for export tasks (a connector setting, see XtremepushConfig.exportPoll). */
export const ExportPollSettings = z.object({
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
  const started = clock.now();
  let task: XpTask = await client.createTask(type, params);
  const id = String(task.id);
  let wait = settings.initialMs;
  let polls = 0;
  while (task.status !== 'completed') {
    if (task.status === 'failed') {
      throw new TerminalError(`Xtremepush ${type} task ${id} for ${what} failed: ${task.error_message?.trim() || 'no reason given'}`);
    }
    const elapsed = clock.now() - started;
    if (elapsed + wait > settings.maxWaitMs) {
      throw new TransientError(
        `Xtremepush ${type} task ${id} for ${what} still ${task.status} after ${Math.round(elapsed / 1000)} s and ${polls} polls (limit ${Math.round(settings.maxWaitMs / 1000)} s); try again later`,
      );
    }
    await clock.sleep(wait, signal);
    wait = Math.min(settings.maxIntervalMs, Math.max(1, Math.ceil(wait * settings.factor)));
    task = await client.taskInfo(task.id);
    polls++;
  }
  if (!task.result?.download_url) throw new TerminalError(`Xtremepush ${type} task ${id} for ${what} completed without a download URL`);
  return { taskId: id, downloadUrl: task.result.download_url, rows: task.result.rows ?? null };
}
