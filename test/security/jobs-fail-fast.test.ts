// #14: causes no redelivery can cure fail at once with the reason in the job's Logs (a closed model
// port after a few quick tries, a dataset folder deleted after the job was created, a deleted
// connection); an error that is redelivered leaves a WARN line with its cause on each delivery, saying
// whether another delivery will come. #5: a job on a folder that is already gone is refused when it is
// created.
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startLoupe } from '../../cli/serve.js';
import { createApi } from '../../functions/api/index.js';
import { createExporterDeadLetterHandler, createExporterHandler } from '../../functions/exporter/index.js';
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
import { expectDomainError } from '../support/domain-error.js';
import { drainQueue } from '../support/drain-queue.js';
import { inProcessApi } from '../support/in-process-api.js';
import { writePngs } from '../support/local-loupe.js';
import { startChatServer } from '../support/loopback-dashscope-chat.js';

const KEY = 'fail-fast-key-0123456789';
const FILES = ['a.png', 'b.png', 'c.png', 'd.png', 'e.png'];
const TAGS = [{ name: 'thing', description: 'something is visible', values: undefined }];

/**
 * A loopback port that refuses connections (ECONNREFUSED) for as long as it is held. Closing a server
 * and reusing its port is not enough: another process may listen on it meanwhile. Here the port is the
 * local end of a connection this process keeps open to a server of its own: nothing listens on it, so a
 * connection to it is refused, and Linux lets no other socket listen on it while that connection lives
 * (an explicit bind gets EADDRINUSE; a listen on port 0 never picks a port in use).
 */
async function refusingPort(): Promise<{ port: number; release(): Promise<void> }> {
  const accepted: net.Socket[] = [];
  const server = net.createServer((s) => accepted.push(s.on('error', () => undefined)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const holder = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => holder.once('connect', resolve).once('error', reject));
  return {
    port: holder.localPort!,
    async release() {
      holder.destroy();
      for (const s of accepted) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

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
      LOUPE_API_KEYS: KEY,
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
    const closed = await refusingPort();
    cleanup.push(() => closed.release());
    const url = `http://127.0.0.1:${closed.port}/v1`;
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
    const client = new LoupeClient({ url: loupe.url, apiKey: KEY });
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

  it('#14 an error that is redelivered leaves a WARN line with its cause on each delivery, saying which of LOUPE_QUEUE_MAX_RECEIVES it was; the last says none follows', async () => {
    const chat = await startChatServer({ failStatus: 503 });
    cleanup.push(() => chat.close());
    const { c, datasetId } = await services({ LOUPE_MODEL_RETRIES: '1', LOUPE_QUEUE_MAX_RECEIVES: '3' });
    const spec = await tagSetup(c, chat.url);
    const job = await c.services.jobs.create({ datasetId, versionName: 'v1', jobAction: 'IntelligentTag', jobSpec: spec });
    await deliverAll(c, c.queues.fanout, createFanoutHandler(() => c));
    const [body] = await drainQueue(c.queue, c.queues.tagger);
    const msg = BatchMessage.parse(JSON.parse(body!));

    // Three deliveries that fail (the queue redelivers what throws), then the dead-letter handler.
    for (const dequeueCount of [1, 2, 3]) await expect(c.services.tagging.processBatch(msg, { dequeueCount })).rejects.toThrow(/HTTP 503/);
    await c.services.tagging.failBatch(msg, 'batch failed 3 times (dead-lettered)');

    const warnings = (await c.store.listJobLogs(job.datasetJobId, 100)).filter((l) => l.level === 'WARN' && l.message.includes('HTTP 503'));
    expect(warnings.map((l) => l.message.slice(0, l.message.indexOf(': ')))).toEqual([
      'tagging a batch of 5 files failed (delivery 1 of 3), it will be delivered again',
      'tagging a batch of 5 files failed (delivery 2 of 3), it will be delivered again',
      'tagging a batch of 5 files failed on its last delivery (3 of 3), it will not be delivered again',
    ]);
    expect((await c.store.getJob(job.datasetJobId))!.status).toBe('Failed');
  });

  it('#14 the exporter tells its deliveries apart like the other consumers, and its dead letter points at their WARN lines', async () => {
    const { c, datasetId, root } = await services({ LOUPE_QUEUE_MAX_RECEIVES: '2' });
    const out = `${pathToFileURL(path.join(root, 'out')).href}/`;
    const job = await c.services.jobs.create({ datasetId, versionName: 'v1', jobAction: 'FileMetaExport', jobSpec: { target: 'file', format: 'manifest', uri: out } });
    const [body] = await drainQueue(c.queue, c.queues.exporter);
    // A passing error (EIO) on every write: delivered again, until the dead letter.
    const store = c.objects.forUri(out);
    store.write = async () => {
      throw Object.assign(new Error(`EIO: i/o error, open '${path.join(root, 'out')}'`), { code: 'EIO' });
    };
    const handler = createExporterHandler(() => c);
    for (const dequeueCount of [1, 2]) {
      await expect(handler(queueTriggerEvent(c.queues.exporter, [{ messageId: 'm', body: body!, dequeueCount }]), { requestId: `r${dequeueCount}` })).rejects.toThrow(/EIO/);
    }
    await createExporterDeadLetterHandler(() => c)(queueTriggerEvent(`${c.queues.exporter}-dlq`, [{ messageId: 'm', body: body!, dequeueCount: 2 }]), { requestId: 'dlq' });

    const warnings = (await c.store.listJobLogs(job.datasetJobId, 100)).filter((l) => l.level === 'WARN').map((l) => l.message);
    expect(warnings).toEqual([
      expect.stringMatching(/^the export failed \(delivery 1 of 2\), it will be delivered again: EIO/),
      expect.stringMatching(/^the export failed on its last delivery \(2 of 2\), it will not be delivered again: EIO/),
    ]);
    const after = (await c.store.getJob(job.datasetJobId))!;
    expect(after.status).toBe('Failed');
    expect(after.message).toBe("export failed 2 times (dead-lettered); each delivery's cause is a WARN line above");
  });

  it('#5 a job on a version whose folder is gone is refused when it is created (400 naming the folder), not failed a delivery later; an export of its metadata still runs', async () => {
    const { c, datasetId, files } = await services();
    await rm(files, { recursive: true, force: true });
    const uri = `${pathToFileURL(files).href}/`;
    const api = inProcessApi(createApi(c, [KEY]), KEY);
    for (const JobAction of ['FileMetaBuild', 'IntelligentTag', 'SemanticIndex']) {
      const r = await api('POST', `/api/v1/datasets/${datasetId}/datasetjobs`, { DatasetVersion: 'v1', JobAction });
      expect([r.status, r.body.Code, r.body.Field, r.body.Message], JobAction).toEqual([400, 'InvalidParameter', 'DatasetVersion', `DatasetVersion v1's folder '${uri}' does not exist`]);
    }
    await expectDomainError(c.services.jobs.create({ datasetId, versionName: 'v1', jobAction: 'FileMetaBuild', jobMode: 'Increment' }), 'Invalid');
    expect((await c.store.listJobs({ datasetId, maxResults: 10 })).items).toEqual([]);
    expect(await c.queue.depth(c.queues.fanout)).toBe(0);

    // An export reads the file metas, not the folder: it is still accepted.
    const out = `${pathToFileURL(path.join(path.dirname(files), 'out')).href}/`;
    const exported = await c.services.jobs.create({ datasetId, versionName: 'v1', jobAction: 'FileMetaExport', jobSpec: { target: 'file', format: 'manifest', uri: out } });
    expect(exported.status).toBe('Pending');
  });
});
