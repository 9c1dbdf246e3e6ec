/**
 * Binds the map's custom-field targets (named by label) to the real `cf_` names the
 * destination chose, read from its field catalogue. A missing or mistyped field stops the
 * run before any record moves, with the precise list of what an admin must create.
 *
 * `matchCustomFields` is the non-throwing core (`schema check` shows its whole table, and
 * also lists dropdown choices the destination lacks); `bindCustomFields` keeps the strict
 * contract `migrate` relies on.
 */
import { ConfigError } from '../core/errors.js';
import type { FsField } from '../connectors/freshsales/index.js';
import type { ContactMap } from '../mapping/spec.js';

/** Freshsales type names that can hold each custom type a map declares. */
const COMPATIBLE: Record<string, string[]> = {
  text: ['text', 'textarea', 'url'],
  textarea: ['textarea', 'text'],
  number: ['number', 'decimal', 'integer'],
  dropdown: ['dropdown', 'radio'],
  radio: ['radio', 'dropdown'],
  multi_select_dropdown: ['multi_select_dropdown', 'multi_select'],
  checkbox: ['checkbox', 'boolean'],
  date: ['date', 'datetime', 'date_time'],
};

/** A custom field the map writes, by label. */
export interface CustomTarget {
  label: string;
  type: string;
  choices?: string[] | undefined;
}

/** The custom-field targets of a contact map, the packed textarea included. */
export function customTargets(map: ContactMap): CustomTarget[] {
  const out: CustomTarget[] = [];
  for (const f of map.fields) {
    if (typeof f.to === 'object' && f.to !== null && 'custom' in f.to) out.push({ label: f.to.custom, type: f.to.type, choices: f.to.choices });
  }
  if (map.packed !== undefined && !out.some((t) => norm(t.label) === norm(map.packed!.label))) out.push({ label: map.packed.label, type: 'textarea' });
  return out;
}

/** How one target matched the catalogue. */
export interface FieldMatch {
  target: CustomTarget;
  status: 'bound' | 'missing' | 'mistyped';
  /** The destination field with that label (bound or mistyped). */
  field?: FsField;
  /** Planned choices the destination field does not offer (dropdowns and multi-selects). */
  missingChoices: string[];
}

const norm = (s: string) => s.trim().toLowerCase().replace(/\s+/g, ' ');

/** True when a destination field of type `actual` can hold what the map declares as `planned`. */
export function typeCompatible(planned: string, actual: string): boolean {
  return (COMPATIBLE[planned] ?? [planned]).includes(actual);
}

/** Match every target to the catalogue by label (case- and space-insensitive) and type; never throws. */
export function matchCustomFields(targets: CustomTarget[], catalogue: FsField[]): FieldMatch[] {
  const byLabel = new Map(catalogue.filter((f) => f.name.startsWith('cf_')).map((f) => [norm(f.label), f]));
  return targets.map((t): FieldMatch => {
    const f = byLabel.get(norm(t.label));
    if (!f) return { target: t, status: 'missing', missingChoices: [] };
    if (!typeCompatible(t.type, f.type)) return { target: t, status: 'mistyped', field: f, missingChoices: [] };
    const offered = new Set((f.choices ?? []).map((c) => norm(c.value)));
    const missingChoices = (t.choices ?? []).filter((c) => !offered.has(norm(c)));
    return { target: t, status: 'bound', field: f, missingChoices };
  });
}

/** label → cf_ name for every custom target, or a ConfigError listing every problem. */
export function bindCustomFields(targets: CustomTarget[], catalogue: FsField[], entity = 'contacts'): Map<string, string> {
  const bound = new Map<string, string>();
  const problems: string[] = [];
  for (const m of matchCustomFields(targets, catalogue)) {
    const t = m.target;
    if (m.status === 'missing') problems.push(`missing: "${t.label}" (${t.type}${t.choices?.length ? `, ${t.choices.length} choices` : ''})`);
    else if (m.status === 'mistyped') problems.push(`mistyped: "${t.label}" is ${m.field!.type} (${m.field!.name}), the map needs ${t.type}`);
    else bound.set(t.label, m.field!.name);
  }
  if (problems.length > 0) {
    throw new ConfigError(
      `Freshsales ${entity} custom fields do not match the map (${problems.length} problem${problems.length > 1 ? 's' : ''}):\n  - ${problems.join('\n  - ')}\n` +
        `Create them in Freshsales Admin Settings → Fields (custom fields cannot be created through the API), then run again. Nothing was written.`,
    );
  }
  return bound;
}
