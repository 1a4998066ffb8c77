// Issue 11 #1 (auth) at the HTTP layer: PAI's bearer header, ACS3-HMAC-SHA256 signatures checked
// against the body actually received, replayed nonces, and `Authorization: Bearer` still working.
// The signature algorithm itself is judged by the real Python SDK (test/unit/acs3-signature.test.ts,
// test/pai-sdk/auth.test.ts); here requests are signed with the verifier's own canonical request.
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../functions/api/index.js';
import { acs3Signature, canonicalRequest } from '../../lib/http/acs3-signature.js';
import { ConfigError, loadConfig } from '../../lib/runtime/config.js';
import { buildContainer, type Container } from '../../lib/runtime/container.js';
import { jsonLogger } from '../../lib/runtime/logger.js';

const KEY = 'sec-acs3-key-0123456789';
const AK = 'LTAIsecacs3';
const SECRET = 'sec-acs3-secret-0123456789';
const HOST = 'loupe.test';

describe('#1 authentication for PAI SDKs', () => {
  let dir: string;
  let container: Container;
  let app: ReturnType<typeof createApi>;
  let uri: string;

  /** A request signed as darabonba-openapi signs it; `sentBody` lets the bytes differ from the signed ones. */
  function signed(method: string, route: string, opts: { body?: string; sentBody?: string; nonce?: string; date?: Date; secret?: string } = {}) {
    const body = opts.body ?? '';
    const headers = new Headers({
      host: HOST,
      'x-acs-action': 'Test',
      'x-acs-version': '2021-02-04',
      'x-acs-date': (opts.date ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      'x-acs-signature-nonce': opts.nonce ?? randomUUID(),
      'x-acs-content-sha256': createHash('sha256').update(body).digest('hex'),
      ...(opts.body !== undefined ? { 'content-type': 'application/json; charset=utf-8' } : {}),
    });
    const q = route.indexOf('?');
    const signedHeaders = [...headers.keys()].sort();
    const canonical = canonicalRequest(
      { method, rawPath: q < 0 ? route : route.slice(0, q), rawQuery: q < 0 ? '' : route.slice(q + 1), headers },
      signedHeaders,
      headers.get('x-acs-content-sha256')!,
    );
    headers.set('authorization', `ACS3-HMAC-SHA256 Credential=${AK},SignedHeaders=${signedHeaders.join(';')},Signature=${acs3Signature(opts.secret ?? SECRET, canonical)}`);
    return new Request(`http://${HOST}${route}`, { method, headers, body: opts.sentBody ?? opts.body });
  }
  const send = async (req: Request) => {
    const res = await app.fetch(req);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-sec-acs3-'));
    await mkdir(path.join(dir, 'files'));
    uri = `${pathToFileURL(path.join(dir, 'files')).href}/`;
    const config = loadConfig({ LOUPE_DATA_DIR: path.join(dir, 'data'), LOUPE_FILE_ROOTS: dir, LOUPE_API_KEYS: KEY, LOUPE_ACCESS_KEYS: `${AK}:${SECRET}` });
    container = buildContainer(config, { log: jsonLogger('silent') });
    app = createApi(container, [KEY]);
  });
  afterAll(async () => {
    await container.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('#1 x-acs-bearer-token is an API key, with or without x-acs-signature-type', async () => {
    const get = (headers: Record<string, string>) => send(new Request(`http://${HOST}/api/v1/datasets`, { headers }));
    expect((await get({ 'x-acs-bearer-token': KEY, 'x-acs-signature-type': 'BEARERTOKEN' })).status).toBe(200);
    expect((await get({ 'x-acs-bearer-token': KEY })).status).toBe(200);
    expect(await get({ 'x-acs-bearer-token': 'nope', 'x-acs-signature-type': 'BEARERTOKEN' })).toMatchObject({ status: 401, body: { Code: 'Unauthorized' } });
    expect((await get({ authorization: `Bearer ${KEY}` })).status).toBe(200);
  });

  it('#1 a signed GET and a signed POST are accepted', async () => {
    expect((await send(signed('GET', '/api/v1/datasets?MaxResults=5'))).status).toBe(200);
    const created = await send(signed('POST', '/api/v1/datasets', { body: JSON.stringify({ Name: 'signed', Uri: uri }) }));
    expect(created.status).toBe(200);
    expect(created.body.DatasetId).toBeTruthy();
  });

  it('#1 a body that is not the one the signature vouches for is 401 SignatureDoesNotMatch', async () => {
    const r = await send(signed('POST', '/api/v1/datasets', { body: JSON.stringify({ Name: 'a', Uri: uri }), sentBody: JSON.stringify({ Name: 'b', Uri: uri }) }));
    expect(r).toMatchObject({ status: 401, body: { Code: 'SignatureDoesNotMatch' } });
    expect(r.body.RequestId).toBeTruthy();
  });

  it('#1 wrong secret, unknown key, stale date and a replayed nonce are 401 with PAI codes', async () => {
    expect(await send(signed('GET', '/api/v1/datasets', { secret: 'wrong' }))).toMatchObject({ status: 401, body: { Code: 'SignatureDoesNotMatch' } });
    const stranger = signed('GET', '/api/v1/datasets');
    stranger.headers.set('authorization', stranger.headers.get('authorization')!.replace(AK, 'LTAIstranger'));
    expect(await send(stranger)).toMatchObject({ status: 401, body: { Code: 'InvalidAccessKeyId.NotFound' } });
    const stale = new Date(Date.now() - 16 * 60_000);
    expect(await send(signed('GET', '/api/v1/datasets', { date: stale }))).toMatchObject({ status: 401, body: { Code: 'InvalidTimeStamp.Expired' } });
    const nonce = randomUUID();
    expect((await send(signed('GET', '/api/v1/datasets', { nonce }))).status).toBe(200);
    expect(await send(signed('GET', '/api/v1/datasets', { nonce }))).toMatchObject({ status: 401, body: { Code: 'SignatureNonceUsed' } });
  });

  it('#1 no refusal quotes the AccessKey secret', async () => {
    const r = await send(signed('GET', '/api/v1/datasets', { secret: 'wrong' }));
    expect(JSON.stringify(r.body)).not.toContain(SECRET);
  });

  it('#1 a malformed LOUPE_ACCESS_KEYS stops start-up without echoing its value', () => {
    const bad = 'LTAIonly-an-id-but-secretish';
    expect(() => loadConfig({ LOUPE_ACCESS_KEYS: bad, LOUPE_FILE_ROOTS: dir })).toThrow(ConfigError);
    try {
      loadConfig({ LOUPE_ACCESS_KEYS: bad, LOUPE_FILE_ROOTS: dir });
    } catch (e) {
      expect((e as Error).message).toContain('LOUPE_ACCESS_KEYS');
      expect((e as Error).message).not.toContain(bad);
    }
  });
});
