// LocalVectorStore: the VectorStore contract, plus persistence, compaction, HNSW recall and crash safety.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalVectorStore, type LocalVectorStoreOptions } from '../../lib/adapters/vectorstore/local-vector-store.js';
import { encodeEntry } from '../../lib/adapters/vectorstore/vector-log.js';
import type { VectorHit } from '../../lib/ports/vector-store.js';
import { bruteForceTopK, expectSameHits, randomVectors, vectorStoreContract } from './vector-store.contract.js';

vectorStoreContract('LocalVectorStore', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'loupe-vs-'));
  const store = new LocalVectorStore({ dir });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('LocalVectorStore (local only)', () => {
  let dir: string;
  const open: LocalVectorStore[] = [];
  const openStore = (options: Omit<LocalVectorStoreOptions, 'dir'> = {}) => {
    const store = new LocalVectorStore({ dir, ...options });
    open.push(store);
    return store;
  };
  const closeStore = async (store: LocalVectorStore) => {
    await store.close();
    open.splice(open.indexOf(store), 1);
  };
  const indexDir = (name: string) => path.join(dir, name);
  const meta = (name: string) => JSON.parse(readFileSync(path.join(indexDir(name), 'meta.json'), 'utf8')) as { generation: number; count: number };

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'loupe-vs-local-'));
  });
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Upserts `count` random vectors in batches, replaces every 7th, deletes every 11th; returns the expected state. */
  async function churn(store: LocalVectorStore, name: string, count: number, dimension: number) {
    await store.ensureIndex(name, { dimension, embedderId: 'test:v1' });
    const expected = new Map<string, Float32Array>();
    const vectors = randomVectors(count, dimension, 5);
    for (let i = 0; i < count; i += 25) {
      const batch = vectors.slice(i, i + 25).map((vector, j) => ({ id: `id-${i + j}`, vector }));
      await store.upsert(name, batch);
      for (const r of batch) expected.set(r.id, r.vector);
    }
    const replacements = randomVectors(count, dimension, 6);
    const replaced = [...expected.keys()].filter((_, i) => i % 7 === 0).map((id, i) => ({ id, vector: replacements[i]! }));
    await store.upsert(name, replaced);
    for (const r of replaced) expected.set(r.id, r.vector);
    const deleted = [...expected.keys()].filter((_, i) => i % 11 === 0);
    await store.delete(name, deleted);
    for (const id of deleted) expected.delete(id);
    return expected;
  }

  async function expectState(store: LocalVectorStore, name: string, expected: Map<string, Float32Array>) {
    expect((await store.getIndex(name))?.count).toBe(expected.size);
    const dimension = expected.values().next().value!.length;
    for (const q of randomVectors(5, dimension, 77)) expectSameHits(await store.search(name, q, { topK: 15 }), bruteForceTopK(q, expected, 15));
    // Every stored vector is exactly the last one written for its id.
    for (const [id, v] of [...expected].slice(0, 40)) expect((await store.search(name, v, { topK: 1 }))[0]).toEqual({ id, score: expect.closeTo(1, 5) });
  }

  it('restores every vector, replacement and deletion after reopening the directory', async () => {
    const first = openStore();
    const expected = await churn(first, 'photos', 600, 24);
    await expectState(first, 'photos', expected);
    const before = await first.search('photos', randomVectors(1, 24, 1)[0]!, { topK: 20 });
    await closeStore(first);

    const again = openStore();
    expect(await again.getIndex('photos')).toEqual({ name: 'photos', dimension: 24, embedderId: 'test:v1', count: expected.size });
    expect(await again.search('photos', randomVectors(1, 24, 1)[0]!, { topK: 20 })).toEqual(before);
    await expectState(again, 'photos', expected);
  });

  it('compacts the log into a new snapshot generation and leaves only that generation on disk', async () => {
    const store = openStore({ compactAfterBytes: 16 * 1024 });
    const expected = await churn(store, 'photos', 800, 16);
    expect(meta('photos').generation).toBeGreaterThanOrEqual(2);
    const files = readdirSync(indexDir('photos')).sort();
    const gen = meta('photos').generation;
    expect(files).toEqual([`ids-${gen}.json`, `log-${gen}.bin`, 'meta.json', `vectors-${gen}.f32`]);
    await closeStore(store);
    await expectState(openStore(), 'photos', expected);
  });

  it('ignores temp files and an uncommitted generation left by a crash mid-compaction', async () => {
    const store = openStore();
    const expected = await churn(store, 'photos', 300, 16);
    await closeStore(store);
    const gen = meta('photos').generation;
    const d = indexDir('photos');
    writeFileSync(path.join(d, 'meta.json.tmp'), '{"format":1,"generation":');
    writeFileSync(path.join(d, `vectors-${gen + 1}.f32`), Buffer.alloc(1000, 7));
    writeFileSync(path.join(d, `ids-${gen + 1}.json.tmp`), '["half');
    writeFileSync(path.join(d, `log-${gen + 1}.bin`), '');
    writeFileSync(path.join(d, `hnsw-${gen + 1}-0.usearch.tmp`), 'junk');

    const again = openStore();
    await expectState(again, 'photos', expected);
    expect(readdirSync(d).sort()).toEqual([`ids-${gen}.json`, `log-${gen}.bin`, 'meta.json', `vectors-${gen}.f32`]);
  });

  it('drops a torn record at the end of the log and keeps appending after the intact ones', async () => {
    const store = openStore();
    const expected = await churn(store, 'photos', 200, 16);
    await closeStore(store);
    const log = path.join(indexDir('photos'), `log-${meta('photos').generation}.bin`);
    const torn = encodeEntry({ kind: 'upsert', records: [{ id: 'torn', unit: new Float32Array(16).fill(0.25) }] }, 16);
    appendFileSync(log, torn.subarray(0, torn.length - 9));

    const again = openStore();
    await expectState(again, 'photos', expected);
    const late = randomVectors(1, 16, 123)[0]!;
    await again.upsert('photos', [{ id: 'late', vector: late }]);
    expected.set('late', late);
    await closeStore(again);
    await expectState(openStore(), 'photos', expected);
  });

  it('treats a folder without meta.json as an index whose creation never completed', async () => {
    mkdirSync(indexDir('half'), { recursive: true });
    writeFileSync(path.join(indexDir('half'), 'vectors-0.f32'), Buffer.alloc(64));
    const store = openStore();
    expect(await store.getIndex('half')).toBeUndefined();
    expect(await store.ensureIndex('half', { dimension: 4, embedderId: 'e' })).toMatchObject({ count: 0 });
    expect(readdirSync(indexDir('half'))).not.toContain('vectors-0.f32.tmp');
  });

  /** The child's vectors: xorshift seeded by batch and position (shared as source with the child process). */
  const vectorOfSource = `const vectorOf = (b, i) => {
    let s = (b * 7919 + i * 104729 + 1) >>> 0;
    return Float32Array.from({ length: 64 }, () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 32 - 0.5; });
  };`;

  it('loses no acknowledged batch and applies no partial one when the process is killed mid-write', async () => {
    const script = `
      import { LocalVectorStore } from ${JSON.stringify(path.resolve('lib/adapters/vectorstore/local-vector-store.js'))};
      const store = new LocalVectorStore({ dir: ${JSON.stringify(dir)}, compactAfterBytes: 200000 });
      await store.ensureIndex('photos', { dimension: 64, embedderId: 'e' });
      ${vectorOfSource}
      for (let b = 0; ; b++) {
        await store.upsert('photos', Array.from({ length: 50 }, (_, i) => ({ id: 'b' + b + '-' + i, vector: vectorOf(b, i) })));
        process.stdout.write(b + '\\n');
      }`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
    let acked = -1;
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', () => resolve());
      child.stdout.on('data', (chunk: Buffer) => {
        const lines = chunk.toString().trim().split('\n');
        acked = Math.max(acked, Number(lines[lines.length - 1]));
        if (acked >= 60) child.kill('SIGKILL');
      });
    });
    expect(acked).toBeGreaterThanOrEqual(60);

    const store = openStore();
    const count = (await store.getIndex('photos'))!.count;
    expect(count % 50).toBe(0);
    expect(count).toBeGreaterThanOrEqual((acked + 1) * 50);
    const batches = count / 50;
    const vectorOf = new Function(`${vectorOfSource}; return vectorOf;`)() as (b: number, i: number) => Float32Array;
    for (const b of [0, 30, acked, batches - 1]) {
      for (const i of [0, 49]) expect((await store.search('photos', vectorOf(b, i), { topK: 1 }))[0]).toEqual({ id: `b${b}-${i}`, score: expect.closeTo(1, 5) });
    }
    expect(await store.search('photos', vectorOf(batches, 0), { topK: 1 }).then((h) => h[0]!.id)).not.toBe(`b${batches}-0`);
  });

  describe('approximate (HNSW) mode', () => {
    const n = 20_000;
    const dimension = 64;

    it('keeps recall ≥ 0.95 against exact search on 20k × 64, and reloads the saved graph', async () => {
      const store = openStore({ approximate: { minCount: 10_000 } });
      await store.ensureIndex('big', { dimension, embedderId: 'e' });
      const vectors = randomVectors(n, dimension, 41);
      const byId = new Map(vectors.map((v, i) => [`v${i}`, v]));
      const records = [...byId].map(([id, vector]) => ({ id, vector }));
      for (let i = 0; i < n; i += 2000) await store.upsert('big', records.slice(i, i + 2000));

      const queries = randomVectors(50, dimension, 42);
      const recallOf = async (s: LocalVectorStore) => {
        let found = 0;
        const all: VectorHit[][] = [];
        for (const q of queries) {
          const exact = new Set(bruteForceTopK(q, byId, 10).map((h) => h.id));
          const hits = await s.search('big', q, { topK: 10 });
          all.push(hits);
          expect(hits).toHaveLength(10);
          // Re-scored exactly: the scores are the true cosines, best first.
          for (const h of hits) expect(h.score).toBeCloseTo(bruteForceTopK(q, new Map([[h.id, byId.get(h.id)!]]), 1)[0]!.score, 5);
          found += hits.filter((h) => exact.has(h.id)).length;
        }
        return { recall: found / (queries.length * 10), all };
      };
      const live = await recallOf(store);
      expect(live.recall).toBeGreaterThanOrEqual(0.95);

      // A small filter is still answered exactly.
      const subset = new Set([...byId.keys()].filter((_, i) => i % 100 === 3));
      const subsetVectors = new Map([...subset].map((id) => [id, byId.get(id)!]));
      expectSameHits(await store.search('big', queries[0]!, { topK: 10, filterIds: subset }), bruteForceTopK(queries[0]!, subsetVectors, 10));

      // A large filter goes through the graph with widening: still topK rows, all allowed, nearly exact.
      const half = new Set([...byId.keys()].filter((_, i) => i % 2 === 1));
      const halfVectors = new Map([...half].map((id) => [id, byId.get(id)!]));
      let halfFound = 0;
      for (const q of queries.slice(0, 20)) {
        const hits = await store.search('big', q, { topK: 10, filterIds: half });
        expect(hits).toHaveLength(10);
        expect(hits.every((h) => half.has(h.id))).toBe(true);
        const exact = new Set(bruteForceTopK(q, halfVectors, 10).map((h) => h.id));
        halfFound += hits.filter((h) => exact.has(h.id)).length;
      }
      expect(halfFound / 200).toBeGreaterThanOrEqual(0.95);

      await closeStore(store);
      expect(readdirSync(indexDir('big')).some((f) => /^hnsw-\d+-\d+-[0-9a-f]{8}\.usearch$/.test(f))).toBe(true);
      const again = openStore({ approximate: { minCount: 10_000 } });
      const reloaded = await recallOf(again);
      expect(reloaded.all).toEqual(live.all);

      // Changes after the reload reach the graph too.
      await again.delete('big', [live.all[0]![0]!.id]);
      const moved = randomVectors(1, dimension, 43)[0]!;
      await again.upsert('big', [{ id: 'v7', vector: moved }]);
      expect((await again.search('big', queries[0]!, { topK: 10 })).map((h) => h.id)).not.toContain(live.all[0]![0]!.id);
      expect((await again.search('big', moved, { topK: 1 }))[0]).toEqual({ id: 'v7', score: expect.closeTo(1, 5) });
    });

    it('rebuilds a graph that is missing or unreadable', async () => {
      const store = openStore({ approximate: { minCount: 1000 } });
      await store.ensureIndex('mid', { dimension: 16, embedderId: 'e' });
      const vectors = randomVectors(3000, 16, 51);
      const byId = new Map(vectors.map((v, i) => [`v${i}`, v]));
      await store.upsert('mid', [...byId].map(([id, vector]) => ({ id, vector })));
      await closeStore(store);
      const graph = readdirSync(indexDir('mid')).find((f) => f.startsWith('hnsw-'))!;
      writeFileSync(path.join(indexDir('mid'), graph), 'not a graph');
      const again = openStore({ approximate: { minCount: 1000 } });
      const q = randomVectors(1, 16, 52)[0]!;
      const hits = await again.search('mid', q, { topK: 10 });
      const exact = new Set(bruteForceTopK(q, byId, 10).map((h) => h.id));
      expect(hits.filter((h) => exact.has(h.id)).length).toBeGreaterThanOrEqual(9);
      await closeStore(again);
      const saved = readdirSync(indexDir('mid')).filter((f) => f.startsWith('hnsw-'));
      expect(saved).toHaveLength(1);
      expect(readFileSync(path.join(indexDir('mid'), saved[0]!), 'utf8')).not.toBe('not a graph');
    });
  });
});
