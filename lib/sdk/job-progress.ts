// Job progress as a person wants it: counts, the fraction done, a rate over a sliding window and an ETA.
import { TERMINAL_STATUSES, type JobStatus } from '../domain/job.js';
import type { DatasetJob } from './types.js';

/** Succeeded, PartialFailed, Failed or ManuallyStop: the job will not change any more. */
export const isJobEnded = (status: string): boolean => TERMINAL_STATUSES.includes(status as JobStatus);

export interface JobProgress {
  job: DatasetJob;
  status: string;
  /** Files to process; grows while the job's listing runs. */
  total: number;
  completed: number;
  failed: number;
  /** Files that are not images: neither completed nor failed. */
  skipped: number;
  /** completed + failed + skipped */
  done: number;
  /** 0..1, when the total is known. */
  fraction: number | undefined;
  /** Files per second over the sliding window; undefined until two polls apart. */
  rate: number | undefined;
  /** Seconds left at the current rate; undefined while unknown. */
  etaSeconds: number | undefined;
  /** Since the first poll. */
  elapsedMs: number;
}

/** Rate of a growing count over the samples of the last `windowMs` (at least the last two, when polls are sparse). */
export class RateMeter {
  private samples: Array<{ t: number; n: number }> = [];
  constructor(private readonly windowMs = 10_000) {}

  add(t: number, n: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last && n < last.n) this.samples = []; // a count going back (a restarted job) restarts the meter
    this.samples.push({ t, n });
    while (this.samples.length > 2 && this.samples[0]!.t < t - this.windowMs) this.samples.shift();
  }

  /** Per second. */
  rate(): number | undefined {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.t <= first.t) return undefined;
    return ((last.n - first.n) * 1000) / (last.t - first.t);
  }
}

/** Folds successive polls of one job into JobProgress values. */
export class JobProgressTracker {
  private readonly meter: RateMeter;
  private start: number | undefined;
  constructor(windowMs?: number) {
    this.meter = new RateMeter(windowMs);
  }

  update(job: DatasetJob, now: number): JobProgress {
    this.start ??= now;
    const completed = job.CompletedFileCount;
    const failed = job.FailedFileCount;
    const skipped = job.SkippedFileCount ?? 0; // a server from before SkippedFileCount
    const done = completed + failed + skipped;
    const total = Math.max(job.TotalFileCount, done);
    this.meter.add(now, done);
    const rate = this.meter.rate();
    const left = total - done;
    const ended = isJobEnded(job.Status);
    return {
      job,
      status: job.Status,
      total,
      completed,
      failed,
      skipped,
      done,
      fraction: total > 0 ? done / total : ended ? 1 : undefined,
      rate,
      etaSeconds: ended || (total > 0 && left === 0) ? 0 : rate && rate > 0 && total > 0 ? left / rate : undefined,
      elapsedMs: now - this.start,
    };
  }
}
