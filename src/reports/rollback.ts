/**
 * The rollback report: per phase what was deleted, restored, kept (edited in Freshsales since
 * the migration wrote it, with the fields that changed) and what failed, with the calls spent.
 * `rollback.json` for machines, `rollback.html` for the people who asked for the rollback.
 * Validated before it is written; it carries ids, source keys, field names and the values of
 * edited fields (the same personal data the reconciliation's mismatch list carries), never config.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { ObjectName } from '../core/model.js';
import { writeFileAtomic } from './atomic-write.js';
import { escapeHtml as h } from './html.js';
import { REPORT_LIST_LIMIT } from './reconciliation-html.js';
import { reportPage } from './page.js';

export const ROLLBACK_JSON = 'rollback.json';
export const ROLLBACK_HTML = 'rollback.html';

const count = z.number().int().nonnegative();

export const RollbackPhase = z.strictObject({
  object: ObjectName,
  label: z.string(),
  deleted: count,
  restored: count,
  /** Edited in Freshsales since the migration wrote them (or hanging on such a record): left as they are. */
  kept: count,
  /** Gone from Freshsales before the rollback reached them. */
  gone: count,
  failed: count,
  /** Still to do (a dry run, or a declined prompt). */
  toDelete: count,
  toRestore: count,
  calls: count,
});
export type RollbackPhase = z.infer<typeof RollbackPhase>;

const Change = z.strictObject({ field: z.string(), expected: z.unknown(), actual: z.unknown() });

export const RollbackReport = z.strictObject({
  runId: z.string(),
  status: z.enum(['rolled back', 'rolled back with errors', 'dry run', 'declined']),
  targets: z.array(z.strictObject({ id: z.string(), command: z.string(), startedAt: z.string() })),
  startedAt: z.string(),
  finishedAt: z.string(),
  phases: z.array(RollbackPhase),
  kept: z.array(z.strictObject({ object: ObjectName, destId: z.string(), sourceKeys: z.array(z.string()), reason: z.string(), changes: z.array(Change) })),
  failures: z.array(z.strictObject({ object: ObjectName, destId: z.string(), sourceKeys: z.array(z.string()), reason: z.string() })),
  apiCalls: count,
});
export type RollbackReport = z.infer<typeof RollbackReport>;

/** Validate and write both files; lists beyond REPORT_LIST_LIMIT are cut (the counts stay whole). */
export async function writeRollbackReport(dir: string, input: RollbackReport): Promise<{ json: string; html: string }> {
  const report = RollbackReport.parse(input);
  const capped = { ...report, kept: report.kept.slice(0, REPORT_LIST_LIMIT), failures: report.failures.slice(0, REPORT_LIST_LIMIT) };
  const json = join(dir, ROLLBACK_JSON);
  const html = join(dir, ROLLBACK_HTML);
  await writeFileAtomic(json, `${JSON.stringify({ ...capped, keptTotal: report.kept.length, failuresTotal: report.failures.length }, null, 2)}\n`, { mode: 0o600 });
  await writeFileAtomic(html, renderRollbackHtml(report), { mode: 0o600 });
  return { json, html };
}

/** The one-line outcome, for the terminal. */
export function formatRollbackSummary(r: RollbackReport): string {
  const lines = [`rollback ${r.runId}: ${r.status} (${r.apiCalls} calls)`];
  for (const p of r.phases) {
    const todo = p.toDelete + p.toRestore > 0 ? `, to delete ${p.toDelete}, to restore ${p.toRestore}` : '';
    lines.push(`  ${p.label.padEnd(17)} deleted ${p.deleted}, restored ${p.restored}, kept ${p.kept}, gone already ${p.gone}, failed ${p.failed}${todo}; ${p.calls} calls`);
  }
  if (r.kept.length > 0) lines.push(`  ${r.kept.length} record(s) kept because they were edited in Freshsales since (listed in the report; --force <id> undoes one anyway)`);
  if (r.failures.length > 0) lines.push(`  ${r.failures.length} record(s) could not be undone: run rollback again once the reason is dealt with`);
  return lines.join('\n');
}

export function renderRollbackHtml(r: RollbackReport): string {
  const ok = r.status === 'rolled back' || r.status === 'dry run';
  const row = (p: RollbackPhase) =>
    `<tr><td>${h(p.label)}</td>${[p.deleted, p.restored, p.kept, p.gone, p.failed, p.toDelete, p.toRestore, p.calls].map((n) => `<td class="n">${n}</td>`).join('')}</tr>`;
  const kept = r.kept.slice(0, REPORT_LIST_LIMIT).map(
    (k) =>
      `<tr><td>${h(k.object)}</td><td class="key">${h(k.destId)}</td><td class="key">${h(k.sourceKeys.join(', '))}</td><td>${h(k.reason)}</td><td>${k.changes
        .map((c) => `<code>${h(c.field)}</code>: ${h(show(c.expected))} → ${h(show(c.actual))}`)
        .join('<br>')}</td></tr>`,
  );
  const failed = r.failures.slice(0, REPORT_LIST_LIMIT).map((f) => `<tr><td>${h(f.object)}</td><td class="key">${h(f.destId)}</td><td class="key">${h(f.sourceKeys.join(', '))}</td><td>${h(f.reason)}</td></tr>`);
  return reportPage(`Rollback report — ${r.runId}`, [
    '<h1>Rollback report</h1>',
    `<dl><dt>Rollback run</dt><dd><code>${h(r.runId)}</code></dd><dt>Undoes</dt><dd>${r.targets.map((t) => `<code>${h(t.id)}</code> (${h(t.command)}, started ${h(t.startedAt)})`).join('<br>')}</dd><dt>Started</dt><dd>${h(r.startedAt)}</dd><dt>Finished</dt><dd>${h(r.finishedAt)}</dd><dt>API calls</dt><dd>${r.apiCalls}</dd></dl>`,
    `<div class="banner ${ok ? 'ok' : 'bad'}">${h(bannerText(r))}</div>`,
    '<h2>Per phase</h2>',
    '<table><tr><th>Phase</th><th>Deleted</th><th>Restored</th><th>Kept (edited since)</th><th>Gone already</th><th>Failed</th><th>To delete</th><th>To restore</th><th>Calls</th></tr>',
    ...r.phases.map(row),
    '</table>',
    ...(kept.length > 0
      ? ['<h2>Kept: edited in Freshsales since the migration wrote them</h2>', '<p class="muted">Written value → value in Freshsales now. These were left as they are; <code>rollback --force ID</code> undoes one anyway.</p>', '<table><tr><th>Object</th><th>Freshsales id</th><th>Source key</th><th>Why kept</th><th>Changed fields</th></tr>', ...kept, '</table>']
      : []),
    ...(failed.length > 0 ? ['<h2>Could not be undone</h2>', '<p class="muted">Their journal entries stand: run <code>rollback</code> again to retry them.</p>', '<table><tr><th>Object</th><th>Freshsales id</th><th>Source key</th><th>Reason</th></tr>', ...failed, '</table>'] : []),
    '<p class="muted">Generated by crm-migrate. rollback.json next to this page holds the same figures.</p>',
  ]);
}

function bannerText(r: RollbackReport): string {
  switch (r.status) {
    case 'dry run':
      return 'Dry run: nothing was changed. The counts under "To delete" and "To restore" are what a rollback would do now.';
    case 'declined':
      return 'Declined at the prompt: nothing was changed.';
    case 'rolled back':
      return 'Rolled back: every record the migration wrote is deleted or restored, except those kept because people edited them since.';
    case 'rolled back with errors':
      return 'Rolled back with errors: some records could not be undone (listed below). Run rollback again to retry them.';
  }
}

function show(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v ?? null);
  return s.length > 200 ? `${s.slice(0, 199)}…` : s;
}
