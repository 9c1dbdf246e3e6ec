/**
 * The review pages as server-rendered HTML: Map, Confirm, Data quality, Runs. No script; every
 * control is a labelled form element in document order, so the pages work from the keyboard
 * alone, and the style sheet stacks them in a narrow window. Every value goes through
 * escapeHtml.
 */
import { escapeHtml as h } from '../reports/html.js';
import { accountedFor, fmt } from '../reports/reconciliation-model.js';
import { LIMIT_TYPE_LABELS, LIMIT_TYPES, type SchemaPlan } from '../mapping/schema-plan.js';
import { CUSTOM_FIELD_TYPES, defaultOnInvalid, isCustomTarget, ON_INVALID, STANDARD_CONTACT_FIELDS, targetLabel, targetRule, type MappingField, type OnInvalid, type Target } from '../mapping/spec.js';
import type { ReconciliationReport } from '../reports/reconciliation-model.js';
import { budgetChart, phaseChart } from './charts.js';
import { CHOICE_TYPES, CUSTOM_TARGET, type EditControl, type EditProblem } from './map-edit.js';
import { valueInputs, valueRowsView, type MapEditInput } from './map-form.js';
import type { MapRow, MapView, RunView } from './services.js';

/** The pages, in navigation order. */
const NAV = [
  ['map', '/map', 'Map'],
  ['confirm', '/confirm', 'Confirm'],
  ['quality', '/quality', 'Data quality'],
  ['runs', '/runs', 'Runs'],
] as const;
/** A page of the navigation. */
export type PageId = (typeof NAV)[number][0];

/** A whole page: skip link, header with navigation, one main landmark. */
export function layout(title: string, current: PageId | null, body: string[]): string {
  const nav = NAV.map(([id, href, label]) => `<li><a href="${href}"${id === current ? ' aria-current="page"' : ''}>${label}</a></li>`).join('');
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${h(title)} — crm-migrate review</title>`,
    '<link rel="stylesheet" href="/assets/review.css">',
    '</head>',
    '<body>',
    '<a class="skip" href="#main">Skip to content</a>',
    `<header><p class="brand">crm-migrate review</p><nav aria-label="Pages"><ul>${nav}</ul></nav></header>`,
    '<main id="main" tabindex="-1">',
    `<h1>${h(title)}</h1>`,
    ...body,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** A message for the user: `status` (polite) or `alert` (an error). */
function notice(kind: 'status' | 'alert', text: string): string {
  return `<div class="notice ${kind === 'alert' ? 'bad' : 'ok'}" role="${kind}">${h(text)}</div>`;
}

function confirmationLine(v: MapView): string {
  return v.confirmation
    ? `<p class="ok" id="confirmation">Confirmed by ${h(v.confirmation.confirmedBy)} at ${h(v.confirmation.confirmedAt)} (hash <code>${h(v.hash.slice(0, 12))}</code>).</p>`
    : `<p class="bad" id="confirmation">Not confirmed: this map (hash <code>${h(v.hash.slice(0, 12))}</code>) has no confirmation, so migrate will not write. <a href="/confirm">Confirm it</a> once it is right.</p>`;
}

/** What the Map page shows after a POST: a saved message, or the refused edit with its reasons. */
export interface MapPageState {
  saved?: string;
  /** The refused edit: the notice's message, what was typed, and each reason by the control it is about. */
  error?: { message: string; edit: MapEditInput; problems: EditProblem[] };
}

/** How the page names each part of a field's form in messages. */
export const CONTROL_NAMES: Readonly<Record<EditControl, string>> = {
  target: 'Freshsales field',
  transform: 'Transform',
  on_invalid: 'When a value cannot be written',
  values: 'Value map',
  field: 'Field',
};

/** The words for each on_invalid choice. */
const ON_INVALID_WORDS: Readonly<Record<OnInvalid, string>> = {
  quarantine: 'Hold the contact back (quarantine)',
  drop_field: 'Load the contact without this value (drop_field)',
};

/** Blank rows the value-map table offers for new source values (after a save, the page offers them again). */
const NEW_VALUE_ROWS = 3;

/** The Map page: the schema plan first (it changes with every edit), then one card per source attribute. */
export function mapPage(v: MapView, state: MapPageState = {}): string {
  const body: string[] = [];
  if (state.error) body.push(notice('alert', `Not saved: ${state.error.message}`));
  else if (state.saved) body.push(notice('status', `Saved ${state.saved}. The schema plan below is updated; the map needs a new confirmation.`));
  body.push(`<p>The map in <code>${h(v.mappingFile)}</code>: ${v.spec.objects.contact.fields.length} contact fields.${v.inventoryContacts !== null ? ` Statistics over all ${fmt(v.inventoryContacts)} contacts of the discovery inventory.` : ' No discovery inventory: statistics come from the proposal\'s sample (run "crm-migrate discover" for every contact).'}</p>`);
  body.push(confirmationLine(v));
  if (v.proposalProblem) body.push(notice('alert', `The proposal evidence could not be read: ${v.proposalProblem}`));
  for (const w of v.proposal?.warnings ?? []) body.push(`<p class="muted">Proposal warning: ${h(w)}</p>`);
  body.push(planSection(v.plan));
  body.push('<section aria-labelledby="fields-h"><h2 id="fields-h">Source attributes</h2>');
  v.rows.forEach((row, k) => {
    const err = state.error && state.error.edit.from === row.from && String(state.error.edit.index ?? '') === String(row.index ?? '') ? state.error : undefined;
    body.push(rowCard(row, k, v.hash, err));
  });
  body.push('</section>');
  return layout('Map', 'map', body);
}

/** The schema plan against the tier's limits. */
export function planSection(plan: SchemaPlan): string {
  const rows = LIMIT_TYPES.map((t) => {
    const u = plan.usage[t];
    const over = u.used > u.limit;
    return `<tr data-limit="${t}"${over ? ' class="over"' : ''}><th scope="row">${h(LIMIT_TYPE_LABELS[t])}</th><td class="n">${u.used}</td><td class="n">${u.limit}</td><td>${over ? `<span class="bad">${u.used - u.limit} over</span>` : 'fits'}</td></tr>`;
  });
  const totalOver = plan.total.used > plan.total.limit;
  rows.push(`<tr data-limit="total" class="total"><th scope="row">all custom fields</th><td class="n">${plan.total.used}</td><td class="n">${plan.total.limit}</td><td>${totalOver ? `<span class="bad">${plan.total.used - plan.total.limit} over</span>` : 'fits'}</td></tr>`);
  const out = [
    '<section id="plan" aria-labelledby="plan-h" class="plan">',
    `<h2 id="plan-h">Schema plan on the ${h(plan.tier)} plan</h2>`,
    plan.fits ? '<p class="ok" id="plan-verdict">The map fits the plan\'s custom field limits.</p>' : '<p class="bad" id="plan-verdict">The map does not fit the plan: see below.</p>',
    '<div class="scroll" role="region" aria-label="Custom fields against the limits" tabindex="0"><table>',
    '<caption>Contact custom fields against the plan\'s limits</caption>',
    '<thead><tr><th scope="col">type</th><th scope="col">planned</th><th scope="col">limit</th><th scope="col">state</th></tr></thead>',
    `<tbody>${rows.join('')}</tbody></table></div>`,
  ];
  for (const o of plan.over) out.push(`<p class="bad">${h(o.entity)}: ${h(o.type)} ${o.used} of ${o.limit} — these do not fit: ${h(o.fields.join(', '))}</p>`);
  if (plan.problems.length > 0) out.push(`<ul>${plan.problems.map((p) => `<li class="${p.severity === 'error' ? 'bad' : 'muted'}">${h(p.label)}: ${h(p.problem)}</li>`).join('')}</ul>`);
  if (plan.packing) out.push(`<p class="muted">Packing offer: ${h(plan.packing.note)} (apply with "crm-migrate schema plan --pack").</p>`);
  for (const n of plan.notes) out.push(`<p class="muted">${h(n)}</p>`);
  out.push('</section>');
  return out.join('\n');
}

function pct(n: number): string {
  return `${Math.round(n * 1000) / 10}%`;
}

function targetText(t: Target | undefined): string {
  if (t === undefined) return 'skipped';
  if (!isCustomTarget(t)) return `${t} (${STANDARD_CONTACT_FIELDS[t].label})`;
  return `custom ${targetLabel(t)}, ${t.type}${t.choices ? `, ${t.choices.length} choices` : ''}`;
}

/** One source attribute: its statistics and evidence, and the form that changes or skips it. */
function rowCard(row: MapRow, k: number, hash: string, error: MapPageState['error']): string {
  const id = `r${k}`;
  const s = row.stats;
  const e = row.proposed?.evidence;
  const samples = s?.samples ?? e?.sampleValues ?? [];
  const nullRate = s?.nullRate ?? e?.nullRate;
  const distinct = s?.distinct ?? e?.distinctValues;
  const edit = error?.edit;
  const problems = (control: EditControl) => (error?.problems ?? []).filter((p) => p.control === control);
  const target: Target | undefined = row.field?.to;
  const customNow = target !== undefined && isCustomTarget(target) ? target : undefined;
  const selected = edit?.target ?? (target === undefined ? (row.proposed ? (isCustomTarget(row.proposed.target) ? CUSTOM_TARGET : row.proposed.target) : '') : customNow ? CUSTOM_TARGET : target);
  const proposedCustom = row.proposed && isCustomTarget(row.proposed.target) ? row.proposed.target : undefined;
  const label = edit?.label ?? customNow?.custom ?? proposedCustom?.custom ?? '';
  const type = edit?.type ?? customNow?.type ?? proposedCustom?.type ?? 'text';
  const choices = edit?.choices ?? (customNow?.choices ?? proposedCustom?.choices ?? []).join('\n');
  const options = [
    `<option value=""${selected === '' ? ' selected' : ''}>— choose —</option>`,
    ...Object.entries(STANDARD_CONTACT_FIELDS).map(([name, rule]) => `<option value="${name}"${selected === name ? ' selected' : ''}>${h(rule.label)} (${name})</option>`),
    `<option value="${CUSTOM_TARGET}"${selected === CUSTOM_TARGET ? ' selected' : ''}>Custom field…</option>`,
  ].join('');
  const typeOptions = CUSTOM_FIELD_TYPES.map((t) => `<option value="${t}"${type === t ? ' selected' : ''}>${t}${CHOICE_TYPES.has(t) ? ' (with choices)' : ''}</option>`).join('');
  const facts: Array<[string, string]> = [
    ['Maps to', `<strong data-target>${h(targetText(target))}</strong>`],
    ['Samples', samples.length > 0 ? samples.map((x) => `<code>${h(x)}</code>`).join(', ') : '<span class="muted">none</span>'],
    ['Null rate', nullRate === undefined ? '—' : pct(nullRate)],
    ['Distinct values', distinct === undefined ? '—' : h(distinct)],
  ];
  if (row.proposed) {
    facts.push(['Proposed', h(targetText(row.proposed.target))]);
    facts.push(['Read as', h(row.proposed.type)]);
    facts.push(['Confidence', `${Math.round(row.proposed.confidence * 100)}%`]);
    facts.push(['Evidence', h([row.proposed.evidence.typeFit, ...row.proposed.evidence.notes].filter(Boolean).join(' · ') || '—')]);
  }
  // Problems with the field as a whole (and, for an attribute the map leaves out, with the
  // parts its form does not show), or a refusal that names no part of it (the map changed since).
  const own = (c: EditControl) => c === 'field' || (row.field === undefined && c !== 'target');
  const fieldProblems = error ? (error.problems.length > 0 ? error.problems.filter((p) => own(p.control)).map((p) => (p.control === 'field' ? p.message : `${CONTROL_NAMES[p.control]}: ${p.message}`)) : [error.message]) : [];
  const targetErr = errorLine(`${id}-target-err`, problems('target'));
  return [
    `<section class="card${target === undefined ? ' skipped' : ''}" id="${id}" aria-labelledby="${id}-h">`,
    `<h3 id="${id}-h"><code>${h(row.from)}</code>${target === undefined ? ' <span class="muted">(not in the map)</span>' : ''}</h3>`,
    `<dl>${facts.map(([dt, dd]) => `<dt>${dt}</dt><dd>${dd}</dd>`).join('')}</dl>`,
    fieldProblems.length > 0 ? `<p class="bad" role="alert" id="${id}-err">${fieldProblems.map(h).join('<br>')}</p>` : '',
    `<form method="post" action="/map" class="edit"${fieldProblems.length > 0 ? ` aria-describedby="${id}-err"` : ''}>`,
    row.index !== undefined ? `<input type="hidden" name="index" value="${row.index}">` : '',
    `<input type="hidden" name="from" value="${h(row.from)}"><input type="hidden" name="hash" value="${hash}">`,
    `<div class="f"><label for="${id}-target">Freshsales field</label><select id="${id}-target" name="target"${invalid(targetErr, `${id}-target-err`)}>${options}</select>${targetErr}</div>`,
    `<div class="f"><label for="${id}-label">Custom field label</label><input id="${id}-label" name="label" value="${h(label)}" autocomplete="off"></div>`,
    `<div class="f"><label for="${id}-type">Custom field type</label><select id="${id}-type" name="type">${typeOptions}</select></div>`,
    `<div class="f wide"><label for="${id}-choices">Choices (one per line; dropdown, radio, multi-select)</label><textarea id="${id}-choices" name="choices" rows="3">${h(choices)}</textarea></div>`,
    row.field ? fieldRules(row, row.field, id, edit, problems) : '',
    `<div class="actions"><button type="submit" name="action" value="save">${target === undefined ? 'Add to the map' : 'Save'}</button>`,
    target !== undefined ? `<button type="submit" name="action" value="skip" class="secondary">Skip this attribute</button>` : '',
    '</div></form></section>',
  ].join('\n');
}

/** The problems of one control, in words, under an id its control names in aria-describedby; '' when none. */
function errorLine(id: string, problems: readonly EditProblem[]): string {
  return problems.length > 0 ? `<p class="bad err" id="${id}">${problems.map((p) => h(p.message)).join('<br>')}</p>` : '';
}

/** The attributes that mark a control invalid and point at its error line (when there is one). */
function invalid(errorHtml: string, errorId: string, hintId?: string): string {
  const describedBy = [hintId, errorHtml !== '' ? errorId : undefined].filter(Boolean).join(' ');
  return `${describedBy !== '' ? ` aria-describedby="${describedBy}"` : ''}${errorHtml !== '' ? ' aria-invalid="true"' : ''}`;
}

/**
 * A mapped field's transform (the ones its target takes, as the spec's target rule lists
 * them), what an unwritable value does, and its value map.
 */
function fieldRules(row: MapRow, field: MappingField, id: string, edit: MapEditInput | undefined, problems: (c: EditControl) => EditProblem[]): string {
  const rule = targetRule(field.to);
  const transform = edit?.transform ?? field.transform;
  const allowed: readonly string[] = rule.allowed;
  // A transform typed that the target does not take is shown as typed, beside the reason.
  const transforms = allowed.includes(transform) ? allowed : [...allowed, transform];
  const transformOptions = transforms.map((t) => `<option value="${h(t)}"${t === transform ? ' selected' : ''}>${h(t)}${t === rule.defaultTransform ? ' (default)' : allowed.includes(t) ? '' : ' (not for this field)'}</option>`).join('');
  const transformErr = errorLine(`${id}-transform-err`, problems('transform'));
  const onInvalid = edit?.on_invalid ?? field.on_invalid;
  const fallback = defaultOnInvalid(field);
  const onInvalidErr = errorLine(`${id}-on_invalid-err`, problems('on_invalid'));
  const radios = ON_INVALID.map(
    (o) => `<label class="choice"><input type="radio" name="on_invalid" value="${o}"${o === onInvalid ? ' checked' : ''}> ${h(ON_INVALID_WORDS[o])}${o === fallback ? ' — the default here' : ''}</label>`,
  ).join('');
  return [
    `<div class="f"><label for="${id}-transform">Transform</label><select id="${id}-transform" name="transform"${invalid(transformErr, `${id}-transform-err`, `${id}-transform-hint`)}>${transformOptions}</select>`,
    `<span class="hint" id="${id}-transform-hint">Those ${h(targetLabel(field.to))} takes; a new Freshsales field gets its own default.</span>${transformErr}</div>`,
    `<fieldset class="f wide"${invalid(onInvalidErr, `${id}-on_invalid-err`)}><legend>When a value cannot be written</legend>${radios}${onInvalidErr}</fieldset>`,
    valueMapTable(row, field, id, edit, problems('values')),
  ].join('\n');
}

/** The value map as a table: the map's rows, observed values without one, and blank rows to add. */
function valueMapTable(row: MapRow, field: MappingField, id: string, edit: MapEditInput | undefined, problems: readonly EditProblem[]): string {
  const rows = valueRowsView(field.values, row.stats?.values, edit?.values);
  const mapped = rows.filter((r) => r.kind === 'map').length;
  const unmapped = rows.length - mapped;
  const err = errorLine(`${id}-values-err`, problems);
  const summary = `${mapped > 0 ? `${mapped} ${mapped === 1 ? 'row' : 'rows'}` : 'none'}${unmapped > 0 ? `; ${unmapped} observed ${unmapped === 1 ? 'value has' : 'values have'} no row` : ''}`;
  const hint =
    field.values === undefined
      ? 'This field has no value map: values are written as they are, after the transform. Rows make one, and then a value with no row cannot be written (see above).'
      : 'Each source value (matched trimmed, in any case) is written as its Freshsales value, before the transform; a value with no row cannot be written (see above).';
  const cell = (n: number, r: { kind: 'map' | 'observed' | 'new'; from: string; to: string; contacts?: number }) => {
    const names = valueInputs(n);
    const fid = `${id}-v${n}`;
    const what = r.from === '' ? `new row ${n + 1}` : JSON.stringify(r.from);
    const source =
      r.kind === 'observed'
        ? `<code>${h(r.from)}</code><input type="hidden" name="${names.from}" value="${h(r.from)}"><input type="hidden" name="${names.observed}" value="1"> <span class="muted">no row yet</span>`
        : `<label class="vh" for="${fid}-from">Source value, ${r.from === '' ? `new row ${n + 1}` : `row ${n + 1}`}</label><input id="${fid}-from" name="${names.from}" value="${h(r.from)}" autocomplete="off">`;
    const row =
      r.kind === 'map'
        ? `<label class="choice"><input type="checkbox" name="${names.remove}" value="1"> Remove<span class="vh"> the row of ${h(what)}</span></label>`
        : r.kind === 'observed'
          ? `<label class="choice"><input type="checkbox" name="${names.add}" value="1"> Add<span class="vh"> ${h(what)}</span><span class="muted"> (blank: leave out)</span></label>`
          : '';
    return `<tr data-value-row="${r.kind}"><td>${source}</td><td><label class="vh" for="${fid}-to">Freshsales value for ${h(what)}</label><input id="${fid}-to" name="${names.to}" value="${h(r.to)}" autocomplete="off"></td><td class="n">${r.kind === 'new' ? '' : r.contacts === undefined ? '—' : fmt(r.contacts)}</td><td>${row}</td></tr>`;
  };
  const body = [...rows.map((r, n) => cell(n, r)), ...Array.from({ length: NEW_VALUE_ROWS }, (_, j) => cell(rows.length + j, { kind: 'new', from: '', to: '' }))];
  return [
    `<details class="f wide values"${field.values !== undefined || err !== '' ? ' open' : ''}><summary>Value map: ${h(summary)}</summary>`,
    `<fieldset${invalid(err, `${id}-values-err`, `${id}-values-hint`)}><legend>Value map of <code>${h(row.from)}</code> into ${h(targetLabel(field.to))}</legend>`,
    `<p class="hint" id="${id}-values-hint">${h(hint)} A blank Freshsales value leaves that source value out. Observed values without a row join the map only when you give them a Freshsales value or tick Add; fill a blank row to add another value.</p>`,
    err,
    `<div class="scroll"><table class="vmap"><caption class="vh">Source value to Freshsales value</caption>`,
    '<thead><tr><th scope="col">Source value</th><th scope="col">Freshsales value</th><th scope="col">Contacts</th><th scope="col">Row</th></tr></thead>',
    `<tbody>${body.join('')}</tbody></table></div></fieldset></details>`,
  ].join('\n');
}

/** The Confirm page: who confirms, the same gate as `map confirm`. */
export function confirmPage(v: MapView, state: { error?: string; done?: boolean } = {}): string {
  const customs = v.plan.fields.filter((f) => f.entity === 'contacts').length;
  const body = [
    state.error ? notice('alert', `Not confirmed: ${state.error}`) : state.done ? notice('status', 'Confirmed. migrate will write with this exact map; any later edit needs a new confirmation.') : '',
    confirmationLine(v),
    '<section aria-labelledby="what-h"><h2 id="what-h">What you confirm</h2>',
    `<dl><dt>Map file</dt><dd><code>${h(v.mappingFile)}</code></dd><dt>Hash</dt><dd><code>${h(v.hash)}</code></dd>`,
    `<dt>Contact fields</dt><dd>${v.spec.objects.contact.fields.length} (${customs} custom fields to create)</dd>`,
    `<dt>Schema plan</dt><dd>${v.plan.fits ? `fits the ${h(v.plan.tier)} plan` : `<span class="bad">does not fit the ${h(v.plan.tier)} plan</span> — see the <a href="/map#plan">Map page</a>`}</dd></dl>`,
    '<p>Confirming records who confirmed this exact map and when (its hash, in the workdir\'s state). The attributes it reads are checked against the source first. Any later edit to the map — here or in the file — needs a new confirmation before migrate writes.</p>',
    '</section>',
    '<form method="post" action="/confirm" class="confirm">',
    `<input type="hidden" name="hash" value="${v.hash}">`,
    '<div class="f"><label for="by">Who confirms (your name or email)</label><input id="by" name="by" required autocomplete="name"></div>',
    '<div class="actions"><button type="submit">Confirm this map</button></div>',
    '</form>',
  ];
  return layout('Confirm the map', 'confirm', body);
}

/** Filters of the Data quality page. */
export interface QualityFilter {
  flag?: string;
  severity?: string;
  q?: string;
}

/** How many rows a table shows at most (the CSV file has them all). */
const SHOWN = 500;

/** The Data quality page: the discovery's row flags, filterable by flag, severity and text. */
export function qualityPage(dq: { file: string; rows: Array<Record<string, string>> } | null, f: QualityFilter): string {
  if (!dq) return layout('Data quality', 'quality', ['<p>No data quality report yet: run <code>crm-migrate discover --config FILE</code> first.</p>']);
  const flagsOf = (r: Record<string, string>) => (r.flags ?? '').split(';').map((x) => x.trim()).filter(Boolean);
  const counts = new Map<string, number>();
  for (const r of dq.rows) for (const fl of flagsOf(r)) counts.set(fl, (counts.get(fl) ?? 0) + 1);
  const severities = [...new Set(dq.rows.map((r) => r.severity ?? '').filter(Boolean))].sort();
  const q = (f.q ?? '').trim().toLowerCase();
  const rows = dq.rows.filter(
    (r) => (!f.flag || flagsOf(r).includes(f.flag)) && (!f.severity || r.severity === f.severity) && (q === '' || Object.values(r).some((v) => v.toLowerCase().includes(q))),
  );
  const opt = (value: string, label: string, cur: string | undefined) => `<option value="${h(value)}"${(cur ?? '') === value ? ' selected' : ''}>${h(label)}</option>`;
  const body = [
    `<p>From <code>${h(dq.file)}</code>: ${fmt(dq.rows.length)} flagged records.</p>`,
    '<section aria-labelledby="counts-h"><h2 id="counts-h">Flags</h2><ul class="counts">',
    ...[...counts].sort((a, b) => b[1] - a[1]).map(([fl, n]) => `<li><a href="/quality?flag=${encodeURIComponent(fl)}">${h(fl)}</a>: ${fmt(n)}</li>`),
    '</ul></section>',
    '<form method="get" action="/quality" class="filter" role="search" aria-label="Filter the rows">',
    `<div class="f"><label for="flag">Flag</label><select id="flag" name="flag">${opt('', 'any flag', f.flag)}${[...counts.keys()].sort().map((fl) => opt(fl, fl, f.flag)).join('')}</select></div>`,
    `<div class="f"><label for="severity">Severity</label><select id="severity" name="severity">${opt('', 'any', f.severity)}${severities.map((s) => opt(s, s, f.severity)).join('')}</select></div>`,
    `<div class="f"><label for="q">Text (key, id, email)</label><input id="q" name="q" type="search" value="${h(f.q ?? '')}"></div>`,
    '<div class="actions"><button type="submit">Filter</button> <a href="/quality">Clear</a></div>',
    '</form>',
    `<p role="status" id="quality-count">${fmt(rows.length)} of ${fmt(dq.rows.length)} rows match${rows.length > SHOWN ? `; the first ${SHOWN} are shown` : ''}.</p>`,
    csvTable('Flagged records', rows.slice(0, SHOWN)),
  ];
  return layout('Data quality', 'quality', body);
}

/** A table of CSV rows (its columns from the first row), in a keyboard-scrollable region. */
function csvTable(caption: string, rows: Array<Record<string, string>>): string {
  if (rows.length === 0) return `<p class="muted">${h(caption)}: none.</p>`;
  const cols = Object.keys(rows[0]!);
  return [
    `<div class="scroll" role="region" aria-label="${h(caption)}" tabindex="0"><table>`,
    `<caption>${h(caption)}</caption>`,
    `<thead><tr>${cols.map((c) => `<th scope="col">${h(c)}</th>`).join('')}</tr></thead>`,
    `<tbody>${rows.map((r) => `<tr>${cols.map((c) => `<td>${h(r[c] ?? '')}</td>`).join('')}</tr>`).join('')}</tbody>`,
    '</table></div>',
  ].join('');
}

/** The Runs page: every run with its totals, newest first. */
export function runsPage(runs: Array<{ id: string; report: ReconciliationReport }>): string {
  if (runs.length === 0) return layout('Runs', 'runs', ['<p>No runs yet: <code>crm-migrate migrate --sample --config FILE</code> makes the first one.</p>']);
  const rows = runs.map(({ id, report: r }) => {
    const sum = (k: 'created' | 'updated' | 'quarantined' | 'failed') => r.phases.reduce((n, p) => n + p[k], 0);
    return `<tr><th scope="row"><a href="/runs/${encodeURIComponent(id)}">${h(id)}</a></th><td>${h(r.startedAt ?? '—')}</td><td>${r.sample ? `sample of ${fmt(r.sample.size)}` : 'full'}</td><td class="n">${fmt(sum('created'))}</td><td class="n">${fmt(sum('updated'))}</td><td class="n">${fmt(sum('quarantined'))}</td><td class="n">${fmt(sum('failed'))}</td><td class="n">${fmt(r.apiCalls.destination)}</td></tr>`;
  });
  return layout('Runs', 'runs', [
    '<div class="scroll" role="region" aria-label="Runs" tabindex="0"><table><caption>Runs, newest first</caption>',
    '<thead><tr><th scope="col">run</th><th scope="col">started</th><th scope="col">kind</th><th scope="col">created</th><th scope="col">updated</th><th scope="col">quarantined</th><th scope="col">failed</th><th scope="col">API calls</th></tr></thead>',
    `<tbody>${rows.join('')}</tbody></table></div>`,
  ]);
}

/** One run: reconciliation with charts, the sample review, quarantine and failures. */
export function runPage(run: RunView): string {
  const r = run.report;
  const cols = ['source', 'created', 'updated', 'skipped', 'merged', 'quarantined', 'failed', 'orphaned', 'verified', 'mismatched'] as const;
  const phaseRows = r.phases.map(
    (p) => `<tr><th scope="row">${h(p.object)}</th>${cols.map((c) => `<td class="n">${fmt(Number(p[c] ?? 0) || 0)}</td>`).join('')}<td>${accountedFor(p) === p.source ? '<span class="ok">balanced</span>' : '<span class="bad">unbalanced</span>'}</td></tr>`,
  );
  const body = [
    `<p>${r.sample ? `A sample of ${fmt(r.sample.size)} from ${fmt(r.sample.population)} contacts (seed ${h(r.sample.seed)}). ` : ''}Started ${h(r.startedAt ?? '—')}, finished ${h(r.finishedAt ?? '—')}.</p>`,
    '<section aria-labelledby="rec-h"><h2 id="rec-h">Reconciliation</h2>',
    phaseChart('phases', r.phases),
    '<div class="scroll" role="region" aria-label="Reconciliation per phase" tabindex="0"><table><caption>Row counts per phase</caption>',
    `<thead><tr><th scope="col">phase</th>${cols.map((c) => `<th scope="col">${c}</th>`).join('')}<th scope="col">balance</th></tr></thead>`,
    `<tbody>${phaseRows.join('')}</tbody></table></div></section>`,
    '<section aria-labelledby="budget-h"><h2 id="budget-h">API budget</h2>',
    r.plan
      ? `<p>Planned ${fmt(r.plan.estimatedCalls)} calls on the ${h(r.plan.tier)} plan; spent ${fmt(r.plan.actualCalls)} (${fmt(r.apiCalls.rateLimited)} rate-limited answers).</p>${budgetChart('budget', r.plan.estimatedCalls, r.plan.actualCalls, run.metrics?.callsByPhase ?? {})}`
      : `<p>${fmt(r.apiCalls.destination)} calls; this run recorded no budget plan.</p>`,
    '</section>',
    `<section aria-labelledby="sample-h"><h2 id="sample-h">Sample review</h2>${run.sampleReview ? csvTable('Sample review: source → written → read back', run.sampleReview.slice(0, SHOWN)) : '<p class="muted">Not a sample run: no sample review.</p>'}</section>`,
    `<section aria-labelledby="q-h"><h2 id="q-h">Quarantine</h2>${run.quarantine ? csvTable('Quarantined records', run.quarantine.slice(0, SHOWN)) : '<p class="muted">No quarantine list.</p>'}</section>`,
    `<section aria-labelledby="f-h"><h2 id="f-h">Failures</h2>${run.failures ? csvTable('Failed records', run.failures.slice(0, SHOWN)) : '<p class="muted">No failure list.</p>'}</section>`,
    run.rollback ? `<section aria-labelledby="rb-h"><h2 id="rb-h">Rollback</h2><pre class="scroll" tabindex="0">${h(JSON.stringify(run.rollback, null, 2))}</pre></section>` : '',
  ];
  return layout(`Run ${run.id}`, 'runs', body);
}

/** A plain page for errors (404, a map that does not load). */
export function messagePage(title: string, message: string): string {
  return layout(title, null, [`<p role="alert">${h(message)}</p>`]);
}

/** The style sheet (served from /assets/review.css: the CSP allows no inline style). */
export const REVIEW_CSS = `
*{box-sizing:border-box}
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d232a;margin:0;background:#fafbfc}
header{background:#1d3557;color:#fff;padding:.5rem 1rem;display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 2rem}
header .brand{margin:0;font-weight:700}
header ul{list-style:none;display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin:0;padding:0}
header a{color:#fff}header a[aria-current=page]{font-weight:700;text-decoration-thickness:3px}
main{max-width:1000px;margin:0 auto;padding:1rem}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;color:#000;padding:.5rem;z-index:2}
:focus-visible{outline:3px solid #f4a261;outline-offset:2px}
h1{font-size:1.6rem;margin:.5rem 0}h2{font-size:1.25rem;margin-top:1.5rem;border-bottom:1px solid #d5dbe1}h3{font-size:1.05rem;margin:0 0 .5rem;word-break:break-all}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border:1px solid #d5dbe1;padding:.3rem .5rem;text-align:left;vertical-align:top}
thead th{background:#eef2f5}td.n{text-align:right;font-variant-numeric:tabular-nums}tr.total th,tr.total td{font-weight:700}tr.over{background:#fbeaea}
caption{text-align:left;font-weight:600;padding:.3rem 0}
.scroll{overflow-x:auto;max-width:100%}
.ok{color:#106b2e}.bad{color:#a11d1d}.muted{color:#5b6670}
.notice{padding:.6rem 1rem;border-radius:4px;margin:.5rem 0;font-weight:600}.notice.ok{background:#e7f5ec}.notice.bad{background:#fbeaea}
.card{background:#fff;border:1px solid #d5dbe1;border-radius:6px;padding:.8rem 1rem;margin:.8rem 0}.card.skipped{background:#f4f5f6}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:0 0 .6rem}dt{font-weight:600}dd{margin:0;word-break:break-word}
form.edit,form.filter,form.confirm{display:grid;grid-template-columns:repeat(auto-fit,minmax(12rem,1fr));gap:.5rem 1rem;align-items:end}
.f{display:flex;flex-direction:column}.f.wide{grid-column:1/-1}
fieldset.f{border:1px solid #d5dbe1;border-radius:4px;padding:.3rem .6rem .5rem;margin:0;min-width:0}legend{font-weight:600;font-size:.9rem;padding:0 .3rem}
label.choice{font-weight:400;display:flex;gap:.4rem;align-items:center;font-size:.95rem}
input[type=checkbox],input[type=radio]{min-height:0;width:1.1rem;height:1.1rem;padding:0;margin:0;flex:none}
.hint{font-size:.85rem;color:#5b6670}.err{margin:.2rem 0 0;font-size:.9rem}[aria-invalid=true]{border-color:#a11d1d;outline:2px solid #a11d1d}
.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
details.values{min-width:0}details.values>summary{cursor:pointer;font-weight:600;padding:.3rem 0}
table.vmap{table-layout:fixed}table.vmap input{width:100%;min-width:0}table.vmap th:nth-child(3),table.vmap td:nth-child(3){width:6.5rem}table.vmap th:nth-child(4),table.vmap td:nth-child(4){width:7.5rem}
label{font-weight:600;font-size:.9rem}
input,select,textarea,button{font:inherit;padding:.35rem .5rem;min-height:2.2rem;max-width:100%}
button{background:#1d3557;color:#fff;border:0;border-radius:4px;cursor:pointer}button.secondary{background:#fff;color:#1d3557;border:1px solid #1d3557}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
.plan{background:#fff;border:1px solid #d5dbe1;border-radius:6px;padding:.2rem 1rem .8rem}
.counts{columns:2 14rem}
svg.chart{width:100%;max-width:640px;height:auto;display:block;margin:.5rem 0}svg .lbl{font-size:12px;fill:#1d232a;dominant-baseline:middle}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em;word-break:break-all}
@media (max-width:600px){dl{grid-template-columns:1fr}dt{margin-top:.3rem}main{padding:.5rem}
table.vmap thead{position:absolute;left:-9999px}table.vmap,table.vmap tbody,table.vmap tr,table.vmap td{display:block;width:auto!important}
table.vmap tr{border-top:1px solid #d5dbe1;padding:.3rem 0}table.vmap td{border:0;padding:.15rem 0}table.vmap td.n{text-align:left}table.vmap td.n:not(:empty)::before{content:"contacts: "}
table.vmap label.vh{position:static;width:auto;height:auto;clip-path:none;white-space:normal;font-weight:400;font-size:.85rem}}
`;
