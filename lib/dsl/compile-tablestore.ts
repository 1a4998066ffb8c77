// Tablestore pushdown: the search-index schema over the file-meta table's columns, the columns written
// per file, and a filter compiled to the `tablestore` Node SDK's search query objects.
//
// Every query field is a Keyword or Long field (the Node SDK has no Date field type: instants are epoch
// ms Longs); lists and `<column>_tokens` are Keyword arrays (`isAnArray`, written as a JSON array string).
// `:` is TermQuery on `<column>_tokens` (our own tokens, see vector-doc.ts), not a MatchQuery on a Text
// field: no Tablestore analyzer tokenizes exactly as `tokenize` does. A missing value is an absent column
// (ExistsQuery false, every Term/RangeQuery false), so `mustNotQueries` is exactly our two-valued NOT.
// Cannot push down: `:` with several tokens on a list field (UnsupportedPushdown, see vector-doc.ts).
//
// Enum values are the SDK's (aliyun-tablestore-nodejs-sdk lib/search.js; the same numbers as the
// protocol's tablestore_search.proto): https://github.com/aliyun/aliyun-tablestore-nodejs-sdk
import type { FileMeta } from '../domain/file-meta.js';
import type { Expr } from './ast.js';
import { fieldType, type QueryField } from './fields.js';
import {
  COLUMN,
  compileFilter,
  KEY_COLUMN,
  VALUE_FIELD_NAMES,
  TOKENIZED_FIELDS,
  tokensColumn,
  vectorDocument,
  type FilterAlgebra,
  type Leaf,
} from './vector-doc.js';

/** TableStore.QueryType (lib/search.js). */
export const TABLESTORE_QUERY_TYPE = { TERM_QUERY: 3, RANGE_QUERY: 4, BOOL_QUERY: 6, MATCH_ALL_QUERY: 11, EXISTS_QUERY: 16 } as const;
/** TableStore.FieldType (lib/search.js). */
export const TABLESTORE_FIELD_TYPE = { LONG: 1, KEYWORD: 4 } as const;

/**
 * One field of `createSearchIndex({ schema: { fieldSchemas } })`, as the SDK names them (its encoder
 * reads `isAnArray` and `enableSortAndAgg`: lib/protocol/encoder.js `_makeFieldSchema`).
 */
export interface TablestoreFieldSchema {
  fieldName: string;
  fieldType: number;
  index: boolean;
  enableSortAndAgg: boolean;
  store: boolean;
  isAnArray: boolean;
}

const field = (fieldName: string, fieldType: number, isAnArray: boolean, sortable: boolean): TablestoreFieldSchema => ({
  fieldName,
  fieldType,
  index: true,
  enableSortAndAgg: sortable,
  store: false,
  isAnArray,
});

/**
 * The search index's fields: the key columns (the table's primary key), then the query fields. Scalars
 * sort and aggregate (statistics, SortBy); token lists need not.
 */
export function tablestoreIndexFields(): TablestoreFieldSchema[] {
  const fields = Object.values(KEY_COLUMN).map((k) => field(k, TABLESTORE_FIELD_TYPE.KEYWORD, false, true));
  for (const f of VALUE_FIELD_NAMES) {
    const type = fieldType(f);
    if (type === 'list') fields.push(field(COLUMN[f], TABLESTORE_FIELD_TYPE.KEYWORD, true, true));
    else fields.push(field(COLUMN[f], type === 'text' ? TABLESTORE_FIELD_TYPE.KEYWORD : TABLESTORE_FIELD_TYPE.LONG, false, true));
  }
  for (const f of TOKENIZED_FIELDS) fields.push(field(tokensColumn(f), TABLESTORE_FIELD_TYPE.KEYWORD, true, false));
  return fields;
}

/**
 * The indexed attribute columns of one file, as the SDK's putRow/updateRow take them (`[{ name: value }]`).
 * The key columns are not among them: they are the table's primary key, which the index reads as it is.
 * Integers go through `long` (pass `TableStore.Long.fromNumber`: the SDK writes a plain JS number as a
 * DOUBLE). Arrays are JSON array strings, as the search index reads Array fields. `absent` are the
 * columns of missing values: leave them out of a put, delete them in an update.
 */
export function tablestoreColumns<L>(meta: FileMeta, long: (n: number) => L): { columns: Array<Record<string, string | L>>; absent: string[] } {
  const d = vectorDocument(meta);
  const columns: Array<Record<string, string | L>> = [];
  const absent: string[] = [];
  for (const f of VALUE_FIELD_NAMES) {
    const v = d.values[f];
    const column = COLUMN[f];
    if (v === null) absent.push(column);
    else if (typeof v === 'string') columns.push({ [column]: v });
    else if (typeof v === 'number') columns.push({ [column]: long(v) });
    else columns.push({ [column]: JSON.stringify(v) });
  }
  for (const f of TOKENIZED_FIELDS) columns.push({ [tokensColumn(f)]: JSON.stringify(d.tokens[f] ?? []) });
  return { columns, absent };
}

/** The subset of the SDK's search query objects the compiler emits; `L` is the SDK's Long. */
export type TablestoreQuery<L> =
  | { queryType: 3; query: { fieldName: string; term: string | L } }
  | { queryType: 4; query: { fieldName: string; rangeFrom?: L; includeLower?: boolean; rangeTo?: L; includeUpper?: boolean } }
  | { queryType: 6; query: TablestoreBool<L> }
  | { queryType: 11; query: Record<string, never> }
  | { queryType: 16; query: { fieldName: string } };

export interface TablestoreBool<L> {
  mustQueries?: TablestoreQuery<L>[];
  mustNotQueries?: TablestoreQuery<L>[];
  shouldQueries?: TablestoreQuery<L>[];
  minimumShouldMatch?: number;
}

function tablestoreAlgebra<L>(long: (n: number) => L): FilterAlgebra<TablestoreQuery<L>> {
  type Q = TablestoreQuery<L>;
  const term = (fieldName: string, t: string | L): Q => ({ queryType: 3, query: { fieldName, term: t } });
  const exists = (fieldName: string): Q => ({ queryType: 16, query: { fieldName } });
  const bool = (query: TablestoreBool<L>): Q => ({ queryType: 6, query });
  const matchAll: Q = { queryType: 11, query: {} };
  const leaf = (l: Leaf): Q => {
    const column = COLUMN[l.field];
    switch (l.kind) {
      case 'present':
        // ExistsQuery is false for an absent column and for '[]'; whether it counts a Keyword '' is not
        // documented, so a text's '' is matched by its own term.
        // https://www.alibabacloud.com/help/en/tablestore/exists-query-function
        return fieldType(l.field) === 'text' ? bool({ shouldQueries: [exists(column), term(column, '')], minimumShouldMatch: 1 }) : exists(column);
      case 'nonEmptyText':
        return bool({ mustQueries: [exists(column)], mustNotQueries: [term(column, '')] });
      case 'equals':
        // TermQuery on a Keyword (array): some value equals, exactly.
        return term(column, l.value);
      case 'tokens': {
        const terms = l.tokens.map((t) => term(tokensColumn(l.field), t));
        return terms.length === 1 ? terms[0]! : bool({ mustQueries: terms });
      }
      case 'compare': {
        const n = long(l.value);
        switch (l.op) {
          case '=':
            return term(column, n);
          case '>':
            return { queryType: 4, query: { fieldName: column, rangeFrom: n, includeLower: false } };
          case '>=':
            return { queryType: 4, query: { fieldName: column, rangeFrom: n, includeLower: true } };
          case '<':
            return { queryType: 4, query: { fieldName: column, rangeTo: n, includeUpper: false } };
          case '<=':
            return { queryType: 4, query: { fieldName: column, rangeTo: n, includeUpper: true } };
        }
      }
    }
  };
  return {
    backend: 'Tablestore',
    and: (items) => bool({ mustQueries: items }),
    or: (items) => bool({ shouldQueries: items, minimumShouldMatch: 1 }),
    not: (item) => bool({ mustNotQueries: [item] }),
    leaf,
    constant: (v) => (v ? matchAll : bool({ mustNotQueries: [matchAll] })),
  };
}

/**
 * A filter as a Tablestore search query (`searchQuery.query`). `long` builds the SDK's Long for integer
 * operands (`TableStore.Long.fromNumber`). Throws UnsupportedPushdown for what the index cannot evaluate
 * exactly (then filter the rows in memory).
 */
export function compileTablestoreFilter<L>(expr: Expr, long: (n: number) => L): TablestoreQuery<L> {
  return compileFilter(expr, tablestoreAlgebra(long));
}
