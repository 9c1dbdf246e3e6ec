/**
 * Campaign → deal (opt-in): one deal per campaign, its reported figures in deal number fields,
 * upserted by name, read back and verified; a figure the source does not report is left out
 * (never written as 0); running the phase again updates the same deals, nothing duplicated.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFreshsalesSim, type FreshsalesSim } from '../../simulators/freshsales/index.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import type { CampaignStat, SourceCampaign } from '../../src/core/model.js';
import type { HttpClient } from '../../src/http/client.js';
import { bindCustomFields } from '../../src/pipeline/bind-fields.js';
import { campaignDealName, loadCampaignDeals, resolveDealStage, stageCampaignDeals, type CampaignPhaseDeps } from '../../src/pipeline/deals.js';
import { InProcessExecutor } from '../../src/pipeline/executor.js';
import { silentProgress } from '../../src/pipeline/progress.js';
import { checkBalance } from '../../src/reports/reconciliation.js';
import { openSqliteStore, type SqliteStateStore } from '../../src/state/sqlite.js';
import { createFakeSource, testClient } from '../helpers/fake-source.js';
import { simReadings } from '../helpers/harness.js';

const API_KEY = 'fs-campaign-key-19c2';
let dir: string | undefined;
let sim: FreshsalesSim | undefined;
let store: SqliteStateStore | undefined;
let http: HttpClient | undefined;

afterEach(async () => {
  await store?.close();
  await http?.close();
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = sim = store = http = undefined;
});

const campaign = (id: string, name: string, stats: SourceCampaign['stats']): SourceCampaign => ({
  id, name, channels: ['push'], trigger: 'scheduled', status: 'FINISHED', createdAt: null, activatedAt: null, deactivatedAt: null, raw: {}, stats,
});

const CAMPAIGNS = [
  campaign('101', 'Black Friday – %50 İndirim', { sent: 1200, delivered: null, failed: 30, opened: null, clicked: 210, conversions: null }),
  campaign('102', 'Sepet Hatırlatma', { sent: 400, delivered: null, failed: 0, opened: null, clicked: 55, conversions: null }),
  // The same name twice: the id keeps the deals apart.
  campaign('103', 'Sepet Hatırlatma', null),
];

describe('campaign deals against the Freshsales simulator', () => {
  it('one deal per campaign with its figures in number fields, verified, idempotent on a second run', async () => {
    dir = mkdtempSync(join(tmpdir(), 'crm-campaign-'));
    sim = await startFreshsalesSim({ ...simReadings(), apiKey: API_KEY, plan: 'growth', timeScale: 3600, seed: 5 });
    for (const label of ['Campaign sent', 'Campaign clicked']) {
      const res = await fetch(`${new URL(sim.url).origin}/__sim/fields`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ entity: 'deals', label, type: 'number' }) });
      expect(res.ok).toBe(true);
    }
    store = openSqliteStore(join(dir, 'state.db'));
    const c = testClient(sim.url, API_KEY);
    http = c.http;
    const names = bindCustomFields([{ label: 'Campaign sent', type: 'number' }, { label: 'Campaign clicked', type: 'number' }], await c.client.fields('deals'), 'deals');
    const statFields = new Map<CampaignStat, string>([['sent', names.get('Campaign sent')!], ['clicked', names.get('Campaign clicked')!]]);
    const source = { ...createFakeSource({}), campaigns: async () => CAMPAIGNS };
    const map = { enabled: true, stage: 'New', name_template: '{campaign} ({channel} campaign, {source})', stats: { sent: 'Campaign sent', clicked: 'Campaign clicked' } };
    const run = async () => {
      const runId = (await store!.openRun({ command: 'migrate', configHash: 'c', mapHash: `m${Date.now()}`, now: new Date() })).run.id;
      const d: CampaignPhaseDeps = {
        store: store!, runId, dest: c.client, source, map, sourceLabel: 'Netmera', statFields, ownerId: null, executor: new InProcessExecutor(2), batchSize: 100,
        clock: systemClock, logger: silentLogger(), progress: silentProgress,
      };
      expect(await stageCampaignDeals(d, await resolveDealStage(c.client, map))).toBe(3);
      await loadCampaignDeals(d);
      const counts = await store!.counts(runId, 'campaign');
      await store!.finishRun(runId, 'completed', new Date());
      return counts;
    };

    const first = await run();
    expect(checkBalance({ object: 'campaign', ...first })).toBeNull();
    expect(first).toMatchObject({ source: 3, created: 3, updated: 0, failed: 0, mismatched: 0, verified: 3 });
    const deals = (sim.snapshot() as unknown as { deals: Array<{ name: string; amount: string; custom_field?: Record<string, unknown> }> }).deals;
    expect(deals.map((x) => x.name).sort()).toEqual(
      CAMPAIGNS.map((x) => campaignDealName(map.name_template, x, 'Netmera')).sort(),
    );
    const bf = deals.find((x) => x.name.startsWith('Black Friday'))!;
    expect(bf.name).toBe('Black Friday – %50 İndirim (push campaign, Netmera) [#101]');
    expect(Number(bf.custom_field?.[statFields.get('sent')!])).toBe(1200);
    expect(Number(bf.custom_field?.[statFields.get('clicked')!])).toBe(210);
    // No figures reported: no figure written (not 0).
    const silent = deals.find((x) => x.name.endsWith('[#103]'))!;
    expect(silent.custom_field?.[statFields.get('sent')!] ?? null).toBeNull();

    // A second run finds the same deals by name and updates them: still three.
    const second = await run();
    expect(second).toMatchObject({ source: 3, created: 0, updated: 3, mismatched: 0 });
    expect((sim.snapshot() as unknown as { deals: unknown[] }).deals).toHaveLength(3);
  });
});
