// An export of 200,000 files streams: the manifest (or PAI's layout, in two files of 100,000 lines) is
// exact line for line, it is written by a process whose heap is capped below its size, and that
// process's RSS grows by far less than it.
import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/runtime/config.js';
import { buildContainer, type Container } from '../../lib/runtime/container.js';
import { jsonLogger } from '../../lib/runtime/logger.js';
import { manifestLine, paiLine } from '../../lib/services/export-formats.js';
import { insertFileMetas, makeFileMeta } from '../support/dsl-corpus.js';

const FILES = 200_000;
/** About half the manifest's ~80 MiB. */
const HEAP_CAP_MIB = 40;

describe('export at scale', () => {
  let dir: string;
  let c: Container;
  let ds: string;
  const metaOf = (i: number) => {
    const name = `frame_${String(i).padStart(7, '0')}.jpg`;
    const folder = `clip_${String(i % 97).padStart(2, '0')}/`;
    return makeFileMeta({
      datasetFileMetaId: `m${String(i).padStart(9, '0')}`,
      datasetId: ds,
      uri: `file:///data/drive/${folder}${name}`,
      fileName: name,
      fileDir: folder,
      dataSize: 10_000 + i,
      fileFingerPrint: `W/"${i.toString(16)}"`,
      metaAttributes: { ImageWidth: 1920, ImageHeight: 1080 },
      tags: { ai: i % 2 ? ['car', 'lane line'] : ['pedestrian'], user: i % 5 ? [] : ['night'] },
    });
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-export-scale-'));
    await mkdir(path.join(dir, 'files'));
    c = buildContainer(loadConfig({ LOUPE_DATA_DIR: path.join(dir, 'data'), LOUPE_FILE_ROOTS: dir, LOUPE_API_KEYS: 'k' }), { log: jsonLogger('silent') });
    ds = (await c.services.datasets.create({ name: 'drive', uri: pathToFileURL(path.join(dir, 'files')).href })).datasetId;
    const db = new Database(path.join(dir, 'data', 'meta.db'));
    for (let i = 0; i < FILES; i += 20_000) insertFileMetas(db, Array.from({ length: 20_000 }, (_, k) => metaOf(i + k)));
    db.close();
  }, 120_000);
  afterAll(async () => {
    await c?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes 200,000 exact manifest lines with bounded memory', async () => {
    const search = { SortBy: 'FileName', Order: 'ASC' };
    const uri = pathToFileURL(path.join(dir, 'out')).href + '/';
    const job = await c.services.jobs.create({ datasetId: ds, versionName: 'v1', jobAction: 'FileMetaExport', jobSpec: { search, target: 'file', format: 'manifest', uri } });
    // The export runs in a child process whose heap is capped below the manifest's size: holding the
    // lines would fail there. Its peak RSS is measured against its RSS before the export.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [`--max-old-space-size=${HEAP_CAP_MIB}`, '--import', 'tsx', path.resolve(import.meta.dirname, '../support/export-child.ts'), path.join(dir, 'data'), job.datasetJobId, dir],
      { maxBuffer: 1 << 20 },
    );
    const child = JSON.parse(stdout) as { result: string; rssBefore: number; maxRss: number };
    const size = (await stat(path.join(dir, 'out', 'manifest.jsonl'))).size;
    const growth = child.maxRss - child.rssBefore;
    console.log(`export of ${FILES} lines: manifest ${(size / 2 ** 20).toFixed(0)} MiB, heap cap ${HEAP_CAP_MIB} MiB, peak RSS growth ${(growth / 2 ** 20).toFixed(0)} MiB`);
    expect(child.result).toBe('done');
    expect((await c.store.getJob(job.datasetJobId))!).toMatchObject({ status: 'Succeeded', totalFileCount: FILES, completedFileCount: FILES });
    expect(size).toBeGreaterThan(60 * 2 ** 20);
    // Holding the lines would take at least the manifest's size of heap, about twice the cap; the growth
    // is the capped heap, the young generation and buffers in flight (~55 MiB here), whatever the count.
    expect(HEAP_CAP_MIB * 2 ** 20).toBeLessThan(size * 0.6);
    expect(growth).toBeLessThan(size);

    let i = 0;
    for await (const line of createInterface({ input: createReadStream(path.join(dir, 'out', 'manifest.jsonl')), crlfDelay: Infinity })) {
      if (line + '\n' !== manifestLine(metaOf(i))) expect(line + '\n').toBe(manifestLine(metaOf(i)));
      i++;
    }
    expect(i).toBe(FILES);
  });

  it("writes PAI's layout of 200,000 files as two exact JSON-lines files, with bounded memory", async () => {
    const query = { SortBy: 'FileName', Order: 'ASC' };
    const parent = pathToFileURL(path.join(dir, 'pai')).href + '/';
    const job = await c.services.jobs.create({ datasetId: ds, versionName: 'v1', jobAction: 'FileMetaExport', jobSpec: { query, exportDirUri: parent } });
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [`--max-old-space-size=${HEAP_CAP_MIB}`, '--import', 'tsx', path.resolve(import.meta.dirname, '../support/export-child.ts'), path.join(dir, 'data'), job.datasetJobId, dir],
      { maxBuffer: 1 << 20 },
    );
    const child = JSON.parse(stdout) as { result: string; rssBefore: number; maxRss: number };
    expect(child.result).toBe('done');
    const done = (await c.store.getJob(job.datasetJobId))!;
    expect(done).toMatchObject({ status: 'Succeeded', totalFileCount: FILES, completedFileCount: FILES });
    const folder = path.join(dir, 'pai', path.basename(done.output!.uri!));
    const parts = ['pai_dataset_filemeta_00000.jsonl', 'pai_dataset_filemeta_00001.jsonl'];
    expect(done.output!.files).toEqual([...parts, 'pai_dataset_filemeta_manifest.yaml', 'export.json']);
    const size = (await stat(path.join(folder, parts[0]!))).size + (await stat(path.join(folder, parts[1]!))).size;
    const growth = child.maxRss - child.rssBefore;
    console.log(`PAI export of ${FILES} lines: ${(size / 2 ** 20).toFixed(0)} MiB in 2 files, heap cap ${HEAP_CAP_MIB} MiB, peak RSS growth ${(growth / 2 ** 20).toFixed(0)} MiB`);
    expect(HEAP_CAP_MIB * 2 ** 20).toBeLessThan(size * 0.6);
    expect(growth).toBeLessThan(size);
    expect(await readFile(path.join(folder, 'pai_dataset_filemeta_manifest.yaml'), 'utf8')).toContain(
      `totalCount: ${FILES}\nfiles:\n  - name: "${parts[0]}"\n    count: 100000\n  - name: "${parts[1]}"\n    count: 100000\n`,
    );
    let i = 0;
    for (const part of parts) {
      for await (const line of createInterface({ input: createReadStream(path.join(folder, part)), crlfDelay: Infinity })) {
        if (line + '\n' !== paiLine(metaOf(i))) expect(line + '\n').toBe(paiLine(metaOf(i)));
        i++;
      }
      expect(i).toBe(part === parts[0] ? FILES / 2 : FILES);
    }
  }, 240_000);
});
