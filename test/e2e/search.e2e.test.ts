// Search end to end on the real server over the COCO photos: indexed with the built-in `classic`
// embedder, a resized, re-encoded and cropped copy of a photo (uploaded, or read from storage) finds the
// photo first; the COCO labels, set as user tags, filter a MIX search and the query language exactly;
// statistics count them; result URLs open without the key; a text query on a `classic` index is a 400.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES_SKIP_MESSAGE, fixturesDir, fixturesMissing } from '../support/fixtures.js';
import { listAllFileMetas, startServer, waitForJob, type RunningServer } from '../support/server.js';

interface CocoRow {
  file: string;
  tags: string[];
}

describe.skipIf(fixturesMissing)(`search end to end (${fixturesMissing ? FIXTURES_SKIP_MESSAGE : 'fixtures found'})`, () => {
  let server: RunningServer;
  let dir: string; // holds the data dir (data/) and a query image
  let ds: string;
  let coco: CocoRow[];
  const idOf = new Map<string, string>(); // file name → DatasetFileMetaId
  const search = (body: object) => server.api('POST', `/api/v1/datasets/${ds}/datasetfilemetas/action/search`, body);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-e2e-search-'));
    coco = (await readFile(path.join(fixturesDir!, 'coco', 'dataset.jsonl'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as CocoRow);
    server = await startServer(path.join(dir, 'data'), { LOUPE_FILE_ROOTS: [dir, fixturesDir!].join(':') });
    const uri = pathToFileURL(path.join(fixturesDir!, 'coco', 'images')).href;
    ds = (await server.api('POST', '/api/v1/datasets', { Name: 'coco', Uri: uri })).body.DatasetId;
    const classic = (await server.api('POST', '/api/v1/connections', { ConnectionName: 'classic', ConnectionType: 'ClassicEmbeddingConnection' })).body.ConnectionId;
    const local = (await server.api('POST', '/api/v1/connections', { ConnectionName: 'local', ConnectionType: 'LocalVectorConnection' })).body.ConnectionId;
    const put = await server.api('PUT', `/api/v1/datasets/${ds}/indexconfig`, { EmbeddingConnectionId: classic, VectorConnectionId: local, IndexName: 'coco', RefreshNow: true });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const job = await waitForJob(server, ds, put.body.DatasetJobId, 180_000);
    expect(job).toMatchObject({ Status: 'Succeeded', CompletedFileCount: coco.length });
    for (const m of await listAllFileMetas(server, ds)) idOf.set(m.FileName, m.DatasetFileMetaId);
    // the COCO labels become user tags, 20 files an update
    const edits = coco.map((r) => ({ DatasetFileMetaId: idOf.get(path.basename(r.file))!, Tags: JSON.stringify({ user: { add: r.tags } }) }));
    for (let i = 0; i < edits.length; i += 20) {
      const r = await server.api('PUT', `/api/v1/datasets/${ds}/datasetfilemetas`, { DatasetFileMetas: edits.slice(i, i + 20) });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.Status, JSON.stringify(r.body)).toBe(true);
    }
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** A near-duplicate of a COCO photo: resized to 70%, cropped by 4% a side, re-encoded as WebP. */
  async function nearCopy(file: string): Promise<Buffer> {
    const img = sharp(path.join(fixturesDir!, 'coco', file));
    const { width, height } = await img.metadata();
    const w = Math.round(width! * 0.7);
    const h = Math.round(height! * 0.7);
    return sharp(await img.resize(w, h).toBuffer())
      .extract({ left: Math.round(w * 0.04), top: Math.round(h * 0.04), width: Math.round(w * 0.92), height: Math.round(h * 0.92) })
      .webp({ quality: 70 })
      .toBuffer();
  }

  it('an uploaded near-copy of a photo finds the photo first, among all 102', async () => {
    for (const row of coco.slice(0, 12)) {
      const r = await search({ QueryImageData: (await nearCopy(row.file)).toString('base64'), TopK: 5 });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.DatasetFileMetas[0].DatasetFileMetaId).toBe(idOf.get(path.basename(row.file)));
      expect(r.body.DatasetFileMetas[0].Score).toBeGreaterThan(r.body.DatasetFileMetas[1].Score);
      expect(r.body.VectorSearch).toMatchObject({ TopK: 5, Returned: 5, IndexName: 'coco', EmbedderId: 'classic:v1' });
    }
  });

  it('an image in storage works the same, and its result URLs open without the key', async () => {
    const row = coco[20]!;
    const copy = path.join(dir, 'query.webp');
    await writeFile(copy, await nearCopy(row.file));
    const r = await server.api('GET', `/api/v1/datasets/${ds}/datasetfilemetas?${new URLSearchParams({ QueryImage: pathToFileURL(copy).href, TopK: '3' })}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const best = r.body.DatasetFileMetas[0];
    expect(best.DatasetFileMetaId).toBe(idOf.get(path.basename(row.file)));
    const thumb = await fetch(best.ThumbnailUrl); // absolute, on the API's origin
    expect([thumb.status, thumb.headers.get('content-type')]).toEqual([200, 'image/jpeg']);
    const original = await fetch(best.DownloadUrl);
    expect(Buffer.from(await original.arrayBuffer())).toEqual(await readFile(path.join(fixturesDir!, 'coco', row.file)));
  });

  it('tags filter a MIX search exactly (COCO labels as user tags): every result qualifies, as many as exist', async () => {
    const want = coco.filter((r) => r.tags.includes('dog') && !r.tags.includes('person'));
    expect(want.length).toBeGreaterThan(1);
    const r = await search({
      QueryImageData: (await nearCopy(coco[0]!.file)).toString('base64'),
      QueryTagsIncludeAll: ['dog'],
      QueryTagsExclude: ['person'],
      TopK: 50,
    });
    expect(r.status).toBe(200);
    expect(new Set(r.body.DatasetFileMetas.map((m: { DatasetFileMetaId: string }) => m.DatasetFileMetaId))).toEqual(
      new Set(want.map((w) => idOf.get(path.basename(w.file)))),
    );
    expect(r.body.VectorSearch.Shortfall.Reason).toBe('Filter');
    const scores = r.body.DatasetFileMetas.map((m: { Score: number }) => m.Score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('the query language over the same tags, and statistics over them', async () => {
    const expression = '(Tags.user="car" OR Tags.user="truck") AND NOT Tags.all="person" AND ImageWidth >= 600';
    const r = await server.api('GET', `/api/v1/datasets/${ds}/datasetfilemetas?${new URLSearchParams({ QueryExpression: expression, MaxResults: '200' })}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const metas = new Map((await listAllFileMetas(server, ds)).map((m) => [m.FileName, m]));
    const want = coco
      .filter((c) => (c.tags.includes('car') || c.tags.includes('truck')) && !c.tags.includes('person') && metas.get(path.basename(c.file))!.MetaAttributes.ImageWidth >= 600)
      .map((c) => idOf.get(path.basename(c.file)));
    expect(want.length).toBeGreaterThan(0);
    expect(new Set(r.body.DatasetFileMetas.map((m: { DatasetFileMetaId: string }) => m.DatasetFileMetaId))).toEqual(new Set(want));

    const stats = await server.api('GET', `/api/v1/statistics/datasets/${ds}/datasetfilemetas?AggregateBy=tags.user&MaxResults=5`);
    const counts = new Map<string, number>();
    for (const c of coco) for (const t of c.tags) counts.set(t, (counts.get(t) ?? 0) + 1);
    const top = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 5);
    expect(stats.body.DatasetFileMetasStats).toEqual(top.map(([Key, Count]) => ({ Key, Count })));
  });

  it('a text query on a classic index is a clear 400, not a silent fallback', async () => {
    const r = await search({ QueryText: 'a dog on a sofa' });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ Field: 'QueryText' });
    expect(r.body.Message).toMatch(/classic:v1 has no text side/);
  });
});
