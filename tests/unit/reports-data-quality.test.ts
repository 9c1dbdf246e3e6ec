import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FLAG_TITLES, RECOMMENDATIONS } from '../../src/mapping/quality.js';
import { renderDataQualityMarkdown, writeDataQualityReport, type DataQualityModel } from '../../src/reports/data-quality.js';
import { parseCsv } from '../helpers/csv.js';

const model = (over: Partial<DataQualityModel> = {}): DataQualityModel => ({
  source: 'Xtremepush',
  generatedAt: '2025-01-01T00:00:00.000Z',
  contacts: 3,
  rows: [
    {
      recordKey: 'xtremepush:profile:1',
      sourceId: '1',
      email: '=1+1@example.com',
      flags: [
        { kind: 'source_id_collision', severity: 'error', message: 'user id "u-7" is shared with profile 2 (a different email): which person it identifies is ambiguous; the record is quarantined (on_invalid: quarantine)' },
        { kind: 'future_date', severity: 'warning', message: '-future date: attributes.date_of_birth is "2099-06-01", after 2025-01-01: it loads as written' },
      ],
      severity: 'error',
    },
    { recordKey: 'xtremepush:profile:2', sourceId: '2', email: '@evil', flags: [{ kind: 'bidi_override', severity: 'warning', message: 'bidi control characters in firstName' }], severity: 'warning' },
  ],
  totals: { source_id_collision: 1, future_date: 1, bidi_override: 1, malformed_row: 0 },
  bySeverity: { error: 1, warning: 1, info: 0 },
  duplicateGroups: 0,
  sourceIdCollisions: 1,
  malformedRows: 2,
  limitations: [],
  mapChecked: true,
  titles: FLAG_TITLES,
  recommendations: RECOMMENDATIONS,
  ...over,
});

const dir = mkdtempSync(join(tmpdir(), 'dq-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('data quality report', () => {
  it('writes one owner-only CSV row per flagged contact, every flag in it, no cell a formula', async () => {
    const out = await writeDataQualityReport(dir, model());
    expect(out.rows).toBe(2);
    expect(statSync(out.csv).mode & 0o777).toBe(0o600);
    const rows = parseCsv(readFileSync(out.csv, 'utf8').replace(/^\uFEFF/, ''));
    expect(rows[1]!.slice(0, 3)).toEqual(['xtremepush:profile:1', '1', "'=1+1@example.com"]);
    expect(rows[1]![3]).toBe('user id "u-7" is shared with profile 2 (a different email): which person it identifies is ambiguous; the record is quarantined (on_invalid: quarantine); -future date: attributes.date_of_birth is "2099-06-01", after 2025-01-01: it loads as written');
    for (const row of rows) for (const cell of row) expect(/^[=+\-@]/.test(cell), cell).toBe(false);
  });

  it('says how many user ids are ambiguous and how many rows were malformed, with titles and advice for the new flags', () => {
    const md = renderDataQualityMarkdown(model());
    expect(md).toContain('1 source user id(s) are shared by profiles with different emails');
    expect(md).toContain('2 source row(s) did not have the shape the API promises');
    expect(md).toContain('### User id shared by several profiles — 1');
    expect(md).toContain('### Date in the future — 1');
    expect(md).toContain('### Bidi control characters — 1');
    expect(md).not.toContain('### Malformed source row');
    const quiet = renderDataQualityMarkdown(model({ sourceIdCollisions: 0, malformedRows: 0 }));
    expect(quiet).not.toMatch(/user id\(s\) are shared|did not have the shape/);
  });
});
