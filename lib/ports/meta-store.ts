// Port: the metadata store (Tablestore in the cloud, SQLite locally). Holds no product logic:
// services decide, the store persists; every write is idempotent or conditional.
import type { Expr } from '../dsl/ast.js';
import type { LogicalChange, LogicalRef } from '../domain/logical.js';
import type { Connection, ConnectionType, TagDefinition } from '../domain/connection.js';
import type { Dataset, DatasetVersion, IndexConfig } from '../domain/dataset.js';
import type { FileMeta, FileStatus, MetaAttributes, ProbeDepth } from '../domain/file-meta.js';
import type { DatasetJob, FileOutcome, JobAction, JobCounts, JobLog, JobOutput, JobStatus } from '../domain/job.js';
import type { ReindexSetting } from '../domain/reindex.js';

export interface Page<T> {
  items: T[];
  /** Opaque; pass back to get the next page. Absent on the last page. */
  nextToken?: string;
  totalCount: number;
}

export interface DatasetQuery {
  nameContains?: string;
  edition?: Dataset['edition'];
  maxResults: number;
  nextToken?: string;
}

export const FILE_SORT_FIELDS = ['FileUpdateTime', 'FileCreateTime', 'FileName', 'DataSize', 'DatasetFileMetaId'] as const;
export type FileSortField = (typeof FILE_SORT_FIELDS)[number];

export interface FileMetaQuery {
  datasetId: string;
  versionName: string;
  /** Default: DEFAULT_LISTED_STATUSES (every status but SKIPPED and DELETED). */
  statuses?: FileStatus[];
  /** Case-insensitive substring of FileName. */
  fileNameContains?: string;
  /** Case-insensitive substring of FileDir. */
  fileDirContains?: string;
  startFileUpdateTime?: string;
  endFileUpdateTime?: string;
  ids?: string[];
  fileTypes?: string[];
  /** Only files whose vector is in this index. */
  indexName?: string;
  /** A condition in the query language (DESIGN.md §5), ANDed with the rest. */
  filter?: Expr;
}

export interface FileMetaListQuery extends FileMetaQuery {
  sortBy: FileSortField;
  order: 'ASC' | 'DESC';
  maxResults: number;
  nextToken?: string;
}

export const AGGREGATE_FIELDS = ['filedir', 'file_type', 'status', 'tags.all', 'tags.ai', 'tags.user'] as const;
export type AggregateField = (typeof AGGREGATE_FIELDS)[number];

/** What a listing establishes about a file; the store inserts or updates these fields only. */
export interface ListedFileRow {
  datasetFileMetaId: string;
  datasetId: string;
  versionName: string;
  uri: string;
  fileName: string;
  fileDir: string;
  dataSize: number;
  fileFingerPrint: string;
  fileCreateTime: string | null;
  fileUpdateTime: string;
  /** Used on insert, and on update when `reset` is set. */
  fileType: string;
  /** The content changed (or is new): status goes back to PENDING and probe results are cleared. */
  reset: boolean;
}

export interface ProbeUpdate {
  datasetFileMetaId: string;
  /** The fingerprint the probe read; the update applies only while the file still has it. */
  fileFingerPrint: string;
  status: Extract<FileStatus, 'ACTIVE' | 'FAILED' | 'SKIPPED'>;
  fileType: string;
  contentType: string | null;
  metaAttributes: MetaAttributes;
  failReason: string | null;
  probeDepth: ProbeDepth;
}

export interface TagUpdate {
  datasetFileMetaId: string;
  /** Fingerprint of the bytes the model saw. */
  fileFingerPrint: string;
  ai: string[];
  tagDefinitionId: string;
  tagDefinitionVersion: number;
  model: string;
}

export interface EmbedUpdate {
  datasetFileMetaId: string;
  fileFingerPrint: string;
  jobId: string;
  embedderId: string;
  indexName: string;
}

/** What "up to date" means when counting coverage. */
export type CoverageTarget =
  | { kind: 'tags'; tagDefinitionId: string; tagDefinitionVersion: number; model?: string }
  | { kind: 'vectors'; embedderId: string; indexName: string };

export interface CoverageCounts {
  /** Files that can be processed (ACTIVE or PENDING). */
  total: number;
  upToDate: number;
  /** Done before, but the file, the definition or the model changed since. */
  stale: number;
  /** The last try failed (its reason is on the file). */
  failed: number;
  never: number;
  /** FAILED files (undecodable): no model will see them. */
  unusable: number;
}

export interface JobQuery {
  datasetId?: string;
  versionName?: string;
  jobAction?: JobAction;
  status?: JobStatus;
  maxResults: number;
  nextToken?: string;
}

export interface FanoutAdvance {
  /** The cursor the caller started from; the advance applies only if it is still current. */
  fromCursor: string | null;
  toCursor: string | null;
  listed: number;
  /** Files found gone when the listing ended (Status set to DELETED). */
  deleted?: number;
  done: boolean;
}

export interface MetaStore {
  // datasets and versions
  createDataset(d: Dataset): Promise<void>;
  getDataset(id: string): Promise<Dataset | undefined>;
  listDatasets(q: DatasetQuery): Promise<Page<Dataset>>;
  updateDataset(id: string, patch: Partial<Pick<Dataset, 'name' | 'description'>> & { updateTime: string }): Promise<void>;
  /** Deletes a dataset with its versions, file metas, jobs and logs, its index config and its reindex setting. */
  deleteDataset(id: string): Promise<void>;
  createVersion(v: DatasetVersion): Promise<void>;
  getVersion(datasetId: string, versionName: string): Promise<DatasetVersion | undefined>;
  /** Whether the version exists (cheap: no file count). */
  hasVersion(datasetId: string, versionName: string): Promise<boolean>;
  listVersions(datasetId: string): Promise<DatasetVersion[]>;
  /** Every version that holds files (of every ADVANCED dataset), with its folder: where exports never write. */
  listVersionFolders(): Promise<Array<{ datasetId: string; versionName: string; uri: string }>>;
  updateVersion(datasetId: string, versionName: string, patch: { description?: string; updateTime: string }): Promise<void>;
  /** Deletes a version with its file metas. */
  deleteVersion(datasetId: string, versionName: string): Promise<void>;

  // file metas
  getFileMeta(id: string): Promise<FileMeta | undefined>;
  getFileMetas(ids: string[]): Promise<FileMeta[]>;
  /** Upserts what a listing saw, stamping `listedByJobId` and the listing time `now` so vanished files can be found after. */
  upsertListedFiles(rows: ListedFileRow[], listedByJobId: string, now: string): Promise<void>;
  applyProbeResults(updates: ProbeUpdate[], now: string): Promise<void>;
  /** Marks one file FAILED with a reason (a later decode found it broken). */
  markFileFailed(id: string, reason: string, now: string): Promise<void>;
  /**
   * Files of the version whose last listing stamp is neither `jobId`'s nor dated at or after
   * `listingStart` (or that have none) become DELETED; returns how many changed. `listingStart` is when
   * `jobId`'s listing began, before its first page: a file another job's listing saw since then stays.
   */
  markUnlistedDeleted(datasetId: string, versionName: string, jobId: string, listingStart: string, now: string): Promise<number>;
  listFileMetas(q: FileMetaListQuery): Promise<Page<FileMeta>>;
  aggregateFileMetas(q: FileMetaQuery, by: AggregateField, limit: number): Promise<Array<{ key: string; count: number }>>;
  countFileMetas(q: FileMetaQuery): Promise<number>;
  /** Ids of the files matching `q`, at most `limit` (in no particular order). */
  listFileMetaIds(q: FileMetaQuery, limit: number): Promise<string[]>;

  // jobs
  createJob(job: DatasetJob): Promise<void>;
  getJob(id: string): Promise<DatasetJob | undefined>;
  listJobs(q: JobQuery): Promise<Page<DatasetJob>>;
  /** Moves a job from one of `from` to `to`; false if it was in none of them. */
  transitionJob(
    id: string,
    from: JobStatus[],
    to: JobStatus,
    patch: { startTime?: string; finishTime?: string; message?: string | null; output?: JobOutput; updateTime: string },
  ): Promise<boolean>;
  /** Sets a Running job's counters outright (an export counts what it wrote, not registered items). */
  setJobCounts(id: string, c: { total: number; completed: number; failed: number }, now: string): Promise<void>;
  /** Ends a Running job whose fan-out is done and whose counters add up; false otherwise. */
  finishJobIfComplete(id: string, decide: (counts: JobCounts) => JobStatus, now: string): Promise<boolean>;
  advanceFanout(id: string, a: FanoutAdvance, now: string): Promise<boolean>;
  /** Registers files as work of the job; each counts once in TotalFileCount. Returns the newly added. */
  addJobItems(jobId: string, metaIds: string[]): Promise<number>;
  /** Records outcomes; each file counts once, as completed, skipped or failed. Returns the newly counted. */
  recordOutcomes(jobId: string, outcomes: FileOutcome[]): Promise<Omit<JobCounts, 'total'>>;
  /** Job items not yet counted, among `metaIds`. */
  openJobItems(jobId: string, metaIds: string[]): Promise<string[]>;
  /** Failed files of a job with their reasons. */
  listFailedJobItems(jobId: string, limit: number): Promise<Array<{ metaId: string; uri: string; reason: string }>>;
  appendJobLogs(jobId: string, logs: JobLog[]): Promise<void>;
  listJobLogs(jobId: string, limit: number): Promise<JobLog[]>;

  // logical datasets: versions of references, built invisibly by one job, then published immutable
  /** The version `jobId` builds in a logical dataset: its own if it has one, else the next free name. */
  reserveLogicalVersion(datasetId: string, jobId: string, description: string, now: string): Promise<string>;
  /** Adds references to a version being built (a reference already there is replaced). */
  putLogicalRefs(datasetId: string, versionName: string, refs: Array<LogicalRef & { seq: number }>): Promise<void>;
  clearLogicalRefs(datasetId: string, versionName: string): Promise<void>;
  /** Makes the version visible; false when `jobId` is not building it. */
  publishLogicalVersion(datasetId: string, versionName: string, jobId: string, now: string): Promise<boolean>;
  /** Drops a version `jobId` was building, with its references. */
  discardLogicalVersion(datasetId: string, versionName: string, jobId: string): Promise<void>;
  /** A published version's references in export order. */
  listLogicalRefs(datasetId: string, versionName: string, q: { maxResults: number; nextToken?: string }): Promise<Page<LogicalRef>>;
  /** References added to, removed from or changed (other fingerprint) in `versionName` since `baseVersionName`. */
  diffLogicalVersions(
    datasetId: string,
    versionName: string,
    baseVersionName: string,
    change: LogicalChange,
    q: { maxResults: number; nextToken?: string },
  ): Promise<Page<LogicalRef> & { counts: Record<LogicalChange, number> }>;

  // smart tags and vectors
  applyTagResults(updates: TagUpdate[], now: string): Promise<void>;
  recordTagError(id: string, reason: string, now: string): Promise<void>;
  applyEmbedResults(updates: EmbedUpdate[], now: string): Promise<void>;
  recordEmbedError(id: string, reason: string, now: string): Promise<void>;
  /** DELETED files of the version that still have a vector in `indexName`. */
  listDeletedEmbedded(datasetId: string, versionName: string, indexName: string, limit: number): Promise<string[]>;
  clearEmbeddings(ids: string[], now: string): Promise<void>;
  updateUserTags(id: string, tags: { user: string[]; userDeleteAiTags: string[] }, now: string): Promise<void>;
  coverage(datasetId: string, versionName: string, target: CoverageTarget): Promise<CoverageCounts>;
  getIndexConfig(datasetId: string): Promise<IndexConfig | undefined>;
  putIndexConfig(c: IndexConfig): Promise<void>;
  getReindexSetting(datasetId: string): Promise<ReindexSetting | undefined>;
  /** Inserts or replaces the setting; an existing one keeps its createTime and lastRunTime. */
  putReindexSetting(s: ReindexSetting): Promise<void>;
  deleteReindexSetting(datasetId: string): Promise<void>;
  /** Every opted-in dataset, by DatasetId. */
  listReindexSettings(q: { maxResults: number; nextToken?: string }): Promise<Page<ReindexSetting>>;
  /** Stamps a scheduled run on an existing setting (none: nothing happens). */
  recordReindexRun(datasetId: string, time: string): Promise<void>;
  /** Takes one of `slots` leases of the job for `ttlMs`; false when all are held. */
  acquireLease(jobId: string, slots: number, holder: string, ttlMs: number, nowMs: number): Promise<boolean>;
  /** Extends a held lease; false when it was lost (expired and taken). */
  renewLease(jobId: string, holder: string, ttlMs: number, nowMs: number): Promise<boolean>;
  releaseLease(jobId: string, holder: string): Promise<void>;

  // connections (secrets arrive and leave sealed) and tag definitions
  /** Conflict when the name is taken. */
  createConnection(c: Connection, sealedSecrets: string): Promise<void>;
  getConnection(id: string): Promise<{ connection: Connection; sealedSecrets: string } | undefined>;
  listConnections(q: { type?: ConnectionType; maxResults: number; nextToken?: string }): Promise<Page<Connection>>;
  /** Conflict when renamed to a taken name. */
  updateConnection(c: Connection, sealedSecrets: string): Promise<void>;
  deleteConnection(id: string): Promise<void>;
  createTagDefinition(t: TagDefinition): Promise<void>;
  getTagDefinition(id: string): Promise<TagDefinition | undefined>;
  listTagDefinitions(q: { maxResults: number; nextToken?: string }): Promise<Page<TagDefinition>>;
  /** Replaces the definition if its stored version is still `expectedVersion`; false otherwise. */
  updateTagDefinition(t: TagDefinition, expectedVersion: number): Promise<boolean>;
  deleteTagDefinition(id: string): Promise<void>;

  close(): Promise<void>;
}
