/** The Xtremepush source connector: config, client factory and the contact stream. */
import { z } from 'zod';
import { secret } from '../../core/secrets.js';
import type { Logger } from '../../core/logger.js';
import type { CanonicalContact } from '../../core/model.js';
import { HttpClient } from '../../http/client.js';
import { XtremepushClient } from './client.js';
import { toCanonicalContact } from './mappers.js';

export { XtremepushClient } from './client.js';
export { toCanonicalContact, toAttributeType, profileKey } from './mappers.js';

export const XtremepushConfig = z.object({
  type: z.literal('xtremepush'),
  /** e.g. https://external-api.xtremepush.com (EU) or https://api.us.xtremepush.com */
  baseUrl: z.url(),
  apptoken: secret(),
  pageSize: z.number().int().min(1).max(1000).default(500),
  timeoutMs: z.number().int().positive().default(30_000),
});
export type XtremepushConfig = z.infer<typeof XtremepushConfig>;

export function createXtremepush(cfg: XtremepushConfig, deps: { logger: Logger }): { client: XtremepushClient; http: HttpClient } {
  const token = cfg.apptoken.reveal();
  const http = new HttpClient({
    baseUrl: cfg.baseUrl.replace(/\/+$/, ''),
    decorateBody: (body) => ({ ...((body as Record<string, unknown>) ?? {}), apptoken: token }),
    timeoutMs: cfg.timeoutMs,
    logger: deps.logger,
    secrets: [token],
  });
  return { client: new XtremepushClient(http), http };
}

/** One page of the contact stream: canonical records and the checkpoint after them. */
export interface ContactPage {
  records: CanonicalContact[];
  /** Opaque checkpoint to resume after this page. */
  checkpoint: string;
  last: boolean;
}

/**
 * Stream contacts page by page from a checkpoint (the last profile_id read). The stream
 * ends on an empty page, not on a short one: the API may cap `limit` below what we asked
 * without saying so, and with keyset paging one extra call is cheap and safe.
 */
export async function* contactPages(client: XtremepushClient, after: string | null, pageSize: number): AsyncGenerator<ContactPage> {
  let cursor = after;
  for (;;) {
    const rows = await client.listProfiles(cursor, pageSize);
    const last = rows.length === 0;
    if (rows.length > 0) cursor = rows[rows.length - 1]!.profile_id;
    yield { records: rows.map(toCanonicalContact), checkpoint: cursor ?? '', last };
    if (last) return;
  }
}
