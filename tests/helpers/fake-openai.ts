/**
 * A fake OpenAI-compatible chat endpoint on 127.0.0.1 for the proposer's model stage: it
 * answers `POST <base>/chat/completions` as an OpenAI-compatible server answers a request with
 * `response_format: { type: "json_schema" }` (the reply's JSON in `choices[0].message.content`),
 * or fails the way real endpoints fail. Every request is recorded (headers and raw body), so a
 * test can check what left the machine.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake received. */
export interface FakeOpenAiRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body, exactly as sent. */
  body: string;
}

/** What the fake answers: a structured reply built from the request's JSON, or a failure. */
export type FakeOpenAiBehaviour =
  | { kind: 'answer'; reply: (request: unknown) => unknown }
  /** A 200 whose message content is this text (not necessarily JSON, not necessarily the schema). */
  | { kind: 'content'; text: string }
  /** Any status with this body (an error page, an OpenAI error object, garbage). */
  | { kind: 'status'; status: number; body: string; contentType?: string }
  /** Never answers (until the server closes). */
  | { kind: 'hang' };

export interface FakeOpenAi {
  /** The base URL a config's `ai.baseUrl` names (…/v1). */
  baseUrl: string;
  requests: FakeOpenAiRequest[];
  behave(b: FakeOpenAiBehaviour): void;
  close(): Promise<void>;
}

/** A chat completion with `content` as the assistant's message. */
function completion(model: string, content: string) {
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 },
  };
}

export async function startFakeOpenAi(initial: FakeOpenAiBehaviour): Promise<FakeOpenAi> {
  let behaviour = initial;
  const requests: FakeOpenAiRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      const send = (status: number, text: string, contentType = 'application/json') => {
        res.writeHead(status, { 'content-type': contentType });
        res.end(text);
      };
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return send(404, JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
      const b = behaviour;
      let parsed: { model?: string } = {};
      try {
        parsed = JSON.parse(body) as { model?: string };
      } catch {
        return send(400, JSON.stringify({ error: { message: 'the request body is not JSON' } }));
      }
      switch (b.kind) {
        case 'answer':
          return send(200, JSON.stringify(completion(parsed.model ?? 'fake', JSON.stringify(b.reply(parsed)))));
        case 'content':
          return send(200, JSON.stringify(completion(parsed.model ?? 'fake', b.text)));
        case 'status':
          return send(b.status, b.body, b.contentType);
        case 'hang':
          return;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    behave: (b) => (behaviour = b),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
