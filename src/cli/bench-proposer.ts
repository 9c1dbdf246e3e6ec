/**
 * `npm run bench`, proposer section: the mapping proposer's accuracy on the labelled set
 * (tests/fixtures/mapping/proposer-labelled.json) — top-1 on standard fields, type accuracy on
 * custom attributes, skipped identifiers and wrong-but-high, by source and language — and the
 * same figures on the held-out set (tests/fixtures/mapping/proposer-holdout.json), written
 * without sight of the synonym table, beside them. In process, about a second.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatAccuracy, scoreLabelledSet, scoreSampledSet, type LabelledAttribute, type SampledAttribute } from '../mapping/proposer-eval.js';
import type { Io } from './commands.js';

const LABELLED = fileURLToPath(new URL('../../tests/fixtures/mapping/proposer-labelled.json', import.meta.url));
/** Held out: labelled independently of the synonym table and of the labelled set (see its header). */
const HOLDOUT = fileURLToPath(new URL('../../tests/fixtures/mapping/proposer-holdout.json', import.meta.url));

/** Print the proposer's accuracy figures. */
export function benchProposer(io: Io): void {
  const set = (JSON.parse(readFileSync(LABELLED, 'utf8')) as { attributes: LabelledAttribute[] }).attributes;
  const t0 = Date.now();
  const scored = scoreLabelledSet(set);
  io.out(`bench: mapping proposer on the labelled set (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  for (const line of formatAccuracy(scored)) io.out(line);
  io.out('');
  const holdout = (JSON.parse(readFileSync(HOLDOUT, 'utf8')) as { attributes: SampledAttribute[] }).attributes;
  const t1 = Date.now();
  const held = scoreSampledSet(holdout);
  io.out(`bench: mapping proposer on the held-out set, not tuned against (${((Date.now() - t1) / 1000).toFixed(1)} s)`);
  for (const line of formatAccuracy(held, 'held-out attributes')) io.out(line);
  io.out('');
}
