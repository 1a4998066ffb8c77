// IntelligentTag for one batch: each file (probed first if needed) is downscaled, sent to the VLM
// within the job's concurrency, and its AI tags recorded. Transient model errors retry with backoff;
// permanent ones fail the file with the reason; a file whose retries ran out stays open, and the
// batch is delivered again later (dead-lettered after too many tries).
import { IntelligentTagSpec, type BatchMessage, type FileOutcome } from '../domain/job.js';
import type { ModelFactory } from '../ports/model-factory.js';
import { isModelError } from '../ports/model-errors.js';
import type { TagUpdate } from '../ports/meta-store.js';
import type { ConnectionService } from './connections.js';
import { nowIso, type ServiceDeps } from './deps.js';
import type { JobService } from './jobs.js';
import { JobStoppedError, type ModelGate } from './model-gate.js';
import { ModelInputReader } from './model-input.js';
import { forEachLimit } from './parallel.js';
import { withRetry, type RetryOptions } from './retry.js';

/** What the model-calling consumers (tagging, indexing) are built from. */
export interface ModelConsumerDeps {
  jobs: JobService;
  connections: ConnectionService;
  models: ModelFactory;
  gate: ModelGate;
  retry: RetryOptions;
}

export interface ConsumerResult {
  completed: number;
  failed: number;
  skipped: number;
}

export class TaggingService {
  private readonly jobs: JobService;
  constructor(
    private readonly deps: ServiceDeps,
    private readonly m: ModelConsumerDeps,
  ) {
    this.jobs = m.jobs;
  }

  async processBatch(msg: BatchMessage): Promise<ConsumerResult> {
    const batch = await this.jobs.openBatch(msg);
    if (!batch) return { completed: 0, failed: 0, skipped: msg.items.length };
    const { job, items } = batch;
    const spec = IntelligentTagSpec.parse(job.jobSpec);
    const definition = await this.deps.store.getTagDefinition(spec.tagDefinitionId);
    if (!definition) {
      await this.jobs.failOpenItems(msg, `tag definition ${spec.tagDefinitionId} was deleted`);
      return { completed: 0, failed: items.length, skipped: msg.items.length - items.length };
    }
    const tagger = this.m.models.tagger(await this.m.connections.resolve(spec.connectionId));
    const reader = await ModelInputReader.open(this.deps, items, spec.imageLongSide);
    const stopped = { stopped: async () => (await this.deps.store.getJob(job.datasetJobId))?.status !== 'Running' };

    const updates: TagUpdate[] = [];
    const outcomes: FileOutcome[] = [];
    const logs: Array<{ level: 'WARN'; message: string }> = [];
    let unfinished = 0;
    let halted = false;
    await forEachLimit(items, spec.concurrency, async (item) => {
      if (halted) return;
      const input = await reader.read(item);
      if (!input.ok) return void outcomes.push({ metaId: item.metaId, ok: false, reason: input.reason });
      try {
        const result = await this.m.gate.run(
          job.datasetJobId,
          spec.concurrency,
          () => withRetry(() => tagger.tag({ image: input, definition, model: spec.modelName }), this.m.retry),
          stopped,
        );
        updates.push({
          datasetFileMetaId: item.metaId,
          fileFingerPrint: item.fingerprint,
          ai: result.tags,
          tagDefinitionId: definition.tagDefinitionId,
          tagDefinitionVersion: definition.version,
          model: spec.modelName,
        });
        if (result.dropped.length) logs.push({ level: 'WARN', message: `${item.uri}: dropped answers outside the definition: ${result.dropped.join(', ')}` });
        outcomes.push({ metaId: item.metaId, ok: true });
      } catch (e) {
        if (e instanceof JobStoppedError) halted = true;
        else if (isModelError(e) && e.kind === 'permanent') {
          await this.deps.store.recordTagError(item.metaId, e.message, nowIso(this.deps));
          outcomes.push({ metaId: item.metaId, ok: false, reason: `model: ${e.message}` });
        } else if (isModelError(e)) unfinished++;
        else throw e;
      }
    });
    await reader.flush();
    await this.deps.store.applyTagResults(updates, nowIso(this.deps));
    const counted = await this.jobs.closeBatch(job, items, outcomes, logs);
    if (unfinished) throw new Error(`${unfinished} files hit transient model errors after every retry; the batch will be delivered again`);
    return { ...counted, skipped: msg.items.length - items.length };
  }

  failBatch(msg: BatchMessage, reason: string): Promise<void> {
    return this.jobs.failOpenItems(msg, reason);
  }
}
