/**
 * Segment membership: each segment's rule as a predicate over a generated user (epoch 0),
 * and recalculation drift. Netmera recalculates segments every 3 hours; a behavioural
 * segment's membership changes a little each time (some users join, some leave), while a
 * rule on a stored attribute stays put. Membership at epoch k is base XOR a seeded flip
 * (rate `driftRate`) drawn from (seed, segment, user, k) alone, so any epoch can be asked
 * for in any order and tests can predict it.
 */
import { fmix32 } from './index-rng.js';
import { SEGMENT_ID } from './netmera-catalog.js';
import type { NetmeraOs, NetmeraSegment, NetmeraUser } from './netmera-types.js';
import { NetmeraSalt } from './netmera-users.js';

/** Share of a drifting segment's users whose membership flips at each recalculation (default). */
export const DEFAULT_DRIFT_RATE = 0.03;
/** Hours between recalculations [C: "every 3 hours"]. */
export const RECALCULATION_HOURS = 3;

const DAY = 86_400_000;

/** Whether `user` matches segment `segmentId`'s rule when the account was generated. */
export function baseMember(segmentId: number, user: NetmeraUser, now: number): boolean {
  const p = user.profile;
  switch (segmentId) {
    case SEGMENT_ID.all: return true;
    case SEGMENT_ID.istanbul: return user.traits.city === 'İstanbul' && (p.sehir !== undefined || p.city !== undefined);
    case SEGMENT_ID.newsletter: return user.categoryPreferences['Haftalık Bülten'] === true;
    case SEGMENT_ID.premium: return p.uyelik_tipi === 'Premium' || p.uyelik_tipi === 'Altın' || p.loyaltyTier === 'Gold';
    case SEGMENT_ID.english: return typeof p.language === 'string' && (p.language.startsWith('en') || p.language === 'English');
    case SEGMENT_ID.active30: return user.devices.some((d) => !d.uninstalled && d.lastActiveAt >= now - 30 * DAY);
    case SEGMENT_ID.cart: return user.traits.cartAbandoner;
    case SEGMENT_ID.churn: return user.traits.churnScore > 0.7;
    case SEGMENT_ID.connector: return user.traits.powerUser;
    case SEGMENT_ID.campaign2022: return user.traits.campaign2022;
    case SEGMENT_ID.newSignups: return user.traits.createdAt >= now - 7 * DAY;
    default: return false;
  }
}

/** Whether the recalculation at `epoch` flips `user`'s membership of a drifting segment. */
export function driftFlip(seed: number, segmentId: number, userIndex: number, epoch: number, rate: number): boolean {
  if (epoch <= 0 || rate <= 0) return false;
  const h = fmix32((fmix32((seed ^ NetmeraSalt.drift) >>> 0) ^ fmix32((segmentId * 2654435761 + userIndex) >>> 0) ^ Math.imul(epoch, 0x9e3779b1)) >>> 0);
  return h / 4294967296 < rate;
}

/** Membership of `user` in `segment` at recalculation `epoch` (0 = as generated); memberships given by hand (`segmentIds`) win. */
export function memberAt(seed: number, segment: NetmeraSegment, user: NetmeraUser, now: number, epoch: number, rate = DEFAULT_DRIFT_RATE): boolean {
  if (user.segmentIds) return segment.id === SEGMENT_ID.all || user.segmentIds.includes(segment.id);
  const base = baseMember(segment.id, user, now);
  return segment.drifts && driftFlip(seed, segment.id, user.index, epoch, rate) ? !base : base;
}

/** True when the user has an installed device of platform `os` (what a per-OS segment answer keeps). */
export function hasInstalledOs(user: NetmeraUser, os: NetmeraOs): boolean {
  return user.devices.some((d) => !d.uninstalled && d.platform === os);
}

/** Options of `segmentMembersAt`. */
export interface SegmentQuery {
  /** Recalculation epoch (default 0). */
  epoch?: number;
  /** Keep only users with an installed device of this OS (the per-OS reading of `X-netmera-os`); null/absent: any. */
  os?: NetmeraOs | null;
  driftRate?: number;
}

/** Members of `segment` among `users`, in generation order. */
export function segmentMembersAt(
  ds: { seed: number; now: number; users: readonly NetmeraUser[] },
  segment: NetmeraSegment,
  q: SegmentQuery = {},
): NetmeraUser[] {
  const epoch = q.epoch ?? 0;
  const rate = q.driftRate ?? DEFAULT_DRIFT_RATE;
  const os = q.os ?? null;
  return ds.users.filter((u) => memberAt(ds.seed, segment, u, ds.now, epoch, rate) && (os === null || hasInstalledOs(u, os)));
}
