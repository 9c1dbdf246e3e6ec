/**
 * The review app's routes (Hono): the token gate, a strict CSP on every answer, and the four
 * pages over {@link ReviewServices}. Pages are GETs; the two writes (a map edit, a
 * confirmation) are form POSTs answered by a redirect (303) on success, or the page again with
 * the reason (422) when refused — the file is then as it was and the form keeps what was typed.
 */
import { timingSafeEqual } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { isMigrateError } from '../core/errors.js';
import { formProblems, MapEdit, MapEditRefused } from './map-edit.js';
import { mapEditInput } from './map-form.js';
import { CONTROL_NAMES, confirmPage, mapPage, messagePage, qualityPage, REVIEW_CSS, runPage, runsPage } from './pages.js';
import type { ReviewServices } from './services.js';

/** The cookie that carries the token after the first request. */
export const TOKEN_COOKIE = 'crm_review_token';
/** The header a script may send the token in instead. */
export const TOKEN_HEADER = 'x-review-token';

const CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The review app: every route behind `token` (query `?token=` once, then the cookie or the header). */
export function createReviewApp(services: ReviewServices, token: string): Hono {
  const app = new Hono();

  app.use('*', async (c, next) => {
    c.header('Content-Security-Policy', CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Cache-Control', 'no-store');
    const fromQuery = c.req.query('token');
    if (sameToken(fromQuery, token)) {
      // The token leaves the address bar: the cookie carries it from now on.
      setCookie(c, TOKEN_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'Strict' });
      const url = new URL(c.req.url);
      url.searchParams.delete('token');
      return c.redirect(`${url.pathname === '/' ? '/map' : url.pathname}${url.search}`, 303);
    }
    if (!sameToken(getCookie(c, TOKEN_COOKIE), token) && !sameToken(c.req.header(TOKEN_HEADER), token)) {
      return c.text('401: open the address "crm-migrate review" printed (it carries the token)\n', 401);
    }
    await next();
  });

  app.get('/', (c) => c.redirect('/map', 303));
  app.get('/assets/review.css', (c) => c.body(REVIEW_CSS, 200, { 'Content-Type': 'text/css; charset=utf-8' }));

  app.get('/map', async (c) => {
    const saved = c.req.query('saved');
    return c.html(mapPage(await services.mapView(), saved !== undefined ? { saved } : {}));
  });
  app.post('/map', async (c) => {
    const input = mapEditInput(await formOf(c));
    const parsed = MapEdit.safeParse(input);
    if (!parsed.success) {
      const problems = formProblems(parsed.error.issues);
      const message = problems.map((p) => `${CONTROL_NAMES[p.control]}: ${p.message}`).join('; ');
      return c.html(mapPage(await services.mapView(), { error: { message, edit: input, problems } }), 422);
    }
    try {
      await services.editMap(parsed.data);
    } catch (e) {
      if (!isMigrateError(e)) throw e;
      return c.html(mapPage(await services.mapView(), { error: { message: e.message, edit: input, problems: e instanceof MapEditRefused ? e.problems : [] } }), 422);
    }
    const what = parsed.data.action === 'skip' ? `${parsed.data.from}: left out of the map` : parsed.data.from;
    return c.redirect(`/map?saved=${encodeURIComponent(what)}`, 303);
  });

  app.get('/confirm', async (c) => c.html(confirmPage(await services.mapView(), c.req.query('done') !== undefined ? { done: true } : {})));
  app.post('/confirm', async (c) => {
    const form = await formOf(c);
    const view = await services.mapView();
    if (form.hash !== view.hash) {
      return c.html(confirmPage(view, { error: 'the map changed since this page was opened: review it again, then confirm' }), 422);
    }
    try {
      await services.confirm(String(form.by ?? ''));
    } catch (e) {
      if (!isMigrateError(e)) throw e;
      return c.html(confirmPage(view, { error: e.message }), 422);
    }
    return c.redirect('/confirm?done=1', 303);
  });

  app.get('/quality', (c) => {
    const q = (k: string) => c.req.query(k) || undefined;
    const filter = { flag: q('flag'), severity: q('severity'), q: q('q') };
    return c.html(qualityPage(services.dataQuality(), Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined))));
  });
  app.get('/runs', (c) => c.html(runsPage(services.runs())));
  app.get('/runs/:id', (c) => {
    const run = services.run(c.req.param('id'));
    return run ? c.html(runPage(run)) : c.html(messagePage('Run not found', `There is no run "${c.req.param('id')}" with a reconciliation in ${services.reportsDir()}.`), 404);
  });

  app.notFound((c) => c.html(messagePage('Not found', 'There is no such page.'), 404));
  app.onError((e, c) => {
    // A map that does not load (edited by hand into an invalid one) is shown, not a stack trace.
    if (isMigrateError(e)) return c.html(messagePage('The map cannot be read', e.message), 500);
    return c.html(messagePage('Something went wrong', e instanceof Error ? e.message : String(e)), 500);
  });
  return app;
}

/** A POSTed form's text fields, blank ones too (a blank Freshsales value in a value map means "leave it out"). */
async function formOf(c: Context): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === 'string') out[k] = v;
  return out;
}
