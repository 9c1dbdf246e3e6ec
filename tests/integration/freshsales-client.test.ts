/**
 * The Freshsales client against the simulator's recorded behaviour: a transient 405 on
 * bulk_upsert is retried before it counts as "no bulk endpoint", and a filtered search pages
 * through the query string until meta says it has everything.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startFreshsalesSim, type FreshsalesSim } from '../../simulators/freshsales/index.js';
import { TerminalError } from '../../src/core/errors.js';
import type { HttpClient } from '../../src/http/client.js';
import { testClient } from '../helpers/fake-source.js';

const KEY = 'fs-client-key-77';
let sim: FreshsalesSim;
let http: HttpClient;
afterEach(async () => {
  await http?.close();
  await sim?.close();
});

describe('Freshsales client', () => {
  it('retries a 405 from bulk_upsert, then succeeds; a 405 that persists is rethrown after the retries', async () => {
    sim = await startFreshsalesSim({ apiKey: KEY, seed: 3, bulkJobMs: 0, faults: 'bulk405=0.6,seed=1' });
    const t = testClient(sim.url, KEY);
    http = t.http;
    const waits: string[] = [];
    const { jobRef } = await t.client.bulkUpsert('contacts', [{ emails: 'a@x.com', data: { first_name: 'A' } }], (m) => waits.push(m));
    expect(jobRef).toMatch(/^\d+$/);
    expect(waits.length).toBeGreaterThan(0);
    expect(waits[0]).toMatch(/answered 405 \(often transient\): retry 1 of 10/);

    sim.setFaults('bulk405=1');
    const before = sim.stats().byRoute['POST /api/contacts/bulk_upsert'] ?? 0;
    const err = await t.client.bulkUpsert('contacts', [{ emails: 'b@x.com', data: {} }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TerminalError);
    expect((err as TerminalError).http?.status).toBe(405);
    expect((sim.stats().byRoute['POST /api/contacts/bulk_upsert'] ?? 0) - before).toBe(11);
  });

  it('pages a filtered search through the query string until meta says it has everything', async () => {
    sim = await startFreshsalesSim({ apiKey: KEY, seed: 3 });
    const t = testClient(sim.url, KEY);
    http = t.http;
    for (let i = 0; i < 130; i++) await t.client.upsert('contacts', { emails: `p${i}@x.com` }, { first_name: `P${i}` });
    const all = await t.client.filteredSearchAll('contacts', [{ attribute: 'created_at', operator: 'is_after', value: '2000-01-01T00:00:00Z' }], { include: 'owner' });
    expect(all.calls).toBe(2);
    expect(new Set(all.records.map((r) => r.id)).size).toBe(130);
    expect(all.records.every((r) => 'owner_id' in r && !('contact_status_id' in r))).toBe(true);
  });
});
