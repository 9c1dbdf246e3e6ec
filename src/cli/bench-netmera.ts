/**
 * The Netmera part of `npm run bench`: extraction through the REST API (users by key over the
 * frozen segments: source calls per user and users per second against the source pacing), the
 * file path's local throughput (the Export Users file), and peak RSS of a whole extraction at
 * 10× the users against 1× (each in a child process, so its RSS is its own).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NETMERA_SEGMENT_ID, NETMERA_TYPICAL_SELECTION, generateNetmeraDataset } from '../../simulators/generator/index.js';
import { startNetmeraSim, writeNetmeraFiles } from '../../simulators/netmera/index.js';
import { NetmeraConfig } from '../connectors/netmera/index.js';
import { createSource } from '../connectors/registry.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { sourceContacts } from '../pipeline/source-contacts.js';
import type { Io } from './commands.js';

const BIN = resolve(fileURLToPath(new URL('../../bin/crm-migrate.mjs', import.meta.url)));
const API_KEY = 'nm-bench-key';
/** The calls one user costs on the REST path by design (profile, devices, category preferences). */
const PER_USER_ROUTES = ['getProfileAttributes', 'getDevices', 'getCategoryPreferences'];

function sourceSection(url: string, extra: Record<string, unknown>): NetmeraConfig {
  return NetmeraConfig.parse({ type: 'netmera', baseUrl: url, apiKey: API_KEY, segments: [...NETMERA_TYPICAL_SELECTION], populationSegment: NETMERA_SEGMENT_ID.all, ...extra });
}

/** Read every contact of the source once; the number read. */
async function extractAll(cfg: NetmeraConfig, logger: Logger): Promise<number> {
  const source = createSource(cfg, { logger });
  try {
    let n = 0;
    for await (const records of sourceContacts(source)) n += records.length;
    return n;
  } finally {
    await source.close();
  }
}

export async function benchNetmera(io: Io, o: { users: number; large: number; skipMemory: boolean }): Promise<void> {
  // 1. REST path: pacing is the bound (Netmera publishes no limit; the setting is the customer's).
  const rate = 300;
  io.out('');
  io.out(`bench netmera 1/3: ${o.users} users by key over the frozen segments, pacing ${rate} calls/s …`);
  const dataset = generateNetmeraDataset({ seed: 7, users: o.users });
  const dir = mkdtempSync(join(tmpdir(), 'crm-bench-nm-'));
  const nm = await startNetmeraSim({ apiKey: API_KEY, dataset });
  try {
    const cfg = sourceSection(nm.url, { pacing: { requestsPerSecond: rate, concurrency: 8 } });
    // Rows the source leaves out are the connector tests' business, not the measurement's.
    const source = createSource(cfg, { logger: silentLogger() });
    let users = 0;
    let calls = 0;
    let byKeyMs = 0;
    try {
      // Time only the per-user reads (the segment freeze is a handful of calls).
      const timed = { ...source, contactsByKey: async (keys: string[]) => {
        const before = nm.stats().byRoute;
        const t0 = performance.now();
        const out = await source.contactsByKey!(keys);
        byKeyMs += performance.now() - t0;
        const after = nm.stats().byRoute;
        for (const r of PER_USER_ROUTES) calls += (after[r] ?? 0) - (before[r] ?? 0);
        users += keys.length;
        return out;
      } };
      for await (const _ of sourceContacts(timed)) void _;
    } finally {
      await source.close();
    }
    const perUser = calls / Math.max(1, users);
    const usersPerS = users / (byKeyMs / 1000);
    io.out(`source calls per user (REST path)               ${perUser.toFixed(3)}   (aim ≤ 3)`);
    io.out(`pacing ratio  users/s ÷ (pacing / calls per user)   ${(usersPerS / (rate / Math.max(1, perUser))).toFixed(3)}   (aim ≥ 0.9; ${usersPerS.toFixed(0)} users/s)`);

    // 2. File path: the Export Users file, read locally.
    io.out(`bench netmera 2/3: the same users from the Export Users file …`);
    const files = join(dir, 'files');
    await writeNetmeraFiles(dataset, files);
    const t0 = performance.now();
    const fromFile = await extractAll(sourceSection(nm.url, { files: { folder: files, users: 'file' } }), silentLogger());
    const fileS = (performance.now() - t0) / 1000;
    io.out(`file path throughput                            ${(fromFile / fileS).toFixed(0)} users/s locally (${fromFile} users in ${fileS.toFixed(2)} s)`);
  } finally {
    await nm.close();
    rmSync(dir, { recursive: true, force: true });
  }
  if (o.skipMemory) return;

  // 3. Memory: a whole REST extraction in a child process at 1× and 10× (pacing not binding).
  io.out(`bench netmera 3/3: peak RSS of an extraction, ${o.users} and ${o.large} users …`);
  const small = await probe(o.users);
  const large = await probe(o.large);
  io.out(`peak RSS ${o.users} users    ${(small / 1024).toFixed(0)} MiB;  ${o.large} users ${(large / 1024).toFixed(0)} MiB`);
  io.out(`netmera memory ratio  peak RSS ${o.large} ÷ ${o.users}     ${(large / small).toFixed(3)}   (aim ≤ 1.3)`);
}

/** Peak RSS (KiB) of a child process extracting `users` users by key (`bench-probe netmera`). */
async function probe(users: number): Promise<number> {
  const dataset = generateNetmeraDataset({ seed: 7, users });
  const nm = await startNetmeraSim({ apiKey: API_KEY, dataset });
  try {
    const cfg = JSON.stringify({ type: 'netmera', baseUrl: nm.url, apiKey: API_KEY, segments: [...NETMERA_TYPICAL_SELECTION], pacing: { requestsPerSecond: 1000, concurrency: 16 } });
    const out = await new Promise<string>((res, rej) => {
      const child = spawn(process.execPath, [BIN, 'bench-probe', cfg], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, CRM_MIGRATE_LOG_LEVEL: 'error' } });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.on('error', rej);
      child.on('exit', (c) => (c === 0 ? res(text) : rej(new Error(`bench probe of ${users} users exited ${c}`))));
    });
    return (JSON.parse(out) as { maxRssKb: number }).maxRssKb;
  } finally {
    await nm.close();
  }
}

/** `bench-probe <source section as JSON>` (hidden): extract every contact, print the peak RSS. */
export async function benchProbe(section: string, io: Io): Promise<number> {
  const n = await extractAll(NetmeraConfig.parse(JSON.parse(section)), io.logger);
  io.out(JSON.stringify({ users: n, maxRssKb: process.resourceUsage().maxRSS }));
  return 0;
}
