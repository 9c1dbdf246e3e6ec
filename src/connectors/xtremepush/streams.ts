/**
 * The Xtremepush streams beyond contacts: segments and their members, campaigns and the
 * per-contact interactions of their sends, exported events, devices, promotions and tag
 * hits. List models are read with keyset paging on `id` (stable while the account
 * changes); segment members and events come from export tasks (see export-task.ts).
 */
import { systemClock, type Clock } from '../../core/clock.js';
import { ConfigError, TerminalError, TransientError } from '../../core/errors.js';
import type {
  CanonicalDevice, CanonicalEvent, CanonicalInteraction, CanonicalTagHit, SourceCampaign, SourcePromotion, SourceSegment,
} from '../../core/model.js';
import type { RetryPolicy } from '../../http/classify.js';
import type { XtremepushClient } from './client.js';
import { runExportTask, type ExportPollSettings } from './export-task.js';
import { jsonlLines } from './jsonl-download.js';
import {
  eventHash, profileKey, toCanonicalDevice, toCanonicalEvent, toCanonicalTagHit, toInteractions, toLocationLabel, toSourceCampaign,
  toSourcePromotion, toSourceSegment,
} from './mappers.js';
import { XpEventLine, XpSegmentMemberLine } from './types.js';

/** One page of a stream: canonical records and the checkpoint that resumes after them. */
export interface XpPage<T> {
  records: T[];
  /** Opaque checkpoint to resume after this page. */
  checkpoint: string;
  last: boolean;
}

/** What the streams need besides the client. */
export interface XtremepushStreamSettings {
  /** Rows per list call and records per events page. */
  pageSize: number;
  /** Timeout for export file downloads (headers, and silence between chunks). */
  timeoutMs: number;
  exportPoll: ExportPollSettings;
  /** Retry policy for opening export files (the API calls use the HttpClient's). */
  retry?: Partial<RetryPolicy>;
  clock?: Clock;
}

/** Ids go to the API as numbers when they are digit strings, as the API's own ids are. */
function idParam(id: string): string | number {
  return /^\d+$/.test(id) ? Number(id) : id;
}

/** A line of an export file as JSON, or a TerminalError naming the file and line (never the content). */
function parseLine(line: string, lineNo: number, what: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new TerminalError(`${what}: line ${lineNo} of the export file is not JSON`);
  }
}

/**
 * Keyset pages over a list model ordered by id: each page's checkpoint is the last row's
 * id. Ends on an empty page, not a short one: the API may cap `limit` silently.
 */
async function* keysetPages<R extends { id: string }, T>(
  fetch: (after: string | null) => Promise<R[]>,
  map: (rows: R[]) => T[],
  after: string | null,
): AsyncGenerator<XpPage<T>> {
  let cursor = after === '' ? null : after;
  for (;;) {
    const rows = await fetch(cursor);
    const last = rows.length === 0;
    if (!last) cursor = rows[rows.length - 1]!.id;
    yield { records: map(rows), checkpoint: cursor ?? '', last };
    if (last) return;
  }
}

/**
 * Models whose records profile attributes can reference, each read whole (small catalogues)
 * into id → readable label. One entry per model the connector can resolve against.
 */
const REFERENCE_MODELS: Record<string, (client: XtremepushClient, pageSize: number) => Promise<Map<string, string>>> = {
  // POST /api/external/list/location — xtremepush.md "Base, auth, request style" (model [A]).
  location: async (client, pageSize) => new Map((await client.listLocations(pageSize)).map((r) => [r.id, toLocationLabel(r)])),
};

/** Models Xtremepush references can be resolved against (`resolve:` in a map). */
export const XTREMEPUSH_REFERENCE_MODELS: readonly string[] = Object.keys(REFERENCE_MODELS);

/** The streams of one Xtremepush app. One instance per connector: it caches the campaign names. */
/** Segment members per page of `segmentMembers`. */
const MEMBER_PAGE = 1000;

export class XtremepushStreams {
  private campaignNames: Promise<Map<string, string>> | null = null;
  private readonly clock: Clock;

  constructor(
    private readonly client: XtremepushClient,
    private readonly settings: XtremepushStreamSettings,
  ) {
    this.clock = settings.clock ?? systemClock;
  }

  /** Every segment with its raw conditions (list/segment). */
  async segments(): Promise<SourceSegment[]> {
    return (await this.client.listSegments(this.settings.pageSize)).map(toSourceSegment);
  }

  /**
   * Profile keys of a segment's members, frozen when the export task is created, in pages of
   * MEMBER_PAGE (a segment can hold millions): the file is read line by line. A file shorter
   * than the task said is a TransientError after the last page (the caller's membership
   * store is a set, so a re-run that pages again adds nothing twice).
   */
  async *segmentMembers(segment: SourceSegment): AsyncIterable<string[]> {
    const what = `segment ${segment.id} (${segment.name})`;
    const exp = await runExportTask(this.client, 'segment_export_profiles', { segment_id: idParam(segment.id) }, what, this.settings.exportPoll, this.clock);
    let keys: string[] = [];
    let records = 0;
    let lineNo = 0;
    for await (const line of jsonlLines(exp.downloadUrl, this.downloadOptions(`export of ${what}`))) {
      lineNo++;
      if (line.trim() === '') continue;
      records++;
      const p = XpSegmentMemberLine.safeParse(parseLine(line, lineNo, `export of ${what}`));
      if (!p.success) throw new TerminalError(`export of ${what}: line ${lineNo} has no profile_id`);
      keys.push(profileKey(p.data.profile_id));
      if (keys.length >= MEMBER_PAGE) {
        yield keys;
        keys = [];
      }
    }
    if (keys.length > 0) yield keys;
    this.checkComplete(records, exp.rows, `export of ${what}`);
  }

  /** Every campaign (list/campaign), `raw` holding the row as sent. Refreshes the name cache. */
  async campaigns(): Promise<SourceCampaign[]> {
    const out = (await this.client.listCampaigns(this.settings.pageSize)).map((c) => toSourceCampaign(c.row, c.raw));
    this.campaignNames = Promise.resolve(new Map(out.map((c) => [c.id, c.name])));
    return out;
  }

  /** Campaign id → name, loaded once per connector (a failed load is retried on the next call). */
  private names(): Promise<Map<string, string>> {
    if (!this.campaignNames) {
      const load = this.client.listCampaigns(this.settings.pageSize).then((rows) => new Map(rows.map((c) => [c.row.id, toSourceCampaign(c.row, c.raw).name])));
      this.campaignNames = load;
      load.catch(() => {
        if (this.campaignNames === load) this.campaignNames = null;
      });
    }
    return this.campaignNames;
  }

  /**
   * Interactions of every send (list/message by id): one per kind that happened. The
   * checkpoint is the last message id read. A send of a campaign no longer listed keeps
   * its id as the name ("Campaign 2003").
   */
  async *interactions(after: string | null): AsyncGenerator<XpPage<CanonicalInteraction>> {
    const names = await this.names();
    yield* keysetPages(
      (cursor) => this.client.listMessages(cursor, this.settings.pageSize),
      (rows) => rows.flatMap((r) => toInteractions(r, names.get(r.campaign_id) ?? `Campaign ${r.campaign_id}`)),
      after,
    );
  }

  /**
   * Events from an `event_export` task, `pageSize` per page. Events have no id: each key is
   * the content hash plus the occurrence index among identical tuples, counted over the
   * whole file (skipped lines included), so a re-run gives the same keys. The checkpoint is
   * the number of event lines consumed; resuming runs a new export and skips that many,
   * which assumes the export lists the same events in the same order (true of a frozen
   * source, such as a migration window).
   */
  async *events(after: string | null): AsyncGenerator<XpPage<CanonicalEvent>> {
    const skip = after === null || after === '' ? 0 : Number(after);
    if (!Number.isSafeInteger(skip) || skip < 0) throw new TerminalError(`events checkpoint "${after}" is not a count of consumed lines`);
    const what = 'the event export';
    const exp = await runExportTask(this.client, 'event_export', {}, 'events', this.settings.exportPoll, this.clock);
    // 52 bits of the hash as a number: small map keys; two tuples sharing them only share a counter, their keys still differ.
    const occurrences = new Map<number, number>();
    let consumed = 0;
    let lineNo = 0;
    let page: CanonicalEvent[] = [];
    for await (const line of jsonlLines(exp.downloadUrl, this.downloadOptions(what))) {
      lineNo++;
      if (line.trim() === '') continue;
      const p = XpEventLine.safeParse(parseLine(line, lineNo, what));
      if (!p.success) throw new TerminalError(`${what}: line ${lineNo}: ${p.error.issues[0]?.path.join('.') ?? ''} ${p.error.issues[0]?.message ?? 'invalid'}`.trim());
      const hash = eventHash(p.data);
      const slot = Number.parseInt(hash.slice(0, 13), 16);
      const n = occurrences.get(slot) ?? 0;
      occurrences.set(slot, n + 1);
      consumed++;
      if (consumed <= skip) continue;
      const event = toCanonicalEvent(p.data, hash, n);
      if (!event) throw new TerminalError(`${what}: line ${lineNo}: unreadable timestamp ${JSON.stringify(p.data.timestamp)}`);
      page.push(event);
      if (page.length >= this.settings.pageSize) {
        yield { records: page, checkpoint: String(consumed), last: false };
        page = [];
      }
    }
    this.checkComplete(consumed, exp.rows, what);
    if (consumed < skip) {
      throw new TerminalError(`${what} has ${consumed} events, fewer than the ${skip} the checkpoint says were read: the source changed; restart the events stream from the beginning`);
    }
    yield { records: page, checkpoint: String(consumed), last: true };
  }

  /** Devices and push tokens (list/device by id); the checkpoint is the last device id. */
  devices(after: string | null): AsyncGenerator<XpPage<CanonicalDevice>> {
    return keysetPages((cursor) => this.client.listDevices(cursor, this.settings.pageSize), (rows) => rows.map(toCanonicalDevice), after);
  }

  /** Every promotion (list/promotion), `raw` holding the row as sent. */
  async promotions(): Promise<SourcePromotion[]> {
    return (await this.client.listPromotions(this.settings.pageSize)).map((p) => toSourcePromotion(p.row, p.raw));
  }

  /**
   * Id → readable label of every record of `model` (list/location: "Croke Park (Dublin)"), for
   * attribute values that reference them. A model the connector does not know is a map
   * problem: ConfigError naming the models it offers.
   */
  async referenceTable(model: string): Promise<Map<string, string>> {
    const load = Object.hasOwn(REFERENCE_MODELS, model) ? REFERENCE_MODELS[model] : undefined;
    if (!load) {
      throw new ConfigError(`Xtremepush has no "${model}" records to resolve references against (it offers: ${XTREMEPUSH_REFERENCE_MODELS.join(', ')})`);
    }
    return load(this.client, this.settings.pageSize);
  }

  /** Tag hits (list/tag by id), many per contact; the checkpoint is the last hit id. */
  tagHits(after: string | null): AsyncGenerator<XpPage<CanonicalTagHit>> {
    return keysetPages((cursor) => this.client.listTagHits(cursor, this.settings.pageSize), (rows) => rows.map(toCanonicalTagHit), after);
  }

  private downloadOptions(what: string) {
    return { what, timeoutMs: this.settings.timeoutMs, clock: this.clock, ...(this.settings.retry ? { retry: this.settings.retry } : {}) };
  }

  /** A file with fewer records than its task announced was cut short. */
  private checkComplete(records: number, announced: number | null, what: string): void {
    if (announced !== null && records < announced) {
      throw new TransientError(`${what}: the file ended after ${records} of the ${announced} rows its task announced (download cut short); run it again`);
    }
  }
}
