// Format detection from magic bytes only (never from the file name).
import type { ImageFormat } from '../domain/file-meta.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const startsWith = (head: Buffer, ascii: string, at = 0) =>
  head.length >= at + ascii.length && head.toString('latin1', at, at + ascii.length) === ascii;

export function sniffFormat(head: Buffer): ImageFormat | undefined {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (head.length >= 8 && head.subarray(0, 8).equals(PNG_SIGNATURE)) return 'png';
  if (startsWith(head, 'GIF87a') || startsWith(head, 'GIF89a')) return 'gif';
  if (startsWith(head, 'BM')) return 'bmp';
  // Classic TIFF (42) and BigTIFF (43), either byte order.
  if (startsWith(head, 'II*\0') || startsWith(head, 'MM\0*') || startsWith(head, 'II+\0') || startsWith(head, 'MM\0+'))
    return 'tiff';
  if (startsWith(head, 'RIFF') && startsWith(head, 'WEBP', 8)) return 'webp';
  return undefined;
}

const CONTENT_TYPES: Record<ImageFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  bmp: 'image/bmp',
  tiff: 'image/tiff',
  webp: 'image/webp',
};

export function contentTypeOf(format: ImageFormat): string {
  return CONTENT_TYPES[format];
}

/** A PNG whose signature was mangled by a text-mode transfer (CR/LF rewritten): worth its own reason. */
export function looksLikeDamagedPng(head: Buffer): boolean {
  return startsWith(head, '\x89PNG') && !head.subarray(0, 8).equals(PNG_SIGNATURE);
}
