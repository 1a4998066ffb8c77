// Embedded adapters on their own: listing 100,000 files in one folder (pages of 1000) and a
// 100,000-message round trip through the SQLite queue. Options: --files N, --messages N.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LocalFolderObjectStore } from '../lib/adapters/objectstore/local-folder.js';
import { SqliteQueue } from '../lib/adapters/queue/sqlite-queue.js';

function option(args: string[], name: string, def: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
}

export async function run(args: string[]) {
  const files = option(args, 'files', 100_000);
  const messages = option(args, 'messages', 100_000);
  const root = await mkdtemp(path.join(os.tmpdir(), 'loupe-bench-adapters-'));
  try {
    const dir = path.join(root, 'many');
    await mkdir(dir);
    for (let i = 0; i < files; i += 1000) {
      await Promise.all(Array.from({ length: Math.min(1000, files - i) }, (_, j) => writeFile(path.join(dir, `img-${i + j}.jpg`), '')));
    }
    const store = new LocalFolderObjectStore({ roots: [root] });
    const listPass = async () => {
      const t0 = performance.now();
      let count = 0;
      let cursor: string | undefined;
      do {
        const page = await store.list(pathToFileURL(dir).href + '/', { cursor });
        count += page.objects.length;
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      if (count !== files) throw new Error(`listed ${count} of ${files}`);
      return (performance.now() - t0) / 1000;
    };
    const firstListSeconds = await listPass();
    const secondListSeconds = await listPass();

    const q = new SqliteQueue({ file: path.join(root, 'queue.db') });
    const t0 = performance.now();
    for (let i = 0; i < messages; i += 1000) {
      await q.sendBatch('bench', Array.from({ length: Math.min(1000, messages - i) }, (_, j) => JSON.stringify({ jobId: 'j', i: i + j })));
    }
    const sendSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    let received = 0;
    for (;;) {
      const got = await q.receive('bench', { max: 16, visibilityTimeoutSeconds: 60 });
      if (!got.length) break;
      received += got.length;
      await q.delete('bench', got.map((m) => m.receiptHandle));
    }
    const receiveDeleteSeconds = (performance.now() - t1) / 1000;
    await q.close();
    if (received !== messages) throw new Error(`received ${received} of ${messages}`);
    return {
      benchmark: 'adapters',
      date: new Date().toISOString(),
      listing: { files, pageSize: 1000, firstListSeconds: round(firstListSeconds), secondListSeconds: round(secondListSeconds), filesPerSecond: Math.round(files / secondListSeconds) },
      queue: { messages, sendSeconds: round(sendSeconds), receiveDeleteSeconds: round(receiveDeleteSeconds), messagesPerSecond: Math.round(messages / (sendSeconds + receiveDeleteSeconds)) },
    };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

const round = (s: number) => Number(s.toFixed(3));
