// Optional approximate search for large local indexes: a usearch HNSW graph keyed by matrix row, kept in
// step with the matrix. It only proposes candidates; the store re-scores them exactly from the matrix, so
// half-precision storage here costs recall slightly (measured: none at 20k×64) and halves its memory.
import type { Index } from 'usearch';
import { usearch } from './usearch-module.js';

const { MetricKind, ScalarKind } = usearch;
import { fileCrc32, type SavedGraph } from './vector-index-files.js';
import type { RowRemoval, VectorMatrix } from './vector-matrix.js';

const CONNECTIVITY = 32;
const EXPANSION_ADD = 128;
/** Recall of top-10 on random 20k×64 unit vectors: 0.98 at 128, 1.0 at 256 (0.75 ms/query). */
const EXPANSION_SEARCH = 256;

function emptyIndex(dimension: number): Index {
  return new usearch.Index({
    dimensions: dimension,
    metric: MetricKind.IP,
    quantization: ScalarKind.F16,
    connectivity: CONNECTIVITY,
    expansion_add: EXPANSION_ADD,
    expansion_search: EXPANSION_SEARCH,
    multi: false,
  });
}

export class HnswGraph {
  readonly #index: Index;
  readonly #dimension: number;

  private constructor(index: Index, dimension: number) {
    this.#index = index;
    this.#dimension = dimension;
  }

  static build(matrix: VectorMatrix): HnswGraph {
    const graph = new HnswGraph(emptyIndex(matrix.dimension), matrix.dimension);
    if (matrix.count > 0) {
      graph.#index.add(
        BigUint64Array.from({ length: matrix.count }, (_, row) => BigInt(row)),
        matrix.data.slice(0, matrix.count * matrix.dimension),
        0,
      );
    }
    return graph;
  }

  /**
   * The saved graph, or undefined when it is damaged or does not hold `expectedSize` rows. usearch
   * crashes the process on a damaged file, so the file's checksum is verified before it reads it.
   */
  static load(saved: SavedGraph, dimension: number, expectedSize: number): HnswGraph | undefined {
    try {
      if (fileCrc32(saved.file) !== saved.crc) return undefined;
      const index = emptyIndex(dimension);
      index.load(saved.file);
      if (index.size() !== expectedSize || index.dimensions() !== dimension) return undefined;
      return new HnswGraph(index, dimension);
    } catch {
      return undefined;
    }
  }

  get size(): number {
    return this.#index.size();
  }

  /** Sets the vectors of `rows` (new or replaced), in one batched insert. */
  put(rows: number[], units: Float32Array[]): void {
    if (rows.length === 0) return;
    const keys = BigUint64Array.from(rows, (row) => BigInt(row));
    const present = this.#index.contains(keys) as boolean[];
    const replaced = keys.filter((_, i) => present[i]);
    if (replaced.length > 0) this.#index.remove(replaced);
    const flat = new Float32Array(rows.length * this.#dimension);
    units.forEach((u, i) => flat.set(u, i * this.#dimension));
    this.#index.add(keys, flat, 0);
  }

  /** Mirrors `VectorMatrix.remove`: the removed row goes, the moved last row takes its key. Call after it. */
  remove(removal: RowRemoval, matrix: VectorMatrix): void {
    this.#index.remove(BigInt(removal.row));
    if (removal.movedFrom !== removal.row) {
      this.#index.remove(BigInt(removal.movedFrom));
      this.#index.add(BigInt(removal.row), matrix.rowVector(removal.row), 1);
    }
  }

  /** Up to `k` candidate rows, nearest first by the graph's (approximate) distance. */
  search(unitQuery: Float32Array, k: number): number[] {
    const found = this.#index.search(unitQuery, Math.max(1, Math.min(k, this.size)), 0);
    return Array.from(found.keys, Number);
  }

  save(file: string): void {
    this.#index.save(file);
  }
}
