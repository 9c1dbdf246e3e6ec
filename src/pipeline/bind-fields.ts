/**
 * Binds the map's custom-field targets (named by label) to the real `cf_` names the
 * destination chose, read from its field catalogue. A missing or mistyped field stops the
 * run before any record moves, with the precise list of what an admin must create.
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
  multi_select_dropdown: ['multi_select_dropdown', 'multi_select'],
  checkbox: ['checkbox', 'boolean'],
  date: ['date', 'datetime', 'date_time'],
};

export interface CustomTarget {
  label: string;
  type: string;
  choices?: string[] | undefined;
}

/** The custom-field targets of a contact map. */
export function customTargets(map: ContactMap): CustomTarget[] {
  const out: CustomTarget[] = [];
  for (const f of map.fields) {
    if (typeof f.to === 'object' && f.to !== null && 'custom' in f.to) out.push({ label: f.to.custom, type: f.to.type, choices: f.to.choices });
  }
  return out;
}

const norm = (s: string) => s.trim().toLowerCase().replace(/\s+/g, ' ');

/** label → cf_ name for every custom target, or a ConfigError listing every problem. */
export function bindCustomFields(targets: CustomTarget[], catalogue: FsField[], entity = 'contacts'): Map<string, string> {
  const byLabel = new Map(catalogue.filter((f) => f.name.startsWith('cf_')).map((f) => [norm(f.label), f]));
  const bound = new Map<string, string>();
  const problems: string[] = [];
  for (const t of targets) {
    const f = byLabel.get(norm(t.label));
    if (!f) problems.push(`missing: "${t.label}" (${t.type}${t.choices?.length ? `, ${t.choices.length} choices` : ''})`);
    else if (!(COMPATIBLE[t.type] ?? [t.type]).includes(f.type)) problems.push(`mistyped: "${t.label}" is ${f.type} (${f.name}), the map needs ${t.type}`);
    else bound.set(t.label, f.name);
  }
  if (problems.length > 0) {
    throw new ConfigError(
      `Freshsales ${entity} custom fields do not match the map (${problems.length} problem${problems.length > 1 ? 's' : ''}):\n  - ${problems.join('\n  - ')}\n` +
        `Create them in Freshsales Admin Settings → Fields (custom fields cannot be created through the API), then run again. Nothing was written.`,
    );
  }
  return bound;
}
