/**
 * The reconciliation report's shape and the arithmetic every rendering of it shares
 * (JSON file, HTML page, terminal summary): the balance invariant and the verification
 * rate. Pure: no I/O.
 */
import { z } from 'zod';
import { ObjectName } from '../core/model.js';

const Count = z.int().nonnegative();

/** One destination object's row counts for a run (one migration phase). */
export const PhaseReconciliation = z.strictObject({
  object: ObjectName,
  /** Records read from the source for this object. */
  source: Count,
  /** Held back by validation; listed in the quarantine CSV with reasons. */
  quarantined: Count,
  /** Folded into another source record by the dedupe key instead of written on their own. */
  merged: Count,
  /** New records created in Freshsales. */
  created: Count,
  /** Existing Freshsales records updated (before-images journaled for rollback). */
  updated: Count,
  /** Rejected by Freshsales or not writable after retries. */
  failed: Count,
  /** Written records read back whose every mapped field matched. */
  verified: Count,
  /** Written records read back with at least one differing field. */
  mismatched: Count,
  /** Child records whose parent never arrived, so they could not be linked. */
  orphaned: Count.optional(),
  /** Records deliberately not written, e.g. unchanged since the previous run of a delta. */
  skipped: Count.optional(),
  /**
   * Written records with at least one field the read-back could not show (list and search
   * answers leave some out): neither verified nor mismatched for those fields. Not an outcome.
   */
  unverifiable: Count.optional(),
  /** Child records whose parent was merged into a duplicate, now linked to the survivor. Not an outcome. */
  reparented: Count.optional(),
});
/** One destination object's row counts for a run (one migration phase). */
export type PhaseReconciliation = z.infer<typeof PhaseReconciliation>;

// A field value as JSON; `undefined` (field absent on read-back) becomes null.
const FieldValue = z.preprocess((v) => (v === undefined ? null : v), z.json());

/** One field that read back differently from what was written. */
export const FieldMismatch = z.strictObject({
  recordKey: z.string().min(1),
  object: ObjectName,
  field: z.string().min(1),
  expected: FieldValue,
  actual: FieldValue,
});
/** One field that read back differently from what was written. */
export type FieldMismatch = z.infer<typeof FieldMismatch>;

/** One record that could not be written, with the (already secret-free) reason. */
export const RecordFailure = z.strictObject({
  recordKey: z.string().min(1),
  object: ObjectName,
  reason: z.string(),
});
/** One record that could not be written, with the (already secret-free) reason. */
export type RecordFailure = z.infer<typeof RecordFailure>;

/** The API-budget plan the run was made against, and what it actually used. */
export const PlanUsage = z.strictObject({
  /** Freshsales plan tier the budget came from, e.g. `growth`, `pro`, `enterprise`. */
  tier: z.string().min(1),
  estimatedCalls: Count,
  actualCalls: Count,
});
/** The API-budget plan the run was made against, and what it actually used. */
export type PlanUsage = z.infer<typeof PlanUsage>;

const Instant = z.iso.datetime({ offset: true });

/** A sample run (`migrate --sample N`): how many of the source's contacts, drawn how, over which strata. */
export const SampleFacts = z.strictObject({
  /** Source contacts in the sample (the contact row's `source`). */
  size: Count,
  /** Source contacts the sample was drawn from. */
  population: Count,
  seed: z.string(),
  /** Every stratum of the population (segment, lifecycle value, country, data-quality flag) and its share of the sample. */
  strata: z.array(z.strictObject({ dimension: z.string(), value: z.string(), population: Count, sample: Count })),
});
/** A sample run's facts. */
export type SampleFacts = z.infer<typeof SampleFacts>;

/**
 * A run's reconciliation report. Strict: unknown keys are rejected, so a config object or
 * anything else spread into it by mistake fails validation instead of reaching the file.
 * `mismatches` and `failures` are samples; totals are the phases' `mismatched` / `failed`.
 */
export const ReconciliationReport = z
  .strictObject({
    runId: z.string().min(1),
    /** Present for a sample run: the counts below are those of the sample. */
    sample: SampleFacts.optional(),
    phases: z.array(PhaseReconciliation),
    apiCalls: z.strictObject({
      /** Calls made to the Freshsales API (every call counts against the budget). */
      destination: Count,
      /** Of those, answered 429 Too Many Requests. */
      rateLimited: Count,
    }),
    startedAt: Instant.optional(),
    finishedAt: Instant.optional(),
    plan: PlanUsage.optional(),
    mismatches: z.array(FieldMismatch).optional(),
    failures: z.array(RecordFailure).optional(),
    /** Per object and field the read-backs could not show: how many records wrote it unverified. */
    unverifiableFields: z.array(z.strictObject({ object: ObjectName, field: z.string().min(1), records: Count })).optional(),
  })
  .superRefine((r, ctx) => {
    const seen = new Set<string>();
    r.phases.forEach((p, i) => {
      if (seen.has(p.object)) ctx.addIssue({ code: 'custom', path: ['phases', i, 'object'], message: `duplicate phase for ${p.object}` });
      seen.add(p.object);
    });
    if (r.startedAt && r.finishedAt && Date.parse(r.finishedAt) < Date.parse(r.startedAt)) {
      ctx.addIssue({ code: 'custom', path: ['finishedAt'], message: 'finishedAt is before startedAt' });
    }
  });
/** A run's reconciliation report. */
export type ReconciliationReport = z.infer<typeof ReconciliationReport>;

/** "a sample of 300 from 2,000 source contacts (seeded, stratified draw; seed 1): …" */
export function sampleLine(s: SampleFacts): string {
  return `a sample of ${fmt(s.size)} from ${fmt(s.population)} source contacts (seeded, stratified draw; seed ${s.seed}): every count is the sample's`;
}

/** The outcome counts that must add up to `source`, in display order. */
export function outcomeTerms(phase: PhaseReconciliation): Array<[label: string, count: number]> {
  const terms: Array<[string, number]> = [
    ['quarantined', phase.quarantined],
    ['merged', phase.merged],
    ['created', phase.created],
    ['updated', phase.updated],
    ['failed', phase.failed],
  ];
  if (phase.orphaned !== undefined) terms.push(['orphaned', phase.orphaned]);
  if (phase.skipped !== undefined) terms.push(['skipped', phase.skipped]);
  return terms;
}

/** Sum of the outcome counts: how many source records the phase accounts for. */
export function accountedFor(phase: PhaseReconciliation): number {
  return outcomeTerms(phase).reduce((sum, [, n]) => sum + n, 0);
}

/**
 * The row-count invariant: every source record ends in exactly one outcome, so
 * `source = quarantined + merged + created + updated + failed` (+ `orphaned` and
 * `skipped` when the phase reports them — they are outcomes too, or a phase that
 * skips records could never balance). Returns null when it holds, otherwise a message
 * naming the object, the difference and every term.
 */
export function checkBalance(phase: PhaseReconciliation): string | null {
  const total = accountedFor(phase);
  const diff = phase.source - total;
  if (diff === 0) return null;
  const what = diff > 0 ? `${fmt(diff)} source record${diff === 1 ? '' : 's'} unaccounted for` : `outcomes exceed source by ${fmt(-diff)}`;
  const terms = outcomeTerms(phase)
    .map(([label, n]) => `${label} ${fmt(n)}`)
    .join(' + ');
  return `${phase.object}: ${what} (source ${fmt(phase.source)}, accounted for ${fmt(total)} = ${terms})`;
}

/** verified / (created + updated), or null when the phase wrote nothing. */
export function verificationRate(phase: PhaseReconciliation): number | null {
  const written = phase.created + phase.updated;
  return written === 0 ? null : phase.verified / written;
}

/**
 * A ratio as a percentage with one decimal, rounded down: 99.96% must not read as
 * "100.0%" on a sign-off document while records are still unverified.
 */
export function formatPercent(ratio: number): string {
  const tenths = Math.floor(ratio * 1000 + 1e-9);
  return `${(tenths / 10).toFixed(1)}%`;
}

/** "99.8% (998 of 1,000)", or "n/a (nothing written)". */
export function formatVerification(phase: PhaseReconciliation): string {
  const rate = verificationRate(phase);
  if (rate === null) return 'n/a (nothing written)';
  return `${formatPercent(rate)} (${fmt(phase.verified)} of ${fmt(phase.created + phase.updated)})`;
}

/** An integer with thousands separators, independent of the machine's locale. */
export function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

/** Display name of a phase's object for people: "Contacts", "Tasks (activities)". */
export function objectLabel(object: PhaseReconciliation['object']): string {
  switch (object) {
    case 'contact':
      return 'Contacts';
    case 'account':
      return 'Accounts';
    case 'deal':
      return 'Deals';
    case 'campaign':
      return 'Campaign deals';
    case 'campaign_note':
      return 'Campaign notes';
    case 'task':
      return 'Tasks (activities)';
    case 'activity':
      return 'Sales activities';
  }
}
