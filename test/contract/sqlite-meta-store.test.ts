import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteMetaStore } from '../../lib/adapters/metastore/sqlite-meta-store.js';
import { dataset, listed, metaStoreContract, version } from './meta-store.contract.js';

metaStoreContract('SqliteMetaStore', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-meta-'));
  return { store: new SqliteMetaStore({ file: path.join(dir, 'meta.db'), memoryIndexMinFiles: Infinity }), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

// The same contract with every file query answered by the in-memory index (large versions use it).
metaStoreContract('SqliteMetaStore with its in-memory index', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-meta-'));
  return { store: new SqliteMetaStore({ file: path.join(dir, 'meta.db'), memoryIndexMinFiles: 0 }), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

describe('SqliteMetaStore (local specifics)', () => {
  it('persists across reopen and does not re-apply migrations', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-meta-'));
    const file = path.join(dir, 'meta.db');
    const a = new SqliteMetaStore({ file });
    await a.createDataset(dataset('keep'));
    await a.close();
    const b = new SqliteMetaStore({ file });
    expect((await b.getDataset('keep'))?.name).toBe('name keep');
    await b.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('files listed before listing times were kept (listed_at NULL) count as not seen since any listing started', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-meta-'));
    const file = path.join(dir, 'meta.db');
    const s = new SqliteMetaStore({ file });
    const raw = new Database(file);
    try {
      await s.createDataset(dataset('d'));
      await s.createVersion(version('d'));
      const rows = ['a.jpg', 'b.jpg', 'c.jpg'].map((f, i) => listed('d', f, i + 1));
      await s.upsertListedFiles(rows, 'j0', '2025-03-01T00:00:00.000Z');
      raw.prepare('UPDATE file_metas SET listed_at = NULL').run(); // as migration 7 leaves an older store
      await s.upsertListedFiles([{ ...rows[0]!, reset: false }], 'j1', '2025-03-02T00:00:01.000Z');
      expect(await s.markUnlistedDeleted('d', 'v1', 'j1', '2025-03-02T00:00:00.000Z', '2025-03-02T00:00:02.000Z')).toBe(2);
      expect((await s.getFileMeta(rows[0]!.datasetFileMetaId))!.status).toBe('PENDING');
    } finally {
      raw.close();
      await s.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects a forged paging token with a 400-kind error naming NextToken', async () => {
    const s = new SqliteMetaStore({ file: ':memory:' });
    await expect(s.listDatasets({ maxResults: 1, nextToken: 'not-a-token' })).rejects.toMatchObject({ kind: 'Invalid', field: 'NextToken' });
    await s.close();
  });
});
