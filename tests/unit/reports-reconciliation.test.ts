import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TerminalError } from '../../src/core/errors.js';
import {
  ReconciliationReport,
  REPORT_LIST_LIMIT,
  checkBalance,
  formatPercent,
  renderReconciliationHtml,
  verificationRate,
  writeReconciliation,
  type PhaseReconciliation,
} from '../../src/reports/reconciliation.js';

const contact: PhaseReconciliation = { object: 'contact', source: 1000, quarantined: 12, merged: 3, created: 900, updated: 80, failed: 5, verified: 975, mismatched: 5 };
const task: PhaseReconciliation = { object: 'task', source: 5000, quarantined: 0, merged: 0, created: 4990, updated: 0, failed: 8, verified: 4990, mismatched: 0, orphaned: 2 };

function report(over: Partial<ReconciliationReport> = {}): ReconciliationReport {
  return { runId: 'run-42', phases: [contact, task], apiCalls: { destination: 5123, rateLimited: 7 }, ...over };
}

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'reports-rec-'));
}

describe('ReconciliationReport schema', () => {
  it('accepts a minimal and a full report', () => {
    expect(ReconciliationReport.safeParse(report()).success).toBe(true);
    const full = report({
      startedAt: '2024-05-01T10:00:00Z',
      finishedAt: '2024-05-01T11:00:00+01:00',
      plan: { tier: 'pro', estimatedCalls: 5200, actualCalls: 5123 },
      mismatches: [{ recordKey: 'xp:1', object: 'contact', field: 'email', expected: 'a@b.c', actual: null }],
      failures: [{ recordKey: 'xp:2', object: 'contact', reason: 'email is invalid' }],
    });
    expect(ReconciliationReport.safeParse(full).success).toBe(true);
  });

  const bad: Array<[string, unknown]> = [
    ['negative count', report({ phases: [{ ...contact, created: -1 }] })],
    ['fractional count', report({ phases: [{ ...contact, verified: 1.5 }] })],
    ['unknown object', report({ phases: [{ ...contact, object: 'lead' as never }] })],
    ['missing required count', { ...report(), phases: [{ ...contact, mismatched: undefined }] }],
    ['missing apiCalls', { runId: 'r', phases: [] }],
    ['empty runId', report({ runId: '' })],
    ['duplicate phase', report({ phases: [contact, contact] })],
    ['unknown top-level key (e.g. config spread in)', { ...report(), config: { apiKey: 'sk_live_123' } }],
    ['unknown phase key', report({ phases: [{ ...contact, apiKey: 'x' } as never] })],
    ['bad timestamp', report({ startedAt: 'yesterday' })],
    ['finished before started', report({ startedAt: '2024-05-01T10:00:00Z', finishedAt: '2024-05-01T09:00:00Z' })],
    ['mismatch without record key', report({ mismatches: [{ recordKey: '', object: 'contact', field: 'x', expected: 1, actual: 2 }] })],
    ['non-JSON mismatch value', report({ mismatches: [{ recordKey: 'k', object: 'contact', field: 'x', expected: Number.NaN, actual: 2 }] })],
  ];
  it.each(bad)('rejects %s', (_name, input) => {
    expect(ReconciliationReport.safeParse(input).success).toBe(false);
  });
});

describe('checkBalance', () => {
  it('returns null when source equals the sum of outcomes', () => {
    expect(checkBalance(contact)).toBeNull();
  });

  it('names the object and the shortfall', () => {
    const msg = checkBalance({ ...contact, created: 898 });
    expect(msg).toMatch(/^contact: 2 source records unaccounted for/);
    expect(msg).toContain('accounted for 998');
  });

  it('names an excess', () => {
    expect(checkBalance({ ...contact, failed: 8 })).toMatch(/outcomes exceed source by 3/);
  });

  it('counts orphaned and skipped only when present', () => {
    // task: 4990 + 8 + orphaned 2 = 5000
    expect(checkBalance(task)).toBeNull();
    const { orphaned: _o, ...noOrphaned } = task;
    expect(checkBalance(noOrphaned)).toMatch(/2 source records unaccounted for/);
    expect(checkBalance({ ...noOrphaned, skipped: 2 })).toBeNull();
  });

  it('is null exactly when the invariant holds (property)', () => {
    const n = fc.nat({ max: 1_000_000 });
    fc.assert(
      fc.property(n, n, n, n, n, n, fc.option(n, { nil: undefined }), fc.option(n, { nil: undefined }), (source, quarantined, merged, created, updated, failed, orphaned, skipped) => {
        const p: PhaseReconciliation = { object: 'deal', source, quarantined, merged, created, updated, failed, verified: 0, mismatched: 0, orphaned, skipped };
        const sum = quarantined + merged + created + updated + failed + (orphaned ?? 0) + (skipped ?? 0);
        expect(checkBalance(p) === null).toBe(sum === source);
      }),
    );
  });
});

describe('verification rate', () => {
  it('is verified / (created + updated), null when nothing was written', () => {
    expect(verificationRate(contact)).toBeCloseTo(975 / 980);
    expect(verificationRate({ ...contact, created: 0, updated: 0 })).toBeNull();
  });

  it('rounds down so an incomplete verification never shows as 100%', () => {
    expect(formatPercent(0.9996)).toBe('99.9%');
    expect(formatPercent(1)).toBe('100.0%');
    expect(formatPercent(0.5)).toBe('50.0%');
    expect(formatPercent(0.998)).toBe('99.8%');
  });
});

describe('writeReconciliation', () => {
  it('writes the exact JSON shape with required keys first, in order', async () => {
    const dir = await tempDir();
    const paths = await writeReconciliation(dir, report());
    expect(paths).toEqual({ json: join(dir, 'reconciliation.json'), html: join(dir, 'reconciliation.html') });
    const text = await readFile(paths.json, 'utf8');
    const parsed = JSON.parse(text) as Record<string, unknown> & { phases: Array<Record<string, unknown>> };
    expect(Object.keys(parsed)).toEqual(['runId', 'phases', 'apiCalls']);
    expect(Object.keys(parsed.phases[0]!)).toEqual(['object', 'source', 'quarantined', 'merged', 'created', 'updated', 'failed', 'verified', 'mismatched']);
    expect(Object.keys(parsed.phases[1]!)).toEqual(['object', 'source', 'quarantined', 'merged', 'created', 'updated', 'failed', 'verified', 'mismatched', 'orphaned']);
    expect(Object.keys(parsed.apiCalls as object)).toEqual(['destination', 'rateLimited']);
    expect(parsed).toEqual(report());
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('puts optional extras after the required keys, whatever order they were given in', async () => {
    const dir = await tempDir();
    const input = {
      failures: [{ reason: 'HTTP 400: email invalid', object: 'contact', recordKey: 'xp:2' }],
      mismatches: [{ actual: 'Silver', expected: 'Gold', field: 'cf_tier', object: 'contact', recordKey: 'xp:1' }],
      plan: { actualCalls: 5123, estimatedCalls: 5200, tier: 'pro' },
      finishedAt: '2024-05-01T11:00:00Z',
      startedAt: '2024-05-01T10:00:00Z',
      apiCalls: { rateLimited: 7, destination: 5123 },
      phases: [{ mismatched: 0, verified: 1, failed: 0, updated: 0, created: 1, merged: 0, quarantined: 0, source: 1, object: 'deal' }],
      runId: 'run-43',
    } as ReconciliationReport;
    const { json } = await writeReconciliation(dir, input);
    const parsed = JSON.parse(await readFile(json, 'utf8')) as Record<string, Array<Record<string, unknown>>>;
    expect(Object.keys(parsed)).toEqual(['runId', 'phases', 'apiCalls', 'startedAt', 'finishedAt', 'plan', 'mismatches', 'failures']);
    expect(Object.keys(parsed.plan!)).toEqual(['tier', 'estimatedCalls', 'actualCalls']);
    expect(Object.keys(parsed.mismatches![0]!)).toEqual(['recordKey', 'object', 'field', 'expected', 'actual']);
    expect(Object.keys(parsed.failures![0]!)).toEqual(['recordKey', 'object', 'reason']);
    expect(Object.keys(parsed.phases![0]!)[0]).toBe('object');
  });

  it('caps the mismatch and failure lists', async () => {
    const dir = await tempDir();
    const many = Array.from({ length: REPORT_LIST_LIMIT + 50 }, (_, i) => ({ recordKey: `xp:${i}`, object: 'contact' as const, reason: 'x' }));
    const { json } = await writeReconciliation(dir, report({ failures: many }));
    const parsed = JSON.parse(await readFile(json, 'utf8')) as { failures: unknown[] };
    expect(parsed.failures).toHaveLength(REPORT_LIST_LIMIT);
  });

  it('refuses a malformed report and writes nothing', async () => {
    const dir = await tempDir();
    const leaky = { ...report(), config: { apiKey: 'sk_live_SECRET' } } as ReconciliationReport;
    const err = await writeReconciliation(dir, leaky).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TerminalError);
    expect((err as Error).message).toContain('config');
    expect((err as Error).message).not.toContain('sk_live_SECRET');
    expect(await readdir(dir)).toEqual([]);
  });

  it('replaces an existing report and leaves no temporary files behind', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'reconciliation.json'), 'old');
    await writeReconciliation(dir, report());
    expect((await readdir(dir)).sort()).toEqual(['reconciliation.html', 'reconciliation.json']);
    expect(JSON.parse(await readFile(join(dir, 'reconciliation.json'), 'utf8'))).toEqual(report());
  });

  it('creates the directory when missing', async () => {
    const dir = join(await tempDir(), 'runs', 'run-42');
    const { html } = await writeReconciliation(dir, report());
    expect(await readFile(html, 'utf8')).toContain('run-42');
  });
});

describe('reconciliation HTML', () => {
  it('shows every phase with its counts', () => {
    const html = renderReconciliationHtml(report());
    expect(html).toContain('<h2 id="phase-contact">Contacts</h2>');
    expect(html).toContain('<h2 id="phase-task">Tasks (activities)</h2>');
    for (const n of ['1,000', '12', '900', '80', '975', '5,000', '4,990']) expect(html).toContain(`<td class="n">${n}</td>`);
    expect(html).toMatch(/<th scope="row">Orphaned<\/th><td class="n">2<\/td>/);
    expect(html).toContain('run-42');
  });

  it('lists the fields reads could not show, and the quarantined, merged, orphaned, re-parented and unverifiable columns', () => {
    const html = renderReconciliationHtml(
      report({
        phases: [{ ...contact, unverifiable: 970 }, { ...task, reparented: 3 }],
        unverifiableFields: [{ object: 'contact', field: 'contact_status_id', records: 970 }],
      }),
    );
    expect(html).toContain('<h2>Unverifiable fields</h2>');
    expect(html).toMatch(/<td>Contacts<\/td><td><code>contact_status_id<\/code><\/td><td class="n">970<\/td>/);
    for (const col of ['Quarantined', 'Merged', 'Orphaned', 'Re-parented', 'Unverifiable']) expect(html).toContain(`<th scope="col">${col}</th>`);
    expect(html).toMatch(/Re-parented to the surviving duplicate<\/th><td class="n">3<\/td>/);
    expect(renderReconciliationHtml(report())).not.toContain('Unverifiable fields');
  });

  it('marks balanced phases ✓ and unbalanced ones ✗ with the difference', () => {
    expect(renderReconciliationHtml(report())).toContain('✓ All 2 phases balance.');
    const html = renderReconciliationHtml(report({ phases: [contact, { ...task, created: 4980 }] }));
    expect(html).toContain('✗ Not balanced: Tasks (activities)');
    expect(html).toContain('✗ 10 unaccounted for');
    expect(html).toContain('task: 10 source records unaccounted for');
  });

  it('shows the verification rate and API calls against the plan', () => {
    const html = renderReconciliationHtml(report({ plan: { tier: 'growth', estimatedCalls: 5200, actualCalls: 5123 } }));
    expect(html).toContain('99.4% (975 of 980)');
    expect(html).toContain('<td class="n">5,123</td>');
    expect(html).toContain('Planned calls (growth plan budget)');
    expect(html).toContain('5,123 (98.5% of the 5,200 calls planned)');
  });

  it('escapes untrusted record keys, field names, values and vendor messages', () => {
    const evil = '<script>alert("x")</script>';
    const html = renderReconciliationHtml(
      report({
        runId: `r<img src=x onerror=alert(1)>`,
        mismatches: [{ recordKey: evil, object: 'contact', field: `f"><b>`, expected: `<i>`, actual: "it's" }],
        failures: [{ recordKey: `k&${evil}`, object: 'contact', reason: `</td><script>steal()</script>` }],
      }),
    );
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<i>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('k&amp;&lt;script&gt;');
    expect(html).toContain('&quot;it&#39;s&quot;');
  });

  it('is self-contained: no scripts, no external assets, inline CSS, CSP forbidding both', () => {
    const html = renderReconciliationHtml(report({ failures: [{ recordKey: 'https://evil.example/x', object: 'task', reason: 'x' }] }));
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<style>');
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    expect(html).not.toMatch(/<(script|link|img|iframe)\b/i);
    expect(html).not.toMatch(/\b(src|href)=/i);
    expect(html).not.toMatch(/url\(/i);
  });

  it('lists the first mismatches and failures with record keys, and the totals', () => {
    const failures = Array.from({ length: 7 }, (_, i) => ({ recordKey: `xp:fail:${i}`, object: 'contact' as const, reason: 'HTTP 400' }));
    const html = renderReconciliationHtml(report({ failures }), { listLimit: 5 });
    expect(html).toContain('xp:fail:4');
    expect(html).not.toContain('xp:fail:5');
    expect(html).toContain('Showing 5 of 13 failed records.');
  });

  it('includes a plain-words legend for each column', () => {
    const html = renderReconciliationHtml(report());
    for (const term of ['Source', 'Quarantined', 'Merged', 'Created', 'Updated', 'Failed', 'Verified', 'Mismatched', 'Verification rate', 'Balance']) {
      expect(html).toContain(`<dt>${term}</dt>`);
    }
  });
});
