/**
 * In-memory storage of contacts, sales accounts and deals. Records are stored sparse
 * (only the fields that were written) so 200,000 contacts stay small; the full read
 * shape is built on the way out. Deletes are soft [LIVE]: the record stays in the map,
 * flagged, so ids are never reused and a later GET answers 404.
 */

/** The three record entities with CRUD, views, upsert and bulk endpoints. */
export type RecordEntity = 'contacts' | 'sales_accounts' | 'deals';

/** Every record entity, in a fixed order. */
export const RECORD_ENTITIES: readonly RecordEntity[] = ['contacts', 'sales_accounts', 'deals'];

/** Singular wrapper key per entity (`{"contact":{...}}`) [DOC]. */
export const SINGULAR: Record<RecordEntity, string> = { contacts: 'contact', sales_accounts: 'sales_account', deals: 'deal' };

/** Model class name per entity, as views, tasks and search name it. */
export const MODEL_CLASS: Record<RecordEntity, string> = { contacts: 'Contact', sales_accounts: 'SalesAccount', deals: 'Deal' };

/** One email of a contact, as stored and as read back. */
export interface EmailEntry {
  id: number;
  value: string;
  is_primary: boolean;
  label: string | null;
}

/** A stored record. `data` holds only standard fields that are set; `custom` only set custom values. */
export interface Rec {
  id: number;
  data: Record<string, unknown>;
  custom: Record<string, string | number | boolean>;
  /** Wall-clock ms (never scaled): these become created_at / updated_at. */
  createdAt: number;
  updatedAt: number;
  deleted: boolean;
}

/** The records of one entity, with a version counter that changes on every write. */
export class RecordStore {
  private readonly byId = new Map<number, Rec>();
  private liveCount = 0;
  /** Bumped on every insert, update and delete; caches (sorted views) key on it. */
  version = 0;

  constructor(readonly entity: RecordEntity) {}

  /** The live (non-deleted) record with this id. */
  get(id: number): Rec | undefined {
    const rec = this.byId.get(id);
    return rec && !rec.deleted ? rec : undefined;
  }

  /** Add a new record. */
  insert(rec: Rec): void {
    this.byId.set(rec.id, rec);
    this.liveCount++;
    this.version++;
  }

  /** Note that a record changed in place. */
  touch(): void {
    this.version++;
  }

  /** Soft-delete: the record stays (ids are never reused) but disappears from every read. */
  softDelete(rec: Rec): void {
    if (rec.deleted) return;
    rec.deleted = true;
    this.liveCount--;
    this.version++;
  }

  /** Number of live records. */
  get size(): number {
    return this.liveCount;
  }

  /** Live records in insertion order. */
  *live(): IterableIterator<Rec> {
    for (const rec of this.byId.values()) if (!rec.deleted) yield rec;
  }
}
