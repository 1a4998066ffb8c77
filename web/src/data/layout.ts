// Where each result sits in the (virtual) canvas: fixed cells, list rows (fixed cells of one column) or
// justified rows. Justified rows are laid out per chunk of PAGE items — the page that brings their
// sizes — and a chunk not loaded yet gets a height estimated from its item count, so nothing ever lays
// out a million items at once; a chunk's rows are computed once per width and kept.

/** Results per page fetched (results.ts) and per justified chunk: a chunk is laid out when its page comes. */
export const PAGE = 200;

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Layout {
  /** Items laid out. */
  readonly n: number;
  readonly height: number;
  /** fn for every item whose box meets [y0, y1), in index order. */
  visit(y0: number, y1: number, fn: (i: number, b: Box) => void): void;
  box(i: number): Box;
  /** The item at (x, y), or the nearest one of that row; -1 when there are none. */
  hit(x: number, y: number): number;
}

export const GAP = 4;

/** Fixed cells of about `cell` px wide (stretched to fill the width) and `rowH` high (square when absent). */
export function cellLayout(n: number, width: number, cell: number, gap: number, rowH?: number): Layout {
  // Before the scroller is measured (width 0) one column, never NaN (a list's cell is its width).
  const cols = width > 0 && cell + gap > 0 ? Math.max(1, Math.floor((width + gap) / (cell + gap))) : 1;
  const w = Math.max(1, (width - gap * (cols - 1)) / cols);
  const h = rowH ?? w;
  const pitch = h + gap;
  const rows = Math.ceil(n / cols);
  const box = (i: number): Box => ({ x: (i % cols) * (w + gap), y: Math.floor(i / cols) * pitch, w, h });
  return {
    n,
    height: Math.max(0, rows * pitch - gap),
    box,
    visit(y0, y1, fn) {
      const r1 = Math.min(rows - 1, Math.floor(y1 / pitch));
      for (let r = Math.max(0, Math.floor(y0 / pitch)); r <= r1; r++) for (let i = r * cols; i < Math.min(n, (r + 1) * cols); i++) fn(i, box(i));
    },
    hit(x, y) {
      if (!n) return -1;
      const r = Math.min(rows - 1, Math.max(0, Math.floor(y / pitch)));
      const c = Math.min(cols - 1, Math.max(0, Math.floor(x / (w + gap))));
      return Math.min(n - 1, r * cols + c);
    },
  };
}

/** A chunk's rows: item k of the chunk is at (x[k], rowY[row]) with width w[k]. */
interface ChunkRows {
  height: number;
  /** Σ width/height of its items (the estimate of unloaded chunks averages it). */
  aspects: number;
  /** First item of each row, then the chunk's item count. */
  starts: number[];
  ys: number[];
  hs: number[];
  x: Float32Array;
  w: Float32Array;
}

/** Greedy justified rows: items join a row until scaling it to the width brings it to `target` high or lower. */
function layChunk(aspects: number[], width: number, target: number, gap: number): ChunkRows {
  const m = aspects.length;
  const out: ChunkRows = { height: 0, aspects: aspects.reduce((a, b) => a + b, 0), starts: [], ys: [], hs: [], x: new Float32Array(m), w: new Float32Array(m) };
  let start = 0;
  let sum = 0;
  const close = (end: number, h: number) => {
    out.starts.push(start);
    out.ys.push(out.height);
    out.hs.push(h);
    let x = 0;
    for (let k = start; k < end; k++) {
      out.x[k] = x;
      out.w[k] = aspects[k]! * h;
      x += out.w[k]! + gap;
    }
    out.height += h + gap;
    start = end;
    sum = 0;
  };
  for (let k = 0; k < m; k++) {
    sum += aspects[k]!;
    const h = (width - gap * (k - start)) / sum;
    if (h <= target) close(k + 1, h);
  }
  if (start < m) close(m, target); // the last row keeps its natural size
  out.starts.push(m);
  return out;
}

export interface JustifiedCache {
  width: number;
  chunks: Map<number, ChunkRows>;
}

/**
 * Justified rows of about `target` px high. `aspects(c)` gives chunk c's width/height ratios when its
 * page is loaded; `cache` keeps computed chunks across calls (reset here when the width changes).
 */
export function justifiedLayout(n: number, width: number, target: number, gap: number, aspects: (c: number) => number[] | undefined, cache: JustifiedCache): Layout {
  if (cache.width !== width) {
    cache.width = width;
    cache.chunks.clear();
  }
  const C = Math.ceil(n / PAGE);
  const tops = new Float64Array(C + 1);
  const size = (c: number) => Math.min(PAGE, n - c * PAGE);
  let ratio = 0;
  let counted = 0;
  for (let c = 0; c < C; c++) {
    let rows = cache.chunks.get(c);
    const a = rows ? undefined : aspects(c);
    // A page shorter or longer than the count says (the results changed meanwhile) still fills its chunk.
    if (a) cache.chunks.set(c, (rows = layChunk(Array.from({ length: size(c) }, (_, k) => a[k] ?? 1), width, target, gap)));
    if (rows) {
      ratio += rows.aspects;
      counted += rows.w.length;
    }
  }
  // Unloaded chunks: as many items a row as loaded ones average (4:3 before any has come).
  const perRow = Math.max(1, Math.round((width + gap) / (target * (counted ? ratio / counted : 4 / 3) + gap)));
  const estW = (width - gap * (perRow - 1)) / perRow;
  for (let c = 0; c < C; c++) tops[c + 1] = tops[c]! + (cache.chunks.get(c)?.height ?? Math.ceil(size(c) / perRow) * (target + gap));

  const chunkAt = (y: number) => {
    let lo = 0;
    let hi = C - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (tops[mid]! <= y) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  /** Row r of chunk c: its first and end item (chunk-relative), y (absolute) and height. */
  const row = (c: number, r: number): [number, number, number, number] | undefined => {
    const rows = cache.chunks.get(c);
    if (rows) return r < rows.hs.length ? [rows.starts[r]!, rows.starts[r + 1]!, tops[c]! + rows.ys[r]!, rows.hs[r]!] : undefined;
    const s = r * perRow;
    return s < size(c) ? [s, Math.min(size(c), s + perRow), tops[c]! + r * (target + gap), target] : undefined;
  };
  const rowAt = (c: number, y: number) => {
    const rows = cache.chunks.get(c);
    const rel = y - tops[c]!;
    if (!rows) return Math.min(Math.ceil(size(c) / perRow) - 1, Math.max(0, Math.floor(rel / (target + gap))));
    let r = 0;
    while (r + 1 < rows.ys.length && rows.ys[r + 1]! <= rel) r++;
    return r;
  };
  const box = (c: number, k: number, y: number, h: number): Box => {
    const rows = cache.chunks.get(c);
    return rows ? { x: rows.x[k]!, y, w: rows.w[k]!, h } : { x: (k % perRow) * (estW + gap), y, w: estW, h };
  };
  return {
    n,
    height: Math.max(0, tops[C]! - gap),
    visit(y0, y1, fn) {
      if (!n) return;
      for (let c = chunkAt(Math.max(0, y0)); c < C && tops[c]! < y1; c++) {
        for (let r = y0 > tops[c]! ? rowAt(c, y0) : 0, rw = row(c, r); rw && rw[2] < y1; rw = row(c, ++r)) {
          for (let k = rw[0]; k < rw[1]; k++) fn(c * PAGE + k, box(c, k, rw[2], rw[3]));
        }
      }
    },
    box(i) {
      const c = Math.floor(i / PAGE);
      const k = i % PAGE;
      const rows = cache.chunks.get(c);
      const r = rows ? rows.starts.findIndex((s, j) => rows.starts[j + 1]! > k) : Math.floor(k / perRow);
      const rw = row(c, r)!;
      return box(c, k, rw[2], rw[3]);
    },
    hit(x, y) {
      if (!n) return -1;
      const c = chunkAt(Math.max(0, y));
      const rw = row(c, rowAt(c, y)) ?? row(c, 0)!;
      let best = c * PAGE + rw[0];
      for (let k = rw[0]; k < rw[1]; k++) if (box(c, k, 0, 0).x <= x) best = c * PAGE + k;
      return best;
    },
  };
}
