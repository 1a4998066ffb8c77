// The HTTP API in-process (no workers): auth, validation errors naming the field, 404/409, OpenAPI.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../functions/api/index.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { buildContainer, type Container } from '../../lib/runtime/container.js';
import { jsonLogger } from '../../lib/runtime/logger.js';

const KEY = 'test-key-0123456789';

describe('HTTP API', () => {
  let dir: string;
  let container: Container;
  let app: ReturnType<typeof createApi>;
  let logs: string[];
  let filesUri: string;
  const call = async (method: string, route: string, body?: unknown, auth: string | null = KEY) => {
    const res = await app.fetch(
      new Request(`http://loupe.test${route}`, {
        method,
        headers: { ...(auth ? { authorization: `Bearer ${auth}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      }),
    );
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-api-'));
    await mkdir(path.join(dir, 'files', 'sub'), { recursive: true });
    await writeFile(path.join(dir, 'files', 'sub', 'a.txt'), 'not an image');
    filesUri = pathToFileURL(path.join(dir, 'files')).href;
    logs = [];
    const config = loadConfig({ LOUPE_DATA_DIR: path.join(dir, 'data'), LOUPE_FILE_ROOTS: dir, LOUPE_API_KEYS: KEY });
    container = buildContainer(config, { log: jsonLogger('info', (l) => logs.push(l)) });
    app = createApi(container, [KEY]);
  });
  afterAll(async () => {
    await container.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers /healthz without a key and everything else only with one', async () => {
    expect((await call('GET', '/healthz', undefined, null)).status).toBe(200);
    const missing = await call('GET', '/api/v1/datasets', undefined, null);
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ Code: 'Unauthorized', RequestId: expect.any(String) });
    expect((await call('GET', '/api/v1/datasets', undefined, 'wrong')).status).toBe(401);
    expect((await call('GET', '/openapi.json', undefined, null)).status).toBe(401);
  });

  it('serves an OpenAPI document generated from the route schemas', async () => {
    const doc = await call('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/datasets',
        '/api/v1/datasets/{DatasetId}/datasetfilemetas',
        '/api/v1/datasets/{DatasetId}/datasetjobs/{DatasetJobId}/action/stop',
        '/api/v1/statistics/datasets/{DatasetId}/datasetfilemetas',
      ]),
    );
    expect(doc.body.components.schemas.DatasetFileMeta.properties).toHaveProperty('MetaAttributes');
    // the ways in: a Loupe API key in either header, a PAI SDK's ACS3 signature, or the console's session cookie
    expect(doc.body.security).toEqual([{ bearer: [] }, { acsBearerToken: [] }, { acs3: [] }, { consoleSession: [] }]);
    expect(doc.body.components.securitySchemes.acsBearerToken).toMatchObject({ type: 'apiKey', in: 'header', name: 'x-acs-bearer-token' });
    expect(doc.body.components.securitySchemes.acs3.description).toContain('ACS3-HMAC-SHA256');
  });

  it('creates, reads, pages, updates and deletes datasets and versions', async () => {
    const a = await call('POST', '/api/v1/datasets', { Name: 'a', Uri: filesUri });
    expect(a.status).toBe(200);
    const got = await call('GET', `/api/v1/datasets/${a.body.DatasetId}`);
    expect(got.body).toMatchObject({ Name: 'a', Edition: 'BASIC', DataType: 'COMMON', DataSourceType: 'NAS', Uri: `${filesUri}/`, LatestVersion: { VersionName: 'v1' } });
    expect(got.body).not.toHaveProperty('Versions');
    const v2 = await call('POST', `/api/v1/datasets/${a.body.DatasetId}/versions`, { Description: 'second' });
    expect(v2.body.VersionName).toBe('v2');
    expect((await call('GET', `/api/v1/datasets/${a.body.DatasetId}/versions`)).body.TotalCount).toBe(2);
    expect((await call('PUT', `/api/v1/datasets/${a.body.DatasetId}`, { Description: 'new' })).status).toBe(200);
    expect((await call('GET', `/api/v1/datasets/${a.body.DatasetId}`)).body.Description).toBe('new');
    expect((await call('DELETE', `/api/v1/datasets/${a.body.DatasetId}/versions/v2`)).status).toBe(200);
    expect((await call('GET', `/api/v1/datasets/${a.body.DatasetId}/versions/v2`)).status).toBe(404);
    await call('POST', '/api/v1/datasets', { Name: 'b', Uri: filesUri });
    const page = await call('GET', '/api/v1/datasets?MaxResults=1');
    expect(page.body.Datasets).toHaveLength(1);
    expect(page.body.TotalCount).toBeGreaterThanOrEqual(2);
    expect((await call('GET', `/api/v1/datasets?MaxResults=1&NextToken=${page.body.NextToken}`)).body.Datasets[0].DatasetId).not.toBe(
      page.body.Datasets[0].DatasetId,
    );
    expect((await call('DELETE', `/api/v1/datasets/${a.body.DatasetId}`)).status).toBe(200);
    expect((await call('GET', `/api/v1/datasets/${a.body.DatasetId}`)).status).toBe(404);
  });

  it.each([
    ['a missing field', { Uri: 'file:///tmp/' }, 'Name'],
    ['a wrong type', { Name: 5, Uri: 'file:///tmp/' }, 'Name'],
    ['an unknown scheme', { Name: 'x', Uri: 'ftp://host/x/' }, 'Uri'],
    // Inside the allowed folder (a folder outside it is refused before anyone looks: a 403, whether it exists or not).
    ['a folder that does not exist', { Name: 'x', get Uri() { return pathToFileURL(path.join(dir, 'no', 'such', 'folder')).href + '/'; } }, 'Uri'],
    ['not a URI', { Name: 'x', Uri: 'just words' }, 'Uri'],
    ['a bad edition', { Name: 'x', Uri: 'file:///tmp/', Edition: 'GOLD' }, 'Edition'],
  ])('CreateDataset with %s is a 400 naming the field', async (_what, body, field) => {
    const r = await call('POST', '/api/v1/datasets', body);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ Code: 'InvalidParameter', Field: field, RequestId: expect.any(String) });
    expect(r.body.Message).toContain(field);
  });

  it('a malformed JSON body is a 400, never a stack trace', async () => {
    const r = await call('POST', '/api/v1/datasets', '{"Name": ');
    expect(r.status).toBe(400);
    expect(r.text).not.toMatch(/at .*\.ts:\d+/);
  });

  it('validates jobs: action, spec and ids', async () => {
    const ds = (await call('POST', '/api/v1/datasets', { Name: 'jobs', Uri: filesUri })).body.DatasetId;
    const bad = async (body: unknown, field: string) => {
      const r = await call('POST', `/api/v1/datasets/${ds}/datasetjobs`, body);
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.Field).toBe(field);
    };
    await bad({ DatasetVersion: 'v1', JobAction: 'Explode' }, 'JobAction');
    await bad({ DatasetVersion: 'v1', JobAction: 'FileMetaBuild', JobMode: 'Sometimes' }, 'JobMode');
    await bad({ DatasetVersion: 'v1', JobAction: 'FileMetaBuild', JobSpec: '{not json' }, 'JobSpec');
    await bad({ DatasetVersion: 'v1', JobAction: 'FileMetaBuild', JobSpec: { verify: 'thoroughly' } }, 'JobSpec.verify');
    await bad({ DatasetVersion: 'v1', JobAction: 'FileMetaBuild', JobSpec: { surprise: 1 } }, 'JobSpec');
    await bad({ DatasetVersion: 'v1', JobAction: 'FileMetaImport', JobSpec: { manifestUri: 'file:///x/', importMode: 'merge' } }, 'JobSpec.importMode');
    expect((await call('POST', `/api/v1/datasets/${ds}/datasetjobs`, { DatasetVersion: 'v9', JobAction: 'FileMetaBuild' })).status).toBe(404);
    expect((await call('POST', `/api/v1/datasets/d-nope/datasetjobs`, { DatasetVersion: 'v1', JobAction: 'FileMetaBuild' })).status).toBe(404);
    expect((await call('GET', `/api/v1/datasets/${ds}/datasetjobs/job-nope`)).status).toBe(404);

    const ok = await call('POST', `/api/v1/datasets/${ds}/datasetjobs`, { DatasetVersion: 'v1', JobAction: 'FileMetaBuild' });
    expect(ok.status).toBe(200);
    // one FileMetaBuild at a time per version
    const second = await call('POST', `/api/v1/datasets/${ds}/datasetjobs`, { DatasetVersion: 'v1', JobAction: 'FileMetaBuild' });
    expect(second.status).toBe(409);
    expect(second.body.Message).toContain(ok.body.DatasetJobId);
    const job = await call('GET', `/api/v1/datasets/${ds}/datasetjobs/${ok.body.DatasetJobId}`);
    expect(job.body).toMatchObject({ Status: 'Pending', JobAction: 'FileMetaBuild', JobMode: 'Full', JobSpec: '{"verify":"header","batchSize":200}', WorkspaceId: '' });
    // no workers here: the job waits; stopping works, stopping twice is a conflict
    expect((await call('PUT', `/api/v1/datasets/${ds}/datasetjobs/${ok.body.DatasetJobId}/action/stop`)).status).toBe(200);
    expect((await call('GET', `/api/v1/datasets/${ds}/datasetjobs/${ok.body.DatasetJobId}`)).body.Status).toBe('ManuallyStop');
    expect((await call('PUT', `/api/v1/datasets/${ds}/datasetjobs/${ok.body.DatasetJobId}/action/stop`)).status).toBe(409);
    const list = await call('GET', `/api/v1/datasets/${ds}/datasetjobs?Status=ManuallyStop`);
    expect(list.body.DatasetJobs.map((j: any) => j.DatasetJobId)).toEqual([ok.body.DatasetJobId]);
  });

  it('validates file meta queries', async () => {
    const ds = (await call('POST', '/api/v1/datasets', { Name: 'q', Uri: filesUri })).body.DatasetId;
    const q = (qs: string) => call('GET', `/api/v1/datasets/${ds}/datasetfilemetas?${qs}`);
    expect((await q('MaxResults=0')).body.Field).toBe('MaxResults');
    expect((await q('MaxResults=5000')).body.Field).toBe('MaxResults');
    expect((await q('SortBy=Color')).body.Field).toBe('SortBy');
    expect((await q('StartFileUpdateTime=yesterday')).body.Field).toBe('StartFileUpdateTime');
    expect((await q('ThumbnailMode=m_zoom,w_5')).body.Field).toBe('ThumbnailMode');
    expect((await q('Status=GONE')).body.Field).toBe('Status');
    expect((await q('NextToken=garbage')).body.Field).toBe('NextToken');
    expect((await q('DatasetVersion=v7')).status).toBe(404);
    expect((await q('')).status).toBe(200);
    expect((await call('GET', `/api/v1/datasets/${ds}/datasetfilemetas/0123`)).status).toBe(404);
    expect((await call('GET', '/api/v1/nothing-here')).status).toBe(404);
  });
});
