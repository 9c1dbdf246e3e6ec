import { describe, expect, it } from 'vitest';
import { assessMigration, type AssessmentInput } from '../../src/pipeline/assessment.js';
import { xtremepushSource } from '../../src/connectors/xtremepush/index.js';

const eight: AssessmentInput['objectMap'] = [
  { object: 'User', destination: 'Contact', fit: '1:1' },
  { object: 'Segment', destination: 'Tag', fit: 'lossy' },
  { object: 'Campaign', destination: 'Deal + activities', fit: '1:many' },
  { object: 'Attribute', destination: 'Custom field', fit: 'lossy' },
  { object: 'Device', destination: 'Custom fields', fit: '1:1' },
  { object: 'Event', destination: 'Activity', fit: '1:1' },
  { object: 'Journey', destination: 'Inventory', fit: 'lossy' },
  { object: 'Tag', destination: 'Tag', fit: '1:1' },
];

describe('the migration assessment', () => {
  it('states object compatibility from the declared map', () => {
    const a = assessMigration({ objectMap: eight, extraction: { kind: 'bulk', callsPerContact: 0.002 }, contacts: 1000, errorContacts: 10 });
    expect(a.compatibility).toBe('4 of 8 objects need a mapping; the rest are 1:1.');
    expect(a.needMapping).toEqual(['Segment', 'Campaign', 'Attribute', 'Journey']);
  });

  it('grades Standard for a clean, small, mostly 1:1 migration and says why', () => {
    const a = assessMigration({
      objectMap: xtremepushSource.objectMap!, extraction: xtremepushSource.extraction!, contacts: 20_000, errorContacts: 300,
      destination: { plan: 'growth', callsPerHour: 1000, contactLoadCalls: 420 },
    });
    expect(a.compatibility).toBe('3 of 9 objects need a mapping; the rest are 1:1.');
    expect(a.grade).toBe('Standard');
    expect(a.timeline.destinationHours).toBeCloseTo(0.42);
    expect(a.timeline.text).toMatch(/destination: 420 call\(s\) for contacts ≈ 25 min on the growth plan/);
  });

  it('grades up with bad data, volume, per-contact extraction and a long budget', () => {
    const a = assessMigration({
      objectMap: eight, extraction: { kind: 'per-contact', callsPerContact: 3 }, contacts: 600_000, errorContacts: 150_000,
      destination: { plan: 'growth', callsPerHour: 1000, contactLoadCalls: 13_000 },
    });
    expect(a.grade).toBe('Complex');
    expect(a.reasons.join('\n')).toMatch(/25\.0% of contacts will not load/);
    expect(a.reasons.join('\n')).toMatch(/no bulk read: 3 call\(s\) per contact/);
    expect(a.timeline.sourceCalls).toBe(1_800_000);
    expect(a.timeline.text).toMatch(/source: 1,800,000 call\(s\)/);
    const mid = assessMigration({ objectMap: eight, extraction: { kind: 'bulk', callsPerContact: 0.002 }, contacts: 1000, errorContacts: 100 });
    expect(mid.grade).toBe('Elevated');
  });
});
