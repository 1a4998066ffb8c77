// Issue 12's security review: what the web console added to the API's attack surface. The sign-in route
// takes no credential, so what a stranger may send it is small; the console's origin holds a session
// cookie, so a file download never answers with a type a browser would run (a stored ContentType of
// text/html or text/javascript over image bytes); a cookie-authenticated change of any method needs
// x-loupe-console; and the console's WebP thumbnails keep the decoder's limits on bombs.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../functions/api/index.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { buildContainer, type Container } from '../../lib/runtime/container.js';
import { jsonLogger } from '../../lib/runtime/logger.js';
import { fixturesDir, fixturesMissing } from '../support/fixtures.js';
import { tinyPng } from '../support/generate-images.js';
import { inProcessApi } from '../support/in-process-api.js';

const KEY = 'console-hardening-key-5f2a9c0e7b1d';

describe('the console\'s attack surface', () => {
  let dir: string;
  let root: string;
  let c: Container;
  let app: ReturnType<typeof createApi>;
  let ds: string;
  let cookie: string;
  const call = (method: string, route: string, body?: unknown) => inProcessApi(app, KEY)(method, route, body);
  const send = (method: string, route: string, o: { cookie?: boolean; console?: boolean; body?: string; headers?: Record<string, string> } = {}) =>
    app.fetch(
      new Request(`http://loupe.test${route}`, {
        method,
        headers: { ...(o.cookie ? { cookie } : {}), ...(o.console ? { 'x-loupe-console': '1' } : {}), ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}), ...o.headers },
        body: o.body,
      }),
    );

  /** A file meta for `name` (written under the dataset's folder), declared with `contentType`. */
  const metaOf = async (name: string, bytes: Buffer, contentType: string): Promise<string> => {
    const file = path.join(root, name);
    await writeFile(file, bytes);
    const uri = pathToFileURL(file).href;
    const etag = (await c.objects.forUri(uri).head(uri)).etag;
    const r = await call('POST', `/api/v1/datasets/${ds}/datasetfilemetas`, {
      DatasetVersion: 'v1',
      DatasetFileMetas: [{ Uri: uri, ContentType: contentType, FileType: 'image', FileFingerPrint: etag, FileUpdateTime: new Date().toISOString() }],
    });
    expect([r.status, r.body.SucceedDetails?.length], JSON.stringify(r.body)).toEqual([200, 1]);
    return r.body.SucceedDetails[0].DatasetFileMetaId;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-console-hardening-'));
    root = path.join(dir, 'files');
    await mkdir(root, { recursive: true });
    c = buildContainer(loadConfig({ LOUPE_DATA_DIR: path.join(dir, 'data'), LOUPE_FILE_ROOTS: dir, LOUPE_API_KEYS: KEY }), { log: jsonLogger('silent') });
    app = createApi(c, [KEY]);
    ds = (await call('POST', '/api/v1/datasets', { Name: 'hardening', Uri: pathToFileURL(root).href })).body.DatasetId;
    const signIn = await send('POST', '/api/v1/session', { console: true, body: JSON.stringify({ ApiKey: KEY }) });
    cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(cookie).toMatch(/^loupe_session=/);
  });
  afterAll(async () => {
    await c?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads no more of a sign-in (or sign-out) body than a key needs: it comes before any credential', async () => {
    const big = JSON.stringify({ ApiKey: KEY, pad: 'x'.repeat(64 * 1024) });
    for (const method of ['POST', 'DELETE']) {
      const res = await send(method, '/api/v1/session', { console: true, body: big });
      expect(res.status, method).toBe(413);
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    // The longest key a sign-in takes, every character escaped, still fits.
    const escaped = `{"ApiKey":"${'\\u0041'.repeat(512)}"}`;
    expect((await send('POST', '/api/v1/session', { console: true, body: escaped })).status).toBe(401);
  });

  it('never serves a download as a page or a script, whatever ContentType the meta declares', async () => {
    // An image's first bytes followed by script: a GIF/JS polyglot passes the "is it an image" sniff.
    const polyglot = Buffer.concat([Buffer.from('GIF89a/*'), Buffer.alloc(8), Buffer.from('*/=1;fetch("/api/v1/connections")')]);
    for (const [name, type] of [
      ['page.gif', 'text/html'],
      ['script.gif', 'text/javascript'],
      ['vector.gif', 'image/svg+xml'],
      ['xml.gif', 'application/xhtml+xml'],
    ] as const) {
      const id = await metaOf(name, polyglot, type);
      const res = await send('GET', `/api/v1/datasets/${ds}/datasetfilemetas/${id}/download`, { cookie: true });
      expect(res.status, name).toBe(200);
      expect(res.headers.get('content-type'), name).toBe('application/octet-stream');
      expect(res.headers.get('content-disposition')).toMatch(/^attachment;/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      await res.arrayBuffer();
    }
    // A declared image type is kept.
    const png = await metaOf('real.png', tinyPng(1), 'image/png');
    const res = await send('GET', `/api/v1/datasets/${ds}/datasetfilemetas/${png}/download`, { cookie: true });
    expect([res.status, res.headers.get('content-type')]).toEqual([200, 'image/png']);
  });

  it('takes a cookie-authenticated change of any method only with x-loupe-console, the upload search included', async () => {
    const routes: Array<[string, string, string | undefined]> = [
      ['POST', '/api/v1/datasets', JSON.stringify({ Name: 'csrf', Uri: pathToFileURL(root).href })],
      ['PUT', `/api/v1/datasets/${ds}`, JSON.stringify({ Description: 'csrf' })],
      ['PATCH', `/api/v1/datasets/${ds}`, JSON.stringify({})],
      ['DELETE', `/api/v1/datasets/${ds}`, undefined],
      ['POST', `/api/v1/datasets/${ds}/datasetfilemetas/action/search`, JSON.stringify({ QueryImageData: tinyPng(2).toString('base64') })],
      ['POST', `/api/v1/datasets/${ds}/datasetfilemetas/action/updatetags`, JSON.stringify({ Selection: { Query: {}, All: true }, AddTags: ['csrf'] })],
      ['POST', '/api/v1/session', JSON.stringify({ ApiKey: KEY })],
      ['DELETE', '/api/v1/session', undefined],
    ];
    for (const [method, route, body] of routes) {
      const res = await send(method, route, { cookie: true, body });
      expect(res.status, `${method} ${route}`).toBe(403);
      expect(res.headers.get('set-cookie'), `${method} ${route}`).toBeNull();
      expect(res.headers.get('content-security-policy'), `${method} ${route}`).toContain("default-src 'none'");
    }
    expect((await call('GET', `/api/v1/datasets/${ds}`)).body.Description ?? '').not.toBe('csrf');
  });

  it.skipIf(fixturesMissing)('keeps the decoder\'s limits on the console\'s WebP thumbnails (bombs)', async () => {
    for (const bomb of ['giant-image.jpg', '65536-uint32-limit.png']) {
      const id = await metaOf(bomb, await readFile(path.join(fixturesDir!, 'images', 'edge', 'bomb', bomb)), 'image/jpeg');
      const res = await send('GET', `/api/v1/datasets/${ds}/datasetfilemetas/${id}/thumbnail?ThumbnailMode=${encodeURIComponent('m_lfit,w_256,h_256,f_webp')}`, { cookie: true });
      expect(res.status, bomb).toBe(409);
      expect(((await res.json()) as { Message: string }).Message, bomb).toMatch(/pixels/);
    }
  }, 60_000);
});

