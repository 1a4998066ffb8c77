// The Function Compute entry points with FC3-shaped events (Buffers), from events/ and built bundles.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHandler } from '../../functions/api/index.js';
import { createExporterHandler } from '../../functions/exporter/index.js';
import { createFanoutHandler } from '../../functions/fanout/index.js';
import { createProberHandler } from '../../functions/prober/index.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { buildContainer, type Container } from '../../lib/runtime/container.js';
import { parseQueueTriggerEvent, queueTriggerEvent } from '../../lib/runtime/fc.js';
import { jsonLogger } from '../../lib/runtime/logger.js';
import { generatePngs } from '../support/generate-images.js';

const root = path.resolve(import.meta.dirname, '../..');
const event = (name: string) => readFileSync(path.join(root, 'events', name));

describe('FC handlers', () => {
  let dir: string;
  let c: Container;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-fc-'));
    c = buildContainer(loadConfig({ LOUPE_DATA_DIR: path.join(dir, 'data'), LOUPE_FILE_ROOTS: dir, LOUPE_API_KEYS: 'fc-key' }), { log: jsonLogger('silent') });
  });
  afterAll(async () => {
    await c.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('parses the sample MNS queue trigger events', () => {
    const [fan] = parseQueueTriggerEvent(JSON.parse(event('fanout-mns.json').toString()));
    expect(JSON.parse(fan!.body)).toEqual({ jobId: 'job-sample000000000001' });
    const [batch] = parseQueueTriggerEvent(JSON.parse(event('prober-mns.json').toString()));
    expect(JSON.parse(batch!.body).items).toHaveLength(1);
    expect(() => parseQueueTriggerEvent({ data: {} })).toThrow(/messageBody/);
  });

  it('the api handler answers the sample HTTP trigger event, and requires the key elsewhere', async () => {
    const handler = createApiHandler(() => c);
    const res = (await handler(event('api-http.json'), { requestId: 'r1' } as never)) as { statusCode: number; body: string };
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body).Status).toBe('ok');
    const denied = JSON.parse(event('api-http.json').toString());
    denied.rawPath = '/api/v1/datasets';
    const r2 = (await handler(Buffer.from(JSON.stringify(denied)), { requestId: 'r2' } as never)) as { statusCode: number };
    expect(r2.statusCode).toBe(401);
  });

  it('fan-out and prober handlers run a job from FC-shaped events', async () => {
    const files = path.join(dir, 'files');
    await generatePngs(files, 30);
    const ds = await c.services.datasets.create({ name: 'fc', uri: pathToFileURL(files).href });
    const job = await c.services.jobs.create({ datasetId: ds.datasetId, versionName: 'v1', jobAction: 'FileMetaBuild' });
    const take = async (q: string) => {
      const got = await c.queue.receive(q, { max: 16, visibilityTimeoutSeconds: 30 });
      return queueTriggerEvent(q, got.map((m) => ({ messageId: m.messageId, body: m.body, dequeueCount: m.dequeueCount })));
    };
    await createFanoutHandler(() => c)(await take(c.queues.fanout), { requestId: 'f' } as never);
    await createProberHandler(() => c)(await take(c.queues.prober), { requestId: 'p' } as never);
    expect(await c.store.getJob(job.datasetJobId)).toMatchObject({ status: 'Succeeded', totalFileCount: 30, completedFileCount: 30 });

    // The exporter runs an export from an FC-shaped event; the sample event's unknown job is dropped.
    const out = pathToFileURL(path.join(dir, 'out')).href + '/';
    const exp = await c.services.jobs.create({
      datasetId: ds.datasetId,
      versionName: 'v1',
      jobAction: 'FileMetaExport',
      jobSpec: { search: {}, target: 'file', format: 'csv', uri: out },
    });
    const exporter = createExporterHandler(() => c);
    expect(await exporter(await take(c.queues.exporter), { requestId: 'e' } as never)).toEqual({ results: ['done'] });
    expect(await c.store.getJob(exp.datasetJobId)).toMatchObject({ status: 'Succeeded', completedFileCount: 30, output: { uri: out, fileCount: 30 } });
    expect(readFileSync(new URL('export.csv', out), 'utf8').split('\r\n').filter(Boolean)).toHaveLength(31);
    expect(await exporter(event('exporter-mns.json'), { requestId: 'e2' } as never)).toEqual({ results: ['dropped'] });
  });

  it('the esbuild bundle of the api function runs on its own', async () => {
    await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/build.ts')], { cwd: root });
    const script = `import('${pathToFileURL(path.join(root, 'dist/api/index.js')).href}').then(async (m) => {
      const r = await m.handler(require('node:fs').readFileSync(${JSON.stringify(path.join(root, 'events/api-http.json'))}), { requestId: 'b' });
      console.log(JSON.stringify(r));
    })`;
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], {
      cwd: dir,
      env: { ...process.env, LOUPE_DATA_DIR: path.join(dir, 'bundle-data'), LOUPE_API_KEYS: 'b', LOUPE_LOG_LEVEL: 'silent' },
    });
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toMatchObject({ statusCode: 200 });
  });
});
