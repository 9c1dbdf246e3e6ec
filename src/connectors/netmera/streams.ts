/**
 * The Netmera streams. Netmera has no REST call listing users, campaigns or event history
 * [C, by absence], so:
 * - users are reached through segments (getSegments → getSegmentUsers, the pipeline freezes and
 *   unions them) and read by key (getProfileAttributes + getDevices + getCategoryPreferences per
 *   user, under the source pacing), or listed from the Export Users file when one is configured;
 * - campaigns come from getPushStats by date range, their per-recipient results from
 *   getPushResult or the Push Reports files;
 * - events only from the Event Data files; devices from getDeviceTokens or the Installation &
 *   Permission files.
 *
 * Checkpoints are JSON naming where a stream is — the file and the rows consumed in it, or the
 * push and the nextPage to follow — validated when read back, so a run killed at any moment and
 * run again yields at most one page again, whose records carry the same stable keys (push
 * results are read again from the push's or the file's start, to know which result came first).
 */
import { z } from 'zod';
import type { Clock } from '../../core/clock.js';
import { didYouMean } from '../../core/did-you-mean.js';
import { ConfigError, TerminalError, isMigrateError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type {
  AttributeDefinition, AttributeType, CanonicalContact, CanonicalDevice, CanonicalEvent, CanonicalInteraction, CanonicalTagHit, SourceCampaign, SourceProblem, SourceSegment,
} from '../../core/model.js';
import type { SourcePage } from '../source.js';
import { chunkIds, type NetmeraClient } from './client.js';
import { NETMERA_OS, type NetmeraConfig, type NetmeraOs } from './config.js';
import {
  channelPermissions, compareFiles, countRows, eventRows, exportUserRows, installationRows, listExportFiles, pushReportRows, type ExportFile,
  type ExportKind,
} from './files.js';
import {
  DEVICE_ATTRIBUTE_TYPES, exportUserToContact, extIdOfKey, isConnectorSegment, readExportEvent, toAttributeType, toCanonicalDevice, toCanonicalEvent,
  toContact, toInteraction, toSourceCampaign, toSourceSegment, userKey, eventHash, exportUserTags, type ChannelPermissions,
} from './mappers.js';
import { mapPool } from './pacing.js';
import { NmPushStats, type NmDevice, type NmSegment } from './types.js';

/** A row a stream could not turn into a record (its file and line, never its content). */

/** Problems per stream logged at warn level before the rest go to debug. */
const WARN_PROBLEMS = 3;
export interface NetmeraProblem {
  stream: 'contacts' | 'events' | 'interactions' | 'devices' | 'segmentMembers' | 'campaigns';
  /** File name, or the REST operation. */
  where: string;
  line: number | null;
  reason: string;
}

/** What the streams need besides the client. */
export interface NetmeraStreamDeps {
  clock: Clock;
  logger: Logger;
  /** Told of every row left out (default: a warning in the log). */
  onProblem?: (p: NetmeraProblem) => void;
}

const DAY_MS = 86_400_000;

/** Where a file-backed stream is: the file (its date and name) and the data rows consumed in it. */
const FileCursor = z.strictObject({ v: z.literal(1), src: z.literal('file'), f: z.string().min(1), d: z.string(), r: z.number().int().min(0) });
type FileCursor = z.infer<typeof FileCursor>;
/**
 * Where the REST interactions are: the push (start, key), the nextPage to follow (null when that
 * push is done) and the result rows of that push consumed (absent in checkpoints written before).
 */
const PushCursor = z.strictObject({ v: z.literal(1), src: z.literal('rest'), t: z.number(), k: z.string().min(1), n: z.string().nullable(), r: z.number().int().min(0).optional() });
type PushCursor = z.infer<typeof PushCursor>;
/** Where the REST device listing is: the nextPage to follow, null when done. */
const DeviceCursor = z.strictObject({ v: z.literal(1), src: z.literal('rest'), n: z.string().nullable() });

/** Read a checkpoint back; one written by the other path (files vs REST) or unreadable is a ConfigError. */
function readCursor<S extends z.ZodType>(stream: string, after: string | null, schema: S, src: 'file' | 'rest'): z.output<S> | null {
  if (after === null || after === '') return null;
  let json: unknown;
  try {
    json = JSON.parse(after);
  } catch {
    throw new ConfigError(`the ${stream} checkpoint "${after.slice(0, 80)}" is not one this connector wrote; restart the ${stream} stream`);
  }
  const p = schema.safeParse(json);
  if (!p.success) {
    const other = (json as { src?: unknown } | null)?.src;
    throw new ConfigError(
      typeof other === 'string' && other !== src
        ? `the ${stream} checkpoint was written reading ${other === 'file' ? 'the export files' : 'the REST API'}, but the config now reads ${src === 'file' ? 'the export files' : 'the REST API'}: restore source.files as it was, or restart the ${stream} stream`
        : `the ${stream} checkpoint is not one this connector wrote (${p.error.issues[0]?.message ?? 'invalid'}); restart the ${stream} stream`,
    );
  }
  return p.data;
}

/** A page with its checkpoint as text. */
function page<T>(records: T[], cursor: object, last: boolean): SourcePage<T> {
  return { records, checkpoint: JSON.stringify(cursor), last };
}

/** The streams of one Netmera app. One instance per connector: it caches definitions, segments and the file list. */
export class NetmeraStreams {
  private types: Promise<Map<string, AttributeType>> | null = null;
  private allSegmentsP: Promise<{ list: SourceSegment[]; headerIgnored: boolean }> | null = null;
  private filesP: Promise<Record<ExportKind, ExportFile[]> | null> | null = null;
  private channelsP: Promise<Map<string, ChannelPermissions> | null> | null = null;
  private campaignsP: Promise<SourceCampaign[]> | null = null;

  constructor(
    private readonly client: NetmeraClient,
    private readonly cfg: NetmeraConfig,
    private readonly deps: NetmeraStreamDeps,
  ) {}

  private problem(p: NetmeraProblem): void {
    if (this.deps.onProblem) return this.deps.onProblem(p);
    // A few per stream at warn level, the rest at debug: a file with many bad rows must not flood the terminal.
    const n = (this.problemCounts.get(p.stream) ?? 0) + 1;
    this.problemCounts.set(p.stream, n);
    const msg = `Netmera ${p.stream}: ${p.where}${p.line !== null ? ` line ${p.line}` : ''} left out: ${p.reason}`;
    if (n <= WARN_PROBLEMS) this.deps.logger.warn({ netmera: p }, msg);
    else this.deps.logger.debug({ netmera: p }, msg);
    if (n === WARN_PROBLEMS) this.deps.logger.warn({ stream: p.stream }, `Netmera ${p.stream}: further rows left out are logged at debug level (CRM_MIGRATE_LOG_LEVEL=debug to see them)`);
  }

  /** Problems seen per stream (for the warn/debug split). */
  private readonly problemCounts = new Map<string, number>();

  /** Memoise a load; a failed load is tried again on the next call. */
  private once<T>(get: () => Promise<T> | null, set: (p: Promise<T> | null) => void, load: () => Promise<T>): Promise<T> {
    const have = get();
    if (have) return have;
    const p = load();
    set(p);
    p.catch(() => {
      if (get() === p) set(null);
    });
    return p;
  }

  // -------------------------------------------------------------------------------------
  // Attributes

  /**
   * Attribute definitions (app/profile-attributes, standard and custom, typed from their data
   * type), plus the device attributes the connector adds to every contact.
   */
  async attributes(): Promise<AttributeDefinition[]> {
    const defs = await this.client.profileAttributeDefs();
    const out = defs.map((d) => ({ name: d.code, type: toAttributeType(d) }));
    const names = new Set(out.map((d) => d.name));
    return [...out, ...DEVICE_ATTRIBUTE_TYPES.filter((d) => !names.has(d.name))];
  }

  /** Attribute code → type, read once (dates in profiles are converted by it). */
  private attributeTypes(): Promise<Map<string, AttributeType>> {
    return this.once(() => this.types, (p) => (this.types = p), async () => new Map((await this.client.profileAttributeDefs()).map((d) => [d.code, toAttributeType(d)])));
  }

  // -------------------------------------------------------------------------------------
  // Segments

  /**
   * Every segment, getSegments asked with each `X-netmera-os` and the answers unioned by id. The
   * notes say the header is required and selects the OS; the live API ignores it: when both
   * answers are the same, the header is taken as ignored (counts not added twice, members read once).
   */
  allSegments(): Promise<{ list: SourceSegment[]; headerIgnored: boolean }> {
    return this.once(() => this.allSegmentsP, (p) => (this.allSegmentsP = p), async () => {
      const answers = await Promise.all(NETMERA_OS.map(async (os) => ({ os, list: await this.client.segments(os) })));
      const canon = (l: NmSegment[]) => JSON.stringify([...l].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
      const headerIgnored = answers.length > 1 && answers.every((a) => canon(a.list) === canon(answers[0]!.list));
      const byId = new Map<string, Array<{ os: NetmeraOs; row: NmSegment }>>();
      for (const a of headerIgnored ? answers.slice(0, 1) : answers) {
        for (const row of a.list) byId.set(row.id, [...(byId.get(row.id) ?? []), { os: a.os, row }]);
      }
      return { list: [...byId.values()].map((rows) => toSourceSegment(rows, headerIgnored)), headerIgnored };
    });
  }

  /**
   * The segments that scope the migration (`source.segments`, by id or name, per OS where
   * given), or every segment whose members can be listed when none are configured. A name the
   * app does not have is a ConfigError naming the closest one; so is a connector segment
   * (Netmera cannot list its users).
   */
  async segments(): Promise<SourceSegment[]> {
    const { list } = await this.allSegments();
    if (this.cfg.segments.length === 0) {
      const listed = list.filter((s) => !isConnectorSegment(s));
      for (const s of list) if (isConnectorSegment(s)) this.problem({ stream: 'segmentMembers', where: `segment ${s.id} ("${s.name}")`, line: null, reason: 'a connector segment: Netmera cannot list its users' });
      return listed;
    }
    const chosen = new Map<string, SourceSegment>();
    for (const ref of this.cfg.segments) {
      const seg = this.findSegment(list, typeof ref === 'object' ? ref.segment : ref, 'source.segments');
      if (isConnectorSegment(seg)) {
        throw new ConfigError(`segment "${seg.name}" (${seg.id}) is a connector segment: Netmera cannot list its users (getSegmentUsers answers 2001). Choose another segment or use the Export Users file (source.files)`);
      }
      const os: NetmeraOs | null = typeof ref === 'object' && ref.os ? ref.os : null;
      const had = chosen.get(seg.id);
      const rules = { ...((had?.rules ?? {}) as Record<string, unknown>) };
      const own = (seg.rules ?? {}) as Record<string, unknown>;
      for (const o of os ? [os] : Object.keys(own)) if (Object.hasOwn(own, o)) rules[o] = own[o];
      if (os && !Object.hasOwn(own, os)) rules[os] = Object.values(own)[0] ?? null;
      chosen.set(seg.id, { ...seg, rules });
    }
    return [...chosen.values()];
  }

  private findSegment(list: SourceSegment[], ref: string | number, key: string): SourceSegment {
    const text = String(ref).trim();
    const byId = /^\d+$/.test(text) ? list.find((s) => s.id === text) : undefined;
    const found = byId ?? list.find((s) => s.name === text) ?? list.find((s) => s.name.trim().toLocaleLowerCase('tr') === text.toLocaleLowerCase('tr'));
    if (found) return found;
    const names = list.map((s) => s.name);
    throw new ConfigError(
      `Netmera at ${this.client.display} has no segment "${text}" (${key})${didYouMean(text, names)}; it lists ${names.length} segment(s)${names.length > 0 ? `: ${names.slice(0, 10).map((n) => `"${n}"`).join(', ')}${names.length > 10 ? ', …' : ''}` : ''}`,
    );
  }

  /**
   * Source keys of a segment's members (getSegmentUsers with each OS header the segment is
   * listed under; once when the API ignores the header), in pages of at most 1000. Pages may
   * repeat a key across OS answers: the caller's membership store is a set. Members without an
   * external id cannot be read by key: they are counted and reported, never keyed.
   */
  async *segmentMembers(segment: SourceSegment): AsyncGenerator<string[]> {
    const { headerIgnored } = await this.allSegments();
    const listed = Object.keys((segment.rules ?? {}) as Record<string, unknown>).filter((o): o is NetmeraOs => (NETMERA_OS as readonly string[]).includes(o));
    const oses = headerIgnored ? [listed[0] ?? NETMERA_OS[0]] : listed.length > 0 ? listed : [...NETMERA_OS];
    const max = Math.min(1000, Math.max(100, this.cfg.pageSize));
    let withoutId = 0;
    for (const os of oses) {
      for await (const p of this.client.segmentUserPages(segment, os, max)) {
        const keys = new Set<string>();
        for (const m of p.rows) {
          const id = (m.externalId ?? m.extId ?? '').trim();
          if (id === '') withoutId++;
          else keys.add(userKey(id));
        }
        const all = [...keys];
        for (let i = 0; i < all.length; i += 1000) yield all.slice(i, i + 1000);
      }
    }
    if (withoutId > 0) {
      this.problem({ stream: 'segmentMembers', where: `segment ${segment.id} ("${segment.name}")`, line: null, reason: `${withoutId} member(s) have no external id: the REST API cannot read them (the Export Users file can)` });
    }
  }

  /**
   * How many users the app holds, for the coverage check: the `populationSegment`'s userCount
   * (at its last calculation), else the Export Users file's data rows; null when neither is
   * configured. When the OS header selects the OS, the segment's per-OS counts cannot be added
   * into a user count (a user with both apps is in both, a user with neither in none): the
   * Export Users file counts instead when the folder holds one.
   */
  async population(): Promise<{ count: number; basis: string } | null> {
    if (this.cfg.populationSegment !== undefined) {
      const { list, headerIgnored } = await this.allSegments();
      const seg = this.findSegment(list, this.cfg.populationSegment, 'source.populationSegment');
      // Per-OS answers count a user with both apps twice and one with neither never: the Export
      // Users file, when there is one, counts every user once.
      const file = headerIgnored ? undefined : (await this.files())?.exportUsers.at(-1);
      if (file) return { count: await countRows(file, this.delimiter), basis: `in the Export Users file ${file.name}; the "${seg.name}" segment's user counts are per OS` };
      if (seg.memberCount === null) {
        this.problem({ stream: 'segmentMembers', where: `segment ${seg.id} ("${seg.name}")`, line: null, reason: 'Netmera gives no user count for it, so it cannot state the population' });
        return null;
      }
      return { count: seg.memberCount, basis: `in the "${seg.name}" segment (its user count at Netmera's last calculation${headerIgnored ? '' : ', iOS and Android added'})` };
    }
    const files = await this.files();
    const file = files?.exportUsers.at(-1);
    if (!file) return null;
    return { count: await countRows(file, this.delimiter), basis: `in the Export Users file ${file.name}` };
  }

  // -------------------------------------------------------------------------------------
  // Contacts

  /**
   * Contacts by key: per user getProfileAttributes + getDevices + getCategoryPreferences in
   * parallel (3 calls a user), `pacing.concurrency` users at a time and never more than 1000 ids
   * in hand per batch; calls paced and gated by the client. Users Netmera no longer knows (5016)
   * are left out; an answer of an unexpected shape for one user becomes problems on that
   * contact, never a stopped run.
   */
  async contactsByKey(keys: string[]): Promise<CanonicalContact[]> {
    const extIds = [...new Set(keys.map(extIdOfKey).map((k) => k.trim()).filter((k) => k !== ''))];
    if (extIds.length === 0) return [];
    const [types, channels] = await Promise.all([this.attributeTypes(), this.channelMap()]);
    const out: CanonicalContact[] = [];
    for (const chunk of chunkIds(extIds)) {
      const got = await mapPool(chunk, this.cfg.pacing.concurrency, (id) => this.readUser(id, types, channels));
      for (const c of got) if (c !== null) out.push(c);
    }
    return out;
  }

  private async readUser(extId: string, types: Map<string, AttributeType>, channels: Map<string, ChannelPermissions> | null): Promise<CanonicalContact | null> {
    const problems: SourceProblem[] = [];
    /** A per-user answer of the wrong shape is that user's problem; anything else stops the page. */
    const lenient = async <T>(what: string, call: Promise<T>): Promise<T | null> => {
      try {
        return await call;
      } catch (e) {
        if (e instanceof TerminalError && e.http === undefined && /unexpected answer/.test(e.message)) {
          problems.push({ field: null, reason: `source ${what}: ${e.message}` });
          return null;
        }
        throw e;
      }
    };
    const [profile, devices, categories] = await Promise.all([
      lenient('getProfileAttributes', this.client.profile(extId)),
      lenient('getDevices', this.client.devices(extId)),
      lenient('getCategoryPreferences', this.client.categoryPreferences(extId)),
    ]);
    if (profile === null && problems.length === 0) return null;
    const contact = toContact(profile ?? {}, extId, {
      types,
      devices: devices ?? null,
      categories: categories ?? null,
      channels: channels?.get(extId) ?? null,
      phoneCountry: this.cfg.phoneCountry ?? null,
    });
    if (problems.length === 0) return contact;
    return { ...contact, sourceProblems: [...(contact.sourceProblems ?? []), ...problems] };
  }

  /**
   * Contacts listed from the Export Users file (the newest, or the one a checkpoint names), page
   * by page: the checkpoint is the file and the data rows consumed. Offered only when
   * `source.files` is configured (see the manifest); a folder without an Export Users file is a
   * ConfigError naming it.
   */
  async *contacts(after: string | null): AsyncGenerator<SourcePage<CanonicalContact>> {
    const cur = readCursor('contacts', after, FileCursor, 'file');
    const files = await this.files();
    if (!files) throw new ConfigError('Netmera contacts are listed from the Export Users file: set source.files.folder (without it, contacts are read by key over segments)');
    const file = cur ? files.exportUsers.find((f) => f.name === cur.f) : files.exportUsers.at(-1);
    if (!file) {
      throw new ConfigError(
        cur
          ? `the Export Users file ${cur.f} the extraction started from is no longer in ${this.cfg.files!.folder}: put it back, or restart the contacts stream`
          : `no Export Users file in ${this.cfg.files!.folder} (source.files.folder): export the users from the Netmera panel (CSV or XLSX) into it, named like "export_users_2024-03-01.csv", or name it in source.files.exportUsersFile`,
      );
    }
    const channels = await this.channelMap();
    let pos = cur?.r ?? 0;
    let records: CanonicalContact[] = [];
    for await (const row of exportUserRows(file, this.delimiter, pos)) {
      const extId = row.roles.extId === null || row.roles.extId === undefined ? null : String(row.roles.extId).trim();
      records.push(exportUserToContact(row, { channels: extId ? (channels?.get(extId) ?? null) : null, phoneCountry: this.cfg.phoneCountry ?? null }));
      pos = row.index + 1;
      if (records.length >= this.cfg.pageSize) {
        yield page(records, this.fileCursor(file, pos), false);
        records = [];
      }
    }
    yield page(records, this.fileCursor(file, pos), true);
  }

  /**
   * Tag hits from the Export Users file's tag column (Netmera has no tag API): one hit per tag
   * of each row, keyed to the contact the row becomes. The checkpoint is the file and its rows
   * consumed, as for contacts. The export carries no tagging time.
   */
  async *tagHits(after: string | null): AsyncGenerator<SourcePage<CanonicalTagHit>> {
    const cur = readCursor('tagHits', after, FileCursor, 'file');
    const files = await this.files();
    const file = files ? (cur ? files.exportUsers.find((f) => f.name === cur.f) : files.exportUsers.at(-1)) : undefined;
    if (!file) {
      // No Export Users file: no tags to read (the REST API has none).
      yield { records: [], checkpoint: after ?? '', last: true };
      return;
    }
    let pos = cur?.r ?? 0;
    let hits: CanonicalTagHit[] = [];
    for await (const row of exportUserRows(file, this.delimiter, pos)) {
      const tags = exportUserTags(row);
      if (tags.length > 0) {
        const contactKey = exportUserToContact(row, { phoneCountry: this.cfg.phoneCountry ?? null }).sourceKey;
        for (const tag of tags) hits.push({ contactKey, tag, occurredAt: null });
      }
      pos = row.index + 1;
      if (hits.length >= this.cfg.pageSize) {
        yield page(hits, this.fileCursor(file, pos), false);
        hits = [];
      }
    }
    yield page(hits, this.fileCursor(file, pos), true);
  }

  private fileCursor(file: ExportFile, r: number): FileCursor {
    return { v: 1, src: 'file', f: file.name, d: file.date, r };
  }

  // -------------------------------------------------------------------------------------
  // Files

  private get delimiter(): string {
    return this.cfg.files?.delimiter ?? 'auto';
  }

  /** The export files by kind (listed once per connector), null without `source.files`. */
  files(): Promise<Record<ExportKind, ExportFile[]> | null> {
    const cfg = this.cfg.files;
    return this.once(() => this.filesP, (p) => (this.filesP = p), async () => (cfg ? listExportFiles(cfg) : null));
  }

  /** Channel permissions from the Channel Permission files (read once), null without any. */
  private channelMap(): Promise<Map<string, ChannelPermissions> | null> {
    return this.once(() => this.channelsP, (p) => (this.channelsP = p), async () => {
      const files = await this.files();
      return files && files.channelPermissions.length > 0 ? channelPermissions(files.channelPermissions, this.delimiter) : null;
    });
  }

  /**
   * The files of a kind from a file checkpoint on: the files after it in order, the named one
   * first with the rows it has consumed. A checkpoint naming a file no longer there resumes
   * after where it sorted (files are immutable exports; a re-run re-reads no file already read).
   */
  private *filesFrom(list: readonly ExportFile[], cur: FileCursor | null): Generator<{ file: ExportFile; skip: number }> {
    for (const file of list) {
      if (cur === null) yield { file, skip: 0 };
      else {
        const order = compareFiles(file, { date: cur.d, name: cur.f });
        if (order === 0) yield { file, skip: cur.r };
        else if (order > 0) yield { file, skip: 0 };
      }
    }
  }

  /**
   * Events from the Event Data files, oldest file first, `pageSize` per page; the checkpoint is
   * the file and its rows consumed. An event's key is its content hash and its occurrence among
   * identical rows of its file (counted from the file's start, also when resuming), so the same
   * event in a daily and a bulk file is one record. Rows that cannot be events are reported.
   */
  async *events(after: string | null): AsyncGenerator<SourcePage<CanonicalEvent>> {
    const cur = readCursor('events', after, FileCursor, 'file');
    const files = await this.files();
    if (!files) throw new ConfigError('Netmera has no REST call for event history: events are read from the Data Export "Event Data" files (set source.files.folder)');
    const offset = this.cfg.files!.timestampOffset;
    let last: FileCursor | null = cur;
    let records: CanonicalEvent[] = [];
    for (const { file, skip } of this.filesFrom(files.events, cur)) {
      // 52 bits of the hash as a number: small map keys; two tuples sharing them only share a counter, their keys still differ.
      const occurrences = new Map<number, number>();
      let pos = skip;
      for await (const row of eventRows(file, this.delimiter, 0)) {
        const read = readExportEvent(row, offset);
        if (!read.ok) {
          if (row.index >= skip) this.problem({ stream: 'events', where: file.name, line: row.line, reason: [...row.problems, read.reason].join('; ') });
        } else {
          const hash = eventHash(read);
          const slot = Number.parseInt(hash.slice(0, 13), 16);
          const n = occurrences.get(slot) ?? 0;
          occurrences.set(slot, n + 1);
          if (row.index >= skip) {
            if (row.problems.length > 0) this.problem({ stream: 'events', where: file.name, line: row.line, reason: `${row.problems.join('; ')} (read anyway)` });
            records.push(toCanonicalEvent({ ...read, deviceId: row.deviceId }, hash, n));
          }
        }
        if (row.index < skip) continue;
        pos = row.index + 1;
        last = this.fileCursor(file, pos);
        if (records.length >= this.cfg.pageSize) {
          yield page(records, last, false);
          records = [];
        }
      }
      last = this.fileCursor(file, pos);
    }
    yield page(records, last ?? { v: 1, src: 'file', f: '-', d: '', r: 0 }, true);
  }

  // -------------------------------------------------------------------------------------
  // Campaigns and interactions

  /** The push history window in epoch ms: [since, until] from config, `days` before now by default. */
  private historyWindow(): { start: number; end: number } {
    const h = this.cfg.pushHistory;
    const end = h.until ? Date.parse(`${h.until}T00:00:00Z`) + DAY_MS - 1 : this.deps.clock.now();
    const start = h.since ? Date.parse(`${h.since}T00:00:00Z`) : end - h.days * DAY_MS;
    return { start, end };
  }

  /**
   * Every push of the history window (getPushStats by dates, asked `windowDays` at a time),
   * unioned by notificationKey, oldest first; `raw` holds the message as sent (stats, content).
   */
  campaigns(): Promise<SourceCampaign[]> {
    return this.once(() => this.campaignsP, (p) => (this.campaignsP = p), async () => {
      const { start, end } = this.historyWindow();
      const step = this.cfg.pushHistory.windowDays * DAY_MS;
      const byKey = new Map<string, SourceCampaign>();
      for (let from = start; from <= end; from += step) {
        for (const raw of await this.client.pushStatsBetween(from, Math.min(end, from + step - 1))) {
          const p = NmPushStats.safeParse(raw);
          if (!p.success) {
            this.problem({ stream: 'campaigns', where: 'getPushStats', line: null, reason: `a message of unexpected shape (${p.error.issues[0]?.path.join('.') ?? ''} ${p.error.issues[0]?.message ?? 'invalid'})`.trim() });
            continue;
          }
          byKey.set(p.data.notificationKey, toSourceCampaign(p.data, raw as Record<string, unknown>));
        }
      }
      return [...byKey.values()].sort((a, b) => (startMs(a) - startMs(b)) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    });
  }

  /**
   * Per-contact push interactions (delivered / opened / clicked): from the Push Reports files
   * when the folder holds any (checkpoint: file and rows), else from getPushResult per push of
   * the history window, oldest first (checkpoint: the push, the nextPage to follow and the rows
   * consumed). A push stopped mid-way is read again from its start on resume, its consumed rows
   * only noted (an interaction is its push's first result of that kind for that user).
   */
  async *interactions(after: string | null): AsyncGenerator<SourcePage<CanonicalInteraction>> {
    const files = await this.files();
    if (files && files.pushReports.length > 0) yield* this.interactionsFromFiles(files.pushReports, after);
    else yield* this.interactionsFromApi(after);
  }

  private async *interactionsFromApi(after: string | null): AsyncGenerator<SourcePage<CanonicalInteraction>> {
    const cur = readCursor('interactions', after, PushCursor, 'rest');
    const campaigns = await this.campaigns();
    const { start, end } = this.historyWindow();
    let last: PushCursor | null = cur;
    for (const c of campaigns) {
      const t = startMs(c);
      if (cur && (t < cur.t || (t === cur.t && c.id < cur.k))) continue;
      if (cur && t === cur.t && c.id === cur.k && cur.n === null) continue;
      const here = cur && t === cur.t && c.id === cur.k ? cur : null;
      // A push stopped mid-way is read again from its start, its rows consumed only noted: an
      // interaction is the push's first result of its kind for its user (several devices; SUCCESS,
      // then DELIVERED), which only the push's earlier rows tell. A checkpoint written without the
      // row count follows its nextPage.
      const consumed = here?.r ?? 0;
      const ctx = { notificationKey: c.id, campaignName: c.name, fallbackAt: c.activatedAt };
      const first = firstResults();
      let rows = 0;
      for await (const p of this.pushResults(c.id, start, end, here && here.r === undefined ? here.n : null)) {
        const records: CanonicalInteraction[] = [];
        for (const raw of p.rows) {
          const again = rows++ < consumed;
          const r = toInteraction(raw, ctx);
          if (r.ok) {
            if (first(r.interaction) && !again) records.push(r.interaction);
          } else if (!again && r.reason !== null) this.problem({ stream: 'interactions', where: `getPushResult ${c.id}`, line: null, reason: r.reason });
        }
        if (rows <= consumed) continue;
        last = { v: 1, src: 'rest', t, k: c.id, n: p.next, r: rows };
        yield page(records, last, false);
      }
      last = { v: 1, src: 'rest', t, k: c.id, n: null };
    }
    yield page([], last ?? { v: 1, src: 'rest', t: 0, k: '-', n: null }, true);
  }

  /** getPushResult pages of one push; a stored nextPage the API no longer takes (400/404) starts the push again. */
  private async *pushResults(key: string, start: number, end: number, resume: string | null) {
    const max = Math.min(1000, this.cfg.pageSize);
    if (resume !== null) {
      try {
        yield* this.client.pushResultPages(key, start, end, max, resume);
        return;
      } catch (e) {
        if (!expired(e)) throw e;
        this.deps.logger.warn(`Netmera getPushResult: the stored offset of push ${key} is no longer accepted; reading that push again from its start`);
      }
    }
    yield* this.client.pushResultPages(key, start, end, max);
  }

  private async *interactionsFromFiles(list: readonly ExportFile[], after: string | null): AsyncGenerator<SourcePage<CanonicalInteraction>> {
    const cur = readCursor('interactions', after, FileCursor, 'file');
    const offset = this.cfg.files!.timestampOffset;
    let names: Map<string, SourceCampaign> | null = null;
    let last: FileCursor | null = cur;
    let records: CanonicalInteraction[] = [];
    for (const { file, skip } of this.filesFrom(list, cur)) {
      let pos = skip;
      // An interaction is the first result of its kind for its user in its push's rows (several
      // devices; SUCCESS, then DELIVERED), whatever the pages: the keys are kept per push (an
      // export writes a push's rows together), and a file resumed mid-way is read from its start
      // to know them, the rows consumed only noted.
      let push: string | null = null;
      let first = firstResults();
      for await (const row of pushReportRows(file, this.delimiter, 0)) {
        const again = row.index < skip;
        if (!again) {
          pos = row.index + 1;
          last = this.fileCursor(file, pos);
        }
        if (row.notificationKey === null) {
          if (!again) this.problem({ stream: 'interactions', where: file.name, line: row.line, reason: 'no notification key' });
          continue;
        }
        if (row.notificationKey !== push) {
          push = row.notificationKey;
          first = firstResults();
        }
        if (again) {
          for (const raw of row.results) {
            const r = toInteraction(raw, { notificationKey: push, campaignName: '', fallbackAt: null, defaultOffset: offset });
            if (r.ok) first(r.interaction);
          }
          continue;
        }
        for (const raw of row.results) {
          const title = typeof raw.msgTitle === 'string' && raw.msgTitle.trim() !== '' ? raw.msgTitle.trim() : null;
          if (title === null && names === null) names = new Map((await this.campaigns()).map((c) => [c.id, c]));
          const c = names?.get(row.notificationKey);
          const r = toInteraction(raw, {
            notificationKey: row.notificationKey, campaignName: title ?? c?.name ?? `Push ${row.notificationKey}`, fallbackAt: c?.activatedAt ?? null, defaultOffset: offset,
          });
          if (r.ok) {
            if (first(r.interaction)) records.push(r.interaction);
          } else if (r.reason !== null) this.problem({ stream: 'interactions', where: file.name, line: row.line, reason: r.reason });
        }
        if (records.length >= this.cfg.pageSize) {
          yield page(records, this.fileCursor(file, pos), false);
          records = [];
        }
      }
      last = this.fileCursor(file, pos);
    }
    yield page(records, last ?? { v: 1, src: 'file', f: '-', d: '', r: 0 }, true);
  }

  // -------------------------------------------------------------------------------------
  // Devices

  /**
   * Devices and push tokens for the device dataset (never for contacts): from the Installation &
   * Permission files when the folder holds any (checkpoint: file and rows), else getDeviceTokens
   * (checkpoint: the nextPage to follow; an expired one on resume starts the listing again — keys
   * are stable, so nothing is duplicated).
   */
  async *devices(after: string | null): AsyncGenerator<SourcePage<CanonicalDevice>> {
    const files = await this.files();
    if (files && files.installations.length > 0) {
      yield* this.devicesFromFiles(files.installations, after);
      return;
    }
    const cur = readCursor('devices', after, DeviceCursor, 'rest');
    if (cur && cur.n === null) {
      yield page([], cur, true);
      return;
    }
    const max = Math.min(1000, this.cfg.pageSize);
    const listing = async function* (this: NetmeraStreams) {
      if (cur?.n) {
        try {
          yield* this.client.deviceTokenPages(max, cur.n);
          return;
        } catch (e) {
          if (!expired(e)) throw e;
          this.deps.logger.warn('Netmera getDeviceTokens: the stored offset is no longer accepted; listing the devices again from the start');
        }
      }
      yield* this.client.deviceTokenPages(max);
    }.call(this);
    for await (const p of listing) {
      yield page(this.toDevices(p.rows, 'getDeviceTokens', null, 'Z'), { v: 1, src: 'rest', n: p.next }, false);
    }
    yield page([], { v: 1, src: 'rest', n: null }, true);
  }

  private toDevices(rows: readonly NmDevice[], where: string, line: number | null, offset: string): CanonicalDevice[] {
    const out: CanonicalDevice[] = [];
    for (const d of rows) {
      const dev = toCanonicalDevice(d, offset);
      if (dev) out.push(dev);
      else this.problem({ stream: 'devices', where, line, reason: 'a device with neither an installation id nor a push token' });
    }
    return out;
  }

  private async *devicesFromFiles(list: readonly ExportFile[], after: string | null): AsyncGenerator<SourcePage<CanonicalDevice>> {
    const cur = readCursor('devices', after, FileCursor, 'file');
    const offset = this.cfg.files!.timestampOffset;
    let last: FileCursor | null = cur;
    let records: CanonicalDevice[] = [];
    for (const { file, skip } of this.filesFrom(list, cur)) {
      let pos = skip;
      for await (const row of installationRows(file, this.delimiter, skip)) {
        pos = row.index + 1;
        last = this.fileCursor(file, pos);
        records.push(...this.toDevices([row.device], file.name, row.line, offset));
        if (records.length >= this.cfg.pageSize) {
          yield page(records, last, false);
          records = [];
        }
      }
      last = this.fileCursor(file, pos);
    }
    yield page(records, last ?? { v: 1, src: 'file', f: '-', d: '', r: 0 }, true);
  }
}

/**
 * One push's interactions seen so far: true for the first result of a key (its user, push and
 * kind), false for any later one. Kept for the whole push, not a page: a later page's record
 * would replace the first one in the store, and the time a task carries would depend on where
 * the pages happened to end.
 */
function firstResults(): (i: CanonicalInteraction) => boolean {
  const seen = new Set<string>();
  return (i) => !seen.has(i.sourceKey) && Boolean(seen.add(i.sourceKey));
}

/** A campaign's start in epoch ms (0 when unknown), for ordering. */
function startMs(c: SourceCampaign): number {
  const t = c.activatedAt ? Date.parse(c.activatedAt) : NaN;
  return Number.isFinite(t) ? t : 0;
}

/** A stored nextPage the API refuses now (an expired opaque offset). */
function expired(e: unknown): boolean {
  return isMigrateError(e) && (e.http?.status === 400 || e.http?.status === 404 || e.http?.status === 410);
}
