// Routes: retrieval evaluation — the version's labelled images, one text query per tag, P@K / R@K / mAP per index.
import { createRoute, z } from '@hono/zod-openapi';
import { MAX_TOP_K } from '../../dsl/parser.js';
import { DEFAULT_KS, type EvaluationResult } from '../../services/evaluation.js';
import type { ApiDeps, App } from '../env.js';
import { DatasetIdParam, RequestIdField, errorResponses, jsonContent, lineText } from '../schemas.js';

const ByK = z.record(z.string(), z.number()).openapi({ description: 'K → value', example: { '1': 0.35, '5': 0.52 } });

export const EvaluationIndexDto = z.object({
  Name: lineText(64, 1).optional().openapi({ description: 'Shown in the results; default IndexName. Unique within a request.' }),
  IndexName: z.string().regex(/^[a-z0-9_-]{1,64}$/, 'lower-case letters, digits, _ and -'),
  EmbeddingConnectionId: z.string().min(1).max(64).openapi({ description: 'The model that embedded the index (it embeds the queries too); needs a text side' }),
  VectorConnectionId: z.string().min(1).max(64),
  ModelName: lineText(128, 1).optional(),
});

export const CreateEvaluationRequest = z.object({
  DatasetVersion: z.string().min(1).max(16).default('v1'),
  LabelsUri: lineText(2048, 1)
    .optional()
    .openapi({
      description:
        'JSON lines {"image_id", "tags": [...], "file"?} (at most 50 MB); an image is `file` relative to the labels file folder, else images/<image_id>[.ext]. Default: <version Uri>dataset.jsonl',
    }),
  Indexes: z.array(EvaluationIndexDto).min(1).max(8).optional().openapi({ description: 'Indexes to compare, in this order. Default: the dataset index config' }),
  Ks: z
    .array(z.number().int().min(1).max(MAX_TOP_K))
    .min(1)
    .max(20)
    .default(DEFAULT_KS)
    .openapi({ description: `Cut-offs; each query retrieves max(Ks) results. Default ${JSON.stringify(DEFAULT_KS)}` }),
  TargetPrecision: z.number().gt(0).max(1).optional().openapi({ description: 'Also find the lowest ScoreThreshold whose pooled results reach this precision' }),
});

const ThresholdDto = z.object({
  TargetPrecision: z.number(),
  ScoreThreshold: z.number().openapi({ description: 'Keep results scoring strictly more (as ScoreThreshold in a search)' }),
  Precision: z.number(),
  Recall: z.number().openapi({ description: 'Relevant results kept / all relevant (tag, image) pairs' }),
});

const IndexEvaluationDto = z.object({
  Name: z.string(),
  IndexName: z.string(),
  EmbedderId: z.string(),
  PrecisionAtK: ByK.openapi({ description: 'Mean over tags of hits in the first K / K (K even when fewer came back)' }),
  RecallAtK: ByK.openapi({ description: 'Mean over tags of hits in the first K / images carrying the tag' }),
  MAP: z.number().openapi({ description: 'Mean over tags of AP@max(Ks): precision at each relevant rank, divided by min(relevant, max K)' }),
  Threshold: ThresholdDto.nullable().optional().openapi({ description: 'With TargetPrecision: null when no threshold reaches it' }),
  PerQuery: z.array(z.object({ Tag: z.string(), Relevant: z.number().int(), PrecisionAtK: ByK, RecallAtK: ByK, AP: z.number() })),
});

export const EvaluationResponse = z
  .object({
    DatasetId: z.string(),
    DatasetVersion: z.string(),
    LabelsUri: z.string(),
    Images: z.number().int().openapi({ description: 'Lines of the labels file' }),
    Matched: z.number().int().openapi({ description: 'Labelled images found among the version files: the only ones searched and judged' }),
    Queries: z.number().int().openapi({ description: 'Distinct tags of the matched images, one text query each' }),
    Ks: z.array(z.number().int()),
    Indexes: z.array(IndexEvaluationDto),
    ...RequestIdField,
  })
  .openapi('Evaluation');

const byK = (ks: number[], values: Record<number, number>) => Object.fromEntries(ks.map((k) => [String(k), values[k]!]));

export function evaluationDto(r: EvaluationResult) {
  return {
    DatasetId: r.datasetId,
    DatasetVersion: r.versionName,
    LabelsUri: r.labelsUri,
    Images: r.images,
    Matched: r.matched,
    Queries: r.queries,
    Ks: r.ks,
    Indexes: r.indexes.map((x) => ({
      Name: x.name,
      IndexName: x.indexName,
      EmbedderId: x.embedderId,
      PrecisionAtK: byK(r.ks, x.precisionAtK),
      RecallAtK: byK(r.ks, x.recallAtK),
      MAP: x.map,
      ...(x.threshold !== undefined
        ? {
            Threshold: x.threshold && {
              TargetPrecision: x.threshold.targetPrecision,
              ScoreThreshold: x.threshold.scoreThreshold,
              Precision: x.threshold.precision,
              Recall: x.threshold.recall,
            },
          }
        : {}),
      PerQuery: x.perQuery.map((q) => ({ Tag: q.query, Relevant: q.relevant, PrecisionAtK: byK(r.ks, q.precisionAtK), RecallAtK: byK(r.ks, q.recallAtK), AP: q.ap })),
    })),
  };
}

export function evaluationRoutes(app: App, d: ApiDeps) {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/datasets/{DatasetId}/evaluations',
      tags: ['Evaluation'],
      summary: 'Evaluate text → image retrieval against labels: each tag is a query, the images carrying it are relevant; P@K, R@K, mAP per index',
      request: { params: DatasetIdParam, body: { required: true, content: { 'application/json': { schema: CreateEvaluationRequest } } } },
      responses: { 200: jsonContent(EvaluationResponse, 'The metrics, per index in the order given, and per tag'), ...errorResponses },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const result = await d.evaluation.evaluate({
        datasetId: c.req.valid('param').DatasetId,
        versionName: b.DatasetVersion,
        ...(b.LabelsUri !== undefined ? { labelsUri: b.LabelsUri } : {}),
        ...(b.Indexes
          ? {
              indexes: b.Indexes.map((x) => ({
                ...(x.Name !== undefined ? { name: x.Name } : {}),
                indexName: x.IndexName,
                embeddingConnectionId: x.EmbeddingConnectionId,
                vectorConnectionId: x.VectorConnectionId,
                ...(x.ModelName !== undefined ? { modelName: x.ModelName } : {}),
              })),
            }
          : {}),
        ks: b.Ks,
        ...(b.TargetPrecision !== undefined ? { targetPrecision: b.TargetPrecision } : {}),
      });
      return c.json({ ...evaluationDto(result), RequestId: c.get('requestId') }, 200);
    },
  );
}
