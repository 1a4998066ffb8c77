// Takes every message of a queue (acknowledging them) and returns the bodies: service-level tests run
// the consumers by hand on what the previous step sent.
import { BatchMessage, FanoutMessage, type DatasetJob } from '../../lib/domain/job.js';
import type { Queue } from '../../lib/ports/queue.js';
import type { Container } from '../../lib/runtime/container.js';

export async function drainQueue(queue: Queue, name: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const got = await queue.receive(name, { max: 16, visibilityTimeoutSeconds: 60 });
    if (!got.length) return bodies;
    bodies.push(...got.map((m) => m.body));
    await queue.delete(name, got.map((m) => m.receiptHandle));
  }
}

/** A FileMetaBuild of a dataset's version run by hand: its fan-out, then its prober batches. Returns the job as it ended. */
export async function runFileMetaBuildByHand(c: Container, datasetId: string, versionName = 'v1'): Promise<DatasetJob> {
  const job = await c.services.jobs.create({ datasetId, versionName, jobAction: 'FileMetaBuild' });
  for (const m of await drainQueue(c.queue, c.queues.fanout)) await c.services.fanout.run(FanoutMessage.parse(JSON.parse(m)));
  for (const m of await drainQueue(c.queue, c.queues.prober)) await c.services.probing.processBatch(BatchMessage.parse(JSON.parse(m)));
  return (await c.store.getJob(job.datasetJobId))!;
}
