// Scrolling a canvas taller than any browser lays out (1,000,000 results × 180 px): the scroller's
// spacer is capped at CAP CSS px (Chrome stops at 16.7M at DPR 2, Firefox at ≈17.9M) and a virtual
// position is mapped onto it. Small moves (wheel, keys, scrollIntoView, Playwright's scroll before a
// click) move the content 1:1; a big jump (a scrollbar drag) lands proportionally; 150 ms after the
// scrolling stops the physical position is re-synced to the mapping, in one step the user does not see
// (the content stays put). Items are drawn at `virtual y − shift`, where shift = virtual − physical top
// stays constant during 1:1 moves, so native scrolling stays smooth. The first and last ZONE px map 1:1.
export const CAP = 8_000_000;

/** What of the scroller element and its spacer this uses (an HTMLElement each). */
export interface Scroller {
  scrollTop: number;
  addEventListener(type: 'scroll', f: () => void, o?: { passive: boolean }): void;
  removeEventListener(type: 'scroll', f: () => void): void;
}
export interface Spacer {
  style: { height: string };
}
const ZONE = 1_000_000;
const SETTLE_MS = 150;

export class ScaledScroll {
  /** Virtual top of the viewport. */
  top = 0;
  /** The scroller's scrollTop as last seen or set. */
  private st = 0;
  private height = 0;
  private view = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly el: Scroller,
    private readonly spacer: Spacer,
    /** The position or the shift changed (draw again); `user` when the user scrolled. */
    private readonly changed: (user: boolean) => void,
    /** The scrolling stopped (save the anchor). */
    private readonly settled: () => void,
  ) {
    el.addEventListener('scroll', this.onScroll, { passive: true });
  }

  /** Virtual minus physical top: where the items are drawn. */
  get shift(): number {
    return this.top - this.st;
  }

  get viewport(): number {
    return this.view;
  }

  /** New virtual height or viewport height; the virtual top is kept (clamped), then synced. */
  resize(height: number, view: number): void {
    // A layout measured before the scroller had a size must not poison the position with NaN for good.
    this.height = Number.isFinite(height) ? Math.max(0, height) : 0;
    this.view = Number.isFinite(view) ? Math.max(0, view) : 0;
    this.spacer.style.height = `${Math.min(this.height, CAP)}px`;
    this.scrollTo(this.top);
  }

  /** Puts the viewport's virtual top at v (clamped) and the scroller where the mapping says. */
  scrollTo(v: number): void {
    this.top = Number.isFinite(v) ? Math.max(0, Math.min(v, this.maxV())) : 0;
    this.st = Math.round(this.toPhysical(this.top));
    if (Math.abs(this.el.scrollTop - this.st) >= 1) this.el.scrollTop = this.st;
    this.st = this.el.scrollTop;
    this.changed(false);
  }

  dispose(): void {
    this.el.removeEventListener('scroll', this.onScroll);
    clearTimeout(this.timer);
  }

  private maxV = () => Math.max(0, this.height - this.view);
  private maxP = () => Math.max(0, Math.min(this.height, CAP) - this.view);

  private toPhysical(v: number): number {
    const mv = this.maxV();
    const mp = this.maxP();
    if (mv <= mp) return v;
    const z = Math.min(ZONE, mp / 4);
    if (v <= z) return v;
    if (v >= mv - z) return mp - (mv - v);
    return z + ((v - z) * (mp - 2 * z)) / (mv - 2 * z);
  }

  private toVirtual(p: number): number {
    const mv = this.maxV();
    const mp = this.maxP();
    if (mv <= mp) return p;
    const z = Math.min(ZONE, mp / 4);
    if (p <= z) return p;
    if (p >= mp - z) return mv - (mp - p);
    return z + ((p - z) * (mv - 2 * z)) / (mp - 2 * z);
  }

  private onScroll = () => {
    const st = this.el.scrollTop;
    const d = st - this.st;
    if (d === 0) return;
    const mp = this.maxP();
    if (st <= 0) this.top = 0;
    else if (st >= mp - 1) this.top = this.maxV();
    else if (Math.abs(d) <= 2 * this.view) this.top = Math.max(0, Math.min(this.top + d, this.maxV()));
    else this.top = this.toVirtual(st);
    this.st = st;
    clearTimeout(this.timer);
    this.timer = setTimeout(this.settle, SETTLE_MS);
    this.changed(true);
  };

  private settle = () => {
    const p = Math.round(this.toPhysical(this.top));
    if (Math.abs(p - this.st) >= 1) {
      this.el.scrollTop = p;
      this.st = this.el.scrollTop;
      this.changed(false);
    }
    this.settled();
  };
}
