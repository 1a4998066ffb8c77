// Routes: datasets and their versions.
import { createRoute, z } from '@hono/zod-openapi';
import { LOGICAL_CHANGES, type LogicalChange } from '../../domain/logical.js';
import { DatasetDto, DatasetVersionDto, ReferenceDto, datasetDto, referenceDto, versionDto } from '../dto.js';
import type { ApiDeps, App } from '../env.js';
import { pageOf } from '../page-tokens.js';
import { DatasetIdParam, MaxResults, NextToken, RequestIdField, errorResponses, freeText, jsonContent, lineText } from '../schemas.js';

const tags = ['Datasets'];
const VersionParams = DatasetIdParam.extend({ VersionName: z.string().openapi({ param: { name: 'VersionName', in: 'path' } }) });
const Ok = z.object(RequestIdField).openapi('Ok');

export const CreateDatasetRequest = z.object({
  Name: lineText(128, 1),
  Description: freeText(1024).optional(),
  Edition: z.enum(['ADVANCED', 'LOGICAL']).optional(),
  DataType: z.literal('PIC').optional(),
  Uri: lineText(2048, 1)
    .optional()
    .openapi({ example: 'file:///home/me/photos/', description: 'Required for ADVANCED; a LOGICAL dataset has none (exports make its versions)' }),
  VersionDescription: freeText(1024).optional(),
});
export const ListDatasetsQuery = z.object({
  Name: z.string().max(128).optional().openapi({ description: 'Substring of the name' }),
  Edition: z.enum(['ADVANCED', 'LOGICAL']).optional(),
  MaxResults,
  NextToken,
});
export const UpdateDatasetRequest = z.object({ Name: lineText(128, 1).optional(), Description: freeText(1024).optional() });
export const CreateDatasetVersionRequest = z.object({ Uri: lineText(2048, 1).optional(), Description: freeText(1024).optional() });
export const ListReferencesQuery = z.object({ MaxResults, NextToken });
export const ReferencePageResponse = z.object({
  References: z.array(ReferenceDto),
  TotalCount: z.number().int(),
  NextToken: z.string().optional(),
  ...RequestIdField,
});
export const DiffVersionsQuery = ListReferencesQuery.extend({
  BaseVersion: z.string().min(1).max(16).openapi({ example: 'v1' }),
  Change: z.enum(LOGICAL_CHANGES as [LogicalChange, ...LogicalChange[]]).default('Added'),
});
export const VersionDiffResponse = ReferencePageResponse.extend({
  BaseVersion: z.string(),
  VersionName: z.string(),
  AddedCount: z.number().int(),
  RemovedCount: z.number().int(),
  ChangedCount: z.number().int(),
  Change: z.enum(LOGICAL_CHANGES as [LogicalChange, ...LogicalChange[]]),
});
export const UpdateDatasetVersionRequest = z.object({ Description: freeText(1024).optional() });

export function datasetRoutes(app: App, d: ApiDeps) {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/datasets',
      tags,
      summary: 'CreateDataset: register a storage URI (nothing is copied) and its version v1; or a LOGICAL dataset, filled by exports',
      request: {
        body: {
          required: true,
          content: {
            'application/json': { schema: CreateDatasetRequest },
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
        query: ListDatasetsQuery,
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
      const page = await pageOf(c, d.pageTokens, { listing: 'ListDatasets', query: q }, (nextToken) =>
        d.datasets.list({ nameContains: q.Name, edition: q.Edition, maxResults: q.MaxResults, nextToken }),
      );
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
          content: { 'application/json': { schema: UpdateDatasetRequest } },
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
          content: { 'application/json': { schema: CreateDatasetVersionRequest } },
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
        body: { required: true, content: { 'application/json': { schema: UpdateDatasetVersionRequest } } },
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


  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/datasets/{DatasetId}/versions/{VersionName}/references',
      tags,
      summary: 'ListDatasetVersionReferences: the files a logical dataset version refers to, in export order',
      request: { params: VersionParams, query: ListReferencesQuery },
      responses: { 200: jsonContent(ReferencePageResponse, 'A page of references'), ...errorResponses },
    }),
    async (c) => {
      const p = c.req.valid('param');
      const q = c.req.valid('query');
      const page = await pageOf(c, d.pageTokens, { listing: 'ListDatasetVersionReferences', query: q }, (nextToken) =>
        d.datasets.listReferences(p.DatasetId, p.VersionName, { maxResults: q.MaxResults, nextToken }),
      );
      return c.json(
        { References: page.items.map(referenceDto), TotalCount: page.totalCount, ...(page.nextToken ? { NextToken: page.nextToken } : {}), RequestId: c.get('requestId') },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/datasets/{DatasetId}/versions/{VersionName}/diff',
      tags,
      summary: 'DiffDatasetVersions: references added to, removed from, or changed (another fingerprint) in a logical version since BaseVersion',
      request: {
        params: VersionParams,
        query: DiffVersionsQuery,
      },
      responses: {
        200: jsonContent(
          VersionDiffResponse,
          'The counts of each change, and a page of the asked one',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const p = c.req.valid('param');
      const q = c.req.valid('query');
      const page = await pageOf(c, d.pageTokens, { listing: 'DiffDatasetVersions', query: q }, (nextToken) =>
        d.datasets.diffVersions(p.DatasetId, p.VersionName, q.BaseVersion, q.Change, { maxResults: q.MaxResults, nextToken }),
      );
      return c.json(
        {
          BaseVersion: q.BaseVersion,
          VersionName: p.VersionName,
          AddedCount: page.counts.Added,
          RemovedCount: page.counts.Removed,
          ChangedCount: page.counts.Changed,
          Change: q.Change,
          References: page.items.map(referenceDto),
          TotalCount: page.totalCount,
          ...(page.nextToken ? { NextToken: page.nextToken } : {}),
          RequestId: c.get('requestId'),
        },
        200,
      );
    },
  );
}
