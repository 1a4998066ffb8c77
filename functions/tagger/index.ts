// FC entry (MNS queue trigger on the tagger queue): IntelligentTag for one batch of files.
import middy from '@middy/core';
import { BatchMessage } from '../../lib/domain/job.js';
import type { Container } from '../../lib/runtime/container.js';
import { defaultContainer } from '../../lib/runtime/default-container.js';
import { fcErrorLog, fcJsonEvent, parseQueueTriggerEvent, type FcContext } from '../../lib/runtime/fc.js';

export function createTaggerHandler(container: () => Container) {
  return middy(async (event: unknown, _context: FcContext) => {
    const c = container();
    const results = [];
    for (const record of parseQueueTriggerEvent(event)) {
      results.push(await c.services.tagging.processBatch(BatchMessage.parse(JSON.parse(record.body)), { dequeueCount: record.dequeueCount }));
    }
    return { results };
  })
    .use(fcJsonEvent())
    .use(fcErrorLog(() => container().log, 'tagger'));
}

/** Batches that failed repeatedly: their files are failed with the reason, so the job still ends. */
export function createTaggerDeadLetterHandler(container: () => Container) {
  return middy(async (event: unknown, _context: FcContext) => {
    const c = container();
    for (const record of parseQueueTriggerEvent(event)) {
      const msg = BatchMessage.parse(JSON.parse(record.body));
      await c.services.tagging.failBatch(msg, `batch failed ${record.dequeueCount} times (dead-lettered); each delivery's cause is a WARN line above`);
    }
  }).use(fcJsonEvent());
}

export const handler = createTaggerHandler(defaultContainer);
export const deadLetterHandler = createTaggerDeadLetterHandler(defaultContainer);
