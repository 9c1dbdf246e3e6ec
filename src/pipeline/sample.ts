/**
 * `migrate --sample N`: a run over N source contacts drawn by a seeded, stratified draw
 * (sample-draw.ts), migrated through every phase exactly as the full run would, and a sample
 * review of a few dozen of them (source → written → read back, field by field).
 *
 * How it rides on the ordinary run:
 * - the contact survey gains a `sample` step between extract and prepare: the whole source is
 *   extracted (the strata need every record), the draw is made once and recorded in the run
 *   (checkpoint `sample:draw`, membership kind `sample`), and every staged contact outside it
 *   leaves the run (`retainStaged`) — so prepare, match, the plan, the loads and the
 *   reconciliation see only the sample; a resumed run reads the recorded draw, never draws again;
 * - children follow their contact: deals and accounts derive from the contacts the run loaded,
 *   and the timeline phase (tasks, activities) reads a source whose interaction and event
 *   streams hold only the sampled contacts' records (`scopeToSample`); records of other
 *   contacts are out of scope, not orphans. Campaign deals have no parent contact: all of them
 *   are written;
 * - the contact phase gains a `review` load step after its load: the review records are read
 *   back from Freshsales (100 per call, counted in the plan and in the run's calls) and the
 *   review is written into the run's report folder.
 */
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import type { CanonicalContact } from '../core/model.js';
import type { FsRecord } from '../connectors/freshsales/index.js';
import type { SourceConnector, SourcePage } from '../connectors/source.js';
import { emailKey } from '../mapping/normalise.js';
import { createQualityAnalyser } from '../mapping/quality.js';
import { isCustomTarget, targetRule, type ContactMap } from '../mapping/spec.js';
import { readPath } from '../mapping/transform.js';
import { writeSampleReview, type ReviewField, type ReviewRecord, type SampleReview } from '../reports/sample-review.js';
import type { StateStore } from '../state/store.js';
import { readCheckpoint, writeCheckpoint } from './checkpoints.js';
import { contactsByKey, type ContactPhaseDeps } from './contacts.js';
import type { PhaseBudget, Step } from './engine.js';
import { drawSample, pickReview, type SampleUnit } from './sample-draw.js';
import { emailKeysOf, verifyRecord } from './verify.js';

/** The size `--sample` takes without a number. */
export const DEFAULT_SAMPLE_SIZE = 300;
/** The seed `--seed` takes by default. */
export const DEFAULT_SAMPLE_SEED = '1';
/** How many sampled records the review shows: at least (when the sample has them), at most. */
export const REVIEW_MIN = 25;
export const REVIEW_MAX = 50;

const OBJECT = 'contact' as const;
/** The membership kind holding the drawn source keys. */
const SAMPLE_KIND = 'sample';
const DRAW = 'sample:draw';
const REQUEST = 'sample:request';
const CHUNK = 1000;
/** Records per read-back call (filtered search pages hold 100). */
const READ_PAGE = 100;

const Stratum = z.object({ dimension: z.string(), value: z.string(), population: z.number().int().nonnegative(), sample: z.number().int().nonnegative() });

/** The draw as the run records it: what was asked, the population, the keys, the strata. */
const DrawCheckpoint = z.object({
  size: z.number().int().positive(),
  seed: z.string(),
  population: z.number().int().nonnegative(),
  keys: z.array(z.string()),
  strata: z.array(Stratum),
  /** Sampled source key → indexes into `strata` (what each record stands for, for the review). */
  strataOf: z.array(z.tuple([z.string(), z.array(z.number().int().nonnegative())])),
});
type DrawCheckpoint = z.infer<typeof DrawCheckpoint>;

const RequestCheckpoint = z.object({ size: z.number().int().positive(), seed: z.string() });

/** What a sample run was asked for. */
export interface SampleRequest {
  size: number;
  seed: string;
}

/** A sample run as reports and `status` tell it. */
export interface SampleSummary {
  size: number;
  population: number;
  seed: string;
  strata: Array<z.infer<typeof Stratum>>;
}

/**
 * Record what this sample run was asked for (a new run), or check that a resumed one is asked
 * for the same: a different size or seed would not be the same sample, so it stops before
 * anything moves.
 */
export async function recordSampleRequest(store: StateStore, runId: string, request: SampleRequest): Promise<void> {
  const earlier = await readCheckpoint(store, runId, REQUEST, RequestCheckpoint);
  if (earlier && (earlier.size !== request.size || earlier.seed !== request.seed)) {
    throw new ConfigError(
      `run ${runId} is an unfinished sample of ${earlier.size} (seed ${earlier.seed}), not of ${request.size} (seed ${request.seed}): ` +
        `finish it first with "migrate --sample ${earlier.size}${earlier.seed === DEFAULT_SAMPLE_SEED ? '' : ` --seed ${earlier.seed}`}"; nothing was changed`,
    );
  }
  if (!earlier) await writeCheckpoint(store, runId, REQUEST, request);
}

/** The run's sample (size drawn, population, seed, strata), or null for a run that is not a sample. */
export async function readSampleSummary(store: StateStore, runId: string): Promise<SampleSummary | null> {
  const draw = await readCheckpoint(store, runId, DRAW, DrawCheckpoint);
  return draw && { size: draw.keys.length, population: draw.population, seed: draw.seed, strata: draw.strata };
}

/** Where a contact's lifecycle value comes from: the field the map writes to a stage or status, else one named like it. */
function lifecyclePath(map: ContactMap): string | null {
  const byTarget = map.fields.find((f) => f.to === 'contact_status_id' || f.to === 'lifecycle_stage_id');
  return (byTarget ?? map.fields.find((f) => /lifecycle/i.test(f.from)))?.from ?? null;
}

/** A value as a stratum value: trimmed text, "(none)" when absent. */
function stratumValue(v: unknown): string {
  if (v === null || v === undefined) return '(none)';
  const text = (typeof v === 'string' ? v : JSON.stringify(v)).trim();
  return text === '' ? '(none)' : text;
}

/**
 * Every staged contact's strata, and the units the draw takes whole (a record, or the records
 * sharing one email). Segments come from the memberships frozen in the survey (the source's
 * segment export, or a by-key source's frozen scope); data-quality flags from the same
 * assessment `discover` makes, with the confirmed map.
 */
async function stratify(d: ContactPhaseDeps): Promise<{ units: SampleUnit[]; strataOf: Map<string, string[]> }> {
  const interned = new Map<string, string>();
  const intern = (s: string) => interned.get(s) ?? (interned.set(s, s), s);
  const lifecycle = lifecyclePath(d.map);
  const emailFrom = d.map.fields.find((f) => f.to === 'emails')?.from ?? 'email';
  const segmentKind = contactsByKey(d.source) ? 'scope' : 'segment';
  const quality = createQualityAnalyser({ map: d.map, now: d.clock.now(), references: d.references });
  const strataOf = new Map<string, string[]>();
  const byEmail = new Map<string, string[]>();
  const singles: string[] = [];
  for (let after = 0; ; ) {
    const rows = await d.store.readStaged(d.runId, OBJECT, after, CHUNK);
    if (rows.length === 0) break;
    const segments = await d.store.membershipsFor(d.runId, segmentKind, rows.map((r) => r.sourceKey));
    for (const row of rows) {
      const c = row.record as CanonicalContact;
      quality.add(c);
      const strata = [intern(`country:${stratumValue(c.country)}`)];
      if (lifecycle) strata.push(intern(`lifecycle:${stratumValue(readPath(c, lifecycle))}`));
      const segs = segments.get(row.sourceKey) ?? [];
      for (const s of segs.length > 0 ? segs : ['(none)']) strata.push(intern(`segment:${s}`));
      strataOf.set(row.sourceKey, strata);
      const key = emailKey(readPath(c, emailFrom));
      if (key === null) singles.push(row.sourceKey);
      else {
        const group = byEmail.get(key);
        if (group) group.push(row.sourceKey);
        else byEmail.set(key, [row.sourceKey]);
      }
    }
    after = rows[rows.length - 1]!.seq;
  }
  const flagged = new Map(quality.result().rows.map((r) => [r.recordKey, [...new Set(r.flags.map((f) => f.kind))]]));
  for (const [key, strata] of strataOf) for (const kind of flagged.get(key) ?? ['none']) strata.push(intern(`quality:${kind}`));
  const units: SampleUnit[] = [...singles.map((k) => [k]), ...byEmail.values()].map((members) => {
    const sorted = [...members].sort();
    return { key: sorted[0]!, members: sorted, strata: [...new Set(sorted.flatMap((k) => strataOf.get(k)!))] };
  });
  return { units, strataOf };
}

/**
 * The `sample` survey step: draw once (or read the recorded draw), then narrow the run to it.
 * Returns the draw as recorded.
 */
export async function drawContactSample(d: ContactPhaseDeps, request: SampleRequest): Promise<DrawCheckpoint> {
  let draw = await readCheckpoint(d.store, d.runId, DRAW, DrawCheckpoint);
  if (!draw) {
    d.progress.start('draw the sample', null);
    const { units, strataOf } = await stratify(d);
    const out = drawSample(units, request);
    const index = new Map(out.strata.map((s, i) => [`${s.dimension}:${s.value}`, i]));
    draw = {
      size: request.size, seed: request.seed, population: out.population, keys: out.keys, strata: out.strata,
      strataOf: out.keys.map((k) => [k, (strataOf.get(k) ?? []).map((s) => index.get(s)!)]),
    };
    // Members first, then the draw: a crash between them draws again, the same way.
    await d.store.clearMemberships(d.runId, SAMPLE_KIND);
    for (let i = 0; i < draw.keys.length; i += CHUNK) await d.store.saveMemberships(d.runId, SAMPLE_KIND, 'sample', draw.keys.slice(i, i + CHUNK));
    await writeCheckpoint(d.store, d.runId, DRAW, draw);
    d.progress.end();
  }
  const left = await d.store.retainStaged(d.runId, OBJECT, SAMPLE_KIND);
  const missed = draw.strata.filter((s) => s.sample === 0);
  d.progress.note(
    `sample: ${draw.keys.length} of ${draw.population} source contacts (seed ${draw.seed}), drawn over ${draw.strata.length} strata ` +
      `(segments, lifecycle values, countries, data-quality flags)${missed.length > 0 ? `; ${missed.length} stratum/strata not represented (the sample is too small for them all): ${missed.slice(0, 5).map((s) => `${s.dimension} ${s.value}`).join(', ')}${missed.length > 5 ? ', …' : ''}` : ', every one represented'}` +
      (left > 0 ? `; the other ${left} contact(s) are out of this run` : ''),
  );
  return draw;
}

/**
 * The source as the children of a sample see it: interaction and event pages hold only the
 * records of sampled contacts (page checkpoints unchanged, so a resumed stream resumes as
 * before); everything else is the source itself.
 */
export function scopeToSample(source: SourceConnector, store: StateStore, runId: string): SourceConnector {
  let keys: Promise<Set<string>> | null = null;
  const sampled = () =>
    (keys ??= readCheckpoint(store, runId, DRAW, DrawCheckpoint).then((draw) => {
      if (!draw) throw new Error('the sample is drawn in the contact survey, before any child is read');
      return new Set(draw.keys);
    }));
  const only = <T extends { contactKey: string }>(pages: AsyncIterable<SourcePage<T>>) =>
    (async function* () {
      const inSample = await sampled();
      for await (const page of pages) yield { ...page, records: page.records.filter((r) => inSample.has(r.contactKey)) };
    })();
  return new Proxy(source, {
    get(target, prop, receiver) {
      if (prop === 'interactions') return (after: string | null) => only(target.interactions(after));
      if (prop === 'events') return (after: string | null) => only(target.events(after));
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** What the review step needs besides the contact phase's dependencies. */
export interface ReviewDeps {
  /** The run's report folder. */
  reportDir: string;
  request: SampleRequest;
}

/** One reviewed field's target in the payload and the read record. */
function valueAt(record: Record<string, unknown> | null | undefined, target: string): { present: boolean; value: unknown } {
  if (!record) return { present: false, value: undefined };
  if (target.startsWith('custom_field.')) {
    const cf = record.custom_field as Record<string, unknown> | undefined | null;
    const name = target.slice('custom_field.'.length);
    return cf && Object.hasOwn(cf, name) ? { present: true, value: cf[name] } : { present: false, value: undefined };
  }
  if (target === 'emails') return { present: true, value: record.emails ?? record.email ?? null };
  return Object.hasOwn(record, target) ? { present: true, value: record[target] } : { present: false, value: undefined };
}

/** The `contact_dropped_values` extra of one record (what prepare left out, and why) by target. */
function droppedReasons(data: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (Array.isArray(data)) for (const x of data as Array<{ field?: unknown; reason?: unknown }>) if (typeof x.field === 'string' && typeof x.reason === 'string') out.set(x.field, x.reason);
  return out;
}

/**
 * Every field of one reviewed record: what the map reads, what was written, what was read. A
 * field the read record does not carry is unverifiable, never a mismatch (verifyRecord's rules).
 */
export function reviewFields(
  d: Pick<ContactPhaseDeps, 'map' | 'customFieldNames' | 'segmentField'>,
  contact: CanonicalContact,
  payload: Record<string, unknown>,
  read: FsRecord | null,
  groups: { segments: string[]; tags: string[] },
  /** Why values were left out of the payload, by the map's target (standard name or custom label). */
  dropped: Map<string, string>,
): ReviewField[] {
  const check = read ? verifyRecord(payload, read) : null;
  const bad = new Set(check?.mismatches.map((m) => m.field) ?? []);
  const unverifiable = new Set(check?.unverifiable ?? []);
  const out: ReviewField[] = [];
  const seen = new Set<string>();
  const field = (label: string, target: string, from: string, source: unknown, droppedAs?: string) => {
    seen.add(target);
    const written = valueAt(payload, target);
    const back = valueAt(read as Record<string, unknown> | null, target);
    const state: ReviewField['state'] = !written.present || written.value === undefined ? 'not written' : !read ? 'not read' : bad.has(target) ? 'mismatch' : unverifiable.has(target) || !back.present ? 'unverifiable' : 'match';
    const note = state === 'not written' && droppedAs ? dropped.get(droppedAs) : undefined;
    out.push({ label, target, from, source, written: written.value, readBack: back.value, state, ...(note ? { note } : {}) });
  };
  for (const f of d.map.fields) {
    if (isCustomTarget(f.to)) {
      const cf = d.customFieldNames.get(f.to.custom);
      field(f.to.custom, cf ? `custom_field.${cf}` : `custom_field.(unbound: ${f.to.custom})`, f.from, readPath(contact, f.from), f.to.custom);
    } else field(targetRule(f.to).label, f.to, f.from, readPath(contact, f.from), f.to);
  }
  if (d.map.packed) {
    const cf = d.customFieldNames.get(d.map.packed.label);
    if (cf) field(d.map.packed.label, `custom_field.${cf}`, d.map.packed.from.join(', '), Object.fromEntries(d.map.packed.from.map((p) => [p, readPath(contact, p)])), d.map.packed.label);
  }
  // What the run adds beyond the profile row: group tags (or the segment field), the owner, event summaries.
  if (!seen.has('tags') && payload.tags !== undefined) field('Tags', 'tags', 'segments and source tags', [...groups.segments, ...groups.tags]);
  if (!seen.has('owner_id') && payload.owner_id !== undefined) field('Owner', 'owner_id', 'owner in the map', null);
  const custom = (payload.custom_field ?? {}) as Record<string, unknown>;
  const labels = new Map([...d.customFieldNames].map(([label, cf]) => [cf, label]));
  for (const cf of Object.keys(custom).sort()) {
    if (seen.has(`custom_field.${cf}`)) continue;
    const isSegments = d.segmentField?.cf === cf;
    field(labels.get(cf) ?? cf, `custom_field.${cf}`, isSegments ? 'segments' : 'event summary', isSegments ? groups.segments : null);
  }
  return out;
}

/**
 * The `review` load step: pick the review records among the sampled contacts this run wrote
 * (or found unchanged), read them back (100 per call), compare field by field, and write
 * `sample-review.html` and `.csv` into the report folder. Safe to run again.
 */
export async function reviewSample(d: ContactPhaseDeps, r: ReviewDeps): Promise<SampleReview | null> {
  const draw = await readCheckpoint(d.store, d.runId, DRAW, DrawCheckpoint);
  if (!draw) return null;
  const strataOf = new Map(draw.strataOf.map(([k, ix]) => [k, ix.map((i) => `${draw.strata[i]!.dimension}:${draw.strata[i]!.value}`)]));
  const rows = [];
  for (let i = 0; i < draw.keys.length; i += CHUNK) rows.push(...(await d.store.stagedRecords(d.runId, OBJECT, draw.keys.slice(i, i + CHUNK))));
  const written = rows.filter((row) => (row.status === 'loaded' || row.status === 'skipped') && row.matchKey && row.payload);
  const picked = pickReview(written.map((row) => ({ key: row.sourceKey, strata: strataOf.get(row.sourceKey) ?? [] })), { min: REVIEW_MIN, max: REVIEW_MAX, seed: draw.seed });
  const byKey = new Map(written.map((row) => [row.sourceKey, row]));
  const chosen = picked.map((k) => byKey.get(k)!);
  // One filtered search per 100 emails: what Freshsales holds now.
  const found = new Map<string, FsRecord>();
  let readCalls = 0;
  for (let i = 0; i < chosen.length; i += READ_PAGE) {
    const emails = chosen.slice(i, i + READ_PAGE).map((row) => row.matchKey!);
    const page = await d.dest.filteredSearchAll('contacts', [{ attribute: 'contact_email.email', operator: 'is_in', value: emails }], { include: 'owner' });
    readCalls += page.calls;
    for (const rec of page.records) for (const k of emailKeysOf(rec)) found.set(k, rec);
  }
  const keys = chosen.map((row) => row.sourceKey);
  const [journal, segments, tags, dropped] = await Promise.all([
    Promise.all(keys.map((k) => d.store.latestJournalEntry(OBJECT, k))),
    d.store.membershipsFor(d.runId, 'segment', keys),
    d.store.membershipsFor(d.runId, 'tag', keys),
    d.store.extrasFor(d.runId, 'contact_dropped_values', keys),
  ]);
  const records: ReviewRecord[] = chosen.map((row, i) => {
    const entry = journal[i] ?? null;
    const read = found.get(row.matchKey!) ?? null;
    const outcome: ReviewRecord['outcome'] = row.status === 'skipped' || !entry || entry.runId !== d.runId ? 'unchanged' : entry.action;
    return {
      recordKey: row.sourceKey, email: row.matchKey!, destId: entry?.destId ?? (read ? String(read.id) : null), outcome, strata: strataOf.get(row.sourceKey) ?? [],
      fields: reviewFields(d, row.record as CanonicalContact, row.payload as Record<string, unknown>, read, { segments: segments.get(row.sourceKey) ?? [], tags: tags.get(row.sourceKey) ?? [] }, droppedReasons(dropped.get(row.sourceKey))),
    };
  });
  const review: SampleReview = { runId: d.runId, sample: { size: draw.keys.length, population: draw.population, seed: draw.seed }, readCalls, records };
  const files = await writeSampleReview(r.reportDir, review);
  const mismatched = records.reduce((n, x) => n + x.fields.filter((f) => f.state === 'mismatch').length, 0);
  d.progress.note(`sample review: ${records.length} contact(s) side by side (source → written → read back), ${mismatched} field(s) differ: ${files.html}`);
  return review;
}

/** The sample's part in the phases: the draw, the review, the children's source, and the review's calls in the plan. */
export interface SamplePhase {
  draw: Step;
  review: Step;
  scope(source: SourceConnector): SourceConnector;
  estimate(): Promise<PhaseBudget>;
}

/** Declare a sample run's steps over the contact phase's dependencies. */
export function samplePhase(d: ContactPhaseDeps, r: ReviewDeps): SamplePhase {
  return {
    draw: { name: 'sample', run: async () => void (await drawContactSample(d, r.request)) },
    review: { name: 'review', run: async () => void (await reviewSample(d, r)) },
    scope: (source) => scopeToSample(source, d.store, d.runId),
    estimate: async () => {
      // Written by this run, or found unchanged since an earlier one: both are reviewed.
      const c = await d.store.counts(d.runId, OBJECT);
      const n = Math.min(REVIEW_MAX, (await d.store.countReady(d.runId, OBJECT)) + c.skipped);
      const calls = Math.ceil(n / READ_PAGE);
      return { calls, lines: calls > 0 ? [`review:   up to ${n} sampled contacts read back for the sample review → ${calls} call(s)`] : [] };
    },
  };
}
