// Elasticsearch pushdown: golden query DSL for the query table, and agreement with the reference
// evaluator when the DSL is run (by a small interpreter below) over the documents the mapping indexes.
// Sources: bool https://www.elastic.co/guide/en/elasticsearch/reference/current/query-dsl-bool-query.html
// term https://www.elastic.co/guide/en/elasticsearch/reference/current/query-dsl-term-query.html
// range (dates, format) https://www.elastic.co/guide/en/elasticsearch/reference/current/query-dsl-range-query.html
// exists (null and [] are missing, "" is a value) https://www.elastic.co/guide/en/elasticsearch/reference/current/query-dsl-exists-query.html
// match_all / match_none https://www.elastic.co/guide/en/elasticsearch/reference/current/query-dsl-match-all-query.html
// kNN filter https://www.elastic.co/guide/en/elasticsearch/reference/current/knn-search.html
import { describe, expect, it } from 'vitest';
import {
  compileElasticsearchFilter,
  elasticsearchDocument,
  elasticsearchIndexBody,
  elasticsearchKnnSearchBody,
  type EsQuery,
} from '../../lib/dsl/compile-elasticsearch.js';
import { DslError } from '../../lib/dsl/dsl-error.js';
import { UnsupportedPushdown } from '../../lib/dsl/vector-doc.js';
import { checkEsDocument, cmp, eq, expectAgreement, generateMetas, match, QUERIES, randomQueries, runEs, UNSUPPORTED, type QueryName } from './dsl-compile-fixtures.js';

const T = (field: string, value: string | number): EsQuery => ({ term: { [field]: value } });
const notQ = (q: EsQuery): EsQuery => ({ bool: { must_not: [q] } });
const hasText = (f: string): EsQuery => ({ bool: { filter: [{ exists: { field: f } }], must_not: [T(f, '')] } });
const ms = (iso: string) => Date.parse(iso);

const GOLDEN: Record<QueryName, EsQuery> = {
  textEq: T('file_name', 'toyota.jpg'),
  textMatchCase: T('file_name_tokens', 'toyota'),
  textMatchTwoTokens: { bool: { filter: [T('file_dir_tokens', 'blue'), T('file_dir_tokens', 'car')] } },
  notTextEq: notQ(T('file_name', 'toyota.jpg')),
  nullableTextEq: T('content_type', 'image/jpeg'),
  notNullableTextEq: notQ(T('content_type', 'image/jpeg')),
  hasText: hasText('semantic_index_job_id'),
  notHasText: notQ(hasText('semantic_index_job_id')),
  numberEq: T('data_size', 1024),
  numberGt: { range: { data_size: { gt: 1023 } } },
  numberLtFraction: { range: { data_size: { lte: 1 } } },
  numberEqFraction: { match_none: {} },
  numberHuge: { match_all: {} },
  attrGte: { range: { image_width: { gte: 640 } } },
  notAttrGte: notQ({ range: { image_width: { gte: 640 } } }),
  attrLe: { range: { image_height: { lte: 480 } } },
  hasAttr: { exists: { field: 'image_height' } },
  timeWindow: {
    bool: {
      filter: [
        { range: { file_update_time: { gt: ms('2025-02-28T00:00:00Z'), format: 'epoch_millis' } } },
        { range: { file_update_time: { lt: ms('2025-05-30T09:27:29Z'), format: 'epoch_millis' } } },
      ],
    },
  },
  timeEq: { range: { file_create_time: { gte: 1740700800000, lte: 1740700800000, format: 'epoch_millis' } } },
  notTimeLe: notQ({ range: { tag_update_time: { lte: ms('2025-03-01T00:00:00Z'), format: 'epoch_millis' } } }),
  timeGe: { range: { semantic_index_update_time: { gte: ms('2025-01-01T00:00:00Z'), format: 'epoch_millis' } } },
  listEq: T('tags_all', 'lane line'),
  listMatchOneToken: T('tags_all_tokens', 'lane'),
  notListEq: notQ(T('tags_user', 'rainy days')),
  hasList: { exists: { field: 'tags_user' } },
  notHasList: notQ({ exists: { field: 'tags_ai' } }),
  deleteTagsEq: T('tags_user_delete_ai_tags', 'car'),
  cjkTextMatch: { bool: { filter: [T('file_name_tokens', '红'), T('file_name_tokens', '色')] } },
  cjkListMatch: T('tags_all_tokens', '车'),
  escapedEq: T('file_name', 'a"quote\\.png'),
  escapedListEq: T('tags_all', 'a"b\\c'),
  injection: T('file_name', '" or file_name != "'),
  uriMatch: { bool: { filter: [T('uri_tokens', 'oss'), T('uri_tokens', 'bucket')] } },
  orAndNot: {
    bool: {
      should: [T('file_type', 'png'), { bool: { filter: [T('file_dir_tokens', 'cars'), notQ(hasText('content_type'))] } }],
      minimum_should_match: 1,
    },
  },
  notOr: notQ({ bool: { should: [T('file_type', 'png'), { range: { data_size: { gte: 1024 } } }], minimum_should_match: 1 } }),
  foldedOr: T('file_type', 'png'),
  foldedTrue: { match_all: {} },
  designExample: {
    bool: {
      filter: [
        { range: { file_update_time: { gt: 1740700800000, format: 'epoch_millis' } } },
        { range: { file_update_time: { lt: 1748597249000, format: 'epoch_millis' } } },
        { bool: { filter: [T('file_dir_tokens', 'blue'), T('file_dir_tokens', 'car')] } },
        notQ(T('file_name', 'toyota.jpg')),
        {
          bool: {
            should: [{ bool: { filter: [T('tags_all', 'lane line'), T('tags_all', 'barrier gate')] } }, notQ(T('tags_user', 'rainy days'))],
            minimum_should_match: 1,
          },
        },
        hasText('semantic_index_job_id'),
      ],
    },
  },
};

// ---------------------------------------------------------------------------------------------------

describe('Elasticsearch pushdown', () => {
  it.each(Object.keys(QUERIES) as QueryName[])('compiles %s to its golden query', (name) => {
    expect(compileElasticsearchFilter(QUERIES[name])).toEqual(GOLDEN[name]);
  });

  it.each(Object.entries(UNSUPPORTED))('refuses %s with UnsupportedPushdown', (_, q) => {
    expect(() => compileElasticsearchFilter(q)).toThrow(UnsupportedPushdown);
    expect(() => compileElasticsearchFilter(q)).toThrow(/several tokens within one list element/);
  });

  it('refuses an ill-typed hand-built AST with a DslError (the parser never builds one)', () => {
    for (const bad of [cmp('FileName', '>', 'a'), eq('DataSize', '5'), match('DataSize', '5'), eq('Tags.all', 5), eq('FileUpdateTime', 5)]) {
      expect(() => compileElasticsearchFilter(bad)).toThrow(DslError);
    }
  });

  it('reads a time literal without `instant` (hand-built) as the parser would', () => {
    expect(compileElasticsearchFilter(cmp('TagUpdateTime', '<', '2025-03-01T08:00:00+08:00'))).toEqual({
      range: { tag_update_time: { lt: Date.parse('2025-03-01T00:00:00Z'), format: 'epoch_millis' } },
    });
  });

  it('maps every query field, its tokens and the vector; the mapping is strict', () => {
    const body = elasticsearchIndexBody(768);
    expect(body.mappings.dynamic).toBe('strict');
    expect(body.mappings.properties).toMatchObject({
      file_name: { type: 'keyword' },
      file_name_tokens: { type: 'keyword' },
      data_size: { type: 'long' },
      file_update_time: { type: 'date', format: 'epoch_millis' },
      tags_all: { type: 'keyword' },
      tags_user_delete_ai_tags_tokens: { type: 'keyword' },
      dataset_file_meta_id: { type: 'keyword' },
      embedding: { type: 'dense_vector', dims: 768, index: true, similarity: 'cosine' },
    });
    expect(Object.keys(body.mappings.properties)).toHaveLength(3 + 19 + 13 + 1); // DatasetFileMetaId is the key column itself
  });

  it('builds documents with materialised tokens and Tags.all, null for missing values', () => {
    const [meta] = generateMetas(1);
    const doc = elasticsearchDocument({
      ...meta!,
      fileName: 'Blue_Car 红色.JPG',
      contentType: null,
      metaAttributes: { ImageWidth: 640 },
      tags: { ai: ['Lane Line', 'car'], user: ['雨天'], userDeleteAiTags: ['car'] },
      fileCreateTime: null,
      fileUpdateTime: '2025-02-28T08:00:00+08:00',
    });
    expect(doc).toMatchObject({
      file_name: 'Blue_Car 红色.JPG',
      file_name_tokens: ['blue', 'car', '红', '色', 'jpg'],
      content_type: null,
      content_type_tokens: [],
      image_width: 640,
      image_height: null,
      file_create_time: null,
      file_update_time: Date.parse('2025-02-28T00:00:00Z'),
      tags_all: ['Lane Line', '雨天'],
      tags_all_tokens: ['lane', 'line', '雨', '天'],
      tags_user_delete_ai_tags: ['car'],
    });
    checkEsDocument(doc);
  });

  it('refuses to index a pixel count that a long cannot hold as it is', () => {
    const [meta] = generateMetas(1);
    expect(() => elasticsearchDocument({ ...meta!, metaAttributes: { ImageWidth: 640.5 } })).toThrow(/not an integer/);
  });

  it('puts the filter in the top-level knn section', () => {
    const filter = compileElasticsearchFilter(QUERIES.listEq);
    expect(elasticsearchKnnSearchBody({ vector: [0.1, 0.2], k: 10, numCandidates: 100, filter })).toEqual({
      size: 10,
      knn: { field: 'embedding', query_vector: [0.1, 0.2], k: 10, num_candidates: 100, filter: { term: { tags_all: 'lane line' } } },
    });
  });

  it('agrees with the evaluator on 200 files × the table and 300 random filters', () => {
    const metas = generateMetas(200);
    metas.forEach((m) => checkEsDocument(elasticsearchDocument(m)));
    const compared = expectAgreement({
      queries: [...Object.values(QUERIES), ...randomQueries(300)],
      metas,
      compile: compileElasticsearchFilter,
      document: elasticsearchDocument,
      run: runEs,
    });
    expect(compared).toBeGreaterThan(200 * 300);
  });
});
