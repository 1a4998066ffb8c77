// The local runtime: serves the API over HTTP and drives the queue-consumer function handlers with
// FC-shaped events from the durable queue, and timer-triggered ones on their schedule. It is *given*
// the handlers (or, for worker threads, the module that exports them); it imports no function.
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../ports/logger.js';
import { deadLetterQueueOf, type Queue } from '../ports/queue.js';
import type { FcHandler } from './fc.js';
import { startLocalScheduler, type LocalTimer } from './local-scheduler.js';
import type { LocalWorkerData } from './local-worker.js';
import { consumeQueue } from './queue-consumer.js';

export interface LocalConsumer {
  /** Function name, for logs (`fanout`, `prober`, …). */
  name: string;
  queue: string;
  handler: FcHandler;
  /** Invoked with messages that landed in the queue's dead-letter queue. */
  deadLetterHandler?: FcHandler;
  /** Invocations in flight at once (per thread). */
  concurrency: number;
  /**
   * Run the consumer in this many worker threads instead of the main thread, each importing
   * `module` (a file URL) and using its export `handlerExport` — like separate FC instances.
   */
  threads?: { count: number; module: string; handlerExport: string };
}

export interface LocalRuntimeOptions {
  fetch: (req: Request) => Response | Promise<Response>;
  host: string;
  port: number;
  queue: Queue;
  consumers: LocalConsumer[];
  /** Time-triggered handlers, invoked with FC timer events when their schedule comes due. */
  timers?: LocalTimer[];
  visibilityTimeoutSeconds: number;
  log: Logger;
}

export interface LocalRuntime {
  url: string;
  port: number;
  /** Stops taking messages, waits for invocations in flight, closes the server. */
  stop(): Promise<void>;
}

export async function startLocalRuntime(o: LocalRuntimeOptions): Promise<LocalRuntime> {
  let running = true;
  const loops: Promise<void>[] = [];
  const workers: Worker[] = [];
  const consume = (queueName: string, handler: FcHandler, name: string) =>
    consumeQueue({ queue: o.queue, queueName, name, handler, visibilityTimeoutSeconds: o.visibilityTimeoutSeconds, log: o.log, running: () => running });

  for (const c of o.consumers) {
    if (c.threads && c.threads.count > 0) {
      for (let i = 0; i < c.threads.count; i++) workers.push(await startWorker(c, o));
    } else {
      for (let i = 0; i < c.concurrency; i++) loops.push(consume(c.queue, c.handler, c.name));
    }
    if (c.deadLetterHandler) loops.push(consume(deadLetterQueueOf(c.queue), c.deadLetterHandler, `${c.name}-dlq`));
  }

  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: o.fetch, hostname: o.host, port: o.port }, () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const scheduler = startLocalScheduler({ timers: o.timers ?? [], log: o.log });

  return {
    url: `http://${o.host}:${port}`,
    port,
    async stop() {
      running = false;
      await Promise.all([
        scheduler.stop(),
        ...loops,
        ...workers.map(
          (w) =>
            new Promise<void>((resolve) => {
              w.once('exit', () => resolve());
              w.once('message', (m) => m === 'stopped' && void w.terminate());
              w.postMessage('stop');
            }),
        ),
      ]);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
    },
  };
}

async function startWorker(c: LocalConsumer, o: LocalRuntimeOptions): Promise<Worker> {
  const data: LocalWorkerData = {
    name: c.name,
    moduleUrl: c.threads!.module,
    handlerExport: c.threads!.handlerExport,
    queueName: c.queue,
    concurrency: c.concurrency,
    visibilityTimeoutSeconds: o.visibilityTimeoutSeconds,
  };
  // Run from TypeScript sources (npm start), the worker registers the same tsx loader first.
  const fromSources = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSources ? './local-worker.ts' : './local-worker.js', import.meta.url).href;
  const worker = fromSources
    ? new Worker(`(async () => { (await import('tsx/esm/api')).register(); await import(${JSON.stringify(entry)}); })();`, {
        eval: true,
        workerData: data,
      })
    : new Worker(new URL(entry), { workerData: data });
  await new Promise<void>((resolve, reject) => {
    worker.once('message', (m) => (m === 'ready' ? resolve() : undefined));
    worker.once('error', reject);
  });
  worker.on('error', (e) => o.log.error('worker thread failed', { function: c.name, error: String(e) }));
  return worker;
}
