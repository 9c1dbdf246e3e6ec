/**
 * Bulk data as files, the way Netmera delivers it [C: the notes' "bulk data otherwise arrives
 * as files"]: the panel's "Export Users" file (CSV and XLSX), the scheduled "Data Export" set
 * (Event Data, Push Reports, App Tracking, Installation & Permission, Channel Permission; CSV
 * with a chosen delimiter, or XLSX; named `appkey_TYPE_date`) and the customer-supplied
 * `netmera-definitions.json` (journeys, widgets, campaigns, segment rules). A folder stands in
 * for the FTP/SFTP drop.
 *
 * [A] throughout, since neither the notes nor the guide publish the columns: header names,
 * the TYPE spellings in file names (EVENT_DATA, PUSH_REPORTS, APP_TRACKING,
 * INSTALLATION_PERMISSION, CHANNEL_PERMISSION), the date in names (YYYYMMDD in the account's
 * zone), timestamps written as the account's local wall time with milliseconds
 * ("2024-12-13 14:36:00.123", zone Europe/Istanbul) unless `timestamps` says otherwise, DATE
 * attributes as the day the panel shows for them ("1989-12-11", in the same zone; epoch ms when
 * `timestamps` is 'epochMs'), booleans as true/false, arrays as Java's List.toString
 * ("[Elektronik, Moda]"), a UTF-8 BOM on CSVs (Excel users), event parameters as one JSON
 * column (dates inside as epoch ms).
 */
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import writeXlsxFile from 'write-excel-file/node';
import { createRng } from '../common/prng.js';
import { fmix32, intIn, pick } from '../generator/index-rng.js';
import { formatOffset, zoneOffsetMinutes } from '../generator/formats.js';
import type { NetmeraDataset, NetmeraDevice, NetmeraValue } from '../generator/netmera-types.js';

/** The Data Export types [C names]. */
export const DATA_EXPORT_TYPES = ['EVENT_DATA', 'PUSH_REPORTS', 'APP_TRACKING', 'INSTALLATION_PERMISSION', 'CHANNEL_PERMISSION'] as const;
/** One of DATA_EXPORT_TYPES. */
export type DataExportType = (typeof DATA_EXPORT_TYPES)[number];

/** How timestamps are written: local wall time of the account (default), epoch ms, or ISO 8601 with offset. */
export type TimestampStyle = 'local' | 'epochMs' | 'iso';

/** Options of `writeNetmeraFiles`. */
export interface NetmeraFileOptions {
  /** File name prefix (default: the dataset's appKey). */
  appKey?: string;
  /** The export date (epoch ms; default the dataset's now). */
  date?: number;
  /** Default 'local'. */
  timestamps?: TimestampStyle;
  /** Zone of 'local' timestamps and of the date in names (default: the dataset's zone). */
  timeZone?: string;
  /** UTF-8 byte order mark on CSVs (default true). */
  bom?: boolean;
  /** The panel's Export Users file; false leaves it out. */
  exportUsers?: false | {
    formats?: ('csv' | 'xlsx')[];
    /** Attribute codes to include (default: the usual standard ones and every custom one). */
    attributes?: string[];
    delimiter?: string;
    /** With several devices: the most recently active one (default) or all, newest first, joined by ", ". */
    devices?: 'latest' | 'all';
  };
  /** The scheduled Data Export set; false leaves it out. */
  dataExport?: false | {
    format?: 'csv' | 'xlsx';
    /** CSV delimiter (default ';'). */
    delimiter?: string;
    types?: DataExportType[];
    /** 'bulk' (default): one file per type, all history; 'daily': time series split by local day over the last `days` days. */
    period?: 'bulk' | 'daily';
    days?: number;
    /** Push Reports only see sends of the last N days (the guide's 7-day scan window); default: no window. */
    pushReportsScanDays?: number;
  };
  /** `netmera-definitions.json` (default true). */
  definitions?: boolean;
}

/** What was written (absolute paths). */
export interface NetmeraWrittenFiles {
  dir: string;
  exportUsers: string[];
  dataExport: Partial<Record<DataExportType, string[]>>;
  definitions: string | null;
  all: string[];
}

type Cell = string | number | boolean | null;
interface Table {
  header: string[];
  rows: () => Iterable<Cell[]>;
}

const DAY = 86_400_000;
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Wall-clock parts of `ms` in `tz`. */
function wall(ms: number, tz: string): { d: Date; off: number } {
  const off = zoneOffsetMinutes(tz, Math.floor(ms / 1000));
  return { d: new Date(ms + off * 60_000), off };
}

/** `YYYYMMDD` of `ms` in `tz`. */
export function fileDate(ms: number, tz: string): string {
  const { d } = wall(ms, tz);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
}

/** A timestamp written the chosen way. */
export function formatTimestamp(ms: number, style: TimestampStyle, tz: string): string | number {
  if (style === 'epochMs') return ms;
  const { d, off } = wall(ms, tz);
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
  return style === 'local' ? `${date} ${time}` : `${date}T${time}${formatOffset(off)}`;
}

function cellOf(v: NetmeraValue | undefined): Cell {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return `[${v.join(', ')}]`;
  return v;
}

function csvText(c: Cell): string {
  return c === null ? '' : typeof c === 'string' ? c : String(c);
}

async function writeCsv(path: string, t: Table, delimiter: string, bom: boolean): Promise<void> {
  const records = function* () {
    for (const row of t.rows()) yield row.map(csvText);
  };
  await pipeline(Readable.from(records()), stringify({ header: true, columns: t.header, delimiter, bom }), createWriteStream(path, { mode: 0o600 }));
}

async function writeXlsx(path: string, t: Table, sheet: string): Promise<void> {
  const data: Cell[][] = [t.header];
  for (const row of t.rows()) data.push(row);
  await writeXlsxFile(data, { sheet }).toFile(path);
  await chmod(path, 0o600);
}

const PLATFORM_OS: Record<string, string> = { IOS: 'iOS', ANDROID: 'Android' };
const osLabel = (d: NetmeraDevice) => (PLATFORM_OS[d.platform] ? `${PLATFORM_OS[d.platform]} ${d.osVersion}` : d.osVersion);

/** Attribute columns of Export Users by default: the usual standard ones, then every custom one. */
export function defaultExportAttributes(ds: NetmeraDataset): string[] {
  return ['name', 'surname', 'gender', 'dateOfBirth', 'country', 'city', 'language', ...ds.customAttributes.map((a) => a.code)];
}

/**
 * The Export Users table. `day` writes a DATE attribute: a date has no time of day, so the panel
 * shows (and exports) the day its stored instant falls on, not the wall time of that instant
 * (a birth date stored as midnight in Madrid is 01:00 in Istanbul: no reader could tell such a
 * cell from a DATETIME).
 */
function exportUsersTable(ds: NetmeraDataset, attributes: string[], devices: 'latest' | 'all', day: (ms: number) => Cell): Table {
  const dateCodes = new Set([...ds.standardAttributes, ...ds.customAttributes].filter((a) => a.dataType === 'DATE').map((a) => a.code));
  return {
    header: ['Email', 'External Id', 'MSISDN', ...attributes, 'Device Count', 'Device Type', 'OS', 'Model', 'Tags'],
    *rows() {
      for (const u of ds.users) {
        const installed = u.devices.filter((d) => !d.uninstalled);
        const shown = devices === 'latest' ? installed.slice(0, 1) : installed;
        const join = (f: (d: NetmeraDevice) => string) => (shown.length === 0 ? null : shown.map(f).join(', '));
        const attrs = attributes.map((code) => {
          const v = u.profile[code];
          return typeof v === 'number' && dateCodes.has(code) ? day(v) : cellOf(v);
        });
        yield [
          cellOf(u.profile.email), u.extId, cellOf(u.profile.msisdn), ...attrs, installed.length, join((d) => d.platform), join(osLabel), join((d) => d.deviceModel),
          u.tags.length === 0 ? null : u.tags.join(', '),
        ];
      }
    },
  };
}

const TRACKED_APPS: ReadonlyArray<[string, string]> = [
  ['com.trendyol.android', 'Trendyol'], ['com.hepsiburada.ecommerce', 'Hepsiburada'], ['com.amazon.mShop.android.shopping', 'Amazon Shopping'],
  ['com.getir', 'Getir'], ['com.yemeksepeti.android', 'Yemeksepeti'], ['com.n11.android', 'n11'],
];

/** App Tracking rows of one Android installation (the feature is Android-only [guide]). */
function trackedAppsOf(seed: number, d: NetmeraDevice, now: number): { pkg: string; name: string; installed: boolean; at: number }[] {
  const r = createRng(fmix32((seed ^ parseInt(d.installationId.slice(0, 8), 16)) >>> 0));
  const out: { pkg: string; name: string; installed: boolean; at: number }[] = [];
  for (let k = intIn(r, 0, 3); k > 0; k--) {
    const [pkg, name] = pick(r, TRACKED_APPS);
    if (out.some((x) => x.pkg === pkg)) continue;
    out.push({ pkg, name, installed: r() < 0.8, at: intIn(r, Math.max(d.installedAt, now - 30 * DAY), now - 1) });
  }
  return out;
}

function dataExportTable(ds: NetmeraDataset, type: DataExportType, ts: (ms: number) => Cell, keep: (ms: number) => boolean, scanFrom: number): Table {
  const eventNames = new Map(ds.eventDefinitions.map((e) => [e.code, e.name]));
  switch (type) {
    case 'EVENT_DATA':
      return {
        header: ['extId', 'installationId', 'platform', 'eventCode', 'eventName', 'timestamp', 'parameters'],
        *rows() {
          for (const e of ds.events) {
            if (!keep(e.timestamp)) continue;
            yield [e.extId, e.installationId, e.platform, e.code, eventNames.get(e.code) ?? null, ts(e.timestamp), JSON.stringify(e.parameters)];
          }
        },
      };
    case 'PUSH_REPORTS':
      return {
        header: ['notificationKey', 'title', 'channel', 'extId', 'installationId', 'platform', 'status', 'errorCode', 'errorMessage', 'timestamp', 'msgTitle', 'msgText'],
        *rows() {
          for (const c of ds.campaigns) {
            if (c.startDate < scanFrom) continue;
            for (const x of ds.pushResults[c.notificationKey] ?? []) {
              if (!keep(x.timeStamp)) continue;
              yield [c.notificationKey, c.title, c.channel, x.extId, x.installationId, x.platform, x.status, x.errorCode, x.errorMsg, ts(x.timeStamp), x.msgTitle, x.msgText];
            }
          }
        },
      };
    case 'APP_TRACKING':
      return {
        header: ['installationId', 'extId', 'platform', 'packageName', 'appName', 'installed', 'checkDate'],
        *rows() {
          for (const u of ds.users) for (const d of u.devices) {
            if (d.platform !== 'ANDROID' || d.uninstalled) continue;
            for (const a of trackedAppsOf(ds.seed, d, ds.now)) if (keep(a.at)) yield [d.installationId, u.extId, d.platform, a.pkg, a.name, a.installed, ts(a.at)];
          }
        },
      };
    case 'INSTALLATION_PERMISSION':
      return {
        header: [
          'installationId', 'extId', 'platform', 'deviceModel', 'manufacturer', 'osVersion', 'appVersion', 'language', 'operator', 'region', 'timeZone',
          'pushPermitted', 'pushToken', 'installDate', 'lastActiveDate', 'uninstalled',
        ],
        *rows() {
          for (const u of ds.users) for (const d of u.devices) {
            yield [
              d.installationId, u.extId, d.platform, d.deviceModel, d.manufacturer, d.osVersion, d.appVersion, d.language, d.operator, d.region, d.timeZone,
              d.pushPermitted, d.token, ts(d.installedAt), ts(d.lastActiveAt), d.uninstalled,
            ];
          }
        },
      };
    case 'CHANNEL_PERMISSION':
      return {
        header: ['extId', 'email', 'msisdn', 'emailPermission', 'smsPermission', 'whatsappPermission', 'iysEmail', 'iysSms', 'iysCall', 'iysSource', 'iysConsentDate', 'updateDate'],
        *rows() {
          for (const u of ds.users) {
            const c = u.channelPermission;
            yield [
              u.extId, cellOf(u.profile.email), cellOf(u.profile.msisdn), c.email, c.sms, c.whatsapp, c.iys?.email ?? null, c.iys?.sms ?? null, c.iys?.call ?? null,
              c.iys?.source ?? null, c.iys ? ts(c.iys.consentAt) : null, ts(c.updatedAt),
            ];
          }
        },
      };
  }
}

/** ISO 8601 with the zone's offset (how a person writes a schedule into a definition file). */
function isoIn(ms: number | null, tz: string): string | null {
  return ms === null ? null : (formatTimestamp(ms, 'iso', tz) as string).replace(/\.\d{3}/, '');
}

/** The customer-supplied definition file's content (journeys, widgets, campaigns, segment rules). */
export function definitionsOf(ds: NetmeraDataset): Record<string, unknown> {
  return {
    source: 'netmera',
    appKey: ds.appKey,
    timeZone: ds.timeZone,
    exportedAt: isoIn(ds.now, ds.timeZone),
    limits: { widgetFileSizeBytes: ds.widgetFileSizeLimitBytes },
    segments: ds.segments.map((s) => ({ id: s.id, name: s.name, type: s.type, status: s.status, rules: s.rules })),
    highValueEvents: ds.eventDefinitions.filter((e) => e.highValue).map((e) => e.code),
    journeys: ds.journeys,
    widgets: ds.widgets,
    campaigns: ds.campaigns.map((c) => ({
      notificationKey: c.notificationKey, title: c.title, channel: c.channel, platforms: c.platforms, content: c.content, creatives: c.creatives, labels: c.labels,
      schedule: { ...c.schedule, startAt: isoIn(c.schedule.startAt, c.schedule.timeZone), endAt: isoIn(c.schedule.endAt, c.schedule.timeZone) },
      segmentIds: c.segmentIds, conversionEvent: c.conversionEvent,
    })),
  };
}

/** Local midnight (epoch ms) of the day holding `ms` in `tz`. */
function dayStart(ms: number, tz: string): number {
  const { d, off } = wall(ms, tz);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - off * 60_000;
}

/** Write the export files and the definition file into `dir` (created if missing; files are owner-only). */
export async function writeNetmeraFiles(ds: NetmeraDataset, dir: string, o: NetmeraFileOptions = {}): Promise<NetmeraWrittenFiles> {
  await mkdir(dir, { recursive: true });
  const tz = o.timeZone ?? ds.timeZone;
  const appKey = o.appKey ?? ds.appKey;
  const date = o.date ?? ds.now;
  const style = o.timestamps ?? 'local';
  const ts = (ms: number) => formatTimestamp(ms, style, tz);
  const bom = o.bom ?? true;
  const out: NetmeraWrittenFiles = { dir, exportUsers: [], dataExport: {}, definitions: null, all: [] };
  const stamp = fileDate(date, tz);

  if (o.exportUsers !== false) {
    const eu = o.exportUsers ?? {};
    const day = (ms: number) => (style === 'epochMs' ? ms : String(formatTimestamp(ms, 'iso', tz)).slice(0, 10));
    const table = exportUsersTable(ds, eu.attributes ?? defaultExportAttributes(ds), eu.devices ?? 'latest', day);
    for (const fmt of eu.formats ?? ['csv', 'xlsx']) {
      const path = join(dir, `${appKey}_EXPORT_USERS_${stamp}.${fmt}`);
      if (fmt === 'csv') await writeCsv(path, table, eu.delimiter ?? ',', bom);
      else await writeXlsx(path, table, 'Users');
      out.exportUsers.push(path);
    }
  }

  if (o.dataExport !== false) {
    const de = o.dataExport ?? {};
    const fmt = de.format ?? 'csv';
    const scanFrom = de.pushReportsScanDays === undefined ? Number.NEGATIVE_INFINITY : date - de.pushReportsScanDays * DAY;
    for (const type of de.types ?? DATA_EXPORT_TYPES) {
      const timeSeries = type === 'EVENT_DATA' || type === 'PUSH_REPORTS' || type === 'APP_TRACKING';
      const slices: { name: string; keep: (ms: number) => boolean }[] = [];
      if ((de.period ?? 'bulk') === 'daily' && timeSeries) {
        const today = dayStart(date, tz);
        for (let k = de.days ?? 7; k >= 1; k--) {
          const from = dayStart(today - k * DAY + DAY / 2, tz);
          const to = dayStart(from + DAY + DAY / 2, tz);
          slices.push({ name: fileDate(from, tz), keep: (ms) => ms >= from && ms < to });
        }
      } else {
        slices.push({ name: stamp, keep: () => true });
      }
      for (const s of slices) {
        const path = join(dir, `${appKey}_${type}_${s.name}.${fmt}`);
        const table = dataExportTable(ds, type, ts, s.keep, scanFrom);
        if (fmt === 'csv') await writeCsv(path, table, de.delimiter ?? ';', bom);
        else await writeXlsx(path, table, type);
        (out.dataExport[type] ??= []).push(path);
      }
    }
  }

  if (o.definitions !== false) {
    const path = join(dir, 'netmera-definitions.json');
    await writeFile(path, `${JSON.stringify(definitionsOf(ds), null, 2)}\n`, { mode: 0o600 });
    out.definitions = path;
  }
  out.all = [...out.exportUsers, ...Object.values(out.dataExport).flat(), ...(out.definitions ? [out.definitions] : [])];
  return out;
}
