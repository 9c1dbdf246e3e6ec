/**
 * Tasks, sales activities, notes and documents: the records hung on contacts, accounts
 * and deals. None of them has a bulk endpoint [DOC]; each must name an existing target
 * by `targetable_type` (Contact | SalesAccount | Deal) and `targetable_id`.
 */
import type { Plan } from './catalogue.js';
import { ApiError, failIfAny } from './errors.js';
import { IdSequence, subSeed } from './ids.js';
import { type Part } from './multipart.js';
import { iso, readCustom, type Stamp } from './read-shapes.js';
import type { RecordEntity } from './records.js';
import type { SalesActivityType } from './reference-data.js';
import { type Tenant, writeCustomFields } from './tenant.js';
import { asId, asText, isIsoDateTime } from './values.js';
import { pageParams } from './views.js';

/** Largest document Freshsales accepts [DOC]. */
export const MAX_DOCUMENT_BYTES = 150 * 1024 * 1024;
/** Document storage per user per plan [DOC]; pooled across the account's active users. */
export const STORAGE_PER_USER: Record<Plan, number> = { free: 0, growth: 2 * 1024 ** 3, pro: 5 * 1024 ** 3, enterprise: 100 * 1024 ** 3 };

const TARGETS: Record<string, RecordEntity> = { Contact: 'contacts', SalesAccount: 'sales_accounts', Deal: 'deals' };

/** The four activity kinds, as snapshot keys. */
export type ActivityKind = 'tasks' | 'sales_activities' | 'notes' | 'documents';

interface Item {
  id: number;
  data: Record<string, unknown>;
  custom: Record<string, string | number | boolean>;
  createdAt: number;
  updatedAt: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Activity stores and their validation, for one tenant. */
export class Activities {
  private readonly items: Record<ActivityKind, Map<number, Item>> = { tasks: new Map(), sales_activities: new Map(), notes: new Map(), documents: new Map() };
  private readonly seqs: Record<ActivityKind, IdSequence>;
  private storageUsed = 0;

  constructor(
    private readonly tenant: Tenant,
    private readonly opts: {
      stamp: Stamp;
      /**
       * How task answers carry their link [LIVE, recorded]: `targetable` = `{"targetable":
       * {"type":"contact","id":N}}` when the request says `include=targetable` (no link otherwise);
       * `targetables` = always a `targetables: [{type, id}]` list. Never flat keys.
       */
      taskLink: 'targetable' | 'targetables';
      /** Task list `meta`: only `total` (recorded) or with `total_pages` too. */
      taskListMeta: 'total' | 'total_pages';
      /**
       * How sales activity answers read [?] (nothing recorded): `flat` = the link as written
       * (`targetable_type`, `targetable_id`) and list `meta` with `total_pages` and `total`;
       * `like_tasks` = as tasks were recorded reading: the link as `targetable: {type, id}`
       * (lower-case type) and list `meta` with only `total`.
       */
      salesActivityReads?: 'flat' | 'like_tasks';
    },
  ) {
    const seed = tenant.opts.seed;
    this.seqs = {
      tasks: new IdSequence(subSeed(seed, 11)),
      sales_activities: new IdSequence(subSeed(seed, 12)),
      notes: new IdSequence(subSeed(seed, 13)),
      documents: new IdSequence(subSeed(seed, 14)),
    };
    this.typeIds = new IdSequence(subSeed(seed, 15));
  }

  private readonly typeIds: IdSequence;

  /**
   * A custom sales activity type, as an admin creates one in Admin Settings → Sales activities
   * (no public API creates types): listed by the selector and offered by the "Activity type"
   * field from then on. A name already taken (any case) is a 400.
   */
  addSalesActivityType(name: unknown): SalesActivityType {
    const n = typeof name === 'string' ? name.trim() : '';
    if (!n) throw new ApiError(400, ['Name is required']);
    if (n.length > 255) throw new ApiError(400, ['Name is too long (maximum is 255 characters)']);
    const types = this.tenant.ref.salesActivityTypes;
    if (types.some((t) => t.name.toLowerCase() === n.toLowerCase())) throw new ApiError(400, [`Name "${n}" has already been taken`]);
    const type: SalesActivityType = { id: this.typeIds.take(), name: n, internal_name: n.toLowerCase().replace(/[^a-z0-9]+/g, '_'), is_default: false };
    types.push(type);
    this.tenant.catalogues.sales_activities.standardField('sales_activity_type_id')?.choices.push({ id: type.id, value: type.name });
    return type;
  }

  private now(): number {
    return this.tenant.opts.now();
  }

  /** Check `targetable_type`/`targetable_id` and copy them into `data`. */
  private target(src: Record<string, unknown>, data: Record<string, unknown>, errors: string[], required: boolean): void {
    const hasType = src.targetable_type !== undefined && src.targetable_type !== null;
    const hasId = src.targetable_id !== undefined && src.targetable_id !== null;
    if (!hasType && !hasId) {
      if (required && data.targetable_id === undefined) errors.push('targetable_type and targetable_id are required');
      return;
    }
    const entity = TARGETS[String(src.targetable_type ?? data.targetable_type)];
    if (!entity) return void errors.push('targetable_type must be Contact, SalesAccount or Deal');
    const id = asId(src.targetable_id ?? data.targetable_id);
    if (id === undefined || !this.tenant.stores[entity].get(id)) return void errors.push(`targetable_id ${JSON.stringify(src.targetable_id)} does not exist`);
    data.targetable_type = String(src.targetable_type ?? data.targetable_type);
    data.targetable_id = id;
  }

  private owner(src: Record<string, unknown>, data: Record<string, unknown>, errors: string[]): void {
    if (src.owner_id === undefined) {
      if (data.owner_id === undefined) data.owner_id = this.tenant.keyUserId;
      return;
    }
    const id = asId(src.owner_id);
    if (id === undefined || !this.tenant.ref.users.some((u) => u.id === id)) return void errors.push(`Invalid owner provided: ${JSON.stringify(src.owner_id)}`);
    data.owner_id = id;
  }

  private textInto(src: Record<string, unknown>, data: Record<string, unknown>, key: string, max: number, errors: string[]): void {
    if (!(key in src)) return;
    if (src[key] === null) return void delete data[key];
    const t = asText(src[key]);
    if (t === undefined) return void errors.push(`${key} must be text`);
    if (t.length > max) return void errors.push(`${key} is too long (maximum is ${max} characters)`);
    data[key] = t;
  }

  private dateInto(src: Record<string, unknown>, data: Record<string, unknown>, key: string, errors: string[]): void {
    if (!(key in src)) return;
    if (src[key] === null) return void delete data[key];
    if (!isIsoDateTime(src[key])) return void errors.push(`${key} must be an ISO 8601 date-time`);
    data[key] = new Date(Date.parse(src[key] as string)).toISOString();
  }

  private save(kind: ActivityKind, existing: Item | undefined, data: Record<string, unknown>, custom: Item['custom']): Item {
    const now = this.now();
    if (existing) {
      existing.data = data;
      existing.custom = custom;
      existing.updatedAt = Math.max(now, existing.updatedAt + 1);
      return existing;
    }
    const item: Item = { id: this.seqs[kind].take(), data, custom, createdAt: now, updatedAt: now };
    this.items[kind].set(item.id, item);
    return item;
  }

  /** A stored item or 404. */
  get(kind: ActivityKind, id: string): Item {
    const item = this.items[kind].get(Number(id));
    if (!item) throw new ApiError(404, [`${kind.replace(/s$/, '')} not found`]);
    return item;
  }

  /** Hard delete (activities do not come back in any read). */
  remove(kind: ActivityKind, id: string): void {
    const item = this.get(kind, id);
    if (kind === 'documents') this.storageUsed -= Number(item.data.file_size ?? 0);
    this.items[kind].delete(item.id);
  }

  /** Create or partially update a task [DOC]: title and due_date required, status 0 open / 1 done. */
  writeTask(payload: unknown, id?: string): Item {
    if (!isObject(payload)) throw new ApiError(400, ['param is missing or the value is empty: task']);
    const existing = id === undefined ? undefined : this.get('tasks', id);
    const data = { ...(existing?.data ?? {}) };
    const custom = { ...(existing?.custom ?? {}) };
    const errors: string[] = [];
    this.textInto(payload, data, 'title', 255, errors);
    this.textInto(payload, data, 'description', 10_000, errors);
    this.dateInto(payload, data, 'due_date', errors);
    if (!data.title || !String(data.title).trim()) errors.push("Title can't be blank");
    if (!data.due_date) errors.push("Due date can't be blank");
    this.target(payload, data, errors, true);
    this.owner(payload, data, errors);
    if ('status' in payload) {
      const s = asId(payload.status);
      if (s !== 0 && s !== 1) errors.push('status must be 0 (open) or 1 (completed)');
      else {
        if (s === 1 && data.status !== 1) data.completed_date = iso(this.now());
        if (s === 0) delete data.completed_date;
        data.status = s;
      }
    } else if (data.status === undefined) data.status = 0;
    if ('outcome_id' in payload && payload.outcome_id !== null) {
      const o = asId(payload.outcome_id);
      if (o === undefined || !this.tenant.ref.salesActivityOutcomes.some((x) => x.id === o)) errors.push(`Invalid outcome provided: ${JSON.stringify(payload.outcome_id)}`);
      else data.outcome_id = o;
    }
    if ('task_type_id' in payload && payload.task_type_id !== null) {
      const t = asId(payload.task_type_id);
      if (t === undefined || !this.tenant.ref.taskTypes.some((x) => x.id === t)) errors.push(`Invalid task type provided: ${JSON.stringify(payload.task_type_id)}`);
      else data.task_type_id = t;
    }
    // Tasks have no custom field catalogue in the fields endpoint: any cf_ key is unknown.
    writeCustomFields(undefined, this.tenant.opts.unknownCustomField, payload.custom_field, custom, errors);
    failIfAny(errors);
    return this.save('tasks', existing, data, custom);
  }

  /** `GET /api/tasks?filter=` [DOC]. */
  listTasks(query: URLSearchParams): { items: Item[]; total: number; totalPages: number } {
    const filter = query.get('filter') ?? 'open';
    const now = this.now();
    const day = (t: number) => new Date(t).toISOString().slice(0, 10);
    const due = (i: Item) => Date.parse(String(i.data.due_date));
    const tests: Record<string, (i: Item) => boolean> = {
      open: (i) => i.data.status !== 1,
      completed: (i) => i.data.status === 1,
      due_today: (i) => i.data.status !== 1 && day(due(i)) === day(now),
      due_tomorrow: (i) => i.data.status !== 1 && day(due(i)) === day(now + 86_400_000),
      overdue: (i) => i.data.status !== 1 && due(i) < now,
    };
    const test = tests[filter];
    if (!test) throw new ApiError(400, [`Invalid filter "${filter}" (use ${Object.keys(tests).join(', ')})`]);
    return this.paged([...this.items.tasks.values()].filter(test), query);
  }

  private paged(all: Item[], query: URLSearchParams): { items: Item[]; total: number; totalPages: number } {
    const { page, perPage } = pageParams({ page: query.get('page') ?? undefined, per_page: query.get('per_page') ?? undefined });
    return { items: all.slice((page - 1) * perPage, page * perPage), total: all.length, totalPages: Math.ceil(all.length / perPage) };
  }

  /** Create or update a sales activity [DOC]: `sales_activity_type_id` required. */
  writeSalesActivity(payload: unknown, id?: string): Item {
    if (!isObject(payload)) throw new ApiError(400, ['param is missing or the value is empty: sales_activity']);
    const existing = id === undefined ? undefined : this.get('sales_activities', id);
    const data = { ...(existing?.data ?? {}) };
    const custom = { ...(existing?.custom ?? {}) };
    const errors: string[] = [];
    const ref = this.tenant.ref;
    if ('sales_activity_type_id' in payload) {
      const t = asId(payload.sales_activity_type_id);
      if (t === undefined || !ref.salesActivityTypes.some((x) => x.id === t)) errors.push(`Invalid sales activity type provided: ${JSON.stringify(payload.sales_activity_type_id)}`);
      else data.sales_activity_type_id = t;
    } else if (data.sales_activity_type_id === undefined) errors.push("Sales activity type can't be blank");
    if ('sales_activity_outcome_id' in payload && payload.sales_activity_outcome_id !== null) {
      const o = ref.salesActivityOutcomes.find((x) => x.id === asId(payload.sales_activity_outcome_id));
      if (!o) errors.push(`Invalid outcome provided: ${JSON.stringify(payload.sales_activity_outcome_id)}`);
      else if (data.sales_activity_type_id !== undefined && o.sales_activity_type_id !== data.sales_activity_type_id) errors.push('The outcome does not belong to this sales activity type');
      else data.sales_activity_outcome_id = o.id;
    }
    this.textInto(payload, data, 'title', 255, errors);
    this.textInto(payload, data, 'notes', 10_000, errors);
    this.dateInto(payload, data, 'start_date', errors);
    this.dateInto(payload, data, 'end_date', errors);
    if (typeof data.start_date === 'string' && typeof data.end_date === 'string' && data.end_date < data.start_date) {
      errors.push('end_date must not be before start_date');
    }
    this.target(payload, data, errors, false);
    this.owner(payload, data, errors);
    writeCustomFields(this.tenant.catalogues.sales_activities, this.tenant.opts.unknownCustomField, payload.custom_field, custom, errors);
    failIfAny(errors);
    return this.save('sales_activities', existing, data, custom);
  }

  /** `GET /api/sales_activities` (paged). */
  listSalesActivities(query: URLSearchParams): { items: Item[]; total: number; totalPages: number } {
    return this.paged([...this.items.sales_activities.values()], query);
  }

  /** `meta` of a sales activity listing (see `salesActivityReads`). */
  salesActivityListMeta(r: { total: number; totalPages: number }): Record<string, number> {
    return this.opts.salesActivityReads === 'like_tasks' ? { total: r.total } : { total_pages: r.totalPages, total: r.total };
  }

  /** Create or update a note [DOC]: an empty description is a 400. */
  writeNote(payload: unknown, id?: string): Item {
    if (!isObject(payload)) throw new ApiError(400, ['param is missing or the value is empty: note']);
    const existing = id === undefined ? undefined : this.get('notes', id);
    const data = { ...(existing?.data ?? {}) };
    const errors: string[] = [];
    this.textInto(payload, data, 'description', 65_535, errors);
    if (typeof data.description !== 'string' || !data.description.trim()) errors.push("Description can't be blank");
    this.target(payload, data, errors, true);
    if (!existing) data.creater_id = this.tenant.keyUserId;
    failIfAny(errors);
    return this.save('notes', existing, data, {});
  }

  /** Store a document's metadata from multipart parts [DOC]: ≤150 MB, within the plan's storage. */
  writeDocument(parts: Part[]): Item {
    const field = (name: string) => parts.find((p) => p.name === name && p.filename === undefined)?.data.toString('utf8');
    const file = parts.find((p) => p.name === 'file');
    const errors: string[] = [];
    if (!file) errors.push("File can't be blank");
    const data: Record<string, unknown> = {};
    this.target({ targetable_type: field('targetable_type'), targetable_id: field('targetable_id') }, data, errors, true);
    failIfAny(errors);
    const size = file!.data.length;
    if (size > MAX_DOCUMENT_BYTES) throw new ApiError(400, ['File size should be less than 150 MB']);
    const activeUsers = this.tenant.ref.users.filter((u) => u.is_active).length;
    if (this.storageUsed + size > STORAGE_PER_USER[this.tenant.opts.plan] * activeUsers) {
      throw new ApiError(400, [`Storage limit of the ${this.tenant.opts.plan} plan exceeded`]);
    }
    this.storageUsed += size;
    data.name = field('file_name') || file!.filename || 'file';
    data.content_type = file!.contentType ?? 'application/octet-stream';
    data.file_size = size;
    data.owner_id = this.tenant.keyUserId;
    data.is_shared = field('is_shared') === 'true';
    return this.save('documents', undefined, data, {});
  }

  /**
   * An item in its read shape: timestamps in the account's form; a task's link as the account
   * answers it (see `taskLink`), with `include` the request's `include` query value. `admin`
   * gives the flat stored form (the `/__sim/state` view).
   */
  read(kind: ActivityKind, item: Item, include: string | null = null, admin = false): Record<string, unknown> {
    const out: Record<string, unknown> = { id: item.id };
    const keys: Record<ActivityKind, string[]> = {
      tasks: ['title', 'description', 'due_date', 'owner_id', 'status', 'outcome_id', 'task_type_id', 'completed_date'],
      sales_activities: ['title', 'sales_activity_type_id', 'sales_activity_outcome_id', 'start_date', 'end_date', 'notes', 'owner_id', 'targetable_type', 'targetable_id'],
      notes: ['description', 'targetable_type', 'targetable_id', 'creater_id'],
      documents: ['name', 'content_type', 'file_size', 'targetable_type', 'targetable_id', 'owner_id', 'is_shared'],
    };
    const stamp = admin ? iso : this.opts.stamp;
    for (const k of keys[kind]) {
      const v = item.data[k] ?? null;
      // Date-times are stored as UTC instants and answered in the account's form.
      out[k] = typeof v === 'string' && (k === 'due_date' || k === 'completed_date' || k === 'start_date' || k === 'end_date') ? stamp(Date.parse(v)) : v;
    }
    if (kind === 'tasks') {
      out.creater_id = this.tenant.keyUserId;
      out.updater_id = this.tenant.keyUserId;
      out.user_ids = [item.data.owner_id ?? this.tenant.keyUserId];
      const link = item.data.targetable_type ? { type: String(item.data.targetable_type).toLowerCase().replace('salesaccount', 'sales_account'), id: item.data.targetable_id } : null;
      if (admin) {
        out.targetable_type = item.data.targetable_type ?? null;
        out.targetable_id = item.data.targetable_id ?? null;
      } else if (this.opts.taskLink === 'targetables') out.targetables = link ? [link] : [];
      else if ((include ?? '').split(',').map((x) => x.trim()).includes('targetable')) out.targetable = link;
    }
    if (kind === 'sales_activities') {
      out.custom_field = readCustom(this.tenant.catalogues.sales_activities, item.custom);
      if (!admin && this.opts.salesActivityReads === 'like_tasks') {
        out.targetable = item.data.targetable_type ? { type: String(item.data.targetable_type).toLowerCase().replace('salesaccount', 'sales_account'), id: item.data.targetable_id } : null;
        delete out.targetable_type;
        delete out.targetable_id;
      }
    }
    out.created_at = stamp(item.createdAt);
    out.updated_at = stamp(item.updatedAt);
    return out;
  }

  /** `meta` of a task listing. */
  taskListMeta(r: { total: number; totalPages: number }): Record<string, number> {
    return this.opts.taskListMeta === 'total' ? { total: r.total } : { total: r.total, total_pages: r.totalPages };
  }

  /** Every item of a kind in read shape. */
  all(kind: ActivityKind): Record<string, unknown>[] {
    return [...this.items[kind].values()].map((i) => this.read(kind, i, null, true));
  }
}
