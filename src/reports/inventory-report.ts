/**
 * The discovery inventory as documents: `inventory.json` (the attribute inventory plus the
 * account counts, read back by `schema plan` and `map propose`) and `inventory.md` (for the
 * scope document: attributes table, tag usage, object counts and the GDPR note).
 *
 * Reports sit below the pipeline: this module takes a plain model (the shapes it renders),
 * never config or connectors. Every source value in Markdown goes through {@link mdCell}.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';

/** File names inside the discovery folder. */
export const INVENTORY_JSON = 'inventory.json';
/** File names inside the discovery folder. */
export const INVENTORY_MD = 'inventory.md';

/** One attribute as the report renders it (the inventory's AttributeStats). */
export interface InventoryAttributeView {
  key: string;
  origin: 'canonical' | 'attribute';
  declaredType?: string;
  present: number;
  nullRate: number;
  types: Partial<Record<string, number>>;
  distinct: number | string;
  samples: string[];
  values?: Array<{ value: string; count: number }>;
  elements?: { distinct: number | string; values?: Array<{ value: string; count: number }> };
  reference?: { share: number; reason: string };
}

/** The attribute inventory as the report renders it. */
export interface InventoryView {
  contacts: number;
  attributes: InventoryAttributeView[];
  tags: Array<{ tag: string; hits: number; contacts: number }>;
  tagHits: number;
  personalData: { euContacts: number; euByPhoneOnly: number; euByCountry: Record<string, number>; ukContacts: number; trContacts?: number };
}

/** Object counts of the account; null when the source did not offer them. */
export interface DiscoveryCounts {
  users: number;
  attributes: number;
  tags: number | null;
  segments: number | null;
  campaigns: number | null;
  promotions: number | null;
  devices: number | null;
  pushTokens: number | null;
  /** Journeys and widgets (from the source's definitions, when it offers them); absent: not offered. */
  journeys?: number | null;
  widgets?: number | null;
  /** Behavioural event definitions, when the source offers them. */
  eventSchemas?: number | null;
}

/** What discovery learned about the destination account. */
export interface DestinationView {
  plan: string;
  /** Custom contact fields already in Freshsales, per limit type: used of allowed. */
  customFields?: Array<{ type: string; used: number; limit: number }>;
  /** The contact load, in API calls and time on the plan's budget. */
  contactLoad?: { calls: number; duration: string };
}

/** The migration's grade (see pipeline/assessment.ts). */
export interface AssessmentView {
  compatibility: string;
  objects: Array<{ object: string; destination: string; fit: string }>;
  grade: string;
  reasons: string[];
  timeline: { text: string };
}

/** Everything `inventory.md` shows. */
export interface InventoryReportModel {
  source: string;
  generatedAt: string;
  inventory: InventoryView;
  counts: DiscoveryCounts;
  segments?: Array<{ name: string; memberCount: number | null }>;
  destination?: DestinationView;
  assessment?: AssessmentView;
  /** Event definitions (name, code, attributes), when the source offers them. */
  events?: Array<{ code: string; name: string; standard: boolean | null; attributes: string[] }>;
  /** Things discovery could not read, and other remarks. */
  notes: string[];
}

/** A value made safe for a Markdown table cell: one line, pipes and HTML escaped. */
export function mdCell(value: unknown): string {
  const s = value === null || value === undefined ? '' : String(value);
  return s
    .replace(/[\r\n]+/g, ' ')
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/`/g, '\\`')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** A Markdown table. */
export function mdTable(header: string[], rows: unknown[][]): string {
  const lines = [`| ${header.map(mdCell).join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${r.map(mdCell).join(' | ')} |`);
  return lines.join('\n');
}

/** A share as "12.5%". */
export function percent(x: number): string {
  if (!Number.isFinite(x)) return '–';
  const p = x * 100;
  return `${p === 0 || p === 100 || p >= 10 ? p.toFixed(0) : p.toFixed(1)}%`;
}

/** The inventory as Markdown. */
export function renderInventoryMarkdown(m: InventoryReportModel): string {
  const inv = m.inventory;
  const out: string[] = [];
  const n = (v: number | null) => (v === null ? 'not available' : v.toLocaleString('en-US'));
  out.push(`# Discovery inventory — ${mdCell(m.source)}`, '', `Generated ${mdCell(m.generatedAt)} from every contact in the source (not a sample).`, '');

  if (m.assessment) {
    const a = m.assessment;
    out.push('## Assessment', '', `**Overall complexity: ${mdCell(a.grade)}.** ${mdCell(a.compatibility)}`, '');
    for (const r of a.reasons) out.push(`- ${mdCell(r)}`);
    out.push('', `Timeline — ${mdCell(a.timeline.text)}.`, '', mdTable(['Source object', 'Freshsales', 'Fit'], a.objects.map((o) => [o.object, o.destination, o.fit])), '');
  }

  out.push('## Counts', '');
  out.push(
    mdTable(
      ['Object', 'Count'],
      [
        ['Users (profiles)', n(m.counts.users)],
        ['Attributes (observed and defined)', n(m.counts.attributes)],
        ['Tags', n(m.counts.tags)],
        ['Segments', n(m.counts.segments)],
        ['Campaigns', n(m.counts.campaigns)],
        ['Promotions (loyalty)', n(m.counts.promotions)],
        ['Devices', n(m.counts.devices)],
        ['Push tokens (not migrated: exported to the device dataset)', n(m.counts.pushTokens)],
        ...(m.counts.journeys !== undefined ? [['Journeys (rebuild inventory)', n(m.counts.journeys)]] : []),
        ...(m.counts.widgets !== undefined ? [['Widgets (rebuild inventory)', n(m.counts.widgets)]] : []),
        ...(m.counts.eventSchemas !== undefined ? [['Event definitions', n(m.counts.eventSchemas)]] : []),
      ],
    ),
    '',
  );

  out.push('## Personal data (GDPR)', '');
  const pd = inv.personalData;
  if (pd.euContacts > 0) {
    out.push(
      `**EU personal data: ${pd.euContacts.toLocaleString('en-US')} of ${inv.contacts.toLocaleString('en-US')} contacts (${percent(pd.euContacts / Math.max(1, inv.contacts))})** have an EU/EEA country` +
        `${pd.euByPhoneOnly > 0 ? ` (${pd.euByPhoneOnly.toLocaleString('en-US')} of them found by an EU/EEA phone prefix, having no readable country)` : ''}. ` +
        'The GDPR applies: the migration needs a lawful basis and a data processing agreement covering Freshsales, the data centre region should be chosen accordingly (Freshworks offers an EU data centre), and the consent records (type, source) should travel with the contacts.',
      '',
      mdTable(['Country', 'Contacts'], Object.entries(pd.euByCountry).map(([c, k]) => [c, k])),
      '',
    );
  } else {
    out.push('No contact has an EU/EEA country or an EU/EEA phone prefix.', '');
  }
  if (pd.ukContacts > 0) out.push(`${pd.ukContacts.toLocaleString('en-US')} contact(s) are in the United Kingdom: the UK GDPR applies to them.`, '');
  if ((pd.trContacts ?? 0) > 0) {
    out.push(
      `**Turkish personal data: ${(pd.trContacts ?? 0).toLocaleString('en-US')} contact(s)** are in Türkiye (by country, or a +90 phone when the country says nothing). ` +
        'KVKK applies: transferring their data to Freshsales (hosted abroad) needs explicit consent or another KVKK basis, and commercial messages to them need IYS consent — keep the IYS consent fields with the contacts.',
      '',
    );
  }

  out.push('## Attributes', '');
  out.push(
    'Filled: contacts with a value. Distinct is exact up to 200, then "200+". Fewer than 200 distinct values → a dropdown candidate (every value listed below); otherwise text.',
    '',
    mdTable(
      ['Key', 'Declared', 'Observed types', 'Filled', 'Empty', 'Distinct', 'Samples', 'Notes'],
      inv.attributes.map((a) => [
        a.key,
        a.declaredType ?? '',
        Object.entries(a.types)
          .filter(([, k]) => (k ?? 0) > 0)
          .map(([t, k]) => `${t} ${k}`)
          .join(', '),
        a.present.toLocaleString('en-US'),
        percent(a.nullRate),
        a.distinct,
        a.samples.join(' · '),
        attributeNotes(a).join('; '),
      ]),
    ),
    '',
  );

  const refs = inv.attributes.filter((a) => a.reference !== undefined);
  if (refs.length > 0) {
    out.push('## References to resolve', '', 'These attributes hold references to other records: resolve them to readable values (or ids the admin can look up) before they are mapped.', '');
    for (const a of refs) out.push(`- \`${mdCell(a.key)}\`: ${mdCell(a.reference!.reason)} (e.g. ${mdCell(a.samples.slice(0, 3).join(', '))})`);
    out.push('');
  }

  // Text and yes/no values are choice lists; numbers and dates are not (their full lists stay in inventory.json).
  const lists = inv.attributes.filter((a) => isChoiceList(a.distinct) && (a.values?.length ?? 0) > 0 && ['string', 'boolean'].includes(dominantType(a)));
  const multi = inv.attributes.filter((a) => a.elements !== undefined && isChoiceList(a.elements.distinct) && (a.elements.values?.length ?? 0) > 0);
  if (lists.length + multi.length > 0) {
    out.push('## Choice lists (fewer than 200 distinct values)', '', 'Every value seen, with the number of contacts that have it: the dropdown (or multi-select) choices.', '');
    for (const a of lists) {
      out.push(`### ${mdCell(a.key)} — ${a.distinct} value(s)`, '', (a.values ?? []).map((v) => `${mdCell(v.value)} (${v.count})`).join(' · '), '');
    }
    for (const a of multi) {
      out.push(`### ${mdCell(a.key)} — list elements, ${a.elements!.distinct} value(s)`, '', (a.elements!.values ?? []).map((v) => `${mdCell(v.value)} (${v.count})`).join(' · '), '');
    }
  }

  out.push('## Tags', '');
  if (inv.tags.length > 0) {
    out.push(`${inv.tagHits.toLocaleString('en-US')} tag hit(s) over ${inv.tags.length} tag(s). Tag names are preserved as Freshsales contact tags.`, '', mdTable(['Tag', 'Hits', 'Contacts'], inv.tags.map((t) => [t.tag, t.hits, t.contacts])), '');
  } else {
    out.push(m.counts.tags === null ? 'Tag hits were not available from the source.' : 'No tags in use.', '');
  }

  if (m.events && m.events.length > 0) {
    out.push(
      '## Event schemas',
      '',
      'The events the app defines and the attributes each carries: what the event policy (tasks, summaries) and a sample check before loading work from.',
      '',
      mdTable(['Event', 'Code', 'Kind', 'Attributes'], m.events.map((e) => [e.name, e.code, e.standard === null ? '' : e.standard ? 'standard (SDK)' : 'custom', e.attributes.join(', ')])),
      '',
    );
  }

  if (m.segments && m.segments.length > 0) {
    out.push('## Segments', '', 'Each segment becomes a contact tag named after it; the rules are documented for the admin to rebuild as Freshsales filters.', '');
    out.push(mdTable(['Segment', 'Members (scoping time)'], m.segments.map((s) => [s.name, s.memberCount ?? ''])), '');
  }

  if (m.destination) {
    const d = m.destination;
    out.push('## Destination (Freshsales)', '', `Plan: **${mdCell(d.plan)}**.`, '');
    if (d.contactLoad) out.push(`Contact load: about ${d.contactLoad.calls.toLocaleString('en-US')} API calls ≈ ${mdCell(d.contactLoad.duration)} of the plan's API budget (tasks and activities cost one call each on top).`, '');
    if (d.customFields) out.push('Custom contact fields already in the account:', '', mdTable(['Type', 'Used', 'Allowed'], d.customFields.map((c) => [c.type, c.used, c.limit])), '');
  }

  if (m.notes.length > 0) {
    out.push('## Notes', '');
    for (const note of m.notes) out.push(`- ${mdCell(note)}`);
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/** Write `inventory.json` and `inventory.md` into `outDir` (atomically each). */
export async function writeInventoryReport(outDir: string, m: InventoryReportModel): Promise<{ json: string; md: string }> {
  await mkdir(outDir, { recursive: true });
  const json = join(outDir, INVENTORY_JSON);
  const md = join(outDir, INVENTORY_MD);
  const doc = { ...m.inventory, source: m.source, generatedAt: m.generatedAt, counts: m.counts, ...(m.destination ? { destination: m.destination } : {}), notes: m.notes };
  // Owner-only: samples and choice lists are customer data.
  await writeFileAtomic(json, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
  await writeFileAtomic(md, renderInventoryMarkdown(m), { mode: 0o600 });
  return { json, md };
}

function isChoiceList(d: number | string): boolean {
  return typeof d === 'number' && d > 0 && d < 200;
}

/** The kind most values have. */
function dominantType(a: InventoryAttributeView): string {
  let best = '';
  let n = 0;
  for (const [t, k] of Object.entries(a.types)) {
    if ((k ?? 0) > n) {
      best = t;
      n = k ?? 0;
    }
  }
  return best;
}

function attributeNotes(a: InventoryAttributeView): string[] {
  const notes: string[] = [];
  const kind = dominantType(a);
  if (a.present === 0) notes.push('never set');
  else if (a.origin === 'attribute' && kind === 'string') {
    if (isChoiceList(a.distinct)) {
      const unique = a.values !== undefined && a.values.length > 10 && a.values.every((v) => v.count === 1);
      notes.push(unique ? `${a.distinct} values, each used once (an identifier or code?): text` : `dropdown candidate (${a.distinct} values)`);
    } else if (typeof a.distinct === 'string') notes.push('text (too many values for a dropdown)');
  }
  if (a.elements && isChoiceList(a.elements.distinct)) notes.push(`multi-select candidate (${a.elements.distinct} elements)`);
  if (a.reference) notes.push('reference: resolve to readable values');
  return notes;
}
