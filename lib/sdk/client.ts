// LoupeClient: a typed method per API endpoint, NextToken iterators, waitForJob, and the logical
// version loader. A thin client over fetch; it needs nothing of the server.
import { setTimeout as sleep } from 'node:timers/promises';
import { datasetItem, type DatasetItem, type FileDownloader, type ReadOptions } from './dataset-item.js';
import { LoupeApiError } from './errors.js';
import { isJobEnded, JobProgressTracker, type JobProgress } from './job-progress.js';
import { paginate, type PaginateOptions } from './paginate.js';
import { parseJobLogLine } from '../domain/job.js';
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
  DatasetJobConfig,
  DatasetJobWire,
  CreateDatasetJobConfigRequest,
  UpdateDatasetJobConfigRequest,
  ListDatasetJobConfigsQuery,
  UpdateDatasetJobRequest,
  StopDatasetJobRequest,
  DatasetDetail,
  DatasetVersion,
  DatasetVersionPage,
  InWorkspace,
  Label,
  DiffVersionsQuery,
  Evaluation,
  FileMeta,
  FileMetaPage,
  FileMetaResult,
  FileMetaWire,
  FileMetasStatistics,
  FileMetasStatisticsQuery,
  GetDatasetJobQuery,
  GetFileMetaQuery,
  IndexConfig,
  ListConnectionsQuery,
  ListDatasetJobsQuery,
  ListDatasetsQuery,
  ListDatasetVersionsQuery,
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
  CreateFileMetasRequest,
  CreateFileMetasResult,
  DeleteFileMetasQuery,
  FileMetasWriteResult,
  UpdateTagDefinitionRequest,
  Prompt,
  CreatePromptRequest,
  UpdatePromptRequest,
  ListPromptsQuery,
  ValidateConnectionRequest,
  ValidateConnectionResult,
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

/** Ids per DeleteDatasetFileMetas request: 300 ids of 32 characters keep the URL under 10 KB (servers take 16 KiB). */
const MAX_DELETE_IDS_PER_URL = 300;

/** Tags and MetaAttributes as PAI sends them: JSON-encoded strings (a string is passed as it is). */
function withJsonFields<T extends { Tags?: unknown; MetaAttributes?: unknown }>(item: T): T {
  const json = (v: unknown) => (v === undefined || typeof v === 'string' ? v : JSON.stringify(v));
  return { ...item, Tags: json(item.Tags), MetaAttributes: json(item.MetaAttributes) };
}

/** A file meta with Tags and MetaAttributes parsed (the wire's JSON strings; an object, from an older server, is kept). */
export function fileMetaOf(m: FileMetaWire): FileMeta {
  const parsed = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);
  return { ...m, Tags: parsed(m.Tags) as FileMeta['Tags'], MetaAttributes: parsed(m.MetaAttributes) as FileMeta['MetaAttributes'] };
}

type WirePage = Omit<FileMetaPage, 'DatasetFileMetas'> & { DatasetFileMetas: FileMetaWire[] };
const fileMetaPageOf = (p: WirePage): FileMetaPage => ({ ...p, DatasetFileMetas: p.DatasetFileMetas.map(fileMetaOf) });

/** A job with its `Logs` strings parsed (they keep PAI's wire shape: `<time> <LEVEL> <message>`). */
function jobOf<T extends DatasetJobWire>(j: T): Omit<T, 'Logs'> & Pick<DatasetJob, 'Logs'> {
  const { Logs, ...rest } = j;
  return Logs ? { ...rest, Logs: Logs.map((line) => { const l = parseJobLogLine(line); return { Time: l.time, Level: l.level, Message: l.message }; }) } : rest;
}

type DatasetJobConfigWire = Omit<DatasetJobConfig, 'Config'> & { Config: string };

/** A job config with its `Config` parsed (an unparsable one is kept as `{ raw }`). */
function jobConfigOf<T extends DatasetJobConfigWire>(c: T): Omit<T, 'Config'> & { Config: Record<string, unknown> } {
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(c.Config) as Record<string, unknown>;
  } catch {
    config = { raw: c.Config };
  }
  return { ...c, Config: config };
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

  /** CreateDataset; a DryRun answers without a DatasetId. */
  createDataset(req: CreateDatasetRequest): Promise<WithRequestId<{ DatasetId: string }>> {
    return this.json('POST', '/api/v1/datasets', { body: req });
  }
  /** One page: by PageNumber/PageSize (PAI) or MaxResults/NextToken (Loupe); neither: PAI's page 1 of 10, with NextToken. */
  listDatasets(query: ListDatasetsQuery = {}): Promise<Page<'Datasets', Dataset>> {
    return this.json('GET', '/api/v1/datasets', { query });
  }
  /** Every dataset matching `query`, paged by NextToken (MaxResults per page, default 100). */
  iterateDatasets(
    query: Omit<ListDatasetsQuery, 'NextToken' | 'PageNumber' | 'PageSize'> = {},
    o?: PaginateOptions,
  ): AsyncGenerator<Dataset, void, undefined> {
    return paginate((NextToken) => this.listDatasets({ MaxResults: 100, ...query, NextToken }), (p) => p.Datasets, o);
  }
  /** GetDataset: the dataset and its LatestVersion. */
  getDataset(datasetId: string, query: InWorkspace = {}): Promise<DatasetDetail> {
    return this.json('GET', `/api/v1/datasets/${seg(datasetId)}`, { query });
  }
  updateDataset(datasetId: string, req: UpdateDatasetRequest, query: InWorkspace = {}): Promise<Ok> {
    return this.json('PUT', `/api/v1/datasets/${seg(datasetId)}`, { body: req, query });
  }
  deleteDataset(datasetId: string, query: InWorkspace = {}): Promise<Ok> {
    return this.json('DELETE', `/api/v1/datasets/${seg(datasetId)}`, { query });
  }
  /** PublishDataset: Accessibility becomes PUBLIC. */
  publishDataset(datasetId: string, query: InWorkspace = {}): Promise<Ok> {
    return this.json('PUT', `/api/v1/datasets/${seg(datasetId)}/publish`, { query });
  }
  /** CreateDatasetLabels: adds labels, or sets the Value of a Key the dataset has. */
  createDatasetLabels(datasetId: string, labels: Label[], query: InWorkspace = {}): Promise<Ok> {
    return this.json('POST', `/api/v1/datasets/${seg(datasetId)}/labels`, { body: { Labels: labels }, query });
  }
  deleteDatasetLabels(datasetId: string, keys: string[], query: InWorkspace = {}): Promise<Ok> {
    return this.json('DELETE', `/api/v1/datasets/${seg(datasetId)}/labels`, { query: { ...query, LabelKeys: keys.join(',') } });
  }
  createDatasetVersion(datasetId: string, req: CreateDatasetVersionRequest = {}, query: InWorkspace = {}): Promise<WithRequestId<{ VersionName: string }>> {
    return this.json('POST', `/api/v1/datasets/${seg(datasetId)}/versions`, { body: req, query });
  }
  /** One page of versions (PageNumber from 1, PageSize default 10). */
  listDatasetVersions(datasetId: string, query: ListDatasetVersionsQuery = {}): Promise<DatasetVersionPage> {
    return this.json('GET', `/api/v1/datasets/${seg(datasetId)}/versions`, { query });
  }
  /** Every version matching `query`, page by page (PageSize 100). */
  async *iterateDatasetVersions(
    datasetId: string,
    query: Omit<ListDatasetVersionsQuery, 'PageNumber' | 'PageSize'> = {},
  ): AsyncGenerator<DatasetVersion, void, undefined> {
    for (let PageNumber = 1; ; PageNumber++) {
      const page = await this.listDatasetVersions(datasetId, { ...query, PageNumber, PageSize: 100 });
      yield* page.DatasetVersions;
      if (page.DatasetVersions.length < 100 || PageNumber * 100 >= page.TotalCount) return;
    }
  }
  getDatasetVersion(datasetId: string, versionName: string, query: InWorkspace = {}): Promise<WithRequestId<DatasetVersion>> {
    return this.json('GET', `/api/v1/datasets/${seg(datasetId)}/versions/${seg(versionName)}`, { query });
  }
  updateDatasetVersion(datasetId: string, versionName: string, req: UpdateDatasetVersionRequest, query: InWorkspace = {}): Promise<Ok> {
    return this.json('PUT', `/api/v1/datasets/${seg(datasetId)}/versions/${seg(versionName)}`, { body: req, query });
  }
  deleteDatasetVersion(datasetId: string, versionName: string, query: InWorkspace = {}): Promise<Ok> {
    return this.json('DELETE', `/api/v1/datasets/${seg(datasetId)}/versions/${seg(versionName)}`, { query });
  }
  /** CreateDatasetVersionLabels: adds labels to the version, or sets the Value of a Key it has. */
  createDatasetVersionLabels(datasetId: string, versionName: string, labels: Label[], query: InWorkspace = {}): Promise<Ok> {
    return this.json('PUT', `/api/v1/datasets/${seg(datasetId)}/versions/${seg(versionName)}/labels`, { body: { Labels: labels }, query });
  }
  deleteDatasetVersionLabels(datasetId: string, versionName: string, keys: string[], query: InWorkspace = {}): Promise<Ok> {
    return this.json('DELETE', `/api/v1/datasets/${seg(datasetId)}/versions/${seg(versionName)}/labels`, { query: { ...query, Keys: keys.join(',') } });
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
    return this.json<WirePage>('GET', path, { query }).then(fileMetaPageOf);
  }
  /** ListDatasetFileMetas with a JSON body: every parameter, and QueryImageData (base64) for an uploaded image. */
  searchDatasetFileMetas(datasetId: string, req: SearchFileMetasRequest = {}): Promise<FileMetaPage> {
    return this.json<WirePage>('POST', `/api/v1/datasets/${seg(datasetId)}/datasetfilemetas/action/search`, { body: req }).then(fileMetaPageOf);
  }
  /** Every result of a search, page by page (POST, so an uploaded image and long lists work too). */
  iterateFileMetas(datasetId: string, req: Omit<SearchFileMetasRequest, 'NextToken'> = {}, o?: PaginateOptions): AsyncGenerator<FileMeta, void, undefined> {
    return paginate((NextToken) => this.searchDatasetFileMetas(datasetId, { ...req, NextToken }), (p) => p.DatasetFileMetas, o);
  }
  /** GetDatasetFileMeta, Tags and MetaAttributes parsed. */
  async getDatasetFileMeta(datasetId: string, datasetFileMetaId: string, query: GetFileMetaQuery = {}): Promise<FileMetaResult> {
    const r = await this.json<Omit<FileMetaResult, 'DatasetFileMeta'> & { DatasetFileMeta: FileMetaWire }>(
      'GET',
      `/api/v1/datasets/${seg(datasetId)}/datasetfilemetas/${seg(datasetFileMetaId)}`,
      { query },
    );
    return { ...r, DatasetFileMeta: fileMetaOf(r.DatasetFileMeta) };
  }
  /** CreateDatasetFileMetas: registers files inside the version's Uri (PENDING until a FileMetaBuild probes them). */
  createDatasetFileMetas(datasetId: string, req: CreateFileMetasRequest): Promise<CreateFileMetasResult> {
    return this.json('POST', `/api/v1/datasets/${seg(datasetId)}/datasetfilemetas`, { body: { ...req, DatasetFileMetas: req.DatasetFileMetas.map(withJsonFields) } });
  }
  /** UpdateDatasetFileMetas: user tags and rejected AI tags (add/remove), AI tags (with TagJobId), Comment, MetaAttributes. */
  updateDatasetFileMetas(datasetId: string, req: UpdateFileMetasRequest): Promise<FileMetasWriteResult> {
    return this.json('PUT', `/api/v1/datasets/${seg(datasetId)}/datasetfilemetas`, { body: { ...req, DatasetFileMetas: req.DatasetFileMetas.map(withJsonFields) } });
  }
  /**
   * DeleteDatasetFileMetas: Status DELETED. A long list of ids goes in several requests (a URL holds
   * a few hundred); their outcomes are merged.
   */
  async deleteDatasetFileMetas(datasetId: string, query: DeleteFileMetasQuery): Promise<FileMetasWriteResult> {
    const path = `/api/v1/datasets/${seg(datasetId)}/datasetfilemetas`;
    const ids = query.DatasetFileMetaIds;
    if (typeof ids === 'string' || ids.length <= MAX_DELETE_IDS_PER_URL) return this.json('DELETE', path, { query });
    let merged: FileMetasWriteResult | undefined;
    for (let i = 0; i < ids.length; i += MAX_DELETE_IDS_PER_URL) {
      const r = await this.json<FileMetasWriteResult>('DELETE', path, { query: { ...query, DatasetFileMetaIds: ids.slice(i, i + MAX_DELETE_IDS_PER_URL) } });
      merged = merged ? { ...r, Status: merged.Status && r.Status, FailedDetails: [...merged.FailedDetails, ...r.FailedDetails] } : r;
    }
    return merged!;
  }
  /** GetDatasetFileMetasStatistics: without AggregateBy, TotalCount alone (the files matching). */
  async getDatasetFileMetasStatistics(datasetId: string, query: FileMetasStatisticsQuery = {}): Promise<FileMetasStatistics> {
    const r = await this.json<Omit<FileMetasStatistics, 'RequestId'>>('GET', `/api/v1/statistics/datasets/${seg(datasetId)}/datasetfilemetas`, { query });
    return { ...r, RequestId: r.requestId };
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

  /** `JobSpec` may be an object (sent as it is) or PAI's JSON string. */
  createDatasetJob(datasetId: string, req: CreateDatasetJobRequest): Promise<WithRequestId<{ DatasetJobId: string }>> {
    return this.json('POST', `/api/v1/datasets/${seg(datasetId)}/datasetjobs`, { body: req });
  }
  /** The job with its `Logs` lines parsed into {Time, Level, Message}. */
  async getDatasetJob(datasetId: string, datasetJobId: string, query: GetDatasetJobQuery = {}, signal?: AbortSignal): Promise<WithRequestId<DatasetJob>> {
    const job = await this.json<WithRequestId<DatasetJobWire>>('GET', `/api/v1/datasets/${seg(datasetId)}/datasetjobs/${seg(datasetJobId)}`, { query, signal });
    return jobOf(job);
  }
  async listDatasetJobs(datasetId: string, query: ListDatasetJobsQuery = {}): Promise<Page<'DatasetJobs', DatasetJob>> {
    const page = await this.json<Page<'DatasetJobs', DatasetJobWire>>('GET', `/api/v1/datasets/${seg(datasetId)}/datasetjobs`, { query });
    return { ...page, DatasetJobs: page.DatasetJobs.map(jobOf) };
  }
  iterateJobs(
    datasetId: string,
    query: Omit<ListDatasetJobsQuery, 'NextToken' | 'PageNumber' | 'PageSize'> = {},
    o?: PaginateOptions,
  ): AsyncGenerator<DatasetJob, void, undefined> {
    return paginate((NextToken) => this.listDatasetJobs(datasetId, { ...query, NextToken }), (p) => p.DatasetJobs, o);
  }
  /** UpdateDatasetJob: the Description. */
  updateDatasetJob(datasetId: string, datasetJobId: string, req: UpdateDatasetJobRequest): Promise<Ok> {
    return this.json('PUT', `/api/v1/datasets/${seg(datasetId)}/datasetjobs/${seg(datasetJobId)}`, { body: req });
  }
  stopDatasetJob(datasetId: string, datasetJobId: string, req?: StopDatasetJobRequest): Promise<Ok> {
    return this.json('PUT', `/api/v1/datasets/${seg(datasetId)}/datasetjobs/${seg(datasetJobId)}/action/stop`, req ? { body: req } : {});
  }
  /** DeleteDatasetJob: an ended job (a Pending or Running one is a 409: stop it first). */
  deleteDatasetJob(datasetId: string, datasetJobId: string, query: { WorkspaceId?: string } = {}): Promise<Ok> {
    return this.json('DELETE', `/api/v1/datasets/${seg(datasetId)}/datasetjobs/${seg(datasetJobId)}`, { query });
  }

  // ---- dataset job configs (Config: an object here, a JSON string on the wire)

  createDatasetJobConfig(datasetId: string, req: CreateDatasetJobConfigRequest): Promise<WithRequestId<{ DatasetJobConfigId: string }>> {
    return this.json('POST', `/api/v1/datasets/${seg(datasetId)}/datasetjobconfigs`, { body: req });
  }
  async getDatasetJobConfig(datasetId: string, configId: string, query: { WorkspaceId?: string } = {}): Promise<WithRequestId<DatasetJobConfig>> {
    const c = await this.json<WithRequestId<DatasetJobConfigWire>>('GET', `/api/v1/datasets/${seg(datasetId)}/datasetjobconfigs/${seg(configId)}`, { query });
    return jobConfigOf(c);
  }
  async listDatasetJobConfigs(datasetId: string, query: ListDatasetJobConfigsQuery = {}): Promise<WithRequestId<{ DatasetJobConfigs: DatasetJobConfig[]; TotalCount: number }>> {
    const page = await this.json<WithRequestId<{ DatasetJobConfigs: DatasetJobConfigWire[]; TotalCount: number }>>(
      'GET',
      `/api/v1/datasets/${seg(datasetId)}/datasetjobconfigs/`,
      { query },
    );
    return { ...page, DatasetJobConfigs: page.DatasetJobConfigs.map(jobConfigOf) };
  }
  updateDatasetJobConfig(datasetId: string, configId: string, req: UpdateDatasetJobConfigRequest): Promise<Ok> {
    return this.json('PUT', `/api/v1/datasets/${seg(datasetId)}/datasetjobconfigs/${seg(configId)}`, { body: req });
  }
  deleteDatasetJobConfig(datasetId: string, configId: string, query: { WorkspaceId?: string } = {}): Promise<Ok> {
    return this.json('DELETE', `/api/v1/datasets/${seg(datasetId)}/datasetjobconfigs/${seg(configId)}`, { query });
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
  /**
   * ValidateConnection: really calls the service. A saved connection by id, or settings not saved
   * (`{ ConnectionType, Configs, Secrets }`); `Status: 'failed'` with `Code` and `Message` saying why.
   */
  validateConnection(target: string | ValidateConnectionRequest): Promise<ValidateConnectionResult> {
    return this.json('POST', '/api/v1/connections/validate', { body: typeof target === 'string' ? { ConnectionId: target } : target });
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

  // ---- prompts (PAI's names for tag definitions: PromptId = TagDefinitionId)

  createPrompt(req: CreatePromptRequest): Promise<WithRequestId<{ PromptId: string }>> {
    return this.json('POST', '/api/v1/prompts', { body: withContentString(req) });
  }
  async getPrompt(promptId: string, query: { WorkspaceId?: string } = {}): Promise<WithRequestId<Prompt>> {
    return parsePrompt(await this.json<WithRequestId<WirePrompt>>('GET', `/api/v1/prompts/${seg(promptId)}`, { query }));
  }
  async listPrompts(query: ListPromptsQuery = {}): Promise<WithRequestId<{ Prompts: Prompt[]; TotalCount: number }>> {
    const page = await this.json<WithRequestId<{ Prompts: WirePrompt[]; TotalCount: number }>>('GET', '/api/v1/prompts', { query });
    return { ...page, Prompts: page.Prompts.map(parsePrompt) };
  }
  updatePrompt(promptId: string, req: UpdatePromptRequest): Promise<Ok> {
    return this.json('PUT', `/api/v1/prompts/${seg(promptId)}`, { body: withContentString(req) });
  }
  deletePrompt(promptId: string, query: { WorkspaceId?: string } = {}): Promise<Ok> {
    return this.json('DELETE', `/api/v1/prompts/${seg(promptId)}`, { query });
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
  for (const k of ['TopK', 'ScoreThreshold', 'MaxResults', 'PageSize'] as const) {
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

/** A prompt as the wire carries it: FrameworkContent a JSON string. */
type WirePrompt = Omit<Prompt, 'FrameworkContent'> & { FrameworkContent: string };

function parsePrompt<T extends WirePrompt>(p: T): Omit<T, 'FrameworkContent'> & { FrameworkContent: Prompt['FrameworkContent'] } {
  return { ...p, FrameworkContent: JSON.parse(p.FrameworkContent) as Prompt['FrameworkContent'] };
}

function withContentString<T extends { FrameworkContent?: unknown }>(req: T): Omit<T, 'FrameworkContent'> & { FrameworkContent?: string } {
  const c = req.FrameworkContent;
  return { ...req, FrameworkContent: c === undefined || typeof c === 'string' ? c : JSON.stringify(c) };
}
