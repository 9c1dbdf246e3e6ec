/**
 * The content note of a campaign deal: title, channel, message content, creatives by name and
 * type (never their files or markup), labels, schedule, and the marker line last so the note
 * names its source key; HTML bodies written as text; the note never empty nor over the limit.
 */
import { describe, expect, it } from 'vitest';
import { markerKeyOf } from '../../src/connectors/freshsales/index.js';
import type { SourceCampaign } from '../../src/core/model.js';
import { mappingHash, parseMappingSpec, contentNoteOf } from '../../src/mapping/spec.js';
import { NOTE_DESCRIPTION_MAX, campaignNoteKey, campaignNoteText, htmlToText, toCampaignNotePayload } from '../../src/pipeline/campaign-note-text.js';
import { verifyNote } from '../../src/pipeline/campaign-notes.js';

const campaign = (raw: Record<string, unknown>, over: Partial<SourceCampaign> = {}): SourceCampaign => ({
  id: '1042', name: 'Spring Sale (EN)', channels: ['push'], trigger: 'scheduled', status: 'FINISHED', createdAt: null, activatedAt: '2024-03-01T09:00:00.000Z', deactivatedAt: null,
  raw, ...over,
});

const PUSH = campaign({
  content: { title: 'Spring Sale is on', text: 'Up to 40% off — this weekend only.', deeplink: 'app://kampanya/1042' },
  creatives: [
    { type: 'IMAGE', fileName: '1042_1.jpg', url: 'https://cdn.example.com/assets/1042/1042_1.jpg', sizeBytes: 120_000 },
    { type: 'HTML', fileName: '1042_2.html', url: 'https://cdn.example.com/assets/1042/1042_2.html', sizeBytes: 9_000 },
  ],
  labels: ['seasonal', 'en'],
  schedule: { type: 'SCHEDULED', startAt: Date.UTC(2024, 2, 1, 9), endAt: null, timeZone: 'Europe/Istanbul' },
});

describe('campaignNoteText', () => {
  it('writes title, channel, content, creatives by name and type, labels and schedule, marker last', () => {
    const text = campaignNoteText(PUSH, 'Netmera');
    const lines = text.split('\n');
    expect(lines[0]).toBe('Netmera campaign: Spring Sale (EN) (id 1042)');
    expect(lines).toContain('Channel: push');
    expect(lines).toContain('  Title: Spring Sale is on');
    expect(lines).toContain('  Text: Up to 40% off — this weekend only.');
    expect(lines).toContain('  Deeplink: app://kampanya/1042');
    expect(lines).toContain('Creatives (listed, not migrated): 1042_1.jpg (IMAGE); 1042_2.html (HTML)');
    expect(lines).toContain('Labels: seasonal, en');
    expect(lines).toContain('Schedule: type SCHEDULED; start at 2024-03-01T09:00:00.000Z; time zone Europe/Istanbul');
    expect(lines[lines.length - 1]).toBe('[crm-migrate campaign:1042:note]');
    expect(markerKeyOf(text)).toBe(campaignNoteKey('1042'));
    // Creatives are named, never fetched or embedded: no URL, no size.
    expect(text).not.toContain('cdn.example.com');
    expect(text).not.toContain('120000');
  });

  it('writes an HTML email body as text (markup is code, a note is plain text)', () => {
    const text = campaignNoteText(campaign({ content: { subject: 'Bu haftanın fırsatları', text: '<h1>Haftalık Bülten</h1><p>Yeni sezon &amp; ürünleri…</p>' } }, { channels: ['email'] }), 'Netmera');
    expect(text).toContain('  Subject: Bu haftanın fırsatları\n  Text: Haftalık Bülten\n    Yeni sezon & ürünleri…');
    expect(text).not.toMatch(/<\/?[a-z]/i);
    expect(htmlToText('a < b, no tags')).toBe('a < b, no tags');
  });

  it('reads content per message type when the source gives messages, and says when there is none', () => {
    const text = campaignNoteText(campaign({ messages: { push: { title: 'Hi', body: 'Come back' }, email: { subject: 'News' } } }, { channels: ['push', 'email'] }), 'Xtremepush');
    expect(text).toContain('Channel: push, email');
    expect(text).toContain('  Message (push):\n    Title: Hi\n    Body: Come back\n  Message (email):\n    Subject: News');
    const bare = campaignNoteText(campaign({}), 'Xtremepush');
    expect(bare).toContain('(the source gave no message content)');
    expect(bare).not.toContain('Creatives');
    expect(bare.trim().length).toBeGreaterThan(0);
  });

  it('cuts an oversized body to fit and keeps the marker last', () => {
    const text = campaignNoteText(campaign({ content: { text: 'x'.repeat(NOTE_DESCRIPTION_MAX * 2) } }), 'Netmera');
    expect(text.length).toBeLessThanOrEqual(NOTE_DESCRIPTION_MAX);
    expect(text).toContain('cut to fit a note');
    expect(markerKeyOf(text)).toBe('campaign:1042:note');
  });

  it('targets a deal', () => {
    expect(toCampaignNotePayload(PUSH, 'Netmera')).toEqual({ description: campaignNoteText(PUSH, 'Netmera'), targetable_type: 'Deal' });
  });
});

describe('verifyNote', () => {
  const sent = toCampaignNotePayload(PUSH, 'Netmera');
  it('accepts the create answer with the link flat or nested', () => {
    expect(verifyNote(sent, '7001', { id: '9', description: sent.description, targetable_type: 'Deal', targetable_id: '7001' }).ok).toBe(true);
    expect(verifyNote(sent, '7001', { id: '9', description: sent.description, targetable: { type: 'deal', id: '7001' } }).ok).toBe(true);
  });
  it('names what differs: the text, the deal', () => {
    const v = verifyNote(sent, '7001', { id: '9', description: 'other', targetable_type: 'Deal', targetable_id: '7002' });
    expect(v.mismatches.map((m) => m.field)).toEqual(['description', 'targetable_id']);
  });
});

describe('objects.campaign.content_note in the map', () => {
  const base = 'version: 1\nsource: netmera\nowners: { default: avery.admin@example.com }\nobjects:\n  contact:\n    fields:\n      - { from: email, to: emails }\n  campaign:\n    enabled: true\n';
  it('is on when left out, and a map that leaves it out hashes as one that writes the default', () => {
    const spec = parseMappingSpec(base, 'm.yaml');
    expect(contentNoteOf(spec.objects.campaign!)).toBe(true);
    expect(mappingHash(`${base}    content_note: true\n`)).toBe(mappingHash(base));
    const off = parseMappingSpec(`${base}    content_note: false\n`, 'm.yaml');
    expect(contentNoteOf(off.objects.campaign!)).toBe(false);
    expect(mappingHash(`${base}    content_note: false\n`)).not.toBe(mappingHash(base));
  });
});
