// Routes: a dataset's scheduled-reindex setting (opt in, read, opt out). The schedule itself is the
// reindex function's timer trigger (s.yaml), or LOUPE_REINDEX_SCHEDULE locally.
import { createRoute, z } from '@hono/zod-openapi';
import { JobMode } from '../../domain/job.js';
import { ReindexAction, type ReindexSetting } from '../../domain/reindex.js';
import type { ApiDeps, App } from '../env.js';
import { DatasetIdParam, RequestIdField, errorResponses, jsonContent } from '../schemas.js';

const tags = ['Reindex'];
const path = '/api/v1/datasets/{DatasetId}/reindexconfig';

export const ReindexActionDto = z.object({
  JobAction: ReindexAction,
  JobSpec: z
    .record(z.string(), z.unknown())
    .optional()
    .openapi({ description: "The action's JobSpec, as CreateDatasetJob takes it; resolved anew at each run" }),
});

export const PutReindexConfigRequest = z
  .object({
    JobMode,
    Actions: z.array(ReindexActionDto).min(1).max(3).openapi({ description: 'Started in this order at each scheduled run' }),
    DatasetVersion: z.string().min(1).max(16).optional().openapi({ description: "Default: the dataset's newest version at each run" }),
  })
  .openapi('PutReindexConfigRequest');

export const ReindexConfigDto = z
  .object({
    DatasetId: z.string(),
    JobMode,
    Actions: z.array(z.object({ JobAction: ReindexAction, JobSpec: z.record(z.string(), z.unknown()) })),
    DatasetVersion: z.string().nullable().openapi({ description: 'null: the newest version at each run' }),
    GmtCreateTime: z.string(),
    GmtModifiedTime: z.string(),
    LastRunTime: z.string().nullable(),
  })
  .openapi('ReindexConfig');

export const ReindexConfigResponse = ReindexConfigDto.extend(RequestIdField);

const reindexConfigDto = (s: ReindexSetting): z.infer<typeof ReindexConfigDto> => ({
  DatasetId: s.datasetId,
  JobMode: s.jobMode,
  Actions: s.actions.map((a) => ({ JobAction: a.jobAction, JobSpec: a.jobSpec })),
  DatasetVersion: s.versionName,
  GmtCreateTime: s.createTime,
  GmtModifiedTime: s.updateTime,
  LastRunTime: s.lastRunTime,
});

export function reindexRoutes(app: App, d: ApiDeps) {
  app.openapi(
    createRoute({
      method: 'put',
      path,
      tags,
      summary: 'Opt the dataset in to scheduled reindexing (or replace its setting); every action is checked as CreateDatasetJob would',
      request: { params: DatasetIdParam, body: { required: true, content: { 'application/json': { schema: PutReindexConfigRequest } } } },
      responses: { 200: jsonContent(ReindexConfigResponse, 'Saved'), ...errorResponses },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const s = await d.reindex.put(c.req.valid('param').DatasetId, {
        jobMode: b.JobMode,
        actions: b.Actions.map((a) => ({ jobAction: a.JobAction, jobSpec: a.JobSpec })),
        versionName: b.DatasetVersion,
      });
      return c.json({ ...reindexConfigDto(s), RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path,
      tags,
      summary: "The dataset's scheduled-reindex setting (404 when it has not opted in)",
      request: { params: DatasetIdParam },
      responses: { 200: jsonContent(ReindexConfigResponse, 'The setting'), ...errorResponses },
    }),
    async (c) => {
      const s = await d.reindex.get(c.req.valid('param').DatasetId);
      return c.json({ ...reindexConfigDto(s), RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path,
      tags,
      summary: 'Opt the dataset out of scheduled reindexing (jobs already started go on)',
      request: { params: DatasetIdParam },
      responses: { 200: jsonContent(z.object(RequestIdField), 'Deleted'), ...errorResponses },
    }),
    async (c) => {
      await d.reindex.delete(c.req.valid('param').DatasetId);
      return c.json({ RequestId: c.get('requestId') }, 200);
    },
  );
}
