/**
 * The destination objects a migration writes, declared for the phase engine (engine.ts):
 * contacts (no parent), accounts (from contacts that get a deal), deals (contacts and
 * accounts), campaign deals and their content notes (campaign notes hang on campaign deals),
 * the activity timeline as tasks or as sales activities (contacts; the map chooses one, the same
 * steps serve both). Each declaration names its steps; the functions doing the
 * work stay in their phase modules (contacts.ts, deals.ts, tasks.ts), where tests reach them too.
 */
import { z } from 'zod';
import type { PlanTier } from '../connectors/freshsales/index.js';
import { offers } from '../connectors/manifest.js';
import type { SourceConnector } from '../connectors/source.js';
import { contentNoteOf, timelineOf, type CampaignMap, type DealMap, type DeltaMap, type TaskMap } from '../mapping/spec.js';
import type { CampaignStat } from '../core/model.js';
import type { StateStore } from '../state/store.js';
import { readCheckpoint, writeCheckpoint } from './checkpoints.js';
import { collectContactGroups, extractContacts, freezeScope, loadContacts, matchContacts, prepareContacts, type ContactPhaseDeps } from './contacts.js';
import {
  loadAccounts, loadCampaignDeals, loadDeals, resolveDealStage, stageAccounts, stageCampaignDeals, stageDeals, type CampaignPhaseDeps, type DealPhaseDeps, type ResolvedDealStage,
} from './deals.js';
import { loadCampaignNotes, stageCampaignNotes, type CampaignNotePhaseDeps } from './campaign-notes.js';
import type { PhaseDeclaration } from './engine.js';
import { describePolicies, estimateContactCalls, estimateTaskCalls, type TaskVolumes } from './plan.js';
import type { SamplePhase } from './sample.js';
import { thenSkipUnchanged } from './unchanged.js';
import { applySourceDeletes, checkConflicts, findSourceDeletes, sourceDeleteCalls } from './delta.js';
import { extractTasks, loadTasks, resolveTimelineTarget, taskAdoptionCost, type TaskLoadSummary, type TaskPhaseDeps, type TimelineTarget } from './tasks.js';

/** What the phases are declared over. */
export interface PhaseEnv {
  /** The contact phase's dependencies (store, run, source, destination, executor...), shared by every phase. */
  contact: ContactPhaseDeps;
  /** Standard and cf_ fields contacts write (their before-images hold these). */
  written: { standard: string[]; custom: string[] };
  dealMap: DealMap | null;
  /** The campaign-deal section when enabled (and the source offers campaigns), with the stat fields' cf_ names. */
  campaign: { map: CampaignMap; statFields: Map<CampaignStat, string> } | null;
  taskMap: TaskMap | null;
  sourceLabel: string;
  plan: PlanTier;
  budgetShare: number;
  /** A sample run: the draw after extract, the review after the contact load, children scoped to the sample. Absent: a full run. */
  sample?: SamplePhase | null;
  /** What the map says about conflicts and source deletes (every run checks conflicts). */
  deltaMap: DeltaMap;
  /** A cutover delta: source deletes are found after extract and handled after the contact load. */
  delta?: { sourceName: string } | null;
}

/** What the phases learn while running that the run reports. */
export interface PhaseFacts {
  /** Contacts in Freshsales already carrying this source's ids (found while matching). */
  priorMigration: number;
  /** What the timeline load (tasks or sales activities) did in this process (null when it did not run here). */
  taskSummary: TaskLoadSummary | null;
}

const MatchCheckpoint = z.object({ strategy: z.enum(['listing', 'search']), calls: z.number().int().nonnegative(), priorMigration: z.number().int().nonnegative() });

/** The declared phases of a migration, and the facts they collect. */
export function declarePhases(env: PhaseEnv): { phases: PhaseDeclaration[]; facts: PhaseFacts } {
  const c = env.contact;
  const { store, dest } = c;
  const facts: PhaseFacts = { priorMigration: 0, taskSummary: null };
  const readyContacts = () => store.countReady(c.runId, 'contact');

  const contact: PhaseDeclaration = {
    object: 'contact',
    parents: [],
    enabled: true,
    survey: [
      { name: 'scope', run: async () => void (await freezeScope(c)) },
      { name: 'groups', run: async () => void (await collectContactGroups(c)) },
      { name: 'extract', run: () => extractContacts(c) },
      ...(env.sample ? [env.sample.draw] : []),
      thenSkipUnchanged({ name: 'prepare', run: async () => void (await prepareContacts(c)) }, c, 'contact'),
      {
        name: 'match',
        run: async () => {
          const m = await matchContacts(c, env.written.standard, env.written.custom);
          facts.priorMigration = m.priorMigration;
          await writeCheckpoint(store, c.runId, 'contact:match', m);
        },
      },
      { name: 'conflicts', run: async () => void (await checkConflicts(c, env.deltaMap.on_conflict)) },
      ...(env.delta ? [{ name: 'deletes', run: async () => void (await findSourceDeletes(c)) }] : []),
    ],
    estimate: async () => {
      const ready = await readyContacts();
      const match = await readCheckpoint(store, c.runId, 'contact:match', MatchCheckpoint);
      const est = estimateContactCalls({ ready, batchSize: c.batchSize, matchCalls: match?.calls ?? 0 });
      const review = env.sample ? await env.sample.estimate() : { calls: 0, lines: [] };
      const deletes = env.delta ? await sourceDeleteCalls(c, env.deltaMap) : { calls: 0, deleted: 0 };
      const deleteLine = deletes.deleted > 0 ? [`source deletes: ${deletes.deleted} migrated contact(s) gone from the source → ${env.deltaMap.on_source_delete} (~${deletes.calls} calls)`] : [];
      return {
        calls: est.calls + review.calls + deletes.calls,
        lines: [`contacts: ${ready} to write → ~${est.calls} calls (${Object.entries(est.detail).map(([k, v]) => `${k} ${v}`).join(', ')})`, ...review.lines, ...deleteLine],
      };
    },
    load: [
      { name: 'load', run: () => loadContacts(c) },
      ...(env.sample ? [env.sample.review] : []),
      ...(env.delta ? [{ name: 'source-deletes', run: () => applySourceDeletes(c, env.deltaMap, env.delta!.sourceName) }] : []),
    ],
  };

  const dealMap = env.dealMap;
  const dealDeps: DealPhaseDeps | null = dealMap && {
    store, runId: c.runId, dest, map: dealMap, sourceLabel: env.sourceLabel, ownerId: c.ownerId, executor: c.executor,
    batchSize: c.batchSize, clock: c.clock, logger: c.logger, progress: c.progress, ...(c.jobWaitLimitMs !== undefined ? { jobWaitLimitMs: c.jobWaitLimitMs } : {}),
  };
  const withAccounts = dealMap !== null && dealMap.account !== 'none';
  const account: PhaseDeclaration = {
    object: 'account',
    parents: ['contact'],
    enabled: withAccounts,
    survey: [],
    // Counted with the deals (one line for both).
    estimate: async () => ({ calls: 0, lines: [] }),
    load: dealDeps ? [thenSkipUnchanged({ name: 'stage', run: () => stageAccounts(dealDeps) }, c, 'account'), { name: 'load', run: () => loadAccounts(dealDeps) }] : [],
  };

  let dealStage: ResolvedDealStage | null = null;
  const deal: PhaseDeclaration = {
    object: 'deal',
    parents: withAccounts ? ['contact', 'account'] : ['contact'],
    enabled: dealMap !== null,
    // The stage and pipeline are resolved by name on every attempt, before any write.
    check: async () => {
      if (dealMap) dealStage = await resolveDealStage(dest, dealMap);
    },
    survey: [],
    estimate: async () => {
      const ready = await readyContacts();
      const calls = Math.ceil(ready / c.batchSize) * 3 + 4;
      return { calls, lines: [`deals:    up to ${ready} (opt-in, from ${dealMap?.from}) → ~${calls} calls (bulk upserts, read-backs, accounts)`] };
    },
    load: dealDeps
      ? [
          thenSkipUnchanged({ name: 'stage', run: () => stageDeals(dealDeps, dealStage ?? stageMissing()) }, c, 'deal'),
          { name: 'load', run: () => loadDeals(dealDeps) },
        ]
      : [],
  };

  const cm = env.campaign;
  const campaignDeps: CampaignPhaseDeps | null = cm && {
    store, runId: c.runId, dest, source: c.source, map: cm.map, sourceLabel: env.sourceLabel, statFields: cm.statFields, ownerId: c.ownerId, executor: c.executor,
    batchSize: c.batchSize, clock: c.clock, logger: c.logger, progress: c.progress, ...(c.jobWaitLimitMs !== undefined ? { jobWaitLimitMs: c.jobWaitLimitMs } : {}),
  };
  let campaignStage: ResolvedDealStage | null = null;
  const campaign: PhaseDeclaration = {
    object: 'campaign',
    parents: [],
    enabled: campaignDeps !== null,
    check: async () => {
      if (cm) campaignStage = await resolveDealStage(dest, cm.map);
    },
    // Reading the campaigns is a source read: staged before the plan, so the plan counts them.
    survey: campaignDeps ? [thenSkipUnchanged({ name: 'stage', run: async () => void (await stageCampaignDeals(campaignDeps, campaignStage ?? stageMissing())) }, c, 'campaign')] : [],
    estimate: async () => {
      const n = await store.countReady(c.runId, 'campaign');
      const calls = n === 0 ? 0 : Math.ceil(n / c.batchSize) * 3 + 2;
      return { calls, lines: [`campaign deals: ${n} (one per campaign, opt-in) → ~${calls} calls (bulk upserts, read-backs)`] };
    },
    load: campaignDeps ? [{ name: 'load', run: () => loadCampaignDeals(campaignDeps) }] : [],
  };

  // One note per campaign deal with the campaign's content; one create each, no bulk endpoint.
  const noteDeps: CampaignNotePhaseDeps | null = cm && contentNoteOf(cm.map)
    ? { store, runId: c.runId, dest, sourceLabel: env.sourceLabel, ownerId: c.ownerId, executor: c.executor, clock: c.clock, logger: c.logger, progress: c.progress }
    : null;
  const campaignNote: PhaseDeclaration = {
    object: 'campaign_note',
    parents: ['campaign'],
    enabled: noteDeps !== null,
    // Staged from the campaigns the campaign phase staged (no call), so the plan counts them.
    survey: noteDeps ? [{ name: 'stage', run: async () => void (await stageCampaignNotes(noteDeps)) }] : [],
    estimate: async () => {
      if (!noteDeps) return { calls: 0, lines: [] };
      const n = await store.countReady(c.runId, 'campaign_note');
      return { calls: n, lines: [`campaign notes: ${n} (the content of each campaign deal, one create per note, no bulk endpoint) → ~${n} calls`] };
    },
    load: noteDeps ? [{ name: 'load', run: async () => void (await loadCampaignNotes(noteDeps)) }] : [],
  };

  const taskMap = env.taskMap;
  // A sample's children: only the sampled contacts' interactions and events.
  const childSource = env.sample ? env.sample.scope(c.source) : c.source;
  const timelinePhase = (object: 'task' | 'activity'): PhaseDeclaration => {
    const enabled = taskMap !== null && (timelineOf(taskMap) === 'tasks') === (object === 'task');
    const noun = object === 'task' ? 'tasks' : 'sales activities';
    // Resolved by the check on every attempt (the activity type and fields by name), before any write.
    let target: TimelineTarget | null = null;
    const deps = (): TaskPhaseDeps => ({
      store, runId: c.runId, source: childSource, dest, map: taskMap!, ownerId: c.ownerId, executor: c.executor, clock: c.clock, logger: c.logger, progress: c.progress,
      target: target ?? targetMissing(),
    });
    return {
      object,
      parents: ['contact'],
      enabled,
      check: async () => {
        if (enabled) target = await resolveTimelineTarget(dest, taskMap!);
      },
      survey: [],
      estimate: async () => {
        if (!enabled || !taskMap) return { calls: 0, lines: [] };
        const volumes = await taskVolumes(store, c.runId, childSource, taskMap);
        // Records earlier runs created are never created again (retry, a later run): not in the plan.
        const done = await store.journalCount(object);
        const calls = Math.max(0, estimateTaskCalls({ ...volumes, policy: taskMap.events.policy }).calls - done);
        const label = `${noun}:`.padEnd(9);
        const lines = [`${label} ${volumes.interactions} campaign interactions${taskMap.campaigns ? '' : ' (campaigns off)'}; event policies:`];
        for (const line of describePolicies({ ...volumes, plan: env.plan, budgetShare: env.budgetShare, chosen: taskMap.events.policy, noun })) lines.push(`  ${line}`);
        if (done > 0) lines.push(`  ${done} ${noun} were created by earlier runs of this workdir and are not created again: ~${calls} call(s) left`);
        // Before the first create of a workdir, records already carrying our markers are looked for.
        const adoption = calls > 0 ? await taskAdoptionCost({ store, dest, target: target ?? targetMissing() }) : null;
        const adopt = adoption ? adoption.probeCalls + adoption.listingCalls : 0;
        if (adoption && adoption.probeCalls > 0) {
          lines.push(`adopt:    ${adoption.listingCalls} listing call(s) over the account's ${adoption.accountRecords} ${noun} to find ${noun} an earlier state created (first load of this workdir)`);
        }
        return { calls: calls + adopt, lines };
      },
      load: enabled
        ? [
            { name: 'extract', run: async () => void (await extractTasks(deps())) },
            { name: 'load', run: async () => void (facts.taskSummary = await loadTasks(deps())) },
          ]
        : [],
    };
  };
  const task = timelinePhase('task');
  const activity = timelinePhase('activity');
  return { phases: [contact, account, deal, campaign, campaignNote, task, activity], facts };
}

function stageMissing(): never {
  throw new Error('the deal stage is resolved by the phase check before the deals are staged');
}

function targetMissing(): never {
  throw new Error('the timeline target is resolved by the phase check before the timeline is planned or loaded');
}

/** The `tasks:volumes` checkpoint: interactions, and events per name. */
const TaskVolumesCheckpoint = z.object({ interactions: z.number().int().nonnegative(), events: z.array(z.tuple([z.string(), z.number().int().nonnegative()])) });

/**
 * Campaign interactions and events per name, counted once per run from the source (no
 * destination calls) so every event policy's cost can be shown before any write.
 */
async function taskVolumes(store: StateStore, runId: string, source: SourceConnector, map: TaskMap): Promise<TaskVolumes> {
  const v = await readCheckpoint(store, runId, 'tasks:volumes', TaskVolumesCheckpoint);
  if (v) return { interactions: v.interactions, eventsByName: new Map(v.events), highValue: map.events.high_value };
  let interactions = 0;
  if (map.campaigns && offers(source, 'interactions')) {
    for await (const page of source.interactions(null)) interactions += page.records.filter((r) => map.interactions.includes(r.kind)).length;
  }
  const eventsByName = new Map<string, number>();
  if (offers(source, 'events')) for await (const page of source.events(null)) for (const e of page.records) eventsByName.set(e.event, (eventsByName.get(e.event) ?? 0) + 1);
  await writeCheckpoint(store, runId, 'tasks:volumes', { interactions, events: [...eventsByName] });
  return { interactions, eventsByName, highValue: map.events.high_value };
}
