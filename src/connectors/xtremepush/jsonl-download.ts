/**
 * Streams an export task's result file (JSON Lines) line by line. The file is served at
 * an absolute URL that may live on another host than the API (a pre-signed storage
 * link), so the API's HttpClient, bound to one origin and buffering whole bodies, does
 * not fit. The URL may carry a token: it never appears in errors or logs — messages name
 * the file by what it is (e.g. "export of segment 101") and the host only.
 *
 * Opening the file is retried as `classify` decides (5xx, 429, network errors, with the
 * connector's retry policy and clock); once lines have been handed out, a broken stream
 * is a TransientError: the caller resumes from its own checkpoint.
 */
import { Agent, request } from 'undici';
import { systemClock, type Clock } from '../../core/clock.js';
import { TerminalError, TransientError } from '../../core/errors.js';
import { classify, type Failure, type RetryPolicy } from '../../http/classify.js';
import { DEFAULT_RETRY_POLICY } from '../../http/client.js';

/** Settings of one download. */
export interface JsonlDownloadOptions {
  /** What the file is, for messages: "export of segment 101 (VIP players)". Never the URL. */
  what: string;
  /** Headers wait, and the longest silence between two chunks of the body. */
  timeoutMs: number;
  retry?: Partial<RetryPolicy>;
  clock?: Clock;
  rand?: () => number;
  signal?: AbortSignal;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'an invalid URL';
  }
}

function errorCode(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; cur && depth < 3; cur = (cur as { cause?: unknown }).cause, depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

type Opened = Awaited<ReturnType<typeof request>>;

/** GET the file, retrying the open; resolves with a 2xx response whose body is unread. */
async function open(url: string, o: JsonlDownloadOptions, dispatcher: Agent): Promise<Opened> {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...o.retry };
  const clock = o.clock ?? systemClock;
  const host = hostOf(url);
  if (host === 'an invalid URL') throw new TerminalError(`${o.what}: the task's download URL is not a valid URL`);
  for (let attempt = 1; ; attempt++) {
    let failure: Failure;
    try {
      // GET {result.download_url} — the export file of a completed task (xtremepush.md "exports/tasks", delivery [A]).
      const res = await request(url, { method: 'GET', dispatcher, headersTimeout: o.timeoutMs, bodyTimeout: o.timeoutMs, ...(o.signal ? { signal: o.signal } : {}) });
      if (res.statusCode >= 200 && res.statusCode < 300) return res;
      // Storage error pages are XML or HTML; only the status matters here.
      await res.body.dump();
      failure = { kind: 'http', status: res.statusCode, headers: res.headers as Record<string, string | string[] | undefined> };
    } catch (e) {
      if (o.signal?.aborted) throw o.signal.reason;
      const code = errorCode(e) ?? 'UNKNOWN';
      failure = code.includes('TIMEOUT') ? { kind: 'timeout', sent: code !== 'UND_ERR_CONNECT_TIMEOUT' } : { kind: 'network', code, sent: true };
    }
    const d = classify(failure, attempt, policy, o.rand ?? Math.random, clock.now());
    if (!d.retry) {
      const status = failure.kind === 'http' ? ` → HTTP ${failure.status}` : failure.kind === 'timeout' ? ' timed out' : ` failed (${failure.code})`;
      const msg = `${o.what}: downloading the file from ${host}${status}${attempt > 1 ? ` after ${attempt} attempts` : ''}`;
      if (failure.kind === 'http' && failure.status === 404) throw new TerminalError(`${msg} (the link expired or the file is gone; run the export again)`);
      throw failure.kind === 'http' && failure.status < 500 && failure.status !== 429 ? new TerminalError(msg) : new TransientError(msg);
    }
    await clock.sleep(d.waitMs, o.signal);
  }
}

/**
 * The file's lines (without line breaks; blank lines included, the caller skips them),
 * read chunk by chunk: memory stays at one chunk plus one line whatever the file size.
 * Breaking out of the loop closes the connection.
 */
export async function* jsonlLines(url: string, o: JsonlDownloadOptions): AsyncGenerator<string> {
  // A connection pool of its own, closed when the file is read: no socket outlives the download.
  const agent = new Agent({ connect: { timeout: Math.min(o.timeoutMs, 10_000) }, headersTimeout: o.timeoutMs, bodyTimeout: o.timeoutMs });
  let res: Opened;
  try {
    res = await open(url, o, agent);
  } catch (e) {
    await agent.destroy();
    throw e;
  }
  const decoder = new TextDecoder('utf-8');
  let rest = '';
  let lines = 0;
  let done = false;
  try {
    try {
      for await (const chunk of res.body) {
        const text = rest + decoder.decode(chunk as Uint8Array, { stream: true });
        let start = 0;
        for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
          const line = text.slice(start, nl);
          start = nl + 1;
          lines++;
          yield line.endsWith('\r') ? line.slice(0, -1) : line;
        }
        rest = text.slice(start);
      }
      rest += decoder.decode();
    } catch (e) {
      if (o.signal?.aborted) throw o.signal.reason;
      throw new TransientError(`${o.what}: the download from ${hostOf(url)} broke off after ${lines} lines (${errorCode(e) ?? 'stream error'})`);
    }
    if (rest.length > 0) yield rest.endsWith('\r') ? rest.slice(0, -1) : rest;
    done = true;
  } finally {
    // Left early (consumer stopped, or an error): free the socket instead of reading on.
    if (!done) res.body.destroy();
    await agent.destroy();
  }
}
