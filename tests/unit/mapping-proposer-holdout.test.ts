import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { accuracyOf, answerOf, scoreSampledSet, type SampledAttribute } from '../../src/mapping/proposer-eval.js';
import { CUSTOM_FIELD_TYPES, STANDARD_CONTACT_FIELDS } from '../../src/mapping/spec.js';

// Two held-out sets, each labelled from public platform/CRM docs and code without sight of the
// proposer, and committed before the proposer was run on it. Never change an answer to match the
// proposer; a convention change is recorded in the set's header and made by rule, before a run.
//
// Set 1 (proposer-holdout.json) was measured blind on 2026-11-29 (standard 74/101, custom type
// 56/80, skip 6/15, 43 wrong but high), and its misses then showed the proposer's faults, which
// were fixed on 2026-11-30: it is a development set now, and its figures are no longer a fair
// measure. Two of its answers (app_version, device_os → skip) disagree with PRODUCT.md, which
// makes OS, app version and device model contact custom fields; the proposer follows PRODUCT.md.
//
// Set 2 (proposer-holdout-2.json) was built on 2026-11-30 after those fixes. Its first, blind run:
// standard 70/93 (75.3%), custom type 73/84 (86.9%), skip 15/21 (71.4%), 4 wrong but high. Two of
// those four were bugs fixed the same day (a dotted name's last part read alone, "sms_consent.state"
// → State; status words taken for place names), so the figures below are after one look at it.
// Its misses then showed more faults, fixed on 2026-11-30 by rule (Turkish possessive endings,
// Salesforce's __c, first-touch UTM copies, address qualifiers, subscription statuses read by
// their values, yes/no spelled several ways, numbers written like phones, day-first dates the
// values show, places as text, ids of other tools): set 2 is a development set now too
// (standard 89/93, custom type 79/84, skip 19/21, 2 wrong but high, both disputed labels).
//
// Set 3 (proposer-holdout-3.json, 199 attributes from sources sets 1 and 2 did not use: WebEngage,
// Dynamics 365, SugarCRM, Odoo, Marketo, Brevo, Airship, iGaming schemas, Turkish e-commerce and
// İYS, Irish-language forms) was built blind on 2026-11-30, after set 2's fixes. Its first, blind
// run: standard 49/102 (48.0%), custom type 70/77 (90.9%), skip 15/20 (75.0%), 17 wrong but high.
// Its misses showed that names were read only as written; fixed the same day by rule (every name
// also read with abbreviations written out, split where written as one word, and in English
// from Turkish and, back to front, from Irish; a run of a name's words beside prefixes and
// qualifiers; "do not"/"istemiyor" consents; phone extensions; codes under a code/method/role
// name; long numbers under an identifier name as text). It is a development set now too.
//
// Set 4 (proposer-holdout-4.json, 200 attributes: Eloqua, Adobe Campaign, Zendesk/Freshdesk,
// PrestaShop/Magento/Stripe/BigCommerce, AppsFlyer, GA4 export, Keap, BetConstruct, Turkish
// retail/ERP, Irish-language and Irish-market names) was built blind on 2026-11-30 after set 3's
// fixes, to measure them honestly. Its first, blind run: standard 57/104 (54.8%), custom type
// 65/77 (84.4%), skip 13/19 (68.4%), 5 wrong but high. Its misses were then fixed by rule too
// (more of each language's words, a call permission as Do not disturb, a channel alone with
// yes/no values as its consent, time zones by their values, ids of a short list as a dropdown,
// notes as a textarea, password hashes, neighbourhoods as places): a development set now.
//
// Set 5 (proposer-holdout-5.json, 196 attributes: Responsys, Marketing Cloud, Mailchimp member
// API, Constant Contact, Omnisend, Ometria, ActiveCampaign, EveryMatrix, PlayFab/Nakama, Shopware,
// Matomo/Branch/Mapp, Turkish ISP register and accounting systems, GAA club records, Irish-language
// names) was built blind on 2026-11-30 after set 4's fixes. Its first, blind run: standard 48/99
// (48.5%), custom type 70/77 (90.9%), skip 11/20 (55.0%), 4 wrong but high. Its misses were then
// fixed by rule (vendors' consent statuses and I/O letters under a consent name through a value
// map, var/yok, PPS and TCKN by their values, company names not a job title, no country by values
// for a birth country or a language, more words): a development set now.
//
// Set 6 (proposer-holdout-6.json, 198 attributes: Pardot, AWeber, Campaign Monitor, GetResponse,
// SendGrid, Kustomer, Drip, Postscript, MailerLite, Listrak, Encharge, Bitrix24, Euro.message, Nebim,
// a Turkish betting export, Irish-language form labels, an Irish energy supplier, export headers)
// was built blind on 2026-11-30 after set 5's fixes; its builder was asked for the names a
// migration engineer would actually meet, with a fair share of hard cases, rather than for hard
// cases first (sets 3–5), so it is not strictly comparable with them. Its first, blind run:
// standard 79/104 (76.0%), custom type 65/75 (86.7%), skip 13/19 (68.4%), 4 wrong but high. Its
// misses were then fixed by rule (ids other tools give a person by the tool's name, Salesforce
// record ids, crm_id and loyalty ids no external id, a channel as the contact source, utility
// and info qualifiers, GSM and text as the SMS channel, given names not a last name, more words):
// a development set now.
//
// Set 7 (proposer-holdout-7.json, 197 attributes: Ontraport, HighLevel, Insightly, Mailjet, Copper,
// Eventbrite, loyalty platforms, Attentive, ikas, LoyLap, sportsbook interfaces, Close, Wix, a
// Turkish operator's CRM with İYS columns, Irish club and retail columns, Irish-language labels)
// was built blind on 2026-11-30 after set 6's fixes, asked for realistic names like set 6. Its
// first, blind run: standard 59/102 (57.8%), custom type 65/77 (84.4%), skip 13/18 (72.2%),
// 11 wrong but high. Its misses were then fixed by rule (a custom type is high only when the
// name says what the values are; stages and statuses by their values under a stage, status or
// type name; marketing words beside a channel as consent; İYS call consent; longer phrases; a
// person path's title; someone else's phone): a development set now.
//
// Set 8 (proposer-holdout-8.json, 195 attributes: SAP Customer Data Cloud, Adobe XDM, Salesforce B2C
// Commerce, Chargebee, Recurly, Zuora, SecuTix, AudienceView, Fast Track CRM, Google Ads Customer
// Match, a Turkish delivery app, airline profiles, Turkish loyalty and sales-CRM labels, an Irish
// credit union and Leap card export, Irish-language labels) was built blind on 2026-11-30 after
// set 7's fixes, asked for realistic names like sets 6 and 7. Its first, blind run: standard 77/99
// (77.8%), custom type 70/77 (90.9%), skip 14/19 (73.7%), 1 wrong but high. Its misses were then
// fixed by rule (an earlier system's ids, zero-padded ids not phones, bare prefixes only one
// letter or a vendor's, channel-only consents of several channel words, numbers under a number
// name never timestamps, four-digit postcodes, more Turkish and Irish words): a development set now.
//
// Sets 9 and 10 (proposer-holdout-9.json, 194 attributes: Segment, RudderStack, PostHog, Heap,
// Snowplow, Bird, Selligent, Xbox/PSN/Unity, Playtech, İYS API, Turkish telecom and betting, Irish
// forms and clubs; proposer-holdout-10.json, 198 attributes: NetSuite, Siebel/Oracle CX, Customer
// Insights, Zoho, Capsule, loyalty and membership platforms, travel profiles, Turkish ERP, bank
// and telecom, Irish charities and credit unions, Irish-language labels) were built blind at the
// same time on 2026-11-30 after set 8's fixes, from disjoint vendor lists. First, blind runs:
// set 9 standard 53/96 (55.2%), custom type 73/79 (92.4%), skip 14/19 (73.7%), 1 wrong but high;
// set 10 standard 53/96 (55.2%), custom type 79/83 (95.2%), skip 12/19 (63.2%), 0 wrong but high.
// Their misses were then fixed by rule (event-pipeline prefixes, joined billing words, dotted owner
// paths, opt suffixes, gamertags, codes not tags, İYS call consent, more Turkish and Irish words):
// development sets now.
//
// Sets 11 and 12 (proposer-holdout-11.json, 198 attributes: Calendly, Acuity, Patreon, Shopify and
// Lightspeed exports, Mindbody, Square, Kajabi, Teachable, Fresha, Toast, Glofox, Tito, Turkish
// e-Fatura cards and SME spreadsheets, Irish SME, GAA and Gaelscoil forms; proposer-holdout-12.json,
// 186 attributes: Pushwoosh tags, Firebase user properties of open-source apps, Expo/Supabase
// profiles, game saves, Fineract, delivery and ride-hailing user models, Turkish app models and İYS
// integration code, Irish apps and localisation terms) were built blind at the same time on
// 2026-11-30 after sets 9 and 10's fixes, and measured once each helper had finished. First, blind
// runs: set 11 standard 55/95 (57.9%), custom type 75/85 (88.2%), skip 13/18 (72.2%), 1 wrong but
// high; set 12 standard 63/91 (69.2%), custom type 69/76 (90.8%), skip 13/19 (68.4%), 2 wrong but high.
// Their misses were then fixed by rule (form questions and asides as qualifiers, yes- or no-led
// answers, a guardian's phone and email as a member's, ticks, Turkish stage words, calendar time
// zone names, ids starting with 1, more words): development sets now.
//
// Set 13 (proposer-holdout-13.json, 197 attributes: ERPNext/Frappe doctypes and their Turkish
// translations, Twenty, EspoCRM, Krayin, dbt customer models, Looker's thelook, Kaggle customer
// datasets, Turkish datathon data, CSO census terms, Irish-language labels) was built blind on
// 2026-11-30 after sets 11 and 12's fixes. Its first, blind run: standard 75/95 (78.9%), custom
// type 78/84 (92.9%), skip 14/18 (77.8%), 1 wrong but high.
//
// Set 14 (proposer-holdout-14.json, 193 attributes: CleverTap, MoEngage and Leanplum keys in
// customers' public app code, Insider and Netmera SDK samples, Optimove, Dotdigital, PostHog traits,
// a streaming subscriptions table, a Turkish bank's model, iGaming, Turkish broadband and fashion
// apps, an Irish-language streaming app, an Irish pharmacy and a ferry operator) was built blind at
// the same time as set 13 from a disjoint source list. Its first, blind run: standard 67/93 (72.0%),
// custom type 76/80 (95.0%), skip 17/20 (85.0%), 0 wrong but high. Sets 13 and 14 were not used to
// fix the proposer: they were the honest measure until their misses were fixed by rule the same
// day (WhatsApp one word, vendor prefixes, qualifiers, Irish article forms, workplace landlines,
// sync columns, testers, push endpoints); sets 15 and 16 were built to measure that.
//
// Sets 15 and 16 (proposer-holdout-15.json, 196 attributes: Saleor, Medusa, Sylius, Spree, OpenCart,
// nopCommerce, Bagisto, Paid Memberships Pro, MemberPress, BuddyPress, pretix, a GAA club app, Turkish
// shop and sales code, Irish shop terms; proposer-holdout-16.json, 199 attributes: OPERA Cloud,
// Cloudbeds, Mews, TM Forum TMF632, Temenos T24, Mambu, SAP IS-U, Turkish insurance and hotel code,
// car rental, a council, an Irish insurer, Irish-language bank keys) were built blind at the same
// time on 2026-11-30 after sets 13 and 14's fixes, and measured once each helper had finished.
// First, blind runs: set 15 standard 62/102 (60.8%), custom type 70/75 (93.3%), skip 12/19 (63.2%),
// 0 wrong but high; set 16 standard 58/98 (59.2%), custom type 75/82 (91.5%), skip 12/19 (63.2%),
// 2 wrong but high. Set 16's two wrong-but-high answers were then fixed by rule (a person
// container's last part first, "OFF" as office, surnames kept out of First name); nothing else
// from sets 15 and 16 was used.
//
// The floors are the measured figures (not aims): the proposer may get better, not worse.
const load = (file: string) => (JSON.parse(readFileSync(new URL(`../fixtures/mapping/${file}`, import.meta.url), 'utf8')) as { attributes: SampledAttribute[] }).attributes;
const POINTS = 0.02;

describe.each([
  { file: 'proposer-holdout.json', size: [120, 200], counts: { standard: 101, customType: 80, skip: 15 }, measured: { standard: 101 / 101, customType: 78 / 80, skip: 13 / 15, wrongButHigh: 0 } },
  { file: 'proposer-holdout-16.json', size: [180, 200], counts: { standard: 98, customType: 82, skip: 19 }, measured: { standard: 60 / 98, customType: 75 / 82, skip: 12 / 19, wrongButHigh: 0 } },
  { file: 'proposer-holdout-15.json', size: [180, 200], counts: { standard: 102, customType: 75, skip: 19 }, measured: { standard: 62 / 102, customType: 70 / 75, skip: 12 / 19, wrongButHigh: 0 } },
  { file: 'proposer-holdout-14.json', size: [180, 200], counts: { standard: 93, customType: 80, skip: 20 }, measured: { standard: 90 / 93, customType: 76 / 80, skip: 19 / 20, wrongButHigh: 0 } },
  { file: 'proposer-holdout-13.json', size: [180, 200], counts: { standard: 95, customType: 84, skip: 18 }, measured: { standard: 90 / 95, customType: 78 / 84, skip: 18 / 18, wrongButHigh: 0 } },
  { file: 'proposer-holdout-12.json', size: [180, 200], counts: { standard: 91, customType: 76, skip: 19 }, measured: { standard: 85 / 91, customType: 68 / 76, skip: 16 / 19, wrongButHigh: 1 } },
  { file: 'proposer-holdout-11.json', size: [180, 200], counts: { standard: 95, customType: 85, skip: 18 }, measured: { standard: 82 / 95, customType: 76 / 85, skip: 17 / 18, wrongButHigh: 0 } },
  { file: 'proposer-holdout-10.json', size: [180, 200], counts: { standard: 96, customType: 83, skip: 19 }, measured: { standard: 90 / 96, customType: 80 / 83, skip: 18 / 19, wrongButHigh: 0 } },
  { file: 'proposer-holdout-9.json', size: [180, 200], counts: { standard: 96, customType: 79, skip: 19 }, measured: { standard: 89 / 96, customType: 74 / 79, skip: 16 / 19, wrongButHigh: 0 } },
  { file: 'proposer-holdout-8.json', size: [180, 200], counts: { standard: 99, customType: 77, skip: 19 }, measured: { standard: 94 / 99, customType: 73 / 77, skip: 19 / 19, wrongButHigh: 0 } },
  { file: 'proposer-holdout-7.json', size: [180, 200], counts: { standard: 102, customType: 77, skip: 18 }, measured: { standard: 92 / 102, customType: 69 / 77, skip: 16 / 18, wrongButHigh: 1 } },
  { file: 'proposer-holdout-6.json', size: [180, 200], counts: { standard: 104, customType: 75, skip: 19 }, measured: { standard: 97 / 104, customType: 69 / 75, skip: 18 / 19, wrongButHigh: 0 } },
  { file: 'proposer-holdout-5.json', size: [180, 200], counts: { standard: 99, customType: 77, skip: 20 }, measured: { standard: 93 / 99, customType: 71 / 77, skip: 17 / 20, wrongButHigh: 0 } },
  { file: 'proposer-holdout-4.json', size: [180, 200], counts: { standard: 104, customType: 77, skip: 19 }, measured: { standard: 101 / 104, customType: 72 / 77, skip: 19 / 19, wrongButHigh: 1 } },
  { file: 'proposer-holdout-3.json', size: [180, 200], counts: { standard: 102, customType: 77, skip: 20 }, measured: { standard: 99 / 102, customType: 75 / 77, skip: 20 / 20, wrongButHigh: 0 } },
  { file: 'proposer-holdout-2.json', size: [170, 200], counts: { standard: 93, customType: 84, skip: 21 }, measured: { standard: 91 / 93, customType: 80 / 84, skip: 20 / 21, wrongButHigh: 1 } },
])('the proposer on $file', ({ file, size, counts, measured }) => {
  const set = load(file);
  const acc = accuracyOf(scoreSampledSet(set));

  it('is the set it was measured on: both sources, en/tr/ga, valid answers and 5–20 samples each', () => {
    expect(set.length).toBeGreaterThanOrEqual(size[0]!);
    expect(set.length).toBeLessThanOrEqual(size[1]!);
    expect(new Set(set.map((a) => a.source))).toEqual(new Set(['xtremepush', 'netmera']));
    expect(new Set(set.map((a) => a.language))).toEqual(new Set(['en', 'tr', 'ga']));
    for (const a of set) {
      expect(a.samples.length, a.name).toBeGreaterThanOrEqual(5);
      expect(a.samples.length, a.name).toBeLessThanOrEqual(20);
      if (a.answer.kind === 'standard') expect(Object.keys(STANDARD_CONTACT_FIELDS), a.name).toContain(a.answer.field);
      if (a.answer.kind === 'custom') expect(CUSTOM_FIELD_TYPES as readonly string[], a.name).toContain(a.answer.type);
    }
    expect(acc.standard.of).toBe(counts.standard);
    expect(acc.customType.of).toBe(counts.customType);
    expect(acc.skip.of).toBe(counts.skip);
  });

  it(`marks no more wrong suggestions high than measured (${measured.wrongButHigh})`, () => {
    expect(acc.wrongButHigh.map((s) => `${s.name}: ${s.proposed} (answer ${s.answer})`).length).toBeLessThanOrEqual(measured.wrongButHigh);
  });

  it(`keeps top-1 on standard fields within 2 points of the measured ${(100 * measured.standard).toFixed(1)}%`, () => {
    expect(acc.standard.right / acc.standard.of).toBeGreaterThanOrEqual(measured.standard - POINTS);
  });

  it(`keeps type accuracy on custom attributes within 2 points of the measured ${(100 * measured.customType).toFixed(1)}%`, () => {
    expect(acc.customType.right / acc.customType.of).toBeGreaterThanOrEqual(measured.customType - POINTS);
  });

  it(`keeps skips within 2 points of the measured ${(100 * measured.skip).toFixed(1)}%`, () => {
    expect(acc.skip.right / acc.skip.of).toBeGreaterThanOrEqual(measured.skip - POINTS);
  });
});

describe('held-out answers', () => {
  it('score in the labelled set notation', () => {
    expect(answerOf({ kind: 'standard', field: 'emails' })).toBe('std:emails');
    expect(answerOf({ kind: 'custom', type: 'date' })).toBe('custom:date');
    expect(answerOf({ kind: 'skip', why: 'device token' })).toBe('skip');
  });
});
