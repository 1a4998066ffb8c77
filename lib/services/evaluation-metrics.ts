// Retrieval metrics of a text → image evaluation (pure, no I/O): Precision@K, Recall@K, AP@Kmax, their
// means over queries, and the score threshold that reaches a target precision.

/** One result of a query: a file id and its score (cosine similarity). */
export interface ScoredId {
  id: string;
  score: number;
}

/** One query as it ran: its results best first, exactly as the search ordered them (ties included), and what is relevant. */
export interface QueryRun {
  query: string;
  ranked: readonly ScoredId[];
  relevant: ReadonlySet<string>;
}

export interface QueryMetrics {
  query: string;
  /** How many items are relevant to the query (retrieved or not). */
  relevant: number;
  precisionAtK: Record<number, number>;
  recallAtK: Record<number, number>;
  /** AP@Kmax (see averagePrecision). */
  ap: number;
}

export interface MetricsSummary {
  ks: number[];
  /** The queries measured: those with at least one relevant item. */
  perQuery: QueryMetrics[];
  /** Queries without any relevant item: recall and AP do not exist for them, so they are left out of every mean. */
  skipped: string[];
  /** Means over `perQuery` (0 when no query could be measured). */
  precisionAtK: Record<number, number>;
  recallAtK: Record<number, number>;
  map: number;
}

export interface ThresholdResult {
  targetPrecision: number;
  /** Keep results scoring strictly more than this (ScoreThreshold is strict). Always one of the observed scores. */
  scoreThreshold: number;
  /** Precision of the pooled results kept. */
  precision: number;
  /** Relevant results kept / all relevant (query, item) pairs, retrieved or not. */
  recall: number;
}

/** The Ks sorted ascending without repeats; each a whole number ≥ 1. */
export function normalizeKs(ks: readonly number[]): number[] {
  if (ks.length === 0) throw new RangeError('at least one K is needed');
  for (const k of ks) if (!Number.isInteger(k) || k < 1) throw new RangeError(`K must be a whole number ≥ 1, got ${k}`);
  return [...new Set(ks)].sort((a, b) => a - b);
}

/**
 * Metrics of one query over the first max(ks) results. Precision@K divides by K even when fewer than K
 * results came back (a short list is not rewarded for its shortness: what was not returned was not found).
 */
export function queryMetrics(run: QueryRun, ks: readonly number[]): QueryMetrics {
  const sorted = normalizeKs(ks);
  const maxK = sorted[sorted.length - 1]!;
  const hitsAt = cumulativeHits(run, maxK);
  const hitsWithin = (k: number) => (k <= hitsAt.length ? hitsAt[k - 1]! : (hitsAt[hitsAt.length - 1] ?? 0));
  const precisionAtK: Record<number, number> = {};
  const recallAtK: Record<number, number> = {};
  for (const k of sorted) {
    precisionAtK[k] = hitsWithin(k) / k;
    recallAtK[k] = run.relevant.size === 0 ? 0 : hitsWithin(k) / run.relevant.size;
  }
  return { query: run.query, relevant: run.relevant.size, precisionAtK, recallAtK, ap: averagePrecision(run, maxK) };
}

/**
 * AP@Kmax: the mean of Precision@r over the ranks r ≤ Kmax that hold a relevant item, divided by
 * min(relevant count, Kmax) rather than by the relevant count: a list cut at Kmax can hold at most Kmax
 * relevant items, so a perfect top-Kmax scores 1 however many relevant items there are. 0 without relevant items.
 */
export function averagePrecision(run: QueryRun, maxK: number): number {
  if (run.relevant.size === 0) return 0;
  const hitsAt = cumulativeHits(run, maxK);
  let sum = 0;
  hitsAt.forEach((hits, i) => {
    if (hits > (hitsAt[i - 1] ?? 0)) sum += hits / (i + 1);
  });
  return sum / Math.min(run.relevant.size, maxK);
}

/** Per-query metrics and their means; queries with no relevant item are skipped and listed. */
export function summarize(runs: readonly QueryRun[], ks: readonly number[]): MetricsSummary {
  const sorted = normalizeKs(ks);
  const perQuery: QueryMetrics[] = [];
  const skipped: string[] = [];
  for (const run of runs) {
    if (run.relevant.size === 0) skipped.push(run.query);
    else perQuery.push(queryMetrics(run, sorted));
  }
  const mean = (pick: (m: QueryMetrics) => number) => (perQuery.length === 0 ? 0 : perQuery.reduce((s, m) => s + pick(m), 0) / perQuery.length);
  const precisionAtK: Record<number, number> = {};
  const recallAtK: Record<number, number> = {};
  for (const k of sorted) {
    precisionAtK[k] = mean((m) => m.precisionAtK[k]!);
    recallAtK[k] = mean((m) => m.recallAtK[k]!);
  }
  return { ks: sorted, perQuery, skipped, precisionAtK, recallAtK, map: mean((m) => m.ap) };
}

/**
 * The lowest score threshold t at which the pooled results of all queries scoring strictly more than t
 * reach `targetPrecision`; null when no threshold does. Every retrieved (query, item) pair of the
 * queries with a relevant item is pooled. Equal scores are kept or dropped together (a strict threshold
 * cannot split them), so the candidates are the observed scores: t = an observed score keeps exactly the
 * pairs above it. Below the lowest observed score nothing was observed (results past TopK were not
 * retrieved), so keeping every pair is not a candidate.
 */
export function thresholdForPrecision(runs: readonly QueryRun[], targetPrecision: number): ThresholdResult | null {
  if (!(targetPrecision > 0 && targetPrecision <= 1)) throw new RangeError(`the target precision must be in (0, 1], got ${targetPrecision}`);
  const measured = runs.filter((r) => r.relevant.size > 0);
  const allRelevant = measured.reduce((s, r) => s + r.relevant.size, 0);
  const pairs = measured.flatMap((r) => {
    uniqueIds(r);
    return r.ranked.map((h) => ({ score: h.score, relevant: r.relevant.has(h.id) }));
  });
  pairs.sort((a, b) => b.score - a.score);

  let best: ThresholdResult | null = null;
  let kept = 0;
  let hits = 0;
  for (let i = 0; i < pairs.length; ) {
    const score = pairs[i]!.score;
    for (; i < pairs.length && pairs[i]!.score === score; i++) {
      kept++;
      if (pairs[i]!.relevant) hits++;
    }
    const next = pairs[i]; // the next lower score: as a threshold it keeps exactly the pairs counted so far
    if (next && hits / kept >= targetPrecision) {
      best = { targetPrecision, scoreThreshold: next.score, precision: hits / kept, recall: hits / allRelevant };
    }
  }
  return best;
}

/** hitsAt[i] = relevant items among the first i + 1 results (at most maxK). */
function cumulativeHits(run: QueryRun, maxK: number): number[] {
  uniqueIds(run);
  const out: number[] = [];
  let hits = 0;
  for (const h of run.ranked.slice(0, maxK)) {
    if (run.relevant.has(h.id)) hits++;
    out.push(hits);
  }
  return out;
}

/** A search returns each file once; a repeated id would count a hit twice. */
function uniqueIds(run: QueryRun): void {
  const seen = new Set<string>();
  for (const h of run.ranked) {
    if (seen.has(h.id)) throw new RangeError(`query '${run.query}': id ${h.id} is ranked twice`);
    seen.add(h.id);
  }
}
