/**
 * The confirmation gate: a map is proposed, a human confirms that exact map (its hash is
 * recorded with who and when), and migrate refuses to write with an unconfirmed or
 * changed map.
 */
import { offers } from '../connectors/manifest.js';
import { sourceContacts } from './source-contacts.js';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { didYouMean } from '../core/did-you-mean.js';
import { positionInYaml } from '../core/yaml.js';
import { parseDocument } from 'yaml';
import { ConfigError } from '../core/errors.js';
import { sourceLabel, type CanonicalContact } from '../core/model.js';
import type { AttributeInventory } from '../mapping/inventory.js';
import type { SourceConnector } from '../connectors/source.js';
import { loadMappingSpec, mappingHash, type MappingSpec } from '../mapping/spec.js';
import { proposeContactMap, renderMappingYaml, type ContactMapProposal, type FieldEvidence } from '../mapping/propose.js';
import { proposeContactMapWithAi } from '../mapping/propose-ai.js';
import type { AskModelOptions } from '../mapping/ai-suggest.js';
import { proposalFileFor, renderProposal, toProposal, type Proposal } from '../mapping/proposal.js';
import { checkProposalDefaults, FALLBACK_PROPOSAL_DEFAULTS, type ProposalDefaults } from '../mapping/proposal-defaults.js';
import { writeFileAtomic } from '../reports/atomic-write.js';
import type { MapConfirmation, StateStore } from '../state/store.js';
import { historyEntriesOf, offeredAttributes, rememberedTargets } from './map-history.js';

/** What {@link proposeMap} made: the map as written, the proposal as data, and the files it wrote. */
export interface MapProposal {
  /** The map as written and read back (contact fields, owner, task and deal sections). */
  spec: MappingSpec;
  /** The proposal document, as written to `proposal.json`. */
  proposal: Proposal;
  /** Evidence per contact field, in field order. */
  evidence: FieldEvidence[];
  /** Map-wide warnings (also in the map's header and the proposal). */
  warnings: string[];
  /** Source attributes left out on purpose (push tokens, installation ids, internal ids), with the reason. */
  notMapped: ContactMapProposal['notMapped'];
  files: { mapping: string; proposal: string };
  /** Contact fields proposed. */
  fields: number;
  /** Contacts sampled. */
  sampled: number;
  /** True when a discovery inventory (every contact) supplied the statistics. */
  fromInventory: boolean;
  /** What the model stage did (only when it was asked): one line each, including why it was not used. */
  aiNotes?: string[];
  /** Why the model could not be used at all (its note is the last of `aiNotes`): the map is the waterfall's alone. */
  aiFailed?: string;
}

/**
 * Read a sample of source contacts and propose a map: the mapping YAML (evidence in its
 * comments) and, next to it, `proposal.json` (the same proposal as data), both written
 * atomically. `defaults` are what the source knows about its own attributes (default: the
 * fallback values).
 */
export async function proposeMap(input: {
  source: SourceConnector;
  mappingFile: string;
  sampleSize: number;
  force: boolean;
  defaultOwner?: string | null;
  inventory?: AttributeInventory;
  defaults?: ProposalDefaults;
  now?: Date;
  /** The state store and organisation whose confirmed targets (history) the proposer offers first. */
  history?: { store: StateStore; organisation: string };
  /** Ask a language model about what the waterfall left low-confidence (off unless given; see ai-model.ts). */
  ai?: AskModelOptions;
}): Promise<MapProposal> {
  if (existsSync(input.mappingFile) && !input.force) {
    throw new ConfigError(`${input.mappingFile} already exists: pass --force to replace it (its confirmation will no longer apply)`, { file: input.mappingFile });
  }
  // What the source's manifest declares about its own data, unless the caller overrides it.
  const defaults = checkProposalDefaults(input.defaults ?? input.source.manifest.proposalDefaults);
  const attributes = await input.source.attributes();
  const samples: CanonicalContact[] = [];
  for await (const records of sourceContacts(input.source, { limit: input.sampleSize })) samples.push(...records);
  const sampled = samples.slice(0, input.sampleSize);
  // With a discovery inventory (every contact scanned) dropdown choices are complete, not sampled.
  const history = input.history ? await rememberedTargets(input.history.store, input.history.organisation, input.source.name) : undefined;
  const proposeInput = {
    source: input.source.name, attributes, samples: sampled, referenceModels: input.source.referenceModels, defaults,
    ...(input.inventory ? { inventory: input.inventory } : {}), ...(history && history.size > 0 ? { history } : {}),
  };
  // Stage 5 (optional): a model asked about what is left low-confidence; it never fails the proposal.
  const assisted = input.ai ? await proposeContactMapWithAi(proposeInput, input.ai) : undefined;
  const proposal = assisted ?? proposeContactMap(proposeInput);
  const hasAttribute = (name: string) =>
    attributes.some((a) => a.name === name) || samples.some((c) => c.attributes[name] !== undefined) || (input.inventory?.attributes.some((a) => a.key === `attributes.${name}` && a.present > 0) ?? false);
  const text = extendProposal(renderMappingYaml(proposal.spec, proposal.evidence, { warnings: proposal.warnings, notMapped: proposal.notMapped }), {
    source: input.source.name,
    defaults,
    dealTier: defaults.dealTier !== null && hasAttribute(defaults.dealTier.attribute),
    campaigns: offers(input.source, 'campaigns'),
    owner: input.defaultOwner ?? null,
  });
  await writeFileAtomic(input.mappingFile, text);
  const spec = loadMappingSpec(input.mappingFile);
  const document = toProposal(proposal, {
    mappingFile: input.mappingFile,
    mapHash: mappingHash(spec),
    generatedAt: input.now ?? new Date(),
    sampled: sampled.length,
    inventoryContacts: input.inventory?.contacts ?? null,
    spec,
  });
  const proposalFile = proposalFileFor(input.mappingFile);
  // Sample values (names, masked emails) are personal data: owner-only.
  await writeFileAtomic(proposalFile, renderProposal(document), { mode: 0o600 });
  return {
    spec,
    proposal: document,
    evidence: proposal.evidence,
    warnings: proposal.warnings,
    notMapped: proposal.notMapped,
    files: { mapping: input.mappingFile, proposal: proposalFile },
    fields: spec.objects.contact.fields.length,
    sampled: sampled.length,
    fromInventory: input.inventory !== undefined,
    ...(assisted ? { aiNotes: assisted.ai.notes, ...(assisted.ai.failed !== undefined ? { aiFailed: assisted.ai.failed } : {}) } : {}),
  };
}

/**
 * Adds to a rendered proposal what a default map says beyond its contact fields: the owner,
 * the task policy (the source's campaign interactions and high-value events) and, when the
 * source has its deal-tier attribute (`dealTier`), an opt-in deal section left disabled. The
 * YAML document API keeps the proposal's evidence comments.
 */
export function extendProposal(text: string, opts: { owner: string | null; source?: string; defaults?: ProposalDefaults; dealTier?: boolean; campaigns?: boolean }): string {
  const label = sourceLabel(opts.source ?? 'source');
  const defaults = opts.defaults ?? FALLBACK_PROPOSAL_DEFAULTS;
  const doc = parseDocument(text);
  if (opts.owner) {
    doc.set('owners', doc.createNode({ default: opts.owner }));
    (doc.get('owners', true) as { commentBefore?: string }).commentBefore = ' Every migrated record is owned by this Freshsales user (email or name).';
  }
  const task = doc.createNode({
    timeline: 'tasks',
    campaigns: true,
    interactions: [...defaults.interactions],
    events: { policy: 'high_value', high_value: [...defaults.highValueEvents], summary: [] },
  });
  task.commentBefore =
    ' The activity timeline: campaign interactions and events, each one API call (no bulk endpoint).\n' +
    ' Event policy: all | high_value | summary | none; migrate prints what each policy costs in calls\n' +
    ' and hours on your plan before writing anything.\n' +
    ' timeline: tasks (title, description, due date) or sales_activities — then also say which type\n' +
    ' (created by the admin in Admin Settings → Sales activities) and, optionally, which event\n' +
    ' properties become sales-activity custom fields (planned by schema plan, like contact fields):\n' +
    '   sales_activity:\n' +
    '     type: App event\n' +
    '     fields:\n' +
    '       - { from: event, to: { custom: Event name, type: text } }\n' +
    '       - { from: value, to: { custom: Event value, type: text } }   # or parameters.<name>, device_id, campaign, channel, interaction';
  doc.setIn(['objects', 'task'], task);
  const tier = defaults.dealTier;
  if (opts.dealTier && tier) {
    const deal = doc.createNode({
      enabled: false,
      from: `attributes.${tier.attribute}`,
      amounts: { ...(tier.amounts ?? {}) },
      stage: 'New',
      account: 'shared',
      account_name: `${label} customers`,
    });
    deal.commentBefore =
      ` Opt-in: engagement-derived deals (${tier.attribute} → deal-size bracket, stage "New"). Set enabled: true to include.` +
      (tier.amounts === undefined ? '\n Amounts: fill in <source value>: <deal amount> for each value that should make a deal.' : '');
    doc.setIn(['objects', 'deal'], deal);
  }
  if (opts.campaigns) {
    const campaign = doc.createNode({
      enabled: false,
      stage: 'New',
      stats: { sent: 'Campaign sent', failed: 'Campaign failed', clicked: 'Campaign clicked' },
    });
    campaign.commentBefore =
      ` Opt-in: one deal per ${label} campaign with its performance in deal number fields (created by schema apply).
` +
      ' Figures: sent, delivered, failed, opened, clicked, conversions — a figure the source does not report is left out.';
    doc.setIn(['objects', 'campaign'], campaign);
  }
  return doc.toString({ lineWidth: 0 });
}

/** How many contacts `knownSourceAttributes` reads when the source declares no attributes. */
const ATTRIBUTE_SAMPLE = 1000;

/**
 * The attribute names the source has: those it declares, those the discovery inventory saw on
 * every contact (when there is one), and — only when `needed` names one neither knows (or no
 * `needed` is given) — those the first contacts carry. Reading contacts can cost a call per
 * user on some sources, so a map the declarations already cover reads none.
 */
export async function knownSourceAttributes(source: SourceConnector, inventory?: AttributeInventory, needed?: readonly string[]): Promise<Set<string>> {
  const names = new Set<string>((await source.attributes()).map((a) => a.name));
  for (const a of inventory?.attributes ?? []) if (a.origin === 'attribute') names.add(a.key.replace(/^attributes\./, ''));
  if (needed !== undefined && needed.every((n) => names.has(n))) return names;
  for await (const records of sourceContacts(source, { limit: ATTRIBUTE_SAMPLE })) for (const c of records) for (const k of Object.keys(c.attributes)) names.add(k);
  return names;
}

/** Where the map reads source attributes: each `attributes.<name>` with its path in the file. */
function attributeReads(spec: MappingSpec): Array<{ path: Array<string | number>; from: string }> {
  const reads: Array<{ path: Array<string | number>; from: string }> = [];
  spec.objects.contact.fields.forEach((f, i) => reads.push({ path: ['objects', 'contact', 'fields', i, 'from'], from: f.from }));
  spec.objects.contact.packed?.from.forEach((from, i) => reads.push({ path: ['objects', 'contact', 'packed', 'from', i], from }));
  if (spec.objects.deal?.enabled) reads.push({ path: ['objects', 'deal', 'from'], from: spec.objects.deal.from });
  return reads.filter((r) => r.from.startsWith('attributes.'));
}

/** The source attribute names a map reads. */
export function mapAttributeNames(spec: MappingSpec): string[] {
  return [...new Set(attributeReads(spec).map((r) => r.from.slice('attributes.'.length)))];
}

/**
 * Every `attributes.<name>` the map reads must exist in the source: a misspelt name would
 * migrate an empty field and report it verified. A ConfigError lists each with its line in the
 * map and the closest real attribute.
 */
export function checkMapAttributes(spec: MappingSpec, mappingFile: string, known: Set<string>): void {
  const candidates = [...known];
  const problems = attributeReads(spec)
    .filter((r) => !known.has(r.from.slice('attributes.'.length)))
    .map((r) => {
      const name = r.from.slice('attributes.'.length);
      const { line, column } = positionInYaml(mappingFile, r.path);
      const hint = didYouMean(name, candidates).replace(/"([^"]+)"/, '"attributes.$1"');
      return `${basename(mappingFile)} line ${line}, column ${column}: ${r.from} is not an attribute of the source${hint}`;
    });
  if (problems.length > 0) {
    throw new ConfigError(
      problems.length === 1 ? problems[0]! : `${basename(mappingFile)}: ${problems.length} fields read attributes the source does not have:\n${problems.map((p) => `  ${p}`).join('\n')}`,
      { file: mappingFile },
    );
  }
}

/**
 * Record that `by` confirmed the map as it is now (after checking its attributes exist, when
 * `known` is given). With an `organisation`, the targets of the fields that read source
 * attributes are remembered for it (the proposer's history, see map-history.ts), and so is each
 * attribute its proposal offered that the map leaves out (`leftOut`): remembered as skipped.
 */
export async function confirmMap(input: { store: StateStore; mappingFile: string; by: string; now: Date; known?: Set<string>; organisation?: string }): Promise<MapConfirmation & { leftOut: string[] }> {
  const spec = loadMappingSpec(input.mappingFile);
  if (input.known) checkMapAttributes(spec, input.mappingFile, input.known);
  const c: MapConfirmation = { mapHash: mappingHash(spec), confirmedBy: input.by, confirmedAt: input.now.toISOString(), mapFile: input.mappingFile };
  await input.store.recordConfirmation(c);
  if (input.organisation === undefined) return { ...c, leftOut: [] };
  const read = new Set(mapAttributeNames(spec).map((n) => `attributes.${n}`));
  const leftOut = [...new Set(offeredAttributes(input.mappingFile, spec))].filter((from) => !read.has(from));
  await input.store.rememberMapping(input.organisation, spec.source, historyEntriesOf(spec, c, leftOut));
  return { ...c, leftOut };
}

/** Load the map and insist it was confirmed exactly as it is. */
export async function requireConfirmedMap(store: StateStore, mappingFile: string): Promise<{ spec: MappingSpec; hash: string; confirmation: MapConfirmation }> {
  const spec = loadMappingSpec(mappingFile);
  const hash = mappingHash(spec);
  const confirmation = await store.getConfirmation(hash);
  if (!confirmation) {
    throw new ConfigError(
      `the map in ${mappingFile} (hash ${hash.slice(0, 12)}) has not been confirmed${'' /* or it changed since */}: review it, then run "crm-migrate map confirm --config <file>". Nothing was written.`,
      { file: mappingFile },
    );
  }
  return { spec, hash, confirmation };
}
