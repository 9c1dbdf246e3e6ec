/**
 * The customer-supplied definitions file (journeys, widgets, campaign content): read tolerantly,
 * and a file that cannot be read or parsed is a ConfigError naming it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import type { SourceCampaign } from '../../src/core/model.js';
import { readDefinitions, toJourneys, toWidgets, withDefinitions } from '../../src/connectors/netmera/definitions.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function file(content: string): string {
  dir = mkdtempSync(join(tmpdir(), 'nm-defs-'));
  const f = join(dir, 'netmera-definitions.json');
  writeFileSync(f, content);
  return f;
}

describe('Netmera definitions file', () => {
  it('reads journeys whatever the spelling: numeric ids, steps by type or kind in their order, conversion events as names or objects', async () => {
    const d = await readDefinitions(file(JSON.stringify({
      journeys: [
        {
          id: 7, name: 'Hoş geldin', entryConditions: [{ type: 'EVENT', value: 'n:rg' }],
          steps: [{ order: 2, type: 'MESSAGE', channel: 'EMAIL', subject: 'Merhaba' }, { order: 1, kind: 'wait', hours: 24 }],
          conversionEvents: [{ event: 'satin_alma', windowDays: 7 }, 'kupon'],
        },
        { id: 'j2', name: 'Counts every time', steps: [], conversionCounting: 'EVERY_OCCURRENCE' },
      ],
    })));
    const [welcome, every] = toJourneys(d);
    expect(welcome).toMatchObject({ id: '7', name: 'Hoş geldin', status: null, conversionEvents: ['satin_alma', 'kupon'], conversionCounting: 'per_user' });
    expect(welcome!.steps.map((s) => [s.kind, s.channel])).toEqual([['wait', null], ['email', 'email']]);
    expect(welcome!.steps[1]!.detail).toMatchObject({ subject: 'Merhaba' });
    expect(every!.conversionCounting).toBe('per_occurrence');
  });

  it('sizes widgets from their stated size or their assets, against the limit the file states', async () => {
    const d = await readDefinitions(file(JSON.stringify({
      limits: { widgetFileSizeBytes: 1000 },
      widgets: [
        { id: 1, name: 'Banner', type: 'BANNER', trigger: { type: 'SCREEN', value: 'Home' }, fileSizeBytes: 1500 },
        { id: 2, name: 'Popup', type: 'POPUP', assets: [{ sizeBytes: 300 }, { sizeBytes: 200 }] },
        { id: 3, name: 'No size', type: 'NPS' },
      ],
    })));
    expect(toWidgets(d).map((w) => [w.id, w.type, w.fileSizeBytes, w.sizeLimitBytes])).toEqual([['1', 'banner', 1500, 1000], ['2', 'popup', 500, 1000], ['3', 'nps', null, 1000]]);
  });

  it('completes campaigns by key with title, channel, schedule and content; others stay as the API gave them', async () => {
    const d = await readDefinitions(file(JSON.stringify({
      campaigns: [{ notificationKey: '1004', title: 'Black Friday', channel: 'PUSH', schedule: { type: 'SCHEDULED' }, content: { text: '%50' }, creatives: [{ type: 'IMAGE' }] }],
    })));
    const api = (id: string): SourceCampaign => ({ id, name: `Push ${id}`, channels: ['push'], trigger: 'unknown', status: 'FINISHED', createdAt: null, activatedAt: null, deactivatedAt: null, raw: { stats: [] } });
    const [known, other] = withDefinitions([api('1004'), api('9')], d);
    expect(known).toMatchObject({ name: 'Black Friday', channels: ['push'], trigger: 'scheduled', raw: { stats: [], content: { text: '%50' }, creatives: [{ type: 'IMAGE' }] } });
    expect(other).toEqual(api('9'));
  });

  it('names the file when it is missing, not JSON, or of the wrong shape', async () => {
    await expect(readDefinitions('/nonexistent/netmera-definitions.json')).rejects.toThrow(ConfigError);
    await expect(readDefinitions('/nonexistent/netmera-definitions.json')).rejects.toThrow(/cannot read the journey\/widget definitions \/nonexistent\/netmera-definitions\.json \(source\.definitionsFile\): ENOENT/);
    const bad = file('{ journeys: ');
    await expect(readDefinitions(bad)).rejects.toThrow(new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not JSON`));
    const wrong = file(JSON.stringify({ journeys: [{ id: 1 }] }));
    await expect(readDefinitions(wrong)).rejects.toThrow(/journeys\.0\.name/);
  });
});

describe('Netmera event parameters', () => {
  it('turn epoch-ms under date-like keys into instants and round float noise away, keys sorted', async () => {
    const { normaliseParameters, stableJson } = await import('../../src/connectors/netmera/mappers.js');
    const p = normaliseParameters({ tutar: 12.300000000000001, adet: 3, siparisTarihi: 1_735_689_600_000, kod: 1_735_689_600_000, items: [{ fiyat: 0.1 + 0.2 }], ad: 'Çay' });
    expect(stableJson(p)).toBe('{"ad":"Çay","adet":3,"items":[{"fiyat":0.3}],"kod":1735689600000,"siparisTarihi":"2025-01-01T00:00:00.000Z","tutar":12.3}');
  });
});
