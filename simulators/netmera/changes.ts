/**
 * Changes to the Netmera account while the simulator runs (`POST /__sim/profiles`,
 * `NetmeraSim.changeUsers`), as the customer's app and panel would make them between two
 * migration runs: `{"upsert": [users], "delete": [extIds]}`.
 *
 * An upsert user is the simulator's own user model, addressed by `extId` (users without one
 * cannot be reached by any REST call, so not by this one either):
 * `{extId, profile?, devices?, categoryPreferences?, channelPermission?, tags?, segments?}`.
 * - `profile`: attributes merged into the stored ones (what `getProfileAttributes` answers
 *   next); every code must have a definition in `app/profile-attributes` and a value of its
 *   type (dates as epoch ms, arrays as lists of text). `null` stores null, as the SDK does.
 *   A new `dateOfBirth` recomputes the derived `age`.
 * - `devices`: the user's installations, replacing the stored ones (`getDevices`,
 *   `getDeviceTokens`, the installation files); `platform` is required, the rest defaults.
 * - `categoryPreferences`: merged (`getCategoryPreferences`); names must be the account's.
 * - `channelPermission`: merged; its `updatedAt` (the Channel Permission file's update date,
 *   the only per-user modification time the account keeps) moves to simulated now.
 * - `tags`: replace the user's tags (files only, as ever).
 * - `segments`: memberships given by hand: the user is in these segments and the all-users
 *   one from now on, whatever the rules and recalculations say. Without it a user's
 *   memberships follow the rules over the new values (a new user: the all-users segment,
 *   new sign-ups, and whatever its attributes and devices match).
 * A deleted user vanishes from `ds.users`: segments no longer list it, `getProfileAttributes`
 * and `getCategoryPreferences` answer 5016 and `getDevices` an empty list, as for any unknown
 * extId. Its past sends and events stay in the push results and the Event Data file (history).
 */
import { z } from 'zod';
import type { SourceChangeResult } from '../common/source-changes.js';
import { zoneOffsetMinutes } from '../generator/formats.js';
import { fmix32 } from '../generator/index-rng.js';
import type { NetmeraDataset, NetmeraDevice, NetmeraUser, NetmeraValue } from '../generator/netmera-types.js';

const PLATFORMS = ['IOS', 'ANDROID', 'CHROME', 'SAFARI', 'FIREFOX'] as const;
const EPOCH_MS = z.number().int().nonnegative();
const IYS = z.enum(['ONAY', 'RET']).nullable();

/** An extId: non-empty text. */
export const EXT_ID = z.string({ error: 'extId must be text' }).min(1, 'extId must not be empty');

/** An installation in an upsert: platform required, the rest defaults. */
const DEVICE = z.strictObject({
  installationId: z.string().regex(/^[0-9a-f]{24}$/, 'installationId must be 24 hex characters').optional(),
  platform: z.enum(PLATFORMS),
  token: z.string().nullable().optional(),
  deviceModel: z.string().optional(),
  manufacturer: z.string().optional(),
  osVersion: z.string().optional(),
  appVersion: z.string().optional(),
  language: z.string().optional(),
  operator: z.string().nullable().optional(),
  region: z.string().optional(),
  timeZone: z.string().optional(),
  pushPermitted: z.boolean().optional(),
  installedAt: EPOCH_MS.optional(),
  lastActiveAt: EPOCH_MS.optional(),
  uninstalled: z.boolean().optional(),
});

/** One user of an upsert, as `changeUsers` takes it. */
export interface NetmeraUserChange {
  extId: string;
  profile?: Record<string, NetmeraValue>;
  devices?: z.input<typeof DEVICE>[];
  categoryPreferences?: Record<string, boolean>;
  channelPermission?: Partial<Omit<NetmeraUser['channelPermission'], 'updatedAt'>>;
  tags?: string[];
  segments?: number[];
}

/** The schema of an upsert user in this account (its attribute definitions, categories and segments). */
export function userChangeSchema(ds: NetmeraDataset): z.ZodType<NetmeraUserChange> {
  const defs = new Map([...ds.standardAttributes, ...ds.customAttributes].map((a) => [a.code, a]));
  const segmentIds = new Set(ds.segments.map((s) => s.id));
  const profile = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.null()])).superRefine((p, ctx) => {
    for (const [code, v] of Object.entries(p)) {
      const def = defs.get(code);
      const issue = (message: string) => ctx.addIssue({ code: 'custom', message, path: [code] });
      if (code === 'extId') issue('extId is the key, not an attribute to change');
      else if (!def) issue(`no attribute ${code} in app/profile-attributes`);
      else if (v !== null && !fits(def.dataType, def.isArray === true, v)) issue(`${code} is ${def.isArray ? `a list of ${def.dataType}` : def.dataType}`);
    }
  });
  return z.strictObject({
    extId: EXT_ID,
    profile: profile.optional(),
    devices: z.array(DEVICE).optional(),
    categoryPreferences: z.record(z.string().refine((c) => ds.categories.includes(c), 'not one of the account\'s categories'), z.boolean()).optional(),
    channelPermission: z.strictObject({
      email: z.boolean().nullable().optional(),
      sms: z.boolean().nullable().optional(),
      whatsapp: z.boolean().nullable().optional(),
      iys: z.strictObject({ email: IYS, sms: IYS, call: IYS, source: z.string(), consentAt: EPOCH_MS }).nullable().optional(),
    }).optional(),
    tags: z.array(z.string().min(1)).optional(),
    segments: z.array(z.number().int().refine((id) => segmentIds.has(id), 'no such segment')).optional(),
  });
}

function fits(type: string, isArray: boolean, v: NetmeraValue): boolean {
  if (isArray) return Array.isArray(v);
  if (type === 'STRING') return typeof v === 'string';
  if (type === 'BOOLEAN') return typeof v === 'boolean';
  if (type === 'INTEGER' || type === 'DATE') return Number.isSafeInteger(v);
  return typeof v === 'number' && Number.isFinite(v);
}

/** The calendar day a date attribute means (the local day its instant falls on in `tz`) and the age in whole years at `now`, as the generator derives it. */
function birthOf(dob: number, now: number, tz: string): { date: string; age: number } {
  const b = new Date(dob + zoneOffsetMinutes(tz, Math.floor(dob / 1000)) * 60_000);
  const t = new Date(now);
  const before = t.getUTCMonth() < b.getUTCMonth() || (t.getUTCMonth() === b.getUTCMonth() && t.getUTCDate() < b.getUTCDate());
  return { date: b.toISOString().slice(0, 10), age: t.getUTCFullYear() - b.getUTCFullYear() - (before ? 1 : 0) };
}

/** A stored installation from an upsert one; a missing installationId is drawn from the extId and position. */
function deviceOf(d: z.infer<typeof DEVICE>, extId: string, k: number, now: number, tz: string): NetmeraDevice {
  let h = 0x811c9dc5;
  for (const ch of `${extId}#${k}`) h = fmix32((h ^ ch.codePointAt(0)!) >>> 0);
  const id = [h, fmix32(h ^ 1), fmix32(h ^ 2)].map((x) => x.toString(16).padStart(8, '0')).join('');
  return {
    installationId: d.installationId ?? id, platform: d.platform, token: d.token ?? null, deviceModel: d.deviceModel ?? '', manufacturer: d.manufacturer ?? '',
    osVersion: d.osVersion ?? '', appVersion: d.appVersion ?? '', language: d.language ?? '', operator: d.operator ?? null, region: d.region ?? '',
    timeZone: d.timeZone ?? tz, pushPermitted: d.pushPermitted ?? false, installedAt: d.installedAt ?? now, lastActiveAt: d.lastActiveAt ?? now,
    uninstalled: d.uninstalled ?? false,
  };
}

/**
 * Apply checked changes to the account in place: upserts in order (merged into the user with
 * that extId, or a new user), then deletes. `now` is the simulated time (epoch ms).
 */
export function applyUserChanges(ds: NetmeraDataset, changes: { upsert: NetmeraUserChange[]; delete: string[] }, now: number): SourceChangeResult {
  const out: SourceChangeResult = { created: 0, updated: 0, deleted: 0, missing: [] };
  const byExtId = new Map(ds.users.flatMap((u) => (u.extId === null ? [] : [[u.extId, u] as const])));
  for (const c of changes.upsert) {
    let u = byExtId.get(c.extId);
    if (u) out.updated++;
    else {
      u = newUser(ds, c.extId, now);
      ds.users.push(u);
      byExtId.set(c.extId, u);
      out.created++;
    }
    if (c.profile) {
      Object.assign(u.profile, c.profile);
      if ('dateOfBirth' in c.profile) {
        const dob = c.profile.dateOfBirth;
        const birth = typeof dob === 'number' ? birthOf(dob, ds.now, u.traits.timeZone) : null;
        if (birth) u.profile.age = birth.age;
        else delete u.profile.age;
        u.traits.birthDate = birth?.date ?? null;
      }
      // The Istanbul rule reads the user's city.
      const city = c.profile.sehir ?? c.profile.city;
      if (typeof city === 'string') u.traits.city = city;
    }
    if (c.devices) {
      const devices = c.devices.map((d, k) => deviceOf(d, c.extId, k, now, u.traits.timeZone));
      u.devices = devices.sort((a, b) => b.lastActiveAt - a.lastActiveAt);
    }
    if (c.categoryPreferences) Object.assign(u.categoryPreferences, c.categoryPreferences);
    if (c.channelPermission) {
      Object.assign(u.channelPermission, c.channelPermission);
      u.channelPermission.updatedAt = Math.max(now, u.channelPermission.updatedAt + 1);
    }
    if (c.tags) u.tags = [...new Set(c.tags)];
    if (c.segments) u.segmentIds = [...new Set(c.segments)];
  }
  const gone = new Set<string>();
  for (const extId of changes.delete) {
    if (byExtId.has(extId) && !gone.has(extId)) {
      gone.add(extId);
      out.deleted++;
    } else out.missing.push(extId);
  }
  if (gone.size > 0) {
    const kept = ds.users.filter((u) => u.extId === null || !gone.has(u.extId));
    ds.users.splice(0, ds.users.length, ...kept);
  }
  return out;
}

/** A user the account did not have: nothing set but its key, signed up now. */
function newUser(ds: NetmeraDataset, extId: string, now: number): NetmeraUser {
  const index = ds.users.reduce((m, u) => Math.max(m, u.index), -1) + 1;
  return {
    index, extId, key: extId, profile: {}, devices: [], categoryPreferences: {},
    channelPermission: { email: null, sms: null, whatsapp: null, iys: null, updatedAt: now },
    tags: [],
    traits: {
      countryIso: '', timeZone: ds.timeZone, birthDate: null, dogumTarihi: null, city: null,
      cartAbandoner: false, churnScore: 0, powerUser: false, campaign2022: false, createdAt: now,
    },
  };
}
