// The data view's layouts (web/src/data/layout.ts): every item has one box, visit() finds exactly the
// boxes meeting a band, hit() finds the item under a point, and justified rows fill the width, with
// chunks not loaded yet estimated from their item count.
import { describe, expect, it } from 'vitest';
import { cellLayout, justifiedLayout, PAGE, type Box, type JustifiedCache, type Layout } from '../../web/src/data/layout.js';

/** Every item's box must be found by visit() over a band iff it meets the band, and hit() at its centre. */
function checkConsistent(l: Layout, from: number, to: number) {
  const boxes = new Map<number, Box>();
  for (let i = from; i < to; i++) boxes.set(i, l.box(i));
  for (const [i, b] of boxes) expect(l.hit(b.x + b.w / 2, b.y + b.h / 2)).toBe(i);
  const y0 = boxes.get(from)!.y + 7;
  const y1 = y0 + 500;
  const seen: number[] = [];
  l.visit(y0, y1, (i) => seen.push(i));
  const expected = [...boxes].filter(([, b]) => b.y < y1 && b.y + b.h > y0).map(([i]) => i);
  expect(seen.filter((i) => i >= from && i < to)).toEqual(expected);
}

describe('cell layout', () => {
  it('lays out fixed cells and list rows, a million of them, by arithmetic', () => {
    const grid = cellLayout(1_000_000, 940, 180, 4);
    expect(grid.box(5)).toMatchObject({ x: 0, y: grid.box(0).h + 4 }); // 5 columns
    expect(grid.height).toBeCloseTo((1_000_000 / 5) * (grid.box(0).h + 4) - 4);
    checkConsistent(grid, 0, 200);
    checkConsistent(grid, 999_800, 1_000_000);
    const list = cellLayout(1_000_000, 900, 900, 0, 40);
    expect(list.height).toBe(40_000_000);
    expect(list.hit(10, 39_999_999)).toBe(999_999);
    checkConsistent(list, 500_000, 500_100);
  });
});

describe('justified layout', () => {
  const aspects = (c: number) => Array.from({ length: PAGE }, (_, k) => [4 / 3, 3 / 4, 1, 16 / 9, 3][(c + k) % 5]!);

  it('fills the width with each full row and keeps the last row of a chunk at its natural height', () => {
    const cache: JustifiedCache = { width: 0, chunks: new Map() };
    const l = justifiedLayout(2 * PAGE + 13, 1000, 180, 4, aspects, cache);
    const rows = new Map<number, Box[]>();
    for (let i = 0; i < PAGE; i++) {
      const b = l.box(i);
      rows.set(b.y, [...(rows.get(b.y) ?? []), b]);
    }
    const all = [...rows.values()];
    for (const row of all.slice(0, -1)) {
      const last = row[row.length - 1]!;
      expect(last.x + last.w).toBeCloseTo(1000, 3);
      expect(row[0]!.h).toBeLessThanOrEqual(180);
    }
    const end = all[all.length - 1]!;
    const right = end[end.length - 1]!;
    expect(end[0]!.h === 180 || Math.abs(right.x + right.w - 1000) < 1e-3).toBe(true);
    // the chunk after starts below it, whatever the last row's height
    expect(l.box(PAGE).y).toBeCloseTo(end[0]!.y + end[0]!.h + 4);
    checkConsistent(l, 0, 2 * PAGE + 13);
  });

  it('estimates the chunks not loaded, and keeps a chunk once laid out', () => {
    const cache: JustifiedCache = { width: 0, chunks: new Map() };
    const loaded = new Set([0]);
    const some = (c: number) => (loaded.has(c) ? aspects(c) : undefined);
    const before = justifiedLayout(1_000_000, 1000, 180, 4, some, cache);
    checkConsistent(before, 500_000, 500_400); // estimated rows are consistent too
    expect(before.height).toBeGreaterThan(0);
    loaded.add(2500);
    const after = justifiedLayout(1_000_000, 1000, 180, 4, some, cache);
    expect(cache.chunks.size).toBe(2);
    checkConsistent(after, 2500 * PAGE, 2501 * PAGE);
    loaded.delete(0); // the page left the LRU: its rows stay
    expect(justifiedLayout(1_000_000, 1000, 180, 4, some, cache).box(PAGE - 1)).toEqual(after.box(PAGE - 1));
    justifiedLayout(1_000_000, 800, 180, 4, some, cache); // another width lays out again
    expect(cache.width).toBe(800);
    expect(cache.chunks.size).toBe(1);
  });
});
