import { describe, expect, it } from 'vitest';
import type { AttributeDefinition, CanonicalContact } from '../../src/core/model.js';
import { isCategorical, kindsOf } from '../../src/mapping/detect.js';
import { normaliseDate, normaliseDayFirstDate, normaliseSubscription } from '../../src/mapping/normalise.js';
import { proposeContactMap } from '../../src/mapping/propose.js';
import { suggestAttribute } from '../../src/mapping/suggest.js';
import { consentChannel, consentName, identifierName, isHomePhoneName, isPlaceName, matchName, matchReferenceName, nameWords, wordReadings } from '../../src/mapping/synonyms.js';
import { toContactPayload } from '../../src/mapping/transform.js';
import { xtremepushSource } from '../../src/connectors/xtremepush/index.js';

const each = (values: unknown[]) => values.map((v) => [v, 1] as const);
const contact = (i: number, attributes: CanonicalContact['attributes']): CanonicalContact => ({
  sourceKey: `xtremepush:profile:${i}`, sourceId: String(i), externalId: `u${i}`, email: `p${i}@example.com`, phone: null, firstName: null, lastName: null, country: null,
  language: null, timezone: null, emailSubscribed: null, smsSubscribed: null, createdAt: null, updatedAt: null, attributes,
});

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

describe('session 6 rules: by how names and values are built, not by name', () => {
  it('reads a Turkish possessive ending, Salesforce\'s __c suffix, first-touch UTM copies and address qualifiers', () => {
    expect(identifierName('test_kullanicisi')?.reason).toMatch(/test/);
    expect(matchName('abonelikten_cikma_nedeni')?.field).toBe('unsubscription_reason');
    expect(nameWords('Account_Manager__c')).toEqual(['account', 'manager']);
    expect(matchReferenceName('Lifecycle_Stage__c')?.field).toBe('lifecycle_stage_id');
    expect(matchReferenceName('hesap_yoneticisi_eposta')?.field).toBe('owner_id');
    expect(matchReferenceName('initial_utm_source')?.field).toBe('lead_source_id');
    expect(matchReferenceName('first_touch_utm_campaign')?.field).toBe('campaign_id');
    expect(matchName('initial_utm_medium')?.field).toBe('medium');
    expect(matchName('Mailing_State')?.field).toBe('state');
    expect(matchName('shipping_postcode')?.field).toBe('zipcode');
    // A touch word elsewhere is left alone; an English word is not cut like a Turkish one.
    expect(nameWords('last_order_utm')).toEqual(['last', 'order', 'utm']);
    expect(matchName('taxi')).toBeUndefined();
  });

  it('skips ids other tools give a person, security answers and carriers', () => {
    for (const name of ['$distinct_id', 'cio_id', 'gclid', 'AnneKizlikSoyadi', 'security_answer', 'mobile_operator']) expect(identifierName(name), name).toBeDefined();
    expect(identifierName('tour_operator')).toBeUndefined();
  });

  it('reads subscription statuses by their values under a channel or status name, with a value map for the not-subscribed ones', () => {
    expect(consentChannel('iys_eposta_durumu')).toEqual({ field: 'subscription_status', channelAssumed: false });
    expect(consentChannel('sms_state')).toEqual({ field: 'sms_subscription_status', channelAssumed: false });
    expect(consentChannel('push_status')).toBeUndefined();
    const iys = suggestAttribute({ name: 'iys_eposta_durumu', values: each(['ONAY', 'RET', 'ONAY']) });
    expect(iys.target).toEqual({ kind: 'standard', field: 'subscription_status', transform: 'subscription' });
    expect(iys.band).toBe('medium');
    const mc = suggestAttribute({ name: 'mc_status', values: each(['subscribed', 'unsubscribed', 'cleaned', 'pending', 'subscribed']) });
    expect(mc.target).toMatchObject({ kind: 'standard', field: 'subscription_status', values: { subscribed: true, unsubscribed: false, cleaned: false, pending: false, true: true, false: false } });
    // Yes/no values alone under a status name are no subscription: any flag holds yes/no.
    expect(suggestAttribute({ name: 'vip_status', values: each(['yes', 'no', 'yes']) }).target.kind).toBe('custom');
    // A status whose values are not subscription words is not one.
    expect(suggestAttribute({ name: 'order_status', values: each(['shipped', 'pending', 'delivered', 'shipped']) }).target.kind).toBe('custom');
  });

  it('writes a not-subscribed status through its value map as unsubscribed, and refuses a value the map lacks', () => {
    const s = suggestAttribute({ name: 'mc_status', values: each(['subscribed', 'cleaned', 'pending', 'unsubscribed', 'subscribed']) });
    if (s.target.kind !== 'standard' || !s.target.values) throw new Error('expected a consent field with a value map');
    const map = { dedupe: 'email' as const, fields: [{ from: 'attributes.mc_status', to: 'subscription_status' as const, transform: 'subscription' as const, values: s.target.values, on_invalid: 'quarantine' as const }] };
    const ctx = { customFieldNames: new Map<string, string>(), now: 0 };
    expect(toContactPayload(contact(0, { mc_status: 'cleaned' }), map, ctx).payload.subscription_status).toBe(0);
    expect(toContactPayload(contact(1, { mc_status: 'Subscribed' }), map, ctx).payload.subscription_status).toBe(1);
    expect(toContactPayload(contact(2, { mc_status: 'archived' }), map, ctx).issues).toMatchObject([{ field: 'subscription_status', fatal: true, reason: expect.stringMatching(/no value mapping/) }]);
  });

  it('reads yes/no spelled several ways as a flag, a yes/no push permission as a flag, and a list of push tokens as tokens', () => {
    expect(suggestAttribute({ name: 'rahatsiz_etmeyin', values: each(['Hayır', 'Evet', 'hayır', 'Hayir', 'Evet']) }).target).toMatchObject({ kind: 'standard', field: 'do_not_disturb' });
    expect(suggestAttribute({ name: 'loyalty_visits', values: each(['0', '1', '2', '7', '1']) }).target).toMatchObject({ kind: 'custom', type: 'integer' });
    expect(suggestAttribute({ name: 'web_push_subscription', declaredType: 'boolean', values: each(['0', '1', '0']) }).target).toMatchObject({ kind: 'custom', type: 'boolean' });
    const token = 'c2409a8b40b:APA91ba9bd752c889736b1c0b6a0f0fe8d25';
    expect(kindsOf([token])).toContain('push_token');
    expect(kindsOf(JSON.stringify([token]))).toContain('push_token');
    expect(suggestAttribute({ name: '$android_devices', declaredType: 'array', values: each([[token], [token.replace('c24', 'd55')]]) }).target).toMatchObject({ kind: 'skip', route: 'device_dataset' });
  });

  it('takes numbers written like phones (+ or a trunk 0) for phones even in reserved ranges, but not grouped card numbers', () => {
    expect(kindsOf('+1 (415) 555-0110')).toContain('phone');
    expect(kindsOf('07700 900930')).toContain('phone');
    expect(kindsOf('6007 5234 3894')).not.toContain('phone');
    const s = suggestAttribute({ name: 'u_mb', values: each(['+1 (415) 555-0110', '+44 7700 900930', '07700 900169', '0894313054', '+1 212 555 0173']) });
    expect(s.target).toMatchObject({ kind: 'standard', field: 'mobile_number' });
    expect(s.band).toBe('medium');
  });

  it('reads slashed dates day first when the values show the order, and keeps them text when they do not', () => {
    expect(normaliseDayFirstDate('25/01/1995')).toEqual({ ok: true, value: '1995-01-25' });
    expect(normaliseDayFirstDate('13-10-1962 08:30')).toEqual({ ok: true, value: '1962-10-13' });
    expect(normaliseDayFirstDate('1979-03-28')).toEqual({ ok: true, value: '1979-03-28' });
    expect(normaliseDayFirstDate('31/02/1990').ok).toBe(false);
    const shown = suggestAttribute({ name: 'lá_breithe', values: each(['25/01/1995', '10/01/1969', '1979-03-28', '13-10-1962', '04-12-1962']) });
    expect(shown.target).toMatchObject({ kind: 'custom', type: 'date', dayFirst: true });
    // Every first number ≤ 12: month first is as likely, so text with a note.
    const unsure = suggestAttribute({ name: 'joined', values: each(['05/04/2023', '11/03/2022', '01/12/2021']) });
    expect(unsure.target).toMatchObject({ kind: 'custom', type: 'string' });
    // A second number over 12 shows month first: not day first.
    expect(suggestAttribute({ name: 'joined', values: each(['05/24/2023', '11/13/2022', '25/01/2021']) }).target).not.toMatchObject({ dayFirst: true });
  });

  it('proposes a day-first date column with the date_day_first transform, and a district as text', () => {
    const samples = Array.from({ length: 40 }, (_, i) => contact(i, { birth_day: `${String(1 + (i % 28)).padStart(2, '0')}/0${1 + (i % 9)}/19${60 + i}`, district: ['Çankaya', 'Bornova', 'Nilüfer'][i % 3]! }));
    const p = proposeContactMap({ source: 'xtremepush', attributes: [{ name: 'birth_day', type: 'string' }, { name: 'district', type: 'string' }], samples });
    const f = (from: string) => p.spec.objects.contact.fields.find((x) => x.from === from);
    expect(f('attributes.birth_day')).toMatchObject({ to: { type: 'date' }, transform: 'date_day_first' });
    const ctx = { customFieldNames: new Map<string, string>([['Birth day', 'cf_birth_day']]), now: 0 };
    expect(toContactPayload(samples[20]!, p.spec.objects.contact, ctx).payload.custom_field).toMatchObject({ cf_birth_day: '1980-03-21' });
    expect(isPlaceName('district')).toBe(true);
    expect(f('attributes.district')?.to).toMatchObject({ type: 'text' });
  });
});

describe('reading a name more than one way', () => {
  it('writes abbreviations out, splits a name written as one word, and reads Turkish and (back to front) Irish in English', () => {
    expect(wordReadings('acct_mgr_email')).toContainEqual(['account', 'manager', 'email']);
    expect(wordReadings('donotbulkemail')).toContainEqual(['do', 'not', 'bulk', 'email']);
    expect(wordReadings('satis_temsilcisi')).toContainEqual(['sales', 'representative']);
    expect(wordReadings('guthan_oibre')).toContainEqual(['work', 'phone']);
    // Lenition undone ("chónaithe" → cónaithe); a verb phrase is not turned round.
    expect(wordReadings('tir_chonaithe')).toContainEqual(['residence', 'country']);
    expect(wordReadings('na_glaoigh')).toContainEqual(['do', 'not', 'call']);
  });

  it.each([
    ['srch_kw', 'keyword'], ['unsub_rsn', 'unsubscription_reason'], ['utm_ortam', 'medium'], ['isyeri_telefonu', 'work_number'], ['ainm_teaghlaigh', 'last_name'],
    ['address1_city', 'city'], ['we_phone', 'mobile_number'], ['primary_address_country', 'country'], ['address1_stateorprovince', 'state'], ['na_glaoigh', 'do_not_disturb'], ['donotphone', 'do_not_disturb'],
  ])('%s names %s', (name, field) => {
    expect(matchName(name)?.field).toBe(field);
  });

  it('takes a run of words for the field only beside prefixes and qualifiers, never a generic word alone or a path to another record', () => {
    expect(matchName('we_phone')?.how).toBe('partial');
    expect(matchName('fav_county_team')).toBeUndefined();
    expect(matchName('product_name')).toBeUndefined();
    expect(matchName('email_opens')).toBeUndefined();
    expect(matchName('user_id.name')).toBeUndefined();
    // The Irish for a username is a username.
    expect(matchName('ainm_usaideora')).toBeUndefined();
  });

  it('names references, consents, identifiers and home phones through the other readings', () => {
    expect(matchReferenceName('satis_temsilcisi')?.field).toBe('owner_id');
    expect(matchReferenceName('acct_mgr_email')?.field).toBe('owner_id');
    expect(matchReferenceName('lead_status_c')?.field).toBe('contact_status_id');
    expect(matchReferenceName('cmpgn')?.field).toBe('campaign_id');
    expect(consentName('donotbulkemail')).toEqual({ field: 'subscription_status', inverted: true, channelAssumed: false });
    expect(consentName('sms_almak_istemiyor')).toEqual({ field: 'sms_subscription_status', inverted: true, channelAssumed: false });
    expect(consentName('receive_promos')).toEqual({ field: 'subscription_status', inverted: false, channelAssumed: true });
    expect(consentName('diliostail_riomhphost')).toMatchObject({ field: 'subscription_status', inverted: true });
    // Postal mail is no Freshsales consent; calls are Do not disturb, true when calls are refused.
    expect(consentName('donotpostalmail')).toBeUndefined();
    expect(consentName('IsSubscribeToDirectMail')).toBeUndefined();
    expect(consentName('aranmak_istemiyor')).toEqual({ field: 'do_not_disturb', inverted: false, channelAssumed: false });
    expect(consentName('IsSubscribeToPhoneCall')).toEqual({ field: 'do_not_disturb', inverted: true, channelAssumed: false });
    expect(consentName('iBlackList')).toEqual({ field: 'do_not_disturb', inverted: false, channelAssumed: false });
    expect(consentName('blackListMobile')).toEqual({ field: 'sms_subscription_status', inverted: true, channelAssumed: false });
    expect(consentName('blackListPushnotification')).toBeUndefined();
    expect(identifierName('freagra_runda')).toBeDefined();
    expect(identifierName('uimhir_leasa_shoisialaigh')).toBeDefined();
    expect(identifierName('Parola')).toBeDefined();
    expect(isHomePhoneName('phone_home')).toBe(true);
    expect(isHomePhoneName('guthan_baile')).toBe(true);
  });

  it('lets the values overrule a run of the name: a misspelt email column is emails, a hash column is skipped', () => {
    const emails = ['sophie.ryan@example.com', 'olivia.brown@example.net', 'luke71@example.com', 'aoife@example.ie', 'ronan@example.org'];
    expect(suggestAttribute({ name: 'emial_address', values: each(emails) }).target).toMatchObject({ kind: 'standard', field: 'emails' });
    const hashes = ['e0fe84a65517e3f7d428cf545ab9a2a8', 'c4a6c7bbf089da7e88ccf17f6de0d34c', '597eaae37cf50d17d0e1d526f0d4c5a1', '0d4c5a1e0fe84a65517e3f7d428cf545', '7d428cf545ab9a2a8e0fe84a65517e3f'];
    expect(suggestAttribute({ name: 'email_md5', values: each(hashes) }).target.kind).toBe('skip');
  });

  it('reads a number with an extension as a phone, codes under a code name as categories, and long numbers under an id name as text', () => {
    expect(kindsOf('+353 1 555 0142 ext. 214')).toContain('phone');
    expect(kindsOf('0212 555 12 34 dahili 45')).toContain('phone');
    expect(suggestAttribute({ name: 'preferredcontactmethodcode', declaredType: 'number', values: each(['5', '2', '2', '1', '3']) }).target).toMatchObject({ kind: 'custom', type: 'string' });
    expect(suggestAttribute({ name: 'billing_tax_number', values: each(['6268661555', '9427992999', '1542587089']) }).target).toMatchObject({ kind: 'custom', type: 'string' });
    expect(suggestAttribute({ name: 'loyalty_points', values: each(['6268', '9427992', '1542']) }).target).toMatchObject({ kind: 'custom', type: 'integer' });
  });
});

describe('consents and codes by how they are built (held-out set 4 round)', () => {
  it('reads a call permission as Do not disturb the other way round, and a channel alone with yes/no values as its consent', () => {
    const call = suggestAttribute({ name: 'IsSubscribeToPhoneCall', declaredType: 'boolean', values: each([true, true, false, true]) });
    expect(call.target).toMatchObject({ kind: 'standard', field: 'do_not_disturb', transform: 'boolean', values: { true: false, false: true } });
    expect(suggestAttribute({ name: 'nuachtlitir', values: each(['Tá', 'Níl', 'Tá']) }).target).toMatchObject({ kind: 'standard', field: 'subscription_status', transform: 'subscription' });
    // An email address's own name with yes/no values is not a consent.
    expect(suggestAttribute({ name: 'email', values: each(['true', 'false', 'true']) }).target).not.toMatchObject({ field: 'subscription_status' });
  });

  it('proposes time zones by their values, ids of a short list as a dropdown, notes as a textarea, password hashes skipped', () => {
    expect(suggestAttribute({ name: 'zone', values: each(['Europe/Dublin', 'Europe/Istanbul', 'America/New_York']) })).toMatchObject({ target: { kind: 'custom', type: 'string' }, standard: 'time_zone' });
    expect(suggestAttribute({ name: 'locale_id', declaredType: 'number', values: [[1176, 9], [1, 7]] }).target).toMatchObject({ kind: 'custom', type: 'string' });
    const notes = ['Called re: damaged parcel, reshipped.', 'Prefers email over phone.', 'Asked for the invoice again.'];
    expect(suggestAttribute({ name: 'cust_notes', values: each(notes) }).target).toMatchObject({ kind: 'custom', textarea: true });
    const hashes = ['$2y$10$/2NI0WkHCzy5EgzGoN4H.yqj97h29gjKmtpaUe3AD1IWQXxYA8hxc', '$2y$10$J7UFIP5ew24OHvRYMyV0wZPKjJ2TdClpiGau6RH8OZ9RY3t3qmCBB'];
    expect(suggestAttribute({ name: 'secret_thing', values: each(hashes) }).target.kind).toBe('skip');
  });

  it('finds a reference beside qualifiers and by an id name, and a generic word behind a bare prefix', () => {
    expect(matchReferenceName('C_Lead_Source___Most_Recent1')?.field).toBe('lead_source_id');
    expect(suggestAttribute({ name: 'leadsource_id', declaredType: 'number', values: each([0, 12, 0, 12]) }).target).toMatchObject({ kind: 'reference', field: 'lead_source_id', values: { '0': null, '12': null } });
    expect(matchName('C_Title')?.field).toBe('job_title');
    expect(matchName('page_title')).toBeUndefined();
    expect(matchName('na_cuir_isteach_orm')?.field).toBe('do_not_disturb');
  });
});

describe('held-out set 5 round: status words, national ids, companies', () => {
  it('reads vendors\' consent statuses through a value map, and I / O only under a name that says consent', () => {
    const cc = suggestAttribute({ name: 'email_address.permission_to_send', values: each(['explicit', 'implicit', 'unsubscribed', 'explicit']) });
    expect(cc.target).toMatchObject({ kind: 'standard', field: 'subscription_status', values: { explicit: true, implicit: true, unsubscribed: false } });
    const omni = suggestAttribute({ name: 'channels.sms.status', values: each(['nonSubscribed', 'subscribed', 'unsubscribed', 'nonSubscribed']) });
    expect(omni.target).toMatchObject({ kind: 'standard', field: 'sms_subscription_status', values: { nonSubscribed: false, subscribed: true } });
    const rsys = suggestAttribute({ name: 'EMAIL_PERMISSION_STATUS_', values: each(['I', 'O', 'I', 'I']) });
    expect(rsys.target).toMatchObject({ kind: 'standard', field: 'subscription_status', values: { I: true, O: false } });
    // Letters alone under a name that does not say consent are not one.
    expect(suggestAttribute({ name: 'grade', values: each(['I', 'O', 'I', 'I']) }).target.kind).toBe('custom');
    expect(suggestAttribute({ name: 'telefonla_aranma_izni', values: each(['Var', 'Yok', 'Var']) }).target).toMatchObject({ field: 'do_not_disturb', values: { Var: false, Yok: true } });
  });

  it('skips PPS and TCKN numbers by their values, and keeps company names out of Job title', () => {
    expect(kindsOf('3967208CW')).toContain('national_id');
    expect(kindsOf('10000000146')).toContain('national_id');
    expect(kindsOf('10000000147')).not.toContain('national_id');
    expect(suggestAttribute({ name: 'personalID', values: each(['3967208CW', '2151802DW', '8096589LA', '1861393V']) }).target.kind).toBe('skip');
    expect(suggestAttribute({ name: 'cari_unvan1', values: each(['YILMAZ GIDA SAN. VE TİC. LTD. ŞTİ.', 'Kaya Tekstil A.Ş.', 'Murphy Engineering Ltd', 'Ó Sé Teo.']) }).target.kind).toBe('custom');
  });

  it('does not take a birth country or language codes for the country the person lives in', () => {
    expect(suggestAttribute({ name: 'tír_bhreithe', values: each(['Éire', 'An Fhrainc', 'Éire']) }).target.kind).toBe('custom');
    expect(suggestAttribute({ name: 'registrationIsoLanguage', values: each(['en', 'de', 'fr', 'de']) }).target.kind).toBe('custom');
    expect(suggestAttribute({ name: 'attr_9', values: each(['Ireland', 'France', 'Ireland']) }).target).toMatchObject({ kind: 'standard', field: 'country' });
  });
});

describe("people's names by their values", () => {
  it('reads full names, given names and surnames (Irish prefixes too) from the values when the name says nothing', () => {
    expect(kindsOf('Aoife Murphy')).toContain('person_name');
    expect(kindsOf('Hüseyin')).toContain('given_name');
    expect(kindsOf('Ó Ceallaigh')).toContain('surname');
    expect(kindsOf('Dublin')).not.toContain('given_name');
    const full = ['Aoife Murphy', "SEAN O'BRIEN", 'Priya Patel', 'Mehmet Yılmaz', 'Jack Doherty'];
    expect(suggestAttribute({ name: 'cust_nm_full', values: each(full) }).target).toMatchObject({ kind: 'standard', field: 'first_name' });
    expect(suggestAttribute({ name: 'x_col_3', values: each(['Ó Ceallaigh', 'Breathnach', 'Murphy', 'Mac Cárthaigh', 'Yılmaz']) }).target).toMatchObject({ kind: 'standard', field: 'last_name' });
  });

  it("does not take someone else's name (a spouse, a manager) or names many contacts share for the contact's", () => {
    const full = ['Oisín Kavanagh', 'Fionn Brennan', 'Ella Quinn', 'Grace Hughes'];
    expect(suggestAttribute({ name: 'report_to_name', values: each(full) }).target.kind).toBe('custom');
    expect(suggestAttribute({ name: 'spouse', values: each(full) }).target.kind).toBe('custom');
    expect(suggestAttribute({ name: 'x_col_9', values: [['Ayşe Demir', 40], ['Murat Kaya', 35]] }).target.kind).toBe('custom');
  });
});

describe('held-out set 6 round', () => {
  it("skips the ids other tools give a person by the tool's name, but not their owner ids", () => {
    expect(identifierName('shopify_customer_id')).toBeDefined();
    expect(identifierName('salesforceLeadId')).toBeDefined();
    expect(identifierName('hubspot_owner_id')).toBeUndefined();
    expect(kindsOf('0035g00000XyZ12AAB')).toContain('high_entropy_id');
  });

  it('reads a channel as a contact source, utility qualifiers, Irish form labels, permits and canvassing', () => {
    expect(matchReferenceName('kayitKanali')?.field).toBe('lead_source_id');
    expect(matchReferenceName('How did you hear about us?')?.field).toBe('lead_source_id');
    expect(matchReferenceName('Úinéir Teagmhála')?.field).toBe('owner_id');
    expect(matchName('Supply Eircode')?.field).toBe('zipcode');
    expect(matchName('Do Not Canvass')?.field).toBe('do_not_disturb');
    expect(isHomePhoneName('Uimhir Fóin Baile')).toBe(true);
    expect(consentName('GSM_PERMIT_STATUS')).toMatchObject({ field: 'sms_subscription_status' });
    expect(consentName('Text Opt In')).toMatchObject({ field: 'sms_subscription_status' });
  });

  it('keeps given names out of Last name and long numbers under an abbreviated id name as text', () => {
    expect(suggestAttribute({ name: 'SECOND_NAME', values: each(['Ali', 'Nur', 'Mehmet', 'Ayşe']) }).target.kind).toBe('custom');
    expect(suggestAttribute({ name: 'MPRN', values: each(['10810165122', '10888859980', '10064065564']) }).target).toMatchObject({ kind: 'custom', type: 'string' });
  });
});

describe('held-out set 7 round: calibration, lists by their values, marketing words', () => {
  it('calls a custom type high only when the name says what the values are', () => {
    expect(suggestAttribute({ name: 'loyalty_points', declaredType: 'number', values: each([120, 45, 3300, 12, 870]) }).band).toBe('high');
    expect(suggestAttribute({ name: 'bulk_mail', declaredType: 'number', values: each([1, 1, 0, 2, 1]) }).band).toBe('medium');
    expect(suggestAttribute({ name: 'is_vip', declaredType: 'boolean', values: each([true, false, false]) }).band).toBe('high');
    // A yes/no with a channel in its name may be a consent the tables missed.
    expect(suggestAttribute({ name: 'email_digest', declaredType: 'boolean', values: each([true, false, false]) }).band).toBe('medium');
  });

  it('finds a stage or a status by its values under a stage, status or type name', () => {
    expect(suggestAttribute({ name: 'type', values: each(['lead', 'lead', 'customer', 'lead']) }).target).toMatchObject({ kind: 'reference', field: 'lifecycle_stage_id' });
    expect(suggestAttribute({ name: 'status_label', values: each(['Potential', 'Qualified', 'Potential', 'Bad Fit']) }).target).toMatchObject({ kind: 'reference', field: 'contact_status_id' });
    expect(suggestAttribute({ name: 'ticket_channel', values: each(['lead', 'customer', 'lead']) }).target.kind).toBe('custom');
  });

  it('reads marketing words beside a channel as consent, İYS call consent through a value map, and a person path\'s title', () => {
    expect(consentName('Email News And Promotions')).toMatchObject({ field: 'subscription_status', inverted: false });
    expect(consentName('Boolean:SMS ile Kampanya Bildirimi')).toMatchObject({ field: 'sms_subscription_status' });
    expect(consentName('WhatsApp Bildirim İzni')).toMatchObject({ field: 'whatsapp_subscription_status' });
    expect(consentName('Email Notifications')).toBeUndefined();
    expect(suggestAttribute({ name: 'IYS_ARAMA_ONAY', values: each(['RET', 'ONAY', 'RET']) }).target).toMatchObject({ field: 'do_not_disturb', transform: 'boolean', values: { RET: true, ONAY: false } });
    expect(matchName('contacts.0.title')?.field).toBe('job_title');
    expect(matchName('traffic_source.name')).toBeUndefined();
    expect(matchReferenceName('Conas a chuala tú fúinn?')?.field).toBe('lead_source_id');
    expect(suggestAttribute({ name: 'PHONE_ASSISTANT', values: each(['(415) 555-0142', '+353 1 555 0199', '01 555 0100']) }).target.kind).toBe('custom');
  });
});

describe('held-out set 8 round', () => {
  it('reads an earlier system\'s ids, zero-padded ids, bare vendor prefixes and channel-only consents by rule', () => {
    expect(identifierName('Legacy Account Number 1')).toBeDefined();
    expect(identifierName('passportExpiry')).toBeUndefined();
    expect(kindsOf('0001048215')).not.toContain('phone');
    expect(matchName('OS Name')).toBeUndefined();
    expect(matchName('we_title')?.field).toBe('job_title');
    expect(suggestAttribute({ name: 'SMS_MMS', declaredType: 'boolean', values: each([true, false, true]) }).target).toMatchObject({ kind: 'standard', field: 'sms_subscription_status' });
  });

  it('reads four-digit postcodes, numbers under a number name as text not timestamps, and Turkish and Irish labels', () => {
    expect(suggestAttribute({ name: 'ZIPCODE', values: each(['75011', '1204', '69002', '1227']) }).target).toMatchObject({ kind: 'standard', field: 'zipcode' });
    expect(suggestAttribute({ name: 'Leap Card Number', values: each(['1008742210', '1009358841', '1007115529']) }).target).toMatchObject({ kind: 'custom', type: 'string' });
    expect(matchName('İş Telefon No')?.field).toBe('work_number');
    expect(matchName('teslimat_sehri')?.field).toBe('city');
    expect(matchName('E-posta Aboneliği İptal Nedeni')?.field).toBe('unsubscription_reason');
    expect(matchName('İletişime Kapalı')?.field).toBe('do_not_disturb');
    expect(matchReferenceName('Céim Saolré an Chustaiméara')?.field).toBe('lifecycle_stage_id');
    expect(identifierName('Kayıt Güncelleme Zamanı')).toBeDefined();
  });
});

describe('held-out sets 9 and 10 round', () => {
  it('reads event-pipeline prefixes, joined billing words, dotted owner paths and opt suffixes', () => {
    expect(matchName('context_traits_address_city')?.field).toBe('city');
    expect(matchName('billcity')?.field).toBe('city');
    expect(matchReferenceName('context_campaign_name')?.field).toBe('campaign_id');
    expect(matchReferenceName('owner.username')?.field).toBe('owner_id');
    expect(matchReferenceName('trackingParams.utm_campaign')?.field).toBe('campaign_id');
    expect(matchReferenceName('IYS_KAYNAK')).toBeUndefined();
    expect(suggestAttribute({ name: 'globalsubscriptionstatus', values: each(['Soft Opt-In', 'Confirmed Opt-In', 'Soft Opt-Out', 'Soft Opt-In']) }).target).toMatchObject({ kind: 'standard', field: 'subscription_status', values: { 'Soft Opt-In': true, 'Soft Opt-Out': false } });
    expect(kindsOf('black_friday_2026')).not.toContain('high_entropy_id');
    expect(kindsOf('card_1IOeBusJiAD2hyRGFrNg1MMw')).toContain('high_entropy_id');
  });

  it('keeps gamertags out of First name and codes out of Tags, and reads İYS call consent and Irish form labels', () => {
    expect(suggestAttribute({ name: 'PLAYERNAME', values: each(['JYZTEST02', 'BETIE_MURPHYJ', 'BETIE_KATIE88', 'BETIE_D0NAL']) }).target.kind).toBe('custom');
    expect(suggestAttribute({ name: 'BTag', values: each(['b_35954b_613', 'a_80420b_9756', 'a_65065b_8334']) }).target.kind).toBe('custom');
    expect(consentName('ticariIletiArama')).toMatchObject({ field: 'do_not_disturb', inverted: true });
    expect(consentName('iys.ARAMA.status')).toMatchObject({ field: 'do_not_disturb', inverted: true });
    expect(matchName('Baile Poist')?.field).toBe('city');
    expect(matchName('Gan Teagmháil a Dhéanamh')?.field).toBe('do_not_disturb');
    expect(matchReferenceName('Cá bhFuair Tú Eolas Fúinn')?.field).toBe('lead_source_id');
    expect(suggestAttribute({ name: 'ILCE_KODU', values: each(['1421', '1231', '1780', '1422', '1500', '1600', '1700', '1800', '1900', '1950', '1960']) }).target).toMatchObject({ kind: 'custom', type: 'string' });
  });
});

describe('held-out sets 11 and 12 round: form questions, guardians, ticks', () => {
  it('reads form questions and their asides as qualifiers, and yes- or no-led answers under a consent name', () => {
    expect(matchName('Which county are you based in?')?.field).toBe('state');
    expect(matchName('Eircode (if known)')?.field).toBe('zipcode');
    expect(matchName('Why are you unsubscribing?')?.field).toBe('unsubscription_reason');
    const s = suggestAttribute({ name: "I'd like to receive updates by email", values: each(['Yes, keep me posted', 'No thanks', 'Yes, keep me posted']) });
    expect(s.target).toMatchObject({ kind: 'standard', field: 'subscription_status', values: { 'Yes, keep me posted': true, 'No thanks': false } });
    expect(consentName('Kampanyalardan e-posta ile haberdar olmak istiyorum')).toMatchObject({ field: 'subscription_status' });
  });

  it("takes a parent's or guardian's phone and email as the member's, never their name", () => {
    expect(suggestAttribute({ name: 'Parent/Guardian Mobile', values: each(['087 331 2290', '086 119 4472', '085 778 2001']) }).target).toMatchObject({ kind: 'standard', field: 'mobile_number' });
    expect(suggestAttribute({ name: 'Ainm an Tuismitheora/Caomhnóra', values: each(['Máire Uí Mhurchú', 'Seán Ó Conaill', 'Aoife Murphy']) }).target.kind).toBe('custom');
    expect(suggestAttribute({ name: 'emergencyContactPhone', values: each(['087 331 2290', '086 119 4472', '085 778 2001']) }).target.kind).toBe('custom');
  });

  it('reads a tick as yes, ids starting with 1 as ids, stage words in Turkish and a calendar\'s time zone names', () => {
    expect(suggestAttribute({ name: 'Arama Yapılmasın', values: each(['', 'X', '', 'X']) }).target).toMatchObject({ field: 'do_not_disturb' });
    expect(kindsOf('100004521')).not.toContain('phone');
    expect(kindsOf('898109071')).toContain('phone');
    expect(suggestAttribute({ name: 'Durum', values: each(['Aktif Müşteri', 'Potansiyel', 'Aktif Müşteri', 'Potansiyel']) }).target).toMatchObject({ kind: 'reference', field: 'lifecycle_stage_id' });
    expect(kindsOf('Central European Time')).toContain('timezone');
  });
});

describe('held-out sets 13 and 14 round', () => {
  it('keeps WhatsApp one word, reads vendor-prefixed and qualified names, and Irish article forms', () => {
    expect(nameWords('Teachtaireachtaí margaíochta ar WhatsApp')).toContain('whatsapp');
    expect(consentName('Teachtaireachtaí margaíochta ar WhatsApp')).toMatchObject({ field: 'whatsapp_subscription_status' });
    expect(matchReferenceName('Optimove_Lifecycle_Stage')?.field).toBe('lifecycle_stage_id');
    expect(matchName('County of Usual Residence')?.field).toBe('state');
    expect(matchName('DELIVERY_STATE')?.field).toBe('state');
    expect(matchName('Contae an tSíntiúsóra')?.field).toBe('state');
    expect(consentName('Tairiscintí trí Théacs')).toMatchObject({ field: 'sms_subscription_status' });
  });

  it('reads a workplace landline as Work, and skips sync columns, testers and push endpoints by name', () => {
    expect(isHomePhoneName('isyeri_sabit_hat')).toBe(false);
    expect(matchName('isyeri_sabit_hat')?.field).toBe('work_number');
    for (const name of ['_fivetran_synced', 'internalTester', 'web_push_endpoint', 'RowNumber']) expect(identifierName(name), name).toBeDefined();
  });
});

describe("set 16's wrong-but-high answers, fixed by rule", () => {
  it("reads a person container's last part first, OFF as office, and keeps surnames out of First name", () => {
    expect(matchName('personName.surname')?.field).toBe('last_name');
    expect(matchName('address.city')?.field).toBe('city');
    expect(matchName('OFF.PHONE')?.field).toBe('work_number');
    expect(suggestAttribute({ name: 'nm_full', values: each(['Brennan', 'Rossi', 'Schmidt', 'Murphy', 'Kelly']) }).target).not.toMatchObject({ field: 'first_name' });
  });
});
