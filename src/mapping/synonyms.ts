/**
 * Stage 1 of the proposer: what an attribute's NAME says. A name is normalised (camelCase,
 * snake_case and kebab-case split; diacritics and the Turkish letters ı ş ç ğ ö ü folded), then
 * looked up in a curated multilingual synonym table of the Freshsales standard contact fields,
 * then — when nothing matches exactly — compared by edit distance (fastest-levenshtein).
 *
 * The table is built from what the platforms and CRMs call these fields in their own docs and
 * exports, not from any one test set: Freshsales' labels (First name, Work, Zipcode, …),
 * the engagement platforms' profile columns and codes (first_name, mobile_number, user_id;
 * name, surname, msisdn, extId, city, state), HubSpot/Salesforce/Braze/Segment
 * trait names (firstname, MobilePhone, given_name, postal_code, utm_medium), Turkish form labels
 * (ad, soyad, cep telefonu, e-posta, şehir, posta kodu, semt, sokak) and Irish usage (county,
 * Eircode, forename; Irish-language ainm, sloinne, seoladh, contae).
 *
 * Names that say "this is a device or internal identifier" (push tokens, installation ids,
 * advertising ids) are listed too: they must never become contact fields.
 *
 * Pure data and pure functions.
 */
import { distance } from 'fastest-levenshtein';
import type { StandardContactField } from './spec.js';

/** Standard fields an attribute can be proposed into by name (id fields need a value map, so a person maps those). */
export type NamedStandardField = Exclude<StandardContactField, 'lifecycle_stage_id' | 'contact_status_id' | 'owner_id' | 'territory_id' | 'lead_source_id' | 'campaign_id'>;

/** Where a synonym comes from, for the evidence ("a Turkish name for Mobile"). */
export type SynonymOrigin = 'freshsales' | 'english' | 'turkish' | 'irish' | 'vendor' | 'abbreviation';

/**
 * Synonyms per standard field, as normalised phrases (see {@link nameWords}): lower case,
 * ASCII, words separated by one space. Grouped by origin.
 */
export const STANDARD_FIELD_SYNONYMS: Readonly<Record<NamedStandardField, Partial<Record<SynonymOrigin, readonly string[]>>>> = {
  first_name: {
    freshsales: ['first name'],
    vendor: ['firstname', 'givenname', 'name', 'user first name', 'customer first name', 'contact first name'],
    abbreviation: ['fname', 'f name', 'fn', 'first nm'],
    turkish: ['ad', 'adi', 'isim', 'ilk ad', 'ad soyad', 'adi soyadi', 'ad soyadi', 'isim soyisim', 'adsoyad', 'musteri adi', 'kullanici adi soyadi ad'],
    irish: ['ainm', 'cead ainm', 'reamhainm', 'ainm iomlan'],
    // Full names: Freshsales has no full-name field, and a whole name in First name displays as the person's name.
    english: ['forename', 'given name', 'christian name', 'first', 'fore name', 'name first', 'full name', 'name surname', 'first and last name', 'customer name', 'contact name', 'member name'],
  },
  last_name: {
    freshsales: ['last name'],
    english: ['surname', 'family name', 'last', 'name last', 'second name'],
    vendor: ['lastname', 'familyname', 'user last name', 'customer last name', 'contact last name'],
    abbreviation: ['lname', 'l name', 'ln', 'sname', 'last nm'],
    turkish: ['soyad', 'soyadi', 'soy isim', 'soyisim', 'musteri soyadi'],
    irish: ['sloinne'],
  },
  emails: {
    freshsales: ['emails', 'email'],
    english: ['email address', 'e mail', 'e mail address', 'mail', 'mail address', 'electronic mail', 'contact email', 'primary email', 'work email', 'personal email'],
    vendor: ['emailaddress', 'user email', 'customer email', 'email id', 'email addr', 'mail id'],
    abbreviation: ['em', 'eml'],
    turkish: ['eposta', 'e posta', 'eposta adresi', 'e posta adresi', 'mail adresi', 'email adresi', 'elektronik posta', 'posta adresi e'],
    irish: ['riomhphost', 'seoladh riomhphoist'],
  },
  mobile_number: {
    freshsales: ['mobile', 'mobile number'],
    english: ['mobile phone', 'cell', 'cell phone', 'cellphone', 'phone', 'phone number', 'telephone', 'telephone number', 'contact number', 'mobile no', 'sms number', 'cell number'],
    vendor: ['msisdn', 'mobilephone', 'phonenumber', 'mobile phone number', 'user phone', 'customer phone', 'primary phone', 'gsm number'],
    abbreviation: ['tel', 'tel no', 'ph', 'mob', 'mob no', 'phone no', 'mobile num', 'phone num', 'cell no'],
    turkish: ['telefon', 'telefon no', 'telefon numarasi', 'cep', 'cep telefonu', 'cep tel', 'cep no', 'gsm', 'gsm no', 'mobil', 'mobil telefon', 'mobil numara', 'cep numarasi'],
    irish: ['fon', 'fon poca', 'uimhir fon', 'uimhir fon poca', 'uimhir theileafoin', 'guthan'],
  },
  work_number: {
    freshsales: ['work', 'work number'],
    english: ['work phone', 'office phone', 'business phone', 'work telephone', 'office number', 'business number', 'company phone', 'direct line'],
    vendor: ['workphone', 'work phone number', 'phone work', 'business phone number'],
    abbreviation: ['work tel', 'office tel', 'biz phone', 'wk phone'],
    turkish: ['is telefonu', 'is tel', 'is telefon', 'is telefon no', 'is telefonu no', 'isyeri sabit hat', 'ofis telefonu', 'ofis tel', 'is numarasi', 'sabit telefon'],
    irish: ['fon oibre', 'uimhir oibre'],
  },
  job_title: {
    freshsales: ['job title'],
    english: ['title', 'position', 'occupation', 'profession', 'job', 'designation', 'job role', 'role title', 'job position', 'function', 'job function', 'current job', 'current position', 'work role', 'company role', 'role at company', 'role in company', 'meslek adi'],
    vendor: ['jobtitle', 'job title name', 'contact title'],
    abbreviation: ['jt', 'job ttl'],
    turkish: ['meslek', 'unvan', 'is unvani', 'gorev', 'pozisyon', 'meslegi'],
    irish: ['teideal poist', 'gairm'],
  },
  address: {
    freshsales: ['address'],
    english: ['street', 'street address', 'address line', 'address line 1', 'address 1', 'home address', 'postal address', 'mailing address', 'street name', 'line 1', 'address street', 'address line1', 'street address line', 'line 2', 'address line 2', 'address 2', 'address2'],
    vendor: ['address1', 'addressline1', 'streetaddress', 'billing address', 'shipping address'],
    abbreviation: ['addr', 'adr', 'st address', 'addr1'],
    // Not mahalle or semt (a neighbourhood, a district): places below the city are custom text (isPlaceName).
    turkish: ['adres', 'acik adres', 'ev adresi', 'sokak', 'cadde', 'adres satiri'],
    irish: ['seoladh', 'sraid', 'seoladh baile'],
  },
  city: {
    freshsales: ['city'],
    english: ['town', 'town city', 'city town', 'municipality', 'locality', 'home city', 'city name', 'hometown', 'post town', 'town or village'],
    vendor: ['billing city', 'shipping city', 'geo city', 'location city'],
    abbreviation: ['cty'],
    turkish: ['sehir', 'il', 'sehir adi', 'yasadigi sehir', 'il adi', 'ili', 'bulundugu il', 'bulundugu sehir'],
    irish: ['baile', 'cathair', 'baile mor'],
  },
  state: {
    freshsales: ['state'],
    english: ['province', 'region', 'county', 'state province', 'state region', 'territory region'],
    vendor: ['billing state', 'shipping state', 'geo region', 'location region', 'administrative area', 'administrative area level 1', 'administrative district level 1', 'state code', 'state or province', 'geographic region', 'state prov', 'state province region', 'subdivision', 'subdivision 1 name', 'subdivision name', 'region name'],
    abbreviation: ['prov', 'cnty'],
    turkish: ['bolge', 'eyalet', 'il bolgesi'],
    irish: ['contae', 'cuige'],
  },
  zipcode: {
    freshsales: ['zipcode', 'zip code'],
    english: ['zip', 'postcode', 'post code', 'postal code', 'eircode', 'pin code', 'postal'],
    vendor: ['postalcode', 'zip postal code', 'billing postal code', 'geo postal code', 'location postcode'],
    abbreviation: ['pc', 'zip cd'],
    turkish: ['posta kodu', 'postakodu'],
    irish: ['cod poist', 'eirchod'],
  },
  country: {
    freshsales: ['country'],
    english: ['country name', 'country code', 'nation', 'country of residence', 'residence country', 'home country', 'country iso'],
    vendor: ['geo country', 'location country', 'billing country', 'country iso code', 'iso country'],
    abbreviation: ['cntry', 'ctry', 'cc'],
    turkish: ['ulke', 'ulke kodu', 'ulke adi', 'yasadigi ulke'],
    irish: ['tir'],
  },
  time_zone: {
    freshsales: ['time zone'],
    english: ['timezone', 'tz', 'time zone name', 'user timezone', 'local timezone'],
    vendor: ['tz name', 'time zone id', 'olson timezone'],
    turkish: ['saat dilimi', 'zaman dilimi'],
    irish: ['crios ama'],
  },
  external_id: {
    freshsales: ['external id'],
    english: ['customer id', 'customer number', 'user id', 'member id', 'player id', 'client id', 'customer no', 'member number', 'membership number', 'membership no', 'member code', 'customer code', 'external reference', 'external ref', 'subscriber key', 'user identifier', 'club membership number', 'club membership no', 'member no', 'account no', 'membership id', 'unique id', 'student id', 'student number', 'entity id', 'party number', 'party id', 'integration id', 'service number', 'hizmet numarasi', 'donor ref', 'donor id', 'donor number', 'supporter id', 'supporter number', 'subscriber number', 'subscriber no', 'abone no', 'abone numarasi', 'account number', 'customer ref', 'customer reference', 'identity', 'user identity', 'customer identity', 'account code', 'current account code', 'cari hesap kodu'],
    vendor: ['externalid', 'ext id', 'extid', 'external user id', 'userid', 'customerid', 'memberid', 'playerid', 'ext user id', 'external customer id'],
    abbreviation: ['cust id', 'cust no', 'uid', 'cid', 'mbr id'],
    turkish: ['oyuncu id', 'oyuncu no', 'musteri no', 'musteri id', 'musteri numarasi', 'uye no', 'uye id', 'uye numarasi', 'kullanici id', 'kullanici no', 'musteri kodu'],
    irish: ['uimhir chustaimeara', 'aitheantas custaimeara'],
  },
  medium: {
    freshsales: ['medium'],
    english: ['acquisition medium', 'traffic medium', 'marketing medium', 'source medium', 'advertising medium', 'traffic channel', 'marketing channel', 'signup medium', 'registration medium', 'campaign medium', 'referrer medium'],
    vendor: ['utm medium', 'utmmedium', 'first touch medium', 'install medium'],
  },
  keyword: {
    freshsales: ['keyword'],
    english: ['search term', 'search keyword', 'keywords', 'campaign term', 'marketing term'],
    vendor: ['utm term', 'utmterm', 'utm keyword', 'paid keyword'],
    turkish: ['anahtar kelime'],
  },
  unsubscription_reason: {
    freshsales: ['unsubscription reason'],
    english: ['unsubscribe reason', 'opt out reason', 'optout reason', 'reason for unsubscribing', 'unsub reason', 'email permission reason', 'reason for leaving', 'reason for leaving list', 'opt out motive', 'opt out reason code', 'unsubscribe reason code', 'why are you unsubscribing', 'why did you unsubscribe', 'reason for unsubscribe', 'opt out comment', 'unsubscribe comment', 'unsubscribe feedback', 'opt out feedback'],
    vendor: ['unsubscribed reason', 'email unsubscribe reason'],
    turkish: ['abonelik iptal nedeni', 'iptal nedeni', 'abonelikten cikma nedeni', 'abonelikten cikis nedeni'],
  },
  subscription_types: {
    freshsales: ['subscription types'],
    english: ['email subscription types', 'newsletter types', 'newsletters', 'mailing lists', 'email lists'],
    vendor: ['subscription type ids', 'list memberships'],
  },
  subscription_status: {
    freshsales: ['subscription status', 'email subscription status'],
    english: ['email subscribed', 'email opt in', 'email optin', 'email consent', 'newsletter opt in', 'newsletter optin', 'email marketing consent', 'accepts email', 'accepts marketing email', 'email permission', 'email marketing', 'marketing email opt in', 'email opted in'],
    // Opt-OUT names (email_opt_out, unsubscribed) are left out on purpose: written as they are they would invert consent.
    vendor: ['emailoptin', 'email subscribe', 'accepts email marketing'],
    turkish: ['eposta izni', 'e posta izni', 'email izni', 'eposta onayi', 'e posta onayi', 'eposta iletisim izni'],
    irish: ['toiliu riomhphoist'],
  },
  sms_subscription_status: {
    freshsales: ['sms subscription status'],
    english: ['sms subscribed', 'sms opt in', 'sms optin', 'sms consent', 'sms permission', 'accepts sms', 'sms marketing', 'text message opt in', 'sms marketing consent', 'sms opted in'],
    vendor: ['smsoptin', 'accepts sms marketing'],
    turkish: ['sms izni', 'sms onayi', 'sms iletisim izni'],
    irish: ['toiliu sms'],
  },
  whatsapp_subscription_status: {
    freshsales: ['whatsapp subscription status'],
    english: ['whatsapp subscribed', 'whatsapp opt in', 'whatsapp optin', 'whatsapp consent', 'whatsapp permission', 'accepts whatsapp', 'whatsapp marketing'],
    vendor: ['wa opt in', 'wa optin'],
    turkish: ['whatsapp izni', 'whatsapp onayi'],
  },
  do_not_disturb: {
    freshsales: ['do not disturb'],
    english: ['do not contact', 'do not call', 'no contact', 'dont contact', 'contact blocked', 'do not contact flag', 'do not message', 'do not phone', 'do not telephone', 'dont call', 'do not canvass', 'no canvass', 'suppress all contact', 'suppress contact', 'contact suppressed'],
    vendor: ['donotcontact', 'donotcall', 'do not disturb flag'],
    abbreviation: ['dnd', 'dnc'],
    turkish: ['rahatsiz etmeyin', 'rahatsiz etme', 'iletisim engeli'],
  },
  tags: {
    freshsales: ['tags'],
    english: ['tag', 'labels', 'tag list', 'contact tags', 'segments', 'user segments', 'segment names', 'audiences'],
    vendor: ['user tags', 'tag names', 'external segments', 'segment list', 'segment membership', 'segment memberships', 'list names', 'segment names', 'segment tags', 'groups', 'contact groups', 'audience memberships', 'tags comma separated', 'lists', 'audience tags'],
    turkish: ['etiket', 'etiketler', 'segmentler'],
    irish: ['clibeanna'],
  },
};

/** Why a name says "an identifier that must not become a contact field". */
export const IDENTIFIER_NAMES: ReadonlyArray<{ words: readonly string[]; reason: string; route: 'device_dataset' | 'none' }> = [
  {
    words: ['push token', 'device token', 'fcm token', 'gcm token', 'apns token', 'apn token', 'registration id', 'registration token', 'reg id', 'push id', 'firebase token', 'cihaz token', 'bildirim token', 'expo push token', 'onesignal id', 'player token', 'push subscription', 'web push subscription', 'push endpoint', 'web push endpoint'],
    reason: 'a push or device token: never migrated to Freshsales (it goes to the device dataset for re-engagement)',
    route: 'device_dataset',
  },
  {
    words: ['installation id', 'install id', 'iid', 'device id', 'deviceid', 'idfa', 'idfv', 'gaid', 'aaid', 'advertising id', 'ad id', 'android id', 'vendor id', 'hardware id', 'imei', 'cihaz id', 'cihaz kimligi', 'kurulum id', 'app instance id', 'instance id', 'serial number', 'serial no', 'seri no', 'sim serial', 'iccid', 'imsi', 'sim seri no'],
    reason: 'a device or installation identifier: it names an app install, not a person (device dataset, not a contact field)',
    route: 'device_dataset',
  },
  {
    words: ['session id', 'cookie id', 'browser id', 'submission id', 'response id', 'entry id', 'network id', 'record version', 'row version', 'app key', 'anonymous id', 'known traveler number', 'pseudo id', 'crypted id', 'encrypted id', 'hashed id', 'visitor id', 'tracking id', 'request id', 'event id', 'internal id', 'uuid', 'guid', 'object id', 'row id', 'record id', 'hash', 'password', 'password hash', 'parola', 'secret', 'signature', 'uid signature', 'ecid', 'identity map', 'api key', 'access token', 'refresh token', 'auth token', 'sifre', 'salt',
      // Ids other tools give a person or a visit: they mean nothing in the CRM (the migration's key is the source's own id).
      'distinct id', 'cio id', 'customerio id', 'mixpanel id', 'amplitude id', 'braze id', 'appboy id', 'clevertap id', 'moengage id', 'webengage id', 'insider id', 'iterable id', 'klaviyo id', 'intercom id', 'hubspot id', 'hs object id', 'hubspot object id', 'salesforce id', 'sfdc id', 'zoho id', 'pipedrive id', 'segment id', 'appsflyer id', 'adjust id', 'firebase id', 'crm id', 'ga client id', 'gclid', 'fbclid', 'msclkid', 'google click id', 'facebook click id', 'fbp', 'fbc', 'riid', 'unique email id', 'steam id', 'xbox id', 'psn id', 'epic id', 'discord id', 'twitch id',
      // Security questions and their answers are credentials, not contact data.
      'security question', 'security answer', 'secret question', 'secret answer', 'mother maiden name', 'mothers maiden name', 'anne kizlik soyadi', 'guvenlik sorusu', 'guvenlik cevabi', 'guvenlik yaniti', 'pin kodu'],
    reason: 'an internal or technical identifier (or a secret): it means nothing in a CRM and must not become a field',
    route: 'none',
  },
  {
    words: ['tckn', 'tc kimlik', 'tc kimlik no', 'tc no', 'tcno', 'kimlik no', 'kimlik numarasi', 'ssn', 'social security number', 'pps', 'pps number', 'ppsn', 'national id', 'national id number', 'national insurance number', 'passport number', 'passport no', 'pasaport no', 'tax id', 'vergi no', 'uimhir pps', 'tc number', 'emirates id', 'emirate id', 'kimlik seri no', 'tc kimlik numarasi', 'social welfare number', 'identification number', 'identity number', 'id number', 'document number', 'doc number'],
    reason: 'a national identity or tax number: sensitive personal data with no use in a CRM (map it by hand only with a lawful reason)',
    route: 'none',
  },
  {
    words: ['test user', 'is test', 'test account', 'testuser', 'is test user', 'internal user', 'is internal', 'qa user', 'dummy user', 'test kullanici', 'test hesabi', 'test uyesi', 'test musterisi', 'internal tester', 'tester', 'beta tester', 'cuntas tastala', 'qa account', 'qa user', 'demo account', 'environment', 'app environment', 'env'],
    reason: 'marks test or internal accounts: leave those accounts out of the scope instead of migrating the flag',
    route: 'none',
  },
  {
    words: ['updated at', 'modified at', 'last modified', 'last updated', 'update time', 'updated on', 'modified on', 'date updated', 'date modified', 'date edit', 'edit date', 'date edited', 'last edited', 'modified', 'fivetran synced', 'airbyte extracted at', 'extracted at', 'row number', 'profile export', 'exported at', 'export at', 'profile sync', 'last sync utc', 'son senkron', 'last sync', 'last synced', 'synced at', 'sync time', 'ingested at', 'imported at', 'etl time', 'etl', 'loaded at', 'load time', 'inserted at', 'guncelleme tarihi', 'son guncelleme'],
    reason: "the platform's own bookkeeping timestamp: it changes on every sync and means nothing in a CRM",
    route: 'none',
  },
  {
    // Not OS, OS version, app version or device model: those become contact custom fields (PRODUCT.md, Device information).
    words: ['sdk version', 'sdk build', 'sdk', 'library version', 'user agent', 'useragent', 'ip', 'ip address', 'last ip', 'ipaddress', 'carrier', 'mobile carrier', 'network carrier', 'mobile provider', 'network provider', 'mobile operator', 'network operator', 'sim operator', 'gsm operatoru', 'hat operatoru', 'screen resolution', 'browser version'],
    reason: 'a technical attribute of an install or a session (SDK, user agent, IP address): it describes a device, not a person (the device dataset keeps it)',
    route: 'device_dataset',
  },
  {
    words: ['avatar', 'avatar url', 'profile picture', 'profile pic', 'profile image', 'profile photo', 'photo url', 'image url', 'picture url', 'profil resmi', 'profil fotografi'],
    reason: 'an image URL: Freshsales contacts have no field that shows it',
    route: 'none',
  },
  {
    words: ['list ids', 'email list ids', 'segment ids', 'group ids', 'audience ids', 'list memberships ids'],
    reason: "ids of the source's own lists or segments: they mean nothing in Freshsales (segments become tags by name)",
    route: 'none',
  },
];

/**
 * Standard fields whose values are ids of the account's own lists: lifecycle stages, contact
 * statuses, users, contact sources, campaigns. An attribute named like one is proposed there
 * with a value map of names (each observed value → a name), resolved to this account's ids at
 * run time; a name the account lacks stops the run before any write, listing what it has.
 */
export type ReferenceField = 'lifecycle_stage_id' | 'contact_status_id' | 'owner_id' | 'lead_source_id' | 'campaign_id';
export const REFERENCE_FIELD_SYNONYMS: Readonly<Record<ReferenceField, readonly string[]>> = {
  lifecycle_stage_id: ['lifecycle stage', 'lifecyclestage', 'lifecycle', 'stage', 'contact stage', 'yasam evresi', 'lifecycle phase', 'retention stage', 'journey stage', 'relationship stage', 'customer lifecycle stage', 'lifecycle status', 'customer stage', 'funnel stage', 'yasam dongusu', 'yasam dongusu asamasi', 'musteri asamasi', 'ceim saolre'],
  contact_status_id: ['lead status', 'contact status', 'qualification status', 'qualification state', 'prospect status', 'lead state', 'sales status', 'lead durumu', 'aday durumu', 'musteri durumu'],
  owner_id: ['owner', 'contact owner', 'owner id', 'owner email', 'account owner', 'account manager', 'relationship manager', 'sales rep', 'sales owner', 'assigned to', 'assignee', 'assigned rep', 'vip manager', 'vip host', 'host', 'account executive', 'account rep', 'assigned user', 'assigned by', 'assigned representative', 'sales representative', 'salesperson', 'representative', 'sorumlu personel', 'sorumlu kisi', 'sorumlu temsilci', 'loan officer', 'account officer', 'relationship officer', 'responsible staff member', 'responsible staff', 'staff', 'staff member', 'assigned staff', 'hesap sorumlusu', 'handled by', 'managed by', 'owned by', 'sales consultant', 'sales advisor', 'sales adviser', 'satis danismani', 'satis sorumlusu', 'lead owner', 'consultant', 'advisor', 'adviser', 'customer success manager', 'success manager', 'key account manager', 'musteri temsilcisi', 'temsilci', 'portfoy yoneticisi', 'hesap yoneticisi', 'musteri yoneticisi', 'sorumlu', 'bainisteoir cuntais'],
  lead_source_id: ['lead source', 'source', 'contact source', 'acquisition source', 'utm source', 'signup source', 'registration source', 'original source', 'analytics source', 'referral source', 'traffic source', 'install source', 'kayit kaynagi', 'kaynak', 'edinme kaynagi', 'marketing source', 'recruitment source', 'media source', 'acquisition channel', 'registration channel', 'signup channel', 'sales channel', 'join source', 'subscribe source', 'opt in source', 'kayit kanali', 'edinme kanali', 'activation channel', 'campaign source', 'referrer source', 'referring domain', 'referrer domain', 'fundraising source', 'registered via', 'signed up via', 'creation source', 'lead from', 'referred by', 'heard from', 'application channel', 'basvuru kanali', 'origin', 'signup origin', 'how did you hear about us', 'how did you hear', 'heard about us', 'where did you hear about us', 'bize nereden ulastiniz', 'foinse'],
  campaign_id: ['utm campaign', 'campaign', 'ad campaign', 'advertising campaign', 'marketing campaign', 'appeal', 'appeal code', 'acquisition campaign', 'signup campaign', 'install campaign', 'original campaign', 'kampanya', 'kayit kampanyasi', 'feachtas'],
};

/** Words an attribute name often carries around the part that names the field ("user_email", "customer_first_name"). */
const NOISE_WORDS = new Set(['hs', 'hubspot', 'mc', 'sf', 'crm', 'home', 'user', 'customer', 'cust', 'contact', 'profile', 'member', 'player', 'client', 'account', 'person', 'personal', 'primary', 'main', 'default', 'my', 'the', 'of', 'p', 'attr', 'attribute', 'field', 'cf', 'custom', 'uye', 'musteri', 'kullanici', 'kisisel', 'value', 'val', 'txt', 'str', 'mailing', 'shipping', 'billing', 'postal', 'residential', 'gp', 'flag', 'abone', 'cari', 'yolcu', 'passenger', 'guest', 'misafir', 'traveller', 'traveler', 'booker', 'donor', 'student', 'ogrenci', 'patient', 'hasta']);

/** Names that read like a standard field's but are not one (a username is not a first name). */
const FALSE_FRIENDS = new Set(['middle name', 'middlename', 'middle initial', 'username', 'user name', 'kullanici adi', 'screen name', 'screenname', 'nickname', 'nick name', 'display name', 'login', 'login name', 'account name', 'gamer tag', 'gamertag', 'handle', 'takma ad', 'team name', 'store name', 'company name', 'file name', 'campaign name']);

/** Consent fields are never matched by a near spelling: a wrong consent mapping writes a consent nobody gave. */
const NO_FUZZY: ReadonlySet<NamedStandardField> = new Set(['subscription_status', 'sms_subscription_status', 'whatsapp_subscription_status', 'do_not_disturb', 'tags']);

/** Fold a name to ASCII lower case: Turkish letters (ı İ ş ç ğ ö ü) and other diacritics (Irish fadas) folded. */
export function foldText(s: string): string {
  return s
    .replace(/[ıİ]/g, 'i')
    .replace(/[şŞ]/g, 's')
    .replace(/[çÇ]/g, 'c')
    .replace(/[ğĞ]/g, 'g')
    .replace(/[öÖ]/g, 'o')
    .replace(/[üÜ]/g, 'u')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
}

/**
 * The words of an attribute name: camelCase, PascalCase, snake_case, kebab-case, dots and
 * spaces split; letters folded (see {@link foldText}); digits kept apart from letters except a
 * trailing line number ("address1" → "address 1").
 */
export function nameWords(name: string): string[] {
  const split = name
    // Salesforce's and SugarCRM's custom-field suffixes ("Account_Manager__c", "lead_status_c") are not part of the name.
    .replace(/[a-z0-9]_{1,2}c$/i, (m) => m.charAt(0))
    .replace(/([a-zçğıöşü0-9])([A-ZÇĞİÖŞÜ])/g, '$1 $2')
    .replace(/([A-ZÇĞİÖŞÜ]+)([A-ZÇĞİÖŞÜ][a-zçğıöşü])/g, '$1 $2');
  const words = foldText(split)
    .replace(/([a-z])([0-9])/g, '$1 $2')
    // "WhatsApp" splits like camelCase; it is one word.
    .replace(/\bwhats[^a-z0-9]*app\b/g, 'whatsapp')
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
  // The first- or last-touch copy of a UTM parameter ("initial_utm_source", "first_touch_utm_medium") is that parameter.
  const utm = words.indexOf('utm');
  return utm > 0 && words.slice(0, utm).every((w) => TOUCH_WORDS.has(w)) ? words.slice(utm) : words;
}

const TOUCH_WORDS = new Set(['initial', 'original', 'first', 'last', 'latest', 'recent', 'touch']);

/**
 * A Turkish possessive ending taken off a word ("kullanicisi" → "kullanici", "durumu" → "durum",
 * "etiketleri" → "etiketler"): compound names carry it ("test kullanıcısı", "e-posta durumu").
 */
function possessiveStems(word: string): string[] {
  if (word.length < 5) return [];
  const m = /^(.{3,}?)(si|su|i|u)$/.exec(word);
  if (!m) return [];
  return m[2]!.length === 2 ? [word.slice(0, -2), word.slice(0, -1)] : [word.slice(0, -1)];
}

/** The words as they are, then with a Turkish possessive ending off the last word. */
function withStems(words: readonly string[]): string[][] {
  if (words.length === 0) return [];
  const last = words[words.length - 1]!;
  return [[...words], ...possessiveStems(last).map((stem) => [...words.slice(0, -1), stem])];
}

/**
 * Abbreviations attribute names use, each with the words it stands for ("acct_mgr_email",
 * "srch_kw", "unsub_rsn", "cmpgn"): tried as a second reading of the name.
 */
const ABBREVIATIONS: Readonly<Record<string, string>> = {
  acct: 'account', acc: 'account', mgr: 'manager', mngr: 'manager', src: 'source', srch: 'search', kw: 'keyword', kwd: 'keyword', med: 'medium', cmpgn: 'campaign', cmpn: 'campaign',
  camp: 'campaign', rsn: 'reason', addr: 'address', adr: 'address', tel: 'telephone', ph: 'phone', mob: 'mobile', mbl: 'mobile', lc: 'lifecycle', mkt: 'marketing', mktg: 'marketing',
  seg: 'segment', segs: 'segments', unsub: 'unsubscribe', fname: 'first name', lname: 'last name', sname: 'surname', eml: 'email', ctry: 'country', cty: 'city', wk: 'work',
  org: 'organisation', dept: 'department', lang: 'language', stat: 'status', sts: 'status', usr: 'user', pref: 'preference', prefs: 'preferences', rep: 'representative',
  ext: 'external', ref: 'reference', why: 'reason', wp: 'whatsapp', unsubscribing: 'unsubscribe', ls: 'lead source', mtm: 'utm', num: 'number', reg: 'registration', nr: 'number', bill: 'billing', ship: 'shipping', off: 'office', ofc: 'office', curr: 'current', mprn: 'meter point reference number', gprn: 'gas point reference number', cstat: 'contact status', acq: 'acquisition', nm: 'name', qual: 'qualification',
};

/**
 * Turkish words attribute names are built from, in English: a name is also read word by word
 * in English ("satis_temsilcisi" → "sales representative", "utm_kampanya" → "utm campaign").
 * Folded forms (see {@link foldText}); possessive endings are taken off before the lookup.
 */
const TURKISH_WORDS: Readonly<Record<string, string>> = {
  ad: 'name', isim: 'name', soyad: 'surname', soyisim: 'surname', eposta: 'email', telefon: 'phone', cep: 'mobile', isyeri: 'work', ev: 'home', adres: 'address',
  sehir: 'city', ilce: 'district', bolge: 'region', cografi: 'geographic', ulke: 'country', posta: 'postal', kod: 'code', meslek: 'occupation', unvan: 'title',
  kampanya: 'campaign', kaynak: 'source', kaynag: 'source', kanal: 'channel', ortam: 'medium', arama: 'search', kelime: 'keyword', kitle: 'audience', kitleler: 'audiences',
  etiket: 'tag', etiketler: 'tags', satis: 'sales', temsilci: 'representative', yonetici: 'manager', iptal: 'unsubscribe', neden: 'reason', sebep: 'reason', sebeb: 'reason',
  kazanim: 'acquisition', edinme: 'acquisition', kayit: 'registration', dogum: 'birth', tarih: 'date', cinsiyet: 'gender', izin: 'consent', onay: 'consent', parola: 'password',
  sifre: 'password', musteri: 'customer', uye: 'member', numara: 'number', bulten: 'newsletter', almak: 'receive', mesaj: 'message', abonelik: 'subscription', durum: 'status',
  il: 'city', teslimat: 'shipping', fatura: 'billing', trafik: 'traffic', reklam: 'advertising', potansiyel: 'lead', evre: 'stage', asama: 'stage', liste: 'list', zaman: 'time',
  aranmasin: 'do not call', aciklama: 'description', notu: 'note', notlar: 'notes', personel: 'staff', terim: 'term', sehri: 'city', uyelik: 'membership',
  guncelleme: 'update', etiketleri: 'tags', aboneligi: 'subscription', ili: 'city', kurulum: 'installation', oyuncu: 'player', ulasilmasin: 'do not call',
  kurumsal: 'corporate', plasiyer: 'sales representative', basamak: 'step', basamagi: 'step', yazisma: 'correspondence', ikamet: 'residence', banka: 'bank', senkron: 'sync', ayrilma: 'unsubscribe', iliski: 'relationship',
  cari: 'customer', yerlesim: 'residence', temsilcisi: 'representative', bilgi: 'info', bilgisi: 'info', atanan: 'assigned', gorusme: 'contact',
  // İYS (the consent register) names its own records: a word of its own, never a bare prefix.
  iys: 'iys', detay: 'details', hizmet: 'service', aramasin: 'do not call', aday: 'lead', statusu: 'status', statu: 'status', son: 'last', tiklanan: 'clicked', mesleginiz: 'occupation', danismani: 'consultant', danisman: 'consultant', aranmama: 'do not call', talebi: 'request', talep: 'request', kayitli: 'registered', edinim: 'acquisition', aktivasyon: 'activation', ticari: 'commercial', ileti: 'message', iletisi: 'message', cikis: 'unsubscribe', huni: 'funnel', adlar: 'names', adlari: 'names', ile: '', kodu: 'code', adi: 'name', bildirim: 'notification', bildirimi: 'notification',
};
/** Turkish phrases read as one English phrase. */
const TURKISH_PHRASES: Readonly<Record<string, string>> = {
  'aranmak istemiyor': 'do not call', 'aranmak istemez': 'do not call', 'rahatsiz etmeyin': 'do not disturb', 'zaman bolgesi': 'time zone', 'zaman dilimi': 'time zone',
  'nereden gelmis': 'source', 'nereden geldi': 'source', 'nereden duydunuz': 'source', 'nereden duydu': 'source', 'bizi nereden duydunuz': 'source',
  'bizi nereden buldunuz': 'source', 'e posta': 'email', 'yasadiginiz il': 'city', 'yasadiginiz sehir': 'city', 'arama yapilmasin': 'do not call', 'kayit olunan': 'registered', 'uye olma': 'registration', 'yasam dongusu': 'lifecycle', 'ret nedeni': 'unsubscribe reason', 'is yeri': 'work', 'iletisime kapali': 'do not contact', 'iletisim izni yok': 'do not contact',
};

/**
 * Irish words attribute names are built from, in English. Irish puts the head noun first
 * ("guthán oibre", phone of work), so a translated name is also read back to front ("work
 * phone"); initial mutations (lenition "bhallraíochta", eclipsis "gcontae") are undone first.
 */
const IRISH_WORDS: Readonly<Record<string, string>> = {
  ainm: 'name', teaghlaigh: 'family', sloinne: 'surname', ceadainm: 'first name', guthan: 'phone', fon: 'phone', fón: 'phone', poca: 'mobile', oibre: 'work', baile: 'home',
  riomhphost: 'email', riomhphoist: 'email', seoladh: 'address', contae: 'county', tir: 'country', conaithe: 'residence', cod: 'code', poist: 'postal', eirchod: 'eircode',
  cuis: 'reason', diliostail: 'unsubscribe', diliostala: 'unsubscribe', uimhir: 'number', ballraiocht: 'membership', ballraiochta: 'membership', foinse: 'source',
  earcaiocht: 'recruitment', earcaiochta: 'recruitment', feachtas: 'campaign', feachtais: 'campaign', freagra: 'answer', runda: 'secret', leas: 'welfare', leasa: 'welfare',
  soisialach: 'social', soisialaigh: 'social', usaideoir: 'user', usaideora: 'user', cead: 'consent', clann: 'family', clainne: 'family', seolta: 'address',
  seol: 'send', teacs: 'sms', teachtaireacht: 'message', pasfhocal: 'password', eochairfhocal: 'keyword', mean: 'medium', fograiocht: 'advertising',
  fograiochta: 'advertising', ionadai: 'representative', diolachain: 'sales', fath: 'reason', luaidhe: 'lead', stadas: 'status', nuachtlitir: 'newsletter',
  margaiocht: 'marketing', margaiochta: 'marketing', teachtaireachtai: 'messages', teacsanna: 'texts', bainisteoir: 'manager', caidrimh: 'relationship', diola: 'sales',
  lipeid: 'labels', lipead: 'label', pas: 'passport', staid: 'stage', reigiun: 'region', an: '', a: '',
  aitheantoir: 'identifier', tearma: 'term', cuardaigh: 'search', fail: 'receive', fhail: 'receive', nuachtlitreach: 'newsletter', seachadta: 'delivery', saolre: 'lifecycle', gno: 'business', sraide: 'street', rol: 'role', ceird: 'occupation', paiste: '', dalta: '', sa: '', chomhlacht: 'company', comhlacht: 'company',
  comhairleoir: 'adviser', sintiusoir: '', sintiusora: '', tairiscinti: 'offers', tri: '', aitheantas: 'identity', oifigeach: 'officer', cuntais: 'account', dheanamh: '', deanamh: '', grupai: 'groups', freagrach: 'responsible', iarratasora: 'applicant', foin: 'phone', uineir: 'owner', teagmhala: 'contact', teagmhalai: 'contact', ceim: 'stage', claraithe: 'registration', claru: 'registration', reatha: 'current', breithe: 'birth', custaimeara: 'customer', toiliu: 'consent', ceist: 'question', slandala: 'security', post: 'job', teanga: 'language', inscne: 'gender',
};
/** Irish phrases read as one English phrase (verbs and idioms, not nouns to turn round). */
const IRISH_PHRASES: Readonly<Record<string, string>> = { 'na glaoigh': 'do not call', 'na cuir glao': 'do not call', 'na cuir isteach': 'do not disturb', 'na seol': 'do not send', 'na dean teagmhail': 'do not contact', 'ainm deireanach': 'last name', 'sannta do': 'assigned to', 'baile no sraidbhaile': 'town', 'baile poist': 'post town', 'ca bhfuair tu eolas fuinn': 'how did you hear about us', 'ca bh fuair tu eolas fuinn': 'how did you hear about us', 'ca bhfaca tu muid': 'how did you hear about us', 'ca bh faca tu muid': 'how did you hear about us', 'focal cuardaigh': 'search term', 'cathair no baile': 'city', 'gan teagmhail': 'no contact',
  'ball foirne': 'staff member', 'an fath ar dhiliostail tu': 'unsubscribe reason',
  'conas a chuala tu fuinn': 'how did you hear about us', 'ba mhaith liom': 'want', 'sli bheatha': 'occupation', 'data breithe': 'date of birth', 'baile fearainn': 'townland' };

/** Irish initial mutations undone: lenition (bh → b) and eclipsis (gc → c, bhf → f, n- → ''). */
function unmutated(w: string): string {
  if (/^bhf/.test(w)) return w.slice(2);
  // "an tSíntiúsóra": t before s after the article.
  if (/^ts[^h]/.test(w)) return w.slice(1);
  if (/^(gc|bp|dt|mb|nd)/.test(w) || /^ng[aeiou]/.test(w)) return w.slice(1);
  if (/^[bcdfgmpst]h/.test(w)) return w.charAt(0) + w.slice(2);
  return w;
}

/**
 * Words read in English through a lexicon: phrases first, then word by word (a word the
 * lexicon lacks stays as it is). Undefined when no word was translated. `headFirst` reads the
 * translated units back to front (Irish noun phrases).
 */
function translated(words: readonly string[], lexicon: Readonly<Record<string, string>>, phrases: Readonly<Record<string, string>>, headFirst: boolean, norm: (w: string) => string[]): string[] | undefined {
  const units: string[][] = [];
  let hits = 0;
  for (let i = 0; i < words.length; ) {
    // The longest phrase starting here (up to six words: "conas a chuala tú fúinn").
    let phrase: [string, number] | undefined;
    for (let n = Math.min(6, words.length - i); n >= 2 && !phrase; n--) {
      const p = words.slice(i, i + n).join(' ');
      if (phrases[p] !== undefined) phrase = [p, n];
    }
    if (phrase) {
      units.push(phrases[phrase[0]]!.split(' '));
      hits++;
      i += phrase[1];
      continue;
    }
    const w = words[i]!;
    const en = norm(w).map((f) => lexicon[f]).find((x) => x !== undefined);
    if (en !== undefined) hits++;
    units.push(en !== undefined ? en.split(' ').filter((x) => x !== '') : [w]);
    i++;
  }
  if (hits === 0) return undefined;
  return (headFirst ? units.reverse() : units).flat();
}

/** Every word the tables know: what a name written without separators is split into. */
let vocabulary: Set<string> | undefined;
function knownWords(): Set<string> {
  if (vocabulary) return vocabulary;
  const v = new Set<string>(['do', 'not', 'dont', 'no', 'bulk', 'receive', 'promos', 'method', 'preferred', 'role', 'code', 'type', 'or', 'and', 'allow', 'opt', 'in', 'out', 'is', 'has', 'phone', 'call', 'mail', 'fax', 'send', 'push', 'webpush', 'notification', 'notifications', 'black', 'list', 'blacklist', 'direct', 'postal', 'subscribe', 'to', 'bill', 'ship', 'global', 'entity', 'status', 'flag']);
  const add = (phrase: string) => phrase.split(' ').filter((w) => w.length >= 2).forEach((w) => v.add(w));
  for (const byOrigin of Object.values(STANDARD_FIELD_SYNONYMS)) for (const phrases of Object.values(byOrigin)) (phrases ?? []).forEach(add);
  for (const phrases of Object.values(REFERENCE_FIELD_SYNONYMS)) phrases.forEach(add);
  for (const g of IDENTIFIER_NAMES) g.words.forEach(add);
  for (const w of NOISE_WORDS) if (w.length >= 2) v.add(w);
  vocabulary = v;
  return v;
}

/**
 * A name written as one word ("donotbulkemail", "preferredcontactmethodcode") split into the
 * words the tables know, fewest pieces first; undefined when it cannot be split whole.
 */
function segmented(word: string): string[] | undefined {
  if (word.length < 7) return undefined;
  const known = knownWords();
  const best: Array<string[] | undefined> = [[]];
  for (let i = 1; i <= word.length; i++) {
    for (let j = Math.max(0, i - 14); j <= i - 2; j++) {
      const prev = best[j];
      const piece = word.slice(j, i);
      if (prev && known.has(piece) && (!best[i] || prev.length + 1 < best[i]!.length)) best[i] = [...prev, piece];
    }
  }
  const out = best[word.length];
  return out && out.length >= 2 ? out : undefined;
}

/**
 * The readings of a name tried in turn: its words; with abbreviations written out; split where
 * it was written as one word; read in English from Turkish or (back to front) from Irish.
 */
export function wordReadings(name: string): string[][] {
  // Every stage of the waterfall asks for the same name's readings: read each name once (the arrays are shared; never changed).
  const cached = READINGS.get(name);
  if (cached) return cached;
  if (READINGS.size >= 10_000) READINGS.clear();
  const readings = readingsOf(name);
  READINGS.set(name, readings);
  return readings;
}

const READINGS = new Map<string, string[][]>();

function readingsOf(name: string): string[][] {
  const words = nameWords(name);
  const readings: string[][] = [words];
  const expanded = words.flatMap((w) => (ABBREVIATIONS[w] ?? w).split(' '));
  readings.push(expanded);
  const split = expanded.flatMap((w) => segmented(w) ?? [w]);
  readings.push(split);
  const tr = translated(words, TURKISH_WORDS, TURKISH_PHRASES, false, (w) => [w, ...possessiveStems(w)]);
  if (tr) readings.push(tr);
  const ga = translated(words, IRISH_WORDS, IRISH_PHRASES, true, (w) => [w, unmutated(w)]);
  if (ga) readings.push(ga);
  const seen = new Set<string>();
  return readings.filter((r) => r.length > 0 && !seen.has(r.join(' ')) && (seen.add(r.join(' ')), true));
}

/** How a name matched a standard field. */
export interface NameMatch {
  field: NamedStandardField;
  /**
   * exact: the name is a listed synonym; stripped: after dropping words like "user" or
   * "customer", or read another way (abbreviations written out, translated); partial: a run
   * of the name's words is a synonym ("we_phone", "address1_city"); fuzzy: by edit distance.
   */
  how: 'exact' | 'stripped' | 'partial' | 'fuzzy';
  /** The synonym it matched. */
  synonym: string;
  origin: SynonymOrigin;
  /** 0–1: 1 for exact, less for stripped, the similarity for fuzzy. */
  score: number;
}

/** A name that says "identifier, not a field". */
export interface IdentifierName {
  reason: string;
  route: 'device_dataset' | 'none';
  synonym: string;
}

interface Entry {
  field: NamedStandardField;
  phrase: string;
  compact: string;
  origin: SynonymOrigin;
}

const ENTRIES: Entry[] = Object.entries(STANDARD_FIELD_SYNONYMS).flatMap(([field, byOrigin]) =>
  Object.entries(byOrigin).flatMap(([origin, phrases]) =>
    (phrases ?? []).map((phrase) => ({ field: field as NamedStandardField, phrase, compact: phrase.replace(/ /g, ''), origin: origin as SynonymOrigin })),
  ),
);
const BY_PHRASE = new Map<string, Entry>();
const BY_COMPACT = new Map<string, Entry>();
for (const e of ENTRIES) {
  if (!BY_PHRASE.has(e.phrase)) BY_PHRASE.set(e.phrase, e);
  if (!BY_COMPACT.has(e.compact)) BY_COMPACT.set(e.compact, e);
}
const IDENTIFIER_BY_COMPACT = new Map<string, IdentifierName>(
  IDENTIFIER_NAMES.flatMap((g) => g.words.map((w) => [w.replace(/ /g, ''), { reason: g.reason, route: g.route, synonym: w }] as const)),
);

/** Fuzzy matches need this similarity (1 − distance / longer length) and at least this many letters. */
const FUZZY_MIN = 0.84;
const FUZZY_MIN_LENGTH = 6;

function lookup(words: string[]): Entry | undefined {
  for (const w of withStems(words)) {
    const hit = BY_PHRASE.get(w.join(' ')) ?? BY_COMPACT.get(w.join(''));
    if (hit) return hit;
  }
  return undefined;
}

/**
 * The standard field an attribute name names, if any: the synonym table first (the whole
 * name, then without noise words such as "user" or "müşteri"), then the closest synonym by
 * edit distance when it is close enough.
 */
export function matchName(name: string): NameMatch | undefined {
  const dot = name.lastIndexOf('.');
  if (dot < 0) return matchReadings(name);
  // A dotted path under a container of the person's own ("address.postalCode", "personName.surname"): its
  // last part names the field. Under anything else the last part may be the container's own state or type
  // ("sms_consent.state"); a property of another record ("user_id.name") is that record's, not the person's.
  const container = nameWords(name.slice(0, dot));
  const property = PROPERTY_WORDS.has(nameWords(name.slice(dot + 1)).join(' '));
  const underContainer = container.some((w) => CONTAINER_WORDS.has(w)) && (!property || personPath(container));
  const found = underContainer ? matchReadings(name.slice(dot + 1)) : undefined;
  const last = found && found.how !== 'fuzzy' && found.how !== 'partial' ? { ...found, how: 'stripped' as const, score: 0.9 } : undefined;
  // The last part first, unless the container itself names a field ("email_address.address" is the email address).
  if (last && !property && !lookup(container)) return last;
  return matchReadings(name) ?? last;
}

/** A path to the person's own record ("contacts.0", "profile"), not to another record ("user_id", "traffic_source"). */
const personPath = (container: readonly string[]) =>
  container.some((w) => /^(contact|contacts|profile|profiles|customer|customers|person|persons|people|member|members|user|users)$/.test(w)) && !/(^| )(id|ids)$/.test(container.join(' '));

/** Last parts of a dotted path that are a property of whatever the container is. */
const PROPERTY_WORDS = new Set(['name', 'label', 'value', 'display name', 'id', 'code', 'key', 'title']);

/** One word alone that says too little to name a field inside a longer name ("product_name" is no first name). */
const GENERIC_WORDS = new Set(['name', 'title', 'state', 'status', 'source', 'type', 'code', 'number', 'id', 'date', 'job', 'position', 'work', 'mobile', 'home', 'medium', 'ad', 'adi', 'isim', 'tag', 'designation', 'function', 'stage', 'lifecycle', 'host', 'owner', 'region', 'ainm', 'baile', 'post']);
/**
 * Words beside a run that leave it naming the field: prefixes and qualifiers, not content
 * ("we_phone", "address1_city", "phone_sanitized" — but not "fav_county_team").
 */
const QUALIFIER_WORDS = new Set(['newsletter', 'email', 'sms', 'whatsapp', 'unique', 'iana', 'olson', 'delivery', 'invoice', 'most', 'recent', 'latest', 'original', 'initial', 'reference', 'supply', 'service', 'installation', 'site', 'info', 'information', 'details', 'data', 'mail', 'lower', 'upper', 'case', 'lowercase', 'uppercase', 'club', 'recruitment', 'subscription', 'bill', 'ship', 'promo', 'retention', 'google', 'bing', 'first', 'last', 'session', 'clicked', 'paid', 'usual', 'townland', 'prefix', 'booking', 'trade', 'validated', 'touch', 'request', 'registered', 'invitee', 'attendee', 'your', 'you', 'which', 'what', 'where', 'based', 'known', 'used', 'apply', 'tick', 'please', 'optional', 'required', 'current', 'preferred', 'commercial', 'message', 'marketing', 'applicant', 'installation', 'corporate', 'correspondence', 'extension', 'dahili', 'bank', 'comma', 'separated', 'context', 'traits', 'sanitized', 'sanitised', 'formatted', 'normalized', 'normalised', 'clean', 'cleaned', 'raw', 'full', 'primary', 'main', 'current', 'preferred', 'line', 'text', 'string', 'field', 'attribute', 'attr']);
// A short word is a qualifier unless the tables know it as a word of its own ("il" is a province, "ev" a home).
const isQualifier = (w: string) => (w.length <= 3 && !knownShortWord(w)) || /^\d+$/.test(w) || QUALIFIER_WORDS.has(w) || NOISE_WORDS.has(w) || CONTAINER_WORDS.has(w) || TOOL_NAMES.has(w);
const knownShortWord = (w: string) => TURKISH_WORDS[w] !== undefined || IRISH_WORDS[w] !== undefined || BY_COMPACT.has(w);

/** A prefix that says nothing of what follows: one letter or a digit ("C_Title", "address1"), or a vendor's ("we_", "cf_", "hs_"). */
const isBarePrefix = (w: string) => w.length <= 1 || /^\d+$/.test(w) || /^(we|cf|ct|mc|hs|sf|gp|af|mp|xp|nm|sg)$/.test(w);

/** Words beside a run that say the attribute is about the field, not the field ("email_opens", "phone_verified"). */
const ABOUT_WORDS = new Set(['count', 'counts', 'total', 'date', 'time', 'at', 'on', 'ts', 'type', 'status', 'verified', 'valid', 'validated', 'confirmed', 'hash', 'hashed', 'length', 'score', 'opens', 'clicks', 'sent', 'changed', 'updated', 'created', 'bounced', 'bounce', 'domain', 'provider', 'format', 'flag', 'is', 'has', 'last', 'previous', 'old', 'prev', 'history', 'list', 'lists', 'ids', 'id', 'key', 'uuid', 'manager', 'owner', 'per', 'limit', 'quota', 'attempts', 'tries', 'birth', 'tax', 'vat']);

/** The name's readings, each as a whole (exact, without noise words), then a run of its words; fuzzy on the name as written last. */
function matchReadings(name: string): NameMatch | undefined {
  const readings = wordReadings(name);
  const words = readings[0]!;
  if (readings.some((r) => isFalseFriend(r))) return undefined;
  for (const [k, r] of readings.entries()) {
    const hit = matchWhole(r);
    if (hit) return k === 0 ? hit : { ...hit, how: 'stripped', score: 0.9 };
  }
  // "user_id.name": a property of the record an id leads to, not the person's ("contacts.0.title" is).
  if (name.includes('.') && PROPERTY_WORDS.has(nameWords(name.slice(name.lastIndexOf('.') + 1)).join(' ')) && !personPath(nameWords(name.slice(0, name.lastIndexOf('.'))))) return undefined;
  for (const r of readings) {
    const run = matchRun(r);
    if (run) return run;
  }
  return fuzzyMatch(words);
}

/** The closest synonym to the name as written, when close enough (a second opinion when a run of the name's words is contradicted by its values). */
export function fuzzyName(name: string): NameMatch | undefined {
  const words = nameWords(name);
  return isFalseFriend(words) ? undefined : fuzzyMatch(words);
}

const isFalseFriend = (words: readonly string[]) => FALSE_FRIENDS.has(words.join(' ')) || FALSE_FRIENDS.has(words.join(''));

/** The longest run of the words that is a synonym, when the words around it do not make it something else. */
function matchRun(words: readonly string[]): NameMatch | undefined {
  // Runs that end the name first (the head of an English name is its last word: "address1_city" is a city), longest first.
  const runs: Array<[number, number]> = [];
  for (let len = words.length - 1; len >= 1; len--) runs.push([words.length - len, len]);
  for (let len = words.length - 1; len >= 1; len--) for (let start = 0; start + len < words.length; start++) runs.push([start, len]);
  for (const [start, len] of runs) {
    const run = words.slice(start, start + len);
    const rest = [...words.slice(0, start), ...words.slice(start + len)];
    // A generic word alone names the field only behind a bare prefix or a container ("C_Title", "ADDRESS_MAIL_STATE", "contacts.0.title").
    if (len === 1 && (run[0]!.length < 3 || (GENERIC_WORDS.has(run[0]!) && !rest.every((w) => isBarePrefix(w) || CONTAINER_WORDS.has(w))))) continue;
    const e = lookup(run);
    if (rest.some((w) => ABOUT_WORDS.has(w)) || (!rest.every(isQualifier) && (e === undefined || lookup(rest)?.field !== e.field))) continue;
    // Consent fields only by a run of several words ("do not disturb"), never by one.
    if (e && (!NO_FUZZY.has(e.field) || len >= 2 || e.field === 'tags')) return { field: e.field, how: 'partial', synonym: e.phrase, origin: e.origin, score: 0.8 };
  }
  return undefined;
}

/** Containers whose fields are the person's own (an address, a location, a profile). */
const CONTAINER_WORDS = new Set(['traffic', 'attribution', 'acquisition', 'utm', 'yerlesim', 'mail', 'delivery', 'service', 'supply', 'installation', 'geoip', 'attributes', 'properties', 'traits', 'context', 'tracking', 'params', 'contacts', 'people', 'persons', 'members', 'profiles', 'customers', 'users', 'address', 'addr', 'addresses', 'location', 'geo', 'billing', 'shipping', 'mailing', 'postal', 'home', 'contact', 'profile', 'user', 'customer', 'person', 'residence', 'adres', 'konum', 'seoladh']);

/** Adjacent letters swapped ("frist" for "first"): the commonest typing slip, which edit distance counts as two. */
function transposedLookup(compact: string): Entry | undefined {
  for (let i = 0; i + 1 < compact.length; i++) {
    const hit = BY_COMPACT.get(compact.slice(0, i) + compact[i + 1] + compact[i] + compact.slice(i + 2));
    if (hit && !NO_FUZZY.has(hit.field)) return hit;
  }
  return undefined;
}

function matchWhole(words: string[]): NameMatch | undefined {
  const exact = lookup(words);
  if (exact) return { field: exact.field, how: 'exact', synonym: exact.phrase, origin: exact.origin, score: 1 };
  const stripped = words.filter((w) => !NOISE_WORDS.has(w));
  if (stripped.length > 0 && stripped.length < words.length) {
    const s = lookup(stripped);
    if (s) return { field: s.field, how: 'stripped', synonym: s.phrase, origin: s.origin, score: 0.9 };
  }
  return undefined;
}

function fuzzyMatch(words: string[]): NameMatch | undefined {
  const stripped = words.filter((w) => !NOISE_WORDS.has(w));
  const compact = (stripped.length > 0 ? stripped : words).join('');
  if (compact.length < FUZZY_MIN_LENGTH) return undefined;
  const swapped = transposedLookup(compact);
  if (swapped) return { field: swapped.field, how: 'fuzzy', synonym: swapped.phrase, origin: swapped.origin, score: 0.9 };
  let best: { e: Entry; sim: number } | undefined;
  for (const e of ENTRIES) {
    if (e.compact.length < FUZZY_MIN_LENGTH || NO_FUZZY.has(e.field)) continue;
    const sim = 1 - distance(compact, e.compact) / Math.max(compact.length, e.compact.length);
    if (!best || sim > best.sim) best = { e, sim };
  }
  if (best && best.sim >= FUZZY_MIN) return { field: best.e.field, how: 'fuzzy', synonym: best.e.phrase, origin: best.e.origin, score: Math.round(best.sim * 100) / 100 };
  return undefined;
}

/** The closest any synonym comes to the name (0–1): a near miss makes "no standard field" less certain. */
export function nearestSynonymSimilarity(name: string): number {
  const compact = nameWords(name).join('');
  if (compact.length === 0) return 0;
  let best = 0;
  for (const e of ENTRIES) best = Math.max(best, 1 - distance(compact, e.compact) / Math.max(compact.length, e.compact.length));
  return best;
}

/** The identifier an attribute name says it holds (push token, installation id, …), if any. */
export function identifierName(name: string): IdentifierName | undefined {
  // "shopify_customer_id", "salesforceLeadId", "stripe_id": the id another tool gives a person.
  const plain = nameWords(name);
  // "Legacy Account Number 1", "old_customer_id": an earlier system's id.
  if (plain.length >= 2 && /^(legacy|old|previous|prev|former|eski)$/.test(plain[0]!) && plain.some((w) => /^(id|ids|number|no|nr|code|key|ref|numarasi)$/.test(w))) {
    return { reason: "an earlier system's id: it means nothing in the CRM (the migration keeps its own source key)", route: 'none', synonym: plain.join(' ') };
  }
  if (plain.length >= 2 && TOOL_NAMES.has(plain[0]!) && /^(id|ids|key|token|uid)$/.test(plain[plain.length - 1]!) && !matchReferenceName(name)) {
    return { reason: 'an id another tool gives this person: it means nothing in the CRM (the migration keeps its own source key)', route: 'none', synonym: plain.join(' ') };
  }
  for (const words of wordReadings(name)) {
    // Any run of consecutive words may be the identifier ("last_push_token", "fcm_token_android").
    for (let i = 0; i < words.length; i++) {
      for (let j = words.length; j > i; j--) {
        for (const run of withStems(words.slice(i, j))) {
          const hit = IDENTIFIER_BY_COMPACT.get(run.join(''));
          if (hit) return hit;
        }
      }
    }
  }
  return undefined;
}

/** Tools whose own ids turn up in exported profiles. */
const TOOL_NAMES = new Set(['shopify', 'stripe', 'salesforce', 'sfdc', 'hubspot', 'zendesk', 'intercom', 'mailchimp', 'klaviyo', 'braze', 'segment', 'mixpanel', 'amplitude', 'facebook', 'fb', 'google', 'apple', 'paypal', 'zoho', 'pipedrive', 'freshdesk', 'magento', 'woocommerce', 'woo', 'bigcommerce', 'prestashop', 'shopware', 'marketo', 'pardot', 'iterable', 'onesignal', 'clevertap', 'moengage', 'insider', 'netcore', 'firebase', 'appsflyer', 'adjust', 'branch', 'steam', 'discord', 'twitter', 'optimove', 'dotdigital', 'fivetran', 'sendgrid', 'twilio', 'drip', 'aweber', 'getresponse', 'activecampaign', 'omnisend', 'gorgias', 'recharge', 'yotpo', 'trendyol', 'hepsiburada']);

/** A name for one of the reference fields (lifecycle stage, status, owner, source, campaign), whole or without noise words. */
export function matchReferenceName(name: string): { field: ReferenceField; synonym: string } | undefined {
  const dot = name.lastIndexOf('.');
  for (const words of wordReadings(dot >= 0 ? name.slice(dot + 1) : name)) {
    const hit = referenceOf(words);
    if (hit) return hit;
  }
  // "owner.username", "salesRep.email": the list entry the path leads to, named by one of its properties.
  if (dot > 0 && REFERENCE_PROPERTY_WORDS.has(nameWords(name.slice(dot + 1)).join(' '))) {
    for (const words of wordReadings(name.slice(0, dot))) {
      const hit = referenceOf(words);
      if (hit) return hit;
    }
  }
  return undefined;
}

function referenceOf(words: string[]): { field: ReferenceField; synonym: string } | undefined {
  const stripped = words.filter((w) => !NOISE_WORDS.has(w));
  // "account_manager_email", "lead_source_name": the list entry named by one of its properties.
  const bare = (ws: string[]) => (ws.length > 1 && REFERENCE_PROPERTY_WORDS.has(ws[ws.length - 1]!) ? [ws.slice(0, -1)] : []);
  // Beside qualifiers ("C_Lead_Source___Most_Recent1"), also once a property word is off ("context_campaign_name"): the run that names the list.
  const runs: string[][] = [];
  for (const ws of [words, ...bare(words)]) {
    for (let i = 0; i < ws.length; i++) for (let j = ws.length; j > i + 1; j--) if (j - i < ws.length && [...ws.slice(0, i), ...ws.slice(j)].every(isQualifier)) runs.push(ws.slice(i, j));
    // One word behind a bare prefix or qualifiers ("l_campaign").
    for (let i = 0; i < ws.length; i++) if (ws.length >= 2 && [...ws.slice(0, i), ...ws.slice(i + 1)].every((w) => w.length <= 2 || isQualifier(w))) runs.push([ws[i]!]);
  }
  for (const candidate of [words, stripped, ...bare(words), ...bare(stripped), ...runs].flatMap(withStems)) {
    const phrase = candidate.join(' ');
    for (const [field, synonyms] of Object.entries(REFERENCE_FIELD_SYNONYMS) as Array<[ReferenceField, readonly string[]]>) {
      const hit = synonyms.find((x) => x === phrase || x.replace(/ /g, '') === candidate.join(''));
      if (hit) return { field, synonym: hit };
    }
  }
  return undefined;
}

/** Words after a list entry's name that say which of its properties the values are. */
const REFERENCE_PROPERTY_WORDS = new Set(['email', 'eposta', 'mail', 'name', 'adi', 'ismi', 'label', 'id', 'code', 'kod', 'kodu', 'username', 'login']);

/** The channel words of the three consent fields, as normalised words or phrases. */
const CONSENT_CHANNELS: ReadonlyArray<readonly [NamedStandardField, readonly string[]]> = [
  // WhatsApp first: "whatsapp_mesaj_izni" is WhatsApp, though "mesaj" alone is İYS's SMS channel.
  ['whatsapp_subscription_status', ['whatsapp', 'wa', 'whats app']],
  ['subscription_status', ['email', 'e mail', 'mail', 'emails', 'eposta', 'e posta', 'newsletter', 'newsletters', 'bulten', 'ebulten', 'e bulten', 'riomhphost', 'riomhphoist', 'nuachtlitir', 'blog']],
  // "mobile" in a consent's name is the SMS channel ("blackListMobile", "mobile_opt_in").
  ['sms_subscription_status', ['sms', 'mms', 'text message', 'text messages', 'texts', 'text', 'txt', 'mesaj', 'mobile', 'gsm']],
];
/** Words that say "agreed to receive". */
const OPT_IN_WORDS = /^(subscription|subscriptions|subscribe|subscribed|subscriber|sub|subs|consent|consents|consented|optin|opted|permission|permissions|permit|allow|allowed|allows|accept|accepts|accepted|agree|agreed|agrees|izin|izni|izinli|onay|onayi|onayli|msg|message|messages|messaging|marketing|ok|enabled|reachable|toil[a-z]*|cead|ceadaigh|ceadaithe|receive|receives|almak|alsin|istiyor|istiyorum|haberdar|abonelik|aboneligi)$/;
/** Words that say "refused" (the flag then reads the other way round). */
const OPT_OUT_WORDS = /^(optout|unsubscribe|unsubscribed|unsub|unsubscribes|blacklist|blacklisted|blocked|suppress|suppressed|suppression|stop|stopped|iptal|ret|red|reddetti|diultaithe)$/;
/** Consents that have no Freshsales field: push and web push, data processing (GDPR/KVKK), terms, cookies. */
const NOT_MARKETING_CONSENT = /^(push|webpush|notification|notifications|bildirim|gdpr|kvkk|processing|terms|cookie|cookies|privacy|aydinlatma|veri|profiling|analytics|tracking|override|overridden|overrides|postal|postmail)$/;

/** A consent flag by how its name is built: a channel word and an opt-in or opt-out word. */
export interface ConsentName {
  field: NamedStandardField;
  /** The name says opt-OUT: true means unsubscribed. */
  inverted: boolean;
  /** No channel named, only marketing consent: read as email, the default marketing channel. */
  channelAssumed: boolean;
}

/** The consent field a name is built for ("MSG-sms", "bulten_izni", "hs_email_optout", "marketing_consent"), if any. */
export function consentName(name: string): ConsentName | undefined {
  const readings = wordReadings(name);
  // Push, GDPR/KVKK, cookies: no Freshsales consent. A "notification" by SMS, email or WhatsApp is that channel's.
  const blocks = (w: string, r: readonly string[]) => NOT_MARKETING_CONSENT.test(w) && !(/^(notification|notifications|bildirim)$/.test(w) && / (sms|email|eposta|whatsapp|whats app|mail|text|gsm) /.test(` ${r.join(' ')} `));
  if (readings.some((r) => r.some((w) => blocks(w, r)))) return undefined;
  for (const r of readings) {
    const hit = consentByWords(r);
    if (hit) return hit;
  }
  return undefined;
}

function consentByWords(all: string[]): ConsentName | undefined {
  const words = all.filter((w) => !NOISE_WORDS.has(w) || w === 'home');
  // Letters sent by post are no Freshsales consent ("donotpostalmail", "IsSubscribeToDirectMail").
  const joined = ` ${words.join(' ')} `.replace(/ (direct|postal|post|snail) mail /g, ' post ');
  // "opt out" / "opted out" are two words; so is "opt in"; "do not email", "sms almak istemiyor" say no too.
  const negated = / (do not|dont|no) /.test(joined) || words.includes('istemiyor');
  const blocked = / (black ?list(ed)?|block ?list(ed)?) /.test(joined);
  const optOut = words.some((w) => OPT_OUT_WORDS.test(w)) || / opt(ed)? out /.test(joined) || negated || blocked;
  // With a channel named, marketing words say what is allowed ("Email News And Promotions", "SMS ile Kampanya Bildirimi").
  const marketing = / (marketing|campaign|campaigns|kampanya|ticari|ileti|news|promotions?|promotional|promos?|offers?|deals) /.test(joined) && CONSENT_CHANNELS.some(([, ws]) => ws.some((w) => joined.includes(` ${w} `)));
  const optIn = words.some((w) => OPT_IN_WORDS.test(w)) || / opt(ed)? in /.test(joined) || marketing;
  // Calls (İYS's ARAMA channel, "IsSubscribeToPhoneCall", "aranmasın"): Do not disturb, which is true when calls are refused;
  // a call consent's status ("iys.ARAMA.status") is the permission.
  const call = / (phone )?calls? | arama | aranma | glao /.test(joined);
  if (call && (optOut || optIn || / (status|state|durum|durumu|ticari|ileti|marketing|commercial) /.test(joined))) return { field: 'do_not_disturb', inverted: !optOut, channelAssumed: false };
  if (!optOut && !optIn) return undefined;
  const flat = joined.trim().replace(/ /g, '');
  const channel = CONSENT_CHANNELS.find(([, ws]) => ws.some((w) => joined.includes(` ${w} `) || flat.startsWith(w.replace(/ /g, ''))));
  if (channel) return { field: channel[0], inverted: optOut, channelAssumed: false };
  // A block list without a channel ("iBlackList"): not to be contacted at all.
  if (blocked && !optIn && words.length <= 3) return { field: 'do_not_disturb', inverted: false, channelAssumed: false };
  // No channel: marketing consent in general ("marketing_consent", "accepts_marketing", "ticari ileti izni").
  if (/ (marketing|pazarlama|ticari|etk|promotions?|promotional|promos?|offers?) /.test(joined) || (optOut && words.length <= 2 && !negated && !blocked && !words.some((w) => /^(blocked|suppressed|suppress)$/.test(w)))) {
    return { field: 'subscription_status', inverted: optOut, channelAssumed: true };
  }
  return undefined;
}

/**
 * A name that is only a channel ("newsletter", "bülten", "nuachtlitir", "sms") besides prefixes:
 * with yes/no values, the consent for that channel. An email address's own name ("email",
 * "mail") is not one: a yes/no there may say whether an address exists.
 */
export function channelOnlyName(name: string): NamedStandardField | undefined {
  for (const r of wordReadings(name)) {
    const words = r.filter((w) => !NOISE_WORDS.has(w) && w.length > 2);
    if (words.length === 0 || words.some((w) => ['email', 'mail', 'emails', 'eposta', 'riomhphost', 'mobile'].includes(w))) continue;
    // Every word a channel word of the same field ("newsletter", "SMS_MMS").
    const hit = CONSENT_CHANNELS.find(([, ws]) => words.every((w) => ws.includes(w)));
    if (hit) return hit[0];
  }
  return undefined;
}

/** Words that, without a channel, say a value is the marketing (email) subscription's state. */
const CONSENT_STATE_WORDS = /^(status|state|durum|durumu|marketing|pazarlama|subscription|subscriptions|abonelik|consent|izin|stadas)$/;

/**
 * The consent field a name points at when its values are subscription statuses ("subscribed",
 * "unsubscribed", "ONAY"/"RET"): the channel it names ("iys_eposta_durumu", "sms_status"), or
 * email for a marketing or status name without one ("mc_status", "marketing_status").
 */
export function consentChannel(name: string): { field: NamedStandardField; channelAssumed: boolean } | undefined {
  const readings = wordReadings(name);
  if (readings.some((r) => r.some((w) => NOT_MARKETING_CONSENT.test(w)))) return undefined;
  for (const words of readings) {
    const joined = ` ${words.join(' ')} `;
    const channel = CONSENT_CHANNELS.find(([, ws]) => ws.some((w) => joined.includes(` ${w} `)));
    if (channel) return { field: channel[0], channelAssumed: false };
  }
  return readings.some((r) => r.some((w) => CONSENT_STATE_WORDS.test(w))) ? { field: 'subscription_status', channelAssumed: true } : undefined;
}

/** Places below the city (a district, a neighbourhood, a suburb): open-ended, so never a dropdown. */
export function isPlaceName(name: string): boolean {
  return wordReadings(name).flat().some((w) => /^(district|districts|ilce|ilcesi|semt|semti|mahalle|mahallesi|neighbourhood|neighborhood|suburb|locality|village|koy|koyu|ceantar|paroiste|parish|townland)$/.test(w));
}

/** A home phone ("home_phone", "ev_telefonu", "landline"): not the Work number, and no Freshsales field of its own. */
export function isHomePhoneName(name: string): boolean {
  const readings = wordReadings(name);
  if (readings.some((r) => r.some((w) => /^(work|isyeri|office|ofis|business|oibre)$/.test(w)))) return false;
  return readings.some((r) => {
    if (/\b(home (phone|tel|telephone|number|no)|ev (telefonu|tel|telefon|no|numarasi)|landline|fon baile|sabit hat)\b/.test(r.join(' '))) return true;
    // "phone_home", "telephone2_home": the words in either order.
    return r.includes('home') && ['phone', 'telephone', 'tel'].some((w) => r.includes(w));
  });
}

/** Words for the evidence: "a Turkish name for Mobile". */
export function describeOrigin(origin: SynonymOrigin): string {
  switch (origin) {
    case 'freshsales':
      return 'the Freshsales name';
    case 'english':
      return 'an English name';
    case 'turkish':
      return 'a Turkish name';
    case 'irish':
      return 'an Irish name';
    case 'vendor':
      return 'a common platform/CRM spelling';
    case 'abbreviation':
      return 'a common abbreviation';
  }
}
