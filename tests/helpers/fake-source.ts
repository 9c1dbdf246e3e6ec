/**
 * An in-memory SourceConnector for pipeline tests (tasks, deals) that must not depend on a
 * particular source connector, plus helpers that put contacts into Freshsales and the state
 * store as a finished contact phase would leave them (loaded, quarantined, failed, merged).
 */
import type {
  CanonicalContact, CanonicalDevice, CanonicalEvent, CanonicalInteraction, CanonicalTagHit,
} from '../../src/core/model.js';
import type { SourceConnector, SourcePage } from '../../src/connectors/source.js';
import type { FreshsalesClient } from '../../src/connectors/freshsales/index.js';
import { HttpClient } from '../../src/http/client.js';
import { FreshsalesClient as Client } from '../../src/connectors/freshsales/client.js';
import type { StateStore } from '../../src/state/store.js';
import { ConfigError } from '../../src/core/errors.js';
import { defineSource, SOURCE_STREAMS, type SourceManifest } from '../../src/connectors/manifest.js';
import { z } from 'zod';

/** The fake's declaration: every stream offered, read page by page from memory. */
export const FAKE_MANIFEST: SourceManifest = defineSource({
  name: 'xtremepush',
  configSchema: z.object({ type: z.literal('fake') }),
  secretFields: [],
  // Every stream of a source with a contact listing (the optional by-key, population, journey and widget streams are not offered).
  streams: Object.fromEntries(
    SOURCE_STREAMS.filter((s) => !['contactsByKey', 'population', 'journeys', 'widgets', 'eventSchemas'].includes(s)).map((s) => [s, { cursor: 'index of the next record', paged: true }]),
  ),
  referenceModels: [],
  proposalDefaults: { liftedAttributes: [], lifecycle: null, dealTier: null, interactions: ['delivered', 'opened', 'clicked'], highValueEvents: [] },
  create: () => {
    throw new Error('the fake source is built by createFakeSource');
  },
});

export interface FakeSourceData {
  contacts?: CanonicalContact[];
  interactions?: CanonicalInteraction[];
  events?: CanonicalEvent[];
  devices?: CanonicalDevice[];
  tagHits?: CanonicalTagHit[];
  /** Reference tables by model: id → readable label (`referenceTable`); default none. */
  references?: Record<string, Record<string, string>>;
  /** Records per page (default 3, small so paging and checkpoints are exercised). */
  pageSize?: number;
}

/** A fake source with counters of how many pages each stream served. */
export type FakeSource = SourceConnector & { pagesServed: Record<string, number> };

/** Pages of `items` from a checkpoint (the index of the next item, as text). */
async function* paged<T>(items: T[], after: string | null, size: number, count: () => void): AsyncIterable<SourcePage<T>> {
  let i = after ? Number(after) : 0;
  if (i >= items.length) return;
  while (i < items.length) {
    const records = items.slice(i, i + size);
    i += records.length;
    count();
    yield { records, checkpoint: String(i), last: i >= items.length };
  }
}

/** An in-memory source serving the given records. */
export function createFakeSource(data: FakeSourceData): FakeSource {
  const size = data.pageSize ?? 3;
  const pagesServed: Record<string, number> = {};
  const counter = (name: string) => () => void (pagesServed[name] = (pagesServed[name] ?? 0) + 1);
  return {
    name: 'xtremepush',
    manifest: FAKE_MANIFEST,
    pagesServed,
    checkConnection: async () => undefined,
    attributes: async () => [],
    contacts: (after) => paged(data.contacts ?? [], after, size, counter('contacts')),
    segments: async () => [],
    segmentMembers: async function* () {},
    campaigns: async () => [],
    interactions: (after) => paged(data.interactions ?? [], after, size, counter('interactions')),
    events: (after) => paged(data.events ?? [], after, size, counter('events')),
    devices: (after) => paged(data.devices ?? [], after, size, counter('devices')),
    promotions: async () => [],
    tagHits: (after) => paged(data.tagHits ?? [], after, size, counter('tagHits')),
    referenceTable: async (model) => {
      const table = data.references && Object.hasOwn(data.references, model) ? data.references[model] : undefined;
      if (!table) throw new ConfigError(`the fake source has no "${model}" records (it offers: ${Object.keys(data.references ?? {}).join(', ') || 'none'})`);
      counter(`reference:${model}`)();
      return new Map(Object.entries(table));
    },
    referenceModels: Object.keys(data.references ?? {}),
    close: async () => undefined,
  };
}

/** A canonical contact with defaults. */
export function contact(id: string, over: Partial<CanonicalContact> = {}): CanonicalContact {
  return {
    sourceKey: `xtremepush:profile:${id}`,
    sourceId: id,
    externalId: null,
    email: `user${id}@example.com`,
    phone: null,
    firstName: `First${id}`,
    lastName: `Last${id}`,
    country: null,
    language: null,
    timezone: null,
    emailSubscribed: null,
    smsSubscribed: null,
    createdAt: null,
    updatedAt: '2024-01-01T00:00:00.000Z',
    attributes: {},
    ...over,
  };
}

/** A Freshsales client on a simulator with fast retries and an optional short timeout. */
export function testClient(url: string, apiKey: string, opts: { timeoutMs?: number } = {}): { client: FreshsalesClient; http: HttpClient } {
  const http = new HttpClient({
    baseUrl: url,
    authorize: (h) => {
      h.authorization = `Token token=${apiKey}`;
    },
    timeoutMs: opts.timeoutMs ?? 10_000,
    retry: { baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 6 },
  });
  return { client: new Client(http, { bulk405WaitMs: 5 }), http };
}

/** What the contact phase did with a contact, for seeding. */
export type ContactFate = 'loaded' | 'quarantined' | 'failed' | { mergedInto: string };

/**
 * Put contacts where a finished contact phase leaves them: `loaded` ones are created in
 * Freshsales and journaled (the journal is where tasks and deals find their parent);
 * quarantined, failed and merged ones are only in the store. Returns source key → Freshsales id.
 */
export async function seedContactPhase(
  store: StateStore,
  runId: string,
  client: FreshsalesClient,
  contacts: Array<{ contact: CanonicalContact; fate: ContactFate }>,
): Promise<Map<string, string>> {
  await store.stageRecords(
    runId,
    'contact',
    // A merged duplicate is older than the contact it merged into (newest wins).
    contacts.map(({ contact: c, fate }, i) => ({ sourceKey: c.sourceKey, sourceId: c.sourceId, updatedAtMs: typeof fate === 'object' ? 0 : i + 1, record: c })),
    { stream: 'contact:cursor', value: 'seeded' },
  );
  const ready = contacts
    .filter(({ fate }) => fate !== 'quarantined')
    .map(({ contact: c, fate }) => {
      const winner = typeof fate === 'object' ? contacts.find((x) => x.contact.sourceKey === fate.mergedInto)!.contact : c;
      return { sourceKey: c.sourceKey, matchKey: winner.email!.toLowerCase(), payload: { emails: winner.email }, payloadHash: 'h' };
    });
  const quarantined = contacts
    .filter(({ fate }) => fate === 'quarantined')
    .map(({ contact: c }) => ({ object: 'contact' as const, recordKey: c.sourceKey, reasons: ['Freshsales requires an email'] }));
  await store.savePrepared(runId, 'contact', ready, quarantined);
  await store.mergeDuplicates(runId, 'contact');
  const ids = new Map<string, string>();
  const journal = [];
  const failures = [];
  for (const { contact: c, fate } of contacts) {
    if (fate === 'loaded') {
      const { record } = await client.upsert('contacts', { emails: c.email! }, { emails: c.email, first_name: c.firstName, last_name: c.lastName });
      ids.set(c.sourceKey, record.id);
      journal.push({ sourceKey: c.sourceKey, destId: record.id, action: 'created' as const, beforeImage: null, payloadHash: 'h' });
    } else if (fate === 'failed') {
      failures.push({ sourceKey: c.sourceKey, reason: 'POST /api/contacts/upsert → 400: user@x is not a valid email address' });
    }
  }
  await store.completeRecords(runId, 'contact', { journal, verify: [], failures }, new Date());
  return ids;
}
