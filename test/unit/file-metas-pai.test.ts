// File-meta reads as PAI has them (issue 11): Tags and MetaAttributes as JSON strings, FileType the MIME
// top-level type and FileFormat apart, Comment, top-level DatasetId/DatasetVersion/WorkspaceId, the
// WorkspaceId filter, Status ACTIVE/ALL/DELETED, QueryFileTypeIncludeAny / QueryContentTypeIncludeAny,
// QueryVideo refused, the query language's single quotes and new names, ThumbnailMode p_N, absolute
// signed URLs (LOUPE_PUBLIC_URL or the request's origin), and GetDatasetFileMetasStatistics' PAI shape.
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../functions/api/index.js';
import { fileMetaId } from '../../lib/domain/ids.js';
import { localFileEtag } from '../../lib/domain/local-etag.js';
import type { ProbeUpdate } from '../../lib/ports/meta-store.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { buildContainer, type Container } from '../../lib/runtime/container.js';
import { jsonLogger } from '../../lib/runtime/logger.js';
import { LoupeClient } from '../../lib/sdk/index.js';
import { inProcessApi } from '../support/in-process-api.js';

const KEY = 'pai-reads-key-0123456789';
type Item = Record<string, unknown> & { DatasetFileMetaId: string; FileName: string };

describe('file-meta reads as PAI has them', () => {
  let dir: string;
  let c: Container;
  let app: ReturnType<typeof createApi>;
  let ds: string;
  let other: string;
  const id = (name: string) => fileMetaId(ds, 'v1', `${pathToFileURL(path.join(dir, 'files')).href}/${name}`);
  const call = (method: string, route: string, body?: unknown) => inProcessApi(app, KEY)(method, route, body);
  const list = (params: Record<string, string | number>, dataset = ds) =>
    call('GET', `/api/v1/datasets/${dataset}/datasetfilemetas?${new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]))}`);
  const names = (body: { DatasetFileMetas: Item[] }) => body.DatasetFileMetas.map((m) => m.FileName).sort();
  const stats = (params: Record<string, string>) =>
    call('GET', `/api/v1/statistics/datasets/${ds}/datasetfilemetas?${new URLSearchParams({ DatasetVersion: 'v1', ...params })}`);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-pai-reads-'));
    const root = path.join(dir, 'files');
    await mkdir(root, { recursive: true });
    const png = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#0a0' } }).png().toBuffer();
    await writeFile(path.join(root, 'b.png'), png);
    c = buildContainer(loadConfig({ LOUPE_DATA_DIR: path.join(dir, 'data'), LOUPE_FILE_ROOTS: dir, LOUPE_API_KEYS: KEY }), { log: jsonLogger('silent') });
    app = createApi(c, [KEY]);
    const created = await call('POST', '/api/v1/datasets', { Name: 'pai-reads', Uri: pathToFileURL(root).href, WorkspaceId: 'ws1' });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    ds = created.body.DatasetId;
    other = (await call('POST', '/api/v1/datasets', { Name: 'elsewhere', Uri: pathToFileURL(root).href })).body.DatasetId;

    // Six files as a listing and a probe leave them: two images, a broken one, one not probed yet,
    // a note (not an image: SKIPPED) and one gone from storage (DELETED).
    const t0 = '2025-01-01T00:00:00.000Z';
    // b.png is on disk (thumbnails, downloads): its real fingerprint; the others only need one
    const etag = (i: number) => (i === 1 ? pngEtag : `e${i}`);
    const pngEtag = localFileEtag(await stat(path.join(root, 'b.png'), { bigint: true }));
    const files = ['a.jpg', 'b.png', 'broken.jpg', 'pending.webp', 'notes.txt', 'gone.jpg'];
    const rootUri = pathToFileURL(root).href;
    await c.store.upsertListedFiles(
      files.map((name, i) => ({
        datasetFileMetaId: id(name),
        datasetId: ds,
        versionName: 'v1',
        uri: `${rootUri}/${name}`,
        fileName: name,
        fileDir: '',
        dataSize: name === 'b.png' ? png.length : 100 + i,
        fileFingerPrint: etag(i),
        fileCreateTime: null,
        fileUpdateTime: t0,
        fileType: name === 'notes.txt' ? 'text' : 'image',
        fileFormat: name.slice(name.lastIndexOf('.') + 1),
        reset: true,
      })),
      'job-1',
      t0,
    );
    const probed = (name: string, status: ProbeUpdate['status'], fileType: string, fileFormat: string, contentType: string | null): ProbeUpdate => ({
      datasetFileMetaId: id(name),
      fileFingerPrint: etag(files.indexOf(name)),
      status,
      fileType,
      fileFormat,
      contentType,
      metaAttributes: status === 'ACTIVE' ? { ImageWidth: 40, ImageHeight: 20 } : {},
      failReason: status === 'ACTIVE' ? null : 'why',
      probeDepth: 'header' as const,
    });
    await c.store.applyProbeResults(
      [
        probed('a.jpg', 'ACTIVE', 'image', 'jpeg', 'image/jpeg'),
        probed('b.png', 'ACTIVE', 'image', 'png', 'image/png'),
        probed('broken.jpg', 'FAILED', 'image', '', null),
        probed('notes.txt', 'SKIPPED', 'text', '', null),
      ],
      t0,
    );
    await c.store.markFileMetasDeleted([id('gone.jpg')], t0);
    await c.store.applyTagResults(
      [{ datasetFileMetaId: id('a.jpg'), fileFingerPrint: 'e0', ai: ['car', 'rain'], tagDefinitionId: 'def', tagDefinitionVersion: 1, model: 'm', jobId: 'job-tag' }],
      t0,
    );
    const a = (await c.store.getFileMeta(id('a.jpg')))!;
    await c.store.updateFileMetaContent(
      { datasetFileMetaId: a.datasetFileMetaId, expectedTags: a.tags, tags: { ai: a.tags.ai, user: ['night'], userDeleteAiTags: ['rain'] }, comment: 'the first one' },
      t0,
    );
  });
  afterAll(async () => {
    await c.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists with Tags and MetaAttributes as JSON strings, PAI FileType, FileFormat, Comment, and the top-level scope', async () => {
    const res = await list({ DatasetVersion: 'v1', QueryFileName: 'a.jpg' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ DatasetId: ds, DatasetVersion: 'v1', WorkspaceId: 'ws1', TotalCount: 1, MaxResults: 100 });
    const [m] = res.body.DatasetFileMetas as Item[];
    expect(m).toMatchObject({ FileType: 'image', FileFormat: 'jpeg', ContentType: 'image/jpeg', Comment: 'the first one', Status: 'ACTIVE' });
    expect(typeof m!.Tags).toBe('string');
    expect(JSON.parse(m!.Tags as string)).toEqual({ ai: ['car', 'rain'], user: ['night'], 'user-delete-ai-tags': ['rain'], all: ['car', 'night'] });
    expect(typeof m!.MetaAttributes).toBe('string');
    expect(JSON.parse(m!.MetaAttributes as string)).toEqual({ ImageWidth: 40, ImageHeight: 20 });
  });

  it('GetDatasetFileMeta: the same shape, DatasetId/DatasetVersion/WorkspaceId on top; DatasetVersion and WorkspaceId filter', async () => {
    const route = `/api/v1/datasets/${ds}/datasetfilemetas/${id('a.jpg')}`;
    const res = await call('GET', route);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ DatasetId: ds, DatasetVersion: 'v1', WorkspaceId: 'ws1' });
    expect(res.body.DatasetFileMeta).toMatchObject({ FileType: 'image', FileFormat: 'jpeg', Comment: 'the first one' });
    expect(JSON.parse(res.body.DatasetFileMeta.Tags).all).toEqual(['car', 'night']);
    expect((await call('GET', `${route}?DatasetVersion=v1&WorkspaceId=ws1`)).status).toBe(200);
    expect((await call('GET', `${route}?DatasetVersion=v2`)).status).toBe(404);
    expect((await call('GET', `${route}?WorkspaceId=ws2`)).status).toBe(404);
    expect((await call('GET', `${route}?WorkspaceId=bad%20id`)).body.Field).toBe('WorkspaceId');
  });

  it("filters by the dataset's workspace: another workspace is a 404, none is no filter", async () => {
    expect((await list({ WorkspaceId: 'ws1' })).body.TotalCount).toBe(4);
    const elsewhere = await list({ WorkspaceId: 'ws2' });
    expect([elsewhere.status, elsewhere.body.Code]).toEqual([404, 'ResourceNotFound']);
    const noWorkspace = await list({}, other);
    expect(noWorkspace.status).toBe(200);
    expect(noWorkspace.body.WorkspaceId).toBe('');
    expect((await list({ WorkspaceId: 'ws1' }, other)).status).toBe(404);
  });

  it("Status: the default lists the images not deleted; PAI's ACTIVE, ALL and DELETED, and Loupe's lists", async () => {
    expect(names((await list({})).body)).toEqual(['a.jpg', 'b.png', 'broken.jpg', 'pending.webp']);
    expect(names((await list({ Status: 'ACTIVE' })).body)).toEqual(['a.jpg', 'b.png']);
    expect(names((await list({ Status: 'ALL' })).body)).toEqual(['a.jpg', 'b.png', 'broken.jpg', 'gone.jpg', 'notes.txt', 'pending.webp']);
    expect(names((await list({ Status: 'deleted' })).body)).toEqual(['gone.jpg']);
    expect(names((await list({ Status: 'SKIPPED,FAILED' })).body)).toEqual(['broken.jpg', 'notes.txt']);
    const bad = await list({ Status: 'ALL,ACTIVE' });
    expect([bad.status, bad.body.Field]).toEqual([400, 'Status']);
  });

  it('QueryFileTypeIncludeAny and QueryContentTypeIncludeAny are applied', async () => {
    expect(names((await list({ Status: 'ALL', QueryFileTypeIncludeAny: 'text,video' })).body)).toEqual(['notes.txt']);
    expect(names((await list({ QueryFileTypeIncludeAny: 'IMAGE' })).body)).toEqual(['a.jpg', 'b.png', 'broken.jpg', 'pending.webp']);
    expect(names((await list({ QueryContentTypeIncludeAny: 'image/png,image/gif' })).body)).toEqual(['b.png']);
    expect(names((await list({ QueryContentTypeIncludeAny: '["image/JPEG"]', QueryFileTypeIncludeAny: 'image' })).body)).toEqual(['a.jpg']);
    const post = await call('POST', `/api/v1/datasets/${ds}/datasetfilemetas/action/search`, { QueryFileTypeIncludeAny: ['video'], QueryContentTypeIncludeAny: [] });
    expect([post.status, post.body.TotalCount]).toEqual([200, 0]);
  });

  it('QueryVideo is a 400: Loupe has no video search', async () => {
    const res = await list({ QueryVideo: 'oss://bucket/clip.mp4' });
    expect([res.status, res.body.Field]).toEqual([400, 'QueryVideo']);
    expect(res.body.Message).toMatch(/no video search/);
  });

  it("the query language: single quotes equal double ones; FileType, FileFormat, Status and DatasetFileMetaId; PAI's parameters in it", async () => {
    const single = await list({ QueryExpression: "FileName='a.jpg' OR Tags.all:'night'" });
    const double = await list({ QueryExpression: 'FileName="a.jpg" OR Tags.all:"night"' });
    expect(names(single.body)).toEqual(['a.jpg']);
    expect(single.body.DatasetFileMetas.map((m: Item) => m.DatasetFileMetaId)).toEqual(double.body.DatasetFileMetas.map((m: Item) => m.DatasetFileMetaId));
    expect(names((await list({ QueryExpression: "FileType='image' AND FileFormat='png'" })).body)).toEqual(['b.png']);
    // an expression that names Status decides the statuses itself
    expect(names((await list({ QueryExpression: 'Status="DELETED" OR Status="SKIPPED"' })).body)).toEqual(['gone.jpg', 'notes.txt']);
    expect(names((await list({ QueryExpression: `DatasetFileMetaId="${id('b.png')}"` })).body)).toEqual(['b.png']);
    const sorted = await list({ QueryExpression: "HAS FileFormat AND SortBy='FileName' AND Order='ASC' AND QueryType='TAG' AND SignMode='PUBLIC'" });
    expect(sorted.body.DatasetFileMetas.map((m: Item) => m.FileName)).toEqual(['a.jpg', 'b.png', 'pending.webp']);
    const clash = await list({ QueryExpression: "Order='ASC'", Order: 'DESC' });
    expect([clash.status, clash.body.Field]).toEqual([400, 'Order']);
    const vectorless = await list({ QueryExpression: "QueryType='VECTOR' AND HAS Uri" });
    expect([vectorless.status, vectorless.body.Field]).toEqual([400, 'QueryExpression']);
    const sync = await list({ QueryExpression: 'SyncTime > "2025-01-01"' });
    expect([sync.status, sync.body.Field]).toEqual([400, 'QueryExpression']);
    expect(sync.body.Message).toMatch(/SyncTime is not recorded/);
  });

  it('ThumbnailMode p_{1..100} scales by a percentage, as on PAI', async () => {
    const res = await list({ QueryFileName: 'b.png', ThumbnailMode: 'p_50' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const url = new URL((res.body.DatasetFileMetas as Item[])[0]!.ThumbnailUrl as string);
    expect(url.searchParams.get('ThumbnailMode')).toBe('p_50');
    const thumb = await app.fetch(new Request(url));
    expect(thumb.status).toBe(200);
    expect(await sharp(Buffer.from(await thumb.arrayBuffer())).metadata()).toMatchObject({ width: 20, height: 10 });
    for (const bad of ['p_0', 'p_101', 'p_50,w_10']) {
      const r = await list({ ThumbnailMode: bad });
      expect([r.status, r.body.Field], bad).toEqual([400, 'ThumbnailMode']);
    }
  });

  it("ThumbnailUrl and DownloadUrl are absolute: the request's origin when LOUPE_PUBLIC_URL is unset", async () => {
    const res = await list({ QueryFileName: 'b.png' });
    const m = (res.body.DatasetFileMetas as Item[])[0]!;
    expect(m.ThumbnailUrl).toMatch(new RegExp(`^http://loupe\\.test/api/v1/datasets/${ds}/datasetfilemetas/${id('b.png')}/thumbnail\\?ThumbnailMode=`));
    expect(m.DownloadUrl).toMatch(new RegExp(`^http://loupe\\.test/api/v1/datasets/${ds}/datasetfilemetas/${id('b.png')}/download\\?Expires=\\d+&Signature=`));
    const download = await app.fetch(new Request(m.DownloadUrl as string));
    expect(download.status).toBe(200);
  });

  it('ThumbnailUrl and DownloadUrl start with LOUPE_PUBLIC_URL when set, and still verify behind a prefix-stripping proxy', async () => {
    const behind = createApi(
      { ...c, config: loadConfig({ LOUPE_DATA_DIR: path.join(dir, 'data'), LOUPE_FILE_ROOTS: dir, LOUPE_API_KEYS: KEY, LOUPE_PUBLIC_URL: 'https://gw.example.com/loupe/' }) },
      [KEY],
    );
    const res = await inProcessApi(behind, KEY)('GET', `/api/v1/datasets/${ds}/datasetfilemetas?QueryFileName=b.png`);
    const m = (res.body.DatasetFileMetas as Item[])[0]!;
    expect(m.DownloadUrl).toMatch(/^https:\/\/gw\.example\.com\/loupe\/api\/v1\/datasets\//);
    const stripped = (m.DownloadUrl as string).replace('https://gw.example.com/loupe', 'http://internal');
    expect((await behind.fetch(new Request(stripped))).status).toBe(200);
    expect(() => loadConfig({ LOUPE_PUBLIC_URL: 'ftp://x' })).toThrow(/LOUPE_PUBLIC_URL/);
    expect(() => loadConfig({ LOUPE_PUBLIC_URL: 'https://x/?a=1' })).toThrow(/LOUPE_PUBLIC_URL/);
  });

  it('statistics: requestId as PAI spells it, AggregateBy optional and case-insensitive, TotalCount the number of groups', async () => {
    const total = await stats({});
    expect(total.status, JSON.stringify(total.body)).toBe(200);
    expect(total.body).toEqual({ DatasetFileMetasStats: [], TotalCount: 4, FileCount: 4, requestId: expect.any(String) });
    const all = await stats({ Status: 'ALL' });
    expect(all.body.TotalCount).toBe(6);
    for (const spelling of ['filetype', 'FileType', 'file_type']) {
      const r = await stats({ AggregateBy: spelling, Status: 'ALL' });
      expect(r.body.DatasetFileMetasStats, spelling).toEqual([
        { Key: 'image', Count: 5 },
        { Key: 'text', Count: 1 },
      ]);
      expect(r.body.TotalCount).toBe(2);
      expect(r.body.FileCount).toBe(6);
    }
    expect((await stats({ AggregateBy: 'FileFormat', Status: 'ACTIVE' })).body.DatasetFileMetasStats).toEqual([
      { Key: 'jpeg', Count: 1 },
      { Key: 'png', Count: 1 },
    ]);
    expect((await stats({ AggregateBy: 'Tags.User-Delete-AI-Tags' })).body.DatasetFileMetasStats).toEqual([{ Key: 'rain', Count: 1 }]);
    expect((await stats({ AggregateBy: 'tags.all' })).body.DatasetFileMetasStats).toEqual([
      { Key: 'car', Count: 1 },
      { Key: 'night', Count: 1 },
    ]);
    const limited = await stats({ AggregateBy: 'FILEDIR', MaxResults: '1' });
    expect(limited.body).toMatchObject({ DatasetFileMetasStats: [{ Key: '', Count: 4 }], TotalCount: 1 });
    const bad = await stats({ AggregateBy: 'size' });
    expect([bad.status, bad.body.Field]).toEqual([400, 'AggregateBy']);
    expect((await stats({ WorkspaceId: 'ws2' })).status).toBe(404);
  });

  it("Loupe's SDK hands out Tags and MetaAttributes as objects, and statistics' requestId as RequestId too", async () => {
    const client = new LoupeClient({ url: 'http://loupe.test', apiKey: KEY, fetch: (input, init) => Promise.resolve(app.fetch(new Request(input, init))) });
    const page = await client.listDatasetFileMetas(ds, { QueryFileName: 'a.jpg' });
    expect(page.WorkspaceId).toBe('ws1');
    expect(page.DatasetFileMetas[0]!.Tags.all).toEqual(['car', 'night']);
    expect(page.DatasetFileMetas[0]!.MetaAttributes.ImageWidth).toBe(40);
    const got = await client.getDatasetFileMeta(ds, id('a.jpg'));
    expect(got.DatasetFileMeta.Tags['user-delete-ai-tags']).toEqual(['rain']);
    expect(got.DatasetFileMeta.Comment).toBe('the first one');
    const posted = await client.searchDatasetFileMetas(ds, { QueryExpression: "Tags.user='night'" });
    expect(posted.DatasetFileMetas.map((m) => m.MetaAttributes)).toEqual([{ ImageWidth: 40, ImageHeight: 20 }]);
    const s = await client.getDatasetFileMetasStatistics(ds, { AggregateBy: 'tags.ai' });
    expect(s.RequestId).toBe(s.requestId);
    expect(s.DatasetFileMetasStats).toEqual([
      { Key: 'car', Count: 1 },
      { Key: 'rain', Count: 1 },
    ]);
  });

  it("without DatasetVersion a search reads the dataset's latest version, as a job does (PAI requires it)", async () => {
    const v1 = await list({ QueryFileName: 'a.jpg' });
    expect(v1.body).toMatchObject({ DatasetVersion: 'v1', TotalCount: 1 });
    expect((await call('POST', `/api/v1/datasets/${ds}/versions`, { Description: 'second' })).status).toBe(200);
    const latest = await list({ QueryFileName: 'a.jpg' });
    expect(latest.body).toMatchObject({ DatasetVersion: 'v2', TotalCount: 0 });
    expect((await list({ QueryFileName: 'a.jpg', DatasetVersion: 'v1' })).body.TotalCount).toBe(1);
    expect((await call('POST', `/api/v1/datasets/${ds}/datasetfilemetas/action/search`, { QueryFileName: 'a.jpg' })).body.DatasetVersion).toBe('v2');
    const counted = await call('GET', `/api/v1/statistics/datasets/${ds}/datasetfilemetas?QueryFileName=a.jpg`);
    expect(counted.body.TotalCount).toBe(0);
    expect((await call('DELETE', `/api/v1/datasets/${ds}/versions/v2`)).status).toBe(200);
  });
});
