/**
 * The API-budget plan: what a phase will cost in destination calls and how long that
 * takes on the account's plan. Shown before any write, compared with the actual spend after.
 */
import { HOURLY_BUDGET, MINUTE_BUDGET, type PlanTier } from '../connectors/freshsales/index.js';
import type { TaskMap } from '../mapping/spec.js';

export interface PhaseEstimate {
  object: string;
  records: number;
  calls: number;
  /** Breakdown for the reader. */
  detail: Record<string, number>;
}

/** Calls every run makes before loading: credential check (views) and the field catalogue. */
export const SETUP_CALLS = 2;

/**
 * Contact load: one bulk call and one read-back per batch; job polls while the first job's
 * duration is learned (~3) and then on ~5% of batches (two calls each: a poll and a second
 * read-back); plus setup and matching.
 */
export function estimateContactCalls(input: { ready: number; batchSize: number; matchCalls: number }): PhaseEstimate {
  const batches = Math.ceil(input.ready / input.batchSize);
  const polls = batches === 0 ? 0 : 3 + Math.ceil(batches * 0.1);
  return {
    object: 'contact',
    records: input.ready,
    calls: SETUP_CALLS + input.matchCalls + batches * 2 + polls,
    detail: { setup: SETUP_CALLS, match: input.matchCalls, bulk_upsert: batches, read_back: batches, job_polls: polls },
  };
}

/** The calls per hour a plan and budget share allow (the binding window decides). */
export function callsPerHour(plan: PlanTier, budgetShare = 1): number {
  return Math.min(HOURLY_BUDGET[plan], MINUTE_BUDGET * 60) * budgetShare;
}

/** Hours of budget a number of calls takes on a plan. */
export function hoursFor(calls: number, plan: PlanTier, budgetShare = 1): number {
  return calls / callsPerHour(plan, budgetShare);
}

/** "1 h 25 min", "12 min", "< 1 min". */
export function formatHours(h: number): string {
  const mins = Math.round(h * 60);
  if (mins < 1) return '< 1 min';
  const hh = Math.floor(mins / 60);
  const mm = mins % 60;
  return hh > 0 ? `${hh} h ${mm} min` : `${mm} min`;
}

/** What happens to behavioural events: a task each, a task per high-value event, contact-field summaries, or nothing. */
export type EventPolicy = TaskMap['events']['policy'];

/** Every event policy, in the order they are shown to the user. */
export const EVENT_POLICIES: readonly EventPolicy[] = ['all', 'high_value', 'summary', 'none'];

/** Source volumes the task phase depends on (from discovery or a counting pass of the source). */
export interface TaskVolumes {
  /** Campaign interactions that will become tasks (already filtered by the kinds the map keeps). */
  interactions: number;
  /** Behavioural events per event name. */
  eventsByName: Map<string, number>;
  /** Event names the map calls high-value. */
  highValue: string[];
}

/**
 * Task load: tasks have no bulk endpoint, so every task is one call [api/freshsales.md].
 * Interactions always cost their count; events cost per policy: all → every event;
 * high_value → the events named high-value; summary → nothing here (count/first/last seen
 * ride on the contact upserts already planned); none → nothing. Reconciling tasks whose
 * create was ambiguous (a task listing) only happens after faults and is not estimated.
 */
export function estimateTaskCalls(input: TaskVolumes & { policy: EventPolicy }): PhaseEstimate {
  let eventTasks = 0;
  if (input.policy === 'all') for (const n of input.eventsByName.values()) eventTasks += n;
  else if (input.policy === 'high_value') for (const name of new Set(input.highValue)) eventTasks += input.eventsByName.get(name) ?? 0;
  const tasks = input.interactions + eventTasks;
  return {
    object: 'task',
    records: tasks,
    calls: tasks,
    detail: { interaction_tasks: input.interactions, event_tasks: eventTasks, create_calls: tasks },
  };
}

const count = new Intl.NumberFormat('en-US');

/**
 * One line per event policy, so the user sees what each choice costs before any write, e.g.
 * `events policy "all": 12,400 tasks → 12,400 calls ≈ 12 h 24 min on growth` (`noun`: what the
 * records are, "tasks" by default, "sales activities"). The chosen policy (when given) is marked.
 */
export function describePolicies(input: TaskVolumes & { plan: PlanTier; budgetShare?: number; chosen?: EventPolicy; noun?: string }): string[] {
  return EVENT_POLICIES.map((policy) => {
    const est = estimateTaskCalls({ ...input, policy });
    const hours = hoursFor(est.calls, input.plan, input.budgetShare ?? 1);
    const notes: string[] = [];
    if (policy === 'summary') notes.push('events become count/first/last-seen contact fields at no extra call');
    if (policy === 'none') notes.push('events are not migrated');
    if (policy === input.chosen) notes.push('chosen');
    return (
      `events policy "${policy}": ${count.format(est.records)} ${input.noun ?? 'tasks'} → ${count.format(est.calls)} calls ≈ ${formatHours(hours)} on ${input.plan}` +
      (notes.length > 0 ? ` (${notes.join('; ')})` : '')
    );
  });
}
