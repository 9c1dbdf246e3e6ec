/**
 * The source simulators the CLI starts (`sim --source`, `demo --source`): each returns its URL,
 * the `source:` section of a config pointing at it, and what to say about it.
 */
import { join } from 'node:path';
import { resolve } from 'node:path';
import {
  DatasetFileError, NETMERA_SEGMENT_ID, NETMERA_TYPICAL_SELECTION, datasetFromJsonl, generateNetmeraDataset, generateXtremepushDataset, type XtremepushDataset,
} from '../../simulators/generator/index.js';
import { startNetmeraSim } from '../../simulators/netmera/index.js';
import { startXtremepushSim } from '../../simulators/xtremepush/index.js';
import { ConfigError } from '../core/errors.js';

export const SIM_SOURCES = ['xtremepush', 'netmera'] as const;
export type SimSource = (typeof SIM_SOURCES)[number];

export interface RunningSourceSim {
  name: SimSource;
  url: string;
  /** One line about the account it serves. */
  label: string;
  /** What else the account holds, in a few words (for the demo's first lines). */
  detail: string;
  /** The `source:` section of a config for it, and its credential key with the environment variable a real config uses. */
  section: Record<string, unknown>;
  secret: { key: string; env: string };
  /** People with an email, for seeding a few of them into Freshsales first (the demo). */
  emails: string[];
  /** About how many destination calls a whole migration of this account plans (for the demo's time scale). */
  plannedCalls: number;
  close(): Promise<void>;
}

export function simSource(name: string | undefined): SimSource {
  const s = name ?? 'xtremepush';
  if (!(SIM_SOURCES as readonly string[]).includes(s)) throw new ConfigError(`--source must be ${SIM_SOURCES.join(' or ')} (got "${s}")`);
  return s as SimSource;
}

/**
 * Start one source simulator. Netmera also writes the panel's export files and the
 * definitions file into `<dir>/netmera-files`: users are read by key over the typical
 * segment selection (REST, N+1), events and push reports from the files, journeys and widgets
 * from the definitions.
 */
export async function startSourceSim(
  name: SimSource,
  o: { profiles: number; seed: number; dir: string; data?: string; port?: number; taskStatusCase?: 'title' | 'lower' | 'upper'; faults?: string },
): Promise<RunningSourceSim> {
  if (name === 'xtremepush') {
    const apptoken = `xp-sim-${o.seed}-token`;
    const { dataset, label } = simDataset(o);
    const xp = await startXtremepushSim({ apptoken, dataset, ...(o.taskStatusCase ? { taskStatusCase: o.taskStatusCase } : {}), ...(o.port ? { port: o.port } : {}) });
    return {
      name, url: xp.url, label, detail: `${dataset.messages.length} sends, ${dataset.events.length} events`,
      section: { type: 'xtremepush', baseUrl: xp.url, apptoken, pageSize: 500, exportPoll: { initialMs: 50 } },
      secret: { key: 'apptoken', env: 'XTREMEPUSH_APPTOKEN' },
      emails: dataset.profiles.flatMap((p) => (typeof p.email === 'string' ? [p.email] : [])),
      // Contacts and deals in bulk, one task per campaign interaction and high-value event.
      plannedCalls:
        (dataset.profiles.length / 100) * 5 + 20 +
        // A --data file may leave flags out or write them as text.
        dataset.messages.reduce((n, m) => n + (Number(m.delivery) || 0) + (Number(m.open) || 0) + (Number(m.click) || 0), 0) +
        dataset.events.filter((e) => e.event === 'deposit' || e.event === 'purchase').length,
      close: () => xp.close(),
    };
  }
  if (o.data !== undefined) throw new ConfigError('--data serves Xtremepush data only; the Netmera simulator generates its account (--profiles, --seed)');
  const apiKey = `nm-sim-${o.seed}-key`;
  const folder = join(o.dir, 'netmera-files');
  const dataset = generateNetmeraDataset({ seed: o.seed, users: o.profiles });
  const nm = await startNetmeraSim({ apiKey, dataset, files: { dir: folder }, ...(o.faults ? { faults: o.faults } : {}), ...(o.port ? { port: o.port } : {}) });
  return {
    name, url: nm.url,
    label: `${dataset.users.length} users, seed ${o.seed}; export files and netmera-definitions.json in ${folder}`,
    detail: `${dataset.campaigns.length} campaigns, ${dataset.journeys.length} journeys, ${dataset.widgets.length} widgets`,
    section: {
      type: 'netmera', baseUrl: nm.url, apiKey,
      // The segments a typical migration chooses, and the ready-made "all users" segment for the coverage check.
      segments: [...NETMERA_TYPICAL_SELECTION],
      populationSegment: NETMERA_SEGMENT_ID.all,
      files: { folder, users: 'rest', appKey: dataset.appKey, timestampOffset: '+03:00' },
      definitionsFile: join(folder, 'netmera-definitions.json'),
      pacing: { requestsPerSecond: 400, concurrency: 8 },
      // The generated account's campaigns run up to its own "now", not today's date.
      pushHistory: { since: new Date(dataset.now - 2 * 365 * 86_400_000).toISOString().slice(0, 10), until: new Date(dataset.now).toISOString().slice(0, 10) },
    },
    secret: { key: 'apiKey', env: 'NETMERA_API_KEY' },
    emails: dataset.users.flatMap((u) => (typeof u.profile.email === 'string' ? [u.profile.email] : [])),
    // Contacts in bulk, one task per per-recipient push result.
    plannedCalls: (dataset.users.length / 100) * 5 + 20 + Object.values(dataset.pushResults).reduce((n, rows) => n + rows.length, 0),
    close: () => nm.close(),
  };
}

/**
 * The account the Xtremepush simulator serves: the JSONL file given with `--data` (see
 * README, "The simulators"), or `profiles` generated from `seed`. A file that cannot be read
 * is a ConfigError naming the file and the line.
 */
export function simDataset(o: { profiles: number; seed: number; data?: string }): { dataset: XtremepushDataset; label: string } {
  if (o.data === undefined) return { dataset: generateXtremepushDataset({ profiles: o.profiles, seed: o.seed }), label: `${o.profiles} profiles, seed ${o.seed}` };
  try {
    const dataset = datasetFromJsonl(resolve(o.data));
    return { dataset, label: `${dataset.profiles.length} profiles from ${o.data}` };
  } catch (e) {
    if (e instanceof DatasetFileError) throw new ConfigError(`--data: ${e.message}`, { cause: e, file: e.file, ...(e.line > 0 ? { line: e.line } : {}) });
    throw e;
  }
}
