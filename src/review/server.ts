/**
 * `crm-migrate review`: the review app on 127.0.0.1 (a free port unless one is asked for),
 * behind a random token that the printed address carries.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Logger } from '../core/logger.js';
import type { LoadedConfig } from '../pipeline/config.js';
import { createReviewApp } from './app.js';
import { ReviewServices } from './services.js';

/** A running review server. */
export interface ReviewServer {
  /** The address to open: origin, first page and `?token=`. */
  url: string;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  token: string;
  close(): Promise<void>;
}

/** Start the review app over `loaded`'s map, workdir and state; `port` 0 (default) takes a free one. */
export async function startReviewServer(opts: { loaded: LoadedConfig; logger: Logger; port?: number; token?: string }): Promise<ReviewServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const app = createReviewApp(new ReviewServices(opts.loaded, opts.logger), token);
  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: opts.port ?? 0 }, (info: AddressInfo) => resolve({ server: s, port: info.port }));
    s.once('error', reject);
  });
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/map?token=${token}`,
    origin,
    token,
    close: () =>
      new Promise<void>((resolve, reject) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
