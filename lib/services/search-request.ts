// ListDatasetFileMetas' parameters under their wire (PAI) names → SearchParams. Shared by the API and
// by export jobs, whose JobSpec carries a search in the same form. The API's own zod schemas (with
// their OpenAPI descriptions) live in lib/http/search-params.ts; WireSearch is the JobSpec's.
import { z } from 'zod';
import { invalid } from '../domain/errors.js';
import { statusFilterOf, type FileStatus } from '../domain/file-meta.js';
import { requestedWorkspace } from '../domain/workspace.js';
import { MAX_TOP_K } from '../dsl/parser.js';
import { FILE_SORT_FIELDS } from '../ports/meta-store.js';
import type { SearchParams } from './search.js';

const List = z.union([z.string().max(16_384), z.array(z.string().max(1024)).max(100_000)]).optional();
const Text = (max: number) => z.string().max(max).optional();

/** A search as an export's JobSpec carries it (the version is the job's; no paging, no upload). */
export const WireSearch = z
  .object({
    QueryType: z.enum(['MIX', 'TAG', 'VECTOR']).optional(),
    QueryText: z.string().min(1).max(2048).optional(),
    QueryImage: Text(2048),
    TopK: z.number().int().min(1).max(MAX_TOP_K).optional(),
    ScoreThreshold: z.number().min(-1).max(1).optional(),
    QueryTagsIncludeAny: List,
    QueryTagsIncludeAll: List,
    QueryTagsExclude: List,
    QueryFileName: Text(512),
    QueryFileDir: Text(1024),
    StartFileUpdateTime: Text(64),
    EndFileUpdateTime: Text(64),
    StartTagUpdateTime: Text(64),
    EndTagUpdateTime: Text(64),
    QueryExpression: Text(8192),
    /** The UI's selection: up to 100,000 ids. */
    DatasetFileMetaIds: List,
    QueryFileTypeIncludeAny: List,
    QueryContentTypeIncludeAny: List,
    Status: Text(64),
    SortBy: z.enum([...FILE_SORT_FIELDS, 'Score']).optional(),
    Order: z.enum(['ASC', 'DESC']).optional(),
  })
  .strict();
export type WireSearch = z.infer<typeof WireSearch>;

/** The parameters under their wire names; lists as comma-separated text or arrays. */
export type WireSearchInput = Partial<Omit<WireSearch, 'QueryImage'>> & {
  DatasetVersion: string;
  MaxResults: number;
  NextToken?: string;
  WorkspaceId?: string;
  /** PAI's video search: refused (Loupe has no video search). */
  QueryVideo?: string;
};

export function searchParamsOf(datasetId: string, q: WireSearchInput, queryImage: SearchParams['queryImage']): SearchParams {
  if (q.QueryVideo !== undefined && q.QueryVideo !== '') throw invalid('QueryVideo: Loupe has no video search (QueryText or QueryImage search images)', 'QueryVideo');
  const p: SearchParams = {
    datasetId,
    versionName: q.DatasetVersion,
    workspaceId: requestedWorkspace(q.WorkspaceId),
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
    fileTypes: lowerCased(listOf(q.QueryFileTypeIncludeAny, 'QueryFileTypeIncludeAny')),
    contentTypes: lowerCased(listOf(q.QueryContentTypeIncludeAny, 'QueryContentTypeIncludeAny')),
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
  const max = field === 'DatasetFileMetaIds' ? 100_000 : 1000;
  if (out.length > max) throw invalid(`${field}: at most ${max} entries`, field);
  return out.length ? out : undefined;
}

export function instant(value: string | undefined, field: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  const t = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(t)) throw invalid(`${field}: not an ISO 8601 time: '${value}'`, field);
  return new Date(t).toISOString();
}

/**
 * `Status`: PAI's `ACTIVE` / `ALL` / `DELETED`, or a comma list of Loupe's statuses (`ACTIVE,FAILED`);
 * an unknown one is a 400 naming `Status`.
 */
export function statusesOf(value: string | undefined): FileStatus[] | undefined {
  return statusFilterOf(value);
}

/** FileType and ContentType values compare lower-cased (MIME types are case-insensitive; Loupe stores them so). */
const lowerCased = (list: string[] | undefined) => list?.map((x) => x.toLowerCase());
