/**
 * `rollback`: undo what migration runs wrote, from the journal, children first (sales
 * activities and tasks → campaign notes → campaign deals → deals → accounts → contacts). Records a run created
 * are deleted (bulk_destroy, 100 per call, where Freshsales has it); records it updated get
 * their before-image back (only the fields the migration wrote; tags to the exact earlier set).
 * A record someone edited in Freshsales since the migration wrote it (its values differ from
 * what was written) is kept and reported with the fields that changed, unless forced.
 *
 * A rollback is a run of its own, declared as phases the engine runs in reverse: each phase
 * first classifies its records (reads only, 100 per call where a listing can: `classify`),
 * then the budget plan is shown (and asked about), then each phase applies its plan
 * (`apply`). Every outcome is committed with the journal rows it undoes, so a rollback killed
 * at any moment and run again finishes the job: what is deleted stays deleted and is not
 * attempted again, a restore is idempotent, and a record found gone counts as done. Failures
 * leave their journal rows standing: running `rollback` again retries them.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock, type Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { ConfigError, isMigrateError } from '../core/errors.js';
import type { ObjectName } from '../core/model.js';
import {
  BULK_DESTROY_MAX, taskLinkOf, timelineWriter, withExistingTags, type Entity, type FreshsalesClient, type FsRecord, type TimelineEntity,
} from '../connectors/freshsales/index.js';
import type { JournalEntry, RunRow, StateStore, UndoAction, UndoItem, UndoItemInput } from '../state/store.js';
import { compareField } from '../mapping/compare.js';
import type { LoadedConfig } from './config.js';
import { acquireWorkdirLock, type HeldLock } from './lock.js';
import { checkWorkdirIdentity } from './identity.js';
import { CallMeter, openDestination, openStore, pointLatestAt } from './migrate.js';
import { PhaseEngine, StepRunner, type PhaseDeclaration, type RunMode } from './engine.js';
import { verifyRecord, type FieldMismatch } from './verify.js';
import { hoursFor, formatHours } from './plan.js';
import type { Progress } from './progress.js';
import { writeRollbackReport, type RollbackReport, type RollbackPhase } from '../reports/rollback.js';

export interface RollbackOptions {
  loaded: LoadedConfig;
  /** Reports go to `<outDir>/<rollback run id>/`, with `<outDir>/latest` pointing at it. */
  outDir: string;
  logger: Logger;
  progress: Progress;
  clock?: Clock;
  /** The migration run to undo (default: the newest run with writes still standing). */
  run?: string;
  /** Undo every migration run of the workdir. */
  all?: boolean;
  /** Undo one object only (its children must be undone already). */
  phase?: ObjectName;
  /** Classify and price the rollback, write its report, change nothing. */
  dryRun?: boolean;
  /** Undo these records even though they were edited since (destination ids or source keys; `all` for every one). */
  force?: string[];
  /** Asked once the plan is known, before anything is deleted or restored; false stops with nothing changed. Absent: proceed. */
  confirm?: (question: string) => Promise<boolean>;
}

export interface RollbackResult {
  report: RollbackReport;
  reportDir: string;
  files: { json: string; html: string };
  /** Some records could not be undone (they stay journaled: run rollback again). */
  withErrors: boolean;
  /** The user declined at the prompt: nothing was changed. */
  declined: boolean;
}

/** Where each object lives in Freshsales and how its records are undone. */
interface UndoTarget {
  object: ObjectName;
  entity: Entity | 'tasks' | 'sales_activities' | 'notes';
  /** Objects this one hangs on (undone after it). */
  parents: ObjectName[];
  /** bulk_destroy exists for the entity. */
  bulk: boolean;
}

const TARGETS: UndoTarget[] = [
  { object: 'contact', entity: 'contacts', parents: [], bulk: true },
  { object: 'account', entity: 'sales_accounts', parents: ['contact'], bulk: true },
  { object: 'deal', entity: 'deals', parents: ['contact', 'account'], bulk: true },
  { object: 'campaign', entity: 'deals', parents: [], bulk: true },
  { object: 'campaign_note', entity: 'notes', parents: ['campaign'], bulk: false },
  { object: 'task', entity: 'tasks', parents: ['contact'], bulk: false },
  { object: 'activity', entity: 'sales_activities', parents: ['contact'], bulk: false },
];

/** Human names for the report. */
export const UNDO_LABEL: Record<ObjectName, string> = {
  contact: 'Contacts', account: 'Accounts', deal: 'Deals', campaign: 'Campaign deals', campaign_note: 'Campaign notes', task: 'Tasks', activity: 'Sales activities',
};

/** Pauses before reading bulk-deleted records again (real ms, divided by the time scale). */
const DELETE_POLL_MS = [500, 1_000, 2_000, 4_000];
/** Journal rows read per page while classifying (one destination read covers up to 100 records). */
const GROUPS_PER_READ = 100;
/** Fields a read never carries the way they were written (the link is checked through the parent). */
const LINK_FIELDS = new Set(['targetable_type', 'targetable_id', 'contacts_added_list', 'contact_ids', 'sales_accounts']);
/** Before-image keys Freshsales does not take back on an update. */
const NOT_WRITABLE = new Set(['id', 'contact_ids']);

/** One destination record's journal rows in the runs being undone (oldest write first). */
interface Group {
  destId: string;
  rows: Array<JournalEntry & { id: number }>;
}

const REVERSE: RunMode = { direction: 'reverse', skipUnchanged: false };

export async function runRollback(opts: RollbackOptions): Promise<RollbackResult> {
  const { loaded, progress } = opts;
  const clock = opts.clock ?? systemClock;
  const cfg = loaded.config;
  const store = openStore(loaded);
  let lock: HeldLock;
  try {
    lock = await acquireWorkdirLock(store, 'rollback', loaded.workdir, () => clock.now());
  } catch (e) {
    await store.close();
    throw e;
  }
  const meter = new CallMeter(store);
  const dest = openDestination(cfg.destination, { logger: opts.logger, clock, progress, meter });
  try {
    const targets = await chooseTargets(store, opts);
    await dest.client.checkConnection();
    // The workdir belongs to one account: a config pointed elsewhere must not delete there.
    await checkWorkdirIdentity(
      store,
      { destination: { baseUrl: cfg.destination.baseUrl, fingerprint: await dest.client.accountFingerprint() }, source: { type: cfg.source.type, baseUrl: cfg.source.baseUrl } },
      loaded.workdir,
    );
    const objects = await objectsToUndo(store, targets.map((r) => r.id), opts.phase);
    const force = new Set(opts.force ?? []);
    const spec = `${opts.dryRun ? 'dry-run' : 'apply'}:${targets.map((r) => r.id).join(',')}:${opts.phase ?? '*'}:${[...force].sort().join(',')}`;
    const { run, resumed } = await store.openRun({
      command: opts.dryRun ? 'rollback-dry-run' : 'rollback', configHash: loaded.hash, mapHash: createHash('sha256').update(spec).digest('hex'), now: new Date(clock.now()),
    });
    progress.note(`${resumed ? 'resuming' : 'started'} ${opts.dryRun ? 'dry run of a rollback' : 'rollback'} ${run.id} of ${targets.map((r) => `${r.id} (${r.command}, ${r.status})`).join(', ')}`);
    await meter.attach(run.id);
    const reportDir = join(opts.outDir, run.id);
    await mkdir(reportDir, { recursive: true, mode: 0o700 });

    const runner = new StepRunner(store, run.id, () => clock.now(), () => meter.live);
    const ctx: UndoContext = { store, dest: dest.client, rollbackId: run.id, targetIds: targets.map((r) => r.id), force, clock, progress, timeScale: cfg.destination.timeScale };
    // Only objects with writes standing are phases; a parent with nothing to undo is no parent here.
    const phases = TARGETS.filter((t) => objects.includes(t.object)).map((t) => declareUndo({ ...t, parents: t.parents.filter((p) => objects.includes(p)) }, ctx));
    const engine = new PhaseEngine(phases, runner, { runId: run.id, mode: REVERSE }, async () => lock.assertHeld());

    // Classify children first: a kept task or deal keeps the contact it hangs on.
    for (const p of [...engine.phases].reverse()) for (const s of p.survey) await runner.run(p.object, s, { runId: run.id, mode: REVERSE });
    await meter.save();
    const estimate = await engine.estimate();
    const calls = estimate.reduce((n, p) => n + p.calls, 0);
    const hours = hoursFor(calls, cfg.destination.plan, cfg.destination.budgetShare);
    progress.note(`rollback plan (${cfg.destination.plan} plan): ~${calls} calls, ${formatHours(hours)}`);
    for (const p of estimate) for (const line of p.lines) progress.note(`  ${line}`);

    let declined = false;
    if (!opts.dryRun) {
      const writes = estimate.reduce((n, p) => n + p.calls, 0);
      if (writes > 0 && opts.confirm && !(await opts.confirm(`Undo these writes in Freshsales (~${calls} calls)?`))) declined = true;
      else await engine.execute();
    }
    await meter.save();

    const report = await buildReport(ctx, engine.objects, runner, meter.total, { dryRun: opts.dryRun === true, declined, targets, startedAt: run.startedAt, finishedAt: new Date(clock.now()).toISOString() });
    const withErrors = report.phases.some((p) => p.failed > 0);
    if (opts.dryRun || !declined) await store.finishRun(run.id, opts.dryRun || !withErrors ? 'completed' : 'failed', new Date(clock.now()));
    // A migration run that never finished is not resumed once undone.
    if (!opts.dryRun && !declined) for (const t of targets) if (t.status === 'running') await store.finishRun(t.id, 'failed', new Date(clock.now()));
    const files = await writeRollbackReport(reportDir, report);
    await pointLatestAt(opts.outDir, run.id);
    return { report, reportDir, files, withErrors, declined };
  } finally {
    await dest.http.close().catch(() => undefined);
    await lock.release();
    await store.close();
  }
}

/** The migration runs to undo: `--run`, `--all`, or the newest run with writes still standing. */
async function chooseTargets(store: StateStore, opts: Pick<RollbackOptions, 'run' | 'all'>): Promise<RunRow[]> {
  if (opts.run && opts.all) throw new ConfigError('rollback takes --run ID or --all, not both');
  const forward = (await store.runs()).filter((r) => !r.command.startsWith('rollback'));
  const standing = async (r: RunRow) => {
    for (const t of TARGETS) if ((await store.activeJournal([r.id], t.object, '', 1)).length > 0) return true;
    return false;
  };
  if (opts.run) {
    const r = forward.find((x) => x.id === opts.run);
    if (!r) {
      const known = forward.map((x) => `${x.id} (${x.command}, ${x.status})`).join(', ') || 'none';
      throw new ConfigError(`no migration run "${opts.run}" in this workdir; runs: ${known}`);
    }
    return [r];
  }
  const withWrites: RunRow[] = [];
  for (const r of forward) if (await standing(r)) withWrites.push(r);
  if (withWrites.length === 0) throw new ConfigError('nothing to roll back: no migration run of this workdir has writes that are not undone already');
  if (opts.all) return withWrites;
  return [withWrites[withWrites.length - 1]!];
}

/** Objects with writes standing in the target runs; `--phase` only when its children are undone. */
async function objectsToUndo(store: StateStore, runIds: string[], phase: ObjectName | undefined): Promise<ObjectName[]> {
  const has = async (o: ObjectName) => (await store.activeJournal(runIds, o, '', 1)).length > 0;
  if (!phase) {
    const out: ObjectName[] = [];
    for (const t of TARGETS) if (await has(t.object)) out.push(t.object);
    return out;
  }
  const children = TARGETS.filter((t) => t.parents.includes(phase));
  const blocking: ObjectName[] = [];
  for (const c of children) if (await has(c.object)) blocking.push(c.object);
  if (blocking.length > 0) {
    throw new ConfigError(`--phase ${phase}: ${blocking.map((o) => UNDO_LABEL[o].toLowerCase()).join(' and ')} of these runs still hang on ${UNDO_LABEL[phase].toLowerCase()}; undo them first (--phase ${blocking[0]}) or drop --phase`);
  }
  return (await has(phase)) ? [phase] : [];
}

interface UndoContext {
  store: StateStore;
  dest: FreshsalesClient;
  rollbackId: string;
  targetIds: string[];
  force: Set<string>;
  clock: Clock;
  progress: Progress;
  /** The destination's time scale (1 on a real account): pauses are divided by it. */
  timeScale: number;
}

/** A kept record's detail: what changed since the migration wrote it, and the records it hangs on. */
interface KeptDetail {
  changes: FieldMismatch[];
  parents?: Partial<Record<ObjectName, string[]>>;
}

function declareUndo(t: UndoTarget, ctx: UndoContext): PhaseDeclaration {
  return {
    object: t.object,
    parents: t.parents,
    enabled: true,
    survey: [{ name: 'classify', run: () => classify(t, ctx) }],
    estimate: () => estimateUndo(t, ctx),
    load: [],
    reverse: [{ name: 'apply', run: () => applyUndo(t, ctx) }],
  };
}

/** Read every standing record of the target runs and decide: delete, restore, keep or gone. */
async function classify(t: UndoTarget, ctx: UndoContext): Promise<void> {
  const { store, progress } = ctx;
  const keptChildren = await keptParents(ctx, t.object);
  // Timeline records have no search: the account's listing is read once for the whole phase.
  const listed = t.entity === 'tasks' || t.entity === 'sales_activities' ? await listTimeline(ctx, t.object, t.entity) : null;
  progress.start(`rollback: reading ${UNDO_LABEL[t.object].toLowerCase()}`, null);
  for await (const groups of standingGroups(store, ctx.targetIds, t.object)) {
    for (let i = 0; i < groups.length; i += GROUPS_PER_READ) {
      const chunk = groups.slice(i, i + GROUPS_PER_READ);
      const items = await classifyGroups(t, ctx, chunk, keptChildren, listed);
      await store.saveUndoPlan(ctx.rollbackId, t.object, items);
      progress.advance(chunk.length);
    }
  }
  progress.end();
}

/** The target runs' standing journal rows of one object, as whole per-record groups, in pages. */
async function* standingGroups(store: StateStore, runIds: string[], object: ObjectName): AsyncIterable<Group[]> {
  const pageRows = GROUPS_PER_READ * 4;
  let after = '';
  for (;;) {
    const rows = await store.activeJournal(runIds, object, after, pageRows);
    if (rows.length === 0) return;
    const groups = groupRows(rows, rows.length === pageRows);
    yield groups;
    if (rows.length < pageRows) return;
    after = groups[groups.length - 1]!.destId;
  }
}

/** Rows (by dest id, oldest first) as groups; a full page's last group may be cut short, so it waits for the next page. */
function groupRows(rows: Array<JournalEntry & { id: number }>, pageFull: boolean): Group[] {
  const groups: Group[] = [];
  for (const r of rows) {
    const last = groups[groups.length - 1];
    if (last && last.destId === r.destId) last.rows.push(r);
    else groups.push({ destId: r.destId, rows: [r] });
  }
  if (pageFull && groups.length > 1) groups.pop();
  return groups;
}

/** Parents (of `object`) that a kept child hangs on: they are kept too. */
async function keptParents(ctx: UndoContext, object: ObjectName): Promise<Set<string>> {
  const out = new Set<string>();
  for (const child of TARGETS.filter((c) => c.parents.includes(object))) {
    let after = '';
    for (;;) {
      const kept = await ctx.store.undoItems(ctx.rollbackId, child.object, { actions: ['keep'], afterDestId: after, limit: 500 });
      if (kept.length === 0) break;
      for (const k of kept) for (const id of (k.detail as KeptDetail | null)?.parents?.[object] ?? []) out.add(id);
      after = kept[kept.length - 1]!.destId;
    }
  }
  return out;
}

async function classifyGroups(t: UndoTarget, ctx: UndoContext, groups: Group[], keptChildren: Set<string>, listed: Map<string, FsRecord> | null): Promise<UndoItemInput[]> {
  // Notes cannot be read back (the API notes name no read or listing of notes): whether one was
  // edited since cannot be told, so every note the migration created is deleted without an edit
  // check (a note is the migration's own text, never a record people fill in); one already gone
  // answers the delete with 404, counted done.
  if (t.entity === 'notes') {
    return groups.map((g) => ({ destId: g.destId, journalIds: g.rows.map((r) => r.id), sourceKeys: [...new Set(g.rows.map((r) => r.sourceKey))], action: 'delete' as const, detail: null }));
  }
  const written = await writtenPayloads(ctx.store, t.object, groups);
  const current = await readCurrent(t, ctx.dest, groups, written, listed);
  return groups.map((g) => {
    const first = g.rows[0]!;
    const last = g.rows[g.rows.length - 1]!;
    const sourceKeys = [...new Set(g.rows.map((r) => r.sourceKey))];
    const base = { destId: g.destId, journalIds: g.rows.map((r) => r.id), sourceKeys };
    const forced = ctx.force.has('all') || ctx.force.has(g.destId) || sourceKeys.some((k) => ctx.force.has(k));
    const now = current.get(g.destId);
    if (now === null || now === undefined) return { ...base, action: 'gone' as const, detail: null };
    const image = first.action === 'updated' ? restoreImage(first.beforeImage) : null;
    // Restored already (a rollback stopped after the write): writing it again is harmless.
    if (image && changesSince(image, now).length === 0) return { ...base, action: 'restore' as const, detail: image };
    const keep = (detail: KeptDetail & { reason: string }) => ({ ...base, action: 'keep' as const, detail });
    const parents = parentsOf(t.object, now, written.get(last.id));
    if (first.action === 'updated' && !image) return keep({ changes: [], parents, reason: 'its before-image was purged (crm-migrate purge): it cannot be restored' });
    const sent = written.get(last.id);
    const changes = sent ? changesSince(sent, now) : [];
    if (!forced) {
      if (!sent) return keep({ changes, parents, reason: 'the values the migration wrote were purged: whether it was edited since cannot be told (--force to undo it anyway)' });
      if (changes.length > 0) return keep({ changes, parents, reason: `edited in Freshsales since the migration wrote it (${changes.map((c) => c.field).join(', ')})` });
      if (keptChildren.has(g.destId)) return keep({ changes, parents, reason: 'records hanging on it were kept (edited since the migration)' });
    }
    return first.action === 'created' ? { ...base, action: 'delete' as const, detail: null } : { ...base, action: 'restore' as const, detail: image };
  });
}

/** What the newest write of each group sent (the staged payload of its run; contacts updated with their earlier tags merged in, as the loader sends them). */
async function writtenPayloads(store: StateStore, object: ObjectName, groups: Group[]): Promise<Map<number, Record<string, unknown>>> {
  const out = new Map<number, Record<string, unknown>>();
  const byRun = new Map<string, Array<JournalEntry & { id: number }>>();
  for (const g of groups) {
    const last = g.rows[g.rows.length - 1]!;
    byRun.set(last.runId, [...(byRun.get(last.runId) ?? []), last]);
  }
  for (const [runId, rows] of byRun) {
    const staged = new Map((await store.stagedRecords(runId, object, rows.map((r) => r.sourceKey))).map((s) => [s.sourceKey, s]));
    for (const r of rows) {
      const p = staged.get(r.sourceKey)?.payload;
      if (!p || typeof p !== 'object') continue;
      const payload = p as Record<string, unknown>;
      out.set(r.id, object === 'contact' && r.action === 'updated' ? withExistingTags(payload, { destId: r.destId, beforeImage: r.beforeImage }) : payload);
    }
  }
  return out;
}

/** The records as Freshsales holds them now (null: gone), read 100 per call where a search or listing can. */
async function readCurrent(
  t: UndoTarget, dest: FreshsalesClient, groups: Group[], written: Map<number, Record<string, unknown>>, listed: Map<string, FsRecord> | null,
): Promise<Map<string, FsRecord | null>> {
  const found = new Map<string, FsRecord | null>();
  const wanted = new Set(groups.map((g) => g.destId));
  const sentOf = (g: Group) => written.get(g.rows[g.rows.length - 1]!.id);
  if (listed) {
    for (const g of groups) {
      const r = listed.get(g.destId);
      if (r) found.set(g.destId, r);
    }
  } else if (t.entity === 'contacts' || t.entity === 'deals' || t.entity === 'sales_accounts') {
    const keys = [...new Set(groups.flatMap((g) => searchKeys(t.entity as Entity, sentOf(g), g.rows[0]!.beforeImage)))];
    if (keys.length > 0) {
      const attribute = t.entity === 'contacts' ? 'contact_email.email' : 'name';
      const page = await dest.filteredSearchAll(t.entity, [{ attribute, operator: 'is_in', value: keys }], { include: 'owner' });
      for (const r of page.records) if (wanted.has(r.id)) found.set(r.id, r);
    }
  }
  // What a search or listing could not find (an edited email, name or marker): one read each.
  for (const g of groups) if (!found.has(g.destId)) found.set(g.destId, await getOrNull(dest, t.entity, g.destId));
  return found;
}

/** The values a search finds a written record by: its email or name as written, and as it was before. */
function searchKeys(entity: Entity, sent: Record<string, unknown> | undefined, before: unknown): string[] {
  const field = entity === 'contacts' ? 'emails' : 'name';
  const out: string[] = [];
  const add = (v: unknown) => {
    if (typeof v === 'string' && v.trim()) out.push(v.trim());
    else if (Array.isArray(v)) for (const e of v) add(typeof e === 'string' ? e : (e as { value?: unknown } | null)?.value);
  };
  add(sent?.[field]);
  add((before as Record<string, unknown> | null)?.[field]);
  return out;
}

/** The phase's timeline records by marker, from one pass over the account's listing (100 per call): dest id → record. */
async function listTimeline(ctx: UndoContext, object: ObjectName, entity: TimelineEntity): Promise<Map<string, FsRecord>> {
  const keys = new Set<string>();
  for await (const groups of standingGroups(ctx.store, ctx.targetIds, object)) for (const g of groups) for (const r of g.rows) keys.add(r.sourceKey);
  const out = new Map<string, FsRecord>();
  if (keys.size === 0) return out;
  const { found } = await timelineWriter(ctx.dest, entity).findByMarker(keys);
  for (const r of found.values()) out.set(r.id, r as unknown as FsRecord);
  return out;
}

async function getOrNull(dest: FreshsalesClient, entity: UndoTarget['entity'], id: string): Promise<FsRecord | null> {
  // No read of notes exists to call (see classifyGroups): their presence cannot be told.
  if (entity === 'notes') throw new Error(`note ${id}: Freshsales offers no read of notes`);
  if (entity === 'tasks') return (await dest.getTask(id)) as unknown as FsRecord | null;
  try {
    if (entity === 'sales_activities') return (await dest.getSalesActivity(id)) as unknown as FsRecord;
    return await dest.getRecord(entity, id);
  } catch (e) {
    if (isMigrateError(e) && e.http?.status === 404) return null;
    throw e;
  }
}

/** The before-image as an update: read-only keys left out, emails as a list of addresses. */
function restoreImage(before: unknown): Record<string, unknown> | null {
  if (!before || typeof before !== 'object') return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(before as Record<string, unknown>)) {
    if (NOT_WRITABLE.has(k)) continue;
    if (k === 'emails') {
      const list = (Array.isArray(v) ? v : [v]).map((e) => (typeof e === 'string' ? e : (e as { value?: unknown } | null)?.value)).filter((e): e is string => typeof e === 'string' && e !== '');
      // No address read before: the email the migration matched on stays.
      if (list.length > 0) out.emails = list;
      continue;
    }
    out[k] = v;
  }
  return out;
}

/**
 * Written fields whose current value differs (a person edited them since), by the
 * verification rules; tags as an exact set (a tag added since is an edit too); a task's status
 * as open/done whatever its spelling. Fields the read does not carry are not evidence of anything.
 */
export function changesSince(written: Record<string, unknown>, current: FsRecord): FieldMismatch[] {
  const payload = Object.fromEntries(Object.entries(written).filter(([k]) => !LINK_FIELDS.has(k)));
  const out = verifyRecord(payload, current).mismatches.filter((m) => !(m.field === 'status' && statusOf(m.actual) === statusOf(m.expected)));
  if (Array.isArray(written.tags) && Array.isArray(current.tags)) {
    const a = new Set((written.tags as unknown[]).map(String));
    const b = new Set((current.tags as unknown[]).map(String));
    if ((a.size !== b.size || [...a].some((x) => !b.has(x))) && !out.some((m) => m.field === 'tags')) out.push({ field: 'tags', expected: written.tags, actual: current.tags });
  }
  // An email restored differently cased is the same address.
  return out.filter((m) => !(m.field === 'emails' && Array.isArray(m.expected) && (m.expected as string[]).some((e) => compareField('emails', e, current.email ?? current.emails))));
}

/** A task status as 0 open / 1 done, whatever its spelling; null when unknown. */
function statusOf(v: unknown): number | null {
  if (v === 0 || v === 1) return v;
  if (typeof v === 'string') return /^(1|done|completed?)$/i.test(v.trim()) ? 1 : /^(0|open|pending)$/i.test(v.trim()) ? 0 : null;
  return null;
}

/** The records a kept record hangs on (they must stay too): a task's contact, a deal's contacts and account. */
function parentsOf(object: ObjectName, now: FsRecord, sent: Record<string, unknown> | undefined): Partial<Record<ObjectName, string[]>> | undefined {
  if (object === 'task' || object === 'activity') {
    const link = taskLinkOf(now as Parameters<typeof taskLinkOf>[0]);
    const id = link?.id ?? (sent?.targetable_id !== undefined ? String(sent.targetable_id) : undefined);
    return id ? { contact: [String(id)] } : undefined;
  }
  if (object === 'deal') {
    const contacts = Array.isArray(sent?.contacts_added_list) ? (sent.contacts_added_list as unknown[]).map(String) : [];
    const account = sent?.sales_account_id ?? now.sales_account_id;
    return { contact: contacts, ...(account !== undefined && account !== null ? { account: [String(account)] } : {}) };
  }
  return undefined;
}

/** The calls applying the plan takes: a bulk delete per 100 (plus reads when its answer does not count them), one call per restore or single delete. */
async function estimateUndo(t: UndoTarget, ctx: UndoContext): Promise<{ calls: number; lines: string[] }> {
  const c = await ctx.store.undoCounts(ctx.rollbackId, t.object);
  const open = (a: UndoAction) => c[a].planned + c[a].failed;
  const deletes = open('delete');
  const restores = open('restore');
  // A bulk delete whose answer does not count the records deleted costs a read (or more) to see them gone.
  const deleteCalls = t.bulk ? Math.ceil(deletes / BULK_DESTROY_MAX) : deletes;
  const calls = deleteCalls + restores;
  const label = UNDO_LABEL[t.object].toLowerCase();
  const kept = c.keep.planned + c.keep.done;
  const gone = c.gone.planned + c.gone.done;
  const lines = [
    `${label}: ${deletes} to delete, ${restores} to restore, ${kept} kept (edited since), ${gone} gone already → ~${calls} calls`,
    ...(c.delete.done + c.restore.done > 0 ? [`  ${c.delete.done} deleted and ${c.restore.done} restored by an earlier attempt of this rollback`] : []),
  ];
  return { calls, lines };
}

/** Apply a phase's plan: deletes (bulk where there is one), restores, and the kept and gone recorded. */
async function applyUndo(t: UndoTarget, ctx: UndoContext): Promise<void> {
  const { store, progress, rollbackId } = ctx;
  const now = () => new Date(ctx.clock.now());
  // Kept and gone records need no call: their outcome is recorded (gone ones stop counting as migrated).
  await drain(ctx, t, ['keep', 'gone'], async (items) => store.completeUndo(rollbackId, t.object, items.map((i) => ({ destId: i.destId, status: 'done', ...(i.action === 'keep' ? { reason: (i.detail as { reason?: string } | null)?.reason ?? 'edited since' } : {}) })), now()));
  progress.start(`rollback: ${UNDO_LABEL[t.object].toLowerCase()}`, null);
  // A bulk delete is committed per call; single deletes one by one (a kill repeats at most the one in flight).
  const per = t.bulk ? BULK_DESTROY_MAX : 1;
  await drain(ctx, t, ['delete'], async (items) => {
    for (let i = 0; i < items.length; i += per) {
      const chunk = items.slice(i, i + per);
      await store.completeUndo(rollbackId, t.object, await deleteChunk(t, ctx, chunk), now());
      progress.advance(chunk.length);
    }
  });
  await drain(ctx, t, ['restore'], async (items) => {
    for (const item of items) {
      await store.completeUndo(rollbackId, t.object, [await restoreOne(t, ctx, item)], now());
      progress.advance(1);
    }
  });
  progress.end();
}

/** Every planned (or earlier failed) item of these actions, in pages. */
async function drain(ctx: UndoContext, t: UndoTarget, actions: UndoAction[], fn: (items: UndoItem[]) => Promise<void>): Promise<void> {
  let after = '';
  for (;;) {
    const items = await ctx.store.undoItems(ctx.rollbackId, t.object, { actions, statuses: ['planned', 'failed'], afterDestId: after, limit: 500 });
    if (items.length === 0) return;
    await fn(items);
    after = items[items.length - 1]!.destId;
  }
}

/** Delete up to 100 records: bulk_destroy, seen gone by its answer's count or by reading again; what stays is deleted one by one. */
async function deleteChunk(t: UndoTarget, ctx: UndoContext, items: UndoItem[]): Promise<Array<{ destId: string; status: 'done' | 'failed'; reason?: string }>> {
  const out: Array<{ destId: string; status: 'done' | 'failed'; reason?: string }> = [];
  let left = items;
  if (t.bulk && items.length > 1 && (t.entity === 'contacts' || t.entity === 'deals' || t.entity === 'sales_accounts')) {
    try {
      const answer = await ctx.dest.bulkDestroy(t.entity, items.map((i) => i.destId));
      // An answer counting every record deleted is taken at its word; anything else is read again
      // (after a pause, a few times: the delete may run after the answer, like a bulk job).
      let still = new Set<string>();
      if (answer.deleted !== items.length) {
        for (const waitMs of DELETE_POLL_MS) {
          await sleep(waitMs / ctx.timeScale);
          still = await stillThere(t, ctx, items);
          if (still.size === 0) break;
        }
      }
      for (const i of items) if (!still.has(i.destId)) out.push({ destId: i.destId, status: 'done' });
      left = items.filter((i) => still.has(i.destId));
    } catch (e) {
      if (!isMigrateError(e) || e.http?.status === undefined || e.http.status >= 500 || e.http.status === 429) throw e;
      ctx.progress.note(`bulk_destroy refused (HTTP ${e.http.status}): deleting ${items.length} ${UNDO_LABEL[t.object].toLowerCase()} one by one`);
    }
  }
  for (const i of left) {
    try {
      await ctx.dest.deleteRecord(t.entity, i.destId);
      out.push({ destId: i.destId, status: 'done' });
    } catch (e) {
      if (!isMigrateError(e) || e.http?.status === undefined || e.http.status >= 500 || e.http.status === 429) throw e;
      out.push({ destId: i.destId, status: 'failed', reason: `Freshsales refused the delete (HTTP ${e.http.status}): ${(e as Error).message}` });
    }
  }
  return out;
}

/** Of these just-deleted records, those a read still finds. */
async function stillThere(t: UndoTarget, ctx: UndoContext, items: UndoItem[]): Promise<Set<string>> {
  const wanted = new Set(items.map((i) => i.destId));
  const keys = [...new Set(items.flatMap((i) => i.sourceKeys))];
  const staged = new Map<string, Record<string, unknown>>();
  for (const runId of ctx.targetIds) for (const s of await ctx.store.stagedRecords(runId, t.object, keys)) if (s.payload) staged.set(s.sourceKey, s.payload as Record<string, unknown>);
  const values = [...new Set(items.flatMap((i) => i.sourceKeys.flatMap((k) => searchKeys(t.entity as Entity, staged.get(k), null))))];
  const out = new Set<string>();
  if (values.length === 0) return out;
  const attribute = t.entity === 'contacts' ? 'contact_email.email' : 'name';
  const page = await ctx.dest.filteredSearchAll(t.entity as Entity, [{ attribute, operator: 'is_in', value: values }]);
  for (const r of page.records) if (wanted.has(r.id)) out.add(r.id);
  return out;
}

/** Write one before-image back and check what Freshsales answers (tags an account merges cannot be taken away). */
async function restoreOne(t: UndoTarget, ctx: UndoContext, item: UndoItem): Promise<{ destId: string; status: 'done' | 'failed'; reason?: string; undone?: boolean }> {
  const image = item.detail as Record<string, unknown> | null;
  if (!image || t.entity === 'tasks' || t.entity === 'sales_activities' || t.entity === 'notes') return { destId: item.destId, status: 'failed', reason: 'nothing to restore' };
  try {
    const after = await ctx.dest.update(t.entity, item.destId, image);
    const left = changesSince(image, after);
    if (left.length === 0) return { destId: item.destId, status: 'done' };
    const tags = left.find((m) => m.field === 'tags');
    const reason = tags
      ? `tags the migration added are still there after restoring (${JSON.stringify(tags.actual)} instead of ${JSON.stringify(tags.expected)}): this account merges tag writes; remove them in Freshsales`
      : `Freshsales holds other values after the restore: ${left.map((m) => m.field).join(', ')}`;
    // Applied in part: the record no longer holds what the migration wrote (a later migrate writes it again).
    return { destId: item.destId, status: 'failed', reason, undone: true };
  } catch (e) {
    if (!isMigrateError(e) || e.http?.status === undefined || e.http.status >= 500 || e.http.status === 429) throw e;
    if (e.http.status === 404) return { destId: item.destId, status: 'done', reason: 'deleted in Freshsales since' };
    return { destId: item.destId, status: 'failed', reason: `Freshsales refused the restore (HTTP ${e.http.status}): ${(e as Error).message}` };
  }
}

async function buildReport(
  ctx: UndoContext, objects: ObjectName[], runner: StepRunner, calls: number,
  meta: { dryRun: boolean; declined: boolean; targets: RunRow[]; startedAt: string; finishedAt: string },
): Promise<RollbackReport> {
  const phases: RollbackPhase[] = [];
  const kept: RollbackReport['kept'] = [];
  const failures: RollbackReport['failures'] = [];
  for (const object of [...objects].reverse()) {
    const c = await ctx.store.undoCounts(ctx.rollbackId, object);
    phases.push({
      object, label: UNDO_LABEL[object],
      deleted: c.delete.done, restored: c.restore.done, kept: c.keep.done + c.keep.planned, gone: c.gone.done + c.gone.planned,
      failed: c.delete.failed + c.restore.failed, toDelete: c.delete.planned, toRestore: c.restore.planned,
      calls: runner.callsByPhase[object] ?? 0,
    });
    let after = '';
    for (;;) {
      const items = await ctx.store.undoItems(ctx.rollbackId, object, { actions: ['keep', 'delete', 'restore'], afterDestId: after, limit: 500 });
      if (items.length === 0) break;
      for (const i of items) {
        if (i.action === 'keep') {
          const d = (i.detail ?? { changes: [] }) as KeptDetail & { reason?: string };
          kept.push({ object, destId: i.destId, sourceKeys: i.sourceKeys, reason: d.reason ?? i.reason ?? 'edited since', changes: d.changes ?? [] });
        } else if (i.status === 'failed') failures.push({ object, destId: i.destId, sourceKeys: i.sourceKeys, reason: i.reason ?? 'failed' });
      }
      after = items[items.length - 1]!.destId;
    }
  }
  const status = meta.dryRun ? 'dry run' : meta.declined ? 'declined' : failures.length > 0 ? 'rolled back with errors' : 'rolled back';
  return {
    runId: ctx.rollbackId, status, targets: meta.targets.map((r) => ({ id: r.id, command: r.command, startedAt: r.startedAt })),
    startedAt: meta.startedAt, finishedAt: meta.finishedAt, phases, kept, failures, apiCalls: calls,
  };
}

/**
 * Whether the records the journal says were migrated (writes no rollback undid, in every
 * run) are in Freshsales now, read as the rollback reads them (100 per search, one listing
 * pass for tasks and sales activities, one read for what those do not find). For the final
 * reconciliation of a cutover; reads only.
 */
export async function presenceOf(
  store: StateStore, dest: FreshsalesClient, object: ObjectName, progress: Progress,
): Promise<{ migrated: number; present: number; missing: Array<{ destId: string; sourceKeys: string[] }> }> {
  const t = TARGETS.find((x) => x.object === object)!;
  const runIds = (await store.runs()).filter((r) => !r.command.startsWith('rollback')).map((r) => r.id);
  const ctx = { store, dest, targetIds: runIds } as Pick<UndoContext, 'store' | 'dest' | 'targetIds'>;
  const listed = t.entity === 'tasks' || t.entity === 'sales_activities' ? await listTimeline(ctx as UndoContext, object, t.entity) : null;
  let migrated = 0;
  let present = 0;
  const missing: Array<{ destId: string; sourceKeys: string[] }> = [];
  progress.start(`final check: ${UNDO_LABEL[object].toLowerCase()}`, null);
  for await (const groups of standingGroups(store, runIds, object)) {
    for (let i = 0; i < groups.length; i += GROUPS_PER_READ) {
      const chunk = groups.slice(i, i + GROUPS_PER_READ);
      const current = await readCurrent(t, dest, chunk, await writtenPayloads(store, object, chunk), listed);
      for (const g of chunk) {
        migrated++;
        if (current.get(g.destId)) present++;
        else missing.push({ destId: g.destId, sourceKeys: [...new Set(g.rows.map((r) => r.sourceKey))] });
      }
      progress.advance(chunk.length);
    }
  }
  progress.end();
  return { migrated, present, missing };
}
