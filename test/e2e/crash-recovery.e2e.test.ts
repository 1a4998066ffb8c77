// SIGKILL the server in the middle of a FileMetaBuild, start it again on the same data dir: the job
// completes, and every file is counted exactly once.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { generatePngs } from '../support/generate-images.js';
import { killWhenProgressing, listAllFileMetas, startServer, waitForJob, type RunningServer } from '../support/server.js';

const FILES = 4000;
// Short visibility so that batches in flight at the kill come back within seconds.
const ENV = { LOUPE_QUEUE_VISIBILITY_SECONDS: '5', LOUPE_API_KEYS: 'crash-test-key' };

describe('crash recovery', () => {
  const cleanup: string[] = [];
  let server: RunningServer | undefined;
  afterAll(async () => {
    await server?.kill();
    for (const d of cleanup) await rm(d, { recursive: true, force: true });
  });

  it('a FileMetaBuild killed mid-run completes after a restart with every file counted once', async () => {
    const files = await mkdtemp(path.join(os.tmpdir(), 'loupe-crash-files-'));
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'loupe-crash-data-'));
    cleanup.push(files, dataDir);
    await generatePngs(files, FILES);

    server = await startServer(dataDir, { ...ENV, LOUPE_FILE_ROOTS: files });
    const ds = (await server.api('POST', '/api/v1/datasets', { Name: 'crash', Uri: pathToFileURL(files).href })).body.DatasetId;
    const started = await server.api('POST', `/api/v1/datasets/${ds}/datasetjobs`, {
      DatasetVersion: 'v1',
      JobAction: 'FileMetaBuild',
      // small batches and full decodes: slow enough to be killed in the middle
      JobSpec: { verify: 'decode', batchSize: 10 },
    });
    const jobId = started.body.DatasetJobId;

    const atKill = await killWhenProgressing(server, ds, jobId);
    expect(atKill.Status).toBe('Running');
    expect(atKill.CompletedFileCount).toBeLessThan(FILES);

    server = await startServer(dataDir, { ...ENV, LOUPE_FILE_ROOTS: files });
    const job = await waitForJob(server, ds, jobId, 180_000);
    expect(job).toMatchObject({
      Status: 'Succeeded',
      ListedFileCount: FILES,
      TotalFileCount: FILES,
      CompletedFileCount: FILES,
      FailedFileCount: 0,
    });
    const metas = await listAllFileMetas(server, ds);
    expect(metas).toHaveLength(FILES);
    expect(new Set(metas.map((m) => m.Uri)).size).toBe(FILES);
    expect(metas.every((m) => m.Status === 'ACTIVE' && m.MetaAttributes.ImageWidth === 16 && m.MetaAttributes.ImageHeight === 12)).toBe(true);
    // exactly one "finished" line: the job ended once
    const logs = (await server.api('GET', `/api/v1/datasets/${ds}/datasetjobs/${jobId}?MaxLogs=10000`)).body.Logs;
    // PAI's Logs: '<time> <LEVEL> <message>' strings
    expect(logs.filter((l: string) => / (INFO|WARN) finished /.test(l))).toHaveLength(1);
  });
});
