// Contract suite of the VectorStore port: every adapter (local, Elasticsearch, OpenSearch, Milvus) runs it.
// Scores are cosine similarity on every backend; ties go to the smaller id; results are exact by default.
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VectorHit, VectorStore } from '../../lib/ports/vector-store.js';
import { expectDomainError } from '../support/domain-error.js';

export interface VectorStoreFixture {
  store: VectorStore;
  cleanup(): Promise<void>;
}

/** Deterministic pseudo-random numbers in [-1, 1) (xorshift32), so a failure reproduces. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s / 2 ** 32) * 2 - 1;
  };
}

export function randomVectors(count: number, dimension: number, seed: number): Float32Array[] {
  const next = seededRandom(seed);
  return Array.from({ length: count }, () => Float32Array.from({ length: dimension }, next));
}

/** Reference top-k: cosine in doubles over every candidate, best first, ties by id. */
export function bruteForceTopK(query: Float32Array, candidates: Map<string, Float32Array>, topK: number): VectorHit[] {
  const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  const qn = norm(query);
  const hits: VectorHit[] = [];
  for (const [id, v] of candidates) {
    let dot = 0;
    for (let i = 0; i < v.length; i++) dot += v[i]! * query[i]!;
    hits.push({ id, score: dot / (qn * norm(v)) });
  }
  hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return hits.slice(0, topK);
}

export function expectSameHits(got: VectorHit[], want: VectorHit[]) {
  expect(got.map((h) => h.id)).toEqual(want.map((h) => h.id));
  got.forEach((h, i) => expect(Math.abs(h.score - want[i]!.score)).toBeLessThan(1e-5));
}

const idOf = (i: number) => `f${String(i).padStart(5, '0')}`;

export function vectorStoreContract(name: string, make: () => Promise<VectorStoreFixture>) {
  describe(`VectorStore contract: ${name}`, () => {
    let fx: VectorStoreFixture;
    let store: VectorStore;
    /** A fresh index name per test, so cloud backends shared between runs do not collide. */
    let index: string;
    beforeEach(async () => {
      fx = await make();
      store = fx.store;
      index = `contract-${randomBytes(4).toString('hex')}`;
    });
    afterEach(async () => {
      await fx.cleanup();
    });

    /** Loads `count` random vectors as f00000, f00001, ... and returns them by id. */
    const load = async (count: number, dimension: number, seed: number) => {
      await store.ensureIndex(index, { dimension, embedderId: 'test:v1' });
      const vectors = randomVectors(count, dimension, seed);
      const byId = new Map(vectors.map((v, i) => [idOf(i), v]));
      const records = [...byId].map(([id, vector]) => ({ id, vector }));
      for (let i = 0; i < records.length; i += 500) await store.upsert(index, records.slice(i, i + 500));
      return byId;
    };

    it('creates an index, reopens it with the same spec, and refuses another dimension or embedder', async () => {
      expect(await store.getIndex(index)).toBeUndefined();
      expect(await store.ensureIndex(index, { dimension: 512, embedderId: 'classic:v1' })).toEqual({
        name: index,
        dimension: 512,
        embedderId: 'classic:v1',
        count: 0,
      });
      await store.upsert(index, [{ id: 'a', vector: new Float32Array(512).fill(1) }]);
      expect(await store.ensureIndex(index, { dimension: 512, embedderId: 'classic:v1' })).toMatchObject({ count: 1 });
      expect(await store.getIndex(index)).toEqual({ name: index, dimension: 512, embedderId: 'classic:v1', count: 1 });
      await expectDomainError(store.ensureIndex(index, { dimension: 1536, embedderId: 'gme:qwen2-vl-2b' }), 'Conflict', /classic:v1 \(512 dims\).*gme:qwen2-vl-2b \(1536/);
      await expectDomainError(store.ensureIndex(index, { dimension: 512, embedderId: 'other:v1' }), 'Conflict', /classic:v1.*other:v1/);
      expect(await store.getIndex(index)).toMatchObject({ dimension: 512, embedderId: 'classic:v1', count: 1 });
    });

    it('refuses bad index names and specs', async () => {
      for (const bad of ['', 'Upper', 'a/b', '../x', 'a.b', 'a b', 'x'.repeat(65), 'é']) {
        await expectDomainError(store.ensureIndex(bad, { dimension: 4, embedderId: 'e' }), 'Invalid');
        await expectDomainError(store.getIndex(bad), 'Invalid');
      }
      await store.ensureIndex('x'.repeat(64), { dimension: 4, embedderId: 'e' }).then(() => store.dropIndex('x'.repeat(64)));
      await expectDomainError(store.ensureIndex(index, { dimension: 0, embedderId: 'e' }), 'Invalid');
      await expectDomainError(store.ensureIndex(index, { dimension: 2.5, embedderId: 'e' }), 'Invalid');
      await expectDomainError(store.ensureIndex(index, { dimension: 4, embedderId: '' }), 'Invalid');
      expect(await store.getIndex(index)).toBeUndefined();
    });

    it('upserts, replaces by id, deletes, and scores cosine similarity', async () => {
      await store.ensureIndex(index, { dimension: 3, embedderId: 'e' });
      await store.upsert(index, [
        { id: 'x', vector: new Float32Array([5, 0, 0]) }, // not unit length: scores are still cosine
        { id: 'y', vector: new Float32Array([0, 1, 0]) },
        { id: 'z', vector: new Float32Array([-1, 0, 0]) },
      ]);
      expect((await store.getIndex(index))!.count).toBe(3);
      const hits = await store.search(index, new Float32Array([2, 0, 0]), { topK: 3 });
      expect(hits.map((h) => h.id)).toEqual(['x', 'y', 'z']);
      expect(hits[0]!.score).toBeCloseTo(1, 6);
      expect(hits[1]!.score).toBeCloseTo(0, 6);
      expect(hits[2]!.score).toBeCloseTo(-1, 6);

      await store.upsert(index, [{ id: 'x', vector: new Float32Array([0, 0, 3]) }]);
      expect((await store.getIndex(index))!.count).toBe(3);
      const after = await store.search(index, new Float32Array([0, 0, 1]), { topK: 3 });
      expect(after[0]).toEqual({ id: 'x', score: expect.closeTo(1, 6) });
      expect(after.filter((h) => h.id === 'x')).toHaveLength(1);

      await store.delete(index, ['y', 'never-there']);
      expect((await store.getIndex(index))!.count).toBe(2);
      const left = await store.search(index, new Float32Array([0, 1, 0]), { topK: 10 });
      expect(left.map((h) => h.id).sort()).toEqual(['x', 'z']);
      await store.delete(index, []);
      await store.upsert(index, []);
      expect((await store.getIndex(index))!.count).toBe(2);
    });

    it('keeps the last vector when one batch repeats an id', async () => {
      await store.ensureIndex(index, { dimension: 2, embedderId: 'e' });
      await store.upsert(index, [
        { id: 'a', vector: new Float32Array([1, 0]) },
        { id: 'a', vector: new Float32Array([0, 1]) },
      ]);
      expect((await store.getIndex(index))!.count).toBe(1);
      expect(await store.search(index, new Float32Array([0, 1]), { topK: 5 })).toEqual([{ id: 'a', score: expect.closeTo(1, 6) }]);
    });

    it('returns exactly the brute-force top-k on random data (2,000 × 64)', async () => {
      const byId = await load(2000, 64, 7);
      const queries = randomVectors(20, 64, 99);
      for (const q of queries) {
        for (const topK of [1, 10, 37]) expectSameHits(await store.search(index, q, { topK }), bruteForceTopK(q, byId, topK));
      }
      // A query equal to a stored vector finds it first, with score 1.
      const [first] = await store.search(index, byId.get(idOf(1234))!, { topK: 1 });
      expect(first).toEqual({ id: idOf(1234), score: expect.closeTo(1, 5) });
    });

    it('breaks ties by id, also at the top-k boundary', async () => {
      const byId = await load(300, 16, 3);
      const twin = randomVectors(1, 16, 4)[0]!;
      const twins = ['t-d', 't-a', 't-e', 't-c', 't-b'];
      await store.upsert(index, twins.map((id) => ({ id, vector: twin })));
      expect((await store.search(index, twin, { topK: 5 })).map((h) => h.id)).toEqual(['t-a', 't-b', 't-c', 't-d', 't-e']);
      expect((await store.search(index, twin, { topK: 2 })).map((h) => h.id)).toEqual(['t-a', 't-b']);
      for (const id of twins) byId.set(id, twin);
      const q = randomVectors(1, 16, 5)[0]!;
      expectSameHits(await store.search(index, q, { topK: 50 }), bruteForceTopK(q, byId, 50));
    });

    it('searches only filterIds: a 1% filter returns exactly the brute-force top-k of that subset', async () => {
      const byId = await load(2000, 64, 11);
      const pick = seededRandom(12);
      const ids = [...byId.keys()];
      const subset = new Set(ids.filter(() => pick() < -0.98)); // about 1%
      expect(subset.size).toBeGreaterThan(10);
      const subsetVectors = new Map([...subset].map((id) => [id, byId.get(id)!]));
      for (const q of randomVectors(10, 64, 13)) {
        expectSameHits(await store.search(index, q, { topK: 10, filterIds: subset }), bruteForceTopK(q, subsetVectors, 10));
      }
      // Larger shares, unknown ids in the filter, and fewer allowed rows than topK.
      for (const share of [0.1, 0.5, 0.9]) {
        const allowed = new Set(ids.filter(() => pick() < share * 2 - 1));
        allowed.add('not-indexed');
        const allowedVectors = new Map([...allowed].filter((id) => byId.has(id)).map((id) => [id, byId.get(id)!]));
        const q = randomVectors(1, 64, Math.round(share * 100))[0]!;
        expectSameHits(await store.search(index, q, { topK: 25, filterIds: allowed }), bruteForceTopK(q, allowedVectors, 25));
      }
      const few = new Set([idOf(5), idOf(1500), 'ghost']);
      const q = randomVectors(1, 64, 14)[0]!;
      const fewHits = await store.search(index, q, { topK: 10, filterIds: few });
      expectSameHits(fewHits, bruteForceTopK(q, new Map([idOf(5), idOf(1500)].map((id) => [id, byId.get(id)!])), 10));
      expect(await store.search(index, q, { topK: 10, filterIds: new Set() })).toEqual([]);
      expect(await store.search(index, q, { topK: 10, filterIds: new Set(['ghost']) })).toEqual([]);
    });

    it('never returns fewer than min(topK, allowed ∩ indexed) when the filter disagrees with the query', async () => {
      const byId = await load(2000, 64, 21);
      const q = randomVectors(1, 64, 22)[0]!;
      // Allow only the rows that score worst: a filtered search that over-fetches too little would come back short.
      const worst = bruteForceTopK(q, byId, 2000).slice(-600);
      const allowed = new Set(worst.map((h) => h.id));
      const allowedVectors = new Map(worst.map((h) => [h.id, byId.get(h.id)!]));
      expectSameHits(await store.search(index, q, { topK: 20, filterIds: allowed }), bruteForceTopK(q, allowedVectors, 20));
    });

    it('returns everything when topK exceeds the index, and nothing from an empty index', async () => {
      await store.ensureIndex(index, { dimension: 8, embedderId: 'test:v1' });
      const q = randomVectors(1, 8, 1)[0]!;
      expect(await store.search(index, q, { topK: 10 })).toEqual([]);
      const byId = await load(7, 8, 2);
      const hits = await store.search(index, q, { topK: 100 });
      expect(hits).toHaveLength(7);
      expectSameHits(hits, bruteForceTopK(q, byId, 100));
      await store.delete(index, [...byId.keys()]);
      expect(await store.search(index, q, { topK: 10 })).toEqual([]);
    });

    it('refuses vectors of the wrong dimension, vectors without direction, and a bad topK', async () => {
      await store.ensureIndex(index, { dimension: 4, embedderId: 'e' });
      await expectDomainError(store.upsert(index, [{ id: 'a', vector: new Float32Array(5).fill(1) }]), 'Invalid', /5 dimensions.*4/);
      await expectDomainError(store.upsert(index, [{ id: 'a', vector: new Float32Array(4) }]), 'Invalid');
      await expectDomainError(store.upsert(index, [{ id: 'a', vector: Float32Array.of(1, Number.NaN, 0, 0) }]), 'Invalid');
      await expectDomainError(store.upsert(index, [{ id: '', vector: new Float32Array(4).fill(1) }]), 'Invalid');
      // A batch with one bad record changes nothing.
      await expectDomainError(
        store.upsert(index, [
          { id: 'good', vector: new Float32Array(4).fill(1) },
          { id: 'bad', vector: new Float32Array(3).fill(1) },
        ]),
        'Invalid',
      );
      expect((await store.getIndex(index))!.count).toBe(0);
      await expectDomainError(store.search(index, new Float32Array(3).fill(1), { topK: 1 }), 'Invalid', /3 dimensions.*4/);
      await expectDomainError(store.search(index, new Float32Array(4), { topK: 1 }), 'Invalid');
      await expectDomainError(store.search(index, new Float32Array(4).fill(1), { topK: 0 }), 'Invalid');
      await expectDomainError(store.search(index, new Float32Array(4).fill(1), { topK: 1.5 }), 'Invalid');
    });

    it('answers NotFound for an unknown index, and drops an index for good', async () => {
      const v = new Float32Array(4).fill(1);
      await expectDomainError(store.upsert(index, [{ id: 'a', vector: v }]), 'NotFound');
      await expectDomainError(store.delete(index, ['a']), 'NotFound');
      await expectDomainError(store.search(index, v, { topK: 1 }), 'NotFound');
      await store.dropIndex(index); // dropping what is not there is a no-op

      await store.ensureIndex(index, { dimension: 4, embedderId: 'e' });
      await store.upsert(index, [{ id: 'a', vector: v }]);
      await store.dropIndex(index);
      expect(await store.getIndex(index)).toBeUndefined();
      await expectDomainError(store.search(index, v, { topK: 1 }), 'NotFound');
      expect(await store.ensureIndex(index, { dimension: 8, embedderId: 'other' })).toMatchObject({ dimension: 8, count: 0 });
    });

    it('keeps a search query that is a view into a larger buffer apart from its neighbours', async () => {
      const byId = await load(500, 32, 31);
      const buffer = randomVectors(3, 32, 32);
      const flat = new Float32Array(96);
      buffer.forEach((v, i) => flat.set(v, i * 32));
      const view = flat.subarray(32, 64);
      expectSameHits(await store.search(index, view, { topK: 5 }), bruteForceTopK(buffer[1]!, byId, 5));
      // Records given as views are stored as their own values too.
      await store.upsert(index, [{ id: 'view', vector: flat.subarray(64, 96) }]);
      expect((await store.search(index, buffer[2]!, { topK: 1 }))[0]).toEqual({ id: 'view', score: expect.closeTo(1, 5) });
    });
  });
}
