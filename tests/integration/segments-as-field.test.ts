/**
 * Segment → contact tag or multi-select field, the customer's choice in the map: with
 * `segments_as: field` every contact's segments land in one multi-select custom field
 * (created by schema apply with one choice per segment), none as tags; a segment that is not
 * a choice is left out of the field and named; verification stays exact.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { openStore, runMigrate } from '../../src/pipeline/migrate.js';
import { confirmMap } from '../../src/pipeline/map-gate.js';
import { runSchemaApply } from '../../src/pipeline/schema.js';
import type { Progress } from '../../src/pipeline/progress.js';
import { API_KEY, startHarness, type Harness } from '../helpers/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('segments as a multi-select field', () => {
  it('writes each contact\'s segments into the field instead of tags, verified, and names a segment that is not a choice', async () => {
    h = await startHarness({ profiles: 200, seed: 5, confirm: false, createFields: false });
    const names = h.dataset.segments.map((s) => s.name);
    expect(names.length).toBeGreaterThan(2);
    const [left, ...chosen] = names;
    const doc = parseDocument(readFileSync(h.loaded.mappingFile, 'utf8'));
    doc.setIn(['objects', 'contact', 'tags'], doc.createNode({ segments: true, segments_as: 'field', segment_field: { label: 'Segments', choices: chosen }, source_tags: 'none' }));
    writeFileSync(h.loaded.mappingFile, doc.toString());
    const applied = await runSchemaApply({ loaded: h.loaded, logger: silentLogger() });
    expect(applied.plan.fields.find((f) => f.label === 'Segments')).toMatchObject({ type: 'multi_select_dropdown', choices: chosen, role: 'segments' });
    const store0 = openStore(h.loaded);
    await confirmMap({ store: store0, mappingFile: h.loaded.mappingFile, by: 'test', now: new Date() });
    await store0.close();

    const notes: string[] = [];
    const progress: Progress = { start() {}, advance() {}, end() {}, note: (m) => void notes.push(m) };
    const r = await runMigrate({ loaded: h.loaded, outDir: join(h.dir, 'out'), logger: silentLogger(), progress });
    const c = r.report.phases[0]!;
    expect(c.mismatched).toBe(0);
    expect(c.verified).toBe(c.created + c.updated);
    expect(notes.join('\n')).toContain(`segment(s) not among the choices of the segment field, left out of it: ${left}`);

    const snap = h.fs.snapshot() as unknown as { contacts: Array<{ id: number; email: string; tags?: string[]; custom_field?: Record<string, unknown> }> };
    const fieldsRes = await fetch(`${h.fs.url}/api/settings/contacts/fields`, { headers: { authorization: `Token token=${API_KEY}` } });
    const cf = ((await fieldsRes.json()) as { fields: Array<{ name: string; label: string }> }).fields.find((f) => f.label === 'Segments')!.name;
    const store = openStore(h.loaded);
    const journal = new Map((await store.journal(r.report.runId, 'contact', 0, 100_000)).map((j) => [j.sourceKey, j.destId]));
    const allKeys = h.dataset.profiles.map((p) => `xtremepush:profile:${p.profile_id}`);
    // Profiles merged into a duplicate: their segments follow the survivor.
    const merged = await store.mergedInto(r.report.runId, 'contact', allKeys);
    // The membership frozen at scoping time: exactly what each contact's field must hold.
    const frozen = await store.membershipsFor(r.report.runId, 'segment', allKeys);
    await store.close();
    const losersOf = new Map<string, string[]>();
    for (const [loser, winner] of merged) losersOf.set(winner, [...(losersOf.get(winner) ?? []), loser]);
    const segmentsOf = new Map<string, Set<string>>();
    for (const seg of h.dataset.segments) for (const id of h.dataset.segmentMembers[String(seg.id)] ?? []) segmentsOf.set(`xtremepush:profile:${id}`, (segmentsOf.get(`xtremepush:profile:${id}`) ?? new Set()).add(seg.name));
    const byId = new Map(snap.contacts.map((x) => [String(x.id), x]));
    let withSegments = 0;
    for (const [key, id] of journal) {
      const contact = byId.get(id)!;
      // No segment became a tag.
      for (const name of names) expect(contact.tags ?? []).not.toContain(name);
      // The generator's membership is a subset of what the simulator's rules select at export time.
      for (const s of segmentsOf.get(key) ?? []) if (s !== left) expect(frozen.get(key) ?? []).toContain(s);
      const want = [...new Set([key, ...(losersOf.get(key) ?? [])].flatMap((k) => frozen.get(k) ?? []))].filter((s) => s !== left).sort();
      const field = contact.custom_field?.[cf];
      if (want.length > 0) {
        withSegments++;
        expect(Array.isArray(field) ? [...(field as string[])].sort() : String(field).split(';').sort()).toEqual(want);
      }
    }
    expect(withSegments).toBeGreaterThan(20);
  });
});
