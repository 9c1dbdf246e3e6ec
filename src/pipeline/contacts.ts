/**
 * The contact phase: extract → prepare (transform, validate, quarantine, merge) → match →
 * plan batches → load + read back + verify + journal. Every step is checkpointed in the
 * state store, so running the same command again after a crash picks up where it stopped
 * with nothing duplicated: staging is keyed by source key, matching is recorded before any
 * write, and upserts are keyed by email.
 */
import { z } from 'zod';
import { SourceSegment } from '../core/model.js';
import { readCheckpoint, writeCheckpoint } from './checkpoints.js';
import { describeCoverage } from './source-contacts.js';
import { offers } from '../connectors/manifest.js';
import { payloadHash } from '../core/hash.js';
import type { CanonicalContact } from '../core/model.js';
import { contactWriter, morePages, type FsRecord } from '../connectors/freshsales/index.js';
import type { SourceConnector } from '../connectors/source.js';
import { referenceModels, type ContactMap } from '../mapping/spec.js';
import { readPath, toContactPayload } from '../mapping/transform.js';
import { emailKey } from '../mapping/normalise.js';
import { contactIdentity, createSharedIdFinder, mapReadsUserId } from '../mapping/shared-ids.js';
import type { BatchRow, DestinationMatch, StagedRecord, StagedRecordInput } from '../state/store.js';
import { journaledPayload } from './journal-payload.js';
import { BulkLoader, loadBatches, type BulkLoadItem, type BulkLoadSpec } from './bulk-load.js';
import type { Progress } from './progress.js';
import type { BulkPhaseDeps } from './phase-deps.js';
import { beforeImageOf, completeRecord, emailKeysOf, verifyRecord } from './verify.js';

const OBJECT = 'contact' as const;
const PREPARE_CHUNK = 500;
const SEARCH_CHUNK = 100;

export interface ContactPhaseDeps extends BulkPhaseDeps {
  source: SourceConnector;
  map: ContactMap;
  customFieldNames: Map<string, string>;
  /**
   * Source model → (record id → readable label) for every `resolve` in the map, read once per
   * run ({@link loadReferenceTables}); prepare writes labels in place of the ids.
   */
  references: Map<string, Map<string, string>>;
  /** Contact tags from segment membership and source tags; null = none. */
  tags: { segments: boolean; prefix: string; sourceTags: boolean } | null;
  /** cf_ name of the custom field holding the source's user id (dedupe alongside email); null = none. */
  externalIdField: string | null;
  /**
   * Per-contact event summary (count / first / last seen per event type) as custom-field
   * label → value, computed from the event stream; null when the map's event policy is not
   * "summary". Collected before prepare so contacts carry it at no extra call.
   */
  eventSummary: ((events: AsyncIterable<import('../core/model.js').CanonicalEvent[]>) => Promise<Map<string, Record<string, number | string>>>) | null;
  /** Folds a merged duplicate's event summary into its survivor's (see `mergeSummaryFields`); null without summaries. */
  mergeSummary: ((a: Record<string, number | string>, b: Record<string, number | string>) => Record<string, number | string>) | null;
  /** A retry run stages only the source records this keeps (those an earlier run quarantined or failed). */
  only?: (sourceKeys: string[]) => Promise<Set<string>>;
  /** A delta reads only the contacts the source changed since this instant (where it offers `contactsChangedSince`). */
  changedSince?: Date | null;
  /**
   * Segment membership into a multi-select custom field (its cf_ name and choices) instead of
   * tags (`tags.segments_as: field` in the map); null: segments become tags.
   */
  segmentField: { cf: string; choices: string[] } | null;
}

type Payload = Record<string, unknown> & { emails?: unknown; custom_field?: Record<string, unknown> };


/** The lookup key a contact is found by when its email changed: the source's user id, as written. */
const EXTERNAL_ID = 'externalId';

/** A prepared contact's lookup keys: the user id the payload writes into the external-id field. */
function lookupKeysOf(d: Pick<ContactPhaseDeps, 'externalIdField'>, payload: Payload): Record<string, string> {
  const v = d.externalIdField ? payload.custom_field?.[d.externalIdField] : undefined;
  return v === undefined || v === null || String(v) === '' ? {} : { [EXTERNAL_ID]: String(v) };
}

/** Add what comes from outside the profile row: group tags, the owner, event-summary fields. */
function enrich(
  payload: Payload,
  add: { tags: string[]; segments: string[]; segmentField: ContactPhaseDeps['segmentField']; ownerId: string | null; summary: Record<string, number | string> | undefined; customFieldNames: Map<string, string> },
): void {
  // Segment membership goes to the multi-select field the map names, or joins the tags.
  const tags = add.segmentField ? add.tags : [...add.segments, ...add.tags];
  if (tags.length > 0) {
    const existing = Array.isArray(payload.tags) ? (payload.tags as string[]) : [];
    payload.tags = [...new Set([...existing, ...tags])].sort();
  }
  if (add.segmentField && add.segments.length > 0) {
    const { cf, choices } = add.segmentField;
    const byFold = new Map(choices.map((c) => [c.toLowerCase(), c]));
    payload.custom_field ??= {};
    const existing = Array.isArray(payload.custom_field[cf]) ? (payload.custom_field[cf] as string[]) : [];
    // A segment that is not a choice of the field cannot be written there: it is left out (counted by prepare).
    const chosen = add.segments.flatMap((s) => (byFold.has(s.toLowerCase()) ? [byFold.get(s.toLowerCase())!] : []));
    payload.custom_field[cf] = [...new Set([...existing, ...chosen])].sort();
  }
  if (add.ownerId && payload.owner_id === undefined) payload.owner_id = Number(add.ownerId);
  if (add.summary) {
    payload.custom_field ??= {};
    for (const [label, value] of Object.entries(add.summary)) {
      const cf = add.customFieldNames.get(label);
      if (cf) payload.custom_field[cf] = value;
    }
  }
}

/**
 * Read every reference table the map's `resolve` fields need, once, from the source (small
 * catalogues: one list call per model and page). A model the source does not offer stops the
 * run here, before any write, with the source's ConfigError naming the models it offers.
 */
export async function loadReferenceTables(source: SourceConnector, map: ContactMap, progress: Progress): Promise<Map<string, Map<string, string>>> {
  const out = new Map<string, Map<string, string>>();
  for (const model of referenceModels(map)) {
    const table = await source.referenceTable(model);
    out.set(model, table);
    progress.note(`read ${table.size} ${model} record(s) to resolve references (resolve: ${model})`);
  }
  return out;
}

/** Keys per contactsByKey call (the source paces the per-user calls inside). */
const BY_KEY_PAGE = 100;
/** The membership kind holding a by-key source's frozen population, per segment. */
export const SCOPE = 'scope';
/** Extras kind: per contact, tags an earlier run wrote that this run drops (see delta.ts). */
export const DROP_TAGS = 'drop_tags';

/** Whether this run reaches contacts by key over frozen segments (the source has no listing). */
export function contactsByKey(source: SourceConnector): boolean {
  return !offers(source, 'contacts') && offers(source, 'contactsByKey');
}

/** The segments a by-key source's population was frozen from (`scope:segments`). */
const ScopeSegments = z.array(SourceSegment);

/**
 * Freeze the population of a source reached through segments: every segment's members, read
 * once now and kept in the store (a resumed run reads the same population even though the
 * source recalculates its segments), their union deduplicated by key. Then the coverage check:
 * the union against the population the source states (an "all users" segment, an export
 * file), with the gap named before anything moves. No-op for sources with a contact listing.
 */
export async function freezeScope(d: ContactPhaseDeps): Promise<{ segments: number; users: number; expected: { count: number; basis: string } | null } | null> {
  if (!contactsByKey(d.source)) return null;
  // A freeze stopped part-way is taken again whole: the source may have recalculated since, and
  // a segment must be one calculation of itself, never the union of two.
  await d.store.clearMemberships(d.runId, SCOPE);
  const segments = await d.source.segments();
  d.progress.start('freeze segment membership', segments.length);
  for (const seg of segments) {
    for await (const members of d.source.segmentMembers(seg)) await d.store.saveMemberships(d.runId, SCOPE, seg.name, members);
    d.progress.advance(1);
  }
  d.progress.end();
  await writeCheckpoint(d.store, d.runId, 'scope:segments', segments);
  let users = 0;
  for (let after = ''; ; ) {
    const keys = await d.store.members(d.runId, SCOPE, { afterKey: after, limit: 5000 });
    if (keys.length === 0) break;
    users += keys.length;
    after = keys[keys.length - 1]!;
  }
  const expected = offers(d.source, 'population') && d.source.population ? await d.source.population() : null;
  const names = segments.map((s) => `"${s.name}"`).join(', ') || '(none)';
  d.progress.note(`population frozen: ${users} user(s) in the union of ${segments.length} segment(s) ${names}`);
  const coverage = describeCoverage({ segments: segments.length, users, expected });
  d.progress.note(expected && expected.count > users ? `${coverage} — add a segment that holds them, or accept the gap` : coverage);
  await writeCheckpoint(d.store, d.runId, 'scope:coverage', { users, expected });
  return { segments: segments.length, users, expected };
}

/** Extract contacts into the staging table, page by page, checkpointing after each page. */
export async function extractContacts(d: ContactPhaseDeps): Promise<void> {
  if ((await d.store.getCheckpoint(d.runId, 'contact:extracted')) === 'done') return;
  if (contactsByKey(d.source)) return extractByKey(d);
  const after = await d.store.getCheckpoint(d.runId, 'contact:cursor');
  d.progress.start('extract contacts', null);
  if (after) d.progress.note(`resuming extraction after source id ${after}`);
  const pages = d.changedSince && offers(d.source, 'contactsChangedSince') && d.source.contactsChangedSince
    ? d.source.contactsChangedSince(d.changedSince, after || null)
    : d.source.contacts(after || null);
  for await (const page of pages) {
    const keep = d.only ? await d.only(page.records.map((r) => r.sourceKey)) : null;
    const records = keep ? page.records.filter((r) => keep.has(r.sourceKey)) : page.records;
    await d.store.stageRecords(
      d.runId,
      OBJECT,
      records.map((r) => ({ sourceKey: r.sourceKey, sourceId: r.sourceId, updatedAtMs: r.updatedAt ? Date.parse(r.updatedAt) : null, record: r })),
      { stream: 'contact:cursor', value: page.checkpoint },
    );
    d.progress.advance(page.records.length);
  }
  if (d.changedSince && offers(d.source, 'contactsChangedSince')) await stageUnchangedPartners(d);
  await d.store.setCheckpoint(d.runId, 'contact:extracted', 'done');
  d.progress.end();
}

/** A source record's email as the map reads it, as a match key; null when it has none. */
function recordEmailKey(map: ContactMap, record: CanonicalContact): string | null {
  return emailKey(readPath(record, map.fields.find((f) => f.to === 'emails')?.from ?? 'email'));
}

/**
 * For these rows, what an earlier run last wrote to their contact (its journaled payload),
 * found by source key or, for a duplicate group's new winner, through the email it shares with
 * the member the contact was written as. Rows no run wrote are absent.
 */
async function lastWrittenFor(d: ContactPhaseDeps, rows: StagedRecord[]): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  const emailOf = new Map<string, string>();
  for (const r of rows) {
    const k = recordEmailKey(d.map, r.record as CanonicalContact);
    if (k !== null) emailOf.set(r.sourceKey, k);
  }
  const earlier = emailOf.size > 0 ? await d.store.stagedByMatchKeys(OBJECT, [...emailOf.values()], d.runId) : [];
  const candidates = [...new Set([...rows.map((r) => r.sourceKey), ...earlier.map((e) => e.sourceKey)])];
  const ids = await d.store.destIds(OBJECT, candidates);
  const byEmail = new Map<string, Record<string, unknown>>();
  const payloadOf = async (key: string) => (await journaledPayload(d.store, OBJECT, key, d.runId))?.payload ?? null;
  for (const e of earlier) {
    if (!ids.has(e.sourceKey) || e.matchKey === null || byEmail.has(e.matchKey)) continue;
    const p = await payloadOf(e.sourceKey);
    if (p) byEmail.set(e.matchKey, p);
  }
  for (const r of rows) {
    const own = ids.has(r.sourceKey) ? await payloadOf(r.sourceKey) : null;
    const viaEmail = emailOf.has(r.sourceKey) ? byEmail.get(emailOf.get(r.sourceKey)!) : undefined;
    const p = own ?? viaEmail;
    if (p) out.set(r.sourceKey, p);
  }
  return out;
}

/**
 * The payload with null for each field the last write set that the source no longer holds
 * (cleared in Freshsales too). Only those: a field no run of ours wrote may hold what a person
 * entered, and is left alone.
 */
/** Fields a later run never clears: the email, tags (dropped one by one, see delta.ts), and the stage, status and owner every contact has. */
const NEVER_CLEARED = new Set(['emails', 'tags', 'custom_field', 'lifecycle_stage_id', 'contact_status_id', 'owner_id']);

export function withClears(payload: Record<string, unknown>, last: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...payload };
  for (const [k, v] of Object.entries(last)) {
    if (NEVER_CLEARED.has(k) || v === null || v === undefined) continue;
    if (out[k] === undefined) out[k] = null;
  }
  const lastCf = last.custom_field as Record<string, unknown> | undefined;
  if (lastCf) {
    const cf: Record<string, unknown> = { ...((payload.custom_field as Record<string, unknown> | undefined) ?? {}) };
    for (const [k, v] of Object.entries(lastCf)) if (v !== null && v !== undefined && cf[k] === undefined) cf[k] = null;
    out.custom_field = cf;
  }
  return out;
}

/**
 * A delta read only the changed records: the unchanged members of their duplicate groups (same
 * email) are staged from the run that last read them, so prepare merges the group as a full
 * read would (newest wins, the others' tags carried over). After the whole read, so a member
 * that changed too is already staged as it is now.
 */
async function stageUnchangedPartners(d: ContactPhaseDeps): Promise<void> {
  for (let after = 0; ; ) {
    const rows = await d.store.readStaged(d.runId, OBJECT, after, PREPARE_CHUNK);
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.seq;
    const keys = rows.flatMap((r) => recordEmailKey(d.map, r.record as CanonicalContact) ?? []);
    if (keys.length === 0) continue;
    const earlier = await d.store.stagedByMatchKeys(OBJECT, keys, d.runId);
    const here = new Set((await d.store.stagedRecords(d.runId, OBJECT, earlier.map((e) => e.sourceKey))).map((e) => e.sourceKey));
    const partners: StagedRecordInput[] = earlier.filter((e) => !here.has(e.sourceKey)).map((e) => ({ sourceKey: e.sourceKey, sourceId: e.sourceId, updatedAtMs: e.updatedAtMs, record: e.record }));
    if (partners.length > 0) await d.store.stageRecords(d.runId, OBJECT, partners, { stream: 'contact:partners', value: String(after) });
  }
}

/**
 * Contacts of the frozen population, a page of keys at a time (the checkpoint is the last key
 * read). A key the source no longer knows (the user was deleted since scoping) is counted and
 * named in a note, never an error.
 */
async function extractByKey(d: ContactPhaseDeps): Promise<void> {
  let after = (await d.store.getCheckpoint(d.runId, 'contact:cursor')) ?? '';
  d.progress.start('extract contacts (by key)', null);
  if (after) d.progress.note(`resuming extraction after ${after}`);
  const gone: string[] = [];
  for (;;) {
    const page = await d.store.members(d.runId, SCOPE, { afterKey: after, limit: BY_KEY_PAGE });
    if (page.length === 0) break;
    const keep = d.only ? await d.only(page) : null;
    const keys = keep ? page.filter((k) => keep.has(k)) : page;
    const records = keys.length > 0 ? await d.source.contactsByKey!(keys) : [];
    const found = new Set(records.map((r) => r.sourceKey));
    for (const k of keys) if (!found.has(k)) gone.push(k);
    after = page[page.length - 1]!;
    await d.store.stageRecords(
      d.runId,
      OBJECT,
      records.map((r) => ({ sourceKey: r.sourceKey, sourceId: r.sourceId, updatedAtMs: r.updatedAt ? Date.parse(r.updatedAt) : null, record: r })),
      { stream: 'contact:cursor', value: after },
    );
    d.progress.advance(page.length);
  }
  await d.store.setCheckpoint(d.runId, 'contact:extracted', 'done');
  d.progress.end();
  if (gone.length > 0) d.progress.note(`${gone.length} user(s) of the frozen population are no longer in the source (deleted since scoping), e.g. ${gone.slice(0, 3).join(', ')}`);
}

/**
 * Collect what contacts carry from other streams, before prepare: segment membership
 * (frozen now, through the source's export) and source tags become contact tags; event
 * summaries become contact fields. Checkpointed as one step.
 */
export async function collectContactGroups(d: ContactPhaseDeps): Promise<{ segments: number; tags: number }> {
  if ((await d.store.getCheckpoint(d.runId, 'contact:groups')) === 'done') return { segments: 0, tags: 0 };
  let segments = 0;
  const tagNames = new Set<string>();
  const frozen = await readCheckpoint(d.store, d.runId, 'scope:segments', ScopeSegments);
  if (d.tags?.segments && frozen) {
    // A by-key source's segments were frozen with its population: tags come from that snapshot.
    for (const seg of frozen) {
      for (let after = ''; ; ) {
        const keys = await d.store.members(d.runId, SCOPE, { name: seg.name, afterKey: after, limit: 5000 });
        if (keys.length === 0) break;
        await d.store.saveMemberships(d.runId, 'segment', `${d.tags.prefix}${seg.name}`, keys);
        after = keys[keys.length - 1]!;
      }
      segments++;
    }
    await d.store.setCheckpoint(d.runId, 'inventory:segments', JSON.stringify(frozen));
  } else if (d.tags?.segments && offers(d.source, 'segments')) {
    const list = await d.source.segments();
    d.progress.start('segment membership', list.length);
    for (const seg of list) {
      for await (const members of d.source.segmentMembers(seg)) await d.store.saveMemberships(d.runId, 'segment', `${d.tags.prefix}${seg.name}`, members);
      segments++;
      d.progress.advance(1);
    }
    await d.store.setCheckpoint(d.runId, 'inventory:segments', JSON.stringify(list));
    d.progress.end();
  }
  if (d.tags?.sourceTags && offers(d.source, 'tagHits')) {
    d.progress.start('source tags', null);
    for await (const page of d.source.tagHits(null)) {
      const byTag = new Map<string, Set<string>>();
      for (const h of page.records) {
        const set = byTag.get(h.tag) ?? new Set<string>();
        set.add(h.contactKey);
        byTag.set(h.tag, set);
      }
      for (const [tag, keys] of byTag) {
        tagNames.add(tag);
        await d.store.saveMemberships(d.runId, 'tag', tag, [...keys]);
      }
      d.progress.advance(page.records.length);
    }
    d.progress.end();
  }
  if (d.eventSummary && offers(d.source, 'events')) {
    d.progress.start('event summaries', null);
    const pages = (async function* (src: SourceConnector, progress: Progress) {
      for await (const page of src.events(null)) {
        progress.advance(page.records.length);
        yield page.records;
      }
    })(d.source, d.progress);
    const summary = await d.eventSummary(pages);
    const entries = [...summary].map(([sourceKey, data]) => ({ sourceKey, data }));
    for (let i = 0; i < entries.length; i += 1000) await d.store.saveExtras(d.runId, 'event_summary', entries.slice(i, i + 1000));
    d.progress.end();
  }
  await d.store.setCheckpoint(d.runId, 'contact:groups', 'done');
  return { segments, tags: tagNames.size };
}

/**
 * Transform and validate every staged contact; quarantine the unusable; merge duplicates by
 * email. A source user id that profiles with different emails share is found first (two
 * streaming passes over the staged contacts, only when the map writes the user id): the
 * transform then treats it as an invalid value of the fields reading it. Values left out of
 * loaded contacts (`on_invalid: drop_field`) are kept per record in the store's extras (kind
 * `contact_dropped_values`: field, from, reason, value) and counted in a note.
 */
export async function prepareContacts(d: ContactPhaseDeps): Promise<{ merged: number }> {
  if ((await d.store.getCheckpoint(d.runId, 'contact:prepared')) === 'done') return { merged: 0 };
  const now = d.clock.now();
  let after = 0;
  // Loaded contacts keep an unresolvable id as it is; they are counted here so the run says so
  // (a prepare resumed mid-way counts the contacts it prepares itself).
  let unresolved = 0;
  const unresolvedIds = new Map<string, Set<string>>();
  let droppedValues = 0;
  const droppedByField = new Map<string, number>();
  const notAChoice = new Set<string>();
  d.progress.start('validate contacts', null);
  const sharedExternalIds = new Map<string, string[]>();
  if (mapReadsUserId(d.map)) {
    const finder = createSharedIdFinder();
    for (const pass of [1, 2] as const) {
      if (pass === 2 && !finder.needsSecondPass) break;
      for (let seq = 0; ; ) {
        const rows = await d.store.readStaged(d.runId, OBJECT, seq, PREPARE_CHUNK);
        if (rows.length === 0) break;
        for (const row of rows) {
          const id = contactIdentity(row.record as CanonicalContact, d.map);
          if (id === null) continue;
          if (pass === 1) finder.first(id.userId, id.emailKey);
          else finder.second(id.userId, id.emailKey, row.sourceId);
        }
        seq = rows[rows.length - 1]!.seq;
      }
    }
    for (const [userId, ids] of finder.result()) sharedExternalIds.set(userId, ids);
  }
  for (;;) {
    const rows = await d.store.readStaged(d.runId, OBJECT, after, PREPARE_CHUNK);
    if (rows.length === 0) break;
    const ready = [];
    const quarantined = [];
    const dropped: Array<{ sourceKey: string; data: unknown }> = [];
    const keys = rows.map((r) => r.sourceKey);
    const [segmentsOf, tagsOf, summaries] = await Promise.all([
      d.tags?.segments ? d.store.membershipsFor(d.runId, 'segment', keys) : new Map<string, string[]>(),
      d.tags?.sourceTags ? d.store.membershipsFor(d.runId, 'tag', keys) : new Map<string, string[]>(),
      d.eventSummary ? d.store.extrasFor(d.runId, 'event_summary', keys) : new Map<string, unknown>(),
    ]);
    const lastWritten = (await d.store.hasJournal(OBJECT)) ? await lastWrittenFor(d, rows) : new Map<string, Record<string, unknown>>();
    for (const row of rows) {
      const contact = row.record as CanonicalContact;
      const segs = segmentsOf.get(row.sourceKey) ?? [];
      if (d.segmentField) for (const s of segs) if (!d.segmentField.choices.some((c) => c.toLowerCase() === s.toLowerCase())) notAChoice.add(s);
      const build = () => {
        const o = toContactPayload(contact, d.map, { customFieldNames: d.customFieldNames, now, references: d.references, sharedExternalIds });
        enrich(o.payload as Payload, {
          tags: tagsOf.get(row.sourceKey) ?? [],
          segments: segs,
          segmentField: d.segmentField,
          ownerId: d.ownerId,
          summary: summaries.get(row.sourceKey) as Record<string, number | string> | undefined,
          customFieldNames: d.customFieldNames,
        });
        return o;
      };
      const out = build();
      // A contact an earlier run wrote gets null for what the source no longer holds (cleared in
      // Freshsales too); its hash stays that of the values alone, so an unchanged one still matches the journal.
      const last = lastWritten.get(row.sourceKey);
      const written = last ? withClears(out.payload as Record<string, unknown>, last) : out.payload;
      const fatal = out.issues.filter((i) => i.fatal);
      if (fatal.length > 0 || !out.emailKey) {
        const reasons = fatal.length > 0 ? fatal.map((i) => i.reason) : ['Freshsales requires an email'];
        const details = fatal.length > 0 ? fatal.map((i) => ({ field: i.field, ...(i.value !== undefined ? { value: i.value } : {}) })) : [{ field: 'emails' }];
        quarantined.push({ object: OBJECT, recordKey: row.sourceKey, reasons, record: contact, details });
      } else {
        ready.push({ sourceKey: row.sourceKey, matchKey: out.emailKey, payload: written, payloadHash: valuesHash(written), lookupKeys: lookupKeysOf(d, out.payload) });
        const left = out.issues.filter((i) => i.dropped);
        if (left.length > 0) {
          dropped.push({ sourceKey: row.sourceKey, data: left.map((i) => ({ field: i.field, from: i.from, reason: i.reason, ...(i.value !== undefined ? { value: i.value } : {}) })) });
          droppedValues += left.length;
          for (const i of left) droppedByField.set(i.field, (droppedByField.get(i.field) ?? 0) + 1);
        }
        for (const issue of out.issues) {
          if (!issue.unresolved) continue;
          unresolved++;
          const key = `${issue.field} → ${issue.unresolved.model}`;
          const ids = unresolvedIds.get(key) ?? new Set<string>();
          // A handful of ids is enough to look them up; the count says how many values.
          if (ids.size < 5) ids.add(issue.unresolved.id);
          unresolvedIds.set(key, ids);
        }
      }
    }
    if (dropped.length > 0) await d.store.saveExtras(d.runId, 'contact_dropped_values', dropped);
    await d.store.savePrepared(d.runId, OBJECT, ready, quarantined);
    after = rows[rows.length - 1]!.seq;
    d.progress.advance(rows.length);
  }
  if (notAChoice.size > 0) {
    d.progress.note(`segment(s) not among the choices of the segment field, left out of it: ${[...notAChoice].sort().slice(0, 10).join(', ')}${notAChoice.size > 10 ? ` and ${notAChoice.size - 10} more` : ''} (add them to tags.segment_field.choices and run schema apply)`);
  }
  const merged = await d.store.mergeDuplicates(d.runId, OBJECT);
  if (merged > 0) await followMergedProfiles(d);
  await d.store.setCheckpoint(d.runId, 'contact:prepared', 'done');
  d.progress.end();
  if (merged > 0) d.progress.note(`merged ${merged} in-source duplicate contact(s) by email (newest wins)`);
  if (unresolved > 0) {
    const where = [...unresolvedIds].map(([key, ids]) => `${key}: ${[...ids].join(', ')}${ids.size >= 5 ? ', …' : ''}`).join('; ');
    d.progress.note(`${unresolved} reference(s) name no record in the source (${where}): written as the raw id`);
  }
  if (sharedExternalIds.size > 0) {
    const shown = [...sharedExternalIds.values()].slice(0, 3).map((ids) => ids.join(' & ')).join('; ');
    d.progress.note(`${sharedExternalIds.size} source user id(s) are shared by profiles with different emails (${shown}${sharedExternalIds.size > 3 ? '; …' : ''}): their user-id fields follow on_invalid`);
  }
  if (droppedValues > 0) {
    const byField = [...droppedByField].sort((a, b) => b[1] - a[1]).map(([f, n]) => `${f} ${n}`).join(', ');
    d.progress.note(`${droppedValues} invalid value(s) left out of contacts that load (on_invalid: drop_field): ${byField}`);
  }
  return { merged };
}

/**
 * What hangs off profiles merged away by email follows the surviving contact: their segment
 * memberships and tags join its tags, their event summaries fold into its summary fields.
 * (Tasks and devices follow it in their own phases.) Idempotent: a resumed prepare redoes it.
 */
async function followMergedProfiles(d: ContactPhaseDeps): Promise<void> {
  const losersOf = new Map<string, string[]>();
  for (let after = 0; ; ) {
    const pairs = await d.store.mergedPairs(d.runId, OBJECT, after, PREPARE_CHUNK);
    if (pairs.length === 0) break;
    for (const p of pairs) losersOf.set(p.winner, [...(losersOf.get(p.winner) ?? []), p.loser]);
    after = pairs[pairs.length - 1]!.seq;
  }
  const winners = [...losersOf.keys()];
  for (let i = 0; i < winners.length; i += PREPARE_CHUNK) {
    const rows = (await d.store.stagedRecords(d.runId, OBJECT, winners.slice(i, i + PREPARE_CHUNK))).filter((r) => r.status === 'ready' && r.matchKey);
    const losers = rows.flatMap((r) => losersOf.get(r.sourceKey) ?? []);
    const [segmentsOf, tagsOf, summaries] = await Promise.all([
      d.tags?.segments ? d.store.membershipsFor(d.runId, 'segment', losers) : new Map<string, string[]>(),
      d.tags?.sourceTags ? d.store.membershipsFor(d.runId, 'tag', losers) : new Map<string, string[]>(),
      d.mergeSummary ? d.store.extrasFor(d.runId, 'event_summary', [...losers, ...rows.map((r) => r.sourceKey)]) : new Map<string, unknown>(),
    ]);
    const ready = rows.map((row) => {
      const payload = structuredClone(row.payload) as Payload;
      const keys = losersOf.get(row.sourceKey) ?? [];
      let summary = summaries.get(row.sourceKey) as Record<string, number | string> | undefined;
      for (const k of keys) {
        const theirs = summaries.get(k) as Record<string, number | string> | undefined;
        if (theirs && d.mergeSummary) summary = summary ? d.mergeSummary(summary, theirs) : theirs;
      }
      enrich(payload, {
        tags: keys.flatMap((k) => tagsOf.get(k) ?? []),
        segments: keys.flatMap((k) => segmentsOf.get(k) ?? []),
        segmentField: d.segmentField,
        ownerId: null,
        summary,
        customFieldNames: d.customFieldNames,
      });
      return { sourceKey: row.sourceKey, matchKey: row.matchKey!, payload, payloadHash: valuesHash(payload), lookupKeys: lookupKeysOf(d, payload) };
    });
    await d.store.savePrepared(d.runId, OBJECT, ready, []);
  }
}

/** For this run's ready contacts an earlier run wrote: destination id → the payload it wrote (emails left out: the read carries them). */
async function lastWrittenByDestId(d: ContactPhaseDeps): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  if (!(await d.store.hasJournal(OBJECT))) return out;
  for (let after = 0; ; ) {
    const rows = await d.store.stagedByStatus(d.runId, OBJECT, ['ready'], after, PREPARE_CHUNK);
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.seq;
    const ids = await d.store.destIds(OBJECT, rows.map((r) => r.sourceKey));
    for (const r of rows) {
      if (!ids.has(r.sourceKey)) continue;
      const last = await journaledPayload(d.store, OBJECT, r.sourceKey, d.runId);
      if (!last) continue;
      const { emails: _e, tags: _t, ...fields } = last.payload;
      out.set(last.entry.destId, fields);
    }
  }
  return out;
}

/**
 * The hash of what a contact payload holds, leaving out the nulls that clear fields for a
 * contact an earlier run wrote: a contact is unchanged when its values are, whether or not
 * this payload also clears what the source no longer has. (Payloads without clears hash as
 * they always did, so earlier journals still match.)
 */
export function valuesHash(payload: unknown): string {
  const p = payload as Payload;
  const values = Object.fromEntries(Object.entries(p).filter(([, v]) => v !== null));
  if (p.custom_field) values.custom_field = Object.fromEntries(Object.entries(p.custom_field).filter(([, v]) => v !== null));
  return payloadHash(values);
}

/**
 * Find which contacts already exist in Freshsales, and remember their current values
 * (before-images) — before any write, so a resumed run still knows what it created.
 * Chooses the cheaper of listing every destination contact (100 per call) and searching
 * the source's emails (100 per call).
 */
export async function matchContacts(
  d: ContactPhaseDeps,
  fieldsWritten: string[],
  customWritten: string[],
): Promise<{ strategy: 'listing' | 'search'; calls: number; priorMigration: number }> {
  const done = await d.store.getCheckpoint(d.runId, 'contact:matched');
  if (done) return { strategy: done as 'listing' | 'search', calls: 0, priorMigration: 0 };
  let calls = 0;
  // Destination contacts carrying the source's id field: an earlier migration wrote them.
  let priorMigration = 0;
  const ready = await d.store.countReady(d.runId, OBJECT);
  const views = await d.dest.views('contacts');
  const all = views.find((v) => v.name.toLowerCase() === 'all contacts') ?? views[0];
  let strategy: 'listing' | 'search' = 'search';
  d.progress.start('match existing contacts', null);
  // A before-image must hold the real current values: a field the list or search answer does
  // not carry (lifecycle and status ids) is read with one GET of that record, counted here —
  // except on a contact an earlier run wrote, where such a field holds what that run wrote
  // (the journal's payload): no one can have changed it unseen by anything but that GET, and
  // a delta would otherwise pay one call per changed contact.
  const written = await lastWrittenByDestId(d);
  const imageOf = async (r: FsRecord) => {
    const last = written.get(r.id);
    const known = last ? { ...last, ...r, custom_field: { ...((last.custom_field as Record<string, unknown> | undefined) ?? {}), ...(r.custom_field ?? {}) } } : r;
    const full = await completeRecord(d.dest, 'contacts', known as FsRecord, fieldsWritten, customWritten);
    calls += full.calls;
    return beforeImageOf(full.record, fieldsWritten, customWritten);
  };
  const record = async (records: FsRecord[]) => {
    const byKey = new Map<string, FsRecord>();
    for (const r of records) for (const k of emailKeysOf(r)) byKey.set(k, r);
    const wanted = await d.store.filterReadyKeys(d.runId, OBJECT, [...byKey.keys()]);
    const matches: DestinationMatch[] = [];
    for (const k of wanted) {
      const r = byKey.get(k)!;
      matches.push({ matchKey: k, destId: r.id, beforeImage: await imageOf(r) });
    }
    await d.store.saveMatches(d.runId, OBJECT, matches);
    await recordByExternalId(records);
  };
  // The source's user id, kept in a custom field, finds a contact whose email changed since an
  // earlier load. Email matches win (the email owner is who an upsert by email would hit).
  const extField = d.externalIdField;
  const recordByExternalId = async (records: FsRecord[]) => {
    if (!extField) return;
    const byValue = new Map<string, FsRecord>();
    for (const r of records) {
      const v = r.custom_field?.[extField];
      if (v !== null && v !== undefined && String(v) !== '') byValue.set(String(v), r);
    }
    if (strategy === 'listing') priorMigration += byValue.size;
    if (byValue.size === 0) return;
    const hits = await d.store.byLookupKey(d.runId, OBJECT, EXTERNAL_ID, [...byValue.keys()]);
    const known = await d.store.getMatches(d.runId, OBJECT, [...hits.values()]);
    const matches: DestinationMatch[] = [];
    for (const [value, key] of hits) {
      // An email match already holds this key (and its image): it wins, no read needed.
      if (known.has(key)) continue;
      const r = byValue.get(value)!;
      matches.push({ matchKey: key, destId: r.id, beforeImage: await imageOf(r) });
    }
    await d.store.saveMatches(d.runId, OBJECT, matches, { keepExisting: true });
  };
  if (all) {
    // include=owner: list answers carry owner_id only when asked [api/freshsales.md].
    const list = (page: number) => d.dest.listView('contacts', all.id, { page, perPage: 100, sort: 'id', sortType: 'asc', include: 'owner' });
    const first = await list(1);
    calls++;
    const total = first.total ?? Number.POSITIVE_INFINITY;
    if (Math.ceil(total / 100) <= Math.ceil(ready / SEARCH_CHUNK)) {
      strategy = 'listing';
      await record(first.records);
      d.progress.advance(first.records.length);
      let seen = first.records.length;
      for (let page = 2, last = first; last.records.length > 0 && morePages(last, page - 1, seen); page++) {
        last = await list(page);
        calls++;
        seen += last.records.length;
        await record(last.records);
        d.progress.advance(last.records.length);
      }
    }
  }
  if (strategy === 'search') {
    let after = '';
    for (;;) {
      const keys = await d.store.readyMatchKeys(d.runId, OBJECT, after, SEARCH_CHUNK);
      if (keys.length === 0) break;
      const page = await d.dest.filteredSearchAll('contacts', [{ attribute: 'contact_email.email', operator: 'is_in', value: keys }], { include: 'owner' });
      calls += page.calls;
      await record(page.records);
      after = keys[keys.length - 1]!;
      d.progress.advance(keys.length);
    }
    // External-id pass, only when the destination holds any contact with that field set
    // (one probe call): a first migration pays nothing for it.
    if (extField) {
      const probe = await d.dest.filteredSearch('contacts', [{ attribute: extField, operator: 'is_not_null' }], { perPage: 1 });
      calls++;
      priorMigration = probe.total ?? probe.records.length;
      if ((probe.total ?? probe.records.length) > 0) {
        for (let seq = 0; ;) {
          const rows = await d.store.lookupKeyValues(d.runId, OBJECT, EXTERNAL_ID, seq, SEARCH_CHUNK);
          if (rows.length === 0) break;
          const page = await d.dest.filteredSearchAll('contacts', [{ attribute: extField, operator: 'is_in', value: rows.map((r) => r.value) }], { include: 'owner' });
          calls += page.calls;
          await recordByExternalId(page.records);
          seq = rows[rows.length - 1]!.seq;
        }
      }
    }
  }
  await d.store.setCheckpoint(d.runId, 'contact:matched', strategy);
  d.progress.end();
  return { strategy, calls, priorMigration };
}

/** Load every open batch: bulk upsert, read back, verify, fall back to single upserts, journal. */
export async function loadContacts(d: ContactPhaseDeps): Promise<void> {
  const loader = new BulkLoader(d, contactSpec(d));
  // The real count of records still to write (the last batch is rarely full).
  const total = await d.store.countReady(d.runId, OBJECT);
  await loadBatches(d, { object: OBJECT, size: d.batchSize, step: 'load contacts', total, loader, load: (b) => loadBatch(d, b, loader) });
}

/** A contact in the bulk engine: matched and read back by its normalised email (`matchKey` = `readKey`). */
interface Item extends BulkLoadItem {
  payload: Payload;
}

/**
 * Contacts in the bulk engine: Freshsales' contact writer (keyed and read back by email; a
 * matched contact addressed by its id), the matches made before loading, and verification.
 */
function contactSpec(d: ContactPhaseDeps): BulkLoadSpec<Item> {
  return {
    ...contactWriter(d.dest, emailKeysOf),
    object: OBJECT,
    matches: async (_batch, items) => {
      const [matches, drops] = await Promise.all([d.store.getMatches(d.runId, OBJECT, items.map((i) => i.matchKey)), d.store.extrasFor(d.runId, DROP_TAGS, items.map((i) => i.sourceKey))]);
      // Tags an earlier run wrote that the source no longer implies are not merged back in (delta.ts).
      for (const i of items) {
        const m = matches.get(i.matchKey);
        const drop = drops.get(i.sourceKey);
        if (m && Array.isArray(drop)) matches.set(i.matchKey, { ...m, dropTags: drop as string[] } as DestinationMatch);
      }
      return matches;
    },
    verify: verifyRecord,
  };
}

/** Load one contact batch through the bulk engine; returns how many records it held. */
async function loadBatch(d: ContactPhaseDeps, batch: BatchRow, loader: BulkLoader<Item>): Promise<number> {
  const rows = await d.store.batchRecords(d.runId, OBJECT, batch.batchNo);
  const items: Item[] = rows
    .filter((r) => r.status === 'ready' || r.status === 'loaded' || r.status === 'failed')
    .map((r) => ({ sourceKey: r.sourceKey, matchKey: r.matchKey!, readKey: r.matchKey!, payload: r.payload as Payload, payloadHash: r.payloadHash! }));
  await loader.load(batch, items);
  return items.length;
}
