// Routes: PAI's file-meta writes — CreateDatasetFileMetas (POST), UpdateDatasetFileMetas (PUT) and
// DeleteDatasetFileMetas (DELETE) on /api/v1/datasets/{DatasetId}/datasetfilemetas. Item by item: an
// item that cannot be done is in FailedDetails with the reason, `Status` says whether all were done.
// Tags and MetaAttributes are JSON-encoded strings as PAI sends them; the object form is accepted too.
import { createRoute, z } from '@hono/zod-openapi';
import { invalid } from '../../domain/errors.js';
import { requestedWorkspace } from '../../domain/workspace.js';
import { FACT_FIELDS, type BatchOutcome, type UpdateFileMetaItem } from '../../services/file-meta-writes.js';
import { ContentType, IsoTime, MetaAttributesInput, TagList } from '../../services/file-meta-input.js';
import type { ApiDeps, App } from '../env.js';
import { DatasetIdParam, RequestIdField, errorResponses, freeText, jsonContent, lineText } from '../schemas.js';

const tags = ['DatasetFileMetas'];
const MAX_ITEMS = 1000;

/**
 * A field PAI sends as a JSON-encoded string, checked against `schema` once decoded (errors name the
 * path inside, e.g. `DatasetFileMetas.0.Tags.user.add.0`). An object is accepted as it is (Loupe's
 * earlier form); an empty string is as if absent.
 */
function jsonString<T extends z.ZodType>(schema: T, description: string) {
  return z
    .preprocess((value, ctx) => {
      if (typeof value !== 'string') return value;
      if (value.trim() === '') return undefined;
      try {
        return JSON.parse(value);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not valid JSON (a JSON-encoded object is expected)' });
        return z.NEVER;
      }
    }, schema.optional())
    .openapi({ type: 'string', description: `${description} A JSON-encoded string (PAI); a JSON object is accepted too.` });
}

/** A group's edit: `{add, remove}` (PAI), or a list that becomes the group (`ai` is always one). */
const TagGroupEdit = z.union([z.object({ add: TagList.optional(), remove: TagList.optional() }).strict(), TagList]);
const UpdateTags = z
  .object({ ai: TagList.optional(), user: TagGroupEdit.optional(), 'user-delete-ai-tags': TagGroupEdit.optional() })
  .strict();
const CreateTags = z.object({ user: TagGroupEdit.optional() }).strict();

const attributes = MetaAttributesInput;
const WorkspaceIdField = z.string().max(64).optional().openapi({ description: "The dataset's workspace; another workspace's dataset is not found" });
const Version = z.string().regex(/^v[1-9][0-9]{0,5}$/, 'a version name is v1, v2, …');

export const CreateDatasetFileMetasRequest = z.object({
  DatasetVersion: Version.default('v1').openapi({ description: 'Default v1' }),
  WorkspaceId: WorkspaceIdField,
  DatasetFileMetas: z
    .array(
      z.object({
        Uri: lineText(4096, 1).openapi({ description: "A file inside the version's Uri" }),
        FileName: lineText(1024).optional().openapi({ description: "The Uri's last segment (derived when absent)" }),
        ContentType,
        FileType: lineText(128, 1).openapi({ description: 'image, video, audio, text or application (a MIME type is taken by its top-level type)' }),
        DataSize: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
        FileFingerPrint: lineText(256, 1),
        FileCreateTime: IsoTime.optional(),
        FileUpdateTime: IsoTime,
        MetaAttributes: jsonString(attributes, 'The file\'s attributes, e.g. {"ImageWidth":1024}; replaced by what a probe measures (ImageWidth, ImageHeight, ImageFrames, ExifOrientation).'),
        Tags: jsonString(CreateTags, 'Tags added by hand: {"user":{"add":["a","b"]}}.'),
        Comment: freeText(1024).optional(),
      }),
    )
    .min(1)
    .max(MAX_ITEMS),
});

const factFields = {
  ContentType: z.string().max(256).optional(),
  DataSize: z.number().int().optional(),
  FileCreateTime: z.string().max(64).optional(),
  FileFingerPrint: z.string().max(256).optional(),
  FileName: z.string().max(1024).optional(),
  FileType: z.string().max(128).optional(),
  FileUpdateTime: z.string().max(64).optional(),
  SemanticIndexJobId: z.string().max(64).optional(),
  SemanticIndexUpdateTime: z.string().max(64).optional(),
} satisfies Record<(typeof FACT_FIELDS)[number], z.ZodType>;

export const UpdateDatasetFileMetasRequest = z.object({
  DatasetVersion: Version.optional().openapi({ description: 'When given, every meta must be of this version' }),
  WorkspaceId: WorkspaceIdField,
  TagJobId: z.string().min(1).max(64).optional().openapi({ description: 'The IntelligentTag job of this dataset a Tags.ai group comes from (required with one)' }),
  DatasetFileMetas: z
    .array(
      z.object({
        DatasetFileMetaId: z.string().min(1).max(64),
        Tags: jsonString(
          UpdateTags,
          'Tag edits: {"user":{"add":[…],"remove":[…]},"user-delete-ai-tags":{"add":[…],"remove":[…]}}; {"ai":[…]} replaces the AI tags (with TagJobId).',
        ),
        MetaAttributes: jsonString(
          attributes,
          'A JSON merge patch (RFC 7396): keys set, a null removes one, other keys stay. The keys a probe measures (ImageWidth, ImageHeight, ImageFrames, ExifOrientation) cannot change.',
        ),
        Comment: freeText(1024).optional(),
        ...factFields,
      }),
    )
    .min(1)
    .max(MAX_ITEMS)
    .openapi({ description: 'File facts (DataSize, FileFingerPrint, times, …) are established by Loupe: an item giving another value than the stored one fails' }),
});

export const DeleteDatasetFileMetasQuery = z.object({
  DatasetFileMetaIds: z.string().min(1).max(65_536).openapi({ description: 'Comma-separated (or a JSON array of strings), at most 1000; a URL (16 KiB with its headers) holds about 450' }),
  DatasetVersion: Version.optional(),
  WorkspaceId: WorkspaceIdField,
});

const DetailDto = z
  .object({ DatasetFileMetaId: z.string(), Uri: z.string().optional(), Result: z.string() })
  .openapi('DatasetFileMetaResponse');
const StatusField = { Status: z.boolean().openapi({ description: 'Whether every item succeeded; else see FailedDetails' }) };

const detail = (o: { datasetFileMetaId: string; uri?: string; result: string }) => ({
  DatasetFileMetaId: o.datasetFileMetaId,
  ...(o.uri !== undefined ? { Uri: o.uri } : {}),
  Result: o.result,
});

/** The ids of DeleteDatasetFileMetas: comma-separated, or a JSON array of strings. */
function idsOf(value: string): string[] {
  let ids: unknown;
  if (value.trimStart().startsWith('[')) {
    try {
      ids = JSON.parse(value);
    } catch {
      ids = undefined;
    }
    if (!Array.isArray(ids) || !ids.every((x) => typeof x === 'string')) throw invalid('DatasetFileMetaIds: not a JSON array of strings', 'DatasetFileMetaIds');
  } else ids = value.split(',');
  const list = (ids as string[]).map((s) => s.trim()).filter(Boolean);
  if (!list.length) throw invalid('DatasetFileMetaIds: no id given', 'DatasetFileMetaIds');
  if (list.length > MAX_ITEMS) throw invalid(`DatasetFileMetaIds: at most ${MAX_ITEMS} ids (got ${list.length})`, 'DatasetFileMetaIds');
  const long = list.find((s) => s.length > 64);
  if (long !== undefined) throw invalid('DatasetFileMetaIds: an id is at most 64 characters', 'DatasetFileMetaIds');
  return list;
}

const status = (o: BatchOutcome) => o.failed.length === 0;

export function fileMetaWriteRoutes(app: App, d: ApiDeps) {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/datasets/{DatasetId}/datasetfilemetas',
      tags,
      summary:
        "CreateDatasetFileMetas: registers files inside the version's Uri; each is PENDING until a FileMetaBuild finds and probes it (same DatasetFileMetaId), DELETED if it finds none",
      request: { params: DatasetIdParam, body: { required: true, content: { 'application/json': { schema: CreateDatasetFileMetasRequest } } } },
      responses: {
        200: jsonContent(
          z.object({ ...StatusField, SucceedDetails: z.array(DetailDto), FailedDetails: z.array(DetailDto), ...RequestIdField }),
          'What was created and what not',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { DatasetId } = c.req.valid('param');
      const b = c.req.valid('json');
      const out = await d.fileMetas.create(DatasetId, {
        versionName: b.DatasetVersion,
        workspaceId: requestedWorkspace(b.WorkspaceId),
        items: b.DatasetFileMetas.map((m) => ({
          uri: m.Uri,
          fileName: m.FileName,
          contentType: m.ContentType,
          fileType: m.FileType,
          dataSize: m.DataSize,
          fileFingerPrint: m.FileFingerPrint,
          fileCreateTime: m.FileCreateTime,
          fileUpdateTime: m.FileUpdateTime,
          metaAttributes: m.MetaAttributes,
          tags: m.Tags,
          comment: m.Comment,
        })),
      });
      return c.json(
        { Status: status(out), SucceedDetails: out.succeeded.map(detail), FailedDetails: out.failed.map(detail), RequestId: c.get('requestId') },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/v1/datasets/{DatasetId}/datasetfilemetas',
      tags,
      summary:
        'UpdateDatasetFileMetas: user tags and rejected AI tags (add/remove), the AI tags (with TagJobId), Comment, MetaAttributes; Tags.all = ai ∪ user − user-delete-ai-tags',
      request: { params: DatasetIdParam, body: { required: true, content: { 'application/json': { schema: UpdateDatasetFileMetasRequest } } } },
      responses: {
        200: jsonContent(z.object({ ...StatusField, FailedDetails: z.array(DetailDto), ...RequestIdField }), 'What could not be updated'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { DatasetId } = c.req.valid('param');
      const b = c.req.valid('json');
      const out = await d.fileMetas.update(DatasetId, {
        versionName: b.DatasetVersion,
        workspaceId: requestedWorkspace(b.WorkspaceId),
        tagJobId: b.TagJobId,
        items: b.DatasetFileMetas.map((m): UpdateFileMetaItem => {
          const facts: NonNullable<UpdateFileMetaItem['facts']> = {};
          for (const f of FACT_FIELDS) if (m[f] !== undefined) facts[f] = m[f];
          return {
            datasetFileMetaId: m.DatasetFileMetaId,
            comment: m.Comment,
            metaAttributes: m.MetaAttributes,
            tags: m.Tags && { ai: m.Tags.ai, user: m.Tags.user, userDeleteAiTags: m.Tags['user-delete-ai-tags'] },
            facts,
          };
        }),
      });
      return c.json({ Status: status(out), FailedDetails: out.failed.map(detail), RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/v1/datasets/{DatasetId}/datasetfilemetas',
      tags,
      summary:
        'DeleteDatasetFileMetas: Status DELETED (logical: the file stays in storage, and a later listing that finds it there registers it again); its vector leaves the index at the next SemanticIndex run',
      request: { params: DatasetIdParam, query: DeleteDatasetFileMetasQuery },
      responses: {
        200: jsonContent(z.object({ ...StatusField, FailedDetails: z.array(DetailDto), ...RequestIdField }), 'What could not be deleted'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { DatasetId } = c.req.valid('param');
      const q = c.req.valid('query');
      const out = await d.fileMetas.delete(DatasetId, {
        ids: idsOf(q.DatasetFileMetaIds),
        versionName: q.DatasetVersion,
        workspaceId: requestedWorkspace(q.WorkspaceId),
      });
      return c.json({ Status: status(out), FailedDetails: out.failed.map(detail), RequestId: c.get('requestId') }, 200);
    },
  );
}
