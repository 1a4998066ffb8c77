// ListDatasetFileMetas' parameters on the wire (PAI names): as a GET query (lists comma-separated or
// as a JSON array) and as a JSON body (lists as arrays, plus an uploaded image), both mapped to one
// SearchParams.
import { z } from '@hono/zod-openapi';
import { invalid } from '../domain/errors.js';
import { FILE_SORT_FIELDS } from '../ports/meta-store.js';
import { MAX_TOP_K } from '../dsl/parser.js';
import { MAX_QUERY_IMAGE_BYTES, type SearchResult } from '../services/search.js';
export { searchParamsOf } from '../services/search-request.js';
import { NextToken } from './schemas.js';

const Version = z
  .string()
  .regex(/^v[1-9][0-9]*$/, 'a version name is v1, v2, …')
  .optional()
  .openapi({ description: "PAI requires it; absent: the dataset's latest version (as CreateDatasetJob's default)" });
const Time = z.string().max(64).optional().openapi({ description: 'ISO 8601 instant, e.g. 2025-02-28T00:00:00Z' });
const List = z
  .union([z.string().max(16_384), z.array(z.string().max(1024)).max(1000)])
  .optional()
  .openapi({ description: 'Comma-separated, or a JSON array of strings (for values containing commas)' });

/** The conditions shared by ListDatasetFileMetas and GetDatasetFileMetasStatistics. */
export const FilterParams = z.object({
  DatasetVersion: Version,
  WorkspaceId: z.string().max(64).optional().openapi({ description: "Only when the dataset is in this workspace (else 404); absent: any" }),
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
  QueryFileTypeIncludeAny: List.openapi({ description: 'FileType any of these: image, video, audio, text, application' }),
  QueryContentTypeIncludeAny: List.openapi({ description: 'ContentType any of these, e.g. image/png,image/jpeg' }),
  Status: z
    .string()
    .max(128)
    .optional()
    .openapi({
      description:
        "PAI's ACTIVE, ALL (every status) or DELETED, or a comma list of PENDING, ACTIVE, FAILED, SKIPPED (not images), DELETED. " +
        'Default: PENDING, ACTIVE, FAILED (the images not deleted); a QueryExpression that names Status decides alone',
    }),
  QueryVideo: z.string().max(2048).optional().openapi({ description: 'Refused: Loupe has no video search' }),
});

const SearchFields = {
  QueryType: z.enum(['MIX', 'TAG', 'VECTOR']).optional().openapi({ description: 'Default MIX with a text or image query, else TAG' }),
  QueryText: z.string().min(1).max(2048).optional().openapi({ description: 'Text to image search (embedded by the index config’s model)' }),
  QueryImage: z.string().max(2048).optional().openapi({ description: 'Image to image search: the URI of an image in an object store' }),
  TopK: z.coerce.number().int().min(1).max(MAX_TOP_K).optional().openapi({ description: `Vector results, 1..${MAX_TOP_K}, default 100` }),
  ScoreThreshold: z.coerce.number().min(-1).max(1).optional().openapi({ description: 'Only results with a cosine Score strictly above it' }),
  SortBy: z.enum([...FILE_SORT_FIELDS, 'Score']).optional().openapi({ description: 'Default Score for a vector query, else FileUpdateTime' }),
  Order: z.enum(['ASC', 'DESC']).optional().openapi({ description: 'Default DESC' }),
  MaxResults: z.coerce.number().int().min(1).max(1000).optional().openapi({ description: '1..1000 (PAI: 1..100), default 100' }),
  PageSize: z.coerce.number().int().min(1).max(1000).optional().openapi({ description: "PAI's deprecated page size: used when MaxResults is absent" }),
  PageNumber: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000_000_000)
    .optional()
    .openapi({ description: 'Random access: the page of this number (from 1) at the page size, i.e. results from (PageNumber − 1) × size on; not with NextToken' }),
  NextToken,
  ThumbnailMode: z.string().max(128).optional().openapi({ description: 'p_{1..100}, w_, h_, m_lfit|m_mfit|m_fill|m_pad|m_fixed (default m_lfit,w_256,h_256)' }),
};

/** A page's size: MaxResults, else PAI's deprecated PageSize, else 100. */
export const DEFAULT_MAX_RESULTS = 100;
export const pageSizeOf = (q: { MaxResults?: number; PageSize?: number }): number => q.MaxResults ?? q.PageSize ?? DEFAULT_MAX_RESULTS;

/** PageNumber's first result index (undefined: token paging); with NextToken a 400. */
export function pageOffsetOf(q: { PageNumber?: number; NextToken?: string; MaxResults?: number; PageSize?: number }): number | undefined {
  if (q.PageNumber === undefined) return undefined;
  if (q.NextToken) throw invalid('PageNumber and NextToken are two ways to page: use one of them', 'NextToken');
  return (q.PageNumber - 1) * pageSizeOf(q);
}

export const SearchQueryParams = FilterParams.extend(SearchFields);
export const SearchBody = FilterParams.extend({
  ...SearchFields,
  MaxResults: z.number().int().min(1).max(1000).optional(),
  PageSize: z.number().int().min(1).max(1000).optional(),
  PageNumber: z.number().int().min(1).max(1_000_000_000).optional(),
  TopK: z.number().int().min(1).max(MAX_TOP_K).optional(),
  ScoreThreshold: z.number().min(-1).max(1).optional(),
  QueryImageData: z
    .string()
    .max(Math.ceil((MAX_QUERY_IMAGE_BYTES * 4) / 3) + 4)
    .optional()
    .openapi({ description: 'An uploaded query image, base64 (optionally as a data: URL)' }),
}).strict();

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
