// For the security suites: Loupe as `loupe serve` runs it (startLoupe), in this process on a free
// loopback port, over a temp folder that is its only file root and holds its data dir; and a dataset
// of a few PNGs, indexed by a FileMetaBuild job.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startLoupe } from '../../cli/serve.js';
import { loadConfig } from '../../lib/runtime/config.js';
import type { Container } from '../../lib/runtime/container.js';
import { jsonLogger } from '../../lib/runtime/logger.js';
import { LoupeClient } from '../../lib/sdk/index.js';
import { writePngs } from '../support/local-loupe.js';

export interface StartedTestLoupe {
  url: string;
  apiKey: string;
  /** The temp folder: LOUPE_FILE_ROOTS, with the data dir in `data/`. */
  root: string;
  container: Container;
  client: LoupeClient;
  stop(): Promise<void>;
}

export async function startTestLoupe(prefix: string, env: Record<string, string> = {}): Promise<StartedTestLoupe> {
  const root = await mkdtemp(path.join(os.tmpdir(), prefix));
  const apiKey = `${prefix}key-0123456789`;
  const config = loadConfig({
    LOUPE_DATA_DIR: path.join(root, 'data'),
    LOUPE_FILE_ROOTS: root,
    LOUPE_API_KEYS: apiKey,
    LOUPE_PORT: '0',
    LOUPE_WORKER_THREADS: '0',
    LOUPE_LOG_LEVEL: 'silent',
    ...env,
  });
  const loupe = await startLoupe(config, { log: jsonLogger('silent') });
  return {
    url: loupe.url,
    apiKey,
    root,
    container: loupe.container,
    client: new LoupeClient({ url: loupe.url, apiKey }),
    async stop() {
      await loupe.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** A dataset over `<root>/<folder>/` holding PNGs with these names, after its FileMetaBuild. */
export async function indexedDataset(loupe: StartedTestLoupe, folder: string, names: string[]): Promise<string> {
  const dir = path.join(loupe.root, folder);
  await writePngs(dir, names);
  const { DatasetId } = await loupe.client.createDataset({ Name: folder, Uri: `${pathToFileURL(dir).href}/` });
  const { DatasetJobId } = await loupe.client.createDatasetJob(DatasetId, { DatasetVersion: 'v1', JobAction: 'FileMetaBuild' });
  const job = await loupe.client.waitForJob(DatasetId, DatasetJobId, { intervalMs: 50, signal: AbortSignal.timeout(60_000) });
  if (job.Status !== 'Succeeded') throw new Error(`FileMetaBuild of ${folder} ended ${job.Status}`);
  return DatasetId;
}
