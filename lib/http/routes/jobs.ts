// Routes: dataset jobs — create, get (with logs and failed files), list, update, stop, delete.
import { createRoute, z } from '@hono/zod-openapi';
import { invalid } from '../../domain/errors.js';
import { JobAction, JobMode, JobSortBy, JobStatusFilter } from '../../domain/job.js';
import { requestedWorkspace } from '../../domain/workspace.js';
import { DatasetJobDto, jobDto } from '../dto.js';
import type { ApiDeps, App } from '../env.js';
import { MaxResultsAlias, PageNumber, PageSize, pagingOf } from '../page-number.js';
import { pageOf } from '../page-tokens.js';
import { DatasetIdParam, NextToken, RequestIdField, errorResponses, freeText, jsonContent } from '../schemas.js';

const tags = ['DatasetJobs'];
const JobParams = DatasetIdParam.extend({ DatasetJobId: z.string().min(1).max(64).openapi({ param: { name: 'DatasetJobId', in: 'path' } }) });
const WorkspaceId = z.string().max(64).optional().openapi({ description: "The dataset's workspace: a dataset of another workspace is not found" });
const VersionName = z.string().min(1).max(16);

/** Log lines per job that ListDatasetJobs' WithLogs adds (the last ones), and at most this many a page. */
export const LIST_LOGS_PER_JOB = 20;
export const LIST_LOGS_PER_PAGE = 2000;

export const CreateDatasetJobRequest = z.object({
  DatasetVersion: VersionName.optional().openapi({ example: 'v1', description: "Default: the dataset's latest version (a revert: its tag job's version)" }),
  JobAction,
  JobMode: JobMode.optional().openapi({ description: 'Full (default) or Increment' }),
  JobSpec: z
    .union([z.string().max(65536), z.record(z.string(), z.unknown())])
    .optional()
    .openapi({ description: "JSON (a string, as PAI sends it, or an object) under PAI's keys; FileMetaBuild: {} or {\"verify\":\"header\"|\"decode\"}" }),
  Description: freeText(1024).optional(),
  WorkspaceId,
});
/** PAI's Python SDK sends a boolean as `True`/`False`, others as `true`/`false`. */
const Bool = z
  .string()
  .regex(/^(true|false)$/i, 'true or false')
  .transform((v) => v.toLowerCase() === 'true');
export const ListDatasetJobsQuery = z.object({
  DatasetVersion: z.string().max(16).optional(),
  JobAction: JobAction.optional(),
  Status: JobStatusFilter.optional().openapi({ description: 'Any PAI status (Starting, Deleting and Deleted match no Loupe job)' }),
  SortBy: JobSortBy.optional().openapi({ description: 'CreateTime (default), FinishTime, Status or JobAction' }),
  Order: z.enum(['ASC', 'DESC', 'asc', 'desc']).optional().openapi({ description: 'DESC (default) or ASC' }),
  WithLogs: Bool.optional().openapi({
    description: `true: each job's last ${LIST_LOGS_PER_JOB} log lines in Logs (fewer on pages of more than ${LIST_LOGS_PER_PAGE / LIST_LOGS_PER_JOB} jobs: ${LIST_LOGS_PER_PAGE} lines a page)`,
  }),
  WorkspaceId,
  PageNumber,
  PageSize,
  MaxResults: MaxResultsAlias,
  NextToken,
});
export const GetDatasetJobQuery = z.object({
  DatasetVersion: z.string().max(16).optional().openapi({ description: 'When given, a job of another version is not found' }),
  WorkspaceId,
  MaxLogs: z.coerce.number().int().min(0).max(10000).default(1000),
  MaxFailedFiles: z.coerce.number().int().min(0).max(10000).default(100),
});
export const UpdateDatasetJobRequest = z.object({
  Description: freeText(1024).optional(),
  DatasetVersion: z.string().max(16).optional().openapi({ description: 'When given, a job of another version is not found' }),
  WorkspaceId,
});
export const StopDatasetJobRequest = z.object({
  DatasetVersion: z.string().max(16).optional().openapi({ description: 'When given, a job of another version is not found' }),
  WorkspaceId,
});

/** PAI sends JobSpec as a JSON string; an object is accepted too. */
function jobSpecOf(raw: unknown): Record<string, unknown> {
  if (raw === undefined || raw === '') return {};
  let v = raw;
  if (typeof raw === 'string') {
    try {
      v = JSON.parse(raw);
    } catch {
      throw invalid('JobSpec: not valid JSON', 'JobSpec');
    }
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid('JobSpec: must be a JSON object', 'JobSpec');
  return v as Record<string, unknown>;
}

/** A JSON body that may be absent (PAI's SDK sends none when every field is unset). */
const optionalBody = <T extends z.ZodType>(schema: T) => ({ required: false, content: { 'application/json': { schema } } });

export function jobRoutes(app: App, d: ApiDeps) {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/datasets/{DatasetId}/datasetjobs',
      tags,
      summary: 'CreateDatasetJob: starts the job (fan-out → queue → consumers)',
      request: {
        params: DatasetIdParam,
        body: {
          required: true,
          content: {
            'application/json': { schema: CreateDatasetJobRequest },
          },
        },
      },
      responses: { 200: jsonContent(z.object({ DatasetJobId: z.string(), ...RequestIdField }), 'Created and started'), ...errorResponses },
    }),
    async (c) => {
      const { DatasetId } = c.req.valid('param');
      const b = c.req.valid('json');
      const job = await d.jobs.create({
        datasetId: DatasetId,
        versionName: b.DatasetVersion,
        workspaceId: requestedWorkspace(b.WorkspaceId),
        jobAction: b.JobAction,
        jobMode: b.JobMode,
        jobSpec: jobSpecOf(b.JobSpec),
        description: b.Description,
      });
      return c.json({ DatasetJobId: job.datasetJobId, RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/datasets/{DatasetId}/datasetjobs',
      tags,
      summary: 'ListDatasetJobs: newest first by default; PageNumber/PageSize (PAI) or MaxResults/NextToken',
      request: {
        params: DatasetIdParam,
        query: ListDatasetJobsQuery,
      },
      responses: {
        200: jsonContent(
          z.object({ DatasetJobs: z.array(DatasetJobDto), TotalCount: z.number().int(), NextToken: z.string().optional(), ...RequestIdField }),
          'A page of jobs',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { DatasetId } = c.req.valid('param');
      const q = c.req.valid('query');
      await d.jobs.datasetIn(DatasetId, requestedWorkspace(q.WorkspaceId));
      const paging = pagingOf(q);
      const filter = {
        datasetId: DatasetId,
        versionName: q.DatasetVersion || undefined,
        jobAction: q.JobAction,
        status: q.Status,
        sortBy: q.SortBy,
        order: q.Order?.toUpperCase() as 'ASC' | 'DESC' | undefined,
      };
      const page =
        paging.style === 'number'
          ? await d.jobs.list({ ...filter, maxResults: paging.pageSize, offset: paging.offset }).then((p) => ({ ...p, nextToken: undefined }))
          : await pageOf(c, d.pageTokens, { listing: 'ListDatasetJobs', query: q }, (nextToken) => d.jobs.list({ ...filter, maxResults: paging.maxResults, nextToken }));
      const perJob = Math.max(1, Math.min(LIST_LOGS_PER_JOB, Math.floor(LIST_LOGS_PER_PAGE / Math.max(1, page.items.length))));
      const logs = q.WithLogs ? await d.jobs.logsOf(page.items.map((j) => j.datasetJobId), perJob) : undefined;
      return c.json(
        {
          DatasetJobs: page.items.map((j) => jobDto(j, logs ? { logs: logs.get(j.datasetJobId) ?? [] } : {})),
          TotalCount: page.totalCount,
          ...(page.nextToken ? { NextToken: page.nextToken } : {}),
          RequestId: c.get('requestId'),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/datasets/{DatasetId}/datasetjobs/{DatasetJobId}',
      tags,
      summary: 'GetDatasetJob: counters, the last log lines and the failed files with their reasons',
      request: {
        params: JobParams,
        query: GetDatasetJobQuery,
      },
      responses: { 200: jsonContent(DatasetJobDto.extend(RequestIdField), 'The job'), ...errorResponses },
    }),
    async (c) => {
      const p = c.req.valid('param');
      const q = c.req.valid('query');
      const job = await d.jobs.getIn(p.DatasetId, p.DatasetJobId, { workspaceId: requestedWorkspace(q.WorkspaceId), versionName: q.DatasetVersion || undefined });
      const [logs, failedFiles] = await Promise.all([d.jobs.logs(job.datasetJobId, q.MaxLogs), d.jobs.failedFiles(job.datasetJobId, q.MaxFailedFiles)]);
      return c.json({ ...jobDto(job, { logs, failedFiles }), RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/v1/datasets/{DatasetId}/datasetjobs/{DatasetJobId}',
      tags,
      summary: 'UpdateDatasetJob: its Description',
      request: { params: JobParams, body: optionalBody(UpdateDatasetJobRequest) },
      responses: { 200: jsonContent(z.object(RequestIdField), 'Updated'), ...errorResponses },
    }),
    async (c) => {
      const p = c.req.valid('param');
      const b = c.req.valid('json') ?? {};
      const job = await d.jobs.getIn(p.DatasetId, p.DatasetJobId, { workspaceId: requestedWorkspace(b.WorkspaceId), versionName: b.DatasetVersion || undefined });
      if (b.Description !== undefined) await d.jobs.updateDescription(job.datasetJobId, b.Description);
      return c.json({ RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/v1/datasets/{DatasetId}/datasetjobs/{DatasetJobId}/action/stop',
      tags,
      summary: 'StopDatasetJob: its remaining batches are dropped (409 when it has ended)',
      request: { params: JobParams, body: optionalBody(StopDatasetJobRequest) },
      responses: { 200: jsonContent(z.object(RequestIdField), 'Stopped'), ...errorResponses },
    }),
    async (c) => {
      const p = c.req.valid('param');
      const b = c.req.valid('json') ?? {};
      await d.jobs.getIn(p.DatasetId, p.DatasetJobId, { workspaceId: requestedWorkspace(b.WorkspaceId), versionName: b.DatasetVersion || undefined });
      await d.jobs.stop(p.DatasetJobId);
      return c.json({ RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/v1/datasets/{DatasetId}/datasetjobs/{DatasetJobId}',
      tags,
      summary: 'DeleteDatasetJob: an ended job with its logs and file outcomes (409 while Pending or Running: stop it first)',
      request: { params: JobParams, query: z.object({ WorkspaceId }) },
      responses: { 200: jsonContent(z.object(RequestIdField), 'Deleted'), ...errorResponses },
    }),
    async (c) => {
      const p = c.req.valid('param');
      await d.jobs.getIn(p.DatasetId, p.DatasetJobId, { workspaceId: requestedWorkspace(c.req.valid('query').WorkspaceId) });
      await d.jobs.delete(p.DatasetJobId);
      return c.json({ RequestId: c.get('requestId') }, 200);
    },
  );
}
