// IntelligentTag for one batch: each file (probed first if needed) is downscaled, sent to the VLM
// within the job's concurrency, and its AI tags recorded. Transient model errors retry with backoff;
// permanent ones fail the file with the reason; a refused connection, after a few quick tries, fails
// the file and the rest of the batch with the reason (the service is down: no more calls); a file whose
// retries ran out stays open, and the batch is delivered again later with a WARN line naming the cause
// (dead-lettered after too many tries). A cause no delivery can cure fails the batch's files at once.
import { IntelligentTagSpec, type BatchMessage, type FileOutcome } from '../domain/job.js';
import type { ModelFactory } from '../ports/model-factory.js';
import { isModelError } from '../ports/model-errors.js';
import type { TagDefinition } from '../domain/connection.js';
import type { TagUpdate } from '../ports/meta-store.js';
import type { ConnectionService } from './connections.js';
import { nowIso, type ServiceDeps } from './deps.js';
import type { JobService } from './jobs.js';
import { deliverBatch, fileFailureOrThrow, type ConsumerResult } from './delivery-failures.js';
import { JobStoppedError, type ModelGate } from './model-gate.js';
import { ModelInputReader, unusableOutcome } from './model-input.js';
import { forEachLimit } from './parallel.js';
import type { BatchContext } from './probing.js';
import { withRetry, type RetryOptions } from './retry.js';

/** What the model-calling consumers (tagging, indexing) are built from. */
export interface ModelConsumerDeps {
  jobs: JobService;
  connections: ConnectionService;
  models: ModelFactory;
  gate: ModelGate;
  retry: RetryOptions;
}

export class TaggingService {
  private readonly jobs: JobService;
  constructor(
    private readonly deps: ServiceDeps,
    private readonly m: ModelConsumerDeps,
  ) {
    this.jobs = m.jobs;
  }

  processBatch(msg: BatchMessage, ctx: BatchContext = { dequeueCount: 1 }): Promise<ConsumerResult> {
    return deliverBatch(this.jobs, msg, ctx.dequeueCount, 'tagging', () => this.tagBatch(msg));
  }

  private async tagBatch(msg: BatchMessage): Promise<ConsumerResult> {
    const batch = await this.jobs.openBatch(msg);
    if (!batch) return { completed: 0, failed: 0, skipped: 0, notOpen: msg.items.length };
    const { job, items } = batch;
    const spec = IntelligentTagSpec.parse(job.jobSpec);
    const definition = await this.deps.store.getTagDefinition(spec.promptId);
    if (!definition) {
      await this.jobs.failOpenItems(msg, `prompt (tag definition) ${spec.promptId} was deleted`);
      return { completed: 0, failed: items.length, skipped: 0, notOpen: msg.items.length - items.length };
    }
    const tagger = this.m.models.tagger(await this.m.connections.resolve(spec.intelligentTagConnectionId));
    const reader = await ModelInputReader.open(this.deps, items, spec.imageLongSide);
    const stopped = { stopped: async () => (await this.deps.store.getJob(job.datasetJobId))?.status !== 'Running' };

    const updates: TagUpdate[] = [];
    const outcomes: FileOutcome[] = [];
    const logs: Array<{ level: 'WARN'; message: string }> = [];
    let unfinished = 0;
    let lastTransient: Error | undefined;
    // Set when the service refused the connection after the quick retries: the rest of the batch fails with it.
    let refused: string | undefined;
    let halted = false;
    await forEachLimit(items, spec.concurrency, async (item) => {
      if (halted) return;
      // The service is down: the rest fails unread (a file on record as not an image is still skipped).
      if (refused !== undefined) {
        const onRecord = reader.recorded(item);
        if (onRecord) return void outcomes.push(unusableOutcome(item.metaId, onRecord));
        await this.deps.store.recordTagError(item.metaId, refused, nowIso(this.deps));
        return void outcomes.push({ metaId: item.metaId, ok: false, reason: `model: ${refused}` });
      }
      const input = await readForModel(reader, item);
      if (!input.ok) return void outcomes.push(unusableOutcome(item.metaId, input));
      try {
        const result = await this.m.gate.run(
          job.datasetJobId,
          spec.concurrency,
          () => withRetry(() => tagger.tag({ image: input, definition, model: spec.modelId }), this.m.retry),
          stopped,
        );
        updates.push({
          datasetFileMetaId: item.metaId,
          fileFingerPrint: item.fingerprint,
          ai: result.tags,
          tagDefinitionId: definition.tagDefinitionId,
          tagDefinitionVersion: definition.version,
          model: spec.modelId,
          jobId: job.datasetJobId,
        });
        if (result.dropped.length) logs.push({ level: 'WARN', message: `${item.uri}: ${droppedSummary(result.dropped, definition)}` });
        outcomes.push({ metaId: item.metaId, ok: true });
      } catch (e) {
        if (e instanceof JobStoppedError) halted = true;
        else if (isModelError(e) && e.kind !== 'transient') {
          if (e.kind === 'refused') refused = e.message;
          await this.deps.store.recordTagError(item.metaId, e.message, nowIso(this.deps));
          outcomes.push({ metaId: item.metaId, ok: false, reason: `model: ${e.message}` });
        } else if (isModelError(e)) {
          unfinished++;
          lastTransient = e;
        } else throw e;
      }
    });
    await reader.flush();
    await this.deps.store.applyTagResults(updates, nowIso(this.deps));
    const counted = await this.jobs.closeBatch(job, items, outcomes, logs);
    if (unfinished) throw new Error(`${unfinished} files hit transient model errors after every retry (last: ${lastTransient!.message})`);
    return { ...counted, notOpen: msg.items.length - items.length };
  }

  async failBatch(msg: BatchMessage, reason: string): Promise<void> {
    await this.jobs.failOpenItems(msg, reason);
  }
}

/** A file's model input; a cause no delivery can cure fails this file alone instead of the batch. */
export async function readForModel(reader: ModelInputReader, item: BatchMessage['items'][number]): ReturnType<ModelInputReader['read']> {
  try {
    return await reader.read(item);
  } catch (e) {
    return fileFailureOrThrow(item.metaId, e);
  }
}

/**
 * What the model answered outside the definition, told without the model's words: they are whatever
 * the service chose to send (a key it echoes, split or re-encoded past any redaction), so the log names
 * only the definition's own tags whose value was off the list, and counts the unknown ones.
 */
export function droppedSummary(dropped: readonly string[], definition: Pick<TagDefinition, 'tags'>): string {
  const known = new Map(definition.tags.map((t) => [t.name.trim().toLowerCase(), t.name]));
  const offList = new Set<string>();
  let unknown = 0;
  for (const d of dropped) {
    const colon = d.indexOf(':');
    const name = colon < 0 ? undefined : known.get(d.slice(0, colon).trim().toLowerCase());
    if (name === undefined) unknown++;
    else offList.add(name);
  }
  const parts = [
    ...(offList.size ? [`values off the list of ${[...offList].map((n) => `'${n}'`).join(', ')}`] : []),
    ...(unknown ? [`${unknown} tag${unknown === 1 ? '' : 's'} the definition does not have`] : []),
  ];
  return `dropped ${dropped.length} answer${dropped.length === 1 ? '' : 's'} outside the definition: ${parts.join('; ')}`;
}
