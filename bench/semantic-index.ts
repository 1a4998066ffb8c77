// Model jobs end to end through the real server against loopback model services:
//  - overhead: SemanticIndex over N generated images, zero model latency (GME, 32 inputs a call) —
//    files/s of the whole pipeline (target ≥ 1,000);
//  - utilisation: IntelligentTag (one model call per file) with model latency L and concurrency C —
//    throughput against the ideal C/L calls per second (target ≥ 90%).
// Options: --files N (default 100000), --dim D (1536), --latency-ms L (200), --concurrency C (5), --util-files M (250).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { generatePngs } from '../test/support/generate-images.js';
import { startChatServer } from '../test/support/loopback-dashscope-chat.js';
import { startGmeServer } from '../test/support/loopback-gme.js';
import { startServer, waitForJob, type RunningServer } from '../test/support/server.js';

function option(args: string[], name: string, def: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
}

async function run1(s: RunningServer, files: string, name: string, gmeUrl: string, concurrency: number) {
  const ds = (await s.api('POST', '/api/v1/datasets', { Name: name, Uri: pathToFileURL(files).href })).body.DatasetId;
  const gme = (await s.api('POST', '/api/v1/connections', { ConnectionName: `gme-${name}`, ConnectionType: 'EasEmbeddingConnection', Configs: { Endpoint: gmeUrl } })).body.ConnectionId;
  const vec = (await s.api('POST', '/api/v1/connections', { ConnectionName: `vec-${name}`, ConnectionType: 'LocalVectorConnection' })).body.ConnectionId;
  const t0 = performance.now();
  const r = await s.api('PUT', `/api/v1/datasets/${ds}/indexconfig`, { EmbeddingConnectionId: gme, VectorConnectionId: vec, IndexName: name, RefreshNow: true });
  if (r.status !== 200) throw new Error(JSON.stringify(r.body));
  // the concurrency comes from the job spec: start the job with it explicitly instead
  await s.api('PUT', `/api/v1/datasets/${ds}/datasetjobs/${r.body.DatasetJobId}/action/stop`);
  await waitForJob(s, ds, r.body.DatasetJobId);
  const started = performance.now();
  const job = await s.api('POST', `/api/v1/datasets/${ds}/datasetjobs`, { DatasetVersion: 'v1', JobAction: 'SemanticIndex', JobSpec: { concurrency } });
  const done = await waitForJob(s, ds, job.body.DatasetJobId, 3_600_000);
  const seconds = (performance.now() - started) / 1000;
  void t0;
  return { status: done.Status, files: done.TotalFileCount, completed: done.CompletedFileCount, failed: done.FailedFileCount, seconds: Number(seconds.toFixed(2)), filesPerSecond: Number((done.CompletedFileCount / seconds).toFixed(1)) };
}

async function tagRun(s: RunningServer, files: string, chatUrl: string, concurrency: number) {
  const ds = (await s.api('POST', '/api/v1/datasets', { Name: 'utilisation', Uri: pathToFileURL(files).href })).body.DatasetId;
  const conn = (await s.api('POST', '/api/v1/connections', { ConnectionName: 'chat', ConnectionType: 'OpenLLMConnection', Configs: { BaseUrl: chatUrl } })).body.ConnectionId;
  const def = (await s.api('POST', '/api/v1/tagdefinitions', { Name: 'u', Tags: [{ Name: 'a' }, { Name: 'b', Values: ['x', 'y'] }] })).body.TagDefinitionId;
  // probe first, so the timed run is the model calls alone
  const build = await s.api('POST', `/api/v1/datasets/${ds}/datasetjobs`, { DatasetVersion: 'v1', JobAction: 'FileMetaBuild' });
  await waitForJob(s, ds, build.body.DatasetJobId);
  const started = performance.now();
  const job = await s.api('POST', `/api/v1/datasets/${ds}/datasetjobs`, {
    DatasetVersion: 'v1',
    JobAction: 'IntelligentTag',
    JobSpec: { intelligentTagConnectionId: conn, promptId: def, concurrency },
  });
  const done = await waitForJob(s, ds, job.body.DatasetJobId, 3_600_000);
  const seconds = (performance.now() - started) / 1000;
  return { status: done.Status, files: done.TotalFileCount, completed: done.CompletedFileCount, failed: done.FailedFileCount, seconds: Number(seconds.toFixed(2)), filesPerSecond: Number((done.CompletedFileCount / seconds).toFixed(2)) };
}

export async function run(args: string[]) {
  const files = option(args, 'files', 100_000);
  const dim = option(args, 'dim', 1536);
  const latency = option(args, 'latency-ms', 200);
  const concurrency = option(args, 'concurrency', 5);
  const utilFiles = option(args, 'util-files', 250);
  const root = await mkdtemp(path.join(os.tmpdir(), 'loupe-bench-si-'));
  const gme = await startGmeServer({ dimension: dim, maxBatch: 32 });
  const server = await startServer(path.join(root, 'data'), { LOUPE_FILE_ROOTS: root, LOUPE_API_KEYS: 'bench', LOUPE_LOG_LEVEL: 'error' });
  try {
    await generatePngs(path.join(root, 'many'), files);
    const overhead = await run1(server, path.join(root, 'many'), 'overhead', gme.url, 8);
    const chat = await startChatServer({ latencyMs: latency });
    await generatePngs(path.join(root, 'few'), utilFiles);
    const util = await tagRun(server, path.join(root, 'few'), chat.url, concurrency);
    const maxInFlight = chat.stats.maxInFlight;
    await chat.close();
    const ideal = concurrency / (latency / 1000);
    return {
      benchmark: 'semantic-index',
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, node: process.version },
      overhead: { ...overhead, dimension: dim, modelLatencyMs: 0, target: 1000 },
      utilisation: {
        ...util,
        modelLatencyMs: latency,
        concurrency,
        idealFilesPerSecond: ideal,
        ratioToIdeal: Number((util.filesPerSecond / ideal).toFixed(3)),
        target: 0.9,
        modelMaxInFlight: maxInFlight,
      },
    };
  } finally {
    await server.stop();
    await gme.close();
    await rm(root, { recursive: true, force: true });
  }
}
