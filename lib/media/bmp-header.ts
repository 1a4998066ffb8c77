// BMP file and DIB headers (OS/2 v1/v2, BITMAPINFOHEADER..V5): parsed and checked for the probe and our decoder.
import { MediaError } from './media-error.js';

export type BmpCompression = 'none' | 'rle8' | 'rle4' | 'bitfields';

export interface BmpMasks {
  red: number;
  green: number;
  blue: number;
  alpha: number;
}

export interface BmpHeader {
  headerSize: number;
  width: number;
  /** Absolute height; `topDown` says the row order. */
  height: number;
  topDown: boolean;
  bitCount: number;
  compression: BmpCompression;
  /** Masks for 16/32-bit pixels (the BI_RGB defaults when the file gives none). */
  masks: BmpMasks | undefined;
  /** RGB triplets, one per palette entry (empty above 8 bits). */
  palette: Uint8Array;
  dataOffset: number;
  /** Bytes of one stored row of an uncompressed image (padded to 4). */
  rowBytes: number;
  /** Pixel bytes the header promises: rows × rowBytes, or the RLE stream's declared size. */
  dataBytes: number;
}

/** Bytes that always hold the headers, masks and a full 256-colour palette. */
export const BMP_HEADER_SPAN = 14 + 124 + 16 + 256 * 4;

const DIB_SIZES = new Set([12, 16, 40, 52, 56, 64, 108, 124]);
const COMPRESSION_NAMES: Record<number, string> = { 4: 'embedded JPEG (BI_JPEG)', 5: 'embedded PNG (BI_PNG)' };

/** `head` holds at least the first BMP_HEADER_SPAN bytes (or the whole file); `fileSize` is the real size. */
export function parseBmpHeader(head: Buffer, fileSize: number): BmpHeader {
  const need = (n: number, what: string) => {
    if (head.length < n) throw new MediaError(`truncated: BMP ${what} needs ${n} bytes, the file has ${head.length}`);
  };
  need(18, 'file header');
  if (head.toString('latin1', 0, 2) !== 'BM') throw new MediaError('not a BMP (no BM signature)');
  const dataOffset = head.readUInt32LE(10);
  const headerSize = head.readUInt32LE(14);
  if (!DIB_SIZES.has(headerSize)) throw new MediaError(`BMP header size ${headerSize} is not a known BMP version`);
  need(14 + headerSize, `${headerSize}-byte info header`);
  const os2v1 = headerSize === 12;

  let width: number, rawHeight: number, planes: number, bitCount: number, compressionCode = 0, imageSize = 0, colorsUsed = 0;
  if (os2v1) {
    width = head.readUInt16LE(18);
    rawHeight = head.readUInt16LE(20);
    planes = head.readUInt16LE(22);
    bitCount = head.readUInt16LE(24);
  } else {
    width = head.readInt32LE(18);
    rawHeight = head.readInt32LE(22);
    planes = head.readUInt16LE(26);
    bitCount = head.readUInt16LE(28);
    if (headerSize >= 20) compressionCode = head.readUInt32LE(30);
    if (headerSize >= 24) imageSize = head.readUInt32LE(34);
    if (headerSize >= 36) colorsUsed = head.readUInt32LE(46);
  }
  const topDown = rawHeight < 0;
  const height = Math.abs(rawHeight);
  if (width <= 0 || height === 0 || rawHeight === -0x80000000) throw new MediaError(`BMP has invalid dimensions ${width}x${rawHeight}`);
  if (planes !== 1) throw new MediaError(`BMP plane count is ${planes}, not 1`);
  if (![1, 4, 8, 16, 24, 32].includes(bitCount) && !(bitCount === 0 && COMPRESSION_NAMES[compressionCode]))
    throw new MediaError(`BMP bit count ${bitCount} is invalid`);

  // OS/2 v2 headers reuse codes 3 and 4 for Huffman 1D and RLE24: no one reads those.
  const os2v2 = headerSize === 16 || headerSize === 64;
  let compression: BmpCompression;
  if (compressionCode === 0) compression = 'none';
  else if (compressionCode === 1 && bitCount === 8) compression = 'rle8';
  else if (compressionCode === 2 && bitCount === 4) compression = 'rle4';
  else if ((compressionCode === 3 || compressionCode === 6) && !os2v2 && (bitCount === 16 || bitCount === 32)) compression = 'bitfields';
  else if (COMPRESSION_NAMES[compressionCode] && !os2v2) throw new MediaError(`BMP with ${COMPRESSION_NAMES[compressionCode]} is not supported`);
  else throw new MediaError(`BMP compression ${compressionCode} is invalid for ${bitCount}-bit pixels`);
  if (topDown && compression.startsWith('rle')) throw new MediaError('BMP is top-down and RLE-compressed, which is invalid');

  let masks: BmpMasks | undefined;
  let afterHeader = 14 + headerSize;
  if (compression === 'bitfields') {
    let at = 54;
    if (headerSize === 40) {
      const extra = compressionCode === 6 ? 16 : 12;
      need(54 + extra, 'bit field masks');
      afterHeader += extra;
    }
    const alphaPresent = headerSize >= 56 || compressionCode === 6;
    masks = {
      red: head.readUInt32LE(at),
      green: head.readUInt32LE((at += 4)),
      blue: head.readUInt32LE((at += 4)),
      alpha: alphaPresent ? head.readUInt32LE(at + 4) : 0,
    };
    checkMasks(masks, bitCount);
  } else if (bitCount === 16) masks = { red: 0x7c00, green: 0x03e0, blue: 0x001f, alpha: 0 };
  else if (bitCount === 32) masks = { red: 0xff0000, green: 0xff00, blue: 0xff, alpha: 0 };

  let palette = new Uint8Array(0);
  if (bitCount <= 8) {
    const entrySize = os2v1 ? 3 : 4;
    const max = 1 << bitCount;
    const declared = colorsUsed === 0 || colorsUsed > max ? max : colorsUsed;
    const room = Math.floor((Math.min(dataOffset, head.length) - afterHeader) / entrySize);
    const entries = Math.min(declared, room);
    if (entries < 1) throw new MediaError(`BMP has no room for its ${declared}-colour palette before the pixel data`);
    palette = new Uint8Array(entries * 3);
    for (let i = 0; i < entries; i++) {
      const at = afterHeader + i * entrySize;
      palette[i * 3] = head[at + 2]!;
      palette[i * 3 + 1] = head[at + 1]!;
      palette[i * 3 + 2] = head[at]!;
    }
  }

  if (dataOffset < afterHeader || dataOffset >= fileSize)
    throw new MediaError(`BMP pixel data offset ${dataOffset} is outside the file (${fileSize} bytes, headers end at ${afterHeader})`);
  const rowBytes = Math.ceil((bitCount * width) / 32) * 4;
  const dataBytes = compression === 'rle4' || compression === 'rle8' ? imageSize || fileSize - dataOffset : rowBytes * height;
  if (dataOffset + dataBytes > fileSize)
    throw new MediaError(`truncated: BMP pixel data needs ${dataBytes} bytes at ${dataOffset}, the file has ${fileSize - dataOffset}`);
  return { headerSize, width, height, topDown, bitCount, compression, masks, palette, dataOffset, rowBytes, dataBytes };
}

function checkMasks(m: BmpMasks, bitCount: number): void {
  const limit = bitCount === 32 ? 0xffffffff : 0xffff;
  const all = [m.red, m.green, m.blue, m.alpha];
  for (const mask of all) {
    if (mask > limit) throw new MediaError(`BMP bit field mask 0x${mask.toString(16)} does not fit ${bitCount}-bit pixels`);
    const low = mask >>> countTrailingZeros(mask);
    if (mask !== 0 && (low & (low + 1)) !== 0) throw new MediaError(`BMP bit field mask 0x${mask.toString(16)} is not contiguous`);
  }
  if (m.red === 0 && m.green === 0 && m.blue === 0) throw new MediaError('BMP bit field masks are all zero');
  if ((m.red & m.green) | (m.red & m.blue) | (m.green & m.blue) | ((m.red | m.green | m.blue) & m.alpha))
    throw new MediaError('BMP bit field masks overlap');
}

export function countTrailingZeros(mask: number): number {
  if (mask === 0) return 0;
  let n = 0;
  while (((mask >>> n) & 1) === 0) n++;
  return n;
}
