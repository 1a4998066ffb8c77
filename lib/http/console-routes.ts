// The console's pages and files, and the security headers every response carries. The page itself holds
// no data (the API it calls does), so these routes need no credential: a signed-out browser must be able
// to load the sign-in form.
import type { Context } from 'hono';
import { gzipSync } from 'node:zlib';
import type { ConsoleAssets } from './console-assets.js';
import type { App } from './env.js';

/** No inline script or style anywhere; data is fetched from this origin only; never framed. */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONSOLE_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/** The console's own paths: each is the one page, which reads the URL (web/src/route.ts). */
const PAGE_PATHS = ['/', '/datasets', '/datasets/*', '/jobs', '/jobs/*', '/connections', '/tag-definitions'];

/** Registers the headers middleware and the console's routes; call before the auth middleware. */
export function consoleRoutes(app: App, assets: ConsoleAssets | undefined): void {
  app.use('*', async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(name, value);
  });

  const page = (c: Context) => {
    if (!assets) {
      return c.text(
        "Loupe's console is not built on this server: the API under /api/v1 works. Run `npm install` (the console is built with esbuild, a devDependency) and start again, or deploy with `npm run build`.\n",
        404,
        { 'Cache-Control': 'no-cache' },
      );
    }
    // no-cache: always revalidated, so a new deployment's hashed files are picked up at once.
    return c.html(assets.index, 200, { 'Cache-Control': 'no-cache' });
  };
  for (const p of PAGE_PATHS) app.get(p, page);

  // Compressed once per file, on first request: the script is ~165 KB as is and ~54 KB gzipped.
  const gzipped = new Map<string, Uint8Array<ArrayBuffer>>();
  app.get('/assets/:name', (c) => {
    const file = assets?.files.get(c.req.path);
    if (!file) return c.text('no such console file\n', 404);
    const headers: Record<string, string> = {
      'Content-Type': file.contentType,
      // The name holds the content's hash: it never changes under this URL.
      'Cache-Control': 'public, max-age=31536000, immutable',
      Vary: 'Accept-Encoding',
    };
    if (/\bgzip\b/.test(c.req.header('accept-encoding') ?? '')) {
      let body = gzipped.get(c.req.path);
      if (!body) gzipped.set(c.req.path, (body = new Uint8Array(gzipSync(file.body, { level: 9 }))));
      return c.body(body, 200, { ...headers, 'Content-Encoding': 'gzip' });
    }
    return c.body(new Uint8Array(file.body), 200, headers);
  });
}
