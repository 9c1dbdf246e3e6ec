import { describe, expect, it } from 'vitest';
import { xtremepushSource } from '../../src/connectors/xtremepush/index.js';
import type { CanonicalContact } from '../../src/core/model.js';
import { proposeContactMap, renderMappingYaml, type ProposeInput } from '../../src/mapping/propose.js';
import { parseMappingSpec } from '../../src/mapping/spec.js';
import type { RememberedTarget } from '../../src/mapping/suggest.js';
import { HistoryEntry, HistoryFile, historyEntriesOf, organisationOf } from '../../src/pipeline/map-history.js';

const MAP = `
version: 1
source: xtremepush
objects:
  contact:
    dedupe: email
    fields:
      - { from: email, to: emails, transform: email }
      - { from: attributes.lifecycle, to: { custom: Lifecycle, type: dropdown, choices: [lead, loyal] }, transform: text }
      - { from: attributes.lifecycle, to: contact_status_id, transform: integer, values: { lead: New } }
      - { from: attributes.tel, to: mobile_number, transform: phone }
`;
const C = { confirmedAt: '2026-11-20T09:00:00.000Z', confirmedBy: 'Ana', mapHash: 'abc123def456' };

describe('what a confirmed map teaches the proposer', () => {
  it('remembers one target per source attribute, leaving out canonical fields and value maps', () => {
    expect(historyEntriesOf(parseMappingSpec(MAP, 'mapping.yaml'), C)).toEqual([
      { attribute: 'attributes.lifecycle', target: 'Lifecycle', type: 'dropdown', choices: ['lead', 'loyal'], transform: 'text', ...C },
      { attribute: 'attributes.tel', target: 'mobile_number', transform: 'phone', ...C },
    ]);
  });

  it('remembers an attribute the proposal offered and the map leaves out as skipped, never one the map reads', () => {
    const entries = historyEntriesOf(parseMappingSpec(MAP, 'mapping.yaml'), C, ['attributes.push_id', 'attributes.team']);
    expect(entries.filter((e) => e.skipped)).toEqual([
      { attribute: 'attributes.push_id', skipped: true, ...C },
      { attribute: 'attributes.team', skipped: true, ...C },
    ]);
    // A from the map reads as a field is its target, whatever the caller says.
    expect(historyEntriesOf(parseMappingSpec(MAP, 'mapping.yaml'), C, ['attributes.tel']).find((e) => e.attribute === 'attributes.tel')).toMatchObject({ target: 'mobile_number' });
    expect(HistoryEntry.safeParse({ attribute: 'attributes.push_id', skipped: true, ...C }).success).toBe(true);
    // A skip names no target, and a target is never half a skip.
    expect(HistoryEntry.safeParse({ attribute: 'attributes.push_id', skipped: true, target: 'emails', transform: 'email', ...C }).success).toBe(false);
    expect(HistoryEntry.safeParse({ attribute: 'attributes.push_id', skipped: false, target: 'emails', transform: 'email', ...C }).success).toBe(false);
  });

  it('reads a history file of version 1 (targets only) and of version 2 (with skips)', () => {
    const file = { kind: 'crm-migrate map history', organisation: 'acme', source: 'xtremepush', exportedAt: '2026-01-01T00:00:00Z' };
    expect(HistoryFile.safeParse({ ...file, version: 1, fields: [{ attribute: 'attributes.tel', target: 'mobile_number', transform: 'phone', ...C }] }).success).toBe(true);
    expect(HistoryFile.safeParse({ ...file, version: 2, fields: [{ attribute: 'attributes.tel', target: 'mobile_number', transform: 'phone', ...C }, { attribute: 'attributes.x', skipped: true, ...C }] }).success).toBe(true);
    expect(HistoryFile.safeParse({ ...file, version: 3, fields: [] }).success).toBe(false);
  });

  it('checks a remembered entry as a map field: a standard name, or a custom label with a type and valid choices', () => {
    expect(HistoryEntry.safeParse({ attribute: 'attributes.tel', target: 'mobile_number', transform: 'phone', ...C }).success).toBe(true);
    expect(HistoryEntry.safeParse({ attribute: 'attributes.tel', target: 'Mobile', transform: 'phone', ...C }).success).toBe(false);
    expect(HistoryEntry.safeParse({ attribute: 'attributes.t', target: 'T', type: 'text', choices: ['a'], transform: 'text', ...C }).success).toBe(false);
    expect(HistoryEntry.safeParse({ attribute: 'email', target: 'emails', transform: 'email', ...C }).success).toBe(false);
  });

  it("names the organisation by the config's organisation:, else by the Freshsales account's URL", () => {
    const destination = { baseUrl: 'https://Acme.myfreshworks.com/crm/sales/' };
    expect(organisationOf({ config: { destination } } as never)).toBe('freshsales:acme.myfreshworks.com/crm/sales');
    expect(organisationOf({ config: { destination, organisation: ' Acme Betting ' } } as never)).toBe('Acme Betting');
  });
});

describe('the proposer and a remembered skip', () => {
  const contact = (i: number): CanonicalContact => ({
    sourceKey: `xtremepush:profile:${i}`, sourceId: String(i), externalId: `u-${i}`, email: `user${i}@example.com`, phone: null, firstName: `Name${i}`, lastName: null,
    country: 'IE', language: 'en', timezone: 'Europe/Dublin', emailSubscribed: true, smsSubscribed: false, createdAt: '2024-01-01T00:00:00Z', updatedAt: null,
    attributes: { favourite_team: ['Galway', 'Cork', 'Kerry'][i % 3]!, lifecycle_stage: ['lead', 'loyal'][i % 2]!, loyalty_points: i * 10 },
  });
  const input: ProposeInput = {
    source: 'xtremepush',
    attributes: [{ name: 'favourite_team', type: 'string' }, { name: 'lifecycle_stage', type: 'string' }, { name: 'loyalty_points', type: 'number' }],
    samples: Array.from({ length: 60 }, (_, i) => contact(i + 1)),
    defaults: xtremepushSource.proposalDefaults,
  };
  const skip = (from: string): RememberedTarget => ({ from, skipped: true, confirmedAt: '2026-04-03T09:00:00.000Z', confirmedBy: 'Ana (RevOps)', mapHash: 'ab12cd34ef56ab12cd' });

  it('proposes the attribute skipped, high, with the confirmation as its evidence, in the map file too', () => {
    const plain = proposeContactMap(input);
    expect(plain.spec.objects.contact.fields.some((f) => f.from === 'attributes.favourite_team')).toBe(true);
    const p = proposeContactMap({ ...input, history: new Map([['attributes.favourite_team', skip('attributes.favourite_team')]]) });
    expect(p.spec.objects.contact.fields.some((f) => f.from === 'attributes.favourite_team')).toBe(false);
    const left = p.notMapped.find((n) => n.from === 'attributes.favourite_team');
    expect(left).toMatchObject({ band: 'high', route: 'none', reason: 'left out of the map confirmed on 2026-04-03 (map ab12cd34ef56) by Ana (RevOps)' });
    expect(left?.signals[0]).toBe('history: left out in the map confirmed on 2026-04-03 (map ab12cd34ef56) by Ana (RevOps) for this organisation');
    expect(renderMappingYaml(p.spec, p.evidence, { notMapped: p.notMapped })).toContain('attributes.favourite_team: left out of the map confirmed on 2026-04-03 (map ab12cd34ef56) by Ana (RevOps) [high; history: left out in the map confirmed on 2026-04-03');
    // Everything else is as it was.
    expect(p.spec.objects.contact.fields).toEqual(plain.spec.objects.contact.fields.filter((f) => f.from !== 'attributes.favourite_team'));
  });

  it('leaves out the lifecycle attribute whole: no custom field and no contact status from it', () => {
    const plain = proposeContactMap(input);
    expect(plain.spec.objects.contact.fields.filter((f) => f.from === 'attributes.lifecycle_stage').map((f) => f.to)).toContain('contact_status_id');
    const p = proposeContactMap({ ...input, history: new Map([['attributes.lifecycle_stage', skip('attributes.lifecycle_stage')]]) });
    expect(p.spec.objects.contact.fields.filter((f) => f.from === 'attributes.lifecycle_stage')).toEqual([]);
    expect(p.notMapped.map((n) => n.from)).toContain('attributes.lifecycle_stage');
  });

  it("a model's answer does not bring it back", () => {
    const answers = new Map([['attributes.favourite_team', { target: { kind: 'custom' as const, type: 'dropdown' as const }, reason: 'a team' }]]);
    const p = proposeContactMap({ ...input, history: new Map([['attributes.favourite_team', skip('attributes.favourite_team')]]), ai: { model: 'm', answers } });
    expect(p.spec.objects.contact.fields.some((f) => f.from === 'attributes.favourite_team')).toBe(false);
    expect(p.notMapped.find((n) => n.from === 'attributes.favourite_team')?.band).toBe('high');
  });
});
