// What a failed delivery of a job's queue message (a fan-out run, a batch) becomes. The queue redelivers
// whatever a consumer throws, so a cause that will be the same next time (a folder gone or forbidden, a
// deleted connection, a model URL refused by policy, a malformed spec) fails the work at once with its
// reason in the job's Logs, instead of burning every redelivery first; any other error leaves a WARN line
// with its cause in the job's Logs on each delivery (so a dead-lettered batch is explained) and is
// thrown again for the queue to redeliver.
import { ZodError } from 'zod';
import { isDomainError, type ErrorKind } from '../domain/errors.js';
import type { BatchMessage, JobCounts } from '../domain/job.js';
import { permanentStorageError } from '../domain/storage-errors.js';
import { isModelError } from '../ports/model-errors.js';
import type { JobService } from './jobs.js';

/** Kinds of DomainError that describe the request or the world, not a passing state. */
const PERMANENT_KINDS: readonly ErrorKind[] = ['Invalid', 'NotFound', 'Forbidden', 'Unauthorized'];

/** The reason to record when `e` will fail the same way on every delivery; undefined when another may pass. */
export function permanentCause(e: unknown): string | undefined {
  if (isDomainError(e)) return PERMANENT_KINDS.includes(e.kind) ? e.message : undefined;
  // A refused connection has had its quick retries (withRetry) by the time it gets here.
  if (isModelError(e)) return e.kind === 'transient' ? undefined : e.message;
  if (e instanceof ZodError) return `malformed: ${e.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`;
  return permanentStorageError(e);
}

/** An error's message for a log line (Node's system errors name their code and path). */
export const causeOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export interface DeliveryOf {
  jobId: string;
  /** What the message is, for the log line: `listing`, `batch of 200 files`. */
  work: string;
  /** How many times the message has been delivered, this time included (the queue's dequeue count). */
  delivery?: number;
}

/**
 * Runs one delivery. When `run` throws a permanent cause, `failAtOnce(reason)` records the failure (the
 * job, or the batch's files) and its result is the delivery's: nothing is thrown, the queue deletes the
 * message. Any other error is logged to the job as WARN with its cause (and whether another delivery
 * will come), then thrown again.
 */
export async function deliver<T>(jobs: JobService, d: DeliveryOf, run: () => Promise<T>, failAtOnce: (reason: string) => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    const reason = permanentCause(e);
    if (reason !== undefined) return failAtOnce(reason);
    // Best effort: a failing log write must not hide the error the queue needs to see.
    await jobs.log(d.jobId, 'WARN', `${d.work} failed${whatComesNext(d.delivery, jobs.maxDeliveries)}: ${causeOf(e)}`).catch(() => undefined);
    throw e;
  }
}

/** After a failed delivery: another one, or none (the message is dead-lettered), or unknown. */
function whatComesNext(delivery: number | undefined, max: number | undefined): string {
  if (!delivery) return ', it may be delivered again';
  if (!max) return ` (delivery ${delivery}), it may be delivered again`;
  if (delivery >= max) return ` on its last delivery (${delivery} of ${max}), it will not be delivered again`;
  return ` (delivery ${delivery} of ${max}), it will be delivered again`;
}

/**
 * One file of a batch threw: when the cause is permanent (a forbidden path, an unreadable file) the file
 * fails alone with it; otherwise the error is thrown again (the batch is delivered again).
 */
export function fileFailureOrThrow(metaId: string, e: unknown): { metaId: string; ok: false; reason: string } {
  const reason = permanentCause(e);
  if (reason === undefined) throw e;
  return { metaId, ok: false, reason };
}

/**
 * What one delivery of a consumer's batch did: the files it newly counted (`skipped`: not images, as in
 * the job's counters), and `notOpen`, those it left alone (counted by an earlier delivery, or the job no
 * longer running).
 */
export interface ConsumerResult extends Omit<JobCounts, 'total'> {
  notOpen: number;
}

/**
 * One delivery of a consumer's batch (`verb`: probing, tagging, embedding): a permanent cause fails the
 * batch's open files at once, anything else is logged and thrown back to the queue.
 */
export function deliverBatch(jobs: JobService, msg: BatchMessage, delivery: number, verb: string, run: () => Promise<ConsumerResult>): Promise<ConsumerResult> {
  return deliver(jobs, { jobId: msg.jobId, work: `${verb} a batch of ${msg.items.length} files`, delivery }, run, (reason) => failBatchAtOnce(jobs, msg, reason));
}

/** A batch whose cause will not pass (a deleted connection, a refused model URL): its open files fail now. */
async function failBatchAtOnce(jobs: JobService, msg: BatchMessage, reason: string): Promise<ConsumerResult> {
  const failed = await jobs.failOpenItems(msg, reason);
  return { completed: 0, failed, skipped: 0, notOpen: msg.items.length - failed };
}
