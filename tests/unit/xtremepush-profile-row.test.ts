import { describe, expect, it } from 'vitest';
import { contactPages, readProfileRow, toAttributeType, unixToIso, type XtremepushClient } from '../../src/connectors/xtremepush/index.js';
import { TerminalError } from '../../src/core/errors.js';
import type { CanonicalContact } from '../../src/core/model.js';

const ok = (raw: unknown): CanonicalContact => {
  const r = readProfileRow(raw);
  if (!r.ok) throw new Error(`expected a contact, got: ${r.reason}`);
  return r.contact;
};

describe('readProfileRow: a malformed row becomes a contact that names its problems', () => {
  it('reads a clean row with no problems at all', () => {
    const c = ok({ profile_id: '101', user_id: 7, email: 'ann@example.com', mobile_number: 353871234567, first_name: 'Ann', create_time: 1_700_000_000, vip: true });
    expect(c).toMatchObject({ sourceKey: 'xtremepush:profile:101', sourceId: '101', externalId: '7', email: 'ann@example.com', phone: '353871234567', firstName: 'Ann' });
    expect(c.attributes).toEqual({ vip: true });
    expect(c.sourceProblems).toBeUndefined();
  });

  it('leaves out a value of the wrong shape and says which column and what it was', () => {
    const c = ok({ profile_id: 102, email: ['ann@example.com'], user_id: { id: 1 }, language: 5, email_subscription: [1], first_name: { a: 1 }, last_name: 42, create_time: 'yesterday' });
    expect(c.sourceId).toBe('102');
    expect([c.email, c.externalId, c.language, c.emailSubscribed, c.firstName, c.createdAt]).toEqual([null, null, null, null, null, null]);
    // A number is a fine name (and is text once read).
    expect(c.lastName).toBe('42');
    expect(c.sourceProblems).toEqual([
      { field: 'externalId', reason: 'source row: user_id is an object ({"id":1}), not an id (text or a number)' },
      { field: 'email', reason: 'source row: email is a list (["ann@example.com"]), not text' },
      { field: 'emailSubscribed', reason: 'source row: email_subscription is a list ([1]), not a 0/1 flag' },
      { field: 'language', reason: 'source row: language is a number (5), not text' },
      { field: 'firstName', reason: 'source row: first_name is an object ({"a":1}), not text' },
      { field: 'createdAt', reason: 'source row: create_time is "yesterday", not unix seconds' },
    ]);
  });

  it('names keys no attribute can have, and never lets one reach an object prototype', () => {
    const raw = JSON.parse('{"profile_id":"103","email":"a@b.co","__proto__":{"polluted":true},"":"x","bad\\u0000key":1,"toString":"kept","constructor":"c"}');
    const c = ok(raw);
    expect(c.attributes).toEqual({ toString: 'kept' });
    expect(Object.getPrototypeOf(c.attributes)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(c.sourceProblems?.map((p) => [p.field, p.reason])).toEqual([
      [null, 'source row: key "__proto__" is not a profile column or an attribute name'],
      [null, 'source row: key "" is not a profile column or an attribute name (empty)'],
      [null, 'source row: key "bad\\u0000key" is not a profile column or an attribute name (control characters)'],
      [null, 'source row: key "constructor" is not a profile column or an attribute name'],
    ]);
  });

  it('cannot key a row without a usable profile_id, and says why', () => {
    expect(readProfileRow({ email: 'a@b.co' })).toEqual({ ok: false, reason: 'the row has no profile_id' });
    expect(readProfileRow({ profile_id: ['1'] })).toEqual({ ok: false, reason: 'profile_id is a list (["1"])' });
    expect(readProfileRow({ profile_id: 'abc' })).toEqual({ ok: false, reason: 'profile_id is text ("abc")' });
    expect(readProfileRow('row')).toEqual({ ok: false, reason: 'the row is text, not an object' });
  });

  it('never throws on timestamps no date can hold', () => {
    expect(unixToIso(1e20)).toBeNull();
    expect(unixToIso(Infinity)).toBeNull();
    expect(unixToIso('NaN')).toBeNull();
    expect(unixToIso([1])).toBeNull();
    expect(ok({ profile_id: '1', update_time: 1e20 }).sourceProblems).toEqual([{ field: 'updatedAt', reason: 'source row: update_time is 100000000000000000000, not unix seconds' }]);
  });

  it('types a Date attribute from a sample by its time of day, so midnight at +14:00 stays a date', () => {
    expect(toAttributeType({ name: 'dob', type: 'Date' }, '1990-04-12 00:00:00 +14:00')).toBe('date');
    expect(toAttributeType({ name: 'seen', type: 'Date' }, '1990-04-12 09:30:00 +14:00')).toBe('datetime');
  });
});

describe('contactPages: one malformed row never stops the stream', () => {
  function fakeClient(pages: unknown[][]): { client: XtremepushClient; calls: Array<string | null> } {
    const calls: Array<string | null> = [];
    let i = 0;
    const client = { listProfileRows: async (after: string | null) => (calls.push(after), pages[i++] ?? []) } as unknown as XtremepushClient;
    return { client, calls };
  }
  const all = async (it: AsyncIterable<{ records: CanonicalContact[]; checkpoint: string }>) => {
    const out: Array<{ records: CanonicalContact[]; checkpoint: string }> = [];
    for await (const p of it) out.push(p);
    return out;
  };

  it('keeps every row, keys an unkeyable one by position, and pages on from the last usable profile_id', async () => {
    const { client, calls } = fakeClient([
      [{ profile_id: '1', email: 'a@b.co' }, { profile_id: '2', email: ['x@y.co'] }, { email: 'no-key@b.co' }],
      [{ profile_id: '5', email: 'e@b.co' }],
    ]);
    const pages = await all(contactPages(client, null, 3));
    expect(calls).toEqual([null, '2', '5']);
    expect(pages.map((p) => p.checkpoint)).toEqual(['2', '5', '5']);
    const records = pages.flatMap((p) => p.records);
    expect(records.map((r) => r.sourceKey)).toEqual(['xtremepush:profile:1', 'xtremepush:profile:2', 'xtremepush:profile-row:start:3', 'xtremepush:profile:5']);
    expect(records[1]!.sourceProblems).toEqual([{ field: 'email', reason: 'source row: email is a list (["x@y.co"]), not text' }]);
    expect(records[2]).toMatchObject({
      sourceId: '(row 3 after profile start)',
      email: 'no-key@b.co',
      sourceProblems: [{ field: null, reason: 'source row: the row has no profile_id (row 3 after profile start): the record cannot be keyed' }],
    });
  });

  it('stops only when no row of a page has a usable profile_id (paging cannot go on)', async () => {
    const { client } = fakeClient([[{ email: 'a@b.co' }, { profile_id: null }]]);
    await expect(all(contactPages(client, '9', 2))).rejects.toThrow(TerminalError);
    await expect(all(contactPages(fakeClient([[{ email: 'a@b.co' }]]).client, '9', 2))).rejects.toThrow(/after 9: no row of the page has a usable profile_id/);
  });
});
