// Fan-out: lists a version's objects page by page, upserts file metas, registers the job's work
// and enqueues batches for the action's consumer. Checkpoints its cursor, so a redelivered or
// timed-out run resumes where the last one stopped instead of starting over. A cause no redelivery
// cures (the dataset's folder gone or outside the allowed folders, unreadable) fails the job at once.
import { extensionOf, fileMetaId, splitUnderRoot } from '../domain/index.js';
import { paiFileTypeOf, type FileMeta } from '../domain/file-meta.js';
import {
  FileMetaBuildSpec,
  IntelligentTagSpec,
  SemanticIndexSpec,
  type BatchMessage,
  type DatasetJob,
  type FanoutMessage,
  type JobAction,
} from '../domain/job.js';
import type { ListedFileRow } from '../ports/meta-store.js';
import type { ObjectInfo } from '../ports/object-store.js';
import { deliver } from './delivery-failures.js';
import { nowIso, type ServiceDeps } from './deps.js';
import type { JobService } from './jobs.js';

/** MNS messages are at most 64 KiB; batches stay under this many bytes of JSON. */
const MAX_BATCH_BYTES = 60 * 1024;
const PAGE_SIZE = 1000;

export interface FanoutRunOptions {
  /** Stop listing after this time (ms since epoch) and hand over to a continuation message. */
  deadline?: number;
  /** How many times this message has been delivered (the queue's dequeue count), for the job's log. */
  delivery?: number;
}

export type FanoutResult = 'done' | 'continued' | 'dropped';

/** Runs once a job's listing is complete (e.g. SemanticIndex drops the vectors of deleted files). */
export type AfterListing = (job: DatasetJob) => Promise<void>;

export class FanoutService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly jobs: JobService,
    private readonly afterListing: Partial<Record<JobAction, AfterListing>> = {},
  ) {}

  run(msg: FanoutMessage, opts: FanoutRunOptions = {}): Promise<FanoutResult> {
    return deliver<FanoutResult>(
      this.jobs,
      { jobId: msg.jobId, work: 'listing', delivery: opts.delivery },
      () => this.list(msg, opts),
      async (reason) => {
        await this.jobs.fail(msg.jobId, `cannot list the dataset's files: ${reason}`);
        return 'dropped';
      },
    );
  }

  private async list(msg: FanoutMessage, opts: FanoutRunOptions): Promise<FanoutResult> {
    const job = await this.jobs.begin(msg.jobId, 'running: listing files');
    if (!job) return 'dropped';
    if (job.fanoutDone) {
      await this.jobs.finishIfComplete(job.datasetJobId);
      return 'done';
    }
    const version = await this.deps.store.getVersion(job.datasetId, job.versionName);
    if (!version) {
      await this.jobs.fail(job.datasetJobId, `version ${job.datasetId}/${job.versionName} no longer exists`);
      return 'dropped';
    }
    const objects = this.deps.objects.forUri(version.uri);
    // A folder that vanished lists as empty, which would mark every file DELETED: it is an error instead.
    await objects.checkPrefix(version.uri);
    let cursor = job.fanoutCursor;
    for (;;) {
      const page = await objects.list(version.uri, { cursor: cursor ?? undefined, maxKeys: PAGE_SIZE });
      const work = await this.registerPage(job, version.uri, page.objects);
      // Sent before the checkpoint: a crash in between re-sends (consumers are idempotent), never loses.
      if (work.length) await this.enqueue(job, work);
      const last = !page.nextCursor;
      // Gone: what no listing saw since this one started. StartTime is set (above, by the first
      // delivery) before any page is listed and kept by continuations; other jobs may list meanwhile.
      const deleted = last
        ? await this.deps.store.markUnlistedDeleted(job.datasetId, job.versionName, job.datasetJobId, job.startTime ?? job.createTime, nowIso(this.deps))
        : 0;
      const advanced = await this.deps.store.advanceFanout(
        job.datasetJobId,
        { fromCursor: cursor, toCursor: page.nextCursor ?? cursor, listed: page.objects.length, deleted, done: last },
        nowIso(this.deps),
      );
      if (!advanced) {
        // Another delivery of this fan-out got here first; it owns the rest.
        return 'dropped';
      }
      if (last) {
        await this.afterListing[job.jobAction]?.(job);
        const j = (await this.deps.store.getJob(job.datasetJobId))!;
        await this.jobs.log(
          job.datasetJobId,
          'INFO',
          `listing done: ${j.listedFileCount} files listed, ${j.totalFileCount} to process` +
            (j.deletedFileCount ? `, ${j.deletedFileCount} gone from storage` : ''),
        );
        await this.jobs.finishIfComplete(job.datasetJobId);
        return 'done';
      }
      cursor = page.nextCursor!;
      const current = await this.deps.store.getJob(job.datasetJobId);
      if (current?.status !== 'Running') return 'dropped';
      if (opts.deadline !== undefined && Date.now() >= opts.deadline) {
        await this.deps.queue.sendBatch(this.deps.queues.fanout, [JSON.stringify(msg)]);
        return 'continued';
      }
    }
  }

  /**
   * Upserts one page of listed objects and registers the files this job must process.
   * Full mode processes every file; Increment only new or changed ones, or ones not yet checked
   * as deeply as the job asks.
   */
  private async registerPage(job: DatasetJob, rootUri: string, listed: ObjectInfo[]): Promise<BatchMessage['items']> {
    if (!listed.length) return [];
    const needsWork = workSelector(job);
    const ids = listed.map((o) => fileMetaId(job.datasetId, job.versionName, o.uri));
    const existing = new Map((await this.deps.store.getFileMetas(ids)).map((m) => [m.datasetFileMetaId, m]));
    const rows: ListedFileRow[] = [];
    const work: BatchMessage['items'] = [];
    listed.forEach((o, i) => {
      const id = ids[i]!;
      const before = existing.get(id);
      const { fileName, fileDir } = splitUnderRoot(rootUri, o.uri);
      const changed = !before || before.fileFingerPrint !== o.etag || before.status === 'DELETED';
      rows.push({
        datasetFileMetaId: id,
        datasetId: job.datasetId,
        versionName: job.versionName,
        uri: o.uri,
        fileName,
        fileDir,
        dataSize: o.size,
        fileFingerPrint: o.etag,
        fileCreateTime: o.createTime ? o.createTime.toISOString() : null,
        fileUpdateTime: o.lastModified.toISOString(),
        fileType: paiFileTypeOf(extensionOf(fileName), fileName),
        fileFormat: extensionOf(fileName),
        reset: changed,
      });
      if (needsWork(before, o.etag, changed)) work.push({ metaId: id, uri: o.uri, fingerprint: o.etag });
    });
    const now = nowIso(this.deps);
    await this.deps.store.upsertListedFiles(rows, job.datasetJobId, now);
    // Registered before the batches are sent, so a consumer always finds its items.
    await this.deps.store.addJobItems(
      job.datasetJobId,
      work.map((w) => w.metaId),
    );
    return work;
  }

  private async enqueue(job: DatasetJob, work: BatchMessage['items']): Promise<void> {
    const spec = { batchSize: Number(job.jobSpec.batchSize) || 200 };
    const bodies: string[] = [];
    let items: BatchMessage['items'] = [];
    let bytes = 0;
    const flush = () => {
      if (!items.length) return;
      const msg: BatchMessage = { jobId: job.datasetJobId, action: job.jobAction, items };
      bodies.push(JSON.stringify(msg));
      items = [];
      bytes = 0;
    };
    for (const item of work) {
      const size = JSON.stringify(item).length + 1;
      if (items.length >= spec.batchSize || bytes + size > MAX_BATCH_BYTES - 200) flush();
      items.push(item);
      bytes += size;
    }
    flush();
    await this.deps.queue.sendBatch(this.consumerQueue(job.jobAction), bodies);
  }

  private consumerQueue(action: JobAction): string {
    const q = this.deps.queues;
    // Exports and reverts never list storage (they run on the exporter's queue): prober for completeness.
    const queues: Record<JobAction, string> = {
      FileMetaBuild: q.prober,
      IntelligentTag: q.tagger,
      SemanticIndex: q.embedder,
      FileMetaExport: q.prober,
      IntelligentTagRevert: q.prober,
      FileMetaImport: q.prober,
    };
    return queues[action];
  }
}

type WorkSelector = (before: FileMeta | undefined, etag: string, changed: boolean) => boolean;

/** Files no model is sent: undecodable images and files that are not images. */
const unusable = (m: FileMeta | undefined) => m?.status === 'FAILED' || m?.status === 'SKIPPED';

/**
 * Which listed files a job processes. Full: every usable file; Increment: what changed or was never
 * done (FileMetaBuild: unprobed or probed less deeply than asked; tagging: another definition version
 * or model; indexing: another embedder or index). A file found undecodable (FAILED) or not an image
 * (SKIPPED) goes to no model until it changes, and an Increment FileMetaBuild probes it again only
 * when it changed (or when no probe of its fingerprint is on record: see sqlite migration 8).
 */
function workSelector(job: DatasetJob): WorkSelector {
  const full = job.jobMode === 'Full';
  switch (job.jobAction) {
    case 'FileMetaBuild': {
      const spec = FileMetaBuildSpec.parse(job.jobSpec);
      return (before, etag, changed) =>
        full ||
        changed ||
        before?.probedFingerPrint !== etag ||
        // a non-image has no pixels to decode
        (spec.verify === 'decode' && before.probeDepth !== 'decode' && before.status !== 'SKIPPED');
    }
    case 'IntelligentTag': {
      const spec = IntelligentTagSpec.parse(job.jobSpec);
      return (before, etag, changed) => {
        if (!changed && unusable(before)) return false;
        if (full || !before) return true;
        return (
          before.tagFingerPrint !== etag ||
          before.tagError !== null ||
          before.tagDefinitionId !== spec.promptId ||
          before.tagDefinitionVersion !== spec.tagDefinitionVersion ||
          before.tagModel !== spec.modelId
        );
      };
    }
    case 'SemanticIndex': {
      const spec = SemanticIndexSpec.parse(job.jobSpec);
      return (before, etag, changed) => {
        if (!changed && unusable(before)) return false;
        if (full || !before) return true;
        return before.embedFingerPrint !== etag || before.embedError !== null || before.embedderId !== spec.embedderId || before.indexName !== spec.databaseTableName;
      };
    }
    default:
      return () => false;
  }
}
