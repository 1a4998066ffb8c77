// Our BMP decoder on crafted files (RLE, bitfields, top-down, truncation, limits) and on the bmpsuite fixtures.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeBmp, verifyBmp } from '../../lib/media/bmp-decode.js';
import { bufferSource } from '../../lib/media/byte-source.js';
import { decodeImage } from '../../lib/media/decode.js';
import { MediaError } from '../../lib/media/media-error.js';
import { probeImage } from '../../lib/media/probe.js';
import { FIXTURES_SKIP_MESSAGE, fixturesDir, fixturesMissing } from '../support/fixtures.js';

interface BmpSpec {
  width: number;
  height: number;
  bitCount: number;
  compression?: number;
  palette?: [number, number, number][];
  masks?: [number, number, number];
  data: number[];
  imageSize?: number;
}

/** A BITMAPINFOHEADER file; masks (BI_BITFIELDS) follow the header, then the palette, then `data`. */
function bmp(s: BmpSpec): Buffer {
  const masks = s.masks ? Buffer.alloc(12) : Buffer.alloc(0);
  s.masks?.forEach((m, i) => masks.writeUInt32LE(m, i * 4));
  const palette = Buffer.alloc((s.palette?.length ?? 0) * 4);
  s.palette?.forEach(([r, g, b], i) => palette.set([b, g, r, 0], i * 4));
  const offset = 14 + 40 + masks.length + palette.length;
  const data = Buffer.from(s.data);
  const h = Buffer.alloc(54);
  h.write('BM', 0, 'latin1');
  h.writeUInt32LE(offset + data.length, 2);
  h.writeUInt32LE(offset, 10);
  h.writeUInt32LE(40, 14);
  h.writeInt32LE(s.width, 18);
  h.writeInt32LE(s.height, 22);
  h.writeUInt16LE(1, 26);
  h.writeUInt16LE(s.bitCount, 28);
  h.writeUInt32LE(s.compression ?? 0, 30);
  h.writeUInt32LE(s.imageSize ?? data.length, 34);
  h.writeUInt32LE(s.palette?.length ?? 0, 46);
  return Buffer.concat([h, masks, palette, data]);
}

const RED: [number, number, number] = [255, 0, 0];
const GREEN: [number, number, number] = [0, 255, 0];
const BLUE: [number, number, number] = [0, 0, 255];
const pixels = (buf: Buffer, channels = 3) => [...Array(buf.length / channels).keys()].map((i) => [...buf.subarray(i * channels, i * channels + channels)]);

describe('BMP decoder on crafted files', () => {
  it('reads 24-bit rows bottom-up with row padding', () => {
    // 2x2: bottom row (stored first) blue, green; top row red, white. Rows pad to 8 bytes.
    const img = decodeBmp(bmp({ width: 2, height: 2, bitCount: 24, data: [255, 0, 0, 0, 255, 0, 0, 0, 0, 0, 255, 255, 255, 255, 0, 0] }));
    expect(img).toMatchObject({ width: 2, height: 2, channels: 3 });
    expect(pixels(img.data)).toEqual([[255, 0, 0], [255, 255, 255], [0, 0, 255], [0, 255, 0]]);
  });

  it('reads top-down files (negative height)', () => {
    const img = decodeBmp(bmp({ width: 1, height: -2, bitCount: 8, palette: [RED, GREEN], data: [0, 0, 0, 0, 1, 0, 0, 0] }));
    expect(pixels(img.data)).toEqual([[255, 0, 0], [0, 255, 0]]);
  });

  it('reads RLE8: runs, absolute runs, end of line, delta and end of bitmap', () => {
    const data = [
      ...[2, 0, 0, 3, 1, 2, 1, 0], // row 0 (bottom): run of 2 × index 0, then absolute 1,2,1 (+pad)
      ...[0, 0], // end of line
      ...[0, 2, 2, 1], // delta: 2 right, 1 down (row 1 stays blank)
      ...[1, 2, 0, 1], // row 2: x=2 one pixel index 2; end of bitmap
    ];
    const img = decodeBmp(bmp({ width: 5, height: 3, bitCount: 8, compression: 1, palette: [RED, GREEN, BLUE], data }));
    const px = pixels(img.data);
    expect(px.slice(0, 5)).toEqual([[0, 0, 0], [0, 0, 0], [0, 0, 255], [0, 0, 0], [0, 0, 0]]); // top row = row 2
    expect(px.slice(5, 10)).toEqual(Array(5).fill([0, 0, 0]));
    expect(px.slice(10, 15)).toEqual([RED, RED, GREEN, BLUE, GREEN]);
  });

  it('reads RLE4 nibbles', () => {
    // Run of 3 alternating 1,2; absolute 3 pixels 0,1,2 (2 bytes); absolute 3 pixels 2,2,0 with
    // the same bytes count; end of bitmap.
    const data = [3, 0x12, 0, 3, 0x01, 0x20, 0, 3, 0x22, 0x00, 0, 1];
    const img = decodeBmp(bmp({ width: 9, height: 1, bitCount: 4, compression: 2, palette: [RED, GREEN, BLUE], data }));
    expect(pixels(img.data)).toEqual([GREEN, BLUE, GREEN, RED, GREEN, BLUE, BLUE, BLUE, RED]);
  });

  it('reads 16-bit BI_BITFIELDS (565) and scales channels to 8 bits', () => {
    const img = decodeBmp(bmp({ width: 2, height: 1, bitCount: 16, compression: 3, masks: [0xf800, 0x07e0, 0x001f], data: [0x00, 0xf8, 0x1f, 0x00] }));
    expect(pixels(img.data)).toEqual([RED, BLUE]);
  });

  it('fails RLE data that runs past its row, or ends before end-of-bitmap', () => {
    const palette = [RED, GREEN];
    expect(() => decodeBmp(bmp({ width: 2, height: 1, bitCount: 8, compression: 1, palette, data: [3, 0, 0, 1] }))).toThrow(/past the end of row 0/);
    expect(() => decodeBmp(bmp({ width: 2, height: 2, bitCount: 8, compression: 1, palette, data: [2, 0, 0, 0] }))).toThrow(/truncated/);
  });

  it('fails a file whose pixel rows are not all there, before allocating anything', async () => {
    const whole = bmp({ width: 4, height: 4, bitCount: 24, data: Array(48).fill(7) });
    const cut = whole.subarray(0, whole.length - 5);
    expect(() => decodeBmp(cut)).toThrow(/truncated: BMP pixel data needs 48 bytes/);
    expect(await decodeImage(cut, 'bmp')).toMatchObject({ ok: false, reason: expect.stringMatching(/truncated/) });
    expect(await probeImage(bufferSource(cut))).toMatchObject({ ok: false, format: 'bmp', reason: expect.stringMatching(/truncated/) });
    // A header promising 100000 × 100000 pixels in a 60-byte file is refused by the data check.
    const huge = bmp({ width: 100_000, height: 100_000, bitCount: 24, data: [1, 2, 3, 4, 5, 6] });
    expect(() => decodeBmp(huge)).toThrow(/truncated/);
  });

  it('checks the pixel limit before allocating', () => {
    const file = bmp({ width: 4, height: 4, bitCount: 24, data: Array(48).fill(7) });
    expect(() => decodeBmp(file, { maxPixels: 15 })).toThrow(MediaError);
    expect(() => verifyBmp(file, { maxPixels: 15 })).toThrow(/4x4 \(16 pixels\), over the limit of 15 pixels/);
    // An RLE file can promise many pixels in few bytes: still bounded by the limit.
    const rle = bmp({ width: 20_000, height: 20_000, bitCount: 8, compression: 1, palette: [RED], data: [0, 1] });
    expect(() => decodeBmp(rle, { maxPixels: 1_000_000 })).toThrow(/over the limit/);
  });

  it('rejects headers that make no sense', () => {
    expect(() => decodeBmp(bmp({ width: 1, height: 1, bitCount: 7, data: [0, 0, 0, 0] }))).toThrow(/bit count 7 is invalid/);
    expect(() => decodeBmp(bmp({ width: 0, height: 1, bitCount: 24, data: [0, 0, 0, 0] }))).toThrow(/invalid dimensions/);
    expect(() => decodeBmp(bmp({ width: 1, height: 1, bitCount: 24, compression: 1, data: [0, 0, 0, 0] }))).toThrow(/compression 1 is invalid for 24-bit/);
    expect(() => decodeBmp(bmp({ width: 1, height: 1, bitCount: 16, compression: 3, masks: [0xf0f0, 0x0f00, 0x000f], data: [0, 0, 0, 0] }))).toThrow(/not contiguous/);
    expect(() => decodeBmp(bmp({ width: 1, height: -1, bitCount: 8, compression: 1, palette: [RED], data: [0, 1] }))).toThrow(/top-down and RLE/);
  });
});

describe.skipIf(fixturesMissing)(fixturesMissing ? `BMP fixtures (skipped: ${FIXTURES_SKIP_MESSAGE})` : 'BMP fixtures (bmpsuite)', () => {
  const read = (name: string) => readFileSync(path.join(fixturesDir!, 'images', 'valid', 'bmp', name));

  it('decodes the same picture from every 8-bit header variant (Windows v3, OS/2 v1, top-down, V5)', () => {
    const reference = decodeBmp(read('pal8.bmp')).data;
    for (const name of ['pal8os2.bmp', 'pal8topdown.bmp', 'pal8v5.bmp']) expect(decodeBmp(read(name)).data.equals(reference), name).toBe(true);
  });

  it('decodes 24-bit and 32-bit RGB to the same pixels, and keeps the alpha of rgba32', () => {
    expect(decodeBmp(read('rgb32.bmp')).data.equals(decodeBmp(read('rgb24.bmp')).data)).toBe(true);
    expect(decodeBmp(read('rgba32.bmp'))).toMatchObject({ width: 127, height: 64, channels: 4 });
  });
});
