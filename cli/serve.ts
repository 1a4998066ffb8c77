// `loupe serve` (and `npm start`): Loupe on one machine — the API on 127.0.0.1 and the queue workers,
// data in ./.loupe/. Stops cleanly on SIGINT/SIGTERM/SIGHUP, and when the npm that started it is gone.
import { createApi } from '../functions/api/index.js';
import { createFanoutDeadLetterHandler, createFanoutHandler } from '../functions/fanout/index.js';
import { createEmbedderDeadLetterHandler, createEmbedderHandler } from '../functions/embedder/index.js';
import { createExporterDeadLetterHandler, createExporterHandler } from '../functions/exporter/index.js';
import { createProberDeadLetterHandler, createProberHandler } from '../functions/prober/index.js';
import { createReindexHandler } from '../functions/reindex/index.js';
import { createTaggerDeadLetterHandler, createTaggerHandler } from '../functions/tagger/index.js';
import { localConsole, type ConsoleAssets } from '../lib/http/console-assets.js';
import { resolveApiKeys, type ApiKeys } from '../lib/runtime/api-keys.js';
import { ConfigError, loadConfig, type Config } from '../lib/runtime/config.js';
import { buildContainer, type Container, type ContainerOptions } from '../lib/runtime/container.js';
import { parseCron } from '../lib/runtime/cron.js';
import { DataDirLockedError, lockDataDir, type DataDirLock } from '../lib/runtime/data-dir-lock.js';
import { ListenError, startLocalRuntime, type LocalRuntime } from '../lib/runtime/local.js';

export interface StartedLoupe {
  url: string;
  container: Container;
  keys: ApiKeys;
  /** Stops taking messages, waits for invocations in flight, closes the server and the stores. */
  stop(): Promise<void>;
}

export interface StartOptions extends ContainerOptions {
  /** The web console to serve at `/` (`loupe serve` builds it: localConsole); absent: the API alone. */
  console?: ConsoleAssets;
}

/**
 * Loupe on one machine from a config: the API and every function's consumer (and timer), as
 * `loupe serve` runs them. Tests start it on port 0 with LOUPE_WORKER_THREADS=0 (and, for the browser,
 * `console: await buildConsole()`, built once per process).
 */
export async function startLoupe(config: Config, opts: StartOptions = {}): Promise<StartedLoupe> {
  // One server per data dir (a second one fails here, naming the first): holding it is what makes every
  // message still in flight in the queue a dead predecessor's.
  const lock = lockDataDir(config.dataDir);
  try {
    return await startLocked(config, opts, lock);
  } catch (e) {
    lock.release();
    throw e;
  }
}

async function startLocked(config: Config, opts: StartOptions, lock: DataDirLock): Promise<StartedLoupe> {
  const container = buildContainer(config, opts);
  const keys = resolveApiKeys(config.LOUPE_API_KEYS, config.dataDir);
  const get = () => container;
  // Before any consumer runs: what a killed predecessor had received resumes now, not after the
  // visibility timeout (worker threads share the queue, and start after this).
  const released = (await container.queue.releaseInFlight?.()) ?? 0;
  if (released) container.log.warn(`released ${released} in-flight messages left by a previous run`, { dataDir: config.dataDir, released });
  let runtime: LocalRuntime;
  try {
    runtime = await startLocalRuntime({
      fetch: createApi(container, keys.keys, { console: opts.console }).fetch,
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
  } catch (e) {
    // Release the data dir (its lock, the database) so that the process can end with the message.
    await container.close();
    throw e;
  }
  return {
    url: runtime.url,
    container,
    keys,
    async stop() {
      await runtime.stop();
      await container.close();
      lock.release();
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
  let consoleNote = '';
  const webConsole = await localConsole((reason) => (consoleNote = `The web console is not built: ${reason}. The API works.\n`));
  let loupe: StartedLoupe;
  try {
    loupe = await startLoupe(config, { console: webConsole });
  } catch (e) {
    if (e instanceof ListenError || e instanceof DataDirLockedError) {
      process.stderr.write(`loupe: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  const { container, keys } = loupe;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    container.log.info('shutting down', { signal });
    await loupe.stop();
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(signal));
  // `npx loupe serve` and `npm start` run us under `sh -c`: npm passes a signal on to that shell,
  // which dies without passing it to us. Orphaned this way, stop as if signalled. (Only under npm: a
  // server started with `nohup … &` is meant to outlive its shell.)
  if (process.env.npm_lifecycle_event) whenParentExits(() => void shutdown('parent exited'));

  // Announced only now that a signal stops it cleanly (a supervisor may signal as soon as it reads this).
  container.log.info('loupe listening', { url: loupe.url, dataDir: config.dataDir });
  process.stdout.write(`\nLoupe is running at ${loupe.url}  (data: ${config.dataDir})\n`);
  process.stdout.write(webConsole ? `Console: ${loupe.url}/ (sign in with the API key)\n` : consoleNote);
  process.stdout.write(
    config.fileRoots.length
      ? `Local files: only under ${config.fileRoots.join(', ')}${config.LOUPE_FILE_ROOTS ? '' : ' (the start directory and home; LOUPE_FILE_ROOTS changes them)'}\n`
      : config.localFiles
        ? 'Local files: no folder is allowed (set LOUPE_FILE_ROOTS)\n'
        : 'Local files: turned off (LOUPE_FILE_ROOTS=none)\n',
  );
  if (keys.createdIn) process.stdout.write(`API key (created now, saved in ${keys.createdIn}):\n  ${keys.keys[0]}\n\n`);
  else if (keys.file) process.stdout.write(`API key: in ${keys.file}\n\n`);
}

/** Calls `then` once this process's parent has gone (it is re-parented): Node has no parent-death signal. */
function whenParentExits(then: () => void, intervalMs = 500): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    then();
  }, intervalMs);
  timer.unref();
}
