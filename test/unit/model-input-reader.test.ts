// ModelInputReader: each file is read once (probe and model input from the same bytes), small upright
// JPEG/PNG/WebP go to the model byte for byte, everything else is downscaled, and what it finds
// (probe results, unusable files) is recorded on flush.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileMetaId } from '../../lib/domain/ids.js';
import { modelInputAsIs } from '../../lib/media/model-input.js';
import type { ObjectStore } from '../../lib/ports/object-store.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { buildContainer, type Container } from '../../lib/runtime/container.js';
import { jsonLogger } from '../../lib/runtime/logger.js';
import { nowIso } from '../../lib/services/deps.js';
import { ModelInputReader } from '../../lib/services/model-input.js';

const solid = (w: number, h: number) => sharp({ create: { width: w, height: h, channels: 3, background: '#3080c0' } });

describe('modelInputAsIs', () => {
  const bytes = Buffer.alloc(1000);
  it('passes small upright single-frame JPEG, PNG and WebP through', () => {
    for (const f of ['jpeg', 'png', 'webp'] as const) expect(modelInputAsIs(bytes, f, { width: 640, height: 480 })).toEqual({ data: bytes, mime: `image/${f}` });
    expect(modelInputAsIs(bytes, 'jpeg', { width: 1024, height: 1024, orientation: 1, frames: 1 })?.data).toBe(bytes);
  });
  it('re-encodes what a model should not get as it is', () => {
    expect(modelInputAsIs(bytes, 'jpeg', { width: 1025, height: 10 })).toBeUndefined();
    expect(modelInputAsIs(bytes, 'jpeg', { width: 100, height: 100 }, 64)).toBeUndefined();
    expect(modelInputAsIs(bytes, 'jpeg', { width: 100, height: 100, orientation: 6 })).toBeUndefined();
    expect(modelInputAsIs(bytes, 'png', { width: 100, height: 100, frames: 3 })).toBeUndefined();
    for (const f of ['gif', 'bmp', 'tiff'] as const) expect(modelInputAsIs(bytes, f, { width: 10, height: 10 })).toBeUndefined();
    expect(modelInputAsIs(Buffer.alloc(1024 * 1024 + 1), 'jpeg', { width: 100, height: 100 })).toBeUndefined();
  });
});

describe('ModelInputReader', () => {
  let root: string;
  let c: Container;
  let datasetId: string;
  const files: Record<string, Buffer> = {};

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'loupe-mir-'));
    await mkdir(path.join(root, 'files'));
    files['small.jpg'] = await solid(320, 200).jpeg().toBuffer();
    files['big.png'] = await solid(2000, 1000).png().toBuffer();
    files['icon.gif'] = await solid(16, 16).gif().toBuffer();
    files['cut.png'] = files['big.png'].subarray(0, 200);
    files['empty.jpg'] = Buffer.alloc(0);
    for (const [name, data] of Object.entries(files)) await writeFile(path.join(root, 'files', name), data);
    c = buildContainer(loadConfig({ LOUPE_DATA_DIR: path.join(root, 'data'), LOUPE_FILE_ROOTS: root, LOUPE_API_KEYS: 'k' }), { log: jsonLogger('silent') });
    datasetId = (await c.services.datasets.create({ name: 'm', uri: pathToFileURL(path.join(root, 'files')).href })).datasetId;
  });
  afterEach(async () => {
    await c.close();
    await rm(root, { recursive: true, force: true });
  });

  /** Registers the folder's files as a listing would (unprobed), and returns their batch items. */
  async function listed() {
    const objects = c.objects.forUri(pathToFileURL(root).href);
    const page = await objects.list(pathToFileURL(path.join(root, 'files')).href + '/');
    const now = nowIso({ clock: { now: () => new Date() } });
    await c.store.upsertListedFiles(
      page.objects.map((o) => ({
        datasetFileMetaId: fileMetaId(datasetId, 'v1', o.uri),
        datasetId,
        versionName: 'v1',
        uri: o.uri,
        fileName: path.basename(o.uri),
        fileDir: '',
        dataSize: o.size,
        fileFingerPrint: o.etag,
        fileCreateTime: null,
        fileUpdateTime: o.lastModified.toISOString(),
        fileType: 'image',
        fileFormat: path.extname(o.uri).slice(1),
        reset: true,
      })),
      'job-test',
      now,
    );
    return Object.fromEntries(page.objects.map((o) => [path.basename(o.uri), { metaId: fileMetaId(datasetId, 'v1', o.uri), uri: o.uri, fingerprint: o.etag }]));
  }

  /** Counts the object store calls the reader makes. */
  function countCalls(): Record<string, number> {
    const calls: Record<string, number> = {};
    const real = c.objects.forUri.bind(c.objects);
    (c.objects as { forUri: (uri: string) => ObjectStore }).forUri = (uri) =>
      new Proxy(real(uri), {
        get(target, prop, recv) {
          const v = Reflect.get(target, prop, recv);
          return typeof v === 'function' ? (...a: unknown[]) => ((calls[String(prop)] = (calls[String(prop)] ?? 0) + 1), v.apply(target, a)) : v;
        },
      });
    return calls;
  }

  it('reads each file once, sends small images as they are, downscales the rest, and records probes and failures', async () => {
    const items = await listed();
    const calls = countCalls();
    const deps = { store: c.store, objects: c.objects, queue: c.queue, queues: c.queues, clock: { now: () => new Date() }, log: c.log, media: { maxPixels: 1e8, maxBytes: 1e8, timeoutMs: 30_000 } };
    const reader = await ModelInputReader.open(deps, Object.values(items), 1024);
    const got = Object.fromEntries(await Promise.all(Object.entries(items).map(async ([name, item]) => [name, await reader.read(item)] as const)));
    expect(calls).toEqual({ get: 5 });

    expect(got['small.jpg']).toEqual({ ok: true, data: files['small.jpg'], mime: 'image/jpeg' });
    const big = got['big.png']!;
    if (!big.ok) throw new Error(big.reason);
    expect(big.mime).toBe('image/jpeg');
    expect(await sharp(big.data).metadata()).toMatchObject({ width: 1024, height: 512 });
    const gif = got['icon.gif']!;
    expect(gif.ok && ['image/jpeg', 'image/png'].includes(gif.mime)).toBe(true); // re-encoded, never sent as GIF
    expect(got['cut.png']).toMatchObject({ ok: false });
    expect(got['empty.jpg']).toEqual({ ok: false, reason: 'empty file (0 bytes)' });

    await reader.flush();
    const metas = new Map((await c.store.getFileMetas(Object.values(items).map((i) => i.metaId))).map((m) => [m.fileName, m]));
    expect(metas.get('small.jpg')).toMatchObject({ status: 'ACTIVE', fileType: 'image', fileFormat: 'jpeg', metaAttributes: { ImageWidth: 320, ImageHeight: 200 } });
    expect(metas.get('big.png')).toMatchObject({ status: 'ACTIVE', fileType: 'image', fileFormat: 'png', metaAttributes: { ImageWidth: 2000, ImageHeight: 1000 } });
    expect(metas.get('cut.png')).toMatchObject({ status: 'FAILED', fileType: 'image', fileFormat: 'png' });
    expect(metas.get('cut.png')!.failReason).toBeTruthy();
    expect(metas.get('empty.jpg')).toMatchObject({ status: 'FAILED', failReason: 'empty file (0 bytes)' });

    // Probed now: a second reader takes the recorded facts, reads once more, and refuses the failed files without reading them.
    const again = await ModelInputReader.open(deps, Object.values(items), 1024);
    const calls2 = countCalls();
    expect(await again.read(items['small.jpg']!)).toEqual({ ok: true, data: files['small.jpg'], mime: 'image/jpeg' });
    expect(await again.read(items['cut.png']!)).toMatchObject({ ok: false, reason: metas.get('cut.png')!.failReason });
    expect(calls2).toEqual({ get: 1 });
  });

  it('says a file changed when its fingerprint is not the listed one, and records nothing', async () => {
    const items = await listed();
    const deps = { store: c.store, objects: c.objects, queue: c.queue, queues: c.queues, clock: { now: () => new Date() }, log: c.log, media: { maxPixels: 1e8, maxBytes: 1e8, timeoutMs: 30_000 } };
    const reader = await ModelInputReader.open(deps, [items['small.jpg']!], 1024);
    expect(await reader.read({ ...items['small.jpg']!, fingerprint: 'W/"old"' })).toEqual({ ok: false, reason: 'file changed while the job ran; run an Increment job' });
    await reader.flush();
    expect((await c.store.getFileMeta(items['small.jpg']!.metaId))!.status).toBe('PENDING');
  });

  it('fails a file over the byte limit without reading it', async () => {
    const items = await listed();
    const deps = { store: c.store, objects: c.objects, queue: c.queue, queues: c.queues, clock: { now: () => new Date() }, log: c.log, media: { maxPixels: 1e8, maxBytes: 100, timeoutMs: 30_000 } };
    const reader = await ModelInputReader.open(deps, [items['small.jpg']!], 1024);
    const r = await reader.read(items['small.jpg']!);
    expect(r).toMatchObject({ ok: false });
    expect(!r.ok && r.reason).toMatch(/^file too large to decode: \d+ bytes > limit 100$/);
  });
});
