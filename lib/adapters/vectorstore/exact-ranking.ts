// Exact top-k over unit vectors: usearch's SIMD `exactSearch` proposes the nearest rows, which are re-scored
// in doubles and ordered by score, then id. k widens until the cut-off is certain: enough rows passed the
// filter, and no row left unfetched could score as high as the last one kept (ties included).
import type { Matches } from 'usearch';
import { usearch } from './usearch-module.js';

const { exactSearch, MetricKind } = usearch;

export interface RankedRow {
  row: number;
  score: number;
}

export interface RowScorer {
  /** Exact cosine of `row` with the query. */
  score(row: number): number;
  idOf(row: number): string;
}

/**
 * usearch scores in float32 and reports `1 - dot`; rows it did not return can exceed its last distance by
 * its rounding error only (about 1e-6 at 1536 dims). Anything this close to the cut-off widens the search.
 */
const CUTOFF_SLACK = 1e-4;

export const compareIds = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Extra candidates fetched beyond topK, so that re-scoring rarely needs a second pass. */
export const candidateMargin = (topK: number) => Math.max(8, topK >> 2);

export function sortRanked(ranked: RankedRow[], scorer: RowScorer): RankedRow[] {
  return ranked.sort((a, b) => b.score - a.score || compareIds(scorer.idOf(a.row), scorer.idOf(b.row)));
}

/** Scores the listed rows one by one: for a handful of rows this beats gathering them for usearch. */
export function rankListedRows(rows: Iterable<number>, topK: number, scorer: RowScorer): RankedRow[] {
  const ranked: RankedRow[] = [];
  for (const row of rows) ranked.push({ row, score: scorer.score(row) });
  return sortRanked(ranked, scorer).slice(0, topK);
}

export interface ExactRankInput extends RowScorer {
  /** Exactly rows × dimension floats, starting at offset 0 of their buffer (usearch ignores view offsets). */
  block: Float32Array;
  rows: number;
  dimension: number;
  /** Unit query, starting at offset 0 of its own buffer. */
  query: Float32Array;
  topK: number;
  /** Only rows passing this may be returned. */
  accept?: (row: number) => boolean;
  /** First number of candidates to fetch (a filter that passes few rows wants more). */
  initialK?: number;
}

export function rankExact(input: ExactRankInput): RankedRow[] {
  const { rows, topK, accept } = input;
  if (rows === 0 || topK <= 0) return [];
  if (input.block.byteOffset !== 0 || input.query.byteOffset !== 0 || input.block.length !== rows * input.dimension) {
    throw new Error('rankExact needs a block and a query that start at offset 0 of their buffers');
  }
  let k = Math.min(rows, Math.max(1, input.initialK ?? topK + candidateMargin(topK)));
  for (;;) {
    const found = exactSearch(input.block, input.query, input.dimension, k, MetricKind.IP, 0) as Matches;
    const ranked: RankedRow[] = [];
    for (const key of found.keys) {
      const row = Number(key);
      if (!accept || accept(row)) ranked.push({ row, score: input.score(row) });
    }
    sortRanked(ranked, input);
    if (k >= rows) return ranked.slice(0, topK);
    const lastFetched = 1 - found.distances[found.distances.length - 1]!;
    if (ranked.length >= topK && ranked[topK - 1]!.score > lastFetched + CUTOFF_SLACK) return ranked.slice(0, topK);
    k = Math.min(rows, k * 4);
  }
}
