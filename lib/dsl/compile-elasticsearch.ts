// Elasticsearch (8.x) pushdown: the index mapping the ES vector store creates, the document it indexes
// per file, and a filter compiled to query DSL in filter context, for the `filter` of a kNN search.
//
// Every query field is a keyword/long/date column; `:` reads `<column>_tokens`, keyword lists holding our
// own tokens (vector-doc.ts says why not an analyzer). Missing values are absent (null) in the document:
// term/range/exists are false on them and `bool.must_not` is then exactly our two-valued NOT.
// Cannot push down: `:` with several tokens on a list field (UnsupportedPushdown, see vector-doc.ts).
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
  VECTOR_COLUMN,
  vectorDocument,
  type FilterAlgebra,
  type Leaf,
} from './vector-doc.js';

/** The subset of the query DSL the compiler emits. */
export type EsQuery =
  | { bool: EsBool }
  | { term: Record<string, string | number> }
  | { range: Record<string, EsRange> }
  | { exists: { field: string } }
  | { match_all: Record<string, never> }
  | { match_none: Record<string, never> };

export interface EsBool {
  filter?: EsQuery[];
  should?: EsQuery[];
  minimum_should_match?: number;
  must_not?: EsQuery[];
}

export interface EsRange {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
  format?: 'epoch_millis';
}

export type EsFieldMapping =
  | { type: 'keyword' }
  | { type: 'long' }
  | { type: 'date'; format: 'epoch_millis' }
  | { type: 'dense_vector'; dims: number; index: true; similarity: 'cosine' };

const KEYWORD = { type: 'keyword' } as const;

/**
 * The metadata properties, shared with OpenSearch. keyword: exact, case-sensitive `=` (no normalizer);
 * long: sizes and pixels; date with epoch_millis: the instants we write and query as numbers.
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/keyword.html,
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/date.html
 */
export function metadataProperties(): Record<string, EsFieldMapping> {
  const props: Record<string, EsFieldMapping> = {};
  for (const key of Object.values(KEY_COLUMN)) props[key] = KEYWORD;
  for (const f of VALUE_FIELD_NAMES) {
    const type = fieldType(f);
    props[COLUMN[f]] = type === 'number' ? { type: 'long' } : type === 'time' ? { type: 'date', format: 'epoch_millis' } : KEYWORD;
  }
  for (const f of TOKENIZED_FIELDS) props[tokensColumn(f)] = KEYWORD;
  return props;
}

/**
 * The body of `PUT /<index>`: a strict mapping (a document with an unknown field is refused, not
 * silently mapped) and a cosine dense_vector for the top-level kNN search.
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/dense-vector.html
 */
export function elasticsearchIndexBody(dims: number) {
  return {
    mappings: {
      dynamic: 'strict' as const,
      properties: { ...metadataProperties(), [VECTOR_COLUMN]: { type: 'dense_vector', dims, index: true, similarity: 'cosine' } as EsFieldMapping },
    },
  };
}

export type EsDocument = Record<string, string | number | string[] | null>;

/** The metadata of one file as indexed (the adapter adds `embedding`). Missing values are null. */
export function elasticsearchDocument(meta: FileMeta): EsDocument {
  const d = vectorDocument(meta);
  const doc: EsDocument = { [KEY_COLUMN.id]: d.id, [KEY_COLUMN.datasetId]: d.datasetId, [KEY_COLUMN.versionName]: d.versionName };
  for (const f of VALUE_FIELD_NAMES) {
    const v = d.values[f];
    doc[COLUMN[f]] = v === null || typeof v === 'string' || typeof v === 'number' ? v : [...v];
  }
  for (const f of TOKENIZED_FIELDS) doc[tokensColumn(f)] = d.tokens[f] ?? [];
  return doc;
}

const range = (f: QueryField, r: EsRange): EsQuery => ({
  range: { [COLUMN[f]]: fieldType(f) === 'time' ? { ...r, format: 'epoch_millis' } : r },
});

function leaf(l: Leaf): EsQuery {
  const column = COLUMN[l.field];
  switch (l.kind) {
    case 'present':
      // exists: at least one non-null value; `[]` and null do not count, '' does.
      // https://www.elastic.co/guide/en/elasticsearch/reference/current/query-dsl-exists-query.html
      return { exists: { field: column } };
    case 'nonEmptyText':
      return { bool: { filter: [{ exists: { field: column } }], must_not: [{ term: { [column]: '' } }] } };
    case 'equals':
      // term on a keyword (array): some value equals, exactly.
      return { term: { [column]: l.value } };
    case 'tokens': {
      const terms: EsQuery[] = l.tokens.map((t) => ({ term: { [tokensColumn(l.field)]: t } }));
      return terms.length === 1 ? terms[0]! : { bool: { filter: terms } };
    }
    case 'compare':
      switch (l.op) {
        case '=':
          return fieldType(l.field) === 'time' ? range(l.field, { gte: l.value, lte: l.value }) : { term: { [column]: l.value } };
        case '>':
          return range(l.field, { gt: l.value });
        case '>=':
          return range(l.field, { gte: l.value });
        case '<':
          return range(l.field, { lt: l.value });
        case '<=':
          return range(l.field, { lte: l.value });
      }
  }
}

/** The query DSL algebra, shared with OpenSearch (same DSL). */
export function esAlgebra(backend: string): FilterAlgebra<EsQuery> {
  return {
    backend,
    // filter context: no scoring, cacheable; the kNN similarity is the only score.
    and: (items) => ({ bool: { filter: items } }),
    or: (items) => ({ bool: { should: items, minimum_should_match: 1 } }),
    not: (item) => ({ bool: { must_not: [item] } }),
    leaf,
    constant: (v) => (v ? { match_all: {} } : { match_none: {} }),
  };
}

/**
 * A filter as Elasticsearch query DSL. Throws UnsupportedPushdown for what ES cannot evaluate exactly
 * (then filter in the metadata store).
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/query-dsl-bool-query.html
 */
export function compileElasticsearchFilter(expr: Expr): EsQuery {
  return compileFilter(expr, esAlgebra('Elasticsearch'));
}

/**
 * A search body with the filter where ES applies it during the HNSW search (top-level `knn.filter`:
 * the k results all match it), rather than as a post-filter.
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/knn-search.html#knn-search-filter-example
 */
export function elasticsearchKnnSearchBody(p: { vector: number[]; k: number; numCandidates: number; filter?: EsQuery }) {
  return {
    size: p.k,
    knn: {
      field: VECTOR_COLUMN,
      query_vector: p.vector,
      k: p.k,
      num_candidates: p.numCandidates,
      ...(p.filter ? { filter: p.filter } : {}),
    },
  };
}
