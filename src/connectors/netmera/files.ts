/**
 * Readers for the customer's Netmera files: the panel's "Export Users" file (CSV or XLSX: email,
 * external id, msisdn, chosen profile attributes, device count/type/OS/model) and the FTP/SFTP
 * "Data Export" files, named `appkey_TYPE_date` (Event Data, Push Reports, App Tracking,
 * Installation & Permission, Channel Permission; CSV with the delimiter chosen in the panel, or
 * XLSX).
 *
 * CSV is streamed record by record (a file is never held whole); XLSX is read a sheet at a time
 * (read-excel-file has no streaming reader). Column names are not documented, so columns are
 * found by meaning through alias lists (case, spaces, punctuation and Turkish letters ignored);
 * every column the reader does not know is kept by its header as written. A malformed row never
 * stops a file: it comes out with its problems (file name and line) for the caller to carry or
 * report.
 */
import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { parse } from 'csv-parse';
import { readSheet } from 'read-excel-file/node';
import { ConfigError } from '../../core/errors.js';
import type { NetmeraFiles } from './config.js';
import type { Cell, ChannelPermissions, ExportEvent, ExportUserRole, ExportUserRow } from './mappers.js';
import { flag } from './values.js';
import type { NmDevice } from './types.js';

/** What a file in the folder is, by its name. */
export type ExportKind = 'exportUsers' | 'events' | 'pushReports' | 'appTracking' | 'installations' | 'channelPermissions';

/** One file of the folder that the connector can read. */
export interface ExportFile {
  name: string;
  path: string;
  kind: ExportKind;
  format: 'csv' | 'xlsx';
  /** The date in its name (digits only, `20240301`), '' when none: files sort by it, then by name. */
  date: string;
  size: number;
}

/** Data Export type tokens in file names (`appkey_EVENT_DATA_20240301.csv`), after upper-casing and `_` for separators. */
const KIND_PATTERNS: ReadonlyArray<[ExportKind, RegExp]> = [
  ['channelPermissions', /(^|_)CHANNEL_?PERMISSIONS?(_|$)/],
  ['installations', /(^|_)INSTALL(ATION)?S?_?(AND_)?PERMISSIONS?(_|$)|(^|_)INSTALLATIONS?(_|$)/],
  ['pushReports', /(^|_)PUSH_?REPORTS?(_|$)/],
  ['appTracking', /(^|_)APP_?TRACKING(_|$)/],
  ['events', /(^|_)EVENT_?DATA(_|$)|(^|_)EVENTS?(_|$)/],
  ['exportUsers', /(^|_)(EXPORT_?USERS?|USERS?_?EXPORT|USERS?)(_|$)/],
];

/** The kind of a file by its name, or null when it is none of the exports. */
export function exportKindOf(name: string): ExportKind | null {
  const stem = basename(name, extname(name)).toUpperCase().replace(/[^A-Z0-9]+/g, '_');
  for (const [kind, re] of KIND_PATTERNS) if (re.test(stem)) return kind;
  return null;
}

/** The date in a file name as digits (`2024-03-01` → `20240301`), '' when none. */
export function dateOf(name: string): string {
  const m = /(\d{4})[-_.]?(\d{2})[-_.]?(\d{2})/.exec(name);
  return m ? `${m[1]}${m[2]}${m[3]}` : '';
}

/**
 * The folder's export files, by kind, each kind oldest first (date in the name, then name). A
 * missing or unreadable folder is a ConfigError naming it; files of other apps (`appKey`) and
 * of other formats are left out.
 */
export async function listExportFiles(cfg: Pick<NetmeraFiles, 'folder' | 'appKey' | 'exportUsersFile'>): Promise<Record<ExportKind, ExportFile[]>> {
  let names: string[];
  try {
    names = await readdir(cfg.folder);
  } catch (e) {
    throw new ConfigError(`cannot read the Netmera files folder ${cfg.folder} (source.files.folder): ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`, { cause: e });
  }
  const out: Record<ExportKind, ExportFile[]> = { exportUsers: [], events: [], pushReports: [], appTracking: [], installations: [], channelPermissions: [] };
  for (const name of names) {
    const ext = extname(name).toLowerCase();
    const format = ext === '.xlsx' ? 'xlsx' : ext === '.csv' || ext === '.txt' ? 'csv' : null;
    if (format === null) continue;
    const kind: ExportKind | null = name === cfg.exportUsersFile ? 'exportUsers' : exportKindOf(name);
    if (kind === null) continue;
    // The app key names the Data Export files (`appkey_TYPE_date`); the panel's Export Users file has no such prefix.
    if (cfg.appKey && kind !== 'exportUsers' && !name.startsWith(`${cfg.appKey}_`)) continue;
    const path = join(cfg.folder, name);
    const s = await stat(path);
    if (!s.isFile()) continue;
    out[kind].push({ name, path, kind, format, date: dateOf(name), size: s.size });
  }
  for (const list of Object.values(out)) list.sort(compareFiles);
  return out;
}

/** File order: the date in the name, then the name (so daily files read oldest first). */
export function compareFiles(a: Pick<ExportFile, 'date' | 'name'>, b: Pick<ExportFile, 'date' | 'name'>): number {
  if (a.date !== b.date) return a.date < b.date ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

// ---------------------------------------------------------------------------------------
// Tables

/** One data row of a file: its cells by column position, where it is, and what was wrong with its shape. */
export interface TableRow {
  /** 1-based line (CSV: where the record ends) or sheet row (XLSX). */
  line: number;
  /** 0-based position among the file's data rows (a checkpoint counts these). */
  index: number;
  cells: Cell[];
  problems: string[];
}

/** A file read as a table: its header and its data rows, one at a time. */
export interface Table {
  headers: string[];
  rows: AsyncIterable<TableRow>;
  /** Release the file (reading `rows` to the end does it too). */
  close(): void;
}

/** Delimiters `auto` chooses among. */
const DELIMITERS = [',', ';', '\t', '|'] as const;

/** The delimiter of a CSV file's header line: the candidate found most often outside quotes (`,` when none). */
export async function sniffDelimiter(path: string): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const text = buf.subarray(0, bytesRead).toString('utf8').replace(/^\ufeff/, '');
    const counts = new Map<string, number>(DELIMITERS.map((d) => [d, 0]));
    let quoted = false;
    for (const ch of text) {
      if (ch === '"') quoted = !quoted;
      else if (!quoted && (ch === '\n' || ch === '\r')) break;
      else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
    }
    let best = ',';
    for (const d of DELIMITERS) if (counts.get(d)! > counts.get(best)!) best = d;
    return best;
  } finally {
    await fh.close();
  }
}

/** Header cells → unique, non-empty column names (`column 3`; a repeated name gets ` (2)`). */
function headerNames(cells: readonly unknown[]): string[] {
  const seen = new Map<string, number>();
  return cells.map((c, i) => {
    const base = String(c ?? '').trim() || `column ${i + 1}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base} (${n})`;
  });
}

/** An XLSX cell → a Cell: dates as ISO text (a date without time of day as `YYYY-MM-DD`; read-excel-file gives dates in UTC). */
function xlsxCell(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) {
    const ms = v.getTime();
    if (Number.isNaN(ms)) return null;
    // Excel keeps times as fractions of a day: 09:30:00 can come back as 09:29:59.999. A millisecond off a whole second is that error.
    const second = Math.round(ms / 1000) * 1000;
    const iso = new Date(Math.abs(ms - second) <= 1 ? second : ms).toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  }
  if (typeof v === 'string') return v === '' ? null : v;
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  return String(v);
}

/**
 * A file as a table. CSV: streamed with `delimiter` (`auto`: sniffed from the header line), BOM
 * dropped, empty lines skipped, a quote inside an unquoted field kept as text; a record with a
 * different number of fields than the header, or one the parser cannot read (a quoted field never
 * closed), comes out with a problem instead of stopping the file. XLSX: the first sheet; rows with no value are skipped.
 */
export async function openTable(file: Pick<ExportFile, 'path' | 'format'>, delimiter: string): Promise<Table> {
  if (file.format === 'xlsx') {
    const data = await readSheet(file.path);
    const headers = headerNames(data[0] ?? []);
    return {
      headers,
      rows: (async function* () {
        let index = 0;
        for (let r = 1; r < data.length; r++) {
          const cells = (data[r] ?? []).map(xlsxCell);
          if (cells.every((c) => c === null)) continue;
          const problems = cells.length > headers.length && cells.slice(headers.length).some((c) => c !== null) ? [`row has ${cells.length} cells, the header ${headers.length}`] : [];
          yield { line: r + 1, index: index++, cells: cells.slice(0, Math.max(headers.length, 0)), problems };
        }
      })(),
      close: () => undefined,
    };
  }
  const delim = delimiter === 'auto' ? await sniffDelimiter(file.path) : delimiter;
  const skipped: Array<{ line: number; reason: string }> = [];
  const input = createReadStream(file.path);
  const parser = input.pipe(
    parse({
      delimiter: delim,
      bom: true,
      info: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_skip: (err) => {
        skipped.push({ line: Number((err as { lines?: unknown } | undefined)?.lines ?? 0), reason: (err?.message ?? 'unreadable record').split('\n')[0]!.slice(0, 160) });
      },
    }),
  );
  const it = parser[Symbol.asyncIterator]() as AsyncIterator<{ info: { lines: number }; record: string[] }>;
  const first = await it.next();
  const headers = first.done ? [] : headerNames(first.value.record);
  const close = () => {
    parser.destroy();
    input.destroy();
  };
  return {
    headers,
    close,
    rows: (async function* () {
      let index = 0;
      const drain = function* (): Generator<TableRow> {
        while (skipped.length > 0) {
          const s = skipped.shift()!;
          yield { line: s.line, index: index++, cells: headers.map(() => null), problems: [`the record cannot be read (${s.reason})`] };
        }
      };
      try {
        for (;;) {
          const next = await it.next();
          yield* drain();
          if (next.done) break;
          const { info, record } = next.value;
          const cells: Cell[] = record.map((c) => (c === '' ? null : c));
          const problems = cells.length === headers.length ? [] : [`the record has ${cells.length} field(s), the header ${headers.length}`];
          while (cells.length < headers.length) cells.push(null);
          yield { line: info.lines, index: index++, cells: cells.slice(0, headers.length), problems };
        }
      } finally {
        close();
      }
    })(),
  };
}

// ---------------------------------------------------------------------------------------
// Columns by meaning

/** A header reduced for matching: lower case, accents and Turkish dotless i folded, only letters and digits. */
export function headerKey(h: string): string {
  return h.toLocaleLowerCase('en').replace(/ı/g, 'i').normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^a-z0-9]/g, '');
}

const EXT_ID = ['extid', 'externalid', 'externaluserid', 'userexternalid', 'customerid', 'hariciid', 'kullaniciid', 'userid'];
const TIMESTAMP = ['timestamp', 'eventtimestamp', 'eventtime', 'eventdate', 'time', 'date', 'datetime', 'createdat', 'createdate', 'tarih', 'zaman'];
const PLATFORM = ['platform', 'devicetype', 'deviceplatform', 'cihaztipi'];

/** Export Users columns by meaning. */
const USER_ALIASES: Record<ExportUserRole, readonly string[]> = {
  extId: EXT_ID,
  email: ['email', 'emailaddress', 'eposta', 'epostaadresi', 'mail'],
  msisdn: ['msisdn', 'phone', 'phonenumber', 'gsm', 'gsmno', 'mobile', 'mobilephone', 'telefon', 'ceptelefonu'],
  name: ['name', 'firstname', 'ad', 'adi', 'isim'],
  surname: ['surname', 'lastname', 'soyad', 'soyadi'],
  country: ['country', 'ulke'],
  language: ['language', 'lang', 'dil'],
  deviceCount: ['devicecount', 'numberofdevices', 'devices', 'cihazsayisi'],
  platform: PLATFORM,
  osVersion: ['os', 'osversion', 'deviceos', 'operatingsystem', 'isletimsistemi'],
  appVersion: ['appversion', 'appv', 'applicationversion', 'uygulamaversiyonu'],
  model: ['model', 'devicemodel', 'mdl', 'cihazmodeli'],
  tags: ['tags', 'tag', 'etiketler', 'etiket', 'labels'],
};

/** Which header each role reads (the first alias found, in alias order) and the headers no role reads. */
export function resolveColumns<R extends string>(headers: readonly string[], aliases: Readonly<Record<R, readonly string[]>>): { roles: Partial<Record<R, number>>; rest: number[] } {
  const keys = headers.map(headerKey);
  const roles: Partial<Record<R, number>> = {};
  const taken = new Set<number>();
  for (const role of Object.keys(aliases) as R[]) {
    for (const alias of aliases[role]) {
      const i = keys.findIndex((k, j) => k === alias && !taken.has(j));
      if (i >= 0) {
        roles[role] = i;
        taken.add(i);
        break;
      }
    }
  }
  return { roles, rest: headers.map((_, i) => i).filter((i) => !taken.has(i)) };
}

/** The cells a role resolution picks, by role. */
function pick<R extends string>(cells: readonly Cell[], roles: Partial<Record<R, number>>): Partial<Record<R, Cell>> {
  const out: Partial<Record<R, Cell>> = {};
  for (const [role, i] of Object.entries(roles) as Array<[R, number]>) out[role] = cells[i] ?? null;
  return out;
}

/** The rows of a table from position `skip` on (rows before it are read and dropped: the file is re-parsed, never held). */
async function* from(rows: AsyncIterable<TableRow>, skip: number): AsyncGenerator<TableRow> {
  for await (const r of rows) if (r.index >= skip) yield r;
}

/** Export Users rows, from data row `skip` on, columns sorted by meaning. */
export async function* exportUserRows(file: ExportFile, delimiter: string, skip = 0): AsyncGenerator<ExportUserRow & { index: number }> {
  const t = await openTable(file, delimiter);
  const { roles, rest } = resolveColumns(t.headers, USER_ALIASES);
  if (roles.extId === undefined && roles.email === undefined) {
    t.close();
    throw new ConfigError(`the Export Users file ${file.name} has neither an external id nor an email column (columns: ${t.headers.join(', ') || 'none'})`);
  }
  for await (const r of from(t.rows, skip)) {
    const extra: Record<string, Cell> = {};
    for (const i of rest) Object.defineProperty(extra, t.headers[i]!, { value: r.cells[i] ?? null, enumerable: true, writable: true, configurable: true });
    yield { file: file.name, line: r.line, index: r.index, roles: pick(r.cells, roles), extra, problems: r.problems };
  }
}

/** Data rows of a file (CSV: streamed and counted; XLSX: its sheet), for the population check. */
export async function countRows(file: ExportFile, delimiter: string): Promise<number> {
  let n = 0;
  for await (const _ of (await openTable(file, delimiter)).rows) n++;
  return n;
}

/** Event Data columns by meaning. */
const EVENT_ALIASES = {
  extId: EXT_ID,
  name: ['eventname', 'eventcode', 'event', 'name', 'code', 'olay', 'olayadi'],
  timestamp: TIMESTAMP,
  parameters: ['parameters', 'params', 'eventparameters', 'eventattributes', 'attributes', 'properties', 'parametreler'],
  deviceId: ['installationid', 'deviceid', 'installid'],
} as const;

/** An Event Data row read by meaning, with its position and shape problems. */
export type EventRow = ExportEvent & { index: number; problems: string[] };

/**
 * Event Data rows from data row `skip` on. Parameters come from a parameters column (JSON; other
 * text is kept as `{parameters: text}`) merged with every column no role reads, empty cells left out.
 */
export async function* eventRows(file: ExportFile, delimiter: string, skip = 0): AsyncGenerator<EventRow> {
  const t = await openTable(file, delimiter);
  const { roles, rest } = resolveColumns(t.headers, EVENT_ALIASES);
  for await (const r of from(t.rows, skip)) {
    const c = pick(r.cells, roles);
    const params: Record<string, unknown> = {};
    const text = c.parameters;
    if (typeof text === 'string' && text.trim() !== '') {
      try {
        const parsed: unknown = JSON.parse(text);
        if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) Object.assign(params, parsed);
        else params.parameters = parsed;
      } catch {
        params.parameters = text;
      }
    }
    for (const i of rest) if (r.cells[i] !== null && r.cells[i] !== undefined) Object.defineProperty(params, t.headers[i]!, { value: r.cells[i], enumerable: true, writable: true, configurable: true });
    yield {
      file: file.name, line: r.line, index: r.index, problems: r.problems,
      extId: c.extId === null || c.extId === undefined ? null : String(c.extId),
      name: c.name === null || c.name === undefined ? null : String(c.name),
      timestamp: c.timestamp ?? null,
      parameters: Object.keys(params).length > 0 ? params : null,
      deviceId: c.deviceId === null || c.deviceId === undefined ? null : String(c.deviceId),
    };
  }
}

/** Push Reports columns by meaning. */
const PUSH_ALIASES = {
  notificationKey: ['notificationkey', 'pushkey', 'messagekey', 'notificationid', 'pushid', 'messageid', 'msgid', 'campaignid', 'key'],
  extId: EXT_ID,
  status: ['status', 'pushstatus', 'result', 'action', 'eventtype', 'durum'],
  timestamp: ['timestamp', 'actiontime', 'actiondate', 'senddate', 'sentdate', 'sendtime', ...TIMESTAMP.slice(1)],
  platform: PLATFORM,
  installationId: ['installationid', 'deviceid', 'installid'],
  title: ['msgtitle', 'title', 'pushtitle', 'notificationtitle', 'messagetitle', 'campaignname', 'baslik'],
  text: ['msgtext', 'text', 'message', 'pushtext', 'messagetext', 'mesaj'],
} as const;

/** A Push Reports row in getPushResult's fields (for the same mapper), with where it is. */
export interface PushReportRow {
  file: string;
  line: number;
  index: number;
  problems: string[];
  notificationKey: string | null;
  /** One getPushResult-shaped row per kind the report row records (several in a wide report). */
  results: Array<Record<string, unknown>>;
}

/** Columns of a wide report (one row per recipient, a column per step) by the step they record. */
const WIDE_STEPS: ReadonlyArray<[string, RegExp]> = [
  ['DELIVERED', /deliver|success|^sent|gonderil|iletil/],
  ['SHOWN', /open|shown|read|goruntulen|acil/],
  ['CLICKED', /click|tikla/],
];

/**
 * Push Reports rows from data row `skip` on. A report with a status column gives one result per
 * row; a wide one (a delivered / opened / clicked column each, holding a time or a yes/no) gives
 * one per step that happened, at that column's time or the row's.
 */
export async function* pushReportRows(file: ExportFile, delimiter: string, skip = 0): AsyncGenerator<PushReportRow> {
  const t = await openTable(file, delimiter);
  const { roles, rest } = resolveColumns(t.headers, PUSH_ALIASES);
  const wide = roles.status === undefined ? WIDE_STEPS.map(([status, re]) => [status, rest.find((i) => re.test(headerKey(t.headers[i]!)))] as const).filter((x) => x[1] !== undefined) : [];
  for await (const r of from(t.rows, skip)) {
    const c = pick(r.cells, roles);
    const base = { extId: c.extId ?? null, platform: c.platform ?? null, installationId: c.installationId ?? null, msgTitle: c.title ?? null, msgText: c.text ?? null };
    const results: Array<Record<string, unknown>> = [];
    if (roles.status !== undefined) results.push({ ...base, status: c.status ?? null, timeStamp: c.timestamp ?? null });
    for (const [status, i] of wide) {
      const v = r.cells[i!] ?? null;
      const yes = flag(v);
      if (yes === false || v === null) continue;
      results.push({ ...base, status, timeStamp: yes === true ? (c.timestamp ?? null) : v });
    }
    yield { file: file.name, line: r.line, index: r.index, problems: r.problems, notificationKey: c.notificationKey === null || c.notificationKey === undefined ? null : String(c.notificationKey), results };
  }
}

/** Installation & Permission columns by meaning. */
const INSTALLATION_ALIASES = {
  installationId: ['installationid', 'installid', 'deviceid'],
  extId: EXT_ID,
  platform: [...PLATFORM, 'os'],
  token: ['devicetoken', 'token', 'pushtoken'],
  osVersion: ['osversion', 'osv'],
  appVersion: ['appversion', 'appv', 'applicationversion'],
  model: ['devicemodel', 'model', 'mdl'],
  pushPermitted: ['pushpermitted', 'pushpermission', 'pushenabled', 'pushpermit', 'permission', 'notificationpermission', 'pushizni'],
  lastSeen: ['lastactivity', 'lastactivitydate', 'lastseen', 'lastactivedate', 'lastsessiondate', 'lastsession', 'lastopen'],
  installDate: ['installdate', 'installationdate', 'firstseen', 'createdate'],
} as const;

/** An Installation & Permission row in getDeviceTokens' fields, with where it is. */
export interface InstallationRow {
  file: string;
  line: number;
  index: number;
  problems: string[];
  device: NmDevice;
}

/** Installation & Permission rows from data row `skip` on, as devices. */
export async function* installationRows(file: ExportFile, delimiter: string, skip = 0): AsyncGenerator<InstallationRow> {
  const t = await openTable(file, delimiter);
  const { roles } = resolveColumns(t.headers, INSTALLATION_ALIASES);
  for await (const r of from(t.rows, skip)) {
    const c = pick(r.cells, roles);
    const text = (v: Cell | undefined) => (v === null || v === undefined ? null : String(v));
    const device: NmDevice = {
      installationId: text(c.installationId), extId: text(c.extId), platform: text(c.platform), deviceToken: text(c.token),
      osVersion: text(c.osVersion), appVersion: text(c.appVersion), deviceModel: text(c.model), pushPermitted: flag(c.pushPermitted),
      ...(c.lastSeen !== undefined && c.lastSeen !== null ? { lastSeen: c.lastSeen } : {}),
      ...(c.installDate !== undefined && c.installDate !== null ? { installDate: c.installDate } : {}),
    };
    yield { file: file.name, line: r.line, index: r.index, problems: r.problems, device };
  }
}

/** Channels a Channel Permission file may name, by the words in a header or a `channel` value. */
const CHANNEL_WORDS: ReadonlyArray<[keyof ChannelPermissions, RegExp]> = [
  ['email', /email|eposta|mail/],
  ['sms', /sms/],
  ['whatsapp', /whatsapp/],
  ['iys', /iys/],
];

/**
 * Every user's channel permissions from the Channel Permission files (later files win), as
 * extId → permissions. Wide files (a column per channel holding yes/no) and long ones (a
 * `channel` column and a permission column) are both read. One small entry per user is kept in
 * memory (the contacts are enriched from it by key).
 */
export async function channelPermissions(files: readonly ExportFile[], delimiter: string): Promise<Map<string, ChannelPermissions>> {
  const out = new Map<string, ChannelPermissions>();
  for (const file of files) {
    const t = await openTable(file, delimiter);
    const keys = t.headers.map(headerKey);
    const ext = keys.findIndex((k) => EXT_ID.includes(k));
    if (ext < 0) {
      t.close();
      throw new ConfigError(`the Channel Permission file ${file.name} has no external id column (columns: ${t.headers.join(', ')})`);
    }
    const channelCol = keys.findIndex((k) => k === 'channel' || k === 'kanal');
    const valueCol = keys.findIndex((k, i) => i !== ext && i !== channelCol && /permission|permit|optin|status|consent|izin|value|onay/.test(k));
    const wide = CHANNEL_WORDS.map(([ch, re]) => [ch, keys.findIndex((k, i) => i !== ext && re.test(k))] as const).filter(([, i]) => i >= 0);
    for await (const r of t.rows) {
      const id = r.cells[ext];
      if (id === null || id === undefined || String(id).trim() === '') continue;
      const key = String(id).trim();
      const p = out.get(key) ?? { email: null, sms: null, whatsapp: null, iys: null };
      if (channelCol >= 0 && valueCol >= 0) {
        const name = headerKey(String(r.cells[channelCol] ?? ''));
        const ch = CHANNEL_WORDS.find(([, re]) => re.test(name))?.[0];
        const v = flag(r.cells[valueCol]);
        if (ch && v !== null) p[ch] = v;
      } else {
        for (const [ch, i] of wide) {
          const v = flag(r.cells[i]);
          if (v !== null) p[ch] = v;
        }
      }
      out.set(key, p);
    }
  }
  return out;
}
