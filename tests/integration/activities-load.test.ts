/**
 * The timeline phase writing sales activities against the Freshsales simulator (under the
 * readings `CRM_SIM_READINGS` picks): the type and fields resolved by name before any write,
 * every activity on its contact with the original instant and its typed fields, orphans and
 * refusals counted exactly, a create a crash left `sent` and creates made ambiguous by injected
 * timeouts found again by their marker (across listing pages), never created twice; and the
 * simulator's admin route for custom activity types.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFreshsalesSim, type FreshsalesSim } from '../../simulators/freshsales/index.js';
import { systemClock } from '../../src/core/clock.js';
import { ConfigError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import type { CanonicalEvent, CanonicalInteraction } from '../../src/core/model.js';
import type { HttpClient } from '../../src/http/client.js';
import { timelineWriter, type FreshsalesClient } from '../../src/connectors/freshsales/index.js';
import { parseMappingSpec, type TaskMap } from '../../src/mapping/spec.js';
import { InProcessExecutor } from '../../src/pipeline/executor.js';
import { silentProgress } from '../../src/pipeline/progress.js';
import { extractTasks, loadTasks, markerKeyOf, resolveTimelineTarget, type SalesActivityPayload, type TaskPhaseDeps } from '../../src/pipeline/tasks.js';
import { checkBalance } from '../../src/reports/reconciliation.js';
import { openSqliteStore, type SqliteStateStore } from '../../src/state/sqlite.js';
import { contact as fakeContact, createFakeSource, seedContactPhase, testClient } from '../helpers/fake-source.js';
import { simReadings } from '../helpers/harness.js';

const API_KEY = 'fs-activities-key-71c2';

let dir: string;
let sim: FreshsalesSim;
let store: SqliteStateStore;
let http: HttpClient;
let client: FreshsalesClient;
let runId: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'crm-activities-'));
  sim = await startFreshsalesSim({ ...simReadings(), apiKey: API_KEY, plan: 'growth', timeScale: 3600, seed: 5 });
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

const key = (id: string) => `netmera:user:${id}`;
const contact = (id: string, over: Parameters<typeof fakeContact>[1] = {}) => fakeContact(id, { sourceKey: key(id), ...over });

/** The map's task section as a user writes it: events as sales activities of "App event", amount and order number as fields. */
const MAP: TaskMap = parseMappingSpec(
  `version: 1
source: netmera
objects:
  contact: { fields: [{ from: email, to: emails }] }
  task:
    timeline: sales_activities
    sales_activity:
      type: App event
      fields:
        - { from: parameters.amount, to: { custom: Amount, type: number } }
        - { from: parameters.order, to: { custom: Order number, type: text } }
        - { from: channel, to: { custom: Channel, type: text } }
    interactions: [opened]
    events: { policy: all }
`,
  'map.yaml',
).objects.task!;

/** The admin's part: the type and the fields the map names. */
function prepareAccount(): void {
  sim.addSalesActivityType('App event');
  sim.addCustomField('sales_activities', { label: 'Amount', type: 'number' });
  sim.addCustomField('sales_activities', { label: 'Order number', type: 'text' });
  sim.addCustomField('sales_activities', { label: 'Channel', type: 'text' });
}

function events(contactId: string, n: number, start = Date.UTC(2024, 1, 1, 8)): CanonicalEvent[] {
  return Array.from({ length: n }, (_, i) => {
    const at = new Date(start + i * 3_600_500);
    return {
      sourceKey: `netmera:event:${contactId}-${i}:0`,
      contactKey: key(contactId),
      event: 'Purchase',
      value: null,
      deviceId: null,
      occurredAt: at.toISOString(),
      occurredAtRaw: at.toISOString(),
      parameters: { amount: 10 + i + 0.25, order: `SP-${contactId}-${i}` },
    };
  });
}

function opened(contactId: string, campaign: string): CanonicalInteraction {
  return { sourceKey: `netmera:push:${campaign}:${contactId}:opened`, contactKey: key(contactId), campaignId: campaign, campaignName: `Push ${campaign}`, channel: 'push', kind: 'opened', occurredAt: '2024-03-01T10:00:00.000Z' };
}

async function deps(source: ReturnType<typeof createFakeSource>, over: Partial<TaskPhaseDeps> = {}): Promise<TaskPhaseDeps> {
  return {
    store, runId, source, dest: client, map: MAP, ownerId: null, executor: new InProcessExecutor(3), clock: systemClock, logger: silentLogger(), progress: silentProgress,
    target: await resolveTimelineTarget(client, MAP), ...over,
  };
}

type SimActivity = {
  id: number; title: string; notes: string; start_date: string; end_date: string; sales_activity_type_id: number; targetable_type: string; targetable_id: number;
  custom_field: Record<string, unknown>;
};
const simActivities = () => sim.snapshot().sales_activities as SimActivity[];

async function fieldName(label: string): Promise<string> {
  return (await client.fields('sales_activities')).find((f) => f.label === label)!.name;
}

describe('the sales activity type and fields, resolved before any write', () => {
  it('names a missing type and the ones the account has; a missing field likewise', async () => {
    const err = await resolveTimelineTarget(client, MAP).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/^sales activity type "App event" is not in this Freshsales account \(it has: Phone, Meeting, Chat, Email, Demo\).*Nothing was written\.$/);
    sim.addSalesActivityType('App event');
    await expect(resolveTimelineTarget(client, MAP)).rejects.toThrow(/sales activity custom fields do not match the map \(3 problems\)[\s\S]*missing: "Amount" \(number\)/);
    expect(sim.snapshot().sales_activities).toHaveLength(0);
  });
});

describe('loadTasks with sales activities', () => {
  it('puts every activity on its contact with the original instant and typed fields; orphans and refusals counted exactly', async () => {
    prepareAccount();
    const ids = await seedContactPhase(store, runId, client, [
      { contact: contact('A'), fate: 'loaded' },
      { contact: contact('B'), fate: 'loaded' },
      { contact: contact('D'), fate: 'loaded' },
      { contact: contact('Q', { email: null }), fate: 'quarantined' },
    ]);
    // D is gone from Freshsales: its create is refused (400) with the vendor's reason.
    const gone = await fetch(`${sim.url}/api/contacts/${ids.get(key('D'))}`, { method: 'DELETE', headers: { authorization: `Token token=${API_KEY}` } });
    expect(gone.status).toBe(200);
    const source = createFakeSource({ events: [...events('A', 3), ...events('B', 1), ...events('Q', 2), ...events('D', 1)], interactions: [opened('A', 'k9'), opened('U', 'k9')] });
    const d = await deps(source);
    expect((await extractTasks(d)).staged).toBe(9);
    const summary = await loadTasks(d);
    expect(summary.adopted).toBe(0);

    const counts = await store.counts(runId, 'activity');
    expect(counts).toMatchObject({ source: 9, created: 5, failed: 1, orphaned: 3, quarantined: 0, verified: 5, mismatched: 0 });
    expect(checkBalance({ object: 'activity', ...counts })).toBeNull();
    // Nothing went to tasks.
    expect(await store.counts(runId, 'task')).toMatchObject({ source: 0 });
    expect(sim.snapshot().tasks).toHaveLength(0);

    const [amount, order, channel] = await Promise.all([fieldName('Amount'), fieldName('Order number'), fieldName('Channel')]);
    const typeId = (await client.salesActivityTypes()).find((t) => t.name === 'App event')!.id;
    const all = simActivities();
    expect(all).toHaveLength(5);
    const byId = new Map(all.map((a) => [String(a.id), a]));
    const staged = new Map([...events('A', 3), ...events('B', 1)].map((e) => [e.sourceKey, e]));
    for (const j of await store.journal(runId, 'activity', 0, 100)) {
      const a = byId.get(j.destId)!;
      expect(markerKeyOf(a.notes)).toBe(j.sourceKey);
      expect(String(a.sales_activity_type_id)).toBe(typeId);
      expect(a.targetable_type).toBe('Contact');
      const e = staged.get(j.sourceKey);
      if (e) {
        expect(String(a.targetable_id)).toBe(ids.get(e.contactKey));
        expect(a.title).toBe('Event: Purchase');
        expect(a.start_date).toBe(e.occurredAt);
        expect(a.end_date).toBe(e.occurredAt);
        expect(Number(a.custom_field[amount])).toBe(e.parameters!.amount);
        expect(a.custom_field[order]).toBe(e.parameters!.order);
        expect(a.custom_field[channel] ?? null).toBeNull();
      } else {
        expect(j.sourceKey).toBe('netmera:push:k9:A:opened');
        expect(a).toMatchObject({ title: 'Push k9 — opened', start_date: '2024-03-01T10:00:00.000Z' });
        expect(a.custom_field[channel]).toBe('push');
      }
    }
    expect((await store.failures(runId, 'activity', 10))[0]?.reason).toMatch(/^Freshsales rejected the sales activity \(HTTP 400\): targetable_id .* does not exist/);
    expect((await store.orphans(runId, 'activity', 10)).map((o) => o.sourceKey).sort()).toEqual(['netmera:event:Q-0:0', 'netmera:event:Q-1:0', 'netmera:push:k9:U:opened']);

    // Running the phase again writes nothing more.
    await loadTasks(d);
    expect(simActivities()).toHaveLength(5);
  });

  it('finds creates a crash left "sent" by their marker, across listing pages, and creates only the lost ones', async () => {
    prepareAccount();
    const ids = await seedContactPhase(store, runId, client, [{ contact: contact('A'), fate: 'loaded' }]);
    // 130 activities already in the account (an earlier run's), so the listing has two pages.
    const source = createFakeSource({ events: events('A', 134), pageSize: 50 });
    const d = await deps(source);
    await extractTasks(d);
    const ready = await store.stagedByStatus(runId, 'activity', ['ready'], 0, 1000);
    expect(ready).toHaveLength(134);
    const applied = ready.slice(0, 131);
    const lost = ready.slice(131, 133);
    await store.markRecordsSent(runId, 'activity', [...applied, ...lost].map((r) => r.sourceKey));
    for (const r of applied) await client.createSalesActivity({ ...(r.payload as SalesActivityPayload), targetable_id: Number(ids.get(key('A'))) });
    const posts = () => sim.stats().byRoute['POST /api/sales_activities'] ?? 0;
    const before = posts();

    const summary = await loadTasks(d);
    expect(summary.adopted + summary.reconciled).toBe(131);
    expect(summary.listingPages).toBeGreaterThanOrEqual(2);
    // The lost two and the one never sent; none of the 131 again.
    expect(posts() - before).toBe(3);
    const all = simActivities();
    expect(all).toHaveLength(134);
    expect(new Set(all.map((a) => markerKeyOf(a.notes))).size).toBe(134);
    expect(await store.counts(runId, 'activity')).toMatchObject({ source: 134, created: 134, verified: 134, mismatched: 0 });
  });

  it('creates no duplicate when creates time out (injected) whether or not Freshsales applied them', async () => {
    prepareAccount();
    await http.close();
    ({ client, http } = testClient(sim.url, API_KEY, { timeoutMs: 200 }));
    const people = ['A', 'B', 'C'].map((id) => ({ contact: contact(id), fate: 'loaded' as const }));
    await seedContactPhase(store, runId, client, people);
    const source = createFakeSource({ events: people.flatMap((p) => events(p.contact.sourceId, 8)) });
    const d = await deps(source, { executor: new InProcessExecutor(1) });
    await extractTasks(d);
    sim.setFaults('timeout=0.25,seed=4');
    const summary = await loadTasks(d);
    sim.setFaults('');

    expect(sim.stats().faultsInjected).toBeGreaterThan(0);
    // Some creates timed out after Freshsales applied them: found by marker, not created again.
    expect(summary.reconciled).toBeGreaterThan(0);
    const all = simActivities();
    expect(all).toHaveLength(24);
    expect(new Set(all.map((a) => markerKeyOf(a.notes))).size).toBe(24);
    expect(await store.counts(runId, 'activity')).toMatchObject({ source: 24, created: 24, failed: 0, verified: 24, mismatched: 0 });
  });
});

describe('the simulator: custom sales activity types (admin route) and the activity listing', () => {
  it('POST /__sim/sales_activity_types adds a type the selector lists and the Activity type field offers; a taken name is refused', async () => {
    const res = await fetch(`${new URL(sim.url).origin}/__sim/sales_activity_types`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'App event' }) });
    expect(res.status).toBe(201);
    const made = ((await res.json()) as { sales_activity_type: { id: number; name: string } }).sales_activity_type;
    expect(made.name).toBe('App event');
    expect(made.id).toBeGreaterThan(2 ** 32);
    expect((await client.salesActivityTypes()).map((t) => t.name)).toContain('App event');
    const typeField = (await client.fields('sales_activities')).find((f) => f.name === 'sales_activity_type_id')!;
    expect(typeField.choices?.map((c) => c.value)).toContain('App event');
    const again = await fetch(`${new URL(sim.url).origin}/__sim/sales_activity_types`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'app EVENT' }) });
    expect(again.status).toBe(400);
    const empty = await fetch(`${new URL(sim.url).origin}/__sim/sales_activity_types`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(empty.status).toBe(400);
  });

  it('requires a type on create, and lists and reads activities back in the reading it runs under', async () => {
    const ids = await seedContactPhase(store, runId, client, [{ contact: contact('A'), fate: 'loaded' }]);
    const writer = timelineWriter(client, 'sales_activities');
    const refused = await writer.create({ title: 'x', targetable_type: 'Contact', targetable_id: Number(ids.get(key('A'))) });
    expect(refused).toEqual({ kind: 'rejected', reason: expect.stringMatching(/Sales activity type can't be blank/) });
    const type = (await client.salesActivityTypes())[0]!;
    const made = await writer.create({ title: 'Call', notes: 'n\n[crm-migrate k1]', sales_activity_type_id: Number(type.id), start_date: '2024-03-01T12:00:00+02:00', end_date: '2024-03-01T10:30:00Z', targetable_type: 'Contact', targetable_id: Number(ids.get(key('A'))) });
    expect(made.kind).toBe('created');
    const listed = await client.listSalesActivities({ page: 1, perPage: 100 });
    const got = await client.getSalesActivity(listed.activities[0]!.id);
    // The link reads nested (like tasks) or flat, as the reading says; the client reads either.
    expect(got.targetable?.id ?? got.targetable_id).toBe(ids.get(key('A')));
    expect(Date.parse(got.start_date!)).toBe(Date.parse('2024-03-01T10:00:00Z'));
    expect(listed.total).toBe(1);
    expect(listed.totalPages).toBe(process.env.CRM_SIM_READINGS === 'alternate' ? null : 1);
    expect((await writer.findByMarker(new Set(['k1']))).found.get('k1')?.id).toBe(got.id);
  });
});
