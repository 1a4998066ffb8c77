// Port: a vector index (local on disk; Elasticsearch, OpenSearch, Milvus in the cloud).
// Scores are cosine similarity in [-1, 1] on every backend.

export interface VectorIndexInfo {
  name: string;
  dimension: number;
  /** The embedder whose vectors the index holds; a query from another model is refused. */
  embedderId: string;
  count: number;
}

export interface VectorRecord {
  /** DatasetFileMetaId. */
  id: string;
  vector: Float32Array;
}

export interface VectorHit {
  id: string;
  score: number;
}

export interface VectorSearchOptions {
  topK: number;
  /** Only these ids may be returned (a pushed-down metadata filter). */
  filterIds?: ReadonlySet<string>;
}

export interface VectorStore {
  /** Creates the index or opens it; Conflict when it exists with another dimension or embedder. */
  ensureIndex(name: string, spec: { dimension: number; embedderId: string }): Promise<VectorIndexInfo>;
  getIndex(name: string): Promise<VectorIndexInfo | undefined>;
  /** Inserts or replaces by id: an id never has two vectors. */
  upsert(name: string, records: VectorRecord[]): Promise<void>;
  delete(name: string, ids: string[]): Promise<void>;
  /** Best first; exact unless the index was configured approximate. */
  search(name: string, query: Float32Array, opts: VectorSearchOptions): Promise<VectorHit[]>;
  dropIndex(name: string): Promise<void>;
  close(): Promise<void>;
}
