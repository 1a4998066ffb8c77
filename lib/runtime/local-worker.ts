// A worker thread of the local runtime: like one more FC instance, it imports a function module,
// builds its own container from the environment, and consumes that function's queue.
import { parentPort, workerData } from 'node:worker_threads';
import type { FcHandler } from './fc.js';
import { defaultContainer } from './default-container.js';
import { consumeQueue } from './queue-consumer.js';

export interface LocalWorkerData {
  name: string;
  moduleUrl: string;
  handlerExport: string;
  queueName: string;
  concurrency: number;
  visibilityTimeoutSeconds: number;
}

const data = workerData as LocalWorkerData;
const mod = (await import(data.moduleUrl)) as Record<string, FcHandler>;
const handler = mod[data.handlerExport];
if (typeof handler !== 'function') throw new Error(`${data.moduleUrl} has no export '${data.handlerExport}'`);
const container = defaultContainer();
let running = true;
const loops = Array.from({ length: data.concurrency }, () =>
  consumeQueue({
    queue: container.queue,
    queueName: data.queueName,
    name: data.name,
    handler,
    visibilityTimeoutSeconds: data.visibilityTimeoutSeconds,
    log: container.log,
    running: () => running,
  }),
);
parentPort!.on('message', async (m) => {
  if (m !== 'stop') return;
  running = false;
  await Promise.all(loops);
  await container.close();
  parentPort!.postMessage('stopped');
});
parentPort!.postMessage('ready');
