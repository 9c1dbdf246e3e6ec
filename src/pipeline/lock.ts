/**
 * One run per workdir. A second `migrate` on the same state (a second terminal, a cron job)
 * would "resume" the live run and write everything twice, so every command that writes holds
 * the workdir's lock for its whole run. The lock lives in the state store (taken atomically),
 * carries the holder's pid, host and start time, and a heartbeat: a holder that crashed stops
 * beating and its lock is taken over after STALE_AFTER_MS — at once when it ran on this host
 * and its pid is gone.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { ConfigError } from '../core/errors.js';
import type { LockInfo, StateStore } from '../state/store.js';

/** A lock without a heartbeat this long belongs to a dead run. */
export const STALE_AFTER_MS = 30_000;
/** How often a live run refreshes its heartbeat. */
export const HEARTBEAT_MS = 5_000;

/** True when `info`'s process ran on this host and no longer exists. */
export function holderIsGone(info: LockInfo, host = hostname()): boolean {
  if (info.host !== host) return false;
  try {
    process.kill(info.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** "running" (fresh heartbeat) or "dead" (stale), for `status`. */
export function lockState(info: LockInfo, now: number): { state: 'running' | 'dead'; heartbeatAgeMs: number } {
  const age = now - Date.parse(info.heartbeatAt);
  return { state: age > STALE_AFTER_MS || holderIsGone(info) ? 'dead' : 'running', heartbeatAgeMs: age };
}

/** A held workdir lock; `release` when the run ends (also on failure). */
export interface HeldLock {
  /** Set when another run took the lock over (this run was presumed dead): stop writing. */
  readonly lost: boolean;
  /** Throws when the lock was lost, so no further write starts. */
  assertHeld(): void;
  /** The dead run whose lock this one took over, if any. */
  readonly tookOver: LockInfo | null;
  release(): Promise<void>;
}

/**
 * Take the workdir's lock for `command`, or throw a ConfigError (exit 2) naming the run that
 * holds it: its pid, host, start time and heartbeat age.
 */
export async function acquireWorkdirLock(store: StateStore, command: string, workdir: string, now: () => number = Date.now): Promise<HeldLock> {
  const at = new Date(now()).toISOString();
  const me: LockInfo = { holder: randomUUID(), pid: process.pid, host: hostname(), command, startedAt: at, heartbeatAt: at };
  const r = await store.acquireLock(me, STALE_AFTER_MS, (h) => holderIsGone(h));
  if (!r.acquired) {
    const h = r.holder;
    const age = Math.max(0, Math.round((now() - Date.parse(h.heartbeatAt)) / 1000));
    throw new ConfigError(
      `another crm-migrate ${h.command} is running on this workdir (${workdir}): pid ${h.pid} on ${h.host}, started ${h.startedAt}, ` +
        `last heartbeat ${age} s ago. Wait for it to finish or stop it; a crashed run's lock is taken over ${STALE_AFTER_MS / 1000} s after its last heartbeat.`,
    );
  }
  let lost = false;
  const timer = setInterval(() => {
    void store
      .heartbeat(me.holder, new Date(now()))
      .then((ok) => {
        if (!ok) lost = true;
      })
      .catch(() => undefined);
  }, HEARTBEAT_MS);
  timer.unref();
  return {
    get lost() {
      return lost;
    },
    tookOver: r.tookOver,
    assertHeld() {
      if (lost) throw new ConfigError(`the workdir lock of this run was taken over by another run (this one was presumed dead): stopping before the next write`);
    },
    async release() {
      clearInterval(timer);
      await store.releaseLock(me.holder).catch(() => undefined);
    },
  };
}
