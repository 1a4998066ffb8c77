// The SDK's wire types: inferred from the zod schemas that validate and describe the API (type-only
// imports, so the SDK loads nothing of the server). Requests use the schemas' input side (defaults
// optional), responses their output side.
import type { z } from 'zod';
import type { FileMetaExportSpec } from '../domain/job.js';
import type { ConnectionDto, DatasetDto, DatasetJobDto, DatasetVersionDto, ErrorDto, FileMetaDto, ReferenceDto, TagDefinitionDto, TagsDto } from '../http/dto.js';
import type { CreateConnectionRequest, ListConnectionsQuery, UpdateConnectionRequest } from '../http/routes/connections.js';
import type {
  CreateDatasetRequest,
  CreateDatasetVersionRequest,
  DiffVersionsQuery,
  ListDatasetsQuery,
  ListReferencesQuery,
  ReferencePageResponse,
  VersionDiffResponse,
  UpdateDatasetRequest,
  UpdateDatasetVersionRequest,
} from '../http/routes/datasets.js';
import type { FileMetasStatisticsQuery, GetDatasetFileMetaQuery } from '../http/routes/file-metas.js';
import type { CoverageQuery, CoverageResponse, IndexConfigDto, PutIndexConfigRequest, UpdateDatasetFileMetasRequest } from '../http/routes/indexing.js';
import type { CreateDatasetJobRequest, GetDatasetJobQuery, ListDatasetJobsQuery } from '../http/routes/jobs.js';
import type { CreateEvaluationRequest, EvaluationResponse } from '../http/routes/evaluations.js';
import type { PutReindexConfigRequest, ReindexConfigResponse } from '../http/routes/reindex.js';
import type { CreateTagDefinitionRequest, ListTagDefinitionsQuery, UpdateTagDefinitionRequest } from '../http/routes/tag-definitions.js';
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
export type DatasetWithVersions = WithRequestId<Dataset & { Versions: DatasetVersion[] }>;
export type CreateDatasetRequest = In<typeof CreateDatasetRequest>;
export type ListDatasetsQuery = In<typeof ListDatasetsQuery>;
export type UpdateDatasetRequest = In<typeof UpdateDatasetRequest>;
export type CreateDatasetVersionRequest = In<typeof CreateDatasetVersionRequest>;
export type UpdateDatasetVersionRequest = In<typeof UpdateDatasetVersionRequest>;

export type FileMeta = Out<typeof FileMetaDto>;
export type Tags = Out<typeof TagsDto>;
export type VectorSearch = Out<typeof VectorSearchDto>;
/** ListDatasetFileMetas as a GET query (lists comma-separated, or as arrays: the SDK encodes them). */
export type ListFileMetasQuery = In<typeof SearchQueryParams>;
/** ListDatasetFileMetas as a JSON body (POST …/action/search): lists as arrays, `QueryImageData` for an upload. */
export type SearchFileMetasRequest = In<typeof SearchBody>;
export type FileMetaPage = Page<'DatasetFileMetas', FileMeta> & { MaxResults: number; VectorSearch?: VectorSearch };
export type GetFileMetaQuery = In<typeof GetDatasetFileMetaQuery>;
export type FileMetasStatisticsQuery = In<typeof FileMetasStatisticsQuery>;
export type FileMetasStatistics = WithRequestId<{ DatasetFileMetasStats: Array<{ Key: string; Count: number }>; TotalCount: number }>;
export type UpdateFileMetasRequest = In<typeof UpdateDatasetFileMetasRequest>;

export type DatasetJob = Out<typeof DatasetJobDto>;
export type CreateDatasetJobRequest = In<typeof CreateDatasetJobRequest>;
export type ListDatasetJobsQuery = In<typeof ListDatasetJobsQuery>;
export type GetDatasetJobQuery = In<typeof GetDatasetJobQuery>;
/** JobSpec of a FileMetaExport job (camelCase like every JobSpec; `search` keeps ListDatasetFileMetas' wire names). */
export type ExportJobSpec = Omit<In<typeof FileMetaExportSpec>, 'search'> & { search?: Omit<SearchFileMetasRequest, 'QueryImageData' | 'MaxResults' | 'NextToken' | 'ThumbnailMode'> };

export type Connection = Out<typeof ConnectionDto>;
export type CreateConnectionRequest = In<typeof CreateConnectionRequest>;
export type UpdateConnectionRequest = In<typeof UpdateConnectionRequest>;
export type ListConnectionsQuery = In<typeof ListConnectionsQuery>;

export type TagDefinition = Out<typeof TagDefinitionDto>;
export type CreateTagDefinitionRequest = In<typeof CreateTagDefinitionRequest>;
export type UpdateTagDefinitionRequest = In<typeof UpdateTagDefinitionRequest>;
export type ListTagDefinitionsQuery = In<typeof ListTagDefinitionsQuery>;

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
