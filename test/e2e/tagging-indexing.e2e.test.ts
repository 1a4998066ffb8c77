// Smart tagging and semantic indexing end to end on the real server, against loopback servers that
// speak DashScope chat and GME: the happy path on the COCO photos, then faults (429s, 5xx, garbage)
// with the job still completing, counters adding up, concurrency respected and no duplicate vectors.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalVectorStore } from '../../lib/adapters/vectorstore/local-vector-store.js';
import { FIXTURES_SKIP_MESSAGE, fixturesDir, fixturesMissing } from '../support/fixtures.js';
import { startChatServer, type LoopbackChat } from '../support/loopback-dashscope-chat.js';
import { startGmeServer, type LoopbackGme } from '../support/loopback-gme.js';
import { listAllFileMetas, startServer, waitForJob, type RunningServer } from '../support/server.js';

const SECRET = 'sk-e2e-secret-must-not-leak-91c2';

describe.skipIf(fixturesMissing)(`IntelligentTag and SemanticIndex end to end (${fixturesMissing ? FIXTURES_SKIP_MESSAGE : 'fixtures found'})`, () => {
  let server: RunningServer;
  let chat: LoopbackChat;
  let gme: LoopbackGme;
  let dataDir: string;
  let datasetId: string;
  let chatConn: string;
  let gmeConn: string;
  let vectorConn: string;
  let tagDef: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'loupe-e2e-models-'));
    chat = await startChatServer({ apiKey: SECRET, models: ['qwen-vl-max'] });
    gme = await startGmeServer({ token: SECRET });
    server = await startServer(dataDir, { LOUPE_FILE_ROOTS: fixturesDir!, LOUPE_MODEL_RETRY_BASE_MS: '5', LOUPE_MODEL_RETRIES: '8', LOUPE_LOG_LEVEL: 'info' });
    const uri = pathToFileURL(path.join(fixturesDir!, 'coco', 'images')).href;
    datasetId = (await server.api('POST', '/api/v1/datasets', { Name: 'coco', Uri: uri })).body.DatasetId;
    const conn = async (body: object) => {
      const r = await server.api('POST', '/api/v1/connections', body);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body.ConnectionId as string;
    };
    chatConn = await conn({ ConnectionName: 'qwen', ConnectionType: 'OpenLLMConnection', Configs: { BaseUrl: chat.url }, Secrets: { ApiKey: SECRET } });
    gmeConn = await conn({ ConnectionName: 'gme', ConnectionType: 'EasEmbeddingConnection', Configs: { Endpoint: gme.url }, Secrets: { Token: SECRET } });
    vectorConn = await conn({ ConnectionName: 'local', ConnectionType: 'LocalVectorConnection' });
    tagDef = (
      await server.api('POST', '/api/v1/tagdefinitions', {
        Name: 'coco',
        GuidePrompt: 'You label everyday photos.',
        Tags: [
          { Name: 'person', Description: 'a person is visible' },
          { Name: 'vehicle', Description: 'a car, bus, truck, bike or train' },
          { Name: 'scene', Description: 'where it is', Values: ['indoor', 'outdoor'] },
        ],
      })
    ).body.TagDefinitionId;
  });
  afterAll(async () => {
    await server?.stop();
    await chat?.close();
    await gme?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const startJob = async (body: object) => {
    const r = await server.api('POST', `/api/v1/datasets/${datasetId}/datasetjobs`, { DatasetVersion: 'v1', ...body });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return waitForJob(server, datasetId, r.body.DatasetJobId, 180_000);
  };

  it('tags every photo within the concurrency, then Increment has nothing to do until the definition changes', async () => {
    chat.setKnobs({ latencyMs: 20 });
    chat.resetStats();
    const job = await startJob({ JobAction: 'IntelligentTag', JobSpec: { connectionId: chatConn, modelName: 'qwen-vl-max', tagDefinitionId: tagDef, concurrency: 3 } });
    expect(job).toMatchObject({ Status: 'Succeeded', TotalFileCount: 102, CompletedFileCount: 102, FailedFileCount: 0 });
    expect(chat.stats.maxInFlight).toBeLessThanOrEqual(3);
    expect(chat.stats.maxInFlight).toBeGreaterThan(1);
    const metas = await listAllFileMetas(server, datasetId);
    expect(metas.every((m) => m.TagUpdateTime && m.Status === 'ACTIVE')).toBe(true);
    const allowed = new Set(['person', 'vehicle', 'scene:indoor', 'scene:outdoor']);
    expect(metas.flatMap((m) => m.Tags.ai).every((t: string) => allowed.has(t))).toBe(true);
    expect(metas.some((m) => m.Tags.ai.length > 0)).toBe(true);

    const cov = await server.api('GET', `/api/v1/datasets/${datasetId}/coverage?TagDefinitionId=${tagDef}`);
    expect(cov.body.Tags).toMatchObject({ Total: 102, UpToDate: 102, Stale: 0, Never: 0, Failed: 0 });
    const again = await startJob({ JobAction: 'IntelligentTag', JobMode: 'Increment', JobSpec: { connectionId: chatConn, tagDefinitionId: tagDef } });
    expect(again).toMatchObject({ Status: 'Succeeded', TotalFileCount: 0 });
    await server.api('PUT', `/api/v1/tagdefinitions/${tagDef}`, { GuidePrompt: 'You label everyday photos carefully.' });
    expect((await server.api('GET', `/api/v1/datasets/${datasetId}/coverage?TagDefinitionId=${tagDef}`)).body.Tags).toMatchObject({ UpToDate: 0, Stale: 102 });
    const retag = await startJob({ JobAction: 'IntelligentTag', JobMode: 'Increment', JobSpec: { connectionId: chatConn, tagDefinitionId: tagDef } });
    expect(retag).toMatchObject({ Status: 'Succeeded', TotalFileCount: 102 });

    // user tags: Tags.all = ai ∪ user − user-delete-ai-tags
    const m = metas.find((x) => x.Tags.ai.length > 0);
    const rejected = m.Tags.ai[0];
    // PAI's form: Tags is a JSON-encoded string; the answer says whether every item was updated
    const upd = await server.api('PUT', `/api/v1/datasets/${datasetId}/datasetfilemetas`, {
      DatasetFileMetas: [{ DatasetFileMetaId: m.DatasetFileMetaId, Tags: JSON.stringify({ user: { add: ['checked', 'favourite'] }, 'user-delete-ai-tags': { add: [rejected] } }) }],
    });
    expect(upd.status, JSON.stringify(upd.body)).toBe(200);
    expect(upd.body).toMatchObject({ Status: true, FailedDetails: [] });
    const got = await server.api('GET', `/api/v1/datasets/${datasetId}/datasetfilemetas/${m.DatasetFileMetaId}`);
    const wireTags = got.body.DatasetFileMeta.Tags;
    const tags = typeof wireTags === 'string' ? JSON.parse(wireTags) : wireTags;
    expect(tags.user).toEqual(['checked', 'favourite']);
    expect(tags.all).toEqual(expect.arrayContaining(['checked', 'favourite']));
    expect(tags.all).not.toContain(rejected);
  });

  it('saves the index config and refreshes: one vector per photo, coverage complete, a mismatched model refused', async () => {
    const saved = await server.api('PUT', `/api/v1/datasets/${datasetId}/indexconfig`, {
      EmbeddingConnectionId: gmeConn,
      VectorConnectionId: vectorConn,
      IndexName: 'coco_gme',
      RefreshNow: true,
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    const job = await waitForJob(server, datasetId, saved.body.DatasetJobId, 180_000);
    expect(job).toMatchObject({ Status: 'Succeeded', TotalFileCount: 102, CompletedFileCount: 102 });
    const metas = await listAllFileMetas(server, datasetId);
    expect(metas.every((m) => m.SemanticIndexJobId === job.DatasetJobId && m.SemanticIndexUpdateTime)).toBe(true);
    const cov = await server.api('GET', `/api/v1/datasets/${datasetId}/coverage`);
    expect(cov.body.Vectors).toMatchObject({ Total: 102, UpToDate: 102, IndexName: 'coco_gme', EmbedderId: 'gme:gme-qwen2-vl-2b' });

    const classic = (await server.api('POST', '/api/v1/connections', { ConnectionName: 'classic', ConnectionType: 'ClassicEmbeddingConnection' })).body.ConnectionId;
    const mismatch = await server.api('POST', `/api/v1/datasets/${datasetId}/datasetjobs`, {
      DatasetVersion: 'v1',
      JobAction: 'SemanticIndex',
      JobSpec: { embeddingConnectionId: classic },
    });
    expect(mismatch.status).toBe(409);
    expect(mismatch.body.Message).toMatch(/gme:gme-qwen2-vl-2b.*classic:v1/);
  });

  it('with 20% 429s, 5% 5xx and 5% garbage the jobs complete; transient errors succeed in the end, garbage fails with reasons', async () => {
    chat.setKnobs({ latencyMs: 5, rate429: 0.2, retryAfter: 0, rate5xx: 0.05, rateGarbage: 0.05, seed: 7 });
    const tagged = await startJob({ JobAction: 'IntelligentTag', JobSpec: { connectionId: chatConn, tagDefinitionId: tagDef, concurrency: 4 } });
    expect(tagged.CompletedFileCount + tagged.FailedFileCount).toBe(102);
    expect(tagged.FailedFileCount).toBeGreaterThan(0);
    expect(tagged.FailedFileCount).toBeLessThan(20);
    expect(tagged.Status).toBe('PartialFailed');
    const full = await server.api('GET', `/api/v1/datasets/${datasetId}/datasetjobs/${tagged.DatasetJobId}?MaxFailedFiles=200`);
    expect(full.body.FailedFiles.every((f: any) => /non-JSON|off-shape/.test(f.Reason))).toBe(true);

    gme.setKnobs({ latencyMs: 5, rate429: 0.2, retryAfter: 0, rate5xx: 0.05, ratePartial: 0.1, seed: 3 });
    gme.resetStats();
    const indexed = await startJob({ JobAction: 'SemanticIndex', JobSpec: { concurrency: 2 } });
    expect(indexed.CompletedFileCount + indexed.FailedFileCount).toBe(102);
    expect(gme.stats.maxInFlight).toBeLessThanOrEqual(2);
    // every file has exactly one vector, whichever job made it
    await server.stop();
    const store = new LocalVectorStore({ dir: path.join(dataDir, 'vectors') });
    expect((await store.getIndex('coco_gme'))?.count).toBe(102);
    await store.close();
    server = await startServer(dataDir, { LOUPE_FILE_ROOTS: fixturesDir!, LOUPE_MODEL_RETRY_BASE_MS: '5', LOUPE_LOG_LEVEL: 'info' });
  });

  it('stop works mid-run: the job ends ManuallyStop and the model hears nothing more', async () => {
    chat.setKnobs({ latencyMs: 100, rate429: 0, rate5xx: 0, rateGarbage: 0 });
    const r = await server.api('POST', `/api/v1/datasets/${datasetId}/datasetjobs`, {
      DatasetVersion: 'v1',
      JobAction: 'IntelligentTag',
      JobSpec: { connectionId: chatConn, tagDefinitionId: tagDef, concurrency: 2 },
    });
    const jobId = r.body.DatasetJobId;
    for (;;) {
      const j = (await server.api('GET', `/api/v1/datasets/${datasetId}/datasetjobs/${jobId}?MaxLogs=0`)).body;
      if (j.CompletedFileCount >= 4) break;
      await new Promise((res) => setTimeout(res, 20));
    }
    expect((await server.api('PUT', `/api/v1/datasets/${datasetId}/datasetjobs/${jobId}/action/stop`)).status).toBe(200);
    await new Promise((res) => setTimeout(res, 500)); // calls already in flight may finish
    const requestsAfterStop = chat.stats.requests;
    const stoppedAt = (await server.api('GET', `/api/v1/datasets/${datasetId}/datasetjobs/${jobId}?MaxLogs=0`)).body;
    await new Promise((res) => setTimeout(res, 1000));
    const later = (await server.api('GET', `/api/v1/datasets/${datasetId}/datasetjobs/${jobId}?MaxLogs=0`)).body;
    expect(later).toMatchObject({ Status: 'ManuallyStop', CompletedFileCount: stoppedAt.CompletedFileCount });
    expect(later.CompletedFileCount).toBeLessThan(102);
    expect(chat.stats.requests).toBe(requestsAfterStop);
  });

  it('no log line and no API answer carried a secret', () => {
    expect(server.output()).not.toContain(SECRET);
  });
});
