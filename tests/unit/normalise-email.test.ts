import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emailKey, normaliseEmail } from '../../src/mapping/normalise.js';

/** Upper- or lower-case each character by a boolean mask. */
const recase = (s: string, mask: boolean[]) => [...s].map((c, i) => (mask[i % mask.length] ? c.toUpperCase() : c.toLowerCase())).join('');
const validEmail = fc.emailAddress().filter((e) => normaliseEmail(e).ok);

describe('normaliseEmail', () => {
  it.each([
    ['  Aoife.Murphy@Example.IE ', 'Aoife.Murphy@example.ie'],
    ['o\'brien+promo@mail.example.com', "o'brien+promo@mail.example.com"],
    ['user@sub-domain.example.co.uk', 'user@sub-domain.example.co.uk'],
    // IDN domains are written in their ASCII (punycode) form.
    ['josé.garcia@Bücher.de', null],
    ['kemal@şirket.com.tr', 'kemal@xn--irket-idb.com.tr'],
    ['mueller@bücher.de', 'mueller@xn--bcher-kva.de'],
  ])('accepts %j as %j', (raw, written) => {
    const r = normaliseEmail(raw);
    if (written === null) {
      expect(r).toEqual({ ok: false, reason: 'non-ASCII characters before the @' });
    } else {
      expect(r).toEqual({ ok: true, value: written });
    }
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['aoife.example.com', 'no @'],
    ['aoife murphy@example.com', 'contains spaces'],
    ['a@b@example.com', 'more than one @'],
    ['@example.com', 'nothing before the @'],
    ['aoife@', 'nothing after the @'],
    ['aoife@localhost', 'no dot in the domain'],
    ['aoife..murphy@example.com', 'consecutive dots'],
    ['aoife@example..com', 'consecutive dots'],
    ['.aoife@example.com', 'a dot at the start or end of the part before the @'],
    ['aoife@-example.com', 'the domain is not a valid host name'],
    ['aoife@example.c0m', 'the domain does not end in a valid top-level domain'],
    ['ao(ife)@example.com', 'characters not allowed before the @'],
    [`${'a'.repeat(65)}@example.com`, 'the part before the @ is longer than 64 characters'],
    [`${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com`, 'longer than 254 characters'],
  ])('rejects %j: %s', (raw, reason) => {
    expect(normaliseEmail(raw)).toEqual({ ok: false, reason });
  });

  it('rejects non-strings', () => {
    expect(normaliseEmail(null)).toEqual({ ok: false, reason: 'empty' });
    expect(normaliseEmail(42)).toEqual({ ok: false, reason: 'not text (number)' });
  });

  it('accepts every RFC-style address fast-check generates that our rules allow, and most of them', () => {
    const sample = fc.sample(fc.emailAddress(), { numRuns: 500, seed: 7 });
    const accepted = sample.filter((e) => normaliseEmail(e).ok).length;
    expect(accepted / sample.length).toBeGreaterThan(0.9);
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.emailAddress(), fc.string({ maxLength: 3, unit: fc.constantFrom(' ', '\t') }), (e, pad) => {
        const once = normaliseEmail(pad + e + pad);
        if (!once.ok) return;
        expect(normaliseEmail(once.value)).toEqual(once);
      }),
    );
  });

  it('keeps the local part exactly as written and lower-cases only the domain', () => {
    fc.assert(
      fc.property(validEmail, fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), (e, mask) => {
        const variant = recase(e, mask);
        const r = normaliseEmail(variant);
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        const at = variant.lastIndexOf('@');
        expect(r.value).toBe(`${variant.slice(0, at)}@${variant.slice(at + 1).toLowerCase()}`);
      }),
    );
  });
});

describe('emailKey', () => {
  it('is equal for every case variant and surrounding whitespace of the same address', () => {
    fc.assert(
      fc.property(validEmail, fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), fc.constantFrom('', ' ', '\t', '  '), (e, mask, pad) => {
        const key = emailKey(e);
        expect(key).not.toBeNull();
        expect(emailKey(pad + recase(e, mask) + pad)).toBe(key);
        expect(emailKey(e.toUpperCase())).toBe(key);
      }),
    );
  });

  it('differs for different addresses', () => {
    expect(emailKey('aoife@example.com')).not.toBe(emailKey('aoife1@example.com'));
  });

  it('is the lower-cased written value, and null for invalid input', () => {
    expect(emailKey(' Aoife.Murphy@Example.IE')).toBe('aoife.murphy@example.ie');
    expect(emailKey('MUELLER@BÜCHER.DE')).toBe('mueller@xn--bcher-kva.de');
    expect(emailKey('not an email')).toBeNull();
    expect(emailKey(null)).toBeNull();
  });
});
