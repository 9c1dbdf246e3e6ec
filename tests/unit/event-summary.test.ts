import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../../src/core/model.js';
import { createEventSummary, mergeSummaryFields, summariseEvents } from '../../src/mapping/event-summary.js';

const ev = (contact: string, event: string, occurredAt: string, i = 0): CanonicalEvent => ({
  sourceKey: `e:${contact}:${event}:${occurredAt}:${i}`,
  contactKey: contact,
  event,
  value: null,
  deviceId: null,
  occurredAt,
  occurredAtRaw: occurredAt,
});

const SPEC = [
  { event: 'purchase', count: 'Purchases', first_seen: 'First purchase', last_seen: 'Last purchase' },
  { event: 'app_open', count: 'App opens' },
];

describe('event summaries', () => {
  it('counts per contact and event type, with first and last seen as UTC dates', () => {
    const out = summariseEvents(
      [
        ev('c1', 'purchase', '2024-03-05T10:00:00.000Z'),
        ev('c1', 'purchase', '2024-01-02T23:59:59.999Z'),
        ev('c1', 'purchase', '2024-02-10T00:00:00.000Z'),
        ev('c1', 'app_open', '2024-02-10T00:00:00.000Z'),
        ev('c2', 'app_open', '2024-02-11T00:00:00.000Z'),
        ev('c2', 'app_open', '2024-02-12T00:00:00.000Z'),
        ev('c3', 'logout', '2024-02-12T00:00:00.000Z'),
      ],
      SPEC,
    );
    expect(Object.fromEntries(out)).toEqual({
      c1: { Purchases: 3, 'First purchase': '2024-01-02', 'Last purchase': '2024-03-05', 'App opens': 1 },
      c2: { 'App opens': 2 },
    });
  });

  it('dates are those of the UTC instant, whatever the source offset or machine zone', () => {
    const tz = process.env.TZ;
    try {
      process.env.TZ = 'Pacific/Kiritimati';
      // 23:30 at −05:00 is 04:30 the next day in UTC.
      const out = summariseEvents([ev('c', 'purchase', '2024-03-01T23:30:00-05:00')], SPEC);
      expect(out.get('c')).toEqual({ Purchases: 1, 'First purchase': '2024-03-02', 'Last purchase': '2024-03-02' });
    } finally {
      process.env.TZ = tz;
    }
  });

  it('counts an event with an unreadable time but does not let it move first/last seen', () => {
    const out = summariseEvents([ev('c', 'purchase', 'garbage'), ev('c', 'purchase', '2024-03-01T12:00:00')], SPEC);
    expect(out.get('c')).toEqual({ Purchases: 2 });
  });

  it('leaves out contacts and fields with nothing to say', () => {
    expect(summariseEvents([ev('c', 'logout', '2024-03-01T00:00:00Z')], SPEC).size).toBe(0);
    expect(summariseEvents([ev('c', 'purchase', '2024-03-01T00:00:00Z')], []).size).toBe(0);
  });

  it('fills every entry that names an event, even twice', () => {
    const out = summariseEvents([ev('c', 'purchase', '2024-03-01T00:00:00Z')], [{ event: 'purchase', count: 'A' }, { event: 'purchase', last_seen: 'B' }]);
    expect(out.get('c')).toEqual({ A: 1, B: '2024-03-01' });
  });

  it('streaming and whole-collection forms agree, in any order (property)', () => {
    const instant = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2030-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString());
    const event = fc.record({ contact: fc.constantFrom('a', 'b', 'c'), name: fc.constantFrom('purchase', 'app_open', 'other'), at: instant });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60 }), (items) => {
        const events = items.map((x, i) => ev(x.contact, x.name, x.at, i));
        const acc = createEventSummary(SPEC);
        for (const e of [...events].reverse()) acc.add(e);
        const whole = summariseEvents(events, SPEC);
        expect(Object.fromEntries(acc.result())).toEqual(Object.fromEntries(whole));
        for (const [contact, fields] of whole) {
          const mine = events.filter((e) => e.contactKey === contact && e.event === 'purchase');
          if (mine.length === 0) continue;
          expect(fields.Purchases).toBe(mine.length);
          const days = mine.map((e) => e.occurredAt.slice(0, 10)).sort();
          expect(fields['First purchase']).toBe(days[0]);
          expect(fields['Last purchase']).toBe(days[days.length - 1]);
        }
      }),
    );
  });
});

describe('merging a duplicate\'s summary into its survivor', () => {
  it('equals the summary of both contacts\' events together', () => {
    const a = [ev('w', 'purchase', '2024-03-05T10:00:00.000Z'), ev('w', 'app_open', '2024-02-10T00:00:00.000Z')];
    const b = [ev('l', 'purchase', '2023-12-01T10:00:00.000Z'), ev('l', 'purchase', '2024-04-01T10:00:00.000Z', 1)];
    const sa = summariseEvents(a, SPEC).get('w')!;
    const sb = summariseEvents(b, SPEC).get('l')!;
    const together = summariseEvents([...a, ...b.map((e) => ({ ...e, contactKey: 'w' }))], SPEC).get('w')!;
    expect(mergeSummaryFields(SPEC, sa, sb)).toEqual(together);
    expect(mergeSummaryFields(SPEC, sb, sa)).toEqual(together);
  });
});
