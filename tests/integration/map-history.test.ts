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

  it('remembers an attribute a person left out as skipped, offers it skipped in a fresh workdir after export and import, until a later confirmation maps it', async () => {
    const c = join(dir, 'c', 'config.yaml');
    const d = join(dir, 'd', 'config.yaml');
    for (const m of ['c', 'd']) {
      mkdirSync(join(dir, m));
      writeSimConfig(join(dir, m, 'config.yaml'), { xtremepushUrl: xp.url, apptoken: APPTOKEN, freshsalesUrl: FRESHSALES, apiKey: 'fs-key', plan: 'growth', timeScale: 3600 }, { workdir: 'work' });
    }
    writeFileSync(d, `organisation: Acme Retail\n${readFileSync(d, 'utf8')}`);
    const from = 'attributes.favourite_team';
    expect(await mapPropose({ config: c, sample: 5000, force: false }, io)).toBe(0);
    const loadedC = loadConfig(c);
    const doc = parseDocument(readFileSync(loadedC.mappingFile, 'utf8'));
    const i = loadMappingSpec(loadedC.mappingFile).objects.contact.fields.findIndex((f) => f.from === from);
    expect(i).toBeGreaterThanOrEqual(0);
    // A person removes the field: the attribute is not to be migrated.
    doc.deleteIn(['objects', 'contact', 'fields', i]);
    writeFileSync(loadedC.mappingFile, doc.toString());
    const hash = mappingHash(loadMappingSpec(loadedC.mappingFile));
    expect(await mapConfirm({ config: c, by: 'Bo (Data)' }, io)).toBe(0);
    expect(lines.at(-2)).toBe(`left out of it, and remembered as skipped for ${organisationOf(loadedC)}: ${from}`);

    const day = new Date().toISOString().slice(0, 10);
    const evidence = `history: left out in the map confirmed on ${day} (map ${hash.slice(0, 12)}) by Bo (Data) for this organisation`;
    /** The attribute is not in the map; the proposal leaves it out, high, with the confirmation as evidence, and the map's header says so. */
    const expectSkipped = (config: string) => {
      const loaded = loadConfig(config);
      expect(loadMappingSpec(loaded.mappingFile).objects.contact.fields.some((f) => f.from === from)).toBe(false);
      const left = readProposal(proposalFileFor(loaded.mappingFile)).notMapped?.find((n) => n.from === from);
      expect(left).toMatchObject({ band: 'high', route: 'none' });
      expect(left?.signals[0]).toBe(evidence);
      expect(readFileSync(loaded.mappingFile, 'utf8')).toContain(`#   ${from}: left out of the map confirmed on ${day} (map ${hash.slice(0, 12)}) by Bo (Data) [high; ${evidence}`);
      expect(lines.join('\n')).toMatch(new RegExp(`not mapped on purpose: .*${from} \\(left out of a confirmed map before\\)`));
    };

    // The same workdir: proposed skipped.
    expect(await mapPropose({ config: c, sample: 5000, force: true }, io)).toBe(0);
    expectSkipped(c);

    // A fresh workdir offers it as a field until the history is imported; then skipped.
    expect(await mapPropose({ config: d, sample: 5000, force: false }, io)).toBe(0);
    expect(proposed(d, from).field).toBeDefined();
    const file = join(dir, 'history-skips.json');
    expect(await mapHistoryExport({ config: c, out: file }, io)).toBe(0);
    expect(lines.at(-1)).toMatch(/confirmed target\(s\) and 1 attribute\(s\) left out of /);
    const exported = HistoryFile.parse(JSON.parse(readFileSync(file, 'utf8')));
    expect(exported.version).toBe(2);
    expect(exported.fields.find((f) => f.attribute === from)).toEqual({ attribute: from, skipped: true, confirmedAt: expect.stringMatching(new RegExp(`^${day}T`)), confirmedBy: 'Bo (Data)', mapHash: hash });
    expect(await mapHistoryImport({ config: d, file }, io)).toBe(0);
    expect(await mapPropose({ config: d, sample: 5000, force: true }, io)).toBe(0);
    expectSkipped(d);

    // An older file of version 1 (targets only, from before skips were kept) still imports, and changes nothing newer.
    const v1 = join(dir, 'history-v1.json');
    writeFileSync(v1, JSON.stringify({ kind: 'crm-migrate map history', version: 1, organisation: 'x', source: 'xtremepush', exportedAt: '2020-01-02T00:00:00Z', fields: [{ attribute: from, target: 'Old team', type: 'text', transform: 'text', confirmedAt: '2020-01-01T00:00:00Z', confirmedBy: 'x', mapHash: 'abcdef' }] }));
    expect(await mapHistoryImport({ config: d, file: v1 }, io)).toBe(0);
    expect(await mapPropose({ config: d, sample: 5000, force: true }, io)).toBe(0);
    expectSkipped(d);

    // A later confirmation that maps it replaces the skip.
    const loadedD = loadConfig(d);
    const docD = parseDocument(readFileSync(loadedD.mappingFile, 'utf8'));
    docD.addIn(['objects', 'contact', 'fields'], docD.createNode({ from, to: { custom: 'Team after all', type: 'text' }, transform: 'text' }));
    writeFileSync(loadedD.mappingFile, docD.toString());
    expect(await mapConfirm({ config: d, by: 'Ana (RevOps)' }, io)).toBe(0);
    expect(await mapPropose({ config: d, sample: 5000, force: true }, io)).toBe(0);
    const back = proposed(d, from);
    expect(back.field).toMatchObject({ to: { custom: 'Team after all', type: 'text' } });
    expect(back.evidence?.signals?.[0]).toMatch(/^history: confirmed on .* by Ana \(RevOps\) for this organisation$/);
    expect(readProposal(proposalFileFor(loadedD.mappingFile)).notMapped?.some((n) => n.from === from)).toBe(false);
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
