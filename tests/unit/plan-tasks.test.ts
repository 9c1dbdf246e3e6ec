import { describe, expect, it } from 'vitest';
import { describePolicies, estimateTaskCalls } from '../../src/pipeline/plan.js';

const volumes = {
  interactions: 2_400,
  eventsByName: new Map([['purchase', 1_000], ['app_open', 9_000], ['level_up', 500]]),
  highValue: ['purchase', 'level_up', 'purchase', 'not_in_source'],
};

describe('task cost per event policy', () => {
  it('costs one call per task; events by policy', () => {
    expect(estimateTaskCalls({ ...volumes, policy: 'all' })).toMatchObject({ object: 'task', records: 12_900, calls: 12_900, detail: { interaction_tasks: 2_400, event_tasks: 10_500 } });
    // Listed names once each; a name the source never saw costs nothing.
    expect(estimateTaskCalls({ ...volumes, policy: 'high_value' })).toMatchObject({ records: 3_900, calls: 3_900, detail: { event_tasks: 1_500 } });
    expect(estimateTaskCalls({ ...volumes, policy: 'summary' })).toMatchObject({ calls: 2_400, detail: { event_tasks: 0 } });
    expect(estimateTaskCalls({ ...volumes, policy: 'none' })).toMatchObject({ calls: 2_400, detail: { event_tasks: 0 } });
    expect(estimateTaskCalls({ interactions: 0, eventsByName: new Map(), highValue: [], policy: 'all' }).calls).toBe(0);
  });

  it('shows every policy with its calls and duration on the plan, the chosen one marked', () => {
    const lines = describePolicies({ interactions: 2_400, eventsByName: new Map([['purchase', 10_000]]), highValue: ['purchase'], plan: 'growth', chosen: 'summary' });
    expect(lines).toEqual([
      'events policy "all": 12,400 tasks → 12,400 calls ≈ 12 h 24 min on growth',
      'events policy "high_value": 12,400 tasks → 12,400 calls ≈ 12 h 24 min on growth',
      'events policy "summary": 2,400 tasks → 2,400 calls ≈ 2 h 24 min on growth (events become count/first/last-seen contact fields at no extra call; chosen)',
      'events policy "none": 2,400 tasks → 2,400 calls ≈ 2 h 24 min on growth (events are not migrated)',
    ]);
  });

  it('follows the plan and the budget share', () => {
    const [all] = describePolicies({ ...volumes, plan: 'enterprise', budgetShare: 0.5 });
    // 12,900 calls at 2,500/h.
    expect(all).toBe('events policy "all": 12,900 tasks → 12,900 calls ≈ 5 h 10 min on enterprise');
  });
});
