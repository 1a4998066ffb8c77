// `loupe search <datasetId>`: every ListDatasetFileMetas parameter as a flag; a table or JSON. The
// same flags make an export's search (cli/export.ts).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FileMeta, FileMetaPage, SearchFileMetasRequest } from '../lib/sdk/index.js';
import { collectPages } from './collect-pages.js';
import {
  choiceFlag,
  clientOf,
  GLOBAL_HELP,
  intFlag,
  isUri,
  listFlag,
  noMorePositionals,
  numberFlag,
  parseCommand,
  printHelp,
  positional,
  uriOf,
  UsageError,
  writeJson,
  type CliIo,
} from './context.js';
import { formatBytes, formatTable, type Column } from './format-table.js';

export const SEARCH_OPTIONS = {
  version: { type: 'string' },
  text: { type: 'string' },
  image: { type: 'string' },
  type: { type: 'string' },
  'top-k': { type: 'string' },
  threshold: { type: 'string' },
  'tags-any': { type: 'string', multiple: true },
  'tags-all': { type: 'string', multiple: true },
  exclude: { type: 'string', multiple: true },
  name: { type: 'string' },
  dir: { type: 'string' },
  expr: { type: 'string' },
  'file-time-start': { type: 'string' },
  'file-time-end': { type: 'string' },
  'tag-time-start': { type: 'string' },
  'tag-time-end': { type: 'string' },
  ids: { type: 'string', multiple: true },
  'file-types': { type: 'string', multiple: true },
  'content-types': { type: 'string', multiple: true },
  status: { type: 'string' },
  sort: { type: 'string' },
  order: { type: 'string' },
} as const;

export const SEARCH_FLAGS_HELP = `Search flags (all ANDed; the ListDatasetFileMetas parameter in brackets):
  --version <v>            dataset version, default v1 [DatasetVersion]
  --text <text>            text → image search [QueryText]
  --image <uri|path>       image → image: a URI, or a local file (uploaded) [QueryImage / QueryImageData]
  --type MIX|TAG|VECTOR    [QueryType]
  --top-k <n>              vector results kept, default 100 [TopK]
  --threshold <score>      only scores strictly above [ScoreThreshold]
  --tags-any <a,b>         at least one of the tags [QueryTagsIncludeAny]
  --tags-all <a,b>         every one of the tags [QueryTagsIncludeAll]
  --exclude <a,b>          none of the tags [QueryTagsExclude]
  --name <text>            FileName contains (case-insensitive) [QueryFileName]
  --dir <text>             FileDir contains (case-insensitive) [QueryFileDir]
  --expr <query>           the query language, e.g. 'FileDir:"cars" AND NOT Tags.all="night"' [QueryExpression]
  --file-time-start <t>, --file-time-end <t>   ISO 8601, inclusive [Start/EndFileUpdateTime]
  --tag-time-start <t>, --tag-time-end <t>     [Start/EndTagUpdateTime]
  --ids <id,id>            only these files [DatasetFileMetaIds]
  --file-types <t,t>       FileType any of image, video, audio, text, application [QueryFileTypeIncludeAny]
  --content-types <m,m>    ContentType any of, e.g. image/png [QueryContentTypeIncludeAny]
  --status <s>             ALL, or PENDING, ACTIVE, FAILED, SKIPPED, DELETED (comma-separated);
                           default PENDING,ACTIVE,FAILED [Status]
  --sort <field>           Score, FileUpdateTime, FileCreateTime, FileName, DataSize, DatasetFileMetaId [SortBy]
  --order asc|desc         default desc [Order]
  (list flags take comma-separated values and may be repeated)`;

type SearchValues = { [K in keyof typeof SEARCH_OPTIONS]?: (typeof SEARCH_OPTIONS)[K] extends { multiple: true } ? string[] : string };

/** The search in ListDatasetFileMetas' wire names. `imageAs: 'uri'` (an export) turns a local path into a file:// URI. */
export async function searchRequestOf(v: SearchValues, io: CliIo, command: string, imageAs: 'upload' | 'uri'): Promise<SearchFileMetasRequest> {
  const req: SearchFileMetasRequest = {
    DatasetVersion: v.version,
    QueryType: choiceFlag(v.type?.toUpperCase(), 'type', ['MIX', 'TAG', 'VECTOR'] as const, command),
    QueryText: v.text,
    TopK: intFlag(v['top-k'], 'top-k', command),
    ScoreThreshold: numberFlag(v.threshold, 'threshold', command),
    QueryTagsIncludeAny: listFlag(v['tags-any']),
    QueryTagsIncludeAll: listFlag(v['tags-all']),
    QueryTagsExclude: listFlag(v.exclude),
    QueryFileName: v.name,
    QueryFileDir: v.dir,
    QueryExpression: v.expr,
    StartFileUpdateTime: v['file-time-start'],
    EndFileUpdateTime: v['file-time-end'],
    StartTagUpdateTime: v['tag-time-start'],
    EndTagUpdateTime: v['tag-time-end'],
    DatasetFileMetaIds: listFlag(v.ids),
    QueryFileTypeIncludeAny: listFlag(v['file-types']),
    QueryContentTypeIncludeAny: listFlag(v['content-types']),
    Status: v.status,
    SortBy: v.sort as SearchFileMetasRequest['SortBy'],
    Order: choiceFlag(v.order?.toUpperCase(), 'order', ['ASC', 'DESC'] as const, command),
  };
  if (v.image !== undefined) {
    if (isUri(v.image)) req.QueryImage = v.image;
    else if (imageAs === 'uri') req.QueryImage = uriOf(v.image, io.cwd, false);
    else {
      const file = path.resolve(io.cwd, v.image);
      const data = await readFile(file).catch(() => {
        throw new UsageError(`--image: no such file: ${file} (give a URI like file:///… or oss://… for an image the server reads)`, command);
      });
      req.QueryImageData = data.toString('base64');
    }
  }
  return Object.fromEntries(Object.entries(req).filter(([, x]) => x !== undefined)) as SearchFileMetasRequest;
}

export const SEARCH_HELP = `Usage: loupe search <datasetId> [search flags] [--max <n>] [--all] [--json]

Lists the files of a dataset version matching every condition given (ListDatasetFileMetas), as a
table (Score, FileName, FileDir, Tags, Size, Bytes) or as JSON.

${SEARCH_FLAGS_HELP}

Output:
  --max <n>                results per page, 1..1000, default 100 [MaxResults]
  --all                    follow NextToken through every page
  --next-token <token>     start from this page [NextToken]
  --json                   the response as JSON ({TotalCount, VectorSearch?, NextToken?, DatasetFileMetas})

${GLOBAL_HELP}
`;

export async function searchCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand('search', argv, {
    ...SEARCH_OPTIONS,
    max: { type: 'string' },
    all: { type: 'boolean' },
    'next-token': { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) return printHelp(io, SEARCH_HELP);
  const datasetId = positional(positionals, 0, 'datasetId', 'search');
  noMorePositionals(positionals, 1, 'search');
  const client = clientOf(values, io);
  const req: SearchFileMetasRequest = {
    ...(await searchRequestOf(values, io, 'search', 'upload')),
    ...(values.max !== undefined ? { MaxResults: intFlag(values.max, 'max', 'search')! } : {}),
  };
  // GET as PAI clients do; POST when an image is uploaded (and, in the SDK, when the query is too
  // long for a URL, e.g. --ids with hundreds of ids).
  const page = (NextToken: string | undefined): Promise<FileMetaPage> => {
    const r = NextToken ? { ...req, NextToken } : req;
    if (r.QueryImageData) return client.searchDatasetFileMetas(datasetId, r);
    const { QueryImageData: _, ...query } = r;
    return client.listDatasetFileMetas(datasetId, query);
  };

  const { items, first: head, nextToken } = await collectPages(page, (p) => p.DatasetFileMetas, { all: values.all, nextToken: values['next-token'] });

  if (values.json) {
    writeJson(io, {
      TotalCount: head.TotalCount,
      ...(head.VectorSearch ? { VectorSearch: head.VectorSearch } : {}),
      ...(nextToken ? { NextToken: nextToken } : {}),
      DatasetFileMetas: items,
    });
    return 0;
  }
  io.stdout.write(formatFileMetaTable(items));
  io.stdout.write(searchFooter(items.length, head, nextToken));
  return 0;
}

export function formatFileMetaTable(items: readonly FileMeta[]): string {
  const withScore = items.some((m) => m.Score !== undefined);
  const columns: Column[] = [
    ...(withScore ? [{ header: 'Score', align: 'right' as const }] : []),
    { header: 'FileName', maxWidth: 48 },
    { header: 'FileDir', maxWidth: 32 },
    { header: 'Tags', maxWidth: 40 },
    { header: 'Size', align: 'right' },
    { header: 'Bytes', align: 'right' },
  ];
  const rows = items.map((m) => {
    const w = m.MetaAttributes.ImageWidth;
    const h = m.MetaAttributes.ImageHeight;
    return [
      ...(withScore ? [m.Score === undefined ? '' : m.Score.toFixed(4)] : []),
      m.FileName,
      m.FileDir,
      m.Tags.all.join(', '),
      w !== undefined && h !== undefined ? `${w}x${h}` : '',
      formatBytes(m.DataSize),
    ];
  });
  return formatTable(columns, rows);
}

function searchFooter(shown: number, head: FileMetaPage, nextToken: string | undefined): string {
  const lines = [`${shown} of ${head.TotalCount} files${nextToken ? ` (more: --all, or --next-token ${nextToken})` : ''}`];
  const v = head.VectorSearch;
  if (v) lines.push(`vector search: ${v.Returned} of TopK ${v.TopK} from index ${v.IndexName} (${v.EmbedderId})${v.Shortfall ? `: ${v.Shortfall.Message}` : ''}`);
  return lines.join('\n') + '\n';
}
