/**
 * One Freshsales account: reference data, field catalogues and the contacts, sales
 * accounts and deals with their indexes. Every record write (create, update, upsert,
 * bulk job) goes through `write`, so validation is identical on every path, as in the
 * real product where bulk jobs run the same model validations.
 */
import {
  FieldCatalogue,
  MESSAGING_SUBSCRIPTION_STATUS,
  SUBSCRIPTION_STATUS,
  SUBSCRIPTION_TYPES,
  type FieldEntity,
  type Plan,
} from './catalogue.js';
import { ApiError, failIfAny } from './errors.js';
import { IdSequence, subSeed } from './ids.js';
import { type EmailEntry, type Rec, type RecordEntity, RecordStore, SINGULAR } from './records.js';
import { type ReferenceData, seedReferenceData } from './reference-data.js';
import { EMAIL_RE, amountString, asId, asText, checkCustomValue, isDateOnly, parseDecimal } from './values.js';

/** Behaviour switches of an account (the [?] points of the API notes). */
export interface TenantOptions {
  plan: Plan;
  seed: number;
  unknownCustomField: 'reject' | 'ignore';
  requireDealAccount: boolean;
  tagsOnWrite: 'replace' | 'merge';
  uniqueMobileNumber: boolean;
  /** Wall clock for created_at/updated_at (never scaled). */
  now: () => number;
}

/** Longest first/last name and other short standard text [LIVE]. */
export const SHORT_TEXT_MAX = 255;

interface WriteState {
  entity: RecordEntity;
  data: Record<string, unknown>;
  errors: string[];
  existing: Rec | undefined;
  /** Fields whose raw value needs a cross-field step after the simple writers ran. */
  pending: Record<string, unknown>;
}

type Writer = (key: string, value: unknown, w: WriteState) => void;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validate a `custom_field` map against a catalogue (or none, for entities without one). */
export function writeCustomFields(
  catalogue: FieldCatalogue | undefined,
  unknown: 'reject' | 'ignore',
  value: unknown,
  target: Record<string, string | number | boolean>,
  errors: string[],
): void {
  if (value === undefined || value === null) return;
  if (!isObject(value)) {
    errors.push('custom_field must be an object of field name to value');
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    const field = catalogue?.custom(key);
    if (!field) {
      // Reject is the safe default: a silently dropped value is data loss the client never sees.
      if (unknown === 'reject') errors.push(`Invalid custom field: ${key} is not a field of this module`);
      continue;
    }
    const r = checkCustomValue(field, v);
    if (!r.ok) errors.push(r.message);
    else if (r.value === null) delete target[key];
    else target[key] = r.value;
  }
}

/** The Freshsales account simulated by one server. */
export class Tenant {
  readonly ref: ReferenceData;
  readonly catalogues: Record<FieldEntity, FieldCatalogue>;
  readonly stores: Record<RecordEntity, RecordStore>;
  private readonly seqs: Record<RecordEntity | 'emails' | 'fields', IdSequence>;
  /** Lower-cased email (primary and secondary) → contact id, live contacts only. */
  private readonly emailIndex = new Map<string, number>();
  /** Lower-cased account name → account id: names are the upsert key, hence unique. */
  private readonly accountNameIndex = new Map<string, number>();
  /** Mobile number → contact id, only kept when `uniqueMobileNumber` is on. */
  private readonly mobileIndex = new Map<string, number>();
  private readonly writers: Record<RecordEntity, Record<string, Writer>>;

  constructor(readonly opts: TenantOptions) {
    this.ref = seedReferenceData(new IdSequence(subSeed(opts.seed, 1)));
    this.seqs = {
      contacts: new IdSequence(subSeed(opts.seed, 2)),
      sales_accounts: new IdSequence(subSeed(opts.seed, 3)),
      deals: new IdSequence(subSeed(opts.seed, 4)),
      emails: new IdSequence(subSeed(opts.seed, 5)),
      fields: new IdSequence(subSeed(opts.seed, 6)),
    };
    const cat = (e: FieldEntity) => new FieldCatalogue(e, opts.plan, this.seqs.fields, this.ref);
    this.catalogues = { contacts: cat('contacts'), sales_accounts: cat('sales_accounts'), deals: cat('deals'), sales_activities: cat('sales_activities') };
    this.stores = { contacts: new RecordStore('contacts'), sales_accounts: new RecordStore('sales_accounts'), deals: new RecordStore('deals') };
    this.writers = this.buildWriters();
  }

  /** Id of the user the API key belongs to ("My Contacts", default deal owner). */
  get keyUserId(): number {
    return this.ref.keyUserId;
  }

  /** Live contact owning this email (case-insensitive), primary or secondary. */
  contactByEmail(email: string): Rec | undefined {
    const id = this.emailIndex.get(email.trim().toLowerCase());
    return id === undefined ? undefined : this.stores.contacts.get(id);
  }

  /** Live account with this name (case-insensitive). */
  accountByName(name: string): Rec | undefined {
    const id = this.accountNameIndex.get(name.trim().toLowerCase());
    return id === undefined ? undefined : this.stores.sales_accounts.get(id);
  }

  /** Live record by id, or a 404 in Freshsales' shape. */
  mustGet(entity: RecordEntity, id: unknown): Rec {
    const n = asId(id);
    const rec = n === undefined ? undefined : this.stores[entity].get(n);
    if (!rec) throw new ApiError(404, [`${SINGULAR[entity]} not found`]);
    return rec;
  }

  /** Create a record from a write payload (the inside of the wrapper). Throws ApiError(400). */
  create(entity: RecordEntity, payload: unknown): Rec {
    return this.write(entity, payload, undefined);
  }

  /** Partial update: omitted fields stay, `null` clears [LIVE]. Throws ApiError(400/404). */
  update(entity: RecordEntity, id: unknown, payload: unknown): Rec {
    return this.write(entity, payload, this.mustGet(entity, id));
  }

  /** Soft delete; frees the email/name for reuse. Throws ApiError(404). */
  remove(entity: RecordEntity, id: unknown): void {
    const rec = this.mustGet(entity, id);
    this.unindex(entity, rec);
    this.stores[entity].softDelete(rec);
  }

  /**
   * Find the record a unique identifier names: contacts by `emails`, accounts by `name`,
   * deals by `name` (first match by id), any entity by `id`. Throws ApiError(400) when the
   * identifier itself is unusable.
   */
  findByIdentifier(entity: RecordEntity, identifier: unknown): Rec | undefined {
    if (!isObject(identifier)) throw new ApiError(400, ['unique_identifier is missing']);
    const keys = Object.keys(identifier);
    const allowed = entity === 'contacts' ? ['emails', 'id'] : ['name', 'id'];
    if (keys.length !== 1 || !allowed.includes(keys[0]!)) {
      throw new ApiError(400, [`Invalid unique_identifier: use one of ${allowed.join(', ')}`]);
    }
    const key = keys[0]!;
    const value = identifier[key];
    if (key === 'id') {
      const n = asId(value);
      if (n === undefined) throw new ApiError(400, ['Invalid unique_identifier: id must be an integer']);
      return this.stores[entity].get(n);
    }
    const text = Array.isArray(value) ? value[0] : value;
    if (typeof text !== 'string' || !text.trim()) throw new ApiError(400, [`Invalid unique_identifier: ${key} must be a non-empty string`]);
    if (entity === 'contacts') return this.contactByEmail(text);
    if (entity === 'sales_accounts') return this.accountByName(text);
    const wanted = text.trim().toLowerCase();
    let best: Rec | undefined;
    for (const rec of this.stores.deals.live()) {
      if (String(rec.data.name ?? '').toLowerCase() === wanted && (!best || rec.id < best.id)) best = rec;
    }
    return best;
  }

  /** Upsert: update the record the identifier names, or create one carrying the identifier. */
  upsert(entity: RecordEntity, identifier: unknown, payload: unknown): { rec: Rec; created: boolean } {
    const found = this.findByIdentifier(entity, identifier);
    if (found) return { rec: this.write(entity, payload, found), created: false };
    const ident = identifier as Record<string, unknown>;
    // An id names an existing record; there is nothing to create from it.
    if (ident.id !== undefined) throw new ApiError(404, [`${SINGULAR[entity]} not found`]);
    const body: Record<string, unknown> = isObject(payload) ? { ...payload } : {};
    // A new record is made from the identifier when the payload does not say otherwise.
    if (entity === 'contacts' && ident.emails !== undefined && body.emails === undefined) body.emails = ident.emails;
    if (entity !== 'contacts' && ident.name !== undefined && body.name === undefined) body.name = ident.name;
    return { rec: this.write(entity, body, undefined), created: true };
  }

  // ---------------------------------------------------------------- writes

  private write(entity: RecordEntity, payload: unknown, existing: Rec | undefined): Rec {
    if (!isObject(payload)) throw new ApiError(400, [`param is missing or the value is empty: ${SINGULAR[entity]}`]);
    const w: WriteState = { entity, data: existing ? { ...existing.data } : {}, errors: [], existing, pending: {} };
    const custom = existing ? { ...existing.custom } : {};
    const writers = this.writers[entity];
    for (const [key, value] of Object.entries(payload)) {
      if (key === 'custom_field') continue;
      // Unknown attributes are dropped, as Rails strong parameters drop them.
      writers[key]?.(key, value, w);
    }
    writeCustomFields(this.catalogues[entity], this.opts.unknownCustomField, payload.custom_field, custom, w.errors);
    if (entity === 'contacts') this.finishContact(w);
    else if (entity === 'sales_accounts') this.finishAccount(w);
    else this.finishDeal(w);
    failIfAny(w.errors);

    const now = this.opts.now();
    if (existing) {
      this.unindex(entity, existing);
      existing.data = w.data;
      existing.custom = custom;
      // updated_at must change on every write, even two writes in one millisecond.
      existing.updatedAt = Math.max(now, existing.updatedAt + 1);
      this.index(entity, existing);
      this.stores[entity].touch();
      return existing;
    }
    const rec: Rec = { id: this.seqs[entity].take(), data: w.data, custom, createdAt: now, updatedAt: now, deleted: false };
    this.index(entity, rec);
    this.stores[entity].insert(rec);
    return rec;
  }

  private index(entity: RecordEntity, rec: Rec): void {
    if (entity === 'contacts') {
      for (const e of (rec.data.emails as EmailEntry[] | undefined) ?? []) this.emailIndex.set(e.value.toLowerCase(), rec.id);
      if (this.opts.uniqueMobileNumber && typeof rec.data.mobile_number === 'string' && rec.data.mobile_number) {
        this.mobileIndex.set(rec.data.mobile_number, rec.id);
      }
    } else if (entity === 'sales_accounts' && typeof rec.data.name === 'string') {
      this.accountNameIndex.set(rec.data.name.trim().toLowerCase(), rec.id);
    }
  }

  private unindex(entity: RecordEntity, rec: Rec): void {
    if (entity === 'contacts') {
      for (const e of (rec.data.emails as EmailEntry[] | undefined) ?? []) {
        const key = e.value.toLowerCase();
        if (this.emailIndex.get(key) === rec.id) this.emailIndex.delete(key);
      }
      if (typeof rec.data.mobile_number === 'string' && this.mobileIndex.get(rec.data.mobile_number) === rec.id) {
        this.mobileIndex.delete(rec.data.mobile_number);
      }
    } else if (entity === 'sales_accounts' && typeof rec.data.name === 'string') {
      const key = rec.data.name.trim().toLowerCase();
      if (this.accountNameIndex.get(key) === rec.id) this.accountNameIndex.delete(key);
    }
  }

  private buildWriters(): Record<RecordEntity, Record<string, Writer>> {
    const text = (max = SHORT_TEXT_MAX): Writer => (key, value, w) => {
      if (value === null) return void delete w.data[key];
      const t = asText(value);
      if (t === undefined) return void w.errors.push(`${key} must be text`);
      if (t.length > max) return void w.errors.push(`${key} is too long (maximum is ${max} characters)`);
      w.data[key] = t;
    };
    const oneOf = (ids: () => number[], what: string): Writer => (key, value, w) => {
      if (value === null) return void delete w.data[key];
      const n = asId(value);
      if (n === undefined || !ids().includes(n)) return void w.errors.push(`Invalid ${what} provided: ${JSON.stringify(value)}`);
      w.data[key] = n;
    };
    const record = (entity: RecordEntity): Writer => (key, value, w) => {
      if (value === null) return void delete w.data[key];
      const n = asId(value);
      if (n === undefined || !this.stores[entity].get(n)) return void w.errors.push(`${key}: ${SINGULAR[entity]} ${JSON.stringify(value)} does not exist`);
      if (entity === w.entity && w.existing?.id === n) return void w.errors.push(`${key} cannot point at the record itself`);
      w.data[key] = n;
    };
    const int = (min: number, max: number): Writer => (key, value, w) => {
      if (value === null) return void delete w.data[key];
      const n = parseDecimal(value);
      if (n === undefined || !Number.isInteger(n) || n < min || n > max) return void w.errors.push(`${key} must be a whole number between ${min} and ${max}`);
      w.data[key] = n;
    };
    const decimal: Writer = (key, value, w) => {
      if (value === null) return void delete w.data[key];
      const n = parseDecimal(value);
      if (n === undefined) return void w.errors.push(`${key} must be a number (up to 11 digits and 4 decimals)`);
      w.data[key] = n;
    };
    const date: Writer = (key, value, w) => {
      if (value === null) return void delete w.data[key];
      if (!isDateOnly(value)) return void w.errors.push(`${key} must be a date written YYYY-MM-DD`);
      w.data[key] = value;
    };
    const bool: Writer = (key, value, w) => {
      if (value === null) return void delete w.data[key];
      if (typeof value !== 'boolean') return void w.errors.push(`${key} must be true or false`);
      w.data[key] = value;
    };
    const code = (choices: { id: number }[]): Writer => (key, value, w) => {
      if (value === null) return void delete w.data[key];
      const n = asId(value);
      if (n === undefined || !choices.some((c) => c.id === n)) return void w.errors.push(`Invalid ${key}: ${JSON.stringify(value)}`);
      w.data[key] = n;
    };
    const subscriptionTypes: Writer = (key, value, w) => {
      if (value === null) return void delete w.data[key];
      const parts = Array.isArray(value) ? value.map(String) : typeof value === 'string' ? value.split(';') : undefined;
      const ids = parts?.map((p) => asId(p.trim()));
      if (!ids || ids.some((n) => n === undefined || !SUBSCRIPTION_TYPES.some((c) => c.id === n))) {
        return void w.errors.push(`Invalid ${key}: ${JSON.stringify(value)} (expected ";"-separated subscription type ids)`);
      }
      w.data[key] = [...new Set(ids)].join(';');
    };
    const tags: Writer = (key, value, w) => {
      if (value === null) return void delete w.data[key];
      if (!Array.isArray(value) || value.some((t) => typeof t !== 'string')) return void w.errors.push('tags must be an array of strings');
      const incoming = value.map((t: string) => t.trim()).filter(Boolean);
      if (incoming.some((t) => t.length > SHORT_TEXT_MAX)) return void w.errors.push(`tags: a tag is too long (maximum is ${SHORT_TEXT_MAX} characters)`);
      // Replace or merge is uncertain in the notes; the flag picks, the client must read-merge-write either way.
      const base = this.opts.tagsOnWrite === 'merge' ? ((w.data.tags as string[] | undefined) ?? []) : [];
      const out = [...base];
      for (const t of incoming) if (!out.some((o) => o.toLowerCase() === t.toLowerCase())) out.push(t);
      w.data[key] = out;
    };
    const defer: Writer = (key, value, w) => {
      w.pending[key] = value;
    };
    const ref = this.ref;
    const owner = oneOf(() => ref.users.map((u) => u.id), 'owner');
    const territory = oneOf(() => ref.territories.map((t) => t.id), 'territory');
    const leadSource = oneOf(() => ref.leadSources.map((t) => t.id), 'lead source');
    const campaign = oneOf(() => ref.campaigns.map((t) => t.id), 'campaign');
    const social = { facebook: text(), twitter: text(), linkedin: text() };
    const place = { address: text(10_000), city: text(), state: text(), zipcode: text(), country: text() };
    return {
      contacts: {
        first_name: text(),
        last_name: text(),
        job_title: text(),
        mobile_number: text(),
        work_number: text(),
        ...place,
        time_zone: text(),
        external_id: text(),
        owner_id: owner,
        territory_id: territory,
        lead_source_id: leadSource,
        campaign_id: campaign,
        medium: text(),
        keyword: text(),
        subscription_status: code(SUBSCRIPTION_STATUS),
        subscription_types: subscriptionTypes,
        sms_subscription_status: code(MESSAGING_SUBSCRIPTION_STATUS),
        whatsapp_subscription_status: code(MESSAGING_SUBSCRIPTION_STATUS),
        unsubscription_reason: text(),
        do_not_disturb: bool,
        ...social,
        tags,
        emails: defer,
        lifecycle_stage_id: defer,
        contact_status_id: defer,
        sales_accounts: defer,
      },
      sales_accounts: {
        name: text(),
        website: text(),
        phone: text(),
        ...place,
        number_of_employees: int(0, 99_999_999_999),
        annual_revenue: decimal,
        industry_type_id: oneOf(() => ref.industryTypes.map((t) => t.id), 'industry type'),
        business_type_id: oneOf(() => ref.businessTypes.map((t) => t.id), 'business type'),
        owner_id: owner,
        territory_id: territory,
        parent_sales_account_id: record('sales_accounts'),
        ...social,
        tags,
      },
      deals: {
        name: text(),
        amount: (key, value, w) => {
          if (value === null) return void delete w.data[key];
          const n = parseDecimal(value);
          if (n === undefined) return void w.errors.push('amount must be a number (up to 11 digits and 4 decimals)');
          // Amounts read back as strings [DOC].
          w.data[key] = amountString(n);
        },
        currency_id: oneOf(() => ref.currencies.map((c) => c.id), 'currency'),
        sales_account_id: record('sales_accounts'),
        owner_id: owner,
        expected_close: date,
        probability: int(0, 100),
        deal_type_id: oneOf(() => ref.dealTypes.map((t) => t.id), 'deal type'),
        deal_reason_id: oneOf(() => ref.dealReasons.map((t) => t.id), 'deal reason'),
        lead_source_id: leadSource,
        campaign_id: campaign,
        territory_id: territory,
        tags,
        deal_pipeline_id: defer,
        deal_stage_id: defer,
        contacts_added_list: defer,
        contacts_removed_list: defer,
      },
    };
  }

  /** Emails, lifecycle stage/status, account links and the contact's unique keys. */
  private finishContact(w: WriteState): void {
    const { pending, data, errors, existing } = w;
    if ('emails' in pending) {
      const parsed = parseEmails(pending.emails, errors);
      if (parsed) {
        const old = (existing?.data.emails as EmailEntry[] | undefined) ?? [];
        data.emails = parsed.map((e) => ({
          ...e,
          // Keep an email's id when the same address is written again.
          id: old.find((o) => o.value.toLowerCase() === e.value.toLowerCase())?.id ?? this.seqs.emails.take(),
        }));
      }
    }
    const emails = (data.emails as EmailEntry[] | undefined) ?? [];
    if (emails.length === 0 && (!existing || 'emails' in pending)) errors.push('Need to fill this Email');
    for (const e of emails) {
      const owner = this.emailIndex.get(e.value.toLowerCase());
      if (owner !== undefined && owner !== existing?.id && this.stores.contacts.get(owner)) errors.push(`${e.value} already exists.`);
    }
    if (this.opts.uniqueMobileNumber && typeof data.mobile_number === 'string' && data.mobile_number) {
      const owner = this.mobileIndex.get(data.mobile_number);
      if (owner !== undefined && owner !== existing?.id) errors.push(`${data.mobile_number} already exists.`);
    }
    this.resolveLifecycle(w);
    if ('sales_accounts' in pending) {
      const v = pending.sales_accounts;
      if (v === null || (Array.isArray(v) && v.length === 0)) delete data.sales_accounts;
      else if (!Array.isArray(v) || v.some((x) => !isObject(x))) errors.push('sales_accounts must be an array of {"id","is_primary"}');
      else {
        const links: Array<{ id: number; is_primary: boolean }> = [];
        for (const item of v as Array<Record<string, unknown>>) {
          const id = asId(item.id);
          if (id === undefined || !this.stores.sales_accounts.get(id)) {
            errors.push(`sales_accounts: sales_account ${JSON.stringify(item.id)} does not exist`);
            continue;
          }
          if (!links.some((l) => l.id === id)) links.push({ id, is_primary: item.is_primary === true });
        }
        // Exactly one primary account: the first one flagged, else the first one.
        const primary = Math.max(0, links.findIndex((l) => l.is_primary));
        links.forEach((l, i) => (l.is_primary = i === primary));
        if (links.length > 0) data.sales_accounts = links;
      }
    }
  }

  private resolveLifecycle(w: WriteState): void {
    const { pending, data, errors, existing } = w;
    const invalid = 'Invalid contact status provided.';
    const stageGiven = 'lifecycle_stage_id' in pending;
    const statusGiven = 'contact_status_id' in pending;
    if (!stageGiven && !statusGiven) {
      if (!existing) {
        const first = this.ref.lifecycleStages[0]!;
        data.lifecycle_stage_id = first.id;
        data.contact_status_id = first.contact_status_ids[0];
      }
      return;
    }
    const stage = stageGiven ? this.ref.lifecycleStages.find((s) => s.id === asId(pending.lifecycle_stage_id)) : undefined;
    const status = statusGiven ? this.ref.contactStatuses.find((s) => s.id === asId(pending.contact_status_id)) : undefined;
    if ((stageGiven && !stage) || (statusGiven && !status)) return void errors.push(invalid);
    if (stage && status) {
      if (status.lifecycle_stage_id !== stage.id) return void errors.push(invalid);
      data.lifecycle_stage_id = stage.id;
      data.contact_status_id = status.id;
    } else if (status) {
      // A status alone moves the contact to the stage that status belongs to.
      data.lifecycle_stage_id = status.lifecycle_stage_id;
      data.contact_status_id = status.id;
    } else if (stage) {
      const current = this.ref.contactStatuses.find((s) => s.id === data.contact_status_id);
      data.lifecycle_stage_id = stage.id;
      if (current?.lifecycle_stage_id !== stage.id) data.contact_status_id = stage.contact_status_ids[0];
    }
  }

  private finishAccount(w: WriteState): void {
    const { data, errors, existing } = w;
    const name = typeof data.name === 'string' ? data.name.trim() : '';
    if (!name) return void errors.push('Need to fill this Name');
    const owner = this.accountNameIndex.get(name.toLowerCase());
    if (owner !== undefined && owner !== existing?.id && this.stores.sales_accounts.get(owner)) errors.push(`${name} already exists.`);
  }

  private finishDeal(w: WriteState): void {
    const { pending, data, errors, existing } = w;
    if (typeof data.name !== 'string' || !data.name.trim()) errors.push('Need to fill this Name');
    if (this.opts.requireDealAccount && data.sales_account_id === undefined) errors.push('Need to fill this Account name');
    if (!existing && data.owner_id === undefined) data.owner_id = this.keyUserId;

    const pipelineGiven = 'deal_pipeline_id' in pending && pending.deal_pipeline_id !== null;
    const stageGiven = 'deal_stage_id' in pending && pending.deal_stage_id !== null;
    const pipeline = pipelineGiven ? this.ref.dealPipelines.find((p) => p.id === asId(pending.deal_pipeline_id)) : undefined;
    const stage = stageGiven ? this.ref.dealStages.find((s) => s.id === asId(pending.deal_stage_id)) : undefined;
    if (pipelineGiven && !pipeline) errors.push('Invalid deal pipeline provided.');
    if (stageGiven && !stage) errors.push('Invalid deal stage provided.');
    const before = data.deal_stage_id;
    if (stage && pipeline && stage.deal_pipeline_id !== pipeline.id) errors.push('Invalid deal stage provided.');
    else if (stage) {
      data.deal_stage_id = stage.id;
      data.deal_pipeline_id = stage.deal_pipeline_id;
    } else if (pipeline) {
      data.deal_pipeline_id = pipeline.id;
      const current = this.ref.dealStages.find((s) => s.id === data.deal_stage_id);
      if (current?.deal_pipeline_id !== pipeline.id) data.deal_stage_id = this.ref.dealStages.find((s) => s.deal_pipeline_id === pipeline.id)?.id;
    } else if (data.deal_stage_id === undefined) {
      const def = this.ref.dealPipelines.find((p) => p.is_default)!;
      data.deal_pipeline_id = def.id;
      data.deal_stage_id = this.ref.dealStages.find((s) => s.deal_pipeline_id === def.id)?.id;
    }
    if (data.deal_stage_id !== before) {
      const now = this.opts.now();
      const s = this.ref.dealStages.find((x) => x.id === data.deal_stage_id);
      data.stage_updated_time = new Date(now).toISOString();
      data.closed_date = s && s.forecast_type !== 'Open' ? new Date(now).toISOString().slice(0, 10) : undefined;
      if (data.closed_date === undefined) delete data.closed_date;
    }

    const contacts = new Set((data.contact_ids as number[] | undefined) ?? []);
    const idList = (key: string): number[] | undefined => {
      const v = pending[key];
      if (v === undefined || v === null) return [];
      if (!Array.isArray(v)) return void errors.push(`${key} must be an array of contact ids`);
      const out: number[] = [];
      for (const x of v) {
        const id = asId(x);
        if (id === undefined || !this.stores.contacts.get(id)) errors.push(`${key}: contact ${JSON.stringify(x)} does not exist`);
        else out.push(id);
      }
      return out;
    };
    for (const id of idList('contacts_added_list') ?? []) contacts.add(id);
    for (const id of idList('contacts_removed_list') ?? []) contacts.delete(id);
    if (contacts.size > 0) data.contact_ids = [...contacts];
    else delete data.contact_ids;
  }
}

/** Parse the three accepted `emails` shapes into entries with exactly one primary. */
function parseEmails(value: unknown, errors: string[]): Array<Omit<EmailEntry, 'id'>> | undefined {
  if (value === null) return [];
  const items: unknown[] = typeof value === 'string' ? (value.trim() ? [value] : []) : Array.isArray(value) ? value : [undefined];
  const out: Array<Omit<EmailEntry, 'id'>> = [];
  for (const item of items) {
    let entry: Omit<EmailEntry, 'id'>;
    if (typeof item === 'string') entry = { value: item.trim(), is_primary: false, label: null };
    else if (isObject(item) && typeof item.value === 'string') {
      entry = { value: item.value.trim(), is_primary: item.is_primary === true, label: typeof item.label === 'string' ? item.label : null };
    } else {
      errors.push('emails must be a string, an array of strings or an array of {"value","is_primary","label"}');
      return undefined;
    }
    if (!EMAIL_RE.test(entry.value) || entry.value.length > 254) {
      errors.push(`${entry.value} is not a valid email address`);
      continue;
    }
    if (!out.some((o) => o.value.toLowerCase() === entry.value.toLowerCase())) out.push(entry);
  }
  const primary = Math.max(0, out.findIndex((e) => e.is_primary));
  out.forEach((e, i) => (e.is_primary = i === primary));
  return out;
}
