/**
 * The confirmation gate: a map is proposed, a human confirms that exact map (its hash is
 * recorded with who and when), and migrate refuses to write with an unconfirmed or
 * changed map.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { parseDocument, type YAMLSeq } from 'yaml';
import { ConfigError } from '../core/errors.js';
import type { CanonicalContact } from '../core/model.js';
import type { AttributeInventory } from '../mapping/inventory.js';
import type { SourceConnector } from '../connectors/source.js';
import { loadMappingSpec, mappingHash, type MappingSpec } from '../mapping/spec.js';
import { proposeContactMap, renderMappingYaml } from '../mapping/propose.js';
import type { MapConfirmation, StateStore } from '../state/store.js';

/** Read a sample of source contacts and write a proposed map. */
export async function proposeMap(input: { source: SourceConnector; mappingFile: string; sampleSize: number; force: boolean; defaultOwner?: string | null; inventory?: AttributeInventory }): Promise<{ spec: MappingSpec; fields: number; sampled: number }> {
  if (existsSync(input.mappingFile) && !input.force) {
    throw new ConfigError(`${input.mappingFile} already exists: pass --force to replace it (its confirmation will no longer apply)`, { file: input.mappingFile });
  }
  const attributes = await input.source.attributes();
  const samples: CanonicalContact[] = [];
  for await (const page of input.source.contacts(null)) {
    samples.push(...page.records);
    if (samples.length >= input.sampleSize || page.last) break;
  }
  // With a discovery inventory (every contact scanned) dropdown choices are complete, not sampled.
  const proposal = proposeContactMap({ source: input.source.name as 'xtremepush', attributes, samples: samples.slice(0, input.sampleSize), referenceModels: input.source.referenceModels, ...(input.inventory ? { inventory: input.inventory } : {}) });
  const hasAttribute = (name: string) => attributes.some((a) => a.name === name) || samples.some((c) => c.attributes[name] !== undefined);
  const text = extendProposal(renderMappingYaml(proposal.spec, proposal.evidence), {
    lifecycle: hasAttribute('lifecycle_stage'),
    loyaltyTier: hasAttribute('loyalty_tier'),
    owner: input.defaultOwner ?? null,
  });
  writeFileSync(input.mappingFile, text);
  const spec = loadMappingSpec(input.mappingFile);
  return { spec, fields: spec.objects.contact.fields.length, sampled: Math.min(samples.length, input.sampleSize) };
}

/**
 * Adds to a rendered proposal what a default map should say beyond fields: the lifecycle
 * value map (Xtremepush stage → Freshsales contact status, by name), the owner, the task
 * policy (campaign interactions and high-value events) and an opt-in deal section left
 * disabled. The YAML document API keeps the proposal's evidence comments.
 */
export function extendProposal(text: string, opts: { lifecycle: boolean; loyaltyTier: boolean; owner: string | null }): string {
  const doc = parseDocument(text);
  if (opts.lifecycle) {
    const fields = doc.getIn(['objects', 'contact', 'fields']) as YAMLSeq;
    const node = doc.createNode({
      from: 'attributes.lifecycle_stage',
      to: 'contact_status_id',
      values: { subscriber: 'Lead / New', lead: 'Lead / Contacted', engaged: 'Lead / Interested', loyal: 'Customer / Won', churned: 'Customer / Churned' },
    });
    node.commentBefore =
      ' Lifecycle stage → Freshsales contact status (by "Stage / Status" name, resolved in this account at run time);\n' +
      ' the original Xtremepush value is also kept in its own custom field above.';
    fields.items.push(node);
  }
  if (opts.owner) {
    doc.set('owners', doc.createNode({ default: opts.owner }));
    (doc.get('owners', true) as { commentBefore?: string }).commentBefore = ' Every migrated record is owned by this Freshsales user (email or name).';
  }
  const task = doc.createNode({
    campaigns: true,
    interactions: ['delivered', 'opened', 'clicked'],
    events: { policy: 'high_value', high_value: ['deposit', 'purchase'], summary: [] },
  });
  task.commentBefore =
    ' Tasks cost one API call each (no bulk endpoint). Event policy: all | high_value | summary | none;\n' +
    ' migrate prints what each policy costs in calls and hours on your plan before writing anything.';
  doc.setIn(['objects', 'task'], task);
  if (opts.loyaltyTier) {
    const deal = doc.createNode({
      enabled: false,
      from: 'attributes.loyalty_tier',
      amounts: { bronze: 100, silver: 500, gold: 2000, platinum: 10000 },
      stage: 'New',
      account: 'shared',
      account_name: 'Xtremepush customers',
    });
    deal.commentBefore = ' Opt-in: engagement-derived deals (loyalty tier → deal-size bracket, stage "New"). Set enabled: true to include.';
    doc.setIn(['objects', 'deal'], deal);
  }
  return doc.toString({ lineWidth: 0 });
}

/** Record that `by` confirmed the map as it is now. */
export async function confirmMap(input: { store: StateStore; mappingFile: string; by: string; now: Date }): Promise<MapConfirmation> {
  const spec = loadMappingSpec(input.mappingFile);
  const c: MapConfirmation = { mapHash: mappingHash(spec), confirmedBy: input.by, confirmedAt: input.now.toISOString(), mapFile: input.mappingFile };
  await input.store.recordConfirmation(c);
  return c;
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
