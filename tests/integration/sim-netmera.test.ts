import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NETMERA_SEGMENT_ID, generateNetmeraDataset, hasInstalledOs, netmeraStatsOf, segmentMembersAt, type NetmeraDataset, type NetmeraOs,
} from '../../simulators/generator/index.js';
import { ALTERNATE_READINGS, RECORDED_READINGS, startNetmeraSim, type NetmeraSim, type NetmeraSimOptions } from '../../simulators/netmera/index.js';

const KEY = 'nm-test-key';
type Json = Record<string, unknown>;

interface Reply {
  status: number;
  type: string;
  text: string;
  body: Json;
}

async function get(url: string, headers: Record<string, string> = {}, init: RequestInit = {}): Promise<Reply> {
  const res = await fetch(url, { headers: { 'X-netmera-api-key': KEY, ...headers }, ...init });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, type, text, body: type.includes('json') && text ? (JSON.parse(text) as Json) : {} };
}

const rest = (sim: { url: string }, op: string, query = '') => `${sim.url}/rest/3.0/${op}${query ? `?${query}` : ''}`;
const os = (o: NetmeraOs) => ({ 'X-netmera-os': o });

const started: NetmeraSim[] = [];
async function start(o: Partial<NetmeraSimOptions> = {}): Promise<NetmeraSim> {
  const sim = await startNetmeraSim({ apiKey: KEY, dataset: ds, ...o });
  started.push(sim);
  return sim;
}
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

let ds: NetmeraDataset;
let sim: NetmeraSim;
beforeAll(async () => {
  ds = generateNetmeraDataset({ users: 1500, seed: 21 });
  sim = await start();
});

const segment = (id: number) => ds.segments.find((s) => s.id === id)!;
const withExtId = () => ds.users.find((u) => u.extId !== null && u.devices.length > 1 && Object.keys(u.categoryPreferences).length > 0)!;

describe('authentication and error bodies', () => {
  it('answers a missing or wrong key with 403 {"code":2010,"error":"API key is invalid"}, without echoing the key', async () => {
    for (const headers of [{ 'X-netmera-api-key': '' }, { 'X-netmera-api-key': 'wrong-key' }]) {
      const r = await get(rest(sim, 'app/events'), headers);
      expect(r.status).toBe(403);
      expect(r.body).toEqual({ code: 2010, error: 'API key is invalid' });
      expect(r.text).not.toContain('wrong-key');
    }
  });

  it('answers unknown routes and wrong methods with an RFC 9457 problem body', async () => {
    const r = await get(rest(sim, 'getUsers'));
    expect(r.status).toBe(404);
    expect(r.type).toBe('application/problem+json');
    expect(r.body).toMatchObject({ type: 'about:blank', title: 'Not Found', status: 404, instance: '/rest/3.0/getUsers' });
    expect((await get(rest(sim, 'getsegments'), os('IOS'))).status).toBe(404);
    const post = await get(rest(sim, 'getSegments'), os('IOS'), { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.type).toBe('application/problem+json');
    expect(post.body).toMatchObject({ title: 'Method Not Allowed', status: 405 });
  });

  it('answers app errors as {code,error}: 2020 missing parameter, 5016 unknown extId, 5042 unknown segment, 5003 unknown notification', async () => {
    expect((await get(rest(sim, 'getProfileAttributes'))).body).toMatchObject({ code: 2020 });
    const unknown = await get(rest(sim, 'getProfileAttributes', 'extId=no-such-user'));
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual({ code: 5016, error: 'External id not found' });
    expect((await get(rest(sim, 'getCategoryPreferences', 'externalId=no-such-user'))).body).toMatchObject({ code: 5016 });
    // The call takes `externalId`, not `extId`: the other name is a missing parameter.
    expect((await get(rest(sim, 'getCategoryPreferences', `extId=${withExtId().extId!}`))).body).toMatchObject({ code: 2020 });
    const seg = await get(rest(sim, 'getSegmentUsers', 'id=999'), os('IOS'));
    expect(seg.status).toBe(400);
    expect(seg.body).toMatchObject({ code: 5042 });
    expect((await get(rest(sim, 'getPushStats', 'notificationKey=1'))).body).toMatchObject({ code: 5003 });
    expect((await get(rest(sim, 'getPushStats'))).body).toMatchObject({ code: 2020 });
  });

  it('answers text/plain 400s for parameters that are not numbers or are out of range', async () => {
    for (const q of ['max=abc', 'max=0', 'max=1001', 'offset=-1']) {
      const r = await get(rest(sim, 'getDeviceTokens', q));
      expect(r.status, q).toBe(400);
      expect(r.type, q).toMatch(/^text\/plain/);
    }
    expect((await get(rest(sim, 'getSegmentUsers', 'id=abc'), os('IOS'))).type).toMatch(/^text\/plain/);
    expect((await get(rest(sim, 'getDevices', `extId=${withExtId().extId!}&pushPermitted=yes`))).type).toMatch(/^text\/plain/);
  });

  it('enforces an IP allow-list (2021) and per-operation permissions (2022), after the key', async () => {
    const ip = await start({ allowedIps: ['10.1.2.3'] });
    expect((await get(rest(ip, 'app/events'))).body).toEqual({ code: 2021, error: 'Your IP is not allowed' });
    expect((await get(rest(ip, 'app/events'), { 'X-netmera-api-key': 'x' })).body).toMatchObject({ code: 2010 });
    const op = await start({ forbiddenOperations: ['getDeviceTokens'] });
    const r = await get(rest(op, 'getDeviceTokens'));
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ code: 2022 });
    expect((await get(rest(op, 'app/events'))).status).toBe(200);
  });
});

describe('segments and the X-netmera-os header', () => {
  it('requires the header on segment calls only (400 code 2020), and refuses other values', async () => {
    for (const op of ['getSegments', 'getSegmentUsers']) {
      const r = await get(rest(sim, op, 'id=5883'));
      expect(r.status, op).toBe(400);
      expect(r.body, op).toEqual({ code: 2020, error: 'Missing required parameter: X-netmera-os' });
    }
    expect((await get(rest(sim, 'getSegments'), { 'X-netmera-os': 'ios' })).status).toBe(400);
    expect((await get(rest(sim, 'app/profile-attributes'))).status).toBe(200);
  });

  it('lists ready segments with userCount per OS; members per OS are those with an installed device of it', async () => {
    const list = async (o: NetmeraOs) => (await get(rest(sim, 'getSegments'), os(o))).body.list as { id: number; name: string; userCount: number; type: string }[];
    const ios = await list('IOS');
    const android = await list('ANDROID');
    expect(ios.map((s) => s.id).sort()).toEqual(ds.segments.filter((s) => s.status === 'READY').map((s) => s.id).sort());
    expect(ios.find((s) => s.id === NETMERA_SEGMENT_ID.cart)!.type).toBe('PRODUCT_SEGMENT');
    for (const s of ios) expect(s.userCount).toBe(segmentMembersAt(ds, segment(s.id), { os: 'IOS' }).length);
    expect(ios.find((s) => s.id === NETMERA_SEGMENT_ID.all)!.userCount).not.toBe(android.find((s) => s.id === NETMERA_SEGMENT_ID.all)!.userCount);

    const users = async (o: NetmeraOs) => (await get(rest(sim, 'getSegmentUsers', `id=${NETMERA_SEGMENT_ID.all}`), os(o))).body as { name: string; list: Json[] };
    const a = await users('ANDROID');
    expect(a.name).toBe('Tüm Kullanıcılar');
    expect(a).not.toHaveProperty('nextPage');
    const union = new Set([...(await users('IOS')).list, ...a.list].map((r) => JSON.stringify(r)));
    const reachable = ds.users.filter((u) => hasInstalledOs(u, 'IOS') || hasInstalledOs(u, 'ANDROID'));
    expect(union.size).toBe(reachable.length);
    expect(reachable.length).toBe(ds.users.length - ds.truth.noDevices.length - ds.truth.noAppDevice.length);
    // Users without an extId come without `externalId`.
    const row = a.list.find((r) => r.externalId === undefined);
    expect(row === undefined || Object.keys(row).every((k) => k === 'email' || k === 'msisdn')).toBe(true);
  });

  it('under the guide reading the header is optional and ignored; members are paged with an opaque offset', async () => {
    const g = await start({ osHeader: 'optional', osScope: 'ignore', segmentUsersPaging: 'paged' });
    const all = (await get(rest(g, 'getSegments'))).body.list as { id: number; userCount: number }[];
    expect(all.find((s) => s.id === NETMERA_SEGMENT_ID.all)!.userCount).toBe(ds.users.length);
    let url: string | null | undefined = rest(g, 'getSegmentUsers', `id=${NETMERA_SEGMENT_ID.all}&max=40`);
    const seen: Json[] = [];
    let pages = 0;
    while (url) {
      const r = await get(url, os('IOS'));
      expect(r.status).toBe(200);
      const list = r.body.list as Json[];
      expect(list.length).toBeLessThanOrEqual(100);
      seen.push(...list);
      url = r.body.nextPage as string | undefined;
      pages++;
    }
    // `max` below 100 is raised to 100.
    expect(pages).toBe(Math.ceil(ds.users.length / 100));
    expect(seen.map((r) => r.externalId ?? null)).toEqual(ds.users.map((u) => u.extId));
    const forged = await get(rest(g, 'getSegmentUsers', `id=${NETMERA_SEGMENT_ID.all}&offset=100`));
    expect(forged.status).toBe(400);
    expect(forged.type).toMatch(/^text\/plain/);
  });

  it('connector segments: plain by default; under the guide reading userCount is null and members fail with 2001 "Retry later"', async () => {
    const plain = await get(rest(sim, 'getSegmentUsers', `id=${NETMERA_SEGMENT_ID.connector}`), os('IOS'));
    expect(plain.status).toBe(200);
    const g = await start({ connectorSegments: 'guide' });
    const list = (await get(rest(g, 'getSegments'), os('IOS'))).body.list as { id: number; userCount: number | null }[];
    expect(list.find((s) => s.id === NETMERA_SEGMENT_ID.connector)!.userCount).toBeNull();
    const r = await get(rest(g, 'getSegmentUsers', `id=${NETMERA_SEGMENT_ID.connector}`), os('IOS'));
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ code: 2001, error: 'An unexpected error occurred. Retry later.' });
  });

  it('recalculates every 3 simulated hours: drifting segments change, a frozen list stays what it was', async () => {
    const d = await start();
    const members = async (id: number) => ((await get(rest(d, 'getSegmentUsers', `id=${id}`), os('ANDROID'))).body.list as Json[]).map((r) => r.email ?? r.externalId);
    const frozen = await members(NETMERA_SEGMENT_ID.active30);
    const stable = await members(NETMERA_SEGMENT_ID.premium);
    d.advance(2.9 * 3_600_000);
    expect(d.segmentEpoch()).toBe(0);
    expect(await members(NETMERA_SEGMENT_ID.active30)).toEqual(frozen);
    d.advance(0.2 * 3_600_000);
    expect(d.segmentEpoch()).toBe(1);
    const later = await members(NETMERA_SEGMENT_ID.active30);
    expect(later).not.toEqual(frozen);
    const expected = segmentMembersAt(ds, segment(NETMERA_SEGMENT_ID.active30), { epoch: 1, os: 'ANDROID' }).map((u) => u.profile.email ?? u.extId);
    expect(later).toEqual(expected);
    expect(await members(NETMERA_SEGMENT_ID.premium)).toEqual(stable);
    const adv = await fetch(`${d.url}/__sim/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hours: 3 }) });
    expect(((await adv.json()) as Json).epoch).toBe(2);
  });

  it('runs simulated time timeScale times faster than real', async () => {
    // 3 simulated hours in 100 real ms.
    const fast = await start({ timeScale: 108_000 });
    await new Promise((r) => setTimeout(r, 150));
    expect(fast.segmentEpoch()).toBeGreaterThanOrEqual(1);
  });
});

describe('per-user calls', () => {
  it('getProfileAttributes: epoch-ms dates and custom attributes mixed in, exactly as generated', async () => {
    const u = ds.users.find((x) => x.extId !== null && x.profile.dogum_tarihi !== undefined && x.profile.dateOfBirth !== undefined)!;
    const r = await get(rest(sim, 'getProfileAttributes', `extId=${encodeURIComponent(u.extId!)}`));
    expect(r.body).toEqual({ extId: u.extId, profile: u.profile });
    expect(typeof (r.body.profile as Json).dateOfBirth).toBe('number');
  });

  it('an extId holding "+" must be URL-encoded: sent raw it reads as a space and is not found', async () => {
    const big = generateNetmeraDataset({ users: 6000, seed: 2 });
    const k = big.truth.emailLikeExtIds.find((x) => x.includes('+'))!;
    const s = await start({ dataset: big });
    expect((await get(rest(s, 'getProfileAttributes', `extId=${k}`))).body).toMatchObject({ code: 5016 });
    expect((await get(rest(s, 'getProfileAttributes', `extId=${encodeURIComponent(k)}`))).status).toBe(200);
  });

  it('getDevices: installed devices only, the pushPermitted filter, installationId per reading, unknown users empty', async () => {
    const u = ds.users.find((x) => x.extId !== null && x.devices.some((d) => d.uninstalled) && x.devices.filter((d) => !d.uninstalled).length > 0)!;
    const r = await get(rest(sim, 'getDevices', `extId=${encodeURIComponent(u.extId!)}`));
    const installed = u.devices.filter((d) => !d.uninstalled);
    expect((r.body.devices as Json[]).map((d) => d.installationId)).toEqual(installed.map((d) => d.installationId));
    expect(Object.keys((r.body.devices as Json[])[0]!)).toEqual(expect.arrayContaining(['platform', 'deviceModel', 'pushPermitted']));
    expect(r.body).not.toHaveProperty('devices.0.osVersion');
    const permitted = await get(rest(sim, 'getDevices', `extId=${encodeURIComponent(u.extId!)}&pushPermitted=true`));
    expect((permitted.body.devices as Json[]).length).toBe(installed.filter((d) => d.pushPermitted).length);
    expect((await get(rest(sim, 'getDevices', 'extId=nobody'))).body).toEqual({ extId: 'nobody', devices: [] });
    const alt = await start({ devicesInstallationId: false });
    const a = await get(rest(alt, 'getDevices', `extId=${encodeURIComponent(u.extId!)}`));
    expect((a.body.devices as Json[]).every((d) => !('installationId' in d))).toBe(true);
  });

  it('getCategoryPreferences answers the user’s purpose consent, Turkish names included', async () => {
    const u = ds.users.find((x) => x.extId !== null && 'Haftalık Bülten' in x.categoryPreferences)!;
    const r = await get(rest(sim, 'getCategoryPreferences', `externalId=${encodeURIComponent(u.extId!)}`));
    expect(r.body).toEqual({ categoryPreferences: u.categoryPreferences });
  });
});

describe('paging', () => {
  it('getDeviceTokens: absolute nextPage over every installation, no extId, exact total, no nextPage on the last page', async () => {
    let url: string | undefined = rest(sim, 'getDeviceTokens', 'max=250');
    const seen: Json[] = [];
    let last: Json = {};
    while (url) {
      const r = await get(url);
      expect(r.body.total).toBe(ds.truth.counts.devices);
      seen.push(...(r.body.devices as Json[]));
      if (r.body.nextPage) expect(r.body.nextPage as string).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/rest\/3\.0\/getDeviceTokens\?offset=\d+&max=250$/);
      url = r.body.nextPage as string | undefined;
      last = r.body;
    }
    expect(last).not.toHaveProperty('nextPage');
    expect(seen).toHaveLength(ds.truth.counts.devices);
    expect(seen.every((d) => !('extId' in d))).toBe(true);
    expect(new Set(seen.map((d) => d.installationId)).size).toBe(seen.length);
    expect(seen.filter((d) => d.token !== undefined)).toHaveLength(ds.truth.counts.pushTokens);
    expect((await get(rest(sim, 'getDeviceTokens'))).body.devices).toHaveLength(10);
  });

  it('getDeviceTokens under the guide reading: extId and deviceToken, an estimated total, nextPage null at the end', async () => {
    const g = await start({ deviceTokensShape: 'guide', deviceTokensTotal: 'estimate', lastPage: 'null' });
    const r = await get(rest(g, 'getDeviceTokens', `max=1000&offset=${ds.truth.counts.devices - 5}`));
    expect(r.body.nextPage).toBeNull();
    expect(r.body.total).toBe(Math.round(ds.truth.counts.devices / 100) * 100);
    const rows = r.body.devices as Json[];
    expect(rows).toHaveLength(5);
    for (const d of rows) expect(Object.keys(d).every((k) => ['installationId', 'platform', 'extId', 'deviceToken'].includes(k))).toBe(true);
  });

  it('getPushResult: following nextPage verbatim yields every row once; rebuilt or tampered offsets are refused', async () => {
    const c = ds.campaigns.find((x) => ds.pushResults[x.notificationKey]!.length > 700)!;
    const rows = ds.pushResults[c.notificationKey]!;
    let url: string | undefined = rest(sim, 'getPushResult', `notificationKey=${c.notificationKey}&max=300`);
    const seen: Json[] = [];
    const links: string[] = [];
    while (url) {
      const r = await get(url);
      expect(r.status).toBe(200);
      seen.push(...(r.body.list as Json[]));
      url = r.body.nextPage as string | undefined;
      if (url) links.push(url);
    }
    expect(seen).toHaveLength(rows.length);
    expect(seen.map((x) => [x.status, x.timeStamp, x.installationId ?? null])).toEqual(rows.map((x) => [x.status, x.timeStamp, x.installationId]));
    expect(seen.every((x) => !('notificationKey' in x))).toBe(true);
    expect(seen.some((x) => x.status === 'FAILED' && typeof x.errorCode === 'string' && typeof x.errorMsg === 'string')).toBe(true);

    // Tokens are standard base64: some hold '+', which must stay percent-encoded.
    const plus = links.find((l) => l.includes('%2B'));
    expect(plus).toBeDefined();
    const offset = new URL(plus!).searchParams.get('offset')!;
    expect(offset).toContain('+');
    const refused = async (u: string) => {
      const r = await get(u);
      expect(r.status, u).toBe(400);
      expect(r.type).toMatch(/^text\/plain/);
    };
    // Decoding '%2B' to '+' and sending it raw turns it into a space; a numeric offset is not a token; a token is tied to its query.
    await refused(plus!.replace(/%2B/g, '+'));
    await refused(rest(sim, 'getPushResult', `notificationKey=${c.notificationKey}&max=300&offset=300`));
    const other = ds.campaigns.find((x) => x.notificationKey !== c.notificationKey)!;
    await refused(rest(sim, 'getPushResult', `notificationKey=${other.notificationKey}&max=300&offset=${encodeURIComponent(offset)}`));
    await refused(plus!.replace(/offset=[^&]+/, `offset=${encodeURIComponent(`${offset.slice(0, -4)}AAAA`)}`));
    // Rebuilding the URL with a URL parser keeps the token intact, so that works too.
    const rebuilt = new URL(rest(sim, 'getPushResult'));
    rebuilt.searchParams.set('offset', offset);
    rebuilt.searchParams.set('max', '300');
    expect((await get(rebuilt.toString())).status).toBe(200);
  });

  it('getPushResult filters by extId and time, and needs a filter (2020; 2009 under the guide reading)', async () => {
    const row = ds.pushResults[ds.campaigns[0]!.notificationKey]!.find((x) => x.extId !== null)!;
    const mine = Object.values(ds.pushResults).flat().filter((x) => x.extId === row.extId);
    const r = await get(rest(sim, 'getPushResult', `extId=${encodeURIComponent(row.extId!)}&max=1000`));
    expect((r.body.list as Json[]).length).toBe(mine.length);
    const windowed = await get(rest(sim, 'getPushResult', `notificationKey=${ds.campaigns[0]!.notificationKey}&start=${row.timeStamp}&end=${row.timeStamp}&max=1000`));
    expect((windowed.body.list as Json[]).every((x) => x.timeStamp === row.timeStamp)).toBe(true);
    expect((await get(rest(sim, 'getPushResult', 'max=10'))).body).toMatchObject({ code: 2020 });
    const g = await start({ pushResultFilterError: 2009 });
    expect((await get(rest(g, 'getPushResult', 'max=10'))).body).toMatchObject({ code: 2009 });
  });

  it('getPushStats by key and by date range agree with the per-recipient rows', async () => {
    const c = ds.campaigns[2]!;
    const one = await get(rest(sim, 'getPushStats', `notificationKey=${c.notificationKey}`));
    expect(one.body).toEqual({ notificationKey: c.notificationKey, status: c.status, startDate: c.startDate, endDate: c.endDate, stats: netmeraStatsOf(ds.pushResults[c.notificationKey]!) });
    const range = await get(rest(sim, 'getPushStats', `start=${ds.campaigns[1]!.startDate}&end=${ds.now}`));
    const messages = range.body.messages as Json[];
    expect(messages.map((m) => m.notificationKey)).toEqual(ds.campaigns.slice(1).map((x) => x.notificationKey));
    const sending = messages.find((m) => m.status === 'SENDING')!;
    expect(sending).not.toHaveProperty('endDate');
  });
});

describe('definitions', () => {
  it('app/profile-attributes lists standard and custom definitions; app/events answers in either reading', async () => {
    const attrs = await get(rest(sim, 'app/profile-attributes'));
    expect(attrs.body).toEqual({ standardProfileAttributes: ds.standardAttributes, customProfileAttributes: ds.customAttributes });
    const split = (await get(rest(sim, 'app/events'))).body as { standardEvents: Json[]; customEvents: Json[] };
    expect(split.standardEvents.map((e) => e.code)).toContain('n:op');
    expect(split.customEvents.map((e) => e.code)).toContain('satin_alma');
    const l = await start({ eventsShape: 'list' });
    const list = (await get(rest(l, 'app/events'))).body.list as Json[];
    expect(list).toHaveLength(ds.eventDefinitions.length);
  });

  it('writes the export files into filesDir on start when asked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nm-sim-'));
    dirs.push(dir);
    const f = await start({ files: { dir, dataExport: { types: ['EVENT_DATA'] } } });
    expect(f.filesDir).toBe(dir);
    expect(f.files!.all).toHaveLength(4);
    for (const p of f.files!.all) expect(existsSync(p)).toBe(true);
  });
});

describe('limits and faults', () => {
  it('answers 429 over the rate limit and 5022 over the quota (as a 400, or a 429 under the other reading)', async () => {
    const rl = await start({ limits: { perMinute: 3 } });
    const codes: number[] = [];
    for (let k = 0; k < 5; k++) codes.push((await get(rest(rl, 'app/events'))).status);
    expect(codes).toEqual([200, 200, 200, 429, 429]);
    expect(rl.stats().rateLimited).toBe(2);
    rl.advance(60_000);
    expect((await get(rest(rl, 'app/events'))).status).toBe(200);

    for (const quotaStatus of [400, 429] as const) {
      const q = await start({ limits: { quota: { calls: 2, windowMs: 3_600_000 } }, quotaStatus });
      await get(rest(q, 'app/events'));
      await get(rest(q, 'app/events'));
      const r = await get(rest(q, 'app/events'));
      expect(r.status).toBe(quotaStatus);
      expect(r.body).toEqual({ code: 5022, error: 'Quota exceeded' });
      expect(q.stats().quotaExceeded).toBe(1);
    }
  });

  it('injects seeded 5xx (500 in the API shape, 502/503 as gateway HTML), drops and timeouts', async () => {
    const f = await start({ faults: '5xx=1,seed=3' });
    const statuses = new Set<number>();
    for (let k = 0; k < 12; k++) {
      const r = await get(rest(f, 'app/events'));
      statuses.add(r.status);
      if (r.status === 500) expect(r.body).toEqual({ code: 2001, error: 'Internal server error' });
      else expect(r.type).toBe('text/html');
    }
    expect([...statuses].every((s) => [500, 502, 503].includes(s))).toBe(true);
    expect(f.stats().faultsInjected).toBe(12);
    f.setFaults('drop=1');
    await expect(fetch(rest(f, 'app/events'), { headers: { 'X-netmera-api-key': KEY } })).rejects.toThrow();
    f.setFaults('timeout=1');
    await expect(fetch(rest(f, 'app/events'), { headers: { 'X-netmera-api-key': KEY }, signal: AbortSignal.timeout(200) })).rejects.toThrow();
    f.setFaults('');
    expect((await get(rest(f, 'app/events'))).status).toBe(200);
  });

  it('answers fault bursts as gateway 429s or as 5022s, deterministically per seed', async () => {
    const as429 = await start({ faults: '429=1', burstAs: '429' });
    const a = await get(rest(as429, 'app/events'));
    expect(a.status).toBe(429);
    expect(a.text).toBe('Too Many Requests');
    const as5022 = await start({ faults: '429=1', burstAs: '5022' });
    expect((await get(rest(as5022, 'app/events'))).body).toMatchObject({ code: 5022 });
    const run = async () => {
      const s = await start({ faults: '5xx=0.3,429=0.2,burst=0,seed=9' });
      const out: number[] = [];
      for (let k = 0; k < 20; k++) out.push((await get(rest(s, 'app/profile-attributes'))).status);
      return out;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(first.some((s) => s === 200) && first.some((s) => s !== 200)).toBe(true);
  });
});

describe('both readings', () => {
  /** A tolerant reader: sends the OS header, follows nextPage when there is one (absent or null ends it). */
  async function readAll(s: NetmeraSim) {
    const members = new Set<string>();
    for (const o of ['IOS', 'ANDROID'] as const) {
      let url: string | null | undefined = rest(s, 'getSegmentUsers', `id=${NETMERA_SEGMENT_ID.newsletter}&max=500`);
      while (url) {
        const r = await get(url, os(o));
        for (const row of r.body.list as Json[]) members.add(String(row.externalId ?? row.email));
        url = r.body.nextPage as string | null | undefined;
      }
    }
    const installs = new Set<string>();
    let url: string | null | undefined = rest(s, 'getDeviceTokens', 'max=400');
    while (url) {
      const r = await get(url);
      for (const d of r.body.devices as Json[]) installs.add(String(d.installationId));
      url = r.body.nextPage as string | null | undefined;
    }
    const ev = (await get(rest(s, 'app/events'))).body as { list?: Json[]; standardEvents?: Json[]; customEvents?: Json[] };
    const events = ev.list ?? [...(ev.standardEvents ?? []), ...(ev.customEvents ?? [])];
    return { members, installs, events: events.map((e) => e.code).sort() };
  }

  it('a client that tolerates both readings reads the same account under each', async () => {
    const recorded = await readAll(await start({ ...RECORDED_READINGS }));
    const alternate = await readAll(await start({ ...ALTERNATE_READINGS }));
    expect(recorded.installs.size).toBe(ds.truth.counts.devices);
    expect(alternate.installs).toEqual(recorded.installs);
    expect(alternate.events).toEqual(recorded.events);
    const newsletter = segment(NETMERA_SEGMENT_ID.newsletter);
    const reachable = segmentMembersAt(ds, newsletter).filter((u) => hasInstalledOs(u, 'IOS') || hasInstalledOs(u, 'ANDROID'));
    expect(recorded.members.size).toBe(reachable.length);
    // The header does not filter under the guide reading: app-less members appear too.
    expect(alternate.members.size).toBe(segmentMembersAt(ds, newsletter).length);
  });
});

describe('POST /__sim/profiles: the account changes while the simulator runs', () => {
  const admin = async (s: NetmeraSim, body: unknown): Promise<Reply> =>
    get(`${s.url}/__sim/profiles`, { 'content-type': 'application/json' }, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
  const q = (extId: string) => encodeURIComponent(extId);
  const members = async (s: NetmeraSim, id: number) =>
    ((await get(rest(s, 'getSegmentUsers', `id=${id}`), os('IOS'))).body.list as Json[]).map((m) => m.externalId);

  it('upserts merge into users (REST answers change), new users join the segments given, deleted users answer as unknown', async () => {
    const d = generateNetmeraDataset({ users: 120, seed: 31 });
    const s = await start({ dataset: d });
    const known = d.users.filter((u) => u.extId !== null && Object.keys(u.categoryPreferences).length > 0);
    const [a, gone] = [known[0]!, known[1]!];
    const before = { profile: { ...a.profile }, permissionAt: a.channelPermission.updatedAt };
    const inAll = (await members(s, NETMERA_SEGMENT_ID.all)).length;
    const dob = Date.UTC(1990, 3, 12) - 3 * 3_600_000; // midnight of 12 April 1990 in Istanbul
    const r = await admin(s, {
      upsert: [
        { extId: a.extId, profile: { name: 'Değişti', sadakat_puani: 77, dateOfBirth: dob }, categoryPreferences: { Kampanyalar: false }, channelPermission: { sms: false } },
        {
          extId: 'new-user-1', profile: { email: 'yeni@example.com.tr', name: 'Yeni', sehir: 'İzmir' }, segments: [NETMERA_SEGMENT_ID.istanbul],
          devices: [{ platform: 'IOS', token: 'tok-1', deviceModel: 'iPhone15,2', pushPermitted: true }], tags: ['vip'],
        },
      ],
      delete: [gone.extId, 'nobody-here'],
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ created: 1, updated: 1, deleted: 1, missing: ['nobody-here'] });

    const pa = (await get(rest(s, 'getProfileAttributes', `extId=${q(a.extId!)}`))).body;
    // Merged: the named attributes change, the rest stay; age follows the new date of birth.
    expect(pa.profile).toEqual({ ...before.profile, name: 'Değişti', sadakat_puani: 77, dateOfBirth: dob, age: 34 });
    expect((await get(rest(s, 'getCategoryPreferences', `externalId=${q(a.extId!)}`))).body.categoryPreferences).toEqual({ ...a.categoryPreferences, Kampanyalar: false });
    expect(a.channelPermission.sms).toBe(false);
    expect(a.channelPermission.updatedAt).toBeGreaterThan(before.permissionAt);

    expect((await get(rest(s, 'getProfileAttributes', 'extId=new-user-1'))).body).toEqual({ extId: 'new-user-1', profile: { email: 'yeni@example.com.tr', name: 'Yeni', sehir: 'İzmir' } });
    const devices = (await get(rest(s, 'getDevices', 'extId=new-user-1'))).body.devices as Json[];
    expect(devices).toEqual([{ platform: 'IOS', token: 'tok-1', deviceModel: 'iPhone15,2', pushPermitted: true, installationId: expect.stringMatching(/^[0-9a-f]{24}$/) }]);
    // Given memberships hold whatever the rules say (İzmir is not İstanbul), plus the all-users segment.
    expect(await members(s, NETMERA_SEGMENT_ID.istanbul)).toContain('new-user-1');
    const all = await members(s, NETMERA_SEGMENT_ID.all);
    expect(all).toContain('new-user-1');
    expect(all).not.toContain(gone.extId);
    expect(all.length).toBe(inAll + (hasInstalledOs(gone, 'IOS') ? 0 : 1));
    const tokens = (await get(rest(s, 'getDeviceTokens', 'max=1000'))).body.devices as Json[];
    expect(tokens.map((t) => t.token)).toContain('tok-1');

    // A deleted user is an unknown extId to every call.
    expect((await get(rest(s, 'getProfileAttributes', `extId=${q(gone.extId!)}`))).body).toEqual({ code: 5016, error: 'External id not found' });
    expect((await get(rest(s, 'getCategoryPreferences', `externalId=${q(gone.extId!)}`))).body).toMatchObject({ code: 5016 });
    expect((await get(rest(s, 'getDevices', `extId=${q(gone.extId!)}`))).body).toEqual({ extId: gone.extId, devices: [] });
    for (const seg of d.segments.filter((x) => x.status === 'READY' && x.type !== 'CONNECTORS_SEGMENT')) expect(await members(s, seg.id)).not.toContain(gone.extId);
  });

  it('writes the export files again: the changed, new and deleted users show there', async () => {
    const d = generateNetmeraDataset({ users: 40, seed: 32 });
    const dir = mkdtempSync(join(tmpdir(), 'nm-sim-changes-'));
    dirs.push(dir);
    const s = await start({ dataset: d, files: { dir, exportUsers: { formats: ['csv'] }, dataExport: { types: ['CHANNEL_PERMISSION'] }, definitions: false } });
    const [a, gone] = d.users.filter((u) => u.extId !== null);
    const result = await s.changeUsers({ upsert: [{ extId: a!.extId!, profile: { name: 'Renamed' } }, { extId: 'file-new', profile: { email: 'file@new.io' } }], delete: [gone!.extId!] });
    expect(result).toEqual({ created: 1, updated: 1, deleted: 1, missing: [] });
    const [header, ...rows] = parseCsv(readFileSync(s.files!.exportUsers[0]!, 'utf8'), { bom: true }) as string[][];
    const byId = new Map(rows.map((row) => [row[header!.indexOf('External Id')], row]));
    expect(byId.get(a!.extId!)![header!.indexOf('name')]).toBe('Renamed');
    expect(byId.get('file-new')![header!.indexOf('Email')]).toBe('file@new.io');
    expect(byId.has(gone!.extId!)).toBe(false);
    expect(rows).toHaveLength(40);
    const permissions = readFileSync(s.files!.dataExport.CHANNEL_PERMISSION![0]!, 'utf8');
    expect(permissions).toContain('file@new.io');
    expect(permissions).toContain(`\n${a!.extId};`);
    expect(permissions).not.toContain(`\n${gone!.extId};`);
  });

  it('answers 400 naming the bad user and what is wrong, and changes nothing', async () => {
    const d = generateNetmeraDataset({ users: 30, seed: 33 });
    const s = await start({ dataset: d });
    const a = d.users.find((u) => u.extId !== null)!;
    const name = a.profile.name;
    const bad = async (body: unknown, message: RegExp) => {
      const r = await admin(s, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(String(r.body.error)).toMatch(message);
    };
    const ok = { extId: a.extId, profile: { name: 'Should not stick' } };
    await bad({ upsert: [ok, { profile: { name: 'x' } }] }, /^upsert row 1: extId: /);
    await bad({ upsert: [ok, { extId: 'x', profile: { favouriteColour: 'red' } }] }, /^upsert row 1: profile\.favouriteColour: no attribute favouriteColour in app\/profile-attributes/);
    await bad({ upsert: [{ extId: 'x', profile: { sadakat_puani: 'many' } }] }, /^upsert row 0: profile\.sadakat_puani: sadakat_puani is INTEGER/);
    await bad({ upsert: [{ extId: 'x', profile: { ilgi_alanlari: 'Moda' } }] }, /^upsert row 0: profile\.ilgi_alanlari: ilgi_alanlari is a list of STRING/);
    await bad({ upsert: [{ extId: 'x', segments: [1] }] }, /^upsert row 0: segments\.0: no such segment/);
    await bad({ upsert: [{ extId: 'x', categoryPreferences: { Nope: true } }] }, /^upsert row 0: categoryPreferences/);
    await bad({ upsert: [{ extId: 'x', devices: [{ token: 't' }] }] }, /^upsert row 0: devices\.0\.platform/);
    await bad({ upsert: [{ extId: 'x', nickname: 'y' }] }, /^upsert row 0: .*nickname/);
    await bad({ delete: ['ok', 7] }, /^delete row 1: extId must be text/);
    await bad('{"upsert": [', /not valid JSON/);
    expect(a.profile.name).toBe(name);
    expect(d.users).toHaveLength(30);
    await expect(s.changeUsers({ upsert: [{ extId: '' }] })).rejects.toThrow(/upsert row 0: extId: extId must not be empty/);
  });

  it('is neither counted nor faulted', async () => {
    const d = generateNetmeraDataset({ users: 20, seed: 34 });
    const s = await start({ dataset: d, faults: '5xx=1,drop=1' });
    for (let k = 0; k < 4; k++) expect((await admin(s, { upsert: [{ extId: `x-${k}`, profile: { name: `n${k}` } }] })).status).toBe(200);
    expect(s.stats()).toMatchObject({ calls: 0, faultsInjected: 0 });
    expect(d.users).toHaveLength(24);
  });
});
