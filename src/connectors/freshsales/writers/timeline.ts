/**
 * The writer strategy for Freshsales tasks, which have no bulk endpoint and whose create is not
 * idempotent: one create per record, each task carrying a marker line at the end of its
 * description (`[crm-migrate <source key>]`), and a listing that finds tasks by marker — among
 * completed tasks (migrated tasks are written done) and open ones (a user may have re-opened
 * one) — so a create whose outcome is unknown is found again instead of created twice.
 */
import type { FreshsalesClient } from '../client.js';
import { morePages } from '../client.js';
import type { FsTask } from '../types.js';
import { classifyWriteError, rejectionReason } from '../write-errors.js';

/** Tasks per page of the listing (the most Freshsales serves). */
export const TASK_LIST_PAGE_SIZE = 100;

/** The marker line that ends every migrated task's description. */
export function taskMarker(sourceKey: string): string {
  return `[crm-migrate ${sourceKey}]`;
}

/** The source key in a description's marker line, or null when it carries none. */
export function markerKeyOf(description: string | null | undefined): string | null {
  if (!description) return null;
  const lines = description.replace(/\r\n?/g, '\n').trimEnd().split('\n');
  const m = /^\[crm-migrate (.+)\]$/.exec(lines[lines.length - 1]!.trim());
  return m ? m[1]! : null;
}

/** What one create came to: the task, Freshsales refusing it (with its reason), or an unknown outcome. */
export type TaskCreateOutcome = { kind: 'created'; task: FsTask } | { kind: 'rejected'; reason: string } | { kind: 'in_doubt'; message: string };

/** How tasks are created, found by marker, and what finding them costs. */
export interface TaskWriter {
  /** One create. Refusals and unknown outcomes are answers; anything else (auth, budget) throws. */
  create(payload: Record<string, unknown>): Promise<TaskCreateOutcome>;
  /**
   * The tasks whose marker names one of `wanted`, by listing the account's tasks (completed,
   * then open unless every wanted one was found). Two tasks with one marker: the oldest is kept
   * and `onDuplicate` told.
   */
  findByMarker(wanted: Set<string>, onDuplicate?: (sourceKey: string, ids: string[]) => void): Promise<{ found: Map<string, FsTask>; pages: number }>;
  /** What a full marker listing costs: two probe calls now, then one call per 100 tasks in the account. */
  listingCost(): Promise<{ probeCalls: number; listingCalls: number; accountTasks: number }>;
}

export function taskWriter(dest: FreshsalesClient): TaskWriter {
  return {
    async create(payload) {
      try {
        return { kind: 'created', task: await dest.createTask(payload) };
      } catch (e) {
        const c = classifyWriteError(e, 'record');
        if (c.kind === 'rejected') return { kind: 'rejected', reason: rejectionReason(c, 'the task') };
        // A timeout, a dropped connection or an unreadable 2xx: the task may well exist.
        if (c.kind === 'ambiguous') return { kind: 'in_doubt', message: (e as Error).message };
        throw e;
      }
    },

    async findByMarker(wanted, onDuplicate) {
      const found = new Map<string, FsTask>();
      let pages = 0;
      for (const filter of ['completed', 'open']) {
        let seen = 0;
        for (let page = 1; ; page++) {
          const res = await dest.listTasks(filter, { page, perPage: TASK_LIST_PAGE_SIZE });
          pages++;
          seen += res.tasks.length;
          for (const t of res.tasks) {
            const key = markerKeyOf(t.description);
            if (key === null || !wanted.has(key)) continue;
            const had = found.get(key);
            if (had) {
              if (had.id === t.id) continue;
              onDuplicate?.(key, [had.id, t.id]);
              if (BigInt(t.id) < BigInt(had.id)) found.set(key, t);
            } else found.set(key, t);
          }
          // Paging follows `meta` (which may carry only `total`) and otherwise stops on a short page.
          if (res.tasks.length === 0 || !morePages({ records: res.tasks, total: res.total, totalPages: res.totalPages }, page, seen)) break;
        }
        // Every wanted task found among completed ones: the open listing cannot add any.
        if (found.size === wanted.size) break;
      }
      return { found, pages };
    },

    async listingCost() {
      let listingCalls = 0;
      let accountTasks = 0;
      for (const filter of ['completed', 'open']) {
        const probe = await dest.listTasks(filter, { page: 1, perPage: 1 });
        const n = probe.total ?? probe.tasks.length;
        accountTasks += n;
        listingCalls += Math.max(1, Math.ceil(n / TASK_LIST_PAGE_SIZE));
      }
      return { probeCalls: 2, listingCalls, accountTasks };
    },
  };
}
