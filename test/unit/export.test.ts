// FileMetaExport through the API and the exporter's service: a search's results as manifest.jsonl,
// CSV and the GME fine-tune layout in a local folder (read back and checked against the files), and
// as versions of a logical dataset (immutable, listed, diffed). Stops, redeliveries, vanished sources
// and bad specs lose nothing and publish nothing half-made.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../functions/api/index.js';
import { ExportMessage, FanoutMessage, BatchMessage, FileMetaExportSpec, PAI_EXPORT_ATTRIBUTES } from '../../lib/domain/job.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { buildContainer, type Container } from '../../lib/runtime/container.js';
import { jsonLogger } from '../../lib/runtime/logger.js';
import { generatePngs } from '../support/generate-images.js';
import { inProcessApi } from '../support/in-process-api.js';
import { drainQueue } from '../support/drain-queue.js';
import { loadManifest } from '../../lib/sdk/index.js';

const KEY = 'export-key-0123456789';
const FILES = 2300; // three pages of the exporter's 1,000

describe('FileMetaExport', () => {
  let dir: string;
  let root: string;
  let c: Container;
  let app: ReturnType<typeof createApi>;
  let ds: string;
  const call = (method: string, route: string, body?: unknown) => inProcessApi(app, KEY)(method, route, body);

  const drain = (queue: string) => drainQueue(c.queue, queue);
  /** Sets a file's user tags (UpdateDatasetFileMetas' store operation). */
  async function setUserTags(id: string, user: string[]) {
    const m = (await c.store.getFileMeta(id))!;
    expect(await c.store.updateFileMetaContent({ datasetFileMetaId: id, expectedTags: m.tags, tags: { ai: m.tags.ai, user, userDeleteAiTags: [] } }, new Date().toISOString())).toBe(true);
  }


  /** Creates an export job through the API; returns its id and the exporter's message (not yet run). */
  async function createExport(spec: Record<string, unknown>, datasetId = ds) {
    const r = await call('POST', `/api/v1/datasets/${datasetId}/datasetjobs`, { DatasetVersion: 'v1', JobAction: 'FileMetaExport', JobSpec: spec });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const [msg] = await drain(c.queues.exporter);
    return { jobId: r.body.DatasetJobId as string, msg: ExportMessage.parse(JSON.parse(msg!)) };
  }
  /** Creates an export job through the API; returns its id (the exporter's message stays queued). */
  async function createExportNoDrain(spec: Record<string, unknown>) {
    const r = await call('POST', `/api/v1/datasets/${ds}/datasetjobs`, { DatasetVersion: 'v1', JobAction: 'FileMetaExport', JobSpec: spec });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.DatasetJobId as string;
  }
  async function runExport(spec: Record<string, unknown>) {
    const { jobId, msg } = await createExport(spec);
    expect(await c.services.export.run(msg)).toBe('done');
    return (await call('GET', `/api/v1/datasets/${ds}/datasetjobs/${jobId}`)).body;
  }
  const folder = (name: string) => pathToFileURL(path.join(dir, 'exports', name)).href + '/';
  const lines = async (uri: string) => (await readFile(fileURLToPath(uri), 'utf8')).split('\n').filter(Boolean);
  /** Every tagged file in the order the search returns them (FileName ascending). */
  const taggedNames = () =>
    Array.from({ length: FILES }, (_, i) => `img_${String(i).padStart(7, '0')}.png`).filter((_, i) => i % 3 === 0);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-export-'));
    root = path.join(dir, 'files');
    await generatePngs(root, FILES);
    c = buildContainer(loadConfig({ LOUPE_DATA_DIR: path.join(dir, 'data'), LOUPE_API_KEYS: KEY, LOUPE_FILE_ROOTS: dir }), { log: jsonLogger('silent') });
    app = createApi(c, [KEY]);
    ds = (await call('POST', '/api/v1/datasets', { Name: 'source', Uri: pathToFileURL(root).href })).body.DatasetId;
    // FileMetaBuild, then every third file gets the user tag "keep" (and a tag with a comma and a quote).
    await c.services.jobs.create({ datasetId: ds, versionName: 'v1', jobAction: 'FileMetaBuild' });
    await c.services.fanout.run(FanoutMessage.parse(JSON.parse((await drain(c.queues.fanout))[0]!)));
    for (const b of await drain(c.queues.prober)) await c.services.probing.processBatch(BatchMessage.parse(JSON.parse(b)));
    const all = await c.store.listFileMetas({ datasetId: ds, versionName: 'v1', sortBy: 'FileName', order: 'ASC', maxResults: FILES });
    expect(all.items.map((m) => m.status).every((s) => s === 'ACTIVE')).toBe(true);
    for (const [i, m] of all.items.entries()) {
      if (i % 3 === 0) await setUserTags(m.datasetFileMetaId, ['keep', 'a "quoted", tag']);
    }
  }, 120_000);
  afterAll(async () => {
    await c?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const keepSearch = { QueryTagsIncludeAny: ['keep'], SortBy: 'FileName', Order: 'ASC' };

  it('writes manifest.jsonl: one line per result, in the search order, each opening to its fingerprint', async () => {
    const job = await runExport({ search: keepSearch, target: 'file', format: 'manifest', uri: folder('manifest') });
    const expected = taggedNames();
    expect(job).toMatchObject({ Status: 'Succeeded', TotalFileCount: expected.length, CompletedFileCount: expected.length, FailedFileCount: 0 });
    expect(job.Output).toEqual({ Uri: folder('manifest'), Files: ['manifest.jsonl', 'export.json'], FileCount: expected.length });
    const rows = (await lines(folder('manifest') + 'manifest.jsonl')).map((l) => JSON.parse(l));
    expect(rows.map((r) => r.FileName)).toEqual(expected);
    for (const r of rows.slice(0, 50)) {
      expect(Object.keys(r)).toEqual(['Uri', 'DatasetFileMetaId', 'DatasetId', 'VersionName', 'FileName', 'FileDir', 'DataSize', 'FileFingerPrint', 'ContentType', 'MetaAttributes', 'Tags']);
      expect(r.Tags.all).toEqual(['keep', 'a "quoted", tag']);
      expect(r.MetaAttributes).toMatchObject({ ImageWidth: 16, ImageHeight: 12 });
      expect((await c.objects.forUri(r.Uri).head(r.Uri)).etag).toBe(r.FileFingerPrint);
      expect((await readFile(fileURLToPath(r.Uri))).length).toBe(r.DataSize);
    }
    const description = JSON.parse(await readFile(fileURLToPath(folder('manifest') + 'export.json'), 'utf8'));
    expect(description).toMatchObject({
      Generator: 'loupe',
      DatasetJobId: job.DatasetJobId,
      Status: 'Succeeded',
      DatasetId: ds,
      VersionName: 'v1',
      Format: 'manifest',
      Search: keepSearch,
      FileCount: expected.length,
      FailedFileCount: 0,
      Files: ['manifest.jsonl', 'export.json'],
      // Each file Loupe wrote with its ETag right after writing: what a later overwrite must still find.
      LoupeFiles: [{ Name: 'manifest.jsonl', ETag: (await c.objects.forUri(folder('manifest')).head(folder('manifest') + 'manifest.jsonl')).etag }],
    });
    expect(Date.parse(description.ExportTime)).not.toBeNaN();
    // No temporary files left beside the results.
    expect((await readdir(path.join(dir, 'exports', 'manifest'))).sort()).toEqual(['export.json', 'manifest.jsonl']);
  });

  it('writes RFC 4180 CSV with a header, quoted fields and tags as a JSON array', async () => {
    const job = await runExport({ search: { ...keepSearch, QueryFileName: 'img_000000' }, target: 'file', format: 'csv', uri: folder('csv') });
    const text = await readFile(fileURLToPath(folder('csv') + 'export.csv'), 'utf8');
    const rows = text.split('\r\n').filter(Boolean);
    expect(rows[0]).toBe('Uri,DatasetFileMetaId,FileName,FileDir,DataSize,FileFingerPrint,ImageWidth,ImageHeight,Tags,Score');
    expect(rows.length - 1).toBe(job.CompletedFileCount);
    expect(job.CompletedFileCount).toBe(4); // img_0000000, …03, …06, …09
    const first = parseCsvLine(rows[1]!);
    expect(first[2]).toBe('img_0000000.png');
    expect(first[5]).toMatch(/^W\/"/); // a weak ETag: quoted because it holds quotes
    expect([first[6], first[7]]).toEqual(['16', '12']);
    expect(JSON.parse(first[8]!)).toEqual(['keep', 'a "quoted", tag']);
    expect(first[9]).toBe('');
  });

  it('writes the GME fine-tune layout: dataset.jsonl beside images/ with copies, or references', async () => {
    const search = { ...keepSearch, QueryFileName: 'img_00000' };
    const copied = await runExport({ search, target: 'file', format: 'gme', uri: folder('gme') });
    expect(copied.Output.Files).toEqual(['dataset.jsonl', 'images/', 'export.json']);
    const rows = (await lines(folder('gme') + 'dataset.jsonl')).map((l) => JSON.parse(l));
    expect(rows.length).toBe(34); // img_0000000 … img_0000099, every third
    for (const r of rows) {
      expect(Object.keys(r)).toEqual(['image_id', 'tags', 'file', 'uri', 'fingerprint']);
      expect(r.file).toBe(`images/${r.image_id}.png`);
      expect(r.tags).toEqual(['keep', 'a "quoted", tag']);
      const copy = await readFile(path.join(dir, 'exports', 'gme', r.file));
      expect(copy.equals(await readFile(fileURLToPath(r.uri)))).toBe(true);
    }
    expect((await readdir(path.join(dir, 'exports', 'gme', 'images'))).length).toBe(34);
    expect(JSON.parse(await readFile(path.join(dir, 'exports', 'gme', 'export.json'), 'utf8')).Images).toBe('copy');

    const referenced = await runExport({ search, target: 'file', format: 'gme', images: 'reference', uri: folder('gme-ref') });
    expect(referenced.Output.Files).toEqual(['dataset.jsonl', 'export.json']);
    const refs = (await lines(folder('gme-ref') + 'dataset.jsonl')).map((l) => JSON.parse(l));
    expect(refs.map((r) => r.file)).toEqual(rows.map((r) => r.uri));
    expect(existsSync(path.join(dir, 'exports', 'gme-ref', 'images'))).toBe(false);
  });

  it('a source gone before its copy fails that file with a reason; the rest is exported', async () => {
    const scratch = path.join(dir, 'scratch');
    await generatePngs(scratch, 3);
    const d2 = (await call('POST', '/api/v1/datasets', { Name: 'scratch', Uri: pathToFileURL(scratch).href })).body.DatasetId;
    await c.services.jobs.create({ datasetId: d2, versionName: 'v1', jobAction: 'FileMetaBuild' });
    await c.services.fanout.run(FanoutMessage.parse(JSON.parse((await drain(c.queues.fanout))[0]!)));
    for (const b of await drain(c.queues.prober)) await c.services.probing.processBatch(BatchMessage.parse(JSON.parse(b)));
    const gone = path.join('d00', (await readdir(path.join(scratch, 'd00'))).sort()[1]!);
    await unlink(path.join(scratch, gone));
    const { jobId, msg } = await createExport({ search: { SortBy: 'FileName', Order: 'ASC' }, target: 'file', format: 'gme', uri: folder('gone') }, d2);
    await c.services.export.run(msg);
    const job = (await call('GET', `/api/v1/datasets/${d2}/datasetjobs/${jobId}`)).body;
    expect(job).toMatchObject({ Status: 'PartialFailed', TotalFileCount: 3, CompletedFileCount: 2, FailedFileCount: 1 });
    expect(job.FailedFiles).toHaveLength(1);
    expect(job.FailedFiles[0].Reason).toContain('source gone');
    expect((await lines(folder('gone') + 'dataset.jsonl')).map((l) => JSON.parse(l).uri)).not.toContain(pathToFileURL(path.join(scratch, gone)).href);
  });

  it('a redelivered export starts over and overwrites atomically with the same content; the job ends once', async () => {
    const spec = { search: keepSearch, target: 'file', format: 'manifest', uri: folder('again') };
    const { jobId, msg } = await createExport(spec);
    expect(await c.services.export.run(msg)).toBe('done');
    const first = await readFile(path.join(dir, 'exports', 'again', 'manifest.jsonl'));
    // The same message again (e.g. the first run's acknowledgement was lost): the job has ended, nothing changes.
    expect(await c.services.export.run(msg)).toBe('dropped');
    expect((await readFile(path.join(dir, 'exports', 'again', 'manifest.jsonl'))).equals(first)).toBe(true);
    const logs = (await c.store.listJobLogs(jobId, 100)).filter((l) => l.message.startsWith('finished'));
    expect(logs).toHaveLength(1);
  });

  it('a process killed mid-export: the re-run writes the whole file; what was there stays until then', async () => {
    const uri = folder('killed');
    await runExport({ search: { ...keepSearch, QueryFileName: 'img_000000' }, target: 'file', format: 'manifest', uri }); // a previous export
    const previous = await readFile(path.join(dir, 'exports', 'killed', 'manifest.jsonl'), 'utf8');
    const everything = { SortBy: 'FileName', Order: 'ASC' }; // three pages
    const { jobId, msg } = await createExport({ search: everything, target: 'file', format: 'manifest', uri, overwrite: true });
    const search = c.services.search;
    const real = search.search.bind(search);
    let calls = 0;
    search.search = async (p) => {
      if (++calls === 2) throw new Error('connection reset (injected)');
      return real(p);
    };
    try {
      await expect(c.services.export.run(msg)).rejects.toThrow(/injected/);
    } finally {
      search.search = real;
    }
    expect(await readFile(path.join(dir, 'exports', 'killed', 'manifest.jsonl'), 'utf8')).toBe(previous);
    expect((await c.store.getJob(jobId))!.status).toBe('Running');
    // The folder is marked as this job's export in progress: the redelivery recognises it as its own.
    expect(JSON.parse(await readFile(path.join(dir, 'exports', 'killed', 'export.json'), 'utf8'))).toMatchObject({ Generator: 'loupe', DatasetJobId: jobId, Status: 'Running' });
    expect(await c.services.export.run(msg)).toBe('done');
    expect((await lines(uri + 'manifest.jsonl')).length).toBe(FILES);
    expect(JSON.parse(await readFile(path.join(dir, 'exports', 'killed', 'export.json'), 'utf8'))).toMatchObject({ DatasetJobId: jobId, Status: 'Succeeded', FileCount: FILES });
    expect((await readdir(path.join(dir, 'exports', 'killed'))).sort()).toEqual(['export.json', 'manifest.jsonl']);
  });

  it('a job stopped mid-export publishes nothing and stays ManuallyStop', async () => {
    const { jobId, msg } = await createExport({ search: { SortBy: 'FileName', Order: 'ASC' }, target: 'file', format: 'manifest', uri: folder('stopped') });
    const search = c.services.search;
    const real = search.search.bind(search);
    let calls = 0;
    search.search = async (p) => {
      if (++calls === 2) await c.services.jobs.stop(jobId);
      return real(p);
    };
    try {
      expect(await c.services.export.run(msg)).toBe('dropped');
    } finally {
      search.search = real;
    }
    expect((await c.store.getJob(jobId))!.status).toBe('ManuallyStop');
    expect(existsSync(path.join(dir, 'exports', 'stopped', 'manifest.jsonl'))).toBe(false);
    expect(existsSync(path.join(dir, 'exports', 'stopped'))).toBe(true);
    expect(await readdir(path.join(dir, 'exports', 'stopped'))).toEqual([]);
  });

  describe("PAI's layout", () => {
    /** The one folder an export in PAI's layout made in `parent`, and its files. */
    async function madeFolder(parent: string) {
      const names = await readdir(fileURLToPath(parent));
      expect(names).toHaveLength(1);
      return { name: names[0]!, uri: `${parent}${names[0]}/`, files: (await readdir(path.join(fileURLToPath(parent), names[0]!))).sort() };
    }
    const wireOf = async (id: string) => (await call('GET', `/api/v1/datasets/${ds}/datasetfilemetas/${id}?DatasetVersion=v1`)).body.DatasetFileMeta;

    it("PAI's spec writes {datasetId}-{version}-{time}/ with pai_dataset_filemeta_manifest.yaml and the JSON lines it names; each line is the API's file meta", async () => {
      const exports = c.services.export;
      exports.paiLinesPerFile = 300; // 767 results: three files
      try {
        const query = { QueryTagsIncludeAny: ['keep'], SortBy: 'FileName', Order: 'ASC' };
        const job = await runExport({ query, exportDirUri: folder('pai') });
        const expected = taggedNames();
        expect(job).toMatchObject({ Status: 'Succeeded', CompletedFileCount: expected.length, FailedFileCount: 0 });
        const made = await madeFolder(folder('pai'));
        // Named when the job was created (its time, in UTC, to the second), and shown in the JobSpec.
        expect(made.name).toMatch(/^d-[0-9a-z]+-v1-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}$/);
        const [, y, mo, d, h, mi, sec] = /-(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})$/.exec(made.name)!;
        const created = Date.parse((await c.store.getJob(job.DatasetJobId))!.createTime);
        expect(Math.abs(Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +sec!) - created)).toBeLessThan(2000);
        expect(made.name.startsWith(`${ds}-v1-`)).toBe(true);
        expect(JSON.parse(job.JobSpec)).toEqual({ query, exportDirUri: folder('pai'), outputDirUri: made.uri });
        const parts = ['pai_dataset_filemeta_00000.jsonl', 'pai_dataset_filemeta_00001.jsonl', 'pai_dataset_filemeta_00002.jsonl'];
        expect(made.files).toEqual(['export.json', 'pai_dataset_filemeta_00000.jsonl', 'pai_dataset_filemeta_00001.jsonl', 'pai_dataset_filemeta_00002.jsonl', 'pai_dataset_filemeta_manifest.yaml']);
        expect(job.Output).toEqual({ Uri: made.uri, Files: [...parts, 'pai_dataset_filemeta_manifest.yaml', 'export.json'], FileCount: expected.length });

        const manifest = await readFile(fileURLToPath(made.uri + 'pai_dataset_filemeta_manifest.yaml'), 'utf8');
        const exportTime = /^exportTime: "(.*)"$/m.exec(manifest)![1]!;
        expect(Date.parse(exportTime)).not.toBeNaN();
        expect(manifest).toBe(
          [
            "# A dataset file-meta export in the layout of PAI's FileMetaExport, written by Loupe.",
            'version: "1.0"',
            `datasetId: "${ds}"`,
            'datasetVersion: "v1"',
            `datasetJobId: "${job.DatasetJobId}"`,
            `exportTime: "${exportTime}"`,
            'query: {"QueryTagsIncludeAny": ["keep"], "SortBy": "FileName", "Order": "ASC"}',
            `filteredAttributes: [${PAI_EXPORT_ATTRIBUTES.map((a) => `"${a}"`).join(', ')}]`,
            'format: "jsonl"',
            `totalCount: ${expected.length}`,
            'files:',
            '  - name: "pai_dataset_filemeta_00000.jsonl"',
            '    count: 300',
            '  - name: "pai_dataset_filemeta_00001.jsonl"',
            '    count: 300',
            '  - name: "pai_dataset_filemeta_00002.jsonl"',
            `    count: ${expected.length - 600}`,
            '',
          ].join('\n'),
        );
        const rows: any[] = [];
        for (const p of parts) rows.push(...(await lines(made.uri + p)).map((l) => JSON.parse(l)));
        expect(rows.map((r) => r.FileName)).toEqual(expected);
        for (const r of rows.filter((_, i) => i % 97 === 0)) {
          expect(Object.keys(r)).toEqual([...PAI_EXPORT_ATTRIBUTES]);
          // The line is the API's own DatasetFileMeta (PAI's wire shape), reduced to the exported attributes.
          const wire = await wireOf(r.DatasetFileMetaId);
          for (const a of PAI_EXPORT_ATTRIBUTES) expect(r[a], a).toEqual(wire[a] ?? null);
          expect((await c.objects.forUri(r.Uri).head(r.Uri)).etag).toBe(r.FileFingerPrint);
        }
        // Loupe's marker in the new folder lists what it wrote, each with its ETag.
        const marker = JSON.parse(await readFile(fileURLToPath(made.uri + 'export.json'), 'utf8'));
        const store = c.objects.forUri(made.uri);
        expect(marker).toMatchObject({ Generator: 'loupe', DatasetJobId: job.DatasetJobId, Status: 'Succeeded', Format: 'pai', Search: query, FileCount: expected.length });
        expect(marker.Files).toEqual(job.Output.Files);
        expect(marker.LoupeFiles).toEqual(await Promise.all([...parts, 'pai_dataset_filemeta_manifest.yaml'].map(async (n) => ({ Name: n, ETag: (await store.head(made.uri + n)).etag }))));

        // The SDK's loader reads the export through its manifest, in order.
        const items = [];
        for await (const item of loadManifest(made.uri, { verify: true })) items.push(item);
        expect(items.map((i) => i.fileName)).toEqual(expected);
        expect(items[0]!.tags).toEqual(['keep', 'a "quoted", tag']);
        expect((await items[0]!.read()).equals(await readFile(fileURLToPath(items[0]!.uri)))).toBe(true);
      } finally {
        exports.paiLinesPerFile = 100_000;
      }
    });

    it('filteredAttributes keeps the attributes named (a tag group of Tags too); TopK is the most rows exported, of any search', async () => {
      const job = await runExport({
        query: { QueryTagsIncludeAny: ['keep'], SortBy: 'FileName', Order: 'ASC', TopK: 10 },
        exportDirUri: folder('pai-filtered').slice(0, -1), // without the slash
        filteredAttributes: ' FileName , Uri,Tags.user',
      });
      expect(job).toMatchObject({ Status: 'Succeeded', TotalFileCount: 10, CompletedFileCount: 10 });
      const made = await madeFolder(folder('pai-filtered'));
      const rows = (await lines(made.uri + 'pai_dataset_filemeta_00000.jsonl')).map((l) => JSON.parse(l));
      expect(rows.map((r) => r.FileName)).toEqual(taggedNames().slice(0, 10));
      for (const r of rows) {
        expect(Object.keys(r)).toEqual(['Uri', 'FileName', 'Tags']);
        const tags = typeof r.Tags === 'string' ? JSON.parse(r.Tags) : r.Tags;
        expect(tags).toEqual({ user: ['keep', 'a "quoted", tag'] });
      }
      const manifest = await readFile(fileURLToPath(made.uri + 'pai_dataset_filemeta_manifest.yaml'), 'utf8');
      expect(manifest).toContain('\nfilteredAttributes: ["Uri", "FileName", "Tags.user"]\n');
      expect(manifest).toContain('\ntotalCount: 10\n');
      // The JobSpec comes back as given (the folder with its slash), with the folder Loupe chose.
      expect(JSON.parse(job.JobSpec)).toEqual({
        query: { QueryTagsIncludeAny: ['keep'], SortBy: 'FileName', Order: 'ASC', TopK: 10 },
        exportDirUri: folder('pai-filtered'),
        filteredAttributes: ' FileName , Uri,Tags.user',
        outputDirUri: made.uri,
      });
      // TopK above the matches exports them all; Tags and Tags.* keep every group.
      // Every ListDatasetFileMetas filter PAI documents applies (file and content types, the expression too).
      const query = { QueryFileName: 'img_000000', QueryFileTypeIncludeAny: ['image'], QueryContentTypeIncludeAny: 'image/png', TopK: 5000 };
      const all = await runExport({ query, exportDirUri: folder('pai-all'), filteredAttributes: ['DatasetFileMetaId', 'Tags.*'] });
      expect(all.CompletedFileCount).toBe(10);
      const none = await runExport({ query: { ...query, QueryContentTypeIncludeAny: 'image/jpeg' }, exportDirUri: folder('pai-none') });
      expect(none.CompletedFileCount).toBe(0);
      const picked = await runExport({ query: { QueryExpression: 'FileName="img_0000003.png" OR FileName="img_0000006.png"' }, exportDirUri: folder('pai-picked') });
      expect(picked.CompletedFileCount).toBe(2);
      const row = JSON.parse((await lines((await madeFolder(folder('pai-all'))).uri + 'pai_dataset_filemeta_00000.jsonl'))[0]!);
      expect(Object.keys(row)).toEqual(['DatasetFileMetaId', 'Tags']);
      expect(row.Tags).toEqual((await wireOf(row.DatasetFileMetaId)).Tags);
    });

    it('exports created in the same second get folders of successive seconds', async () => {
      const made = await Promise.all([1, 2, 3].map(() => createExportNoDrain({ query: { QueryFileName: 'img_0000001' }, exportDirUri: folder('pai-burst') })));
      const dirs = await Promise.all(made.map(async (id) => FileMetaExportSpec.parse((await c.store.getJob(id))!.jobSpec).outputDirUri!));
      expect(new Set(dirs).size).toBe(3);
      for (const msg of await drain(c.queues.exporter)) expect(await c.services.export.run(ExportMessage.parse(JSON.parse(msg)))).toBe('done');
      expect((await readdir(fileURLToPath(folder('pai-burst')))).sort()).toEqual(dirs.map((d) => d.slice(folder('pai-burst').length, -1)).sort());
    });

    it('an export with no result writes a manifest naming no file; a redelivery rewrites the same folder', async () => {
      const { jobId, msg } = await createExport({ query: { QueryFileName: 'no-such-file' }, exportDirUri: folder('pai-empty') });
      const search = c.services.search;
      const real = search.search.bind(search);
      search.search = async () => {
        throw new Error('connection reset (injected)');
      };
      try {
        await expect(c.services.export.run(msg)).rejects.toThrow(/injected/);
      } finally {
        search.search = real;
      }
      expect(await c.services.export.run(msg)).toBe('done');
      const made = await madeFolder(folder('pai-empty'));
      expect(made.files).toEqual(['export.json', 'pai_dataset_filemeta_manifest.yaml']);
      const manifest = await readFile(fileURLToPath(made.uri + 'pai_dataset_filemeta_manifest.yaml'), 'utf8');
      expect(manifest).toMatch(/\ntotalCount: 0\nfiles: \[\]\n$/);
      expect((await c.store.getJob(jobId))!.output).toEqual({ uri: made.uri, files: ['pai_dataset_filemeta_manifest.yaml', 'export.json'], fileCount: 0 });
    });

    it('a PAI-layout export stopped midway takes back the files of lines it wrote and publishes no manifest', async () => {
      const exports = c.services.export;
      exports.paiLinesPerFile = 500;
      const { jobId, msg } = await createExport({ query: { SortBy: 'FileName', Order: 'ASC' }, exportDirUri: folder('pai-stopped') });
      const search = c.services.search;
      const real = search.search.bind(search);
      let calls = 0;
      search.search = async (p) => {
        if (++calls === 2) await c.services.jobs.stop(jobId); // a page in: two files of 500 written, more once page 2 is read
        return real(p);
      };
      const store = c.objects.forUri(folder('pai-stopped'));
      const write = store.write.bind(store);
      const written: string[] = [];
      store.write = async (uri, data) => {
        await write(uri, data);
        written.push(uri.slice(uri.lastIndexOf('/') + 1));
      };
      try {
        expect(await exports.run(msg)).toBe('dropped');
      } finally {
        search.search = real;
        store.write = write;
        exports.paiLinesPerFile = 100_000;
      }
      expect((await c.store.getJob(jobId))!.status).toBe('ManuallyStop');
      expect(written[0]).toBe('export.json');
      expect(written.slice(1, 3)).toEqual(['pai_dataset_filemeta_00000.jsonl', 'pai_dataset_filemeta_00001.jsonl']);
      expect(written).not.toContain('pai_dataset_filemeta_manifest.yaml');
      const made = await madeFolder(folder('pai-stopped'));
      expect(made.files).toEqual([]);
    });

    it("refuses PAI-spec mistakes at creation with the field named: both spellings of a key, unknown attributes, Loupe's keys that do not apply, a bad TopK", async () => {
      const bad = async (spec: unknown, field: string, message: RegExp) => {
        const r = await call('POST', `/api/v1/datasets/${ds}/datasetjobs`, { DatasetVersion: 'v1', JobAction: 'FileMetaExport', JobSpec: spec });
        expect(r.status, JSON.stringify(r.body)).toBe(400);
        expect(r.body.Field).toBe(field);
        expect(r.body.Message).toMatch(message);
      };
      const dir = folder('pai-bad');
      await bad({ query: {}, search: {}, exportDirUri: dir }, 'JobSpec.search', /query or search .*not both/);
      await bad({ query: {}, exportDirUri: dir, uri: dir }, 'JobSpec.uri', /exportDirUri or uri .*not both/);
      await bad({ exportDirUri: dir, filteredAttributes: 'Uri,Size' }, 'JobSpec.filteredAttributes', /unknown attribute 'Size'/);
      await bad({ exportDirUri: dir, filteredAttributes: 'Tags.robot' }, 'JobSpec.filteredAttributes', /unknown tag group 'Tags.robot'/);
      await bad({ exportDirUri: dir, filteredAttributes: ' , ' }, 'JobSpec.filteredAttributes', /at least one attribute/);
      await bad({ exportDirUri: dir, format: 'manifest', filteredAttributes: 'Uri' }, 'JobSpec.filteredAttributes', /only for PAI's layout/);
      await bad({ exportDirUri: dir, overwrite: true }, 'JobSpec.overwrite', /new folder each time/);
      await bad({ exportDirUri: dir, images: 'copy' }, 'JobSpec.images', /gme/);
      await bad({ exportDirUri: dir, query: { TopK: 0 } }, 'JobSpec.query.TopK', /positive integer/);
      await bad({ exportDirUri: dir, query: { TopK: 'ten' } }, 'JobSpec.query.TopK', /positive integer/);
      await bad({ exportDirUri: dir, query: { QueryFileTypes: 'image' } }, 'JobSpec.query', /QueryFileTypes/);
      await bad({ exportDirUri: 's3://bucket/x/' }, 'JobSpec.exportDirUri', /no object store/);
      await bad({ exportDirUri: dir, outputDirUri: `${dir}mine/` }, 'JobSpec.outputDirUri', /chosen by Loupe/);
      await bad({ target: 'logical', logicalDatasetId: 'ld-x', filteredAttributes: 'Uri' }, 'JobSpec.filteredAttributes', /only for PAI's layout/);
      expect(await drain(c.queues.exporter)).toEqual([]);
      expect(existsSync(fileURLToPath(dir))).toBe(false);
    });
  });

  it('refuses bad specs at creation with the field named, and never starts the job', async () => {
    const bad = async (spec: unknown, field: string, message: RegExp) => {
      const r = await call('POST', `/api/v1/datasets/${ds}/datasetjobs`, { DatasetVersion: 'v1', JobAction: 'FileMetaExport', JobSpec: spec });
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.Field).toBe(field);
      expect(r.body.Message).toMatch(message);
    };
    await bad({ target: 'file', format: 'manifest' }, 'JobSpec.exportDirUri', /folder URI/);
    await bad({ query: {} }, 'JobSpec.exportDirUri', /folder URI/);
    await bad({ target: 'file', format: 'xml', uri: folder('x') }, 'JobSpec.format', /manifest/);
    await bad({ target: 'file', format: 'csv', images: 'copy', uri: folder('x') }, 'JobSpec.images', /gme/);
    await bad({ target: 'file', format: 'csv', uri: 's3://bucket/x/' }, 'JobSpec.uri', /no object store/);
    await bad({ target: 'logical' }, 'JobSpec.logicalDatasetId', /logical dataset id/);
    await bad({ target: 'logical', logicalDatasetId: ds }, 'JobSpec.logicalDatasetId', /is [A-Z]+, not LOGICAL/);
    await bad({ target: 'file', format: 'csv', uri: folder('x'), search: { QueryTags: ['x'] } }, 'JobSpec.search', /QueryTags/);
    await bad({ target: 'file', format: 'csv', uri: folder('x'), search: { TopK: 'ten' } }, 'JobSpec.search.TopK', /positive integer/);
    await bad({ target: 'file', format: 'csv', uri: folder('x'), search: { QueryExpression: 'Tags.all = ' } }, 'QueryExpression', /1:12/);
    expect(await drain(c.queues.exporter)).toEqual([]);
  });

  describe('logical datasets', () => {
    let logical: string;
    const refsOf = async (version: string) => {
      const out: any[] = [];
      let token: string | undefined;
      do {
        const r = await call('GET', `/api/v1/datasets/${logical}/versions/${version}/references?MaxResults=300${token ? `&NextToken=${token}` : ''}`);
        expect(r.status).toBe(200);
        out.push(...r.body.References);
        token = r.body.NextToken;
      } while (token);
      return out;
    };

    beforeAll(async () => {
      const r = await call('POST', '/api/v1/datasets', { Name: 'training-set', Edition: 'LOGICAL' });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      logical = r.body.DatasetId;
    });

    it('has no storage and no version until an export makes one; versions cannot be made by hand', async () => {
      expect((await call('GET', `/api/v1/datasets/${logical}`)).body).toMatchObject({ Edition: 'LOGICAL', Uri: '' });
      expect((await call('GET', `/api/v1/datasets/${logical}/versions`)).body.DatasetVersions).toEqual([]);
      const v = await call('POST', `/api/v1/datasets/${logical}/versions`, {});
      expect(v.status).toBe(400);
      expect((await call('POST', '/api/v1/datasets', { Name: 'x', Edition: 'LOGICAL', Uri: pathToFileURL(root).href })).status).toBe(400);
      expect((await call('POST', '/api/v1/datasets', { Name: 'x' })).body.Field).toBe('Uri');
      // Jobs cannot run on a logical dataset.
      expect((await call('POST', `/api/v1/datasets/${logical}/datasetjobs`, { DatasetVersion: 'v1', JobAction: 'FileMetaBuild' })).status).toBe(400);
    });

    it('each export makes the next immutable version of references; versions diff by id and fingerprint', async () => {
      const first = await runExport({ search: keepSearch, target: 'logical', logicalDatasetId: logical, versionDescription: 'tagged keep' });
      expect(first.Output).toEqual({ DatasetId: logical, VersionName: 'v1', FileCount: taggedNames().length });
      const v1 = await refsOf('v1');
      expect(v1.map((r) => r.FileName)).toEqual(taggedNames());
      expect(v1[0]).toMatchObject({ SourceDatasetId: ds, SourceVersionName: 'v1', DataSize: expect.any(Number), MetaAttributes: { ImageWidth: 16 } });
      expect(v1[0].Tags.all).toEqual(['keep', 'a "quoted", tag']);
      const version = (await call('GET', `/api/v1/datasets/${logical}/versions/v1`)).body;
      expect(version).toMatchObject({ VersionName: 'v1', Description: 'tagged keep', DataCount: v1.length });

      // Files change after v1: the tag moves to other files, and one tagged file's content changes.
      const all = await c.store.listFileMetas({ datasetId: ds, versionName: 'v1', sortBy: 'FileName', order: 'ASC', maxResults: FILES });
      await setUserTags(all.items[0]!.datasetFileMetaId, []); // removed
      await setUserTags(all.items[1]!.datasetFileMetaId, ['keep']); // added
      const changed = all.items[3]!;
      await writeFile(fileURLToPath(changed.uri), await readFile(fileURLToPath(all.items[4]!.uri)));
      await c.services.jobs.create({ datasetId: ds, versionName: 'v1', jobAction: 'FileMetaBuild', jobMode: 'Increment' });
      await c.services.fanout.run(FanoutMessage.parse(JSON.parse((await drain(c.queues.fanout))[0]!)));
      for (const b of await drain(c.queues.prober)) await c.services.probing.processBatch(BatchMessage.parse(JSON.parse(b)));

      const second = await runExport({ search: keepSearch, target: 'logical', logicalDatasetId: logical });
      expect(second.Output.VersionName).toBe('v2');
      // v1 is unchanged by the new export and by the source's changes.
      expect(await refsOf('v1')).toEqual(v1);
      const diff = async (change: string) => (await call('GET', `/api/v1/datasets/${logical}/versions/v2/diff?BaseVersion=v1&Change=${change}&MaxResults=1000`)).body;
      const added = await diff('Added');
      expect(added).toMatchObject({ AddedCount: 1, RemovedCount: 1, ChangedCount: 1, Change: 'Added' });
      expect(added.References.map((r: any) => r.FileName)).toEqual([all.items[1]!.fileName]);
      expect((await diff('Removed')).References.map((r: any) => r.FileName)).toEqual([all.items[0]!.fileName]);
      const ch = (await diff('Changed')).References;
      expect(ch.map((r: any) => r.FileName)).toEqual([changed.fileName]);
      expect(ch[0].FileFingerPrint).not.toBe(v1.find((r) => r.FileName === changed.fileName)!.FileFingerPrint);
      expect((await call('GET', `/api/v1/datasets/${logical}/versions/v2/diff?BaseVersion=v9`)).status).toBe(404);
      expect((await call('GET', `/api/v1/datasets/${ds}/versions/v1/references`)).status).toBe(400);
    });

    it('two exports into one logical dataset at once make two versions; a stopped one leaves none', async () => {
      const a = await createExport({ search: keepSearch, target: 'logical', logicalDatasetId: logical });
      const b = await createExport({ search: { ...keepSearch, QueryFileName: 'img_00001' }, target: 'logical', logicalDatasetId: logical });
      const stopped = await createExport({ search: keepSearch, target: 'logical', logicalDatasetId: logical });
      await c.services.jobs.stop(stopped.jobId);
      await Promise.all([c.services.export.run(a.msg), c.services.export.run(b.msg), c.services.export.run(stopped.msg)]);
      const names = [(await c.store.getJob(a.jobId))!.output!.versionName, (await c.store.getJob(b.jobId))!.output!.versionName].sort();
      expect(names).toEqual(['v3', 'v4']);
      expect((await call('GET', `/api/v1/datasets/${logical}/versions`)).body.DatasetVersions.map((v: any) => v.VersionName)).toEqual(['v1', 'v2', 'v3', 'v4']);
    });

    it('a logical export stopped midway discards the version it was building', async () => {
      const { jobId, msg } = await createExport({ search: { SortBy: 'FileName', Order: 'ASC' }, target: 'logical', logicalDatasetId: logical });
      const search = c.services.search;
      const real = search.search.bind(search);
      let calls = 0;
      let seenBuilding: unknown;
      search.search = async (p) => {
        if (++calls === 2) {
          seenBuilding = (await call('GET', `/api/v1/datasets/${logical}/versions/v5`)).status;
          await c.services.jobs.stop(jobId);
        }
        return real(p);
      };
      try {
        expect(await c.services.export.run(msg)).toBe('dropped');
      } finally {
        search.search = real;
      }
      expect(seenBuilding).toBe(404); // being built: invisible
      expect((await c.store.getJob(jobId))!.status).toBe('ManuallyStop');
      expect((await call('GET', `/api/v1/datasets/${logical}/versions`)).body.DatasetVersions.map((v: any) => v.VersionName)).toEqual(['v1', 'v2', 'v3', 'v4']);
      const next = await runExport({ search: keepSearch, target: 'logical', logicalDatasetId: logical });
      expect(next.Output.VersionName).toBe('v5');
      expect((await refsOf('v5')).length).toBe(next.Output.FileCount);
    });
  });
});

/** One RFC 4180 record (no embedded line breaks in these tests). */
function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        v += line.slice(i, q);
        i = q + 1;
        if (line[i] === '"') {
          v += '"';
          i++;
        } else break;
      }
      out.push(v);
      i++; // the comma
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? line.length : comma;
      out.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return out;
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
