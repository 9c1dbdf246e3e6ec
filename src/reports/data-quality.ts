/**
 * The data quality report: `data-quality.csv` (one row per flagged contact — record key,
 * source id, email, flags joined with "; ", severity — streamed through the CSV writer, which
 * neutralises spreadsheet formulas in source data) and `data-quality.md` (totals per flag and
 * what to do about each: clean, delete or accept as-is).
 *
 * Takes a plain model; the flag titles and recommendations come in with it (they belong to
 * the quality rules in mapping/, which reports do not import).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { createCsvWriter } from './csv.js';
import { mdCell, mdTable, percent } from './inventory-report.js';

/** File names inside the discovery folder. */
export const DATA_QUALITY_CSV = 'data-quality.csv';
/** File names inside the discovery folder. */
export const DATA_QUALITY_MD = 'data-quality.md';
/** Columns of the CSV, in order. */
export const DATA_QUALITY_COLUMNS = ['record_key', 'source_id', 'email', 'flags', 'severity'] as const;
/** Separator between a row's flags. */
export const FLAG_SEPARATOR = '; ';

/** One flagged row as the report sees it. */
export interface QualityRowView {
  recordKey: string;
  sourceId: string;
  email: string | null;
  flags: Array<{ kind: string; severity: string; message: string }>;
  severity: string;
}

/** Everything the report shows. */
export interface DataQualityModel {
  source: string;
  generatedAt: string;
  contacts: number;
  rows: QualityRowView[];
  /** Flag kind → rows carrying it, in report order. */
  totals: Record<string, number>;
  bySeverity: Record<string, number>;
  duplicateGroups: number;
  /** Source user ids shared by profiles with different emails (each one is ambiguous). */
  sourceIdCollisions?: number;
  /** Contacts whose source row did not have the shape the API promises (a value of the wrong type, a key no attribute can have). */
  malformedRows?: number;
  limitations: string[];
  mapChecked: boolean;
  /** Flag kind → heading. */
  titles: Record<string, string>;
  /** Flag kind → clean / delete / accept-as-is advice. */
  recommendations: Record<string, string>;
}

/**
 * Stream flagged rows into `file` (owner-only: it lists emails). Returns the rows written;
 * on a failure nothing is left at `file`.
 */
export async function writeDataQualityCsv(file: string, rows: Iterable<QualityRowView> | AsyncIterable<QualityRowView>): Promise<number> {
  const writer = await createCsvWriter(file, DATA_QUALITY_COLUMNS, { mode: 0o600 });
  try {
    for await (const r of rows) {
      await writer.write({ record_key: r.recordKey, source_id: r.sourceId, email: r.email ?? '', flags: r.flags.map((f) => f.message).join(FLAG_SEPARATOR), severity: r.severity });
    }
  } catch (e) {
    await writer.abort();
    throw e;
  }
  return writer.close();
}

/** The summary as Markdown. */
export function renderDataQualityMarkdown(m: DataQualityModel): string {
  const out: string[] = [];
  const share = (k: number) => percent(k / Math.max(1, m.contacts));
  out.push(`# Data quality report — ${mdCell(m.source)}`, '', `Generated ${mdCell(m.generatedAt)} over ${m.contacts.toLocaleString('en-US')} contacts. Row-level flags are in ${DATA_QUALITY_CSV}.`, '');
  out.push(
    '## Summary',
    '',
    mdTable(
      ['Severity', 'Contacts', 'Share', 'Meaning'],
      [
        ['error', m.bySeverity.error ?? 0, share(m.bySeverity.error ?? 0), 'will not load as it is (quarantined)'],
        ['warning', m.bySeverity.warning ?? 0, share(m.bySeverity.warning ?? 0), 'loads with less than the source has, or merges into another record'],
        ['info', m.bySeverity.info ?? 0, share(m.bySeverity.info ?? 0), 'loads; worth knowing'],
      ],
    ),
    '',
  );
  out.push(
    '## Flags',
    '',
    mdTable(
      ['Flag', 'Contacts', 'Share'],
      Object.entries(m.totals).map(([k, v]) => [m.titles[k] ?? k, v, share(v)]),
    ),
    '',
  );
  if (m.duplicateGroups > 0) out.push(`${m.duplicateGroups.toLocaleString('en-US')} email(s) are shared by more than one contact (compared case-insensitively); the newest update wins.`, '');
  if ((m.sourceIdCollisions ?? 0) > 0) {
    out.push(`${(m.sourceIdCollisions ?? 0).toLocaleString('en-US')} source user id(s) are shared by profiles with different emails: which person each names is ambiguous (the rows are flagged).`, '');
  }
  if ((m.malformedRows ?? 0) > 0) {
    out.push(`${(m.malformedRows ?? 0).toLocaleString('en-US')} source row(s) did not have the shape the API promises; each is flagged with the column and the value, and the rest of the source was read as usual.`, '');
  }
  if (!m.mapChecked) out.push('No mapping file was given: values were not checked against a map. Run discovery again after `map propose` to see which records the map would reject.', '');

  out.push('## Recommendations', '', 'For each flag, decide per row in the CSV: **clean** (fix in the source before the run), **delete** (remove from the source), or **accept as-is**.', '');
  for (const [k, v] of Object.entries(m.totals)) {
    if (v === 0) continue;
    out.push(`### ${mdCell(m.titles[k] ?? k)} — ${v.toLocaleString('en-US')}`, '', mdCell(m.recommendations[k] ?? ''), '');
  }
  if (Object.values(m.totals).every((v) => v === 0)) out.push('Nothing to clean: every contact loads as it is.', '');

  if (m.limitations.length > 0) {
    out.push('## Limitations', '');
    for (const l of m.limitations) out.push(`- ${mdCell(l)}`);
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/** Write `data-quality.csv` and `data-quality.md` into `outDir`. */
export async function writeDataQualityReport(outDir: string, m: DataQualityModel): Promise<{ csv: string; md: string; rows: number }> {
  await mkdir(outDir, { recursive: true });
  const csv = join(outDir, DATA_QUALITY_CSV);
  const md = join(outDir, DATA_QUALITY_MD);
  const rows = await writeDataQualityCsv(csv, m.rows);
  await writeFileAtomic(md, renderDataQualityMarkdown(m), { mode: 0o600 });
  return { csv, md, rows };
}
