// The console as the API serves it (issue 12): one hashed JS and one hashed CSS within the 60 KB gzip
// budget, index.html no-cache with both filled in, assets immutable, SPA paths → the page, no credential
// needed for any of it, the security headers on every response, and `/` saying so when not built.
import { gunzipSync } from 'node:zlib';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../functions/api/index.js';
import { buildConsole, loadConsole, type ConsoleAssets } from '../../lib/http/console-assets.js';
import { CONSOLE_CSP } from '../../lib/http/console-routes.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { buildContainer, type Container } from '../../lib/runtime/container.js';
import { jsonLogger } from '../../lib/runtime/logger.js';

const KEY = 'console-assets-key-5f1c0e2a9b';

describe('the console bundle and its routes', () => {
  let dir: string;
  let container: Container;
  let assets: ConsoleAssets;
  let app: ReturnType<typeof createApi>;
  let bare: ReturnType<typeof createApi>;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-console-'));
    container = buildContainer(loadConfig({ LOUPE_DATA_DIR: path.join(dir, 'data'), LOUPE_FILE_ROOTS: dir, LOUPE_API_KEYS: KEY }), { log: jsonLogger('silent') });
    assets = await buildConsole();
    app = createApi(container, [KEY], { console: assets });
    bare = createApi(container, [KEY]);
  }, 60_000);
  afterAll(async () => {
    await container?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const get = (a: typeof app, p: string, init: RequestInit = {}) => a.fetch(new Request(`http://loupe.test${p}`, init));

  it('builds one JS and one CSS with content-hashed names, JS within 60 KB gzip, no source map', () => {
    const names = [...assets.files.keys()];
    expect(names.filter((n) => /^\/assets\/main-[A-Z0-9]{8}\.js$/.test(n))).toHaveLength(1);
    expect(names.filter((n) => /^\/assets\/main-[A-Z0-9]{8}\.css$/.test(n))).toHaveLength(1);
    expect(names).toHaveLength(2);
    expect(assets.jsGzipBytes).toBeGreaterThan(1000);
    expect(assets.jsGzipBytes).toBeLessThanOrEqual(60 * 1024);
    const js = assets.files.get(names.find((n) => n.endsWith('.js'))!)!.body.toString();
    expect(js).not.toMatch(/sourceMappingURL/);
    for (const n of names) expect(assets.index).toContain(`"${n}"`);
    expect(assets.index).not.toMatch(/%JS%|%CSS%/);
    // No inline script: the CSP forbids it.
    expect(assets.index).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it('writes what loadConsole reads back unchanged', async () => {
    const out = path.join(dir, 'web');
    const written = await buildConsole({ outDir: out });
    const loaded = await loadConsole(out);
    expect(loaded.index).toBe(written.index);
    expect([...loaded.files.keys()].sort()).toEqual([...written.files.keys()].sort());
    for (const [k, f] of written.files) expect(loaded.files.get(k)!.body.equals(f.body)).toBe(true);
    expect(loaded.jsGzipBytes).toBe(written.jsGzipBytes);
  });

  it('serves the page at / and the console paths, without a credential, never cached stale', async () => {
    for (const p of ['/', '/datasets', '/datasets/ds-1/files?v=v1&q=x', '/jobs', '/jobs/job-9', '/connections', '/tag-definitions']) {
      const res = await get(app, p);
      expect(res.status, p).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toBe(assets.index);
    }
    const head = await get(app, '/', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('serves the hashed files immutable, and an unknown one is a 404', async () => {
    for (const [p, f] of assets.files) {
      const res = await get(app, p);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(res.headers.get('content-type')).toBe(f.contentType);
      expect(Buffer.from(await res.arrayBuffer()).equals(f.body)).toBe(true);
    }
    expect((await get(app, '/assets/main-AAAAAAAA.js')).status).toBe(404);
  });

  it('sends the files gzipped to a browser that accepts it', async () => {
    for (const [p, f] of assets.files) {
      const res = await app.request(p, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-encoding')).toBe('gzip');
      expect(res.headers.get('vary')).toBe('Accept-Encoding');
      const body = Buffer.from(await res.arrayBuffer());
      expect(body.length).toBeLessThan(f.body.length);
      expect(gunzipSync(body).equals(f.body)).toBe(true);
    }
    expect((await get(app, '/assets/%2e%2e%2findex.html')).status).toBe(404);
  });

  it('is only the page for GET: the API and other methods are untouched', async () => {
    expect((await get(app, '/', { method: 'POST' })).status).toBe(401);
    expect((await get(app, '/api/v1/datasets')).status).toBe(401);
    expect((await get(app, '/datasets-not-a-page')).status).toBe(401);
    const api = await get(app, '/api/v1/datasets', { headers: { authorization: `Bearer ${KEY}` } });
    expect(api.status).toBe(200);
    expect(api.headers.get('content-type')).toMatch(/json/);
  });

  it('puts the CSP and the other security headers on every response', async () => {
    for (const res of [
      await get(app, '/'),
      await get(app, [...assets.files.keys()][0]!),
      await get(app, '/api/v1/datasets'),
      await get(app, '/api/v1/datasets', { headers: { authorization: `Bearer ${KEY}` } }),
      await get(bare, '/'),
      await get(app, '/healthz'),
    ]) {
      expect(res.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    }
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).not.toContain('unsafe-inline');
  });

  it('says the console is not built when it is not, and the API works the same', async () => {
    const res = await get(bare, '/');
    expect(res.status).toBe(404);
    expect(await res.text()).toMatch(/console is not built/);
    expect((await get(bare, '/assets/main-AAAAAAAA.js')).status).toBe(404);
    expect((await get(bare, '/api/v1/datasets', { headers: { authorization: `Bearer ${KEY}` } })).status).toBe(200);
  });
});
