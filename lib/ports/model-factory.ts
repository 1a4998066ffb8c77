// Port: builds model clients for a connection (lib/runtime names the concrete adapters).
import type { Connection } from '../domain/connection.js';
import type { Embedder } from './embedder.js';
import type { Tagger } from './tagger.js';

export interface ResolvedConnection {
  connection: Connection;
  /** Opened secrets: only ever held in memory, never logged or returned. */
  secrets: Record<string, string>;
}

export interface ModelFactory {
  tagger(c: ResolvedConnection): Tagger;
  embedder(c: ResolvedConnection, model?: string): Embedder;
  /**
   * Connectivity of a service Loupe does not call yet (a vector store, a database): a TCP connection
   * to host:port under the same URL policy as model calls. Throws ModelError when it cannot connect.
   */
  reach?(host: string, port: number, signal?: AbortSignal): Promise<void>;
}
