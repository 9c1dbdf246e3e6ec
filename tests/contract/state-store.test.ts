import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStateStore } from '../../src/state/index.js';
import { openSqliteStore } from '../../src/state/sqlite.js';
import type { StateStore } from '../../src/state/store.js';

/**
 * The contract every state store must meet (the resume rules, the journal committed with its
 * batch, staging, merging, locks). Each backend is listed here once; a new kind (PostgreSQL)
 * adds a line and must pass the same tests.
 */
const BACKENDS: Array<[string, (dir: string) => StateStore, { durable: boolean }]> = [
  ['SQLite file (through the config factory)', (dir) => createStateStore({ kind: 'sqlite', path: 'nested/state.db' }, dir), { durable: true }],
  ['SQLite in memory', () => openSqliteStore(':memory:'), { durable: false }],
];

describe.each(BACKENDS)('state store contract: %s', (_name, open, { durable }) => {
  let dir: string;
  let store: StateStore;
  const now = new Date('2026-11-22T10:00:00Z');

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crm-state-'));
    store = open(dir);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const rec = (id: string, updatedAtMs: number | null = 1) => ({ sourceKey: `k:${id}`, sourceId: id, updatedAtMs, record: { id } });

  it('resumes the unfinished run with the same hashes and starts a new one otherwise', async () => {
    const a = await store.openRun({ command: 'migrate', configHash: 'c', mapHash: 'm', now });
    expect(a.resumed).toBe(false);
    const b = await store.openRun({ command: 'migrate', configHash: 'c', mapHash: 'm', now });
    expect(b).toEqual({ run: a.run, resumed: true });
    const c = await store.openRun({ command: 'migrate', configHash: 'c', mapHash: 'other', now });
    expect(c.resumed).toBe(false);
    await store.finishRun(a.run.id, 'completed', now);
    const d = await store.openRun({ command: 'migrate', configHash: 'c', mapHash: 'm', now });
    expect(d.resumed).toBe(false);
    expect(d.run.id).not.toBe(a.run.id);
  });

  it('stages idempotently and moves the checkpoint with the page', async () => {
    const { run } = await store.openRun({ command: 'migrate', configHash: 'c', mapHash: 'm', now });
    await store.stageRecords(run.id, 'contact', [rec('1'), rec('2')], { stream: 'contact:cursor', value: '2' });
    await store.stageRecords(run.id, 'contact', [rec('2'), rec('3')], { stream: 'contact:cursor', value: '3' });
    expect(await store.getCheckpoint(run.id, 'contact:cursor')).toBe('3');
    const rows = await store.readStaged(run.id, 'contact', 0, 10);
    expect(rows.map((r) => r.sourceId)).toEqual(['1', '2', '3']);
    expect((await store.counts(run.id, 'contact')).source).toBe(3);
  });

  it('merges duplicates newest-wins and quarantines with reasons', async () => {
    const { run } = await store.openRun({ command: 'migrate', configHash: 'c', mapHash: 'm', now });
    await store.stageRecords(run.id, 'contact', [rec('1', 100), rec('2', 300), rec('3', 200), rec('4')], { stream: 's', value: '4' });
    await store.savePrepared(
      run.id,
      'contact',
      ['1', '2', '3'].map((id) => ({ sourceKey: `k:${id}`, matchKey: 'a@x.com', payload: { id }, payloadHash: id })),
      [{ object: 'contact', recordKey: 'k:4', reasons: ['Freshsales requires an email'] }],
    );
    expect(await store.mergeDuplicates(run.id, 'contact')).toBe(2);
    const rows = await store.readStaged(run.id, 'contact', 0, 10);
    expect(rows.find((r) => r.status === 'ready')?.sourceId).toBe('2');
    const q = [];
    for await (const e of store.quarantined(run.id)) q.push(e);
    expect(q).toEqual([{ object: 'contact', recordKey: 'k:4', reasons: ['Freshsales requires an email'] }]);
    const c = await store.counts(run.id, 'contact');
    expect(c).toMatchObject({ source: 4, quarantined: 1, merged: 2 });
  });

  it('indexes lookup keys the phase names, never reading the payload: merged and quarantined records drop out, purge clears them', async () => {
    const { run } = await store.openRun({ command: 'migrate', configHash: 'c', mapHash: 'm', now });
    await store.stageRecords(run.id, 'contact', [rec('1', 100), rec('2', 300), rec('3'), rec('4')], { stream: 's', value: '4' });
    await store.savePrepared(
      run.id,
      'contact',
      [
        // The payload's custom field is not what is indexed: only the declared lookup keys are.
        { sourceKey: 'k:1', matchKey: 'a@x.com', payload: { custom_field: { cf_id: 'u-1' } }, payloadHash: '1', lookupKeys: { externalId: 'u-1' } },
        { sourceKey: 'k:2', matchKey: 'a@x.com', payload: {}, payloadHash: '2', lookupKeys: { externalId: 'u-2' } },
        { sourceKey: 'k:3', matchKey: 'c@x.com', payload: {}, payloadHash: '3', lookupKeys: { externalId: 'u-3', legacyId: 'L3' } },
        { sourceKey: 'k:4', matchKey: 'd@x.com', payload: {}, payloadHash: '4', lookupKeys: { externalId: 'u-4' } },
      ],
      [],
    );
    // k:4 is prepared again as quarantined; k:1 merges into k:2 (newer).
    await store.savePrepared(run.id, 'contact', [], [{ object: 'contact', recordKey: 'k:4', reasons: ['bad'] }]);
    expect(await store.mergeDuplicates(run.id, 'contact')).toBe(1);
    expect(await store.byLookupKey(run.id, 'contact', 'externalId', ['u-1', 'u-2', 'u-3', 'u-4', 'u-9'])).toEqual(new Map([['u-2', 'a@x.com'], ['u-3', 'c@x.com']]));
    expect(await store.byLookupKey(run.id, 'contact', 'legacyId', ['L3', 'u-3'])).toEqual(new Map([['L3', 'c@x.com']]));
    expect((await store.lookupKeyValues(run.id, 'contact', 'externalId', 0, 10)).map((r) => r.value)).toEqual(['u-2', 'u-3']);
    expect((await store.lookupKeyValues(run.id, 'contact', 'externalId', 2, 1)).map((r) => r.value)).toEqual(['u-3']);
    // Prepared again without the key (the map no longer writes it): it is no longer found by it.
    await store.savePrepared(run.id, 'contact', [{ sourceKey: 'k:3', matchKey: 'c@x.com', payload: {}, payloadHash: '3b' }], []);
    expect(await store.byLookupKey(run.id, 'contact', 'externalId', ['u-3'])).toEqual(new Map());
    await store.purgePersonalData();
    expect(await store.byLookupKey(run.id, 'contact', 'externalId', ['u-2'])).toEqual(new Map());
  });

  it('plans batches once, and a completed batch commits journal, verification and failures together', async () => {
    const { run } = await store.openRun({ command: 'migrate', configHash: 'c', mapHash: 'm', now });
    const ids = Array.from({ length: 5 }, (_, i) => String(i + 1));
    await store.stageRecords(run.id, 'contact', ids.map((i) => rec(i)), { stream: 's', value: '5' });
    await store.savePrepared(run.id, 'contact', ids.map((i) => ({ sourceKey: `k:${i}`, matchKey: `${i}@x.com`, payload: {}, payloadHash: 'h' })), []);
    expect(await store.planBatches(run.id, 'contact', 2)).toBe(3);
    expect(await store.planBatches(run.id, 'contact', 2)).toBe(3);
    expect((await store.openBatches(run.id, 'contact')).map((b) => b.batchNo)).toEqual([1, 2, 3]);
    await store.saveMatches(run.id, 'contact', [{ matchKey: '2@x.com', destId: '4294967297', beforeImage: { first_name: 'Old' } }]);
    await store.markBatchSent(run.id, 'contact', 1, null);
    await store.completeBatch(run.id, 'contact', 1, {
      journal: [
        { sourceKey: 'k:1', destId: '4294967296', action: 'created', beforeImage: null, payloadHash: 'h' },
        { sourceKey: 'k:2', destId: '4294967297', action: 'updated', beforeImage: { first_name: 'Old' }, payloadHash: 'h' },
      ],
      verify: [{ sourceKey: 'k:1', ok: true, mismatches: [] }, { sourceKey: 'k:2', ok: false, mismatches: [{ field: 'first_name', expected: 'A', actual: 'B' }] }],
      failures: [],
    }, now);
    await store.completeBatch(run.id, 'contact', 2, { journal: [], verify: [], failures: [{ sourceKey: 'k:3', reason: 'HTTP 400' }] }, now);
    expect((await store.openBatches(run.id, 'contact')).map((b) => b.batchNo)).toEqual([3]);
    expect(await store.counts(run.id, 'contact')).toEqual({ source: 5, quarantined: 0, merged: 0, created: 1, updated: 1, failed: 1, verified: 1, mismatched: 1, orphaned: 0, unverifiable: 0, reparented: 0, skipped: 0 });
    const j = await store.journal(run.id, 'contact', 0, 10);
    expect(j.map((e) => [e.sourceKey, e.destId, e.action])).toEqual([['k:1', '4294967296', 'created'], ['k:2', '4294967297', 'updated']]);
    expect(j[1]!.beforeImage).toEqual({ first_name: 'Old' });
    expect((await store.latestJournalEntry('contact', 'k:2'))?.destId).toBe('4294967297');
    expect((await store.getMatches(run.id, 'contact', ['2@x.com', '1@x.com'])).size).toBe(1);
  });

  it.runIf(durable)('survives reopening: state is on disk and migrations are not re-applied', async () => {
    const { run } = await store.openRun({ command: 'migrate', configHash: 'c', mapHash: 'm', now });
    await store.setCheckpoint(run.id, 'x', 'y');
    await store.recordConfirmation({ mapHash: 'm', confirmedBy: 'ana', confirmedAt: now.toISOString(), mapFile: 'mapping.yaml' });
    await store.close();
    store = open(dir);
    expect(await store.getCheckpoint(run.id, 'x')).toBe('y');
    expect((await store.getConfirmation('m'))?.confirmedBy).toBe('ana');
    expect(await store.getConfirmation('other')).toBeNull();
  });

  it('tracks per-record sends, orphans, memberships, extras and parent ids', async () => {
    const { run } = await store.openRun({ command: 'migrate', configHash: 'c', mapHash: 'm', now });
    await store.stageRecords(run.id, 'task', [rec('t1'), rec('t2'), rec('t3')], { stream: 's', value: '3' });
    await store.savePrepared(run.id, 'task', ['t1', 't2', 't3'].map((id) => ({ sourceKey: `k:${id}`, matchKey: 'contact:1', payload: {}, payloadHash: 'h' })), []);
    await store.markRecordsSent(run.id, 'task', ['k:t1']);
    expect((await store.stagedByStatus(run.id, 'task', ['sent'], 0, 10)).map((r) => r.sourceKey)).toEqual(['k:t1']);
    await store.completeRecords(run.id, 'task', { journal: [{ sourceKey: 'k:t1', destId: '9000000001', action: 'created', beforeImage: null, payloadHash: 'h' }], verify: [{ sourceKey: 'k:t1', ok: true, mismatches: [] }], failures: [] }, now);
    await store.markOrphaned(run.id, 'task', [{ sourceKey: 'k:t3', reason: 'contact k:9 was quarantined' }]);
    expect(await store.counts(run.id, 'task')).toMatchObject({ source: 3, created: 1, verified: 1, orphaned: 1 });
    expect(await store.orphans(run.id, 'task', 10)).toEqual([{ sourceKey: 'k:t3', reason: 'contact k:9 was quarantined' }]);
    expect((await store.stagedByStatus(run.id, 'task', ['ready'], 0, 10)).map((r) => r.sourceKey)).toEqual(['k:t2']);

    await store.saveMemberships(run.id, 'segment', 'VIP', ['k:1', 'k:2']);
    await store.saveMemberships(run.id, 'segment', 'Churn risk', ['k:2']);
    const m = await store.membershipsFor(run.id, 'segment', ['k:1', 'k:2', 'k:3']);
    expect(m.get('k:2')).toEqual(['Churn risk', 'VIP']);
    expect(m.has('k:3')).toBe(false);
    expect(await store.membershipCounts(run.id, 'segment')).toEqual([{ name: 'VIP', count: 2 }, { name: 'Churn risk', count: 1 }]);

    await store.saveExtras(run.id, 'event_summary', [{ sourceKey: 'k:1', data: { Deposits: 3 } }]);
    expect((await store.extrasFor(run.id, 'event_summary', ['k:1', 'k:2'])).get('k:1')).toEqual({ Deposits: 3 });
    expect((await store.destIds('task', ['k:t1', 'k:t2'])).get('k:t1')).toBe('9000000001');
  });

  it('commits a batch all or nothing: a failure inside completeBatch leaves the batch open and nothing journaled', async () => {
    const { run } = await store.openRun({ command: 'migrate', configHash: 'c', mapHash: 'm', now });
    await store.stageRecords(run.id, 'contact', [rec('1'), rec('2')], { stream: 'contact:cursor', value: '2' });
    await store.savePrepared(run.id, 'contact', [
      { sourceKey: 'k:1', matchKey: 'a@x', payload: {}, payloadHash: 'h1' },
      { sourceKey: 'k:2', matchKey: 'b@x', payload: {}, payloadHash: 'h2' },
    ], []);
    await store.planBatches(run.id, 'contact', 10);
    await store.markBatchSent(run.id, 'contact', 1, 'job-1');
    // The second journal entry is invalid (an action the journal does not know): the whole outcome must roll back.
    const bad = {
      journal: [
        { sourceKey: 'k:1', destId: '10', action: 'created' as const, beforeImage: null, payloadHash: 'h1' },
        { sourceKey: 'k:2', destId: '11', action: 'deleted' as unknown as 'created', beforeImage: null, payloadHash: 'h2' },
      ],
      verify: [{ sourceKey: 'k:1', ok: true, mismatches: [] }],
      failures: [],
    };
    await expect(store.completeBatch(run.id, 'contact', 1, bad, now)).rejects.toThrow();
    expect(await store.journal(run.id, 'contact', 0, 10)).toEqual([]);
    expect((await store.openBatches(run.id, 'contact')).map((b) => [b.batchNo, b.status, b.jobRef])).toEqual([[1, 'sent', 'job-1']]);
    expect((await store.counts(run.id, 'contact')).verified).toBe(0);
  });

  it('gives the run lock to one holder at a time and hands over a stale one', async () => {
    const t = (s: number) => new Date(Date.parse('2026-11-22T10:00:00Z') + s * 1000).toISOString();
    const a = { holder: 'a', pid: 1, host: 'h', command: 'migrate', startedAt: t(0), heartbeatAt: t(0) };
    const b = { ...a, holder: 'b', pid: 2, startedAt: t(10), heartbeatAt: t(10) };
    expect(await store.acquireLock(a, 30_000, () => false)).toEqual({ acquired: true, tookOver: null });
    expect(await store.acquireLock(b, 30_000, () => false)).toEqual({ acquired: false, holder: a });
    expect(await store.heartbeat('a', new Date(t(20)))).toBe(true);
    // 35 s after the last heartbeat: stale, taken over; the old holder's heartbeat now fails.
    const c = { ...b, heartbeatAt: t(55) };
    expect(await store.acquireLock(c, 30_000, () => false)).toMatchObject({ acquired: true, tookOver: { holder: 'a' } });
    expect(await store.heartbeat('a', new Date(t(56)))).toBe(false);
    await store.releaseLock('a');
    expect((await store.lockInfo())?.holder).toBe('b');
    await store.releaseLock('b');
    expect(await store.lockInfo()).toBeNull();
  });

  it('keeps workdir facts, extras by kind and journal counts across runs', async () => {
    await store.setMeta('identity', '{"x":1}');
    expect(await store.getMeta('identity')).toBe('{"x":1}');
    const { run } = await store.openRun({ command: 'migrate', configHash: 'c', mapHash: 'm', now });
    await store.saveExtras(run.id, 'k', [{ sourceKey: 'b', data: 2 }, { sourceKey: 'a', data: 1 }]);
    const all: unknown[] = [];
    for await (const e of store.extrasOfKind(run.id, 'k')) all.push(e);
    expect(all).toEqual([{ sourceKey: 'a', data: 1 }, { sourceKey: 'b', data: 2 }]);
    expect(await store.hasJournal('task')).toBe(false);
    expect(await store.journalCount('task')).toBe(0);
  });

  it('remembers confirmed targets per organisation and source: the newest confirmation wins per attribute, an older one is ignored', async () => {
    const team = { attribute: 'attributes.team', target: 'Favourite team', type: 'dropdown', choices: ['Cork', 'Kerry'], transform: 'text', confirmedBy: 'ana', mapHash: 'h1' };
    await store.rememberMapping('acme', 'xtremepush', [
      { ...team, confirmedAt: '2026-01-01T10:00:00.000Z' },
      { attribute: 'attributes.tel', target: 'mobile_number', transform: 'phone', confirmedAt: '2026-01-01T10:00:00.000Z', confirmedBy: 'ana', mapHash: 'h1' },
    ]);
    // A newer confirmation of one attribute replaces it; the other stays as it was.
    await store.rememberMapping('acme', 'xtremepush', [{ ...team, target: 'Team', type: 'text', choices: undefined, confirmedAt: '2026-02-01T10:00:00.000Z', confirmedBy: 'bo', mapHash: 'h2' }]);
    // An older one (an export from before) changes nothing.
    await store.rememberMapping('acme', 'xtremepush', [{ ...team, target: 'Old team', confirmedAt: '2025-12-01T10:00:00.000Z', mapHash: 'h0' }]);
    // Other organisations and sources are apart.
    await store.rememberMapping('other', 'xtremepush', [{ ...team, target: 'Elsewhere', confirmedAt: '2027-01-01T10:00:00.000Z' }]);
    await store.rememberMapping('acme', 'netmera', [{ ...team, target: 'Netmera team', confirmedAt: '2027-01-01T10:00:00.000Z' }]);
    expect(await store.mappingHistory('acme', 'xtremepush')).toEqual([
      { attribute: 'attributes.team', target: 'Team', type: 'text', transform: 'text', confirmedAt: '2026-02-01T10:00:00.000Z', confirmedBy: 'bo', mapHash: 'h2' },
      { attribute: 'attributes.tel', target: 'mobile_number', transform: 'phone', confirmedAt: '2026-01-01T10:00:00.000Z', confirmedBy: 'ana', mapHash: 'h1' },
    ]);
    expect((await store.mappingHistory('other', 'xtremepush')).map((e) => (e.skipped ? null : e.target))).toEqual(['Elsewhere']);
    expect(await store.mappingHistory('nobody', 'xtremepush')).toEqual([]);
    // Two entries for one attribute in one call: the newer wins whatever the order.
    await store.rememberMapping('acme', 'xtremepush', [
      { ...team, target: 'Newest', confirmedAt: '2026-03-02T00:00:00.000Z', mapHash: 'h4' },
      { ...team, target: 'Older', confirmedAt: '2026-03-01T00:00:00.000Z', mapHash: 'h3' },
    ]);
    const after = await store.mappingHistory('acme', 'xtremepush');
    expect(after[0]).toMatchObject({ target: 'Newest', type: 'dropdown', choices: ['Cork', 'Kerry'], mapHash: 'h4' });
  });

  it('remembers an attribute left out of a confirmed map as skipped, and a later confirmation either way replaces it', async () => {
    const by = { confirmedBy: 'ana', mapHash: 'h1' };
    await store.rememberMapping('acme', 'xtremepush', [
      { attribute: 'attributes.push_id', skipped: true, confirmedAt: '2026-01-01T10:00:00.000Z', ...by },
      { attribute: 'attributes.team', skipped: true, confirmedAt: '2026-01-01T10:00:00.000Z', ...by },
    ]);
    // A newer confirmation maps one of them; an older skip (an export from before) changes nothing.
    await store.rememberMapping('acme', 'xtremepush', [
      { attribute: 'attributes.team', target: 'Team', type: 'text', transform: 'text', confirmedAt: '2026-02-01T10:00:00.000Z', ...by },
      { attribute: 'attributes.push_id', skipped: true, confirmedAt: '2025-06-01T10:00:00.000Z', confirmedBy: 'old', mapHash: 'h0' },
    ]);
    expect(await store.mappingHistory('acme', 'xtremepush')).toEqual([
      { attribute: 'attributes.push_id', skipped: true, confirmedAt: '2026-01-01T10:00:00.000Z', ...by },
      { attribute: 'attributes.team', target: 'Team', type: 'text', transform: 'text', confirmedAt: '2026-02-01T10:00:00.000Z', ...by },
    ]);
    // And a newer skip replaces a target, leaving nothing of it behind.
    await store.rememberMapping('acme', 'xtremepush', [{ attribute: 'attributes.team', skipped: true, confirmedAt: '2026-03-01T10:00:00.000Z', confirmedBy: 'bo', mapHash: 'h2' }]);
    expect((await store.mappingHistory('acme', 'xtremepush'))[1]).toEqual({ attribute: 'attributes.team', skipped: true, confirmedAt: '2026-03-01T10:00:00.000Z', confirmedBy: 'bo', mapHash: 'h2' });
  });

  it("leases batches: two workers never hold the same one, a crashed worker's lease expires, done batches are never claimed", async () => {
    const { run } = await store.openRun({ command: 'migrate', configHash: 'c', mapHash: 'm', now });
    await store.stageRecords(run.id, 'contact', [rec('1'), rec('2'), rec('3')], { stream: 'contact:cursor', value: '3' });
    await store.savePrepared(run.id, 'contact', ['1', '2', '3'].map((id) => ({ sourceKey: `k:${id}`, matchKey: `${id}@x`, payload: {}, payloadHash: 'h' })), []);
    await store.planBatches(run.id, 'contact', 1);
    const at = (s: number) => new Date(now.getTime() + s * 1000);
    const a1 = await store.claimBatch(run.id, 'contact', 'worker-a', 30_000, at(0));
    const b1 = await store.claimBatch(run.id, 'contact', 'worker-b', 30_000, at(0));
    expect([a1?.batchNo, b1?.batchNo]).toEqual([1, 2]);
    // Worker b finishes its batch; worker a crashes holding batch 1.
    await store.completeBatch(run.id, 'contact', 2, { journal: [], verify: [], failures: [] }, at(1));
    expect((await store.claimBatch(run.id, 'contact', 'worker-b', 30_000, at(2)))?.batchNo).toBe(3);
    expect(await store.claimBatch(run.id, 'contact', 'worker-c', 30_000, at(5))).toBeNull();
    expect(await store.renewLease(run.id, 'contact', 3, 'worker-b', 30_000, at(10))).toBe(true);
    // 31 s later batch 1's lease has expired: another worker takes it; the crashed one cannot renew.
    expect((await store.claimBatch(run.id, 'contact', 'worker-c', 30_000, at(31)))?.batchNo).toBe(1);
    expect(await store.renewLease(run.id, 'contact', 1, 'worker-a', 30_000, at(32))).toBe(false);
    await store.completeBatch(run.id, 'contact', 1, { journal: [], verify: [], failures: [] }, at(33));
    await store.completeBatch(run.id, 'contact', 3, { journal: [], verify: [], failures: [] }, at(34));
    expect(await store.claimBatch(run.id, 'contact', 'worker-a', 30_000, at(100))).toBeNull();
  });

  it('narrows a run to a group before prepare, and skips ready records on request: both outcomes of the run', async () => {
    const { run } = await store.openRun({ command: 'sample', configHash: 'c', mapHash: 'm', now });
    const { run: other } = await store.openRun({ command: 'migrate', configHash: 'c', mapHash: 'other', now });
    await store.stageRecords(run.id, 'contact', ['1', '2', '3', '4', '5'].map((id) => rec(id)), { stream: 's', value: '5' });
    await store.stageRecords(other.id, 'contact', [rec('1'), rec('2')], { stream: 's', value: '2' });
    await store.saveMemberships(run.id, 'sample', 'sample', ['k:2', 'k:4', 'k:5']);
    // The same kind in another run does not count.
    await store.saveMemberships(other.id, 'sample', 'sample', ['k:1']);
    expect(await store.retainStaged(run.id, 'contact', 'sample')).toBe(2);
    expect(await store.retainStaged(run.id, 'contact', 'sample')).toBe(0);
    expect((await store.readStaged(run.id, 'contact', 0, 10)).map((r) => r.sourceKey)).toEqual(['k:2', 'k:4', 'k:5']);
    expect((await store.counts(other.id, 'contact')).source).toBe(2);

    await store.savePrepared(run.id, 'contact', [2, 4].map((n) => ({ sourceKey: `k:${n}`, matchKey: `m${n}`, payload: { n }, payloadHash: `h${n}` })), [{ object: 'contact', recordKey: 'k:5', reasons: ['no email'] }]);
    // Prepared records stay whatever the group says.
    expect(await store.retainStaged(run.id, 'contact', 'nobody')).toBe(0);
    // Only ready records become skipped (a quarantined one stays quarantined; an unknown key is ignored).
    await store.markSkipped(run.id, 'contact', ['k:2', 'k:5', 'k:9']);
    expect(await store.countReady(run.id, 'contact')).toBe(1);
    expect((await store.stagedRecords(run.id, 'contact', ['k:2', 'k:5'])).map((r) => r.status)).toEqual(['skipped', 'quarantined']);
    expect(await store.readyMatchKeys(run.id, 'contact', '', 10)).toEqual(['m4']);
    expect(await store.counts(run.id, 'contact')).toMatchObject({ source: 3, skipped: 1, quarantined: 1 });
  });

  it('pages the distinct members of a kind (the union over its groups) or of one group, in key order', async () => {
    const { run } = await store.openRun({ command: 'migrate', configHash: 'c', mapHash: 'm', now });
    await store.saveMemberships(run.id, 'scope', 'Buyers', ['u:3', 'u:1', 'u:2']);
    await store.saveMemberships(run.id, 'scope', 'Turkey', ['u:2', 'u:4']);
    await store.saveMemberships(run.id, 'segment', 'Other', ['u:9']);
    expect(await store.members(run.id, 'scope', { afterKey: '', limit: 10 })).toEqual(['u:1', 'u:2', 'u:3', 'u:4']);
    expect(await store.members(run.id, 'scope', { afterKey: 'u:1', limit: 2 })).toEqual(['u:2', 'u:3']);
    expect(await store.members(run.id, 'scope', { name: 'Turkey', afterKey: '', limit: 10 })).toEqual(['u:2', 'u:4']);
    expect(await store.members(run.id, 'scope', { name: 'Nobody', afterKey: '', limit: 10 })).toEqual([]);
    // A snapshot taken again starts empty; other kinds stay.
    await store.clearMemberships(run.id, 'scope');
    expect(await store.members(run.id, 'scope', { afterKey: '', limit: 10 })).toEqual([]);
    expect(await store.members(run.id, 'segment', { afterKey: '', limit: 10 })).toEqual(['u:9']);
  });

  it('releases every lease of a run at once (the lock holder restarting after a crash), without touching done batches', async () => {
    const { run } = await store.openRun({ command: 'migrate', configHash: 'c', mapHash: 'm', now });
    await store.stageRecords(run.id, 'contact', [rec('1'), rec('2')], { stream: 'contact:cursor', value: '2' });
    await store.savePrepared(run.id, 'contact', ['1', '2'].map((id) => ({ sourceKey: `k:${id}`, matchKey: `${id}@x`, payload: {}, payloadHash: 'h' })), []);
    await store.planBatches(run.id, 'contact', 1);
    expect((await store.claimBatch(run.id, 'contact', 'dead-1', 60_000, now))?.batchNo).toBe(1);
    expect((await store.claimBatch(run.id, 'contact', 'dead-2', 60_000, now))?.batchNo).toBe(2);
    await store.completeBatch(run.id, 'contact', 2, { journal: [], verify: [], failures: [] }, now);
    expect(await store.claimBatch(run.id, 'contact', 'new', 60_000, now)).toBeNull();
    expect(await store.releaseLeases(run.id)).toBe(1);
    // At once, not after the lease: batch 1 is claimable; batch 2 stays done.
    expect((await store.claimBatch(run.id, 'contact', 'new', 60_000, now))?.batchNo).toBe(1);
    expect(await store.claimBatch(run.id, 'contact', 'other', 60_000, now)).toBeNull();
  });
  it('finds other runs\' staged records by match key, newest per source key', async () => {
    const { run: a } = await store.openRun({ command: 'migrate', configHash: 'c', mapHash: 'm', now });
    await store.stageRecords(a.id, 'contact', [rec('1'), rec('2'), rec('3')], { stream: 's', value: '3' });
    await store.savePrepared(a.id, 'contact', [{ sourceKey: 'k:1', matchKey: 'x@y', payload: {}, payloadHash: 'h' }, { sourceKey: 'k:2', matchKey: 'x@y', payload: {}, payloadHash: 'h' }, { sourceKey: 'k:3', matchKey: 'z@y', payload: {}, payloadHash: 'h' }], []);
    await store.finishRun(a.id, 'completed', now);
    const { run: b } = await store.openRun({ command: 'delta', configHash: 'c', mapHash: 'm', now });
    await store.stageRecords(b.id, 'contact', [rec('1')], { stream: 's', value: '1' });
    await store.savePrepared(b.id, 'contact', [{ sourceKey: 'k:1', matchKey: 'x@y', payload: {}, payloadHash: 'h2' }], []);
    expect((await store.stagedByMatchKeys('contact', ['x@y'], b.id)).map((r) => [r.sourceKey, r.payloadHash])).toEqual([['k:1', 'h'], ['k:2', 'h']]);
    expect((await store.stagedByMatchKeys('contact', ['x@y', 'q@y'], a.id)).map((r) => r.sourceKey)).toEqual(['k:1']);
  });

  it('undoes journaled writes: only active rows are offered, done deletes and restores retire their rows, kept ones stay', async () => {
    const { run: a } = await store.openRun({ command: 'migrate', configHash: 'c', mapHash: 'm', now });
    const j = (sourceKey: string, destId: string, action: 'created' | 'updated') => ({ sourceKey, destId, action, beforeImage: action === 'updated' ? { first_name: 'Old' } : null, payloadHash: `h:${sourceKey}` });
    await store.completeRecords(a.id, 'contact', { journal: [j('k:1', '101', 'created'), j('k:2', '102', 'updated'), j('k:3', '103', 'created')], verify: [], failures: [] }, now);
    await store.finishRun(a.id, 'completed', now);
    const { run: b } = await store.openRun({ command: 'migrate', configHash: 'c', mapHash: 'm2', now });
    await store.completeRecords(b.id, 'contact', { journal: [j('k:1', '101', 'updated')], verify: [], failures: [] }, now);
    await store.finishRun(b.id, 'completed', now);
    expect((await store.runs()).map((r) => r.id)).toEqual([a.id, b.id]);

    const rows = await store.activeJournal([a.id, b.id], 'contact', '', 10);
    // By destination record, then oldest write first.
    expect(rows.map((r) => [r.runId, r.sourceKey, r.action, r.undoneBy])).toEqual([
      [a.id, 'k:1', 'created', null], [b.id, 'k:1', 'updated', null], [a.id, 'k:2', 'updated', null], [a.id, 'k:3', 'created', null],
    ]);
    expect((await store.activeJournal([a.id, b.id], 'contact', '101', 1)).map((r) => r.destId)).toEqual(['102']);
    expect(await store.activeJournal([b.id], 'contact', '101', 10)).toEqual([]);

    const { run: rb } = await store.openRun({ command: 'rollback', configHash: 'c', mapHash: 'targets', now });
    const ids = (k: string) => rows.filter((r) => r.sourceKey === k).map((r) => r.id);
    await store.saveUndoPlan(rb.id, 'contact', [
      { destId: '101', journalIds: ids('k:1'), sourceKeys: ['k:1'], action: 'delete', detail: null },
      { destId: '102', journalIds: ids('k:2'), sourceKeys: ['k:2'], action: 'restore', detail: { first_name: 'Old' } },
      { destId: '103', journalIds: ids('k:3'), sourceKeys: ['k:3'], action: 'keep', detail: [{ field: 'first_name' }] },
    ]);
    // Planned again after a crash: replaced while still planned.
    await store.saveUndoPlan(rb.id, 'contact', [{ destId: '102', journalIds: ids('k:2'), sourceKeys: ['k:2'], action: 'restore', detail: { first_name: 'Older' } }]);
    expect((await store.undoItems(rb.id, 'contact', { actions: ['restore'], afterDestId: '', limit: 10 }))[0]?.detail).toEqual({ first_name: 'Older' });

    await store.completeUndo(rb.id, 'contact', [{ destId: '101', status: 'done' }, { destId: '102', status: 'failed', reason: 'HTTP 500' }, { destId: '103', status: 'done' }], now);
    // A done item is not re-planned by a resumed classification.
    await store.saveUndoPlan(rb.id, 'contact', [{ destId: '101', journalIds: ids('k:1'), sourceKeys: ['k:1'], action: 'keep', detail: null }]);
    const items = await store.undoItems(rb.id, 'contact', { afterDestId: '', limit: 10 });
    expect(items.map((i) => [i.destId, i.action, i.status, i.reason])).toEqual([['101', 'delete', 'done', null], ['102', 'restore', 'failed', 'HTTP 500'], ['103', 'keep', 'done', null]]);
    expect(await store.undoItems(rb.id, 'contact', { statuses: ['failed', 'planned'], afterDestId: '', limit: 10 })).toHaveLength(1);
    expect(await store.undoItems(rb.id, 'contact', { afterDestId: '101', limit: 1 })).toHaveLength(1);

    const counts = await store.undoCounts(rb.id, 'contact');
    expect(counts.delete).toEqual({ planned: 0, done: 1, failed: 0 });
    expect(counts.restore).toEqual({ planned: 0, done: 0, failed: 1 });
    expect(counts.keep.done).toBe(1);

    // The deleted record's rows (both runs) are undone: no longer migrated for resume, deltas and children.
    const after = await store.activeJournal([a.id, b.id], 'contact', '', 10);
    expect(after.map((r) => r.sourceKey)).toEqual(['k:2', 'k:3']);
    expect((await store.journal(a.id, 'contact', 0, 10)).find((r) => r.sourceKey === 'k:1')?.undoneBy).toBe(rb.id);
    expect(await store.latestJournalEntry('contact', 'k:1')).toBeNull();
    expect([...(await store.destIds('contact', ['k:1', 'k:2', 'k:3'])).keys()]).toEqual(['k:2', 'k:3']);
    expect(await store.journalCount('contact')).toBe(2);
    expect(await store.activeSourceKeys('contact', '', 10)).toEqual(['k:2', 'k:3']);
    expect(await store.activeSourceKeys('contact', 'k:2', 10)).toEqual(['k:3']);
    expect(await store.activeSourceKeys('task', '', 10)).toEqual([]);
    await store.retireJournal(rb.id, 'contact', ['k:3']);
    expect(await store.activeSourceKeys('contact', '', 10)).toEqual(['k:2']);
    expect(await store.latestJournalEntry('contact', 'k:3')).toBeNull();
    // The run's own report still counts what it wrote.
    expect((await store.counts(a.id, 'contact')).created).toBe(2);
    await expect(store.completeUndo(rb.id, 'contact', [{ destId: '999', status: 'done' }], now)).rejects.toThrow(/no undo item/);
    // A restore applied in part: failed, yet the record no longer holds what was written.
    await store.completeUndo(rb.id, 'contact', [{ destId: '102', status: 'failed', reason: 'tags stayed', undone: true }], now);
    expect((await store.undoItems(rb.id, 'contact', { statuses: ['failed'], afterDestId: '', limit: 10 })).map((i) => i.reason)).toEqual(['tags stayed']);
    expect(await store.latestJournalEntry('contact', 'k:2')).toBeNull();
  });
});


describe('SQLite upgrade', () => {
  it("keeps a workdir's remembered targets when the history table learns to hold skips", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-state-'));
    const file = join(dir, 'state.db');
    // The history table as a workdir from before skips has it (schema version 11).
    const old = new Database(file);
    old.exec(`CREATE TABLE mapping_history (
      organisation TEXT NOT NULL, source TEXT NOT NULL, attribute TEXT NOT NULL,
      target TEXT NOT NULL, type TEXT, choices TEXT, transform TEXT NOT NULL,
      confirmed_at TEXT NOT NULL, confirmed_by TEXT NOT NULL, map_hash TEXT NOT NULL,
      PRIMARY KEY (organisation, source, attribute))`);
    old.prepare('INSERT INTO mapping_history VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run('acme', 'xtremepush', 'attributes.team', 'Team', 'dropdown', '["Cork"]', 'text', '2026-01-01T00:00:00.000Z', 'ana', 'abc123');
    old.pragma('user_version = 11');
    old.close();
    const store = openSqliteStore(file);
    try {
      const kept = { attribute: 'attributes.team', target: 'Team', type: 'dropdown', choices: ['Cork'], transform: 'text', confirmedAt: '2026-01-01T00:00:00.000Z', confirmedBy: 'ana', mapHash: 'abc123' };
      expect(await store.mappingHistory('acme', 'xtremepush')).toEqual([kept]);
      await store.rememberMapping('acme', 'xtremepush', [{ attribute: 'attributes.push', skipped: true, confirmedAt: '2026-01-02T00:00:00.000Z', confirmedBy: 'bo', mapHash: 'abc124' }]);
      expect(await store.mappingHistory('acme', 'xtremepush')).toEqual([{ attribute: 'attributes.push', skipped: true, confirmedAt: '2026-01-02T00:00:00.000Z', confirmedBy: 'bo', mapHash: 'abc124' }, kept]);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
