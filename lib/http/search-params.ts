// ListDatasetFileMetas' parameters on the wire (PAI names): as a GET query (lists comma-separated or
// as a JSON array) and as a JSON body (lists as arrays, plus an uploaded image), both mapped to one
// SearchParams.
import { z } from '@hono/zod-openapi';
import { invalid } from '../domain/errors.js';
import { FileStatus } from '../domain/file-meta.js';
import { FILE_SORT_FIELDS } from '../ports/meta-store.js';
import { MAX_TOP_K } from '../dsl/parser.js';
import { MAX_QUERY_IMAGE_BYTES, type SearchParams, type SearchResult } from '../services/search.js';
import { MaxResults, NextToken } from './schemas.js';

const Version = z.string().regex(/^v[1-9][0-9]*$/, 'a version name is v1, v2, …').default('v1').openapi({ description: 'Default v1' });
const Time = z.string().max(64).optional().openapi({ description: 'ISO 8601 instant, e.g. 2025-02-28T00:00:00Z' });
const List = z
  .union([z.string().max(16_384), z.array(z.string().max(1024)).max(1000)])
  .optional()
  .openapi({ description: 'Comma-separated, or a JSON array of strings (for values containing commas)' });

/** The conditions shared by ListDatasetFileMetas and GetDatasetFileMetasStatistics. */
export const FilterParams = z.object({
  DatasetVersion: Version,
  QueryTagsIncludeAny: List.openapi({ description: 'Files with at least one of these tags (Tags.all)' }),
  QueryTagsIncludeAll: List.openapi({ description: 'Files with every one of these tags (Tags.all)' }),
  QueryTagsExclude: List.openapi({ description: 'Files with none of these tags (Tags.all)' }),
  QueryFileName: z.string().max(512).optional().openapi({ description: 'Substring of FileName (case-insensitive)' }),
  QueryFileDir: z.string().max(1024).optional().openapi({ description: 'Substring of FileDir (case-insensitive)' }),
  StartFileUpdateTime: Time,
  EndFileUpdateTime: Time,
  StartTagUpdateTime: Time,
  EndTagUpdateTime: Time,
  QueryExpression: z
    .string()
    .max(8192)
    .optional()
    .openapi({ description: 'The query language, e.g. FileDir:"blue_car" AND NOT Tags.all="rainy" AND Content:"a red car" AND TopK=10' }),
  DatasetFileMetaIds: List.openapi({ description: 'Only these files' }),
  Status: z.string().optional().openapi({ description: 'Comma-separated: PENDING, ACTIVE, FAILED, DELETED (default: all but DELETED)' }),
});

const SearchFields = {
  QueryType: z.enum(['MIX', 'TAG', 'VECTOR']).optional().openapi({ description: 'Default MIX with a text or image query, else TAG' }),
  QueryText: z.string().min(1).max(2048).optional().openapi({ description: 'Text to image search (embedded by the index config’s model)' }),
  QueryImage: z.string().max(2048).optional().openapi({ description: 'Image to image search: the URI of an image in an object store' }),
  TopK: z.coerce.number().int().min(1).max(MAX_TOP_K).optional().openapi({ description: `Vector results, 1..${MAX_TOP_K}, default 100` }),
  ScoreThreshold: z.coerce.number().min(-1).max(1).optional().openapi({ description: 'Only results with a cosine Score strictly above it' }),
  SortBy: z.enum([...FILE_SORT_FIELDS, 'Score']).optional().openapi({ description: 'Default Score for a vector query, else FileUpdateTime' }),
  Order: z.enum(['ASC', 'DESC']).optional().openapi({ description: 'Default DESC' }),
  MaxResults,
  NextToken,
  ThumbnailMode: z.string().max(128).optional(),
};

export const SearchQueryParams = FilterParams.extend(SearchFields);
export const SearchBody = FilterParams.extend({
  ...SearchFields,
  MaxResults: z.number().int().min(1).max(1000).default(100),
  TopK: z.number().int().min(1).max(MAX_TOP_K).optional(),
  ScoreThreshold: z.number().min(-1).max(1).optional(),
  QueryImageData: z
    .string()
    .max(Math.ceil((MAX_QUERY_IMAGE_BYTES * 4) / 3) + 4)
    .optional()
    .openapi({ description: 'An uploaded query image, base64 (optionally as a data: URL)' }),
}).strict();

type FilterInput = z.infer<typeof FilterParams> & Partial<Pick<z.infer<typeof SearchQueryParams>, 'QueryType' | 'QueryText' | 'TopK' | 'ScoreThreshold' | 'SortBy' | 'Order' | 'NextToken'>> & { MaxResults: number };

export function searchParamsOf(datasetId: string, q: FilterInput, queryImage: SearchParams['queryImage']): SearchParams {
  const p: SearchParams = {
    datasetId,
    versionName: q.DatasetVersion,
    maxResults: q.MaxResults,
    queryType: q.QueryType,
    queryText: q.QueryText,
    queryImage,
    topK: q.TopK,
    scoreThreshold: q.ScoreThreshold,
    tagsAny: listOf(q.QueryTagsIncludeAny, 'QueryTagsIncludeAny'),
    tagsAll: listOf(q.QueryTagsIncludeAll, 'QueryTagsIncludeAll'),
    tagsExclude: listOf(q.QueryTagsExclude, 'QueryTagsExclude'),
    fileNameContains: q.QueryFileName || undefined,
    fileDirContains: q.QueryFileDir || undefined,
    startFileUpdateTime: instant(q.StartFileUpdateTime, 'StartFileUpdateTime'),
    endFileUpdateTime: instant(q.EndFileUpdateTime, 'EndFileUpdateTime'),
    startTagUpdateTime: instant(q.StartTagUpdateTime, 'StartTagUpdateTime'),
    endTagUpdateTime: instant(q.EndTagUpdateTime, 'EndTagUpdateTime'),
    expression: q.QueryExpression,
    ids: listOf(q.DatasetFileMetaIds, 'DatasetFileMetaIds'),
    statuses: statusesOf(q.Status),
    sortBy: q.SortBy,
    order: q.Order,
    nextToken: q.NextToken,
  };
  return Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as unknown as SearchParams;
}

/** `a,b` or `["a","b"]` → the list; empty entries are dropped. */
function listOf(value: string | string[] | undefined, field: string): string[] | undefined {
  if (value === undefined) return undefined;
  let list: unknown = value;
  if (typeof value === 'string') {
    if (value.trimStart().startsWith('[')) {
      try {
        list = JSON.parse(value);
      } catch {
        throw invalid(`${field}: not a JSON array of strings`, field);
      }
    } else list = value.split(',');
  }
  if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) throw invalid(`${field}: not a JSON array of strings`, field);
  const out = (list as string[]).map((x) => x.trim()).filter(Boolean);
  if (out.length > 1000) throw invalid(`${field}: at most 1000 entries`, field);
  return out.length ? out : undefined;
}

export function instant(value: string | undefined, field: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  const t = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(t)) throw invalid(`${field}: not an ISO 8601 time: '${value}'`, field);
  return new Date(t).toISOString();
}

/** `Status=ACTIVE,FAILED` → the statuses; an unknown one is a 400 naming `Status`. */
export function statusesOf(value: string | undefined): FileStatus[] | undefined {
  if (value === undefined || value === '') return undefined;
  return value.split(',').map((s) => {
    const r = FileStatus.safeParse(s.trim().toUpperCase());
    if (!r.success) throw invalid(`Status: unknown status '${s}' (PENDING, ACTIVE, FAILED, DELETED)`, 'Status');
    return r.data;
  });
}

/** An uploaded image: base64, optionally a `data:image/…;base64,` URL. */
export function base64Image(text: string): Buffer {
  const b64 = text.replace(/^data:image\/[\w.+-]+;base64,/, '');
  if (!/^[A-Za-z0-9+/\r\n]*={0,2}\s*$/.test(b64)) throw invalid('QueryImageData: not base64', 'QueryImageData');
  const data = Buffer.from(b64, 'base64');
  if (data.length === 0) throw invalid('QueryImageData: empty image', 'QueryImageData');
  return data;
}

export const VectorSearchDto = z
  .object({
    TopK: z.number().int(),
    Returned: z.number().int(),
    IndexName: z.string(),
    EmbedderId: z.string(),
    Shortfall: z
      .object({ Reason: z.enum(['Filter', 'ScoreThreshold', 'IndexSize']), Message: z.string() })
      .optional()
      .openapi({ description: 'Why fewer than TopK came back' }),
  })
  .openapi('VectorSearch');

export function vectorSearchDto(v: NonNullable<SearchResult['vector']>): z.infer<typeof VectorSearchDto> {
  return {
    TopK: v.topK,
    Returned: v.returned,
    IndexName: v.indexName,
    EmbedderId: v.embedderId,
    ...(v.shortfall ? { Shortfall: { Reason: v.shortfall.reason, Message: v.shortfall.message } } : {}),
  };
}
