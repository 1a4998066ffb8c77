// OpenSearch (2.9+) pushdown. The query DSL we emit (bool/term/range/exists/match_all/match_none) and the
// metadata mapping are the same as Elasticsearch's, so the compiler and the document are shared; what
// differs is the vector: a `knn_vector` in an index with `index.knn`, and the filter placed INSIDE the
// `knn` query clause (efficient k-NN filtering), where ES puts it in the top-level `knn` section.
// Cannot push down: as Elasticsearch (`:` with several tokens on a list field).
import type { FileMeta } from '../domain/file-meta.js';
import type { Expr } from './ast.js';
import { elasticsearchDocument, esAlgebra, metadataProperties, type EsDocument, type EsQuery } from './compile-elasticsearch.js';
import { compileFilter, VECTOR_COLUMN } from './vector-doc.js';

export type OpenSearchQuery = EsQuery;

/** The same document as Elasticsearch's (same mapping). */
export const openSearchDocument = (meta: FileMeta): EsDocument => elasticsearchDocument(meta);

/**
 * The body of `PUT /<index>`. The lucene engine's HNSW supports efficient filtering since 2.4 (faiss
 * since 2.9); cosinesimil is cosine similarity.
 * https://docs.opensearch.org/docs/vector-search/filter-search-knn/efficient-knn-filtering
 * https://docs.opensearch.org/docs/field-types/supported-field-types/knn-vector/
 */
export function openSearchIndexBody(dims: number) {
  return {
    settings: { index: { knn: true } },
    mappings: {
      dynamic: 'strict' as const,
      properties: {
        ...metadataProperties(),
        [VECTOR_COLUMN]: { type: 'knn_vector', dimension: dims, method: { name: 'hnsw', space_type: 'cosinesimil', engine: 'lucene' } },
      },
    },
  };
}

/** A filter as OpenSearch query DSL; throws UnsupportedPushdown as Elasticsearch does. */
export function compileOpenSearchFilter(expr: Expr): OpenSearchQuery {
  return compileFilter(expr, esAlgebra('OpenSearch'));
}

/**
 * A search body with the filter inside the `knn` clause (efficient filtering: k results that all match).
 * A `bool` around the knn query would post-filter and return fewer than k.
 * https://docs.opensearch.org/docs/vector-search/filter-search-knn/efficient-knn-filtering
 */
export function openSearchKnnSearchBody(p: { vector: number[]; k: number; filter?: OpenSearchQuery }) {
  return {
    size: p.k,
    query: { knn: { [VECTOR_COLUMN]: { vector: p.vector, k: p.k, ...(p.filter ? { filter: p.filter } : {}) } } },
  };
}
