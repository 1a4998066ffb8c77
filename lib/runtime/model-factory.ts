// Builds model clients for connections: the one place that maps a ConnectionType to an adapter.
import { ClassicEmbedder } from '../adapters/models/classic-embedder.js';
import { DashScopeMultimodalEmbedder } from '../adapters/models/dashscope-embedder.js';
import { GmeEmbedder } from '../adapters/models/gme-embedder.js';
import type { ModelUrlPolicy } from '../adapters/models/model-url-policy.js';
import { reachTcp } from '../adapters/models/reachability.js';
import { OpenAiCompatibleTagger } from '../adapters/models/openai-compatible-tagger.js';
import { invalid } from '../domain/errors.js';
import type { Embedder } from '../ports/embedder.js';
import type { ModelFactory, ResolvedConnection } from '../ports/model-factory.js';
import type { Tagger } from '../ports/tagger.js';
import type { Config } from './config.js';

/**
 * LOUPE_MODEL_URL_POLICY, or its default: a server reachable from other machines (LOUPE_HOST not a
 * loopback address) keeps model calls off private and loopback addresses; a laptop serving itself may
 * reach a local vLLM/Ollama.
 */
export function modelUrlPolicyOf(config: Pick<Config, 'LOUPE_MODEL_URL_POLICY' | 'LOUPE_HOST'>): ModelUrlPolicy {
  return config.LOUPE_MODEL_URL_POLICY ?? (isLoopbackHost(config.LOUPE_HOST) ? 'any' : 'public');
}

function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}

export function createModelFactory(opts: { timeoutMs: number; urlPolicy: ModelUrlPolicy }): ModelFactory {
  const { timeoutMs, urlPolicy } = opts;
  const classic = new ClassicEmbedder();
  return {
    tagger({ connection, secrets }: ResolvedConnection): Tagger {
      switch (connection.connectionType) {
        case 'DashScopeConnection':
        case 'OpenLLMConnection':
          return new OpenAiCompatibleTagger({ baseUrl: connection.configs.base_url!, apiKey: secrets.api_key, timeoutMs, urlPolicy });
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
            timeoutMs,
            urlPolicy,
          });
        case 'DashScopeEmbeddingConnection':
          return new DashScopeMultimodalEmbedder({
            baseUrl: connection.configs.BaseUrl,
            apiKey: secrets.ApiKey!,
            model: model ?? connection.configs.Model,
            timeoutMs,
            urlPolicy,
          });
        case 'ClassicEmbeddingConnection':
          return classic;
        default:
          throw invalid(`connection ${connection.connectionId} (${connection.connectionType}) is not an embedding model`, 'ConnectionId');
      }
    },
    reach(host: string, port: number, signal?: AbortSignal): Promise<void> {
      return reachTcp({ host, port, policy: urlPolicy, timeoutMs: Math.min(timeoutMs, 10_000), signal });
    },
  };
}
