// The console's selection over a search's results (never a list of every id in the page): every result,
// ranges of result indexes under the search's order, ids toggled on outside the ranges, ids toggled off.
// A result at index i with id x is selected iff (all, or i in a range, or x included) and x not excluded.
// Pure: the search that resolves it is lib/services/selection.ts.
import { z } from 'zod';

export const MAX_SELECTION_RANGES = 10_000;
export const MAX_SELECTION_IDS = 100_000;

const Id = z.string().min(1).max(128);
const Index = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** As a JobSpec carries it (camelCase); the API's wire form (PascalCase) maps onto it. */
export const SelectionSpec = z
  .object({
    all: z.boolean().optional(),
    ranges: z
      .array(z.tuple([Index, Index]).refine(([a, b]) => a <= b, 'a range is [start, end] with start ≤ end (inclusive, 0-based)'))
      .max(MAX_SELECTION_RANGES, `at most ${MAX_SELECTION_RANGES} ranges (merge neighbouring ones)`)
      .optional(),
    included: z.array(Id).max(MAX_SELECTION_IDS, `at most ${MAX_SELECTION_IDS} ids (select a range, or all, instead)`).optional(),
    excluded: z.array(Id).max(MAX_SELECTION_IDS, `at most ${MAX_SELECTION_IDS} ids (narrow the query instead)`).optional(),
  })
  .strict();
export type Selection = z.infer<typeof SelectionSpec>;

/** The ranges sorted by start, overlapping and adjacent ones merged. */
export function mergedRanges(ranges: ReadonlyArray<readonly [number, number]> = []): Array<[number, number]> {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const [start, end] of sorted) {
    const last = out[out.length - 1];
    if (last && start <= last[1] + 1) last[1] = Math.max(last[1], end);
    else out.push([start, end]);
  }
  return out;
}

/**
 * Tells, for result indexes asked in increasing order, whether each is inside a range. (One pass over
 * the merged ranges: asking in order costs O(ranges + results).)
 */
export function rangeCursor(ranges: Array<[number, number]>): (index: number) => boolean {
  let r = 0;
  return (index) => {
    while (r < ranges.length && ranges[r]![1] < index) r++;
    return r < ranges.length && ranges[r]![0] <= index;
  };
}

/** Whether the selection can select nothing at all. */
export const selectsNothing = (s: Selection): boolean => !s.all && !s.ranges?.length && !s.included?.length;
