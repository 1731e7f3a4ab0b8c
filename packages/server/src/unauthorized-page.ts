/**
 * The page a browser gets instead of a JSON 401 when it navigates to the console without a valid
 * token (a wrong `/?token=`, an expired cookie, a bookmarked deep link). Same status, same
 * advice as the JSON error, readable without the console's scripts (which are behind the token).
 */
import type { Context } from 'hono';

/** A top-level browser navigation: GET, outside the API, asking for HTML. */
export function wantsHtmlPage(c: Context): boolean {
  if (c.req.method !== 'GET' || c.req.path.startsWith('/api/')) return false;
  const accept = c.req.header('accept') ?? '';
  return accept.includes('text/html');
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export function unauthorizedPage(reason: string): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Corral console: not signed in</title>
    <link rel="icon" href="data:," />
    <style>
      body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f6f7f9; color: #1d2330; }
      main { max-width: 36rem; margin: 12vh auto; padding: 2rem; background: #fff; border-radius: 8px;
        box-shadow: 0 1px 3px rgb(0 0 0 / 0.12); }
      h1 { font-size: 1.4rem; margin: 0 0 1rem; }
      code { background: #eef0f4; padding: 0 0.25em; border-radius: 3px; }
      .reason { color: #8a1f11; }
    </style>
  </head>
  <body>
    <main role="alert" aria-labelledby="title">
      <h1 id="title">Not signed in</h1>
      <p class="reason">${escapeHtml(reason)}.</p>
      <p>This console needs the token that <code>corral serve</code> printed when it started.</p>
      <p>Open the URL <code>corral serve</code> printed (it ends in <code>/?token=…</code>) in this
        browser. The token was generated on the server's first start and is kept, mode 0600, in
        <code>&lt;state-dir&gt;/server-token</code>.</p>
    </main>
  </body>
</html>
`;
}
