/** `sim --existing N`: Freshsales starts with N contacts, some of them the source's people under another email case. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'crm-sim-existing-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Json = Record<string, unknown>;

describe('sim --existing N', () => {
  it('seeds N contacts before the config is ready: half share a source email in upper case, the rest are unrelated, and says so', async () => {
    const config = join(dir, 'sim.yaml');
    const cli = startCli(['sim', '--profiles', '60', '--seed', '9', '--existing', '7', '--config-out', config]);
    try {
      const out = await new Promise<string>((resolve, reject) => {
        let text = '';
        cli.child.stdout!.on('data', (d: Buffer) => {
          text += d.toString();
          if (text.includes('config written to')) resolve(text);
        });
        cli.child.on('close', () => reject(new Error(`sim exited early: ${text}`)));
      });
      expect(out).toContain('Freshsales: 7 pre-existing contacts seeded — 4 share an email with Xtremepush people (upper-cased: a migration updates them, keeping before-images), 3 unrelated people');
      const fsUrl = /Freshsales simulator: (http:\/\/\S+) \(/.exec(out)![1]!;
      const xpUrl = /Xtremepush simulator: (http:\/\/\S+) \(/.exec(out)![1]!;
      const apptoken = /^\s+apptoken: (\S+)$/m.exec(readFileSync(config, 'utf8'))![1]!.replace(/^["']|["']$/g, '');

      const contacts = ((await (await fetch(`${fsUrl}/__sim/state`)).json()) as { contacts: Json[] }).contacts;
      const profiles = ((await (await fetch(`${xpUrl}/api/external/list/profile`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apptoken, limit: 1000 }),
      })).json()) as { data: Json[] }).data;
      const sourceEmails = new Map(profiles.flatMap((p) => (typeof p.email === 'string' ? [[p.email.trim().toLowerCase(), p.email.trim()] as const] : [])));

      expect(contacts).toHaveLength(7);
      const shared = contacts.filter((c) => sourceEmails.has(String(c.email).toLowerCase()));
      expect(shared).toHaveLength(4);
      for (const c of shared) {
        expect(c).toMatchObject({ first_name: 'Existing', job_title: 'Imported 2019' });
        // The same person under another case of the address.
        expect(c.email).toBe(String(c.email).toUpperCase());
        expect(c.email).not.toBe(sourceEmails.get(String(c.email).toLowerCase()));
      }
      const unrelated = contacts.filter((c) => !shared.includes(c));
      expect(unrelated).toHaveLength(3);
      for (const c of unrelated) {
        expect(c.email).toMatch(/@crm\.example\.net$/);
        expect(c.first_name).not.toBe('Existing');
      }
      // Made in process, before the run: nothing was counted against the account's budget.
      expect(((await (await fetch(`${fsUrl}/__sim/stats`)).json()) as { calls: number }).calls).toBe(0);
    } finally {
      cli.child.kill('SIGINT');
      await cli.done;
    }
  }, 60_000);
});
