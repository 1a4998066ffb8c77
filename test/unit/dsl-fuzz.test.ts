// Fuzzing the parser: 100,000 random and mutated queries either parse or fail with a DslError at a
// real position; nothing else is ever thrown, and what parses evaluates, compiles and prints back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Expr, ParsedQuery } from '../../lib/dsl/ast.js';
import { compileSqlite } from '../../lib/dsl/compile-sqlite.js';
import { DslError } from '../../lib/dsl/dsl-error.js';
import { evaluate } from '../../lib/dsl/evaluator.js';
import { parseQuery } from '../../lib/dsl/parser.js';
import { printExpr, printQuery } from '../../lib/dsl/print.js';
import { makeFileMeta, randomCorpus, randomExpr, seededRng } from '../support/dsl-corpus.js';
import { fuzzQuery } from '../support/dsl-fuzz-inputs.js';

const SEED = Number(process.env.LOUPE_DSL_SEED ?? 7);
const CASES = 100_000;

// Where an offset is, counted the way errors count: lines split at \n, \r\n or \r; columns in code points.
function lineCol(src: string, offset: number): string {
  const before = src.slice(0, offset);
  const lines = before.split(/\r\n|\r|\n/);
  return `${lines.length}:${[...lines.at(-1)!].length + 1}`;
}

const stripPos = (e: Expr | undefined): unknown => JSON.parse(JSON.stringify(e ?? null, (k, v: unknown) => (k === 'pos' ? undefined : v)));

describe(`DSL parser fuzz (seed ${SEED})`, () => {
  // ~95,000 errors: capturing a stack for each would be most of the run, and stacks are not under test
  let stackTraceLimit: number;
  beforeAll(() => {
    stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
  });
  afterAll(() => {
    Error.stackTraceLimit = stackTraceLimit;
  });

  it(`${CASES} inputs: a ParsedQuery or a DslError, never anything else`, () => {
    const rng = seededRng(SEED);
    const corpus = randomCorpus(rng, 50);
    const sample = makeFileMeta();
    const valid = [
      ...Array.from({ length: 300 }, () => printExpr(randomExpr(rng, corpus, 4))),
      '(FileUpdateTime > "2025-02-28T00:00:00Z" AND FileUpdateTime < "2025-05-30T09:27:29Z")\nAND FileDir:"blue_car" AND NOT FileName="toyota.jpg"\nAND ((Tags.all="lane line" AND Tags.all="barrier gate") OR NOT Tags.user="rainy days")\nAND HAS SemanticIndexJobId AND Content:"a fallen water horse" AND TopK=100',
      'Content:"a cat" AND TopK=10 AND ScoreThreshold=0.5',
      "FileName='toyota.jpg' AND Tags.all:'lane line' AND Status='ACTIVE' AND QueryType='MIX' AND SortBy='FileName' AND Order='ASC' AND SignMode='PUBLIC'",
    ];
    let parsed = 0;
    let failed = 0;
    for (let i = 0; i < CASES; i++) {
      const src = fuzzQuery(rng, valid);
      let q: ParsedQuery;
      try {
        q = parseQuery(src);
      } catch (e) {
        if (!(e instanceof DslError)) expect.fail(`seed ${SEED}, case ${i}: ${JSON.stringify(src)} threw ${String(e)}`);
        if (!/^\d+:\d+: expected .+, found .+$/s.test(e.message) || e.offset < 0 || e.offset > src.length || lineCol(src, e.offset) !== `${e.line}:${e.col}`) {
          expect.fail(`seed ${SEED}, case ${i}: ${JSON.stringify(src)}: bad error ${e.message} at offset ${e.offset}`);
        }
        failed++;
        continue;
      }
      parsed++;
      try {
        if (q.filter) {
          evaluate(q.filter, sample);
          compileSqlite(q.filter);
        }
        const again = parseQuery(printQuery(q));
        if (JSON.stringify(stripPos(again.filter)) !== JSON.stringify(stripPos(q.filter))) throw new Error(`printed ${printQuery(q)} parses differently`);
        const options = (x: ParsedQuery) => JSON.stringify(Object.entries({ ...x, filter: undefined }).sort(([a], [b]) => (a < b ? -1 : 1)));
        if (options(again) !== options(q)) throw new Error('options differ after printing');
      } catch (e) {
        expect.fail(`seed ${SEED}, case ${i}: ${JSON.stringify(src)} parsed, then: ${String(e)}`);
      }
    }
    // both outcomes are well represented
    expect(parsed).toBeGreaterThan(CASES * 0.03);
    expect(failed).toBeGreaterThan(CASES * 0.5);
  });
});
