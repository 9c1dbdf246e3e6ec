import { describe, expect, it } from 'vitest';
import { renderJourneyInventory, renderWidgetInventory, workflowEquivalent } from '../../src/reports/rebuild-inventories.js';
import type { SourceJourney, SourceWidget } from '../../src/core/model.js';

const journey: SourceJourney = {
  id: 'j-7',
  name: 'Hoş geldin | onboarding',
  status: 'ACTIVE',
  entry: { event: 'n:register', segment: 'New users' },
  steps: [
    { kind: 'push', channel: 'push', detail: { title: 'Merhaba!' } },
    { kind: 'wait', channel: null, detail: { hours: 24 } },
    { kind: 'condition', channel: null, detail: { event: 'purchase' } },
    { kind: 'email', channel: 'email', detail: { subject: 'Your first order' } },
    { kind: 'sms', channel: 'sms', detail: {} },
    { kind: 'teleport', channel: null, detail: {} },
  ],
  conversionEvents: ['purchase'],
  conversionCounting: 'per_user',
};

describe('journey inventory', () => {
  it('lists entry, every step in order with a Freshsales Workflow equivalent, and the conversion events', () => {
    const md = renderJourneyInventory([journey], 'Netmera');
    expect(md).toContain('# Journeys — rebuild inventory');
    // Pipes in names are escaped so the table holds.
    expect(md).toMatch(/\| Hoş geldin \\\| onboarding \| ACTIVE \| 6 \| push, email, sms \| purchase \| once per user per journey \|/);
    expect(md).toContain('Entry: `{"event":"n:register","segment":"New users"}`');
    expect(md).toMatch(/a Workflow on contact update, triggered by the field or tag the migrated event sets/);
    expect(md).toMatch(/\| 2 \| wait \|.*\| a time delay in a time-based Workflow/);
    expect(md).toMatch(/\| 4 \| email \| email \|.*\| the Workflow action "Send email"/);
    expect(md).toMatch(/\| 6 \| teleport \|.*no direct equivalent/);
    expect(md).toMatch(/\*\*Conversion counting differs\.\*\* Netmera counts one conversion per user per journey/);
  });

  it('says nothing about counting when every journey counts occurrences', () => {
    expect(renderJourneyInventory([{ ...journey, conversionCounting: 'per_occurrence' }])).not.toContain('Conversion counting differs');
  });

  it('has no push channel to offer in Freshsales', () => {
    expect(workflowEquivalent('push', 'push')).toMatch(/no push or in-app channel in Freshsales/);
    expect(workflowEquivalent('SPLIT', null)).toMatch(/Workflow conditions/);
  });
});

describe('widget inventory', () => {
  it('lists name, type, trigger and size, and flags assets over their limit', () => {
    const widgets: SourceWidget[] = [
      { id: 'w1', name: 'Spring banner', type: 'banner', trigger: 'app_open', fileSizeBytes: 3 * 1_048_576, sizeLimitBytes: 2 * 1_048_576 },
      { id: 'w2', name: 'Survey', type: 'popup', trigger: { event: 'purchase' }, fileSizeBytes: 40_000, sizeLimitBytes: 2 * 1_048_576 },
      { id: 'w3', name: 'Unknown size', type: 'popup', trigger: null, fileSizeBytes: null, sizeLimitBytes: null },
    ];
    const md = renderWidgetInventory(widgets, 'Netmera');
    expect(md).toContain('**1 asset(s) are over their size limit**');
    expect(md).toContain('| Spring banner | banner | app_open | 3.0 MB | 2.0 MB | **yes** |');
    expect(md).toContain('| Survey | popup | {"event":"purchase"} | 40 KB | 2.0 MB | no |');
    expect(md).toContain('| Unknown size | popup | null | unknown | none stated | no |');
  });
});
