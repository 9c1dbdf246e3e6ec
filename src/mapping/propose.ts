/**
 * The deterministic default proposer: source attribute definitions plus a sample of
 * contacts in, a mapping spec with evidence for every field out. It is the baseline an AI
 * proposer must beat, and the fallback when none is configured. Same input, same output.
 *
 * Typing decisions (seed: "fewer than 200 distinct values → dropdown, else text"):
 * - string: dropdown with the sampled values as choices when there are fewer than 200
 *   distinct values AND they repeat (at most max(10, half the non-empty samples)); else text.
 *   The repeat test keeps a small sample of unique values (names, ids) from becoming a
 *   dropdown that would lose every unseen value.
 * - number → number field; integer → number field with the integer transform.
 * - boolean → checkbox.
 * - date → date field when every sampled value is date-only (or midnight); when samples carry
 *   a time of day, a text field holding the ISO instant in UTC (transform datetime), because
 *   a Freshsales date field has no time and truncating would silently lose it.
 * - datetime → text field with the ISO instant.
 * - array → multi-select with the sampled elements as choices under the same cardinality
 *   rule; else text (textarea when sampled lists are long), elements joined with ", ".
 *
 * With an attribute inventory (discovery: every contact, not a sample) the choice lists come
 * from the FULL inventory: fewer than 200 distinct values → dropdown (multi-select for lists)
 * with every observed value as a choice; else text. No repeat test is needed then, since no
 * value can be unseen; an attribute whose every value is unique gets a note suggesting text.
 * Date-or-date-time is read from the observed value kinds, null rates and samples from the
 * inventory, and attributes seen on contacts but missing from the definitions are proposed
 * too (typed from their values). Without an inventory the behaviour is the sample-based one.
 *
 * References: an attribute whose values look like ids of other records (the inventory's own
 * test, {@link detectReference}) and whose name or id prefix names a model the source can
 * resolve (`favourite_venue_id` with `loc_7` values → location) is proposed with
 * `resolve: <model>` into a text field: the label ("Croke Park (Dublin)") is what a Freshsales
 * user can read, and labels are open-ended, so no dropdown.
 */
import { sourceLabel, type AttributeDefinition, type AttributeType, type CanonicalContact, type SourceName } from '../core/model.js';
import {
  DISTINCT_CAP, detectReference, isLowCardinality, referencePrefix, statsOf, type AttributeInventory, type AttributeStats, type ValueCount,
} from './inventory.js';
import { prefixCommentLines } from '../core/yaml.js';
import { Document, isMap, isSeq, type YAMLMap } from 'yaml';
import {
  emailKey,
  hasTimeOfDay,
  isAbsent,
  normaliseArray,
  normaliseBoolean,
  normaliseDate,
  normaliseEmail,
  normaliseInteger,
  normaliseName,
  normaliseNumber,
  normalisePhone,
  normaliseText,
} from './normalise.js';
import {
  FRESHSALES_LIMITS,
  MappingSpec,
  STANDARD_CONTACT_FIELDS,
  isCustomTarget,
  defaultOnInvalid,
  isUsableAttributeName,
  type CustomFieldType,
  type MappingField,
  type Target,
  type Transform,
} from './spec.js';

/** Why a field was proposed: what the human reads before confirming. */
export interface FieldEvidence {
  from: string;
  /** The target as `emails` or `custom "Favourite team" (dropdown)`. */
  to: string;
  /** 0–1: how sure the proposer is that this is the right target and type. */
  confidence: number;
  /** Up to five frequent sampled values (emails and phones masked). */
  sampleValues: string[];
  /** How the sampled values fit the chosen type, in words. */
  typeFit: string;
  /** Exact count, or "200+" when an inventory counted more than 200. */
  distinctValues: number | `${typeof DISTINCT_CAP}+`;
  /** Share of sampled contacts with no value (0–1). */
  nullRate: number;
  note?: string;
}

/** A proposed map, the evidence per field (same order as the fields), and map-wide warnings. */
export interface ContactMapProposal {
  spec: MappingSpec;
  evidence: FieldEvidence[];
  warnings: string[];
}

/** What the proposer reads. */
export interface ProposeInput {
  source: SourceName;
  attributes: AttributeDefinition[];
  samples: CanonicalContact[];
  /** The attribute inventory of every contact (discovery): when given, choices come from it, not from the sample. */
  inventory?: AttributeInventory;
  /**
   * Models the source can resolve reference ids against (`SourceConnector.referenceTable`);
   * default: none (the caller passes what the source's connector offers).
   */
  referenceModels?: readonly string[];
}


/** Fewer distinct values than this may become a dropdown (the seed's rule). */
export const DROPDOWN_MAX_DISTINCT = 200;
/** Attributes the source connectors lift into canonical fields; proposing them twice would write them twice. */
const LIFTED_ATTRIBUTES = new Set(['first_name', 'last_name', 'country']);
/** Freshsales Growth-plan custom field limits per type (the smallest paid plan). */
const GROWTH_LIMITS: Partial<Record<CustomFieldType | 'dropdown+radio', number>> = {
  text: 20, 'dropdown+radio': 30, textarea: 5, multi_select_dropdown: 5, number: 30, checkbox: 30, date: 30,
};

/** Propose a contact map from attribute definitions and sampled contacts. */
export function proposeContactMap(input: ProposeInput): ContactMapProposal {
  const { samples } = input;
  const src = sourceLabel(input.source);
  const fields: MappingField[] = [];
  const evidence: FieldEvidence[] = [];
  const usedLabels = new Set<string>();
  const add = (f: Omit<MappingField, 'on_invalid'> & { on_invalid?: MappingField['on_invalid'] }, e: Omit<FieldEvidence, 'from' | 'to'>) => {
    const field: MappingField = { ...f, on_invalid: f.on_invalid ?? defaultOnInvalid(f) };
    if (isCustomTarget(field.to)) usedLabels.add(labelKey(field.to.custom));
    fields.push(field);
    evidence.push({ from: field.from, to: describeTarget(field.to), ...e });
  };
  const uniqueLabel = (label: string) => {
    let l = label;
    for (let n = 2; usedLabels.has(labelKey(l)); n++) l = `${label} (${n})`;
    return l;
  };

  // Standard fields, by name.
  const emailStats = stats(samples.map((c) => c.email));
  const validEmails = emailStats.present.filter((v) => normaliseEmail(v).ok).length;
  const dupes = duplicateCount(samples.map((c) => emailKey(c.email)));
  add(
    { from: 'email', to: 'emails', transform: 'email' },
    {
      ...evidenceBase(emailStats, 'email'),
      confidence: 0.99,
      typeFit: fit('valid emails', validEmails, emailStats.present.length),
      note: joinNotes(
        emailStats.absent > 0 && `${emailStats.absent} sampled contact(s) have no email and will be quarantined (Freshsales requires one)`,
        validEmails < emailStats.present.length && `${emailStats.present.length - validEmails} invalid email(s) will be quarantined`,
        dupes > 0 && `${dupes} sampled contact(s) share an email with another: they merge into one (newest wins)`,
      ),
    },
  );
  for (const [from, to, label] of [['firstName', 'first_name', 'first name'], ['lastName', 'last_name', 'last name']] as const) {
    const s = stats(samples.map((c) => c[from]));
    const good = s.present.filter((v) => normaliseName(v).ok).length;
    add({ from, to, transform: 'name' }, { ...evidenceBase(s, 'text'), confidence: 0.95, typeFit: fit(`usable ${label}s`, good, s.present.length) });
  }
  const phoneStats = stats(samples.map((c) => c.phone));
  const validPhones = samples.filter((c) => !isAbsent(c.phone) && normalisePhone(c.phone, c.country).ok).length;
  add(
    { from: 'phone', to: 'mobile_number', transform: 'phone' },
    {
      ...evidenceBase(phoneStats, 'phone'),
      confidence: 0.9,
      typeFit: fit('valid phone numbers', validPhones, phoneStats.present.length),
      note: joinNotes(
        'written in E.164 (+353871234567)',
        validPhones < phoneStats.present.length && `${phoneStats.present.length - validPhones} unusable number(s) will be left out (the contacts still load)`,
      ),
    },
  );
  const countryStats = stats(samples.map((c) => c.country));
  add({ from: 'country', to: 'country', transform: 'text' }, { ...evidenceBase(countryStats, 'text'), confidence: 0.9, typeFit: 'text, as the source writes it' });
  for (const [from, to] of [['emailSubscribed', 'subscription_status'], ['smsSubscribed', 'sms_subscription_status']] as const) {
    const s = stats(samples.map((c) => c[from]));
    add(
      { from, to, transform: 'subscription' },
      {
        ...evidenceBase(s, 'text'),
        confidence: 0.8,
        typeFit: fit('yes/no flags', s.present.filter((v) => normaliseBoolean(v).ok).length, s.present.length),
        note: 'written as 1 (subscribed) / 0 (unsubscribed): check one sampled contact in Freshsales before the production run',
      },
    );
  }
  const idStats = stats(samples.map((c) => c.externalId));
  add(
    { from: 'externalId', to: { custom: uniqueLabel(`${src} ID`), type: 'text' }, transform: 'text' },
    {
      ...evidenceBase(idStats, 'text'),
      confidence: 0.95,
      typeFit: idStats.distinct === idStats.present.length ? 'text, unique per contact' : `text, ${idStats.present.length - idStats.distinct} repeated`,
      note: `the ${src} user id, kept for dedupe and look-ups`,
    },
  );

  // Canonical fields without a Freshsales home: custom fields, typed like attributes.
  const extras: Array<{ from: 'language' | 'timezone' | 'createdAt'; label: string; type: AttributeType; note?: string; freeText?: boolean }> = [
    // Open-ended code lists: a dropdown built from a sample would lose every unseen code.
    { from: 'language', label: 'Language', type: 'string', freeText: true },
    { from: 'timezone', label: `${src} time zone`, type: 'string', freeText: true, note: "Freshsales' own Time zone field uses its own zone names; the source's name is kept here" },
    { from: 'createdAt', label: `${src} created at`, type: 'datetime', note: `when the profile was created in ${src}` },
  ];
  const inv = input.inventory;
  for (const x of extras) {
    const values = samples.map((c) => c[x.from]);
    const xs = inv ? statsOf(inv, x.from) : undefined;
    if (xs ? xs.present === 0 : values.every(isAbsent)) continue;
    const p = xs ? proposeFromInventory(x.type, xs, values, uniqueLabel(x.label), x.freeText) : proposeCustom(x.type, values, uniqueLabel(x.label), x.freeText);
    add({ from: x.from, to: p.to, transform: p.transform }, { ...p.evidence, note: joinNotes(x.note, p.evidence.note) });
  }

  // Custom attributes (with an inventory, also those seen on contacts but not defined).
  const defined = new Set(input.attributes.map((a) => a.name));
  const observed: Array<AttributeDefinition & { undeclared?: true }> = inv
    ? inv.attributes
        .filter((a) => a.origin === 'attribute' && a.present > 0 && !defined.has(a.key.slice('attributes.'.length)))
        .map((a) => ({ name: a.key.slice('attributes.'.length), type: inferType(a), undeclared: true as const }))
    : [];
  const referenceModels = input.referenceModels ?? [];
  for (const attr of [...input.attributes, ...observed]) {
    if (LIFTED_ATTRIBUTES.has(attr.name) || !isUsableAttributeName(attr.name)) continue;
    const values = samples.map((c) => (Object.hasOwn(c.attributes, attr.name) ? c.attributes[attr.name] : undefined));
    const as = inv ? statsOf(inv, `attributes.${attr.name}`) : undefined;
    const reference = as ? as.reference : detectReference(attr.name, values);
    const model = reference ? referenceModelOf(attr.name, as, values, referenceModels) : undefined;
    if (reference && model) {
      const label = uniqueLabel(referenceLabel(attr.name, src));
      const base = as
        ? { sampleValues: as.values ? as.values.slice(0, 5).map((v) => shorten(v.value)) : as.samples.slice(0, 5), distinctValues: as.distinct, nullRate: round2(as.nullRate) }
        : evidenceBase(stats(values), 'text');
      add(
        { from: `attributes.${attr.name}`, to: { custom: label, type: 'text' }, transform: 'text', resolve: model.model },
        {
          ...base,
          confidence: round2(0.85 * reference.share),
          typeFit: `ids of ${model.model} records (${reference.reason}): each written as the ${model.model}'s readable label`,
          note: joinNotes(
            `resolve: ${model.model} (${model.why}) reads every ${model.model} once per run and writes each id${base.sampleValues[0] ? ` (${base.sampleValues[0]})` : ''} as that ${model.model}'s readable label`,
            `an id with no ${model.model} (deleted) is written as it is and counted in the run's notes`,
            'remove resolve to keep the raw ids instead',
          ),
        },
      );
      continue;
    }
    let label = readableLabel(attr.name);
    const clash = standardLabelClash(label);
    if (clash) label = `${src} ${label.charAt(0).toLowerCase()}${label.slice(1)}`;
    const p = as ? proposeFromInventory(attr.type, as, values, uniqueLabel(label)) : proposeCustom(attr.type, values, uniqueLabel(label));
    const notes = [p.evidence.note];
    if ('undeclared' in attr) notes.push(`not in the ${src} attribute definitions: type inferred from the values`);
    if (reference) notes.push(`values look like references to other records (${reference.reason}): resolve them to readable values before loading${referenceModels.length > 0 ? ` (the source resolves: ${referenceModels.join(', ')})` : ''}`);
    if (clash) notes.push(`labelled "${label}" so it is not confused with Freshsales' own "${clash}" field`);
    if (/lifecycle/i.test(attr.name)) {
      notes.push('to also set the Freshsales lifecycle stage, add a field to lifecycle_stage_id with values: { <stage>: <stage id> }');
    }
    add({ from: `attributes.${attr.name}`, to: p.to, transform: p.transform }, { ...p.evidence, note: joinNotes(...notes) });
  }

  const spec = MappingSpec.parse({ version: 1, source: input.source, objects: { contact: { dedupe: 'email', fields } } });
  return { spec, evidence, warnings: budgetWarnings(fields) };
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
export function renderMappingYaml(spec: MappingSpec, evidence: FieldEvidence[], options: { warnings?: string[] } = {}): string {
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

interface Stats {
  present: unknown[];
  absent: number;
  total: number;
  distinct: number;
  /** Distinct values (as text), most frequent first, ties alphabetical. */
  frequent: string[];
}

function stats(values: unknown[]): Stats {
  const present = values.filter((v) => !isAbsent(v));
  const counts = new Map<string, number>();
  for (const v of present) {
    const k = typeof v === 'string' ? v.trim() : JSON.stringify(v);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const frequent = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([k]) => k);
  return { present, absent: values.length - present.length, total: values.length, distinct: counts.size, frequent };
}

function evidenceBase(s: Stats, mask: 'email' | 'phone' | 'text'): Pick<FieldEvidence, 'sampleValues' | 'distinctValues' | 'nullRate'> {
  return {
    // Masking makes values collide ("u•••@example.com"): keep distinct renderings only.
    sampleValues: [...new Set(s.frequent.map((v) => shorten(mask === 'email' ? maskEmail(v) : mask === 'phone' ? maskPhone(v) : v)))].slice(0, 5),
    distinctValues: s.distinct,
    nullRate: s.total === 0 ? 1 : round2(s.absent / s.total),
  };
}

interface CustomProposal {
  to: Target;
  transform: Transform;
  evidence: Omit<FieldEvidence, 'from' | 'to'>;
}

/** Type a custom field from the declared attribute type and the sampled values. */
function proposeCustom(type: AttributeType, values: unknown[], label: string, freeText = false): CustomProposal {
  const s = stats(values);
  const base = evidenceBase(s, 'text');
  const n = s.present.length;
  const noSamples = n === 0 ? 'no sampled contact has a value: type taken from the attribute definition only' : undefined;
  const confidence = (fits: number, ceiling: number) => round2(n === 0 ? 0.5 : ceiling * (fits / n));
  const fitsOf = (f: (v: unknown) => boolean) => s.present.filter(f).length;

  switch (type) {
    case 'number':
    case 'integer': {
      const norm = type === 'integer' ? normaliseInteger : normaliseNumber;
      const fits = fitsOf((v) => norm(v, FRESHSALES_LIMITS.numberIntegerDigits).ok);
      return {
        to: { custom: label, type: 'number' },
        transform: type,
        evidence: { ...base, confidence: confidence(fits, 0.95), typeFit: fit(type === 'integer' ? 'whole numbers' : 'numbers', fits, n), ...note(noSamples ?? (fits < n ? `${n - fits} sampled value(s) are not ${type === 'integer' ? 'whole numbers' : 'numbers'}: those values would be left out (reported; on_invalid: quarantine holds the contacts back instead)` : undefined)) },
      };
    }
    case 'boolean': {
      const fits = fitsOf((v) => normaliseBoolean(v).ok);
      return {
        to: { custom: label, type: 'checkbox' },
        transform: 'boolean',
        evidence: { ...base, confidence: confidence(fits, 0.95), typeFit: fit('yes/no values', fits, n), ...note(noSamples) },
      };
    }
    case 'date':
    case 'datetime': {
      const fits = fitsOf((v) => normaliseDate(v).ok);
      const timed = type === 'datetime' || s.present.some(hasTimeOfDay);
      if (timed) {
        return {
          to: { custom: label, type: 'text' },
          transform: 'datetime',
          evidence: {
            ...base,
            confidence: confidence(fits, 0.85),
            typeFit: fit('date-times', fits, n),
            note: joinNotes(noSamples, 'values carry a time of day, which a Freshsales date field cannot hold: kept as an ISO instant in UTC in a text field (change to type: date with transform: date to keep only the date)'),
          },
        };
      }
      return {
        to: { custom: label, type: 'date' },
        transform: 'date',
        evidence: { ...base, confidence: confidence(fits, 0.95), typeFit: fit('dates', fits, n), ...note(noSamples) },
      };
    }
    case 'array': {
      const lists = s.present.map((v) => normaliseArray(v));
      const fits = lists.filter((l) => l.ok).length;
      const elements = stats(lists.flatMap((l) => (l.ok ? l.value : [])));
      const longest = Math.max(0, ...lists.map((l) => (l.ok ? l.value.join(', ').length : 0)));
      const evidence = { ...base, sampleValues: elements.frequent.slice(0, 5).map(shorten), distinctValues: elements.distinct };
      if (n > 0 && isCategorical(elements.distinct, elements.present.length)) {
        return {
          to: { custom: label, type: 'multi_select_dropdown', choices: choicesOf(elements) },
          transform: 'array_to_multiselect',
          evidence: { ...evidence, confidence: confidence(fits, 0.85), typeFit: `lists of few repeating elements: a multi-select (fewer than ${DROPDOWN_MAX_DISTINCT} distinct)`, note: 'an element outside these choices is left out of its contact (reported): add choices you know exist' },
        };
      }
      const type = longest > 200 ? 'textarea' : 'text';
      return {
        to: { custom: label, type },
        transform: 'array_to_text',
        evidence: { ...evidence, confidence: confidence(fits, 0.75), typeFit: `lists of many different elements, longest ${longest} characters joined`, note: joinNotes(noSamples, 'too many different elements for a multi-select: written as text, elements joined with ", "') },
      };
    }
    case 'string': {
      const fits = fitsOf((v) => normaliseText(v).ok);
      const longest = Math.max(0, ...s.present.map((v) => [...String(v)].length));
      if (!freeText && n > 0 && isCategorical(s.distinct, n) && longest <= FRESHSALES_LIMITS.textChars) {
        return {
          to: { custom: label, type: 'dropdown', choices: choicesOf(s) },
          transform: 'text',
          evidence: {
            ...base,
            confidence: round2(Math.min(0.9, 0.5 + 0.4 * (1 - s.distinct / n)) * (fits / n)),
            typeFit: `few repeating values: a dropdown (fewer than ${DROPDOWN_MAX_DISTINCT} distinct)`,
            note: 'a value outside these choices is left out of its contact (reported): add choices you know exist, or change to type: text',
          },
        };
      }
      const type = longest > FRESHSALES_LIMITS.textChars ? 'textarea' : 'text';
      return {
        to: { custom: label, type },
        transform: 'text',
        evidence: {
          ...base,
          confidence: confidence(fits, 0.85),
          typeFit: freeText ? 'free text (an open-ended list of codes)' : n === 0 ? 'no sampled values' : `free text: too many different values for a dropdown`,
          ...note(noSamples),
        },
      };
    }
  }
}

/**
 * Type a custom field from the full inventory: the choice decision is the seed's rule on the
 * exact distinct count (fewer than 200 → every observed value is a choice), with no guessing
 * about unseen values. Number, boolean and date typing stay as with samples.
 */
function proposeFromInventory(type: AttributeType, inv: AttributeStats, samples: unknown[], label: string, freeText = false): CustomProposal {
  const topValues = (list: ValueCount[] | undefined) => (list ?? []).slice(0, 5).map((v) => shorten(v.value));
  const base: Pick<FieldEvidence, 'sampleValues' | 'distinctValues' | 'nullRate'> = {
    sampleValues: inv.values ? topValues(inv.values) : inv.samples.slice(0, 5),
    distinctValues: inv.distinct,
    nullRate: round2(inv.nullRate),
  };
  const n = inv.present;
  // Fit ratios: weighted over every observed value while the list is exact, else over the samples.
  const fitsOf = (f: (v: unknown) => boolean): { fits: number; of: number } => {
    if (inv.values) return { fits: inv.values.reduce((s, v) => s + (f(v.value) ? v.count : 0), 0), of: inv.values.reduce((s, v) => s + v.count, 0) };
    const present = samples.filter((v) => !isAbsent(v));
    const pool = present.length > 0 ? present : inv.samples;
    return { fits: pool.filter(f).length, of: pool.length };
  };
  const conf = (r: { fits: number; of: number }, ceiling: number) => round2(r.of === 0 ? 0.5 : ceiling * (r.fits / r.of));
  const inventoryNote = `from the inventory of ${n} contact(s) with a value`;
  const noValues = n === 0 ? 'no contact has a value: type taken from the attribute definition only' : undefined;

  switch (type) {
    case 'number':
    case 'integer': {
      const norm = type === 'integer' ? normaliseInteger : normaliseNumber;
      const r = fitsOf((v) => norm(v, FRESHSALES_LIMITS.numberIntegerDigits).ok);
      return {
        to: { custom: label, type: 'number' },
        transform: type,
        evidence: { ...base, confidence: conf(r, 0.95), typeFit: fit(type === 'integer' ? 'whole numbers' : 'numbers', r.fits, r.of), ...note(noValues ?? (r.fits < r.of ? `${r.of - r.fits} value(s) are not ${type === 'integer' ? 'whole numbers' : 'numbers'}: those values would be left out (reported; on_invalid: quarantine holds the contacts back instead)` : undefined)) },
      };
    }
    case 'boolean': {
      const r = fitsOf((v) => normaliseBoolean(v).ok);
      return { to: { custom: label, type: 'checkbox' }, transform: 'boolean', evidence: { ...base, confidence: conf(r, 0.95), typeFit: fit('yes/no values', r.fits, r.of), ...note(noValues) } };
    }
    case 'date':
    case 'datetime': {
      const r = fitsOf((v) => normaliseDate(v).ok);
      const timed = type === 'datetime' || (inv.types.datetime ?? 0) > 0;
      if (timed) {
        return {
          to: { custom: label, type: 'text' },
          transform: 'datetime',
          evidence: {
            ...base,
            confidence: conf(r, 0.85),
            typeFit: fit('date-times', r.fits, r.of),
            note: joinNotes(noValues, 'values carry a time of day, which a Freshsales date field cannot hold: kept as an ISO instant in UTC in a text field (change to type: date with transform: date to keep only the date)'),
          },
        };
      }
      return { to: { custom: label, type: 'date' }, transform: 'date', evidence: { ...base, confidence: conf(r, 0.95), typeFit: fit('dates', r.fits, r.of), ...note(noValues) } };
    }
    case 'array': {
      const el = inv.elements;
      const r = fitsOf((v) => normaliseArray(v).ok);
      const evidence = { ...base, sampleValues: el?.values ? topValues(el.values) : base.sampleValues, distinctValues: el?.distinct ?? 0 };
      if (el !== undefined && isLowCardinality(el.distinct) && el.values) {
        return {
          to: { custom: label, type: 'multi_select_dropdown', choices: choicesOfCounts(el.values) },
          transform: 'array_to_multiselect',
          evidence: { ...evidence, confidence: conf(r, 0.9), typeFit: `${el.distinct} distinct elements in every contact's lists: a multi-select (fewer than ${DROPDOWN_MAX_DISTINCT} distinct)`, note: inventoryNote },
        };
      }
      return {
        to: { custom: label, type: inv.longest > FRESHSALES_LIMITS.textChars ? 'textarea' : 'text' },
        transform: 'array_to_text',
        evidence: { ...evidence, confidence: conf(r, 0.75), typeFit: `lists with ${el?.distinct ?? 0} distinct elements, longest ${inv.longest} characters`, note: joinNotes(noValues, `${DROPDOWN_MAX_DISTINCT} or more different elements: written as text, elements joined with ", "`) },
      };
    }
    case 'string': {
      const r = fitsOf((v) => normaliseText(v).ok);
      if (!freeText && isLowCardinality(inv.distinct) && inv.values && inv.longest <= FRESHSALES_LIMITS.textChars) {
        const unique = inv.values.every((v) => v.count === 1) && inv.values.length > 10;
        return {
          to: { custom: label, type: 'dropdown', choices: choicesOfCounts(inv.values) },
          transform: 'text',
          evidence: {
            ...base,
            confidence: round2((unique ? 0.6 : 0.9) * (r.of === 0 ? 1 : r.fits / r.of)),
            typeFit: `${inv.distinct} distinct values across every contact: a dropdown (fewer than ${DROPDOWN_MAX_DISTINCT} distinct)`,
            note: joinNotes(inventoryNote, unique && 'every value is unique (an identifier or code?): consider type: text'),
          },
        };
      }
      return {
        to: { custom: label, type: inv.longest > FRESHSALES_LIMITS.textChars ? 'textarea' : 'text' },
        transform: 'text',
        evidence: {
          ...base,
          confidence: conf(r, 0.85),
          typeFit: freeText ? 'free text (an open-ended list of codes)' : n === 0 ? 'no values' : `free text: ${inv.distinct} distinct values, too many for a dropdown`,
          ...note(noValues),
        },
      };
    }
  }
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
function isCategorical(distinct: number, nonEmpty: number): boolean {
  return distinct > 0 && distinct < DROPDOWN_MAX_DISTINCT && distinct <= Math.max(10, nonEmpty / 2);
}

/** Choices sorted for reading, one spelling per case-insensitive value (the most frequent). */
function choicesOf(s: Stats): string[] {
  const byFold = new Map<string, string>();
  for (const v of s.frequent) if (!byFold.has(v.toLowerCase())) byFold.set(v.toLowerCase(), v);
  return [...byFold.values()].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base', numeric: true }));
}

/**
 * The model a reference attribute points at, when its id prefix (`loc_7` → loc) or a word of
 * its name (`store_id` → store) names one of `models`: equal, plural, or one the start of the
 * other (at least three letters: "loc" → location). Prefixes speak first: they are the data.
 */
function referenceModelOf(name: string, inv: AttributeStats | undefined, samples: unknown[], models: readonly string[]): { model: string; why: string } | undefined {
  if (models.length === 0) return undefined;
  const prefixes = new Map<string, number>();
  const values: Array<[unknown, number]> = inv?.values ? inv.values.map((v) => [v.value, v.count]) : (inv ? inv.samples : samples).map((v) => [v, 1]);
  for (const [v, n] of values) {
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
    `confidence ${e.confidence.toFixed(2)} · ${e.typeFit} · ${e.distinctValues} distinct · ${Math.round(e.nullRate * 100)}% empty`,
  ];
  if (e.sampleValues.length > 0) lines.push(`samples: ${e.sampleValues.join(' | ')}`);
  if (e.note) lines.push(`note: ${e.note}`);
  return lines.map((l) => l.replace(/[\r\n]+/g, ' ')).join('\n');
}

function fit(what: string, good: number, of: number): string {
  if (of === 0) return `no sampled values`;
  return `${good} of ${of} sampled values are ${what} (${Math.round((100 * good) / of)}%)`;
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

function joinNotes(...notes: Array<string | false | undefined>): string | undefined {
  const kept = notes.filter((n): n is string => typeof n === 'string' && n.length > 0);
  return kept.length > 0 ? kept.join('; ') : undefined;
}

function note(n: string | undefined): { note?: string } {
  return n === undefined ? {} : { note: n };
}

function maskEmail(v: string): string {
  const at = v.lastIndexOf('@');
  if (at < 1) return '•••';
  return `${v.charAt(0)}•••${v.slice(at)}`;
}

function maskPhone(v: string): string {
  const d = v.replace(/\s/g, '');
  return d.length <= 6 ? '•••' : `${d.slice(0, 4)}•••${d.slice(-3)}`;
}

function shorten(v: string): string {
  const one = v.replace(/\s+/g, ' ');
  return one.length > 40 ? `${one.slice(0, 39)}…` : one;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
