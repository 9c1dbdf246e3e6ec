import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { accuracyOf, EXPECTED_ACCURACY_BY_BAND, scoreLabelledSet, type LabelledAttribute } from '../../src/mapping/proposer-eval.js';
import { foldText, identifierName, matchName, nameWords } from '../../src/mapping/synonyms.js';
import { kindsOf, profileValues } from '../../src/mapping/detect.js';
import { suggestAttribute } from '../../src/mapping/suggest.js';

const set = (JSON.parse(readFileSync(new URL('../fixtures/mapping/proposer-labelled.json', import.meta.url), 'utf8')) as { attributes: LabelledAttribute[] }).attributes;
const scored = scoreLabelledSet(set);
const acc = accuracyOf(scored);

describe('the proposer on the labelled set (both sources; English, Turkish, Irish; gaming, betting, retail)', () => {
  it('holds a few hundred attributes from both sources and every language', () => {
    expect(set.length).toBeGreaterThanOrEqual(250);
    expect(new Set(set.map((a) => a[0]))).toEqual(new Set(['xtremepush', 'netmera']));
    expect(new Set(set.map((a) => a[1]))).toEqual(new Set(['en', 'tr', 'ga']));
  });

  it('marks no wrong suggestion high', () => {
    expect(acc.wrongButHigh.map((s) => `${s.name}: ${s.proposed} (want ${s.answer})`)).toEqual([]);
  });

  it('puts at least 95% of standard-field attributes in the right field (top-1)', () => {
    expect(acc.standard.right / acc.standard.of).toBeGreaterThanOrEqual(0.95);
  });

  it('types at least 90% of custom attributes right', () => {
    expect(acc.customType.right / acc.customType.of).toBeGreaterThanOrEqual(0.9);
  });

  it('skips push tokens, installation ids and other identifiers', () => {
    expect(acc.skip.right).toBe(acc.skip.of);
  });

  it('the accuracy map propose prints per band is the one measured here', () => {
    for (const band of ['high', 'medium', 'low'] as const) {
      const m = acc.byBand[band];
      expect(EXPECTED_ACCURACY_BY_BAND[band].of, band).toBe(m.of);
      if (m.of > 0) expect(EXPECTED_ACCURACY_BY_BAND[band].share, band).toBeCloseTo(m.right / m.of, 2);
    }
  });
});

describe('names (stage 1)', () => {
  it.each([
    ['cepTelefonu', ['cep', 'telefonu']],
    ['Şehir', ['sehir']],
    ['ülke_kodu', ['ulke', 'kodu']],
    ['E-posta Adresi', ['e', 'posta', 'adresi']],
    ['VIPLevel', ['vip', 'level']],
    ['address1', ['address', '1']],
  ])('%s splits and folds to %j', (name, words) => {
    expect(nameWords(name)).toEqual(words);
  });

  it('folds Turkish letters and Irish fadas', () => {
    expect(foldText('ığüşöç İĞÜŞÖÇ Seán Ó Súilleabháin')).toBe('igusoc igusoc sean o suilleabhain');
  });

  it.each([
    ['given_name', 'first_name', 'exact'],
    ['soyadı', 'last_name', 'exact'],
    ['mail_adresi', 'emails', 'exact'],
    ['player_e_mail', 'emails', 'stripped'],
    ['sokak', 'address', 'exact'],
    ['eircode', 'zipcode', 'exact'],
    ['organisation_job_tittle', undefined, undefined],
    ['emailAdress', 'emails', 'fuzzy'],
  ])('%s → %s (%s)', (name, field, how) => {
    const m = matchName(name);
    expect(m?.field).toBe(field);
    expect(m?.how).toBe(how);
  });

  it('never matches a username as a first name, nor a consent flag by a near spelling', () => {
    expect(matchName('kullaniciAdi')).toBeUndefined();
    expect(matchName('username')).toBeUndefined();
    expect(matchName('isSubscribed')).toBeUndefined();
  });

  it('knows push tokens and installation ids by name', () => {
    expect(identifierName('last_fcm_token')?.route).toBe('device_dataset');
    expect(identifierName('installationId')?.route).toBe('device_dataset');
    expect(identifierName('favourite_team')).toBeUndefined();
  });
});

describe('values (stage 2)', () => {
  it.each([
    ['+353871234567', 'phone'],
    ['0532 123 45 67', 'phone'],
    ['905321234567', 'phone'],
    ['D02 X285', 'postcode'],
    ['Almanya', 'country'],
    ['evet', 'boolean'],
    ['2024-03-01T10:00:00+03:00', 'datetime'],
    [1700000000000, 'epoch'],
    ['01/03/2024', 'day_first_date'],
    ['€12.50', 'currency'],
    ['{"a":1}', 'json_object'],
    ['["a","b"]', 'json_array'],
    ['https://example.ie/x', 'url'],
    ['3f2b8c1e-9a4d-4c2e-8b1f-2d3e4f5a6b7c', 'uuid'],
  ])('%s reads as %s', (v, kind) => {
    expect(kindsOf(v)).toContain(kind);
  });

  it('tells mobiles from landlines by the numbering plan', () => {
    expect(profileValues([['+353871234567', 1], ['+353861234567', 1]]).mobileShare).toBe(1);
    expect(profileValues([['+35312345678', 1], ['+442079460000', 1]]).mobileShare).toBe(0);
  });
});

describe('the waterfall (stages 1–4)', () => {
  it('is high only when name and values agree', () => {
    expect(suggestAttribute({ name: 'cep_telefonu', values: [['05321234567', 3], ['05429876543', 2]] })).toMatchObject({ band: 'high', target: { kind: 'standard', field: 'mobile_number' } });
    // The name alone, no values: medium.
    expect(suggestAttribute({ name: 'cep_telefonu', values: [] }).band).toBe('medium');
    // The values alone: medium.
    expect(suggestAttribute({ name: 'contact_point', values: [['a@b.ie', 1], ['c@d.ie', 1]] })).toMatchObject({ band: 'medium', target: { kind: 'standard', field: 'emails' } });
  });

  it('lets the values overrule a name they contradict, with a low band', () => {
    const s = suggestAttribute({ name: 'phone', declaredType: 'boolean', values: [[true, 5], [false, 3]] });
    expect(s).toMatchObject({ band: 'low', target: { kind: 'custom', type: 'boolean' } });
  });

  it('a generic phone name over landline numbers is the Work number', () => {
    expect(suggestAttribute({ name: 'telefon', values: [['0212 123 45 67', 2], ['0216 765 43 21', 1]] }).target).toMatchObject({ kind: 'standard', field: 'work_number' });
  });

  it('remembered targets win over everything else', () => {
    const s = suggestAttribute({ name: 'telefon', values: [['05321234567', 1]], remembered: { from: 'attributes.telefon', target: 'work_number', transform: 'phone', confirmedAt: '2025-01-02T00:00:00Z', confirmedBy: 'avery', mapHash: 'ab12cd34ef56ab12cd' } });
    expect(s).toMatchObject({ band: 'high', target: { kind: 'history' } });
    // The evidence names the confirmation: when, which map (its hash, shortened), who.
    expect(s.signals[0]).toBe('history: confirmed on 2025-01-02 (map ab12cd34ef56) by avery for this organisation');
  });
});
