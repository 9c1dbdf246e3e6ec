/**
 * The `list/*` query language of the Xtremepush external API: `condition` (triples
 * ANDed, or the `{"0":…, "operator":"AND"|"OR"}` object form, nested), `select`,
 * `order`, `limit`, `offset` [C]; and a table that answers it without scanning when it
 * can (keyset paging on the numeric id).
 *
 * Semantics where the docs are silent [A], chosen the way a MySQL-backed API behaves:
 * - Values compare numerically when both sides read as numbers (so `profile_id > "9999"`
 *   is numeric although ids are digit strings), otherwise by code units (binary, case-sensitive).
 * - A missing or null field fails every comparison, `!=` and `NOT IN` included; only
 *   `= null` (IS NULL) and `!= null` (IS NOT NULL) match it. Booleans compare as 1/0.
 * - Unknown fields in `condition` or `order` are a 400 naming them; in `select` they are ignored.
 * - `limit` defaults to 100 and is silently capped at the page cap (1000): a client asking
 *   for more gets a short page and, if it stops on short pages, stops early.
 * - Rows that tie on every `order` key come back in id order; the real API promises nothing.
 */
import { asNumber, compareScalars } from '../generator/segment-rules.js';

/** A row of any model. */
export type Row = Record<string, unknown>;

/** A bad query: answered with 400, the message naming the offending part. */
export class QueryError extends Error {
  constructor(message: string, readonly details: string[] = []) {
    super(message);
    this.name = 'QueryError';
  }
}

/** Comparison operators the API accepts [C]. */
export const OPERATORS = ['=', '!=', '>', '<', '>=', '<=', 'IN', 'NOT IN'] as const;
/** One of OPERATORS. */
export type Operator = (typeof OPERATORS)[number];

/** A parsed condition. */
export type ConditionNode =
  | { kind: 'leaf'; field: string; op: Operator; value: unknown }
  | { kind: 'group'; op: 'AND' | 'OR'; children: ConditionNode[] };

/** One `order` entry. */
export interface OrderKey {
  field: string;
  desc: boolean;
}

/** A validated list request. */
export interface ListQuery {
  condition: ConditionNode | null;
  select: string[] | null;
  order: OrderKey[];
  limit: number;
  offset: number;
}

const isScalar = (v: unknown) => v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

function parseNode(raw: unknown, where: string, known: (f: string) => boolean): ConditionNode {
  if (Array.isArray(raw)) {
    // A triple is an array whose first element is a string; anything else is a list of conditions.
    if (typeof raw[0] === 'string') return parseTriple(raw, where, known);
    return { kind: 'group', op: 'AND', children: raw.map((c, k) => parseNode(c, `${where}[${k}]`, known)) };
  }
  if (raw !== null && typeof raw === 'object') {
    const obj = raw as Record<string, unknown>;
    const op = obj.operator ?? 'AND';
    if (op !== 'AND' && op !== 'OR') throw new QueryError(`${where}.operator must be "AND" or "OR", got ${JSON.stringify(op)}`);
    const children: ConditionNode[] = [];
    for (const key of Object.keys(obj)) {
      if (key === 'operator') continue;
      if (!/^\d+$/.test(key)) throw new QueryError(`${where}: unexpected key "${key}" (expected "0", "1", … and "operator")`);
    }
    for (let k = 0; obj[String(k)] !== undefined; k++) children.push(parseNode(obj[String(k)], `${where}.${k}`, known));
    if (children.length !== Object.keys(obj).filter((x) => x !== 'operator').length) {
      throw new QueryError(`${where}: condition keys must run "0", "1", … without gaps`);
    }
    return { kind: 'group', op, children };
  }
  throw new QueryError(`${where}: expected [field, operator, value] or {"0": …, "operator": …}, got ${JSON.stringify(raw)}`);
}

function parseTriple(raw: unknown[], where: string, known: (f: string) => boolean): ConditionNode {
  if (raw.length !== 3) throw new QueryError(`${where}: expected [field, operator, value], got ${raw.length} elements`);
  const [field, op, value] = raw as [string, unknown, unknown];
  if (!known(field)) throw new QueryError(`${where}: unknown field "${field}"`);
  if (typeof op !== 'string' || !(OPERATORS as readonly string[]).includes(op)) {
    throw new QueryError(`${where}: unknown operator ${JSON.stringify(op)} (allowed: ${OPERATORS.join(' ')})`);
  }
  const o = op as Operator;
  if (o === 'IN' || o === 'NOT IN') {
    if (!Array.isArray(value) || value.length === 0) throw new QueryError(`${where}: ${o} needs a non-empty array value`);
    if (!value.every(isScalar)) throw new QueryError(`${where}: ${o} values must be strings, numbers or booleans`);
  } else if (!isScalar(value)) {
    throw new QueryError(`${where}: ${o} needs a string, number, boolean or null value`);
  }
  return { kind: 'leaf', field, op: o, value };
}

/** Parse `condition`; null/undefined/empty means no filter. */
export function parseCondition(raw: unknown, known: (f: string) => boolean): ConditionNode | null {
  if (raw === undefined || raw === null) return null;
  if (Array.isArray(raw) && raw.length === 0) return null;
  if (typeof raw === 'object' && !Array.isArray(raw) && Object.keys(raw as object).length === 0) return null;
  if (typeof raw !== 'object') throw new QueryError(`condition must be an array of [field, operator, value] or an object, got ${typeof raw}`);
  if (Array.isArray(raw)) {
    // A bare triple is not a list of triples; the API would read "profile_id" as a condition.
    if (typeof raw[0] === 'string') throw new QueryError('condition must be a list of [field, operator, value] triples, e.g. [["profile_id", ">", "100"]]');
    return { kind: 'group', op: 'AND', children: raw.map((c, k) => parseNode(c, `condition[${k}]`, known)) };
  }
  return parseNode(raw, 'condition', known);
}

function leafMatches(node: Extract<ConditionNode, { kind: 'leaf' }>, row: Row): boolean {
  const v = row[node.field];
  const missing = v === undefined || v === null;
  if (node.value === null) {
    if (node.op === '=') return missing;
    if (node.op === '!=') return !missing;
    return false;
  }
  if (missing) return false;
  switch (node.op) {
    case '=': return compareScalars(v, node.value) === 0;
    case '!=': return compareScalars(v, node.value) !== 0;
    case '>': return compareScalars(v, node.value) > 0;
    case '<': return compareScalars(v, node.value) < 0;
    case '>=': return compareScalars(v, node.value) >= 0;
    case '<=': return compareScalars(v, node.value) <= 0;
    case 'IN': return (node.value as unknown[]).some((x) => x !== null && compareScalars(v, x) === 0);
    case 'NOT IN': return !(node.value as unknown[]).some((x) => x !== null && compareScalars(v, x) === 0);
  }
}

/** True when `row` satisfies the condition (null = every row). */
export function matches(node: ConditionNode | null, row: Row): boolean {
  if (node === null) return true;
  if (node.kind === 'leaf') return leafMatches(node, row);
  return node.op === 'AND' ? node.children.every((c) => matches(c, row)) : node.children.some((c) => matches(c, row));
}

function parseInt0(raw: unknown, name: string, min: number): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  // PHP-style APIs take "100" as readily as 100.
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min) throw new QueryError(`${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  return n;
}

/** Limits for a list call. */
export interface ListLimits {
  defaultLimit: number;
  pageCap: number;
}

/** Validate a list body against the model's known fields. */
export function parseListQuery(body: Row, known: (f: string) => boolean, limits: ListLimits): ListQuery {
  const condition = parseCondition(body.condition, known);
  let select: string[] | null = null;
  if (body.select !== undefined && body.select !== null) {
    if (!Array.isArray(body.select) || !body.select.every((s) => typeof s === 'string')) throw new QueryError('select must be an array of field names');
    const fields = (body.select as string[]).filter(known);
    select = body.select.length === 0 ? null : fields;
  }
  const order: OrderKey[] = [];
  if (body.order !== undefined && body.order !== null) {
    if (!Array.isArray(body.order)) throw new QueryError('order must be an array like ["profile_id ASC"]');
    body.order.forEach((o, k) => {
      const m = typeof o === 'string' ? /^\s*([A-Za-z0-9_.-]+)(?:\s+(ASC|DESC|asc|desc))?\s*$/.exec(o) : null;
      if (!m) throw new QueryError(`order[${k}]: expected "field ASC" or "field DESC", got ${JSON.stringify(o)}`);
      if (!known(m[1]!)) throw new QueryError(`order[${k}]: unknown field "${m[1]}"`);
      order.push({ field: m[1]!, desc: (m[2] ?? 'ASC').toUpperCase() === 'DESC' });
    });
  }
  const limit = Math.min(parseInt0(body.limit, 'limit', 1) ?? limits.defaultLimit, limits.pageCap);
  const offset = parseInt0(body.offset, 'offset', 0) ?? 0;
  return { condition, select, order, limit, offset };
}

/** Compare for ORDER BY: nulls first ascending (MySQL), numeric when both numeric. */
export function compareForOrder(a: unknown, b: unknown): number {
  const an = a === undefined || a === null;
  const bn = b === undefined || b === null;
  if (an || bn) return an && bn ? 0 : an ? -1 : 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return compareScalars(a, b);
}

/** Keep only selected fields (those the row has); the row itself when nothing was selected. */
export function project(row: Row, select: string[] | null): Row {
  if (select === null) return row;
  const out: Row = {};
  for (const f of select) if (f in row) out[f] = row[f];
  return out;
}

interface Bounds {
  lower: number;
  lowerIncl: boolean;
  upper: number;
  upperIncl: boolean;
}

/**
 * Rows of one model, kept in ascending numeric order of `keyField` when there is one,
 * so `keyField > X` with the default order is a binary search plus a short scan.
 */
export class Table<T extends Row = Row> {
  constructor(
    readonly rows: T[],
    readonly keyField: string | null,
  ) {}

  private key(row: T): number {
    return Number(row[this.keyField!]);
  }

  /** Index of the first row whose key is > v (or >= v when `incl`). */
  private lowerIndex(v: number, incl: boolean): number {
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const k = this.key(this.rows[mid]!);
      if (k > v || (incl && k === v)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** The row whose key equals `id`, if any. */
  get(id: unknown): T | undefined {
    const n = asNumber(id);
    if (this.keyField === null || n === undefined) return undefined;
    const i = this.lowerIndex(n, true);
    const row = this.rows[i];
    return row !== undefined && this.key(row) === n ? row : undefined;
  }

  /** Insert keeping key order; throws when the key is taken. */
  insert(row: T): void {
    if (this.keyField === null) {
      this.rows.push(row);
      return;
    }
    const n = this.key(row);
    const i = this.lowerIndex(n, true);
    if (this.rows[i] !== undefined && this.key(this.rows[i]!) === n) throw new Error(`${this.keyField} ${n} already exists`);
    this.rows.splice(i, 0, row);
  }

  /** Remove the row with key `id`; false when absent. */
  remove(id: unknown): boolean {
    const row = this.get(id);
    if (!row) return false;
    this.rows.splice(this.rows.indexOf(row), 1);
    return true;
  }

  /** Key bounds implied by top-level AND leaves on the key field. */
  private bounds(node: ConditionNode | null): Bounds {
    const b: Bounds = { lower: -Infinity, lowerIncl: true, upper: Infinity, upperIncl: true };
    if (node === null || this.keyField === null) return b;
    const leaves = node.kind === 'leaf' ? [node] : node.op === 'AND' ? node.children : [];
    for (const c of leaves) {
      if (c.kind !== 'leaf' || c.field !== this.keyField) continue;
      const v = asNumber(c.value);
      if (v === undefined || typeof c.value === 'boolean') continue;
      if ((c.op === '>' || c.op === '>=' || c.op === '=') && (v > b.lower || (v === b.lower && c.op === '>'))) {
        b.lower = v;
        b.lowerIncl = c.op !== '>';
      }
      if ((c.op === '<' || c.op === '<=' || c.op === '=') && (v < b.upper || (v === b.upper && c.op === '<'))) {
        b.upper = v;
        b.upperIncl = c.op !== '<';
      }
    }
    return b;
  }

  /** Answer a list query: filtered, ordered, paged and projected rows. */
  query(q: ListQuery): Row[] {
    const { condition, order, limit, offset } = q;
    const byKey = this.keyField !== null && (order.length === 0 || (order.length === 1 && order[0]!.field === this.keyField));
    const out: Row[] = [];
    if (byKey) {
      const desc = order[0]?.desc === true;
      const b = this.bounds(condition);
      const start = this.lowerIndex(b.lower, b.lowerIncl);
      const end = this.lowerIndex(b.upper, !b.upperIncl); // first index past the upper bound
      let skip = offset;
      for (let k = 0; k < end - start && out.length < limit; k++) {
        const row = this.rows[desc ? end - 1 - k : start + k]!;
        if (!matches(condition, row)) continue;
        if (skip > 0) { skip--; continue; }
        out.push(project(row, q.select));
      }
      return out;
    }
    const hits = condition === null ? this.rows.slice() : this.rows.filter((r) => matches(condition, r));
    if (order.length > 0) {
      hits.sort((a, b) => {
        for (const o of order) {
          const c = compareForOrder(a[o.field], b[o.field]);
          if (c !== 0) return o.desc ? -c : c;
        }
        return 0;
      });
    }
    for (const row of hits.slice(offset, offset + limit)) out.push(project(row, q.select));
    return out;
  }
}
