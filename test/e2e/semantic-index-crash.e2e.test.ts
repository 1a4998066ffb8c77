// SIGKILL the server in the middle of a SemanticIndex job, start it again: the job completes and every
// file has exactly one vector.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalVectorStore } from '../../lib/adapters/vectorstore/local-vector-store.js';
import { generatePngs } from '../support/generate-images.js';
import { startGmeServer, type LoopbackGme } from '../support/loopback-gme.js';
import { killWhenProgressing, listAllFileMetas, startServer, waitForJob, type RunningServer } from '../support/server.js';

const FILES = 600;
const ENV = { LOUPE_QUEUE_VISIBILITY_SECONDS: '5', LOUPE_API_KEYS: 'si-crash-key' };

describe('SemanticIndex crash recovery', () => {
  const dirs: string[] = [];
  let server: RunningServer | undefined;
  let gme: LoopbackGme | undefined;
  afterAll(async () => {
    await server?.kill();
    await gme?.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('a SemanticIndex killed mid-run completes after a restart with exactly one vector per file', async () => {
    const files = await mkdtemp(path.join(os.tmpdir(), 'loupe-si-crash-files-'));
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'loupe-si-crash-data-'));
    dirs.push(files, dataDir);
    await generatePngs(files, FILES);
    gme = await startGmeServer({ latencyMs: 30, dimension: 64 });

    server = await startServer(dataDir, { ...ENV, LOUPE_FILE_ROOTS: files });
    const ds = (await server.api('POST', '/api/v1/datasets', { Name: 'si', Uri: pathToFileURL(files).href })).body.DatasetId;
    const g = (await server.api('POST', '/api/v1/connections', { ConnectionName: 'g', ConnectionType: 'EasEmbeddingConnection', Configs: { Endpoint: gme.url } })).body.ConnectionId;
    const v = (await server.api('POST', '/api/v1/connections', { ConnectionName: 'v', ConnectionType: 'LocalVectorConnection' })).body.ConnectionId;
    const saved = await server.api('PUT', `/api/v1/datasets/${ds}/indexconfig`, { EmbeddingConnectionId: g, VectorConnectionId: v, IndexName: 'crash', RefreshNow: false });
    expect(saved.status).toBe(200);
    const started = await server.api('POST', `/api/v1/datasets/${ds}/datasetjobs`, { DatasetVersion: 'v1', JobAction: 'SemanticIndex', JobSpec: { concurrency: 2, batchSize: 16 } });
    const jobId = started.body.DatasetJobId;

    const atKill = await killWhenProgressing(server, ds, jobId);
    expect(atKill.Status).toBe('Running');
    expect(atKill.CompletedFileCount).toBeLessThan(FILES);

    server = await startServer(dataDir, { ...ENV, LOUPE_FILE_ROOTS: files });
    const job = await waitForJob(server, ds, jobId, 90_000);
    expect(job).toMatchObject({ Status: 'Succeeded', TotalFileCount: FILES, CompletedFileCount: FILES, FailedFileCount: 0 });
    const metas = await listAllFileMetas(server, ds);
    expect(metas.filter((m) => m.SemanticIndexJobId === jobId)).toHaveLength(FILES);
    await server.stop();
    const store = new LocalVectorStore({ dir: path.join(dataDir, 'vectors') });
    expect((await store.getIndex('crash'))?.count).toBe(FILES);
    // every file's own vector is its nearest neighbour: ids map to the right vectors, none twice
    const hits = await store.search('crash', new Float32Array(64).fill(1), { topK: FILES });
    expect(new Set(hits.map((h) => h.id)).size).toBe(FILES);
    await store.close();
    server = undefined;
  }, 240_000);
});
