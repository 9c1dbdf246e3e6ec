/**
 * Source user ids that profiles with different emails share. The source's user id is the
 * customer's own id for a person; two profiles holding one id under two emails would load as
 * two Freshsales contacts carrying the same id, and a later run that finds contacts by that id
 * could attach one person's data to the other. Profiles sharing an id AND an email are plain
 * duplicates (they merge by email) and are not reported here.
 *
 * Two streaming passes keep memory small for any source size: the first holds one pair of
 * 52-bit hashes per distinct id and marks the ids seen with a second email; the second (only
 * when the first found any) collects the real ids, emails and profiles of those suspects and
 * keeps the ids whose emails really differ. Pure: no I/O, no clock.
 */
import { createHash } from 'node:crypto';
import type { CanonicalContact } from '../core/model.js';
import { emailKey } from './normalise.js';
import type { ContactMap } from './spec.js';
import { readPath } from './transform.js';

/** The identity of a staged contact as the map reads it: its user id and its email key (both present, else null). */
export function contactIdentity(contact: CanonicalContact, map: ContactMap): { userId: string; emailKey: string } | null {
  const userId = typeof contact.externalId === 'string' ? contact.externalId.trim() : '';
  if (userId === '') return null;
  const from = map.fields.find((f) => f.to === 'emails')?.from ?? 'email';
  const key = emailKey(readPath(contact, from));
  return key === null ? null : { userId, emailKey: key };
}

/** True when some field of the map writes the source user id (only then does sharing one matter to a load). */
export function mapReadsUserId(map: ContactMap): boolean {
  return map.fields.some((f) => f.from === 'externalId');
}

/** The two-pass finder; see the module comment. */
export interface SharedIdFinder {
  /** Pass 1: every contact with a user id and a valid email. */
  first(userId: string, emailKey: string): void;
  /** True when pass 1 saw an id with two emails (perhaps: hashes), so pass 2 is needed. */
  readonly needsSecondPass: boolean;
  /** Pass 2: the same contacts again, with their source ids. */
  second(userId: string, emailKey: string, sourceId: string): void;
  /** User id → source ids of the profiles sharing it (stream order), for ids whose emails differ. */
  result(): Map<string, string[]>;
}

const hash52 = (s: string) => Number.parseInt(createHash('sha1').update(s).digest('hex').slice(0, 13), 16);

/** Start an empty finder. */
export function createSharedIdFinder(): SharedIdFinder {
  const firstEmail = new Map<number, number>();
  const suspects = new Set<number>();
  const members = new Map<string, Array<{ sourceId: string; emailKey: string }>>();
  return {
    first(userId, key) {
      const id = hash52(userId);
      const email = hash52(key);
      const seen = firstEmail.get(id);
      if (seen === undefined) firstEmail.set(id, email);
      else if (seen !== email) suspects.add(id);
    },
    get needsSecondPass() {
      return suspects.size > 0;
    },
    second(userId, key, sourceId) {
      if (!suspects.has(hash52(userId))) return;
      const list = members.get(userId) ?? [];
      list.push({ sourceId, emailKey: key });
      members.set(userId, list);
    },
    result() {
      const out = new Map<string, string[]>();
      for (const [userId, list] of members) {
        if (new Set(list.map((m) => m.emailKey)).size > 1) out.set(userId, list.map((m) => m.sourceId));
      }
      return out;
    },
  };
}
