/**
 * Netmera's files: the panel's Export Users file and the Data Export files (`appkey_TYPE_date`,
 * CSV with the panel's delimiter or XLSX) are found by name, read by column meaning, streamed
 * page by page with file/row checkpoints (a resumed read repeats and loses nothing), and a
 * malformed row never stops a file. Fixtures: tests/fixtures/netmera/ (CSV, written by hand) and
 * XLSX written by the test with write-excel-file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import writeXlsxFile from 'write-excel-file/node';
import { ConfigError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { allPages as all, readResumingAfterEveryPage } from '../fixtures/netmera/pages.js';
import {
  NetmeraConfig, NetmeraStreams, channelPermissions, exportKindOf, exportUserRows, headerKey, listExportFiles, openTable, sniffDelimiter, type NetmeraClient,
  type NetmeraProblem,
} from '../../src/connectors/netmera/index.js';
import { CanonicalContact, CanonicalDevice, CanonicalEvent, CanonicalInteraction } from '../../src/core/model.js';

const FIXTURES = new URL('../fixtures/netmera/', import.meta.url).pathname;

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'netmera-files-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A client that must not be called (file streams read no API), except for push stats when a report row has no title. */
function stubClient(pushStats: unknown[] = []): NetmeraClient & { calls: string[] } {
  const calls: string[] = [];
  const refuse = (name: string) => () => {
    calls.push(name);
    throw new Error(`the file path called the API (${name})`);
  };
  return {
    calls,
    display: 'http://stub',
    pushStatsBetween: async () => {
      calls.push('pushStatsBetween');
      return pushStats;
    },
    profileAttributeDefs: refuse('profileAttributeDefs'),
    segments: refuse('segments'),
  } as unknown as NetmeraClient & { calls: string[] };
}

function streamsOn(folder: string, extra: Record<string, unknown> = {}, client = stubClient()) {
  const problems: NetmeraProblem[] = [];
  const cfg = NetmeraConfig.parse({
    type: 'netmera', baseUrl: 'http://127.0.0.1:9', apiKey: 'files-test-key-0000', pageSize: 2,
    files: { folder, appKey: 'appkey123', timestampOffset: '+03:00' }, pushHistory: { since: '2024-02-01', until: '2024-03-31' },
    ...extra,
  });
  const streams = new NetmeraStreams(client, cfg, { clock: { now: () => Date.UTC(2024, 3, 1), sleep: async () => undefined }, logger: silentLogger(), onProblem: (p) => problems.push(p) });
  return { streams, problems, client };
}

describe('finding the files', () => {
  it('sorts each kind by the date in the name, keeps other apps and other files out', async () => {
    const files = await listExportFiles({ folder: FIXTURES, appKey: 'appkey123' });
    const names = Object.fromEntries(Object.entries(files).map(([k, v]) => [k, v.map((f) => f.name)]));
    expect(names).toEqual({
      exportUsers: ['export_users_2024-03-01.csv'],
      events: ['appkey123_EVENT_DATA_20240301.csv', 'appkey123_EVENT_DATA_20240302.csv'],
      pushReports: ['appkey123_PUSH_REPORTS_20240301.csv', 'appkey123_PUSH_REPORTS_20240302.csv'],
      appTracking: ['appkey123_APP_TRACKING_20240301.csv'],
      installations: ['appkey123_INSTALLATION_PERMISSION_20240301.csv'],
      channelPermissions: ['appkey123_CHANNEL_PERMISSION_20240301.csv'],
    });
    const everyApp = await listExportFiles({ folder: FIXTURES });
    expect(everyApp.events.map((f) => f.name)).toContain('otherapp_EVENT_DATA_20240301.csv');
  });

  it('knows the Data Export types by name, in any separator style', () => {
    expect(exportKindOf('a1b2_EVENT_DATA_20240301.csv')).toBe('events');
    expect(exportKindOf('a1b2-Push-Reports-2024-03-01.xlsx')).toBe('pushReports');
    expect(exportKindOf('a1b2_INSTALLATION_AND_PERMISSION_20240301.csv')).toBe('installations');
    expect(exportKindOf('a1b2_ChannelPermission_20240301.csv')).toBe('channelPermissions');
    expect(exportKindOf('Export Users 2024-03-01.xlsx')).toBe('exportUsers');
    expect(exportKindOf('README.txt')).toBeNull();
  });

  it('names a missing folder in a ConfigError', async () => {
    await expect(listExportFiles({ folder: join(tmp, 'nowhere') })).rejects.toThrow(ConfigError);
    await expect(listExportFiles({ folder: join(tmp, 'nowhere') })).rejects.toThrow(/nowhere.*source\.files\.folder/);
  });
});

describe('reading CSV', () => {
  it('finds the delimiter of the header line, and reads headers by meaning (case, spaces, Turkish letters)', async () => {
    expect(await sniffDelimiter(join(FIXTURES, 'appkey123_EVENT_DATA_20240301.csv'))).toBe(';');
    expect(await sniffDelimiter(join(FIXTURES, 'appkey123_INSTALLATION_PERMISSION_20240301.csv'))).toBe('|');
    expect(await sniffDelimiter(join(FIXTURES, 'export_users_2024-03-01.csv'))).toBe(',');
    expect(['External Id', 'EXTERNAL_ID', 'Şehir', 'Doğum Tarihi', 'İl'].map(headerKey)).toEqual(['externalid', 'externalid', 'sehir', 'dogumtarihi', 'il']);
  });

  it('turns malformed records into rows with problems and goes on (a wrong field count, a quote never closed)', async () => {
    const path = join(tmp, 'broken.csv');
    writeFileSync(path, 'External Id,Email\nu1,a@b.tr\nu2\nu3,"never closed\nu4,d@e.tr\n');
    const t = await openTable({ path, format: 'csv' }, 'auto');
    const rows = [];
    for await (const r of t.rows) rows.push(r);
    expect(rows[0]).toMatchObject({ line: 2, index: 0, cells: ['u1', 'a@b.tr'], problems: [] });
    expect(rows[1]).toMatchObject({ line: 3, index: 1, cells: ['u2', null], problems: ['the record has 1 field(s), the header 2'] });
    // A quoted field never closed swallows the rest of the file: one row says so, with its line.
    expect(rows).toHaveLength(3);
    expect(rows[2]).toMatchObject({ index: 2, cells: [null, null], problems: [expect.stringMatching(/^the record cannot be read \(.*quote.*\)/i)] });
    expect(rows[2]!.line).toBeGreaterThan(3);
  });

  it('streams the Export Users file by meaning; unknown columns stay attributes by their header', async () => {
    const [file] = (await listExportFiles({ folder: FIXTURES })).exportUsers;
    const rows = [];
    for await (const r of exportUserRows(file!, 'auto')) rows.push(r);
    expect(rows).toHaveLength(6);
    expect(rows[1]).toMatchObject({
      line: 4, roles: { extId: 'u2', email: 'ayse@example.com', msisdn: null, name: 'Ayşe', surname: 'Demir, Kaya', deviceCount: '1', platform: 'IOS', osVersion: '17.2', model: 'iPhone14' },
      extra: { 'Şehir': 'Ankara\nÇankaya', 'Haftalık Bülten': 'hayır' },
    });
    const tail = [];
    for await (const r of exportUserRows(file!, ',', 4)) tail.push(r.index);
    expect(tail).toEqual([4, 5]);
  });

  it('reads channel permissions, long (a channel column) and wide (a column per channel)', async () => {
    const wide = join(tmp, 'appkey123_CHANNEL_PERMISSION_20240302.csv');
    writeFileSync(wide, 'Ext Id;Email Permission;SMS Permission;IYS Consent\nu2;evet;evet;hayır\nu9;;0;\n');
    const files = (await listExportFiles({ folder: FIXTURES })).channelPermissions;
    const map = await channelPermissions([...files, { ...files[0]!, name: 'wide', path: wide, date: '20240302' }], 'auto');
    expect(Object.fromEntries(map)).toEqual({
      u1: { email: true, sms: false, whatsapp: null, iys: null },
      u2: { email: true, sms: true, whatsapp: null, iys: false },
      u6: { email: null, sms: null, whatsapp: null, iys: true },
      u9: { email: null, sms: false, whatsapp: null, iys: null },
    });
  });
});

describe('streams over the files', () => {
  it('lists contacts from the Export Users file, enriched with channel permissions, malformed rows carried as problems', async () => {
    const { streams, client } = streamsOn(FIXTURES);
    const pages = await all(streams.contacts(null));
    expect(pages.map((p) => [p.records.length, p.last])).toEqual([[2, false], [2, false], [2, false], [0, true]]);
    const contacts = pages.flatMap((p) => p.records).map((c) => CanonicalContact.parse(c));
    expect(contacts.map((c) => c.sourceKey)).toEqual([
      'netmera:user:u1', 'netmera:user:u2', 'netmera:email:veli@example.com', 'netmera:user:u4', 'netmera:user-row:export_users_2024-03-01.csv:7', 'netmera:user:u6',
    ]);
    expect(contacts[0]).toMatchObject({
      externalId: 'u1', email: 'ali@example.com.tr', phone: '+905321112233', firstName: 'Ali', lastName: 'Yılmaz', emailSubscribed: true, smsSubscribed: false,
      attributes: { 'Şehir': 'İstanbul', 'Haftalık Bülten': 'evet', deviceCount: 2, deviceOs: 'ANDROID', deviceOsVersion: '14', deviceModel: 'SM-A515F', emailPermission: true, smsPermission: false },
    });
    expect(contacts[3]!.sourceProblems).toEqual([{ field: null, reason: 'source file export_users_2024-03-01.csv line 6: the record has 9 field(s), the header 11' }]);
    expect(contacts[4]!.sourceProblems?.[0]?.reason).toMatch(/line 7: the row has no external id and no email/);
    expect(JSON.parse(pages.at(-1)!.checkpoint)).toEqual({ v: 1, src: 'file', f: 'export_users_2024-03-01.csv', d: '20240301', r: 6 });
    expect(client.calls).toEqual([]);
  });

  it('resumes contacts after a kill at any page: nothing twice, nothing lost', async () => {
    const { streams } = streamsOn(FIXTURES);
    const whole = (await all(streams.contacts(null))).flatMap((p) => p.records.map((r) => r.sourceKey));
    const resumed = await readResumingAfterEveryPage((after) => streamsOn(FIXTURES).streams.contacts(after));
    expect(resumed.keys).toEqual(whole);
  });

  it('counts the Export Users rows as the population when no population segment is set', async () => {
    expect(await streamsOn(FIXTURES).streams.population()).toEqual({ count: 6, basis: 'in the Export Users file export_users_2024-03-01.csv' });
  });

  it('says which file is missing when the folder has no Export Users file, and refuses a REST checkpoint', async () => {
    const empty = mkdtempSync(join(tmp, 'empty-'));
    await expect(all(streamsOn(empty).streams.contacts(null))).rejects.toThrow(/no Export Users file in .*empty-/);
    const restCursor = JSON.stringify({ v: 1, src: 'rest', t: 0, k: '1', n: null });
    await expect(all(streamsOn(FIXTURES).streams.contacts(restCursor))).rejects.toThrow(/written reading the REST API/);
  });

  it('reads events from every Event Data file: keys by content and occurrence, timestamps at the configured offset, bad rows reported', async () => {
    const { streams, problems } = streamsOn(FIXTURES);
    const events = (await all(streams.events(null))).flatMap((p) => p.records).map((e) => CanonicalEvent.parse(e));
    expect(events.map((e) => [e.contactKey, e.event, e.occurredAt, e.value])).toEqual([
      ['netmera:user:u1', 'n:cl', '2024-03-01T09:30:00.000Z', '{"Platform":"ANDROID","tutar":149.9,"url":"https://ornek.com.tr/kampanya"}'],
      ['netmera:user:u1', 'n:cl', '2024-03-01T09:30:00.000Z', '{"Platform":"ANDROID","tutar":149.9,"url":"https://ornek.com.tr/kampanya"}'],
      ['netmera:user:u2', 'SepeteEkle', '2024-03-01T09:30:00.000Z', '{"Platform":"IOS"}'],
      ['netmera:user:u6', 'n:op', '2024-03-01T20:59:59.000Z', '{"Platform":"IOS"}'],
      ['netmera:user:u1', 'n:cl', '2024-03-01T09:30:00.000Z', '{"Platform":"ANDROID","tutar":149.9,"url":"https://ornek.com.tr/kampanya"}'],
      ['netmera:user:u2', 'Satın Alma', '2024-03-02T08:00:00.000Z', '{"Platform":"IOS","tutar":42}'],
    ]);
    // Two identical rows in one file are two events; the same event again in the next day's file is the first one again.
    expect(events[0]!.sourceKey).not.toBe(events[1]!.sourceKey);
    expect(events[4]!.sourceKey).toBe(events[0]!.sourceKey);
    expect(events[0]!.occurredAtRaw).toBe('2024-03-01 12:30:00');
    expect(events[0]!.deviceId).toBe('inst-1');
    expect(problems.map((p) => [p.stream, p.where, p.line])).toEqual([
      ['events', 'appkey123_EVENT_DATA_20240301.csv', 5],
      ['events', 'appkey123_EVENT_DATA_20240301.csv', 6],
    ]);
  });

  it('resumes events after a kill at any page with the same keys', async () => {
    const whole = (await all(streamsOn(FIXTURES).streams.events(null))).flatMap((p) => p.records.map((r) => r.sourceKey));
    const resumed = await readResumingAfterEveryPage((after) => streamsOn(FIXTURES).streams.events(after));
    expect(resumed.keys).toEqual(whole);
    expect(resumed.pages).toBeGreaterThan(2);
  });

  it('reads push interactions from Push Reports (a status column, or a column per step), campaign names from the API where a row has no title', async () => {
    const client = stubClient([{ notificationKey: 235, status: 'FINISHED', startDate: 1709373600000, title: 'Mart Bülteni' }]);
    const { streams, problems } = streamsOn(FIXTURES, {}, client);
    const got = (await all(streams.interactions(null))).flatMap((p) => p.records).map((i) => CanonicalInteraction.parse(i));
    expect(got.map((i) => [i.sourceKey, i.occurredAt, i.campaignName, i.channel])).toEqual([
      ['netmera:push:234:u1:delivered', '2024-03-01T09:30:01.000Z', 'Bahar İndirimi', 'push'],
      ['netmera:push:234:u1:clicked', '2024-03-01T09:31:40.000Z', 'Bahar İndirimi', 'push'],
      ['netmera:push:235:u2:delivered', '2024-03-02T07:00:00.000Z', 'Mart Bülteni', 'push'],
      ['netmera:push:235:u2:opened', '2024-03-02T07:05:00.000Z', 'Mart Bülteni', 'push'],
      ['netmera:push:235:u6:delivered', '2024-03-02T07:00:00.000Z', 'Mart Bülteni', 'email'],
    ]);
    expect(problems.map((p) => [p.where, p.line, p.reason.slice(0, 20)])).toEqual([
      ['appkey123_PUSH_REPORTS_20240301.csv', 6, 'no extId: the result'],
      ['appkey123_PUSH_REPORTS_20240301.csv', 7, 'no notification key'],
    ]);
    expect(client.calls).toEqual(['pushStatsBetween', 'pushStatsBetween']);
  });

  it('reads devices from the Installation & Permission file, tokens kept for the dataset only', async () => {
    const { streams, problems } = streamsOn(FIXTURES);
    const devices = (await all(streams.devices(null))).flatMap((p) => p.records).map((d) => CanonicalDevice.parse(d));
    expect(devices.map((d) => [d.sourceKey, d.contactKey, d.platform, d.token, d.os, d.appVersion, d.model, d.lastSeen])).toEqual([
      ['netmera:device:inst-1', 'netmera:user:u1', 'ANDROID', 'tok-android-1', '14', '5.1.0', 'SM-A515F', '2024-03-01T09:30:00.000Z'],
      ['netmera:device:inst-2', 'netmera:user:u2', 'IOS', 'tok-ios-2', '17.2', '5.0.9', 'iPhone14,2', '2024-03-01T09:30:00.000Z'],
      ['netmera:device:inst-9', null, 'IOS', 'tok-ios-9', '16.0', '4.8.0', 'iPhone11', null],
    ]);
    expect(problems).toEqual([{ stream: 'devices', where: 'appkey123_INSTALLATION_PERMISSION_20240301.csv', line: 5, reason: 'a device with neither an installation id nor a push token' }]);
  });
});

describe('reading XLSX', () => {
  let folder: string;
  beforeAll(async () => {
    folder = mkdtempSync(join(tmp, 'xlsx-'));
    const date = (iso: string) => ({ value: new Date(iso), type: Date, format: 'yyyy-mm-dd hh:mm:ss' });
    await writeXlsxFile([
      ['External ID', 'E-posta', 'GSM No', 'Ad', 'Soyad', 'Doğum Tarihi', 'Puan', 'VIP', 'Device Count'],
      ['u1', 'ali@example.com.tr', 905321112233, 'Ali', 'Yılmaz', { value: new Date('1989-10-14T00:00:00Z'), type: Date, format: 'yyyy-mm-dd' }, 1250.5, true, 2],
      [null, null, null, null, null, null, null, null, null],
      ['u2', 'ayse@example.com', null, 'Ayşe', null, null, 7, false, 1],
    ] as never).toFile(join(folder, 'Export Users 2024-03-01.xlsx'));
    await writeXlsxFile([
      ['Ext Id', 'Event Name', 'Timestamp', 'tutar'],
      ['u1', 'Satın Alma', date('2024-03-01T09:30:00Z'), 149.9],
      ['u2', 'n:cl', 1709285400000, null],
    ] as never).toFile(join(folder, 'appkey123_EVENT_DATA_20240301.xlsx'));
  });

  it('reads typed cells: numbers, booleans, dates (a date without time as YYYY-MM-DD), the same in every time zone', async () => {
    const before = process.env.TZ;
    const runs: string[] = [];
    try {
      for (const tz of ['Pacific/Kiritimati', 'America/Adak']) {
        process.env.TZ = tz;
        const contacts = (await all(streamsOn(folder).streams.contacts(null))).flatMap((p) => p.records);
        runs.push(JSON.stringify(contacts));
        expect(contacts.map((c) => [c.sourceKey, c.email, c.phone, c.firstName, c.attributes])).toEqual([
          ['netmera:user:u1', 'ali@example.com.tr', '+905321112233', 'Ali', { 'Doğum Tarihi': '1989-10-14', Puan: 1250.5, VIP: true, deviceCount: 2 }],
          ['netmera:user:u2', 'ayse@example.com', null, 'Ayşe', { 'Doğum Tarihi': null, Puan: 7, VIP: false, deviceCount: 1 }],
        ]);
      }
    } finally {
      if (before === undefined) delete process.env.TZ;
      else process.env.TZ = before;
    }
    expect(runs[0]).toBe(runs[1]);
  });

  it('reads Event Data from XLSX, date cells and epoch numbers alike', async () => {
    const events = (await all(streamsOn(folder).streams.events(null))).flatMap((p) => p.records);
    expect(events.map((e) => [e.contactKey, e.event, e.occurredAt, e.value])).toEqual([
      ['netmera:user:u1', 'Satın Alma', '2024-03-01T09:30:00.000Z', '{"tutar":149.9}'],
      ['netmera:user:u2', 'n:cl', '2024-03-01T09:30:00.000Z', null],
    ]);
  });

  it('takes the Export Users file named in the config when its name says nothing', async () => {
    const named = mkdtempSync(join(tmp, 'named-'));
    copyFileSync(join(folder, 'Export Users 2024-03-01.xlsx'), join(named, 'musteriler.xlsx'));
    const { streams } = streamsOn(named, { files: { folder: named, exportUsersFile: 'musteriler.xlsx' } });
    expect((await all(streams.contacts(null))).flatMap((p) => p.records)).toHaveLength(2);
  });
});
