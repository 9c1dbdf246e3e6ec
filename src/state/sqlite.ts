/**
 * SQLite implementation of the state store (better-sqlite3, WAL, synchronous=FULL so a
 * committed batch survives a power cut as well as a SIGKILL). Schema changes are numbered
 * migrations applied in order and recorded in `user_version`.
 */
import Database from 'better-sqlite3';
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { ObjectName } from '../core/model.js';
import type {
  BatchOutcome, BatchRow, DestinationMatch, FailureEntry, JournalEntry, LockInfo, MapConfirmation, PhaseCounts,
  PreparedRecord, RememberedField, QuarantineEntry, RunRow, RunStatus, StagedRecord, StagedRecordInput, StateStore, UndoAction, UndoItem,
  UndoItemInput, UndoStatus, VerifyResult,
} from './store.js';

const MIGRATIONS: string[] = [
  `
  CREATE TABLE runs (
    id TEXT PRIMARY KEY, command TEXT NOT NULL, status TEXT NOT NULL,
    config_hash TEXT NOT NULL, map_hash TEXT NOT NULL,
    started_at TEXT NOT NULL, finished_at TEXT
  );
  CREATE TABLE checkpoints (
    run_id TEXT NOT NULL, stream TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (run_id, stream)
  );
  CREATE TABLE staged (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL, object TEXT NOT NULL, source_key TEXT NOT NULL, source_id TEXT NOT NULL,
    updated_at_ms INTEGER, record TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'staged', match_key TEXT, payload TEXT, payload_hash TEXT,
    merged_into TEXT, batch_no INTEGER,
    UNIQUE (run_id, object, source_key)
  );
  CREATE INDEX staged_match ON staged (run_id, object, match_key, status);
  CREATE INDEX staged_batch ON staged (run_id, object, batch_no);
  CREATE TABLE quarantine (
    run_id TEXT NOT NULL, object TEXT NOT NULL, record_key TEXT NOT NULL,
    reasons TEXT NOT NULL, record TEXT,
    PRIMARY KEY (run_id, object, record_key)
  );
  CREATE TABLE matches (
    run_id TEXT NOT NULL, object TEXT NOT NULL, match_key TEXT NOT NULL,
    dest_id TEXT NOT NULL, before_image TEXT,
    PRIMARY KEY (run_id, object, match_key)
  );
  CREATE TABLE batches (
    run_id TEXT NOT NULL, object TEXT NOT NULL, batch_no INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending', job_ref TEXT, attempts INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, object, batch_no)
  );
  CREATE TABLE journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL, object TEXT NOT NULL, source_key TEXT NOT NULL,
    dest_id TEXT NOT NULL, action TEXT NOT NULL CHECK (action IN ('created','updated')),
    before_image TEXT, payload_hash TEXT NOT NULL, written_at TEXT NOT NULL,
    UNIQUE (run_id, object, source_key)
  );
  CREATE INDEX journal_key ON journal (object, source_key, id);
  CREATE TABLE verify (
    run_id TEXT NOT NULL, object TEXT NOT NULL, source_key TEXT NOT NULL,
    ok INTEGER NOT NULL, mismatches TEXT,
    PRIMARY KEY (run_id, object, source_key)
  );
  CREATE TABLE failures (
    run_id TEXT NOT NULL, object TEXT NOT NULL, source_key TEXT NOT NULL, reason TEXT NOT NULL,
    PRIMARY KEY (run_id, object, source_key)
  );
  CREATE TABLE confirmations (
    map_hash TEXT PRIMARY KEY, confirmed_by TEXT NOT NULL, confirmed_at TEXT NOT NULL, map_file TEXT NOT NULL
  );
  `,
  `
  CREATE TABLE orphans (
    run_id TEXT NOT NULL, object TEXT NOT NULL, source_key TEXT NOT NULL, reason TEXT NOT NULL,
    PRIMARY KEY (run_id, object, source_key)
  );
  CREATE TABLE memberships (
    run_id TEXT NOT NULL, kind TEXT NOT NULL, source_key TEXT NOT NULL, name TEXT NOT NULL,
    PRIMARY KEY (run_id, kind, source_key, name)
  );
  CREATE INDEX staged_status ON staged (run_id, object, status, seq);
  `,
  `
  CREATE TABLE extras (
    run_id TEXT NOT NULL, kind TEXT NOT NULL, source_key TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (run_id, kind, source_key)
  );
  `,
  `
  ALTER TABLE verify ADD COLUMN unverifiable TEXT;
  ALTER TABLE staged ADD COLUMN reparented_from TEXT;
  `,
  `
  CREATE TABLE run_lock (
    id INTEGER PRIMARY KEY CHECK (id = 1), holder TEXT NOT NULL, pid INTEGER NOT NULL, host TEXT NOT NULL,
    command TEXT NOT NULL, started_at TEXT NOT NULL, heartbeat_at TEXT NOT NULL
  );
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `,
  `
  ALTER TABLE quarantine ADD COLUMN details TEXT;
  `,
  `
  ALTER TABLE batches ADD COLUMN lease_owner TEXT;
  ALTER TABLE batches ADD COLUMN lease_until INTEGER;
  `,
  `
  CREATE TABLE lookup_keys (
    run_id TEXT NOT NULL, object TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, source_key TEXT NOT NULL,
    PRIMARY KEY (run_id, object, source_key, name)
  );
  CREATE INDEX lookup_by_value ON lookup_keys (run_id, object, name, value);
  `,
  `
  ALTER TABLE journal ADD COLUMN undone_by TEXT;
  CREATE INDEX journal_source ON journal (object, source_key);
  CREATE INDEX journal_dest ON journal (object, dest_id);
  CREATE TABLE undo_items (
    run_id TEXT NOT NULL, object TEXT NOT NULL, dest_id TEXT NOT NULL, journal_ids TEXT NOT NULL, source_keys TEXT NOT NULL,
    action TEXT NOT NULL, detail TEXT, status TEXT NOT NULL DEFAULT 'planned', reason TEXT, done_at TEXT,
    PRIMARY KEY (run_id, object, dest_id)
  );
  `,
  `
  CREATE INDEX staged_by_match ON staged (object, match_key);
  `,
  `
  CREATE TABLE mapping_history (
    organisation TEXT NOT NULL, source TEXT NOT NULL, attribute TEXT NOT NULL,
    target TEXT NOT NULL, type TEXT, choices TEXT, transform TEXT NOT NULL,
    confirmed_at TEXT NOT NULL, confirmed_by TEXT NOT NULL, map_hash TEXT NOT NULL,
    PRIMARY KEY (organisation, source, attribute)
  );
  `,
  // The proposer's history also remembers attributes left out of a confirmed map: a row with no
  // target (and no transform) is a skip. SQLite cannot drop NOT NULL in place: the table is rebuilt.
  `
  CREATE TABLE mapping_history_next (
    organisation TEXT NOT NULL, source TEXT NOT NULL, attribute TEXT NOT NULL,
    target TEXT, type TEXT, choices TEXT, transform TEXT,
    confirmed_at TEXT NOT NULL, confirmed_by TEXT NOT NULL, map_hash TEXT NOT NULL,
    PRIMARY KEY (organisation, source, attribute),
    CHECK ((target IS NULL) = (transform IS NULL))
  );
  INSERT INTO mapping_history_next SELECT organisation, source, attribute, target, type, choices, transform, confirmed_at, confirmed_by, map_hash FROM mapping_history;
  DROP TABLE mapping_history;
  ALTER TABLE mapping_history_next RENAME TO mapping_history;
  `,
];

const json = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));
const parse = (s: string | null): unknown => (s === null ? null : JSON.parse(s));

interface RunDb { id: string; command: string; status: RunStatus; config_hash: string; map_hash: string; started_at: string; finished_at: string | null }
interface StagedDb { seq: number; source_key: string; source_id: string; updated_at_ms: number | null; record: string; status: StagedRecord['status']; match_key: string | null; payload: string | null; payload_hash: string | null; batch_no: number | null }

interface JournalDb { id: number; run_id: string; object: ObjectName; source_key: string; dest_id: string; action: 'created' | 'updated'; before_image: string | null; payload_hash: string; written_at: string; undone_by: string | null }

const toJournal = (r: JournalDb): JournalEntry & { id: number } => ({
  id: r.id, runId: r.run_id, object: r.object, sourceKey: r.source_key, destId: r.dest_id, action: r.action,
  beforeImage: parse(r.before_image), payloadHash: r.payload_hash, writtenAt: r.written_at, undoneBy: r.undone_by,
});

const toRun = (r: RunDb): RunRow => ({
  id: r.id, command: r.command, status: r.status, configHash: r.config_hash, mapHash: r.map_hash,
  startedAt: r.started_at, finishedAt: r.finished_at,
});
const toStaged = (r: StagedDb): StagedRecord => ({
  seq: r.seq, sourceKey: r.source_key, sourceId: r.source_id, updatedAtMs: r.updated_at_ms, record: parse(r.record),
  status: r.status, matchKey: r.match_key, payload: parse(r.payload), payloadHash: r.payload_hash, batchNo: r.batch_no,
});

/** Open (creating if needed) the SQLite state store at `file`. */
export function openSqliteStore(file: string): SqliteStateStore {
  if (file === ':memory:') return new SqliteStateStore(new Database(file));
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  // The store holds personal data (staged records, before-images): owner-only, WAL files too.
  closeSync(openSync(file, 'a', 0o600));
  const store = new SqliteStateStore(new Database(file));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      chmodSync(f, 0o600);
    } catch {
      // -wal/-shm exist only while a connection is open in WAL mode; nothing to protect otherwise.
    }
  }
  return store;
}

export class SqliteStateStore implements StateStore {
  constructor(private readonly db: Database.Database) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    this.migrate();
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]!);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  async openRun(input: { command: string; configHash: string; mapHash: string; now: Date }): Promise<{ run: RunRow; resumed: boolean }> {
    const existing = this.db
      .prepare(`SELECT * FROM runs WHERE command = ? AND status = 'running' AND config_hash = ? AND map_hash = ? ORDER BY started_at DESC, rowid DESC LIMIT 1`)
      .get(input.command, input.configHash, input.mapHash) as RunDb | undefined;
    if (existing) return { run: toRun(existing), resumed: true };
    const id = `run-${input.now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomUUID().slice(0, 8)}`;
    this.db
      .prepare(`INSERT INTO runs (id, command, status, config_hash, map_hash, started_at) VALUES (?, ?, 'running', ?, ?, ?)`)
      .run(id, input.command, input.configHash, input.mapHash, input.now.toISOString());
    return { run: (await this.getRun(id))!, resumed: false };
  }

  async finishRun(runId: string, status: RunStatus, now: Date): Promise<void> {
    this.db.prepare(`UPDATE runs SET status = ?, finished_at = ? WHERE id = ?`).run(status, now.toISOString(), runId);
  }

  async latestRun(): Promise<RunRow | null> {
    const r = this.db.prepare(`SELECT * FROM runs ORDER BY started_at DESC, rowid DESC LIMIT 1`).get() as RunDb | undefined;
    return r ? toRun(r) : null;
  }

  async getRun(runId: string): Promise<RunRow | null> {
    const r = this.db.prepare(`SELECT * FROM runs WHERE id = ?`).get(runId) as RunDb | undefined;
    return r ? toRun(r) : null;
  }

  async getCheckpoint(runId: string, stream: string): Promise<string | null> {
    const r = this.db.prepare(`SELECT value FROM checkpoints WHERE run_id = ? AND stream = ?`).get(runId, stream) as { value: string } | undefined;
    return r?.value ?? null;
  }

  async setCheckpoint(runId: string, stream: string, value: string): Promise<void> {
    this.db.prepare(`INSERT INTO checkpoints (run_id, stream, value) VALUES (?, ?, ?) ON CONFLICT (run_id, stream) DO UPDATE SET value = excluded.value`).run(runId, stream, value);
  }

  async stageRecords(runId: string, object: ObjectName, records: StagedRecordInput[], checkpoint: { stream: string; value: string }): Promise<void> {
    // A re-read page (after a crash) replaces what was staged for the same key: staging is idempotent.
    const ins = this.db.prepare(`
      INSERT INTO staged (run_id, object, source_key, source_id, updated_at_ms, record) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (run_id, object, source_key) DO UPDATE SET source_id = excluded.source_id, updated_at_ms = excluded.updated_at_ms,
        record = excluded.record, status = 'staged', match_key = NULL, payload = NULL, payload_hash = NULL, merged_into = NULL`);
    const cp = this.db.prepare(`INSERT INTO checkpoints (run_id, stream, value) VALUES (?, ?, ?) ON CONFLICT (run_id, stream) DO UPDATE SET value = excluded.value`);
    this.db.transaction(() => {
      for (const r of records) ins.run(runId, object, r.sourceKey, r.sourceId, r.updatedAtMs, JSON.stringify(r.record));
      cp.run(runId, checkpoint.stream, checkpoint.value);
    })();
  }

  async readStaged(runId: string, object: ObjectName, afterSeq: number, limit: number): Promise<StagedRecord[]> {
    const rows = this.db
      .prepare(`SELECT * FROM staged WHERE run_id = ? AND object = ? AND seq > ? ORDER BY seq LIMIT ?`)
      .all(runId, object, afterSeq, limit) as StagedDb[];
    return rows.map(toStaged);
  }

  async savePrepared(runId: string, object: ObjectName, ready: PreparedRecord[], quarantined: QuarantineEntry[]): Promise<void> {
    const upd = this.db.prepare(`UPDATE staged SET status = 'ready', match_key = ?, payload = ?, payload_hash = ?, merged_into = NULL, reparented_from = ? WHERE run_id = ? AND object = ? AND source_key = ?`);
    const q1 = this.db.prepare(`UPDATE staged SET status = 'quarantined', match_key = NULL, payload = NULL, payload_hash = NULL WHERE run_id = ? AND object = ? AND source_key = ?`);
    const q2 = this.db.prepare(
      `INSERT INTO quarantine (run_id, object, record_key, reasons, record, details) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, object, record_key) DO UPDATE SET reasons = excluded.reasons, record = excluded.record, details = excluded.details`,
    );
    const unq = this.db.prepare(`DELETE FROM quarantine WHERE run_id = ? AND object = ? AND record_key = ?`);
    const unkey = this.db.prepare(`DELETE FROM lookup_keys WHERE run_id = ? AND object = ? AND source_key = ?`);
    const key = this.db.prepare(`INSERT INTO lookup_keys (run_id, object, name, value, source_key) VALUES (?, ?, ?, ?, ?)`);
    this.db.transaction(() => {
      for (const r of ready) {
        upd.run(r.matchKey, JSON.stringify(r.payload), r.payloadHash, r.reparentedFrom ?? null, runId, object, r.sourceKey);
        unq.run(runId, object, r.sourceKey);
        unkey.run(runId, object, r.sourceKey);
        for (const [name, value] of Object.entries(r.lookupKeys ?? {})) if (value !== '') key.run(runId, object, name, value, r.sourceKey);
      }
      for (const q of quarantined) {
        unkey.run(runId, object, q.recordKey);
        q1.run(runId, object, q.recordKey);
        q2.run(runId, object, q.recordKey, JSON.stringify(q.reasons), json(q.record), json(q.details));
      }
    })();
  }

  async stagedRecords(runId: string, object: ObjectName, sourceKeys: string[]): Promise<StagedRecord[]> {
    const stmt = this.db.prepare(`SELECT * FROM staged WHERE run_id = ? AND object = ? AND source_key = ?`);
    const out: StagedRecord[] = [];
    for (const k of new Set(sourceKeys)) {
      const r = stmt.get(runId, object, k) as StagedDb | undefined;
      if (r) out.push(toStaged(r));
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  async stagedByMatchKeys(object: ObjectName, matchKeys: string[], notRunId: string): Promise<StagedRecord[]> {
    const out = new Map<string, StagedRecord>();
    const stmt = this.db.prepare(`SELECT * FROM staged WHERE object = ? AND match_key = ? AND run_id != ? ORDER BY seq DESC`);
    for (const k of new Set(matchKeys)) {
      for (const r of stmt.all(object, k, notRunId) as StagedDb[]) if (!out.has(r.source_key)) out.set(r.source_key, toStaged(r));
    }
    return [...out.values()].sort((a, b) => a.seq - b.seq);
  }

  async mergedPairs(runId: string, object: ObjectName, afterSeq: number, limit: number): Promise<Array<{ seq: number; loser: string; winner: string }>> {
    const rows = this.db
      .prepare(`SELECT seq, source_key, merged_into FROM staged WHERE run_id = ? AND object = ? AND status = 'merged' AND merged_into IS NOT NULL AND seq > ? ORDER BY seq LIMIT ?`)
      .all(runId, object, afterSeq, limit) as Array<{ seq: number; source_key: string; merged_into: string }>;
    return rows.map((r) => ({ seq: r.seq, loser: r.source_key, winner: r.merged_into }));
  }

  async mergedInto(runId: string, object: ObjectName, sourceKeys: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const stmt = this.db.prepare(`SELECT source_key, merged_into FROM staged WHERE run_id = ? AND object = ? AND source_key = ? AND status = 'merged' AND merged_into IS NOT NULL`);
    for (const k of new Set(sourceKeys)) {
      const r = stmt.get(runId, object, k) as { source_key: string; merged_into: string } | undefined;
      if (r) out.set(r.source_key, r.merged_into);
    }
    return out;
  }

  async mergeDuplicates(runId: string, object: ObjectName): Promise<number> {
    // Newest wins: highest source update time, then highest source key for a stable tie-break.
    const res = this.db
      .prepare(`
      WITH ranked AS (
        SELECT seq, source_key, match_key,
          ROW_NUMBER() OVER (PARTITION BY match_key ORDER BY COALESCE(updated_at_ms, -1) DESC, source_key DESC) AS rn,
          FIRST_VALUE(source_key) OVER (PARTITION BY match_key ORDER BY COALESCE(updated_at_ms, -1) DESC, source_key DESC) AS winner
        FROM staged WHERE run_id = ? AND object = ? AND status IN ('ready', 'merged') AND match_key IS NOT NULL
      )
      UPDATE staged SET status = 'merged', merged_into = (SELECT winner FROM ranked WHERE ranked.seq = staged.seq)
      WHERE seq IN (SELECT seq FROM ranked WHERE rn > 1)`)
      .run(runId, object);
    return res.changes;
  }

  async readyMatchKeys(runId: string, object: ObjectName, afterKey: string, limit: number): Promise<string[]> {
    const rows = this.db
      .prepare(`SELECT match_key FROM staged WHERE run_id = ? AND object = ? AND status IN ('ready','loaded','failed') AND match_key > ? ORDER BY match_key LIMIT ?`)
      .all(runId, object, afterKey, limit) as Array<{ match_key: string }>;
    return rows.map((r) => r.match_key);
  }

  async filterReadyKeys(runId: string, object: ObjectName, keys: string[]): Promise<string[]> {
    if (keys.length === 0) return [];
    const out: string[] = [];
    for (let i = 0; i < keys.length; i += 500) {
      const chunk = keys.slice(i, i + 500);
      const rows = this.db
        .prepare(`SELECT match_key FROM staged WHERE run_id = ? AND object = ? AND status IN ('ready','loaded','failed') AND match_key IN (${chunk.map(() => '?').join(',')})`)
        .all(runId, object, ...chunk) as Array<{ match_key: string }>;
      for (const r of rows) out.push(r.match_key);
    }
    return out;
  }

  async countReady(runId: string, object: ObjectName): Promise<number> {
    const r = this.db.prepare(`SELECT COUNT(*) AS n FROM staged WHERE run_id = ? AND object = ? AND status IN ('ready','loaded','failed')`).get(runId, object) as { n: number };
    return r.n;
  }

  async markSkipped(runId: string, object: ObjectName, sourceKeys: string[]): Promise<void> {
    const mark = this.db.transaction((keys: string[]) => {
      for (let i = 0; i < keys.length; i += 500) {
        const chunk = keys.slice(i, i + 500);
        this.db
          .prepare(`UPDATE staged SET status = 'skipped' WHERE run_id = ? AND object = ? AND status = 'ready' AND source_key IN (${chunk.map(() => '?').join(',')})`)
          .run(runId, object, ...chunk);
      }
    });
    mark(sourceKeys);
  }

  async retainStaged(runId: string, object: ObjectName, kind: string): Promise<number> {
    return this.db
      .prepare(`DELETE FROM staged WHERE run_id = ? AND object = ? AND status = 'staged' AND source_key NOT IN (SELECT source_key FROM memberships WHERE run_id = ? AND kind = ?)`)
      .run(runId, object, runId, kind).changes;
  }

  async saveMatches(runId: string, object: ObjectName, matches: DestinationMatch[], opts: { keepExisting?: boolean } = {}): Promise<void> {
    const ins = this.db.prepare(
      opts.keepExisting
        ? `INSERT OR IGNORE INTO matches (run_id, object, match_key, dest_id, before_image) VALUES (?, ?, ?, ?, ?)`
        : `INSERT INTO matches (run_id, object, match_key, dest_id, before_image) VALUES (?, ?, ?, ?, ?) ON CONFLICT (run_id, object, match_key) DO UPDATE SET dest_id = excluded.dest_id, before_image = excluded.before_image`,
    );
    this.db.transaction(() => {
      for (const m of matches) ins.run(runId, object, m.matchKey, m.destId, json(m.beforeImage));
    })();
  }

  async byLookupKey(runId: string, object: ObjectName, name: string, values: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (let i = 0; i < values.length; i += 500) {
      const chunk = values.slice(i, i + 500);
      if (chunk.length === 0) continue;
      const rows = this.db
        .prepare(
          `SELECT s.match_key, k.value FROM lookup_keys k JOIN staged s ON s.run_id = k.run_id AND s.object = k.object AND s.source_key = k.source_key ` +
            `WHERE k.run_id = ? AND k.object = ? AND k.name = ? AND k.value IN (${chunk.map(() => '?').join(',')}) AND s.status IN ('ready','loaded','failed') ORDER BY s.seq`,
        )
        .all(runId, object, name, ...chunk) as Array<{ match_key: string; value: string }>;
      for (const r of rows) out.set(r.value, r.match_key);
    }
    return out;
  }

  async lookupKeyValues(runId: string, object: ObjectName, name: string, afterSeq: number, limit: number): Promise<Array<{ seq: number; matchKey: string; value: string }>> {
    const rows = this.db
      .prepare(
        `SELECT s.seq, s.match_key, k.value FROM lookup_keys k JOIN staged s ON s.run_id = k.run_id AND s.object = k.object AND s.source_key = k.source_key ` +
          `WHERE k.run_id = ? AND k.object = ? AND k.name = ? AND s.status IN ('ready','loaded','failed') AND s.seq > ? ORDER BY s.seq LIMIT ?`,
      )
      .all(runId, object, name, afterSeq, limit) as Array<{ seq: number; match_key: string; value: string }>;
    return rows.map((r) => ({ seq: r.seq, matchKey: r.match_key, value: r.value }));
  }

  async getMatches(runId: string, object: ObjectName, keys: string[]): Promise<Map<string, DestinationMatch>> {
    const out = new Map<string, DestinationMatch>();
    for (let i = 0; i < keys.length; i += 500) {
      const chunk = keys.slice(i, i + 500);
      if (chunk.length === 0) continue;
      const rows = this.db
        .prepare(`SELECT match_key, dest_id, before_image FROM matches WHERE run_id = ? AND object = ? AND match_key IN (${chunk.map(() => '?').join(',')})`)
        .all(runId, object, ...chunk) as Array<{ match_key: string; dest_id: string; before_image: string | null }>;
      for (const r of rows) out.set(r.match_key, { matchKey: r.match_key, destId: r.dest_id, beforeImage: parse(r.before_image) });
    }
    return out;
  }

  async planBatches(runId: string, object: ObjectName, size: number): Promise<number> {
    return this.db.transaction(() => {
      const maxRow = this.db.prepare(`SELECT COALESCE(MAX(batch_no), 0) AS m FROM batches WHERE run_id = ? AND object = ?`).get(runId, object) as { m: number };
      let batchNo = maxRow.m;
      const rows = this.db
        .prepare(`SELECT seq FROM staged WHERE run_id = ? AND object = ? AND status = 'ready' AND batch_no IS NULL ORDER BY seq`)
        .all(runId, object) as Array<{ seq: number }>;
      const set = this.db.prepare(`UPDATE staged SET batch_no = ? WHERE seq = ?`);
      const add = this.db.prepare(`INSERT INTO batches (run_id, object, batch_no) VALUES (?, ?, ?)`);
      for (let i = 0; i < rows.length; i++) {
        if (i % size === 0) add.run(runId, object, ++batchNo);
        set.run(batchNo, rows[i]!.seq);
      }
      return batchNo;
    })();
  }

  async openBatches(runId: string, object: ObjectName): Promise<BatchRow[]> {
    const rows = this.db
      .prepare(`SELECT object, batch_no, status, job_ref, attempts FROM batches WHERE run_id = ? AND object = ? AND status != 'done' ORDER BY batch_no`)
      .all(runId, object) as Array<{ object: ObjectName; batch_no: number; status: BatchRow['status']; job_ref: string | null; attempts: number }>;
    return rows.map((r) => ({ object: r.object, batchNo: r.batch_no, status: r.status, jobRef: r.job_ref, attempts: r.attempts }));
  }

  async batchRecords(runId: string, object: ObjectName, batchNo: number): Promise<StagedRecord[]> {
    const rows = this.db.prepare(`SELECT * FROM staged WHERE run_id = ? AND object = ? AND batch_no = ? ORDER BY seq`).all(runId, object, batchNo) as StagedDb[];
    return rows.map(toStaged);
  }

  async claimBatch(runId: string, object: ObjectName, worker: string, leaseMs: number, now: Date): Promise<BatchRow | null> {
    const t = now.getTime();
    // IMMEDIATE: the read and the lease happen under SQLite's write lock (one claimer at a time).
    return this.db
      .transaction(() => {
        const r = this.db
          .prepare(
            `SELECT batch_no FROM batches WHERE run_id = ? AND object = ? AND status != 'done' AND (lease_owner IS NULL OR lease_owner = ? OR lease_until <= ?) ORDER BY batch_no LIMIT 1`,
          )
          .get(runId, object, worker, t) as { batch_no: number } | undefined;
        if (!r) return null;
        this.db.prepare(`UPDATE batches SET lease_owner = ?, lease_until = ? WHERE run_id = ? AND object = ? AND batch_no = ?`).run(worker, t + leaseMs, runId, object, r.batch_no);
        const b = this.db.prepare(`SELECT object, batch_no, status, job_ref, attempts FROM batches WHERE run_id = ? AND object = ? AND batch_no = ?`).get(runId, object, r.batch_no) as {
          object: ObjectName; batch_no: number; status: BatchRow['status']; job_ref: string | null; attempts: number;
        };
        return { object: b.object, batchNo: b.batch_no, status: b.status, jobRef: b.job_ref, attempts: b.attempts };
      })
      .immediate();
  }

  async renewLease(runId: string, object: ObjectName, batchNo: number, worker: string, leaseMs: number, now: Date): Promise<boolean> {
    return (
      this.db
        .prepare(`UPDATE batches SET lease_until = ? WHERE run_id = ? AND object = ? AND batch_no = ? AND lease_owner = ? AND status != 'done'`)
        .run(now.getTime() + leaseMs, runId, object, batchNo, worker).changes === 1
    );
  }

  async releaseLeases(runId: string): Promise<number> {
    return this.db.prepare(`UPDATE batches SET lease_owner = NULL, lease_until = NULL WHERE run_id = ? AND lease_owner IS NOT NULL AND status != 'done'`).run(runId).changes;
  }

  async markBatchSent(runId: string, object: ObjectName, batchNo: number, jobRef: string | null): Promise<void> {
    this.db
      .prepare(`UPDATE batches SET status = 'sent', job_ref = COALESCE(?, job_ref), attempts = attempts + (CASE WHEN ? IS NULL THEN 1 ELSE 0 END) WHERE run_id = ? AND object = ? AND batch_no = ?`)
      .run(jobRef, jobRef, runId, object, batchNo);
  }

  async completeBatch(runId: string, object: ObjectName, batchNo: number, outcome: BatchOutcome, now: Date): Promise<void> {
    this.writeOutcome(runId, object, outcome, now, batchNo);
  }

  private writeOutcome(runId: string, object: ObjectName, outcome: BatchOutcome, now: Date, batchNo: number | null): void {
    const at = now.toISOString();
    const j = this.db.prepare(`
      INSERT INTO journal (run_id, object, source_key, dest_id, action, before_image, payload_hash, written_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (run_id, object, source_key) DO UPDATE SET dest_id = excluded.dest_id, payload_hash = excluded.payload_hash, written_at = excluded.written_at`);
    const v = this.db.prepare(
      `INSERT INTO verify (run_id, object, source_key, ok, mismatches, unverifiable) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, object, source_key) DO UPDATE SET ok = excluded.ok, mismatches = excluded.mismatches, unverifiable = excluded.unverifiable`,
    );
    const f = this.db.prepare(`INSERT INTO failures (run_id, object, source_key, reason) VALUES (?, ?, ?, ?) ON CONFLICT (run_id, object, source_key) DO UPDATE SET reason = excluded.reason`);
    const st = this.db.prepare(`UPDATE staged SET status = ? WHERE run_id = ? AND object = ? AND source_key = ?`);
    const b = this.db.prepare(`UPDATE batches SET status = 'done', lease_owner = NULL, lease_until = NULL WHERE run_id = ? AND object = ? AND batch_no = ?`);
    this.db.transaction(() => {
      for (const e of outcome.journal) {
        j.run(runId, object, e.sourceKey, e.destId, e.action, json(e.beforeImage), e.payloadHash, at);
        st.run('loaded', runId, object, e.sourceKey);
      }
      for (const r of outcome.verify) {
        v.run(runId, object, r.sourceKey, r.ok ? 1 : 0, r.ok ? null : JSON.stringify(r.mismatches), r.unverifiable && r.unverifiable.length > 0 ? JSON.stringify(r.unverifiable) : null);
      }
      for (const x of outcome.failures) {
        f.run(runId, object, x.sourceKey, x.reason);
        st.run('failed', runId, object, x.sourceKey);
      }
      if (batchNo !== null) b.run(runId, object, batchNo);
    })();
  }

  async markRecordsSent(runId: string, object: ObjectName, sourceKeys: string[]): Promise<void> {
    const st = this.db.prepare(`UPDATE staged SET status = 'sent' WHERE run_id = ? AND object = ? AND source_key = ? AND status = 'ready'`);
    this.db.transaction(() => {
      for (const k of sourceKeys) st.run(runId, object, k);
    })();
  }

  async stagedByStatus(runId: string, object: ObjectName, statuses: StagedRecord['status'][], afterSeq: number, limit: number): Promise<StagedRecord[]> {
    if (statuses.length === 0) return [];
    const rows = this.db
      .prepare(`SELECT * FROM staged WHERE run_id = ? AND object = ? AND status IN (${statuses.map(() => '?').join(',')}) AND seq > ? ORDER BY seq LIMIT ?`)
      .all(runId, object, ...statuses, afterSeq, limit) as StagedDb[];
    return rows.map(toStaged);
  }

  async completeRecords(runId: string, object: ObjectName, outcome: BatchOutcome, now: Date): Promise<void> {
    this.writeOutcome(runId, object, outcome, now, null);
  }

  async markOrphaned(runId: string, object: ObjectName, entries: FailureEntry[]): Promise<void> {
    const o = this.db.prepare(`INSERT INTO orphans (run_id, object, source_key, reason) VALUES (?, ?, ?, ?) ON CONFLICT (run_id, object, source_key) DO UPDATE SET reason = excluded.reason`);
    const st = this.db.prepare(`UPDATE staged SET status = 'orphaned' WHERE run_id = ? AND object = ? AND source_key = ?`);
    this.db.transaction(() => {
      for (const e of entries) {
        o.run(runId, object, e.sourceKey, e.reason);
        st.run(runId, object, e.sourceKey);
      }
    })();
  }

  async orphans(runId: string, object: ObjectName, limit: number): Promise<FailureEntry[]> {
    const rows = this.db.prepare(`SELECT source_key, reason FROM orphans WHERE run_id = ? AND object = ? ORDER BY source_key LIMIT ?`).all(runId, object, limit) as Array<{ source_key: string; reason: string }>;
    return rows.map((r) => ({ sourceKey: r.source_key, reason: r.reason }));
  }

  async saveMemberships(runId: string, kind: string, name: string, sourceKeys: string[]): Promise<void> {
    const ins = this.db.prepare(`INSERT OR IGNORE INTO memberships (run_id, kind, source_key, name) VALUES (?, ?, ?, ?)`);
    this.db.transaction(() => {
      for (const k of sourceKeys) ins.run(runId, kind, k, name);
    })();
  }

  async membershipsFor(runId: string, kind: string, sourceKeys: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (let i = 0; i < sourceKeys.length; i += 500) {
      const chunk = sourceKeys.slice(i, i + 500);
      if (chunk.length === 0) continue;
      const rows = this.db
        .prepare(`SELECT source_key, name FROM memberships WHERE run_id = ? AND kind = ? AND source_key IN (${chunk.map(() => '?').join(',')}) ORDER BY name`)
        .all(runId, kind, ...chunk) as Array<{ source_key: string; name: string }>;
      for (const r of rows) {
        const list = out.get(r.source_key) ?? [];
        list.push(r.name);
        out.set(r.source_key, list);
      }
    }
    return out;
  }

  async saveExtras(runId: string, kind: string, entries: Array<{ sourceKey: string; data: unknown }>): Promise<void> {
    const ins = this.db.prepare(`INSERT INTO extras (run_id, kind, source_key, data) VALUES (?, ?, ?, ?) ON CONFLICT (run_id, kind, source_key) DO UPDATE SET data = excluded.data`);
    this.db.transaction(() => {
      for (const e of entries) ins.run(runId, kind, e.sourceKey, JSON.stringify(e.data));
    })();
  }

  async extrasFor(runId: string, kind: string, sourceKeys: string[]): Promise<Map<string, unknown>> {
    const out = new Map<string, unknown>();
    for (let i = 0; i < sourceKeys.length; i += 500) {
      const chunk = sourceKeys.slice(i, i + 500);
      if (chunk.length === 0) continue;
      const rows = this.db
        .prepare(`SELECT source_key, data FROM extras WHERE run_id = ? AND kind = ? AND source_key IN (${chunk.map(() => '?').join(',')})`)
        .all(runId, kind, ...chunk) as Array<{ source_key: string; data: string }>;
      for (const r of rows) out.set(r.source_key, JSON.parse(r.data));
    }
    return out;
  }

  async clearMemberships(runId: string, kind: string): Promise<void> {
    this.db.prepare(`DELETE FROM memberships WHERE run_id = ? AND kind = ?`).run(runId, kind);
  }

  async members(runId: string, kind: string, opts: { name?: string; afterKey: string; limit: number }): Promise<string[]> {
    const byName = opts.name !== undefined;
    const rows = this.db
      .prepare(`SELECT DISTINCT source_key FROM memberships WHERE run_id = ? AND kind = ?${byName ? ' AND name = ?' : ''} AND source_key > ? ORDER BY source_key LIMIT ?`)
      .all(...[runId, kind, ...(byName ? [opts.name] : []), opts.afterKey, opts.limit]) as Array<{ source_key: string }>;
    return rows.map((r) => r.source_key);
  }

  async membershipCounts(runId: string, kind: string): Promise<Array<{ name: string; count: number }>> {
    return this.db
      .prepare(`SELECT name, COUNT(*) AS count FROM memberships WHERE run_id = ? AND kind = ? GROUP BY name ORDER BY count DESC, name`)
      .all(runId, kind) as Array<{ name: string; count: number }>;
  }

  async destIds(object: ObjectName, sourceKeys: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (let i = 0; i < sourceKeys.length; i += 500) {
      const chunk = sourceKeys.slice(i, i + 500);
      if (chunk.length === 0) continue;
      const rows = this.db
        .prepare(`SELECT source_key, dest_id FROM journal WHERE object = ? AND undone_by IS NULL AND source_key IN (${chunk.map(() => '?').join(',')}) ORDER BY id`)
        .all(object, ...chunk) as Array<{ source_key: string; dest_id: string }>;
      for (const r of rows) out.set(r.source_key, r.dest_id);
    }
    return out;
  }

  async journal(runId: string, object: ObjectName, afterId: number, limit: number): Promise<Array<JournalEntry & { id: number }>> {
    const rows = this.db.prepare(`SELECT * FROM journal WHERE run_id = ? AND object = ? AND id > ? ORDER BY id LIMIT ?`).all(runId, object, afterId, limit) as JournalDb[];
    return rows.map(toJournal);
  }

  async activeJournal(runIds: string[], object: ObjectName, afterDestId: string, limit: number): Promise<Array<JournalEntry & { id: number }>> {
    if (runIds.length === 0) return [];
    const rows = this.db
      .prepare(`SELECT * FROM journal WHERE run_id IN (${runIds.map(() => '?').join(',')}) AND object = ? AND undone_by IS NULL AND dest_id > ? ORDER BY dest_id, id LIMIT ?`)
      .all(...runIds, object, afterDestId, limit) as JournalDb[];
    return rows.map(toJournal);
  }

  async latestJournalEntry(object: ObjectName, sourceKey: string): Promise<JournalEntry | null> {
    const r = this.db.prepare(`SELECT * FROM journal WHERE object = ? AND source_key = ? AND undone_by IS NULL ORDER BY id DESC LIMIT 1`).get(object, sourceKey) as JournalDb | undefined;
    if (!r) return null;
    const { id: _id, ...entry } = toJournal(r);
    return entry;
  }

  async saveUndoPlan(runId: string, object: ObjectName, items: UndoItemInput[]): Promise<void> {
    const ins = this.db.prepare(`
      INSERT INTO undo_items (run_id, object, dest_id, journal_ids, source_keys, action, detail) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (run_id, object, dest_id) DO UPDATE SET journal_ids = excluded.journal_ids, source_keys = excluded.source_keys, action = excluded.action, detail = excluded.detail
      WHERE undo_items.status = 'planned'`);
    this.db.transaction(() => {
      for (const i of items) ins.run(runId, object, i.destId, JSON.stringify(i.journalIds), JSON.stringify(i.sourceKeys), i.action, json(i.detail));
    })();
  }

  async undoItems(runId: string, object: ObjectName, opts: { statuses?: UndoStatus[]; actions?: UndoAction[]; afterDestId: string; limit: number }): Promise<UndoItem[]> {
    const where = ['run_id = ?', 'object = ?', 'dest_id > ?'];
    const args: unknown[] = [runId, object, opts.afterDestId];
    if (opts.statuses) {
      where.push(`status IN (${opts.statuses.map(() => '?').join(',')})`);
      args.push(...opts.statuses);
    }
    if (opts.actions) {
      where.push(`action IN (${opts.actions.map(() => '?').join(',')})`);
      args.push(...opts.actions);
    }
    const rows = this.db.prepare(`SELECT * FROM undo_items WHERE ${where.join(' AND ')} ORDER BY dest_id LIMIT ?`).all(...args, opts.limit) as Array<{
      dest_id: string; journal_ids: string; source_keys: string; action: UndoAction; detail: string | null; status: UndoStatus; reason: string | null;
    }>;
    return rows.map((r) => ({
      destId: r.dest_id, journalIds: JSON.parse(r.journal_ids) as number[], sourceKeys: JSON.parse(r.source_keys) as string[],
      action: r.action, detail: parse(r.detail), status: r.status, reason: r.reason,
    }));
  }

  async completeUndo(runId: string, object: ObjectName, results: Array<{ destId: string; status: 'done' | 'failed'; reason?: string; undone?: boolean }>, now: Date): Promise<void> {
    const at = now.toISOString();
    const get = this.db.prepare(`SELECT action, journal_ids FROM undo_items WHERE run_id = ? AND object = ? AND dest_id = ?`);
    const set = this.db.prepare(`UPDATE undo_items SET status = ?, reason = ?, done_at = ? WHERE run_id = ? AND object = ? AND dest_id = ?`);
    const undo = this.db.prepare(`UPDATE journal SET undone_by = ? WHERE id = ? AND object = ? AND undone_by IS NULL`);
    this.db.transaction(() => {
      for (const r of results) {
        const item = get.get(runId, object, r.destId) as { action: UndoAction; journal_ids: string } | undefined;
        if (!item) throw new Error(`no undo item for ${object} ${r.destId} in run ${runId}`);
        set.run(r.status, r.reason ?? null, at, runId, object, r.destId);
        if ((r.undone ?? r.status === 'done') && item.action !== 'keep') for (const id of JSON.parse(item.journal_ids) as number[]) undo.run(runId, id, object);
      }
    })();
  }

  async undoCounts(runId: string, object: ObjectName): Promise<Record<UndoAction, Record<UndoStatus, number>>> {
    const zero = () => ({ planned: 0, done: 0, failed: 0 });
    const out: Record<UndoAction, Record<UndoStatus, number>> = { delete: zero(), restore: zero(), keep: zero(), gone: zero() };
    const rows = this.db.prepare(`SELECT action, status, COUNT(*) AS n FROM undo_items WHERE run_id = ? AND object = ? GROUP BY action, status`).all(runId, object) as Array<{
      action: UndoAction; status: UndoStatus; n: number;
    }>;
    for (const r of rows) out[r.action][r.status] = r.n;
    return out;
  }

  async retireJournal(runId: string, object: ObjectName, sourceKeys: string[]): Promise<void> {
    const upd = this.db.prepare(`UPDATE journal SET undone_by = ? WHERE object = ? AND source_key = ? AND undone_by IS NULL`);
    this.db.transaction(() => {
      for (const k of sourceKeys) upd.run(runId, object, k);
    })();
  }

  async activeSourceKeys(object: ObjectName, afterKey: string, limit: number): Promise<string[]> {
    return (
      this.db.prepare(`SELECT DISTINCT source_key FROM journal WHERE object = ? AND undone_by IS NULL AND source_key > ? ORDER BY source_key LIMIT ?`).all(object, afterKey, limit) as Array<{ source_key: string }>
    ).map((r) => r.source_key);
  }

  async runs(): Promise<RunRow[]> {
    return (this.db.prepare(`SELECT * FROM runs ORDER BY started_at, rowid`).all() as RunDb[]).map(toRun);
  }

  async *quarantined(runId: string, object?: ObjectName): AsyncIterable<QuarantineEntry> {
    // Keyset pages so a long report never holds a statement open across awaits.
    let after = '';
    for (;;) {
      const rows = (object
        ? this.db.prepare(`SELECT object, record_key, reasons, record, details FROM quarantine WHERE run_id = ? AND object = ? AND record_key > ? ORDER BY record_key LIMIT 500`).all(runId, object, after)
        : this.db.prepare(`SELECT object, record_key, reasons, record, details FROM quarantine WHERE run_id = ? AND record_key > ? ORDER BY record_key LIMIT 500`).all(runId, after)) as Array<{
        object: ObjectName; record_key: string; reasons: string; record: string | null; details: string | null;
      }>;
      if (rows.length === 0) return;
      for (const r of rows) {
        yield {
          object: r.object, recordKey: r.record_key, reasons: JSON.parse(r.reasons) as string[],
          ...(r.record !== null ? { record: parse(r.record) } : {}),
          ...(r.details !== null ? { details: parse(r.details) as QuarantineEntry['details'] } : {}),
        };
      }
      after = rows[rows.length - 1]!.record_key;
    }
  }

  async failures(runId: string, object: ObjectName, limit: number): Promise<FailureEntry[]> {
    const rows = this.db.prepare(`SELECT source_key, reason FROM failures WHERE run_id = ? AND object = ? ORDER BY source_key LIMIT ?`).all(runId, object, limit) as Array<{ source_key: string; reason: string }>;
    return rows.map((r) => ({ sourceKey: r.source_key, reason: r.reason }));
  }

  async mismatches(runId: string, object: ObjectName, limit: number): Promise<VerifyResult[]> {
    const rows = this.db.prepare(`SELECT source_key, mismatches FROM verify WHERE run_id = ? AND object = ? AND ok = 0 ORDER BY source_key LIMIT ?`).all(runId, object, limit) as Array<{ source_key: string; mismatches: string }>;
    return rows.map((r) => ({ sourceKey: r.source_key, ok: false, mismatches: JSON.parse(r.mismatches) as VerifyResult['mismatches'] }));
  }

  async unverifiableFields(runId: string, object: ObjectName): Promise<Array<{ field: string; records: number }>> {
    const rows = this.db
      .prepare(`SELECT j.value AS field, COUNT(*) AS n FROM verify, json_each(verify.unverifiable) AS j WHERE run_id = ? AND object = ? AND unverifiable IS NOT NULL GROUP BY j.value ORDER BY j.value`)
      .all(runId, object) as Array<{ field: string; n: number }>;
    return rows.map((r) => ({ field: r.field, records: r.n }));
  }

  async counts(runId: string, object: ObjectName): Promise<PhaseCounts> {
    const s = this.db
      .prepare(
        `SELECT COUNT(*) AS source, SUM(status = 'quarantined') AS quarantined, SUM(status = 'merged') AS merged, SUM(status = 'orphaned') AS orphaned,
         SUM(reparented_from IS NOT NULL AND status NOT IN ('quarantined', 'orphaned')) AS reparented, SUM(status = 'skipped') AS skipped FROM staged WHERE run_id = ? AND object = ?`,
      )
      .get(runId, object) as { source: number; quarantined: number | null; merged: number | null; orphaned: number | null; reparented: number | null; skipped: number | null };
    const j = this.db
      .prepare(`SELECT SUM(action = 'created') AS created, SUM(action = 'updated') AS updated FROM journal WHERE run_id = ? AND object = ?`)
      .get(runId, object) as { created: number | null; updated: number | null };
    const f = this.db.prepare(`SELECT COUNT(*) AS n FROM failures WHERE run_id = ? AND object = ?`).get(runId, object) as { n: number };
    const v = this.db
      .prepare(`SELECT SUM(ok = 1) AS verified, SUM(ok = 0) AS mismatched, SUM(unverifiable IS NOT NULL) AS unverifiable FROM verify WHERE run_id = ? AND object = ?`)
      .get(runId, object) as { verified: number | null; mismatched: number | null; unverifiable: number | null };
    return {
      source: s.source, quarantined: s.quarantined ?? 0, merged: s.merged ?? 0,
      created: j.created ?? 0, updated: j.updated ?? 0, failed: f.n,
      verified: v.verified ?? 0, mismatched: v.mismatched ?? 0, orphaned: s.orphaned ?? 0,
      unverifiable: v.unverifiable ?? 0, reparented: s.reparented ?? 0, skipped: s.skipped ?? 0,
    };
  }

  async acquireLock(
    me: LockInfo,
    staleAfterMs: number,
    isDead: (holder: LockInfo) => boolean,
  ): Promise<{ acquired: true; tookOver: LockInfo | null } | { acquired: false; holder: LockInfo }> {
    // IMMEDIATE: the read and the write happen under SQLite's write lock, so two processes
    // can never both see the lock free (or stale) and both take it.
    return this.db
      .transaction(() => {
        const cur = this.lockRow();
        const stale = cur !== null && (Date.parse(me.heartbeatAt) - Date.parse(cur.heartbeatAt) > staleAfterMs || isDead(cur));
        if (cur !== null && cur.holder !== me.holder && !stale) return { acquired: false as const, holder: cur };
        this.db
          .prepare(`INSERT INTO run_lock (id, holder, pid, host, command, started_at, heartbeat_at) VALUES (1, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, pid = excluded.pid, host = excluded.host, command = excluded.command,
            started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at`)
          .run(me.holder, me.pid, me.host, me.command, me.startedAt, me.heartbeatAt);
        return { acquired: true as const, tookOver: cur !== null && cur.holder !== me.holder ? cur : null };
      })
      .immediate();
  }

  async heartbeat(holder: string, now: Date): Promise<boolean> {
    return this.db.prepare(`UPDATE run_lock SET heartbeat_at = ? WHERE id = 1 AND holder = ?`).run(now.toISOString(), holder).changes === 1;
  }

  async releaseLock(holder: string): Promise<void> {
    this.db.prepare(`DELETE FROM run_lock WHERE id = 1 AND holder = ?`).run(holder);
  }

  async lockInfo(): Promise<LockInfo | null> {
    return this.lockRow();
  }

  private lockRow(): LockInfo | null {
    const r = this.db.prepare(`SELECT * FROM run_lock WHERE id = 1`).get() as
      | { holder: string; pid: number; host: string; command: string; started_at: string; heartbeat_at: string }
      | undefined;
    return r ? { holder: r.holder, pid: r.pid, host: r.host, command: r.command, startedAt: r.started_at, heartbeatAt: r.heartbeat_at } : null;
  }

  async *extrasOfKind(runId: string, kind: string): AsyncIterable<{ sourceKey: string; data: unknown }> {
    let after = '';
    for (;;) {
      const rows = this.db
        .prepare(`SELECT source_key, data FROM extras WHERE run_id = ? AND kind = ? AND source_key > ? ORDER BY source_key LIMIT 500`)
        .all(runId, kind, after) as Array<{ source_key: string; data: string }>;
      if (rows.length === 0) return;
      for (const r of rows) yield { sourceKey: r.source_key, data: JSON.parse(r.data) as unknown };
      after = rows[rows.length - 1]!.source_key;
    }
  }

  async purgePersonalData(): Promise<{ staged: number; journal: number; quarantine: number; extras: number }> {
    const out = this.db.transaction(() => ({
      staged: this.db.prepare(`UPDATE staged SET record = 'null', payload = NULL WHERE record != 'null' OR payload IS NOT NULL`).run().changes,
      // A contact's match key is its email.
      matchKeys: this.db.prepare(`UPDATE staged SET match_key = 'purged:' || seq WHERE object = 'contact' AND match_key IS NOT NULL`).run().changes,
      journal: this.db.prepare(`UPDATE journal SET before_image = NULL WHERE before_image IS NOT NULL`).run().changes,
      quarantine: this.db.prepare(`UPDATE quarantine SET record = NULL, details = NULL, reasons = '["(purged)"]'`).run().changes,
      extras: this.db.prepare(`DELETE FROM extras`).run().changes,
      lookupKeys: this.db.prepare(`DELETE FROM lookup_keys`).run().changes,
      matches: this.db.prepare(`DELETE FROM matches`).run().changes,
      failures: this.db.prepare(`UPDATE failures SET reason = '(purged)'`).run().changes,
      orphans: this.db.prepare(`UPDATE orphans SET reason = '(purged)'`).run().changes,
      verify: this.db.prepare(`UPDATE verify SET mismatches = NULL WHERE mismatches IS NOT NULL`).run().changes,
      // A rollback's restored values and the fields people edited since.
      undo: this.db.prepare(`UPDATE undo_items SET detail = NULL WHERE detail IS NOT NULL`).run().changes,
      checkpoints: this.db.prepare(`DELETE FROM checkpoints WHERE stream LIKE 'inventory:%'`).run().changes,
    }))();
    // Freed pages keep old bytes until the file is rewritten: VACUUM so the data is really gone.
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.exec('VACUUM');
    return { staged: out.staged, journal: out.journal, quarantine: out.quarantine, extras: out.extras };
  }

  async latestFinishedRun(commands: string[]): Promise<RunRow | null> {
    const r = this.db
      .prepare(`SELECT * FROM runs WHERE status IN ('completed', 'failed') AND command IN (${commands.map(() => '?').join(',')}) ORDER BY finished_at DESC, rowid DESC LIMIT 1`)
      .get(...commands) as RunDb | undefined;
    return r ? toRun(r) : null;
  }

  async journalCount(object: ObjectName): Promise<number> {
    return (this.db.prepare(`SELECT COUNT(DISTINCT source_key) AS n FROM journal WHERE object = ? AND undone_by IS NULL`).get(object) as { n: number }).n;
  }

  async hasJournal(object: ObjectName): Promise<boolean> {
    return this.db.prepare(`SELECT 1 FROM journal WHERE object = ? AND undone_by IS NULL LIMIT 1`).get(object) !== undefined;
  }

  async getMeta(key: string): Promise<string | null> {
    const r = this.db.prepare(`SELECT value FROM meta WHERE key = ?`).get(key) as { value: string } | undefined;
    return r?.value ?? null;
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.db.prepare(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(key, value);
  }

  async recordConfirmation(c: MapConfirmation): Promise<void> {
    this.db
      .prepare(`INSERT INTO confirmations (map_hash, confirmed_by, confirmed_at, map_file) VALUES (?, ?, ?, ?) ON CONFLICT (map_hash) DO UPDATE SET confirmed_by = excluded.confirmed_by, confirmed_at = excluded.confirmed_at, map_file = excluded.map_file`)
      .run(c.mapHash, c.confirmedBy, c.confirmedAt, c.mapFile);
  }

  async getConfirmation(mapHash: string): Promise<MapConfirmation | null> {
    const r = this.db.prepare(`SELECT * FROM confirmations WHERE map_hash = ?`).get(mapHash) as { map_hash: string; confirmed_by: string; confirmed_at: string; map_file: string } | undefined;
    return r ? { mapHash: r.map_hash, confirmedBy: r.confirmed_by, confirmedAt: r.confirmed_at, mapFile: r.map_file } : null;
  }

  async rememberMapping(organisation: string, source: string, entries: readonly RememberedField[]): Promise<void> {
    // ISO instants compare as text; >= lets a later call with the same instant replace.
    const upsert = this.db.prepare(
      `INSERT INTO mapping_history (organisation, source, attribute, target, type, choices, transform, confirmed_at, confirmed_by, map_hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (organisation, source, attribute) DO UPDATE SET target = excluded.target, type = excluded.type, choices = excluded.choices,
         transform = excluded.transform, confirmed_at = excluded.confirmed_at, confirmed_by = excluded.confirmed_by, map_hash = excluded.map_hash
       WHERE excluded.confirmed_at >= mapping_history.confirmed_at`,
    );
    this.db.transaction(() => {
      for (const e of entries) {
        if (e.skipped) upsert.run(organisation, source, e.attribute, null, null, null, null, e.confirmedAt, e.confirmedBy, e.mapHash);
        else upsert.run(organisation, source, e.attribute, e.target, e.type ?? null, json(e.choices), e.transform, e.confirmedAt, e.confirmedBy, e.mapHash);
      }
    })();
  }

  async mappingHistory(organisation: string, source: string): Promise<RememberedField[]> {
    const rows = this.db.prepare(`SELECT * FROM mapping_history WHERE organisation = ? AND source = ? ORDER BY attribute`).all(organisation, source) as Array<{
      attribute: string; target: string | null; type: string | null; choices: string | null; transform: string | null; confirmed_at: string; confirmed_by: string; map_hash: string;
    }>;
    return rows.map((r): RememberedField => {
      const decision = { attribute: r.attribute, confirmedAt: r.confirmed_at, confirmedBy: r.confirmed_by, mapHash: r.map_hash };
      if (r.target === null || r.transform === null) return { ...decision, skipped: true };
      return {
        attribute: r.attribute,
        target: r.target,
        ...(r.type !== null ? { type: r.type } : {}),
        ...(r.choices !== null ? { choices: parse(r.choices) as string[] } : {}),
        transform: r.transform,
        confirmedAt: r.confirmed_at,
        confirmedBy: r.confirmed_by,
        mapHash: r.map_hash,
      };
    });
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
