/**
 * The (opt-in) deal phase: engagement-derived deals. For every contact loaded in this run
 * whose `map.from` value (e.g. the loyalty tier) has an amount in `map.amounts`, one deal in
 * the configured stage ("New" by default), linked to the contact and, per `map.account`, to
 * a shared account, an account per contact, or none. Accounts load first (dependency order),
 * then deals, both by `bulk_upsert` 100 per call keyed by name, read back, verified field by
 * field and journaled with before-images. Like contacts, every step is checkpointed, and
 * upserts by name make a resumed batch idempotent.
 */
import { payloadHash } from '../core/hash.js';
import { ConfigError } from '../core/errors.js';
import type { CampaignStat, CanonicalContact, ObjectName } from '../core/model.js';
import { byNameWriter, nameKey, type FreshsalesClient, type FsRecord } from '../connectors/freshsales/index.js';
import type { CampaignMap, DealMap } from '../mapping/spec.js';
import type { SourceConnector } from '../connectors/source.js';
import type { DestinationMatch, FailureEntry, PhaseCounts, PreparedRecord, StagedRecord } from '../state/store.js';
import { BulkLoader, loadBatches, type BulkLoadItem, type BulkLoadSpec } from './bulk-load.js';
import type { BulkPhaseDeps } from './phase-deps.js';
import { beforeImageOf, completeRecord, verifyRecord, type RecordCheck } from './verify.js';

const DEAL = 'deal' as const;
const ACCOUNT = 'account' as const;
const READ_CHUNK = 500;
/** Most items one bulk_upsert takes [api/freshsales.md]. */
const BULK_MAX = 100;
/** Freshsales short-text limit on names. */
const NAME_MAX = 255;

export interface DealPhaseDeps extends BulkPhaseDeps {
  map: DealMap;
  /** The source's display name, for `{source}` in deal names. */
  sourceLabel?: string;
}

/** The stage and pipeline deals are created in, resolved by name through the selectors. */
export interface ResolvedDealStage {
  stageId: string;
  stageName: string;
  pipelineId: string;
  pipelineName: string;
}

/** What `runDeals` ends with (null when deals are not in scope). */
export interface DealPhaseResult {
  stage: ResolvedDealStage;
  deals: PhaseCounts;
  accounts: PhaseCounts;
}

/** What a deal is built from, as staged (one per contact that qualifies). */
export interface DealSource {
  contactKey: string;
  /** The contact's Freshsales id, from the journal. */
  contactId: string;
  /** The contact's email as loaded (normalised; unique among loaded contacts). */
  email: string;
  firstName: string | null;
  lastName: string | null;
  /** The source value the amount derives from (e.g. "gold"). */
  value: string;
  amount: number;
}

type Payload = Record<string, unknown>;

const norm = (s: string) => s.trim().toLowerCase().replace(/\s+/g, ' ');


/**
 * Resolve `map.stage` inside `map.pipeline` (or the account's default pipeline, else the first
 * by position) to ids. Two selector calls. An unknown name is a ConfigError listing what the
 * account has — call this before any write to fail early.
 */
export async function resolveDealStage(dest: FreshsalesClient, map: Pick<DealMap, 'stage' | 'pipeline'>): Promise<ResolvedDealStage> {
  const [pipelines, stages] = await Promise.all([dest.dealPipelines(), dest.dealStages()]);
  const byPosition = [...pipelines].sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
  const pipeline = map.pipeline
    ? pipelines.find((p) => norm(p.name) === norm(map.pipeline!))
    : (pipelines.find((p) => p.is_default === true) ?? byPosition[0]);
  if (!pipeline) {
    throw new ConfigError(
      map.pipeline
        ? `deal pipeline "${map.pipeline}" is not in this Freshsales account (it has: ${pipelines.map((p) => p.name).join(', ')}). Nothing was written.`
        : 'this Freshsales account has no deal pipeline. Nothing was written.',
    );
  }
  const inPipeline = stages.filter((s) => s.deal_pipeline_id === undefined || s.deal_pipeline_id === null || s.deal_pipeline_id === pipeline.id);
  const stage = inPipeline.find((s) => norm(s.name) === norm(map.stage));
  if (!stage) {
    throw new ConfigError(
      `deal stage "${map.stage}" is not a stage of the "${pipeline.name}" pipeline (it has: ${inPipeline.map((s) => s.name).join(', ')}). Nothing was written.`,
    );
  }
  return { stageId: stage.id, stageName: stage.name, pipelineId: pipeline.id, pipelineName: pipeline.name };
}

/**
 * A deal name from the template ({first_name} {last_name} {email} {value}), made unique per
 * contact. Deals upsert by name, so two contacts with the same name and tier would otherwise
 * collapse into one deal: unless the template already carries {email}, the contact's email
 * (unique among loaded contacts: they are merged by email) is appended as ` <email>`. Names are
 * cut to Freshsales' 255 characters, keeping the email.
 */
export function dealName(template: string, v: { firstName: string | null; lastName: string | null; email: string; value: string; source?: string }): string {
  const values: Record<string, string> = { first_name: v.firstName ?? '', last_name: v.lastName ?? '', email: v.email, value: v.value, source: v.source ?? '' };
  const rendered = template.replace(/\{(first_name|last_name|email|value|source)\}/g, (_, k: string) => values[k] ?? '').replace(/\s+/g, ' ').trim();
  if (template.includes('{email}') && rendered.length <= NAME_MAX) return rendered;
  return withSuffix(rendered || v.email, ` <${v.email}>`);
}

/** The account of one contact (account: per_contact): "First Last <email>", or the email alone. */
export function contactAccountName(v: { firstName: string | null; lastName: string | null; email: string }): string {
  const person = [v.firstName, v.lastName].filter((x) => x && x.trim()).join(' ').trim();
  return person ? withSuffix(person, ` <${v.email}>`) : v.email.slice(0, NAME_MAX);
}

function withSuffix(head: string, tail: string): string {
  if (head.length + tail.length <= NAME_MAX) return head + tail;
  return head.slice(0, Math.max(0, NAME_MAX - tail.length - 1)) + '…' + tail;
}

/** Source key of the shared account (one per account name). */
function sharedAccountKey(name: string): string {
  return `shared-account:${nameKey(name)}`;
}

/**
 * Run accounts then deals (what the engine runs as two declared phases): resolve the stage,
 * stage and load the accounts, then stage, prepare and load the deals. Returns null when
 * deals are not in scope.
 */
export async function runDeals(d: DealPhaseDeps): Promise<DealPhaseResult | null> {
  if (!d.map.enabled) return null;
  const stage = await resolveDealStage(d.dest, d.map);
  await stageAccounts(d);
  await loadAccounts(d);
  await stageDeals(d, stage);
  await loadDeals(d);
  const [deals, accounts] = await Promise.all([d.store.counts(d.runId, DEAL), d.store.counts(d.runId, ACCOUNT)]);
  return { stage, deals, accounts };
}

/** Stage and prepare the deals of contacts loaded in this run (the stage resolved by `resolveDealStage`). */
export async function stageDeals(d: DealPhaseDeps, stage: ResolvedDealStage): Promise<void> {
  await deriveDeals(d);
  await prepareDeals(d, stage);
}

/** The contact's value at `from`: a canonical field, or `attributes.<name>`. */
function readFrom(c: CanonicalContact, from: string): string | null {
  const raw = from.startsWith('attributes.') ? c.attributes[from.slice('attributes.'.length)] : (c as unknown as Record<string, unknown>)[from];
  if (typeof raw === 'string') return raw.trim() || null;
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  return null;
}

/** The amount of a value: an exact key of `amounts`, else a case-insensitive one ("Gold" = "gold"). */
function amountFor(amounts: Record<string, number>, value: string): number | null {
  if (Object.hasOwn(amounts, value)) return amounts[value]!;
  const hit = Object.keys(amounts).find((k) => norm(k) === norm(value));
  return hit === undefined ? null : amounts[hit]!;
}

/**
 * The deal sources of a page of contacts loaded in this run (status `loaded`: journaled by
 * this run) whose value has an amount. Contacts without one get no deal (and no account).
 */
async function dealSourcesOf(d: DealPhaseDeps, rows: StagedRecord[]): Promise<DealSource[]> {
  const ids = await d.store.destIds('contact', rows.map((r) => r.sourceKey));
  const sources: DealSource[] = [];
  for (const row of rows) {
    const c = row.record as CanonicalContact;
    const value = readFrom(c, d.map.from);
    const amount = value === null ? null : amountFor(d.map.amounts, value);
    const contactId = ids.get(row.sourceKey);
    if (value === null || amount === null || !contactId) continue;
    sources.push({ contactKey: row.sourceKey, contactId, email: row.matchKey ?? c.email ?? '', firstName: c.firstName, lastName: c.lastName, value, amount });
  }
  return sources;
}

/** Every page of contacts loaded in this run, from the checkpointed cursor `cursorKey`. */
async function forLoadedContacts(d: DealPhaseDeps, cursorKey: string, each: (rows: StagedRecord[], cursor: string) => Promise<void>): Promise<void> {
  let after = Number((await d.store.getCheckpoint(d.runId, cursorKey)) ?? 0);
  for (;;) {
    const rows = await d.store.stagedByStatus(d.runId, 'contact', ['loaded'], after, READ_CHUNK);
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.seq;
    await each(rows, String(after));
  }
}

/** One deal source per qualifying contact, staged; checkpointed per page of contacts. */
async function deriveDeals(d: DealPhaseDeps): Promise<void> {
  if ((await d.store.getCheckpoint(d.runId, 'deal:staged')) === 'done') return;
  d.progress.start('derive deals', null);
  await forLoadedContacts(d, 'deal:cursor', async (rows, cursor) => {
    const sources = await dealSourcesOf(d, rows);
    await d.store.stageRecords(
      d.runId,
      DEAL,
      sources.map((s) => ({ sourceKey: s.contactKey, sourceId: s.contactId, updatedAtMs: null, record: s })),
      { stream: 'deal:cursor', value: cursor },
    );
    d.progress.advance(rows.length);
  });
  await d.store.setCheckpoint(d.runId, 'deal:staged', 'done');
  d.progress.end();
}

/** Deal payloads (without the account, known only once accounts are loaded). */
async function prepareDeals(d: DealPhaseDeps, stage: ResolvedDealStage): Promise<void> {
  if ((await d.store.getCheckpoint(d.runId, 'deal:prepared')) === 'done') return;
  for (let after = 0; ; ) {
    const rows = await d.store.stagedByStatus(d.runId, DEAL, ['staged'], after, READ_CHUNK);
    if (rows.length === 0) break;
    const ready: PreparedRecord[] = rows.map((row) => {
      const s = row.record as DealSource;
      const payload: Payload = {
        name: dealName(d.map.name_template, { ...s, source: d.sourceLabel ?? '' }).replace(/ \(\)/, ''),
        amount: s.amount,
        deal_stage_id: Number(stage.stageId),
        deal_pipeline_id: Number(stage.pipelineId),
        contacts_added_list: [Number(s.contactId)],
      };
      if (d.ownerId) payload.owner_id = Number(d.ownerId);
      return { sourceKey: row.sourceKey, matchKey: row.sourceKey, payload, payloadHash: payloadHash(payload) };
    });
    await d.store.savePrepared(d.runId, DEAL, ready, []);
    after = rows[rows.length - 1]!.seq;
  }
  await d.store.setCheckpoint(d.runId, 'deal:prepared', 'done');
}

/**
 * Stage and prepare the accounts deals hang on: one shared, or one per contact that gets a
 * deal (derived from the loaded contacts like the deals, so accounts load before deals).
 */
export async function stageAccounts(d: DealPhaseDeps): Promise<void> {
  if (!d.map.enabled || d.map.account === 'none' || (await d.store.getCheckpoint(d.runId, 'account:staged')) === 'done') return;
  const owner = d.ownerId ? { owner_id: Number(d.ownerId) } : {};
  const stage = async (items: Array<{ sourceKey: string; name: string }>, cursor: string) => {
    await d.store.stageRecords(d.runId, ACCOUNT, items.map((i) => ({ sourceKey: i.sourceKey, sourceId: i.sourceKey, updatedAtMs: null, record: { name: i.name } })), {
      stream: 'account:cursor',
      value: cursor,
    });
    const ready = items.map((i) => {
      const payload = { name: i.name, ...owner };
      return { sourceKey: i.sourceKey, matchKey: i.sourceKey, payload, payloadHash: payloadHash(payload) };
    });
    await d.store.savePrepared(d.runId, ACCOUNT, ready, []);
  };
  if (d.map.account === 'shared') {
    await stage([{ sourceKey: sharedAccountKey(d.map.account_name), name: d.map.account_name.trim() }], 'shared');
  } else {
    // Staging and preparing a page are two commits; re-staging a page after a crash is idempotent.
    await forLoadedContacts(d, 'account:cursor', async (rows, cursor) => {
      await stage((await dealSourcesOf(d, rows)).map((s) => ({ sourceKey: s.contactKey, name: contactAccountName(s) })), cursor);
    });
  }
  await d.store.setCheckpoint(d.runId, 'account:staged', 'done');
}

/** How one entity is upserted by name, verified and imaged. */
interface ByNameEntity {
  entity: 'deals' | 'sales_accounts';
  object: ObjectName;
  /** Fields a rollback restores on records that existed before. */
  beforeFields: string[];
  verify(payload: Payload, rec: FsRecord): RecordCheck;
}

const ACCOUNTS: ByNameEntity = {
  entity: 'sales_accounts',
  object: ACCOUNT,
  beforeFields: ['name', 'owner_id'],
  verify: (payload, rec) => verifyRecord(payload, rec),
};

const DEALS: ByNameEntity = {
  entity: 'deals',
  object: DEAL,
  beforeFields: ['name', 'amount', 'deal_stage_id', 'deal_pipeline_id', 'sales_account_id', 'owner_id', 'contact_ids'],
  verify: (payload, rec) => {
    // contacts_added_list is a write-only instruction; the link reads back as contact_ids.
    const { contacts_added_list: added, ...plain } = payload;
    const v = verifyRecord(plain, rec);
    // List and search answers may not carry a deal's contacts: then the link is unverifiable.
    if (Array.isArray(added) && added.length > 0 && !Object.hasOwn(rec, 'contact_ids')) v.unverifiable.push('contacts');
    else {
      const linked = Array.isArray(rec.contact_ids) ? rec.contact_ids.map(String) : [];
      for (const id of Array.isArray(added) ? added : []) {
        if (!linked.includes(String(id))) v.mismatches.push({ field: 'contacts', expected: id, actual: rec.contact_ids ?? null });
      }
    }
    return { ...v, ok: v.mismatches.length === 0 };
  },
};

/** A deal or account in the bulk engine: identified by its source key, read back under its name. */
interface Item extends BulkLoadItem {
  name: string;
}

export async function loadAccounts(d: DealPhaseDeps): Promise<void> {
  if (!d.map.enabled || d.map.account === 'none') return;
  await loadByNameBatches(d, ACCOUNTS, 'load accounts', async (rows) => ({ items: rows.map(toItem), orphans: [] }));
}

/** Deals get their account id here, from the account journal; a deal whose account did not load is orphaned. */
export async function loadDeals(d: DealPhaseDeps): Promise<void> {
  const fates = new AccountFates(d);
  await loadByNameBatches(d, DEALS, 'load deals', async (rows) => {
    if (d.map.account === 'none') return { items: rows.map(toItem), orphans: [] };
    const accountKeys = rows.map((r) => (d.map.account === 'shared' ? sharedAccountKey(d.map.account_name) : r.sourceKey));
    const ids = await d.store.destIds(ACCOUNT, [...new Set(accountKeys)]);
    const items: Item[] = [];
    const orphans: FailureEntry[] = [];
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const accountId = ids.get(accountKeys[i]!);
      if (accountId) items.push(toItem({ ...row, payload: { ...(row.payload as Payload), sales_account_id: Number(accountId) } }));
      else orphans.push({ sourceKey: row.sourceKey, reason: await fates.reasonFor(accountKeys[i]!, row.record as DealSource) });
    }
    return { items, orphans };
  });
}

function toItem(row: StagedRecord): Item {
  const payload = row.payload as Payload;
  const name = String(payload.name);
  return { sourceKey: row.sourceKey, matchKey: row.sourceKey, readKey: nameKey(name), name, payload, payloadHash: row.payloadHash ?? payloadHash(payload) };
}

/** Plan batches of ready records once, then load every open batch on the executor. */
async function loadByNameBatches(
  d: BulkPhaseDeps,
  spec: ByNameEntity,
  step: string,
  itemsOf: (rows: StagedRecord[]) => Promise<{ items: Item[]; orphans: FailureEntry[] }>,
): Promise<void> {
  const loader = new BulkLoader(d, byNameSpec(d, spec));
  await loadBatches(d, {
    object: spec.object,
    size: Math.max(1, Math.min(BULK_MAX, d.batchSize)),
    step,
    total: null,
    loader,
    load: async (batch) => {
      const rows = (await d.store.batchRecords(d.runId, spec.object, batch.batchNo)).filter((r) => r.status === 'ready');
      const { items, orphans } = await itemsOf(rows);
      if (orphans.length > 0) await d.store.markOrphaned(d.runId, spec.object, orphans);
      await loader.load(batch, items);
      return rows.length;
    },
  });
}

/**
 * An entity upserted by name, in the bulk engine: Freshsales' by-name writer, plus the
 * matches — before-images of what exists under the batch's names, saved before the first
 * send so a resumed batch still knows what it created — and verification.
 */
function byNameSpec(d: BulkPhaseDeps, spec: ByNameEntity): BulkLoadSpec<Item> {
  const writer = byNameWriter(d.dest, spec.entity);
  return {
    ...writer,
    object: spec.object,
    matches: async (batch, items) => {
      // Only a batch never sent searches: once sent, its names may find records this run
      // created, which must stay journaled as created.
      if (batch.status !== 'pending') return d.store.getMatches(d.runId, spec.object, items.map((i) => i.matchKey));
      const existing = await writer.find(items.map((i) => i.name));
      const list: DestinationMatch[] = [];
      for (const i of items) {
        const rec = existing.get(i.readKey);
        // The image holds real values: what the search answer leaves out is read with one GET.
        if (rec) list.push({ matchKey: i.matchKey, destId: rec.id, beforeImage: beforeImageOf((await completeRecord(d.dest, spec.entity, rec, spec.beforeFields, [])).record, spec.beforeFields, []) });
      }
      await d.store.saveMatches(d.runId, spec.object, list);
      return new Map(list.map((m) => [m.matchKey, m]));
    },
    verify: spec.verify,
  };
}

/** Why a deal has no account: the account's failure in this run, or a generic reason. */
class AccountFates {
  private built: Promise<Map<string, string>> | null = null;

  constructor(private readonly d: DealPhaseDeps) {}

  async reasonFor(accountKey: string, deal: DealSource): Promise<string> {
    this.built ??= (async () => new Map((await this.d.store.failures(this.d.runId, ACCOUNT, 10_000_000)).map((f) => [f.sourceKey, f.reason])))();
    const why = (await this.built).get(accountKey) ?? 'it has no Freshsales id in the journal';
    return this.d.map.account === 'shared'
      ? `shared account "${this.d.map.account_name}" was not created: ${why}`
      : `account "${contactAccountName(deal)}" of contact ${deal.contactKey} was not created: ${why}`;
  }
}

/** What the campaign-deal phase needs: the source's campaigns, the map's section, and the stat fields' cf_ names. */
export interface CampaignPhaseDeps extends BulkPhaseDeps {
  source: SourceConnector;
  map: CampaignMap;
  sourceLabel: string;
  /** Figure → cf_ name of the deal field it is written to (only the figures the map names). */
  statFields: Map<CampaignStat, string>;
}

const CAMPAIGN = 'campaign' as const;

const CAMPAIGN_DEALS: ByNameEntity = {
  entity: 'deals',
  object: CAMPAIGN,
  beforeFields: ['name', 'amount', 'deal_stage_id', 'deal_pipeline_id', 'owner_id'],
  verify: (payload, rec) => verifyRecord(payload, rec),
};

/** A campaign deal's name from the template; the campaign id is appended when the template lacks it, so names stay unique. */
export function campaignDealName(template: string, c: { id: string; name: string; channels: string[] }, source: string): string {
  const values: Record<string, string> = { campaign: c.name.trim() || `Campaign ${c.id}`, channel: c.channels.join('/') || 'unknown channel', id: c.id, source };
  const rendered = template.replace(/\{(campaign|channel|id|source)\}/g, (_, k: string) => values[k] ?? '').replace(/\s+/g, ' ').trim();
  return template.includes('{id}') ? rendered.slice(0, NAME_MAX) : withSuffix(rendered, ` [#${c.id}]`);
}

/**
 * Stage one deal per campaign (read from the source once; a survey step: no destination
 * write), with its reported figures in the deal fields the map names (figures the source does
 * not report are left out, never written as 0). Amount 0: a campaign has no deal value.
 */
export async function stageCampaignDeals(d: CampaignPhaseDeps, stage: ResolvedDealStage): Promise<number> {
  const campaigns = await d.source.campaigns();
  await d.store.stageRecords(
    d.runId,
    CAMPAIGN,
    campaigns.map((c) => ({ sourceKey: `campaign:${c.id}`, sourceId: c.id, updatedAtMs: null, record: c })),
    { stream: 'campaign:cursor', value: String(campaigns.length) },
  );
  const ready: PreparedRecord[] = campaigns.map((c) => {
    const payload: Payload = {
      name: campaignDealName(d.map.name_template, c, d.sourceLabel),
      amount: 0,
      deal_stage_id: Number(stage.stageId),
      deal_pipeline_id: Number(stage.pipelineId),
    };
    if (d.ownerId) payload.owner_id = Number(d.ownerId);
    const custom: Record<string, number> = {};
    for (const [stat, cf] of d.statFields) {
      const v = c.stats?.[stat];
      if (typeof v === 'number' && Number.isFinite(v)) custom[cf] = v;
    }
    if (Object.keys(custom).length > 0) payload.custom_field = custom;
    return { sourceKey: `campaign:${c.id}`, matchKey: `campaign:${c.id}`, payload, payloadHash: payloadHash(payload) };
  });
  await d.store.savePrepared(d.runId, CAMPAIGN, ready, []);
  return campaigns.length;
}

/** Load the campaign deals: bulk upsert by name, read back, verified, journaled with before-images. */
export async function loadCampaignDeals(d: CampaignPhaseDeps): Promise<void> {
  await loadByNameBatches(d, CAMPAIGN_DEALS, 'load campaign deals', async (rows) => ({ items: rows.map(toItem), orphans: [] }));
}

