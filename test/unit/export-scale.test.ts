// An export of 200,000 files streams: the manifest is exact line for line, it is written by a process
// whose heap is capped below the manifest's size, and that process's RSS grows by far less than it.
import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
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
import { manifestLine } from '../../lib/services/export-formats.js';
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
});
