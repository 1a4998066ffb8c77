// The metadata a vector DB keeps beside each vector, described once for every backend (Elasticsearch,
// OpenSearch, Milvus, Tablestore): which column holds each query field, its typed value, and the
// materialised tokens `:` matches on. Also the lowering every pushdown compiler shares: a comparison
// becomes a backend-neutral `Leaf`, constants are folded, and what no backend can express is refused.
//
// Why tokens are materialised rather than left to each engine's analyzer: `tokenize` is NFKC + the
// JavaScript (full Unicode) lower-casing + Unicode-property runs with per-character CJK. A Lucene
// `pattern` tokenizer + `lowercase` filter lowers per code point (Character.toLowerCase: `Σ`, `İ` differ
// from JS), has no NFKC without the ICU plugin and follows Java's Unicode tables, and Tablestore's
// analyzers (single_word, split, …) have fixed rules. Exact agreement with the evaluator is only
// possible when the tokens are computed here, by the same function, and indexed as exact keywords.
import { DomainError } from '../domain/errors.js';
import type { FileMeta } from '../domain/file-meta.js';
import type { Expr, Literal, Pos } from './ast.js';
import { DslError } from './dsl-error.js';
import { fieldType, QUERY_FIELDS, type QueryField } from './fields.js';
import { fieldValue } from './evaluator.js';
import { instantOf } from './iso-instant.js';
import { tokenize } from './tokenize.js';

/** The column of each query field: the same snake_case name on every backend. */
export const COLUMN = {
  FileName: 'file_name',
  FileDir: 'file_dir',
  Uri: 'uri',
  FileType: 'file_type',
  FileFormat: 'file_format',
  ContentType: 'content_type',
  SemanticIndexJobId: 'semantic_index_job_id',
  Status: 'status',
  // the key column itself (KEY_COLUMN.id): stored once
  DatasetFileMetaId: 'dataset_file_meta_id',
  DataSize: 'data_size',
  ImageWidth: 'image_width',
  ImageHeight: 'image_height',
  FileCreateTime: 'file_create_time',
  FileUpdateTime: 'file_update_time',
  TagUpdateTime: 'tag_update_time',
  SemanticIndexUpdateTime: 'semantic_index_update_time',
  'Tags.all': 'tags_all',
  'Tags.ai': 'tags_ai',
  'Tags.user': 'tags_user',
  'Tags.user-delete-ai-tags': 'tags_user_delete_ai_tags',
} as const satisfies Record<QueryField, string>;

/** Key columns every backend stores too (scoping a search to a dataset version; the id). */
export const KEY_COLUMN = { id: 'dataset_file_meta_id', datasetId: 'dataset_id', versionName: 'version_name' } as const;

/** The vector's column (the adapters fill it; its dimension is the index's embedder's). */
export const VECTOR_COLUMN = 'embedding';

export const QUERY_FIELD_NAMES = Object.keys(QUERY_FIELDS) as QueryField[];

const KEY_COLUMNS: ReadonlySet<string> = new Set(Object.values(KEY_COLUMN));
/** The query fields with a column of their own: every one but those that are a key column (DatasetFileMetaId). */
export const VALUE_FIELD_NAMES = QUERY_FIELD_NAMES.filter((f) => !KEY_COLUMNS.has(COLUMN[f]));

/** Text and list fields: the ones `:` applies to, each with a `<column>_tokens` keyword list. */
export const TOKENIZED_FIELDS = QUERY_FIELD_NAMES.filter((f) => fieldType(f) === 'text' || fieldType(f) === 'list');

/** `<column>_tokens`: the distinct tokens of a text value, or of all of a list's elements together. */
export const tokensColumn = (f: QueryField): string => `${COLUMN[f]}_tokens`;

/**
 * Fields a FileMeta always has (its zod schema makes them non-null strings / an integer). Every other
 * text, number or time field may be missing; lists are never missing, only empty.
 */
const ALWAYS_PRESENT: ReadonlySet<QueryField> = new Set<QueryField>(['FileName', 'FileDir', 'Uri', 'FileType', 'FileFormat', 'Status', 'DatasetFileMetaId', 'DataSize']);
export const isAlwaysPresent = (f: QueryField): boolean => ALWAYS_PRESENT.has(f);

/** A query field's stored value: text → string, number → integer, time → epoch ms, list → strings. */
export type StoredValue = string | number | readonly string[] | null;

/**
 * The value of one query field on one file, read exactly as the evaluator reads it (one reading for
 * the reference and every backend). Numbers are stored as 64-bit integers (long, INT64, Long): sizes
 * and pixel counts are integers by construction (the prober writes them), and a value that is not one
 * cannot be stored without changing its meaning, so it is refused rather than rounded.
 */
export function storedValue(meta: FileMeta, f: QueryField): StoredValue {
  const v = fieldValue(f, meta);
  if (v.type === 'number' && v.value !== null && !Number.isSafeInteger(v.value)) {
    throw new DomainError('Invalid', `${f} ${v.value} of ${meta.uri} is not an integer; it cannot be indexed`, f);
  }
  return v.value;
}

/** Distinct tokens of a value, first occurrence first. */
export function distinctTokens(value: StoredValue): string[] {
  if (value === null || typeof value === 'number') return [];
  const out = new Set<string>();
  for (const s of typeof value === 'string' ? [value] : value) for (const t of tokenize(s)) out.add(t);
  return [...out];
}

/** Every query field of one file, keyed by query field; null = missing. */
export interface VectorDocument {
  id: string;
  datasetId: string;
  versionName: string;
  values: Record<QueryField, StoredValue>;
  /** Distinct tokens of each text and list field (empty when the value is missing or has none). */
  tokens: Partial<Record<QueryField, string[]>>;
}

/** The backend-neutral document of one file. */
export function vectorDocument(meta: FileMeta): VectorDocument {
  const values = {} as Record<QueryField, StoredValue>;
  const tokens: Partial<Record<QueryField, string[]>> = {};
  for (const f of QUERY_FIELD_NAMES) values[f] = storedValue(meta, f);
  for (const f of TOKENIZED_FIELDS) tokens[f] = distinctTokens(values[f]);
  return { id: meta.datasetFileMetaId, datasetId: meta.datasetId, versionName: meta.versionName, values, tokens };
}

// ---------------------------------------------------------------------------------------------------
// Lowering: what a comparison means, in terms every backend can say.

/** A construct a backend cannot evaluate exactly: the planner filters in the metadata store instead. */
export class UnsupportedPushdown extends Error {
  readonly backend: string;
  readonly construct: string;
  readonly pos: Pos;
  constructor(backend: string, construct: string, pos: Pos) {
    super(`${backend} cannot evaluate ${construct} exactly (at ${pos.line}:${pos.col}); filter in the metadata store`);
    this.name = 'UnsupportedPushdown';
    this.backend = backend;
    this.construct = construct;
    this.pos = pos;
  }
}

export const isUnsupportedPushdown = (e: unknown): e is UnsupportedPushdown => e instanceof UnsupportedPushdown;

export type OrderOp = '=' | '>' | '>=' | '<' | '<=';

/**
 * One comparison, lowered. `present` is: text non-null, number/time non-null, list non-empty.
 * `nonEmptyText` is HAS on a text field (non-null and not ''). `tokens` holds ≥ 1 distinct tokens, all of
 * which must be among the field's tokens (a list field: exactly one token, see `lowerCompare`).
 * `compare` is on a number or time column holding integers, with an integer operand.
 */
export type Leaf =
  | { kind: 'present'; field: QueryField }
  | { kind: 'nonEmptyText'; field: QueryField }
  | { kind: 'equals'; field: QueryField; value: string }
  | { kind: 'tokens'; field: QueryField; tokens: string[] }
  | { kind: 'compare'; field: QueryField; op: OrderOp; value: number };

/** A lowered comparison may also be constant (e.g. `DataSize = 1.5`, `:` on an always-present field). */
type Lowered = Leaf | boolean;

const shown = (l: Literal) => (l.kind === 'string' ? JSON.stringify(l.value) : String(l.value));

/**
 * An integer column compared with a JS number: the equivalent comparison with an integer operand (the
 * backends reject fractional operands on integer columns, or round them), or a constant for the values
 * that are present. Stored integers are safe integers, so bounds beyond that range are decided here.
 */
export function integerComparison(op: OrderOp, x: number): { op: OrderOp; value: number } | 'none' | 'all' {
  if (Number.isNaN(x)) return 'none';
  let value = x;
  let o = op;
  if (!Number.isInteger(x)) {
    if (op === '=') return 'none';
    if (op === '>' || op === '>=') (value = Math.ceil(x)), (o = '>=');
    else (value = Math.floor(x)), (o = '<=');
  }
  if (value > Number.MAX_SAFE_INTEGER) return o === '<' || o === '<=' ? 'all' : 'none';
  if (value < Number.MIN_SAFE_INTEGER) return o === '>' || o === '>=' ? 'all' : 'none';
  return { op: o, value };
}

function present(field: QueryField): Lowered {
  return isAlwaysPresent(field) ? true : { kind: 'present', field };
}

/**
 * Lowers one comparison or HAS. Throws DslError for an ill-typed node (the parser rejects these; a
 * hand-built AST may not), and UnsupportedPushdown for `:` with several tokens on a list field: "all
 * tokens within ONE element" needs per-element matching, which none of these documents can express (a
 * list's tokens are stored pooled; ES/Tablestore `nested` could, at a cost we do not pay yet).
 */
export function lowerCompare(e: Extract<Expr, { kind: 'compare' | 'has' }>, backend: string): Lowered {
  const type = fieldType(e.field);
  if (e.kind === 'has') return type === 'text' ? { kind: 'nonEmptyText', field: e.field } : present(e.field);
  const { op, value: lit, field } = e;
  if (type === 'text' || type === 'list') {
    if (lit.kind !== 'string') throw new DslError(e.pos, `a quoted value for ${field}`, shown(lit));
    if (op === '=') return { kind: 'equals', field, value: lit.value };
    if (op !== ':') throw new DslError(e.pos, `= or : for ${field}`, op);
    const tokens = distinctTokens(lit.value);
    if (tokens.length === 0) return present(field); // every token (there are none) occurs
    if (type === 'list' && tokens.length > 1) {
      throw new UnsupportedPushdown(backend, `${field}:${JSON.stringify(lit.value)} (several tokens within one list element)`, e.pos);
    }
    return { kind: 'tokens', field, tokens };
  }
  if (op === ':') throw new DslError(e.pos, `=, >, >=, < or <= for ${field}`, op);
  let x: number;
  if (type === 'time') {
    if (lit.kind !== 'string') throw new DslError(e.pos, `a quoted ISO 8601 instant for ${field}`, shown(lit));
    x = instantOf(lit);
  } else {
    if (lit.kind !== 'number') throw new DslError(e.pos, `a number for ${field}`, shown(lit));
    x = lit.value;
  }
  const c = integerComparison(op, x);
  if (c === 'none') return false;
  if (c === 'all') return present(field);
  return { kind: 'compare', field, op: c.op, value: c.value };
}

/** How one backend spells the boolean structure and the leaves. */
export interface FilterAlgebra<Q> {
  backend: string;
  and(items: Q[]): Q;
  or(items: Q[]): Q;
  not(item: Q): Q;
  leaf(leaf: Leaf): Q;
  /** Only ever asked for the whole filter: constants inside are folded away. */
  constant(value: boolean): Q;
}

/**
 * Compiles a filter with one backend's algebra. Two-valued logic holds on every backend because each
 * leaf is false on a missing value (the backends' own NOT is then exactly ours).
 */
export function compileFilter<Q>(expr: Expr, alg: FilterAlgebra<Q>): Q {
  const r = fold(expr, alg);
  return typeof r === 'boolean' ? alg.constant(r) : r.q;
}

type Folded<Q> = boolean | { q: Q };

function fold<Q>(e: Expr, alg: FilterAlgebra<Q>): Folded<Q> {
  switch (e.kind) {
    case 'and':
    case 'or': {
      const absorbing = e.kind === 'or'; // a true item decides an OR, a false one an AND
      const items: Q[] = [];
      let decided = false;
      // Every item is lowered even once the result is decided, so errors do not depend on item order.
      for (const item of e.items) {
        const r = fold(item, alg);
        if (typeof r !== 'boolean') items.push(r.q);
        else if (r === absorbing) decided = true;
      }
      if (decided) return absorbing;
      if (items.length === 0) return !absorbing;
      if (items.length === 1) return { q: items[0]! };
      return { q: e.kind === 'and' ? alg.and(items) : alg.or(items) };
    }
    case 'not': {
      const r = fold(e.expr, alg);
      return typeof r === 'boolean' ? !r : { q: alg.not(r.q) };
    }
    case 'compare':
    case 'has': {
      const l = lowerCompare(e, alg.backend);
      return typeof l === 'boolean' ? l : { q: alg.leaf(l) };
    }
  }
}
