/**
 * The proposer with its optional fifth stage: propose without the model, ask the model about
 * what is still low-confidence or found no standard field (ai-suggest.ts: one batched request,
 * masked samples), then propose again with its answers folded in as evidence. The model never
 * decides alone, and a failure to reach it leaves the first proposal as it was, with a note.
 */
import { askModel, type AiAnswers, type AiCandidate, type AskModelOptions } from './ai-suggest.js';
import { proposeContactMap, type ContactMapProposal, type ProposeInput } from './propose.js';
import { statsOf } from './inventory.js';
import { ATTRIBUTE_PREFIX } from './spec.js';

/** A proposal made with the model's help, and what the model stage did. */
export interface AiAssistedProposal extends ContactMapProposal {
  ai: AiAnswers;
}

/** The attributes of a first proposal worth a second opinion: low confidence, or a custom field with no standard field in view. */
export function aiCandidates(input: ProposeInput, first: ContactMapProposal): AiCandidate[] {
  const declared = new Map(input.attributes.map((a) => [a.name, a.type]));
  const rows: Array<{ from: string; band: string; signals: readonly string[]; current: string; nullRate?: number; distinct?: number | string }> = [];
  for (const e of first.evidence) {
    if (!e.from.startsWith(ATTRIBUTE_PREFIX) || !e.signals || e.signals[0]?.startsWith('history:')) continue;
    const custom = e.to.startsWith('custom ');
    if (e.band === 'low' || (custom && e.band === 'medium' && !e.suggested)) rows.push({ from: e.from, band: e.band, signals: e.signals, current: `${e.to} (${e.band})`, nullRate: e.nullRate, distinct: e.distinctValues });
  }
  for (const n of first.notMapped) if (n.band === 'low') rows.push({ from: n.from, band: n.band, signals: n.signals, current: `not mapped: ${n.reason} (${n.band})` });
  // Low confidence first: they are what a capped request must not leave out.
  rows.sort((a, b) => (a.band === b.band ? 0 : a.band === 'low' ? -1 : 1));
  return rows.map((r) => {
    const name = r.from.slice(ATTRIBUTE_PREFIX.length);
    const stats = input.inventory ? statsOf(input.inventory, r.from) : undefined;
    // Raw values (masked by askModel before anything is sent): every contact's list, else the sampled contacts'.
    const samples = stats ? (stats.values ? stats.values.map((v) => v.value) : stats.samples) : input.samples.map((c) => c.attributes[name]).filter((v) => v !== undefined && v !== null && v !== '');
    const type = declared.get(name);
    return {
      from: r.from,
      name,
      ...(type ? { declaredType: type } : {}),
      observed: r.signals.find((s) => s.startsWith('values:'))?.replace(/^values: /, '') ?? 'no values',
      distinct: r.distinct ?? stats?.distinct ?? new Set(samples.map((v) => JSON.stringify(v))).size,
      nullRate: r.nullRate ?? stats?.nullRate ?? 0,
      samples: samples.slice(0, 20),
      current: r.current,
    };
  });
}

/**
 * Propose a contact map with the model's help (stage 5). Never fails for the model's sake: an
 * answer it cannot use or a failure to reach it leaves the waterfall's proposal, and
 * `ai.notes` says so.
 */
export async function proposeContactMapWithAi(input: ProposeInput, ask: AskModelOptions): Promise<AiAssistedProposal> {
  const first = proposeContactMap(input);
  const candidates = aiCandidates(input, first);
  const ai = await askModel(candidates, ask);
  if (ai.answers.size === 0) return { ...first, ai };
  return { ...proposeContactMap({ ...input, ai }), ai };
}
