// Prints a syntax tree back as query source; parseQuery(printQuery(q)) gives q again (positions aside).
import type { Expr, Literal, ParsedQuery } from './ast.js';

/** A double-quoted DSL string. Line breaks have no escape in the language, so they cannot be printed. */
export function quoteDslString(s: string): string {
  if (/[\n\r]/.test(s)) throw new Error('a query string cannot hold a line break');
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

const printLiteral = (lit: Literal) => (lit.kind === 'number' ? String(lit.value) : quoteDslString(lit.value));

// and/or items and NOT's operand get parentheses when they are and/or themselves, so the tree's shape
// (including nesting the parser would not flatten) survives the round trip.
const operand = (e: Expr) => (e.kind === 'and' || e.kind === 'or' ? `(${printExpr(e)})` : printExpr(e));

export function printExpr(e: Expr): string {
  switch (e.kind) {
    case 'and':
      return e.items.map(operand).join(' AND ');
    case 'or':
      return e.items.map(operand).join(' OR ');
    case 'not':
      return `NOT ${operand(e.expr)}`;
    case 'has':
      return `HAS ${e.field}`;
    case 'compare':
      return e.op === ':' ? `${e.field}:${printLiteral(e.value)}` : `${e.field} ${e.op} ${printLiteral(e.value)}`;
  }
}

export function printQuery(q: ParsedQuery): string {
  const terms: string[] = [];
  if (q.filter) terms.push(q.filter.kind === 'or' ? `(${printExpr(q.filter)})` : printExpr(q.filter));
  if (q.content !== undefined) terms.push(`Content:${quoteDslString(q.content)}`);
  if (q.topK !== undefined) terms.push(`TopK=${q.topK}`);
  if (q.scoreThreshold !== undefined) terms.push(`ScoreThreshold=${q.scoreThreshold}`);
  if (q.queryType !== undefined) terms.push(`QueryType=${quoteDslString(q.queryType)}`);
  if (q.sortBy !== undefined) terms.push(`SortBy=${quoteDslString(q.sortBy)}`);
  if (q.order !== undefined) terms.push(`Order=${quoteDslString(q.order)}`);
  if (q.signMode !== undefined) terms.push(`SignMode=${quoteDslString(q.signMode)}`);
  return terms.join(' AND ');
}
