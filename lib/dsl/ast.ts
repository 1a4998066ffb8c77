// The query language's syntax tree (DESIGN.md §5). Every node keeps where it started in the source so
// that errors found after parsing (a type error, a misplaced option) still point at a position.
import type { QueryField } from './fields.js';

/** 1-based line and column, and the 0-based offset, of a node's first character. */
export interface Pos {
  offset: number;
  line: number;
  col: number;
}

export type CompareOp = '=' | ':' | '>' | '>=' | '<' | '<=';

/**
 * A literal as written: `string` for a quoted value, `number` for a numeric one. For `time` fields the
 * parser checks the string is an ISO 8601 instant and adds `instant` (epoch milliseconds, UTC).
 */
export type Literal = { kind: 'string'; value: string; instant?: number } | { kind: 'number'; value: number };

export type Expr =
  | { kind: 'and'; items: Expr[]; pos: Pos }
  | { kind: 'or'; items: Expr[]; pos: Pos }
  | { kind: 'not'; expr: Expr; pos: Pos }
  | { kind: 'compare'; field: QueryField; op: CompareOp; value: Literal; pos: Pos }
  | { kind: 'has'; field: QueryField; pos: Pos };

/**
 * A parsed query: the metadata filter plus what the DSL carries beside it (PAI's request parameters
 * written in the query): `Content:"…"`, `TopK=`, `ScoreThreshold=`, `QueryType=`, `SortBy=`, `Order=`
 * and `SignMode=` are legal only as top-level AND terms and are lifted out of the filter.
 */
export interface ParsedQuery {
  /** Undefined when the query is options alone (e.g. `Content:"a cat" AND TopK=10`). */
  filter?: Expr;
  /** The semantic text query of `Content:"…"`. */
  content?: string;
  topK?: number;
  scoreThreshold?: number;
  queryType?: 'MIX' | 'TAG' | 'VECTOR';
  /** A FileSortField or Score. */
  sortBy?: string;
  order?: 'ASC' | 'DESC';
  /**
   * PAI's URL signing mode. Loupe signs every ThumbnailUrl and DownloadUrl itself, so either mode gets
   * a URL that works: kept only so the query prints back the same.
   */
  signMode?: string;
}
