// Retrieval metrics on a set small enough to check by hand: 4 queries over 6 images (a–f), Ks 1/5/10.
// Every expected number is written out with its arithmetic.
import { describe, expect, it } from 'vitest';
import {
  averagePrecision,
  normalizeKs,
  queryMetrics,
  summarize,
  thresholdForPrecision,
  type QueryRun,
} from '../../lib/services/evaluation-metrics.js';

const ranked = (...pairs: Array<[string, number]>) => pairs.map(([id, score]) => ({ id, score }));
const KS = [1, 5, 10];

/** relevant {a, b, c}; 6 results, relevant at ranks 1, 3 and 6. */
const dog: QueryRun = {
  query: 'dog',
  relevant: new Set(['a', 'b', 'c']),
  ranked: ranked(['a', 0.9], ['d', 0.8], ['b', 0.7], ['e', 0.6], ['f', 0.5], ['c', 0.4]),
};
/** relevant {e, f}; only 4 results (fewer than K = 5 and 10); e and f tie at 0.75 (ranks 2 and 3). */
const cat: QueryRun = {
  query: 'cat',
  relevant: new Set(['e', 'f']),
  ranked: ranked(['b', 0.85], ['e', 0.75], ['f', 0.75], ['a', 0.3]),
};
/** No relevant image: skipped from every mean and from the threshold's pool. */
const bird: QueryRun = { query: 'bird', relevant: new Set(), ranked: ranked(['c', 0.95], ['a', 0.92]) };
/** relevant {d}, never retrieved. */
const car: QueryRun = { query: 'car', relevant: new Set(['d']), ranked: ranked(['a', 0.2], ['b', 0.1]) };

describe('per query', () => {
  it('P@K divides by K even when fewer results came back; R@K by the relevant count', () => {
    const d = queryMetrics(dog, KS);
    expect(d).toMatchObject({
      query: 'dog',
      relevant: 3,
      // P@1 = 1/1; P@5: a d b e f → a, b = 2/5; P@10: all 6 returned hold 3 → 3/10 (not 3/6)
      precisionAtK: { 1: 1, 5: 0.4, 10: 0.3 },
      // R@1 = 1/3; R@5 = 2/3; R@10 = 3/3
      recallAtK: { 1: 1 / 3, 5: 2 / 3, 10: 1 },
    });
    // AP@10 = (P@1 + P@3 + P@6) / min(3, 10) = (1 + 2/3 + 3/6) / 3 = 13/18 ≈ 0.7222
    expect(d.ap).toBeCloseTo(13 / 18, 12);
    const c = queryMetrics(cat, KS);
    // P@1 = 0; P@5 = 2/5 (only 4 came back); P@10 = 2/10
    expect(c.precisionAtK).toEqual({ 1: 0, 5: 0.4, 10: 0.2 });
    expect(c.recallAtK).toEqual({ 1: 0, 5: 1, 10: 1 });
    // AP@10 = (P@2 + P@3) / 2 = (1/2 + 2/3) / 2 = 7/12 ≈ 0.5833
    expect(c.ap).toBeCloseTo(7 / 12, 12);
    expect(queryMetrics(car, KS)).toMatchObject({ precisionAtK: { 1: 0, 5: 0, 10: 0 }, recallAtK: { 1: 0, 5: 0, 10: 0 }, ap: 0 });
  });

  it('AP@Kmax divides by min(relevant, Kmax): a perfect top-K scores 1 however many are relevant', () => {
    const many: QueryRun = { query: 'x', relevant: new Set(['a', 'b', 'c', 'd']), ranked: ranked(['a', 0.9], ['b', 0.8], ['z', 0.7], ['c', 0.6]) };
    // K = 2: ranks 1, 2 relevant → (1 + 1) / min(4, 2) = 1
    expect(averagePrecision(many, 2)).toBe(1);
    // K = 4: ranks 1, 2, 4 → (1 + 1 + 3/4) / min(4, 4) = 2.75 / 4 = 0.6875
    expect(averagePrecision(many, 4)).toBe(0.6875);
    expect(averagePrecision(bird, 10)).toBe(0);
  });

  it('a ranking that names an id twice is refused; Ks are whole numbers ≥ 1, sorted and unique', () => {
    expect(() => queryMetrics({ query: 'q', relevant: new Set(['a']), ranked: ranked(['a', 1], ['a', 0.5]) }, KS)).toThrow(/ranked twice/);
    expect(normalizeKs([10, 1, 5, 5])).toEqual([1, 5, 10]);
    expect(() => normalizeKs([0])).toThrow(RangeError);
    expect(() => normalizeKs([2.5])).toThrow(RangeError);
    expect(() => normalizeKs([])).toThrow(RangeError);
  });
});

describe('means over queries', () => {
  it('skips and names queries with no relevant image; averages the rest', () => {
    const s = summarize([dog, cat, bird, car], [10, 5, 1]);
    expect(s.ks).toEqual([1, 5, 10]);
    expect(s.skipped).toEqual(['bird']);
    expect(s.perQuery.map((q) => q.query)).toEqual(['dog', 'cat', 'car']);
    // P@1 = (1 + 0 + 0) / 3; P@5 = (0.4 + 0.4 + 0) / 3; P@10 = (0.3 + 0.2 + 0) / 3
    expect(s.precisionAtK[1]).toBeCloseTo(1 / 3, 12);
    expect(s.precisionAtK[5]).toBeCloseTo(0.8 / 3, 12); // ≈ 0.2667
    expect(s.precisionAtK[10]).toBeCloseTo(0.5 / 3, 12); // ≈ 0.1667
    // R@1 = (1/3 + 0 + 0) / 3 = 1/9; R@5 = (2/3 + 1 + 0) / 3 = 5/9; R@10 = (1 + 1 + 0) / 3 = 2/3
    expect(s.recallAtK[1]).toBeCloseTo(1 / 9, 12);
    expect(s.recallAtK[5]).toBeCloseTo(5 / 9, 12);
    expect(s.recallAtK[10]).toBeCloseTo(2 / 3, 12);
    // mAP = (13/18 + 7/12 + 0) / 3 = (26/36 + 21/36) / 3 = 47/108 ≈ 0.4352
    expect(s.map).toBeCloseTo(47 / 108, 12);
  });

  it('nothing measurable: means are 0 and every query is listed as skipped', () => {
    const s = summarize([bird], KS);
    expect(s).toMatchObject({ perQuery: [], skipped: ['bird'], precisionAtK: { 1: 0, 5: 0, 10: 0 }, map: 0 });
  });
});

describe('score threshold for a target precision', () => {
  // Pool of dog, cat and car (bird is skipped), best first; R = relevant, N = not:
  //   0.9R | 0.85N | 0.8N | 0.75R 0.75R | 0.7R | 0.6N | 0.5N | 0.4R | 0.3N | 0.2N | 0.1N
  // All relevant (query, image) pairs: 3 + 2 + 1 = 6 (car's d is never retrieved but counts).
  // Threshold t = a score keeps the pairs above it:       kept  hits  precision
  //   t = 0.85 → 0.9                                         1     1   1
  //   t = 0.8  → … 0.85                                      2     1   0.5
  //   t = 0.75 → … 0.8                                       3     1   0.333
  //   t = 0.7  → … 0.75 0.75                                 5     3   0.6
  //   t = 0.6  → … 0.7                                       6     4   0.667
  //   t = 0.5  → … 0.6                                       7     4   0.571
  //   t = 0.4  → … 0.5                                       8     4   0.5
  //   t = 0.3  → … 0.4                                       9     5   0.556
  //   t = 0.2  → … 0.3                                      10     5   0.5
  //   t = 0.1  → … 0.2                                      11     5   0.455
  const runs = [dog, cat, bird, car];

  it('is the lowest threshold reaching the target, with its precision and recall', () => {
    // 0.9: only t = 0.85 reaches it → precision 1/1, recall 1/6
    expect(thresholdForPrecision(runs, 0.9)).toEqual({ targetPrecision: 0.9, scoreThreshold: 0.85, precision: 1, recall: 1 / 6 });
    // 0.6: t = 0.7 (0.6) and t = 0.6 (4/6) reach it; the lowest is 0.6 → precision 4/6, recall 4/6
    expect(thresholdForPrecision(runs, 0.6)).toEqual({ targetPrecision: 0.6, scoreThreshold: 0.6, precision: 4 / 6, recall: 4 / 6 });
    // 0.55: also t = 0.5 (4/7 ≈ 0.571) and t = 0.3 (5/9 ≈ 0.556); the lowest is 0.3 → recall 5/6
    expect(thresholdForPrecision(runs, 0.55)).toEqual({ targetPrecision: 0.55, scoreThreshold: 0.3, precision: 5 / 9, recall: 5 / 6 });
    // 0.45: t = 0.1 keeps 11 with 5 hits (≈ 0.4545); keeping all 12 is no candidate (no lower score was observed)
    expect(thresholdForPrecision(runs, 0.45)).toMatchObject({ scoreThreshold: 0.1, precision: 5 / 11, recall: 5 / 6 });
  });

  it('never splits equal scores', () => {
    // x 0.9 R | y 0.8 R, z 0.8 N | w 0.5 N. Keeping y without z would give precision 1 and recall 1;
    // a strict threshold cannot: t = 0.8 keeps x alone (1/1, recall 1/2); t = 0.5 keeps x y z (2/3).
    const tie: QueryRun = { query: 't', relevant: new Set(['x', 'y']), ranked: ranked(['x', 0.9], ['y', 0.8], ['z', 0.8], ['w', 0.5]) };
    expect(thresholdForPrecision([tie], 0.75)).toEqual({ targetPrecision: 0.75, scoreThreshold: 0.8, precision: 1, recall: 0.5 });
    expect(thresholdForPrecision([tie], 0.6)).toEqual({ targetPrecision: 0.6, scoreThreshold: 0.5, precision: 2 / 3, recall: 1 });
  });

  it('is null when no threshold reaches the target', () => {
    // best pair is not relevant: t = 0.8 keeps it alone (0/1); keeping both has no lower observed score
    const bad: QueryRun = { query: 'b', relevant: new Set(['y']), ranked: ranked(['x', 0.9], ['y', 0.8]) };
    expect(thresholdForPrecision([bad], 0.5)).toBeNull();
    expect(thresholdForPrecision([bird], 0.5)).toBeNull();
    expect(thresholdForPrecision(runs, 1)).toMatchObject({ scoreThreshold: 0.85 });
    expect(() => thresholdForPrecision(runs, 0)).toThrow(RangeError);
    expect(() => thresholdForPrecision(runs, 1.5)).toThrow(RangeError);
  });
});
