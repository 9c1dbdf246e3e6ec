/**
 * One edit a reviewer makes to one field of the map, applied to the mapping YAML's text
 * through the YAML document API (the proposer's evidence comments stay) and validated by the
 * map spec before anything is written: an invalid edit throws and the file is left as it was.
 *
 * An edit names the field's target (standard, or a custom field's label, type and choices)
 * and may name its transform, `on_invalid` and value map. What it names is written as it is
 * and judged by the spec alone (unknown transform, a transform the target cannot take, emails
 * dropped, a value of the wrong kind): the page never decides what the spec allows.
 */
import { isMap, isPair, isScalar, isSeq, parseDocument, type Document, type YAMLMap } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { YamlConfigError } from '../core/yaml.js';
import { CUSTOM_FIELD_TYPES, mappingHash, parseMappingSpec, STANDARD_CONTACT_FIELDS, type MappingField, type MappingSpec, type Target } from '../mapping/spec.js';

/** The value of the target select that means "a custom field" (label and type then say which). */
export const CUSTOM_TARGET = '__custom';

/** Field types that carry choices. */
export const CHOICE_TYPES: ReadonlySet<string> = new Set(['dropdown', 'radio', 'multi_select_dropdown']);

/** A value map's destination as the spec holds it: null leaves the value out. */
export type MapValue = NonNullable<MappingField['values']>[string];

/** One row of a value map as the form leaves it: the source value and its Freshsales value (null: leave it out). */
export const ValueRow = z.strictObject({
  from: z.string().trim().min(1, 'a row has a Freshsales value but no source value: give it one, or tick Remove'),
  to: z.string().nullable(),
});
/** One row of a value map. */
export type ValueRow = z.infer<typeof ValueRow>;

/** A map edit as posted by the Map page's form of one attribute (after {@link mapEditInput} in map-form.ts). */
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
  /** The transform chosen; judged by the spec (a name it does not know, or one the target cannot take, is refused there). */
  transform: z.string().min(1).optional(),
  /** quarantine or drop_field; judged by the spec. */
  on_invalid: z.string().min(1).optional(),
  /** The whole value map as the form leaves it ([] removes it); absent: the value map is left as it is. */
  values: z
    .array(ValueRow)
    .superRefine((rows, ctx) => {
      const seen = new Set<string>();
      rows.forEach((r, i) => {
        if (seen.has(r.from)) ctx.addIssue({ code: 'custom', path: [i, 'from'], message: `source value ${JSON.stringify(r.from)} is listed twice: each source value has one row` });
        seen.add(r.from);
      });
    })
    .optional(),
});
/** A map edit as posted. */
export type MapEdit = z.infer<typeof MapEdit>;

/** The part of the form a problem belongs next to. */
export type EditControl = 'target' | 'transform' | 'on_invalid' | 'values' | 'field';

/** One reason an edit was refused, placed next to the control it is about. */
export interface EditProblem {
  control: EditControl;
  message: string;
}

/** An edit the form or the spec refused: the message for the page's notice, and each problem by its control. */
export class MapEditRefused extends ConfigError {
  readonly problems: EditProblem[];
  constructor(message: string, problems: EditProblem[], options?: { cause?: unknown }) {
    super(message, options);
    this.problems = problems;
  }
}

const CONTROL_OF_KEY: Readonly<Record<string, EditControl>> = {
  to: 'target', target: 'target', label: 'target', type: 'target', choices: 'target',
  transform: 'transform', on_invalid: 'on_invalid', values: 'values',
};

/** The control a key of a field (or of the form) belongs to. */
export function controlOf(key: unknown): EditControl {
  return typeof key === 'string' && Object.hasOwn(CONTROL_OF_KEY, key) ? CONTROL_OF_KEY[key]! : 'field';
}

/** The problems of a form the edit schema refused, each by its control, in words. */
export function formProblems(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): EditProblem[] {
  return issues.map((i) => ({ control: controlOf(i.path[0]), message: i.path[0] === 'values' && typeof i.path[1] === 'number' ? `row ${i.path[1] + 1}: ${i.message}` : i.message }));
}

/**
 * The spec's problems with the edited map: those about field `index` go next to their
 * control, with the spec's words and without the file position; any other is the field's.
 */
export function specProblems(e: YamlConfigError, index: number | undefined): EditProblem[] {
  const prefix = index === undefined ? null : `objects.contact.fields[${index}]`;
  return e.issues.map((i) => {
    if (prefix !== null && (i.path === prefix || i.path.startsWith(`${prefix}.`))) {
      const rest = i.path.slice(prefix.length + 1);
      const key = rest.split(/[.[]/)[0];
      return { control: controlOf(key), message: rest.startsWith('values.') ? `${JSON.stringify(rest.slice('values.'.length))}: ${i.message}` : i.message };
    }
    return { control: 'field', message: i.path ? `${i.path}: ${i.message}` : i.message };
  });
}

/** The target an edit names (a standard field, or a custom field with its label, type and choices). */
export function editTarget(edit: MapEdit): Target {
  if (edit.target === undefined) throw new MapEditRefused('choose a Freshsales field (or "skip") for this attribute', [{ control: 'target', message: 'choose a Freshsales field (or "skip")' }]);
  if (edit.target !== CUSTOM_TARGET) return edit.target as Target;
  const label = (edit.label ?? '').trim();
  if (label === '') {
    const why = 'a custom field needs a label: the name the admin gives it in Freshsales';
    throw new MapEditRefused(why, [{ control: 'target', message: why }]);
  }
  if (edit.type === undefined) {
    const why = `a custom field needs a type (one of: ${CUSTOM_FIELD_TYPES.join(', ')})`;
    throw new MapEditRefused(why, [{ control: 'target', message: why }]);
  }
  const choices = (edit.choices ?? '').split(/\r?\n/).map((c) => c.trim()).filter((c) => c !== '');
  return { custom: label, type: edit.type, ...(CHOICE_TYPES.has(edit.type) && choices.length > 0 ? { choices } : {}) };
}

/** Whether two targets write the same kind of field (same standard field, or custom fields of one type). */
function sameKind(a: unknown, b: Target): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return a !== null && typeof a === 'object' && (a as { type?: unknown }).type === b.type;
}

/**
 * A Freshsales value as typed, as the map should hold it: blank is null (leave the value
 * out); the text of the value it replaces keeps that value as it was (a number stays a
 * number); a whole number is a number (an id, as maps write them); anything else is text.
 */
export function mapValueOf(text: string | null, previous?: MapValue): MapValue {
  const t = text?.trim() ?? '';
  if (t === '') return null;
  if (previous !== undefined && previous !== null && String(previous) === t) return previous;
  if (/^-?(0|[1-9]\d*)$/.test(t) && Number.isSafeInteger(Number(t))) return Number(t);
  return t;
}

/** The value map an edit's rows make, each value typed by {@link mapValueOf} against the current map. */
export function valueMapOf(rows: readonly ValueRow[], current: MappingField['values']): Record<string, MapValue> {
  const out: Record<string, MapValue> = {};
  for (const r of rows) out[r.from] = mapValueOf(r.to, current !== undefined && Object.hasOwn(current, r.from) ? current[r.from] : undefined);
  return out;
}

/**
 * The mapping text with `edit` applied, and the spec it validates to. Refused when the map
 * changed since the page showed it, when `index` no longer holds `from`, or when the edited
 * map does not validate ({@link MapEditRefused}: the spec's message, with its line and
 * column, and each problem by the control it is about).
 *
 * A transform or `on_invalid` equal to the field's current one is left as the file has it
 * (written out or implicit): the form always posts them. When the target changes kind and the
 * posted transform is the current one, the reviewer did not choose it for the new target: the
 * file's transform goes and the new target's default applies.
 */
export function applyMapEdit(text: string, edit: MapEdit, fileName: string): { text: string; spec: MappingSpec } {
  const current = parseMappingSpec(text, fileName);
  if (mappingHash(current) !== edit.hash) {
    throw new ConfigError(`${fileName} changed since this page was opened (another edit, or the CLI): nothing was saved. The page now shows the map as it is; make the change again.`);
  }
  const doc = parseDocument(text);
  const fields = doc.getIn(['objects', 'contact', 'fields'], true);
  if (!isSeq(fields)) throw new ConfigError(`${fileName}: objects.contact.fields is not a list`);
  let index = edit.index;
  if (index !== undefined) {
    const node = fields.items[index];
    const field = current.objects.contact.fields[index];
    if (!isMap(node) || node.get('from') !== edit.from || field === undefined) {
      throw new ConfigError(`${fileName} changed since this page was opened: field ${index + 1} no longer reads ${edit.from}. Nothing was saved.`);
    }
    if (edit.action === 'skip') {
      fields.items.splice(index, 1);
      index = undefined;
    } else {
      const to = editTarget(edit);
      const kindChanged = !sameKind(node.toJSON().to, to);
      node.set('to', targetNode(doc, to));
      if (edit.transform !== undefined && edit.transform !== field.transform) node.set('transform', edit.transform);
      else if (kindChanged) node.delete('transform');
      if (edit.on_invalid !== undefined && edit.on_invalid !== field.on_invalid) node.set('on_invalid', edit.on_invalid);
      if (edit.values !== undefined) setValues(doc, node, valueMapOf(edit.values, field.values));
    }
  } else {
    if (edit.action === 'skip') throw new ConfigError(`${edit.from} is already left out of the map`);
    const values = edit.values !== undefined && edit.values.length > 0 ? valueMapOf(edit.values, undefined) : undefined;
    const item = doc.createNode({
      from: edit.from,
      to: editTarget(edit),
      ...(edit.transform !== undefined ? { transform: edit.transform } : {}),
      ...(edit.on_invalid !== undefined ? { on_invalid: edit.on_invalid } : {}),
      ...(values !== undefined ? { values } : {}),
    });
    const to = item.get('to', true);
    if (isMap(to)) to.flow = true;
    fields.items.push(item);
    index = fields.items.length - 1;
  }
  const next = doc.toString({ lineWidth: 0 });
  // Never write a map that does not validate.
  try {
    return { text: next, spec: parseMappingSpec(next, fileName) };
  } catch (e) {
    if (e instanceof YamlConfigError) throw new MapEditRefused(e.message, specProblems(e, index), { cause: e });
    throw e;
  }
}

function targetNode(doc: Document, to: Target) {
  const node = doc.createNode(to);
  if (isMap(node)) node.flow = true;
  return node;
}

/**
 * Make the field's `values` the given map, in place where the file has one (its comments,
 * style and order stay; rows gone are removed, new ones appended), removed when empty.
 */
function setValues(doc: Document, field: YAMLMap, values: Record<string, MapValue>): void {
  const keys = Object.keys(values);
  if (keys.length === 0) {
    field.delete('values');
    return;
  }
  const node = field.get('values', true);
  if (!isMap(node)) {
    field.set('values', doc.createNode(values));
    return;
  }
  const keyOf = (p: unknown) => (isPair(p) ? String(isScalar(p.key) ? p.key.value : p.key) : '');
  node.items = node.items.filter((p) => Object.hasOwn(values, keyOf(p)));
  for (const k of keys) {
    const pair = node.items.find((p) => keyOf(p) === k);
    const v = values[k]!;
    if (pair === undefined) node.items.push(doc.createPair(k, v));
    else if (!(isScalar(pair.value) && pair.value.value === v)) pair.value = doc.createNode(v);
  }
}
