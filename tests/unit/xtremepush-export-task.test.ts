import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/core/clock.js';
import { TerminalError, TransientError } from '../../src/core/errors.js';
import { ExportPollSettings, runExportTask, taskPhase, type TaskPhase } from '../../src/connectors/xtremepush/export-task.js';
import type { XtremepushClient } from '../../src/connectors/xtremepush/client.js';
import { XpTask } from '../../src/connectors/xtremepush/types.js';

/** A clock whose sleeps only move its time forward. */
function virtualClock(): Clock & { slept: number[] } {
  let t = 1_000_000;
  const slept: number[] = [];
  return {
    slept,
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
  };
}

/** A client whose task answers `statuses` in turn (create/task first), then repeats the last one. */
function scriptedClient(statuses: Array<string | number>, extra: Record<string, unknown> = {}): XtremepushClient & { polls: () => number } {
  let k = 0;
  const answer = () => {
    const status = statuses[Math.min(k++, statuses.length - 1)]!;
    const done = taskPhase(String(status)) === 'done';
    return XpTask.parse({ id: 70001, status, result: done ? { download_url: 'https://files.example.com/x.jsonl?sig=secret', rows: '12' } : null, ...extra });
  };
  return {
    createTask: async () => answer(),
    taskInfo: async () => answer(),
    polls: () => Math.max(0, k - 1),
  } as unknown as XtremepushClient & { polls: () => number };
}

const settings = ExportPollSettings.parse({ initialMs: 1000, factor: 2, maxIntervalMs: 8000, maxWaitMs: 60_000 });

describe('taskPhase', () => {
  it.each([
    ['New', 'running'], ['new', 'running'], ['NEW', 'running'], ['Executing', 'running'], ['executing', 'running'], ['EXECUTING', 'running'],
    ['pending', 'running'], ['Processing', 'running'],
    ['Completed', 'done'], ['completed', 'done'], ['COMPLETED', 'done'], ['complete', 'done'], ['Success', 'done'],
    ['Error', 'failed'], ['error', 'failed'], ['ERROR', 'failed'], ['Fatal', 'failed'], ['fatal', 'failed'], ['FATAL', 'failed'], ['failed', 'failed'],
    [' Completed ', 'done'], ['Queued', 'unknown'], ['', 'unknown'], ['constructor', 'unknown'],
  ] as Array<[string, TaskPhase]>)('reads %j as %s', (status, phase) => {
    expect(taskPhase(status)).toBe(phase);
  });

  it('reads a task whose status or row count comes as a number', () => {
    expect(XpTask.parse({ id: '70001', status: 2, result: { download_url: 'u', rows: '5' } })).toMatchObject({ status: '2', result: { rows: 5 } });
  });
});

describe('runExportTask', () => {
  it.each([
    ['title', ['New', 'Executing', 'Executing', 'Completed']],
    ['lower', ['new', 'executing', 'executing', 'completed']],
    ['upper', ['NEW', 'EXECUTING', 'EXECUTING', 'COMPLETED']],
    ['older names', ['pending', 'processing', 'processing', 'complete']],
  ])('polls through %s statuses until the task is done and returns its file', async (_name, statuses) => {
    const client = scriptedClient(statuses);
    const clock = virtualClock();
    const done = await runExportTask(client, 'segment_export_profiles', { segment_id: 101 }, 'segment 101 (VIP players)', settings, clock);
    expect(done).toEqual({ taskId: '70001', downloadUrl: 'https://files.example.com/x.jsonl?sig=secret', rows: 12 });
    expect(client.polls()).toBe(3);
    expect(clock.slept).toEqual([1000, 2000, 4000]);
  });

  it.each([['Error'], ['FATAL'], ['failed']])('stops at a %s task with a terminal error naming the export, the status and the reason', async (status) => {
    const client = scriptedClient(['New', 'Executing', status], { error_message: 'Export failed: internal error, please retry' });
    const err = await runExportTask(client, 'event_export', {}, 'events', settings, virtualClock()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TerminalError);
    expect((err as Error).message).toBe(`Xtremepush event_export task 70001 for events failed with status "${status}": Export failed: internal error, please retry`);
    expect(client.polls()).toBe(2);
  });

  it('gives up after maxWaitMs with a message saying what it waited for and how long', async () => {
    const client = scriptedClient(['New', 'Executing']);
    const clock = virtualClock();
    const err = await runExportTask(client, 'segment_export_profiles', {}, 'segment 101 (VIP players)', settings, clock).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toMatch(
      /^Gave up waiting for Xtremepush segment_export_profiles task 70001 for segment 101 \(VIP players\) to reach status Completed: still "Executing" after \d+ s and \d+ polls of info\/task \(limit 60 s, source\.exportPoll\.maxWaitMs\); try again later or raise that limit$/,
    );
    expect((err as Error).message).not.toContain('does not know');
    expect(clock.slept.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(60_000);
    expect(client.polls()).toBeLessThan(15); // intervals grew up to maxIntervalMs
  });

  it('waits on a status it does not know, within the same bound, and says so when it gives up', async () => {
    const client = scriptedClient(['Queued']);
    const err = await runExportTask(client, 'event_export', {}, 'events', settings, virtualClock()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toContain('still "Queued", a status the connector does not know');
  });
});
