/**
 * The activity timeline as Freshsales sales activities, end to end, from both sources, against
 * the simulators under the readings `CRM_SIM_READINGS` picks: the map chooses sales activities
 * (a custom type, event properties in typed custom fields), schema check names what is missing,
 * schema apply creates the type and fields on the simulator, migrate writes every campaign
 * interaction and high-value event as a sales activity on the right contact at its original
 * instant — under a process time zone far from UTC — journaled under their own phase row and
 * reconciled exactly against the generator's truth; creates made ambiguous by injected timeouts
 * and 5xx are found again by marker, never duplicated.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { markerKeyOf } from '../../src/connectors/freshsales/index.js';
import { confirmMap } from '../../src/pipeline/map-gate.js';
import { openStore, runMigrate } from '../../src/pipeline/migrate.js';
import type { Progress } from '../../src/pipeline/progress.js';
import { runSchemaApply, runSchemaCheck } from '../../src/pipeline/schema.js';
import type { LoadedConfig } from '../../src/pipeline/config.js';
import { checkBalance } from '../../src/reports/reconciliation.js';
import type { FreshsalesSim } from '../../simulators/freshsales/index.js';
import { API_KEY, expectedContactCounts, startHarness, type Harness } from '../helpers/harness.js';
import { expectedInteractions, expectedNetmeraContacts, frozenUsers, nmKey, startNetmeraHarness, type NetmeraHarness } from '../helpers/netmera-harness.js';

let h: Harness | NetmeraHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});
const originalTz = process.env.TZ;
afterAll(() => {
  process.env.TZ = originalTz;
});

/** Run in a zone far from UTC, and make sure the zone really changed. */
function inZone(tz: string, offsetMinutes: number): void {
  process.env.TZ = tz;
  expect(new Date('2024-03-01T00:00:00Z').getTimezoneOffset()).toBe(offsetMinutes);
}

/** The map's task section sent to sales activities of "App event", with these fields. */
function chooseSalesActivities(loaded: LoadedConfig, task: { high_value: string[]; fields: Array<{ from: string; to: Record<string, unknown> }> }): void {
  const doc = parseDocument(readFileSync(loaded.mappingFile, 'utf8'));
  doc.setIn(['objects', 'task', 'timeline'], 'sales_activities');
  doc.setIn(['objects', 'task', 'sales_activity'], doc.createNode({ type: 'App event', fields: task.fields }));
  doc.setIn(['objects', 'task', 'events', 'high_value'], doc.createNode(task.high_value));
  doc.deleteIn(['objects', 'deal']);
  doc.deleteIn(['objects', 'campaign']);
  writeFileSync(loaded.mappingFile, doc.toString());
}

/** schema check names the missing type and fields; schema apply (the simulator's admin) creates them; then the map is confirmed. */
async function prepareAccount(loaded: LoadedConfig, fields: number): Promise<void> {
  const before = await runSchemaCheck({ loaded, logger: silentLogger() });
  expect(before.ok).toBe(false);
  expect(before.activityType).toMatchObject({ name: 'App event', status: 'missing' });
  expect(before.problems).toContain('missing: sales activity type "App event" — create it in Admin Settings → Sales activities (the account has: Phone, Meeting, Chat, Email, Demo)');
  expect(before.bindings.filter((b) => b.entity === 'sales_activities' && b.status === 'missing')).toHaveLength(fields);
  const applied = await runSchemaApply({ loaded, logger: silentLogger() });
  expect(applied.created.filter((c) => c.entity === 'sales_activities')).toHaveLength(fields + 1);
  expect(applied.check.ok).toBe(true);
  expect(applied.check.activityType?.status).toBe('ok');
  const store = openStore(loaded);
  try {
    await confirmMap({ store, mappingFile: loaded.mappingFile, by: 'test', now: new Date() });
  } finally {
    store.close();
  }
}

/** A progress that injects destination faults when the sales activities start loading, and keeps the notes. */
function faultsAtActivities(fs: FreshsalesSim, spec: string): Progress & { notes: string[] } {
  const notes: string[] = [];
  return {
    notes,
    start: (step) => {
      if (step === 'load sales activities') fs.setFaults(spec);
    },
    advance() {},
    end() {},
    note: (m) => void notes.push(m),
  };
}

interface SnapActivity {
  id: number; title: string; notes: string; start_date: string; end_date: string; sales_activity_type_id: number; targetable_type: string; targetable_id: number;
  custom_field: Record<string, unknown>;
}

async function get<T>(fs: FreshsalesSim, path: string): Promise<T> {
  const res = await fetch(`${fs.url}${path}`, { headers: { authorization: `Token token=${API_KEY}` } });
  return (await res.json()) as T;
}

/**
 * What every run must end with: contact and activity rows balanced, nothing failed or
 * mismatched, no task written, every journaled activity in the account exactly once (one per
 * marker), of the "App event" type, on the contact its source record belongs to (the
 * survivor's, once merged), starting and ending at the same instant; the creates' doubt resolved
 * by marker. Returns the activities by source key with the contact key they hang on.
 */
async function checkActivities(hh: Harness | NetmeraHarness, r: Awaited<ReturnType<typeof runMigrate>>, contactKeys: string[]) {
  const byObject = Object.fromEntries(r.report.phases.map((p) => [p.object, p]));
  expect(Object.keys(byObject)).toEqual(['contact', 'activity']);
  for (const p of r.report.phases) {
    expect(checkBalance(p), p.object).toBeNull();
    expect(p.failed, `${p.object} failed`).toBe(0);
    expect(p.mismatched, `${p.object} mismatched`).toBe(0);
    expect(p.verified, `${p.object} verified`).toBe(p.created + p.updated);
  }
  expect(byObject.activity!.quarantined).toBe(0);
  expect(readFileSync(join(r.reportDir, 'reconciliation.html'), 'utf8')).toContain('Sales activities');

  const store = openStore(hh.loaded);
  const contactIds = new Map((await store.journal(r.report.runId, 'contact', 0, 100_000)).map((j) => [j.sourceKey, j.destId]));
  const journal = await store.journal(r.report.runId, 'activity', 0, 100_000);
  const survivor = await store.mergedInto(r.report.runId, 'contact', contactKeys);
  store.close();
  const contactOfId = new Map([...contactIds].map(([k, id]) => [id, k]));

  const snap = hh.fs.snapshot() as unknown as { sales_activities: SnapActivity[]; tasks: unknown[] };
  expect(snap.tasks).toHaveLength(0);
  expect(snap.sales_activities).toHaveLength(journal.length);
  const markers = snap.sales_activities.map((a) => markerKeyOf(a.notes));
  expect(new Set(markers).size).toBe(markers.length);
  const typeId = (await get<{ sales_activity_types: Array<{ id: number; name: string }> }>(hh.fs, '/api/selector/sales_activity_types')).sales_activity_types.find((t) => t.name === 'App event')!.id;
  const byId = new Map(snap.sales_activities.map((a) => [String(a.id), a]));
  const activities = new Map<string, { activity: SnapActivity; contactKey: string }>();
  for (const j of journal) {
    const a = byId.get(j.destId)!;
    expect(markerKeyOf(a.notes), j.sourceKey).toBe(j.sourceKey);
    expect(a.sales_activity_type_id).toBe(typeId);
    expect(a.targetable_type).toBe('Contact');
    expect(a.end_date).toBe(a.start_date);
    activities.set(j.sourceKey, { activity: a, contactKey: contactOfId.get(String(a.targetable_id))! });
  }
  // Faults were injected on the creates, and the ones Freshsales had applied were found by marker.
  const metrics = JSON.parse(readFileSync(join(r.reportDir, 'run-metrics.json'), 'utf8')) as { tasks: { reconciled: number; listingPages: number } };
  expect(hh.fs.stats().faultsInjected).toBeGreaterThan(0);
  expect(metrics.tasks.reconciled).toBeGreaterThan(0);
  return { byObject, contactIds, activities, ownerOf: (k: string) => survivor.get(k) ?? k };
}

/** Field name by label in the sales activity catalogue. */
async function activityField(fs: FreshsalesSim, label: string): Promise<string> {
  const body = await get<{ fields: Array<{ label: string; name: string }> }>(fs, '/api/settings/sales_activities/fields');
  return body.fields.find((f) => f.label === label)!.name;
}

describe('the timeline as sales activities, end to end', () => {
  it('Xtremepush: every interaction and high-value event a sales activity on its contact, exact under TZ=America/Adak', async () => {
    inZone('America/Adak', 600);
    h = await startHarness({ profiles: 150, seed: 29, fs: { timeScale: 3600, bulkJobMs: 1500 }, confirm: false, createFields: false, objects: 'all' });
    const hx = h;
    chooseSalesActivities(hx.loaded, {
      high_value: ['deposit', 'purchase'],
      fields: [
        { from: 'value', to: { custom: 'Event value', type: 'number' } },
        { from: 'device_id', to: { custom: 'Device ID', type: 'text' } },
        { from: 'interaction', to: { custom: 'Interaction', type: 'dropdown', choices: ['delivered', 'opened', 'clicked'] } },
      ],
    });
    await prepareAccount(hx.loaded, 3);
    hx.loaded.config.destination.timeoutMs = 1000;
    hx.fs.setFaults('5xx=0.02,429=0.01,burst=100,bulkfail=0.03,seed=9');
    const r = await runMigrate({ loaded: hx.loaded, outDir: join(hx.dir, 'out'), logger: silentLogger(), progress: faultsAtActivities(hx.fs, 'timeout=0.05,5xx=0.03,seed=13') });
    hx.fs.setFaults('');

    const profileKeys = hx.dataset.profiles.map((p) => `xtremepush:profile:${p.profile_id}`);
    const { byObject, contactIds, activities, ownerOf } = await checkActivities(hx, r, profileKeys);
    const want = expectedContactCounts(hx.dataset);
    expect(byObject.contact).toMatchObject({ source: want.source, quarantined: want.quarantined, merged: want.merged, created: want.loaded });

    // The truth: every interaction (delivered, opened, clicked) and every deposit or purchase, at its original instant.
    const interactions = new Map<string, { contactKey: string; at: number; kind: string }>();
    for (const m of hx.dataset.messages) {
      const contactKey = ownerOf(`xtremepush:profile:${m.profile_id}`);
      if (m.delivery) interactions.set(`xtremepush:message:${m.id}:delivered`, { contactKey, at: m.create_time * 1000, kind: 'delivered' });
      if (m.open) interactions.set(`xtremepush:message:${m.id}:opened`, { contactKey, at: (m.open_time ?? m.create_time) * 1000, kind: 'opened' });
      if (m.click) interactions.set(`xtremepush:message:${m.id}:clicked`, { contactKey, at: (m.click_time ?? m.open_time ?? m.create_time) * 1000, kind: 'clicked' });
    }
    const events = hx.dataset.events.filter((e) => e.event === 'deposit' || e.event === 'purchase');
    const linked = (contactKey: string) => contactIds.has(contactKey);
    const createdWanted = [...interactions.values()].filter((i) => linked(i.contactKey)).length + events.filter((e) => linked(ownerOf(`xtremepush:profile:${e.profile_id}`))).length;
    expect(byObject.activity).toMatchObject({ source: interactions.size + events.length, created: createdWanted, orphaned: interactions.size + events.length - createdWanted });
    expect(byObject.activity!.reparented).toBeGreaterThan(0);
    expect(events.length).toBeGreaterThan(20);

    const [value, device, interaction] = await Promise.all([activityField(hx.fs, 'Event value'), activityField(hx.fs, 'Device ID'), activityField(hx.fs, 'Interaction')]);
    const gotEvents: string[] = [];
    for (const [key, { activity: a, contactKey }] of activities) {
      const i = interactions.get(key);
      if (i) {
        expect(contactKey, key).toBe(i.contactKey);
        expect(Date.parse(a.start_date), key).toBe(i.at);
        expect(a.title.endsWith(` — ${i.kind}`)).toBe(true);
        expect(a.custom_field[interaction]).toBe(i.kind);
      } else {
        expect(key.startsWith('xtremepush:event:')).toBe(true);
        gotEvents.push([contactKey, Date.parse(a.start_date), a.title, Number(a.custom_field[value]), a.custom_field[device] ?? null].join('|'));
      }
    }
    // Events have no id: compared as (contact, instant, title, value, device), one for one; values
    // with binary float noise (66.03999999999999) are kept to Freshsales' 4 decimals.
    const wantEvents = events
      .filter((e) => linked(ownerOf(`xtremepush:profile:${e.profile_id}`)))
      .map((e) => [ownerOf(`xtremepush:profile:${e.profile_id}`), instantOf(e.timestamp), `Event: ${e.event}`, Number(Number(e.value).toFixed(4)), e.device_id === null ? null : String(e.device_id)].join('|'));
    expect(gotEvents.sort()).toEqual(wantEvents.sort());
  });

  it('Netmera: push results and high-value events from the export files as sales activities, parameters in typed fields, exact under TZ=Pacific/Kiritimati', async () => {
    inZone('Pacific/Kiritimati', -840);
    h = await startNetmeraHarness({
      users: 150, seed: 23, objects: 'all', confirm: false, createFields: false,
      source: { timeoutMs: 800, retry: { maxAttempts: 10, baseDelayMs: 20, maxDelayMs: 400 } },
      fs: { timeScale: 3600, bulkJobMs: 1500 },
    });
    const hn = h;
    const ds = hn.dataset;
    const names = new Map(ds.eventDefinitions.map((e) => [e.code, e.name]));
    const HIGH_VALUE = ['satin_alma', 'n:pc', 'SubscriptionStarted'];
    chooseSalesActivities(hn.loaded, {
      high_value: HIGH_VALUE.map((c) => names.get(c) ?? c),
      fields: [
        { from: 'event', to: { custom: 'Event name', type: 'text' } },
        { from: 'parameters.tutar', to: { custom: 'Amount (TRY)', type: 'number' } },
        { from: 'parameters.siparis_no', to: { custom: 'Order number', type: 'text' } },
        { from: 'parameters.rv', to: { custom: 'Revenue', type: 'number' } },
        { from: 'channel', to: { custom: 'Channel', type: 'text' } },
      ],
    });
    await prepareAccount(hn.loaded, 5);
    hn.loaded.config.destination.timeoutMs = 1000;
    hn.fs.setFaults('5xx=0.02,429=0.01,burst=100,bulkfail=0.03,seed=9');
    const progress = faultsAtActivities(hn.fs, 'timeout=0.05,5xx=0.03,seed=17');
    const r = await runMigrate({ loaded: hn.loaded, outDir: join(hn.dir, 'out'), logger: silentLogger(), progress });
    hn.fs.setFaults('');

    const users = frozenUsers(ds, 0);
    const { byObject, contactIds, activities, ownerOf } = await checkActivities(hn, r, users.map((u) => nmKey(u.extId!)));
    const want = expectedNetmeraContacts(ds, users);
    expect(byObject.contact).toMatchObject({ source: want.source, quarantined: want.quarantined, merged: want.merged, created: want.loaded });

    const interactions = expectedInteractions(ds);
    const events = ds.events.filter((e) => HIGH_VALUE.includes(e.code) && e.extId !== null);
    expect(events.length).toBeGreaterThan(10);
    const linkedInteractions = [...interactions.values()].filter((v) => contactIds.has(ownerOf(nmKey(v.extId))));
    const linkedEvents = events.filter((e) => contactIds.has(ownerOf(nmKey(e.extId!))));
    const source = interactions.size + events.length;
    expect(byObject.activity).toMatchObject({ source, created: linkedInteractions.length + linkedEvents.length, orphaned: source - linkedInteractions.length - linkedEvents.length });
    // The budget plan priced every event policy in sales activities before any write, one call each, plus the first load's adoption probe and listing.
    const planned = r.plan.phases.find((p) => p.object === 'activity')!;
    expect(planned.lines[0]).toBe(`sales activities: ${interactions.size} campaign interactions; event policies:`);
    const n = (x: number) => x.toLocaleString('en-US');
    expect(planned.lines).toContainEqual(expect.stringMatching(new RegExp(`^  events policy "high_value": ${n(source)} sales activities → ${n(source)} calls ≈ .* on growth \\(chosen\\)$`)));
    expect(planned.lines).toContainEqual(expect.stringMatching(new RegExp(`^  events policy "summary": ${n(interactions.size)} sales activities → `)));
    expect(planned.calls).toBe(source + 2);
    expect(progress.notes.some((n) => n.startsWith('  adopt:    1 listing call(s) over the account\'s 0 sales activities'))).toBe(true);

    const [eventName, amount, order, revenue, channel] = await Promise.all([
      activityField(hn.fs, 'Event name'), activityField(hn.fs, 'Amount (TRY)'), activityField(hn.fs, 'Order number'), activityField(hn.fs, 'Revenue'), activityField(hn.fs, 'Channel'),
    ]);
    const num = (v: unknown) => (typeof v === 'number' ? Number(v.toPrecision(12)) : null);
    const gotEvents: string[] = [];
    for (const [key, { activity: a, contactKey }] of activities) {
      const i = interactions.get(key);
      if (i) {
        expect(contactKey, key).toBe(ownerOf(nmKey(i.extId)));
        expect(Date.parse(a.start_date), `${key} start ${a.start_date}`).toBe(i.at);
        expect(typeof a.custom_field[channel]).toBe('string');
        expect(a.custom_field[eventName] ?? null).toBeNull();
      } else {
        const cf = a.custom_field;
        gotEvents.push([contactKey, Date.parse(a.start_date), cf[eventName], cf[amount] == null ? null : Number(cf[amount]), cf[order] ?? null, cf[revenue] == null ? null : Number(cf[revenue])].join('|'));
      }
    }
    // Events have no id: compared as (contact, instant, name, amount, order number, revenue), one for one.
    const wantEvents = linkedEvents.map((e) => {
      const p = e.parameters as Record<string, unknown>;
      return [ownerOf(nmKey(e.extId!)), e.timestamp, names.get(e.code) ?? e.code, num(p.tutar), p.siparis_no ?? null, num(p.rv)].join('|');
    });
    expect(gotEvents.sort()).toEqual(wantEvents.sort());
    // Both purchase kinds are there, so both amount fields were exercised.
    expect(linkedEvents.some((e) => e.code === 'satin_alma') && linkedEvents.some((e) => e.code === 'n:pc')).toBe(true);
  });
});

/** The instant a `YYYY-MM-DD HH:MM:SS ±HH:MM` text names, computed by hand (no Date local time). */
function instantOf(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?\s*(?:Z|([+-])(\d{2}):?(\d{2}))?$/.exec(text.trim());
  if (!m) throw new Error(`unreadable timestamp ${text}`);
  const [, y, mo, d, hh, mi, ss, ms, sign, oh, om] = m;
  const offset = sign ? (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000 : 0;
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(hh), Number(mi), Number(ss), Number((ms ?? '0').padEnd(3, '0'))) - offset;
}
