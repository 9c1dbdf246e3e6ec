import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { generateXtremepushDataset } from '../../simulators/generator/index.js';
import { startXtremepushSim, type XtremepushSim } from '../../simulators/xtremepush/index.js';
import { silentLogger } from '../../src/core/logger.js';
import { writeSimConfig } from '../../src/cli/sim-config.js';
import { mapConfirm, mapPropose, type Io } from '../../src/cli/commands.js';
import { mapHistoryExport, mapHistoryImport } from '../../src/cli/map-history.js';
import { loadConfig } from '../../src/pipeline/config.js';
import { readProposal, proposalFileFor } from '../../src/mapping/proposal.js';
import { loadMappingSpec, isCustomTarget, mappingHash } from '../../src/mapping/spec.js';
import { HistoryFile, organisationOf } from '../../src/pipeline/map-history.js';

const APPTOKEN = 'xp-history-token-3c9e';
/** Never called: propose, confirm and the history commands do not read Freshsales. */
const FRESHSALES = 'http://127.0.0.1:9/crm/sales';

/**
 * The proposer's history end to end through the commands: propose, a person changes one
 * attribute's target, confirm; the next proposal (in the same workdir, and in a fresh workdir of
 * another config after `map history import` of the exported file) offers the edited target, high,
 * with the confirmation as its evidence.
 */
describe('map history: a confirmed edit comes back in the next proposal', () => {
  let dir: string;
  let xp: XtremepushSim;
  const lines: string[] = [];
  const io: Io = { out: (l) => lines.push(l), logger: silentLogger(), quiet: true };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'crm-history-'));
    xp = await startXtremepushSim({ apptoken: APPTOKEN, dataset: generateXtremepushDataset({ profiles: 60, seed: 21 }) });
    const endpoints = { xtremepushUrl: xp.url, apptoken: APPTOKEN, freshsalesUrl: FRESHSALES, apiKey: 'fs-key', plan: 'growth' as const, timeScale: 3600 };
    // Two migrations, each in its own folder (config, map, proposal.json, workdir).
    for (const m of ['a', 'b']) {
      mkdirSync(join(dir, m));
      writeSimConfig(join(dir, m, 'config.yaml'), endpoints, { workdir: 'work' });
    }
    // The second names its organisation: an import files the history under it.
    writeFileSync(join(dir, 'b', 'config.yaml'), `organisation: Acme Betting\n${readFileSync(join(dir, 'b', 'config.yaml'), 'utf8')}`);
  });
  afterAll(async () => {
    await xp.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The proposed field reading `from` and its evidence, from the map and proposal.json as written. */
  const proposed = (config: string, from: string) => {
    const loaded = loadConfig(config);
    const field = loadMappingSpec(loaded.mappingFile).objects.contact.fields.find((f) => f.from === from);
    const evidence = readProposal(proposalFileFor(loaded.mappingFile)).fields.find((f) => f.from === from)?.evidence;
    return { field, evidence, yaml: readFileSync(loaded.mappingFile, 'utf8') };
  };

  it('remembers the edited target at confirm and offers it first, also in a fresh workdir after export and import', async () => {
    const a = join(dir, 'a', 'config.yaml');
    const b = join(dir, 'b', 'config.yaml');
    expect(await mapPropose({ config: a, sample: 5000, force: false }, io)).toBe(0);

    // A person changes one custom attribute's target.
    const loadedA = loadConfig(a);
    const doc = parseDocument(readFileSync(loadedA.mappingFile, 'utf8'));
    const fields = loadMappingSpec(loadedA.mappingFile).objects.contact.fields;
    const i = fields.findIndex((f) => f.from.startsWith('attributes.') && isCustomTarget(f.to) && f.values === undefined && f.resolve === undefined);
    expect(i).toBeGreaterThanOrEqual(0);
    const from = fields[i]!.from;
    const edited = { custom: 'Chosen by Ana', type: 'text' };
    expect(fields[i]!.to).not.toEqual(edited);
    doc.setIn(['objects', 'contact', 'fields', i, 'to'], doc.createNode(edited));
    doc.setIn(['objects', 'contact', 'fields', i, 'transform'], 'text');
    writeFileSync(loadedA.mappingFile, doc.toString());
    const hash = mappingHash(loadMappingSpec(loadedA.mappingFile));

    expect(await mapConfirm({ config: a, by: 'Ana (RevOps)' }, io)).toBe(0);
    expect(lines.join('\n')).toContain(`remembered for ${organisationOf(loadedA)}`);

    // The same workdir: the next proposal offers the confirmed target.
    expect(await mapPropose({ config: a, sample: 5000, force: true }, io)).toBe(0);
    const again = proposed(a, from);
    expect(again.field).toMatchObject({ to: edited, transform: 'text' });
    expect(again.evidence?.band).toBe('high');

    // A fresh workdir of another config knows nothing of it ...
    expect(await mapPropose({ config: b, sample: 5000, force: false }, io)).toBe(0);
    expect(proposed(b, from).field?.to).not.toEqual(edited);

    // ... until the exported history is imported.
    const file = join(dir, 'history.json');
    expect(await mapHistoryExport({ config: a, out: file }, io)).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const exported = HistoryFile.parse(JSON.parse(readFileSync(file, 'utf8')));
    expect(exported).toMatchObject({ organisation: organisationOf(loadedA), source: 'xtremepush' });
    expect(exported.fields.find((f) => f.attribute === from)).toMatchObject({ target: 'Chosen by Ana', type: 'text', confirmedBy: 'Ana (RevOps)', mapHash: hash });
    expect(await mapHistoryImport({ config: b, file }, io)).toBe(0);
    expect(lines.at(-1)).toMatch(/^imported \d+ confirmed target\(s\) into Acme Betting \(exported from freshsales:127\.0\.0\.1:9\/crm\/sales\)/);

    expect(await mapPropose({ config: b, sample: 5000, force: true }, io)).toBe(0);
    const back = proposed(b, from);
    expect(back.field).toMatchObject({ to: edited, transform: 'text' });
    expect(back.evidence?.band).toBe('high');
    const day = new Date().toISOString().slice(0, 10);
    expect(back.evidence?.signals?.[0]).toBe(`history: confirmed on ${day} (map ${hash.slice(0, 12)}) by Ana (RevOps) for this organisation`);
    // The map file shows the same evidence above the field.
    expect(back.yaml).toContain(`# evidence (high): history: confirmed on ${day} (map ${hash.slice(0, 12)}) by Ana (RevOps)`);
  });

  it('refuses a file that is not a history file, or one of another source, and changes nothing', async () => {
    const b = join(dir, 'b', 'config.yaml');
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ kind: 'crm-migrate map history', version: 1, organisation: 'x', source: 'xtremepush', exportedAt: '2026-01-01T00:00:00Z', fields: [{ attribute: 'attributes.a', target: 'not_a_field', transform: 'text', confirmedAt: '2026-01-01T00:00:00Z', confirmedBy: 'x', mapHash: 'abcdef' }] }));
    await expect(mapHistoryImport({ config: b, file: bad }, io)).rejects.toThrow(/not a crm-migrate map history file:\n\s+fields\.0\.target: "not_a_field" is not a Freshsales contact field/);
    writeFileSync(bad, JSON.stringify({ kind: 'crm-migrate map history', version: 1, organisation: 'x', source: 'netmera', exportedAt: '2026-01-01T00:00:00Z', fields: [] }));
    await expect(mapHistoryImport({ config: b, file: bad }, io)).rejects.toThrow(/history of a netmera source, but the config reads xtremepush/);
    writeFileSync(bad, '{ not json');
    await expect(mapHistoryImport({ config: b, file: bad }, io)).rejects.toThrow(/cannot read the history file .*not JSON/);
  });
});
