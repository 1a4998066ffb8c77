// Images downscaled for a vision model: upright, first frame, long side bounded, as JPEG (PNG when transparent).
import type { ImageFormat } from '../domain/file-meta.js';
import { withDeadline } from './deadline.js';
import { resolveLimits, type MediaLimits } from './limits.js';
import { MediaError } from './media-error.js';
import { openImage } from './open-image.js';
import { sharpReason, sharpTimeout } from './sharp-input.js';

export async function toModelInput(
  bytes: Buffer,
  format: ImageFormat,
  longSide = 1024,
  limits: Partial<MediaLimits> = {},
): Promise<{ data: Buffer; mime: string }> {
  if (!Number.isInteger(longSide) || longSide < 1) throw new RangeError(`longSide must be a positive integer, got ${longSide}`);
  const l = resolveLimits(limits);
  const image = await openImage(bytes, format, l);
  const p = image
    .pipeline()
    .timeout(sharpTimeout(l))
    .autoOrient()
    .resize({ width: longSide, height: longSide, fit: 'inside', withoutEnlargement: true });
  const output = image.hasAlpha ? p.png() : p.jpeg({ quality: 85 });
  try {
    const data = await withDeadline(output.toBuffer(), l.timeoutMs, 'preparing the model input');
    return { data, mime: image.hasAlpha ? 'image/png' : 'image/jpeg' };
  } catch (e) {
    if (e instanceof MediaError) throw e;
    throw new MediaError(sharpReason(e), { cause: e });
  }
}
