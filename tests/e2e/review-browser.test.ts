/**
 * The review page driven in Debian's Chromium (playwright-core): a reviewer opens the printed
 * address, edits a target and sees the schema plan follow, confirms, and migrate accepts the
 * map; without the token every request is a 401; an edit after the confirmation blocks migrate
 * until the map is confirmed again; a value map row and a transform edited on the page reach the
 * map file (a duplicate source value, an unknown transform posted by hand refused in words) and
 * Freshsales. One browser for the file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { silentLogger } from '../../src/core/logger.js';
import { runMigrate } from '../../src/pipeline/migrate.js';
import { silentProgress } from '../../src/pipeline/progress.js';
import { DISCOVERY_DIR, runSchemaApply } from '../../src/pipeline/schema.js';
import { runDiscover } from '../../src/pipeline/discover.js';
import { createSource } from '../../src/connectors/registry.js';
import { loadMappingSpec } from '../../src/mapping/spec.js';
import { startReviewServer, type ReviewServer } from '../../src/review/server.js';
import { chromiumOrSkip } from '../helpers/chromium.js';
import { API_KEY, startHarness, type Harness } from '../helpers/harness.js';

const executable = chromiumOrSkip();

describe.skipIf(executable === null)('review page in a browser', () => {
  let h: Harness;
  let server: ReviewServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    [h, browser] = await Promise.all([
      startHarness({ profiles: 40, confirm: false }),
      chromium.launch({ executablePath: executable!, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] }),
    ]);
    // Discovery as "crm-migrate discover" runs it: the inventory (statistics over every contact) and the data quality list.
    const source = createSource(h.loaded.config.source, { logger: silentLogger() });
    try {
      await runDiscover({ source, outDir: join(h.loaded.workdir, DISCOVERY_DIR), map: loadMappingSpec(h.loaded.mappingFile).objects.contact });
    } finally {
      await source.close();
    }
    server = await startReviewServer({ loaded: h.loaded, logger: silentLogger() });
    page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await h?.close();
  });

  const usage = async (limit: string) => Number(await page.locator(`#plan tr[data-limit="${limit}"] td`).first().textContent());
  const card = (from: string) => page.locator('section.card', { has: page.locator('h3 code', { hasText: new RegExp(`^${from.replace('.', '\\.')}$`) }) });
  // Where the CLI's migrate writes by default, and so where the Runs page reads.
  const migrate = () => runMigrate({ loaded: h.loaded, outDir: join(h.loaded.workdir, 'reports'), logger: silentLogger(), progress: silentProgress });
  const confirmAs = async (name: string) => {
    await Promise.all([page.waitForURL(/\/confirm$/), page.getByRole('link', { name: 'Confirm', exact: true }).click()]);
    // Keyboard only: focus the name, type it, Enter submits the form.
    await page.getByLabel('Who confirms (your name or email)').focus();
    await page.keyboard.type(name);
    await Promise.all([page.waitForURL(/\/confirm\?done=1$/), page.keyboard.press('Enter')]);
    expect(await page.locator('#confirmation').textContent()).toContain(`Confirmed by ${name}`);
  };

  it('answers 401 to every request without the token', async () => {
    for (const path of ['/', '/map', '/confirm', '/quality', '/runs', '/assets/review.css']) {
      expect((await fetch(`${server.origin}${path}`, { redirect: 'manual' })).status, path).toBe(401);
    }
    expect((await fetch(`${server.origin}/map?token=wrong-${server.token}`, { redirect: 'manual' })).status).toBe(401);
    const post = await fetch(`${server.origin}/confirm`, { method: 'POST', body: new URLSearchParams({ by: 'mallory' }), redirect: 'manual' });
    expect(post.status).toBe(401);
    const fresh = await browser.newPage();
    expect((await fresh.goto(`${server.origin}/map`))?.status()).toBe(401);
    await fresh.close();
    // The header works for scripts.
    expect((await fetch(`${server.origin}/runs`, { headers: { 'x-review-token': server.token } })).status).toBe(200);
  });

  it('edits a target, shows the plan follow, confirms, and migrate accepts the map', async () => {
    const res = await page.goto(server.url);
    expect(res?.status()).toBe(200);
    expect(page.url()).toBe(`${server.origin}/map`);
    expect(res?.headers()['content-security-policy']).toContain("default-src 'none'");
    expect(await page.getByRole('heading', { level: 1, name: 'Map' }).isVisible()).toBe(true);
    expect(await page.locator('#confirmation').textContent()).toContain('Not confirmed');
    // The first Tab reaches the skip link, then the navigation.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');

    const text = await usage('text');
    const dropdown = await usage('dropdown');
    const tier = card('attributes.loyalty_tier');
    expect(await tier.locator('[data-target]').textContent()).toContain('dropdown');
    await tier.getByLabel('Custom field label').fill('Loyalty tier text');
    await tier.getByLabel('Custom field type').selectOption('text');
    await Promise.all([page.waitForURL(/\/map\?saved=/), tier.getByRole('button', { name: 'Save' }).click()]);
    expect(await page.getByRole('status').textContent()).toContain('Saved attributes.loyalty_tier');
    expect(await usage('text')).toBe(text + 1);
    expect(await usage('dropdown')).toBe(dropdown - 1);
    expect(readFileSync(h.loaded.mappingFile, 'utf8')).toContain('Loyalty tier text');

    // An invalid edit: the reason on the page, the file untouched, what was typed kept.
    const before = readFileSync(h.loaded.mappingFile, 'utf8');
    const points = card('attributes.loyalty_points');
    await points.getByLabel('Freshsales field').selectOption('emails');
    await Promise.all([page.waitForNavigation(), points.getByRole('button', { name: 'Save' }).click()]);
    expect(await page.getByRole('alert').first().textContent()).toContain('Not saved');
    expect(readFileSync(h.loaded.mappingFile, 'utf8')).toBe(before);
    expect(await card('attributes.loyalty_points').getByLabel('Freshsales field').inputValue()).toBe('emails');

    await confirmAs('Aoife Admin');
    // The admin creates the new field, as the schema plan asks; then migrate writes.
    await runSchemaApply({ loaded: h.loaded, logger: silentLogger() });
    const r = await migrate();
    expect(r.report.phases[0]!.created).toBeGreaterThan(0);

    // The run shows on the Runs page, with its charts.
    await Promise.all([page.waitForURL(/\/runs$/), page.getByRole('link', { name: 'Runs', exact: true }).click()]);
    await Promise.all([page.waitForURL(/\/runs\/./), page.getByRole('link', { name: r.report.runId }).click()]);
    expect(await page.getByRole('img', { name: /Records per phase/ }).isVisible()).toBe(true);
    expect(await page.getByRole('img', { name: /budget plan against calls spent/ }).isVisible()).toBe(true);
  });

  it('blocks migrate after an edit made since the confirmation, until it is confirmed again', async () => {
    await page.goto(`${server.origin}/map`);
    expect(await page.locator('#confirmation').textContent()).toContain('Confirmed by Aoife Admin');
    await Promise.all([page.waitForURL(/\/map\?saved=/), card('attributes.consent_source').getByRole('button', { name: 'Skip this attribute' }).click()]);
    expect(await page.locator('#confirmation').textContent()).toContain('Not confirmed');
    expect(await card('attributes.consent_source').textContent()).toContain('not in the map');
    await expect(migrate()).rejects.toThrow(/has not been confirmed/);
    await confirmAs('Aoife Admin');
    await expect(migrate()).resolves.toMatchObject({ overErrorRatio: false });
  });

  it('edits a value map row and a transform, refuses a duplicate source value and an unknown transform in words, and migrate accepts the map', async () => {
    await page.goto(`${server.origin}/map`);
    expect(await page.locator('#confirmation').textContent()).toContain('Confirmed by Aoife Admin');
    const fieldOf = (from: string, to: string) => loadMappingSpec(h.loaded.mappingFile).objects.contact.fields.find((f) => f.from === from && f.to === to)!;
    // The lifecycle attribute's second field: its stages → Freshsales contact status names.
    const status = page.locator('section.card', { has: page.locator('[data-target]', { hasText: 'contact_status_id' }) });
    expect(await status.locator('details.values').getAttribute('open')).not.toBeNull();
    expect(await status.getByLabel('Freshsales value for "churned"').inputValue()).toBe('Customer / Churned');
    await status.getByLabel('Freshsales value for "churned"').fill('Lead / Unqualified');
    await status.getByLabel('Remove the row of "loyal"').check();
    await Promise.all([page.waitForURL(/\/map\?saved=/), status.getByRole('button', { name: 'Save' }).click()]);
    expect(fieldOf('attributes.lifecycle_stage', 'contact_status_id').values).toEqual({ subscriber: 'Lead / New', lead: 'Lead / Contacted', engaged: 'Lead / Interested', churned: 'Lead / Unqualified' });
    // The edit after the confirmation needs a new one.
    expect(await page.locator('#confirmation').textContent()).toContain('Not confirmed');
    await expect(migrate()).rejects.toThrow(/has not been confirmed/);

    // The removed stage is still observed: listed without a row, with how many contacts have it.
    const loyal = status.locator('tr[data-value-row="observed"]', { hasText: 'loyal' });
    expect(await loyal.count()).toBe(1);
    expect(Number(await loyal.locator('td.n').textContent())).toBeGreaterThan(0);
    // Given a value again, plus a new row for a stage that already has one: refused, in words, beside the value map.
    const before = readFileSync(h.loaded.mappingFile, 'utf8');
    await status.getByLabel('Freshsales value for "loyal"').fill('Customer / Won');
    const blank = status.locator('tr[data-value-row="new"]').first();
    await blank.getByLabel(/^Source value/).fill('lead');
    await blank.getByLabel(/^Freshsales value/).fill('Lead / New');
    await Promise.all([page.waitForNavigation(), status.getByRole('button', { name: 'Save' }).click()]);
    expect(await page.getByRole('alert').first().textContent()).toContain('Not saved: Value map: row 6: source value "lead" is listed twice');
    expect(await status.locator('fieldset[aria-invalid="true"]').count()).toBe(1);
    expect(await status.locator('[id$="-values-err"]').textContent()).toContain('source value "lead" is listed twice: each source value has one row');
    expect(readFileSync(h.loaded.mappingFile, 'utf8')).toBe(before);
    // What was typed is kept: take the second "lead" row out and save again.
    expect(await status.getByLabel('Freshsales value for "loyal"').inputValue()).toBe('Customer / Won');
    await status.getByLabel('Remove the row of "lead"').nth(1).check();
    await Promise.all([page.waitForURL(/\/map\?saved=/), status.getByRole('button', { name: 'Save' }).click()]);
    expect(fieldOf('attributes.lifecycle_stage', 'contact_status_id').values).toMatchObject({ lead: 'Lead / Contacted', churned: 'Lead / Unqualified', loyal: 'Customer / Won' });

    // A transform, chosen among those the field takes.
    const referral = card('attributes.referral_code');
    const offered = await referral.getByLabel('Transform').locator('option').allTextContents();
    expect(offered).toContain('text (default)');
    expect(offered).not.toContain('subscription');
    await referral.getByLabel('Transform').selectOption('none');
    await Promise.all([page.waitForURL(/\/map\?saved=/), referral.getByRole('button', { name: 'Save' }).click()]);
    expect(readFileSync(h.loaded.mappingFile, 'utf8')).toMatch(/- from: attributes\.referral_code\n(.*\n)*? {8}transform: none\n/);

    // A transform the page never offers, posted by hand: refused by the map spec, shown beside the transform.
    const hidden = (name: string) => status.locator(`input[type="hidden"][name="${name}"]`).getAttribute('value');
    const beforeHand = readFileSync(h.loaded.mappingFile, 'utf8');
    const res = await page.request.post(`${server.origin}/map`, {
      form: { index: (await hidden('index'))!, from: 'attributes.lifecycle_stage', hash: (await hidden('hash'))!, action: 'save', target: 'contact_status_id', transform: 'shout' },
      maxRedirects: 0,
    });
    expect(res.status()).toBe(422);
    expect(readFileSync(h.loaded.mappingFile, 'utf8')).toBe(beforeHand);
    await page.setContent(await res.text());
    expect(await status.locator('[id$="-transform-err"]').textContent()).toMatch(/^unknown transform "shout" \(expected one of: none, email, phone/);
    expect(await status.getByLabel('Transform').inputValue()).toBe('shout');

    await confirmAs('Aoife Admin');
    await expect(migrate()).resolves.toMatchObject({ overErrorRatio: false });
    // What the value map said reached Freshsales: churned contacts are now "Unqualified", none "Churned".
    const statuses = (await (await fetch(`${h.fs.url}/api/selector/contact_statuses`, { headers: { Authorization: `Token token=${API_KEY}` } })).json()) as { contact_statuses: Array<{ id: number; name: string }> };
    const nameOf = new Map(statuses.contact_statuses.map((s) => [s.id, s.name]));
    const written = (h.fs.snapshot().contacts as Array<{ contact_status_id?: number }>).map((c) => nameOf.get(c.contact_status_id ?? -1));
    expect(written).toContain('Unqualified');
    expect(written).not.toContain('Churned');
  });

  it('lists the data quality rows and filters them by flag and text', async () => {
    await page.goto(`${server.origin}/quality`);
    const all = await page.locator('#quality-count').textContent();
    const total = Number(/of (\d+) rows/.exec(all ?? '')?.[1]);
    expect(total).toBeGreaterThan(0);
    const flag = page.getByLabel('Flag', { exact: true });
    const first = (await flag.locator('option').nth(1).getAttribute('value'))!;
    await flag.selectOption(first);
    await Promise.all([page.waitForURL(/\/quality\?flag=/), page.getByRole('button', { name: 'Filter' }).click()]);
    const shown = await page.locator('table tbody tr').count();
    expect(shown).toBeGreaterThan(0);
    for (const text of await page.locator('table tbody tr').allTextContents()) expect(text).toContain(first);
    expect(await page.locator('#quality-count').textContent()).toContain(`${shown} of ${total} rows match`);
    await page.getByLabel('Text (key, id, email)').fill('no-such-record-anywhere');
    await Promise.all([page.waitForURL(/q=no-such/), page.keyboard.press('Enter')]);
    expect(await page.locator('#quality-count').textContent()).toContain(`0 of ${total} rows match`);
  });

  it('works in a narrow window without sideways scrolling', async () => {
    const narrow = await browser.newPage({ viewport: { width: 360, height: 800 } });
    await narrow.goto(server.url);
    for (const path of ['/map', '/confirm', '/quality', '/runs']) {
      await narrow.goto(`${server.origin}${path}`);
      const width = await narrow.evaluate<number>('document.documentElement.scrollWidth');
      expect(width, path).toBeLessThanOrEqual(360);
    }
    await narrow.close();
  });
});
