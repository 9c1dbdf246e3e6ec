import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { HttpClient, vendorMessages, type CallEvent, type HttpClientOptions } from '../../src/http/client.js';
import { Pacer } from '../../src/http/pacer.js';
import { RateLimitedError, TerminalError, TransientError } from '../../src/core/errors.js';
import type { Clock } from '../../src/core/clock.js';

const TOKEN = 'sekret-token-4f9a8b7c6d5e';
const XP_TOKEN = 'xp-apptoken-0a1b2c3d4e5f';

/** A clock whose sleeps return at once and are recorded: retries run instantly, waits are asserted. */
function recordingClock(): Clock & { sleeps: number[] } {
  let now = 1_700_000_000_000;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Handler = (req: IncomingMessage, res: ServerResponse, n: number, body: string) => void;

const servers: Server[] = [];
const clients: HttpClient[] = [];

/** A tiny server on 127.0.0.1 answering with `handler`; `n` is the 1-based request number. */
async function serve(handler: Handler): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, received.length, body);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/crm/sales/api`, received };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function client(url: string, extra: Partial<HttpClientOptions> = {}): HttpClient & { recClock: ReturnType<typeof recordingClock>; events: CallEvent[] } {
  const clock = recordingClock();
  const events: CallEvent[] = [];
  const c = new HttpClient({
    baseUrl: url,
    authorize: (h) => {
      h.authorization = `Token token=${TOKEN}`;
    },
    clock,
    retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000, jitter: 0 },
    timeoutMs: 2000,
    onCall: (e) => events.push(e),
    ...extra,
  });
  clients.push(c);
  return Object.assign(c, { recClock: clock, events });
}

async function caught(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the request to fail');
}

/** Everything a log line, report or crash dump could show of an error. */
function everyRendering(e: Error): string {
  return [e.message, e.stack ?? '', JSON.stringify(e), inspect(e, { depth: 10 }), String(e.cause ?? '')].join('\n');
}

function expectNoSecrets(e: Error): void {
  const text = everyRendering(e);
  expect(text).not.toContain(TOKEN);
  expect(text).not.toContain(XP_TOKEN);
  expect(text).not.toContain('Token token=');
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
});

describe('HttpClient against a local server', () => {
  it('retries 500 twice then succeeds: attempts = 3, every attempt paced', async () => {
    const srv = await serve((_req, res, n) => (n <= 2 ? json(res, 500, { errors: { code: 500, message: ['oops'] } }) : json(res, 200, { contact: { id: 1 } })));
    const pacer = new Pacer({ windows: [{ limit: 1000, windowMs: 3_600_000 }] });
    const c = client(srv.url, { pacer });
    const res = await c.request<{ contact: { id: number } }>({ method: 'GET', path: '/contacts/1', query: { include: 'owner', skip: undefined } });
    expect(res).toMatchObject({ status: 200, attempts: 3, body: { contact: { id: 1 } } });
    expect(srv.received.map((r) => r.url)).toEqual(Array(3).fill('/crm/sales/api/contacts/1?include=owner'));
    expect(srv.received[0]!.headers.authorization).toBe(`Token token=${TOKEN}`);
    expect(c.recClock.sleeps).toEqual([100, 200]);
    expect(c.stats()).toEqual({ calls: 3, rateLimited: 0, retries: 2 });
    expect(pacer.stats().acquired).toBe(3);
    expect(c.events.map((e) => [e.attempt, e.status])).toEqual([[1, 500], [2, 500], [3, 200]]);
  });

  it('429 with Retry-After: waits the server’s time, pauses the shared pacer, then succeeds', async () => {
    const srv = await serve((_req, res, n) => (n === 1 ? json(res, 429, { errors: { code: 429, message: ['Too many'] } }, { 'retry-after': '7' }) : json(res, 201, { ok: true })));
    const pacer = new Pacer({ windows: [{ limit: 1000, windowMs: 3_600_000 }], clock: recordingClock() });
    const c = client(srv.url, { pacer });
    const res = await c.request({ method: 'POST', path: '/contacts/upsert', body: { email: 'a@example.com' } });
    expect(res.attempts).toBe(2);
    expect(c.recClock.sleeps).toEqual([7000]); // server's 7 s, longer than maxDelayMs 1000: honoured
    expect(pacer.stats().pauses).toBe(1);
    expect(c.stats()).toMatchObject({ rateLimited: 1, retries: 1 });
    expect(c.events[0]).toMatchObject({ status: 429, rateLimited: true });
  });

  it('429 every time ends in RateLimitedError carrying the server’s wait', async () => {
    const srv = await serve((_req, res) => json(res, 429, {}, { 'retry-after': '3' }));
    const c = client(srv.url);
    const e = await caught(c.request({ method: 'GET', path: '/contacts/view/1' }));
    expect(e).toBeInstanceOf(RateLimitedError);
    expect((e as RateLimitedError).waitMs).toBe(3000);
    expect(srv.received).toHaveLength(4);
    expectNoSecrets(e);
  });

  it('400 with a Freshsales error body → TerminalError with the vendor messages, no query, no body', async () => {
    const srv = await serve((_req, res) => json(res, 400, { errors: { code: 400, message: ['Email is invalid', 'Last name is required'] } }));
    const c = client(srv.url);
    const e = await caught(c.request({ method: 'POST', path: '/contacts', query: { email: 'jane@example.com' }, body: { contact: { first_name: 'Jane', phone: '+44 7700 900123' } } }));
    expect(e).toBeInstanceOf(TerminalError);
    const t = e as TerminalError;
    expect(t.details).toEqual(['Email is invalid', 'Last name is required']);
    expect(t.http).toEqual({ method: 'POST', path: '/crm/sales/api/contacts', status: 400 });
    expect(t.message).toContain('POST /crm/sales/api/contacts');
    expect(t.message).toContain('400');
    expect(t.message).toContain('Email is invalid');
    const text = everyRendering(t);
    expect(text).not.toContain('jane@example.com');
    expect(text).not.toContain('+44 7700 900123');
    expect(text).not.toContain('127.0.0.1');
    expect(srv.received).toHaveLength(1);
  });

  it('401 says the credential was refused and never shows the token, even when the server echoes it', async () => {
    const srv = await serve((req, res) => json(res, 401, { errors: { code: 401, message: [`Invalid token: ${String(req.headers.authorization)}`] } }));
    const c = client(srv.url);
    const e = await caught(c.request({ method: 'GET', path: '/selector/owners' }));
    expect(e).toBeInstanceOf(TerminalError);
    expect(e.message).toMatch(/credential was refused/);
    expect(e.message).toContain('401');
    expectNoSecrets(e);
    expect((e as TerminalError).details.join(' ')).not.toContain(TOKEN);
    expect(srv.received).toHaveLength(1);
  });

  it('403 is terminal and names the refusal', async () => {
    const srv = await serve((_req, res) => json(res, 403, { errors: { code: 403, message: ['Not allowed'] } }));
    const e = await caught(client(srv.url).request({ method: 'DELETE', path: '/contacts/9' }));
    expect(e).toBeInstanceOf(TerminalError);
    expect(e.message).toMatch(/credential was refused for this action/);
  });

  it('a server that never answers: safe request times out, is retried, then TransientError (not ambiguous)', async () => {
    const srv = await serve(() => undefined);
    const c = client(srv.url, { timeoutMs: 150, retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 10, jitter: 0 } });
    const e = await caught(c.request({ method: 'GET', path: '/contacts/1' }));
    expect(e).toBeInstanceOf(TransientError);
    expect((e as TransientError).ambiguous).toBe(false);
    expect(e.message).toMatch(/timed out/);
    expect(srv.received).toHaveLength(3);
    expectNoSecrets(e);
  });

  it('a hanging server is reported within the slow threshold, once per attempt, long before the timeout', async () => {
    const srv = await serve(() => undefined);
    const slow: Array<{ path: string; attempt: number }> = [];
    const c = client(srv.url, {
      timeoutMs: 400, slowAfterMs: 50, retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 10, jitter: 0 },
      onSlow: (e) => slow.push({ path: e.path, attempt: e.attempt }),
    });
    await caught(c.request({ method: 'GET', path: '/contacts/1', query: { secret: 'x' } }));
    expect(slow.map((x) => x.attempt)).toEqual([1, 2]);
    // The path, never the query string.
    for (const x of slow) expect(x.path).toMatch(/\/contacts\/1$/);
    // A quick answer says nothing.
    const ok = await serve((_req, res) => res.end('{}'));
    const c2 = client(ok.url, { slowAfterMs: 50, onSlow: () => slow.push({ path: 'unexpected', attempt: 0 }) });
    await c2.request({ method: 'GET', path: '/x' });
    expect(slow).toHaveLength(2);
  });

  it('a server that never answers: unsafe request is not retried and is flagged ambiguous', async () => {
    const srv = await serve(() => undefined);
    const c = client(srv.url, { timeoutMs: 150 });
    const e = await caught(c.request({ method: 'POST', path: '/tasks', body: { task: { title: 'Call back' } }, unsafe: true }));
    expect(e).toBeInstanceOf(TransientError);
    expect((e as TransientError).ambiguous).toBe(true);
    expect(e.message).toMatch(/may have been applied/);
    expect(srv.received).toHaveLength(1);
    expectNoSecrets(e);
  });

  it('a dropped connection is a network failure: retried when safe', async () => {
    const srv = await serve((req, res, n) => (n <= 2 ? req.socket.destroy() : json(res, 200, { ok: 1 })));
    const c = client(srv.url);
    const res = await c.request({ method: 'POST', path: '/contacts/upsert', body: { unique_identifier: { emails: 'x@example.com' } } });
    expect(res.attempts).toBe(3);
    expect(c.events.slice(0, 2).every((ev) => ev.status === undefined && typeof ev.error === 'string')).toBe(true);
  });

  it('a dropped connection on an unsafe request is ambiguous and not retried', async () => {
    const srv = await serve((req) => req.socket.destroy());
    const c = client(srv.url);
    const e = await caught(c.request({ method: 'POST', path: '/tasks', body: {}, unsafe: true }));
    expect(e).toBeInstanceOf(TransientError);
    expect((e as TransientError).ambiguous).toBe(true);
    expect(srv.received).toHaveLength(1);
    expectNoSecrets(e);
  });

  it('connection refused is retried even for unsafe requests and ends not ambiguous', async () => {
    // Take a free port, then close it so nothing listens there.
    const srv = await serve(() => undefined);
    const url = srv.url;
    const s = servers.pop()!;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    const c = client(url, { retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1, jitter: 0 } });
    const e = await caught(c.request({ method: 'POST', path: '/tasks', body: {}, unsafe: true }));
    expect(e).toBeInstanceOf(TransientError);
    expect((e as TransientError).ambiguous).toBe(false);
    expect(e.message).toContain('ECONNREFUSED');
    expect(c.stats().calls).toBe(3);
    expectNoSecrets(e);
  });

  it('500 on an unsafe request is ambiguous; 503 on one is retried', async () => {
    const srv500 = await serve((_req, res) => json(res, 500, { errors: { code: 500, message: ['boom'] } }));
    const e = await caught(client(srv500.url).request({ method: 'POST', path: '/tasks', body: {}, unsafe: true }));
    expect(e).toBeInstanceOf(TransientError);
    expect((e as TransientError).ambiguous).toBe(true);
    expect(srv500.received).toHaveLength(1);

    const srv503 = await serve((_req, res, n) => (n === 1 ? json(res, 503, {}) : json(res, 201, { task: { id: 5 } })));
    const res = await client(srv503.url).request({ method: 'POST', path: '/tasks', body: {}, unsafe: true });
    expect(res.attempts).toBe(2);
  });

  it('5xx exhausted on a safe request → TransientError with the status', async () => {
    const srv = await serve((_req, res) => json(res, 502, { message: 'bad gateway' }));
    const e = await caught(client(srv.url).request({ method: 'GET', path: '/contacts/1' }));
    expect(e).toBeInstanceOf(TransientError);
    expect((e as TransientError).http?.status).toBe(502);
    expect(e.message).toMatch(/502 after 4 attempts/);
  });

  it('Xtremepush style: decorateBody puts the token in the body, its errors are extracted, the token is scrubbed', async () => {
    const srv = await serve((_req, res, _n, body) => json(res, 422, { message: 'Validation failed', errors: { apptoken: [`bad ${String((JSON.parse(body) as { apptoken: string }).apptoken)}`] } }));
    const c = client(srv.url, { authorize: undefined, decorateBody: (b) => ({ ...(b as object), apptoken: XP_TOKEN }), secrets: [XP_TOKEN] });
    const e = await caught(c.request({ method: 'POST', path: '/list/profile', body: { limit: 10 } }));
    expect(JSON.parse(srv.received[0]!.body)).toEqual({ limit: 10, apptoken: XP_TOKEN });
    expect(e).toBeInstanceOf(TerminalError);
    expect((e as TerminalError).details).toEqual(['Validation failed', 'apptoken: bad [redacted]']);
    expectNoSecrets(e);
  });

  it('keeps a non-JSON body as text and an empty one as undefined', async () => {
    const srv = await serve((req, res) => {
      if (req.url?.endsWith('/text')) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('plain ok');
      } else {
        res.writeHead(204);
        res.end();
      }
    });
    const c = client(srv.url);
    expect((await c.request({ method: 'GET', path: '/text' })).body).toBe('plain ok');
    expect((await c.request({ method: 'DELETE', path: '/contacts/1' })).body).toBeUndefined();
  });

  it('the caller’s abort signal stops waiting and is rethrown as is', async () => {
    const srv = await serve(() => undefined);
    const c = client(srv.url, { timeoutMs: 10_000 });
    const ac = new AbortController();
    const p = c.request({ method: 'GET', path: '/slow', signal: ac.signal });
    setTimeout(() => ac.abort(new Error('user cancelled')), 50);
    const e = await caught(p);
    expect(e.message).toBe('user cancelled');
    expect(srv.received).toHaveLength(1);
  });
});

describe('vendorMessages', () => {
  it.each([
    ['Freshsales', { errors: { code: 400, message: ['a', 'b'] } }, ['a', 'b']],
    ['Xtremepush list', { message: 'Bad', errors: ['x', 'y'] }, ['Bad', 'x', 'y']],
    ['Xtremepush field map', { errors: { email: ['is invalid'] } }, ['email: is invalid']],
    ['plain error', { error: 'nope' }, ['nope']],
  ])('%s', (_name, body, expected) => {
    expect(vendorMessages(JSON.stringify(body))).toEqual(expected);
  });

  it('gives nothing for HTML error pages', () => {
    expect(vendorMessages('<html><body>502 Bad Gateway</body></html>')).toEqual([]);
  });
});
