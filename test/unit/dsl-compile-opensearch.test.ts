// OpenSearch pushdown: the same query DSL and metadata mapping as Elasticsearch (so the goldens are
// Elasticsearch's, asserted equal here), a knn_vector index, and the filter inside the `knn` clause.
// Sources: efficient k-NN filtering https://docs.opensearch.org/docs/vector-search/filter-search-knn/efficient-knn-filtering
// knn_vector https://docs.opensearch.org/docs/field-types/supported-field-types/knn-vector/
// bool/term/range/exists https://docs.opensearch.org/docs/query-dsl/ (same semantics as Elasticsearch's)
import { describe, expect, it } from 'vitest';
import { compileElasticsearchFilter, elasticsearchDocument, elasticsearchIndexBody } from '../../lib/dsl/compile-elasticsearch.js';
import { compileOpenSearchFilter, openSearchDocument, openSearchIndexBody, openSearchKnnSearchBody } from '../../lib/dsl/compile-opensearch.js';
import { UnsupportedPushdown } from '../../lib/dsl/vector-doc.js';
import { checkEsDocument, expectAgreement, generateMetas, QUERIES, randomQueries, runEs, UNSUPPORTED, type QueryName } from './dsl-compile-fixtures.js';

describe('OpenSearch pushdown', () => {
  it.each(Object.keys(QUERIES) as QueryName[])('compiles %s exactly as Elasticsearch does', (name) => {
    expect(compileOpenSearchFilter(QUERIES[name])).toEqual(compileElasticsearchFilter(QUERIES[name]));
  });

  it('golden: a few queries spelled out', () => {
    expect(compileOpenSearchFilter(QUERIES.notNullableTextEq)).toEqual({ bool: { must_not: [{ term: { content_type: 'image/jpeg' } }] } });
    expect(compileOpenSearchFilter(QUERIES.timeEq)).toEqual({
      range: { file_create_time: { gte: 1740700800000, lte: 1740700800000, format: 'epoch_millis' } },
    });
    expect(compileOpenSearchFilter(QUERIES.cjkTextMatch)).toEqual({
      bool: { filter: [{ term: { file_name_tokens: '红' } }, { term: { file_name_tokens: '色' } }] },
    });
    expect(compileOpenSearchFilter(QUERIES.numberEqFraction)).toEqual({ match_none: {} });
  });

  it.each(Object.entries(UNSUPPORTED))('refuses %s with UnsupportedPushdown naming OpenSearch', (_, q) => {
    expect(() => compileOpenSearchFilter(q)).toThrow(UnsupportedPushdown);
    expect(() => compileOpenSearchFilter(q)).toThrow(/^OpenSearch cannot evaluate/);
  });

  it('creates a knn index with the same metadata mapping and a lucene HNSW cosine vector', () => {
    const os = openSearchIndexBody(512);
    const es = elasticsearchIndexBody(512);
    expect(os.settings).toEqual({ index: { knn: true } });
    expect(os.mappings.properties.embedding).toEqual({
      type: 'knn_vector',
      dimension: 512,
      method: { name: 'hnsw', space_type: 'cosinesimil', engine: 'lucene' },
    });
    const { embedding: _o, ...osMeta } = os.mappings.properties;
    const { embedding: _e, ...esMeta } = es.mappings.properties;
    expect(osMeta).toEqual(esMeta);
  });

  it('puts the filter inside the knn clause (efficient filtering), not around it', () => {
    const filter = compileOpenSearchFilter(QUERIES.attrGte);
    expect(openSearchKnnSearchBody({ vector: [1, 0], k: 5, filter })).toEqual({
      size: 5,
      query: { knn: { embedding: { vector: [1, 0], k: 5, filter: { range: { image_width: { gte: 640 } } } } } },
    });
    expect(openSearchKnnSearchBody({ vector: [1, 0], k: 5 })).toEqual({ size: 5, query: { knn: { embedding: { vector: [1, 0], k: 5 } } } });
  });

  it('agrees with the evaluator on 200 files × the table and 300 random filters', () => {
    const metas = generateMetas(200, 1234);
    for (const m of metas.slice(0, 20)) expect(openSearchDocument(m)).toEqual(elasticsearchDocument(m));
    metas.forEach((m) => checkEsDocument(openSearchDocument(m)));
    const compared = expectAgreement({
      queries: [...Object.values(QUERIES), ...randomQueries(300, 99)],
      metas,
      compile: compileOpenSearchFilter,
      document: openSearchDocument,
      run: runEs,
    });
    expect(compared).toBeGreaterThan(200 * 300);
  });
});
