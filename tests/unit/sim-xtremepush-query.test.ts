import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { QueryError, Table, matches, parseCondition, parseListQuery, type Row } from '../../simulators/xtremepush/index.js';

const known = (f: string) => ['profile_id', 'email', 'n', 'flag', 'tags', 'opt'].includes(f);
const limits = { defaultLimit: 100, pageCap: 1000 };

const rows: Row[] = [
  { profile_id: '9', email: 'b@x.com', n: 5, flag: true, opt: 'x' },
  { profile_id: '10', email: 'A@x.com', n: 1.5, flag: false },
  { profile_id: '99', email: null, n: 10, flag: true, opt: null },
  { profile_id: '100', email: 'a@x.com', n: '7', flag: false, opt: 'y' },
];
const ids = (c: unknown) => rows.filter((r) => matches(parseCondition(c, known), r)).map((r) => r.profile_id);

describe('condition semantics', () => {
  it('compares numerically when both sides are numeric (ids are digit strings)', () => {
    expect(ids([['profile_id', '>', '9']])).toEqual(['10', '99', '100']);
    expect(ids([['profile_id', '<', 99]])).toEqual(['9', '10']);
    expect(ids([['n', '>=', 7]])).toEqual(['99', '100']);
    expect(ids([['n', '<=', '5']])).toEqual(['9', '10']);
  });

  it('compares strings by code units, case-sensitively', () => {
    expect(ids([['email', '=', 'a@x.com']])).toEqual(['100']);
    expect(ids([['email', '>', 'B']])).toEqual(['9', '100']);
  });

  it('fails every comparison on null or missing fields except = null and != null', () => {
    expect(ids([['email', '!=', 'a@x.com']])).toEqual(['9', '10']);
    expect(ids([['opt', 'NOT IN', ['x']]])).toEqual(['100']);
    expect(ids([['opt', '=', null]])).toEqual(['10', '99']);
    expect(ids([['opt', '!=', null]])).toEqual(['9', '100']);
  });

  it('treats booleans as 1/0 and supports IN / NOT IN', () => {
    expect(ids([['flag', '=', true]])).toEqual(['9', '99']);
    expect(ids([['flag', '=', 0]])).toEqual(['10', '100']);
    expect(ids([['profile_id', 'IN', ['9', 100]]])).toEqual(['9', '100']);
    expect(ids([['profile_id', 'NOT IN', ['9', '100']]])).toEqual(['10', '99']);
  });

  it('ANDs a list of triples and honours the nested object form', () => {
    expect(ids([['flag', '=', true], ['n', '>', 6]])).toEqual(['99']);
    expect(ids({ operator: 'OR', 0: ['profile_id', '=', '9'], 1: ['profile_id', '=', '100'] })).toEqual(['9', '100']);
    expect(ids({ 0: ['flag', '=', false], 1: { operator: 'OR', 0: ['n', '<', 2], 1: ['opt', '=', 'y'] } })).toEqual(['10', '100']);
    expect(ids([])).toEqual(['9', '10', '99', '100']);
  });

  it('rejects malformed conditions naming the problem', () => {
    const bad = (c: unknown) => () => parseCondition(c, known);
    expect(bad([['emial', '=', 'x']])).toThrow(/condition\[0\]: unknown field "emial"/);
    expect(bad([['email', '==', 'x']])).toThrow(/unknown operator "=="/);
    expect(bad([['email', 'in', ['x']]])).toThrow(/unknown operator "in"/);
    expect(bad([['email', 'IN', 'x']])).toThrow(/IN needs a non-empty array/);
    expect(bad([['email', 'IN', []]])).toThrow(/IN needs a non-empty array/);
    expect(bad([['email', '=']])).toThrow(/expected \[field, operator, value\]/);
    expect(bad([['email', '=', { a: 1 }]])).toThrow(/needs a string, number, boolean or null/);
    expect(bad(['email', '=', 'x'])).toThrow(/list of \[field, operator, value\] triples/);
    expect(bad({ operator: 'XOR', 0: ['email', '=', 'x'] })).toThrow(/operator must be "AND" or "OR"/);
    expect(bad({ 0: ['email', '=', 'x'], 2: ['email', '=', 'y'] })).toThrow(/without gaps/);
    expect(bad({ foo: 1 })).toThrow(/unexpected key "foo"/);
    expect(bad('email = x')).toThrow(QueryError);
  });
});

describe('parseListQuery', () => {
  it('defaults limit to 100, caps it at the page cap and validates limit, offset, order and select', () => {
    expect(parseListQuery({}, known, limits).limit).toBe(100);
    expect(parseListQuery({ limit: 5000 }, known, limits).limit).toBe(1000);
    expect(parseListQuery({ limit: '20', offset: '5' }, known, limits)).toMatchObject({ limit: 20, offset: 5 });
    expect(() => parseListQuery({ limit: 0 }, known, limits)).toThrow(/limit must be an integer >= 1/);
    expect(() => parseListQuery({ offset: -1 }, known, limits)).toThrow(/offset/);
    expect(() => parseListQuery({ order: 'email' }, known, limits)).toThrow(/order must be an array/);
    expect(() => parseListQuery({ order: ['email UP'] }, known, limits)).toThrow(/order\[0\]/);
    expect(() => parseListQuery({ order: ['nope DESC'] }, known, limits)).toThrow(/unknown field "nope"/);
    expect(parseListQuery({ order: ['n desc', 'email'] }, known, limits).order).toEqual([{ field: 'n', desc: true }, { field: 'email', desc: false }]);
    expect(parseListQuery({ select: ['email', 'unknown_thing'] }, known, limits).select).toEqual(['email']);
    expect(() => parseListQuery({ select: 'email' }, known, limits)).toThrow(/select must be an array/);
  });
});

describe('Table', () => {
  const mk = () => new Table(rows.map((r) => ({ ...r })), 'profile_id');

  it('orders by several keys with nulls first ascending, ties in id order', () => {
    const t = mk();
    const q = (order: string[]) => t.query(parseListQuery({ order, select: ['profile_id'] }, known, limits)).map((r) => r.profile_id);
    expect(q(['email ASC'])).toEqual(['99', '10', '100', '9']);
    expect(q(['flag DESC', 'n DESC'])).toEqual(['99', '9', '100', '10']);
    expect(q(['profile_id DESC'])).toEqual(['100', '99', '10', '9']);
    expect(q(['flag ASC'])).toEqual(['10', '100', '9', '99']);
  });

  it('pages with limit and offset and projects selected fields only', () => {
    const t = mk();
    const page = t.query(parseListQuery({ limit: 2, offset: 1, select: ['email', 'opt'] }, known, limits));
    expect(page).toEqual([{ email: 'A@x.com' }, { email: null, opt: null }]);
    // An attribute the row never had stays absent rather than turning into null.
    expect(Object.keys(page[0]!)).toEqual(['email']);
  });

  it('finds, inserts in key order and removes by numeric id', () => {
    const t = mk();
    expect(t.get('99')?.n).toBe(10);
    expect(t.get(99)?.n).toBe(10);
    expect(t.get('98')).toBeUndefined();
    t.insert({ profile_id: '50', n: 0 });
    expect(t.rows.map((r) => r.profile_id)).toEqual(['9', '10', '50', '99', '100']);
    expect(() => t.insert({ profile_id: '50' })).toThrow(/already exists/);
    expect(t.remove('10')).toBe(true);
    expect(t.remove('10')).toBe(false);
  });

  it('answers keyset queries on the id exactly like a full filter-and-sort would (property)', () => {
    const opArb = fc.constantFrom('>', '>=', '<', '<=', '=', '!=');
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 400 }), { maxLength: 60 }),
        fc.array(fc.tuple(opArb, fc.integer({ min: -5, max: 405 }), fc.boolean()), { maxLength: 3 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 10 }),
        fc.boolean(),
        (keys, conds, limit, offset, desc) => {
          const sorted = [...keys].sort((a, b) => a - b).map((k) => ({ profile_id: String(k), n: k % 7 }));
          const t = new Table(sorted, 'profile_id');
          const condition = conds.map(([op, v, asString]) => ['profile_id', op, asString ? String(v) : v]);
          condition.push(['n', '!=', 3]);
          const body = { condition, limit, offset, order: [`profile_id ${desc ? 'DESC' : 'ASC'}`] };
          const got = t.query(parseListQuery(body, known, limits)).map((r) => r.profile_id);
          const parsed = parseCondition(condition, known);
          const all = sorted.filter((r) => matches(parsed, r)).map((r) => r.profile_id);
          if (desc) all.reverse();
          expect(got).toEqual(all.slice(offset, offset + limit));
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });
});
