// Routes: the dataset index config ("save and refresh now") and index coverage.
import { createRoute, z } from '@hono/zod-openapi';
import { JobMode } from '../../domain/job.js';
import type { ApiDeps, App } from '../env.js';
import { DatasetIdParam, RequestIdField, errorResponses, jsonContent, lineText } from '../schemas.js';

export const IndexConfigDto = z
  .object({
    DatasetId: z.string(),
    EmbeddingConnectionId: z.string(),
    VectorConnectionId: z.string(),
    IndexName: z.string(),
    ModelName: z.string().nullable(),
    GmtCreateTime: z.string(),
    GmtModifiedTime: z.string(),
  })
  .openapi('IndexConfig');

export const CoverageDto = z.object({
  Total: z.number().int(),
  UpToDate: z.number().int(),
  Stale: z.number().int(),
  Failed: z.number().int(),
  Never: z.number().int(),
  Unusable: z.number().int(),
});
export const PutIndexConfigRequest = z.object({
  EmbeddingConnectionId: z.string().min(1).max(64),
  VectorConnectionId: z.string().min(1).max(64),
  IndexName: z.string().regex(/^[a-z0-9_-]{1,64}$/, 'lower-case letters, digits, _ and -'),
  ModelName: lineText(128, 1).optional(),
  RefreshNow: z.boolean().default(false),
  DatasetVersion: z.string().max(16).default('v1'),
  JobMode: JobMode.default('Full'),
});
export const CoverageQuery = z.object({
  DatasetVersion: z.string().max(16).default('v1'),
  TagDefinitionId: z.string().max(64).optional().openapi({ description: 'Count tags against this definition (its current version)' }),
  ModelName: z.string().max(128).optional().openapi({ description: 'Only tags made by this model count as up to date' }),
});
export const CoverageResponse = z.object({
  Tags: CoverageDto.extend({ TagDefinitionId: z.string(), TagDefinitionVersion: z.number().int() }).optional(),
  Vectors: CoverageDto.extend({ IndexName: z.string(), EmbedderId: z.string() }).optional(),
  ...RequestIdField,
});
const counts = (c: { total: number; upToDate: number; stale: number; failed: number; never: number; unusable: number }) => ({
  Total: c.total,
  UpToDate: c.upToDate,
  Stale: c.stale,
  Failed: c.failed,
  Never: c.never,
  Unusable: c.unusable,
});

export function indexingRoutes(app: App, d: ApiDeps) {
  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/v1/datasets/{DatasetId}/indexconfig',
      tags: ['Indexing'],
      summary: 'Save the index config (embedding + vector connection + index name); RefreshNow starts a SemanticIndex job',
      request: {
        params: DatasetIdParam,
        body: {
          required: true,
          content: {
            'application/json': { schema: PutIndexConfigRequest },
          },
        },
      },
      responses: { 200: jsonContent(z.object({ DatasetJobId: z.string().optional(), ...RequestIdField }), 'Saved'), ...errorResponses },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const r = await d.indexConfigs.put(
        c.req.valid('param').DatasetId,
        { embeddingConnectionId: b.EmbeddingConnectionId, vectorConnectionId: b.VectorConnectionId, indexName: b.IndexName, modelName: b.ModelName },
        b.RefreshNow ? { versionName: b.DatasetVersion, jobMode: b.JobMode } : undefined,
      );
      return c.json({ ...(r.job ? { DatasetJobId: r.job.datasetJobId } : {}), RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/datasets/{DatasetId}/indexconfig',
      tags: ['Indexing'],
      summary: 'Get the index config',
      request: { params: DatasetIdParam },
      responses: { 200: jsonContent(IndexConfigDto.extend(RequestIdField), 'The index config'), ...errorResponses },
    }),
    async (c) => {
      const x = await d.indexConfigs.get(c.req.valid('param').DatasetId);
      return c.json(
        {
          DatasetId: x.datasetId,
          EmbeddingConnectionId: x.embeddingConnectionId,
          VectorConnectionId: x.vectorConnectionId,
          IndexName: x.indexName,
          ModelName: x.modelName,
          GmtCreateTime: x.createTime,
          GmtModifiedTime: x.updateTime,
          RequestId: c.get('requestId'),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/datasets/{DatasetId}/coverage',
      tags: ['Indexing'],
      summary: 'Index coverage: files up to date, stale, failed, never done — for tags and for vectors',
      request: {
        params: DatasetIdParam,
        query: CoverageQuery,
      },
      responses: {
        200: jsonContent(CoverageResponse, 'Counts'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const cov = await d.coverage.of(c.req.valid('param').DatasetId, q.DatasetVersion, q.TagDefinitionId ? { tagDefinitionId: q.TagDefinitionId, model: q.ModelName } : undefined);
      return c.json(
        {
          ...(cov.tags ? { Tags: { ...counts(cov.tags), TagDefinitionId: cov.tags.tagDefinitionId, TagDefinitionVersion: cov.tags.tagDefinitionVersion } } : {}),
          ...(cov.vectors ? { Vectors: { ...counts(cov.vectors), IndexName: cov.vectors.indexName, EmbedderId: cov.vectors.embedderId } } : {}),
          RequestId: c.get('requestId'),
        },
        200,
      );
    },
  );
}
