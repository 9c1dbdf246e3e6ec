/**
 * Netmera test harness: the Netmera simulator (with its export files and definitions file in a
 * folder, faults and limits as asked), the Freshsales simulator, a config written the way
 * `crm-migrate sim --source netmera` writes it (the typical segment selection, the all-users
 * segment for the coverage check, the files folder), a proposed map whose custom fields exist
 * on the Freshsales simulator, and (optionally) the map confirmed. Also what a correct
 * migration of the generated account must end with, computed from the generator's truth.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import {
  NETMERA_SEGMENT_ID, NETMERA_TYPICAL_SELECTION, generateNetmeraDataset, hasInstalledOs, memberAt, type NetmeraDataset, type NetmeraUser,
} from '../../simulators/generator/index.js';
import { ALTERNATE_READINGS as NETMERA_ALTERNATE, startNetmeraSim, type NetmeraReadings, type NetmeraSim, type NetmeraSimOptions } from '../../simulators/netmera/index.js';
import { startFreshsalesSim, type FreshsalesSim, type FreshsalesSimOptions } from '../../simulators/freshsales/index.js';
import { writeSimConfig } from '../../src/cli/sim-config.js';
import { silentLogger } from '../../src/core/logger.js';
import { createSource } from '../../src/connectors/registry.js';
import { emailKey } from '../../src/mapping/normalise.js';
import { loadConfig, type LoadedConfig } from '../../src/pipeline/config.js';
import { confirmMap, proposeMap } from '../../src/pipeline/map-gate.js';
import { openStore } from '../../src/pipeline/migrate.js';
import { runSchemaApply } from '../../src/pipeline/schema.js';
import { API_KEY, simReadings } from './harness.js';

export const NETMERA_API_KEY = 'nm-test-key-3c9e51';

/** Whether this process runs the simulators under their alternate readings (`CRM_SIM_READINGS=alternate`). */
export function alternateReadings(): boolean {
  simReadings(); // refuses a CRM_SIM_READINGS that is neither reading
  return process.env.CRM_SIM_READINGS === 'alternate';
}

/**
 * The readings the Netmera simulator runs under: the notes' (recorded, the defaults), or with
 * `CRM_SIM_READINGS=alternate` the other side of every open point, as the Freshsales simulator
 * does with `simReadings()`.
 */
export function netmeraReadings(): Partial<NetmeraReadings> {
  return alternateReadings() ? { ...NETMERA_ALTERNATE } : {};
}

export interface NetmeraHarness {
  dir: string;
  configFile: string;
  loaded: LoadedConfig;
  nm: NetmeraSim;
  fs: FreshsalesSim;
  dataset: NetmeraDataset;
  /** The folder holding the export files and netmera-definitions.json. */
  filesDir: string;
  close(): Promise<void>;
}

export interface NetmeraHarnessOptions {
  users: number;
  seed?: number;
  /** Netmera simulator options (faults, limits, timeScale, burstAs...); the readings come from `netmeraReadings()` unless given here. */
  netmera?: Partial<Omit<NetmeraSimOptions, 'apiKey' | 'dataset' | 'files'>>;
  fs?: Partial<FreshsalesSimOptions>;
  /** Where contacts come from: the REST API by key over the frozen segments ('rest', as `sim` configures it) or the Export Users file ('file'). */
  contactsFrom?: 'rest' | 'file';
  /** Merged into the config's `source:` section (pacing, retry, timeoutMs, pageSize...). */
  source?: Record<string, unknown>;
  /** 'contacts' (default) strips the proposed task and deal sections; 'all' keeps the task section (push interactions). */
  objects?: 'contacts' | 'all';
  confirm?: boolean;
  createFields?: boolean;
  run?: { concurrency?: number; batchSize?: number };
}

/** Start both simulators, write the config, propose the map, create its fields and confirm it. */
export async function startNetmeraHarness(opts: NetmeraHarnessOptions): Promise<NetmeraHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-nm-'));
  const seed = opts.seed ?? 17;
  const dataset = generateNetmeraDataset({ seed, users: opts.users });
  const filesDir = join(dir, 'netmera-files');
  const nm = await startNetmeraSim({ ...netmeraReadings(), apiKey: NETMERA_API_KEY, dataset, files: { dir: filesDir }, ...opts.netmera });
  const timeScale = opts.fs?.timeScale ?? 3600;
  let fs: FreshsalesSim;
  try {
    fs = await startFreshsalesSim({ ...simReadings(), apiKey: API_KEY, plan: 'growth', timeScale, seed, ...opts.fs });
  } catch (e) {
    await nm.close();
    throw e;
  }
  const configFile = join(dir, 'config.yaml');
  const source = {
    type: 'netmera', baseUrl: nm.url, apiKey: NETMERA_API_KEY,
    segments: [...NETMERA_TYPICAL_SELECTION],
    populationSegment: NETMERA_SEGMENT_ID.all,
    files: { folder: filesDir, users: opts.contactsFrom ?? 'rest', appKey: dataset.appKey, timestampOffset: '+03:00' },
    definitionsFile: join(filesDir, 'netmera-definitions.json'),
    pacing: { requestsPerSecond: 400, concurrency: 8 },
    // The generated account's campaigns run up to its own "now", not today's date.
    pushHistory: { since: new Date(dataset.now - 2 * 365 * 86_400_000).toISOString().slice(0, 10), until: new Date(dataset.now).toISOString().slice(0, 10) },
    ...opts.source,
  };
  writeSimConfig(configFile, { source, sourceSecret: { key: 'apiKey', env: 'NETMERA_API_KEY' }, freshsalesUrl: fs.url, apiKey: API_KEY, plan: opts.fs?.plan ?? 'growth', timeScale }, { workdir: 'state' });
  const close = async () => {
    await Promise.all([nm.close(), fs.close()]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (opts.run) {
      // In the file, so the CLI runs with them too.
      const config = parseDocument(readFileSync(configFile, 'utf8'));
      for (const [k, v] of Object.entries(opts.run)) config.setIn(['run', k], v);
      writeFileSync(configFile, config.toString(), { mode: 0o600 });
    }
    const loaded = loadConfig(configFile);
    const src = createSource(loaded.config.source, { logger: silentLogger() });
    try {
      await proposeMap({ source: src, mappingFile: loaded.mappingFile, sampleSize: 5000, force: true });
    } finally {
      await src.close();
    }
    const doc = parseDocument(readFileSync(loaded.mappingFile, 'utf8'));
    if (opts.objects !== 'all') doc.deleteIn(['objects', 'task']);
    doc.deleteIn(['objects', 'deal']);
    writeFileSync(loaded.mappingFile, doc.toString());
    if (opts.createFields !== false) await runSchemaApply({ loaded, logger: silentLogger() });
    if (opts.confirm !== false) {
      const store = openStore(loaded);
      try {
        await confirmMap({ store, mappingFile: loaded.mappingFile, by: 'test', now: new Date() });
      } finally {
        store.close();
      }
    }
    return { dir, configFile, loaded, nm, fs, dataset, filesDir, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** The source key the connector gives a user (extId-keyed users only). */
export const nmKey = (extId: string) => `netmera:user:${extId}`;

/** Whether the segment calls answer per OS (the notes' reading): then a member needs an installed iOS or Android app to be listed. */
export function segmentsPerOs(): boolean {
  return !alternateReadings();
}

/**
 * The users a migration scoped at recalculation `epoch` freezes: members of the typical
 * selection with an external id (members without one cannot be read by key) — and, when the
 * segment calls answer per OS, only those with an installed iOS or Android app (no OS answer
 * lists anyone else). Generation order.
 */
export function frozenUsers(ds: NetmeraDataset, epoch = 0, perOs = segmentsPerOs()): NetmeraUser[] {
  const chosen = ds.segments.filter((s) => NETMERA_TYPICAL_SELECTION.includes(s.id));
  return ds.users.filter(
    (u) => u.extId !== null && chosen.some((s) => memberAt(ds.seed, s, u, ds.now, epoch)) && (!perOs || hasInstalledOs(u, 'IOS') || hasInstalledOs(u, 'ANDROID')),
  );
}

/** Segment names each user of `users` belongs to at `epoch` (the typical selection only). */
export function segmentNamesAt(ds: NetmeraDataset, users: readonly NetmeraUser[], epoch = 0): Map<string, string[]> {
  const chosen = ds.segments.filter((s) => NETMERA_TYPICAL_SELECTION.includes(s.id));
  return new Map(users.map((u) => [u.key, chosen.filter((s) => memberAt(ds.seed, s, u, ds.now, epoch)).map((s) => s.name)]));
}

/** What the contact phase must end with for `users`: source, quarantined (no usable email), merged (same email), loaded. */
export function expectedNetmeraContacts(ds: NetmeraDataset, users: readonly NetmeraUser[]) {
  const t = ds.truth;
  const inScope = new Set(users.map((u) => u.key));
  const unusable = new Set([...t.missingEmail, ...t.invalidEmail]);
  const quarantined = users.filter((u) => unusable.has(u.key)).length;
  let merged = 0;
  for (const g of t.duplicateGroups) {
    const valid = g.keys.filter((k) => inScope.has(k) && !unusable.has(k));
    if (valid.length > 1) merged += valid.length - 1;
  }
  return { source: users.length, quarantined, merged, loaded: users.length - quarantined - merged };
}

/** The kind a push result status is migrated as (getPushResult / Push Reports statuses). */
const KIND: Record<string, string | undefined> = { SUCCESS: 'delivered', DELIVERED: 'delivered', SHOWN: 'opened', CLICKED: 'clicked' };

/** Every interaction the account's push results hold, by key: its user and its original instant (the first report of it). */
export function expectedInteractions(ds: NetmeraDataset): Map<string, { extId: string; at: number }> {
  const out = new Map<string, { extId: string; at: number }>();
  for (const [nk, rows] of Object.entries(ds.pushResults)) {
    for (const r of rows) {
      const kind = KIND[r.status];
      if (!kind || r.extId === null) continue;
      const key = `netmera:push:${nk}:${r.extId}:${kind}`;
      const had = out.get(key);
      if (!had || r.timeStamp < had.at) out.set(key, { extId: r.extId, at: r.timeStamp });
    }
  }
  return out;
}

/** Users of `users` whose email Freshsales takes, by email key (several users can share one). */
export function loadableByEmail(ds: NetmeraDataset, users: readonly NetmeraUser[]): Map<string, NetmeraUser[]> {
  const unusable = new Set([...ds.truth.missingEmail, ...ds.truth.invalidEmail]);
  const out = new Map<string, NetmeraUser[]>();
  for (const u of users) {
    if (unusable.has(u.key)) continue;
    const k = emailKey(String(u.profile.email));
    if (k === null) throw new Error(`${u.key}: the truth calls ${String(u.profile.email)} usable, the normaliser does not`);
    out.set(k, [...(out.get(k) ?? []), u]);
  }
  return out;
}

/** Put people into Freshsales before the run (upper-cased email, other names): the run must update them. */
export async function seedFreshsalesContacts(fs: FreshsalesSim, emails: readonly string[]): Promise<void> {
  for (const email of emails) {
    // POST /api/contacts — freshsales.md "Endpoints": create a contact.
    const res = await fetch(`${fs.url}/api/contacts`, {
      method: 'POST',
      headers: { authorization: `Token token=${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ contact: { emails: email.toUpperCase(), first_name: 'Existing', last_name: 'In Freshsales', job_title: 'Imported 2019' } }),
    });
    if (res.status !== 201) throw new Error(`seeding ${email}: HTTP ${res.status} ${await res.text()}`);
  }
}
