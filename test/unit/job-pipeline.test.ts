// The job pipeline at the service level, with faults injected between steps: a fan-out that dies
// mid-listing resumes from its checkpoint; redelivered batches count nothing twice; stop drops the
// rest; a dead-lettered batch fails its files with a reason and the job still ends once.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BatchMessage, FanoutMessage } from '../../lib/domain/job.js';
import type { Queue } from '../../lib/ports/queue.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { buildContainer, type Container } from '../../lib/runtime/container.js';
import { jsonLogger } from '../../lib/runtime/logger.js';
import { generatePngs } from '../support/generate-images.js';
import { drainQueue } from '../support/drain-queue.js';

const FILES = 2500;

describe('job pipeline (services, faults injected)', () => {
  let root: string;
  let c: Container;
  let datasetId: string;

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'loupe-pipeline-'));
    await generatePngs(path.join(root, 'files'), FILES);
    c = buildContainer(loadConfig({ LOUPE_DATA_DIR: path.join(root, 'data'), LOUPE_FILE_ROOTS: root, LOUPE_API_KEYS: 'k' }), { log: jsonLogger('silent') });
    datasetId = (await c.services.datasets.create({ name: 'p', uri: pathToFileURL(path.join(root, 'files')).href })).datasetId;
  });
  afterEach(async () => {
    await c.close();
    await rm(root, { recursive: true, force: true });
  });

  const drain = (queue: string) => drainQueue(c.queue, queue);


  async function startJob(spec: Record<string, unknown> = {}) {
    const job = await c.services.jobs.create({ datasetId, versionName: 'v1', jobAction: 'FileMetaBuild', jobSpec: spec });
    const [start] = await drain(c.queues.fanout);
    return { job, start: FanoutMessage.parse(JSON.parse(start!)) };
  }

  it('a fan-out that dies mid-listing resumes from its checkpoint and counts every file once', async () => {
    const { job, start } = await startJob({ batchSize: 100 });
    // The queue fails on the second page's send: the fan-out dies after one page is checkpointed.
    const real = c.queue;
    let sends = 0;
    const flaky: Queue = Object.create(real);
    flaky.sendBatch = async (q, bodies, o) => {
      if (++sends === 2) throw new Error('connection reset (injected)');
      return real.sendBatch(q, bodies, o);
    };
    (c.services.fanout as unknown as { deps: { queue: Queue } }).deps.queue = flaky;
    await expect(c.services.fanout.run(start)).rejects.toThrow(/injected/);
    const mid = (await c.store.getJob(job.datasetJobId))!;
    expect(mid.fanoutDone).toBe(false);
    expect(mid.listedFileCount).toBeGreaterThan(0);
    expect(mid.listedFileCount).toBeLessThan(FILES);

    // The message is delivered again: the listing resumes at the cursor.
    expect(await c.services.fanout.run(start)).toBe('done');
    const listed = (await c.store.getJob(job.datasetJobId))!;
    expect(listed).toMatchObject({ fanoutDone: true, listedFileCount: FILES, totalFileCount: FILES, status: 'Running' });

    // Every batch, some of them twice (a page was re-sent after the crash; and we redeliver one more).
    const batches = (await drain(c.queues.prober)).map((b) => BatchMessage.parse(JSON.parse(b)));
    const covered = new Set(batches.flatMap((b) => b.items.map((i) => i.metaId)));
    expect(covered.size).toBe(FILES);
    for (const b of [...batches, batches[0]!]) await c.services.probing.processBatch(b);
    const done = (await c.store.getJob(job.datasetJobId))!;
    expect(done).toMatchObject({ status: 'Succeeded', totalFileCount: FILES, completedFileCount: FILES, failedFileCount: 0 });
    expect(await c.store.countFileMetas({ datasetId, versionName: 'v1', statuses: ['ACTIVE'] })).toBe(FILES);
    const finished = (await c.store.listJobLogs(job.datasetJobId, 1000)).filter((l) => l.message.startsWith('finished'));
    expect(finished).toHaveLength(1);
  });

  it("two jobs of different actions listing one version at once keep each other's files; a file gone before both is DELETED", async () => {
    const first = await startJob();
    expect(await c.services.fanout.run(first.start)).toBe('done');
    await c.services.jobs.stop(first.job.datasetJobId);
    const ids = await c.store.listFileMetaIds({ datasetId, versionName: 'v1' }, FILES + 1);
    expect(ids).toHaveLength(FILES);
    const victim = (await c.store.getFileMeta(ids[0]!))!;
    await rm(new URL(victim.uri));
    await new Promise((r) => setTimeout(r, 5)); // both listings start after the first one saw the victim
    // What a scheduled reindex starts together: FileMetaBuild and SemanticIndex on the same version.
    const classic = await c.services.connections.create({ connectionName: 'classic', connectionType: 'ClassicEmbeddingConnection' });
    const local = await c.services.connections.create({ connectionName: 'local', connectionType: 'LocalVectorConnection' });
    const build = await c.services.jobs.create({ datasetId, versionName: 'v1', jobAction: 'FileMetaBuild', jobMode: 'Increment' });
    const index = await c.services.jobs.create({
      datasetId, versionName: 'v1', jobAction: 'SemanticIndex',
      jobSpec: { embeddingConnectionId: classic.connectionId, vectorConnectionId: local.connectionId, indexName: 'pipeline' },
    });
    await drain(c.queues.fanout);
    // Past its deadline a run lists one page (1000 files) and continues in a new message: the two
    // listings alternate page by page, each resuming from its checkpoint; FileMetaBuild ends first.
    const runs: Record<string, string[]> = { [build.datasetJobId]: [], [index.datasetJobId]: [] };
    for (let page = 0; page < 3; page++) {
      for (const j of [build, index]) runs[j.datasetJobId]!.push(await c.services.fanout.run({ jobId: j.datasetJobId }, { deadline: 0 }));
    }
    expect(Object.values(runs)).toEqual([['continued', 'continued', 'done'], ['continued', 'continued', 'done']]);
    expect(await c.store.countFileMetas({ datasetId, versionName: 'v1' })).toBe(FILES - 1);
    expect(await c.store.countFileMetas({ datasetId, versionName: 'v1', statuses: ['DELETED'] })).toBe(1);
    expect(await c.store.getFileMeta(victim.datasetFileMetaId)).toMatchObject({ status: 'DELETED' });
    const [b, i] = [(await c.store.getJob(build.datasetJobId))!, (await c.store.getJob(index.datasetJobId))!];
    expect([b.listedFileCount, b.deletedFileCount, i.listedFileCount, i.deletedFileCount]).toEqual([FILES - 1, 1, FILES - 1, 0]);
  });

  it('a second delivery of the same fan-out message does not list twice', async () => {
    const { job, start } = await startJob();
    const [a, b] = await Promise.all([c.services.fanout.run(start), c.services.fanout.run(start)]);
    expect([a, b]).toContain('done');
    expect((await c.store.getJob(job.datasetJobId))!).toMatchObject({ listedFileCount: FILES, totalFileCount: FILES });
  });

  it('stop drops the remaining batches and the job stays ManuallyStop', async () => {
    const { job, start } = await startJob({ batchSize: 100 });
    await c.services.fanout.run(start);
    const batches = (await drain(c.queues.prober)).map((b) => BatchMessage.parse(JSON.parse(b)));
    await c.services.probing.processBatch(batches[0]!);
    await c.services.jobs.stop(job.datasetJobId);
    for (const b of batches.slice(1)) expect((await c.services.probing.processBatch(b)).notOpen).toBe(b.items.length);
    expect((await c.store.getJob(job.datasetJobId))!).toMatchObject({ status: 'ManuallyStop', completedFileCount: 100 });
    await expect(c.services.jobs.stop(job.datasetJobId)).rejects.toMatchObject({ kind: 'Conflict' });
  });

  it('a dead-lettered batch fails its open files with a reason, and the job still ends', async () => {
    const { job, start } = await startJob({ batchSize: 1000 });
    await c.services.fanout.run(start);
    const batches = (await drain(c.queues.prober)).map((b) => BatchMessage.parse(JSON.parse(b)));
    // batches stay under the MNS message size, so there are several
    expect(batches.length).toBeGreaterThan(2);
    expect(batches.every((b) => JSON.stringify(b).length <= 60 * 1024)).toBe(true);
    const last = batches.at(-1)!;
    for (const b of batches.slice(0, -1)) await c.services.probing.processBatch(b);
    await c.services.probing.failBatch(last, 'batch failed 5 times (dead-lettered)');
    await c.services.probing.failBatch(last, 'batch failed 5 times (dead-lettered)');
    const j = (await c.store.getJob(job.datasetJobId))!;
    expect(j).toMatchObject({ status: 'PartialFailed', completedFileCount: FILES - last.items.length, failedFileCount: last.items.length });
    const failed = await c.store.listFailedJobItems(job.datasetJobId, 10);
    expect(failed[0]!.reason).toMatch(/dead-lettered/);
  });

  it('a file deleted after the listing is failed in the job with a reason, not left pending; the file itself is not FAILED', async () => {
    const { job, start } = await startJob({ batchSize: 1000 });
    await c.services.fanout.run(start);
    const batches = (await drain(c.queues.prober)).map((b) => BatchMessage.parse(JSON.parse(b)));
    const victim = batches[0]!.items[7]!;
    await rm(new URL(victim.uri));
    for (const b of batches) await c.services.probing.processBatch(b);
    const j = (await c.store.getJob(job.datasetJobId))!;
    expect(j).toMatchObject({ status: 'PartialFailed', failedFileCount: 1 });
    expect(await c.store.listFailedJobItems(job.datasetJobId, 10)).toEqual([{ metaId: victim.metaId, uri: victim.uri, reason: expect.stringMatching(/not found/) }]);
    // A passing absence says nothing about the bytes: the next listing marks the file DELETED, or probes it if it is back.
    expect(await c.store.getFileMeta(victim.metaId)).toMatchObject({ status: 'PENDING', probedFingerPrint: null });
  });
});
