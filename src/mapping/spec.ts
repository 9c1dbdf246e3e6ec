/**
 * The mapping spec: the file a human confirms before any record moves. It says, for each
 * Freshsales contact field, which canonical value feeds it and how that value is normalised.
 * Custom fields are named by their LABEL (what the admin sees in Freshsales); the `cf_` name
 * is read from the destination at run time, never derived, because Freshsales picks it.
 *
 * The confirmation is bound to `mappingHash`, so a confirmed map cannot change silently.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { CanonicalContact, SourceName } from '../core/model.js';
import { didYouMean as suggest } from '../core/did-you-mean.js';
import { loadYamlFile, parseYaml } from '../core/yaml.js';

/** Every value transform a field can name. Each is a pure function in normalise.ts. */
export const TRANSFORMS = [
  'none',
  'email',
  'phone',
  'name',
  'text',
  'number',
  'integer',
  'boolean',
  'date',
  'date_day_first',
  'datetime',
  'array_to_text',
  'array_to_multiselect',
  'subscription',
] as const;
/** A value transform name. */
export type Transform = (typeof TRANSFORMS)[number];

/** Freshsales custom field types a mapping can target. `radio` behaves like `dropdown`. */
export const CUSTOM_FIELD_TYPES = ['text', 'textarea', 'number', 'dropdown', 'radio', 'multi_select_dropdown', 'checkbox', 'date'] as const;
/** A Freshsales custom field type. */
export type CustomFieldType = (typeof CUSTOM_FIELD_TYPES)[number];

/** What to do with a record whose value for a field cannot be written. */
export const ON_INVALID = ['quarantine', 'drop_field'] as const;
/**
 * `quarantine` keeps the record out of the load with the reason; `drop_field` loads it without
 * that value and reports the value left out (a non-fatal issue). The default is `drop_field`
 * for optional fields and `quarantine` for the identity fields (see {@link defaultOnInvalid}).
 */
export type OnInvalid = (typeof ON_INVALID)[number];
/** Older maps wrote `drop`; it reads as `drop_field`. */
const ON_INVALID_ALIASES: Readonly<Record<string, OnInvalid>> = { drop: 'drop_field' };

/**
 * Canonical fields that say WHO a record is: the source's user id finds a contact again when
 * its email changed, so a value that cannot be written as it is must hold the record back
 * (`emails`, the upsert key, is always quarantined whatever the map says).
 */
export const IDENTITY_SOURCES: ReadonlySet<string> = new Set(['externalId', 'sourceId']);

/** How values written to a target are compared on read-back (see compare.ts). */
export type ValueKind = 'email' | 'phone' | 'text' | 'number' | 'integer' | 'boolean' | 'date' | 'datetime' | 'choice' | 'choices' | 'tags' | 'any';

/** What a target accepts and how it behaves by default. */
export interface TargetRule {
  /** Freshsales UI label, used to keep proposed custom labels from clashing with standard ones. */
  label: string;
  defaultTransform: Transform;
  allowed: readonly Transform[];
  /** Default when `on_invalid` is not given; see transform.ts for the reasoning. */
  onInvalid: OnInvalid;
  kind: ValueKind;
}

const TEXTUAL: readonly Transform[] = ['text', 'none', 'name', 'email', 'phone', 'number', 'integer', 'boolean', 'date', 'date_day_first', 'datetime', 'array_to_text'];
const PLAIN_TEXT = (label: string): TargetRule => ({ label, defaultTransform: 'text', allowed: TEXTUAL, onInvalid: 'drop_field', kind: 'text' });
const ID = (label: string): TargetRule => ({ label, defaultTransform: 'integer', allowed: ['integer', 'none'], onInvalid: 'drop_field', kind: 'integer' });
const SUBSCRIPTION = (label: string): TargetRule => ({
  label,
  defaultTransform: 'subscription',
  allowed: ['subscription', 'integer', 'none'],
  // Consent: left out, the flag takes whatever Freshsales gives a new contact (undocumented,
  // possibly "subscribed"): a consent nobody gave. Held back until the flag is readable.
  onInvalid: 'quarantine',
  kind: 'integer',
});
// Names are optional in Freshsales: one over 255 characters (refused whole) or with control characters is left out and reported.
const NAME = (label: string): TargetRule => ({ label, defaultTransform: 'name', allowed: ['name', 'text', 'none'], onInvalid: 'drop_field', kind: 'text' });
const PHONE = (label: string): TargetRule => ({ label, defaultTransform: 'phone', allowed: ['phone', 'text', 'none'], onInvalid: 'drop_field', kind: 'phone' });

/**
 * Standard (non-custom) Freshsales contact fields a mapping may write, with the transforms
 * that make sense for each. Read-only fields (id, created_at, …) are deliberately absent.
 */
export const STANDARD_CONTACT_FIELDS = {
  first_name: NAME('First name'),
  last_name: NAME('Last name'),
  emails: { label: 'Emails', defaultTransform: 'email', allowed: ['email'], onInvalid: 'quarantine', kind: 'email' },
  mobile_number: PHONE('Mobile'),
  work_number: PHONE('Work'),
  job_title: PLAIN_TEXT('Job title'),
  address: PLAIN_TEXT('Address'),
  city: PLAIN_TEXT('City'),
  state: PLAIN_TEXT('State'),
  zipcode: PLAIN_TEXT('Zipcode'),
  country: PLAIN_TEXT('Country'),
  time_zone: PLAIN_TEXT('Time zone'),
  external_id: PLAIN_TEXT('External ID'),
  medium: PLAIN_TEXT('Medium'),
  keyword: PLAIN_TEXT('Keyword'),
  unsubscription_reason: PLAIN_TEXT('Unsubscription reason'),
  subscription_types: PLAIN_TEXT('Subscription types'),
  subscription_status: SUBSCRIPTION('Subscription status'),
  sms_subscription_status: SUBSCRIPTION('SMS subscription status'),
  whatsapp_subscription_status: SUBSCRIPTION('WhatsApp subscription status'),
  lifecycle_stage_id: ID('Lifecycle stage'),
  contact_status_id: ID('Status'),
  owner_id: ID('Owner'),
  territory_id: ID('Territory'),
  lead_source_id: ID('Source'),
  campaign_id: ID('Campaign'),
  do_not_disturb: { label: 'Do not disturb', defaultTransform: 'boolean', allowed: ['boolean', 'none'], onInvalid: 'drop_field', kind: 'boolean' },
  tags: { label: 'Tags', defaultTransform: 'array_to_multiselect', allowed: ['array_to_multiselect', 'text', 'none'], onInvalid: 'drop_field', kind: 'tags' },
} as const satisfies Record<string, TargetRule>;
/** A standard Freshsales contact field name. */
export type StandardContactField = keyof typeof STANDARD_CONTACT_FIELDS;
const STANDARD_NAMES = Object.keys(STANDARD_CONTACT_FIELDS) as StandardContactField[];

const CUSTOM_RULES: Record<CustomFieldType, Omit<TargetRule, 'label'>> = {
  // Custom fields are optional: a value that cannot be typed is left out and reported (the
  // contact still loads); a map that would rather hold such contacts back says
  // `on_invalid: quarantine` on the field.
  text: { defaultTransform: 'text', allowed: TEXTUAL, onInvalid: 'drop_field', kind: 'text' },
  textarea: { defaultTransform: 'text', allowed: TEXTUAL, onInvalid: 'drop_field', kind: 'text' },
  number: { defaultTransform: 'number', allowed: ['number', 'integer', 'none'], onInvalid: 'drop_field', kind: 'number' },
  dropdown: { defaultTransform: 'text', allowed: ['text', 'name', 'none'], onInvalid: 'drop_field', kind: 'choice' },
  radio: { defaultTransform: 'text', allowed: ['text', 'name', 'none'], onInvalid: 'drop_field', kind: 'choice' },
  multi_select_dropdown: { defaultTransform: 'array_to_multiselect', allowed: ['array_to_multiselect', 'none'], onInvalid: 'drop_field', kind: 'choices' },
  checkbox: { defaultTransform: 'boolean', allowed: ['boolean', 'none'], onInvalid: 'drop_field', kind: 'boolean' },
  date: { defaultTransform: 'date', allowed: ['date', 'date_day_first', 'none'], onInvalid: 'drop_field', kind: 'date' },
};

/** Freshsales limits the rules check against (api/freshsales.md, custom fields). */
export const FRESHSALES_LIMITS = { textChars: 256, textareaChars: 10_000, numberIntegerDigits: 11, numberDecimals: 4, dropdownChoices: 300, nameChars: 255 } as const;

/** Canonical contact fields a `from` can name directly (everything but the attribute bag). */
export const CANONICAL_CONTACT_FIELDS = Object.keys(CanonicalContact.shape).filter((k) => k !== 'attributes' && k !== 'sourceProblems') as Array<
  Exclude<keyof CanonicalContact, 'attributes' | 'sourceProblems'>
>;
/** Prefix of a `from` path that reads a source attribute; the rest is the attribute's exact name (dots allowed). */
export const ATTRIBUTE_PREFIX = 'attributes.';

/**
 * True for a name a source attribute can have: not empty, no control characters, and not a
 * name that reaches an object's prototype (`__proto__`, `constructor`, `prototype`). Proposals
 * never map the others (the connector reports them as malformed rows).
 */
export function isUsableAttributeName(name: string): boolean {
  // eslint-disable-next-line no-control-regex
  return name.trim() !== '' && !/[\u0000-\u001f\u007f]/.test(name) && name !== '__proto__' && name !== 'constructor' && name !== 'prototype';
}

const quote = (v: unknown) => JSON.stringify(v);

/** A custom field target, named by the label the admin gives it in Freshsales. */
export const CustomTarget = z
  .strictObject({
    custom: z.string({ error: 'the custom field label must be text' }).trim().min(1, 'the custom field label must not be empty').max(255),
    type: z.enum(CUSTOM_FIELD_TYPES, {
      error: (iss) =>
        iss.input === undefined
          ? `a custom field needs a type (one of: ${CUSTOM_FIELD_TYPES.join(', ')})`
          : `unknown custom field type ${quote(iss.input)} (expected one of: ${CUSTOM_FIELD_TYPES.join(', ')})${suggest(iss.input, CUSTOM_FIELD_TYPES)}`,
    }),
    // YAML reads `[1, 2]` or `[yes]` as numbers/booleans; choices are text in Freshsales.
    choices: z
      .array(z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v).trim()))
      .max(FRESHSALES_LIMITS.dropdownChoices, `Freshsales allows at most ${FRESHSALES_LIMITS.dropdownChoices} choices`)
      .optional(),
  })
  .superRefine((t, ctx) => {
    if (t.choices === undefined) return;
    if (t.type !== 'dropdown' && t.type !== 'radio' && t.type !== 'multi_select_dropdown') {
      ctx.addIssue({ code: 'custom', path: ['choices'], message: `only dropdown, radio and multi_select_dropdown fields have choices, not ${t.type}` });
      return;
    }
    const seen = new Set<string>();
    t.choices.forEach((c, i) => {
      if (c.length === 0) ctx.addIssue({ code: 'custom', path: ['choices', i], message: 'a choice must not be empty' });
      const k = c.toLowerCase();
      if (seen.has(k)) ctx.addIssue({ code: 'custom', path: ['choices', i], message: `choice ${quote(c)} is listed twice` });
      seen.add(k);
    });
  });
/** A custom field target. */
export type CustomTarget = z.infer<typeof CustomTarget>;

/** A field's destination: a standard field name, or a custom field by label. */
export type Target = StandardContactField | CustomTarget;

const TargetSchema = z.unknown().transform((v, ctx): Target => {
  if (typeof v === 'string') {
    if ((STANDARD_NAMES as string[]).includes(v)) return v as StandardContactField;
    ctx.addIssue({
      code: 'custom',
      message: `unknown Freshsales contact field ${quote(v)} (expected one of: ${STANDARD_NAMES.join(', ')}; or { custom: "<label>", type: <type> } for a custom field)${suggest(v, STANDARD_NAMES)}`,
    });
    return z.NEVER;
  }
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const r = CustomTarget.safeParse(v);
    if (r.success) return r.data;
    for (const issue of r.error.issues) {
      if (issue.code === 'unrecognized_keys') ctx.addIssue({ ...issue, input: v as Record<string, unknown> });
      else ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    }
    return z.NEVER;
  }
  ctx.addIssue({
    code: 'custom',
    message: v === undefined ? 'every field needs a "to": a Freshsales field name or { custom: "<label>", type: <type> }' : `"to" must be a Freshsales field name or { custom: "<label>", type: <type> }, not ${quote(v)}`,
  });
  return z.NEVER;
});

const FromPath = z
  .string({ error: (iss) => (iss.input === undefined ? 'every field needs a "from": a contact field or attributes.<name>' : 'from must be text') })
  .superRefine((v, ctx) => {
    if (v.startsWith(ATTRIBUTE_PREFIX)) {
      if (v.length === ATTRIBUTE_PREFIX.length) ctx.addIssue({ code: 'custom', message: 'attributes. must be followed by the attribute name' });
      return;
    }
    if (!(CANONICAL_CONTACT_FIELDS as string[]).includes(v)) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown source field ${quote(v)} (expected one of: ${CANONICAL_CONTACT_FIELDS.join(', ')}; or attributes.<name>)${suggest(v, CANONICAL_CONTACT_FIELDS)}`,
      });
    }
  });

const TransformSchema = z.enum(TRANSFORMS, {
  error: (iss) =>
    iss.input === undefined ? 'transform must be one of: ' + TRANSFORMS.join(', ') : `unknown transform ${quote(iss.input)} (expected one of: ${TRANSFORMS.join(', ')})${suggest(iss.input, TRANSFORMS)}`,
});

/**
 * Transforms a resolved reference can pass through: resolution puts a readable label (text)
 * where the id was, so only transforms that take text as text make sense after it.
 */
export const RESOLVABLE_TRANSFORMS: readonly Transform[] = ['text', 'none'];
/** Canonical fields that hold flags or instants, never an id of another record. */
const NON_TEXT_SOURCES: Readonly<Record<string, string>> = {
  emailSubscribed: 'a yes/no flag',
  smsSubscribed: 'a yes/no flag',
  createdAt: 'an instant',
  updatedAt: 'an instant',
};

const ResolveModel = z
  .string({ error: 'resolve must name a source model, e.g. resolve: location' })
  .regex(/^[a-z][a-z0-9_-]{0,39}$/, 'resolve must name a source model in lower case, e.g. resolve: location');

const RawField = z.strictObject({
  from: FromPath,
  to: TargetSchema,
  transform: TransformSchema.optional(),
  /**
   * The source model the value is an id of (e.g. location): the id is replaced by that
   * record's readable label at migration time, before `values` and the transform.
   */
  resolve: ResolveModel.optional(),
  /** Source value → destination value, applied before the transform (e.g. lifecycle stage → stage id). */
  values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  on_invalid: z
    .preprocess(
      (v) => (typeof v === 'string' && Object.hasOwn(ON_INVALID_ALIASES, v) ? ON_INVALID_ALIASES[v] : v),
      z.enum(ON_INVALID, { error: (iss) => `on_invalid must be "quarantine" or "drop_field", not ${quote(iss.input)}${suggest(iss.input, ON_INVALID)}` }),
    )
    .optional(),
});

/** One field of the map after parsing: the transform and on_invalid are always filled in. */
export interface MappingField {
  from: string;
  to: Target;
  transform: Transform;
  /** Source model whose records the value's ids name (e.g. `location`); resolved to labels before `values`. */
  resolve?: string;
  values?: Record<string, string | number | boolean | null>;
  on_invalid: OnInvalid;
}

const ContactObject = z
  .strictObject({
    dedupe: z.enum(['email'], { error: (iss) => `dedupe must be "email" (the only key Freshsales upserts contacts by), not ${quote(iss.input)}` }).default('email'),
    fields: z.array(RawField, { error: 'fields must be a list of { from, to, transform } entries' }),
    tags: z.lazy(() => TagsSection).optional(),
    packed: z.lazy(() => PackedSection).optional(),
  })
  // Runs even when single fields are invalid, so every problem in the file is listed at once.
  .check(z.superRefine((raw, ctx) => checkContactFields(raw as unknown, ctx), { when: () => true }))
  .transform((o) => ({
    dedupe: o.dedupe,
    ...(o.tags !== undefined ? { tags: o.tags } : {}),
    ...(o.packed !== undefined ? { packed: o.packed } : {}),
    fields: o.fields.map((f): MappingField => {
      const rule = targetRule(f.to);
      return {
        from: f.from,
        to: f.to,
        transform: f.transform ?? rule.defaultTransform,
        ...(f.resolve !== undefined ? { resolve: f.resolve } : {}),
        ...(f.values !== undefined ? { values: f.values } : {}),
        on_invalid: f.on_invalid ?? defaultOnInvalid(f),
      };
    }),
  }));

/** Contact tags from source groups: segment membership and the source's own tags. */
const TagsSection = z
  .strictObject({
    /** Each segment the contact belongs to becomes a tag named after the segment (or a value of `segment_field`). */
    segments: z.boolean().default(true),
    /** Prefix for segment tags, e.g. "Segment: " (empty: the segment name alone). */
    segment_prefix: z.string().default(''),
    /** Segments as contact tags, or as the values of one multi-select custom field (`segment_field`). */
    segments_as: z.enum(['tags', 'field']).default('tags'),
    /** The multi-select field segments go to with `segments_as: field`: its label and one choice per segment. */
    segment_field: z.strictObject({ label: z.string().trim().min(1), choices: z.array(z.string().trim().min(1)).min(1, 'list one choice per segment') }).optional(),
    /** Source tags (tag hits on the source's contacts) become contact tags, or are left out. */
    source_tags: z.enum(['tags', 'none']).default('tags'),
  })
  .refine((t) => t.segments_as !== 'field' || t.segment_field !== undefined, {
    message: 'segments_as: field needs segment_field: { label: "Segments", choices: [<one per segment>] }',
    path: ['segment_field'],
  });

/** Low-value attributes packed into one textarea custom field ("key: value" lines), to fit plan limits. */
const PackedSection = z.strictObject({
  label: z.string().min(1),
  from: z.array(FromPath).min(1),
});

/** Opt-in engagement-derived deals. Absent (or enabled: false) = no deals. */
const DealSection = z.strictObject({
  enabled: z.boolean().default(true),
  /** The contact attribute the deal size derives from (e.g. attributes.loyalty_tier). */
  from: FromPath,
  /** Source value → deal amount; contacts whose value is not listed get no deal. */
  amounts: z.record(z.string(), z.number().nonnegative()),
  /** Deal stage and pipeline by name (resolved through the selectors); default the first pipeline's "New" stage. */
  stage: z.string().default('New'),
  pipeline: z.string().optional(),
  /** What account a deal hangs on: none, one shared account, or one account per contact. */
  account: z.enum(['none', 'shared', 'per_contact']).default('none'),
  account_name: z.string().default('Migrated customers'),
  /** Deal name; {first_name}, {last_name}, {email}, {value} are replaced. */
  name_template: z.string().default('{first_name} {last_name} — {value} ({source})'),
});

/**
 * One deal per campaign (opt-in) carrying its performance: the campaign's sends, deliveries,
 * failures, opens, clicks and conversions in deal custom fields (number), named by their labels.
 */
const CampaignSection = z.strictObject({
  enabled: z.boolean().default(false),
  /** Deal stage and pipeline by name (resolved through the selectors). */
  stage: z.string().default('New'),
  pipeline: z.string().optional(),
  /** Deal name; {campaign}, {channel}, {id} and {source} are replaced; the campaign id is appended when missing, so names stay unique. */
  name_template: z.string().default('{campaign} ({channel} campaign, {source})'),
  /** Deal custom field label (number) per figure; figures left out are not written. */
  stats: z
    .strictObject({
      sent: z.string().trim().min(1).optional(),
      delivered: z.string().trim().min(1).optional(),
      failed: z.string().trim().min(1).optional(),
      opened: z.string().trim().min(1).optional(),
      clicked: z.string().trim().min(1).optional(),
      conversions: z.string().trim().min(1).optional(),
    })
    .default({}),
  /**
   * One Freshsales note on each campaign deal with the campaign's content (title, channel,
   * message, creatives by name and type, labels, schedule). True when left out (no default
   * written, so maps confirmed before the key existed keep their hash); false turns it off.
   */
  content_note: z.boolean().optional(),
});

/** Where the activity timeline goes: Freshsales tasks (the default) or sales activities. */
export const TIMELINE_ENTITIES = ['tasks', 'sales_activities'] as const;
/** A home for the activity timeline. */
export type TimelineEntity = (typeof TIMELINE_ENTITIES)[number];

/**
 * What a sales-activity custom field can read from a timeline record: the event's name, value
 * and device id; a campaign interaction's campaign, campaign id, channel and kind; or one of
 * the event's named properties as `parameters.<name>` (sources that send named parameters).
 * A record without the property leaves the field out.
 */
export const TIMELINE_PROPERTIES = ['event', 'value', 'device_id', 'campaign', 'campaign_id', 'channel', 'interaction'] as const;
/** Prefix of a property path that reads one of the event's named parameters. */
export const PARAMETER_PREFIX = 'parameters.';

const TimelineProperty = z
  .string({ error: 'every sales activity field needs a "from": an event property' })
  .superRefine((v, ctx) => {
    if (v.startsWith(PARAMETER_PREFIX) && v.length > PARAMETER_PREFIX.length) return;
    if ((TIMELINE_PROPERTIES as readonly string[]).includes(v)) return;
    ctx.addIssue({
      code: 'custom',
      message: `unknown event property ${quote(v)} (expected one of: ${TIMELINE_PROPERTIES.join(', ')}; or parameters.<name>)${suggest(v, TIMELINE_PROPERTIES)}`,
    });
  });

/** The custom field types a sales-activity field can have (values typed as they are written). */
const ACTIVITY_FIELD_TYPES = ['text', 'textarea', 'number', 'dropdown', 'checkbox', 'date'] as const;

/** Sales activities as the timeline's home: the activity type by name and the event properties kept in custom fields. */
const SalesActivitySection = z.strictObject({
  /** The sales activity type by name, resolved through `GET /api/selector/sales_activity_types` before any write. */
  type: z.string({ error: 'sales_activity.type must name a sales activity type, e.g. type: "App event"' }).trim().min(1, 'sales_activity.type must not be empty'),
  /** Event properties written into sales-activity custom fields (named by label, typed; planned by schema plan). */
  fields: z
    .array(
      z.strictObject({
        from: TimelineProperty,
        to: CustomTarget.refine((t) => (ACTIVITY_FIELD_TYPES as readonly string[]).includes(t.type), {
          message: `a sales activity field is one of: ${ACTIVITY_FIELD_TYPES.join(', ')}`,
          path: ['type'],
        }),
      }),
    )
    .default([])
    .superRefine((fields, ctx) => {
      const seen = new Map<string, number>();
      fields.forEach((f, i) => {
        const k = f.to.custom.trim().toLowerCase();
        const earlier = seen.get(k);
        if (earlier !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'to'], message: `${quote(f.to.custom)} is already written by fields[${earlier}]` });
        else seen.set(k, i);
      });
    }),
});

/**
 * Campaign interactions and behavioural events as the contact's activity timeline (one API
 * call each: the policy is a budget decision), written as tasks or as sales activities.
 */
const TaskSection = z.strictObject({
  /**
   * Where the timeline goes: `tasks` (the default: title, description, due date) or
   * `sales_activities` (the type named in `sales_activity`, start/end at the original instant,
   * event properties in custom fields). Left out: tasks.
   */
  timeline: z
    .enum(TIMELINE_ENTITIES, { error: (iss) => `timeline must be one of: ${TIMELINE_ENTITIES.join(', ')}, not ${quote(iss.input)}${suggest(iss.input, TIMELINE_ENTITIES)}` })
    .optional(),
  /** Required with `timeline: sales_activities`: the type, and the properties kept as fields. */
  sales_activity: SalesActivitySection.optional(),
  /** One task per contact interaction with a campaign. */
  campaigns: z.boolean().default(true),
  interactions: z.array(z.enum(['delivered', 'opened', 'clicked'])).default(['delivered', 'opened', 'clicked']),
  events: z
    .strictObject({
      /** all: a task per event; high_value: a task per listed event; summary: counts and first/last seen into contact fields (no extra calls); none. */
      policy: z.enum(['all', 'high_value', 'summary', 'none']).default('high_value'),
      high_value: z.array(z.string()).default([]),
      /** For the summary policy: per event type, the contact custom fields (labels) that receive count, first and last seen. */
      summary: z
        .array(z.strictObject({ event: z.string(), count: z.string().optional(), first_seen: z.string().optional(), last_seen: z.string().optional() }))
        .default([]),
    })
    .default({ policy: 'high_value', high_value: [], summary: [] }),
}).refine((t) => t.timeline !== 'sales_activities' || t.sales_activity !== undefined, {
  message: 'timeline: sales_activities needs sales_activity: { type: "<sales activity type name>" } (and optionally fields)',
  path: ['sales_activity'],
});

/** Who owns migrated records: a Freshsales user (email or name) resolved through the owners selector. */
const OwnersSection = z.strictObject({
  default: z.string().optional(),
});

/**
 * What a later run (a cutover delta, a full run again) does with a record someone edited in
 * Freshsales since the migration wrote it, and with contacts deleted in the source since.
 */
const DeltaSection = z.strictObject({
  /** report (default): not written, listed field by field; source_wins: written, listed; destination_wins: written without the edited fields. */
  on_conflict: z.enum(['report', 'source_wins', 'destination_wins']).default('report'),
  /** ignore (default): listed only; tag: the contact gets `deleted_tag`; delete: deleted in Freshsales. */
  on_source_delete: z.enum(['ignore', 'tag', 'delete']).default('ignore'),
  /** The tag for `on_source_delete: tag` (default "deleted in <Source>"). */
  deleted_tag: z.string().trim().min(1).max(255).optional(),
});
export type DeltaMap = z.output<typeof DeltaSection>;

/** The delta section with its defaults (a map without one reports conflicts and lists deletes). */
export function deltaOf(spec: Pick<MappingSpec, 'delta'>): DeltaMap {
  return spec.delta ?? DeltaSection.parse({});
}

/** The mapping file, validated. */
export const MappingSpec = z.strictObject({
  version: z.literal(1, { error: (iss) => `version must be 1${iss.input === undefined ? '' : `, not ${quote(iss.input)}`}` }),
  source: z.enum(SourceName.options, { error: (iss) => `source must be one of: ${SourceName.options.join(', ')}${iss.input === undefined ? '' : `, not ${quote(iss.input)}`}` }),
  owners: OwnersSection.optional(),
  objects: z.strictObject({
    contact: ContactObject,
    deal: DealSection.optional(),
    campaign: CampaignSection.optional(),
    task: TaskSection.optional(),
  }),
  delta: DeltaSection.optional(),
});
/** The mapping spec after parsing, with defaults filled in. */
export type MappingSpec = z.output<typeof MappingSpec>;
/** The contact part of a mapping spec. */
export type ContactMap = MappingSpec['objects']['contact'];
/** The (opt-in) deal part of a mapping spec. */
export type DealMap = NonNullable<MappingSpec['objects']['deal']>;
/** The (opt-in) campaign-deal part of a mapping spec. */
export type CampaignMap = NonNullable<MappingSpec['objects']['campaign']>;
/** The task part of a mapping spec (campaign interactions and events). */
export type TaskMap = NonNullable<MappingSpec['objects']['task']>;

/** Whether a campaign section writes each deal's content note: its `content_note`, true when left out. */
export function contentNoteOf(map: Pick<CampaignMap, 'content_note'>): boolean {
  return map.content_note ?? true;
}

/** Where a task section sends the timeline: its `timeline`, tasks when left out. */
export function timelineOf(map: Pick<TaskMap, 'timeline'>): TimelineEntity {
  return map.timeline ?? 'tasks';
}

/** The sales-activity section a task map uses, or null when its timeline is tasks. */
export function salesActivityOf(map: TaskMap): NonNullable<TaskMap['sales_activity']> | null {
  return timelineOf(map) === 'sales_activities' ? (map.sales_activity ?? null) : null;
}

/** The source models a contact map resolves references against (`resolve:`), each once, in field order. */
export function referenceModels(map: ContactMap): string[] {
  return [...new Set(map.fields.flatMap((f) => (f.resolve !== undefined ? [f.resolve] : [])))];
}

/** True when the target is a custom field. */
export function isCustomTarget(to: Target): to is CustomTarget {
  return typeof to === 'object';
}

/**
 * A stable key per target for uniqueness and hashing: `emails`, or `custom:<label lower-cased>`
 * (Freshsales labels are unique per entity regardless of case).
 */
export function targetKey(to: Target): string {
  return isCustomTarget(to) ? `custom:${to.custom.trim().toLowerCase()}` : to;
}

/** How a target reads in messages and reports: `mobile_number` or `"Favourite team"`. */
export function targetLabel(to: Target): string {
  return isCustomTarget(to) ? quote(to.custom) : to;
}

/**
 * What an invalid value of this field does when the map does not say: `quarantine` for the
 * identity fields (emails, the upsert key; the source's user id, which finds a contact again)
 * and for consent flags (see SUBSCRIPTION), `drop_field` for every other, optional, field.
 */
export function defaultOnInvalid(field: { from: string; to: Target }): OnInvalid {
  if (IDENTITY_SOURCES.has(field.from)) return 'quarantine';
  return targetRule(field.to).onInvalid;
}

/** The rules for a target: default transform, allowed transforms, on_invalid default, compare kind. */
export function targetRule(to: Target): TargetRule {
  if (isCustomTarget(to)) return { label: to.custom, ...CUSTOM_RULES[to.type] };
  return STANDARD_CONTACT_FIELDS[to];
}

/** Read and validate a mapping file; throws a `ConfigError` naming the file and line of each problem. */
export function loadMappingSpec(file: string): MappingSpec {
  return loadYamlFile(file, MappingSpec, 'mapping');
}

/** Validate mapping YAML text; `fileName` is what error messages call it. */
export function parseMappingSpec(text: string, fileName: string): MappingSpec {
  return parseYaml(text, MappingSpec, fileName, 'mapping');
}

/**
 * The identity a human confirms: sha256 (hex) of a canonical JSON of the parsed spec.
 * Comments, key order, quoting and defaults written out or left implicit do not change it;
 * field order does not either (each field writes its own target, so order cannot change a
 * record). Any change to what is written, how, or from where does.
 */
export function mappingHash(spec: MappingSpec | string): string {
  const parsed = typeof spec === 'string' ? parseMappingSpec(spec, 'mapping') : spec;
  const fields = [...parsed.objects.contact.fields].sort((a, b) => cmp(targetKey(a.to), targetKey(b.to)));
  const objects: Record<string, unknown> = { ...parsed.objects, contact: { ...parsed.objects.contact, fields } };
  // `timeline: tasks` is the default written out: the same map as one that leaves it out.
  if (parsed.objects.task?.timeline === 'tasks') objects.task = { ...parsed.objects.task, timeline: undefined };
  // Likewise `content_note: true`.
  if (parsed.objects.campaign?.content_note === true) objects.campaign = { ...parsed.objects.campaign, content_note: undefined };
  const canonical = { ...parsed, objects };
  return createHash('sha256').update(canonicalJson(canonical)).digest('hex');
}

/** JSON with object keys sorted and undefined dropped, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort(cmp)) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Cross-field rules, written against the raw input because they run even when single fields
 * failed: transform fits the target, no target written twice, emails exactly once, `resolve`
 * only where a text id comes in and text goes out.
 */
function checkContactFields(raw: unknown, ctx: z.RefinementCtx): void {
  const fields = (raw as { fields?: unknown } | null)?.fields;
  if (!Array.isArray(fields)) return;
  const firstWriter = new Map<string, number>();
  let emailsWriters = 0;
  fields.forEach((f: unknown, i) => {
    if (f === null || typeof f !== 'object') return;
    const field = f as Record<string, unknown>;
    const to = asTarget(field.to);
    if (to === undefined) return;
    const key = targetKey(to);
    const earlier = firstWriter.get(key);
    if (earlier !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['fields', i, 'to'], message: `${targetLabel(to)} is already written by fields[${earlier}]; each Freshsales field can be written by one mapping only` });
    } else {
      firstWriter.set(key, i);
    }
    if (to === 'emails') {
      emailsWriters++;
      if (field.on_invalid === 'drop_field' || (typeof field.on_invalid === 'string' && Object.hasOwn(ON_INVALID_ALIASES, field.on_invalid))) {
        ctx.addIssue({ code: 'custom', path: ['fields', i, 'on_invalid'], message: 'emails cannot be dropped: Freshsales requires an email, so a contact without a valid one is quarantined' });
      }
    }
    const rule = targetRule(to);
    const transform = field.transform;
    if (typeof transform === 'string' && (TRANSFORMS as readonly string[]).includes(transform) && !rule.allowed.includes(transform as Transform)) {
      ctx.addIssue({
        code: 'custom',
        path: ['fields', i, 'transform'],
        message: `transform ${quote(transform)} cannot write ${isCustomTarget(to) ? `a ${to.type} field` : to} (use one of: ${rule.allowed.join(', ')})`,
      });
    }
    if (field.resolve !== undefined) checkResolve(field, to, rule, i, ctx);
  });
  if (emailsWriters === 0) {
    ctx.addIssue({ code: 'custom', path: ['fields'], message: 'no field writes emails: Freshsales requires an email on every contact (add "- from: email" with "to: emails")' });
  }
}

/**
 * `resolve` replaces an id with a readable label, so it needs a source that can hold an id as
 * text (an attribute, or a text contact field) and a transform that keeps text as text.
 */
function checkResolve(field: Record<string, unknown>, to: Target, rule: TargetRule, i: number, ctx: z.RefinementCtx): void {
  const path = ['fields', i, 'resolve'];
  const from = field.from;
  if (typeof from === 'string' && Object.hasOwn(NON_TEXT_SOURCES, from)) {
    ctx.addIssue({ code: 'custom', path, message: `resolve needs a source that holds record ids as text (attributes.<name> or a text contact field); ${from} is ${NON_TEXT_SOURCES[from]}` });
    return;
  }
  const given = typeof field.transform === 'string' ? field.transform : undefined;
  const transform = given ?? rule.defaultTransform;
  if (!(RESOLVABLE_TRANSFORMS as readonly string[]).includes(transform)) {
    ctx.addIssue({
      code: 'custom',
      path,
      message: given !== undefined
        ? `resolve writes a readable label (text), which transform ${quote(given)} cannot take: use transform ${RESOLVABLE_TRANSFORMS.map(quote).join(' or ')}`
        : `resolve writes a readable label (text), which ${isCustomTarget(to) ? `a ${to.type} field` : to} cannot hold (its transform is ${quote(transform)}): write it to a text field`,
    });
  }
}

/** A target from raw input, or undefined when it is not valid (its own error is reported elsewhere). */
function asTarget(v: unknown): Target | undefined {
  if (typeof v === 'string') return (STANDARD_NAMES as string[]).includes(v) ? (v as StandardContactField) : undefined;
  const r = CustomTarget.safeParse(v);
  return r.success ? r.data : undefined;
}

