// Shared by the pushdown compilers' tests (dsl-compile-*.test.ts): AST constructors, the query table,
// generated FileMetas, and the differential check against the reference evaluator (lib/dsl/evaluator.ts).
import { expect } from 'vitest';
import type { FileMeta } from '../../lib/domain/file-meta.js';
import type { CompareOp, Expr, Literal, Pos } from '../../lib/dsl/ast.js';
import { evaluate } from '../../lib/dsl/evaluator.js';
import type { QueryField } from '../../lib/dsl/fields.js';
import { parseIsoInstant } from '../../lib/dsl/iso-instant.js';
import { metadataProperties, type EsDocument, type EsFieldMapping, type EsQuery } from '../../lib/dsl/compile-elasticsearch.js';
import { isUnsupportedPushdown } from '../../lib/dsl/vector-doc.js';
import { makeFileMeta, seededRng } from '../support/dsl-corpus.js';

// ---------------------------------------------------------------------------------------------------
// AST constructors (positions are irrelevant to the compilers except in errors).

const P: Pos = { offset: 0, line: 1, col: 1 };
const lit = (v: string | number): Literal => (typeof v === 'number' ? { kind: 'number', value: v } : { kind: 'string', value: v });

export const cmp = (field: QueryField, op: CompareOp, v: string | number): Expr => ({ kind: 'compare', field, op, value: lit(v), pos: P });
export const eq = (field: QueryField, v: string | number): Expr => cmp(field, '=', v);
export const match = (field: QueryField, v: string): Expr => cmp(field, ':', v);
/** A time comparison as the parser builds it (with `instant`). */
export const time = (field: QueryField, op: CompareOp, iso: string): Expr => ({
  kind: 'compare',
  field,
  op,
  value: { kind: 'string', value: iso, instant: parseIsoInstant(iso)! },
  pos: P,
});
export const has = (field: QueryField): Expr => ({ kind: 'has', field, pos: P });
export const and = (...items: Expr[]): Expr => ({ kind: 'and', items, pos: P });
export const or = (...items: Expr[]): Expr => ({ kind: 'or', items, pos: P });
export const not = (expr: Expr): Expr => ({ kind: 'not', expr, pos: P });

// ---------------------------------------------------------------------------------------------------
// The query table: every op × field type, NOT over missing values, nesting, escaping, times, CJK, and
// the constructs no backend pushes down. Each engine's test gives the golden output of each name.

export const INJECTION = '" or file_name != "';
export const QUOTED = 'a"quote\\.png';

export const QUERIES = {
  textEq: eq('FileName', 'toyota.jpg'),
  textMatchCase: match('FileName', 'TOYOTA'),
  textMatchTwoTokens: match('FileDir', 'blue_car'),
  notTextEq: not(eq('FileName', 'toyota.jpg')),
  nullableTextEq: eq('ContentType', 'image/jpeg'),
  notNullableTextEq: not(eq('ContentType', 'image/jpeg')),
  hasText: has('SemanticIndexJobId'),
  notHasText: not(has('SemanticIndexJobId')),
  numberEq: eq('DataSize', 1024),
  numberGt: cmp('DataSize', '>', 1023),
  numberLtFraction: cmp('DataSize', '<', 1.5),
  numberEqFraction: eq('DataSize', 1.5),
  numberHuge: cmp('DataSize', '<=', 1e300),
  attrGte: cmp('ImageWidth', '>=', 640),
  notAttrGte: not(cmp('ImageWidth', '>=', 640)),
  attrLe: cmp('ImageHeight', '<=', 480),
  hasAttr: has('ImageHeight'),
  timeWindow: and(time('FileUpdateTime', '>', '2025-02-28T00:00:00Z'), time('FileUpdateTime', '<', '2025-05-30T09:27:29Z')),
  timeEq: time('FileCreateTime', '=', '2025-02-28T00:00:00Z'),
  notTimeLe: not(time('TagUpdateTime', '<=', '2025-03-01T08:00:00+08:00')),
  timeGe: time('SemanticIndexUpdateTime', '>=', '2025-01-01'),
  listEq: eq('Tags.all', 'lane line'),
  listMatchOneToken: match('Tags.all', 'LANE'),
  notListEq: not(eq('Tags.user', 'rainy days')),
  hasList: has('Tags.user'),
  notHasList: not(has('Tags.ai')),
  deleteTagsEq: eq('Tags.user-delete-ai-tags', 'car'),
  cjkTextMatch: match('FileName', '红色'),
  cjkListMatch: match('Tags.all', '车'),
  escapedEq: eq('FileName', QUOTED),
  escapedListEq: eq('Tags.all', 'a"b\\c'),
  injection: eq('FileName', INJECTION),
  uriMatch: match('Uri', 'OSS bucket'),
  orAndNot: or(eq('FileType', 'png'), and(match('FileDir', 'cars'), not(has('ContentType')))),
  notOr: not(or(eq('FileType', 'png'), cmp('DataSize', '>=', 1024))),
  foldedOr: or(eq('DataSize', 1.5), eq('FileType', 'png')),
  foldedTrue: not(eq('DataSize', 1.5)),
  designExample: and(
    time('FileUpdateTime', '>', '2025-02-28T00:00:00Z'),
    time('FileUpdateTime', '<', '2025-05-30T09:27:29Z'),
    match('FileDir', 'blue_car'),
    not(eq('FileName', 'toyota.jpg')),
    or(and(eq('Tags.all', 'lane line'), eq('Tags.all', 'barrier gate')), not(eq('Tags.user', 'rainy days'))),
    has('SemanticIndexJobId'),
  ),
} satisfies Record<string, Expr>;

export type QueryName = keyof typeof QUERIES;

/** Constructs no backend can evaluate exactly: `:` with several tokens on a list field. */
export const UNSUPPORTED = {
  listMatchTwoTokens: match('Tags.all', 'lane line'),
  notListMatchTwoTokens: not(match('Tags.ai', 'Barrier-Gate')),
  nestedListMatch: or(eq('FileType', 'png'), match('Tags.user', '红色汽车')),
} satisfies Record<string, Expr>;

// ---------------------------------------------------------------------------------------------------
// Generated FileMetas: small vocabularies so that queries hit, with every kind of missing value.

const rng = (seed: number) => seededRng(seed);

const FILE_NAMES = ['toyota.jpg', 'Toyota.JPG', 'IMG_0001.jpeg', '红色汽车.png', 'blue car 2.webp', QUOTED, INJECTION, 'ΟΔΟΣ.png', 'x.bmp', ''];
const DIRS = ['', 'blue_car/', 'cars/blue_car/', 'cars/', '雨天/', 'Lane-Line/'];
const TYPES = ['image', 'image', 'text', ''];
const FORMATS = ['jpeg', 'png', 'gif', ''];
const STATUSES = ['ACTIVE', 'ACTIVE', 'PENDING', 'FAILED', 'SKIPPED', 'DELETED'] as const;
const CONTENT_TYPES = [null, 'image/jpeg', 'image/png', ''];
const JOB_IDS = [null, '', 'job-1', 'job-2'];
const SIZES = [0, 1, 2, 1023, 1024, 5_000_000, 2 ** 40];
const DIMS: Array<number | string | undefined> = [undefined, 0, 480, 640, 1920, '640'];
const TIMES = [
  null,
  '2025-02-28T00:00:00.000Z',
  '2025-02-28T00:00:00.001Z',
  '2025-02-27T23:59:59.999Z',
  '2025-03-01T00:00:00.000Z',
  '2025-05-30T09:27:29.000Z',
  '2025-05-30T09:27:28.999Z',
  '2025-01-01T00:00:00.000Z',
  '1999-12-31T23:59:59.999Z',
];
const TAGS = ['lane line', 'barrier gate', 'rainy days', 'Rainy Days', 'car', 'blue_car', '红色汽车', '车', 'line', 'a"b\\c', 'lane', 'gate barrier', 'Barrier-Gate'];

export function generateMetas(n: number, seed = 42): FileMeta[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const some = (xs: readonly string[], max: number) => Array.from({ length: Math.floor(r() * (max + 1)) }, () => pick(xs));
  return Array.from({ length: n }, (_, i) => {
    const fileName = pick(FILE_NAMES);
    const fileDir = pick(DIRS);
    const attrs: FileMeta['metaAttributes'] = {};
    const w = pick(DIMS);
    const h = pick(DIMS);
    if (w !== undefined) attrs.ImageWidth = w;
    if (h !== undefined) attrs.ImageHeight = h;
    const fileUpdateTime = pick(TIMES) ?? '2025-04-01T12:00:00.000Z';
    return makeFileMeta({
      datasetFileMetaId: `m${i}`,
      datasetId: 'ds1',
      versionName: 'v1',
      uri: `oss://bucket/${fileDir}${fileName}`,
      fileName,
      fileDir,
      dataSize: pick(SIZES),
      fileFingerPrint: `etag-${i}`,
      fileCreateTime: pick(TIMES),
      fileUpdateTime,
      fileType: pick(TYPES),
      fileFormat: pick(FORMATS),
      status: pick(STATUSES),
      contentType: pick(CONTENT_TYPES),
      metaAttributes: attrs,
      tags: { ai: some(TAGS, 4), user: some(TAGS, 2), userDeleteAiTags: some(TAGS, 2) },
      tagUpdateTime: pick(TIMES),
      semanticIndexJobId: pick(JOB_IDS),
      semanticIndexUpdateTime: pick(TIMES),
      createTime: '2025-01-01T00:00:00.000Z',
      updateTime: '2025-01-01T00:00:00.000Z',
    });
  });
}

/** Random filters over a pool of leaves (the table's and a few more), nested up to three levels. */
export function randomQueries(n: number, seed = 7): Expr[] {
  const r = rng(seed);
  const leaves: Expr[] = [
    ...Object.values(QUERIES).filter((q) => q.kind === 'compare' || q.kind === 'has'),
    match('FileName', 'jpg'),
    match('FileName', 'img 0001'),
    eq('FileDir', ''),
    has('FileDir'),
    has('FileType'),
    has('FileFormat'),
    eq('FileFormat', 'png'),
    match('FileFormat', 'JPEG'),
    eq('Status', 'ACTIVE'),
    not(eq('Status', 'DELETED')),
    match('Status', 'failed'),
    has('Status'),
    eq('DatasetFileMetaId', 'm3'),
    match('DatasetFileMetaId', 'M7'),
    has('DatasetFileMetaId'),
    has('ContentType'),
    eq('ContentType', ''),
    eq('SemanticIndexJobId', ''),
    has('FileCreateTime'),
    has('TagUpdateTime'),
    cmp('ImageWidth', '<', 640.5),
    cmp('ImageHeight', '>', -3),
    cmp('DataSize', '>', 2 ** 40 - 0.5),
    cmp('DataSize', '>', 1023.5),
    cmp('DataSize', '>=', 1e300),
    cmp('DataSize', '>', -1e300),
    cmp('DataSize', '<', -0.5),
    eq('ImageWidth', 640),
    cmp('ImageHeight', '<=', 479.9),
    match('Tags.user', 'rainy'),
    match('Tags.ai', 'gate'),
    eq('Tags.ai', 'Rainy Days'),
    match('Tags.user-delete-ai-tags', 'LINE'),
    match('FileName', 'οδοσ'),
    match('FileDir', '雨'),
    time('FileUpdateTime', '=', '2025-02-28T00:00:00.001Z'),
    time('FileCreateTime', '<', '2025-02-28T00:00:00Z'),
    // No tokens (the parser refuses these, hand-built ASTs need not): "present" (vacuously all tokens).
    match('ContentType', '!!'),
    match('SemanticIndexJobId', ''),
    match('Tags.ai', '--'),
    match('FileName', '...'),
  ];
  const gen = (depth: number): Expr => {
    const x = r();
    if (depth === 0 || x < 0.35) return leaves[Math.floor(r() * leaves.length)]!;
    if (x < 0.55) return not(gen(depth - 1));
    const items = Array.from({ length: 2 + Math.floor(r() * 2) }, () => gen(depth - 1));
    return x < 0.8 ? and(...items) : or(...items);
  };
  return Array.from({ length: n }, () => gen(3));
}

/**
 * For every query and every file: the backend's answer (its compiled query run by the test's
 * interpreter over the backend's document) equals the reference evaluator's. Queries a backend refuses
 * must be refused with UnsupportedPushdown, and only those. Returns how many pairs were compared.
 */
export function expectAgreement<Q, D>(opts: {
  queries: Expr[];
  metas: FileMeta[];
  compile: (e: Expr) => Q;
  document: (m: FileMeta) => D;
  run: (q: Q, d: D) => boolean;
}): number {
  const docs = opts.metas.map(opts.document);
  let compared = 0;
  const mismatches: string[] = [];
  for (const e of opts.queries) {
    let q: Q;
    try {
      q = opts.compile(e);
    } catch (err) {
      if (isUnsupportedPushdown(err)) continue;
      throw err;
    }
    opts.metas.forEach((m, i) => {
      const want = evaluate(e, m);
      const got = opts.run(q, docs[i]!);
      compared++;
      if (got !== want && mismatches.length < 5) mismatches.push(`${JSON.stringify(e)}\n on ${JSON.stringify(m)}: backend ${got}, evaluator ${want}`);
    });
  }
  expect(mismatches).toEqual([]);
  return compared;
}

// ---------------------------------------------------------------------------------------------------
// A tiny Elasticsearch (and OpenSearch: same DSL, same metadata mapping): the query subset the compiler
// emits, over a document checked against the mapping.

const MAPPING = metadataProperties();

function mappingOf(field: string): EsFieldMapping {
  const m = MAPPING[field];
  if (!m) throw new Error(`query names an unmapped field ${field}`);
  return m;
}

/** The indexed values of a field (a null, [] or absent field has none). */
function valuesOf(doc: EsDocument, field: string): Array<string | number> {
  const v = doc[field];
  if (v === null || v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

export function runEs(q: EsQuery, doc: EsDocument): boolean {
  if ('match_all' in q) return true;
  if ('match_none' in q) return false;
  if ('exists' in q) {
    mappingOf(q.exists.field);
    return valuesOf(doc, q.exists.field).length > 0;
  }
  if ('term' in q) {
    const [[field, value]] = Object.entries(q.term) as [[string, string | number]];
    const type = mappingOf(field).type;
    // A term on keyword is an exact string; on long a number. (We never send a term to a date.)
    if (type === 'keyword' ? typeof value !== 'string' : type !== 'long' || !Number.isSafeInteger(value)) {
      throw new Error(`term ${JSON.stringify(value)} on ${type} field ${field}`);
    }
    return valuesOf(doc, field).some((v) => v === value);
  }
  if ('range' in q) {
    const [[field, r]] = Object.entries(q.range) as [[string, NonNullable<(typeof q.range)[string]>]];
    const m = mappingOf(field);
    if (m.type !== 'long' && m.type !== 'date') throw new Error(`range on ${m.type} field ${field}`);
    if (m.type === 'date' && r.format !== 'epoch_millis') throw new Error(`date range on ${field} without format epoch_millis`);
    for (const b of [r.gt, r.gte, r.lt, r.lte]) if (b !== undefined && !Number.isSafeInteger(b)) throw new Error(`range bound ${b} on ${field}`);
    return valuesOf(doc, field).some(
      (v) =>
        typeof v === 'number' &&
        (r.gt === undefined || v > r.gt) &&
        (r.gte === undefined || v >= r.gte) &&
        (r.lt === undefined || v < r.lt) &&
        (r.lte === undefined || v <= r.lte),
    );
  }
  const b = q.bool;
  if (!b.filter && !b.should && !b.must_not) throw new Error('empty bool');
  if (b.should && b.minimum_should_match === undefined) throw new Error('should without minimum_should_match');
  return (
    (b.filter ?? []).every((x) => runEs(x, doc)) &&
    !(b.must_not ?? []).some((x) => runEs(x, doc)) &&
    (b.should === undefined || b.should.filter((x) => runEs(x, doc)).length >= b.minimum_should_match!)
  );
}

/** A document is what a strict mapping accepts: known fields, values of the field's type. */
export function checkEsDocument(doc: EsDocument): void {
  for (const [field, v] of Object.entries(doc)) {
    const m = mappingOf(field);
    for (const x of v === null ? [] : Array.isArray(v) ? v : [v]) {
      const ok = m.type === 'keyword' ? typeof x === 'string' : (m.type === 'long' || m.type === 'date') && Number.isSafeInteger(x);
      if (!ok) throw new Error(`${field}: ${JSON.stringify(x)} is not a ${m.type}`);
    }
  }
}
