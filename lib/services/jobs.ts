// Use cases of dataset jobs: create (then the fan-out takes over), read, list, stop, and finish.
import { conflict, invalid, isDomainError, notFound, withField } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import {
  isTerminal,
  type BatchMessage,
  type ExportMessage,
  type FileOutcome,
  type DatasetJob,
  type JobCounts,
  type FanoutMessage,
  type JobAction,
  type JobLog,
  type JobMode,
  type JobStatus,
  type LogLevel,
} from '../domain/job.js';
import type { JobQuery, Page } from '../ports/meta-store.js';
import { nowIso, type ServiceDeps } from './deps.js';
import type { JobSpecs } from './job-specs.js';

export interface CreateJobInput {
  datasetId: string;
  versionName: string;
  jobAction: JobAction;
  jobMode?: JobMode;
  jobSpec?: Record<string, unknown>;
  description?: string;
}

/** Actions whose consumers exist in this build; the others are refused with a clear 400. */
const AVAILABLE_ACTIONS: readonly JobAction[] = ['FileMetaBuild', 'IntelligentTag', 'SemanticIndex', 'FileMetaExport'];

/** How a finished job's status follows from its counters (skipped files are neither success nor failure). */
export function finalStatus(c: Pick<JobCounts, 'completed' | 'failed'> & Partial<JobCounts>): JobStatus {
  if (c.failed === 0) return 'Succeeded';
  return c.completed === 0 ? 'Failed' : 'PartialFailed';
}

export interface JobServiceOptions {
  /**
   * How many times the queues deliver a job's message before dead-lettering it
   * (LOUPE_QUEUE_MAX_RECEIVES), so that a failed delivery's log line says whether another will come.
   */
  maxDeliveries?: number;
}

export class JobService {
  readonly maxDeliveries?: number;

  constructor(
    private readonly deps: ServiceDeps,
    private readonly specs: JobSpecs,
    opts: JobServiceOptions = {},
  ) {
    this.maxDeliveries = opts.maxDeliveries;
  }

  async create(input: CreateJobInput): Promise<DatasetJob> {
    if (!AVAILABLE_ACTIONS.includes(input.jobAction)) {
      throw invalid(`JobAction '${input.jobAction}' is not available yet (available: ${AVAILABLE_ACTIONS.join(', ')})`, 'JobAction');
    }
    const dataset = await this.deps.store.getDataset(input.datasetId);
    if (!dataset) throw notFound('Dataset', input.datasetId);
    if (dataset.edition === 'LOGICAL') throw invalid('a LOGICAL dataset has no storage to build file metas from', 'DatasetId');
    const version = await this.deps.store.getVersion(input.datasetId, input.versionName);
    if (!version) throw notFound('DatasetVersion', `${input.datasetId}/${input.versionName}`);
    await this.checkStorage(version.versionName, version.uri, input.jobAction);
    const spec = await this.specs.resolve(input.jobAction, input.datasetId, input.jobSpec ?? {}, input.versionName);
    // One job per action on a version at a time: a second would redo the same work (exports only read).
    for (const status of input.jobAction === 'FileMetaExport' ? [] : (['Pending', 'Running'] as const)) {
      const busy = await this.deps.store.listJobs({ datasetId: input.datasetId, versionName: input.versionName, jobAction: input.jobAction, status, maxResults: 1 });
      if (busy.items.length) {
        throw conflict(`job ${busy.items[0]!.datasetJobId} (${input.jobAction}) is ${status} on this version: wait for it or stop it`);
      }
    }
    const now = nowIso(this.deps);
    const job: DatasetJob = {
      datasetJobId: newId('job'),
      datasetId: input.datasetId,
      versionName: input.versionName,
      jobAction: input.jobAction,
      jobMode: input.jobMode ?? 'Full',
      jobSpec: spec,
      description: input.description ?? '',
      status: 'Pending',
      totalFileCount: 0,
      completedFileCount: 0,
      failedFileCount: 0,
      skippedFileCount: 0,
      fanoutCursor: null,
      fanoutDone: false,
      listedFileCount: 0,
      deletedFileCount: 0,
      message: null,
      createTime: now,
      startTime: null,
      finishTime: null,
      updateTime: now,
    };
    await this.deps.store.createJob(job);
    await this.log(job.datasetJobId, 'INFO', `created: ${job.jobAction} ${job.jobMode} on ${job.datasetId}/${job.versionName} (${version.uri})`);
    // An export reads the search's results, not the storage listing: it goes straight to the exporter.
    const start: FanoutMessage | ExportMessage = { jobId: job.datasetJobId };
    await this.deps.queue.sendBatch(job.jobAction === 'FileMetaExport' ? this.deps.queues.exporter : this.deps.queues.fanout, [JSON.stringify(start)]);
    return job;
  }

  /**
   * The version's storage is checked when a job is created, so that what would fail the job in its
   * first delivery is refused now: storage no longer allowed (the allowed folders changed since the
   * dataset was registered) is a 403; a folder that is gone is a 400 for the jobs that list it (the
   * fan-out fails on it rather than marking every file DELETED). An export reads the file metas, not the
   * folder: it may still salvage the metadata of a dataset whose folder is gone.
   */
  private async checkStorage(versionName: string, uri: string, action: JobAction): Promise<void> {
    try {
      await this.deps.objects.forUri(uri).checkPrefix(uri);
    } catch (e) {
      if (isDomainError(e) && e.kind === 'NotFound') {
        if (action === 'FileMetaExport') return;
        throw invalid(`DatasetVersion ${versionName}'s folder '${uri}' does not exist`, 'DatasetVersion');
      }
      if (isDomainError(e) && e.kind === 'Forbidden') throw withField(e, 'DatasetVersion');
      throw e;
    }
  }

  async get(id: string): Promise<DatasetJob> {
    const job = await this.deps.store.getJob(id);
    if (!job) throw notFound('DatasetJob', id);
    return job;
  }

  list(q: JobQuery): Promise<Page<DatasetJob>> {
    return this.deps.store.listJobs(q);
  }

  logs(id: string, limit = 1000): Promise<JobLog[]> {
    return this.deps.store.listJobLogs(id, limit);
  }

  failedFiles(id: string, limit = 1000) {
    return this.deps.store.listFailedJobItems(id, limit);
  }

  /** Stops a job: remaining batches are dropped when they arrive. */
  async stop(id: string): Promise<DatasetJob> {
    const job = await this.get(id);
    if (isTerminal(job.status)) throw conflict(`job ${id} has already ended (${job.status})`);
    const now = nowIso(this.deps);
    const stopped = await this.deps.store.transitionJob(id, ['Pending', 'Running'], 'ManuallyStop', { finishTime: now, updateTime: now });
    if (!stopped) throw conflict(`job ${id} ended meanwhile`);
    await this.log(id, 'INFO', 'stopped by request');
    return this.get(id);
  }

  /** Ends the job if its fan-out is done and every file is counted. Safe to call any time, from anywhere. */
  async finishIfComplete(id: string): Promise<boolean> {
    const ended = await this.deps.store.finishJobIfComplete(id, finalStatus, nowIso(this.deps));
    if (ended) {
      const job = await this.get(id);
      await this.log(
        id,
        job.status === 'Succeeded' ? 'INFO' : 'WARN',
        `finished ${job.status}: ${job.completedFileCount} completed, ${job.failedFileCount} failed` +
          (job.skippedFileCount ? `, ${job.skippedFileCount} skipped (not images)` : '') +
          ` of ${job.totalFileCount}` +
          (job.deletedFileCount ? `; ${job.deletedFileCount} files gone from storage marked DELETED` : ''),
      );
      this.deps.log.info('job finished', { jobId: id, status: job.status });
    }
    return ended;
  }

  /**
   * The start of a job's first step (the fan-out, or an export): a Pending job becomes Running, with
   * its start time, and logs `line`. The job when it is Running (now or already); undefined otherwise
   * (unknown, stopped or ended: the message is dropped).
   */
  async begin(id: string, line: string): Promise<DatasetJob | undefined> {
    let job = await this.deps.store.getJob(id);
    if (!job) {
      this.deps.log.warn('a message for an unknown job dropped', { jobId: id });
      return undefined;
    }
    if (job.status === 'Pending') {
      const now = nowIso(this.deps);
      if (await this.deps.store.transitionJob(id, ['Pending'], 'Running', { startTime: now, updateTime: now })) await this.log(id, 'INFO', line);
      job = (await this.deps.store.getJob(id))!;
    }
    return job.status === 'Running' ? job : undefined;
  }

  /**
   * The start of every consumer's batch: the job (if still Running; a stopped job's batches are
   * dropped) and the batch's files not counted yet (a redelivered batch redoes only those).
   */
  async openBatch(msg: BatchMessage): Promise<{ job: DatasetJob; items: BatchMessage['items'] } | undefined> {
    const job = await this.deps.store.getJob(msg.jobId);
    if (!job || job.status !== 'Running') return undefined;
    const open = new Set(await this.deps.store.openJobItems(job.datasetJobId, msg.items.map((i) => i.metaId)));
    return { job, items: msg.items.filter((i) => open.has(i.metaId)) };
  }

  /** The end of every consumer's batch: outcomes counted once, failures logged, the job ended if done. */
  async closeBatch(
    job: DatasetJob,
    items: BatchMessage['items'],
    outcomes: FileOutcome[],
    extraLogs: Array<{ level: LogLevel; message: string }> = [],
  ): Promise<Omit<JobCounts, 'total'>> {
    const counted = await this.deps.store.recordOutcomes(job.datasetJobId, outcomes);
    const uriOf = new Map(items.map((i) => [i.metaId, i.uri]));
    const failures = outcomes.filter((o): o is Extract<FileOutcome, { ok: false }> => !o.ok);
    const skipped = outcomes.filter((o) => o.ok && o.skipped).map((o) => uriOf.get(o.metaId));
    await this.logMany(job.datasetJobId, [
      ...extraLogs,
      ...failures.map((f) => ({ level: 'WARN' as const, message: `failed ${uriOf.get(f.metaId)}: ${f.reason}` })),
      ...(skipped.length
        ? [{ level: 'INFO' as const, message: `skipped ${skipped.length} files that are not images: ${skipped.slice(0, 10).join(', ')}${skipped.length > 10 ? ', …' : ''}` }]
        : []),
    ]);
    await this.finishIfComplete(job.datasetJobId);
    return counted;
  }

  /** A batch that kept failing (dead-lettered) or cannot succeed: its open files fail with the reason, not lost. Returns how many. */
  async failOpenItems(msg: BatchMessage, reason: string): Promise<number> {
    const open = await this.deps.store.openJobItems(msg.jobId, msg.items.map((i) => i.metaId));
    if (!open.length) return 0;
    await this.deps.store.recordOutcomes(
      msg.jobId,
      open.map((metaId) => ({ metaId, ok: false as const, reason })),
    );
    await this.log(msg.jobId, 'ERROR', `${open.length} files failed: ${reason}`);
    await this.finishIfComplete(msg.jobId);
    return open.length;
  }

  async fail(id: string, message: string): Promise<void> {
    const now = nowIso(this.deps);
    if (await this.deps.store.transitionJob(id, ['Pending', 'Running'], 'Failed', { finishTime: now, updateTime: now, message })) {
      await this.log(id, 'ERROR', `failed: ${message}`);
    }
  }

  log(id: string, level: LogLevel, message: string): Promise<void> {
    return this.logMany(id, [{ level, message }]);
  }

  logMany(id: string, lines: Array<{ level: LogLevel; message: string }>): Promise<void> {
    if (!lines.length) return Promise.resolve();
    const time = nowIso(this.deps);
    return this.deps.store.appendJobLogs(
      id,
      lines.map((l) => ({ time, ...l })),
    );
  }
}
