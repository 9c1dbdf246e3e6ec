/**
 * Evaluates a segment's nested rule group against a profile. Shared by the generator
 * (membership snapshot) and the simulator (segment export tasks read live data).
 * Comparison follows SQL habits the way a MySQL-backed API would: a missing or null
 * attribute fails every comparison except `= null` / `!= null`; numbers compare
 * numerically when both sides are numeric; booleans count as 1/0.
 */
import type { SegmentRuleGroup, SegmentRuleLeaf } from './types.js';

const NUMERIC = /^-?\d+(\.\d+)?$/;

/** A number when `v` is a number, boolean or numeric string; otherwise undefined. */
export function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && NUMERIC.test(v)) return Number(v);
  return undefined;
}

/**
 * Three-way comparison of two non-null scalars: numeric when both read as numbers,
 * else by UTF-16 code units (a binary collation) [A].
 */
export function compareScalars(a: unknown, b: unknown): number {
  const na = asNumber(a);
  const nb = asNumber(b);
  if (na !== undefined && nb !== undefined) return na < nb ? -1 : na > nb ? 1 : 0;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function isLeaf(node: SegmentRuleGroup | SegmentRuleLeaf): node is SegmentRuleLeaf {
  return typeof (node as SegmentRuleLeaf).attribute === 'string';
}

function leafMatches(leaf: SegmentRuleLeaf, row: Record<string, unknown>): boolean {
  const v = row[leaf.attribute];
  const missing = v === undefined || v === null;
  if (leaf.value === null) {
    if (leaf.operator === '=') return missing;
    if (leaf.operator === '!=') return !missing;
    return false;
  }
  if (missing) return false;
  switch (leaf.operator) {
    case '=': return compareScalars(v, leaf.value) === 0;
    case '!=': return compareScalars(v, leaf.value) !== 0;
    case '>': return compareScalars(v, leaf.value) > 0;
    case '<': return compareScalars(v, leaf.value) < 0;
    case '>=': return compareScalars(v, leaf.value) >= 0;
    case '<=': return compareScalars(v, leaf.value) <= 0;
    case 'IN': return Array.isArray(leaf.value) && leaf.value.some((x) => compareScalars(v, x) === 0);
    case 'NOT IN': return Array.isArray(leaf.value) && !leaf.value.some((x) => compareScalars(v, x) === 0);
    case 'CONTAINS': {
      // Array attributes are JSON strings in Xtremepush.
      if (typeof v !== 'string') return false;
      try {
        const arr: unknown = JSON.parse(v);
        return Array.isArray(arr) && arr.includes(leaf.value);
      } catch {
        return false;
      }
    }
  }
}

/** True when `row` satisfies the rule group. */
export function segmentMatches(group: SegmentRuleGroup, row: Record<string, unknown>): boolean {
  const children: (SegmentRuleGroup | SegmentRuleLeaf)[] = [];
  for (let k = 0; ; k++) {
    const child = group[String(k)];
    if (child === undefined || typeof child === 'string') break;
    children.push(child);
  }
  const test = (c: SegmentRuleGroup | SegmentRuleLeaf) => (isLeaf(c) ? leafMatches(c, row) : segmentMatches(c, row));
  return group.operator === 'OR' ? children.some(test) : children.every(test);
}
