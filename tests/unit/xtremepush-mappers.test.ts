import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  eventHash, parseXpDateTime, toCanonicalDevice, toCanonicalEvent, toCanonicalTagHit, toInteractions, toSourceCampaign, toSourcePromotion,
  toSourceSegment,
} from '../../src/connectors/xtremepush/mappers.js';
import { XpCampaignRow, XpDeviceRow, XpEventLine, XpMessageRow, XpPromotionRow, XpSegmentRow, XpTagHitRow } from '../../src/connectors/xtremepush/types.js';

const originalTz = process.env.TZ;
afterEach(() => {
  if (originalTz === undefined) delete process.env.TZ;
  else process.env.TZ = originalTz;
});

/** `YYYY-MM-DD HH:MM:SS ±HH:MM` naming `unixSec` at `offsetMin`, built with UTC getters only. */
function format(unixSec: number, offsetMin: number): string {
  const d = new Date((unixSec + offsetMin * 60) * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  const abs = Math.abs(offsetMin);
  const off = `${offsetMin < 0 ? '-' : '+'}${p(Math.floor(abs / 60))}:${p(abs % 60)}`;
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} ${off}`;
}

describe('parseXpDateTime', () => {
  it.each([
    ['2024-12-13 11:36:00 +01:00', '2024-12-13T10:36:00.000Z'],
    ['2024-12-31 23:30:00 +14:00', '2024-12-31T09:30:00.000Z'],
    ['2024-12-31 23:30:00 -11:00', '2025-01-01T10:30:00.000Z'],
    ['2024-02-29 00:15:00 +14:00', '2024-02-28T10:15:00.000Z'],
    ['2024-03-01 01:00:00 +05:30', '2024-02-29T19:30:00.000Z'],
    ['2024-12-31 20:00:00 -09:30', '2025-01-01T05:30:00.000Z'],
    ['2024-06-01 12:00:00', '2024-06-01T12:00:00.000Z'],
    ['2024-06-01', '2024-06-01T00:00:00.000Z'],
    ['2024-06-01T12:00:00Z', '2024-06-01T12:00:00.000Z'],
    ['2024-06-01 12:00:00 +0200', '2024-06-01T10:00:00.000Z'],
    ['2024-06-01 12:00:00 +02', '2024-06-01T10:00:00.000Z'],
    ['2024-06-01 12:00:00.25 +00:00', '2024-06-01T12:00:00.250Z'],
    ['1969-12-31 23:59:59 +00:00', '1969-12-31T23:59:59.000Z'],
    ['2000-02-29 00:00:00 +00:00', '2000-02-29T00:00:00.000Z'],
  ])('reads %s as %s', (text, iso) => {
    expect(parseXpDateTime(text)).toBe(iso);
  });

  it.each(['', 'yesterday', '2024-13-01 00:00:00', '2023-02-29 00:00:00', '2100-02-29', '2024-04-31', '2024-06-01 24:00:00', '2024-06-01 12:60:00',
    '2024-06-01 12:00:00 +19:00', '2024-06-01 12:00:00 +01:75', '2024-06-01 12:00:00 +1'])('rejects %j', (text) => {
    expect(parseXpDateTime(text)).toBeNull();
  });

  it('names the same instant the text was written for, for any offset from -12:00 to +14:00 (property)', () => {
    fc.assert(fc.property(fc.integer({ min: -2_000_000_000, max: 4_000_000_000 }), fc.integer({ min: -12 * 4, max: 14 * 4 }), (t, q) => {
      const text = format(t, q * 15);
      expect(parseXpDateTime(text)).toBe(new Date(t * 1000).toISOString());
    }));
  });

  it.each([['Pacific/Kiritimati', -840], ['Pacific/Pago_Pago', 660]])('does not depend on the machine time zone (TZ=%s)', (tz, offset) => {
    process.env.TZ = tz;
    // The zone really is in effect, so a mapper reading local time would be caught.
    expect(new Date('2024-06-01T00:00:00Z').getTimezoneOffset()).toBe(offset);
    expect(parseXpDateTime('2024-12-31 23:30:00 +14:00')).toBe('2024-12-31T09:30:00.000Z');
    expect(parseXpDateTime('2024-12-31 23:30:00 -11:00')).toBe('2025-01-01T10:30:00.000Z');
    expect(parseXpDateTime('2024-06-01 12:00:00')).toBe('2024-06-01T12:00:00.000Z');
  });
});

const message = (o: Record<string, unknown>) =>
  XpMessageRow.parse({ id: 10000001, campaign_id: 2003, profile_id: '9001', user_id: 'u-000001', create_time: 1_700_000_000, message_type_name: 'email', ...o });

describe('toInteractions', () => {
  it('gives one interaction per kind that happened, each at its own time', () => {
    const out = toInteractions(message({ delivery: 1, open: 1, click: 1, open_time: 1_700_000_100, click_time: 1_700_000_200 }), 'Weekend Free Bet');
    expect(out).toEqual([
      { sourceKey: 'xtremepush:message:10000001:delivered', contactKey: 'xtremepush:profile:9001', campaignId: '2003', campaignName: 'Weekend Free Bet', channel: 'email', kind: 'delivered', occurredAt: '2023-11-14T22:13:20.000Z' },
      { sourceKey: 'xtremepush:message:10000001:opened', contactKey: 'xtremepush:profile:9001', campaignId: '2003', campaignName: 'Weekend Free Bet', channel: 'email', kind: 'opened', occurredAt: '2023-11-14T22:15:00.000Z' },
      { sourceKey: 'xtremepush:message:10000001:clicked', contactKey: 'xtremepush:profile:9001', campaignId: '2003', campaignName: 'Weekend Free Bet', channel: 'email', kind: 'clicked', occurredAt: '2023-11-14T22:16:40.000Z' },
    ]);
  });

  it('gives nothing for a failed send and only delivered for an unopened one', () => {
    expect(toInteractions(message({ delivery: 0, open: 0, click: 0 }), 'x')).toEqual([]);
    expect(toInteractions(message({ delivery: 1, open: 0, click: 0, open_time: null }), 'x').map((i) => i.kind)).toEqual(['delivered']);
  });

  it('maps a send the same whether its numeric fields come as numbers [C3] or as strings', () => {
    const numbers = {
      id: 10000001, campaign_id: 2003, profile_id: '9001', user_id: 'u-000001', create_time: 1_700_000_000, message_type_name: 'email',
      delivery: 1, open: 1, click: 1, error: 0, error_message: null, open_time: 1_700_000_100, click_time: 1_700_000_200, status: 3,
    };
    const strings = Object.fromEntries(Object.entries(numbers).map(([k, v]) => [k, typeof v === 'number' ? String(v) : v]));
    const a = XpMessageRow.parse(numbers);
    const b = XpMessageRow.parse(strings);
    expect(b).toEqual(a);
    expect(a).toMatchObject({ id: '10000001', campaign_id: '2003', create_time: 1_700_000_000, open_time: 1_700_000_100, click_time: 1_700_000_200, status: 3 });
    expect(toInteractions(b, 'x')).toEqual(toInteractions(a, 'x'));
    expect(toInteractions(b, 'x').map((i) => [i.kind, i.occurredAt])).toEqual([
      ['delivered', '2023-11-14T22:13:20.000Z'], ['opened', '2023-11-14T22:15:00.000Z'], ['clicked', '2023-11-14T22:16:40.000Z'],
    ]);
    // A failed send as strings: no interaction, the status name kept as sent.
    const failed = XpMessageRow.parse({ ...strings, delivery: '0', open: '0', click: '0', error: '1', open_time: null, click_time: null, status: 'failed' });
    expect(failed.status).toBe('failed');
    expect(toInteractions(failed, 'x')).toEqual([]);
    expect(() => XpMessageRow.parse({ ...numbers, create_time: 'yesterday' })).toThrow(/unix seconds/);
  });

  it('falls back to the previous step when a flag has no time, never to the load time', () => {
    const out = toInteractions(message({ delivery: '1', open: true, click: 1, open_time: null, click_time: null }), 'x');
    expect(out.map((i) => i.occurredAt)).toEqual(['2023-11-14T22:13:20.000Z', '2023-11-14T22:13:20.000Z', '2023-11-14T22:13:20.000Z']);
  });
});

describe('events', () => {
  const line = (o: Record<string, unknown> = {}) =>
    XpEventLine.parse({ user_id: 'u-1', profile_id: '9001', event: 'deposit', value: 25.5, device_id: 1000004, timestamp: '2024-12-31 23:30:00 +14:00', ...o });

  it('hashes the documented tuple: equal tuples equal, any field changes it', () => {
    const h = eventHash(line());
    expect(h).toMatch(/^[0-9a-f]{40}$/);
    expect(eventHash(line({ user_id: 'other' }))).toBe(h);
    for (const change of [{ profile_id: '9002' }, { event: 'login' }, { value: 25.6 }, { device_id: null }, { timestamp: '2024-12-31 23:30:01 +14:00' }]) {
      expect(eventHash(line(change)), JSON.stringify(change)).not.toBe(h);
    }
  });

  it('maps to a canonical event with the UTC instant and the raw text', () => {
    const row = line();
    expect(toCanonicalEvent(row, eventHash(row), 1)).toEqual({
      sourceKey: `xtremepush:event:${eventHash(row)}:1`,
      contactKey: 'xtremepush:profile:9001',
      event: 'deposit',
      value: 25.5,
      deviceId: '1000004',
      occurredAt: '2024-12-31T09:30:00.000Z',
      occurredAtRaw: '2024-12-31 23:30:00 +14:00',
    });
    const bare = line({ value: undefined, device_id: undefined });
    expect(toCanonicalEvent(bare, 'h', 0)).toMatchObject({ value: null, deviceId: null });
    expect(toCanonicalEvent(line({ timestamp: 'soon' }), 'h', 0)).toBeNull();
  });
});

describe('catalogue mappers', () => {
  it('maps a campaign: channels from the flags, trigger names, the untouched row as raw', () => {
    const raw = {
      id: 2001, title: 'Welcome', trigger: 2, type: 'automated', active: 1, status: 'active', create_time: 1_700_000_000, activate_time: 1_700_086_400,
      deactivate_time: null, sms: 0, email: 1, ios_push: 1, android_push: 1, web_push: 0, inbox: 0, webhook: 0, promotion_id: null,
      messages: { 1: { push_title: 'Hi' }, 7: { email_subject: 'Hi' } },
    };
    const c = toSourceCampaign(XpCampaignRow.parse(raw), raw);
    expect(c).toEqual({
      id: '2001', name: 'Welcome', channels: ['ios_push', 'android_push', 'email'], trigger: 'event', status: 'active',
      createdAt: '2023-11-14T22:13:20.000Z', activatedAt: '2023-11-15T22:13:20.000Z', deactivatedAt: null, raw,
    });
    expect(c.raw).toBe(raw);
    const triggers = [0, 1, 2, 3, 9].map((t) => toSourceCampaign(XpCampaignRow.parse({ ...raw, trigger: t }), raw).trigger);
    expect(triggers).toEqual(['scheduled', 'geo', 'event', 'api', 'unknown(9)']);
    expect(toSourceCampaign(XpCampaignRow.parse({ id: 5, active: 0 }), {}).status).toBe('inactive');
  });

  it('maps a campaign the same whether id, trigger, type, active, status and create_time are numbers [C3] or strings', () => {
    const numbers = {
      id: 2004, title: 'Champions League Boost', trigger: 0, type: 0, active: 0, status: 3, create_time: 1_700_000_000, activate_time: 1_700_086_400,
      deactivate_time: 1_700_172_800, sms: 1, email: 0, ios_push: 1, android_push: 1, web_push: 0, inbox: 0, webhook: 0, promotion_id: 503,
    };
    const strings = Object.fromEntries(Object.entries(numbers).map(([k, v]) => [k, typeof v === 'number' ? String(v) : v]));
    const a = XpCampaignRow.parse(numbers);
    const b = XpCampaignRow.parse(strings);
    expect(b).toMatchObject({ id: '2004', trigger: 0, type: 0, status: 3, create_time: 1_700_000_000 });
    const expected = {
      id: '2004', name: 'Champions League Boost', channels: ['ios_push', 'android_push', 'sms'], trigger: 'scheduled', status: 'inactive (status 3)',
      createdAt: '2023-11-14T22:13:20.000Z', activatedAt: '2023-11-15T22:13:20.000Z', deactivatedAt: '2023-11-16T22:13:20.000Z',
    };
    expect(toSourceCampaign(a, numbers)).toEqual({ ...expected, raw: numbers });
    expect(toSourceCampaign(b, strings)).toEqual({ ...expected, raw: strings });
    // A numeric status without the active flag, and one with it set.
    expect(toSourceCampaign(XpCampaignRow.parse({ id: 7, status: 1 }), {}).status).toBe('status 1');
    expect(toSourceCampaign(XpCampaignRow.parse({ id: 7, status: '1', active: '1' }), {}).status).toBe('active (status 1)');
    // A type name (older answers) is accepted too; the channels still come from the flags only.
    expect(toSourceCampaign(XpCampaignRow.parse({ ...strings, type: 'push' }), strings).channels).toEqual(['ios_push', 'android_push', 'sms']);
  });

  it('maps segments, promotions, devices and tag hits', () => {
    const conditions = { operator: 'AND', 0: { attribute: 'vip', operator: '=', value: true } };
    const seg = toSourceSegment(XpSegmentRow.parse({ id: 101, name: 'VIP players', conditions }));
    expect(seg).toEqual({ id: '101', name: 'VIP players', rules: conditions, memberCount: null });
    expect(toSourceSegment(XpSegmentRow.parse({ id: 1, name: 'x', profile_count: 7 })).memberCount).toBe(7);
    const promo = { id: 501, name: 'Free Bet', type: 'free_bet' };
    expect(toSourcePromotion(XpPromotionRow.parse(promo), promo)).toEqual({ id: '501', name: 'Free Bet', raw: promo });
    expect(toCanonicalDevice(XpDeviceRow.parse({
      id: 1000004, profile_id: '9001', user_id: null, platform: 'ios', token: 'abc', os_version: '17.1.0', app_version: '5.1.2', model: 'iPhone15,2', last_seen: 1_700_000_000,
    }))).toEqual({
      sourceKey: 'xtremepush:device:1000004', contactKey: 'xtremepush:profile:9001', userId: null, platform: 'ios', token: 'abc', os: '17.1.0',
      appVersion: '5.1.2', model: 'iPhone15,2', lastSeen: '2023-11-14T22:13:20.000Z',
    });
    expect(toCanonicalDevice(XpDeviceRow.parse({ id: 7 }))).toMatchObject({ contactKey: null, platform: 'unknown', lastSeen: null });
    expect(toCanonicalTagHit(XpTagHitRow.parse({ id: 50000000, tag: 'vip-weekend', profile_id: '9001', device_id: null, create_time: 1_700_000_000 })))
      .toEqual({ contactKey: 'xtremepush:profile:9001', tag: 'vip-weekend', occurredAt: '2023-11-14T22:13:20.000Z' });
  });
});
