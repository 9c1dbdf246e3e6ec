/**
 * Reference resolution end to end: the simulator's `list/location`, the connector's
 * `referenceTable`, and a whole `runMigrate` whose proposed map resolves
 * `favourite_venue_id` — Freshsales ends with the venue's readable label (or the raw id
 * where the venue was deleted), every field verified.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateXtremepushDataset, type XtremepushDataset } from '../../simulators/generator/index.js';
import { startXtremepushSim, type XtremepushSim } from '../../simulators/xtremepush/index.js';
import { ConfigError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { createSource } from '../../src/connectors/registry.js';
import type { SourceConnector } from '../../src/connectors/source.js';
import { XtremepushConfig } from '../../src/connectors/xtremepush/index.js';
import { loadMappingSpec } from '../../src/mapping/spec.js';
import { runDiscover } from '../../src/pipeline/discover.js';
import { confirmMap } from '../../src/pipeline/map-gate.js';
import { openStore, runMigrate } from '../../src/pipeline/migrate.js';
import type { Progress } from '../../src/pipeline/progress.js';
import { checkBalance } from '../../src/reports/reconciliation.js';
import { API_KEY, expectedContactCounts, startHarness, type Harness } from '../helpers/harness.js';

const TOKEN = 'xp-refs-token-3b9e';

/** The label the connector is expected to give a location, computed here from the raw row. */
const labelOf = (l: { name: string; city: string }) => `${l.name} (${l.city})`;

/** A progress that keeps the notes (what the run tells its operator). */
function recordingProgress(): Progress & { notes: string[] } {
  const notes: string[] = [];
  return { notes, start() {}, advance() {}, end() {}, note: (m) => void notes.push(m) };
}

describe('list/location and referenceTable against the Xtremepush simulator', () => {
  let ds: XtremepushDataset;
  let sim: XtremepushSim;
  let source: SourceConnector;
  const post = async (model: string, body: Record<string, unknown>) => {
    const res = await fetch(`${sim.url}/api/external/list/${model}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apptoken: TOKEN, ...body }) });
    return { status: res.status, body: (await res.json()) as { success: boolean; data?: Array<Record<string, unknown>>; message?: string } };
  };

  beforeAll(async () => {
    ds = generateXtremepushDataset({ profiles: 50, seed: 5 });
    sim = await startXtremepushSim({ apptoken: TOKEN, dataset: ds, pageCap: 7 });
    source = createSource(XtremepushConfig.parse({ type: 'xtremepush', baseUrl: sim.url, apptoken: TOKEN, pageSize: 5 }), { logger: silentLogger() });
  });
  afterAll(async () => {
    await source.close();
    await sim.close();
  });

  it('answers list/location with condition, select, order and limit, and pages by keyset on the text id', async () => {
    const first = await post('location', { order: ['id ASC'], limit: 5 });
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(5);
    for (const row of first.body.data!) expect(Object.keys(row).sort()).toEqual(['city', 'id', 'name']);
    // Keyset paging on the text id visits every location once.
    const seen: string[] = [];
    for (let after: string | null = null; ;) {
      const page = await post('location', { condition: after === null ? [] : [['id', '>', after]], order: ['id ASC'], limit: 5 });
      const rows = page.body.data!;
      if (rows.length === 0) break;
      seen.push(...rows.map((r) => String(r.id)));
      after = String(rows[rows.length - 1]!.id);
    }
    expect([...seen].sort()).toEqual(ds.locations.map((l) => l.id).sort());
    expect(new Set(seen).size).toBe(seen.length);
    // The page cap still applies, a condition filters, select projects, an unknown field is a 400.
    expect((await post('location', { limit: 100 })).body.data).toHaveLength(7);
    const city = ds.locations[0]!.city;
    const inCity = await post('location', { condition: [['city', '=', city]], select: ['name'], limit: 100 });
    expect(inCity.body.data).toEqual(ds.locations.filter((l) => l.city === city).map((l) => ({ name: l.name })));
    const bad = await post('location', { condition: [['venue', '=', 'x']] });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/unknown field "venue"/);
  });

  it('referenceTable("location") reads every location, paging the list call, as id → "Name (City)"', async () => {
    const before = sim.stats().byRoute['list/location'] ?? 0;
    const table = await source.referenceTable('location');
    expect(table).toEqual(new Map(ds.locations.map((l) => [l.id, labelOf(l)])));
    // Pages of 5 until an empty page (the API may cap a page silently, so a short one proves nothing).
    const calls = (sim.stats().byRoute['list/location'] ?? 0) - before;
    expect(calls).toBe(Math.ceil(ds.locations.length / 5) + 1);
  });

  it('refuses a model it does not offer with a ConfigError naming the models it does', async () => {
    const err = await source.referenceTable('venue').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe('Xtremepush has no "venue" records to resolve references against (it offers: location)');
  });
});

describe('migrate with resolve: location', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('writes the venue label (or the raw id of a deleted venue) into Freshsales, every field verified, and says how many ids did not resolve', async () => {
    h = await startHarness({ profiles: 400, seed: 11 });
    // The proposed (and confirmed) map resolves the reference attribute on its own.
    const field = loadMappingSpec(h.loaded.mappingFile).objects.contact.fields.find((f) => f.from === 'attributes.favourite_venue_id');
    expect(field).toEqual({ from: 'attributes.favourite_venue_id', to: { custom: 'Favourite venue', type: 'text' }, transform: 'text', resolve: 'location', on_invalid: 'drop_field' });

    const progress = recordingProgress();
    const r = await runMigrate({ loaded: h.loaded, outDir: join(h.dir, 'out'), logger: silentLogger(), progress });
    const want = expectedContactCounts(h.dataset);
    const phase = r.report.phases[0]!;
    expect(phase).toMatchObject({ object: 'contact', source: want.source, quarantined: want.quarantined, merged: want.merged, failed: 0, mismatched: 0 });
    expect(phase.created + phase.updated).toBe(want.loaded);
    expect(phase.verified).toBe(want.loaded);
    expect(checkBalance(phase)).toBeNull();

    const fields = (await (await fetch(`${h.fs.url}/api/settings/contacts/fields`, { headers: { authorization: `Token token=${API_KEY}` } })).json()) as { fields: Array<{ name: string; label: string }> };
    const cf = fields.fields.find((f) => f.label === 'Favourite venue')!.name;
    const labels = new Map(h.dataset.locations.map((l) => [l.id, labelOf(l)]));
    const profiles = new Map(h.dataset.profiles.map((p) => [`xtremepush:profile:${p.profile_id}`, p]));
    const contacts = new Map((h.fs.snapshot().contacts as Array<{ id: number; custom_field?: Record<string, unknown> }>).map((c) => [String(c.id), c]));
    const store = openStore(h.loaded);
    const journal = await store.journal(r.report.runId, 'contact', 0, 100_000);
    store.close();
    expect(journal).toHaveLength(want.loaded);
    let resolved = 0;
    let raw = 0;
    for (const j of journal) {
      const venue = profiles.get(j.sourceKey)!.favourite_venue_id;
      const written = contacts.get(j.destId)!.custom_field?.[cf];
      if (typeof venue !== 'string') {
        expect(written ?? null, j.sourceKey).toBeNull();
      } else if (labels.has(venue)) {
        expect(written, j.sourceKey).toBe(labels.get(venue));
        resolved++;
      } else {
        expect(written, j.sourceKey).toBe(venue);
        raw++;
      }
    }
    expect(resolved).toBeGreaterThan(150);
    expect(raw).toBeGreaterThan(0);

    // The notes say the table was read and how many loaded contacts kept a raw id (before the merge).
    expect(progress.notes).toContain(`read ${labels.size} location record(s) to resolve references (resolve: location)`);
    const quarantined = new Set([...h.dataset.truth.missingEmail, ...h.dataset.truth.invalidEmail, ...h.dataset.truth.tooLongNames]);
    const dangling = h.dataset.profiles.filter((p) => !quarantined.has(p.profile_id) && typeof p.favourite_venue_id === 'string' && !labels.has(p.favourite_venue_id));
    const note = progress.notes.find((n) => n.includes('name no record in the source'));
    expect(note).toMatch(new RegExp(`^${dangling.length} reference\\(s\\) name no record in the source \\(Favourite venue → location: loc_\\d+`));
    expect(note).toMatch(/: written as the raw id$/);
    // Up to five example ids, the first met in profile order.
    for (const id of [...new Set(dangling.map((p) => p.favourite_venue_id!))].slice(0, 5)) expect(note).toContain(id);
  });

  it('stops before any write when the map resolves against a model the source does not offer', async () => {
    h = await startHarness({ profiles: 40, seed: 11 });
    const text = readFileSync(h.loaded.mappingFile, 'utf8');
    // The field line, not the evidence comment above it (which names the model too).
    const line = /^(\s+)resolve: location$/m;
    expect(text).toMatch(line);
    writeFileSync(h.loaded.mappingFile, text.replace(line, '$1resolve: venue'));
    expect(loadMappingSpec(h.loaded.mappingFile).objects.contact.fields.some((f) => f.resolve === 'venue')).toBe(true);
    const store = openStore(h.loaded);
    await confirmMap({ store, mappingFile: h.loaded.mappingFile, by: 'test', now: new Date() });
    store.close();
    const err = await runMigrate({ loaded: h.loaded, outDir: join(h.dir, 'out'), logger: silentLogger(), progress: recordingProgress() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/no "venue" records .*\(it offers: location\)/);
    expect(h.fs.snapshot().contacts).toHaveLength(0);
  });

  it('discovery judges resolved values with the table: deleted venues are warnings, no venue is an error', async () => {
    h = await startHarness({ profiles: 300, seed: 11, confirm: false, createFields: false });
    const source = createSource(h.loaded.config.source, { logger: silentLogger() });
    try {
      const map = loadMappingSpec(h.loaded.mappingFile).objects.contact;
      const res = await runDiscover({ source, outDir: join(h.dir, 'discovery'), map, now: () => Date.UTC(2025, 0, 2) });
      const ids = new Set(h.dataset.locations.map((l) => l.id));
      const dangling = h.dataset.profiles.filter((p) => typeof p.favourite_venue_id === 'string' && !ids.has(p.favourite_venue_id));
      expect(dangling.length).toBeGreaterThan(0);
      expect(res.quality.totals.unresolved_reference).toBe(dangling.length);
      const flagged = res.quality.rows.filter((r) => r.flags.some((f) => f.kind === 'unresolved_reference')).map((r) => r.sourceId).sort();
      expect(flagged).toEqual(dangling.map((p) => p.profile_id).sort());
      for (const row of res.quality.rows) for (const f of row.flags) if (f.severity === 'error') expect(f.message).not.toMatch(/venue/i);
      expect(res.notes.filter((n) => n.includes('location'))).toEqual([]);
      // The inventory still flags the attribute as a reference.
      expect(res.inventory.attributes.find((a) => a.key === 'attributes.favourite_venue_id')!.reference).toBeDefined();
    } finally {
      await source.close();
    }
  });
});
