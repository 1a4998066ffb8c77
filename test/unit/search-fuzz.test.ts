// The search API under hostile input: 100,000 random and mutated query expressions answer only 200 or
// 400 (never 500, never a crash), on both ways a version is searched (SQL, and the in-memory index);
// SQL injection attempts in every string parameter are 400s or match nothing they should not.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../functions/api/index.js';
import { fileMetaId } from '../../lib/domain/ids.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { buildContainer, type Container } from '../../lib/runtime/container.js';
import { jsonLogger } from '../../lib/runtime/logger.js';
import { evaluate } from '../../lib/dsl/evaluator.js';
import { parseQuery } from '../../lib/dsl/parser.js';
import { printExpr } from '../../lib/dsl/print.js';
import { randomCorpus, randomExpr, seededRng } from '../support/dsl-corpus.js';
import { fuzzQuery } from '../support/dsl-fuzz-inputs.js';

const KEY = 'fuzz-key-0123456789';
const SEED = Number(process.env.LOUPE_DSL_SEED ?? 4242);
const CASES_PER_PATH = Number(process.env.LOUPE_FUZZ_CASES ?? 50_000);
const FILES = 300;
const INJECTIONS = [
  `x' OR '1'='1`,
  `"); DROP TABLE file_metas; --`,
  `%' OR 1=1 --`,
  `a%`,
  `_`,
  `\\' UNION SELECT id, uri FROM file_metas --`,
  `]) OR 1=1 --`,
  `'||(SELECT group_concat(uri) FROM file_metas)||'`,
];

describe.each([
  { path: 'SQL', memoryIndexMinFiles: Infinity },
  { path: 'in-memory index', memoryIndexMinFiles: 0 },
])('search API under hostile input ($path)', ({ memoryIndexMinFiles }) => {
  let dir: string;
  let c: Container;
  let app: ReturnType<typeof createApi>;
  let ds: string;
  let stackTraceLimit: number;

  const get = async (params: Record<string, string>) => {
    const res = await app.fetch(
      new Request(`http://loupe.test/api/v1/datasets/${ds}/datasetfilemetas?${new URLSearchParams(params)}`, { headers: { authorization: `Bearer ${KEY}` } }),
    );
    return { status: res.status, body: JSON.parse(await res.text()) };
  };

  beforeAll(async () => {
    stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0; // tens of thousands of 400s: stacks are not under test
    dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-fuzz-'));
    await mkdir(path.join(dir, 'files'));
    c = buildContainer(loadConfig({ LOUPE_DATA_DIR: path.join(dir, 'data'), LOUPE_FILE_ROOTS: dir, LOUPE_API_KEYS: KEY }), { log: jsonLogger('silent'), memoryIndexMinFiles });
    app = createApi(c, [KEY]);
    ds = (await c.services.datasets.create({ name: 'fuzz', uri: pathToFileURL(path.join(dir, 'files')).href })).datasetId;
    const corpus = randomCorpus(seededRng(SEED), FILES).metas;
    await c.store.upsertListedFiles(
      corpus.map((m, i) => {
        const uri = `${pathToFileURL(path.join(dir, 'files')).href}/${m.fileDir}${i}-${m.fileName}`;
        return { datasetFileMetaId: fileMetaId(ds, 'v1', uri), datasetId: ds, versionName: 'v1', uri, fileName: `${i}-${m.fileName}`, fileDir: m.fileDir, dataSize: m.dataSize,
          fileFingerPrint: `e${i}`, fileCreateTime: m.fileCreateTime, fileUpdateTime: m.fileUpdateTime, fileType: m.fileType, fileFormat: m.fileFormat, reset: true };
      }),
      'job',
      new Date().toISOString(),
    );
  });
  afterAll(async () => {
    Error.stackTraceLimit = stackTraceLimit;
    await c.close();
    await rm(dir, { recursive: true, force: true });
  });

  it(`${CASES_PER_PATH} random and mutated QueryExpressions: only 200s and 400s`, async () => {
    const rng = seededRng(SEED + (memoryIndexMinFiles === 0 ? 1 : 0));
    const corpus = randomCorpus(rng, 50);
    const valid = Array.from({ length: 300 }, () => printExpr(randomExpr(rng, corpus, 4)));
    const seen = { 200: 0, 400: 0 } as Record<number, number>;
    for (let i = 0; i < CASES_PER_PATH; i++) {
      const expression = fuzzQuery(rng, valid);
      const res = await app.fetch(
        new Request(`http://loupe.test/api/v1/datasets/${ds}/datasetfilemetas?${new URLSearchParams({ QueryExpression: expression, MaxResults: '5' })}`, {
          headers: { authorization: `Bearer ${KEY}` },
        }),
      );
      if (res.status !== 200 && res.status !== 400) expect.fail(`seed ${SEED}, case ${i}: ${JSON.stringify(expression)} answered ${res.status}: ${await res.text()}`);
      if (res.status === 400) {
        const body = JSON.parse(await res.text());
        if (body.Field !== 'QueryExpression' && body.Field !== 'TopK' && body.Field !== 'ScoreThreshold' && body.Code !== 'Conflict') {
          // a vector option without an index is a 400 about the option or a conflict; anything else must name the expression
          expect.fail(`case ${i}: ${JSON.stringify(expression)} → 400 naming ${body.Field}: ${body.Message}`);
        }
      } else await res.arrayBuffer();
      seen[res.status] = (seen[res.status] ?? 0) + 1;
    }
    expect(seen[200]).toBeGreaterThan(CASES_PER_PATH * 0.03);
    expect(seen[400]).toBeGreaterThan(CASES_PER_PATH * 0.5);
    // A fixed amount of work (about 30 s alone on 2 cores); the limit only catches a hang, and the
    // browser suites share the CPU with it in CI.
  }, 240_000);

  it('SQL injection in every string parameter: a 400, or no file it should not match', async () => {
    const total = (await get({ MaxResults: '1' })).body.TotalCount;
    expect(total).toBe(FILES);
    const metas = await c.store.getFileMetas((await c.store.listFileMetaIds({ datasetId: ds, versionName: 'v1' }, FILES)));
    for (const bad of INJECTIONS) {
      for (const [param, of] of [['QueryFileName', 'fileName'], ['QueryFileDir', 'fileDir']] as const) {
        // a substring, taken literally (`%` and `_` are no wildcards)
        const res = await get({ [param]: bad, MaxResults: '1000' });
        expect(res.status).toBe(200);
        const want = metas.filter((m) => m[of].toLowerCase().includes(bad.toLowerCase())).map((m) => m.datasetFileMetaId).sort();
        expect(res.body.DatasetFileMetas.map((m: { DatasetFileMetaId: string }) => m.DatasetFileMetaId).sort(), `${param}=${bad}`).toEqual(want);
      }
      for (const param of ['QueryTagsIncludeAny', 'QueryTagsIncludeAll', 'DatasetFileMetaIds', 'StartFileUpdateTime', 'Status', 'SortBy', 'Order', 'NextToken', 'DatasetVersion', 'ThumbnailMode', 'QueryType']) {
        const res = await get({ [param]: bad });
        expect([200, 400, 404], `${param}=${bad}`).toContain(res.status);
        if (res.status === 200) expect(res.body.TotalCount, `${param}=${bad}`).toBe(0);
      }
      // excluding a tag nobody has keeps everything, and nothing more
      expect((await get({ QueryTagsExclude: bad })).body.TotalCount).toBe(total);
      for (const field of ['FileName', 'FileDir', 'Uri', 'FileType', 'Tags.all', 'Tags.user']) {
        const quoted = JSON.stringify(bad);
        for (const op of ['=', ':']) {
          const expression = `${field}${op}${quoted}`;
          const res = await get({ QueryExpression: expression, MaxResults: '1000' });
          expect([200, 400], expression).toContain(res.status);
          if (res.status !== 200) continue;
          // `:` matches words, and `a%` has the word `a`: exactly what the evaluator selects, nothing more
          const filter = parseQuery(expression).filter!;
          const want = metas.filter((m) => evaluate(filter, m)).map((m) => m.datasetFileMetaId).sort();
          expect(res.body.DatasetFileMetas.map((m: { DatasetFileMetaId: string }) => m.DatasetFileMetaId).sort(), expression).toEqual(want);
          if (op === '=') expect(want, expression).toEqual([]);
        }
        const negated = await get({ QueryExpression: `NOT ${field}=${quoted}` });
        expect(negated.body.TotalCount).toBe(total);
      }
    }
  });
});
