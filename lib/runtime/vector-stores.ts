// The VectorStore behind each vector connection type: the one place that names vector adapters.
import path from 'node:path';
import type { LocalVectorStore } from '../adapters/vectorstore/local-vector-store.js';
import { CONNECTION_KINDS, usableTypes } from '../domain/connection.js';
import { invalid } from '../domain/errors.js';
import type { ResolvedConnection } from '../ports/model-factory.js';
import type { VectorStore } from '../ports/vector-store.js';
import type { VectorStores } from '../ports/vector-stores.js';

export function createVectorStores(dataDir: string): VectorStores {
  // One local store per data dir: it is the only writer of its folder.
  let local: LocalVectorStore | undefined;
  return {
    async forConnection({ connection }: ResolvedConnection): Promise<VectorStore> {
      if (connection.connectionType === 'LocalVectorConnection') {
        // Loaded on first use: processes that never index (the prober's worker threads) never load
        // the native usearch addon, which hangs when imported into a worker thread under tsx.
        const { LocalVectorStore } = await import('../adapters/vectorstore/local-vector-store.js');
        local ??= new LocalVectorStore({ dir: path.join(dataDir, 'vectors') });
        return local;
      }
      const kind = CONNECTION_KINDS[connection.connectionType];
      if (kind?.purpose === 'vector') {
        // Stored and validated, but no adapter yet (a later issue builds them).
        throw invalid(
          `connection ${connection.connectionId} is a ${connection.connectionType}: this vector store is not available yet (available: ${usableTypes('vector').join(', ')})`,
          'ConnectionId',
        );
      }
      throw invalid(`connection ${connection.connectionId} (${connection.connectionType}) is not a vector store`, 'ConnectionId');
    },
    async close() {
      await local?.close();
    },
  };
}
