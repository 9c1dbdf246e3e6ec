/** The frame every standalone report page shares: a strict CSP, the report style sheet, a title. */
import { escapeHtml as h } from './html.js';

/** The report pages' shared style sheet (every report of a run looks the same). */
export const REPORT_CSS = `
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d232a;margin:2rem auto;max-width:960px;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d5dbe1;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.6rem 0;width:100%}th,td{border:1px solid #d5dbe1;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f2f5f7}td.n{text-align:right;font-variant-numeric:tabular-nums}tr.total td{font-weight:600}
.ok{color:#106b2e;font-weight:600}.bad{color:#a11d1d;font-weight:600}.muted{color:#5b6670}
.banner{padding:.7rem 1rem;border-radius:4px;margin:1rem 0}.banner.ok{background:#e7f5ec}.banner.bad{background:#fbeaea}
code,.key{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em;word-break:break-all}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}dt{font-weight:600}dd{margin:0}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}table{break-inside:avoid}}
`;

/** A complete HTML document: `body` lines inside the shared head (no scripts, inline style only). */
export function reportPage(title: string, body: string[], css: string = REPORT_CSS): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${h(title)}</title>`,
    `<style>${css}</style>`,
    '</head>',
    '<body>',
    ...body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
