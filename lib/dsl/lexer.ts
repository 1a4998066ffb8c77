// The query language's lexer: pulls one token at a time, so errors come out in source order.
import type { CompareOp, Pos } from './ast.js';
import { DslError } from './dsl-error.js';

export type Keyword = 'AND' | 'OR' | 'NOT' | 'HAS';

export type Token =
  | { kind: 'word'; text: string; pos: Pos } // a field name (or an unknown word)
  | { kind: 'keyword'; keyword: Keyword; text: string; pos: Pos }
  | { kind: 'string'; value: string; text: string; pos: Pos }
  | { kind: 'number'; value: number; text: string; pos: Pos }
  | { kind: 'op'; op: CompareOp; pos: Pos }
  | { kind: '(' | ')'; pos: Pos }
  | { kind: 'char'; text: string; pos: Pos } // a character no token starts with
  | { kind: 'eof'; pos: Pos };

const KEYWORDS = new Map<string, Keyword>([['and', 'AND'], ['or', 'OR'], ['not', 'NOT'], ['has', 'HAS']]);
const WORD_START = /[\p{L}_]/u;
const WORD_PART_RE = /[\p{L}\p{N}\p{M}._-]/u;
const SPACE_RE = /\s/u;
// ASCII first: most queries are ASCII, and a regex test per character shows in fuzzing
const isWordPart = (c: string) =>
  (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '.' || c === '_' || c === '-' || (c > '\x7f' && WORD_PART_RE.test(c));
const isSpace = (c: string) => c === ' ' || c === '\n' || c === '\t' || c === '\r' || (c !== '' && (c < ' ' || c > '\x7f') && SPACE_RE.test(c));
const NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const NUMBER_PART = /[\p{L}\p{N}\p{M}._+-]/u;

const MAX_SHOWN = 30;

/** A short, printable rendering of source text for messages. */
export function quoteSource(text: string): string {
  const chars = [...text];
  const shown = chars.length > MAX_SHOWN ? `${chars.slice(0, MAX_SHOWN).join('')}…` : text;
  return shown.replace(/[\p{C}\p{Zl}\p{Zp}]/gu, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}

/** How an error message names a token it did not expect. */
export function describeToken(t: Token): string {
  switch (t.kind) {
    case 'word':
    case 'keyword':
      return `'${quoteSource(t.text)}'`;
    case 'string':
      return `string ${quoteSource(t.text)}`;
    case 'number':
      return `number ${quoteSource(t.text)}`;
    case 'op':
      return `'${t.op}'`;
    case '(':
    case ')':
      return `'${t.kind}'`;
    case 'char':
      return /^[\p{C}\p{Z}]$/u.test(t.text) ? `U+${t.text.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}` : `'${t.text}'`;
    case 'eof':
      return 'end of input';
  }
}

/** The line and column of an offset, counted as the lexer counts them. */
export function positionAt(src: string, offset: number): Pos {
  const lexer = new Lexer(src);
  lexer.skipTo(offset);
  return lexer.pos();
}

export class Lexer {
  private i = 0;
  private line = 1;
  private col = 1;
  private ahead?: Token;

  constructor(private readonly src: string) {}

  peek(): Token {
    this.ahead ??= this.scan();
    return this.ahead;
  }

  next(): Token {
    const t = this.peek();
    this.ahead = undefined;
    return t;
  }

  /** Moves to `offset` without making tokens. */
  skipTo(offset: number): void {
    while (this.i < offset && this.i < this.src.length) this.advance();
  }

  /** Where the lexer stands (after any peeked token). */
  pos(): Pos {
    return { offset: this.i, line: this.line, col: this.col };
  }

  /** The character (code point) at `at`, '' past the end. */
  private char(at = this.i): string {
    if (at >= this.src.length) return '';
    const u = this.src.charCodeAt(at);
    return u < 0xd800 || u > 0xdbff ? this.src[at]! : String.fromCodePoint(this.src.codePointAt(at)!);
  }

  private advance(): string {
    const c = this.char();
    this.i += c.length;
    // \r\n is one line break: the \r moves nothing, the \n moves to the next line
    if (c === '\n' || (c === '\r' && this.src[this.i] !== '\n')) {
      this.line++;
      this.col = 1;
    } else if (c !== '\r') {
      this.col++;
    }
    return c;
  }

  private scan(): Token {
    while (this.i < this.src.length && isSpace(this.char())) this.advance();
    const pos = this.pos();
    if (this.i >= this.src.length) return { kind: 'eof', pos };
    const c = this.char();
    const c1 = this.char(this.i + 1);
    if (c === '(' || c === ')') {
      this.advance();
      return { kind: c, pos };
    }
    if (c === '=' || c === ':') {
      this.advance();
      return { kind: 'op', op: c, pos };
    }
    if (c === '>' || c === '<') {
      this.advance();
      if (c1 === '=') {
        this.advance();
        return { kind: 'op', op: c === '>' ? '>=' : '<=', pos };
      }
      return { kind: 'op', op: c, pos };
    }
    // PAI: "single and double quotes are equivalent"
    if (c === '"' || c === "'") return this.scanString(pos, c);
    const digit = (x: string) => x >= '0' && x <= '9';
    if (digit(c) || (c === '.' && digit(c1)) || (c === '-' && (digit(c1) || (c1 === '.' && digit(this.char(this.i + 2)))))) {
      return this.scanNumber(pos);
    }
    if (WORD_START.test(c)) {
      const start = this.i;
      while (this.i < this.src.length && isWordPart(this.char())) this.advance();
      const text = this.src.slice(start, this.i);
      const keyword = KEYWORDS.get(text.toLowerCase());
      return keyword ? { kind: 'keyword', keyword, text, pos } : { kind: 'word', text, pos };
    }
    this.advance();
    return { kind: 'char', text: c, pos };
  }

  private scanNumber(pos: Pos): Token {
    const start = this.i;
    this.advance();
    // take what looks like part of the number, so `12abc` or `1.2.3` is one bad number, not two tokens
    while (this.i < this.src.length) {
      const c = this.char();
      const prev = this.src[this.i - 1];
      if (!NUMBER_PART.test(c) || ((c === '+' || c === '-') && prev !== 'e' && prev !== 'E')) break;
      this.advance();
    }
    const text = this.src.slice(start, this.i);
    const value = Number(text);
    if (!NUMBER.test(text)) throw new DslError(pos, 'a number', `'${quoteSource(text)}'`);
    if (!Number.isFinite(value)) throw new DslError(pos, 'a finite number', `number ${quoteSource(text)}`);
    return { kind: 'number', value: value === 0 ? 0 : value, text, pos };
  }

  /**
   * A string in double or single quotes (the same value either way). Inside, `\"`, `\'` and `\\` stand
   * for the character; the other quote needs no escape.
   */
  private scanString(pos: Pos, quote: '"' | "'"): Token {
    const start = this.i;
    this.advance();
    let value = '';
    const close = `${quote === '"' ? `'"'` : `"'"`} to close the string at ${pos.line}:${pos.col}`;
    const escapes = `\\", \\' or \\\\ after '\\'`;
    for (;;) {
      if (this.i >= this.src.length) throw new DslError(this.pos(), close, 'end of input');
      const at = this.pos();
      const c = this.advance();
      if (c === quote) break;
      if (c === '\n' || c === '\r') throw new DslError(at, close, 'a line break');
      if (c === '\\') {
        if (this.i >= this.src.length) throw new DslError(at, escapes, 'end of input');
        const e = this.char();
        if (e !== '"' && e !== "'" && e !== '\\') throw new DslError(at, escapes, `'\\${quoteSource(e)}'`);
        this.advance();
        value += e;
        continue;
      }
      value += c;
    }
    return { kind: 'string', value, text: this.src.slice(start, this.i), pos };
  }
}
