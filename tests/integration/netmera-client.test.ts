/**
 * The Netmera connector against a tiny local fixture server (127.0.0.1 only) answering with the
 * notes' recorded shapes — both readings where a fact is marked [A] or the live docs disagree —
 * and with Netmera's errors and paging. A fixture, not a simulator: each test says what the
 * server answers.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { ConfigError, RateLimitedError, TerminalError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { checkAgainstManifest, offers } from '../../src/connectors/manifest.js';
import type { SourceConnector } from '../../src/connectors/source.js';
import { readResumingAfterEveryPage } from '../fixtures/netmera/pages.js';
import { NetmeraConfig, chunkIds, createNetmera, netmeraSource, type NetmeraProblem } from '../../src/connectors/netmera/index.js';

const KEY = 'nm-rest-key-5b1e2c7d9a';

interface Reply {
  status?: number;
  json?: unknown;
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
  delayMs?: number;
}
interface Hit {
  path: string;
  url: string;
  headers: IncomingMessage['headers'];
}
type Route = (url: URL, hit: Hit, n: number) => Reply | Promise<Reply>;

const servers: Server[] = [];
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(closers.map((c) => c()));
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

/** A server on 127.0.0.1 answering each path with its route (404 problem body otherwise); hits recorded in order. */
async function serve(routes: Record<string, Route>): Promise<{ url: string; hits: Hit[]; inFlight: { now: number; max: number } }> {
  const hits: Hit[] = [];
  const inFlight = { now: 0, max: 0 };
  const counts = new Map<string, number>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const hit = { path: url.pathname, url: req.url ?? '', headers: req.headers };
    hits.push(hit);
    inFlight.now++;
    inFlight.max = Math.max(inFlight.max, inFlight.now);
    const n = (counts.get(url.pathname) ?? 0) + 1;
    counts.set(url.pathname, n);
    const route = routes[url.pathname];
    const reply: Promise<Reply> = route
      ? Promise.resolve(route(url, hit, n))
      : Promise.resolve({ status: 404, contentType: 'application/problem+json', json: { type: 'about:blank', title: 'Not Found', status: 404, detail: `No endpoint GET ${url.pathname}` } });
    void reply.then(async (r) => {
      if (r.delayMs) await new Promise((ok) => setTimeout(ok, r.delayMs));
      inFlight.now--;
      const body = r.text ?? JSON.stringify(r.json ?? {});
      res.writeHead(r.status ?? 200, { 'content-type': r.contentType ?? (r.text !== undefined ? 'text/plain' : 'application/json'), ...r.headers });
      res.end(body);
    });
  });
  servers.push(server);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits, inFlight };
}

function config(url: string, extra: Record<string, unknown> = {}): NetmeraConfig {
  return NetmeraConfig.parse({
    type: 'netmera', baseUrl: url, apiKey: KEY, retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5, jitter: 0 },
    pacing: { requestsPerSecond: 1000, concurrency: 4 }, pushHistory: { since: '2024-03-01', until: '2024-03-25', windowDays: 10 }, pageSize: 2,
    ...extra,
  });
}

function connect(url: string, extra: Record<string, unknown> = {}) {
  const problems: NetmeraProblem[] = [];
  const built = createNetmera(config(url, extra), { logger: silentLogger(), onProblem: (p) => problems.push(p) });
  closers.push(built.close);
  return { ...built, problems };
}

function source(url: string, extra: Record<string, unknown> = {}): SourceConnector {
  const s = checkAgainstManifest(netmeraSource.create(config(url, extra), { logger: silentLogger() }));
  closers.push(() => s.close());
  return s;
}

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const problem = (code: number, error: string, status = 400): Reply => ({ status, json: { code, error } });

/** The notes' recorded answers for one user. */
const PROFILE = (extId: string) => ({ extId, profile: { name: 'John', surname: 'Brown', dateOfBirth: 624315600000, email: `${extId}@example.com`, age: 34, isSubscribed: true, son_giris: 1709285400000 } });
const DEVICES = (extId: string) => ({ extId, devices: [{ platform: 'ANDROID', token: `tok-${extId}-secret`, deviceModel: 'SM-G991B', pushPermitted: true, installationId: `inst-${extId}` }] });
const DEFS = { standardProfileAttributes: [{ code: 'dateOfBirth', dataType: 'DATE', name: 'Date of birth' }, { code: 'email', dataType: 'STRING' }], customProfileAttributes: [{ code: 'son_giris', dataType: 'DATETIME' }, { code: 'ilgi', dataType: 'STRING', isArray: true }] };

const userRoutes = (overrides: Record<string, Route> = {}): Record<string, Route> => ({
  '/rest/3.0/app/profile-attributes': () => ({ json: DEFS }),
  '/rest/3.0/getProfileAttributes': (u) => ({ json: PROFILE(u.searchParams.get('extId')!) }),
  '/rest/3.0/getDevices': (u) => ({ json: DEVICES(u.searchParams.get('extId')!) }),
  '/rest/3.0/getCategoryPreferences': () => ({ json: { categoryPreferences: { Promotions: true, Newsletter: false } } }),
  ...overrides,
});

describe('credentials and errors', () => {
  it('refuses a bad key with a ConfigError naming the base URL and what to check, never the key', async () => {
    const srv = await serve({ '/rest/3.0/app/profile-attributes': () => problem(2010, 'API key is invalid', 403) });
    const err = await source(srv.url).checkConnection().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(srv.url);
    expect((err as Error).message).toMatch(/source\.apiKey.*API key is invalid/);
    expect(inspect(err, { depth: 10 })).not.toContain(KEY);
    expect(JSON.stringify(err)).not.toContain(KEY);
    expect(srv.hits[0]!.headers['x-netmera-api-key']).toBe(KEY);
    expect(srv.hits[0]!.headers['x-netmera-os']).toBeUndefined();
  });

  it('names the IP allow-list (2021) and a missing permission (2022), in an error status or a 200 body', async () => {
    const ip = await serve({ '/rest/3.0/app/profile-attributes': () => problem(2021, 'Your IP is not allowed', 403) });
    await expect(source(ip.url).checkConnection()).rejects.toThrow(/allow-list \(2021\)/);
    const perm = await serve({ '/rest/3.0/app/profile-attributes': () => ({ json: { code: 2022, error: 'You are not authorized to do this action' } }) });
    await expect(source(perm.url).checkConnection()).rejects.toThrow(/may not call app\/profile-attributes \(2022\)/);
  });

  it('reads an unknown route (RFC 9457 problem body) as a wrong base URL, and a text/plain 400 as a refused call', async () => {
    const srv = await serve({ '/rest/3.0/getDevices': () => ({ status: 400, text: 'Bad Request' }) });
    await expect(source(`${srv.url}/netmera`).checkConnection()).rejects.toThrow(new RegExp(`Netmera at ${srv.url}/netmera does not know /rest/3.0/app/profile-attributes \\(HTTP 404\\)`));
    const { client } = connect(srv.url);
    const err = await client.devices('u1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TerminalError);
    expect((err as Error).message).toMatch(/getDevices refused the request \(HTTP 400, no JSON error body\)/);
  });

  it('takes the base URL with or without /rest/3.0', async () => {
    const srv = await serve(userRoutes());
    await source(`${srv.url}/rest/3.0/`).checkConnection();
    expect(srv.hits.at(-1)!.path).toBe('/rest/3.0/app/profile-attributes');
  });
});

describe('rate limits', () => {
  it('retries 429 and 5022 (in an error status or a 200 body), holding back the calls in flight', async () => {
    const srv = await serve(userRoutes({
      '/rest/3.0/getProfileAttributes': (u, _h, n) =>
        n === 1 ? { status: 429, json: { code: 429, error: 'Too Many Requests' }, headers: { 'retry-after': '0' } }
          : n === 2 ? problem(5022, 'Quota exceeded')
            : n === 3 ? { json: { code: 5022, error: 'Quota exceeded' } }
              : { json: PROFILE(u.searchParams.get('extId')!) },
    }));
    const { streams, gate } = connect(srv.url);
    const [c] = await streams.contactsByKey(['netmera:user:u1']);
    expect(c).toMatchObject({ sourceKey: 'netmera:user:u1', firstName: 'John' });
    expect(srv.hits.filter((h) => h.path === '/rest/3.0/getProfileAttributes')).toHaveLength(4);
    expect(gate.stats().slowDowns).toBeGreaterThanOrEqual(3);
    expect(gate.current()).toBeLessThan(4);
  });

  it('gives up with a RateLimitedError when the quota stays exceeded', async () => {
    const srv = await serve(userRoutes({ '/rest/3.0/getProfileAttributes': () => problem(5022, 'Quota exceeded') }));
    await expect(connect(srv.url).client.profile('u1')).rejects.toThrow(RateLimitedError);
    expect(srv.hits.filter((h) => h.path === '/rest/3.0/getProfileAttributes')).toHaveLength(4);
  });
});

describe('contacts by key', () => {
  it('reads a user with 3 calls, dates typed by the definitions, devices and categories as attributes, never a token', async () => {
    const srv = await serve(userRoutes());
    const { streams } = connect(srv.url);
    const [c] = await streams.contactsByKey(['netmera:user:id1']);
    expect(c).toMatchObject({
      sourceKey: 'netmera:user:id1', externalId: 'id1', firstName: 'John', lastName: 'Brown', email: 'id1@example.com',
      attributes: { dateOfBirth: '1989-10-14', son_giris: '2024-03-01T09:30:00.000Z', age: 34, deviceCount: 1, deviceOs: 'ANDROID', deviceModel: 'SM-G991B', devicePushPermitted: true, 'category:Promotions': true, 'category:Newsletter': false },
    });
    expect(JSON.stringify(c)).not.toContain('secret');
    const userCalls = srv.hits.filter((h) => h.path !== '/rest/3.0/app/profile-attributes');
    expect(userCalls.map((h) => h.url).sort()).toEqual([
      '/rest/3.0/getCategoryPreferences?externalId=id1', '/rest/3.0/getDevices?extId=id1&pushPermitted=false', '/rest/3.0/getProfileAttributes?extId=id1',
    ]);
  });

  it('writes the same contacts in far-from-UTC time zones', async () => {
    const srv = await serve(userRoutes());
    const before = process.env.TZ;
    const runs: string[] = [];
    try {
      for (const tz of ['Pacific/Kiritimati', 'America/Adak', 'Asia/Kathmandu']) {
        process.env.TZ = tz;
        runs.push(JSON.stringify(await connect(srv.url).streams.contactsByKey(['netmera:user:a', 'netmera:user:b'])));
      }
    } finally {
      if (before === undefined) delete process.env.TZ;
      else process.env.TZ = before;
    }
    expect(new Set(runs).size).toBe(1);
    expect(runs[0]).toContain('"dateOfBirth":"1989-10-14"');
  });

  it('leaves out users Netmera no longer knows (5016, as an error or a 200 body); a bad answer for one user is that contact\'s problem', async () => {
    const srv = await serve(userRoutes({
      '/rest/3.0/getProfileAttributes': (u) => {
        const id = u.searchParams.get('extId')!;
        return id === 'gone' ? problem(5016, 'External id not found') : id === 'gone2' ? { json: { code: 5016, error: 'External id not found' } } : { json: PROFILE(id) };
      },
      '/rest/3.0/getCategoryPreferences': (u) => (u.searchParams.get('externalId')!.startsWith('gone') ? problem(5016, 'External id not found') : { json: { categoryPreferences: {} } }),
      '/rest/3.0/getDevices': (u) => (u.searchParams.get('extId') === 'odd' ? { json: { extId: 'odd', devices: 'none' } } : { json: { extId: u.searchParams.get('extId'), devices: [] } }),
    }));
    const got = await connect(srv.url).streams.contactsByKey(['netmera:user:a', 'netmera:user:gone', 'netmera:user:odd', 'netmera:user:gone2']);
    expect(got.map((c) => c.sourceKey)).toEqual(['netmera:user:a', 'netmera:user:odd']);
    expect(got[1]!.sourceProblems).toEqual([{ field: null, reason: expect.stringMatching(/^source getDevices: Netmera getDevices: unexpected answer at devices/) }]);
  });

  it('handles a page of keys in runs of at most 1000 ids, never more calls in flight than the pacing allows, answers in key order', async () => {
    expect(chunkIds(Array.from({ length: 2500 }, (_, i) => i)).map((c) => c.length)).toEqual([1000, 1000, 500]);
    const srv = await serve(userRoutes({ '/rest/3.0/getProfileAttributes': (u) => ({ json: PROFILE(u.searchParams.get('extId')!), delayMs: 1 }) }));
    const keys = Array.from({ length: 1200 }, (_, i) => `netmera:user:u${String(i).padStart(4, '0')}`);
    const got = await connect(srv.url).streams.contactsByKey([...keys, keys[0]!]);
    expect(got.map((c) => c.sourceKey)).toEqual(keys);
    expect(srv.hits.filter((h) => h.path === '/rest/3.0/getProfileAttributes')).toHaveLength(1200);
    expect(srv.hits.filter((h) => h.path === '/rest/3.0/app/profile-attributes')).toHaveLength(1);
    expect(srv.inFlight.max).toBeLessThanOrEqual(4);
  });
});

describe('segments and the OS header', () => {
  const seg = (id: number, name: string, userCount: number | null, type = 'STANDARD') => ({ id, name, userCount, type });

  it('asks getSegments with each OS and unions the answers when the header selects the OS (the notes\' reading)', async () => {
    const byOs: Record<string, unknown[]> = { IOS: [seg(1, 'Tüm Kullanıcılar', 40), seg(2, 'VIP', 5)], ANDROID: [seg(1, 'Tüm Kullanıcılar', 60), seg(3, 'Android Only', 7)] };
    const members: Record<string, Record<string, unknown[]>> = { IOS: { '1': [{ externalId: 'a' }, { externalId: 'b' }] }, ANDROID: { '1': [{ externalId: 'b' }, { extId: 'c' }, { msisdn: '905551112233' }] } };
    const srv = await serve({
      '/rest/3.0/getSegments': (_u, h) => ({ json: { list: byOs[String(h.headers['x-netmera-os'])] ?? [] } }),
      '/rest/3.0/getSegmentUsers': (u, h) => ({ json: { name: 'x', list: members[String(h.headers['x-netmera-os'])]?.[u.searchParams.get('id')!] ?? [] } }),
    });
    const { streams, problems } = connect(srv.url, { populationSegment: 'tüm kullanıcılar' });
    const list = await streams.segments();
    expect(list.map((s) => [s.id, s.name, s.memberCount])).toEqual([['1', 'Tüm Kullanıcılar', 100], ['2', 'VIP', 5], ['3', 'Android Only', 7]]);
    expect(srv.hits.map((h) => h.headers['x-netmera-os']).sort()).toEqual(['ANDROID', 'IOS']);
    const keys = (await all(streams.segmentMembers(list[0]!))).flat();
    expect(keys).toEqual(['netmera:user:a', 'netmera:user:b', 'netmera:user:b', 'netmera:user:c']);
    expect(srv.hits.filter((h) => h.path === '/rest/3.0/getSegmentUsers').map((h) => h.headers['x-netmera-os'])).toEqual(['IOS', 'ANDROID']);
    expect(problems).toEqual([{ stream: 'segmentMembers', where: 'segment 1 ("Tüm Kullanıcılar")', line: null, reason: expect.stringMatching(/^1 member\(s\) have no external id/) }]);
    expect(await streams.population()).toEqual({ count: 100, basis: 'in the "Tüm Kullanıcılar" segment (its user count at Netmera\'s last calculation, iOS and Android added)' });
  });

  it('counts once and reads members once when the API ignores the header (the live reading), following an optional nextPage', async () => {
    const list = [seg(5883, 'All Users', 3), seg(7, 'Mixpanel Cohort', null, 'CONNECTORS_SEGMENT')];
    const srv = await serve({
      '/rest/3.0/getSegments': () => ({ json: { list } }),
      '/rest/3.0/getSegmentUsers': (u) =>
        u.searchParams.get('offset') === null
          ? { json: { name: 'All Users', list: [{ externalId: 'a' }, { externalId: 'b' }], nextPage: `/rest/3.0/getSegmentUsers?id=5883&max=100&offset=Zx%2F9%3D` } }
          : { json: { name: 'All Users', list: [{ externalId: 'c' }] } },
    });
    const { streams, problems } = connect(srv.url, { populationSegment: 5883 });
    const scope = await streams.segments();
    expect(scope.map((s) => [s.id, s.memberCount])).toEqual([['5883', 3]]);
    expect(problems[0]).toMatchObject({ where: 'segment 7 ("Mixpanel Cohort")', reason: expect.stringMatching(/connector segment/) });
    expect((await all(streams.segmentMembers(scope[0]!))).flat()).toEqual(['netmera:user:a', 'netmera:user:b', 'netmera:user:c']);
    const memberCalls = srv.hits.filter((h) => h.path === '/rest/3.0/getSegmentUsers');
    expect(memberCalls.map((h) => h.url)).toEqual(['/rest/3.0/getSegmentUsers?id=5883&max=100', '/rest/3.0/getSegmentUsers?id=5883&max=100&offset=Zx%2F9%3D']);
    expect(await streams.population()).toEqual({ count: 3, basis: 'in the "All Users" segment (its user count at Netmera\'s last calculation)' });
  });

  it('resolves configured segments by id or name (per OS where given) and names the closest one when a name is wrong', async () => {
    const srv = await serve({ '/rest/3.0/getSegments': () => ({ json: { list: [seg(1, 'Haftalık Bülten', 10), seg(2, 'VIP Müşteriler', 3), seg(7, 'Cohort', null, 'CONNECTORS_SEGMENT')] } }) });
    const scope = await connect(srv.url, { segments: [2, { segment: 'haftalık bülten', os: 'IOS' }] }).streams.segments();
    expect(scope.map((s) => [s.id, Object.keys(s.rules as object)])).toEqual([['2', ['IOS']], ['1', ['IOS']]]);
    await expect(connect(srv.url, { segments: ['VIP Musteriler'] }).streams.segments()).rejects.toThrow(/no segment "VIP Musteriler" \(source\.segments\); did you mean "VIP Müşteriler"\?/);
    await expect(connect(srv.url, { segments: ['Cohort'] }).streams.segments()).rejects.toThrow(/connector segment/);
  });
});

describe('paging', () => {
  it('follows getDeviceTokens\' absolute nextPage verbatim, and resumes from it after a kill with nothing twice', async () => {
    let srvUrl = '';
    const pages: Record<string, { devices: unknown[]; next: string | null }> = {
      start: { devices: [{ installationId: 'i1', platform: 'IOS', deviceToken: 't1' }, { installationId: 'i2', platform: 'ANDROID', deviceToken: 't2', extId: 'u2' }], next: 'AbC/x==' },
      'AbC/x==': { devices: [{ installationId: 'i3', platform: 'IOS', token: 't3' }, { platform: 'IOS' }], next: 'last' },
      last: { devices: [{ installationId: 'i4', platform: 'CHROME', deviceToken: 't4' }], next: null },
    };
    const srv = await serve({
      '/rest/3.0/getDeviceTokens': (u) => {
        const p = pages[u.searchParams.get('offset') ?? 'start']!;
        return { json: { total: 5, devices: p.devices, ...(p.next ? { nextPage: `${srvUrl}/rest/3.0/getDeviceTokens?offset=${encodeURIComponent(p.next)}&max=2&z=%C3%A7` } : {}) } };
      },
    });
    srvUrl = srv.url;
    const s = source(srv.url);
    const keys = (await all(s.devices(null))).flatMap((p) => p.records.map((d) => d.sourceKey));
    expect(keys).toEqual(['netmera:device:i1', 'netmera:device:i2', 'netmera:device:i3', 'netmera:device:i4']);
    expect(srv.hits.map((h) => h.url)).toEqual(['/rest/3.0/getDeviceTokens?max=2', '/rest/3.0/getDeviceTokens?offset=AbC%2Fx%3D%3D&max=2&z=%C3%A7', '/rest/3.0/getDeviceTokens?offset=last&max=2&z=%C3%A7']);
    expect((await readResumingAfterEveryPage((after) => source(srv.url).devices(after))).keys).toEqual(keys);
  });

  it('refuses a nextPage to another host without sending it anything', async () => {
    const other = await serve({ '/rest/3.0/getDeviceTokens': () => ({ json: { devices: [] } }) });
    const otherPort = new URL(other.url).port;
    const srv = await serve({ '/rest/3.0/getDeviceTokens': () => ({ json: { devices: [{ installationId: 'i1', platform: 'IOS' }], nextPage: `http://localhost:${otherPort}/rest/3.0/getDeviceTokens?offset=2` } }) });
    const err = await all(source(srv.url).devices(null)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TerminalError);
    expect((err as Error).message).toMatch(/refused to follow nextPage to another host \(localhost, not 127\.0\.0\.1\)/);
    expect(other.hits).toHaveLength(0);
    const { client } = connect(srv.url);
    expect(() => client.resolveNextPage('getPushResult', 'https://evil.example/rest/3.0/getPushResult?offset=x')).toThrow(/another host \(evil\.example/);
    expect(client.resolveNextPage('getPushResult', '?offset=x&max=3')).toBe('/rest/3.0/getPushResult?offset=x&max=3');
  });

  it('reads campaigns in date windows and their results through getPushResult\'s opaque offsets; a kill and an expired offset lose and repeat nothing', async () => {
    const messages = [
      { notificationKey: 101, status: 'FINISHED', startDate: Date.UTC(2024, 2, 2), endDate: Date.UTC(2024, 2, 2, 1), stats: [{ platform: 'IOS', sent: 3, failed: 0, clicked: 1 }], title: 'Bahar' },
      { notificationKey: 102, status: 'SENDING', startDate: Date.UTC(2024, 2, 20), stats: [{ platform: 'EMAIL', sent: 1, failed: 0, clicked: 0 }] },
    ];
    const results: Record<string, Array<Record<string, unknown>>> = {
      '101': [
        { platform: 'IOS', status: 'SUCCESS', extId: 'a', timeStamp: Date.UTC(2024, 2, 2, 0, 1) },
        { platform: 'IOS', status: 'CLICKED', extId: 'a', timeStamp: Date.UTC(2024, 2, 2, 0, 5) },
        { platform: 'IOS', status: 'FAILED', extId: 'b', errorCode: 'BadToken', errorMsg: 'Invalid token' },
        { platform: 'IOS', status: 'DELIVERED', extId: 'c', timeStamp: Date.UTC(2024, 2, 2, 0, 2) },
        { platform: 'IOS', status: 'SHOWN', extId: 'c', timeStamp: Date.UTC(2024, 2, 2, 0, 3) },
      ],
      '102': [{ platform: 'EMAIL', status: 'SHOWN', extId: 'd', timeStamp: '2024-03-20 12:00:00 +03:00' }],
    };
    let expire = false;
    const srv = await serve({
      '/rest/3.0/getPushStats': (u) => ({ json: { messages: messages.filter((m) => m.startDate >= Number(u.searchParams.get('start')) && m.startDate <= Number(u.searchParams.get('end'))) } }),
      '/rest/3.0/getPushResult': (u) => {
        const offset = u.searchParams.get('offset');
        if (offset !== null && expire && !offset.startsWith('fresh')) return problem(2020, 'Invalid offset');
        const key = u.searchParams.get('notificationKey') ?? offset!.split('.')[1]!;
        const at = offset === null ? 0 : Number(offset.split('.')[2]);
        const rows = results[key]!.slice(at, at + 2);
        const more = at + 2 < results[key]!.length;
        return { json: { list: rows, ...(more ? { nextPage: `/rest/3.0/getPushResult?offset=${expire ? 'fresh' : 'o'}.${key}.${at + 2}&max=2` } : {}) } };
      },
    });
    const s = source(srv.url);
    const campaigns = await s.campaigns();
    expect(campaigns.map((c) => [c.id, c.name, c.status, c.channels])).toEqual([['101', 'Bahar', 'FINISHED', ['push']], ['102', 'Push 102', 'SENDING', ['email']]]);
    const stats = srv.hits.filter((h) => h.path === '/rest/3.0/getPushStats').map((h) => new URL(h.url, 'http://x').searchParams);
    expect(stats.map((p) => [new Date(Number(p.get('start'))).toISOString().slice(0, 10), new Date(Number(p.get('end'))).toISOString().slice(0, 10)])).toEqual([
      ['2024-03-01', '2024-03-10'], ['2024-03-11', '2024-03-20'], ['2024-03-21', '2024-03-25'],
    ]);
    const whole = (await all(s.interactions(null))).flatMap((p) => p.records);
    expect(whole.map((i) => [i.sourceKey, i.occurredAt])).toEqual([
      ['netmera:push:101:a:delivered', '2024-03-02T00:01:00.000Z'], ['netmera:push:101:a:clicked', '2024-03-02T00:05:00.000Z'],
      ['netmera:push:101:c:delivered', '2024-03-02T00:02:00.000Z'], ['netmera:push:101:c:opened', '2024-03-02T00:03:00.000Z'],
      ['netmera:push:102:d:opened', '2024-03-20T09:00:00.000Z'],
    ]);
    const keys = whole.map((i) => i.sourceKey);
    expect((await readResumingAfterEveryPage((after) => source(srv.url).interactions(after))).keys).toEqual(keys);
    expire = true;
    const afterExpiry = (await readResumingAfterEveryPage((after) => source(srv.url).interactions(after))).keys;
    expect(new Set(afterExpiry)).toEqual(new Set(keys));
  });
});

describe('the manifest per config', () => {
  it('offers contacts by key (not a listing) and no events without files; with files, the listing and events', async () => {
    const srv = await serve(userRoutes());
    const rest = source(srv.url);
    expect(['contacts', 'events'].map((s) => offers(rest, s as never))).toEqual([false, false]);
    expect(['contactsByKey', 'segments', 'segmentMembers', 'population', 'interactions', 'devices', 'campaigns'].every((s) => offers(rest, s as never))).toBe(true);
    expect(offers(rest, 'tagHits')).toBe(false);
    const empty = mkdtempSync(join(tmpdir(), 'netmera-empty-'));
    try {
      const withFiles = source(srv.url, { files: { folder: empty } });
      expect(offers(withFiles, 'contacts') && offers(withFiles, 'events')).toBe(true);
      await expect(withFiles.checkConnection()).rejects.toThrow(/no Export Users file in .*netmera-empty-/);
      await expect(source(srv.url, { files: { folder: join(empty, 'missing') } }).checkConnection()).rejects.toThrow(ConfigError);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
    expect(netmeraSource.secretFields).toEqual(['apiKey']);
    expect(netmeraSource.proposalDefaults).toMatchObject({ lifecycle: null, interactions: ['delivered', 'opened', 'clicked'], highValueEvents: [] });
    expect(await rest.attributes()).toEqual(expect.arrayContaining([{ name: 'dateOfBirth', type: 'date' }, { name: 'son_giris', type: 'datetime' }, { name: 'ilgi', type: 'array' }, { name: 'deviceCount', type: 'integer' }]));
  });
});

