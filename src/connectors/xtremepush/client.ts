/**
 * Xtremepush external API client. Every call is `POST /api/external/{method}/{model}`
 * with the app token in the JSON body (added by the HTTP client's body decorator, so it
 * never passes through this file's values or error messages).
 */
import { ConfigError, TerminalError, TransientError, isMigrateError } from '../../core/errors.js';
import type { HttpClient } from '../../http/client.js';
import type { z } from 'zod';
import {
  XpAttribute, XpCampaignRow, XpDeviceRow, XpListEnvelope, XpLocationRow, XpMessageRow, XpModelEnvelope, XpPromotionRow,
  XpSegmentRow, XpTagHitRow, XpTask,
} from './types.js';

/** One `[field, operator, value]` triple of a list condition [C]. */
export type Condition = [string, string, unknown];

/** A validated row together with the row exactly as the API sent it (for inventories). */
export interface RawRow<T> {
  row: T;
  raw: Record<string, unknown>;
}

/** Typed calls of the Xtremepush external API used by the source connector (reads only). */
export class XtremepushClient {
  constructor(
    private readonly http: HttpClient,
    /** For messages only: the API's base URL. */
    private readonly baseUrl = '',
  ) {}

  /** POST /api/external/{method}/{model} — xtremepush.md "Base, auth, request style". */
  private async call(method: string, model: string, body: Record<string, unknown>): Promise<unknown[]> {
    const res = await this.http.request({ method: 'POST', path: `/api/external/${method}/${model}`, body, label: `${method}/${model}` });
    const env = XpListEnvelope.safeParse(res.body);
    if (!env.success) throw new TerminalError(`Xtremepush ${method}/${model}: unexpected response shape`);
    if (!env.data.success) throw new TerminalError(`Xtremepush ${method}/${model} failed: ${env.data.message ?? 'no message'}`);
    return env.data.data ?? [];
  }

  /** POST /api/external/{method}/{model} answered with `model` (info/*, create/*) — xtremepush.md "Base, auth, request style". */
  private async callModel(method: string, model: string, body: Record<string, unknown>): Promise<unknown> {
    const res = await this.http.request({ method: 'POST', path: `/api/external/${method}/${model}`, body, label: `${method}/${model}` });
    const env = XpModelEnvelope.safeParse(res.body);
    if (!env.success) throw new TerminalError(`Xtremepush ${method}/${model}: unexpected response shape`);
    if (!env.data.success) throw new TerminalError(`Xtremepush ${method}/${model} failed: ${env.data.message ?? 'no message'}`);
    return env.data.model;
  }

  /** Validate rows against a schema; a bad row is terminal (the API changed under us), named by model and position. */
  private parseRows<S extends z.ZodType>(model: string, rows: unknown[], schema: S, where: string): Array<RawRow<z.output<S>>> {
    return rows.map((r, i) => {
      const p = schema.safeParse(r);
      if (!p.success) throw new TerminalError(`Xtremepush list/${model} row ${i + 1} ${where}: ${p.error.issues[0]?.message ?? 'invalid'}`);
      return { row: p.data, raw: r as Record<string, unknown> };
    });
  }

  /**
   * One keyset page of list/{model}: rows whose `keyField` is greater than `afterId`, in
   * ascending key order. Stable while the source changes, unlike offsets.
   */
  private async keysetPage<S extends z.ZodType>(model: string, schema: S, afterId: string | null, limit: number, keyField = 'id'): Promise<Array<RawRow<z.output<S>>>> {
    // Ids are numeric; sending a number keeps the comparison numeric on any backend.
    const after = afterId === null ? null : /^\d+$/.test(afterId) ? Number(afterId) : afterId;
    const condition: Condition[] = after === null ? [] : [[keyField, '>', after]];
    // POST /api/external/list/{model} — xtremepush.md "Base, auth, request style" (condition/order/limit).
    const rows = await this.call('list', model, { condition, order: [`${keyField} ASC`], limit });
    return this.parseRows(model, rows, schema, `after ${afterId ?? 'start'}`);
  }

  /** Every row of a small model (segments, campaigns, promotions), keyset-paged until an empty page. */
  private async all<S extends z.ZodType>(model: string, schema: S, pageSize: number, key: (row: z.output<S>) => string): Promise<Array<RawRow<z.output<S>>>> {
    const out: Array<RawRow<z.output<S>>> = [];
    let after: string | null = null;
    for (;;) {
      const page = await this.keysetPage(model, schema, after, pageSize);
      if (page.length === 0) return out;
      out.push(...page);
      after = key(page[page.length - 1]!.row);
    }
  }

  /** A one-row list/profile: proves the token is accepted. */
  async checkConnection(): Promise<void> {
    const where = this.baseUrl ? ` at ${this.baseUrl}` : '';
    try {
      const res = await this.http.request({ method: 'POST', path: '/api/external/list/profile', body: { limit: 1, select: ['profile_id'] }, label: 'list/profile', maxAttempts: 2 });
      if (!XpListEnvelope.safeParse(res.body).success) throw new ConfigError(`Xtremepush${where} answered list/profile with something that is not the external API's envelope: check source.baseUrl`);
    } catch (e) {
      if (isMigrateError(e) && (e.http?.status === 401 || e.http?.status === 403)) {
        throw new ConfigError(`Xtremepush${where} refused the app token (HTTP ${e.http.status}): check source.apptoken and that API access is on`, { cause: e });
      }
      if (isMigrateError(e) && (e.http?.status === 404 || e.http?.status === 405)) {
        throw new ConfigError(`Xtremepush${where} answered ${e.http.status} for /api/external/list/profile: the base URL is probably wrong (e.g. https://external-api.xtremepush.com)`, { cause: e });
      }
      if (e instanceof TransientError && e.http?.status === undefined && !e.ambiguous) {
        throw new ConfigError(`cannot reach Xtremepush${where}: ${e.message} — check source.baseUrl (scheme, host and port) and the network`, { cause: e });
      }
      throw e;
    }
  }

  /**
   * list/profile in profile_id order after `afterId` (keyset paging: stable while the
   * source changes, unlike offsets), rows exactly as sent. Rows are not validated here: one
   * malformed customer row must not stop the extract for everyone, so the caller reads each
   * leniently (`readProfileRow`) and the record carries its problems into prepare.
   */
  async listProfileRows(afterId: string | null, limit: number, opts: { updatedSince?: number; select?: string[] } = {}): Promise<unknown[]> {
    const condition: Condition[] = afterId === null ? [] : [['profile_id', '>', afterId]];
    // update_time is unix seconds [xtremepush.md, profiles]: a delta reads what changed since.
    if (opts.updatedSince !== undefined) condition.push(['update_time', '>=', opts.updatedSince]);
    // POST /api/external/list/profile — xtremepush.md "Models and calls" (profiles) and "Base, auth, request style".
    return this.call('list', 'profile', { condition, order: ['profile_id ASC'], limit, ...(opts.select ? { select: opts.select } : {}) });
  }

  /** list/segment — every segment with its conditions [C]. */
  async listSegments(pageSize: number): Promise<XpSegmentRow[]> {
    return (await this.all('segment', XpSegmentRow, pageSize, (r) => r.id)).map((x) => x.row);
  }

  /** list/campaign — every campaign, each with its untouched row [C3/C]. */
  async listCampaigns(pageSize: number): Promise<Array<RawRow<XpCampaignRow>>> {
    return this.all('campaign', XpCampaignRow, pageSize, (r) => r.id);
  }

  /** list/promotion — every promotion, each with its untouched row [C3]. */
  async listPromotions(pageSize: number): Promise<Array<RawRow<XpPromotionRow>>> {
    return this.all('promotion', XpPromotionRow, pageSize, (r) => r.id);
  }

  /**
   * list/location — every location (venue), keyset-paged on its text id (`loc_12`) [A model].
   * Text ids compare as text on both sides, so `id >` and `id ASC` still agree.
   */
  async listLocations(pageSize: number): Promise<XpLocationRow[]> {
    // POST /api/external/list/location — xtremepush.md "Base, auth, request style" (model [A]).
    return (await this.all('location', XpLocationRow, pageSize, (r) => r.id)).map((x) => x.row);
  }

  /** list/message — sends with id > afterId, id ascending [C3]. */
  async listMessages(afterId: string | null, limit: number): Promise<XpMessageRow[]> {
    return (await this.keysetPage('message', XpMessageRow, afterId, limit)).map((x) => x.row);
  }

  /** list/device — devices with id > afterId, id ascending [A]. */
  async listDevices(afterId: string | null, limit: number): Promise<XpDeviceRow[]> {
    return (await this.keysetPage('device', XpDeviceRow, afterId, limit)).map((x) => x.row);
  }

  /** list/tag — tag hits with id > afterId, id ascending [A path]. */
  async listTagHits(afterId: string | null, limit: number): Promise<XpTagHitRow[]> {
    return (await this.keysetPage('tag', XpTagHitRow, afterId, limit)).map((x) => x.row);
  }

  /**
   * create/task — start an export task (`segment_export_profiles`, `event_export`, …) [C
   * task names, A call]. Repeating it after a lost answer only starts a second export of
   * the same data, so it is retried like a read.
   */
  async createTask(type: string, params: Record<string, unknown>): Promise<XpTask> {
    // POST /api/external/create/task — xtremepush.md "exports/tasks" (start call [A]).
    return this.parseTask(await this.callModel('create', 'task', { ...params, type }), `create/task ${type}`);
  }

  /** info/task — the task's status and, once completed, its result file [C]. */
  async taskInfo(id: string | number): Promise<XpTask> {
    // POST /api/external/info/task — xtremepush.md "exports/tasks".
    return this.parseTask(await this.callModel('info', 'task', { id }), `info/task ${id}`);
  }

  private parseTask(model: unknown, what: string): XpTask {
    const p = XpTask.safeParse(model);
    if (!p.success) throw new TerminalError(`Xtremepush ${what}: unexpected task shape (${p.error.issues[0]?.message ?? 'invalid'})`);
    return p.data;
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
