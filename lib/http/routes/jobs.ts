// Routes: dataset jobs — create, get (with logs and failed files), list, stop.
import { createRoute, z } from '@hono/zod-openapi';
import { invalid, notFound } from '../../domain/errors.js';
import { JobAction, JobMode, JobStatus } from '../../domain/job.js';
import { DatasetJobDto, jobDto } from '../dto.js';
import type { ApiDeps, App } from '../env.js';
import { pageOf } from '../page-tokens.js';
import { DatasetIdParam, MaxResults, NextToken, RequestIdField, errorResponses, freeText, jsonContent } from '../schemas.js';

const tags = ['DatasetJobs'];
const JobParams = DatasetIdParam.extend({ DatasetJobId: z.string().min(1).max(64).openapi({ param: { name: 'DatasetJobId', in: 'path' } }) });

export const CreateDatasetJobRequest = z.object({
  DatasetVersion: z.string().min(1).max(16).openapi({ example: 'v1' }),
  JobAction,
  JobMode: JobMode.optional().openapi({ description: 'Full (default) or Increment' }),
  JobSpec: z
    .union([z.string().max(65536), z.record(z.string(), z.unknown())])
    .optional()
    .openapi({ description: 'JSON; FileMetaBuild: {"verify":"header"|"decode","batchSize":1..1000}' }),
  Description: freeText(1024).optional(),
});
export const ListDatasetJobsQuery = z.object({
  DatasetVersion: z.string().max(16).optional(),
  JobAction: JobAction.optional(),
  Status: JobStatus.optional(),
  MaxResults,
  NextToken,
});
export const GetDatasetJobQuery = z.object({
  MaxLogs: z.coerce.number().int().min(0).max(10000).default(1000),
  MaxFailedFiles: z.coerce.number().int().min(0).max(10000).default(100),
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

export function jobRoutes(app: App, d: ApiDeps) {
  const ownJob = async (datasetId: string, jobId: string) => {
    const job = await d.jobs.get(jobId);
    if (job.datasetId !== datasetId) throw notFound('DatasetJob', jobId);
    return job;
  };

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
      summary: 'ListDatasetJobs, newest first',
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
      await d.datasets.get(DatasetId);
      const page = await pageOf(c, d.pageTokens, { listing: 'ListDatasetJobs', query: q }, (nextToken) =>
        d.jobs.list({ datasetId: DatasetId, versionName: q.DatasetVersion, jobAction: q.JobAction, status: q.Status, maxResults: q.MaxResults, nextToken }),
      );
      return c.json(
        { DatasetJobs: page.items.map((j) => jobDto(j)), TotalCount: page.totalCount, NextToken: page.nextToken, RequestId: c.get('requestId') },
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
      const job = await ownJob(p.DatasetId, p.DatasetJobId);
      const [logs, failedFiles] = await Promise.all([d.jobs.logs(job.datasetJobId, q.MaxLogs), d.jobs.failedFiles(job.datasetJobId, q.MaxFailedFiles)]);
      return c.json({ ...jobDto(job, { logs, failedFiles }), RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/v1/datasets/{DatasetId}/datasetjobs/{DatasetJobId}/action/stop',
      tags,
      summary: 'StopDatasetJob: its remaining batches are dropped',
      request: { params: JobParams },
      responses: { 200: jsonContent(z.object(RequestIdField), 'Stopped'), ...errorResponses },
    }),
    async (c) => {
      const p = c.req.valid('param');
      await ownJob(p.DatasetId, p.DatasetJobId);
      await d.jobs.stop(p.DatasetJobId);
      return c.json({ RequestId: c.get('requestId') }, 200);
    },
  );
}
