import { describe, expect, it } from 'vitest';
import type { AttributeDefinition, CanonicalContact } from '../../src/core/model.js';
import { isCategorical, kindsOf } from '../../src/mapping/detect.js';
import { normaliseDate, normaliseSubscription } from '../../src/mapping/normalise.js';
import { proposeContactMap } from '../../src/mapping/propose.js';
import { suggestAttribute } from '../../src/mapping/suggest.js';
import { consentName, isHomePhoneName, matchName, matchReferenceName } from '../../src/mapping/synonyms.js';
import { toContactPayload } from '../../src/mapping/transform.js';
import { xtremepushSource } from '../../src/connectors/xtremepush/index.js';

const each = (values: unknown[]) => values.map((v) => [v, 1] as const);

describe('value detectors', () => {
  it.each([
    ['86.43.12.101', 'ip_address'],
    ['2a02:8084:4:1::1a', 'ip_address'],
    ['5.12.0', 'app_version'],
    ['iOS 17.3', 'device_os'],
    ['SM-G991B', 'device_os'],
    ['https://cdn.example.com/avatars/81.png', 'image_url'],
    ['pending', 'status_word'],
    [743069748000, 'epoch_wide'],
  ])('%s reads as %s', (v, kind) => {
    expect(kindsOf(v)).toContain(kind);
  });

  it('does not take a time of day, a decimal or a plain word for an IP address, a version or a status', () => {
    expect(kindsOf('12:30:00')).not.toContain('ip_address');
    expect(kindsOf('4.5')).not.toContain('app_version');
    expect(kindsOf('Dublin')).not.toContain('status_word');
    expect(kindsOf('web')).not.toContain('device_os');
  });

  it('calls values categorical only when they repeat', () => {
    expect(isCategorical(5, 6, false)).toBe(false); // five names in six contacts, none repeating
    expect(isCategorical(3, 8, true)).toBe(true);
    expect(isCategorical(150, 3000, true)).toBe(true);
    expect(isCategorical(250, 3000, true)).toBe(false);
    expect(isCategorical(28, 30, true)).toBe(false);
  });

  it('reads dotted day-first dates (dd.mm.yyyy), never slashed ones, and İYS consent words', () => {
    expect(normaliseDate('14.05.2019 13:22')).toEqual({ ok: true, value: '2019-05-14' });
    expect(normaliseDate('31.02.2023').ok).toBe(false);
    expect(normaliseDate('05/04/2023').ok).toBe(false);
    expect(normaliseSubscription('ONAY')).toEqual({ ok: true, value: 1 });
    expect(normaliseSubscription('RET')).toEqual({ ok: true, value: 0 });
    // The transform reads what the proposer accepted: "opted_in" as the source writes it.
    expect(normaliseSubscription('opted_in')).toEqual({ ok: true, value: 1 });
    expect(normaliseSubscription('Opt-Out')).toEqual({ ok: true, value: 0 });
  });
});

describe('names', () => {
  it.each([
    ['bulten_izni', 'subscription_status', false],
    ['MSG-sms', 'sms_subscription_status', false],
    ['whatsapp_optin', 'whatsapp_subscription_status', false],
    ['hs_email_optout', 'subscription_status', true],
    ['iys_sms_onay', 'sms_subscription_status', false],
  ])('%s is a consent flag for %s (opt-out: %s)', (name, field, inverted) => {
    expect(consentName(name)).toMatchObject({ field, inverted });
  });

  it('leaves push, data-processing and override flags out of the marketing consent fields', () => {
    expect(consentName('push_optin')).toBeUndefined();
    expect(consentName('kvkk_onay')).toBeUndefined();
    expect(consentName('marketing_consent_sms_overridden')).toBeUndefined();
    expect(consentName('email_verified')).toBeUndefined();
  });

  it.each([
    ['lifecyclestage', 'lifecycle_stage_id'],
    ['hs_lead_status', 'contact_status_id'],
    ['account_manager', 'owner_id'],
    ['utm_source', 'lead_source_id'],
    ['kayit_kaynagi', 'lead_source_id'],
    ['utm_campaign', 'campaign_id'],
  ])('%s names the reference field %s', (name, field) => {
    expect(matchReferenceName(name)?.field).toBe(field);
  });

  it('matches a swapped pair of letters, a dotted address path, a full name and a Turkish province name', () => {
    expect(matchName('frist_name')).toMatchObject({ field: 'first_name', how: 'fuzzy' });
    expect(matchName('address.postalCode')?.field).toBe('zipcode');
    expect(matchName('sms_consent.state')).toBeUndefined();
    expect(matchName('ad_soyad')?.field).toBe('first_name');
    expect(matchName('ilAdi')?.field).toBe('city');
    expect(matchName('customer_segment')).toBeUndefined();
  });

  it('knows a home phone is neither Mobile nor Work', () => {
    expect(isHomePhoneName('ev_telefonu')).toBe(true);
    expect(isHomePhoneName('home_phone')).toBe(true);
    expect(isHomePhoneName('work_phone')).toBe(false);
  });
});

describe('the waterfall', () => {
  it('proposes an opt-out flag as the consent field with a value map that reads it the other way round, never high', () => {
    const s = suggestAttribute({ name: 'hs_email_optout', declaredType: 'string', values: each(['true', 'false', 'false', 'true']) });
    expect(s.target).toMatchObject({ kind: 'standard', field: 'subscription_status', transform: 'subscription', values: { true: false, false: true } });
    expect(s.band).toBe('medium');
  });

  it('proposes a CRM reference field with a value map of names; ids of another system are left for a person', () => {
    const names = suggestAttribute({ name: 'hs_lead_status', values: each(['NEW', 'OPEN', 'IN_PROGRESS', 'NEW']) });
    expect(names.target).toEqual({ kind: 'reference', field: 'contact_status_id', values: { NEW: 'NEW', OPEN: 'OPEN', IN_PROGRESS: 'IN PROGRESS' } });
    expect(names.band).toBe('medium');
    const ids = suggestAttribute({ name: 'hubspot_owner_id', values: each(['31208841', '44190022', '31208841']) });
    expect(ids.target).toEqual({ kind: 'reference', field: 'owner_id', values: { '31208841': null, '44190022': null } });
  });

  it('does not take shared staff emails for the contact email', () => {
    const s = suggestAttribute({ name: 'vip_contact', values: each(['rachel@shop.example', 'rachel@shop.example', 'tom@shop.example', 'rachel@shop.example', 'tom@shop.example']) });
    expect(s.target.kind).toBe('custom');
  });

  it('skips national ids, test flags, bookkeeping timestamps and IP addresses, with the reason', () => {
    for (const [name, values] of [['tckn', ['10000000146']], ['test_user', ['0', '1']], ['profileUpdatedAt', ['2024-03-01 10:00:00']], ['last_seen_from', ['86.43.12.101', '109.76.3.44']]] as const) {
      const s = suggestAttribute({ name, values: each([...values]) });
      expect(s.target.kind, name).toBe('skip');
    }
  });

  it('keeps OS, app version and device model as custom fields (PRODUCT.md: device information → contact custom fields)', () => {
    for (const [name, values] of [['app_version', ['5.12.0', '5.11.2', '5.12.0']], ['device_os', ['iOS 17.3', 'Android 14', 'iOS 17.3']], ['deviceModel', ['iPhone 14', 'Pixel 7', 'iPhone 14']]] as const) {
      expect(suggestAttribute({ name, declaredType: 'string', values: each([...values]) }).target.kind, name).toBe('custom');
    }
  });

  it('types epoch numbers under a date name as dates, number codes under a category name as categories, and sentences as a textarea', () => {
    expect(suggestAttribute({ name: 'dateOfBirth', declaredType: 'number', values: each([743069748000, 631152000000, 502243200000]) }).target).toMatchObject({ kind: 'custom', type: 'datetime' });
    expect(suggestAttribute({ name: 'loyalty_points', declaredType: 'number', values: each([743069748000, 631152000000]) }).target).toMatchObject({ kind: 'custom', type: 'number' });
    expect(suggestAttribute({ name: 'gender', declaredType: 'number', values: each([0, 1, 1, 2, 0]) }).target).toMatchObject({ kind: 'custom', type: 'string' });
    const notes = ['Customer called about a late delivery; refunded the shipping.', 'Asked to be removed from the catalogue mailing, please.', 'VIP, send orders gift-wrapped from now on.'];
    expect(suggestAttribute({ name: 'remarks', declaredType: 'string', values: each(notes) }).target).toMatchObject({ kind: 'custom', type: 'string', textarea: true });
  });
});

describe('proposeContactMap with the new rules', () => {
  const contact = (i: number, attributes: CanonicalContact['attributes']): CanonicalContact => ({
    sourceKey: `xtremepush:profile:${i}`, sourceId: String(i), externalId: `u${i}`, email: `p${i}@example.com`, phone: null, firstName: null, lastName: null, country: null,
    language: null, timezone: null, emailSubscribed: null, smsSubscribed: null, createdAt: null, updatedAt: null, attributes,
  });
  const attributes: AttributeDefinition[] = [
    { name: 'utm_source', type: 'string' },
    { name: 'whatsapp_opt_out', type: 'boolean' },
    { name: 'last_login', type: 'string' },
    { name: 'lifecycle_stage', type: 'string' },
    { name: 'nickname', type: 'string' },
  ];
  const samples = Array.from({ length: 40 }, (_, i) =>
    contact(i, { utm_source: ['google', 'facebook', 'newsletter'][i % 3]!, whatsapp_opt_out: i % 4 === 0, last_login: `2024-03-${String(1 + (i % 28)).padStart(2, '0')} 1${i % 10}:15:00`, lifecycle_stage: ['lead', 'customer'][i % 2]!, nickname: `nick${i}` }),
  );
  const p = proposeContactMap({ source: 'xtremepush', attributes, samples, defaults: xtremepushSource.proposalDefaults });
  const field = (from: string) => p.spec.objects.contact.fields.find((f) => f.from === from);

  it('writes a reference field as an integer id with a value map of names, resolved in the account at run time', () => {
    expect(field('attributes.utm_source')).toMatchObject({ to: 'lead_source_id', transform: 'integer', values: { google: 'google', facebook: 'facebook', newsletter: 'newsletter' } });
    expect(p.evidence.find((e) => e.from === 'attributes.utm_source')?.band).toBe('medium');
  });

  it('leaves the source lifecycle attribute to its defaults (contact status) and keeps it as it is', () => {
    expect(p.spec.objects.contact.fields.filter((f) => f.from === 'attributes.lifecycle_stage').map((f) => (typeof f.to === 'string' ? f.to : 'custom'))).toEqual(['custom', 'contact_status_id']);
  });

  it('an opt-out flag written through the map comes out as the consent it means', () => {
    const f = field('attributes.whatsapp_opt_out')!;
    expect(f).toMatchObject({ to: 'whatsapp_subscription_status', transform: 'subscription' });
    const ctx = { customFieldNames: new Map<string, string>(), now: 0 };
    expect(toContactPayload(contact(0, { whatsapp_opt_out: true }), p.spec.objects.contact, ctx).payload.whatsapp_subscription_status).toBe(0);
    expect(toContactPayload(contact(1, { whatsapp_opt_out: false }), p.spec.objects.contact, ctx).payload.whatsapp_subscription_status).toBe(1);
  });

  it('makes date-times a date field and open text never a dropdown', () => {
    expect(field('attributes.last_login')).toMatchObject({ to: { type: 'date' }, transform: 'date' });
    expect(field('attributes.nickname')?.to).toMatchObject({ type: 'text' });
  });
});
