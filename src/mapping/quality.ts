/**
 * The pre-migration data quality assessment: row-level flags for every contact that will
 * not load, will load with less than the source has, or will be merged — so the customer
 * can decide, row by row, to clean, delete or accept as-is before the migration runs.
 *
 * Flags and their severity:
 * - error (the contact will not load as it is): missing email; invalid email (a source row
 *   that sent it in the wrong shape included); a malformed source row (no usable key, a key no
 *   attribute can have); any field the map rejects with a fatal issue ("will fail Freshsales
 *   validation: …", from `toContactPayload` when a map is given); a name over 255 characters,
 *   a malformed source value or a source user id shared by profiles with different emails when
 *   the field reading it says `on_invalid: quarantine` (the default for the user id; without a
 *   map the proposal's defaults are assumed).
 * - warning (it loads, but with less): a duplicate email whose record loses the merge (newest
 *   update wins, as in `migrate`); a malformed phone (the contact loads without it); any field
 *   the map leaves out (non-fatal issue), a too-long name and a malformed source value
 *   included; a `resolve` id that names no source record (it loads with the raw id where a
 *   readable label should be); a date after the assessment date (a birth date in the future
 *   loads as written, and is almost certainly wrong); explicit bidi embeddings, overrides or
 *   isolates in a value (invisible characters that reorder how text displays: a spoofing risk;
 *   removed from names, loaded as they are elsewhere).
 *
 * Resolved references are judged only with their tables (`references`): without a model's
 * table its ids cannot be told from labels, so those fields are not checked at all rather
 * than flagged (migrate always reads the tables).
 * - info: a duplicate email whose record wins; no consent type or source at all; profiles that
 *   share a user id and an email (they merge like any duplicate).
 *
 * The consent change history is not in the source's exports at all: that is one global
 * limitation ({@link CONSENT_HISTORY_LIMITATION}), not a flag on every row.
 *
 * Pure and streaming: feed contacts one by one, then read the result. Memory holds one small
 * entry per contact with a valid email or a user id (duplicates and shared ids cannot be found
 * otherwise) and the flagged rows.
 */
import { readDateTimeText } from '../core/datetime.js';
import type { CanonicalContact } from '../core/model.js';
import { describe, emailKey, hasBidiControls, isAbsent, normaliseEmail, normalisePhone } from './normalise.js';
import { FRESHSALES_LIMITS, IDENTITY_SOURCES, isCustomTarget, targetRule, type ContactMap, type OnInvalid } from './spec.js';
import { toContactPayload } from './transform.js';

/** Every kind of flag, in report order. */
export const QUALITY_FLAGS = [
  'missing_email',
  'invalid_email',
  'malformed_row',
  'duplicate_email',
  'source_id_collision',
  'malformed_phone',
  'name_too_long',
  'map_rejects',
  'map_drops',
  'unresolved_reference',
  'future_date',
  'bidi_override',
  'consent_missing',
] as const;
/** A kind of data quality flag. */
export type QualityFlagKind = (typeof QUALITY_FLAGS)[number];

/** error: will not load as it is; warning: loads with less, or is merged away; info: worth knowing. */
export type Severity = 'error' | 'warning' | 'info';

/** One flag on one row. */
export interface QualityFlag {
  kind: QualityFlagKind;
  severity: Severity;
  /** Self-describing text for the CSV (names the field and the reason). */
  message: string;
}

/** One flagged contact. */
export interface QualityRow {
  recordKey: string;
  sourceId: string;
  /** The email as the source has it (null when missing). */
  email: string | null;
  flags: QualityFlag[];
  /** The worst severity among the flags. */
  severity: Severity;
}

/** One group of contacts sharing an email (case-insensitive). */
export interface DuplicateGroupResult {
  emailKey: string;
  /** Source ids in stream order. */
  members: string[];
  /** The member that loads (newest update time among the loadable ones); null when none of them loads. */
  winner: string | null;
}

/** One source user id that more than one profile holds. */
export interface SourceIdCollision {
  userId: string;
  /** Source ids in stream order. */
  members: string[];
  /** True when the members with a valid email do not all share it: which person the id names is ambiguous. */
  ambiguous: boolean;
}

/** The assessment. */
export interface QualityResult {
  contacts: number;
  /** Flagged rows in stream order. */
  rows: QualityRow[];
  /** Rows carrying each flag. */
  totals: Record<QualityFlagKind, number>;
  bySeverity: Record<Severity, number>;
  duplicateGroups: DuplicateGroupResult[];
  /** Source user ids held by more than one profile, by user id. */
  sourceIdCollisions: SourceIdCollision[];
  /** Account-wide limitations (not row flags). */
  limitations: string[];
  /** Whether map checks ran. */
  mapChecked: boolean;
}

/** Options for {@link createQualityAnalyser}. */
export interface QualityOptions {
  /** The confirmed or proposed contact map: its rejections become flags. */
  map?: ContactMap;
  /** Epoch ms of the assessment (transforms never read the clock). */
  now: number;
  /** Attribute names that carry the consent type/source; default: every attribute whose name contains "consent". */
  consentAttributes?: string[];
  /** Source model → (id → label) for the map's `resolve` fields; fields whose table is absent are not checked. */
  references?: Map<string, Map<string, string>>;
}

/** The streaming analyser. */
export interface QualityAnalyser {
  add(contact: CanonicalContact): void;
  result(): QualityResult;
}

/** The one global consent limitation (seed: "the export does not include the full consent change history"). */
export const CONSENT_HISTORY_LIMITATION =
  'Consent history is missing: the source exports carry the current consent preference (type, status, last update) but not the history of consent changes. ' +
  'Opt-outs, consent type and source migrate; the audit trail does not. Flag this to compliance for high-compliance industries (keep the source consent export archived if an audit trail is required).';

const SEVERITY_RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1 };

/** Start an empty assessment. */
export function createQualityAnalyser(options: QualityOptions): QualityAnalyser {
  const { now } = options;
  const references = options.references;
  const map = options.map !== undefined ? withoutUnreadReferences(withNamesAsIds(options.map), references) : undefined;
  const consentKeys = options.consentAttributes;
  // Map checks bind every custom label to a stand-in name: the schema is `schema check`'s job; here only values are judged.
  const customFieldNames = new Map<string, string>();
  if (map !== undefined) {
    for (const f of map.fields) if (isCustomTarget(f.to)) customFieldNames.set(f.to.custom, `cf_${customFieldNames.size}`);
    if (map.packed !== undefined) customFieldNames.set(map.packed.label, `cf_${customFieldNames.size}`);
  }
  /**
   * What an invalid value read from `path` costs: `quarantine` when a field of the map reading
   * it says so (or writes emails), `drop_field` when fields read it but drop, null when no field
   * reads it. Without a map, the proposal's defaults (the user id is an identity).
   */
  const onInvalidOf = (path: string): OnInvalid | null => {
    if (map === undefined) return IDENTITY_SOURCES.has(path) || path === 'email' ? 'quarantine' : 'drop_field';
    const readers = map.fields.filter((f) => f.from === path);
    if (readers.length === 0) return null;
    return readers.some((f) => f.on_invalid === 'quarantine' || f.to === 'emails') ? 'quarantine' : 'drop_field';
  };
  const today = new Date(now).toISOString().slice(0, 10);
  let seq = 0;
  const rows = new Map<number, QualityRow>();
  /** emailKey → first member, or the whole group once a second arrives. */
  const byEmail = new Map<string, Member | Member[]>();
  /** Source user id (trimmed) → first member, or the whole group once a second arrives. */
  const byUserId = new Map<string, Member | Member[]>();

  return {
    add(contact) {
      const n = seq++;
      const flags: QualityFlag[] = [];
      const ownPaths = new Set<string>();

      // What the source row itself got wrong (the connector kept the record and named it).
      for (const p of contact.sourceProblems ?? []) {
        if (p.field === null) {
          flags.push({ kind: 'malformed_row', severity: 'error', message: `${p.reason}: the record is quarantined` });
          ownPaths.add('');
          continue;
        }
        ownPaths.add(p.field);
        if (p.field === 'email') {
          flags.push({ kind: 'invalid_email', severity: 'error', message: `invalid email: ${p.reason}` });
          continue;
        }
        const how = onInvalidOf(p.field);
        flags.push({
          kind: 'malformed_row',
          severity: how === 'quarantine' ? 'error' : 'warning',
          message: `${p.reason}: ${how === 'quarantine' ? 'the record is quarantined (on_invalid: quarantine)' : how === null ? 'no field of the map reads it' : 'the contact loads without it'}`,
        });
      }

      let key: string | null = null;
      if (!ownPaths.has('email')) {
        if (isAbsent(contact.email)) {
          flags.push({ kind: 'missing_email', severity: 'error', message: 'missing email: will fail Freshsales validation (an email is required)' });
          ownPaths.add('email');
        } else {
          const e = normaliseEmail(contact.email);
          if (!e.ok) {
            flags.push({ kind: 'invalid_email', severity: 'error', message: `invalid email: ${e.reason}` });
            ownPaths.add('email');
          } else key = emailKey(contact.email);
        }
      }

      if (!isAbsent(contact.phone) && !ownPaths.has('phone')) {
        const p = normalisePhone(contact.phone, contact.country);
        if (!p.ok) {
          flags.push({ kind: 'malformed_phone', severity: 'warning', message: `malformed phone: ${p.reason}${contact.country ? ` (country ${contact.country})` : ''}; the contact loads without it` });
          ownPaths.add('phone');
        }
      }

      for (const [path, label] of [['firstName', 'first name'], ['lastName', 'last name']] as const) {
        const v = contact[path];
        if (typeof v !== 'string') continue;
        const chars = [...v.normalize('NFC').replace(/\s+/gu, ' ').trim()].length;
        const how = onInvalidOf(path);
        if (chars > FRESHSALES_LIMITS.nameChars && how !== null) {
          flags.push(
            how === 'quarantine'
              ? { kind: 'name_too_long', severity: 'error', message: `${label} longer than ${FRESHSALES_LIMITS.nameChars} characters (${chars}): will fail Freshsales validation (on_invalid: quarantine)` }
              : { kind: 'name_too_long', severity: 'warning', message: `${label} longer than ${FRESHSALES_LIMITS.nameChars} characters (${chars}): the contact loads without it` },
          );
          ownPaths.add(path);
        }
      }

      if (map !== undefined) {
        const out = toContactPayload(contact, map, { customFieldNames, now, ...(references ? { references } : {}) });
        for (const issue of out.issues) {
          // Already flagged by a check above, in its own words.
          if (ownPaths.has(issue.from)) continue;
          if (issue.unresolved) flags.push({ kind: 'unresolved_reference', severity: 'warning', message: `reference to a missing record: ${issue.reason}` });
          else if (issue.fatal) flags.push({ kind: 'map_rejects', severity: 'error', message: `will fail Freshsales validation: ${issue.reason}` });
          else flags.push({ kind: 'map_drops', severity: 'warning', message: `left out: ${issue.reason}` });
        }
      }

      for (const [path, v] of datedValues(contact)) {
        const r = readDateTimeText(v, { maxOffsetMinutes: 14 * 60 });
        if (!r.ok) continue;
        // A date as written is compared as a date (a birth date of today is not in the future).
        const future = r.value.hasTime ? r.value.instantMs > now : r.value.writtenDate > today;
        if (future) flags.push({ kind: 'future_date', severity: 'warning', message: `future date: ${path} is ${describe(v)}, after ${today}: it loads as written` });
      }

      for (const path of bidiPaths(contact)) {
        const name = path === 'firstName' || path === 'lastName';
        flags.push({
          kind: 'bidi_override',
          severity: 'warning',
          message: `bidi control characters in ${path} (they reorder how text displays: a spoofing risk): ${name ? 'removed when the name is written' : 'written as they are'}`,
        });
      }

      if (!hasConsent(contact, consentKeys)) {
        flags.push({ kind: 'consent_missing', severity: 'info', message: 'no consent type or source: only the opt-out flags migrate for this contact' });
      }

      if (flags.length > 0) rows.set(n, makeRow(contact, flags));

      const userId = typeof contact.externalId === 'string' ? contact.externalId.trim() : '';
      if (key === null && userId === '') return;
      const member: Member = {
        seq: n,
        recordKey: contact.sourceKey,
        sourceId: contact.sourceId,
        email: contact.email,
        emailKey: key,
        updatedMs: contact.updatedAt ? Date.parse(contact.updatedAt) : NaN,
        loads: !flags.some((f) => f.severity === 'error'),
      };
      if (key !== null) group(byEmail, key, member);
      if (userId !== '' && !ownPaths.has('externalId')) group(byUserId, userId, member);
    },

    result() {
      const all = new Map(rows);
      const flag = (m: Member, f: QualityFlag) => {
        const row = all.get(m.seq);
        all.set(m.seq, makeRow({ sourceKey: m.recordKey, sourceId: m.sourceId, email: m.email }, [...(row?.flags ?? []), f]));
      };

      // Shared user ids first: a member held back for one cannot win an email merge.
      const how = onInvalidOf('externalId');
      const collisions: SourceIdCollision[] = [];
      for (const [userId, entry] of byUserId) {
        if (!Array.isArray(entry)) continue;
        const emails = new Set(entry.flatMap((m) => (m.emailKey === null ? [] : [m.emailKey])));
        const ambiguous = emails.size > 1;
        collisions.push({ userId, members: entry.map((m) => m.sourceId), ambiguous });
        for (const m of entry) {
          const shared = `user id ${describe(userId)} is shared with ${profiles(entry.filter((o) => o !== m).map((o) => o.sourceId))}`;
          if (!ambiguous || m.emailKey === null) {
            flag(m, { kind: 'source_id_collision', severity: 'info', message: `${shared}${ambiguous ? '' : ' (the same email: they merge)'}` });
          } else if (how === 'quarantine') {
            m.loads = false;
            flag(m, { kind: 'source_id_collision', severity: 'error', message: `${shared} (a different email): which person it identifies is ambiguous; the record is quarantined (on_invalid: quarantine)` });
          } else {
            flag(m, {
              kind: 'source_id_collision',
              severity: 'warning',
              message: `${shared} (a different email): which person it identifies is ambiguous; ${how === null ? 'no field of the map writes it' : 'the contact loads without it (on_invalid: drop_field)'}`,
            });
          }
        }
      }
      collisions.sort((a, b) => cmp(a.userId, b.userId));

      const groups: DuplicateGroupResult[] = [];
      for (const [key, entry] of byEmail) {
        if (!Array.isArray(entry)) continue;
        const winner = pickWinner(entry);
        groups.push({ emailKey: key, members: entry.map((m) => m.sourceId), winner: winner?.sourceId ?? null });
        for (const m of entry) {
          flag(
            m,
            winner === undefined
              ? { kind: 'duplicate_email', severity: 'warning', message: `duplicate email ${key} (${entry.length} records): none of them loads as it is` }
              : m === winner
                ? { kind: 'duplicate_email', severity: 'info', message: `duplicate email ${key} (${entry.length} records): this record wins (newest update); the others merge into it` }
                : { kind: 'duplicate_email', severity: 'warning', message: `duplicate email ${key} (${entry.length} records): merged into ${winner.sourceId} (newer update)` },
          );
        }
      }
      groups.sort((a, b) => cmp(a.emailKey, b.emailKey));
      const ordered = [...all.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
      const totals = Object.fromEntries(QUALITY_FLAGS.map((k) => [k, 0])) as Record<QualityFlagKind, number>;
      const bySeverity: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
      for (const r of ordered) {
        for (const k of new Set(r.flags.map((f) => f.kind))) totals[k]++;
        bySeverity[r.severity]++;
      }
      return {
        contacts: seq,
        rows: ordered,
        totals,
        bySeverity,
        duplicateGroups: groups,
        sourceIdCollisions: collisions,
        limitations: [CONSENT_HISTORY_LIMITATION],
        mapChecked: map !== undefined,
      };
    },
  };
}

/** Add `member` to the group at `key`: the first member alone, then an array. */
function group(index: Map<string, Member | Member[]>, key: string, member: Member): void {
  const seen = index.get(key);
  if (seen === undefined) index.set(key, member);
  else if (Array.isArray(seen)) seen.push(member);
  else index.set(key, [seen, member]);
}

/** "profile 102" / "profiles 102, 103" (five at most, then how many more). */
function profiles(ids: string[]): string {
  const shown = ids.length <= 5 ? ids.join(', ') : `${ids.slice(0, 5).join(', ')} and ${ids.length - 5} more`;
  return `${ids.length === 1 ? 'profile' : 'profiles'} ${shown}`;
}

/** Text values that may be dates: the instants of the record and every text attribute, by path. */
function datedValues(c: CanonicalContact): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (c.createdAt) out.push(['createdAt', c.createdAt]);
  if (c.updatedAt) out.push(['updatedAt', c.updatedAt]);
  for (const [name, v] of Object.entries(c.attributes)) if (typeof v === 'string' && /^\s*\d{4}-\d{2}-\d{2}/.test(v)) out.push([`attributes.${name}`, v]);
  return out;
}

/** Paths whose text holds explicit bidi embeddings, overrides or isolates (text in lists included). */
function bidiPaths(c: CanonicalContact): string[] {
  const out: string[] = [];
  const has = (v: unknown): boolean => (typeof v === 'string' ? hasBidiControls(v) : Array.isArray(v) ? v.some((x) => typeof x === 'string' && hasBidiControls(x)) : false);
  for (const path of ['email', 'firstName', 'lastName', 'phone', 'externalId', 'country', 'language', 'timezone'] as const) if (has(c[path])) out.push(path);
  for (const [name, v] of Object.entries(c.attributes)) if (has(v)) out.push(`attributes.${name}`);
  return out;
}

/** What the report recommends for each flag: clean, delete or accept as-is. */
export const RECOMMENDATIONS: Record<QualityFlagKind, string> = {
  missing_email:
    'Clean: add the email in the source platform where the person is known. Delete: anonymous, device-only profiles usually have no place in a sales CRM. Accept as-is: they stay out of Freshsales (quarantined, listed in quarantine.csv).',
  invalid_email: 'Clean: correct the address in the source platform (typos, spaces, missing domain). Accept as-is: the contact stays out of Freshsales (quarantined).',
  duplicate_email:
    'Accept as-is: the records merge into one contact, the newest update wins and the others are listed as merged. Clean: merge or delete the older profiles in the source platform first if their data differs and matters.',
  malformed_phone: 'Accept as-is: the contact loads without the number. Clean: fix the number (or the country, for national formats) in the source platform to keep it.',
  malformed_row:
    'Clean: fix the row in the source platform (a value in the wrong shape, e.g. an email sent as a list, or a key that is no attribute name). Accept as-is: a bad value is left out or its contact quarantined, per the field\'s on_invalid; a row without a usable key is quarantined.',
  source_id_collision:
    'Clean: give each person their own user id in the source platform (or merge the profiles). Accept as-is: profiles with one id and different emails are quarantined while the id field says on_invalid: quarantine (the default), or load without the id with on_invalid: drop_field.',
  name_too_long: 'Clean: shorten the name in the source platform (Freshsales refuses names over 255 characters). Accept as-is: the contact loads without the name (on_invalid: drop_field, the default), or stays out of Freshsales with on_invalid: quarantine.',
  map_rejects: 'Fix the map (field type, choices, value map) and confirm it again, or clean the values in the source platform. Accept as-is: these contacts are quarantined.',
  map_drops: 'Accept as-is: the contact loads without that field. Clean the value, or change the map, to keep it.',
  unresolved_reference:
    'Accept as-is: the contact loads with the raw id where the readable name would be. Clean: point the attribute at a record that exists in the source platform, or clear it.',
  future_date: 'Clean: correct the date in the source platform (a birth or purchase date after today is almost certainly a typo or a placeholder). Accept as-is: it loads as written.',
  bidi_override:
    'Check the value: invisible bidi controls make text display as something else (a common spoofing trick). Names are written without them; elsewhere clean them in the source platform if they are not meant.',
  consent_missing: 'Accept as-is for most industries: opt-out flags still migrate. For high-compliance industries, record the consent basis before the migration.',
};

/** Human names of the flags (report headings). */
export const FLAG_TITLES: Record<QualityFlagKind, string> = {
  missing_email: 'Missing email',
  invalid_email: 'Invalid email',
  duplicate_email: 'Duplicate email',
  malformed_phone: 'Malformed phone',
  malformed_row: 'Malformed source row',
  source_id_collision: 'User id shared by several profiles',
  name_too_long: 'Name too long',
  map_rejects: 'Rejected by the map (will fail Freshsales validation)',
  map_drops: 'Field left out by the map',
  unresolved_reference: 'Reference to a record the source no longer has',
  future_date: 'Date in the future',
  bidi_override: 'Bidi control characters',
  consent_missing: 'No consent type or source',
};

// ---------------------------------------------------------------------------------------

interface Member {
  seq: number;
  recordKey: string;
  sourceId: string;
  email: string | null;
  /** The normalised, lower-cased email; null when missing or invalid. */
  emailKey: string | null;
  updatedMs: number;
  /** False when the record has an error flag: it is quarantined, so it cannot win the merge. */
  loads: boolean;
}

/** Newest update wins (no time counts as oldest), ties to the greater source key — the rule `migrate` applies. */
function pickWinner(members: Member[]): Member | undefined {
  let best: Member | undefined;
  for (const m of members) {
    if (!m.loads) continue;
    if (best === undefined) {
      best = m;
      continue;
    }
    const a = Number.isNaN(m.updatedMs) ? -1 : m.updatedMs;
    const b = Number.isNaN(best.updatedMs) ? -1 : best.updatedMs;
    if (a > b || (a === b && m.recordKey > best.recordKey)) best = m;
  }
  return best;
}

function makeRow(c: Pick<CanonicalContact, 'sourceKey' | 'sourceId' | 'email'>, flags: QualityFlag[]): QualityRow {
  let severity: Severity = 'info';
  for (const f of flags) if (SEVERITY_RANK[f.severity] > SEVERITY_RANK[severity]) severity = f.severity;
  return { recordKey: c.sourceKey, sourceId: c.sourceId, email: c.email, flags, severity };
}

/**
 * A map whose value maps name selector entries ("Lead / Interested" → contact_status_id) is
 * resolved against the account at migrate time; here, without the account, each name stands
 * in as a placeholder id so only values the map does not cover at all are flagged.
 */
function withNamesAsIds(map: ContactMap): ContactMap {
  const isId = (v: unknown) => typeof v === 'number' || (typeof v === 'string' && /^\d+$/.test(v.trim()));
  let changed = false;
  const fields = map.fields.map((f) => {
    if (isCustomTarget(f.to) || f.values === undefined || targetRule(f.to).defaultTransform !== 'integer') return f;
    if (Object.values(f.values).every((v) => v === null || isId(v))) return f;
    changed = true;
    const values: Record<string, string | number | boolean | null> = {};
    let n = 0;
    for (const [k, v] of Object.entries(f.values)) values[k] = v === null || isId(v) ? v : ++n;
    return { ...f, values };
  });
  return changed ? { ...map, fields } : map;
}

/** The map without `resolve` fields whose reference table is not at hand (their values cannot be judged). */
function withoutUnreadReferences(map: ContactMap, references: Map<string, Map<string, string>> | undefined): ContactMap {
  const fields = map.fields.filter((f) => f.resolve === undefined || references?.has(f.resolve) === true);
  return fields.length === map.fields.length ? map : { ...map, fields };
}

function hasConsent(c: CanonicalContact, keys: string[] | undefined): boolean {
  for (const [name, v] of Object.entries(c.attributes)) {
    const isConsent = keys !== undefined ? keys.includes(name) : /consent/i.test(name);
    if (isConsent && !isAbsent(v)) return true;
  }
  return false;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
