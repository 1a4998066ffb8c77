// Port: the metadata store (Tablestore in the cloud, SQLite locally). Holds no product logic:
// services decide, the store persists; every write is idempotent or conditional.
import type { Expr } from '../dsl/ast.js';
import type { LogicalChange, LogicalRef } from '../domain/logical.js';
import type { Connection, ConnectionType, TagDefinition } from '../domain/connection.js';
import type { Dataset, DatasetVersion, IndexConfig, Label } from '../domain/dataset.js';
import type { DatasetShare } from '../domain/dataset-sharing.js';
import type { FileMeta, FileStatus, FileTags, MetaAttributes, ProbeDepth } from '../domain/file-meta.js';
import type { DatasetJob, FileOutcome, JobAction, JobCounts, JobLog, JobOutput, JobSortBy, JobStatus, JobStatusFilter } from '../domain/job.js';
import type { DatasetJobConfig, DatasetJobConfigType } from '../domain/job-config.js';
import type { ReindexSetting } from '../domain/reindex.js';

/** ListConnections' filters (every one honoured; absent: no filter). */
export interface ConnectionQuery {
  maxResults: number;
  nextToken?: string;
  /** By creation time (PAI's only SortBy, GmtCreateTime); default DESC. */
  order?: 'ASC' | 'DESC';
  workspaceId?: string;
  connectionIds?: string[];
  types?: ConnectionType[];
  /** Part of the name (case-insensitive). */
  nameContains?: string;
  accessibility?: string;
  /** Exactly this Creator (a connection made before creators were recorded has none and never matches). */
  creator?: string;
  /** Model conditions hold for one and the same entry of Models[]. */
  model?: string;
  modelTypes?: string[];
  toolCall?: boolean;
}

export interface TagDefinitionPageQuery {
  workspaceId?: string;
  frameworkType?: string;
  sortBy: 'createTime' | 'name';
  order: 'ASC' | 'DESC';
  offset: number;
  limit: number;
}

export interface Page<T> {
  items: T[];
  /** Opaque; pass back to get the next page. Absent on the last page. */
  nextToken?: string;
  totalCount: number;
}

export const DATASET_SORT_FIELDS = ['GmtCreateTime', 'GmtModifiedTime', 'DataSourceType', 'DataType'] as const;
export type DatasetSortField = (typeof DATASET_SORT_FIELDS)[number];

/** Every filter ANDed; a list matches any of its values. */
export interface DatasetQuery {
  /** Only this workspace's datasets (undefined: every workspace). */
  workspaceId?: string;
  /**
   * With workspaceId, which datasets it sees (lib/domain/dataset-sharing.ts): WITH_SHARED its own and
   * those shared to it (ACTIVE at `now`, an ISO 8601 UTC time); TO_ME only those shared to it; BY_ME only
   * its own that have a share (ACTIVE or EXPIRED). Absent: its own only.
   */
  share?: { scope: 'WITH_SHARED' | 'TO_ME' | 'BY_ME'; now: string };
  /** Case-insensitive substring of the name. */
  nameContains?: string;
  edition?: Dataset['edition'];
  datasetIds?: string[];
  dataTypes?: string[];
  dataSourceTypes?: string[];
  properties?: string[];
  /** Case-insensitive substring of some label's Key or Value. */
  labelContains?: string;
  provider?: string;
  sourceTypes?: string[];
  sourceId?: string;
  sourceDatasetId?: string;
  accessibility?: string;
  /** Default GmtCreateTime DESC (newest first). */
  sortBy?: DatasetSortField;
  order?: 'ASC' | 'DESC';
  maxResults: number;
  /** A store token (keyset position), or */
  nextToken?: string;
  /** rows to skip (page-number paging); not with nextToken. The page's nextToken continues after it. */
  offset?: number;
}

export const VERSION_SORT_FIELDS = ['GmtCreateTime', 'GmtModifiedTime', 'SourceType', 'DataSourceType', 'DataSize', 'DataCount', 'Property', 'DatasetId'] as const;
export type VersionSortField = (typeof VERSION_SORT_FIELDS)[number];

export interface VersionQuery {
  datasetId: string;
  properties?: string[];
  sourceId?: string;
  sourceTypes?: string[];
  /** Some label's Key contains one of these (case-insensitive); with labelValues, the same label's Value too. */
  labelKeys?: string[];
  labelValues?: string[];
  sortBy: VersionSortField;
  order: 'ASC' | 'DESC';
  limit: number;
  offset: number;
}

/** What UpdateDataset may change (undefined: unchanged). */
export type DatasetPatch = Partial<
  Pick<Dataset, 'name' | 'description' | 'edition' | 'options' | 'accessibility' | 'accessibleRoleIdList' | 'mountAccessReadWriteRoleIdList'>
> & { updateTime: string; /** The whole share list (SharingConfig.SharedTo), replaced in the same transaction. */ sharedTo?: DatasetShare[] };
export type VersionPatch = Partial<Pick<DatasetVersion, 'description' | 'options' | 'datasetTaskRamRole' | 'userMetricsEndpoints'>> & { updateTime: string };

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
  /** PAI's FileType, any of these (QueryFileTypeIncludeAny). */
  fileTypes?: string[];
  /** ContentType, any of these (QueryContentTypeIncludeAny). */
  contentTypes?: string[];
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
  /** Rows to skip (random access by result index: the console's PageNumber); not with nextToken. The page's nextToken continues after it. */
  offset?: number;
}

/** A bulk edit of user tags (the console's selection), as UpdateDatasetFileMetas edits one file's. */
export interface UserTagEdit {
  /** Join `user`, and leave `user-delete-ai-tags` (a removed AI tag added back shows again). */
  add: string[];
  /** Leave `user`; one among the file's AI tags joins `user-delete-ai-tags`. */
  remove: string[];
}

export const AGGREGATE_FIELDS = ['filedir', 'file_type', 'file_format', 'status', 'tags.all', 'tags.ai', 'tags.user', 'tags.user-delete-ai-tags'] as const;
export type AggregateField = (typeof AGGREGATE_FIELDS)[number];

/** A file's facts as a listing or a caller states them: what both kinds of row insert. */
export interface FileFacts {
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
  /** PAI's FileType and the FileFormat (the extension until probed). */
  fileType: string;
  fileFormat: string;
}

/** What a listing establishes about a file; the store inserts or updates these fields only. */
export interface ListedFileRow extends FileFacts {
  /**
   * The content changed (or is new): status goes back to PENDING and probe results are cleared. FileType
   * and FileFormat are written on insert, and on update only when this is set.
   */
  reset: boolean;
}

/**
 * What CreateDatasetFileMetas registers about a file: the facts as the caller states them, Status
 * PENDING until a listing and a probe establish them (a listing that finds the file under this Uri
 * updates this very meta: the id is the same hash; one that does not marks it DELETED).
 */
export interface CreatedFileRow extends FileFacts {
  contentType: string | null;
  metaAttributes: MetaAttributes;
  userTags: string[];
  /** The user-delete-ai-tags group (FileMetaImport brings it along); empty when absent. */
  userDeleteAiTags?: string[];
  comment: string;
}

/** UpdateDatasetFileMetas on one meta: what people may change (tags, MetaAttributes' own keys, Comment). */
export interface FileMetaContentUpdate {
  datasetFileMetaId: string;
  /** The tags the edit was computed from: the update applies only while these are still stored. */
  expectedTags: FileTags;
  /** All three groups as they are to be stored; TagUpdateTime moves to `now`. Absent: tags untouched. */
  tags?: FileTags;
  /** A JSON merge patch (RFC 7396) of MetaAttributes: each key is set, a null removes it; other keys stay. */
  metaAttributes?: MetaAttributes;
  comment?: string;
}

export interface ProbeUpdate {
  datasetFileMetaId: string;
  /** The fingerprint the probe read; the update applies only while the file still has it. */
  fileFingerPrint: string;
  status: Extract<FileStatus, 'ACTIVE' | 'FAILED' | 'SKIPPED'>;
  /** PAI's FileType (paiFileTypeOf) and the format found in the bytes ('' when none). */
  fileType: string;
  fileFormat: string;
  contentType: string | null;
  /** Replaces the keys a probe measures (PROBE_ATTRIBUTE_KEYS); keys people set stay. */
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
  /** The IntelligentTag job that wrote these tags (what IntelligentTagRevert removes). */
  jobId: string;
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
  /** Any PAI status; those no Loupe job has (Starting, Deleting, Deleted) match none. */
  status?: JobStatusFilter;
  /** Default CreateTime DESC (newest first); ties broken by DatasetJobId in the same direction. */
  sortBy?: JobSortBy;
  order?: 'ASC' | 'DESC';
  maxResults: number;
  /** A store token (keyset position), or */
  nextToken?: string;
  /** rows to skip (page-number paging); not with nextToken. */
  offset?: number;
}

/** One step of an IntelligentTagRevert (MetaStore.revertAiTags). */
export interface TagRevertStep {
  /** Files of the tag job looked at (completed job items), and the last one's id: where the next step starts. */
  scanned: number;
  lastMetaId: string | null;
  /** Files whose AI tags that job had written last: their AI tags are gone now. */
  reverted: number;
}

export interface JobConfigQuery {
  datasetId: string;
  configType?: DatasetJobConfigType;
  /** '' : the configs for every version. */
  versionName?: string;
  offset: number;
  limit: number;
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
  updateDataset(id: string, patch: DatasetPatch): Promise<void>;
  /** The dataset's shares (PAI's SharingConfig.SharedTo), in the order they were given. */
  getDatasetShares(datasetId: string): Promise<DatasetShare[]>;
  /** The shares of each of these datasets (none: absent from the map). */
  listDatasetShares(datasetIds: string[]): Promise<Map<string, DatasetShare[]>>;
  /** Upserts labels by Key (versionName undefined: the dataset's own), in one transaction; false when the dataset or version is gone. */
  putLabels(datasetId: string, versionName: string | undefined, labels: Label[], now: string): Promise<boolean>;
  /** Removes the labels of these keys (absent keys are no error). */
  deleteLabels(datasetId: string, versionName: string | undefined, keys: string[], now: string): Promise<boolean>;
  /** Deletes a dataset with its versions, file metas, jobs and logs, its index config, its reindex setting and its shares. */
  deleteDataset(id: string): Promise<void>;
  createVersion(v: DatasetVersion): Promise<void>;
  getVersion(datasetId: string, versionName: string): Promise<DatasetVersion | undefined>;
  /** Whether the version exists (cheap: no file count). */
  hasVersion(datasetId: string, versionName: string): Promise<boolean>;
  /** Every version of the dataset, by number (v1 first). */
  listVersions(datasetId: string): Promise<DatasetVersion[]>;
  /** A page of a dataset's versions (ListDatasetVersions), with the count of those matching. */
  queryVersions(q: VersionQuery): Promise<{ items: DatasetVersion[]; totalCount: number }>;
  /** The version with the highest number, if any. */
  latestVersion(datasetId: string): Promise<DatasetVersion | undefined>;
  /** Every version that holds files (of every ADVANCED dataset), with its folder: where exports never write. */
  listVersionFolders(): Promise<Array<{ datasetId: string; versionName: string; uri: string }>>;
  updateVersion(datasetId: string, versionName: string, patch: VersionPatch): Promise<void>;
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
  /** The ids of listFileMetas' page for `q` (same order, tokens, offset and totalCount), without reading the rows. */
  listFileMetaIdPage(q: FileMetaListQuery): Promise<Page<string>>;
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
  /** Sets a Running job's counters outright (an export counts what it wrote, not registered items); skipped stays unless given. */
  setJobCounts(id: string, c: { total: number; completed: number; failed: number; skipped?: number }, now: string): Promise<void>;
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
  /** The last `limit` log lines of each of these jobs (ListDatasetJobs WithLogs). */
  listJobsLogs(jobIds: string[], limit: number): Promise<Map<string, JobLog[]>>;
  updateJobDescription(id: string, description: string, now: string): Promise<void>;
  /** Deletes an ended job with its items, logs and leases; false when it is not ended (or gone). */
  deleteEndedJob(id: string): Promise<boolean>;
  /**
   * One step of reverting IntelligentTag job `tagJobId`: of the files it completed, in id order after
   * `afterMetaId` (at most `limit`), those whose AI tags it wrote last lose them (AI tags emptied, what
   * Increment compares cleared, TagUpdateTime `now`). Files tagged again since keep theirs.
   */
  revertAiTags(tagJobId: string, afterMetaId: string | null, limit: number, now: string): Promise<TagRevertStep>;

  // dataset job configs (PAI's DatasetJobConfig): at most one per dataset, ConfigType and DatasetVersion
  /** Conflict when the dataset has a config of this type for this version already. */
  createJobConfig(c: DatasetJobConfig): Promise<void>;
  getJobConfig(id: string): Promise<DatasetJobConfig | undefined>;
  listJobConfigs(q: JobConfigQuery): Promise<Page<DatasetJobConfig>>;
  /** Replaces type and config; Conflict when that makes two of one type for one version. */
  updateJobConfig(c: DatasetJobConfig): Promise<void>;
  deleteJobConfig(id: string): Promise<void>;

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
  /**
   * Registers metas (CreateDatasetFileMetas). A row whose id is taken by a meta that is not DELETED is
   * not written; a DELETED one is replaced (AI tags and probe results cleared; the vector bookkeeping
   * kept, so the next SemanticIndex still replaces or drops the vector). Per row: whether it was written.
   */
  createFileMetas(rows: CreatedFileRow[], now: string): Promise<boolean[]>;
  /**
   * Applies `edit` to the metas `ids` of the version (one of another version, or DELETED, is left alone),
   * each read and written in one transaction; TagUpdateTime becomes `now` where the tags changed.
   * Returns how many changed.
   */
  editUserTags(scope: { datasetId: string; versionName: string }, ids: string[], edit: UserTagEdit, now: string): Promise<number>;
  /** False when the meta is gone, DELETED, or its tags are no longer `expectedTags` (changed meanwhile). */
  updateFileMetaContent(u: FileMetaContentUpdate, now: string): Promise<boolean>;
  /** DeleteDatasetFileMetas: Status DELETED (logical; vectors leave the index at the next SemanticIndex run). */
  markFileMetasDeleted(ids: string[], now: string): Promise<void>;
  /**
   * FileMetaImport with importMode replace: the version's metas that are no item of job `jobId` (the
   * import named none of them) become DELETED, as markFileMetasDeleted; the job's DeletedFileCount grows
   * by how many changed, which is returned.
   */
  markMetasNotInJobDeleted(jobId: string, datasetId: string, versionName: string, now: string): Promise<number>;
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
  listConnections(q: ConnectionQuery): Promise<Page<Connection>>;
  /** Conflict when renamed to a taken name. */
  updateConnection(c: Connection, sealedSecrets: string): Promise<void>;
  deleteConnection(id: string): Promise<void>;
  createTagDefinition(t: TagDefinition): Promise<void>;
  getTagDefinition(id: string): Promise<TagDefinition | undefined>;
  /** Newest first, by NextToken. */
  listTagDefinitions(q: { maxResults: number; nextToken?: string; workspaceId?: string }): Promise<Page<TagDefinition>>;
  /** One page by position (PAI's ListPrompts: PageNumber/PageSize, SortBy, Order). */
  listTagDefinitionsByPage(q: TagDefinitionPageQuery): Promise<Page<TagDefinition>>;
  /** Replaces the definition if its stored version is still `expectedVersion`; false otherwise. */
  updateTagDefinition(t: TagDefinition, expectedVersion: number): Promise<boolean>;
  deleteTagDefinition(id: string): Promise<void>;

  close(): Promise<void>;
}
