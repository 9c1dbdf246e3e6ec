/**
 * Exit codes (documented in the README):
 * 0 done; 1 unexpected error (a bug: please report); 2 configuration, mapping, credential or
 * usage problem — nothing was written; 3 the run finished but above the configured error
 * ratio; 4 the destination or source kept failing (network, 5xx, rate limits) — state is
 * saved, run the same command again to resume; 130 interrupted — run it again to resume.
 */
import { isMigrateError } from '../core/errors.js';

export const EXIT = { ok: 0, unexpected: 1, config: 2, errorRatio: 3, transient: 4, interrupted: 130 } as const;

export function exitCodeFor(e: unknown): number {
  if (!isMigrateError(e)) return EXIT.unexpected;
  switch (e.code) {
    case 'config':
    case 'validation':
      return EXIT.config;
    case 'transient':
    case 'rate_limited':
      return EXIT.transient;
    case 'terminal':
      return e.http?.status === 401 || e.http?.status === 403 ? EXIT.config : EXIT.unexpected;
  }
}
