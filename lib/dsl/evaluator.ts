// The reference semantics of the query language: every compiler is tested against this file.
//
// - Two-valued logic. A comparison on a missing value (null, or an ImageWidth/ImageHeight attribute that
//   is absent or not a finite number) is false; NOT of it is true. Lists are never missing, only empty.
// - `=`: text: the same string (case-sensitive); list: some element is that string; number: numerically
//   equal; time: the same instant.
// - `:` (text/list): every token of the value (tokenize.ts) is a token of the field; a list matches when
//   ONE element has them all. Case-insensitive through tokenize's NFKC + lower-casing.
// - `> >= < <=` (number/time): numeric or instant order. Stored times are ISO strings, read as instants.
// - `HAS f`: text not null and not ''; list non-empty; number/time not null.
// - Tags.all = allTags(tags) (ai minus user-delete-ai, plus user); Tags.user-delete-ai-tags as stored.
import { allTags, type FileMeta } from '../domain/file-meta.js';
import type { CompareOp, Expr, Literal } from './ast.js';
import type { QueryField } from './fields.js';
import { instantOf } from './iso-instant.js';
import { tokensContain } from './tokenize.js';
import { numberOf, stringOf } from './literals.js';

export type FieldValue =
  | { type: 'text'; value: string | null }
  | { type: 'list'; value: readonly string[] }
  | { type: 'number'; value: number | null }
  | { type: 'time'; value: number | null };

export function evaluate(expr: Expr, meta: FileMeta): boolean {
  switch (expr.kind) {
    case 'and':
      return expr.items.every((e) => evaluate(e, meta));
    case 'or':
      return expr.items.some((e) => evaluate(e, meta));
    case 'not':
      return !evaluate(expr.expr, meta);
    case 'has':
      return has(fieldValue(expr.field, meta));
    case 'compare':
      return compare(fieldValue(expr.field, meta), expr.op, expr.value);
  }
}

function has(v: FieldValue): boolean {
  switch (v.type) {
    case 'text':
      return v.value !== null && v.value !== '';
    case 'list':
      return v.value.length > 0;
    default:
      return v.value !== null;
  }
}

function compare(v: FieldValue, op: CompareOp, lit: Literal): boolean {
  switch (v.type) {
    case 'text': {
      const s = v.value;
      if (s === null) return false;
      return op === ':' ? tokensContain(s, stringOf(lit)) : s === stringOf(lit);
    }
    case 'list': {
      const needle = stringOf(lit);
      return op === ':' ? v.value.some((e) => tokensContain(e, needle)) : v.value.includes(needle);
    }
    case 'number':
      return v.value !== null && ordered(v.value, op, numberOf(lit));
    case 'time':
      return v.value !== null && ordered(v.value, op, instantOf(lit));
  }
}

function ordered(a: number, op: CompareOp, b: number): boolean {
  switch (op) {
    case '=':
      return a === b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case ':':
      throw new Error(`':' does not apply to numbers and times`);
  }
}


const attributeNumber = (meta: FileMeta, key: string): number | null => {
  const v = meta.metaAttributes[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};

// Stored times repeat across evaluations (a query runs over many files, many queries over a file).
const TIME_CACHE_LIMIT = 20_000;
const timeCache = new Map<string, number | null>();
const timeOf = (iso: string | null): number | null => {
  if (iso === null) return null;
  let t = timeCache.get(iso);
  if (t === undefined) {
    const ms = Date.parse(iso);
    t = Number.isNaN(ms) ? null : ms;
    if (timeCache.size >= TIME_CACHE_LIMIT) timeCache.clear();
    timeCache.set(iso, t);
  }
  return t;
};

/** A field's value in a FileMeta, typed as the catalogue says. */
export function fieldValue(field: QueryField, meta: FileMeta): FieldValue {
  switch (field) {
    case 'FileName':
      return { type: 'text', value: meta.fileName };
    case 'FileDir':
      return { type: 'text', value: meta.fileDir };
    case 'Uri':
      return { type: 'text', value: meta.uri };
    case 'FileType':
      return { type: 'text', value: meta.fileType };
    case 'FileFormat':
      return { type: 'text', value: meta.fileFormat };
    case 'ContentType':
      return { type: 'text', value: meta.contentType };
    case 'SemanticIndexJobId':
      return { type: 'text', value: meta.semanticIndexJobId };
    case 'Status':
      return { type: 'text', value: meta.status };
    case 'DatasetFileMetaId':
      return { type: 'text', value: meta.datasetFileMetaId };
    case 'DataSize':
      return { type: 'number', value: meta.dataSize };
    case 'ImageWidth':
    case 'ImageHeight':
      return { type: 'number', value: attributeNumber(meta, field) };
    case 'FileCreateTime':
      return { type: 'time', value: timeOf(meta.fileCreateTime) };
    case 'FileUpdateTime':
      return { type: 'time', value: timeOf(meta.fileUpdateTime) };
    case 'TagUpdateTime':
      return { type: 'time', value: timeOf(meta.tagUpdateTime) };
    case 'SemanticIndexUpdateTime':
      return { type: 'time', value: timeOf(meta.semanticIndexUpdateTime) };
    case 'Tags.all':
      return { type: 'list', value: allTags(meta.tags) };
    case 'Tags.ai':
      return { type: 'list', value: meta.tags.ai };
    case 'Tags.user':
      return { type: 'list', value: meta.tags.user };
    case 'Tags.user-delete-ai-tags':
      return { type: 'list', value: meta.tags.userDeleteAiTags };
  }
}
