import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { emailKey } from '../../src/mapping/normalise.js';
import { openStore, runMigrate } from '../../src/pipeline/migrate.js';
import { silentProgress } from '../../src/pipeline/progress.js';
import { checkBalance } from '../../src/reports/reconciliation.js';
import { confirmMap } from '../../src/pipeline/map-gate.js';
import { API_KEY, expectedContactCounts, startHarness, type Harness } from '../helpers/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

// Far from UTC, so any local-time slip in timestamps would show as a changed instant or day.
beforeAll(() => {
  process.env.TZ = 'Pacific/Kiritimati';
});

/** The instant a `YYYY-MM-DD HH:MM:SS +HH:MM` text names, computed without Date's local time. */
function instantOf(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\s*([+-])(\d{2}):?(\d{2}))?/.exec(text.trim());
  if (!m) throw new Error(`unreadable timestamp ${text}`);
  const [, y, mo, d, hh, mi, ss, sign, oh, om] = m;
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(hh), Number(mi), Number(ss));
  const off = sign ? (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000 : 0;
  return utc - off;
}

async function get<T>(h: Harness, path: string): Promise<T> {
  const res = await fetch(`${h.fs.url}${path}`, { headers: { authorization: `Token token=${API_KEY}` } });
  return (await res.json()) as T;
}

describe('every Xtremepush object, end to end, with faults on', () => {
  it('loads contacts, accounts, deals and tasks in order, linked, verified and reconciled exactly', async () => {
    h = await startHarness({ profiles: 300, seed: 23, fs: { timeScale: 3600, bulkJobMs: 1500 }, confirm: false, objects: 'all' });
    // Opt in to deals, own everything by one user, and keep the high-value event policy.
    const map = readFileSync(h.loaded.mappingFile, 'utf8').replace(/(\n {2}deal:[\s\S]*?\n {4}enabled: )false/, '$1true');
    writeFileSync(h.loaded.mappingFile, `${map}\nowners:\n  default: avery.admin@example.com\n`);
    const store0 = openStore(h.loaded);
    await confirmMap({ store: store0, mappingFile: h.loaded.mappingFile, by: 'test', now: new Date() });
    store0.close();
    h.loaded.config.destination.timeoutMs = 1500;
    h.fs.setFaults('5xx=0.03,timeout=0.005,429=0.01,burst=100,bulkfail=0.05,seed=9');

    const out = join(h.dir, 'out');
    const r = await runMigrate({ loaded: h.loaded, outDir: out, logger: silentLogger(), progress: silentProgress });
    const want = expectedContactCounts(h.dataset);
    const byObject = Object.fromEntries(r.report.phases.map((p) => [p.object, p]));
    expect(Object.keys(byObject)).toEqual(['contact', 'account', 'deal', 'task']);
    for (const p of r.report.phases) {
      expect(checkBalance(p), p.object).toBeNull();
      expect(p.failed, `${p.object} failed`).toBe(0);
      expect(p.mismatched, `${p.object} mismatched`).toBe(0);
      expect(p.verified, `${p.object} verified`).toBe(p.created + p.updated);
    }
    expect(byObject.contact).toMatchObject({ source: want.source, quarantined: want.quarantined, merged: want.merged, created: want.loaded });

    const snap = h.fs.snapshot() as unknown as {
      contacts: Array<{ id: number; email: string; tags?: string[]; owner_id?: number; contact_status_id?: number; custom_field?: Record<string, unknown> }>;
      deals: Array<{ id: number; name: string; amount: string; contact_ids?: number[]; sales_account_id?: number; owner_id?: number }>;
      tasks: Array<{ id: number; targetable_id: number; targetable_type: string; due_date: string; title: string; description: string }>;
    };
    const owners = await get<{ users: Array<{ id: number; email: string }> }>(h, '/api/selector/owners');
    const avery = owners.users.find((u) => u.email === 'avery.admin@example.com')!.id;
    const statuses = await get<{ contact_statuses: Array<{ id: number; name: string }> }>(h, '/api/selector/contact_statuses');
    const statusName = new Map(statuses.contact_statuses.map((s) => [s.id, s.name]));
    const lifecycleToStatus: Record<string, string> = { subscriber: 'New', lead: 'Contacted', engaged: 'Interested', loyal: 'Won', churned: 'Churned' };

    // Journal: source key → Freshsales id, per object.
    const store = openStore(h.loaded);
    const journal = async (object: 'contact' | 'deal' | 'task' | 'account') => new Map((await store.journal(r.report.runId, object, 0, 100_000)).map((j) => [j.sourceKey, j.destId]));
    const contactIds = await journal('contact');
    const dealIds = await journal('deal');
    const taskIds = await journal('task');
    // Profiles merged into a duplicate by email: their history follows the survivor.
    const survivor = await store.mergedInto(r.report.runId, 'contact', h.dataset.profiles.map((p) => `xtremepush:profile:${p.profile_id}`));
    store.close();
    expect(survivor.size).toBeGreaterThan(0);
    const ownerOf = (profileKey: string) => survivor.get(profileKey) ?? profileKey;
    const losersOf = new Map<string, string[]>();
    for (const [loser, winner] of survivor) losersOf.set(winner, [...(losersOf.get(winner) ?? []), loser.slice('xtremepush:profile:'.length)]);

    // Contacts: owner, lifecycle status by name, segment and source tags.
    const byId = new Map(snap.contacts.map((c) => [String(c.id), c]));
    const profiles = new Map(h.dataset.profiles.map((p) => [`xtremepush:profile:${p.profile_id}`, p]));
    const segmentsOf = new Map<string, Set<string>>();
    for (const seg of h.dataset.segments) for (const id of h.dataset.segmentMembers[String(seg.id)] ?? []) {
      const set = segmentsOf.get(id) ?? new Set<string>();
      set.add(seg.name);
      segmentsOf.set(id, set);
    }
    const tagsOf = new Map<string, Set<string>>();
    for (const t of h.dataset.tagHits) tagsOf.set(t.profile_id, (tagsOf.get(t.profile_id) ?? new Set()).add(t.tag));
    let checkedLifecycle = 0;
    for (const [key, destId] of contactIds) {
      const c = byId.get(destId)!;
      const p = profiles.get(key)!;
      expect(emailKey(c.email)).toBe(emailKey(p.email));
      expect(c.owner_id).toBe(avery);
      const expectedTags = [p.profile_id, ...(losersOf.get(key) ?? [])].flatMap((id) => [...(segmentsOf.get(id) ?? []), ...(tagsOf.get(id) ?? [])]);
      expect(c.tags ?? []).toEqual(expect.arrayContaining(expectedTags));
      if (p.lifecycle_stage) {
        expect(statusName.get(c.contact_status_id!)).toBe(lifecycleToStatus[p.lifecycle_stage]);
        checkedLifecycle++;
      }
    }
    expect(checkedLifecycle).toBeGreaterThan(100);

    // Deals: one per loaded contact with a tier, amount from the bracket, linked to its contact and the shared account.
    const amounts: Record<string, number> = { bronze: 100, silver: 500, gold: 2000, platinum: 10000 };
    const withTier = [...contactIds.keys()].filter((k) => amounts[String(profiles.get(k)!.loyalty_tier)] !== undefined);
    expect(dealIds.size).toBe(withTier.length);
    const dealsById = new Map(snap.deals.map((d) => [String(d.id), d]));
    const accountIds = new Set(snap.deals.map((d) => d.sales_account_id));
    expect(accountIds.size).toBe(1);
    for (const [contactKey, dealId] of dealIds) {
      const d = dealsById.get(dealId)!;
      expect(Number(d.amount)).toBe(amounts[String(profiles.get(contactKey)!.loyalty_tier)]);
      expect(d.contact_ids).toContain(Number(contactIds.get(contactKey)));
    }

    // Tasks: every interaction and high-value event of a loaded contact, on that contact, at its original instant.
    const tasksById = new Map(snap.tasks.map((t) => [String(t.id), t]));
    expect(snap.tasks.length).toBe(taskIds.size);
    const expectedTasks = new Map<string, { contactKey: string; at: number }>();
    for (const m of h.dataset.messages) {
      const contactKey = ownerOf(`xtremepush:profile:${m.profile_id}`);
      if (!contactIds.has(contactKey)) continue;
      if (m.delivery) expectedTasks.set(`xtremepush:message:${m.id}:delivered`, { contactKey, at: m.create_time * 1000 });
      if (m.open) expectedTasks.set(`xtremepush:message:${m.id}:opened`, { contactKey, at: (m.open_time ?? m.create_time) * 1000 });
      if (m.click) expectedTasks.set(`xtremepush:message:${m.id}:clicked`, { contactKey, at: (m.click_time ?? m.open_time ?? m.create_time) * 1000 });
    }
    let hv = 0;
    for (const e of h.dataset.events) if ((e.event === 'deposit' || e.event === 'purchase') && contactIds.has(ownerOf(`xtremepush:profile:${e.profile_id}`))) hv++;
    expect(byObject.task!.created).toBe(expectedTasks.size + hv);
    expect(byObject.task!.reparented).toBeGreaterThan(0);
    for (const [key, taskId] of taskIds) {
      const t = tasksById.get(taskId)!;
      const exp = expectedTasks.get(key);
      if (exp) {
        expect(String(t.targetable_id)).toBe(contactIds.get(exp.contactKey));
        expect(Date.parse(t.due_date)).toBe(exp.at);
      } else {
        expect(key.startsWith('xtremepush:event:')).toBe(true);
        expect(t.description).toContain(`[crm-migrate ${key}]`);
      }
    }
    // Events keep their original instant (offsets honoured, whatever TZ this process runs in).
    const events = h.dataset.events.filter((e) => (e.event === 'deposit' || e.event === 'purchase') && contactIds.has(ownerOf(`xtremepush:profile:${e.profile_id}`)));
    const eventInstants = new Set(events.map((e) => instantOf(e.timestamp)));
    const eventTasks = [...taskIds.keys()].filter((k) => k.startsWith('xtremepush:event:')).map((k) => tasksById.get(taskIds.get(k)!)!);
    expect(eventTasks.length).toBe(events.length);
    for (const t of eventTasks) expect(eventInstants.has(Date.parse(t.due_date))).toBe(true);
    // Tasks of contacts that did not load (quarantined, failed) are orphaned, never attached elsewhere;
    // none is orphaned for having been merged.
    expect(byObject.task!.orphaned).toBeGreaterThan(0);
    const orphanCsv = readFileSync(join(out, 'latest', 'orphans.csv'), 'utf8');
    expect(orphanCsv).not.toMatch(/merged into/);

    // Device dataset: every device, owner-only.
    const devices = join(out, 'latest', 'devices.csv');
    expect(statSync(devices).mode & 0o777).toBe(0o600);
    expect(readFileSync(devices, 'utf8').trim().split(/\r?\n/).length - 1).toBe(h.dataset.devices.length);
    for (const f of ['inventory-segments.md', 'inventory-campaigns.md', 'inventory-gamification.md', 'inventory-tags.md']) expect(readFileSync(join(out, 'latest', f), 'utf8').length).toBeGreaterThan(100);
    expect(h.fs.stats().faultsInjected).toBeGreaterThan(0);
  });
});
