import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateXtremepushDataset, type XtremepushDataset, type XtremepushEvent } from '../../simulators/generator/index.js';
import { startXtremepushSim, type TaskStatusCase, type XtremepushSim, type XtremepushSimOptions } from '../../simulators/xtremepush/index.js';
import { silentLogger } from '../../src/core/logger.js';
import { TerminalError, TransientError } from '../../src/core/errors.js';
import { createSource } from '../../src/connectors/registry.js';
import type { SourceConnector, SourcePage } from '../../src/connectors/source.js';
import { XtremepushConfig, jsonlLines, profileKey } from '../../src/connectors/xtremepush/index.js';

const TOKEN = 'xp-connector-token-7c1d2e';
const PAGE_CAP = 200;

const sims: XtremepushSim[] = [];
const sources: SourceConnector[] = [];
afterAll(async () => {
  await Promise.all(sources.map((s) => s.close()));
  await Promise.all(sims.map((s) => s.close()));
});

async function startSim(o: Partial<XtremepushSimOptions> & { dataset: XtremepushDataset }): Promise<XtremepushSim> {
  const sim = await startXtremepushSim({ apptoken: TOKEN, pageCap: PAGE_CAP, taskPollsToComplete: 3, ...o });
  sims.push(sim);
  return sim;
}

/** A connector on `sim` asking for pages larger than the simulator's cap, with fast retries and polls. */
function connect(sim: { url: string }, extra: Record<string, unknown> = {}): SourceConnector {
  const cfg = XtremepushConfig.parse({
    type: 'xtremepush', baseUrl: sim.url, apptoken: TOKEN, pageSize: 500,
    exportPoll: { initialMs: 1, maxIntervalMs: 5, maxWaitMs: 10_000 },
    retry: { maxAttempts: 10, baseDelayMs: 1, maxDelayMs: 5 },
    ...extra,
  });
  const source = createSource(cfg, { logger: silentLogger() });
  sources.push(source);
  return source;
}

/** A segment's members, all pages together. */
async function allMembers(it: AsyncIterable<string[]>): Promise<string[]> {
  const out: string[] = [];
  for await (const page of it) out.push(...page);
  return out;
}

async function pages<T>(it: AsyncIterable<SourcePage<T>>): Promise<SourcePage<T>[]> {
  const out: SourcePage<T>[] = [];
  for await (const p of it) out.push(p);
  return out;
}
const flat = <T>(ps: SourcePage<T>[]) => ps.flatMap((p) => p.records);

/** An instant from `YYYY-MM-DD HH:MM:SS ±HH:MM`, via ISO 8601 (independent of the connector's parser). */
const isoOf = (ts: string) => new Date(Date.parse(ts.replace(/^(\S+) (\S+) (\S+)$/, '$1T$2$3'))).toISOString();

let ds: XtremepushDataset;
let sim: XtremepushSim;
let source: SourceConnector;
const extreme: XtremepushEvent[] = [];

beforeAll(async () => {
  ds = generateXtremepushDataset({ profiles: 700, seed: 21 });
  const p = ds.profiles[3]!;
  const ev = (timestamp: string, event = 'deposit', value: string | number | null = 10): XtremepushEvent => ({
    user_id: p.user_id, profile_id: p.profile_id, event, value, device_id: null, timestamp,
  });
  // Offsets at both ends of the world, and two identical hits (same tuple twice).
  extreme.push(ev('2024-12-31 23:30:00 +14:00'), ev('2024-12-31 23:30:00 -11:00'), ev('2024-02-29 00:15:00 +14:00', 'login', null),
    ev('2024-07-04 08:00:00 -11:00', 'page_view', '/live'), ev('2024-07-04 08:00:00 -11:00', 'page_view', '/live'));
  // Into the middle of the file, so resuming past them must count them.
  ds.events.splice(Math.floor(ds.events.length / 2), 0, ...extreme);
  sim = await startSim({ dataset: ds });
  source = connect(sim);
});

describe('segments and members', () => {
  it('lists every segment with its raw rules', async () => {
    const segs = await source.segments();
    expect(segs.map((s) => [s.id, s.name])).toEqual(ds.segments.map((s) => [String(s.id), s.name]));
    for (const s of segs) expect(s.rules).toEqual(ds.segments.find((x) => String(x.id) === s.id)!.conditions);
  });

  it('exports each segment through a task and returns exactly its members as profile keys', async () => {
    const segs = await source.segments();
    let total = 0;
    for (const s of segs) {
      const members = await allMembers(source.segmentMembers(s));
      expect(members, s.name).toEqual(ds.segmentMembers[s.id]!.map(profileKey));
      // Paged: never one array of the whole segment.
      for await (const page of source.segmentMembers(s)) expect(page.length).toBeLessThanOrEqual(1000);
      total += members.length;
    }
    expect(total).toBeGreaterThan(0);
    expect(sim.stats().byRoute['create/task']).toBeGreaterThanOrEqual(segs.length);
    // Tasks were polled until completed, not read early.
    expect(sim.stats().byRoute['info/task']).toBeGreaterThanOrEqual(3 * segs.length);
  });
});

describe('campaigns and interactions', () => {
  it('lists campaigns with channels from the flags, trigger names and the whole row as raw', async () => {
    const cs = await source.campaigns();
    expect(cs).toHaveLength(ds.campaigns.length);
    const names = { 0: 'scheduled', 1: 'geo', 2: 'event', 3: 'api' } as const;
    for (const c of cs) {
      const row = ds.campaigns.find((x) => String(x.id) === c.id)!;
      expect(c.name).toBe(row.title);
      expect(c.trigger).toBe(names[row.trigger]);
      // Status codes have no public meaning: shown beside what the active flag says.
      expect(c.status).toBe(`${row.active === 1 ? 'active' : 'inactive'} (status ${row.status})`);
      expect(c.createdAt).toBe(new Date(row.create_time * 1000).toISOString());
      expect(c.raw).toEqual(row);
      for (const ch of ['ios_push', 'android_push', 'web_push', 'inbox', 'email', 'sms', 'webhook'] as const) expect(c.channels.includes(ch), `${c.name} ${ch}`).toBe(row[ch] === 1);
    }
    expect(new Set(cs.map((c) => c.trigger))).toEqual(new Set(['scheduled', 'geo', 'event', 'api']));
  });

  it('gives one interaction per delivery, open and click, with stable keys, campaign names and original times', async () => {
    const ps = await pages(source.interactions(null));
    const all = flat(ps);
    const expected = ds.messages.reduce((n, m) => n + m.delivery + m.open + m.click, 0);
    expect(all).toHaveLength(expected);
    expect(new Set(all.map((i) => i.sourceKey)).size).toBe(expected);
    expect(ps.at(-1)!.last).toBe(true);
    expect(ps.length).toBeGreaterThan(Math.ceil(ds.messages.length / PAGE_CAP)); // a capped page did not end the stream
    expect(flat(await pages(source.interactions(null))).map((i) => i.sourceKey)).toEqual(all.map((i) => i.sourceKey));

    const clicked = ds.messages.find((m) => m.click === 1)!;
    const title = ds.campaigns.find((c) => c.id === clicked.campaign_id)!.title;
    const mine = all.filter((i) => i.sourceKey.startsWith(`xtremepush:message:${clicked.id}:`));
    expect(mine.map((i) => [i.kind, i.occurredAt])).toEqual([
      ['delivered', new Date(clicked.create_time * 1000).toISOString()],
      ['opened', new Date(clicked.open_time! * 1000).toISOString()],
      ['clicked', new Date(clicked.click_time! * 1000).toISOString()],
    ]);
    expect(mine.every((i) => i.campaignName === title && i.channel === clicked.message_type_name && i.contactKey === profileKey(clicked.profile_id))).toBe(true);
  });

  it('maps campaigns and sends alike when the API sends their numeric fields as strings', async () => {
    const d = generateXtremepushDataset({ profiles: 120, seed: 21 });
    const numeric = await startSim({ dataset: d });
    const expected = { campaigns: await connect(numeric).campaigns(), interactions: flat(await pages(connect(numeric).interactions(null))) };
    expect(expected.interactions.length).toBeGreaterThan(50);
    const asText = <T extends object>(row: T, keep: string[]) =>
      Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'number' && !keep.includes(k) ? String(v) : v])) as unknown as T;
    const t = generateXtremepushDataset({ profiles: 120, seed: 21 });
    // promotion_id and the time windows stay numbers: only the fields the production client types as numbers change [C3].
    t.campaigns = t.campaigns.map((c) => asText(c, ['activate_time', 'deactivate_time', 'promotion_id']));
    t.messages = t.messages.map((m) => asText(m, []));
    expect(typeof t.campaigns[0]!.status).toBe('string');
    expect(typeof t.messages[0]!.delivery).toBe('string');
    const textual = await startSim({ dataset: t });
    const got = await connect(textual).campaigns();
    expect(got.map(({ raw: _raw, ...c }) => c)).toEqual(expected.campaigns.map(({ raw: _raw, ...c }) => c));
    expect(got.map((c) => c.raw)).toEqual(t.campaigns); // raw is the row as sent, strings included
    expect(flat(await pages(connect(textual).interactions(null)))).toEqual(expected.interactions);
  });

  it('resumes after a checkpoint with exactly the remainder', async () => {
    const ps = await pages(source.interactions(null));
    const all = flat(ps);
    const k = 3;
    const before = ps.slice(0, k).reduce((n, p) => n + p.records.length, 0);
    const rest = flat(await pages(source.interactions(ps[k - 1]!.checkpoint)));
    expect(rest).toEqual(all.slice(before));
    expect(flat(await pages(source.interactions(ps.at(-1)!.checkpoint)))).toEqual([]);
  });
});

describe('events', () => {
  it('returns every exported event once, with stable content keys and UTC instants', async () => {
    const ps = await pages(source.events(null));
    const all = flat(ps);
    expect(all).toHaveLength(ds.events.length);
    expect(new Set(all.map((e) => e.sourceKey)).size).toBe(all.length);
    expect(ps.slice(0, -1).every((p) => p.records.length === 500)).toBe(true);
    expect(ps.at(-1)).toMatchObject({ last: true, checkpoint: String(ds.events.length) });
    all.forEach((e, k) => {
      const src = ds.events[k]!;
      expect(e.occurredAtRaw).toBe(src.timestamp);
      expect(e.occurredAt).toBe(isoOf(src.timestamp));
      expect(e.contactKey).toBe(profileKey(src.profile_id));
    });
    expect(flat(await pages(source.events(null))).map((e) => e.sourceKey)).toEqual(all.map((e) => e.sourceKey));
  });

  it('reads +14:00 and -11:00 offsets correctly and tells identical hits apart by occurrence', async () => {
    const all = flat(await pages(source.events(null)));
    const got = all.filter((e) => e.contactKey === profileKey(ds.profiles[3]!.profile_id) && extreme.some((x) => x.timestamp === e.occurredAtRaw));
    expect(got.map((e) => e.occurredAt)).toEqual([
      '2024-12-31T09:30:00.000Z', '2025-01-01T10:30:00.000Z', '2024-02-28T10:15:00.000Z', '2024-07-04T19:00:00.000Z', '2024-07-04T19:00:00.000Z',
    ]);
    const [a, b] = got.slice(3).map((e) => e.sourceKey);
    expect(a!.replace(/:0$/, '')).toBe(b!.replace(/:1$/, ''));
    expect([a!.at(-1), b!.at(-1)]).toEqual(['0', '1']);
  });

  describe('under a far-off machine time zone', () => {
    const tz = process.env.TZ;
    afterEach(() => {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    });
    it.each([['Pacific/Kiritimati', -840], ['Pacific/Pago_Pago', 660]])('gives the same instants with TZ=%s', async (zone, offset) => {
      const baseline = flat(await pages(source.events(null)));
      process.env.TZ = zone;
      expect(new Date('2024-06-01T00:00:00Z').getTimezoneOffset()).toBe(offset);
      const under = flat(await pages(source.events(null)));
      expect(under).toEqual(baseline);
      expect(under.map((e) => e.occurredAt)).toEqual(ds.events.map((e) => isoOf(e.timestamp)));
    });
  });

  it('lets a consumer stop after the first page without reading the rest of the file', async () => {
    let first: SourcePage<unknown> | undefined;
    for await (const p of source.events(null)) {
      first = p;
      break;
    }
    expect(first).toMatchObject({ checkpoint: '500', last: false });
    expect(first!.records).toHaveLength(500);
    expect(await source.segments()).toHaveLength(ds.segments.length); // the connector still works
  });

  it('resumes from a line-count checkpoint with exactly the remainder, keys included', async () => {
    const ps = await pages(source.events(null));
    const all = flat(ps);
    const rest = flat(await pages(source.events(ps[2]!.checkpoint)));
    expect(ps[2]!.checkpoint).toBe('1500');
    expect(rest).toEqual(all.slice(1500));
    // A checkpoint between two identical hits: the second must keep occurrence 1.
    const between = ds.events.findIndex((e) => e.timestamp === '2024-07-04 08:00:00 -11:00') + 1;
    const tail = flat(await pages(source.events(String(between))));
    expect(tail[0]!.sourceKey).toMatch(/:1$/);
    expect(tail).toEqual(all.slice(between));
    const end = await pages(source.events(String(ds.events.length)));
    expect(end).toEqual([{ records: [], checkpoint: String(ds.events.length), last: true }]);
  });
});

describe('devices, promotions and tag hits', () => {
  it('pages every device by id with its token, OS, app version, model and last seen', async () => {
    const ps = await pages(source.devices(null));
    const all = flat(ps);
    expect(all).toHaveLength(ds.devices.length);
    all.forEach((d, k) => {
      const src = ds.devices[k]!;
      expect(d).toEqual({
        sourceKey: `xtremepush:device:${src.id}`, contactKey: profileKey(src.profile_id), userId: src.user_id, platform: src.platform, token: src.token,
        os: src.os_version, appVersion: src.app_version, model: src.model, lastSeen: new Date(src.last_seen * 1000).toISOString(),
      });
    });
    const rest = flat(await pages(source.devices(ps[1]!.checkpoint)));
    expect(rest).toEqual(all.slice(ps[0]!.records.length + ps[1]!.records.length));
  });

  it('lists every promotion with its row', async () => {
    const promos = await source.promotions();
    expect(promos).toEqual(ds.promotions.map((p) => ({ id: String(p.id), name: p.name, raw: p })));
  });

  it('pages every tag hit by id, repeated tags included, and resumes after a checkpoint', async () => {
    const ps = await pages(source.tagHits(null));
    const all = flat(ps);
    expect(ds.tagHits.length).toBeGreaterThan(PAGE_CAP);
    expect(all).toEqual(ds.tagHits.map((h) => ({ contactKey: profileKey(h.profile_id), tag: h.tag, occurredAt: new Date(h.create_time * 1000).toISOString() })));
    const seen = new Set(all.map((h) => `${h.contactKey}|${h.tag}`));
    expect(seen.size).toBeLessThan(all.length); // some contact has the same tag twice
    expect(flat(await pages(source.tagHits(ps[0]!.checkpoint)))).toEqual(all.slice(ps[0]!.records.length));
    expect(ps[0]!.checkpoint).toBe(String(ds.tagHits[ps[0]!.records.length - 1]!.id));
  });
});

describe('export task status spelling', () => {
  it.each(['title', 'lower', 'upper'] as TaskStatusCase[])('completes segment and event exports when the API spells statuses in %s case', async (taskStatusCase) => {
    const d = generateXtremepushDataset({ profiles: 150, seed: 21 });
    const s = await startSim({ dataset: d, taskStatusCase });
    const src = connect(s);
    const segs = await src.segments();
    for (const seg of segs.slice(0, 3)) expect(await allMembers(src.segmentMembers(seg)), seg.name).toEqual(d.segmentMembers[seg.id]!.map(profileKey));
    expect(flat(await pages(src.events(null)))).toHaveLength(d.events.length);
    // The simulator really spoke that case, and every task was polled to its end.
    const state = (await (await fetch(`${s.url}/__sim/state`)).json()) as { tasks: Array<{ status: string }> };
    const done = { title: 'Completed', lower: 'completed', upper: 'COMPLETED' }[taskStatusCase];
    expect(state.tasks.map((x) => x.status)).toEqual(Array(4).fill(done));
    expect(s.stats().byRoute['info/task']).toBe(4 * 3);
  });
});

describe('failures', () => {
  it('reports a failed segment export as a terminal error naming the segment, the status and the reason', async () => {
    const failing = await startSim({ dataset: ds, faults: 'bulkfail=1' });
    const src = connect(failing);
    const seg = (await src.segments())[1]!;
    const err = await allMembers(src.segmentMembers(seg)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TerminalError);
    expect((err as Error).message).toContain(`segment ${seg.id} (${seg.name})`);
    expect((err as Error).message).toMatch(/failed with status "Error": Export failed: internal error/);
    expect((err as Error).message).not.toContain(TOKEN);
    await expect(pages(src.events(null))).rejects.toThrow(/event_export task \d+ for events failed with status "Error"/);
  });

  it.each(['title', 'lower', 'upper'] as TaskStatusCase[])('treats Error and Fatal tasks (%s case) as failed exports', async (taskStatusCase) => {
    const failing = await startSim({ dataset: ds, faults: 'bulkfail=1', taskStatusCase });
    const src = connect(failing);
    const segs = await src.segments();
    const errors: unknown[] = [];
    // The simulator ends every fourth failed task Fatal, the others Error.
    for (const seg of segs.slice(0, 4)) errors.push(await allMembers(src.segmentMembers(seg)).catch((e: unknown) => e));
    const spell = (x: string) => (taskStatusCase === 'lower' ? x.toLowerCase() : taskStatusCase === 'upper' ? x.toUpperCase() : x);
    errors.forEach((err, k) => {
      expect(err, segs[k]!.name).toBeInstanceOf(TerminalError);
      const status = spell(k === 3 ? 'Fatal' : 'Error');
      expect((err as Error).message).toContain(`task ${70001 + k} for segment ${segs[k]!.id} (${segs[k]!.name}) failed with status "${status}": Export failed`);
    });
    expect((errors[3] as Error).message).toMatch(/fatal error/);
    // No task was polled after it failed: one create and the polls up to the failure each.
    expect(failing.stats().byRoute['info/task']).toBe(4 * 3);
  });

  it('gives up on an export task that does not finish within the wait limit, saying what it waited for', async () => {
    const slow = await startSim({ dataset: ds, taskPollsToComplete: 10_000 });
    const src = connect(slow, { exportPoll: { initialMs: 1, factor: 2, maxIntervalMs: 20, maxWaitMs: 150 } });
    const seg = (await src.segments())[0]!;
    const err = await allMembers(src.segmentMembers(seg)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toContain(`segment_export_profiles task 70001 for segment ${seg.id} (${seg.name}) to reach status Completed: still "Executing"`);
    expect((err as Error).message).toMatch(/after \d+ ms and \d+ polls of info\/task \(limit 150 ms, source\.exportPoll\.maxWaitMs\)/);
    const polls = slow.stats().byRoute['info/task']!;
    expect(polls).toBeGreaterThan(2);
    expect(polls).toBeLessThan(40); // intervals grew instead of hammering the API
  });

  it('never puts the download URL (which may carry a token) into an error', async () => {
    const url = `${sim.url}/exports/0badc0ffee.jsonl?X-Amz-Signature=s3cr3tsig`;
    const err = await (async () => {
      for await (const _ of jsonlLines(url, { what: 'export of segment 1', timeoutMs: 5000 })) void _;
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TerminalError);
    expect((err as Error).message).toMatch(/^export of segment 1: downloading the file from 127\.0\.0\.1:\d+ → HTTP 404/);
    expect((err as Error).message).not.toMatch(/0badc0ffee|s3cr3tsig/);
  });

  it('rides out 5xx faults on every call through the HTTP client retries', async () => {
    const clean = {
      segments: await source.segments(),
      campaigns: await source.campaigns(),
      promotions: await source.promotions(),
      interactions: flat(await pages(source.interactions(null))),
      events: flat(await pages(source.events(null))),
      devices: flat(await pages(source.devices(null))),
      tagHits: flat(await pages(source.tagHits(null))),
    };
    const flaky = await startSim({ dataset: ds, faults: '5xx=0.3,seed=4' });
    const src = connect(flaky);
    const segs = await src.segments();
    expect(segs).toEqual(clean.segments);
    for (const s of segs.slice(0, 4)) expect(await allMembers(src.segmentMembers(s))).toEqual(ds.segmentMembers[s.id]!.map(profileKey));
    expect(await src.campaigns()).toEqual(clean.campaigns);
    expect(await src.promotions()).toEqual(clean.promotions);
    expect(flat(await pages(src.interactions(null)))).toEqual(clean.interactions);
    expect(flat(await pages(src.events(null)))).toEqual(clean.events);
    expect(flat(await pages(src.devices(null)))).toEqual(clean.devices);
    expect(flat(await pages(src.tagHits(null)))).toEqual(clean.tagHits);
    expect(flaky.stats().faultsInjected).toBeGreaterThan(10);
  });
});

describe('segment members of a large segment', () => {
  it('come in pages of at most 1000, all of them, each once', async () => {
    const big = generateXtremepushDataset({ profiles: 3000, seed: 5 });
    const sim = await startSim({ dataset: big });
    const src = connect(sim);
    const segs = await src.segments();
    const largest = segs.reduce((a, b) => ((big.segmentMembers[b.id]?.length ?? 0) > (big.segmentMembers[a.id]?.length ?? 0) ? b : a));
    const want = big.segmentMembers[largest.id]!.map(profileKey);
    expect(want.length).toBeGreaterThan(1000);
    const sizes: number[] = [];
    const got: string[] = [];
    for await (const page of src.segmentMembers(largest)) {
      sizes.push(page.length);
      got.push(...page);
    }
    expect(sizes.length).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1000);
    expect(got).toEqual(want);
  });
});
