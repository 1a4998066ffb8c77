// Every row of the shared image manifest through the fast path (header probe) and the decode path.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferSource, type ByteSource } from '../../lib/media/byte-source.js';
import { decodeImage } from '../../lib/media/decode.js';
import { DEFAULT_MEDIA_LIMITS } from '../../lib/media/limits.js';
import { probeImage } from '../../lib/media/probe.js';
import { FIXTURES_SKIP_MESSAGE, fixturesDir, fixturesMissing, readImageManifest, type ManifestRow } from '../support/fixtures.js';

/** `no` rows the header probe lets through (only decoding catches them). Keep this list honest. */
const NO_ROWS_PASSING_PROBE: string[] = [];

const rows = fixturesMissing ? [] : readImageManifest();
const bytesOf = (row: ManifestRow) => readFileSync(path.join(fixturesDir!, 'images', row.path));
const title = (what: string) => (fixturesMissing ? `${what} (skipped: ${FIXTURES_SKIP_MESSAGE})` : what);
const overPixelLimit = (row: ManifestRow) => (row.width ?? 0) * (row.height ?? 0) > DEFAULT_MEDIA_LIMITS.maxPixels;

/** Counts what the probe reads, to hold it to small ranges. */
function countingSource(buf: Buffer) {
  const stats = { reads: 0, bytes: 0 };
  const src: ByteSource = {
    size: buf.length,
    read: async (offset, length) => {
      stats.reads++;
      const out = buf.subarray(offset, Math.min(offset + length, buf.length));
      stats.bytes += out.length;
      return out;
    },
  };
  return { src, stats };
}

describe.skipIf(fixturesMissing)(title('image manifest: fast path (header probe only)'), () => {
  it.each(rows.filter((r) => r.expectedDecodable === 'yes'))('accepts $path with its dimensions', async (row) => {
    const bytes = bytesOf(row);
    const { src, stats } = countingSource(bytes);
    const r = await probeImage(src);
    expect(r).toMatchObject({ ok: true, format: row.format, width: row.width, height: row.height });
    expect(stats.reads).toBeLessThanOrEqual(34);
  });

  it.each(rows.filter((r) => r.expectedDecodable !== 'yes'))('answers for $path ($expectedDecodable) without throwing', async (row) => {
    const r = await probeImage(bufferSource(bytesOf(row)));
    if (!r.ok) expect(r.reason).not.toBe('');
    if (overPixelLimit(row)) expect(r).toMatchObject({ ok: false, reason: expect.stringMatching(/pixels/) });
  });

  it('catches every "no" row except the listed ones', async () => {
    const passing: string[] = [];
    for (const row of rows.filter((r) => r.expectedDecodable === 'no')) {
      if ((await probeImage(bufferSource(bytesOf(row)))).ok) passing.push(row.path);
    }
    expect(passing).toEqual(NO_ROWS_PASSING_PROBE);
  });

  it('reads small ranges of big files, not the whole file', async () => {
    // Big files whose headers are small; (icc_profile_big.jpg and the CMYK JPEG carry 0.5 MB of
    // ICC profile before their frame header, and those bytes are read.)
    const big = ['valid/jpeg/metadata/xmp_test.jpg', 'edge/bomb/giant-image.jpg', 'edge/bomb/65536-uint32-limit.png', 'valid/tiff/cielab-dagams.tiff', 'valid/tiff/tiff_tiled_raw.tif', 'valid/png/blackbug.png'];
    for (const row of rows.filter((r) => big.includes(r.path))) {
      const { src, stats } = countingSource(bytesOf(row));
      await probeImage(src);
      expect(stats.bytes, row.path).toBeLessThanOrEqual(80 * 1024);
      expect(stats.reads, row.path).toBeLessThanOrEqual(3);
    }
  });
});

describe.skipIf(fixturesMissing)(title('image manifest: decode path (probe, then decode every pixel)'), () => {
  it.each(rows)('$path ($expectedDecodable)', async (row) => {
    const bytes = bytesOf(row);
    const started = Date.now();
    const probed = await probeImage(bufferSource(bytes));
    const result = probed.ok ? await decodeImage(bytes, probed.format) : probed;
    if (row.expectedDecodable === 'yes') {
      expect(probed).toMatchObject({ ok: true, format: row.format });
      expect(result).toEqual({ ok: true, width: row.width, height: row.height });
    } else if (row.expectedDecodable === 'no') {
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.reason.length).toBeGreaterThan(0);
    } else if (overPixelLimit(row)) {
      expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/pixels/) });
      expect(Date.now() - started).toBeLessThan(2000);
    }
  });

  it('refuses the gigapixel fixtures by limits even without the probe, fast', async () => {
    for (const row of rows.filter(overPixelLimit)) {
      const started = Date.now();
      const r = await decodeImage(bytesOf(row), row.format as 'png' | 'jpeg');
      expect(r).toMatchObject({ ok: false, reason: expect.stringMatching(/over the limit of [0-9,]+ pixels/) });
      expect(Date.now() - started).toBeLessThan(2000);
    }
  });
});
