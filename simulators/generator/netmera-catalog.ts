/**
 * The Netmera account's small catalogues: attribute and event definitions, push
 * categories, segments, campaigns, journeys and widgets. A Turkish retail app with an
 * English-speaking minority: Turkish custom attribute codes and values next to English
 * ones, as Netmera accounts have them. Fixed per seed whatever the user count.
 */
import { createRng } from '../common/prng.js';
import { fmix32, intIn, pick } from './index-rng.js';
import type {
  NetmeraAttributeDefinition, NetmeraCampaign, NetmeraChannel, NetmeraCreative, NetmeraEventDefinition, NetmeraJourney, NetmeraPlatform,
  NetmeraSegment, NetmeraWidget,
} from './netmera-types.js';

const DAY = 86_400_000;

/** Standard (SDK) attributes in use by the app [C codes; A names and flags]. */
export const STANDARD_ATTRIBUTES: readonly NetmeraAttributeDefinition[] = [
  { code: 'extId', name: 'External Id', dataType: 'STRING', isPersonalInfo: true },
  { code: 'email', name: 'email', dataType: 'STRING', isPersonalInfo: true },
  { code: 'msisdn', name: 'msisdn', dataType: 'STRING', isPersonalInfo: true },
  { code: 'name', name: 'Name', dataType: 'STRING', isPersonalInfo: true },
  { code: 'surname', name: 'Surname', dataType: 'STRING', isPersonalInfo: true },
  { code: 'gender', name: 'Gender', dataType: 'STRING' },
  { code: 'dateOfBirth', name: 'Date of Birth', dataType: 'DATE', isPersonalInfo: true },
  { code: 'maritalStatus', name: 'Marital Status', dataType: 'STRING' },
  { code: 'numberOfChildren', name: 'Number of Children', dataType: 'INTEGER' },
  { code: 'country', name: 'Country', dataType: 'STRING' },
  { code: 'state', name: 'State', dataType: 'STRING' },
  { code: 'city', name: 'City', dataType: 'STRING' },
  { code: 'district', name: 'District', dataType: 'STRING' },
  { code: 'occupation', name: 'Occupation', dataType: 'STRING' },
  { code: 'industry', name: 'Industry', dataType: 'STRING' },
  { code: 'favouriteTeam', name: 'Favourite Team', dataType: 'STRING' },
  { code: 'language', name: 'Language', dataType: 'STRING' },
  { code: 'externalSegments', name: 'External Segments', dataType: 'STRING', isArray: true },
];

/** Custom attributes created in the panel: Turkish codes for the Turkish app, English for the rest [A]. */
export const CUSTOM_ATTRIBUTES: readonly NetmeraAttributeDefinition[] = [
  { code: 'dogum_tarihi', name: 'Doğum Tarihi', dataType: 'DATE', isPersonalInfo: true, description: 'Üyelik formundan doğum tarihi' },
  { code: 'cep_telefonu', name: 'Cep Telefonu', dataType: 'STRING', isPersonalInfo: true },
  { code: 'sehir', name: 'Şehir', dataType: 'STRING' },
  { code: 'uyelik_tipi', name: 'Üyelik Tipi', dataType: 'STRING', description: 'Standart, Premium veya Altın' },
  { code: 'sadakat_puani', name: 'Sadakat Puanı', dataType: 'INTEGER' },
  { code: 'toplam_harcama', name: 'Toplam Harcama (TL)', dataType: 'DOUBLE' },
  { code: 'son_alisveris_tarihi', name: 'Son Alışveriş Tarihi', dataType: 'DATE' },
  { code: 'ilgi_alanlari', name: 'İlgi Alanları', dataType: 'STRING', isArray: true },
  { code: 'kvkk_onay', name: 'KVKK Onayı', dataType: 'BOOLEAN' },
  { code: 'isSubscribed', name: 'Is Subscribed', dataType: 'BOOLEAN' },
  { code: 'loyaltyTier', name: 'Loyalty Tier', dataType: 'STRING' },
  { code: 'lastPurchaseDate', name: 'Last Purchase Date', dataType: 'DATE' },
  { code: 'favouriteCategories', name: 'Favourite Categories', dataType: 'STRING', isArray: true },
  { code: 'totalSpend', name: 'Total Spend (GBP)', dataType: 'DOUBLE' },
];

const attr = (code: string, name: string, dataType: NetmeraAttributeDefinition['dataType'], isArray = false) =>
  (isArray ? { code, name, dataType, isArray } : { code, name, dataType });

/**
 * Event definitions. Built-in codes use the SDK's `n:` prefix [C prefix, A codes and names];
 * custom events carry the codes the panel was given.
 */
export const EVENT_DEFINITIONS: readonly NetmeraEventDefinition[] = [
  { code: 'n:op', name: 'Open App', standard: true, attributes: [] },
  { code: 'n:cl', name: 'Close App', standard: true, attributes: [attr('du', 'Duration (s)', 'INTEGER')] },
  { code: 'n:sv', name: 'Screen View', standard: true, attributes: [attr('pn', 'Page Name', 'STRING')] },
  { code: 'n:lg', name: 'Login', standard: true, attributes: [attr('mt', 'Method', 'STRING')] },
  { code: 'n:rg', name: 'Register', standard: true, attributes: [attr('mt', 'Method', 'STRING')] },
  { code: 'n:sr', name: 'Search', standard: true, attributes: [attr('qy', 'Query', 'STRING'), attr('rc', 'Result Count', 'INTEGER')] },
  { code: 'n:pv', name: 'Product View', standard: true, attributes: [attr('pi', 'Product Id', 'STRING'), attr('pr', 'Price', 'DOUBLE'), attr('ct', 'Category', 'STRING')] },
  { code: 'n:atc', name: 'Add To Cart', standard: true, attributes: [attr('pi', 'Product Id', 'STRING'), attr('pr', 'Price', 'DOUBLE'), attr('cn', 'Count', 'INTEGER')] },
  {
    code: 'n:pc', name: 'Purchase', standard: true, highValue: true,
    attributes: [attr('rv', 'Revenue', 'DOUBLE'), attr('cu', 'Currency', 'STRING'), attr('cn', 'Count', 'INTEGER'), attr('ii', 'Item Ids', 'STRING', true)],
  },
  {
    code: 'satin_alma', name: 'Satın Alma', standard: false, highValue: true,
    attributes: [
      attr('tutar', 'Tutar', 'DOUBLE'), attr('para_birimi', 'Para Birimi', 'STRING'), attr('siparis_no', 'Sipariş No', 'STRING'),
      attr('teslimat_tarihi', 'Teslimat Tarihi', 'DATE'), attr('urunler', 'Ürünler', 'STRING', true),
    ],
  },
  { code: 'sepete_ekle', name: 'Sepete Ekle', standard: false, attributes: [attr('urun_id', 'Ürün Id', 'STRING'), attr('fiyat', 'Fiyat', 'DOUBLE'), attr('adet', 'Adet', 'INTEGER')] },
  { code: 'kupon_kullanimi', name: 'Kupon Kullanımı', standard: false, attributes: [attr('kupon_kodu', 'Kupon Kodu', 'STRING'), attr('indirim_orani', 'İndirim Oranı', 'DOUBLE')] },
  {
    code: 'SubscriptionStarted', name: 'Subscription Started', standard: false, highValue: true,
    attributes: [attr('plan', 'Plan', 'STRING'), attr('price', 'Price', 'DOUBLE'), attr('trialEndsAt', 'Trial Ends At', 'DATE')],
  },
  { code: 'AppRating', name: 'App Rating', standard: false, attributes: [attr('stars', 'Stars', 'INTEGER'), attr('comment', 'Comment', 'STRING')] },
];

/** Push categories (purpose consent) [A names; `Haftalık Bülten` from the notes]. */
export const CATEGORIES: readonly string[] = ['Kampanyalar', 'Haftalık Bülten', 'Sipariş Durumu', 'Promotions', 'Newsletter'];

/** Tag vocabulary [A]. */
export const TAG_NAMES: readonly string[] = [
  'vip', 'beta_tester', 'kampanya_2024', 'black_friday_2024', 'b2b', 'çalışan', 'influencer', 'yeni_üye', 'loyal', 'app_review_given',
];

/** Segment ids, named so rules and tests can refer to them. */
export const SEGMENT_ID = {
  all: 5883, istanbul: 5901, newsletter: 5902, premium: 5903, english: 5904, active30: 5905, cart: 5906, churn: 5907,
  connector: 5908, campaign2022: 5909, newSignups: 5910,
} as const;

const SEGMENT_ROWS: ReadonlyArray<[keyof typeof SEGMENT_ID, string, NetmeraSegment['type'], NetmeraSegment['status'], boolean, string]> = [
  ['all', 'Tüm Kullanıcılar', 'STANDARD', 'READY', false, 'Every user of the application'],
  ['istanbul', 'İstanbul Kullanıcıları', 'STANDARD', 'READY', false, "Profile attribute sehir (or city) equals 'İstanbul'"],
  ['newsletter', 'Haftalık Bülten Aboneleri', 'STANDARD', 'READY', false, "Category preference 'Haftalık Bülten' is on"],
  ['premium', 'Premium Üyeler', 'STANDARD', 'READY', false, "uyelik_tipi is 'Premium' or 'Altın', or loyaltyTier is 'Gold'"],
  ['english', 'English Speakers', 'STANDARD', 'READY', false, "language starts with 'en'"],
  ['active30', 'Son 30 Gün Aktif', 'STANDARD', 'READY', true, 'Opened the app in the last 30 days (event n:op)'],
  ['cart', 'Sepeti Terk Edenler', 'PRODUCT_SEGMENT', 'READY', true, 'Fired sepete_ekle and no satin_alma within 24 hours'],
  ['churn', 'Churn Riski Yüksek', 'PREDICTIVE_SEGMENT', 'READY', true, 'Predicted churn probability above 70%'],
  ['connector', 'Mixpanel – Power Users', 'CONNECTORS_SEGMENT', 'READY', false, 'Imported from Mixpanel cohort "Power Users"'],
  ['campaign2022', 'Kampanya 2022 Katılımcıları', 'STANDARD', 'NOT_ACTIVE', false, 'Joined the 2022 summer campaign'],
  ['newSignups', 'Yeni Kayıtlar (7 gün)', 'STANDARD', 'CALCULATING', true, 'Registered in the last 7 days'],
];

/** The account's segments, oldest first. */
export function netmeraSegments(now: number): NetmeraSegment[] {
  return SEGMENT_ROWS.map(([key, name, type, status, drifts, rules], k) => ({
    id: SEGMENT_ID[key], name, type, status, rules, drifts, createdAt: now - (900 - k * 60) * DAY,
  }));
}

/** The segments a typical migration picks to approximate the whole base (leaving some users out). */
export const TYPICAL_SELECTION: readonly number[] = [
  SEGMENT_ID.istanbul, SEGMENT_ID.newsletter, SEGMENT_ID.premium, SEGMENT_ID.english, SEGMENT_ID.active30, SEGMENT_ID.cart,
];

/** Widget asset size limit stated in the definition file [A value]. */
export const WIDGET_FILE_SIZE_LIMIT_BYTES = 2 * 1024 * 1024;

const CAMPAIGNS: ReadonlyArray<{
  title: string; channel: NetmeraChannel; segs: number[]; text: string; msgTitle?: string; subject?: string; labels: string[];
  schedule: NetmeraCampaign['schedule']['type']; creatives: NetmeraCreative['type'][]; conversion: string | null;
}> = [
  { title: 'Black Friday – %50 İndirim', channel: 'PUSH', segs: [SEGMENT_ID.all], msgTitle: 'Black Friday başladı! 🖤', text: 'Tüm ürünlerde %50’ye varan indirim seni bekliyor.', labels: ['black-friday', 'indirim'], schedule: 'SCHEDULED', creatives: ['IMAGE'], conversion: 'satin_alma' },
  { title: 'Sepet Hatırlatma', channel: 'PUSH', segs: [SEGMENT_ID.cart], msgTitle: 'Sepetin seni bekliyor', text: 'Sepetindeki ürünler tükenmeden tamamla!', labels: ['sepet', 'otomatik'], schedule: 'AUTOMATED', creatives: [], conversion: 'satin_alma' },
  { title: 'Haftalık Bülten #48', channel: 'EMAIL', segs: [SEGMENT_ID.newsletter], subject: 'Bu haftanın fırsatları', text: '<h1>Haftalık Bülten</h1><p>Yeni sezon ürünleri…</p>', labels: ['bülten'], schedule: 'RECURRING', creatives: ['HTML', 'IMAGE'], conversion: null },
  { title: 'Premium Üyelere Özel Kupon', channel: 'SMS', segs: [SEGMENT_ID.premium], text: 'Premium üyelere özel PRM25 kodu ile %25 indirim. Ret: 4609 SMS RET', labels: ['premium', 'kupon'], schedule: 'IMMEDIATE', creatives: [], conversion: 'kupon_kullanimi' },
  { title: 'Spring Sale (EN)', channel: 'PUSH', segs: [SEGMENT_ID.english], msgTitle: 'Spring Sale is on', text: 'Up to 40% off — this weekend only.', labels: ['seasonal', 'en'], schedule: 'SCHEDULED', creatives: ['IMAGE', 'GIF'], conversion: 'n:pc' },
  { title: 'Uygulama İçi Anket', channel: 'IN_APP', segs: [SEGMENT_ID.active30], msgTitle: 'Fikrin bizim için önemli', text: 'Uygulamamızı 1-5 arası puanlar mısın?', labels: ['anket'], schedule: 'IMMEDIATE', creatives: ['HTML'], conversion: 'AppRating' },
  { title: 'Seni Özledik', channel: 'PUSH', segs: [SEGMENT_ID.churn], msgTitle: 'Seni özledik 💙', text: 'Geri dön, ilk siparişinde kargo bizden.', labels: ['win-back'], schedule: 'SCHEDULED', creatives: ['IMAGE'], conversion: 'satin_alma' },
  { title: 'İstanbul Mağaza Açılışı', channel: 'PUSH', segs: [SEGMENT_ID.istanbul], msgTitle: 'Kadıköy mağazamız açıldı', text: 'Açılışa özel %20 indirim için uğra!', labels: ['mağaza', 'istanbul'], schedule: 'SCHEDULED', creatives: ['IMAGE', 'VIDEO'], conversion: null },
  { title: 'Welcome Email (EN)', channel: 'EMAIL', segs: [SEGMENT_ID.english], subject: 'Welcome aboard!', text: '<p>Thanks for joining — here is 10% off your first order.</p>', labels: ['welcome', 'en'], schedule: 'AUTOMATED', creatives: ['HTML'], conversion: 'SubscriptionStarted' },
  { title: 'Kargo Bedava Hafta Sonu', channel: 'SMS', segs: [SEGMENT_ID.istanbul, SEGMENT_ID.premium], text: 'Hafta sonu tüm siparişlerde kargo bedava! Ret: 4609 SMS RET', labels: ['kargo'], schedule: 'SCHEDULED', creatives: [], conversion: 'satin_alma' },
  { title: 'Yeni Sezon Banner', channel: 'IN_APP', segs: [SEGMENT_ID.all], msgTitle: 'Yeni sezon geldi', text: 'Yeni sezon koleksiyonunu keşfet.', labels: ['sezon'], schedule: 'SCHEDULED', creatives: ['IMAGE'], conversion: 'n:pv' },
  { title: 'Flash Sale – Şimdi Gönderiliyor', channel: 'PUSH', segs: [SEGMENT_ID.active30], msgTitle: '2 saatlik flaş indirim', text: 'Sadece 2 saat: seçili ürünlerde %60.', labels: ['flash'], schedule: 'IMMEDIATE', creatives: [], conversion: 'satin_alma' },
];

const PUSH_PLATFORMS: NetmeraPlatform[] = ['IOS', 'ANDROID', 'CHROME', 'SAFARI', 'FIREFOX'];

/** Campaigns, oldest first; the last one is still sending. */
export function netmeraCampaigns(seed: number, now: number): NetmeraCampaign[] {
  const r = createRng(fmix32(seed ^ 0x5e17c0de));
  const out: NetmeraCampaign[] = [];
  CAMPAIGNS.forEach((c, k) => {
    const last = k === CAMPAIGNS.length - 1;
    const start = last ? now - 3 * 3_600_000 : now - (170 - k * 14) * DAY - intIn(r, 0, 86_399) * 1000;
    const end = last ? null : start + intIn(r, 20, 240) * 60_000;
    const platforms: NetmeraPlatform[] = c.channel === 'SMS' ? ['SMS'] : c.channel === 'EMAIL' ? ['EMAIL'] : c.channel === 'IN_APP' ? ['IOS', 'ANDROID'] : PUSH_PLATFORMS;
    const key = String(1000 + k * 37 + intIn(r, 0, 9));
    const creatives: NetmeraCreative[] = c.creatives.map((type, j) => {
      const ext = type === 'IMAGE' ? 'jpg' : type === 'VIDEO' ? 'mp4' : type === 'GIF' ? 'gif' : 'html';
      const fileName = `${key}_${j + 1}.${ext}`;
      const size = type === 'VIDEO' ? intIn(r, 2_000_000, 9_000_000) : type === 'HTML' ? intIn(r, 4_000, 60_000) : intIn(r, 40_000, 900_000);
      return { type, fileName, url: `https://cdn.netmera-web.com/assets/${key}/${fileName}`, sizeBytes: size };
    });
    out.push({
      notificationKey: key,
      title: c.title,
      channel: c.channel,
      platforms,
      content: {
        ...(c.msgTitle ? { title: c.msgTitle } : {}), text: c.text, ...(c.subject ? { subject: c.subject } : {}),
        ...(c.channel === 'PUSH' || c.channel === 'IN_APP' ? { deeplink: `app://kampanya/${key}` } : {}),
        ...(c.channel === 'IN_APP' ? { buttons: ['Tamam', 'Daha sonra'] } : {}),
      },
      creatives,
      labels: [...c.labels],
      schedule: {
        type: c.schedule, startAt: start, endAt: c.schedule === 'RECURRING' ? start + 365 * DAY : end, timeZone: 'Europe/Istanbul',
        ...(c.schedule === 'RECURRING' ? { recurrence: 'WEEKLY;MO;10:00' } : {}),
      },
      segmentIds: [...c.segs],
      status: last ? 'SENDING' : 'FINISHED',
      startDate: start,
      endDate: end,
      conversionEvent: c.conversion,
    });
  });
  return out;
}

/** Journeys of the account (definition file only) [A]. */
export function netmeraJourneys(seed: number): NetmeraJourney[] {
  const r = createRng(fmix32(seed ^ 0x70a9e7));
  const stats = () => {
    const entered = intIn(r, 400, 9000);
    return { entered, converted: Math.floor(entered * (0.03 + r() * 0.2)) };
  };
  return [
    {
      id: 'jr_welcome', name: 'Hoş Geldin Yolculuğu', status: 'ACTIVE',
      entryConditions: [{ type: 'EVENT', value: 'n:rg', description: 'User registers' }],
      steps: [
        { order: 1, type: 'WAIT', description: '1 gün bekle' },
        { order: 2, type: 'MESSAGE', channel: 'PUSH', description: 'Hoş geldin push: ilk siparişe %10' },
        { order: 3, type: 'WAIT', description: '3 gün bekle' },
        { order: 4, type: 'CONDITION', description: 'satin_alma fired since entry?' },
        { order: 5, type: 'MESSAGE', channel: 'EMAIL', description: 'No purchase: reminder email with coupon' },
        { order: 6, type: 'EXIT', description: 'Exit on satin_alma' },
      ],
      channels: ['PUSH', 'EMAIL'], conversionEvents: [{ event: 'satin_alma', windowDays: 7 }], conversionCounting: 'ONE_PER_USER', stats: stats(),
    },
    {
      id: 'jr_cart', name: 'Sepet Hatırlatma Akışı', status: 'ACTIVE',
      entryConditions: [{ type: 'EVENT', value: 'sepete_ekle', description: 'Adds to cart and no satin_alma within 2 hours' }],
      steps: [
        { order: 1, type: 'WAIT', description: '2 saat bekle' },
        { order: 2, type: 'MESSAGE', channel: 'PUSH', description: 'Sepet hatırlatma push' },
        { order: 3, type: 'SPLIT', description: '50/50: SMS or nothing' },
        { order: 4, type: 'MESSAGE', channel: 'SMS', description: 'SMS with free shipping code' },
      ],
      channels: ['PUSH', 'SMS'], conversionEvents: [{ event: 'satin_alma', windowDays: 2 }], conversionCounting: 'ONE_PER_USER', stats: stats(),
    },
    {
      id: 'jr_birthday', name: 'Doğum Günü Kampanyası', status: 'ACTIVE',
      entryConditions: [{ type: 'DATE_ATTRIBUTE', value: 'dogum_tarihi', description: 'Anniversary of dogum_tarihi, 09:00 Europe/Istanbul' }],
      steps: [
        { order: 1, type: 'MESSAGE', channel: 'PUSH', description: 'İyi ki doğdun! push' },
        { order: 2, type: 'MESSAGE', channel: 'EMAIL', description: 'Birthday coupon email' },
      ],
      channels: ['PUSH', 'EMAIL'], conversionEvents: [{ event: 'kupon_kullanimi', windowDays: 14 }], conversionCounting: 'ONE_PER_USER', stats: stats(),
    },
    {
      id: 'jr_winback', name: 'Win-back (churn risk)', status: 'PAUSED',
      entryConditions: [{ type: 'SEGMENT', value: String(SEGMENT_ID.churn), description: 'Enters segment Churn Riski Yüksek' }],
      steps: [
        { order: 1, type: 'MESSAGE', channel: 'PUSH', description: 'We miss you push' },
        { order: 2, type: 'WAIT', description: '5 days' },
        { order: 3, type: 'MESSAGE', channel: 'IN_APP', description: 'Comeback offer pop-up on next open' },
      ],
      channels: ['PUSH', 'IN_APP'], conversionEvents: [{ event: 'n:op', windowDays: 14 }, { event: 'satin_alma', windowDays: 30 }], conversionCounting: 'ONE_PER_USER', stats: stats(),
    },
    {
      id: 'jr_onboarding_en', name: 'Onboarding (EN)', status: 'DRAFT',
      entryConditions: [{ type: 'EVENT', value: 'n:rg', description: "Registers with language 'en'" }],
      steps: [
        { order: 1, type: 'MESSAGE', channel: 'EMAIL', description: 'Welcome email' },
        { order: 2, type: 'WAIT', description: '2 days' },
        { order: 3, type: 'MESSAGE', channel: 'PUSH', description: 'Feature tour push' },
      ],
      channels: ['EMAIL', 'PUSH'], conversionEvents: [{ event: 'SubscriptionStarted', windowDays: 30 }], conversionCounting: 'ONE_PER_USER', stats: stats(),
    },
  ];
}

/** Widgets of the account (definition file only) [A]; two are over the stated size limit. */
export function netmeraWidgets(seed: number): NetmeraWidget[] {
  const r = createRng(fmix32(seed ^ 0x3d9e7));
  const rows: ReadonlyArray<[string, NetmeraWidget['type'], NetmeraWidget['trigger'], number]> = [
    ['Çarkıfelek – Yılbaşı', 'SPIN_TO_WIN', { type: 'APP_OPEN', value: null }, 3_400_000],
    ['Bülten Kayıt Pop-up', 'POPUP', { type: 'SCREEN', value: 'HomeScreen' }, 180_000],
    ['Kargo Bedava Banner', 'BANNER', { type: 'SCREEN', value: 'CartScreen' }, 95_000],
    ['NPS Anketi', 'NPS', { type: 'EVENT', value: 'satin_alma' }, 40_000],
    ['Yeni Sezon Tam Ekran', 'FULL_SCREEN', { type: 'EVENT', value: 'n:op' }, 2_600_000],
    ['Feedback Survey (EN)', 'SURVEY', { type: 'EVENT', value: 'AppRating' }, 60_000],
  ];
  return rows.map(([name, type, trigger, approx], k) => {
    const total = approx + intIn(r, 0, 9999);
    const first = Math.floor(total * 0.7);
    return {
      id: `wg_${k + 1}`, name, type, trigger, fileSizeBytes: total,
      assets: [{ fileName: `widget_${k + 1}_bg.png`, sizeBytes: first }, { fileName: `widget_${k + 1}.html`, sizeBytes: total - first }],
      status: pick(r, ['ACTIVE', 'ACTIVE', 'PASSIVE'] as const),
    };
  });
}
