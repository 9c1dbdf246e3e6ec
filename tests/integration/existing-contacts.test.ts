/** The pre-existing Freshsales contacts `demo` and `sim --existing` seed (src/cli/existing-contacts.ts). */
import { afterEach, describe, expect, it } from 'vitest';
import { startFreshsalesSim, type FreshsalesSim } from '../../simulators/freshsales/index.js';
import { seedExistingContacts } from '../../src/cli/existing-contacts.js';

let fs: FreshsalesSim;
afterEach(async () => {
  await fs?.close();
});

const emailsOf = (s: FreshsalesSim) => s.snapshot().contacts.map((c) => (c as { email: string }).email);

describe('seedExistingContacts', () => {
  const source = ['ana@example.com', 'ANA@example.com', ' not an email ', 'Bob@Example.org', '', 'cem@example.net'];

  it('seeds the first usable source addresses once each, upper-cased, and makes nobody up without a total (the demo)', async () => {
    fs = await startFreshsalesSim({ apiKey: 'k' });
    expect(seedExistingContacts(fs, source, { shared: 2 })).toEqual({ shared: 2, unrelated: 0 });
    expect(emailsOf(fs)).toEqual(['ANA@EXAMPLE.COM', 'BOB@EXAMPLE.ORG']);
    // Fewer usable addresses than asked: fewer contacts, none made up in their place.
    expect(seedExistingContacts(fs, source, { shared: 40 })).toEqual({ shared: 1, unrelated: 0 });
    expect(emailsOf(fs)).toHaveLength(3);
  });

  it('fills up to the total with unrelated people, seeded, never at a source address', async () => {
    fs = await startFreshsalesSim({ apiKey: 'k' });
    expect(seedExistingContacts(fs, source, { shared: 5, total: 9, seed: 3 })).toEqual({ shared: 3, unrelated: 6 });
    const made = emailsOf(fs).slice(3);
    expect(made).toHaveLength(6);
    expect(new Set(made.map((e) => e.toLowerCase())).size).toBe(6);
    for (const e of made) expect(source.map((s) => s.trim().toLowerCase())).not.toContain(e.toLowerCase());
    // The same seed makes the same people.
    const again = await startFreshsalesSim({ apiKey: 'k' });
    try {
      seedExistingContacts(again, source, { shared: 5, total: 9, seed: 3 });
      expect(emailsOf(again)).toEqual(emailsOf(fs));
    } finally {
      await again.close();
    }
  });
});
