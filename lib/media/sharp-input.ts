// How lib/media opens bytes with sharp: errors fail, sequential, first frame only, pixel-limited; and its errors as reasons.
import type { SharpOptions } from 'sharp';
import type { MediaLimits } from './limits.js';

/**
 * Decoder errors fail an image, decoder warnings do not. sharp's default ('warning') failed valid files
 * every viewer opens: a GeoTIFF whose ASCII tag lacks its NUL (libtiff warns and fixes it), JPEGs with
 * a few extraneous bytes before a marker. 'error' still fails every truncated or corrupt fixture
 * (premature end of JPEG data, bad PNG CRCs and zlib streams, fuzzed TIFFs), which 'truncated' would
 * not (it let a bad-CRC PNG and a fuzzed TIFF through). test/security/media-decode-warnings.test.ts
 * holds both sides. Files an older rule failed are probed again by the next Increment (sqlite migration 8).
 */
export const SHARP_FAIL_ON = 'error' as const;

export function sharpInputOptions(limits: MediaLimits): SharpOptions {
  return {
    limitInputPixels: Math.floor(limits.maxPixels),
    failOn: SHARP_FAIL_ON,
    sequentialRead: true,
    pages: 1,
  };
}

/** sharp's timeout is whole seconds and fires from libvips' progress callback. */
export const sharpTimeout = (limits: MediaLimits) => ({ seconds: Math.max(1, Math.ceil(limits.timeoutMs / 1000)) });

/** A one-line reason from a sharp/libvips error (they repeat lines and end in newlines). */
export function sharpReason(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const lines = [...new Set(message.split('\n').map((l) => l.trim()).filter(Boolean))];
  const text = lines.join('; ') || 'unknown decoder error';
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
