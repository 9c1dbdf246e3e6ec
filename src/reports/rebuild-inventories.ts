/**
 * What does not migrate, written down for the people who rebuild it: the push-token /
 * device dataset (CSV, owner-only permissions), segment rules, campaigns with their
 * creatives, gamification mechanics and tag usage (Markdown). Renderers are pure; writers
 * are atomic.
 */
import type { CanonicalDevice, SourceCampaign, SourceJourney, SourcePromotion, SourceSegment, SourceWidget } from '../core/model.js';
import { openAtomic, writeFileAtomic } from './atomic-write.js';
import { createCsvWriter } from './csv.js';

/** `contact_key` is the contact the device belongs to after merges; `merged_from` the profile the source named when that differs. */
export const DEVICE_COLUMNS = ['user_id', 'contact_key', 'platform', 'token', 'os', 'app_version', 'model', 'last_seen', 'merged_from'] as const;

/**
 * Stream devices into `devices.csv` (for people: cells that could run as spreadsheet formulas
 * are prefixed with ', as in every human-facing CSV) and, when `jsonlFile` is given, into
 * `devices.jsonl` — the machine file, push tokens byte-exact. Both mode 0600: push tokens are
 * credentials of a sort.
 */
export async function writeDeviceDataset(file: string, pages: AsyncIterable<Array<CanonicalDevice & { mergedFrom?: string }>>, jsonlFile?: string): Promise<number> {
  const w = await createCsvWriter(file, DEVICE_COLUMNS, { mode: 0o600 });
  const j = jsonlFile ? await openAtomic(jsonlFile, { mode: 0o600 }) : null;
  try {
    for await (const page of pages) {
      const lines: string[] = [];
      for (const d of page) {
        const row = { user_id: d.userId ?? '', contact_key: d.contactKey ?? '', platform: d.platform, token: d.token ?? '', os: d.os ?? '', app_version: d.appVersion ?? '', model: d.model ?? '', last_seen: d.lastSeen ?? '', merged_from: d.mergedFrom ?? '' };
        await w.write(row);
        lines.push(JSON.stringify(row));
      }
      if (j && lines.length > 0) await j.handle.write(`${lines.join('\n')}\n`);
    }
    await j?.commit();
    return await w.close();
  } catch (e) {
    await w.abort();
    await j?.discard();
    throw e;
  }
}

const md = (v: unknown) => String(v ?? '').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** A segment rule tree (`{operator, "0": {...}, "1": {...}}`, leaves `{attribute, operator, value}`) as readable text. */
export function describeRule(rule: unknown): string {
  if (rule === null || typeof rule !== 'object') return String(rule ?? '(no rule)');
  const r = rule as Record<string, unknown>;
  if ('attribute' in r && 'operator' in r) return `${String(r.attribute)} ${String(r.operator)} ${JSON.stringify(r.value)}`;
  const op = typeof r.operator === 'string' ? r.operator : 'AND';
  const parts = Object.keys(r)
    .filter((k) => /^\d+$/.test(k))
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => describeRule(r[k]));
  if (parts.length === 0) return '(no rule)';
  return parts.length === 1 ? parts[0]! : `(${parts.join(` ${op} `)})`;
}

export function renderSegmentInventory(segments: SourceSegment[], members: Map<string, number>, prefix: string): string {
  const lines = [
    '# Segments — rebuild inventory',
    '',
    'Each segment\'s membership at migration time is on the contacts as a tag named after the segment.',
    'The rules below are what made a contact a member; recreate them as Freshsales contact filters (or',
    'Workflow conditions) if membership must stay dynamic after cutover.',
    '',
    '| segment | tag in Freshsales | members at migration time | rule |',
    '|---|---|---|---|',
    ...segments.map((s) => `| ${md(s.name)} | ${md(prefix + s.name)} | ${members.get(prefix + s.name) ?? 0} | ${md(describeRule(s.rules))} |`),
    '',
    '## Rules as exported (JSON)',
    '',
    ...segments.flatMap((s) => [`### ${s.name}`, '', '```json', JSON.stringify(s.rules, null, 2), '```', '']),
  ];
  return lines.join('\n');
}

export function renderCampaignInventory(campaigns: SourceCampaign[], tasksByCampaign: Map<string, number>): string {
  const lines = [
    '# Campaigns — rebuild inventory',
    '',
    'Freshsales does not execute campaigns. Each contact\'s interactions (delivered, opened, clicked) are',
    'migrated as completed tasks with the campaign name and the original timestamp. The campaigns',
    'themselves — channels, triggers, schedule and creatives — are listed here for rebuilding in',
    'Freshsales Suite or a marketing platform. Trigger models differ: Workflows are not created.',
    '',
    '| campaign | channels | trigger | status | created | active from | active until | interaction tasks |',
    '|---|---|---|---|---|---|---|---|',
    ...campaigns.map((c) => `| ${md(c.name)} | ${md(c.channels.join(', '))} | ${md(c.trigger)} | ${md(c.status)} | ${md(c.createdAt)} | ${md(c.activatedAt)} | ${md(c.deactivatedAt)} | ${tasksByCampaign.get(c.id) ?? 0} |`),
    '',
    '## Content and creative assets',
    '',
  ];
  for (const c of campaigns) {
    lines.push(`### ${c.name} (id ${c.id})`, '');
    const messages = (c.raw.messages ?? {}) as Record<string, Record<string, unknown>>;
    const keys = Object.keys(messages);
    // Content as the source or the customer's definitions give it: per message type, or one content block with creatives, labels and schedule.
    const described = ['content', 'creatives', 'labels', 'schedule'].filter((k) => c.raw[k] !== undefined && c.raw[k] !== null);
    if (keys.length === 0 && described.length === 0) lines.push('No message content in the export.', '');
    for (const k of keys) {
      const m = messages[k] ?? {};
      lines.push(`- message type ${k}: ${Object.entries(m).filter(([, v]) => v !== null && v !== undefined && v !== '').map(([f, v]) => `${f}: ${md(v)}`).join('; ')}`);
    }
    for (const k of described) lines.push(`- ${k}: ${md(typeof c.raw[k] === 'string' ? c.raw[k] : JSON.stringify(c.raw[k]))}`);
    if (c.stats) lines.push(`- reported figures: ${Object.entries(c.stats).filter(([, v]) => v !== null).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
    lines.push('');
  }
  return lines.join('\n');
}

/**
 * The Freshsales Workflow equivalent of a journey step, for the admin who rebuilds it.
 * Freshsales Workflows trigger on record changes or on a schedule; they send email and update
 * records, but have no push, in-app or SMS channel of their own.
 */
export function workflowEquivalent(kind: string, channel: string | null): string {
  const k = kind.toLowerCase();
  const c = (channel ?? '').toLowerCase();
  if (k === 'wait' || k === 'delay') return 'a time delay in a time-based Workflow (or a follow-up task due after the delay)';
  if (k === 'condition' || k === 'split' || k === 'branch' || k === 'filter') return 'Workflow conditions (one Workflow per branch)';
  if (k === 'goal' || k === 'conversion' || k === 'exit') return 'a Workflow condition that stops the sequence once the goal field or tag is set';
  if (k === 'email' || c === 'email') return 'the Workflow action "Send email" (or a sales sequence step)';
  if (k === 'sms' || c === 'sms') return 'no SMS action in Freshsales Workflows: a task for the owner, or an SMS integration (Freshcaller, Twilio) via webhook';
  if (k === 'push' || k === 'in_app' || k === 'inapp' || c === 'push' || c === 'in_app' || c === 'web_push') return 'no push or in-app channel in Freshsales: keep it in the engagement platform, or a webhook action to it';
  if (k === 'webhook') return 'the Workflow action "Trigger webhook"';
  if (k === 'update' || k === 'attribute' || k === 'tag') return 'the Workflow action "Update field" / "Add tag"';
  return 'no direct equivalent: describe it to the admin as a manual step';
}

/** What starts a Freshsales Workflow equivalent to a journey's entry conditions. */
function entryEquivalent(entry: unknown): string {
  const text = JSON.stringify(entry ?? null).toLowerCase();
  if (text.includes('event')) return 'a Workflow on contact update, triggered by the field or tag the migrated event sets (events themselves do not trigger Workflows)';
  if (text.includes('segment')) return 'a Workflow on contact create/update filtered by the segment\'s tag';
  return 'a Workflow on contact create/update with the entry conditions as filters';
}

export function renderJourneyInventory(journeys: SourceJourney[], sourceLabel = 'the source'): string {
  const lines = [
    '# Journeys — rebuild inventory',
    '',
    `${sourceLabel} journeys do not migrate: Freshsales Workflows have another trigger model. Each journey's entry`,
    'conditions, step sequence, channel steps and conversion events are written down here with a',
    'recommended Freshsales Workflow equivalent, for the admin to rebuild after cutover.',
    '',
    '| journey | status | steps | channels | conversion events | conversion counting |',
    '|---|---|---|---|---|---|',
    ...journeys.map(
      (j) =>
        `| ${md(j.name)} | ${md(j.status)} | ${j.steps.length} | ${md([...new Set(j.steps.flatMap((s) => (s.channel ? [s.channel] : [])))].join(', '))} | ${md(j.conversionEvents.join(', '))} | ${md(countingText(j.conversionCounting))} |`,
    ),
    '',
  ];
  if (journeys.some((j) => j.conversionCounting === 'per_user')) {
    lines.push(
      `**Conversion counting differs.** ${sourceLabel} counts one conversion per user per journey, not every occurrence: a`,
      'Freshsales report counting conversion activities will show more. Align the KPI definition before comparing funnels.',
      '',
    );
  }
  for (const j of journeys) {
    lines.push(`## ${j.name} (id ${j.id})`, '', `Entry: \`${md(JSON.stringify(j.entry ?? null))}\``, '', `Freshsales: ${entryEquivalent(j.entry)}.`, '');
    lines.push('| # | step | channel | detail | Freshsales Workflow equivalent |', '|---|---|---|---|---|');
    j.steps.forEach((s, i) => lines.push(`| ${i + 1} | ${md(s.kind)} | ${md(s.channel)} | ${md(JSON.stringify(s.detail))} | ${md(workflowEquivalent(s.kind, s.channel))} |`));
    lines.push('', `Conversion events: ${j.conversionEvents.length > 0 ? md(j.conversionEvents.join(', ')) : 'none'}.`, '');
  }
  return lines.join('\n');
}

function countingText(c: SourceJourney['conversionCounting']): string {
  return c === 'per_user' ? 'once per user per journey' : c === 'per_occurrence' ? 'every occurrence' : 'not stated';
}

export function renderWidgetInventory(widgets: SourceWidget[], sourceLabel = 'the source'): string {
  const size = (b: number | null) => (b === null ? 'unknown' : b >= 1_048_576 ? `${(b / 1_048_576).toFixed(1)} MB` : `${Math.ceil(b / 1024)} KB`);
  const over = widgets.filter((w) => w.fileSizeBytes !== null && w.sizeLimitBytes !== null && w.fileSizeBytes > w.sizeLimitBytes);
  return [
    '# Widgets and assets — rebuild inventory',
    '',
    `${sourceLabel} widgets (pop-ups, banners, in-app assets) have no Freshsales equivalent and do not migrate.`,
    'Each is listed with its type, trigger and file size for the rebuild; assets over the size limit are flagged.',
    '',
    over.length > 0 ? `**${over.length} asset(s) are over their size limit** and must be reworked before they are used again.` : 'No asset is over its size limit.',
    '',
    '| widget | type | trigger | file size | limit | over limit |',
    '|---|---|---|---|---|---|',
    ...widgets.map(
      (w) =>
        `| ${md(w.name)} | ${md(w.type)} | ${md(typeof w.trigger === 'string' ? w.trigger : JSON.stringify(w.trigger ?? null))} | ${size(w.fileSizeBytes)} | ${w.sizeLimitBytes === null ? 'none stated' : size(w.sizeLimitBytes)} | ${over.includes(w) ? '**yes**' : 'no'} |`,
    ),
    '',
  ].join('\n');
}

export interface GamificationInput {
  /** Loyalty attributes migrated as contact fields, with their observed values (e.g. tiers). */
  loyaltyFields: Array<{ attribute: string; target: string; observed: string }>;
  promotions: SourcePromotion[];
  /** The source's display name ("the source" when not given). */
  sourceLabel?: string;
}

export function renderGamificationInventory(g: GamificationInput): string {
  const src = g.sourceLabel ?? 'the source';
  return [
    '# Loyalty and gamification — rebuild inventory',
    '',
    `Loyalty state is profile-relative in ${src}: points balances, tiers and achievement counts`,
    'arrive on each contact as custom fields. The rule engine (thresholds, triggers, reward logic) has',
    'no export: rebuild it in Freshsales Workflows or a loyalty platform from the mechanics below.',
    '',
    '## State migrated to contact fields',
    '',
    `| ${g.sourceLabel ?? 'Source'} attribute | Freshsales field | observed |`,
    '|---|---|---|',
    ...g.loyaltyFields.map((f) => `| ${md(f.attribute)} | ${md(f.target)} | ${md(f.observed)} |`),
    '',
    '## Promotions',
    '',
    ...(g.promotions.length === 0 ? ['None listed by the source.'] : g.promotions.map((p) => `- ${md(p.name)} (id ${p.id}): ${md(JSON.stringify(p.raw))}`)),
    '',
    '## Mechanics to rebuild',
    '',
    '- Tier thresholds (points needed per tier) and tier downgrade rules: not exported — ask the customer for the definitions.',
    '- Point-earning triggers per event and their multipliers: not exported.',
    '- Achievement / quest definitions and rewards: not exported; completion counts migrate per contact.',
    '',
  ].join('\n');
}

export function renderTagUsage(tags: Array<{ name: string; count: number }>, sourceLabel = 'the source'): string {
  return [
    '# Tag usage',
    '',
    `Source tags (as ${sourceLabel} holds them) migrate as contact tags with their names unchanged.`,
    '',
    '| tag | contacts |',
    '|---|---|',
    ...tags.map((t) => `| ${md(t.name)} | ${t.count} |`),
    '',
  ].join('\n');
}

/** Write a Markdown document atomically. */
export async function writeMarkdown(file: string, text: string): Promise<void> {
  await writeFileAtomic(file, text.endsWith('\n') ? text : `${text}\n`);
}
