import { describe, expect, it } from 'vitest';
import { parseMappingSpec } from '../../src/mapping/spec.js';
import { HistoryEntry, historyEntriesOf, organisationOf } from '../../src/pipeline/map-history.js';

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
