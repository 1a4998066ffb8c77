// How lib/media opens bytes with sharp: strict, sequential, first frame only, pixel-limited; and its errors as reasons.
import type { SharpOptions } from 'sharp';
import type { MediaLimits } from './limits.js';

export function sharpInputOptions(limits: MediaLimits): SharpOptions {
  return {
    limitInputPixels: Math.floor(limits.maxPixels),
    failOn: 'warning', // sharp's default, stated: a warning from the decoder fails the image
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
