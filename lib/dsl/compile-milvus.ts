// Milvus (2.4+) pushdown: the collection schema the Milvus vector store creates, the row it inserts per
// file, and a filter compiled to a Milvus boolean expression (the `filter`/`expr` of search and query).
//
// Milvus 2.4 has no nulls: a field that may be missing stores a sentinel ('' or 0) and `has_<column>`
// says whether it is real; every comparison on such a field is guarded by its flag, so each leaf is
// false on a missing value and Milvus's own `not` is exactly our two-valued NOT. `:` is ARRAY_CONTAINS /
// ARRAY_CONTAINS_ALL over `<column>_tokens` (our own tokens, see vector-doc.ts).
// Cannot push down: `:` with several tokens on a list field (UnsupportedPushdown, see vector-doc.ts);
// a string that is not well-formed UTF-16 (a lone surrogate cannot travel as UTF-8).
// Grammar: https://github.com/milvus-io/milvus/blob/master/internal/parser/planparserv2/Plan.g4
// Operators: https://milvus.io/docs/v2.4.x/boolean.md, https://milvus.io/docs/array-operators.md
import { DomainError } from '../domain/errors.js';
import type { FileMeta } from '../domain/file-meta.js';
import type { Expr, Pos } from './ast.js';
import { fieldType, type QueryField } from './fields.js';
import {
  COLUMN,
  compileFilter,
  isAlwaysPresent,
  KEY_COLUMN,
  VALUE_FIELD_NAMES,
  TOKENIZED_FIELDS,
  tokensColumn,
  UnsupportedPushdown,
  VECTOR_COLUMN,
  vectorDocument,
  type FilterAlgebra,
  type Leaf,
} from './vector-doc.js';

/** DataType numbers of milvus-proto's schema.proto (the Node SDK's `DataType` enum has the same). */
export const MILVUS_DATA_TYPE = { Bool: 1, Int64: 5, VarChar: 21, Array: 22, FloatVector: 101 } as const;

/** Milvus's own limits: VARCHAR max_length ≤ 65,535 bytes, ARRAY max_capacity ≤ 4,096 elements. */
export const MILVUS_MAX_LENGTH = 65_535;
export const MILVUS_MAX_CAPACITY = 4_096;
const KEY_MAX_LENGTH = 512;

export interface MilvusFieldSchema {
  name: string;
  data_type: number;
  is_primary_key?: boolean;
  max_length?: number;
  element_type?: number;
  max_capacity?: number;
  dim?: number;
}

/** `has_<column>`: true when the field has a real value (Milvus 2.4 cannot store null). */
export const hasColumn = (f: QueryField): string => `has_${COLUMN[f]}`;

/** Text, number and time fields a file may lack; lists are never missing, only empty. */
const nullable = (f: QueryField): boolean => fieldType(f) !== 'list' && !isAlwaysPresent(f);

const varchar = (name: string, max_length = MILVUS_MAX_LENGTH): MilvusFieldSchema => ({ name, data_type: MILVUS_DATA_TYPE.VarChar, max_length });
const varcharArray = (name: string): MilvusFieldSchema => ({
  name,
  data_type: MILVUS_DATA_TYPE.Array,
  element_type: MILVUS_DATA_TYPE.VarChar,
  max_capacity: MILVUS_MAX_CAPACITY,
  max_length: MILVUS_MAX_LENGTH,
});

/** The collection's fields (44 of Milvus's default maximum of 64), vector last. */
export function milvusCollectionFields(dims: number): MilvusFieldSchema[] {
  const fields: MilvusFieldSchema[] = [
    { ...varchar(KEY_COLUMN.id, KEY_MAX_LENGTH), is_primary_key: true },
    varchar(KEY_COLUMN.datasetId, KEY_MAX_LENGTH),
    varchar(KEY_COLUMN.versionName, KEY_MAX_LENGTH),
  ];
  for (const f of VALUE_FIELD_NAMES) {
    const type = fieldType(f);
    fields.push(type === 'text' ? varchar(COLUMN[f]) : type === 'list' ? varcharArray(COLUMN[f]) : { name: COLUMN[f], data_type: MILVUS_DATA_TYPE.Int64 });
    if (nullable(f)) fields.push({ name: hasColumn(f), data_type: MILVUS_DATA_TYPE.Bool });
  }
  for (const f of TOKENIZED_FIELDS) fields.push(varcharArray(tokensColumn(f)));
  fields.push({ name: VECTOR_COLUMN, data_type: MILVUS_DATA_TYPE.FloatVector, dim: dims });
  return fields;
}

export type MilvusRow = Record<string, string | number | boolean | string[]>;

const utf8 = new TextEncoder();

function checkVarchar(column: string, s: string, max: number, meta: FileMeta): string {
  if (utf8.encode(s).length > max) throw new DomainError('Invalid', `${column} of ${meta.uri} is longer than Milvus allows (${max} bytes)`, column);
  return s;
}

function checkArray(column: string, xs: readonly string[], meta: FileMeta): string[] {
  if (xs.length > MILVUS_MAX_CAPACITY) {
    throw new DomainError('Invalid', `${column} of ${meta.uri} has ${xs.length} elements, more than Milvus allows (${MILVUS_MAX_CAPACITY})`, column);
  }
  return xs.map((x) => checkVarchar(column, x, MILVUS_MAX_LENGTH, meta));
}

/**
 * The row of one file (the adapter adds `embedding`). Missing text is '' and missing numbers/times 0,
 * with `has_<column>` false. A value beyond Milvus's limits is refused, never truncated (a truncated
 * value would answer `=` wrongly).
 */
export function milvusRow(meta: FileMeta): MilvusRow {
  const d = vectorDocument(meta);
  const row: MilvusRow = {
    [KEY_COLUMN.id]: checkVarchar(KEY_COLUMN.id, d.id, KEY_MAX_LENGTH, meta),
    [KEY_COLUMN.datasetId]: checkVarchar(KEY_COLUMN.datasetId, d.datasetId, KEY_MAX_LENGTH, meta),
    [KEY_COLUMN.versionName]: checkVarchar(KEY_COLUMN.versionName, d.versionName, KEY_MAX_LENGTH, meta),
  };
  for (const f of VALUE_FIELD_NAMES) {
    const v = d.values[f];
    const column = COLUMN[f];
    if (typeof v === 'string') row[column] = checkVarchar(column, v, MILVUS_MAX_LENGTH, meta);
    else if (typeof v === 'number') row[column] = v;
    else if (v === null) row[column] = fieldType(f) === 'text' ? '' : 0;
    else row[column] = checkArray(column, v, meta);
    if (nullable(f)) row[hasColumn(f)] = v !== null;
  }
  for (const f of TOKENIZED_FIELDS) row[tokensColumn(f)] = checkArray(tokensColumn(f), d.tokens[f] ?? [], meta);
  return row;
}

// Lone surrogates: a JS string may hold one, UTF-8 cannot, and Milvus would compare a U+FFFD instead.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * A double-quoted Milvus string literal for any well-formed string. Milvus unquotes string literals with
 * Go's strconv.Unquote (parser_visitor.go: convertEscapeSingle), and the lexer forbids a raw `"`, `\`,
 * CR or LF inside (Plan.g4 DoubleSChar); so those are escaped, and other control characters too (\u00XX),
 * which leaves no way for a value to end the literal early.
 */
export function milvusString(s: string, pos: Pos): string {
  if (LONE_SURROGATE.test(s)) throw new UnsupportedPushdown('Milvus', 'a string with a lone UTF-16 surrogate', pos);
  const body = s.replace(/[\\"\u0000-\u001f\u007f]/g, (c) => {
    switch (c) {
      case '\\':
        return '\\\\';
      case '"':
        return '\\"';
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      default:
        return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
    }
  });
  return `"${body}"`;
}

const NO_POS: Pos = { offset: 0, line: 0, col: 0 };

const OP = { '=': '==', '>': '>', '>=': '>=', '<': '<', '<=': '<=' } as const;

// An expression and whether it is already one parenthesised group (so `not` need not add another).
interface MilvusExpr {
  text: string;
  grouped: boolean;
}

const group = (text: string): MilvusExpr => ({ text: `(${text})`, grouped: true });
const atom = (text: string): MilvusExpr => ({ text, grouped: false });

function milvusAlgebra(): FilterAlgebra<MilvusExpr> {
  // Leaves carry no position; strings are checked before they get here (see compileMilvusFilter).
  const str = (s: string) => milvusString(s, NO_POS);
  const guard = (f: QueryField, e: string) => (nullable(f) ? group(`${hasColumn(f)} == true and ${e}`) : atom(e));
  const leaf = (l: Leaf): MilvusExpr => {
    const column = COLUMN[l.field];
    const list = fieldType(l.field) === 'list';
    switch (l.kind) {
      case 'present':
        return atom(list ? `ARRAY_LENGTH(${column}) > 0` : `${hasColumn(l.field)} == true`);
      case 'nonEmptyText':
        return atom(`${column} != ""`); // the sentinel of a missing text is '' too
      case 'equals':
        return list ? atom(`ARRAY_CONTAINS(${column}, ${str(l.value)})`) : guard(l.field, `${column} == ${str(l.value)}`);
      case 'tokens':
        // A missing text has no tokens, so no guard is needed.
        return atom(
          l.tokens.length === 1
            ? `ARRAY_CONTAINS(${tokensColumn(l.field)}, ${str(l.tokens[0]!)})`
            : `ARRAY_CONTAINS_ALL(${tokensColumn(l.field)}, [${l.tokens.map(str).join(', ')}])`,
        );
      case 'compare':
        return guard(l.field, `${column} ${OP[l.op]} ${l.value}`);
    }
  };
  return {
    backend: 'Milvus',
    and: (items) => group(items.map((i) => i.text).join(' and ')),
    or: (items) => group(items.map((i) => i.text).join(' or ')),
    // `not` binds tighter than `==` in Milvus's grammar (Plan.g4 lists Unary before Equality), so its
    // operand is always parenthesised.
    not: (item) => atom(`not ${item.grouped ? item.text : `(${item.text})`}`),
    leaf,
    // An empty expression is no filter; `<pk> in []` is false (an empty term list matches nothing).
    constant: (v) => atom(v ? '' : `${KEY_COLUMN.id} in []`),
  };
}

function checkStrings(e: Expr): void {
  switch (e.kind) {
    case 'and':
    case 'or':
      return e.items.forEach(checkStrings);
    case 'not':
      return checkStrings(e.expr);
    case 'compare':
      if (e.value.kind === 'string') milvusString(e.value.value, e.pos);
      return;
    case 'has':
      return;
  }
}

/**
 * A filter as a Milvus boolean expression; '' when it keeps everything (no filter). Throws
 * UnsupportedPushdown for what Milvus cannot evaluate exactly (then filter in the metadata store).
 */
export function compileMilvusFilter(expr: Expr): string {
  checkStrings(expr); // so that an UnsupportedPushdown names the value's position
  return compileFilter(expr, milvusAlgebra()).text;
}
