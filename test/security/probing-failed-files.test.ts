// #16: a thumbnail failure alone never changes a file's status (the request is a 409 saying why, with no
// file bytes in it); a FAILED file whose fingerprint changed is probed again by the next Increment; a file
// gone for a moment or over the decode limit while a job reads it fails in that job only (recorded as
// FAILED at its fingerprint it would stick: Increment probes again only what changed); and files an
// earlier Loupe failed under a stricter rule are judged again by the first Increment after the upgrade
// (sqlite migration 8).
import { mkdir, mkdtemp, rename, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoupe } from '../../cli/serve.js';
import { BatchMessage, FanoutMessage, type JobAction, type JobMode } from '../../lib/domain/job.js';
import { fileMetaId } from '../../lib/domain/ids.js';
import { LoupeClient, type CreateDatasetJobRequest, type FileMeta } from '../../lib/sdk/index.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { buildContainer, type Container } from '../../lib/runtime/container.js';
import { jsonLogger } from '../../lib/runtime/logger.js';
import { drainQueue } from '../support/drain-queue.js';
import { tinyPng } from '../support/generate-images.js';
import { startChatServer, type LoopbackChat } from '../support/loopback-dashscope-chat.js';
import { startLocalLoupe, type LocalLoupe } from '../support/local-loupe.js';

const MTIME = new Date('2025-03-01T12:00:00Z');

async function put(file: string, bytes: Buffer | string, mtime = MTIME): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, bytes);
  await utimes(file, mtime, mtime);
}

async function build(client: LoupeClient, datasetId: string, o: Omit<CreateDatasetJobRequest, 'DatasetVersion' | 'JobAction'> = {}) {
  const { DatasetJobId } = await client.createDatasetJob(datasetId, { DatasetVersion: 'v1', JobAction: 'FileMetaBuild', ...o });
  return client.waitForJob(datasetId, DatasetJobId, { intervalMs: 20 });
}

async function metaOf(client: LoupeClient, datasetId: string, fileName: string): Promise<FileMeta> {
  for await (const m of client.iterateFileMetas(datasetId, { Status: 'PENDING,ACTIVE,FAILED,SKIPPED' })) if (m.FileName === fileName) return m;
  throw new Error(`${fileName}: no file meta`);
}

describe('#16 failed files and thumbnails', () => {
  let loupe: LocalLoupe;
  let client: LoupeClient;

  beforeAll(async () => {
    loupe = await startLocalLoupe('loupe-sec-failed-');
    client = new LoupeClient({ url: loupe.url, apiKey: loupe.apiKey });
  });
  afterAll(async () => {
    await loupe?.stop();
  });

  it('#16 a thumbnail that fails leaves the file ACTIVE: a 409 that says why, quoting no bytes', async () => {
    const dir = path.join(loupe.root, 'thumbs');
    const good = tinyPng(7, 40, 30);
    await put(path.join(dir, 'a.png'), good);
    const { DatasetId } = await client.createDataset({ Name: 'thumbs', Uri: pathToFileURL(dir).href });
    expect(await build(client, DatasetId)).toMatchObject({ Status: 'Succeeded' });
    const meta = await metaOf(client, DatasetId, 'a.png');
    expect(meta.Status).toBe('ACTIVE');

    // Caught mid-replacement: other bytes of the same size and mtime (the fingerprint cannot tell).
    const garbage = Buffer.alloc(good.length, 'secret-line-do-not-quote ');
    good.copy(garbage, 0, 0, 33); // signature and IHDR intact: the header says PNG, the data is text
    await put(path.join(dir, 'a.png'), garbage);
    const thumb = await fetch(meta.ThumbnailUrl!);
    expect(thumb.status).toBe(409);
    const body = (await thumb.json()) as { Code: string; Message: string };
    expect(body).toMatchObject({ Code: 'Conflict', Message: expect.stringMatching(/cannot be rendered/) });
    expect(body.Message).not.toContain('secret');
    expect(await metaOf(client, DatasetId, 'a.png')).toMatchObject({ Status: 'ACTIVE', FailReason: null });

    // The file back as it was: the same thumbnail URL works, and nothing needed repairing.
    await put(path.join(dir, 'a.png'), good);
    const again = await fetch(meta.ThumbnailUrl!);
    expect(again.status).toBe(200);
    expect((await sharp(Buffer.from(await again.arrayBuffer())).metadata()).width).toBe(40);
    expect(await build(client, DatasetId, { JobMode: 'Increment' })).toMatchObject({ Status: 'Succeeded', TotalFileCount: 0 });
  });

  it('#16 an image that FAILED, then fixed (new fingerprint), is ACTIVE after an Increment', async () => {
    const dir = path.join(loupe.root, 'fixed');
    await put(path.join(dir, 'ok.png'), tinyPng(1));
    await put(path.join(dir, 'late.png'), '\x89PNG\r\n\x1a\nstill uploading');
    const { DatasetId } = await client.createDataset({ Name: 'fixed', Uri: pathToFileURL(dir).href });
    expect(await build(client, DatasetId)).toMatchObject({ Status: 'PartialFailed', FailedFileCount: 1 });
    expect(await metaOf(client, DatasetId, 'late.png')).toMatchObject({ Status: 'FAILED', FailReason: expect.any(String) });

    await put(path.join(dir, 'late.png'), tinyPng(2, 24, 20), new Date(MTIME.getTime() + 60_000));
    expect(await build(client, DatasetId, { JobMode: 'Increment' })).toMatchObject({ Status: 'Succeeded', TotalFileCount: 1, CompletedFileCount: 1 });
    expect(await metaOf(client, DatasetId, 'late.png')).toMatchObject({ Status: 'ACTIVE', FailReason: null, MetaAttributes: { ImageWidth: 24, ImageHeight: 20 } });
  });
});

describe('#16 a failure that says nothing about the bytes fails the file in that job only', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  let chat: LoopbackChat;
  beforeAll(async () => {
    chat = await startChatServer();
  });
  afterAll(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
    await chat?.close();
  });

  /** A container (no server): the test runs each queue's messages by hand, so it can act between steps. */
  async function services(env: Record<string, string> = {}) {
    const root = await mkdtemp(path.join(os.tmpdir(), 'loupe-sec-job-only-'));
    cleanup.push(() => rm(root, { recursive: true, force: true }));
    const files = path.join(root, 'files');
    await put(path.join(files, 'a.png'), tinyPng(1));
    await put(path.join(files, 'b.png'), tinyPng(2, 300, 200));
    const config = loadConfig({ LOUPE_DATA_DIR: path.join(root, 'data'), LOUPE_FILE_ROOTS: root, LOUPE_API_KEYS: 'k-job-only-0123456789', ...env });
    const c = buildContainer(config, { log: jsonLogger('silent') });
    cleanup.push(() => c.close());
    const datasetId = (await c.services.datasets.create({ name: 'job-only', uri: pathToFileURL(files).href })).datasetId;
    const connection = await c.services.connections.create({ connectionName: 'vlm', connectionType: 'OpenLLMConnection', configs: { BaseUrl: chat.url } });
    const definition = await c.services.tagDefinitions.create({ name: 'd', guidePrompt: 'Label the image.', tags: [{ name: 'thing', description: 'something is visible' }] });
    const tagSpec = { connectionId: connection.connectionId, tagDefinitionId: definition.tagDefinitionId, modelName: 'm', concurrency: 1 };
    const metaOfFile = async (name: string) => (await c.store.getFileMeta(fileMetaId(datasetId, 'v1', pathToFileURL(path.join(files, name)).href)))!;

    /** Runs a job to its end; `beforeConsume` runs between the listing and the consumer. */
    async function runJob(jobAction: JobAction, o: { jobMode?: JobMode; jobSpec?: Record<string, unknown>; beforeConsume?: () => Promise<void> } = {}) {
      const job = await c.services.jobs.create({ datasetId, versionName: 'v1', jobAction, jobMode: o.jobMode ?? 'Full', jobSpec: o.jobSpec ?? (jobAction === 'IntelligentTag' ? tagSpec : {}) });
      for (const m of await drainQueue(c.queue, c.queues.fanout)) await c.services.fanout.run(FanoutMessage.parse(JSON.parse(m)));
      await o.beforeConsume?.();
      const consumer = jobAction === 'IntelligentTag' ? c.services.tagging : c.services.probing;
      const queue = jobAction === 'IntelligentTag' ? c.queues.tagger : c.queues.prober;
      for (const m of await drainQueue(c.queue, queue)) await consumer.processBatch(BatchMessage.parse(JSON.parse(m)));
      return { job: (await c.store.getJob(job.datasetJobId))!, failed: await c.store.listFailedJobItems(job.datasetJobId, 10) };
    }
    return { c, files, runJob, metaOfFile };
  }

  it('#16 a file missing while a tagging job reads it, then put back unchanged, stays ACTIVE and the next Increment tags it', async () => {
    const { files, runJob, metaOfFile } = await services();
    expect((await runJob('FileMetaBuild')).job).toMatchObject({ status: 'Succeeded', completedFileCount: 2 });
    const away = path.join(files, '..', 'b.png.away');

    // b.png is moved away after the listing, while the tagger reads: rename keeps size and mtime.
    const tagged = await runJob('IntelligentTag', { beforeConsume: () => rename(path.join(files, 'b.png'), away) });
    expect(tagged.job).toMatchObject({ status: 'PartialFailed', completedFileCount: 1, failedFileCount: 1 });
    expect(tagged.failed.map((f) => f.reason)).toEqual(['file not found in storage (deleted after listing)']);
    await rename(away, path.join(files, 'b.png'));

    // Back with the same fingerprint: the job's failure did not become the file's.
    const b = await metaOfFile('b.png');
    expect(b).toMatchObject({ status: 'ACTIVE', failReason: null, fileType: 'image', fileFormat: 'png' });
    expect((await runJob('FileMetaBuild', { jobMode: 'Increment' })).job).toMatchObject({ status: 'Succeeded', totalFileCount: 0 });
    chat.resetStats();
    expect((await runJob('IntelligentTag', { jobMode: 'Increment' })).job).toMatchObject({ status: 'Succeeded', totalFileCount: 1, completedFileCount: 1 });
    expect(chat.stats.requests).toBe(1);
    expect(await metaOfFile('b.png')).toMatchObject({ status: 'ACTIVE', tagFingerPrint: b.fileFingerPrint });
  });

  it('#16 a file missing while FileMetaBuild probes it is not FAILED: put back unchanged, the next Increment probes it', async () => {
    const { files, runJob, metaOfFile } = await services();
    const away = path.join(files, '..', 'b.png.away');
    const built = await runJob('FileMetaBuild', { beforeConsume: () => rename(path.join(files, 'b.png'), away) });
    expect(built.job).toMatchObject({ status: 'PartialFailed', completedFileCount: 1, failedFileCount: 1 });
    expect(built.failed.map((f) => f.reason)).toEqual(['file not found in storage (deleted after listing)']);
    await rename(away, path.join(files, 'b.png'));
    expect((await metaOfFile('b.png')).status).not.toBe('FAILED');

    expect((await runJob('FileMetaBuild', { jobMode: 'Increment' })).job).toMatchObject({ status: 'Succeeded', totalFileCount: 1, completedFileCount: 1 });
    expect(await metaOfFile('b.png')).toMatchObject({ status: 'ACTIVE', failReason: null, metaAttributes: { ImageWidth: 300, ImageHeight: 200 } });
  });

  it('#16 a file over the decode limit fails the job that needs its pixels, not the file: it stays an ACTIVE image', async () => {
    const big = tinyPng(2, 300, 200).length;
    const { runJob, metaOfFile } = await services({ LOUPE_MAX_DECODE_BYTES: String(big - 1) });
    expect((await runJob('FileMetaBuild')).job).toMatchObject({ status: 'Succeeded', completedFileCount: 2 });

    const tagged = await runJob('IntelligentTag');
    expect(tagged.job).toMatchObject({ status: 'PartialFailed', completedFileCount: 1, failedFileCount: 1 });
    expect(tagged.failed.map((f) => f.reason)).toEqual([`file too large to decode: ${big} bytes > limit ${big - 1}`]);
    expect(await metaOfFile('b.png')).toMatchObject({ status: 'ACTIVE', failReason: null });

    // verify=decode: the header's facts stand at header depth (a later decode Increment tries again).
    const decoded = await runJob('FileMetaBuild', { jobSpec: { verify: 'decode' } });
    expect(decoded.job).toMatchObject({ status: 'PartialFailed', completedFileCount: 1, failedFileCount: 1 });
    expect(await metaOfFile('b.png')).toMatchObject({ status: 'ACTIVE', failReason: null, probeDepth: 'header', metaAttributes: { ImageWidth: 300 } });
    expect(await metaOfFile('a.png')).toMatchObject({ status: 'ACTIVE', probeDepth: 'decode' });
  });
});

describe('#16 files an earlier version failed', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'loupe-sec-upgrade-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const start = async () => {
    const config = loadConfig({ LOUPE_DATA_DIR: path.join(root, 'data'), LOUPE_FILE_ROOTS: root, LOUPE_API_KEYS: 'k-upgrade-0123456789', LOUPE_PORT: '0', LOUPE_WORKER_THREADS: '0' });
    const loupe = await startLoupe(config, { log: jsonLogger('silent') });
    return { loupe, client: new LoupeClient({ url: loupe.url, apiKey: 'k-upgrade-0123456789' }) };
  };

  it('#16 the first Increment after the upgrade probes again the files an older rule failed (and only those)', async () => {
    const dir = path.join(root, 'files');
    await put(path.join(dir, 'a.png'), tinyPng(1));
    await put(path.join(dir, 'b.png'), tinyPng(2));
    let { loupe, client } = await start();
    const { DatasetId } = await client.createDataset({ Name: 'old', Uri: pathToFileURL(dir).href });
    expect(await build(client, DatasetId)).toMatchObject({ Status: 'Succeeded', CompletedFileCount: 2 });
    await loupe.stop();

    // What a Loupe before migration 8 left: b.png FAILED by a rule since loosened (probed at its
    // current fingerprint, so an Increment would never look at it again), and no `skipped` column.
    const db = new Database(path.join(root, 'data', 'meta.db'));
    db.prepare(`UPDATE file_metas SET status = 'FAILED', fail_reason = 'decode failed: Warning treated as error due to failOn setting' WHERE file_name = 'b.png'`).run();
    db.exec('ALTER TABLE jobs DROP COLUMN skipped');
    db.prepare('DELETE FROM schema_migrations WHERE version = 8').run();
    db.close();

    ({ loupe, client } = await start());
    try {
      expect(await build(client, DatasetId, { JobMode: 'Increment' })).toMatchObject({ Status: 'Succeeded', TotalFileCount: 1, CompletedFileCount: 1, SkippedFileCount: 0 });
      expect(await metaOf(client, DatasetId, 'b.png')).toMatchObject({ Status: 'ACTIVE', FailReason: null });
      expect(await build(client, DatasetId, { JobMode: 'Increment' })).toMatchObject({ Status: 'Succeeded', TotalFileCount: 0 });
    } finally {
      await loupe.stop();
    }
  });
});
