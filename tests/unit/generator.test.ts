import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { CountryCode } from 'libphonenumber-js';
import {
  DEFAULT_NOW, MESS_RATES, TAG_VOCABULARY, createXtremepushGenerator, datasetSummary, generateXtremepushDataset, type XtremepushDataset, type XtremepushProfile,
} from '../../simulators/generator/index.js';

const small = generateXtremepushDataset({ profiles: 3000, seed: 11 });
const byId = new Map(small.profiles.map((p) => [p.profile_id, p]));

/** An email a mail system would accept: one '@', no spaces, something on each side, a dot in the domain. */
const VALID_EMAIL = /^[^\s@]+@[^\s@.][^\s@]*\.[^\s@]+$/;
const isBlank = (e: unknown) => e === null || (typeof e === 'string' && e.trim() === '');

function sortedIds(rows: XtremepushProfile[]): string[] {
  return rows.map((p) => p.profile_id).sort((a, b) => Number(a) - Number(b));
}

describe('generateXtremepushDataset: determinism', () => {
  it('gives byte-identical output (lazy collections included) for the same input', () => {
    const a = generateXtremepushDataset({ profiles: 400, seed: 3, now: 1_700_000_000 });
    const b = generateXtremepushDataset({ profiles: 400, seed: 3, now: 1_700_000_000 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a.events.length).toBeGreaterThan(0);
  });

  it('differs for another seed and for another now', () => {
    const a = JSON.stringify(generateXtremepushDataset({ profiles: 200, seed: 3 }).profiles);
    expect(JSON.stringify(generateXtremepushDataset({ profiles: 200, seed: 4 }).profiles)).not.toBe(a);
    expect(JSON.stringify(generateXtremepushDataset({ profiles: 200, seed: 3, now: DEFAULT_NOW + 86400 }).profiles)).not.toBe(a);
  });

  it('does not depend on the wall clock: the default now is fixed, milliseconds are read as such', () => {
    expect(small.now).toBe(DEFAULT_NOW);
    const ms = generateXtremepushDataset({ profiles: 50, seed: 1, now: DEFAULT_NOW * 1000 });
    expect(ms.now).toBe(DEFAULT_NOW);
    expect(JSON.stringify(ms.profiles)).toBe(JSON.stringify(generateXtremepushDataset({ profiles: 50, seed: 1 }).profiles));
  });

  it('profileAt(i) and the profiles() stream equal the materialised rows', () => {
    const gen = createXtremepushGenerator({ profiles: 3000, seed: 11 });
    for (const i of [0, 1, 249, 250, 1777, 2999]) expect(gen.profileAt(i)).toEqual(small.profiles[i]);
    expect([...gen.profiles()]).toEqual(small.profiles);
    expect(() => gen.profileAt(3000)).toThrow(RangeError);
  });

  it('activity options change only the activity they shape', () => {
    const a = generateXtremepushDataset({ profiles: 100, seed: 9, eventsPerProfile: 5 });
    const b = generateXtremepushDataset({ profiles: 100, seed: 9, eventsPerProfile: 1 });
    expect(b.profiles).toEqual(a.profiles);
    expect(b.messages).toEqual(a.messages);
    expect(b.events.length).toBeLessThan(a.events.length);
  });
});

describe('generateXtremepushDataset: profile rows', () => {
  it('has unique digit-string profile ids increasing with the index and crossing a digit-length boundary', () => {
    const ids = small.profiles.map((p) => p.profile_id);
    expect(ids.every((id) => /^\d+$/.test(id))).toBe(true);
    for (let k = 1; k < ids.length; k++) expect(Number(ids[k])).toBeGreaterThan(Number(ids[k - 1]));
    expect(new Set(ids.map((i) => i.length)).size).toBeGreaterThan(1);
  });

  it('keeps create_time <= update_time <= now and creation in id order', () => {
    let prev = 0;
    for (const p of small.profiles) {
      expect(p.update_time).toBeGreaterThanOrEqual(p.create_time);
      expect(p.update_time).toBeLessThanOrEqual(small.now);
      expect(p.create_time).toBeGreaterThanOrEqual(prev);
      prev = p.create_time;
    }
  });

  it('has unique user ids in both shapes, and exactly the anonymous ones null', () => {
    const ids = small.profiles.map((p) => p.user_id).filter((u): u is string => u !== null);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.some((u) => /^u-\d{6}$/.test(u))).toBe(true);
    expect(ids.some((u) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(u))).toBe(true);
    expect(sortedIds(small.profiles.filter((p) => p.user_id === null))).toEqual(small.truth.missingUserId);
  });

  it('covers every Xtremepush attribute type with values in the documented formats', () => {
    const types = new Set(small.attributes.map((a) => a.type));
    expect([...types].sort()).toEqual(['Array', 'Boolean', 'Date', 'Integer', 'Number', 'String']);
    const values = (name: string) => small.profiles.map((p) => p[name]).filter((v) => v !== undefined && v !== null);
    for (const a of small.attributes) {
      const vs = values(a.name);
      expect(vs.length, a.name).toBeGreaterThan(0);
      for (const v of vs) {
        if (a.type === 'Integer') expect(Number.isInteger(v), a.name).toBe(true);
        if (a.type === 'Number') expect(typeof v, a.name).toBe('number');
        if (a.type === 'Boolean') expect(typeof v, a.name).toBe('boolean');
        if (a.type === 'Array') expect(Array.isArray(JSON.parse(v as string)), a.name).toBe(true);
        if (a.type === 'String' && a.max_length !== null) expect((v as string).length, a.name).toBeLessThanOrEqual(a.max_length);
      }
    }
    expect(values('lifetime_value').some((v) => !Number.isInteger(v))).toBe(true);
    expect(values('date_of_birth').every((v) => /^\d{4}-\d{2}-\d{2}$/.test(v as string))).toBe(true);
    expect(values('last_purchase_at').every((v) => /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{2}:\d{2}$/.test(v as string))).toBe(true);
    expect(values('last_login_at').every((v) => /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(v as string))).toBe(true);
    expect(new Set(values('last_purchase_at').map((v) => (v as string).slice(-6))).size).toBeGreaterThan(2);
  });

  it('has a low-cardinality string (< 200 values) and a high-cardinality one', () => {
    expect(new Set(small.profiles.map((p) => p.favourite_team).filter(Boolean)).size).toBeLessThan(200);
    const codes = small.profiles.map((p) => p.referral_code).filter(Boolean);
    expect(new Set(codes).size).toBeGreaterThan(codes.length * 0.95);
  });

  it('leaves attributes unset in both ways: absent keys and explicit nulls', () => {
    expect(small.profiles.some((p) => !('vip' in p))).toBe(true);
    expect(small.profiles.some((p) => 'vip' in p && p.vip === null)).toBe(true);
  });

  it('uses the seed page values for lifecycle, loyalty and consent', () => {
    const set = (k: string) => new Set(small.profiles.map((p) => p[k]).filter((v) => v !== undefined && v !== null));
    expect([...set('lifecycle_stage')].sort()).toEqual(['churned', 'engaged', 'lead', 'loyal', 'subscriber']);
    expect([...set('loyalty_tier')].sort()).toEqual(['bronze', 'gold', 'platinum', 'silver']);
    expect([...set('consent_type')].sort()).toEqual(['Legitimate Interest', 'Marketing']);
    expect([...set('consent_source')].sort()).toEqual(['SDK', 'import', 'manual']);
  });

  it('includes Irish, Turkish, German and Polish names with their letters', () => {
    const names = small.profiles.map((p) => `${p.first_name ?? ''} ${p.last_name ?? ''}`).join('|');
    for (const ch of ['á', 'Ó', "O'", 'ş', 'ğ', 'İ', 'ı', 'ü', 'ß', 'Ł', 'ó', 'ñ']) expect(names, ch).toContain(ch);
  });
});

describe('generateXtremepushDataset: mess and truth', () => {
  const n = small.profiles.length;

  it('injects each defect in its exact proportion', () => {
    const t = small.truth;
    expect(t.missingEmail).toHaveLength(Math.round(n * MESS_RATES.missingEmail));
    expect(t.invalidEmail).toHaveLength(Math.round(n * MESS_RATES.invalidEmail));
    const dupCopies = t.duplicateGroups.reduce((s, g) => s + g.profileIds.length - 1, 0);
    expect(dupCopies).toBe(Math.round(n * MESS_RATES.caseDuplicateEmail) + Math.round(n * MESS_RATES.exactDuplicateEmail));
    expect(t.junkPhones).toHaveLength(Math.round(n * MESS_RATES.junkPhone));
    expect(t.nationalPhones).toHaveLength(Math.round(n * MESS_RATES.nationalPhone));
    expect(t.tooLongNames).toHaveLength(2);
    expect(t.paddedNames).toHaveLength(Math.round(n * MESS_RATES.paddedName));
    const f = t.phoneFormats;
    expect(f.e164NoPlus + f.e164Plus + f.national + f.junk + f.missing).toBe(n);
    expect(f.e164Plus).toBe(Math.round(n * MESS_RATES.plusPhone));
  });

  it('truth.missingEmail is exactly the profiles with a null, empty or blank email', () => {
    expect(sortedIds(small.profiles.filter((p) => isBlank(p.email)))).toEqual(small.truth.missingEmail);
    expect(new Set(small.truth.missingEmail.map((id) => JSON.stringify(byId.get(id)!.email))).size).toBe(3);
  });

  it('truth.invalidEmail is exactly the present emails a mail system would reject', () => {
    const invalid = small.profiles.filter((p) => !isBlank(p.email) && !VALID_EMAIL.test(p.email!));
    expect(sortedIds(invalid)).toEqual(small.truth.invalidEmail);
  });

  it('truth.duplicateGroups is exactly the groups of valid emails equal once lower-cased, newest by update_time', () => {
    const groups = new Map<string, XtremepushProfile[]>();
    for (const p of small.profiles) {
      if (isBlank(p.email) || !VALID_EMAIL.test(p.email!)) continue;
      const key = p.email!.trim().toLowerCase();
      groups.set(key, [...(groups.get(key) ?? []), p]);
    }
    const found = [...groups.entries()].filter(([, ps]) => ps.length > 1).map(([emailKey, ps]) => {
      const newest = ps.reduce((a, b) => (b.update_time > a.update_time ? b : a));
      expect(ps.filter((p) => p.update_time === newest.update_time)).toHaveLength(1);
      return { emailKey, profileIds: sortedIds(ps), newest: newest.profile_id };
    });
    found.sort((a, b) => Number(a.profileIds[0]) - Number(b.profileIds[0]));
    expect(small.truth.duplicateGroups.map(({ kind: _k, ...g }) => g)).toEqual(found);
  });

  it('has case-variant, exact and three-member duplicate groups, and both members can be the newest', () => {
    const g = small.truth.duplicateGroups;
    expect(g.some((x) => x.kind === 'case')).toBe(true);
    expect(g.some((x) => x.kind === 'exact')).toBe(true);
    expect(g.some((x) => x.profileIds.length === 3)).toBe(true);
    for (const x of g.filter((y) => y.kind === 'case')) {
      expect(new Set(x.profileIds.map((id) => byId.get(id)!.email)).size).toBeGreaterThan(1);
    }
    // Mixed case alone does not make a duplicate: some unique addresses are capitalised too.
    const inGroups = new Set(g.flatMap((x) => x.profileIds));
    expect(small.profiles.some((p) => !inGroups.has(p.profile_id) && VALID_EMAIL.test(p.email ?? '') && /[A-Z]/.test(p.email!))).toBe(true);
    expect(g.some((x) => x.newest === x.profileIds[0])).toBe(true);
    expect(g.some((x) => x.newest !== x.profileIds[0])).toBe(true);
  });

  it('truth.junkPhones is exactly the phones without a plausible number of digits; every other phone is valid for its country', () => {
    const junk: XtremepushProfile[] = [];
    const shapes = { e164NoPlus: 0, e164Plus: 0, national: 0, junk: 0, missing: 0 };
    for (const p of small.profiles) {
      const m = p.mobile_number;
      if (m === null) { shapes.missing++; continue; }
      if (m.replace(/\D/g, '').length < 7) { junk.push(p); shapes.junk++; continue; }
      const parsed = m.startsWith('+') ? parsePhoneNumberFromString(m) : /^\d+$/.test(m) ? parsePhoneNumberFromString(`+${m}`) : parsePhoneNumberFromString(m, p.country as CountryCode);
      expect(parsed?.isValid(), `${p.profile_id} ${m} ${p.country}`).toBe(true);
      if (m.startsWith('+')) shapes.e164Plus++;
      else if (/^\d+$/.test(m)) shapes.e164NoPlus++;
      else shapes.national++;
    }
    expect(sortedIds(junk)).toEqual(small.truth.junkPhones);
    expect(shapes).toEqual(small.truth.phoneFormats);
    for (const id of small.truth.nationalPhones) expect(byId.get(id)!.country).toMatch(/^[A-Z]{2}$/);
  });

  it('truth.tooLongNames and truth.paddedNames match the rows, on profiles with a clean unique email', () => {
    const long = small.profiles.filter((p) => (p.first_name ?? '').length > 255 || (p.last_name ?? '').length > 255);
    expect(sortedIds(long)).toEqual(small.truth.tooLongNames);
    const padded = small.profiles.filter((p) => [p.first_name, p.last_name].some((s) => typeof s === 'string' && s !== s.trim()));
    expect(sortedIds(padded)).toEqual(small.truth.paddedNames);
    const dupIds = new Set(small.truth.duplicateGroups.flatMap((g) => g.profileIds));
    for (const id of [...small.truth.tooLongNames, ...small.truth.paddedNames]) {
      expect(VALID_EMAIL.test(byId.get(id)!.email ?? '')).toBe(true);
      expect(dupIds.has(id)).toBe(false);
    }
  });

  it('keeps proportions and truth exact for any size and seed (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (profiles, seed) => {
        const ds = generateXtremepushDataset({ profiles, seed });
        expect(ds.truth.missingEmail).toHaveLength(Math.round(profiles * MESS_RATES.missingEmail));
        expect(sortedIds(ds.profiles.filter((p) => isBlank(p.email)))).toEqual(ds.truth.missingEmail);
        expect(sortedIds(ds.profiles.filter((p) => !isBlank(p.email) && !VALID_EMAIL.test(p.email!)))).toEqual(ds.truth.invalidEmail);
        for (const g of ds.truth.duplicateGroups) {
          const keys = new Set(g.profileIds.map((id) => ds.profiles.find((p) => p.profile_id === id)!.email!.toLowerCase()));
          expect([...keys]).toEqual([g.emailKey]);
        }
        for (const p of ds.profiles) expect(p.update_time).toBeGreaterThanOrEqual(p.create_time);
      }),
      { numRuns: 25, seed: 42 },
    );
  });
});

describe('generateXtremepushDataset: activity and catalogues', () => {
  const ids = new Set(small.profiles.map((p) => p.profile_id));

  it('links devices, sends, push actions, events and consents to existing records', () => {
    const campaigns = new Set(small.campaigns.map((c) => c.id));
    const devices = new Map(small.devices.map((d) => [d.id, d]));
    expect(small.devices.every((d) => ids.has(d.profile_id))).toBe(true);
    expect(small.messages.every((m) => ids.has(m.profile_id) && campaigns.has(m.campaign_id))).toBe(true);
    expect(small.pushActions.every((a) => devices.has(a.device_id) && campaigns.has(a.campaign_id))).toBe(true);
    expect(small.events.every((e) => ids.has(e.profile_id) && (e.device_id === null || devices.get(e.device_id)?.profile_id === e.profile_id))).toBe(true);
    expect(small.consents.every((c) => ids.has(c.profile_id))).toBe(true);
    for (const p of small.profiles.filter((x) => x.user_id === null)) expect(small.devices.some((d) => d.profile_id === p.profile_id)).toBe(true);
  });

  it('writes sends with consistent interaction flags and times', () => {
    for (const m of small.messages) {
      expect(m.open <= m.delivery && m.click <= m.open).toBe(true);
      expect(m.error).toBe(1 - m.delivery);
      if (m.open_time !== null) expect(m.open_time).toBeGreaterThanOrEqual(m.create_time);
      if (m.click_time !== null) expect(m.click_time).toBeGreaterThanOrEqual(m.open_time!);
    }
    expect(new Set(small.messages.map((m) => m.id)).size).toBe(small.messages.length);
  });

  it('stamps events like hit/event does, oldest first per profile, ~5 per profile by default', () => {
    for (const e of small.events) expect(e.timestamp).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{2}:\d{2}$/);
    const mean = small.events.length / small.profiles.length;
    expect(mean).toBeGreaterThan(4);
    expect(mean).toBeLessThan(6);
    const first = small.events.filter((e) => e.profile_id === small.profiles[0]!.profile_id).map((e) => Date.parse(e.timestamp.replace(' ', 'T').replace(' ', '')));
    expect(first).toEqual([...first].sort((a, b) => a - b));
  });

  it('gives heavy profiles thousands of events', () => {
    const ds = generateXtremepushDataset({ profiles: 50, seed: 2, heavyEventProfiles: 1, heavyEventCount: 3000 });
    const per = new Map<string, number>();
    for (const e of ds.events) per.set(e.profile_id, (per.get(e.profile_id) ?? 0) + 1);
    expect(Math.max(...per.values())).toBe(3000);
  });

  it('mirrors channel subscriptions in consent rows', () => {
    for (const c of small.consents) {
      const p = byId.get(c.profile_id)!;
      if (c.channel === 'email') expect(c.status).toBe(p.email_subscription);
      if (c.channel === 'sms') expect(c.status).toBe(p.sms_subscription);
      expect(c.type).toBe(p.consent_type);
    }
  });

  it('snapshots segment membership from the rules', () => {
    const tr = small.segments.find((s) => s.name === 'Turkish market')!;
    expect(small.segmentMembers[String(tr.id)]).toEqual(sortedIds(small.profiles.filter((p) => p.country === 'TR')));
    const vip = small.segments.find((s) => s.name === 'VIP players')!;
    expect(small.segmentMembers[String(vip.id)]).toEqual(sortedIds(small.profiles.filter((p) => p.vip === true)));
  });

  it('describes campaigns with the documented fields and channel message keys', () => {
    for (const c of small.campaigns) {
      expect([0, 1, 2, 3]).toContain(c.trigger);
      const keys = Object.keys(c.messages);
      expect(keys.every((k) => ['1', '2', '3', '6', '7', '8', '9'].includes(k))).toBe(true);
      expect(keys.includes('7')).toBe(c.email === 1);
    }
  });

  it('gives profiles 0-4 immutable tag hits on their own devices, some tags repeated later, ids ascending', () => {
    expect(TAG_VOCABULARY.length).toBeGreaterThanOrEqual(10);
    expect(TAG_VOCABULARY.length).toBeLessThanOrEqual(20);
    const devices = new Map(small.devices.map((d) => [d.id, d]));
    const per = new Map<string, typeof small.tagHits>();
    for (let k = 0; k < small.tagHits.length; k++) {
      const h = small.tagHits[k]!;
      if (k > 0) expect(h.id).toBeGreaterThan(small.tagHits[k - 1]!.id);
      expect(TAG_VOCABULARY).toContain(h.tag);
      const p = byId.get(h.profile_id)!;
      expect(h.create_time).toBeGreaterThanOrEqual(p.create_time);
      expect(h.create_time).toBeLessThanOrEqual(small.now);
      if (h.device_id === null) expect(small.devices.some((d) => d.profile_id === h.profile_id)).toBe(false);
      else expect(devices.get(h.device_id)?.profile_id).toBe(h.profile_id);
      per.set(h.profile_id, [...(per.get(h.profile_id) ?? []), h]);
    }
    const counts = small.profiles.map((p) => per.get(p.profile_id)?.length ?? 0);
    expect(Math.min(...counts)).toBe(0);
    expect(Math.max(...counts)).toBe(4);
    let repeats = 0;
    for (const hits of per.values()) {
      for (let k = 1; k < hits.length; k++) expect(hits[k]!.create_time).toBeGreaterThan(hits[k - 1]!.create_time);
      repeats += hits.length - new Set(hits.map((h) => h.tag)).size;
    }
    expect(repeats).toBeGreaterThan(50);
    expect(new Set(small.tagHits.map((h) => h.tag)).size).toBe(TAG_VOCABULARY.length);
    // Tags draw from their own stream: other options leave them alone, and they leave the rest alone.
    const again = generateXtremepushDataset({ profiles: 3000, seed: 11, eventsPerProfile: 1, messagesPerProfile: 1 });
    expect(again.tagHits).toEqual(small.tagHits);
  });

  it('summarises every collection', () => {
    const s = datasetSummary(small);
    expect(s.profiles).toBe(3000);
    expect(s.events).toBe(small.events.length);
    expect(s.tagHits).toBe(small.tagHits.length);
    expect(s.duplicateProfiles).toBe(Math.round(3000 * 0.03) + Math.round(3000 * 0.01));
    expect(s.tooLongNames).toBe(2);
  });
});

describe('generateXtremepushDataset at full scale', () => {
  it('builds 200,000 profiles with exact truth counts and unique increasing ids', () => {
    const ds: XtremepushDataset = generateXtremepushDataset({ profiles: 200_000, seed: 7 });
    expect(ds.profiles).toHaveLength(200_000);
    expect(ds.truth.missingEmail).toHaveLength(6000);
    expect(ds.truth.invalidEmail).toHaveLength(4000);
    expect(ds.truth.duplicateGroups.reduce((s, g) => s + g.profileIds.length - 1, 0)).toBe(8000);
    let increasing = true;
    for (let k = 1; k < ds.profiles.length; k++) if (!(Number(ds.profiles[k]!.profile_id) > Number(ds.profiles[k - 1]!.profile_id))) increasing = false;
    expect(increasing).toBe(true);
    const emails = new Map<string, number>();
    for (const p of ds.profiles) if (!isBlank(p.email)) emails.set(p.email!.toLowerCase(), (emails.get(p.email!.toLowerCase()) ?? 0) + 1);
    const dupRows = [...emails.values()].filter((c) => c > 1).reduce((s, c) => s + c - 1, 0);
    expect(dupRows).toBe(8000);
  });
});
