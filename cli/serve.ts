// `loupe serve` (and `npm start`): Loupe on one machine — the API on 127.0.0.1 and the queue workers,
// data in ./.loupe/. Stops cleanly on SIGINT/SIGTERM.
import { createApi } from '../functions/api/index.js';
import { createFanoutDeadLetterHandler, createFanoutHandler } from '../functions/fanout/index.js';
import { createEmbedderDeadLetterHandler, createEmbedderHandler } from '../functions/embedder/index.js';
import { createExporterDeadLetterHandler, createExporterHandler } from '../functions/exporter/index.js';
import { createProberDeadLetterHandler, createProberHandler } from '../functions/prober/index.js';
import { createReindexHandler } from '../functions/reindex/index.js';
import { createTaggerDeadLetterHandler, createTaggerHandler } from '../functions/tagger/index.js';
import { resolveApiKeys, type ApiKeys } from '../lib/runtime/api-keys.js';
import { ConfigError, loadConfig, type Config } from '../lib/runtime/config.js';
import { buildContainer, type Container, type ContainerOptions } from '../lib/runtime/container.js';
import { parseCron } from '../lib/runtime/cron.js';
import { startLocalRuntime } from '../lib/runtime/local.js';

export interface StartedLoupe {
  url: string;
  container: Container;
  keys: ApiKeys;
  /** Stops taking messages, waits for invocations in flight, closes the server and the stores. */
  stop(): Promise<void>;
}

/**
 * Loupe on one machine from a config: the API and every function's consumer (and timer), as
 * `loupe serve` runs them. Tests start it on port 0 with LOUPE_WORKER_THREADS=0.
 */
export async function startLoupe(config: Config, opts: ContainerOptions = {}): Promise<StartedLoupe> {
  const container = buildContainer(config, opts);
  const keys = resolveApiKeys(config.LOUPE_API_KEYS, config.dataDir);
  const get = () => container;
  const runtime = await startLocalRuntime({
    fetch: createApi(container, keys.keys).fetch,
    host: config.LOUPE_HOST,
    port: config.LOUPE_PORT,
    queue: container.queue,
    visibilityTimeoutSeconds: config.LOUPE_QUEUE_VISIBILITY_SECONDS,
    log: container.log,
    // LOUPE_REINDEX_SCHEDULE plays the reindex function's FC timer trigger (s.yaml).
    timers: config.LOUPE_REINDEX_SCHEDULE
      ? [{ name: 'reindex', functionName: 'reindex', schedule: parseCron(config.LOUPE_REINDEX_SCHEDULE), handler: createReindexHandler(get) }]
      : [],
    consumers: [
      { name: 'fanout', queue: container.queues.fanout, handler: createFanoutHandler(get), deadLetterHandler: createFanoutDeadLetterHandler(get), concurrency: 1 },
      {
        name: 'prober',
        queue: container.queues.prober,
        handler: createProberHandler(get),
        deadLetterHandler: createProberDeadLetterHandler(get),
        concurrency: config.LOUPE_WORKER_CONCURRENCY,
        threads: { count: config.LOUPE_WORKER_THREADS, module: new URL('../functions/prober/index.ts', import.meta.url).href, handlerExport: 'handler' },
      },
      // Model consumers wait on the network, not the CPU: they stay on the main thread, which also
      // keeps the local vector index to a single writer.
      { name: 'tagger', queue: container.queues.tagger, handler: createTaggerHandler(get), deadLetterHandler: createTaggerDeadLetterHandler(get), concurrency: config.LOUPE_MODEL_WORKERS },
      { name: 'embedder', queue: container.queues.embedder, handler: createEmbedderHandler(get), deadLetterHandler: createEmbedderDeadLetterHandler(get), concurrency: config.LOUPE_MODEL_WORKERS },
      // An export streams one job at a time; two run side by side.
      { name: 'exporter', queue: container.queues.exporter, handler: createExporterHandler(get), deadLetterHandler: createExporterDeadLetterHandler(get), concurrency: 2 },
    ],
  });
  return {
    url: runtime.url,
    container,
    keys,
    async stop() {
      await runtime.stop();
      await container.close();
    },
  };
}

export async function serve(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`loupe: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const loupe = await startLoupe(config);
  const { container, keys } = loupe;
  container.log.info('loupe listening', { url: loupe.url, dataDir: config.dataDir });
  process.stdout.write(`\nLoupe is running at ${loupe.url}  (data: ${config.dataDir})\n`);
  if (keys.createdIn) process.stdout.write(`API key (created now, saved in ${keys.createdIn}):\n  ${keys.keys[0]}\n\n`);
  else if (keys.file) process.stdout.write(`API key: in ${keys.file}\n\n`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    container.log.info('shutting down', { signal });
    await loupe.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}
