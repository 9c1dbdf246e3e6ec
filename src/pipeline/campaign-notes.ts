/**
 * The campaign-note phase: one Freshsales note on each campaign deal with the campaign's
 * content (campaign-note-text.ts), so the deal shows what was sent, not only how it performed.
 *
 * Notes have no bulk endpoint (one create each) and the create is not idempotent, so each note
 * is marked `sent` (committed) before its create and journaled (object `campaign_note`, the
 * note's id) with its verification after. Unlike tasks, a note cannot be found again: the API
 * notes name no listing or read of notes (and the simulator has none), so a create whose outcome
 * is unknown (timeout, dropped connection, unreadable answer, or a crash between the mark and the
 * answer) is resolved the only honest way left — reported as **in doubt** (a failure naming the
 * deal, so a person can look) and never created again, in this run or any later one: the key is
 * kept in the store's meta `campaign_note:in_doubt`, and later runs leave it out of their staging.
 * The marker line `[crm-migrate <source key>]` still ends every note, so the note can be told
 * apart by a person (or by a later reading of notes, should one turn up) from one someone wrote.
 */
import { z } from 'zod';
import { payloadHash } from '../core/hash.js';
import { SourceCampaign } from '../core/model.js';
import { createNoteOnce, taskLinkOf, type FsNote } from '../connectors/freshsales/index.js';
import { compareField } from '../mapping/compare.js';
import type { PreparedRecord, StagedRecord, VerifyResult } from '../state/store.js';
import { campaignNoteKey, toCampaignNotePayload, type CampaignNotePayload } from './campaign-note-text.js';
import type { PhaseDeps } from './phase-deps.js';
import type { FieldMismatch } from './verify.js';

const NOTE = 'campaign_note' as const;
const CAMPAIGN = 'campaign' as const;
const READ_CHUNK = 500;
/** Meta key: notes whose create had an unknown outcome, by source key (workdir-wide: never created again). */
export const NOTES_IN_DOUBT_META = 'campaign_note:in_doubt';

const InDoubt = z.record(z.string(), z.strictObject({ runId: z.string(), dealId: z.string(), at: z.string(), message: z.string() }));
type InDoubt = z.infer<typeof InDoubt>;

export interface CampaignNotePhaseDeps extends PhaseDeps {
  /** The source's display name, for the note's first line. */
  sourceLabel: string;
}

/** What the note phase did in this call. */
export interface CampaignNoteSummary {
  created: number;
  /** Creates with an unknown outcome, reported as failures and never created again. */
  inDoubt: number;
}

/** Notes in doubt so far in this workdir (earlier runs included). */
export async function notesInDoubt(d: Pick<PhaseDeps, 'store'>): Promise<InDoubt> {
  const raw = await d.store.getMeta(NOTES_IN_DOUBT_META);
  if (!raw) return {};
  const parsed = InDoubt.safeParse(JSON.parse(raw));
  return parsed.success ? parsed.data : {};
}

/**
 * Stage one note per campaign this run staged for a deal (written now, or unchanged since an
 * earlier run wrote it), leaving out notes an earlier run created (journaled) and notes in
 * doubt; prepare their payloads (matchKey = the campaign deal's source key). A survey step: the
 * campaigns are already in the store, no call is made.
 */
export async function stageCampaignNotes(d: CampaignNotePhaseDeps): Promise<{ staged: number; alreadyWritten: number; inDoubt: number }> {
  const campaigns: Array<{ dealKey: string; campaign: SourceCampaign }> = [];
  for (let after = 0; ; ) {
    const rows = await d.store.stagedByStatus(d.runId, CAMPAIGN, ['staged', 'ready', 'skipped', 'sent', 'loaded', 'failed', 'orphaned'], after, READ_CHUNK);
    if (rows.length === 0) break;
    for (const r of rows) {
      const c = SourceCampaign.safeParse(r.record);
      if (c.success) campaigns.push({ dealKey: r.sourceKey, campaign: c.data });
    }
    after = rows[rows.length - 1]!.seq;
  }
  const keys = campaigns.map((c) => campaignNoteKey(c.campaign.id));
  const written = keys.length > 0 ? await d.store.destIds(NOTE, keys) : new Map<string, string>();
  const doubt = await notesInDoubt(d);
  const fresh = campaigns.filter((c) => !written.has(campaignNoteKey(c.campaign.id)) && doubt[campaignNoteKey(c.campaign.id)] === undefined);
  const inDoubt = campaigns.filter((c) => doubt[campaignNoteKey(c.campaign.id)] !== undefined).length;
  await d.store.stageRecords(
    d.runId,
    NOTE,
    fresh.map((c) => ({ sourceKey: campaignNoteKey(c.campaign.id), sourceId: c.campaign.id, updatedAtMs: null, record: c.campaign })),
    { stream: `${NOTE}:cursor`, value: String(fresh.length) },
  );
  const ready: PreparedRecord[] = fresh.map((c) => {
    const payload = toCampaignNotePayload(c.campaign, d.sourceLabel);
    return { sourceKey: campaignNoteKey(c.campaign.id), matchKey: c.dealKey, payload, payloadHash: payloadHash(payload) };
  });
  await d.store.savePrepared(d.runId, NOTE, ready, []);
  const alreadyWritten = campaigns.length - fresh.length - inDoubt;
  if (alreadyWritten > 0) d.progress.note(`${alreadyWritten} campaign note(s) were written by an earlier run and are not written again`);
  if (inDoubt > 0) {
    d.progress.note(`${inDoubt} campaign note(s) whose create had an unknown outcome in an earlier run are not written again (Freshsales cannot list notes): see that run's failures`);
  }
  return { staged: fresh.length, alreadyWritten, inDoubt };
}

/**
 * Create every ready note on its campaign deal (the deal's id from the journal; a deal that was
 * not written orphans its note), one call each, then resolve what is in doubt: notes this run
 * left `sent` (an unknown outcome now, or a crash of an earlier attempt) become failures naming
 * the deal, recorded so no run creates them again.
 */
export async function loadCampaignNotes(d: CampaignNotePhaseDeps): Promise<CampaignNoteSummary> {
  const rows = await notesWith(d, 'ready');
  const deals = rows.length > 0 ? await d.store.destIds(CAMPAIGN, [...new Set(rows.map((r) => r.matchKey ?? ''))]) : new Map<string, string>();
  let created = 0;
  if (rows.length > 0) {
    d.progress.start('load campaign notes', rows.length);
    let n = 0;
    await d.executor.run(rows.map((row) => ({ phase: NOTE, batchNo: ++n, row })), async ({ row }) => {
      const dealId = deals.get(row.matchKey ?? '');
      if (!dealId) {
        await d.store.markOrphaned(d.runId, NOTE, [{ sourceKey: row.sourceKey, reason: `campaign deal ${row.matchKey} was not written to Freshsales (see the campaign deals' failures)` }]);
      } else if ((await createNote(d, row, dealId)) === 'created') created++;
      d.progress.advance(1);
    });
    d.progress.end();
  }
  const inDoubt = await resolveInDoubt(d);
  return { created, inDoubt };
}

/** This run's notes of one status (a handful: one per campaign). */
async function notesWith(d: CampaignNotePhaseDeps, status: 'ready' | 'sent'): Promise<StagedRecord[]> {
  const rows: StagedRecord[] = [];
  for (let after = 0; ; ) {
    const page = await d.store.stagedByStatus(d.runId, NOTE, [status], after, READ_CHUNK);
    if (page.length === 0) break;
    rows.push(...page);
    after = page[page.length - 1]!.seq;
  }
  return rows;
}

/**
 * One create: `sent` committed before the call; the answer verified and journaled in one
 * transaction. A refusal is a failure with Freshsales' reason; an unknown outcome stays `sent`
 * for `resolveInDoubt`; a failure known not to have been applied is put back to `ready` and
 * stops the run (run it again: the note is created then).
 */
async function createNote(d: CampaignNotePhaseDeps, row: StagedRecord, dealId: string): Promise<'created' | 'failed' | 'in_doubt'> {
  const sent = row.payload as CampaignNotePayload;
  await d.store.markRecordsSent(d.runId, NOTE, [row.sourceKey]);
  const out = await createNoteOnce(d.dest, { ...sent, targetable_id: Number(dealId) });
  const now = new Date(d.clock.now());
  if (out.kind === 'rejected') {
    await d.store.completeRecords(d.runId, NOTE, { journal: [], verify: [], failures: [{ sourceKey: row.sourceKey, reason: out.reason }] }, now);
    return 'failed';
  }
  if (out.kind === 'in_doubt') {
    d.logger.warn({ sourceKey: row.sourceKey, dealId, err: out.message }, 'campaign note create outcome unknown; Freshsales cannot list notes, so it is reported in doubt, not created again');
    await d.store.saveExtras(d.runId, 'campaign_note:doubt', [{ sourceKey: row.sourceKey, data: { dealId, message: out.message } }]);
    return 'in_doubt';
  }
  if (out.kind === 'not_sent') {
    await d.store.savePrepared(d.runId, NOTE, [{ sourceKey: row.sourceKey, matchKey: row.matchKey ?? '', payload: row.payload, payloadHash: row.payloadHash ?? payloadHash(row.payload) }], []);
    throw out.error;
  }
  const v = verifyNote(sent, dealId, out.note);
  await d.store.completeRecords(
    d.runId,
    NOTE,
    {
      journal: [{ sourceKey: row.sourceKey, destId: out.note.id, action: 'created', beforeImage: null, payloadHash: row.payloadHash ?? payloadHash(row.payload) }],
      verify: [{ sourceKey: row.sourceKey, ...v }],
      failures: [],
    },
    now,
  );
  return 'created';
}

/**
 * Every note of this run still `sent`: recorded as in doubt (meta first, so a crash in between
 * leaves it `sent` and resolved again), then a failure naming the deal to look at.
 */
async function resolveInDoubt(d: CampaignNotePhaseDeps): Promise<number> {
  const rows = await notesWith(d, 'sent');
  if (rows.length === 0) return 0;
  const deals = await d.store.destIds(CAMPAIGN, [...new Set(rows.map((r) => r.matchKey ?? ''))]);
  const why = await d.store.extrasFor(d.runId, 'campaign_note:doubt', rows.map((r) => r.sourceKey));
  const at = new Date(d.clock.now()).toISOString();
  const doubt = await notesInDoubt(d);
  for (const r of rows) {
    const message = (why.get(r.sourceKey) as { message?: string } | undefined)?.message ?? 'the run stopped between sending the create and reading its answer';
    doubt[r.sourceKey] = { runId: d.runId, dealId: deals.get(r.matchKey ?? '') ?? '', at, message };
  }
  await d.store.setMeta(NOTES_IN_DOUBT_META, JSON.stringify(doubt));
  await d.store.completeRecords(
    d.runId,
    NOTE,
    {
      journal: [],
      verify: [],
      failures: rows.map((r) => ({
        sourceKey: r.sourceKey,
        reason:
          `in doubt: the note create's outcome is unknown (${doubt[r.sourceKey]!.message}) and Freshsales offers no way to read notes back, ` +
          `so it is not created again (never twice): look at deal ${doubt[r.sourceKey]!.dealId || r.matchKey} in Freshsales and add the note by hand if it is missing`,
      })),
    },
    new Date(d.clock.now()),
  );
  d.progress.note(`${rows.length} campaign note(s) in doubt (create outcome unknown; notes cannot be read back): reported as failures, not created again`);
  return rows.length;
}

/** The note as the create answered it against what was sent: the description (marker included) and the link to its deal. */
export function verifyNote(sent: CampaignNotePayload, dealId: string, got: FsNote): Omit<VerifyResult, 'sourceKey'> {
  const mismatches: FieldMismatch[] = [];
  const check = (field: string, expected: unknown, actual: unknown, ok: boolean) => {
    if (!ok) mismatches.push({ field, expected, actual: actual ?? null });
  };
  check('description', sent.description, got.description, compareField('description', sent.description, got.description, 'text'));
  const link = taskLinkOf(got);
  check('targetable_type', sent.targetable_type, link?.type ?? null, link !== null && link.type === sent.targetable_type.toLowerCase());
  check('targetable_id', dealId, link?.id ?? null, link !== null && link.id === dealId);
  return { ok: mismatches.length === 0, mismatches };
}
