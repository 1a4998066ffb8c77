// Search latency (DESIGN.md §5, ListDatasetFileMetas), through the API app in-process:
// 1. TAG queries (tags any/all/exclude + a time range + a tokenized FileDir condition) over --files generated
//    file metas in SQLite: first page and a deep page (after 20 NextTokens), and what the exact TotalCount costs.
//    Target: p50 ≤ 20 ms, p99 ≤ 100 ms.
// 2. MIX: QueryText with a filter keeping ~1% of the files, TopK=100, over --vectors vectors in the local index.
// 3. Exact vector top-10 at 100k and at --vectors: LocalVectorStore, raw usearch `exactSearch` and LanceDB's
//    flat search (installed on demand in bench/peers/, never a dependency of Loupe) on the same data.
// Options: --files 1000000 --vectors 1000000 --dim 1536 --queries 50 --skip-peers --skip-vectors.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { exactSearch, MetricKind, type Matches } from 'usearch';
import { createApi } from '../functions/api/index.js';
import { LocalVectorStore } from '../lib/adapters/vectorstore/local-vector-store.js';
import { allTags } from '../lib/domain/file-meta.js';
import { fileMetaId } from '../lib/domain/ids.js';
import { parseQuery } from '../lib/dsl/parser.js';
import { tokensContain } from '../lib/dsl/tokenize.js';
import { pageSizeOf, SearchQueryParams, searchParamsOf } from '../lib/http/search-params.js';
import type { FileMetaQuery, ListedFileRow, MetaStore, ProbeUpdate, TagUpdate } from '../lib/ports/meta-store.js';
import { loadConfig } from '../lib/runtime/config.js';
import { buildContainer, type Container } from '../lib/runtime/container.js';
import { jsonLogger } from '../lib/runtime/logger.js';
import { metadataQuery } from '../lib/services/search.js';
import { startGmeServer } from '../test/support/loopback-gme.js';
import { flag, option, percentiles, random, round, timeAlternating, unitVectors, type Percentiles } from './support.js';

const KEY = 'bench-search-key-0123456789';
const EMBEDDER_ID = 'gme:gme-qwen2-vl-2b';
const INDEX = 'idx';
/** Rows per store call while seeding: large batches, one transaction (or one log entry) each. */
const SEED_BATCH = 10_000;
const PAGE = 100;
const DEEP_PAGES = 20;
const TOP_K = 100;
const LANCE_BATCH = 25_000;
const YEAR_START = Date.parse('2025-01-01T00:00:00Z');
const YEAR_MS = 365 * 86_400_000;
const MONTH_MS = YEAR_MS / 12;
const TARGET = { p50Ms: 20, p99Ms: 100 };

// ---------------------------------------------------------------- the generated dataset

/** 200 tags, most frequent first (Zipf, exponent 1.2: ~80% of the files carry the first, ~0.2% the last). */
const TAGS = (() => {
  const base = [
    'car', 'road', 'person', 'building', 'tree', 'sky', 'lane line', 'traffic light', 'truck', 'night',
    '蓝色汽车', 'pedestrian', 'bus', 'bicycle', 'rainy days', 'barrier gate', 'crosswalk', 'street lamp', '行人', 'motorcycle',
    'parking lot', 'highway', 'bridge', 'tunnel', '红绿灯', 'snow', 'fog', 'sunny', 'intersection', 'sign',
    '停车场', 'dog', 'cat', 'cloud', '高速公路', 'taxi', 'van', 'cone', 'fence', '斑马线',
  ];
  const variants = ['', ' close-up', ' partial', ' occluded', ' blurred'];
  const out: string[] = [];
  for (const v of variants) for (const b of base) out.push(`${b}${v}`);
  const r = random(42);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
})();
const TAG_CUMULATIVE = cumulative(TAGS.map((_, r) => 1 / (r + 1) ** 1.2));

/** 100 folders, 2–3 levels, with underscores and CJK; most files sit under dashcam/. */
const FOLDERS = (() => {
  const tops: Array<[string, number]> = [['dashcam', 0.75], ['street_view', 0.1], ['城市数据', 0.07], ['uploads', 0.05], ['archive_2024', 0.03]];
  const seconds = ['blue_car', 'red_truck', 'night_shift', '夜景', 'cam_01', 'cam_02', 'rainy_days', 'lane_line', '高速公路', 'misc_objects'];
  const out: Array<{ dir: string; weight: number }> = [];
  for (const [top, w] of tops) {
    seconds.forEach((s, i) => {
      out.push({ dir: `${top}/${s}/`, weight: w / (i + 1) ** 0.8 });
      if (i < 5) for (const third of ['part_a', '第二批']) out.push({ dir: `${top}/${s}/${third}/`, weight: (0.5 * w) / (i + 1) ** 0.8 });
    });
  }
  return out;
})();
const FOLDER_CUMULATIVE = cumulative(FOLDERS.map((f) => f.weight));
const DIR_TERMS = ['dashcam', 'street_view', 'blue_car', '城市', 'cam_01', 'night', '第二批', 'archive', 'lane_line', '夜景', 'rainy_days', 'part_a'];
const USER_TAGS = ['checked', '需要复核', 'hard case'];

interface GeneratedFile {
  id: string;
  uri: string;
  fileName: string;
  fileDir: string;
  etag: string;
  size: number;
  updateTime: number;
  ai: string[];
  user: string[];
  userDeleteAiTags: string[];
}

/** File `i` of the dataset, the same every run (its own random stream). */
function generatedFile(i: number, datasetId: string, rootUri: string): GeneratedFile {
  const r = random(Math.imul(i + 1, 0x9e3779b1) ^ 0x5bd1e995);
  r();
  r();
  const fileDir = FOLDERS[pick(FOLDER_CUMULATIVE, r())]!.dir;
  const fileName = i % 13 === 0 ? `照片_${i}.jpg` : `img_${String(i).padStart(7, '0')}.jpg`;
  const uri = `${rootUri}${fileDir}${fileName}`;
  const count = 3 + Math.floor(r() * 6);
  const ai = new Set<string>();
  for (let tries = 0; ai.size < count && tries < 64; tries++) ai.add(TAGS[pick(TAG_CUMULATIVE, r())]!);
  const aiList = [...ai];
  const user = r() < 0.05 ? [r() < 0.5 ? USER_TAGS[Math.floor(r() * USER_TAGS.length)]! : TAGS[pick(TAG_CUMULATIVE, r())]!] : [];
  const userDeleteAiTags = r() < 0.03 ? [aiList[Math.floor(r() * aiList.length)]!] : [];
  return {
    id: fileMetaId(datasetId, 'v1', uri),
    uri,
    fileName,
    fileDir,
    etag: `etag-${i}`,
    size: 20_000 + Math.floor(r() * 2_000_000),
    updateTime: YEAR_START + Math.floor(r() * YEAR_MS),
    ai: aiList,
    user,
    userDeleteAiTags,
  };
}

/** What a query needs to know of a sampled file, to pick queries of a given selectivity. */
interface SampledFile {
  index: number;
  tags: Set<string>;
  dir: string;
  time: number;
}

/**
 * Seeds `files` metas through the store's own batch methods, as a listing, probing and tagging job would
 * leave them (plus some user edits); returns the ids (of the first `keepIds`) and a sample of ~20k files.
 */
async function seedMetas(store: MetaStore, files: number, keepIds: number, datasetId: string, rootUri: string, say: (s: string) => void) {
  const ids: string[] = [];
  const sample: SampledFile[] = [];
  const sampleEvery = Math.max(1, Math.floor(files / 20_000));
  const now = new Date().toISOString();
  let userEdits = 0;
  const t0 = performance.now();
  for (let from = 0; from < files; from += SEED_BATCH) {
    const batch: GeneratedFile[] = [];
    for (let i = from; i < Math.min(files, from + SEED_BATCH); i++) {
      const f = generatedFile(i, datasetId, rootUri);
      batch.push(f);
      if (i < keepIds) ids.push(f.id);
      if (i % sampleEvery === 0) {
        sample.push({ index: i, tags: new Set(allTags({ ai: f.ai, user: f.user, userDeleteAiTags: f.userDeleteAiTags })), dir: f.fileDir, time: f.updateTime });
      }
    }
    await store.upsertListedFiles(
      batch.map(
        (f): ListedFileRow => ({
          datasetFileMetaId: f.id,
          datasetId,
          versionName: 'v1',
          uri: f.uri,
          fileName: f.fileName,
          fileDir: f.fileDir,
          dataSize: f.size,
          fileFingerPrint: f.etag,
          fileCreateTime: null,
          fileUpdateTime: new Date(f.updateTime).toISOString(),
          fileType: 'image',
          fileFormat: 'jpeg',
          reset: true,
        }),
      ),
      'job-listing',
      now,
    );
    await store.applyProbeResults(
      batch.map(
        (f, k): ProbeUpdate => ({
          datasetFileMetaId: f.id,
          fileFingerPrint: f.etag,
          status: 'ACTIVE',
          fileType: 'image',
          fileFormat: 'jpeg',
          contentType: 'image/jpeg',
          metaAttributes: { ImageWidth: 640 + ((from + k) % 7) * 160, ImageHeight: 480 + ((from + k) % 5) * 120 },
          failReason: null,
          probeDepth: 'header',
        }),
      ),
      now,
    );
    await store.applyTagResults(
      batch.map((f): TagUpdate => ({ datasetFileMetaId: f.id, fileFingerPrint: f.etag, ai: f.ai, tagDefinitionId: 'def-bench', tagDefinitionVersion: 1, model: 'qwen-vl-max', jobId: 'job-bench-tag' })),
      now,
    );
    for (const f of batch) {
      if (f.user.length || f.userDeleteAiTags.length) {
        const tags = { ai: f.ai, user: f.user, userDeleteAiTags: f.userDeleteAiTags };
        await store.updateFileMetaContent({ datasetFileMetaId: f.id, expectedTags: { ...tags, user: [], userDeleteAiTags: [] }, tags }, now);
        userEdits++;
      }
    }
    const done = Math.min(files, from + SEED_BATCH);
    if (done % 100_000 === 0 || done === files) say(`seeded ${done} file metas (${Math.round(done / ((performance.now() - t0) / 1000))}/s)`);
  }
  const seconds = (performance.now() - t0) / 1000;
  return { ids, sample, seeding: { files, userTagEdits: userEdits, batch: SEED_BATCH, seconds: round(seconds), filesPerSecond: Math.round(files / seconds) } };
}

// ---------------------------------------------------------------- TAG queries

interface TagQuery {
  any: string[];
  all: string[];
  exclude: string[];
  start: number;
  end: number;
  dir: string;
}

/**
 * `count` queries whose selectivities (estimated on the sample) spread log-evenly from ~50% down to ~0.5%,
 * each with every kind of condition; tags range from the most frequent to the rarest.
 */
function chooseTagQueries(sample: SampledFile[], count: number): Array<{ query: TagQuery; estimated: number }> {
  const r = random(7);
  const share = (keep: (f: SampledFile) => boolean) => sample.filter(keep).length / sample.length;
  const dirsByCoverage = DIR_TERMS.map((d) => ({ d, share: share((f) => dirHas(f.dir, d)) }))
    .sort((a, b) => b.share - a.share)
    .map((x) => x.d);
  /** A tag of rank lo..hi (1 = the most frequent), log-uniformly. */
  const tagRanked = (lo: number, hi: number) => TAGS[Math.min(hi, Math.floor(Math.exp(Math.log(lo) + r() * (Math.log(hi + 1) - Math.log(lo))))) - 1]!;
  const pool: Array<{ query: TagQuery; estimated: number }> = [];
  for (let c = 0; c < 800; c++) {
    // Breadth 1 draws the broadest conditions (frequent tags required, a rare one excluded, a year, a large
    // folder); breadth 0 draws from everything.
    const breadth = r();
    const maxRank = Math.max(4, Math.round(TAGS.length ** (1 - breadth)));
    const all = tagRanked(1, maxRank);
    const any = new Set<string>();
    const anyCount = 1 + Math.floor(r() * 3);
    for (let tries = 0; any.size < anyCount && tries < 20; tries++) {
      const t = tagRanked(1, maxRank);
      if (t !== all) any.add(t);
    }
    let exclude = all;
    while (exclude === all || any.has(exclude)) exclude = tagRanked(Math.max(1, Math.round(TAGS.length ** breadth) - 1), TAGS.length);
    const months = Math.min(12, 2 + Math.floor(breadth * 10 + r() * 3));
    const start = YEAR_START + Math.floor(r() * (12 - months + 1)) * MONTH_MS;
    const dir = dirsByCoverage[Math.floor(r() * Math.max(1, Math.round((1 - breadth) * dirsByCoverage.length)))]!;
    const query: TagQuery = { any: [...any], all: [all], exclude: [exclude], start, end: Math.min(YEAR_START + YEAR_MS, start + months * MONTH_MS), dir };
    const estimated = share((f) => matches(query, f));
    if (estimated > 0) pool.push({ query, estimated });
  }
  const chosen: Array<{ query: TagQuery; estimated: number }> = [];
  for (let j = 0; j < count && pool.length > 0; j++) {
    const target = 0.5 * 0.01 ** (count === 1 ? 0 : j / (count - 1));
    let best = 0;
    pool.forEach((p, k) => {
      if (Math.abs(Math.log(p.estimated / target)) < Math.abs(Math.log(pool[best]!.estimated / target))) best = k;
    });
    chosen.push(...pool.splice(best, 1));
  }
  // Interleaved, so that frequent and rare queries see the same cache state.
  for (let i = chosen.length - 1; i > 0; i--) {
    const k = Math.floor(r() * (i + 1));
    [chosen[i], chosen[k]] = [chosen[k]!, chosen[i]!];
  }
  return chosen;
}

function matches(q: TagQuery, f: SampledFile): boolean {
  return (
    f.time >= q.start &&
    f.time <= q.end &&
    dirHas(f.dir, q.dir) &&
    q.all.every((t) => f.tags.has(t)) &&
    q.any.some((t) => f.tags.has(t)) &&
    !q.exclude.some((t) => f.tags.has(t))
  );
}

const dirTerms = new Map<string, boolean>();
/** `FileDir:"term"` on one folder (100 folders × a dozen terms: worth remembering). */
function dirHas(dir: string, term: string): boolean {
  const key = `${dir}\u0000${term}`;
  let has = dirTerms.get(key);
  if (has === undefined) dirTerms.set(key, (has = tokensContain(dir, term)));
  return has;
}

function tagQueryParams(q: TagQuery): Record<string, string> {
  return {
    QueryTagsIncludeAny: q.any.join(','),
    QueryTagsIncludeAll: q.all.join(','),
    QueryTagsExclude: q.exclude.join(','),
    StartFileUpdateTime: new Date(q.start).toISOString(),
    EndFileUpdateTime: new Date(q.end).toISOString(),
    QueryExpression: `FileDir:"${q.dir}"`,
    SortBy: 'FileUpdateTime',
    Order: 'DESC',
    MaxResults: String(PAGE),
  };
}

/** The MetaStore query the API makes of these parameters (the same functions the route calls). */
function storeQueryOf(datasetId: string, params: Record<string, string>): FileMetaQuery {
  const q = SearchQueryParams.parse(params);
  const p = searchParamsOf(datasetId, { ...q, DatasetVersion: q.DatasetVersion ?? 'v1', MaxResults: pageSizeOf(q) }, undefined);
  return metadataQuery(p, p.expression !== undefined ? parseQuery(p.expression).filter : undefined);
}

interface ApiCall {
  (params: Record<string, string>): Promise<{ ms: number; status: number; body: SearchResponse }>;
}
interface SearchResponse {
  DatasetFileMetas?: Array<{ DatasetFileMetaId: string }>;
  TotalCount?: number;
  NextToken?: string;
  VectorSearch?: { TopK: number; Returned: number; Shortfall?: { Reason: string; Message: string } };
  Message?: string;
}

async function runTagQueries(c: Container, call: ApiCall, datasetId: string, files: number, sample: SampledFile[], queryCount: number, say: (s: string) => void) {
  const chosen = chooseTagQueries(sample, queryCount);
  for (const { query } of chosen.slice(0, 3)) await call(tagQueryParams(query)); // warm up statements and caches
  const rows: Array<{ selectivity: number; firstPageMs: number; storeListMs: number; countMs: number; deepPageMs: number | null }> = [];
  for (const [n, { query }] of chosen.entries()) {
    const params = tagQueryParams(query);
    const first = await call(params);
    if (first.status !== 200) throw new Error(`TAG query failed: ${first.status} ${JSON.stringify(first.body)}`);
    const q = storeQueryOf(datasetId, params);
    // The same listing straight from the store (TotalCount included), then its count alone.
    let s = performance.now();
    await c.store.listFileMetas({ ...q, sortBy: 'FileUpdateTime', order: 'DESC', maxResults: PAGE });
    const storeListMs = performance.now() - s;
    s = performance.now();
    const total = await c.store.countFileMetas(q);
    const countMs = performance.now() - s;
    if (total !== first.body.TotalCount) throw new Error(`TotalCount ${first.body.TotalCount} but the store counts ${total}`);
    // Deep page: 20 pages followed untimed, then the next one timed.
    let token = first.body.NextToken;
    for (let p = 0; p < DEEP_PAGES && token; p++) token = (await call({ ...params, NextToken: token })).body.NextToken;
    const deep = token ? await call({ ...params, NextToken: token }) : undefined;
    rows.push({ selectivity: total / files, firstPageMs: first.ms, storeListMs, countMs, deepPageMs: deep ? deep.ms : null });
    if ((n + 1) % 10 === 0) say(`TAG queries: ${n + 1}/${chosen.length}`);
  }
  const firstPage = percentiles(rows.map((r) => r.firstPageMs));
  const deepRows = rows.filter((r) => r.deepPageMs !== null);
  const deepPage = percentiles(deepRows.map((r) => r.deepPageMs!));
  const count = percentiles(rows.map((r) => r.countMs));
  const storeList = percentiles(rows.map((r) => r.storeListMs));
  const met = (p: Percentiles) => p.p50Ms <= TARGET.p50Ms && p.p99Ms <= TARGET.p99Ms;
  const bucket = (lo: number, hi: number) => {
    const b = rows.filter((r) => r.selectivity >= lo && r.selectivity < hi);
    return { queries: b.length, firstPageP50Ms: percentiles(b.map((r) => r.firstPageMs)).p50Ms, countP50Ms: percentiles(b.map((r) => r.countMs)).p50Ms };
  };
  const selectivities = rows.map((r) => r.selectivity).sort((a, b) => a - b);
  return {
    queries: rows.length,
    shape: 'QueryTagsIncludeAny (1–3) + QueryTagsIncludeAll (1) + QueryTagsExclude (1) + Start/EndFileUpdateTime (2–12 months) + QueryExpression FileDir:"…", MaxResults 100, FileUpdateTime DESC',
    selectivity: { min: round(selectivities[0] ?? NaN), median: round(selectivities[Math.floor(selectivities.length / 2)] ?? NaN), max: round(selectivities.at(-1) ?? NaN) },
    firstPage,
    deepPage: { afterPages: DEEP_PAGES, queries: deepRows.length, ...deepPage },
    breakdown: {
      storeListing: storeList,
      countAlone: count,
      countShareOfStoreListingP50: round(count.p50Ms / storeList.p50Ms),
      apiOverheadP50Ms: round(firstPage.p50Ms - storeList.p50Ms),
      note: 'storeListing = MetaStore.listFileMetas with the same query (the exact TotalCount and the page); countAlone = MetaStore.countFileMetas with its filter, i.e. what the exact TotalCount costs',
    },
    bySelectivity: { atLeast10Percent: bucket(0.1, 2), from1To10Percent: bucket(0.01, 0.1), below1Percent: bucket(0, 0.01) },
    target: { ...TARGET, firstPageMet: met(firstPage), deepPageMet: deepRows.length ? met(deepPage) : null },
    perQuery: rows.map((r) => ({
      selectivity: round(r.selectivity),
      firstPageMs: round(r.firstPageMs),
      countMs: round(r.countMs),
      deepPageMs: r.deepPageMs === null ? null : round(r.deepPageMs),
    })),
  };
}

// ---------------------------------------------------------------- vectors: exact top-10 side by side

const EXACT_TOP = 10;

/** LocalVectorStore and raw usearch alternating query by query (as bench/vector.ts), plus raw's answers. */
async function compareWithRaw(store: LocalVectorStore, indexName: string, data: Float32Array, size: number, dim: number, queries: Float32Array[], idAt: (row: number) => string) {
  const block = data.subarray(0, size * dim); // offset 0: usearch ignores a view's offset
  for (const q of queries.slice(0, 3)) {
    await store.search(indexName, q, { topK: EXACT_TOP });
    exactSearch(block, q, dim, EXACT_TOP, MetricKind.IP, 0);
  }
  const { oursMs, theirsMs, results } = await timeAlternating(
    queries.length,
    (i) => store.search(indexName, queries[i]!, { topK: EXACT_TOP }),
    (i) => exactSearch(block, queries[i]!, dim, EXACT_TOP, MetricKind.IP, 0) as Matches,
  );
  const rawTop = results.map(([, found]) => Array.from(found.keys, (k) => Number(k)));
  const agreeing = results.filter(([hits], i) => hits.map((h) => h.id).join() === rawTop[i]!.map(idAt).join()).length;
  const ours = oursMs;
  const raw = theirsMs;
  return { ours: percentiles(ours), raw: percentiles(raw), queriesWithSameTop10AsRaw: agreeing, rawTop };
}

// Just what the benchmark uses of LanceDB and Apache Arrow (bench/peers/), loaded at run time.
interface ArrowApi {
  Schema: new (fields: unknown[]) => { fields: unknown[] };
  Field: new (name: string, type: unknown, nullable?: boolean) => unknown;
  Int32: new () => unknown;
  Float32: new () => unknown;
  FixedSizeList: new (size: number, child: unknown) => unknown;
  Struct: new (fields: unknown[]) => unknown;
  RecordBatch: new (schema: unknown, data: unknown) => unknown;
  Table: new (batches: unknown[]) => unknown;
  makeData(props: { type: unknown; length: number; data?: ArrayLike<number>; child?: unknown; children?: unknown[]; nullCount?: number }): unknown;
}
interface LanceQuery {
  distanceType(type: 'cosine'): LanceQuery;
  bypassVectorIndex(): LanceQuery;
  limit(n: number): LanceQuery;
  select(columns: string[]): LanceQuery;
  toArray(): Promise<Array<Record<string, unknown>>>;
}
interface LanceTable {
  add(data: unknown): Promise<unknown>;
  vectorSearch(vector: Float32Array): LanceQuery;
  countRows(): Promise<number>;
  close(): void;
}
interface LanceConnection {
  createEmptyTable(name: string, schema: unknown): Promise<LanceTable>;
  dropTable(name: string): Promise<void>;
  close(): void;
}
interface Peers {
  lancedb: { connect(uri: string): Promise<LanceConnection> };
  arrow: ArrowApi;
  version: string;
}

const PEERS_DIR = path.resolve(import.meta.dirname, 'peers');

/** LanceDB from bench/peers/, installed there (from its lockfile) when absent. */
function loadPeers(say: (s: string) => void): Peers {
  if (!existsSync(path.join(PEERS_DIR, 'node_modules', '@lancedb', 'lancedb'))) {
    const verb = existsSync(path.join(PEERS_DIR, 'package-lock.json')) ? 'ci' : 'install';
    // Without optional dependencies: LanceDB's embedding extras (transformers, openai) are not needed;
    // the native addon for this platform is a direct dependency in bench/peers/package.json.
    const args = [verb, '--prefix', PEERS_DIR, '--omit=optional', '--ignore-scripts', '--no-audit', '--no-fund'];
    say(`installing the benchmark's peers: npm ${args.join(' ')}`);
    const r = spawnSync('npm', args, { stdio: ['ignore', 2, 2] });
    if (r.status !== 0) throw new Error(`npm ${verb} in ${PEERS_DIR} failed (exit ${r.status ?? r.signal}); rerun with --skip-peers to leave LanceDB out`);
  }
  const req = createRequire(path.join(PEERS_DIR, 'package.json'));
  const manifest = path.join(PEERS_DIR, 'node_modules', '@lancedb', 'lancedb', 'package.json'); // not in its exports
  const version = (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  return { lancedb: req('@lancedb/lancedb') as Peers['lancedb'], arrow: req('apache-arrow') as ArrowApi, version };
}

/** LanceDB flat (no index) cosine top-10 over the first `size` vectors, fed in batches straight from `data`. */
async function lanceFlat(peers: Peers, root: string, data: Float32Array, size: number, dim: number, queries: Float32Array[], rawTop: number[][]) {
  const { arrow, lancedb } = peers;
  const dir = path.join(root, `lance-${size}`);
  const db = await lancedb.connect(dir);
  try {
    const vectorType = new arrow.FixedSizeList(dim, new arrow.Field('item', new arrow.Float32(), true));
    const schema = new arrow.Schema([new arrow.Field('row', new arrow.Int32(), false), new arrow.Field('vector', vectorType, false)]);
    const batchOf = (from: number, to: number) => {
      const rows = to - from;
      const row = arrow.makeData({ type: new arrow.Int32(), length: rows, data: Int32Array.from({ length: rows }, (_, k) => from + k) });
      const values = arrow.makeData({ type: new arrow.Float32(), length: rows * dim, data: data.subarray(from * dim, to * dim) });
      const vector = arrow.makeData({ type: vectorType, length: rows, nullCount: 0, child: values });
      const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: rows, nullCount: 0, children: [row, vector] });
      return new arrow.Table([new arrow.RecordBatch(schema, struct)]);
    };
    const t0 = performance.now();
    const table = await db.createEmptyTable('vectors', schema);
    for (let from = 0; from < size; from += LANCE_BATCH) await table.add(batchOf(from, Math.min(size, from + LANCE_BATCH)));
    const loadSeconds = (performance.now() - t0) / 1000;
    const rowsInTable = await table.countRows();
    const search = (q: Float32Array) => table.vectorSearch(q).distanceType('cosine').bypassVectorIndex().limit(EXACT_TOP).select(['row', '_distance']).toArray();
    await search(queries[0]!); // one warm-up: each flat scan takes seconds at 1M
    const times: number[] = [];
    let agreeing = 0;
    let recall = 0;
    for (const [i, q] of queries.entries()) {
      const s = performance.now();
      const found = await search(q);
      times.push(performance.now() - s);
      const rows = found.map((x) => Number(x.row));
      const want = rawTop[i]!;
      if (rows.join() === want.join()) agreeing++;
      recall += rows.filter((x) => want.includes(x)).length / want.length;
    }
    table.close();
    await db.dropTable('vectors');
    return { ...percentiles(times), rows: rowsInTable, loadSeconds: round(loadSeconds), queriesWithSameTop10AsRaw: agreeing, meanRecallVsRaw: round(recall / queries.length) };
  } finally {
    db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Upserts vectors [0, size) of `data` under `ids`, in batches as large as the seeding's. */
async function upsertVectors(store: LocalVectorStore, indexName: string, data: Float32Array, size: number, dim: number, ids: readonly string[], say: (s: string) => void) {
  await store.ensureIndex(indexName, { dimension: dim, embedderId: EMBEDDER_ID });
  const t0 = performance.now();
  for (let from = 0; from < size; from += SEED_BATCH) {
    const records = [];
    for (let r = from; r < Math.min(size, from + SEED_BATCH); r++) records.push({ id: ids[r]!, vector: data.subarray(r * dim, (r + 1) * dim) });
    await store.upsert(indexName, records);
    const done = Math.min(size, from + SEED_BATCH);
    if (done % 100_000 === 0 || done === size) say(`upserted ${done} vectors into '${indexName}'`);
  }
  return (performance.now() - t0) / 1000;
}

// ---------------------------------------------------------------- MIX queries

/** MIX through the API: the index config names the loopback GME service and the local index (loaded from disk now). */
async function runMixQueries(c: Container, request: Requester, list: ApiCall, ds: string, gmeUrl: string, vectors: number, dim: number, queryCount: number, rare: string[], filterShare: number) {
  const conn = async (body: unknown) => {
    const r = await request('POST', '/api/v1/connections', body);
    if (r.status !== 200) throw new Error(`creating a connection: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.ConnectionId as string;
  };
  const gmeConn = await conn({ ConnectionName: 'gme', ConnectionType: 'EasEmbeddingConnection', Configs: { Endpoint: gmeUrl } });
  const vecConn = await conn({ ConnectionName: 'vec', ConnectionType: 'LocalVectorConnection' });
  const put = await request('PUT', `/api/v1/datasets/${ds}/indexconfig`, { EmbeddingConnectionId: gmeConn, VectorConnectionId: vecConn, IndexName: INDEX });
  if (put.status !== 200) throw new Error(`PUT indexconfig: ${put.status} ${JSON.stringify(put.body)}`);
  const params = (i: number) => ({ QueryText: `query ${i}: a blue car at night in the rain`, QueryTagsIncludeAny: rare[Math.abs(i) % rare.length]!, TopK: String(TOP_K), MaxResults: String(PAGE) });
  const first = await list(params(-1));
  if (first.status !== 200) throw new Error(`MIX query failed: ${first.status} ${JSON.stringify(first.body)}`);
  for (let i = 2; i <= 4; i++) await list(params(-i));
  const times: number[] = [];
  const shortfalls: string[] = [];
  let fullTopK = 0;
  for (let i = 0; i < queryCount; i++) {
    const r = await list(params(i));
    if (r.status !== 200) throw new Error(`MIX query failed: ${r.status} ${JSON.stringify(r.body)}`);
    times.push(r.ms);
    if (r.body.VectorSearch?.Returned === TOP_K && r.body.DatasetFileMetas?.length === TOP_K) fullTopK++;
    else if (r.body.VectorSearch?.Shortfall) shortfalls.push(r.body.VectorSearch.Shortfall.Message);
  }
  // What embedding the query costs: the same request straight to the loopback service.
  const embeds: number[] = [];
  for (let i = 0; i < queryCount; i++) {
    const s = performance.now();
    const res = await fetch(gmeUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gme-qwen2-vl-2b', contents: { input: [{ text: params(i).QueryText }] } }),
    });
    await res.json();
    embeds.push(performance.now() - s);
  }
  const counts: number[] = [];
  const filters = [];
  for (const tag of rare) {
    const q = storeQueryOf(ds, { QueryTagsIncludeAny: tag });
    const s = performance.now();
    const passing = await c.store.countFileMetas({ ...q, indexName: INDEX });
    counts.push(performance.now() - s);
    filters.push({ tag, passing, share: round(passing / vectors) });
  }
  return {
    vectors,
    dimension: dim,
    topK: TOP_K,
    queries: queryCount,
    filter: `QueryTagsIncludeAny=<a tag on ~${round(filterShare * 100)}% of the files>`,
    filters,
    ...percentiles(times),
    queriesReturningTopK: fullTopK,
    ...(shortfalls.length ? { shortfalls: [...new Set(shortfalls)] } : {}),
    indexConfigPutMs: round(put.ms),
    firstQueryMs: round(first.ms),
    filterCountAlone: percentiles(counts),
    embedRoundTripAlone: percentiles(embeds),
  };
}

// ---------------------------------------------------------------- the run

interface Requester {
  (method: string, route: string, body?: unknown): Promise<{ ms: number; status: number; body: SearchResponse & Record<string, unknown> }>;
}

export async function run(args: string[]) {
  const files = option(args, 'files', 1_000_000);
  const dim = option(args, 'dim', 1536);
  const queryCount = option(args, 'queries', 50);
  const skipVectors = flag(args, 'skip-vectors');
  const skipPeers = flag(args, 'skip-peers');
  const vectors = skipVectors ? 0 : Math.min(option(args, 'vectors', 1_000_000), files);
  const say = (s: string) => process.stderr.write(`[search ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
  const collect = garbageCollector();
  const memory: Array<{ after: string; rssMb: number; arrayBuffersMb: number }> = [];
  const note = (after: string) => {
    const m = process.memoryUsage();
    memory.push({ after, rssMb: Math.round(m.rss / 1e6), arrayBuffersMb: Math.round(m.arrayBuffers / 1e6) });
  };
  const root = await mkdtemp(path.join(os.tmpdir(), 'loupe-bench-search-'));
  const gme = await startGmeServer({ dimension: dim });
  const c = buildContainer(loadConfig({ LOUPE_DATA_DIR: path.join(root, 'data'), LOUPE_FILE_ROOTS: root, LOUPE_API_KEYS: KEY }), { log: jsonLogger('silent') });
  let containerOpen = true;
  const app = createApi(c, [KEY]);
  const request: Requester = async (method, route, body) => {
    const s = performance.now();
    const res = await app.fetch(
      new Request(`http://loupe.bench${route}`, {
        method,
        headers: { authorization: `Bearer ${KEY}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
    const text = await res.text(); // the whole body: DTOs built and serialized
    const ms = performance.now() - s;
    return { ms, status: res.status, body: (text ? JSON.parse(text) : {}) as SearchResponse & Record<string, unknown> };
  };
  try {
    const filesDir = path.join(root, 'files');
    await mkdir(filesDir, { recursive: true });
    const created = await request('POST', '/api/v1/datasets', { Name: 'bench-search', Uri: pathToFileURL(filesDir).href });
    if (created.status !== 200) throw new Error(`creating the dataset: ${created.status} ${JSON.stringify(created.body)}`);
    const ds = created.body.DatasetId as string;
    const list: ApiCall = (params) => request('GET', `/api/v1/datasets/${ds}/datasetfilemetas?${new URLSearchParams(params)}`);

    say(`seeding ${files} file metas`);
    const seeded = await seedMetas(c.store, files, vectors, ds, pathToFileURL(filesDir).href + '/', say);
    say(`TAG queries (${queryCount})`);
    const tag = await runTagQueries(c, list, ds, files, seeded.sample, queryCount, say);
    const metaDbBytes = diskBytes(path.join(root, 'data'), (f) => f === 'meta.db');
    const metaWalBytes = diskBytes(path.join(root, 'data'), (f) => f === 'meta.db-wal');
    note('TAG queries');

    let vectorResults: Record<string, unknown> = { skipped: '--skip-vectors' };
    let mix: Record<string, unknown> = { skipped: '--skip-vectors' };
    if (vectors > 0) {
      let peers: Peers | undefined;
      let peersSkipped = skipPeers ? '--skip-peers' : undefined;
      if (!skipPeers) {
        try {
          peers = loadPeers(say);
        } catch (e) {
          peersSkipped = (e as Error).message;
          say(`LanceDB left out: ${peersSkipped}`);
        }
      }
      say(`generating ${vectors} × ${dim} unit vectors (${((vectors * dim * 4) / 1e9).toFixed(1)} GB, one buffer for every engine)`);
      let data: Float32Array | undefined = unitVectors(vectors, dim, 1);
      note('vectors generated');
      const queries = Array.from({ length: queryCount }, (_, i) => unitVectors(1, dim, 1000 + i));
      const idAt = (row: number) => seeded.ids[row]!;
      const bySize: Record<string, Record<string, unknown>> = {};
      const compared = (size: number, cmp: Awaited<ReturnType<typeof compareWithRaw>>) => {
        bySize[String(size)] = {
          localVectorStore: cmp.ours,
          rawUsearchExactSearch: cmp.raw,
          ratioToRawP50: { localVectorStore: round(cmp.ours.p50Ms / cmp.raw.p50Ms) },
          localQueriesWithSameTop10AsRaw: cmp.queriesWithSameTop10AsRaw,
        };
      };
      const lance = async (size: number, cmp: Awaited<ReturnType<typeof compareWithRaw>>) => {
        let result: Record<string, unknown> = { skipped: peersSkipped };
        if (peers) {
          say(`LanceDB flat search at ${size}`);
          try {
            result = await lanceFlat(peers, root, data!, size, dim, queries, cmp.rawTop);
          } catch (e) {
            result = { error: (e as Error).message };
          }
        }
        const entry = bySize[String(size)]!;
        entry.lancedbFlat = { version: peers?.version, distance: 'cosine', ...result };
        if (typeof result.p50Ms === 'number') entry.ratioToRawP50 = { ...(entry.ratioToRawP50 as object), lancedbFlat: round(result.p50Ms / cmp.raw.p50Ms) };
      };

      // 100k (when the index is larger): a store of its own, freed before the full-size one.
      if (vectors > 100_000) {
        const size = 100_000;
        const dir = path.join(root, 'vectors-100k');
        const small = new LocalVectorStore({ dir });
        say(`vector top-10 at ${size}`);
        await upsertVectors(small, 'cmp', data, size, dim, seeded.ids, say);
        const cmp = await compareWithRaw(small, 'cmp', data, size, dim, queries, idAt);
        await small.close();
        await rm(dir, { recursive: true, force: true });
        compared(size, cmp);
        await lance(size, cmp);
        await collect();
        note(`top-10 at ${size}, its store closed, LanceDB dropped`);
      }

      // Full size: the index the API searches next (its container opens it from disk).
      say(`vector index: ${vectors} vectors`);
      const vectorDir = path.join(root, 'data', 'vectors');
      const store = new LocalVectorStore({ dir: vectorDir });
      const upsertSeconds = await upsertVectors(store, INDEX, data, vectors, dim, seeded.ids, say);
      const now = new Date().toISOString();
      for (let from = 0; from < vectors; from += SEED_BATCH) {
        const batch = [];
        for (let r = from; r < Math.min(vectors, from + SEED_BATCH); r++) batch.push({ datasetFileMetaId: seeded.ids[r]!, fileFingerPrint: `etag-${r}`, jobId: 'job-index', embedderId: EMBEDDER_ID, indexName: INDEX });
        await c.store.applyEmbedResults(batch, now);
      }
      say(`vector top-10 at ${vectors}`);
      const full = await compareWithRaw(store, INDEX, data, vectors, dim, queries, idAt);
      compared(vectors, full);
      // ~1% of the files (at least 2×TopK of them, so that small runs can fill TopK too).
      const filterShare = Math.max(0.01, (2 * TOP_K) / vectors);
      const rare = rareTags(seeded.sample.filter((f) => f.index < vectors), filterShare, 3);
      // The planner's vector step for such a filter, timed alone: an exact search over the filter's rows.
      const filterIds = new Set(await c.store.listFileMetaIds({ ...storeQueryOf(ds, { QueryTagsIncludeAny: rare[0]! }), indexName: INDEX }, vectors));
      const filtered: number[] = [];
      for (const q of queries) {
        const s = performance.now();
        await store.search(INDEX, q, { topK: TOP_K, filterIds });
        filtered.push(performance.now() - s);
      }
      const indexFiles = vectorIndexFiles(path.join(vectorDir, INDEX));
      note(`index of ${vectors} seeded and searched (with the source buffer)`);
      await store.close();
      await collect();
      note('index closed');

      say('MIX queries');
      mix = {
        ...(await runMixQueries(c, request, list, ds, gme.url, vectors, dim, queryCount, rare, filterShare)),
        filteredVectorSearchAlone: { filterIds: filterIds.size, ...percentiles(filtered) },
        note: 'the planner counts the filter, lists its ids (≤ 50,000: pushed down), searches those rows exactly, then reads the hits’ metas; the query is embedded by the in-process loopback GME server',
      };
      note('MIX queries (the API loaded the index)');
      await c.close(); // frees the API's copy of the index before LanceDB reads the source buffer
      containerOpen = false;
      await collect();
      note('API closed');

      // LanceDB last: it keeps much of what it read in memory, even after its table is dropped.
      await lance(vectors, full);
      data = undefined;
      await collect();
      note(`LanceDB at ${vectors}, source buffer freed`);
      vectorResults = {
        dimension: dim,
        queries: queryCount,
        topK: EXACT_TOP,
        threads: os.availableParallelism(),
        bySize,
        indexSeeding: { vectors, batch: SEED_BATCH, seconds: round(upsertSeconds), vectorsPerSecond: Math.round(vectors / upsertSeconds), ...indexFiles },
      };
    }

    if (containerOpen) await c.close();
    containerOpen = false;
    return {
      benchmark: 'search',
      date: new Date().toISOString(),
      data: {
        files,
        vectors,
        dimension: dim,
        queries: queryCount,
        tags: TAGS.length,
        folders: FOLDERS.length,
        threads: os.availableParallelism(),
        metaDbMb: Math.round(metaDbBytes / 1e6),
        metaWalMb: Math.round(metaWalBytes / 1e6),
        tagShares: tagShares(seeded.sample),
      },
      seeding: seeded.seeding,
      tag,
      mix,
      vectors: vectorResults,
      memory,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  } finally {
    if (containerOpen) await c.close();
    await gme.close();
    await rm(root, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- small helpers

function cumulative(weights: number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  weights.forEach((w, i) => (out[i] = sum += w));
  for (let i = 0; i < out.length; i++) out[i]! /= sum;
  return out;
}

/** The index whose cumulative share first exceeds u. */
function pick(cum: Float64Array, u: number): number {
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid]! > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The `n` tags whose share of the sampled files is closest to `share`. */
function rareTags(sample: SampledFile[], share: number, n: number): string[] {
  const counts = new Map<string, number>();
  for (const f of sample) for (const t of f.tags) counts.set(t, (counts.get(t) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => Math.abs(Math.log(a[1] / sample.length / share)) - Math.abs(Math.log(b[1] / sample.length / share)))
    .slice(0, n)
    .map(([t]) => t);
}

/** Share of the (sampled) files carrying the most frequent and the rarest tag, and tags per file. */
function tagShares(sample: SampledFile[]) {
  const counts = new Map<string, number>();
  let tags = 0;
  for (const f of sample) {
    tags += f.tags.size;
    for (const t of f.tags) counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  const sorted = [...counts.values()].sort((a, b) => b - a);
  return { distinct: counts.size, mostFrequent: round(sorted[0]! / sample.length), rarest: round(sorted.at(-1)! / sample.length), perFile: round(tags / sample.length) };
}

const escapeDsl = (s: string) => s.replace(/[\\"]/g, (ch) => `\\${ch}`);

/** Bytes of the files in `dir` (recursively) whose names pass `keep`. */
function diskBytes(dir: string, keep: (name: string) => boolean = () => true): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += diskBytes(p, keep);
    else if (keep(e.name)) total += statSync(p).size;
  }
  return total;
}

/** The index's snapshot and log sizes: a snapshot that stops growing means compaction failed. */
function vectorIndexFiles(dir: string) {
  const mb = (keep: (name: string) => boolean) => Math.round(diskBytes(dir, keep) / 1e6);
  return { snapshotMb: mb((f) => f.startsWith('vectors-')), logMb: mb((f) => f.startsWith('log-')) };
}

/** A full collection between phases, so a freed multi-GB buffer is gone before the next one is made. */
function garbageCollector(): () => Promise<void> {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as (() => void) | undefined;
  return async () => {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 50)); // buffers are released by a background sweeper
  };
}
