/**
 * What a source knows about its own data that the proposer cannot read from values: which
 * attributes the connector lifts into canonical fields, which attribute holds the lifecycle
 * stage (and how its stages read as Freshsales "Stage / Status" names), which attribute a deal
 * size can derive from, and which campaign interactions and events are worth a task.
 *
 * Vendor-neutral data: a source's connector declares its values (its manifest's proposal
 * defaults, which have this shape) and the pipeline passes them to the proposer;
 * {@link FALLBACK_PROPOSAL_DEFAULTS} is what a source that declares nothing gets.
 */
import { z } from 'zod';
import { TerminalError } from '../core/errors.js';

/** Source-specific defaults for a proposed map. */
export interface ProposalDefaults {
  /** Source attributes the connector lifts into canonical fields (first name, country, …): proposing them again would write them twice. */
  readonly liftedAttributes: readonly string[];
  /**
   * The attribute holding the lifecycle stage, and stage → Freshsales contact status by
   * "Stage / Status" name (resolved in the account at run time): proposed as a
   * `contact_status_id` field with that value map when the source has the attribute.
   */
  readonly lifecycle: { readonly attribute: string; readonly values: Readonly<Record<string, string>> } | null;
  /**
   * The attribute an opt-in deal's size derives from, and its value → deal amount (left for the
   * reviewer to fill in when the source has no amounts to suggest).
   */
  readonly dealTier: { readonly attribute: string; readonly amounts?: Readonly<Record<string, number>> } | null;
  /** Campaign interactions proposed as tasks (delivered, opened, clicked). */
  readonly interactions: readonly string[];
  /** Event names proposed as tasks under the high_value policy. */
  readonly highValueEvents: readonly string[];
}

/** The interactions a map's task section can name. */
const TASK_INTERACTIONS = ['delivered', 'opened', 'clicked'] as const;

/** {@link ProposalDefaults} as a schema, for defaults read as data (a manifest file, a request body). */
export const ProposalDefaults = z.strictObject({
  liftedAttributes: z.array(z.string().min(1)),
  lifecycle: z.strictObject({ attribute: z.string().min(1), values: z.record(z.string(), z.string().min(1)) }).nullable(),
  dealTier: z.strictObject({ attribute: z.string().min(1), amounts: z.record(z.string(), z.number().nonnegative()).optional() }).nullable(),
  interactions: z.array(z.enum(TASK_INTERACTIONS, { error: (iss) => `unknown interaction ${JSON.stringify(iss.input)} (expected one of: ${TASK_INTERACTIONS.join(', ')})` })),
  highValueEvents: z.array(z.string().min(1)),
}) satisfies z.ZodType<ProposalDefaults>;

/**
 * The defaults of a source that declares none: nothing lifted, no lifecycle or tier
 * attribute, every campaign interaction a task, no event singled out as high-value.
 */
export const FALLBACK_PROPOSAL_DEFAULTS: ProposalDefaults = {
  liftedAttributes: [],
  lifecycle: null,
  dealTier: null,
  interactions: ['delivered', 'opened', 'clicked'],
  highValueEvents: [],
};

/**
 * Check defaults before a map is built from them: a connector declaring an interaction the
 * task section cannot name would otherwise surface as an error in the written map file.
 */
export function checkProposalDefaults(d: ProposalDefaults): ProposalDefaults {
  const r = ProposalDefaults.safeParse(d);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(defaults)'}: ${i.message}`);
    throw new TerminalError(`the source's proposal defaults are not usable: ${issues.join('; ')}`);
  }
  return d;
}
