/**
 * The mess plan: which profiles get which defect, fixed up front with exact counts so
 * proportions are stable and the truth lists are exact. Roles are assigned by seeded
 * shuffles of the indices, so the defects are spread over the id range.
 *
 * Proportions (count = round(n × rate)):
 * - email: 3% missing (null, "" or blank), 2% malformed, 3% case-variant duplicates of
 *   another profile's email, 1% exact duplicates; the rest unique. Every 8th duplicate
 *   joins the previous duplicate's group, so some groups have three members.
 * - phone (independent of email): 2% junk, 4% missing, 5% national format (needs the
 *   country), 7% E.164 with '+', the rest (82%) E.164 without '+'.
 * - names (only on profiles with a clean, unique email): 2 over 255 characters when
 *   n ≥ 1000, 1 when n ≥ 20, else none; 0.5% with leading/trailing spaces.
 * - user_id: 0.5% anonymous (null).
 */
import { createRng } from '../common/prng.js';
import { fmix32 } from './index-rng.js';

/** Email role codes. */
export const EmailRole = { Clean: 0, Missing: 1, Invalid: 2, CaseDup: 3, ExactDup: 4 } as const;
/** Phone role codes. */
export const PhoneRole = { E164: 0, Plus: 1, National: 2, Junk: 3, Missing: 4 } as const;
/** Name role codes. */
export const NameRole = { Normal: 0, TooLong: 1, Padded: 2 } as const;

/** The rates above, exported so tests and docs can read them. */
export const MESS_RATES = {
  missingEmail: 0.03,
  invalidEmail: 0.02,
  caseDuplicateEmail: 0.03,
  exactDuplicateEmail: 0.01,
  junkPhone: 0.02,
  missingPhone: 0.04,
  nationalPhone: 0.05,
  plusPhone: 0.07,
  paddedName: 0.005,
  missingUserId: 0.005,
} as const;

/** Profile ids start here: low enough that ids cross from 4 to 5 digits at index 250, so lexical and numeric order differ even in small datasets. */
const ID_BASE = 9000;

/** Role assignment for a dataset of `n` profiles. */
export interface MessPlan {
  n: number;
  seed: number;
  emailRole: Uint8Array;
  phoneRole: Uint8Array;
  nameRole: Uint8Array;
  anonymous: Uint8Array;
  heavyEvents: Uint8Array;
  /** For duplicates: index of the original profile; -1 otherwise. */
  dupOf: Int32Array;
  /** Original index → all member indices ascending (original included). */
  groups: Map<number, number[]>;
  /** Group of an index (original or duplicate), if any. */
  groupOf(i: number): number[] | undefined;
}

/** profile_id of index `i`: strictly increasing, with gaps like deleted profiles leave. */
export function profileIdAt(seed: number, i: number): string {
  return String(ID_BASE + 4 * i + (fmix32((seed * 31 + i) >>> 0) & 3));
}

function shuffled(n: number, seed: number): Int32Array {
  const rng = createRng(seed);
  const a = new Int32Array(n);
  for (let k = 0; k < n; k++) a[k] = k;
  for (let k = n - 1; k > 0; k--) {
    const j = Math.floor(rng() * (k + 1));
    const t = a[k]!;
    a[k] = a[j]!;
    a[j] = t;
  }
  return a;
}

/** Build the plan; `heavyEventProfiles` clean profiles are marked for event-heavy histories. */
export function buildPlan(n: number, seed: number, heavyEventProfiles: number): MessPlan {
  const count = (rate: number) => Math.round(n * rate);
  const emailRole = new Uint8Array(n);
  const phoneRole = new Uint8Array(n);
  const nameRole = new Uint8Array(n);
  const anonymous = new Uint8Array(n);
  const heavyEvents = new Uint8Array(n);
  const dupOf = new Int32Array(n).fill(-1);
  const groups = new Map<number, number[]>();

  const p = shuffled(n, fmix32(seed ^ 0xe3a1));
  let cursor = 0;
  const take = (k: number, role: number) => {
    for (const end = Math.min(n, cursor + k); cursor < end; cursor++) emailRole[p[cursor]!] = role;
  };
  take(count(MESS_RATES.missingEmail), EmailRole.Missing);
  take(count(MESS_RATES.invalidEmail), EmailRole.Invalid);
  const dupStart = cursor;
  take(count(MESS_RATES.caseDuplicateEmail), EmailRole.CaseDup);
  take(count(MESS_RATES.exactDuplicateEmail), EmailRole.ExactDup);
  const dupEnd = cursor;

  // Originals and name roles come from the untouched tail, in shuffle order.
  let tail = dupEnd;
  const nextClean = (): number | undefined => (tail < n ? p[tail++] : undefined);
  let previousOriginal = -1;
  for (let k = dupStart; k < dupEnd; k++) {
    const dup = p[k]!;
    const original = k % 8 === 7 && previousOriginal >= 0 ? previousOriginal : nextClean();
    if (original === undefined) {
      // Too few profiles left to pair with: this one keeps a clean, unique email.
      emailRole[dup] = EmailRole.Clean;
      continue;
    }
    dupOf[dup] = original;
    const members = groups.get(original) ?? [original];
    members.push(dup);
    groups.set(original, members);
    previousOriginal = original;
  }
  for (const members of groups.values()) members.sort((a, b) => a - b);

  const tooLong = n >= 1000 ? 2 : n >= 20 ? 1 : 0;
  for (let k = 0; k < tooLong; k++) {
    const i = nextClean();
    if (i !== undefined) nameRole[i] = NameRole.TooLong;
  }
  for (let k = count(MESS_RATES.paddedName); k > 0; k--) {
    const i = nextClean();
    if (i !== undefined) nameRole[i] = NameRole.Padded;
  }
  for (let k = Math.min(heavyEventProfiles, n); k > 0; k--) {
    const i = nextClean();
    if (i !== undefined) heavyEvents[i] = 1;
  }

  const q = shuffled(n, fmix32(seed ^ 0x9b07));
  let c2 = 0;
  const takePhone = (k: number, role: number) => {
    for (const end = Math.min(n, c2 + k); c2 < end; c2++) phoneRole[q[c2]!] = role;
  };
  takePhone(count(MESS_RATES.junkPhone), PhoneRole.Junk);
  takePhone(count(MESS_RATES.missingPhone), PhoneRole.Missing);
  takePhone(count(MESS_RATES.nationalPhone), PhoneRole.National);
  takePhone(count(MESS_RATES.plusPhone), PhoneRole.Plus);

  const u = shuffled(n, fmix32(seed ^ 0x41d3));
  for (let k = 0; k < Math.min(n, count(MESS_RATES.missingUserId)); k++) anonymous[u[k]!] = 1;

  return {
    n, seed, emailRole, phoneRole, nameRole, anonymous, heavyEvents, dupOf, groups,
    groupOf: (i) => groups.get(dupOf[i]! >= 0 ? dupOf[i]! : i),
  };
}
