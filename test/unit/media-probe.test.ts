// probeImage on crafted files: structural checks per format, the pixel limit, and bounded reads.
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { bufferSource, type ByteSource } from '../../lib/media/byte-source.js';
import { crc32 } from '../../lib/media/crc32.js';
import { probeImage } from '../../lib/media/probe.js';

const image = (w: number, h: number) => sharp({ create: { width: w, height: h, channels: 3, background: '#3366cc' } });
const probe = (b: Buffer) => probeImage(bufferSource(b));

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
function ihdr(width: number, height: number, depth: number, colourType: number): Buffer {
  const d = Buffer.alloc(13);
  d.writeUInt32BE(width, 0);
  d.writeUInt32BE(height, 4);
  d.set([depth, colourType, 0, 0, 0], 8);
  return chunk('IHDR', d);
}

/** A source that reports a huge size and serves `prefix` then zeros, counting what is asked. */
function hugeSource(prefix: Buffer, size: number) {
  const stats = { reads: 0, bytes: 0 };
  const src: ByteSource = {
    size,
    read: async (offset, length) => {
      stats.reads++;
      const n = Math.max(0, Math.min(length, size - offset));
      stats.bytes += n;
      const out = Buffer.alloc(n);
      if (offset < prefix.length) prefix.copy(out, 0, offset, Math.min(prefix.length, offset + n));
      return out;
    },
  };
  return { src, stats };
}

describe('probeImage: PNG', () => {
  let png: Buffer;
  beforeAll(async () => {
    png = await image(40, 30).png().toBuffer();
  });

  it('reads dimensions without decoding', async () => {
    expect(await probe(png)).toEqual({ ok: true, format: 'png', contentType: 'image/png', width: 40, height: 30, frames: 1 });
  });

  it('fails invalid bit depth / colour type combinations (with a valid CRC)', async () => {
    const idat = chunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]));
    const iend = chunk('IEND', Buffer.alloc(0));
    const file = (depth: number, ct: number) => Buffer.concat([SIGNATURE, ihdr(1, 1, depth, ct), idat, iend]);
    expect(await probe(file(8, 2))).toMatchObject({ ok: true });
    expect(await probe(file(4, 2))).toMatchObject({ ok: false, reason: 'PNG bit depth 4 is invalid for colour type 2' });
    expect(await probe(file(16, 3))).toMatchObject({ ok: false, reason: 'PNG bit depth 16 is invalid for colour type 3' });
    expect(await probe(file(8, 5))).toMatchObject({ ok: false, reason: 'PNG colour type 5 is invalid' });
    expect(await probe(file(8, 3))).toMatchObject({ ok: false, reason: expect.stringMatching(/no PLTE/) });
  });

  it('fails a file cut inside IDAT, and one that ends after IDAT without IEND', async () => {
    expect(await probe(png.subarray(0, png.length - 30))).toMatchObject({ ok: false, format: 'png', reason: expect.stringMatching(/^truncated/) });
    expect(await probe(png.subarray(0, png.length - 12))).toMatchObject({ ok: false, reason: expect.stringMatching(/without an IEND/) });
  });

  it('accepts a file cut inside IEND (every pixel is there)', async () => {
    expect(await probe(png.subarray(0, png.length - 2))).toMatchObject({ ok: true, width: 40, height: 30 });
    expect(await probe(png.subarray(0, png.length - 6))).toMatchObject({ ok: true });
  });

  it('fails an IHDR whose CRC does not match', async () => {
    const bad = Buffer.from(png);
    bad[20] = bad[20]! ^ 1; // height byte
    expect(await probe(bad)).toMatchObject({ ok: false, reason: expect.stringMatching(/IHDR CRC mismatch/) });
  });

  it('reads a few windows of a huge PNG and checks its end for IEND', async () => {
    const idatHead = Buffer.alloc(8);
    idatHead.writeUInt32BE(0x7000_0000, 0);
    idatHead.write('IDAT', 4, 'latin1');
    const prefix = Buffer.concat([SIGNATURE, ihdr(10_000, 10_000, 8, 2), idatHead]);
    const { src, stats } = hugeSource(prefix, 8 + 25 + 12 + 0x7000_0000 + 100); // ~1.8 GB
    expect(await probeImage(src)).toMatchObject({ ok: false, reason: expect.stringMatching(/no IEND/) });
    expect(stats.reads).toBeLessThanOrEqual(2);
    expect(stats.bytes).toBeLessThan(100 * 1024);
  });
});

describe('probeImage: JPEG', () => {
  it('reports stored dimensions and EXIF orientation', async () => {
    const jpeg = await image(64, 32).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    expect(await probe(jpeg)).toEqual({ ok: true, format: 'jpeg', contentType: 'image/jpeg', width: 64, height: 32, frames: 1, orientation: 6 });
  });

  it('fails a file cut before its frame header or scan', async () => {
    const jpeg = await image(64, 32).jpeg().toBuffer();
    const sos = jpeg.indexOf(Buffer.from([0xff, 0xda]));
    expect(await probe(jpeg.subarray(0, sos))).toMatchObject({ ok: false, reason: expect.stringMatching(/truncated.*scan \(SOS\)/) });
    expect(await probe(jpeg.subarray(0, 40))).toMatchObject({ ok: false, reason: expect.stringMatching(/truncated/) });
    expect(await probe(Buffer.from([0xff, 0xd8, 0xff, 0xd9]))).toMatchObject({ ok: false, reason: expect.stringMatching(/EOI/) });
  });

  it('fails a frame header with zero width', async () => {
    const jpeg = Buffer.from(await image(64, 32).jpeg().toBuffer());
    const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
    jpeg.writeUInt16BE(0, sof + 7);
    expect(await probe(jpeg)).toMatchObject({ ok: false, reason: 'JPEG frame header has invalid dimensions 0x32' });
  });
});

describe('probeImage: GIF, TIFF, WebP', () => {
  it('GIF: needs a frame with image data', async () => {
    const gif = await image(20, 10).gif().toBuffer();
    expect(await probe(gif)).toMatchObject({ ok: true, format: 'gif', width: 20, height: 10, frames: 1 });
    const descriptor = gif.indexOf(0x2c, 13);
    expect(await probe(gif.subarray(0, descriptor + 10))).toMatchObject({ ok: false, reason: expect.stringMatching(/truncated/) });
  });

  it('TIFF: strips must lie inside the file; BigTIFF headers are read', async () => {
    const tiff = await image(50, 40).tiff({ compression: 'none' }).toBuffer();
    expect(await probe(tiff)).toMatchObject({ ok: true, format: 'tiff', width: 50, height: 40, frames: 1 });
    // libvips writes the IFD after the pixels: cutting the file loses the IFD.
    expect(await probe(tiff.subarray(0, tiff.length / 2))).toMatchObject({ ok: false, reason: expect.stringMatching(/IFD offset \d+ is outside the file/) });
    // A strip byte count that runs past the end of the file.
    const bad = Buffer.from(tiff);
    const ifd = bad.readUInt32LE(4);
    for (let i = 0; i < bad.readUInt16LE(ifd); i++) {
      const at = ifd + 2 + i * 12;
      if (bad.readUInt16LE(at) !== 279) continue;
      const values = bad.readUInt32LE(at + 4) === 1 ? at + 8 : bad.readUInt32LE(at + 8);
      bad.writeUInt32LE(bad.readUInt32LE(values) + 1000, values);
    }
    expect(await probe(bad)).toMatchObject({ ok: false, reason: expect.stringMatching(/^truncated: TIFF strip 0 needs/) });
  });

  it('WebP: the RIFF size must fit the file', async () => {
    const webp = await image(30, 20).webp().toBuffer();
    expect(await probe(webp)).toMatchObject({ ok: true, format: 'webp', width: 30, height: 20, frames: 1 });
    expect(await probe(webp.subarray(0, webp.length - 10))).toMatchObject({ ok: false, reason: expect.stringMatching(/RIFF size/) });
  });
});

describe('probeImage: limits and failures', () => {
  it('names the pixel count when an image is over the limit', async () => {
    const png = await image(40, 30).png().toBuffer();
    expect(await probeImage(bufferSource(png), { maxPixels: 1000 })).toEqual({
      ok: false,
      format: 'png',
      reason: 'image is 40x30 (1,200 pixels), over the limit of 1,000 pixels',
    });
  });

  it('reports empty and unknown content', async () => {
    expect(await probe(Buffer.alloc(0))).toEqual({ ok: false, reason: 'empty file' });
    // Described by size, never by its bytes (the file may be anyone's).
    expect(await probe(Buffer.from('hello, world'))).toEqual({ ok: false, reason: 'not a supported image (unknown signature, 12 bytes)' });
    expect(await probe(Buffer.from([0, 1, 2, 3]))).toEqual({ ok: false, reason: 'not a supported image (unknown signature, 4 bytes)' });
  });

  it('passes failures of the source itself through (they say nothing about the image)', async () => {
    const broken: ByteSource = { size: 100, read: async () => Promise.reject(new Error('connection reset')) };
    await expect(probeImage(broken)).rejects.toThrow('connection reset');
  });
});
