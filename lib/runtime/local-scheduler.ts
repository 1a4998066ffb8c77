// The local runtime's time triggers: invokes timer-triggered function handlers with FC-shaped events
// when their cron schedule comes due. Like the queue consumers it is *given* the handlers.
// A fire that was missed (the machine slept, or the previous invocation ran long) happens once when
// the scheduler notices, never as a backlog; invocations of one timer never overlap.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../ports/logger.js';
import type { CronSchedule } from './cron.js';
import type { FcHandler } from './fc.js';
import { timerTriggerEvent } from './fc-timer.js';

export interface LocalTimer {
  /** The trigger's name (FC's triggerName): in the event and in logs. */
  name: string;
  /** The function, for logs. */
  functionName: string;
  schedule: CronSchedule;
  handler: FcHandler;
  payload?: string;
}

/** Time as the scheduler sees it (tests pass a fake one). */
export interface SchedulerClock {
  now(): number;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemSchedulerClock: SchedulerClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    }),
};

/** Sleeps are cut into pieces this long, so a changed wall clock (suspend, NTP) is noticed soon. */
const MAX_SLEEP_MS = 30_000;

export interface LocalScheduler {
  /** Stops scheduling and waits for invocations in flight. */
  stop(): Promise<void>;
}

export function startLocalScheduler(o: { timers: LocalTimer[]; log: Logger; clock?: SchedulerClock }): LocalScheduler {
  const clock = o.clock ?? systemSchedulerClock;
  const stopping = new AbortController();

  const run = async (timer: LocalTimer) => {
    let due = timer.schedule.nextAfter(new Date(clock.now()));
    o.log.info('timer scheduled', { trigger: timer.name, function: timer.functionName, next: due.toISOString() });
    while (!stopping.signal.aborted) {
      const wait = due.getTime() - clock.now();
      if (wait > 0) {
        await clock.sleep(Math.min(wait, MAX_SLEEP_MS), stopping.signal);
        continue;
      }
      const requestId = randomUUID();
      try {
        await timer.handler(timerTriggerEvent(timer.name, due, timer.payload), { requestId, function: { name: timer.functionName } });
      } catch (e) {
        o.log.error('timer invocation failed', { trigger: timer.name, function: timer.functionName, requestId, error: e instanceof Error ? e.message : String(e) });
      }
      due = timer.schedule.nextAfter(new Date(Math.max(due.getTime(), clock.now())));
    }
  };

  const loops = o.timers.map(run);
  return {
    async stop() {
      stopping.abort();
      await Promise.all(loops);
    },
  };
}
