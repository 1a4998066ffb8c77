// Datasets, versions, labels and PublishDataset with every PAI field (issue 11): PAI's defaults, the
// fields stored and returned, ListDatasets/ListDatasetVersions filters, sorting and page-number paging,
// WorkspaceId isolation, the 400s for what Loupe cannot honour, and migration 9 over an old database.
import Database from 'better-sqlite3';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../functions/api/index.js';
import { SqliteMetaStore } from '../../lib/adapters/metastore/sqlite-meta-store.js';
import { SQLITE_MIGRATIONS } from '../../lib/adapters/metastore/sqlite-migrations.js';
import { apiKeyPrincipal } from '../../lib/http/auth.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { buildContainer, type Container } from '../../lib/runtime/container.js';
import { jsonLogger } from '../../lib/runtime/logger.js';
import { runFileMetaBuildByHand } from '../support/drain-queue.js';
import { tinyPng } from '../support/generate-images.js';
import { inProcessApi, type ApiCall } from '../support/in-process-api.js';

const KEY = 'test-key-0123456789';

describe('PAI datasets, versions and labels', () => {
  let dir: string;
  let container: Container;
  let app: ReturnType<typeof createApi>;
  let filesUri: string;
  let otherUri: string;
  const call: ApiCall = (method, route, body) => inProcessApi(app, KEY)(method, route, body);
  const qs = (q: Record<string, string | number>) => `?${new URLSearchParams(Object.entries(q).map(([k, v]): [string, string] => [k, String(v)]))}`;
  const create = async (body: Record<string, unknown>) => {
    const r = await call('POST', '/api/v1/datasets', { Uri: filesUri, ...body });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.DatasetId as string;
  };
  const refused = async (r: Promise<{ status: number; body: any }>, field: string, message?: RegExp) => {
    const got = await r;
    expect(got.status, JSON.stringify(got.body)).toBe(400);
    expect(got.body).toMatchObject({ Code: 'InvalidParameter', Field: field });
    if (message) expect(got.body.Message).toMatch(message);
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-pai-ds-'));
    await mkdir(path.join(dir, 'files'), { recursive: true });
    await mkdir(path.join(dir, 'other'), { recursive: true });
    for (let i = 0; i < 3; i++) await writeFile(path.join(dir, 'files', `img_${i}.png`), tinyPng(i, 8 + i * 8, 8));
    await writeFile(path.join(dir, 'files', 'notes.txt'), 'not an image: SKIPPED, counted nowhere');
    filesUri = pathToFileURL(path.join(dir, 'files')).href;
    otherUri = pathToFileURL(path.join(dir, 'other')).href;
    const config = loadConfig({ LOUPE_DATA_DIR: path.join(dir, 'data'), LOUPE_FILE_ROOTS: dir, LOUPE_API_KEYS: KEY });
    container = buildContainer(config, { log: jsonLogger('error', () => {}) });
    app = createApi(container, [KEY]);
  });
  afterAll(async () => {
    await container.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("creates with PAI's defaults: BASIC, COMMON, DIRECTORY, PRIVATE, USER, the data source type from the Uri, v1 as LatestVersion", async () => {
    const id = await create({ Name: 'defaults' });
    const got = await call('GET', `/api/v1/datasets/${id}`);
    expect(got.body).toMatchObject({
      DatasetId: id,
      WorkspaceId: '',
      Name: 'defaults',
      Edition: 'BASIC',
      DataType: 'COMMON',
      DataSourceType: 'NAS',
      Property: 'DIRECTORY',
      Accessibility: 'PRIVATE',
      SourceType: 'USER',
      Labels: [],
      AccessibleRoleIdList: [],
      MountAccessReadWriteRoleIdList: [],
      IsShared: false,
      Uri: `${filesUri}/`,
      LatestVersion: { VersionName: 'v1', DataSourceType: 'NAS', Property: 'DIRECTORY', DataCount: 0, DataSize: 0, Labels: [], SourceType: 'USER' },
    });
    // empty optional strings are absent, as PAI's; nothing Loupe cannot fill honestly is made up
    for (const k of ['Options', 'ImportInfo', 'Provider', 'ProviderType', 'SourceId', 'SharingConfig', 'Versions']) {
      expect(got.body).not.toHaveProperty(k);
    }
    // who made it: the API key's principal (never the key) is the OwnerId, and the UserId when none is given
    expect(got.body).toMatchObject({ OwnerId: apiKeyPrincipal(KEY), UserId: apiKeyPrincipal(KEY) });
    expect(JSON.stringify(got.body)).not.toContain(KEY);
    // PIC and ADVANCED are taken, and an explicit NAS agrees with a file:// Uri (a mounted filesystem)
    const pic = await create({ Name: 'pic', DataType: 'PIC', Edition: 'ADVANCED', DataSourceType: 'NAS', Property: 'DIRECTORY' });
    expect((await call('GET', `/api/v1/datasets/${pic}`)).body).toMatchObject({ DataType: 'PIC', Edition: 'ADVANCED', DataSourceType: 'NAS' });
    // LOGICAL: no Uri, no version yet (so no LatestVersion), no data source unless given
    const logical = await call('POST', '/api/v1/datasets', { Name: 'logical', Edition: 'LOGICAL' });
    const lg = await call('GET', `/api/v1/datasets/${logical.body.DatasetId}`);
    expect(lg.body).toMatchObject({ Edition: 'LOGICAL', Uri: '' });
    expect(lg.body).not.toHaveProperty('LatestVersion');
    expect(lg.body).not.toHaveProperty('DataSourceType');
  });

  it('stores and returns every descriptive PAI field, on the dataset and on v1; DataCount/DataSize given are ignored', async () => {
    const id = await create({
      Name: 'described',
      WorkspaceId: 'ws-described',
      Description: 'all of it',
      Labels: [{ Key: 'team', Value: 'vision' }, { Key: 'stage', Value: 'raw' }, { Key: 'team', Value: 'cv' }],
      Options: '{"mountPath":"/mnt/data/"}',
      ImportInfo: '{"region":"cn-hangzhou","bucket":"b","path":"p/"}',
      Accessibility: 'ROLE_PUBLIC',
      AccessibleRoleIdList: ['PAI.AlgoOperator'],
      MountAccessReadWriteRoleIdList: ['*'],
      Provider: 'me',
      ProviderType: 'Ecs',
      SourceType: 'ITAG',
      SourceId: 'itag-task-1',
      SourceDatasetId: 'd-source',
      SourceDatasetVersion: 'v3',
      UserId: '1511928242963727',
      VersionDescription: 'first',
      VersionLabels: [{ Key: 'split', Value: 'train' }],
      DatasetTaskRamRole: 'acs:ram::1:role/x',
      UserMetricsEndpoints: [{ Path: '/metrics', Port: 9090 }],
      DataCount: 999,
      DataSize: 123456,
    });
    const got = (await call('GET', `/api/v1/datasets/${id}?WorkspaceId=ws-described`)).body;
    expect(got).toMatchObject({
      WorkspaceId: 'ws-described',
      Description: 'all of it',
      Labels: [{ Key: 'team', Value: 'cv' }, { Key: 'stage', Value: 'raw' }],
      Options: '{"mountPath":"/mnt/data/"}',
      ImportInfo: '{"region":"cn-hangzhou","bucket":"b","path":"p/"}',
      Accessibility: 'ROLE_PUBLIC',
      AccessibleRoleIdList: ['PAI.AlgoOperator'],
      MountAccessReadWriteRoleIdList: ['*'],
      Provider: 'me',
      ProviderType: 'Ecs',
      SourceType: 'ITAG',
      SourceId: 'itag-task-1',
      SourceDatasetId: 'd-source',
      SourceDatasetVersion: 'v3',
      UserId: '1511928242963727',
      OwnerId: apiKeyPrincipal(KEY),
      LatestVersion: {
        VersionName: 'v1',
        Description: 'first',
        Labels: [{ Key: 'split', Value: 'train' }],
        Options: '{"mountPath":"/mnt/data/"}',
        SourceType: 'ITAG',
        SourceId: 'itag-task-1',
        DatasetTaskRamRole: 'acs:ram::1:role/x',
        UserMetricsEndpoints: [{ Path: '/metrics', Port: 9090 }],
        DataCount: 0,
        DataSize: 0,
      },
    });
  });

  it.each([
    ['DataType TEXT', { DataType: 'TEXT' }, 'DataType', /images/],
    ['DataType VIDEO', { DataType: 'VIDEO' }, 'DataType', /images/],
    ['DataType AUDIO', { DataType: 'AUDIO' }, 'DataType', /images/],
    ['Property FILE', { Property: 'FILE' }, 'Property', /folder/],
    ['DataSourceType OSS over a file:// Uri', { DataSourceType: 'OSS' }, 'DataSourceType', /oss:\/\//],
    ['DataSourceType CPFS', { DataSourceType: 'CPFS' }, 'DataSourceType', /OSS .*NAS/],
    ['an unknown DataSourceType', { DataSourceType: 'FTP' }, 'DataSourceType', undefined],
    ['Options that are not JSON', { Options: '{mountPath' }, 'Options', /JSON object/],
    ['Options that are a JSON array', { Options: '[1]' }, 'Options', /JSON object/],
    ['ImportInfo that is not JSON', { ImportInfo: 'oss' }, 'ImportInfo', /JSON object/],
    ['a label key with =', { Labels: [{ Key: 'a=b', Value: 'x' }] }, 'Labels.0.Key', /= nor ,/],
    ['a label value with ,', { VersionLabels: [{ Key: 'a', Value: 'x,y' }] }, 'VersionLabels.0.Value', /= nor ,/],
    ['a label key over 128 bytes', { Labels: [{ Key: 'é'.repeat(65), Value: '' }] }, 'Labels.0.Key', /128 bytes/],
    ['Provider pai', { Provider: 'pai' }, 'Provider', /reserved/],
    ['Edition GOLD', { Edition: 'GOLD' }, 'Edition', undefined],
    ['Accessibility SECRET', { Accessibility: 'SECRET' }, 'Accessibility', undefined],
    ['a bad WorkspaceId', { WorkspaceId: 'a b' }, 'WorkspaceId', undefined],
    ['a UserMetricsEndpoint port of 0', { UserMetricsEndpoints: [{ Path: '/m', Port: 0 }] }, 'UserMetricsEndpoints.0.Port', undefined],
  ])('CreateDataset with %s is a 400 naming the field', async (_what, extra, field, message) => {
    await refused(call('POST', '/api/v1/datasets', { Name: 'refused', Uri: filesUri, ...extra }), field, message);
  });

  it('DryRun checks the request (the Uri too) and creates nothing', async () => {
    const before = (await call('GET', '/api/v1/datasets')).body.TotalCount;
    const dry = await call('POST', '/api/v1/datasets', { Name: 'dry', Uri: filesUri, DryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body).not.toHaveProperty('DatasetId');
    expect((await call('GET', '/api/v1/datasets')).body.TotalCount).toBe(before);
    await refused(call('POST', '/api/v1/datasets', { Name: 'dry', Uri: `${filesUri}/no/such/folder/`, DryRun: true }), 'Uri');
  });

  it('pages 25 datasets by PageNumber/PageSize (oldest first by default), and by NextToken when no page is named', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) ids.push(await create({ Name: `paged-${String(i).padStart(2, '0')}`, WorkspaceId: 'ws-paged' }));
    const all = (await call('GET', `/api/v1/datasets${qs({ WorkspaceId: 'ws-paged', PageSize: 100 })}`)).body;
    // oldest first; datasets made in the same millisecond stay in the order they were made
    expect(all.Datasets.map((d: any) => d.DatasetId)).toEqual(ids);

    const seen: string[] = [];
    for (const [n, size] of [[1, 10], [2, 10], [3, 5]] as const) {
      const page = await call('GET', `/api/v1/datasets${qs({ WorkspaceId: 'ws-paged', PageNumber: n, PageSize: 10 })}`);
      expect(page.status).toBe(200);
      expect(page.body.TotalCount).toBe(25);
      expect(page.body.Datasets).toHaveLength(size);
      expect(page.body).not.toHaveProperty('NextToken');
      expect(page.body.Datasets.every((d: any) => d.LatestVersion?.VersionName === 'v1')).toBe(true);
      seen.push(...page.body.Datasets.map((d: any) => d.DatasetId));
    }
    expect(seen).toEqual(all.Datasets.map((d: any) => d.DatasetId));
    expect((await call('GET', `/api/v1/datasets${qs({ WorkspaceId: 'ws-paged', PageNumber: 4, PageSize: 10 })}`)).body.Datasets).toEqual([]);
    // PageSize alone: page 1; PageNumber alone: PageSize 10
    expect((await call('GET', `/api/v1/datasets${qs({ WorkspaceId: 'ws-paged', PageNumber: 3 })}`)).body.Datasets).toHaveLength(5);

    // no paging parameter: PAI's page 1 (10), with a NextToken that goes on from there
    const first = (await call('GET', `/api/v1/datasets${qs({ WorkspaceId: 'ws-paged' })}`)).body;
    expect(first.Datasets.map((d: any) => d.DatasetId)).toEqual(seen.slice(0, 10));
    const tokenPages = [...first.Datasets];
    let token = first.NextToken;
    while (token) {
      const next = (await call('GET', `/api/v1/datasets${qs({ WorkspaceId: 'ws-paged', NextToken: token })}`)).body;
      tokenPages.push(...next.Datasets);
      token = next.NextToken;
    }
    expect(tokenPages.map((d: any) => d.DatasetId)).toEqual(seen);
    // MaxResults (Loupe) with DESC: newest first
    const newest = (await call('GET', `/api/v1/datasets${qs({ WorkspaceId: 'ws-paged', MaxResults: 3, Order: 'DESC' })}`)).body;
    expect(newest.Datasets.map((d: any) => d.DatasetId)).toEqual([...seen].reverse().slice(0, 3));
    expect(newest.NextToken).toEqual(expect.any(String));
  });

  it('sorts by GmtModifiedTime and DataType, either way', async () => {
    const ws = 'ws-sorted';
    const a = await create({ Name: 'a', WorkspaceId: ws, DataType: 'PIC' });
    const b = await create({ Name: 'b', WorkspaceId: ws });
    const c = await create({ Name: 'c', WorkspaceId: ws, DataType: 'PIC' });
    await new Promise((r) => setTimeout(r, 5));
    expect((await call('PUT', `/api/v1/datasets/${a}`, { Description: 'touched last' })).status).toBe(200);
    const order = async (q: Record<string, string>) =>
      (await call('GET', `/api/v1/datasets${qs({ WorkspaceId: ws, ...q })}`)).body.Datasets.map((d: any) => d.DatasetId);
    expect((await order({ SortBy: 'GmtModifiedTime', Order: 'DESC' }))[0]).toBe(a);
    expect((await order({ SortBy: 'GmtModifiedTime', Order: 'asc' })).at(-1)).toBe(a);
    expect((await order({ SortBy: 'DataType' }))[0]).toBe(b); // COMMON < PIC
    expect((await order({ SortBy: 'DataType', Order: 'DESC' })).at(-1)).toBe(b);
    expect(await order({ SortBy: 'GmtCreateTime' })).toEqual([a, b, c]);
    expect(await order({ SortBy: 'DataSourceType' })).toHaveLength(3);
  });

  it('filters ListDatasets by every PAI filter; bad values are 400s (ShareScope: api-dataset-sharing.test.ts)', async () => {
    const ws = 'ws-filters';
    const one = await create({ Name: 'cats one', WorkspaceId: ws, DataType: 'PIC', Labels: [{ Key: 'Animal', Value: 'cat' }], Provider: 'zoo', SourceType: 'ITAG', SourceId: 's1', SourceDatasetId: 'd-src', Accessibility: 'PUBLIC' });
    const two = await create({ Name: 'dogs two', WorkspaceId: ws, Edition: 'ADVANCED', Labels: [{ Key: 'animal', Value: 'dog' }] });
    const list = async (q: Record<string, string>) =>
      (await call('GET', `/api/v1/datasets${qs({ WorkspaceId: ws, ...q })}`)).body.Datasets.map((d: any) => d.DatasetId).sort();
    const both = [one, two].sort();
    expect(await list({})).toEqual(both);
    expect(await list({ Name: 'CATS' })).toEqual([one]);
    expect(await list({ Edition: 'ADVANCED' })).toEqual([two]);
    expect(await list({ Edition: 'BASIC' })).toEqual([one]);
    expect(await list({ DataTypes: 'PIC' })).toEqual([one]);
    expect(await list({ DataTypes: 'COMMON, PIC' })).toEqual(both);
    expect(await list({ DataTypes: 'TEXT' })).toEqual([]);
    expect(await list({ DataSourceTypes: 'NAS' })).toEqual(both);
    expect(await list({ DataSourceTypes: 'OSS' })).toEqual([]);
    expect(await list({ Properties: 'DIRECTORY' })).toEqual(both);
    expect(await list({ Properties: 'FILE' })).toEqual([]);
    expect(await list({ Label: 'anim' })).toEqual(both);
    expect(await list({ Label: 'dog' })).toEqual([two]);
    expect(await list({ Provider: 'zoo' })).toEqual([one]);
    expect(await list({ SourceTypes: 'USER' })).toEqual([two]);
    expect(await list({ SourceTypes: 'ITAG,USER' })).toEqual(both);
    expect(await list({ SourceId: 's1' })).toEqual([one]);
    expect(await list({ SourceDatasetId: 'd-src' })).toEqual([one]);
    expect(await list({ DatasetIds: `${two},d-nope` })).toEqual([two]);
    expect(await list({ Accessibility: 'PUBLIC' })).toEqual([one]);
    expect(await list({ Accessibility: 'PRIVATE' })).toEqual([two]);
    expect(await list({ ShareScope: '' })).toEqual(both);

    const get = (q: Record<string, string | number>) => call('GET', `/api/v1/datasets${qs(q)}`);
    await refused(get({ ShareScope: 'TO_ME' }), 'ShareScope', /needs a WorkspaceId/);
    await refused(get({ WorkspaceId: ws, ShareScope: 'ALL' }), 'ShareScope');
    await refused(get({ SortBy: 'Name' }), 'SortBy');
    await refused(get({ Order: 'UP' }), 'Order');
    await refused(get({ DataTypes: 'PIC,IMAGE' }), 'DataTypes', /'IMAGE'/);
    await refused(get({ DataSourceTypes: 'S3' }), 'DataSourceTypes');
    await refused(get({ Properties: 'FOLDER' }), 'Properties');
    await refused(get({ PageNumber: 0 }), 'PageNumber');
    await refused(get({ PageSize: 101 }), 'PageSize');
    await refused(get({ PageNumber: 1001, PageSize: 10 }), 'PageNumber', /10000/);
    await refused(get({ PageNumber: 1, MaxResults: 5 }), 'MaxResults', /one of them/);
    await refused(get({ PageSize: 5, NextToken: 'x' }), 'NextToken', /one of them/);
    await refused(get({ WorkspaceId: 'a/b' }), 'WorkspaceId');
  });

  it('a dataset of another workspace is invisible: not listed, and 404 on every operation that names a workspace', async () => {
    const id = await create({ Name: 'hidden', WorkspaceId: 'ws-a' });
    const listB = (await call('GET', `/api/v1/datasets${qs({ WorkspaceId: 'ws-b', PageSize: 100 })}`)).body;
    expect(listB.Datasets.map((d: any) => d.DatasetId)).not.toContain(id);
    const listA = (await call('GET', `/api/v1/datasets${qs({ WorkspaceId: 'ws-a' })}`)).body;
    expect(listA.Datasets.map((d: any) => d.DatasetId)).toEqual([id]);
    expect(listA.Datasets[0].WorkspaceId).toBe('ws-a');
    const b = '?WorkspaceId=ws-b';
    const base = `/api/v1/datasets/${id}`;
    for (const [method, route, body] of [
      ['GET', base],
      ['PUT', base, { Description: 'x' }],
      ['PUT', `${base}/publish`],
      ['POST', `${base}/labels`, { Labels: [{ Key: 'k', Value: 'v' }] }],
      ['DELETE', `${base}/labels${b}&LabelKeys=k`],
      ['POST', `${base}/versions`, {}],
      ['GET', `${base}/versions`],
      ['GET', `${base}/versions/v1`],
      ['PUT', `${base}/versions/v1`, { Description: 'x' }],
      ['PUT', `${base}/versions/v1/labels`, { Labels: [{ Key: 'k', Value: 'v' }] }],
      ['DELETE', `${base}/versions/v1/labels${b}&Keys=k`],
      ['DELETE', `${base}/versions/v1`],
      ['DELETE', base],
    ] as Array<[string, string, unknown?]>) {
      const r = await call(method, route.includes('?') ? route : `${route}${b}`, body);
      expect(r.status, `${method} ${route}`).toBe(404);
      expect(r.body.Code).toBe('ResourceNotFound');
    }
    // its own workspace, or none named: found
    expect((await call('GET', `${base}?WorkspaceId=ws-a`)).status).toBe(200);
    expect((await call('GET', base)).body).toMatchObject({ DatasetId: id, WorkspaceId: 'ws-a', Description: '' });
  });

  it('UpdateDataset: Name, Description, Options, Edition BASIC ↔ ADVANCED, Accessibility and role lists; an empty SharingConfig', async () => {
    const id = await create({ Name: 'to update' });
    const put = (body: unknown) => call('PUT', `/api/v1/datasets/${id}`, body);
    expect(
      (
        await put({
          Name: 'updated',
          Description: 'd',
          Options: '{"mountPath":"/mnt/x/"}',
          Edition: 'ADVANCED',
          Accessibility: 'PUBLIC',
          AccessibleRoleIdList: ['role-1'],
          MountAccessReadWriteRoleIdList: [],
          SharingConfig: { SharedTo: [] },
        })
      ).status,
    ).toBe(200);
    const got = (await call('GET', `/api/v1/datasets/${id}`)).body;
    expect(got).toMatchObject({
      Name: 'updated',
      Description: 'd',
      Options: '{"mountPath":"/mnt/x/"}',
      Edition: 'ADVANCED',
      Accessibility: 'PUBLIC',
      AccessibleRoleIdList: ['role-1'],
      MountAccessReadWriteRoleIdList: [],
    });
    expect(got.GmtModifiedTime >= got.GmtCreateTime).toBe(true);
    expect((await put({ Edition: 'BASIC' })).status).toBe(200);
    expect((await call('GET', `/api/v1/datasets/${id}`)).body).toMatchObject({ Edition: 'BASIC', Name: 'updated', Accessibility: 'PUBLIC' });
    await refused(put({ Edition: 'LOGICAL' }), 'Edition', /BASIC and ADVANCED interchange/);
    const logical = (await call('POST', '/api/v1/datasets', { Name: 'lg', Edition: 'LOGICAL' })).body.DatasetId;
    await refused(call('PUT', `/api/v1/datasets/${logical}`, { Edition: 'BASIC' }), 'Edition');
    await refused(put({ SharingConfig: { SharedTo: [{ TenantId: '2' }] } }), 'SharingConfig.SharedTo.0.WorkspaceId');
    await refused(put({ Options: 'nope' }), 'Options');
  });

  it('PublishDataset makes the dataset PUBLIC', async () => {
    const id = await create({ Name: 'to publish' });
    const r = await call('PUT', `/api/v1/datasets/${id}/publish`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ RequestId: expect.any(String) });
    expect((await call('GET', `/api/v1/datasets/${id}`)).body.Accessibility).toBe('PUBLIC');
    expect((await call('PUT', '/api/v1/datasets/d-nope/publish')).status).toBe(404);
  });

  it('dataset and version labels: upsert by Key, delete by comma-separated keys', async () => {
    const id = await create({ Name: 'labelled', Labels: [{ Key: 'a', Value: '1' }] });
    const labels = async () => (await call('GET', `/api/v1/datasets/${id}`)).body.Labels;
    const before = (await call('GET', `/api/v1/datasets/${id}`)).body.GmtModifiedTime;
    await new Promise((r) => setTimeout(r, 5));
    expect((await call('POST', `/api/v1/datasets/${id}/labels`, { Labels: [{ Key: 'b', Value: '2' }, { Key: 'a', Value: 'one' }, { Key: 'c' }] })).status).toBe(200);
    expect(await labels()).toEqual([{ Key: 'a', Value: 'one' }, { Key: 'b', Value: '2' }, { Key: 'c', Value: '' }]);
    expect((await call('GET', `/api/v1/datasets/${id}`)).body.GmtModifiedTime > before).toBe(true);
    expect((await call('DELETE', `/api/v1/datasets/${id}/labels?LabelKeys=a,c,zz`)).status).toBe(200);
    expect(await labels()).toEqual([{ Key: 'b', Value: '2' }]);
    await refused(call('DELETE', `/api/v1/datasets/${id}/labels`), 'LabelKeys');
    await refused(call('DELETE', `/api/v1/datasets/${id}/labels?LabelKeys=,`), 'LabelKeys');
    await refused(call('POST', `/api/v1/datasets/${id}/labels`, { Labels: [] }), 'Labels');
    await refused(call('POST', `/api/v1/datasets/${id}/labels`, { Labels: Array.from({ length: 100 }, (_, i) => ({ Key: `k${i}`, Value: '' })) }), 'Labels', /at most 100/);

    const vlabels = async () => (await call('GET', `/api/v1/datasets/${id}/versions/v1`)).body.Labels;
    expect((await call('PUT', `/api/v1/datasets/${id}/versions/v1/labels`, { Labels: [{ Key: 'split', Value: 'train' }, { Key: 'q', Value: 'x' }] })).status).toBe(200);
    expect((await call('PUT', `/api/v1/datasets/${id}/versions/v1/labels`, { Labels: [{ Key: 'split', Value: 'test' }] })).status).toBe(200);
    expect(await vlabels()).toEqual([{ Key: 'split', Value: 'test' }, { Key: 'q', Value: 'x' }]);
    expect((await call('DELETE', `/api/v1/datasets/${id}/versions/v1/labels?Keys=q`)).status).toBe(200);
    expect(await vlabels()).toEqual([{ Key: 'split', Value: 'test' }]);
    await refused(call('DELETE', `/api/v1/datasets/${id}/versions/v1/labels`), 'Keys');
    expect((await call('PUT', `/api/v1/datasets/${id}/versions/v9/labels`, { Labels: [{ Key: 'k', Value: 'v' }] })).status).toBe(404);
    // the dataset's labels are its own
    expect(await labels()).toEqual([{ Key: 'b', Value: '2' }]);
  });

  it('versions: PAI fields on create, DataCount and DataSize computed from the live files, filters, sorting and page echo', async () => {
    const id = await create({ Name: 'versions', VersionLabels: [{ Key: 'split', Value: 'train' }] });
    await runFileMetaBuildByHand(container, id, 'v1');
    let size = 0;
    for (let i = 0; i < 3; i++) size += (await stat(path.join(dir, 'files', `img_${i}.png`))).size;
    const v1 = (await call('GET', `/api/v1/datasets/${id}/versions/v1`)).body;
    expect(v1).toMatchObject({ DatasetId: id, VersionName: 'v1', DataCount: 3, DataSize: size, DataSourceType: 'NAS', Property: 'DIRECTORY' });
    expect((await call('GET', `/api/v1/datasets/${id}`)).body.LatestVersion).toMatchObject({ VersionName: 'v1', DataCount: 3, DataSize: size });

    const v2 = await call('POST', `/api/v1/datasets/${id}/versions`, {
      Uri: otherUri,
      Description: 'other folder',
      DataSourceType: 'NAS',
      Property: 'DIRECTORY',
      Labels: [{ Key: 'split', Value: 'test' }],
      Options: '{"a":1}',
      SourceType: 'ITAG',
      SourceId: 'src-2',
      ImportInfo: '{"path":"x"}',
      DatasetTaskRamRole: 'role',
      UserMetricsEndpoints: [{ Path: '/m', Port: 8080 }],
      DataCount: 5,
      DataSize: 5,
    });
    expect(v2.body.VersionName).toBe('v2');
    expect((await call('GET', `/api/v1/datasets/${id}/versions/v2`)).body).toMatchObject({
      Uri: `${otherUri}/`,
      Labels: [{ Key: 'split', Value: 'test' }],
      Options: '{"a":1}',
      SourceType: 'ITAG',
      SourceId: 'src-2',
      ImportInfo: '{"path":"x"}',
      DatasetTaskRamRole: 'role',
      UserMetricsEndpoints: [{ Path: '/m', Port: 8080 }],
      DataCount: 0,
      DataSize: 0,
    });
    expect((await call('GET', `/api/v1/datasets/${id}`)).body.LatestVersion.VersionName).toBe('v2');
    const v3 = await call('POST', `/api/v1/datasets/${id}/versions`, { DryRun: true });
    expect(v3.body).not.toHaveProperty('VersionName');
    await refused(call('POST', `/api/v1/datasets/${id}/versions`, { DataSourceType: 'OSS' }), 'DataSourceType');
    await refused(call('POST', `/api/v1/datasets/${id}/versions`, { Property: 'FILE' }), 'Property');
    await refused(call('POST', `/api/v1/datasets/${id}/versions`, { Options: '1' }), 'Options');

    const list = async (q: Record<string, string | number>) => (await call('GET', `/api/v1/datasets/${id}/versions${qs(q)}`)).body;
    const names = async (q: Record<string, string | number>) => (await list(q)).DatasetVersions.map((v: any) => v.VersionName);
    expect(await list({})).toMatchObject({ TotalCount: 2, PageNumber: 1, PageSize: 10 });
    expect(await names({})).toEqual(['v1', 'v2']);
    expect(await names({ Order: 'DESC' })).toEqual(['v2', 'v1']);
    expect(await list({ PageNumber: 2, PageSize: 1 })).toMatchObject({ TotalCount: 2, PageNumber: 2, PageSize: 1, DatasetVersions: [{ VersionName: 'v2' }] });
    expect(await names({ SortBy: 'DataSize', Order: 'DESC' })).toEqual(['v1', 'v2']);
    expect(await names({ SortBy: 'DataCount' })).toEqual(['v2', 'v1']);
    expect(await names({ SortBy: 'SourceType' })).toEqual(['v2', 'v1']); // ITAG < USER
    expect(await names({ SortBy: 'GmtModifiedTime', Order: 'DESC' })).toEqual(['v2', 'v1']);
    expect(await names({ LabelKeys: 'SPL' })).toEqual(['v1', 'v2']);
    expect(await names({ LabelValues: 'tes' })).toEqual(['v2']);
    expect(await names({ LabelKeys: 'split', LabelValues: 'train,nope' })).toEqual(['v1']);
    expect(await names({ LabelKeys: 'other' })).toEqual([]);
    expect(await names({ SourceTypes: 'ITAG' })).toEqual(['v2']);
    expect(await names({ SourceId: 'src-2' })).toEqual(['v2']);
    expect(await names({ Properties: 'FILE' })).toEqual([]);
    await refused(call('GET', `/api/v1/datasets/${id}/versions?SortBy=Name`), 'SortBy');
    await refused(call('GET', `/api/v1/datasets/${id}/versions?PageSize=500`), 'PageSize');
    await refused(call('GET', `/api/v1/datasets/${id}/versions?MaxResults=1`), 'MaxResults'); // pages by PageNumber only: never ignored
    await refused(call('GET', `/api/v1/datasets/${id}/versions?NextToken=x`), 'NextToken');

    // UpdateDatasetVersion: Description and Options; DataCount/DataSize are computed, not set
    expect((await call('PUT', `/api/v1/datasets/${id}/versions/v1`, { Description: 'edited', Options: '{"b":2}', DataCount: 1, DataSize: 1 })).status).toBe(200);
    expect((await call('GET', `/api/v1/datasets/${id}/versions/v1`)).body).toMatchObject({ Description: 'edited', Options: '{"b":2}', DataCount: 3, DataSize: size });
  });
});

describe('migration 9 over a database made before it', () => {
  it('gives old datasets and versions their PAI fields: data source type from the Uri, PRIVATE, DIRECTORY, USER, no labels', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-mig9-'));
    const file = path.join(dir, 'meta.db');
    try {
      const db = new Database(file);
      db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
      SQLITE_MIGRATIONS.slice(0, 8).forEach((sql, i) => {
        db.exec(sql);
        db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(i + 1, new Date().toISOString());
      });
      const t = '2025-01-01T00:00:00.000Z';
      const ds = db.prepare('INSERT INTO datasets (id, name, description, edition, data_type, uri, create_time, update_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
      ds.run('d-old', 'old', '', 'ADVANCED', 'PIC', 'file:///data/old/', t, t);
      ds.run('d-oss', 'oss', '', 'ADVANCED', 'PIC', 'oss://bucket/p/', t, t);
      ds.run('d-lg', 'lg', '', 'LOGICAL', 'PIC', '', t, t);
      db.prepare('INSERT INTO versions (dataset_id, version_name, description, uri, create_time, update_time) VALUES (?, ?, ?, ?, ?, ?)').run('d-old', 'v1', '', 'file:///data/old/', t, t);
      db.prepare('INSERT INTO versions (dataset_id, version_name, description, uri, create_time, update_time, ref_count) VALUES (?, ?, ?, ?, ?, ?, ?)').run('d-lg', 'v1', '', '', t, t, 2);
      const ref = db.prepare(
        `INSERT INTO logical_refs (dataset_id, version_name, meta_id, seq, source_dataset_id, source_version_name, uri, file_name, fingerprint, data_size, meta_attributes, tags)
         VALUES ('d-lg', 'v1', ?, ?, 'd-old', 'v1', ?, 'f', 'e', ?, '{}', '{}')`,
      );
      ref.run('m1', 1, 'file:///data/old/a.png', 100);
      ref.run('m2', 2, 'file:///data/old/b.png', 23);
      db.close();

      const store = new SqliteMetaStore({ file });
      try {
        expect(await store.getDataset('d-old')).toMatchObject({
          workspaceId: '', dataType: 'PIC', edition: 'ADVANCED', dataSourceType: 'NAS', property: 'DIRECTORY', accessibility: 'PRIVATE',
          sourceType: 'USER', labels: [], options: '', accessibleRoleIdList: [], mountAccessReadWriteRoleIdList: [],
        });
        expect((await store.getDataset('d-oss'))?.dataSourceType).toBe('OSS');
        // made before owners were recorded: no OwnerId (GetDataset shows none), no UserId
        expect(await store.getDataset('d-old')).not.toHaveProperty('ownerId');
        expect((await store.getDataset('d-old'))?.userId).toBe('');
        expect((await store.getDataset('d-lg'))?.dataSourceType).toBe('');
        expect(await store.getVersion('d-old', 'v1')).toMatchObject({ dataSourceType: 'NAS', labels: [], fileCount: 0, dataSize: 0, userMetricsEndpoints: [] });
        expect(await store.getVersion('d-lg', 'v1')).toMatchObject({ fileCount: 2, dataSize: 123 });
        expect((await store.listDatasets({ maxResults: 10, workspaceId: '' })).totalCount).toBe(3);
      } finally {
        await store.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
