/**
 * The activity timeline as sales activities, in pure code: the map's choice (timeline,
 * sales_activity type and fields) and its errors, the hash that ignores `timeline: tasks`
 * written out, the schema plan's sales-activity fields, the payload (title, notes with the
 * marker, start = end = the original instant under far-from-UTC zones, typed custom fields),
 * reading sales activities in every shape the notes allow, and the field-by-field verification.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { FsSalesActivity, SalesActivitiesResponse, taskLinkOf } from '../../src/connectors/freshsales/index.js';
import { planSchema } from '../../src/mapping/schema-plan.js';
import { MappingSpec, mappingHash, parseMappingSpec, salesActivityOf, timelineOf } from '../../src/mapping/spec.js';
import {
  activityFieldValue, fieldKinds, markerKeyOf, timelineProperty, toSalesActivityPayload, toTimelinePayload, verifySalesActivity, TASK_TARGET,
  type ActivityField, type SalesActivityPayload, type TaskSourceRecord,
} from '../../src/pipeline/tasks.js';

const BASE = `version: 1
source: netmera
objects:
  contact:
    fields:
      - { from: email, to: emails }
`;

const withTask = (task: string) => `${BASE}  task:\n${task.replace(/^/gm, '    ')}\n`;

describe('the map: where the timeline goes', () => {
  it('defaults to tasks; timeline: tasks written out is the same map (same hash) as one that leaves it out', () => {
    const implicit = parseMappingSpec(withTask('campaigns: true'), 'm.yaml');
    const explicit = parseMappingSpec(withTask('timeline: tasks\ncampaigns: true'), 'm.yaml');
    expect(timelineOf(implicit.objects.task!)).toBe('tasks');
    expect(salesActivityOf(explicit.objects.task!)).toBeNull();
    expect(mappingHash(explicit)).toBe(mappingHash(implicit));
    const activities = parseMappingSpec(withTask('timeline: sales_activities\nsales_activity: { type: App event }'), 'm.yaml');
    expect(mappingHash(activities)).not.toBe(mappingHash(implicit));
    expect(salesActivityOf(activities.objects.task!)).toEqual({ type: 'App event', fields: [] });
  });

  it('reads the type and the typed fields, every property kind included', () => {
    const spec = parseMappingSpec(
      withTask(`timeline: sales_activities
sales_activity:
  type: "  App event "
  fields:
    - { from: event, to: { custom: Event name, type: text } }
    - { from: parameters.tutar, to: { custom: Amount, type: number } }
    - { from: interaction, to: { custom: Interaction, type: dropdown, choices: [delivered, opened, clicked] } }`),
      'm.yaml',
    );
    const sa = salesActivityOf(spec.objects.task!)!;
    expect(sa.type).toBe('App event');
    expect(sa.fields.map((f) => [f.from, f.to.custom, f.to.type])).toEqual([['event', 'Event name', 'text'], ['parameters.tutar', 'Amount', 'number'], ['interaction', 'Interaction', 'dropdown']]);
  });

  it.each([
    ['timeline: sales_activities', /timeline: sales_activities needs sales_activity: \{ type/],
    ['timeline: activities', /timeline must be one of: tasks, sales_activities, not "activities"/],
    ['timeline: sales_activities\nsales_activity: { type: "" }', /sales_activity.type must not be empty/],
    ['timeline: sales_activities\nsales_activity: { type: X, fields: [{ from: evnt, to: { custom: A, type: text } }] }', /unknown event property "evnt".*did you mean "event"/],
    ['timeline: sales_activities\nsales_activity: { type: X, fields: [{ from: event, to: { custom: A, type: multi_select_dropdown } }] }', /a sales activity field is one of: text, textarea, number, dropdown, checkbox, date/],
    ['timeline: sales_activities\nsales_activity: { type: X, fields: [{ from: event, to: { custom: A, type: text } }, { from: value, to: { custom: a, type: text } }] }', /"a" is already written by fields\[0\]/],
  ])('refuses %j', (task, message) => {
    expect(() => parseMappingSpec(withTask(task), 'm.yaml')).toThrow(message);
  });
});

describe('schema plan: sales-activity fields', () => {
  const specOf = (timeline: 'tasks' | 'sales_activities') =>
    MappingSpec.parse({
      version: 1,
      source: 'netmera',
      objects: {
        contact: { fields: [{ from: 'email', to: 'emails' }] },
        task: {
          timeline,
          sales_activity: { type: 'App event', fields: [{ from: 'parameters.tutar', to: { custom: 'Amount', type: 'number' } }, { from: 'event', to: { custom: 'Event name', type: 'text' } }] },
        },
      },
    });

  it('plans them on the sales-activities entity, counted against its own limits', () => {
    const p = planSchema(specOf('sales_activities'), 'growth');
    expect(p.fields).toEqual([
      { entity: 'sales_activities', label: 'Amount', type: 'number', from: 'event property parameters.tutar', role: 'activity_fields' },
      { entity: 'sales_activities', label: 'Event name', type: 'text', from: 'event property event', role: 'activity_fields' },
    ]);
    expect(p.total.used).toBe(0);
    expect(p.salesActivities?.total).toEqual({ used: 2, limit: 150 });
    expect(p.salesActivities?.usage.number).toEqual({ used: 1, limit: 30 });
    expect(p.fits).toBe(true);
    // The Free plan has no custom fields on any entity.
    expect(planSchema(specOf('sales_activities'), 'free').over.map((o) => [o.entity, o.type])).toEqual([['sales_activities', 'text'], ['sales_activities', 'number']]);
  });

  it('says when they would not be written (the timeline goes to tasks)', () => {
    const p = planSchema(specOf('tasks'), 'growth');
    expect(p.fields.every((f) => f.note === 'written only with timeline: sales_activities (the map sends the timeline to tasks)')).toBe(true);
  });
});

const event = (over: Partial<Extract<TaskSourceRecord, { type: 'event' }>> = {}): TaskSourceRecord => ({
  type: 'event',
  sourceKey: 'netmera:event:ab12:0',
  contactKey: 'netmera:user:u7',
  event: 'Satın Alma',
  value: '{"siparis_no":"SP-1","tutar":149.9}',
  deviceId: 'inst-42',
  occurredAt: '2024-03-01T21:30:15.250Z',
  occurredAtRaw: '2024-03-02 00:30:15.250',
  parameters: { tutar: 149.9, siparis_no: 'SP-1', teslim: '2024-03-05', hediye: 'yes', adet: 'iki' },
  ...over,
});
const interaction = (over: Partial<Extract<TaskSourceRecord, { type: 'interaction' }>> = {}): TaskSourceRecord => ({
  type: 'interaction',
  sourceKey: 'netmera:push:k1:u7:opened',
  contactKey: 'netmera:user:u7',
  campaignId: 'k1',
  campaignName: 'Black Friday',
  channel: 'push',
  kind: 'opened',
  occurredAt: '2024-11-29T07:00:00.000Z',
  ...over,
});

const FIELDS: ActivityField[] = [
  { from: 'event', to: { custom: 'Event name', type: 'text' }, cf: 'cf_event_name' },
  { from: 'parameters.tutar', to: { custom: 'Amount', type: 'number' }, cf: 'cf_amount_' },
  { from: 'parameters.siparis_no', to: { custom: 'Order', type: 'text' }, cf: 'cf_order' },
  { from: 'parameters.teslim', to: { custom: 'Delivery', type: 'date' }, cf: 'cf_delivery' },
  { from: 'parameters.hediye', to: { custom: 'Gift', type: 'checkbox' }, cf: 'cf_gift' },
  { from: 'parameters.adet', to: { custom: 'Quantity', type: 'number' }, cf: 'cf_quantity' },
  { from: 'channel', to: { custom: 'Channel', type: 'text' }, cf: 'cf_channel' },
  { from: 'interaction', to: { custom: 'Interaction', type: 'dropdown', choices: ['opened'] }, cf: 'cf_interaction' },
];
const ctx = { ownerId: '4294967311', typeId: '4294967400', fields: FIELDS };

const originalTz = process.env.TZ;
afterAll(() => {
  process.env.TZ = originalTz;
});

describe('sales activity payloads', () => {
  it('an event: its name in the title, the task lines and the marker in the notes, typed fields, the type and owner', () => {
    const out = toSalesActivityPayload(event(), ctx);
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    const p = out.payload;
    expect(p).toMatchObject({ title: 'Event: Satın Alma', sales_activity_type_id: 4294967400, owner_id: 4294967311, targetable_type: 'Contact' });
    expect(p.custom_field).toEqual({ cf_event_name: 'Satın Alma', cf_amount_: 149.9, cf_order: 'SP-1', cf_delivery: '2024-03-05', cf_gift: true });
    const lines = p.notes.split('\n');
    expect(lines).toContain('Event type: Satın Alma');
    expect(lines).toContain('Original timestamp: 2024-03-02 00:30:15.250');
    // A property that cannot be typed for its field is left out, and the notes say so.
    expect(lines).toContain('Not written to "Quantity": not a number ("iki")');
    expect(lines[lines.length - 1]).toBe('[crm-migrate netmera:event:ab12:0]');
    expect(markerKeyOf(p.notes)).toBe('netmera:event:ab12:0');
  });

  it('an interaction: campaign fields only; event properties it does not have are left out', () => {
    const out = toSalesActivityPayload(interaction(), { ...ctx, ownerId: null });
    expect(out.ok && out.payload).toMatchObject({ title: 'Black Friday — opened', start_date: '2024-11-29T07:00:00.000Z', end_date: '2024-11-29T07:00:00.000Z' });
    expect(out.ok && out.payload.custom_field).toEqual({ cf_channel: 'push', cf_interaction: 'opened' });
    expect(out.ok && out.payload).not.toHaveProperty('owner_id');
    // Without fields there is no custom_field at all.
    const bare = toSalesActivityPayload(interaction(), { ...ctx, fields: [] });
    expect(bare.ok && bare.payload).not.toHaveProperty('custom_field');
  });

  for (const tz of ['Pacific/Kiritimati', 'America/Adak']) {
    it(`starts and ends at the exact original instant under TZ=${tz}`, () => {
      process.env.TZ = tz;
      expect(new Date('2024-03-01T00:00:00Z').getTimezoneOffset()).toBe(tz === 'Pacific/Kiritimati' ? -840 : 600);
      const a = toSalesActivityPayload(event(), ctx);
      expect(a.ok && [a.payload.start_date, a.payload.end_date]).toEqual(['2024-03-01T21:30:15.250Z', '2024-03-01T21:30:15.250Z']);
      // The canonical instant unreadable: the raw text with its own offset, never the machine's zone.
      const b = toSalesActivityPayload(event({ occurredAt: '', occurredAtRaw: '2024-03-01T23:59:59.999-10:00' }), ctx);
      expect(b.ok && b.payload.start_date).toBe('2024-03-02T09:59:59.999Z');
      // No offset at all: UTC by the canonical contract.
      const c = toSalesActivityPayload(interaction({ occurredAt: '2024-03-01T23:30:15.25' }), ctx);
      expect(c.ok && c.payload.end_date).toBe('2024-03-01T23:30:15.250Z');
      // A date field takes the calendar date as written, not the UTC or local one.
      expect(activityFieldValue('2024-03-01 00:30:00 +14:00', 'date')).toEqual({ ok: true, value: '2024-03-01' });
    });
  }

  it('a record without a readable timestamp cannot be written and says why', () => {
    expect(toSalesActivityPayload(event({ occurredAt: 'x', occurredAtRaw: 'yesterday' }), ctx)).toEqual({ ok: false, reasons: ['event timestamp "yesterday" is not an ISO 8601 date-time'] });
  });

  it('chooses the payload by target: a task keeps description and due date, no custom fields', () => {
    const t = toTimelinePayload(event(), TASK_TARGET, null);
    expect(t.ok && Object.keys(t.payload).sort()).toEqual(['description', 'due_date', 'status', 'targetable_type', 'title']);
  });

  it('reads properties by kind of record', () => {
    expect(timelineProperty(event(), 'device_id')).toBe('inst-42');
    expect(timelineProperty(event(), 'campaign')).toBeUndefined();
    expect(timelineProperty(event({ parameters: null }), 'parameters.tutar')).toBeUndefined();
    expect(timelineProperty(event(), 'parameters.toString')).toBeUndefined();
    expect(timelineProperty(interaction(), 'campaign_id')).toBe('k1');
    expect(timelineProperty(interaction(), 'event')).toBeUndefined();
  });
});

describe('reading sales activities back', () => {
  it('takes ids as strings, the link nested, flat or listed, and timestamps with offsets', () => {
    const nested = FsSalesActivity.parse({ id: '70000000123', sales_activity_type_id: '4294967400', targetable: { type: 'contact', id: '4294967999' }, start_date: '2024-03-01T15:30:15-06:00' });
    expect(nested.id).toBe('70000000123');
    expect(taskLinkOf(nested)).toEqual({ type: 'contact', id: '4294967999' });
    const flat = FsSalesActivity.parse({ id: 70000000124, targetable_type: 'Contact', targetable_id: 4294967999 });
    expect(taskLinkOf(flat)).toEqual({ type: 'contact', id: '4294967999' });
    const listed = FsSalesActivity.parse({ id: 1, targetables: [{ type: 'Contact', id: 5 }] });
    expect(taskLinkOf(listed)).toEqual({ type: 'contact', id: '5' });
    const page = SalesActivitiesResponse.parse({ sales_activities: [{ id: '1' }], meta: { total: 1 } });
    expect(page.meta?.total_pages).toBeUndefined();
    expect(() => FsSalesActivity.parse({ id: 'abc' })).toThrow();
  });
});

describe('verifying a sales activity field by field', () => {
  const sent = (() => {
    const out = toSalesActivityPayload(event(), ctx);
    if (!out.ok) throw new Error('payload');
    return out.payload;
  })();
  const kinds = fieldKinds(FIELDS);
  // As an account answering in its own offset, without milliseconds, ids as strings, amounts as text, would read it.
  const read = (over: Record<string, unknown> = {}) =>
    FsSalesActivity.parse({
      id: '99',
      title: sent.title,
      notes: sent.notes,
      sales_activity_type_id: '4294967400',
      start_date: '2024-03-01T15:30:15.250-06:00',
      end_date: '2024-03-01T21:30:15.25Z',
      targetable: { type: 'contact', id: '4294967999' },
      owner_id: '4294967311',
      custom_field: { cf_event_name: 'Satın Alma', cf_amount_: '149.9', cf_order: 'SP-1', cf_delivery: '2024-03-05T00:00:00Z', cf_gift: true },
      ...over,
    });

  it('accepts what Freshsales holds in its own representations', () => {
    expect(verifySalesActivity(sent, '4294967999', read(), kinds)).toEqual({ ok: true, mismatches: [] });
    // Flat link as written.
    expect(verifySalesActivity(sent, '4294967999', read({ targetable: null, targetable_type: 'Contact', targetable_id: 4294967999 }), kinds).ok).toBe(true);
  });

  it.each([
    ['another contact', { targetable: { type: 'contact', id: '4294967998' } }, 'targetable_id'],
    ['no link at all', { targetable: null }, 'targetable_type'],
    ['a moved start', { start_date: '2024-03-01T15:30:16.250-06:00' }, 'start_date'],
    ['another type', { sales_activity_type_id: '4294967401' }, 'sales_activity_type_id'],
    ['notes without the marker', { notes: 'edited' }, 'notes'],
    ['a changed amount', { custom_field: { ...read().custom_field, cf_amount_: '149.8' } }, 'cf_amount_'],
    ['a lost field', { custom_field: { ...read().custom_field, cf_order: null } }, 'cf_order'],
  ])('reports %s as a mismatch', (_what, over, field) => {
    const v = verifySalesActivity(sent, '4294967999', read(over), kinds);
    expect(v.ok).toBe(false);
    expect(v.mismatches.map((m) => m.field)).toContain(field);
  });

  it('needs no custom fields when none were written', () => {
    const plain: SalesActivityPayload = { ...sent };
    delete plain.custom_field;
    expect(verifySalesActivity(plain, '4294967999', read({ custom_field: null }), kinds).ok).toBe(true);
  });
});
