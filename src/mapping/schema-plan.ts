/**
 * Schema design: every Freshsales custom field a mapping writes, counted against the plan's
 * per-type limits, with what is over and an offer to pack low-value attributes into one
 * textarea so the map fits.
 *
 * Custom fields cannot be created through the Freshsales API: an admin creates them in
 * Admin Settings → Fields, and this plan is what they work from. Limits per entity
 * (api/freshsales.md): Free 0; Growth 150 (text 20, dropdown+radio 30, textarea 5,
 * multi-select 5, number 30, checkbox 30, date 30); Pro 250 (30/40/10/10/50/50/50);
 * Enterprise 630 (70/250/20/30/70/70/70); at most 300 choices per dropdown.
 *
 * What the plan counts:
 * - contact fields with a custom target `{ custom, type, choices }`;
 * - the `packed` textarea (`objects.contact.packed`);
 * - the event-summary fields (`objects.task.events.summary`): count → number; first_seen and
 *   last_seen → **date**. A date field can be filtered ("last seen after …") and sorted in
 *   Freshsales, which is the point of a summary; the time of day stays on the event tasks and
 *   in the source. The writer sends the UTC calendar date (YYYY-MM-DD). They are planned
 *   whenever listed, with a note when the events policy is not "summary" (not written then);
 * - deal custom fields: the deal section writes only standard deal fields today, so none;
 * - sales-activity custom fields (`objects.task.sales_activity.fields`): the event properties
 *   a timeline written as sales activities keeps, typed as the map says; planned whenever
 *   listed, with a note when the timeline goes to tasks (not written then).
 *
 * Packing picks the lowest-value fields first: the fewest contacts with a value (from the
 * inventory when given), else the latest in the map (the proposer writes the important
 * fields first). The external id and fields with a value map are never packed.
 *
 * Pure: no I/O. `applyPackingToYaml` edits the mapping text and keeps its comments.
 */
import { sourceLabel } from '../core/model.js';
import { isMap, isSeq, parseDocument, type YAMLMap } from 'yaml';
import { prefixCommentLines } from '../core/yaml.js';
import { DISTINCT_CAP, statsOf, type AttributeInventory } from './inventory.js';
import { FRESHSALES_LIMITS, isCustomTarget, type CustomFieldType, type MappingSpec, type OnInvalid } from './spec.js';

/** Freshsales plans. */
export const TIERS = ['free', 'growth', 'pro', 'enterprise'] as const;
/** A Freshsales plan. */
export type Tier = (typeof TIERS)[number];

/** The types Freshsales limits separately; `dropdown` counts dropdown and radio fields together. */
export const LIMIT_TYPES = ['text', 'dropdown', 'textarea', 'multi_select_dropdown', 'number', 'checkbox', 'date'] as const;
/** A limited custom field type. */
export type LimitType = (typeof LIMIT_TYPES)[number];

/** Per-entity custom field limits per plan [DOC]. */
export const CUSTOM_FIELD_LIMITS: Record<Tier, { total: number } & Record<LimitType, number>> = {
  free: { total: 0, text: 0, dropdown: 0, textarea: 0, multi_select_dropdown: 0, number: 0, checkbox: 0, date: 0 },
  growth: { total: 150, text: 20, dropdown: 30, textarea: 5, multi_select_dropdown: 5, number: 30, checkbox: 30, date: 30 },
  pro: { total: 250, text: 30, dropdown: 40, textarea: 10, multi_select_dropdown: 10, number: 50, checkbox: 50, date: 50 },
  enterprise: { total: 630, text: 70, dropdown: 250, textarea: 20, multi_select_dropdown: 30, number: 70, checkbox: 70, date: 70 },
};

/** How a limit type reads in reports. */
export const LIMIT_TYPE_LABELS: Record<LimitType, string> = {
  text: 'text',
  dropdown: 'dropdown + radio',
  textarea: 'textarea',
  multi_select_dropdown: 'multi-select',
  number: 'number',
  checkbox: 'checkbox',
  date: 'date',
};

/** The limit a custom field type counts against. */
export function limitTypeOf(type: CustomFieldType): LimitType {
  return type === 'radio' ? 'dropdown' : type;
}

/** Freshsales entities a plan can hold fields for. */
export type PlannedEntity = 'contacts' | 'deals' | 'sales_activities';

/** One custom field the admin must create. */
export interface PlannedField {
  entity: PlannedEntity;
  label: string;
  type: CustomFieldType;
  choices?: string[];
  /** What feeds it: a canonical path, the packed paths, or an event summary. */
  from: string;
  /** Which part of the map writes it. */
  role: 'field' | 'packed' | 'event_summary' | 'segments' | 'campaign_stats' | 'activity_fields';
  note?: string;
}

/** Used and allowed. */
export interface LimitUsage {
  used: number;
  limit: number;
}

/** A type (or the total) over its limit, and the fields that do not fit (lowest value first). */
export interface OverLimit {
  entity: PlannedEntity;
  type: LimitType | 'total';
  used: number;
  limit: number;
  over: number;
  /** Labels of the `over` fields that do not fit: the lowest-value ones. */
  fields: string[];
}

/** Something about a planned field the admin or the map author must fix or know. */
export interface SchemaProblem {
  label: string;
  severity: 'error' | 'warning';
  problem: string;
}

/** The offer to pack low-value attributes into one textarea. */
export interface PackingProposal {
  label: string;
  /** Every path the packed section holds after packing (existing ones first). */
  from: string[];
  /** The custom fields that move into the textarea. */
  fields: Array<{ label: string; type: CustomFieldType; from: string }>;
  /** Slots freed per type (textarea net of the new packed field, so it can be negative). */
  savedByType: Partial<Record<LimitType, number>>;
  /** True when the map fits the plan once packed. */
  fits: boolean;
  note: string;
}

/** The schema plan. */
export interface SchemaPlan {
  tier: Tier;
  fields: PlannedField[];
  /** Contact custom fields per limit type. */
  usage: Record<LimitType, LimitUsage>;
  total: LimitUsage;
  /** Deal custom fields, when there are any. */
  deals?: { usage: Record<LimitType, LimitUsage>; total: LimitUsage };
  /** Sales-activity custom fields, when there are any. */
  salesActivities?: { usage: Record<LimitType, LimitUsage>; total: LimitUsage };
  over: OverLimit[];
  problems: SchemaProblem[];
  packing?: PackingProposal;
  /** Nothing over and no error-level problem. */
  fits: boolean;
  notes: string[];
}


/** The custom fields a map needs, counted against a plan's limits. */
export function planSchema(spec: MappingSpec, tier: Tier, inventory?: AttributeInventory): SchemaPlan {
  const limits = CUSTOM_FIELD_LIMITS[tier];
  const { fields, problems } = collectFields(spec, inventory);
  const notes: string[] = [];
  const contactFields = fields.filter((f) => f.entity === 'contacts');
  const usage = usageOf(contactFields, tier);
  const total = { used: contactFields.length, limit: limits.total };
  const candidates = rankCandidates(spec, contactFields, inventory);
  const over = overLimits('contacts', usage, total, candidates);
  // Other entities have limits of their own and nothing to pack.
  const otherEntity = (entity: 'deals' | 'sales_activities') => {
    const own = fields.filter((f) => f.entity === entity);
    if (own.length === 0) return undefined;
    const u = usageOf(own, tier);
    const t = { used: own.length, limit: limits.total };
    over.push(...overLimits(entity, u, t, rankCandidates(spec, own, undefined)));
    return { usage: u, total: t };
  };
  const deals = otherEntity('deals');
  const salesActivities = otherEntity('sales_activities');

  let packing: PackingProposal | undefined;
  if (over.some((o) => o.entity === 'contacts')) {
    if (limits.textarea === 0) {
      notes.push(`the ${tier} plan allows no custom fields of this kind (no textarea either), so packing cannot help: move to a paid plan, or drop custom fields from the map`);
    } else {
      packing = proposePacking(spec, tier, contactFields, candidates);
      if (!packing.fits) notes.push('even packed, the map does not fit: drop fields from the map or choose a larger plan');
    }
  }
  if (tier === 'free' && fields.length > 0) notes.push('the Free plan has no custom fields at all');
  return { tier, fields, usage, total, ...(deals ? { deals } : {}), ...(salesActivities ? { salesActivities } : {}), over, problems, ...(packing ? { packing } : {}), fits: over.length === 0 && !problems.some((p) => p.severity === 'error'), notes };
}

/** The map with a packing proposal applied: the packed fields removed, the packed section set. */
export function applyPacking(spec: MappingSpec, packing: PackingProposal): MappingSpec {
  const moved = new Set(packing.fields.map((f) => fold(f.label)));
  const contact = spec.objects.contact;
  return {
    ...spec,
    objects: {
      ...spec.objects,
      contact: {
        ...contact,
        fields: contact.fields.filter((f) => !(isCustomTarget(f.to) && moved.has(fold(f.to.custom)))),
        packed: { label: packing.label, from: [...packing.from] },
      },
    },
  };
}

/**
 * The mapping file's text with a packing proposal applied, comments on the other fields
 * kept: the packed fields' entries removed and `objects.contact.packed` set. The result
 * must be validated (parseMappingSpec) by the caller before it is written.
 */
export function applyPackingToYaml(text: string, packing: PackingProposal, note?: string): string {
  const doc = parseDocument(text);
  const moved = new Set(packing.fields.map((f) => fold(f.label)));
  const seq = doc.getIn(['objects', 'contact', 'fields'], true);
  if (isSeq(seq)) {
    for (let i = seq.items.length - 1; i >= 0; i--) {
      const item = seq.items[i];
      if (!isMap(item)) continue;
      const to = (item as YAMLMap).get('to', true);
      const label = isMap(to) ? to.get('custom') : undefined;
      if (typeof label === 'string' && moved.has(fold(label))) seq.items.splice(i, 1);
    }
  }
  doc.setIn(['objects', 'contact', 'packed'], doc.createNode({ label: packing.label, from: packing.from }));
  const packedNode = doc.getIn(['objects', 'contact', 'packed'], true);
  if (isMap(packedNode)) {
    packedNode.commentBefore = prefixCommentLines(
      note ??
        `Packed to fit the plan's custom field limits: these values are written as "key: value" lines into the textarea "${packing.label}" (${packing.fields.length} field(s) moved here).`,
    );
  }
  return doc.toString({ lineWidth: 100 });
}

/** The label a new packed textarea gets: "Other <source> attributes", made unique. */
export function packedLabel(spec: MappingSpec): string {
  const taken = new Set(spec.objects.contact.fields.filter((f) => isCustomTarget(f.to)).map((f) => fold((f.to as { custom: string }).custom)));
  const base = `Other ${sourceLabel(spec.source)} attributes`;
  let label = base;
  for (let n = 2; taken.has(fold(label)); n++) label = `${base} (${n})`;
  return label;
}

// ---------------------------------------------------------------------------------------

function collectFields(spec: MappingSpec, inventory: AttributeInventory | undefined): { fields: PlannedField[]; problems: SchemaProblem[] } {
  const fields: PlannedField[] = [];
  const problems: SchemaProblem[] = [];
  const byLabel = new Map<string, PlannedField>();
  const add = (f: PlannedField) => {
    const k = `${f.entity}:${fold(f.label)}`;
    const earlier = byLabel.get(k);
    if (earlier !== undefined) {
      // One Freshsales field can serve two writers only when they agree on its type.
      if (earlier.type !== f.type) problems.push({ label: f.label, severity: 'error', problem: `planned twice with different types (${earlier.type} for ${earlier.from}, ${f.type} for ${f.from}): give one of them another label` });
      return;
    }
    byLabel.set(k, f);
    fields.push(f);
  };

  const contact = spec.objects.contact;
  for (const f of contact.fields) {
    if (!isCustomTarget(f.to)) continue;
    const t = f.to;
    const planned: PlannedField = { entity: 'contacts', label: t.custom, type: t.type, ...(t.choices !== undefined ? { choices: [...t.choices] } : {}), from: f.from, role: 'field' };
    problems.push(...fieldProblems(planned, inventory, f.on_invalid));
    add(planned);
  }
  if (contact.packed !== undefined) {
    add({
      entity: 'contacts',
      label: contact.packed.label,
      type: 'textarea',
      from: contact.packed.from.join(', '),
      role: 'packed',
      note: `${contact.packed.from.length} value(s) as "key: value" lines, sorted by key; cut at ${FRESHSALES_LIMITS.textareaChars.toLocaleString('en-US')} characters`,
    });
  }
  const tags = contact.tags;
  if (tags?.segments && tags.segments_as === 'field' && tags.segment_field) {
    add({ entity: 'contacts', label: tags.segment_field.label, type: 'multi_select_dropdown', choices: [...tags.segment_field.choices], from: 'segment membership', role: 'segments' });
  }
  const events = spec.objects.task?.events;
  if (events !== undefined) {
    const inactive = events.policy !== 'summary' ? `written only with events policy "summary" (the map says "${events.policy}")` : undefined;
    for (const s of events.summary) {
      const parts: Array<[string | undefined, CustomFieldType, string]> = [
        [s.count, 'number', 'count'],
        [s.first_seen, 'date', 'first seen (UTC date)'],
        [s.last_seen, 'date', 'last seen (UTC date)'],
      ];
      for (const [label, type, what] of parts) {
        if (label === undefined || label.trim() === '') continue;
        add({ entity: 'contacts', label, type, from: `event "${s.event}": ${what}`, role: 'event_summary', ...(inactive ? { note: inactive } : {}) });
      }
    }
  }
  // Campaign deals: one number field per reported figure the map names.
  const campaign = spec.objects.campaign;
  if (campaign?.enabled) {
    for (const [stat, label] of Object.entries(campaign.stats)) if (label) add({ entity: 'deals', label, type: 'number', from: `campaign ${stat}`, role: 'campaign_stats' });
  }
  // Sales activities: the event properties the timeline keeps in custom fields, typed.
  const task = spec.objects.task;
  if (task?.sales_activity !== undefined) {
    const inactive = (task.timeline ?? 'tasks') !== 'sales_activities' ? 'written only with timeline: sales_activities (the map sends the timeline to tasks)' : undefined;
    for (const f of task.sales_activity.fields) {
      const planned: PlannedField = {
        entity: 'sales_activities', label: f.to.custom, type: f.to.type, ...(f.to.choices !== undefined ? { choices: [...f.to.choices] } : {}),
        from: `event property ${f.from}`, role: 'activity_fields', ...(inactive ? { note: inactive } : {}),
      };
      problems.push(...fieldProblems(planned, undefined));
      add(planned);
    }
  }
  // Deals: the deal section writes standard fields only (name, amount, stage, pipeline, account, contacts).
  return { fields, problems };
}

function fieldProblems(f: PlannedField, inventory: AttributeInventory | undefined, onInvalid: OnInvalid = 'drop_field'): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  const isChoice = f.type === 'dropdown' || f.type === 'radio' || f.type === 'multi_select_dropdown';
  if (isChoice && f.choices !== undefined && f.choices.length > FRESHSALES_LIMITS.dropdownChoices) {
    out.push({ label: f.label, severity: 'error', problem: `has ${f.choices.length} choices; Freshsales allows at most ${FRESHSALES_LIMITS.dropdownChoices} per ${f.type}: make it a text field` });
  }
  if (isChoice && (f.choices === undefined || f.choices.length === 0)) {
    out.push({ label: f.label, severity: 'warning', problem: 'no choices listed: the admin must enter every value the source has, or values outside them are refused' });
  }
  const stats = inventory ? statsOf(inventory, f.from) : undefined;
  if (stats === undefined) return out;
  if (isChoice) {
    const d = f.type === 'multi_select_dropdown' ? (stats.elements?.distinct ?? stats.distinct) : stats.distinct;
    const observed = f.type === 'multi_select_dropdown' ? stats.elements?.values : stats.values;
    if (typeof d === 'string' || d >= DISTINCT_CAP) {
      out.push({ label: f.label, severity: 'warning', problem: `the source has ${d} distinct values: too many for a ${f.type} (a choice list is for fewer than 200): make it a text field` });
    } else if (observed !== undefined && f.choices !== undefined) {
      const have = new Set(f.choices.map(fold));
      const lacking = observed.filter((v) => !have.has(fold(v.value)));
      if (lacking.length > 0) {
        const n = lacking.reduce((s, v) => s + v.count, 0);
        out.push({
          label: f.label,
          severity: 'warning',
          problem: `${lacking.length} observed value(s) are not choices (${lacking.slice(0, 5).map((v) => JSON.stringify(v.value)).join(', ')}${lacking.length > 5 ? ', …' : ''}): ${n} contact(s) would ${onInvalid === 'quarantine' ? 'be quarantined' : 'load without that value (on_invalid: drop_field)'} — add them to choices`,
        });
      }
    }
  }
  if (f.type === 'text' && stats.longest > FRESHSALES_LIMITS.textChars) {
    out.push({ label: f.label, severity: 'warning', problem: `the longest value has ${stats.longest} characters; a text field holds ${FRESHSALES_LIMITS.textChars}: make it a textarea` });
  }
  if (stats.reference !== undefined) {
    out.push({ label: f.label, severity: 'warning', problem: `values look like references to other records (${stats.reference.reason}): resolve them to readable values` });
  }
  return out;
}

function usageOf(fields: PlannedField[], tier: Tier): Record<LimitType, LimitUsage> {
  const limits = CUSTOM_FIELD_LIMITS[tier];
  const usage = Object.fromEntries(LIMIT_TYPES.map((t) => [t, { used: 0, limit: limits[t] }])) as Record<LimitType, LimitUsage>;
  for (const f of fields) usage[limitTypeOf(f.type)].used++;
  return usage;
}

interface Candidate {
  field: PlannedField;
  /** Map order; later fields are taken as less important. */
  order: number;
  packable: boolean;
  /** Contacts with a value, when the inventory knows. */
  present: number | null;
}

/** Planned fields, lowest value first: packable before not, fewest filled, then latest in the map. */
function rankCandidates(spec: MappingSpec, fields: PlannedField[], inventory: AttributeInventory | undefined): Candidate[] {
  const withValues = new Set(spec.objects.contact.fields.filter((f) => f.values !== undefined && isCustomTarget(f.to)).map((f) => fold((f.to as { custom: string }).custom)));
  const out = fields.map((field, order): Candidate => {
    const stats = inventory && field.role === 'field' ? statsOf(inventory, field.from) : undefined;
    return {
      field,
      order,
      // The external id is the dedupe key (kept searchable); value maps are deliberate; the rest is not a contact field.
      packable: field.role === 'field' && field.entity === 'contacts' && field.from !== 'externalId' && !withValues.has(fold(field.label)),
      present: stats ? stats.present : null,
    };
  });
  return out.sort((a, b) => {
    if (a.packable !== b.packable) return a.packable ? -1 : 1;
    if (a.present !== null && b.present !== null && a.present !== b.present) return a.present - b.present;
    return b.order - a.order;
  });
}

function overLimits(entity: PlannedEntity, usage: Record<LimitType, LimitUsage>, total: LimitUsage, ranked: Candidate[]): OverLimit[] {
  const out: OverLimit[] = [];
  let freed = 0;
  for (const t of LIMIT_TYPES) {
    const u = usage[t];
    if (u.used <= u.limit) continue;
    const n = u.used - u.limit;
    freed += n;
    out.push({ entity, type: t, used: u.used, limit: u.limit, over: n, fields: ranked.filter((c) => limitTypeOf(c.field.type) === t).slice(0, n).map((c) => c.field.label) });
  }
  // The total can bind on its own only where it is below the sum of the per-type limits.
  const remaining = total.used - freed;
  if (remaining > total.limit) {
    const n = remaining - total.limit;
    const taken = new Set(out.flatMap((o) => o.fields));
    out.push({ entity, type: 'total', used: total.used, limit: total.limit, over: n, fields: ranked.filter((c) => !taken.has(c.field.label)).slice(0, n).map((c) => c.field.label) });
  }
  return out;
}

function proposePacking(spec: MappingSpec, tier: Tier, fields: PlannedField[], ranked: Candidate[]): PackingProposal {
  const limits = CUSTOM_FIELD_LIMITS[tier];
  const existing = spec.objects.contact.packed;
  const label = existing?.label ?? packedLabel(spec);
  const chosen: Candidate[] = [];
  const isChosen = (c: Candidate) => chosen.includes(c);
  let fits = false;
  for (let guard = 0; guard <= fields.length + 1; guard++) {
    const counts = Object.fromEntries(LIMIT_TYPES.map((t) => [t, 0])) as Record<LimitType, number>;
    let totalUsed = 0;
    for (const f of fields) {
      if (chosen.some((c) => c.field === f)) continue;
      counts[limitTypeOf(f.type)]++;
      totalUsed++;
    }
    // A new packed textarea is itself a field.
    if (existing === undefined && chosen.length > 0) {
      counts.textarea++;
      totalUsed++;
    }
    const overType = LIMIT_TYPES.find((t) => counts[t] > limits[t]);
    let pick: Candidate | undefined;
    if (overType !== undefined) {
      pick = ranked.find((c) => c.packable && !isChosen(c) && limitTypeOf(c.field.type) === overType);
    } else if (totalUsed > limits.total) {
      pick = ranked.find((c) => c.packable && !isChosen(c));
    } else {
      fits = true;
      break;
    }
    if (pick === undefined) break;
    chosen.push(pick);
  }

  const savedByType: Partial<Record<LimitType, number>> = {};
  for (const c of chosen) {
    const t = limitTypeOf(c.field.type);
    savedByType[t] = (savedByType[t] ?? 0) + 1;
  }
  if (existing === undefined && chosen.length > 0) savedByType.textarea = (savedByType.textarea ?? 0) - 1;
  // Map order inside the section: it reads like the map did (the text itself is sorted by key).
  const moved = [...chosen].sort((a, b) => a.order - b.order);
  const from = [...(existing?.from ?? [])];
  for (const c of moved) if (!from.includes(c.field.from)) from.push(c.field.from);
  const note = fits
    ? `pack ${moved.length} field(s) into the textarea "${label}" (one "key: value" line each)${existing === undefined ? ', a new textarea field' : ''}: the map then fits the ${tier} plan. The values stay readable on the contact but cannot be filtered or reported on.`
    : `packing ${moved.length} field(s) is not enough to fit the ${tier} plan`;
  return { label, from, fields: moved.map((c) => ({ label: c.field.label, type: c.field.type, from: c.field.from })), savedByType, fits, note };
}

function fold(s: string): string {
  return s.trim().toLowerCase().replace(/\s+/g, ' ');
}
