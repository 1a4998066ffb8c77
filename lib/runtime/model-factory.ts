// Builds model clients for connections: the one place that maps a ConnectionType to an adapter.
import { ClassicEmbedder } from '../adapters/models/classic-embedder.js';
import { DashScopeMultimodalEmbedder } from '../adapters/models/dashscope-embedder.js';
import { GmeEmbedder } from '../adapters/models/gme-embedder.js';
import { OpenAiCompatibleTagger } from '../adapters/models/openai-compatible-tagger.js';
import { invalid } from '../domain/errors.js';
import type { Embedder } from '../ports/embedder.js';
import type { ModelFactory, ResolvedConnection } from '../ports/model-factory.js';
import type { Tagger } from '../ports/tagger.js';

export function createModelFactory(opts: { timeoutMs: number }): ModelFactory {
  const classic = new ClassicEmbedder();
  return {
    tagger({ connection, secrets }: ResolvedConnection): Tagger {
      switch (connection.connectionType) {
        case 'DashScopeConnection':
        case 'OpenLLMConnection':
          return new OpenAiCompatibleTagger({ baseUrl: connection.configs.BaseUrl!, apiKey: secrets.ApiKey, timeoutMs: opts.timeoutMs });
        default:
          throw invalid(`connection ${connection.connectionId} (${connection.connectionType}) is not a tagging model`, 'ConnectionId');
      }
    },
    embedder({ connection, secrets }: ResolvedConnection, model?: string): Embedder {
      switch (connection.connectionType) {
        case 'EasEmbeddingConnection':
          return new GmeEmbedder({
            endpoint: connection.configs.Endpoint!,
            token: secrets.Token,
            model: model ?? connection.configs.Model ?? connection.models[0]?.model,
            timeoutMs: opts.timeoutMs,
          });
        case 'DashScopeEmbeddingConnection':
          return new DashScopeMultimodalEmbedder({
            baseUrl: connection.configs.BaseUrl,
            apiKey: secrets.ApiKey!,
            model: model ?? connection.configs.Model,
            timeoutMs: opts.timeoutMs,
          });
        case 'ClassicEmbeddingConnection':
          return classic;
        default:
          throw invalid(`connection ${connection.connectionId} (${connection.connectionType}) is not an embedding model`, 'ConnectionId');
      }
    },
  };
}
