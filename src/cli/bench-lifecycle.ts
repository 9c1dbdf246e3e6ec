/**
 * The lifecycle part of `npm run bench`: a full run, a cutover delta touching 1% of the
 * contacts, and a rollback of everything, in process against the simulators (budget not
 * binding). Prints the delta's calls ÷ the full run's, and the rollback's calls per 100
 * records created.
 */
import { join } from 'node:path';
import { silentProgress } from '../pipeline/progress.js';
import { runMigrate } from '../pipeline/migrate.js';
import { runRollback } from '../pipeline/rollback.js';
import type { Io } from './commands.js';
import { benchWorkdir } from './bench-workdir.js';

export async function benchLifecycle(io: Io, o: { profiles: number }): Promise<void> {
  io.out('');
  io.out(`bench lifecycle: ${o.profiles} profiles — full run, a delta touching 1% of them, rollback of everything …`);
  const w = await benchWorkdir(io, o.profiles, 'enterprise', 36_000);
  try {
    const out = join(w.dir, 'out');
    const run = (delta: boolean) => runMigrate({ loaded: w.loaded, outDir: out, logger: io.logger, progress: silentProgress, confirmLongRun: async () => true, ...(delta ? { delta: true } : {}) });
    const full = await run(false);
    const fullCalls = full.report.apiCalls.destination;
    // 1% of the profiles change a name (their update_time moves).
    const changed = w.xp.dataset.profiles.filter((_, i) => i % 100 === 0).map((p) => ({ profile_id: p.profile_id, first_name: `Changed ${p.profile_id}` }));
    w.xp.changeProfiles({ upsert: changed });
    const delta = await run(true);
    const deltaCalls = delta.report.apiCalls.destination;
    const created = [full, delta].reduce((n, r) => n + r.report.phases.reduce((m, p) => m + p.created, 0), 0);
    const rb = await runRollback({ loaded: w.loaded, outDir: out, logger: io.logger, progress: silentProgress, all: true });
    const deleted = rb.report.phases.reduce((n, p) => n + p.deleted, 0);
    io.out('');
    io.out(`full run calls ${fullCalls}; delta over ${changed.length} changed profiles ${deltaCalls} calls (contacts written ${delta.report.phases[0]!.created + delta.report.phases[0]!.updated})`);
    io.out(`delta cost ratio  delta calls ÷ full-run calls   ${(deltaCalls / fullCalls).toFixed(3)}   (aim ≤ 0.03)`);
    io.out(`rollback: ${deleted} of ${created} created records deleted, ${rb.report.apiCalls} calls`);
    io.out(`rollback calls per 100 created records          ${(rb.report.apiCalls / (created / 100)).toFixed(3)}   (aim ≤ 1.1; includes the read that finds records edited since)`);
  } finally {
    await w.close();
  }
}
