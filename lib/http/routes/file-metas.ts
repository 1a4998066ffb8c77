// Routes: file metas of a version — list (= search), get, statistics, thumbnail, download.
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { Readable } from 'node:stream';
import { invalid } from '../../domain/errors.js';
import { requestedWorkspace } from '../../domain/workspace.js';
import { parseThumbnailMode } from '../../media/thumbnail.js';
import { AGGREGATE_FIELDS, type AggregateField } from '../../ports/meta-store.js';
import type { SearchParams } from '../../services/search.js';
import { FileMetaDto, fileMetaDto } from '../dto.js';
import { DEFAULT_THUMBNAIL_MODE, publicBaseOf, signedFileUrls } from '../file-urls.js';
import type { ApiDeps, App, AppEnv } from '../env.js';
import { pageOf } from '../page-tokens.js';
import { base64Image, FilterParams, pageOffsetOf, pageSizeOf, SearchBody, SearchQueryParams, searchParamsOf, VectorSearchDto, vectorSearchDto } from '../search-params.js';
import { DatasetIdParam, MaxResults, RequestIdField, errorResponses, jsonContent } from '../schemas.js';

const tags = ['DatasetFileMetas'];
const MetaParams = DatasetIdParam.extend({ DatasetFileMetaId: z.string().min(1).max(64).openapi({ param: { name: 'DatasetFileMetaId', in: 'path' } }) });

/** AggregateBy as PAI spells it (case-insensitive; `filetype` and `file_type` alike) and Loupe's extras. */
const AGGREGATE_SPELLINGS: Record<string, AggregateField> = {
  ...Object.fromEntries(AGGREGATE_FIELDS.map((f) => [f, f])),
  filetype: 'file_type',
  fileformat: 'file_format',
};

/** The AggregateBy of a request; absent (or empty) means TotalCount alone, as PAI does. */
export function aggregateByOf(value: string | undefined): AggregateField | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const by = AGGREGATE_SPELLINGS[value.trim().toLowerCase()];
  if (!by) {
    throw invalid(
      `AggregateBy: unknown '${value}' (filedir, filetype, tags.user, tags.user-delete-ai-tags, tags.ai, tags.all; Loupe also: fileformat, status)`,
      'AggregateBy',
    );
  }
  return by;
}

export const FileMetasStatisticsQuery = FilterParams.extend({
  AggregateBy: z
    .string()
    .max(64)
    .optional()
    .openapi({
      description:
        'Case-insensitive: filedir, filetype (or file_type), tags.user, tags.user-delete-ai-tags, tags.ai, tags.all; Loupe also fileformat (file_format) and status. ' +
        'tags.* count each tag of a file once. Absent: TotalCount alone',
    }),
  MaxResults,
});
export const GetDatasetFileMetaQuery = z.object({
  ThumbnailMode: z.string().max(128).optional(),
  DatasetVersion: z.string().regex(/^v[1-9][0-9]*$/, 'a version name is v1, v2, …').optional().openapi({ description: 'When given, a meta of another version is a 404' }),
  WorkspaceId: z.string().max(64).optional().openapi({ description: 'When given, a dataset of another workspace is a 404' }),
});

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
  const urls = (c: Context<AppEnv>, thumbnailMode: string) => signedFileUrls(d.signer, thumbnailMode, publicBaseOf(c, d.publicUrl));
  const where = {
    DatasetId: z.string(),
    DatasetVersion: z.string(),
    WorkspaceId: z.string().openapi({ description: "The dataset's workspace ('' when it has none)" }),
  };

  const listResponse = jsonContent(
    z.object({
      DatasetFileMetas: z.array(FileMetaDto),
      ...where,
      TotalCount: z.number().int(),
      MaxResults: z.number().int(),
      PageSize: z.number().int().openapi({ description: "PAI's deprecated name of the page size: the same as MaxResults" }),
      PageNumber: z.number().int().optional().openapi({ description: 'The page number asked for (random access); such a page has no NextToken' }),
      NextToken: z.string().optional(),
      VectorSearch: VectorSearchDto.optional(),
      ...RequestIdField,
    }),
    'A page of file metas (search results best first, with Score)',
  );
  /**
   * The version a search reads: the one named, else the dataset's latest (CreateDatasetJob's default
   * too). A dataset that is not there (or not visible) is left to the search's own 404.
   */
  const versionOf = async (datasetId: string, given: string | undefined): Promise<string> =>
    given ?? (await d.datasets.latestVersion(datasetId))?.versionName ?? 'v1';
  const respond = async (c: Context<AppEnv>, params: SearchParams, thumbnailMode: string | undefined, pageNumber?: number) => {
    const mode = thumbnailModeOf(thumbnailMode); // checked before the search runs
    // GET and POST share tokens: the scope is the search itself, not its wire form. A page found by
    // number (random access) hands out no token, as PAI's page-number listings.
    const { nextToken: given, maxResults: _, ...query } = params;
    const result =
      params.offset !== undefined
        ? { ...(await d.search.search(params)), nextToken: undefined }
        : await pageOf(c, d.pageTokens, { listing: 'ListDatasetFileMetas', query, nextToken: given }, (nextToken) => d.search.search({ ...params, nextToken }));
    const u = urls(c, mode);
    return c.json(
      {
        DatasetFileMetas: result.items.map((m) => ({ ...fileMetaDto(m, u), ...(m.score !== undefined ? { Score: m.score } : {}) })),
        DatasetId: params.datasetId,
        DatasetVersion: params.versionName,
        WorkspaceId: result.workspaceId,
        TotalCount: result.totalCount,
        MaxResults: params.maxResults,
        PageSize: params.maxResults,
        ...(pageNumber !== undefined ? { PageNumber: pageNumber } : {}),
        NextToken: result.nextToken,
        ...(result.vector ? { VectorSearch: vectorSearchDto(result.vector) } : {}),
        RequestId: c.get('requestId'),
      },
      200,
    );
  };

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/datasets/{DatasetId}/datasetfilemetas',
      tags,
      summary: 'ListDatasetFileMetas: search by text, image, tags, metadata and the query language; all conditions are ANDed',
      request: { params: DatasetIdParam, query: SearchQueryParams },
      responses: { 200: listResponse, ...errorResponses },
    }),
    async (c) => {
      const { DatasetId } = c.req.valid('param');
      const q = c.req.valid('query');
      const params = { ...q, DatasetVersion: await versionOf(DatasetId, q.DatasetVersion), MaxResults: pageSizeOf(q) };
      const offset = pageOffsetOf(q);
      return respond(c, { ...searchParamsOf(DatasetId, params, q.QueryImage ? { uri: q.QueryImage } : undefined), ...(offset !== undefined ? { offset } : {}) }, q.ThumbnailMode, q.PageNumber);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/datasets/{DatasetId}/datasetfilemetas/action/search',
      tags,
      summary: 'ListDatasetFileMetas with a JSON body: the same parameters (lists as arrays), and QueryImageData for an uploaded image',
      request: { params: DatasetIdParam, body: { content: { 'application/json': { schema: SearchBody } }, required: true } },
      responses: { 200: listResponse, ...errorResponses },
    }),
    async (c) => {
      const { DatasetId } = c.req.valid('param');
      const b = c.req.valid('json');
      if (b.QueryImage && b.QueryImageData) throw invalid('give QueryImage (a URI) or QueryImageData (the image, base64), not both', 'QueryImageData');
      const image = b.QueryImageData ? { data: base64Image(b.QueryImageData) } : b.QueryImage ? { uri: b.QueryImage } : undefined;
      const offset = pageOffsetOf(b);
      const params = searchParamsOf(DatasetId, { ...b, DatasetVersion: await versionOf(DatasetId, b.DatasetVersion), MaxResults: pageSizeOf(b) }, image);
      return respond(c, { ...params, ...(offset !== undefined ? { offset } : {}) }, b.ThumbnailMode, b.PageNumber);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/datasets/{DatasetId}/datasetfilemetas/{DatasetFileMetaId}',
      tags,
      summary: 'GetDatasetFileMeta',
      request: { params: MetaParams, query: GetDatasetFileMetaQuery },
      responses: { 200: jsonContent(z.object({ DatasetFileMeta: FileMetaDto, ...where, ...RequestIdField }), 'The file meta'), ...errorResponses },
    }),
    async (c) => {
      const p = c.req.valid('param');
      const q = c.req.valid('query');
      const mode = thumbnailModeOf(q.ThumbnailMode);
      const { meta, workspaceId } = await d.fileMetas.getIn(p.DatasetId, p.DatasetFileMetaId, {
        workspace: requestedWorkspace(q.WorkspaceId),
        versionName: q.DatasetVersion,
      });
      return c.json(
        {
          DatasetFileMeta: fileMetaDto(meta, urls(c, mode)),
          DatasetId: meta.datasetId,
          DatasetVersion: meta.versionName,
          WorkspaceId: workspaceId,
          RequestId: c.get('requestId'),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/statistics/datasets/{DatasetId}/datasetfilemetas',
      tags,
      summary:
        'GetDatasetFileMetasStatistics: counts per group, descending, over the files matching the same filters as ListDatasetFileMetas. ' +
        "The request id is 'requestId' here, as PAI spells it",
      request: {
        params: DatasetIdParam,
        query: FileMetasStatisticsQuery,
      },
      responses: {
        200: jsonContent(
          z.object({
            DatasetFileMetasStats: z.array(z.object({ Key: z.string(), Count: z.number().int() })),
            TotalCount: z.number().int().openapi({ description: 'The number of groups (all of them, not only the MaxResults returned); without AggregateBy, of files' }),
            FileCount: z.number().int().openapi({ description: 'Loupe: the number of files matching' }),
            requestId: z.string(),
          }),
          'Groups with their counts',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { DatasetId } = c.req.valid('param');
      const q = c.req.valid('query');
      const by = aggregateByOf(q.AggregateBy);
      const params = { ...q, DatasetVersion: await versionOf(DatasetId, q.DatasetVersion), MaxResults: 1 };
      const stats = await d.search.statistics(searchParamsOf(DatasetId, params, undefined), by, q.MaxResults);
      return c.json(
        {
          DatasetFileMetasStats: stats.groups.map((g) => ({ Key: g.key, Count: g.count })),
          TotalCount: stats.total,
          FileCount: stats.files,
          requestId: c.get('requestId'),
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
      summary: 'A thumbnail of the file (auto-rotated; first frame/page). A file that is no image is a 403; an image that cannot be rendered is a 409 saying why; its Status does not change.',
      request: {
        params: MetaParams,
        query: z.object({
          ThumbnailMode: z.string().max(128).optional().openapi({ description: 'OSS resize parameters, plus f_webp, f_jpg or f_png (default: JPEG, PNG for an image with alpha)' }),
          v: z.string().max(256).optional().openapi({ description: "The file's FileFingerPrint: when it is the file's current one, the answer may be cached for good (immutable)" }),
          Expires: z.string().optional(),
          Signature: z.string().optional(),
        }),
      },
      responses: {
        200: { content: { 'image/jpeg': { schema: z.string().openapi({ format: 'binary' }) } }, description: 'JPEG, PNG or WebP' },
        ...errorResponses,
      },
    }),
    async (c) => {
      const p = c.req.valid('param');
      const q = c.req.valid('query');
      const mode = parseThumbnailMode(thumbnailModeOf(q.ThumbnailMode));
      const t = await d.fileMetas.thumbnail(p.DatasetId, p.DatasetFileMetaId, mode);
      // A URL naming the fingerprint of what it shows never shows anything else: the console's tiles
      // (thumbnailUrl(…, FileFingerPrint)) are cached by the browser for good. Any other URL, an hour.
      const immutable = q.v !== undefined && q.v === t.fingerprint;
      return c.body(new Uint8Array(t.data), 200, {
        'content-type': t.contentType,
        'cache-control': immutable ? 'private, max-age=31536000, immutable' : 'private, max-age=3600',
      }) as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/datasets/{DatasetId}/datasetfilemetas/{DatasetFileMetaId}/download',
      tags,
      summary: 'The original file, streamed. Only images are served: a SKIPPED file, or one whose first bytes are no image, is a 403',
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
        'content-type': servedType(meta.contentType),
        'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(meta.fileName)}`,
      }) as never;
    },
  );
}

/**
 * The Content-Type a download is answered with: the meta's when it is a raster image type, else
 * application/octet-stream. A stored ContentType is whatever a caller declared (CreateDatasetFileMetas,
 * an import manifest), and the bytes pass as an image by their first bytes alone (a GIF/JS polyglot
 * does): text/html, text/javascript or image/svg+xml on the console's origin would be a page or a
 * script that its CSP (script-src 'self') lets run with the console's session.
 */
function servedType(declared: string | null | undefined): string {
  const type = declared?.split(';')[0]!.trim().toLowerCase();
  return type && /^image\/[\w.+-]+$/.test(type) && !type.includes('svg') ? type : 'application/octet-stream';
}
