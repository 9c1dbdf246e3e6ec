/**
 * The Map page's form of one attribute, both ways: what a POST says, read into the shape
 * {@link MapEdit} validates (blanks left out, the value-map table resolved into rows), and
 * the rows the value-map table shows (the map's rows, then every value the discovery
 * inventory observed that no row covers yet). Pure: no I/O.
 *
 * The value-map table posts, per row n: `value_from.n` and `value_to.n` (a blank Freshsales
 * value leaves the source value out: null in the map); `value_remove.n` on a row of the map
 * (the row goes); and for an observed value without a row, `value_observed.n` with
 * `value_add.n`: such a row joins the map only when it is given a Freshsales value or Add is
 * ticked, so saving another change never turns unmapped values into left-out ones.
 */
import { isHashedValue, type ValueCount } from '../mapping/inventory.js';
import type { MappingField } from '../mapping/spec.js';
import type { MapEdit, ValueRow } from './map-edit.js';

/** The names of the value-map table's inputs for row `n`. */
export const valueInputs = (n: number) => ({
  from: `value_from.${n}`,
  to: `value_to.${n}`,
  remove: `value_remove.${n}`,
  observed: `value_observed.${n}`,
  add: `value_add.${n}`,
});

const VALUE_INPUT = /^value_(from|to|remove|observed|add)\.(\d{1,4})$/;

/** A posted form as {@link MapEdit} reads it; what was typed, for the page to show again when refused. */
export type MapEditInput = { [K in Exclude<keyof MapEdit, 'values'>]?: string } & { values?: ValueRow[] } & Record<string, unknown>;

/**
 * Read a posted form: blank fields are left out (a select's "— choose —", an empty label),
 * the value-map table becomes `values` (the rows kept, in table order; absent when the form
 * had no table or asks to skip the field), any other key is passed on as it is (the edit
 * schema refuses it).
 */
export function mapEditInput(form: Readonly<Record<string, string>>): MapEditInput {
  const out: MapEditInput = {};
  const rows = new Map<number, Partial<Record<'from' | 'to' | 'remove' | 'observed' | 'add', string>>>();
  for (const [k, v] of Object.entries(form)) {
    const m = VALUE_INPUT.exec(k);
    if (m) {
      const n = Number(m[2]);
      rows.set(n, { ...rows.get(n), [m[1]!]: v });
    } else if (v !== '') out[k] = v;
  }
  // Skip takes the field out whatever its table says.
  if (rows.size === 0 || out.action === 'skip') return out;
  const values: ValueRow[] = [];
  for (const [, r] of [...rows].sort((a, b) => a[0] - b[0])) {
    if (r.remove !== undefined) continue;
    const from = r.from ?? '';
    const to = (r.to ?? '').trim();
    // An observed value joins the map only when asked to; an untouched blank row is no row.
    if (r.observed !== undefined && r.add === undefined && to === '') continue;
    if (r.observed === undefined && from.trim() === '' && to === '') continue;
    values.push({ from, to: to === '' ? null : to });
  }
  out.values = values;
  return out;
}

/** One row of the value-map table. */
export interface ValueRowView {
  /** `map`: a row of the map (or typed into it); `observed`: a value the inventory saw that no row covers. */
  kind: 'map' | 'observed';
  from: string;
  /** The Freshsales value as text; '' leaves the value out. */
  to: string;
  /** Contacts with this source value in the discovery inventory (matched as the map matches: trimmed, any case). */
  contacts?: number;
}

/**
 * The value-map table's rows: the rows typed (when a refused edit is shown again) or the
 * map's, each with its contact count, then every observed value no row covers, most frequent
 * first. Values the inventory kept only as a hash (over 256 characters) are left out.
 */
export function valueRowsView(values: MappingField['values'], observed: readonly ValueCount[] | undefined, typed?: readonly ValueRow[]): ValueRowView[] {
  const norm = (s: string) => s.trim().toLowerCase();
  const base = typed !== undefined ? typed.map((r) => ({ from: r.from, to: r.to ?? '' })) : Object.entries(values ?? {}).map(([from, v]) => ({ from, to: v === null ? '' : String(v) }));
  const seen = (observed ?? []).filter((o) => !isHashedValue(o.value));
  const counts = new Map<string, number>();
  for (const o of seen) counts.set(norm(o.value), (counts.get(norm(o.value)) ?? 0) + o.count);
  const covered = new Set(base.map((r) => norm(r.from)));
  const rows: ValueRowView[] = base.map((r) => {
    const n = counts.get(norm(r.from));
    return { kind: 'map', ...r, ...(n !== undefined ? { contacts: n } : {}) };
  });
  for (const o of seen) {
    if (covered.has(norm(o.value))) continue;
    covered.add(norm(o.value));
    rows.push({ kind: 'observed', from: o.value, to: '', contacts: counts.get(norm(o.value))! });
  }
  return rows;
}
