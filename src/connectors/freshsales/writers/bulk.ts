/**
 * Writer strategies for the Freshsales objects that have a bulk endpoint: how a record is
 * addressed in `bulk_upsert` (email, id or name), how a batch is read back in one call and
 * keyed, how one record is written alone, and which errors are Freshsales refusing that one
 * record. The pipeline's bulk loader runs them; staging, matching, verification and the
 * journal stay with it.
 */
import type { FreshsalesClient, BulkItem } from '../client.js';
import type { Entity, FsRecord } from '../types.js';
import { classifyWriteError, rejectionReason } from '../write-errors.js';

/** A prepared record, as a writer sees it. */
export interface WriteItem {
  /** The record's identity within its batch (the key of its match). */
  matchKey: string;
  /** The key the read-back finds the record under. */
  readKey: string;
  payload: Record<string, unknown>;
}

/** A destination record the migration found before writing (updated, not created). */
export interface ExistingRecord {
  destId: string;
  /** Its values before the migration wrote (the fields it writes). */
  beforeImage: unknown;
  /** Tags an earlier run of this migration wrote that the source no longer implies: not kept. */
  dropTags?: readonly string[];
}

/** When a batch uses the bulk call, and when it sends it again. */
export interface ResendPolicy {
  /**
   * Fewest records worth a bulk call; fewer go straight to single writes (one call instead of a
   * bulk call, a job poll and a read-back).
   */
  minBulk: number;
  /**
   * Send a second bulk call only after a job that failed (true), or whenever records are still
   * missing after the first (false). Records a completed job skipped were refused by
   * validation, and a single write gets the vendor's reason where a re-send would not.
   */
  onlyAfterFailedJob: boolean;
  /** Count a re-send as a new attempt of the batch, not only the first send. */
  markEachSend: boolean;
}

/** How one Freshsales entity is written in bulk, read back and written alone. */
export interface BulkWriter<I extends WriteItem> {
  entity: Entity;
  resend: ResendPolicy;
  /** The item as one entry of the bulk_upsert: its identifier (email, id or name) and data. */
  bulkItem(item: I, existing: ExistingRecord | undefined): BulkItem;
  /** One call reading the items back: the records found, keyed like `readKey`. */
  readBack(items: I[]): Promise<Map<string, FsRecord>>;
  /** The identifier the item was sent with (email, id or name), lower case: how the job's failure report names it. */
  reportKey(item: I, existing: ExistingRecord | undefined): string;
  /** Write one record alone (the fallback); returns the record as written. */
  writeOne(item: I, existing: ExistingRecord | undefined): Promise<FsRecord>;
  /** The failure reason when `error` (from `writeOne`) is Freshsales refusing this record; null otherwise. */
  rejection(error: unknown, item: I): string | null;
  /** How a failure reason names the item, e.g. `"a@b.c"`. */
  describe(item: I): string;
}

/**
 * Whether a tags write replaces or merges is undocumented: the tags an updated record had
 * (its before-image) are merged into what is written, so tags an admin set survive either way.
 */
export function withExistingTags(payload: Record<string, unknown>, existing: ExistingRecord | undefined): Record<string, unknown> {
  const all = (existing?.beforeImage as { tags?: unknown } | null | undefined)?.tags;
  const drop = new Set(existing?.dropTags ?? []);
  const before = Array.isArray(all) ? (all as string[]).filter((t) => !drop.has(t)) : [];
  if (!Array.isArray(payload.tags) || (before.length === 0 && drop.size === 0)) return payload;
  return { ...payload, tags: [...new Set([...before, ...(payload.tags as string[])])].sort() };
}

/**
 * Contacts: upserted by email; a matched contact is addressed by its id (it may carry an older
 * email), read back with one filtered_search of the batch's emails (`include=owner`: owner_id
 * at no extra call; what the answer still leaves out is the loader's "unverifiable").
 * `keysOf` gives every match key a destination record answers to (its normalised emails).
 */
export function contactWriter(dest: FreshsalesClient, keysOf: (r: FsRecord) => string[]): BulkWriter<WriteItem> {
  return {
    entity: 'contacts',
    // Every batch, even of one, goes through bulk_upsert; a job that leaves records unwritten
    // (failed or skipped) gets one re-send, each send counted as an attempt of the batch.
    resend: { minBulk: 1, onlyAfterFailedJob: false, markEachSend: true },
    bulkItem: (i, m) => (m ? { id: m.destId, data: withExistingTags(i.payload, m) } : { emails: String(i.payload.emails), data: i.payload }),
    readBack: async (items) => {
      const page = await dest.filteredSearchAll('contacts', [{ attribute: 'contact_email.email', operator: 'is_in', value: items.map((i) => i.readKey) }], { include: 'owner' });
      const byKey = new Map<string, FsRecord>();
      for (const r of page.records) for (const k of keysOf(r)) byKey.set(k, r);
      return byKey;
    },
    reportKey: (i, m) => (m ? m.destId : String(i.payload.emails)).trim().toLowerCase(),
    writeOne: async (i, m) =>
      m ? dest.update('contacts', m.destId, withExistingTags(i.payload, m)) : (await dest.upsert('contacts', { emails: String(i.payload.emails) }, i.payload)).record,
    rejection: (e, i) => {
      const c = classifyWriteError(e, 'record');
      return c.kind === 'rejected' ? rejectionReason(c, `the contact "${i.matchKey}"`) : null;
    },
    describe: (i) => `"${i.matchKey}"`,
  };
}

/** A record upserted by its name (deals, accounts). */
export interface NamedItem extends WriteItem {
  name: string;
}

/** The lower-cased, trimmed name records are keyed by. */
export const nameKey = (s: string): string => s.trim().toLowerCase();

/**
 * Deals and accounts: upserted by name. A batch of one goes straight to the single upsert (one
 * call instead of a bulk call, a job poll and a read-back); a second bulk attempt only after a
 * job that failed — records a completed job skipped were refused by validation, and the single
 * upsert gets the reason. `find` is the name search the read-back and the match both use.
 */
export function byNameWriter(dest: FreshsalesClient, entity: 'deals' | 'sales_accounts'): BulkWriter<NamedItem> & { find(names: string[]): Promise<Map<string, FsRecord>> } {
  const what = entity === 'deals' ? 'deal' : 'account';
  const find = async (names: string[]) => {
    const page = await dest.filteredSearchAll(entity, [{ attribute: 'name', operator: 'is_in', value: names }], { include: 'owner' });
    const out = new Map<string, FsRecord>();
    for (const r of page.records) {
      if (typeof r.name !== 'string') continue;
      const k = nameKey(r.name);
      const seen = out.get(k);
      // Upsert by name picks the oldest record of a name; so does the match.
      if (!seen || BigInt(r.id) < BigInt(seen.id)) out.set(k, r);
    }
    return out;
  };
  return {
    entity,
    resend: { minBulk: 2, onlyAfterFailedJob: true, markEachSend: false },
    bulkItem: (i) => ({ name: i.name, data: i.payload }),
    readBack: (items) => find(items.map((i) => i.name)),
    reportKey: (i) => nameKey(i.name),
    writeOne: async (i) => (await dest.upsert(entity, { name: i.name }, i.payload)).record,
    rejection: (e, i) => {
      // A refusal of this record is a failure; anything else stops the batch.
      const c = classifyWriteError(e, 'record');
      return c.kind === 'rejected' ? rejectionReason(c, `the ${what} "${i.name}"`) : null;
    },
    describe: (i) => `"${i.name}"`,
    find,
  };
}
