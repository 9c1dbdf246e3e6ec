import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeRule, renderCampaignInventory, renderSegmentInventory, writeDeviceDataset } from '../../src/reports/rebuild-inventories.js';

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

describe('device dataset', () => {
  it('is written with owner-only permissions, one row per device, tokens intact', async () => {
    dir = mkdtempSync(join(tmpdir(), 'crm-dev-'));
    const file = join(dir, 'devices.csv');
    async function* pages() {
      yield [{ sourceKey: 'd1', contactKey: 'xtremepush:profile:1', userId: 'u-1', platform: 'ios', token: '-abc=def', os: '17.2', appVersion: '4.1.0', model: 'iPhone 15', lastSeen: '2024-12-13T10:36:00.000Z' }];
      yield [{ sourceKey: 'd2', contactKey: null, userId: null, platform: 'android', token: null, os: null, appVersion: null, model: null, lastSeen: null }];
    }
    const n = await writeDeviceDataset(file, pages(), join(dir, 'devices.jsonl'));
    expect(n).toBe(2);
    // The machine file keeps every token byte-exact.
    const jsonl = readFileSync(join(dir, 'devices.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { token: string; contact_key: string });
    expect(jsonl.map((d) => d.token)).toEqual(['-abc=def', '']);
    expect(statSync(join(dir, 'devices.jsonl')).mode & 0o777).toBe(0o600);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const lines = readFileSync(file, 'utf8').trim().split(/\r?\n/);
    expect(lines[0]).toBe('user_id,contact_key,platform,token,os,app_version,model,last_seen,merged_from');
    expect(lines).toHaveLength(3);
    // A token starting with "-" is neutralised for spreadsheets, reversibly (leading quote).
    expect(lines[1]).toContain("'-abc=def");
  });
});

describe('segment rules', () => {
  it('reads nested AND/OR rule trees as text', () => {
    const rule = { operator: 'AND', '0': { attribute: 'loyalty_tier', operator: 'IN', value: ['gold', 'platinum'] }, '1': { operator: 'OR', '0': { attribute: 'country', operator: '=', value: 'IE' }, '1': { attribute: 'vip', operator: '=', value: true } } };
    expect(describeRule(rule)).toBe('(loyalty_tier IN ["gold","platinum"] AND (country = "IE" OR vip = true))');
  });

  it('lists every segment with its tag, members and rule, escaping table cells', () => {
    const text = renderSegmentInventory(
      [{ id: '1', name: 'VIP | Gold', rules: { attribute: 'tier', operator: '=', value: 'gold' }, memberCount: 3 }],
      new Map([['Segment: VIP | Gold', 3]]),
      'Segment: ',
    );
    expect(text).toContain('| VIP \\| Gold | Segment: VIP \\| Gold | 3 | tier = "gold" |');
  });
});

describe('campaign inventory', () => {
  it('lists channels, trigger, interaction task counts and creatives', () => {
    const text = renderCampaignInventory(
      [{ id: '7', name: 'Spring Bonus', channels: ['push', 'email'], trigger: 'scheduled', status: 'sent', createdAt: '2024-03-01T00:00:00.000Z', activatedAt: null, deactivatedAt: null, raw: { messages: { '1': { push_title: 'Hi', push_picture: 'https://cdn.example/x.png' } } } }],
      new Map([['7', 42]]),
    );
    expect(text).toContain('| Spring Bonus | push, email | scheduled | sent |');
    expect(text).toContain('| 42 |');
    expect(text).toContain('push_picture: https://cdn.example/x.png');
  });
});
