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
import { ExportMessage, FanoutMessage, BatchMessage } from '../../lib/domain/job.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { buildContainer, type Container } from '../../lib/runtime/container.js';
import { jsonLogger } from '../../lib/runtime/logger.js';
import { generatePngs } from '../support/generate-images.js';
import { inProcessApi } from '../support/in-process-api.js';
import { drainQueue } from '../support/drain-queue.js';

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


  /** Creates an export job through the API; returns its id and the exporter's message (not yet run). */
  async function createExport(spec: Record<string, unknown>, datasetId = ds) {
    const r = await call('POST', `/api/v1/datasets/${datasetId}/datasetjobs`, { DatasetVersion: 'v1', JobAction: 'FileMetaExport', JobSpec: spec });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const [msg] = await drain(c.queues.exporter);
    return { jobId: r.body.DatasetJobId as string, msg: ExportMessage.parse(JSON.parse(msg!)) };
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
      if (i % 3 === 0) await c.store.updateUserTags(m.datasetFileMetaId, { user: ['keep', 'a "quoted", tag'], userDeleteAiTags: [] }, new Date().toISOString());
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

  it('refuses bad specs at creation with the field named, and never starts the job', async () => {
    const bad = async (spec: unknown, field: string, message: RegExp) => {
      const r = await call('POST', `/api/v1/datasets/${ds}/datasetjobs`, { DatasetVersion: 'v1', JobAction: 'FileMetaExport', JobSpec: spec });
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.Field).toBe(field);
      expect(r.body.Message).toMatch(message);
    };
    await bad({ target: 'file', uri: folder('x') }, 'JobSpec.format', /needs a format/);
    await bad({ target: 'file', format: 'manifest' }, 'JobSpec.uri', /folder URI/);
    await bad({ target: 'file', format: 'xml', uri: folder('x') }, 'JobSpec.format', /manifest/);
    await bad({ target: 'file', format: 'csv', images: 'copy', uri: folder('x') }, 'JobSpec.images', /gme/);
    await bad({ target: 'file', format: 'csv', uri: 's3://bucket/x/' }, 'JobSpec.uri', /no object store/);
    await bad({ target: 'logical' }, 'JobSpec.logicalDatasetId', /logical dataset id/);
    await bad({ target: 'logical', logicalDatasetId: ds }, 'JobSpec.logicalDatasetId', /ADVANCED, not LOGICAL/);
    await bad({ target: 'file', format: 'csv', uri: folder('x'), search: { QueryTags: ['x'] } }, 'JobSpec.search', /QueryTags/);
    await bad({ target: 'file', format: 'csv', uri: folder('x'), search: { TopK: 'ten' } }, 'JobSpec.search.TopK', /number/);
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
      const now = new Date().toISOString();
      await c.store.updateUserTags(all.items[0]!.datasetFileMetaId, { user: [], userDeleteAiTags: [] }, now); // removed
      await c.store.updateUserTags(all.items[1]!.datasetFileMetaId, { user: ['keep'], userDeleteAiTags: [] }, now); // added
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
