// One consumer loop: receive a message, invoke a function handler with the FC-shaped event, delete
// the message on success; on failure leave it for redelivery after a backoff (dead-lettered after
// too many tries). Shared by the local runtime's main thread and its worker threads.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../ports/logger.js';
import type { Queue, ReceivedMessage } from '../ports/queue.js';
import { queueTriggerEvent, type FcContext, type FcHandler } from './fc.js';

export interface ConsumeOptions {
  queue: Queue;
  queueName: string;
  /** Function name, for logs and the FC context. */
  name: string;
  handler: FcHandler;
  visibilityTimeoutSeconds: number;
  log: Logger;
  running: () => boolean;
}

export async function consumeQueue(o: ConsumeOptions): Promise<void> {
  while (o.running()) {
    let messages: ReceivedMessage[];
    try {
      messages = await o.queue.receive(o.queueName, { max: 1, visibilityTimeoutSeconds: o.visibilityTimeoutSeconds, waitSeconds: 1 });
    } catch (e) {
      if (!o.running()) return;
      o.log.error('queue receive failed', { queue: o.queueName, error: String(e) });
      await new Promise((r) => setTimeout(r, 1000));
      continue;
    }
    for (const m of messages) await invoke(o, m);
  }
}

async function invoke(o: ConsumeOptions, m: ReceivedMessage): Promise<void> {
  let receipt = m.receiptHandle;
  // Keep the message invisible while the invocation runs (a long listing, a slow decode).
  const heartbeat = setInterval(
    () => {
      o.queue.changeVisibility(o.queueName, receipt, o.visibilityTimeoutSeconds).then(
        (r) => (receipt = r),
        () => undefined,
      );
    },
    (o.visibilityTimeoutSeconds * 1000) / 3,
  );
  const context: FcContext = { requestId: randomUUID(), function: { name: o.name } };
  try {
    await o.handler(queueTriggerEvent(o.queueName, [{ messageId: m.messageId, body: m.body, dequeueCount: m.dequeueCount }]), context);
    clearInterval(heartbeat);
    await o.queue.delete(o.queueName, [receipt]);
  } catch (e) {
    clearInterval(heartbeat);
    const backoff = Math.min(o.visibilityTimeoutSeconds, 2 ** Math.min(m.dequeueCount, 6));
    await o.queue.changeVisibility(o.queueName, receipt, backoff).catch(() => undefined);
    o.log.warn('invocation failed; message will be redelivered', {
      function: o.name,
      messageId: m.messageId,
      dequeueCount: m.dequeueCount,
      error: e instanceof Error ? e.message : String(e),
    });
  }
}
