// The SDK's wire types: inferred from the zod schemas that validate and describe the API (type-only
// imports, so the SDK loads nothing of the server). Requests use the schemas' input side (defaults
// optional), responses their output side.
import type { z } from 'zod';
import type { FileMetaExportSpec, FileMetaImportSpec } from '../domain/job.js';
import type { ConnectionDto, DatasetDto, DatasetJobConfigDto, DatasetJobDto, DatasetVersionDto, ErrorDto, FileMetaDto, LabelDto, PromptDto, ReferenceDto, TagDefinitionDto, TagsDto } from '../http/dto.js';
import type { CreateConnectionRequest, ListConnectionsQuery, UpdateConnectionRequest, ValidateConnectionRequest, ValidateConnectionResponse } from '../http/routes/connections.js';
import type { CreatePromptRequest, ListPromptsQuery, UpdatePromptRequest } from '../http/routes/prompts.js';
import type {
  CreateDatasetRequest,
  CreateDatasetVersionRequest,
  DiffVersionsQuery,
  ListDatasetsQuery,
  ListDatasetVersionsQuery,
  ListReferencesQuery,
  ReferencePageResponse,
  VersionDiffResponse,
  UpdateDatasetRequest,
  UpdateDatasetVersionRequest,
} from '../http/routes/datasets.js';
import type { FileMetasStatisticsQuery, GetDatasetFileMetaQuery } from '../http/routes/file-metas.js';
import type { CoverageQuery, CoverageResponse, IndexConfigDto, PutIndexConfigRequest } from '../http/routes/indexing.js';
import type { CreateDatasetFileMetasRequest, DeleteDatasetFileMetasQuery, UpdateDatasetFileMetasRequest } from '../http/routes/file-meta-writes.js';
import type { CreateDatasetJobRequest, GetDatasetJobQuery, ListDatasetJobsQuery, StopDatasetJobRequest, UpdateDatasetJobRequest } from '../http/routes/jobs.js';
import type { CreateDatasetJobConfigRequest, ListDatasetJobConfigsQuery, UpdateDatasetJobConfigRequest } from '../http/routes/job-configs.js';
import type { CreateEvaluationRequest, EvaluationResponse } from '../http/routes/evaluations.js';
import type { PutReindexConfigRequest, ReindexConfigResponse } from '../http/routes/reindex.js';
import type { CreateTagDefinitionRequest, Items as TagItems, ListTagDefinitionsQuery, UpdateTagDefinitionRequest } from '../http/routes/tag-definitions.js';
import type { SearchBody, SearchQueryParams, VectorSearchDto } from '../http/search-params.js';

type Out<T extends z.ZodType> = z.output<T>;
type In<T extends z.ZodType> = z.input<T>;

/** Every response carries the id of its request (also in the `x-request-id` header). */
export type WithRequestId<T = object> = T & { RequestId: string };
/** A page of a listing: the items under their PAI name, `TotalCount`, and `NextToken` while more follow. */
export type Page<K extends string, T> = { [P in K]: T[] } & { TotalCount: number; NextToken?: string; RequestId: string };

export type ApiErrorBody = Out<typeof ErrorDto>;

export type Dataset = Out<typeof DatasetDto>;
export type DatasetVersion = Out<typeof DatasetVersionDto>;
/** GetDataset: the dataset with its LatestVersion (ListDatasetVersions pages through all of them). */
export type DatasetDetail = WithRequestId<Dataset>;
export type Label = Out<typeof LabelDto>;
export type CreateDatasetRequest = In<typeof CreateDatasetRequest>;
export type ListDatasetsQuery = In<typeof ListDatasetsQuery>;
export type UpdateDatasetRequest = In<typeof UpdateDatasetRequest>;
export type CreateDatasetVersionRequest = In<typeof CreateDatasetVersionRequest>;
export type UpdateDatasetVersionRequest = In<typeof UpdateDatasetVersionRequest>;
export type ListDatasetVersionsQuery = In<typeof ListDatasetVersionsQuery>;
/** A page of ListDatasetVersions, by PageNumber/PageSize. */
export type DatasetVersionPage = WithRequestId<{ DatasetVersions: DatasetVersion[]; TotalCount: number; PageNumber: number; PageSize: number }>;
/** The `WorkspaceId` a Loupe request may name where PAI's has none: another workspace's dataset is then a 404. */
export type InWorkspace = { WorkspaceId?: string };

/** A file meta as the wire carries it: Tags and MetaAttributes are JSON-encoded strings, as PAI sends them. */
export type FileMetaWire = Out<typeof FileMetaDto>;
export type Tags = Out<typeof TagsDto>;
export type MetaAttributes = Record<string, string | number | boolean>;
/** A file meta as the SDK hands it out: Tags and MetaAttributes parsed into objects. */
export type FileMeta = Omit<FileMetaWire, 'Tags' | 'MetaAttributes'> & { Tags: Tags; MetaAttributes: MetaAttributes };
export type VectorSearch = Out<typeof VectorSearchDto>;
/** Where a listing or a file meta belongs (top level of ListDatasetFileMetas and GetDatasetFileMeta, as PAI has it). */
export type FileMetaScope = { DatasetId: string; DatasetVersion: string; WorkspaceId: string };
/** ListDatasetFileMetas as a GET query (lists comma-separated, or as arrays: the SDK encodes them). */
export type ListFileMetasQuery = In<typeof SearchQueryParams>;
/** ListDatasetFileMetas as a JSON body (POST …/action/search): lists as arrays, `QueryImageData` for an upload. */
export type SearchFileMetasRequest = In<typeof SearchBody>;
export type FileMetaPage = Page<'DatasetFileMetas', FileMeta> & FileMetaScope & { MaxResults: number; VectorSearch?: VectorSearch };
/** GetDatasetFileMeta's answer. */
export type FileMetaResult = WithRequestId<FileMetaScope & { DatasetFileMeta: FileMeta }>;
export type GetFileMetaQuery = In<typeof GetDatasetFileMetaQuery>;
export type FileMetasStatisticsQuery = In<typeof FileMetasStatisticsQuery>;
/**
 * GetDatasetFileMetasStatistics' answer. PAI spells its request id `requestId` here (only here); the
 * SDK copies it to `RequestId` too. TotalCount: the number of groups with AggregateBy, else of files;
 * FileCount (Loupe): the number of files either way.
 */
export type FileMetasStatistics = {
  DatasetFileMetasStats: Array<{ Key: string; Count: number }>;
  TotalCount: number;
  FileCount: number;
  requestId: string;
  RequestId: string;
};
/** A tag group's edit: tags added and taken out (PAI), or a list that becomes the group. */
export type TagGroupEdit = { add?: string[]; remove?: string[] } | string[];
/** UpdateDatasetFileMetas' Tags: edits of `user` and `user-delete-ai-tags`; `ai` replaces the AI tags (give TagJobId). */
export interface FileMetaTagsUpdate {
  ai?: string[];
  user?: TagGroupEdit;
  'user-delete-ai-tags'?: TagGroupEdit;
}
/** Tags and MetaAttributes typed; the SDK sends them as PAI's JSON strings (a string is sent as it is). */
type WithJsonFields<T, Tags, Attributes> = Omit<T, 'Tags' | 'MetaAttributes'> & { Tags?: Tags | string; MetaAttributes?: Attributes | string };
type CreateItem = In<typeof CreateDatasetFileMetasRequest>['DatasetFileMetas'][number];
type UpdateItem = In<typeof UpdateDatasetFileMetasRequest>['DatasetFileMetas'][number];
/** CreateDatasetFileMetas: files inside the version's Uri; Tags holds only the `user` group (`{ user: { add: [...] } }`). */
export type CreateFileMetasRequest = Omit<In<typeof CreateDatasetFileMetasRequest>, 'DatasetFileMetas'> & {
  DatasetFileMetas: Array<WithJsonFields<CreateItem, { user?: TagGroupEdit }, Record<string, unknown>>>;
};
/** UpdateDatasetFileMetas: Tags edits, Comment, MetaAttributes (a JSON merge patch: a null removes a key). */
export type UpdateFileMetasRequest = Omit<In<typeof UpdateDatasetFileMetasRequest>, 'DatasetFileMetas'> & {
  DatasetFileMetas: Array<WithJsonFields<UpdateItem, FileMetaTagsUpdate, Record<string, unknown>>>;
};
/** DeleteDatasetFileMetas: the ids as a list (the SDK joins them) or PAI's comma-separated string. */
export type DeleteFileMetasQuery = Omit<In<typeof DeleteDatasetFileMetasQuery>, 'DatasetFileMetaIds'> & { DatasetFileMetaIds: string[] | string };
/** One item's outcome (PAI's DatasetFileMetaResponse). */
export interface FileMetaWriteDetail {
  DatasetFileMetaId: string;
  Uri?: string;
  Result: string;
}
/** Update and Delete: `Status` is true when every item succeeded; the others are in FailedDetails. */
export type FileMetasWriteResult = WithRequestId<{ Status: boolean; FailedDetails: FileMetaWriteDetail[] }>;
export type CreateFileMetasResult = FileMetasWriteResult & { SucceedDetails: FileMetaWriteDetail[] };

/** A job's log line: the wire's `<time> <LEVEL> <message>` string, parsed by the client. */
export interface JobLogEntry {
  Time: string;
  Level: 'INFO' | 'WARN' | 'ERROR';
  Message: string;
}
/** A job as the API sends it (`Logs` strings, as PAI's). */
export type DatasetJobWire = Out<typeof DatasetJobDto>;
/** A job as the client hands it over: `Logs` parsed into entries. */
export type DatasetJob = Omit<DatasetJobWire, 'Logs'> & { Logs?: JobLogEntry[] };
export type CreateDatasetJobRequest = In<typeof CreateDatasetJobRequest>;
/** ListDatasetJobs' query; WithLogs as a boolean (sent as `true`/`false`). */
export type ListDatasetJobsQuery = Omit<In<typeof ListDatasetJobsQuery>, 'WithLogs'> & { WithLogs?: boolean };
export type GetDatasetJobQuery = In<typeof GetDatasetJobQuery>;
export type UpdateDatasetJobRequest = In<typeof UpdateDatasetJobRequest>;
export type StopDatasetJobRequest = In<typeof StopDatasetJobRequest>;

/** A dataset job config as the client hands it over: `Config` parsed (the wire carries a JSON string, as PAI's). */
export type DatasetJobConfig = Omit<Out<typeof DatasetJobConfigDto>, 'Config'> & { Config: Record<string, unknown> };
export type CreateDatasetJobConfigRequest = In<typeof CreateDatasetJobConfigRequest>;
export type UpdateDatasetJobConfigRequest = In<typeof UpdateDatasetJobConfigRequest>;
export type ListDatasetJobConfigsQuery = In<typeof ListDatasetJobConfigsQuery>;
/** The search of an export: ListDatasetFileMetas' wire names; `TopK` is the most rows exported. */
export type ExportSearch = Omit<SearchFileMetasRequest, 'QueryImageData' | 'MaxResults' | 'NextToken' | 'ThumbnailMode'>;
/**
 * JobSpec of a FileMetaExport job: PAI's `{query, exportDirUri, filteredAttributes}` (camelCase like
 * every JobSpec) with Loupe's keys; `search` and `uri` are older spellings of `query` and `exportDirUri`.
 */
export type ExportJobSpec = Omit<In<typeof FileMetaExportSpec>, 'search' | 'query'> & { query?: ExportSearch; search?: ExportSearch };
/**
 * JobSpec of a FileMetaImport job (PAI's keys): `{manifestUri}` (an export in PAI's layout: its folder,
 * its manifest or one .jsonl file) or `{srcDatasetId, srcDatasetVersion?, srcWorkspaceId?, query?}`,
 * with `filteredAttributes` and `importMode` (`append`, the default, or `replace`).
 */
export type ImportJobSpec = Omit<In<typeof FileMetaImportSpec>, 'query'> & { query?: ExportSearch };

export type Connection = Out<typeof ConnectionDto>;
export type CreateConnectionRequest = In<typeof CreateConnectionRequest>;
export type UpdateConnectionRequest = In<typeof UpdateConnectionRequest>;
export type ListConnectionsQuery = In<typeof ListConnectionsQuery>;

export type TagDefinition = Out<typeof TagDefinitionDto>;
export type CreateTagDefinitionRequest = In<typeof CreateTagDefinitionRequest>;
export type UpdateTagDefinitionRequest = In<typeof UpdateTagDefinitionRequest>;
export type ListTagDefinitionsQuery = In<typeof ListTagDefinitionsQuery>;

/** ValidateConnection: a saved connection (`ConnectionId`) or settings not saved (`ConnectionType`, `Configs`, `Secrets`). */
export type ValidateConnectionRequest = In<typeof ValidateConnectionRequest>;
export type ValidateConnectionResult = Out<typeof ValidateConnectionResponse>;

/** A prompt's FrameworkContent as an object: the guide prompt and the tags (a tag definition's). */
export interface PromptContent {
  GuidePrompt: string;
  Tags: TagDefinition['Tags'];
}
/** PromptContent as a request gives it (Description defaults to ''). */
export interface PromptContentInput {
  GuidePrompt?: string;
  Tags: In<typeof TagItems>;
}
/** PAI's Prompt (a tag definition: PromptId = TagDefinitionId), FrameworkContent parsed from its JSON string. */
export type Prompt = Omit<Out<typeof PromptDto>, 'FrameworkContent'> & { FrameworkContent: PromptContent };
type WithContent<T> = Omit<T, 'FrameworkContent'> & { FrameworkContent?: PromptContentInput | string };
/** FrameworkContent as an object (the SDK sends it as PAI's JSON string) or as the string itself. */
export type CreatePromptRequest = WithContent<In<typeof CreatePromptRequest>>;
export type UpdatePromptRequest = WithContent<In<typeof UpdatePromptRequest>>;
export type ListPromptsQuery = In<typeof ListPromptsQuery>;

export type IndexConfig = Out<typeof IndexConfigDto>;
export type PutIndexConfigRequest = In<typeof PutIndexConfigRequest>;
export type CoverageQuery = In<typeof CoverageQuery>;
export type Coverage = Out<typeof CoverageResponse>;

export type PutReindexConfigRequest = In<typeof PutReindexConfigRequest>;
export type ReindexConfig = Out<typeof ReindexConfigResponse>;

export type CreateEvaluationRequest = In<typeof CreateEvaluationRequest>;
export type Evaluation = Out<typeof EvaluationResponse>;
export type EvaluationIndexResult = Evaluation['Indexes'][number];

// ---- Logical versions.

/** A file a logical version refers to (GET …/versions/{VersionName}/references). */
export type Reference = Out<typeof ReferenceDto>;
export type ListReferencesQuery = In<typeof ListReferencesQuery>;
export type ReferencePage = Out<typeof ReferencePageResponse>;
export type DiffVersionsQuery = In<typeof DiffVersionsQuery>;
export type VersionDiff = Out<typeof VersionDiffResponse>;
export type VersionChange = VersionDiff['Change'];

/** `Output` of a finished export job: its folder and files, or the logical version it made. */
export type JobOutput = NonNullable<DatasetJob['Output']>;

/**
 * One line of an export's manifest.jsonl (a file format, not a DTO: written by manifestLine in
 * lib/services/export-formats.ts; sdk-loader.test.ts reads that function's output to keep them in step).
 */
export interface ManifestLine {
  Uri: string;
  DatasetFileMetaId: string;
  DatasetId: string;
  VersionName: string;
  FileName: string;
  FileDir: string;
  DataSize: number;
  FileFingerPrint: string;
  ContentType: string | null;
  MetaAttributes: FileMeta['MetaAttributes'];
  Tags: Tags;
  Score?: number;
}
