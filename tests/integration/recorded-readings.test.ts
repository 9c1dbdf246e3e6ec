/**
 * The client against the Freshsales simulator as live accounts answer (the recorded
 * readings: flat job status with a `data` string, list and search answers without owner and
 * lifecycle ids, task links as `targetable`, timestamps in the account's offset without
 * milliseconds, transient 405s on bulk_upsert) and under the other reading of every point the
 * notes leave uncertain. Both must end exact and honest, with before-images that hold what the
 * account really held.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ALTERNATE_READINGS, RECORDED_READINGS, type FreshsalesSimOptions } from '../../simulators/freshsales/index.js';
import { silentLogger } from '../../src/core/logger.js';
import { confirmMap } from '../../src/pipeline/map-gate.js';
import { openStore, runMigrate } from '../../src/pipeline/migrate.js';
import { silentProgress } from '../../src/pipeline/progress.js';
import { checkBalance } from '../../src/reports/reconciliation.js';
import { API_KEY, expectedContactCounts, startHarness, type Harness } from '../helpers/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

type Json = Record<string, unknown>;

async function api(h: Harness, method: string, path: string, body?: unknown): Promise<Json> {
  const res = await fetch(`${h.fs.url}${path}`, {
    method,
    headers: { authorization: `Token token=${API_KEY}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await res.json()) as Json;
}

/** Opt in to deals and own everything by one user, then confirm the map. */
async function allObjects(h: Harness): Promise<void> {
  const map = readFileSync(h.loaded.mappingFile, 'utf8').replace(/(\n {2}deal:[\s\S]*?\n {4}enabled: )false/, '$1true');
  writeFileSync(h.loaded.mappingFile, `${map}\nowners:\n  default: avery.admin@example.com\n`);
  const store = openStore(h.loaded);
  await confirmMap({ store, mappingFile: h.loaded.mappingFile, by: 'test', now: new Date() });
  store.close();
}

/**
 * Put `n` of the source's people into the account first, as someone else's contacts with their
 * own status, tags and a custom value; returns what the account held for each (single GET).
 */
async function seedExisting(h: Harness, n: number): Promise<Map<string, Json>> {
  const users = (await api(h, 'GET', '/api/selector/owners')).users as Array<{ id: number; email: string }>;
  const other = users.find((u) => u.email !== 'avery.admin@example.com')!;
  const stages = (await api(h, 'GET', '/api/selector/lifecycle_stages')).lifecycle_stages as Array<{ id: number; name: string; contact_status_ids: number[] }>;
  const stage = stages[stages.length - 1]!;
  const fields = (await api(h, 'GET', '/api/settings/contacts/fields')).fields as Array<{ name: string; type: string; label: string }>;
  const text = fields.find((f) => f.name.startsWith('cf_') && f.type === 'text');
  const held = new Map<string, Json>();
  const seen = new Set<string>();
  for (const p of h.dataset.profiles) {
    if (held.size >= n) break;
    const email = p.email?.trim();
    if (!email || !/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i.test(email) || seen.has(email.toLowerCase())) continue;
    seen.add(email.toLowerCase());
    const created = await api(h, 'POST', '/api/contacts', {
      contact: {
        emails: email.toUpperCase(), first_name: 'Existing', job_title: 'Imported 2019', owner_id: other.id,
        lifecycle_stage_id: stage.id, contact_status_id: stage.contact_status_ids[0], tags: ['crm-old'],
        ...(text ? { custom_field: { [text.name]: 'held before' } } : {}),
      },
    });
    const contact = created.contact as Json | undefined;
    if (!contact) continue;
    held.set(email.toLowerCase(), (await api(h, 'GET', `/api/contacts/${contact.id}`)).contact as Json);
  }
  return held;
}

const READINGS: Array<[string, Partial<FreshsalesSimOptions>]> = [
  // Spelled out, so CRM_SIM_READINGS (which sets the harness default) cannot change this case.
  ['recorded readings', RECORDED_READINGS],
  ['the other reading of every [?]', ALTERNATE_READINGS],
];

describe.each(READINGS)('a whole migration under %s, with faults', (name, reading) => {
  it('ends exact and honest, with before-images of what the account held', async () => {
    h = await startHarness({ profiles: 240, seed: 31, fs: { timeScale: 3600, bulkJobMs: 1200, ...reading }, confirm: false, objects: 'all' });
    await allObjects(h);
    const held = await seedExisting(h, 12);
    expect(held.size).toBe(12);
    h.loaded.config.destination.timeoutMs = 1500;
    h.fs.setFaults('5xx=0.03,timeout=0.005,429=0.01,burst=100,bulkfail=0.05,bulk405=0.05,seed=4');

    const r = await runMigrate({ loaded: h.loaded, outDir: join(h.dir, 'out'), logger: silentLogger(), progress: silentProgress });
    const want = expectedContactCounts(h.dataset);
    const byObject = Object.fromEntries(r.report.phases.map((p) => [p.object, p]));
    for (const p of r.report.phases) {
      expect(checkBalance(p), `${name}: ${p.object}`).toBeNull();
      expect(p.failed, `${p.object} failed`).toBe(0);
      expect(p.mismatched, `${p.object} mismatched`).toBe(0);
      expect(p.verified, `${p.object} verified`).toBe(p.created + p.updated);
    }
    expect(byObject.contact).toMatchObject({ source: want.source, quarantined: want.quarantined, merged: want.merged, updated: 12 });
    expect(byObject.contact!.created + byObject.contact!.updated).toBe(want.loaded);
    expect(byObject.task!.created).toBeGreaterThan(0);
    expect(h.fs.stats().faultsInjected).toBeGreaterThan(0);

    // Honest verification: what the reads cannot show is counted unverifiable, never a mismatch.
    const unverifiable = new Set((r.report.unverifiableFields ?? []).filter((u) => u.object === 'contact').map((u) => u.field));
    if (reading.filteredSearchFields === 'full') {
      expect(byObject.contact!.unverifiable).toBe(0);
    } else {
      // The map writes the status (its stage follows); owner_id is read with include=owner.
      expect(unverifiable).toEqual(new Set(['contact_status_id']));
      // Every contact the map gave a status (nearly all) has that one field unverified.
      expect(byObject.contact!.unverifiable).toBeGreaterThan((byObject.contact!.created + byObject.contact!.updated) * 0.9);
      expect(byObject.contact!.unverifiable).toBeLessThanOrEqual(byObject.contact!.created + byObject.contact!.updated);
      // A deal's contacts are not in search answers either.
      expect((r.report.unverifiableFields ?? []).some((u) => u.object === 'deal' && u.field === 'contacts')).toBe(true);
    }
    // Tasks are verified through whatever link form the reads use.
    expect(byObject.task!.unverifiable ?? 0).toBe(0);

    // Before-images: every field the migration wrote, as the account held it (single reads where lists fall short).
    const store = openStore(h.loaded);
    const journal = await store.journal(r.report.runId, 'contact', 0, 100_000);
    store.close();
    const snap = h.fs.snapshot() as unknown as { contacts: Array<{ id: number; email: string; tags: string[]; owner_id: number }> };
    const updated = journal.filter((j) => j.action === 'updated');
    expect(updated).toHaveLength(12);
    for (const j of updated) {
      const now = snap.contacts.find((c) => String(c.id) === j.destId)!;
      const before = held.get(now.email.toLowerCase())!;
      const image = j.beforeImage as Json & { custom_field?: Json };
      for (const f of ['owner_id', 'lifecycle_stage_id', 'contact_status_id', 'tags']) {
        if (f in image) expect(image[f], `${now.email} ${f}`).toEqual(before[f]);
      }
      expect(image.owner_id).toEqual(before.owner_id);
      expect(image.contact_status_id).toEqual(before.contact_status_id);
      for (const [cf, v] of Object.entries(image.custom_field ?? {})) expect(v, `${now.email} ${cf}`).toEqual((before.custom_field as Json)[cf]);
      // Tags already on the contact survive the migration's write.
      expect(now.tags, `${name} ${now.email} image ${JSON.stringify(image.tags)}`).toContain('crm-old');
    }
  });
});

describe('the budget plan under the recorded readings', () => {
  it('predicts the calls a run spends within 10%', async () => {
    h = await startHarness({ profiles: 400, seed: 37, fs: { timeScale: 3600, bulkJobMs: 800, ...RECORDED_READINGS }, confirm: false, objects: 'all' });
    await allObjects(h);
    await seedExisting(h, 10);
    const r = await runMigrate({ loaded: h.loaded, outDir: join(h.dir, 'out'), logger: silentLogger(), progress: silentProgress });
    const { estimatedCalls, actualCalls } = r.report.plan!;
    expect(Math.abs(actualCalls - estimatedCalls) / estimatedCalls, `estimated ${estimatedCalls}, spent ${actualCalls}`).toBeLessThanOrEqual(0.1);
  });
});
