// Unit-length vectors: cosine similarity becomes a dot product, the same Score on every backend.

/** A new Float32Array of unit length, or undefined for a zero, empty or non-finite vector. */
export function l2Normalize(values: ArrayLike<number>): Float32Array | undefined {
  const n = values.length;
  if (n === 0) return undefined;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    sum += v * v;
  }
  if (!(sum > 0) || !Number.isFinite(sum)) return undefined;
  const inv = 1 / Math.sqrt(sum);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = values[i]! * inv;
  return out;
}
