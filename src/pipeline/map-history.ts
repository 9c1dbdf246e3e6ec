/**
 * The proposer's history (stage 4 of the waterfall): the targets a person confirmed for an
 * organisation's source attributes. `map confirm` records them in the state store; `map propose`
 * reads them back, and a remembered target wins over everything else for the same attribute.
 *
 * The organisation is the config's `organisation:` name when it has one, else the Freshsales
 * account the config writes to, named by its base URL (`freshsales:acme.myfreshworks.com/crm/sales`):
 * one Freshsales account is one customer, and the URL is known without a call (the workdir
 * identity's account fingerprint needs one, and is recorded only by the first run).
 *
 * The state store lives in one workdir; a history file (`map history export` / `import`) carries
 * what was confirmed to the next workdir or migration of the same customer.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { SourceName } from '../core/model.js';
import type { RememberedTarget } from '../mapping/suggest.js';
import { proposalFileFor, readProposal, type Proposal } from '../mapping/proposal.js';
import { ATTRIBUTE_PREFIX, CUSTOM_FIELD_TYPES, CustomTarget, STANDARD_CONTACT_FIELDS, TRANSFORMS, isCustomTarget, type MappingSpec, type Target } from '../mapping/spec.js';
import { writeFileAtomic } from '../reports/atomic-write.js';
import type { MapConfirmation, RememberedField, StateStore } from '../state/store.js';
import type { LoadedConfig } from './config.js';
import { normaliseBaseUrl } from './identity.js';

/** The organisation a config's history belongs to: its `organisation:` name, else its Freshsales account by URL. */
export function organisationOf(loaded: Pick<LoadedConfig, 'config'>): string {
  const named = loaded.config.organisation?.trim();
  return named ? named : `freshsales:${normaliseBaseUrl(loaded.config.destination.baseUrl).replace(/^[a-z]+:\/\//, '')}`;
}

/** Who confirmed a remembered decision, when, and in which map. */
const Decision = {
  attribute: z.string().startsWith(ATTRIBUTE_PREFIX).min(ATTRIBUTE_PREFIX.length + 1),
  confirmedAt: z.iso.datetime({ offset: true }),
  confirmedBy: z.string().min(1).max(500),
  mapHash: z.string().regex(/^[0-9a-f]{6,64}$/, 'a map hash is hexadecimal'),
};

/** A remembered target, checked as a map field: a standard name, or a custom label with a type and valid choices. */
const MappedEntry = z
  .strictObject({
    ...Decision,
    skipped: z.undefined().optional(),
    target: z.string().trim().min(1).max(255),
    type: z.enum(CUSTOM_FIELD_TYPES).optional(),
    choices: z.array(z.string()).optional(),
    transform: z.enum(TRANSFORMS),
  })
  .superRefine((e, ctx) => {
    if (e.type === undefined) {
      if (!Object.hasOwn(STANDARD_CONTACT_FIELDS, e.target)) ctx.addIssue({ code: 'custom', path: ['target'], message: `"${e.target}" is not a Freshsales contact field (a custom field needs a type)` });
      return;
    }
    const r = CustomTarget.safeParse({ custom: e.target, type: e.type, ...(e.choices ? { choices: e.choices } : {}) });
    for (const issue of r.error?.issues ?? []) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  });

/** An attribute the proposal offered that the confirmed map left out. */
const SkippedEntry = z.strictObject({ ...Decision, skipped: z.literal(true) });

/** One remembered decision, as the history file holds it (and as the store's rows are checked on the way out): a target, or `skipped: true`. */
export const HistoryEntry = z.discriminatedUnion('skipped', [MappedEntry, SkippedEntry]);
export type HistoryEntry = z.infer<typeof HistoryEntry>;

/** The exported history file. Version 2 added skipped entries; a version 1 file (targets only) still imports. */
export const HistoryFile = z.strictObject({
  kind: z.literal('crm-migrate map history'),
  version: z.union([z.literal(1), z.literal(2)]),
  /** The organisation it was exported from (an import files it under the importing config's). */
  organisation: z.string().min(1),
  source: SourceName,
  exportedAt: z.iso.datetime({ offset: true }),
  fields: z.array(HistoryEntry),
});
export type HistoryFile = z.infer<typeof HistoryFile>;

/**
 * What a confirmed map teaches the proposer: the target of every field that reads a source
 * attribute, one per attribute (the first). Fields with a value map (the lifecycle stage into a
 * contact status) are left out: their target follows from the source, not from a choice. Each
 * of `leftOut` (the `from`s the proposal offered that the map does not read at all, see
 * {@link offeredAttributes}) is remembered as skipped: a person left it out.
 */
export function historyEntriesOf(spec: MappingSpec, c: Pick<MapConfirmation, 'confirmedAt' | 'confirmedBy' | 'mapHash'>, leftOut: Iterable<string> = []): RememberedField[] {
  const decision = { confirmedAt: c.confirmedAt, confirmedBy: c.confirmedBy, mapHash: c.mapHash };
  const byAttribute = new Map<string, RememberedField>();
  for (const f of spec.objects.contact.fields) {
    if (!f.from.startsWith(ATTRIBUTE_PREFIX) || f.values !== undefined || byAttribute.has(f.from)) continue;
    const to: Target = f.to;
    byAttribute.set(f.from, {
      attribute: f.from,
      ...(isCustomTarget(to) ? { target: to.custom, type: to.type, ...(to.choices ? { choices: [...to.choices] } : {}) } : { target: to }),
      transform: f.transform,
      ...decision,
    });
  }
  for (const from of leftOut) if (from.startsWith(ATTRIBUTE_PREFIX) && !byAttribute.has(from)) byAttribute.set(from, { attribute: from, skipped: true, ...decision });
  return [...byAttribute.values()];
}

/**
 * The source attributes the map's proposal (`proposal.json` beside it) considered: its fields
 * and what it left out on purpose. None when there is no proposal, it cannot be read, or it is
 * another map's or source's: then nothing is remembered as skipped.
 */
export function offeredAttributes(mappingFile: string, spec: MappingSpec): string[] {
  const file = proposalFileFor(mappingFile);
  if (!existsSync(file)) return [];
  let proposal: Proposal;
  try {
    proposal = readProposal(file);
  } catch {
    return [];
  }
  if (proposal.source !== spec.source || proposal.map.file !== basename(mappingFile)) return [];
  return [...proposal.fields.map((f) => f.from), ...(proposal.notMapped ?? []).map((n) => n.from)].filter((from) => from.startsWith(ATTRIBUTE_PREFIX));
}

/** The remembered targets (and skips) of an organisation's source, by `from`, as the proposer takes them. Rows that no longer validate are left out. */
export async function rememberedTargets(store: StateStore, organisation: string, source: string): Promise<Map<string, RememberedTarget>> {
  const out = new Map<string, RememberedTarget>();
  for (const row of await store.mappingHistory(organisation, source)) {
    const r = HistoryEntry.safeParse(row);
    if (!r.success) continue;
    const e = r.data;
    if (e.skipped) {
      out.set(e.attribute, { from: e.attribute, skipped: true, confirmedAt: e.confirmedAt, confirmedBy: e.confirmedBy, mapHash: e.mapHash });
      continue;
    }
    const target: Target = e.type === undefined ? (e.target as keyof typeof STANDARD_CONTACT_FIELDS) : { custom: e.target, type: e.type, ...(e.choices ? { choices: e.choices } : {}) };
    out.set(e.attribute, { from: e.attribute, target, transform: e.transform, confirmedAt: e.confirmedAt, confirmedBy: e.confirmedBy, mapHash: e.mapHash });
  }
  return out;
}

/** Write the organisation's history for `source` to `file` (owner-only: it names people). Returns the file's content. */
export async function exportHistory(input: { store: StateStore; organisation: string; source: SourceName; file: string; now: Date }): Promise<HistoryFile> {
  const fields = (await input.store.mappingHistory(input.organisation, input.source)).filter((row) => HistoryEntry.safeParse(row).success) as HistoryEntry[];
  const doc: HistoryFile = { kind: 'crm-migrate map history', version: 2, organisation: input.organisation, source: input.source, exportedAt: input.now.toISOString(), fields };
  await writeFileAtomic(input.file, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
  return doc;
}

/**
 * Read a history file and remember its targets under `organisation` (the importing config's) for
 * its source, which must be the config's. Per attribute the newest confirmation wins, so an
 * older file never undoes a newer confirmation. A file that does not validate changes nothing.
 */
export async function importHistory(input: { store: StateStore; organisation: string; source: SourceName; file: string }): Promise<{ file: HistoryFile; imported: number }> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(input.file, 'utf8'));
  } catch (e) {
    throw new ConfigError(`cannot read the history file ${input.file}: ${e instanceof SyntaxError ? `not JSON (${e.message})` : ((e as NodeJS.ErrnoException).code ?? String(e))}`, { file: input.file, cause: e });
  }
  const parsed = HistoryFile.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `  ${i.path.join('.') || '(file)'}: ${i.message}`);
    throw new ConfigError(`${input.file} is not a crm-migrate map history file:\n${issues.join('\n')}`, { file: input.file });
  }
  const file = parsed.data;
  if (file.source !== input.source) {
    throw new ConfigError(`${input.file} holds the history of a ${file.source} source, but the config reads ${input.source}: attribute names do not carry across sources`, { file: input.file });
  }
  await input.store.rememberMapping(input.organisation, input.source, file.fields);
  return { file, imported: file.fields.length };
}
