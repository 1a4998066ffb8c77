// Scheduled reindex: the reindexconfig API (round trip; validated as CreateDatasetJob would be), a run
// that starts the right jobs in the right mode and skips a busy version, a deleted version and a spec
// that no longer resolves, the started jobs running to Succeeded through the queue (classic embedder,
// local vector index), the FC timer handler with its sample event, and the local scheduler on a fake clock.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../functions/api/index.js';
import { createEmbedderHandler } from '../../functions/embedder/index.js';
import { createFanoutHandler } from '../../functions/fanout/index.js';
import { createProberHandler } from '../../functions/prober/index.js';
import { createReindexHandler } from '../../functions/reindex/index.js';
import { DATASET_PAI_DEFAULTS } from '../../lib/domain/dataset.js';
import type { ReindexRunSummary } from '../../lib/services/reindex.js';
import { ConfigError, loadConfig } from '../../lib/runtime/config.js';
import { buildContainer, type Container } from '../../lib/runtime/container.js';
import { parseCron } from '../../lib/runtime/cron.js';
import { queueTriggerEvent, type FcHandler } from '../../lib/runtime/fc.js';
import { parseTimerTriggerEvent, type FcTimerEvent } from '../../lib/runtime/fc-timer.js';
import { startLocalRuntime } from '../../lib/runtime/local.js';
import { startLocalScheduler, type SchedulerClock } from '../../lib/runtime/local-scheduler.js';
import { jsonLogger } from '../../lib/runtime/logger.js';
import { generatePngs } from '../support/generate-images.js';
import { inProcessApi, type ApiCall } from '../support/in-process-api.js';

const KEY = 'reindex-key-0123456789';
const FILES = 12;
const root = path.resolve(import.meta.dirname, '../..');

describe('scheduled reindex', () => {
  let dir: string;
  let c: Container;
  let call: ApiCall;
  let filesUri: string;
  let classic: string;
  let local: string;
  const logs: string[] = [];

  const createDataset = async (name: string) => {
    const r = await call('POST', '/api/v1/datasets', { Name: name, Uri: filesUri });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.DatasetId as string;
  };
  const connection = async (body: object) => {
    const r = await call('POST', '/api/v1/connections', body);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.ConnectionId as string;
  };
  const putConfig = (datasetId: string, body: unknown) => call('PUT', `/api/v1/datasets/${datasetId}/reindexconfig`, body);

  /** Delivers queued messages to the function handlers (FC-shaped events) until every queue is empty. */
  async function pump(): Promise<void> {
    const get = () => c;
    const consumers: Array<[string, FcHandler]> = [
      [c.queues.fanout, createFanoutHandler(get)],
      [c.queues.prober, createProberHandler(get)],
      [c.queues.embedder, createEmbedderHandler(get)],
    ];
    for (let busy = true; busy; ) {
      busy = false;
      for (const [queue, handler] of consumers) {
        const got = await c.queue.receive(queue, { max: 16, visibilityTimeoutSeconds: 60 });
        if (!got.length) continue;
        busy = true;
        await handler(queueTriggerEvent(queue, got.map((m) => ({ messageId: m.messageId, body: m.body, dequeueCount: m.dequeueCount }))), { requestId: 'pump' });
        await c.queue.delete(queue, got.map((m) => m.receiptHandle));
      }
    }
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-reindex-'));
    await generatePngs(path.join(dir, 'files'), FILES);
    filesUri = pathToFileURL(path.join(dir, 'files')).href;
    c = buildContainer(loadConfig({ LOUPE_DATA_DIR: path.join(dir, 'data'), LOUPE_FILE_ROOTS: dir, LOUPE_API_KEYS: KEY }), { log: jsonLogger('info', (l) => logs.push(l)) });
    call = inProcessApi(createApi(c, [KEY]), KEY);
    classic = await connection({ ConnectionName: 'classic', ConnectionType: 'ClassicEmbeddingConnection' });
    local = await connection({ ConnectionName: 'local', ConnectionType: 'LocalVectorConnection' });
  });
  afterAll(async () => {
    await c?.close();
    await rm(dir, { recursive: true, force: true });
  });

  describe('the reindexconfig API', () => {
    it('round trips: 404 before, PUT, GET, replace, DELETE, 404 after', async () => {
      const ds = await createDataset('roundtrip');
      const route = `/api/v1/datasets/${ds}/reindexconfig`;
      expect((await call('GET', route)).status).toBe(404);
      const put = await putConfig(ds, { JobMode: 'Increment', Actions: [{ JobAction: 'FileMetaBuild', JobSpec: { verify: 'decode' } }] });
      expect(put.status, JSON.stringify(put.body)).toBe(200);
      expect(put.body).toEqual({
        DatasetId: ds,
        JobMode: 'Increment',
        Actions: [{ JobAction: 'FileMetaBuild', JobSpec: { verify: 'decode' } }],
        DatasetVersion: null,
        GmtCreateTime: expect.any(String),
        GmtModifiedTime: expect.any(String),
        LastRunTime: null,
        RequestId: expect.any(String),
      });
      const got = await call('GET', route);
      expect({ ...got.body, RequestId: 'x' }).toEqual({ ...put.body, RequestId: 'x' });

      const replaced = await putConfig(ds, { JobMode: 'Full', Actions: [{ JobAction: 'FileMetaBuild' }], DatasetVersion: 'v1' });
      expect(replaced.body).toMatchObject({ JobMode: 'Full', Actions: [{ JobAction: 'FileMetaBuild', JobSpec: {} }], DatasetVersion: 'v1', GmtCreateTime: put.body.GmtCreateTime });

      expect((await call('DELETE', route)).status).toBe(200);
      expect((await call('GET', route)).status).toBe(404);
      expect((await call('DELETE', route)).status).toBe(404);
      expect((await call('GET', '/api/v1/datasets/d-nope/reindexconfig')).status).toBe(404);
      expect((await putConfig('d-nope', { JobMode: 'Full', Actions: [{ JobAction: 'FileMetaBuild' }] })).status).toBe(404);
    });

    it('is in the OpenAPI document', async () => {
      const doc = await call('GET', '/openapi.json');
      expect(Object.keys(doc.body.paths['/api/v1/datasets/{DatasetId}/reindexconfig'])).toEqual(expect.arrayContaining(['put', 'get', 'delete']));
    });

    it('checks every action as CreateDatasetJob would: a bad spec is a 400 naming the field', async () => {
      const ds = await createDataset('validation');
      const tagging = await connection({ ConnectionName: 'qwen', ConnectionType: 'OpenLLMConnection', Configs: { BaseUrl: 'http://127.0.0.1:9/v1' }, Secrets: { ApiKey: 'sk-x' } });
      const tagDef = (await call('POST', '/api/v1/tagdefinitions', { Name: 'cars', GuidePrompt: 'Label cars.', Tags: [{ Name: 'car', Description: 'a car' }] })).body.TagDefinitionId;
      const cases: Array<[unknown, number, string]> = [
        [{ Actions: [{ JobAction: 'FileMetaBuild' }] }, 400, 'JobMode'],
        [{ JobMode: 'Sometimes', Actions: [{ JobAction: 'FileMetaBuild' }] }, 400, 'JobMode'],
        [{ JobMode: 'Full', Actions: [] }, 400, 'Actions'],
        [{ JobMode: 'Full', Actions: [{ JobAction: 'FileMetaExport' }] }, 400, 'Actions.0.JobAction'],
        [{ JobMode: 'Full', Actions: [{ JobAction: 'FileMetaBuild' }, { JobAction: 'FileMetaBuild' }] }, 400, 'Actions.1.JobAction'],
        [{ JobMode: 'Full', Actions: [{ JobAction: 'FileMetaBuild', JobSpec: { verify: 'maybe' } }] }, 400, 'Actions.0.JobSpec.verify'],
        [{ JobMode: 'Full', Actions: [{ JobAction: 'FileMetaBuild', JobSpec: { nonsense: 1 } }] }, 400, 'Actions.0.JobSpec'],
        // PAI's keys; an old spelling (tagDefinitionId) is an alias and the error names the PAI key
        [{ JobMode: 'Full', Actions: [{ JobAction: 'FileMetaBuild' }, { JobAction: 'IntelligentTag', JobSpec: { tagDefinitionId: tagDef } }] }, 400, 'Actions.1.JobSpec.intelligentTagConnectionId'],
        [{ JobMode: 'Full', Actions: [{ JobAction: 'IntelligentTag', JobSpec: { intelligentTagConnectionId: 'c-missing', promptId: tagDef } }] }, 400, 'Actions.0.JobSpec.intelligentTagConnectionId'],
        [{ JobMode: 'Full', Actions: [{ JobAction: 'IntelligentTag', JobSpec: { intelligentTagConnectionId: classic, promptId: tagDef } }] }, 400, 'Actions.0.JobSpec.intelligentTagConnectionId'],
        [{ JobMode: 'Full', Actions: [{ JobAction: 'IntelligentTag', JobSpec: { intelligentTagConnectionId: tagging, promptId: 't-missing' } }] }, 400, 'Actions.0.JobSpec.promptId'],
        // no JobSpec and no index config saved: nothing to fall back on
        [{ JobMode: 'Full', Actions: [{ JobAction: 'SemanticIndex' }] }, 400, 'Actions.0.JobSpec.embeddingConnectionId'],
        [{ JobMode: 'Full', Actions: [{ JobAction: 'FileMetaBuild' }], DatasetVersion: 'v9' }, 404, ''],
      ];
      for (const [body, status, field] of cases) {
        const r = await putConfig(ds, body);
        expect(r.status, `${JSON.stringify(body)} → ${JSON.stringify(r.body)}`).toBe(status);
        if (field) expect(r.body.Field, JSON.stringify(r.body)).toBe(field);
        if (field.startsWith('Actions.') && field.includes('JobSpec')) expect(r.body.Message).toMatch(new RegExp(`^${field.replace(/\./g, '\\.')}`));
      }
      expect((await call('GET', `/api/v1/datasets/${ds}/reindexconfig`)).status).toBe(404);

      // valid: tagging with its ids; SemanticIndex falling back to the dataset's index config
      const ok = await putConfig(ds, { JobMode: 'Increment', Actions: [{ JobAction: 'IntelligentTag', JobSpec: { connectionId: tagging, tagDefinitionId: tagDef } }] });
      expect(ok.status, JSON.stringify(ok.body)).toBe(200);
      expect((await call('PUT', `/api/v1/datasets/${ds}/indexconfig`, { EmbeddingConnectionId: classic, VectorConnectionId: local, IndexName: 'validation' })).status).toBe(200);
      const si = await putConfig(ds, { JobMode: 'Increment', Actions: [{ JobAction: 'SemanticIndex' }] });
      expect(si.status, JSON.stringify(si.body)).toBe(200);
      // stored as given: each run resolves it anew (current definition version, current index config)
      expect(si.body.Actions).toEqual([{ JobAction: 'SemanticIndex', JobSpec: {} }]);
    });

    it('refuses a LOGICAL dataset', async () => {
      const now = new Date().toISOString();
      await c.store.createDataset({ ...DATASET_PAI_DEFAULTS, labels: [], accessibleRoleIdList: [], mountAccessReadWriteRoleIdList: [], datasetId: 'd-logical-reindex', name: 'logical', description: '', edition: 'LOGICAL', dataType: 'PIC', uri: '', createTime: now, updateTime: now });
      const r = await putConfig('d-logical-reindex', { JobMode: 'Full', Actions: [{ JobAction: 'FileMetaBuild' }] });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ Field: 'DatasetId', Message: expect.stringMatching(/LOGICAL/) });
    });
  });

  describe('runScheduled', () => {
    // indexed: Increment FileMetaBuild + SemanticIndex (from its index config), newest version
    // full: Full FileMetaBuild on the newest version (v2)
    // busy: its FileMetaBuild is already Pending on v1
    // gone: pinned to v2, which was deleted
    // broken: FileMetaBuild fine, SemanticIndex's embedding connection deleted since
    const ds: Record<'indexed' | 'full' | 'busy' | 'gone' | 'broken', string> = { indexed: '', full: '', busy: '', gone: '', broken: '' };
    let busyJob: string;
    let first: ReindexRunSummary;
    const T1 = new Date('2026-11-26T03:00:00Z');

    const nameOf = (id: string) => Object.entries(ds).find(([, v]) => v === id)?.[0] ?? id;

    beforeAll(async () => {
      // only this block's datasets opt in
      for (const s of (await c.store.listReindexSettings({ maxResults: 1000 })).items) await c.store.deleteReindexSetting(s.datasetId);
      for (const k of Object.keys(ds) as Array<keyof typeof ds>) ds[k] = await createDataset(k);
      expect((await call('PUT', `/api/v1/datasets/${ds.indexed}/indexconfig`, { EmbeddingConnectionId: classic, VectorConnectionId: local, IndexName: 'reindexed' })).status).toBe(200);
      const ok = async (id: string, body: object) => {
        const r = await putConfig(id, body);
        expect(r.status, JSON.stringify(r.body)).toBe(200);
      };
      await ok(ds.indexed, { JobMode: 'Increment', Actions: [{ JobAction: 'FileMetaBuild' }, { JobAction: 'SemanticIndex', JobSpec: { batchSize: 5 } }] });
      expect((await call('POST', `/api/v1/datasets/${ds.full}/versions`, {})).body.VersionName).toBe('v2');
      await ok(ds.full, { JobMode: 'Full', Actions: [{ JobAction: 'FileMetaBuild' }] });
      await ok(ds.busy, { JobMode: 'Increment', Actions: [{ JobAction: 'FileMetaBuild' }] });
      busyJob = (await c.services.jobs.create({ datasetId: ds.busy, versionName: 'v1', jobAction: 'FileMetaBuild' })).datasetJobId;
      expect((await call('POST', `/api/v1/datasets/${ds.gone}/versions`, {})).body.VersionName).toBe('v2');
      await ok(ds.gone, { JobMode: 'Full', Actions: [{ JobAction: 'FileMetaBuild' }], DatasetVersion: 'v2' });
      expect((await call('DELETE', `/api/v1/datasets/${ds.gone}/versions/v2`)).status).toBe(200);
      const doomed = await connection({ ConnectionName: 'doomed', ConnectionType: 'ClassicEmbeddingConnection' });
      await ok(ds.broken, {
        JobMode: 'Increment',
        Actions: [{ JobAction: 'FileMetaBuild' }, { JobAction: 'SemanticIndex', JobSpec: { embeddingConnectionId: doomed, vectorConnectionId: local, indexName: 'broken' } }],
      });
      expect((await call('DELETE', `/api/v1/connections/${doomed}`)).status).toBe(200);

      logs.length = 0;
      first = await c.services.reindex.runScheduled(T1);
    });

    it('starts each opted-in action in its mode, in order, and skips what cannot start without stopping the rest', async () => {
      const started = (id: string) => first.started.filter((s) => s.datasetId === id).map((s) => s.jobAction);
      expect(started(ds.indexed)).toEqual(['FileMetaBuild', 'SemanticIndex']);
      expect(started(ds.full)).toEqual(['FileMetaBuild']);
      expect(started(ds.broken)).toEqual(['FileMetaBuild']);
      expect(first.started).toHaveLength(4);

      const skipped = Object.fromEntries(first.skipped.map((s) => [`${nameOf(s.datasetId)}:${s.jobAction}`, s.reason]));
      expect(skipped).toEqual({
        'busy:FileMetaBuild': expect.stringMatching(new RegExp(`job ${busyJob} \\(FileMetaBuild\\) is Pending on this version`)),
        'gone:FileMetaBuild': 'version v2 no longer exists',
        'broken:SemanticIndex': expect.stringMatching(/JobSpec\.embeddingConnectionId: connection '.*' not found/),
      });
      const lines = logs.map((l) => JSON.parse(l));
      expect(lines.some((l) => l.message === 'scheduled reindex: job already running, skipped' && l.datasetId === ds.busy)).toBe(true);
      expect(lines.some((l) => l.message === 'scheduled reindex skipped a dataset' && l.datasetId === ds.gone)).toBe(true);

      for (const s of first.started) {
        const job = (await c.store.getJob(s.jobId))!;
        const expected = s.datasetId === ds.full ? { jobMode: 'Full', versionName: 'v2' } : { jobMode: 'Increment', versionName: 'v1' };
        expect(job, s.datasetId).toMatchObject({ ...expected, jobAction: s.jobAction, status: 'Pending', description: 'scheduled reindex at 2026-11-26T03:00:00.000Z' });
      }
      // resolved at the run, as CreateDatasetJob does: the index config filled in, the embedder frozen
      const si = first.started.find((s) => s.jobAction === 'SemanticIndex')!;
      expect((await c.store.getJob(si.jobId))!.jobSpec).toMatchObject({ embeddingConnectionId: classic, databaseConnectionId: local, databaseTableName: 'reindexed', embedderId: 'classic:v1', batchSize: 5 });

      for (const id of Object.values(ds)) expect((await call('GET', `/api/v1/datasets/${id}/reindexconfig`)).body.LastRunTime).toBe(T1.toISOString());
    });

    it('the started jobs run to Succeeded through the queue', async () => {
      await pump();
      for (const s of first.started) {
        expect(await c.store.getJob(s.jobId), `${s.datasetId} ${s.jobAction}`).toMatchObject({ status: 'Succeeded', totalFileCount: FILES, completedFileCount: FILES, failedFileCount: 0 });
      }
      const si = first.started.find((s) => s.jobAction === 'SemanticIndex')!;
      const metas = await c.store.listFileMetas({ datasetId: ds.indexed, versionName: 'v1', sortBy: 'FileName', order: 'ASC', maxResults: 100 });
      expect(metas.items).toHaveLength(FILES);
      expect(metas.items.every((m) => m.status === 'ACTIVE' && m.semanticIndexJobId === si.jobId && m.embedderId === 'classic:v1')).toBe(true);
      expect((await c.store.getJob(busyJob))!.status).toBe('Succeeded');
    });

    it('the FC timer handler runs the next round from the sample event: Increment finds nothing new, Full redoes every file', async () => {
      const event = readFileSync(path.join(root, 'events/reindex-timer.json'));
      expect(parseTimerTriggerEvent(JSON.parse(event.toString()))).toEqual({ triggerTime: '2026-11-27T03:00:00Z', triggerName: 'reindex', payload: 'scheduled reindex' });
      const summary = (await createReindexHandler(() => c)(event, { requestId: 'timer-1' })) as ReindexRunSummary;
      expect(summary.started.map((s) => s.datasetId).sort()).toEqual([ds.indexed, ds.indexed, ds.full, ds.busy, ds.broken].sort());
      await pump();
      for (const s of summary.started) {
        const job = (await c.store.getJob(s.jobId))!;
        expect(job.status).toBe('Succeeded');
        // Increment: every file was probed (and embedded) in the first round, or by busy's own job
        expect(job.totalFileCount, `${s.datasetId} ${s.jobAction}`).toBe(s.datasetId === ds.full ? FILES : 0);
      }
      expect((await call('GET', `/api/v1/datasets/${ds.indexed}/reindexconfig`)).body.LastRunTime).toBe('2026-11-27T03:00:00.000Z');
      await expect(createReindexHandler(() => c)(Buffer.from('{"payload":"x"}'), { requestId: 'timer-2' })).rejects.toThrow(/not a time trigger event/);
    });

    it('a deleted dataset takes its setting along', async () => {
      expect((await call('DELETE', `/api/v1/datasets/${ds.gone}`)).status).toBe(200);
      expect(await c.store.getReindexSetting(ds.gone)).toBeUndefined();
    });
  });

  describe('the local schedule', () => {
    /** A clock that moves only when the scheduler sleeps (and yields to the event loop when it does). */
    const fakeClock = (startIso: string) => {
      let now = Date.parse(startIso);
      const clock: SchedulerClock = {
        now: () => now,
        sleep: async (ms) => {
          now += ms;
          await new Promise((resolve) => setImmediate(resolve));
        },
      };
      return { clock, advance: (ms: number) => (now += ms) };
    };
    const until = (n: number, events: unknown[]) => {
      let resolve!: () => void;
      const reached = new Promise<void>((r) => (resolve = r));
      return { reached, check: () => events.length >= n && resolve() };
    };

    it('LOUPE_REINDEX_SCHEDULE is a 5-field cron expression; a bad one stops start-up naming it', () => {
      expect(loadConfig({}).LOUPE_REINDEX_SCHEDULE).toBeUndefined();
      expect(loadConfig({ LOUPE_REINDEX_SCHEDULE: 'CRON_TZ=Asia/Shanghai 0 3 * * *' }).LOUPE_REINDEX_SCHEDULE).toBe('CRON_TZ=Asia/Shanghai 0 3 * * *');
      expect(() => loadConfig({ LOUPE_REINDEX_SCHEDULE: '0 25 * * *' })).toThrow(ConfigError);
      expect(() => loadConfig({ LOUPE_REINDEX_SCHEDULE: '0 25 * * *' })).toThrow(/LOUPE_REINDEX_SCHEDULE: hour field '25': 25 is out of range 0–23 \(got '0 25 \* \* \*'\)/);
      expect(() => loadConfig({ LOUPE_REINDEX_SCHEDULE: '0 0 3 * * *' })).toThrow(/LOUPE_REINDEX_SCHEDULE: .*6-field/);
    });

    it('fires at each due minute with an FC timer event', async () => {
      const { clock } = fakeClock('2026-11-27T10:07:13Z');
      const events: FcTimerEvent[] = [];
      const contexts: unknown[] = [];
      const done = until(3, events);
      const scheduler = startLocalScheduler({
        clock,
        log: jsonLogger('silent'),
        timers: [
          {
            name: 'reindex',
            functionName: 'reindex',
            schedule: parseCron('*/15 * * * *'),
            payload: 'p',
            handler: async (event, context) => {
              contexts.push(context);
              events.push(parseTimerTriggerEvent(JSON.parse(Buffer.from(event as Buffer).toString())));
              done.check();
            },
          },
        ],
      });
      await done.reached;
      await scheduler.stop();
      expect(events.slice(0, 3)).toEqual([
        { triggerTime: '2026-11-27T10:15:00Z', triggerName: 'reindex', payload: 'p' },
        { triggerTime: '2026-11-27T10:30:00Z', triggerName: 'reindex', payload: 'p' },
        { triggerTime: '2026-11-27T10:45:00Z', triggerName: 'reindex', payload: 'p' },
      ]);
      expect(contexts[0]).toEqual({ requestId: expect.any(String), function: { name: 'reindex' } });
    });

    it('a failed invocation is logged and the schedule goes on; a long one skips the fires it overran (no backlog)', async () => {
      const { clock, advance } = fakeClock('2026-11-27T10:07:00Z');
      const times: string[] = [];
      const lines: string[] = [];
      const done = until(3, times);
      const scheduler = startLocalScheduler({
        clock,
        log: jsonLogger('info', (l) => lines.push(l)),
        timers: [
          {
            name: 'reindex',
            functionName: 'reindex',
            schedule: parseCron('*/15 * * * *'),
            handler: async (event) => {
              times.push(JSON.parse((event as Buffer).toString()).triggerTime);
              done.check();
              if (times.length === 1) throw new Error('store unavailable');
              if (times.length === 2) advance(40 * 60_000); // runs 40 minutes
            },
          },
        ],
      });
      await done.reached;
      await scheduler.stop();
      expect(times.slice(0, 3)).toEqual(['2026-11-27T10:15:00Z', '2026-11-27T10:30:00Z', '2026-11-27T11:15:00Z']);
      expect(lines.map((l) => JSON.parse(l)).find((l) => l.message === 'timer invocation failed')).toMatchObject({ trigger: 'reindex', error: 'store unavailable' });
    });

    it('drives the reindex handler, and the local runtime stops with a timer pending', async () => {
      const { clock } = fakeClock('2026-11-28T02:59:30Z');
      const handler = createReindexHandler(() => c);
      const runs: unknown[] = [];
      const done = until(1, runs);
      const scheduler = startLocalScheduler({
        clock,
        log: jsonLogger('silent'),
        timers: [{ name: 'reindex', functionName: 'reindex', schedule: parseCron('0 3 * * *'), handler: async (e, ctx) => (runs.push(await handler(e, ctx)), done.check()) }],
      });
      await done.reached;
      await scheduler.stop();
      expect((await call('GET', `/api/v1/datasets/${await firstOptedIn()}/reindexconfig`)).body.LastRunTime).toBe('2026-11-28T03:00:00.000Z');
      await pump();

      const runtime = await startLocalRuntime({
        fetch: () => new Response('ok'),
        host: '127.0.0.1',
        port: 0,
        queue: c.queue,
        consumers: [],
        timers: [{ name: 'reindex', functionName: 'reindex', schedule: parseCron('0 3 1 1 *'), handler }],
        visibilityTimeoutSeconds: 30,
        log: jsonLogger('silent'),
      });
      await runtime.stop();
    });

    async function firstOptedIn(): Promise<string> {
      return (await c.store.listReindexSettings({ maxResults: 1 })).items[0]!.datasetId;
    }
  });
});
