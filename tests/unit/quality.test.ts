import { describe, expect, it } from 'vitest';
import type { CanonicalContact } from '../../src/core/model.js';
import { createQualityAnalyser, CONSENT_HISTORY_LIMITATION, QUALITY_FLAGS } from '../../src/mapping/quality.js';
import { MappingSpec } from '../../src/mapping/spec.js';

const NOW = Date.UTC(2025, 0, 1);

function contact(id: number, over: Partial<CanonicalContact> = {}, attributes: CanonicalContact['attributes'] = { consent_type: 'Marketing' }): CanonicalContact {
  return {
    sourceKey: `xtremepush:profile:${id}`,
    sourceId: String(id),
    externalId: `u-${id}`,
    email: `user${id}@example.com`,
    phone: '353871234567',
    firstName: 'Aoife',
    lastName: 'Ní Bhriain',
    country: 'IE',
    language: 'en',
    timezone: 'Europe/Dublin',
    emailSubscribed: true,
    smsSubscribed: false,
    createdAt: '2023-01-01T00:00:00.000Z',
    updatedAt: '2024-01-01T00:00:00.000Z',
    attributes,
    ...over,
  };
}

const set: CanonicalContact[] = [
  contact(1),
  contact(2, { email: null }),
  contact(3, { email: '   ' }),
  contact(4, { email: 'no-at-sign.example.com' }),
  contact(5, { email: 'Dup@Example.com', updatedAt: '2024-03-01T00:00:00.000Z' }),
  contact(6, { email: 'dup@example.com', updatedAt: '2024-05-01T00:00:00.000Z' }),
  contact(7, { email: ' DUP@example.COM', updatedAt: '2024-04-01T00:00:00.000Z' }),
  contact(8, { phone: 'call me' }),
  contact(9, { phone: '087 123 4567', country: 'IE' }),
  contact(10, { phone: '087 123 4567', country: null }),
  contact(11, { firstName: 'x'.repeat(256) }),
  contact(12, {}, {}),
  contact(13, {}, { consent_type: null, consent_source: '' }),
  contact(14, {}, { consent_source: 'SDK' }),
  // Newest in its group, but it cannot load (its source row is malformed): the older one wins.
  contact(15, { email: 'pair@example.com', updatedAt: '2024-09-01T00:00:00.000Z', sourceProblems: [{ field: null, reason: 'source row: key "" is not a profile column or an attribute name (empty)' }] }),
  contact(16, { email: 'PAIR@example.com', updatedAt: '2024-02-01T00:00:00.000Z' }),
  // Over 255 characters: left out by default (on_invalid: drop_field), the contact still loads.
  contact(17, { lastName: 'y'.repeat(300) }),
];

function run(contacts: CanonicalContact[], map?: MappingSpec['objects']['contact']) {
  const qa = createQualityAnalyser({ now: NOW, ...(map ? { map } : {}) });
  for (const c of contacts) qa.add(c);
  return qa.result();
}

const flagsOf = (r: ReturnType<typeof run>, id: string) => r.rows.find((x) => x.sourceId === id)?.flags.map((f) => f.kind) ?? [];

describe('row-level data quality flags', () => {
  const r = run(set);

  it('leaves a clean contact unflagged and keeps flagged rows in source order', () => {
    expect(flagsOf(r, '1')).toEqual([]);
    expect(r.rows.map((x) => Number(x.sourceId))).toEqual([...r.rows.map((x) => Number(x.sourceId))].sort((a, b) => a - b));
    expect(r.contacts).toBe(set.length);
  });

  it('flags missing and invalid emails as errors, with the reason', () => {
    expect(flagsOf(r, '2')).toEqual(['missing_email']);
    expect(flagsOf(r, '3')).toEqual(['missing_email']);
    const invalid = r.rows.find((x) => x.sourceId === '4')!;
    expect(invalid.flags[0]).toMatchObject({ kind: 'invalid_email', severity: 'error', message: 'invalid email: no @' });
    expect(invalid.severity).toBe('error');
  });

  it('groups duplicate emails case-insensitively: the newest update wins, the others name it', () => {
    expect(r.duplicateGroups).toEqual([
      { emailKey: 'dup@example.com', members: ['5', '6', '7'], winner: '6' },
      { emailKey: 'pair@example.com', members: ['15', '16'], winner: '16' },
    ]);
    const six = r.rows.find((x) => x.sourceId === '6')!;
    expect(six.flags[0]).toMatchObject({ kind: 'duplicate_email', severity: 'info' });
    expect(six.flags[0]!.message).toContain('this record wins');
    const five = r.rows.find((x) => x.sourceId === '5')!;
    expect(five.flags[0]).toMatchObject({ kind: 'duplicate_email', severity: 'warning' });
    expect(five.flags[0]!.message).toContain('merged into 6');
    // 15 is newer but its row is malformed: it is quarantined, so 16 loads.
    expect(flagsOf(r, '15')).toEqual(['malformed_row', 'duplicate_email']);
    expect(r.rows.find((x) => x.sourceId === '15')!.severity).toBe('error');
  });

  it('flags malformed phones, reading national numbers with the country hint', () => {
    expect(flagsOf(r, '8')).toEqual(['malformed_phone']);
    expect(flagsOf(r, '9')).toEqual([]);
    expect(flagsOf(r, '10')).toEqual(['malformed_phone']);
    expect(r.rows.find((x) => x.sourceId === '8')!.severity).toBe('warning');
  });

  it('flags names over 255 characters: a warning, as the contact loads without the name by default', () => {
    const row = r.rows.find((x) => x.sourceId === '11')!;
    expect(row.flags).toEqual([{ kind: 'name_too_long', severity: 'warning', message: 'first name longer than 255 characters (256): the contact loads without it' }]);
    expect(flagsOf(r, '17')).toEqual(['name_too_long']);
  });

  it('an error when the map holds such contacts back (on_invalid: quarantine)', () => {
    const spec = MappingSpec.parse({
      version: 1,
      source: 'xtremepush',
      objects: { contact: { fields: [{ from: 'email', to: 'emails' }, { from: 'firstName', to: 'first_name', on_invalid: 'quarantine' }] } },
    });
    const r2 = run([contact(11, { firstName: 'x'.repeat(256) })], spec.objects.contact);
    expect(r2.rows[0]!.flags).toEqual([{ kind: 'name_too_long', severity: 'error', message: 'first name longer than 255 characters (256): will fail Freshsales validation (on_invalid: quarantine)' }]);
  });

  it('flags contacts without any consent type or source (info), and the missing history once', () => {
    expect(flagsOf(r, '12')).toEqual(['consent_missing']);
    expect(flagsOf(r, '13')).toEqual(['consent_missing']);
    expect(flagsOf(r, '14')).toEqual([]);
    expect(r.rows.find((x) => x.sourceId === '12')!.severity).toBe('info');
    expect(r.limitations).toEqual([CONSENT_HISTORY_LIMITATION]);
  });

  it('totals count rows per flag and per severity', () => {
    expect(Object.keys(r.totals)).toEqual([...QUALITY_FLAGS]);
    expect(r.totals).toMatchObject({ missing_email: 2, invalid_email: 1, malformed_row: 1, duplicate_email: 5, malformed_phone: 2, name_too_long: 2, consent_missing: 2, map_rejects: 0, map_drops: 0 });
    // errors 2 3 4 15; warnings 5 7 (merged away) 8 10 11 17 (names left out); info 6 16 (winners) 12 13.
    expect(r.bySeverity).toEqual({ error: 4, warning: 6, info: 4 });
    expect(r.mapChecked).toBe(false);
  });

  it('with a map: values it would reject are errors naming the field, dropped values warnings', () => {
    const spec = MappingSpec.parse({
      version: 1,
      source: 'xtremepush',
      objects: {
        contact: {
          fields: [
            { from: 'email', to: 'emails' },
            { from: 'phone', to: 'mobile_number' },
            { from: 'attributes.tier', to: { custom: 'Loyalty tier', type: 'dropdown', choices: ['gold', 'silver'] }, on_invalid: 'quarantine' },
            { from: 'attributes.points', to: { custom: 'Points', type: 'number' }, on_invalid: 'quarantine' },
            { from: 'attributes.code', to: 'keyword' },
          ],
        },
      },
    });
    const r2 = run(
      [
        contact(1, {}, { consent_type: 'Marketing', tier: 'gold', points: 10 }),
        contact(2, {}, { consent_type: 'Marketing', tier: 'platinum', points: 'lots' }),
        contact(3, { phone: 'n/a' }, { consent_type: 'Marketing', code: 'k'.repeat(300) }),
        contact(4, { email: null }, { consent_type: 'Marketing' }),
      ],
      spec.objects.contact,
    );
    expect(r2.mapChecked).toBe(true);
    expect(flagsOf(r2, '1')).toEqual([]);
    const two = r2.rows.find((x) => x.sourceId === '2')!;
    expect(two.severity).toBe('error');
    expect(two.flags.map((f) => f.message)).toEqual([
      'will fail Freshsales validation: custom field "Loyalty tier": "platinum" is not one of the field\'s choices (add it to choices, or map the field to text)',
      'will fail Freshsales validation: custom field "Points": not a number ("lots")',
    ]);
    // The phone is flagged once (malformed phone), not again as a dropped map field; the long keyword is dropped.
    expect(flagsOf(r2, '3')).toEqual(['malformed_phone', 'map_drops']);
    expect(r2.rows.find((x) => x.sourceId === '3')!.flags[1]!.message).toMatch(/^left out: keyword: longer than 255 characters/);
    // A missing email is flagged once, by its own check.
    expect(flagsOf(r2, '4')).toEqual(['missing_email']);
  });

  it('takes selector names in value maps as resolvable (migrate resolves them), and flags values the map does not cover', () => {
    const spec = MappingSpec.parse({
      version: 1,
      source: 'xtremepush',
      objects: {
        contact: {
          fields: [
            { from: 'email', to: 'emails' },
            { from: 'attributes.lifecycle_stage', to: 'contact_status_id', values: { subscriber: 'Lead / New', loyal: 'Customer / Active', churned: null } },
          ],
        },
      },
    });
    const r3 = run(
      [
        contact(1, {}, { consent_type: 'Marketing', lifecycle_stage: 'subscriber' }),
        contact(2, {}, { consent_type: 'Marketing', lifecycle_stage: 'churned' }),
        contact(3, {}, { consent_type: 'Marketing', lifecycle_stage: 'prospect' }),
      ],
      spec.objects.contact,
    );
    expect(flagsOf(r3, '1')).toEqual([]);
    expect(flagsOf(r3, '2')).toEqual([]);
    expect(r3.rows.find((x) => x.sourceId === '3')!.flags).toEqual([
      { kind: 'map_drops', severity: 'warning', message: 'left out: contact_status_id: no value mapping for "prospect" (add it under values)' },
    ]);
  });
});

describe('hostile data flags', () => {
  const idMap = MappingSpec.parse({
    version: 1,
    source: 'xtremepush',
    objects: { contact: { fields: [{ from: 'email', to: 'emails' }, { from: 'externalId', to: { custom: 'Xtremepush ID', type: 'text' } }] } },
  }).objects.contact;

  it('flags a user id shared by profiles with different emails on every such row, and the collision itself', () => {
    const r = run([
      contact(1, { externalId: 'u-7', email: 'ann@example.com' }),
      contact(2, { externalId: ' u-7 ', email: 'bob@example.com' }),
      contact(3, { externalId: 'u-7', email: null }),
      contact(4, { externalId: 'u-9', email: 'cat@example.com' }),
      contact(5, { externalId: 'u-9', email: 'CAT@example.com' }),
    ]);
    expect(r.sourceIdCollisions).toEqual([
      { userId: 'u-7', members: ['1', '2', '3'], ambiguous: true },
      { userId: 'u-9', members: ['4', '5'], ambiguous: false },
    ]);
    const one = r.rows.find((x) => x.sourceId === '1')!;
    // Without a map the proposal's default applies: the user id is an identity, so quarantine.
    expect(one.flags).toEqual([
      { kind: 'source_id_collision', severity: 'error', message: 'user id "u-7" is shared with profiles 2, 3 (a different email): which person it identifies is ambiguous; the record is quarantined (on_invalid: quarantine)' },
    ]);
    expect(flagsOf(r, '2')).toEqual(['source_id_collision']);
    // No valid email: quarantined anyway, the collision is only worth knowing there.
    expect(r.rows.find((x) => x.sourceId === '3')!.flags.map((f) => [f.kind, f.severity])).toEqual([['missing_email', 'error'], ['source_id_collision', 'info']]);
    // The same person twice: they merge by email, and say so.
    expect(r.rows.find((x) => x.sourceId === '4')!.flags.find((f) => f.kind === 'source_id_collision')).toEqual({ kind: 'source_id_collision', severity: 'info', message: 'user id "u-9" is shared with profile 5 (the same email: they merge)' });
    expect(r.totals.source_id_collision).toBe(5);
  });

  it('follows the map: a user-id field with on_invalid: drop_field makes the collision a warning', () => {
    const drop = { ...idMap, fields: idMap.fields.map((f) => (f.from === 'externalId' ? { ...f, on_invalid: 'drop_field' as const } : f)) };
    const r = run([contact(1, { externalId: 'u-7' }), contact(2, { externalId: 'u-7' })], drop);
    expect(r.rows.map((x) => x.flags.map((f) => [f.kind, f.severity]))).toEqual([[['source_id_collision', 'warning']], [['source_id_collision', 'warning']]]);
    expect(r.rows[0]!.flags[0]!.message).toMatch(/the contact loads without it \(on_invalid: drop_field\)$/);
    expect(run([contact(1, { externalId: 'u-7' }), contact(2, { externalId: 'u-7' })], idMap).bySeverity.error).toBe(2);
  });

  it('a collision member cannot win an email merge (it is held back)', () => {
    const r = run([
      contact(1, { externalId: 'u-1', email: 'pair@example.com', updatedAt: '2024-09-01T00:00:00.000Z' }),
      contact(2, { externalId: 'u-1', email: 'other@example.com' }),
      contact(3, { externalId: 'u-3', email: 'PAIR@example.com', updatedAt: '2024-02-01T00:00:00.000Z' }),
    ]);
    expect(r.duplicateGroups).toEqual([{ emailKey: 'pair@example.com', members: ['1', '3'], winner: '3' }]);
  });

  it('flags dates after the assessment date (birth dates included), comparing a date as a date', () => {
    const r = run([
      contact(1, {}, { consent_type: 'Marketing', date_of_birth: '2031-05-01' }),
      contact(2, {}, { consent_type: 'Marketing', date_of_birth: '2025-01-01', last_purchase_at: '2025-01-01 00:30:00 +14:00' }),
      contact(3, { updatedAt: '2038-01-20T00:00:00.000Z' }, { consent_type: 'Marketing', last_login_at: '2025-01-01 00:00:01' }),
      contact(4, {}, { consent_type: 'Marketing', date_of_birth: '0000-00-00', other: '2020-02-30' }),
    ]);
    expect(r.rows.find((x) => x.sourceId === '1')!.flags).toEqual([
      { kind: 'future_date', severity: 'warning', message: 'future date: attributes.date_of_birth is "2031-05-01", after 2025-01-01: it loads as written' },
    ]);
    // Today's date is not in the future; 00:30 at +14:00 is 10:30 the day before in UTC.
    expect(flagsOf(run([contact(2, {}, { consent_type: 'Marketing', date_of_birth: '2025-01-01', last_purchase_at: '2025-01-01 00:30:00 +14:00' })]), '2')).toEqual([]);
    expect(r.rows.find((x) => x.sourceId === '3')!.flags.map((f) => f.message)).toEqual([
      'future date: updatedAt is "2038-01-20T00:00:00.000Z", after 2025-01-01: it loads as written',
      'future date: attributes.last_login_at is "2025-01-01 00:00:01", after 2025-01-01: it loads as written',
    ]);
    // Impossible dates are no dates at all: not flagged as future.
    expect(flagsOf(r, '4')).toEqual([]);
  });

  it('flags bidi embeddings, overrides and isolates wherever they are, and says names lose them', () => {
    const r = run([contact(1, { firstName: 'Ali\u202Egnp.exe' }, { consent_type: 'Marketing', nick: ['ok', 'x\u2067y\u2069'], note: 'plain' })]);
    expect(r.rows[0]!.flags).toEqual([
      { kind: 'bidi_override', severity: 'warning', message: 'bidi control characters in firstName (they reorder how text displays: a spoofing risk): removed when the name is written' },
      { kind: 'bidi_override', severity: 'warning', message: 'bidi control characters in attributes.nick (they reorder how text displays: a spoofing risk): written as they are' },
    ]);
    expect(flagsOf(run([contact(2, { lastName: 'محمد' })]), '2')).toEqual([]);
  });

  it('flags what the source row got wrong: the whole row, a bad email, a bad value per the map', () => {
    const problems = (field: string | null, reason: string) => ({ sourceProblems: [{ field, reason }] });
    const r = run(
      [
        contact(1, { email: null, ...problems('email', 'source row: email is a list (["a@b.co"]), not text') }),
        contact(2, { externalId: null, ...problems('externalId', 'source row: user_id is an object ({"x":1}), not an id (text or a number)') }),
        contact(3, { timezone: null, ...problems('timezone', 'source row: timezone is a number (3), not text') }),
        contact(4, problems(null, 'source row: key "__proto__" is not a profile column or an attribute name')),
      ],
      idMap,
    );
    expect(r.rows.find((x) => x.sourceId === '1')!.flags).toEqual([{ kind: 'invalid_email', severity: 'error', message: 'invalid email: source row: email is a list (["a@b.co"]), not text' }]);
    expect(r.rows.find((x) => x.sourceId === '2')!.flags).toEqual([
      { kind: 'malformed_row', severity: 'error', message: 'source row: user_id is an object ({"x":1}), not an id (text or a number): the record is quarantined (on_invalid: quarantine)' },
    ]);
    expect(r.rows.find((x) => x.sourceId === '3')!.flags).toEqual([{ kind: 'malformed_row', severity: 'warning', message: 'source row: timezone is a number (3), not text: no field of the map reads it' }]);
    expect(r.rows.find((x) => x.sourceId === '4')!.flags).toEqual([
      { kind: 'malformed_row', severity: 'error', message: 'source row: key "__proto__" is not a profile column or an attribute name: the record is quarantined' },
    ]);
    expect(r.totals.malformed_row).toBe(3);
    expect(r.totals.map_rejects).toBe(0);
  });
});
