/**
 * The text of a campaign deal's content note: the campaign's title, channel, message content,
 * creatives by name and type (never their code or files), labels and schedule, then the marker
 * line `[crm-migrate <source key>]` last, as a task's description ends. Pure: no I/O, no clock.
 *
 * Sources give content in two shapes (see SourceCampaign.raw): one `content` block (a string,
 * or an object of title / text / subject / deeplink / buttons...) with `creatives`, `labels` and
 * `schedule` beside it, or `messages` per message type (each an object of fields). HTML in a
 * message (an email body) is written as its text: a note is plain text, and markup is code.
 */
import type { SourceCampaign } from '../core/model.js';
import { taskMarker } from '../connectors/freshsales/index.js';

/** Freshsales keeps at most this much of a note's description (the simulator's limit; no [DOC] figure). */
export const NOTE_DESCRIPTION_MAX = 65_000;
/** The source key of a campaign's note (the marker names it). */
export const campaignNoteKey = (campaignId: string): string => `campaign:${campaignId}:note`;

/** The payload of a campaign's note before its deal id is known (`targetable_id` is added at create time). */
export interface CampaignNotePayload {
  description: string;
  targetable_type: 'Deal';
}

/** A campaign's note payload. */
export function toCampaignNotePayload(c: SourceCampaign, sourceLabel: string): CampaignNotePayload {
  return { description: campaignNoteText(c, sourceLabel), targetable_type: 'Deal' };
}

/** The note's text; never empty (the title line is always there), the marker always last. */
export function campaignNoteText(c: SourceCampaign, sourceLabel: string): string {
  const lines: string[] = [`${sourceLabel} campaign: ${oneLine(c.name) || `Campaign ${c.id}`} (id ${c.id})`];
  lines.push(`Channel: ${c.channels.join(', ') || 'not stated'}`);
  const status = [c.status && c.status !== 'unknown' ? `status ${c.status}` : '', c.trigger && c.trigger !== 'unknown' ? `trigger ${c.trigger}` : ''].filter(Boolean);
  if (status.length > 0) lines.push(`State: ${status.join(', ')}`);
  const content = contentLines(c.raw);
  lines.push('', 'Content:', ...(content.length > 0 ? content.map((l) => `  ${l}`) : ['  (the source gave no message content)']));
  const creatives = creativeList(c.raw.creatives);
  if (creatives !== null) lines.push('', `Creatives (listed, not migrated): ${creatives.length > 0 ? creatives.join('; ') : 'none'}`);
  const labels = list(c.raw.labels);
  if (labels !== null) lines.push(`Labels: ${labels.length > 0 ? labels.join(', ') : 'none'}`);
  const schedule = describe(c.raw.schedule);
  if (schedule) lines.push(`Schedule: ${schedule}`);
  const dates = [c.createdAt ? `created ${c.createdAt}` : '', c.activatedAt ? `active from ${c.activatedAt}` : '', c.deactivatedAt ? `until ${c.deactivatedAt}` : ''].filter(Boolean);
  if (dates.length > 0) lines.push(`Dates: ${dates.join(', ')}`);
  return withMarker(lines.join('\n'), campaignNoteKey(c.id));
}

/** The body cut to fit beside the marker (a cut says so), then the marker line last. */
function withMarker(body: string, sourceKey: string): string {
  const marker = taskMarker(sourceKey);
  const room = NOTE_DESCRIPTION_MAX - marker.length - 1;
  const cut = '\n… (cut to fit a note; the whole content is in inventory-campaigns.md)';
  const text = body.length <= room ? body : `${body.slice(0, room - cut.length)}${cut}`;
  return `${text}\n${marker}`;
}

/** The message content as lines: `content` (string or fields), else `messages` per type. */
function contentLines(raw: Record<string, unknown>): string[] {
  const out: string[] = [];
  const content = raw.content;
  if (typeof content === 'string' && content.trim()) out.push(...textLines(content));
  else if (isRecord(content)) out.push(...fieldLines(content));
  const messages = raw.messages;
  if (isRecord(messages)) {
    for (const [type, m] of Object.entries(messages)) {
      if (isRecord(m)) {
        const fields = fieldLines(m);
        if (fields.length > 0) out.push(`Message (${type}):`, ...fields.map((l) => `  ${l}`));
      } else if (typeof m === 'string' && m.trim()) out.push(`Message (${type}): ${textLines(m).join(' / ')}`);
    }
  }
  return out;
}

/** One line per field with a value ("Title: …"); text fields keep their own line breaks, indented. */
function fieldLines(o: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (v === null || v === undefined || v === '') continue;
    const label = labelOf(k);
    if (typeof v === 'string') {
      const [first, ...rest] = textLines(v);
      if (first === undefined) continue;
      out.push(`${label}: ${first}`, ...rest.map((l) => `  ${l}`));
    } else {
      const d = describe(v);
      if (d) out.push(`${label}: ${d}`);
    }
  }
  return out;
}

/** A creative as "name (type)", from whichever keys the source uses; null when the source lists none. */
function creativeList(v: unknown): string[] | null {
  if (v === undefined || v === null) return null;
  const items = Array.isArray(v) ? v : [v];
  return items.map((c) => {
    if (typeof c === 'string') return oneLine(c);
    if (!isRecord(c)) return String(c);
    const name = firstString(c, ['fileName', 'file_name', 'name', 'title', 'id']) ?? 'unnamed';
    const type = firstString(c, ['type', 'kind', 'mimeType', 'mime_type', 'contentType', 'content_type']);
    return type ? `${name} (${type})` : name;
  });
}

function list(v: unknown): string[] | null {
  if (v === undefined || v === null) return null;
  return (Array.isArray(v) ? v : [v]).map((x) => (typeof x === 'string' ? oneLine(x) : describe(x))).filter((x) => x !== '');
}

/** A value for people: scalars as they are, epoch-ms instants under time-like keys as ISO, objects as "key value; …". */
function describe(v: unknown, key = ''): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' && /(at|date|time)$/i.test(key) && !/zone$/i.test(key) && v > 1e11 && v < 1e14) return new Date(v).toISOString();
  if (typeof v === 'string') return oneLine(htmlToText(v));
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.map((x) => describe(x)).filter(Boolean).join(', ');
  if (isRecord(v)) return Object.entries(v).map(([k, x]) => [labelOf(k).toLowerCase(), describe(x, k)] as const).filter(([, x]) => x !== '').map(([k, x]) => `${k} ${x}`).join('; ');
  return String(v);
}

/** Text as lines, HTML as its text, blank runs squeezed. */
function textLines(s: string): string[] {
  const out: string[] = [];
  for (const line of htmlToText(s).split('\n').map((l) => l.trim())) if (line !== '' || (out.length > 0 && out[out.length - 1] !== '')) out.push(line);
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

/** Markup as text: block ends become line breaks, tags dropped, the common entities decoded. Text without tags is left alone. */
export function htmlToText(s: string): string {
  if (!/<\/?[a-z][^>]*>/i.test(s)) return s.replace(/\r\n?/g, '\n');
  return s
    .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|h[1-6]|li|tr|table|ul|ol)>/gi, '\n')
    .replace(/<li\b[^>]*>/gi, '- ')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\r\n?/g, '\n');
}

/** `deeplink` → "Deeplink", `fileName`/`file_name` → "File name". */
function labelOf(k: string): string {
  const words = k.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').trim().toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function firstString(o: Record<string, unknown>, keys: string[]): string | null {
  for (const k of keys) {
    const v = o[k];
    if ((typeof v === 'string' && v.trim()) || typeof v === 'number') return oneLine(String(v));
  }
  return null;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
