// Retrieval evaluation end to end on the real server over the 102 COCO photos and their labels
// (dataset.jsonl). The embedding service is a loopback GME double that knows the labels
// (test/support/label-embedding.ts): model `label-exact` places each photo exactly on its labels,
// `label-noisy` adds noise. Its numbers say nothing about any real model. Both indexes are built by
// SemanticIndex jobs; the evaluation's numbers must equal the metrics of the rankings the search API
// returns for the same tags, and be what the geometry promises (exact: P@1 = 1 for every tag, mAP = 1).
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarize, thresholdForPrecision, type QueryRun } from '../../lib/services/evaluation-metrics.js';
import { FIXTURES_SKIP_MESSAGE, fixturesDir, fixturesMissing } from '../support/fixtures.js';
import { labelEmbedding, type LabelEmbedding } from '../support/label-embedding.js';
import { startGmeServer, type LoopbackGme } from '../support/loopback-gme.js';
import { listAllFileMetas, startServer, waitForJob, type RunningServer } from '../support/server.js';

interface CocoRow {
  image_id: string;
  file: string;
  tags: string[];
}

const KS = [1, 5, 10, 50, 100];
/** Noise of `label-noisy` (see label-embedding.ts): about P@1 0.86, mAP 0.73 on these photos. */
const NOISE = 2;
const EXACT = { Name: 'labels-exact', IndexName: 'coco_exact', ModelName: 'label-exact' };
const NOISY = { Name: 'labels-noisy', IndexName: 'coco_noisy', ModelName: 'label-noisy' };

describe.skipIf(fixturesMissing)(`evaluation end to end (${fixturesMissing ? FIXTURES_SKIP_MESSAGE : 'fixtures found'})`, () => {
  let server: RunningServer;
  let gme: LoopbackGme;
  let labels: LabelEmbedding;
  let dir: string; // holds the data dir (data/) and the small datasets and labels files the tests write
  let ds: string;
  let gmeConn: string;
  let vectorConn: string;
  let coco: CocoRow[];
  let tags: string[];
  const idOf = new Map<string, string>(); // image file name → DatasetFileMetaId
  const runsOf = new Map<string, QueryRun[]>(); // index name → each tag's ranking from the search API
  const cocoDir = () => path.join(fixturesDir!, 'coco');
  const labelsUri = () => pathToFileURL(path.join(cocoDir(), 'dataset.jsonl')).href;
  const evaluate = (body: object, datasetId = ds) => server.api('POST', `/api/v1/datasets/${datasetId}/evaluations`, { DatasetVersion: 'v1', ...body });
  const withConnections = (x: object) => ({ ...x, EmbeddingConnectionId: gmeConn, VectorConnectionId: vectorConn });

  async function buildIndex(datasetId: string, index: { IndexName: string; ModelName: string }, jobMode = 'Full') {
    const put = await server.api('PUT', `/api/v1/datasets/${datasetId}/indexconfig`, { ...withConnections(index), RefreshNow: true, JobMode: jobMode });
    expect(put.status, `${JSON.stringify(put.body)}\n${server.output()}`).toBe(200);
    return waitForJob(server, datasetId, put.body.DatasetJobId, 180_000);
  }

  /** Every tag as a text query through the search API, on the index the dataset's config names now. */
  async function rankingsOfConfiguredIndex(): Promise<QueryRun[]> {
    const runs: QueryRun[] = [];
    for (const tag of tags) {
      const r = await server.api('POST', `/api/v1/datasets/${ds}/datasetfilemetas/action/search`, { QueryType: 'VECTOR', QueryText: tag, TopK: 100, MaxResults: 100 });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      runs.push({
        query: tag,
        ranked: r.body.DatasetFileMetas.map((m: { DatasetFileMetaId: string; Score: number }) => ({ id: m.DatasetFileMetaId, score: m.Score })),
        relevant: new Set(coco.filter((c) => c.tags.includes(tag)).map((c) => idOf.get(path.basename(c.file))!)),
      });
    }
    return runs;
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-e2e-eval-'));
    coco = (await readFile(path.join(cocoDir(), 'dataset.jsonl'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as CocoRow);
    tags = [...new Set(coco.flatMap((c) => c.tags))].sort();
    const table = new Map<string, string[]>();
    for (const c of coco) table.set(createHash('sha256').update(await readFile(path.join(cocoDir(), c.file))).digest('hex'), c.tags);
    labels = labelEmbedding({ labelsBySha256: table, noise: { [NOISY.ModelName]: NOISE } });
    gme = await startGmeServer({ embed: labels.embed });
    server = await startServer(path.join(dir, 'data'), { LOUPE_FILE_ROOTS: [dir, fixturesDir!].join(':') });
    ds = (await server.api('POST', '/api/v1/datasets', { Name: 'coco', Uri: pathToFileURL(path.join(cocoDir(), 'images')).href })).body.DatasetId;
    const conn = async (body: object) => {
      const r = await server.api('POST', '/api/v1/connections', body);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body.ConnectionId as string;
    };
    gmeConn = await conn({ ConnectionName: 'labels-double', ConnectionType: 'EasEmbeddingConnection', Configs: { Endpoint: gme.url } });
    vectorConn = await conn({ ConnectionName: 'local', ConnectionType: 'LocalVectorConnection' });

    expect(await buildIndex(ds, EXACT)).toMatchObject({ Status: 'Succeeded', CompletedFileCount: coco.length });
    expect(await buildIndex(ds, NOISY)).toMatchObject({ Status: 'Succeeded', CompletedFileCount: coco.length });
    for (const m of await listAllFileMetas(server, ds)) idOf.set(m.FileName, m.DatasetFileMetaId);
    runsOf.set(NOISY.Name, await rankingsOfConfiguredIndex());
    // A file meta names the index it was embedded into last, and the search API searches the configured
    // index over those files: an Increment job puts the photos back under coco_exact (same vectors).
    expect(await buildIndex(ds, EXACT, 'Increment')).toMatchObject({ Status: 'Succeeded', CompletedFileCount: coco.length });
    runsOf.set(EXACT.Name, await rankingsOfConfiguredIndex());
    expect(labels.unknownImages(), 'every photo reached the double as is (its sha256 is in the table)').toBe(0);
  }, 600_000);
  afterAll(async () => {
    await server?.stop();
    await gme?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** What the response must say of an index: the metrics module over the search API's rankings. */
  function expectedIndex(name: string, indexName: string, modelName: string, ks: number[], targetPrecision?: number) {
    const runs = runsOf.get(name)!;
    const s = summarize(runs, ks);
    const byK = (v: Record<number, number>) => Object.fromEntries(ks.map((k) => [String(k), v[k]]));
    const t = targetPrecision === undefined ? undefined : thresholdForPrecision(runs, targetPrecision);
    return {
      Name: name,
      IndexName: indexName,
      EmbedderId: `gme:${modelName}`,
      PrecisionAtK: byK(s.precisionAtK),
      RecallAtK: byK(s.recallAtK),
      MAP: s.map,
      ...(t === undefined
        ? {}
        : { Threshold: t && { TargetPrecision: t.targetPrecision, ScoreThreshold: t.scoreThreshold, Precision: t.precision, Recall: t.recall } }),
      PerQuery: s.perQuery.map((q) => ({ Tag: q.query, Relevant: q.relevant, PrecisionAtK: byK(q.precisionAtK), RecallAtK: byK(q.recallAtK), AP: q.ap })),
    };
  }

  it('compares two indexes, in the order given, with the numbers the metrics give for the search API rankings', async () => {
    const r = await evaluate({ LabelsUri: labelsUri(), Indexes: [withConnections(EXACT), withConnections(NOISY)], TargetPrecision: 0.9 });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ DatasetId: ds, DatasetVersion: 'v1', LabelsUri: labelsUri(), Images: 102, Matched: 102, Queries: tags.length, Ks: KS });
    expect(r.body.Indexes.map((x: { Name: string }) => x.Name)).toEqual([EXACT.Name, NOISY.Name]);
    expect(r.body.Indexes[0]).toEqual(expectedIndex(EXACT.Name, EXACT.IndexName, EXACT.ModelName, KS, 0.9));
    expect(r.body.Indexes[1]).toEqual(expectedIndex(NOISY.Name, NOISY.IndexName, NOISY.ModelName, KS, 0.9));
  });

  it('is what the geometry promises: the exact index ranks every carrier of a tag first; noise costs', async () => {
    const r = await evaluate({ LabelsUri: labelsUri(), Indexes: [withConnections(EXACT), withConnections(NOISY)], TargetPrecision: 0.9 });
    const [exact, noisy] = r.body.Indexes;
    expect(exact.PerQuery).toHaveLength(tags.length);
    for (const q of exact.PerQuery) {
      expect(q.PrecisionAtK['1'], q.Tag).toBe(1);
      expect(q.AP, q.Tag).toBeCloseTo(1, 12);
      expect(q.RecallAtK['100'], q.Tag).toBe(1); // no tag is on more than 100 photos
      expect(q.Relevant).toBe(coco.filter((c) => c.tags.includes(q.Tag)).length);
    }
    expect(exact.MAP).toBeCloseTo(1, 12);
    // Every carrier scores > 0 and every other photo 0: a threshold at 0 keeps exactly the carriers.
    expect(exact.Threshold).toMatchObject({ TargetPrecision: 0.9, Precision: 1, Recall: 1 });
    expect(exact.Threshold.ScoreThreshold).toBeCloseTo(0, 5);
    expect(noisy.PrecisionAtK['1']).toBeLessThan(1);
    expect(noisy.MAP).toBeLessThan(exact.MAP - 0.1);
    expect(noisy.Threshold.Precision).toBeGreaterThanOrEqual(0.9);
    expect(noisy.Threshold.Recall).toBeLessThan(1);
  });

  it('without Indexes evaluates the dataset index config; Ks are sorted and deduplicated; no TargetPrecision, no Threshold', async () => {
    const r = await evaluate({ LabelsUri: labelsUri(), Ks: [10, 1, 10] });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.Ks).toEqual([1, 10]);
    expect(r.body.Indexes).toEqual([{ ...expectedIndex(EXACT.Name, EXACT.IndexName, EXACT.ModelName, [1, 10]), Name: EXACT.IndexName }]);
  });

  it('matches images by `file` (relative or a full URI) or images/<image_id>[.ext]; unmatched lines are counted out', async () => {
    const root = path.join(dir, 'small');
    await mkdir(path.join(root, 'images'), { recursive: true });
    await mkdir(path.join(root, 'pics'), { recursive: true });
    const photo = (i: number) => path.join(cocoDir(), coco[i]!.file);
    await copyFile(photo(0), path.join(root, 'images', 'a.jpg'));
    await copyFile(photo(1), path.join(root, 'images', 'b.png')); // a JPEG named .png: the name is what matches
    await copyFile(photo(2), path.join(root, 'pics', 'c [1].jpg'));
    await copyFile(photo(3), path.join(root, 'pics', 'd.jpg'));
    const lines = [
      { image_id: 'a', tags: coco[0]!.tags },
      { image_id: 'b.png', tags: coco[1]!.tags },
      { image_id: 'c', tags: coco[2]!.tags, file: 'pics/c [1].jpg' },
      { image_id: 'd', tags: coco[3]!.tags, file: pathToFileURL(path.join(root, 'pics', 'd.jpg')).href },
      { image_id: 'missing', tags: ['dog'] },
    ];
    await writeFile(path.join(root, 'dataset.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const small = (await server.api('POST', '/api/v1/datasets', { Name: 'small', Uri: pathToFileURL(root).href })).body.DatasetId;
    expect(await buildIndex(small, { ...EXACT, IndexName: 'small_exact' })).toMatchObject({ Status: 'Succeeded', CompletedFileCount: 4, FailedFileCount: 0, SkippedFileCount: 1 }); // dataset.jsonl is no image

    const r = await evaluate({}, small); // default LabelsUri: <version Uri>dataset.jsonl
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const want = new Set(lines.slice(0, 4).flatMap((l) => l.tags));
    expect(r.body).toMatchObject({ LabelsUri: pathToFileURL(path.join(root, 'dataset.jsonl')).href, Images: 5, Matched: 4, Queries: want.size });
    expect(r.body.Indexes[0].PerQuery.map((q: { Tag: string }) => q.Tag)).toEqual([...want].sort());
    expect(r.body.Indexes[0].PrecisionAtK['1']).toBe(1);
  });

  it('refuses a classic index, bad labels and bad requests with a clear 400', async () => {
    const classic = (await server.api('POST', '/api/v1/connections', { ConnectionName: 'classic', ConnectionType: 'ClassicEmbeddingConnection' })).body.ConnectionId;
    const r1 = await evaluate({ LabelsUri: labelsUri(), Indexes: [{ IndexName: 'coco_classic', EmbeddingConnectionId: classic, VectorConnectionId: vectorConn }] });
    expect(r1.status).toBe(400);
    expect(r1.body.Message).toBe('index coco_classic was built by classic:v1, which has no text side: evaluation needs a text-capable embedder');

    const bad = path.join(dir, 'bad.jsonl');
    await writeFile(bad, '{"image_id": "x", "tags": ["dog"]}\n\n{"image_id": "y", "tags": "dog"}\n');
    const r2 = await evaluate({ LabelsUri: pathToFileURL(bad).href });
    expect([r2.status, r2.body.Field]).toEqual([400, 'LabelsUri']);
    expect(r2.body.Message).toMatch(/^LabelsUri: line 3: tags: /);
    await writeFile(bad, '{"image_id": "x", "tags": ["dog"]}\n{"image_id": "x", "tags": ["cat"]}\n');
    expect((await evaluate({ LabelsUri: pathToFileURL(bad).href })).body.Message).toBe('LabelsUri: line 2: its image_id is already on line 1');
    await writeFile(bad, '{"image_id": "x", "tags": ["dog"]}\nnot json\n');
    expect((await evaluate({ LabelsUri: pathToFileURL(bad).href })).body.Message).toBe('LabelsUri: line 2 is not JSON'); // never the line itself

    const r3 = await evaluate({}); // the default labels file: coco/images/dataset.jsonl does not exist
    expect([r3.status, r3.body.Field]).toEqual([400, 'LabelsUri']);
    expect(r3.body.Message).toContain(`no labels file at '${pathToFileURL(path.join(cocoDir(), 'images')).href}/dataset.jsonl'`);

    const twice = await evaluate({ LabelsUri: labelsUri(), Indexes: [withConnections(EXACT), withConnections({ ...NOISY, Name: EXACT.Name })] });
    expect([twice.status, twice.body.Field]).toEqual([400, 'Indexes.1']);
    const ks = await evaluate({ LabelsUri: labelsUri(), Ks: [0] });
    expect([ks.status, ks.body.Field]).toEqual([400, 'Ks.0']);
    const target = await evaluate({ LabelsUri: labelsUri(), TargetPrecision: 0 });
    expect([target.status, target.body.Field]).toEqual([400, 'TargetPrecision']);
    const unknown = await evaluate({ LabelsUri: labelsUri(), Indexes: [{ ...withConnections(EXACT), EmbeddingConnectionId: 'c-nope' }] });
    expect([unknown.status, unknown.body.Field]).toEqual([400, 'Indexes.0']);
  });
});
