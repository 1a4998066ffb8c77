// The query language's parser (DESIGN.md §5): source → ParsedQuery, every error a DslError at its position.
//   expr := or;  or := and (OR and)*;  and := unary (AND unary)*;  unary := NOT unary | primary
//   primary := '(' expr ')' | HAS field | field op value
import type { CompareOp, Expr, Literal, ParsedQuery, Pos } from './ast.js';
import { DslError } from './dsl-error.js';
import { fieldType, lookupField, QUERY_FIELDS, type FieldType, type QueryField } from './fields.js';
import { parseIsoInstant } from './iso-instant.js';
import { describeToken, Lexer, positionAt, type Token } from './lexer.js';
import { tokenize } from './tokenize.js';
import { FILE_SORT_FIELDS } from '../ports/meta-store.js';

export const MAX_QUERY_LENGTH = 8192;
/** Parentheses and NOTs nested deeper than this are an error (and never a stack overflow). */
export const MAX_QUERY_DEPTH = 64;
export const MAX_TOP_K = 10_000;

export const QUERY_OPTIONS = ['Content', 'TopK', 'ScoreThreshold', 'QueryType', 'SortBy', 'Order', 'SignMode'] as const;
export type QueryOption = (typeof QUERY_OPTIONS)[number];
const optionByLowerName = new Map<string, QueryOption>(QUERY_OPTIONS.map((o) => [o.toLowerCase(), o]));

/** Values of the options that take one of a few words (matched case-insensitively, canonicalised). */
const OPTION_WORDS: Partial<Record<QueryOption, readonly string[]>> = {
  QueryType: ['MIX', 'TAG', 'VECTOR'],
  SortBy: [...FILE_SORT_FIELDS, 'Score'],
  Order: ['ASC', 'DESC'],
};

/**
 * Names PAI's query language has that Loupe does not take inside an expression, each with the reason
 * (a 400 at its position rather than "unknown field").
 */
const REFUSED_NAMES = new Map<string, string>(
  Object.entries({
    SyncTime: 'a field Loupe has (SyncTime is not recorded: FileUpdateTime, TagUpdateTime and SemanticIndexUpdateTime are)',
    MaxResults: 'a condition (MaxResults is a request parameter, not part of the expression)',
    NextToken: 'a condition (NextToken is a request parameter, not part of the expression)',
    ThumbnailMode: 'a condition (ThumbnailMode is a request parameter, not part of the expression)',
    QueryImage: 'a condition (QueryImage is a request parameter; an image cannot be written in the expression)',
    QueryVideo: 'a condition (Loupe has no video search)',
  }).map(([k, v]) => [k.toLowerCase(), v]),
);

const OPS_BY_TYPE: Record<FieldType, readonly CompareOp[]> = {
  text: ['=', ':'],
  list: ['=', ':'],
  number: ['=', '>', '>=', '<', '<='],
  time: ['=', '>', '>=', '<', '<='],
};

const KNOWN_NAMES = [...Object.keys(QUERY_FIELDS), ...QUERY_OPTIONS].join(', ');

// While parsing, options are nodes like any other; lifting them out (or rejecting them) comes after.
type OptionNode = { kind: 'option'; option: QueryOption; pos: Pos; text?: string; number?: number; paren?: boolean };
type Node =
  | OptionNode
  | { kind: 'and' | 'or'; items: Node[]; pos: Pos; paren?: boolean }
  | { kind: 'not'; expr: Node; pos: Pos; paren?: boolean }
  | ((Extract<Expr, { kind: 'compare' }> | Extract<Expr, { kind: 'has' }>) & { paren?: boolean });

const orList = (xs: readonly string[]) => (xs.length === 1 ? xs[0]! : `${xs.slice(0, -1).join(', ')} or ${xs.at(-1)!}`);

/** Parses and type-checks a query; throws a DslError naming the position and what was expected. */
export function parseQuery(source: string): ParsedQuery {
  if (source.length > MAX_QUERY_LENGTH) {
    throw new DslError(positionAt(source, MAX_QUERY_LENGTH), `a query of at most ${MAX_QUERY_LENGTH} characters`, 'more');
  }
  return new Parser(source).parse();
}

class Parser {
  private readonly lexer: Lexer;
  private depth = 0;

  constructor(source: string) {
    this.lexer = new Lexer(source);
  }

  parse(): ParsedQuery {
    if (this.lexer.peek().kind === 'eof') throw new DslError(this.lexer.peek().pos, 'a condition', 'end of input');
    const root = this.parseOr(undefined);
    const end = this.lexer.peek();
    if (end.kind !== 'eof') throw new DslError(end.pos, 'AND, OR or end of input', describeToken(end));
    return liftOptions(root);
  }

  private parseOr(after: string | undefined): Node {
    const items = [this.parseAnd(after)];
    for (let t = this.lexer.peek(); t.kind === 'keyword' && t.keyword === 'OR'; t = this.lexer.peek()) {
      this.lexer.next();
      items.push(this.parseAnd(`'${t.text}'`));
    }
    return items.length === 1 ? items[0]! : { kind: 'or', items, pos: items[0]!.pos };
  }

  private parseAnd(after: string | undefined): Node {
    const items = [this.parseUnary(after)];
    for (let t = this.lexer.peek(); t.kind === 'keyword' && t.keyword === 'AND'; t = this.lexer.peek()) {
      this.lexer.next();
      items.push(this.parseUnary(`'${t.text}'`));
    }
    return items.length === 1 ? items[0]! : { kind: 'and', items, pos: items[0]!.pos };
  }

  private parseUnary(after: string | undefined): Node {
    const t = this.lexer.peek();
    if (t.kind === 'keyword' && t.keyword === 'NOT') {
      this.lexer.next();
      this.enter(t);
      const expr = this.parseUnary(`'${t.text}'`);
      this.depth--;
      return { kind: 'not', expr, pos: t.pos };
    }
    return this.parsePrimary(after);
  }

  private enter(t: Token): void {
    if (++this.depth > MAX_QUERY_DEPTH) throw new DslError(t.pos, `at most ${MAX_QUERY_DEPTH} levels of nesting`, describeToken(t));
  }

  private parsePrimary(after: string | undefined): Node {
    const t = this.lexer.next();
    if (t.kind === '(') {
      this.enter(t);
      const inner = this.parseOr(`'('`);
      const close = this.lexer.next();
      if (close.kind !== ')') {
        throw new DslError(close.pos, `AND, OR or ')' closing the '(' at ${t.pos.line}:${t.pos.col}`, describeToken(close));
      }
      this.depth--;
      inner.paren = true;
      return inner;
    }
    if (t.kind === 'keyword' && t.keyword === 'HAS') {
      const f = this.lexer.next();
      const field = f.kind === 'word' ? lookupField(f.text) : undefined;
      if (!field) throw new DslError(f.pos, `a field after '${t.text}' (one of ${Object.keys(QUERY_FIELDS).join(', ')})`, describeToken(f));
      return { kind: 'has', field, pos: t.pos };
    }
    if (t.kind !== 'word') throw new DslError(t.pos, after ? `a condition after ${after}` : 'a condition', describeToken(t));
    const option = optionByLowerName.get(t.text.toLowerCase());
    if (option) return this.parseOption(option, t.pos);
    const field = lookupField(t.text);
    const refused = REFUSED_NAMES.get(t.text.toLowerCase());
    if (!field && refused) throw new DslError(t.pos, refused, describeToken(t));
    if (!field) throw new DslError(t.pos, `a field name (one of ${KNOWN_NAMES})`, describeToken(t));
    return this.parseCompare(field, t.pos);
  }

  private parseCompare(field: QueryField, pos: Pos): Node {
    const type = fieldType(field);
    const opTok = this.lexer.next();
    if (opTok.kind !== 'op') {
      throw new DslError(opTok.pos, `an operator (=, :, >, >=, <, <=) after ${field}`, describeToken(opTok));
    }
    const op = opTok.op;
    const allowed = OPS_BY_TYPE[type];
    if (!allowed.includes(op)) {
      throw new DslError(opTok.pos, `${orList(allowed.map((o) => `'${o}'`))} after ${field} (a ${type} field)`, `'${op}'`);
    }
    const v = this.lexer.next();
    let value: Literal;
    switch (type) {
      case 'text':
      case 'list':
        if (v.kind !== 'string') throw new DslError(v.pos, `a quoted value after '${op}'`, describeToken(v));
        if (op === ':' && tokenize(v.value).length === 0) {
          throw new DslError(v.pos, `a quoted value with a letter or digit after ':'`, describeToken(v));
        }
        value = { kind: 'string', value: v.value };
        break;
      case 'number':
        if (v.kind !== 'number') throw new DslError(v.pos, `a number after '${op}'`, describeToken(v));
        value = { kind: 'number', value: v.value };
        break;
      case 'time': {
        if (v.kind !== 'string') throw new DslError(v.pos, `a quoted ISO 8601 time after '${op}'`, describeToken(v));
        const instant = parseIsoInstant(v.value);
        if (instant === undefined) {
          throw new DslError(v.pos, `an ISO 8601 time from year 0000 to 9999, such as "2025-02-28T00:00:00Z"`, describeToken(v));
        }
        value = { kind: 'string', value: v.value, instant };
        break;
      }
    }
    return { kind: 'compare', field, op, value, pos };
  }

  private parseOption(option: QueryOption, pos: Pos): OptionNode {
    const wantOp = option === 'Content' ? ':' : '=';
    const opTok = this.lexer.next();
    if (opTok.kind !== 'op' || opTok.op !== wantOp) throw new DslError(opTok.pos, `'${wantOp}' after ${option}`, describeToken(opTok));
    const v = this.lexer.next();
    switch (option) {
      case 'Content':
        if (v.kind !== 'string' || v.value.trim() === '') {
          throw new DslError(v.pos, `a non-empty quoted text after 'Content:'`, describeToken(v));
        }
        return { kind: 'option', option, pos, text: v.value };
      case 'TopK':
        if (v.kind !== 'number' || !Number.isInteger(v.value) || v.value < 1 || v.value > MAX_TOP_K) {
          throw new DslError(v.pos, `a whole number from 1 to ${MAX_TOP_K} after 'TopK='`, describeToken(v));
        }
        return { kind: 'option', option, pos, number: v.value };
      case 'ScoreThreshold':
        if (v.kind !== 'number' || v.value < -1 || v.value > 1) {
          throw new DslError(v.pos, `a number from -1 to 1 after 'ScoreThreshold='`, describeToken(v));
        }
        return { kind: 'option', option, pos, number: v.value };
      case 'SignMode':
        if (v.kind !== 'string' || !/^[A-Za-z_]{1,32}$/.test(v.value)) throw new DslError(v.pos, `a quoted word after 'SignMode=', such as "PUBLIC"`, describeToken(v));
        return { kind: 'option', option, pos, text: v.value.toUpperCase() };
      case 'QueryType':
      case 'SortBy':
      case 'Order': {
        const words = OPTION_WORDS[option]!;
        const word = v.kind === 'string' ? words.find((w) => w.toLowerCase() === v.value.toLowerCase()) : undefined;
        if (!word) throw new DslError(v.pos, `one of ${orList(words.map((w) => `"${w}"`))} after '${option}='`, describeToken(v));
        return { kind: 'option', option, pos, text: word };
      }
    }
  }
}

const OPTION_KEY = {
  Content: 'content',
  TopK: 'topK',
  ScoreThreshold: 'scoreThreshold',
  QueryType: 'queryType',
  SortBy: 'sortBy',
  Order: 'order',
  SignMode: 'signMode',
} as const satisfies Record<QueryOption, keyof ParsedQuery>;

/** Options leave the filter; they may only be terms of the top-level AND chain, each at most once. */
function liftOptions(root: Node): ParsedQuery {
  const query: ParsedQuery = {};
  const terms = root.kind === 'and' && !root.paren ? root.items : [root];
  const rest: Expr[] = [];
  for (const term of terms) {
    if (term.kind !== 'option' || term.paren) {
      rest.push(toExpr(term, undefined));
      continue;
    }
    const key = OPTION_KEY[term.option];
    if (query[key] !== undefined) throw new DslError(term.pos, `at most one ${term.option}`, `another '${term.option}'`);
    (query as Record<string, unknown>)[key] = term.number ?? term.text;
  }
  if (rest.length === 1) query.filter = rest[0];
  else if (rest.length > 1) query.filter = { kind: 'and', items: rest, pos: rest[0]!.pos };
  return query;
}

/** `where` says why a node is not a top-level AND term (undefined while it still is one). */
function toExpr(node: Node, where: string | undefined): Expr {
  const here = node.paren ? 'inside parentheses' : where;
  switch (node.kind) {
    case 'option':
      throw new DslError(node.pos, `${node.option} only as a term of the top-level AND`, `it ${here ?? 'nested'}`);
    case 'and':
      return { kind: 'and', items: node.items.map((n) => toExpr(n, here ?? 'inside AND')), pos: node.pos };
    case 'or':
      return { kind: 'or', items: node.items.map((n) => toExpr(n, 'inside OR')), pos: node.pos };
    case 'not':
      return { kind: 'not', expr: toExpr(node.expr, 'under NOT'), pos: node.pos };
    case 'compare':
      return { kind: 'compare', field: node.field, op: node.op, value: node.value, pos: node.pos };
    case 'has':
      return { kind: 'has', field: node.field, pos: node.pos };
  }
}
