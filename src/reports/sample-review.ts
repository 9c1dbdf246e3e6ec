/**
 * The sample review: for a few dozen records of a sample run, each field side by side — the
 * value in the source, the value written to Freshsales, the value read back from Freshsales —
 * so the customer can check the map on real records before the production run. One HTML page
 * (self-contained, no scripts, like the reconciliation) and one CSV (formula-neutralised),
 * both owner-only: they hold personal data. Pure renderers plus one atomic writer.
 */
import { reportPage } from './page.js';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { toCsv } from './csv.js';
import { escapeHtml as h } from './html.js';
import { fmt } from './reconciliation-model.js';

/**
 * How one field came out: read back as written (`match`), read back different (`mismatch`),
 * written but the read does not carry the field (`unverifiable` — never a mismatch), left
 * out of the write (`not written`: no value, or a value the map drops), or the record itself was
 * not found by the read (`not read`).
 */
export type ReviewState = 'match' | 'mismatch' | 'unverifiable' | 'not written' | 'not read';

export interface ReviewField {
  /** What people call the field ("First name", a custom field's label). */
  label: string;
  /** The destination field it lands in (`first_name`, `custom_field.cf_tier`). */
  target: string;
  /** Where the source value comes from (`firstName`, `attributes.tier`, "segments and tags"). */
  from: string;
  source: unknown;
  written: unknown;
  readBack: unknown;
  state: ReviewState;
  /** Why a value was not written (the map left it out: too long, not a phone...), when known. */
  note?: string;
}

export interface ReviewRecord {
  recordKey: string;
  email: string;
  /** The Freshsales id the journal holds (null when the read did not find it either). */
  destId: string | null;
  /** What this run did with it: created or updated it, or left it as an earlier run wrote it. */
  outcome: 'created' | 'updated' | 'unchanged';
  /** The strata it stands for (`country:IE`...). */
  strata: string[];
  fields: ReviewField[];
}

export interface SampleReview {
  runId: string;
  sample: { size: number; population: number; seed: string };
  /** Destination calls the read-back cost. */
  readCalls: number;
  records: ReviewRecord[];
}

export const SAMPLE_REVIEW_HTML = 'sample-review.html';
export const SAMPLE_REVIEW_CSV = 'sample-review.csv';

const CSV_COLUMNS = ['record_key', 'email', 'freshsales_id', 'outcome', 'field', 'destination_field', 'source_field', 'source_value', 'written_value', 'read_back_value', 'result'] as const;

const STATE_TEXT: Record<ReviewState, string> = {
  match: 'match',
  mismatch: 'MISMATCH',
  unverifiable: 'unverifiable (the read does not show this field)',
  'not written': 'not written',
  'not read': 'record not found by the read-back',
};

/** The result column: the state, and why a value was not written when known. */
function resultText(f: ReviewField): string {
  return f.note ? `${STATE_TEXT[f.state]}: ${f.note}` : STATE_TEXT[f.state];
}

/** A value for a person: text as it is, absent as empty, anything else as JSON. */
export function showReviewValue(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  return JSON.stringify(v) ?? '';
}

/** One CSV row per record and field. */
export function sampleReviewRows(review: SampleReview): Array<Record<(typeof CSV_COLUMNS)[number], string>> {
  return review.records.flatMap((r) =>
    r.fields.map((f) => ({
      record_key: r.recordKey, email: r.email, freshsales_id: r.destId ?? '', outcome: r.outcome, field: f.label, destination_field: f.target, source_field: f.from,
      source_value: showReviewValue(f.source), written_value: showReviewValue(f.written), read_back_value: showReviewValue(f.readBack), result: resultText(f),
    })),
  );
}

/** Totals per state over every field shown. */
export function reviewTotals(review: SampleReview): Record<ReviewState, number> {
  const out: Record<ReviewState, number> = { match: 0, mismatch: 0, unverifiable: 0, 'not written': 0, 'not read': 0 };
  for (const r of review.records) for (const f of r.fields) out[f.state]++;
  return out;
}

const CSS = `
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d232a;margin:2rem auto;max-width:1200px;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #d5dbe1;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.6rem 0;width:100%}th,td{border:1px solid #d5dbe1;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f2f5f7}td.v{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.88em;word-break:break-word;white-space:pre-wrap}
tr.mismatch td{background:#fbeaea}tr.mismatch td.state{color:#a11d1d;font-weight:600}tr.unverifiable td.state{color:#8a5a00}
tr.not-written td,tr.not-read td{color:#5b6670}.muted{color:#5b6670}.key{font-family:ui-monospace,monospace;font-size:.9em}
@media print{body{margin:0;max-width:none}section{break-inside:avoid}}
`;

/** The review as one self-contained HTML page. */
export function renderSampleReviewHtml(review: SampleReview): string {
  const t = reviewTotals(review);
  const s = review.sample;
  const head = [
    '<h1>Sample review</h1>',
    `<p>Run <span class="key">${h(review.runId)}</span>: a sample of ${fmt(s.size)} of ${fmt(s.population)} source contacts (seed <span class="key">${h(s.seed)}</span>). ` +
      `${fmt(review.records.length)} of them are shown here, chosen to cover every segment, lifecycle value, country and data-quality flag the sample holds; ` +
      `each field as the source has it, as it was written to Freshsales, and as Freshsales returns it (${fmt(review.readCalls)} read call${review.readCalls === 1 ? '' : 's'}).</p>`,
    `<p>${fmt(t.match)} field(s) match, <strong>${fmt(t.mismatch)} differ</strong> (highlighted), ${fmt(t.unverifiable)} cannot be checked because the read does not show the field ` +
      `(unverifiable, not a mismatch), ${fmt(t['not written'])} were not written (no value, or a value the map leaves out).</p>`,
  ];
  const sections = review.records.map((r) => {
    const rows = r.fields.map(
      (f) =>
        `<tr class="${f.state.replace(' ', '-')}"><td>${h(f.label)}<br><span class="muted">${h(f.target)}</span></td><td class="muted">${h(f.from)}</td>` +
        `<td class="v">${h(showReviewValue(f.source))}</td><td class="v">${h(showReviewValue(f.written))}</td><td class="v">${h(showReviewValue(f.readBack))}</td><td class="state">${h(resultText(f))}</td></tr>`,
    );
    return [
      '<section>',
      `<h2>${h(r.email)} <span class="muted key">${h(r.recordKey)}${r.destId ? ` → Freshsales ${h(r.destId)}` : ''} · ${h(r.outcome)}</span></h2>`,
      r.strata.length > 0 ? `<p class="muted">Stands for: ${h(r.strata.join(', '))}</p>` : '',
      '<table><thead><tr><th scope="col">Field</th><th scope="col">From</th><th scope="col">Source value</th><th scope="col">Written</th><th scope="col">Read back</th><th scope="col">Result</th></tr></thead>',
      `<tbody>${rows.join('')}</tbody></table>`,
      '</section>',
    ].join('\n');
  });
  return reportPage(`Sample review — run ${review.runId}`, [...head, ...sections, `<p class="muted">Generated by crm-migrate. ${SAMPLE_REVIEW_CSV} next to this page holds the same rows.</p>`], CSS);
}

/** Write `sample-review.html` and `sample-review.csv` into `dir`, atomically and owner-only. */
export async function writeSampleReview(dir: string, review: SampleReview): Promise<{ html: string; csv: string }> {
  const html = join(dir, SAMPLE_REVIEW_HTML);
  const csv = join(dir, SAMPLE_REVIEW_CSV);
  await writeFileAtomic(html, renderSampleReviewHtml(review), { mode: 0o600 });
  await writeFileAtomic(csv, toCsv(sampleReviewRows(review), CSV_COLUMNS, { bom: true }), { mode: 0o600 });
  return { html, csv };
}
