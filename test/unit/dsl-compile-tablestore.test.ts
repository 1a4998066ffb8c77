// Tablestore pushdown: golden search-query objects (the `tablestore` Node SDK's shapes and enum numbers)
// for the query table, and agreement with the reference evaluator when the queries are run (by a small
// interpreter below) over the columns the search index schema describes.
// Sources: SDK enums and query encoding https://github.com/aliyun/aliyun-tablestore-nodejs-sdk
//   lib/search.js (QueryType TERM 3, RANGE 4, BOOL 6, MATCH_ALL 11, EXISTS 16; FieldType LONG 1, KEYWORD 4),
//   lib/protocol/encoder.js (_constrctQueryParam: mustQueries/mustNotQueries/shouldQueries need
//   minimumShouldMatch; rangeFrom/includeLower; _makeFieldSchema reads isAnArray, enableSortAndAgg),
//   lib/protocol/plain_buffer_coded_stream.js writeSearchValue (a JS number is sent as a DOUBLE, an
//   Int64 (TableStore.Long) as an INTEGER). Arrays as JSON strings, empty array = ExistsQuery false:
//   https://www.alibabacloud.com/help/en/tablestore/array-and-nested-field-types,
//   https://www.alibabacloud.com/help/en/tablestore/exists-query-function
import { describe, expect, it } from 'vitest';
import {
  compileTablestoreFilter,
  TABLESTORE_FIELD_TYPE,
  TABLESTORE_QUERY_TYPE,
  tablestoreColumns,
  tablestoreIndexFields,
  type TablestoreFieldSchema,
  type TablestoreQuery,
} from '../../lib/dsl/compile-tablestore.js';
import { KEY_COLUMN, UnsupportedPushdown } from '../../lib/dsl/vector-doc.js';
import { expectAgreement, generateMetas, QUERIES, randomQueries, UNSUPPORTED, type QueryName } from './dsl-compile-fixtures.js';
import type { FileMeta } from '../../lib/domain/file-meta.js';
import type { Expr } from '../../lib/dsl/ast.js';

/** Stands in for the SDK's TableStore.Long (an Int64LE): what the compiler must use for integers. */
class Long {
  constructor(readonly n: number) {}
}
const long = (n: number) => new Long(n);
type Q = TablestoreQuery<Long>;

const term = (fieldName: string, t: string | Long): Q => ({ queryType: 3, query: { fieldName, term: t } });
const exists = (fieldName: string): Q => ({ queryType: 16, query: { fieldName } });
const must = (...mustQueries: Q[]): Q => ({ queryType: 6, query: { mustQueries } });
const should = (...shouldQueries: Q[]): Q => ({ queryType: 6, query: { shouldQueries, minimumShouldMatch: 1 } });
const mustNot = (q: Q): Q => ({ queryType: 6, query: { mustNotQueries: [q] } });
const from = (fieldName: string, n: number, includeLower: boolean): Q => ({ queryType: 4, query: { fieldName, rangeFrom: long(n), includeLower } });
const to = (fieldName: string, n: number, includeUpper: boolean): Q => ({ queryType: 4, query: { fieldName, rangeTo: long(n), includeUpper } });
const hasText = (f: string): Q => ({ queryType: 6, query: { mustQueries: [exists(f)], mustNotQueries: [term(f, '')] } });
const matchAll: Q = { queryType: 11, query: {} };

const GOLDEN: Record<QueryName, Q> = {
  textEq: term('file_name', 'toyota.jpg'),
  textMatchCase: term('file_name_tokens', 'toyota'),
  textMatchTwoTokens: must(term('file_dir_tokens', 'blue'), term('file_dir_tokens', 'car')),
  notTextEq: mustNot(term('file_name', 'toyota.jpg')),
  nullableTextEq: term('content_type', 'image/jpeg'),
  notNullableTextEq: mustNot(term('content_type', 'image/jpeg')),
  hasText: hasText('semantic_index_job_id'),
  notHasText: mustNot(hasText('semantic_index_job_id')),
  numberEq: term('data_size', long(1024)),
  numberGt: from('data_size', 1023, false),
  numberLtFraction: to('data_size', 1, true),
  numberEqFraction: mustNot(matchAll),
  numberHuge: matchAll,
  attrGte: from('image_width', 640, true),
  notAttrGte: mustNot(from('image_width', 640, true)),
  attrLe: to('image_height', 480, true),
  hasAttr: exists('image_height'),
  timeWindow: must(from('file_update_time', 1740700800000, false), to('file_update_time', 1748597249000, false)),
  timeEq: term('file_create_time', long(1740700800000)),
  notTimeLe: mustNot(to('tag_update_time', 1740787200000, true)),
  timeGe: from('semantic_index_update_time', 1735689600000, true),
  listEq: term('tags_all', 'lane line'),
  listMatchOneToken: term('tags_all_tokens', 'lane'),
  notListEq: mustNot(term('tags_user', 'rainy days')),
  hasList: exists('tags_user'),
  notHasList: mustNot(exists('tags_ai')),
  deleteTagsEq: term('tags_user_delete_ai_tags', 'car'),
  cjkTextMatch: must(term('file_name_tokens', '红'), term('file_name_tokens', '色')),
  cjkListMatch: term('tags_all_tokens', '车'),
  escapedEq: term('file_name', 'a"quote\\.png'),
  escapedListEq: term('tags_all', 'a"b\\c'),
  injection: term('file_name', '" or file_name != "'),
  uriMatch: must(term('uri_tokens', 'oss'), term('uri_tokens', 'bucket')),
  orAndNot: should(term('file_type', 'png'), must(term('file_dir_tokens', 'cars'), mustNot(hasText('content_type')))),
  notOr: mustNot(should(term('file_type', 'png'), from('data_size', 1024, true))),
  foldedOr: term('file_type', 'png'),
  foldedTrue: matchAll,
  designExample: must(
    from('file_update_time', 1740700800000, false),
    to('file_update_time', 1748597249000, false),
    must(term('file_dir_tokens', 'blue'), term('file_dir_tokens', 'car')),
    mustNot(term('file_name', 'toyota.jpg')),
    should(must(term('tags_all', 'lane line'), term('tags_all', 'barrier gate')), mustNot(term('tags_user', 'rainy days'))),
    hasText('semantic_index_job_id'),
  ),
};

// ---------------------------------------------------------------------------------------------------
// A tiny Tablestore search index: the query objects we emit, over columns checked against the schema.

const SCHEMA = new Map<string, TablestoreFieldSchema>(tablestoreIndexFields().map((f) => [f.fieldName, f]));
type Row = Map<string, string | Long>;

function schemaOf(field: string): TablestoreFieldSchema {
  const f = SCHEMA.get(field);
  if (!f) throw new Error(`query names ${field}, which the index does not have`);
  return f;
}

/**
 * Whether ExistsQuery counts a Keyword '' as a value is not documented (an absent column and '[]' do not
 * count), so the agreement test runs under both readings.
 */
let emptyKeywordExists = true;

/** What the index holds for a column: arrays are decoded from their JSON string; absent = none. */
function indexed(row: Row, field: string): Array<string | number> {
  const f = schemaOf(field);
  const v = row.get(field);
  if (v === undefined) return [];
  if (f.isAnArray) {
    if (typeof v !== 'string') throw new Error(`array column ${field} is not a JSON string`);
    return JSON.parse(v) as string[];
  }
  return [v instanceof Long ? v.n : v];
}

function runTablestore(q: Q, row: Row): boolean {
  switch (q.queryType) {
    case 11:
      return true;
    case 16:
      return indexed(row, q.query.fieldName).filter((v) => emptyKeywordExists || v !== '').length > 0;
    case 3: {
      const f = schemaOf(q.query.fieldName);
      const t = q.query.term;
      // A Long column needs an Int64 term (a JS number would go out as a DOUBLE); a Keyword a string.
      if (f.fieldType === TABLESTORE_FIELD_TYPE.LONG ? !(t instanceof Long) : typeof t !== 'string') throw new Error(`term ${String(t)} on ${f.fieldName}`);
      const want = t instanceof Long ? t.n : t;
      return indexed(row, q.query.fieldName).some((v) => v === want);
    }
    case 4: {
      const { fieldName, rangeFrom, rangeTo, includeLower, includeUpper } = q.query;
      if (schemaOf(fieldName).fieldType !== TABLESTORE_FIELD_TYPE.LONG) throw new Error(`range on ${fieldName}`);
      if (rangeFrom === undefined && rangeTo === undefined) throw new Error('range without bounds');
      for (const b of [rangeFrom, rangeTo]) if (b !== undefined && !(b instanceof Long)) throw new Error('range bound is not a Long');
      return indexed(row, fieldName).some(
        (v) =>
          typeof v === 'number' &&
          (rangeFrom === undefined || (includeLower ? v >= rangeFrom.n : v > rangeFrom.n)) &&
          (rangeTo === undefined || (includeUpper ? v <= rangeTo.n : v < rangeTo.n)),
      );
    }
    case 6: {
      const b = q.query;
      // encoder.js: shouldQueries without an integer minimumShouldMatch is an error.
      if (b.shouldQueries && !Number.isInteger(b.minimumShouldMatch)) throw new Error('shouldQueries without minimumShouldMatch');
      return (
        (b.mustQueries ?? []).every((x) => runTablestore(x, row)) &&
        !(b.mustNotQueries ?? []).some((x) => runTablestore(x, row)) &&
        (b.shouldQueries === undefined || b.shouldQueries.filter((x) => runTablestore(x, row)).length >= b.minimumShouldMatch!)
      );
    }
  }
}

function rowOf(meta: FileMeta): Row {
  const { columns } = tablestoreColumns(meta, long);
  // the primary key: the index reads it from the row's key, not from its attribute columns
  const row: Row = new Map([
    [KEY_COLUMN.id, meta.datasetFileMetaId],
    [KEY_COLUMN.datasetId, meta.datasetId],
    [KEY_COLUMN.versionName, meta.versionName],
  ]);
  for (const c of columns) {
    const entries = Object.entries(c);
    expect(entries).toHaveLength(1); // the SDK's attributeColumns: one { name: value } per column
    const [name, v] = entries[0]!;
    const f = schemaOf(name);
    const ok = f.isAnArray
      ? typeof v === 'string' && (JSON.parse(v) as unknown[]).every((x) => typeof x === 'string')
      : f.fieldType === TABLESTORE_FIELD_TYPE.LONG
        ? v instanceof Long && Number.isSafeInteger(v.n)
        : typeof v === 'string';
    if (!ok) throw new Error(`${name}: ${String(v)}`);
    row.set(name, v);
  }
  return row;
}

const compile = (e: Expr) => compileTablestoreFilter(e, long);

// ---------------------------------------------------------------------------------------------------

describe('Tablestore pushdown', () => {
  it.each(Object.keys(QUERIES) as QueryName[])('compiles %s to its golden query', (name) => {
    expect(compile(QUERIES[name])).toEqual(GOLDEN[name]);
  });

  it.each(Object.entries(UNSUPPORTED))('refuses %s with UnsupportedPushdown', (_, q) => {
    expect(() => compile(q)).toThrow(UnsupportedPushdown);
  });

  it('uses the SDK enum numbers', () => {
    expect(TABLESTORE_QUERY_TYPE).toEqual({ TERM_QUERY: 3, RANGE_QUERY: 4, BOOL_QUERY: 6, MATCH_ALL_QUERY: 11, EXISTS_QUERY: 16 });
    expect(TABLESTORE_FIELD_TYPE).toEqual({ LONG: 1, KEYWORD: 4 });
  });

  it('describes the index: Keyword/Long fields, Keyword arrays for lists and tokens', () => {
    const fields = tablestoreIndexFields();
    const by = new Map(fields.map((f) => [f.fieldName, f]));
    expect(by.get('file_name')).toEqual({ fieldName: 'file_name', fieldType: 4, index: true, enableSortAndAgg: true, store: false, isAnArray: false });
    expect(by.get('file_update_time')).toMatchObject({ fieldType: 1, isAnArray: false });
    expect(by.get('tags_all')).toMatchObject({ fieldType: 4, isAnArray: true, enableSortAndAgg: true });
    expect(by.get('uri_tokens')).toMatchObject({ fieldType: 4, isAnArray: true, enableSortAndAgg: false });
    expect(fields).toHaveLength(3 + 19 + 13); // DatasetFileMetaId is the key column itself
  });

  it('writes Longs through the SDK hook, arrays as JSON strings, and lists missing values as absent', () => {
    const [meta] = generateMetas(1);
    const { columns, absent } = tablestoreColumns(
      {
        ...meta!,
        dataSize: 2048,
        contentType: null,
        metaAttributes: {},
        fileCreateTime: null,
        tags: { ai: ['a"b', '车'], user: [], userDeleteAiTags: [] },
      },
      long,
    );
    const cols = Object.assign({}, ...columns) as Record<string, unknown>;
    expect(cols.data_size).toEqual(long(2048));
    expect(cols.tags_all).toBe('["a\\"b","车"]');
    expect(cols.tags_user).toBe('[]');
    expect(cols.content_type_tokens).toBe('[]');
    expect(absent).toEqual(expect.arrayContaining(['content_type', 'image_width', 'image_height', 'file_create_time']));
    expect(cols).not.toHaveProperty('content_type');
  });

  it.each([true, false])('agrees with the evaluator on 200 files × the table and 300 random filters (ExistsQuery counts "": %s)', (counts) => {
    emptyKeywordExists = counts;
    const metas = generateMetas(200, 2025);
    const compared = expectAgreement({
      queries: [...Object.values(QUERIES), ...randomQueries(300, 5)],
      metas,
      compile,
      document: rowOf,
      run: runTablestore,
    });
    expect(compared).toBeGreaterThan(200 * 300);
  });
});
