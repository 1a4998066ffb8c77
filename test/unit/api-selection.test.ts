// The console's server side of a search (issue 12), through the API in-process, on both of the store's
// paths (SQL, and the in-memory index of large versions): random access by PageNumber; a selection
// (ranges, all minus excluded, included outside the ranges) resolved to exactly the files it names;
// bulk user tags on a selection; an export of a selection whose manifest and logical version hold
// exactly it; and a thumbnail URL carrying the fingerprint cached for good.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../functions/api/index.js';
import { fileMetaId } from '../../lib/domain/ids.js';
import { ExportMessage } from '../../lib/domain/job.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { buildContainer, type Container } from '../../lib/runtime/container.js';
import { jsonLogger } from '../../lib/runtime/logger.js';
import { drainQueue } from '../support/drain-queue.js';
import { tinyPng } from '../support/generate-images.js';
import { inProcessApi } from '../support/in-process-api.js';

const KEY = 'selection-key-0123456789';
const FILES = 300;

describe.each([
  { store: 'SQL', memoryIndexMinFiles: Infinity },
  { store: 'in-memory index', memoryIndexMinFiles: 0 },
])('selections through the API ($store)', ({ memoryIndexMinFiles }) => {
  let dir: string;
  let c: Container;
  let app: ReturnType<typeof createApi>;
  let ds: string;
  /** The query's results in its order (files under a/, by FileName). */
  let inQuery: string[];
  const QUERY = { DatasetVersion: 'v1', QueryExpression: 'FileDir:"a" AND SortBy="FileName" AND Order="ASC"' };
  const call = (method: string, route: string, body?: unknown) => inProcessApi(app, KEY)(method, route, body);
  const metas = () => `/api/v1/datasets/${ds}/datasetfilemetas`;
  const resolve = (sel: Record<string, unknown>, maxIds?: number) => call('POST', `${metas()}/action/resolveselection`, { Selection: { Query: QUERY, ...sel }, ...(maxIds !== undefined ? { MaxIds: maxIds } : {}) });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-selection-'));
    const root = path.join(dir, 'files');
    await mkdir(path.join(root, 'a'), { recursive: true });
    await writeFile(path.join(root, 'a', 'real.png'), tinyPng(3, 40, 30));
    c = buildContainer(loadConfig({ LOUPE_DATA_DIR: path.join(dir, 'data'), LOUPE_FILE_ROOTS: dir, LOUPE_API_KEYS: KEY }), { log: jsonLogger('silent'), memoryIndexMinFiles });
    app = createApi(c, [KEY]);
    ds = (await call('POST', '/api/v1/datasets', { Name: 'selection', Uri: pathToFileURL(root).href })).body.DatasetId;
    const rootUri = pathToFileURL(root).href + '/';
    // Files under a/ and b/ alternately, named so that FileName order is known; every third has AI tags.
    const rows = Array.from({ length: FILES }, (_, i) => {
      const folder = i % 2 ? 'b/' : 'a/';
      const uri = `${rootUri}${folder}img_${String(i).padStart(4, '0')}.jpg`;
      return { i, uri, id: fileMetaId(ds, 'v1', uri), folder };
    });
    const now = new Date().toISOString();
    await c.store.upsertListedFiles(
      rows.map(({ i, uri, id, folder }) => ({
        datasetFileMetaId: id, datasetId: ds, versionName: 'v1', uri, fileName: path.posix.basename(uri), fileDir: folder, dataSize: 1000 + i,
        fileFingerPrint: `etag-${i}`, fileCreateTime: null, fileUpdateTime: new Date(Date.parse('2025-01-01T00:00:00Z') + i * 60_000).toISOString(),
        fileType: 'image', fileFormat: 'jpeg', reset: true,
      })),
      'job-listing',
      now,
    );
    await c.store.applyTagResults(
      rows.filter(({ i }) => i % 3 === 0).map(({ i, id }) => ({ datasetFileMetaId: id, fileFingerPrint: `etag-${i}`, ai: ['car', 'road'], tagDefinitionId: 'def', tagDefinitionVersion: 1, model: 'm', jobId: 'job-tag' })),
      now,
    );
    inQuery = rows.filter((r) => r.folder === 'a/').map((r) => r.id);
  });
  afterAll(async () => {
    await c?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reaches any page by PageNumber, as token paging orders them; such a page has no NextToken', async () => {
    const q = new URLSearchParams({ ...QUERY, PageSize: '7' });
    const page = async (n: number) => (await call('GET', `${metas()}?${q}&PageNumber=${n}`)).body;
    const third = await page(3);
    expect(third.DatasetFileMetas.map((m: any) => m.DatasetFileMetaId)).toEqual(inQuery.slice(14, 21));
    expect([third.TotalCount, third.PageNumber, third.NextToken]).toEqual([150, 3, undefined]);
    expect((await page(22)).DatasetFileMetas.map((m: any) => m.DatasetFileMetaId)).toEqual(inQuery.slice(147));
    expect((await page(23)).DatasetFileMetas).toEqual([]);
    const post = await call('POST', `${metas()}/action/search`, { ...QUERY, PageSize: 5, PageNumber: 30 });
    expect(post.body.DatasetFileMetas.map((m: any) => m.DatasetFileMetaId)).toEqual(inQuery.slice(145, 150));
    const both = await call('GET', `${metas()}?${q}&PageNumber=2&NextToken=abc`);
    expect([both.status, both.body.Field]).toEqual([400, 'NextToken']);
  });

  it('resolves ranges to exactly the results at those indexes, in order', async () => {
    const r = await resolve({ Ranges: [[10, 12], [2, 5], [4, 6], [148, 400]] });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const expected = [2, 3, 4, 5, 6, 10, 11, 12, 148, 149].map((i) => inQuery[i]);
    expect(r.body).toMatchObject({ TotalCount: expected.length, DatasetFileMetaIds: expected });
    expect((await resolve({ Ranges: [[10, 12], [2, 5]] }, 2)).body).toMatchObject({ TotalCount: 7, DatasetFileMetaIds: [inQuery[2], inQuery[3]] });
    expect((await resolve({})).body).toMatchObject({ TotalCount: 0, DatasetFileMetaIds: [] });
  });

  it('resolves select-all minus excluded', async () => {
    const excluded = [inQuery[0]!, inQuery[77]!, inQuery[149]!, fileMetaId(ds, 'v1', 'file:///elsewhere.jpg')];
    const r = await resolve({ All: true, Excluded: excluded });
    expect(r.body.TotalCount).toBe(147);
    expect(r.body.DatasetFileMetaIds).toEqual(inQuery.filter((id) => !excluded.includes(id)));
    expect((await resolve({ All: true, Excluded: excluded }, 3)).body).toMatchObject({ TotalCount: 147, DatasetFileMetaIds: [inQuery[1], inQuery[2], inQuery[3]] });
  });

  it('takes included ids outside the ranges, only when they are results, and excluded wins', async () => {
    const notAResult = fileMetaId(ds, 'v1', `${pathToFileURL(path.join(dir, 'files')).href}/b/img_0001.jpg`);
    const r = await resolve({ Ranges: [[0, 3]], Included: [inQuery[120]!, inQuery[50]!, notAResult, inQuery[2]!], Excluded: [inQuery[1]!, inQuery[120]!] });
    expect(r.body).toMatchObject({ TotalCount: 4, DatasetFileMetaIds: [inQuery[0], inQuery[2], inQuery[3], inQuery[50]] });
    // Included alone (no range): found wherever they are.
    expect((await resolve({ Included: [inQuery[149]!, inQuery[0]!] })).body).toMatchObject({ TotalCount: 2, DatasetFileMetaIds: [inQuery[0], inQuery[149]] });
  });

  it('refuses what cannot be resolved, naming the field', async () => {
    const bad = async (selection: Record<string, unknown>, field: string, message?: RegExp) => {
      const r = await call('POST', `${metas()}/action/resolveselection`, { Selection: selection });
      expect([r.status, r.body.Field], JSON.stringify(r.body)).toEqual([400, field]);
      if (message) expect(r.body.Message).toMatch(message);
    };
    await bad({ Query: { ...QUERY, QueryImageData: 'iVBORw0KGgo=' }, All: true }, 'Selection.Query.QueryImageData', /uploaded query image cannot be resolved/);
    await bad({ Query: { ...QUERY, QueryExpresion: 'x' }, All: true }, 'Selection.Query');
    await bad({ Query: QUERY, Ranges: [[5, 2]] }, 'Selection.Ranges.0');
    await bad({ Query: QUERY, Ranges: Array.from({ length: 10_001 }, (_, i) => [i * 2, i * 2]) }, 'Selection.Ranges');
    await bad({ Query: { ...QUERY, QueryExpression: 'FileDir:"a" AND' }, All: true }, 'QueryExpression');
    // Paging fields and nulls of the console's list request are ignored.
    const ok = await call('POST', `${metas()}/action/resolveselection`, { Selection: { Query: { ...QUERY, PageSize: 100, PageNumber: 2, ThumbnailMode: 'w_10', QueryText: null }, Ranges: [[0, 0]] } });
    expect(ok.body.DatasetFileMetaIds).toEqual([inQuery[0]]);
  });

  it('adds and removes user tags on a query result, recording removed AI tags', async () => {
    const r = await call('POST', `${metas()}/action/updatetags`, { Selection: { Query: QUERY, All: true, Excluded: [inQuery[0]] }, AddTags: ['checked'], RemoveTags: ['car'] });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ Updated: 149, Selected: 149 });
    const tagsOf = async (id: string) => JSON.parse((await call('GET', `${metas()}/${id}`)).body.DatasetFileMeta.Tags);
    expect(await tagsOf(inQuery[3]!)).toMatchObject({ ai: ['car', 'road'], user: ['checked'], 'user-delete-ai-tags': ['car'], all: ['road', 'checked'] });
    expect(await tagsOf(inQuery[1]!)).toMatchObject({ ai: [], user: ['checked'], 'user-delete-ai-tags': [] });
    expect((await tagsOf(inQuery[0]!)).user).toEqual([]);
    // Files outside the query are untouched; the search sees the change.
    const checked = await call('GET', `${metas()}?${new URLSearchParams({ DatasetVersion: 'v1', QueryExpression: 'Tags.user="checked"', MaxResults: '1' })}`);
    expect(checked.body.TotalCount).toBe(149);
    // Again: nothing changes. Adding the AI tag back shows it again.
    expect((await call('POST', `${metas()}/action/updatetags`, { Selection: { Query: QUERY, All: true, Excluded: [inQuery[0]] }, AddTags: ['checked'] })).body).toMatchObject({ Updated: 0, Selected: 149 });
    expect((await call('POST', `${metas()}/action/updatetags`, { Selection: { Query: QUERY, Ranges: [[3, 3]] }, AddTags: ['car'], RemoveTags: ['checked'] })).body.Updated).toBe(1);
    expect(await tagsOf(inQuery[3]!)).toMatchObject({ user: ['car'], 'user-delete-ai-tags': [], all: ['car', 'road'] });
    // Nothing to do, or a tag both added and removed: a 400.
    expect((await call('POST', `${metas()}/action/updatetags`, { Selection: { Query: QUERY, All: true } })).status).toBe(400);
    expect((await call('POST', `${metas()}/action/updatetags`, { Selection: { Query: QUERY, All: true }, AddTags: ['x'], RemoveTags: ['x'] })).body.Field).toBe('RemoveTags');
  });

  it('keeps to the workspace rules: another workspace\'s dataset is not found', async () => {
    const w = await call('POST', '/api/v1/datasets', { Name: 'in-w1', Uri: pathToFileURL(path.join(dir, 'files')).href, WorkspaceId: 'w1' });
    const r = await call('POST', `/api/v1/datasets/${w.body.DatasetId}/datasetfilemetas/action/updatetags`, { Selection: { Query: { DatasetVersion: 'v1', WorkspaceId: 'w2' }, All: true }, AddTags: ['x'] });
    expect(r.status).toBe(404);
  });

  it('exports exactly the selection, to a folder and to a logical version', async () => {
    const selection = { ranges: [[5, 9], [140, 145]], included: [inQuery[60]!], excluded: [inQuery[7]!, inQuery[144]!] };
    const expected = [5, 6, 8, 9, 60, 140, 141, 142, 143, 145].map((i) => inQuery[i]);
    const run = async (spec: Record<string, unknown>) => {
      const created = await call('POST', `/api/v1/datasets/${ds}/datasetjobs`, { DatasetVersion: 'v1', JobAction: 'FileMetaExport', JobSpec: { query: QUERY, selection, ...spec } });
      expect(created.status, JSON.stringify(created.body)).toBe(200);
      const [msg] = await drainQueue(c.queue, c.queues.exporter);
      expect(await c.services.export.run(ExportMessage.parse(JSON.parse(msg!)))).toBe('done');
      return (await call('GET', `/api/v1/datasets/${ds}/datasetjobs/${created.body.DatasetJobId}`)).body;
    };
    const out = pathToFileURL(path.join(dir, 'exports', 'sel')).href + '/';
    const job = await run({ target: 'file', format: 'manifest', uri: out });
    expect(job.Status).toBe('Succeeded');
    const lines = (await readFile(path.join(fileURLToPath(out), 'manifest.jsonl'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(lines.map((l) => l.DatasetFileMetaId)).toEqual(expected);
    expect([job.TotalFileCount, job.CompletedFileCount]).toEqual([expected.length, expected.length]);

    const logical = (await call('POST', '/api/v1/datasets', { Name: 'picked', Edition: 'LOGICAL' })).body.DatasetId;
    expect((await run({ target: 'logical', logicalDatasetId: logical })).Status).toBe('Succeeded');
    const refs = (await call('GET', `/api/v1/datasets/${logical}/versions/v1/references?MaxResults=100`)).body.References;
    expect(refs.map((r: any) => r.DatasetFileMetaId)).toEqual(expected);

    // A selection of nothing exports nothing; a bad one is refused when the job is created.
    expect((await run({ target: 'file', format: 'manifest', uri: pathToFileURL(path.join(dir, 'exports', 'none')).href + '/', selection: {} })).CompletedFileCount).toBe(0);
    const bad = await call('POST', `/api/v1/datasets/${ds}/datasetjobs`, { DatasetVersion: 'v1', JobAction: 'FileMetaExport', JobSpec: { query: QUERY, selection: { ranges: [[3, 1]] }, uri: out, format: 'manifest' } });
    expect([bad.status, bad.body.Field]).toEqual([400, 'JobSpec.selection.ranges.0']);
  });

  it('caches a thumbnail for good only when the URL names the file\'s fingerprint', async () => {
    const uri = `${pathToFileURL(path.join(dir, 'files')).href}/a/real.png`;
    const etag = (await c.objects.forUri(uri).head(uri)).etag;
    const id = fileMetaId(ds, 'v1', uri);
    await c.store.upsertListedFiles(
      [{ datasetFileMetaId: id, datasetId: ds, versionName: 'v1', uri, fileName: 'real.png', fileDir: 'a/', dataSize: 1, fileFingerPrint: etag, fileCreateTime: null, fileUpdateTime: new Date().toISOString(), fileType: 'image', fileFormat: 'png', reset: true }],
      'job-listing-2',
      new Date().toISOString(),
    );
    const get = (query: string) => app.fetch(new Request(`http://loupe.test${metas()}/${id}/thumbnail?${query}`, { headers: { authorization: `Bearer ${KEY}` } }));
    const webp = await get(`ThumbnailMode=m_lfit,w_256,h_256,f_webp&v=${encodeURIComponent(etag)}`);
    expect(webp.status).toBe(200);
    expect(webp.headers.get('content-type')).toBe('image/webp');
    expect(webp.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
    expect((await get('ThumbnailMode=w_64,f_webp&v=stale')).headers.get('cache-control')).toBe('private, max-age=3600');
    expect((await get('ThumbnailMode=w_64')).headers.get('cache-control')).toBe('private, max-age=3600');
    expect((await get('ThumbnailMode=w_64,f_gif')).status).toBe(400);
  });
});
