// decodeImage: every pixel decoded, within the byte, pixel and time limits; reasons, never throws.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../lib/media/decode.js';
import { resolveLimits } from '../../lib/media/limits.js';

const image = (w: number, h: number) => sharp({ create: { width: w, height: h, channels: 3, background: '#884422' } });

describe('decodeImage', () => {
  it('decodes and reports stored dimensions', async () => {
    expect(await decodeImage(await image(300, 200).jpeg().toBuffer(), 'jpeg')).toEqual({ ok: true, width: 300, height: 200 });
    expect(await decodeImage(await image(30, 20).webp().toBuffer(), 'webp')).toEqual({ ok: true, width: 30, height: 20 });
  });

  it('fails a JPEG cut inside its entropy-coded data (sharp strict mode)', async () => {
    const noisy = await sharp({ create: { width: 256, height: 256, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).jpeg().toBuffer();
    const r = await decodeImage(noisy.subarray(0, noisy.length / 2), 'jpeg');
    expect(r).toMatchObject({ ok: false, reason: expect.stringMatching(/premature end of JPEG/) });
  });

  it('refuses by bytes, pixels and time, with reasons', async () => {
    const png = await image(100, 100).png().toBuffer();
    expect(await decodeImage(png, 'png', { maxBytes: 10 })).toEqual({ ok: false, reason: `file is ${png.length} bytes, over the limit of 10 bytes for decoding` });
    expect(await decodeImage(png, 'png', { maxPixels: 9_999 })).toEqual({ ok: false, reason: 'image is 100x100 (10,000 pixels), over the limit of 9,999 pixels' });
    const big = await sharp({ create: { width: 3000, height: 3000, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 50 } } }).jpeg().toBuffer();
    expect(await decodeImage(big, 'jpeg', { timeoutMs: 1 })).toEqual({ ok: false, reason: expect.stringMatching(/took longer than 1 ms/) });
  });

  it('fails content that is not the format it is said to be, and empty input', async () => {
    expect(await decodeImage(await image(10, 10).png().toBuffer(), 'gif')).toEqual({ ok: false, reason: 'content is png, not gif' });
    expect(await decodeImage(Buffer.alloc(0), 'png')).toEqual({ ok: false, reason: 'empty file' });
    expect(await decodeImage(Buffer.from('not an image at all'), 'jpeg')).toMatchObject({ ok: false });
  });

  it('validates limits', () => {
    expect(resolveLimits({ maxPixels: 5 })).toMatchObject({ maxPixels: 5, maxBytes: 512 * 1024 * 1024, timeoutMs: 30_000 });
    expect(() => resolveLimits({ timeoutMs: 0 })).toThrow(/timeoutMs must be a positive number/);
  });
});
