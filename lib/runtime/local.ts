// The local runtime: serves the API over HTTP and drives the queue-consumer function handlers with
// FC-shaped events from the durable queue. It is *given* the handlers; it imports no function.
import { serve, type ServerType } from '@hono/node-server';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../ports/logger.js';
import { deadLetterQueueOf, type Queue, type ReceivedMessage } from '../ports/queue.js';
import { queueTriggerEvent, type FcContext, type FcHandler } from './fc.js';

export interface LocalConsumer {
  /** Function name, for logs (`fanout`, `prober`, …). */
  name: string;
  queue: string;
  handler: FcHandler;
  /** Invoked with messages that landed in the queue's dead-letter queue. */
  deadLetterHandler?: FcHandler;
  /** Invocations in flight at once. */
  concurrency: number;
}

export interface LocalRuntimeOptions {
  fetch: (req: Request) => Response | Promise<Response>;
  host: string;
  port: number;
  queue: Queue;
  consumers: LocalConsumer[];
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
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: o.fetch, hostname: o.host, port: o.port }, () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  let running = true;
  const loops: Promise<void>[] = [];
  for (const c of o.consumers) {
    for (let i = 0; i < c.concurrency; i++) loops.push(consumeLoop(c.queue, c.handler, c.name));
    if (c.deadLetterHandler) loops.push(consumeLoop(deadLetterQueueOf(c.queue), c.deadLetterHandler, `${c.name}-dlq`));
  }

  async function consumeLoop(queue: string, handler: FcHandler, name: string): Promise<void> {
    while (running) {
      let messages: ReceivedMessage[];
      try {
        messages = await o.queue.receive(queue, { max: 1, visibilityTimeoutSeconds: o.visibilityTimeoutSeconds, waitSeconds: 1 });
      } catch (e) {
        if (!running) return;
        o.log.error('queue receive failed', { queue, error: String(e) });
        await sleep(1000);
        continue;
      }
      for (const m of messages) await invoke(queue, handler, name, m);
    }
  }

  async function invoke(queue: string, handler: FcHandler, name: string, m: ReceivedMessage): Promise<void> {
    let receipt = m.receiptHandle;
    // Keep the message invisible while the invocation runs (a long listing, a slow decode).
    const heartbeat = setInterval(
      () => {
        o.queue.changeVisibility(queue, receipt, o.visibilityTimeoutSeconds).then(
          (r) => (receipt = r),
          () => undefined,
        );
      },
      (o.visibilityTimeoutSeconds * 1000) / 3,
    );
    const context: FcContext = { requestId: randomUUID(), function: { name } };
    try {
      await handler(queueTriggerEvent(queue, [{ messageId: m.messageId, body: m.body, dequeueCount: m.dequeueCount }]), context);
      clearInterval(heartbeat);
      await o.queue.delete(queue, [receipt]);
    } catch (e) {
      clearInterval(heartbeat);
      // Left in the queue: delivered again after a backoff, dead-lettered after too many tries.
      const backoff = Math.min(o.visibilityTimeoutSeconds, 2 ** Math.min(m.dequeueCount, 6));
      await o.queue.changeVisibility(queue, receipt, backoff).catch(() => undefined);
      o.log.warn('invocation failed; message will be redelivered', {
        function: name,
        messageId: m.messageId,
        dequeueCount: m.dequeueCount,
        error: e instanceof Error ? e.message : String(e),
      });
    }
  }

  return {
    url: `http://${o.host}:${port}`,
    port,
    async stop() {
      running = false;
      await Promise.all(loops);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
