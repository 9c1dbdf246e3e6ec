/**
 * `npm run bench`, proposer section: the mapping proposer's accuracy on three labelled sets,
 * each with top-1 on standard fields, type accuracy on custom attributes, skipped identifiers
 * and wrong-but-high, by source and language:
 * - the labelled set (tests/fixtures/mapping/proposer-labelled.json), built beside the synonym table;
 * - held-out set 1 (proposer-holdout.json): labelled blind, then used to find the proposer's
 *   faults on 2026-11-30, so now a development set;
 * - held-out set 2 (proposer-holdout-2.json): labelled blind to the proposer and both sets;
 *   its first run is the honest figure (recorded in tests/unit/mapping-proposer-holdout.test.ts).
 * In process, about a second each.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatAccuracy, scoreLabelledSet, scoreSampledSet, type LabelledAttribute, type SampledAttribute } from '../mapping/proposer-eval.js';
import type { Io } from './commands.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../tests/fixtures/mapping/${name}`, import.meta.url));

/** Print the proposer's accuracy figures. */
export function benchProposer(io: Io): void {
  const set = (JSON.parse(readFileSync(fixture('proposer-labelled.json'), 'utf8')) as { attributes: LabelledAttribute[] }).attributes;
  const t0 = Date.now();
  const scored = scoreLabelledSet(set);
  io.out(`bench: mapping proposer on the labelled set (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  for (const line of formatAccuracy(scored)) io.out(line);
  io.out('');
  const heldOut: Array<[string, string]> = [
    ['proposer-holdout.json', 'held-out set 1 (labelled blind; since used to fix the proposer: a development set now)'],
    ['proposer-holdout-2.json', 'held-out set 2 (labelled blind to the proposer and both other sets)'],
  ];
  for (const [file, what] of heldOut) {
    const holdout = (JSON.parse(readFileSync(fixture(file), 'utf8')) as { attributes: SampledAttribute[] }).attributes;
    const t1 = Date.now();
    const held = scoreSampledSet(holdout);
    io.out(`bench: mapping proposer on ${what} (${((Date.now() - t1) / 1000).toFixed(1)} s)`);
    for (const line of formatAccuracy(held, 'held-out attributes')) io.out(line);
    io.out('');
  }
}
