/**
 * Unit tests of the Freshsales simulator's pure parts: custom field names and limits,
 * value rules, the rate-limit windows (with a hand-driven clock) and multipart parsing.
 */
import { describe, expect, it } from 'vitest';
import { CUSTOM_FIELD_LIMITS, FieldCatalogue, customFieldName } from '../../simulators/freshsales/catalogue.js';
import { ApiError } from '../../simulators/freshsales/errors.js';
import { IdSequence, ID_BASE } from '../../simulators/freshsales/ids.js';
import { multipartBoundary, parseMultipart } from '../../simulators/freshsales/multipart.js';
import { RateLimiter } from '../../simulators/freshsales/rate-limit.js';
import { seedReferenceData } from '../../simulators/freshsales/reference-data.js';
import { checkCustomValue, isDateOnly, parseDecimal } from '../../simulators/freshsales/values.js';
import { Tenant } from '../../simulators/freshsales/tenant.js';
import { Views, pageParams } from '../../simulators/freshsales/views.js';

const catalogue = (plan: 'free' | 'growth' | 'pro' | 'enterprise' = 'growth') =>
  new FieldCatalogue('contacts', plan, new IdSequence(5), seedReferenceData(new IdSequence(4)));

describe('custom field names', () => {
  it('keeps hyphens and adds a trailing underscore for some labels, as the notes show', () => {
    expect(customFieldName('Date of birth', new Set())).toBe('cf_date_of_birth_');
    expect(customFieldName('Off-loading point of contact', new Set())).toBe('cf_off-loading_point_of_contact');
  });

  it('is deterministic per label and avoids names already taken', () => {
    const a = customFieldName('Segment', new Set());
    expect(customFieldName('Segment', new Set())).toBe(a);
    const b = customFieldName('Segment', new Set([a]));
    expect(b).not.toBe(a);
    expect(b.startsWith('cf_segment')).toBe(true);
  });

  it('gives a trailing underscore to some labels and not others (clients cannot derive names)', () => {
    const labels = ['Alpha', 'Beta', 'Gamma', 'Delta', 'Epsilon', 'Zeta', 'Eta', 'Theta', 'Iota', 'Kappa'];
    const odd = labels.filter((l) => customFieldName(l, new Set()).endsWith('_'));
    expect(odd.length).toBeGreaterThan(0);
    expect(odd.length).toBeLessThan(labels.length);
  });
});

describe('custom field limits per plan', () => {
  it('rejects every custom field on the free plan', () => {
    expect(() => catalogue('free').add({ label: 'X', type: 'text' })).toThrow(ApiError);
  });

  it('enforces the growth plan per-type limit (textarea 5)', () => {
    const c = catalogue('growth');
    for (let i = 0; i < CUSTOM_FIELD_LIMITS.growth.textarea; i++) c.add({ label: `Notes ${i}`, type: 'textarea' });
    expect(() => c.add({ label: 'Notes extra', type: 'textarea' })).toThrow(/limit/);
    // Other types still have room.
    expect(c.add({ label: 'Another', type: 'text' }).name).toMatch(/^cf_another_?$/);
  });

  it('caps dropdown choices at 300 and rejects duplicate labels', () => {
    const c = catalogue('pro');
    const choices = Array.from({ length: 301 }, (_, i) => `c${i}`);
    expect(() => c.add({ label: 'Big', type: 'dropdown', choices })).toThrow(/300/);
    expect(c.add({ label: 'Ok', type: 'dropdown', choices: choices.slice(0, 300) }).choices).toHaveLength(300);
    expect(() => c.add({ label: 'ok', type: 'text' })).toThrow(/already exists/);
  });
});

describe('custom field values', () => {
  const c = catalogue();
  const dropdown = c.add({ label: 'Tier', type: 'dropdown', choices: ['Gold', 'Silver'] });
  const multi = c.add({ label: 'Interests', type: 'multi_select_dropdown', choices: ['Golf', 'Chess', 'Jazz'] });
  const text = c.add({ label: 'Nickname', type: 'text' });
  const num = c.add({ label: 'Score', type: 'number' });
  const date = c.add({ label: 'Birthday', type: 'date' });
  const box = c.add({ label: 'Opt in', type: 'checkbox' });

  it('takes dropdown values as exact choice text only', () => {
    expect(checkCustomValue(dropdown, 'Gold')).toEqual({ ok: true, value: 'Gold' });
    expect(checkCustomValue(dropdown, 'gold').ok).toBe(false);
    expect(checkCustomValue(dropdown, 1).ok).toBe(false);
  });

  it('accepts multi-select as an array or a ";"-joined string and stores it joined', () => {
    expect(checkCustomValue(multi, ['Golf', 'Jazz'])).toEqual({ ok: true, value: 'Golf;Jazz' });
    expect(checkCustomValue(multi, 'Golf;Chess')).toEqual({ ok: true, value: 'Golf;Chess' });
    expect(checkCustomValue(multi, ['Golf', 'Tennis']).ok).toBe(false);
  });

  it('checks text length, numbers, dates and checkboxes', () => {
    expect(checkCustomValue(text, 'x'.repeat(256)).ok).toBe(true);
    expect(checkCustomValue(text, 'x'.repeat(257)).ok).toBe(false);
    expect(checkCustomValue(num, '12.5')).toEqual({ ok: true, value: 12.5 });
    expect(checkCustomValue(num, 'twelve').ok).toBe(false);
    expect(checkCustomValue(num, 123456789012).ok).toBe(false);
    expect(checkCustomValue(date, '2024-02-29').ok).toBe(true);
    expect(checkCustomValue(date, '2023-02-29').ok).toBe(false);
    expect(checkCustomValue(date, '29/02/2024').ok).toBe(false);
    expect(checkCustomValue(box, true).ok).toBe(true);
    expect(checkCustomValue(box, 'true').ok).toBe(false);
    expect(checkCustomValue(box, null)).toEqual({ ok: true, value: null });
  });

  it('parses decimals within 11+4 digits and real calendar dates', () => {
    expect(parseDecimal('00012')).toBe(12);
    expect(parseDecimal('1.12345')).toBeUndefined();
    expect(isDateOnly('2024-13-01')).toBe(false);
  });
});

describe('ids', () => {
  it('start above 2^32, stay safe integers and strictly increase', () => {
    const seq = new IdSequence(42);
    let prev = 0;
    for (let i = 0; i < 1000; i++) {
      const id = seq.take();
      expect(id).toBeGreaterThan(2 ** 32);
      expect(id).toBeGreaterThanOrEqual(ID_BASE);
      expect(Number.isSafeInteger(id)).toBe(true);
      expect(id).toBeGreaterThan(prev);
      prev = id;
    }
  });

  it('differ per seed', () => {
    expect(new IdSequence(1).take()).not.toBe(new IdSequence(2).take());
  });
});

describe('rate limit windows (hand-driven clock)', () => {
  it('limits a paid plan to 400 per scaled minute and resets at the window edge', () => {
    const start = 1_000_000;
    const rl = new RateLimiter('growth', 60, start); // minute = 1000 ms, hour = 60,000 ms
    for (let i = 0; i < 400; i++) {
      expect(rl.state(start + 10).limited).toBe(false);
      rl.consume(start + 10);
    }
    const s = rl.state(start + 10);
    expect(s.limited).toBe(true);
    expect(s.retryAfterMs).toBe(990);
    expect(rl.state(start + 999).limited).toBe(true);
    expect(rl.state(start + 1000).limited).toBe(false);
  });

  it('limits the hour budget across minute windows', () => {
    const start = 0;
    const rl = new RateLimiter('growth', 3600, start); // hour = 1000 ms, minute ≈ 16.7 ms
    let t = 0;
    for (let i = 0; i < 1000; i++) {
      // Spread the calls so no minute window fills up.
      t = Math.floor(i / 300) * 20;
      expect(rl.state(t).limited).toBe(false);
      rl.consume(t);
    }
    const s = rl.state(t + 1);
    expect(s.limited).toBe(true);
    expect(s.retryAfterMs).toBe(1000 - (t + 1));
    expect(rl.state(1000).limited).toBe(false);
  });

  it('has no minute window on the free plan and bigger budgets on higher plans', () => {
    const free = new RateLimiter('free', 1, 0);
    for (let i = 0; i < 999; i++) free.consume(5);
    expect(free.state(5)).toMatchObject({ limited: false, remaining: 1, limit: 1000 });
    const ent = new RateLimiter('enterprise', 1, 0);
    expect(ent.state(0).limit).toBe(5000);
  });

  it('formats Retry-After as whole seconds at real time and 3 decimals when scaled', () => {
    expect(new RateLimiter('growth', 1, 0).formatSeconds(1200)).toBe('2');
    expect(new RateLimiter('growth', 1, 0).formatSeconds(10)).toBe('1');
    expect(new RateLimiter('growth', 3600, 0).formatSeconds(123.2)).toBe('0.124');
  });
});

describe('paging parameters', () => {
  it('defaults to 25, clamps to 100 and treats junk as defaults', () => {
    expect(pageParams({})).toEqual({ page: 1, perPage: 25 });
    expect(pageParams({ per_page: '500', page: '3' })).toEqual({ page: 3, perPage: 100 });
    expect(pageParams({ per_page: 'x', page: '-1' })).toEqual({ page: 1, perPage: 25 });
  });
});

describe('multipart parsing', () => {
  it('splits fields and files', () => {
    const boundary = 'XyZ';
    const body = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="targetable_type"\r\n\r\nContact\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\nworld\r\n` +
        `--${boundary}--\r\n`,
    );
    expect(multipartBoundary(`multipart/form-data; boundary=${boundary}`)).toBe(boundary);
    const parts = parseMultipart(body, boundary);
    expect(parts.map((p) => p.name)).toEqual(['targetable_type', 'file']);
    expect(parts[0]!.data.toString()).toBe('Contact');
    expect(parts[1]).toMatchObject({ filename: 'a.txt', contentType: 'text/plain' });
    expect(parts[1]!.data.toString()).toBe('hello\r\nworld');
  });
});

describe('view order cache', () => {
  it('re-sorts after a write, so an updated record moves to the end of updated_at asc', () => {
    let clock = 1_700_000_000_000;
    const now = () => clock;
    const tenant = new Tenant({ plan: 'growth', seed: 1, unknownCustomField: 'reject', requireDealAccount: false, tagsOnWrite: 'replace', uniqueMobileNumber: false, now });
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      clock += 10;
      ids.push(tenant.create('contacts', { emails: `v${i}@x.com` }).id);
    }
    const views = new Views(tenant, new IdSequence(3), now);
    const all = String((views.filters('contacts').filters[0] as { id: number }).id);
    const order = () => views.page('contacts', all, { sort: 'updated_at', sort_type: 'asc', per_page: 100 }).records.map((r) => r.id);
    expect(order()).toEqual(ids);
    clock += 10;
    tenant.update('contacts', ids[0], { city: 'Bursa' });
    expect(order()).toEqual([...ids.slice(1), ids[0]]);
    tenant.remove('contacts', ids[1]);
    expect(order()).toEqual([ids[2], ids[3], ids[4], ids[0]]);
  });
});
