/**
 * The Freshsales destination connector: config schema, client factory and the plan-tier
 * budgets its HTTP client paces under.
 */
import { z } from 'zod';
import { secret } from '../../core/secrets.js';
import type { Logger } from '../../core/logger.js';
import type { Clock } from '../../core/clock.js';
import { HttpClient } from '../../http/client.js';
import { Pacer } from '../../http/pacer.js';
import { FreshsalesClient } from './client.js';
import { defineDestination } from '../manifest.js';

export { FreshsalesClient } from './client.js';
export { BULK_DESTROY_MAX, morePages } from './client.js';
export { classifyWriteError, rejectionReason, type WriteErrorClass } from './write-errors.js';
export { byNameWriter, contactWriter, nameKey, withExistingTags, type BulkWriter, type ExistingRecord, type NamedItem, type ResendPolicy, type WriteItem } from './writers/bulk.js';
export {
  markerKeyOf, taskMarker, taskWriter, timelineWriter, TASK_LIST_PAGE_SIZE, type TaskCreateOutcome, type TaskWriter, type TimelineCreateOutcome, type TimelineEntity,
  type TimelineRecord, type TimelineWriter,
} from './writers/timeline.js';
export { createNoteOnce, type NoteCreateOutcome } from './writers/note.js';
export type { BulkItem, FilterRule, Page, FreshsalesClientOptions } from './client.js';
export * from './types.js';

export const PlanTier = z.enum(['free', 'growth', 'pro', 'enterprise']);
export type PlanTier = z.infer<typeof PlanTier>;

/** Calls per hour per account by plan (free and growth share 1,000), plus 400 per minute on paid plans. */
export const HOURLY_BUDGET: Record<PlanTier, number> = { free: 1000, growth: 1000, pro: 2000, enterprise: 5000 };
export const MINUTE_BUDGET = 400;

export const FreshsalesConfig = z.strictObject({
  type: z.literal('freshsales'),
  /** e.g. https://acme.myfreshworks.com/crm/sales — the client appends /api/... */
  baseUrl: z.url(),
  apiKey: secret(),
  plan: PlanTier.default('growth'),
  /** Compress the hour and minute windows (simulators only; 1 on a real account). */
  timeScale: z.number().positive().default(1),
  /** Share of the budget this migration may use (other integrations share the account). */
  budgetShare: z.number().gt(0).max(1).default(1),
  timeoutMs: z.number().int().positive().default(30_000),
});
export type FreshsalesConfig = z.infer<typeof FreshsalesConfig>;

/** The windows the pacer keeps under, for a plan and budget share. */
export function budgetWindows(cfg: Pick<FreshsalesConfig, 'plan' | 'budgetShare'>) {
  return [
    { limit: Math.floor(HOURLY_BUDGET[cfg.plan] * cfg.budgetShare), windowMs: 3_600_000 },
    { limit: Math.floor(MINUTE_BUDGET * cfg.budgetShare), windowMs: 60_000 },
  ];
}

export interface FreshsalesDeps {
  logger: Logger;
  clock?: Clock;
  onCall?: ConstructorParameters<typeof HttpClient>[0]['onCall'];
  onSlow?: ConstructorParameters<typeof HttpClient>[0]['onSlow'];
}

/** Build a paced, retrying client for the configured account. */
export function createFreshsales(cfg: FreshsalesConfig, deps: FreshsalesDeps): { client: FreshsalesClient; http: HttpClient; pacer: Pacer } {
  const pacer = new Pacer({ windows: budgetWindows(cfg), timeScale: cfg.timeScale, ...(deps.clock ? { clock: deps.clock } : {}) });
  const key = cfg.apiKey.reveal();
  const http = new HttpClient({
    baseUrl: cfg.baseUrl.replace(/\/+$/, ''),
    authorize: (h) => {
      h.authorization = `Token token=${key}`;
    },
    timeoutMs: cfg.timeoutMs,
    pacer,
    logger: deps.logger,
    secrets: [key],
    ...(deps.clock ? { clock: deps.clock } : {}),
    ...(deps.onCall ? { onCall: deps.onCall } : {}),
    ...(deps.onSlow ? { onSlow: deps.onSlow } : {}),
  });
  const baseUrl = cfg.baseUrl.replace(/\/+$/, '');
  return { client: new FreshsalesClient(http, { timeScale: cfg.timeScale, baseUrl, ...(deps.clock ? { clock: deps.clock } : {}) }), http, pacer };
}

/** Freshsales, declared: what it writes (in dependency order) and how it is built. */
export const freshsalesDestination = defineDestination<FreshsalesConfig, ReturnType<typeof createFreshsales>>({
  name: 'freshsales',
  configSchema: FreshsalesConfig,
  secretFields: ['apiKey'],
  objects: ['contact', 'account', 'deal', 'task', 'activity'],
  create: (cfg, deps) => createFreshsales(cfg, deps as FreshsalesDeps),
});
