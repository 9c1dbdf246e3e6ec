/**
 * The state store a config asks for. `state: { kind: sqlite, path }` today (path relative to
 * the workdir, default `state.db`); another kind (PostgreSQL, for workers on several
 * machines) is one more case here, and must pass the contract suite in tests/contract/.
 */
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { openSqliteStore } from './sqlite.js';
import type { StateStore } from './store.js';

export const StateConfig = z.strictObject({
  kind: z.literal('sqlite').default('sqlite'),
  /** The database file, relative to the workdir. */
  path: z.string().min(1).default('state.db'),
});
export type StateConfig = z.infer<typeof StateConfig>;

/** Open the store `cfg` names for a workdir. */
export function createStateStore(cfg: StateConfig, workdir: string): StateStore {
  switch (cfg.kind) {
    case 'sqlite':
      return openSqliteStore(isAbsolute(cfg.path) ? cfg.path : join(workdir, cfg.path));
  }
}

export type { StateStore } from './store.js';
