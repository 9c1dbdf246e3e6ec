/**
 * The task phase: campaign interactions (delivered / opened / clicked) and behavioural events
 * become Freshsales tasks on their contact, keeping the original timestamp as the due date.
 *
 * Tasks have no bulk endpoint (one call each) and their create is not idempotent, so the
 * phase is built around one question — "was this task already created?":
 * - every record is marked `sent` (committed) before its create, and journaled after;
 * - a create whose outcome is unknown (timeout, dropped connection, 500) stays `sent`;
 * - before any `sent` record is created again, Freshsales is searched for it: each task's
 *   description ends with a marker line `[crm-migrate <source key>]`, and one listing of the
 *   account's tasks per reconciliation round finds the ones that exist. The listing happens
 *   only when something is in doubt, once for all of them, after the creates of the run.
 *
 * Tasks hang on their contact's Freshsales id from the journal; a task whose contact did not
 * make it is orphaned with the reason, never attached to a placeholder.
 */
import { offers } from '../connectors/manifest.js';
import { parseDateTimeText } from '../core/datetime.js';
import { TransientError } from '../core/errors.js';
import { payloadHash } from '../core/hash.js';
import type { CanonicalEvent, CanonicalInteraction } from '../core/model.js';
import { markerKeyOf, taskMarker, taskWriter, taskLinkOf, type FsTask } from '../connectors/freshsales/index.js';
import type { SourceConnector, SourcePage } from '../connectors/source.js';
import { compareField } from '../mapping/compare.js';
import type { TaskMap } from '../mapping/spec.js';
import type { FailureEntry, QuarantineEntry, PreparedRecord, StagedRecord, VerifyResult } from '../state/store.js';
import type { PhaseDeps } from './phase-deps.js';
import type { FieldMismatch } from './verify.js';

const OBJECT = 'task' as const;
const READ_CHUNK = 1000;
/** Freshsales limits on task text [simulator/activities: title 255, description 10,000]. */
const TITLE_MAX = 255;
const DESCRIPTION_MAX = 10_000;
/** Reconciliation rounds (one task listing each) before the run stops and asks to be re-run. */
const MAX_RECONCILE_ROUNDS = 4;

export interface TaskPhaseDeps extends PhaseDeps {
  source: SourceConnector;
  map: TaskMap;
}

/** A staged task source record: the canonical interaction or event, tagged with its kind. */
export type TaskSourceRecord = ({ type: 'interaction' } & CanonicalInteraction) | ({ type: 'event' } & CanonicalEvent);

/**
 * A task as written. Freshsales has no custom fields on tasks (the field catalogue offers
 * none, and a `custom_field` on a task is rejected), so what the seed calls
 * campaign_name__c, event_type__c and device_id__c goes into the title and description.
 * `targetable_id` is added at load time from the parent contact's journal entry.
 */
export interface TaskPayload {
  title: string;
  description: string;
  /** The original timestamp as an ISO 8601 UTC instant. */
  due_date: string;
  /** 1 = done: these are records of things that happened. */
  status: 0 | 1;
  targetable_type: 'Contact';
  owner_id?: number;
}

/** Pure inputs of `toTaskPayload`. */
export interface TaskPayloadContext {
  ownerId: string | null;
}

/** A payload, or why the record cannot become a task (it is quarantined with these reasons). */
export type TaskPayloadResult = { ok: true; payload: TaskPayload } | { ok: false; reasons: string[] };

/** What `loadTasks` did in this call (counts of the run are in the store). */
export interface TaskLoadSummary {
  /** Contacts whose tasks were processed (one unit each). */
  contacts: number;
  /** Tasks in doubt that were found in Freshsales by their marker and journaled without a new create. */
  reconciled: number;
  /** Pages of the task listing read to reconcile or adopt (0 on a run without doubt). */
  listingPages: number;
  /** Tasks found in Freshsales by marker before this workdir's first create, journaled instead of created. */
  adopted: number;
}

// The marker line and its reading belong to Freshsales' task writer (connectors/freshsales/writers/tasks.ts).
export { markerKeyOf, taskMarker };

/**
 * Build the task for an interaction or an event. Pure. Timestamps are read with their own
 * offset (or as UTC when they carry none, as the canonical model promises) and written as the
 * same instant in UTC: the machine's time zone never enters.
 */
export function toTaskPayload(record: TaskSourceRecord, ctx: TaskPayloadContext): TaskPayloadResult {
  const marker = taskMarker(record.sourceKey);
  let title: string;
  let lines: string[];
  let due: string | null;
  if (record.type === 'interaction') {
    due = toUtcInstant(record.occurredAt);
    if (due === null) return { ok: false, reasons: [`interaction timestamp ${JSON.stringify(record.occurredAt)} is not an ISO 8601 date-time`] };
    const campaign = record.campaignName.trim() || `Campaign ${record.campaignId}`;
    title = withSuffix(campaign, ` — ${record.kind}`, TITLE_MAX);
    lines = [
      `Campaign: ${campaign}`,
      `Campaign id: ${record.campaignId}`,
      `Channel: ${record.channel}`,
      `Interaction: ${record.kind}`,
      `Original timestamp: ${record.occurredAt}`,
      `UTC instant: ${due}`,
    ];
  } else {
    // occurredAt is the canonical UTC instant; the raw text is the fallback (it carries its offset).
    due = toUtcInstant(record.occurredAt) ?? toUtcInstant(record.occurredAtRaw);
    if (due === null) return { ok: false, reasons: [`event timestamp ${JSON.stringify(record.occurredAtRaw || record.occurredAt)} is not an ISO 8601 date-time`] };
    title = withSuffix('Event: ', record.event, TITLE_MAX, true);
    lines = [
      `Event type: ${record.event}`,
      `Value: ${record.value === null ? '(none)' : String(record.value)}`,
      `Device id: ${record.deviceId ?? '(none)'}`,
      `Original timestamp: ${record.occurredAtRaw}`,
      `UTC instant: ${due}`,
    ];
  }
  // The marker must survive any truncation: it is how the task is found again.
  let body = lines.join('\n');
  const room = DESCRIPTION_MAX - marker.length - 1;
  if (body.length > room) body = `${body.slice(0, room - 1)}…`;
  const payload: TaskPayload = { title, description: `${body}\n${marker}`, due_date: due, status: 1, targetable_type: 'Contact' };
  if (ctx.ownerId) payload.owner_id = Number(ctx.ownerId);
  return { ok: true, payload };
}

/** `head + tail` within `max` characters, shortening the head (or the tail when `keepHead`). */
function withSuffix(head: string, tail: string, max: number, keepHead = false): string {
  if (head.length + tail.length <= max) return head + tail;
  if (keepHead) return head + tail.slice(0, Math.max(0, max - head.length - 1)) + '…';
  return head.slice(0, Math.max(0, max - tail.length - 1)) + '…' + tail;
}

/**
 * An ISO 8601 date-time (a time of day required; `T` or a space; `Z`, `±HH:MM`, `±HHMM` or
 * `±HH`) as a UTC instant (`toISOString` form), or null. Computed arithmetically from the
 * text's own fields and offset (see `parseDateTimeText`) — never Date.parse, which reads
 * offset-less text in the machine's zone. Text without an offset is UTC (the canonical
 * model's contract). Impossible dates (31 February) and offsets beyond ±18:00 are null.
 */
export function toUtcInstant(text: string): string | null {
  const p = parseDateTimeText(text);
  return p !== null && p.hasTime ? p.isoInstant : null;
}

/**
 * Stage the source records that become tasks, page by page with the stream checkpoint in the
 * same transaction (as contacts do), then prepare them. Interactions are staged when
 * `map.campaigns` is on and their kind is listed; events per policy: all → every event,
 * high_value → events named in `high_value`, summary / none → no event tasks. Records an
 * earlier run already journaled are not staged again: a task create is not idempotent, and
 * a cutover delta must not repeat the production run's tasks.
 */
export async function extractTasks(d: TaskPhaseDeps): Promise<{ staged: number; alreadyMigrated: number }> {
  let staged = 0;
  let alreadyMigrated = 0;
  if ((await d.store.getCheckpoint(d.runId, 'task:extracted')) !== 'done') {
    const kinds = new Set<string>(d.map.interactions);
    if (d.map.campaigns && kinds.size > 0 && offers(d.source, 'interactions')) {
      const r = await extractStream(d, 'interactions', (after) => d.source.interactions(after), (i) => kinds.has(i.kind), 'interaction');
      staged += r.staged;
      alreadyMigrated += r.alreadyMigrated;
    }
    const policy = d.map.events.policy;
    // An empty high-value list keeps nothing: do not read the whole event export for it.
    if (offers(d.source, 'events') && (policy === 'all' || (policy === 'high_value' && d.map.events.high_value.length > 0))) {
      const wanted = new Set(d.map.events.high_value);
      const keep = policy === 'all' ? () => true : (e: CanonicalEvent) => wanted.has(e.event);
      const r = await extractStream(d, 'events', (after) => d.source.events(after), keep, 'event');
      staged += r.staged;
      alreadyMigrated += r.alreadyMigrated;
    }
    await d.store.setCheckpoint(d.runId, 'task:extracted', 'done');
    if (alreadyMigrated > 0) d.progress.note(`${alreadyMigrated} task(s) were migrated by an earlier run and are not created again`);
  }
  await prepareTasks(d);
  return { staged, alreadyMigrated };
}

async function extractStream<T extends CanonicalInteraction | CanonicalEvent>(
  d: TaskPhaseDeps,
  stream: 'interactions' | 'events',
  pages: (after: string | null) => AsyncIterable<SourcePage<T>>,
  keep: (r: T) => boolean,
  type: TaskSourceRecord['type'],
): Promise<{ staged: number; alreadyMigrated: number }> {
  const doneKey = `task:${stream}:extracted`;
  const cursorKey = `task:${stream}:cursor`;
  if ((await d.store.getCheckpoint(d.runId, doneKey)) === 'done') return { staged: 0, alreadyMigrated: 0 };
  const after = await d.store.getCheckpoint(d.runId, cursorKey);
  let staged = 0;
  let alreadyMigrated = 0;
  d.progress.start(`extract ${stream}`, null);
  if (after) d.progress.note(`resuming ${stream} extraction after checkpoint ${after}`);
  for await (const page of pages(after || null)) {
    const kept = page.records.filter(keep);
    const earlier = kept.length > 0 ? await d.store.destIds(OBJECT, kept.map((r) => r.sourceKey)) : new Map<string, string>();
    const fresh = kept.filter((r) => !earlier.has(r.sourceKey));
    alreadyMigrated += kept.length - fresh.length;
    await d.store.stageRecords(
      d.runId,
      OBJECT,
      fresh.map((r) => {
        const at = Date.parse(toUtcInstant(r.occurredAt) ?? '');
        return { sourceKey: r.sourceKey, sourceId: r.sourceKey, updatedAtMs: Number.isNaN(at) ? null : at, record: { type, ...r } };
      }),
      { stream: cursorKey, value: page.checkpoint },
    );
    staged += fresh.length;
    d.progress.advance(page.records.length);
  }
  await d.store.setCheckpoint(d.runId, doneKey, 'done');
  d.progress.end();
  return { staged, alreadyMigrated };
}

/** Build every staged record's payload (matchKey = its contact's source key); quarantine the unusable. */
export async function prepareTasks(d: TaskPhaseDeps): Promise<void> {
  if ((await d.store.getCheckpoint(d.runId, 'task:prepared')) === 'done') return;
  let after = 0;
  for (;;) {
    const rows = await d.store.stagedByStatus(d.runId, OBJECT, ['staged'], after, READ_CHUNK);
    if (rows.length === 0) break;
    const ready: PreparedRecord[] = [];
    const quarantined: QuarantineEntry[] = [];
    // A task of a profile merged into a duplicate by email hangs on the surviving contact:
    // the activity history follows the merge instead of being orphaned.
    const survivors = await d.store.mergedInto(d.runId, 'contact', rows.map((r) => (r.record as TaskSourceRecord).contactKey));
    for (const row of rows) {
      const rec = row.record as TaskSourceRecord;
      const out = toTaskPayload(rec, { ownerId: d.ownerId });
      const survivor = survivors.get(rec.contactKey);
      if (out.ok) {
        ready.push({
          sourceKey: row.sourceKey, matchKey: survivor ?? rec.contactKey, payload: out.payload, payloadHash: payloadHash(out.payload),
          ...(survivor ? { reparentedFrom: rec.contactKey } : {}),
        });
      } else quarantined.push({ object: OBJECT, recordKey: row.sourceKey, reasons: out.reasons, record: rec });
    }
    await d.store.savePrepared(d.runId, OBJECT, ready, quarantined);
    after = rows[rows.length - 1]!.seq;
  }
  await d.store.setCheckpoint(d.runId, 'task:prepared', 'done');
}

interface ContactUnit {
  phase: 'task';
  batchNo: number;
  contactKey: string;
  seqs: number[];
}

/**
 * Create every ready task, all tasks of one contact in one unit (units run on the executor,
 * so contacts load in parallel and each contact's history in order). Then reconcile what is
 * in doubt — ambiguous creates of this run and records a crash left `sent` — by marker,
 * creating only those Freshsales does not have.
 */
export async function loadTasks(d: TaskPhaseDeps): Promise<TaskLoadSummary> {
  // A light index (contact → staging seqs) rather than the records: a contact's tasks are
  // spread over the interaction and event streams, and the payloads need not sit in memory.
  const byContact = new Map<string, number[]>();
  let total = 0;
  for (let after = 0; ; ) {
    const rows = await d.store.stagedByStatus(d.runId, OBJECT, ['ready'], after, READ_CHUNK);
    if (rows.length === 0) break;
    for (const r of rows) {
      const key = r.matchKey ?? (r.record as TaskSourceRecord).contactKey;
      const list = byContact.get(key);
      if (list) list.push(r.seq);
      else byContact.set(key, [r.seq]);
    }
    total += rows.length;
    after = rows[rows.length - 1]!.seq;
  }
  const fates = new ContactFates(d);
  // The last line of defence when state.db was lost (or another workdir migrated into this
  // account): before this workdir's first task create, adopt the tasks that already carry
  // our markers instead of creating them again.
  const adoption = !(await d.store.hasJournal(OBJECT)) && (total > 0 || (await d.store.stagedByStatus(d.runId, OBJECT, ['sent'], 0, 1)).length > 0)
    ? await adoptMarkedTasks(d)
    : { adopted: 0, pages: 0 };
  let n = 0;
  const units: ContactUnit[] = [...byContact].map(([contactKey, seqs]) => ({ phase: 'task', batchNo: ++n, contactKey, seqs }));
  byContact.clear();
  if (units.length > 0) {
    d.progress.start('load tasks', total);
    await d.executor.run(units, async (u) => {
      d.progress.advance(await loadContactTasks(d, fates, u));
    });
    d.progress.end();
  }
  const rec = await reconcileInDoubt(d, fates);
  return { contacts: units.length, ...rec, adopted: adoption.adopted, listingPages: rec.listingPages + adoption.pages };
}

/**
 * Tasks already in Freshsales whose marker names a ready record of this run: journaled as
 * this migration's (created by a run whose state is gone), never created again. One listing
 * of the account's tasks (completed and open), announced in the budget plan.
 */
async function adoptMarkedTasks(d: TaskPhaseDeps): Promise<{ adopted: number; pages: number }> {
  const ready: StagedRecord[] = [];
  for (let after = 0; ; ) {
    // Ready and sent alike: a crash of this very run may have left creates in doubt.
    const rows = await d.store.stagedByStatus(d.runId, OBJECT, ['ready', 'sent'], after, READ_CHUNK);
    if (rows.length === 0) break;
    ready.push(...rows);
    after = rows[rows.length - 1]!.seq;
  }
  const listing = await listTasksByMarker(d, new Set(ready.map((r) => r.sourceKey)));
  if (listing.found.size === 0) return { adopted: 0, pages: listing.pages };
  const parents = await d.store.destIds('contact', [...new Set(ready.map((r) => r.matchKey ?? (r.record as TaskSourceRecord).contactKey))]);
  let adopted = 0;
  for (const row of ready) {
    const existing = listing.found.get(row.sourceKey);
    if (!existing) continue;
    const parentId = parents.get(row.matchKey ?? (row.record as TaskSourceRecord).contactKey) ?? taskLinkOf(existing)?.id ?? '';
    await journalTask(d, row, parentId, existing);
    adopted++;
  }
  d.progress.note(
    `${adopted} task(s) already in Freshsales carry this migration's markers although this workdir has no record of them ` +
      '(state.db lost or new, or another workdir migrated into this account): adopted into the journal, not created again',
  );
  return { adopted, pages: listing.pages };
}

/**
 * What adopting existing tasks will cost before this workdir's first task create: two probe
 * calls (one per task listing) now, then one call per 100 tasks in the account. Zero when the
 * workdir already journaled tasks.
 */
export async function taskAdoptionCost(d: Pick<TaskPhaseDeps, 'store' | 'dest'>): Promise<{ probeCalls: number; listingCalls: number; accountTasks: number }> {
  if (await d.store.hasJournal(OBJECT)) return { probeCalls: 0, listingCalls: 0, accountTasks: 0 };
  return taskWriter(d.dest).listingCost();
}

/** The unit's records, read by runs of consecutive staging seqs (one query per run). */
async function unitRecords(d: TaskPhaseDeps, u: ContactUnit): Promise<StagedRecord[]> {
  const out: StagedRecord[] = [];
  const wanted = new Set(u.seqs);
  for (let i = 0; i < u.seqs.length; ) {
    let j = i;
    while (j + 1 < u.seqs.length && u.seqs[j + 1] === u.seqs[j]! + 1) j++;
    const rows = await d.store.stagedByStatus(d.runId, OBJECT, ['ready'], u.seqs[i]! - 1, j - i + 1);
    for (const r of rows) if (wanted.has(r.seq)) out.push(r);
    i = j + 1;
  }
  return out;
}

async function loadContactTasks(d: TaskPhaseDeps, fates: ContactFates, u: ContactUnit): Promise<number> {
  const rows = await unitRecords(d, u);
  if (rows.length === 0) return 0;
  const parent = (await d.store.destIds('contact', [u.contactKey])).get(u.contactKey);
  if (!parent) {
    const reason = await fates.reasonFor(u.contactKey);
    await d.store.markOrphaned(d.runId, OBJECT, rows.map((r) => ({ sourceKey: r.sourceKey, reason })));
    return rows.length;
  }
  for (const row of rows) await createTask(d, row, parent);
  return rows.length;
}

/**
 * One create: `sent` is committed before the call; the answer is verified and journaled in
 * one transaction. A rejection (4xx) is a failure with the vendor's reason. An ambiguous
 * failure leaves the record `sent` for reconciliation. Anything else stops the run (it can
 * be resumed: the record stays `sent` and is reconciled then).
 */
async function createTask(d: TaskPhaseDeps, row: StagedRecord, parentId: string): Promise<'created' | 'failed' | 'in_doubt'> {
  const payload = { ...(row.payload as TaskPayload), targetable_id: Number(parentId) };
  await d.store.markRecordsSent(d.runId, OBJECT, [row.sourceKey]);
  const out = await taskWriter(d.dest).create(payload);
  if (out.kind === 'rejected') {
    await d.store.completeRecords(d.runId, OBJECT, { journal: [], verify: [], failures: [{ sourceKey: row.sourceKey, reason: out.reason }] }, new Date(d.clock.now()));
    return 'failed';
  }
  if (out.kind === 'in_doubt') {
    d.logger.warn({ sourceKey: row.sourceKey, err: out.message }, 'task create outcome unknown; will reconcile by marker');
    return 'in_doubt';
  }
  await journalTask(d, row, parentId, out.task);
  return 'created';
}

async function journalTask(d: TaskPhaseDeps, row: StagedRecord, parentId: string, task: FsTask): Promise<void> {
  const v = verifyTask(row.payload as TaskPayload, parentId, task);
  await d.store.completeRecords(
    d.runId,
    OBJECT,
    {
      journal: [{ sourceKey: row.sourceKey, destId: task.id, action: 'created', beforeImage: null, payloadHash: row.payloadHash ?? payloadHash(row.payload) }],
      verify: [{ sourceKey: row.sourceKey, ...v }],
      failures: [],
    },
    new Date(d.clock.now()),
  );
}

/**
 * Field-by-field check of a task as Freshsales holds it: title, description (with the
 * marker), due date as the same instant, status, and the link to the parent contact.
 */
export function verifyTask(sent: TaskPayload, parentId: string, got: FsTask): Omit<VerifyResult, 'sourceKey'> {
  const mismatches: FieldMismatch[] = [];
  const check = (field: string, expected: unknown, actual: unknown, ok: boolean) => {
    if (!ok) mismatches.push({ field, expected, actual: actual ?? null });
  };
  check('title', sent.title, got.title, compareField('title', sent.title, got.title, 'text'));
  check('description', sent.description, got.description, compareField('description', sent.description, got.description, 'text'));
  check('due_date', sent.due_date, got.due_date, compareField('due_date', sent.due_date, got.due_date, 'datetime'));
  check('status', sent.status, got.status, taskStatusOf(got.status) === sent.status);
  // Reads carry the link as `targetable {type, id}` or `targetables [...]`, rarely flat [LIVE].
  const link = taskLinkOf(got);
  check('targetable_type', sent.targetable_type, link?.type ?? null, link !== null && link.type === sent.targetable_type.toLowerCase());
  check('targetable_id', parentId, link?.id ?? null, link !== null && link.id === parentId);
  if (sent.owner_id !== undefined) check('owner_id', String(sent.owner_id), got.owner_id, got.owner_id === String(sent.owner_id));
  return { ok: mismatches.length === 0, mismatches };
}

/** A task status as read (0/1, or a name in any case: "Completed", "open"...) as 0 open / 1 done; null when unknown. */
export function taskStatusOf(v: unknown): 0 | 1 | null {
  if (v === 0 || v === 1) return v;
  const s = String(v ?? '').trim().toLowerCase();
  if (['1', 'completed', 'complete', 'done', 'closed'].includes(s)) return 1;
  if (['0', 'open', 'pending', 'not started', 'in progress'].includes(s)) return 0;
  return null;
}

/**
 * Resolve every `sent` record: journal the ones Freshsales has (found by marker), create
 * the rest. A create can be ambiguous again, hence rounds; each round costs one listing.
 */
async function reconcileInDoubt(d: TaskPhaseDeps, fates: ContactFates): Promise<{ reconciled: number; listingPages: number }> {
  let reconciled = 0;
  let listingPages = 0;
  for (let round = 1; ; round++) {
    const sent: StagedRecord[] = [];
    for (let after = 0; ; ) {
      const rows = await d.store.stagedByStatus(d.runId, OBJECT, ['sent'], after, READ_CHUNK);
      if (rows.length === 0) break;
      sent.push(...rows);
      after = rows[rows.length - 1]!.seq;
    }
    if (sent.length === 0) return { reconciled, listingPages };
    if (round > MAX_RECONCILE_ROUNDS) {
      throw new TransientError(
        `${sent.length} task create(s) still have an unknown outcome after ${MAX_RECONCILE_ROUNDS} reconciliation rounds; ` +
          'run the same command again: they are looked up by marker before any new create, never duplicated',
      );
    }
    d.progress.note(`reconciling ${sent.length} task(s) whose create may or may not have happened (listing Freshsales tasks, round ${round})`);
    const listing = await listTasksByMarker(d, new Set(sent.map((r) => r.sourceKey)));
    listingPages += listing.pages;
    const parents = await d.store.destIds('contact', [...new Set(sent.map((r) => r.matchKey ?? (r.record as TaskSourceRecord).contactKey))]);
    for (const row of sent) {
      const contactKey = row.matchKey ?? (row.record as TaskSourceRecord).contactKey;
      const parentId = parents.get(contactKey);
      const existing = listing.found.get(row.sourceKey);
      if (existing) {
        // Verification compares the link with the parent it was created for.
        await journalTask(d, row, parentId ?? taskLinkOf(existing)?.id ?? '', existing);
        reconciled++;
      } else if (!parentId) {
        await d.store.markOrphaned(d.runId, OBJECT, [{ sourceKey: row.sourceKey, reason: await fates.reasonFor(contactKey) }]);
      } else {
        await createTask(d, row, parentId);
      }
    }
  }
}

/** The account's tasks carrying a wanted marker (see TaskWriter.findByMarker); duplicates are logged. */
async function listTasksByMarker(d: TaskPhaseDeps, wanted: Set<string>): Promise<{ found: Map<string, FsTask>; pages: number }> {
  return taskWriter(d.dest).findByMarker(wanted, (sourceKey, ids) => d.logger.warn({ sourceKey, ids }, 'two Freshsales tasks carry the same migration marker'));
}

/**
 * Why a contact has no Freshsales id, for orphan reasons: its status in this run's contact
 * phase (quarantined with reasons, failed with the vendor's reason, merged into the
 * duplicate that won). Built once, on the first orphan, from the store.
 */
class ContactFates {
  private built: Promise<Map<string, string>> | null = null;

  constructor(private readonly d: TaskPhaseDeps) {}

  private scoped: Promise<boolean> | null = null;

  async reasonFor(contactKey: string): Promise<string> {
    this.built ??= this.build();
    // A source reached through segments: a contact outside them was never in scope.
    this.scoped ??= this.d.store.getCheckpoint(this.d.runId, 'scope:segments').then((v) => v !== null);
    const why = (await this.built).get(contactKey);
    const otherwise = (await this.scoped) ? 'in none of the segments the population was frozen from' : 'not in this run\'s contacts, and no earlier run journaled it';
    return `contact ${contactKey} was not migrated (${why ?? otherwise})`;
  }

  private async build(): Promise<Map<string, string>> {
    const { store, runId } = this.d;
    const out = new Map<string, string>();
    const mergedByEmail = new Map<string, string[]>();
    for (let after = 0; ; ) {
      const rows = await store.stagedByStatus(runId, 'contact', ['staged', 'ready', 'sent', 'quarantined', 'merged', 'failed', 'orphaned'], after, READ_CHUNK);
      if (rows.length === 0) break;
      for (const r of rows) {
        if (r.status === 'merged') {
          const email = r.matchKey ?? '';
          mergedByEmail.set(email, [...(mergedByEmail.get(email) ?? []), r.sourceKey]);
          out.set(r.sourceKey, 'merged into another contact with the same email');
        } else if (r.status === 'quarantined') out.set(r.sourceKey, 'quarantined');
        else if (r.status === 'failed') out.set(r.sourceKey, 'failed');
        else out.set(r.sourceKey, `its load did not finish (status ${r.status})`);
      }
      after = rows[rows.length - 1]!.seq;
    }
    for await (const q of store.quarantined(runId, 'contact')) out.set(q.recordKey, `quarantined: ${q.reasons.join('; ')}`);
    const failures: FailureEntry[] = await store.failures(runId, 'contact', 10_000_000);
    for (const f of failures) out.set(f.sourceKey, `failed: ${f.reason}`);
    if (mergedByEmail.size > 0) {
      // The winner of a merge is the record with the same email that stayed in the load.
      for (let after = 0; ; ) {
        const rows = await store.stagedByStatus(runId, 'contact', ['loaded', 'ready', 'sent', 'failed'], after, READ_CHUNK);
        if (rows.length === 0) break;
        for (const r of rows) {
          for (const loser of mergedByEmail.get(r.matchKey ?? '') ?? []) out.set(loser, `merged into ${r.sourceKey}, a duplicate with the same email`);
        }
        after = rows[rows.length - 1]!.seq;
      }
    }
    return out;
  }
}
