// Routes: PAI's dataset job configs — create, get, list, update, delete (DatasetJobConfig).
import { createRoute, z } from '@hono/zod-openapi';
import { DatasetJobConfigType } from '../../domain/job-config.js';
import { requestedWorkspace } from '../../domain/workspace.js';
import { DatasetJobConfigDto, jobConfigDto } from '../dto.js';
import type { ApiDeps, App } from '../env.js';
import { PageNumber, PageSize, pageNumberOf, TokenPagingRefused } from '../page-number.js';
import { DatasetIdParam, RequestIdField, errorResponses, jsonContent } from '../schemas.js';

const tags = ['DatasetJobConfigs'];
const ConfigParams = DatasetIdParam.extend({
  DatasetJobConfigId: z.string().min(1).max(64).openapi({ param: { name: 'DatasetJobConfigId', in: 'path' } }),
});
const WorkspaceId = z.string().max(64).optional().openapi({ description: "The dataset's workspace: a dataset of another workspace is not found" });
const Config = z
  .union([z.string().max(16384), z.record(z.string(), z.unknown())])
  .openapi({
    description:
      'JSON (a string, as PAI sends it, or an object). MultimodalSemanticIndex: {"defaultModelId","defaultModelVersion"} and any SemanticIndex JobSpec key ' +
      '(embeddingConnectionId, embeddingModel, databaseConnectionId, databaseTableName, vectorIndexConfig, concurrency); MultimodalIntelligentTag: the IntelligentTag ' +
      "JobSpec's keys (intelligentTagConnectionId, modelId, promptId, concurrency). They are the defaults of the dataset's jobs of that kind.",
  });

export const CreateDatasetJobConfigRequest = z.object({
  ConfigType: DatasetJobConfigType,
  Config,
  DatasetVersion: z.string().min(1).max(16).optional().openapi({ description: 'The version it is for; absent: every version (a version’s own config wins)' }),
  WorkspaceId,
});
export const UpdateDatasetJobConfigRequest = z.object({ ConfigType: DatasetJobConfigType.optional(), Config: Config.optional(), WorkspaceId });
export const ListDatasetJobConfigsQuery = z.object({
  ConfigType: DatasetJobConfigType.optional(),
  DatasetVersion: z.string().max(16).optional().openapi({ description: "Only the configs for this version ('' : those for every version)" }),
  PageNumber,
  PageSize,
  WorkspaceId,
  ...TokenPagingRefused,
});

export function jobConfigRoutes(app: App, d: ApiDeps) {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/datasets/{DatasetId}/datasetjobconfigs',
      tags,
      summary: 'CreateDatasetJobConfig: defaults for the JobSpecs of one kind of job (409 when the dataset has one of that type for that version)',
      request: { params: DatasetIdParam, body: { required: true, content: { 'application/json': { schema: CreateDatasetJobConfigRequest } } } },
      responses: { 200: jsonContent(z.object({ DatasetJobConfigId: z.string(), ...RequestIdField }), 'Created'), ...errorResponses },
    }),
    async (c) => {
      const { DatasetId } = c.req.valid('param');
      const b = c.req.valid('json');
      const config = await d.jobConfigs.create(
        DatasetId,
        { configType: b.ConfigType, config: b.Config, versionName: b.DatasetVersion || undefined, creator: c.get('principal') },
        requestedWorkspace(b.WorkspaceId),
      );
      return c.json({ DatasetJobConfigId: config.datasetJobConfigId, RequestId: c.get('requestId') }, 200);
    },
  );

  // PAI's path ends with a slash; the same listing without it, for curl users.
  for (const path of ['/api/v1/datasets/{DatasetId}/datasetjobconfigs/', '/api/v1/datasets/{DatasetId}/datasetjobconfigs'] as const) {
    app.openapi(
      createRoute({
        method: 'get',
        path,
        tags,
        summary: 'ListDatasetJobConfigs, newest first (PageNumber from 1, PageSize 1..100, default 10)',
        request: { params: DatasetIdParam, query: ListDatasetJobConfigsQuery },
        responses: {
          200: jsonContent(z.object({ DatasetJobConfigs: z.array(DatasetJobConfigDto), TotalCount: z.number().int(), ...RequestIdField }), 'A page of configs'),
          ...errorResponses,
        },
      }),
      async (c) => {
        const { DatasetId } = c.req.valid('param');
        const q = c.req.valid('query');
        const paging = pageNumberOf(q);
        const page = await d.jobConfigs.list(
          DatasetId,
          { configType: q.ConfigType, versionName: q.DatasetVersion, offset: paging.offset, limit: paging.pageSize },
          requestedWorkspace(q.WorkspaceId),
        );
        return c.json({ DatasetJobConfigs: page.items.map(jobConfigDto), TotalCount: page.totalCount, RequestId: c.get('requestId') }, 200);
      },
    );

  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/datasets/{DatasetId}/datasetjobconfigs/{DatasetJobConfigId}',
      tags,
      summary: 'GetDatasetJobConfig',
      request: { params: ConfigParams, query: z.object({ WorkspaceId }) },
      responses: { 200: jsonContent(DatasetJobConfigDto.extend(RequestIdField), 'The config'), ...errorResponses },
    }),
    async (c) => {
      const p = c.req.valid('param');
      const config = await d.jobConfigs.get(p.DatasetId, p.DatasetJobConfigId, requestedWorkspace(c.req.valid('query').WorkspaceId));
      return c.json({ ...jobConfigDto(config), RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/v1/datasets/{DatasetId}/datasetjobconfigs/{DatasetJobConfigId}',
      tags,
      summary: 'UpdateDatasetJobConfig: replaces the Config and/or the ConfigType',
      request: { params: ConfigParams, body: { required: true, content: { 'application/json': { schema: UpdateDatasetJobConfigRequest } } } },
      responses: { 200: jsonContent(z.object(RequestIdField), 'Updated'), ...errorResponses },
    }),
    async (c) => {
      const p = c.req.valid('param');
      const b = c.req.valid('json');
      await d.jobConfigs.update(
        p.DatasetId,
        p.DatasetJobConfigId,
        { configType: b.ConfigType, config: b.Config, creator: c.get('principal') },
        requestedWorkspace(b.WorkspaceId),
      );
      return c.json({ RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/v1/datasets/{DatasetId}/datasetjobconfigs/{DatasetJobConfigId}',
      tags,
      summary: 'DeleteDatasetJobConfig',
      request: { params: ConfigParams, query: z.object({ WorkspaceId }) },
      responses: { 200: jsonContent(z.object(RequestIdField), 'Deleted'), ...errorResponses },
    }),
    async (c) => {
      const p = c.req.valid('param');
      await d.jobConfigs.delete(p.DatasetId, p.DatasetJobConfigId, requestedWorkspace(c.req.valid('query').WorkspaceId));
      return c.json({ RequestId: c.get('requestId') }, 200);
    },
  );
}
