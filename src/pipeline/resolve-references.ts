/**
 * Resolves the names a human writes in the map (lifecycle statuses, stages, the default
 * owner) to the ids of this Freshsales account, read from its selectors. Maps stay
 * readable and portable between a sandbox and production; a name the account does not
 * have stops the run before any write, listing what the account offers.
 */
import { ConfigError } from '../core/errors.js';
import type { FreshsalesClient } from '../connectors/freshsales/index.js';
import type { ContactMap, MappingField, MappingSpec } from '../mapping/spec.js';

/** Standard contact targets whose values are ids of selector entries. */
const SELECTOR_TARGETS = ['lifecycle_stage_id', 'contact_status_id', 'owner_id', 'lead_source_id', 'campaign_id'] as const;
type SelectorTarget = (typeof SELECTOR_TARGETS)[number];

export interface ResolvedReferences {
  contactMap: ContactMap;
  /** Freshsales user id every migrated record is owned by, when the map names one. */
  ownerId: string | null;
}

const norm = (s: string) => s.trim().toLowerCase().replace(/\s+/g, ' ');
const isId = (v: unknown) => typeof v === 'number' || (typeof v === 'string' && /^\d+$/.test(v.trim()));

interface Named {
  id: string;
  names: string[];
}

export async function resolveReferences(spec: MappingSpec, dest: FreshsalesClient): Promise<ResolvedReferences> {
  const map = spec.objects.contact;
  const needs = new Set<SelectorTarget>();
  for (const f of map.fields) {
    if (typeof f.to === 'string' && (SELECTOR_TARGETS as readonly string[]).includes(f.to) && f.values && Object.values(f.values).some((v) => v !== null && !isId(v))) {
      needs.add(f.to as SelectorTarget);
    }
  }
  if (spec.owners?.default && !isId(spec.owners.default)) needs.add('owner_id');
  if (needs.size === 0) return { contactMap: map, ownerId: spec.owners?.default ?? null };

  // One selector call per kind actually needed.
  const lists = new Map<SelectorTarget, Named[]>();
  if (needs.has('lifecycle_stage_id') || needs.has('contact_status_id')) {
    const [stages, statuses] = await Promise.all([dest.lifecycleStages(), dest.contactStatuses()]);
    const stageName = new Map(stages.map((s) => [s.id, s.name]));
    lists.set('lifecycle_stage_id', stages.map((s) => ({ id: s.id, names: [s.name] })));
    // A status is known by its own name and by "Stage / Status" (names can repeat across stages).
    lists.set('contact_status_id', statuses.map((s) => ({ id: s.id, names: [s.name, `${stageName.get(s.lifecycle_stage_id ?? '') ?? ''} / ${s.name}`] })));
  }
  if (needs.has('lead_source_id')) lists.set('lead_source_id', (await dest.leadSources()).map((s) => ({ id: s.id, names: [s.name] })));
  if (needs.has('campaign_id')) lists.set('campaign_id', (await dest.campaigns()).map((s) => ({ id: s.id, names: [s.name] })));
  if (needs.has('owner_id')) {
    const users = await dest.owners();
    lists.set('owner_id', users.filter((u) => (u as { is_active?: boolean }).is_active !== false).map((u) => ({ id: u.id, names: [u.email ?? '', u.display_name ?? ''].filter(Boolean) })));
  }

  const problems: string[] = [];
  const lookup = (target: SelectorTarget, name: string, where: string): string | null => {
    const list = lists.get(target) ?? [];
    const hits = list.filter((e) => e.names.some((n) => norm(n) === norm(name)));
    if (hits.length === 1) return hits[0]!.id;
    const offered = list.map((e) => e.names[e.names.length - 1]).join(', ');
    problems.push(hits.length === 0 ? `${where}: "${name}" is not a ${target.replace(/_id$/, '').replace(/_/g, ' ')} in this account (it has: ${offered})` : `${where}: "${name}" matches ${hits.length} entries: write it as "Stage / Status"`);
    return null;
  };

  const fields: MappingField[] = map.fields.map((f) => {
    if (typeof f.to !== 'string' || !needs.has(f.to as SelectorTarget) || !f.values) return f;
    const values: NonNullable<MappingField['values']> = {};
    for (const [k, v] of Object.entries(f.values)) {
      values[k] = v === null || isId(v) ? v : lookup(f.to as SelectorTarget, String(v), `${f.to} value for "${k}"`);
    }
    return { ...f, values };
  });
  const ownerId = spec.owners?.default ? (isId(spec.owners.default) ? spec.owners.default : lookup('owner_id', spec.owners.default, 'owners.default')) : null;
  if (problems.length > 0) {
    throw new ConfigError(`the map names values this Freshsales account does not have:\n  - ${problems.join('\n  - ')}\nNothing was written.`);
  }
  return { contactMap: { ...map, fields }, ownerId };
}
