/**
 * A workdir belongs to one destination account and one source. Pointing the same workdir at
 * another Freshsales account would make the journal claim that records exist there ("migrated
 * by an earlier run") when they do not, so a change is refused before anything is read or
 * written, and the message says how to start a separate workdir.
 */
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import type { StateStore } from '../state/store.js';

/** What the workdir remembers: never a key, only where and which. */
export const WorkdirIdentity = z.object({
  destination: z.object({ baseUrl: z.string(), fingerprint: z.string() }),
  source: z.object({ type: z.string(), baseUrl: z.string() }),
});
export type WorkdirIdentity = z.infer<typeof WorkdirIdentity>;

const KEY = 'identity';

/** Base URLs compared without case, trailing slashes or a default port. */
export function normaliseBaseUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host.toLowerCase()}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return url.trim().replace(/\/+$/, '').toLowerCase();
  }
}

/**
 * Record the identity on first use; on later runs, refuse (ConfigError, exit 2) when the
 * destination account or the source differs. Returns whether the identity was new (a fresh or
 * lost state: the caller says so when the account already holds migrated records).
 */
export async function checkWorkdirIdentity(store: StateStore, current: WorkdirIdentity, workdir: string): Promise<{ fresh: boolean }> {
  const now: WorkdirIdentity = {
    destination: { baseUrl: normaliseBaseUrl(current.destination.baseUrl), fingerprint: current.destination.fingerprint },
    source: { type: current.source.type, baseUrl: normaliseBaseUrl(current.source.baseUrl) },
  };
  const raw = await store.getMeta(KEY);
  if (raw === null) {
    await store.setMeta(KEY, JSON.stringify(now));
    return { fresh: true };
  }
  const parsed = WorkdirIdentity.safeParse(JSON.parse(raw));
  if (!parsed.success) throw new ConfigError(`the workdir ${workdir} holds an unreadable identity record; it was not made by this version of crm-migrate`);
  const was = parsed.data;
  const how = `A migration into another account (or from another source) needs its own workdir: set "workdir:" in the config to a new folder, and keep ${workdir} for the account it belongs to.`;
  if (was.destination.baseUrl !== now.destination.baseUrl || was.destination.fingerprint !== now.destination.fingerprint) {
    const what = was.destination.baseUrl !== now.destination.baseUrl ? `${now.destination.baseUrl}` : `${now.destination.baseUrl} with a different account fingerprint (${now.destination.fingerprint}, was ${was.destination.fingerprint})`;
    throw new ConfigError(`this workdir (${workdir}) belongs to the Freshsales account at ${was.destination.baseUrl}, but the config now points at ${what}. ${how}`);
  }
  if (was.source.type !== now.source.type || was.source.baseUrl !== now.source.baseUrl) {
    throw new ConfigError(`this workdir (${workdir}) belongs to the ${was.source.type} source at ${was.source.baseUrl}, but the config now reads ${now.source.type} at ${now.source.baseUrl}. ${how}`);
  }
  return { fresh: false };
}
