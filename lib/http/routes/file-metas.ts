// Routes: file metas of a version — list with metadata filters, get, statistics, thumbnail, download.
import { createRoute, z } from '@hono/zod-openapi';
import { Readable } from 'node:stream';
import { invalid } from '../../domain/errors.js';
import { FileStatus } from '../../domain/file-meta.js';
import { parseThumbnailMode } from '../../media/thumbnail.js';
import { FILE_SORT_FIELDS } from '../../ports/meta-store.js';
import { FileMetaDto, fileMetaDto } from '../dto.js';
import { DEFAULT_THUMBNAIL_MODE, signedFileUrls } from '../file-urls.js';
import type { ApiDeps, App } from '../env.js';
import { DatasetIdParam, MaxResults, NextToken, RequestIdField, errorResponses, jsonContent } from '../schemas.js';

const tags = ['DatasetFileMetas'];
const Version = z.string().regex(/^v[1-9][0-9]*$/, 'a version name is v1, v2, …').default('v1').openapi({ description: 'Default v1' });
const Time = z
  .string()
  .max(64)
  .optional()
  .openapi({ description: 'ISO 8601 instant, e.g. 2025-02-28T00:00:00Z' });
const MetaParams = DatasetIdParam.extend({ DatasetFileMetaId: z.string().min(1).max(64).openapi({ param: { name: 'DatasetFileMetaId', in: 'path' } }) });

function instant(value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(t)) throw invalid(`${field}: not an ISO 8601 time: '${value}'`, field);
  return new Date(t).toISOString();
}

/** `Status=ACTIVE,FAILED` → the statuses; an unknown one is a 400 naming `Status`. */
function statusesOf(value: string | undefined): FileStatus[] | undefined {
  return value?.split(',').map((s) => {
    const r = FileStatus.safeParse(s.trim().toUpperCase());
    if (!r.success) throw invalid(`Status: unknown status '${s}' (PENDING, ACTIVE, FAILED, DELETED)`, 'Status');
    return r.data;
  });
}

function thumbnailModeOf(value: string | undefined): string {
  const mode = value ?? DEFAULT_THUMBNAIL_MODE;
  try {
    parseThumbnailMode(mode);
  } catch (e) {
    throw invalid(`ThumbnailMode: ${e instanceof Error ? e.message : String(e)}`, 'ThumbnailMode');
  }
  return mode;
}

export function fileMetaRoutes(app: App, d: ApiDeps) {
  const urls = (thumbnailMode: string) => signedFileUrls(d.signer, thumbnailMode);

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/datasets/{DatasetId}/datasetfilemetas',
      tags,
      summary: 'ListDatasetFileMetas: metadata filters (all ANDed), sorting and paging',
      request: {
        params: DatasetIdParam,
        query: z.object({
          DatasetVersion: Version,
          MaxResults,
          NextToken,
          SortBy: z.enum(FILE_SORT_FIELDS).default('FileUpdateTime'),
          Order: z.enum(['ASC', 'DESC']).default('DESC'),
          QueryFileName: z.string().max(512).optional().openapi({ description: 'Substring of FileName (case-insensitive)' }),
          QueryFileDir: z.string().max(1024).optional().openapi({ description: 'Substring of FileDir (case-insensitive)' }),
          StartFileUpdateTime: Time,
          EndFileUpdateTime: Time,
          Status: z
            .string()
            .optional()
            .openapi({ description: 'Comma-separated: PENDING, ACTIVE, FAILED, DELETED (default: all but DELETED)' }),
          ThumbnailMode: z.string().max(128).optional().openapi({ description: `OSS style, default ${DEFAULT_THUMBNAIL_MODE}` }),
        }),
      },
      responses: {
        200: jsonContent(
          z.object({
            DatasetFileMetas: z.array(FileMetaDto),
            TotalCount: z.number().int(),
            MaxResults: z.number().int(),
            NextToken: z.string().optional(),
            ...RequestIdField,
          }),
          'A page of file metas',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { DatasetId } = c.req.valid('param');
      const q = c.req.valid('query');
      const statuses = statusesOf(q.Status);
      const page = await d.fileMetas.list({
        datasetId: DatasetId,
        versionName: q.DatasetVersion,
        statuses,
        fileNameContains: q.QueryFileName,
        fileDirContains: q.QueryFileDir,
        startFileUpdateTime: instant(q.StartFileUpdateTime, 'StartFileUpdateTime'),
        endFileUpdateTime: instant(q.EndFileUpdateTime, 'EndFileUpdateTime'),
        sortBy: q.SortBy,
        order: q.Order,
        maxResults: q.MaxResults,
        nextToken: q.NextToken,
      });
      const u = urls(thumbnailModeOf(q.ThumbnailMode));
      return c.json(
        {
          DatasetFileMetas: page.items.map((m) => fileMetaDto(m, u)),
          TotalCount: page.totalCount,
          MaxResults: q.MaxResults,
          NextToken: page.nextToken,
          RequestId: c.get('requestId'),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/datasets/{DatasetId}/datasetfilemetas/{DatasetFileMetaId}',
      tags,
      summary: 'GetDatasetFileMeta',
      request: { params: MetaParams, query: z.object({ ThumbnailMode: z.string().max(128).optional() }) },
      responses: { 200: jsonContent(z.object({ DatasetFileMeta: FileMetaDto, ...RequestIdField }), 'The file meta'), ...errorResponses },
    }),
    async (c) => {
      const p = c.req.valid('param');
      const m = await d.fileMetas.get(p.DatasetId, p.DatasetFileMetaId);
      return c.json({ DatasetFileMeta: fileMetaDto(m, urls(thumbnailModeOf(c.req.valid('query').ThumbnailMode))), RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/statistics/datasets/{DatasetId}/datasetfilemetas',
      tags,
      summary: 'GetDatasetFileMetasStatistics: counts per group, descending',
      request: {
        params: DatasetIdParam,
        query: z.object({
          DatasetVersion: Version,
          AggregateBy: z.enum(['filedir', 'file_type', 'status']),
          MaxResults,
          Status: z.string().optional().openapi({ description: 'Comma-separated statuses to count (default: all but DELETED)' }),
        }),
      },
      responses: {
        200: jsonContent(
          z.object({
            DatasetFileMetasStats: z.array(z.object({ Key: z.string(), Count: z.number().int() })),
            TotalCount: z.number().int(),
            ...RequestIdField,
          }),
          'Groups with their counts',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { DatasetId } = c.req.valid('param');
      const q = c.req.valid('query');
      const statuses = statusesOf(q.Status);
      const stats = await d.fileMetas.statistics({ datasetId: DatasetId, versionName: q.DatasetVersion, statuses }, q.AggregateBy, q.MaxResults);
      return c.json(
        {
          DatasetFileMetasStats: stats.groups.map((g) => ({ Key: g.key, Count: g.count })),
          TotalCount: stats.total,
          RequestId: c.get('requestId'),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/datasets/{DatasetId}/datasetfilemetas/{DatasetFileMetaId}/thumbnail',
      tags,
      summary: 'A thumbnail of the file (auto-rotated; first frame/page). A file that cannot be decoded is marked FAILED.',
      request: { params: MetaParams, query: z.object({ ThumbnailMode: z.string().max(128).optional(), Expires: z.string().optional(), Signature: z.string().optional() }) },
      responses: {
        200: { content: { 'image/jpeg': { schema: z.string().openapi({ format: 'binary' }) } }, description: 'JPEG, PNG (alpha) or WebP' },
        ...errorResponses,
      },
    }),
    async (c) => {
      const p = c.req.valid('param');
      const mode = parseThumbnailMode(thumbnailModeOf(c.req.valid('query').ThumbnailMode));
      const t = await d.fileMetas.thumbnail(p.DatasetId, p.DatasetFileMetaId, mode);
      return c.body(new Uint8Array(t.data), 200, { 'content-type': t.contentType, 'cache-control': 'private, max-age=3600' }) as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/datasets/{DatasetId}/datasetfilemetas/{DatasetFileMetaId}/download',
      tags,
      summary: 'The original file, streamed',
      request: { params: MetaParams, query: z.object({ Expires: z.string().optional(), Signature: z.string().optional() }) },
      responses: {
        200: { content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } }, description: 'The bytes' },
        ...errorResponses,
      },
    }),
    async (c) => {
      const p = c.req.valid('param');
      const { meta, stream } = await d.fileMetas.download(p.DatasetId, p.DatasetFileMetaId);
      return c.body(Readable.toWeb(stream) as ReadableStream, 200, {
        'content-type': meta.contentType ?? 'application/octet-stream',
        'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(meta.fileName)}`,
      }) as never;
    },
  );
}
