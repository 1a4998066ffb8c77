// Helpers shared by the benchmarks: command-line options, reproducible random data, latency percentiles.
import { mulberry32 } from '../test/support/loopback-server.js';

/** `--name N` as a number, `def` when absent. */
export function option(args: string[], name: string, def: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return def;
  const value = Number(args[i + 1]);
  if (!Number.isFinite(value)) throw new Error(`--${name} needs a number, got '${args[i + 1] ?? ''}'`);
  return value;
}

/** `--name` given (a switch without a value). */
export function flag(args: string[], name: string): boolean {
  return args.includes(`--${name}`);
}

/** A seeded PRNG in [0, 1) (the tests' mulberry32): fast and reproducible. */
export const random = (seed: number): (() => number) => mulberry32(seed);

/**
 * Times two engines on the same queries, alternating which goes first so that neither always finds the
 * caches the other warmed. Returns each one's latencies and results.
 */
export async function timeAlternating<A, B>(count: number, ours: (i: number) => Promise<A>, theirs: (i: number) => B): Promise<{ oursMs: number[]; theirsMs: number[]; results: Array<[A, B]> }> {
  const oursMs: number[] = [];
  const theirsMs: number[] = [];
  const results: Array<[A, B]> = [];
  const timeOurs = async (i: number) => {
    const s = performance.now();
    const r = await ours(i);
    oursMs.push(performance.now() - s);
    return r;
  };
  const timeTheirs = (i: number) => {
    const s = performance.now();
    const r = theirs(i);
    theirsMs.push(performance.now() - s);
    return r;
  };
  for (let i = 0; i < count; i++) {
    if (i % 2 === 0) {
      const a = await timeOurs(i);
      results.push([a, timeTheirs(i)]);
    } else {
      const b = timeTheirs(i);
      results.push([await timeOurs(i), b]);
    }
  }
  return { oursMs, theirsMs, results };
}

/** Random unit vectors, row-major in one buffer (xorshift32: fast and reproducible). */
export function unitVectors(count: number, dim: number, seed: number): Float32Array {
  const out = new Float32Array(count * dim);
  let s = seed >>> 0 || 1;
  for (let r = 0; r < count; r++) {
    let sum = 0;
    for (let j = r * dim; j < (r + 1) * dim; j++) {
      s ^= s << 13;
      s >>>= 0;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      const x = s / 2 ** 31 - 1;
      out[j] = x;
      sum += x * x;
    }
    const inv = 1 / Math.sqrt(sum);
    for (let j = r * dim; j < (r + 1) * dim; j++) out[j]! *= inv;
  }
  return out;
}

export interface Percentiles {
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  meanMs: number;
}

/** Nearest-rank percentiles of latencies in milliseconds. */
export function percentiles(ms: number[]): Percentiles {
  if (ms.length === 0) return { p50Ms: NaN, p95Ms: NaN, p99Ms: NaN, meanMs: NaN };
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  return { p50Ms: round(at(0.5)), p95Ms: round(at(0.95)), p99Ms: round(at(0.99)), meanMs: round(ms.reduce((a, b) => a + b, 0) / ms.length) };
}

export const round = (x: number) => Number(x.toFixed(3));
