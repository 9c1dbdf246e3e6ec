import { describe, expect, it } from 'vitest';
import { generateXtremepushDataset } from '../../simulators/generator/index.js';
import { toCanonicalContact } from '../../src/connectors/xtremepush/index.js';
import type { CanonicalContact } from '../../src/core/model.js';
import { proposeContactMap } from '../../src/mapping/propose.js';
import { createQualityAnalyser, type QualityFlagKind, type QualityResult } from '../../src/mapping/quality.js';
import { toAttributeType } from '../../src/connectors/xtremepush/index.js';

const NOW = Date.UTC(2025, 0, 1);
const dataset = generateXtremepushDataset({ profiles: 3000, seed: 7 });
const contacts: CanonicalContact[] = dataset.profiles.map((p) => toCanonicalContact(p as never));

function idsWith(r: QualityResult, kind: QualityFlagKind): string[] {
  return r.rows.filter((row) => row.flags.some((f) => f.kind === kind)).map((row) => row.sourceId).sort((a, b) => Number(a) - Number(b));
}
const sorted = (ids: string[]) => [...ids].sort((a, b) => Number(a) - Number(b));

describe('data quality flags on a generated Xtremepush account', () => {
  const qa = createQualityAnalyser({ now: NOW });
  for (const c of contacts) qa.add(c);
  const r = qa.result();
  const t = dataset.truth;

  it('flags exactly the generator\'s missing and invalid emails, junk phones and over-long names', () => {
    expect(t.missingEmail.length + t.invalidEmail.length + t.junkPhones.length + t.tooLongNames.length).toBeGreaterThan(0);
    expect(idsWith(r, 'missing_email')).toEqual(sorted(t.missingEmail));
    expect(idsWith(r, 'invalid_email')).toEqual(sorted(t.invalidEmail));
    expect(idsWith(r, 'malformed_phone')).toEqual(sorted(t.junkPhones));
    expect(idsWith(r, 'name_too_long')).toEqual(sorted(t.tooLongNames));
    expect(r.totals.missing_email).toBe(t.missingEmail.length);
    expect(r.totals.invalid_email).toBe(t.invalidEmail.length);
    expect(r.totals.malformed_phone).toBe(t.junkPhones.length);
    expect(r.totals.name_too_long).toBe(t.tooLongNames.length);
  });

  it('finds every duplicate group, with the newest member as the winner', () => {
    expect(t.duplicateGroups.length).toBeGreaterThan(0);
    const got = r.duplicateGroups.map((g) => ({ emailKey: g.emailKey, members: sorted(g.members), winner: g.winner })).sort((a, b) => a.emailKey.localeCompare(b.emailKey));
    const want = t.duplicateGroups.map((g) => ({ emailKey: g.emailKey, members: sorted(g.profileIds), winner: g.newest })).sort((a, b) => a.emailKey.localeCompare(b.emailKey));
    expect(got).toEqual(want);
    expect(r.totals.duplicate_email).toBe(t.duplicateGroups.reduce((s, g) => s + g.profileIds.length, 0));
    // Losers are warnings naming the winner; winners are info.
    const winners = new Set(t.duplicateGroups.map((g) => g.newest));
    for (const row of r.rows) {
      const dup = row.flags.find((f) => f.kind === 'duplicate_email');
      if (!dup) continue;
      expect(dup.severity).toBe(winners.has(row.sourceId) ? 'info' : 'warning');
    }
  });

  it('counts contacts without consent type or source, and states the history limitation once', () => {
    const without = contacts.filter((c) => [c.attributes.consent_type, c.attributes.consent_source].every((v) => v === undefined || v === null || v === '')).length;
    expect(without).toBeGreaterThan(0);
    expect(r.totals.consent_missing).toBe(without);
    expect(r.limitations).toHaveLength(1);
    expect(r.limitations[0]).toMatch(/consent history is missing/i);
  });

  it('with the proposed map: the contacts that will not load are exactly those migrate quarantines', () => {
    const attributes = dataset.attributes.map((a) => ({ name: a.name, type: toAttributeType(a as never) }));
    const { spec } = proposeContactMap({ source: 'xtremepush', attributes, samples: contacts });
    const q = createQualityAnalyser({ now: NOW, map: spec.objects.contact });
    for (const c of contacts) q.add(c);
    const res = q.result();
    expect(res.mapChecked).toBe(true);
    const errors = res.rows.filter((row) => row.severity === 'error').map((row) => row.sourceId);
    // Over-long names are left out (on_invalid: drop_field): warnings, not errors.
    expect(sorted(errors)).toEqual(sorted([...new Set([...t.missingEmail, ...t.invalidEmail])]));
    for (const id of t.tooLongNames) expect(res.rows.find((row) => row.sourceId === id)!.flags.find((f) => f.kind === 'name_too_long')?.severity).toBe('warning');
    // Own checks are not repeated as map issues.
    expect(res.totals.map_rejects).toBe(0);
  });
});
