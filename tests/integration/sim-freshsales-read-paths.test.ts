/**
 * How records come out of the Freshsales simulator: asynchronous bulk_upsert jobs,
 * views with paging and sorting, eventually consistent lookup/search, filtered search,
 * and the settings/selector endpoints.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startFreshsalesSim, type FreshsalesSim, type FreshsalesSimOptions } from '../../simulators/freshsales/index.js';

const KEY = 'read-key';
let sim: FreshsalesSim;

interface Answer {
  status: number;
  text: string;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function api(method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: { authorization: `Token token=${KEY}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, text, body: text ? JSON.parse(text) : undefined };
}

async function admin(method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${sim.url.replace('/crm/sales', '')}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, text, body: text ? JSON.parse(text) : undefined };
}

async function start(opts: Partial<FreshsalesSimOptions> = {}): Promise<void> {
  sim = await startFreshsalesSim({ apiKey: KEY, seed: 5, ...opts });
}

/** Poll until `done` or a generous deadline; returns the last value. */
async function until<T>(get: () => Promise<T>, done: (v: T) => boolean, deadlineMs = 10_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  let v = await get();
  while (!done(v) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 25));
    v = await get();
  }
  return v;
}

async function viewId(entity: string, name: string): Promise<number> {
  const f = await api('GET', `/api/${entity}/filters`);
  const v = f.body.filters.find((x: { name: string }) => x.name === name);
  if (!v) throw new Error(`no view ${name}`);
  return v.id;
}

afterEach(async () => {
  await sim?.close();
});

describe('bulk_upsert jobs', () => {
  it('accepts the job, keeps records invisible until it completes, then answers flat with a data string naming refused records', async () => {
    await start({ bulkJobMs: 1500 });
    const existing = await api('POST', '/api/contacts', { contact: { emails: 'old@x.com', first_name: 'Old' } });
    const r = await api('POST', '/api/contacts/bulk_upsert', {
      contacts: [
        { emails: 'new1@x.com', data: { first_name: 'N1' } },
        { emails: 'OLD@x.com', data: { last_name: 'Updated' } },
        { emails: 'bad@x.com', data: { custom_field: { cf_missing: 1 } } },
        { id: existing.body.contact.id, data: { city: 'Ankara' } },
      ],
    });
    expect(r.status).toBe(202);
    // Recorded: the answer is the job status URL alone.
    expect(r.body).toEqual({ job_status_url: expect.stringMatching(new RegExp(`^${sim.url}/api/job_statuses/\\d+$`)) });
    const statusPath = r.body.job_status_url.slice(sim.url.length);

    // Not visible yet, anywhere.
    const early = await api('GET', statusPath);
    expect(early.body.status).toBe('IN_PROGRESS');
    expect(early.body.job_status).toBeUndefined();
    expect(sim.snapshot().contacts).toHaveLength(1);
    expect((await api('GET', `/api/contacts/${existing.body.contact.id}`)).body.contact.last_name).toBeNull();

    const done = await until(() => api('GET', statusPath), (a) => a.body.status !== 'IN_PROGRESS');
    expect(done.body).toMatchObject({ status: 'SUCCESS', progress: 100, job_type_name: expect.any(String) });
    // Timestamps without milliseconds, in the account's offset.
    expect(done.body.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}-06:00$/);
    expect(typeof done.body.data).toBe('string');
    const data = JSON.parse(done.body.data);
    expect(data.record_status).toEqual({ succeeded: 3, failed: 1 });
    expect(data.detailed_failure_report).toEqual([{ emails: 'bad@x.com', error_message: [expect.stringContaining('cf_missing')] }]);
    const emails = sim.snapshot().contacts.map((c) => (c as { email: string }).email).sort();
    expect(emails).toEqual(['new1@x.com', 'old@x.com']);
    expect((await api('GET', `/api/contacts/${existing.body.contact.id}`)).body.contact).toMatchObject({ last_name: 'Updated', city: 'Ankara' });
  });

  it('rejects more than 100 items; under the other readings answers 200 with a message and wraps the job status', async () => {
    await start({ bulkUpsertStatus: 200, bulkUpsertMessage: true, jobStatusForm: 'wrapped', bulkJobMs: 0 });
    const items = Array.from({ length: 101 }, (_, i) => ({ emails: `b${i}@x.com`, data: {} }));
    expect((await api('POST', '/api/contacts/bulk_upsert', { contacts: items })).status).toBe(400);
    const ok = await api('POST', '/api/contacts/bulk_upsert', { contacts: items.slice(0, 100) });
    expect(ok.status).toBe(200);
    expect(ok.body.message).toEqual(expect.any(String));
    const end = await until(() => api('GET', ok.body.job_status_url.slice(sim.url.length)), (a) => a.body.job_status?.status === 'SUCCESS');
    expect(JSON.parse(end.body.job_status.data).record_status).toEqual({ succeeded: 100, failed: 0 });
    expect(sim.snapshot().contacts).toHaveLength(100);
  });

  it('ends jobs FAILED with the bulkfail fault, applying at most a prefix', async () => {
    await start({ bulkJobMs: 0, faults: 'bulkfail=1' });
    const items = Array.from({ length: 20 }, (_, i) => ({ name: `Acc ${i}`, data: {} }));
    const r = await api('POST', '/api/sales_accounts/bulk_upsert', { sales_accounts: items });
    const end = await until(() => api('GET', r.body.job_status_url.slice(sim.url.length)), (a) => a.body.status !== 'IN_PROGRESS');
    expect(end.body.status).toBe('FAILED');
    const names = sim.snapshot().sales_accounts.map((a) => (a as { name: string }).name);
    expect(names.length).toBeLessThan(20);
    expect(names).toEqual(items.slice(0, names.length).map((i) => i.name));
    expect(JSON.parse(end.body.data).record_status.succeeded).toBe(names.length);
    expect(sim.stats().faultsInjected).toBeGreaterThanOrEqual(1);
  });

  it('answers a transient 405 on bulk_upsert with the bulk405 fault', async () => {
    await start({ bulkJobMs: 0, faults: 'bulk405=1' });
    const r = await api('POST', '/api/contacts/bulk_upsert', { contacts: [{ emails: 'a@x.com', data: {} }] });
    expect(r.status).toBe(405);
    sim.setFaults('');
    expect((await api('POST', '/api/contacts/bulk_upsert', { contacts: [{ emails: 'a@x.com', data: {} }] })).status).toBe(202);
  });

  it('answers 404 for an unknown job', async () => {
    await start();
    expect((await api('GET', '/api/job_statuses/123')).status).toBe(404);
  });
});

describe('views', () => {
  it('lists the views per entity; deals have no "All Deals"', async () => {
    await start();
    const contacts = (await api('GET', '/api/contacts/filters')).body.filters;
    expect(contacts.map((f: { name: string }) => f.name)).toEqual(['All Contacts', 'My Contacts', 'Recently Modified', 'New Contacts']);
    expect(contacts[0]).toMatchObject({ model_class_name: 'Contact', is_default: true, user_id: expect.any(Number) });
    expect(contacts[0].id).toBeGreaterThan(2 ** 32);
    const deals = (await api('GET', '/api/deals/filters')).body.filters.map((f: { name: string }) => f.name);
    expect(deals).toEqual(['My Deals', 'Open Deals', 'Won Deals', 'Lost Deals']);
    expect((await api('GET', '/api/sales_accounts/filters')).body.filters[0].name).toBe('All Accounts');
  });

  it('gives view ids that differ per seed', async () => {
    await start({ seed: 1 });
    const a = await viewId('contacts', 'All Contacts');
    await sim.close();
    await start({ seed: 2 });
    expect(await viewId('contacts', 'All Contacts')).not.toBe(a);
  });

  it('pages with default 25, clamps per_page to 100, sorts, and is empty past the end', async () => {
    await start({ bulkJobMs: 0 });
    const r = await api('POST', '/api/contacts/bulk_upsert', {
      contacts: Array.from({ length: 100 }, (_, i) => ({ emails: `p${i}@x.com`, data: { first_name: `N${String(i).padStart(3, '0')}` } })),
    });
    await until(() => api('GET', r.body.job_status_url.slice(sim.url.length)), (a) => a.body.status === 'SUCCESS');
    for (let i = 100; i < 105; i++) await api('POST', '/api/contacts', { contact: { emails: `p${i}@x.com`, first_name: `N${i}` } });
    const all = await viewId('contacts', 'All Contacts');

    const def = await api('GET', `/api/contacts/view/${all}`);
    expect(def.body.contacts).toHaveLength(25);
    expect(def.body.meta).toEqual({ total_pages: 5, total: 105 });
    expect(def.body.contacts[0]).toHaveProperty('custom_field');
    // Recorded from a live account: list answers carry no owner or lifecycle ids...
    for (const k of ['owner_id', 'lifecycle_stage_id', 'contact_status_id']) expect(def.body.contacts[0]).not.toHaveProperty(k);
    // ...include=owner brings owner_id back and side-loads the owners under users.
    const withOwner = await api('GET', `/api/contacts/view/${all}?include=owner&per_page=1`);
    expect(withOwner.body.contacts[0]).toHaveProperty('owner_id');
    expect(withOwner.body.contacts[0]).not.toHaveProperty('contact_status_id');
    expect(Array.isArray(withOwner.body.users)).toBe(true);
    // A single GET carries everything.
    const one = await api('GET', `/api/contacts/${def.body.contacts[0].id}`);
    for (const k of ['owner_id', 'lifecycle_stage_id', 'contact_status_id']) expect(one.body.contact).toHaveProperty(k);

    const big = await api('GET', `/api/contacts/view/${all}?per_page=500&sort=first_name&sort_type=asc`);
    expect(big.body.contacts).toHaveLength(100);
    expect(big.body.meta).toEqual({ total_pages: 2, total: 105 });
    expect(big.body.contacts[0].first_name).toBe('N000');
    const p2 = await api('GET', `/api/contacts/view/${all}?per_page=100&page=2&sort=first_name&sort_type=asc`);
    expect(p2.body.contacts.map((c: { first_name: string }) => c.first_name)).toEqual(['N100', 'N101', 'N102', 'N103', 'N104']);
    const desc = await api('GET', `/api/contacts/view/${all}?per_page=3&sort=first_name&sort_type=desc`);
    expect(desc.body.contacts.map((c: { first_name: string }) => c.first_name)).toEqual(['N104', 'N103', 'N102']);
    const byUpdated = await api('GET', `/api/contacts/view/${all}?per_page=100&sort=updated_at&sort_type=asc`);
    const stamps = byUpdated.body.contacts.map((c: { updated_at: string }) => c.updated_at);
    expect([...stamps].sort()).toEqual(stamps);

    const past = await api('GET', `/api/contacts/view/${all}?per_page=100&page=3`);
    expect(past.status).toBe(200);
    expect(past.body.contacts).toEqual([]);
  });

  it('answers 403 for an unknown view id, and filters My/Open/Won/Lost correctly', async () => {
    await start();
    expect((await api('GET', '/api/contacts/view/12345')).status).toBe(403);
    const deals = await viewId('deals', 'Open Deals');
    expect((await api('GET', `/api/contacts/view/${deals}`)).status).toBe(403);

    const users = (await api('GET', '/api/selector/owners')).body.users;
    await api('POST', '/api/contacts', { contact: { emails: 'mine@x.com', owner_id: users[0].id } });
    await api('POST', '/api/contacts', { contact: { emails: 'theirs@x.com', owner_id: users[1].id } });
    const mine = await api('GET', `/api/contacts/view/${await viewId('contacts', 'My Contacts')}`);
    expect(mine.body.contacts.map((c: { email: string }) => c.email)).toEqual(['mine@x.com']);

    const stages = (await api('GET', '/api/selector/deal_stages')).body.deal_stages;
    const won = stages.find((s: { forecast_type: string }) => s.forecast_type === 'Won');
    await api('POST', '/api/deals', { deal: { name: 'open one', owner_id: users[1].id } });
    await api('POST', '/api/deals', { deal: { name: 'won one', deal_stage_id: won.id } });
    const names = async (view: string) =>
      (await api('GET', `/api/deals/view/${await viewId('deals', view)}`)).body.deals.map((d: { name: string }) => d.name);
    expect(await names('Open Deals')).toEqual(['open one']);
    expect(await names('Won Deals')).toEqual(['won one']);
    expect(await names('Lost Deals')).toEqual([]);
    expect(await names('My Deals')).toEqual(['won one']);
  });
});

describe('lookup and search', () => {
  it('hides new records from lookup and search for the lag, then shows them', async () => {
    await start({ lookupLagMs: 800 });
    await api('POST', '/api/contacts', { contact: { emails: 'Lag@x.com', first_name: 'Laggy' } });
    const first = await api('GET', '/api/lookup?q=lag@x.com&f=email&entities=contact');
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ contacts: { contacts: [] } });
    expect((await api('GET', '/api/search?q=laggy&include=contact')).body).toEqual([]);
    // filtered_search has no lag by default.
    const fs = await api('POST', '/api/filtered_search/contact', { filter_rule: [{ attribute: 'contact_email.email', operator: 'is_in', value: 'lag@x.com' }] });
    expect(fs.body.contacts).toHaveLength(1);

    const later = await until(
      () => api('GET', '/api/lookup?q=lag@x.com&f=email&entities=contact'),
      (a) => a.body.contacts.contacts.length > 0,
    );
    expect(later.body.contacts.contacts[0].email).toBe('Lag@x.com');
    const hits = (await api('GET', '/api/search?q=laggy&include=contact')).body;
    expect(hits).toEqual([expect.objectContaining({ type: 'contact', name: 'Laggy', email: 'Lag@x.com' })]);
  });

  it('scales the lag by timeScale and applies filteredSearchLagMs when set', async () => {
    await start({ lookupLagMs: 0, filteredSearchLagMs: 60_000, timeScale: 1 });
    await api('POST', '/api/contacts', { contact: { emails: 'f@x.com' } });
    expect((await api('GET', '/api/lookup?q=f@x.com&f=email&entities=contact')).body.contacts.contacts).toHaveLength(1);
    const fs = await api('POST', '/api/filtered_search/contact', { filter_rule: [{ attribute: 'contact_email.email', operator: 'is_in', value: 'f@x.com' }] });
    expect(fs.body.contacts).toHaveLength(0);
  });
});

describe('filtered_search', () => {
  it('matches is_in with arrays, comma strings and single values, case-insensitively, and ANDs rules', async () => {
    await start();
    const tier = sim.addCustomField('contacts', { label: 'Tier', type: 'dropdown', choices: ['Gold', 'Silver'] }).name;
    for (const [e, t] of [['a@x.com', 'Gold'], ['b@x.com', 'Silver'], ['c@x.com', 'Gold'], ['d@x.com', null]] as const) {
      await api('POST', '/api/contacts', { contact: { emails: e, external_id: `ext-${e[0]}`, custom_field: t ? { [tier]: t } : {} } });
    }
    const emails = async (filter_rule: unknown[], query = '') => {
      const r = await api('POST', `/api/filtered_search/contact${query}`, { filter_rule });
      expect(r.status).toBe(200);
      return { list: r.body.contacts.map((c: { email: string }) => c.email).sort(), meta: r.body.meta };
    };
    const attr = 'contact_email.email';
    expect((await emails([{ attribute: attr, operator: 'is_in', value: ['A@X.com', 'c@x.com', 'zz@x.com'] }])).list).toEqual(['a@x.com', 'c@x.com']);
    expect((await emails([{ attribute: attr, operator: 'is_in', value: 'a@x.com,b@x.com' }])).list).toEqual(['a@x.com', 'b@x.com']);
    expect((await emails([{ attribute: tier, operator: 'is_in', value: 'Gold' }])).list).toEqual(['a@x.com', 'c@x.com']);
    expect(
      (await emails([
        { attribute: tier, operator: 'is_in', value: ['Gold'] },
        { attribute: 'external_id', operator: 'is_in', value: 'ext-c' },
      ])).list,
    ).toEqual(['c@x.com']);
    expect((await emails([{ attribute: tier, operator: 'is_not_null' }])).list).toEqual(['a@x.com', 'b@x.com', 'c@x.com']);
    expect((await emails([{ attribute: attr, operator: 'contains', value: 'B@' }])).list).toEqual(['b@x.com']);
    expect((await emails([{ attribute: 'created_at', operator: 'is_after', value: '2000-01-01T00:00:00Z' }])).list).toHaveLength(4);
    expect((await emails([{ attribute: 'updated_at', operator: 'is_before', value: '2000-01-01T00:00:00Z' }])).list).toHaveLength(0);
    // Paging goes in the query string; paging in the body is not how the API takes it.
    const paged = await emails([{ attribute: 'created_at', operator: 'is_after', value: '2000-01-01' }], '?per_page=3&page=2');
    expect(paged.list).toHaveLength(1);
    expect(paged.meta).toEqual({ total: 4, total_pages: 2 });
    const inBody = await api('POST', '/api/filtered_search/contact', { filter_rule: [{ attribute: 'created_at', operator: 'is_after', value: '2000-01-01' }], per_page: 3, page: 2 });
    expect(inBody.body.contacts).toHaveLength(4);
    expect(inBody.body.contacts[0]).not.toHaveProperty('owner_id');

    expect((await api('POST', '/api/filtered_search/contact', { filter_rule: [{ attribute: 'nope', operator: 'is_in', value: 'x' }] })).status).toBe(400);
    // The other reading of what filtered_search carries [?]: every field.
    await sim.close();
    await start({ filteredSearchFields: 'full' });
    await api('POST', '/api/contacts', { contact: { emails: 'full@x.com' } });
    const full = await api('POST', '/api/filtered_search/contact', { filter_rule: [{ attribute: attr, operator: 'is_in', value: 'full@x.com' }] });
    expect(full.body.contacts[0]).toHaveProperty('contact_status_id');
    expect(full.body.contacts[0]).toHaveProperty('owner_id');
    expect((await api('POST', '/api/filtered_search/contact', { filter_rule: [{ attribute: attr, operator: 'equals', value: 'x' }] })).status).toBe(400);
  });
});

describe('fields, admin fields and selectors', () => {
  it('lists standard fields and custom fields with the names Freshsales chose', async () => {
    await start();
    const before = (await api('GET', '/api/settings/contacts/fields')).body.fields;
    const names = before.map((f: { name: string }) => f.name);
    for (const n of ['first_name', 'last_name', 'emails', 'mobile_number', 'lifecycle_stage_id', 'contact_status_id', 'owner_id', 'tags', 'external_id', 'subscription_status']) {
      expect(names).toContain(n);
    }
    expect(before.find((f: { name: string }) => f.name === 'emails')).toMatchObject({ type: 'email', required: true, base_model: 'Contact' });

    const dob = await admin('POST', '/__sim/fields', { entity: 'contacts', label: 'Date of birth', type: 'date' });
    expect(dob.status).toBe(201);
    expect(dob.body.field.name).toBe('cf_date_of_birth_');
    const off = await admin('POST', '/__sim/fields', { entity: 'contacts', label: 'Off-loading point of contact', type: 'dropdown', choices: ['Dock A', 'Dock B'] });
    expect(off.body.field.name).toBe('cf_off-loading_point_of_contact');
    const after = (await api('GET', '/api/settings/contacts/fields')).body.fields;
    const custom = after.find((f: { name: string }) => f.name === 'cf_off-loading_point_of_contact');
    expect(custom).toMatchObject({ label: 'Off-loading point of contact', type: 'dropdown', default: false });
    expect(custom.choices.map((c: { value: string }) => c.value)).toEqual(['Dock A', 'Dock B']);
    expect(custom.choices[0].id).toEqual(expect.any(Number));
    for (const entity of ['sales_accounts', 'deals', 'sales_activities']) {
      expect((await api('GET', `/api/settings/${entity}/fields`)).body.fields.length).toBeGreaterThan(3);
    }
  });

  it('refuses custom fields over the plan limits', async () => {
    await start({ plan: 'free' });
    expect((await admin('POST', '/__sim/fields', { entity: 'contacts', label: 'X', type: 'text' })).status).toBe(400);
    await sim.close();
    await start({ plan: 'growth' });
    for (let i = 0; i < 5; i++) expect((await admin('POST', '/__sim/fields', { entity: 'deals', label: `Multi ${i}`, type: 'multi_select_dropdown', choices: ['a'] })).status).toBe(201);
    const sixth = await admin('POST', '/__sim/fields', { entity: 'deals', label: 'Multi 5', type: 'multi_select_dropdown', choices: ['a'] });
    expect(sixth.status).toBe(400);
    expect(sixth.body.errors.message[0]).toMatch(/limit/);
    expect(() => sim.addCustomField('deals', { label: 'Multi 6', type: 'multi_select_dropdown', choices: ['a'] })).toThrow();
  });

  it('serves selectors with consistent stages and statuses', async () => {
    await start();
    const users = (await api('GET', '/api/selector/owners')).body.users;
    expect(users.length).toBeGreaterThanOrEqual(3);
    expect(users[0]).toEqual({ id: expect.any(Number), display_name: expect.any(String), email: expect.any(String), is_active: true });
    const stages = (await api('GET', '/api/selector/lifecycle_stages')).body.lifecycle_stages;
    const statuses = (await api('GET', '/api/selector/contact_statuses')).body.contact_statuses;
    expect(stages.map((s: { name: string }) => s.name)).toContain('Lead');
    for (const st of statuses) {
      const owner = stages.filter((s: { contact_status_ids: number[] }) => s.contact_status_ids.includes(st.id));
      expect(owner).toHaveLength(1);
      expect(owner[0].id).toBe(st.lifecycle_stage_id);
    }
    for (const [name, key] of [['deal_stages', 'deal_stages'], ['deal_pipelines', 'deal_pipelines'], ['sales_activity_types', 'sales_activity_types'], ['sales_activity_outcomes', 'sales_activity_outcomes'], ['currencies', 'currencies'], ['territories', 'territories']]) {
      const r = await api('GET', `/api/selector/${name}`);
      expect(r.status).toBe(200);
      expect(r.body[key!].length).toBeGreaterThan(0);
    }
    expect((await api('GET', '/api/selector/nope')).status).toBe(404);
  });

  it('exposes state and stats on admin routes without auth and without counting', async () => {
    await start();
    await api('POST', '/api/contacts', { contact: { emails: 'a@x.com' } });
    const state = await admin('GET', '/__sim/state');
    expect(state.body).toEqual(sim.snapshot());
    expect(Object.keys(state.body).sort()).toEqual(['contacts', 'deals', 'documents', 'notes', 'sales_accounts', 'sales_activities', 'tasks']);
    const stats = await admin('GET', '/__sim/stats');
    expect(stats.body).toMatchObject({ calls: 1, rateLimited: 0, byRoute: { 'POST /api/contacts': 1 } });
  });
});
