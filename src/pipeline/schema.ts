/**
 * Schema design commands: plan (what custom fields the map needs on the account's plan,
 * with a packing offer when over the limits), check (bind every planned field to the real
 * `cf_` name by label and type, and list what is missing, mistyped or lacks choices) and
 * apply (create the missing fields — on the simulator only: custom fields cannot be created
 * through the Freshsales API, an admin creates them in Admin Settings → Fields).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, TransientError, isMigrateError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { createFreshsales, type Entity, type FsField } from '../connectors/freshsales/index.js';
import { AttributeInventory } from '../mapping/inventory.js';
import { applyPackingToYaml, planSchema, type PlannedField, type SchemaPlan, type Tier } from '../mapping/schema-plan.js';
import { loadMappingSpec, parseMappingSpec, salesActivityOf, type MappingSpec } from '../mapping/spec.js';
import { writeFileAtomic } from '../reports/atomic-write.js';
import { writeSchemaPlanReport } from '../reports/schema-plan-report.js';
import { matchCustomFields, type CustomTarget } from './bind-fields.js';
import type { LoadedConfig } from './config.js';
import { createSource } from '../connectors/registry.js';
import { checkMapAttributes, knownSourceAttributes, mapAttributeNames } from './map-gate.js';

/** Default folders under the config's workdir. */
export const SCHEMA_DIR = 'schema';
/** Where discovery writes, and so where `schema plan` looks for the inventory. */
export const DISCOVERY_DIR = 'discovery';

/** Read an `inventory.json` written by discover; a ConfigError names the file when it is unusable. */
export function readInventory(file: string): AttributeInventory {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new ConfigError(`cannot read the inventory ${file}: ${(cause as Error).message}`, { file, cause });
  }
  const r = AttributeInventory.safeParse(raw);
  if (!r.success) throw new ConfigError(`${file} is not an inventory written by "crm-migrate discover" (${r.error.issues[0]?.message ?? 'invalid'})`, { file });
  return r.data;
}

/** Options of {@link runSchemaPlan}. */
export interface SchemaPlanOptions {
  loaded: LoadedConfig;
  /** Default: the destination's plan in the config. */
  tier?: Tier;
  /** Default: `<workdir>/discovery/inventory.json` when it exists. */
  inventoryFile?: string;
  /** Default: `<workdir>/schema`. */
  outDir?: string;
  /** Rewrite the mapping file with the packing applied (when packing makes the map fit). */
  pack?: boolean;
  now?: Date;
}

/** What {@link runSchemaPlan} did. */
export interface SchemaPlanResult {
  /** The plan after packing when `pack` applied it, else the plan of the map as it is. */
  plan: SchemaPlan;
  /** The plan before packing, when the map was rewritten. */
  before?: SchemaPlan;
  files: { md: string; csv: string };
  inventoryFile?: string;
  /** Set when the mapping file was rewritten (it then needs a new confirmation). */
  packedInto?: string;
}

/** Plan the schema for the config's map and write `schema-plan.md` / `.csv`; with `pack`, apply the packing to the map. */
export async function runSchemaPlan(opts: SchemaPlanOptions): Promise<SchemaPlanResult> {
  const { loaded } = opts;
  const spec = loadMappingSpec(loaded.mappingFile);
  const tier = opts.tier ?? loaded.config.destination.plan;
  const defaultInventory = join(loaded.workdir, DISCOVERY_DIR, 'inventory.json');
  const inventoryFile = opts.inventoryFile ?? (existsSync(defaultInventory) ? defaultInventory : undefined);
  const inventory = inventoryFile !== undefined ? readInventory(inventoryFile) : undefined;
  const outDir = opts.outDir ?? join(loaded.workdir, SCHEMA_DIR);
  let plan = planSchema(spec, tier, inventory);
  let before: SchemaPlan | undefined;
  let packedInto: string | undefined;

  if (opts.pack && plan.packing?.fits) {
    const text = readFileSync(loaded.mappingFile, 'utf8');
    const next = applyPackingToYaml(
      text,
      plan.packing,
      `Packed by "crm-migrate schema plan --pack" to fit the Freshsales ${tier} plan: ${plan.packing.fields.length} field(s) moved into the textarea "${plan.packing.label}" as "key: value" lines.`,
    );
    // Never write a map that does not validate.
    const nextSpec: MappingSpec = parseMappingSpec(next, loaded.mappingFile);
    await writeFileAtomic(loaded.mappingFile, next);
    before = plan;
    plan = planSchema(nextSpec, tier, inventory);
    packedInto = loaded.mappingFile;
  }

  const files = await writeSchemaPlanReport(outDir, plan, {
    generatedAt: (opts.now ?? new Date()).toISOString(),
    mappingFile: loaded.mappingFile,
    ...(packedInto ? { packedInto } : {}),
    ...(inventoryFile ? { inventoryFile } : {}),
  });
  return { plan, ...(before ? { before } : {}), files, ...(inventoryFile ? { inventoryFile } : {}), ...(packedInto ? { packedInto } : {}) };
}

/** How one planned field stands in the destination. */
export interface FieldBinding {
  entity: PlannedField['entity'];
  label: string;
  type: string;
  from: string;
  status: 'ok' | 'missing' | 'mistyped' | 'choices_missing';
  /** The bound (or mistyped) field's cf_ name. */
  name?: string;
  /** The destination field's type, when it exists. */
  actualType?: string;
  missingChoices: string[];
}

/** How the sales activity type the map names stands in the destination. */
export interface ActivityTypeCheck {
  name: string;
  status: 'ok' | 'missing';
  /** Its id, when the account has it. */
  id?: string;
  /** Every type the account has, by name. */
  available: string[];
}

/** The result of a schema check. */
export interface SchemaCheckResult {
  bindings: FieldBinding[];
  /** The sales activity type, when the map sends the timeline to sales activities. */
  activityType?: ActivityTypeCheck;
  /** One precise line per problem; empty when every planned field is there. */
  problems: string[];
  ok: boolean;
  /** label → cf_ name per entity, for the bound fields. */
  names: Record<PlannedField['entity'], Map<string, string>>;
}

/** What the check reads from Freshsales (the client's `fields` and `salesActivityTypes`, or a stand-in in tests). */
export interface FieldReader {
  fields(entity: Entity | 'sales_activities'): Promise<FsField[]>;
  salesActivityTypes?(): Promise<Array<{ id: string; name: string }>>;
}

const ENTITY_WHERE: Record<PlannedField['entity'], string> = { contacts: 'Contacts', deals: 'Deals', sales_activities: 'Sales activities' };

/**
 * Bind every planned field to the destination's catalogue by label and type, and check
 * that dropdowns offer every planned choice. `alsoRead` names entities whose catalogue is
 * read even without planned fields (deals when the map has deals: a restricted key shows
 * up now rather than mid-run).
 */
export async function checkSchema(reader: FieldReader, fields: PlannedField[], alsoRead: PlannedField['entity'][] = []): Promise<SchemaCheckResult> {
  const entities = [...new Set<PlannedField['entity']>(['contacts', ...fields.map((f) => f.entity), ...alsoRead])];
  const bindings: FieldBinding[] = [];
  const problems: string[] = [];
  const names: SchemaCheckResult['names'] = { contacts: new Map(), deals: new Map(), sales_activities: new Map() };
  for (const entity of entities) {
    // GET /api/settings/{entity}/fields — api/freshsales.md "Fields"
    const catalogue = await reader.fields(entity);
    const planned = fields.filter((f) => f.entity === entity);
    const targets: CustomTarget[] = planned.map((f) => ({ label: f.label, type: f.type, choices: f.choices }));
    matchCustomFields(targets, catalogue).forEach((m, i) => {
      const f = planned[i] as PlannedField;
      const base = { entity, label: f.label, type: f.type, from: f.from };
      const where = ENTITY_WHERE[entity];
      if (m.status === 'missing') {
        bindings.push({ ...base, status: 'missing', missingChoices: [] });
        problems.push(`missing: "${f.label}" (${f.type}${f.choices?.length ? `, ${f.choices.length} choices` : ''}) on ${where} — create it in Admin Settings → Fields`);
      } else if (m.status === 'mistyped') {
        bindings.push({ ...base, status: 'mistyped', name: m.field!.name, actualType: m.field!.type, missingChoices: [] });
        problems.push(`mistyped: "${f.label}" is ${m.field!.type} (${m.field!.name}) on ${where}, the plan needs ${f.type}`);
      } else {
        names[entity].set(f.label, m.field!.name);
        if (m.missingChoices.length > 0) {
          bindings.push({ ...base, status: 'choices_missing', name: m.field!.name, actualType: m.field!.type, missingChoices: m.missingChoices });
          problems.push(
            `choices missing: "${f.label}" (${m.field!.name}) on ${where} lacks ${m.missingChoices.length} planned choice(s): ${m.missingChoices.map((c) => JSON.stringify(c)).join(', ')}`,
          );
        } else {
          bindings.push({ ...base, status: 'ok', name: m.field!.name, actualType: m.field!.type, missingChoices: [] });
        }
      }
    });
  }
  return { bindings, problems, ok: problems.length === 0, names };
}

/**
 * The sales activity type a map names, looked up by name (case-insensitive) through
 * `GET /api/selector/sales_activity_types`; with the problem line when the account lacks it.
 */
export async function checkActivityType(reader: FieldReader, name: string): Promise<{ check: ActivityTypeCheck; problem?: string }> {
  if (!reader.salesActivityTypes) throw new Error('checkActivityType needs a reader of sales activity types');
  const types = await reader.salesActivityTypes();
  const norm = (v: string) => v.trim().toLowerCase().replace(/\s+/g, ' ');
  const found = types.find((t) => norm(t.name) === norm(name));
  const available = types.map((t) => t.name);
  if (found) return { check: { name, status: 'ok', id: found.id, available } };
  return {
    check: { name, status: 'missing', available },
    problem: `missing: sales activity type "${name}" — create it in Admin Settings → Sales activities (the account has: ${available.join(', ') || 'none'})`,
  };
}

/** The schema check with the map's sales activity type, when the timeline goes to sales activities. */
async function checkWithActivityType(reader: FieldReader, spec: MappingSpec, check: SchemaCheckResult): Promise<SchemaCheckResult> {
  const section = spec.objects.task ? salesActivityOf(spec.objects.task) : null;
  if (section === null) return check;
  const t = await checkActivityType(reader, section.type);
  const problems = t.problem ? [...check.problems, t.problem] : check.problems;
  return { ...check, activityType: t.check, problems, ok: problems.length === 0 };
}

/** Options of {@link runSchemaCheck} and {@link runSchemaApply}. */
export interface SchemaDestinationOptions {
  loaded: LoadedConfig;
  logger: Logger;
  /** Default: `<workdir>/schema` (apply writes the plan there). */
  outDir?: string;
  now?: Date;
}

/** Plan the config's map, then check it against the destination. */
/** The discovery inventory of a config's workdir, when `discover` has written one. */
export function discoveryInventory(loaded: LoadedConfig): AttributeInventory | undefined {
  const file = join(loaded.workdir, 'discovery', 'inventory.json');
  return existsSync(file) ? readInventory(file) : undefined;
}

export async function runSchemaCheck(opts: SchemaDestinationOptions): Promise<SchemaCheckResult & { plan: SchemaPlan; attributeCheck: string }> {
  const spec = loadMappingSpec(opts.loaded.mappingFile);
  // Fields reading attributes the source does not have are caught here too, before any admin
  // work. The check needs the source; when it cannot be reached the schema is still checked,
  // and migrate repeats the attribute check before writing.
  const source = createSource(opts.loaded.config.source, { logger: opts.logger });
  let attributeCheck = 'every attribute the map reads exists in the source';
  try {
    let reachable = true;
    try {
      await source.checkConnection();
    } catch (e) {
      if (!isMigrateError(e)) throw e;
      reachable = false;
      attributeCheck = `not checked (the source could not be read: ${e.message}); migrate checks it before writing`;
    }
    if (reachable) checkMapAttributes(spec, opts.loaded.mappingFile, await knownSourceAttributes(source, discoveryInventory(opts.loaded), mapAttributeNames(spec)));
  } catch (e) {
    if (!(e instanceof TransientError)) throw e;
    attributeCheck = `not checked (the source could not be read: ${e.message}); migrate checks it before writing`;
  } finally {
    await source.close();
  }
  const plan = planSchema(spec, opts.loaded.config.destination.plan);
  const dest = createFreshsales(opts.loaded.config.destination, { logger: opts.logger });
  try {
    await dest.client.checkConnection();
    const check = await checkWithActivityType(dest.client, spec, await checkSchema(dest.client, plan.fields, dealsInScope(spec) ? ['deals'] : []));
    return { ...check, plan, attributeCheck };
  } finally {
    await dest.http.close();
  }
}

/**
 * True when `baseUrl` is the Freshsales simulator: `GET <origin>/__sim/stats` answers 200
 * with a JSON object. A real account answers 404 (or not at all).
 */
export async function detectSimulator(baseUrl: string, fetchImpl: typeof fetch = fetch): Promise<boolean> {
  try {
    const res = await fetchImpl(`${new URL(baseUrl).origin}/__sim/stats`, { signal: AbortSignal.timeout(5_000) });
    if (res.status !== 200) {
      await res.body?.cancel();
      return false;
    }
    const body = (await res.json()) as unknown;
    return body !== null && typeof body === 'object' && 'calls' in body;
  } catch {
    return false;
  }
}

/** A field apply created, or could not create. */
export interface AppliedField {
  entity: PlannedField['entity'];
  label: string;
  type: string;
  name?: string;
  reason?: string;
}

/** The result of {@link applySchema}. */
export interface SchemaApplyResult {
  created: AppliedField[];
  failed: AppliedField[];
  /** The check after creating (what is still wrong: mistyped fields and missing choices cannot be fixed by creating). */
  check: SchemaCheckResult;
}

/**
 * Create every missing planned field on the simulator through its admin route
 * (`POST <origin>/__sim/fields {"entity","label","type","choices"}`) — and the sales activity
 * type the map names when the account lacks it (`POST <origin>/__sim/sales_activity_types
 * {"name"}`, standing in for the admin UI) — then check again. The caller must have made sure
 * `baseUrl` is the simulator ({@link detectSimulator}).
 */
export async function applySchema(input: {
  reader: FieldReader; baseUrl: string; fields: PlannedField[]; alsoRead?: PlannedField['entity'][]; fetchImpl?: typeof fetch; spec?: MappingSpec;
}): Promise<SchemaApplyResult> {
  const doFetch = input.fetchImpl ?? fetch;
  const before = await checkSchema(input.reader, input.fields, input.alsoRead);
  const created: AppliedField[] = [];
  const failed: AppliedField[] = [];
  const origin = new URL(input.baseUrl).origin;
  const section = input.spec?.objects.task ? salesActivityOf(input.spec.objects.task) : null;
  if (section !== null && (await checkActivityType(input.reader, section.type)).check.status === 'missing') {
    const res = await doFetch(`${origin}/__sim/sales_activity_types`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: section.type }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await res.json().catch(() => null)) as { sales_activity_type?: { id?: unknown }; errors?: { message?: unknown } } | null;
    const made = { entity: 'sales_activities' as const, label: section.type, type: 'sales activity type' };
    if (res.status === 201 && body?.sales_activity_type?.id !== undefined) created.push({ ...made, name: String(body.sales_activity_type.id) });
    else failed.push({ ...made, reason: Array.isArray(body?.errors?.message) ? body.errors.message.join('; ') : `HTTP ${res.status}` });
  }
  for (const b of before.bindings) {
    if (b.status !== 'missing') continue;
    const f = input.fields.find((x) => x.entity === b.entity && x.label === b.label) as PlannedField;
    // The simulator (like the admin UI's basic types) has no radio: a radio is a dropdown with the same choices.
    const type = f.type === 'radio' ? 'dropdown' : f.type;
    const res = await doFetch(`${origin}/__sim/fields`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ entity: f.entity, label: f.label, type, ...(f.choices !== undefined ? { choices: f.choices } : {}) }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await res.json().catch(() => null)) as { field?: { name?: string }; errors?: { message?: unknown } } | null;
    if (res.status === 201 && typeof body?.field?.name === 'string') {
      created.push({ entity: f.entity, label: f.label, type, name: body.field.name });
    } else {
      const msg = Array.isArray(body?.errors?.message) ? body.errors.message.join('; ') : `HTTP ${res.status}`;
      failed.push({ entity: f.entity, label: f.label, type, reason: msg });
    }
  }
  const check = input.spec ? await checkWithActivityType(input.reader, input.spec, await checkSchema(input.reader, input.fields, input.alsoRead)) : await checkSchema(input.reader, input.fields, input.alsoRead);
  return { created, failed, check };
}

/** Plan the config's map, write the plan, and create the missing fields — on the simulator only. */
export async function runSchemaApply(opts: SchemaDestinationOptions & { fetchImpl?: typeof fetch }): Promise<SchemaApplyResult & { plan: SchemaPlan; files: { md: string; csv: string } }> {
  const { loaded } = opts;
  const spec = loadMappingSpec(loaded.mappingFile);
  const plan = planSchema(spec, loaded.config.destination.plan);
  const files = await writeSchemaPlanReport(opts.outDir ?? join(loaded.workdir, SCHEMA_DIR), plan, { generatedAt: (opts.now ?? new Date()).toISOString(), mappingFile: loaded.mappingFile });
  const baseUrl = loaded.config.destination.baseUrl;
  if (!(await detectSimulator(baseUrl, opts.fetchImpl))) {
    throw new ConfigError(
      `schema apply only creates fields on the Freshsales simulator, and ${new URL(baseUrl).origin} is not one. ` +
        'On a real account custom fields cannot be created through the API: an admin creates them in Freshsales Admin Settings → Fields. ' +
        `The plan to follow is ${files.md} (and ${files.csv}); afterwards run "crm-migrate schema check --config ${loaded.file}". Nothing was changed.`,
    );
  }
  const dest = createFreshsales(loaded.config.destination, { logger: opts.logger });
  try {
    await dest.client.checkConnection();
    const r = await applySchema({ reader: dest.client, baseUrl, fields: plan.fields, alsoRead: dealsInScope(spec) ? ['deals'] : [], spec, ...(opts.fetchImpl ? { fetchImpl: opts.fetchImpl } : {}) });
    return { ...r, plan, files };
  } finally {
    await dest.http.close();
  }
}

function dealsInScope(spec: MappingSpec): boolean {
  return spec.objects.deal !== undefined && spec.objects.deal.enabled;
}
