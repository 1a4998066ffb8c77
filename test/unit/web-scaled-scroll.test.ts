// The data view's scaled scrolling (web/src/data/scaled-scroll.ts) over a stand-in scroller: a canvas of
// 40M px behind a spacer capped at 8M moves 1:1 for small scrolls, lands proportionally on a big jump,
// reaches both ends, and re-syncs the physical position after scrolling settles without moving the
// content.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CAP, ScaledScroll } from '../../web/src/data/scaled-scroll.js';

/** Stands in for the scroller element: a scrollTop the browser clamps to the spacer, and its scroll listener. */
class FakeScroller {
  private top = 0;
  private listener: (() => void) | undefined;
  readonly spacer = { style: { height: '' } };
  constructor(readonly clientHeight: number) {}
  get scrollTop() {
    return this.top;
  }
  set scrollTop(v: number) {
    this.top = Math.max(0, Math.min(Math.round(v), parseFloat(this.spacer.style.height) - this.clientHeight));
  }
  addEventListener(_: string, f: () => void) {
    this.listener = f;
  }
  removeEventListener() {
    this.listener = undefined;
  }
  /** The user scrolls to p (the browser then fires 'scroll'). */
  userScroll(p: number) {
    this.scrollTop = p;
    this.listener?.();
  }
}

describe('scaled scroll', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const make = (height: number) => {
    const el = new FakeScroller(800);
    const changes: boolean[] = [];
    const s = new ScaledScroll(el, el.spacer, (user) => changes.push(user), () => undefined);
    s.resize(height, 800);
    return { el, s, changes };
  };

  it('is the identity when the canvas fits under the cap', () => {
    const { el, s } = make(2_000_000);
    expect(el.spacer.style.height).toBe('2000000px');
    el.userScroll(123_456);
    expect(s.top).toBe(123_456);
    expect(s.shift).toBe(0);
  });

  it('caps the spacer, moves 1:1 on small scrolls, jumps proportionally, and reaches both ends', () => {
    const { el, s, changes } = make(40_000_000);
    expect(el.spacer.style.height).toBe(`${CAP}px`);
    changes.length = 0;
    el.userScroll(4_000_000); // a scrollbar drag to the middle
    const mid = s.top;
    expect(mid).toBeGreaterThan(19_800_000);
    expect(mid).toBeLessThan(20_200_000);
    const shift = s.shift;
    for (let k = 1; k <= 10; k++) el.userScroll(4_000_000 + 100 * k); // wheel
    expect(s.top).toBe(mid + 1000);
    expect(s.shift).toBe(shift); // the content scrolls natively: nothing is redrawn at another shift
    expect(changes.every(Boolean)).toBe(true);
    el.userScroll(CAP); // the scrollbar's end
    expect(s.top).toBe(40_000_000 - 800);
    el.userScroll(0);
    expect(s.top).toBe(0);
  });

  it('re-syncs the physical position 150 ms after scrolling stops, keeping the virtual one', () => {
    const { el, s } = make(40_000_000);
    el.userScroll(4_000_000);
    for (let k = 1; k <= 50; k++) el.userScroll(4_000_000 + 500 * k); // 25,000 px 1:1: off the mapping
    const top = s.top;
    const drifted = el.scrollTop;
    vi.advanceTimersByTime(160);
    expect(s.top).toBe(top);
    expect(el.scrollTop).not.toBe(drifted);
    expect(el.scrollTop).toBeLessThan(drifted); // the mapping's slope is < 1: physical moved back
    expect(s.top - el.scrollTop).toBe(s.shift);
  });

  it('maps the first and the last million px 1:1, so the ends behave as a normal list', () => {
    const { el, s } = make(40_000_000);
    el.userScroll(500_000);
    vi.advanceTimersByTime(160);
    expect(el.scrollTop).toBe(500_000);
    expect(s.top).toBe(500_000);
    s.scrollTo(40_000_000 - 800 - 300_000);
    expect(el.scrollTop).toBe(CAP - 800 - 300_000);
  });
  it('recovers from a layout measured before the scroller had a size (NaN height) instead of staying empty', () => {
    const { s } = make(Number.NaN);
    s.scrollTo(Number.NaN);
    expect(s.top).toBe(0);
    s.resize(1_000_000, 800);
    s.scrollTo(5_000);
    expect(s.top).toBe(5_000);
  });
});
