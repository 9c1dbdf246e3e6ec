/**
 * The deterministic default proposer: source attribute definitions, a sample of contacts and
 * (after discovery) the attribute inventory of every contact in; a mapping spec with evidence
 * for every field out. It is the baseline an AI proposer must beat, and the fallback when none
 * is configured. Same input, same output.
 *
 * One path: every field is typed from the statistics of an {@link AttributeInventory}. With a
 * discovery inventory they are every contact's; without one (or for a key it lacks) the
 * sampled contacts are counted by the same accumulator (`createInventory`), so a distinct
 * count, a null rate and the sample values mean the same whichever they came from. What the
 * counts may claim differs, and each field's evidence records it as its `basis`:
 * - inventory (every contact): no value can be unseen, so fewer than 200 distinct values →
 *   dropdown (multi-select for lists) with every observed value as a choice; an attribute whose
 *   every value is unique gets a note suggesting text.
 * - sample: the values must also repeat (at most max(10, half the non-empty samples) distinct)
 *   to become a dropdown, so a small sample of unique values (names, ids) does not become a
 *   dropdown that would lose every unseen value.
 *
 * Typing decisions (seed: "fewer than 200 distinct values → dropdown, else text"):
 * - string: dropdown as above; else text (textarea past the Freshsales text limit).
 * - number → number field; integer → number field with the integer transform.
 * - boolean → checkbox.
 * - date → date field when every value is date-only (or midnight); when values carry a time of
 *   day, a text field holding the ISO instant in UTC (transform datetime), because a Freshsales
 *   date field has no time and truncating would silently lose it.
 * - datetime → text field with the ISO instant.
 * - array → multi-select with the observed elements as choices under the same rule; else text
 *   (textarea when lists are long), elements joined with ", ".
 *
 * Attributes seen on contacts but missing from the definitions are proposed too (typed from
 * their values), from a discovery inventory only: it saw every contact, so such an attribute is
 * the account's data, not one stray sampled row.
 *
 * References: an attribute whose values look like ids of other records (the inventory's own
 * test) and whose name or id prefix names a model the source can resolve (`favourite_venue_id`
 * with `loc_7` values → location) is proposed with `resolve: <model>` into a text field: the
 * label ("Croke Park (Dublin)") is what a Freshsales user can read, and labels are open-ended,
 * so no dropdown.
 *
 * What only the source knows (attributes its connector lifts into canonical fields, its
 * lifecycle attribute and how its stages read as Freshsales statuses) comes in as
 * {@link ProposalDefaults}: the lifecycle attribute, when the source has it, is also proposed as
 * a `contact_status_id` field with that value map.
 */
import { sourceLabel, type AttributeDefinition, type AttributeType, type CanonicalContact, type SourceName } from '../core/model.js';
import { createInventory, DISTINCT_CAP, isLowCardinality, referencePrefix, type AttributeInventory, type AttributeStats, type ValueCount } from './inventory.js';
import { FALLBACK_PROPOSAL_DEFAULTS, type ProposalDefaults } from './proposal-defaults.js';
import { isRememberedSkip, suggestAttribute, type ConfidenceBand, type RememberedTarget } from './suggest.js';
import { isCategorical } from './detect.js';
import { isPlaceName } from './synonyms.js';
import { applyAiAnswer, type AiAnswers } from './ai-suggest.js';
import { prefixCommentLines } from '../core/yaml.js';
import { Document, isMap, isSeq, type YAMLMap } from 'yaml';
import {
  emailKey,
  hasTimeOfDay,
  isAbsent,
  normaliseArray,
  normaliseBoolean,
  normaliseDate,
  normaliseDayFirstDate,
  normaliseEmail,
  normaliseInteger,
  normaliseName,
  normaliseNumber,
  normalisePhone,
  normaliseText,
} from './normalise.js';
import {
  ATTRIBUTE_PREFIX,
  FRESHSALES_LIMITS,
  MappingSpec,
  STANDARD_CONTACT_FIELDS,
  isCustomTarget,
  type StandardContactField,
  defaultOnInvalid,
  isUsableAttributeName,
  type CustomFieldType,
  type MappingField,
  type Target,
  type Transform,
} from './spec.js';

/** What a field's counts were taken over: every contact (a discovery inventory) or the sampled contacts. */
export type EvidenceBasis = 'inventory' | 'sample';

/** Why a field was proposed: what the human reads before confirming. */
export interface FieldEvidence {
  from: string;
  /** The target as `emails` or `custom "Favourite team" (dropdown)`. */
  to: string;
  /** The type the source values were read as: declared by the source, or inferred from the values. */
  type: AttributeType;
  /** 0–1: how sure the proposer is that this is the right target and type. */
  confidence: number;
  /** Up to five frequent values (emails and phones masked). */
  sampleValues: string[];
  /** How the values fit the chosen type, in words. */
  typeFit: string;
  /** Exact count, or "200+" when more than 200 were counted. */
  distinctValues: number | `${typeof DISTINCT_CAP}+`;
  /** Share of contacts with no value (0–1). */
  nullRate: number;
  /** What the distinct count, null rate and sample values were counted over. */
  basis: EvidenceBasis;
  /** What the reviewer should know, one point each (the YAML comment joins them with "; "). */
  notes: string[];
  /** high only when independent signals agree (name and values, or history); see suggest.ts. */
  band?: ConfidenceBand;
  /** What each stage of the proposer saw (history, name, values, type), in order. */
  signals?: string[];
  /** The standard field the attribute looks like when another field already fills it (it is then kept in a custom field). */
  suggested?: { field: StandardContactField; band: ConfidenceBand };
}

/** A source attribute the proposer left out on purpose, and why. */
export interface NotMapped {
  from: string;
  reason: string;
  /** Where its values go instead: the device dataset, or nowhere. */
  route: 'device_dataset' | 'none';
  band: ConfidenceBand;
  signals: string[];
}

/** A proposed map, the evidence per field (same order as the fields), and map-wide warnings. */
export interface ContactMapProposal {
  spec: MappingSpec;
  evidence: FieldEvidence[];
  warnings: string[];
  /** Attributes left out on purpose (push tokens, installation ids, internal ids), with the reason. */
  notMapped: NotMapped[];
}

/** What the proposer reads. */
export interface ProposeInput {
  source: SourceName;
  attributes: AttributeDefinition[];
  samples: CanonicalContact[];
  /** The attribute inventory of every contact (discovery): when given, statistics and choices come from it, not from the sample. */
  inventory?: AttributeInventory;
  /**
   * Models the source can resolve reference ids against (`SourceConnector.referenceTable`);
   * default: none (the caller passes what the source's connector offers).
   */
  referenceModels?: readonly string[];
  /** What the source knows about its own attributes; default {@link FALLBACK_PROPOSAL_DEFAULTS}. */
  defaults?: ProposalDefaults;
  /** Targets a person confirmed for this organisation's attributes before, by `from` (stage 4): they win. */
  history?: ReadonlyMap<string, RememberedTarget>;
  /** The model's answers (stage 5, optional; see propose-ai.ts): each folded into its attribute's suggestion as evidence. */
  ai?: Pick<AiAnswers, 'model' | 'answers'>;
}

/** Fewer distinct values than this may become a dropdown (the seed's rule). */
export const DROPDOWN_MAX_DISTINCT = 200;
/** Freshsales Growth-plan custom field limits per type (the smallest paid plan). */
const GROWTH_LIMITS: Partial<Record<CustomFieldType | 'dropdown+radio', number>> = {
  text: 20, 'dropdown+radio': 30, textarea: 5, multi_select_dropdown: 5, number: 30, checkbox: 30, date: 30,
};

/** A field's evidence before its `from` and `to` are known. */
type Evidence = Omit<FieldEvidence, 'from' | 'to'>;
/** A field as the proposer drafts it (`on_invalid` defaults by target). */
type FieldDraft = Omit<MappingField, 'on_invalid'> & { on_invalid?: MappingField['on_invalid'] };

/** Propose a contact map from attribute definitions, sampled contacts and (when there is one) the discovery inventory. */
export function proposeContactMap(input: ProposeInput): ContactMapProposal {
  const { samples } = input;
  const defaults = input.defaults ?? FALLBACK_PROPOSAL_DEFAULTS;
  const src = sourceLabel(input.source);
  const statsFor = statisticsOf(input);
  const fields: MappingField[] = [];
  const evidence: FieldEvidence[] = [];
  const usedLabels = new Set<string>();
  const usedStandard = new Set<string>();
  const add = (f: FieldDraft, e: Evidence) => {
    const field: MappingField = { ...f, on_invalid: f.on_invalid ?? defaultOnInvalid(f) };
    if (isCustomTarget(field.to)) usedLabels.add(labelKey(field.to.custom));
    else usedStandard.add(field.to);
    fields.push(field);
    evidence.push({ from: field.from, to: describeTarget(field.to), ...e, band: e.band ?? bandOf(e.confidence) });
  };
  const notMapped: NotMapped[] = [];
  const uniqueLabel = (label: string) => {
    let l = label;
    for (let n = 2; usedLabels.has(labelKey(l)); n++) l = `${label} (${n})`;
    return l;
  };
  // Validity needs whole sampled records (a phone reads by its contact's country), so it is judged on the sample.
  const sampled = (key: keyof CanonicalContact) => samples.map((c) => c[key]);
  const present = (key: keyof CanonicalContact) => sampled(key).filter((v) => !isAbsent(v));
  const sampleFit = (fits: number, of: number): Fit => ({ fits, of, sampled: true });

  // Standard fields, by name.
  const emails = present('email');
  const validEmails = emails.filter((v) => normaliseEmail(v).ok).length;
  const noEmail = samples.length - emails.length;
  const dupes = duplicateCount(samples.map((c) => emailKey(c.email)));
  add(
    { from: 'email', to: 'emails', transform: 'email' },
    {
      ...evidenceOf(statsFor('email'), 'string'),
      confidence: 0.99,
      typeFit: fit('valid emails', sampleFit(validEmails, emails.length)),
      notes: notesOf(
        noEmail > 0 && `${noEmail} sampled contact(s) have no email and will be quarantined (Freshsales requires one)`,
        validEmails < emails.length && `${emails.length - validEmails} invalid email(s) will be quarantined`,
        dupes > 0 && `${dupes} sampled contact(s) share an email with another: they merge into one (newest wins)`,
      ),
    },
  );
  for (const [from, to, label] of [['firstName', 'first_name', 'first name'], ['lastName', 'last_name', 'last name']] as const) {
    const names = present(from);
    const good = names.filter((v) => normaliseName(v).ok).length;
    add({ from, to, transform: 'name' }, { ...evidenceOf(statsFor(from), 'string'), confidence: 0.95, typeFit: fit(`usable ${label}s`, sampleFit(good, names.length)), notes: [] });
  }
  const phones = present('phone');
  const validPhones = samples.filter((c) => !isAbsent(c.phone) && normalisePhone(c.phone, c.country).ok).length;
  add(
    { from: 'phone', to: 'mobile_number', transform: 'phone' },
    {
      ...evidenceOf(statsFor('phone'), 'string'),
      confidence: 0.9,
      typeFit: fit('valid phone numbers', sampleFit(validPhones, phones.length)),
      notes: notesOf(
        'written in E.164 (+353871234567)',
        validPhones < phones.length && `${phones.length - validPhones} unusable number(s) will be left out (the contacts still load)`,
      ),
    },
  );
  add({ from: 'country', to: 'country', transform: 'text' }, { ...evidenceOf(statsFor('country'), 'string'), confidence: 0.9, typeFit: 'text, as the source writes it', notes: [] });
  for (const [from, to] of [['emailSubscribed', 'subscription_status'], ['smsSubscribed', 'sms_subscription_status']] as const) {
    const flags = present(from);
    add(
      { from, to, transform: 'subscription' },
      {
        ...evidenceOf(statsFor(from), 'boolean'),
        confidence: 0.8,
        typeFit: fit('yes/no flags', sampleFit(flags.filter((v) => normaliseBoolean(v).ok).length, flags.length)),
        notes: ['written as 1 (subscribed) / 0 (unsubscribed): check one sampled contact in Freshsales before the production run'],
      },
    );
  }
  const repeatedIds = duplicateCount(present('externalId').map((v) => String(v).trim()));
  add(
    { from: 'externalId', to: { custom: uniqueLabel(`${src} ID`), type: 'text' }, transform: 'text' },
    {
      ...evidenceOf(statsFor('externalId'), 'string'),
      confidence: 0.95,
      typeFit: repeatedIds === 0 ? 'text, unique per contact' : `text, ${repeatedIds} repeated`,
      notes: [`the ${src} user id, kept for dedupe and look-ups`],
    },
  );

  // Canonical fields without a Freshsales home: custom fields, typed like attributes.
  const extras: Array<{ from: 'language' | 'timezone' | 'createdAt'; label: string; type: AttributeType; note?: string; openEnded?: string }> = [
    // Open-ended code lists: a dropdown built from a sample would lose every unseen code.
    { from: 'language', label: 'Language', type: 'string', openEnded: 'an open-ended list of codes' },
    { from: 'timezone', label: `${src} time zone`, type: 'string', openEnded: 'an open-ended list of codes', note: "Freshsales' own Time zone field uses its own zone names; the source's name is kept here" },
    { from: 'createdAt', label: `${src} created at`, type: 'datetime', note: `when the profile was created in ${src}` },
  ];
  for (const x of extras) {
    const k = statsFor(x.from);
    if (k.stats.present === 0) continue;
    const p = typeCustomField(x.type, k, sampled(x.from), uniqueLabel(x.label), x.openEnded);
    add({ from: x.from, to: p.to, transform: p.transform }, { ...p.evidence, notes: notesOf(x.note, ...p.evidence.notes) });
  }

  // Custom attributes (with a discovery inventory, also those seen on contacts but not defined).
  const defined = new Set(input.attributes.map((a) => a.name));
  const lifted = new Set(defaults.liftedAttributes);
  const observed: Array<AttributeDefinition & { undeclared?: true }> = (input.inventory?.attributes ?? [])
    .filter((a) => a.origin === 'attribute' && a.present > 0 && !defined.has(a.key.slice(ATTRIBUTE_PREFIX.length)))
    .map((a) => ({ name: a.key.slice(ATTRIBUTE_PREFIX.length), type: inferType(a), undeclared: true as const }));
  const referenceModels = input.referenceModels ?? [];
  const lifecycleDefault = defaults.lifecycle && isUsableAttributeName(defaults.lifecycle.attribute) ? defaults.lifecycle.attribute : undefined;
  const valuesOf = (name: string) => samples.map((c) => (Object.hasOwn(c.attributes, name) ? c.attributes[name] : undefined));
  /** Attribute name → the label of the custom field that keeps its value. */
  const customLabels = new Map<string, string>();
  for (const attr of [...input.attributes, ...observed]) {
    if (lifted.has(attr.name) || !isUsableAttributeName(attr.name)) continue;
    const from = `${ATTRIBUTE_PREFIX}${attr.name}`;
    const k = statsFor(from);
    const values = valuesOf(attr.name);
    const reference = k.stats.reference;
    const model = reference ? referenceModelOf(attr.name, k, values, referenceModels) : undefined;
    if (reference && model) {
      const label = uniqueLabel(referenceLabel(attr.name, src));
      const base = evidenceOf(k, attr.type);
      add(
        { from, to: { custom: label, type: 'text' }, transform: 'text', resolve: model.model },
        {
          ...base,
          confidence: round2(0.85 * reference.share),
          typeFit: `ids of ${model.model} records (${reference.reason}): each written as the ${model.model}'s readable label`,
          notes: [
            `resolve: ${model.model} (${model.why}) reads every ${model.model} once per run and writes each id${base.sampleValues[0] ? ` (${base.sampleValues[0]})` : ''} as that ${model.model}'s readable label`,
            `an id with no ${model.model} (deleted) is written as it is and counted in the run's notes`,
            'remove resolve to keep the raw ids instead',
          ],
        },
      );
      customLabels.set(attr.name, label);
      continue;
    }
    const pool = valuePool(k, values).values;
    const waterfall = suggestAttribute({ name: attr.name, ...('undeclared' in attr ? {} : { declaredType: attr.type }), values: pool, ...(input.history?.has(from) ? { remembered: input.history.get(from)! } : {}) });
    // Stage 5 (optional): the model's answer, asked for beforehand (propose-ai.ts), folded in as one more signal.
    const s = input.ai ? applyAiAnswer(waterfall, input.ai.answers.get(from), input.ai.model, pool) : waterfall;
    // The source's own lifecycle attribute goes to the contact status by the defaults' value map (below), and is kept as it is.
    const t: typeof s.target = s.target.kind === 'reference' && attr.name === lifecycleDefault ? { kind: 'custom', type: attr.type } : s.target;
    if (t.kind === 'skip') {
      notMapped.push({ from, reason: t.reason, route: t.route, band: s.band, signals: s.signals });
      continue;
    }
    if (t.kind === 'history' && (isCustomTarget(t.remembered.target) ? !usedLabels.has(labelKey(t.remembered.target.custom)) : !usedStandard.has(t.remembered.target))) {
      add(
        { from, to: t.remembered.target, transform: t.remembered.transform },
        { ...evidenceOf(k, attr.type), confidence: 0.99, band: 'high', signals: s.signals, typeFit: 'as confirmed in an earlier map of this organisation', notes: [] },
      );
      if (isCustomTarget(t.remembered.target)) customLabels.set(attr.name, t.remembered.target.custom);
      continue;
    }
    const takenBy = t.kind === 'standard' || t.kind === 'reference' ? fields.find((f) => f.to === t.field)?.from : undefined;
    const confidenceOf = (band: ConfidenceBand) => (band === 'high' ? 0.95 : band === 'medium' ? 0.75 : 0.5);
    if (t.kind === 'standard' && takenBy === undefined && t.field !== 'tags') {
      add(
        { from, to: t.field, transform: t.transform, ...(t.values ? { values: t.values } : {}) },
        {
          ...evidenceOf(k, attr.type),
          confidence: confidenceOf(s.band),
          band: s.band,
          signals: s.signals,
          typeFit: s.signals[1]?.replace(/^values: /, '') ?? '',
          notes: t.values ? ['worded as an opt-out: the value map writes "yes" as unsubscribed and "no" as subscribed'] : [],
        },
      );
      continue;
    }
    // The source's own lifecycle attribute already writes the contact status (below).
    const statusReserved = t.kind === 'reference' && t.field === 'contact_status_id' && lifecycleDefault !== undefined && lifecycleDefault !== attr.name;
    if (t.kind === 'reference' && takenBy === undefined && !statusReserved) {
      add(
        { from, to: t.field, transform: 'integer', values: t.values },
        {
          ...evidenceOf(k, attr.type),
          confidence: confidenceOf(s.band),
          band: s.band,
          signals: s.signals,
          typeFit: s.signals[1]?.replace(/^values: /, '') ?? '',
          notes: [
            `each value is written as the ${STANDARD_CONTACT_FIELDS[t.field].label.toLowerCase()} of that name in this Freshsales account (looked up when the run starts): check the names under values`,
            'a value with no row under values is left out of its contact (reported); a row left blank (null) writes nothing',
            `to keep the original value too, add a second field from ${from} to a custom field`,
          ],
        },
      );
      continue;
    }
    const standardNote =
      t.kind === 'standard'
        ? t.field === 'tags'
          ? "looks like a tag list: the source's own tags already become Freshsales tags, so it is kept in a custom field"
          : `looks like Freshsales' ${STANDARD_CONTACT_FIELDS[t.field].label} field, which ${takenBy} already fills: kept in a custom field (swap them if this one is better)`
        : t.kind === 'reference'
          ? `looks like Freshsales' ${STANDARD_CONTACT_FIELDS[t.field].label} field, which ${takenBy ?? `the ${src} lifecycle attribute`} already fills: kept in a custom field`
          : s.standard === 'time_zone'
            ? "Freshsales' own Time zone field uses its own zone names; the source's name is kept here"
            : undefined;
    const customType = t.kind === 'custom' ? t.type : attr.type;
    let label = readableLabel(attr.name);
    const clash = standardLabelClash(label);
    if (clash) label = `${src} ${label.charAt(0).toLowerCase()}${label.slice(1)}`;
    const openEnded = s.standard === 'time_zone' ? 'an open-ended list of codes' : isPlaceName(attr.name) ? 'place names: an open-ended list, new ones come with new contacts' : undefined;
    const p = typeCustomField(customType, k, values, uniqueLabel(label), openEnded, t.kind === 'custom' && t.dayFirst === true);
    if (t.kind === 'custom' && t.textarea && isCustomTarget(p.to)) p.to = { custom: p.to.custom, type: 'textarea' };
    // A type read off too few values is never high, whatever the name says.
    const band: ConfidenceBand = t.kind === 'standard' || t.kind === 'reference' ? 'low' : s.band === 'high' && !p.sure ? 'medium' : s.band;
    const pointsAt = t.kind === 'standard' || t.kind === 'reference' ? t.field : s.standard === 'time_zone' ? 'time_zone' : undefined;
    p.evidence = { ...p.evidence, band, signals: s.signals, confidence: clampToBand(p.evidence.confidence, band), ...(pointsAt ? { suggested: { field: pointsAt, band: s.band } } : {}) };
    const notes = [...p.evidence.notes];
    if (standardNote) notes.unshift(standardNote);
    if (t.kind === 'custom' && t.note) notes.push(t.note);
    if ('undeclared' in attr) notes.push(`not in the ${src} attribute definitions: type inferred from the values`);
    if (reference) notes.push(`values look like references to other records (${reference.reason}): resolve them to readable values before loading${referenceModels.length > 0 ? ` (the source resolves: ${referenceModels.join(', ')})` : ''}`);
    if (clash) notes.push(`labelled "${label}" so it is not confused with Freshsales' own "${clash}" field`);
    if (/lifecycle/i.test(attr.name)) {
      notes.push('to also set the Freshsales lifecycle stage, add a field to lifecycle_stage_id with values: { <stage>: <stage id> }');
    }
    add({ from, to: p.to, transform: p.transform }, { ...p.evidence, notes });
    if (isCustomTarget(p.to)) customLabels.set(attr.name, p.to.custom);
  }

  // The source's lifecycle stage → Freshsales contact status, by the names the defaults give.
  const lifecycle = defaults.lifecycle;
  if (lifecycle && isUsableAttributeName(lifecycle.attribute)) {
    const from = `${ATTRIBUTE_PREFIX}${lifecycle.attribute}`;
    const k = statsFor(from);
    // Left out of the organisation's last confirmed map (history): its status mapping with it.
    if ((defined.has(lifecycle.attribute) || k.stats.present + k.stats.empty > 0) && !isRememberedSkip(input.history?.get(from))) {
      const type = input.attributes.find((a) => a.name === lifecycle.attribute)?.type ?? inferType(k.stats);
      add({ from, to: 'contact_status_id', transform: 'integer', values: { ...lifecycle.values } }, lifecycleEvidence(lifecycle, k, valuesOf(lifecycle.attribute), type, customLabels.get(lifecycle.attribute)));
    }
  }

  const spec = MappingSpec.parse({ version: 1, source: input.source, objects: { contact: { dedupe: 'email', fields } } });
  return { spec, evidence, warnings: budgetWarnings(fields), notMapped };
}

/** The band a bare confidence reads as (fields the connector lifts, whose meaning the source states). */
function bandOf(confidence: number): ConfidenceBand {
  return confidence >= 0.9 ? 'high' : confidence >= 0.6 ? 'medium' : 'low';
}

/** A confidence kept inside its band, so the number and the band never disagree. */
function clampToBand(confidence: number, band: ConfidenceBand): number {
  const [lo, hi] = band === 'high' ? [0.9, 1] : band === 'medium' ? [0.6, 0.89] : [0, 0.59];
  return round2(Math.min(hi, Math.max(lo, confidence)));
}

/**
 * A label an admin would write for a source attribute name: `favourite_team` → "Favourite
 * team", `quest.completionsTotal` → "Quest completions total", `VIPLevel` → "VIP level".
 */
export function readableLabel(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[\s._\-/:]+/)
    .filter((w) => w.length > 0)
    // Acronyms stay as written (VIP, ID); other words are lower-cased, sentence case.
    .map((w) => (/^[A-Z0-9]{2,}$/.test(w) ? w : w.toLowerCase()));
  if (words.length === 0) return name;
  const first = words[0] as string;
  words[0] = first.charAt(0).toUpperCase() + first.slice(1);
  return words.join(' ');
}

/** Render the map as YAML for a human, each field preceded by its evidence as comments. */
export function renderMappingYaml(spec: MappingSpec, evidence: FieldEvidence[], options: { warnings?: string[]; notMapped?: NotMapped[] } = {}): string {
  const fields = spec.objects.contact.fields;
  const plain = {
    version: spec.version,
    source: spec.source,
    objects: {
      contact: {
        dedupe: spec.objects.contact.dedupe,
        fields: fields.map((f) => ({
          from: f.from,
          to: f.to,
          transform: f.transform,
          ...(f.resolve !== undefined ? { resolve: f.resolve } : {}),
          ...(f.values !== undefined ? { values: f.values } : {}),
          // Written only when it differs from the field's default, to keep the file short.
          ...(f.on_invalid !== defaultOnInvalid(f) ? { on_invalid: f.on_invalid } : {}),
        })),
      },
    },
  };
  const doc = new Document(plain);
  const header = [
    `Contact field map for ${spec.source} → Freshsales.`,
    'Review every field, edit what is wrong, then confirm this exact file: nothing is',
    'written to Freshsales before it is confirmed, and any later edit needs a new confirmation.',
    '',
    'from:      a contact field (email, phone, firstName, …) or attributes.<source attribute name>',
    'to:        a Freshsales contact field, or { custom: "<label>", type: <type> } for a custom',
    '           field, matched by its label (create custom fields in Admin Settings → Fields first)',
    'transform: how the value is cleaned (email, phone, name, text, number, integer, boolean,',
    '           date, datetime, array_to_text, array_to_multiselect, subscription, none)',
    'on_invalid: quarantine (hold the contact back with the reason) or drop_field (load it',
    '           without that value, which is reported); default drop_field, except quarantine',
    '           for emails, the source user id and subscription (consent) flags',
    'resolve:   the source model whose record ids the value holds (e.g. location): each id is',
    '           written as that record\'s readable label; an id with no record stays as it is',
  ];
  for (const w of options.warnings ?? []) header.push('', `WARNING: ${w}`);
  const skipped = options.notMapped ?? [];
  if (skipped.length > 0) {
    header.push('', 'Not mapped on purpose (add a field to map one anyway):');
    for (const n of skipped) header.push(`  ${n.from}: ${n.reason} [${n.band}; ${n.signals.join('; ')}]`);
  }
  doc.commentBefore = prefixCommentLines(header.join('\n'));

  const seq = doc.getIn(['objects', 'contact', 'fields'], true);
  if (isSeq(seq)) {
    seq.items.forEach((item, i) => {
      if (!isMap(item)) return;
      const f = fields[i] as MappingField;
      const to = (item as YAMLMap).get('to', true);
      // A custom target reads best on one line; long choice lists still wrap.
      if (isMap(to)) to.flow = true;
      const e = evidence[i]?.from === f.from ? evidence[i] : evidence.find((x) => x.from === f.from && x.to === describeTarget(f.to));
      if (e) item.commentBefore = prefixCommentLines(evidenceComment(e));
      if (i > 0) item.spaceBefore = true;
    });
  }
  return doc.toString({ lineWidth: 100 });
}

// ---------------------------------------------------------------------------------------

/** One key's statistics and what they were counted over. */
interface KeyStats {
  stats: AttributeStats;
  basis: EvidenceBasis;
}

/**
 * Statistics per `from` key: the discovery inventory's when it has the key, else the sampled
 * contacts' — counted by the same accumulator, so both read alike.
 */
function statisticsOf(input: ProposeInput): (key: string) => KeyStats {
  const acc = createInventory({ definitions: input.attributes });
  for (const c of input.samples) acc.add(c);
  const sample = new Map(acc.result().attributes.map((a) => [a.key, a]));
  const full = new Map((input.inventory?.attributes ?? []).map((a) => [a.key, a]));
  return (key) => {
    const d = full.get(key);
    if (d !== undefined) return { stats: d, basis: 'inventory' };
    // Every canonical and declared key is in the sample's inventory; anything else was never seen.
    const s = sample.get(key) ?? { key, origin: 'attribute', present: 0, empty: 0, missing: input.samples.length, nullRate: 1, types: {}, distinct: 0, samples: [], values: [], longest: 0 };
    return { stats: s, basis: 'sample' };
  };
}

/** The evidence every field gives from its statistics. */
function evidenceOf(k: KeyStats, type: AttributeType): Pick<Evidence, 'type' | 'basis' | 'sampleValues' | 'distinctValues' | 'nullRate'> {
  const s = k.stats;
  return {
    type,
    basis: k.basis,
    // Most frequent first while the value list is exact; else the first values seen (emails and phones come masked).
    sampleValues: topValues(s.values ? s.values.map((v) => v.value) : s.samples),
    distinctValues: s.distinct,
    nullRate: round2(s.nullRate),
  };
}

/** Up to five values for the evidence, shortened, each rendering once (masking makes values collide). */
function topValues(values: string[]): string[] {
  return [...new Set(values.map(shorten))].slice(0, 5);
}

/**
 * The values a fit ratio is judged on, with their weights: every sampled value for a sample's
 * statistics (the raw values, as the transforms will see them); every contact's value while an
 * inventory's list is exact; else the sampled values, or the inventory's own samples.
 */
function valuePool(k: KeyStats, samples: unknown[]): { values: Array<[unknown, number]>; sampled: boolean } {
  const present = samples.filter((v) => !isAbsent(v));
  if (k.basis === 'inventory' && k.stats.values) return { values: k.stats.values.map((v) => [v.value, v.count]), sampled: false };
  if (k.basis === 'inventory' && present.length === 0) return { values: k.stats.samples.map((v) => [v, 1]), sampled: true };
  return { values: present.map((v) => [v, 1]), sampled: true };
}

/** How many values fit a test, of how many, and whether those were sampled or every contact's. */
interface Fit {
  fits: number;
  of: number;
  sampled: boolean;
}

function fitOf(k: KeyStats, samples: unknown[], test: (v: unknown) => boolean): Fit {
  const pool = valuePool(k, samples);
  let fits = 0;
  let of = 0;
  for (const [v, n] of pool.values) {
    of += n;
    if (test(v)) fits += n;
  }
  return { fits, of, sampled: pool.sampled };
}

interface CustomProposal {
  to: Target;
  transform: Transform;
  evidence: Evidence;
  /**
   * The values leave no real doubt about the Freshsales type: enough of them, and they fit. A
   * type read off a handful of values (text or dropdown? a count or a code?) is never "high".
   */
  sure: boolean;
}

/** Values enough to tell a short list from open text, or a count from a code. */
const SURE_OF_TYPE = 30;

/**
 * Type a custom field from the declared (or inferred) type and the key's statistics; the
 * sampled values judge fit ratios where the statistics hold no exact list of values.
 */
function typeCustomField(type: AttributeType, k: KeyStats, samples: unknown[], label: string, openEnded?: string, dayFirst = false): CustomProposal {
  const freeText = openEnded !== undefined;
  const s = k.stats;
  const fromSample = k.basis === 'sample';
  const base = evidenceOf(k, type);
  const n = s.present;
  const fits = (test: (v: unknown) => boolean) => fitOf(k, samples, test);
  const conf = (r: Fit, ceiling: number) => round2(r.of === 0 ? 0.5 : ceiling * (r.fits / r.of));
  const noValues = n === 0 ? `no ${fromSample ? 'sampled ' : ''}contact has a value: type taken from the attribute definition only` : undefined;
  const inventoryNote = `from the inventory of ${n} contact(s) with a value`;

  switch (type) {
    case 'number':
    case 'integer': {
      const norm = type === 'integer' ? normaliseInteger : normaliseNumber;
      const what = type === 'integer' ? 'whole numbers' : 'numbers';
      const r = fits((v) => norm(v, FRESHSALES_LIMITS.numberIntegerDigits).ok);
      return {
        to: { custom: label, type: 'number' },
        transform: type,
        // Two or three distinct numbers may be codes or a flag (1 / -31), not amounts: sure only with a spread of values.
        sure: n >= 5 && r.fits >= 0.95 * r.of && (typeof s.distinct !== 'number' || s.distinct > 3),
        evidence: {
          ...base,
          confidence: conf(r, 0.95),
          typeFit: fit(what, r),
          notes: notesOf(noValues ?? (r.fits < r.of && `${r.of - r.fits} ${r.sampled ? 'sampled ' : ''}value(s) are not ${what}: those values would be left out (reported; on_invalid: quarantine holds the contacts back instead)`)),
        },
      };
    }
    case 'boolean': {
      const r = fits((v) => normaliseBoolean(v).ok);
      return { to: { custom: label, type: 'checkbox' }, transform: 'boolean', sure: n > 0 && r.fits >= 0.95 * r.of, evidence: { ...base, confidence: conf(r, 0.95), typeFit: fit('yes/no values', r), notes: notesOf(noValues) } };
    }
    case 'date':
    case 'datetime': {
      const r = fits((v) => (dayFirst ? normaliseDayFirstDate(v) : normaliseDate(v)).ok);
      // An inventory whose list overflowed trusts its value kinds (it saw every value).
      const timed =
        type === 'datetime' || valuePool(k, samples).values.some(([v]) => hasTimeOfDay(v)) || (k.basis === 'inventory' && !s.values && (s.types.datetime ?? 0) > 0);
      // A date field either way: it is what a CRM user filters and sorts by. What a time of day loses is said.
      return {
        to: { custom: label, type: 'date' },
        transform: dayFirst ? 'date_day_first' : 'date',
        sure: n > 0 && r.fits >= 0.95 * r.of,
        evidence: {
          ...base,
          confidence: conf(r, timed ? 0.9 : 0.95),
          typeFit: fit(timed ? 'date-times' : 'dates', r),
          notes: notesOf(
            noValues,
            dayFirst && 'slashed dates are read day first (25/01/1995 is 25 January), as the values show; a source that writes month first needs transform: date',
            timed &&
              'values carry a time of day, which a Freshsales date field cannot hold: the date is kept as the source wrote it (the UTC date for epoch timestamps) and the time dropped (change to type: text with transform: datetime to keep the whole instant as text)',
          ),
        },
      };
    }
    case 'array': {
      const el = s.elements;
      const r = fits((v) => normaliseArray(v).ok);
      const elements = el?.values ?? [];
      const evidence = { ...base, sampleValues: el?.values ? topValues(el.values.map((v) => v.value)) : base.sampleValues, distinctValues: el?.distinct ?? 0 };
      const few = el !== undefined && isLowCardinality(el.distinct);
      // From a sample the elements must also repeat, or unseen ones would be lost.
      const repeats = !fromSample || (few && isCategorical(el.distinct as number, elements.reduce((t, v) => t + v.count, 0), elements.some((v) => v.count > 1)));
      if (few && el.values && repeats) {
        return {
          to: { custom: label, type: 'multi_select_dropdown', choices: choicesOfCounts(el.values) },
          transform: 'array_to_multiselect',
          sure: n >= SURE_OF_TYPE,
          evidence: fromSample
            ? { ...evidence, confidence: conf(r, 0.85), typeFit: `lists of few repeating elements: a multi-select (fewer than ${DROPDOWN_MAX_DISTINCT} distinct)`, notes: ['an element outside these choices is left out of its contact (reported): add choices you know exist'] }
            : { ...evidence, confidence: conf(r, 0.9), typeFit: `${el.distinct} distinct elements in every contact's lists: a multi-select (fewer than ${DROPDOWN_MAX_DISTINCT} distinct)`, notes: [inventoryNote] },
        };
      }
      const why = few ? 'elements rarely repeat in the sample, so unseen ones are likely' : `${DROPDOWN_MAX_DISTINCT} or more different elements`;
      return {
        to: { custom: label, type: s.longest > FRESHSALES_LIMITS.textChars ? 'textarea' : 'text' },
        transform: 'array_to_text',
        sure: n >= SURE_OF_TYPE && !few,
        evidence: {
          ...evidence,
          confidence: conf(r, 0.75),
          typeFit: `lists with ${el?.distinct ?? 0} distinct elements, longest ${s.longest} characters`,
          notes: notesOf(noValues, n > 0 && `${why}: written as text, elements joined with ", "`),
        },
      };
    }
    case 'string': {
      const r = fits((v) => normaliseText(v).ok);
      const few = isLowCardinality(s.distinct);
      // The values must repeat (every contact's, or a sample's), or they are open-ended and unseen ones would be lost.
      const repeats = few && isCategorical(s.distinct as number, n, s.values?.some((v) => v.count > 1) ?? false);
      // Codes with runs of digits (AFF-2231, card numbers) are open-ended unless many contacts share each one ("Shop 042").
      const pool = valuePool(k, samples).values;
      const weight = pool.reduce((t, [, c]) => t + c, 0);
      const shared = n >= SURE_OF_TYPE && (s.distinct as number) <= n / 3;
      const codes = !shared && weight > 0 && pool.reduce((t, [v, c]) => t + (/\d{3,}/.test(String(v)) ? c : 0), 0) >= 0.8 * weight;
      if (!freeText && few && s.values && repeats && !codes && s.longest <= FRESHSALES_LIMITS.textChars) {
        const d = s.distinct as number;
        const share = r.of === 0 ? 1 : r.fits / r.of;
        return {
          to: { custom: label, type: 'dropdown', choices: choicesOfCounts(s.values) },
          transform: 'text',
          sure: n >= SURE_OF_TYPE && d <= n / 3,
          evidence: fromSample
            ? {
                ...base,
                confidence: round2(Math.min(0.9, 0.5 + 0.4 * (1 - d / n)) * share),
                typeFit: `few repeating values: a dropdown (fewer than ${DROPDOWN_MAX_DISTINCT} distinct)`,
                notes: ['a value outside these choices is left out of its contact (reported): add choices you know exist, or change to type: text'],
              }
            : {
                ...base,
                confidence: round2(0.9 * share),
                typeFit: `${d} distinct values across every contact, repeating: a dropdown (fewer than ${DROPDOWN_MAX_DISTINCT} distinct)`,
                notes: notesOf(inventoryNote),
              },
        };
      }
      const typeFit = freeText
        ? `free text (${openEnded})`
        : n === 0
          ? `no ${fromSample ? 'sampled ' : ''}values`
          : codes
            ? 'codes with runs of digits: open-ended, so text'
            : few && !repeats
              ? `free text: ${s.distinct} distinct values in ${n}${fromSample ? ' sampled' : ''}, too few repeats for a dropdown`
              : `free text: ${s.distinct} distinct values, too many for a dropdown`;
      const long = s.longest > FRESHSALES_LIMITS.textChars;
      return {
        to: { custom: label, type: long ? 'textarea' : 'text' },
        transform: 'text',
        sure: long || freeText || (n >= SURE_OF_TYPE && (!few || (s.distinct as number) >= n / 2)),
        evidence: { ...base, confidence: conf(r, 0.85), typeFit, notes: notesOf(noValues) },
      };
    }
  }
}

/** The evidence of the lifecycle attribute's value map into the Freshsales contact status. */
function lifecycleEvidence(lifecycle: NonNullable<ProposalDefaults['lifecycle']>, k: KeyStats, samples: unknown[], type: AttributeType, customLabel: string | undefined): Evidence {
  // The transform matches a stage trimmed and case-insensitively; so does this count.
  const stages = new Set(Object.keys(lifecycle.values).map((s) => s.trim().toLowerCase()));
  const mapped = (v: unknown) => stages.has(String(v).trim().toLowerCase());
  const r = fitOf(k, samples, mapped);
  const unmapped = [...new Set(valuePool(k, samples).values.filter(([v]) => !mapped(v)).map(([v]) => shorten(String(v))))];
  return {
    ...evidenceOf(k, type),
    confidence: round2(r.of === 0 ? 0.5 : 0.8 * (r.fits / r.of)),
    typeFit: fit('stages in the value map', r),
    notes: notesOf(
      r.of === 0 && `no ${r.sampled ? 'sampled ' : ''}contact has a value`,
      'Lifecycle stage → Freshsales contact status (by "Stage / Status" name, resolved in this account at run time)',
      customLabel !== undefined && `the original value is also kept in its own custom field "${customLabel}"`,
      unmapped.length > 0 && `${unmapped.length} stage(s) have no status (${unmapped.slice(0, 3).join(', ')}${unmapped.length > 3 ? ', …' : ''}): for those contacts the status is left out (reported): add them under values`,
    ),
  };
}

/** The attribute type a set of observed values suggests (for attributes the source does not define). */
function inferType(a: AttributeStats): AttributeType {
  const kinds = Object.entries(a.types).filter(([, n]) => (n ?? 0) > 0).map(([k]) => k);
  if (kinds.length === 1) {
    switch (kinds[0]) {
      case 'number':
        return a.values?.every((v) => Number.isInteger(Number(v.value))) ? 'integer' : 'number';
      case 'boolean':
        return 'boolean';
      case 'date':
        return 'date';
      case 'datetime':
        return 'datetime';
      case 'array':
        return 'array';
    }
  }
  if (kinds.length === 2 && kinds.includes('date') && kinds.includes('datetime')) return 'datetime';
  return 'string';
}

/** Choices from counted values, one spelling per case-insensitive value (the most frequent), sorted for reading. */
function choicesOfCounts(values: ValueCount[]): string[] {
  const byFold = new Map<string, string>();
  for (const v of values) {
    const t = v.value.trim();
    if (t.length > 0 && !byFold.has(t.toLowerCase())) byFold.set(t.toLowerCase(), t);
  }
  return [...byFold.values()].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base', numeric: true }));
}

/** Few enough distinct values, and they repeat: a choice list, not free text. */

/**
 * The model a reference attribute points at, when its id prefix (`loc_7` → loc) or a word of
 * its name (`store_id` → store) names one of `models`: equal, plural, or one the start of the
 * other (at least three letters: "loc" → location). Prefixes speak first: they are the data.
 */
function referenceModelOf(name: string, k: KeyStats, samples: unknown[], models: readonly string[]): { model: string; why: string } | undefined {
  if (models.length === 0) return undefined;
  const prefixes = new Map<string, number>();
  for (const [v, n] of valuePool(k, samples).values) {
    const p = referencePrefix(v);
    if (p !== null) prefixes.set(p, (prefixes.get(p) ?? 0) + n);
  }
  const names = (w: string, m: string) => w === m || w === `${m}s` || `${w}s` === m || (w.length >= 3 && m.startsWith(w)) || (m.length >= 3 && w.startsWith(m));
  const byCount = [...prefixes.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  for (const [prefix] of byCount) {
    const m = models.find((x) => names(prefix, x.toLowerCase()));
    if (m) return { model: m, why: `ids look like ${prefix}_<n>` };
  }
  const words = readableLabel(name).toLowerCase().split(' ').filter((w) => !REFERENCE_WORDS.has(w));
  for (const w of words) {
    const m = models.find((x) => names(w, x.toLowerCase()));
    if (m) return { model: m, why: `the name says ${w}` };
  }
  return undefined;
}

/** Words that mark a name as a reference without saying to what. */
const REFERENCE_WORDS = new Set(['id', 'ids', 'ref', 'refs', 'reference', 'key']);

/** The label of a resolved reference: the name without its id word ("favourite_venue_id" → "Favourite venue"). */
function referenceLabel(name: string, src: string): string {
  const words = readableLabel(name).split(' ');
  while (words.length > 1 && REFERENCE_WORDS.has(words[words.length - 1]!.toLowerCase())) words.pop();
  const label = words.join(' ');
  const clash = standardLabelClash(label);
  return clash ? `${src} ${label.charAt(0).toLowerCase()}${label.slice(1)}` : label;
}

function describeTarget(to: Target): string {
  return isCustomTarget(to) ? `custom "${to.custom}" (${to.type})` : to;
}

const labelKey = (s: string) => s.trim().toLowerCase().replace(/\s+/g, ' ');

function standardLabelClash(label: string): string | undefined {
  const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  const l = squash(label);
  for (const rule of Object.values(STANDARD_CONTACT_FIELDS)) if (squash(rule.label) === l) return rule.label;
  // Names Freshsales shows for fields a map cannot write but an admin would still confuse.
  for (const other of ['Email', 'Phone', 'Name', 'Lifecycle stage', 'Status', 'Created at', 'Updated at']) if (squash(other) === l) return other;
  return undefined;
}

function budgetWarnings(fields: MappingField[]): string[] {
  const count = new Map<string, number>();
  for (const f of fields) {
    if (!isCustomTarget(f.to)) continue;
    const k = f.to.type === 'dropdown' || f.to.type === 'radio' ? 'dropdown+radio' : f.to.type;
    count.set(k, (count.get(k) ?? 0) + 1);
  }
  const over = [...count.entries()].filter(([k, n]) => n > (GROWTH_LIMITS[k as keyof typeof GROWTH_LIMITS] ?? Infinity));
  if (over.length === 0) return [];
  return [
    `this map needs more custom fields than the Freshsales Growth plan allows (${over.map(([k, n]) => `${k}: ${n} of ${GROWTH_LIMITS[k as keyof typeof GROWTH_LIMITS]}`).join(', ')}); Pro and Enterprise allow more — or drop fields you do not need`,
  ];
}

function evidenceComment(e: FieldEvidence): string {
  const lines = [
    ...(e.signals && e.signals.length > 0 ? [`evidence (${e.band ?? bandOf(e.confidence)}): ${e.signals.join('; ')}`] : []),
    `confidence ${e.confidence.toFixed(2)} · ${e.typeFit} · ${e.distinctValues} distinct · ${Math.round(e.nullRate * 100)}% empty`,
  ];
  if (e.sampleValues.length > 0) lines.push(`samples: ${e.sampleValues.join(' | ')}`);
  if (e.notes.length > 0) lines.push(`note: ${e.notes.join('; ')}`);
  return lines.map((l) => l.replace(/[\r\n]+/g, ' ')).join('\n');
}

function fit(what: string, r: Fit): string {
  const values = r.sampled ? 'sampled values' : 'values';
  if (r.of === 0) return `no ${values}`;
  return `${r.fits} of ${r.of} ${values} are ${what} (${Math.round((100 * r.fits) / r.of)}%)`;
}

function duplicateCount(keys: Array<string | null>): number {
  const seen = new Set<string>();
  let dup = 0;
  for (const k of keys) {
    if (k === null) continue;
    if (seen.has(k)) dup++;
    else seen.add(k);
  }
  return dup;
}

/** The notes that say something, in order. */
function notesOf(...notes: Array<string | false | undefined>): string[] {
  return notes.filter((n): n is string => typeof n === 'string' && n.length > 0);
}

function shorten(v: string): string {
  const one = v.replace(/\s+/g, ' ');
  return one.length > 40 ? `${one.slice(0, 39)}…` : one;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
