/**
 * The confirmation gate: a map is proposed, a human confirms that exact map (its hash is
 * recorded with who and when), and migrate refuses to write with an unconfirmed or
 * changed map.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { ConfigError } from '../core/errors.js';
import type { CanonicalContact } from '../core/model.js';
import type { SourceConnector } from '../connectors/source.js';
import { loadMappingSpec, mappingHash, type MappingSpec } from '../mapping/spec.js';
import { proposeContactMap, renderMappingYaml } from '../mapping/propose.js';
import type { MapConfirmation, StateStore } from '../state/store.js';

/** Read a sample of source contacts and write a proposed map. */
export async function proposeMap(input: { source: SourceConnector; mappingFile: string; sampleSize: number; force: boolean }): Promise<{ spec: MappingSpec; fields: number; sampled: number }> {
  if (existsSync(input.mappingFile) && !input.force) {
    throw new ConfigError(`${input.mappingFile} already exists: pass --force to replace it (its confirmation will no longer apply)`, { file: input.mappingFile });
  }
  const attributes = await input.source.attributes();
  const samples: CanonicalContact[] = [];
  for await (const page of input.source.contacts(null)) {
    samples.push(...page.records);
    if (samples.length >= input.sampleSize || page.last) break;
  }
  const proposal = proposeContactMap({ source: input.source.name as 'xtremepush', attributes, samples: samples.slice(0, input.sampleSize) });
  writeFileSync(input.mappingFile, renderMappingYaml(proposal.spec, proposal.evidence));
  return { spec: proposal.spec, fields: proposal.spec.objects.contact.fields.length, sampled: Math.min(samples.length, input.sampleSize) };
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
