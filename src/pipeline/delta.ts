/**
 * The cutover delta (`migrate --delta`) and what every later run owes the records an earlier
 * one wrote.
 *
 * - **Since**: a delta reads only the contacts the source changed since the last finished
 *   run started (less an overlap for clock skew between the source and us), where the source
 *   can say (`contactsChangedSince`); elsewhere it reads them all. Either way a record whose
 *   payload hashes as the journal's costs no call (unchanged.ts).
 * - **Conflicts** (every run): a record about to be written again whose Freshsales values
 *   differ from what the journal says was last written was edited by someone since. The map's
 *   `delta.on_conflict` decides: `report` (default) leaves it unwritten, `destination_wins`
 *   writes it without the edited fields, `source_wins` writes it all; each is listed field by
 *   field in `conflicts.csv`.
 * - **Deletes** (a delta): contacts journaled as migrated that the source no longer holds
 *   (found by listing every key where the source can, else by asking for the journaled keys
 *   the run's scope left out) are listed in `source-deletes.csv` and, per `on_source_delete`,
 *   left alone, tagged, or deleted in Freshsales (with the tasks, sales activities and deals
 *   earlier runs wrote on them; accounts stay, as other contacts may share one).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { ObjectName } from '../core/model.js';
import { isMigrateError } from '../core/errors.js';
import { compareField } from '../mapping/compare.js';
import type { DeltaMap } from '../mapping/spec.js';
import { offers } from '../connectors/manifest.js';
import { BULK_DESTROY_MAX, withExistingTags, type FsRecord } from '../connectors/freshsales/index.js';
import type { StateStore } from '../state/store.js';
import { createCsvWriter } from '../reports/csv.js';
import { readCheckpoint, writeCheckpoint } from './checkpoints.js';
import { verifyRecord } from './verify.js';
import { DROP_TAGS, SCOPE, type ContactPhaseDeps } from './contacts.js';
import { journaledPayload } from './journal-payload.js';

const OBJECT: ObjectName = 'contact';
/** How far before the last run's start a delta reads (the source's clock may run behind ours). */
export const DELTA_OVERLAP_MS = 15 * 60_000;
/** The membership kinds a delta keeps: keys the source holds now, and journaled keys it no longer does. */
export const SOURCE_KEYS = 'delta:present';
const DELETED = 'delta:deleted';
const CHUNK = 500;
/** Fields a conflict check leaves out (links are checked through their parents). */
const LINK_FIELDS = new Set(['sales_accounts', 'contacts_added_list', 'contact_ids']);

const SinceCheckpoint = z.object({ since: z.string(), basis: z.string() });

/**
 * The instant a delta reads from, fixed once per run (a resumed delta reads the same): the
 * start of the newest finished forward run, less the overlap. Null when no run finished: a
 * delta then has nothing to be a delta of.
 */
export async function deltaSince(store: StateStore, runId: string): Promise<{ since: Date; basis: string } | null> {
  const kept = await readCheckpoint(store, runId, 'delta:since', SinceCheckpoint);
  if (kept) return { since: new Date(kept.since), basis: kept.basis };
  const last = await store.latestFinishedRun(['migrate', 'retry', 'sample', 'delta']);
  if (!last) return null;
  const since = new Date(Date.parse(last.startedAt) - DELTA_OVERLAP_MS);
  const basis = `${last.command} run ${last.id} started ${last.startedAt}`;
  await writeCheckpoint(store, runId, 'delta:since', { since: since.toISOString(), basis });
  return { since, basis };
}

/** Conflicts found in a run (source key → what was edited and what happened). */
export interface Conflict {
  destId: string;
  resolution: DeltaMap['on_conflict'];
  /** Freshsales deleted the record since: nothing to compare, it would be created again. */
  deletedInFreshsales?: boolean;
  fields: Array<{ field: string; written: unknown; freshsales: unknown; source: unknown }>;
}

/**
 * Survey step after match: ready contacts an earlier run wrote whose Freshsales values (the
 * before-images match just read) differ from what that run wrote, on fields this write would
 * change. Resolved per `policy` before the plan; counted into the run's `conflict` extras.
 */
export async function checkConflicts(d: ContactPhaseDeps, policy: DeltaMap['on_conflict']): Promise<number> {
  if ((await d.store.getCheckpoint(d.runId, 'contact:conflicts')) === 'done') return Number((await d.store.getCheckpoint(d.runId, 'contact:conflicts:n')) ?? 0);
  let found = 0;
  for (let after = 0; ; ) {
    const rows = await d.store.stagedByStatus(d.runId, OBJECT, ['ready'], after, CHUNK);
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.seq;
    const destIds = await d.store.destIds(OBJECT, rows.map((r) => r.sourceKey));
    const earlier = rows.filter((r) => destIds.has(r.sourceKey));
    if (earlier.length === 0) continue;
    const matches = await d.store.getMatches(d.runId, OBJECT, earlier.map((r) => r.matchKey!));
    const conflicts: Array<{ sourceKey: string; data: Conflict }> = [];
    const skip: string[] = [];
    const rewrite = [];
    const drops: Array<{ sourceKey: string; data: string[] }> = [];
    for (const r of earlier) {
      // None earlier, or its written values purged (crm-migrate purge): nothing to compare with.
      const written = await journaledPayload(d.store, OBJECT, r.sourceKey, d.runId);
      if (!written) continue;
      const { entry, payload: last } = written;
      const lastWritten = entry.action === 'updated' ? withExistingTags(last, { destId: entry.destId, beforeImage: entry.beforeImage }) : last;
      const payload = r.payload as Record<string, unknown>;
      // Tags the earlier run wrote itself that the source no longer implies go (admins' tags stay).
      const own = Array.isArray(last.tags) ? (last.tags as string[]) : [];
      const now = new Set(Array.isArray(payload.tags) ? (payload.tags as string[]) : []);
      const gone = own.filter((t) => !now.has(t));
      if (gone.length > 0) drops.push({ sourceKey: r.sourceKey, data: gone });
      const match = matches.get(r.matchKey!);
      if (!match || match.destId !== entry.destId) {
        // Gone from Freshsales (or now another record holds the email): someone deleted it there.
        conflicts.push({ sourceKey: r.sourceKey, data: { destId: entry.destId, resolution: policy, deletedInFreshsales: true, fields: [] } });
        if (policy !== 'source_wins') skip.push(r.sourceKey);
        continue;
      }
      const edited = editedFields(lastWritten, match.beforeImage as FsRecord, payload);
      if (edited.length === 0) continue;
      conflicts.push({ sourceKey: r.sourceKey, data: { destId: entry.destId, resolution: policy, fields: edited } });
      if (policy === 'report') skip.push(r.sourceKey);
      else if (policy === 'destination_wins') {
        const kept = withoutFields(payload, edited.map((e) => e.field));
        if (Object.keys(kept).length <= 1) skip.push(r.sourceKey);
        else rewrite.push({ sourceKey: r.sourceKey, matchKey: r.matchKey!, payload: kept, payloadHash: r.payloadHash! });
      }
    }
    if (conflicts.length > 0) await d.store.saveExtras(d.runId, 'conflict', conflicts);
    if (drops.length > 0) await d.store.saveExtras(d.runId, DROP_TAGS, drops);
    if (rewrite.length > 0) await d.store.savePrepared(d.runId, OBJECT, rewrite, []);
    if (skip.length > 0) await d.store.markSkipped(d.runId, OBJECT, skip);
    found += conflicts.length;
  }
  await d.store.setCheckpoint(d.runId, 'contact:conflicts:n', String(found));
  await d.store.setCheckpoint(d.runId, 'contact:conflicts', 'done');
  if (found > 0) {
    const what = { report: 'left unwritten (on_conflict: report)', destination_wins: 'written without the edited fields (on_conflict: destination_wins)', source_wins: 'overwritten (on_conflict: source_wins)' }[policy];
    d.progress.note(`${found} contact(s) were edited in Freshsales since a run wrote them: ${what}; listed in conflicts.csv`);
  }
  return found;
}

/** Fields edited in Freshsales since `lastWritten` that this payload would change. */
export function editedFields(lastWritten: Record<string, unknown>, current: FsRecord, payload: Record<string, unknown>): Conflict['fields'] {
  const strip = Object.fromEntries(Object.entries(lastWritten).filter(([k]) => !LINK_FIELDS.has(k)));
  const out: Conflict['fields'] = [];
  for (const m of verifyRecord(strip, current).mismatches) {
    const next = valueAt(payload, m.field);
    // The source now says what Freshsales holds: writing changes nothing.
    if (next !== undefined && compareField(m.field.replace(/^custom_field\./, ''), next, m.actual)) continue;
    out.push({ field: m.field, written: m.expected, freshsales: m.actual, source: next ?? null });
  }
  return out;
}

function valueAt(payload: Record<string, unknown>, field: string): unknown {
  if (field.startsWith('custom_field.')) return (payload.custom_field as Record<string, unknown> | undefined)?.[field.slice('custom_field.'.length)];
  return payload[field];
}

function withoutFields(payload: Record<string, unknown>, fields: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...payload };
  const custom = { ...((payload.custom_field as Record<string, unknown> | undefined) ?? {}) };
  for (const f of fields) {
    if (f === 'emails') continue;
    if (f.startsWith('custom_field.')) delete custom[f.slice('custom_field.'.length)];
    else delete out[f];
  }
  if (payload.custom_field !== undefined) out.custom_field = custom;
  return out;
}

/**
 * Survey step of a delta: journaled contacts the source no longer holds. With `contactKeys`
 * every key the source holds is listed (cheap: keys alone); with contacts by key, the
 * journaled keys the run's frozen scope left out are asked for (a key the source does not
 * know is deleted; one it knows left the chosen segments and is not). Checkpointed.
 */
export async function findSourceDeletes(d: ContactPhaseDeps): Promise<number> {
  if ((await d.store.getCheckpoint(d.runId, 'delta:deletes')) === 'done') return Number((await d.store.getCheckpoint(d.runId, 'delta:deletes:n')) ?? 0);
  const byKey = offers(d.source, 'contactsByKey') && d.source.contactsByKey;
  if (offers(d.source, 'contactKeys') && d.source.contactKeys) {
    if ((await d.store.getCheckpoint(d.runId, 'delta:keys')) !== 'done') {
      d.progress.start('list source keys', null);
      for await (const page of d.source.contactKeys((await d.store.getCheckpoint(d.runId, 'delta:keys:cursor')) || null)) {
        await d.store.saveMemberships(d.runId, SOURCE_KEYS, 'all', page.records);
        await d.store.setCheckpoint(d.runId, 'delta:keys:cursor', page.checkpoint);
        d.progress.advance(page.records.length);
      }
      d.progress.end();
      await d.store.setCheckpoint(d.runId, 'delta:keys', 'done');
    }
  } else if (!byKey) {
    d.progress.note('this source cannot list its contacts\' keys: contacts deleted in it are not looked for');
    await d.store.setCheckpoint(d.runId, 'delta:deletes', 'done');
    return 0;
  }
  let deleted = 0;
  let left = 0;
  for (let after = ''; ; ) {
    const keys = await d.store.activeSourceKeys(OBJECT, after, CHUNK);
    if (keys.length === 0) break;
    after = keys[keys.length - 1]!;
    const kind = byKey ? SCOPE : SOURCE_KEYS;
    const present = await d.store.membershipsFor(d.runId, kind, keys);
    let missing = keys.filter((k) => !present.has(k));
    if (byKey && missing.length > 0) {
      // Out of the frozen scope: ask the source whether it still knows them.
      const known = new Set<string>();
      for (let i = 0; i < missing.length; i += 100) for (const c of await byKey(missing.slice(i, i + 100))) known.add(c.sourceKey);
      left += known.size;
      missing = missing.filter((k) => !known.has(k));
    }
    if (missing.length > 0) await d.store.saveMemberships(d.runId, DELETED, 'all', missing);
    deleted += missing.length;
  }
  await d.store.setCheckpoint(d.runId, 'delta:deletes:n', String(deleted));
  await d.store.setCheckpoint(d.runId, 'delta:deletes', 'done');
  if (left > 0) d.progress.note(`${left} migrated contact(s) left the chosen segments but are still in the source: left as they are`);
  if (deleted > 0) d.progress.note(`${deleted} migrated contact(s) are no longer in the source (deleted since): listed in source-deletes.csv`);
  return deleted;
}

/** The calls handling source deletes costs: nothing to list them; a read and an update per tagged contact; a bulk delete per 100. */
export async function sourceDeleteCalls(d: ContactPhaseDeps, map: DeltaMap): Promise<{ calls: number; deleted: number }> {
  const n = Number((await d.store.getCheckpoint(d.runId, 'delta:deletes:n')) ?? 0);
  const done = (await d.store.getCheckpoint(d.runId, 'delta:deletes:applied')) === 'done';
  if (done || n === 0 || map.on_source_delete === 'ignore') return { calls: 0, deleted: n };
  if (map.on_source_delete === 'tag') return { calls: 2 * n, deleted: n };
  // Deleting: their tasks and sales activities one call each, their deals and the contacts per 100 (and a read when the answer does not count them).
  let children = 0;
  let deals = 0;
  for (let after = ''; ; ) {
    const keys = await d.store.members(d.runId, DELETED, { afterKey: after, limit: CHUNK });
    if (keys.length === 0) break;
    after = keys[keys.length - 1]!;
    for (const object of ['task', 'activity'] as const) children += (await d.store.destIds(object, (await d.store.stagedByMatchKeys(object, keys, '')).map((s) => s.sourceKey))).size;
    deals += (await d.store.destIds('deal', keys)).size;
  }
  return { calls: children + Math.ceil(deals / BULK_DESTROY_MAX) + Math.ceil(n / BULK_DESTROY_MAX) * 2, deleted: n };
}

/** Load step of a delta: tag or delete in Freshsales the contacts deleted in the source (per the map). */
export async function applySourceDeletes(d: ContactPhaseDeps, map: DeltaMap, sourceName: string): Promise<void> {
  if ((await d.store.getCheckpoint(d.runId, 'delta:deletes:applied')) === 'done') return;
  const tag = map.deleted_tag ?? `deleted in ${sourceName}`;
  for (let after = ''; map.on_source_delete !== 'ignore'; ) {
    const keys = await d.store.members(d.runId, DELETED, { afterKey: after, limit: BULK_DESTROY_MAX });
    if (keys.length === 0) break;
    after = keys[keys.length - 1]!;
    const ids = await d.store.destIds(OBJECT, keys);
    const outcomes: Array<{ sourceKey: string; data: unknown }> = [];
    if (map.on_source_delete === 'tag') {
      for (const [key, id] of ids) {
        outcomes.push({ sourceKey: key, data: { destId: id, action: await tagOne(d, id, tag) } });
      }
    } else {
      // Their timeline and deals first: a deleted person's records should not hang on nothing.
      const children = await deleteChildren(d, [...ids.keys()]);
      const list = [...ids.values()];
      if (list.length > 0) {
        const answer = await d.dest.bulkDestroy('contacts', list);
        if (answer.deleted !== list.length) await confirmGone(d, list);
      }
      for (const [key, id] of ids) outcomes.push({ sourceKey: key, data: { destId: id, action: children.get(key) ? `deleted (with ${children.get(key)})` : 'deleted' } });
    }
    // Handled: no longer counted as migrated (a later delta does not find them again).
    await d.store.saveExtras(d.runId, 'source_delete', outcomes);
    await d.store.retireJournal(d.runId, OBJECT, [...ids.keys()]);
  }
  await d.store.setCheckpoint(d.runId, 'delta:deletes:applied', 'done');
}

/**
 * Delete what earlier runs wrote on these contacts: their tasks and sales activities (one call
 * each) and their deals (bulk), each retired from the journal. Accounts stay: one may be
 * shared by other contacts. Returns, per contact key, what went with it.
 */
async function deleteChildren(d: ContactPhaseDeps, contactKeys: string[]): Promise<Map<string, string>> {
  const said = new Map<string, string[]>();
  const note = (key: string, what: string) => said.set(key, [...(said.get(key) ?? []), what]);
  for (const [object, entity] of [['task', 'tasks'], ['activity', 'sales_activities']] as const) {
    const staged = await d.store.stagedByMatchKeys(object, contactKeys, '');
    const ids = await d.store.destIds(object, staged.map((s) => s.sourceKey));
    for (const s of staged) {
      const id = ids.get(s.sourceKey);
      if (!id) continue;
      await d.dest.deleteRecord(entity, id);
      note(s.matchKey!, entity === 'tasks' ? 'a task' : 'a sales activity');
    }
    if (ids.size > 0) await d.store.retireJournal(d.runId, object, [...ids.keys()]);
  }
  const deals = await d.store.destIds('deal', contactKeys);
  const dealIds = [...deals.values()];
  for (let i = 0; i < dealIds.length; i += BULK_DESTROY_MAX) {
    const chunk = dealIds.slice(i, i + BULK_DESTROY_MAX);
    const answer = await d.dest.bulkDestroy('deals', chunk);
    if (answer.deleted !== chunk.length) for (const id of chunk) await d.dest.deleteRecord('deals', id);
  }
  for (const key of deals.keys()) note(key, 'its deal');
  if (deals.size > 0) await d.store.retireJournal(d.runId, 'deal', [...deals.keys()]);
  const out = new Map<string, string>();
  for (const [key, list] of said) {
    const counts = new Map<string, number>();
    for (const w of list) counts.set(w, (counts.get(w) ?? 0) + 1);
    out.set(key, [...counts].map(([w, n]) => (n > 1 ? `${n} × ${w}` : w)).join(', '));
  }
  return out;
}

/** Add the tag (tags are read, merged and written: whether a write replaces or merges is unknown). */
async function tagOne(d: ContactPhaseDeps, id: string, tag: string): Promise<string> {
  try {
    const now = await d.dest.getRecord('contacts', id);
    const tags = Array.isArray(now.tags) ? (now.tags as unknown[]).map(String) : [];
    if (tags.includes(tag)) return 'tagged';
    await d.dest.update('contacts', id, { tags: [...tags, tag] });
    return 'tagged';
  } catch (e) {
    if (isMigrateError(e) && e.http?.status === 404) return 'gone from Freshsales already';
    throw e;
  }
}

/** Bulk-deleted contacts whose answer did not count them: read again (after a pause), the rest deleted one by one. */
async function confirmGone(d: ContactPhaseDeps, ids: string[]): Promise<void> {
  await sleep(1_000);
  const still = await d.dest.filteredSearchAll('contacts', [{ attribute: 'id', operator: 'is_in', value: ids }]);
  for (const r of still.records) await d.dest.deleteRecord('contacts', r.id);
}

/** `conflicts.csv` and `source-deletes.csv` in the run's report folder (owner-only); null when the run had none. */
export async function writeDeltaLists(store: StateStore, runId: string, dir: string): Promise<{ conflicts: string | null; deletes: string | null }> {
  const conflicts = await writeKind(store, runId, 'conflict', `${dir}/conflicts.csv`, ['record_key', 'freshsales_id', 'resolution', 'field', 'last_written', 'freshsales_now', 'source_now'], (key, c: Conflict) =>
    c.deletedInFreshsales
      ? [{ record_key: key, freshsales_id: c.destId, resolution: c.resolution, field: '(deleted in Freshsales)', last_written: '', freshsales_now: '', source_now: '' }]
      : c.fields.map((f) => ({ record_key: key, freshsales_id: c.destId, resolution: c.resolution, field: f.field, last_written: cell(f.written), freshsales_now: cell(f.freshsales), source_now: cell(f.source) })),
  );
  let deletes: string | null = null;
  const listed = await store.members(runId, DELETED, { afterKey: '', limit: 1 });
  if (listed.length > 0) {
    deletes = `${dir}/source-deletes.csv`;
    const w = await createCsvWriter(deletes, ['record_key', 'freshsales_id', 'action'], { mode: 0o600 });
    try {
      for (let after = ''; ; ) {
        const keys = await store.members(runId, DELETED, { afterKey: after, limit: CHUNK });
        if (keys.length === 0) break;
        after = keys[keys.length - 1]!;
        const [ids, done] = await Promise.all([store.destIds(OBJECT, keys), store.extrasFor(runId, 'source_delete', keys)]);
        for (const k of keys) await w.write({ record_key: k, freshsales_id: ids.get(k) ?? '', action: (done.get(k) as { action?: string } | undefined)?.action ?? 'listed (on_source_delete: ignore)' });
      }
      await w.close();
    } catch (e) {
      await w.abort();
      throw e;
    }
  }
  return { conflicts, deletes };
}

async function writeKind<T>(
  store: StateStore, runId: string, kind: string, file: string, columns: string[], rows: (key: string, data: T) => Array<Record<string, string>>,
): Promise<string | null> {
  let w: Awaited<ReturnType<typeof createCsvWriter>> | null = null;
  try {
    for await (const e of store.extrasOfKind(runId, kind)) {
      w ??= await createCsvWriter(file, columns, { mode: 0o600 });
      for (const row of rows(e.sourceKey, e.data as T)) await w.write(row);
    }
    if (!w) return null;
    await w.close();
    return file;
  } catch (e) {
    await w?.abort();
    throw e;
  }
}

function cell(v: unknown): string {
  return v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
}
