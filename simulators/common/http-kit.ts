/**
 * The little HTTP kit both simulators are built on: node:http, a route table with
 * `:param` segments (find-my-way), JSON bodies, a fault hook, and tracked sockets so
 * `close()` ends held (timed-out) connections at once. Bound to 127.0.0.1 only.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import FindMyWay from 'find-my-way';

export interface SimRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** Parsed JSON body, or undefined when there was none; `rawBody` always holds the bytes. */
  body: unknown;
  rawBody: Buffer;
}

export interface SimResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Send the body as-is (already serialised), e.g. a bare `true`. */
  raw?: string;
}

export type Handler = (req: SimRequest) => SimResponse | Promise<SimResponse>;

/**
 * A route table with `:param` segments, on find-my-way (the radix-tree router under
 * fastify). A literal segment wins over a parameter whatever order the routes were added
 * in; empty segments and a trailing slash are ignored; parameter values are decoded.
 * `match` tells an unknown path from a known path asked with another method (405).
 */
export class Router {
  private readonly table = FindMyWay({ ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: Infinity });
  private readonly methods = new Set<FindMyWay.HTTPMethod>();

  on(method: string, pattern: string, handler: Handler): this {
    const m = method as FindMyWay.HTTPMethod;
    // Our handler rides in the route's store: find-my-way's own handler type is (req, res).
    this.table.on(m, pattern, () => undefined, { handler });
    this.methods.add(m);
    return this;
  }

  match(method: string, path: string): { handler: Handler; params: Record<string, string> } | { methodNotAllowed: true } | undefined {
    const found = this.table.find(method as FindMyWay.HTTPMethod, path);
    if (found) return { handler: (found.store as { handler: Handler }).handler, params: { ...found.params } as Record<string, string> };
    for (const m of this.methods) {
      if (m !== method && this.table.find(m, path)) return { methodNotAllowed: true };
    }
    return undefined;
  }
}

export interface StartedServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export type Dispatch = (req: SimRequest, res: ServerResponse, socket: Socket) => Promise<void>;

/** Read the whole body of a request. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function sendJson(res: ServerResponse, out: SimResponse): void {
  const payload = out.raw ?? (out.body === undefined ? '' : JSON.stringify(out.body));
  res.writeHead(out.status, { 'content-type': 'application/json; charset=utf-8', ...(out.headers ?? {}) });
  res.end(payload);
}

/** Start a server on 127.0.0.1 (port 0 = any free port). */
export async function startServer(dispatch: Dispatch, port = 0): Promise<StartedServer> {
  const sockets = new Set<Socket>();
  const server = http.createServer(async (req, res) => {
    try {
      const raw = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      let body: unknown;
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          body = Symbol.for('invalid-json');
        }
      }
      await dispatch(
        { method: req.method ?? 'GET', path: url.pathname, params: {}, query: url.searchParams, headers: req.headers, body, rawBody: raw },
        res,
        req.socket,
      );
    } catch (e) {
      if (!res.headersSent) sendJson(res, { status: 500, body: { error: String(e) } });
    }
  });
  server.keepAliveTimeout = 5_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const actualPort = typeof addr === 'object' && addr ? addr.port : port;
  return {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** True when the parsed body was not valid JSON. */
export function isInvalidJson(body: unknown): boolean {
  return body === Symbol.for('invalid-json');
}
