/**
 * The proposal kept as data: `proposal.json`, written by `map propose` next to the mapping
 * YAML. The YAML is what a human edits and confirms (its comments carry the same evidence for
 * reading in an editor); this file is what programs read and write — a review page, or another
 * proposer (an AI one) that proposes fields with its own evidence.
 *
 * Per field: the map field itself (from, target, transform, …) and why it was proposed
 * (confidence, sample values masked as in the YAML, distinct values, null rate, type fit,
 * notes), plus map-wide warnings; `map` names the YAML it was written with and that map's hash,
 * so a reader can tell whether the YAML was edited since.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { ConfigError, TerminalError } from '../core/errors.js';
import { AttributeType, SourceName } from '../core/model.js';
import { DistinctCount } from './inventory.js';
import type { ContactMapProposal } from './propose.js';
import { CustomTarget, ON_INVALID, STANDARD_CONTACT_FIELDS, TRANSFORMS, type MappingField, type MappingSpec, type StandardContactField } from './spec.js';

/** The file name of the proposal, in the mapping file's folder. */
export const PROPOSAL_FILE = 'proposal.json';

/** Why a field was proposed. */
export const ProposalEvidence = z.strictObject({
  /** Up to five frequent values (emails and phones masked). */
  sampleValues: z.array(z.string()),
  /** Exact count, or "200+" when more were counted. */
  distinctValues: DistinctCount,
  /** Share of contacts with no value. */
  nullRate: z.number().min(0).max(1),
  /** How the values fit the chosen type, in words. */
  typeFit: z.string(),
  /** What the reviewer should know, one point each. */
  notes: z.array(z.string()),
  /** What the counts were taken over: every contact (a discovery inventory) or the sampled contacts. */
  basis: z.enum(['inventory', 'sample']),
  /** high only when independent signals agree (name and values, or history); absent in proposals written before bands. */
  band: z.enum(['high', 'medium', 'low']).optional(),
  /** What each stage of the proposer saw (history, name, values, type). */
  signals: z.array(z.string()).optional(),
});
/** Why a field was proposed. */
export type ProposalEvidence = z.infer<typeof ProposalEvidence>;

const StandardField = z.enum(Object.keys(STANDARD_CONTACT_FIELDS) as [StandardContactField, ...StandardContactField[]]);

/** One proposed field: the map field as data, and its evidence. */
export const ProposedField = z.strictObject({
  /** A contact field (`email`, `phone`, …) or `attributes.<source attribute name>`. */
  from: z.string().min(1),
  /** A standard Freshsales contact field name, or a custom field by label with its type (and choices). */
  target: z.union([StandardField, CustomTarget]),
  /** The type the source values were read as (declared by the source, or inferred from the values). */
  type: AttributeType,
  transform: z.enum(TRANSFORMS),
  on_invalid: z.enum(ON_INVALID),
  /** The source model whose record ids the value holds, written as that record's readable label. */
  resolve: z.string().optional(),
  /** Source value → destination value (e.g. lifecycle stage → "Stage / Status" name). */
  values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  /** 0–1: how sure the proposer is that this is the right target and type. */
  confidence: z.number().min(0).max(1),
  evidence: ProposalEvidence,
});
/** One proposed field. */
export type ProposedField = z.infer<typeof ProposedField>;

/** The proposal document (`proposal.json`). */
export const Proposal = z.strictObject({
  version: z.literal(1),
  source: SourceName,
  /** When the proposal was made (ISO 8601, UTC). */
  generatedAt: z.iso.datetime(),
  /** The mapping YAML written with it (file name, in the same folder) and the hash of the map as proposed. */
  map: z.strictObject({ file: z.string().min(1), hash: z.string().regex(/^[0-9a-f]{64}$/) }),
  /** How many contacts were sampled, and how many the discovery inventory counted (null: no inventory). */
  sampled: z.number().int().min(0),
  inventoryContacts: z.number().int().min(0).nullable(),
  /** The contact fields, in map order. */
  fields: z.array(ProposedField),
  /** Map-wide warnings (e.g. more custom fields than the smallest plan allows). */
  warnings: z.array(z.string()),
  /** Source attributes the proposer left out on purpose, with why (absent in proposals written before it was kept). */
  notMapped: z
    .array(
      z.strictObject({
        from: z.string().min(1),
        reason: z.string(),
        route: z.enum(['device_dataset', 'none']),
        band: z.enum(['high', 'medium', 'low']),
        signals: z.array(z.string()),
      }),
    )
    .optional(),
});
/** The proposal document. */
export type Proposal = z.infer<typeof Proposal>;

/** Where the proposal of a mapping file lives: `proposal.json` in the same folder. */
export function proposalFileFor(mappingFile: string): string {
  return join(dirname(mappingFile), PROPOSAL_FILE);
}

/** What {@link toProposal} needs besides the proposer's output. */
export interface ProposalContext {
  /** The mapping file the proposal was written as. */
  mappingFile: string;
  /** `mappingHash` of the map as written (with the sections added around the fields). */
  mapHash: string;
  generatedAt: Date;
  sampled: number;
  /** Contacts the discovery inventory counted, or null without one. */
  inventoryContacts: number | null;
  /** The map as written, when it differs from the proposer's (defaults to the proposal's spec). */
  spec?: MappingSpec;
}

/**
 * The proposal as data: each field of the map with the proposer's evidence for it (same
 * order; a field the proposer did not make has no evidence and cannot be given one, so it is
 * an error — the caller passes the fields the proposer made).
 */
export function toProposal(p: ContactMapProposal, ctx: ProposalContext): Proposal {
  const spec = ctx.spec ?? p.spec;
  const fields = spec.objects.contact.fields.map((f, i): ProposedField => {
    const e = p.evidence[i];
    if (e === undefined || e.from !== f.from) throw new TerminalError(`proposal: no evidence for field ${i + 1} (${f.from})`);
    return {
      from: f.from,
      target: f.to,
      type: e.type,
      transform: f.transform,
      on_invalid: f.on_invalid,
      ...(f.resolve !== undefined ? { resolve: f.resolve } : {}),
      ...(f.values !== undefined ? { values: f.values } : {}),
      confidence: e.confidence,
      evidence: {
        sampleValues: e.sampleValues, distinctValues: e.distinctValues, nullRate: e.nullRate, typeFit: e.typeFit, notes: e.notes, basis: e.basis,
        ...(e.band !== undefined ? { band: e.band } : {}),
        ...(e.signals !== undefined ? { signals: e.signals } : {}),
      },
    };
  });
  return Proposal.parse({
    version: 1,
    source: spec.source,
    generatedAt: ctx.generatedAt.toISOString(),
    map: { file: basename(ctx.mappingFile), hash: ctx.mapHash },
    sampled: ctx.sampled,
    inventoryContacts: ctx.inventoryContacts,
    fields,
    warnings: p.warnings,
    notMapped: p.notMapped,
  });
}

/** The proposal as the text of `proposal.json` (validated first, so nothing unreadable is written). */
export function renderProposal(p: Proposal): string {
  return `${JSON.stringify(Proposal.parse(p), null, 2)}\n`;
}

/** A proposed field as a map field (what the YAML holds for it). */
export function proposedMappingField(f: ProposedField): MappingField {
  const { target, type: _type, confidence: _confidence, evidence: _evidence, ...field } = f;
  return { ...field, to: target };
}

/** Read a `proposal.json` back; a `ConfigError` naming the file says what is wrong with it. */
export function readProposal(file: string): Proposal {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    const why = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : `cannot be read: ${(cause as Error).message}`;
    throw new ConfigError(`proposal file ${file} ${why}`, { file, cause });
  }
  const r = Proposal.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues.slice(0, 5).map((i) => `${i.path.length > 0 ? i.path.join('.') : '(document)'}: ${i.message}`);
    const more = r.error.issues.length > 5 ? `; and ${r.error.issues.length - 5} more` : '';
    throw new ConfigError(`${file} is not a proposal written by "crm-migrate map propose" (${issues.join('; ')}${more})`, { file });
  }
  return r.data;
}
