// Use cases of dataset jobs: create (then the fan-out takes over), read, list, stop, and finish.
import { conflict, invalid, isDomainError, notFound, withField } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { datasetIn } from './dataset-access.js';
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
import type { Dataset } from '../domain/dataset.js';
import type { JobQuery, Page } from '../ports/meta-store.js';
import { nowIso, type ServiceDeps } from './deps.js';
import type { JobSpecs } from './job-specs.js';

export interface CreateJobInput {
  datasetId: string;
  /** Default: the dataset's latest version (an IntelligentTagRevert: the version its tag job tagged). */
  versionName?: string;
  /** The workspace the request named: the dataset must be in it (else 404). */
  workspaceId?: string;
  jobAction: JobAction;
  jobMode?: JobMode;
  jobSpec?: Record<string, unknown>;
  description?: string;
}

/** Actions whose consumers exist in this build; the others are refused with a clear 400. */
const AVAILABLE_ACTIONS: readonly JobAction[] = ['FileMetaBuild', 'IntelligentTag', 'SemanticIndex', 'FileMetaExport', 'IntelligentTagRevert', 'FileMetaImport'];
const UNAVAILABLE_BECAUSE: Partial<Record<JobAction, string>> = {};

/** Actions that run on the exporter's queue: one step over the file metas (or an export's lines), no storage listing. */
const META_ACTIONS: readonly JobAction[] = ['FileMetaExport', 'IntelligentTagRevert', 'FileMetaImport'];

/** A job of the action may not start while one of these is Pending or Running on the version: it would redo or undo the same work. */
const EXCLUSIVE_WITH: Partial<Record<JobAction, readonly JobAction[]>> = {
  FileMetaBuild: ['FileMetaBuild'],
  SemanticIndex: ['SemanticIndex'],
  IntelligentTag: ['IntelligentTag', 'IntelligentTagRevert'],
  IntelligentTagRevert: ['IntelligentTag', 'IntelligentTagRevert'],
  // Two imports into one version would each decide what the other's `replace` deletes.
  FileMetaImport: ['FileMetaImport'],
};

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
      const why = UNAVAILABLE_BECAUSE[input.jobAction];
      throw invalid(`JobAction '${input.jobAction}' is not available${why ? `: ${why}` : ` yet (available: ${AVAILABLE_ACTIONS.join(', ')})`}`, 'JobAction');
    }
    if (input.jobAction === 'IntelligentTagRevert' && input.jobMode === 'Increment') {
      throw invalid('JobMode: an IntelligentTagRevert removes every tag its job wrote (Full); it has no Increment', 'JobMode');
    }
    if (input.jobAction === 'FileMetaImport' && input.jobMode === 'Increment') {
      throw invalid("JobMode: a FileMetaImport reads its whole source (Full); JobSpec.importMode says whether it appends or replaces", 'JobMode');
    }
    const dataset = await this.datasetIn(input.datasetId, input.workspaceId);
    if (dataset.edition === 'LOGICAL') throw invalid('a LOGICAL dataset has no storage to build file metas from', 'DatasetId');
    const versionName = input.versionName ?? (await this.defaultVersion(dataset, input));
    const version = await this.deps.store.getVersion(input.datasetId, versionName);
    if (!version) throw notFound('DatasetVersion', `${input.datasetId}/${versionName}`);
    if (input.jobAction !== 'IntelligentTagRevert') await this.checkStorage(version.versionName, version.uri, input.jobAction);
    const spec = await this.specs.resolve(input.jobAction, input.datasetId, input.jobSpec ?? {}, versionName);
    for (const action of EXCLUSIVE_WITH[input.jobAction] ?? []) {
      for (const status of ['Pending', 'Running'] as const) {
        const busy = await this.deps.store.listJobs({ datasetId: input.datasetId, versionName, jobAction: action, status, maxResults: 1 });
        if (busy.items.length) {
          throw conflict(`job ${busy.items[0]!.datasetJobId} (${action}) is ${status} on this version: wait for it or stop it`);
        }
      }
    }
    const now = nowIso(this.deps);
    const job: DatasetJob = {
      datasetJobId: newId('job'),
      datasetId: input.datasetId,
      workspaceId: dataset.workspaceId,
      versionName,
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
    if (job.jobAction === 'SemanticIndex') await this.adoptIndex(job);
    // An export reads the search's results, a revert the tag job's files, an import an export's lines
    // or another dataset's metas, not the storage listing: they go straight to the exporter's queue.
    const start: FanoutMessage | ExportMessage = { jobId: job.datasetJobId };
    await this.deps.queue.sendBatch(META_ACTIONS.includes(job.jobAction) ? this.deps.queues.exporter : this.deps.queues.fanout, [JSON.stringify(start)]);
    return job;
  }

  /**
   * PAI names the index in the SemanticIndex JobSpec and searches the dataset's index after; Loupe
   * searches the index its index config names. A dataset without one adopts the index of its first
   * SemanticIndex job, so a PAI client that never heard of `…/indexconfig` searches what it indexed.
   * An existing index config is never changed here (PUT …/indexconfig does that).
   */
  private async adoptIndex(job: DatasetJob): Promise<void> {
    if (await this.deps.store.getIndexConfig(job.datasetId)) return;
    const spec = job.jobSpec as { embeddingConnectionId: string; databaseConnectionId: string; databaseTableName: string; embeddingModel?: string };
    await this.deps.store.putIndexConfig({
      datasetId: job.datasetId,
      embeddingConnectionId: spec.embeddingConnectionId,
      vectorConnectionId: spec.databaseConnectionId,
      indexName: spec.databaseTableName,
      modelName: spec.embeddingModel && spec.embeddingModel !== 'default' ? spec.embeddingModel : null,
      createTime: job.createTime,
      updateTime: job.createTime,
    });
    await this.log(job.datasetJobId, 'INFO', `the dataset had no index config: searches now use index '${spec.databaseTableName}' (PUT …/indexconfig changes that)`);
  }

  /**
   * The dataset, when the request's workspace (if it named one) holds it; otherwise 404. Jobs and job
   * configs belong to the dataset's own workspace: from one it is only shared to, 403 (dataset-access.ts).
   */
  async datasetIn(datasetId: string, workspaceId: string | undefined): Promise<Dataset> {
    return datasetIn(this.deps, datasetId, workspaceId, 'own');
  }

  /** A job of the dataset (in the request's workspace, of the version when one is named); otherwise 404. */
  async getIn(datasetId: string, jobId: string, where: { workspaceId?: string; versionName?: string } = {}): Promise<DatasetJob> {
    await this.datasetIn(datasetId, where.workspaceId);
    const job = await this.deps.store.getJob(jobId);
    if (!job || job.datasetId !== datasetId || (where.versionName !== undefined && job.versionName !== where.versionName)) throw notFound('DatasetJob', jobId);
    return job;
  }

  /** PAI's DatasetVersion is optional: a revert runs on its tag job's version, any other job on the latest. */
  private async defaultVersion(dataset: Dataset, input: CreateJobInput): Promise<string> {
    const tagJobId = input.jobAction === 'IntelligentTagRevert' ? input.jobSpec?.intelligentTagJobId : undefined;
    if (typeof tagJobId === 'string') {
      const tagJob = await this.deps.store.getJob(tagJobId);
      if (tagJob && tagJob.datasetId === dataset.datasetId) return tagJob.versionName;
    }
    const latest = await this.deps.store.latestVersion(dataset.datasetId);
    if (!latest) throw invalid(`DatasetVersion: dataset ${dataset.datasetId} has no version to run the job on`, 'DatasetVersion');
    return latest.versionName;
  }

  /** UpdateDatasetJob: the Description only (what PAI lets change). */
  async updateDescription(id: string, description: string): Promise<DatasetJob> {
    await this.get(id);
    await this.deps.store.updateJobDescription(id, description, nowIso(this.deps));
    return this.get(id);
  }

  /** DeleteDatasetJob: an ended job goes with its items and logs; a Pending or Running one must be stopped first. */
  async delete(id: string): Promise<void> {
    const job = await this.get(id);
    if (!isTerminal(job.status)) throw conflict(`job ${id} is ${job.status}: stop it first (StopDatasetJob), then delete it`);
    if (!(await this.deps.store.deleteEndedJob(id))) throw notFound('DatasetJob', id);
    this.deps.log.info('job deleted', { jobId: id, datasetId: job.datasetId });
  }

  /** The last `limit` log lines of each job (ListDatasetJobs WithLogs). */
  logsOf(ids: string[], limit: number): Promise<Map<string, JobLog[]>> {
    return this.deps.store.listJobsLogs(ids, limit);
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
