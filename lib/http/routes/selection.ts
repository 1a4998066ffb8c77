// Routes: the console's selection over a search, resolved by the server (console.md §5) — how many it
// selects and the first ids (resolveselection), and user tags added or removed on all of them
// (updatetags). A selection names its search as ListDatasetFileMetas' fields; an uploaded query image
// cannot be named so, and is refused.
import { createRoute, z } from '@hono/zod-openapi';
import { invalid } from '../../domain/errors.js';
import { MAX_SELECTION_IDS, MAX_SELECTION_RANGES, type Selection } from '../../domain/selection.js';
import { TagList } from '../../services/file-meta-input.js';
import { MAX_RESOLVED_IDS } from '../../services/selection.js';
import type { SearchParams } from '../../services/search.js';
import type { ApiDeps, App } from '../env.js';
import { DatasetIdParam, RequestIdField, errorResponses, jsonContent } from '../schemas.js';
import { SearchQueryParams, searchParamsOf } from '../search-params.js';

const tags = ['DatasetFileMetas'];

/** How a page was asked for: no part of which files a selection means. */
const PAGING_FIELDS = ['MaxResults', 'PageSize', 'PageNumber', 'NextToken', 'ThumbnailMode'] as const;

/**
 * ListDatasetFileMetas' fields as the console sends them (its list request, nulls for unset fields;
 * paging ignored). Strict: a misspelt condition must not silently widen what a bulk change touches.
 */
const SelectionQuery = z
  .preprocess(
    (v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null && x !== undefined)) : v),
    SearchQueryParams.extend({ QueryImageData: z.unknown().optional() })
      .strict()
      .superRefine((q, ctx) => {
        if (q.QueryImageData !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['QueryImageData'],
            message: 'an uploaded query image cannot be resolved again: search by a dataset file (QueryImage) to select among the results',
          });
        }
      }),
  )
  .openapi({ description: "The search, as ListDatasetFileMetas' fields (DatasetVersion, QueryExpression, QueryImage, …); paging fields are ignored" });

const Index = z.number().int().min(0);
export const SelectionDto = z
  .object({
    Query: SelectionQuery,
    All: z.boolean().optional().openapi({ description: 'Every result of Query' }),
    Ranges: z
      .array(z.tuple([Index, Index]).refine(([a, b]) => a <= b, 'a range is [start, end] with start ≤ end'))
      .max(MAX_SELECTION_RANGES)
      .optional()
      .openapi({ description: `Inclusive 0-based result indexes under Query's order, [start, end] (at most ${MAX_SELECTION_RANGES})` }),
    Included: z.array(z.string().min(1).max(128)).max(MAX_SELECTION_IDS).optional().openapi({ description: 'Selected besides the ranges' }),
    Excluded: z.array(z.string().min(1).max(128)).max(MAX_SELECTION_IDS).optional().openapi({ description: 'Never selected (wins over the rest)' }),
  })
  .strict()
  .openapi('Selection');

const ResolveRequest = z
  .object({
    Selection: SelectionDto,
    MaxIds: z.number().int().min(0).max(MAX_RESOLVED_IDS).optional().openapi({ description: `The most ids returned, in Query's order (default 1000, at most ${MAX_RESOLVED_IDS})` }),
  })
  .strict()
  .openapi('ResolveSelectionRequest');

const UpdateTagsRequest = z
  .object({
    Selection: SelectionDto,
    AddTags: TagList.optional().openapi({ description: 'Added to Tags.user (and taken out of user-delete-ai-tags: an AI tag removed before shows again)' }),
    RemoveTags: TagList.optional().openapi({ description: 'Taken out of Tags.user; an AI tag of the file is recorded in user-delete-ai-tags' }),
  })
  .strict()
  .openapi('UpdateSelectionTagsRequest');

export function selectionRoutes(app: App, d: ApiDeps) {
  /** The selection's search and the selection itself, checked. */
  const resolved = async (datasetId: string, dto: z.infer<typeof SelectionDto>): Promise<{ params: SearchParams; selection: Selection }> => {
    const q = Object.fromEntries(Object.entries(dto.Query).filter(([k]) => !(PAGING_FIELDS as readonly string[]).includes(k))) as z.infer<typeof SearchQueryParams>;
    const version = q.DatasetVersion ?? (await d.datasets.latestVersion(datasetId))?.versionName ?? 'v1';
    const params = searchParamsOf(datasetId, { ...q, DatasetVersion: version, MaxResults: 1 }, q.QueryImage ? { uri: q.QueryImage } : undefined);
    const selection: Selection = {
      ...(dto.All !== undefined ? { all: dto.All } : {}),
      ...(dto.Ranges ? { ranges: dto.Ranges } : {}),
      ...(dto.Included ? { included: dto.Included } : {}),
      ...(dto.Excluded ? { excluded: dto.Excluded } : {}),
    };
    return { params, selection };
  };

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/datasets/{DatasetId}/datasetfilemetas/action/resolveselection',
      tags,
      summary: "A selection over a search's results: how many files it selects, and the first MaxIds of them in the search's order",
      request: { params: DatasetIdParam, body: { required: true, content: { 'application/json': { schema: ResolveRequest } } } },
      responses: {
        200: jsonContent(z.object({ TotalCount: z.number().int(), DatasetFileMetaIds: z.array(z.string()), ...RequestIdField }), 'The selected files'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const { params, selection } = await resolved(c.req.valid('param').DatasetId, b.Selection);
      const r = await d.selection.resolve(params, selection, b.MaxIds ?? 1000);
      return c.json({ TotalCount: r.totalCount, DatasetFileMetaIds: r.ids, RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/datasets/{DatasetId}/datasetfilemetas/action/updatetags',
      tags,
      summary: 'Adds and removes user tags on every file a selection selects (as UpdateDatasetFileMetas does on one file)',
      request: { params: DatasetIdParam, body: { required: true, content: { 'application/json': { schema: UpdateTagsRequest } } } },
      responses: {
        200: jsonContent(
          z.object({
            Updated: z.number().int().openapi({ description: 'Files whose tags changed' }),
            Selected: z.number().int().openapi({ description: 'Files the selection selected (those that had the tags already are not Updated)' }),
            ...RequestIdField,
          }),
          'Done',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const add = b.AddTags ?? [];
      const remove = b.RemoveTags ?? [];
      if (!add.length && !remove.length) throw invalid('give AddTags, RemoveTags or both', 'AddTags');
      const both = add.find((t) => remove.includes(t));
      if (both !== undefined) throw invalid(`'${both}' is both added and removed: give it in one of AddTags and RemoveTags`, 'RemoveTags');
      const { params, selection } = await resolved(c.req.valid('param').DatasetId, b.Selection);
      const r = await d.selection.updateTags(params, selection, { add, remove });
      return c.json({ Updated: r.updated, Selected: r.selected, RequestId: c.get('requestId') }, 200);
    },
  );
}
