// FC entry (MNS queue trigger on the fan-out queue): lists a job's version and enqueues batches.
import middy from '@middy/core';
import { FanoutMessage } from '../../lib/domain/job.js';
import type { Container } from '../../lib/runtime/container.js';
import { defaultContainer } from '../../lib/runtime/default-container.js';
import { fcErrorLog, fcJsonEvent, parseQueueTriggerEvent, type FcContext } from '../../lib/runtime/fc.js';

export function createFanoutHandler(container: () => Container) {
  return middy(async (event: unknown, _context: FcContext) => {
    const c = container();
    const results = [];
    for (const record of parseQueueTriggerEvent(event)) {
      const msg = FanoutMessage.parse(JSON.parse(record.body));
      results.push(await c.services.fanout.run(msg, { deadline: Date.now() + c.config.LOUPE_FANOUT_BUDGET_MS, delivery: record.dequeueCount }));
    }
    return { results };
  })
    .use(fcJsonEvent())
    .use(fcErrorLog(() => container().log, 'fanout'));
}

/** Messages of the fan-out queue that failed repeatedly: the job fails with the reason. */
export function createFanoutDeadLetterHandler(container: () => Container) {
  return middy(async (event: unknown, _context: FcContext) => {
    const c = container();
    for (const record of parseQueueTriggerEvent(event)) {
      const msg = FanoutMessage.parse(JSON.parse(record.body));
      await c.services.jobs.fail(msg.jobId, `listing failed ${record.dequeueCount} times; each delivery's cause is a WARN line above`);
    }
  }).use(fcJsonEvent());
}

export const handler = createFanoutHandler(defaultContainer);
export const deadLetterHandler = createFanoutDeadLetterHandler(defaultContainer);
