/**
 * A source without a contact listing (Netmera: users are reached through segments): the
 * population is frozen from the chosen segments once, unioned by key, checked against the
 * population the source states, then read a page of keys at a time. Segment drift after the
 * freeze, a crash mid-extraction and users deleted since scoping change nothing they should not.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import type { CanonicalContact, SourceSegment } from '../../src/core/model.js';
import type { FreshsalesClient } from '../../src/connectors/freshsales/index.js';
import { defineSource } from '../../src/connectors/manifest.js';
import type { SourceConnector } from '../../src/connectors/source.js';
import { collectContactGroups, extractContacts, freezeScope, type ContactPhaseDeps } from '../../src/pipeline/contacts.js';
import { InProcessExecutor } from '../../src/pipeline/executor.js';
import type { Progress } from '../../src/pipeline/progress.js';
import { openSqliteStore } from '../../src/state/sqlite.js';
import type { StateStore } from '../../src/state/store.js';
import { z } from 'zod';
import { contact } from '../helpers/fake-source.js';
import { sourceContacts, type Coverage } from '../../src/pipeline/source-contacts.js';

const BY_KEY = defineSource({
  name: 'netmera',
  configSchema: z.object({ type: z.literal('fake-by-key') }),
  secretFields: [],
  streams: {
    attributes: { cursor: null, paged: false },
    segments: { cursor: null, paged: false },
    segmentMembers: { cursor: null, paged: true },
    contactsByKey: { cursor: 'the last key read of the frozen population', paged: true },
    population: { cursor: null, paged: false },
  },
  referenceModels: [],
  proposalDefaults: { liftedAttributes: [], lifecycle: null, dealTier: null, interactions: [], highValueEvents: [] },
  create: () => {
    throw new Error('built by the test');
  },
});

const key = (n: number) => `netmera:user:u${String(n).padStart(3, '0')}`;

/** A by-key source whose segments can drift, counting the keys it is asked for. */
function byKeySource(opts: { members: Record<string, number[]>; users: number[]; population: number | null; failOnCall?: number }) {
  const asked: string[][] = [];
  const users = new Map<string, CanonicalContact>(opts.users.map((n) => [key(n), { ...contact(`u${n}`), sourceKey: key(n), sourceId: `u${n}`, externalId: `u${n}` }]));
  let calls = 0;
  const source: SourceConnector & { members: Record<string, number[]>; users: typeof users; asked: string[][] } = {
    name: 'netmera',
    manifest: BY_KEY,
    members: opts.members,
    users,
    asked,
    checkConnection: async () => undefined,
    attributes: async () => [],
    contacts: () => {
      throw new Error('no listing: contacts are read by key');
    },
    segments: async () => Object.keys(source.members).map((name, i): SourceSegment => ({ id: String(i + 1), name, rules: null, memberCount: source.members[name]!.length })),
    segmentMembers: async function* (seg) {
      const all = (source.members[seg.name] ?? []).map(key);
      for (let i = 0; i < all.length; i += 2) yield all.slice(i, i + 2);
    },
    contactsByKey: async (keys) => {
      if (opts.failOnCall !== undefined && ++calls === opts.failOnCall) throw new Error('killed mid-extraction');
      asked.push(keys);
      return keys.flatMap((k) => (source.users.has(k) ? [source.users.get(k)!] : []));
    },
    population: async () => (opts.population === null ? null : { count: opts.population, basis: 'in the "All Users" segment' }),
    campaigns: async () => [],
    interactions: async function* () {},
    events: async function* () {},
    devices: async function* () {},
    promotions: async () => [],
    tagHits: async function* () {},
    referenceTable: async () => new Map(),
    referenceModels: [],
    close: async () => undefined,
  };
  return source;
}

let store: StateStore;
let runId: string;
const notes: string[] = [];
const progress: Progress = { start() {}, advance() {}, end() {}, note: (m) => void notes.push(m) };

beforeEach(async () => {
  store = openSqliteStore(':memory:');
  runId = (await store.openRun({ command: 'migrate', configHash: 'c', mapHash: 'm', now: new Date() })).run.id;
  notes.length = 0;
});
afterEach(async () => {
  await store.close();
});

function deps(source: SourceConnector, over: Partial<ContactPhaseDeps> = {}): ContactPhaseDeps {
  return {
    store, runId, source, dest: {} as FreshsalesClient, map: { dedupe: 'email', fields: [] } as unknown as ContactPhaseDeps['map'], customFieldNames: new Map(), references: new Map(),
    tags: { segments: true, prefix: 'nm: ', sourceTags: false }, segmentField: null, externalIdField: null, ownerId: null, eventSummary: null, mergeSummary: null,
    executor: new InProcessExecutor(2), batchSize: 100, clock: systemClock, logger: silentLogger(), progress, ...over,
  };
}

const staged = async () => (await store.readStaged(runId, 'contact', 0, 1000)).map((r) => r.sourceKey);

describe('contacts reached by key over frozen segments', () => {
  it('freezes the union once, deduped by key; drift after the freeze changes nothing; tags come from the snapshot', async () => {
    const src = byKeySource({ members: { Buyers: [1, 2, 3], Turkey: [3, 4] }, users: [1, 2, 3, 4, 5, 6], population: 6 });
    const d = deps(src);
    expect(await freezeScope(d)).toEqual({ segments: 2, users: 4, expected: { count: 6, basis: 'in the "All Users" segment' } });
    expect(notes.join('\n')).toMatch(/coverage: 4 of 6 users \(in the "All Users" segment\): 2 user\(s\) are not reached through the chosen segments \(in none of them, or not listable by the source\) and would not migrate — add a segment/);
    // Netmera recalculates segments: user 5 joins, user 1 leaves after scoping.
    src.members.Buyers = [2, 3, 5];
    await collectContactGroups(d);
    await extractContacts(d);
    expect(await staged()).toEqual([key(1), key(2), key(3), key(4)]);
    expect(await store.membershipsFor(runId, 'segment', [key(1), key(3), key(5)])).toEqual(new Map([[key(1), ['nm: Buyers']], [key(3), ['nm: Buyers', 'nm: Turkey']]]));
  });

  it('names users deleted since scoping and stages the rest; says so when the source states no population', async () => {
    const src = byKeySource({ members: { All: [1, 2, 3] }, users: [1, 2, 3], population: null });
    const d = deps(src);
    await freezeScope(d);
    expect(notes.join('\n')).toMatch(/the source states no total, so the gap cannot be checked/);
    src.users.delete(key(2));
    await extractContacts(d);
    expect(await staged()).toEqual([key(1), key(3)]);
    expect(notes.join('\n')).toMatch(/1 user\(s\) of the frozen population are no longer in the source .* netmera:user:u002/);
  });

  it('a crash mid-extraction resumes after the last page staged: no key is asked for twice, none is lost', async () => {
    const users = Array.from({ length: 250 }, (_, i) => i + 1);
    const crashing = byKeySource({ members: { All: users }, users, population: 250, failOnCall: 2 });
    await freezeScope(deps(crashing));
    await expect(extractContacts(deps(crashing))).rejects.toThrow(/killed mid-extraction/);
    expect(await staged()).toHaveLength(100);
    // The same run again (a new process would build the source again).
    const again = byKeySource({ members: { All: [] }, users, population: 250 });
    await extractContacts(deps(again));
    expect(await staged()).toEqual(users.map(key));
    expect(again.asked.flat()).toEqual(users.slice(100).map(key));
  });

  it('discovery and proposals read the same union without a run: deduped, sampled to a limit, coverage told first', async () => {
    const src = byKeySource({ members: { A: [5, 1, 2], B: [2, 3] }, users: [1, 2, 3, 5], population: 10 });
    let coverage: Coverage | null = null;
    const pages: string[][] = [];
    for await (const records of sourceContacts(src, { onCoverage: (c) => void (coverage = c) })) pages.push(records.map((r) => r.sourceKey));
    expect(coverage).toEqual({ segments: 2, users: 4, expected: { count: 10, basis: 'in the "All Users" segment' } });
    expect(pages.flat()).toEqual([key(1), key(2), key(3), key(5)]);
    const sample: string[] = [];
    for await (const records of sourceContacts(src, { limit: 2 })) sample.push(...records.map((r) => r.sourceKey));
    expect(sample).toEqual([key(1), key(2)]);
  });
});
