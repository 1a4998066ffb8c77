// Routes: datasets and their versions.
import { createRoute, z } from '@hono/zod-openapi';
import { DatasetDto, DatasetVersionDto, datasetDto, versionDto } from '../dto.js';
import type { ApiDeps, App } from '../env.js';
import { DatasetIdParam, MaxResults, NextToken, RequestIdField, errorResponses, jsonContent } from '../schemas.js';

const tags = ['Datasets'];
const VersionParams = DatasetIdParam.extend({ VersionName: z.string().openapi({ param: { name: 'VersionName', in: 'path' } }) });
const Ok = z.object(RequestIdField).openapi('Ok');

export function datasetRoutes(app: App, d: ApiDeps) {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/datasets',
      tags,
      summary: 'CreateDataset: register a storage URI (nothing is copied); creates version v1',
      request: {
        body: {
          required: true,
          content: {
            'application/json': {
              schema: z.object({
                Name: z.string().min(1).max(128),
                Description: z.string().max(1024).optional(),
                Edition: z.enum(['ADVANCED', 'LOGICAL']).optional(),
                DataType: z.literal('PIC').optional(),
                Uri: z.string().min(1).max(2048).openapi({ example: 'file:///home/me/photos/' }),
                VersionDescription: z.string().max(1024).optional(),
              }),
            },
          },
        },
      },
      responses: { 200: jsonContent(z.object({ DatasetId: z.string(), ...RequestIdField }), 'Created'), ...errorResponses },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const ds = await d.datasets.create({
        name: b.Name,
        description: b.Description,
        edition: b.Edition,
        uri: b.Uri,
        versionDescription: b.VersionDescription,
      });
      return c.json({ DatasetId: ds.datasetId, RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/datasets',
      tags,
      summary: 'ListDatasets',
      request: {
        query: z.object({
          Name: z.string().max(128).optional().openapi({ description: 'Substring of the name' }),
          Edition: z.enum(['ADVANCED', 'LOGICAL']).optional(),
          MaxResults,
          NextToken,
        }),
      },
      responses: {
        200: jsonContent(
          z.object({ Datasets: z.array(DatasetDto), TotalCount: z.number().int(), NextToken: z.string().optional(), ...RequestIdField }),
          'A page of datasets, newest first',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const page = await d.datasets.list({ nameContains: q.Name, edition: q.Edition, maxResults: q.MaxResults, nextToken: q.NextToken });
      return c.json(
        { Datasets: page.items.map(datasetDto), TotalCount: page.totalCount, NextToken: page.nextToken, RequestId: c.get('requestId') },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/datasets/{DatasetId}',
      tags,
      summary: 'GetDataset',
      request: { params: DatasetIdParam },
      responses: { 200: jsonContent(DatasetDto.extend({ Versions: z.array(DatasetVersionDto), ...RequestIdField }), 'The dataset'), ...errorResponses },
    }),
    async (c) => {
      const { DatasetId } = c.req.valid('param');
      const ds = await d.datasets.get(DatasetId);
      const versions = await d.datasets.listVersions(DatasetId);
      return c.json({ ...datasetDto(ds), Versions: versions.map(versionDto), RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/v1/datasets/{DatasetId}',
      tags,
      summary: 'UpdateDataset',
      request: {
        params: DatasetIdParam,
        body: {
          required: true,
          content: { 'application/json': { schema: z.object({ Name: z.string().min(1).max(128).optional(), Description: z.string().max(1024).optional() }) } },
        },
      },
      responses: { 200: jsonContent(Ok, 'Updated'), ...errorResponses },
    }),
    async (c) => {
      const { DatasetId } = c.req.valid('param');
      const b = c.req.valid('json');
      await d.datasets.update(DatasetId, { name: b.Name, description: b.Description });
      return c.json({ RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/v1/datasets/{DatasetId}',
      tags,
      summary: 'DeleteDataset: forgets the dataset, its versions, file metas and jobs (storage is untouched)',
      request: { params: DatasetIdParam },
      responses: { 200: jsonContent(Ok, 'Deleted'), ...errorResponses },
    }),
    async (c) => {
      await d.datasets.delete(c.req.valid('param').DatasetId);
      return c.json({ RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/datasets/{DatasetId}/versions',
      tags,
      summary: 'CreateDatasetVersion: the next version (v2, v3, …), over the dataset URI or its own',
      request: {
        params: DatasetIdParam,
        body: {
          required: false,
          content: { 'application/json': { schema: z.object({ Uri: z.string().min(1).max(2048).optional(), Description: z.string().max(1024).optional() }) } },
        },
      },
      responses: { 200: jsonContent(z.object({ VersionName: z.string(), ...RequestIdField }), 'Created'), ...errorResponses },
    }),
    async (c) => {
      const { DatasetId } = c.req.valid('param');
      const b = c.req.valid('json') ?? {};
      const v = await d.datasets.createVersion(DatasetId, { uri: b.Uri, description: b.Description });
      return c.json({ VersionName: v.versionName, RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/datasets/{DatasetId}/versions',
      tags,
      summary: 'ListDatasetVersions',
      request: { params: DatasetIdParam },
      responses: {
        200: jsonContent(z.object({ DatasetVersions: z.array(DatasetVersionDto), TotalCount: z.number().int(), ...RequestIdField }), 'All versions'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const versions = await d.datasets.listVersions(c.req.valid('param').DatasetId);
      return c.json({ DatasetVersions: versions.map(versionDto), TotalCount: versions.length, RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/datasets/{DatasetId}/versions/{VersionName}',
      tags,
      summary: 'GetDatasetVersion',
      request: { params: VersionParams },
      responses: { 200: jsonContent(DatasetVersionDto.extend(RequestIdField), 'The version'), ...errorResponses },
    }),
    async (c) => {
      const p = c.req.valid('param');
      const v = await d.datasets.getVersion(p.DatasetId, p.VersionName);
      return c.json({ ...versionDto(v), RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/v1/datasets/{DatasetId}/versions/{VersionName}',
      tags,
      summary: 'UpdateDatasetVersion',
      request: {
        params: VersionParams,
        body: { required: true, content: { 'application/json': { schema: z.object({ Description: z.string().max(1024).optional() }) } } },
      },
      responses: { 200: jsonContent(Ok, 'Updated'), ...errorResponses },
    }),
    async (c) => {
      const p = c.req.valid('param');
      await d.datasets.updateVersion(p.DatasetId, p.VersionName, { description: c.req.valid('json').Description });
      return c.json({ RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/v1/datasets/{DatasetId}/versions/{VersionName}',
      tags,
      summary: 'DeleteDatasetVersion: forgets the version and its file metas (storage is untouched)',
      request: { params: VersionParams },
      responses: { 200: jsonContent(Ok, 'Deleted'), ...errorResponses },
    }),
    async (c) => {
      const p = c.req.valid('param');
      await d.datasets.deleteVersion(p.DatasetId, p.VersionName);
      return c.json({ RequestId: c.get('requestId') }, 200);
    },
  );
}
