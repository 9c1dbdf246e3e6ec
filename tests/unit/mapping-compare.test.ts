import { describe, expect, it } from 'vitest';
import { compareField } from '../../src/mapping/compare.js';

describe('compareField tolerates how Freshsales gives values back', () => {
  it.each([
    ['emails', 'Aoife.Murphy@example.ie', 'aoife.murphy@example.ie'],
    ['emails', 'Aoife.Murphy@example.ie', ['other@example.com', 'AOIFE.MURPHY@EXAMPLE.IE']],
    ['emails', 'a@example.ie', [{ id: 1, value: 'A@example.ie', is_primary: true }]],
    ['cf_amount', 500, '500'],
    ['cf_amount', 500, '500.0'],
    ['cf_ratio', 0.3, '0.30000000000000004'],
    ['cf_amount', 12.34, '12.3400'],
    ['lifecycle_stage_id', 16000000002, '16000000002'],
    ['cf_interests', ['music', 'sports'], 'sports;music'],
    ['cf_interests', ['music', 'sports'], ['Sports', 'music']],
    ['cf_interests', ['music', 'sports'], 'music; sports'],
    ['cf_date_of_birth_', '1990-06-15', '1990-06-15'],
    ['cf_date_of_birth_', '1990-06-15', '1990-06-15T00:00:00Z'],
    ['cf_signed_up', '2023-11-14T22:13:20.000Z', '2023-11-14T22:13:20Z'],
    ['cf_signed_up', '2023-11-14T22:13:20.000Z', '2023-11-14T23:13:20+01:00'],
    ['cf_vip', true, 'true'],
    ['cf_vip', false, 0],
    ['mobile_number', '+353871234567', '353871234567'],
    ['mobile_number', '+353871234567', '+353 87 123 4567'],
    ['tags', ['VIP'], ['Imported', 'vip']],
    ['first_name', 'Seán', ' Seán '],
    ['cf_notes', 'line one\nline two', 'line one\r\nline two'],
    ['cf_favourite_team', 'Galway', { id: 7, value: 'Galway' }],
    ['cf_notes', '42', 42],
    ['cf_vip', null, undefined],
    ['cf_vip', null, ''],
    ['tags', [], null],
  ])('%s: wrote %j, read %j → equal', (target, written, readBack) => {
    expect(compareField(target, written, readBack)).toBe(true);
  });

  it.each([
    ['emails', 'a@example.ie', 'b@example.ie'],
    ['emails', 'a@example.ie', null],
    ['cf_amount', 500, '501'],
    ['cf_amount', 500, 'five hundred'],
    ['cf_amount', 500, null],
    ['cf_interests', ['music', 'sports'], 'music'],
    ['cf_interests', ['music'], 'music;sports'],
    ['cf_date_of_birth_', '1990-06-15', '1990-06-14T23:00:00Z'],
    ['cf_signed_up', '2023-11-14T22:13:20.000Z', '2023-11-14T22:13:21Z'],
    ['cf_vip', true, false],
    ['cf_vip', true, 'maybe'],
    ['mobile_number', '+353871234567', '+353871234568'],
    ['tags', ['VIP', 'Churn risk'], ['VIP']],
    ['first_name', 'Sean', 'Seán'],
    ['first_name', 'Aoife', 'aoife'],
    ['first_name', 'Aoife', null],
    ['cf_vip', null, true],
    ['cf_notes', null, 'something'],
  ])('%s: wrote %j, read %j → different', (target, written, readBack) => {
    expect(compareField(target, written, readBack)).toBe(false);
  });

  it('uses the kind when given: a dropdown compares choices ignoring case, text does not', () => {
    expect(compareField('cf_team', 'Galway', 'GALWAY', 'choice')).toBe(true);
    expect(compareField('cf_team', 'Galway', 'GALWAY', 'text')).toBe(false);
    expect(compareField('cf_code', '2024-01-01', '2024-01-01T10:00:00Z', 'text')).toBe(false);
  });
});
