/**
 * The writer strategy for the activity timeline: Freshsales tasks or sales activities. Neither
 * has a bulk endpoint and neither create is idempotent, so both are written the same way: one
 * create per record, each carrying a marker line at the end of its text (a task's description,
 * a sales activity's notes: `[crm-migrate <source key>]`), and a listing that finds records by
 * marker so a create whose outcome is unknown is found again instead of created twice. What
 * differs per entity is the create call, the text the marker ends, and the listings: tasks are
 * listed completed (migrated tasks are written done), then open (a user may have re-opened
 * one); sales activities have one listing.
 */
import type { FreshsalesClient } from '../client.js';
import { morePages } from '../client.js';
import type { FsSalesActivity, FsTask } from '../types.js';
import { classifyWriteError, rejectionReason } from '../write-errors.js';

/** Records per page of a listing (the most Freshsales serves). */
export const TASK_LIST_PAGE_SIZE = 100;

/** The two Freshsales entities a timeline can be written as. */
export type TimelineEntity = 'tasks' | 'sales_activities';

/** A timeline record as Freshsales reads it back. */
export type TimelineRecord = FsTask | FsSalesActivity;

/** The marker line that ends every migrated record's text. */
export function taskMarker(sourceKey: string): string {
  return `[crm-migrate ${sourceKey}]`;
}

/** The source key in a text's marker line, or null when it carries none. */
export function markerKeyOf(text: string | null | undefined): string | null {
  if (!text) return null;
  const lines = text.replace(/\r\n?/g, '\n').trimEnd().split('\n');
  const m = /^\[crm-migrate (.+)\]$/.exec(lines[lines.length - 1]!.trim());
  return m ? m[1]! : null;
}

/** What one create came to: the record, Freshsales refusing it (with its reason), or an unknown outcome. */
export type TimelineCreateOutcome = { kind: 'created'; record: TimelineRecord } | { kind: 'rejected'; reason: string } | { kind: 'in_doubt'; message: string };
/** The outcome of a task create (the timeline outcome, by its older name). */
export type TaskCreateOutcome = TimelineCreateOutcome;

/** How timeline records are created, found by marker, and what finding them costs. */
export interface TimelineWriter {
  readonly entity: TimelineEntity;
  /** "task" or "sales activity", for messages. */
  readonly noun: string;
  /** One create. Refusals and unknown outcomes are answers; anything else (auth, budget) throws. */
  create(payload: Record<string, unknown>): Promise<TimelineCreateOutcome>;
  /**
   * The records whose marker names one of `wanted`, by listing the account's records of the
   * entity (every listing, in order, until every wanted one was found). Two records with one
   * marker: the oldest is kept and `onDuplicate` told.
   */
  findByMarker(wanted: Set<string>, onDuplicate?: (sourceKey: string, ids: string[]) => void): Promise<{ found: Map<string, TimelineRecord>; pages: number }>;
  /** What a full marker listing costs: one probe call per listing now, then one call per 100 records in the account. */
  listingCost(): Promise<{ probeCalls: number; listingCalls: number; accountRecords: number }>;
  /** The text a record's marker ends (a task's description, a sales activity's notes). */
  markedText(record: TimelineRecord): string | null | undefined;
}
/** The task writer (the timeline writer over tasks). */
export type TaskWriter = TimelineWriter;

type ListPage = (page: number, perPage: number) => Promise<{ records: TimelineRecord[]; total: number | null; totalPages: number | null }>;

interface EntityOps {
  noun: string;
  create(payload: Record<string, unknown>): Promise<TimelineRecord>;
  listings: ListPage[];
  text(record: TimelineRecord): string | null | undefined;
}

function entityOps(dest: FreshsalesClient, entity: TimelineEntity): EntityOps {
  if (entity === 'tasks') {
    return {
      noun: 'task',
      create: (payload) => dest.createTask(payload),
      listings: ['completed', 'open'].map((filter): ListPage => async (page, perPage) => {
        const r = await dest.listTasks(filter, { page, perPage });
        return { records: r.tasks, total: r.total, totalPages: r.totalPages };
      }),
      text: (r) => (r as FsTask).description,
    };
  }
  return {
    noun: 'sales activity',
    create: (payload) => dest.createSalesActivity(payload),
    listings: [
      async (page, perPage) => {
        const r = await dest.listSalesActivities({ page, perPage });
        return { records: r.activities, total: r.total, totalPages: r.totalPages };
      },
    ],
    text: (r) => (r as FsSalesActivity).notes,
  };
}

/** The timeline writer for one entity. */
export function timelineWriter(dest: FreshsalesClient, entity: TimelineEntity): TimelineWriter {
  const ops = entityOps(dest, entity);
  return {
    entity,
    noun: ops.noun,
    markedText: ops.text,

    async create(payload) {
      try {
        return { kind: 'created', record: await ops.create(payload) };
      } catch (e) {
        const c = classifyWriteError(e, 'record');
        if (c.kind === 'rejected') return { kind: 'rejected', reason: rejectionReason(c, `the ${ops.noun}`) };
        // A timeout, a dropped connection or an unreadable 2xx: the record may well exist.
        if (c.kind === 'ambiguous') return { kind: 'in_doubt', message: (e as Error).message };
        throw e;
      }
    },

    async findByMarker(wanted, onDuplicate) {
      const found = new Map<string, TimelineRecord>();
      let pages = 0;
      for (const list of ops.listings) {
        let seen = 0;
        for (let page = 1; ; page++) {
          const res = await list(page, TASK_LIST_PAGE_SIZE);
          pages++;
          seen += res.records.length;
          for (const r of res.records) {
            const key = markerKeyOf(ops.text(r));
            if (key === null || !wanted.has(key)) continue;
            const had = found.get(key);
            if (had) {
              if (had.id === r.id) continue;
              onDuplicate?.(key, [had.id, r.id]);
              if (BigInt(r.id) < BigInt(had.id)) found.set(key, r);
            } else found.set(key, r);
          }
          // Paging follows `meta` (which may carry only `total`) and otherwise stops on a short page.
          if (res.records.length === 0 || !morePages(res, page, seen)) break;
        }
        // Every wanted record found: a further listing cannot add any.
        if (found.size === wanted.size) break;
      }
      return { found, pages };
    },

    async listingCost() {
      let listingCalls = 0;
      let accountRecords = 0;
      for (const list of ops.listings) {
        const probe = await list(1, 1);
        const n = probe.total ?? probe.records.length;
        accountRecords += n;
        listingCalls += Math.max(1, Math.ceil(n / TASK_LIST_PAGE_SIZE));
      }
      return { probeCalls: ops.listings.length, listingCalls, accountRecords };
    },
  };
}

/** The task writer: the timeline writer over tasks. */
export function taskWriter(dest: FreshsalesClient): TimelineWriter {
  return timelineWriter(dest, 'tasks');
}
