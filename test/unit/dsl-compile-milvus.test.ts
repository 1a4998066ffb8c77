// Milvus pushdown: golden boolean expressions for the query table, and agreement with the reference
// evaluator when the expression TEXT is lexed, parsed and run (by a small interpreter below, following
// Milvus's grammar and string unquoting) over the rows the schema describes.
// Sources: grammar https://github.com/milvus-io/milvus/blob/master/internal/parser/planparserv2/Plan.g4
//   (StringLiteral/EscapeSequence; Unary `not` binds tighter than `==`; EmptyArray; `x in []` is valid:
//   plan_parser_v2_test.go TestExpr_Term), string unquoting: parser_visitor.go convertEscapeSingle →
//   Go strconv.Unquote. Operators https://milvus.io/docs/v2.4.x/boolean.md,
//   ARRAY_CONTAINS / ARRAY_CONTAINS_ALL / ARRAY_LENGTH https://milvus.io/docs/array-operators.md,
//   DataType numbers: milvus-proto schema.proto (Bool 1, Int64 5, VarChar 21, Array 22, FloatVector 101).
import { describe, expect, it } from 'vitest';
import { compileMilvusFilter, MILVUS_DATA_TYPE, milvusCollectionFields, milvusRow, milvusString, type MilvusFieldSchema, type MilvusRow } from '../../lib/dsl/compile-milvus.js';
import { UnsupportedPushdown } from '../../lib/dsl/vector-doc.js';
import { eq, expectAgreement, generateMetas, INJECTION, not, or, QUERIES, randomQueries, UNSUPPORTED, type QueryName } from './dsl-compile-fixtures.js';

const GOLDEN: Record<QueryName, string> = {
  textEq: 'file_name == "toyota.jpg"',
  textMatchCase: 'ARRAY_CONTAINS(file_name_tokens, "toyota")',
  textMatchTwoTokens: 'ARRAY_CONTAINS_ALL(file_dir_tokens, ["blue", "car"])',
  notTextEq: 'not (file_name == "toyota.jpg")',
  nullableTextEq: '(has_content_type == true and content_type == "image/jpeg")',
  notNullableTextEq: 'not (has_content_type == true and content_type == "image/jpeg")',
  hasText: 'semantic_index_job_id != ""',
  notHasText: 'not (semantic_index_job_id != "")',
  numberEq: 'data_size == 1024',
  numberGt: 'data_size > 1023',
  numberLtFraction: 'data_size <= 1',
  numberEqFraction: 'dataset_file_meta_id in []',
  numberHuge: '',
  attrGte: '(has_image_width == true and image_width >= 640)',
  notAttrGte: 'not (has_image_width == true and image_width >= 640)',
  attrLe: '(has_image_height == true and image_height <= 480)',
  hasAttr: 'has_image_height == true',
  timeWindow:
    '((has_file_update_time == true and file_update_time > 1740700800000) and (has_file_update_time == true and file_update_time < 1748597249000))',
  timeEq: '(has_file_create_time == true and file_create_time == 1740700800000)',
  notTimeLe: 'not (has_tag_update_time == true and tag_update_time <= 1740787200000)',
  timeGe: '(has_semantic_index_update_time == true and semantic_index_update_time >= 1735689600000)',
  listEq: 'ARRAY_CONTAINS(tags_all, "lane line")',
  listMatchOneToken: 'ARRAY_CONTAINS(tags_all_tokens, "lane")',
  notListEq: 'not (ARRAY_CONTAINS(tags_user, "rainy days"))',
  hasList: 'ARRAY_LENGTH(tags_user) > 0',
  notHasList: 'not (ARRAY_LENGTH(tags_ai) > 0)',
  deleteTagsEq: 'ARRAY_CONTAINS(tags_user_delete_ai_tags, "car")',
  cjkTextMatch: 'ARRAY_CONTAINS_ALL(file_name_tokens, ["红", "色"])',
  cjkListMatch: 'ARRAY_CONTAINS(tags_all_tokens, "车")',
  escapedEq: String.raw`file_name == "a\"quote\\.png"`,
  escapedListEq: String.raw`ARRAY_CONTAINS(tags_all, "a\"b\\c")`,
  injection: String.raw`file_name == "\" or file_name != \""`,
  uriMatch: 'ARRAY_CONTAINS_ALL(uri_tokens, ["oss", "bucket"])',
  orAndNot: '(file_type == "png" or (ARRAY_CONTAINS(file_dir_tokens, "cars") and not (content_type != "")))',
  notOr: 'not (file_type == "png" or data_size >= 1024)',
  foldedOr: 'file_type == "png"',
  foldedTrue: '',
  designExample:
    '((has_file_update_time == true and file_update_time > 1740700800000) and (has_file_update_time == true and file_update_time < 1748597249000)' +
    ' and ARRAY_CONTAINS_ALL(file_dir_tokens, ["blue", "car"]) and not (file_name == "toyota.jpg")' +
    ' and ((ARRAY_CONTAINS(tags_all, "lane line") and ARRAY_CONTAINS(tags_all, "barrier gate")) or not (ARRAY_CONTAINS(tags_user, "rainy days")))' +
    ' and semantic_index_job_id != "")',
};

// ---------------------------------------------------------------------------------------------------
// A tiny Milvus: lexer, parser and evaluator for the part of Plan.g4 the compiler emits.

type Tok = { t: 'id' | 'str' | 'int' | 'op' | 'punct' | 'eof'; v: string };

/** Go's strconv.Unquote for a double-quoted literal (after Milvus's convertEscapeSingle, a no-op here). */
function unquote(body: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '"' || c === '\n' || c === '\r') throw new Error(`raw ${JSON.stringify(c)} inside a string literal`);
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    const simple: Record<string, string> = { '\\': '\\', '"': '"', "'": "'", n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b', f: '\f', v: '\v' };
    if (e !== undefined && e in simple) out += simple[e];
    else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(body.slice(i + 1, i + 5))) {
      out += String.fromCharCode(parseInt(body.slice(i + 1, i + 5), 16));
      i += 4;
    } else throw new Error(`unknown escape \\${e}`);
  }
  return out;
}

function lex(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ') {
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
      if (j >= src.length) throw new Error('unterminated string');
      toks.push({ t: 'str', v: unquote(src.slice(i + 1, j)) });
      i = j + 1;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))![0];
      toks.push({ t: 'id', v: m });
      i += m.length;
    } else if (/[0-9-]/.test(c)) {
      const m = /^-?[0-9]+/.exec(src.slice(i));
      if (!m) throw new Error(`bad number at ${i}`);
      toks.push({ t: 'int', v: m[0] });
      i += m[0].length;
    } else {
      const op = ['==', '!=', '>=', '<=', '>', '<'].find((o) => src.startsWith(o, i));
      if (op) {
        toks.push({ t: 'op', v: op });
        i += op.length;
      } else if ('()[],'.includes(c)) {
        toks.push({ t: 'punct', v: c });
        i++;
      } else throw new Error(`unexpected ${JSON.stringify(c)} at ${i}`);
    }
  }
  toks.push({ t: 'eof', v: '' });
  return toks;
}

type Value = string | number | boolean;
type Node =
  | { k: 'and' | 'or'; a: Node; b: Node }
  | { k: 'not'; a: Node }
  | { k: 'cmp'; col: string; op: string; v: Value }
  | { k: 'in'; col: string; vs: Value[] }
  | { k: 'contains'; col: string; v: string }
  | { k: 'containsAll'; col: string; vs: string[] }
  | { k: 'length'; col: string; op: string; v: number };

function parseMilvus(src: string): Node {
  const toks = lex(src);
  let p = 0;
  const peek = () => toks[p]!;
  const next = () => toks[p++]!;
  const expect = (t: Tok['t'], v?: string) => {
    const x = next();
    if (x.t !== t || (v !== undefined && x.v !== v)) throw new Error(`expected ${v ?? t}, got ${x.v || x.t}`);
    return x;
  };
  const kw = (w: string) => peek().t === 'id' && peek().v.toLowerCase() === w;
  const literal = (): Value => {
    const x = next();
    if (x.t === 'str') return x.v;
    if (x.t === 'int') return Number(x.v);
    if (x.t === 'id' && (x.v === 'true' || x.v === 'false')) return x.v === 'true';
    throw new Error(`expected a literal, got ${x.v}`);
  };
  const list = (): Value[] => {
    expect('punct', '[');
    const vs: Value[] = [];
    if (peek().v !== ']') for (vs.push(literal()); peek().v === ','; next(), vs.push(literal()));
    expect('punct', ']');
    return vs;
  };
  const strings = (vs: Value[]) => vs.map((v) => (typeof v === 'string' ? v : (() => { throw new Error('array of non-strings'); })()));
  const or = (): Node => {
    let a = and();
    while (kw('or')) (next(), (a = { k: 'or', a, b: and() }));
    return a;
  };
  const and = (): Node => {
    let a = unary();
    while (kw('and')) (next(), (a = { k: 'and', a, b: unary() }));
    return a;
  };
  const unary = (): Node => {
    if (kw('not')) {
      next();
      // Plan.g4: `not` binds tighter than `==`, so an unparenthesised operand would change meaning.
      if (peek().v !== '(') throw new Error('not without parentheses');
      return { k: 'not', a: unary() };
    }
    return primary();
  };
  const primary = (): Node => {
    if (peek().v === '(') {
      next();
      const e = or();
      expect('punct', ')');
      return e;
    }
    const id = expect('id').v;
    const fn = id.toUpperCase();
    if (fn === 'ARRAY_CONTAINS' || fn === 'ARRAY_CONTAINS_ALL' || fn === 'ARRAY_LENGTH') {
      expect('punct', '(');
      const col = expect('id').v;
      if (fn === 'ARRAY_LENGTH') {
        expect('punct', ')');
        const op = expect('op').v;
        return { k: 'length', col, op, v: Number(expect('int').v) };
      }
      expect('punct', ',');
      const node: Node = fn === 'ARRAY_CONTAINS' ? { k: 'contains', col, v: strings([literal()])[0]! } : { k: 'containsAll', col, vs: strings(list()) };
      expect('punct', ')');
      return node;
    }
    if (kw('in')) {
      next();
      return { k: 'in', col: id, vs: list() };
    }
    const op = expect('op').v;
    return { k: 'cmp', col: id, op, v: literal() };
  };
  const e = or();
  expect('eof');
  return e;
}

const SCHEMA = new Map<string, MilvusFieldSchema>(milvusCollectionFields(8).map((f) => [f.name, f]));

function column(name: string, want: number, element?: number): MilvusFieldSchema {
  const f = SCHEMA.get(name);
  if (!f) throw new Error(`no field ${name} in the collection`);
  if (f.data_type !== want || (element !== undefined && f.element_type !== element)) throw new Error(`${name} has the wrong type for this operator`);
  return f;
}

function order(a: Value, op: string, b: Value): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
  }
  throw new Error(`operator ${op}`);
}

function runNode(n: Node, row: MilvusRow): boolean {
  switch (n.k) {
    case 'and':
      return runNode(n.a, row) && runNode(n.b, row);
    case 'or':
      return runNode(n.a, row) || runNode(n.b, row);
    case 'not':
      return !runNode(n.a, row);
    case 'cmp': {
      const f = SCHEMA.get(n.col);
      const want = typeof n.v === 'string' ? MILVUS_DATA_TYPE.VarChar : typeof n.v === 'number' ? MILVUS_DATA_TYPE.Int64 : MILVUS_DATA_TYPE.Bool;
      if (!f || f.data_type !== want) throw new Error(`${n.col} compared with ${JSON.stringify(n.v)}`);
      if (typeof n.v === 'boolean' && n.op !== '==') throw new Error('order on a bool');
      return order(row[n.col] as Value, n.op, n.v);
    }
    case 'in':
      if (!SCHEMA.has(n.col)) throw new Error(`no field ${n.col}`);
      return n.vs.includes(row[n.col] as Value);
    case 'contains':
      column(n.col, MILVUS_DATA_TYPE.Array, MILVUS_DATA_TYPE.VarChar);
      return (row[n.col] as string[]).includes(n.v);
    case 'containsAll':
      column(n.col, MILVUS_DATA_TYPE.Array, MILVUS_DATA_TYPE.VarChar);
      return n.vs.every((v) => (row[n.col] as string[]).includes(v));
    case 'length':
      column(n.col, MILVUS_DATA_TYPE.Array);
      return order((row[n.col] as string[]).length, n.op, n.v);
  }
}

/** A Milvus filter: '' keeps every row. */
const runMilvus = (expr: string, row: MilvusRow): boolean => expr === '' || runNode(parseMilvus(expr), row);

/** A row holds exactly the collection's scalar fields, each of its type and within its limits. */
function checkRow(row: MilvusRow): void {
  const names = [...SCHEMA.keys()].filter((n) => n !== 'embedding');
  expect(Object.keys(row).sort()).toEqual(names.sort());
  for (const [name, v] of Object.entries(row)) {
    const f = SCHEMA.get(name)!;
    const ok =
      f.data_type === MILVUS_DATA_TYPE.VarChar
        ? typeof v === 'string'
        : f.data_type === MILVUS_DATA_TYPE.Int64
          ? Number.isSafeInteger(v)
          : f.data_type === MILVUS_DATA_TYPE.Bool
            ? typeof v === 'boolean'
            : Array.isArray(v) && v.length <= f.max_capacity! && v.every((x) => typeof x === 'string');
    if (!ok) throw new Error(`${name}: ${JSON.stringify(v)}`);
  }
}

// ---------------------------------------------------------------------------------------------------

describe('Milvus pushdown', () => {
  it.each(Object.keys(QUERIES) as QueryName[])('compiles %s to its golden expression', (name) => {
    expect(compileMilvusFilter(QUERIES[name])).toBe(GOLDEN[name]);
  });

  it.each(Object.entries(UNSUPPORTED))('refuses %s with UnsupportedPushdown', (_, q) => {
    expect(() => compileMilvusFilter(q)).toThrow(UnsupportedPushdown);
  });

  it('keeps an injection attempt a literal: the parsed expression is one comparison with the whole value', () => {
    for (const value of [INJECTION, '\\" or 1 == 1 or "', 'x\\', '"', 'a\nb\r\tc\u0000d\u007f', "it's \\\\\"", '"); drop']) {
      const parsed = parseMilvus(compileMilvusFilter(eq('FileName', value)));
      expect(parsed).toEqual({ k: 'cmp', col: 'file_name', op: '==', v: value });
    }
    expect(milvusString('a\nb\u0001', { offset: 0, line: 1, col: 1 })).toBe(String.raw`"a\nb\u0001"`);
    const row = { file_name: INJECTION } as MilvusRow;
    expect(runMilvus(compileMilvusFilter(eq('FileName', INJECTION)), row)).toBe(true);
    expect(runMilvus(compileMilvusFilter(eq('FileName', INJECTION)), { file_name: 'other' })).toBe(false);
  });

  it('refuses a lone surrogate (UTF-8 cannot carry it) with the position of its value', () => {
    const q = or(eq('FileType', 'png'), not(eq('FileName', 'a\ud800b')));
    expect(() => compileMilvusFilter(q)).toThrow(UnsupportedPushdown);
    expect(compileMilvusFilter(eq('FileName', '😀'))).toBe('file_name == "😀"');
  });

  it('describes the collection: typed columns, has_ flags for what may be missing, token arrays, the vector', () => {
    const fields = milvusCollectionFields(768);
    const byName = new Map(fields.map((f) => [f.name, f]));
    expect(byName.get('dataset_file_meta_id')).toMatchObject({ data_type: 21, is_primary_key: true });
    expect(byName.get('file_name')).toEqual({ name: 'file_name', data_type: 21, max_length: 65535 });
    expect(byName.get('tags_all')).toEqual({ name: 'tags_all', data_type: 22, element_type: 21, max_capacity: 4096, max_length: 65535 });
    expect(byName.get('file_dir_tokens')).toMatchObject({ data_type: 22, element_type: 21 });
    expect(byName.get('data_size')).toEqual({ name: 'data_size', data_type: 5 });
    expect(byName.get('has_image_width')).toEqual({ name: 'has_image_width', data_type: 1 });
    expect(byName.has('has_file_name')).toBe(false);
    expect(byName.has('has_data_size')).toBe(false);
    expect(byName.has('has_tags_all')).toBe(false);
    expect(fields.at(-1)).toEqual({ name: 'embedding', data_type: 101, dim: 768 });
    expect(fields.length).toBeLessThanOrEqual(64);
  });

  it('builds rows with sentinels and has_ flags for missing values', () => {
    const [meta] = generateMetas(1);
    const row = milvusRow({
      ...meta!,
      contentType: null,
      semanticIndexJobId: '',
      metaAttributes: { ImageHeight: 480 },
      fileCreateTime: null,
      tags: { ai: ['Lane Line'], user: [], userDeleteAiTags: [] },
    });
    expect(row).toMatchObject({
      content_type: '',
      has_content_type: false,
      content_type_tokens: [],
      semantic_index_job_id: '',
      has_semantic_index_job_id: true,
      image_width: 0,
      has_image_width: false,
      image_height: 480,
      has_image_height: true,
      file_create_time: 0,
      has_file_create_time: false,
      tags_all: ['Lane Line'],
      tags_all_tokens: ['lane', 'line'],
      tags_user: [],
    });
    checkRow(row);
  });

  it('refuses a row beyond Milvus limits rather than truncating it', () => {
    const [meta] = generateMetas(1);
    const many = Array.from({ length: 4097 }, (_, i) => `t${i}`);
    expect(() => milvusRow({ ...meta!, tags: { ai: many, user: [], userDeleteAiTags: [] } })).toThrow(/more than Milvus allows/);
    expect(() => milvusRow({ ...meta!, uri: 'x'.repeat(65536) })).toThrow(/longer than Milvus allows/);
  });

  it('agrees with the evaluator on 200 files × the table and 300 random filters, parsing every expression', () => {
    const metas = generateMetas(200, 777);
    metas.forEach((m) => checkRow(milvusRow(m)));
    const compared = expectAgreement({
      queries: [...Object.values(QUERIES), ...randomQueries(300, 31)],
      metas,
      compile: (e) => {
        const text = compileMilvusFilter(e);
        return text === '' ? null : parseMilvus(text); // parse once per query
      },
      document: milvusRow,
      run: (node, row) => node === null || runNode(node, row),
    });
    expect(compared).toBeGreaterThan(200 * 300);
  });
});
