/**
 * An Xtremepush account read from a JSONL file, so anyone can reproduce a customer's odd data
 * against the simulator (`crm-migrate sim --data FILE`, `demo --data FILE`, tests).
 *
 * One JSON object per line, naming what the line is by its single key; blank lines are skipped:
 *
 * ```jsonl
 * {"profile": {"profile_id": "101", "user_id": "u-1", "email": "Ana@Example.com", "first_name": "Ana", "date_of_birth": "1990-04-12"}}
 * {"attribute": {"name": "date_of_birth", "type": "Date"}}
 * {"campaign": {"id": 7, "title": "Welcome", "trigger": 0, "type": 1, "active": 1, "status": 1, "create_time": 1700000000, "email": 1}}
 * {"message": {"id": 1, "campaign_id": 7, "profile_id": "101", "create_time": 1700000100, "delivery": 1, "open": 1, "click": 0}}
 * {"event": {"profile_id": "101", "event": "deposit", "value": 20, "timestamp": "2024-12-13 11:36:00 +01:00"}}
 * {"tag": {"id": 1, "tag": "vip", "profile_id": "101", "create_time": 1700000200}}
 * {"location": {"id": "loc_1", "name": "Croke Park", "city": "Dublin"}}
 * ```
 *
 * - `profile`: a `list/profile` row exactly as the API would send it, kept as written — absent
 *   stays absent, null stays null, a list where text is promised stays a list — so the client
 *   meets the data as it would in production. Only `profile_id` is checked: a digit string or
 *   a non-negative whole number, unique (the API pages and keys by it).
 * - `attribute`: an attribute definition (`list/attribute`); `type` one of String, Number,
 *   Integer, Date, Array, Boolean. Attributes the profiles use without a definition get one
 *   typed from their first non-null value, as Xtremepush creates them on first use.
 * - `campaign`, `message`, `tag`: rows of `list/campaign`, `list/message`, `list/tag`, with the
 *   fields the API promises (a numeric `id`, unique; a message's `campaign_id`, `profile_id` and
 *   unix-seconds `create_time`; a tag hit's `tag` and `profile_id`); the rest as written.
 * - `event`: a line of the event export (`profile_id`, `event`, `timestamp`, optional `value`,
 *   `user_id`, `device_id`).
 * - `location`: a `list/location` row (`id` text, `name`, `city`).
 *
 * JSON cannot write NaN or Infinity: give them as text ("NaN", "1e309"); a bare 1e309 reads as
 * Infinity, which the simulator, like any JSON API, sends as null. A line that is not JSON, is
 * not one of these kinds or lacks what its kind needs is an error naming the file and the line.
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_NOW } from './xtremepush-dataset.js';
import type {
  XtremepushAttributeDefinition, XtremepushAttributeType, XtremepushCampaign, XtremepushDataset, XtremepushEvent, XtremepushLocation,
  XtremepushMessage, XtremepushProfile, XtremepushTagHit, XtremepushTruth,
} from './types.js';

/** A line of a dataset file that cannot be read; `line` is 1-based. */
export class DatasetFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    problem: string,
  ) {
    super(`${file} line ${line}: ${problem}`);
    this.name = 'DatasetFileError';
  }
}

/** The kinds of line a dataset file holds. */
export const DATASET_LINE_KINDS = ['profile', 'attribute', 'campaign', 'message', 'event', 'tag', 'location'] as const;
/** One of DATASET_LINE_KINDS. */
export type DatasetLineKind = (typeof DATASET_LINE_KINDS)[number];

/** Columns of a profile row that are not custom attributes. */
const PROFILE_CORE = new Set([
  'profile_id', 'user_id', 'email', 'email_subscription', 'mobile_number', 'sms_subscription', 'language', 'timezone', 'create_time', 'update_time',
]);
const ATTRIBUTE_TYPES: readonly XtremepushAttributeType[] = ['String', 'Number', 'Integer', 'Date', 'Array', 'Boolean'];

/**
 * The Xtremepush attribute type a value suggests, for attributes first seen in data (the
 * simulator's mutations and dataset files type new attributes with it).
 */
export function inferAttributeType(v: unknown): XtremepushAttributeType {
  if (typeof v === 'boolean') return 'Boolean';
  if (typeof v === 'number') return Number.isInteger(v) ? 'Integer' : 'Number';
  if (Array.isArray(v)) return 'Array';
  if (typeof v === 'string') {
    if (/^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2}( [+-]\d{2}:\d{2})?)?$/.test(v)) return 'Date';
    if (/^\[.*\]$/s.test(v)) return 'Array';
  }
  return 'String';
}

/** Options of {@link datasetFromJsonl}. */
export interface JsonlDatasetOptions {
  /** "Now" in unix seconds for the account (attribute creation times); default 2025-01-01T00:00:00Z. */
  now?: number;
}

/** Read a dataset file (see the module comment for the line format). */
export function datasetFromJsonl(file: string, opts: JsonlDatasetOptions = {}): XtremepushDataset {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new DatasetFileError(file, 0, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return datasetFromJsonlText(text, file, opts);
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const isWhole = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isId = (v: unknown) => isWhole(v) || (typeof v === 'string' && /^\d{1,15}$/.test(v.trim()));
const isUnix = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0) || (typeof v === 'string' && /^\d{1,13}$/.test(v.trim()));
const text = (v: unknown) => typeof v === 'string' && v.length > 0;

/** Read dataset lines from text; `name` is what errors call the file. */
export function datasetFromJsonlText(source: string, name: string, opts: JsonlDatasetOptions = {}): XtremepushDataset {
  const profiles: XtremepushProfile[] = [];
  const declared: XtremepushAttributeDefinition[] = [];
  const campaigns: XtremepushCampaign[] = [];
  const messages: XtremepushMessage[] = [];
  const events: XtremepushEvent[] = [];
  const tagHits: XtremepushTagHit[] = [];
  const locations: XtremepushLocation[] = [];
  const seen: Record<'profile' | 'campaign' | 'message' | 'tag' | 'location' | 'attribute', Map<string, number>> = {
    profile: new Map(), campaign: new Map(), message: new Map(), tag: new Map(), location: new Map(), attribute: new Map(),
  };
  const now = opts.now ?? DEFAULT_NOW;

  const lines = source.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((line, i) => {
    const no = i + 1;
    const fail = (problem: string): never => {
      throw new DatasetFileError(name, no, problem);
    };
    if (line.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (e) {
      fail(`not JSON (${(e as Error).message})`);
    }
    const keys = isObj(parsed) ? Object.keys(parsed) : [];
    if (!isObj(parsed) || keys.length !== 1 || !(DATASET_LINE_KINDS as readonly string[]).includes(keys[0]!)) {
      fail(`expected an object with one key, one of ${DATASET_LINE_KINDS.join(', ')} (e.g. {"profile": {...}}), got ${isObj(parsed) ? `keys ${JSON.stringify(keys)}` : JSON.stringify(parsed)?.slice(0, 40)}`);
    }
    const kind = keys[0] as DatasetLineKind;
    const row = (parsed as Obj)[kind];
    if (!isObj(row)) fail(`${kind} must be an object`);
    const r = row as Obj;
    const unique = (what: 'profile' | 'campaign' | 'message' | 'tag' | 'location' | 'attribute', key: string, field: string) => {
      const earlier = seen[what].get(key);
      if (earlier !== undefined) fail(`${what} ${field} ${key} is already on line ${earlier}`);
      seen[what].set(key, no);
    };
    const need = (ok: boolean, problem: string) => {
      if (!ok) fail(`${kind}: ${problem}`);
    };
    switch (kind) {
      case 'profile':
        need(isId(r.profile_id), `profile_id must be a digit string or a non-negative whole number, got ${JSON.stringify(r.profile_id) ?? 'nothing'}`);
        unique('profile', String(r.profile_id).trim(), 'profile_id');
        profiles.push(r as XtremepushProfile);
        break;
      case 'attribute':
        need(text(r.name), 'name must be text');
        need(ATTRIBUTE_TYPES.includes(r.type as XtremepushAttributeType), `type must be one of ${ATTRIBUTE_TYPES.join(', ')}`);
        unique('attribute', String(r.name), 'name');
        declared.push({
          id: 0,
          name: r.name as string,
          type: r.type as XtremepushAttributeType,
          max_length: typeof r.max_length === 'number' ? r.max_length : r.type === 'String' ? 101 : null,
          description: typeof r.description === 'string' ? r.description : '',
          create_time: now,
        });
        break;
      case 'campaign':
        need(isWhole(r.id), 'id must be a non-negative whole number');
        unique('campaign', String(r.id), 'id');
        campaigns.push(r as unknown as XtremepushCampaign);
        break;
      case 'message':
        need(isWhole(r.id), 'id must be a non-negative whole number');
        need(isId(r.campaign_id), 'campaign_id must be an id');
        need(isId(r.profile_id), 'profile_id must be an id');
        need(isUnix(r.create_time), 'create_time must be unix seconds');
        unique('message', String(r.id), 'id');
        messages.push(r as unknown as XtremepushMessage);
        break;
      case 'event':
        need(isId(r.profile_id), 'profile_id must be an id');
        need(text(r.event), 'event must be text');
        need(text(r.timestamp), 'timestamp must be text ("2024-12-13 11:36:00 +01:00")');
        events.push({ user_id: null, value: null, device_id: null, ...r } as unknown as XtremepushEvent);
        break;
      case 'tag':
        need(isWhole(r.id), 'id must be a non-negative whole number');
        need(text(r.tag), 'tag must be text');
        need(isId(r.profile_id), 'profile_id must be an id');
        unique('tag', String(r.id), 'id');
        tagHits.push({ device_id: null, create_time: now, ...r } as unknown as XtremepushTagHit);
        break;
      case 'location':
        need(text(r.id), 'id must be text (loc_12)');
        unique('location', String(r.id), 'id');
        locations.push({ name: '', city: '', ...r } as unknown as XtremepushLocation);
        break;
    }
  });

  // Served in key order, as the API pages them.
  profiles.sort((a, b) => Number(a.profile_id) - Number(b.profile_id));
  campaigns.sort((a, b) => a.id - b.id);
  messages.sort((a, b) => a.id - b.id);
  tagHits.sort((a, b) => a.id - b.id);

  const attributes = [...declared];
  const names = new Set(declared.map((a) => a.name));
  for (const p of profiles) {
    for (const [k, v] of Object.entries(p)) {
      // Xtremepush never creates an attribute without a usable name: such keys stay only in the row.
      // eslint-disable-next-line no-control-regex
      const unusable = k.trim() === '' || /[\u0000-\u001f\u007f]/.test(k) || k === '__proto__' || k === 'constructor' || k === 'prototype';
      if (PROFILE_CORE.has(k) || names.has(k) || unusable || v === null || v === undefined) continue;
      names.add(k);
      const type = inferAttributeType(v);
      attributes.push({ id: 0, name: k, type, max_length: type === 'String' ? 101 : null, description: '', create_time: now });
    }
  }
  attributes.forEach((a, i) => (a.id = i + 1));

  return {
    seed: 0,
    now,
    profiles,
    attributes,
    truth: emptyTruth(),
    campaigns,
    segments: [],
    promotions: [],
    devices: [],
    segmentMembers: {},
    messages,
    pushActions: [],
    events,
    consents: [],
    subscriptions: [],
    tagHits,
    locations,
  };
}

/** A file has no generator truth: every list empty (tests of loaded data state their own expectations). */
function emptyTruth(): XtremepushTruth {
  return {
    missingEmail: [], invalidEmail: [], duplicateGroups: [], junkPhones: [], tooLongNames: [], paddedNames: [], nationalPhones: [], missingUserId: [],
    phoneFormats: { e164NoPlus: 0, e164Plus: 0, national: 0, junk: 0, missing: 0 },
  };
}
