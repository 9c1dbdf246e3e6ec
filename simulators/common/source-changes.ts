/**
 * The body of a source simulator's `POST /__sim/profiles` admin route, which changes the
 * account while it runs (as the customer's app would between two migration runs):
 * `{"upsert": [rows], "delete": [ids]}`, both optional. Each simulator gives the schema of
 * its own row and id; this module parses the body with zod and words the first problem
 * with the row it is in (`upsert row 3: profile_id: …`), so a test sees which row was bad.
 */
import { z } from 'zod';
import { isInvalidJson, type SimResponse } from './http-kit.js';

/** A parsed change set: rows to add or merge, ids to remove. */
export interface SourceChanges<Row, Id> {
  upsert: Row[];
  delete: Id[];
}

/** The answer of the route: counts of what happened and the ids a delete did not find. */
export interface SourceChangeResult {
  created: number;
  updated: number;
  deleted: number;
  missing: string[];
}

/** Where a zod issue is, in words: `upsert row 3: profile_id` or `delete row 0`. */
function where(path: readonly PropertyKey[]): string {
  const [list, index, ...rest] = path;
  if ((list === 'upsert' || list === 'delete') && typeof index === 'number') {
    return [`${list} row ${index}`, rest.map(String).join('.')].filter((s) => s !== '').join(': ');
  }
  return path.map(String).join('.') || 'body';
}

/**
 * Parse a change-set body with the simulator's row and id schemas. Returns the change set,
 * or a 400 answer naming the first bad row and what is wrong with it.
 */
export function parseSourceChanges<Row, Id>(
  body: unknown,
  row: z.ZodType<Row>,
  id: z.ZodType<Id>,
): { ok: true; changes: SourceChanges<Row, Id> } | { ok: false; response: SimResponse } {
  const bad = (error: string): { ok: false; response: SimResponse } => ({ ok: false, response: { status: 400, body: { error } } });
  if (isInvalidJson(body)) return bad('body is not valid JSON');
  const schema = z.strictObject({ upsert: z.array(row).optional(), delete: z.array(id).optional() });
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    return bad(`${where(first.path)}: ${first.message} (body must be {"upsert": [rows], "delete": [ids]})`);
  }
  return { ok: true, changes: { upsert: parsed.data.upsert ?? [], delete: parsed.data.delete ?? [] } };
}
