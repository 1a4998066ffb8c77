// The vectors of one index in memory: rows 0..count-1 of one contiguous Float32Array, and the id↔row mapping.
// Rows have no holes (a delete moves the last row into the gap), so a search hands `live()` to usearch as is.

const INITIAL_ROWS = 256;

/** A copy of `v` scaled to unit length; undefined when it has no direction (zero) or is not finite. */
export function unitVector(v: ArrayLike<number>): Float32Array | undefined {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const norm = Math.sqrt(sum);
  if (!(norm > 0) || !Number.isFinite(norm)) return undefined;
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! / norm;
  return out;
}

/** Where a removed id's row went: `movedFrom` is the last row, now living at `row` (equal when it was the last). */
export interface RowRemoval {
  row: number;
  movedFrom: number;
}

export class VectorMatrix {
  readonly dimension: number;
  #data: Float32Array;
  #ids: string[] = [];
  #rows = new Map<string, number>();

  constructor(dimension: number, capacityRows = INITIAL_ROWS) {
    this.dimension = dimension;
    this.#data = new Float32Array(Math.max(1, capacityRows) * dimension);
  }

  get count(): number {
    return this.#ids.length;
  }

  /** The whole backing array: row r is at r * dimension. Starts at offset 0 of its buffer. */
  get data(): Float32Array {
    return this.#data;
  }

  /** The live rows, as a view that starts at offset 0 of its buffer (usearch ignores view offsets). */
  live(): Float32Array {
    return this.#data.subarray(0, this.#ids.length * this.dimension);
  }

  rowOf(id: string): number | undefined {
    return this.#rows.get(id);
  }

  idAt(row: number): string {
    return this.#ids[row]!;
  }

  ids(): readonly string[] {
    return this.#ids;
  }

  /** Dot product of row `row` with `query` (unit vectors: the cosine), accumulated in doubles. */
  dot(row: number, query: Float32Array): number {
    const d = this.#data;
    let sum = 0;
    for (let i = 0, o = row * this.dimension; i < query.length; i++, o++) sum += d[o]! * query[i]!;
    return sum;
  }

  /** Sets the (already unit) vector of `id`, replacing its row or appending one; returns the row. */
  put(id: string, unit: Float32Array): number {
    let row = this.#rows.get(id);
    if (row === undefined) {
      row = this.#ids.length;
      this.#reserve(row + 1);
      this.#ids.push(id);
      this.#rows.set(id, row);
    }
    this.#data.set(unit, row * this.dimension);
    return row;
  }

  /** Appends rows read from a snapshot: `ids[i]` owns row count + i, whose bytes the caller fills via `data`. */
  appendRows(ids: readonly string[]): void {
    this.#reserve(this.#ids.length + ids.length);
    for (const id of ids) {
      if (this.#rows.has(id)) throw new Error(`duplicate id '${id}' in snapshot`);
      this.#rows.set(id, this.#ids.length);
      this.#ids.push(id);
    }
  }

  remove(id: string): RowRemoval | undefined {
    const row = this.#rows.get(id);
    if (row === undefined) return undefined;
    const last = this.#ids.length - 1;
    this.#rows.delete(id);
    if (row !== last) {
      const movedId = this.#ids[last]!;
      this.#data.copyWithin(row * this.dimension, last * this.dimension, (last + 1) * this.dimension);
      this.#ids[row] = movedId;
      this.#rows.set(movedId, row);
    }
    this.#ids.pop();
    return { row, movedFrom: last };
  }

  /** A copy of one row (for the approximate index, which keeps its own). */
  rowVector(row: number): Float32Array {
    return this.#data.slice(row * this.dimension, (row + 1) * this.dimension);
  }

  #reserve(rows: number): void {
    const capacity = this.#data.length / this.dimension;
    if (rows <= capacity) return;
    let next = capacity;
    while (next < rows) next *= 2;
    const grown = new Float32Array(next * this.dimension);
    grown.set(this.#data.subarray(0, this.#ids.length * this.dimension));
    this.#data = grown;
  }
}
