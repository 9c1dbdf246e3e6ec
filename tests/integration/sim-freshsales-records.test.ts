/**
 * The Freshsales simulator's record API over HTTP: auth, CRUD with partial updates and
 * soft deletes, upsert 201/200, email uniqueness, validation of standard and custom
 * fields, and the read shape (ids above 2^32, wrappers, amounts as strings).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFreshsalesSim, type FreshsalesSim, type FreshsalesSimOptions } from '../../simulators/freshsales/index.js';

const KEY = 'test-key';
let sim: FreshsalesSim;

interface Answer {
  status: number;
  text: string;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Headers;
}

async function api(method: string, path: string, body?: unknown, auth: string | null = `Token token=${KEY}`): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (auth !== null) headers.authorization = auth;
  const res = await fetch(`${sim.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  return { status: res.status, text, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

async function start(opts: Partial<FreshsalesSimOptions> = {}): Promise<void> {
  sim = await startFreshsalesSim({ apiKey: KEY, seed: 11, ...opts });
}

afterEach(async () => {
  await sim?.close();
});

describe('auth', () => {
  beforeEach(() => start());

  it('answers 401 in the error shape without a token, with a wrong token, and for Bearer/Basic', async () => {
    for (const auth of [null, 'Token token=nope', `Bearer ${KEY}`, `Basic ${Buffer.from(`${KEY}:X`).toString('base64')}`]) {
      const r = await api('GET', '/api/contacts/filters', undefined, auth);
      expect(r.status).toBe(401);
      expect(r.body.errors.code).toBe(401);
      expect(Array.isArray(r.body.errors.message)).toBe(true);
    }
  });

  it('accepts the token quoted or not', async () => {
    expect((await api('GET', '/api/contacts/filters', undefined, `Token token=${KEY}`)).status).toBe(200);
    expect((await api('GET', '/api/contacts/filters', undefined, `Token token="${KEY}"`)).status).toBe(200);
  });

  it('serves under /crm/sales only', async () => {
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/crm\/sales$/);
    const res = await fetch(sim.url.replace('/crm/sales', '/api/contacts/filters'), { headers: { authorization: `Token token=${KEY}` } });
    expect(res.status).toBe(404);
  });
});

describe('contacts CRUD', () => {
  beforeEach(() => start());

  it('creates with 201 in a wrapper, with an id above 2^32 sent as a JSON number', async () => {
    const r = await api('POST', '/api/contacts', { contact: { first_name: 'Ada', last_name: 'Lovelace', emails: 'Ada@Example.com' } });
    expect(r.status).toBe(201);
    const c = r.body.contact;
    expect(c.id).toBeGreaterThan(2 ** 32);
    expect(Number.isSafeInteger(c.id)).toBe(true);
    expect(r.text).toContain(`"id":${c.id}`);
    expect(c.email).toBe('Ada@Example.com');
    expect(c.emails).toEqual([{ id: expect.any(Number), value: 'Ada@Example.com', is_primary: true, label: null }]);
    expect(c.display_name).toBe('Ada Lovelace');
    expect(Date.parse(c.created_at)).not.toBeNaN();
    expect(c.tags).toEqual([]);
  });

  it('gets, updates partially (omitted untouched, null clears) and bumps updated_at on every write', async () => {
    const { body } = await api('POST', '/api/contacts', { contact: { first_name: 'A', last_name: 'B', job_title: 'CTO', emails: 'a@b.com' } });
    const id = body.contact.id;
    const u1 = await api('PUT', `/api/contacts/${id}`, { contact: { job_title: null, city: 'Izmir' } });
    expect(u1.status).toBe(200);
    expect(u1.body.contact).toMatchObject({ first_name: 'A', last_name: 'B', job_title: null, city: 'Izmir', email: 'a@b.com' });
    const u2 = await api('PUT', `/api/contacts/${id}`, { contact: { city: 'Izmir' } });
    // Timestamps come in whole seconds in the account's offset [LIVE]: within one second they tie.
    expect(u1.body.contact.updated_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}-06:00$/);
    expect(Date.parse(u2.body.contact.updated_at)).toBeGreaterThanOrEqual(Date.parse(u1.body.contact.updated_at));
    expect(Date.parse(u1.body.contact.updated_at)).toBeGreaterThanOrEqual(Date.parse(body.contact.updated_at));
    expect(sim.snapshot().contacts[0]).toMatchObject({ updated_at: expect.stringMatching(/\.\d{3}Z$/) });
    const g = await api('GET', `/api/contacts/${id}`);
    expect(g.body.contact).toEqual(u2.body.contact);
  });

  it('deletes softly: bare true, then 404, and the email can be reused', async () => {
    const { body } = await api('POST', '/api/contacts', { contact: { emails: 'gone@x.com' } });
    const d = await api('DELETE', `/api/contacts/${body.contact.id}`);
    expect(d.status).toBe(200);
    expect(d.text).toBe('true');
    expect((await api('GET', `/api/contacts/${body.contact.id}`)).status).toBe(404);
    expect((await api('PUT', `/api/contacts/${body.contact.id}`, { contact: { city: 'x' } })).status).toBe(404);
    expect((await api('DELETE', `/api/contacts/${body.contact.id}`)).status).toBe(404);
    expect(sim.snapshot().contacts).toHaveLength(0);
    const again = await api('POST', '/api/contacts', { contact: { emails: 'GONE@x.com' } });
    expect(again.status).toBe(201);
    expect(again.body.contact.id).not.toBe(body.contact.id);
  });

  it('bulk_destroy deletes the selected ids', async () => {
    const ids: number[] = [];
    for (const e of ['1@x.com', '2@x.com', '3@x.com']) ids.push((await api('POST', '/api/contacts', { contact: { emails: e } })).body.contact.id);
    const r = await api('POST', '/api/contacts/bulk_destroy', { selected_ids: ids.slice(0, 2) });
    expect(r.status).toBe(200);
    expect(sim.snapshot().contacts.map((c) => (c as { id: number }).id)).toEqual([ids[2]]);
    expect(r.body.message).toBe('2 contacts deleted successfully');
  });

  it('bulk_destroy in the other reading answers first and deletes a job\'s time later', async () => {
    await sim.close();
    await start({ bulkDestroyAnswer: 'processing', bulkJobMs: 300, timeScale: 1 });
    const id = (await api('POST', '/api/contacts', { contact: { emails: 'later@x.com' } })).body.contact.id;
    const r = await api('POST', '/api/contacts/bulk_destroy', { selected_ids: [id] });
    expect(r.status).toBe(200);
    expect(r.body.message).not.toMatch(/\d/);
    expect(sim.snapshot().contacts).toHaveLength(1);
    await new Promise((res) => setTimeout(res, 500));
    expect(sim.snapshot().contacts).toHaveLength(0);
  });

  it('upserts by email: 201 when created, 200 when updated', async () => {
    const a = await api('POST', '/api/contacts/upsert', { unique_identifier: { emails: 'up@x.com' }, contact: { first_name: 'One' } });
    expect(a.status).toBe(201);
    expect(a.body.contact.email).toBe('up@x.com');
    const b = await api('POST', '/api/contacts/upsert', { unique_identifier: { emails: 'UP@x.com' }, contact: { last_name: 'Two' } });
    expect(b.status).toBe(200);
    expect(b.body.contact).toMatchObject({ id: a.body.contact.id, first_name: 'One', last_name: 'Two' });
    expect(sim.snapshot().contacts).toHaveLength(1);
  });

  it('upserts accounts by name', async () => {
    const a = await api('POST', '/api/sales_accounts/upsert', { unique_identifier: { name: 'Acme' }, sales_account: { city: 'Paris' } });
    expect(a.status).toBe(201);
    const b = await api('POST', '/api/sales_accounts/upsert', { unique_identifier: { name: 'acme' }, sales_account: { website: 'acme.io' } });
    expect(b.status).toBe(200);
    expect(b.body.sales_account).toMatchObject({ id: a.body.sales_account.id, name: 'Acme', city: 'Paris', website: 'acme.io' });
  });
});

describe('contact validation', () => {
  beforeEach(() => start());

  it('requires an email on create, naming the field', async () => {
    const r = await api('POST', '/api/contacts', { contact: { first_name: 'No mail' } });
    expect(r.status).toBe(400);
    expect(r.body.errors.message.join(' ')).toMatch(/Email/);
  });

  it('rejects invalid emails and a missing wrapper', async () => {
    expect((await api('POST', '/api/contacts', { contact: { emails: 'not-an-email' } })).status).toBe(400);
    expect((await api('POST', '/api/contacts', { first_name: 'x', emails: 'a@b.com' })).status).toBe(400);
  });

  it('rejects duplicate emails case-insensitively, on create and update, against secondary emails too', async () => {
    const first = await api('POST', '/api/contacts', { contact: { emails: [{ value: 'main@x.com', is_primary: true }, { value: 'Second@x.com', is_primary: false }] } });
    expect(first.body.contact.email).toBe('main@x.com');
    const dup = await api('POST', '/api/contacts', { contact: { emails: 'MAIN@x.com' } });
    expect(dup.status).toBe(400);
    expect(dup.body.errors.message).toContain('MAIN@x.com already exists.');
    expect((await api('POST', '/api/contacts', { contact: { emails: ['other@x.com', 'second@X.com'] } })).status).toBe(400);
    const other = await api('POST', '/api/contacts', { contact: { emails: 'other@x.com' } });
    const upd = await api('PUT', `/api/contacts/${other.body.contact.id}`, { contact: { emails: 'Main@X.com' } });
    expect(upd.status).toBe(400);
    expect(upd.body.errors.message).toContain('Main@X.com already exists.');
  });

  it('limits first_name and last_name to 255 characters', async () => {
    expect((await api('POST', '/api/contacts', { contact: { emails: 'n@x.com', first_name: 'x'.repeat(255) } })).status).toBe(201);
    expect((await api('POST', '/api/contacts', { contact: { emails: 'm@x.com', last_name: 'x'.repeat(256) } })).status).toBe(400);
  });

  it('checks lifecycle stage and status together, and owner ids', async () => {
    const stages = (await api('GET', '/api/selector/lifecycle_stages')).body.lifecycle_stages;
    const [lead, sql] = stages;
    const ok = await api('POST', '/api/contacts', { contact: { emails: 's@x.com', lifecycle_stage_id: sql.id, contact_status_id: sql.contact_status_ids[0] } });
    expect(ok.status).toBe(201);
    expect(ok.body.contact).toMatchObject({ lifecycle_stage_id: sql.id, contact_status_id: sql.contact_status_ids[0] });
    const bad = await api('POST', '/api/contacts', { contact: { emails: 't@x.com', lifecycle_stage_id: lead.id, contact_status_id: sql.contact_status_ids[0] } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.message).toContain('Invalid contact status provided.');
    expect((await api('POST', '/api/contacts', { contact: { emails: 'u@x.com', contact_status_id: 12345 } })).status).toBe(400);
    const users = (await api('GET', '/api/selector/owners')).body.users;
    expect((await api('POST', '/api/contacts', { contact: { emails: 'v@x.com', owner_id: users[1].id } })).status).toBe(201);
    expect((await api('POST', '/api/contacts', { contact: { emails: 'w@x.com', owner_id: 999 } })).status).toBe(400);
  });

  it('reads tags back and replaces them on write by default', async () => {
    const c = await api('POST', '/api/contacts', { contact: { emails: 'tag@x.com', tags: ['vip', 'eu'] } });
    expect(c.body.contact.tags).toEqual(['vip', 'eu']);
    const u = await api('PUT', `/api/contacts/${c.body.contact.id}`, { contact: { tags: ['new'] } });
    expect(u.body.contact.tags).toEqual(['new']);
  });
});

describe('tags merge flag', () => {
  it('merges tags on write when tagsOnWrite is merge', async () => {
    await start({ tagsOnWrite: 'merge' });
    const c = await api('POST', '/api/contacts', { contact: { emails: 'tag@x.com', tags: ['vip'] } });
    const u = await api('PUT', `/api/contacts/${c.body.contact.id}`, { contact: { tags: ['new', 'VIP'] } });
    expect(u.body.contact.tags).toEqual(['vip', 'new']);
  });
});

describe('custom fields on records', () => {
  it('rejects unknown cf_ keys by default, naming the key', async () => {
    await start();
    const r = await api('POST', '/api/contacts', { contact: { emails: 'a@x.com', custom_field: { cf_nope: 'x' } } });
    expect(r.status).toBe(400);
    expect(r.body.errors.message.join(' ')).toContain('cf_nope');
  });

  it('ignores unknown cf_ keys when unknownCustomField is ignore', async () => {
    await start({ unknownCustomField: 'ignore' });
    const r = await api('POST', '/api/contacts', { contact: { emails: 'a@x.com', custom_field: { cf_nope: 'x' } } });
    expect(r.status).toBe(201);
    expect(r.body.contact.custom_field).toEqual({});
  });

  it('validates each type and reads values back as stored (dropdown text, multi-select joined)', async () => {
    await start();
    const tier = sim.addCustomField('contacts', { label: 'Tier', type: 'dropdown', choices: ['Gold', 'Silver'] }).name;
    const hobbies = sim.addCustomField('contacts', { label: 'Hobbies', type: 'multi_select_dropdown', choices: ['Golf', 'Chess'] }).name;
    const born = sim.addCustomField('contacts', { label: 'Date of birth', type: 'date' }).name;
    const score = sim.addCustomField('contacts', { label: 'Score', type: 'number' }).name;
    expect(born).toBe('cf_date_of_birth_');

    const bad = await api('POST', '/api/contacts', { contact: { emails: 'a@x.com', custom_field: { [tier]: 'Bronze' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.message.join(' ')).toContain(tier);
    expect((await api('POST', '/api/contacts', { contact: { emails: 'a@x.com', custom_field: { [born]: '01/02/1990' } } })).status).toBe(400);
    expect((await api('POST', '/api/contacts', { contact: { emails: 'a@x.com', custom_field: { [score]: 'high' } } })).status).toBe(400);

    const ok = await api('POST', '/api/contacts', {
      contact: { emails: 'a@x.com', custom_field: { [tier]: 'Gold', [hobbies]: ['Golf', 'Chess'], [born]: '1990-02-01', [score]: '42' } },
    });
    expect(ok.status).toBe(201);
    expect(ok.body.contact.custom_field).toEqual({ [tier]: 'Gold', [hobbies]: 'Golf;Chess', [born]: '1990-02-01', [score]: 42 });
    const upd = await api('PUT', `/api/contacts/${ok.body.contact.id}`, { contact: { custom_field: { [hobbies]: 'Chess', [tier]: null } } });
    expect(upd.body.contact.custom_field).toMatchObject({ [tier]: null, [hobbies]: 'Chess', [born]: '1990-02-01' });
  });
});

describe('deals and accounts', () => {
  it('returns amounts as strings, defaults the pipeline and checks the account', async () => {
    await start();
    const acc = await api('POST', '/api/sales_accounts', { sales_account: { name: 'Acme' } });
    expect((await api('POST', '/api/sales_accounts', { sales_account: { name: 'ACME' } })).status).toBe(400);
    const d = await api('POST', '/api/deals', { deal: { name: 'Big one', amount: 500, sales_account_id: acc.body.sales_account.id } });
    expect(d.status).toBe(201);
    expect(d.body.deal.amount).toBe('500');
    expect(d.body.deal.deal_stage_id).toEqual(expect.any(Number));
    expect((await api('POST', '/api/deals', { deal: { name: 'x', sales_account_id: 42 } })).status).toBe(400);
    expect((await api('POST', '/api/deals', { deal: { name: 'x', amount: 'lots' } })).status).toBe(400);
    expect((await api('POST', '/api/deals', { deal: { amount: 1 } })).status).toBe(400);
    expect((await api('POST', '/api/deals', { deal: { name: 'No account' } })).status).toBe(201);
  });

  it('requires an account on deals when requireDealAccount is set', async () => {
    await start({ requireDealAccount: true });
    expect((await api('POST', '/api/deals', { deal: { name: 'No account', amount: 1 } })).status).toBe(400);
  });
});

describe('PATCH /__sim/records/{entity}/{id}: a user edits a record in the UI', () => {
  beforeEach(() => start());
  const edit = (entity: string, id: unknown, body: unknown) => api('PATCH', `/__sim/records/${entity}/${String(id)}`, body, null);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('edits a contact with the API update fields, bare or wrapped; updated_at moves and every read shows the edit', async () => {
    const tier = sim.addCustomField('contacts', { label: 'Tier', type: 'dropdown', choices: ['Gold', 'Silver'] }).name;
    const c = (await api('POST', '/api/contacts', { contact: { first_name: 'Ana', last_name: 'Silva', job_title: 'CTO', emails: 'ana@x.com', tags: ['a'], custom_field: { [tier]: 'Silver' } } })).body.contact;
    const before = sim.snapshot().contacts[0] as { updated_at: string };
    await sleep(5);
    const bare = await edit('contacts', c.id, { first_name: 'Anna', custom_field: { [tier]: 'Gold' }, tags: ['edited'] });
    expect(bare.status).toBe(200);
    expect(bare.body.contact).toMatchObject({ id: c.id, first_name: 'Anna', last_name: 'Silva', job_title: 'CTO', tags: ['edited'], custom_field: { [tier]: 'Gold' } });
    expect(Date.parse(bare.body.contact.updated_at)).toBeGreaterThan(Date.parse(before.updated_at));
    const wrapped = await edit('contacts', c.id, { contact: { job_title: null, city: 'Porto' } });
    expect(wrapped.body.contact).toMatchObject({ first_name: 'Anna', job_title: null, city: 'Porto' });
    expect((await api('GET', `/api/contacts/${c.id}`)).body.contact).toMatchObject({ first_name: 'Anna', city: 'Porto', job_title: null, tags: ['edited'] });
    expect(sim.snapshot().contacts[0]).toEqual(wrapped.body.contact);
  });

  it('validates as the API update does: the same 400s and messages, and nothing changes', async () => {
    const tier = sim.addCustomField('contacts', { label: 'Tier', type: 'dropdown', choices: ['Gold'] }).name;
    await api('POST', '/api/contacts', { contact: { emails: 'taken@x.com' } });
    const c = (await api('POST', '/api/contacts', { contact: { first_name: 'Kept', emails: 'me@x.com' } })).body.contact;
    for (const fields of [{ emails: 'not an email' }, { emails: 'TAKEN@x.com' }, { custom_field: { cf_nope: 1 } }, { custom_field: { [tier]: 'Bronze' } }, { first_name: 'x'.repeat(256) }]) {
      const viaApi = await api('PUT', `/api/contacts/${c.id}`, { contact: fields });
      const viaAdmin = await edit('contacts', c.id, fields);
      expect(viaAdmin.status, JSON.stringify(fields)).toBe(400);
      expect(viaAdmin.body).toEqual(viaApi.body);
    }
    expect((await edit('contacts', c.id, '{oops')).status).toBe(400);
    expect((await edit('contacts', c.id, [1])).status).toBe(400);
    expect((await api('GET', `/api/contacts/${c.id}`)).body.contact).toMatchObject({ first_name: 'Kept', email: 'me@x.com', custom_field: {} });
  });

  it('answers 404 for an unknown id, a deleted record and an unknown entity', async () => {
    const c = (await api('POST', '/api/contacts', { contact: { emails: 'del@x.com' } })).body.contact;
    await api('DELETE', `/api/contacts/${c.id}`);
    expect((await edit('contacts', c.id, { first_name: 'Back' })).status).toBe(404);
    expect((await edit('contacts', 12345, { first_name: 'x' })).body.errors.message).toEqual(['contact not found']);
    expect((await edit('contacts', 'abc', { first_name: 'x' })).status).toBe(404);
    expect((await edit('deals', 12345, { name: 'x' })).status).toBe(404);
    expect((await edit('tasks', 12345, { title: 'x' })).status).toBe(404);
    expect((await edit('widgets', 1, { name: 'x' })).status).toBe(404);
    expect((await edit('constructor', 1, { name: 'x' })).status).toBe(404);
    expect(sim.snapshot().contacts).toHaveLength(0);
  });

  it('edits accounts, deals, tasks and sales activities too', async () => {
    const acc = (await api('POST', '/api/sales_accounts', { sales_account: { name: 'Acme' } })).body.sales_account;
    expect((await edit('sales_accounts', acc.id, { sales_account: { name: 'Acme Ltd', city: 'Cork' } })).body.sales_account).toMatchObject({ name: 'Acme Ltd', city: 'Cork' });
    const deal = (await api('POST', '/api/deals', { deal: { name: 'Big', amount: 5 } })).body.deal;
    expect((await edit('deals', deal.id, { amount: 7 })).body.deal).toMatchObject({ name: 'Big', amount: '7' });
    expect((await edit('deals', deal.id, { amount: 'lots' })).status).toBe(400);
    const c = (await api('POST', '/api/contacts', { contact: { emails: 't@x.com' } })).body.contact;
    const task = (await api('POST', '/api/tasks', { task: { title: 'Call', due_date: '2030-01-01T09:00:00Z', targetable_type: 'Contact', targetable_id: c.id } })).body.task;
    expect((await edit('tasks', task.id, { task: { title: 'Call back', status: 1 } })).body.task).toMatchObject({ title: 'Call back', status: 1 });
    expect((await edit('tasks', task.id, { status: 7 })).status).toBe(400);
    expect((await api('GET', `/api/tasks/${task.id}`)).body.task).toMatchObject({ title: 'Call back', status: 1 });
    const types = (await api('GET', '/api/selector/sales_activity_types')).body.sales_activity_types;
    const sa = (await api('POST', '/api/sales_activities', {
      sales_activity: { sales_activity_type_id: types[0].id, title: 'Met', start_date: '2024-01-01T10:00:00Z', end_date: '2024-01-01T11:00:00Z', targetable_type: 'Contact', targetable_id: c.id },
    })).body.sales_activity;
    expect((await edit('sales_activities', sa.id, { title: 'Met twice' })).body.sales_activity).toMatchObject({ title: 'Met twice' });
  });

  it('is not counted, not rate limited and not faulted; editRecord and createRecord do the same in process', async () => {
    await sim.close();
    await start({ faults: '5xx=1,seed=4' });
    // Made in process: the API answers only faults now.
    const c = sim.createRecord('contacts', { emails: 'pre@x.com', first_name: 'Pre' }) as { id: number };
    expect((await api('GET', `/api/contacts/${c.id}`)).status).toBeGreaterThanOrEqual(500);
    const counted = sim.stats();
    for (let k = 0; k < 5; k++) expect((await edit('contacts', c.id, { first_name: `Edit ${k}` })).status).toBe(200);
    expect(sim.stats()).toEqual(counted);
    expect(sim.editRecord('contacts', c.id, { contact: { last_name: 'InProcess' } })).toMatchObject({ contact: { first_name: 'Edit 4', last_name: 'InProcess' } });
    expect(() => sim.editRecord('contacts', c.id, { emails: 'nope' })).toThrow();
    expect(() => sim.createRecord('contacts', { first_name: 'No email' })).toThrow();
    await sim.close();
    // A spent hour budget does not stop the admin either.
    await start({ plan: 'free' });
    const d = sim.createRecord('contacts', { emails: 'budget@x.com' }) as { id: number };
    let status = 200;
    for (let k = 0; k < 1100 && status !== 429; k++) status = (await api('GET', `/api/contacts/${d.id}`)).status;
    expect(status).toBe(429);
    expect((await edit('contacts', d.id, { first_name: 'Still' })).status).toBe(200);
  });
});
