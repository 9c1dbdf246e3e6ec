/**
 * The plain-text reconciliation summary the CLI prints at the end of a run: one aligned
 * row per phase, the balance check, verification rates and API usage. Pure: the caller
 * decides on colour (e.g. from `isTTY` and `NO_COLOR`).
 */
import {
  accountedFor,
  checkBalance,
  fmt,
  formatPercent,
  formatVerification,
  objectLabel,
  type PhaseReconciliation,
  type ReconciliationReport,
  sampleLine,
} from './reconciliation-model.js';

/** Options for {@link formatSummary}. */
export interface SummaryOptions {
  /** Emit ANSI colour codes (green ✓, red ✗, yellow warnings). Default false. */
  color?: boolean;
  /** Where every failed and orphaned record is listed, named under the first few. */
  failuresFile?: string;
}

/** How many failures the summary names before pointing to the full list. */
const FAILURES_SHOWN = 5;

type Tone = 'ok' | 'bad' | 'warn' | 'plain';
const ANSI: Record<Exclude<Tone, 'plain'>, string> = { ok: '\x1b[32m', bad: '\x1b[31m', warn: '\x1b[33m' };
const RESET = '\x1b[0m';

interface Cell {
  text: string;
  tone: Tone;
  align: 'left' | 'right';
}

/** Format the report for a terminal; ends with a newline. */
export function formatSummary(report: ReconciliationReport, opts: SummaryOptions = {}): string {
  const paint = (text: string, tone: Tone) => (opts.color && tone !== 'plain' ? `${ANSI[tone]}${text}${RESET}` : text);
  const lines: string[] = [`Reconciliation — run ${report.runId}`];
  if (report.startedAt && report.finishedAt) lines.push(`${report.startedAt} → ${report.finishedAt}`);
  if (report.sample) {
    const missed = report.sample.strata.filter((s) => s.sample === 0).length;
    lines.push(`Sample: ${sampleLine(report.sample)}; ${missed === 0 ? `all ${fmt(report.sample.strata.length)} strata represented` : `${fmt(missed)} of ${fmt(report.sample.strata.length)} strata not represented`}`);
  }
  lines.push('');

  if (report.phases.length === 0) {
    lines.push('No phase has completed yet.');
  } else {
    lines.push(...phaseTable(report.phases, paint));
    lines.push('');
    const problems = report.phases.map(checkBalance).filter((m): m is string => m !== null);
    if (problems.length === 0) lines.push(`Balance:      ${paint('✓ every phase balances', 'ok')}`);
    else for (const m of problems) lines.push(`Balance:      ${paint(`✗ ${m}`, 'bad')}`);
    lines.push(`Verification: ${report.phases.map((p) => `${p.object} ${formatVerification(p)}`).join(', ')}`);
  }

  const { destination, rateLimited } = report.apiCalls;
  let api = `API calls:    ${fmt(destination)} to Freshsales, ${paint(`${fmt(rateLimited)} rate-limited (429)`, rateLimited > 0 ? 'warn' : 'plain')}`;
  if (report.plan) {
    const { tier, estimatedCalls, actualCalls } = report.plan;
    const share = estimatedCalls > 0 ? `, ${formatPercent(actualCalls / estimatedCalls)} of the calls planned` : '';
    api += `; plan ${tier}: ${fmt(actualCalls)} used of ${fmt(estimatedCalls)} estimated${share}`;
  }
  lines.push(api);
  const failures = report.failures ?? [];
  if (failures.length > 0) {
    const total = report.phases.reduce((n, p) => n + p.failed + (p.orphaned ?? 0), 0);
    lines.push('');
    const failed = report.phases.reduce((n, p) => n + p.failed, 0);
    const what = failed > 0 ? `failed or orphaned` : 'orphaned (their parent did not migrate)';
    lines.push(paint(`Records not written — the first ${fmt(Math.min(FAILURES_SHOWN, failures.length))} of ${fmt(total)} ${what}:`, failed > 0 ? 'bad' : 'warn'));
    for (const f of failures.slice(0, FAILURES_SHOWN)) lines.push(`  ${f.object} ${f.recordKey}: ${oneLine(f.reason)}`);
    if (opts.failuresFile) lines.push(`Full list: ${opts.failuresFile}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A reason on one line, at most 200 characters. */
function oneLine(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 200 ? `${t.slice(0, 199)}…` : t;
}

function phaseTable(phases: PhaseReconciliation[], paint: (t: string, tone: Tone) => string): string[] {
  const withOrphaned = phases.some((p) => p.orphaned !== undefined);
  const withSkipped = phases.some((p) => p.skipped !== undefined);
  const withReparented = phases.some((p) => (p.reparented ?? 0) > 0);
  const withUnverifiable = phases.some((p) => (p.unverifiable ?? 0) > 0);
  const num = (n: number | undefined, warnIfPositive = false): Cell => ({
    text: n === undefined ? '-' : fmt(n),
    tone: warnIfPositive && n !== undefined && n > 0 ? 'warn' : 'plain',
    align: 'right',
  });
  const text = (t: string, tone: Tone = 'plain'): Cell => ({ text: t, tone, align: 'left' });

  const head = ['object', 'source', 'quarantined', 'merged', 'created', 'updated', 'failed'];
  if (withOrphaned) head.push('orphaned');
  if (withSkipped) head.push('skipped');
  if (withReparented) head.push('re-parented');
  head.push('verified', 'mismatched');
  if (withUnverifiable) head.push('unverifiable');
  head.push('verified %', 'balance');

  const body: Cell[][] = phases.map((p) => {
    const diff = p.source - accountedFor(p);
    const rate = p.created + p.updated === 0 ? 'n/a' : formatPercent(p.verified / (p.created + p.updated));
    const row: Cell[] = [text(objectLabel(p.object)), num(p.source), num(p.quarantined, true), num(p.merged), num(p.created), num(p.updated), num(p.failed, true)];
    if (withOrphaned) row.push(num(p.orphaned, true));
    if (withSkipped) row.push(num(p.skipped));
    if (withReparented) row.push(num(p.reparented));
    row.push(num(p.verified), num(p.mismatched, true));
    if (withUnverifiable) row.push(num(p.unverifiable, true));
    row.push({ text: rate, tone: 'plain', align: 'right' });
    row.push(diff === 0 ? text('✓', 'ok') : text(diff > 0 ? `✗ ${fmt(diff)} unaccounted` : `✗ ${fmt(-diff)} over`, 'bad'));
    return row;
  });

  const headCells: Cell[] = head.map((t, i) => ({ text: t, tone: 'plain', align: i === 0 || i === head.length - 1 ? 'left' : 'right' }));
  const all = [headCells, ...body];
  const widths = head.map((_, i) => Math.max(...all.map((r) => [...(r[i]?.text ?? '')].length)));
  // Pad before painting so escape codes never count towards the column width.
  return all.map((r) =>
    r
      .map((c, i) => {
        const w = widths[i] ?? 0;
        const pad = ' '.repeat(Math.max(0, w - [...c.text].length));
        return c.align === 'right' ? pad + paint(c.text, c.tone) : paint(c.text, c.tone) + pad;
      })
      .join('  ')
      .trimEnd(),
  );
}
