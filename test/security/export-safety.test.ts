// Issue 10, item 1 (exports that never destroy data) and the export half of item 14 (a target that
// cannot be written fails at once, with the cause). An export writes only into an empty folder or a
// previous Loupe export's (its own export.json marker), never into a dataset's folder; replacing an
// export takes `overwrite: true`; every refusal comes at creation and names the file that would be lost,
// and comes again when the exporter starts.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../functions/api/index.js';
import { BatchMessage, ExportMessage, FanoutMessage } from '../../lib/domain/job.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { buildContainer, type Container } from '../../lib/runtime/container.js';
import { jsonLogger } from '../../lib/runtime/logger.js';
import { drainQueue } from '../support/drain-queue.js';
import { inProcessApi } from '../support/in-process-api.js';
import { writePngs } from '../support/local-loupe.js';

const KEY = 'export-safety-key-0123456789';
/** A hand-labelled training file, as in the issue: 102 lines. */
const LABELS = Array.from({ length: 102 }, (_, i) => JSON.stringify({ file: `img_${i}.png`, tags: ['hand-labelled'] })).join('\n') + '\n';

describe('export safety (issue 10: #1, #14)', () => {
  let dir: string;
  let photos: string;
  let c: Container;
  let ds: string;
  let call: ReturnType<typeof inProcessApi>;

  const url = (...parts: string[]) => pathToFileURL(path.join(dir, ...parts)).href + '/';
  const drain = (queue: string) => drainQueue(c.queue, queue);
  const create = (spec: Record<string, unknown>) =>
    call('POST', `/api/v1/datasets/${ds}/datasetjobs`, { DatasetVersion: 'v1', JobAction: 'FileMetaExport', JobSpec: { search: { SortBy: 'FileName', Order: 'ASC' }, ...spec } });
  /** Creates an export (200 expected) and returns its job id and the exporter's message, not yet run. */
  async function created(spec: Record<string, unknown>) {
    const r = await create(spec);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const [msg] = await drain(c.queues.exporter);
    return { jobId: r.body.DatasetJobId as string, msg: ExportMessage.parse(JSON.parse(msg!)) };
  }
  async function exported(spec: Record<string, unknown>) {
    const { jobId, msg } = await created(spec);
    expect(await c.services.export.run(msg)).toBe('done');
    const job = (await call('GET', `/api/v1/datasets/${ds}/datasetjobs/${jobId}`)).body;
    expect(job.Status, JSON.stringify(job)).toBe('Succeeded');
    return job;
  }
  const job = async (id: string) => (await call('GET', `/api/v1/datasets/${ds}/datasetjobs/${id}`)).body;
  /** Whether a job's Logs (PAI's: '<time> <LEVEL> <message>' lines) hold a line of `level` whose message passes `test`. */
  const logged = (j: { Logs: string[] }, level: string, test: (message: string) => boolean) =>
    j.Logs.some((line) => {
      const m = /^\S+ (INFO|WARN|ERROR) ([\s\S]*)$/.exec(line);
      return m !== null && m[1] === level && test(m[2]!);
    });
  async function expectRefused(spec: Record<string, unknown>, status: number, message: string | RegExp) {
    const r = await create(spec);
    expect(r.status, JSON.stringify(r.body)).toBe(status);
    expect(r.body.Field).toBe('JobSpec.uri');
    if (typeof message === 'string') expect(r.body.Message).toContain(message);
    else expect(r.body.Message).toMatch(message);
    return r.body.Message as string;
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-export-safety-'));
    photos = path.join(dir, 'photos');
    await writePngs(photos, ['a.png', 'b.png', 'c.png', 'd.png']);
    await writeFile(path.join(photos, 'dataset.jsonl'), LABELS);
    c = buildContainer(loadConfig({ LOUPE_DATA_DIR: path.join(dir, 'data'), LOUPE_API_KEYS: KEY, LOUPE_FILE_ROOTS: dir }), { log: jsonLogger('silent') });
    call = inProcessApi(createApi(c, [KEY]), KEY);
    const r = await call('POST', '/api/v1/datasets', { Name: 'photos', Uri: pathToFileURL(photos).href });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    ds = r.body.DatasetId;
    await c.services.jobs.create({ datasetId: ds, versionName: 'v1', jobAction: 'FileMetaBuild' });
    await c.services.fanout.run(FanoutMessage.parse(JSON.parse((await drain(c.queues.fanout))[0]!)));
    for (const b of await drain(c.queues.prober)) await c.services.probing.processBatch(BatchMessage.parse(JSON.parse(b)));
  }, 60_000);
  afterAll(async () => {
    await c?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("#1 a gme export into a dataset's own folder is a 400 at creation naming the dataset and version; its dataset.jsonl keeps 102 lines", async () => {
    const own = url('photos');
    const naming = `dataset '${ds}' version v1`;
    // The folder itself, however it is spelled, and any folder inside it.
    for (const uri of [own, own.slice(0, -1), own.replace('/photos/', '//photos/'), own.replace('/photos/', '/%70hotos/'), `${own}exports/gme/`]) {
      await expectRefused({ target: 'file', format: 'gme', uri }, 400, naming);
      await expectRefused({ target: 'file', format: 'manifest', uri, overwrite: true }, 400, naming);
    }
    // Any dataset, not only the exported one.
    const other = path.join(dir, 'other-dataset');
    await mkdir(other);
    const o = await call('POST', '/api/v1/datasets', { Name: 'other', Uri: pathToFileURL(other).href });
    await expectRefused({ target: 'file', format: 'csv', uri: url('other-dataset', 'sub') }, 400, `dataset '${o.body.DatasetId}' version v1`);
    // Copies into an images/ folder that is a dataset's.
    const imagesDataset = path.join(dir, 'layout', 'images');
    await mkdir(imagesDataset, { recursive: true });
    const i = await call('POST', '/api/v1/datasets', { Name: 'layout-images', Uri: pathToFileURL(imagesDataset).href });
    await expectRefused({ target: 'file', format: 'gme', uri: url('layout') }, 400, `dataset '${i.body.DatasetId}' version v1`);

    expect(await readFile(path.join(photos, 'dataset.jsonl'), 'utf8')).toBe(LABELS);
    expect(existsSync(path.join(photos, 'export.json'))).toBe(false);
    expect(existsSync(path.join(photos, 'images'))).toBe(false);
    expect(await drain(c.queues.exporter)).toEqual([]);
  });

  it("#1 an export never replaces a file Loupe did not write: an unrelated manifest.jsonl, a user's export.json, any other file is a 409 naming it", async () => {
    const unrelated = '{"mine": true}\n';
    await mkdir(path.join(dir, 'has-manifest'));
    await writeFile(path.join(dir, 'has-manifest', 'manifest.jsonl'), unrelated);
    for (const overwrite of [undefined, true]) {
      const message = await expectRefused({ target: 'file', format: 'manifest', uri: url('has-manifest'), overwrite }, 409, `would replace '${url('has-manifest')}manifest.jsonl', which Loupe did not write`);
      expect(message).not.toContain('mine'); // never the file's bytes
    }
    expect(await readFile(path.join(dir, 'has-manifest', 'manifest.jsonl'), 'utf8')).toBe(unrelated);

    // An export.json that looks like Loupe's but is not (no Generator): the user's, not a marker.
    await mkdir(path.join(dir, 'has-export-json'));
    const theirs = JSON.stringify({ DatasetJobId: 'job-0000000000000000', Files: ['manifest.jsonl', 'export.json'] });
    await writeFile(path.join(dir, 'has-export-json', 'export.json'), theirs);
    await expectRefused({ target: 'file', format: 'manifest', uri: url('has-export-json'), overwrite: true }, 409, `would replace '${url('has-export-json')}export.json', which Loupe did not write`);
    expect(await readFile(path.join(dir, 'has-export-json', 'export.json'), 'utf8')).toBe(theirs);

    // Any other file: the folder is not empty.
    await mkdir(path.join(dir, 'has-notes', 'deep'), { recursive: true });
    await writeFile(path.join(dir, 'has-notes', 'deep', 'notes.txt'), 'x');
    await expectRefused({ target: 'file', format: 'csv', uri: url('has-notes') }, 409, `'${url('has-notes')}' is not empty (it holds '${url('has-notes')}deep/notes.txt', which Loupe did not write)`);
    expect(await drain(c.queues.exporter)).toEqual([]);
  });

  it('#1 replacing a previous Loupe export takes overwrite: true; logical exports take no overwrite', async () => {
    const uri = url('exports', 'replaced');
    const first = await exported({ target: 'file', format: 'manifest', uri });
    const marker = JSON.parse(await readFile(path.join(dir, 'exports', 'replaced', 'export.json'), 'utf8'));
    expect(marker).toMatchObject({ Generator: 'loupe', DatasetJobId: first.DatasetJobId, Status: 'Succeeded', Files: ['manifest.jsonl', 'export.json'] });

    await expectRefused({ target: 'file', format: 'manifest', uri }, 409, `holds the export of job ${first.DatasetJobId}`);
    await expectRefused({ target: 'file', format: 'manifest', uri }, 409, '"overwrite": true');
    const second = await exported({ target: 'file', format: 'csv', uri, overwrite: true, search: { QueryFileName: 'a.png' } });
    expect(second.Output).toMatchObject({ Files: ['export.csv', 'export.json'], FileCount: 1 });
    // The first export's manifest is still Loupe's: the folder's marker says so, and a third export may replace it.
    const replaced = JSON.parse(await readFile(path.join(dir, 'exports', 'replaced', 'export.json'), 'utf8'));
    expect(replaced).toMatchObject({ DatasetJobId: second.DatasetJobId, Files: ['export.csv', 'export.json'] });
    expect(replaced.LoupeFiles.map((f: { Name: string }) => f.Name)).toEqual(['manifest.jsonl', 'export.csv']);
    await exported({ target: 'file', format: 'manifest', uri, overwrite: true });
    expect((await readFile(path.join(dir, 'exports', 'replaced', 'manifest.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(4);

    const logical = (await call('POST', '/api/v1/datasets', { Name: 'train', Edition: 'LOGICAL' })).body.DatasetId;
    const r = await create({ target: 'logical', logicalDatasetId: logical, overwrite: true });
    expect(r.status).toBe(400);
    expect(r.body.Message).toMatch(/overwrite are for target file/);
  });

  it("#1 even with overwrite, a file of the export's that Loupe did not write is refused; the user's files stay", async () => {
    const uri = url('exports', 'mixed');
    await exported({ target: 'file', format: 'manifest', uri });
    const folder = path.join(dir, 'exports', 'mixed');
    await writeFile(path.join(folder, 'export.csv'), 'their,csv\n');
    await mkdir(path.join(folder, 'images'));
    await writeFile(path.join(folder, 'images', 'theirs.png'), 'x');
    await writeFile(path.join(folder, 'README.txt'), 'notes');
    await expectRefused({ target: 'file', format: 'csv', uri, overwrite: true }, 409, `would replace '${uri}export.csv', which Loupe did not write`);
    await expectRefused({ target: 'file', format: 'gme', uri, overwrite: true }, 409, `would replace '${uri}images/theirs.png', which Loupe did not write`);
    // The files Loupe wrote may be replaced; the others are left as they were.
    await exported({ target: 'file', format: 'manifest', uri, overwrite: true });
    expect(await readFile(path.join(folder, 'export.csv'), 'utf8')).toBe('their,csv\n');
    expect(await readFile(path.join(folder, 'README.txt'), 'utf8')).toBe('notes');
    expect((await readdir(folder)).sort()).toEqual(['README.txt', 'export.csv', 'export.json', 'images', 'manifest.jsonl']);
  });

  it('#1 the exporter checks again when it starts: a file that appeared since creation fails the job at once, with the reason in Logs and Message', async () => {
    const uri = url('exports', 'raced');
    const { jobId, msg } = await created({ target: 'file', format: 'manifest', uri });
    const folder = path.join(dir, 'exports', 'raced');
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, 'manifest.jsonl'), 'user data\n');
    expect(await c.services.export.run(msg)).toBe('dropped'); // resolved, not thrown: no redelivery
    const j = await job(jobId);
    const reason = `would replace '${uri}manifest.jsonl', which Loupe did not write`;
    expect(j).toMatchObject({ Status: 'Failed' });
    expect(j.Message).toContain(reason);
    expect(logged(j, 'ERROR', (m) => m.includes(reason))).toBe(true);
    expect(await readFile(path.join(folder, 'manifest.jsonl'), 'utf8')).toBe('user data\n');
    expect(await readdir(folder)).toEqual(['manifest.jsonl']);
  });

  it('#1 a redelivered export of the same job finds its own in-progress marker and starts over', async () => {
    const uri = url('exports', 'redelivered');
    const { jobId, msg } = await created({ target: 'file', format: 'gme', uri });
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
    const folder = path.join(dir, 'exports', 'redelivered');
    // The marker went first: the folder is this job's, in progress.
    expect(JSON.parse(await readFile(path.join(folder, 'export.json'), 'utf8'))).toMatchObject({ Generator: 'loupe', DatasetJobId: jobId, Status: 'Running' });
    expect(logged(await job(jobId), 'WARN', (m) => m.includes('injected'))).toBe(true);
    // Another export may not take the folder over while this one runs, even with overwrite.
    await expectRefused({ target: 'file', format: 'gme', uri, overwrite: true }, 409, `job ${jobId} is exporting into '${uri}' now`);
    expect(await c.services.export.run(msg)).toBe('done');
    expect((await job(jobId)).Status).toBe('Succeeded');
    expect(JSON.parse(await readFile(path.join(folder, 'export.json'), 'utf8'))).toMatchObject({ DatasetJobId: jobId, Status: 'Succeeded', FileCount: 4 });
    expect((await readdir(path.join(folder, 'images'))).length).toBe(4);
  });

  it("#1 PAI's layout writes only inside its own new folder: never into a dataset, never into a folder someone wrote (at creation and when the exporter starts), and exportDirUri's other files stay", async () => {
    const pai = (spec: Record<string, unknown>) => call('POST', `/api/v1/datasets/${ds}/datasetjobs`, { DatasetVersion: 'v1', JobAction: 'FileMetaExport', JobSpec: spec });
    // Into a dataset's folder (its new folder would be inside it): a 400 naming the field as spelled.
    for (const [key, dirUri] of [['exportDirUri', url('photos')], ['uri', url('photos', 'sub')]] as const) {
      const r = await pai({ query: {}, [key]: dirUri });
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.Field).toBe(`JobSpec.${key}`);
      expect(r.body.Message).toContain(`inside the folder of dataset '${ds}' version v1`);
    }
    expect((await readdir(photos)).sort()).toEqual(['a.png', 'b.png', 'c.png', 'd.png', 'dataset.jsonl']);

    // exportDirUri may hold anything: the export writes a new folder beside it, and touches nothing else.
    const parent = path.join(dir, 'exports', 'pai');
    await mkdir(path.join(parent, 'old-run'), { recursive: true });
    await writeFile(path.join(parent, 'README.txt'), 'notes');
    await writeFile(path.join(parent, 'old-run', 'pai_dataset_filemeta_manifest.yaml'), 'theirs');
    const first = await exported({ exportDirUri: url('exports', 'pai'), search: undefined, query: { SortBy: 'FileName', Order: 'ASC' } });
    const made = first.Output.Uri as string;
    expect(made.startsWith(url('exports', 'pai'))).toBe(true);
    expect((await readdir(fileURLToPath(made))).sort()).toEqual(['export.json', 'pai_dataset_filemeta_00000.jsonl', 'pai_dataset_filemeta_manifest.yaml']);
    expect(await readFile(path.join(parent, 'README.txt'), 'utf8')).toBe('notes');
    expect(await readFile(path.join(parent, 'old-run', 'pai_dataset_filemeta_manifest.yaml'), 'utf8')).toBe('theirs');

    // The new folder is chosen when the job is created (a free one); a file someone puts there before the exporter starts fails the job, and stays.
    const folderOf = async (jobId: string) => path.resolve(fileURLToPath(JSON.parse((await job(jobId)).JobSpec).outputDirUri));
    const raced = await created({ exportDirUri: url('exports', 'pai'), search: undefined, query: {} });
    const racedFolder = await folderOf(raced.jobId);
    expect(racedFolder).not.toBe(path.resolve(fileURLToPath(made))); // even when created in the same second as the first
    await mkdir(racedFolder);
    await writeFile(path.join(racedFolder, 'pai_dataset_filemeta_00000.jsonl'), 'user data\n');
    expect(await c.services.export.run(raced.msg)).toBe('dropped');
    const r = await job(raced.jobId);
    expect(r.Status).toBe('Failed');
    expect(r.Message).toContain(`is not empty (it holds '${pathToFileURL(racedFolder).href}/pai_dataset_filemeta_00000.jsonl', which Loupe did not write)`);
    expect(await readdir(racedFolder)).toEqual(['pai_dataset_filemeta_00000.jsonl']);
    expect(await readFile(path.join(racedFolder, 'pai_dataset_filemeta_00000.jsonl'), 'utf8')).toBe('user data\n');

    // Another export found in the folder (say a second Loupe on the same bucket) is never taken over, even a finished one.
    const second = await created({ exportDirUri: url('exports', 'pai'), search: undefined, query: {} });
    const secondFolder = await folderOf(second.jobId);
    await mkdir(secondFolder);
    const theirs = await readFile(path.join(fileURLToPath(made), 'export.json'), 'utf8');
    await writeFile(path.join(secondFolder, 'export.json'), theirs);
    expect(await c.services.export.run(second.msg)).toBe('dropped');
    const s2 = await job(second.jobId);
    expect(s2.Status).toBe('Failed');
    expect(s2.Message).toContain(`holds the export of job ${first.DatasetJobId}`);
    expect(s2.Message).toContain('never over another export');
    expect(await readdir(secondFolder)).toEqual(['export.json']);
    expect(await readFile(path.join(secondFolder, 'export.json'), 'utf8')).toBe(theirs);
    expect(await drain(c.queues.exporter)).toEqual([]);
  });

  /** Registers a dataset on `folder` and indexes it (FileMetaBuild, fan-out, probing); returns its id. */
  async function indexed(name: string, folder: string) {
    const r = await call('POST', '/api/v1/datasets', { Name: name, Uri: pathToFileURL(folder).href });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    await c.services.jobs.create({ datasetId: r.body.DatasetId, versionName: 'v1', jobAction: 'FileMetaBuild' });
    await c.services.fanout.run(FanoutMessage.parse(JSON.parse((await drain(c.queues.fanout))[0]!)));
    for (const b of await drain(c.queues.prober)) await c.services.probing.processBatch(BatchMessage.parse(JSON.parse(b)));
    return r.body.DatasetId as string;
  }

  it("#1 folders compare by their real path: a target that is a link to a dataset's folder, a dataset registered through a link, an images/ linked into a dataset are a 400 at creation and when the exporter starts", async () => {
    // The repro: `ln -s empty_ds lnk_empty`, a dataset on empty_ds, an export to lnk_empty.
    const emptyDs = path.join(dir, 'empty_ds');
    await mkdir(emptyDs);
    await symlink(emptyDs, path.join(dir, 'lnk_empty'));
    const e = (await call('POST', '/api/v1/datasets', { Name: 'empty', Uri: pathToFileURL(emptyDs).href })).body.DatasetId;
    for (const uri of [url('lnk_empty'), url('lnk_empty', 'sub'), url('lnk_empty').replace('/lnk_empty/', '//lnk_empty/')]) {
      await expectRefused({ target: 'file', format: 'gme', uri }, 400, `dataset '${e}' version v1`);
      await expectRefused({ target: 'file', format: 'manifest', uri, overwrite: true }, 400, `dataset '${e}' version v1`);
    }

    // A dataset registered through a link; the export aimed at the real folder.
    const realDs = path.join(dir, 'real_ds');
    await mkdir(realDs);
    await symlink(realDs, path.join(dir, 'lnk_ds'));
    const l = await call('POST', '/api/v1/datasets', { Name: 'linked', Uri: url('lnk_ds') });
    expect(l.status, JSON.stringify(l.body)).toBe(200);
    await expectRefused({ target: 'file', format: 'csv', uri: url('real_ds') }, 400, `dataset '${l.body.DatasetId}' version v1`);

    // A previous export whose images/ became a link to a dataset's folder: the copies would land in it.
    const uri = url('exports', 'linked-images');
    await exported({ target: 'file', format: 'gme', uri });
    const folder = path.join(dir, 'exports', 'linked-images');
    await rm(path.join(folder, 'images'), { recursive: true });
    await symlink(emptyDs, path.join(folder, 'images'));
    await expectRefused({ target: 'file', format: 'gme', uri, overwrite: true }, 400, `the images would be copied into '${uri}images/', which is or holds dataset '${e}' version v1`);

    // When the exporter starts: the target became a link to a dataset's folder after the job was created.
    const swapped = url('exports', 'swapped');
    const { jobId, msg } = await created({ target: 'file', format: 'gme', uri: swapped });
    await symlink(emptyDs, path.join(dir, 'exports', 'swapped'));
    expect(await c.services.export.run(msg)).toBe('dropped');
    const j = await job(jobId);
    expect(j.Status).toBe('Failed');
    expect(j.Message).toContain(`is the folder of dataset '${e}' version v1`);

    expect(await readdir(emptyDs)).toEqual([]);
    expect(await readdir(realDs)).toEqual([]);
    expect(await drain(c.queues.exporter)).toEqual([]);
  });

  it('#1 overwrite replaces only what Loupe wrote and nobody changed since (ETags in the marker): an edited dataset.jsonl, an edited or added copy, a forged or ETag-less marker are a 409 naming the file', async () => {
    const uri = url('exports', 'edited');
    const folder = path.join(dir, 'exports', 'edited');
    const store = c.objects.forUri(uri);
    await exported({ target: 'file', format: 'gme', uri });
    const marker = JSON.parse(await readFile(path.join(folder, 'export.json'), 'utf8'));
    expect(marker.LoupeFiles).toEqual([
      { Name: 'dataset.jsonl', ETag: (await store.head(uri + 'dataset.jsonl')).etag },
      { Name: 'images/', ETag: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), Count: 4 },
    ]);
    // Untouched: replaced without a word.
    await exported({ target: 'file', format: 'gme', uri, overwrite: true });

    // The user edits the training file Loupe wrote: it is theirs now, at creation and when the exporter starts.
    const { jobId, msg } = await created({ target: 'file', format: 'gme', uri, overwrite: true });
    await writeFile(path.join(folder, 'dataset.jsonl'), LABELS);
    const changed = `would replace '${uri}dataset.jsonl', which was changed after Loupe wrote it`;
    expect(await c.services.export.run(msg)).toBe('dropped');
    expect((await job(jobId)).Message).toContain(changed);
    await expectRefused({ target: 'file', format: 'gme', uri, overwrite: true }, 409, changed);
    expect(await readFile(path.join(folder, 'dataset.jsonl'), 'utf8')).toBe(LABELS);

    // A copy in images/ edited, or a file added under a copy's name.
    const copies = path.join(dir, 'exports', 'edited-copies');
    const copiesUri = url('exports', 'edited-copies');
    await exported({ target: 'file', format: 'gme', uri: copiesUri });
    const [first] = (await readdir(path.join(copies, 'images'))).sort();
    await writeFile(path.join(copies, 'images', first!), 'cropped by hand');
    await expectRefused({ target: 'file', format: 'gme', uri: copiesUri, overwrite: true }, 409, `would replace files in '${copiesUri}images/', which changed after Loupe wrote them (4 files now, 4 when Loupe wrote them; the last modified is '${copiesUri}images/${first}')`);
    expect(await readFile(path.join(copies, 'images', first!), 'utf8')).toBe('cropped by hand');
    const added = path.join(dir, 'exports', 'added-copy');
    await exported({ target: 'file', format: 'gme', uri: url('exports', 'added-copy') });
    await writeFile(path.join(added, 'images', '0123456789abcdef0123456789abcdef.png'), 'mine');
    await expectRefused({ target: 'file', format: 'gme', uri: url('exports', 'added-copy'), overwrite: true }, 409, '(5 files now, 4 when Loupe wrote them');

    // A forged marker next to the user's files: names without ETags (as older markers wrote), or wrong ETags, prove nothing.
    const forged = path.join(dir, 'forged');
    await mkdir(forged);
    await writeFile(path.join(forged, 'dataset.jsonl'), LABELS);
    const forge = (LoupeFiles: unknown[]) =>
      writeFile(path.join(forged, 'export.json'), JSON.stringify({ Generator: 'loupe', DatasetJobId: 'job-forged', Status: 'Succeeded', Files: ['dataset.jsonl', 'images/', 'export.json'], LoupeFiles }));
    await forge(['dataset.jsonl', 'images/', 'export.json']);
    await expectRefused({ target: 'file', format: 'gme', uri: url('forged'), overwrite: true }, 409, `would replace '${url('forged')}dataset.jsonl', which Loupe did not write (or not provably`);
    await forge([{ Name: 'dataset.jsonl', ETag: 'W/"66-0"' }]);
    await expectRefused({ target: 'file', format: 'gme', uri: url('forged'), overwrite: true }, 409, `would replace '${url('forged')}dataset.jsonl', which was changed after Loupe wrote it`);
    expect(await readFile(path.join(forged, 'dataset.jsonl'), 'utf8')).toBe(LABELS);
    expect(await drain(c.queues.exporter)).toEqual([]);
  });

  it('#1 a gme copy checks the fingerprint: a source changed since it was indexed fails that file ("changed since it was indexed"); its new bytes are not exported', async () => {
    const changing = path.join(dir, 'changing');
    await writePngs(changing, ['a.png', 'b.png']);
    const d = await indexed('changing', changing);
    await writeFile(path.join(changing, 'b.png'), 'replaced after indexing');
    const r = await call('POST', `/api/v1/datasets/${d}/datasetjobs`, {
      DatasetVersion: 'v1',
      JobAction: 'FileMetaExport',
      JobSpec: { search: { SortBy: 'FileName', Order: 'ASC' }, target: 'file', format: 'gme', uri: url('exports', 'changing') },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const [msg] = await drain(c.queues.exporter);
    await c.services.export.run(ExportMessage.parse(JSON.parse(msg!)));
    const j = (await call('GET', `/api/v1/datasets/${d}/datasetjobs/${r.body.DatasetJobId}`)).body;
    expect(j).toMatchObject({ Status: 'PartialFailed', CompletedFileCount: 1, FailedFileCount: 1 });
    expect(j.FailedFiles).toEqual([expect.objectContaining({ Uri: pathToFileURL(path.join(changing, 'b.png')).href, Reason: expect.stringContaining('changed since it was indexed') })]);
    const folder = path.join(dir, 'exports', 'changing');
    const lines = (await readFile(path.join(folder, 'dataset.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((line) => line.uri)).toEqual([pathToFileURL(path.join(changing, 'a.png')).href]);
    const images = await readdir(path.join(folder, 'images'));
    expect(images).toHaveLength(1);
    expect(await readFile(path.join(folder, 'images', images[0]!))).toEqual(await readFile(path.join(changing, 'a.png')));
  });

  it('#14 a folder that cannot be made (a path under a regular file: ENOTDIR, which fails even as root) fails the job at once with the cause; a name too long is a 400 at creation', async () => {
    // Tests run as root, for whom permission bits do not stop a write: a path through a regular file
    // fails for root as for anyone.
    await writeFile(path.join(dir, 'plain.txt'), 'not a folder');
    const uri = url('plain.txt', 'out');
    const { jobId, msg } = await created({ target: 'file', format: 'manifest', uri });
    expect(await c.services.export.run(msg)).toBe('dropped'); // no redelivery
    const j = await job(jobId);
    expect(j.Status).toBe('Failed');
    expect(j.Message).toContain(`export to ${uri} failed`);
    expect(j.Message).toMatch(/is a file|ENOTDIR/);
    expect(logged(j, 'ERROR', (m) => m === `failed: ${j.Message}`)).toBe(true);
    expect(await readFile(path.join(dir, 'plain.txt'), 'utf8')).toBe('not a folder');

    await expectRefused({ target: 'file', format: 'manifest', uri: url('x'.repeat(300)) }, 400, /ENAMETOOLONG|too long/);
  });

  it('#14 a folder the process may not write (EACCES) fails the job at once with the cause and the folder; a passing error (EIO) is delivered again', async () => {
    // Root writes through permission bits, so the refusal is the store's, as Node reports it.
    const uri = url('exports', 'denied');
    const store = c.objects.forUri(uri);
    const write = store.write.bind(store);
    const failing = (code: string, text: string) => async (u: string, d: Parameters<typeof write>[1]) => {
      if (!u.startsWith(uri)) return write(u, d);
      throw Object.assign(new Error(`${code}: ${text}, mkdir '${fileURLToPath(uri)}'`), { code, syscall: 'mkdir', path: fileURLToPath(uri) });
    };
    try {
      store.write = failing('EACCES', 'permission denied');
      const denied = await created({ target: 'file', format: 'manifest', uri });
      expect(await c.services.export.run(denied.msg)).toBe('dropped');
      const j = await job(denied.jobId);
      expect(j.Status).toBe('Failed');
      expect(j.Message).toBe(`export to ${uri} failed: EACCES: permission denied, mkdir '${fileURLToPath(uri)}'`);
      expect(logged(j, 'ERROR', (m) => m.includes('EACCES'))).toBe(true);

      store.write = failing('EIO', 'i/o error');
      const passing = await created({ target: 'file', format: 'manifest', uri });
      await expect(c.services.export.run(passing.msg)).rejects.toThrow(/EIO/);
      const p = await job(passing.jobId);
      expect(p.Status).toBe('Running');
      expect(logged(p, 'WARN', (m) => m.includes('EIO'))).toBe(true);
      await c.services.jobs.stop(passing.jobId);
    } finally {
      store.write = write;
    }
  });
});
