// The `classic` descriptor: colour layout + edge orientations + colour histogram of a small, normalised thumbnail.
import sharp from 'sharp';
import { l2Normalize } from './l2-normalize.js';

/** Thumbnail side: the image is squashed to SIDE×SIDE (aspect ignored: a resized copy lands on the same grid). */
const SIDE = 64;
const LAYOUT_GRID = 8; // 8×8 cells × (L, a, b) = 192
const EDGE_GRID = 4; // 4×4 cells × 8 orientations = 128
const ORIENTATIONS = 8;
const HUES = 16; // 16 hues × 4 saturations × 3 values = 192
const SATS = 4;
const VALS = 3;

const LAYOUT_DIM = LAYOUT_GRID * LAYOUT_GRID * 3;
const EDGE_DIM = EDGE_GRID * EDGE_GRID * ORIENTATIONS;
const HIST_DIM = HUES * SATS * VALS;

/** 192 + 128 + 192. */
export const CLASSIC_DIMENSION = LAYOUT_DIM + EDGE_DIM + HIST_DIM;

/** Weights of the three parts (each L2-normalised first): layout carries most of the identity. */
const WEIGHTS = { layout: 1, edges: 0.6, histogram: 0.6 } as const;

/** Decoding bounds: the job sends downscaled images; anything much larger is refused, not decoded. */
const MAX_INPUT_PIXELS = 64_000_000;

/**
 * The unit-length descriptor of one image (JPEG, PNG, WebP, GIF, TIFF: what sharp reads). Deterministic
 * for a given sharp/libvips build. Throws sharp's error for bytes it cannot decode.
 */
export async function classicDescriptor(bytes: Buffer): Promise<Float32Array> {
  const { data } = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'none', pages: 1 })
    .autoOrient()
    .flatten({ background: '#ffffff' })
    .resize(SIDE, SIDE, { fit: 'fill', kernel: 'cubic' })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const pixels = SIDE * SIDE;
  const lab = toLab(data, pixels);
  const out = new Float32Array(CLASSIC_DIMENSION);
  place(out, 0, colourLayout(lab), WEIGHTS.layout);
  place(out, LAYOUT_DIM, edgeOrientations(lab.L), WEIGHTS.edges);
  place(out, LAYOUT_DIM + EDGE_DIM, colourHistogram(data, pixels), WEIGHTS.histogram);
  return l2Normalize(out) ?? out;
}

function place(out: Float32Array, offset: number, part: Float64Array, weight: number): void {
  const unit = l2Normalize(part);
  if (!unit) return; // a flat image has no edges: that part stays zero
  for (let i = 0; i < unit.length; i++) out[offset + i] = unit[i]! * weight;
}

interface Lab {
  L: Float64Array;
  a: Float64Array;
  b: Float64Array;
}

const SRGB_TO_LINEAR = Float64Array.from({ length: 256 }, (_, v) => {
  const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
});
const labF = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);

/** CIE Lab (D65) per pixel. */
function toLab(rgb: Buffer, pixels: number): Lab {
  const L = new Float64Array(pixels);
  const a = new Float64Array(pixels);
  const b = new Float64Array(pixels);
  for (let p = 0, i = 0; p < pixels; p++, i += 3) {
    const r = SRGB_TO_LINEAR[rgb[i]!]!;
    const g = SRGB_TO_LINEAR[rgb[i + 1]!]!;
    const bl = SRGB_TO_LINEAR[rgb[i + 2]!]!;
    const fx = labF((0.4124 * r + 0.3576 * g + 0.1805 * bl) / 0.95047);
    const fy = labF(0.2126 * r + 0.7152 * g + 0.0722 * bl);
    const fz = labF((0.0193 * r + 0.1192 * g + 0.9505 * bl) / 1.08883);
    L[p] = 116 * fy - 16;
    a[p] = 500 * (fx - fy);
    b[p] = 200 * (fy - fz);
  }
  return { L, a, b };
}

/**
 * Mean L, a, b per cell of an 8×8 grid. L is centred and scaled by the image's own mean and spread, so a
 * brighter or punchier copy keeps its layout; a and b keep their absolute (chroma) values.
 */
function colourLayout(lab: Lab): Float64Array {
  const cells = LAYOUT_GRID * LAYOUT_GRID;
  const out = new Float64Array(LAYOUT_DIM);
  const per = SIDE / LAYOUT_GRID;
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const p = y * SIDE + x;
      const c = Math.floor(y / per) * LAYOUT_GRID + Math.floor(x / per);
      add(out, c, lab.L[p]!);
      add(out, cells + c, lab.a[p]!);
      add(out, 2 * cells + c, lab.b[p]!);
    }
  }
  const n = per * per;
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / n;
  let mean = 0;
  for (let c = 0; c < cells; c++) mean += out[c]!;
  mean /= cells;
  let spread = 0;
  for (let c = 0; c < cells; c++) spread += (out[c]! - mean) ** 2;
  spread = Math.sqrt(spread / cells) || 1;
  // L in units of its spread (≈ ±2), a/b in units of 20 (their usual spread in photos): comparable weights.
  for (let c = 0; c < cells; c++) out[c] = (out[c]! - mean) / spread;
  for (let c = cells; c < out.length; c++) out[c] = out[c]! / 20;
  return out;
}

/** Gradient-orientation histogram (unsigned, magnitude-weighted, soft-binned) per cell of a 4×4 grid, square-rooted. */
function edgeOrientations(L: Float64Array): Float64Array {
  const out = new Float64Array(EDGE_DIM);
  const per = SIDE / EDGE_GRID;
  for (let y = 1; y < SIDE - 1; y++) {
    for (let x = 1; x < SIDE - 1; x++) {
      const p = y * SIDE + x;
      const gx = L[p + 1]! - L[p - 1]!;
      const gy = L[p + SIDE]! - L[p - SIDE]!;
      const mag = Math.hypot(gx, gy);
      if (mag === 0) continue;
      let angle = Math.atan2(gy, gx);
      if (angle < 0) angle += Math.PI;
      const pos = (angle / Math.PI) * ORIENTATIONS - 0.5;
      const lo = Math.floor(pos);
      const frac = pos - lo;
      const base = (Math.floor(y / per) * EDGE_GRID + Math.floor(x / per)) * ORIENTATIONS;
      add(out, base + ((lo + ORIENTATIONS) % ORIENTATIONS), mag * (1 - frac));
      add(out, base + ((lo + 1) % ORIENTATIONS), mag * frac);
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = Math.sqrt(out[i]!);
  return out;
}

/** HSV histogram (hue soft-binned around the circle), square-rooted. Greys all fall on hue 0, saturation 0. */
function colourHistogram(rgb: Buffer, pixels: number): Float64Array {
  const out = new Float64Array(HIST_DIM);
  for (let p = 0, i = 0; p < pixels; p++, i += 3) {
    const r = rgb[i]! / 255;
    const g = rgb[i + 1]! / 255;
    const b = rgb[i + 2]! / 255;
    const max = Math.max(r, g, b);
    const min = Math.min(r, g, b);
    const delta = max - min;
    const s = max === 0 ? 0 : delta / max;
    const v = Math.min(VALS - 1, Math.floor(max * VALS));
    const si = Math.min(SATS - 1, Math.floor(s * SATS));
    if (delta === 0 || si === 0) {
      add(out, v, 1); // hue 0, saturation 0
      continue;
    }
    let h = max === r ? (g - b) / delta : max === g ? 2 + (b - r) / delta : 4 + (r - g) / delta;
    h = (h < 0 ? h + 6 : h) / 6; // [0, 1)
    const pos = h * HUES - 0.5;
    const lo = Math.floor(pos);
    const frac = pos - lo;
    add(out, ((((lo + HUES) % HUES) * SATS + si) * VALS) + v, 1 - frac);
    add(out, ((((lo + 1) % HUES) * SATS + si) * VALS) + v, frac);
  }
  for (let i = 0; i < out.length; i++) out[i] = Math.sqrt(out[i]!);
  return out;
}

function add(bins: Float64Array, at: number, amount: number): void {
  bins[at] = bins[at]! + amount;
}
