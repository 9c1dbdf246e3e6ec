/**
 * Stage 5 of the proposer (optional, off by default): ask a language model about the
 * attributes the waterfall (suggest.ts) left low-confidence or found no standard field for.
 *
 * One batched request through the Vercel AI SDK (`generateText` with `Output.object`), so any
 * model behind an OpenAI-compatible endpoint (a hosted one, or a local Ollama) serves; the
 * caller hands in the model. What leaves the machine: attribute names, declared and observed
 * types, distinct counts, null rates and samples passed through {@link maskSample} — never a
 * raw value. The answer is validated by a zod schema; an answer naming an unknown field or an
 * invalid type is discarded with a note.
 *
 * The model is one signal, not a judge: on its own it raises a suggestion to "medium" at
 * most; "high" only when it agrees with the name or the values ({@link applyAiAnswer}). A
 * failure (network, timeout, refusal, an answer that is not the schema) never fails a
 * proposal: {@link askModel} returns no answers and says why.
 */
import { createHash } from 'node:crypto';
import { APICallError, generateText, NoObjectGeneratedError, Output, RetryError, type LanguageModel } from 'ai';
import { z } from 'zod';
import type { AttributeType } from '../core/model.js';
import { profileValues } from './detect.js';
import { CUSTOM_FIELD_TYPES, STANDARD_CONTACT_FIELDS, type CustomFieldType } from './spec.js';
import { STANDARD_FIELD_SYNONYMS, type NamedStandardField } from './synonyms.js';
import { TRANSFORM_OF, valuesFit, type ConfidenceBand, type Suggestion } from './suggest.js';

/** The standard fields the model may name: the synonym table's, the ones a map proposes by name. */
export const AI_STANDARD_FIELDS = Object.keys(STANDARD_FIELD_SYNONYMS) as NamedStandardField[];

// ---------------------------------------------------------------------------------------
// Masking

/** Values that say yes or no and nothing about a person: sent as they are (the type needs them). */
const FLAG_WORDS = new Set(['true', 'false', 'yes', 'no', 'y', 'n', 'on', 'off', '0', '1', 'evet', 'hayır', 'hayir', 'tá', 'níl']);
/** Free text is cut to this many characters before masking. */
const TEXT_KEEP = 40;

const EMAIL = /^\s*([^\s@]+)@([^\s@]+\.([A-Za-z]{2,24}))\s*$/;
const PHONE = /^\s*\+?[\d\s().-]+$/;
const ID_LIKE = /^[A-Za-z0-9_:=+/.-]+$/;
const DATE_LIKE = /^\d{4}-\d{2}-\d{2}/;

/**
 * A sample value as it may leave the machine: its shape, not its content.
 * - emails → `a***@***.com` (the first character and the top-level domain);
 * - phones → every digit replaced (`+############`): the model sees a phone, not which;
 * - long identifiers (16+ characters with digits, no spaces: tokens, UUIDs, hashes) → their
 *   length and a truncated SHA-256 (`[id 36 chars #3fa29c1b]`);
 * - anything else → letters masked (a word of three or more letters keeps its first letter:
 *   `Aoife Murphy` → `A**** M*****`), digits → `#`, punctuation kept (a date stays readable as
 *   a date: `####-##-##`), free text cut to 40 characters with its length;
 * - JSON lists and objects → the same, leaf by leaf, keys kept (they are schema, not data);
 * - yes/no words (true, evet, 0/1, …) → as they are: they cannot say who someone is.
 * Whatever the input, a value with two or more letters or digits never comes out unchanged
 * (the yes/no words aside).
 */
export function maskSample(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return shortenMasked(JSON.stringify(maskLeaves(value)));
  const raw = String(value);
  const s = raw.trim();
  if (FLAG_WORDS.has(s.toLowerCase())) return s;
  if ((s.startsWith('{') && s.endsWith('}')) || (s.startsWith('[') && s.endsWith(']'))) {
    try {
      return shortenMasked(JSON.stringify(maskLeaves(JSON.parse(s) as unknown)));
    } catch {
      // not JSON: masked as text below
    }
  }
  const email = EMAIL.exec(s);
  if (email) return `${/\p{L}/u.test(email[1]!.charAt(0)) ? email[1]!.charAt(0) : '*'}***@***.${email[3]!.toLowerCase()}`;
  const digits = s.replace(/\D/g, '').length;
  if (PHONE.test(s) && digits >= 7) return s.replace(/\d/g, '#');
  if (s.length >= 16 && ID_LIKE.test(s) && /\d/.test(s) && !DATE_LIKE.test(s) && !s.includes('://')) return `[id ${s.length} chars #${createHash('sha256').update(s).digest('hex').slice(0, 8)}]`;
  if (s.length > TEXT_KEEP) return `${maskShape(s.slice(0, TEXT_KEEP))}… (${s.length} chars)`;
  return maskShape(raw);
}

/** Letters and digits replaced, the shape kept (see {@link maskSample}). */
function maskShape(s: string): string {
  return s.replace(/\p{L}+/gu, (w) => (w.length >= 3 ? w.charAt(0) + '*'.repeat(w.length - 1) : '*'.repeat(w.length))).replace(/\p{N}/gu, '#');
}

function maskLeaves(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(maskLeaves);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskLeaves(x)]));
  return typeof v === 'boolean' || v === null ? v : maskSample(v);
}

function shortenMasked(s: string): string {
  return s.length > 2 * TEXT_KEEP ? `${s.slice(0, 2 * TEXT_KEEP)}… (${s.length} chars)` : s;
}

// ---------------------------------------------------------------------------------------
// The request

/** One attribute the model is asked about; samples are masked by {@link askModel}. */
export interface AiCandidate {
  /** The map's `from` (`attributes.<name>`): the key the answer comes back under. */
  from: string;
  name: string;
  declaredType?: AttributeType;
  /** What the values looked like, in words (the waterfall's values signal). */
  observed: string;
  distinct: number | string;
  nullRate: number;
  /** Raw sample values: masked before anything is sent. */
  samples: readonly unknown[];
  /** What the waterfall proposed and how sure it was ("custom text (low)"). */
  current: string;
}

/** The model's answer for one attribute, after validation. */
export type AiTarget = { kind: 'standard'; field: NamedStandardField } | { kind: 'custom'; type: CustomFieldType } | { kind: 'skip' };

/** A validated answer: the target and the model's reason. */
export interface AiAnswer {
  target: AiTarget;
  reason: string;
}

/** What the AI stage produced: answers by `from`, the model's name, and what to tell the user. */
export interface AiAnswers {
  model: string;
  answers: ReadonlyMap<string, AiAnswer>;
  /** One line each: how many were asked, answers discarded and why, or why there was no answer (then the last line). */
  notes: string[];
  /** Set when the model could not be used at all (the proposal went ahead without it): why, in words. */
  failed?: string;
}

/** How the model is reached and how much it is asked. */
export interface AskModelOptions {
  model: LanguageModel;
  /** The model's name for the evidence ("AI (llama3.1): …"). */
  modelName: string;
  /** At most this many attributes in the one request (low confidence first). */
  maxAttributes: number;
  /** Give up after this long (default 60 s). */
  timeoutMs?: number;
  /**
   * Applied to every text that comes back from the endpoint (error messages, reasons) before it
   * is kept or shown: a server may repeat the request's credentials in its answer ("Incorrect
   * API key provided: sk-…"). The caller that holds the key supplies it (ai-model.ts).
   */
  redact?: (text: string) => string;
}

/** The answer's shape. Field and type are open strings so one bad answer is discarded, not the whole reply. */
export const AiReply = z.object({
  attributes: z.array(
    z.object({
      attribute: z.string().describe('the attribute name exactly as given'),
      target: z.enum(['standard', 'custom', 'skip']),
      field: z.string().nullable().describe('for standard: one of the listed Freshsales field names; else null'),
      type: z.string().nullable().describe('for custom: one of the listed custom field types; else null'),
      reason: z.string().describe('one short sentence: why'),
    }),
  ),
});
export type AiReply = z.infer<typeof AiReply>;

const SYSTEM = [
  'You map customer attributes from a mobile engagement platform to Freshsales CRM contact fields.',
  'For each attribute choose one target:',
  '- "standard" with "field" set to one of these Freshsales contact fields (name: label):',
  ...AI_STANDARD_FIELDS.map((f) => `  ${f}: ${STANDARD_CONTACT_FIELDS[f].label}`),
  `- "custom" with "type" set to one of: ${CUSTOM_FIELD_TYPES.join(', ')} (a new custom field);`,
  '- "skip" for device or internal identifiers, push tokens and values no CRM user would read.',
  'Sample values are masked: letters are *, digits are #, emails keep their first letter and top-level domain, long ids are shown as [id N chars #hash].',
  'Judge by the name (any language), the types and the shapes. Give a one-sentence reason for each. Answer for every attribute given, using its name exactly.',
].join('\n');

/** The user message: the candidates as JSON, every sample masked. */
export function aiPrompt(candidates: readonly AiCandidate[]): string {
  const rows = candidates.map((c) => ({
    attribute: c.name,
    ...(c.declaredType ? { declared_type: c.declaredType } : {}),
    observed: c.observed,
    distinct_values: c.distinct,
    empty_share: Math.round(c.nullRate * 100) / 100,
    samples: [...new Set(c.samples.map(maskSample).filter((s) => s.length > 0))].slice(0, 5),
    proposed_so_far: c.current,
  }));
  return `Attributes:\n${JSON.stringify(rows, null, 1)}`;
}

/**
 * Ask the model about the candidates in one request. Never throws: a failure returns no
 * answers, with `failed` and a note saying the proposal went ahead without it.
 */
export async function askModel(candidates: readonly AiCandidate[], opts: AskModelOptions): Promise<AiAnswers> {
  const asked = candidates.slice(0, opts.maxAttributes);
  const notes: string[] = [];
  if (asked.length === 0) return { model: opts.modelName, answers: new Map(), notes: ['AI: nothing left unmapped or low-confidence to ask about'] };
  if (candidates.length > asked.length) notes.push(`AI: asked about the first ${asked.length} of ${candidates.length} attributes (ai.maxAttributes)`);
  const redact = opts.redact ?? ((t: string) => t);
  const timeoutMs = opts.timeoutMs ?? 60_000;
  let reply: AiReply;
  try {
    const result = await generateText({
      model: opts.model,
      system: SYSTEM,
      prompt: aiPrompt(asked),
      output: Output.object({ schema: AiReply, name: 'attribute_targets' }),
      temperature: 0,
      maxRetries: 1,
      abortSignal: AbortSignal.timeout(timeoutMs),
    });
    // Redacted whole, before anything is cut to one line (a cut could leave part of a key).
    const said = (t: string | null) => (t === null ? null : redact(t));
    reply = { attributes: AiReply.parse(result.output).attributes.map((a) => ({ ...a, attribute: redact(a.attribute), field: said(a.field), type: said(a.type), reason: redact(a.reason) })) };
  } catch (e) {
    const why = oneLine(redact(describeFailure(e, timeoutMs)));
    return { model: opts.modelName, answers: new Map(), notes: [...notes, `AI: no usable answer from ${opts.modelName} (${why}): proposed without it`], failed: why };
  }
  const byName = new Map(asked.map((c) => [c.name, c]));
  const answers = new Map<string, AiAnswer>();
  const discarded: string[] = [];
  for (const a of reply.attributes) {
    const c = byName.get(a.attribute);
    if (!c) {
      discarded.push(`"${oneLine(a.attribute)}" was not asked about`);
      continue;
    }
    const target = validTarget(a);
    if (typeof target === 'string') discarded.push(`${c.name}: ${target}`);
    else if (!answers.has(c.from)) answers.set(c.from, { target, reason: oneLine(a.reason) || 'no reason given' });
  }
  notes.push(`AI: asked ${opts.modelName} about ${asked.length} attribute(s); ${answers.size} answer(s) used as evidence`);
  if (discarded.length > 0) notes.push(`AI: ${discarded.length} answer(s) discarded: ${discarded.join('; ')}`);
  return { model: opts.modelName, answers, notes };
}

/**
 * Why the request gave no answer, in a user's words: the endpoint's HTTP status and message
 * (after the SDK's retries), an answer that is not the JSON asked for, or the time limit.
 */
function describeFailure(e: unknown, timeoutMs: number): string {
  const retried = RetryError.isInstance(e) ? e : undefined;
  const last = retried ? retried.lastError : e;
  const attempts = retried ? ` (${retried.errors.length} attempts)` : '';
  if (APICallError.isInstance(last)) {
    if (last.statusCode === undefined) return `${last.message}${attempts}`;
    return last.statusCode < 300 ? `HTTP ${last.statusCode} but ${last.message.replace(/^Invalid JSON response$/, 'the body is not JSON')}` : `HTTP ${last.statusCode}: ${last.message}${attempts}`;
  }
  if (NoObjectGeneratedError.isInstance(last)) return `the answer is not the JSON asked for (${last.message})`;
  if (last instanceof Error && (last.name === 'TimeoutError' || last.name === 'AbortError')) return `no answer within ${timeoutMs} ms (ai.timeoutMs)`;
  return last instanceof Error ? `${last.name}: ${last.message}` : String(last);
}

/** The answer's target, or why it is discarded. */
function validTarget(a: AiReply['attributes'][number]): AiTarget | string {
  switch (a.target) {
    case 'standard':
      return (AI_STANDARD_FIELDS as readonly string[]).includes(a.field ?? '') ? { kind: 'standard', field: a.field as NamedStandardField } : `names an unknown standard field "${oneLine(a.field ?? '')}"`;
    case 'custom':
      return (CUSTOM_FIELD_TYPES as readonly string[]).includes(a.type ?? '') ? { kind: 'custom', type: a.type as CustomFieldType } : `names an invalid custom field type "${oneLine(a.type ?? '')}"`;
    case 'skip':
      return { kind: 'skip' };
  }
}

function oneLine(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > 160 ? `${t.slice(0, 159)}…` : t;
}

// ---------------------------------------------------------------------------------------
// Folding an answer into a suggestion

/** The attribute type a custom field type stands for (propose.ts picks dropdown vs text from the cardinality). */
const ATTRIBUTE_TYPE_OF: Record<CustomFieldType, AttributeType> = {
  text: 'string', textarea: 'string', dropdown: 'string', radio: 'string', number: 'number', checkbox: 'boolean', date: 'date', multi_select_dropdown: 'array',
};
const sameKind = (a: AttributeType, b: AttributeType) => {
  const k = (t: AttributeType) => (t === 'integer' ? 'number' : t === 'datetime' ? 'date' : t);
  return k(a) === k(b);
};

/**
 * Fold the model's answer into the waterfall's suggestion (pure). The answer is always
 * recorded as evidence ("AI (<model>): <reason>"). It agrees with the name or the values →
 * the band may rise to high (two independent signals). It disagrees → it replaces a low
 * suggestion (or a custom field, when it names a standard field the values fit) at medium; a
 * standard field the values contradict, or a type the values contradict, is not taken.
 */
export function applyAiAnswer(s: Suggestion, answer: AiAnswer | undefined, model: string, values: ReadonlyArray<readonly [unknown, number]>): Suggestion {
  // Who is asked is the caller's choice (a medium standard field another field already fills is low in the map); never history or high.
  if (!answer || s.target.kind === 'history' || s.band === 'high') return s;
  const said = `AI (${model}): ${answer.reason}`;
  const p = profileValues(values);
  const a = answer.target;
  const notTaken = (why: string): Suggestion => ({ ...s, signals: [...s.signals, `${said} — not taken: ${why}`] });
  const raise = (band: ConfidenceBand): ConfidenceBand => (band === 'high' || s.band === 'high' ? 'high' : s.band === 'medium' || band === 'medium' ? 'medium' : 'low');
  switch (a.kind) {
    case 'standard': {
      const fits = valuesFit(a.field, p);
      if (fits === false) return notTaken(`the values do not fit ${a.field}`);
      const agrees = s.standard === a.field;
      if (!agrees && s.band !== 'low' && s.target.kind !== 'custom') return notTaken(`it says ${a.field}`);
      return {
        target: { kind: 'standard', field: a.field, transform: TRANSFORM_OF[a.field] },
        band: agrees && fits === true ? 'high' : 'medium',
        signals: [...s.signals, agrees ? `${said} (agrees)` : said],
        standard: a.field,
      };
    }
    case 'custom': {
      const type = ATTRIBUTE_TYPE_OF[a.type];
      if (s.target.kind === 'custom') {
        if (p.present > 0 && !sameKind(s.target.type, type)) return notTaken(`it says a ${a.type} field; the values say ${s.target.type}`);
        const agrees = p.present > 0;
        const target = p.present > 0 ? s.target : { ...s.target, type, ...(a.type === 'textarea' ? { textarea: true } : {}) };
        // Text is what values are when nothing else is recognised: agreeing with it is no second signal.
        const band = agrees && p.dominant !== 'text' ? 'high' : raise('medium');
        return { ...s, target, band, signals: [...s.signals, agrees ? `${said} (agrees with the values)` : said] };
      }
      if (s.band !== 'low') return notTaken(`it says a ${a.type} field`);
      const { standard: _dropped, ...rest } = s;
      return { ...rest, target: { kind: 'custom', type, ...(a.type === 'textarea' ? { textarea: true } : {}) }, band: 'medium', signals: [...s.signals, said] };
    }
    case 'skip': {
      if (s.target.kind === 'skip') return { ...s, band: raise('medium'), signals: [...s.signals, `${said} (agrees)`] };
      if (s.band !== 'low') return notTaken('it says skip');
      return { target: { kind: 'skip', reason: `AI (${model}): ${answer.reason}`, route: 'none' }, band: 'medium', signals: [...s.signals, said] };
    }
  }
}
