/**
 * The API-budget plan: what a phase will cost in destination calls and how long that
 * takes on the account's plan. Shown before any write, compared with the actual spend after.
 */
import { HOURLY_BUDGET, MINUTE_BUDGET, type PlanTier } from '../connectors/freshsales/index.js';

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

/** Hours of budget a number of calls takes on a plan (the binding window decides). */
export function hoursFor(calls: number, plan: PlanTier, budgetShare = 1): number {
  const perHour = Math.min(HOURLY_BUDGET[plan], MINUTE_BUDGET * 60) * budgetShare;
  return calls / perHour;
}

/** "1 h 25 min", "12 min", "< 1 min". */
export function formatHours(h: number): string {
  const mins = Math.round(h * 60);
  if (mins < 1) return '< 1 min';
  const hh = Math.floor(mins / 60);
  const mm = mins % 60;
  return hh > 0 ? `${hh} h ${mm} min` : `${mm} min`;
}
