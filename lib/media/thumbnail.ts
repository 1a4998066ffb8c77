// Thumbnails: auto-rotated by EXIF, first frame/page only, resized the OSS way, bounded as decoding is.
import type { Sharp } from 'sharp';
import type { ImageFormat } from '../domain/file-meta.js';
import { withDeadline } from './deadline.js';
import { resolveLimits, type MediaLimits } from './limits.js';
import { MediaError } from './media-error.js';
import { openImage } from './open-image.js';
import { sharpReason, sharpTimeout } from './sharp-input.js';
import { boxSize, fitSize, type ThumbnailMode } from './thumbnail-mode.js';

export { MediaError } from './media-error.js';
export { parseThumbnailMode, type ThumbnailFormat, type ThumbnailMode } from './thumbnail-mode.js';
export { toModelInput } from './model-input.js';

export interface Thumbnail {
  data: Buffer;
  contentType: 'image/jpeg' | 'image/png' | 'image/webp';
}

const CONTENT_TYPE = { webp: 'image/webp', png: 'image/png', jpg: 'image/jpeg' } as const;

/** Throws MediaError when the image cannot be decoded (or breaks a limit). */
export async function renderThumbnail(bytes: Buffer, format: ImageFormat, mode: ThumbnailMode, limits: Partial<MediaLimits> = {}): Promise<Thumbnail> {
  const l = resolveLimits(limits);
  const image = await openImage(bytes, format, l);
  const turned = image.orientation !== undefined && image.orientation >= 5;
  const [width, height] = turned ? [image.height, image.width] : [image.width, image.height];
  const resized = resize(image.pipeline().timeout(sharpTimeout(l)).autoOrient(), mode, width, height);
  const encoding = mode.format ?? (image.hasAlpha ? 'png' : 'jpg');
  const output =
    encoding === 'webp'
      ? resized.webp({ quality: 80 }) // keeps alpha
      : encoding === 'png'
        ? resized.png()
        : // JPEG has no alpha: transparent parts become white, not black.
          (image.hasAlpha ? resized.flatten({ background: '#ffffff' }) : resized).jpeg({ quality: 80, mozjpeg: true });
  try {
    const data = await withDeadline(output.toBuffer(), l.timeoutMs, 'rendering the thumbnail');
    return { data, contentType: CONTENT_TYPE[encoding] };
  } catch (e) {
    if (e instanceof MediaError) throw e;
    throw new MediaError(sharpReason(e), { cause: e });
  }
}

function resize(p: Sharp, mode: ThumbnailMode, width: number, height: number): Sharp {
  switch (mode.method) {
    case 'lfit':
    case 'mfit':
      return p.resize({ ...fitSize(mode, width, height), fit: 'fill' });
    case 'fill':
      return p.resize({ ...boxSize(mode), fit: 'cover', withoutEnlargement: !mode.enlarge });
    case 'pad':
      return p.resize({ ...boxSize(mode), fit: 'contain', background: `#${mode.color}`, withoutEnlargement: !mode.enlarge });
    case 'fixed':
      return p.resize({ ...boxSize(mode), fit: 'fill', withoutEnlargement: !mode.enlarge });
  }
}
