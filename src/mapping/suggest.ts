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
import { normaliseBoolean, normaliseSubscription } from './normalise.js';
import { valueMapKey } from './transform.js';
import {
  channelOnlyName,
  consentChannel,
  consentName,
  foldText,
  describeOrigin,
  fuzzyName,
  identifierName,
  isHomePhoneName,
  matchName,
  matchReferenceName,
  nameWords,
  wordReadings,
  nearestSynonymSimilarity,
  type NameMatch,
  type NamedStandardField,
  type ReferenceField,
} from './synonyms.js';

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
  /** `values`: a value map the field needs (an opt-out flag read the other way round). */
  | { kind: 'standard'; field: NamedStandardField; transform: Transform; values?: Record<string, boolean> }
  /** A field whose values are ids of the account's lists; `values` maps each observed value to a name resolved at run time (null: a person must fill it in). */
  | { kind: 'reference'; field: ReferenceField; values: Record<string, string | null> }
  | { kind: 'skip'; reason: string; route: 'device_dataset' | 'none' }
  /** A custom field; `type` is the attribute type the values support (propose.ts picks the Freshsales type with the cardinality). */
  | { kind: 'custom'; type: AttributeType; textarea?: boolean; note?: string; dayFirst?: boolean };

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

/** Most values are of one kind of name rather than the other (a word both lists hold counts for both). */
const mostly = (p: ValueProfile, kind: 'given_name' | 'surname', over: 'given_name' | 'surname') => share(p, kind) >= 0.6 && share(p, kind) > share(p, over);

/** Emails many contacts share (an account manager's, a shop's): not the contact's own address. */
const sharedEmails = (p: ValueProfile) => p.present >= 4 && p.distinct <= p.present / 2;

/** Do the values fit the standard field the name points at? `undefined` when there are no values to judge. */
export function valuesFit(field: NamedStandardField, p: ValueProfile): boolean | undefined {
  if (p.present === 0) return undefined;
  switch (field) {
    case 'emails':
      return share(p, 'email') >= 0.8 && !sharedEmails(p);
    case 'mobile_number':
    case 'work_number':
      return share(p, 'phone') >= 0.6;
    case 'country':
      return share(p, 'country') >= 0.8;
    case 'zipcode':
      // Four- and five-digit postcodes (Swiss, French) are whole numbers too.
      return share(p, 'postcode') >= 0.6 || (p.longest <= 10 && share(p, 'boolean') < 0.5 && share(p, 'email', 'phone', 'date', 'datetime', 'json_array', 'json_object', 'url') < 0.5);
    case 'subscription_status':
    case 'sms_subscription_status':
    case 'whatsapp_subscription_status':
    case 'do_not_disturb':
      return share(p, 'boolean') >= 0.9;
    case 'time_zone':
      return share(p, 'timezone') >= 0.8;
    case 'tags':
      // Lists, or names; not codes ("b_35954b_613").
      return share(p, 'json_array') >= 0.8 || (nonText(p) < 0.2 && share(p, 'username') < 0.5);
    case 'external_id':
      // Customer numbers may read as epochs or phone numbers ("120.01.0457"): under an id name they are ids. People's names are not.
      return share(p, 'email', 'boolean', 'date', 'datetime') < 0.2 && share(p, 'person_name', 'given_name') < 0.5;
    // Gamertags and usernames ("BETIE_MURPHYJ", "cian99") are no one's name, a column of surnames no first name,
    // and one of given names no surname ("SECOND_NAME": a middle name).
    case 'first_name':
      return nonText(p) < 0.2 && share(p, 'username') < 0.3 && !(mostly(p, 'surname', 'given_name') && share(p, 'person_name') < 0.3);
    case 'last_name':
      return !mostly(p, 'given_name', 'surname') && nonText(p) < 0.2;
    case 'job_title':
      // Company names ("Kaya Tekstil A.Ş.", "Murphy Ltd") are the employer or a trade name, not a job.
      return nonText(p) < 0.2 && share(p, 'honorific') < 0.5 && share(p, 'boolean', 'status_word', 'company') < 0.5;
    default:
      return nonText(p) < 0.2 && share(p, 'boolean', 'status_word') < 0.5;
  }
}

/** A standard field the values alone point at (no name), if they are unmistakable. */
function standardByValues(p: ValueProfile, name: string): NamedStandardField | undefined {
  if (p.present === 0) return undefined;
  // An assistant's phone, a spouse's name, a manager's email: someone else's. A parent's or guardian's
  // phone and email are how a child member is reached (clubs, schools); their name is still not the child's.
  const related = wordReadings(name).flat().filter((w) => RELATION_WORDS.test(w));
  if (related.length > 0 && !related.every((w) => GUARDIAN_WORDS.test(w))) return undefined;
  const guardian = related.length > 0;
  if (share(p, 'email') >= 0.9 && !sharedEmails(p)) return 'emails';
  if (share(p, 'phone') >= 0.85 && share(p, 'epoch') < 0.5) return p.mobileShare >= 0.5 ? 'mobile_number' : 'work_number';
  // Countries of birth or nationality, and language codes ("de", "fr"), are not where the person lives.
  const elsewhere = wordReadings(name).flat().some((w) => /^(birth|born|nationality|citizenship|dogum|uyruk|uyrugu|naisiuntacht|language|lang|locale|dil|teanga)$/.test(w));
  if (share(p, 'country') >= 0.9 && p.distinct > 1 && !elsewhere) return 'country';
  // People's names, most of them different (names many contacts share are staff's, not theirs).
  const ownNames = p.distinct > p.present / 2 && !guardian;
  if (share(p, 'person_name') >= 0.6 && ownNames) return 'first_name';
  if (mostly(p, 'given_name', 'surname') && ownNames) return 'first_name';
  if (share(p, 'surname') >= 0.6 && share(p, 'surname') >= share(p, 'given_name') && ownNames) return 'last_name';
  // IANA zone names are unmistakable; proposed as a text field pointing at Time zone (below).
  if (share(p, 'timezone') >= 0.9 && p.distinct > 1) return 'time_zone';
  return undefined;
}

/** The attribute type the values support, for a custom field. */
function typeByValues(declared: AttributeType | undefined, p: ValueProfile, name: string): { type: AttributeType; textarea?: boolean; note?: string; dayFirst?: boolean; why: string } {
  if (p.present === 0) return { type: declared ?? 'string', why: declared ? `no values: the declared ${declared} type` : 'no values' };
  const words = nameWords(name).join(' ');
  // Every reading of the name ("preferredcontactmethodcode" split, Turkish and Irish read in English).
  const readings = wordReadings(name).map((r) => r.join(' '));
  const allWords = readings.join(' | ');
  // A name that calls its values the number or code of something ("Leap Card Number", "tax_number", "ILCE_KODU").
  const idName = readings.some((r) => ID_NAME.test(r));
  const codeName = readings.some((r) => /(^| )(code|kod|kodu)$/.test(r));
  if (share(p, 'json_object') >= 0.8) return { type: 'string', textarea: true, why: 'JSON objects: kept whole as text in a textarea' };
  if (declared === 'array' || share(p, 'json_array') >= 0.8) return { type: 'array', why: declared === 'array' ? 'declared a list' : 'JSON lists' };
  if (declared === 'boolean' || (share(p, 'boolean') >= 0.95 && p.distinct <= 3)) return { type: 'boolean', why: 'yes/no values' };
  // Numbers under a name that calls them a number or code of something are never timestamps.
  if (share(p, 'epoch') >= 0.9 && !(idName && declared !== 'date' && declared !== 'datetime')) return { type: 'datetime', why: 'epoch timestamps (seconds or milliseconds)' };
  if (share(p, 'epoch_wide') >= 0.9 && DATE_WORDS.test(words)) return { type: 'datetime', why: 'whole numbers that read as epoch timestamps, under a name that says date' };
  // Slashed or dashed dates (with ISO or dotted ones among them) whose order the values show: a first number over 12 somewhere, none over 12 second.
  if (share(p, 'day_first_proof') > 0 && share(p, 'day_first_date') + share(p, 'date') >= 0.9) {
    return { type: 'date', dayFirst: true, why: 'dates written day first (dd/mm/yyyy: a first number over 12 shows the order)' };
  }
  if (share(p, 'day_first_date') >= 0.9) {
    return { type: 'string', note: 'day-first dates (dd/mm/yyyy) the date transform cannot read safely: kept as text (convert them in the source to migrate them as dates)', why: 'day-first dates' };
  }
  if (share(p, 'datetime') > 0 && share(p, 'date') + share(p, 'datetime') >= 0.9) return { type: 'datetime', why: 'date-times' };
  if (declared === 'date' || declared === 'datetime' || share(p, 'date') >= 0.9) return { type: declared === 'datetime' ? 'datetime' : 'date', why: 'dates' };
  // A few small whole numbers under a category name are codes for categories (gender 0/1/2), not amounts.
  if (CATEGORY_WORDS.test(allWords) && share(p, 'integer') >= 0.95 && p.distinct <= 10 && p.longest <= 3) return { type: 'string', why: 'a few small number codes under a category name: categories, not amounts' };
  // Whole numbers under a code name are codes, and long ones under an identifier name (a tax number, a card number) identifiers: text, never summed.
  if (codeName && share(p, 'integer') >= 0.95 && p.distinct > 10) return { type: 'string', why: 'whole numbers under a code name: codes, text' };
  if (idName && share(p, 'integer') >= 0.95 && p.longest >= 6) return { type: 'string', why: 'long whole numbers under an identifier name (a number or code of something): text' };
  // A few whole numbers many contacts share under an id name ("locale_id", "origin_channel_id"): ids of a short list, a dropdown.
  if (idName && share(p, 'integer') >= 0.95 && p.distinct <= 10 && p.present >= 2 * p.distinct) return { type: 'string', why: 'a few ids of a short list, shared by many contacts: categories, not amounts' };
  if (NOTE_WORDS.test(allWords) && (p.wordy >= 0.3 || p.meanLength >= 25)) return { type: 'string', textarea: true, why: 'notes or a description in sentences: a textarea' };
  if (declared === 'number' || declared === 'integer') return { type: declared, why: `declared ${declared}` };
  const numeric = share(p, 'integer', 'number') + (share(p, 'currency') > 0 ? share(p, 'currency') : 0);
  if (numeric >= 0.95 && share(p, 'phone') < 0.5 && share(p, 'postcode') < 0.5) {
    const integer = share(p, 'integer') >= 0.95;
    return { type: integer ? 'integer' : 'number', why: share(p, 'currency') > 0.5 ? 'currency amounts (the sign is dropped)' : integer ? 'whole numbers' : 'numbers' };
  }
  if (p.longest >= 100 || (p.meanLength >= 40 && p.wordy >= 0.5)) return { type: 'string', textarea: true, why: 'long free text (sentences): a textarea' };
  return { type: 'string', why: describeProfile(p) };
}

const fieldWords = (f: NamedStandardField) => f.replace(/_/g, ' ');
const nameSignal = (m: NameMatch) =>
  m.how === 'fuzzy'
    ? `name: close to "${m.synonym}" (${Math.round(m.score * 100)}% similar), ${describeOrigin(m.origin)} for ${fieldWords(m.field)}`
    : m.how === 'partial'
      ? `name: contains "${m.synonym}", ${describeOrigin(m.origin)} for ${fieldWords(m.field)} (the other words taken for a prefix or qualifier)`
      : `name: "${m.synonym}" is ${describeOrigin(m.origin)} for ${fieldWords(m.field)}${m.how === 'stripped' ? ' (read without words like "user", with abbreviations written out, or in English)' : ''}`;

/** Words that say a phone is a mobile whatever its numbering plan. */
const MOBILE_WORDS = /mobile|cell|cep|gsm|mobil|msisdn|poca|sms/;

/**
 * Consent statuses of email and messaging tools that the `subscription` transform does not read
 * on its own, so they are proposed through a value map a person sees and can change. Not
 * subscribed: Mailchimp's cleaned (bounced), pending (double opt-in not confirmed) and
 * transactional, HubSpot's and Pipedrive's no_consent, Omnisend's nonSubscribed, revoked or
 * withdrawn consents. Subscribed: Constant Contact's explicit and implicit permission,
 * "EXPLICITLY_OPTEDIN", granted. Compared without case, spaces, "_" or "-".
 */
const NOT_SUBSCRIBED_WORDS = new Set(['cleaned', 'pending', 'transactional', 'noconsent', 'nonsubscribed', 'notsubscribed', 'neversubscribed', 'bounced', 'hardbounced', 'explicitlyoptedout', 'implicitlyoptedout', 'revoked', 'withdrawn', 'denied', 'refused', 'unconfirmed', 'nonsubscriber', 'notspecified', 'unspecified']);
const SUBSCRIBED_WORDS = new Set(['explicit', 'implicit', 'explicitlyoptedin', 'implicitlyoptedin', 'granted', 'consented', 'confirmed', 'doubleoptin', 'singleoptin']);
/** "Soft Opt-In", "Confirmed Opt-In", "Soft Opt-Out": the opt word at the end says which. */
const OPT_SUFFIX = /(optedin|optin)$|(optedout|optout)$/;

/** A status word beyond what the transform reads: true (subscribed), false (not), undefined (not one). `letters`: Responsys-style I / O too, for a name that says consent. */
function statusWordConsent(v: unknown, letters = false): boolean | undefined {
  if (typeof v !== 'string') return undefined;
  const compact = v.trim().toLowerCase().replace(/[\s_-]/g, '');
  if (NOT_SUBSCRIBED_WORDS.has(compact)) return false;
  if (SUBSCRIBED_WORDS.has(compact)) return true;
  const opt = OPT_SUFFIX.exec(compact);
  if (opt && compact.length <= 24) return opt[1] !== undefined;
  if (letters && (compact === 'i' || compact === 'o')) return compact === 'i';
  // A form's answer that begins with yes or no ("Yes, keep me posted", "No thanks"), under a name that says consent.
  if (letters && v.length <= 60) {
    const first = foldText(v.trim()).split(/[\s,.;:!-]+/)[0] ?? '';
    if (/^(yes|evet|ta)$/.test(first)) return true;
    if (/^(no|hayir|nil)$/.test(first)) return false;
  }
  return undefined;
}

/** What a consent value says: subscribed (true), not (false), or unread (undefined). */
function consentOf(v: unknown, letters = false): boolean | undefined {
  const r = normaliseSubscription(v);
  if (r.ok) return r.value === 1;
  return statusWordConsent(v, letters);
}

/** Share of present values (weighted) a subscription flag reads (yes/no in any form, subscribed/unsubscribed, opted in/out, the not-subscribed statuses). */
function subscriptionShare(values: SuggestInput['values'], letters = false): { read: number; statuses: number } {
  let present = 0;
  let fits = 0;
  let statuses = 0;
  for (const [v, n] of values) {
    if (v === null || v === undefined || (typeof v === 'string' && v.trim() === '')) continue;
    present += n;
    if (consentOf(v, letters) !== undefined) fits += n;
    // Words only a subscription status uses (not a yes/no any flag could hold).
    if (consentOf(v) !== undefined && !normaliseBoolean(v).ok) statuses += n;
  }
  return present === 0 ? { read: 0, statuses: 0 } : { read: fits / present, statuses: statuses / present };
}

/** A Do-not-disturb flag's value map from consent values (yes/no, ONAY/RET): each observed value (and the plain forms) → the flag, the other way round for a permission. */
function flagValues(values: SuggestInput['values'], inverted: boolean): Record<string, boolean> {
  const map: Record<string, boolean> = {};
  for (const [v, b] of [[true, true], [false, false], ['1', true], ['0', false], ['yes', true], ['no', false]] as const) map[valueMapKey(v)] = inverted ? !b : b;
  for (const [v] of values) {
    const c = consentOf(v);
    if (v !== null && v !== undefined && c !== undefined && valueMapKey(v) !== '') map[valueMapKey(v)] = inverted ? !c : c;
  }
  return map;
}

/**
 * A consent field's value map: an opt-out flag's values (and the plain forms) the other way
 * round; otherwise only the not-subscribed statuses the transform does not read. Undefined when
 * the values need none.
 */
function consentValues(values: SuggestInput['values'], inverted: boolean, letters = false): Record<string, boolean> | undefined {
  if (!inverted && !values.some(([v]) => statusWordConsent(v, letters) !== undefined)) return undefined;
  // A value map must hold every value (one it lacks is refused), so the plain forms go in too.
  const map: Record<string, boolean> = {};
  for (const [v, c] of [[true, true], [false, false], ['1', true], ['0', false], ['yes', true], ['no', false], ['subscribed', true], ['unsubscribed', false]] as const) map[valueMapKey(v)] = inverted ? !c : c;
  for (const [v] of values) {
    if (v === null || v === undefined) continue;
    const key = valueMapKey(v);
    const c = consentOf(v, letters);
    if (key !== '' && c !== undefined) map[key] = inverted ? !c : c;
  }
  return map;
}

/** Values that can name entries of an account list (stage, status, source, campaign): short, mostly repeating text. */
function namesFit(field: ReferenceField, p: ValueProfile, name: string): boolean {
  if (p.present === 0) return true;
  // "leadsource_id" holding 0, 12: ids of the other system's list (a person maps them).
  if (share(p, 'integer') >= 0.8 && ID_NAME.test(nameWords(name).join(' '))) return true;
  // Random-looking ids (a payment card's "card_1IOe…") name no entry of a list.
  if (share(p, 'high_entropy_id', 'uuid', 'push_token') >= 0.5) return false;
  if (field === 'owner_id') return share(p, 'email') >= 0.8 || share(p, 'integer') >= 0.8 || (nonText(p) < 0.2 && p.longest <= 60);
  // The name is the signal here; the values need only be short names, not open text that never repeats.
  return nonText(p) < 0.2 && share(p, 'boolean') < 0.5 && p.longest <= 60 && p.distinct < 200 && (p.present < 10 || !p.allUnique);
}

/** A reference field's value map: each observed value → the name to look up (ids of another system → null, for a person to fill in). */
function referenceValues(values: SuggestInput['values'], p: ValueProfile): Record<string, string | null> {
  const ids = share(p, 'integer') >= 0.8;
  const map: Record<string, string | null> = {};
  for (const [v] of values) {
    if (v === null || v === undefined) continue;
    const key = valueMapKey(v);
    if (key === '' || Object.hasOwn(map, key)) continue;
    map[key] = ids ? null : key.includes('@') ? key : key.replace(/_/g, ' ');
  }
  return map;
}

/** The stages and statuses CRMs and marketing tools ship with (HubSpot's lifecycle stages, the usual lead statuses), folded. */
const LIFECYCLE_VALUES = new Set(['subscriber', 'lead', 'mql', 'sql', 'marketing qualified lead', 'sales qualified lead', 'opportunity', 'customer', 'evangelist', 'visitor', 'prospect', 'other',
  'regular', 'lapsed', 'churned', 'loyal', 'at risk', 'dormant', 'new customer', 'active customer', 'potansiyel', 'aday', 'musteri', 'aktif musteri', 'pasif musteri', 'sadik musteri', 'kayip musteri', 'yeni musteri', 'sadik', 'kayip', 'yeni uye']);
const STATUS_VALUES = new Set(['new', 'open', 'in progress', 'open deal', 'unqualified', 'attempted to contact', 'connected', 'bad timing', 'qualified', 'potential', 'bad fit', 'contacted', 'not contacted', 'working', 'nurture', 'nurturing', 'recycled', 'dead', 'converted', 'closed', 'lost', 'won', 'junk']);
/** Words in a name that allow its values to say which list it is ("type", "status_label", "stage"). */
const LIST_NAME_WORDS = /^(status|stage|type|state|label|lifecycle|funnel|phase|durum|durumu|asama|evre|staid|stadas|ceim)$/;

/** A stage or status field by its values, under a name that says stage, status or type (HighLevel's "type": lead/customer). */
function referenceByValues(values: SuggestInput['values'], name: string): { field: ReferenceField; synonym: string } | undefined {
  if (!wordReadings(name).flat().some((w) => LIST_NAME_WORDS.test(w))) return undefined;
  let present = 0;
  let stages = 0;
  let statuses = 0;
  const seen = new Set<string>();
  for (const [v, n] of values) {
    if (typeof v !== 'string' || v.trim() === '') continue;
    const key = foldText(v.trim()).replace(/[_-]+/g, ' ').replace(/\s+/g, ' ');
    present += n;
    seen.add(key);
    if (LIFECYCLE_VALUES.has(key)) stages += n;
    if (STATUS_VALUES.has(key) || /^(open|closed|working)\b/.test(key)) statuses += n;
  }
  if (present === 0 || seen.size < 2) return undefined;
  if (stages / present >= 0.8 && stages >= statuses) return { field: 'lifecycle_stage_id', synonym: 'stage names among its values' };
  if (statuses / present >= 0.8) return { field: 'contact_status_id', synonym: 'lead status names among its values' };
  return undefined;
}

const REFERENCE_WORDS: Readonly<Record<ReferenceField, string>> = {
  lifecycle_stage_id: 'lifecycle stage', contact_status_id: 'contact status', owner_id: 'owner (a Freshsales user)', lead_source_id: 'contact source', campaign_id: 'campaign',
};

/** Values a device or the app reports about itself: never a contact field. */
function technicalValues(p: ValueProfile): string | undefined {
  // OS, app versions and device models are not here: they become contact custom fields (PRODUCT.md, Device information).
  if (share(p, 'ip_address') >= 0.8) return 'IP addresses';
  if (share(p, 'national_id') >= 0.8) return 'national identity numbers (PPS, TCKN)';
  if (share(p, 'image_url') >= 0.8) return 'image URLs';
  return undefined;
}

/** Does the name say what kind of values it holds ("birth_date", "loyalty_points", "is_vip")? Text needs no word. */
function typeNamed(type: AttributeType, readings: readonly string[]): boolean {
  const any = (re: RegExp) => readings.some((r) => re.test(r));
  switch (type) {
    case 'date':
    case 'datetime':
      return any(DATE_WORDS);
    case 'number':
    case 'integer':
      return any(AMOUNT_WORDS);
    case 'boolean':
      // A channel in a yes/no name may be a consent the tables missed: never sure then.
      return any(/^(is|has|can|was|did|uses?|allows?|accepts?|wants?|needs?) |( |^)(flag|enabled|verified|active)$/) && !any(/(^| )(email|mail|sms|text|whatsapp|newsletter|news|promotions?|marketing|bulten|eposta|kampanya|nuachtlitir|riomhphost)( |$)/);
    case 'array':
      return any(/(^| )(list|lists|interests|categories|favourites|favorites|preferences|tags|brands|sports|genres|teams)( |$)/);
    default:
      return true;
  }
}
/** Words that say a value is an amount or a count. */
const AMOUNT_WORDS = /(^| )(count|counts|total|totals|amount|sum|points|balance|spend|spent|score|age|qty|quantity|revenue|orders|visits|sessions|deposit|deposits|bet|bets|wins|losses|stake|turnover|ltv|value|price|height|weight|size|days|years|number of|bakiye|puan|tutar|toplam|yas|sayisi|adet|pointe|suim|lion|aois)( |$)/;

/** Words that make a person's name someone else's than the contact's. */
const GUARDIAN_WORDS = /^(parent|guardian|mother|father|tuismitheoir|tuismitheora|caomhnoir|caomhnora|veli|anne|baba)$/;
const RELATION_WORDS = /^(middle|second|maiden|nick|nickname|tuismitheora|caomhnoir|caomhnora|report|reports|manager|spouse|partner|wife|husband|assistant|referrer|referred|referral|emergency|guardian|parent|mother|father|child|children|kid|kids|es|esi|anne|baba|veli|cocuk|ceile|tuismitheoir|owner|rep|representative|agent|host|staff|employee|sales|salesperson|consultant|advisor|adviser|coach|doctor|teacher|beneficiary|nominee|contact person)$/;

/** Words that say a name holds a date or an instant ("dateOfBirth", "last_order_ts", "dogum_tarihi"). */
const DATE_WORDS = /(^| )(date|dob|birth|birthday|bday|dogum|tarih|tarihi|time|timestamp|ts|at|on|since|dt|datetime|zaman|data|breithla)( |$)/;
/** Words that say a small set of number codes stands for categories (a gender stored as 0/1/2, a marital status). */
const CATEGORY_WORDS = /(^| )(gender|sex|cinsiyet|cinsiyeti|marital|medeni|inscne|education|egitim|status|durum|durumu|type|tip|tipi|category|kategori|segment|tier|band|class|sinif|grup|group|code|kod|kodu|method|role|kind|reason|format|priority|oncelik|bucket|range|aralik|araligi|step|grade)( |$)/;
/** Words that say the values are notes or a description (a textarea when they are sentences). */
const NOTE_WORDS = /(^| )(note|notes|comment|comments|remark|remarks|description|memo|aciklama|notlar|nota|notai|tuairisc)( |$)/;
/** A name that ends by calling its values the number or code of something ("tax_number", "loyalty_card_no", "vergi_no"). */
const ID_NAME = /(^| )(number|no|nr|num|code|kod|kodu|numarasi|numara|uimhir|id)$/;

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
  // "web_push_subscription" holding yes/no is whether the person allows push, not the subscription object: a flag.
  const pushFlag = id?.route === 'device_dataset' && share(p, 'boolean') >= 0.95 && !idValues;
  if (id && !pushFlag) {
    return { target: { kind: 'skip', reason: id.reason, route: id.route }, band: p.present === 0 || idValues || technicalValues(p) ? 'high' : 'medium', signals: [`name: "${id.synonym}"`, valuesSay] };
  }

  const consent = consentName(input.name);
  // A name that says consent lets single letters read as one (Responsys' I / O).
  const consentShare = subscriptionShare(input.values, consent !== undefined);
  // Mostly readable flags (an "archived" among "subscribed"s) still make a consent field; the unread ones hold their contacts back.
  const consentFits = p.present === 0 ? undefined : consentShare.read >= 0.9 ? true : consentShare.read >= 0.75 ? undefined : false;
  const notSubscribedNote = (values: Record<string, boolean> | undefined, inverted: boolean) => {
    const words = values && !inverted ? Object.keys(values).filter((k) => statusWordConsent(k, true) !== undefined) : [];
    return words.length > 0 ? [`values: ${words.map((k) => `"${k}" as ${values![k] ? 'subscribed' : 'not subscribed'}`).join(', ')} (a value map a person can change)`] : [];
  };
  if (consent && consent.field === 'do_not_disturb' && consentFits !== false) {
    // A call permission or a block list: Do not disturb is a plain flag, read the other way round for a permission
    // (İYS's ONAY/RET through the value map too).
    const needsMap = consent.inverted || share(p, 'boolean') < 0.9;
    return {
      target: { kind: 'standard', field: 'do_not_disturb', transform: 'boolean', ...(needsMap ? { values: flagValues(input.values, consent.inverted) } : {}) },
      band: 'medium',
      signals: [`name: ${consent.inverted ? 'a permission to call: Do not disturb is its opposite (a value map reads it the other way round)' : 'a refusal of calls or contact: Do not disturb'}`, valuesSay],
      standard: 'do_not_disturb',
    };
  }
  if (consent && consent.field !== 'do_not_disturb' && consentFits !== false) {
    const values = consentValues(input.values, consent.inverted, true);
    const signals = [`name: a consent flag for ${fieldWords(consent.field)}${consent.channelAssumed ? ' (no channel named: marketing consent is read as email)' : ''}${consent.inverted ? ', worded as an opt-OUT' : ''}`, valuesSay, ...notSubscribedNote(values, consent.inverted)];
    if (consent.inverted) signals.push('values: read the other way round (a value map turns "opted out" into unsubscribed)');
    return {
      target: { kind: 'standard', field: consent.field, transform: 'subscription', ...(values ? { values } : {}) },
      band: consentFits && !consent.channelAssumed && !consent.inverted ? 'high' : 'medium',
      signals,
      standard: consent.field,
    };
  }
  // Only a channel in the name ("newsletter", "bülten", "sms") and yes/no values: that channel's consent.
  const onlyChannel = !consent && consentFits === true && share(p, 'boolean') >= 0.9 ? channelOnlyName(input.name) : undefined;
  if (onlyChannel) {
    return {
      target: { kind: 'standard', field: onlyChannel, transform: 'subscription' },
      band: 'medium',
      signals: [`name: only a channel, read as the consent for ${fieldWords(onlyChannel)}`, valuesSay],
      standard: onlyChannel,
    };
  }
  // No consent words in the name, but the values are subscription statuses ("subscribed", "cleaned", İYS's ONAY/RET) under a channel or status name.
  const statusChannel = consentFits !== false && consentShare.statuses >= 0.5 ? consentChannel(input.name) : undefined;
  if (statusChannel) {
    const values = consentValues(input.values, false);
    return {
      target: { kind: 'standard', field: statusChannel.field, transform: 'subscription', ...(values ? { values } : {}) },
      band: 'medium',
      signals: [
        `name: ${statusChannel.channelAssumed ? 'a status without a channel (read as the email subscription)' : `the channel of ${fieldWords(statusChannel.field)}`}`,
        `${valuesSay}: subscription statuses`,
        ...notSubscribedNote(values, false),
      ],
      standard: statusChannel.field,
    };
  }

  const reference = matchReferenceName(input.name) ?? referenceByValues(input.values, input.name);
  if (reference && namesFit(reference.field, p, input.name)) {
    const values = referenceValues(input.values, p);
    const unnamed = Object.values(values).some((v) => v === null);
    return {
      target: { kind: 'reference', field: reference.field, values },
      band: 'medium',
      signals: [
        reference.synonym.endsWith('among its values') ? `values: ${reference.synonym}: the Freshsales ${REFERENCE_WORDS[reference.field]}` : `name: "${reference.synonym}" names the Freshsales ${REFERENCE_WORDS[reference.field]}`,
        valuesSay,
        unnamed
          ? `values: ids of another system: fill in the Freshsales ${REFERENCE_WORDS[reference.field]} for each under values (blank leaves it unset)`
          : `values: each value is looked up by name in the account at run time; a name it lacks stops the run before any write, listing what it has`,
      ],
    };
  }

  if (isHomePhoneName(input.name)) {
    const t = typeByValues(input.declaredType, p, input.name);
    return { target: { kind: 'custom', type: t.type }, band: 'medium', signals: ['name: a home phone: Freshsales has only Mobile and Work numbers, so a custom field', valuesSay, `type: ${t.why}`] };
  }

  // A run of the name's words that the values contradict ("emial_address" holding emails, "email_md5" holding hashes) is no name match: the name as a whole may be close to another, or the values decide.
  const named = matchName(input.name);
  const m = named?.how === 'partial' && valuesFit(named.field, p) === false ? fuzzyName(input.name) : named;
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
      const loose = m.how === 'fuzzy' || m.how === 'partial';
      const strong = fits === true && (!loose || DISTINCTIVE.has(field));
      return { target: { kind: 'standard', field, transform: TRANSFORM_OF[field] }, band: strong ? 'high' : fits === undefined && loose ? 'low' : 'medium', signals, standard: field };
    }
    // The name says one thing and the values another: the values decide, and the doubt is said.
    const t = typeByValues(input.declaredType, p, input.name);
    return {
      target: { kind: 'custom', type: t.type, ...(t.textarea ? { textarea: true } : {}), ...(t.note ? { note: t.note } : {}), ...(t.dayFirst ? { dayFirst: true } : {}) },
      band: 'low',
      signals: [nameSignal(m), `${valuesSay}: they do not fit ${fieldWords(m.field)}, so a custom field`, `type: ${t.why}`],
    };
  }

  if (idValues) {
    const what = share(p, 'push_token') >= 0.8 ? 'push tokens' : share(p, 'uuid') >= 0.8 ? 'UUIDs' : 'random-looking unique ids';
    return { target: { kind: 'skip', reason: `the values are ${what}: an identifier, not something a CRM user reads`, route: share(p, 'push_token') >= 0.8 ? 'device_dataset' : 'none' }, band: 'medium', signals: ['name: no standard field', valuesSay] };
  }
  const technical = technicalValues(p);
  if (technical) {
    const national = technical.startsWith('national');
    const reason = national ? `the values are ${technical}: sensitive personal data with no use in a CRM (map it by hand only with a lawful reason)` : `the values are ${technical}: they describe a device or the app, not a person`;
    return { target: { kind: 'skip', reason, route: technical === 'IP addresses' ? 'device_dataset' : 'none' }, band: 'medium', signals: ['name: no standard field', valuesSay] };
  }

  const byValues = standardByValues(p, input.name);
  if (byValues === 'time_zone') {
    return { target: { kind: 'custom', type: 'string' }, band: 'medium', signals: ['name: no standard field', `${valuesSay}: time zone names`, "type: kept in a text field: Freshsales' own Time zone field uses its own zone names"], standard: 'time_zone' };
  }
  if (byValues) {
    return { target: { kind: 'standard', field: byValues, transform: TRANSFORM_OF[byValues] }, band: 'medium', signals: ['name: no standard field', `${valuesSay}: ${fieldWords(byValues)} by the values alone`], standard: byValues };
  }

  const t = typeByValues(input.declaredType, p, input.name);
  const near = nearestSynonymSimilarity(input.name);
  const declaredAgrees = input.declaredType === undefined ? false : input.declaredType === t.type || (input.declaredType === 'date' && t.type === 'datetime') || (input.declaredType === 'number' && t.type === 'integer');
  // A name with an id word may be an identifier the table does not know (a customer number in another language): never high.
  const idWord = /(^|[^a-z])(id|no|nr|num|number|code|kod|kodu|key|ref)([^a-z]|$)/.test(nameWords(input.name).join(' '));
  // "No standard field" is only the table's silence, so a custom type is high only when the name itself
  // says what the values are (a date word for dates, an amount word for numbers, is/has for a flag).
  const nameSaysType = typeNamed(t.type, wordReadings(input.name).map((r) => r.join(' ')));
  const band: ConfidenceBand = p.present === 0 ? 'low' : declaredAgrees && near < 0.75 && !idWord && nameSaysType ? 'high' : 'medium';
  return {
    target: { kind: 'custom', type: t.type, ...(t.textarea ? { textarea: true } : {}), ...(t.note ? { note: t.note } : {}), ...(t.dayFirst ? { dayFirst: true } : {}) },
    band,
    signals: [near >= 0.75 ? `name: no standard field (nearest synonym ${Math.round(near * 100)}% similar)` : 'name: no standard field', valuesSay, `type: ${t.why}${input.declaredType ? `; declared ${input.declaredType}` : ''}`],
  };
}
