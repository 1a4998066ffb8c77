// Reading a literal as the type a field needs (the parser has checked it; these guard hand-built trees).
import type { Literal } from './ast.js';

export function stringOf(lit: Literal): string {
  if (lit.kind !== 'string') throw new Error(`expected a string literal, got ${lit.value}`);
  return lit.value;
}

export function numberOf(lit: Literal): number {
  if (lit.kind !== 'number') throw new Error(`expected a number literal, got ${JSON.stringify(lit.value)}`);
  return lit.value;
}
