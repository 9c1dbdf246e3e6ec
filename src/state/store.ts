/**
 * The state store: everything a migration must remember to resume, verify, report and
 * roll back. One interface; SQLite now, other backends later (they must pass the same
 * conformance suite in tests/integration/state-store.test.ts).
 *
 * The journal is the heart of it: source key → destination id, created or updated, the
 * before-image of what was updated, the payload hash and the run. A batch counts as done
 * only when its journal entries are committed (`completeBatch`).
 */
import type { ObjectName } from '../core/model.js';

export type RunStatus = 'running' | 'completed' | 'failed';

export interface RunRow {
  id: string;
  command: string;
  status: RunStatus;
  configHash: string;
  mapHash: string;
  startedAt: string;
  finishedAt: string | null;
}

/** Lifecycle of one staged source record within a run. */
/** `skipped`: prepared, but not written because the journal already holds this payload (see `markSkipped`). */
export type StagedStatus = 'staged' | 'ready' | 'quarantined' | 'merged' | 'sent' | 'loaded' | 'failed' | 'orphaned' | 'skipped';

export interface StagedRecordInput {
  sourceKey: string;
  sourceId: string;
  /** Source update time in epoch ms, used for "newest wins" merges and deltas. */
  updatedAtMs: number | null;
  /** Canonical record, JSON-serialisable. */
  record: unknown;
}

export interface StagedRecord extends StagedRecordInput {
  seq: number;
  status: StagedStatus;
  matchKey: string | null;
  payload: unknown | null;
  payloadHash: string | null;
  batchNo: number | null;
}

export interface PreparedRecord {
  sourceKey: string;
  matchKey: string;
  payload: unknown;
  payloadHash: string;
  /**
   * For a child record: the parent key the source named when the parent was merged into a
   * duplicate, so `matchKey` (the parent it hangs on now) differs from the source's.
   */
  reparentedFrom?: string;
  /**
   * Values this record can be looked up by besides its match key (name → value, e.g.
   * `externalId` → the source's user id), indexed by the store. The phase decides what they
   * are; the store never reads a destination payload to find them.
   */
  lookupKeys?: Record<string, string>;
}

export interface QuarantineEntry {
  object: ObjectName;
  recordKey: string;
  reasons: string[];
  record?: unknown;
  /** The offending fields and (short, escaped) values behind the reasons, where known. */
  details?: Array<{ field: string; value?: string }>;
}

export interface DestinationMatch {
  matchKey: string;
  destId: string;
  /** Current values of the fields the migration will write, to restore on rollback. */
  beforeImage: unknown;
}

export type BatchStatus = 'pending' | 'sent' | 'done';

export interface BatchRow {
  object: ObjectName;
  batchNo: number;
  status: BatchStatus;
  jobRef: string | null;
  attempts: number;
}

export interface JournalEntryInput {
  sourceKey: string;
  destId: string;
  action: 'created' | 'updated';
  beforeImage: unknown | null;
  payloadHash: string;
}

export interface JournalEntry extends JournalEntryInput {
  runId: string;
  object: ObjectName;
  writtenAt: string;
  /** The rollback run that undid this write (the record deleted or restored), or null while it stands. */
  undoneBy?: string | null;
}

/**
 * What a rollback does with one destination record: delete it (the migration created it),
 * restore its before-image (the migration updated it), keep it (someone edited it since the
 * migration wrote it), or nothing (it is gone already).
 */
export type UndoAction = 'delete' | 'restore' | 'keep' | 'gone';
export type UndoStatus = 'planned' | 'done' | 'failed';

export interface UndoItemInput {
  destId: string;
  /** The active journal rows (of the runs being undone) this item undoes. */
  journalIds: number[];
  sourceKeys: string[];
  action: UndoAction;
  /** restore: the values written back; keep: the fields changed since the migration wrote them. */
  detail: unknown;
}

export interface UndoItem extends UndoItemInput {
  status: UndoStatus;
  /** Why it failed (or, for a kept record, why it was kept). */
  reason: string | null;
}

export interface VerifyResult {
  sourceKey: string;
  /** No field the read showed differed. */
  ok: boolean;
  mismatches: Array<{ field: string; expected: unknown; actual: unknown }>;
  /** Written fields the read did not carry at all (neither verified nor mismatched). */
  unverifiable?: string[];
}

export interface FailureEntry {
  sourceKey: string;
  reason: string;
}

export interface BatchOutcome {
  journal: JournalEntryInput[];
  verify: VerifyResult[];
  failures: FailureEntry[];
}

export interface PhaseCounts {
  source: number;
  quarantined: number;
  merged: number;
  created: number;
  updated: number;
  failed: number;
  verified: number;
  mismatched: number;
  /** Records whose parent (e.g. the contact of a task) did not make it: reported, never attached to a dummy. */
  orphaned: number;
  /** Of the verified and mismatched, records with written fields the read could not show. */
  unverifiable: number;
  /** Child records whose parent was merged into a duplicate and which now hang on the survivor. */
  reparented: number;
  /** Records not written on purpose: an earlier run journaled the very same payload (unchanged since). */
  skipped: number;
}

export interface MapConfirmation {
  mapHash: string;
  confirmedBy: string;
  confirmedAt: string;
  mapFile: string;
}

/**
 * What a person confirmed for one source attribute (the proposer's history): a field target, or
 * that the attribute is left out of the map (`skipped`). The newest confirmation per
 * organisation, source and attribute is what the proposer offers next time. The store keeps it
 * as data; the pipeline validates it against the map spec on the way out.
 */
export type RememberedField = RememberedMapped | RememberedSkip;

/** Who confirmed a remembered decision, when, and in which map. */
interface RememberedDecision {
  /** The map's `from`, e.g. `attributes.favourite_team`. */
  attribute: string;
  /** ISO instant of the confirmation: the newest wins per attribute. */
  confirmedAt: string;
  confirmedBy: string;
  /** The confirmed map's hash. */
  mapHash: string;
}

/** A target the confirmed map gave the attribute. */
export interface RememberedMapped extends RememberedDecision {
  skipped?: undefined;
  /** A Freshsales standard field name, or a custom field's label (then `type` is set). */
  target: string;
  /** The custom field's type; absent for a standard field. */
  type?: string;
  /** The custom field's choices (dropdowns), as confirmed. */
  choices?: string[];
  transform: string;
}

/** The attribute was in the proposal but not in the confirmed map: a person left it out. */
export interface RememberedSkip extends RememberedDecision {
  skipped: true;
}

/** Who holds a workdir's run lock (one migration at a time per state store). */
export interface LockInfo {
  /** Random id of the holding process's lock. */
  holder: string;
  pid: number;
  host: string;
  command: string;
  startedAt: string;
  heartbeatAt: string;
}

export interface StateStore {
  /**
   * Take the run lock when it is free or stale (no heartbeat for `staleAfterMs`, or `isDead`
   * says its holder is gone); atomic across processes. Returns the current holder when it is not.
   */
  acquireLock(me: LockInfo, staleAfterMs: number, isDead: (holder: LockInfo) => boolean): Promise<{ acquired: true; tookOver: LockInfo | null } | { acquired: false; holder: LockInfo }>;
  /** Refresh the heartbeat; false when the lock is no longer ours (taken over as stale). */
  heartbeat(holder: string, now: Date): Promise<boolean>;
  releaseLock(holder: string): Promise<void>;
  lockInfo(): Promise<LockInfo | null>;
  /**
   * Remove the personal data the store holds once a migration is done: staged records and
   * payloads, quarantined records and their details and reasons, failure reasons,
   * mismatch values, before-images, extras. Journal ids, statuses and counts stay (reports
   * and `status` still work); rollback and retry no longer can. Returns rows touched.
   */
  purgePersonalData(): Promise<{ staged: number; journal: number; quarantine: number; extras: number }>;
  /** The newest finished run (completed or failed) of one of these commands. */
  latestFinishedRun(commands: string[]): Promise<RunRow | null>;
  /** Facts about the workdir itself (which account and source it belongs to). */
  getMeta(key: string): Promise<string | null>;
  setMeta(key: string, value: string): Promise<void>;

  /** Resume the newest unfinished run of `command` with the same hashes, or start a new one. */
  openRun(input: { command: string; configHash: string; mapHash: string; now: Date }): Promise<{ run: RunRow; resumed: boolean }>;
  finishRun(runId: string, status: RunStatus, now: Date): Promise<void>;
  latestRun(): Promise<RunRow | null>;
  getRun(runId: string): Promise<RunRow | null>;

  getCheckpoint(runId: string, stream: string): Promise<string | null>;
  setCheckpoint(runId: string, stream: string, value: string): Promise<void>;

  /** Stage a page of source records and move the stream checkpoint in one transaction. */
  stageRecords(runId: string, object: ObjectName, records: StagedRecordInput[], checkpoint: { stream: string; value: string }): Promise<void>;
  /** Staged records after `afterSeq`, in staging order, at most `limit`. */
  readStaged(runId: string, object: ObjectName, afterSeq: number, limit: number): Promise<StagedRecord[]>;
  /** Mark records prepared (ready) or quarantined, in one transaction. */
  savePrepared(runId: string, object: ObjectName, ready: PreparedRecord[], quarantined: QuarantineEntry[]): Promise<void>;
  /**
   * Merge ready records sharing a match key: the newest (by updatedAtMs, then source key)
   * stays ready, the others become `merged`. Returns the number of records merged away.
   */
  mergeDuplicates(runId: string, object: ObjectName): Promise<number>;
  /** The staged records with these source keys (any status), in staging order. */
  stagedRecords(runId: string, object: ObjectName, sourceKeys: string[]): Promise<StagedRecord[]>;
  /**
   * Staged records of other runs whose match key is one of `matchKeys`, newest per source key
   * (a delta re-reads the unchanged members of a changed record's duplicate group).
   */
  stagedByMatchKeys(object: ObjectName, matchKeys: string[], notRunId: string): Promise<StagedRecord[]>;
  /** Records merged away (after `afterSeq`, in staging order): their source key and the winner's. */
  mergedPairs(runId: string, object: ObjectName, afterSeq: number, limit: number): Promise<Array<{ seq: number; loser: string; winner: string }>>;
  /** Of these source keys, those merged into another record: key → the winner's source key. */
  mergedInto(runId: string, object: ObjectName, sourceKeys: string[]): Promise<Map<string, string>>;
  /** Match keys of ready records after `afterKey`, in key order. */
  readyMatchKeys(runId: string, object: ObjectName, afterKey: string, limit: number): Promise<string[]>;
  /** Of the given match keys, those that have a ready record in this run. */
  filterReadyKeys(runId: string, object: ObjectName, keys: string[]): Promise<string[]>;
  countReady(runId: string, object: ObjectName): Promise<number>;
  /**
   * Of these source keys, the ready records become `skipped`: not written by this run (an
   * earlier run wrote the same payload); they count as an outcome of the run, never as work.
   */
  markSkipped(runId: string, object: ObjectName, sourceKeys: string[]): Promise<void>;
  /**
   * Narrow a run to a group: staged records of `object` not yet prepared whose source key is not
   * a member of `kind` (in this run) leave the run. Returns how many left. (A sample run.)
   */
  retainStaged(runId: string, object: ObjectName, kind: string): Promise<number>;
  /** Record destination matches; `keepExisting` leaves a key's earlier match in place (email beats external id). */
  saveMatches(runId: string, object: ObjectName, matches: DestinationMatch[], opts?: { keepExisting?: boolean }): Promise<void>;
  /** Records (ready, loaded or failed) whose lookup key `name` is one of `values`: value → match key. */
  byLookupKey(runId: string, object: ObjectName, name: string, values: string[]): Promise<Map<string, string>>;
  /** Lookup key `name` of records (ready, loaded or failed) staged after `afterSeq`, in staging order. */
  lookupKeyValues(runId: string, object: ObjectName, name: string, afterSeq: number, limit: number): Promise<Array<{ seq: number; matchKey: string; value: string }>>;
  getMatches(runId: string, object: ObjectName, keys: string[]): Promise<Map<string, DestinationMatch>>;

  /** Give every ready record without a batch a batch number (in staging order). Returns the batch count. */
  planBatches(runId: string, object: ObjectName, size: number): Promise<number>;
  /** Batches not yet done, in order. */
  openBatches(runId: string, object: ObjectName): Promise<BatchRow[]>;
  batchRecords(runId: string, object: ObjectName, batchNo: number): Promise<StagedRecord[]>;
  /**
   * Claim the next open batch (in order) that no other live worker holds: it is leased to
   * `worker` until `now + leaseMs`. Atomic: two workers (processes or machines sharing the
   * store) can never hold the same batch; a crashed worker's lease expires and the batch is
   * claimed again (its writes are idempotent, see `markBatchSent`). Null when none is left.
   */
  claimBatch(runId: string, object: ObjectName, worker: string, leaseMs: number, now: Date): Promise<BatchRow | null>;
  /** Extend a held lease; false when the lease is no longer this worker's (it expired and was taken). */
  renewLease(runId: string, object: ObjectName, batchNo: number, worker: string, leaseMs: number, now: Date): Promise<boolean>;
  /**
   * Drop every lease of a run's batches. Called by whoever holds the workdir lock when a run
   * (re)starts: the lock proves no earlier worker of this workdir is still alive, so their
   * leases need not be waited out. Returns the number released.
   */
  releaseLeases(runId: string): Promise<number>;
  /** Record that a batch is about to be (or has been) sent; committed before the request. */
  markBatchSent(runId: string, object: ObjectName, batchNo: number, jobRef: string | null): Promise<void>;
  /** Journal, verification results and failures of a batch, committed together; the batch is then done. */
  completeBatch(runId: string, object: ObjectName, batchNo: number, outcome: BatchOutcome, now: Date): Promise<void>;

  /**
   * For objects written one call at a time with non-idempotent creates (tasks): mark records
   * as sent before the call, so a crash leaves them identifiable as "maybe written".
   */
  markRecordsSent(runId: string, object: ObjectName, sourceKeys: string[]): Promise<void>;
  /** Staged records in the given statuses after `afterSeq`, in staging order. */
  stagedByStatus(runId: string, object: ObjectName, statuses: StagedStatus[], afterSeq: number, limit: number): Promise<StagedRecord[]>;
  /** Journal, verification and failures for records loaded outside batches, committed together. */
  completeRecords(runId: string, object: ObjectName, outcome: BatchOutcome, now: Date): Promise<void>;
  /** Records whose parent did not load: status orphaned, with the reason. */
  markOrphaned(runId: string, object: ObjectName, entries: FailureEntry[]): Promise<void>;
  orphans(runId: string, object: ObjectName, limit: number): Promise<FailureEntry[]>;
  /** Forget every membership of one kind in a run (a snapshot about to be taken again, whole). */
  clearMemberships(runId: string, kind: string): Promise<void>;
  /** Remember that these source records belong to a named group (segment, tag). */
  saveMemberships(runId: string, kind: string, name: string, sourceKeys: string[]): Promise<void>;
  /**
   * Distinct members of one kind after `afterKey`, in key order: the union over every group
   * name, or one group's members when `name` is given (a frozen population, read in pages).
   */
  members(runId: string, kind: string, opts: { name?: string; afterKey: string; limit: number }): Promise<string[]>;
  /** Group names per source key, for one kind. */
  membershipsFor(runId: string, kind: string, sourceKeys: string[]): Promise<Map<string, string[]>>;
  /** Extra per-record data computed from other streams (e.g. event summaries for contacts). */
  saveExtras(runId: string, kind: string, entries: Array<{ sourceKey: string; data: unknown }>): Promise<void>;
  extrasFor(runId: string, kind: string, sourceKeys: string[]): Promise<Map<string, unknown>>;
  /** Every extra of one kind, in source-key order (reports). */
  extrasOfKind(runId: string, kind: string): AsyncIterable<{ sourceKey: string; data: unknown }>;
  /** Members per group name of one kind (tag usage report). */
  membershipCounts(runId: string, kind: string): Promise<Array<{ name: string; count: number }>>;
  /** Distinct source records of `object` journaled by any run in this store (writes a rollback undid do not count). */
  journalCount(object: ObjectName): Promise<number>;
  /** Whether any run in this store journaled a record of `object` that no rollback undid. */
  hasJournal(object: ObjectName): Promise<boolean>;
  /** The newest destination id per source key across all runs (parents of tasks and deals); undone writes do not count. */
  destIds(object: ObjectName, sourceKeys: string[]): Promise<Map<string, string>>;

  journal(runId: string, object: ObjectName, afterId: number, limit: number): Promise<Array<JournalEntry & { id: number }>>;
  /**
   * Journal rows of these runs no rollback has undone yet, for destination ids after
   * `afterDestId`, ordered by destination id and then by write (oldest first). A page of
   * `limit` rows may end inside one record's rows: callers resume from its last whole record.
   */
  activeJournal(runIds: string[], object: ObjectName, afterDestId: string, limit: number): Promise<Array<JournalEntry & { id: number }>>;
  /** Record (or re-record, while still planned) what a rollback run will do per destination record. */
  saveUndoPlan(runId: string, object: ObjectName, items: UndoItemInput[]): Promise<void>;
  /** A rollback run's items after `afterDestId` (in dest id order), optionally of some statuses and actions. */
  undoItems(runId: string, object: ObjectName, opts: { statuses?: UndoStatus[]; actions?: UndoAction[]; afterDestId: string; limit: number }): Promise<UndoItem[]>;
  /**
   * Record outcomes; a delete, restore or gone that is done marks its journal rows undone by
   * this run in the same transaction (they stop counting as migrated: a later migrate writes
   * those records again). A kept record's journal rows stay. `undone` overrides that for a
   * failure that still changed the record (a restore Freshsales applied only in part): its rows
   * are undone too, so nothing takes the record for what the migration wrote.
   */
  completeUndo(runId: string, object: ObjectName, results: Array<{ destId: string; status: 'done' | 'failed'; reason?: string; undone?: boolean }>, now: Date): Promise<void>;
  /** Per action: items planned, done and failed in a rollback run. */
  undoCounts(runId: string, object: ObjectName): Promise<Record<UndoAction, Record<UndoStatus, number>>>;
  /** Every run of the workdir, oldest first. */
  runs(): Promise<RunRow[]>;
  /**
   * Mark every standing journal row of these source keys undone by `runId` (a delta that deleted
   * or tagged contacts gone from the source): they stop counting as migrated.
   */
  retireJournal(runId: string, object: ObjectName, sourceKeys: string[]): Promise<void>;
  /** Distinct source keys of `object` with a journal row no rollback undid (any run), after `afterKey`, in key order. */
  activeSourceKeys(object: ObjectName, afterKey: string, limit: number): Promise<string[]>;
  /** The newest journal entry for a source key across all runs (for deltas and resume); undone writes do not count. */
  latestJournalEntry(object: ObjectName, sourceKey: string): Promise<JournalEntry | null>;
  quarantined(runId: string, object?: ObjectName): AsyncIterable<QuarantineEntry>;
  failures(runId: string, object: ObjectName, limit: number): Promise<FailureEntry[]>;
  mismatches(runId: string, object: ObjectName, limit: number): Promise<VerifyResult[]>;
  /** Per written field the reads could not show: how many records. */
  unverifiableFields(runId: string, object: ObjectName): Promise<Array<{ field: string; records: number }>>;
  counts(runId: string, object: ObjectName): Promise<PhaseCounts>;

  recordConfirmation(c: MapConfirmation): Promise<void>;
  getConfirmation(mapHash: string): Promise<MapConfirmation | null>;
  /**
   * Remember confirmed targets (or skips) for an organisation's source attributes. Per attribute
   * the newest `confirmedAt` wins (an equal one replaces), whether target or skip; an older entry
   * (an imported file from before) is ignored. Several entries for one attribute in one call: the
   * newest, then the last, wins.
   */
  rememberMapping(organisation: string, source: string, entries: readonly RememberedField[]): Promise<void>;
  /** The remembered target or skip per attribute of an organisation's source, in attribute order. */
  mappingHistory(organisation: string, source: string): Promise<RememberedField[]>;

  /** Release the store (async: a networked backend closes its pool). */
  close(): Promise<void>;
}
