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
  // Newest in its group, but it cannot load: the older one wins.
  contact(15, { email: 'pair@example.com', updatedAt: '2024-09-01T00:00:00.000Z', lastName: 'y'.repeat(300) }),
  contact(16, { email: 'PAIR@example.com', updatedAt: '2024-02-01T00:00:00.000Z' }),
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
    // 15 is newer but has a name Freshsales refuses: it is quarantined, so 16 loads.
    expect(flagsOf(r, '15')).toEqual(['name_too_long', 'duplicate_email']);
    expect(r.rows.find((x) => x.sourceId === '15')!.severity).toBe('error');
  });

  it('flags malformed phones, reading national numbers with the country hint', () => {
    expect(flagsOf(r, '8')).toEqual(['malformed_phone']);
    expect(flagsOf(r, '9')).toEqual([]);
    expect(flagsOf(r, '10')).toEqual(['malformed_phone']);
    expect(r.rows.find((x) => x.sourceId === '8')!.severity).toBe('warning');
  });

  it('flags names over 255 characters', () => {
    const row = r.rows.find((x) => x.sourceId === '11')!;
    expect(row.flags.map((f) => f.message)).toEqual(['first name longer than 255 characters (256): will fail Freshsales validation']);
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
    expect(r.totals).toMatchObject({ missing_email: 2, invalid_email: 1, duplicate_email: 5, malformed_phone: 2, name_too_long: 2, consent_missing: 2, map_rejects: 0, map_drops: 0 });
    // errors 2 3 4 11 15; warnings 5 7 (merged away) 8 10; info 6 16 (winners) 12 13.
    expect(r.bySeverity).toEqual({ error: 5, warning: 4, info: 4 });
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
            { from: 'attributes.tier', to: { custom: 'Loyalty tier', type: 'dropdown', choices: ['gold', 'silver'] } },
            { from: 'attributes.points', to: { custom: 'Points', type: 'number' } },
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
