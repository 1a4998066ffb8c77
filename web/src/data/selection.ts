// The one selection model of every view: an anchor, sorted disjoint inclusive ranges of result indexes,
// files toggled on outside them and off inside them (id → index), and `all` (every result of the
// query). Selecting 100k files is one range; a range may span pages never loaded; the server resolves
// it (console.md: Selection). A single toggle bumps that file's own signal, so one tile re-renders;
// range and bulk changes bump `bulk`, read by every tile on screen.
import { signal, type Signal } from '@preact/signals';
import type { Query } from '../api.js';

export type Range = [number, number];

/** What the server resolves (resolveselection, updatetags): console.md §5. */
export interface WireSelection {
  Query: Query;
  All?: boolean;
  Ranges?: Range[];
  Included?: string[];
  Excluded?: string[];
}

export class Selection {
  all = false;
  ranges: Range[] = [];
  included = new Map<string, number>();
  excluded = new Map<string, number>();
  anchor: number | undefined;
  /** Changes to ranges, `all` or a clear. */
  readonly bulk = signal(0);
  /** The selected count, given the result count. */
  readonly count = signal(0);
  private total = 0;
  private perId = new Map<string, { s: Signal<number>; users: number }>();

  /** Whether index i (with its id when loaded) is selected. Reads the signals a tile depends on. */
  has(i: number, id: string | undefined): boolean {
    this.bulk.value;
    if (id !== undefined) {
      this.idSignal(id).value;
      if (this.excluded.has(id)) return false;
      if (this.all || this.included.has(id)) return true;
    } else if (this.all) return true;
    return this.inRanges(i);
  }

  /** A tile's subscription to its own id (released when the tile goes). */
  use(id: string): () => void {
    this.idSignal(id);
    const e = this.perId.get(id)!;
    e.users++;
    return () => {
      if (--e.users === 0) this.perId.delete(id);
    };
  }

  setTotal(n: number): void {
    this.total = n;
    this.recount();
  }

  /** Ctrl/⌘-click or Space: one file flips, the anchor moves to it. */
  toggle(i: number, id: string): void {
    const was = this.has(i, id);
    this.included.delete(id);
    this.excluded.delete(id);
    if (this.has(i, id) === was) (was ? this.excluded : this.included).set(id, i);
    this.anchor = i;
    this.idSignal(id).value++;
    this.recount();
  }

  /** Shift-click / Shift+arrow: every index between the anchor and i joins (i alone without an anchor). */
  extend(i: number): void {
    const a = this.anchor ?? i;
    this.addRange(Math.min(a, i), Math.max(a, i));
    if (this.anchor === undefined) this.anchor = i;
  }

  selectAll(): void {
    this.clear(false);
    this.all = true;
    this.changed();
  }

  clear(notify = true): void {
    this.all = false;
    this.ranges = [];
    this.included.clear();
    this.excluded.clear();
    this.anchor = undefined;
    if (notify) this.changed();
  }

  /** The selection as the server takes it, for a query (list fields with the version pinned). */
  toWire(query: Query): WireSelection {
    return {
      Query: query,
      ...(this.all ? { All: true } : {}),
      ...(this.ranges.length ? { Ranges: this.ranges.map((r): Range => [r[0], r[1]]) } : {}),
      ...(this.included.size ? { Included: [...this.included.keys()] } : {}),
      ...(this.excluded.size ? { Excluded: [...this.excluded.keys()] } : {}),
    };
  }

  private addRange(a: number, b: number): void {
    if (this.total) b = Math.min(b, this.total - 1);
    if (b < a) return;
    const out: Range[] = [];
    let placed = false;
    for (const r of this.ranges) {
      if (r[1] < a - 1) out.push(r);
      else if (r[0] > b + 1) {
        if (!placed) out.push([a, b]);
        placed = true;
        out.push(r);
      } else {
        a = Math.min(a, r[0]);
        b = Math.max(b, r[1]);
      }
    }
    if (!placed) out.push([a, b]);
    this.ranges = out;
    // The range wins over earlier toggles inside it: nothing stays excluded there, nothing need be included.
    for (const m of [this.included, this.excluded]) for (const [id, i] of m) if (i >= a && i <= b) m.delete(id);
    this.changed();
  }

  private inRanges(i: number): boolean {
    let lo = 0;
    let hi = this.ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.ranges[mid]!;
      if (i < r[0]) hi = mid - 1;
      else if (i > r[1]) lo = mid + 1;
      else return true;
    }
    return false;
  }

  /** Made on first read, so a tile's computed and its later use() share one signal. */
  private idSignal(id: string): Signal<number> {
    let e = this.perId.get(id);
    if (!e) this.perId.set(id, (e = { s: signal(0), users: 0 }));
    return e.s;
  }

  private changed(): void {
    this.bulk.value++;
    this.recount();
  }

  private recount(): void {
    const inRanges = this.ranges.reduce((n, r) => n + r[1] - r[0] + 1, 0);
    this.count.value = Math.max(0, (this.all ? this.total : inRanges + this.included.size) - this.excluded.size);
  }
}
