// Routes: datasets and their versions.
import { createRoute, z } from '@hono/zod-openapi';
import {
  ACCESSIBILITIES,
  DATASET_EDITIONS,
  MAX_LABELS,
  PAI_DATA_SOURCE_TYPES,
  PAI_DATA_TYPES,
  PAI_PROPERTIES,
} from '../../domain/dataset.js';
import { invalid } from '../../domain/errors.js';
import { LOGICAL_CHANGES, type LogicalChange } from '../../domain/logical.js';
import { requestedWorkspace } from '../../domain/workspace.js';
import { MAX_SHARES, SHARE_SCOPES } from '../../domain/dataset-sharing.js';
import type { DatasetSeen } from '../../services/datasets.js';
import { DATASET_SORT_FIELDS, VERSION_SORT_FIELDS } from '../../ports/meta-store.js';
import { DatasetDto, DatasetVersionDto, ReferenceDto, datasetDto, referenceDto, versionDto } from '../dto.js';
import type { ApiDeps, App } from '../env.js';
import { MaxResultsAlias, PageNumber, PageSize, pageNumberOf, pagingOf, TokenPagingRefused } from '../page-number.js';
import { pageOf } from '../page-tokens.js';
import { DatasetIdParam, MaxResults, NextToken, RequestIdField, errorResponses, freeText, jsonContent, lineText } from '../schemas.js';

const tags = ['Datasets'];
const VersionParams = DatasetIdParam.extend({ VersionName: z.string().openapi({ param: { name: 'VersionName', in: 'path' } }) });
const Ok = z.object(RequestIdField).openapi('Ok');

// ---- PAI's field types

const LABEL_PART = /^[^=,]*$/;
const labelPart = (min: number) =>
  lineText(128, min)
    .refine((v) => Buffer.byteLength(v) <= 128, 'at most 128 bytes')
    .refine((v) => LABEL_PART.test(v), 'no = nor , in a label');
export const LabelInput = z.object({ Key: labelPart(1), Value: labelPart(0).default('') }).openapi('LabelInput');
const Labels = z.array(LabelInput).max(MAX_LABELS);
const toLabels = (l: Array<{ Key: string; Value: string }> | undefined) => l?.map((x) => ({ key: x.Key, value: x.Value }));

/** PAI's JSON-string fields (Options, ImportInfo): the text of a JSON object. */
const jsonObjectText = (what: string) =>
  freeText(65_536).refine((v) => {
    try {
      const o = JSON.parse(v) as unknown;
      return typeof o === 'object' && o !== null && !Array.isArray(o);
    } catch {
      return false;
    }
  }, `${what} is a JSON object as a string, e.g. '{"mountPath":"/mnt/data/"}'`);
const Options = jsonObjectText('Options').optional();
const ImportInfo = jsonObjectText('ImportInfo').optional();
const RoleIds = z.array(lineText(128, 1)).max(100);
const Token = lineText(256);
const UserMetricsEndpoints = z.array(z.object({ Path: lineText(1024), Port: z.number().int().min(1).max(65535) })).max(20);
const toEndpoints = (e: Array<{ Path: string; Port: number }> | undefined) => e?.map((x) => ({ path: x.Path, port: x.Port }));
/** Accepted, not used: Loupe counts a version's files and sums their sizes itself. */
const Computed = z.number().int().min(0).optional().openapi({ description: 'Accepted and ignored: Loupe computes it from the files' });
const WorkspaceIdField = z.string().max(64).optional().openapi({ description: "The dataset's workspace ('' or absent: none)" });
/** The WorkspaceId a Loupe request may add where PAI's request has none (issue 11, item 7). */
const WorkspaceQuery = z.object({
  WorkspaceId: z
    .string()
    .max(64)
    .optional()
    .openapi({ description: "Loupe: only a dataset of this workspace is found (another's is a 404); PAI's request has no such field" }),
});
/** A comma-separated list of these values (PAI's filters). */
const commaList = (values: readonly string[] | undefined, max = 100) =>
  z
    .string()
    .max(8192)
    .optional()
    .superRefine((v, ctx) => {
      if (v === undefined) return;
      const items = splitList(v);
      if (items.length > max) ctx.addIssue({ code: 'custom', message: `at most ${max} values` });
      const bad = values ? items.find((i) => !values.includes(i)) : undefined;
      if (bad !== undefined) ctx.addIssue({ code: 'custom', message: `'${bad}' is none of ${values!.join(', ')}` });
    });
const splitList = (v: string) =>
  v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
const listOf = (v: string | undefined) => (v === undefined || splitList(v).length === 0 ? undefined : splitList(v));
const Order = z.enum(['ASC', 'DESC', 'asc', 'desc']).optional().openapi({ description: 'ASC (default) or DESC' });
const orderOf = (o: string | undefined) => o?.toUpperCase() as 'ASC' | 'DESC' | undefined;

export const CreateDatasetRequest = z.object({
  Name: lineText(128, 1),
  WorkspaceId: WorkspaceIdField,
  Description: freeText(1024).optional(),
  Edition: z.enum(DATASET_EDITIONS).optional().openapi({ description: 'BASIC (default) and ADVANCED: a folder with file metas; LOGICAL: no Uri, versions made by exports' }),
  DataType: z.enum(PAI_DATA_TYPES).optional().openapi({ description: 'COMMON (default) or PIC; TEXT, VIDEO and AUDIO are refused (Loupe manages images)' }),
  DataSourceType: z.enum(PAI_DATA_SOURCE_TYPES).optional().openapi({ description: 'OSS (oss://) or NAS (a mounted filesystem: file://, nas://); derived from the Uri when absent' }),
  Property: z.enum(PAI_PROPERTIES).optional().openapi({ description: 'DIRECTORY (default); FILE is refused: a dataset is a folder' }),
  Uri: lineText(2048, 1)
    .optional()
    .openapi({ example: 'file:///home/me/photos/', description: 'Required for BASIC/ADVANCED; a LOGICAL dataset has none (exports make its versions)' }),
  Labels: Labels.optional(),
  Options,
  Accessibility: z.enum(ACCESSIBILITIES).optional().openapi({ description: 'PRIVATE (default), PUBLIC or ROLE_PUBLIC: stored (Loupe has no access model yet)' }),
  AccessibleRoleIdList: RoleIds.optional(),
  MountAccessReadWriteRoleIdList: RoleIds.optional(),
  Provider: Token.optional(),
  ProviderType: Token.optional(),
  SourceType: Token.optional().openapi({ description: 'Default USER' }),
  SourceId: Token.optional(),
  SourceDatasetId: Token.optional(),
  SourceDatasetVersion: Token.optional(),
  ImportInfo,
  UserId: Token.optional().openapi({
    description: "The member the dataset belongs to, stored as given (Loupe has no accounts to check it against); absent: the caller (the OwnerId)",
  }),
  VersionDescription: freeText(1024).optional(),
  VersionLabels: Labels.optional(),
  DatasetTaskRamRole: Token.optional(),
  UserMetricsEndpoints: UserMetricsEndpoints.optional(),
  DataCount: Computed,
  DataSize: Computed,
  DryRun: z.boolean().optional().openapi({ description: 'Check the request (Uri included), create nothing; the answer has no DatasetId' }),
});
export const ListDatasetsQuery = z.object({
  WorkspaceId: WorkspaceIdField,
  Name: z.string().max(128).optional().openapi({ description: 'Substring of the name' }),
  Edition: z.enum(DATASET_EDITIONS).optional(),
  DatasetIds: commaList(undefined).openapi({ description: 'Comma-separated (at most 100)' }),
  DataTypes: commaList(PAI_DATA_TYPES),
  DataSourceTypes: commaList(PAI_DATA_SOURCE_TYPES),
  Properties: commaList(PAI_PROPERTIES),
  Label: z.string().max(128).optional().openapi({ description: "Substring of some label's Key or Value" }),
  Provider: z.string().max(256).optional(),
  SourceTypes: commaList(undefined),
  SourceId: z.string().max(256).optional(),
  SourceDatasetId: z.string().max(256).optional(),
  Accessibility: z.enum(ACCESSIBILITIES).optional(),
  ShareScope: z
    .enum(['', ...SHARE_SCOPES])
    .optional()
    .openapi({
      description:
        'TO_ME: only datasets shared to the WorkspaceId; BY_ME: only its datasets it shares (with SharingConfig); empty or absent: its own and those shared to it. Needs a WorkspaceId',
    }),
  SortBy: z.enum(DATASET_SORT_FIELDS).optional().openapi({ description: 'Default GmtCreateTime' }),
  Order,
  PageNumber,
  PageSize,
  MaxResults: MaxResultsAlias,
  NextToken,
});
/** PAI's DatasetShareRelationship in UpdateDataset; SharedAt and Status are Loupe's to set (a value sent back is replaced). */
const ShareRelationshipInput = z
  .object({
    WorkspaceId: z.string().max(64).openapi({ description: "Required: the workspace to share to (not the dataset's own)" }),
    TenantId: Token.optional().openapi({ description: 'Stored as given: Loupe has one tenant' }),
    SourceWorkspaceId: z.string().max(64).optional().openapi({ description: "Loupe's to set (the dataset's workspace); another value is a 400" }),
    SourceTenantId: Token.optional().openapi({ description: 'Loupe has one tenant: the TenantId, or absent' }),
    AllowedMountAccessLevels: z.array(z.string().max(8)).max(2).optional().openapi({ description: 'RO (default) and/or RW: stored (Loupe mounts nothing)' }),
    ExpiresAt: z.string().max(64).optional().openapi({ description: 'ISO 8601, in the future; absent: never', example: '2030-08-27T12:23:58Z' }),
    SharedAt: z.string().max(64).optional().openapi({ description: "Loupe's to set: replaced" }),
    Status: z.string().max(16).optional().openapi({ description: "Loupe's to set (ACTIVE, EXPIRED): replaced" }),
    IsSecureMode: z.boolean().optional(),
    Extra: jsonObjectText('Extra').optional().openapi({ description: 'A JSON object as a string, stored and returned' }),
  })
  .openapi('DatasetShareRelationshipInput');
export const UpdateDatasetRequest = z.object({
  Name: lineText(128, 1).optional(),
  Description: freeText(1024).optional(),
  Edition: z.enum(DATASET_EDITIONS).optional().openapi({ description: 'BASIC ↔ ADVANCED; LOGICAL neither becomes nor is made another' }),
  Options,
  Accessibility: z.enum(ACCESSIBILITIES).optional(),
  AccessibleRoleIdList: RoleIds.optional(),
  MountAccessReadWriteRoleIdList: RoleIds.optional(),
  SharingConfig: z
    .object({
      SharedTo: z
        .array(ShareRelationshipInput)
        .max(MAX_SHARES)
        .optional()
        .openapi({ description: 'The whole list of shares: it replaces the current one ([] unshares)' }),
    })
    .optional()
    .openapi({ description: 'Share the dataset to other workspaces, to read (GetDataset, ListDatasets, versions, file metas) until ExpiresAt' }),
});
export const CreateDatasetVersionRequest = z.object({
  Uri: lineText(2048, 1).optional().openapi({ description: "Default: the dataset's Uri" }),
  Description: freeText(1024).optional(),
  DataSourceType: z.enum(PAI_DATA_SOURCE_TYPES).optional().openapi({ description: "The dataset's (derived when absent)" }),
  Property: z.enum(PAI_PROPERTIES).optional(),
  Labels: Labels.optional(),
  Options,
  SourceType: Token.optional(),
  SourceId: Token.optional(),
  ImportInfo,
  DatasetTaskRamRole: Token.optional(),
  UserMetricsEndpoints: UserMetricsEndpoints.optional(),
  DataCount: Computed,
  DataSize: Computed,
  DryRun: z.boolean().optional(),
});
export const ListDatasetVersionsQuery = WorkspaceQuery.extend({
  LabelKeys: commaList(undefined).openapi({ description: "Comma-separated: some label's Key contains one of them" }),
  LabelValues: commaList(undefined).openapi({ description: "Comma-separated: some label's Value contains one (with LabelKeys: the same label's)" }),
  Properties: commaList(PAI_PROPERTIES),
  SourceId: z.string().max(256).optional(),
  SourceTypes: commaList(undefined),
  SortBy: z.enum(VERSION_SORT_FIELDS).optional().openapi({ description: 'Default GmtCreateTime' }),
  Order,
  PageNumber,
  PageSize,
  ...TokenPagingRefused,
});
export const LabelsRequest = z.object({ Labels: Labels.min(1) });
export const DeleteDatasetLabelsQuery = WorkspaceQuery.extend({ LabelKeys: z.string().min(1).max(8192).openapi({ description: 'Comma-separated keys' }) });
export const DeleteVersionLabelsQuery = WorkspaceQuery.extend({ Keys: z.string().min(1).max(8192).openapi({ description: 'Comma-separated keys' }) });
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
export const UpdateDatasetVersionRequest = z.object({
  Description: freeText(1024).optional(),
  Options,
  DatasetTaskRamRole: Token.optional(),
  UserMetricsEndpoints: UserMetricsEndpoints.optional(),
  DataCount: Computed,
  DataSize: Computed,
});

export function datasetRoutes(app: App, d: ApiDeps) {
  const withLatest = async (seen: DatasetSeen) => datasetDto(seen.dataset, await d.datasets.latestVersion(seen.dataset.datasetId), seen);

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
      responses: {
        200: jsonContent(z.object({ DatasetId: z.string().optional().openapi({ description: 'Absent for a DryRun' }), ...RequestIdField }), 'Created'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const ds = await d.datasets.create({
        name: b.Name,
        workspaceId: requestedWorkspace(b.WorkspaceId) ?? '',
        description: b.Description,
        edition: b.Edition,
        dataType: b.DataType,
        dataSourceType: b.DataSourceType,
        property: b.Property,
        uri: b.Uri,
        labels: toLabels(b.Labels),
        options: b.Options,
        accessibility: b.Accessibility,
        accessibleRoleIdList: b.AccessibleRoleIdList,
        mountAccessReadWriteRoleIdList: b.MountAccessReadWriteRoleIdList,
        provider: b.Provider,
        providerType: b.ProviderType,
        sourceType: b.SourceType,
        sourceId: b.SourceId,
        sourceDatasetId: b.SourceDatasetId,
        sourceDatasetVersion: b.SourceDatasetVersion,
        importInfo: b.ImportInfo,
        userId: b.UserId,
        creator: c.get('principal'),
        versionDescription: b.VersionDescription,
        versionLabels: toLabels(b.VersionLabels),
        datasetTaskRamRole: b.DatasetTaskRamRole,
        userMetricsEndpoints: toEndpoints(b.UserMetricsEndpoints),
        dryRun: b.DryRun,
      });
      return c.json({ ...(b.DryRun ? {} : { DatasetId: ds.datasetId }), RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/datasets',
      tags,
      summary: 'ListDatasets: PAI’s filters; PageNumber/PageSize (default 1 and 10) or MaxResults/NextToken; SortBy (default GmtCreateTime) and Order (default ASC)',
      request: {
        query: ListDatasetsQuery,
      },
      responses: {
        200: jsonContent(
          z.object({
            Datasets: z.array(DatasetDto),
            TotalCount: z.number().int(),
            NextToken: z.string().optional().openapi({ description: 'While more follow, unless the request paged by PageNumber/PageSize' }),
            ...RequestIdField,
          }),
          'A page of datasets',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const paging = pagingOf(q);
      const filter = {
        workspaceId: requestedWorkspace(q.WorkspaceId),
        shareScope: q.ShareScope || undefined,
        nameContains: q.Name || undefined,
        edition: q.Edition,
        datasetIds: listOf(q.DatasetIds),
        dataTypes: listOf(q.DataTypes),
        dataSourceTypes: listOf(q.DataSourceTypes),
        properties: listOf(q.Properties),
        labelContains: q.Label || undefined,
        provider: q.Provider || undefined,
        sourceTypes: listOf(q.SourceTypes),
        sourceId: q.SourceId || undefined,
        sourceDatasetId: q.SourceDatasetId || undefined,
        accessibility: q.Accessibility,
        sortBy: q.SortBy ?? 'GmtCreateTime',
        order: orderOf(q.Order) ?? 'ASC',
      } as const;
      const page =
        paging.style === 'number'
          ? await d.datasets.list({ ...filter, maxResults: paging.pageSize, offset: paging.offset })
          : await pageOf(c, d.pageTokens, { listing: 'ListDatasets', query: q }, (nextToken) =>
              d.datasets.list({ ...filter, maxResults: paging.maxResults, nextToken }),
            );
      return c.json(
        {
          Datasets: await Promise.all(page.items.map(withLatest)),
          TotalCount: page.totalCount,
          ...(paging.style === 'token' && page.nextToken ? { NextToken: page.nextToken } : {}),
          RequestId: c.get('requestId'),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/datasets/{DatasetId}',
      tags,
      summary: 'GetDataset: the dataset with its LatestVersion (ListDatasetVersions lists them all)',
      request: { params: DatasetIdParam, query: WorkspaceQuery },
      responses: { 200: jsonContent(DatasetDto.extend(RequestIdField), 'The dataset'), ...errorResponses },
    }),
    async (c) => {
      const { DatasetId } = c.req.valid('param');
      const seen = await d.datasets.seen(DatasetId, requestedWorkspace(c.req.valid('query').WorkspaceId));
      return c.json({ ...(await withLatest(seen)), RequestId: c.get('requestId') }, 200);
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
        query: WorkspaceQuery,
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
      if (b.SharingConfig && b.SharingConfig.SharedTo === undefined) {
        throw invalid('SharingConfig.SharedTo: required (the whole list of shares; [] unshares)', 'SharingConfig.SharedTo');
      }
      await d.datasets.update(
        DatasetId,
        {
          name: b.Name,
          description: b.Description,
          edition: b.Edition,
          options: b.Options,
          accessibility: b.Accessibility,
          accessibleRoleIdList: b.AccessibleRoleIdList,
          mountAccessReadWriteRoleIdList: b.MountAccessReadWriteRoleIdList,
          sharedTo: b.SharingConfig?.SharedTo?.map((e) => ({
            workspaceId: e.WorkspaceId,
            tenantId: e.TenantId,
            sourceWorkspaceId: e.SourceWorkspaceId,
            sourceTenantId: e.SourceTenantId,
            allowedMountAccessLevels: e.AllowedMountAccessLevels,
            expiresAt: e.ExpiresAt,
            isSecureMode: e.IsSecureMode,
            extra: e.Extra,
            sharedAt: e.SharedAt,
            status: e.Status,
          })),
        },
        requestedWorkspace(c.req.valid('query').WorkspaceId),
      );
      return c.json({ RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/v1/datasets/{DatasetId}',
      tags,
      summary: 'DeleteDataset: forgets the dataset, its versions, file metas and jobs (storage is untouched)',
      request: { params: DatasetIdParam, query: WorkspaceQuery },
      responses: { 200: jsonContent(Ok, 'Deleted'), ...errorResponses },
    }),
    async (c) => {
      await d.datasets.delete(c.req.valid('param').DatasetId, requestedWorkspace(c.req.valid('query').WorkspaceId));
      return c.json({ RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/v1/datasets/{DatasetId}/publish',
      tags,
      summary: 'PublishDataset: Accessibility becomes PUBLIC',
      request: { params: DatasetIdParam, query: WorkspaceQuery },
      responses: { 200: jsonContent(Ok, 'Published'), ...errorResponses },
    }),
    async (c) => {
      await d.datasets.publish(c.req.valid('param').DatasetId, requestedWorkspace(c.req.valid('query').WorkspaceId));
      return c.json({ RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/datasets/{DatasetId}/labels',
      tags,
      summary: 'CreateDatasetLabels: adds labels, or sets the Value of a Key it has',
      request: {
        params: DatasetIdParam,
        query: WorkspaceQuery,
        body: { required: true, content: { 'application/json': { schema: LabelsRequest } } },
      },
      responses: { 200: jsonContent(Ok, 'Labelled'), ...errorResponses },
    }),
    async (c) => {
      const { DatasetId } = c.req.valid('param');
      await d.datasets.putLabels(DatasetId, undefined, toLabels(c.req.valid('json').Labels)!, requestedWorkspace(c.req.valid('query').WorkspaceId));
      return c.json({ RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/v1/datasets/{DatasetId}/labels',
      tags,
      summary: 'DeleteDatasetLabels: removes the labels of these keys (LabelKeys, comma-separated)',
      request: { params: DatasetIdParam, query: DeleteDatasetLabelsQuery },
      responses: { 200: jsonContent(Ok, 'Removed'), ...errorResponses },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const keys = listOf(q.LabelKeys);
      if (!keys) throw invalid('LabelKeys: the keys to remove, comma-separated', 'LabelKeys');
      await d.datasets.deleteLabels(c.req.valid('param').DatasetId, undefined, keys, requestedWorkspace(q.WorkspaceId));
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
        query: WorkspaceQuery,
        body: {
          required: false,
          content: { 'application/json': { schema: CreateDatasetVersionRequest } },
        },
      },
      responses: {
        200: jsonContent(z.object({ VersionName: z.string().optional().openapi({ description: 'Absent for a DryRun' }), ...RequestIdField }), 'Created'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { DatasetId } = c.req.valid('param');
      const b = c.req.valid('json') ?? {};
      const v = await d.datasets.createVersion(
        DatasetId,
        {
          uri: b.Uri,
          description: b.Description,
          dataSourceType: b.DataSourceType,
          property: b.Property,
          labels: toLabels(b.Labels),
          options: b.Options,
          sourceType: b.SourceType,
          sourceId: b.SourceId,
          importInfo: b.ImportInfo,
          datasetTaskRamRole: b.DatasetTaskRamRole,
          userMetricsEndpoints: toEndpoints(b.UserMetricsEndpoints),
          dryRun: b.DryRun,
        },
        requestedWorkspace(c.req.valid('query').WorkspaceId),
      );
      return c.json({ ...(b.DryRun ? {} : { VersionName: v.versionName }), RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/datasets/{DatasetId}/versions',
      tags,
      summary: 'ListDatasetVersions: PAI’s filters; PageNumber/PageSize (default 1 and 10); SortBy (default GmtCreateTime) and Order (default ASC)',
      request: { params: DatasetIdParam, query: ListDatasetVersionsQuery },
      responses: {
        200: jsonContent(
          z.object({
            DatasetVersions: z.array(DatasetVersionDto),
            TotalCount: z.number().int(),
            PageNumber: z.number().int(),
            PageSize: z.number().int(),
            ...RequestIdField,
          }),
          'A page of versions',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const paging = pageNumberOf(q);
      const page = await d.datasets.queryVersions(
        c.req.valid('param').DatasetId,
        {
          labelKeys: listOf(q.LabelKeys),
          labelValues: listOf(q.LabelValues),
          properties: listOf(q.Properties),
          sourceId: q.SourceId || undefined,
          sourceTypes: listOf(q.SourceTypes),
          sortBy: q.SortBy,
          order: orderOf(q.Order),
          limit: paging.pageSize,
          offset: paging.offset,
        },
        requestedWorkspace(q.WorkspaceId),
      );
      return c.json(
        {
          DatasetVersions: page.items.map(versionDto),
          TotalCount: page.totalCount,
          PageNumber: paging.pageNumber,
          PageSize: paging.pageSize,
          RequestId: c.get('requestId'),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/datasets/{DatasetId}/versions/{VersionName}',
      tags,
      summary: 'GetDatasetVersion',
      request: { params: VersionParams, query: WorkspaceQuery },
      responses: { 200: jsonContent(DatasetVersionDto.extend(RequestIdField), 'The version'), ...errorResponses },
    }),
    async (c) => {
      const p = c.req.valid('param');
      const v = await d.datasets.getVersion(p.DatasetId, p.VersionName, requestedWorkspace(c.req.valid('query').WorkspaceId));
      return c.json({ ...versionDto(v), RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/v1/datasets/{DatasetId}/versions/{VersionName}',
      tags,
      summary: 'UpdateDatasetVersion (DataCount and DataSize are computed: accepted and ignored)',
      request: {
        params: VersionParams,
        query: WorkspaceQuery,
        body: { required: true, content: { 'application/json': { schema: UpdateDatasetVersionRequest } } },
      },
      responses: { 200: jsonContent(Ok, 'Updated'), ...errorResponses },
    }),
    async (c) => {
      const p = c.req.valid('param');
      const b = c.req.valid('json');
      await d.datasets.updateVersion(
        p.DatasetId,
        p.VersionName,
        { description: b.Description, options: b.Options, datasetTaskRamRole: b.DatasetTaskRamRole, userMetricsEndpoints: toEndpoints(b.UserMetricsEndpoints) },
        requestedWorkspace(c.req.valid('query').WorkspaceId),
      );
      return c.json({ RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/v1/datasets/{DatasetId}/versions/{VersionName}',
      tags,
      summary: 'DeleteDatasetVersion: forgets the version and its file metas (storage is untouched)',
      request: { params: VersionParams, query: WorkspaceQuery },
      responses: { 200: jsonContent(Ok, 'Deleted'), ...errorResponses },
    }),
    async (c) => {
      const p = c.req.valid('param');
      await d.datasets.deleteVersion(p.DatasetId, p.VersionName, requestedWorkspace(c.req.valid('query').WorkspaceId));
      return c.json({ RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/v1/datasets/{DatasetId}/versions/{VersionName}/labels',
      tags,
      summary: 'CreateDatasetVersionLabels: adds labels to the version, or sets the Value of a Key it has',
      request: {
        params: VersionParams,
        query: WorkspaceQuery,
        body: { required: true, content: { 'application/json': { schema: LabelsRequest } } },
      },
      responses: { 200: jsonContent(Ok, 'Labelled'), ...errorResponses },
    }),
    async (c) => {
      const p = c.req.valid('param');
      await d.datasets.putLabels(p.DatasetId, p.VersionName, toLabels(c.req.valid('json').Labels)!, requestedWorkspace(c.req.valid('query').WorkspaceId));
      return c.json({ RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/v1/datasets/{DatasetId}/versions/{VersionName}/labels',
      tags,
      summary: 'DeleteDatasetVersionLabels: removes the version labels of these keys (Keys, comma-separated)',
      request: { params: VersionParams, query: DeleteVersionLabelsQuery },
      responses: { 200: jsonContent(Ok, 'Removed'), ...errorResponses },
    }),
    async (c) => {
      const p = c.req.valid('param');
      const q = c.req.valid('query');
      const keys = listOf(q.Keys);
      if (!keys) throw invalid('Keys: the keys to remove, comma-separated', 'Keys');
      await d.datasets.deleteLabels(p.DatasetId, p.VersionName, keys, requestedWorkspace(q.WorkspaceId));
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
