// What a tagging or indexing job would cost, before it starts: the files it would touch (from the
// coverage API: Full = every usable file, Increment = stale + failed + never done, as the fan-out picks
// them), one model call per file for tagging, image tokens as Qwen-VL counts them, and the time at the
// chosen concurrency from the rate the last finished job of the same action measured. No DOM here: the
// unit tests check the arithmetic.

/** A coverage block of GET /api/v1/datasets/:id/coverage (Tags or Vectors). */
export interface CoverageCounts {
  Total: number;
  UpToDate: number;
  Stale: number;
  Failed: number;
  Never: number;
  Unusable: number;
}

/** Files a job of this mode would send to the model (the files the last FileMetaBuild recorded). */
export const filesToTouch = (c: CoverageCounts, mode: 'Full' | 'Increment') => (mode === 'Full' ? c.Total : c.Stale + c.Failed + c.Never);

/** Qwen-VL's effective patch: a 14 px ViT patch merged 2×2 is one token per 28×28 pixels. */
export const PATCH = 28;
/** qwen_vl_utils' bounds on the tokens of one image (min_pixels 4·28², max_pixels 16384·28²). */
export const MIN_TOKENS = 4;
export const MAX_TOKENS = 16384;

/**
 * Tokens of one w×h image after the job downscales it to `longSide` (never enlarging, as
 * lib/media/model-input.ts does): each side rounded to a multiple of 28, clamped to [4, 16384].
 */
export function imageTokens(w: number, h: number, longSide: number): number {
  const s = Math.min(1, longSide / Math.max(w, h));
  const side = (x: number) => Math.max(1, Math.round((x * s) / PATCH));
  return Math.min(MAX_TOKENS, Math.max(MIN_TOKENS, side(w) * side(h)));
}

/**
 * Mean tokens per image over a sample of sizes; with no sizes known (files not probed yet), the
 * largest a square image can reach at `longSide` (an upper bound), flagged as such.
 */
export function meanImageTokens(sizes: Array<{ w: number; h: number }>, longSide: number): { tokens: number; bound: boolean } {
  const known = sizes.filter((s) => s.w > 0 && s.h > 0);
  if (!known.length) return { tokens: imageTokens(longSide, longSide, longSide), bound: true };
  return { tokens: known.reduce((n, s) => n + imageTokens(s.w, s.h, longSide), 0) / known.length, bound: false };
}

/** A finished job's measured speed: files settled per second at its concurrency. */
export interface MeasuredRate {
  jobId: string;
  filesPerSecond: number;
  concurrency: number;
}

/**
 * Seconds for `files` at `concurrency`, assuming the rate grows in proportion to concurrency (true while
 * the model, not storage or the network, is the limit); undefined without a measured rate.
 */
export function secondsFor(files: number, concurrency: number, rate: MeasuredRate | undefined): number | undefined {
  if (!rate || rate.filesPerSecond <= 0 || rate.concurrency <= 0) return undefined;
  return files / ((rate.filesPerSecond * concurrency) / rate.concurrency);
}
