/** `crm-migrate review` as a person starts it: the printed address works, nothing else does, SIGTERM stops it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from '../helpers/cli.js';
import { startHarness, type Harness } from '../helpers/harness.js';

describe('crm-migrate review', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ profiles: 20, confirm: false, createFields: false });
  });
  afterAll(async () => h?.close());

  it('prints a 127.0.0.1 address with a token, answers 401 without it, and exits 0 on SIGTERM', async () => {
    const cli = startCli(['review', '--config', h.configFile]);
    let out = '';
    cli.child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 20_000;
    while (!/http:\/\/127\.0\.0\.1:\d+\/map\?token=\S+/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const url = /http:\/\/127\.0\.0\.1:\d+\/map\?token=\S+/.exec(out)?.[0];
    expect(url, out).toBeDefined();
    const origin = new URL(url!).origin;
    expect((await fetch(`${origin}/map`)).status).toBe(401);
    const first = await fetch(url!, { redirect: 'manual' });
    expect(first.status).toBe(303);
    const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
    expect(first.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    const page = await fetch(`${origin}/map`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('attributes.loyalty_tier');
    cli.child.kill('SIGTERM');
    expect((await cli.done).code).toBe(0);
  });
});
