// #13: files that are images neither by name nor by content (a COCO folder's dataset.jsonl, MANIFEST.tsv,
// export.json) are skipped: counted in SkippedFileCount, never failed, kept out of listings by default
// (and out of an evaluation's labelled images), never sent to a model, not retried by Increment until
// they change. A `.jpg` holding text still fails, and so does a real image in a format Loupe does not
// read (`.heic`: "unsupported image format"); an image without an image extension is an image. FileFormat
// of unrecognised bytes is null; FileType (PAI's image/text/application) comes from the name. Each
// consumer's batch result counts the skipped files as the job does.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../cli/context.js';
import { main } from '../../cli/main.js';
import { hasImageExtension } from '../../lib/domain/file-meta.js';
import { BatchMessage, FanoutMessage, type JobAction } from '../../lib/domain/job.js';
import type { ObjectStore } from '../../lib/ports/object-store.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { buildContainer } from '../../lib/runtime/container.js';
import { jsonLogger } from '../../lib/runtime/logger.js';
import { LoupeClient, type CreateDatasetJobRequest, type DatasetJob, type FileMeta } from '../../lib/sdk/index.js';
import { drainQueue } from '../support/drain-queue.js';
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
/** Images in formats Loupe does not read: their signatures (which the sniffer does not know), then filler. */
const UNSUPPORTED: Record<string, Buffer> = {
  'IMG_0001.HEIC': Buffer.concat([Buffer.from('\0\0\0\x18ftypheic\0\0\0\0mif1heic', 'latin1'), Buffer.alloc(200, 7)]),
  'pic.avif': Buffer.concat([Buffer.from('\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf', 'latin1'), Buffer.alloc(200, 7)]),
  'logo.svg': Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>\n'),
  'layers.psd': Buffer.concat([Buffer.from('8BPS\0\x01', 'latin1'), Buffer.alloc(200, 0)]),
  'scan.jp2': Buffer.concat([Buffer.from('\0\0\0\x0cjP  \r\n\x87\n', 'latin1'), Buffer.alloc(200, 0)]),
};

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
    expect(shown.get('photo')).toMatchObject({ Status: 'ACTIVE', FileType: 'image', FileFormat: 'png', ContentType: 'image/png', MetaAttributes: { ImageWidth: 18, ImageHeight: 14 } });
    expect((await client.getDatasetVersion(ds, 'v1')).DataCount).toBe(3);
    // ...and Status=SKIPPED lists the rest, with no FileFormat (never the extension) and PAI's FileType by name.
    const skipped = await metasOf(ds, 'SKIPPED');
    expect([...skipped.keys()].sort()).toEqual(['MANIFEST.tsv', 'dataset.jsonl', 'export.json']);
    for (const m of skipped.values()) expect(m).toMatchObject({ Status: 'SKIPPED', FileFormat: null, ContentType: null, FailReason: expect.stringMatching(/^not an image/) });
    expect([...skipped].map(([name, m]) => [name, m.FileType]).sort()).toEqual([['MANIFEST.tsv', 'text'], ['dataset.jsonl', 'application'], ['export.json', 'application']]);

    // Increment leaves the skipped files alone until one changes.
    expect(await run(ds, { JobAction: 'FileMetaBuild', JobMode: 'Increment' })).toMatchObject({ Status: 'Succeeded', TotalFileCount: 0 });
    await writeFile(path.join(loupe.root, 'coco', 'dataset.jsonl'), NON_IMAGES['dataset.jsonl'] + '{"image_id": "photo", "tags": []}\n');
    expect(await run(ds, { JobAction: 'FileMetaBuild', JobMode: 'Increment' })).toMatchObject({ Status: 'Succeeded', TotalFileCount: 1, SkippedFileCount: 1, FailedFileCount: 0 });
  });

  it('#13 a .jpg that is not an image still fails (FileFormat null, no bytes quoted): PartialFailed, and follow exits 1', async () => {
    const ds = await cocoLikeFolder('coco-fake', { 'fake.jpg': `${SECRET_TEXT}\n`.repeat(4) });
    const followed = await loupeRun(['jobs', 'start', ds, '--action', 'FileMetaBuild', '--follow', '--interval', '20', '--every', '3600']);
    expect(followed.code).toBe(1);
    expect(followed.out).toMatch(/: PartialFailed in \d:\d\d\n {2}7 files: 3 completed, 1 failed, 3 skipped \(not images\)\n/);
    expect(followed.out).toMatch(/fake\.jpg/);
    expect(followed.out).not.toContain('secret-line');

    const [listed] = (await client.listDatasetJobs(ds)).DatasetJobs;
    expect(listed).toMatchObject({ Status: 'PartialFailed', FailedFileCount: 1, SkippedFileCount: 3, CompletedFileCount: 3 });
    const fake = (await metasOf(ds, 'FAILED')).get('fake.jpg')!;
    expect(fake).toMatchObject({ Status: 'FAILED', FileType: 'image', FileFormat: null, ContentType: null, FailReason: expect.stringMatching(/not a supported image/) });
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

  it('#13 a real image in a format Loupe does not read (heic, avif, svg, psd, jp2) is FAILED "unsupported image format", never SKIPPED', async () => {
    for (const name of [...Object.keys(UNSUPPORTED), 'a.dng', 'b.CR2', 'c.nef', 'd.arw', 'e.orf', 'f.rw2', 'g.ico', 'h.jxl', 'i.heif']) expect(hasImageExtension(name), name).toBe(true);

    const ds = await cocoLikeFolder('unsupported', UNSUPPORTED);
    const built = await run(ds, { JobAction: 'FileMetaBuild' });
    expect(built).toMatchObject({ Status: 'PartialFailed', TotalFileCount: 11, CompletedFileCount: 3, FailedFileCount: 5, SkippedFileCount: 3 });
    const reasonOf = new Map(built.FailedFiles!.map((f) => [path.basename(f.Uri), f.Reason]));
    expect(Object.fromEntries(reasonOf)).toEqual({
      'IMG_0001.HEIC': 'unsupported image format (heic)',
      'pic.avif': 'unsupported image format (avif)',
      'logo.svg': 'unsupported image format (svg)',
      'layers.psd': 'unsupported image format (psd)',
      'scan.jp2': 'unsupported image format (jp2)',
    });
    // Listed by default, as the failures they are: images by name (FileType image), FileFormat null (the bytes were not recognised).
    const shown = await metasOf(ds);
    for (const name of Object.keys(UNSUPPORTED)) expect(shown.get(name), name).toMatchObject({ Status: 'FAILED', FileType: 'image', FileFormat: null, FailReason: expect.stringMatching(/^unsupported image format \(/) });
    expect([...(await metasOf(ds, 'SKIPPED')).keys()].sort()).toEqual(['MANIFEST.tsv', 'dataset.jsonl', 'export.json']);

    // A tagging job on files never probed judges them the same way, and sends the model only the images it reads.
    const conn = await client.createConnection({ ConnectionName: 'chat-unsupported', ConnectionType: 'OpenLLMConnection', Configs: { BaseUrl: chat.url } });
    const def = await client.createTagDefinition({ Name: 'unsupported', GuidePrompt: 'Label photos.', Tags: [{ Name: 'car', Description: 'a car is visible' }] });
    const fresh = await cocoLikeFolder('unsupported-tag', UNSUPPORTED);
    chat.resetStats();
    expect(await run(fresh, { JobAction: 'IntelligentTag', JobSpec: { connectionId: conn.ConnectionId, modelName: 'qwen-vl-max', tagDefinitionId: def.TagDefinitionId } })).toMatchObject({
      Status: 'PartialFailed',
      CompletedFileCount: 3,
      FailedFileCount: 5,
      SkippedFileCount: 3,
    });
    expect(chat.stats.requests).toBe(3);
    expect((await metasOf(fresh)).get('IMG_0001.HEIC')).toMatchObject({ Status: 'FAILED', FailReason: 'unsupported image format (heic)' });
  });

  it('#13 an evaluation matches labels to images only: a label naming a SKIPPED file is not a labelled image', async () => {
    const embConn = await client.createConnection({ ConnectionName: 'gme-eval', ConnectionType: 'EasEmbeddingConnection', Configs: { Endpoint: gme.url } });
    const vecConn = await client.createConnection({ ConnectionName: 'vectors-eval', ConnectionType: 'LocalVectorConnection' });
    const ds = await cocoLikeFolder('eval');
    await client.putIndexConfig(ds, { EmbeddingConnectionId: embConn.ConnectionId, VectorConnectionId: vecConn.ConnectionId, IndexName: 'i-eval' });
    expect(await run(ds, { JobAction: 'SemanticIndex' })).toMatchObject({ Status: 'Succeeded', CompletedFileCount: 3, SkippedFileCount: 3 });

    const labels = path.join(loupe.root, 'eval-labels.jsonl');
    await writeFile(
      labels,
      [
        { image_id: 'one', tags: ['car'], file: 'eval/img_1.png' },
        { image_id: 'manifest', tags: ['road'], file: 'eval/MANIFEST.tsv' },
      ]
        .map((l) => JSON.stringify(l))
        .join('\n') + '\n',
    );
    const r = await client.createEvaluation(ds, { LabelsUri: pathToFileURL(labels).href });
    expect(r).toMatchObject({ Images: 2, Matched: 1, Queries: 1 });
    expect(r.Indexes[0]!.PerQuery.map((q) => q.Tag)).toEqual(['car']);
  });
});

describe('#13 the CLI and a server from before SkippedFileCount', () => {
  it('#13 `loupe jobs list` counts Done as completed + failed, not NaN, when the server sends no SkippedFileCount', async () => {
    const job = {
      DatasetJobId: 'job-old',
      DatasetId: 'd-old',
      DatasetVersion: 'v1',
      JobAction: 'FileMetaBuild',
      JobMode: 'Full',
      JobSpec: '{}',
      Description: '',
      Status: 'PartialFailed',
      TotalFileCount: 6,
      CompletedFileCount: 4,
      FailedFileCount: 2,
      ListedFileCount: 6,
      DeletedFileCount: 0,
      Message: null,
      CreateTime: '2025-03-01T12:00:00.000Z',
      StartTime: '2025-03-01T12:00:00.000Z',
      FinishTime: '2025-03-01T12:01:00.000Z',
    };
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(req.url?.includes('/datasetjobs') ? { TotalCount: 1, DatasetJobs: [job], RequestId: 'r' } : { RequestId: 'r' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      let out = '';
      const io: CliIo = {
        stdout: { write: (s: string) => (out += s) },
        stderr: { write: () => undefined },
        env: { LOUPE_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, LOUPE_API_KEY: 'k-old-server-0123456789' },
        cwd: os.tmpdir(),
        now: Date.now,
        isTTY: false,
      };
      expect(await main(['jobs', 'list', 'd-old'], io)).toBe(0);
      expect(out).not.toContain('NaN');
      expect(out).toMatch(/job-old .* 6\/6 +2 /);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('#13 consumers count non-images as the job does', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  let chat: LoopbackChat;
  let gme: LoopbackGme;
  beforeAll(async () => {
    chat = await startChatServer();
    gme = await startGmeServer({ embed: (input) => Array.from({ length: 8 }, (_, i) => Math.sin((input.type === 'image' ? input.data.length : input.text.length) + i) + 1.5) });
  });
  afterAll(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
    await chat?.close();
    await gme?.close();
  });

  /** A container (no server) over a COCO-like folder: the test delivers each queue message by hand. */
  async function services(images = 2) {
    const root = await mkdtemp(path.join(os.tmpdir(), 'loupe-sec-consumers-'));
    cleanup.push(() => rm(root, { recursive: true, force: true }));
    const files = path.join(root, 'files');
    await mkdir(files);
    const all: Record<string, Buffer | string> = { ...NON_IMAGES };
    for (let i = 1; i <= images; i++) all[`img_${i}.png`] = tinyPng(i, 16 + i, 12);
    for (const [name, bytes] of Object.entries(all)) {
      await writeFile(path.join(files, name), bytes);
      await utimes(path.join(files, name), MTIME, MTIME);
    }
    const config = loadConfig({ LOUPE_DATA_DIR: path.join(root, 'data'), LOUPE_FILE_ROOTS: root, LOUPE_API_KEYS: 'k-consumers-0123456789', LOUPE_MODEL_RETRY_BASE_MS: '1' });
    const c = buildContainer(config, { log: jsonLogger('silent') });
    cleanup.push(() => c.close());
    const datasetId = (await c.services.datasets.create({ name: 'consumers', uri: pathToFileURL(files).href })).datasetId;
    const tagSpec = async (baseUrl: string) => {
      const connection = await c.services.connections.create({ connectionName: `vlm-${Math.random()}`, connectionType: 'OpenLLMConnection', configs: { BaseUrl: baseUrl } });
      const definition = await c.services.tagDefinitions.create({ name: `d-${Math.random()}`, guidePrompt: 'Label the image.', tags: [{ name: 'car', description: 'a car is visible' }] });
      return { connectionId: connection.connectionId, tagDefinitionId: definition.tagDefinitionId, modelName: 'm', concurrency: 1 };
    };
    /** Creates a job and runs its listing; returns its consumer's batches, not yet delivered. */
    async function listed(jobAction: JobAction, jobSpec: Record<string, unknown> = {}) {
      const job = await c.services.jobs.create({ datasetId, versionName: 'v1', jobAction, jobSpec });
      for (const m of await drainQueue(c.queue, c.queues.fanout)) await c.services.fanout.run(FanoutMessage.parse(JSON.parse(m)));
      const queue = ({ FileMetaBuild: c.queues.prober, IntelligentTag: c.queues.tagger, SemanticIndex: c.queues.embedder } as Partial<Record<JobAction, string>>)[jobAction]!;
      return { job, batches: (await drainQueue(c.queue, queue)).map((b) => BatchMessage.parse(JSON.parse(b))) };
    }
    return { c, datasetId, tagSpec, listed };
  }

  it('#13 a batch result says how many files it skipped as not images; files counted by an earlier delivery are apart (notOpen)', async () => {
    const built = await services();
    const { batches } = await built.listed('FileMetaBuild');
    expect(batches).toHaveLength(1);
    expect(await built.c.services.probing.processBatch(batches[0]!)).toEqual({ completed: 2, failed: 0, skipped: 3, notOpen: 0 });
    expect(await built.c.services.probing.processBatch(batches[0]!)).toEqual({ completed: 0, failed: 0, skipped: 0, notOpen: 5 });

    // Tagging and embedding on files never probed find the non-images themselves.
    const tagged = await services();
    const tagging = await tagged.listed('IntelligentTag', await tagged.tagSpec(chat.url));
    expect(await tagged.c.services.tagging.processBatch(tagging.batches[0]!)).toEqual({ completed: 2, failed: 0, skipped: 3, notOpen: 0 });
    const embedded = await services();
    const emb = await embedded.c.services.connections.create({ connectionName: 'gme', connectionType: 'EasEmbeddingConnection', configs: { Endpoint: gme.url } });
    const vec = await embedded.c.services.connections.create({ connectionName: 'vec', connectionType: 'LocalVectorConnection', configs: {} });
    const indexing = await embedded.listed('SemanticIndex', { embeddingConnectionId: emb.connectionId, vectorConnectionId: vec.connectionId, indexName: 'i' });
    expect(await embedded.c.services.indexing.processBatch(indexing.batches[0]!)).toEqual({ completed: 2, failed: 0, skipped: 3, notOpen: 0 });
  });

  it('#13 once the model refuses the connection, the rest of the batch fails unread; a file on record as not an image still counts skipped', async () => {
    const closed = await startChatServer();
    const url = closed.url;
    await closed.close();
    const s = await services(4);
    // The tagging batch is listed first (files unprobed), then a FileMetaBuild records what each file is.
    const tagging = await s.listed('IntelligentTag', await s.tagSpec(url));
    const build = await s.listed('FileMetaBuild');
    for (const b of build.batches) await s.c.services.probing.processBatch(b);
    expect(await s.c.store.getJob(build.job.datasetJobId)).toMatchObject({ status: 'Succeeded', completedFileCount: 4, skippedFileCount: 3 });

    // Every read the tagger makes.
    const reads: string[] = [];
    const real = s.c.objects.forUri.bind(s.c.objects);
    (s.c.objects as { forUri: (uri: string) => ObjectStore }).forUri = (uri) =>
      new Proxy(real(uri), {
        get(target, prop, recv) {
          const v = Reflect.get(target, prop, recv);
          return typeof v === 'function' && ['get', 'read', 'readHead', 'head'].includes(String(prop)) ? (...a: unknown[]) => (reads.push(String(a[0])), v.apply(target, a)) : v;
        },
      });
    expect(tagging.batches).toHaveLength(1);
    expect(await s.c.services.tagging.processBatch(tagging.batches[0]!)).toEqual({ completed: 0, failed: 4, skipped: 3, notOpen: 0 });
    expect(reads).toHaveLength(1); // the one image sent before the refusal
    const failures = await s.c.store.listFailedJobItems(tagging.job.datasetJobId, 10);
    expect(failures).toHaveLength(4);
    for (const f of failures) expect(f.reason).toMatch(/ECONNREFUSED/);
  });
});
