// Local vector search: LocalVectorStore exact top-k side by side with raw usearch `exactSearch` on the same
// data in the same run (target ≤ 1.2× its time), filtered top-k, upsert throughput and reopen time.
// Options: --n 100000 --dim 1536 --queries 50 --topk 10 --batch 1000.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { exactSearch, MetricKind, type Matches } from 'usearch';
import { LocalVectorStore } from '../lib/adapters/vectorstore/local-vector-store.js';
import { option, percentiles, round, timeAlternating, unitVectors } from './support.js';

const idOf = (i: number) => `meta-${i.toString(16).padStart(8, '0')}`;

export async function run(args: string[]) {
  const n = option(args, 'n', 100_000);
  const dim = option(args, 'dim', 1536);
  const queryCount = option(args, 'queries', 50);
  const topK = option(args, 'topk', 10);
  const batch = option(args, 'batch', 1000);
  const root = await mkdtemp(path.join(os.tmpdir(), 'loupe-bench-vector-'));
  try {
    const data = unitVectors(n, dim, 1);
    const queries = Array.from({ length: queryCount }, (_, i) => unitVectors(1, dim, 1000 + i));

    // Upsert throughput: batches as the embedder consumer sends them, each synced to disk before it returns.
    const store = new LocalVectorStore({ dir: root });
    await store.ensureIndex('bench', { dimension: dim, embedderId: 'bench:random' });
    const t0 = performance.now();
    for (let i = 0; i < n; i += batch) {
      const records = [];
      for (let r = i; r < Math.min(n, i + batch); r++) records.push({ id: idOf(r), vector: data.subarray(r * dim, (r + 1) * dim) });
      await store.upsert('bench', records);
    }
    const upsertSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const replaced = Math.min(n, 10 * batch);
    for (let i = 0; i < replaced; i += batch) {
      const records = [];
      for (let r = i; r < Math.min(replaced, i + batch); r++) records.push({ id: idOf(r), vector: data.subarray(r * dim, (r + 1) * dim) });
      await store.upsert('bench', records);
    }
    const replaceSeconds = (performance.now() - t1) / 1000;

    // Exact top-k: ours and raw usearch alternate query by query, so both see the same machine state.
    const ours: number[] = [];
    const raw: number[] = [];
    let agreeing = 0;
    for (const q of queries.slice(0, 3)) {
      await store.search('bench', q, { topK });
      exactSearch(data, q, dim, topK, MetricKind.IP, 0);
    }
    const timed = await timeAlternating(
      queries.length,
      (i) => store.search('bench', queries[i]!, { topK }),
      (i) => exactSearch(data, queries[i]!, dim, topK, MetricKind.IP, 0) as Matches,
    );
    ours.push(...timed.oursMs);
    raw.push(...timed.theirsMs);
    for (const [hits, found] of timed.results) {
      const want = Array.from(found.keys, (k) => idOf(Number(k)));
      if (hits.map((h) => h.id).join() === want.join()) agreeing++;
    }
    const exactOurs = percentiles(ours);
    const exactRaw = percentiles(raw);

    // Filtered: a 1% filter (gathered and searched exactly) and a 50% filter (widened unfiltered search).
    const filtered = async (share: number) => {
      const pickEvery = Math.round(1 / share);
      const allowed = new Set<string>();
      for (let r = 0; r < n; r += pickEvery) allowed.add(idOf(r));
      const times: number[] = [];
      let complete = 0;
      for (const q of queries) {
        const s = performance.now();
        const hits = await store.search('bench', q, { topK, filterIds: allowed });
        times.push(performance.now() - s);
        if (hits.length === Math.min(topK, allowed.size) && hits.every((h) => allowed.has(h.id))) complete++;
      }
      return { share, allowed: allowed.size, ...percentiles(times), queriesWithFullTopK: complete };
    };
    const filter1 = await filtered(0.01);
    const filter50 = await filtered(0.5);
    const rssMb = Math.round(process.memoryUsage().rss / 1e6);
    await store.close();

    const t2 = performance.now();
    const reopened = new LocalVectorStore({ dir: root });
    await reopened.search('bench', queries[0]!, { topK });
    const reopenSeconds = (performance.now() - t2) / 1000;
    await reopened.close();

    return {
      benchmark: 'vector',
      date: new Date().toISOString(),
      data: { vectors: n, dimension: dim, queries: queryCount, topK, threads: os.availableParallelism() },
      exact: {
        ours: exactOurs,
        rawUsearchExactSearch: exactRaw,
        ratioP50: round(exactOurs.p50Ms / exactRaw.p50Ms),
        ratioP95: round(exactOurs.p95Ms / exactRaw.p95Ms),
        target: '≤ 1.2',
        queriesWithSameTopKAsRaw: agreeing,
      },
      filtered: { onePercent: filter1, halfTheIndex: filter50 },
      upsert: {
        batch,
        vectors: n,
        seconds: round(upsertSeconds),
        vectorsPerSecond: Math.round(n / upsertSeconds),
        replaceVectorsPerSecond: Math.round(replaced / replaceSeconds),
      },
      reopenAndFirstQuerySeconds: round(reopenSeconds),
      rssMbBeforeClose: rssMb,
    };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
