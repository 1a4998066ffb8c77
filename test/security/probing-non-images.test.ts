// #13: files that are images neither by name nor by content (a COCO folder's dataset.jsonl, MANIFEST.tsv,
// export.json) are skipped: counted in SkippedFileCount, never failed, kept out of listings by default,
// never sent to a model, not retried by Increment until they change. A `.jpg` holding text still fails;
// an image without an image extension is an image. FileType of unrecognised bytes is null.
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../cli/context.js';
import { main } from '../../cli/main.js';
import { hasImageExtension } from '../../lib/domain/file-meta.js';
import { LoupeClient, type CreateDatasetJobRequest, type DatasetJob, type FileMeta } from '../../lib/sdk/index.js';
import { tinyPng } from '../support/generate-images.js';
import { startChatServer, type LoopbackChat } from '../support/loopback-dashscope-chat.js';
import { startGmeServer, type LoopbackGme } from '../support/loopback-gme.js';
import { startLocalLoupe, type LocalLoupe } from '../support/local-loupe.js';

const MTIME = new Date('2025-03-01T12:00:00Z');
const NON_IMAGES: Record<string, string> = {
  'dataset.jsonl': '{"image_id": "img_1", "tags": ["car"]}\n{"image_id": "img_2", "tags": ["road"]}\n',
  'MANIFEST.tsv': 'path\tformat\nimg_1.png\tpng\n',
  'export.json': '{"Format": "gme", "Files": 2}\n',
};
const SECRET_TEXT = 'secret-line-do-not-quote';

describe('#13 non-image files next to the images', () => {
  let loupe: LocalLoupe;
  let client: LoupeClient;
  let chat: LoopbackChat;
  let gme: LoopbackGme;
  const embeddedImages: Buffer[] = [];

  /** A folder like a COCO export: two PNGs, a PNG without extension, and the three non-images. */
  async function cocoLikeFolder(name: string, extra: Record<string, Buffer | string> = {}): Promise<string> {
    const dir = path.join(loupe.root, name);
    await mkdir(dir, { recursive: true });
    const files: Record<string, Buffer | string> = { 'img_1.png': tinyPng(1), 'img_2.png': tinyPng(2, 20, 10), photo: tinyPng(3, 18, 14), ...NON_IMAGES, ...extra };
    for (const [file, bytes] of Object.entries(files)) {
      await writeFile(path.join(dir, file), bytes);
      await utimes(path.join(dir, file), MTIME, MTIME);
    }
    return (await client.createDataset({ Name: name, Uri: pathToFileURL(dir).href })).DatasetId;
  }

  async function loupeRun(argv: string[]) {
    let out = '';
    const io: CliIo = {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: () => undefined },
      env: { LOUPE_URL: loupe.url, LOUPE_API_KEY: loupe.apiKey },
      cwd: loupe.root,
      now: Date.now,
      isTTY: false,
    };
    return { code: await main(argv, io), out };
  }

  async function run(datasetId: string, body: Omit<CreateDatasetJobRequest, 'DatasetVersion'>): Promise<DatasetJob> {
    const { DatasetJobId } = await client.createDatasetJob(datasetId, { DatasetVersion: 'v1', ...body });
    await client.waitForJob(datasetId, DatasetJobId, { intervalMs: 20 });
    return client.getDatasetJob(datasetId, DatasetJobId, { MaxFailedFiles: 100, MaxLogs: 100 });
  }

  async function metasOf(datasetId: string, Status?: string): Promise<Map<string, FileMeta>> {
    const out = new Map<string, FileMeta>();
    for await (const m of client.iterateFileMetas(datasetId, Status ? { Status } : {})) out.set(m.FileName, m);
    return out;
  }

  beforeAll(async () => {
    loupe = await startLocalLoupe('loupe-sec-nonimages-');
    client = new LoupeClient({ url: loupe.url, apiKey: loupe.apiKey });
    chat = await startChatServer();
    gme = await startGmeServer({
      embed: (input) => {
        if (input.type === 'image') embeddedImages.push(input.data);
        const seed = input.type === 'image' ? input.data.length : input.text.length;
        return Array.from({ length: 8 }, (_, i) => Math.sin(seed + i) + 1.5);
      },
    });
  });
  afterAll(async () => {
    await loupe?.stop();
    await chat?.close();
    await gme?.close();
  });

  it('#13 an image by name is one of jpg/jpeg/png/gif/bmp/tif/tiff/webp, in any case, after the last slash', () => {
    for (const yes of ['a.jpg', 'b.JPEG', 'file:///x/y/c.Tif', 'oss://bucket/d.webp', 'e.tiff', 'f.bmp', 'g.gif', 'h.png']) expect(hasImageExtension(yes), yes).toBe(true);
    for (const no of ['dataset.jsonl', 'MANIFEST.tsv', 'export.json', '.DS_Store', 'photo', 'file:///x/y.jpg/notes', 'a.jpg.txt', '.jpg']) expect(hasImageExtension(no), no).toBe(false);
  });

  it('#13 a COCO-like folder builds Succeeded with SkippedFileCount 3, and `loupe jobs start --follow` exits 0', async () => {
    const ds = await cocoLikeFolder('coco');
    const followed = await loupeRun(['jobs', 'start', ds, '--action', 'FileMetaBuild', '--follow', '--interval', '20', '--every', '3600']);
    expect(followed.code).toBe(0);
    expect(followed.out).toMatch(/: Succeeded in \d:\d\d\n {2}6 files: 3 completed, 0 failed, 3 skipped \(not images\)\n$/);

    const [listed] = (await client.listDatasetJobs(ds)).DatasetJobs;
    const job = await client.getDatasetJob(ds, listed!.DatasetJobId, { MaxLogs: 100 });
    expect(job).toMatchObject({ Status: 'Succeeded', TotalFileCount: 6, CompletedFileCount: 3, FailedFileCount: 0, SkippedFileCount: 3 });
    const skippedCount: number = job.SkippedFileCount; // the SDK's type has the counter
    expect(skippedCount).toBe(3);
    expect(job.Logs!.map((l) => l.Message).join('\n')).toMatch(/skipped 3 files that are not images/);

    // Listings and version sizes show the images by default (an image is an image whatever its name)...
    const shown = await metasOf(ds);
    expect([...shown.keys()].sort()).toEqual(['img_1.png', 'img_2.png', 'photo']);
    expect(shown.get('photo')).toMatchObject({ Status: 'ACTIVE', FileType: 'png', ContentType: 'image/png', MetaAttributes: { ImageWidth: 18, ImageHeight: 14 } });
    expect((await client.getDatasetVersion(ds, 'v1')).DataCount).toBe(3);
    // ...and Status=SKIPPED lists the rest, with no FileType (never the extension).
    const skipped = await metasOf(ds, 'SKIPPED');
    expect([...skipped.keys()].sort()).toEqual(['MANIFEST.tsv', 'dataset.jsonl', 'export.json']);
    for (const m of skipped.values()) expect(m).toMatchObject({ Status: 'SKIPPED', FileType: null, ContentType: null, FailReason: expect.stringMatching(/^not an image/) });

    // Increment leaves the skipped files alone until one changes.
    expect(await run(ds, { JobAction: 'FileMetaBuild', JobMode: 'Increment' })).toMatchObject({ Status: 'Succeeded', TotalFileCount: 0 });
    await writeFile(path.join(loupe.root, 'coco', 'dataset.jsonl'), NON_IMAGES['dataset.jsonl'] + '{"image_id": "photo", "tags": []}\n');
    expect(await run(ds, { JobAction: 'FileMetaBuild', JobMode: 'Increment' })).toMatchObject({ Status: 'Succeeded', TotalFileCount: 1, SkippedFileCount: 1, FailedFileCount: 0 });
  });

  it('#13 a .jpg that is not an image still fails (FileType null, no bytes quoted): PartialFailed, and follow exits 1', async () => {
    const ds = await cocoLikeFolder('coco-fake', { 'fake.jpg': `${SECRET_TEXT}\n`.repeat(4) });
    const followed = await loupeRun(['jobs', 'start', ds, '--action', 'FileMetaBuild', '--follow', '--interval', '20', '--every', '3600']);
    expect(followed.code).toBe(1);
    expect(followed.out).toMatch(/: PartialFailed in \d:\d\d\n {2}7 files: 3 completed, 1 failed, 3 skipped \(not images\)\n/);
    expect(followed.out).toMatch(/fake\.jpg/);
    expect(followed.out).not.toContain('secret-line');

    const [listed] = (await client.listDatasetJobs(ds)).DatasetJobs;
    expect(listed).toMatchObject({ Status: 'PartialFailed', FailedFileCount: 1, SkippedFileCount: 3, CompletedFileCount: 3 });
    const fake = (await metasOf(ds, 'FAILED')).get('fake.jpg')!;
    expect(fake).toMatchObject({ Status: 'FAILED', FileType: null, ContentType: null, FailReason: expect.stringMatching(/not a supported image/) });
    expect(fake.FailReason).not.toContain('secret');
  });

  it('#13 tagging and embedding never send a non-image to a model; each counts it skipped (Succeeded)', async () => {
    const chatConn = await client.createConnection({ ConnectionName: 'chat', ConnectionType: 'OpenLLMConnection', Configs: { BaseUrl: chat.url } });
    const embConn = await client.createConnection({ ConnectionName: 'gme', ConnectionType: 'EasEmbeddingConnection', Configs: { Endpoint: gme.url } });
    const vecConn = await client.createConnection({ ConnectionName: 'vectors', ConnectionType: 'LocalVectorConnection' });
    const def = await client.createTagDefinition({ Name: 'street', GuidePrompt: 'Label street photos.', Tags: [{ Name: 'car', Description: 'a car is visible' }] });
    const tagSpec = { connectionId: chatConn.ConnectionId, modelName: 'qwen-vl-max', tagDefinitionId: def.TagDefinitionId };
    const indexed = async (ds: string) => {
      await client.putIndexConfig(ds, { EmbeddingConnectionId: embConn.ConnectionId, VectorConnectionId: vecConn.ConnectionId, IndexName: `i-${ds.slice(-6)}` });
    };

    // Tagging first, on files never probed: the consumer finds the non-images and skips them.
    const tagged = await cocoLikeFolder('tag-first');
    chat.resetStats();
    expect(await run(tagged, { JobAction: 'IntelligentTag', JobSpec: tagSpec })).toMatchObject({
      Status: 'Succeeded',
      TotalFileCount: 6,
      CompletedFileCount: 3,
      FailedFileCount: 0,
      SkippedFileCount: 3,
    });
    expect(chat.stats.requests).toBe(3);
    expect([...(await metasOf(tagged, 'SKIPPED')).keys()].sort()).toEqual(['MANIFEST.tsv', 'dataset.jsonl', 'export.json']);
    // Then embedding (Full): the fan-out already knows they are not images.
    await indexed(tagged);
    embeddedImages.length = 0;
    expect(await run(tagged, { JobAction: 'SemanticIndex' })).toMatchObject({ Status: 'Succeeded', TotalFileCount: 3, CompletedFileCount: 3, SkippedFileCount: 0 });
    expect(embeddedImages).toHaveLength(3);
    // A tagging Increment has nothing left to send.
    chat.resetStats();
    expect(await run(tagged, { JobAction: 'IntelligentTag', JobMode: 'Increment', JobSpec: tagSpec })).toMatchObject({ Status: 'Succeeded', TotalFileCount: 0 });
    expect(chat.stats.requests).toBe(0);

    // Embedding first, on files never probed.
    const embedded = await cocoLikeFolder('embed-first');
    await indexed(embedded);
    embeddedImages.length = 0;
    expect(await run(embedded, { JobAction: 'SemanticIndex' })).toMatchObject({ Status: 'Succeeded', TotalFileCount: 6, CompletedFileCount: 3, FailedFileCount: 0, SkippedFileCount: 3 });
    expect(embeddedImages).toHaveLength(3);
    expect(embeddedImages.every((b) => b.subarray(1, 4).toString('latin1') === 'PNG')).toBe(true);
  });
});
