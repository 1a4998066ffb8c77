// ListDatasetFileMetas as a search (DESIGN.md §5): PAI's parameters, the query language, and the
// planner. Metadata conditions run in the MetaStore; a vector query (text or image) runs in the
// VectorStore, with the metadata filter pushed down as ids when few files pass it, otherwise by
// over-fetching until TopK hits pass or the index is exhausted. Fewer than TopK results always come
// with the reason.
import type { Expr } from '../dsl/ast.js';
import { parseQuery } from '../dsl/parser.js';
import { conflict, invalid, isDomainError, notFound, unavailable, withField } from '../domain/errors.js';
import type { FileMeta, FileStatus } from '../domain/file-meta.js';
import { FileStatus as FileStatuses, ImageFormat } from '../domain/file-meta.js';
import { datasetIn } from './dataset-access.js';
import { mentionsField } from '../dsl/fields.js';
import { bufferSource } from '../media/byte-source.js';
import { probeImage } from '../media/probe.js';
import { MediaError, toModelInput } from '../media/thumbnail.js';
import type { EmbedInput, Embedder } from '../ports/embedder.js';
import type { AggregateField, FileMetaQuery, FileSortField, Page } from '../ports/meta-store.js';
import type { ModelFactory } from '../ports/model-factory.js';
import { isModelError } from '../ports/model-errors.js';
import type { VectorHit, VectorStore } from '../ports/vector-store.js';
import type { VectorStores } from '../ports/vector-stores.js';
import type { ConnectionService } from './connections.js';
import type { ServiceDeps } from './deps.js';
import type { IndexConfigInput } from './index-configs.js';
import { withRetry, type RetryOptions } from './retry.js';

export type QueryType = 'MIX' | 'TAG' | 'VECTOR';
export type SearchSortField = FileSortField | 'Score';

export interface SearchParams {
  datasetId: string;
  versionName: string;
  /** PAI's WorkspaceId: a dataset of another workspace is not found. Absent: no filter. */
  workspaceId?: string;
  /** Default: MIX when there is a text or image query, else TAG. */
  queryType?: QueryType;
  queryText?: string;
  /** An image in an object store (a URI) or uploaded (its bytes). */
  queryImage?: { uri: string } | { data: Buffer };
  topK?: number;
  /** Only results scoring strictly more. */
  scoreThreshold?: number;
  tagsAny?: string[];
  tagsAll?: string[];
  tagsExclude?: string[];
  fileNameContains?: string;
  fileDirContains?: string;
  startFileUpdateTime?: string;
  endFileUpdateTime?: string;
  startTagUpdateTime?: string;
  endTagUpdateTime?: string;
  /** The query language (DESIGN.md §5). */
  expression?: string;
  ids?: string[];
  /** PAI's FileType (image, video, …): any of these. */
  fileTypes?: string[];
  /** ContentType (image/png, …): any of these. */
  contentTypes?: string[];
  /** Default: DEFAULT_LISTED_STATUSES, or every status when the expression names Status. */
  statuses?: FileStatus[];
  /** Default: Score for a vector query, else FileUpdateTime. */
  sortBy?: SearchSortField;
  order?: 'ASC' | 'DESC';
  maxResults: number;
  nextToken?: string;
  /** Results to skip (random access by result index: PageNumber); not with nextToken. */
  offset?: number;
  /** Search this index instead of the dataset's index config (the evaluation compares several). */
  index?: IndexConfigInput;
}

/** Why a vector query returned fewer than TopK. */
export interface Shortfall {
  reason: 'Filter' | 'ScoreThreshold' | 'IndexSize';
  message: string;
}

export interface SearchResult extends Page<FileMeta & { score?: number }> {
  /** The dataset's workspace ('' when none). */
  workspaceId: string;
  /** Present for vector queries. */
  vector?: { topK: number; returned: number; indexName: string; embedderId: string; shortfall?: Shortfall };
}

export const DEFAULT_TOP_K = 100;
/** A filter passing at most this many files is pushed down as ids; a wider one is checked after the search. */
export const PUSHDOWN_MAX_IDS = 50_000;
/** Byte limit of a query image (uploaded or read from storage). */
export const MAX_QUERY_IMAGE_BYTES = 20 * 1024 * 1024;

export interface SearchDeps {
  connections: ConnectionService;
  models: ModelFactory;
  vectorStores: VectorStores;
  retry: RetryOptions;
  /** Default PUSHDOWN_MAX_IDS (tests lower it to exercise over-fetching). */
  pushdownMaxIds?: number;
}

export class SearchService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly s: SearchDeps,
  ) {}

  async search(p: SearchParams): Promise<SearchResult> {
    const plan = await this.plan(p);
    const workspaceId = plan.workspaceId;
    if (!plan.vector) {
      const page = await this.deps.store.listFileMetas({ ...plan.q, sortBy: plan.sortBy, order: plan.order, maxResults: p.maxResults, nextToken: p.nextToken, offset: p.offset });
      return { ...page, workspaceId };
    }
    const input: EmbedInput = plan.vector.queryText !== undefined ? { kind: 'text', text: plan.vector.queryText } : await this.queryImageInput(p.queryImage!);
    const found = await this.vectorSearch({ ...p, sortBy: plan.sortBy, order: plan.order }, plan.q, input, plan.vector.topK ?? DEFAULT_TOP_K, plan.vector.scoreThreshold);
    return { ...found, workspaceId };
  }

  /**
   * The ids of search()'s page, in its order, with its total and token: a metadata search reads no
   * row (the store lists ids alone), so walking a million results is cheap; a vector query is
   * ranked as search() ranks it. `vector` says which it was.
   */
  async searchIds(p: SearchParams): Promise<{ ids: string[]; totalCount: number; nextToken?: string; vector: boolean }> {
    const plan = await this.plan(p);
    if (!plan.vector) {
      const page = await this.deps.store.listFileMetaIdPage({ ...plan.q, sortBy: plan.sortBy, order: plan.order, maxResults: p.maxResults, nextToken: p.nextToken, offset: p.offset });
      return { ids: page.items, totalCount: page.totalCount, ...(page.nextToken ? { nextToken: page.nextToken } : {}), vector: false };
    }
    const page = await this.search(p);
    return { ids: page.items.map((m) => m.datasetFileMetaId), totalCount: page.totalCount, ...(page.nextToken ? { nextToken: page.nextToken } : {}), vector: true };
  }

  /**
   * Checks a search without running it (what a job that will run it later checks when it is created):
   * the parameters and the query language, and for a vector query that the index exists, was built by
   * the embedder configured now and, for text, has a text side, and that a query image is a usable
   * image. No model call, no file-meta query (which could build a large version's in-memory index).
   */
  async check(p: SearchParams): Promise<{ vectorQuery: boolean }> {
    const plan = await this.plan(p);
    if (plan.vector) {
      if (plan.vector.queryText === undefined) await this.queryImageInput(p.queryImage!);
      await this.openIndex(p, plan.vector.queryText !== undefined ? 'text' : 'image');
    }
    return { vectorQuery: plan.vector !== undefined };
  }

  /** The parameters' checks and the metadata query; for a vector query, its text and options. */
  private async plan(p: SearchParams): Promise<
    { workspaceId: string; q: FileMetaQuery; order: 'ASC' | 'DESC' } & (
      | { vector?: undefined; sortBy: FileSortField }
      | { vector: { queryText?: string; topK?: number; scoreThreshold?: number }; sortBy?: SearchSortField }
    )
  > {
    const workspaceId = await this.checkVersion(p.datasetId, p.versionName, p.workspaceId);
    const parsed = p.expression !== undefined ? parseQuery(p.expression) : {};
    const queryText = merged('QueryText', p.queryText, parsed.content, 'Content');
    const topK = merged('TopK', p.topK, parsed.topK, 'TopK');
    const scoreThreshold = merged('ScoreThreshold', p.scoreThreshold, parsed.scoreThreshold, 'ScoreThreshold');
    const givenSort = merged('SortBy', p.sortBy, parsed.sortBy as SearchSortField | undefined, 'SortBy');
    const order = merged('Order', p.order, parsed.order, 'Order') ?? 'DESC';
    if (queryText !== undefined && p.queryImage) throw invalid('give QueryText (or Content) or QueryImage, not both', 'QueryImage');
    const hasVectorQuery = queryText !== undefined || p.queryImage !== undefined;
    const queryType = merged('QueryType', p.queryType, parsed.queryType, 'QueryType') ?? (hasVectorQuery ? 'MIX' : 'TAG');
    // an option written in the expression is the expression's error
    const typeField = p.queryType === undefined && parsed.queryType !== undefined ? 'QueryExpression' : 'QueryType';
    if (queryType === 'TAG' && hasVectorQuery) throw invalid('QueryType TAG takes no QueryText, Content or QueryImage; use MIX or VECTOR', typeField);
    if (queryType === 'VECTOR' && !hasVectorQuery) throw invalid('QueryType VECTOR needs QueryText (or Content:"…") or QueryImage', typeField);
    if (!hasVectorQuery && (topK !== undefined || scoreThreshold !== undefined)) {
      throw invalid('TopK and ScoreThreshold apply to a text or image query', topK !== undefined ? 'TopK' : 'ScoreThreshold');
    }
    const q = metadataQuery(p, parsed.filter);
    if (hasVectorQuery) return { workspaceId, q, order, vector: { queryText, topK, scoreThreshold }, ...(givenSort ? { sortBy: givenSort } : {}) };
    const sortBy = givenSort ?? 'FileUpdateTime';
    if (sortBy === 'Score') throw invalid('SortBy Score needs a text or image query', p.sortBy === undefined ? 'QueryExpression' : 'SortBy');
    return { workspaceId, q, order, sortBy };
  }

  /**
   * Counts per group (a tag, a folder, a type) over the files matching the search's metadata
   * conditions, the largest `limit` groups first. `total` is what PAI's TotalCount says: the number of
   * groups when grouping (all of them, not only the `limit` returned), else the number of files.
   * `files` is the number of matching files either way.
   */
  async statistics(
    p: SearchParams,
    by: AggregateField | undefined,
    limit: number,
  ): Promise<{ groups: Array<{ key: string; count: number }>; total: number; files: number; workspaceId: string }> {
    const workspaceId = await this.checkVersion(p.datasetId, p.versionName, p.workspaceId);
    const parsed = p.expression !== undefined ? parseQuery(p.expression) : {};
    const vectorOptions = ['content', 'topK', 'scoreThreshold', 'queryType', 'sortBy', 'order'] as const;
    if (vectorOptions.some((k) => parsed[k] !== undefined)) {
      throw invalid('statistics count metadata matches: Content, TopK, ScoreThreshold, QueryType, SortBy and Order do not apply', 'QueryExpression');
    }
    const q = metadataQuery(p, parsed.filter);
    const files = await this.deps.store.countFileMetas(q);
    if (!by) return { groups: [], total: files, files, workspaceId };
    const all = await this.deps.store.aggregateFileMetas(q, by, Number.MAX_SAFE_INTEGER);
    return { groups: all.slice(0, limit), total: all.length, files, workspaceId };
  }

  private async vectorSearch(p: SearchParams, q: FileMetaQuery, input: EmbedInput, topK: number, threshold: number | undefined): Promise<Omit<SearchResult, 'workspaceId'>> {
    const { embedder, store, indexName, index } = await this.openIndex(p, input.kind);
    const query = await this.embedQuery(embedder, input);
    if (query.length !== index.dimension) throw conflict(`the query vector has ${query.length} dimensions, index ${indexName} ${index.dimension}`);

    // A file meta names only the index it was embedded into last: an explicitly given index is trusted
    // to hold the vectors it holds (DELETED files are still left out by the status filter).
    const candidates: FileMetaQuery = p.index ? q : { ...q, indexName };
    const passing = await this.deps.store.countFileMetas(candidates);
    let ranked: Array<{ meta: FileMeta; score: number }>;
    if (passing === 0) ranked = [];
    else if (passing <= (this.s.pushdownMaxIds ?? PUSHDOWN_MAX_IDS)) {
      const ids = new Set(await this.deps.store.listFileMetaIds(candidates, passing));
      const hits = (await store.search(indexName, query, { topK, filterIds: ids })).filter((h) => above(h, threshold));
      ranked = await this.withMetas(hits); // the ids passed the filter already
    } else {
      ranked = await this.overFetch(store, indexName, query, candidates, topK, threshold, index.count);
    }

    const shortfall = ranked.length >= topK ? undefined : shortfallOf(ranked.length, topK, passing, index.count, threshold);
    const sortBy = p.sortBy ?? 'Score';
    const order = p.order ?? 'DESC';
    if (sortBy !== 'Score') ranked.sort((a, b) => compareBy(a.meta, b.meta, sortBy) * (order === 'DESC' ? -1 : 1));
    else if (order === 'ASC') ranked.reverse();
    if (p.nextToken && p.offset) throw invalid('a page is found by NextToken or by PageNumber, not both', 'NextToken');
    const offset = p.nextToken ? offsetOf(p.nextToken) : (p.offset ?? 0);
    const page = ranked.slice(offset, offset + p.maxResults);
    return {
      items: page.map((r) => ({ ...r.meta, score: r.score })),
      totalCount: ranked.length,
      ...(offset + p.maxResults < ranked.length ? { nextToken: offsetToken(offset + p.maxResults) } : {}),
      vector: { topK, returned: ranked.length, indexName, embedderId: embedder.id, ...(shortfall ? { shortfall } : {}) },
    };
  }

  /**
   * Widens an unfiltered search until TopK hits pass the metadata filter (checked in the MetaStore),
   * the scores fall to the threshold, or the index is exhausted.
   */
  private async overFetch(
    store: VectorStore,
    indexName: string,
    query: Float32Array,
    candidates: FileMetaQuery,
    topK: number,
    threshold: number | undefined,
    indexSize: number,
  ): Promise<Array<{ meta: FileMeta; score: number }>> {
    let k = Math.min(indexSize, Math.max(topK * 2, topK + 50));
    for (;;) {
      const hits = await store.search(indexName, query, { topK: k });
      const kept = hits.filter((h) => above(h, threshold));
      const ranked = await this.withMetas(kept, candidates);
      const exhausted = hits.length < k || k >= indexSize || kept.length < hits.length;
      if (ranked.length >= topK || exhausted) return ranked.slice(0, topK);
      k = Math.min(indexSize, k * 4);
    }
  }

  /** The hits with their metas, in hit order; with `q`, only those whose files pass it. */
  private async withMetas(hits: VectorHit[], q?: FileMetaQuery): Promise<Array<{ meta: FileMeta; score: number }>> {
    const out: Array<{ meta: FileMeta; score: number }> = [];
    for (let i = 0; i < hits.length; i += 1000) {
      const chunk = hits.slice(i, i + 1000);
      const ids = chunk.map((h) => h.id);
      const metas = q
        ? (await this.deps.store.listFileMetas({ ...q, ids, sortBy: 'DatasetFileMetaId', order: 'ASC', maxResults: chunk.length })).items
        : await this.deps.store.getFileMetas(ids);
      const byId = new Map(metas.map((m) => [m.datasetFileMetaId, m]));
      for (const h of chunk) {
        const meta = byId.get(h.id);
        if (meta) out.push({ meta, score: h.score });
      }
    }
    return out;
  }

  /** The index a vector query searches, checked: it has vectors, of the embedder configured now, with a text side for text. */
  private async openIndex(p: SearchParams, kind: EmbedInput['kind']) {
    const { embedder, store, indexName } = await this.indexOf(p.datasetId, p.index);
    const index = await store.getIndex(indexName);
    if (!index) throw conflict(`index ${indexName} has no vectors yet: run a SemanticIndex job first`);
    if (index.embedderId !== embedder.id) {
      throw conflict(`index ${indexName} holds vectors of ${index.embedderId}, but the index config's embedding connection now serves ${embedder.id}`);
    }
    if (kind === 'text' && !embedder.supportsText) {
      throw invalid(`the index's embedder ${embedder.id} has no text side: search it with QueryImage`, 'QueryText');
    }
    return { embedder, store, indexName, index };
  }

  /** The embedder behind an index (the dataset's, or `index`), without searching it. */
  async embedderOf(datasetId: string, index?: IndexConfigInput): Promise<{ indexName: string; embedderId: string; supportsText: boolean }> {
    const { embedder, indexName } = await this.indexOf(datasetId, index);
    return { indexName, embedderId: embedder.id, supportsText: embedder.supportsText };
  }

  private async indexOf(datasetId: string, index?: IndexConfigInput): Promise<{ embedder: Embedder; store: VectorStore; indexName: string }> {
    const config = index ?? (await this.deps.store.getIndexConfig(datasetId));
    if (!config) throw conflict(`dataset ${datasetId} has no index config: PUT …/indexconfig and run a SemanticIndex job first`);
    const embedder = this.s.models.embedder(await this.s.connections.resolve(config.embeddingConnectionId), config.modelName ?? undefined);
    const store = await this.s.vectorStores.forConnection(await this.s.connections.resolve(config.vectorConnectionId));
    return { embedder, store, indexName: config.indexName };
  }

  private async embedQuery(embedder: Embedder, input: EmbedInput): Promise<Float32Array> {
    let out;
    try {
      [out] = await withRetry(() => embedder.embed([input]), { ...this.s.retry, attempts: Math.min(this.s.retry.attempts ?? 3, 3), maxRetryAfterMs: 5_000 });
    } catch (e) {
      if (isModelError(e)) throw unavailable(`embedding the query failed: ${e.message}`);
      throw e;
    }
    if (!out) throw unavailable(`embedding the query failed: ${embedder.id} answered nothing`);
    if (!out.ok) throw invalid(`the embedding model refused the query: ${out.error}`, input.kind === 'text' ? 'QueryText' : 'QueryImage');
    return out.vector;
  }

  private async queryImageInput(image: { uri: string } | { data: Buffer }): Promise<EmbedInput> {
    let bytes: Buffer;
    if ('data' in image) bytes = image.data;
    else {
      let got;
      try {
        got = await this.deps.objects.forUri(image.uri).get(image.uri, { maxBytes: MAX_QUERY_IMAGE_BYTES });
      } catch (e) {
        if (!isDomainError(e)) throw e;
        if (e.kind === 'NotFound') throw invalid(`QueryImage: no object at '${image.uri}'`, 'QueryImage');
        // A path outside the allowed folders stays a 403, as for a dataset's Uri.
        if (e.kind === 'Invalid' || e.kind === 'Forbidden') throw withField(e, 'QueryImage');
        throw e;
      }
      if (!got.data) throw invalid(`QueryImage: the image is larger than ${MAX_QUERY_IMAGE_BYTES} bytes`, 'QueryImage');
      bytes = got.data;
    }
    if (bytes.length > MAX_QUERY_IMAGE_BYTES) throw invalid(`QueryImage: the image is larger than ${MAX_QUERY_IMAGE_BYTES} bytes`, 'QueryImage');
    const probed = await probeImage(bufferSource(bytes), this.deps.media);
    if (!probed.ok) throw invalid(`QueryImage: ${probed.reason}`, 'QueryImage');
    const format = ImageFormat.parse(probed.format);
    try {
      const ready = await toModelInput(bytes, format, undefined, this.deps.media, probed);
      return { kind: 'image', ...ready };
    } catch (e) {
      if (e instanceof MediaError) throw invalid(`QueryImage: decode failed: ${e.reason}`, 'QueryImage');
      throw e;
    }
  }

  /** The dataset's workspace, once the dataset (visible in `workspace`) and its version are found. */
  private async checkVersion(datasetId: string, versionName: string, workspace?: string): Promise<string> {
    // Read access: a workspace the dataset is shared to lists and searches it too (dataset-access.ts).
    const { workspaceId } = await datasetIn(this.deps, datasetId, workspace, 'read');
    if (!(await this.deps.store.hasVersion(datasetId, versionName))) throw notFound('DatasetVersion', `${datasetId}/${versionName}`);
    return workspaceId;
  }
}

/** The metadata part of a search as one MetaStore query: PAI's parameters become query-language terms. */
export function metadataQuery(p: SearchParams, dslFilter: Expr | undefined): FileMetaQuery {
  const pos = { offset: 0, line: 0, col: 0 };
  const tagIs = (tag: string): Expr => ({ kind: 'compare', field: 'Tags.all', op: '=', value: { kind: 'string', value: tag }, pos });
  const time = (field: 'TagUpdateTime', op: '>=' | '<=', iso: string): Expr => ({
    kind: 'compare',
    field,
    op,
    value: { kind: 'string', value: iso, instant: Date.parse(iso) },
    pos,
  });
  const terms: Expr[] = [];
  if (p.tagsAny?.length) terms.push(p.tagsAny.length === 1 ? tagIs(p.tagsAny[0]!) : { kind: 'or', items: p.tagsAny.map(tagIs), pos });
  for (const t of p.tagsAll ?? []) terms.push(tagIs(t));
  for (const t of p.tagsExclude ?? []) terms.push({ kind: 'not', expr: tagIs(t), pos });
  if (p.startTagUpdateTime) terms.push(time('TagUpdateTime', '>=', p.startTagUpdateTime));
  if (p.endTagUpdateTime) terms.push(time('TagUpdateTime', '<=', p.endTagUpdateTime));
  if (dslFilter) terms.push(dslFilter);
  const filter: Expr | undefined = terms.length === 0 ? undefined : terms.length === 1 ? terms[0] : { kind: 'and', items: terms, pos };
  // An expression that names Status decides the statuses itself: no default filter under it.
  const statuses = p.statuses ?? (dslFilter && mentionsField(dslFilter, 'Status') ? [...FileStatuses.options] : undefined);
  return {
    datasetId: p.datasetId,
    versionName: p.versionName,
    ...(statuses ? { statuses } : {}),
    ...(p.fileNameContains ? { fileNameContains: p.fileNameContains } : {}),
    ...(p.fileDirContains ? { fileDirContains: p.fileDirContains } : {}),
    ...(p.startFileUpdateTime ? { startFileUpdateTime: p.startFileUpdateTime } : {}),
    ...(p.endFileUpdateTime ? { endFileUpdateTime: p.endFileUpdateTime } : {}),
    ...(p.ids ? { ids: p.ids } : {}),
    ...(p.fileTypes?.length ? { fileTypes: p.fileTypes } : {}),
    ...(p.contentTypes?.length ? { contentTypes: p.contentTypes } : {}),
    ...(filter ? { filter } : {}),
  };
}

/** A value given both as a parameter and in the expression must agree. */
function merged<T>(param: string, fromParam: T | undefined, fromDsl: T | undefined, dslName: string): T | undefined {
  if (fromParam !== undefined && fromDsl !== undefined && fromParam !== fromDsl) {
    throw invalid(`${param} and the expression's ${dslName} disagree (${JSON.stringify(fromParam)} vs ${JSON.stringify(fromDsl)}); give one`, param);
  }
  return fromParam ?? fromDsl;
}

const above = (h: VectorHit, threshold: number | undefined) => threshold === undefined || h.score > threshold;

function shortfallOf(returned: number, topK: number, passing: number, indexSize: number, threshold: number | undefined): Shortfall {
  if (passing < topK && returned === passing) {
    return indexSize < topK && passing === indexSize
      ? { reason: 'IndexSize', message: `the index holds ${indexSize} vectors, fewer than TopK=${topK}` }
      : { reason: 'Filter', message: `only ${passing} files pass the filters and have a vector in the index (TopK=${topK})` };
  }
  return {
    reason: 'ScoreThreshold',
    message: `only ${returned} of the files passing the filters score above ScoreThreshold=${threshold} (TopK=${topK})`,
  };
}

const SORT_KEYS: Record<FileSortField, (m: FileMeta) => string | number | null> = {
  FileUpdateTime: (m) => m.fileUpdateTime,
  FileCreateTime: (m) => m.fileCreateTime,
  FileName: (m) => m.fileName,
  DataSize: (m) => m.dataSize,
  DatasetFileMetaId: (m) => m.datasetFileMetaId,
};

function compareBy(a: FileMeta, b: FileMeta, field: FileSortField): number {
  const x = SORT_KEYS[field](a);
  const y = SORT_KEYS[field](b);
  if (x === y) return 0;
  if (x === null) return -1;
  if (y === null) return 1;
  return x < y ? -1 : 1;
}

const offsetToken = (offset: number) => Buffer.from(`o:${offset}`).toString('base64url');
function offsetOf(token: string): number {
  const m = /^o:(\d{1,6})$/.exec(Buffer.from(token, 'base64url').toString());
  if (!m) throw invalid('NextToken is not a token of this search', 'NextToken');
  return Number(m[1]);
}
