import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { readSheet } from 'read-excel-file/node';
import { afterAll, describe, expect, it } from 'vitest';
import {
  MESS_RATES, NETMERA_DEFAULT_NOW, NETMERA_SEGMENT_ID, NETMERA_TYPICAL_SELECTION, baseMember, createNetmeraGenerator, generateNetmeraDataset,
  netmeraDatasetSummary, netmeraStatsOf, segmentMembersAt, type NetmeraDataset, type NetmeraUser,
} from '../../simulators/generator/index.js';
import { DATA_EXPORT_TYPES, fileDate, writeNetmeraFiles } from '../../simulators/netmera/index.js';

const ds = generateNetmeraDataset({ seed: 11 });
const byKey = new Map(ds.users.map((u) => [u.key, u]));
const user = (key: string): NetmeraUser => byKey.get(key)!;
const VALID_EMAIL = /^[^\s@]+@[^\s@.,][^\s@,]*\.[^\s@,]+$/;
const dateIn = (ms: number, tz: string) => new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(ms));

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'nm-files-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('generateNetmeraDataset: determinism and size', () => {
  it('is byte-identical for the same input, events and results included', () => {
    const a = generateNetmeraDataset({ users: 300, seed: 3, now: 1_700_000_000_000 });
    const b = generateNetmeraDataset({ users: 300, seed: 3, now: 1_700_000_000_000 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a.events.length).toBeGreaterThan(0);
    expect(a.truth.counts.pushResults).toBeGreaterThan(0);
  });

  it('differs for another seed and another now; seconds are read as seconds', () => {
    const a = JSON.stringify(generateNetmeraDataset({ users: 100, seed: 3 }).users);
    expect(JSON.stringify(generateNetmeraDataset({ users: 100, seed: 4 }).users)).not.toBe(a);
    expect(JSON.stringify(generateNetmeraDataset({ users: 100, seed: 3, now: NETMERA_DEFAULT_NOW + 86_400_000 }).users)).not.toBe(a);
    expect(generateNetmeraDataset({ users: 10, seed: 3, now: NETMERA_DEFAULT_NOW / 1000 }).now).toBe(NETMERA_DEFAULT_NOW);
  });

  it('defaults to 2,000 users and a fixed now; userAt(i) equals the materialised user', () => {
    expect(ds.users).toHaveLength(2000);
    expect(ds.now).toBe(NETMERA_DEFAULT_NOW);
    const gen = createNetmeraGenerator({ seed: 11 });
    for (const i of [0, 1, 777, 1999]) expect(gen.userAt(i)).toEqual(ds.users[i]);
    expect(() => gen.userAt(2000)).toThrow(RangeError);
    expect(ds.users.reduce((s, u) => s + gen.eventsOf(u).length, 0)).toBe(ds.events.length);
  });

  it('changing the event volume changes only the events', () => {
    const a = generateNetmeraDataset({ users: 200, seed: 9, eventsPerUser: 6 });
    const b = generateNetmeraDataset({ users: 200, seed: 9, eventsPerUser: 2 });
    expect(b.users).toEqual(a.users);
    expect(b.pushResults).toEqual(a.pushResults);
    expect(b.events.length).toBeLessThan(a.events.length);
  });

  it('stays memory-sane and proportional at 20,000 users', () => {
    const before = process.memoryUsage().heapUsed;
    const big = generateNetmeraDataset({ users: 20_000, seed: 11 });
    const grownMb = (process.memoryUsage().heapUsed - before) / 1e6;
    expect(big.users).toHaveLength(20_000);
    expect(grownMb).toBeLessThan(700);
    const s = netmeraDatasetSummary(big);
    expect(s.missingEmail).toBe(Math.round(20_000 * MESS_RATES.missingEmail));
    expect(s.turkishUsers! / s.users!).toBeGreaterThan(0.45);
    expect(s.pushResults! / s.users!).toBeLessThan(15);
  }, 60_000);
});

describe('users: identity and the planted mess', () => {
  it('has unique extIds in several shapes (digits, uuid, email with "+"), and exactly the anonymous ones null', () => {
    const ids = ds.users.map((u) => u.extId).filter((x): x is string => x !== null);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.some((x) => /^\d{7}$/.test(x))).toBe(true);
    expect(ids.some((x) => /^[0-9a-f]{8}-[0-9a-f]{4}-4/.test(x))).toBe(true);
    expect(ds.truth.emailLikeExtIds.length).toBeGreaterThan(0);
    for (const k of ds.truth.emailLikeExtIds) expect(user(k).extId).toContain('@');
    expect(ds.users.filter((u) => u.extId === null).map((u) => u.key)).toEqual(ds.truth.anonymous);
    expect(ds.truth.anonymous.length).toBe(Math.round(2000 * MESS_RATES.missingUserId));
    const big = generateNetmeraDataset({ users: 6000, seed: 2 });
    expect(big.truth.emailLikeExtIds.some((k) => k.includes('+'))).toBe(true);
  });

  it('records missing, malformed and duplicate emails exactly', () => {
    const t = ds.truth;
    expect(t.missingEmail).toHaveLength(Math.round(2000 * MESS_RATES.missingEmail));
    expect(t.invalidEmail).toHaveLength(Math.round(2000 * MESS_RATES.invalidEmail));
    for (const k of t.missingEmail) {
      const e = user(k).profile.email;
      expect(e === undefined || (typeof e === 'string' && e.trim() === '')).toBe(true);
    }
    for (const k of t.invalidEmail) expect(VALID_EMAIL.test(String(user(k).profile.email))).toBe(false);
    const bad = new Set([...t.missingEmail, ...t.invalidEmail]);
    for (const u of ds.users) if (!bad.has(u.key)) expect(VALID_EMAIL.test(String(u.profile.email)), u.key).toBe(true);
    expect(t.duplicateGroups.length).toBeGreaterThan(20);
    const kinds = new Set(t.duplicateGroups.map((g) => g.kind));
    expect(kinds.has('exact') && kinds.has('case')).toBe(true);
    for (const g of t.duplicateGroups) {
      for (const k of g.keys) expect(String(user(k).profile.email).trim().toLowerCase()).toBe(g.emailKey);
      expect(new Set(g.keys.map((k) => user(k).extId)).size).toBe(g.keys.length);
    }
    const clean = ds.users.filter((u) => !bad.has(u.key)).map((u) => String(u.profile.email).toLowerCase());
    const dupes = t.duplicateGroups.reduce((s, g) => s + g.keys.length - 1, 0);
    expect(new Set(clean).size).toBe(clean.length - dupes);
  });

  it('writes phones without "+" (905312345678), and records junk, national and "+" ones', () => {
    const t = ds.truth;
    const odd = new Set([...t.junkPhones, ...t.nationalPhones, ...t.plusPhones]);
    let turkish = 0;
    for (const u of ds.users) {
      const m = u.profile.msisdn;
      if (typeof m !== 'string' || odd.has(u.key)) continue;
      expect(m).toMatch(/^\d{10,13}$/);
      expect(parsePhoneNumberFromString(`+${m}`)?.isValid(), `${u.key} ${m}`).toBe(true);
      if (u.traits.countryIso === 'TR') {
        expect(m).toMatch(/^905[34]\d{8}$/);
        turkish++;
      }
    }
    expect(turkish).toBeGreaterThan(500);
    for (const k of t.junkPhones) expect(parsePhoneNumberFromString(String(user(k).profile.msisdn), 'TR')?.isValid() ?? false).toBe(false);
    for (const k of t.nationalPhones) {
      const u = user(k);
      expect(parsePhoneNumberFromString(String(u.profile.msisdn), u.traits.countryIso as 'TR')?.isValid(), String(u.profile.msisdn)).toBe(true);
    }
    for (const k of t.plusPhones) expect(String(user(k).profile.msisdn)).toMatch(/^\+\d+$/);
    for (const k of t.phoneOnlyInCepTelefonu) {
      expect(user(k).profile.msisdn).toBeUndefined();
      expect(user(k).profile.cep_telefonu).toBeTypeOf('string');
    }
  });

  it('stores dates as epoch ms at local midnight: right in the account zone, a day early in UTC for Turkish users', () => {
    const entries = Object.entries(ds.truth.birthDates);
    expect(entries.length).toBeGreaterThan(1000);
    let utcWrong = 0;
    for (const [k, date] of entries) {
      const u = user(k);
      const ms = u.profile.dateOfBirth as number;
      expect(dateIn(ms, u.traits.timeZone)).toBe(date);
      expect(dateIn(ms, ds.timeZone)).toBe(date);
      if (new Date(ms).toISOString().slice(0, 10) !== date) utcWrong++;
    }
    expect(utcWrong).toBeGreaterThan(entries.length / 3);
    const withDogum = ds.users.filter((u) => u.profile.dogum_tarihi !== undefined);
    expect(withDogum.length).toBeGreaterThan(300);
    for (const u of withDogum) expect(dateIn(u.profile.dogum_tarihi as number, 'Europe/Istanbul')).toBe(u.traits.dogumTarihi);
  });

  it('mixes Turkish and English users, attributes and values', () => {
    const tr = ds.users.filter((u) => u.traits.countryIso === 'TR');
    expect(tr.map((u) => u.key)).toEqual(ds.truth.turkishUsers);
    expect(tr.length / ds.users.length).toBeGreaterThan(0.45);
    expect(tr.filter((u) => u.profile.sehir !== undefined).length).toBeGreaterThan(tr.length / 2);
    expect(tr.some((u) => u.profile.city === 'Istanbul') && tr.some((u) => u.profile.sehir === 'İstanbul')).toBe(true);
    expect(ds.users.some((u) => u.categoryPreferences['Haftalık Bülten'] === true)).toBe(true);
    expect(ds.users.some((u) => Object.keys(u.categoryPreferences).length === 0)).toBe(true);
    expect(ds.users.some((u) => u.traits.countryIso === 'GB' && u.profile.loyaltyTier !== undefined)).toBe(true);
    expect(ds.customAttributes.map((a) => a.code)).toEqual(expect.arrayContaining(['dogum_tarihi', 'cep_telefonu', 'sehir', 'isSubscribed']));
    const codes = new Set([...ds.standardAttributes, ...ds.customAttributes].map((a) => a.code));
    for (const u of ds.users) for (const k of Object.keys(u.profile)) expect(codes.has(k) || k === 'age', k).toBe(true);
    expect(ds.truth.freeTextCountry.length).toBeGreaterThan(100);
    expect(ds.truth.euUsers.every((k) => ['IE', 'DE', 'ES', 'PL'].includes(user(k).traits.countryIso))).toBe(true);
    expect(tr.filter((u) => u.channelPermission.iys !== null).length).toBeGreaterThan(tr.length / 2);
    expect(ds.users.filter((u) => u.traits.countryIso !== 'TR').every((u) => u.channelPermission.iys === null)).toBe(true);
  });

  it('gives users none, one or several installations, with metadata and a consistent device truth', () => {
    const t = ds.truth;
    expect(t.noDevices.length).toBeGreaterThan(100);
    expect(t.multiDevice.length).toBeGreaterThan(300);
    expect(t.noAppDevice.length).toBeGreaterThan(0);
    const ids = ds.users.flatMap((u) => u.devices.map((d) => d.installationId));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(t.counts.devices);
    for (const u of ds.users) {
      for (let k = 1; k < u.devices.length; k++) expect(u.devices[k - 1]!.lastActiveAt).toBeGreaterThanOrEqual(u.devices[k]!.lastActiveAt);
      for (const d of u.devices) expect(d.installationId).toMatch(/^[0-9a-f]{24}$/);
    }
    for (const k of ds.truth.anonymous) expect(user(k).devices.length).toBeGreaterThan(0);
    const all = ds.users.flatMap((u) => u.devices);
    expect(new Set(all.map((d) => d.platform))).toEqual(new Set(['IOS', 'ANDROID', 'CHROME', 'SAFARI', 'FIREFOX']));
    expect(all.some((d) => d.uninstalled) && all.some((d) => d.token === null) && all.some((d) => !d.pushPermitted)).toBe(true);
  });

  it('tags: usage and tagless users match the users', () => {
    const usage: Record<string, number> = {};
    for (const u of ds.users) for (const t of u.tags) usage[t] = (usage[t] ?? 0) + 1;
    expect(ds.truth.tagUsage).toEqual(usage);
    expect(ds.truth.tagless).toEqual(ds.users.filter((u) => u.tags.length === 0).map((u) => u.key));
    expect(ds.truth.tagless.length).toBeGreaterThan(400);
  });
});

describe('segments, campaigns, journeys, widgets', () => {
  it('segment truth equals the rules, and a typical selection leaves users out', () => {
    for (const s of ds.segments) expect(ds.truth.segmentMembers[String(s.id)]).toEqual(ds.users.filter((u) => baseMember(s.id, u, ds.now)).map((u) => u.key));
    expect(ds.truth.typicalSelection).toEqual([...NETMERA_TYPICAL_SELECTION]);
    const chosen = new Set(NETMERA_TYPICAL_SELECTION.flatMap((id) => ds.truth.segmentMembers[String(id)]!));
    expect(ds.truth.notInTypicalSelection).toEqual(ds.users.filter((u) => !chosen.has(u.key)).map((u) => u.key));
    expect(ds.truth.notInTypicalSelection.length).toBeGreaterThan(100);
    const multi = ds.users.filter((u) => NETMERA_TYPICAL_SELECTION.filter((id) => baseMember(id, u, ds.now)).length >= 2);
    expect(multi.length).toBeGreaterThan(200);
  });

  it('drifting segments change a little at each recalculation, the others never', () => {
    for (const s of ds.segments) {
      const e0 = segmentMembersAt(ds, s, { epoch: 0 }).map((u) => u.key);
      const e1 = segmentMembersAt(ds, s, { epoch: 1 }).map((u) => u.key);
      if (!s.drifts) {
        expect(e1, s.name).toEqual(e0);
        continue;
      }
      const a = new Set(e0);
      const b = new Set(e1);
      const joined = e1.filter((k) => !a.has(k)).length;
      const left = e0.filter((k) => !b.has(k)).length;
      expect(joined, s.name).toBeGreaterThan(0);
      expect(joined + left, s.name).toBeLessThan(ds.users.length * 0.06);
      expect(segmentMembersAt(ds, s, { epoch: 1 }).map((u) => u.key)).toEqual(e1);
    }
    const active = ds.segments.find((s) => s.id === NETMERA_SEGMENT_ID.active30)!;
    expect(segmentMembersAt(ds, active, { epoch: 2 })).not.toEqual(segmentMembersAt(ds, active, { epoch: 1 }));
  });

  it('campaign statistics are the sums of the per-recipient rows', () => {
    expect(new Set(ds.campaigns.map((c) => c.channel))).toEqual(new Set(['PUSH', 'IN_APP', 'SMS', 'EMAIL']));
    for (const c of ds.campaigns) {
      const rows = ds.pushResults[c.notificationKey]!;
      const stats = netmeraStatsOf(rows);
      const total = ds.truth.campaignTotals[c.notificationKey]!;
      expect(total.sent).toBe(stats.reduce((s, x) => s + x.sent, 0));
      expect(total.sent + total.failed).toBe(rows.filter((r) => r.status === 'SUCCESS' || r.status === 'FAILED').length);
      expect(total.recipients).toBe(total.sent + total.failed);
      for (let k = 1; k < rows.length; k++) expect(rows[k]!.timeStamp).toBeGreaterThanOrEqual(rows[k - 1]!.timeStamp);
      for (const r of rows) {
        expect(r.timeStamp).toBeGreaterThanOrEqual(c.startDate);
        expect(r.timeStamp).toBeLessThan(ds.now);
        expect(c.platforms).toContain(r.platform);
      }
      const members = new Set(c.segmentIds.flatMap((id) => ds.truth.segmentMembers[String(id)]!));
      for (const r of rows) if (r.extId !== null) expect(members.has(r.extId)).toBe(true);
      expect(c.title && c.content.text && c.schedule.timeZone).toBeTruthy();
    }
    const failedAt = (channel: string) => ds.campaigns.filter((c) => c.channel === channel).flatMap((c) => ds.pushResults[c.notificationKey]!.filter((r) => r.status === 'FAILED'));
    expect(failedAt('EMAIL').every((r) => r.errorCode === 'INVALID_EMAIL')).toBe(true);
    expect(failedAt('EMAIL').length).toBeGreaterThan(0);
    expect(failedAt('SMS').every((r) => ds.truth.junkPhones.includes(r.extId!))).toBe(true);
    expect(ds.campaigns.filter((c) => c.status === 'SENDING')).toHaveLength(1);
    expect(ds.campaigns.some((c) => c.creatives.length > 0 && c.labels.length > 0)).toBe(true);
  });

  it('journeys and widgets carry what the inventory needs; two widgets are over the limit', () => {
    for (const j of ds.journeys) {
      expect(j.entryConditions.length).toBeGreaterThan(0);
      expect(j.steps.length).toBeGreaterThan(0);
      expect(j.conversionEvents.length).toBeGreaterThan(0);
      expect(j.conversionCounting).toBe('ONE_PER_USER');
    }
    expect(ds.truth.oversizeWidgets).toEqual(ds.widgets.filter((w) => w.fileSizeBytes > ds.widgetFileSizeLimitBytes).map((w) => w.id));
    expect(ds.truth.oversizeWidgets).toHaveLength(2);
  });

  it('events carry parameters of every defined type and fall inside the history', () => {
    const codes = new Set(ds.eventDefinitions.map((e) => e.code));
    for (const e of ds.events) {
      expect(codes.has(e.code)).toBe(true);
      expect(e.timestamp).toBeLessThan(ds.now);
    }
    const purchase = ds.events.find((e) => e.code === 'satin_alma')!;
    expect(Object.keys(purchase.parameters)).toEqual(expect.arrayContaining(['tutar', 'teslimat_tarihi', 'urunler']));
    expect(ds.events.some((e) => e.installationId === null)).toBe(true);
    expect(ds.events.length).toBe(ds.truth.counts.events);
  });
});

describe('writeNetmeraFiles', () => {
  const csv = (path: string, delimiter: string) => parse(readFileSync(path), { bom: true, delimiter, columns: true }) as Record<string, string>[];

  it('writes Export Users (CSV and XLSX) and the Data Export set named appkey_TYPE_date, all parseable', async () => {
    const dir = tmp();
    const out = await writeNetmeraFiles(ds, dir, { dataExport: { delimiter: ';' } });
    const stamp = fileDate(ds.now, ds.timeZone);
    expect(stamp).toBe('20250101');
    expect(out.all.map((p) => p.slice(dir.length + 1)).sort()).toEqual([
      ...DATA_EXPORT_TYPES.map((t) => `${ds.appKey}_${t}_${stamp}.csv`), `${ds.appKey}_EXPORT_USERS_${stamp}.csv`, `${ds.appKey}_EXPORT_USERS_${stamp}.xlsx`, 'netmera-definitions.json',
    ].sort());
    for (const p of out.all) expect(statSync(p).mode & 0o077).toBe(0);

    const users = csv(out.exportUsers[0]!, ',');
    expect(readFileSync(out.exportUsers[0]!).subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(users).toHaveLength(ds.users.length);
    expect(Object.keys(users[0]!).slice(0, 3)).toEqual(['Email', 'External Id', 'MSISDN']);
    expect(Object.keys(users[0]!)).toEqual(expect.arrayContaining(['dogum_tarihi', 'sehir', 'Device Count', 'Device Type', 'OS', 'Model', 'Tags']));
    users.forEach((row, i) => {
      const u = ds.users[i]!;
      expect(row['External Id']).toBe(u.extId ?? '');
      expect(row.MSISDN).toBe(u.profile.msisdn === undefined ? '' : String(u.profile.msisdn));
      expect(Number(row['Device Count'])).toBe(u.devices.filter((d) => !d.uninstalled).length);
      expect(row.Tags).toBe(u.tags.join(', '));
    });
    const sheet = await readSheet(out.exportUsers[1]!);
    expect(sheet).toHaveLength(ds.users.length + 1);
    expect(sheet[0]!.slice(0, 3)).toEqual(['Email', 'External Id', 'MSISDN']);

    const dx = (t: string) => csv(out.dataExport[t as (typeof DATA_EXPORT_TYPES)[number]]![0]!, ';');
    expect(dx('EVENT_DATA')).toHaveLength(ds.events.length);
    expect(JSON.parse(dx('EVENT_DATA')[0]!.parameters!)).toEqual(ds.events[0]!.parameters);
    expect(dx('PUSH_REPORTS')).toHaveLength(ds.truth.counts.pushResults);
    expect(dx('INSTALLATION_PERMISSION')).toHaveLength(ds.truth.counts.devices);
    expect(dx('CHANNEL_PERMISSION')).toHaveLength(ds.users.length);
    const tracking = dx('APP_TRACKING');
    expect(tracking.length).toBeGreaterThan(0);
    expect(tracking.every((r) => r.platform === 'ANDROID')).toBe(true);

    const defs = JSON.parse(readFileSync(out.definitions!, 'utf8')) as Record<'journeys' | 'widgets' | 'campaigns', unknown[]>;
    expect(defs.journeys).toHaveLength(ds.journeys.length);
    expect(defs.widgets).toHaveLength(ds.widgets.length);
    expect(defs.campaigns).toHaveLength(ds.campaigns.length);
    const first = defs.campaigns[0] as unknown as { schedule: { startAt: string }; creatives: unknown[]; labels: string[] };
    expect(first.schedule.startAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+03:00$/);
    expect(Date.parse(first.schedule.startAt)).toBe(Math.floor(ds.campaigns[0]!.schedule.startAt / 1000) * 1000);
  });

  it('writes timestamps that read back to the exact instant in every style', async () => {
    const e = ds.events[5]!;
    for (const style of ['local', 'epochMs', 'iso'] as const) {
      const dir = tmp();
      const out = await writeNetmeraFiles(ds, dir, { timestamps: style, exportUsers: false, definitions: false, dataExport: { types: ['EVENT_DATA'], delimiter: '\t' } });
      const row = csv(out.dataExport.EVENT_DATA![0]!, '\t')[5]!;
      const back = style === 'epochMs' ? Number(row.timestamp) : style === 'iso' ? Date.parse(row.timestamp!) : Date.parse(`${row.timestamp!.replace(' ', 'T')}+03:00`);
      expect(back, style).toBe(e.timestamp);
    }
  });

  it('splits time series by day, honours the push-report scan window, and writes XLSX data exports', async () => {
    const dir = tmp();
    const out = await writeNetmeraFiles(ds, dir, { exportUsers: false, definitions: false, dataExport: { period: 'daily', days: 3, types: ['EVENT_DATA', 'CHANNEL_PERMISSION'] } });
    expect(out.dataExport.EVENT_DATA!.map((p) => p.slice(-12))).toEqual(['20241229.csv', '20241230.csv', '20241231.csv']);
    expect(out.dataExport.CHANNEL_PERMISSION).toHaveLength(1);
    const from = Date.parse('2024-12-29T00:00:00+03:00');
    // The export date's own day is not over yet: daily files stop at its local midnight.
    const to = Date.parse('2025-01-01T00:00:00+03:00');
    const inWindow = ds.events.filter((e) => e.timestamp >= from && e.timestamp < to).length;
    expect(out.dataExport.EVENT_DATA!.reduce((s, p) => s + csv(p, ';').length, 0)).toBe(inWindow);

    const scan = await writeNetmeraFiles(ds, tmp(), { exportUsers: false, definitions: false, dataExport: { types: ['PUSH_REPORTS'], pushReportsScanDays: 7, format: 'xlsx' } });
    const rows = await readSheet(scan.dataExport.PUSH_REPORTS![0]!);
    const recent = ds.campaigns.filter((c) => c.startDate >= ds.now - 7 * 86_400_000);
    expect(recent.length).toBeGreaterThan(0);
    expect(rows.length - 1).toBe(recent.reduce((s, c) => s + ds.pushResults[c.notificationKey]!.length, 0));
    expect(readdirSync(scan.dir)).toEqual([`${ds.appKey}_PUSH_REPORTS_20250101.xlsx`]);
  });

  it('writes all devices of a user when asked, newest first', async () => {
    const dir = tmp();
    const out = await writeNetmeraFiles(ds as NetmeraDataset, dir, { dataExport: false, definitions: false, exportUsers: { formats: ['csv'], devices: 'all', delimiter: ';', attributes: ['name'] } });
    const rows = csv(out.exportUsers[0]!, ';');
    expect(Object.keys(rows[0]!)).toEqual(['Email', 'External Id', 'MSISDN', 'name', 'Device Count', 'Device Type', 'OS', 'Model', 'Tags']);
    const i = ds.users.findIndex((u) => u.devices.filter((d) => !d.uninstalled).length >= 2);
    const installed = ds.users[i]!.devices.filter((d) => !d.uninstalled);
    expect(rows[i]!['Device Type']).toBe(installed.map((d) => d.platform).join(', '));
    expect(rows[i]!.Model).toBe(installed.map((d) => d.deviceModel).join(', '));
  });
});
