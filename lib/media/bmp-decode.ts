// Our BMP decoder (sharp has no BMP loader): rows streamed to a sink, every promised byte checked, bounded.
import { countTrailingZeros, parseBmpHeader, type BmpHeader, type BmpMasks } from './bmp-header.js';
import { pixelLimitReason, resolveLimits, type MediaLimits } from './limits.js';
import { MediaError } from './media-error.js';

export interface BmpImage {
  width: number;
  height: number;
  channels: 3 | 4;
  /** Top-down rows of RGB or RGBA bytes. */
  data: Buffer;
}

/** Receives each image row once, `y` counted from the top; `row` is reused after the call returns. */
export type BmpRowSink = (y: number, row: Uint8Array) => void;

/** Decodes every pixel into memory (for thumbnails); the buffer is sized and checked before it exists. */
export function decodeBmp(bytes: Buffer, limits: Partial<MediaLimits> = {}): BmpImage {
  const header = parseBmpHeader(bytes, bytes.length);
  const channels = bmpChannels(header);
  const data = allocate(header, channels, limits);
  readBmpRows(bytes, header, (y, row) => data.set(row, y * header.width * channels), limits);
  return { width: header.width, height: header.height, channels, data };
}

/** Decodes every pixel, keeping one row at a time (for verification). */
export function verifyBmp(bytes: Buffer, limits: Partial<MediaLimits> = {}): { width: number; height: number } {
  const header = parseBmpHeader(bytes, bytes.length);
  checkPixels(header, resolveLimits(limits).maxPixels);
  readBmpRows(bytes, header, () => {}, limits);
  return { width: header.width, height: header.height };
}

export function bmpChannels(h: BmpHeader): 3 | 4 {
  return h.masks && h.masks.alpha !== 0 ? 4 : 3;
}

function checkPixels(h: BmpHeader, maxPixels: number): void {
  if (h.width * h.height > maxPixels) throw new MediaError(pixelLimitReason(h.width, h.height, maxPixels));
}

function allocate(h: BmpHeader, channels: number, limits: Partial<MediaLimits>): Buffer {
  checkPixels(h, resolveLimits(limits).maxPixels);
  return Buffer.alloc(h.width * h.height * channels);
}

/** Decodes the pixel data row by row, failing on truncation, RLE overruns and the time limit. */
export function readBmpRows(bytes: Buffer, h: BmpHeader, sink: BmpRowSink, limits: Partial<MediaLimits> = {}): void {
  const { timeoutMs } = resolveLimits(limits);
  const deadline = Date.now() + timeoutMs;
  const channels = bmpChannels(h);
  const row = new Uint8Array(h.width * channels);
  const emit = (fileRow: number) => {
    if ((fileRow & 63) === 0 && Date.now() > deadline) throw new MediaError(`BMP decode took longer than ${timeoutMs} ms`);
    sink(h.topDown ? fileRow : h.height - 1 - fileRow, row);
  };
  if (h.compression === 'rle8' || h.compression === 'rle4') readRle(bytes, h, row, emit);
  else readUncompressed(bytes, h, row, channels, emit);
}

function readUncompressed(bytes: Buffer, h: BmpHeader, row: Uint8Array, channels: number, emit: (r: number) => void): void {
  const { width, bitCount, palette } = h;
  const entries = palette.length / 3;
  const unpack = h.masks ? maskUnpacker(h.masks) : undefined;
  for (let r = 0; r < h.height; r++) {
    const at = h.dataOffset + r * h.rowBytes;
    if (at + h.rowBytes > bytes.length) throw new MediaError(`truncated: BMP row ${r} ends past the end of the file`);
    if (bitCount <= 8) {
      const perByte = 8 / bitCount;
      const mask = (1 << bitCount) - 1;
      for (let x = 0; x < width; x++) {
        const byte = bytes[at + Math.floor(x / perByte)]!;
        const index = (byte >> (8 - bitCount * ((x % perByte) + 1))) & mask;
        setIndexed(row, x, index, palette, entries);
      }
    } else if (bitCount === 24) {
      for (let x = 0, i = at, o = 0; x < width; x++, i += 3, o += 3) {
        row[o] = bytes[i + 2]!;
        row[o + 1] = bytes[i + 1]!;
        row[o + 2] = bytes[i]!;
      }
    } else {
      const step = bitCount / 8;
      for (let x = 0; x < width; x++) {
        const px = step === 2 ? bytes.readUInt16LE(at + 2 * x) : bytes.readUInt32LE(at + 4 * x);
        unpack!(px, row, x * channels);
      }
    }
    emit(r);
  }
}

function setIndexed(row: Uint8Array, x: number, index: number, palette: Uint8Array, entries: number): void {
  const o = x * 3;
  if (index < entries) {
    row[o] = palette[index * 3]!;
    row[o + 1] = palette[index * 3 + 1]!;
    row[o + 2] = palette[index * 3 + 2]!;
  } else row[o] = row[o + 1] = row[o + 2] = 0; // index past a short palette: black, as Windows shows it
}

function maskUnpacker(m: BmpMasks): (px: number, row: Uint8Array, o: number) => void {
  const channel = (mask: number) => {
    const shift = countTrailingZeros(mask);
    const max = mask === 0 ? 0 : mask >>> shift;
    return (px: number) => (max === 0 ? 0 : Math.round((((px & mask) >>> shift) * 255) / max));
  };
  const [r, g, b, a] = [channel(m.red), channel(m.green), channel(m.blue), channel(m.alpha)];
  const alpha = m.alpha !== 0;
  return (px, row, o) => {
    row[o] = r(px);
    row[o + 1] = g(px);
    row[o + 2] = b(px);
    if (alpha) row[o + 3] = a(px);
  };
}

/** RLE8/RLE4 (bottom-up only): runs, absolute runs, end of line, delta, end of bitmap. */
function readRle(bytes: Buffer, h: BmpHeader, row: Uint8Array, emit: (r: number) => void): void {
  const { width, height, palette } = h;
  const entries = palette.length / 3;
  const four = h.compression === 'rle4';
  const end = Math.min(h.dataOffset + h.dataBytes, bytes.length);
  let pos = h.dataOffset;
  let x = 0;
  let r = 0;
  const byte = () => {
    if (pos >= end) throw new MediaError(`truncated: BMP RLE data ends at ${pos} before its end-of-bitmap marker`);
    return bytes[pos++]!;
  };
  const put = (index: number) => {
    if (x >= width || r >= height) throw new MediaError(`corrupt BMP RLE data: pixels past the end of ${r >= height ? 'the image' : `row ${r}`}`);
    setIndexed(row, x++, index, palette, entries);
  };
  const nextRow = () => {
    if (r >= height) throw new MediaError('corrupt BMP RLE data: rows past the end of the image');
    emit(r++);
    row.fill(0);
    x = 0;
  };
  for (;;) {
    if (pos >= end && r >= height) return; // every row written; a missing end-of-bitmap marker is harmless
    const n = byte();
    const c = byte();
    if (n > 0) {
      for (let i = 0; i < n; i++) put(four ? (i & 1 ? c & 15 : c >> 4) : c);
    } else if (c === 0) nextRow();
    else if (c === 1) {
      while (r < height) nextRow();
      return;
    } else if (c === 2) {
      const dx = byte();
      const dy = byte();
      const keepX = x + dx;
      for (let i = 0; i < dy; i++) nextRow();
      x = keepX;
      if (x > width) throw new MediaError(`corrupt BMP RLE data: delta moves past the end of row ${r}`);
    } else {
      const stored = four ? Math.ceil(c / 2) : c;
      let v = 0;
      for (let i = 0; i < c; i++) {
        if (!four) put(byte());
        else {
          if ((i & 1) === 0) v = byte();
          put(i & 1 ? v & 15 : v >> 4);
        }
      }
      if (stored & 1) byte(); // absolute runs are padded to 16 bits
    }
  }
}
