// Takes every message of a queue (acknowledging them) and returns the bodies: service-level tests run
// the consumers by hand on what the previous step sent.
import type { Queue } from '../../lib/ports/queue.js';

export async function drainQueue(queue: Queue, name: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const got = await queue.receive(name, { max: 16, visibilityTimeoutSeconds: 60 });
    if (!got.length) return bodies;
    bodies.push(...got.map((m) => m.body));
    await queue.delete(name, got.map((m) => m.receiptHandle));
  }
}
