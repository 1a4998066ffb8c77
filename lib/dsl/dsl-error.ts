// A query that does not parse or type-check: a 400 on QueryExpression, pointing at where it went wrong.
import { DomainError } from '../domain/errors.js';
import type { Pos } from './ast.js';

export class DslError extends DomainError {
  readonly line: number;
  readonly col: number;
  /** 0-based offset into the source (UTF-16 code units). */
  readonly offset: number;
  readonly expected: string;
  readonly found: string;

  constructor(pos: Pos, expected: string, found: string) {
    super('Invalid', `${pos.line}:${pos.col}: expected ${expected}, found ${found}`, 'QueryExpression');
    this.line = pos.line;
    this.col = pos.col;
    this.offset = pos.offset;
    this.expected = expected;
    this.found = found;
  }
}

export const isDslError = (e: unknown): e is DslError => e instanceof DslError;
