import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CanonicalContact } from '../../src/core/model.js';
import { parseMappingSpec, type ContactMap } from '../../src/mapping/spec.js';
import { toContactPayload, type TransformContext } from '../../src/mapping/transform.js';

const map: ContactMap = parseMappingSpec(readFileSync(join(import.meta.dirname, '../fixtures/mapping/valid.yaml'), 'utf8'), 'valid.yaml').objects.contact;

const ctx: TransformContext = {
  customFieldNames: new Map([
    ['Lifetime value', 'cf_lifetime_value'],
    ['Favourite team', 'cf_favourite_team'],
    ['Interests', 'cf_interests'],
    ['Date of birth', 'cf_date_of_birth_'],
    ['VIP', 'cf_vip'],
    ['Xtremepush ID', 'cf_xtremepush_id'],
  ]),
  now: Date.UTC(2025, 0, 1),
};

function contact(over: Partial<CanonicalContact> = {}, attributes: CanonicalContact['attributes'] = {}): CanonicalContact {
  return {
    sourceKey: 'xtremepush:profile:4711',
    sourceId: '4711',
    externalId: 'u-4711',
    email: ' Aoife.Murphy@Example.IE ',
    phone: '353871234567',
    firstName: ' Aoife ',
    lastName: 'Ó Súilleabháin',
    country: 'IE',
    language: 'ga',
    timezone: 'Europe/Dublin',
    emailSubscribed: true,
    smsSubscribed: false,
    createdAt: '2023-11-14T22:13:20.000Z',
    updatedAt: '2024-11-14T22:13:20.000Z',
    ...over,
    attributes: {
      lifetime_value: '1250.50',
      favourite_team: 'galway',
      interests: '["music","sports"]',
      date_of_birth: '1990-06-15 00:00:00 +01:00',
      vip: 'yes',
      lifecycle_stage: 'Lead',
      ...attributes,
    },
  };
}

describe('toContactPayload: a clean contact', () => {
  it('writes standard fields, custom fields under their cf_ names, typed for Freshsales', () => {
    const out = toContactPayload(contact(), map, ctx);
    expect(out.issues).toEqual([]);
    expect(out.emailKey).toBe('aoife.murphy@example.ie');
    expect(out.payload).toEqual({
      emails: 'Aoife.Murphy@example.ie',
      mobile_number: '+353871234567',
      first_name: 'Aoife',
      last_name: 'Ó Súilleabháin',
      subscription_status: 1,
      lifecycle_stage_id: 16000000002,
      custom_field: {
        cf_lifetime_value: 1250.5,
        cf_favourite_team: 'Galway', // the choice's own spelling
        cf_interests: ['music', 'sports'],
        cf_date_of_birth_: '1990-06-15', // the date as written, no zone shift
        cf_vip: true,
        cf_xtremepush_id: 'u-4711',
      },
    });
  });

  it('is pure: same input, same output, and the contact is not modified', () => {
    const c = contact();
    const frozen = structuredClone(c);
    const a = toContactPayload(c, map, ctx);
    const b = toContactPayload(c, map, ctx);
    expect(a).toEqual(b);
    expect(c).toEqual(frozen);
  });

  it('reads a national phone with the contact country as the hint', () => {
    const out = toContactPayload(contact({ phone: '087 123 4567', country: 'Ireland' }), map, ctx);
    expect(out.payload.mobile_number).toBe('+353871234567');
  });

  it('leaves absent values out without an issue', () => {
    const out = toContactPayload(contact({ phone: null, lastName: '  ', emailSubscribed: null }, { vip: null, interests: [] }), map, ctx);
    expect(out.issues).toEqual([]);
    expect(out.payload).not.toHaveProperty('mobile_number');
    expect(out.payload).not.toHaveProperty('last_name');
    expect(out.payload).not.toHaveProperty('subscription_status');
    expect(out.payload.custom_field).not.toHaveProperty('cf_vip');
    expect(out.payload.custom_field).not.toHaveProperty('cf_interests');
  });

  it('with clearAbsent, writes null for absent values so a delta clears them (never for emails)', () => {
    const out = toContactPayload(contact({ phone: null }, { vip: null }), map, { ...ctx, clearAbsent: true });
    expect(out.payload.mobile_number).toBeNull();
    expect(out.payload.custom_field.cf_vip).toBeNull();
    const noEmail = toContactPayload(contact({ email: null }), map, { ...ctx, clearAbsent: true });
    expect(noEmail.payload).not.toHaveProperty('emails');
  });
});

describe('toContactPayload: fatal and non-fatal outcomes', () => {
  type Case = [name: string, c: CanonicalContact, issue: { field: string; reason: string; fatal: boolean }, missing: string];
  const cases: Case[] = [
    ['missing email', contact({ email: null }), { field: 'emails', reason: 'Freshsales requires an email', fatal: true }, 'emails'],
    ['blank email', contact({ email: '   ' }), { field: 'emails', reason: 'Freshsales requires an email', fatal: true }, 'emails'],
    ['invalid email', contact({ email: 'aoife.example.com' }), { field: 'emails', reason: 'invalid email: no @', fatal: true }, 'emails'],
    ['email with spaces', contact({ email: 'aoife murphy@example.ie' }), { field: 'emails', reason: 'invalid email: contains spaces', fatal: true }, 'emails'],
    ['junk phone', contact({ phone: 'n/a' }), { field: 'mobile_number', reason: 'mobile_number: not a phone number', fatal: false }, 'mobile_number'],
    ['national phone, no country', contact({ phone: '087 123 4567', country: null }), { field: 'mobile_number', reason: expect.stringMatching(/^mobile_number: not a phone number/), fatal: false } as never, 'mobile_number'],
    // Optional fields drop the value by default (on_invalid: drop_field): the contact loads without it.
    ['first name over 255 characters', contact({ firstName: 'A'.repeat(300) }), { field: 'first_name', reason: 'first_name: longer than 255 characters (300)', fatal: false }, 'first_name'],
    ['first name with a NUL', contact({ firstName: 'Ao\u0000ife' }), { field: 'first_name', reason: 'first_name: contains control characters', fatal: false }, 'first_name'],
    ['custom number that is not a number', contact({}, { lifetime_value: 'lots' }), { field: 'Lifetime value', reason: 'custom field "Lifetime value": not a number ("lots")', fatal: false }, 'cf_lifetime_value'],
    ['custom number that is NaN', contact({}, { lifetime_value: 'NaN' }), { field: 'Lifetime value', reason: 'custom field "Lifetime value": not a number ("NaN")', fatal: false }, 'cf_lifetime_value'],
    ['custom number beyond a double (1e309)', contact({}, { lifetime_value: '1e309' }), { field: 'Lifetime value', reason: 'custom field "Lifetime value": not a finite number ("1e309")', fatal: false }, 'cf_lifetime_value'],
    ['custom number too large for Freshsales', contact({}, { lifetime_value: 123456789012 }), { field: 'Lifetime value', reason: 'custom field "Lifetime value": too large: more than 11 digits before the decimal point', fatal: false }, 'cf_lifetime_value'],
    ['dropdown value outside the choices', contact({}, { favourite_team: 'Kerry' }), { field: 'Favourite team', reason: 'custom field "Favourite team": "Kerry" is not one of the field\'s choices (add it to choices, or map the field to text)', fatal: false }, 'cf_favourite_team'],
    ['multi-select element outside the choices', contact({}, { interests: ['music', 'golf'] }), { field: 'Interests', reason: expect.stringContaining('"golf" is not one of the field\'s choices'), fatal: false } as never, 'cf_interests'],
    ['broken JSON list', contact({}, { interests: '["music",' }), { field: 'Interests', reason: 'custom field "Interests": looks like a JSON list but is not valid JSON', fatal: false }, 'cf_interests'],
    ['date that is not a date', contact({}, { date_of_birth: '31/02/1990' }), { field: 'Date of birth', reason: 'custom field "Date of birth": not a date ("31/02/1990")', fatal: false }, 'cf_date_of_birth_'],
    ['date that does not exist', contact({}, { date_of_birth: '2020-02-30' }), { field: 'Date of birth', reason: 'custom field "Date of birth": not a real calendar date (2020-02-30)', fatal: false }, 'cf_date_of_birth_'],
    ['checkbox that is not yes/no', contact({}, { vip: 'sometimes' }), { field: 'VIP', reason: 'custom field "VIP": not a yes/no value ("sometimes")', fatal: false }, 'cf_vip'],
    ['unreadable subscription flag', contact({ emailSubscribed: 'maybe' as unknown as boolean }), { field: 'subscription_status', reason: 'subscription_status: not a subscription flag ("maybe")', fatal: true }, 'subscription_status'],
    ['value missing from the values map', contact({}, { lifecycle_stage: 'engaged' }), { field: 'lifecycle_stage_id', reason: 'lifecycle_stage_id: no value mapping for "engaged" (add it under values)', fatal: false }, 'lifecycle_stage_id'],
  ];

  it.each(cases)('%s', (_name, c, issue, missing) => {
    const out = toContactPayload(c, map, ctx);
    // A value the field could not take is named (short, escaped); a dropped one is marked for the report.
    const value = /requires an email/.test(String(issue.reason)) ? {} : { value: expect.any(String) };
    expect(out.issues).toEqual([{ from: expect.any(String), ...value, ...(issue.fatal ? {} : { dropped: true }), ...issue }]);
    const where = missing.startsWith('cf_') ? out.payload.custom_field : out.payload;
    expect(where).not.toHaveProperty(missing);
    // Every other field is still built, so a non-fatal issue costs only its own field.
    if (!issue.fatal) {
      expect(out.payload.emails).toBe('Aoife.Murphy@example.ie');
      expect(Object.keys(out.payload.custom_field)).toHaveLength(missing.startsWith('cf_') ? 5 : 6);
    }
    if (missing === 'emails') expect(out.emailKey).toBeNull();
  });

  it('reports several problems of one contact at once', () => {
    const out = toContactPayload(contact({ email: null, phone: 'call me' }, { vip: 'sometimes' }), map, ctx);
    expect(out.issues.map((i) => [i.field, i.fatal])).toEqual([
      ['emails', true],
      ['mobile_number', false],
      ['VIP', false],
    ]);
  });

  it('a values-map entry of null means "write nothing"', () => {
    const out = toContactPayload(contact({}, { lifecycle_stage: 'churned' }), map, ctx);
    expect(out.issues).toEqual([]);
    expect(out.payload).not.toHaveProperty('lifecycle_stage_id');
  });

  it('a custom field Freshsales does not have quarantines the contact', () => {
    const names = new Map(ctx.customFieldNames);
    names.delete('VIP');
    const out = toContactPayload(contact(), map, { ...ctx, customFieldNames: names });
    expect(out.issues).toEqual([{ field: 'VIP', from: 'attributes.vip', reason: expect.stringMatching(/^custom field "VIP": not found in Freshsales/), fatal: true }]);
  });

  it('binds custom labels ignoring case and spacing differences', () => {
    const names = new Map([...ctx.customFieldNames].map(([label, cf]) => [label === 'VIP' ? ' vip ' : label, cf]));
    expect(toContactPayload(contact(), map, { ...ctx, customFieldNames: names }).payload.custom_field.cf_vip).toBe(true);
  });
});

describe('toContactPayload: on_invalid overrides the default', () => {
  const yaml = (extra: string) =>
    parseMappingSpec(`version: 1\nsource: xtremepush\nobjects:\n  contact:\n    fields:\n      - { from: email, to: emails }\n${extra}`, 'm.yaml').objects.contact;

  it('phone with on_invalid: quarantine makes a junk phone fatal', () => {
    const m = yaml('      - { from: phone, to: mobile_number, on_invalid: quarantine }\n');
    expect(toContactPayload(contact({ phone: 'n/a' }), m, ctx).issues).toEqual([{ field: 'mobile_number', from: 'phone', reason: 'mobile_number: not a phone number', fatal: true, value: '"n/a"' }]);
  });

  it('a custom field with on_invalid: quarantine holds the contact back', () => {
    const m = yaml('      - { from: attributes.points, to: { custom: Points, type: number }, on_invalid: quarantine }\n');
    const out = toContactPayload(contact({}, { points: 'lots' }), m, { ...ctx, customFieldNames: new Map([['Points', 'cf_points']]) });
    expect(out.issues).toEqual([{ field: 'Points', from: 'attributes.points', reason: 'custom field "Points": not a number ("lots")', fatal: true, value: '"lots"' }]);
  });

  it.each(['drop_field', 'drop'])('a custom field with on_invalid: %s loads the contact without it, the value reported as dropped', (word) => {
    const m = yaml(`      - { from: attributes.points, to: { custom: Points, type: number }, on_invalid: ${word} }\n`);
    const out = toContactPayload(contact({}, { points: 'lots' }), m, { ...ctx, customFieldNames: new Map([['Points', 'cf_points']]) });
    expect(out.issues).toEqual([{ field: 'Points', from: 'attributes.points', reason: 'custom field "Points": not a number ("lots")', fatal: false, dropped: true, value: '"lots"' }]);
    expect(out.payload).toEqual({ emails: 'Aoife.Murphy@example.ie', custom_field: {} });
  });
});

describe('toContactPayload: target shapes', () => {
  const names = new Map([
    ['Notes', 'cf_notes'],
    ['Level', 'cf_level'],
    ['Segments', 'cf_segments'],
    ['Signed up', 'cf_signed_up'],
  ]);
  const m = parseMappingSpec(
    [
      'version: 1',
      'source: xtremepush',
      'objects:',
      '  contact:',
      '    fields:',
      '      - { from: email, to: emails }',
      '      - { from: attributes.notes, to: { custom: Notes, type: text } }',
      '      - { from: attributes.level.current, to: { custom: Level, type: number }, transform: integer }',
      '      - { from: attributes.segments, to: { custom: Segments, type: textarea }, transform: array_to_text }',
      '      - { from: createdAt, to: { custom: Signed up, type: text }, transform: datetime }',
      '      - { from: attributes.segments, to: tags }',
      '      - { from: smsSubscribed, to: sms_subscription_status }',
      '      - { from: attributes.score, to: job_title, transform: number }',
      '',
    ].join('\n'),
    'm.yaml',
  ).objects.contact;

  it('writes text, integers, joined lists, ISO instants, tags and numbers-as-text where the target wants them', () => {
    const out = toContactPayload(
      contact({ createdAt: '2023-11-14 23:13:20 +01:00' }, { notes: 42, 'level.current': '3', segments: '["VIP","Churn risk"]', score: '7.50' }),
      m,
      { ...ctx, customFieldNames: names },
    );
    expect(out.issues).toEqual([]);
    expect(out.payload).toEqual({
      emails: 'Aoife.Murphy@example.ie',
      tags: ['VIP', 'Churn risk'],
      sms_subscription_status: 0,
      job_title: '7.5',
      custom_field: { cf_notes: '42', cf_level: 3, cf_segments: 'VIP, Churn risk', cf_signed_up: '2023-11-14T22:13:20.000Z' },
    });
  });

  it('rejects text longer than a Freshsales text field holds', () => {
    const out = toContactPayload(contact({}, { notes: 'x'.repeat(257) }), m, { ...ctx, customFieldNames: names });
    expect(out.issues).toEqual([{ field: 'Notes', from: 'attributes.notes', reason: 'custom field "Notes": longer than 256 characters (257)', fatal: false, dropped: true, value: expect.stringMatching(/^"x+…$/) }]);
  });

  it('an integer target rejects fractions', () => {
    const out = toContactPayload(contact({}, { 'level.current': 2.5 }), m, { ...ctx, customFieldNames: names });
    expect(out.issues).toEqual([{ field: 'Level', from: 'attributes.level.current', reason: 'custom field "Level": not a whole number (2.5)', fatal: false, dropped: true, value: '2.5' }]);
  });
});

describe('values that parse to nothing', () => {
  it('treats an empty JSON array for a multi-select as absent, not as a reason to quarantine', async () => {
    const { parseMappingSpec } = await import('../../src/mapping/spec.js');
    const { toContactPayload } = await import('../../src/mapping/transform.js');
    const spec = parseMappingSpec(
      ['version: 1', 'source: xtremepush', 'objects:', '  contact:', '    fields:', '      - { from: email, to: emails }',
        '      - from: attributes.favourite_sports', '        to: { custom: "Favourite sports", type: multi_select_dropdown, choices: [football, tennis] }', '        transform: array_to_multiselect'].join('\n'),
      'm.yaml',
    );
    const contact = {
      sourceKey: 'k', sourceId: '1', externalId: null, email: 'a@b.ie', phone: null, firstName: null, lastName: null, country: null,
      language: null, timezone: null, emailSubscribed: null, smsSubscribed: null, createdAt: null, updatedAt: null,
      attributes: { favourite_sports: '[]' },
    };
    const ctx = { customFieldNames: new Map([['Favourite sports', 'cf_favourite_sports']]), now: 0 };
    const out = toContactPayload(contact, spec.objects.contact, ctx);
    expect(out.issues).toEqual([]);
    expect(out.payload.custom_field).toEqual({});
    const cleared = toContactPayload(contact, spec.objects.contact, { ...ctx, clearAbsent: true });
    expect(cleared.payload.custom_field).toEqual({ cf_favourite_sports: null });
  });
});

describe('toContactPayload: what the source row got wrong', () => {
  const bad = (field: string | null, reason: string) => ({ sourceProblems: [{ field, reason }] });

  it('an email the row sent in the wrong shape quarantines, with the connector\'s reason', () => {
    const out = toContactPayload(contact({ email: null, ...bad('email', 'source row: email is a list (["a@b.co"]), not text') }), map, ctx);
    expect(out.issues).toEqual([{ field: 'emails', from: 'email', reason: 'invalid email: source row: email is a list (["a@b.co"]), not text', fatal: true }]);
    expect(out.emailKey).toBeNull();
  });

  it('an optional value in the wrong shape is left out (reported as dropped); the user id quarantines (identity)', () => {
    const phone = toContactPayload(contact({ phone: null, ...bad('phone', 'source row: mobile_number is a list (["1"]), not a number (text or digits)') }), map, ctx);
    expect(phone.issues).toEqual([{ field: 'mobile_number', from: 'phone', reason: 'mobile_number: source row: mobile_number is a list (["1"]), not a number (text or digits)', fatal: false, dropped: true }]);
    expect(phone.payload.emails).toBe('Aoife.Murphy@example.ie');
    const id = toContactPayload(contact({ externalId: null, ...bad('externalId', 'source row: user_id is an object ({}), not an id (text or a number)') }), map, ctx);
    expect(id.issues.map((i) => [i.field, i.fatal])).toEqual([['Xtremepush ID', true]]);
  });

  it('a problem with the row as a whole always quarantines; one no field reads is reported, costing nothing', () => {
    const row = toContactPayload(contact(bad(null, 'source row: key "__proto__" is not a profile column or an attribute name')), map, ctx);
    expect(row.issues).toEqual([{ field: '(source row)', from: '', reason: 'source row: key "__proto__" is not a profile column or an attribute name', fatal: true }]);
    const unread = toContactPayload(contact({ timezone: null, ...bad('timezone', 'source row: timezone is a number (3), not text') }), map, ctx);
    expect(unread.issues).toEqual([{ field: '(not mapped)', from: 'timezone', reason: 'source row: timezone is a number (3), not text (no field of the map reads it)', fatal: false }]);
  });

  it('a bad value only the packed textarea reads is left out of it, reported', () => {
    const m = parseMappingSpec('version: 1\nsource: xtremepush\nobjects:\n  contact:\n    fields:\n      - { from: email, to: emails }\n    packed: { label: Other, from: [timezone, language] }\n', 'm.yaml').objects.contact;
    const out = toContactPayload(contact({ timezone: null, ...bad('timezone', 'source row: timezone is a number (3), not text') }), m, { ...ctx, customFieldNames: new Map([['Other', 'cf_other']]) });
    expect(out.payload.custom_field).toEqual({ cf_other: 'language: ga' });
    expect(out.issues).toEqual([{ field: 'Other', from: 'timezone', reason: 'custom field "Other": source row: timezone is a number (3), not text', fatal: false, dropped: true }]);
  });

  it('a user id that profiles with other emails share is ambiguous: quarantined by default, left out with drop_field', () => {
    const shared = { ...ctx, sharedExternalIds: new Map([['u-4711', ['4711', '4712', '4713']]]) };
    const out = toContactPayload(contact({ externalId: ' u-4711 ' }), map, shared);
    expect(out.issues).toEqual([
      {
        field: 'Xtremepush ID',
        from: 'externalId',
        reason: 'custom field "Xtremepush ID": user id "u-4711" is shared with profiles 4712, 4713 (a different email): which person it identifies is ambiguous',
        fatal: true,
        value: '" u-4711 "',
      },
    ]);
    const m = parseMappingSpec('version: 1\nsource: xtremepush\nobjects:\n  contact:\n    fields:\n      - { from: email, to: emails }\n      - { from: externalId, to: external_id, on_invalid: drop_field }\n', 'm.yaml').objects.contact;
    const dropped = toContactPayload(contact(), m, shared);
    expect(dropped.issues.map((i) => [i.fatal, i.dropped])).toEqual([[false, true]]);
    expect(dropped.payload).not.toHaveProperty('external_id');
    // An id nobody else holds is written as usual.
    expect(toContactPayload(contact({ externalId: 'u-1' }), map, shared).payload.custom_field.cf_xtremepush_id).toBe('u-1');
  });
});
