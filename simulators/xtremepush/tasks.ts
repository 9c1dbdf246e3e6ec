/**
 * Export tasks. The docs name the task identifiers (`segment_export_profiles`,
 * `profile_export_data`, …) and `list/task` / `info/task` [C], but not how an export is
 * started or delivered [A]. The simulator's answer:
 * - `create/task` with `{"type": "...", ...params}` → HTTP 202, `{"code":202,"success":true,"model":{task}}`.
 * - Statuses are named as the product names them: New, Executing, Completed, Error, Fatal [C
 *   names]; the API's spelling and case are not public [A], so `statusCase` picks Title
 *   ("Completed", the default), lower ("completed") or UPPER ("COMPLETED").
 * - Each `info/task` call moves the task one step: New → Executing → Completed
 *   (`pollsToComplete` calls; counted, not timed, so tests stay deterministic). With a
 *   `bulkfail` fault rate a task can end Error instead; every fourth failed task ends Fatal
 *   (counted, so the PRNG that drives the other faults draws the same numbers).
 * - A completed task's `result` is `{download_url, format: "jsonl", rows, expire_time}`; the
 *   URL needs no token (like a pre-signed link) and serves one JSON object per line.
 * Types:
 * - `segment_export_profiles` `{segment_id}` → lines `{"profile_id","user_id"}` of current members.
 * - `segment_export_devices` `{segment_id}` → device rows of current members.
 * - `profile_export_data` `{select?}` → profile rows.
 * - `event_export` `{from?, to?, user_id?}` (unix seconds, inclusive) → event rows. Events have
 *   no read API [C]; this stands in for the customer-supplied event export [A].
 * Membership is evaluated when the task is created (a snapshot), against live profiles.
 */
import { randomBytes } from 'node:crypto';
import { segmentMatches } from '../generator/segment-rules.js';
import type { XtremepushDataset, XtremepushEvent } from '../generator/types.js';
import { QueryError, project, type Row } from './query.js';

/** Task identifiers the simulator can run. */
export const TASK_TYPES = ['segment_export_profiles', 'segment_export_devices', 'profile_export_data', 'event_export'] as const;
/** One of TASK_TYPES. */
export type TaskType = (typeof TASK_TYPES)[number];

/** Task statuses as the product names them [C]. */
export const TASK_STATUSES = ['New', 'Executing', 'Completed', 'Error', 'Fatal'] as const;
/** One of TASK_STATUSES. */
export type TaskStatus = (typeof TASK_STATUSES)[number];
/** How the API spells a status [A: not public]: Title ("Completed"), lower or UPPER. */
export type TaskStatusCase = 'title' | 'lower' | 'upper';

/** `status` spelled in `statusCase`. */
export function spellTaskStatus(status: TaskStatus, statusCase: TaskStatusCase): string {
  return statusCase === 'lower' ? status.toLowerCase() : statusCase === 'upper' ? status.toUpperCase() : status;
}

/** A task as `info/task` and `list/task` show it [A fields]. */
export interface TaskView extends Row {
  id: number;
  type: TaskType;
  /** A TaskStatus spelled in the simulator's TaskStatusCase. */
  status: string;
  params: Record<string, unknown>;
  create_time: number;
  complete_time: number | null;
  result: { download_url: string; format: 'jsonl'; rows: number; expire_time: number } | null;
  error_message: string | null;
}

interface TaskState {
  view: TaskView;
  status: TaskStatus;
  polls: number;
  willFail: boolean;
  token: string;
  rows: () => Iterable<unknown>;
  rowCount: number;
}

/** Thrown for a task that refers to something missing (→ 404). */
export class NotFoundError extends Error {}

const TS = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) ([+-]\d{2}:\d{2})$/;
function eventTime(e: XtremepushEvent): number {
  const m = TS.exec(e.timestamp);
  return m ? Date.parse(`${m[1]}T${m[2]}${m[3]}`) / 1000 : Number.NaN;
}

function optionalUnix(v: unknown, name: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new QueryError(`${name} must be a unix time in seconds`);
  return v;
}

/** Runs and remembers export tasks for one simulator. */
export class TaskManager {
  private readonly tasks = new Map<number, TaskState>();
  private readonly byToken = new Map<string, TaskState>();
  private nextId = 70001;
  private failures = 0;

  constructor(
    private readonly dataset: () => XtremepushDataset,
    private readonly baseUrl: () => string,
    private readonly opts: { pollsToComplete: number; failRoll: () => boolean; nowSec: () => number; statusCase?: TaskStatusCase },
  ) {}

  private setStatus(t: TaskState, status: TaskStatus): void {
    t.status = status;
    t.view.status = spellTaskStatus(status, this.opts.statusCase ?? 'title');
  }

  /** Public views in id order (the `list/task` table). */
  views(): TaskView[] {
    return [...this.tasks.values()].map((t) => t.view);
  }

  /** Start a task from a `create/task` body. */
  create(body: Row): TaskView {
    const type = body.type;
    if (typeof type !== 'string' || !(TASK_TYPES as readonly string[]).includes(type)) {
      throw new QueryError(`type must be one of ${TASK_TYPES.join(', ')}, got ${JSON.stringify(type)}`);
    }
    const ds = this.dataset();
    const params: Record<string, unknown> = {};
    let rows: () => Iterable<unknown>;
    let rowCount: number;
    if (type === 'segment_export_profiles' || type === 'segment_export_devices') {
      const segId = body.segment_id;
      if (typeof segId !== 'number' && typeof segId !== 'string') throw new QueryError('segment_id is required');
      const seg = ds.segments.find((s) => String(s.id) === String(segId));
      if (!seg) throw new NotFoundError(`Segment ${segId} not found`);
      params.segment_id = seg.id;
      const members = ds.profiles.filter((p) => segmentMatches(seg.conditions, p));
      if (type === 'segment_export_profiles') {
        const out = members.map((p) => ({ profile_id: p.profile_id, user_id: p.user_id }));
        rows = () => out;
        rowCount = out.length;
      } else {
        const ids = new Set(members.map((p) => p.profile_id));
        const out = ds.devices.filter((d) => ids.has(d.profile_id));
        rows = () => out;
        rowCount = out.length;
      }
    } else if (type === 'profile_export_data') {
      let select: string[] | null = null;
      if (body.select !== undefined) {
        if (!Array.isArray(body.select) || !body.select.every((s) => typeof s === 'string')) throw new QueryError('select must be an array of field names');
        select = body.select as string[];
        params.select = select;
      }
      const out = ds.profiles.map((p) => project(p, select));
      rows = () => out;
      rowCount = out.length;
    } else {
      const from = optionalUnix(body.from, 'from');
      const to = optionalUnix(body.to, 'to');
      const user = body.user_id;
      if (user !== undefined && typeof user !== 'string') throw new QueryError('user_id must be a string');
      Object.assign(params, from !== undefined ? { from } : {}, to !== undefined ? { to } : {}, user !== undefined ? { user_id: user } : {});
      const events = ds.events;
      const keep = (e: XtremepushEvent) => {
        if (user !== undefined && e.user_id !== user) return false;
        if (from === undefined && to === undefined) return true;
        const t = eventTime(e);
        return (from === undefined || t >= from) && (to === undefined || t <= to);
      };
      const out = from === undefined && to === undefined && user === undefined ? events : events.filter(keep);
      rows = () => out;
      rowCount = out.length;
    }
    const id = this.nextId++;
    const state: TaskState = {
      view: { id, type: type as TaskType, status: '', params, create_time: this.opts.nowSec(), complete_time: null, result: null, error_message: null },
      status: 'New',
      polls: 0,
      willFail: this.opts.failRoll(),
      token: randomBytes(12).toString('hex'),
      rows,
      rowCount,
    };
    this.setStatus(state, 'New');
    this.tasks.set(id, state);
    this.byToken.set(state.token, state);
    if (this.opts.pollsToComplete <= 0) this.finish(state);
    return state.view;
  }

  private finish(t: TaskState): void {
    const now = this.opts.nowSec();
    t.view.complete_time = now;
    if (t.willFail) {
      const fatal = ++this.failures % 4 === 0;
      this.setStatus(t, fatal ? 'Fatal' : 'Error');
      t.view.error_message = fatal ? 'Export failed: fatal error, the export cannot be completed' : 'Export failed: internal error, please retry';
      return;
    }
    this.setStatus(t, 'Completed');
    t.view.result = { download_url: `${this.baseUrl()}/exports/${t.token}.jsonl`, format: 'jsonl', rows: t.rowCount, expire_time: now + 86400 };
  }

  /** `info/task`: the task, one step further along. */
  poll(id: unknown): TaskView {
    const t = this.tasks.get(Number(id));
    if (!t) throw new NotFoundError(`Task ${String(id)} not found`);
    if (t.status === 'New' || t.status === 'Executing') {
      t.polls++;
      if (t.polls >= this.opts.pollsToComplete) this.finish(t);
      else this.setStatus(t, 'Executing');
    }
    return t.view;
  }

  /** Rows of a completed task's file, by download token; undefined when there is no such file. */
  download(token: string): Iterable<unknown> | undefined {
    const t = this.byToken.get(token);
    return t && t.status === 'Completed' ? t.rows() : undefined;
  }
}
