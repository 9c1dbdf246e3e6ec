import { afterEach, describe, expect, it } from 'vitest';
import { startFreshsalesSim, type FreshsalesSim } from '../../simulators/freshsales/index.js';
import { silentLogger } from '../../src/core/logger.js';
import { createFreshsales, FreshsalesConfig } from '../../src/connectors/freshsales/index.js';
import { parseMappingSpec } from '../../src/mapping/spec.js';
import { resolveReferences } from '../../src/pipeline/resolve-references.js';

let sim: FreshsalesSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const mapWith = (values: string, owner: string) =>
  parseMappingSpec(
    [
      'version: 1', 'source: xtremepush', `owners:`, `  default: ${owner}`, 'objects:', '  contact:', '    fields:',
      '      - { from: email, to: emails }',
      '      - from: attributes.lifecycle_stage', '        to: contact_status_id', `        values: ${values}`,
    ].join('\n'),
    'mapping.yaml',
  );

async function client() {
  sim = await startFreshsalesSim({ apiKey: 'k-123456789', timeScale: 3600 });
  return createFreshsales(FreshsalesConfig.parse({ type: 'freshsales', baseUrl: sim.url, apiKey: 'k-123456789' }), { logger: silentLogger() });
}

describe('lifecycle and owner names resolved through the selectors', () => {
  it('maps stage/status names to this account\'s ids and the owner email to its user id', async () => {
    const fs = await client();
    try {
      const r = await resolveReferences(mapWith('{ lead: "Lead / Contacted", loyal: Won, churned: null }', 'casey.closer@example.com'), fs.client);
      const statuses = await fs.client.contactStatuses();
      const field = r.contactMap.fields.find((f) => f.to === 'contact_status_id')!;
      expect(field.values).toEqual({ lead: statuses.find((s) => s.name === 'Contacted')!.id, loyal: statuses.find((s) => s.name === 'Won')!.id, churned: null });
      const users = await fs.client.owners();
      expect(r.ownerId).toBe(users.find((u) => u.email === 'casey.closer@example.com')!.id);
    } finally {
      await fs.http.close();
    }
  });

  it('stops before any write, listing what the account offers, when a name is unknown or the owner is inactive', async () => {
    const fs = await client();
    try {
      const err = await resolveReferences(mapWith('{ lead: "Prospect" }', 'drew.former@example.com'), fs.client).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toContain('"Prospect" is not a contact status in this account');
      expect((err as Error).message).toContain('Lead / New');
      expect((err as Error).message).toContain('owners.default: "drew.former@example.com"');
      expect((err as Error).message).toContain('Nothing was written');
    } finally {
      await fs.http.close();
    }
  });

  it('maps contact source and campaign names (as map propose writes them for utm_source / utm_campaign) to their ids, and refuses an unknown one', async () => {
    const fs = await client();
    try {
      const spec = parseMappingSpec(
        [
          'version: 1', 'source: xtremepush', 'objects:', '  contact:', '    fields:',
          '      - { from: email, to: emails }',
          '      - { from: attributes.utm_source, to: lead_source_id, transform: integer, values: { google: Web, newsletter: email, partner_x: null } }',
          '      - { from: attributes.utm_campaign, to: campaign_id, transform: integer, values: { spring_launch: "Spring Launch" } }',
        ].join('\n'),
        'mapping.yaml',
      );
      const r = await resolveReferences(spec, fs.client);
      const sources = await fs.client.leadSources();
      const campaigns = await fs.client.campaigns();
      const id = (list: Array<{ id: string; name: string }>, name: string) => list.find((x) => x.name === name)!.id;
      expect(r.contactMap.fields.find((f) => f.to === 'lead_source_id')!.values).toEqual({ google: id(sources, 'Web'), newsletter: id(sources, 'Email'), partner_x: null });
      expect(r.contactMap.fields.find((f) => f.to === 'campaign_id')!.values).toEqual({ spring_launch: id(campaigns, 'Spring Launch') });
      const bad = parseMappingSpec(
        ['version: 1', 'source: xtremepush', 'objects:', '  contact:', '    fields:', '      - { from: email, to: emails }', '      - { from: attributes.utm_source, to: lead_source_id, values: { tiktok: TikTok } }'].join('\n'),
        'mapping.yaml',
      );
      const err = await resolveReferences(bad, fs.client).catch((e: Error) => e);
      expect((err as Error).message).toContain('"TikTok" is not a lead source in this account (it has: Web, Email, Phone, Import, Referral)');
    } finally {
      await fs.http.close();
    }
  });
});
