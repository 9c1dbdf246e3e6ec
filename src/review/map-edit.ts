/**
 * One edit a reviewer makes to one field of the map, applied to the mapping YAML's text
 * through the YAML document API (the proposer's evidence comments stay) and validated by the
 * map spec before anything is written: an invalid edit throws the spec's ConfigError and the
 * file is left as it was.
 */
import { parseDocument, isMap, isSeq } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { CUSTOM_FIELD_TYPES, mappingHash, parseMappingSpec, STANDARD_CONTACT_FIELDS, type MappingSpec, type Target } from '../mapping/spec.js';

/** The value of the target select that means "a custom field" (label and type then say which). */
export const CUSTOM_TARGET = '__custom';

/** Field types that carry choices. */
export const CHOICE_TYPES: ReadonlySet<string> = new Set(['dropdown', 'radio', 'multi_select_dropdown']);

/** A map edit as posted by the Map page's form of one attribute. */
export const MapEdit = z.strictObject({
  /** The field's position in `objects.contact.fields`; absent for an attribute the map skips. */
  index: z.coerce.number().int().min(0).optional(),
  /** The source path the row is about (`email`, `attributes.<name>`), checked against the field at `index`. */
  from: z.string().min(1),
  /** The map's hash when the page was rendered: an edit to a map changed since is refused. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  action: z.enum(['save', 'skip']),
  target: z.union([z.enum(Object.keys(STANDARD_CONTACT_FIELDS) as [string, ...string[]]), z.literal(CUSTOM_TARGET)]).optional(),
  label: z.string().optional(),
  type: z.enum(CUSTOM_FIELD_TYPES).optional(),
  /** One choice per line. */
  choices: z.string().optional(),
});
/** A map edit as posted. */
export type MapEdit = z.infer<typeof MapEdit>;

/** The target an edit names (a standard field, or a custom field with its label, type and choices). */
export function editTarget(edit: MapEdit): Target {
  if (edit.target === undefined) throw new ConfigError('choose a Freshsales field (or "skip") for this attribute');
  if (edit.target !== CUSTOM_TARGET) return edit.target as Target;
  const label = (edit.label ?? '').trim();
  if (label === '') throw new ConfigError('a custom field needs a label: the name the admin gives it in Freshsales');
  if (edit.type === undefined) throw new ConfigError(`a custom field needs a type (one of: ${CUSTOM_FIELD_TYPES.join(', ')})`);
  const choices = (edit.choices ?? '').split(/\r?\n/).map((c) => c.trim()).filter((c) => c !== '');
  return { custom: label, type: edit.type, ...(CHOICE_TYPES.has(edit.type) && choices.length > 0 ? { choices } : {}) };
}

/** Whether two targets write the same kind of field (same standard field, or custom fields of one type). */
function sameKind(a: unknown, b: Target): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return a !== null && typeof a === 'object' && (a as { type?: unknown }).type === b.type;
}

/**
 * The mapping text with `edit` applied, and the spec it validates to. Refused (ConfigError)
 * when the map changed since the page showed it, when `index` no longer holds `from`, or when
 * the edited map does not validate — the message is the spec's, with its line and column.
 */
export function applyMapEdit(text: string, edit: MapEdit, fileName: string): { text: string; spec: MappingSpec } {
  const current = parseMappingSpec(text, fileName);
  if (mappingHash(current) !== edit.hash) {
    throw new ConfigError(`${fileName} changed since this page was opened (another edit, or the CLI): nothing was saved. The page now shows the map as it is; make the change again.`);
  }
  const doc = parseDocument(text);
  const fields = doc.getIn(['objects', 'contact', 'fields'], true);
  if (!isSeq(fields)) throw new ConfigError(`${fileName}: objects.contact.fields is not a list`);
  if (edit.index !== undefined) {
    const node = fields.items[edit.index];
    if (!isMap(node) || node.get('from') !== edit.from) {
      throw new ConfigError(`${fileName} changed since this page was opened: field ${edit.index + 1} no longer reads ${edit.from}. Nothing was saved.`);
    }
    if (edit.action === 'skip') {
      fields.items.splice(edit.index, 1);
    } else {
      const to = editTarget(edit);
      // A transform chosen for another kind of field would not fit the new one: its default applies.
      if (!sameKind(node.toJSON().to, to)) node.delete('transform');
      node.set('to', targetNode(doc, to));
    }
  } else {
    if (edit.action === 'skip') throw new ConfigError(`${edit.from} is already left out of the map`);
    const item = doc.createNode({ from: edit.from, to: editTarget(edit) });
    const to = item.get('to', true);
    if (isMap(to)) to.flow = true;
    fields.items.push(item);
  }
  const next = doc.toString({ lineWidth: 0 });
  // Never write a map that does not validate.
  return { text: next, spec: parseMappingSpec(next, fileName) };
}

function targetNode(doc: ReturnType<typeof parseDocument>, to: Target) {
  const node = doc.createNode(to);
  if (isMap(node)) node.flow = true;
  return node;
}
