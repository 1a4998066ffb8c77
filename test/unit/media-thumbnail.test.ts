// renderThumbnail and toModelInput: EXIF rotation, BMP through our decoder, first frame of animations, errors.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { MediaError, parseThumbnailMode, renderThumbnail, toModelInput } from '../../lib/media/thumbnail.js';
import { FIXTURES_SKIP_MESSAGE, fixturesDir, fixturesMissing } from '../support/fixtures.js';

const read = (rel: string) => readFileSync(path.join(fixturesDir!, 'images', rel));
const title = (what: string) => (fixturesMissing ? `${what} (skipped: ${FIXTURES_SKIP_MESSAGE})` : what);

describe.skipIf(fixturesMissing)(title('renderThumbnail on fixtures'), () => {
  it('turns a JPEG upright by its EXIF orientation (6: stored 450x600, shown 600x450)', async () => {
    const t = await renderThumbnail(read('valid/jpeg/exif-orientation/Landscape_6.jpg'), 'jpeg', parseThumbnailMode('w_200'));
    expect(t.contentType).toBe('image/jpeg');
    const meta = await sharp(t.data).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 200, 150]);
    expect(meta.orientation ?? 1).toBe(1);
  });

  it('renders a BMP (OS/2 v1 header) through our decoder', async () => {
    const t = await renderThumbnail(read('valid/bmp/pal8os2.bmp'), 'bmp', parseThumbnailMode('m_fill,w_50,h_50'));
    const meta = await sharp(t.data).metadata();
    expect([t.contentType, meta.width, meta.height]).toEqual(['image/jpeg', 50, 50]);
  });

  it('keeps the alpha of a 32-bit BMP as PNG, padded with the asked colour', async () => {
    const t = await renderThumbnail(read('valid/bmp/rgba32.bmp'), 'bmp', parseThumbnailMode('m_pad,w_100,h_100,color_FF0000'));
    const meta = await sharp(t.data).metadata();
    expect([t.contentType, meta.width, meta.height, meta.hasAlpha]).toEqual(['image/png', 100, 100, true]);
  });

  it('renders only the first frame of an animated GIF', async () => {
    const t = await renderThumbnail(read('valid/gif/rotating-squares.gif'), 'gif', parseThumbnailMode('m_lfit,w_40,h_40'));
    const meta = await sharp(t.data, { animated: true }).metadata();
    expect([meta.width, meta.height, meta.pages ?? 1]).toEqual([40, 40, 1]);
  });

  it('throws MediaError with a reason for an image that cannot be decoded', async () => {
    const err = await renderThumbnail(read('broken/truncated/truncated.jpg'), 'jpeg', parseThumbnailMode('w_100')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MediaError);
    expect((err as MediaError).reason).toMatch(/premature end/);
    await expect(renderThumbnail(read('valid/png/hopper.png'), 'jpeg', parseThumbnailMode('w_10'))).rejects.toThrow('content is png, not jpeg');
    await expect(renderThumbnail(read('edge/bomb/giant-image.jpg'), 'jpeg', parseThumbnailMode('w_10'))).rejects.toThrow(/280,000,000 pixels/);
  });
});

describe('thumbnail formats', () => {
  const opaque = () => sharp({ create: { width: 64, height: 48, channels: 3, background: '#3366cc' } }).png().toBuffer();
  const halfClear = () =>
    sharp({ create: { width: 64, height: 48, channels: 4, background: { r: 200, g: 0, b: 0, alpha: 0 } } })
      .composite([{ input: { create: { width: 32, height: 48, channels: 4, background: { r: 200, g: 0, b: 0, alpha: 1 } } }, left: 0, top: 0 }])
      .png()
      .toBuffer();

  it('renders WebP with f_webp, keeping alpha', async () => {
    const t = await renderThumbnail(await halfClear(), 'png', parseThumbnailMode('m_lfit,w_32,h_32,f_webp'));
    const meta = await sharp(t.data).metadata();
    expect([t.contentType, meta.format, meta.width, meta.height, meta.hasAlpha]).toEqual(['image/webp', 'webp', 32, 24, true]);
    const { data } = await sharp(t.data).raw().toBuffer({ resolveWithObject: true });
    expect(data[3]).toBeGreaterThan(200); // left half opaque
    expect(data[(32 * 24 - 1) * 4 + 3]).toBeLessThan(50); // right half clear
    const plain = await renderThumbnail(await opaque(), 'png', parseThumbnailMode('w_32,f_webp'));
    expect((await sharp(plain.data).metadata()).format).toBe('webp');
  });

  it('renders JPEG with f_jpg (transparency on white) and PNG with f_png; the default stays JPEG, PNG for alpha', async () => {
    const jpg = await renderThumbnail(await halfClear(), 'png', parseThumbnailMode('w_32,f_jpg'));
    expect(jpg.contentType).toBe('image/jpeg');
    const { data } = await sharp(jpg.data).raw().toBuffer({ resolveWithObject: true });
    expect([...data.subarray((32 * 24 - 1) * 3)].every((v) => v > 240)).toBe(true);
    expect((await renderThumbnail(await opaque(), 'png', parseThumbnailMode('w_32,f_png'))).contentType).toBe('image/png');
    expect((await renderThumbnail(await opaque(), 'png', parseThumbnailMode('w_32'))).contentType).toBe('image/jpeg');
    expect((await renderThumbnail(await halfClear(), 'png', parseThumbnailMode('w_32'))).contentType).toBe('image/png');
  });
});

describe.skipIf(fixturesMissing)(title('toModelInput on fixtures'), () => {
  it.each([
    ['valid/jpeg/very-large-4800x3600.jpg', 'jpeg', 1024, 768, 'image/jpeg'],
    ['valid/jpeg/exif-orientation/Landscape_8.jpg', 'jpeg', 600, 450, 'image/jpeg'],
    ['valid/tiff/multipage.tiff', 'tiff', 10, 10, 'image/jpeg'],
    ['valid/bmp/sample.bmp', 'bmp', 123, 456, 'image/jpeg'],
    ['valid/gif/animated-loop-3.gif', 'gif', 370, 285, 'image/png'],
  ] as const)('%s (%s) → %ix%i %s', async (rel, format, width, height, mime) => {
    const out = await toModelInput(read(rel), format);
    const meta = await sharp(out.data).metadata();
    expect([out.mime, meta.width, meta.height, meta.pages ?? 1]).toEqual([mime, width, height, 1]);
  });

  it('bounds the long side', async () => {
    const out = await toModelInput(read('valid/png/itxt_chunks.png'), 'png', 300);
    const meta = await sharp(out.data).metadata();
    expect([meta.width, meta.height]).toEqual([300, 250]);
  });
});
