// Images downscaled for a vision model: upright, first frame, long side bounded, as JPEG (PNG when transparent).
import type { ImageFormat } from '../domain/file-meta.js';
import { withDeadline } from './deadline.js';
import { resolveLimits, type MediaLimits } from './limits.js';
import { MediaError } from './media-error.js';
import { openImage } from './open-image.js';
import type { HeaderFacts } from './probe-result.js';
import { sharpReason, sharpTimeout } from './sharp-input.js';

/**
 * With the probe's `facts`, a file that already suits the model is returned as it is (modelInputAsIs);
 * otherwise, or without facts, it is decoded and re-encoded.
 */
export async function toModelInput(
  bytes: Buffer,
  format: ImageFormat,
  longSide = 1024,
  limits: Partial<MediaLimits> = {},
  facts?: ImageFacts,
): Promise<{ data: Buffer; mime: string }> {
  if (!Number.isInteger(longSide) || longSide < 1) throw new RangeError(`longSide must be a positive integer, got ${longSide}`);
  const asIs = facts && modelInputAsIs(bytes, format, facts, longSide);
  if (asIs) return asIs;
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

/** Formats every supported model reads as they are (OpenAI-compatible VLMs, GME, DashScope). */
const AS_IS_FORMATS: ReadonlySet<ImageFormat> = new Set(['jpeg', 'png', 'webp']);
/** Larger files are re-encoded even when small in pixels: the JPEG re-encode shrinks them. */
export const AS_IS_MAX_BYTES = 1024 * 1024;

/** Header facts of a probed image (MetaAttributes, or a fresh probe's result). */
export type ImageFacts = HeaderFacts;

/**
 * The file itself, when it is already what `toModelInput` would make of it in all that matters: a
 * format models read, upright, one frame, within the long side, small. Skips a decode and an encode
 * (most of the cost of preparing small images). Undefined when it has to be re-encoded.
 */
export function modelInputAsIs(bytes: Buffer, format: ImageFormat, facts: ImageFacts, longSide = 1024): { data: Buffer; mime: string } | undefined {
  if (!AS_IS_FORMATS.has(format) || bytes.length > AS_IS_MAX_BYTES) return undefined;
  if (facts.width > longSide || facts.height > longSide) return undefined;
  if ((facts.frames ?? 1) !== 1 || (facts.orientation ?? 1) !== 1) return undefined;
  return { data: bytes, mime: `image/${format}` };
}
