/**
 * Campaign notes, end to end from the Netmera simulator to the Freshsales simulator: every
 * campaign deal gets exactly one note with its campaign's content and the marker line last,
 * reconciled and verified; a second run writes none again; timeouts injected on the note
 * creates never duplicate a note (Freshsales cannot list notes, so an unknown outcome is
 * reported in doubt and not created again, in that run or the next); rollback deletes the notes
 * before the deals they hang on.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { campaignNoteKey } from '../../src/pipeline/campaign-note-text.js';
import { NOTES_IN_DOUBT_META } from '../../src/pipeline/campaign-notes.js';
import { confirmMap } from '../../src/pipeline/map-gate.js';
import { openStore, runMigrate } from '../../src/pipeline/migrate.js';
import type { Progress } from '../../src/pipeline/progress.js';
import { runRollback } from '../../src/pipeline/rollback.js';
import { runSchemaApply } from '../../src/pipeline/schema.js';
import { checkBalance } from '../../src/reports/reconciliation.js';
import { startNetmeraHarness, type NetmeraHarness } from '../helpers/netmera-harness.js';

let h: NetmeraHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

interface SnapNote { id: number; description: string; targetable_type: string; targetable_id: number }
interface SnapDeal { id: number; name: string }
const notesOf = (hh: NetmeraHarness) => (hh.fs.snapshot() as unknown as { notes: SnapNote[] }).notes;
const dealsOf = (hh: NetmeraHarness) => (hh.fs.snapshot() as unknown as { deals: SnapDeal[] }).deals;

function recording(hooks: { onNote?: (m: string) => void; onStart?: (step: string) => void } = {}): Progress & { notes: string[]; starts: string[] } {
  const notes: string[] = [];
  const starts: string[] = [];
  return {
    notes, starts,
    start: (s) => void (starts.push(s), hooks.onStart?.(s)),
    advance() {},
    end() {},
    note: (m) => void (notes.push(m), hooks.onNote?.(m)),
  };
}

/** The harness with campaign deals opted in (content notes on by default), their fields created, the map confirmed. */
async function withCampaignDeals(seed: number): Promise<NetmeraHarness> {
  const hh = await startNetmeraHarness({ users: 40, seed, confirm: false, createFields: false });
  const doc = parseDocument(readFileSync(hh.loaded.mappingFile, 'utf8'));
  expect(doc.getIn(['objects', 'campaign', 'enabled'])).toBe(false);
  doc.setIn(['objects', 'campaign', 'enabled'], true);
  writeFileSync(hh.loaded.mappingFile, doc.toString());
  await runSchemaApply({ loaded: hh.loaded, logger: silentLogger() });
  const store = openStore(hh.loaded);
  try {
    await confirmMap({ store, mappingFile: hh.loaded.mappingFile, by: 'test', now: new Date() });
  } finally {
    await store.close();
  }
  return hh;
}

describe('campaign notes', () => {
  it('one note per campaign deal with its content and marker, reconciled; not written again; rollback deletes notes before deals', async () => {
    h = await withCampaignDeals(31);
    const out = join(h.dir, 'out');
    const r = await runMigrate({ loaded: h.loaded, outDir: out, logger: silentLogger(), progress: recording() });
    const byObject = Object.fromEntries(r.report.phases.map((p) => [p.object, p]));
    expect(Object.keys(byObject)).toEqual(['contact', 'campaign', 'campaign_note']);
    const campaigns = h.dataset.campaigns;
    expect(campaigns.length).toBeGreaterThan(3);
    const note = byObject.campaign_note!;
    expect(checkBalance(note)).toBeNull();
    expect(note).toMatchObject({ source: campaigns.length, created: campaigns.length, failed: 0, mismatched: 0, verified: campaigns.length });
    const planned = r.plan.phases.find((p) => p.object === 'campaign_note')!;
    expect(planned.calls).toBe(campaigns.length);
    expect(planned.lines[0]).toMatch(new RegExp(`^campaign notes: ${campaigns.length} `));

    const deals = dealsOf(h);
    const notes = notesOf(h);
    expect(notes).toHaveLength(campaigns.length);
    for (const c of campaigns) {
      const deal = deals.find((d) => d.name.includes(`[#${c.notificationKey}]`));
      expect(deal, c.title).toBeDefined();
      const onDeal = notes.filter((n) => String(n.targetable_id) === String(deal!.id));
      expect(onDeal, c.title).toHaveLength(1);
      const text = onDeal[0]!.description;
      expect(onDeal[0]!.targetable_type).toBe('Deal');
      expect(text.split('\n')[0]).toBe(`Netmera campaign: ${c.title} (id ${c.notificationKey})`);
      expect(text.split('\n').at(-1)).toBe(`[crm-migrate ${campaignNoteKey(c.notificationKey)}]`);
      expect(text).toContain(`Channel: ${c.channel.toLowerCase()}`);
      if (c.content.title) expect(text).toContain(`Title: ${c.content.title}`);
      if (c.channel !== 'EMAIL') expect(text).toContain(`Text: ${c.content.text}`);
      for (const cr of c.creatives) {
        expect(text).toContain(`${cr.fileName} (${cr.type})`);
        expect(text).not.toContain(cr.url);
      }
      if (c.labels.length > 0) expect(text).toContain(`Labels: ${c.labels.join(', ')}`);
      expect(text).toContain(`Schedule: type ${c.schedule.type}`);
      // Markup is never written: an email body goes as its text.
      expect(text).not.toMatch(/<\/?[a-z][^>]*>/i);
    }

    // A second run: the campaign deals are unchanged and their notes exist: nothing written again.
    const again = await runMigrate({ loaded: h.loaded, outDir: out, logger: silentLogger(), progress: recording() });
    expect(notesOf(h)).toHaveLength(campaigns.length);
    const note2 = again.report.phases.find((p) => p.object === 'campaign_note');
    expect(note2?.created ?? 0).toBe(0);

    // Rollback: the notes go before the deals they hang on.
    let notesLeftWhenDealsStarted: number | null = null;
    const rb = await runRollback({
      loaded: h.loaded, outDir: join(h.dir, 'rollback'), logger: silentLogger(), all: true,
      progress: recording({ onStart: (s) => { if (s === 'rollback: campaign deals') notesLeftWhenDealsStarted = notesOf(h!).length; } }),
    });
    expect(rb.withErrors).toBe(false);
    const phase = Object.fromEntries(rb.report.phases.map((p) => [p.object, p]));
    expect(phase.campaign_note).toMatchObject({ deleted: campaigns.length, kept: 0, failed: 0 });
    expect(phase.campaign).toMatchObject({ deleted: campaigns.length, failed: 0 });
    expect(rb.report.phases.map((p) => p.object).indexOf('campaign_note')).toBeLessThan(rb.report.phases.map((p) => p.object).indexOf('campaign'));
    expect(notesLeftWhenDealsStarted).toBe(0);
    expect(notesOf(h)).toHaveLength(0);
    expect(dealsOf(h)).toHaveLength(0);
  });

  it('timeouts on the note creates never duplicate a note: unknown outcomes are reported in doubt and not created again', async () => {
    h = await withCampaignDeals(37);
    const hh = h;
    hh.loaded.config.destination.timeoutMs = 400;
    // Faults only while the notes load: every create is a coin toss between an answer and a held
    // socket (the note written or not, the client cannot tell).
    const progress = recording({
      onStart: (s) => { if (s === 'load campaign notes') hh.fs.setFaults('timeout=0.5,seed=4'); },
      onNote: (m) => { if (/campaign note\(s\) in doubt/.test(m)) hh.fs.setFaults(''); },
    });
    const out = join(hh.dir, 'out');
    const r = await runMigrate({ loaded: hh.loaded, outDir: out, logger: silentLogger(), progress });
    hh.fs.setFaults('');
    const campaigns = hh.dataset.campaigns;
    const note = r.report.phases.find((p) => p.object === 'campaign_note')!;
    expect(checkBalance(note)).toBeNull();
    expect(note.failed).toBeGreaterThan(0);
    expect(note.created).toBeGreaterThan(0);
    expect(note.created + note.failed).toBe(campaigns.length);
    expect(note.mismatched).toBe(0);
    const store = openStore(hh.loaded);
    let inDoubt: Record<string, { dealId: string }>;
    try {
      inDoubt = JSON.parse((await store.getMeta(NOTES_IN_DOUBT_META)) ?? '{}') as Record<string, { dealId: string }>;
      const failures = await store.failures(r.report.runId, 'campaign_note', 100);
      expect(failures).toHaveLength(note.failed);
      for (const f of failures) {
        expect(f.reason).toMatch(/^in doubt: .*not created again/);
        expect(inDoubt[f.sourceKey]?.dealId).toMatch(/^\d+$/);
      }
    } finally {
      await store.close();
    }
    const perDeal = () => {
      const m = new Map<string, number>();
      for (const n of notesOf(hh)) m.set(String(n.targetable_id), (m.get(String(n.targetable_id)) ?? 0) + 1);
      return m;
    };
    // Some timed-out creates were applied: they stand, once; none is ever twice.
    const first = perDeal();
    expect([...first.values()].every((n) => n === 1)).toBe(true);
    expect(notesOf(hh).length).toBeGreaterThanOrEqual(note.created);

    // The next run (no faults) creates none of the in-doubt notes again, nor the created ones.
    const again = await runMigrate({ loaded: hh.loaded, outDir: out, logger: silentLogger(), progress: recording() });
    expect(again.report.phases.find((p) => p.object === 'campaign_note')?.created ?? 0).toBe(0);
    expect(perDeal()).toEqual(first);
    expect(Object.keys(inDoubt)).toHaveLength(note.failed);
  });
});
