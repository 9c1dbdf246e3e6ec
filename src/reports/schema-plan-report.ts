/**
 * The schema plan for the Freshsales admin: `schema-plan.md` (the fields to create — label,
 * type, choices, entity, source — the plan's limits per type, what is over and the packing
 * offer) and `schema-plan.csv` (the same fields, one per row, choices one per line), plus
 * the terminal table `schema check` prints.
 *
 * Takes plain models (the schema plan's shape), never config or clients.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { toCsv } from './csv.js';
import { mdCell, mdTable } from './inventory-report.js';

/** File names inside the schema folder. */
export const SCHEMA_PLAN_MD = 'schema-plan.md';
/** File names inside the schema folder. */
export const SCHEMA_PLAN_CSV = 'schema-plan.csv';
/** Columns of the CSV, in order. */
export const SCHEMA_PLAN_COLUMNS = ['entity', 'label', 'type', 'choices', 'from', 'note'] as const;

/** One planned field as the report renders it. */
export interface PlannedFieldView {
  entity: string;
  label: string;
  type: string;
  choices?: string[];
  from: string;
  note?: string;
}

/** The schema plan as the report renders it. */
export interface SchemaPlanView {
  tier: string;
  fields: PlannedFieldView[];
  usage: Record<string, { used: number; limit: number }>;
  total: { used: number; limit: number };
  over: Array<{ entity: string; type: string; used: number; limit: number; over: number; fields: string[] }>;
  problems: Array<{ label: string; severity: string; problem: string }>;
  packing?: { label: string; from: string[]; fields: Array<{ label: string; type: string; from: string }>; savedByType: Record<string, number | undefined>; fits: boolean; note: string };
  fits: boolean;
  notes: string[];
}

/** Extra context for the document. */
export interface SchemaPlanContext {
  generatedAt: string;
  mappingFile: string;
  /** Set when `--pack` rewrote the mapping file. */
  packedInto?: string;
  /** Where the inventory behind the packing choice came from, if any. */
  inventoryFile?: string;
}

const TYPE_LABELS: Record<string, string> = {
  text: 'text',
  dropdown: 'dropdown + radio',
  radio: 'radio',
  textarea: 'textarea',
  multi_select_dropdown: 'multi-select',
  number: 'number',
  checkbox: 'checkbox',
  date: 'date',
  total: 'total',
};
const typeLabel = (t: string) => TYPE_LABELS[t] ?? t;
const ENTITY_LABELS: Record<string, string> = { contacts: 'Contacts', deals: 'Deals', sales_activities: 'Sales activities' };

/** The plan as Markdown for the admin. */
export function renderSchemaPlanMarkdown(plan: SchemaPlanView, ctx: SchemaPlanContext): string {
  const out: string[] = [];
  out.push(`# Freshsales schema plan — ${mdCell(plan.tier)} plan`, '');
  out.push(
    `Generated ${mdCell(ctx.generatedAt)} from ${mdCell(ctx.mappingFile)}.`,
    '',
    'Custom fields cannot be created through the Freshsales API. Create each field below in **Admin Settings → Fields** (on the entity shown) with exactly this label, type and choices, then run `crm-migrate schema check --config <file>` to bind them.',
    '',
  );
  out.push(plan.fits ? `**The map fits the ${mdCell(plan.tier)} plan.**` : `**The map does not fit the ${mdCell(plan.tier)} plan as it is** — see "Over the limit" and "Problems".`, '');
  if (ctx.packedInto) out.push(`The packing below was applied to ${mdCell(ctx.packedInto)}: the map changed, so it needs a new confirmation (\`crm-migrate map confirm\`) before migrate will write.`, '');

  out.push(`## Fields (${plan.fields.length})`, '');
  out.push(
    mdTable(
      ['Label', 'Type', 'Choices', 'Entity', 'From', 'Note'],
      plan.fields.map((f) => [f.label, f.type, f.choices?.length ? `${f.choices.length}: ${f.choices.join(' · ')}` : '', ENTITY_LABELS[f.entity] ?? f.entity, f.from, f.note ?? '']),
    ),
    '',
  );

  out.push(`## Limits on the ${mdCell(plan.tier)} plan (per entity)`, '');
  const overTypes = new Set(plan.over.filter((o) => o.entity === 'contacts').map((o) => o.type));
  out.push(
    mdTable(
      ['Type', 'Planned', 'Allowed', ''],
      [
        ...Object.entries(plan.usage).map(([t, u]) => [typeLabel(t), u.used, u.limit, overTypes.has(t) ? `OVER by ${u.used - u.limit}` : '']),
        ['total', plan.total.used, plan.total.limit, plan.total.used > plan.total.limit ? `OVER by ${plan.total.used - plan.total.limit}` : ''],
      ],
    ),
    '',
  );

  if (plan.over.length > 0) {
    out.push('## Over the limit', '');
    for (const o of plan.over) {
      out.push(`- **${mdCell(typeLabel(o.type))}** (${mdCell(ENTITY_LABELS[o.entity] ?? o.entity)}): ${o.used} planned, ${o.limit} allowed — ${o.over} over: ${o.fields.map((f) => `"${mdCell(f)}"`).join(', ')}`);
    }
    out.push('');
  }

  if (plan.packing) {
    const p = plan.packing;
    out.push('## Packing offer', '', mdCell(p.note), '');
    out.push(`Textarea **"${mdCell(p.label)}"** would hold ${p.from.length} value(s) as \`key: value\` lines (sorted by key, at most 10,000 characters). Fields moved into it:`, '');
    for (const f of p.fields) out.push(`- "${mdCell(f.label)}" (${mdCell(f.type)}) from \`${mdCell(f.from)}\``);
    const saved = Object.entries(p.savedByType).filter(([, v]) => v !== undefined && v !== 0);
    if (saved.length > 0) out.push('', `Slots freed: ${saved.map(([t, v]) => `${typeLabel(t)} ${v! > 0 ? `+${v}` : v}`).join(', ')}.`);
    out.push('', ctx.packedInto ? 'Applied.' : 'To apply it: `crm-migrate schema plan --config <file> --pack` (rewrites the mapping file; the map then needs a new confirmation).', '');
  }

  if (plan.problems.length > 0) {
    out.push('## Problems', '');
    for (const p of plan.problems) out.push(`- ${p.severity === 'error' ? '**error**' : 'warning'}: "${mdCell(p.label)}" ${mdCell(p.problem)}`);
    out.push('');
  }
  if (plan.notes.length > 0) {
    out.push('## Notes', '');
    for (const n of plan.notes) out.push(`- ${mdCell(n)}`);
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/** The planned fields as CSV (choices one per line inside their cell). */
export function renderSchemaPlanCsv(plan: SchemaPlanView): string {
  return toCsv(
    plan.fields.map((f) => ({ entity: f.entity, label: f.label, type: f.type, choices: (f.choices ?? []).join('\n'), from: f.from, note: f.note ?? '' })),
    SCHEMA_PLAN_COLUMNS,
  );
}

/** Write `schema-plan.md` and `schema-plan.csv` into `outDir`. */
export async function writeSchemaPlanReport(outDir: string, plan: SchemaPlanView, ctx: SchemaPlanContext): Promise<{ md: string; csv: string }> {
  await mkdir(outDir, { recursive: true });
  const md = join(outDir, SCHEMA_PLAN_MD);
  const csv = join(outDir, SCHEMA_PLAN_CSV);
  await writeFileAtomic(md, renderSchemaPlanMarkdown(plan, ctx));
  await writeFileAtomic(csv, renderSchemaPlanCsv(plan));
  return { md, csv };
}

/** One row of the `schema check` binding table. */
export interface BindingView {
  entity: string;
  label: string;
  type: string;
  /** The cf_ name bound, when found. */
  name?: string;
  status: string;
  detail?: string;
}

/** The binding table as fixed-width text for a terminal. */
export function formatBindingTable(rows: BindingView[]): string {
  const header = ['ENTITY', 'LABEL', 'TYPE', 'FRESHSALES NAME', 'STATUS'];
  const cells = rows.map((r) => [r.entity, r.label, r.type, r.name ?? '–', r.detail ? `${r.status}: ${r.detail}` : r.status].map(oneLine));
  const widths = header.map((h, i) => Math.min(48, Math.max(h.length, ...cells.map((c) => (c[i] as string).length))));
  const line = (c: string[]) =>
    c
      .map((v, i) => (i === c.length - 1 ? v : fit(v, widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(header), ...cells.map(line)].join('\n');
}

function oneLine(s: string): string {
  // Terminal control characters from a destination label must not reach the screen.
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f]+/g, ' ');
}

function fit(s: string, w: number): string {
  return s.length > w ? `${s.slice(0, w - 1)}…` : s.padEnd(w);
}
