// #14: causes no redelivery can cure fail at once with the reason in the job's Logs (a closed model
// port after a few quick tries, a dataset folder deleted after the job was created, a deleted
// connection); an error that is redelivered leaves a WARN line with its cause on each delivery.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startLoupe } from '../../cli/serve.js';
import { createFanoutHandler } from '../../functions/fanout/index.js';
import { createTaggerHandler } from '../../functions/tagger/index.js';
import { SqliteQueue } from '../../lib/adapters/queue/sqlite-queue.js';
import { BatchMessage } from '../../lib/domain/job.js';
import type { ModelFactory } from '../../lib/ports/model-factory.js';
import { ModelError } from '../../lib/ports/model-errors.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { buildContainer, type Container } from '../../lib/runtime/container.js';
import { queueTriggerEvent } from '../../lib/runtime/fc.js';
import { jsonLogger } from '../../lib/runtime/logger.js';
import { LoupeClient } from '../../lib/sdk/index.js';
import { withRetry } from '../../lib/services/retry.js';
import { drainQueue } from '../support/drain-queue.js';
import { writePngs } from '../support/local-loupe.js';
import { startChatServer } from '../support/loopback-dashscope-chat.js';

const FILES = ['a.png', 'b.png', 'c.png', 'd.png', 'e.png'];
const TAGS = [{ name: 'thing', description: 'something is visible', values: undefined }];

describe('#14 permanent errors fail at once', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    vi.restoreAllMocks();
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  /** A temp root holding the dataset's files and the data dir; confinement to that root. */
  async function workspace(env: Record<string, string> = {}) {
    const root = await mkdtemp(path.join(os.tmpdir(), 'loupe-fail-fast-'));
    cleanup.push(() => rm(root, { recursive: true, force: true }));
    const files = path.join(root, 'files');
    await writePngs(files, FILES);
    const config = loadConfig({
      LOUPE_DATA_DIR: path.join(root, 'data'),
      LOUPE_FILE_ROOTS: root,
      LOUPE_API_KEYS: 'fail-fast-key-0123456789',
      LOUPE_PORT: '0',
      LOUPE_WORKER_THREADS: '0',
      LOUPE_MODEL_RETRY_BASE_MS: '1',
      ...env,
    });
    return { root, files, config };
  }

  /** A container (no server): the test plays the queue trigger, so it knows every delivery. */
  async function services(env: Record<string, string> = {}) {
    const w = await workspace(env);
    const c = buildContainer(w.config, { log: jsonLogger('silent') });
    cleanup.push(() => c.close());
    const datasetId = (await c.services.datasets.create({ name: 'ff', uri: pathToFileURL(w.files).href })).datasetId;
    return { ...w, c, datasetId };
  }

  async function tagSetup(c: Container, baseUrl: string) {
    const connection = await c.services.connections.create({ connectionName: 'vlm', connectionType: 'OpenLLMConnection', configs: { BaseUrl: baseUrl }, secrets: { ApiKey: 'sk-fail-fast' } });
    const definition = await c.services.tagDefinitions.create({ name: 'd', guidePrompt: 'Label the image.', tags: TAGS });
    return { connectionId: connection.connectionId, tagDefinitionId: definition.tagDefinitionId, modelName: 'm', concurrency: 1 };
  }

  /** One delivery of each message of `queue` through the function's handler; true when the handler threw (a redelivery). */
  async function deliverAll(c: Container, queue: string, handler: (event: unknown, ctx: { requestId: string }) => Promise<unknown>, dequeueCount = 1) {
    const bodies = await drainQueue(c.queue, queue);
    const threw: boolean[] = [];
    for (const [i, body] of bodies.entries()) {
      const event = queueTriggerEvent(queue, [{ messageId: `m${i}`, body, dequeueCount }]);
      threw.push(await handler(event, { requestId: `r${i}` }).then(() => false, () => true));
    }
    return { bodies, threw };
  }

  it('#14 IntelligentTag against a closed loopback port: 3 quick tries, one delivery, every file failed with ECONNREFUSED and host:port', async () => {
    const closed = await startChatServer();
    const url = closed.url;
    await closed.close();
    const hostPort = new URL(url).host;

    // Every receive of every queue, counted from before the consumers start.
    const received: string[] = [];
    const receive = SqliteQueue.prototype.receive;
    vi.spyOn(SqliteQueue.prototype, 'receive').mockImplementation(async function (this: SqliteQueue, queue, opts) {
      const got = await receive.call(this, queue, opts);
      for (const _ of got) received.push(queue);
      return got;
    });
    const w = await workspace();
    const loupe = await startLoupe(w.config, { log: jsonLogger('silent') });
    cleanup.push(() => loupe.stop());
    const client = new LoupeClient({ url: loupe.url, apiKey: 'fail-fast-key-0123456789' });
    const c = loupe.container;
    const datasetId = (await c.services.datasets.create({ name: 'closed', uri: pathToFileURL(w.files).href })).datasetId;
    const spec = await tagSetup(c, url);

    // Every model call (attempt) the tagging service makes, whatever the transport.
    const modelCalls = vi.fn();
    const m = (c.services.tagging as unknown as { m: { models: ModelFactory } }).m;
    const models = m.models;
    m.models = {
      ...models,
      tagger: (conn) => {
        const t = models.tagger(conn);
        return { tag: (req) => (modelCalls(), t.tag(req)) };
      },
    };

    const job = await c.services.jobs.create({ datasetId, versionName: 'v1', jobAction: 'IntelligentTag', jobSpec: spec });
    const done = await client.waitForJob(datasetId, job.datasetJobId, { intervalMs: 50, maxLogs: 1000, signal: AbortSignal.timeout(60_000) });
    const full = await client.getDatasetJob(datasetId, job.datasetJobId, { MaxLogs: 1000, MaxFailedFiles: 100 });

    expect(done.Status).toBe('Failed');
    expect(full).toMatchObject({ TotalFileCount: FILES.length, CompletedFileCount: 0, FailedFileCount: FILES.length });
    // One batch, delivered once; the model was tried 3 times (concurrency 1), then the rest of the batch failed without a call.
    expect(received.filter((q) => q === c.queues.tagger)).toHaveLength(1);
    expect(received.filter((q) => q.endsWith('-dlq'))).toHaveLength(0);
    expect(modelCalls).toHaveBeenCalledTimes(3);
    const failed = full.FailedFiles!;
    expect(failed).toHaveLength(FILES.length);
    for (const f of failed) {
      expect(f.Reason).toContain('ECONNREFUSED');
      expect(f.Reason).toContain(hostPort);
    }
    const logs = full.Logs!.map((l) => `${l.Level} ${l.Message}`);
    expect(logs.some((l) => l.includes('ECONNREFUSED') && l.includes(hostPort))).toBe(true);
    expect(logs.filter((l) => l.includes('will be delivered again'))).toEqual([]);
  });

  it('#14 withRetry gives a refused connection 3 quick tries (200 ms, 400 ms), apart from the transient budget', async () => {
    const sleeps: number[] = [];
    const refused = new ModelError('refused', 'chat completions connection failed: ECONNREFUSED (connection refused, 127.0.0.1:9)');
    const calls = vi.fn(async () => {
      throw refused;
    });
    await expect(withRetry(calls, { attempts: 6, baseMs: 500, sleep: async (ms) => void sleeps.push(ms) })).rejects.toBe(refused);
    expect(calls).toHaveBeenCalledTimes(3);
    expect(sleeps).toEqual([200, 400]);
    // A transient error first does not use up the refused budget, nor the other way round.
    const mixed = [new ModelError('transient', 'HTTP 503', { status: 503 }), refused, refused, refused];
    const fn = vi.fn(async (attempt: number) => {
      throw mixed[attempt - 1]!;
    });
    await expect(withRetry(fn, { attempts: 6, baseMs: 1, sleep: async () => {} })).rejects.toBe(refused);
    expect(fn).toHaveBeenCalledTimes(4);
  });

  it('#14 a FileMetaBuild whose dataset folder was deleted after the job was created fails with the cause after one delivery', async () => {
    const { c, datasetId, files } = await services();
    const job = await c.services.jobs.create({ datasetId, versionName: 'v1', jobAction: 'FileMetaBuild' });
    await rm(files, { recursive: true, force: true });

    const fanout = await deliverAll(c, c.queues.fanout, createFanoutHandler(() => c));
    expect(fanout.threw).toEqual([false]); // handled: the queue deletes the message, no redelivery
    expect(await c.queue.depth(c.queues.fanout)).toBe(0);
    expect(await c.queue.depth(c.queues.prober)).toBe(0);

    const after = (await c.store.getJob(job.datasetJobId))!;
    expect(after.status).toBe('Failed');
    const logs = await c.store.listJobLogs(job.datasetJobId, 100);
    const failure = logs.find((l) => l.level === 'ERROR')!;
    expect(failure.message).toContain(pathToFileURL(files).href);
    expect(failure.message).toMatch(/not found/);
    // No file was marked DELETED because its folder could not be listed.
    expect(await c.store.countFileMetas({ datasetId, versionName: 'v1', statuses: ['DELETED'] })).toBe(0);
  });

  it('#14 a connection deleted while its job runs fails the batch at once, with the reason, without a redelivery', async () => {
    const chat = await startChatServer();
    cleanup.push(() => chat.close());
    const { c, datasetId } = await services();
    const spec = await tagSetup(c, chat.url);
    const job = await c.services.jobs.create({ datasetId, versionName: 'v1', jobAction: 'IntelligentTag', jobSpec: { ...spec, batchSize: 2 } });
    await deliverAll(c, c.queues.fanout, createFanoutHandler(() => c));
    await c.services.connections.delete(spec.connectionId);

    const tagger = await deliverAll(c, c.queues.tagger, createTaggerHandler(() => c));
    expect(tagger.bodies).toHaveLength(3);
    expect(tagger.threw).toEqual([false, false, false]);
    expect(chat.stats.requests).toBe(0);
    const after = (await c.store.getJob(job.datasetJobId))!;
    expect(after).toMatchObject({ status: 'Failed', failedFileCount: FILES.length, completedFileCount: 0 });
    const reasons = (await c.store.listFailedJobItems(job.datasetJobId, 100)).map((f) => f.reason);
    expect(reasons).toHaveLength(FILES.length);
    for (const r of reasons) expect(r).toContain(`'${spec.connectionId}' not found`);
  });

  it('#14 an error that is redelivered leaves a WARN line with its cause on each delivery, explaining the dead letter', async () => {
    const chat = await startChatServer({ failStatus: 503 });
    cleanup.push(() => chat.close());
    const { c, datasetId } = await services({ LOUPE_MODEL_RETRIES: '1' });
    const spec = await tagSetup(c, chat.url);
    const job = await c.services.jobs.create({ datasetId, versionName: 'v1', jobAction: 'IntelligentTag', jobSpec: spec });
    await deliverAll(c, c.queues.fanout, createFanoutHandler(() => c));
    const [body] = await drainQueue(c.queue, c.queues.tagger);
    const msg = BatchMessage.parse(JSON.parse(body!));

    // Two deliveries that fail (the queue redelivers what throws), then the dead-letter handler.
    await expect(c.services.tagging.processBatch(msg, { dequeueCount: 1 })).rejects.toThrow(/HTTP 503/);
    await expect(c.services.tagging.processBatch(msg, { dequeueCount: 2 })).rejects.toThrow(/HTTP 503/);
    await c.services.tagging.failBatch(msg, 'batch failed 2 times (dead-lettered)');

    const logs = await c.store.listJobLogs(job.datasetJobId, 100);
    const warnings = logs.filter((l) => l.level === 'WARN' && l.message.includes('will be delivered again'));
    expect(warnings.map((l) => l.message.match(/\(delivery (\d)\)/)?.[1])).toEqual(['1', '2']);
    for (const w of warnings) expect(w.message).toContain('HTTP 503');
    expect((await c.store.getJob(job.datasetJobId))!.status).toBe('Failed');
  });
});
