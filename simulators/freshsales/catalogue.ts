/**
 * The field catalogue of one entity, served by `GET /api/settings/<entity>/fields` [DOC]:
 * standard fields plus the custom fields an admin created. Custom fields cannot be made
 * through the public API [DOC]; the simulator's admin route stands in for the admin UI.
 *
 * Custom field names are chosen by Freshsales from the label and can be odd
 * (`cf_date_of_birth_`, `cf_off-loading_point_of_contact`) [DOC]: hyphens are kept,
 * and some labels get a trailing underscore (decided by a hash of the label, so it is
 * deterministic yet not derivable by a client that guesses the slug rule).
 */
import { ApiError } from './errors.js';
import type { IdSequence } from './ids.js';
import type { ReferenceData } from './reference-data.js';

/** Billing plan; decides API budgets, custom field limits and storage. */
export type Plan = 'free' | 'growth' | 'pro' | 'enterprise';

/** Types a custom field can have. */
export type FieldType = 'text' | 'textarea' | 'number' | 'dropdown' | 'multi_select_dropdown' | 'checkbox' | 'date';

/** Entities that have a fields endpoint. */
export type FieldEntity = 'contacts' | 'sales_accounts' | 'deals' | 'sales_activities';

/** The list of valid custom field types, for input checks. */
export const FIELD_TYPES: readonly FieldType[] = ['text', 'textarea', 'number', 'dropdown', 'multi_select_dropdown', 'checkbox', 'date'];

/** One choice of a dropdown or multi-select. */
export interface FieldChoice {
  id: number;
  value: string;
}

/** A field as the fields endpoint returns it. `default` is true for standard fields. */
export interface FieldDef {
  id: number;
  name: string;
  label: string;
  type: string;
  required: boolean;
  base_model: string;
  choices: FieldChoice[];
  default: boolean;
  position: number;
  visible: boolean;
}

type LimitCategory = 'text' | 'dropdown' | 'textarea' | 'multi_select' | 'number' | 'checkbox' | 'date';

/** Per-entity custom field limits per plan [DOC]. Free allows none. */
export const CUSTOM_FIELD_LIMITS: Record<Plan, { total: number } & Record<LimitCategory, number>> = {
  free: { total: 0, text: 0, dropdown: 0, textarea: 0, multi_select: 0, number: 0, checkbox: 0, date: 0 },
  growth: { total: 150, text: 20, dropdown: 30, textarea: 5, multi_select: 5, number: 30, checkbox: 30, date: 30 },
  pro: { total: 250, text: 30, dropdown: 40, textarea: 10, multi_select: 10, number: 50, checkbox: 50, date: 50 },
  enterprise: { total: 630, text: 70, dropdown: 250, textarea: 20, multi_select: 30, number: 70, checkbox: 70, date: 70 },
};

/** Most choices a dropdown may have [DOC]. */
export const MAX_DROPDOWN_CHOICES = 300;

const CATEGORY: Record<FieldType, LimitCategory> = {
  text: 'text',
  textarea: 'textarea',
  number: 'number',
  dropdown: 'dropdown',
  multi_select_dropdown: 'multi_select',
  checkbox: 'checkbox',
  date: 'date',
};

const BASE_MODEL: Record<FieldEntity, string> = {
  contacts: 'Contact',
  sales_accounts: 'SalesAccount',
  deals: 'Deal',
  sales_activities: 'SalesActivity',
};

/** Subscription status codes (email); the choice id is the value written. */
export const SUBSCRIPTION_STATUS: FieldChoice[] = [
  { id: 0, value: 'Unsubscribed' },
  { id: 1, value: 'Subscribed' },
  { id: 2, value: 'Not sure' },
  { id: 3, value: 'Reported as spam' },
];

/** SMS / WhatsApp subscription status codes. */
export const MESSAGING_SUBSCRIPTION_STATUS: FieldChoice[] = [
  { id: 0, value: 'Not subscribed' },
  { id: 1, value: 'Subscribed' },
  { id: 2, value: 'Unsubscribed' },
];

/** Email subscription types, written as `"3;4;1"` [DOC]. */
export const SUBSCRIPTION_TYPES: FieldChoice[] = [
  { id: 1, value: 'Newsletter' },
  { id: 2, value: 'Promotional' },
  { id: 3, value: 'Product updates' },
  { id: 4, value: 'Conferences & Events' },
];

type StdSpec = [name: string, label: string, type: string, required?: boolean, choices?: FieldChoice[]];

function standardSpecs(entity: FieldEntity, ref: ReferenceData): StdSpec[] {
  const pick = (items: Array<{ id: number; name?: string; display_name?: string; currency_code?: string }>): FieldChoice[] =>
    items.map((i) => ({ id: i.id, value: i.name ?? i.display_name ?? i.currency_code ?? String(i.id) }));
  const owners = pick(ref.users);
  switch (entity) {
    case 'contacts':
      return [
        ['first_name', 'First name', 'text'],
        ['last_name', 'Last name', 'text'],
        ['job_title', 'Job title', 'text'],
        ['emails', 'Emails', 'email', true],
        ['work_number', 'Work', 'phone_number'],
        ['mobile_number', 'Mobile', 'phone_number'],
        ['address', 'Address', 'textarea'],
        ['city', 'City', 'text'],
        ['state', 'State', 'text'],
        ['zipcode', 'Zipcode', 'text'],
        ['country', 'Country', 'text'],
        ['time_zone', 'Time zone', 'text'],
        ['owner_id', 'Sales owner', 'dropdown', false, owners],
        ['territory_id', 'Territory', 'dropdown', false, pick(ref.territories)],
        ['lead_source_id', 'Source', 'dropdown', false, pick(ref.leadSources)],
        ['campaign_id', 'Campaign', 'dropdown', false, pick(ref.campaigns)],
        ['medium', 'Medium', 'text'],
        ['keyword', 'Keyword', 'text'],
        ['lifecycle_stage_id', 'Lifecycle stage', 'dropdown', false, pick(ref.lifecycleStages)],
        ['contact_status_id', 'Status', 'dropdown', false, pick(ref.contactStatuses)],
        ['sales_accounts', 'Accounts', 'auto_complete'],
        ['subscription_status', 'Subscription status', 'dropdown', false, SUBSCRIPTION_STATUS],
        ['subscription_types', 'Subscription types', 'multi_select_dropdown', false, SUBSCRIPTION_TYPES],
        ['sms_subscription_status', 'SMS subscription status', 'dropdown', false, MESSAGING_SUBSCRIPTION_STATUS],
        ['whatsapp_subscription_status', 'WhatsApp subscription status', 'dropdown', false, MESSAGING_SUBSCRIPTION_STATUS],
        ['unsubscription_reason', 'Unsubscription reason', 'text'],
        ['do_not_disturb', 'Do not disturb', 'checkbox'],
        ['external_id', 'External ID', 'text'],
        ['facebook', 'Facebook', 'text'],
        ['twitter', 'Twitter', 'text'],
        ['linkedin', 'LinkedIn', 'text'],
        ['tags', 'Tags', 'auto_complete'],
      ];
    case 'sales_accounts':
      return [
        ['name', 'Name', 'text', true],
        ['website', 'Website', 'text'],
        ['phone', 'Phone', 'phone_number'],
        ['address', 'Address', 'textarea'],
        ['city', 'City', 'text'],
        ['state', 'State', 'text'],
        ['zipcode', 'Zipcode', 'text'],
        ['country', 'Country', 'text'],
        ['number_of_employees', 'Number of employees', 'number'],
        ['annual_revenue', 'Annual revenue', 'number'],
        ['industry_type_id', 'Industry type', 'dropdown', false, pick(ref.industryTypes)],
        ['business_type_id', 'Business type', 'dropdown', false, pick(ref.businessTypes)],
        ['owner_id', 'Sales owner', 'dropdown', false, owners],
        ['territory_id', 'Territory', 'dropdown', false, pick(ref.territories)],
        ['parent_sales_account_id', 'Parent account', 'auto_complete'],
        ['facebook', 'Facebook', 'text'],
        ['twitter', 'Twitter', 'text'],
        ['linkedin', 'LinkedIn', 'text'],
        ['tags', 'Tags', 'auto_complete'],
      ];
    case 'deals':
      return [
        ['name', 'Name', 'text', true],
        ['amount', 'Deal value', 'number'],
        ['currency_id', 'Currency', 'dropdown', false, pick(ref.currencies)],
        ['deal_pipeline_id', 'Deal pipeline', 'dropdown', false, pick(ref.dealPipelines)],
        ['deal_stage_id', 'Deal stage', 'dropdown', false, pick(ref.dealStages)],
        ['sales_account_id', 'Account name', 'auto_complete'],
        ['contacts', 'Related contacts', 'auto_complete'],
        ['owner_id', 'Sales owner', 'dropdown', false, owners],
        ['expected_close', 'Expected close date', 'date'],
        ['probability', 'Probability (%)', 'number'],
        ['deal_type_id', 'Type', 'dropdown', false, pick(ref.dealTypes)],
        ['deal_reason_id', 'Lost reason', 'dropdown', false, pick(ref.dealReasons)],
        ['lead_source_id', 'Source', 'dropdown', false, pick(ref.leadSources)],
        ['campaign_id', 'Campaign', 'dropdown', false, pick(ref.campaigns)],
        ['territory_id', 'Territory', 'dropdown', false, pick(ref.territories)],
        ['tags', 'Tags', 'auto_complete'],
      ];
    case 'sales_activities':
      return [
        ['title', 'Title', 'text'],
        ['sales_activity_type_id', 'Activity type', 'dropdown', true, pick(ref.salesActivityTypes)],
        ['sales_activity_outcome_id', 'Outcome', 'dropdown', false, pick(ref.salesActivityOutcomes)],
        ['start_date', 'Start date', 'datetime'],
        ['end_date', 'End date', 'datetime'],
        ['notes', 'Notes', 'textarea'],
        ['owner_id', 'Owner', 'dropdown', false, owners],
        ['targetable_type', 'Related to', 'auto_complete'],
      ];
  }
}

/** 32-bit FNV-1a: a stable hash for the label quirks. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const ch of text) {
    h ^= ch.codePointAt(0) ?? 0;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * The name Freshsales would give a custom field with this label. Hyphens survive the
 * slug; one label in three (by hash) gets a trailing underscore; a clash with an
 * existing name gets a numeric suffix. Clients must read names, never derive them.
 */
export function customFieldName(label: string, taken: ReadonlySet<string>): string {
  let slug = label
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (!slug) slug = 'field';
  let name = `cf_${slug}${fnv1a(label) % 3 === 2 ? '_' : ''}`;
  for (let n = 1; taken.has(name); n++) name = `cf_${slug}${n}`;
  return name;
}

/** Input to create a custom field (the admin UI's form). */
export interface NewCustomField {
  label: string;
  type: FieldType;
  choices?: string[];
}

/** The fields of one entity: standard ones first, then custom ones in creation order. */
export class FieldCatalogue {
  private readonly standard: FieldDef[];
  private readonly customs: FieldDef[] = [];
  private readonly customByName = new Map<string, FieldDef>();
  private readonly standardByName = new Map<string, FieldDef>();

  constructor(
    readonly entity: FieldEntity,
    private readonly plan: Plan,
    private readonly ids: IdSequence,
    ref: ReferenceData,
  ) {
    this.standard = standardSpecs(entity, ref).map(([name, label, type, required, choices], i) => ({
      id: ids.take(),
      name,
      label,
      type,
      required: required ?? false,
      base_model: BASE_MODEL[entity],
      choices: choices ?? [],
      default: true,
      position: i + 1,
      visible: true,
    }));
    for (const f of this.standard) this.standardByName.set(f.name, f);
  }

  /** Every field, as the fields endpoint lists them. */
  list(): FieldDef[] {
    return [...this.standard, ...this.customs];
  }

  /** Custom fields only, in creation order. */
  customFields(): readonly FieldDef[] {
    return this.customs;
  }

  /** The custom field with this exact name. */
  custom(name: string): FieldDef | undefined {
    return this.customByName.get(name);
  }

  /** The standard field with this exact name. */
  standardField(name: string): FieldDef | undefined {
    return this.standardByName.get(name);
  }

  /** Create a custom field, enforcing the plan's per-type and total limits [DOC]. Throws ApiError(400). */
  add(input: NewCustomField): FieldDef {
    const label = typeof input.label === 'string' ? input.label.trim() : '';
    if (!label) throw new ApiError(400, ['Label is required']);
    if (!(FIELD_TYPES as readonly string[]).includes(input.type)) {
      throw new ApiError(400, [`Invalid field type "${String(input.type)}" (known: ${FIELD_TYPES.join(', ')})`]);
    }
    const all = this.list();
    if (all.some((f) => f.label.toLowerCase() === label.toLowerCase())) throw new ApiError(400, [`Label "${label}" already exists`]);
    const limits = CUSTOM_FIELD_LIMITS[this.plan];
    const category = CATEGORY[input.type];
    if (this.customs.length >= limits.total) {
      throw new ApiError(400, [`Custom field limit reached: the ${this.plan} plan allows ${limits.total} custom fields per module`]);
    }
    const used = this.customs.filter((f) => CATEGORY[f.type as FieldType] === category).length;
    if (used >= limits[category]) {
      throw new ApiError(400, [`Custom field limit reached: the ${this.plan} plan allows ${limits[category]} ${category} fields per module`]);
    }
    let choices: FieldChoice[] = [];
    if (input.type === 'dropdown' || input.type === 'multi_select_dropdown') {
      const raw = Array.isArray(input.choices) ? input.choices : [];
      const texts = raw.map((c) => (typeof c === 'string' ? c.trim() : '')).filter(Boolean);
      if (texts.length === 0 || texts.length !== raw.length) throw new ApiError(400, ['Choices must be a non-empty list of non-empty strings']);
      if (texts.length > MAX_DROPDOWN_CHOICES) throw new ApiError(400, [`A dropdown can have at most ${MAX_DROPDOWN_CHOICES} choices`]);
      if (new Set(texts.map((t) => t.toLowerCase())).size !== texts.length) throw new ApiError(400, ['Choices must be unique']);
      choices = texts.map((value) => ({ id: this.ids.take(), value }));
    }
    const field: FieldDef = {
      id: this.ids.take(),
      name: customFieldName(label, new Set(all.map((f) => f.name))),
      label,
      type: input.type,
      required: false,
      base_model: BASE_MODEL[this.entity],
      choices,
      default: false,
      position: all.length + 1,
      visible: true,
    };
    this.customs.push(field);
    this.customByName.set(field.name, field);
    return field;
  }
}
