// Who made a resource (issue 11): PAI's identity fields filled from the request's principal — the
// AccessKey ID of an ACS3-signed request, `apikey-<12 hex of sha256(key)>` for an API key (either
// header). A connection's Creator (GetConnection, ListConnections and its Creator filter), a dataset's
// OwnerId and UserId (a given UserId is kept; absent, the creator fills it), the connection a job
// config makes for its apiKey; and neither the API key nor the AccessKey secret in any response, log
// line or error.
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../functions/api/index.js';
import { acs3Signature, canonicalRequest, parseAccessKeys } from '../../lib/http/acs3-signature.js';
import { apiKeyPrincipal } from '../../lib/http/auth.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { buildContainer, type Container } from '../../lib/runtime/container.js';
import { jsonLogger } from '../../lib/runtime/logger.js';

const KEY = 'principal-key-A-0b3c9d2e7f114a58';
const KEY2 = 'principal-key-B-6a1f0e9d8c7b5a43';
const AK = 'LTAIprincipal';
const AK_SECRET = 'ak-secret-principal-91c2d7e4';
const DS_KEY = 'sk-dashscope-principal-7e21';
const HOST = 'loupe.test';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe("PAI's identity fields from the request's principal", () => {
  let dir: string;
  let container: Container;
  let app: ReturnType<typeof createApi>;
  let uri: string;
  const texts: string[] = [];
  const logs: string[] = [];
  const P1 = `apikey-${sha256(KEY).slice(0, 12)}`;
  const P2 = `apikey-${sha256(KEY2).slice(0, 12)}`;

  const send = async (req: Request) => {
    const res = await app.fetch(req);
    const text = await res.text();
    texts.push(text, JSON.stringify([...res.headers]));
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  /** As a bearer key: `Authorization: Bearer` (default) or PAI's `x-acs-bearer-token`. */
  const withKey = (method: string, route: string, body?: unknown, opts: { key?: string; acs?: boolean } = {}) => {
    const key = opts.key ?? KEY;
    return send(
      new Request(`http://${HOST}${route}`, {
        method,
        headers: {
          ...(opts.acs ? { 'x-acs-bearer-token': key, 'x-acs-signature-type': 'BEARERTOKEN' } : { authorization: `Bearer ${key}` }),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
  };
  /** Signed with the AccessKey pair as darabonba-openapi signs (ACS3-HMAC-SHA256). */
  const signed = (method: string, route: string, body?: unknown) => {
    const payload = body === undefined ? '' : JSON.stringify(body);
    const headers = new Headers({
      host: HOST,
      'x-acs-action': 'Test',
      'x-acs-version': '2021-02-04',
      'x-acs-date': new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      'x-acs-signature-nonce': randomUUID(),
      'x-acs-content-sha256': sha256(payload),
      ...(body !== undefined ? { 'content-type': 'application/json; charset=utf-8' } : {}),
    });
    const q = route.indexOf('?');
    const names = [...headers.keys()].sort();
    const canonical = canonicalRequest(
      { method, rawPath: q < 0 ? route : route.slice(0, q), rawQuery: q < 0 ? '' : route.slice(q + 1), headers },
      names,
      headers.get('x-acs-content-sha256')!,
    );
    headers.set('authorization', `ACS3-HMAC-SHA256 Credential=${AK},SignedHeaders=${names.join(';')},Signature=${acs3Signature(AK_SECRET, canonical)}`);
    return send(new Request(`http://${HOST}${route}`, { method, headers, body: body === undefined ? undefined : payload }));
  };
  const ok = async <T extends { status: number; body: any }>(r: Promise<T>) => {
    const got = await r;
    expect(got.status, JSON.stringify(got.body)).toBe(200);
    return got.body;
  };
  const names = async (query: string) =>
    ((await ok(withKey('GET', `/api/v1/connections?${query}`))).Connections as Array<{ ConnectionName: string }>).map((c) => c.ConnectionName).sort();

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-principal-'));
    await mkdir(path.join(dir, 'files'));
    uri = `${pathToFileURL(path.join(dir, 'files')).href}/`;
    const config = loadConfig({
      LOUPE_DATA_DIR: path.join(dir, 'data'),
      LOUPE_FILE_ROOTS: dir,
      LOUPE_API_KEYS: `${KEY},${KEY2}`,
      LOUPE_ACCESS_KEYS: `${AK}:${AK_SECRET}`,
    });
    container = buildContainer(config, { log: jsonLogger('debug', (l) => logs.push(l)) });
    app = createApi(container, [KEY, KEY2]);
  });
  afterAll(async () => {
    await container.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("an API key's principal is apikey- and 12 hex digits of its sha256: stable, distinct per key, never the key", () => {
    expect(apiKeyPrincipal(KEY)).toBe(P1);
    expect(P1).toMatch(/^apikey-[0-9a-f]{12}$/);
    expect(apiKeyPrincipal(KEY2)).not.toBe(P1);
    expect(P1).not.toContain(KEY);
  });

  it("a connection's Creator: the API key's principal (either bearer header), or the AccessKey ID that signed it", async () => {
    const bearer = (await ok(withKey('POST', '/api/v1/connections', { ConnectionName: 'by-bearer', ConnectionType: 'DashScopeConnection', Secrets: { api_key: DS_KEY } }))).ConnectionId;
    const acs = (await ok(withKey('POST', '/api/v1/connections', { ConnectionName: 'by-acs-bearer', ConnectionType: 'CustomConnection', Configs: { a: 'b' } }, { acs: true }))).ConnectionId;
    const other = (await ok(withKey('POST', '/api/v1/connections', { ConnectionName: 'by-key2', ConnectionType: 'CustomConnection', Configs: { a: 'b' } }, { key: KEY2 }))).ConnectionId;
    const sig = (await ok(signed('POST', '/api/v1/connections', { ConnectionName: 'by-signature', ConnectionType: 'MilvusConnection', Configs: { uri: 'http://m:19530' } }))).ConnectionId;
    expect((await ok(withKey('GET', `/api/v1/connections/${bearer}`))).Creator).toBe(P1);
    expect((await ok(withKey('GET', `/api/v1/connections/${acs}`))).Creator).toBe(P1);
    expect((await ok(withKey('GET', `/api/v1/connections/${other}`))).Creator).toBe(P2);
    // whoever reads it: the creator is the one who made it
    expect((await ok(signed('GET', `/api/v1/connections/${bearer}`))).Creator).toBe(P1);
    expect((await ok(withKey('GET', `/api/v1/connections/${sig}`))).Creator).toBe(AK);
    // an update keeps it
    await ok(withKey('PUT', `/api/v1/connections/${sig}`, { Description: 'edited by another' }, { key: KEY2 }));
    expect((await ok(withKey('GET', `/api/v1/connections/${sig}`))).Creator).toBe(AK);
    const listed = (await ok(withKey('GET', '/api/v1/connections?MaxResults=100'))).Connections as Array<{ ConnectionName: string; Creator?: string }>;
    expect(Object.fromEntries(listed.map((c) => [c.ConnectionName, c.Creator]))).toMatchObject({ 'by-bearer': P1, 'by-acs-bearer': P1, 'by-key2': P2, 'by-signature': AK });
  });

  it('ListConnections filters by Creator (exact), alone and with other filters; no match is an empty page', async () => {
    expect(await names(`Creator=${P1}`)).toEqual(['by-acs-bearer', 'by-bearer']);
    expect(await names(`Creator=${P2}`)).toEqual(['by-key2']);
    expect(await names(`Creator=${AK}`)).toEqual(['by-signature']);
    expect(await names(`Creator=${P1}&ConnectionTypes=CustomConnection`)).toEqual(['by-acs-bearer']);
    expect(await names(`Creator=${P1.slice(0, -1)}`)).toEqual([]);
    expect(await names('Creator=nobody')).toEqual([]);
    // '' filters nothing (as an absent filter)
    expect((await names('Creator=')).length).toBeGreaterThanOrEqual(4);
    // as a signed request, too (the filter is in the signed query)
    const viaSignature = (await ok(signed('GET', `/api/v1/connections?Creator=${AK}`))).Connections as Array<{ ConnectionName: string }>;
    expect(viaSignature.map((c) => c.ConnectionName)).toEqual(['by-signature']);
    // paging keeps the filter (the NextToken is bound to it)
    const first = await ok(withKey('GET', `/api/v1/connections?Creator=${P1}&MaxResults=1`));
    expect([first.TotalCount, first.Connections.length]).toEqual([2, 1]);
    const second = await ok(withKey('GET', `/api/v1/connections?Creator=${P1}&MaxResults=1&NextToken=${encodeURIComponent(first.NextToken)}`));
    expect([...first.Connections, ...second.Connections].map((c: { ConnectionName: string }) => c.ConnectionName).sort()).toEqual(['by-acs-bearer', 'by-bearer']);
    const tooLong = await withKey('GET', `/api/v1/connections?Creator=${'x'.repeat(300)}`);
    expect([tooLong.status, tooLong.body.Field]).toEqual([400, 'Creator']);
  });

  it("a dataset's OwnerId is its creator; UserId is kept as given, else the creator", async () => {
    const byKey = (await ok(withKey('POST', '/api/v1/datasets', { Name: 'owned-by-key', Uri: uri }))).DatasetId;
    const bySig = (await ok(signed('POST', '/api/v1/datasets', { Name: 'owned-by-ak', Uri: uri }))).DatasetId;
    const forMember = (await ok(withKey('POST', '/api/v1/datasets', { Name: 'for-member', Uri: uri, UserId: '1511928242963727' }, { key: KEY2 }))).DatasetId;
    const logical = (await ok(signed('POST', '/api/v1/datasets', { Name: 'owned-logical', Edition: 'LOGICAL' }))).DatasetId;
    expect(await ok(withKey('GET', `/api/v1/datasets/${byKey}`))).toMatchObject({ OwnerId: P1, UserId: P1 });
    expect(await ok(withKey('GET', `/api/v1/datasets/${bySig}`))).toMatchObject({ OwnerId: AK, UserId: AK });
    expect(await ok(withKey('GET', `/api/v1/datasets/${forMember}`))).toMatchObject({ OwnerId: P2, UserId: '1511928242963727' });
    expect(await ok(signed('GET', `/api/v1/datasets/${logical}`))).toMatchObject({ OwnerId: AK, UserId: AK });
    // an update by someone else changes neither
    await ok(withKey('PUT', `/api/v1/datasets/${bySig}`, { Description: 'edited' }, { key: KEY2 }));
    expect(await ok(withKey('GET', `/api/v1/datasets/${bySig}`))).toMatchObject({ OwnerId: AK, UserId: AK, Description: 'edited' });
    const listed = (await ok(withKey('GET', '/api/v1/datasets?PageSize=100'))).Datasets as Array<{ Name: string; OwnerId?: string; UserId?: string }>;
    expect(Object.fromEntries(listed.map((d) => [d.Name, [d.OwnerId, d.UserId]]))).toMatchObject({
      'owned-by-key': [P1, P1],
      'owned-by-ak': [AK, AK],
      'for-member': [P2, '1511928242963727'],
    });
  });

  it("the connection a job config makes for its apiKey has the config's creator", async () => {
    const ds = (await ok(withKey('POST', '/api/v1/datasets', { Name: 'with-config', Uri: uri }))).DatasetId;
    const id = (await ok(signed('POST', `/api/v1/datasets/${ds}/datasetjobconfigs`, { ConfigType: 'MultimodalIntelligentTag', Config: JSON.stringify({ apiKey: DS_KEY }) }))).DatasetJobConfigId;
    const config = JSON.parse((await ok(withKey('GET', `/api/v1/datasets/${ds}/datasetjobconfigs/${id}`))).Config);
    expect(config.apiKey).toBe('******');
    expect((await ok(withKey('GET', `/api/v1/connections/${config.apiKeyConnectionId}`))).Creator).toBe(AK);
  });

  it('errors name no key: a wrong key or signature, a bad request', async () => {
    const wrong = await withKey('GET', '/api/v1/connections', undefined, { key: `${KEY}-not` });
    expect(wrong.status).toBe(401);
    expect(JSON.stringify(wrong.body)).not.toContain(`${KEY}-not`);
    const bad = await withKey('POST', '/api/v1/connections', { ConnectionName: 'bad', ConnectionType: 'MilvusConnection', Configs: { uri: 'nowhere' } });
    expect(bad.status).toBe(400);
    expect((await signed('POST', '/api/v1/datasets', { Name: 'no-uri' })).status).toBe(400);
  });

  it("an AccessKey ID may not pass for an API key's principal", () => {
    expect(() => parseAccessKeys(`${P1}:some-secret`)).toThrow(/may not start with 'apikey-'/);
    expect(() => parseAccessKeys('APIKEY-x:some-secret')).toThrow(/may not start with 'apikey-'/);
  });

  it('no response, header or log line carried an API key, the AccessKey secret, a DashScope key, or a full key hash', () => {
    expect(texts.length).toBeGreaterThan(30);
    expect(logs.some((l) => l.includes(P1))).toBe(true); // creations are logged with their creator
    for (const text of [...texts, ...logs]) {
      for (const secret of [KEY, KEY2, AK_SECRET, DS_KEY, sha256(KEY), sha256(KEY2), sha256(KEY).slice(0, 16)]) expect(text).not.toContain(secret);
    }
  });
});
