import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFreshsalesSim, type FreshsalesSim, type FreshsalesSimOptions } from '../../simulators/freshsales/index.js';
import { systemClock } from '../../src/core/clock.js';
import { ConfigError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import type { HttpClient } from '../../src/http/client.js';
import type { FreshsalesClient } from '../../src/connectors/freshsales/index.js';
import type { DealMap } from '../../src/mapping/spec.js';
import { contactAccountName, dealName, runDeals, type DealPhaseDeps } from '../../src/pipeline/deals.js';
import { InProcessExecutor } from '../../src/pipeline/executor.js';
import { silentProgress } from '../../src/pipeline/progress.js';
import { checkBalance } from '../../src/reports/reconciliation.js';
import { openSqliteStore, type SqliteStateStore } from '../../src/state/sqlite.js';
import { contact, seedContactPhase, testClient } from '../helpers/fake-source.js';
import { simReadings } from '../helpers/harness.js';

const API_KEY = 'fs-deals-key-6b0d3a';

let dir: string | undefined;
let sim: FreshsalesSim | undefined;
let store: SqliteStateStore | undefined;
let http: HttpClient | undefined;

afterEach(async () => {
  store?.close();
  await http?.close();
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = sim = store = http = undefined;
});

async function setup(simOpts: Partial<FreshsalesSimOptions> = {}) {
  dir = mkdtempSync(join(tmpdir(), 'crm-deals-'));
  sim = await startFreshsalesSim({ ...simReadings(), apiKey: API_KEY, plan: 'growth', timeScale: 3600, seed: 5, ...simOpts });
  store = openSqliteStore(join(dir, 'state.db'));
  const c = testClient(sim.url, API_KEY);
  http = c.http;
  const runId = (await store.openRun({ command: 'migrate', configHash: 'c', mapHash: 'm', now: new Date() })).run.id;
  return { sim, store, client: c.client, runId };
}

const MAP: DealMap = {
  enabled: true,
  from: 'attributes.loyalty_tier',
  amounts: { gold: 500, silver: 200 },
  stage: 'New',
  account: 'shared',
  account_name: 'Xtremepush customers',
  name_template: '{first_name} {last_name} — {value} (Xtremepush)',
};

function deps(s: SqliteStateStore, client: FreshsalesClient, runId: string, over: Partial<DealPhaseDeps> = {}): DealPhaseDeps {
  return {
    store: s, runId, dest: client, map: MAP, ownerId: null, executor: new InProcessExecutor(2), batchSize: 100,
    clock: systemClock, logger: silentLogger(), progress: silentProgress, ...over,
  };
}

const tier = (id: string, loyalty_tier: unknown, over: Parameters<typeof contact>[1] = {}) => ({
  contact: contact(id, { attributes: loyalty_tier === undefined ? {} : { loyalty_tier: loyalty_tier as string }, ...over }),
  fate: 'loaded' as const,
});

type SimDeal = { id: number; name: string; amount: string; deal_stage_id: number; deal_pipeline_id: number; sales_account_id: number | null; contact_ids: number[] };
type SimAccount = { id: number; name: string };

describe('runDeals against the Freshsales simulator', () => {
  it('shared account: one deal per qualifying contact, unique names, amounts read back as strings, updates journaled with before-images', async () => {
    const { sim, store, client, runId } = await setup();
    const people = [
      tier('A', 'gold', { firstName: 'Ann', lastName: 'Lee' }),
      tier('B', 'silver'),
      tier('C', 'bronze'),
      tier('D', undefined),
      // Same name and tier as A: must not collapse into A's deal.
      tier('E', 'gold', { firstName: 'Ann', lastName: 'Lee' }),
      tier('F', 'Gold'),
    ];
    const ids = await seedContactPhase(store, runId, client, people);
    // A deal already carries A's name: it is updated, and its old values are kept for rollback.
    const aName = dealName(MAP.name_template, { firstName: 'Ann', lastName: 'Lee', email: 'usera@example.com', value: 'gold' });
    expect(aName).toBe('Ann Lee — gold (Xtremepush) <usera@example.com>');
    await client.upsert('deals', { name: aName }, { name: aName, amount: 1 });

    const out = await runDeals(deps(store, client, runId));
    expect(out?.stage).toMatchObject({ stageName: 'New', pipelineName: 'Default Pipeline' });
    expect(out?.deals).toMatchObject({ source: 4, created: 3, updated: 1, failed: 0, orphaned: 0, verified: 4, mismatched: 0 });
    expect(out?.accounts).toMatchObject({ source: 1, created: 1, verified: 1 });
    expect(checkBalance({ object: 'deal', ...out!.deals })).toBeNull();

    const snap = sim.snapshot();
    const accounts = snap.sales_accounts as SimAccount[];
    expect(accounts.map((a) => a.name)).toEqual(['Xtremepush customers']);
    const deals = snap.deals as SimDeal[];
    expect(deals).toHaveLength(4);
    expect(new Set(deals.map((x) => x.name)).size).toBe(4);
    const byContact = new Map(deals.map((x) => [String(x.contact_ids[0]), x]));
    for (const [k, amount] of [['A', '500'], ['B', '200'], ['E', '500'], ['F', '500']] as const) {
      const deal = byContact.get(ids.get(`xtremepush:profile:${k}`)!)!;
      expect(deal.amount).toBe(amount);
      expect(deal.sales_account_id).toBe(accounts[0]!.id);
      expect(deal.deal_stage_id).toBe(Number(out!.stage.stageId));
      expect(deal.name).toContain(`<user${k.toLowerCase()}@example.com>`);
    }

    const journal = await store.journal(runId, 'deal', 0, 10);
    const a = journal.find((j) => j.sourceKey === 'xtremepush:profile:A')!;
    expect(a).toMatchObject({ action: 'updated', beforeImage: { name: aName, amount: '1', sales_account_id: null, contact_ids: [] } });
    expect(journal.filter((j) => j.action === 'created')).toHaveLength(3);
    // One bulk call for the four deals; the shared account is one upsert.
    expect(sim.stats().byRoute['POST /api/deals/bulk_upsert']).toBe(1);
    expect(sim.stats().byRoute['POST /api/sales_accounts/upsert']).toBe(1);

    // Done is done: a second call writes nothing.
    const calls = sim.stats().calls;
    await runDeals(deps(store, client, runId));
    expect(sim.stats().calls - calls).toBe(2); // the stage/pipeline selectors only
  });

  it('per-contact accounts: each deal hangs on its own contact\'s account (bulk and single-record batches)', async () => {
    const { sim, store, client, runId } = await setup();
    const ids = await seedContactPhase(store, runId, client, [tier('A', 'gold'), tier('B', 'silver'), tier('C', 'gold', { firstName: null, lastName: null })]);
    const out = await runDeals(deps(store, client, runId, { map: { ...MAP, account: 'per_contact' }, batchSize: 2 }));
    expect(out?.accounts).toMatchObject({ source: 3, created: 3, verified: 3 });
    expect(out?.deals).toMatchObject({ source: 3, created: 3, verified: 3 });
    const snap = sim.snapshot();
    const accounts = new Map((snap.sales_accounts as SimAccount[]).map((x) => [x.id, x.name]));
    expect([...accounts.values()].sort()).toEqual(['FirstA LastA <usera@example.com>', 'FirstB LastB <userb@example.com>', 'userc@example.com']);
    for (const deal of snap.deals as SimDeal[]) {
      const who = [...ids].find(([, id]) => id === String(deal.contact_ids[0]))![0];
      const c = contact(who.split(':').pop()!, who.endsWith('C') ? { firstName: null, lastName: null } : {});
      expect(accounts.get(deal.sales_account_id!)).toBe(contactAccountName({ firstName: c.firstName, lastName: c.lastName, email: c.email!.toLowerCase() }));
    }
  });

  it('no account on a tenant that requires one: each deal fails with the vendor\'s reason', async () => {
    const { sim, store, client, runId } = await setup({ requireDealAccount: true });
    await seedContactPhase(store, runId, client, [tier('A', 'gold'), tier('B', 'silver')]);
    const out = await runDeals(deps(store, client, runId, { map: { ...MAP, account: 'none' } }));
    expect(out?.deals).toMatchObject({ source: 2, created: 0, failed: 2 });
    const failures = await store.failures(runId, 'deal', 10);
    expect(failures).toHaveLength(2);
    // The bulk job's failure report names each refused deal and why: no single write is needed to learn it.
    for (const f of failures) expect(f.reason).toMatch(/^Freshsales refused ".*" in bulk job \d+: .*Need to fill this Account name/);
    expect(sim.stats().byRoute['POST /api/deals/upsert'] ?? 0).toBe(0);
    expect(sim.snapshot().deals).toHaveLength(0);
  });

  it('orphans the deals whose account failed, naming the account and its reason', async () => {
    const { store, client, runId } = await setup();
    await seedContactPhase(store, runId, client, [tier('A', 'gold'), tier('B', 'silver')]);
    const longName = 'Customers '.repeat(30);
    const out = await runDeals(deps(store, client, runId, { map: { ...MAP, account_name: longName } }));
    expect(out?.accounts).toMatchObject({ source: 1, failed: 1 });
    expect(out?.deals).toMatchObject({ source: 2, orphaned: 2, created: 0 });
    const orphans = await store.orphans(runId, 'deal', 10);
    for (const o of orphans) expect(o.reason).toMatch(/^shared account ".*" was not created: Freshsales rejected the account .*too long/);
  });

  it('ends exact, without duplicates, when bulk jobs fail and calls meet 5xx', async () => {
    const { sim, store, client, runId } = await setup({ bulkJobMs: 500 });
    const people = Array.from({ length: 230 }, (_, i) => tier(String(i), i % 3 === 0 ? 'gold' : i % 3 === 1 ? 'silver' : 'none'));
    await seedContactPhase(store, runId, client, people);
    sim.setFaults('5xx=0.05,bulkfail=0.4,seed=4');
    const out = await runDeals(deps(store, client, runId, { map: { ...MAP, account: 'per_contact' } }));
    sim.setFaults('');
    const qualifying = people.filter((p) => p.contact.attributes.loyalty_tier !== 'none').length;
    expect(sim.stats().faultsInjected).toBeGreaterThan(0);
    expect(out?.accounts).toMatchObject({ source: qualifying, created: qualifying, failed: 0, verified: qualifying });
    expect(out?.deals).toMatchObject({ source: qualifying, created: qualifying, failed: 0, orphaned: 0, verified: qualifying });
    const snap = sim.snapshot();
    expect(snap.deals).toHaveLength(qualifying);
    expect(snap.sales_accounts).toHaveLength(qualifying);
    expect(new Set((snap.deals as SimDeal[]).map((x) => x.sales_account_id)).size).toBe(qualifying);
  });

  it('an unknown stage stops before any write, listing the stages the pipeline has', async () => {
    const { sim, store, client, runId } = await setup();
    await seedContactPhase(store, runId, client, [tier('A', 'gold')]);
    const err = await runDeals(deps(store, client, runId, { map: { ...MAP, stage: 'Qualified' } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain('deal stage "Qualified" is not a stage of the "Default Pipeline" pipeline (it has: New, Demo Scheduled, Negotiation, Won, Lost)');
    expect(sim.snapshot().deals).toHaveLength(0);
    expect(sim.snapshot().sales_accounts).toHaveLength(0);
    const renewals = await runDeals(deps(store, client, runId, { map: { ...MAP, pipeline: 'renewals', stage: 'up for renewal', account: 'none' } }));
    expect(renewals?.stage).toMatchObject({ pipelineName: 'Renewals', stageName: 'Up for renewal' });
    expect(renewals?.deals).toMatchObject({ created: 1, verified: 1 });
  });
});
