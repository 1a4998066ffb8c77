// Issue 10 #11 (names): a NUL, another control character or half a surrogate pair in a name or
// description is a 400 naming the field, on every route that stores one; free text keeps tabs and
// line breaks; a body that is not UTF-8 is a 400 instead of U+FFFD in a stored name. And, from the
// issue's "Also": a correctly signed but expired file URL says so.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../functions/api/index.js';
import { hmacUrlSigner } from '../../lib/http/auth.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { buildContainer, type Container } from '../../lib/runtime/container.js';
import { jsonLogger } from '../../lib/runtime/logger.js';

const KEY = 'sec-text-key-0123456789';
const BAD = { NUL: 'a\u0000b', ESC: 'red\u001b[31mcar', C1: 'x\u0085y', DEL: 'x\u007f', 'lone surrogate': 'x\ud800y' };

describe('#11 names and descriptions', () => {
  let dir: string;
  let container: Container;
  let app: ReturnType<typeof createApi>;
  let ds: string;

  const send = async (method: string, route: string, body?: string | Uint8Array, headers: Record<string, string> = {}) => {
    const res = await app.fetch(
      new Request(`http://loupe.test${route}`, {
        method,
        headers: { authorization: `Bearer ${KEY}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        body,
      }),
    );
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const call = (method: string, route: string, body?: unknown) => send(method, route, body === undefined ? undefined : JSON.stringify(body));

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-sec-text-'));
    await mkdir(path.join(dir, 'files'));
    const config = loadConfig({ LOUPE_DATA_DIR: path.join(dir, 'data'), LOUPE_FILE_ROOTS: dir, LOUPE_API_KEYS: KEY });
    container = buildContainer(config, { log: jsonLogger('silent') });
    app = createApi(container, [KEY]);
    const r = await call('POST', '/api/v1/datasets', { Name: 'plain', Uri: `${pathToFileURL(path.join(dir, 'files')).href}/` });
    expect(r.status).toBe(200);
    ds = r.body.DatasetId;
  });
  afterAll(async () => {
    await container.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Every stored name- or description-like field, as a request that sets it to `v`. */
  const FIELDS: Array<[field: string, method: string, route: () => string, body: (v: string) => unknown]> = [
    ['Name', 'POST', () => '/api/v1/datasets', (v) => ({ Name: v, Edition: 'LOGICAL' })],
    ['Description', 'POST', () => '/api/v1/datasets', (v) => ({ Name: 'n', Edition: 'LOGICAL', Description: v })],
    ['VersionDescription', 'POST', () => '/api/v1/datasets', (v) => ({ Name: 'n', Edition: 'LOGICAL', VersionDescription: v })],
    ['Uri', 'POST', () => '/api/v1/datasets', (v) => ({ Name: 'n', Uri: v })],
    ['Name', 'PUT', () => `/api/v1/datasets/${ds}`, (v) => ({ Name: v })],
    ['Description', 'PUT', () => `/api/v1/datasets/${ds}`, (v) => ({ Description: v })],
    ['Description', 'POST', () => `/api/v1/datasets/${ds}/versions`, (v) => ({ Description: v })],
    ['Description', 'PUT', () => `/api/v1/datasets/${ds}/versions/v1`, (v) => ({ Description: v })],
    ['Description', 'POST', () => `/api/v1/datasets/${ds}/datasetjobs`, (v) => ({ DatasetVersion: 'v1', JobAction: 'FileMetaBuild', Description: v })],
    ['ConnectionName', 'POST', () => '/api/v1/connections', (v) => ({ ConnectionName: v, ConnectionType: 'OpenLLMConnection' })],
    ['Configs.BaseUrl', 'POST', () => '/api/v1/connections', (v) => ({ ConnectionName: 'c', ConnectionType: 'OpenLLMConnection', Configs: { BaseUrl: v } })],
    ['Models.0.Model', 'POST', () => '/api/v1/connections', (v) => ({ ConnectionName: 'c', ConnectionType: 'OpenLLMConnection', Models: [{ Model: v }] })],
    ['Name', 'POST', () => '/api/v1/tagdefinitions', (v) => ({ Name: v, Tags: [{ Name: 'x' }] })],
    ['GuidePrompt', 'POST', () => '/api/v1/tagdefinitions', (v) => ({ Name: 'n', GuidePrompt: v, Tags: [{ Name: 'x' }] })],
    ['Tags.0.Name', 'POST', () => '/api/v1/tagdefinitions', (v) => ({ Name: 'n', Tags: [{ Name: v }] })],
    ['Tags.0.Description', 'POST', () => '/api/v1/tagdefinitions', (v) => ({ Name: 'n', Tags: [{ Name: 'x', Description: v }] })],
    ['Tags.0.Values.0', 'POST', () => '/api/v1/tagdefinitions', (v) => ({ Name: 'n', Tags: [{ Name: 'x', Values: [v] }] })],
    [
      'DatasetFileMetas.0.Tags.user.add.0',
      'PUT',
      () => `/api/v1/datasets/${ds}/datasetfilemetas`,
      (v) => ({ DatasetFileMetas: [{ DatasetFileMetaId: 'm', Tags: { user: { add: [v] } } }] }),
    ],
    // PAI's form: the tags inside a JSON-encoded string obey the same rule
    [
      'DatasetFileMetas.0.Tags.user.add.0',
      'PUT',
      () => `/api/v1/datasets/${ds}/datasetfilemetas`,
      (v) => ({ DatasetFileMetas: [{ DatasetFileMetaId: 'm', Tags: JSON.stringify({ user: { add: [v] } }) }] }),
    ],
    ['DatasetFileMetas.0.Comment', 'PUT', () => `/api/v1/datasets/${ds}/datasetfilemetas`, (v) => ({ DatasetFileMetas: [{ DatasetFileMetaId: 'm', Comment: v }] })],
    [
      'DatasetFileMetas.0.Tags.user.add.0',
      'POST',
      () => `/api/v1/datasets/${ds}/datasetfilemetas`,
      (v) => ({
        DatasetFileMetas: [{ Uri: 'file:///x/a.png', ContentType: 'image/png', FileType: 'image', FileFingerPrint: 'e', FileUpdateTime: '2025-01-01T00:00:00Z', Tags: JSON.stringify({ user: { add: [v] } }) }],
      }),
    ],
  ];

  it('#11 a NUL, control character or lone surrogate in any name or description is a 400 naming the field', async () => {
    for (const [field, method, route, body] of FIELDS) {
      for (const [what, value] of Object.entries(BAD)) {
        const r = await call(method, route(), body(value));
        expect(r.status, `${method} ${route()} ${field} with ${what}: ${JSON.stringify(r.body)}`).toBe(400);
        expect(r.body.Field, `${field} with ${what}`).toBe(field);
        expect(r.body.Message).toMatch(what === 'lone surrogate' ? /unpaired surrogate/ : /control character/);
      }
    }
    // Nothing was stored.
    const listed = await call('GET', '/api/v1/datasets');
    expect(listed.body.Datasets.map((d: any) => d.Name)).toEqual(['plain']);
  });

  it('#11 free text keeps tabs and line breaks; names do not take them; other scripts and emoji are fine', async () => {
    const ok = await call('POST', '/api/v1/datasets', { Name: '蓝色汽车 🚗 café', Edition: 'LOGICAL', Description: 'line one\n\tline two\r\n' });
    expect(ok.status).toBe(200);
    expect((await call('GET', `/api/v1/datasets/${ok.body.DatasetId}`)).body).toMatchObject({ Name: '蓝色汽车 🚗 café', Description: 'line one\n\tline two\r\n' });
    const tabbed = await call('POST', '/api/v1/datasets', { Name: 'a\tb', Edition: 'LOGICAL' });
    expect(tabbed.status).toBe(400);
    expect(tabbed.body.Field).toBe('Name');
  });

  it('#11 text inside a JobSpec (a logical version’s description, ids, model names, the export folder) obeys the same rule, naming JobSpec.<field>', async () => {
    const job = (JobAction: string, JobSpec: Record<string, unknown>) => call('POST', `/api/v1/datasets/${ds}/datasetjobs`, { DatasetVersion: 'v1', JobAction, JobSpec });
    const logical = { target: 'logical', logicalDatasetId: 'ld-none' };
    const tag = { connectionId: 'c', tagDefinitionId: 't' };
    const SPEC_FIELDS: Array<[field: string, action: string, spec: (v: string) => Record<string, unknown>]> = [
      ['versionDescription', 'FileMetaExport', (v) => ({ ...logical, versionDescription: v })],
      ['logicalDatasetId', 'FileMetaExport', (v) => ({ ...logical, logicalDatasetId: v })],
      ['uri', 'FileMetaExport', (v) => ({ target: 'file', format: 'manifest', uri: `${pathToFileURL(path.join(dir, 'out')).href}/${v}/` })],
      ['modelName', 'IntelligentTag', (v) => ({ ...tag, modelName: v })],
      ['connectionId', 'IntelligentTag', (v) => ({ ...tag, connectionId: v })],
      ['tagDefinitionId', 'IntelligentTag', (v) => ({ ...tag, tagDefinitionId: v })],
      ['modelName', 'SemanticIndex', (v) => ({ modelName: v })],
      ['embeddingConnectionId', 'SemanticIndex', (v) => ({ embeddingConnectionId: v })],
      ['vectorConnectionId', 'SemanticIndex', (v) => ({ vectorConnectionId: v })],
      // PAI's keys (the above are Loupe's earlier spellings, still accepted)
      ['modelId', 'IntelligentTag', (v) => ({ intelligentTagConnectionId: 'c', promptId: 't', modelId: v })],
      ['intelligentTagConnectionId', 'IntelligentTag', (v) => ({ promptId: 't', intelligentTagConnectionId: v })],
      ['promptId', 'IntelligentTag', (v) => ({ intelligentTagConnectionId: 'c', promptId: v })],
      ['modelId', 'SemanticIndex', (v) => ({ modelId: v })],
      ['embeddingModel', 'SemanticIndex', (v) => ({ embeddingModel: v })],
      ['databaseConnectionId', 'SemanticIndex', (v) => ({ databaseConnectionId: v })],
      ['intelligentTagJobId', 'IntelligentTagRevert', (v) => ({ intelligentTagJobId: v })],
    ];
    for (const [field, action, spec] of SPEC_FIELDS) {
      for (const [what, value] of Object.entries(BAD)) {
        const r = await job(action, spec(value));
        expect(r.status, `${action} ${field} with ${what}: ${JSON.stringify(r.body)}`).toBe(400);
        expect(r.body.Field, `${action} ${field} with ${what}`).toBe(`JobSpec.${field}`);
        expect(r.body.Message).toMatch(what === 'lone surrogate' ? /unpaired surrogate/ : /control character/);
      }
    }
    // A description keeps its layout, as everywhere: the version an export makes gets it as written.
    const target = (await call('POST', '/api/v1/datasets', { Name: 'picked', Edition: 'LOGICAL' })).body.DatasetId;
    const ok = await job('FileMetaExport', { target: 'logical', logicalDatasetId: target, versionDescription: 'picked by hand\n\tround two' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
  });

  it('#11 a body that is not UTF-8 is a 400, never stored with U+FFFD', async () => {
    const latin1 = Buffer.concat([Buffer.from('{"Name":"caf'), Buffer.from([0xe9]), Buffer.from('","Edition":"LOGICAL"}')]);
    const r = await send('POST', '/api/v1/datasets', latin1);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ Code: 'InvalidParameter', Field: 'body' });
    expect(r.body.Message).toMatch(/UTF-8/);
    // A JSON escape of half a surrogate pair is caught by the field rule.
    const escaped = await send('POST', '/api/v1/datasets', '{"Name":"x\\udc80","Edition":"LOGICAL"}');
    expect(escaped.status).toBe(400);
    expect(escaped.body.Field).toBe('Name');
  });

  it('a correctly signed but expired file URL answers 403 saying it expired; a forged one 401 without saying so', async () => {
    const route = `/api/v1/datasets/${ds}/datasetfilemetas/someid/download`;
    const twoHoursAgo = hmacUrlSigner(KEY, () => Date.now() - 2 * 3600_000);
    const expired = await app.fetch(new Request(`http://loupe.test${twoHoursAgo.sign(route)}`));
    expect(expired.status).toBe(403);
    const body = (await expired.json()) as any;
    expect(body).toMatchObject({ Code: 'Forbidden', RequestId: expect.any(String) });
    expect(body.Message).toMatch(/expired/);

    const forged = await app.fetch(new Request(`http://loupe.test${hmacUrlSigner('another-key-0123456789', () => Date.now() - 2 * 3600_000).sign(route)}`));
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as any).Message).not.toMatch(/has expired/);
  });
});
