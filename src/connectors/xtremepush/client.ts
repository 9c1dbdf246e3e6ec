/**
 * Xtremepush external API client. Every call is `POST /api/external/{method}/{model}`
 * with the app token in the JSON body (added by the HTTP client's body decorator, so it
 * never passes through this file's values or error messages).
 */
import { TerminalError, ConfigError, isMigrateError } from '../../core/errors.js';
import type { HttpClient } from '../../http/client.js';
import { XpAttribute, XpListEnvelope, XpProfileRow } from './types.js';

export type Condition = [string, string, unknown];

export class XtremepushClient {
  constructor(private readonly http: HttpClient) {}

  /** POST /api/external/{method}/{model} — xtremepush.md "Base, auth, request style". */
  private async call(method: string, model: string, body: Record<string, unknown>): Promise<unknown[]> {
    const res = await this.http.request({ method: 'POST', path: `/api/external/${method}/${model}`, body });
    const env = XpListEnvelope.safeParse(res.body);
    if (!env.success) throw new TerminalError(`Xtremepush ${method}/${model}: unexpected response shape`);
    if (!env.data.success) throw new TerminalError(`Xtremepush ${method}/${model} failed: ${env.data.message ?? 'no message'}`);
    return env.data.data ?? [];
  }

  /** A one-row list/profile: proves the token is accepted. */
  async checkConnection(): Promise<void> {
    try {
      await this.call('list', 'profile', { limit: 1, select: ['profile_id'] });
    } catch (e) {
      if (isMigrateError(e) && (e.http?.status === 401 || e.http?.status === 403)) {
        throw new ConfigError(`Xtremepush refused the app token (HTTP ${e.http.status}): check source.apptoken and that API access is on`, { cause: e });
      }
      throw e;
    }
  }

  /**
   * list/profile in profile_id order after `afterId` (keyset paging: stable while the
   * source changes, unlike offsets). A page shorter than `limit` is the last.
   */
  async listProfiles(afterId: string | null, limit: number): Promise<XpProfileRow[]> {
    const condition: Condition[] = afterId === null ? [] : [['profile_id', '>', afterId]];
    const rows = await this.call('list', 'profile', { condition, order: ['profile_id ASC'], limit });
    return rows.map((r, i) => {
      const p = XpProfileRow.safeParse(r);
      if (!p.success) throw new TerminalError(`Xtremepush list/profile row ${i + 1} after ${afterId ?? 'start'}: ${p.error.issues[0]?.message ?? 'invalid'}`);
      return p.data;
    });
  }

  /** list/attribute — attribute definitions [A path]. */
  async listAttributes(): Promise<XpAttribute[]> {
    const rows = await this.call('list', 'attribute', {});
    return rows.flatMap((r) => {
      const p = XpAttribute.safeParse(r);
      return p.success ? [p.data] : [];
    });
  }
}
