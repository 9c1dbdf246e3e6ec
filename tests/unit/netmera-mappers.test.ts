/**
 * Netmera mappers: profiles (epoch-ms dates, custom attributes mixed in, Turkish phones and
 * names), devices (most recent device's metadata and the count, never tokens), purpose
 * categories and channel permissions, segments read both ways the OS header can behave,
 * campaigns, push results, events and devices — and all of it independent of the machine's TZ.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CATEGORY_ATTRIBUTE_PREFIX, DEVICE_ATTRIBUTES, categoryAttributes, channelOf, deviceAttributes, epochMsToDate, epochMsToIso, eventHash, exportUserToContact,
  interactionKindOf, isConnectorSegment, latestDevice, phoneOf, pushTotals, readExportEvent, readStamp, toAttributeType, toCanonicalDevice, toCanonicalEvent,
  toContact, toInteraction, toSourceCampaign, toSourceSegment, userKey, extIdOfKey,
} from '../../src/connectors/netmera/mappers.js';
import { NmDevice, NmPushStats, NmSegment } from '../../src/connectors/netmera/types.js';
import { CanonicalContact, CanonicalEvent, CanonicalInteraction } from '../../src/core/model.js';

const originalTz = process.env.TZ;
afterEach(() => {
  if (originalTz === undefined) delete process.env.TZ;
  else process.env.TZ = originalTz;
});

/** Far-from-UTC zones, both sides of the date line, and one with a half hour. */
const ZONES = ['Pacific/Kiritimati', 'America/Adak', 'Asia/Kolkata', 'Europe/Istanbul', 'UTC'];

/** The notes' recorded getProfileAttributes answer, with Turkish custom attributes mixed in. */
const ANSWER = {
  extId: 'id1',
  profile: {
    name: 'John', surname: 'Brown', dateOfBirth: 624315600000, email: 'john@example.com', age: 34, isSubscribed: true,
    msisdn: '905312345678', sehir: 'İstanbul', dogum_tarihi: 624315600000, favouriteTeam: 'Galatasaray', externalSegments: ['vip', 'beta'],
    son_giris: 1709285400000,
  },
};

describe('dates from epoch milliseconds', () => {
  it('reads instants and dates the same in every time zone', () => {
    const seen = ZONES.map((tz) => {
      process.env.TZ = tz;
      return [epochMsToIso(624315600000), epochMsToDate(624315600000), epochMsToIso(-315619200000), epochMsToIso('1709285400000'), readStamp('01.03.2024 09:30:00', '+03:00')];
    });
    for (const s of seen) expect(s).toEqual(['1989-10-13T21:00:00.000Z', '1989-10-14', '1960-01-01T00:00:00.000Z', '2024-03-01T09:30:00.000Z', '2024-03-01T06:30:00.000Z']);
  });

  it('reads a date kept as a local midnight as that calendar date (east and west of UTC)', () => {
    expect(epochMsToDate(624315600000)).toBe('1989-10-14'); // midnight in Istanbul (+03:00)
    expect(epochMsToDate(Date.UTC(1989, 9, 15))).toBe('1989-10-15'); // UTC midnight
    expect(epochMsToDate(Date.UTC(1989, 9, 15, 5))).toBe('1989-10-15'); // midnight in New York (−05:00)
    expect(epochMsToDate(Date.UTC(1989, 9, 14, 18, 30))).toBe('1989-10-15'); // midnight in India (+05:30)
    expect(epochMsToDate(Date.UTC(1989, 9, 15, 14, 7, 13))).toBe('1989-10-15'); // not a midnight anywhere: its UTC date
    expect(epochMsToDate('x')).toBeNull();
    expect(epochMsToIso(1e20)).toBeNull();
  });

  it('agrees with Date#toISOString for every instant of the years 0001–9999', () => {
    fc.assert(fc.property(fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_999 }), (ms) => epochMsToIso(ms) === new Date(ms).toISOString()));
  });

  it('gives back the calendar date of any local midnight from −11:45 to +12:00', () => {
    fc.assert(
      fc.property(fc.integer({ min: -700_000, max: 2_900_000 }), fc.integer({ min: -47, max: 48 }), (day, quarters) => {
        const ms = day * 86_400_000 - quarters * 900_000;
        return epochMsToDate(ms) === new Date(day * 86_400_000).toISOString().slice(0, 10);
      }),
    );
  });

  it('reads export timestamps: epoch ms, epoch seconds, ISO text with or without an offset, Turkish day-first', () => {
    expect(readStamp(1709285400000)).toBe('2024-03-01T09:30:00.000Z');
    expect(readStamp('1709285400')).toBe('2024-03-01T09:30:00.000Z');
    expect(readStamp('2024-03-01 12:30:00', '+03:00')).toBe('2024-03-01T09:30:00.000Z');
    expect(readStamp('2024-03-01T12:30:00+03:00', '-05:00')).toBe('2024-03-01T09:30:00.000Z');
    expect(readStamp('2024-03-01 09:30:00')).toBe('2024-03-01T09:30:00.000Z');
    expect(readStamp('01/03/2024 09:30')).toBeNull();
    expect(readStamp(42)).toBeNull();
  });
});

describe('toContact', () => {
  const types = new Map([['son_giris', 'datetime' as const], ['dogum_tarihi', 'date' as const]]);

  it('maps the recorded answer: names lifted, extId the key, dates typed, custom attributes kept', () => {
    const c = CanonicalContact.parse(toContact(ANSWER, 'id1', { types }));
    expect(c).toMatchObject({
      sourceKey: 'netmera:user:id1', sourceId: 'id1', externalId: 'id1', firstName: 'John', lastName: 'Brown', email: 'john@example.com',
      phone: '+905312345678', country: null, emailSubscribed: null, smsSubscribed: null,
    });
    expect(c.attributes).toEqual({
      dateOfBirth: '1989-10-14', dogum_tarihi: '1989-10-14', son_giris: '2024-03-01T09:30:00.000Z', age: 34, isSubscribed: true, sehir: 'İstanbul',
      favouriteTeam: 'Galatasaray', externalSegments: ['vip', 'beta'],
    });
    expect(c.sourceProblems).toBeUndefined();
    for (const lifted of ['name', 'surname', 'email', 'msisdn']) expect(c.attributes).not.toHaveProperty(lifted);
  });

  it('writes the same contact whatever the machine time zone', () => {
    const out = ZONES.map((tz) => {
      process.env.TZ = tz;
      return JSON.stringify(toContact(ANSWER, 'id1', { types }));
    });
    expect(new Set(out).size).toBe(1);
  });

  it('keeps a value that does not fit its date type, and names it', () => {
    const c = toContact({ extId: 'u2', profile: { son_giris: 'yesterday' } }, 'u2', { types });
    expect(c.attributes.son_giris).toBe('yesterday');
    expect(c.sourceProblems).toEqual([{ field: 'attributes.son_giris', reason: expect.stringContaining('son_giris') }]);
  });

  it('reads a flattened answer (no `profile` object) and keys by the extId asked for', () => {
    const c = toContact({ extId: 'other', name: 'Ayşe', surname: 'Yılmaz', email: 'ayse@example.com.tr' }, 'u3');
    expect(c).toMatchObject({ sourceKey: userKey('u3'), firstName: 'Ayşe', lastName: 'Yılmaz', email: 'ayse@example.com.tr' });
    expect(c.sourceProblems?.[0]?.field).toBe('externalId');
  });

  it('never lets a profile key reach an object prototype, and names the key', () => {
    const answer = JSON.parse('{"extId":"u4","profile":{"__proto__":{"polluted":true},"email":["a@b.c"],"ok":1}}') as Record<string, unknown>;
    const c = toContact(answer, 'u4');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(c.email).toBeNull();
    expect(c.attributes).toEqual({ ok: 1 });
    expect(c.sourceProblems?.map((p) => p.field)).toEqual([null, 'email']);
  });

  it('adds device attributes from the most recent device and the count — never a push token', () => {
    const devices = [
      NmDevice.parse({ platform: 'IOS', token: 'tok-ios-aaaaaaaaaaaa', deviceModel: 'iPhone14,2', pushPermitted: false, osVersion: '17.2', lastActivityDate: 1709285400000 }),
      NmDevice.parse({ platform: 'ANDROID', token: 'tok-android-bbbbbbbbbb', deviceModel: 'SM-G991B', pushPermitted: true, osVersion: '14', appVersion: '5.1.0', lastActivityDate: 1700000000000 }),
    ];
    const c = toContact(ANSWER, 'id1', { devices });
    expect(c.attributes).toMatchObject({
      [DEVICE_ATTRIBUTES.count]: 2, [DEVICE_ATTRIBUTES.os]: 'IOS', [DEVICE_ATTRIBUTES.osVersion]: '17.2', [DEVICE_ATTRIBUTES.model]: 'iPhone14,2',
      [DEVICE_ATTRIBUTES.appVersion]: null, [DEVICE_ATTRIBUTES.pushPermitted]: true,
    });
    expect(JSON.stringify(c)).not.toMatch(/tok-/);
  });

  it('takes the last listed device when the answer has no times (the documented shape)', () => {
    const devices = [NmDevice.parse({ platform: 'IOS', token: 't1', deviceModel: 'iPhone' }), NmDevice.parse({ platform: 'ANDROID', token: 't2', deviceModel: 'Pixel 8' })];
    expect(latestDevice(devices)?.deviceModel).toBe('Pixel 8');
    expect(deviceAttributes([])).toMatchObject({ [DEVICE_ATTRIBUTES.count]: 0, [DEVICE_ATTRIBUTES.os]: null, [DEVICE_ATTRIBUTES.pushPermitted]: null });
  });

  it('turns purpose categories into category attributes, flags or per-channel breakdowns alike', () => {
    expect(categoryAttributes({ Promotions: true, Newsletter: false, 'Haftalık Bülten': 'true' })).toEqual({
      [`${CATEGORY_ATTRIBUTE_PREFIX}Promotions`]: true, [`${CATEGORY_ATTRIBUTE_PREFIX}Newsletter`]: false, [`${CATEGORY_ATTRIBUTE_PREFIX}Haftalık Bülten`]: true,
    });
    expect(categoryAttributes({ Kampanya: { channels: { EMAIL: false, PUSH: true } }, Duyuru: { optIn: false, channels: { SMS: true } } })).toEqual({
      'category:Kampanya': true, 'category:Duyuru': false,
    });
    expect(categoryAttributes([{ categoryName: 'Fırsatlar', optInStatus: true }, { category: 'Haber', channelPreferences: [{ channel: 'EMAIL', optIn: false }] }])).toEqual({
      'category:Fırsatlar': true, 'category:Haber': false,
    });
    expect(categoryAttributes(null)).toEqual({});
  });

  it('sets email/SMS subscription from channel permissions and keeps them as attributes', () => {
    const c = toContact(ANSWER, 'id1', { channels: { email: false, sms: true, whatsapp: null, iys: true } });
    expect(c).toMatchObject({ emailSubscribed: false, smsSubscribed: true });
    expect(c.attributes).toMatchObject({ emailPermission: false, smsPermission: true, iysConsent: true });
    expect(c.attributes).not.toHaveProperty('whatsappPermission');
  });
});

describe('phones', () => {
  it.each([
    ['905312345678', null, null, '+905312345678'],
    ['90 532 123 45 67', null, null, '+905321234567'],
    ['05312345678', 'TR', null, '+905312345678'],
    ['05312345678', 'Türkiye', null, '+905312345678'],
    ['05312345678', null, 'TR', '+905312345678'],
    ['05312345678', 'DE', 'TR', '05312345678'],
    ['05312345678', null, null, '05312345678'],
    ['+447700900123', null, null, '+447700900123'],
    [905312345678, null, null, '+905312345678'],
  ])('%s (country %s, default %s) → %s', (raw, country, def, out) => {
    expect(phoneOf(raw, country, def)).toBe(out);
  });
});

describe('attribute types', () => {
  it.each([
    [{ dataType: 'STRING' }, 'string'], [{ dataType: 'INTEGER' }, 'integer'], [{ dataType: 'Long' }, 'integer'], [{ dataType: 'DOUBLE' }, 'number'],
    [{ dataType: 'BOOLEAN' }, 'boolean'], [{ dataType: 'DATE' }, 'date'], [{ dataType: 'TIMESTAMP' }, 'datetime'], [{ dataType: 'STRING', isArray: true }, 'array'],
    [{ dataType: null }, 'string'],
  ])('%j → %s', (def, type) => {
    expect(toAttributeType(def as never)).toBe(type);
  });
});

describe('segments', () => {
  const row = (o: Record<string, unknown>) => NmSegment.parse({ id: 5883, name: 'Tüm Kullanıcılar', userCount: 100, type: 'PRODUCT_SEGMENT', ...o });

  it('counts once when both OS answers are the same (the header ignored), adds per-OS counts otherwise', () => {
    expect(toSourceSegment([{ os: 'IOS', row: row({}) }], true)).toMatchObject({ id: '5883', name: 'Tüm Kullanıcılar', memberCount: 100 });
    const perOs = toSourceSegment([{ os: 'IOS', row: row({ userCount: 40 }) }, { os: 'ANDROID', row: row({ userCount: 60 }) }], false);
    expect(perOs.memberCount).toBe(100);
    expect(Object.keys(perOs.rules as object)).toEqual(['IOS', 'ANDROID']);
  });

  it('knows connector segments (their users cannot be listed) and their missing counts', () => {
    const seg = toSourceSegment([{ os: 'IOS', row: row({ type: 'CONNECTORS_SEGMENT', userCount: null }) }], true);
    expect(isConnectorSegment(seg)).toBe(true);
    expect(seg.memberCount).toBeNull();
    expect(isConnectorSegment(toSourceSegment([{ os: 'IOS', row: row({}) }], true))).toBe(false);
  });
});

describe('campaigns and push results', () => {
  const stats = { notificationKey: 234, status: 'FINISHED', startDate: 1709285400000, endDate: 1709289000000, stats: [{ platform: 'IOS', sent: 10, failed: 1, clicked: 3 }, { platform: 'ANDROID', sent: '20', failed: 0, clicked: 5 }, { platform: 'EMAIL', sent: 4, failed: 0, clicked: 1 }] };

  it('maps a push to a campaign with its channels, times and totals; raw kept as sent', () => {
    const c = toSourceCampaign(NmPushStats.parse(stats), { ...stats, title: 'Bahar İndirimi' });
    expect(c).toMatchObject({ id: '234', name: 'Bahar İndirimi', channels: ['email', 'push'], status: 'FINISHED', activatedAt: '2024-03-01T09:30:00.000Z', deactivatedAt: '2024-03-01T10:30:00.000Z' });
    expect(c.raw).toMatchObject({ title: 'Bahar İndirimi' });
    expect(pushTotals(NmPushStats.parse(stats))).toEqual({ sent: 34, failed: 1, clicked: 9 });
    expect(toSourceCampaign(NmPushStats.parse({ notificationKey: 'k9' }), {}).name).toBe('Push k9');
  });

  it('reads statuses as interactions: SUCCESS and DELIVERED one delivered, SHOWN opened, CLICKED clicked, FAILED none', () => {
    expect(['SUCCESS', 'DELIVERED', 'shown', 'CLICKED', 'FAILED', 'WHATEVER'].map(interactionKindOf)).toEqual(['delivered', 'delivered', 'opened', 'clicked', null, null]);
    const ctx = { notificationKey: '234', campaignName: 'Bahar İndirimi', fallbackAt: '2024-03-01T09:30:00.000Z' };
    const a = toInteraction({ platform: 'IOS', status: 'SUCCESS', extId: 'u1', timeStamp: 1709285401000 }, ctx);
    const b = toInteraction({ platform: 'IOS', status: 'DELIVERED', extId: 'u1', timeStamp: 1709285405000 }, ctx);
    expect(a.ok && b.ok && a.interaction.sourceKey === b.interaction.sourceKey).toBe(true);
    const shown = toInteraction({ platform: 'EMAIL', status: 'SHOWN', extId: 'u1', timestamp: '2024-03-01 12:31:00 +03:00' }, ctx);
    expect(shown.ok && CanonicalInteraction.parse(shown.interaction)).toEqual({
      sourceKey: 'netmera:push:234:u1:opened', contactKey: 'netmera:user:u1', campaignId: '234', campaignName: 'Bahar İndirimi', channel: 'email', kind: 'opened',
      occurredAt: '2024-03-01T09:31:00.000Z',
    });
    expect(toInteraction({ status: 'FAILED', extId: 'u1', errorCode: 'InvalidToken', errorMessage: 'x' }, ctx)).toEqual({ ok: false, reason: null });
    expect(toInteraction({ status: 'CLICKED', installationId: 'i1' }, ctx)).toMatchObject({ ok: false, reason: expect.stringContaining('extId') });
    const noTime = toInteraction({ status: 'CLICKED', extId: 'u2' }, ctx);
    expect(noTime.ok && noTime.interaction.occurredAt).toBe('2024-03-01T09:30:00.000Z');
    expect(channelOf('SMS')).toBe('sms');
  });
});

describe('events and devices', () => {
  it('keys an event by its content and keeps its timestamp as written', () => {
    const read = readExportEvent({ file: 'a.csv', line: 2, extId: 'u1', name: 'n:cl', timestamp: '2024-03-01 12:30:00', parameters: { b: 2, a: 'x' }, deviceId: 'inst-1' }, '+03:00');
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    const e = CanonicalEvent.parse(toCanonicalEvent({ ...read, deviceId: 'inst-1' }, eventHash(read), 0));
    expect(e).toMatchObject({ contactKey: 'netmera:user:u1', event: 'n:cl', value: '{"a":"x","b":2}', deviceId: 'inst-1', occurredAt: '2024-03-01T09:30:00.000Z', occurredAtRaw: '2024-03-01 12:30:00' });
    const again = readExportEvent({ file: 'b.csv', line: 9, extId: 'u1', name: 'n:cl', timestamp: '2024-03-01T09:30:00Z', parameters: { a: 'x', b: 2 }, deviceId: null });
    expect(again.ok && eventHash(again)).toBe(eventHash(read));
    expect(readExportEvent({ file: 'a.csv', line: 3, extId: null, name: 'x', timestamp: 1, parameters: null, deviceId: null })).toMatchObject({ ok: false });
    expect(readExportEvent({ file: 'a.csv', line: 3, extId: 'u', name: 'x', timestamp: 'soon', parameters: null, deviceId: null })).toMatchObject({ ok: false, reason: expect.stringContaining('soon') });
  });

  it('maps a device for the dataset, keyed by installation id or a hash of its token', () => {
    expect(toCanonicalDevice(NmDevice.parse({ installationId: 'inst-9', platform: 'ANDROID', deviceToken: 'tok', extId: 'u1', osVersion: 14, lastSeen: '2024-03-01 12:30:00' }), '+03:00')).toEqual({
      sourceKey: 'netmera:device:inst-9', contactKey: 'netmera:user:u1', userId: 'u1', platform: 'ANDROID', token: 'tok', os: '14', appVersion: null, model: null,
      lastSeen: '2024-03-01T09:30:00.000Z',
    });
    const anon = toCanonicalDevice(NmDevice.parse({ platform: 'IOS', token: 'secret-token' }));
    expect(anon?.sourceKey).toMatch(/^netmera:device-token:[0-9a-f]{40}$/);
    expect(anon?.sourceKey).not.toContain('secret-token');
    expect(toCanonicalDevice(NmDevice.parse({ platform: 'IOS' }))).toBeNull();
  });
});

describe('Export Users rows', () => {
  it('keys by external id, else by email, else a placeholder that carries its problem with file and line', () => {
    const base = { file: 'export_users.csv', extra: { sehir: 'Ankara' }, problems: [] };
    expect(exportUserToContact({ ...base, line: 2, roles: { extId: 'u1', email: 'a@b.tr', msisdn: '905551112233', name: 'Ali', deviceCount: '2', platform: 'ANDROID', model: 'SM-A515F' } })).toMatchObject({
      sourceKey: 'netmera:user:u1', externalId: 'u1', phone: '+905551112233', firstName: 'Ali', attributes: { sehir: 'Ankara', deviceCount: 2, deviceOs: 'ANDROID', deviceModel: 'SM-A515F' },
    });
    expect(exportUserToContact({ ...base, line: 3, roles: { extId: null, email: 'Veli@Example.com' } })).toMatchObject({ sourceKey: 'netmera:email:veli@example.com', externalId: null });
    const bad = exportUserToContact({ ...base, line: 4, roles: { extId: null, email: null }, problems: ['the record has 3 field(s), the header 5'] });
    expect(bad.sourceKey).toBe('netmera:user-row:export_users.csv:4');
    expect(bad.sourceProblems?.map((p) => p.reason)).toEqual([
      'source file export_users.csv line 4: the record has 3 field(s), the header 5',
      'source file export_users.csv line 4: the row has no external id and no email: the record cannot be keyed',
    ]);
  });

  it('strips and adds the key prefix symmetrically', () => {
    expect(extIdOfKey(userKey('a:b'))).toBe('a:b');
    expect(extIdOfKey('plain')).toBe('plain');
  });
});
