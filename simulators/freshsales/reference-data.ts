/**
 * The account's reference data, served by `/api/selector/*` [DOC]: users, lifecycle
 * stages and contact statuses, deal pipelines and stages, activity types and outcomes,
 * currencies, territories and friends. Seeded per simulator so ids differ per seed, as
 * they differ per real account.
 */
import type { IdSequence } from './ids.js';

/** A user of the account; the API key belongs to the first (an admin). */
export interface User {
  id: number;
  display_name: string;
  email: string;
  is_active: boolean;
}

/** A lifecycle stage with the ids of the contact statuses that belong to it. */
export interface LifecycleStage {
  id: number;
  name: string;
  position: number;
  contact_status_ids: number[];
}

/** A contact status; each belongs to exactly one lifecycle stage [DOC]. */
export interface ContactStatus {
  id: number;
  name: string;
  lifecycle_stage_id: number;
  position: number;
}

/** A deal pipeline. */
export interface DealPipeline {
  id: number;
  name: string;
  is_default: boolean;
  position: number;
}

/** A deal stage inside one pipeline; `forecast_type` says whether it is open, won or lost. */
export interface DealStage {
  id: number;
  name: string;
  position: number;
  deal_pipeline_id: number;
  forecast_type: 'Open' | 'Won' | 'Lost';
  probability: number;
}

/** A simple named choice (territory, lead source, campaign, industry...). */
export interface NamedChoice {
  id: number;
  name: string;
  position: number;
}

/** A sales activity type (phone, meeting, ...). */
export interface SalesActivityType {
  id: number;
  name: string;
  internal_name: string;
  is_default: boolean;
}

/** An outcome, which belongs to one activity type. */
export interface SalesActivityOutcome {
  id: number;
  name: string;
  sales_activity_type_id: number;
}

/** A currency enabled in the account; `currency_type` 1 marks the base currency. */
export interface Currency {
  id: number;
  currency_code: string;
  exchange_rate: string;
  is_active: boolean;
  currency_type: number;
}

/** Everything the selectors serve, plus the id of the API key's user. */
export interface ReferenceData {
  keyUserId: number;
  users: User[];
  lifecycleStages: LifecycleStage[];
  contactStatuses: ContactStatus[];
  dealPipelines: DealPipeline[];
  dealStages: DealStage[];
  salesActivityTypes: SalesActivityType[];
  salesActivityOutcomes: SalesActivityOutcome[];
  currencies: Currency[];
  territories: NamedChoice[];
  leadSources: NamedChoice[];
  campaigns: NamedChoice[];
  industryTypes: NamedChoice[];
  businessTypes: NamedChoice[];
  dealTypes: NamedChoice[];
  dealReasons: NamedChoice[];
  taskTypes: NamedChoice[];
}

/** Build the seeded reference data of one account. */
export function seedReferenceData(ids: IdSequence): ReferenceData {
  const named = (names: string[]): NamedChoice[] => names.map((name, i) => ({ id: ids.take(), name, position: i + 1 }));

  const users: User[] = [
    { id: ids.take(), display_name: 'Avery Admin', email: 'avery.admin@example.com', is_active: true },
    { id: ids.take(), display_name: 'Blake Seller', email: 'blake.seller@example.com', is_active: true },
    { id: ids.take(), display_name: 'Casey Closer', email: 'casey.closer@example.com', is_active: true },
    { id: ids.take(), display_name: 'Drew Former', email: 'drew.former@example.com', is_active: false },
  ];

  const stageStatuses: Array<[string, string[]]> = [
    ['Lead', ['New', 'Contacted', 'Interested', 'Unqualified']],
    ['Sales Qualified Lead', ['Qualified', 'Demo Scheduled', 'Negotiation']],
    ['Customer', ['Won', 'Churned']],
  ];
  const lifecycleStages: LifecycleStage[] = [];
  const contactStatuses: ContactStatus[] = [];
  stageStatuses.forEach(([name, statuses], i) => {
    const stage: LifecycleStage = { id: ids.take(), name, position: i + 1, contact_status_ids: [] };
    statuses.forEach((s, j) => {
      const status: ContactStatus = { id: ids.take(), name: s, lifecycle_stage_id: stage.id, position: j + 1 };
      contactStatuses.push(status);
      stage.contact_status_ids.push(status.id);
    });
    lifecycleStages.push(stage);
  });

  const dealPipelines: DealPipeline[] = [
    { id: ids.take(), name: 'Default Pipeline', is_default: true, position: 1 },
    { id: ids.take(), name: 'Renewals', is_default: false, position: 2 },
  ];
  const stagesOf: Array<Array<[string, 'Open' | 'Won' | 'Lost', number]>> = [
    [['New', 'Open', 10], ['Demo Scheduled', 'Open', 30], ['Negotiation', 'Open', 60], ['Won', 'Won', 100], ['Lost', 'Lost', 0]],
    [['Up for renewal', 'Open', 50], ['Renewed', 'Won', 100], ['Not renewed', 'Lost', 0]],
  ];
  const dealStages: DealStage[] = [];
  dealPipelines.forEach((p, i) => {
    (stagesOf[i] ?? []).forEach(([name, forecast_type, probability], j) => {
      dealStages.push({ id: ids.take(), name, position: j + 1, deal_pipeline_id: p.id, forecast_type, probability });
    });
  });

  const salesActivityTypes: SalesActivityType[] = [
    ['Phone', 'phone'], ['Meeting', 'meeting'], ['Chat', 'chat'], ['Email', 'email'], ['Demo', 'demo'],
  ].map(([name, internal], i) => ({ id: ids.take(), name: name!, internal_name: internal!, is_default: i < 4 }));
  const salesActivityOutcomes: SalesActivityOutcome[] = [];
  for (const t of salesActivityTypes) {
    for (const o of ['Interested', 'Not interested', 'Left message', 'No response']) {
      salesActivityOutcomes.push({ id: ids.take(), name: o, sales_activity_type_id: t.id });
    }
  }

  const currencies: Currency[] = [
    { id: ids.take(), currency_code: 'USD', exchange_rate: '1.0', is_active: true, currency_type: 1 },
    { id: ids.take(), currency_code: 'EUR', exchange_rate: '0.92', is_active: true, currency_type: 2 },
    { id: ids.take(), currency_code: 'TRY', exchange_rate: '32.5', is_active: true, currency_type: 2 },
  ];

  return {
    keyUserId: users[0]!.id,
    users,
    lifecycleStages,
    contactStatuses,
    dealPipelines,
    dealStages,
    salesActivityTypes,
    salesActivityOutcomes,
    currencies,
    territories: named(['EMEA', 'Americas', 'APAC']),
    leadSources: named(['Web', 'Email', 'Phone', 'Import', 'Referral']),
    campaigns: named(['Spring Launch', 'Winback']),
    industryTypes: named(['Software', 'Retail', 'Finance', 'Healthcare']),
    businessTypes: named(['Prospect', 'Partner', 'Customer', 'Vendor']),
    dealTypes: named(['New Business', 'Existing Business']),
    dealReasons: named(['Price', 'Competition', 'Timing']),
    taskTypes: named(['Call', 'Email', 'Follow up']),
  };
}

/**
 * Selector name → (response key, items). `owners` answers under `users` [DOC].
 * Built per request from the live reference data rather than cached, so it can never go stale.
 */
export function selectorTable(ref: ReferenceData): Record<string, { key: string; items: unknown[] }> {
  return {
    owners: { key: 'users', items: ref.users },
    lifecycle_stages: { key: 'lifecycle_stages', items: ref.lifecycleStages },
    contact_statuses: { key: 'contact_statuses', items: ref.contactStatuses },
    deal_pipelines: { key: 'deal_pipelines', items: ref.dealPipelines },
    deal_stages: { key: 'deal_stages', items: ref.dealStages },
    sales_activity_types: { key: 'sales_activity_types', items: ref.salesActivityTypes },
    sales_activity_outcomes: { key: 'sales_activity_outcomes', items: ref.salesActivityOutcomes },
    currencies: { key: 'currencies', items: ref.currencies },
    territories: { key: 'territories', items: ref.territories },
    lead_sources: { key: 'lead_sources', items: ref.leadSources },
    campaigns: { key: 'campaigns', items: ref.campaigns },
    industry_types: { key: 'industry_types', items: ref.industryTypes },
    business_types: { key: 'business_types', items: ref.businessTypes },
    deal_types: { key: 'deal_types', items: ref.dealTypes },
    deal_reasons: { key: 'deal_reasons', items: ref.dealReasons },
  };
}
