/**
 * The Freshsales simulator's hostile side: hour and minute budgets with scaled time,
 * the rate-limit headers flag, injected faults (deterministic per seed), and the
 * activity endpoints (tasks, sales activities, notes, documents).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startFreshsalesSim, type FreshsalesSim, type FreshsalesSimOptions } from '../../simulators/freshsales/index.js';

const KEY = 'limits-key';
let sims: FreshsalesSim[] = [];

interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Headers;
}

async function api(sim: FreshsalesSim, method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Answer> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: { authorization: `Token token=${KEY}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    ...(signal ? { signal } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

async function start(opts: Partial<FreshsalesSimOptions> = {}): Promise<FreshsalesSim> {
  const sim = await startFreshsalesSim({ apiKey: KEY, seed: 9, ...opts });
  sims.push(sim);
  return sim;
}

/** Spend calls until the first 429 (or `max` calls); counts the 200s before it. */
async function spendUntil429(sim: FreshsalesSim, max: number): Promise<{ ok: number; limited?: Answer }> {
  let ok = 0;
  while (ok < max) {
    const batch = await Promise.all(Array.from({ length: 20 }, () => api(sim, 'GET', '/api/contacts/filters')));
    for (const a of batch) {
      if (a.status === 200) ok++;
      else if (a.status === 429) return { ok, limited: a };
      else throw new Error(`unexpected status ${a.status}`);
    }
  }
  return { ok };
}

async function waitMs(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

afterEach(async () => {
  await Promise.all(sims.map((s) => s.close()));
  sims = [];
});

describe('rate limits', () => {
  it('spends the hour budget (free plan, an hour scaled to 5 s), answers 429, then recovers in the next window', async () => {
    const sim = await start({ plan: 'free', timeScale: 720, rateLimitHeaders: true });
    const { ok, limited } = await spendUntil429(sim, 3000);
    expect(limited?.status).toBe(429);
    expect(limited?.body).toEqual({ errors: { code: 429, message: [expect.any(String)] } });
    // At least the budget went through (more only if a slow machine crossed a window edge).
    expect(ok).toBeGreaterThanOrEqual(1000);
    const retry = Number(limited!.headers.get('retry-after'));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(5);
    expect(limited!.headers.get('x-ratelimit-remaining')).toBe('0');
    // 429s do not count: a burst of them changes nothing.
    for (let i = 0; i < 5; i++) expect((await api(sim, 'GET', '/api/contacts/filters')).status).toBe(429);
    const before = sim.stats().rateLimited;
    expect(before).toBeGreaterThanOrEqual(6);

    await waitMs(Number(limited!.headers.get('x-ratelimit-reset-ms')) + 50);
    const after = await api(sim, 'GET', '/api/contacts/filters');
    expect(after.status).toBe(200);
    expect(after.headers.get('x-ratelimit-limit')).toBe('1000');
    expect(Number(after.headers.get('x-ratelimit-remaining'))).toBeGreaterThanOrEqual(990);
  });

  it('spends the minute budget of 400 on a paid plan (a minute scaled to 5 s), then recovers', async () => {
    const sim = await start({ plan: 'pro', timeScale: 12, rateLimitHeaders: true });
    const { ok, limited } = await spendUntil429(sim, 2000);
    expect(limited?.status).toBe(429);
    expect(ok).toBeGreaterThanOrEqual(400);
    expect(ok).toBeLessThan(2000);
    const retry = Number(limited!.headers.get('retry-after'));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(5);
    // The hour budget (2000 on pro) is far from spent.
    expect(limited!.headers.get('x-ratelimit-limit')).toBe('2000');
    await waitMs(Number(limited!.headers.get('x-ratelimit-reset-ms')) + 50);
    expect((await api(sim, 'GET', '/api/contacts/filters')).status).toBe(200);
  });

  it('does not count 401s and sends no rate-limit headers unless asked', async () => {
    const sim = await start({ plan: 'free', timeScale: 1 });
    const r = await api(sim, 'GET', '/api/contacts/filters');
    expect(r.headers.get('x-ratelimit-limit')).toBeNull();
    expect(r.headers.get('retry-after')).toBeNull();
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${sim.url}/api/contacts/filters`, { headers: { authorization: 'Token token=wrong' } });
      expect(res.status).toBe(401);
    }
    const withHeaders = await start({ plan: 'free', timeScale: 1, rateLimitHeaders: true });
    await api(withHeaders, 'GET', '/api/contacts/filters');
    await fetch(`${withHeaders.url}/api/contacts/filters`);
    const second = await api(withHeaders, 'GET', '/api/contacts/filters');
    expect(second.headers.get('x-ratelimit-remaining')).toBe('998');
    expect(Number(second.headers.get('x-ratelimit-reset'))).toBeGreaterThan(3000);
  });
});

describe('faults', () => {
  const statuses = async (sim: FreshsalesSim, n: number) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await api(sim, 'GET', '/api/contacts/filters')).status);
    return out;
  };

  it('injects 5xx deterministically for a seed', async () => {
    const a = await statuses(await start({ faults: '5xx=0.3', seed: 21 }), 40);
    const b = await statuses(await start({ faults: '5xx=0.3', seed: 21 }), 40);
    const c = await statuses(await start({ faults: '5xx=0.3', seed: 22 }), 40);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a.some((s) => s >= 500)).toBe(true);
    expect(a.some((s) => s === 200)).toBe(true);
  });

  it('answers 5xx in the error shape and counts injected faults', async () => {
    const sim = await start({ faults: '5xx=1' });
    const r = await api(sim, 'GET', '/api/contacts/filters');
    expect([500, 502, 503]).toContain(r.status);
    expect(r.body.errors.code).toBe(r.status);
    expect(sim.stats().faultsInjected).toBe(1);
  });

  it('drops connections and holds timed-out requests; setFaults turns them off', async () => {
    const sim = await start({ faults: 'drop=1' });
    await expect(api(sim, 'GET', '/api/contacts/filters')).rejects.toThrow();
    sim.setFaults('timeout=1');
    await expect(api(sim, 'GET', '/api/contacts/filters', undefined, AbortSignal.timeout(300))).rejects.toThrow();
    sim.setFaults('');
    expect((await api(sim, 'GET', '/api/contacts/filters')).status).toBe(200);
  });

  it('may apply the effect of a request whose answer is lost', async () => {
    const sim = await start({ faults: 'drop=1', seed: 3 });
    for (let i = 0; i < 12; i++) {
      await expect(api(sim, 'POST', '/api/contacts', { contact: { emails: `d${i}@x.com` } })).rejects.toThrow();
    }
    const stored = sim.snapshot().contacts.length;
    // Some drops happened after the write, some before: a client cannot tell which.
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThan(12);
  });

  it('starts 429 bursts, and admin routes are never faulted', async () => {
    const sim = await start({ faults: '429=1,burst=60000', rateLimitHeaders: true });
    const r = await api(sim, 'GET', '/api/contacts/filters');
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('60');
    const admin = await fetch(`${sim.url}/__sim/stats`);
    expect(admin.status).toBe(200);
    const set = await fetch(`${sim.url.replace('/crm/sales', '')}/__sim/faults`, { method: 'POST', body: JSON.stringify({ spec: '' }) });
    expect(set.status).toBe(200);
    expect((await api(sim, 'GET', '/api/contacts/filters')).status).toBe(200);
    const bad = await fetch(`${sim.url.replace('/crm/sales', '')}/__sim/faults`, { method: 'POST', body: JSON.stringify({ spec: 'boom=1' }) });
    expect(bad.status).toBe(400);
  });
});

describe('activities', () => {
  it('creates tasks against existing targets and lists them by filter', async () => {
    const sim = await start();
    const c = (await api(sim, 'POST', '/api/contacts', { contact: { emails: 't@x.com' } })).body.contact;
    const task = await api(sim, 'POST', '/api/tasks', { task: { title: 'Call', due_date: '2030-01-01T09:00:00Z', targetable_type: 'Contact', targetable_id: c.id } });
    expect(task.status).toBe(201);
    // Reads differ from writes [LIVE]: no flat link keys; the link only with include=targetable.
    expect(task.body.task).toMatchObject({ title: 'Call', status: 0, creater_id: expect.any(Number) });
    expect(task.body.task).not.toHaveProperty('targetable_id');
    expect(task.body.task).not.toHaveProperty('targetable');
    expect(task.body.task.due_date).toBe('2030-01-01T03:00:00-06:00');
    expect(task.body.task.id).toBeGreaterThan(2 ** 32);
    const linked = await api(sim, 'GET', `/api/tasks/${task.body.task.id}?include=targetable`);
    expect(linked.body.task.targetable).toEqual({ type: 'contact', id: c.id });
    expect((await api(sim, 'POST', '/api/tasks', { task: { title: 'x', targetable_type: 'Contact', targetable_id: c.id } })).status).toBe(400);
    expect((await api(sim, 'POST', '/api/tasks', { task: { due_date: '2030-01-01', targetable_type: 'Contact', targetable_id: c.id } })).status).toBe(400);
    expect((await api(sim, 'POST', '/api/tasks', { task: { title: 'x', due_date: '2030-01-01', targetable_type: 'Contact', targetable_id: 1 } })).status).toBe(400);
    expect((await api(sim, 'POST', '/api/tasks', { task: { title: 'x', due_date: '2030-01-01', targetable_type: 'Lead', targetable_id: c.id } })).status).toBe(400);
    await api(sim, 'PUT', `/api/tasks/${task.body.task.id}`, { task: { status: 1 } });
    expect((await api(sim, 'GET', '/api/tasks?filter=open')).body.tasks).toHaveLength(0);
    const done = await api(sim, 'GET', '/api/tasks?filter=completed');
    expect(done.body.tasks).toHaveLength(1);
    expect(done.body.meta).toEqual({ total: 1 });
    expect((await api(sim, 'GET', `/api/tasks/${task.body.task.id}`)).body.task.completed_date).toEqual(expect.any(String));
    expect((await api(sim, 'DELETE', `/api/tasks/${task.body.task.id}`)).status).toBe(200);
    expect((await api(sim, 'GET', `/api/tasks/${task.body.task.id}`)).status).toBe(404);
  });

  it('answers task links as a targetables list and meta with total_pages under the other reading', async () => {
    const sim = await start({ taskLink: 'targetables', taskListMeta: 'total_pages', utcOffset: 'Z' });
    const c = (await api(sim, 'POST', '/api/contacts', { contact: { emails: 't2@x.com' } })).body.contact;
    const task = await api(sim, 'POST', '/api/tasks', { task: { title: 'Call', due_date: '2030-01-01T09:00:00.250Z', targetable_type: 'Contact', targetable_id: c.id } });
    expect(task.body.task.targetables).toEqual([{ type: 'contact', id: c.id }]);
    expect(task.body.task.due_date).toBe('2030-01-01T09:00:00Z');
    expect((await api(sim, 'GET', '/api/tasks?filter=open')).body.meta).toEqual({ total: 1, total_pages: 1 });
  });

  it('creates sales activities (type required) and notes (200, description required)', async () => {
    const sim = await start();
    const c = (await api(sim, 'POST', '/api/contacts', { contact: { emails: 'n@x.com' } })).body.contact;
    const types = (await api(sim, 'GET', '/api/selector/sales_activity_types')).body.sales_activity_types;
    const sa = await api(sim, 'POST', '/api/sales_activities', {
      sales_activity: { sales_activity_type_id: types[0].id, title: 'Met', start_date: '2024-01-01T10:00:00Z', end_date: '2024-01-01T11:00:00Z', targetable_type: 'Contact', targetable_id: c.id },
    });
    expect(sa.status).toBe(201);
    expect(sa.body.sales_activity).toMatchObject({ title: 'Met', sales_activity_type_id: types[0].id });
    expect((await api(sim, 'POST', '/api/sales_activities', { sales_activity: { title: 'No type' } })).status).toBe(400);
    const note = await api(sim, 'POST', '/api/notes', { note: { description: 'Hello', targetable_type: 'Contact', targetable_id: c.id } });
    expect(note.status).toBe(200);
    expect(note.body.note.description).toBe('Hello');
    expect((await api(sim, 'POST', '/api/notes', { note: { description: '  ', targetable_type: 'Contact', targetable_id: c.id } })).status).toBe(400);
    const snap = sim.snapshot();
    expect(snap.sales_activities).toHaveLength(1);
    expect(snap.notes).toHaveLength(1);
  });

  it('uploads documents as multipart and refuses them on the free plan (no storage)', async () => {
    const upload = async (sim: FreshsalesSim, targetId: number) => {
      const form = new FormData();
      form.set('file', new Blob(['%PDF-1.4 hello'], { type: 'application/pdf' }), 'doc.pdf');
      form.set('file_name', 'Contract.pdf');
      form.set('targetable_type', 'Contact');
      form.set('targetable_id', String(targetId));
      const res = await fetch(`${sim.url}/api/documents`, { method: 'POST', headers: { authorization: `Token token=${KEY}` }, body: form });
      return { status: res.status, body: (await res.json()) as { document: Record<string, unknown> } };
    };
    const sim = await start();
    const c = (await api(sim, 'POST', '/api/contacts', { contact: { emails: 'doc@x.com' } })).body.contact;
    const r = await upload(sim, c.id);
    expect(r.status).toBe(201);
    expect(r.body.document).toMatchObject({ name: 'Contract.pdf', content_type: 'application/pdf', file_size: 14, targetable_id: c.id });
    expect((await api(sim, 'POST', '/api/documents', { file: 'x' })).status).toBe(400);

    const free = await start({ plan: 'free' });
    const fc = (await api(free, 'POST', '/api/contacts', { contact: { emails: 'doc@x.com' } })).body.contact;
    expect((await upload(free, fc.id)).status).toBe(400);
  });
});
