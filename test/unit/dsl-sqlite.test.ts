// The SQLite compiler against the evaluator: hand-made edge cases, ~2,000 generated FileMetas under
// thousands of random queries (and the printer's round trip through the parser), and SQL injection.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SQLITE_MIGRATIONS } from '../../lib/adapters/metastore/sqlite-migrations.js';
import type { FileMeta } from '../../lib/domain/file-meta.js';
import type { Expr } from '../../lib/dsl/ast.js';
import { compileSqlite, registerDslFunctions } from '../../lib/dsl/compile-sqlite.js';
import { fieldValue } from '../../lib/dsl/evaluator.js';
import { fieldType, QUERY_FIELDS, type QueryField } from '../../lib/dsl/fields.js';
import { parseQuery } from '../../lib/dsl/parser.js';
import { printExpr, quoteDslString } from '../../lib/dsl/print.js';
import { evaluatedIds, insertFileMetas, makeFileMeta, randomCorpus, randomExpr, seededRng, type Corpus } from '../support/dsl-corpus.js';
import { DslError } from '../../lib/dsl/dsl-error.js';

const SEED = Number(process.env.LOUPE_DSL_SEED ?? 20250530);
const ROWS = 2000;
const QUERIES = 3000;

function openFileMetaDb(metas: readonly FileMeta[]): Database.Database {
  const db = new Database(':memory:');
  for (const m of SQLITE_MIGRATIONS) db.exec(m);
  registerDslFunctions(db);
  insertFileMetas(db, metas);
  return db;
}

function sqlIds(db: Database.Database, expr: Expr): string[] {
  const { sql, params } = compileSqlite(expr, { alias: 'fm' });
  // one string, not a row per id: returning rows costs more than most filters
  const ids = db.prepare(`SELECT group_concat(fm.id, char(9)) FROM file_metas AS fm WHERE ${sql}`).pluck().get(...params) as string | null;
  return ids === null ? [] : ids.split('\t').sort();
}

const stripPos = (e: Expr): unknown => {
  switch (e.kind) {
    case 'and':
    case 'or':
      return { kind: e.kind, items: e.items.map(stripPos) };
    case 'not':
      return { kind: 'not', expr: stripPos(e.expr) };
    case 'has':
      return { kind: 'has', field: e.field };
    case 'compare':
      return { kind: 'compare', field: e.field, op: e.op, value: e.value };
  }
};

describe(`DSL differential: SQLite vs evaluator (seed ${SEED})`, () => {
  let corpus: Corpus;
  let db: Database.Database;
  let queries: Expr[];

  beforeAll(() => {
    const rng = seededRng(SEED);
    corpus = randomCorpus(rng, ROWS);
    db = openFileMetaDb(corpus.metas);
    queries = Array.from({ length: QUERIES }, () => randomExpr(rng, corpus, 5));
  });
  afterAll(() => db.close());

  it('fieldValue types agree with the field catalogue', () => {
    for (const f of Object.keys(QUERY_FIELDS) as QueryField[]) {
      expect(fieldValue(f, corpus.metas[0]!).type).toBe(fieldType(f));
    }
  });

  it(`selects the same rows for ${QUERIES} random queries`, () => {
    let nonTrivial = 0;
    const sizes = new Set<number>();
    queries.forEach((q, i) => {
      const want = evaluatedIds(q, corpus.metas);
      const got = sqlIds(db, q);
      if (got.length !== want.length || got.some((id, j) => id !== want[j])) {
        const onlySql = got.filter((id) => !want.includes(id)).slice(0, 5);
        const onlyEval = want.filter((id) => !got.includes(id)).slice(0, 5);
        expect.fail(
          `seed ${SEED}, query #${i}: ${printExpr(q)}\n  SQL only: ${onlySql.join(', ')}\n  evaluator only: ${onlyEval.join(', ')}\n` +
            `  e.g. ${JSON.stringify(corpus.metas.find((m) => m.datasetFileMetaId === (onlySql[0] ?? onlyEval[0])))}`,
        );
      }
      if (want.length > 0 && want.length < ROWS) nonTrivial++;
      sizes.add(want.length);
    });
    // the generator must exercise the data, not produce only all-or-nothing queries
    expect(nonTrivial / QUERIES).toBeGreaterThan(0.5);
    expect(sizes.size).toBeGreaterThan(200);
  });

  it('every field and operator appears in atoms that select some rows but not all', () => {
    const selective = new Set<string>();
    const visit = (e: Expr) => {
      if (e.kind === 'and' || e.kind === 'or') e.items.forEach(visit);
      else if (e.kind === 'not') visit(e.expr);
      else {
        const key = e.kind === 'has' ? `HAS ${e.field}` : `${e.field} ${e.op}`;
        if (selective.has(key)) return;
        const n = evaluatedIds(e, corpus.metas).length;
        if (n > 0 && n < ROWS) selective.add(key);
      }
    };
    queries.forEach(visit);
    const expected = (Object.keys(QUERY_FIELDS) as QueryField[]).flatMap((f) => [
      `HAS ${f}`,
      ...(['text', 'list'].includes(fieldType(f)) ? ['=', ':'] : ['=', '>', '>=', '<', '<=']).map((op) => `${f} ${op}`),
    ]);
    // HAS on a never-empty field is always true
    const always = ['HAS FileName', 'HAS Uri', 'HAS DataSize', 'HAS FileUpdateTime', 'HAS Status', 'HAS DatasetFileMetaId'];
    expect(expected.filter((k) => !always.includes(k) && !selective.has(k))).toEqual([]);
  });

  it('parse(print(ast)) is the same tree, positions aside', () => {
    queries.forEach((q, i) => {
      const src = printExpr(q);
      const back = parseQuery(src);
      expect(back.content ?? back.topK ?? back.scoreThreshold, `#${i}: ${src}`).toBeUndefined();
      expect(stripPos(back.filter!), `seed ${SEED}, #${i}: ${src}`).toEqual(stripPos(q));
    });
  });

  it('long AND/OR chains stay within SQLite expression depth', () => {
    for (const [term, op] of [['DataSize=', 'OR'], ['NOT DataSize=', 'AND']] as const) {
      let src = `${term}0`;
      for (let i = 1; src.length + 30 < 8192; i++) src += ` ${op} ${term}${i * 10}`;
      const q = parseQuery(src);
      expect(q.filter?.kind).toBe(op.toLowerCase());
      expect((q.filter as { items: unknown[] }).items.length).toBeGreaterThan(300);
      expect(sqlIds(db, q.filter!)).toEqual(evaluatedIds(q.filter!, corpus.metas));
    }
  });
});

describe('two-valued logic and the edges of each field', () => {
  const metas = [
    makeFileMeta({ datasetFileMetaId: 'm1' }),
    makeFileMeta({
      datasetFileMetaId: 'm2',
      contentType: null,
      metaAttributes: {},
      semanticIndexJobId: null,
      semanticIndexUpdateTime: null,
      tagUpdateTime: null,
      tags: { ai: [] },
    }),
    makeFileMeta({ datasetFileMetaId: 'm3', contentType: '', fileType: '', metaAttributes: { ImageWidth: '640', ImageHeight: true }, semanticIndexJobId: '' }),
    makeFileMeta({ datasetFileMetaId: 'm4', metaAttributes: { ImageWidth: 1.5, ImageHeight: 0 }, tags: { ai: ['car'], userDeleteAiTags: ['car'] } }),
    makeFileMeta({ datasetFileMetaId: 'm5', tags: { ai: ['car'], userDeleteAiTags: ['car'], user: ['car'] } }),
    makeFileMeta({ datasetFileMetaId: 'm6', tags: { ai: [], userDeleteAiTags: ['truck'] } }),
    makeFileMeta({ datasetFileMetaId: 'm7', fileCreateTime: '2025-01-01T00:00:00.000Z', fileName: 'IMG_0001.JPG', fileDir: '蓝色汽车/', dataSize: 7 }),
  ];
  let db: Database.Database;
  beforeAll(() => {
    db = openFileMetaDb(metas);
  });
  afterAll(() => db.close());

  it.each<[string, string[]]>([
    ['ContentType = "image/jpeg"', ['m1', 'm4', 'm5', 'm6', 'm7']],
    ['NOT ContentType = "image/jpeg"', ['m2', 'm3']],
    ['HAS ContentType', ['m1', 'm4', 'm5', 'm6', 'm7']],
    ['HAS FileType', ['m1', 'm2', 'm4', 'm5', 'm6', 'm7']],
    ['ImageWidth > 1', ['m1', 'm4', 'm5', 'm6', 'm7']],
    ['NOT ImageWidth > 1', ['m2', 'm3']],
    ['NOT ImageWidth <= 1', ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']],
    ['ImageWidth = 1.5', ['m4']],
    ['HAS ImageWidth', ['m1', 'm4', 'm5', 'm6', 'm7']],
    ['HAS ImageHeight', ['m1', 'm4', 'm5', 'm6', 'm7']],
    ['ImageHeight < 1', ['m4']],
    ['Tags.ai = "car"', ['m4', 'm5']],
    ['Tags.all = "car"', ['m5']],
    ['Tags.all:"CAR"', ['m5']],
    ['NOT Tags.all = "car"', ['m1', 'm2', 'm3', 'm4', 'm6', 'm7']],
    ['HAS Tags.all', ['m1', 'm3', 'm5', 'm7']],
    ['HAS Tags.user-delete-ai-tags', ['m4', 'm5', 'm6']],
    ['Tags.all:"lane barrier"', []],
    ['Tags.all:"line LANE"', ['m1', 'm3', 'm7']],
    ['FileCreateTime = "2025-01-01T08:00:00+08:00"', ['m7']],
    ['FileCreateTime <= "2025-01-01"', ['m7']],
    ['NOT FileCreateTime < "2030-01-01"', ['m1', 'm2', 'm3', 'm4', 'm5', 'm6']],
    ['NOT TagUpdateTime > "2000-01-01"', ['m2']],
    ['SemanticIndexUpdateTime >= "2025-03-17T00:00:00.000Z"', ['m1', 'm3', 'm4', 'm5', 'm6', 'm7']],
    ['SemanticIndexUpdateTime > "2025-03-17T00:00:00.000Z"', []],
    ['FileUpdateTime = "2025-03-15T10:00:00Z"', ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']],
    ['FileName:"img 0001"', ['m7']],
    ['FileName = "img_0001.jpg"', []],
    ['FileName = "IMG_0001.JPG"', ['m7']],
    ['FileDir:"汽车"', ['m7']],
    ['FileDir:"汽车 blue"', []],
    ['SemanticIndexJobId = ""', ['m3']],
    ['NOT SemanticIndexJobId = "job-1"', ['m2', 'm3']],
    ['NOT SemanticIndexJobId:"job"', ['m2', 'm3']],
    ['HAS SemanticIndexJobId', ['m1', 'm4', 'm5', 'm6', 'm7']],
    ['DataSize = 1024.0 AND NOT DataSize > 1024', ['m1', 'm2', 'm3', 'm4', 'm5', 'm6']],
    ['DataSize < 7.5 OR NOT (HAS ImageWidth OR HAS ContentType)', ['m2', 'm3', 'm7']],
  ])('%s', (src, want) => {
    const filter = parseQuery(src).filter!;
    expect(evaluatedIds(filter, metas), 'evaluator').toEqual(want);
    expect(sqlIds(db, filter), 'SQLite').toEqual(want);
  });
});

describe('SQL injection', () => {
  const NASTY = [
    "x' OR '1'='1",
    '"); DROP TABLE file_metas; --',
    "'; DELETE FROM file_metas; SELECT '",
    "Robert'); DROP TABLE file_metas;--",
    ') OR (1=1',
    "' OR 1=1 --",
    '%',
    '_',
    '\\',
    '? ?1 :name @p $x',
    "lane line' UNION SELECT id FROM file_metas --",
  ];
  const STRING_FIELDS = (Object.keys(QUERY_FIELDS) as QueryField[]).filter((f) => ['text', 'list'].includes(fieldType(f)));
  // each value is the exact value of some row's every string field, so `=` has something to find
  const metas = NASTY.map((v, i) =>
    makeFileMeta({
      datasetFileMetaId: `n${i}`,
      fileName: v,
      fileDir: v,
      uri: v,
      fileType: v,
      contentType: v,
      semanticIndexJobId: v,
      tags: { ai: [v, 'car'], user: [v], userDeleteAiTags: [v] },
    }),
  ).concat(makeFileMeta({ datasetFileMetaId: 'plain' }));
  let db: Database.Database;
  beforeAll(() => {
    db = openFileMetaDb(metas);
  });
  afterAll(() => db.close());

  it('values in every string position are bound parameters, and select what the evaluator selects', () => {
    let compiled = 0;
    for (const v of NASTY) {
      for (const field of STRING_FIELDS) {
        for (const op of ['=', ':'] as const) {
          const query = (value: string) => `NOT HAS DataSize OR ${field}${op}${quoteDslString(value)}`;
          let filter: Expr;
          try {
            filter = parseQuery(query(v)).filter!;
          } catch (e) {
            // `:` with a value of punctuation only is refused before any SQL exists
            expect(e, `${field}${op}${v}`).toBeInstanceOf(DslError);
            expect(op).toBe(':');
            continue;
          }
          const { sql, params } = compileSqlite(filter);
          // the SQL text does not depend on the value at all
          expect(sql).toBe(compileSqlite(parseQuery(query('safe')).filter!).sql);
          expect(params).toContain(v);
          expect(sqlIds(db, filter), `${field}${op}${v}`).toEqual(evaluatedIds(filter, metas));
          compiled++;
        }
      }
    }
    expect(compiled).toBeGreaterThan(NASTY.length * STRING_FIELDS.length);
    expect(db.prepare('SELECT count(*) FROM file_metas').pluck().get()).toBe(metas.length);
    // an exact match finds exactly its row
    expect(sqlIds(db, parseQuery(`FileName = ${quoteDslString(NASTY[0]!)}`).filter!)).toEqual(['n0']);
  });

  it('time positions refuse them; Content keeps them as text for the vector query', () => {
    for (const v of NASTY) {
      expect(() => parseQuery(`FileUpdateTime > ${quoteDslString(v)}`)).toThrow(DslError);
      expect(parseQuery(`Content:${quoteDslString(v)}`).content).toBe(v);
    }
  });

  it('an alias must be an identifier', () => {
    const filter = parseQuery('HAS Uri').filter!;
    expect(() => compileSqlite(filter, { alias: 'fm; DROP TABLE file_metas' })).toThrow();
    expect(compileSqlite(parseQuery('FileName = "a"').filter!, { alias: 'fm' }).sql).toBe('(fm.file_name = ?)');
  });
});
