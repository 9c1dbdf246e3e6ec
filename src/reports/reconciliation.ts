/**
 * The per-run reconciliation report: schema, balance check, and the writer that puts
 * `reconciliation.json` (for machines and the web UI) and `reconciliation.html` (for the
 * Freshsales admin's sign-off) in a run's report directory.
 *
 * The writer takes only the report — never config — and validates it first, so a bug
 * upstream produces an error, not a malformed or secret-bearing file.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { TerminalError } from '../core/errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { REPORT_LIST_LIMIT, renderReconciliationHtml } from './reconciliation-html.js';
import { ReconciliationReport, type PhaseReconciliation } from './reconciliation-model.js';

export {
  FieldMismatch,
  PhaseReconciliation,
  PlanUsage,
  ReconciliationReport,
  RecordFailure,
  accountedFor,
  checkBalance,
  formatPercent,
  formatVerification,
  verificationRate,
} from './reconciliation-model.js';
export { REPORT_LIST_LIMIT, renderReconciliationHtml } from './reconciliation-html.js';

/** File names inside a run's report directory. */
export const RECONCILIATION_JSON = 'reconciliation.json';
/** File names inside a run's report directory. */
export const RECONCILIATION_HTML = 'reconciliation.html';

/**
 * Validate a report, throwing a TerminalError that lists every problem (paths and rule
 * messages, never the offending values). Returns the parsed report.
 */
export function parseReconciliation(input: unknown): ReconciliationReport {
  const result = ReconciliationReport.safeParse(input);
  if (result.success) return result.data;
  const details = result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
  throw new TerminalError(`reconciliation report is malformed: ${details.join('; ')}`, { cause: result.error, details });
}

/**
 * The report as the exact JSON object written to disk: required keys first in a fixed
 * order (`runId`, `phases`, `apiCalls`; per phase `object`, `source`, `quarantined`,
 * `merged`, `created`, `updated`, `failed`, `verified`, `mismatched`), then the optional
 * ones that are present. Lists are capped at {@link REPORT_LIST_LIMIT}.
 */
export function toReconciliationJson(report: ReconciliationReport): Record<string, unknown> {
  const out: Record<string, unknown> = {
    runId: report.runId,
    ...(report.sample !== undefined ? { sample: report.sample } : {}),
    phases: report.phases.map(phaseJson),
    apiCalls: { destination: report.apiCalls.destination, rateLimited: report.apiCalls.rateLimited },
  };
  if (report.startedAt !== undefined) out.startedAt = report.startedAt;
  if (report.finishedAt !== undefined) out.finishedAt = report.finishedAt;
  if (report.plan !== undefined) {
    out.plan = { tier: report.plan.tier, estimatedCalls: report.plan.estimatedCalls, actualCalls: report.plan.actualCalls };
  }
  if (report.mismatches !== undefined) {
    out.mismatches = report.mismatches
      .slice(0, REPORT_LIST_LIMIT)
      .map((m) => ({ recordKey: m.recordKey, object: m.object, field: m.field, expected: m.expected, actual: m.actual }));
  }
  if (report.failures !== undefined) {
    out.failures = report.failures.slice(0, REPORT_LIST_LIMIT).map((f) => ({ recordKey: f.recordKey, object: f.object, reason: f.reason }));
  }
  return out;
}

function phaseJson(p: PhaseReconciliation): Record<string, unknown> {
  const out: Record<string, unknown> = {
    object: p.object,
    source: p.source,
    quarantined: p.quarantined,
    merged: p.merged,
    created: p.created,
    updated: p.updated,
    failed: p.failed,
    verified: p.verified,
    mismatched: p.mismatched,
  };
  if (p.orphaned !== undefined) out.orphaned = p.orphaned;
  if (p.skipped !== undefined) out.skipped = p.skipped;
  return out;
}

/**
 * Validate `report` and write `reconciliation.json` and `reconciliation.html` into `dir`
 * (created if missing), each atomically. The HTML is written first, so a present JSON
 * file means both are complete. Returns the two paths.
 */
export async function writeReconciliation(dir: string, report: ReconciliationReport): Promise<{ json: string; html: string }> {
  // Parse even though the type says it is valid: callers may hand in data built at runtime.
  const valid = parseReconciliation(report as unknown);
  const json = join(dir, RECONCILIATION_JSON);
  const html = join(dir, RECONCILIATION_HTML);
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(html, renderReconciliationHtml(valid));
  await writeFileAtomic(json, `${JSON.stringify(toReconciliationJson(valid), null, 2)}\n`);
  return { json, html };
}

