import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CAMPAIGN_STATUS_CODE, CAMPAIGN_TYPE_CODE, MESSAGE_STATUS_CODE, generateXtremepushDataset, type XtremepushDataset,
} from '../../simulators/generator/index.js';
import { startXtremepushSim, type TaskStatusCase, type XtremepushSim, type XtremepushSimOptions } from '../../simulators/xtremepush/index.js';

const TOKEN = 'xp-test-token';
const json = JSON.stringify;

interface Reply {
  status: number;
  body: Record<string, unknown> & { code?: number; success?: boolean; data?: Record<string, unknown>[]; model?: Record<string, unknown>; message?: string; errors?: string[] };
}

async function post(sim: { url: string }, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : json(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

const call = (sim: { url: string }, method: string, model: string, body: Record<string, unknown> = {}) =>
  post(sim, `/api/external/${method}/${model}`, { apptoken: TOKEN, ...body });

const started: XtremepushSim[] = [];
async function start(o: Partial<XtremepushSimOptions> & { dataset: XtremepushDataset }): Promise<XtremepushSim> {
  const sim = await startXtremepushSim({ apptoken: TOKEN, ...o });
  started.push(sim);
  return sim;
}
afterAll(async () => {
  await Promise.all(started.map((s) => s.close()));
});

let ds: XtremepushDataset;
let sim: XtremepushSim;
beforeAll(async () => {
  ds = generateXtremepushDataset({ profiles: 2600, seed: 5 });
  sim = await start({ dataset: ds, taskPollsToComplete: 2 });
});

const ids = (r: Reply) => (r.body.data ?? []).map((x) => x.profile_id as string);

describe('auth and envelope', () => {
  it('answers 401 in the envelope for a missing or wrong apptoken', async () => {
    const missing = await post(sim, '/api/external/list/profile', { limit: 1 });
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ code: 401, success: false, message: 'Missing apptoken' });
    const wrong = await post(sim, '/api/external/list/profile', { apptoken: 'nope', limit: 1 });
    expect(wrong.status).toBe(401);
    expect(wrong.body.success).toBe(false);
    expect(json(wrong.body)).not.toContain('nope');
  });

  it('wraps lists in data and single records in model', async () => {
    const list = await call(sim, 'list', 'profile', { limit: 2 });
    expect(list.status).toBe(200);
    expect(Object.keys(list.body).sort()).toEqual(['code', 'data', 'success']);
    expect(list.body).toMatchObject({ code: 200, success: true });
    expect(list.body.data).toEqual(ds.profiles.slice(0, 2));
    const info = await call(sim, 'info', 'profile', { id: ds.profiles[5]!.profile_id });
    expect(info.body).toEqual({ code: 200, success: true, model: ds.profiles[5] });
  });

  it('answers info on an unknown id with 404 and applies select to info', async () => {
    const r = await call(sim, 'info', 'profile', { id: '1' });
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ code: 404, success: false });
    const sel = await call(sim, 'info', 'profile', { id: Number(ds.profiles[0]!.profile_id), select: ['email'] });
    expect(sel.body.model).toEqual({ email: ds.profiles[0]!.email });
    expect((await call(sim, 'info', 'profile', {})).status).toBe(400);
  });

  it('answers 405 for a typo in method or model, for write methods and for GET', async () => {
    for (const [m, model] of [['list', 'profiles'], ['lists', 'profile'], ['import', 'profile'], ['hit', 'event'], ['update', 'profile']]) {
      const r = await call(sim, m!, model!, { limit: 1 });
      expect(r.status, `${m}/${model}`).toBe(405);
      expect(r.body).toMatchObject({ code: 405, success: false });
    }
    const get = await fetch(`${sim.url}/api/external/list/profile`);
    expect(get.status).toBe(405);
  });

  it('answers 400 for invalid JSON and for a body that is not an object', async () => {
    const r = await post(sim, '/api/external/list/profile', '{"apptoken": "xp-test-token", limit: }');
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 400, success: false, message: 'Invalid JSON body' });
    expect((await post(sim, '/api/external/list/profile', '[1,2]')).status).toBe(400);
  });

  it('answers 400 naming a malformed condition', async () => {
    const r = await call(sim, 'list', 'profile', { condition: [['profile_id', '>', '1'], ['emial', '=', 'x']] });
    expect(r.status).toBe(400);
    expect(r.body.message).toContain('condition[1]: unknown field "emial"');
    expect(r.body.errors?.[0]).toContain('emial');
    const op = await call(sim, 'list', 'profile', { condition: [['email', 'LIKE', '%x%']] });
    expect(op.body.message).toContain('unknown operator "LIKE"');
  });

  it('answers 403 when API access is off and 410 for a switched-off endpoint, after authentication', async () => {
    const off = await start({ dataset: ds, apiAccess: false });
    expect((await call(off, 'list', 'profile')).status).toBe(403);
    expect((await post(off, '/api/external/list/profile', { apptoken: 'x' })).status).toBe(401);
    const gone = await start({ dataset: ds, disabledEndpoints: ['list/message'] });
    expect((await call(gone, 'list', 'message')).status).toBe(410);
    expect((await call(gone, 'list', 'profile', { limit: 1 })).status).toBe(200);
  });
});

describe('OAuth', () => {
  it('issues client-credential tokens accepted as Bearer instead of the apptoken', async () => {
    const o = await start({ dataset: ds, oauth: { clientId: 'cid', clientSecret: 'sec' } });
    const bad = await post(o, '/api/oauth/token', { grant_type: 'client_credentials', client_id: 'cid', client_secret: 'wrong' });
    expect(bad.status).toBe(401);
    const res = await fetch(`${o.url}/api/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=cid&client_secret=sec',
    });
    const tok = (await res.json()) as { access_token: string; token_type: string; expires_in: number };
    expect(res.status).toBe(200);
    expect(tok).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    const ok = await post(o, '/api/external/list/profile', { limit: 1 }, { authorization: `Bearer ${tok.access_token}` });
    expect(ok.status).toBe(200);
    const forged = await post(o, '/api/external/list/profile', { limit: 1 }, { authorization: 'Bearer forged' });
    expect(forged.status).toBe(401);
    expect((await post(o, '/api/oauth/token', { grant_type: 'password' })).status).toBe(400);
  });

  it('rejects an expired token', async () => {
    const o = await start({ dataset: ds, oauth: { clientId: 'cid', clientSecret: 'sec', tokenTtlSeconds: 0 } });
    const tok = await post(o, '/api/oauth/token', { grant_type: 'client_credentials', client_id: 'cid', client_secret: 'sec' });
    const r = await post(o, '/api/external/list/profile', { limit: 1 }, { authorization: `Bearer ${tok.body.access_token as string}` });
    expect(r.status).toBe(401);
    expect(r.body.message).toMatch(/expired/);
  });
});

describe('list/profile queries', () => {
  it('applies each operator', async () => {
    const p = ds.profiles;
    const q = async (condition: unknown) => ids(await call(sim, 'list', 'profile', { condition, limit: 1000, select: ['profile_id'] }));
    const expectIds = (f: (x: (typeof p)[number]) => boolean) => p.filter(f).slice(0, 1000).map((x) => x.profile_id);
    const mid = p[1300]!;
    expect(await q([['profile_id', '=', mid.profile_id]])).toEqual([mid.profile_id]);
    expect(await q([['country', '!=', 'IE']])).toEqual(expectIds((x) => x.country != null && x.country !== 'IE'));
    expect(await q([['update_time', '>', mid.update_time]])).toEqual(expectIds((x) => x.update_time > mid.update_time));
    expect(await q([['create_time', '<', mid.create_time]])).toEqual(expectIds((x) => x.create_time < mid.create_time));
    expect(await q([['loyalty_points', '>=', 50000]])).toEqual(expectIds((x) => typeof x.loyalty_points === 'number' && x.loyalty_points >= 50000));
    expect(await q([['sessions_count', '<=', 3]])).toEqual(expectIds((x) => typeof x.sessions_count === 'number' && x.sessions_count <= 3));
    expect(await q([['loyalty_tier', 'IN', ['gold', 'platinum']]])).toEqual(expectIds((x) => x.loyalty_tier === 'gold' || x.loyalty_tier === 'platinum'));
    expect(await q([['lifecycle_stage', 'NOT IN', ['lead', 'churned']]])).toEqual(
      expectIds((x) => x.lifecycle_stage != null && !['lead', 'churned'].includes(x.lifecycle_stage)),
    );
    expect(await q({ operator: 'OR', 0: ['vip', '=', true], 1: ['country', '=', 'PL'] })).toEqual(expectIds((x) => x.vip === true || x.country === 'PL'));
    expect(await q([['email', '=', null]])).toEqual(expectIds((x) => x.email === null));
  });

  it('compares profile_id numerically although ids are digit strings', async () => {
    const r = await call(sim, 'list', 'profile', { condition: [['profile_id', '>', '9999']], limit: 3, select: ['profile_id'] });
    expect(ids(r)).toEqual(ds.profiles.filter((x) => Number(x.profile_id) > 9999).slice(0, 3).map((x) => x.profile_id));
    expect(ids(r)[0]!.length).toBe(5);
  });

  it('selects, orders, limits and offsets', async () => {
    const r = await call(sim, 'list', 'profile', { select: ['profile_id', 'update_time', 'not_a_field'], order: ['update_time DESC', 'profile_id ASC'], limit: 5, offset: 2 });
    const expected = [...ds.profiles]
      .sort((a, b) => b.update_time - a.update_time || Number(a.profile_id) - Number(b.profile_id))
      .slice(2, 7)
      .map((x) => ({ profile_id: x.profile_id, update_time: x.update_time }));
    expect(r.body.data).toEqual(expected);
  });

  it('returns 100 rows without a limit and at most the page cap with one', async () => {
    expect((await call(sim, 'list', 'profile')).body.data).toHaveLength(100);
    expect((await call(sim, 'list', 'profile', { limit: 5000 })).body.data).toHaveLength(1000);
    const capped = await start({ dataset: ds, pageCap: 50 });
    expect((await call(capped, 'list', 'profile', { limit: 200 })).body.data).toHaveLength(50);
  });

  it('pages to exhaustion by keyset and by offset, returning every profile exactly once', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const condition: unknown[] = after === null ? [] : [['profile_id', '>', after]];
      const r = await call(sim, 'list', 'profile', { condition, order: ['profile_id ASC'], limit: 1000, select: ['profile_id'] });
      const page = ids(r);
      seen.push(...page);
      pages++;
      if (page.length < 1000) break;
      after = page[page.length - 1]!;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(ds.profiles.map((x) => x.profile_id));
    const byOffset: string[] = [];
    for (let offset = 0; ; offset += 700) {
      const page = ids(await call(sim, 'list', 'profile', { offset, limit: 700, select: ['profile_id'] }));
      byOffset.push(...page);
      if (page.length < 700) break;
    }
    expect(byOffset).toEqual(seen);
  });
});

describe('other models', () => {
  it('lists attribute definitions covering every type', async () => {
    const r = await call(sim, 'list', 'attribute');
    expect(r.body.data).toEqual(ds.attributes);
    expect(new Set(r.body.data!.map((a) => a.type)).size).toBe(6);
  });

  it('lists and reads devices, push actions, segments, campaigns, sends, consents and promotions', async () => {
    const dev = await call(sim, 'list', 'device', { condition: [['profile_id', '=', ds.devices[3]!.profile_id]] });
    expect(dev.body.data).toEqual(ds.devices.filter((d) => d.profile_id === ds.devices[3]!.profile_id));
    expect((await call(sim, 'info', 'device', { id: ds.devices[3]!.id })).body.model).toEqual(ds.devices[3]);
    expect((await call(sim, 'list', 'push-devices', { limit: 10 })).body.data).toEqual(ds.pushActions.slice(0, 10));
    expect((await call(sim, 'list', 'segment')).body.data).toEqual(ds.segments);
    expect((await call(sim, 'info', 'segment', { id: ds.segments[2]!.id })).body.model).toEqual(ds.segments[2]);
    expect((await call(sim, 'list', 'campaign', { condition: [['email', '=', 1]] })).body.data).toEqual(ds.campaigns.filter((c) => c.email === 1));
    expect((await call(sim, 'info', 'campaign', { id: ds.campaigns[0]!.id })).body.model).toEqual(ds.campaigns[0]);
    const sends = await call(sim, 'list', 'message', { condition: [['campaign_id', '=', ds.messages[0]!.campaign_id], ['open', '=', 1]], limit: 1000 });
    expect(sends.body.data).toEqual(ds.messages.filter((m) => m.campaign_id === ds.messages[0]!.campaign_id && m.open === 1).slice(0, 1000));
    expect((await call(sim, 'list', 'consent-preference-profile', { limit: 7 })).body.data).toEqual(ds.consents.slice(0, 7));
    expect((await call(sim, 'list', 'promotion')).body.data).toEqual(ds.promotions);
    expect((await call(sim, 'info', 'promotion', { id: 999 })).status).toBe(404);
  });

  it('sends campaign id, trigger, type, active, status and create_time as numbers, the channel in the flags [C3]', async () => {
    const listed = (await call(sim, 'list', 'campaign')).body.data!;
    const info = (await call(sim, 'info', 'campaign', { id: ds.campaigns[4]!.id })).body.model!;
    expect(listed).toHaveLength(ds.campaigns.length);
    for (const row of [...listed, info]) {
      for (const f of ['id', 'trigger', 'type', 'active', 'status', 'create_time']) expect(typeof row[f], `${String(row.title)} ${f}`).toBe('number');
      for (const f of ['activate_time', 'deactivate_time', 'promotion_id']) expect(row[f] === null || typeof row[f] === 'number', f).toBe(true);
      expect(Object.values(CAMPAIGN_TYPE_CODE)).toContain(row.type);
      expect(Object.values(CAMPAIGN_STATUS_CODE)).toContain(row.status);
      expect(row.active).toBe(row.status === CAMPAIGN_STATUS_CODE.active ? 1 : 0);
      const channels = ['sms', 'email', 'ios_push', 'android_push', 'web_push', 'inbox', 'webhook'].filter((c) => row[c] === 1);
      expect(channels.length, String(row.title)).toBeGreaterThan(0);
    }
    // Every type and status code occurs, so a reader cannot get by on one value.
    expect(new Set(listed.map((r) => r.type)).size).toBe(Object.keys(CAMPAIGN_TYPE_CODE).length);
    expect(new Set(listed.map((r) => r.status)).size).toBeGreaterThanOrEqual(3);
  });

  it('sends message rows with numbers everywhere but user_id/profile_id (strings) and the texts [C3]', async () => {
    const rows = (await call(sim, 'list', 'message', { limit: 1000 })).body.data!;
    expect(rows.length).toBe(1000);
    for (const m of rows) {
      for (const f of ['id', 'campaign_id', 'create_time', 'delivery', 'open', 'click', 'error', 'status']) expect(typeof m[f], `${String(m.id)} ${f}`).toBe('number');
      for (const f of ['open_time', 'click_time']) expect(m[f] === null || typeof m[f] === 'number', f).toBe(true);
      expect(typeof m.profile_id).toBe('string');
      expect(m.user_id === null || typeof m.user_id === 'string').toBe(true);
      expect(typeof m.message_type_name).toBe('string');
      const expected = m.delivery === 0 ? 'failed' : m.click === 1 ? 'clicked' : m.open === 1 ? 'opened' : 'delivered';
      expect(m.status).toBe(MESSAGE_STATUS_CODE[expected]);
    }
    expect(rows.some((m) => m.user_id !== null)).toBe(true);
    expect(new Set(rows.map((m) => m.status)).size).toBe(4);
  });

  it('lists tag hits by keyset on id, filtered by profile or tag, and rejects unknown fields', async () => {
    const seen: unknown[] = [];
    let after: number | null = null;
    for (;;) {
      const condition: unknown[] = after === null ? [] : [['id', '>', after]];
      const page = (await call(sim, 'list', 'tag', { condition, order: ['id ASC'], limit: 1000 })).body.data!;
      if (page.length === 0) break;
      seen.push(...page);
      after = page[page.length - 1]!.id as number;
    }
    expect(seen).toEqual(ds.tagHits);
    expect(ds.tagHits.length).toBeGreaterThan(1000);
    const pid = ds.tagHits[5]!.profile_id;
    expect((await call(sim, 'list', 'tag', { condition: [['profile_id', '=', pid]] })).body.data).toEqual(ds.tagHits.filter((h) => h.profile_id === pid));
    const vip = await call(sim, 'list', 'tag', { condition: [['tag', '=', 'vip-weekend']], select: ['id', 'tag'], limit: 5 });
    expect(vip.body.data).toEqual(ds.tagHits.filter((h) => h.tag === 'vip-weekend').slice(0, 5).map((h) => ({ id: h.id, tag: h.tag })));
    expect((await call(sim, 'list', 'tag', { condition: [['colour', '=', 'red']] })).status).toBe(400);
  });

  it('returns subscription history only when the account enabled it', async () => {
    expect((await call(sim, 'list', 'profile-subscription')).body.data).toEqual([]);
    const withHistory = await start({ dataset: ds, subscriptionHistory: true });
    expect((await call(withHistory, 'list', 'profile-subscription', { limit: 20 })).body.data).toEqual(ds.subscriptions.slice(0, 20));
  });
});

describe('export tasks', () => {
  async function download(url: string): Promise<Record<string, unknown>[]> {
    const res = await fetch(url);
    expect(res.status).toBe(200);
    return (await res.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  it('exports segment members: 202, then New → Executing → Completed, then a file of member ids', async () => {
    const seg = ds.segments.find((s) => s.name === 'Gold and Platinum')!;
    const created = await call(sim, 'create', 'task', { type: 'segment_export_profiles', segment_id: seg.id });
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({ code: 202, success: true, model: { type: 'segment_export_profiles', status: 'New', result: null } });
    const id = created.body.model!.id;
    const first = await call(sim, 'info', 'task', { id });
    expect(first.body.model).toMatchObject({ status: 'Executing', result: null });
    const done = await call(sim, 'info', 'task', { id });
    expect(done.body.model).toMatchObject({ status: 'Completed' });
    const result = done.body.model!.result as { download_url: string; rows: number; format: string };
    expect(result.format).toBe('jsonl');
    const rows = await download(result.download_url);
    expect(rows.map((r) => r.profile_id)).toEqual(ds.segmentMembers[String(seg.id)]);
    expect(result.rows).toBe(rows.length);
    const listed = await call(sim, 'list', 'task', { condition: [['id', '=', id as number]] });
    expect(listed.body.data?.[0]).toMatchObject({ id, status: 'Completed' });
  });

  it.each([
    ['title', ['New', 'Executing', 'Completed']],
    ['lower', ['new', 'executing', 'completed']],
    ['upper', ['NEW', 'EXECUTING', 'COMPLETED']],
  ] as Array<[TaskStatusCase, string[]]>)('spells task statuses in the %s case when asked to', async (taskStatusCase, expected) => {
    const s = await start({ dataset: ds, taskPollsToComplete: 2, taskStatusCase });
    const created = await call(s, 'create', 'task', { type: 'profile_export_data', select: ['profile_id'] });
    const id = created.body.model!.id;
    const seen = [created.body.model!.status, (await call(s, 'info', 'task', { id })).body.model!.status, (await call(s, 'info', 'task', { id })).body.model!.status];
    expect(seen).toEqual(expected);
    // list/task shows the same spelling, and the file is served once the task is done.
    expect((await call(s, 'list', 'task')).body.data!.map((t) => t.status)).toEqual([expected[2]]);
    const url = ((await call(s, 'info', 'task', { id })).body.model!.result as { download_url: string }).download_url;
    expect((await download(url)).length).toBe(ds.profiles.length);
  });

  it('exports events, optionally filtered by time', async () => {
    const all = await start({ dataset: ds, taskPollsToComplete: 0 });
    const t = await call(all, 'create', 'task', { type: 'event_export' });
    expect(t.body.model).toMatchObject({ status: 'Completed' });
    const rows = await download((t.body.model!.result as { download_url: string }).download_url);
    expect(rows).toEqual(ds.events);
    const from = ds.now - 30 * 86400;
    const recent = await call(all, 'create', 'task', { type: 'event_export', from });
    const recentRows = await download((recent.body.model!.result as { download_url: string }).download_url);
    const toUnix = (s: string) => Date.parse(s.replace(/^(\S+) (\S+) (\S+)$/, '$1T$2$3')) / 1000;
    expect(recentRows.length).toBe(ds.events.filter((e) => toUnix(e.timestamp) >= from).length);
    expect(recentRows.length).toBeGreaterThan(0);
    expect(recentRows.length).toBeLessThan(rows.length);
  });

  it('rejects unknown task types and segments, and has no file before completion', async () => {
    expect((await call(sim, 'create', 'task', { type: 'segment_export_everything' })).status).toBe(400);
    expect((await call(sim, 'create', 'task', { type: 'segment_export_profiles', segment_id: 1 })).status).toBe(404);
    expect((await call(sim, 'info', 'task', { id: 1 })).status).toBe(404);
    const t = await call(sim, 'create', 'task', { type: 'profile_export_data', select: ['profile_id'] });
    expect(t.body.model!.result).toBeNull();
    expect((await fetch(`${sim.url}/exports/0123abcd.jsonl`)).status).toBe(404);
  });

  it('fails export tasks at the bulkfail rate: Error, and Fatal for every fourth failure, with no file', async () => {
    const failing = await start({ dataset: ds, faults: 'bulkfail=1', taskPollsToComplete: 1 });
    const ends: Array<Record<string, unknown>> = [];
    for (let k = 0; k < 8; k++) {
      const t = await call(failing, 'create', 'task', { type: 'profile_export_data' });
      expect(t.body.model!.status).toBe('New');
      ends.push((await call(failing, 'info', 'task', { id: t.body.model!.id })).body.model!);
    }
    expect(ends.map((m) => m.status)).toEqual(['Error', 'Error', 'Error', 'Fatal', 'Error', 'Error', 'Error', 'Fatal']);
    for (const m of ends) {
      expect(m).toMatchObject({ result: null });
      expect(m.error_message).toBeTruthy();
    }
    // A failed task stays failed: another poll does not move it.
    expect((await call(failing, 'info', 'task', { id: ends[0]!.id })).body.model!.status).toBe('Error');
    const upper = await start({ dataset: ds, faults: 'bulkfail=1', taskPollsToComplete: 0, taskStatusCase: 'upper' });
    expect((await call(upper, 'create', 'task', { type: 'profile_export_data' })).body.model!.status).toBe('ERROR');
  });
});

describe('mutations', () => {
  it('shows an updated profile with a newer update_time to delta queries', async () => {
    const d = generateXtremepushDataset({ profiles: 300, seed: 8 });
    const s = await start({ dataset: d });
    const target = d.profiles[120]!;
    const since = Math.max(...d.profiles.map((p) => p.update_time));
    expect(ids(await call(s, 'list', 'profile', { condition: [['update_time', '>', since]] }))).toEqual([]);
    s.updateProfile(target.profile_id, { email: 'new@example.com', favourite_colour: 'green', vip: undefined }, since + 10);
    const delta = await call(s, 'list', 'profile', { condition: [['update_time', '>', since]] });
    expect(delta.body.data).toHaveLength(1);
    expect(delta.body.data![0]).toMatchObject({ profile_id: target.profile_id, email: 'new@example.com', update_time: since + 10, favourite_colour: 'green' });
    expect('vip' in delta.body.data![0]!).toBe(false);
    const attrs = await call(s, 'list', 'attribute', { condition: [['name', '=', 'favourite_colour']] });
    expect(attrs.body.data?.[0]).toMatchObject({ name: 'favourite_colour', type: 'String' });
    expect(ids(await call(s, 'list', 'profile', { condition: [['favourite_colour', '=', 'green']] }))).toEqual([target.profile_id]);
    s.updateProfile(target.profile_id, { email: 'newer@example.com' });
    expect((await call(s, 'info', 'profile', { id: target.profile_id })).body.model!.update_time).toBeGreaterThan(since + 10);
    expect(() => s.updateProfile('1', {})).toThrow(/no profile/);
  });

  it('adds and removes profiles, keeping keyset order', async () => {
    const d = generateXtremepushDataset({ profiles: 50, seed: 8 });
    const s = await start({ dataset: d });
    const between = String(Number(d.profiles[10]!.profile_id) + 1);
    s.addProfile({ profile_id: between, email: 'added@example.com' });
    const page = ids(await call(s, 'list', 'profile', { condition: [['profile_id', '>', d.profiles[9]!.profile_id]], limit: 3 }));
    expect(page).toEqual([d.profiles[10]!.profile_id, between, d.profiles[12]!.profile_id]);
    expect(() => s.addProfile({ profile_id: between })).toThrow(/already exists/);
    expect(() => s.addProfile({ profile_id: 'abc' })).toThrow(/digit string/);
    expect(s.removeProfile(between)).toBe(true);
    expect((await call(s, 'info', 'profile', { id: between })).status).toBe(404);
  });
});

describe('faults and admin', () => {
  async function statuses(s: XtremepushSim, n: number): Promise<number[]> {
    const out: number[] = [];
    for (let k = 0; k < n; k++) {
      const res = await fetch(`${s.url}/api/external/list/profile`, { method: 'POST', body: json({ apptoken: TOKEN, limit: 1 }) });
      out.push(res.status);
      await res.arrayBuffer();
    }
    return out;
  }

  it('injects the same faults for the same seed, and none without a spec', async () => {
    const s = await start({ dataset: ds, faults: '5xx=0.4,seed=9' });
    const a = await statuses(s, 40);
    s.setFaults('5xx=0.4,seed=9');
    const b = await statuses(s, 40);
    expect(b).toEqual(a);
    expect(a.filter((x) => x >= 500).length).toBeGreaterThan(5);
    expect(a.every((x) => [200, 500, 502, 503].includes(x))).toBe(true);
    expect(s.stats().faultsInjected).toBe(a.filter((x) => x >= 500).length * 2);
    s.setFaults('');
    expect(await statuses(s, 10)).toEqual(Array(10).fill(200));
  });

  it('answers gateway errors in HTML and internal errors in the envelope', async () => {
    const s = await start({ dataset: ds, faults: '5xx=1,seed=3' });
    const seen = new Map<number, string>();
    for (let k = 0; k < 12; k++) {
      const res = await fetch(`${s.url}/api/external/list/profile`, { method: 'POST', body: json({ apptoken: TOKEN }) });
      seen.set(res.status, `${res.headers.get('content-type')} ${await res.text()}`);
    }
    expect(seen.get(500)).toMatch(/^application\/json.*"success":false/);
    expect([...seen.keys()].some((k) => k === 502 || k === 503)).toBe(true);
    for (const k of [502, 503]) if (seen.has(k)) expect(seen.get(k)).toMatch(/^text\/html/);
  });

  it('answers 429 in bursts', async () => {
    const s = await start({ dataset: ds, faults: '429=1,burst=60000' });
    const r = await call(s, 'list', 'profile', { limit: 1 });
    expect(r.status).toBe(429);
    expect(r.body).toMatchObject({ code: 429, success: false });
    expect((await call(s, 'list', 'profile', { limit: 1 })).status).toBe(429);
  });

  it('drops connections and holds timed-out requests without answering', async () => {
    const dropper = await start({ dataset: ds, faults: 'drop=1' });
    await expect(call(dropper, 'list', 'profile')).rejects.toThrow();
    const holder = await start({ dataset: ds, faults: 'timeout=1' });
    const ctl = new AbortController();
    const pending = fetch(`${holder.url}/api/external/list/profile`, { method: 'POST', body: json({ apptoken: TOKEN }), signal: ctl.signal });
    const outcome = Promise.race([pending.then(() => 'answered'), new Promise((r) => setTimeout(() => r('no answer'), 300))]);
    expect(await outcome).toBe('no answer');
    ctl.abort();
    await expect(pending).rejects.toThrow();
  });

  it('counts calls per route and exposes state and fault control over HTTP', async () => {
    const s = await start({ dataset: ds });
    await call(s, 'list', 'profile', { limit: 1 });
    await call(s, 'list', 'profile', { limit: 1 });
    await call(s, 'list', 'segment');
    expect(s.stats()).toEqual({ calls: 3, byRoute: { 'list/profile': 2, 'list/segment': 1 }, faultsInjected: 0 });
    const set = await post(s, '/__sim/faults', { spec: '5xx=1' });
    expect(set.status).toBe(200);
    expect((await call(s, 'list', 'profile')).status).toBeGreaterThanOrEqual(500);
    expect((await post(s, '/__sim/faults', { spec: 'bogus=1' })).status).toBe(400);
    const state = (await (await fetch(`${s.url}/__sim/state`)).json()) as Record<string, unknown>;
    expect(state).toMatchObject({ calls: 4, profiles: ds.profiles.length, faultsInjected: 1 });
  });
});

describe('scale', () => {
  it('pages 200,000 profiles by keyset, each exactly once', async () => {
    const big = generateXtremepushDataset({ profiles: 200_000, seed: 13 });
    const s = await start({ dataset: big });
    let count = 0;
    let after: string | null = null;
    let ordered = true;
    let prev = -1;
    for (;;) {
      const r = await call(s, 'list', 'profile', { condition: after === null ? [] : [['profile_id', '>', after]], order: ['profile_id ASC'], limit: 1000, select: ['profile_id'] });
      const page = ids(r);
      for (const id of page) {
        if (Number(id) <= prev) ordered = false;
        prev = Number(id);
      }
      count += page.length;
      if (page.length < 1000) break;
      after = page[page.length - 1]!;
    }
    expect(ordered).toBe(true);
    expect(count).toBe(200_000);
    expect(s.stats().calls).toBe(201);
  });
});

describe('POST /__sim/profiles: the account changes while the simulator runs', () => {
  const profile = async (s: XtremepushSim, id: string) => (await call(s, 'info', 'profile', { id })).body.model;

  it('merges rows into existing profiles (update_time moves), adds new ids, deletes ids and names the ones it did not find', async () => {
    const d = generateXtremepushDataset({ profiles: 60, seed: 12 });
    const s = await start({ dataset: d });
    const [a, b, gone] = [d.profiles[3]!, d.profiles[7]!, d.profiles[20]!];
    const before = { ...a };
    const newId = String(Number(d.profiles.at(-1)!.profile_id) + 5);
    const r = await post(s, '/__sim/profiles', {
      upsert: [
        { profile_id: a.profile_id, first_name: 'Changed', favourite_colour: 'teal' },
        { profile_id: Number(b.profile_id), email: 'B@Example.com', update_time: 2_000_000_000 },
        { profile_id: newId, email: 'new@example.com', first_name: 'New' },
      ],
      delete: [gone.profile_id, '999999999'],
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ created: 1, updated: 2, deleted: 1, missing: ['999999999'] });

    const ma = await profile(s, a.profile_id);
    // Merged: the named fields change, the others stay as they were.
    expect(ma).toMatchObject({ first_name: 'Changed', favourite_colour: 'teal', email: before.email, create_time: before.create_time });
    expect(ma!.update_time).toBeGreaterThan(before.update_time);
    expect(await profile(s, b.profile_id)).toMatchObject({ email: 'B@Example.com', update_time: 2_000_000_000 });
    expect(await profile(s, newId)).toMatchObject({ profile_id: newId, email: 'new@example.com', first_name: 'New', user_id: null });
    expect((await call(s, 'info', 'profile', { id: gone.profile_id })).status).toBe(404);
    // A delta read by update_time sees the two changed rows and the new one.
    const since = Math.max(...generateXtremepushDataset({ profiles: 60, seed: 12 }).profiles.map((p) => p.update_time));
    expect(ids(await call(s, 'list', 'profile', { condition: [['update_time', '>', since]], order: ['profile_id ASC'] }))).toEqual([a.profile_id, b.profile_id, newId]);
    // An attribute first seen in a change gets a definition, as on first use.
    expect((await call(s, 'list', 'attribute', { condition: [['name', '=', 'favourite_colour']] })).body.data).toHaveLength(1);
  });

  it('answers 400 naming the bad row, and changes nothing', async () => {
    const d = generateXtremepushDataset({ profiles: 20, seed: 13 });
    const s = await start({ dataset: d });
    const first = d.profiles[0]!;
    const bad = async (body: unknown, message: RegExp) => {
      const r = await post(s, '/__sim/profiles', body);
      expect(r.status, json(body)).toBe(400);
      expect(String(r.body.error)).toMatch(message);
    };
    await bad({ upsert: [{ profile_id: first.profile_id, first_name: 'X' }, { email: 'no-id@example.com' }] }, /^upsert row 1: profile_id: must be a digit string or a non-negative whole number, got nothing/);
    await bad({ upsert: [{ profile_id: 'abc' }] }, /^upsert row 0: profile_id/);
    await bad({ upsert: [{ profile_id: '5', update_time: 'yesterday' }] }, /^upsert row 0: update_time: must be unix seconds/);
    await bad({ delete: ['1', -4] }, /^delete row 1: must be a digit string/);
    await bad({ upsert: {} }, /^upsert: /);
    await bad({ remove: ['1'] }, /remove/);
    await bad('{not json', /not valid JSON/);
    expect((await profile(s, first.profile_id))!.first_name).toBe(first.first_name ?? null);
    expect(d.profiles).toHaveLength(20);
  });

  it('is neither counted nor faulted, and changeProfiles does the same in process', async () => {
    const d = generateXtremepushDataset({ profiles: 20, seed: 14 });
    const s = await start({ dataset: d, faults: '5xx=1,seed=2' });
    for (let k = 0; k < 5; k++) expect((await post(s, '/__sim/profiles', { upsert: [{ profile_id: d.profiles[k]!.profile_id, first_name: `n${k}` }] })).status).toBe(200);
    expect(s.stats()).toMatchObject({ calls: 0, faultsInjected: 0 });
    s.setFaults('');
    expect(s.changeProfiles({ upsert: [{ profile_id: '424242', email: 'in@process.io' }], delete: ['424243'] })).toEqual({ created: 1, updated: 0, deleted: 0, missing: ['424243'] });
    expect((await profile(s, '424242'))!.email).toBe('in@process.io');
    expect(() => s.changeProfiles({ upsert: [{ profile_id: 'x1' }] })).toThrow(/upsert row 0/);
  });
});
