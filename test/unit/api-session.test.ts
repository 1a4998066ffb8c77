// The console's session cookie (issue 12): an API key traded once for an HttpOnly, SameSite=Strict cookie;
// the cookie authenticates reads, and changes only with x-loupe-console: 1; it stands for the key's
// principal, ends when it expires or when its key is revoked, and a wrong key is a 401 that never
// echoes it.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../functions/api/index.js';
import { apiKeyPrincipal } from '../../lib/http/auth.js';
import { hmacSessions } from '../../lib/http/sessions.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { buildContainer, type Container } from '../../lib/runtime/container.js';
import { jsonLogger } from '../../lib/runtime/logger.js';

const KEY_A = 'session-key-A-7d0e5c1b9a2f4e3d';
const KEY_B = 'session-key-B-1c9e8d7f6a5b4c3d';

describe('console sessions', () => {
  let dir: string;
  let container: Container;
  let app: ReturnType<typeof createApi>;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-session-'));
    container = buildContainer(loadConfig({ LOUPE_DATA_DIR: path.join(dir, 'data'), LOUPE_FILE_ROOTS: dir, LOUPE_API_KEYS: `${KEY_A},${KEY_B}` }), {
      log: jsonLogger('silent'),
    });
    app = createApi(container, [KEY_A, KEY_B]);
  });
  afterAll(async () => {
    await container?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const send = (a: typeof app, method: string, route: string, o: { cookie?: string; console?: boolean; body?: unknown; headers?: Record<string, string>; base?: string } = {}) =>
    a.fetch(
      new Request(`${o.base ?? 'http://loupe.test'}${route}`, {
        method,
        headers: {
          ...(o.cookie ? { cookie: o.cookie } : {}),
          ...(o.console ? { 'x-loupe-console': '1' } : {}),
          ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...o.headers,
        },
        body: o.body === undefined ? undefined : JSON.stringify(o.body),
      }),
    );
  const signIn = async (key: string, a = app, base?: string) => {
    const res = await send(a, 'POST', '/api/v1/session', { console: true, body: { ApiKey: key }, base });
    const setCookie = res.headers.get('set-cookie') ?? '';
    return { res, setCookie, cookie: setCookie.split(';')[0]! };
  };

  it('signs in with a key: the cookie is HttpOnly, SameSite=Strict, Path=/, and the body names the principal', async () => {
    const { res, setCookie } = await signIn(KEY_B);
    expect(res.status).toBe(200);
    const body: any = await res.json();
    expect(body.Principal).toBe(apiKeyPrincipal(KEY_B));
    expect(Date.parse(body.ExpireTime) - Date.now()).toBeGreaterThan(11.9 * 3600 * 1000);
    expect(setCookie).toMatch(/^loupe_session=[\w-]+\.[\w-]+; /);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Path=/');
    expect(setCookie).toMatch(/Max-Age=43\d\d\d/);
    expect(setCookie).not.toContain('Secure');
    expect(setCookie).not.toContain(KEY_B);
    // Over https the cookie is Secure.
    expect((await signIn(KEY_B, app, 'https://loupe.test')).setCookie).toContain('; Secure');
  });

  it('refuses a wrong key with a 401 that does not echo it, and a sign-in without the console header', async () => {
    const wrong = 'not-a-key-3e1f0a9b8c7d';
    const res = await send(app, 'POST', '/api/v1/session', { console: true, body: { ApiKey: wrong } });
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(await res.text()).not.toContain(wrong);
    const noHeader = await send(app, 'POST', '/api/v1/session', { body: { ApiKey: KEY_A } });
    expect(noHeader.status).toBe(403);
    expect(noHeader.headers.get('set-cookie')).toBeNull();
  });

  it('authenticates reads with the cookie, as the key\'s principal', async () => {
    const { cookie } = await signIn(KEY_A);
    const who = await send(app, 'GET', '/api/v1/session', { cookie });
    expect(who.status).toBe(200);
    expect(((await who.json()) as any).Principal).toBe(apiKeyPrincipal(KEY_A));
    expect((await send(app, 'GET', '/api/v1/datasets', { cookie })).status).toBe(200);
    expect((await send(app, 'GET', '/api/v1/session')).status).toBe(401);
  });

  it('takes a change made with the cookie only with x-loupe-console: 1', async () => {
    const { cookie } = await signIn(KEY_A);
    const body = { Name: 'via-cookie', Uri: `file://${dir}/` };
    const bare = await send(app, 'POST', '/api/v1/datasets', { cookie, body });
    expect(bare.status).toBe(403);
    expect(((await bare.json()) as any).Message).toMatch(/x-loupe-console: 1/);
    const withHeader = await send(app, 'POST', '/api/v1/datasets', { cookie, body, console: true });
    expect(withHeader.status).toBe(200);
    const id = ((await withHeader.json()) as any).DatasetId;
    const got = await send(app, 'GET', `/api/v1/datasets/${id}`, { cookie });
    expect(((await got.json()) as any).OwnerId).toBe(apiKeyPrincipal(KEY_A));
    expect((await send(app, 'DELETE', `/api/v1/datasets/${id}`, { cookie })).status).toBe(403);
    // The file routes (an <img> sends the cookie) take it: an unknown file is a 404, not a 401.
    expect((await send(app, 'GET', `/api/v1/datasets/${id}/datasetfilemetas/nope/thumbnail`, { cookie })).status).toBe(404);
  });

  it('prefers a presented key: a wrong key is a 401 even beside a good cookie', async () => {
    const { cookie } = await signIn(KEY_A);
    expect((await send(app, 'GET', '/api/v1/datasets', { cookie, headers: { authorization: 'Bearer wrong-key-000' } })).status).toBe(401);
  });

  it('refuses a tampered or foreign cookie', async () => {
    const { cookie } = await signIn(KEY_A);
    const [name, value] = cookie.split('=') as [string, string];
    const [body, mac] = value.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), exp: 4102444800 })).toString('base64url');
    for (const bad of [`${name}=${forged}.${mac}`, `${name}=${body}.${mac.slice(1)}x`, `${name}=garbage`, `${name}=`]) {
      const res = await send(app, 'GET', '/api/v1/session', { cookie: bad });
      expect(res.status, bad).toBe(401);
    }
  });

  it('ends a session when its key is revoked, and only its key\'s', async () => {
    const a = await signIn(KEY_A);
    const b = await signIn(KEY_B);
    const revoked = createApi(container, [KEY_A]);
    const res = await send(revoked, 'GET', '/api/v1/session', { cookie: b.cookie });
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).Message).toMatch(/no longer valid/);
    expect((await send(revoked, 'GET', '/api/v1/session', { cookie: a.cookie })).status).toBe(200);
  });

  it('expires', () => {
    let now = Date.parse('2025-06-01T00:00:00Z');
    const s = hmacSessions('secret', [KEY_A], { hours: 12, now: () => now });
    const { value, expires } = s.issue(KEY_A);
    expect(expires.toISOString()).toBe('2025-06-01T12:00:00.000Z');
    expect(s.open(value)).toMatchObject({ ok: true, principal: apiKeyPrincipal(KEY_A) });
    now += 12 * 3600 * 1000 - 1000;
    expect(s.open(value).ok).toBe(true);
    now += 1000;
    expect(s.open(value)).toEqual({ ok: false, reason: 'expired' });
    // Another server secret does not open it.
    expect(hmacSessions('other', [KEY_A], { hours: 12 }).open(value)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('signs out by clearing the cookie', async () => {
    const res = await send(app, 'DELETE', '/api/v1/session', { console: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/^loupe_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict/);
    expect((await send(app, 'DELETE', '/api/v1/session')).status).toBe(403);
  });

  it('lists the session routes in /openapi.json', async () => {
    const doc: any = await (await send(app, 'GET', '/openapi.json', { headers: { authorization: `Bearer ${KEY_A}` } })).json();
    expect(Object.keys(doc.paths['/api/v1/session']).sort()).toEqual(['delete', 'get', 'post']);
    expect(doc.components.securitySchemes.consoleSession).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'loupe_session' });
  });
});
