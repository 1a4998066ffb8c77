// FileMetaExport throughput and memory: N generated file metas (default 1,000,000) exported by the
// exporter's service as manifest.jsonl, CSV and a logical dataset version, with the peak RSS growth
// during each and the heap still held after it (after a full GC). The first search of a large version builds its in-memory index; that is timed apart.
// Options: --files N, --formats manifest,csv,logical
import Database from 'better-sqlite3';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ExportMessage } from '../lib/domain/job.js';
import { loadConfig } from '../lib/runtime/config.js';
import { buildContainer } from '../lib/runtime/container.js';
import { jsonLogger } from '../lib/runtime/logger.js';
import { insertFileMetas, makeFileMeta } from '../test/support/dsl-corpus.js';
import { option, round } from './support.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const heapAfterGc = () => {
  gc();
  return process.memoryUsage().heapUsed;
};

export async function run(args: string[]) {
  const files = option(args, 'files', 1_000_000);
  const formatsArg = args.includes('--formats') ? args[args.indexOf('--formats') + 1]! : 'manifest,csv,logical';
  const formats = formatsArg.split(',');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-bench-export-'));
  try {
    await mkdir(path.join(dir, 'files'));
    const c = buildContainer(loadConfig({ LOUPE_DATA_DIR: path.join(dir, 'data'), LOUPE_FILE_ROOTS: dir, LOUPE_API_KEYS: 'k' }), { log: jsonLogger('silent') });
    const ds = (await c.services.datasets.create({ name: 'drive', uri: pathToFileURL(path.join(dir, 'files')).href })).datasetId;
    const logical = (await c.services.datasets.create({ name: 'subset', edition: 'LOGICAL' })).datasetId;
    const db = new Database(path.join(dir, 'data', 'meta.db'));
    const t0 = performance.now();
    for (let i = 0; i < files; i += 10_000) {
      insertFileMetas(
        db,
        Array.from({ length: Math.min(10_000, files - i) }, (_, k) => {
          const n = i + k;
          const name = `frame_${String(n).padStart(8, '0')}.jpg`;
          const folder = `clip_${String(n % 997).padStart(3, '0')}/`;
          return makeFileMeta({
            datasetFileMetaId: `m${String(n).padStart(10, '0')}`,
            datasetId: ds,
            uri: `oss://bucket/drive/${folder}${name}`,
            fileName: name,
            fileDir: folder,
            dataSize: 200_000 + (n % 50_000),
            fileFingerPrint: `"${n.toString(16).padStart(32, '0')}"`,
            metaAttributes: { ImageWidth: 1920, ImageHeight: 1080 },
            tags: { ai: n % 2 ? ['car', 'lane line', 'road'] : ['pedestrian', 'crosswalk'], user: n % 5 ? [] : ['night'] },
          });
        }),
      );
    }
    db.close();
    const insertSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    await c.services.search.search({ datasetId: ds, versionName: 'v1', sortBy: 'FileName', order: 'ASC', maxResults: 10 });
    const indexSeconds = (performance.now() - t1) / 1000;

    const runs = [];
    for (const format of formats) {
      const uri = pathToFileURL(path.join(dir, `out-${format}`)).href + '/';
      const target = format === 'logical' ? { target: 'logical', logicalDatasetId: logical } : { target: 'file', format, uri };
      const job = await c.services.jobs.create({ datasetId: ds, versionName: 'v1', jobAction: 'FileMetaExport', jobSpec: { search: { SortBy: 'FileName', Order: 'ASC' }, ...target } });
      const [m] = await c.queue.receive(c.queues.exporter, { max: 1, visibilityTimeoutSeconds: 3600 });
      const heapBefore = heapAfterGc();
      const baseline = process.memoryUsage().rss;
      let peak = baseline;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
      const t = performance.now();
      await c.services.export.run(ExportMessage.parse(JSON.parse(m!.body)));
      const seconds = (performance.now() - t) / 1000;
      clearInterval(sampler);
      const retained = heapAfterGc() - heapBefore;
      await c.queue.delete(c.queues.exporter, [m!.receiptHandle]);
      const done = (await c.store.getJob(job.datasetJobId))!;
      const size = format === 'logical' ? undefined : (await stat(path.join(dir, `out-${format}`, format === 'csv' ? 'export.csv' : 'manifest.jsonl'))).size;
      runs.push({
        format,
        status: done.status,
        files: done.completedFileCount,
        seconds: round(seconds),
        filesPerSecond: Math.round(done.completedFileCount / seconds),
        ...(size !== undefined ? { outputMiB: round(size / 2 ** 20) } : {}),
        // RSS also holds SQLite's page cache (up to 256 MiB) and heap V8 grew but has not given back.
        peakRssGrowthMiB: round((peak - baseline) / 2 ** 20),
        retainedHeapMiB: round(retained / 2 ** 20),
      });
      process.stderr.write(`${JSON.stringify(runs.at(-1))}\n`);
    }
    await c.close();
    return { bench: 'export', files, insertSeconds: round(insertSeconds), firstSearchIndexSeconds: round(indexSeconds), runs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
