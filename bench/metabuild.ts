// FileMetaBuild throughput: N generated small images, a Full run then a no-change Increment run,
// end to end through the real local server (API → fan-out → queue → prober → SQLite).
// Options: --files N (default 100000), --verify header|decode, --concurrency C (LOUPE_WORKER_CONCURRENCY).
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { generatePngs } from '../test/support/generate-images.js';
import { startServer, waitForJob, type RunningServer } from '../test/support/server.js';

function option(args: string[], name: string, def: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : def;
}

/** CPU seconds (user+system) a process has used, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function timedRun(s: RunningServer, ds: string, mode: 'Full' | 'Increment', verify: string) {
  const cpu0 = cpuSeconds(s.child.pid!);
  const t0 = performance.now();
  const r = await s.api('POST', `/api/v1/datasets/${ds}/datasetjobs`, { DatasetVersion: 'v1', JobAction: 'FileMetaBuild', JobMode: mode, JobSpec: { verify } });
  if (r.status !== 200) throw new Error(JSON.stringify(r.body));
  const job = await waitForJob(s, ds, r.body.DatasetJobId, 3_600_000);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(s.child.pid!) - cpu0;
  return {
    mode,
    status: job.Status,
    listed: job.ListedFileCount,
    processed: job.TotalFileCount,
    failed: job.FailedFileCount,
    seconds: Number(seconds.toFixed(3)),
    filesPerSecond: Math.round(job.ListedFileCount / seconds),
    serverCpuSeconds: Number(cpu.toFixed(2)),
    serverCpuUtilisation: Number((cpu / seconds).toFixed(2)),
  };
}

export async function run(args: string[]) {
  const files = Number(option(args, 'files', '100000'));
  const verify = option(args, 'verify', 'header');
  const concurrency = option(args, 'concurrency', '2');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-bench-files-'));
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'loupe-bench-data-'));
  const g0 = performance.now();
  await generatePngs(dir, files);
  const generateSeconds = (performance.now() - g0) / 1000;
  const server = await startServer(dataDir, { LOUPE_FILE_ROOTS: dir, LOUPE_API_KEYS: 'bench-key', LOUPE_WORKER_CONCURRENCY: concurrency, LOUPE_LOG_LEVEL: 'error' });
  try {
    const ds = (await server.api('POST', '/api/v1/datasets', { Name: 'bench', Uri: pathToFileURL(dir).href })).body.DatasetId;
    const full = await timedRun(server, ds, 'Full', verify);
    const increment = await timedRun(server, ds, 'Increment', verify);
    return {
      benchmark: 'metabuild',
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
      files,
      verify,
      workerConcurrency: Number(concurrency),
      generateSeconds: Number(generateSeconds.toFixed(1)),
      full,
      increment,
      target: { fullFilesPerSecond: 5000 },
    };
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  }
}
