// FC entry (time trigger): starts the scheduled jobs of every dataset that opted in to reindexing.
import middy from '@middy/core';
import type { Container } from '../../lib/runtime/container.js';
import { defaultContainer } from '../../lib/runtime/default-container.js';
import { fcErrorLog, fcJsonEvent, type FcContext } from '../../lib/runtime/fc.js';
import { parseTimerTriggerEvent } from '../../lib/runtime/fc-timer.js';

export function createReindexHandler(container: () => Container) {
  return middy(async (event: unknown, context: FcContext) => {
    const c = container();
    const timer = parseTimerTriggerEvent(event);
    const summary = await c.services.reindex.runScheduled(new Date(timer.triggerTime));
    c.log.info('reindex trigger handled', {
      requestId: context.requestId,
      triggerName: timer.triggerName,
      triggerTime: timer.triggerTime,
      started: summary.started.length,
      skipped: summary.skipped.length,
    });
    return summary;
  })
    .use(fcJsonEvent())
    .use(fcErrorLog(() => container().log, 'reindex'));
}

export const handler = createReindexHandler(defaultContainer);
