// The data view's selection model (web/src/data/selection.ts): ranges by result index, toggles that win
// over ranges, select-all minus exclusions, the count, and the Selection the server resolves.
import { describe, expect, it } from 'vitest';
import { Selection } from '../../web/src/data/selection.js';

const Q = { DatasetVersion: 'v1', QueryExpression: 'Tags.all="dog"' };

describe('selection model', () => {
  it('shift-click selects the range between the anchor and the click, also from index 0 and backwards', () => {
    const s = new Selection();
    s.setTotal(1000);
    s.toggle(0, 'a0');
    s.extend(9);
    expect(s.count.value).toBe(10);
    expect(s.toWire(Q)).toEqual({ Query: Q, Ranges: [[0, 9]] });
    const t = new Selection();
    t.setTotal(1000);
    t.toggle(50, 'a50');
    t.extend(40);
    expect(t.toWire(Q).Ranges).toEqual([[40, 50]]);
    expect(t.count.value).toBe(11);
  });

  it('selects a range over results never loaded as one range: 100k in a click', () => {
    const s = new Selection();
    s.setTotal(1_000_000);
    s.toggle(3, 'x3');
    s.extend(100_002);
    expect(s.count.value).toBe(100_000);
    expect(s.has(55_555, undefined)).toBe(true);
    expect(s.has(100_003, undefined)).toBe(false);
    expect(s.toWire(Q)).toEqual({ Query: Q, Ranges: [[3, 100_002]] });
  });

  it('merges overlapping and touching ranges', () => {
    const s = new Selection();
    s.setTotal(100);
    s.anchor = 10;
    s.extend(20);
    s.anchor = 30;
    s.extend(40);
    s.anchor = 21;
    s.extend(29);
    s.anchor = 60;
    s.extend(60);
    expect(s.ranges).toEqual([
      [10, 40],
      [60, 60],
    ]);
    expect(s.count.value).toBe(32);
  });

  it('a Ctrl-click inside a range excludes that file; outside it includes it; a new range over it wins', () => {
    const s = new Selection();
    s.setTotal(100);
    s.toggle(0, 'a');
    s.extend(4);
    s.toggle(2, 'c');
    s.toggle(7, 'h');
    expect(s.has(2, 'c')).toBe(false);
    expect(s.has(7, 'h')).toBe(true);
    expect(s.count.value).toBe(5);
    expect(s.toWire(Q)).toEqual({ Query: Q, Ranges: [[0, 4]], Included: ['h'], Excluded: ['c'] });
    s.toggle(2, 'c');
    expect(s.toWire(Q).Excluded).toBeUndefined();
    s.toggle(2, 'c');
    s.anchor = 1;
    s.extend(8); // covers the excluded 'c' and the included 'h'
    expect(s.toWire(Q)).toEqual({ Query: Q, Ranges: [[0, 8]] });
    expect(s.count.value).toBe(9);
  });

  it('select all matching minus a Ctrl-click is {All, Excluded}; clearing empties it', () => {
    const s = new Selection();
    s.setTotal(812_345);
    s.toggle(5, 'f');
    s.selectAll();
    expect(s.count.value).toBe(812_345);
    s.toggle(1, 'b');
    expect(s.count.value).toBe(812_344);
    expect(s.has(1, 'b')).toBe(false);
    expect(s.has(700_000, undefined)).toBe(true);
    expect(s.toWire(Q)).toEqual({ Query: Q, All: true, Excluded: ['b'] });
    s.clear();
    expect(s.count.value).toBe(0);
    expect(s.toWire(Q)).toEqual({ Query: Q });
  });

  it('a toggle bumps only that file’s signal; a range bumps the shared one', () => {
    const s = new Selection();
    s.setTotal(10);
    const release = s.use('a');
    const bulk = s.bulk.value;
    s.toggle(0, 'a');
    expect(s.bulk.value).toBe(bulk);
    s.extend(3);
    expect(s.bulk.value).toBe(bulk + 1);
    release();
  });
});
