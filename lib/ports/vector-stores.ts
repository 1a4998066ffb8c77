// Port: the VectorStore behind a vector connection (lib/runtime names the concrete adapters).
import type { ResolvedConnection } from './model-factory.js';
import type { VectorStore } from './vector-store.js';

export interface VectorStores {
  forConnection(c: ResolvedConnection): Promise<VectorStore>;
  close(): Promise<void>;
}
