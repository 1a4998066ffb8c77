// Counts per group (tags, folders, formats, types) from GetDatasetFileMetasStatistics for a query's
// metadata conditions: the histogram and the counts beside tags. Requests are debounced, cancelled when
// the question changes, and their answers kept a few seconds so that views asking the same share one.
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { get, seg } from '../api.js';

/** AggregateBy values the console asks for (lib/http/routes/file-metas.ts). */
export type AggregateBy = 'tags.all' | 'filedir' | 'fileformat' | 'filetype';

export interface Stats {
  groups: Array<{ key: string; count: number }>;
  /** Groups in all (not only those returned). */
  total: number;
  /** Files matching. */
  files: number;
}

interface StatsAnswer {
  DatasetFileMetasStats: Array<{ Key: string; Count: number }>;
  TotalCount: number;
  FileCount: number;
}

const TTL_MS = 10_000;
const cache = new Map<string, { at: number; stats: Stats }>();

export interface StatsState {
  stats?: Stats;
  error?: string;
  loading: boolean;
}

/**
 * The statistics of `expression` (metadata conditions only; undefined = nothing to ask) in a version,
 * grouped by `by`, the `max` largest groups. Asked `delayMs` after the last change.
 */
export function useStats(datasetId: string, version: string, expression: string | undefined, by: AggregateBy, max: number, delayMs = 0): StatsState {
  const state = useSignal<StatsState>({ loading: expression !== undefined });
  useEffect(() => {
    if (expression === undefined) {
      state.value = { loading: false };
      return;
    }
    const key = JSON.stringify([datasetId, version, expression, by, max]);
    const hit = cache.get(key);
    if (hit && Date.now() - hit.at < TTL_MS) {
      state.value = { stats: hit.stats, loading: false };
      return;
    }
    state.value = { stats: state.peek().stats, loading: true };
    const ctl = new AbortController();
    const timer = setTimeout(async () => {
      try {
        const r = await get<StatsAnswer>(
          `/api/v1/statistics/datasets/${seg(datasetId)}/datasetfilemetas`,
          { DatasetVersion: version || undefined, QueryExpression: expression || undefined, AggregateBy: by, MaxResults: max },
          ctl.signal,
        );
        const stats: Stats = { groups: r.DatasetFileMetasStats.map((g) => ({ key: g.Key, count: g.Count })), total: r.TotalCount, files: r.FileCount };
        if (cache.size > 100) cache.delete(cache.keys().next().value!);
        cache.set(key, { at: Date.now(), stats });
        state.value = { stats, loading: false };
      } catch (e) {
        if (!ctl.signal.aborted) state.value = { error: e instanceof Error ? e.message : String(e), loading: false };
      }
    }, delayMs);
    return () => {
      clearTimeout(timer);
      ctl.abort();
    };
  }, [datasetId, version, expression, by, max, delayMs]);
  return state.value;
}

/** A key's count in stats: 0 when every group came back without it, undefined when unknown. */
export function countOf(s: Stats | undefined, key: string): number | undefined {
  if (!s) return undefined;
  const g = s.groups.find((x) => x.key === key);
  return g ? g.count : s.total <= s.groups.length ? 0 : undefined;
}
