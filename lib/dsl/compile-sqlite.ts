// Compiles a query's filter to a WHERE fragment over SQLite's file_metas table (sqlite-migrations.ts).
// It must agree with evaluator.ts row for row; every value is a bound parameter.
import type Database from 'better-sqlite3';
import type { Expr, Literal } from './ast.js';
import { fieldType, type QueryField } from './fields.js';
import { canonicalIso, instantOf } from './iso-instant.js';
import { tokensContain } from './tokenize.js';
import { numberOf, stringOf } from './literals.js';

type Column =
  | { kind: 'scalar'; name: string; nullable: boolean; time?: boolean }
  | { kind: 'attribute'; key: string }
  | { kind: 'list'; name: string }
  | { kind: 'tags-all' };

const COLUMNS: Record<QueryField, Column> = {
  FileName: { kind: 'scalar', name: 'file_name', nullable: false },
  FileDir: { kind: 'scalar', name: 'file_dir', nullable: false },
  Uri: { kind: 'scalar', name: 'uri', nullable: false },
  FileType: { kind: 'scalar', name: 'file_type', nullable: false },
  FileFormat: { kind: 'scalar', name: 'file_format', nullable: false },
  ContentType: { kind: 'scalar', name: 'content_type', nullable: true },
  SemanticIndexJobId: { kind: 'scalar', name: 'semantic_index_job_id', nullable: true },
  Status: { kind: 'scalar', name: 'status', nullable: false },
  DatasetFileMetaId: { kind: 'scalar', name: 'id', nullable: false },
  DataSize: { kind: 'scalar', name: 'data_size', nullable: false },
  ImageWidth: { kind: 'attribute', key: 'ImageWidth' },
  ImageHeight: { kind: 'attribute', key: 'ImageHeight' },
  // Stored as Date.toISOString() (fixed width, years 0000–9999), so comparing strings compares instants.
  FileCreateTime: { kind: 'scalar', name: 'file_create_time', nullable: true, time: true },
  FileUpdateTime: { kind: 'scalar', name: 'file_update_time', nullable: false, time: true },
  TagUpdateTime: { kind: 'scalar', name: 'tag_update_time', nullable: true, time: true },
  SemanticIndexUpdateTime: { kind: 'scalar', name: 'semantic_index_update_time', nullable: true, time: true },
  'Tags.all': { kind: 'tags-all' },
  'Tags.ai': { kind: 'list', name: 'tags_ai' },
  'Tags.user': { kind: 'list', name: 'tags_user' },
  'Tags.user-delete-ai-tags': { kind: 'list', name: 'tags_user_delete_ai' },
};

export interface SqliteFilter {
  sql: string;
  params: unknown[];
}

/**
 * `sql` is a parenthesised boolean expression for `WHERE`; `params` bind its `?` in order. Each atom is
 * 0 or 1, never NULL, so NOT keeps the evaluator's two-valued logic. `:` needs registerDslFunctions(db).
 * `alias` qualifies the columns (`alias.file_name`) when file_metas is joined.
 */
export function compileSqlite(expr: Expr, opts: { alias?: string } = {}): SqliteFilter {
  if (opts.alias !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(opts.alias)) throw new Error(`not an SQL alias: ${opts.alias}`);
  const params: unknown[] = [];
  const col = (name: string) => (opts.alias ? `${opts.alias}.${name}` : name);
  const bind = (v: unknown) => {
    params.push(v);
    return '?';
  };

  // EXISTS over a JSON array column, and Tags.all's "an ai tag the user did not delete"
  const anyElement = (list: string, cond: (el: string) => string) =>
    `EXISTS (SELECT 1 FROM json_each(${list}) AS dsl_e WHERE ${cond('dsl_e.value')})`;
  const liveAiTag = () =>
    `EXISTS (SELECT 1 FROM json_each(${col('tags_ai')}) AS dsl_a WHERE NOT EXISTS ` +
    `(SELECT 1 FROM json_each(${col('tags_user_delete_ai')}) AS dsl_d WHERE dsl_d.value = dsl_a.value))`;
  const attribute = (key: string) => `json_type(${col('meta_attributes')}, '$.${key}')`;
  const attributeValue = (key: string) =>
    `(CASE WHEN ${attribute(key)} IN ('integer', 'real') THEN json_extract(${col('meta_attributes')}, '$.${key}') END)`;

  const has = (field: QueryField): string => {
    const c = COLUMNS[field];
    switch (c.kind) {
      case 'scalar': {
        const name = col(c.name);
        const text = fieldType(field) === 'text';
        if (!c.nullable) return text ? `(${name} != '')` : '1';
        return text ? `(${name} IS NOT NULL AND ${name} != '')` : `(${name} IS NOT NULL)`;
      }
      case 'attribute':
        return `((${attribute(c.key)} IN ('integer', 'real')) IS 1)`;
      case 'list':
        return `(json_array_length(${col(c.name)}) > 0)`;
      case 'tags-all':
        return `(json_array_length(${col('tags_user')}) > 0 OR ${liveAiTag()})`;
    }
  };

  const compare = (e: Extract<Expr, { kind: 'compare' }>): string => {
    const c = COLUMNS[e.field];
    const { op, value } = e;
    const type = fieldType(e.field);
    const applies = type === 'text' || type === 'list' ? op === '=' || op === ':' : op !== ':';
    if (!applies) throw new Error(`'${op}' does not apply to ${e.field}`);
    switch (c.kind) {
      case 'scalar': {
        const name = col(c.name);
        if (op === ':') return `(loupe_tokens_contain(${name}, ${bind(stringOf(value))}) = 1)`;
        const v = c.time ? canonicalIso(instantOf(value)) : type === 'number' ? numberOf(value) : stringOf(value);
        // `IS` is `=` that is 0, not NULL, on NULL (and still uses an index)
        if (op === '=') return `(${name} ${c.nullable ? 'IS' : '='} ${bind(v)})`;
        return c.nullable ? `(${name} IS NOT NULL AND ${name} ${op} ${bind(v)})` : `(${name} ${op} ${bind(v)})`;
      }
      case 'attribute':
        return `coalesce(${attributeValue(c.key)} ${op} ${bind(numberOf(value))}, 0)`;
      case 'list':
        if (op === ':') return `(loupe_list_tokens_contain(${col(c.name)}, ${bind(stringOf(value))}) = 1)`;
        return anyElement(col(c.name), (el) => `${el} = ${bind(stringOf(value))}`);
      case 'tags-all': {
        const s = stringOf(value);
        if (op === ':') {
          const [ai, user, deleted] = [col('tags_ai'), col('tags_user'), col('tags_user_delete_ai')];
          return `(loupe_list_tokens_contain(${user}, ${bind(s)}) = 1 OR loupe_list_tokens_contain(${ai}, ${bind(s)}, ${deleted}) = 1)`;
        }
        // for one value: in user, or in ai and not deleted
        const inList = (name: string) => anyElement(col(name), (el) => `${el} = ${bind(s)}`);
        return `(${inList('tags_user')} OR (${inList('tags_ai')} AND NOT ${inList('tags_user_delete_ai')}))`;
      }
    }
  };

  const compile = (e: Expr): string => {
    switch (e.kind) {
      case 'and':
      case 'or':
        return balanced(e.items.map(compile), e.kind === 'and' ? 'AND' : 'OR');
      case 'not':
        return `(NOT ${compile(e.expr)})`;
      case 'has':
        return has(e.field);
      case 'compare':
        return compare(e);
    }
  };

  return { sql: compile(expr), params };
}

// SQLite nests `a AND b AND c …` one level per term and caps expression depth at 1000: group in halves.
function balanced(parts: string[], op: 'AND' | 'OR'): string {
  if (parts.length === 1) return parts[0]!;
  const mid = Math.ceil(parts.length / 2);
  return `(${balanced(parts.slice(0, mid), op)} ${op} ${balanced(parts.slice(mid), op)})`;
}


// A list column's text parsed once per distinct value (tag lists repeat across rows).
const LIST_CACHE_LIMIT = 20_000;
const listCache = new Map<string, readonly string[]>();
function parseList(json: string): readonly string[] {
  let list = listCache.get(json);
  if (!list) {
    const v = JSON.parse(json) as unknown;
    list = Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
    if (listCache.size >= LIST_CACHE_LIMIT) listCache.clear();
    listCache.set(json, list);
  }
  return list;
}

function listTokensContain(list: unknown, needle: unknown, except?: unknown): 0 | 1 {
  if (typeof list !== 'string' || typeof needle !== 'string') return 0;
  const skip = typeof except === 'string' ? parseList(except) : [];
  return parseList(list).some((el) => !skip.includes(el) && tokensContain(el, needle)) ? 1 : 0;
}

/**
 * The functions compiled `:` conditions call; register once per connection.
 * - `loupe_tokens_contain(text, needle)`: 1 when every token of needle is a token of text, else 0 (also on NULL).
 * - `loupe_list_tokens_contain(listJson, needle [, exceptListJson])`: the same for some element of a JSON
 *   array of strings, skipping elements of the second array (Tags.all: ai tags the user deleted).
 */
export function registerDslFunctions(db: Database.Database): void {
  db.function('loupe_tokens_contain', { deterministic: true }, (text: unknown, needle: unknown) =>
    typeof text === 'string' && typeof needle === 'string' && tokensContain(text, needle) ? 1 : 0,
  );
  db.function('loupe_list_tokens_contain', { deterministic: true, varargs: true }, listTokensContain);
}
