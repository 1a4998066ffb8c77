// #8 and #15: the lock that keeps one local server per data directory (server.lock, an SQLite file) is
// a data file like the others: it exists 0600, in a 0700 folder, before SQLite opens it, so it is never
// readable by others, not even for a moment. (SQLite creates a missing file with its own default mode.)
import { statSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DataDirLockedError, lockDataDir } from '../../lib/runtime/data-dir-lock.js';

/** Every file better-sqlite3 opened, with its mode at that moment (undefined: it did not exist yet). */
const opened = vi.hoisted(() => [] as Array<{ file: string; mode: number | undefined }>);

vi.mock('better-sqlite3', async (importOriginal) => {
  const Real = (await importOriginal<{ default: new (file: string, options?: unknown) => unknown }>()).default;
  function Recording(this: unknown, file: string, options?: unknown) {
    let mode: number | undefined;
    try {
      mode = statSync(file).mode & 0o777;
    } catch {
      mode = undefined;
    }
    opened.push({ file, mode });
    return new Real(file, options);
  }
  return { default: Recording };
});

describe('#8 the data directory lock file', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'loupe-lock-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('#8 server.lock is 0600 in a 0700 data directory before SQLite opens it; a second lock is still refused', async () => {
    const dataDir = path.join(root, 'data');
    const lock = lockDataDir(dataDir);
    try {
      const file = path.join(dataDir, 'server.lock');
      expect(opened.filter((o) => o.file === file)).toEqual([{ file, mode: 0o600 }]);
      expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
      expect((await stat(path.join(dataDir, 'server.pid'))).mode & 0o777).toBe(0o600);
      expect(() => lockDataDir(dataDir)).toThrow(DataDirLockedError);
    } finally {
      lock.release();
    }
    // Released: the data directory can be taken again.
    lockDataDir(dataDir).release();
  });
});
