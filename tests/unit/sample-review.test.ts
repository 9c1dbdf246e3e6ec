import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CanonicalContact } from '../../src/core/model.js';
import { parseMappingSpec } from '../../src/mapping/spec.js';
import { reviewFields } from '../../src/pipeline/sample.js';
import { renderSampleReviewHtml, sampleReviewRows, writeSampleReview, type SampleReview } from '../../src/reports/sample-review.js';

const MAP = `
version: 1
source: xtremepush
objects:
  contact:
    fields:
      - { from: email, to: emails }
      - { from: firstName, to: first_name }
      - { from: lastName, to: last_name }
      - { from: attributes.lifecycle_stage, to: contact_status_id, transform: integer, values: { lead: 11 } }
      - { from: attributes.tier, to: { custom: Loyalty tier, type: text } }
      - { from: attributes.points, to: { custom: Loyalty points, type: number } }
`;

const contact: CanonicalContact = {
  sourceKey: 'xtremepush:profile:7', sourceId: '7', externalId: 'u-7', email: 'Ana@Example.com', phone: null, firstName: ' Ana ', lastName: 'x'.repeat(300),
  country: 'IE', language: null, timezone: null, emailSubscribed: null, smsSubscribed: null, createdAt: null, updatedAt: null,
  attributes: { lifecycle_stage: 'lead', tier: 'gold', points: 120 },
};
const payload = { emails: 'ana@example.com', first_name: 'Ana', contact_status_id: 11, tags: ['VIP'], custom_field: { cf_tier: 'gold', cf_points: 120 } };
const deps = { map: parseMappingSpec(MAP, 'mapping.yaml').objects.contact, customFieldNames: new Map([['Loyalty tier', 'cf_tier'], ['Loyalty points', 'cf_points']]), segmentField: null };

describe('the sample review, field by field', () => {
  it('tells match, mismatch, unverifiable (a field the read leaves out), and not written (with the reason) apart', () => {
    // A search answer: no contact_status_id at all; someone changed the tier; points come back as text.
    const read = { id: 42, email: 'ana@example.com', first_name: 'Ana', tags: ['VIP', 'Other'], custom_field: { cf_tier: 'silver', cf_points: '120' } };
    const fields = reviewFields(deps, contact, payload, read as never, { segments: ['VIP'], tags: [] }, new Map([['last_name', 'last_name: longer than 255 characters (300)']]));
    const by = new Map(fields.map((f) => [f.target, f]));
    expect(by.get('emails')).toMatchObject({ label: 'Emails', source: 'Ana@Example.com', written: 'ana@example.com', state: 'match' });
    expect(by.get('first_name')).toMatchObject({ label: 'First name', source: ' Ana ', written: 'Ana', readBack: 'Ana', state: 'match' });
    expect(by.get('last_name')).toMatchObject({ state: 'not written', note: 'last_name: longer than 255 characters (300)' });
    expect(by.get('contact_status_id')).toMatchObject({ label: 'Status', source: 'lead', written: 11, readBack: undefined, state: 'unverifiable' });
    expect(by.get('custom_field.cf_tier')).toMatchObject({ label: 'Loyalty tier', from: 'attributes.tier', source: 'gold', written: 'gold', readBack: 'silver', state: 'mismatch' });
    expect(by.get('custom_field.cf_points')).toMatchObject({ written: 120, readBack: '120', state: 'match' });
    expect(by.get('tags')).toMatchObject({ from: 'segments and source tags', source: ['VIP'], state: 'match' });
  });

  it('marks every written field "not read" when the read-back did not find the record', () => {
    const fields = reviewFields(deps, contact, payload, null, { segments: [], tags: [] }, new Map());
    expect(fields.filter((f) => f.written !== undefined).every((f) => f.state === 'not read')).toBe(true);
  });

  it('renders the differing fields highlighted, the unverifiable ones not, values escaped, CSV cells formula-safe, files owner-only', async () => {
    const read = { id: 42, email: 'ana@example.com', first_name: 'Ana', custom_field: { cf_tier: '=HYPERLINK("x")', cf_points: 120 } };
    const review: SampleReview = {
      runId: 'run-1', sample: { size: 300, population: 2000, seed: '1' }, readCalls: 1,
      records: [{ recordKey: contact.sourceKey, email: 'ana@example.com', destId: '42', outcome: 'created', strata: ['country:IE', 'quality:name_too_long'], fields: reviewFields(deps, contact, payload, read as never, { segments: [], tags: [] }, new Map()) }],
    };
    const html = renderSampleReviewHtml(review);
    expect(html).toContain('a sample of 300 of 2,000 source contacts');
    expect(html).toMatch(/<tr class="mismatch"><td>Loyalty tier/);
    expect(html).toMatch(/<tr class="unverifiable"><td>Status/);
    expect(html).not.toMatch(/<tr class="mismatch"><td>Status/);
    expect(html).toContain('=HYPERLINK(&quot;x&quot;)');
    expect(html).not.toContain('<script');
    const rows = sampleReviewRows(review);
    const tier = rows.find((r) => r.destination_field === 'custom_field.cf_tier')!;
    expect(tier).toMatchObject({ source_value: 'gold', written_value: 'gold', read_back_value: '=HYPERLINK("x")', result: 'MISMATCH', freshsales_id: '42' });
    expect(rows.find((r) => r.destination_field === 'contact_status_id')!.result).toMatch(/^unverifiable/);
    const dir = mkdtempSync(join(tmpdir(), 'crm-review-'));
    try {
      const files = await writeSampleReview(dir, review);
      expect(readFileSync(files.csv, 'utf8')).toContain(`"'=HYPERLINK(""x"")"`);
      for (const f of [files.csv, files.html]) expect(statSync(f).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
