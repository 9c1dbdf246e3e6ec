import fc from 'fast-check';
import { getCountries, getExampleNumber, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/examples.mobile.json';
import { describe, expect, it } from 'vitest';
import { countryCode, normalisePhone } from '../../src/mapping/normalise.js';

describe('normalisePhone', () => {
  it.each([
    // Xtremepush stores E.164 without the '+'.
    ['353871234567', undefined, '+353871234567'],
    ['353871234567', 'TR', '+353871234567'],
    ['+353871234567', undefined, '+353871234567'],
    ['+353 87 123 4567', undefined, '+353871234567'],
    ['00353871234567', undefined, '+353871234567'],
    [353871234567, undefined, '+353871234567'],
    // National formats need the contact's country.
    ['087 123 4567', 'IE', '+353871234567'],
    ['087 123 4567', 'Ireland', '+353871234567'],
    ['0532 123 45 67', 'TR', '+905321234567'],
    ['0532 123 45 67', 'Turkey', '+905321234567'],
    ['0532 123 45 67', 'Türkiye', '+905321234567'],
    ['(415) 555-2671', 'US', '+14155552671'],
    ['415-555-2671', 'us', '+14155552671'],
    ['07911 123456', 'UK', '+447911123456'],
    ['+1 415 555 2671 ext. 12', undefined, '+14155552671'],
  ] as const)('%j (country %j) → %s', (raw, hint, e164) => {
    expect(normalisePhone(raw, hint)).toEqual({ ok: true, value: e164 });
  });

  it.each([
    ['n/a', 'IE'],
    ['call me', undefined],
    ['123', 'IE'],
    ['-', 'US'],
    ['+999 1234 5678', undefined],
    ['12345678901234567890', 'IE'],
    [true, 'IE'],
  ] as const)('rejects junk %j', (raw, hint) => {
    const r = normalisePhone(raw, hint);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/^not a (valid )?phone number/);
  });

  it('explains that a national number needs a country', () => {
    expect(normalisePhone('087 123 4567')).toEqual({ ok: false, reason: 'not a phone number without a country (national format and no known country)' });
    expect(normalisePhone('087 123 4567', 'Narnia')).toEqual({ ok: false, reason: 'not a phone number without a country (national format and no known country)' });
  });

  it('calls an empty value empty', () => {
    expect(normalisePhone('  ', 'IE')).toEqual({ ok: false, reason: 'empty' });
    expect(normalisePhone(null, 'IE')).toEqual({ ok: false, reason: 'empty' });
  });

  // Valid numbers near each country's example: the example with its last digits replaced.
  const validE164 = fc
    .tuple(fc.constantFrom(...getCountries()), fc.integer({ min: 1, max: 3 }), fc.nat(999))
    .map(([country, k, n]) => {
      const example = getExampleNumber(country, examples);
      if (!example) return null;
      const digits = example.number.slice(1);
      return `+${digits.slice(0, -k)}${String(n).padStart(3, '0').slice(-k)}`;
    })
    .filter((n): n is string => n !== null && parsePhoneNumberFromString(n)?.isValid() === true && parsePhoneNumberFromString(n)?.number === n);

  it('round-trips any valid E.164 number, with and without the +, whatever the country hint', () => {
    fc.assert(
      fc.property(validE164, fc.option(fc.constantFrom<CountryCode>('IE', 'TR', 'US', 'GB', 'DE', 'IN', 'BR')), (e164, hint) => {
        expect(normalisePhone(e164, hint)).toEqual({ ok: true, value: e164 });
        expect(normalisePhone(e164.slice(1), hint)).toEqual({ ok: true, value: e164 });
      }),
      { numRuns: 500 },
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(validE164, (e164) => {
        const once = normalisePhone(e164.slice(1));
        expect(once.ok).toBe(true);
        if (once.ok) expect(normalisePhone(once.value)).toEqual(once);
      }),
    );
  });
});

describe('countryCode', () => {
  it.each([
    ['IE', 'IE'],
    ['ie', 'IE'],
    ['UK', 'GB'],
    ['Ireland', 'IE'],
    ['Türkiye', 'TR'],
    ['turkey', 'TR'],
    ['United States', 'US'],
    ['Deutschland', null],
    ['ZZ', null],
    ['', null],
  ])('%j → %j', (hint, code) => {
    expect(countryCode(hint)).toBe(code);
  });
});
