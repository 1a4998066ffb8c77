// Random and mutated query strings for fuzzing the parser and the API (seeded, so failures reproduce).
import { QUERY_FIELDS } from '../../lib/dsl/fields.js';
import { MAX_QUERY_LENGTH } from '../../lib/dsl/parser.js';
import type { Rng } from './dsl-corpus.js';

const FIELD_NAMES = [
  ...Object.keys(QUERY_FIELDS), 'Content', 'TopK', 'ScoreThreshold', 'QueryType', 'SortBy', 'Order', 'SignMode', 'SyncTime', 'MaxResults',
  'Tags', 'tags.', 'Foo', '文件', 'constructor', '__proto__', 'toString',
];
const VOCABULARY = [
  ...FIELD_NAMES, 'AND', 'and', 'Or', 'NOT', 'not', 'HAS', 'has', 'ANDOR', '(', ')', '((', '))', '=', ':', '>', '>=', '<', '<=',
  '==', '!=', '<>', '=>', '"', '""', '"x"', '"a\\"b"', '"\\\\"', '"\\n"', '"unterminated', '"2025-02-28T00:00:00Z"',
  '"2025-02-28"', '"2025-13-01"', '"0000-01-01T00:00:00+01:00"', '"蓝色汽车"', '"/"', '0', '-1', '1.5', '.5', '-.5', '1e3',
  '1e999', '1e', '--1', '1.2.3', '0x10', '10001', '100', 'NaN', 'Infinity', "'x'", "'", "''", "'a\\'b'", '"MIX"', "'ASC'", '#', '\\', '\n', '\r\n', '\t', ' ', '',
];
const ODD_CHARS = [
  '"', '\\', '(', ')', '=', ':', '<', '>', '-', '.', '_', '\n', '\r', '\u2028', '\u0000', '\u0007', '\ud800', '\udc00',
  '\u0301', '蓝', 'カ', '한', '🚗', '\u3000', '\ufeff', 'ｆ', 'İ', 'ß', 'e', 'E', '+', '0', '9', ' ', "'", '#', '$', '?',
];

const int = (rng: Rng, n: number) => Math.floor(rng() * n);
const pick = <T,>(rng: Rng, xs: readonly T[]): T => xs[int(rng, xs.length)]!;

export function mutate(rng: Rng, s: string): string {
  const at = int(rng, s.length + 1);
  switch (int(rng, 6)) {
    case 0:
      return s.slice(0, at) + s.slice(at + 1 + int(rng, 3));
    case 1:
      return s.slice(0, at) + pick(rng, ODD_CHARS) + s.slice(at);
    case 2:
      return at + 1 < s.length ? s.slice(0, at) + s[at + 1] + s[at] + s.slice(at + 2) : s;
    case 3:
      return `${s.slice(0, at)} ${pick(rng, VOCABULARY)} ${s.slice(at)}`;
    case 4: {
      const len = int(rng, 20);
      return s.slice(0, at) + s.slice(at, at + len) + s.slice(at);
    }
    default:
      return s.slice(0, at) + String.fromCodePoint(int(rng, 0x30000)).replace(/[\ud800-\udfff]/, '?') + s.slice(at);
  }
}

export function tokenSoup(rng: Rng): string {
  return Array.from({ length: 1 + int(rng, 20) }, () => pick(rng, VOCABULARY)).join(pick(rng, [' ', ' ', '', '\n']));
}

export function deep(rng: Rng): string {
  const n = int(rng, 130);
  const core = pick(rng, ['HAS Uri', 'TopK=5', 'FileName="x"', '', 'NOT HAS Uri']);
  switch (int(rng, 4)) {
    case 0:
      return `${'('.repeat(n)}${core}${')'.repeat(Math.max(0, n - int(rng, 2)))}`;
    case 1:
      return `${'NOT '.repeat(n)}${core}`;
    case 2:
      return `${'(NOT '.repeat(n)}${core}${')'.repeat(n)}`;
    default:
      return `${'HAS Uri AND '.repeat(int(rng, 800))}${core}`.padEnd(MAX_QUERY_LENGTH - 2 + int(rng, 5));
  }
}

/** One fuzz input: half mutations of `valid` queries, the rest token soup, odd characters and deep nesting. */
export function fuzzQuery(rng: Rng, valid: readonly string[]): string {
  const kind = rng();
  if (kind < 0.5) {
    let src = pick(rng, valid);
    for (let m = 1 + int(rng, 4); m > 0; m--) src = mutate(rng, src);
    return src;
  }
  if (kind < 0.8) return tokenSoup(rng);
  if (kind < 0.95) return Array.from({ length: int(rng, 30) }, () => pick(rng, ODD_CHARS)).join('');
  return deep(rng);
}
