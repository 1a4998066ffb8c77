// OSS-style resize parameters ("m_fill,w_200,h_200", "p_50"), plus the output format ("f_webp"): parsed
// once, with errors that name the problem.

export type ResizeMethod = 'lfit' | 'mfit' | 'fill' | 'pad' | 'fixed';
/** f_webp, f_jpg, f_png: the encoding asked for (the console's tiles are WebP). */
export type ThumbnailFormat = 'webp' | 'jpg' | 'png';

export interface ThumbnailMode {
  method: ResizeMethod;
  width?: number;
  height?: number;
  /** Target of the longer / shorter side (lfit and mfit only). */
  long?: number;
  short?: number;
  /** p_{1..100} (PAI, OSS): scale both sides to this percentage (the longer side still at most MAX_THUMBNAIL_SIDE). */
  percent?: number;
  /** OSS limit_0: allow scaling up. Default (limit_1): never larger than the original. */
  enlarge: boolean;
  /** Padding colour for m_pad, RRGGBB. */
  color: string;
  /** Absent: JPEG, or PNG for an image with alpha. */
  format?: ThumbnailFormat;
}

const METHODS: readonly ResizeMethod[] = ['lfit', 'mfit', 'fill', 'pad', 'fixed'];
const FORMATS: readonly ThumbnailFormat[] = ['webp', 'jpg', 'png'];
/** Thumbnails, not resampling: keep one request from asking for gigapixels. */
export const MAX_THUMBNAIL_SIDE = 4096;
const SIDES = { w: 'width', h: 'height', l: 'long', s: 'short' } as const;

/** Throws an Error whose message names the bad part; the HTTP layer turns it into a 400 on ThumbnailMode. */
export function parseThumbnailMode(s: string): ThumbnailMode {
  const text = s.trim().replace(/^image\/resize,/, '');
  if (text === '') throw new Error('empty resize mode; expected e.g. m_lfit,w_256,h_256');
  if (text.length > 128) throw new Error('resize mode is longer than 128 characters');
  const seen = new Set<string>();
  const mode: ThumbnailMode = { method: 'lfit', enlarge: false, color: 'FFFFFF' };
  for (const part of text.split(',')) {
    const m = /^([a-z]+)_(.+)$/.exec(part);
    if (!m) throw new Error(`'${part}' is not a key_value parameter`);
    const [, key, value] = m as unknown as [string, string, string];
    if (seen.has(key)) throw new Error(`parameter '${key}' is given twice`);
    seen.add(key);
    if (key === 'm') {
      if (!METHODS.includes(value as ResizeMethod)) throw new Error(`unknown resize method m_${value}; use one of ${METHODS.map((x) => `m_${x}`).join(', ')}`);
      mode.method = value as ResizeMethod;
    } else if (key in SIDES) {
      if (!/^[0-9]+$/.test(value)) throw new Error(`${key}_${value}: expected a whole number of pixels`);
      const n = Number(value);
      if (n < 1 || n > MAX_THUMBNAIL_SIDE) throw new Error(`${key}_${value}: must be between 1 and ${MAX_THUMBNAIL_SIDE}`);
      mode[SIDES[key as keyof typeof SIDES]] = n;
    } else if (key === 'p') {
      if (!/^[0-9]+$/.test(value)) throw new Error(`p_${value}: expected a whole percentage`);
      const n = Number(value);
      if (n < 1 || n > 100) throw new Error(`p_${value}: must be between 1 and 100`);
      mode.percent = n;
    } else if (key === 'limit') {
      if (value !== '0' && value !== '1') throw new Error(`limit_${value}: expected limit_0 or limit_1`);
      mode.enlarge = value === '0';
    } else if (key === 'f') {
      if (!FORMATS.includes(value as ThumbnailFormat)) throw new Error(`unknown format f_${value}; use one of ${FORMATS.map((x) => `f_${x}`).join(', ')}`);
      mode.format = value as ThumbnailFormat;
    } else if (key === 'color') {
      if (!/^[0-9a-fA-F]{6}$/.test(value)) throw new Error(`color_${value}: expected six hex digits (RRGGBB)`);
      mode.color = value.toUpperCase();
    } else throw new Error(`unknown parameter '${key}' in '${part}'`);
  }
  if (mode.percent !== undefined) {
    const other = [...seen].find((k) => k !== 'p' && k !== 'limit' && k !== 'f' && !(k === 'm' && mode.method === 'lfit'));
    if (other) throw new Error(`p_ scales by a percentage and takes no ${other}_ (give p_ alone)`);
    return mode;
  }
  if (!mode.width && !mode.height && !mode.long && !mode.short) throw new Error('no size given: set p_, w_, h_, l_ or s_');
  const boxed = mode.method === 'fill' || mode.method === 'pad' || mode.method === 'fixed';
  if (boxed && (mode.long || mode.short)) throw new Error(`l_ and s_ apply to m_lfit and m_mfit, not m_${mode.method}`);
  if (seen.has('color') && mode.method !== 'pad') throw new Error(`color_ applies to m_pad, not m_${mode.method}`);
  return mode;
}

/**
 * Output size for lfit/mfit (OSS semantics): the scale is the smallest (lfit) or largest (mfit)
 * that the given sides ask for, capped at 1 unless enlarging is allowed.
 */
export function fitSize(mode: ThumbnailMode, width: number, height: number): { width: number; height: number } {
  if (mode.percent !== undefined) {
    // a thumbnail all the same: the longer side stays within MAX_THUMBNAIL_SIDE
    const scale = Math.min(mode.percent / 100, MAX_THUMBNAIL_SIDE / Math.max(width, height));
    return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
  }
  const scales: number[] = [];
  if (mode.width) scales.push(mode.width / width);
  if (mode.height) scales.push(mode.height / height);
  if (mode.long) scales.push(mode.long / Math.max(width, height));
  if (mode.short) scales.push(mode.short / Math.min(width, height));
  let scale = mode.method === 'mfit' ? Math.max(...scales) : Math.min(...scales);
  if (!mode.enlarge) scale = Math.min(scale, 1);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** The box of fill/pad/fixed; a missing side copies the other (a square). */
export function boxSize(mode: ThumbnailMode): { width: number; height: number } {
  const width = mode.width ?? mode.height!;
  const height = mode.height ?? mode.width!;
  return { width, height };
}
