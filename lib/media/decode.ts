// The thorough path: decode every pixel of the first frame/page, within the pixel, byte and time limits.
import type { ImageFormat } from '../domain/file-meta.js';
import { verifyBmp } from './bmp-decode.js';
import { withDeadline } from './deadline.js';
import { resolveLimits, type MediaLimits } from './limits.js';
import { MediaError } from './media-error.js';
import { checkInput, openImage } from './open-image.js';
import { sharpReason, sharpTimeout } from './sharp-input.js';

export type DecodeResult = { ok: true; width: number; height: number } | { ok: false; reason: string };

/** Never throws for a bad image: the reason comes back as a value. */
export async function decodeImage(bytes: Buffer, format: ImageFormat, limits: Partial<MediaLimits> = {}): Promise<DecodeResult> {
  const l = resolveLimits(limits);
  try {
    if (format === 'bmp') {
      checkInput(bytes, format, l);
      return { ok: true, ...verifyBmp(bytes, l) };
    }
    const image = await openImage(bytes, format, l);
    // Every pixel flows through a shrink to a tiny output, so memory stays small. Setting the
    // pipeline colourspace stops sharp from shrinking JPEG/WebP on load, which would skip pixels.
    const work = image
      .pipeline()
      .timeout(sharpTimeout(l))
      .pipelineColourspace('srgb')
      .resize({ width: 32, height: 32, fit: 'inside' })
      .raw()
      .toBuffer();
    await withDeadline(work, l.timeoutMs, 'decoding');
    return { ok: true, width: image.width, height: image.height };
  } catch (e) {
    return { ok: false, reason: e instanceof MediaError ? e.reason : /timeout/i.test(String(e)) ? `decoding took longer than ${l.timeoutMs} ms` : sharpReason(e) };
  }
}
