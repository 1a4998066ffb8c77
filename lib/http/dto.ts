// Wire DTOs (PascalCase, PAI's names) as zod schemas, and the mapping from domain objects.
import { z } from '@hono/zod-openapi';
import type { Connection, TagDefinition } from '../domain/connection.js';
import type { Dataset, DatasetVersion, Label } from '../domain/dataset.js';
import type { ShareRelationship } from '../domain/dataset-sharing.js';
import { allTags, FileStatus, type FileMeta, type FileTags } from '../domain/file-meta.js';
import { formatJobLogLine, type DatasetJob, type JobLog } from '../domain/job.js';
import { API_KEY_MASK, type DatasetJobConfig } from '../domain/job-config.js';
import type { LogicalRef } from '../domain/logical.js';

export const ErrorDto = z
  .object({
    Code: z.string().openapi({ example: 'InvalidParameter' }),
    Message: z.string(),
    RequestId: z.string(),
    Field: z.string().optional().openapi({ description: 'The request field the error is about' }),
    Position: z
      .object({ Offset: z.number().int(), Line: z.number().int(), Column: z.number().int() })
      .optional()
      .openapi({ description: 'A query-language error (Field QueryExpression): where, Offset 0-based in UTF-16 code units, Line and Column 1-based' }),
  })
  .openapi('Error');

export const LabelDto = z
  .object({
    Key: z.string().openapi({ description: 'At most 128 bytes; no = nor ,' }),
    Value: z.string().openapi({ description: 'At most 128 bytes; no = nor ,' }),
  })
  .openapi('Label');

export const UserMetricsEndpointDto = z.object({ Path: z.string(), Port: z.number().int() }).openapi('UserMetricsEndpoint');

export const DatasetVersionDto = z
  .object({
    DatasetId: z.string(),
    VersionName: z.string(),
    Description: z.string(),
    Uri: z.string().openapi({ description: "The version's folder; '' for a logical version (references, no storage)" }),
    DataSourceType: z.string().optional().openapi({ description: 'OSS or NAS (a mounted filesystem: file://, nas://); absent for a logical version' }),
    Property: z.string().openapi({ description: 'DIRECTORY' }),
    DataCount: z.number().int().openapi({ description: 'Computed: live files (PENDING, ACTIVE, FAILED), or a logical version’s references' }),
    DataSize: z.number().int().openapi({ description: 'Computed: the sum of those files’ sizes, in bytes' }),
    Labels: z.array(LabelDto),
    Options: z.string().optional().openapi({ description: 'A JSON object as a string' }),
    SourceType: z.string(),
    SourceId: z.string().optional(),
    ImportInfo: z.string().optional().openapi({ description: 'A JSON object as a string' }),
    DatasetTaskRamRole: z.string().optional(),
    UserMetricsEndpoints: z.array(UserMetricsEndpointDto),
    GmtCreateTime: z.string(),
    GmtModifiedTime: z.string(),
  })
  .openapi('DatasetVersion');

/** PAI's DatasetShareRelationship (lib/domain/dataset-sharing.ts). */
export const DatasetShareRelationshipDto = z
  .object({
    WorkspaceId: z.string().openapi({ description: 'The workspace the dataset is shared to' }),
    TenantId: z.string().optional().openapi({ description: 'As given: Loupe has one tenant' }),
    SourceWorkspaceId: z.string().openapi({ description: "The dataset's workspace" }),
    SourceTenantId: z.string().optional().openapi({ description: 'The TenantId: Loupe has one tenant, a dataset is shared within it' }),
    AllowedMountAccessLevels: z.array(z.enum(['RO', 'RW'])).openapi({ description: 'RO (default) or RW: stored (Loupe mounts nothing); through the API a shared workspace reads' }),
    ExpiresAt: z.string().optional().openapi({ description: 'ISO 8601 UTC; absent: never' }),
    SharedAt: z.string().openapi({ description: 'When it was shared (ISO 8601 UTC)' }),
    Status: z.enum(['ACTIVE', 'EXPIRED']).openapi({ description: 'ACTIVE until ExpiresAt, EXPIRED after (the dataset is then invisible from that workspace)' }),
    IsSecureMode: z.boolean(),
    Extra: z.string().optional().openapi({ description: 'A JSON object as a string, as given' }),
  })
  .openapi('DatasetShareRelationship');

export const DatasetDto = z
  .object({
    DatasetId: z.string(),
    WorkspaceId: z.string().openapi({ description: "The workspace it was created in; '' for none" }),
    Name: z.string(),
    Description: z.string(),
    Edition: z.enum(['BASIC', 'ADVANCED', 'LOGICAL']),
    DataType: z.enum(['COMMON', 'PIC']),
    DataSourceType: z.string().optional().openapi({ description: 'OSS or NAS (a mounted filesystem: file://, nas://); absent for a LOGICAL dataset given none' }),
    Property: z.string().openapi({ description: 'DIRECTORY' }),
    Uri: z.string(),
    Labels: z.array(LabelDto),
    Options: z.string().optional().openapi({ description: 'A JSON object as a string' }),
    Accessibility: z.enum(['PRIVATE', 'PUBLIC', 'ROLE_PUBLIC']),
    AccessibleRoleIdList: z.array(z.string()),
    MountAccessReadWriteRoleIdList: z.array(z.string()),
    Provider: z.string().optional(),
    ProviderType: z.string().optional(),
    SourceType: z.string(),
    SourceId: z.string().optional(),
    SourceDatasetId: z.string().optional(),
    SourceDatasetVersion: z.string().optional(),
    ImportInfo: z.string().optional().openapi({ description: 'A JSON object as a string' }),
    UserId: z.string().optional().openapi({ description: 'The member it belongs to: as CreateDataset gave it, else its creator (OwnerId)' }),
    OwnerId: z
      .string()
      .optional()
      .openapi({ description: 'Who created it: the AccessKey ID that signed the request, or apikey-<12 hex of sha256(key)>; absent when made before Loupe recorded it' }),
    IsShared: z.boolean().openapi({ description: 'True when the request sees the dataset through a share to its workspace (SharedFrom)' }),
    SharingConfig: z
      .object({ SharedTo: z.array(DatasetShareRelationshipDto) })
      .optional()
      .openapi({ description: "The dataset's shares, to its own workspace (or a request naming none); absent when it is not shared" }),
    SharedFrom: DatasetShareRelationshipDto.optional().openapi({ description: 'To a workspace the dataset is shared to: its share (IsShared true)' }),
    LatestVersion: DatasetVersionDto.optional().openapi({ description: 'The version with the highest number; absent while a LOGICAL dataset has none' }),
    GmtCreateTime: z.string(),
    GmtModifiedTime: z.string(),
  })
  .openapi('Dataset');

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
    FileType: z.string().nullable().openapi({ description: "PAI's FileType, the MIME top-level type: image, video, audio, text, application; null when unknown" }),
    FileFormat: z
      .string()
      .nullable()
      .openapi({ description: 'Loupe: the format found in the bytes once probed (jpeg, png, gif, bmp, tiff, webp), the extension before; null when unknown' }),
    ContentType: z.string().nullable(),
    MetaAttributes: z.string().openapi({ description: 'JSON object as a string, as PAI sends it, e.g. {"ImageWidth":640,"ImageHeight":480}' }),
    Tags: z.string().openapi({
      description: 'JSON object as a string, as PAI sends it: {"ai":[…],"user":[…],"user-delete-ai-tags":[…]}, plus Loupe\'s "all" (ai ∪ user − user-delete-ai-tags)',
    }),
    Comment: z.string().openapi({ description: "PAI's comment on the file ('' when none)" }),
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

export const DatasetJobDto = z
  .object({
    DatasetJobId: z.string(),
    DatasetId: z.string(),
    DatasetVersion: z.string(),
    JobAction: z.string(),
    JobMode: z.string(),
    JobSpec: z.string().openapi({ description: "JSON, as PAI returns it, under PAI's keys (defaults filled in)" }),
    Description: z.string(),
    Status: z.string(),
    WorkspaceId: z.string().openapi({ description: "The dataset's workspace ('' when it has none)" }),
    TotalFileCount: z.number().int(),
    CompletedFileCount: z.number().int(),
    FailedFileCount: z.number().int(),
    SkippedFileCount: z
      .number()
      .int()
      .openapi({ description: 'Neither completed nor failed: files that are not images (Status SKIPPED); for IntelligentTagRevert, files tagged again since (their tags kept)' }),
    ListedFileCount: z.number().int(),
    DeletedFileCount: z.number().int(),
    Message: z.string().nullable(),
    CreateTime: z.string(),
    StartTime: z.string().nullable().openapi({ description: 'When the job left Pending' }),
    FinishTime: z.string().nullable(),
    Logs: z.array(z.string()).optional().openapi({ description: "The last log lines, oldest first, each '<ISO time> <INFO|WARN|ERROR> <message>'" }),
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

/** `{ [key]: value }` when value is not '' (PAI's optional strings are absent, not empty). */
const ifSet = <K extends string>(key: K, value: string): { [P in K]?: string } => (value ? ({ [key]: value } as { [P in K]?: string }) : {});

export const labelsDto = (labels: readonly Label[]) => labels.map((l) => ({ Key: l.key, Value: l.value }));

export function shareRelationshipDto(s: ShareRelationship): z.infer<typeof DatasetShareRelationshipDto> {
  return {
    WorkspaceId: s.workspaceId,
    ...ifSet('TenantId', s.tenantId),
    SourceWorkspaceId: s.sourceWorkspaceId,
    ...ifSet('SourceTenantId', s.sourceTenantId),
    AllowedMountAccessLevels: s.allowedMountAccessLevels,
    ...ifSet('ExpiresAt', s.expiresAt),
    SharedAt: s.sharedAt,
    Status: s.status,
    IsSecureMode: s.isSecureMode,
    ...ifSet('Extra', s.extra),
  };
}

/** The dataset; with `sharing`, as the request's workspace sees its shares (DatasetService.seen). */
export function datasetDto(
  d: Dataset,
  latest?: DatasetVersion,
  sharing: { sharedTo: readonly ShareRelationship[]; sharedFrom?: ShareRelationship } = { sharedTo: [] },
): z.infer<typeof DatasetDto> {
  return {
    DatasetId: d.datasetId,
    WorkspaceId: d.workspaceId,
    Name: d.name,
    Description: d.description,
    Edition: d.edition,
    DataType: d.dataType,
    ...ifSet('DataSourceType', d.dataSourceType),
    Property: d.property,
    Uri: d.uri,
    Labels: labelsDto(d.labels),
    ...ifSet('Options', d.options),
    Accessibility: d.accessibility,
    AccessibleRoleIdList: d.accessibleRoleIdList,
    MountAccessReadWriteRoleIdList: d.mountAccessReadWriteRoleIdList,
    ...ifSet('Provider', d.provider),
    ...ifSet('ProviderType', d.providerType),
    SourceType: d.sourceType,
    ...ifSet('SourceId', d.sourceId),
    ...ifSet('SourceDatasetId', d.sourceDatasetId),
    ...ifSet('SourceDatasetVersion', d.sourceDatasetVersion),
    ...ifSet('ImportInfo', d.importInfo),
    ...ifSet('UserId', d.userId),
    ...ifSet('OwnerId', d.ownerId ?? ''),
    IsShared: sharing.sharedFrom !== undefined,
    ...(sharing.sharedTo.length ? { SharingConfig: { SharedTo: sharing.sharedTo.map(shareRelationshipDto) } } : {}),
    ...(sharing.sharedFrom ? { SharedFrom: shareRelationshipDto(sharing.sharedFrom) } : {}),
    ...(latest ? { LatestVersion: versionDto(latest) } : {}),
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
    ...ifSet('DataSourceType', v.dataSourceType),
    Property: v.property,
    DataCount: v.fileCount,
    DataSize: v.dataSize,
    Labels: labelsDto(v.labels),
    ...ifSet('Options', v.options),
    SourceType: v.sourceType,
    ...ifSet('SourceId', v.sourceId),
    ...ifSet('ImportInfo', v.importInfo),
    ...ifSet('DatasetTaskRamRole', v.datasetTaskRamRole),
    UserMetricsEndpoints: v.userMetricsEndpoints.map((e) => ({ Path: e.path, Port: e.port })),
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
    FileFormat: m.fileFormat || null,
    ContentType: m.contentType,
    MetaAttributes: JSON.stringify(m.metaAttributes),
    Tags: JSON.stringify(tagsDto(m.tags)),
    Comment: m.comment,
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
    WorkspaceId: j.workspaceId,
    TotalFileCount: j.totalFileCount,
    CompletedFileCount: j.completedFileCount,
    FailedFileCount: j.failedFileCount,
    SkippedFileCount: j.skippedFileCount,
    ListedFileCount: j.listedFileCount,
    DeletedFileCount: j.deletedFileCount,
    Message: j.message,
    CreateTime: j.createTime,
    StartTime: j.startTime,
    FinishTime: j.finishTime,
    ...(extra.logs ? { Logs: extra.logs.map(formatJobLogLine) } : {}),
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

export const DatasetJobConfigDto = z
  .object({
    DatasetJobConfigId: z.string(),
    DatasetId: z.string(),
    DatasetVersion: z.string().openapi({ description: "The version it is for; '' : every version" }),
    WorkspaceId: z.string(),
    ConfigType: z.string(),
    Config: z.string().openapi({ description: 'JSON, as PAI returns it' }),
    CreateTime: z.string(),
    ModifyTime: z.string(),
  })
  .openapi('DatasetJobConfig');

export function jobConfigDto(c: DatasetJobConfig): z.infer<typeof DatasetJobConfigDto> {
  return {
    DatasetJobConfigId: c.datasetJobConfigId,
    DatasetId: c.datasetId,
    DatasetVersion: c.versionName,
    WorkspaceId: c.workspaceId,
    ConfigType: c.configType,
    // A key is never shown: the connection that keeps it is.
    Config: JSON.stringify(c.config.apiKeyConnectionId ? { apiKey: API_KEY_MASK, ...c.config } : c.config),
    CreateTime: c.createTime,
    ModifyTime: c.modifyTime,
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

/** What GetConnection/ListConnections show in place of a secret's value (Loupe never returns one). */
export const SECRET_MASK = '******';

export const ConnectionModelDto = z.object({
  Model: z.string(),
  ModelType: z.string().optional().openapi({ description: 'LLM, Embedding or ReRank' }),
  DisplayName: z.string().optional(),
  ToolCall: z.boolean().optional(),
  MaxModelLength: z.number().int().optional(),
  SupportReasoning: z.boolean().optional(),
  SupportResponseSchema: z.boolean().optional(),
  SupportVision: z.boolean().optional(),
});

export const ConnectionDto = z
  .object({
    ConnectionId: z.string(),
    ConnectionName: z.string(),
    ConnectionType: z.string(),
    Configs: z.record(z.string(), z.string()),
    Secrets: z
      .record(z.string(), z.string())
      .openapi({ description: `Every secret held, its value masked as ${SECRET_MASK}: Loupe never returns a secret` }),
    Models: z.array(ConnectionModelDto),
    Description: z.string(),
    Accessibility: z.string(),
    WorkspaceId: z.string(),
    ResourceMeta: z.object({ InstanceId: z.string().optional(), InstanceName: z.string().optional(), Extra: z.string().optional() }).optional(),
    Creator: z
      .string()
      .optional()
      .openapi({ description: 'Who created it: the AccessKey ID that signed the request, or apikey-<12 hex of sha256(key)>; absent when made before Loupe recorded it' }),
    GmtCreateTime: z.string(),
    GmtModifiedTime: z.string(),
  })
  .openapi('Connection');

export function connectionDto(c: Connection): z.infer<typeof ConnectionDto> {
  const rm = c.resourceMeta;
  return {
    ConnectionId: c.connectionId,
    ConnectionName: c.connectionName,
    ConnectionType: c.connectionType,
    Configs: c.configs,
    Secrets: Object.fromEntries(c.secretNames.map((n) => [n, SECRET_MASK])),
    Models: c.models.map((m) => ({
      Model: m.model,
      ...(m.modelType ? { ModelType: m.modelType } : {}),
      ...(m.displayName !== undefined ? { DisplayName: m.displayName } : {}),
      ...(m.toolCall !== undefined ? { ToolCall: m.toolCall } : {}),
      ...(m.maxModelLength !== undefined ? { MaxModelLength: m.maxModelLength } : {}),
      ...(m.supportReasoning !== undefined ? { SupportReasoning: m.supportReasoning } : {}),
      ...(m.supportResponseSchema !== undefined ? { SupportResponseSchema: m.supportResponseSchema } : {}),
      ...(m.supportVision !== undefined ? { SupportVision: m.supportVision } : {}),
    })),
    Description: c.description,
    Accessibility: c.accessibility,
    WorkspaceId: c.workspaceId,
    ...(rm
      ? {
          ResourceMeta: {
            ...(rm.instanceId !== undefined ? { InstanceId: rm.instanceId } : {}),
            ...(rm.instanceName !== undefined ? { InstanceName: rm.instanceName } : {}),
            ...(rm.extra !== undefined ? { Extra: rm.extra } : {}),
          },
        }
      : {}),
    ...(c.creator ? { Creator: c.creator } : {}),
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
    Description: z.string(),
    Accessibility: z.string(),
    WorkspaceId: z.string(),
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
    Description: t.description,
    Accessibility: t.accessibility,
    WorkspaceId: t.workspaceId,
    GmtCreateTime: t.createTime,
    GmtModifiedTime: t.updateTime,
  };
}

/**
 * A tag definition as PAI's Prompt: PromptId is the TagDefinitionId and FrameworkContent the JSON
 * document `{"GuidePrompt": "…", "Tags": [{"Name", "Description", "Values"}]}` (lib/http/routes/prompts.ts).
 */
export const PromptDto = z
  .object({
    PromptId: z.string(),
    PromptName: z.string(),
    FrameworkType: z.string(),
    FrameworkContent: z.string().openapi({ description: 'JSON: {"GuidePrompt": "…", "Tags": [{"Name": "…", "Description": "…", "Values": ["…"]}]}' }),
    Description: z.string(),
    Accessibility: z.string(),
    CreateTime: z.string(),
    ModifyTime: z.string(),
  })
  .openapi('Prompt');

export function promptDto(t: TagDefinition): z.infer<typeof PromptDto> {
  return {
    PromptId: t.tagDefinitionId,
    PromptName: t.name,
    FrameworkType: t.frameworkType,
    FrameworkContent: JSON.stringify({ GuidePrompt: t.guidePrompt, Tags: tagDefinitionDto(t).Tags }),
    Description: t.description,
    Accessibility: t.accessibility,
    CreateTime: t.createTime,
    ModifyTime: t.updateTime,
  };
}
