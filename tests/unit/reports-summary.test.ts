import { describe, expect, it } from 'vitest';
import type { PhaseReconciliation, ReconciliationReport } from '../../src/reports/reconciliation.js';
import { formatSummary } from '../../src/reports/summary.js';

const contact: PhaseReconciliation = { object: 'contact', source: 12000, quarantined: 12, merged: 3, created: 11000, updated: 980, failed: 5, verified: 11975, mismatched: 5 };
const deal: PhaseReconciliation = { object: 'deal', source: 40, quarantined: 0, merged: 0, created: 40, updated: 0, failed: 0, verified: 40, mismatched: 0 };

function report(over: Partial<ReconciliationReport> = {}): ReconciliationReport {
  return { runId: 'run-7', phases: [contact, deal], apiCalls: { destination: 1234, rateLimited: 3 }, ...over };
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/;

describe('formatSummary', () => {
  it('prints one aligned row per phase under a header', () => {
    const lines = formatSummary(report()).split('\n');
    const header = lines.findIndex((l) => l.startsWith('object'));
    expect(header).toBeGreaterThan(-1);
    const [head, c, d] = [lines[header]!, lines[header + 1]!, lines[header + 2]!];
    expect(c).toMatch(/^Contacts\s+12,000\s+12\s+3\s+11,000\s+980\s+5\s+11,975\s+5\s+99\.9%\s+✓$/);
    expect(d).toMatch(/^Deals\s+40\s+0\s+0\s+40\s+0\s+0\s+40\s+0\s+100\.0%\s+✓$/);
    // Right-aligned numbers end where their header ends.
    for (const col of ['source', 'created', 'verified']) {
      const end = head.indexOf(col) + col.length;
      expect(c[end - 1]).toMatch(/\d/);
      expect(c[end]).toBe(' ');
      expect(d[end - 1]).toMatch(/\d/);
      expect(d[end]).toBe(' ');
    }
  });

  it('reports balance, verification and API calls', () => {
    const out = formatSummary(report({ plan: { tier: 'growth', estimatedCalls: 1300, actualCalls: 1234 } }));
    expect(out).toContain('✓ every phase balances');
    expect(out).toContain('contact 99.9% (11,975 of 11,980)');
    expect(out).toContain('1,234 to Freshsales, 3 rate-limited (429)');
    expect(out).toContain('plan growth: 1,234 used of 1,300 estimated, 94.9% of the calls planned');
    expect(out.endsWith('\n')).toBe(true);
  });

  it('flags an unbalanced phase with the difference', () => {
    const out = formatSummary(report({ phases: [{ ...contact, created: 10990 }, deal] }));
    expect(out).toMatch(/^Contacts .*✗ 10 unaccounted$/m);
    expect(out).toContain('✗ contact: 10 source records unaccounted for');
    expect(out).not.toContain('every phase balances');
  });

  it('adds orphaned and skipped columns only when a phase reports them', () => {
    expect(formatSummary(report())).not.toContain('orphaned');
    const out = formatSummary(report({ phases: [contact, { ...deal, created: 38, orphaned: 2 }] }));
    expect(out).toMatch(/^object .* orphaned /m);
    expect(out).toMatch(/^Contacts .* - /m);
    expect(out).not.toContain('skipped');
    expect(out).not.toContain('✗');
  });

  it('has no colour codes unless asked, and colours ✓/✗ when asked', () => {
    const unbalanced = report({ phases: [{ ...contact, failed: 6 }] });
    expect(formatSummary(unbalanced)).not.toMatch(ANSI);
    expect(formatSummary(unbalanced, { color: false })).not.toMatch(ANSI);
    const coloured = formatSummary(unbalanced, { color: true });
    expect(coloured).toContain('\x1b[31m✗');
    expect(formatSummary(report(), { color: true })).toContain('\x1b[32m✓\x1b[0m');
    // stripping the codes gives back the plain layout
    // eslint-disable-next-line no-control-regex
    expect(coloured.replace(/\x1b\[[0-9;]*m/g, '')).toBe(formatSummary(unbalanced));
  });

  it('says so when no phase has completed', () => {
    expect(formatSummary(report({ phases: [] }))).toContain('No phase has completed yet.');
  });

  it('names the first few records not written and where the full list is', () => {
    const failures = Array.from({ length: 8 }, (_, i) => ({ recordKey: `k:${i}`, object: 'contact' as const, reason: `HTTP 400:\n  reason ${i}` }));
    const out = formatSummary(report({ failures }), { failuresFile: '/out/failures.csv' });
    expect(out).toContain('Records not written — the first 5 of 5 failed or orphaned:');
    expect(out).toContain('  contact k:0: HTTP 400: reason 0');
    expect(out).not.toContain('k:5');
    expect(out).toContain('Full list: /out/failures.csv');
    // A run with no failure names none.
    expect(formatSummary(report({ failures: [] }))).not.toContain('Records not written');
  });

  it('shows unverifiable and re-parented columns only when a phase has some', () => {
    const task: PhaseReconciliation = { object: 'task', source: 10, quarantined: 0, merged: 0, created: 9, updated: 0, failed: 0, verified: 9, mismatched: 0, orphaned: 1, reparented: 2, unverifiable: 0 };
    const withContact = { ...contact, unverifiable: 7 };
    const out = formatSummary(report({ phases: [withContact, task] }));
    expect(out).toMatch(/re-parented/);
    expect(out).toMatch(/unverifiable/);
    expect(formatSummary(report())).not.toMatch(/unverifiable|re-parented/);
  });
});
