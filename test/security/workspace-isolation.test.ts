// What a job names — connections, prompts, a logical dataset to export into, a dataset to import from,
// an index config's connections — must be its dataset's workspace's (a dataset to read may be shared
// to it; a connection or prompt may also be one made in no workspace: shared configuration): one of
// another workspace is "not found", never used, and its kind or edition is not told (a review found
// jobs in W1 using W2's sealed keys).
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../functions/api/index.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { buildContainer, type Container } from '../../lib/runtime/container.js';
import { jsonLogger } from '../../lib/runtime/logger.js';
import { inProcessApi, type ApiCall } from '../support/in-process-api.js';

const KEY = 'workspace-isolation-key-0123456789';

describe('jobs use only what their workspace may see', () => {
  let dir: string;
  let container: Container;
  let call: ApiCall;
  const ids: Record<string, string> = {};

  const ok = async (method: string, route: string, body?: unknown) => {
    const r = await call(method, route, body);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body;
  };
  const job = (ds: string, ws: string, JobAction: string, JobSpec: object) =>
    call('POST', `/api/v1/datasets/${ds}/datasetjobs`, { DatasetVersion: 'v1', WorkspaceId: ws, JobAction, JobSpec });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-ws-isolation-'));
    for (const f of ['one', 'two', 'free']) await mkdir(path.join(dir, f), { recursive: true });
    container = buildContainer(loadConfig({ LOUPE_DATA_DIR: path.join(dir, 'data'), LOUPE_FILE_ROOTS: dir, LOUPE_API_KEYS: KEY }), { log: jsonLogger('silent') });
    call = inProcessApi(createApi(container, [KEY]), KEY);
    const uri = (f: string) => `${pathToFileURL(path.join(dir, f)).href}/`;
    ids.ds1 = (await ok('POST', '/api/v1/datasets', { Name: 'one', Uri: uri('one'), WorkspaceId: 'W1' })).DatasetId;
    ids.ds2 = (await ok('POST', '/api/v1/datasets', { Name: 'two', Uri: uri('two'), WorkspaceId: 'W2' })).DatasetId;
    ids.free = (await ok('POST', '/api/v1/datasets', { Name: 'free', Uri: uri('free') })).DatasetId;
    ids.logical2 = (await ok('POST', '/api/v1/datasets', { Name: 'refs', Edition: 'LOGICAL', WorkspaceId: 'W2' })).DatasetId;
    const conn = async (ws: string, body: object) => (await ok('POST', '/api/v1/connections', { WorkspaceId: ws, ...body })).ConnectionId as string;
    for (const ws of ['W1', 'W2']) {
      ids[`llm${ws}`] = await conn(ws, { ConnectionName: `llm-${ws}`, ConnectionType: 'OpenLLMConnection', Configs: { base_url: 'http://127.0.0.1:9/v1' }, Secrets: { api_key: `key-of-${ws}` } });
      ids[`classic${ws}`] = await conn(ws, { ConnectionName: `classic-${ws}`, ConnectionType: 'ClassicEmbeddingConnection' });
      ids[`local${ws}`] = await conn(ws, { ConnectionName: `local-${ws}`, ConnectionType: 'LocalVectorConnection' });
      const content = JSON.stringify({ GuidePrompt: 'Label it.', Tags: [{ Name: 'car', Description: 'a car' }] });
      ids[`prompt${ws}`] = (await ok('POST', '/api/v1/prompts', { PromptName: `p-${ws}`, FrameworkContent: content, WorkspaceId: ws })).PromptId;
    }
  });
  afterAll(async () => {
    await container?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("IntelligentTag in W1 cannot use W2's connection (and its sealed key) or W2's prompt", async () => {
    const refused = async (spec: object, field: string) => {
      const r = await job(ids.ds1!, 'W1', 'IntelligentTag', spec);
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.Field).toBe(field);
      expect(r.body.Message).toMatch(/not found/);
    };
    await refused({ intelligentTagConnectionId: ids.llmW2, modelId: 'm', promptId: ids.promptW1 }, 'JobSpec.intelligentTagConnectionId');
    await refused({ intelligentTagConnectionId: ids.llmW1, modelId: 'm', promptId: ids.promptW2 }, 'JobSpec.promptId');
    expect((await job(ids.ds1!, 'W1', 'IntelligentTag', { intelligentTagConnectionId: ids.llmW1, modelId: 'm', promptId: ids.promptW1 })).status).toBe(200);
  });

  it("SemanticIndex and PUT …/indexconfig in W1 cannot name W2's connections, nor learn what kind they are", async () => {
    const spec = { contentList: ['file'], embeddingConnectionId: ids.classicW2, databaseConnectionId: ids.localW1, databaseTableName: 't' };
    const r = await job(ids.ds1!, 'W1', 'SemanticIndex', spec);
    expect([r.status, r.body.Field]).toEqual([400, 'JobSpec.embeddingConnectionId']);
    expect(r.body.Message).not.toMatch(/Classic|embedding connection,/);
    // the LLM of W2 as a vector store: "not found", not "is an OpenLLMConnection, not a vector connection"
    const kind = await job(ids.ds1!, 'W1', 'SemanticIndex', { ...spec, embeddingConnectionId: ids.classicW1, databaseConnectionId: ids.llmW2 });
    expect([kind.status, kind.body.Field]).toEqual([400, 'JobSpec.databaseConnectionId']);
    expect(kind.body.Message).not.toMatch(/OpenLLM/);
    const put = await call('PUT', `/api/v1/datasets/${ids.ds1}/indexconfig`, { EmbeddingConnectionId: ids.classicW2, VectorConnectionId: ids.localW2, IndexName: 'x' });
    expect(put.status).toBe(400);
    // a dataset in no workspace is not filtered: it may use any
    expect((await job(ids.free!, '', 'SemanticIndex', { ...spec, databaseConnectionId: ids.localW2 })).status).toBe(200);
    // … and a connection made in no workspace (shared configuration) serves every workspace's jobs
    const shared = (await ok('POST', '/api/v1/connections', { ConnectionName: 'shared-classic', ConnectionType: 'ClassicEmbeddingConnection' })).ConnectionId;
    expect((await job(ids.ds1!, 'W1', 'SemanticIndex', { ...spec, embeddingConnectionId: shared, databaseTableName: 'shared_t' })).status).toBe(200);
  });

  it("FileMetaExport in W1 cannot write into W2's logical dataset, nor tell what it is", async () => {
    const r = await job(ids.ds1!, 'W1', 'FileMetaExport', { target: 'logical', logicalDatasetId: ids.logical2 });
    expect([r.status, r.body.Field]).toEqual([400, 'JobSpec.logicalDatasetId']);
    expect(r.body.Message).toMatch(/not found/);
    const basic = await job(ids.ds1!, 'W1', 'FileMetaExport', { target: 'logical', logicalDatasetId: ids.ds2 });
    expect(basic.body.Message).not.toMatch(/BASIC|ADVANCED/);
  });

  it("FileMetaImport in W1 cannot read W2's dataset unless W2 shares it, whatever srcWorkspaceId says", async () => {
    for (const srcWorkspaceId of [undefined, 'W2', 'W1']) {
      const r = await job(ids.ds1!, 'W1', 'FileMetaImport', { srcDatasetId: ids.ds2, ...(srcWorkspaceId ? { srcWorkspaceId } : {}) });
      expect([r.status, r.body.Field], JSON.stringify(r.body)).toEqual([404, 'JobSpec.srcDatasetId']);
    }
    await ok('PUT', `/api/v1/datasets/${ids.ds2}?WorkspaceId=W2`, { SharingConfig: { SharedTo: [{ WorkspaceId: 'W1' }] } });
    expect((await job(ids.ds1!, 'W1', 'FileMetaImport', { srcDatasetId: ids.ds2, srcWorkspaceId: 'W2' })).status).toBe(200);
    // srcWorkspaceId, when given, is the source's own workspace
    expect((await job(ids.ds1!, 'W1', 'FileMetaImport', { srcDatasetId: ids.ds2, srcWorkspaceId: 'W1' })).status).toBe(404);
  });
});
