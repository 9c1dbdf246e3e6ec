import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { discover } from '../../src/cli/discover.js';
import type { Io } from '../../src/cli/commands.js';
import { silentLogger } from '../../src/core/logger.js';
import { AttributeInventory, statsOf } from '../../src/mapping/inventory.js';
import { planSchema } from '../../src/mapping/schema-plan.js';
import { loadMappingSpec } from '../../src/mapping/spec.js';
import { readInventory, runSchemaPlan } from '../../src/pipeline/schema.js';
import { restoreCell } from '../../src/reports/csv.js';
import { expectedContactCounts, startHarness, type Harness } from '../helpers/harness.js';
import { parseCsv } from '../helpers/csv.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});


describe('discover against both simulators', () => {
  it('writes inventory.json/.md and data-quality.csv/.md that match the generated account', async () => {
    h = await startHarness({ profiles: 400, confirm: false, createFields: false });
    const lines: string[] = [];
    const io: Io = { out: (l) => lines.push(...l.split('\n')), logger: silentLogger(), quiet: true };
    const out = join(h.dir, 'discovery');
    expect(await discover({ config: h.configFile, out }, io)).toBe(0);

    for (const f of ['inventory.json', 'inventory.md', 'data-quality.csv', 'data-quality.md']) expect(existsSync(join(out, f))).toBe(true);
    const ds = h.dataset;

    // inventory.json reads back as an inventory, counting every profile.
    const inv = readInventory(join(out, 'inventory.json'));
    expect(AttributeInventory.safeParse(JSON.parse(readFileSync(join(out, 'inventory.json'), 'utf8'))).success).toBe(true);
    expect(inv.contacts).toBe(ds.profiles.length);
    const tier = statsOf(inv, 'attributes.loyalty_tier')!;
    expect(tier.distinct).toBe(new Set(ds.profiles.map((p) => p.loyalty_tier).filter((v) => v !== null && v !== undefined)).size);
    expect(tier.present).toBe(ds.profiles.filter((p) => p.loyalty_tier !== null && p.loyalty_tier !== undefined).length);
    expect(statsOf(inv, 'attributes.referral_code')!.distinct).toBe('200+');
    const euCodes = new Set(['IE', 'DE', 'ES', 'PL']);
    expect(inv.personalData.euContacts).toBeGreaterThanOrEqual(ds.profiles.filter((p) => euCodes.has(String(p.country))).length);
    expect(inv.personalData.euContacts).toBeGreaterThan(0);

    const json = JSON.parse(readFileSync(join(out, 'inventory.json'), 'utf8')) as { counts: Record<string, number | null>; destination?: { plan: string } };
    expect(json.counts.users).toBe(ds.profiles.length);
    expect(json.counts.segments).toBe(ds.segments.length);
    expect(json.counts.campaigns).toBe(ds.campaigns.length);
    expect(json.counts.promotions).toBe(ds.promotions.length);
    expect(json.counts.pushTokens).toBe(ds.devices.filter((d) => d.token).length);
    expect(json.destination?.plan).toBe('growth');

    const md = readFileSync(join(out, 'inventory.md'), 'utf8');
    expect(md).toContain('# Discovery inventory — Xtremepush');
    expect(md).toMatch(/\| Users \(profiles\) \| 400 \|/);
    expect(md).toContain('**EU personal data:');
    expect(md).toContain('GDPR');
    expect(md).toMatch(/\| attributes\.loyalty_tier \|/);
    expect(md).toContain('### attributes.loyalty_tier');
    // The grade the service page states, from the source's declared object map and this account's data.
    expect(md).toMatch(/\*\*Overall complexity: (Standard|Elevated|Complex)\.\*\* 3 of 9 objects need a mapping; the rest are 1:1\./);
    expect(md).toMatch(/\| Engagement-derived deal \| Deal \(and account\) \| 1:many \|/);
    expect(lines.join('\n')).toMatch(/^assessment: (Standard|Elevated|Complex) migration\. 3 of 9 objects need a mapping/m);
    expect(lines.join('\n')).toMatch(/^timeline: source: about \d+ paged call\(s\) \(bulk read\); destination: \d+ call\(s\) for contacts ≈ .* on the growth plan/m);

    // data-quality.csv: one row per flagged contact; the errors are exactly what migrate will quarantine.
    const rows = parseCsv(readFileSync(join(out, 'data-quality.csv'), 'utf8').replace(/^\uFEFF/, ''));
    expect(rows[0]).toEqual(['record_key', 'source_id', 'email', 'flags', 'severity']);
    const body = rows.slice(1);
    const errors = body.filter((r) => r[4] === 'error').map((r) => restoreCell(r[1]!));
    const want = expectedContactCounts(ds);
    expect(errors.length).toBe(want.quarantined);
    const t = ds.truth;
    expect(new Set(errors)).toEqual(new Set([...t.missingEmail, ...t.invalidEmail]));
    // Over-long names load without the name (on_invalid: drop_field): warnings.
    for (const id of t.tooLongNames) expect(body.find((r) => restoreCell(r[1]!) === id)?.[3]).toMatch(/longer than 255 characters \(\d+\): the contact loads without it/);
    const withFlag = (text: string) => body.filter((r) => r[3]!.includes(text)).length;
    expect(withFlag('missing email')).toBe(t.missingEmail.length);
    expect(withFlag('invalid email')).toBe(t.invalidEmail.length);
    expect(withFlag('malformed phone')).toBe(t.junkPhones.length);
    expect(withFlag('duplicate email')).toBe(t.duplicateGroups.reduce((s, g) => s + g.profileIds.length, 0));
    expect(withFlag('merged into')).toBe(want.merged);
    const qmd = readFileSync(join(out, 'data-quality.md'), 'utf8');
    expect(qmd).toContain('## Recommendations');
    expect(qmd).toMatch(/Consent history is missing/);
    expect(qmd).toMatch(new RegExp(`\\| Missing email \\| ${t.missingEmail.length} \\|`));

    expect(lines.some((l) => l.startsWith('400 contacts'))).toBe(true);

    // The inventory feeds the schema plan: packing victims and choice checks come from it.
    const plan = planSchema(loadMappingSpec(h.loaded.mappingFile), 'growth', inv);
    expect(plan.fields.length).toBeGreaterThan(0);
    const r = await runSchemaPlan({ loaded: h.loaded });
    expect(r.inventoryFile).toBeUndefined();
    const r2 = await runSchemaPlan({ loaded: h.loaded, inventoryFile: join(out, 'inventory.json') });
    expect(r2.inventoryFile).toBe(join(out, 'inventory.json'));
  });
});
