/**
 * Inline SVG charts for the Runs page (no script, no external file: the page's CSP allows
 * neither). Each chart has a title and a description for screen readers, and the figures it
 * draws are also in a table beside it.
 */
import { escapeHtml as h } from '../reports/html.js';
import type { PhaseReconciliation } from '../reports/reconciliation-model.js';

/** The outcomes a phase's bar is made of, in drawing order, with their colours. */
const OUTCOMES: Array<{ key: keyof PhaseReconciliation; label: string; colour: string }> = [
  { key: 'created', label: 'created', colour: '#1f7a3f' },
  { key: 'updated', label: 'updated', colour: '#4a9c6a' },
  { key: 'skipped', label: 'skipped', colour: '#8aa4b8' },
  { key: 'merged', label: 'merged', colour: '#b6a36a' },
  { key: 'quarantined', label: 'quarantined', colour: '#c77d1a' },
  { key: 'failed', label: 'failed', colour: '#a11d1d' },
  { key: 'orphaned', label: 'orphaned', colour: '#6b3fa0' },
];

const WIDTH = 640;

/** Per-phase outcome counts as horizontal stacked bars, one per phase, scaled to the largest. */
export function phaseChart(id: string, phases: PhaseReconciliation[]): string {
  const rowH = 28;
  const left = 90;
  const height = phases.length * rowH + 40;
  const totals = phases.map((p) => OUTCOMES.reduce((n, o) => n + (Number(p[o.key] ?? 0) || 0), 0));
  const max = Math.max(1, ...totals);
  const scale = (WIDTH - left - 60) / max;
  const bars = phases.map((p, i) => {
    let x = left;
    const y = i * rowH + 4;
    const parts = OUTCOMES.map((o) => {
      const n = Number(p[o.key] ?? 0) || 0;
      if (n === 0) return '';
      const w = Math.max(1, n * scale);
      const rect = `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${o.colour}"><title>${h(p.object)}: ${n} ${o.label}</title></rect>`;
      x += w;
      return rect;
    });
    return `<text x="0" y="${y + rowH / 2}" class="lbl">${h(p.object)}</text>${parts.join('')}<text x="${(x + 6).toFixed(1)}" y="${y + rowH / 2}" class="lbl">${totals[i]}</text>`;
  });
  const legendY = phases.length * rowH + 22;
  let lx = 0;
  const legend = OUTCOMES.map((o) => {
    const item = `<rect x="${lx}" y="${legendY - 10}" width="12" height="12" fill="${o.colour}"/><text x="${lx + 16}" y="${legendY}" class="lbl">${o.label}</text>`;
    lx += 16 + o.label.length * 7 + 14;
    return item;
  });
  const desc = phases.map((p, i) => `${p.object}: ${totals[i]} (${OUTCOMES.map((o) => `${Number(p[o.key] ?? 0) || 0} ${o.label}`).join(', ')})`).join('; ');
  return svg(id, 'Records per phase, by outcome', desc, height, [...bars, ...legend]);
}

/** The API budget: calls planned against calls spent, and the spent calls per phase. */
export function budgetChart(id: string, planned: number, spent: number, byPhase: Record<string, number>): string {
  const rows: Array<[string, number, string]> = [
    ['planned', planned, '#8aa4b8'],
    ['spent', spent, spent > planned ? '#a11d1d' : '#1f7a3f'],
    ...Object.entries(byPhase).map(([phase, n]): [string, number, string] => [`· ${phase}`, n, '#4a7fb0']),
  ];
  const rowH = 26;
  const left = 110;
  const max = Math.max(1, ...rows.map((r) => r[1]));
  const scale = (WIDTH - left - 70) / max;
  const parts = rows.map(([label, n, colour], i) => {
    const y = i * rowH + 4;
    const w = Math.max(n > 0 ? 1 : 0, n * scale);
    return `<text x="0" y="${y + rowH / 2}" class="lbl">${h(label)}</text><rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${colour}"><title>${h(label)}: ${n} calls</title></rect><text x="${(left + w + 6).toFixed(1)}" y="${y + rowH / 2}" class="lbl">${n}</text>`;
  });
  const desc = rows.map(([label, n]) => `${label.replace('· ', '')}: ${n} calls`).join('; ');
  return svg(id, 'API calls: budget plan against calls spent', desc, rows.length * rowH + 8, parts);
}

function svg(id: string, title: string, desc: string, height: number, body: string[]): string {
  return (
    `<svg class="chart" role="img" aria-labelledby="${id}-t ${id}-d" viewBox="0 0 ${WIDTH} ${height}" preserveAspectRatio="xMinYMin meet">` +
    `<title id="${id}-t">${h(title)}</title><desc id="${id}-d">${h(desc)}</desc>${body.join('')}</svg>`
  );
}
