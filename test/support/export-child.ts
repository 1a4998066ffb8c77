// Runs one export job in a child process (the export-scale test starts it with a capped heap), over
// an existing data dir, and prints its memory figures as JSON: the proof that an export streams.
import { loadConfig } from '../../lib/runtime/config.js';
import { buildContainer } from '../../lib/runtime/container.js';
import { jsonLogger } from '../../lib/runtime/logger.js';

const [dataDir, jobId, fileRoots] = process.argv.slice(2);
if (!dataDir || !jobId || !fileRoots) throw new Error('usage: export-child <dataDir> <jobId> <fileRoots>');
// The SQL path of the store: the in-memory search index of a large version is not what is measured.
const c = buildContainer(loadConfig({ LOUPE_DATA_DIR: dataDir, LOUPE_FILE_ROOTS: fileRoots, LOUPE_API_KEYS: 'k' }), { log: jsonLogger('silent'), memoryIndexMinFiles: Infinity });
// SQLite's page cache (256 MiB in the store) fills as rows are read, export or not: capped at 8 MiB
// here, so RSS growth shows what the exporter itself holds.
(c.store as unknown as { db: { pragma(p: string): unknown } }).db.pragma('cache_size = -8192');
const rssBefore = process.memoryUsage().rss;
const result = await c.services.export.run({ jobId });
const { maxRSS } = process.resourceUsage(); // KiB
await c.close();
process.stdout.write(JSON.stringify({ result, rssBefore, maxRss: maxRSS * 1024, heapLimit: (await import('node:v8')).getHeapStatistics().heap_size_limit }));
