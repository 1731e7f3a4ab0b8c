/**
 * Bearer token or `corral_token` cookie on every route but `/healthz`. `GET /?token=` trades the
 * token in the printed URL for the cookie and redirects, so it leaves the address bar.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { ServerError } from './errors.js';
import { unauthorizedPage, wantsHtmlPage } from './unauthorized-page.js';

export const COOKIE = 'corral_token';

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function auth(token: string): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.path === '/healthz') return next();
    const queryToken =
      c.req.method === 'GET' && c.req.path === '/' ? c.req.query('token') : undefined;
    if (queryToken !== undefined) {
      if (!same(queryToken, token)) return refuse(c, 'the token in the URL is wrong');
      setCookie(c, COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/' });
      return c.redirect('/', 303);
    }
    const header = c.req.header('authorization');
    const bearer = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    const given = bearer ?? getCookie(c, COOKIE);
    if (given === undefined) return refuse(c, 'no token');
    if (!same(given, token)) return refuse(c, 'wrong token');
    return next();
  };
}

/** A browser navigating to the console gets a readable page; everything else the JSON error. */
function refuse(c: Context, what: string): Response {
  if (wantsHtmlPage(c)) return c.html(unauthorizedPage(what), 401);
  throw unauthorized(what);
}

function unauthorized(what: string): ServerError {
  return new ServerError(
    'UNAUTHORIZED',
    `${what}: send "Authorization: Bearer <token>" or open the URL corral serve printed (it sets the cookie); the token is in <state-dir>/server-token`,
  );
}
