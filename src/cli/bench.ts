/**
 * `npm run bench`: throughput, quota use and memory against the simulators, printed as
 * ratios. Simulators run in this process; each migration runs in a child process (the
 * real CLI) so its peak RSS is its own.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plan } from '../../simulators/freshsales/index.js';
import { HOURLY_BUDGET } from '../connectors/freshsales/index.js';
import type { Io } from './commands.js';
import { EXIT } from './exit-codes.js';
import { benchNetmera } from './bench-netmera.js';
import { benchLifecycle } from './bench-lifecycle.js';
import { benchWorkdir } from './bench-workdir.js';
import { benchProposer } from './bench-proposer.js';

const BIN = resolve(fileURLToPath(new URL('../../bin/crm-migrate.mjs', import.meta.url)));

interface Metrics {
  timingsMs: Record<string, number>;
  contactsWritten: number;
  loadCalls: number;
  calls: number;
  rateLimited: number;
  maxRssKb: number;
}

interface BenchRun {
  profiles: number;
  plan: Plan;
  timeScale: number;
  metrics: Metrics;
  wallMs: number;
  simRateLimited: number;
}

async function runOnce(io: Io, profiles: number, plan: Plan, timeScale: number): Promise<BenchRun> {
  const { dir, configFile, fs, close } = await benchWorkdir(io, profiles, plan, timeScale);
  try {
    const before = fs.stats();
    const t0 = Date.now();
    const code = await new Promise<number>((res, rej) => {
      const child = spawn(process.execPath, [BIN, 'migrate', '--config', configFile, '--out', join(dir, 'out')], {
        stdio: ['ignore', 'ignore', 'inherit'],
        env: { ...process.env, CRM_MIGRATE_LOG_LEVEL: 'error' },
      });
      child.on('error', rej);
      child.on('exit', (c) => res(c ?? 1));
    });
    const wallMs = Date.now() - t0;
    if (code !== 0) throw new Error(`bench migration of ${profiles} profiles exited ${code}`);
    const metrics = JSON.parse(readFileSync(join(dir, 'out', 'latest', 'run-metrics.json'), 'utf8')) as Metrics;
    return { profiles, plan, timeScale, metrics, wallMs, simRateLimited: fs.stats().rateLimited - before.rateLimited };
  } finally {
    await close();
  }
}

export async function bench(o: { profiles: number; large: number; skipMemory: boolean; netmeraUsers?: number; netmeraLarge?: number }, io: Io): Promise<number> {
  // Throughput: growth plan, an "hour" of budget in 36 s, so the pacer is what bounds speed.
  const ts = 100;
  benchProposer(io);
  io.out(`bench 1/3: ${o.profiles} profiles, growth plan (1,000 calls/h), time scale ${ts} …`);
  const t = await runOnce(io, o.profiles, 'growth', ts);
  const loadS = (t.metrics.timingsMs['contact:load'] ?? 0) / 1000;
  const budgetPerS = HOURLY_BUDGET.growth / (3600 / ts);
  const written = t.metrics.contactsWritten;
  const throughput = written / loadS / (budgetPerS * 100);
  const pacing = t.metrics.loadCalls / loadS / budgetPerS;
  const per100 = t.metrics.calls / (written / 100);
  io.out('');
  io.out(`contacts written                         ${written} in ${loadS.toFixed(1)} s of loading (${(t.wallMs / 1000).toFixed(1)} s end to end)`);
  io.out(`throughput ratio  written/s ÷ (budget/s × 100)   ${throughput.toFixed(3)}   (aim ≥ 0.9; bound with read-back verification ≈ 1/calls-per-100)`);
  io.out(`budget use        load calls/s ÷ budget/s        ${pacing.toFixed(3)}`);
  io.out(`429s received                                    ${t.metrics.rateLimited} (simulator counted ${t.simRateLimited})`);
  io.out(`calls per 100 contacts, verification included   ${per100.toFixed(3)}   (aim ≤ 2.2)`);
  await benchLifecycle(io, { profiles: o.profiles });
  if (o.skipMemory) {
    await benchNetmera(io, { users: o.netmeraUsers ?? 2000, large: o.netmeraLarge ?? 20000, skipMemory: true });
    return EXIT.ok;
  }

  // Memory: budget not binding (enterprise, strongly scaled) so both runs do the same work per record.
  io.out('');
  io.out(`bench 2/3: memory reference, ${o.profiles} profiles …`);
  const small = await runOnce(io, o.profiles, 'enterprise', 36_000);
  io.out(`bench 3/3: memory, ${o.large} profiles …`);
  const large = await runOnce(io, o.large, 'enterprise', 36_000);
  const ratio = large.metrics.maxRssKb / small.metrics.maxRssKb;
  io.out('');
  io.out(`peak RSS ${o.profiles} profiles    ${(small.metrics.maxRssKb / 1024).toFixed(0)} MiB  (${(small.wallMs / 1000).toFixed(1)} s)`);
  io.out(`peak RSS ${o.large} profiles   ${(large.metrics.maxRssKb / 1024).toFixed(0)} MiB  (${(large.wallMs / 1000).toFixed(1)} s)`);
  io.out(`memory ratio  peak RSS ${o.large} ÷ ${o.profiles}     ${ratio.toFixed(3)}   (aim ≤ 1.5)`);
  await benchNetmera(io, { users: o.netmeraUsers ?? 2000, large: o.netmeraLarge ?? 20000, skipMemory: false });
  return EXIT.ok;
}
