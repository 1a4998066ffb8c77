// Port: an embedding model (GME on EAS, DashScope multimodal-embedding, the built-in `classic`).

export type EmbedInput = { kind: 'image'; data: Buffer; mime: string } | { kind: 'text'; text: string };

/** One result per input, in order: a vector, or why this input failed (partial success). */
export type EmbedOutcome = { ok: true; vector: Float32Array } | { ok: false; error: string };

export interface Embedder {
  /** Identifies model and version, e.g. `gme:gme-qwen2-vl-2b`, `classic:v1`; recorded in every index. */
  readonly id: string;
  /** Vector length, when known before the first call. */
  readonly dimension?: number;
  readonly supportsText: boolean;
  /** Inputs per call the service accepts. */
  readonly maxBatch: number;
  /** Throws ModelError when the whole call fails; per-input failures come back as outcomes. */
  embed(inputs: EmbedInput[], opts?: { signal?: AbortSignal }): Promise<EmbedOutcome[]>;
}
