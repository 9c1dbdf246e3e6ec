/** Close-match suggestions for misspelt keys and names ("did you mean …?"). */
import { distance } from 'fastest-levenshtein';

/**
 * The candidate closest to `input` (case-insensitive edit distance), when it is close enough
 * to be a likely typo.
 */
export function closestMatch(input: string, candidates: readonly string[]): string | undefined {
  const wanted = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = distance(wanted, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  // Short words allow one edit; longer ones two (a swapped pair of letters) or a third of their length.
  const threshold = wanted.length <= 3 ? 1 : Math.max(2, Math.floor(wanted.length / 3));
  return best !== undefined && best !== input && bestDistance <= threshold ? best : undefined;
}

/** `; did you mean "workdir"?` when a close candidate exists, else ''. */
export function didYouMean(input: unknown, candidates: readonly string[]): string {
  if (typeof input !== 'string' || input.length === 0) return '';
  const best = closestMatch(input, candidates);
  return best === undefined ? '' : `; did you mean "${best}"?`;
}
