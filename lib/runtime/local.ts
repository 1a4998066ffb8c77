// The local runtime: serves the API over HTTP and drives the queue-consumer function handlers with
// FC-shaped events from the durable queue, and timer-triggered ones on their schedule. It is *given*
// the handlers (or, for worker threads, the module that exports them); it imports no function.
import { serve, type ServerType } from '@hono/node-server';
import { randomUUID } from 'node:crypto';
import { maxHeaderSize } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
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

/** The server could not listen (port taken, host not ours): a one-line start-up error, never a stack. */
export class ListenError extends Error {
  override readonly name = 'ListenError';
}

/** The HTTP server, listening; a busy port or a foreign host is a ListenError naming what to change. */
async function listen(o: LocalRuntimeOptions): Promise<ServerType> {
  try {
    return await new Promise<ServerType>((resolve, reject) => {
      const s = serve({ fetch: o.fetch, hostname: o.host, port: o.port }, () => resolve(s));
      s.once('error', reject);
      s.on('clientError', answerClientError);
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new ListenError(`port ${o.port} is in use on ${o.host}: set LOUPE_PORT or --port`);
    if (code === 'EACCES') throw new ListenError(`not allowed to listen on ${o.host}:${o.port}: pick a port above 1023 with LOUPE_PORT or --port`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      throw new ListenError(`cannot listen on ${o.host}: not an address of this machine (set LOUPE_HOST or --host)`);
    }
    throw e;
  }
}

/**
 * A request Node cannot parse (headers over its limit, broken framing) never reaches the app: Node
 * would answer it with a bare status. Answer it in the API's error shape instead, and close.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  // A connection reset, or a response already under way on it: nothing sensible can be written.
  if (err.code === 'ECONNRESET' || !socket.writable || (socket as { _httpMessage?: unknown })._httpMessage) {
    socket.destroy();
    return;
  }
  const [status, reason, code, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'RequestHeaderFieldsTooLarge', `request line and headers too large (at most ${maxHeaderSize} bytes): send a long search as POST …/datasetfilemetas/action/search`]
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'RequestTimeout', 'the request did not arrive in time']
        : [400, 'Bad Request', 'InvalidParameter', 'malformed HTTP request'];
  const body = JSON.stringify({ Code: code, Message: message, RequestId: randomUUID() });
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

export async function startLocalRuntime(o: LocalRuntimeOptions): Promise<LocalRuntime> {
  // Listen first: a busy port must fail before any consumer takes a message.
  const server = await listen(o);
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
