// The query language's parser: the PAI example, precedence, values, options, and errors at their positions.
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../lib/domain/errors.js';
import type { FileMeta } from '../../lib/domain/file-meta.js';
import type { Expr, Literal } from '../../lib/dsl/ast.js';
import { DslError } from '../../lib/dsl/dsl-error.js';
import { evaluate } from '../../lib/dsl/evaluator.js';
import type { QueryField } from '../../lib/dsl/fields.js';
import { MAX_QUERY_LENGTH, parseQuery } from '../../lib/dsl/parser.js';
import { printExpr, printQuery } from '../../lib/dsl/print.js';
import { makeFileMeta } from '../support/dsl-corpus.js';

// Trees without positions, to compare structurally.
type Bare =
  | { kind: 'and' | 'or'; items: Bare[] }
  | { kind: 'not'; expr: Bare }
  | { kind: 'compare'; field: QueryField; op: string; value: Literal }
  | { kind: 'has'; field: QueryField };
const bare = (e: Expr): Bare => {
  switch (e.kind) {
    case 'and':
    case 'or':
      return { kind: e.kind, items: e.items.map(bare) };
    case 'not':
      return { kind: 'not', expr: bare(e.expr) };
    case 'has':
      return { kind: 'has', field: e.field };
    case 'compare':
      return { kind: 'compare', field: e.field, op: e.op, value: e.value };
  }
};
const and = (...items: Bare[]): Bare => ({ kind: 'and', items });
const or = (...items: Bare[]): Bare => ({ kind: 'or', items });
const not = (expr: Bare): Bare => ({ kind: 'not', expr });
const has = (field: QueryField): Bare => ({ kind: 'has', field });
const cmp = (field: QueryField, op: string, value: string | number, instant?: number): Bare => ({
  kind: 'compare',
  field,
  op,
  value: typeof value === 'number' ? { kind: 'number', value } : instant === undefined ? { kind: 'string', value } : { kind: 'string', value, instant },
});
const filterOf = (src: string) => bare(parseQuery(src).filter!);

const PAI_EXAMPLE = `(FileUpdateTime > "2025-02-28T00:00:00Z" AND FileUpdateTime < "2025-05-30T09:27:29Z")
AND FileDir:"blue_car" AND NOT FileName="toyota.jpg"
AND ((Tags.all="lane line" AND Tags.all="barrier gate") OR NOT Tags.user="rainy days")
AND HAS SemanticIndexJobId AND Content:"a fallen water horse" AND TopK=100`;

const meta = makeFileMeta;

describe('the PAI example of DESIGN.md §5', () => {
  const q = parseQuery(PAI_EXAMPLE);

  it('parses into the expected tree and options', () => {
    expect(q.content).toBe('a fallen water horse');
    expect(q.topK).toBe(100);
    expect(q.scoreThreshold).toBeUndefined();
    expect(bare(q.filter!)).toEqual(
      and(
        and(
          cmp('FileUpdateTime', '>', '2025-02-28T00:00:00Z', Date.UTC(2025, 1, 28)),
          cmp('FileUpdateTime', '<', '2025-05-30T09:27:29Z', Date.UTC(2025, 4, 30, 9, 27, 29)),
        ),
        cmp('FileDir', ':', 'blue_car'),
        not(cmp('FileName', '=', 'toyota.jpg')),
        or(and(cmp('Tags.all', '=', 'lane line'), cmp('Tags.all', '=', 'barrier gate')), not(cmp('Tags.user', '=', 'rainy days'))),
        has('SemanticIndexJobId'),
      ),
    );
  });

  it('keeps source positions', () => {
    const f = q.filter as Extract<Expr, { kind: 'and' }>;
    expect(f.pos).toEqual({ offset: 1, line: 1, col: 2 });
    expect(f.items[1]!.pos).toMatchObject({ line: 2, col: 5 }); // FileDir
    expect(f.items[2]!.pos).toMatchObject({ line: 2, col: 28 }); // NOT
    expect((f.items[2] as Extract<Expr, { kind: 'not' }>).expr.pos).toMatchObject({ line: 2, col: 32 }); // FileName
    expect(f.items[4]!.pos).toMatchObject({ line: 4, col: 5 }); // HAS
  });

  it('evaluates as intended on hand-made files', () => {
    const cases: Array<[string, FileMeta, boolean]> = [
      ['matches', meta(), true],
      ['excluded file name', meta({ fileName: 'toyota.jpg' }), false],
      ['FileDir matches by tokens, not substring', meta({ fileDir: 'Blue-Car/2025/' }), true],
      ['FileDir lacks a token', meta({ fileDir: 'bluecar/' }), false],
      ['no tags and not rainy: the NOT branch', meta({ tags: { ai: [] } }), true],
      ['no tags but rainy', meta({ tags: { ai: [], user: ['rainy days'] } }), false],
      ['both tags and rainy', meta({ tags: { user: ['rainy days'] } }), true],
      ['user deleted an ai tag, rainy', meta({ tags: { userDeleteAiTags: ['lane line'], user: ['rainy days'] } }), false],
      ['user deleted an ai tag and re-added it', meta({ tags: { userDeleteAiTags: ['lane line'], user: ['rainy days', 'lane line'] } }), true],
      ['tag equality is case-sensitive', meta({ tags: { ai: ['Lane Line', 'barrier gate'], user: ['rainy days'] } }), false],
      ['not indexed', meta({ semanticIndexJobId: null }), false],
      ['empty job id is not HAS', meta({ semanticIndexJobId: '' }), false],
      ['update time at the exclusive upper bound', meta({ fileUpdateTime: '2025-05-30T09:27:29.000Z' }), false],
      ['update time 1 ms before it', meta({ fileUpdateTime: '2025-05-30T09:27:28.999Z' }), true],
      ['update time at the exclusive lower bound', meta({ fileUpdateTime: '2025-02-28T00:00:00.000Z' }), false],
    ];
    for (const [name, m, want] of cases) expect(evaluate(q.filter!, m), name).toBe(want);
  });

  it('prints back to a query that parses the same', () => {
    const again = parseQuery(printQuery(q));
    expect(bare(again.filter!)).toEqual(bare(q.filter!));
    expect({ ...again, filter: undefined }).toEqual({ ...q, filter: undefined });
  });
});

describe('precedence, grouping and case', () => {
  it.each<[string, Bare]>([
    ['HAS Uri OR HAS FileName AND HAS FileDir', or(has('Uri'), and(has('FileName'), has('FileDir')))],
    ['HAS Uri AND HAS FileName OR HAS FileDir', or(and(has('Uri'), has('FileName')), has('FileDir'))],
    ['NOT HAS Uri AND HAS FileName', and(not(has('Uri')), has('FileName'))],
    ['NOT HAS Uri OR NOT NOT HAS FileName', or(not(has('Uri')), not(not(has('FileName'))))],
    ['NOT (HAS Uri OR HAS FileName)', not(or(has('Uri'), has('FileName')))],
    ['(HAS Uri OR HAS FileName) AND HAS FileDir', and(or(has('Uri'), has('FileName')), has('FileDir'))],
    ['HAS Uri AND (HAS FileName AND HAS FileDir)', and(has('Uri'), and(has('FileName'), has('FileDir')))],
    ['HAS Uri AND HAS FileName AND HAS FileDir', and(has('Uri'), has('FileName'), has('FileDir'))],
    ['((HAS Uri))', has('Uri')],
    ['has uri and NoT fileNAME = "X" Or tags.ALL:"x"', or(and(has('Uri'), not(cmp('FileName', '=', 'X'))), cmp('Tags.all', ':', 'x'))],
    ['HAS TAGS.USER-DELETE-AI-TAGS', has('Tags.user-delete-ai-tags')],
    ['Tags.user-delete-ai-tags="a"', cmp('Tags.user-delete-ai-tags', '=', 'a')],
    ['ImageWidth>=-1.5e3', cmp('ImageWidth', '>=', -1500)],
    ['DataSize < .5 OR DataSize > -.5 OR DataSize = 1E3 OR DataSize <= 2.', or(cmp('DataSize', '<', 0.5), cmp('DataSize', '>', -0.5), cmp('DataSize', '=', 1000), cmp('DataSize', '<=', 2))],
    ['DataSize = -0', cmp('DataSize', '=', 0)],
    ['FileName = "say \\"hi\\" \\\\ ok"', cmp('FileName', '=', 'say "hi" \\ ok')],
    ['FileName="蓝色汽车.jpg"\tAND\r\nFileDir:"🚗 cars"', and(cmp('FileName', '=', '蓝色汽车.jpg'), cmp('FileDir', ':', '🚗 cars'))],
    ['FileName = ""', cmp('FileName', '=', '')],
    // PAI: single and double quotes are equivalent
    ["FileName='toyota.jpg'", cmp('FileName', '=', 'toyota.jpg')],
    ["FileName = 'o\\'brien \"x\" \\\\'", cmp('FileName', '=', 'o\'brien "x" \\')],
    ['FileName = "o\'brien"', cmp('FileName', '=', "o'brien")],
    ["Tags.all:'lane line' AND FileDir=\"cars/\"", and(cmp('Tags.all', ':', 'lane line'), cmp('FileDir', '=', 'cars/'))],
    ["FileUpdateTime > '2025-02-28'", { kind: 'compare', field: 'FileUpdateTime', op: '>', value: { kind: 'string', value: '2025-02-28', instant: Date.UTC(2025, 1, 28) } }],
    ["FileType='image' AND fileformat=\"png\"", and(cmp('FileType', '=', 'image'), cmp('FileFormat', '=', 'png'))],
    ["status='DELETED' OR HAS DatasetFileMetaId", or(cmp('Status', '=', 'DELETED'), has('DatasetFileMetaId'))],
  ])('%s', (src, want) => {
    expect(filterOf(src)).toEqual(want);
  });

  it('reads times as instants in every accepted spelling', () => {
    const at = (s: string) => ((parseQuery(`FileUpdateTime = "${s}"`).filter as { value: Literal }).value as { instant: number }).instant;
    const t = Date.UTC(2025, 1, 28);
    expect(at('2025-02-28')).toBe(t);
    expect(at('2025-02-28T00:00:00Z')).toBe(t);
    expect(at('2025-02-28T00:00:00')).toBe(t); // no zone = UTC
    expect(at('2025-02-28T00:00')).toBe(t);
    expect(at('2025-02-28t08:00:00+08:00')).toBe(t);
    expect(at('2025-02-27T19:30:00.000-04:30')).toBe(t);
    expect(at('2025-02-28T00:00:00.1239z')).toBe(t + 123); // beyond milliseconds: cut
    expect(at('2000-02-29')).toBe(Date.UTC(2000, 1, 29));
    expect(at('0001-01-01')).toBe(-62135596800000);
    expect(at('9999-12-31T23:59:59.999Z')).toBe(253402300799999);
  });

  it('lifts options out of the top-level AND chain, wherever they stand in it', () => {
    expect(parseQuery('Content:"a cat" AND TopK=10')).toEqual({ content: 'a cat', topK: 10 });
    expect(parseQuery('topk=5 AND content:"猫" AND scorethreshold=-0.25')).toEqual({ topK: 5, content: '猫', scoreThreshold: -0.25 });
    const q = parseQuery('TopK=5 AND HAS Uri AND ScoreThreshold=1');
    expect(q.topK).toBe(5);
    expect(q.scoreThreshold).toBe(1);
    expect(bare(q.filter!)).toEqual(has('Uri'));
    expect(bare(parseQuery('HAS Uri AND ScoreThreshold=-1 AND HAS FileName').filter!)).toEqual(and(has('Uri'), has('FileName')));
    expect(parseQuery('TopK=10000').topK).toBe(10000);
  });

  it("lifts PAI's request parameters written in the query: QueryType, SortBy, Order (canonicalised) and SignMode", () => {
    expect(parseQuery("QueryType='vector' AND Content:'a cat' AND sortby=\"filecreatetime\" AND Order='asc' AND SignMode=\"public\"")).toEqual({
      queryType: 'VECTOR',
      content: 'a cat',
      sortBy: 'FileCreateTime',
      order: 'ASC',
      signMode: 'PUBLIC',
    });
    const q = parseQuery('HAS Uri AND Order="DESC" AND TopK=3');
    expect(bare(q.filter!)).toEqual(has('Uri'));
    expect(parseQuery(printQuery(q))).toMatchObject({ order: 'DESC', topK: 3 });
  });

  it('allows 64 levels of nesting and 8192 characters', () => {
    expect(filterOf(`${'('.repeat(64)}HAS Uri${')'.repeat(64)}`)).toEqual(has('Uri'));
    expect(filterOf(`${'NOT '.repeat(64)}HAS Uri`)).toMatchObject({ kind: 'not' });
    expect(filterOf(`HAS Uri${' '.repeat(MAX_QUERY_LENGTH - 7)}`)).toEqual(has('Uri'));
  });

  it('prints trees the parser reads back the same', () => {
    for (const src of ['HAS Uri AND (HAS FileName AND HAS FileDir)', 'NOT (HAS Uri OR HAS FileName)', 'NOT NOT DataSize > -1e-7', 'FileName:"a \\"b\\" \\\\"']) {
      expect(filterOf(printExpr(parseQuery(src).filter!))).toEqual(filterOf(src));
    }
  });
});

const FIELDS =
  'FileName, FileDir, Uri, FileType, FileFormat, ContentType, SemanticIndexJobId, Status, DatasetFileMetaId, DataSize, ImageWidth, ImageHeight, FileCreateTime, FileUpdateTime, TagUpdateTime, SemanticIndexUpdateTime, Tags.all, Tags.ai, Tags.user, Tags.user-delete-ai-tags';
const NAMES = `${FIELDS}, Content, TopK, ScoreThreshold, QueryType, SortBy, Order, SignMode`;
const TIME = 'an ISO 8601 time from year 0000 to 9999, such as "2025-02-28T00:00:00Z"';

describe('errors name the position and what was expected', () => {
  it.each<[string, string]>([
    ['', '1:1: expected a condition, found end of input'],
    [' \n\t ', '2:3: expected a condition, found end of input'],
    ['FileName', '1:9: expected an operator (=, :, >, >=, <, <=) after FileName, found end of input'],
    ['FileName:', "1:10: expected a quoted value after ':', found end of input"],
    ['FileName = "toyota.jpg" AND FileDir:', "1:37: expected a quoted value after ':', found end of input"],
    ['FileName="abc', `1:14: expected '"' to close the string at 1:10, found end of input`],
    ['FileName="ab\ncd"', `1:13: expected '"' to close the string at 1:10, found a line break`],
    ['FileName="a\\nb"', `1:12: expected \\", \\' or \\\\ after '\\', found '\\n'`],
    ['FileName="a\\', `1:12: expected \\", \\' or \\\\ after '\\', found end of input`],
    ['Foo="x"', `1:1: expected a field name (one of ${NAMES}), found 'Foo'`],
    ['constructor = "x"', `1:1: expected a field name (one of ${NAMES}), found 'constructor'`],
    ['HAS __proto__', `1:5: expected a field after 'HAS' (one of ${FIELDS}), found '__proto__'`],
    ['DataSize = ..5', "1:12: expected a number after '=', found '.'"],
    ['tags.everything="x"', `1:1: expected a field name (one of ${NAMES}), found 'tags.everything'`],
    ['HAS Bar', `1:5: expected a field after 'HAS' (one of ${FIELDS}), found 'Bar'`],
    ['has', `1:4: expected a field after 'has' (one of ${FIELDS}), found end of input`],
    ['HAS TopK', `1:5: expected a field after 'HAS' (one of ${FIELDS}), found 'TopK'`],
    ['DataSize:"x"', "1:9: expected '=', '>', '>=', '<' or '<=' after DataSize (a number field), found ':'"],
    ['DataSize="x"', `1:10: expected a number after '=', found string "x"`],
    ['FileName > 3', "1:10: expected '=' or ':' after FileName (a text field), found '>'"],
    ['FileName = 3', "1:12: expected a quoted value after '=', found number 3"],
    ['Tags.all >= "a"', "1:10: expected '=' or ':' after Tags.all (a list field), found '>='"],
    ['FileUpdateTime > "yesterday"', `1:18: expected ${TIME}, found string "yesterday"`],
    ['FileUpdateTime > "2025-02-30"', `1:18: expected ${TIME}, found string "2025-02-30"`],
    ['FileUpdateTime > "2100-02-29"', `1:18: expected ${TIME}, found string "2100-02-29"`],
    ['FileUpdateTime > "2025-02-28T25:00:00Z"', `1:18: expected ${TIME}, found string "2025-02-28T25:00:00Z"`],
    ['FileUpdateTime > "2025-02-28 00:00:00Z"', `1:18: expected ${TIME}, found string "2025-02-28 00:00:00Z"`],
    ['FileUpdateTime > "9999-12-31T23:00:00-05:00"', `1:18: expected ${TIME}, found string "9999-12-31T23:00:00-05:00"`],
    ['FileUpdateTime > 20250228', "1:18: expected a quoted ISO 8601 time after '>', found number 20250228"],
    ['FileUpdateTime:"2025"', "1:15: expected '=', '>', '>=', '<' or '<=' after FileUpdateTime (a time field), found ':'"],
    ['HAS Uri OR TopK=10', '1:12: expected TopK only as a term of the top-level AND, found it inside OR'],
    ['NOT TopK=10', '1:5: expected TopK only as a term of the top-level AND, found it under NOT'],
    ['(TopK=10)', '1:2: expected TopK only as a term of the top-level AND, found it inside parentheses'],
    ['HAS Uri AND (HAS Tags.all AND Content:"a cat")', '1:31: expected Content only as a term of the top-level AND, found it inside parentheses'],
    ['HAS Uri OR HAS FileName AND ScoreThreshold=0.5', '1:29: expected ScoreThreshold only as a term of the top-level AND, found it inside OR'],
    ['TopK=10 AND HAS Uri AND TopK=20', "1:25: expected at most one TopK, found another 'TopK'"],
    ['TopK=0', "1:6: expected a whole number from 1 to 10000 after 'TopK=', found number 0"],
    ['TopK=10001', "1:6: expected a whole number from 1 to 10000 after 'TopK=', found number 10001"],
    ['TopK=2.5', "1:6: expected a whole number from 1 to 10000 after 'TopK=', found number 2.5"],
    ['TopK:"5"', "1:5: expected '=' after TopK, found ':'"],
    ['ScoreThreshold=1.5', "1:16: expected a number from -1 to 1 after 'ScoreThreshold=', found number 1.5"],
    ['Content:""', `1:9: expected a non-empty quoted text after 'Content:', found string ""`],
    ['Content="cat"', "1:8: expected ':' after Content, found '='"],
    ['HAS Uri HAS Tags.all', "1:9: expected AND, OR or end of input, found 'HAS'"],
    ['TopK=5 TopK=6', "1:8: expected AND, OR or end of input, found 'TopK'"],
    ['HAS Uri)', "1:8: expected AND, OR or end of input, found ')'"],
    ['(HAS Uri', "1:9: expected AND, OR or ')' closing the '(' at 1:1, found end of input"],
    ['((HAS Uri) AND (HAS FileName)', "1:30: expected AND, OR or ')' closing the '(' at 1:1, found end of input"],
    ['()', "1:2: expected a condition after '(', found ')'"],
    ['HAS Uri AND', "1:12: expected a condition after 'AND', found end of input"],
    ['AND HAS Uri', "1:1: expected a condition, found 'AND'"],
    ['NOT', "1:4: expected a condition after 'NOT', found end of input"],
    ['HAS Uri or OR HAS Uri', "1:12: expected a condition after 'or', found 'OR'"],
    [`${'('.repeat(65)}HAS Uri${')'.repeat(65)}`, "1:65: expected at most 64 levels of nesting, found '('"],
    [`${'NOT '.repeat(65)}HAS Uri`, "1:257: expected at most 64 levels of nesting, found 'NOT'"],
    ['FileDir:"/"', `1:9: expected a quoted value with a letter or digit after ':', found string "/"`],
    ['Tags.all:"  -_- "', `1:10: expected a quoted value with a letter or digit after ':', found string "  -_- "`],
    ["FileName='x", `1:12: expected "'" to close the string at 1:10, found end of input`],
    ["FileName='a\nb'", `1:12: expected "'" to close the string at 1:10, found a line break`],
    ['SyncTime > "2025-01-01"', "1:1: expected a field Loupe has (SyncTime is not recorded: FileUpdateTime, TagUpdateTime and SemanticIndexUpdateTime are), found 'SyncTime'"],
    ['HAS Uri AND MaxResults=10', "1:13: expected a condition (MaxResults is a request parameter, not part of the expression), found 'MaxResults'"],
    ['ThumbnailMode="w_10"', "1:1: expected a condition (ThumbnailMode is a request parameter, not part of the expression), found 'ThumbnailMode'"],
    ['NextToken="x"', "1:1: expected a condition (NextToken is a request parameter, not part of the expression), found 'NextToken'"],
    ['QueryVideo="oss://b/v.mp4"', "1:1: expected a condition (Loupe has no video search), found 'QueryVideo'"],
    ['QueryType="HYBRID"', `1:11: expected one of "MIX", "TAG" or "VECTOR" after 'QueryType=', found string "HYBRID"`],
    ['Order=ASC', "1:7: expected one of \"ASC\" or \"DESC\" after 'Order=', found 'ASC'"],
    ['SortBy="Size"', `1:8: expected one of "FileUpdateTime", "FileCreateTime", "FileName", "DataSize", "DatasetFileMetaId" or "Score" after 'SortBy=', found string "Size"`],
    ['HAS Uri OR Order="ASC"', '1:12: expected Order only as a term of the top-level AND, found it inside OR'],
    ['SignMode=1', `1:10: expected a quoted word after 'SignMode=', such as "PUBLIC", found number 1`],
    ['DataSize = 12abc', "1:12: expected a number, found '12abc'"],
    ['DataSize = 1.2.3', "1:12: expected a number, found '1.2.3'"],
    ['DataSize = 1e999', '1:12: expected a finite number, found number 1e999'],
    ['DataSize = -', "1:12: expected a number after '=', found '-'"],
    ['FileName # "x"', "1:10: expected an operator (=, :, >, >=, <, <=) after FileName, found '#'"],
    ['FileName = "x" AND\n  DataSize > "big"', `2:14: expected a number after '>', found string "big"`],
    ['HAS Uri\r\nAND FileName="x\r\n"', `2:16: expected '"' to close the string at 2:14, found a line break`],
    ['HAS Uri AND\n\n   Foo:"x"', `3:4: expected a field name (one of ${NAMES}), found 'Foo'`],
    ['FileName = "蓝色" AND 文件:"x"', `1:21: expected a field name (one of ${NAMES}), found '文件'`],
    ['Tags.all = "🚗" AND 🚗', "1:20: expected a condition after 'AND', found '🚗'"],
    ['FileName = "x" \u0007', '1:16: expected AND, OR or end of input, found U+0007'],
    [`FileName = "${'a'.repeat(40)}" x`, "1:55: expected AND, OR or end of input, found 'x'"],
    [`FileName = 3${'4'.repeat(40)}`, `1:12: expected a quoted value after '=', found number 3${'4'.repeat(29)}…`],
  ])('%j', (src, message) => {
    let error: unknown;
    try {
      parseQuery(src);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DslError);
    const e = error as DslError;
    expect(e.message).toBe(message);
    expect(`${e.line}:${e.col}`).toBe(message.slice(0, message.indexOf(': ')));
  });

  it('are 400s on QueryExpression', () => {
    const e = (() => {
      try {
        parseQuery('FileName >');
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(DomainError);
    expect(e).toMatchObject({ kind: 'Invalid', field: 'QueryExpression', line: 1, col: 10, expected: "'=' or ':' after FileName (a text field)" });
  });

  it('refuse a query over 8192 characters, pointing past the limit', () => {
    expect(() => parseQuery(`HAS Uri${' '.repeat(MAX_QUERY_LENGTH - 6)}`)).toThrow(`1:8193: expected a query of at most 8192 characters, found more`);
    expect(() => parseQuery(`HAS Uri\n${'x'.repeat(MAX_QUERY_LENGTH)}`)).toThrow(`2:8185: expected a query of at most 8192 characters, found more`);
  });

  it('do not overflow the stack on deep input', () => {
    const deep = '('.repeat(MAX_QUERY_LENGTH);
    expect(() => parseQuery(deep)).toThrow(DslError);
    expect(() => parseQuery('NOT '.repeat(2048))).toThrow(DslError);
  });
});

