import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isAbsent,
  normaliseArray,
  normaliseArrayToText,
  normaliseBoolean,
  normaliseInteger,
  normaliseNumber,
  normaliseSubscription,
  normaliseText,
} from '../../src/mapping/normalise.js';

describe('normaliseNumber', () => {
  it.each([
    [12, 12],
    ['12', 12],
    [' 1.5 ', 1.5],
    ['-0.25', -0.25],
    ['.5', 0.5],
    ['1e3', 1000],
    ['+7', 7],
    [-0, 0],
  ])('%j → %j', (raw, want) => {
    expect(normaliseNumber(raw)).toEqual({ ok: true, value: want });
  });

  it.each([['1,234'], ['1,5'], ['12 kg'], [''], ['abc'], [true], [null], [Number.POSITIVE_INFINITY], ['NaN']])('rejects %j', (raw) => {
    expect(normaliseNumber(raw).ok).toBe(false);
  });

  it('reads back any finite number written as a string', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
        expect(normaliseNumber(String(n))).toEqual({ ok: true, value: n === 0 ? 0 : n });
      }),
    );
  });

  it('enforces the destination digit limit before the decimal point', () => {
    expect(normaliseNumber('99999999999.5', 11)).toEqual({ ok: true, value: 99999999999.5 });
    expect(normaliseNumber('100000000000', 11)).toEqual({ ok: false, reason: 'too large: more than 11 digits before the decimal point' });
  });
});

describe('normaliseInteger', () => {
  it('accepts whole numbers in any spelling and rejects fractions instead of rounding', () => {
    expect(normaliseInteger('12')).toEqual({ ok: true, value: 12 });
    expect(normaliseInteger('12.0')).toEqual({ ok: true, value: 12 });
    expect(normaliseInteger(16000012345)).toEqual({ ok: true, value: 16000012345 });
    expect(normaliseInteger('1.5')).toEqual({ ok: false, reason: 'not a whole number ("1.5")' });
    expect(normaliseInteger('9007199254740993')).toEqual({ ok: false, reason: 'too large to be exact ("9007199254740993")' });
  });

  it('round-trips every safe integer through its string form', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        expect(normaliseInteger(String(n))).toEqual({ ok: true, value: n === 0 ? 0 : n });
      }),
    );
  });
});

describe('normaliseBoolean', () => {
  it.each([
    [true, true], [false, false], [1, true], [0, false],
    ['true', true], ['FALSE', false], [' yes ', true], ['No', false], ['1', true], ['0', false], ['y', true], ['off', false],
  ])('%j → %j', (raw, want) => {
    expect(normaliseBoolean(raw)).toEqual({ ok: true, value: want });
  });

  it.each([['maybe'], [2], [''], [null], [[true]]])('rejects %j', (raw) => {
    expect(normaliseBoolean(raw).ok).toBe(false);
  });
});

describe('normaliseSubscription', () => {
  it('maps flags to the Freshsales codes (1 subscribed, 0 unsubscribed)', () => {
    expect(normaliseSubscription(true)).toEqual({ ok: true, value: 1 });
    expect(normaliseSubscription(0)).toEqual({ ok: true, value: 0 });
    expect(normaliseSubscription('1')).toEqual({ ok: true, value: 1 });
    expect(normaliseSubscription('Unsubscribed')).toEqual({ ok: true, value: 0 });
    expect(normaliseSubscription('perhaps')).toEqual({ ok: false, reason: 'not a subscription flag ("perhaps")' });
  });
});

describe('normaliseArray', () => {
  it.each([
    [['sports', 'music'], ['sports', 'music']],
    ['["sports","music"]', ['sports', 'music']],
    [' [ "a", 1, true, null, "", "a" ] ', ['a', '1', 'true']],
    ['sports', ['sports']],
    [7, ['7']],
    [[{ id: 1 }], ['{"id":1}']],
    ['[]', []],
    [null, []],
  ])('%j → %j', (raw, want) => {
    expect(normaliseArray(raw)).toEqual({ ok: true, value: want });
  });

  it('rejects a broken JSON list and objects', () => {
    expect(normaliseArray('["a",')).toEqual({ ok: false, reason: 'looks like a JSON list but is not valid JSON' });
    expect(normaliseArray('[1] trailing')).toEqual({ ok: false, reason: 'looks like a JSON list but is not valid JSON' });
    expect(normaliseArray({ a: 1 })).toEqual({ ok: false, reason: 'not a list (an object)' });
  });

  it('gives the same list from a real array and from its JSON text, without repeats', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1 }).filter((s) => s.trim().length > 0)), (items) => {
        const a = normaliseArray(items);
        expect(normaliseArray(JSON.stringify(items))).toEqual(a);
        if (a.ok) expect(new Set(a.value).size).toBe(a.value.length);
      }),
    );
  });

  it('joins lists for text fields', () => {
    expect(normaliseArrayToText('["sports","music"]')).toEqual({ ok: true, value: 'sports, music' });
    expect(normaliseArrayToText([])).toEqual({ ok: false, reason: 'empty' });
    expect(normaliseArrayToText(['x'.repeat(200), 'y'.repeat(60)], 256)).toEqual({ ok: false, reason: 'longer than 256 characters (262)' });
  });
});

describe('normaliseText', () => {
  it('writes scalars as text and enforces a length limit in characters', () => {
    expect(normaliseText('  Galway  ')).toEqual({ ok: true, value: 'Galway' });
    expect(normaliseText(12.5)).toEqual({ ok: true, value: '12.5' });
    expect(normaliseText(false)).toEqual({ ok: true, value: 'false' });
    expect(normaliseText({ city: 'Cork' })).toEqual({ ok: true, value: '{"city":"Cork"}' });
    expect(normaliseText(['a', 'b'])).toEqual({ ok: true, value: 'a, b' });
    expect(normaliseText('ş'.repeat(256), 256)).toEqual({ ok: true, value: 'ş'.repeat(256) });
    expect(normaliseText('ş'.repeat(257), 256)).toEqual({ ok: false, reason: 'longer than 256 characters (257)' });
  });
});

describe('isAbsent', () => {
  it('treats null, undefined, blank text and empty lists as no value, and nothing else', () => {
    for (const v of [null, undefined, '', '  ', []]) expect(isAbsent(v)).toBe(true);
    for (const v of [0, false, 'x', ['x'], {}]) expect(isAbsent(v)).toBe(false);
  });
});

describe('numbers into a Freshsales number field (11 digits, 4 decimals)', () => {
  it('rounds binary float noise away and refuses real precision beyond 4 decimals', async () => {
    const { normaliseNumber } = await import('../../src/mapping/normalise.js');
    expect(normaliseNumber(38467.770000000004, 11, 4)).toEqual({ ok: true, value: 38467.77 });
    expect(normaliseNumber('0.1234', 11, 4)).toEqual({ ok: true, value: 0.1234 });
    expect(normaliseNumber('2.12345', 11, 4)).toMatchObject({ ok: false, reason: expect.stringMatching(/more than 4 decimals .*Freshsales keeps 4/) });
    // Without a limit (standard fields), nothing is rounded.
    expect(normaliseNumber(2.12345)).toEqual({ ok: true, value: 2.12345 });
  });
});
