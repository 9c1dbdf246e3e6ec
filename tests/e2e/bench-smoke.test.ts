/**
 * `npm run bench` is not part of the test suite (it takes minutes); this runs it small, so a
 * change that breaks it (a moved report file, a renamed metric) fails here, not at the next
 * measurement. The figures themselves are the bench's business, not this test's.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('bench', () => {
  it('runs end to end on a small population and prints every ratio', async () => {
    const r = await runCli(['bench', '--profiles', '400', '--large', '800', '--netmera-users', '300', '--netmera-large', '600']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const label of ['throughput ratio', 'delta cost ratio', 'rollback calls per 100 created', 'budget use', '429s received', 'calls per 100 contacts', 'memory ratio', 'source calls per user', 'pacing ratio', 'file path throughput', 'netmera memory ratio']) expect(r.stdout).toContain(label);
    const per100 = Number(/calls per 100 contacts, verification included\s+([\d.]+)/.exec(r.stdout)?.[1]);
    expect(per100).toBeGreaterThan(1);
  }, 120_000);
});
