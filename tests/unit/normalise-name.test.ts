import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseName } from '../../src/mapping/normalise.js';

/** Letters that naive code lower-cases, strips or mangles: Irish, Turkish, German, Polish, Nordic, apostrophes. */
const hard = [...'ÓÁÉÍÚóáéíúşŞİıçÇğĞöÖüÜßŁłŻżæøåÆØÅ\'’-'];
const letters = fc.constantFrom(...hard, ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ');
const word = fc.string({ unit: letters, minLength: 1, maxLength: 12 });

describe('normaliseName', () => {
  it.each([
    ['  Aoife  ', 'Aoife'],
    ['Seán  Ó   Súilleabháin', 'Seán Ó Súilleabháin'],
    ["O'Brien", "O'Brien"],
    ['D’Arcy', 'D’Arcy'],
    ['İlkay Gündoğan', 'İlkay Gündoğan'],
    ['ışık', 'ışık'],
    ['Straße', 'Straße'],
    ['Łukasz\tŻółć', 'Łukasz Żółć'],
    ['Mary\nJane', 'Mary Jane'],
    ['O\u0301rla', 'Órla'], // combining accent → the composed letter (NFC)
    [42, '42'],
  ])('%j → %j', (raw, want) => {
    expect(normaliseName(raw)).toEqual({ ok: true, value: want });
  });

  it('keeps non-ASCII letters and apostrophes exactly (no case change, no stripping)', () => {
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 4 }), (words) => {
        const name = words.join(' ');
        expect(normaliseName(name)).toEqual({ ok: true, value: name.normalize('NFC') });
        expect(normaliseName(`  ${words.join('   ')}\t`)).toEqual({ ok: true, value: name.normalize('NFC') });
      }),
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const once = normaliseName(s);
        if (once.ok) expect(normaliseName(once.value)).toEqual(once);
      }),
    );
  });

  it('rejects over 255 characters, counting characters not UTF-16 units', () => {
    expect(normaliseName('ş'.repeat(255))).toEqual({ ok: true, value: 'ş'.repeat(255) });
    expect(normaliseName('𝒜'.repeat(255))).toEqual({ ok: true, value: '𝒜'.repeat(255) });
    expect(normaliseName('a'.repeat(256))).toEqual({ ok: false, reason: 'longer than 255 characters (256)' });
  });

  it('rejects empty values and control characters', () => {
    expect(normaliseName('   ')).toEqual({ ok: false, reason: 'empty' });
    expect(normaliseName(null)).toEqual({ ok: false, reason: 'empty' });
    expect(normaliseName('Ann\u0000e')).toEqual({ ok: false, reason: 'contains control characters' });
    expect(normaliseName({ first: 'x' })).toEqual({ ok: false, reason: 'not text (an object)' });
    expect(normaliseName(['Ann'])).toEqual({ ok: false, reason: 'not text (a list)' });
    expect(normaliseName('Ann\u0007e')).toEqual({ ok: false, reason: 'contains control characters' });
    expect(normaliseName('Ann\ud800e')).toEqual({ ok: false, reason: 'not valid Unicode text (a lone surrogate)' });
  });

  it('removes explicit bidi embeddings, overrides and isolates, keeping right-to-left letters and emoji', () => {
    expect(normaliseName('\u202Egnp.exe')).toEqual({ ok: true, value: 'gnp.exe' });
    expect(normaliseName('Ali \u2067محمد\u2069')).toEqual({ ok: true, value: 'Ali محمد' });
    expect(normaliseName('محمد')).toEqual({ ok: true, value: 'محمد' });
    expect(normaliseName('Zoë 👩‍👩‍👧')).toEqual({ ok: true, value: 'Zoë 👩‍👩‍👧' });
    expect(normaliseName('\u202E')).toEqual({ ok: false, reason: 'empty' });
  });
});
