import { afterAll, describe, expect, it } from 'vitest';
import { markerKeyOf, taskMarker, toTaskPayload, toUtcInstant, verifyTask, type TaskSourceRecord } from '../../src/pipeline/tasks.js';

const interaction = (over: Partial<Extract<TaskSourceRecord, { type: 'interaction' }>> = {}): TaskSourceRecord => ({
  type: 'interaction',
  sourceKey: 'xtremepush:message:881:opened',
  contactKey: 'xtremepush:profile:7',
  campaignId: '881',
  campaignName: 'Spring Bonus',
  channel: 'push',
  kind: 'opened',
  occurredAt: '2024-03-01T23:30:15.250Z',
  ...over,
});

const event = (over: Partial<Extract<TaskSourceRecord, { type: 'event' }>> = {}): TaskSourceRecord => ({
  type: 'event',
  sourceKey: 'xtremepush:event:ab12:0',
  contactKey: 'xtremepush:profile:7',
  event: 'purchase',
  value: 49.99,
  deviceId: 'dev-42',
  occurredAt: '2024-03-01T10:00:00.000Z',
  occurredAtRaw: '2024-03-01T12:00:00+02:00',
  ...over,
});

const originalTz = process.env.TZ;
afterAll(() => {
  process.env.TZ = originalTz;
});

describe('task payloads', () => {
  it('builds the interaction task: title, description with campaign data, done, marker last', () => {
    const out = toTaskPayload(interaction(), { ownerId: '4294967311' });
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.payload).toMatchObject({ title: 'Spring Bonus — opened', status: 1, targetable_type: 'Contact', owner_id: 4294967311 });
    const lines = out.payload.description.split('\n');
    expect(lines).toContain('Campaign: Spring Bonus');
    expect(lines).toContain('Campaign id: 881');
    expect(lines).toContain('Channel: push');
    expect(lines).toContain('Interaction: opened');
    expect(lines).toContain('Original timestamp: 2024-03-01T23:30:15.250Z');
    expect(lines[lines.length - 1]).toBe('[crm-migrate xtremepush:message:881:opened]');
    expect(markerKeyOf(out.payload.description)).toBe('xtremepush:message:881:opened');
    expect(out.payload).not.toHaveProperty('custom_field');
  });

  it('builds the event task with type, value, device id, raw timestamp with its offset and the UTC instant', () => {
    const out = toTaskPayload(event(), { ownerId: null });
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.payload.title).toBe('Event: purchase');
    expect(out.payload.due_date).toBe('2024-03-01T10:00:00.000Z');
    expect(out.payload).not.toHaveProperty('owner_id');
    const lines = out.payload.description.split('\n');
    expect(lines).toEqual([
      'Event type: purchase',
      'Value: 49.99',
      'Device id: dev-42',
      'Original timestamp: 2024-03-01T12:00:00+02:00',
      'UTC instant: 2024-03-01T10:00:00.000Z',
      taskMarker('xtremepush:event:ab12:0'),
    ]);
  });

  for (const tz of ['Pacific/Kiritimati', 'Pacific/Pago_Pago']) {
    it(`keeps the exact instant under TZ=${tz}`, () => {
      process.env.TZ = tz;
      // The zone really changed (+14 h / −11 h), so a local-time bug would show.
      expect(new Date('2024-03-01T00:00:00Z').getTimezoneOffset()).toBe(tz === 'Pacific/Kiritimati' ? -840 : 660);
      const a = toTaskPayload(interaction(), { ownerId: null });
      const b = toTaskPayload(event({ occurredAt: 'not a date', occurredAtRaw: '2024-03-01T23:59:59.999-11:00' }), { ownerId: null });
      const c = toTaskPayload(interaction({ occurredAt: '2024-03-01T23:30:15.25' }), { ownerId: null });
      expect(a.ok && a.payload.due_date).toBe('2024-03-01T23:30:15.250Z');
      // Falls back to the raw text, read with its own offset.
      expect(b.ok && b.payload.due_date).toBe('2024-03-02T10:59:59.999Z');
      // No offset: UTC by the canonical contract, never the machine's zone.
      expect(c.ok && c.payload.due_date).toBe('2024-03-01T23:30:15.250Z');
    });
  }

  it('quarantines an unreadable timestamp and never invents one', () => {
    const out = toTaskPayload(interaction({ occurredAt: '2024-02-30T10:00:00Z' }), { ownerId: null });
    expect(out).toEqual({ ok: false, reasons: ['interaction timestamp "2024-02-30T10:00:00Z" is not an ISO 8601 date-time'] });
    expect(toUtcInstant('2024-03-01T10:00:00+0530')).toBe('2024-03-01T04:30:00.000Z');
    expect(toUtcInstant('yesterday')).toBeNull();
  });

  it('keeps titles within 255 characters without losing the interaction kind', () => {
    const out = toTaskPayload(interaction({ campaignName: 'x'.repeat(400), kind: 'clicked' }), { ownerId: null });
    expect(out.ok && out.payload.title.length).toBe(255);
    expect(out.ok && out.payload.title.endsWith('… — clicked')).toBe(true);
  });

  it('verifies a read-back task field by field', () => {
    const out = toTaskPayload(interaction(), { ownerId: null });
    if (!out.ok) throw new Error('payload');
    const { owner_id: _owner, ...written } = out.payload;
    const good = { id: '9', ...written, due_date: '2024-03-01T23:30:15.250Z', targetable_id: '4294967296' };
    expect(verifyTask(out.payload, '4294967296', good).ok).toBe(true);
    const bad = verifyTask(out.payload, '4294967296', { ...good, due_date: '2024-03-01T22:30:15.250Z', targetable_id: '1' });
    expect(bad.mismatches.map((m) => m.field)).toEqual(['due_date', 'targetable_id']);
  });
});
