// For the SDK, CLI and export tests: Loupe as `loupe serve` runs it (cli/serve.ts startLoupe), in this
// process on a free loopback port with every consumer on the main thread, over a temp data dir.
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createApi } from '../../functions/api/index.js';
import { startLoupe } from '../../cli/serve.js';
import { loadConfig } from '../../lib/runtime/config.js';
import type { Container } from '../../lib/runtime/container.js';
import { jsonLogger } from '../../lib/runtime/logger.js';
import { tinyPng } from './generate-images.js';

export interface LocalLoupe {
  url: string;
  apiKey: string;
  root: string;
  container: Container;
  /** The API app's fetch, for in-process clients. */
  appFetch: (input: string, init: RequestInit) => Promise<Response>;
  stop(): Promise<void>;
}

export async function startLocalLoupe(prefix: string): Promise<LocalLoupe> {
  const root = await mkdtemp(path.join(os.tmpdir(), prefix));
  const apiKey = `${prefix}key-0123456789`;
  const config = loadConfig({ LOUPE_DATA_DIR: path.join(root, 'data'), LOUPE_FILE_ROOTS: root, LOUPE_API_KEYS: apiKey, LOUPE_PORT: '0', LOUPE_WORKER_THREADS: '0', LOUPE_QUEUE_VISIBILITY_SECONDS: '30' });
  const loupe = await startLoupe(config, { log: jsonLogger('silent') });
  const app = createApi(loupe.container, [apiKey]);
  return {
    url: loupe.url,
    apiKey,
    root,
    container: loupe.container,
    appFetch: async (input, init) => app.fetch(new Request(input, init)),
    async stop() {
      await loupe.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Writes distinct PNGs with the given relative names (and one fixed mtime, so listings are stable). */
export async function writePngs(folder: string, names: string[], mtime = new Date('2025-03-01T12:00:00Z')): Promise<void> {
  for (const [i, name] of names.entries()) {
    const file = path.join(folder, name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, tinyPng(i + 1, 16 + (i % 4), 12));
    await utimes(file, mtime, mtime);
  }
}
