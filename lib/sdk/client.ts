// LoupeClient: a typed method per API endpoint, NextToken iterators, waitForJob, and the logical
// version loader. A thin client over fetch; it needs nothing of the server.
import { setTimeout as sleep } from 'node:timers/promises';
import { datasetItem, type DatasetItem, type FileDownloader, type ReadOptions } from './dataset-item.js';
import { LoupeApiError } from './errors.js';
import { isJobEnded, JobProgressTracker, type JobProgress } from './job-progress.js';
import { paginate, type PaginateOptions } from './paginate.js';
import type {
  Connection,
  Coverage,
  CoverageQuery,
  CreateConnectionRequest,
  CreateDatasetJobRequest,
  CreateDatasetRequest,
  CreateDatasetVersionRequest,
  CreateEvaluationRequest,
  CreateTagDefinitionRequest,
  Dataset,
  DatasetJob,
  DatasetVersion,
  DatasetWithVersions,
  DiffVersionsQuery,
  Evaluation,
  FileMeta,
  FileMetaPage,
  FileMetasStatistics,
  FileMetasStatisticsQuery,
  GetDatasetJobQuery,
  GetFileMetaQuery,
  IndexConfig,
  ListConnectionsQuery,
  ListDatasetJobsQuery,
  ListDatasetsQuery,
  ListFileMetasQuery,
  ListReferencesQuery,
  ListTagDefinitionsQuery,
  Page,
  PutIndexConfigRequest,
  PutReindexConfigRequest,
  Reference,
  ReferencePage,
  ReindexConfig,
  SearchFileMetasRequest,
  TagDefinition,
  UpdateConnectionRequest,
  UpdateDatasetRequest,
  UpdateDatasetVersionRequest,
  UpdateFileMetasRequest,
  UpdateTagDefinitionRequest,
  VersionDiff,
  WithRequestId,
} from './types.js';

export interface LoupeClientOptions {
  /** The server, e.g. `http://127.0.0.1:8787` (a trailing `/api/v1` is accepted too). */
  url: string;
  apiKey: string;
  /** Defaults to the global fetch; tests pass an in-process app's. */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** Sent with every request, e.g. an `x-request-id`. */
  headers?: Record<string, string>;
}

export interface WaitForJobOptions {
  onProgress?: (progress: JobProgress) => void;
  /** Between polls; default 1000 ms. */
  intervalMs?: number;
  signal?: AbortSignal;
  /** The rate's sliding window; default 10 s. */
  rateWindowMs?: number;
  /** How many failed files (with reasons) and log lines the final job carries; defaults 100 and 1000. */
  maxFailedFiles?: number;
  maxLogs?: number;
  /** Clock for the rate; default Date.now. */
  now?: () => number;
}

type Query = Record<string, unknown>;
type Ok = WithRequestId;
const seg = encodeURIComponent;

/**
 * A GET search whose URL would be longer than this goes as the equivalent POST: servers refuse long
 * request lines (Node answers 431 past 16 KB of headers; proxies often stop at 8 KB), and 500 ids
 * in DatasetFileMetaIds are already 20 KB. NextTokens hold across both forms.
 */
export const MAX_GET_URL_LENGTH = 4096;

/** A list parameter on a GET: comma-separated, or a JSON array when a value would be ambiguous. */
function listParam(values: readonly unknown[]): string {
  const s = values.map(String);
  return s.some((v) => v.includes(',') || v.trimStart().startsWith('[')) ? JSON.stringify(s) : s.join(',');
}

export function queryString(q: Query | undefined): string {
  if (!q) return '';
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null) continue;
    qs.set(k, Array.isArray(v) ? listParam(v) : String(v));
  }
  const s = qs.toString();
  return s ? `?${s}` : '';
}

export class LoupeClient implements FileDownloader {
  readonly url: string;
  private readonly apiKey: string;
  private readonly fetchFn: (input: string, init: RequestInit) => Promise<Response>;
  private readonly headers: Record<string, string>;

  constructor(o: LoupeClientOptions) {
    if (!o.url) throw new Error('LoupeClient: url is required');
    if (!o.apiKey) throw new Error('LoupeClient: apiKey is required');
    this.url = o.url.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
    this.apiKey = o.apiKey;
    this.fetchFn = o.fetch ?? ((input, init) => fetch(input, init));
    this.headers = o.headers ?? {};
  }

  // ---- transport

  /** A raw call: the Response of `method path` (path from the server root), errors thrown as LoupeApiError. */
  async send(method: string, path: string, o: { query?: Query; body?: unknown; signal?: AbortSignal } = {}): Promise<Response> {
    const target = `${path}${queryString(o.query)}`;
    let res: Response;
    try {
      res = await this.fetchFn(this.url + target, {
        method,
        headers: {
          ...this.headers,
          authorization: `Bearer ${this.apiKey}`,
          ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: o.body === undefined ? undefined : JSON.stringify(o.body),
        signal: o.signal,
      });
    } catch (e) {
      if ((e as Error)?.name === 'AbortError') throw e;
      const why = (e as { cause?: { code?: string } })?.cause?.code ?? (e instanceof Error ? e.message : String(e));
      throw new LoupeApiError(0, 'ConnectionFailed', `cannot reach ${this.url} (${why})`, undefined, undefined, { cause: e });
    }
    if (!res.ok) throw await LoupeApiError.fromResponse(res, method, path);
    return res;
  }

  private async json<T>(method: string, path: string, o: { query?: Query; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
    const res = await this.send(method, path, o);
    return (await res.json()) as T;
  }

  /** GET /healthz (no key needed, but sent anyway). */
  health(): Promise<{ Status: string; RequestId: string }> {
    return this.json('GET', '/healthz');
  }

  /** The OpenAPI 3.1 document. */
  openApi(): Promise<Record<string, unknown>> {
    return this.json('GET', '/openapi.json');
  }

  // ---- datasets and versions

  createDataset(req: CreateDatasetRequest): Promise<WithRequestId<{ DatasetId: string }>> {
    return this.json('POST', '/api/v1/datasets', { body: req });
  }
  listDatasets(query: ListDatasetsQuery = {}): Promise<Page<'Datasets', Dataset>> {
    return this.json('GET', '/api/v1/datasets', { query });
  }
  iterateDatasets(query: Omit<ListDatasetsQuery, 'NextToken'> = {}, o?: PaginateOptions): AsyncGenerator<Dataset, void, undefined> {
    return paginate((NextToken) => this.listDatasets({ ...query, NextToken }), (p) => p.Datasets, o);
  }
  getDataset(datasetId: string): Promise<DatasetWithVersions> {
    return this.json('GET', `/api/v1/datasets/${seg(datasetId)}`);
  }
  updateDataset(datasetId: string, req: UpdateDatasetRequest): Promise<Ok> {
    return this.json('PUT', `/api/v1/datasets/${seg(datasetId)}`, { body: req });
  }
  deleteDataset(datasetId: string): Promise<Ok> {
    return this.json('DELETE', `/api/v1/datasets/${seg(datasetId)}`);
  }
  createDatasetVersion(datasetId: string, req: CreateDatasetVersionRequest = {}): Promise<WithRequestId<{ VersionName: string }>> {
    return this.json('POST', `/api/v1/datasets/${seg(datasetId)}/versions`, { body: req });
  }
  listDatasetVersions(datasetId: string): Promise<WithRequestId<{ DatasetVersions: DatasetVersion[]; TotalCount: number }>> {
    return this.json('GET', `/api/v1/datasets/${seg(datasetId)}/versions`);
  }
  getDatasetVersion(datasetId: string, versionName: string): Promise<WithRequestId<DatasetVersion>> {
    return this.json('GET', `/api/v1/datasets/${seg(datasetId)}/versions/${seg(versionName)}`);
  }
  updateDatasetVersion(datasetId: string, versionName: string, req: UpdateDatasetVersionRequest): Promise<Ok> {
    return this.json('PUT', `/api/v1/datasets/${seg(datasetId)}/versions/${seg(versionName)}`, { body: req });
  }
  deleteDatasetVersion(datasetId: string, versionName: string): Promise<Ok> {
    return this.json('DELETE', `/api/v1/datasets/${seg(datasetId)}/versions/${seg(versionName)}`);
  }

  // ---- logical versions (made by exports)

  listReferences(datasetId: string, versionName: string, query: ListReferencesQuery = {}): Promise<ReferencePage> {
    return this.json('GET', `/api/v1/datasets/${seg(datasetId)}/versions/${seg(versionName)}/references`, { query: { ...query } });
  }
  iterateReferences(datasetId: string, versionName: string, query: Omit<ListReferencesQuery, 'NextToken'> = {}, o?: PaginateOptions) {
    return paginate((NextToken) => this.listReferences(datasetId, versionName, { ...query, NextToken }), (p) => p.References, o);
  }
  /** What changed in `versionName` since `query.BaseVersion`: counts, and one kind of change's references. */
  diffVersions(datasetId: string, versionName: string, query: DiffVersionsQuery): Promise<VersionDiff> {
    return this.json('GET', `/api/v1/datasets/${seg(datasetId)}/versions/${seg(versionName)}/diff`, { query: { ...query } });
  }
  iterateDiff(datasetId: string, versionName: string, query: Omit<DiffVersionsQuery, 'NextToken'>, o?: PaginateOptions) {
    return paginate((NextToken) => this.diffVersions(datasetId, versionName, { ...query, NextToken }), (p) => p.References, o);
  }

  /**
   * The files of a logical version as dataset items (see loadManifest): `read()` takes a local
   * file from disk, else downloads it from its source dataset through this client.
   */
  async *loadLogicalVersion(
    datasetId: string,
    versionName: string,
    o: { verify?: boolean; pageSize?: number } & PaginateOptions = {},
  ): AsyncGenerator<DatasetItem, void, undefined> {
    const read: ReadOptions = { client: this, verify: o.verify };
    for await (const r of this.iterateReferences(datasetId, versionName, { MaxResults: o.pageSize ?? 1000 }, o)) {
      yield datasetItem(referenceItem(r), read);
    }
  }

  // ---- file metas

  /**
   * ListDatasetFileMetas (GET): lists may be arrays; they are encoded for the query string. A query
   * too long for a URL (MAX_GET_URL_LENGTH) is sent as the POST search instead, with the same result.
   */
  listDatasetFileMetas(datasetId: string, query: ListFileMetasQuery = {}): Promise<FileMetaPage> {
    const path = `/api/v1/datasets/${seg(datasetId)}/datasetfilemetas`;
    if (this.url.length + path.length + queryString(query).length > MAX_GET_URL_LENGTH) return this.searchDatasetFileMetas(datasetId, searchBodyOf(query));
    return this.json('GET', path, { query });
  }
  /** ListDatasetFileMetas with a JSON body: every parameter, and QueryImageData (base64) for an uploaded image. */
  searchDatasetFileMetas(datasetId: string, req: SearchFileMetasRequest = {}): Promise<FileMetaPage> {
    return this.json('POST', `/api/v1/datasets/${seg(datasetId)}/datasetfilemetas/action/search`, { body: req });
  }
  /** Every result of a search, page by page (POST, so an uploaded image and long lists work too). */
  iterateFileMetas(datasetId: string, req: Omit<SearchFileMetasRequest, 'NextToken'> = {}, o?: PaginateOptions): AsyncGenerator<FileMeta, void, undefined> {
    return paginate((NextToken) => this.searchDatasetFileMetas(datasetId, { ...req, NextToken }), (p) => p.DatasetFileMetas, o);
  }
  getDatasetFileMeta(datasetId: string, datasetFileMetaId: string, query: GetFileMetaQuery = {}): Promise<WithRequestId<{ DatasetFileMeta: FileMeta }>> {
    return this.json('GET', `/api/v1/datasets/${seg(datasetId)}/datasetfilemetas/${seg(datasetFileMetaId)}`, { query });
  }
  /** Adds/removes user tags and rejected AI tags. */
  updateDatasetFileMetas(datasetId: string, req: UpdateFileMetasRequest): Promise<WithRequestId<{ DatasetFileMetas: FileMeta[] }>> {
    return this.json('PUT', `/api/v1/datasets/${seg(datasetId)}/datasetfilemetas`, { body: req });
  }
  getDatasetFileMetasStatistics(datasetId: string, query: FileMetasStatisticsQuery): Promise<FileMetasStatistics> {
    return this.json('GET', `/api/v1/statistics/datasets/${seg(datasetId)}/datasetfilemetas`, { query });
  }
  /** The original file's bytes. */
  async downloadDatasetFileMeta(datasetId: string, datasetFileMetaId: string): Promise<Buffer> {
    const res = await this.downloadResponse(datasetId, datasetFileMetaId);
    return Buffer.from(await res.arrayBuffer());
  }
  /** The original file as a streamed Response (`res.body`, `content-type`). */
  downloadResponse(datasetId: string, datasetFileMetaId: string, signal?: AbortSignal): Promise<Response> {
    return this.send('GET', `/api/v1/datasets/${seg(datasetId)}/datasetfilemetas/${seg(datasetFileMetaId)}/download`, { signal });
  }

  // ---- jobs

  createDatasetJob(datasetId: string, req: CreateDatasetJobRequest): Promise<WithRequestId<{ DatasetJobId: string }>> {
    return this.json('POST', `/api/v1/datasets/${seg(datasetId)}/datasetjobs`, { body: req });
  }
  getDatasetJob(datasetId: string, datasetJobId: string, query: GetDatasetJobQuery = {}, signal?: AbortSignal): Promise<WithRequestId<DatasetJob>> {
    return this.json('GET', `/api/v1/datasets/${seg(datasetId)}/datasetjobs/${seg(datasetJobId)}`, { query, signal });
  }
  listDatasetJobs(datasetId: string, query: ListDatasetJobsQuery = {}): Promise<Page<'DatasetJobs', DatasetJob>> {
    return this.json('GET', `/api/v1/datasets/${seg(datasetId)}/datasetjobs`, { query });
  }
  iterateJobs(datasetId: string, query: Omit<ListDatasetJobsQuery, 'NextToken'> = {}, o?: PaginateOptions): AsyncGenerator<DatasetJob, void, undefined> {
    return paginate((NextToken) => this.listDatasetJobs(datasetId, { ...query, NextToken }), (p) => p.DatasetJobs, o);
  }
  stopDatasetJob(datasetId: string, datasetJobId: string): Promise<Ok> {
    return this.json('PUT', `/api/v1/datasets/${seg(datasetId)}/datasetjobs/${seg(datasetJobId)}/action/stop`);
  }

  /**
   * Polls the job until it ends and resolves with the final job (with its failed files and logs).
   * `onProgress` gets every poll: counts, the rate in files/s over a sliding window, and the ETA.
   */
  async waitForJob(datasetId: string, datasetJobId: string, o: WaitForJobOptions = {}): Promise<WithRequestId<DatasetJob>> {
    const tracker = new JobProgressTracker(o.rateWindowMs);
    const now = o.now ?? Date.now;
    for (;;) {
      o.signal?.throwIfAborted();
      const job = await this.getDatasetJob(datasetId, datasetJobId, { MaxLogs: 0, MaxFailedFiles: 0 }, o.signal);
      o.onProgress?.(tracker.update(job, now()));
      if (isJobEnded(job.Status)) {
        return this.getDatasetJob(datasetId, datasetJobId, { MaxLogs: o.maxLogs ?? 1000, MaxFailedFiles: o.maxFailedFiles ?? 100 }, o.signal);
      }
      await sleep(o.intervalMs ?? 1000, undefined, { signal: o.signal });
    }
  }

  // ---- connections

  createConnection(req: CreateConnectionRequest): Promise<WithRequestId<{ ConnectionId: string }>> {
    return this.json('POST', '/api/v1/connections', { body: req });
  }
  listConnections(query: ListConnectionsQuery = {}): Promise<Page<'Connections', Connection>> {
    return this.json('GET', '/api/v1/connections', { query });
  }
  iterateConnections(query: Omit<ListConnectionsQuery, 'NextToken'> = {}, o?: PaginateOptions): AsyncGenerator<Connection, void, undefined> {
    return paginate((NextToken) => this.listConnections({ ...query, NextToken }), (p) => p.Connections, o);
  }
  getConnection(connectionId: string): Promise<WithRequestId<Connection>> {
    return this.json('GET', `/api/v1/connections/${seg(connectionId)}`);
  }
  updateConnection(connectionId: string, req: UpdateConnectionRequest): Promise<Ok> {
    return this.json('PUT', `/api/v1/connections/${seg(connectionId)}`, { body: req });
  }
  deleteConnection(connectionId: string): Promise<Ok> {
    return this.json('DELETE', `/api/v1/connections/${seg(connectionId)}`);
  }
  /** Really calls the service; `Valid: false` with the reason when it fails. */
  validateConnection(connectionId: string): Promise<WithRequestId<{ Valid: boolean; Message: string }>> {
    return this.json('POST', `/api/v1/connections/${seg(connectionId)}/action/validate`);
  }

  // ---- tag definitions

  createTagDefinition(req: CreateTagDefinitionRequest): Promise<WithRequestId<{ TagDefinitionId: string; Version: number }>> {
    return this.json('POST', '/api/v1/tagdefinitions', { body: req });
  }
  listTagDefinitions(query: ListTagDefinitionsQuery = {}): Promise<Page<'TagDefinitions', TagDefinition>> {
    return this.json('GET', '/api/v1/tagdefinitions', { query });
  }
  iterateTagDefinitions(o?: PaginateOptions & { pageSize?: number }): AsyncGenerator<TagDefinition, void, undefined> {
    return paginate((NextToken) => this.listTagDefinitions({ MaxResults: o?.pageSize, NextToken }), (p) => p.TagDefinitions, o);
  }
  getTagDefinition(tagDefinitionId: string): Promise<WithRequestId<TagDefinition>> {
    return this.json('GET', `/api/v1/tagdefinitions/${seg(tagDefinitionId)}`);
  }
  /** Pass `Version` to refuse a stale edit (409). */
  updateTagDefinition(tagDefinitionId: string, req: UpdateTagDefinitionRequest): Promise<WithRequestId<{ Version: number }>> {
    return this.json('PUT', `/api/v1/tagdefinitions/${seg(tagDefinitionId)}`, { body: req });
  }
  deleteTagDefinition(tagDefinitionId: string): Promise<Ok> {
    return this.json('DELETE', `/api/v1/tagdefinitions/${seg(tagDefinitionId)}`);
  }

  // ---- index config, coverage, scheduled reindex, evaluation

  /** Saves the index config; `RefreshNow: true` starts a SemanticIndex job (its id is returned). */
  putIndexConfig(datasetId: string, req: PutIndexConfigRequest): Promise<WithRequestId<{ DatasetJobId?: string }>> {
    return this.json('PUT', `/api/v1/datasets/${seg(datasetId)}/indexconfig`, { body: req });
  }
  getIndexConfig(datasetId: string): Promise<WithRequestId<IndexConfig>> {
    return this.json('GET', `/api/v1/datasets/${seg(datasetId)}/indexconfig`);
  }
  getCoverage(datasetId: string, query: CoverageQuery = {}): Promise<Coverage> {
    return this.json('GET', `/api/v1/datasets/${seg(datasetId)}/coverage`, { query });
  }
  /** Opts the dataset in to scheduled reindexing (or replaces its setting). */
  putReindexConfig(datasetId: string, req: PutReindexConfigRequest): Promise<ReindexConfig> {
    return this.json('PUT', `/api/v1/datasets/${seg(datasetId)}/reindexconfig`, { body: req });
  }
  /** 404 when the dataset has not opted in. */
  getReindexConfig(datasetId: string): Promise<ReindexConfig> {
    return this.json('GET', `/api/v1/datasets/${seg(datasetId)}/reindexconfig`);
  }
  deleteReindexConfig(datasetId: string): Promise<Ok> {
    return this.json('DELETE', `/api/v1/datasets/${seg(datasetId)}/reindexconfig`);
  }

  /** Retrieval quality of one or more indexes against labelled data: P@K, R@K, mAP, a score threshold. */
  createEvaluation(datasetId: string, req: CreateEvaluationRequest = {}): Promise<Evaluation> {
    return this.json('POST', `/api/v1/datasets/${seg(datasetId)}/evaluations`, { body: req });
  }
}

/** A GET search's query as the POST body: the same names; numbers given as text become numbers. */
function searchBodyOf(query: ListFileMetasQuery): SearchFileMetasRequest {
  const body: Record<string, unknown> = { ...query };
  for (const k of ['TopK', 'ScoreThreshold', 'MaxResults'] as const) {
    const v = body[k];
    if (typeof v === 'string' && v.trim() !== '') body[k] = Number(v);
  }
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined && v !== null)) as SearchFileMetasRequest;
}

function referenceItem(r: Reference): Omit<DatasetItem, 'read'> {
  return {
    uri: r.Uri,
    datasetFileMetaId: r.DatasetFileMetaId,
    sourceDatasetId: r.SourceDatasetId,
    fileName: r.FileName,
    tags: r.Tags.all,
    tagsDetail: r.Tags,
    metaAttributes: r.MetaAttributes as FileMeta['MetaAttributes'],
    fingerprint: r.FileFingerPrint,
    dataSize: r.DataSize,
    ...(r.Score !== undefined ? { score: r.Score } : {}),
  };
}
