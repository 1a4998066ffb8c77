// Bounds on how much work one image may cost: pixels, input bytes, wall time.

export interface MediaLimits {
  /** Largest width × height accepted; sharp's own default (0x3FFF²). */
  maxPixels: number;
  /** Largest input accepted for a full decode or a thumbnail. */
  maxBytes: number;
  /** Wall-clock budget of one decode or render. */
  timeoutMs: number;
}

export const DEFAULT_MEDIA_LIMITS: Readonly<MediaLimits> = Object.freeze({
  maxPixels: 268_402_689,
  maxBytes: 512 * 1024 * 1024,
  timeoutMs: 30_000,
});

export function resolveLimits(limits: Partial<MediaLimits> = {}): MediaLimits {
  const out = { ...DEFAULT_MEDIA_LIMITS };
  for (const key of ['maxPixels', 'maxBytes', 'timeoutMs'] as const) {
    const v = limits[key];
    if (v === undefined) continue;
    if (!Number.isFinite(v) || v <= 0) throw new RangeError(`media limit ${key} must be a positive number, got ${v}`);
    out[key] = v;
  }
  return out;
}

/** The reason given when an image is larger than the pixel limit. */
export function pixelLimitReason(width: number, height: number, maxPixels: number): string {
  return `image is ${width}x${height} (${(width * height).toLocaleString('en-US')} pixels), over the limit of ${maxPixels.toLocaleString('en-US')} pixels`;
}
