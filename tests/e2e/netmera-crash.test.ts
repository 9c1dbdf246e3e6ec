/**
 * Crash safety of a Netmera migration driven through the CLI: SIGKILL while users are read by
 * key (getProfileAttributes + getDevices + getCategoryPreferences per user), SIGKILL again while
 * tasks are created, then the same command once more finishes with nothing duplicated and
 * nothing lost.
 */
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emailKey } from '../../src/mapping/normalise.js';
import { openStore } from '../../src/pipeline/migrate.js';
import { markerKeyOf } from '../../src/pipeline/tasks.js';
import { checkBalance, type ReconciliationReport } from '../../src/reports/reconciliation.js';
import { runCli, startCli } from '../helpers/cli.js';
import { expectedInteractions, expectedNetmeraContacts, frozenUsers, loadableByEmail, nmKey, startNetmeraHarness, type NetmeraHarness } from '../helpers/netmera-harness.js';

let h: NetmeraHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** What the workdir's store holds right now (0s while the file does not exist yet). */
function progressOf(dbFile: string): { stagedContacts: number; extracted: boolean; contactBatches: { done: number; total: number }; tasks: number } {
  try {
    const db = new Database(dbFile, { readonly: true, fileMustExist: true });
    try {
      const staged = (db.prepare(`SELECT COUNT(*) AS n FROM staged WHERE object = 'contact'`).get() as { n: number }).n;
      const extracted = db.prepare(`SELECT 1 FROM checkpoints WHERE stream = 'contact:extracted' AND value = 'done'`).get() !== undefined;
      const batches = db.prepare(`SELECT SUM(status = 'done') AS done, COUNT(*) AS total FROM batches WHERE object = 'contact'`).get() as { done: number | null; total: number };
      const tasks = (db.prepare(`SELECT COUNT(*) AS n FROM journal WHERE object = 'task'`).get() as { n: number }).n;
      return { stagedContacts: staged, extracted, contactBatches: { done: batches.done ?? 0, total: batches.total }, tasks };
    } finally {
      db.close();
    }
  } catch {
    return { stagedContacts: 0, extracted: false, contactBatches: { done: 0, total: 0 }, tasks: 0 };
  }
}

/** Lines of the CLI's stderr that are not log lines below error level (warnings about left-out members are expected), JSON or text. */
function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => {
    if (line.trim() === '' || /^(warning|info|debug|trace): /.test(line)) return false;
    try {
      return !((JSON.parse(line) as { level?: unknown }).level as number < 50);
    } catch {
      return true;
    }
  });
}

/** Start `migrate` and SIGKILL it as soon as `when` holds; what the store held at the kill. */
async function killWhen(hh: NetmeraHarness, out: string, when: (p: ReturnType<typeof progressOf>) => boolean) {
  const dbFile = join(hh.loaded.workdir, 'state.db');
  const run = startCli(['migrate', '--config', hh.configFile, '--out', out]);
  let at: ReturnType<typeof progressOf> | null = null;
  for (let i = 0; i < 1200 && at === null; i++) {
    await new Promise((r) => setTimeout(r, 25));
    const p = progressOf(dbFile);
    if (when(p)) {
      run.child.kill('SIGKILL');
      at = p;
    }
  }
  const r = await run.done;
  expect(r.signal, r.stderr).toBe('SIGKILL');
  return at!;
}

describe('crash safety of a Netmera migration', () => {
  it('SIGKILL during the per-user extraction and again during loading: the same command then finishes, nothing duplicated, nothing lost', async () => {
    // 250 Netmera calls a second, 3 per user: reading the users by key takes a second or two, so the first kill lands in it.
    // Bulk jobs of 1.5 s and batches of 25: loading the contacts takes seconds too, so the second kill lands between batches.
    h = await startNetmeraHarness({
      users: 200, seed: 47, objects: 'all', source: { pacing: { requestsPerSecond: 250, concurrency: 8 } }, fs: { timeScale: 3600, bulkJobMs: 1500 * 3600 }, run: { batchSize: 25 },
    });
    const ds = h.dataset;
    const users = frozenUsers(ds, 0);
    const want = expectedNetmeraContacts(ds, users);
    const out = join(h.dir, 'out');
    const profileReadsBefore = h.nm.stats().byRoute.getProfileAttributes ?? 0;

    const first = await killWhen(h, out, (p) => p.stagedContacts >= 100 && !p.extracted);
    expect(first.stagedContacts).toBeLessThan(users.length);

    const second = await killWhen(h, out, (p) => p.contactBatches.done >= 1);
    expect(second.extracted).toBe(true);
    expect(second.contactBatches.done).toBeLessThan(second.contactBatches.total);

    const third = await killWhen(h, out, (p) => p.tasks >= 40);

    const last = await runCli(['migrate', '--config', h.configFile, '--out', out]);
    expect(errorLines(last.stderr)).toEqual([]);
    expect(last.code).toBe(0);
    expect(last.stdout).toContain('resuming run');
    // Each user is read once, but for the page of keys in flight when the extraction was killed
    // (100 keys): resuming starts after the last page staged, and no run samples users again.
    const profileReads = (h.nm.stats().byRoute.getProfileAttributes ?? 0) - profileReadsBefore;
    expect(profileReads).toBeGreaterThanOrEqual(users.length);
    expect(profileReads).toBeLessThanOrEqual(users.length + 100);

    // Nothing duplicated: one contact per email, one task per interaction, each task journaled once.
    const snap = h.fs.snapshot() as unknown as { contacts: Array<{ id: number; email: string }>; tasks: Array<{ id: number; description: string }> };
    const emails = snap.contacts.map((c) => emailKey(c.email));
    expect(new Set(emails).size).toBe(emails.length);
    const markers = snap.tasks.map((t) => markerKeyOf(t.description));
    expect(markers.every((m) => m !== null)).toBe(true);
    expect(new Set(markers).size).toBe(snap.tasks.length);

    // Nothing lost: every in-scope user with a usable email is a contact; the reconciliation balances exactly.
    for (const k of loadableByEmail(ds, users).keys()) expect(emails, k).toContain(k);
    expect(snap.contacts.length).toBe(want.loaded);
    const report = JSON.parse(readFileSync(join(out, 'latest', 'reconciliation.json'), 'utf8')) as ReconciliationReport;
    for (const p of report.phases) {
      expect(checkBalance(p), p.object).toBeNull();
      expect(p.failed, `${p.object} failed`).toBe(0);
      expect(p.mismatched, `${p.object} mismatched`).toBe(0);
    }
    const byObject = Object.fromEntries(report.phases.map((p) => [p.object, p]));
    expect(byObject.contact).toMatchObject({ source: users.length, quarantined: want.quarantined, merged: want.merged, created: want.loaded, updated: 0 });
    const store = openStore(h.loaded);
    try {
      const contacts = await store.journal(report.runId, 'contact', 0, 100_000);
      const tasks = await store.journal(report.runId, 'task', 0, 100_000);
      expect(new Set(contacts.map((j) => j.destId)).size).toBe(want.loaded);
      expect(tasks.length).toBe(snap.tasks.length);
      expect(new Set(tasks.map((j) => j.destId)).size).toBe(snap.tasks.length);
      const ids = new Set(snap.tasks.map((t) => String(t.id)));
      for (const j of tasks) expect(ids.has(j.destId)).toBe(true);
      expect(byObject.task!.created).toBe(snap.tasks.length);
      // Every push interaction of a user who became a contact (or merged into one) is a task.
      const survivor = await store.mergedInto(report.runId, 'contact', users.map((u) => nmKey(u.extId!)));
      const loaded = new Set(contacts.map((j) => j.sourceKey));
      const linked = [...expectedInteractions(ds)].filter(([, v]) => loaded.has(survivor.get(nmKey(v.extId)) ?? nmKey(v.extId))).map(([k]) => k);
      expect(new Set(markers)).toEqual(new Set(linked));
    } finally {
      store.close();
    }
    expect(third.tasks).toBeLessThan(snap.tasks.length);
  });
});
