import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetFileError, datasetFromJsonl, datasetFromJsonlText } from '../../simulators/generator/index.js';

const lines = (...rows: unknown[]) => rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n');
const errorOf = (text: string): DatasetFileError => {
  try {
    datasetFromJsonlText(text, 'odd.jsonl');
  } catch (e) {
    expect(e).toBeInstanceOf(DatasetFileError);
    return e as DatasetFileError;
  }
  throw new Error('expected the file to be refused');
};

describe('datasetFromJsonl: an account from a JSONL file in the API row shape', () => {
  const ds = datasetFromJsonlText(
    lines(
      { profile: { profile_id: '12', email: ['a@b.co'], first_name: 'Zoë', date_of_birth: '1990-04-12 00:00:00 +14:00', points: 3 } },
      '',
      { profile: { profile_id: 5, email: null, vip: true } },
      { attribute: { name: 'points', type: 'Number' } },
      { campaign: { id: 7, title: 'Welcome', trigger: 0, type: 1, active: 1, status: 1, create_time: 1_700_000_000, email: 1 } },
      { message: { id: 2, campaign_id: 7, profile_id: '12', create_time: 1_700_000_100, delivery: 1, open: 0, click: 0 } },
      { message: { id: 1, campaign_id: 7, profile_id: '5', create_time: 1_700_000_050, delivery: 1, open: 1, click: 1 } },
      { event: { profile_id: '12', event: 'deposit', value: 20, timestamp: '2024-12-13 11:36:00 +01:00' } },
      { tag: { id: 1, tag: 'vip', profile_id: '5' } },
      { location: { id: 'loc_1', name: 'Croke Park', city: 'Dublin' } },
    ),
    'odd.jsonl',
  );

  it('keeps profile rows exactly as written (absent stays absent, a list stays a list), in profile_id order', () => {
    expect(ds.profiles.map((p) => p.profile_id)).toEqual([5, '12']);
    expect(ds.profiles[1]).toEqual({ profile_id: '12', email: ['a@b.co'], first_name: 'Zoë', date_of_birth: '1990-04-12 00:00:00 +14:00', points: 3 });
    expect(ds.profiles[0]).not.toHaveProperty('user_id');
  });

  it('keeps declared attributes and types the undeclared ones from their first value', () => {
    expect(ds.attributes.map((a) => [a.id, a.name, a.type])).toEqual([
      [1, 'points', 'Number'],
      // Profiles are read in profile_id order: 5 (vip) before 12.
      [2, 'vip', 'Boolean'],
      [3, 'first_name', 'String'],
      [4, 'date_of_birth', 'Date'],
    ]);
  });

  it('serves sends, events, tag hits and locations, each in key order, and nothing it was not given', () => {
    expect(ds.messages.map((m) => m.id)).toEqual([1, 2]);
    expect(ds.campaigns.map((c) => c.title)).toEqual(['Welcome']);
    expect(ds.events).toEqual([{ user_id: null, value: 20, device_id: null, profile_id: '12', event: 'deposit', timestamp: '2024-12-13 11:36:00 +01:00' }]);
    expect(ds.tagHits).toEqual([{ id: 1, tag: 'vip', profile_id: '5', device_id: null, create_time: ds.now }]);
    expect(ds.locations).toEqual([{ id: 'loc_1', name: 'Croke Park', city: 'Dublin' }]);
    expect([ds.segments, ds.devices, ds.promotions, ds.truth.duplicateGroups]).toEqual([[], [], [], []]);
  });

  it.each([
    ['{"profile": {"profile_id": "1"}', 1, /^odd\.jsonl line 1: not JSON/],
    ['{"profile": {"profile_id": NaN}}', 1, /not JSON/],
    [lines({ profile: { profile_id: '1' } }, { person: {} }), 2, /line 2: expected an object with one key, one of profile, attribute, campaign, message, event, tag, location/],
    [lines({ profile: { profile_id: '1' }, event: {} }), 1, /expected an object with one key/],
    [lines({ profile: [] }), 1, /line 1: profile must be an object/],
    [lines({ profile: { email: 'a@b.co' } }), 1, /profile: profile_id must be a digit string or a non-negative whole number, got nothing/],
    [lines({ profile: { profile_id: 'p-1' } }), 1, /got "p-1"/],
    [lines({ profile: { profile_id: '1' } }, '', { profile: { profile_id: 1 } }), 3, /line 3: profile profile_id 1 is already on line 1/],
    [lines({ attribute: { name: 'x', type: 'Text' } }), 1, /type must be one of String, Number, Integer, Date, Array, Boolean/],
    [lines({ message: { id: 1, campaign_id: 7, profile_id: '1' } }), 1, /message: create_time must be unix seconds/],
    [lines({ event: { profile_id: '1', event: 'x' } }), 1, /event: timestamp must be text/],
  ])('refuses a bad line, naming the file and the line: %s', (text, line, message) => {
    const e = errorOf(text);
    expect(e.line).toBe(line);
    expect(e.file).toBe('odd.jsonl');
    expect(e.message).toMatch(message);
  });

  const dir = mkdtempSync(join(tmpdir(), 'jsonl-ds-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file (a byte-order mark and CRLF line ends included), and names a file it cannot read', () => {
    const file = join(dir, 'data.jsonl');
    writeFileSync(file, `\uFEFF${lines({ profile: { profile_id: '1', email: 'a@b.co' } })}\r\n${lines({ profile: { profile_id: '2' } })}\r\n`);
    expect(datasetFromJsonl(file).profiles.map((p) => p.profile_id)).toEqual(['1', '2']);
    expect(() => datasetFromJsonl(join(dir, 'missing.jsonl'))).toThrow(/missing\.jsonl line 0: cannot be read \(ENOENT\)/);
  });
});
