/**
 * Journeys and widgets have no Netmera API: the customer supplies their definitions in a file
 * (`netmera-definitions.json`, exported or written from the panel). Read tolerantly — ids may
 * be numbers, steps may say `type` or `kind`, conversion events may be names or objects — and
 * turned into the canonical journey and widget records the rebuild inventories are written from.
 * Netmera counts one conversion per user per journey [seed], unless the file says otherwise.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConfigError } from '../../core/errors.js';
import type { JourneyStep, SourceCampaign, SourceJourney, SourceWidget } from '../../core/model.js';

const Id = z.union([z.string(), z.number()]).transform(String);
const Text = z.string().nullish().transform((v) => v ?? null);

const RawStep = z.looseObject({ type: z.string().optional(), kind: z.string().optional(), channel: z.string().nullish() });
const RawJourney = z.looseObject({
  id: Id,
  name: z.string(),
  status: Text,
  entryConditions: z.unknown().optional(),
  entry: z.unknown().optional(),
  steps: z.array(RawStep).default([]),
  conversionEvents: z.array(z.union([z.string(), z.looseObject({ event: z.string() })])).default([]),
  conversionCounting: z.string().optional(),
});
const RawWidget = z.looseObject({
  id: Id,
  name: z.string(),
  type: z.string().default('unknown'),
  trigger: z.unknown().optional(),
  fileSizeBytes: z.number().int().nonnegative().optional(),
  sizeBytes: z.number().int().nonnegative().optional(),
  assets: z.array(z.looseObject({ sizeBytes: z.number().int().nonnegative().optional() })).optional(),
});
const RawCampaign = z.looseObject({
  notificationKey: Id.optional(),
  id: Id.optional(),
  title: z.string().optional(),
  name: z.string().optional(),
  channel: z.string().optional(),
  schedule: z.looseObject({ type: z.string().optional() }).optional(),
});
const DefinitionsFile = z.looseObject({
  limits: z.looseObject({ widgetFileSizeBytes: z.number().int().positive().optional() }).optional(),
  journeys: z.array(RawJourney).default([]),
  widgets: z.array(RawWidget).default([]),
  campaigns: z.array(RawCampaign).default([]),
});
export type DefinitionsFile = z.infer<typeof DefinitionsFile>;

/** Read and check the definitions file; a missing or malformed file is a ConfigError naming it. */
export async function readDefinitions(file: string): Promise<DefinitionsFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read the journey/widget definitions ${file} (source.definitionsFile): ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file, cause: e });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${file} is not JSON: ${(e as Error).message}`, { file, cause: e });
  }
  const r = DefinitionsFile.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new ConfigError(`${file}: ${i.path.join('.') || '(file)'}: ${i.message}`, { file });
  }
  return r.data;
}

/** The file's journeys as canonical records (steps in their stated order). */
export function toJourneys(d: DefinitionsFile): SourceJourney[] {
  return d.journeys.map((j) => {
    const ordered = [...j.steps].sort((a, b) => Number(a.order ?? 0) - Number(b.order ?? 0));
    const steps: JourneyStep[] = ordered.map((s) => {
      const { type, kind, channel, ...detail } = s;
      const k = (kind ?? type ?? 'step').toLowerCase();
      const ch = channel ? channel.toLowerCase() : null;
      // A "message" step is named by its channel (push, email, sms, in_app).
      return { kind: k === 'message' && ch ? ch : k, channel: ch, detail: detail as Record<string, unknown> };
    });
    const counting = (j.conversionCounting ?? 'ONE_PER_USER').toUpperCase();
    return {
      id: j.id,
      name: j.name,
      status: j.status,
      entry: j.entryConditions ?? j.entry ?? null,
      steps,
      conversionEvents: j.conversionEvents.map((c) => (typeof c === 'string' ? c : c.event)),
      conversionCounting: counting.includes('USER') ? 'per_user' : counting.includes('OCCURRENCE') || counting.includes('EVENT') ? 'per_occurrence' : null,
    };
  });
}

/** The file's widgets, each with its size (stated, or the sum of its assets) and the app's size limit. */
export function toWidgets(d: DefinitionsFile): SourceWidget[] {
  const limit = d.limits?.widgetFileSizeBytes ?? null;
  return d.widgets.map((w) => {
    const fromAssets = w.assets?.reduce((n, a) => n + (a.sizeBytes ?? 0), 0);
    return {
      id: w.id,
      name: w.name,
      type: w.type.toLowerCase(),
      trigger: w.trigger ?? null,
      fileSizeBytes: w.fileSizeBytes ?? w.sizeBytes ?? (fromAssets !== undefined && w.assets!.length > 0 ? fromAssets : null),
      sizeLimitBytes: limit,
    };
  });
}

/**
 * Campaigns as the API reports them (key, status, dates, figures), completed from the
 * definitions file where it names the same key: the title, channel, schedule type, and content,
 * creatives, labels and schedule for the campaign inventory.
 */
export function withDefinitions(campaigns: SourceCampaign[], d: DefinitionsFile): SourceCampaign[] {
  const byKey = new Map(d.campaigns.flatMap((c) => {
    const key = c.notificationKey ?? c.id;
    return key === undefined ? [] : [[key, c] as const];
  }));
  return campaigns.map((c) => {
    const def = byKey.get(c.id);
    if (!def) return c;
    const { notificationKey: _k, id: _i, title, name, channel, ...rest } = def;
    return {
      ...c,
      name: (title ?? name ?? '').trim() || c.name,
      channels: channel ? [...new Set([...c.channels, channel.toLowerCase()])].sort() : c.channels,
      trigger: def.schedule?.type ? def.schedule.type.toLowerCase() : c.trigger,
      raw: { ...c.raw, ...rest },
    };
  });
}

