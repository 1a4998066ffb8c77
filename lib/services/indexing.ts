// SemanticIndex for one batch: files (probed first if needed) are downscaled, embedded in calls of up
// to the embedder's batch size within the job's concurrency, and upserted into the vector index by
// DatasetFileMetaId (so a redelivered batch never makes a second vector). Partial answers fail only
// the inputs the service refused. Model errors are handled as in tagging (tagging.ts): a refused
// connection fails the rest of the batch, exhausted transient retries redeliver it with a WARN line.
import { SemanticIndexSpec, type BatchMessage, type DatasetJob, type FileOutcome } from '../domain/job.js';
import type { EmbedInput } from '../ports/embedder.js';
import type { EmbedUpdate } from '../ports/meta-store.js';
import { isModelError } from '../ports/model-errors.js';
import type { VectorRecord, VectorStore } from '../ports/vector-store.js';
import type { VectorStores } from '../ports/vector-stores.js';
import { nowIso, type ServiceDeps } from './deps.js';
import type { JobService } from './jobs.js';
import { embeddingModelOf } from './job-specs.js';
import { deliverBatch, type ConsumerResult } from './delivery-failures.js';
import { JobStoppedError } from './model-gate.js';
import { ModelInputReader, unusableOutcome } from './model-input.js';
import { forEachLimit } from './parallel.js';
import { withRetry } from './retry.js';
import type { BatchContext } from './probing.js';
import { readForModel, type ModelConsumerDeps } from './tagging.js';

type Item = BatchMessage['items'][number];

export class IndexingService {
  private readonly jobs: JobService;
  constructor(
    private readonly deps: ServiceDeps,
    private readonly m: ModelConsumerDeps,
    private readonly vectorStores: VectorStores,
  ) {
    this.jobs = m.jobs;
  }

  processBatch(msg: BatchMessage, ctx: BatchContext = { dequeueCount: 1 }): Promise<ConsumerResult> {
    return deliverBatch(this.jobs, msg, ctx.dequeueCount, 'embedding', () => this.embedBatch(msg));
  }

  private async embedBatch(msg: BatchMessage): Promise<ConsumerResult> {
    const batch = await this.jobs.openBatch(msg);
    if (!batch) return { completed: 0, failed: 0, skipped: 0, notOpen: msg.items.length };
    const { job, items } = batch;
    const spec = SemanticIndexSpec.parse(job.jobSpec);
    const embedder = this.m.models.embedder(await this.m.connections.resolve(spec.embeddingConnectionId!), embeddingModelOf(spec));
    if (embedder.id !== spec.embedderId) {
      await this.jobs.failOpenItems(msg, `the embedding connection now serves ${embedder.id}, not ${spec.embedderId}; start a new job`);
      return { completed: 0, failed: items.length, skipped: 0, notOpen: msg.items.length - items.length };
    }
    const store = await this.vectorStoreOf(spec.databaseConnectionId!);
    const reader = await ModelInputReader.open(this.deps, items, spec.imageLongSide);
    const stopped = { stopped: async () => (await this.deps.store.getJob(job.datasetJobId))?.status !== 'Running' };

    // Read and downscale every file first; the unusable ones fail here.
    const outcomes: FileOutcome[] = [];
    const ready: Array<{ item: Item; input: EmbedInput }> = [];
    await forEachLimit(items, 8, async (item) => {
      const input = await readForModel(reader, item);
      if (!input.ok) return void outcomes.push(unusableOutcome(item.metaId, input));
      ready.push({ item, input: { kind: 'image', data: input.data, mime: input.mime } });
    });
    await reader.flush();

    const chunks: Array<typeof ready> = [];
    for (let i = 0; i < ready.length; i += embedder.maxBatch) chunks.push(ready.slice(i, i + embedder.maxBatch));
    const records: VectorRecord[] = [];
    const embedded: Item[] = [];
    let unfinished = 0;
    let lastTransient: Error | undefined;
    // Set when the service refused the connection after the quick retries: the rest of the batch fails with it.
    let refused: string | undefined;
    let halted = false;
    await forEachLimit(chunks, spec.concurrency, async (chunk) => {
      if (halted) return;
      if (refused !== undefined) {
        for (const { item } of chunk) {
          await this.deps.store.recordEmbedError(item.metaId, refused, nowIso(this.deps));
          outcomes.push({ metaId: item.metaId, ok: false, reason: `model: ${refused}` });
        }
        return;
      }
      try {
        const results = await this.m.gate.run(
          job.datasetJobId,
          spec.concurrency,
          () => withRetry(() => embedder.embed(chunk.map((c) => c.input)), this.m.retry),
          stopped,
        );
        for (const [i, r] of results.entries()) {
          const { item } = chunk[i]!;
          if (r.ok) {
            records.push({ id: item.metaId, vector: r.vector });
            embedded.push(item);
          } else {
            await this.deps.store.recordEmbedError(item.metaId, r.error, nowIso(this.deps));
            outcomes.push({ metaId: item.metaId, ok: false, reason: `model: ${r.error}` });
          }
        }
      } catch (e) {
        if (e instanceof JobStoppedError) halted = true;
        else if (isModelError(e) && e.kind !== 'transient') {
          if (e.kind === 'refused') refused = e.message;
          for (const { item } of chunk) {
            await this.deps.store.recordEmbedError(item.metaId, e.message, nowIso(this.deps));
            outcomes.push({ metaId: item.metaId, ok: false, reason: `model: ${e.message}` });
          }
        } else if (isModelError(e)) {
          unfinished += chunk.length;
          lastTransient = e;
        } else throw e;
      }
    });

    if (records.length) {
      try {
        await store.ensureIndex(spec.databaseTableName!, { dimension: records[0]!.vector.length, embedderId: embedder.id });
        await store.upsert(spec.databaseTableName!, records);
        const updates: EmbedUpdate[] = embedded.map((item) => ({
          datasetFileMetaId: item.metaId,
          fileFingerPrint: item.fingerprint,
          jobId: job.datasetJobId,
          embedderId: embedder.id,
          indexName: spec.databaseTableName!,
        }));
        await this.deps.store.applyEmbedResults(updates, nowIso(this.deps));
        for (const item of embedded) outcomes.push({ metaId: item.metaId, ok: true });
      } catch (e) {
        if ((e as { kind?: string })?.kind !== 'Conflict') throw e;
        for (const item of embedded) outcomes.push({ metaId: item.metaId, ok: false, reason: (e as Error).message });
      }
    }
    const counted = await this.jobs.closeBatch(job, items, outcomes);
    if (unfinished) throw new Error(`${unfinished} files hit transient model errors after every retry (last: ${lastTransient!.message})`);
    return { ...counted, notOpen: msg.items.length - items.length };
  }

  async failBatch(msg: BatchMessage, reason: string): Promise<void> {
    await this.jobs.failOpenItems(msg, reason);
  }

  /** After a SemanticIndex listing: files gone from storage leave the vector index. */
  async dropDeletedVectors(job: DatasetJob): Promise<void> {
    const spec = SemanticIndexSpec.parse(job.jobSpec);
    const store = await this.vectorStoreOf(spec.databaseConnectionId!);
    if (!(await store.getIndex(spec.databaseTableName!))) return;
    let dropped = 0;
    for (;;) {
      const ids = await this.deps.store.listDeletedEmbedded(job.datasetId, job.versionName, spec.databaseTableName!, 1000);
      if (!ids.length) break;
      await store.delete(spec.databaseTableName!, ids);
      await this.deps.store.clearEmbeddings(ids, nowIso(this.deps));
      dropped += ids.length;
    }
    if (dropped) await this.jobs.log(job.datasetJobId, 'INFO', `${dropped} vectors of files gone from storage removed from index ${spec.databaseTableName}`);
  }

  private async vectorStoreOf(connectionId: string): Promise<VectorStore> {
    return this.vectorStores.forConnection(await this.m.connections.resolve(connectionId));
  }
}

