// #12: a decoder warning never fails an image that decodes (a GeoTIFF whose ASCII tag lacks its NUL:
// libtiff warns and fixes it, every viewer opens it); truncated and corrupt data still fails, both when
// FileMetaBuild decodes (verify=decode) and when a thumbnail is rendered.
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../lib/media/decode.js';
import { sniffFormat } from '../../lib/media/sniff.js';
import { parseThumbnailMode, renderThumbnail } from '../../lib/media/thumbnail.js';
import { LoupeClient } from '../../lib/sdk/index.js';
import { FIXTURES_SKIP_MESSAGE, fixturesDir, fixturesMissing, readImageManifest } from '../support/fixtures.js';
import { startLocalLoupe, type LocalLoupe } from '../support/local-loupe.js';

/**
 * A little-endian TIFF, 8-bit grey, one strip, carrying GeoTIFF's GeoAsciiParamsTag (34737) whose
 * ASCII value does not end in a NUL byte, as some GIS writers leave it.
 */
function geoTiffWithUnterminatedAscii(width = 24, height = 16, ascii = 'WGS 84|'): Buffer {
  const pixels = Buffer.alloc(width * height);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7) & 255;
  const text = Buffer.from(ascii, 'latin1'); // no trailing NUL
  const entries: Array<[tag: number, type: number, count: number, value: number]> = [];
  const count = 10;
  const textAt = 8 + 2 + count * 12 + 4;
  const pixelsAt = textAt + text.length + (text.length & 1);
  entries.push([256, 3, 1, width], [257, 3, 1, height], [258, 3, 1, 8], [259, 3, 1, 1], [262, 3, 1, 1]);
  entries.push([273, 4, 1, pixelsAt], [277, 3, 1, 1], [278, 3, 1, height], [279, 4, 1, pixels.length], [34737, 2, text.length, textAt]);
  const b = Buffer.alloc(pixelsAt + pixels.length);
  b.write('II', 0, 'latin1');
  b.writeUInt16LE(42, 2);
  b.writeUInt32LE(8, 4);
  b.writeUInt16LE(count, 8);
  entries.forEach(([tag, type, n, value], i) => {
    const at = 10 + i * 12;
    b.writeUInt16LE(tag, at);
    b.writeUInt16LE(type, at + 2);
    b.writeUInt32LE(n, at + 4);
    if (type === 3) b.writeUInt16LE(value, at + 8);
    else b.writeUInt32LE(value, at + 8);
  });
  text.copy(b, textAt);
  pixels.copy(b, pixelsAt);
  return b;
}

const MODE = parseThumbnailMode('m_lfit,w_64,h_64');

/** A JPEG whose entropy-coded data is most of the file (seeded noise), and its first 60%: headers whole, pixels cut. */
async function truncatedJpeg(): Promise<{ whole: Buffer; cut: Buffer }> {
  const [width, height] = [320, 240];
  const raw = Buffer.alloc(width * height * 3);
  let x = 12345;
  for (let i = 0; i < raw.length; i++) raw[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  const whole = await sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
  return { whole, cut: whole.subarray(0, Math.floor(whole.length * 0.6)) };
}

describe('#12 decoder warnings', () => {
  it('#12 the generated GeoTIFF really makes libtiff warn, and sharp\'s default (failOn: warning) refuses it', async () => {
    const tiff = geoTiffWithUnterminatedAscii();
    const warnings: string[] = [];
    const lenient = sharp(tiff, { failOn: 'none' });
    lenient.on('warning', (w: string) => warnings.push(w));
    await lenient.raw().toBuffer();
    expect(warnings.join('\n')).toMatch(/ASCII value for ASCII array tag .* does not end in null byte/);
    await expect(sharp(tiff, { failOn: 'warning' }).raw().toBuffer()).rejects.toThrow(/does not end in null byte/);
  });

  it('#12 a GeoTIFF whose ASCII tag lacks its NUL decodes and renders a thumbnail', async () => {
    const tiff = geoTiffWithUnterminatedAscii();
    expect(await decodeImage(tiff, 'tiff')).toEqual({ ok: true, width: 24, height: 16 });
    const thumb = await renderThumbnail(tiff, 'tiff', MODE);
    expect((await sharp(thumb.data).metadata()).width).toBe(24);
  });

  it('#12 a truncated JPEG still fails to decode and to render', async () => {
    const { whole, cut } = await truncatedJpeg();
    expect(await decodeImage(whole, 'jpeg')).toMatchObject({ ok: true });
    // (libvips usually says "premature end of JPEG image"; under concurrent decodes its message can be lost)
    expect(await decodeImage(cut, 'jpeg')).toMatchObject({ ok: false, reason: expect.any(String) });
    await expect(renderThumbnail(cut, 'jpeg', MODE)).rejects.toThrow();
  });
});

describe.skipIf(fixturesMissing)(`#12 every broken fixture still fails (${fixturesMissing ? FIXTURES_SKIP_MESSAGE : 'fixtures found'})`, () => {
  const rows = fixturesMissing ? [] : readImageManifest();
  // "no": unreadable; "partial": truncated data a lenient decoder would pad with grey.
  const broken = rows.filter((r) => r.expectedDecodable === 'no' || r.expectedDecodable === 'partial');

  it('#12 the manifest has truncated and corrupt rows to check', () => {
    expect(broken.length).toBeGreaterThanOrEqual(15);
    expect(broken.some((r) => r.path.startsWith('broken/truncated/'))).toBe(true);
  });

  it.each(broken)('#12 $path ($expectedDecodable) fails to decode and to render, straight to the decoder', async (row) => {
    const bytes = await readFile(path.join(fixturesDir!, 'images', row.path));
    const format = sniffFormat(bytes) ?? (row.format as 'jpeg');
    const decoded = await decodeImage(bytes, format);
    expect(decoded.ok, row.path).toBe(false);
    await expect(renderThumbnail(bytes, format, MODE), row.path).rejects.toThrow();
  });

  it.each(rows.filter((r) => r.expectedDecodable === 'yes'))('#12 $path (yes) still decodes and renders', async (row) => {
    const bytes = await readFile(path.join(fixturesDir!, 'images', row.path));
    const format = sniffFormat(bytes)!;
    expect(await decodeImage(bytes, format)).toEqual({ ok: true, width: row.width, height: row.height });
    expect((await renderThumbnail(bytes, format, MODE)).data.length).toBeGreaterThan(0);
  });
});

describe('#12 FileMetaBuild with verify=decode, end to end', () => {
  let loupe: LocalLoupe;
  let client: LoupeClient;

  beforeAll(async () => {
    loupe = await startLocalLoupe('loupe-sec-geotiff-');
    client = new LoupeClient({ url: loupe.url, apiKey: loupe.apiKey });
  });
  afterAll(async () => {
    await loupe?.stop();
  });

  it('#12 the GeoTIFF is ACTIVE with verify=decode and gets a thumbnail; a truncated JPEG is FAILED', async () => {
    const files = path.join(loupe.root, 'gis');
    await mkdir(files);
    await writeFile(path.join(files, 'scene.tif'), geoTiffWithUnterminatedAscii());
    await writeFile(path.join(files, 'cut.jpg'), (await truncatedJpeg()).cut);
    if (!fixturesMissing) await copyFile(path.join(fixturesDir!, 'images', 'broken/truncated/truncated.jpg'), path.join(files, 'truncated.jpg'));

    const { DatasetId } = await client.createDataset({ Name: 'gis', Uri: pathToFileURL(files).href });
    const { DatasetJobId } = await client.createDatasetJob(DatasetId, { DatasetVersion: 'v1', JobAction: 'FileMetaBuild', JobSpec: { verify: 'decode' } });
    const job = await client.waitForJob(DatasetId, DatasetJobId, { intervalMs: 20 });
    const metas = new Map<string, any>();
    for await (const m of client.iterateFileMetas(DatasetId, { Status: 'ACTIVE,FAILED' })) metas.set(m.FileName, m);

    expect(metas.get('scene.tif')).toMatchObject({ Status: 'ACTIVE', FileType: 'image', FileFormat: 'tiff', FailReason: null, MetaAttributes: { ImageWidth: 24, ImageHeight: 16 } });
    expect(metas.get('cut.jpg')).toMatchObject({ Status: 'FAILED', FailReason: expect.stringMatching(/^decode failed: /) });
    if (!fixturesMissing) expect(metas.get('truncated.jpg')).toMatchObject({ Status: 'FAILED' });
    expect(job).toMatchObject({ Status: 'PartialFailed', CompletedFileCount: 1 });

    const thumb = await fetch(metas.get('scene.tif').ThumbnailUrl);
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/jpeg');
    expect((await sharp(Buffer.from(await thumb.arrayBuffer())).metadata()).format).toBe('jpeg');
  });
});
