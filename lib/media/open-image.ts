// Opens image bytes for a sharp pipeline (BMP through our decoder), after the byte, format and pixel checks.
import sharp, { type Sharp } from 'sharp';
import type { ImageFormat } from '../domain/file-meta.js';
import { decodeBmp } from './bmp-decode.js';
import { pixelLimitReason, type MediaLimits } from './limits.js';
import { MediaError } from './media-error.js';
import { sharpInputOptions, sharpReason } from './sharp-input.js';
import { sniffFormat } from './sniff.js';

export interface OpenedImage {
  /** A fresh pipeline over the first frame/page; build one per output. */
  pipeline(): Sharp;
  /** Stored dimensions (EXIF orientation not applied). */
  width: number;
  height: number;
  hasAlpha: boolean;
  orientation?: number;
}

/** Throws MediaError for bytes that are empty, too many, not `format`, or over the pixel limit. */
export function checkInput(bytes: Buffer, format: ImageFormat, limits: MediaLimits): void {
  if (bytes.length === 0) throw new MediaError('empty file');
  if (bytes.length > limits.maxBytes)
    throw new MediaError(`file is ${bytes.length} bytes, over the limit of ${limits.maxBytes} bytes for decoding`);
  const sniffed = sniffFormat(bytes.subarray(0, 16));
  if (sniffed !== format) throw new MediaError(sniffed ? `content is ${sniffed}, not ${format}` : `content is not a supported image (expected ${format})`);
}

export async function openImage(bytes: Buffer, format: ImageFormat, limits: MediaLimits): Promise<OpenedImage> {
  checkInput(bytes, format, limits);
  if (format === 'bmp') {
    const bmp = decodeBmp(bytes, limits);
    const raw = { width: bmp.width, height: bmp.height, channels: bmp.channels };
    return {
      pipeline: () => sharp(bmp.data, { raw, limitInputPixels: Math.floor(limits.maxPixels) }),
      width: bmp.width,
      height: bmp.height,
      hasAlpha: bmp.channels === 4,
    };
  }
  const options = sharpInputOptions(limits);
  let meta;
  try {
    // Header only; the pixel limit is checked below with a reason that names the size.
    meta = await sharp(bytes, { ...options, limitInputPixels: false }).metadata();
  } catch (e) {
    throw new MediaError(sharpReason(e), { cause: e });
  }
  if (meta.format !== format) throw new MediaError(`decoder sees ${meta.format ?? 'an unknown format'}, not ${format}`);
  const { width, height } = meta;
  if (!width || !height) throw new MediaError(`decoder found no dimensions in the ${format} header`);
  if (width * height > limits.maxPixels) throw new MediaError(pixelLimitReason(width, height, limits.maxPixels));
  return {
    pipeline: () => sharp(bytes, options),
    width,
    height,
    hasAlpha: meta.hasAlpha,
    ...(meta.orientation !== undefined ? { orientation: meta.orientation } : {}),
  };
}
