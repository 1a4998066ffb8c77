// ListDatasetFileMetas as a search, in-process through the HTTP API: metadata conditions and the query
// language against the reference evaluator; vector queries (text through the loopback GME service,
// vectors placed so the exact answer is known) with a 1% filter, strict thresholds, shortfall reasons,
// paging, both planner paths (ids pushed down, over-fetching); statistics with the same filters.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../functions/api/index.js';
import { LocalVectorStore } from '../../lib/adapters/vectorstore/local-vector-store.js';
import { fileMetaId } from '../../lib/domain/ids.js';
import type { FileMeta } from '../../lib/domain/file-meta.js';
import { evaluate } from '../../lib/dsl/evaluator.js';
import { parseQuery } from '../../lib/dsl/parser.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { buildContainer, type Container } from '../../lib/runtime/container.js';
import { jsonLogger } from '../../lib/runtime/logger.js';
import { startGmeServer, type LoopbackGme } from '../support/loopback-gme.js';
import { contentVector } from '../support/loopback-server.js';
import { seededRng } from '../support/dsl-corpus.js';
import { inProcessApi } from '../support/in-process-api.js';

const KEY = 'search-key-0123456789';
const FILES = 2000;
const DIM = 64;
const QUERY = 'a red car at night';
const TAGS = ['car', 'road', 'night', 'rainy', 'lane line', 'barrier gate', '蓝色汽车'];

const unit = (v: Float32Array) => {
  const n = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
  return v.map((x) => x / n);
};
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe.each([
  { planner: 'ids pushed down', pushdownMaxIds: undefined },
  { planner: 'over-fetching', pushdownMaxIds: 1 },
])('search through the API ($planner)', ({ pushdownMaxIds }) => {
  let dir: string;
  let c: Container;
  let app: ReturnType<typeof createApi>;
  let gme: LoopbackGme;
  let ds: string;
  let metas: FileMeta[];
  const vectors = new Map<string, Float32Array>();
  const query = unit(Float32Array.from(contentVector(`text:${QUERY}`, DIM)));

  const call = (method: string, route: string, body?: unknown) => inProcessApi(app, KEY)(method, route, body);
  const list = (params: Record<string, string | number>) =>
    call('GET', `/api/v1/datasets/${ds}/datasetfilemetas?${new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]))}`);
  /** Exact answer: files passing `keep`, by cosine to the query, best first. */
  const expected = (keep: (m: FileMeta) => boolean, topK: number, threshold = -Infinity) =>
    metas
      .filter(keep)
      .map((m) => ({ id: m.datasetFileMetaId, score: dot(vectors.get(m.datasetFileMetaId)!, query) }))
      .filter((h) => h.score > threshold)
      .sort((a, b) => b.score - a.score)
      .slice(0, topK);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-search-'));
    const root = path.join(dir, 'files');
    await mkdir(root, { recursive: true });
    await writeFile(path.join(root, 'query.png'), await sharp({ create: { width: 8, height: 8, channels: 3, background: '#f00' } }).png().toBuffer());
    gme = await startGmeServer({ dimension: DIM });
    c = buildContainer(loadConfig({ LOUPE_DATA_DIR: path.join(dir, 'data'), LOUPE_FILE_ROOTS: dir, LOUPE_API_KEYS: KEY }), {
      log: jsonLogger('silent'),
      search: { pushdownMaxIds },
    });
    app = createApi(c, [KEY]);
    ds = (await call('POST', '/api/v1/datasets', { Name: 'search', Uri: pathToFileURL(root).href })).body.DatasetId;

    // 2,000 files as a listing, probe and tagging would leave them; 1% carry the tag "rare".
    const r = seededRng(7);
    const rootUri = pathToFileURL(root).href + '/';
    const rows = Array.from({ length: FILES }, (_, i) => {
      const dirName = ['', 'blue_car/', 'city/night/', '城市/'][i % 4]!;
      const uri = `${rootUri}${dirName}img_${String(i).padStart(5, '0')}.jpg`;
      return { i, uri, id: fileMetaId(ds, 'v1', uri), dirName };
    });
    const t0 = Date.parse('2025-01-01T00:00:00Z');
    await c.store.upsertListedFiles(
      rows.map(({ i, uri, id, dirName }) => ({
        datasetFileMetaId: id,
        datasetId: ds,
        versionName: 'v1',
        uri,
        fileName: path.posix.basename(uri),
        fileDir: dirName,
        dataSize: 1000 + i,
        fileFingerPrint: `etag-${i}`,
        fileCreateTime: null,
        fileUpdateTime: new Date(t0 + i * 3_600_000).toISOString(),
        fileType: 'image',
        fileFormat: 'jpeg',
        reset: true,
      })),
      'job-listing',
      new Date().toISOString(),
    );
    await c.store.applyProbeResults(
      rows.map(({ i, id }) => ({
        datasetFileMetaId: id,
        fileFingerPrint: `etag-${i}`,
        status: 'ACTIVE',
        fileType: 'image',
        fileFormat: 'jpeg',
        contentType: 'image/jpeg',
        metaAttributes: { ImageWidth: 100 + (i % 50), ImageHeight: 80 },
        failReason: null,
        probeDepth: 'header',
      })),
      new Date().toISOString(),
    );
    await c.store.applyTagResults(
      rows.map(({ i, id }) => ({
        datasetFileMetaId: id,
        fileFingerPrint: `etag-${i}`,
        ai: [...TAGS.filter(() => r() < 0.3), ...(i % 100 === 37 ? ['rare'] : [])],
        tagDefinitionId: 'def',
        tagDefinitionVersion: 1,
        model: 'qwen-vl-max',
        jobId: 'job-tag',
      })),
      new Date().toISOString(),
    );
    for (const { id } of rows.filter((x) => x.i % 7 === 0)) {
      const { tags } = (await c.store.getFileMeta(id))!;
      await c.store.updateFileMetaContent({ datasetFileMetaId: id, expectedTags: tags, tags: { ...tags, user: ['checked'], userDeleteAiTags: ['rainy'] } }, new Date().toISOString());
    }

    // The index: the GME connection's embedder id, vectors placed around the query with known scores.
    const gmeConn = (await call('POST', '/api/v1/connections', { ConnectionName: 'gme', ConnectionType: 'EasEmbeddingConnection', Configs: { Endpoint: gme.url } })).body.ConnectionId;
    const vecConn = (await call('POST', '/api/v1/connections', { ConnectionName: 'vec', ConnectionType: 'LocalVectorConnection' })).body.ConnectionId;
    const store = new LocalVectorStore({ dir: path.join(dir, 'data', 'vectors') });
    await store.ensureIndex('idx', { dimension: DIM, embedderId: 'gme:gme-qwen2-vl-2b' });
    const records = rows.map(({ id }) => {
      const noise = Float32Array.from({ length: DIM }, () => r() * 2 - 1);
      const v = unit(noise.map((x, j) => x + 3 * r() * query[j]!));
      vectors.set(id, v);
      return { id, vector: v };
    });
    await store.upsert('idx', records);
    await store.close();
    await c.store.applyEmbedResults(
      rows.map(({ i, id }) => ({ datasetFileMetaId: id, fileFingerPrint: `etag-${i}`, jobId: 'job-index', embedderId: 'gme:gme-qwen2-vl-2b', indexName: 'idx' })),
      new Date().toISOString(),
    );
    const put = await call('PUT', `/api/v1/datasets/${ds}/indexconfig`, { EmbeddingConnectionId: gmeConn, VectorConnectionId: vecConn, IndexName: 'idx' });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    metas = await c.store.getFileMetas(rows.map((x) => x.id));
  });
  afterAll(async () => {
    await c.close();
    await gme.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a 1% filter still returns TopK results, exactly the best ones, best first', async () => {
    const res = await list({ QueryText: QUERY, QueryTagsIncludeAny: 'rare', TopK: 10, MaxResults: 100 });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const want = expected((m) => m.tags.ai.includes('rare'), 10);
    expect(res.body.DatasetFileMetas.map((m: { DatasetFileMetaId: string }) => m.DatasetFileMetaId)).toEqual(want.map((h) => h.id));
    res.body.DatasetFileMetas.forEach((m: { Score: number }, i: number) => expect(m.Score).toBeCloseTo(want[i]!.score, 5));
    expect(res.body.VectorSearch).toEqual({ TopK: 10, Returned: 10, IndexName: 'idx', EmbedderId: 'gme:gme-qwen2-vl-2b' });
    expect(res.body.TotalCount).toBe(10);
  });

  it('the threshold is strict, and a shortfall says why', async () => {
    const top = expected(() => true, 20);
    const at = top[4]!.score;
    const res = await list({ QueryText: QUERY, TopK: 20, ScoreThreshold: at, MaxResults: 100 });
    expect(res.status).toBe(200);
    expect(res.body.DatasetFileMetas.map((m: { DatasetFileMetaId: string }) => m.DatasetFileMetaId)).toEqual(top.slice(0, 4).map((h) => h.id));
    expect(res.body.VectorSearch.Shortfall.Reason).toBe('ScoreThreshold');

    const few = await list({ QueryText: QUERY, TopK: 50, QueryExpression: 'Tags.all="rare" AND FileDir:"blue car"' });
    const want = expected((m) => evaluate(parseQuery('Tags.all="rare" AND FileDir:"blue car"').filter!, m), 50);
    expect(want.length).toBeGreaterThan(0);
    expect(want.length).toBeLessThan(50);
    expect(few.body.DatasetFileMetas.map((m: { DatasetFileMetaId: string }) => m.DatasetFileMetaId)).toEqual(want.map((h) => h.id));
    expect(few.body.VectorSearch.Shortfall).toEqual({ Reason: 'Filter', Message: `only ${want.length} files pass the filters and have a vector in the index (TopK=50)` });
  });

  it('Content, TopK and ScoreThreshold in the expression mean the same as the parameters', async () => {
    const viaDsl = await list({ QueryExpression: `Content:"${QUERY}" AND TopK=7 AND NOT Tags.all="car"`, MaxResults: 100 });
    const viaParams = await list({ QueryText: QUERY, TopK: 7, QueryTagsExclude: 'car', MaxResults: 100 });
    expect(viaDsl.status).toBe(200);
    expect(viaDsl.body.DatasetFileMetas).toEqual(viaParams.body.DatasetFileMetas);
    expect(viaDsl.body.DatasetFileMetas.map((m: { DatasetFileMetaId: string }) => m.DatasetFileMetaId)).toEqual(
      expected((m) => !m.tags.ai.includes('car') || m.tags.user.includes('car'), 7).map((h) => h.id),
    );
    const disagree = await list({ QueryText: 'something else', QueryExpression: `Content:"${QUERY}"` });
    expect(disagree.status).toBe(400);
    expect(disagree.body.Field).toBe('QueryText');
  });

  it('pages through vector results with NextToken, and sorts them by another field on request', async () => {
    const all = expected(() => true, 25).map((h) => h.id);
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const res = await list({ QueryText: QUERY, TopK: 25, MaxResults: 10, ...(token ? { NextToken: token } : {}) });
      seen.push(...res.body.DatasetFileMetas.map((m: { DatasetFileMetaId: string }) => m.DatasetFileMetaId));
      token = res.body.NextToken;
    } while (token);
    expect(seen).toEqual(all);
    const bySize = await list({ QueryText: QUERY, TopK: 25, MaxResults: 100, SortBy: 'DataSize', Order: 'ASC' });
    const sizes = bySize.body.DatasetFileMetas.map((m: { DataSize: number }) => m.DataSize);
    expect(sizes).toEqual([...sizes].sort((a, b) => a - b));
    expect(new Set(bySize.body.DatasetFileMetas.map((m: { DatasetFileMetaId: string }) => m.DatasetFileMetaId))).toEqual(new Set(all));
  });

  it('searches by an image in the object store and by an uploaded one; unusable images are 400s', async () => {
    const uri = pathToFileURL(path.join(dir, 'files', 'query.png')).href;
    const byUri = await list({ QueryImage: uri, TopK: 5 });
    expect(byUri.status, JSON.stringify(byUri.body)).toBe(200);
    expect(byUri.body.DatasetFileMetas).toHaveLength(5);
    const data = (await sharp({ create: { width: 8, height: 8, channels: 3, background: '#f00' } }).png().toBuffer()).toString('base64');
    const uploaded = await call('POST', `/api/v1/datasets/${ds}/datasetfilemetas/action/search`, { QueryImageData: data, TopK: 5 });
    expect(uploaded.status).toBe(200);
    expect(uploaded.body.DatasetFileMetas.map((m: { DatasetFileMetaId: string }) => m.DatasetFileMetaId)).toEqual(
      byUri.body.DatasetFileMetas.map((m: { DatasetFileMetaId: string }) => m.DatasetFileMetaId),
    );
    const notImage = await call('POST', `/api/v1/datasets/${ds}/datasetfilemetas/action/search`, { QueryImageData: Buffer.from('hello').toString('base64') });
    expect([notImage.status, notImage.body.Field]).toEqual([400, 'QueryImage']);
    const missing = await list({ QueryImage: uri.replace('query.png', 'absent.png') });
    expect([missing.status, missing.body.Field]).toEqual([400, 'QueryImage']);
    const both = await list({ QueryImage: uri, QueryText: QUERY });
    expect(both.status).toBe(400);
  });

  it('TAG queries: PAI parameters and the query language, ANDed, equal the reference evaluator', async () => {
    const cases: Array<{ params: Record<string, string>; keep: (m: FileMeta) => boolean }> = [
      { params: { QueryTagsIncludeAll: 'car,road' }, keep: (m) => has(m, 'car') && has(m, 'road') },
      { params: { QueryTagsIncludeAny: '["lane line","barrier gate"]', QueryTagsExclude: 'night' }, keep: (m) => (has(m, 'lane line') || has(m, 'barrier gate')) && !has(m, 'night') },
      { params: { QueryExpression: 'FileDir:"city" AND (Tags.all="rainy" OR Tags.user="checked") AND DataSize >= 1500' }, keep: dsl('FileDir:"city" AND (Tags.all="rainy" OR Tags.user="checked") AND DataSize >= 1500') },
      { params: { QueryExpression: 'Tags.all:"汽车" AND ImageWidth > 140', QueryFileName: 'IMG_01' }, keep: (m) => dsl('Tags.all:"汽车" AND ImageWidth > 140')(m) && m.fileName.toLowerCase().includes('img_01') },
      { params: { StartFileUpdateTime: '2025-01-10T00:00:00Z', EndFileUpdateTime: '2025-01-20T00:00:00Z', QueryTagsExclude: 'car' }, keep: (m) => m.fileUpdateTime >= '2025-01-10T00:00:00.000Z' && m.fileUpdateTime <= '2025-01-20T00:00:00.000Z' && !has(m, 'car') },
    ];
    for (const { params, keep } of cases) {
      const ids: string[] = [];
      let token: string | undefined;
      do {
        const res = await list({ ...params, MaxResults: 300, SortBy: 'FileName', Order: 'ASC', ...(token ? { NextToken: token } : {}) });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        ids.push(...res.body.DatasetFileMetas.map((m: { DatasetFileMetaId: string }) => m.DatasetFileMetaId));
        token = res.body.NextToken;
      } while (token);
      const want = metas.filter(keep).sort((a, b) => (a.fileName < b.fileName ? -1 : 1)).map((m) => m.datasetFileMetaId);
      expect(want.length).toBeGreaterThan(0);
      expect(ids, JSON.stringify(params)).toEqual(want);
    }
  });

  it('statistics count tags over the files matching the same filters', async () => {
    const res = await call('GET', `/api/v1/statistics/datasets/${ds}/datasetfilemetas?AggregateBy=tags.all&QueryExpression=${encodeURIComponent('FileDir:"night"')}&MaxResults=100`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const matching = metas.filter(dsl('FileDir:"night"'));
    const counts = new Map<string, number>();
    for (const m of matching) for (const t of allOf(m)) counts.set(t, (counts.get(t) ?? 0) + 1);
    const want = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([Key, Count]) => ({ Key, Count }));
    expect(res.body.DatasetFileMetasStats).toEqual(want);
    // PAI: TotalCount is the number of groups (all of them); Loupe's FileCount the files counted
    expect(res.body.TotalCount).toBe(want.length);
    expect(res.body.FileCount).toBe(matching.length);
    expect(res.body.requestId).toEqual(expect.any(String));
    expect(res.body.RequestId).toBeUndefined();
    const withContent = await call('GET', `/api/v1/statistics/datasets/${ds}/datasetfilemetas?AggregateBy=tags.all&QueryExpression=${encodeURIComponent('Content:"x"')}`);
    expect(withContent.status).toBe(400);
  });

  it('rejects what cannot be answered with a clear 400', async () => {
    const cases: Array<[Record<string, string | number>, string]> = [
      [{ QueryExpression: 'FileName = ' }, 'QueryExpression'],
      [{ QueryType: 'VECTOR' }, 'QueryType'],
      [{ QueryType: 'TAG', QueryText: 'x' }, 'QueryType'],
      [{ TopK: 5 }, 'TopK'],
      [{ SortBy: 'Score' }, 'SortBy'],
      [{ StartTagUpdateTime: 'yesterday' }, 'StartTagUpdateTime'],
      [{ QueryTagsIncludeAny: '["unclosed' }, 'QueryTagsIncludeAny'],
      [{ QueryText: QUERY, NextToken: 'bogus' }, 'NextToken'],
    ];
    for (const [params, field] of cases) {
      const res = await list(params);
      expect([res.status, res.body.Field], JSON.stringify(params)).toEqual([400, field]);
      expect(res.body.Message.length).toBeGreaterThan(5);
    }
    const bad = await list({ QueryExpression: 'FileName = "a" AND' });
    expect(bad.body.Message).toMatch(/^1:\d+: expected/);
    // Where, for the console to underline: Offset 0-based in UTF-16 code units, Line and Column as in the message.
    expect(bad.body.Position).toEqual({ Offset: 18, Line: 1, Column: 19 });
    const second = await list({ QueryExpression: 'FileDir:"城市"\nAND FileName = ' });
    expect([second.body.Field, second.body.Position]).toEqual(['QueryExpression', { Offset: 28, Line: 2, Column: 16 }]);
    const other = await list({ TopK: 5 });
    expect(other.body).not.toHaveProperty('Position');
  });
});

const allOf = (m: FileMeta) => {
  const removed = new Set(m.tags.userDeleteAiTags);
  return [...new Set([...m.tags.ai.filter((t) => !removed.has(t)), ...m.tags.user])];
};
const has = (m: FileMeta, tag: string) => allOf(m).includes(tag);
const dsl = (q: string) => {
  const f = parseQuery(q).filter!;
  return (m: FileMeta) => evaluate(f, m);
};
