/**
 * The timeline phase: campaign interactions (delivered / opened / clicked) and behavioural
 * events become Freshsales tasks — or sales activities, when the map chooses them — on their
 * contact, keeping the original timestamp (a task's due date; an activity's start and end).
 * One set of steps serves both: the entity is a parameter (`TimelineTarget`), and its records
 * are journaled under their own object (`task` or `activity`) so reports show their own row
 * and rollback knows which endpoint to delete from.
 *
 * Neither entity has a bulk endpoint (one call each) and neither create is idempotent, so the
 * phase is built around one question — "was this record already created?":
 * - every record is marked `sent` (committed) before its create, and journaled after;
 * - a create whose outcome is unknown (timeout, dropped connection, 500) stays `sent`;
 * - before any `sent` record is created again, Freshsales is searched for it: each record's
 *   text (a task's description, an activity's notes) ends with a marker line
 *   `[crm-migrate <source key>]`, and one listing of the account's records per reconciliation
 *   round finds the ones that exist. The listing happens only when something is in doubt, once
 *   for all of them, after the creates of the run.
 *
 * Records hang on their contact's Freshsales id from the journal; a record whose contact did
 * not make it is orphaned with the reason, never attached to a placeholder.
 */
import { offers } from '../connectors/manifest.js';
import { ConfigError, TransientError } from '../core/errors.js';
import { payloadHash } from '../core/hash.js';
import type { CanonicalEvent, CanonicalInteraction } from '../core/model.js';
import {
  markerKeyOf, taskMarker, taskLinkOf, timelineWriter, type FreshsalesClient, type FsSalesActivity, type FsTask, type TimelineRecord, type TimelineWriter,
} from '../connectors/freshsales/index.js';
import type { SourceConnector, SourcePage } from '../connectors/source.js';
import { compareField } from '../mapping/compare.js';
import { salesActivityOf, targetRule, type TaskMap, type ValueKind } from '../mapping/spec.js';
import { bindCustomFields } from './bind-fields.js';
import type { FailureEntry, QuarantineEntry, PreparedRecord, StagedRecord, VerifyResult } from '../state/store.js';
import type { PhaseDeps } from './phase-deps.js';
import {
  toSalesActivityPayload, toTaskPayload, toUtcInstant, type ActivityField, type PayloadResult, type SalesActivityPayload, type TaskPayload, type TaskSourceRecord,
} from './timeline-payload.js';
import type { FieldMismatch } from './verify.js';

const READ_CHUNK = 1000;
/** Reconciliation rounds (one listing each) before the run stops and asks to be re-run. */
const MAX_RECONCILE_ROUNDS = 4;

/**
 * Where the phase writes: tasks, or sales activities of the type the map names (its id resolved
 * in the account) with the event properties the map keeps in custom fields (bound to `cf_` names).
 */
export type TimelineTarget =
  | { object: 'task'; entity: 'tasks' }
  | { object: 'activity'; entity: 'sales_activities'; typeId: string; fields: readonly ActivityField[] };

/** Tasks: today's behaviour, and the default. */
export const TASK_TARGET: TimelineTarget = { object: 'task', entity: 'tasks' };

export interface TaskPhaseDeps extends PhaseDeps {
  source: SourceConnector;
  map: TaskMap;
  /** Where the records go; default tasks. */
  target?: TimelineTarget;
}

/** What `loadTasks` did in this call (counts of the run are in the store). */
export interface TaskLoadSummary {
  /** Contacts whose records were processed (one unit each). */
  contacts: number;
  /** Records in doubt that were found in Freshsales by their marker and journaled without a new create. */
  reconciled: number;
  /** Pages of the listing read to reconcile or adopt (0 on a run without doubt). */
  listingPages: number;
  /** Records found in Freshsales by marker before this workdir's first create, journaled instead of created. */
  adopted: number;
}

// The marker line and its reading belong to Freshsales' timeline writer (connectors/freshsales/writers/timeline.ts).
export { markerKeyOf, taskMarker };
export {
  activityFieldValue, timelineProperty, toSalesActivityPayload, toTaskPayload, toUtcInstant, type ActivityField, type SalesActivityPayload, type TaskPayload,
  type TaskPayloadContext, type TaskPayloadResult, type TaskSourceRecord,
} from './timeline-payload.js';

const targetOf = (d: Pick<TaskPhaseDeps, 'target'>): TimelineTarget => d.target ?? TASK_TARGET;
const objectOf = (d: Pick<TaskPhaseDeps, 'target'>): 'task' | 'activity' => targetOf(d).object;
const writerOf = (d: Pick<TaskPhaseDeps, 'target' | 'dest'>): TimelineWriter => timelineWriter(d.dest, targetOf(d).entity);
/** Records of the entity, for messages ("task(s)", "sales activity(ies)"). */
const nounOf = (d: Pick<TaskPhaseDeps, 'target'>): string => (targetOf(d).entity === 'tasks' ? 'task(s)' : 'sales activity(ies)');

/**
 * Where the map sends the timeline, resolved in the account before any write: tasks, or sales
 * activities of the named type (by name, case-insensitive, through the selector) with each
 * sales-activity field bound to its `cf_` name. A type or field the account lacks is a
 * ConfigError naming it and what the account has (nothing was written).
 */
export async function resolveTimelineTarget(dest: FreshsalesClient, map: TaskMap): Promise<TimelineTarget> {
  const section = salesActivityOf(map);
  if (section === null) return TASK_TARGET;
  const types = await dest.salesActivityTypes();
  const norm = (v: string) => v.trim().toLowerCase().replace(/\s+/g, ' ');
  const type = types.find((t) => norm(t.name) === norm(section.type));
  if (!type) {
    throw new ConfigError(
      `sales activity type "${section.type}" is not in this Freshsales account (it has: ${types.map((t) => t.name).join(', ') || 'none'}): ` +
        'create it in Admin Settings → Sales activities (on the simulator, "crm-migrate schema apply" does), or name one of those in objects.task.sales_activity.type. Nothing was written.',
    );
  }
  const targets = section.fields.map((f) => ({ label: f.to.custom, type: f.to.type, choices: f.to.choices }));
  const names = targets.length > 0 ? bindCustomFields(targets, await dest.fields('sales_activities'), 'sales activity') : new Map<string, string>();
  return { object: 'activity', entity: 'sales_activities', typeId: type.id, fields: section.fields.map((f) => ({ from: f.from, to: f.to, cf: names.get(f.to.custom)! })) };
}

/** The payload of a record for the phase's target. Pure. */
export function toTimelinePayload(record: TaskSourceRecord, target: TimelineTarget, ownerId: string | null): PayloadResult<TaskPayload | SalesActivityPayload> {
  return target.entity === 'tasks' ? toTaskPayload(record, { ownerId }) : toSalesActivityPayload(record, { ownerId, typeId: target.typeId, fields: target.fields });
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
  const object = objectOf(d);
  if ((await d.store.getCheckpoint(d.runId, `${object}:extracted`)) !== 'done') {
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
    await d.store.setCheckpoint(d.runId, `${object}:extracted`, 'done');
    if (alreadyMigrated > 0) d.progress.note(`${alreadyMigrated} ${nounOf(d)} were migrated by an earlier run and are not created again`);
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
  const object = objectOf(d);
  const doneKey = `${object}:${stream}:extracted`;
  const cursorKey = `${object}:${stream}:cursor`;
  if ((await d.store.getCheckpoint(d.runId, doneKey)) === 'done') return { staged: 0, alreadyMigrated: 0 };
  const after = await d.store.getCheckpoint(d.runId, cursorKey);
  let staged = 0;
  let alreadyMigrated = 0;
  d.progress.start(`extract ${stream}`, null);
  if (after) d.progress.note(`resuming ${stream} extraction after checkpoint ${after}`);
  for await (const page of pages(after || null)) {
    const kept = page.records.filter(keep);
    const earlier = kept.length > 0 ? await d.store.destIds(object, kept.map((r) => r.sourceKey)) : new Map<string, string>();
    const fresh = kept.filter((r) => !earlier.has(r.sourceKey));
    alreadyMigrated += kept.length - fresh.length;
    await d.store.stageRecords(
      d.runId,
      object,
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
  const object = objectOf(d);
  const target = targetOf(d);
  if ((await d.store.getCheckpoint(d.runId, `${object}:prepared`)) === 'done') return;
  let after = 0;
  for (;;) {
    const rows = await d.store.stagedByStatus(d.runId, object, ['staged'], after, READ_CHUNK);
    if (rows.length === 0) break;
    const ready: PreparedRecord[] = [];
    const quarantined: QuarantineEntry[] = [];
    // A task of a profile merged into a duplicate by email hangs on the surviving contact:
    // the activity history follows the merge instead of being orphaned.
    const survivors = await d.store.mergedInto(d.runId, 'contact', rows.map((r) => (r.record as TaskSourceRecord).contactKey));
    for (const row of rows) {
      const rec = row.record as TaskSourceRecord;
      const out = toTimelinePayload(rec, target, d.ownerId);
      const survivor = survivors.get(rec.contactKey);
      if (out.ok) {
        ready.push({
          sourceKey: row.sourceKey, matchKey: survivor ?? rec.contactKey, payload: out.payload, payloadHash: payloadHash(out.payload),
          ...(survivor ? { reparentedFrom: rec.contactKey } : {}),
        });
      } else quarantined.push({ object, recordKey: row.sourceKey, reasons: out.reasons, record: rec });
    }
    await d.store.savePrepared(d.runId, object, ready, quarantined);
    after = rows[rows.length - 1]!.seq;
  }
  await d.store.setCheckpoint(d.runId, `${object}:prepared`, 'done');
}

interface ContactUnit {
  phase: 'task' | 'activity';
  batchNo: number;
  contactKey: string;
  seqs: number[];
}

/**
 * Create every ready record, all records of one contact in one unit (units run on the
 * executor, so contacts load in parallel and each contact's history in order). Then reconcile
 * what is in doubt — ambiguous creates of this run and records a crash left `sent` — by
 * marker, creating only those Freshsales does not have.
 */
export async function loadTasks(d: TaskPhaseDeps): Promise<TaskLoadSummary> {
  const object = objectOf(d);
  // A light index (contact → staging seqs) rather than the records: a contact's records are
  // spread over the interaction and event streams, and the payloads need not sit in memory.
  const byContact = new Map<string, number[]>();
  let total = 0;
  for (let after = 0; ; ) {
    const rows = await d.store.stagedByStatus(d.runId, object, ['ready'], after, READ_CHUNK);
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
  // account): before this workdir's first create, adopt the records that already carry our
  // markers instead of creating them again.
  const adoption = !(await d.store.hasJournal(object)) && (total > 0 || (await d.store.stagedByStatus(d.runId, object, ['sent'], 0, 1)).length > 0)
    ? await adoptMarkedTasks(d)
    : { adopted: 0, pages: 0 };
  let n = 0;
  const units: ContactUnit[] = [...byContact].map(([contactKey, seqs]) => ({ phase: object, batchNo: ++n, contactKey, seqs }));
  byContact.clear();
  if (units.length > 0) {
    d.progress.start(object === 'task' ? 'load tasks' : 'load sales activities', total);
    await d.executor.run(units, async (u) => {
      d.progress.advance(await loadContactTasks(d, fates, u));
    });
    d.progress.end();
  }
  const rec = await reconcileInDoubt(d, fates);
  return { contacts: units.length, ...rec, adopted: adoption.adopted, listingPages: rec.listingPages + adoption.pages };
}

/**
 * Records already in Freshsales whose marker names a ready record of this run: journaled as
 * this migration's (created by a run whose state is gone), never created again. One listing
 * of the account's records of the entity (tasks: completed and open), announced in the budget plan.
 */
async function adoptMarkedTasks(d: TaskPhaseDeps): Promise<{ adopted: number; pages: number }> {
  const ready: StagedRecord[] = [];
  for (let after = 0; ; ) {
    // Ready and sent alike: a crash of this very run may have left creates in doubt.
    const rows = await d.store.stagedByStatus(d.runId, objectOf(d), ['ready', 'sent'], after, READ_CHUNK);
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
    `${adopted} ${nounOf(d)} already in Freshsales carry this migration's markers although this workdir has no record of them ` +
      '(state.db lost or new, or another workdir migrated into this account): adopted into the journal, not created again',
  );
  return { adopted, pages: listing.pages };
}

/**
 * What adopting existing records will cost before this workdir's first create of the entity:
 * one probe call per listing now (tasks have two), then one call per 100 records in the
 * account. Zero when the workdir already journaled records of the entity.
 */
export async function taskAdoptionCost(d: Pick<TaskPhaseDeps, 'store' | 'dest' | 'target'>): Promise<{ probeCalls: number; listingCalls: number; accountRecords: number }> {
  if (await d.store.hasJournal(objectOf(d))) return { probeCalls: 0, listingCalls: 0, accountRecords: 0 };
  return writerOf(d).listingCost();
}

/** The unit's records, read by runs of consecutive staging seqs (one query per run). */
async function unitRecords(d: TaskPhaseDeps, u: ContactUnit): Promise<StagedRecord[]> {
  const out: StagedRecord[] = [];
  const wanted = new Set(u.seqs);
  for (let i = 0; i < u.seqs.length; ) {
    let j = i;
    while (j + 1 < u.seqs.length && u.seqs[j + 1] === u.seqs[j]! + 1) j++;
    const rows = await d.store.stagedByStatus(d.runId, objectOf(d), ['ready'], u.seqs[i]! - 1, j - i + 1);
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
    await d.store.markOrphaned(d.runId, objectOf(d), rows.map((r) => ({ sourceKey: r.sourceKey, reason })));
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
  const object = objectOf(d);
  const payload = { ...(row.payload as Record<string, unknown>), targetable_id: Number(parentId) };
  await d.store.markRecordsSent(d.runId, object, [row.sourceKey]);
  const writer = writerOf(d);
  const out = await writer.create(payload);
  if (out.kind === 'rejected') {
    await d.store.completeRecords(d.runId, object, { journal: [], verify: [], failures: [{ sourceKey: row.sourceKey, reason: out.reason }] }, new Date(d.clock.now()));
    return 'failed';
  }
  if (out.kind === 'in_doubt') {
    d.logger.warn({ sourceKey: row.sourceKey, err: out.message }, `${writer.noun} create outcome unknown; will reconcile by marker`);
    return 'in_doubt';
  }
  await journalTask(d, row, parentId, out.record);
  return 'created';
}

async function journalTask(d: TaskPhaseDeps, row: StagedRecord, parentId: string, record: TimelineRecord): Promise<void> {
  const target = targetOf(d);
  const v = target.entity === 'tasks'
    ? verifyTask(row.payload as TaskPayload, parentId, record as FsTask)
    : verifySalesActivity(row.payload as SalesActivityPayload, parentId, record as FsSalesActivity, fieldKinds(target.fields));
  await d.store.completeRecords(
    d.runId,
    target.object,
    {
      journal: [{ sourceKey: row.sourceKey, destId: record.id, action: 'created', beforeImage: null, payloadHash: row.payloadHash ?? payloadHash(row.payload) }],
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
  checkLinkAndOwner(check, sent, parentId, got);
  return { ok: mismatches.length === 0, mismatches };
}

type Check = (field: string, expected: unknown, actual: unknown, ok: boolean) => void;

/**
 * The link to the parent contact and the owner, as a task or sales activity reads back: the
 * link as `targetable {type, id}`, a `targetables [...]` list or flat keys [LIVE for tasks].
 */
function checkLinkAndOwner(check: Check, sent: { targetable_type: string; owner_id?: number }, parentId: string, got: FsTask | FsSalesActivity): void {
  const link = taskLinkOf(got);
  check('targetable_type', sent.targetable_type, link?.type ?? null, link !== null && link.type === sent.targetable_type.toLowerCase());
  check('targetable_id', parentId, link?.id ?? null, link !== null && link.id === parentId);
  if (sent.owner_id !== undefined) check('owner_id', String(sent.owner_id), got.owner_id, got.owner_id === String(sent.owner_id));
}

/** How each bound sales-activity field is compared on read-back (from its declared type). */
export function fieldKinds(fields: readonly ActivityField[]): Map<string, ValueKind> {
  return new Map(fields.map((f) => [f.cf, targetRule(f.to).kind]));
}

/**
 * Field-by-field check of a sales activity as Freshsales holds it: title, notes (with the
 * marker), type, start and end as the same instants (whatever offset the read uses), the link
 * to the parent contact, the owner, and every custom field written (compared by its type).
 */
export function verifySalesActivity(sent: SalesActivityPayload, parentId: string, got: FsSalesActivity, kinds: ReadonlyMap<string, ValueKind>): Omit<VerifyResult, 'sourceKey'> {
  const mismatches: FieldMismatch[] = [];
  const check: Check = (field, expected, actual, ok) => {
    if (!ok) mismatches.push({ field, expected, actual: actual ?? null });
  };
  check('title', sent.title, got.title, compareField('title', sent.title, got.title, 'text'));
  check('notes', sent.notes, got.notes, compareField('notes', sent.notes, got.notes, 'text'));
  check('sales_activity_type_id', String(sent.sales_activity_type_id), got.sales_activity_type_id, got.sales_activity_type_id === String(sent.sales_activity_type_id));
  check('start_date', sent.start_date, got.start_date, compareField('start_date', sent.start_date, got.start_date, 'datetime'));
  check('end_date', sent.end_date, got.end_date, compareField('end_date', sent.end_date, got.end_date, 'datetime'));
  checkLinkAndOwner(check, sent, parentId, got);
  for (const [cf, value] of Object.entries(sent.custom_field ?? {})) {
    const actual = got.custom_field?.[cf];
    check(cf, value, actual, compareField(cf, value, actual, kinds.get(cf)));
  }
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
      const rows = await d.store.stagedByStatus(d.runId, objectOf(d), ['sent'], after, READ_CHUNK);
      if (rows.length === 0) break;
      sent.push(...rows);
      after = rows[rows.length - 1]!.seq;
    }
    if (sent.length === 0) return { reconciled, listingPages };
    if (round > MAX_RECONCILE_ROUNDS) {
      throw new TransientError(
        `${sent.length} ${writerOf(d).noun} create(s) still have an unknown outcome after ${MAX_RECONCILE_ROUNDS} reconciliation rounds; ` +
          'run the same command again: they are looked up by marker before any new create, never duplicated',
      );
    }
    d.progress.note(`reconciling ${sent.length} ${nounOf(d)} whose create may or may not have happened (listing Freshsales ${targetOf(d).entity.replace('_', ' ')}, round ${round})`);
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
        await d.store.markOrphaned(d.runId, objectOf(d), [{ sourceKey: row.sourceKey, reason: await fates.reasonFor(contactKey) }]);
      } else {
        await createTask(d, row, parentId);
      }
    }
  }
}

/** The account's records of the entity carrying a wanted marker (see TimelineWriter.findByMarker); duplicates are logged. */
async function listTasksByMarker(d: TaskPhaseDeps, wanted: Set<string>): Promise<{ found: Map<string, TimelineRecord>; pages: number }> {
  const writer = writerOf(d);
  return writer.findByMarker(wanted, (sourceKey, ids) => d.logger.warn({ sourceKey, ids }, `two Freshsales ${writer.entity.replace('_', ' ')} carry the same migration marker`));
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
