/**
 * The proposer's waterfall for one source attribute, each stage recording what it saw:
 *
 * 1. history — a target a person confirmed for this attribute in an earlier map of the same
 *    organisation wins over everything else;
 * 2. name — the synonym table and fuzzy matching (synonyms.ts);
 * 3. values — the detectors (detect.ts): they confirm or contradict the name, find standard
 *    fields the name hides (a column of emails), and find identifiers that must not become
 *    fields (push tokens, installation ids, UUIDs);
 * 4. type — for a custom field, the type the values (over the whole inventory when there is
 *    one) support; propose.ts turns it into the Freshsales field type with the cardinality.
 *
 * Confidence is a band: "high" only when independent signals agree (the name and the values,
 * or history); one signal alone is "medium"; guesses and attributes without values are "low".
 *
 * Pure: no I/O, no clock.
 */
import type { AttributeType } from '../core/model.js';
import { describeProfile, profileValues, type ValueProfile } from './detect.js';
import type { Target, Transform } from './spec.js';
import { describeOrigin, identifierName, matchName, nameWords, nearestSynonymSimilarity, type NameMatch, type NamedStandardField } from './synonyms.js';

/** How sure a suggestion is: high only when independent signals agree. */
export type ConfidenceBand = 'high' | 'medium' | 'low';

/** What a person confirmed for a source attribute in an earlier map of the organisation (stage 4, history): a target, or leaving it out. */
export type RememberedTarget = RememberedMapping | RememberedSkip;

/** A target a person confirmed for a source attribute in an earlier map. */
export interface RememberedMapping {
  from: string;
  target: Target;
  transform: Transform;
  confirmedAt: string;
  confirmedBy: string;
  /** The confirmed map's hash (the evidence names it). */
  mapHash?: string;
}

/** An attribute a person left out of an earlier confirmed map: proposed skipped. */
export interface RememberedSkip {
  from: string;
  skipped: true;
  confirmedAt: string;
  confirmedBy: string;
  mapHash?: string;
}

/** Was the attribute left out of the organisation's last confirmed map? */
export const isRememberedSkip = (r: RememberedTarget | undefined): r is RememberedSkip => r !== undefined && 'skipped' in r;

/** What the waterfall decided for one attribute. */
export type SuggestedTarget =
  | { kind: 'history'; remembered: RememberedMapping }
  | { kind: 'standard'; field: NamedStandardField; transform: Transform }
  | { kind: 'skip'; reason: string; route: 'device_dataset' | 'none' }
  /** A custom field; `type` is the attribute type the values support (propose.ts picks the Freshsales type with the cardinality). */
  | { kind: 'custom'; type: AttributeType; textarea?: boolean; note?: string };

/** One attribute's suggestion and the evidence of each stage. */
export interface Suggestion {
  target: SuggestedTarget;
  band: ConfidenceBand;
  /** What each stage saw, in order ("name: …", "values: …", "type: …", "history: …"). */
  signals: string[];
  /** The standard field the name or values point at (also when the attribute ends up elsewhere). */
  standard?: NamedStandardField;
}

/** What the waterfall reads about one attribute. */
export interface SuggestInput {
  name: string;
  /** The type the source declares (absent for attributes seen only on contacts). */
  declaredType?: AttributeType;
  /** Values with the number of contacts holding each (the inventory's list, or each sampled value once). */
  values: ReadonlyArray<readonly [unknown, number]>;
  remembered?: RememberedTarget;
}

/** Fields whose values speak for themselves: a match by name AND by values is two independent signals. */
const DISTINCTIVE: ReadonlySet<NamedStandardField> = new Set(['emails', 'mobile_number', 'work_number', 'country', 'zipcode', 'subscription_status', 'sms_subscription_status', 'whatsapp_subscription_status', 'do_not_disturb']);

/** The transform each standard field's values go through (the AI stage uses it too). */
export const TRANSFORM_OF: Readonly<Record<NamedStandardField, Transform>> = {
  first_name: 'name', last_name: 'name', emails: 'email', mobile_number: 'phone', work_number: 'phone', job_title: 'text', address: 'text', city: 'text',
  state: 'text', zipcode: 'text', country: 'text', time_zone: 'text', external_id: 'text', medium: 'text', keyword: 'text', unsubscription_reason: 'text',
  subscription_types: 'text', subscription_status: 'subscription', sms_subscription_status: 'subscription', whatsapp_subscription_status: 'subscription',
  do_not_disturb: 'boolean', tags: 'array_to_multiselect',
};

const share = (p: ValueProfile, ...kinds: Array<keyof ValueProfile['shares']>) => kinds.reduce((t, k) => Math.max(t, p.shares[k] ?? 0), 0);

/** Share of values that are clearly not free text (emails, phones, dates, numbers, flags, JSON). */
function nonText(p: ValueProfile): number {
  return share(p, 'email', 'phone', 'date', 'datetime', 'epoch', 'integer', 'number', 'json_array', 'json_object', 'uuid', 'push_token', 'url');
}

/** Do the values fit the standard field the name points at? `undefined` when there are no values to judge. */
export function valuesFit(field: NamedStandardField, p: ValueProfile): boolean | undefined {
  if (p.present === 0) return undefined;
  switch (field) {
    case 'emails':
      return share(p, 'email') >= 0.8;
    case 'mobile_number':
    case 'work_number':
      return share(p, 'phone') >= 0.6;
    case 'country':
      return share(p, 'country') >= 0.8;
    case 'zipcode':
      return share(p, 'postcode') >= 0.6 || (p.longest <= 10 && nonText(p) < 0.5 && share(p, 'boolean') < 0.5);
    case 'subscription_status':
    case 'sms_subscription_status':
    case 'whatsapp_subscription_status':
    case 'do_not_disturb':
      return share(p, 'boolean') >= 0.9;
    case 'time_zone':
      return share(p, 'timezone') >= 0.8;
    case 'tags':
      return share(p, 'json_array') >= 0.8 || nonText(p) < 0.2;
    case 'external_id':
      return share(p, 'email', 'phone', 'boolean', 'date', 'datetime') < 0.2;
    case 'job_title':
      return nonText(p) < 0.2 && share(p, 'honorific') < 0.5 && share(p, 'boolean') < 0.5;
    default:
      return nonText(p) < 0.2 && share(p, 'boolean') < 0.5;
  }
}

/** A standard field the values alone point at (no name), if they are unmistakable. */
function standardByValues(p: ValueProfile): NamedStandardField | undefined {
  if (p.present === 0) return undefined;
  if (share(p, 'email') >= 0.9) return 'emails';
  if (share(p, 'phone') >= 0.9 && share(p, 'epoch') < 0.5) return p.mobileShare >= 0.5 ? 'mobile_number' : 'work_number';
  if (share(p, 'country') >= 0.9 && p.distinct > 1) return 'country';
  return undefined;
}

/** The attribute type the values support, for a custom field. */
function typeByValues(declared: AttributeType | undefined, p: ValueProfile): { type: AttributeType; textarea?: boolean; note?: string; why: string } {
  if (p.present === 0) return { type: declared ?? 'string', why: declared ? `no values: the declared ${declared} type` : 'no values' };
  if (share(p, 'json_object') >= 0.8) return { type: 'string', textarea: true, why: 'JSON objects: kept whole as text in a textarea' };
  if (declared === 'array' || share(p, 'json_array') >= 0.8) return { type: 'array', why: declared === 'array' ? 'declared a list' : 'JSON lists' };
  if (declared === 'boolean' || (share(p, 'boolean') >= 0.95 && p.distinct <= 3)) return { type: 'boolean', why: 'yes/no values' };
  if (share(p, 'epoch') >= 0.9) return { type: 'datetime', why: 'epoch timestamps (seconds or milliseconds)' };
  if (share(p, 'day_first_date') >= 0.9) {
    return { type: 'string', note: 'day-first dates (dd/mm/yyyy) the date transform cannot read safely: kept as text (convert them in the source to migrate them as dates)', why: 'day-first dates' };
  }
  if (share(p, 'datetime') > 0 && share(p, 'date') + share(p, 'datetime') >= 0.9) return { type: 'datetime', why: 'date-times' };
  if (declared === 'date' || declared === 'datetime' || share(p, 'date') >= 0.9) return { type: declared === 'datetime' ? 'datetime' : 'date', why: 'dates' };
  if (declared === 'number' || declared === 'integer') return { type: declared, why: `declared ${declared}` };
  const numeric = share(p, 'integer', 'number') + (share(p, 'currency') > 0 ? share(p, 'currency') : 0);
  if (numeric >= 0.95 && share(p, 'phone') < 0.5 && share(p, 'postcode') < 0.5) {
    const integer = share(p, 'integer') >= 0.95;
    return { type: integer ? 'integer' : 'number', why: share(p, 'currency') > 0.5 ? 'currency amounts (the sign is dropped)' : integer ? 'whole numbers' : 'numbers' };
  }
  return { type: 'string', why: describeProfile(p) };
}

const fieldWords = (f: NamedStandardField) => f.replace(/_/g, ' ');
const nameSignal = (m: NameMatch) =>
  m.how === 'fuzzy'
    ? `name: close to "${m.synonym}" (${Math.round(m.score * 100)}% similar), ${describeOrigin(m.origin)} for ${fieldWords(m.field)}`
    : `name: "${m.synonym}" is ${describeOrigin(m.origin)} for ${fieldWords(m.field)}${m.how === 'stripped' ? ' (after dropping words like "user")' : ''}`;

/** Words that say a phone is a mobile whatever its numbering plan. */
const MOBILE_WORDS = /mobile|cell|cep|gsm|mobil|msisdn|poca|sms/;

/** Run the waterfall for one attribute. */
export function suggestAttribute(input: SuggestInput): Suggestion {
  const p = profileValues(input.values);
  const valuesSay = `values: ${describeProfile(p)}${p.present > 0 ? ` (${p.distinct} distinct)` : ''}`;
  if (input.remembered) {
    const r = input.remembered;
    const confirmed = `confirmed on ${r.confirmedAt.slice(0, 10)}${r.mapHash ? ` (map ${r.mapHash.slice(0, 12)})` : ''} by ${r.confirmedBy}`;
    if (isRememberedSkip(r)) {
      return { target: { kind: 'skip', reason: `left out of the map ${confirmed}`, route: 'none' }, band: 'high', signals: [`history: left out in the map ${confirmed} for this organisation`, valuesSay] };
    }
    return { target: { kind: 'history', remembered: r }, band: 'high', signals: [`history: ${confirmed} for this organisation`, valuesSay] };
  }

  const id = identifierName(input.name);
  const idValues = share(p, 'push_token', 'uuid') >= 0.8 || (share(p, 'high_entropy_id') >= 0.8 && p.allUnique);
  if (id) {
    return { target: { kind: 'skip', reason: id.reason, route: id.route }, band: p.present === 0 || idValues ? 'high' : 'medium', signals: [`name: "${id.synonym}"`, valuesSay] };
  }

  const m = matchName(input.name);
  if (m) {
    const fits = valuesFit(m.field, p);
    if (fits !== false) {
      let field = m.field;
      // A generic "phone" whose numbers the numbering plan calls landlines is the Work number.
      if (field === 'mobile_number' && fits && p.mobileShare < 0.5 && !MOBILE_WORDS.test(m.synonym)) field = 'work_number';
      const signals = [nameSignal(m), valuesSay];
      if (field !== m.field) signals.push('values: landline numbers: proposed as Work, not Mobile');
      if (field === 'time_zone') {
        // Freshsales' Time zone takes its own zone names; a source's IANA names would be refused.
        return { target: { kind: 'custom', type: 'string' }, band: fits ? 'high' : 'medium', signals: [...signals, "type: kept in a text field: Freshsales' own Time zone field uses its own zone names"], standard: 'time_zone' };
      }
      const strong = fits === true && (m.how !== 'fuzzy' || DISTINCTIVE.has(field));
      return { target: { kind: 'standard', field, transform: TRANSFORM_OF[field] }, band: strong ? 'high' : fits === undefined && m.how === 'fuzzy' ? 'low' : 'medium', signals, standard: field };
    }
    // The name says one thing and the values another: the values decide, and the doubt is said.
    const t = typeByValues(input.declaredType, p);
    return {
      target: { kind: 'custom', type: t.type, ...(t.textarea ? { textarea: true } : {}), ...(t.note ? { note: t.note } : {}) },
      band: 'low',
      signals: [nameSignal(m), `${valuesSay}: they do not fit ${fieldWords(m.field)}, so a custom field`, `type: ${t.why}`],
    };
  }

  if (idValues) {
    const what = share(p, 'push_token') >= 0.8 ? 'push tokens' : share(p, 'uuid') >= 0.8 ? 'UUIDs' : 'random-looking unique ids';
    return { target: { kind: 'skip', reason: `the values are ${what}: an identifier, not something a CRM user reads`, route: share(p, 'push_token') >= 0.8 ? 'device_dataset' : 'none' }, band: 'medium', signals: ['name: no standard field', valuesSay] };
  }

  const byValues = standardByValues(p);
  if (byValues) {
    return { target: { kind: 'standard', field: byValues, transform: TRANSFORM_OF[byValues] }, band: 'medium', signals: ['name: no standard field', `${valuesSay}: ${fieldWords(byValues)} by the values alone`], standard: byValues };
  }

  const t = typeByValues(input.declaredType, p);
  const near = nearestSynonymSimilarity(input.name);
  const declaredAgrees = input.declaredType === undefined ? false : input.declaredType === t.type || (input.declaredType === 'date' && t.type === 'datetime') || (input.declaredType === 'number' && t.type === 'integer');
  // A name with an id word may be an identifier the table does not know (a customer number in another language): never high.
  const idWord = /(^|[^a-z])(id|no|nr|num|number|code|kod|kodu|key|ref)([^a-z]|$)/.test(nameWords(input.name).join(' '));
  const band: ConfidenceBand = p.present === 0 ? 'low' : declaredAgrees && near < 0.75 && !idWord ? 'high' : 'medium';
  return {
    target: { kind: 'custom', type: t.type, ...(t.textarea ? { textarea: true } : {}), ...(t.note ? { note: t.note } : {}) },
    band,
    signals: [near >= 0.75 ? `name: no standard field (nearest synonym ${Math.round(near * 100)}% similar)` : 'name: no standard field', valuesSay, `type: ${t.why}${input.declaredType ? `; declared ${input.declaredType}` : ''}`],
  };
}
