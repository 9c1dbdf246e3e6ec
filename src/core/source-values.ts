/**
 * How connectors describe what a source sent wrong: a short one-line rendering of a value
 * (invisible direction and zero-width characters made visible), and why a key cannot be an
 * attribute name. Shared so every source's reasons read alike.
 */

/** A short, one-line rendering of a value for a reason (at most 60 characters). */
export function shortValue(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  s = s.replace(/[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

/** Why `k` cannot be an attribute name (`empty`, `control characters`, `reserved`), or null when it can. */
export function unusableKeyReason(k: string): 'empty' | 'control characters' | 'reserved' | null {
  if (k.trim() === '') return 'empty';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(k)) return 'control characters';
  if (k === '__proto__' || k === 'constructor' || k === 'prototype') return 'reserved';
  return null;
}
