import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFreshsalesSim, type FreshsalesSim } from '../../simulators/freshsales/index.js';
import { systemClock } from '../../src/core/clock.js';
import type { CanonicalEvent, CanonicalInteraction } from '../../src/core/model.js';
import { silentLogger } from '../../src/core/logger.js';
import type { HttpClient } from '../../src/http/client.js';
import type { FreshsalesClient } from '../../src/connectors/freshsales/index.js';
import type { TaskMap } from '../../src/mapping/spec.js';
import { InProcessExecutor, type Executor, type Unit } from '../../src/pipeline/executor.js';
import { silentProgress } from '../../src/pipeline/progress.js';
import { extractTasks, loadTasks, markerKeyOf, type TaskPayload, type TaskPhaseDeps } from '../../src/pipeline/tasks.js';
import { checkBalance } from '../../src/reports/reconciliation.js';
import { openSqliteStore, type SqliteStateStore } from '../../src/state/sqlite.js';
import { contact, createFakeSource, seedContactPhase, testClient, type ContactFate } from '../helpers/fake-source.js';
import { simReadings } from '../helpers/harness.js';

const API_KEY = 'fs-tasks-key-2c9e71';

let dir: string;
let sim: FreshsalesSim;
let store: SqliteStateStore;
let http: HttpClient;
let client: FreshsalesClient;
let runId: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'crm-tasks-'));
  sim = await startFreshsalesSim({ ...simReadings(), apiKey: API_KEY, plan: 'growth', timeScale: 3600, seed: 3 });
  store = openSqliteStore(join(dir, 'state.db'));
  ({ client, http } = testClient(sim.url, API_KEY));
  runId = (await store.openRun({ command: 'migrate', configHash: 'c', mapHash: 'm', now: new Date() })).run.id;
});
afterEach(async () => {
  store.close();
  await http.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

const key = (id: string) => `xtremepush:profile:${id}`;

function interactions(contactId: string, campaign: string, kinds: CanonicalInteraction['kind'][], at = '2024-03-01T10:00:00.000Z'): CanonicalInteraction[] {
  return kinds.map((kind, i) => ({
    sourceKey: `xtremepush:message:${campaign}-${contactId}:${kind}`,
    contactKey: key(contactId),
    campaignId: campaign,
    campaignName: `Campaign ${campaign}`,
    channel: 'push',
    kind,
    occurredAt: new Date(Date.parse(at) + i * 60_000).toISOString(),
  }));
}

function events(contactId: string, name: string, n: number): CanonicalEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    sourceKey: `xtremepush:event:${contactId}-${name}:${i}`,
    contactKey: key(contactId),
    event: name,
    value: i,
    deviceId: `dev-${contactId}`,
    occurredAt: `2024-02-0${1 + (i % 9)}T08:00:00.000Z`,
    occurredAtRaw: `2024-02-0${1 + (i % 9)}T10:00:00+02:00`,
  }));
}

const MAP: TaskMap = { campaigns: true, interactions: ['opened', 'clicked'], events: { policy: 'high_value', high_value: ['purchase'], summary: [] } };

/** Records every unit the phase hands to the executor. */
class RecordingExecutor implements Executor {
  readonly units: Unit[] = [];
  constructor(private readonly inner: Executor) {}
  run<U extends Unit>(units: Iterable<U> | AsyncIterable<U>, handler: (unit: U) => Promise<void>): Promise<void> {
    return this.inner.run(units, async (u) => {
      this.units.push(u);
      await handler(u);
    });
  }
}

function deps(source: ReturnType<typeof createFakeSource>, over: Partial<TaskPhaseDeps> = {}): TaskPhaseDeps {
  return {
    store, runId, source, dest: client, map: MAP, ownerId: null, executor: new InProcessExecutor(3),
    clock: systemClock, logger: silentLogger(), progress: silentProgress, ...over,
  };
}

type SimTask = { id: number; description: string; targetable_id: number; targetable_type: string; due_date: string; status: number; title: string };
const simTasks = () => sim.snapshot().tasks as SimTask[];

async function deleteContact(id: string): Promise<void> {
  const res = await fetch(`${sim.url}/api/contacts/${id}`, { method: 'DELETE', headers: { authorization: `Token token=${API_KEY}` } });
  expect(res.status).toBe(200);
}

describe('loadTasks against the Freshsales simulator', () => {
  it('links every task to its contact, orphans tasks of contacts that did not load, fails a rejected one, counts exactly', async () => {
    const people: Array<{ contact: ReturnType<typeof contact>; fate: ContactFate }> = [
      { contact: contact('A'), fate: 'loaded' },
      { contact: contact('B'), fate: 'loaded' },
      { contact: contact('D'), fate: 'loaded' },
      { contact: contact('Q', { email: null }), fate: 'quarantined' },
      { contact: contact('F'), fate: 'failed' },
      { contact: contact('M', { email: 'userA@example.com' }), fate: { mergedInto: key('A') } },
    ];
    const ids = await seedContactPhase(store, runId, client, people);
    // D was journaled, then deleted in Freshsales: its task create is a 400 with the vendor's reason.
    await deleteContact(ids.get(key('D'))!);
    const data = {
      interactions: [
        ...interactions('A', '881', ['delivered', 'opened', 'clicked']),
        ...interactions('B', '881', ['opened']),
        ...interactions('Q', '881', ['opened']),
        ...interactions('F', '881', ['clicked']),
        ...interactions('M', '881', ['opened']),
        ...interactions('U', '881', ['opened']),
        ...interactions('D', '881', ['opened']),
      ],
      events: [...events('A', 'purchase', 2), ...events('A', 'app_open', 3), ...events('B', 'purchase', 1)],
    };
    const contactOf = new Map([...data.interactions, ...data.events].map((r) => [r.sourceKey, r.contactKey]));
    const source = createFakeSource(data);
    const executor = new RecordingExecutor(new InProcessExecutor(3));
    const d = deps(source, { executor, ownerId: null });
    const extracted = await extractTasks(d);
    // delivered is not a kept kind; app_open is not high-value.
    expect(extracted.staged).toBe(2 + 1 + 1 + 1 + 1 + 1 + 1 + 2 + 1);
    const summary = await loadTasks(d);
    // First tasks of this workdir: one adoption listing (completed, then open), nothing adopted.
    expect(summary.adopted).toBe(0);
    expect(summary.listingPages).toBe(2);

    const counts = await store.counts(runId, 'task');
    // M was merged into A by email: its task follows A (re-parented), it is not orphaned.
    expect(counts).toMatchObject({ source: 11, created: 7, failed: 1, orphaned: 3, reparented: 1, quarantined: 0, verified: 7, mismatched: 0 });
    expect(checkBalance({ object: 'task', ...counts })).toBeNull();

    // Every created task hangs on its own contact (a merged one's on the survivor), with the original timestamp.
    const tasks = simTasks();
    expect(tasks).toHaveLength(7);
    const journal = await store.journal(runId, 'task', 0, 100);
    const survivorOf = (k: string) => (k === key('M') ? key('A') : k);
    for (const j of journal) {
      const t = tasks.find((x) => String(x.id) === j.destId)!;
      expect(markerKeyOf(t.description)).toBe(j.sourceKey);
      expect(String(t.targetable_id)).toBe(ids.get(survivorOf(contactOf.get(j.sourceKey)!)));
      expect(t.targetable_type).toBe('Contact');
      expect(t.status).toBe(1);
    }
    const opened = tasks.find((t) => markerKeyOf(t.description) === 'xtremepush:message:881-A:opened')!;
    expect(opened.title).toBe('Campaign 881 — opened');
    // delivered, opened, clicked are a minute apart in the fixture: opened is 10:01.
    expect(opened.due_date).toBe('2024-03-01T10:01:00.000Z');

    // Orphans name the contact and why it is missing; nothing was attached to a stand-in.
    const orphans = new Map((await store.orphans(runId, 'task', 10)).map((o) => [o.sourceKey, o.reason]));
    expect(orphans.get('xtremepush:message:881-Q:opened')).toBe(`contact ${key('Q')} was not migrated (quarantined: Freshsales requires an email)`);
    expect(orphans.get('xtremepush:message:881-F:clicked')).toMatch(new RegExp(`^contact ${key('F')} was not migrated \\(failed: .*not a valid email`));
    expect(orphans.has('xtremepush:message:881-M:opened')).toBe(false);
    expect(journal.some((j) => j.sourceKey === 'xtremepush:message:881-M:opened')).toBe(true);
    expect(orphans.get('xtremepush:message:881-U:opened')).toMatch(/^contact xtremepush:profile:U was not migrated \(not in this run's contacts/);

    const failures = await store.failures(runId, 'task', 10);
    expect(failures).toEqual([{ sourceKey: 'xtremepush:message:881-D:opened', reason: expect.stringMatching(/^Freshsales rejected the task \(HTTP 400\): targetable_id .* does not exist/) }]);

    // All of a contact's tasks, interactions and events alike (and its merged duplicate's), were one unit.
    const unitOfA = executor.units.find((u) => (u as unknown as { contactKey: string }).contactKey === key('A')) as unknown as { seqs: number[] };
    expect(unitOfA.seqs).toHaveLength(5);
    expect(new Set(executor.units.map((u) => (u as unknown as { contactKey: string }).contactKey)).size).toBe(executor.units.length);

    // Running the phase again writes nothing more.
    await loadTasks(d);
    expect(simTasks()).toHaveLength(7);
  });

  it('reconciles tasks a crash left "sent" by their marker before creating anything again', async () => {
    const ids = await seedContactPhase(store, runId, client, [{ contact: contact('A'), fate: 'loaded' }]);
    const source = createFakeSource({ interactions: interactions('A', '7', ['opened', 'clicked']), events: events('A', 'purchase', 2) });
    const d = deps(source);
    await extractTasks(d);
    const staged = await store.stagedByStatus(runId, 'task', ['ready'], 0, 10);
    expect(staged).toHaveLength(4);
    // Crash simulation: two creates were sent; the first reached Freshsales, the second did not.
    const [applied, lost] = staged;
    await store.markRecordsSent(runId, 'task', [applied!.sourceKey, lost!.sourceKey]);
    const direct = await client.createTask({ ...(applied!.payload as TaskPayload), targetable_id: Number(ids.get(key('A'))) });

    const before = sim.stats().byRoute['POST /api/tasks'] ?? 0;
    const summary = await loadTasks(d);
    // The workdir had no task journal yet, so the tasks carrying markers were looked for before
    // the first create (adoption), the applied one found; the lost one stays in doubt until the
    // reconciliation round lists again. Each listing reads completed, then open tasks.
    expect(summary.adopted + summary.reconciled).toBe(1);
    expect(summary.listingPages).toBe(4);
    expect(sim.stats().byRoute['GET /api/tasks']).toBe(4);
    // Two ready ones plus the lost one; the applied one is not created again.
    expect((sim.stats().byRoute['POST /api/tasks'] ?? 0) - before).toBe(3);

    const tasks = simTasks();
    expect(tasks).toHaveLength(4);
    expect(new Set(tasks.map((t) => markerKeyOf(t.description))).size).toBe(4);
    const journal = await store.journal(runId, 'task', 0, 10);
    expect(journal.find((j) => j.sourceKey === applied!.sourceKey)?.destId).toBe(direct.id);
    expect(await store.counts(runId, 'task')).toMatchObject({ source: 4, created: 4, verified: 4 });
  });

  it('finds a migrated task a user re-opened during the run by its marker, and does not create it again', async () => {
    const ids = await seedContactPhase(store, runId, client, [{ contact: contact('A'), fate: 'loaded' }]);
    const source = createFakeSource({ interactions: interactions('A', '7', ['opened']) });
    const d = deps(source);
    await extractTasks(d);
    const [row] = await store.stagedByStatus(runId, 'task', ['ready'], 0, 10);
    await store.markRecordsSent(runId, 'task', [row!.sourceKey]);
    const direct = await client.createTask({ ...(row!.payload as TaskPayload), targetable_id: Number(ids.get(key('A'))) });
    // Someone re-opens it in Freshsales before the run resumes.
    await fetch(`${sim.url}/api/tasks/${direct.id}`, {
      method: 'PUT',
      headers: { authorization: `Token token=${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ task: { status: 0 } }),
    });
    const summary = await loadTasks(d);
    expect(summary.adopted + summary.reconciled).toBe(1);
    expect(simTasks()).toHaveLength(1);
    expect((await store.journal(runId, 'task', 0, 10))[0]?.destId).toBe(direct.id);
  });

  it('creates no duplicate when creates fail ambiguously (5xx, timeouts with a short client timeout)', async () => {
    ({ client, http } = await (async () => {
      await http.close();
      return testClient(sim.url, API_KEY, { timeoutMs: 250 });
    })());
    const people = ['A', 'B', 'C', 'D', 'E'].map((id) => ({ contact: contact(id), fate: 'loaded' as const }));
    await seedContactPhase(store, runId, client, people);
    const source = createFakeSource({
      interactions: people.flatMap((p) => interactions(p.contact.sourceId, '12', ['opened', 'clicked'])),
      events: people.flatMap((p) => events(p.contact.sourceId, 'purchase', 6)),
      pageSize: 7,
    });
    sim.setFaults('5xx=0.12,timeout=0.06,seed=9');
    const d = deps(source, { executor: new InProcessExecutor(2) });
    await extractTasks(d);
    const summary = await loadTasks(d);
    sim.setFaults('');

    expect(sim.stats().faultsInjected).toBeGreaterThan(0);
    // Something was in doubt and was resolved by listing, not by blind re-creation.
    expect(summary.listingPages).toBeGreaterThan(0);
    const tasks = simTasks();
    const markers = tasks.map((t) => markerKeyOf(t.description));
    expect(new Set(markers).size).toBe(markers.length);
    expect(tasks).toHaveLength(40);
    const counts = await store.counts(runId, 'task');
    expect(counts).toMatchObject({ source: 40, created: 40, failed: 0, orphaned: 0 });
    const journal = await store.journal(runId, 'task', 0, 100);
    for (const j of journal) expect(markerKeyOf(tasks.find((t) => String(t.id) === j.destId)!.description)).toBe(j.sourceKey);
  });

  it('does not create tasks an earlier run already journaled (cutover delta)', async () => {
    await seedContactPhase(store, runId, client, [{ contact: contact('A'), fate: 'loaded' }]);
    const source = createFakeSource({ interactions: interactions('A', '5', ['opened', 'clicked']) });
    await extractTasks(deps(source));
    await loadTasks(deps(source));
    await store.finishRun(runId, 'completed', new Date());

    const next = (await store.openRun({ command: 'migrate', configHash: 'c', mapHash: 'm', now: new Date() })).run.id;
    const more = createFakeSource({ interactions: [...interactions('A', '5', ['opened', 'clicked']), ...interactions('A', '6', ['opened'])] });
    const out = await extractTasks(deps(more, { runId: next }));
    expect(out).toEqual({ staged: 1, alreadyMigrated: 2 });
    await loadTasks(deps(more, { runId: next }));
    expect(simTasks()).toHaveLength(3);
  });
});
