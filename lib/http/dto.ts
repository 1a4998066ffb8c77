// Wire DTOs (PascalCase, PAI's names) as zod schemas, and the mapping from domain objects.
import { z } from '@hono/zod-openapi';
import type { Connection, TagDefinition } from '../domain/connection.js';
import type { Dataset, DatasetVersion } from '../domain/dataset.js';
import { allTags, FileStatus, type FileMeta, type FileTags } from '../domain/file-meta.js';
import type { DatasetJob, JobLog } from '../domain/job.js';
import type { LogicalRef } from '../domain/logical.js';

export const ErrorDto = z
  .object({
    Code: z.string().openapi({ example: 'InvalidParameter' }),
    Message: z.string(),
    RequestId: z.string(),
    Field: z.string().optional().openapi({ description: 'The request field the error is about' }),
  })
  .openapi('Error');

export const DatasetDto = z
  .object({
    DatasetId: z.string(),
    Name: z.string(),
    Description: z.string(),
    Edition: z.enum(['ADVANCED', 'LOGICAL']),
    DataType: z.literal('PIC'),
    Uri: z.string(),
    GmtCreateTime: z.string(),
    GmtModifiedTime: z.string(),
  })
  .openapi('Dataset');

export const DatasetVersionDto = z
  .object({
    DatasetId: z.string(),
    VersionName: z.string(),
    Description: z.string(),
    Uri: z.string(),
    DataCount: z.number().int().openapi({ description: 'Files known and not deleted' }),
    GmtCreateTime: z.string(),
    GmtModifiedTime: z.string(),
  })
  .openapi('DatasetVersion');

export const TagsDto = z
  .object({ ai: z.array(z.string()), user: z.array(z.string()), 'user-delete-ai-tags': z.array(z.string()), all: z.array(z.string()) })
  .openapi('Tags');

export const tagsDto = (t: FileTags): z.infer<typeof TagsDto> => ({ ai: t.ai, user: t.user, 'user-delete-ai-tags': t.userDeleteAiTags, all: allTags(t) });

export const FileMetaDto = z
  .object({
    DatasetFileMetaId: z.string(),
    DatasetId: z.string(),
    DatasetVersion: z.string(),
    Uri: z.string(),
    FileName: z.string(),
    FileDir: z.string(),
    DataSize: z.number().int(),
    FileFingerPrint: z.string(),
    FileCreateTime: z.string().nullable(),
    FileUpdateTime: z.string(),
    FileType: z.string().nullable().openapi({ description: 'Format found in the bytes once probed (jpeg, png, ...), the extension before; null when unknown' }),
    ContentType: z.string().nullable(),
    MetaAttributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
    Tags: TagsDto,
    TagUpdateTime: z.string().nullable(),
    SemanticIndexJobId: z.string().nullable(),
    SemanticIndexUpdateTime: z.string().nullable(),
    // Built anew from the domain's values: a schema made before @hono/zod-openapi loaded has no .openapi().
    Status: z.enum(FileStatus.options).openapi({ description: 'SKIPPED: not an image by name nor by content' }),
    FailReason: z.string().nullable().openapi({ description: 'Why the file is FAILED or SKIPPED' }),
    ThumbnailUrl: z.string().nullable().openapi({ description: 'Signed, expiring; null for a SKIPPED file: only images are served' }),
    DownloadUrl: z.string().nullable().openapi({ description: 'Signed, expiring; null for a SKIPPED file: only images are served' }),
    Score: z.number().optional().openapi({ description: 'Cosine similarity to the text or image query, in search results' }),
  })
  .openapi('DatasetFileMeta');

export const JobLogDto = z.object({ Time: z.string(), Level: z.string(), Message: z.string() }).openapi('DatasetJobLog');

export const DatasetJobDto = z
  .object({
    DatasetJobId: z.string(),
    DatasetId: z.string(),
    DatasetVersion: z.string(),
    JobAction: z.string(),
    JobMode: z.string(),
    JobSpec: z.string().openapi({ description: 'JSON, as PAI returns it' }),
    Description: z.string(),
    Status: z.string(),
    TotalFileCount: z.number().int(),
    CompletedFileCount: z.number().int(),
    FailedFileCount: z.number().int(),
    SkippedFileCount: z.number().int().openapi({ description: 'Files that are not images (Status SKIPPED): neither completed nor failed' }),
    ListedFileCount: z.number().int(),
    DeletedFileCount: z.number().int(),
    Message: z.string().nullable(),
    GmtCreateTime: z.string(),
    GmtStartTime: z.string().nullable(),
    GmtFinishTime: z.string().nullable(),
    Logs: z.array(JobLogDto).optional(),
    FailedFiles: z.array(z.object({ DatasetFileMetaId: z.string(), Uri: z.string(), Reason: z.string() })).optional(),
    Output: z
      .object({
        Uri: z.string().optional(),
        Files: z.array(z.string()).optional(),
        DatasetId: z.string().optional(),
        VersionName: z.string().optional(),
        FileCount: z.number().int(),
      })
      .optional()
      .openapi({ description: 'What a finished export made: its folder and files, or the logical dataset version' }),
  })
  .openapi('DatasetJob');

export function datasetDto(d: Dataset): z.infer<typeof DatasetDto> {
  return {
    DatasetId: d.datasetId,
    Name: d.name,
    Description: d.description,
    Edition: d.edition,
    DataType: d.dataType,
    Uri: d.uri,
    GmtCreateTime: d.createTime,
    GmtModifiedTime: d.updateTime,
  };
}

export function versionDto(v: DatasetVersion): z.infer<typeof DatasetVersionDto> {
  return {
    DatasetId: v.datasetId,
    VersionName: v.versionName,
    Description: v.description,
    Uri: v.uri,
    DataCount: v.fileCount,
    GmtCreateTime: v.createTime,
    GmtModifiedTime: v.updateTime,
  };
}

export interface FileUrls {
  thumbnailUrl(m: FileMeta): string;
  downloadUrl(m: FileMeta): string;
}

export function fileMetaDto(m: FileMeta, urls: FileUrls): z.infer<typeof FileMetaDto> {
  return {
    DatasetFileMetaId: m.datasetFileMetaId,
    DatasetId: m.datasetId,
    DatasetVersion: m.versionName,
    Uri: m.uri,
    FileName: m.fileName,
    FileDir: m.fileDir,
    DataSize: m.dataSize,
    FileFingerPrint: m.fileFingerPrint,
    FileCreateTime: m.fileCreateTime,
    FileUpdateTime: m.fileUpdateTime,
    FileType: m.fileType || null,
    ContentType: m.contentType,
    MetaAttributes: m.metaAttributes,
    Tags: tagsDto(m.tags),
    TagUpdateTime: m.tagUpdateTime,
    SemanticIndexJobId: m.semanticIndexJobId,
    SemanticIndexUpdateTime: m.semanticIndexUpdateTime,
    Status: m.status,
    FailReason: m.failReason,
    // No link to a file that is no image: the routes would refuse it anyway (FileMetaService).
    ThumbnailUrl: m.status === 'SKIPPED' ? null : urls.thumbnailUrl(m),
    DownloadUrl: m.status === 'SKIPPED' ? null : urls.downloadUrl(m),
  };
}

export function jobDto(
  j: DatasetJob,
  extra: { logs?: JobLog[]; failedFiles?: Array<{ metaId: string; uri: string; reason: string }> } = {},
): z.infer<typeof DatasetJobDto> {
  return {
    DatasetJobId: j.datasetJobId,
    DatasetId: j.datasetId,
    DatasetVersion: j.versionName,
    JobAction: j.jobAction,
    JobMode: j.jobMode,
    JobSpec: JSON.stringify(j.jobSpec),
    Description: j.description,
    Status: j.status,
    TotalFileCount: j.totalFileCount,
    CompletedFileCount: j.completedFileCount,
    FailedFileCount: j.failedFileCount,
    SkippedFileCount: j.skippedFileCount,
    ListedFileCount: j.listedFileCount,
    DeletedFileCount: j.deletedFileCount,
    Message: j.message,
    GmtCreateTime: j.createTime,
    GmtStartTime: j.startTime,
    GmtFinishTime: j.finishTime,
    ...(extra.logs ? { Logs: extra.logs.map((l) => ({ Time: l.time, Level: l.level, Message: l.message })) } : {}),
    ...(extra.failedFiles
      ? { FailedFiles: extra.failedFiles.map((f) => ({ DatasetFileMetaId: f.metaId, Uri: f.uri, Reason: f.reason })) }
      : {}),
    ...(j.output
      ? {
          Output: {
            ...(j.output.uri !== undefined ? { Uri: j.output.uri, Files: j.output.files ?? [] } : {}),
            ...(j.output.datasetId !== undefined ? { DatasetId: j.output.datasetId, VersionName: j.output.versionName } : {}),
            FileCount: j.output.fileCount,
          },
        }
      : {}),
  };
}

/** A logical dataset version's reference to a file of another dataset. */
export const ReferenceDto = z
  .object({
    DatasetFileMetaId: z.string(),
    SourceDatasetId: z.string(),
    SourceVersionName: z.string(),
    Uri: z.string(),
    FileName: z.string(),
    FileFingerPrint: z.string(),
    DataSize: z.number().int(),
    MetaAttributes: z.record(z.string(), z.unknown()),
    Tags: TagsDto,
    Score: z.number().optional(),
  })
  .openapi('Reference');

export function referenceDto(r: LogicalRef): z.infer<typeof ReferenceDto> {
  return {
    DatasetFileMetaId: r.datasetFileMetaId,
    SourceDatasetId: r.sourceDatasetId,
    SourceVersionName: r.sourceVersionName,
    Uri: r.uri,
    FileName: r.fileName,
    FileFingerPrint: r.fileFingerPrint,
    DataSize: r.dataSize,
    MetaAttributes: r.metaAttributes,
    Tags: tagsDto(r.tags),
    ...(r.score !== undefined ? { Score: r.score } : {}),
  };
}

export const ConnectionDto = z
  .object({
    ConnectionId: z.string(),
    ConnectionName: z.string(),
    ConnectionType: z.string(),
    Configs: z.record(z.string(), z.string()),
    SecretNames: z.array(z.string()).openapi({ description: 'Which secrets are set; their values are never returned' }),
    Models: z.array(z.object({ Model: z.string(), ModelType: z.string().optional() })),
    GmtCreateTime: z.string(),
    GmtModifiedTime: z.string(),
  })
  .openapi('Connection');

export function connectionDto(c: Connection): z.infer<typeof ConnectionDto> {
  return {
    ConnectionId: c.connectionId,
    ConnectionName: c.connectionName,
    ConnectionType: c.connectionType,
    Configs: c.configs,
    SecretNames: c.secretNames,
    Models: c.models.map((m) => ({ Model: m.model, ...(m.modelType ? { ModelType: m.modelType } : {}) })),
    GmtCreateTime: c.createTime,
    GmtModifiedTime: c.updateTime,
  };
}

export const TagDefinitionItemDto = z
  .object({
    Name: z.string().min(1).max(128),
    Description: z.string().max(2048).default(''),
    Values: z.array(z.string().min(1).max(128)).min(1).max(200).optional().openapi({ description: 'A closed list of values; absent: a free tag' }),
  })
  .openapi('TagDefinitionItem');

export const TagDefinitionDto = z
  .object({
    TagDefinitionId: z.string(),
    Name: z.string(),
    GuidePrompt: z.string(),
    Tags: z.array(TagDefinitionItemDto),
    Version: z.number().int(),
    GmtCreateTime: z.string(),
    GmtModifiedTime: z.string(),
  })
  .openapi('TagDefinition');

export function tagDefinitionDto(t: TagDefinition): z.infer<typeof TagDefinitionDto> {
  return {
    TagDefinitionId: t.tagDefinitionId,
    Name: t.name,
    GuidePrompt: t.guidePrompt,
    Tags: t.tags.map((x) => ({ Name: x.name, Description: x.description, ...(x.values ? { Values: x.values } : {}) })),
    Version: t.version,
    GmtCreateTime: t.createTime,
    GmtModifiedTime: t.updateTime,
  };
}
