import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteMetaStore } from '../../lib/adapters/metastore/sqlite-meta-store.js';
import { dataset, metaStoreContract } from './meta-store.contract.js';

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

  it('rejects a forged paging token with a 400-kind error naming NextToken', async () => {
    const s = new SqliteMetaStore({ file: ':memory:' });
    await expect(s.listDatasets({ maxResults: 1, nextToken: 'not-a-token' })).rejects.toMatchObject({ kind: 'Invalid', field: 'NextToken' });
    await s.close();
  });
});
