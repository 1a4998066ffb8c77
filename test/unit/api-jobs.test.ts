// Dataset jobs and job configs as PAI has them, in-process (no workers: jobs stay Pending unless a test
// runs a step by hand): PAI's times and Logs strings, WorkspaceId, the default DatasetVersion, paging by
// PageNumber/PageSize, SortBy/Order, every Status value, WithLogs, UpdateDatasetJob, DeleteDatasetJob,
// StopDatasetJob's body, PAI's JobSpec keys with Loupe's aliases, vectorIndexConfig, the five
// DatasetJobConfig operations and what their Config gives a JobSpec, and IntelligentTagRevert.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../functions/api/index.js';
import { fileMetaId } from '../../lib/domain/ids.js';
import type { DatasetJob, JobAction, JobStatus } from '../../lib/domain/job.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { buildContainer, type Container } from '../../lib/runtime/container.js';
import { jsonLogger } from '../../lib/runtime/logger.js';
import { inProcessApi, type ApiCall } from '../support/in-process-api.js';

const KEY = 'test-key-jobs-0123456789';
const LOG_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (INFO|WARN|ERROR) /;

describe('dataset jobs and job configs as PAI has them', () => {
  let dir: string;
  let container: Container;
  let call: ApiCall;
  let filesUri: string;
  let classic: string;
  let local: string;
  let llm: string;
  let milvus: string;
  let prompt: string;

  const newDataset = async (name: string, extra: object = {}) => {
    const r = await call('POST', '/api/v1/datasets', { Name: name, Uri: filesUri, ...extra });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.DatasetId as string;
  };
  const createJob = async (ds: string, body: object) => {
    const r = await call('POST', `/api/v1/datasets/${ds}/datasetjobs`, { DatasetVersion: 'v1', ...body });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.DatasetJobId as string;
  };
  const getJob = async (ds: string, id: string, qs = '') => (await call('GET', `/api/v1/datasets/${ds}/datasetjobs/${id}${qs}`)).body;
  /** Creates the job, reads back its JobSpec, then stops it (no workers here: it would block the next one). */
  const specOf = async (ds: string, body: object): Promise<Record<string, unknown>> => {
    const id = await createJob(ds, body);
    const job = await getJob(ds, id);
    expect((await call('PUT', `/api/v1/datasets/${ds}/datasetjobs/${id}/action/stop`)).status).toBe(200);
    return JSON.parse(job.JobSpec);
  };
  const refused = async (ds: string, body: object, field: string, message?: RegExp) => {
    const r = await call('POST', `/api/v1/datasets/${ds}/datasetjobs`, { DatasetVersion: 'v1', ...body });
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(r.body.Field).toBe(field);
    if (message) expect(r.body.Message).toMatch(message);
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-api-jobs-'));
    await mkdir(path.join(dir, 'files'), { recursive: true });
    await writeFile(path.join(dir, 'files', 'a.jpg'), 'not really a jpeg');
    filesUri = pathToFileURL(path.join(dir, 'files')).href;
    const config = loadConfig({ LOUPE_DATA_DIR: path.join(dir, 'data'), LOUPE_FILE_ROOTS: dir, LOUPE_API_KEYS: KEY });
    container = buildContainer(config, { log: jsonLogger('error', () => undefined) });
    call = inProcessApi(createApi(container, [KEY]), KEY);
    const conn = async (body: object) => {
      const r = await call('POST', '/api/v1/connections', body);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body.ConnectionId as string;
    };
    classic = await conn({ ConnectionName: 'classic', ConnectionType: 'ClassicEmbeddingConnection' });
    local = await conn({ ConnectionName: 'local', ConnectionType: 'LocalVectorConnection' });
    llm = await conn({ ConnectionName: 'llm', ConnectionType: 'OpenLLMConnection', Configs: { base_url: 'http://127.0.0.1:9/v1' } });
    milvus = await conn({ ConnectionName: 'milvus', ConnectionType: 'MilvusConnection', Configs: { uri: 'http://127.0.0.1:19530' } });
    const def = await call('POST', '/api/v1/tagdefinitions', { Name: 'p', GuidePrompt: 'Label it.', Tags: [{ Name: 'car', Description: 'a car' }] });
    expect(def.status, JSON.stringify(def.body)).toBe(200);
    prompt = def.body.TagDefinitionId;
  });
  afterAll(async () => {
    await container?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("CreateDatasetJob: DatasetVersion defaults to the latest version; the job lives in its dataset's workspace; PAI's times and Logs strings", async () => {
    const ds = await newDataset('ws', { WorkspaceId: 'ws1' });
    expect((await call('POST', `/api/v1/datasets/${ds}/versions`, { Description: 'second' })).status).toBe(200);
    const other = await call('POST', `/api/v1/datasets/${ds}/datasetjobs`, { JobAction: 'FileMetaBuild', WorkspaceId: 'ws2' });
    expect(other.status).toBe(404);
    const r = await call('POST', `/api/v1/datasets/${ds}/datasetjobs`, { JobAction: 'FileMetaBuild', WorkspaceId: 'ws1' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const job = await getJob(ds, r.body.DatasetJobId);
    expect(job).toMatchObject({ DatasetVersion: 'v2', WorkspaceId: 'ws1', Status: 'Pending', StartTime: null, FinishTime: null });
    expect(Date.parse(job.CreateTime)).not.toBeNaN();
    expect(Object.keys(job).filter((k) => k.startsWith('Gmt'))).toEqual([]);
    expect(job.Logs.length).toBeGreaterThan(0);
    for (const line of job.Logs) expect(line).toMatch(LOG_LINE);
    expect(job.Logs[0]).toMatch(/ INFO created: FileMetaBuild Full on .*\/v2 /);
    // reads name the workspace too: another one does not see the dataset's jobs
    expect((await call('GET', `/api/v1/datasets/${ds}/datasetjobs/${r.body.DatasetJobId}?WorkspaceId=ws2`)).status).toBe(404);
    expect((await call('GET', `/api/v1/datasets/${ds}/datasetjobs?WorkspaceId=ws2`)).status).toBe(404);
    expect((await call('GET', `/api/v1/datasets/${ds}/datasetjobs?WorkspaceId=ws1`)).body.TotalCount).toBe(1);
    // DatasetVersion on GetDatasetJob: a job of another version is not found
    expect((await call('GET', `/api/v1/datasets/${ds}/datasetjobs/${r.body.DatasetJobId}?DatasetVersion=v1`)).status).toBe(404);
    expect((await call('GET', `/api/v1/datasets/${ds}/datasetjobs/${r.body.DatasetJobId}?DatasetVersion=v2&WorkspaceId=ws1`)).status).toBe(200);
  });

  it('ListDatasetJobs: PageNumber/PageSize, SortBy/Order, every PAI Status, WithLogs, and MaxResults/NextToken beside them', async () => {
    const ds = await newDataset('list');
    const statuses: JobStatus[] = ['Succeeded', 'Failed', 'PartialFailed', 'ManuallyStop'];
    const actions: JobAction[] = ['FileMetaBuild', 'IntelligentTag', 'SemanticIndex'];
    const jobs: DatasetJob[] = [];
    for (let i = 0; i < 12; i++) {
      const t = (s: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, s)).toISOString();
      const job: DatasetJob = {
        datasetJobId: `job-list-${String(i).padStart(2, '0')}`,
        datasetId: ds,
        workspaceId: '',
        versionName: 'v1',
        jobAction: actions[i % 3]!,
        jobMode: 'Full',
        jobSpec: {},
        description: `#${i}`,
        status: statuses[i % 4]!,
        totalFileCount: 0,
        completedFileCount: 0,
        failedFileCount: 0,
        skippedFileCount: 0,
        fanoutCursor: null,
        fanoutDone: true,
        listedFileCount: 0,
        deletedFileCount: 0,
        message: null,
        createTime: t(i),
        startTime: t(i),
        finishTime: t(100 - i * 2), // the reverse of creation
        updateTime: t(100),
      };
      await container.store.createJob(job);
      await container.store.appendJobLogs(job.datasetJobId, [{ time: t(i), level: 'INFO', message: `line of #${i}` }]);
      jobs.push(job);
    }
    const list = async (qs: string) => {
      const r = await call('GET', `/api/v1/datasets/${ds}/datasetjobs?${qs}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body as { DatasetJobs: any[]; TotalCount: number; NextToken?: string };
    };
    const ids = (p: { DatasetJobs: any[] }) => p.DatasetJobs.map((j) => j.Description);

    // default: CreateTime DESC, 10 a page
    const first = await list('');
    expect(first.TotalCount).toBe(12);
    expect(ids(first)).toEqual(['#11', '#10', '#9', '#8', '#7', '#6', '#5', '#4', '#3', '#2']);
    expect(first.DatasetJobs[0].Logs).toBeUndefined();
    // page numbers
    const p2 = await list('PageNumber=2&PageSize=5');
    expect(ids(p2)).toEqual(['#6', '#5', '#4', '#3', '#2']);
    expect(p2.NextToken).toBeUndefined();
    expect(ids(await list('PageNumber=3&PageSize=5'))).toEqual(['#1', '#0']);
    expect(ids(await list('PageNumber=4&PageSize=5'))).toEqual([]);
    // sorts
    expect(ids(await list('SortBy=CreateTime&Order=ASC&PageSize=3'))).toEqual(['#0', '#1', '#2']);
    expect(ids(await list('SortBy=FinishTime&Order=ASC&PageSize=3'))).toEqual(['#11', '#10', '#9']);
    const byStatus = (await list('SortBy=Status&Order=asc&PageSize=12')).DatasetJobs.map((j) => j.Status);
    expect(byStatus).toEqual([...byStatus].sort());
    const byAction = (await list('SortBy=JobAction&PageSize=12')).DatasetJobs.map((j) => j.JobAction);
    expect(byAction).toEqual([...byAction].sort().reverse());
    // every PAI status is a filter; those no Loupe job has match none
    expect((await list('Status=PartialFailed')).TotalCount).toBe(3);
    for (const s of ['Starting', 'Deleting', 'Deleted', 'Running', 'Pending']) expect((await list(`Status=${s}`)).TotalCount).toBe(0);
    expect((await list('JobAction=IntelligentTagRevert')).TotalCount).toBe(0);
    expect(ids(await list('JobAction=SemanticIndex&Status=ManuallyStop'))).toEqual(['#11']); // i % 3 = 2 and i % 4 = 3
    // WithLogs: each job's last lines, as strings (PAI's Python SDK sends True)
    const withLogs = await list('WithLogs=True&PageSize=2');
    expect(withLogs.DatasetJobs.map((j) => j.Logs)).toEqual([[expect.stringMatching(/ INFO line of #11$/)], [expect.stringMatching(/ INFO line of #10$/)]]);
    expect((await list('WithLogs=false&PageSize=1')).DatasetJobs[0].Logs).toBeUndefined();
    // MaxResults/NextToken walk the same order to the end
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const p = await list(`SortBy=Status&MaxResults=5${token ? `&NextToken=${encodeURIComponent(token)}` : ''}`);
      seen.push(...ids(p));
      token = p.NextToken;
    } while (token);
    expect(seen).toHaveLength(12);
    expect(new Set(seen).size).toBe(12);
    // what is refused, naming the field
    const bad = async (qs: string, field: string) => {
      const r = await call('GET', `/api/v1/datasets/${ds}/datasetjobs?${qs}`);
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.Field).toBe(field);
    };
    await bad('SortBy=Name', 'SortBy');
    await bad('Order=UP', 'Order');
    await bad('Status=Exploded', 'Status');
    await bad('WithLogs=maybe', 'WithLogs');
    await bad('PageSize=101', 'PageSize');
    await bad('PageNumber=0', 'PageNumber');
    await bad('PageNumber=101&PageSize=100', 'PageNumber');
    await bad(`PageNumber=2&NextToken=${encodeURIComponent(first.NextToken!)}`, 'NextToken');
    await bad('PageSize=5&MaxResults=5', 'MaxResults');
  });

  it('UpdateDatasetJob sets the Description; DeleteDatasetJob deletes an ended job (409 while it runs); StopDatasetJob takes PAI’s body', async () => {
    const ds = await newDataset('lifecycle', { WorkspaceId: 'w9' });
    const id = await createJob(ds, { JobAction: 'FileMetaBuild', Description: 'before' });
    expect((await call('PUT', `/api/v1/datasets/${ds}/datasetjobs/${id}`, { Description: 'after', DatasetVersion: 'v1', WorkspaceId: 'w9' })).status).toBe(200);
    expect((await getJob(ds, id)).Description).toBe('after');
    expect((await call('PUT', `/api/v1/datasets/${ds}/datasetjobs/${id}`, { Description: 'x', WorkspaceId: 'other' })).status).toBe(404);
    expect((await call('PUT', `/api/v1/datasets/${ds}/datasetjobs/${id}`, { Description: 'x', DatasetVersion: 'v7' })).status).toBe(404);

    const running = await call('DELETE', `/api/v1/datasets/${ds}/datasetjobs/${id}`);
    expect(running.status).toBe(409);
    expect(running.body.Message).toMatch(/Pending: stop it first/);
    expect((await call('PUT', `/api/v1/datasets/${ds}/datasetjobs/${id}/action/stop`, { DatasetVersion: 'v2', WorkspaceId: 'w9' })).status).toBe(404);
    expect((await call('PUT', `/api/v1/datasets/${ds}/datasetjobs/${id}/action/stop`, { DatasetVersion: 'v1', WorkspaceId: 'w9' })).status).toBe(200);
    expect((await getJob(ds, id)).Status).toBe('ManuallyStop');
    expect((await call('DELETE', `/api/v1/datasets/${ds}/datasetjobs/${id}?WorkspaceId=other`)).status).toBe(404);
    expect((await call('DELETE', `/api/v1/datasets/${ds}/datasetjobs/${id}`)).status).toBe(200);
    expect((await call('GET', `/api/v1/datasets/${ds}/datasetjobs/${id}`)).status).toBe(404);
    expect(await container.store.listJobLogs(id, 10)).toEqual([]);
    expect((await call('DELETE', `/api/v1/datasets/${ds}/datasetjobs/${id}`)).status).toBe(404);
    // a job of another dataset is not found through this one
    const elsewhere = await newDataset('elsewhere');
    const theirs = await createJob(elsewhere, { JobAction: 'FileMetaBuild' });
    expect((await call('DELETE', `/api/v1/datasets/${ds}/datasetjobs/${theirs}`)).status).toBe(404);
  });

  it("SemanticIndex: PAI's documented JobSpec (a JSON string) is taken and echoed under PAI's keys; Loupe's old keys are aliases", async () => {
    const ds = await newDataset('semantic');
    const documented = JSON.stringify({
      modelId: 'xxx',
      modelVersion: '1.0.0',
      contentList: ['file'],
      embeddingConnectionId: classic,
      embeddingModel: 'default',
      databaseConnectionId: local,
      databaseTableName: 'table_xxx',
      vectorIndexConfig: '{"shards":1,"similarity":"cosine","indexType":"hnsw","indexOptions":{"m":16,"efConstruction":200}}',
      concurrency: 2,
    });
    expect(await specOf(ds, { JobAction: 'SemanticIndex', JobSpec: documented })).toEqual({
      modelId: 'xxx',
      modelVersion: '1.0.0',
      contentList: ['file'],
      embeddingConnectionId: classic,
      embeddingModel: 'default',
      databaseConnectionId: local,
      databaseTableName: 'table_xxx',
      vectorIndexConfig: '{"shards":1,"similarity":"cosine","indexType":"hnsw","indexOptions":{"m":16,"efConstruction":200}}',
      concurrency: 2,
      embedderId: 'classic:v1',
      imageLongSide: 1024,
      batchSize: 128,
    });
    // Loupe's earlier keys, and vectorIndexConfig as an object
    const aliased = await specOf(ds, {
      JobAction: 'SemanticIndex',
      JobSpec: { embeddingConnectionId: classic, vectorConnectionId: local, indexName: 'older_keys', vectorIndexConfig: { similarity: 'cosine' } },
    });
    expect(aliased).toMatchObject({ databaseConnectionId: local, databaseTableName: 'older_keys', contentList: ['file'], vectorIndexConfig: '{"similarity":"cosine"}' });
    expect(aliased).not.toHaveProperty('vectorConnectionId');
    expect(aliased).not.toHaveProperty('indexName');

    const spec = (o: object) => ({ JobAction: 'SemanticIndex', JobSpec: { embeddingConnectionId: classic, databaseConnectionId: local, databaseTableName: 't', ...o } });
    await refused(ds, spec({ indexName: 'u' }), 'JobSpec.indexName', /'indexName' and 'databaseTableName' both give databaseTableName/);
    await refused(ds, spec({ contentList: ['file', 'text'] }), 'JobSpec.contentList', /'text' cannot be indexed.*\["file"\]/);
    await refused(ds, spec({ vectorIndexConfig: '{"similarity":"l2"}' }), 'JobSpec.vectorIndexConfig.similarity', /cosine similarity only/);
    await refused(ds, spec({ vectorIndexConfig: { shards: 4 } }), 'JobSpec.vectorIndexConfig.shards', /one shard/);
    await refused(ds, spec({ vectorIndexConfig: { indexType: 'ivf_pq' } }), 'JobSpec.vectorIndexConfig.indexType', /hnsw, flat/);
    await refused(ds, spec({ vectorIndexConfig: { colour: 'red' } }), 'JobSpec.vectorIndexConfig');
    await refused(ds, spec({ vectorIndexConfig: '{"shards":' }), 'JobSpec.vectorIndexConfig', /not valid JSON/);
    await refused(ds, spec({ databaseConnectionId: classic }), 'JobSpec.databaseConnectionId', /not a vector connection/);
    // a vector store of a later release is stored, and refused where a job would use it, naming the JobSpec key
    await refused(ds, spec({ databaseConnectionId: milvus }), 'JobSpec.databaseConnectionId', /MilvusConnection: this vector store is not available yet/);
    // The dataset's first SemanticIndex job named its index: a dataset without an index config adopts it,
    // so a PAI client searches what it indexed, and later specs that leave keys out get them from it.
    expect((await call('GET', `/api/v1/datasets/${ds}/indexconfig`)).body).toMatchObject({ EmbeddingConnectionId: classic, VectorConnectionId: local, IndexName: 'table_xxx' });
    expect(await specOf(ds, { JobAction: 'SemanticIndex', JobSpec: { contentList: ['file'] } })).toMatchObject({ databaseTableName: 'table_xxx' });
    await refused(
      await newDataset('semantic-bare'),
      { JobAction: 'SemanticIndex', JobSpec: { modelId: 'pai-official', contentList: ['file'] } },
      'JobSpec.embeddingConnectionId',
      /modelId 'pai-official' names a PAI official model, which Loupe does not host/,
    );
  });

  it("IntelligentTag: PAI's JobSpec {intelligentTagConnectionId, modelId, promptId} (a Prompt is a tag definition); the old keys are aliases", async () => {
    const ds = await newDataset('tagging');
    const pai = await specOf(ds, { JobAction: 'IntelligentTag', JobSpec: JSON.stringify({ intelligentTagConnectionId: llm, modelId: 'qwen-vl-plus', promptId: prompt }) });
    expect(pai).toEqual({
      intelligentTagConnectionId: llm,
      modelId: 'qwen-vl-plus',
      promptId: prompt,
      tagDefinitionVersion: 1,
      concurrency: 5,
      imageLongSide: 1024,
      batchSize: 20,
    });
    const old = await specOf(ds, { JobAction: 'IntelligentTag', JobSpec: { connectionId: llm, tagDefinitionId: prompt, modelName: 'm2' } });
    expect(old).toMatchObject({ intelligentTagConnectionId: llm, promptId: prompt, modelId: 'm2' });
    expect(Object.keys(old)).not.toEqual(expect.arrayContaining(['connectionId']));
    // PAI's own table spells modelId "modeId"
    expect(await specOf(ds, { JobAction: 'IntelligentTag', JobSpec: { intelligentTagConnectionId: llm, promptId: prompt, modeId: 'm3' } })).toMatchObject({ modelId: 'm3' });

    await refused(ds, { JobAction: 'IntelligentTag', JobSpec: { intelligentTagConnectionId: llm } }, 'JobSpec.promptId', /required/);
    await refused(ds, { JobAction: 'IntelligentTag', JobSpec: { promptId: prompt } }, 'JobSpec.intelligentTagConnectionId', /required/);
    await refused(ds, { JobAction: 'IntelligentTag', JobSpec: { intelligentTagConnectionId: llm, promptId: 'pmt-nope' } }, 'JobSpec.promptId', /not found/);
    await refused(ds, { JobAction: 'IntelligentTag', JobSpec: { intelligentTagConnectionId: llm, connectionId: llm, promptId: prompt } }, 'JobSpec.connectionId');
    await refused(ds, { JobAction: 'IntelligentTag', JobSpec: { intelligentTagConnectionId: classic, promptId: prompt } }, 'JobSpec.intelligentTagConnectionId', /not a tagging/);
  });

  it('the five DatasetJobConfig operations; a config gives the JobSpecs of its kind their defaults (the version’s own config first)', async () => {
    const ds = await newDataset('configs', { WorkspaceId: 'wc' });
    expect((await call('POST', `/api/v1/datasets/${ds}/versions`, {})).status).toBe(200);
    const create = (body: object) => call('POST', `/api/v1/datasets/${ds}/datasetjobconfigs`, body);
    const semantic = await create({
      ConfigType: 'MultimodalSemanticIndex',
      Config: JSON.stringify({ defaultModelId: 'm-default', defaultModelVersion: '1.0.0', embeddingConnectionId: classic, databaseConnectionId: local, databaseTableName: 'from_config' }),
      WorkspaceId: 'wc',
    });
    expect(semantic.status, JSON.stringify(semantic.body)).toBe(200);
    expect(semantic.body.DatasetJobConfigId).toMatch(/^dscfg-/);
    const id = semantic.body.DatasetJobConfigId;
    // one per type and version
    const twice = await create({ ConfigType: 'MultimodalSemanticIndex', Config: '{}' });
    expect(twice.status).toBe(409);
    expect(twice.body.Message).toMatch(/every version/);

    const got = await call('GET', `/api/v1/datasets/${ds}/datasetjobconfigs/${id}?WorkspaceId=wc`);
    expect(got.body).toMatchObject({ DatasetJobConfigId: id, DatasetId: ds, WorkspaceId: 'wc', DatasetVersion: '', ConfigType: 'MultimodalSemanticIndex' });
    expect(JSON.parse(got.body.Config)).toMatchObject({ defaultModelId: 'm-default', databaseTableName: 'from_config' });
    expect(got.body.CreateTime).toBe(got.body.ModifyTime);
    expect((await call('GET', `/api/v1/datasets/${ds}/datasetjobconfigs/${id}?WorkspaceId=elsewhere`)).status).toBe(404);

    // a SemanticIndex JobSpec that leaves keys out gets them from the config
    expect(await specOf(ds, { JobAction: 'SemanticIndex', JobSpec: '{}' })).toMatchObject({
      modelId: 'm-default',
      modelVersion: '1.0.0',
      embeddingConnectionId: classic,
      databaseConnectionId: local,
      databaseTableName: 'from_config',
    });
    expect(await specOf(ds, { JobAction: 'SemanticIndex', JobSpec: { databaseTableName: 'mine' } })).toMatchObject({ databaseTableName: 'mine', modelId: 'm-default' });
    // a config for v2 wins on v2
    const v2 = await create({ ConfigType: 'MultimodalSemanticIndex', DatasetVersion: 'v2', Config: { databaseTableName: 'v2_table', embeddingConnectionId: classic, databaseConnectionId: local } });
    expect(v2.status, JSON.stringify(v2.body)).toBe(200);
    expect(await specOf(ds, { JobAction: 'SemanticIndex', DatasetVersion: 'v2' })).toMatchObject({ databaseTableName: 'v2_table' });
    expect((await create({ ConfigType: 'MultimodalSemanticIndex', DatasetVersion: 'v9', Config: {} })).status).toBe(404);

    // MultimodalIntelligentTag: the IntelligentTag JobSpec's keys
    const tag = await create({ ConfigType: 'MultimodalIntelligentTag', Config: { intelligentTagConnectionId: llm, promptId: prompt, modelId: 'from-config' } });
    expect(tag.status, JSON.stringify(tag.body)).toBe(200);
    expect(await specOf(ds, { JobAction: 'IntelligentTag' })).toMatchObject({ intelligentTagConnectionId: llm, promptId: prompt, modelId: 'from-config' });

    // list (PAI's path ends with a slash): newest first, page numbers, filters
    const list = async (qs = '') => {
      const r = await call('GET', `/api/v1/datasets/${ds}/datasetjobconfigs/?${qs}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body;
    };
    expect((await list()).TotalCount).toBe(3);
    expect((await list()).DatasetJobConfigs.map((c: any) => c.ConfigType)).toEqual(['MultimodalIntelligentTag', 'MultimodalSemanticIndex', 'MultimodalSemanticIndex']);
    expect((await list('PageNumber=2&PageSize=2')).DatasetJobConfigs).toHaveLength(1);
    expect((await list('ConfigType=MultimodalSemanticIndex')).TotalCount).toBe(2);
    expect((await list('DatasetVersion=v2')).DatasetJobConfigs.map((c: any) => c.DatasetJobConfigId)).toEqual([v2.body.DatasetJobConfigId]);
    expect((await call('GET', `/api/v1/datasets/${ds}/datasetjobconfigs/?WorkspaceId=elsewhere`)).status).toBe(404);
    // the path without PAI's slash lists the same; Loupe's token paging is refused here, never ignored
    expect((await call('GET', `/api/v1/datasets/${ds}/datasetjobconfigs?PageSize=2`)).body.DatasetJobConfigs).toHaveLength(2);
    for (const qs of ['MaxResults=1', 'NextToken=abc']) {
      const r = await call('GET', `/api/v1/datasets/${ds}/datasetjobconfigs/?${qs}`);
      expect(r.status).toBe(400);
      expect(r.body.Field).toBe(qs.split('=')[0]);
    }

    // update: the Config is replaced (and checked); ModifyTime moves
    await new Promise((r) => setTimeout(r, 5));
    expect((await call('PUT', `/api/v1/datasets/${ds}/datasetjobconfigs/${id}`, { Config: '{"defaultModelId":"m2"}', WorkspaceId: 'wc' })).status).toBe(200);
    const updated = (await call('GET', `/api/v1/datasets/${ds}/datasetjobconfigs/${id}`)).body;
    expect(JSON.parse(updated.Config)).toEqual({ defaultModelId: 'm2' });
    expect(updated.ModifyTime > updated.CreateTime).toBe(true);
    const wrongType = await call('PUT', `/api/v1/datasets/${ds}/datasetjobconfigs/${id}`, { ConfigType: 'MultimodalIntelligentTag' });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.Field).toBe('Config.defaultModelId');

    // what a Config may not hold
    const bad = async (body: object, field: string, message?: RegExp) => {
      const r = await create(body);
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.Field).toBe(field);
      if (message) expect(r.body.Message).toMatch(message);
    };
    await bad({ ConfigType: 'MultimodalSemanticIndex', DatasetVersion: 'v1', Config: '{"apiKey":"sk-xxxxxxxx"}' }, 'Config.apiKey', /only a MultimodalIntelligentTag/);
    await bad({ ConfigType: 'MultimodalIntelligentTag', DatasetVersion: 'v2', Config: '{"apiKey":"******"}' }, 'Config.apiKey', /the key itself/);
    await bad({ ConfigType: 'MultimodalIntelligentTag', DatasetVersion: 'v2', Config: '{"apiKeyConnectionId":"conn-x"}' }, 'Config.apiKeyConnectionId');
    await bad({ ConfigType: 'MultimodalSemanticIndex', DatasetVersion: 'v1', Config: '{"vectorIndexConfig":{"similarity":"ip"}}' }, 'Config.vectorIndexConfig.similarity');
    await bad({ ConfigType: 'MultimodalSemanticIndex', DatasetVersion: 'v1', Config: '[1]' }, 'Config');
    await bad({ ConfigType: 'MultimodalSemanticIndex', DatasetVersion: 'v1', Config: '{nope' }, 'Config', /not valid JSON/);
    await bad({ ConfigType: 'Sometimes', Config: '{}' }, 'ConfigType');

    // delete
    expect((await call('DELETE', `/api/v1/datasets/${ds}/datasetjobconfigs/${id}?WorkspaceId=elsewhere`)).status).toBe(404);
    expect((await call('DELETE', `/api/v1/datasets/${ds}/datasetjobconfigs/${id}`)).status).toBe(200);
    expect((await call('GET', `/api/v1/datasets/${ds}/datasetjobconfigs/${id}`)).status).toBe(404);
    expect((await list()).TotalCount).toBe(2);
  });

  it("PAI's MultimodalIntelligentTag {apiKey}: the key is kept by a connection of the config's own, never shown, and tags the dataset's jobs", async () => {
    const KEY1 = 'sk-config-key-must-not-echo-1';
    const KEY2 = 'sk-config-key-must-not-echo-2';
    const ds = await newDataset('api key', { WorkspaceId: 'wk' });
    const seen: string[] = [];
    const api: ApiCall = async (method, route, body) => {
      const r = await call(method, route, body);
      seen.push(JSON.stringify(r.body));
      return r;
    };
    const created = await api('POST', `/api/v1/datasets/${ds}/datasetjobconfigs`, { ConfigType: 'MultimodalIntelligentTag', Config: JSON.stringify({ apiKey: KEY1 }), WorkspaceId: 'wk' });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const id = created.body.DatasetJobConfigId;
    const config = async () => JSON.parse((await api('GET', `/api/v1/datasets/${ds}/datasetjobconfigs/${id}`)).body.Config);
    const first = await config();
    expect(first).toEqual({ apiKey: '******', apiKeyConnectionId: expect.stringMatching(/^conn-/) });
    const keeper = first.apiKeyConnectionId;
    const conn = await api('GET', `/api/v1/connections/${keeper}`);
    expect(conn.status).toBe(200);
    expect(conn.body).toMatchObject({ ConnectionType: 'DashScopeConnection', WorkspaceId: 'wk' });
    const store = await container.store.getConnection(keeper);
    expect(store!.sealedSecrets).not.toContain(KEY1);

    // an IntelligentTag job that names no connection tags through it
    expect(await specOf(ds, { JobAction: 'IntelligentTag', JobSpec: { promptId: prompt } })).toMatchObject({ intelligentTagConnectionId: keeper, promptId: prompt });
    // read back and sent again (masked key, the connection's id): nothing changes
    expect((await api('PUT', `/api/v1/datasets/${ds}/datasetjobconfigs/${id}`, { Config: JSON.stringify({ ...first, modelId: 'qwen-vl-plus' }) })).status).toBe(200);
    expect(await config()).toEqual({ apiKey: '******', apiKeyConnectionId: keeper, modelId: 'qwen-vl-plus' });
    // a new key re-keys the same connection
    expect((await api('PUT', `/api/v1/datasets/${ds}/datasetjobconfigs/${id}`, { Config: { apiKey: KEY2 } })).status).toBe(200);
    expect((await config()).apiKeyConnectionId).toBe(keeper);
    const opened = await container.services.connections.resolve(keeper);
    expect(opened.secrets).toEqual({ api_key: KEY2 });
    // no key: the connection goes
    expect((await api('PUT', `/api/v1/datasets/${ds}/datasetjobconfigs/${id}`, { Config: { modelId: 'm' } })).status).toBe(200);
    expect(await config()).toEqual({ modelId: 'm' });
    expect((await api('GET', `/api/v1/connections/${keeper}`)).status).toBe(404);
    // a key again, then the config deleted: its connection with it
    expect((await api('PUT', `/api/v1/datasets/${ds}/datasetjobconfigs/${id}`, { Config: { apiKey: KEY1 } })).status).toBe(200);
    const second = (await config()).apiKeyConnectionId;
    expect(second).toMatch(/^conn-/);
    expect((await api('DELETE', `/api/v1/datasets/${ds}/datasetjobconfigs/${id}`)).status).toBe(200);
    expect((await api('GET', `/api/v1/connections/${second}`)).status).toBe(404);
    // and a deleted dataset takes its configs' connections along
    const again = await api('POST', `/api/v1/datasets/${ds}/datasetjobconfigs`, { ConfigType: 'MultimodalIntelligentTag', Config: { apiKey: KEY2 } });
    const third = JSON.parse((await api('GET', `/api/v1/datasets/${ds}/datasetjobconfigs/${again.body.DatasetJobConfigId}`)).body.Config).apiKeyConnectionId;
    expect((await api('DELETE', `/api/v1/datasets/${ds}`)).status).toBe(200);
    expect((await api('GET', `/api/v1/connections/${third}`)).status).toBe(404);
    for (const body of seen) {
      expect(body).not.toContain(KEY1);
      expect(body).not.toContain(KEY2);
    }
  });

  it('IntelligentTagRevert removes the AI tags its tag job wrote, keeps those tagged again since, and says so', async () => {
    const ds = await newDataset('revert');
    const uris = ['a', 'b', 'c', 'd'].map((n) => `${filesUri}/${n}.jpg`);
    const ids = uris.map((u) => fileMetaId(ds, 'v1', u));
    const now = new Date().toISOString();
    await container.store.upsertListedFiles(
      uris.map((uri, i) => ({
        datasetFileMetaId: ids[i]!,
        datasetId: ds,
        versionName: 'v1',
        uri,
        fileName: path.basename(uri),
        fileDir: '',
        dataSize: 1,
        fileFingerPrint: `e${i}`,
        fileCreateTime: null,
        fileUpdateTime: now,
        fileType: 'image',
        fileFormat: 'jpeg',
        reset: true,
      })),
      'j-list',
      now,
    );
    /** An ended IntelligentTag job that tagged `which` files. */
    const tagJob = async (id: string, which: number[], tags: string[]) => {
      await container.store.createJob({
        datasetJobId: id, datasetId: ds, workspaceId: '', versionName: 'v1', jobAction: 'IntelligentTag', jobMode: 'Full',
        jobSpec: { intelligentTagConnectionId: llm, promptId: prompt, modelId: 'm' }, description: '', status: 'Running',
        totalFileCount: 0, completedFileCount: 0, failedFileCount: 0, skippedFileCount: 0, fanoutCursor: null, fanoutDone: true,
        listedFileCount: 0, deletedFileCount: 0, message: null, createTime: now, startTime: now, finishTime: null, updateTime: now,
      });
      await container.store.addJobItems(id, which.map((i) => ids[i]!));
      await container.store.recordOutcomes(id, which.map((i) => ({ metaId: ids[i]!, ok: true as const })));
      await container.store.applyTagResults(
        which.map((i) => ({ datasetFileMetaId: ids[i]!, fileFingerPrint: `e${i}`, ai: tags, tagDefinitionId: prompt, tagDefinitionVersion: 1, model: 'm', jobId: id })),
        new Date().toISOString(),
      );
      await container.store.finishJobIfComplete(id, () => 'Succeeded', new Date().toISOString());
    };
    await tagJob('job-tag-a', [0, 1, 2, 3], ['car']);
    await tagJob('job-tag-b', [3], ['bus']); // d.jpg tagged again since

    const refusedRevert = async (spec: object, field: string) => refused(ds, { JobAction: 'IntelligentTagRevert', JobSpec: spec }, field);
    await refusedRevert({ intelligentTagJobId: 'job-nope' }, 'JobSpec.intelligentTagJobId');
    await refusedRevert({}, 'JobSpec.intelligentTagJobId');
    const build = await createJob(ds, { JobAction: 'FileMetaBuild' });
    await refusedRevert({ intelligentTagJobId: build }, 'JobSpec.intelligentTagJobId');

    // DatasetVersion left out: the tag job's version
    const r = await call('POST', `/api/v1/datasets/${ds}/datasetjobs`, { JobAction: 'IntelligentTagRevert', JobSpec: '{"intelligentTagJobId":"job-tag-a"}' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const second = await call('POST', `/api/v1/datasets/${ds}/datasetjobs`, { JobAction: 'IntelligentTagRevert', JobSpec: { intelligentTagJobId: 'job-tag-b' } });
    expect(second.status).toBe(409); // one tag change at a time on a version
    expect(await container.services.tagRevert.run({ jobId: r.body.DatasetJobId })).toBe('done');
    const job = await getJob(ds, r.body.DatasetJobId);
    expect(job).toMatchObject({ Status: 'Succeeded', DatasetVersion: 'v1', TotalFileCount: 4, CompletedFileCount: 3, SkippedFileCount: 1, FailedFileCount: 0 });
    expect(job.Message).toMatch(/on 3 of the 4 files it tagged; 1 files kept theirs: tagged again since/);
    expect(job.Logs.at(-1)).toMatch(/ INFO finished Succeeded: /);
    const metas = await container.store.getFileMetas(ids);
    const aiOf = (i: number) => metas.find((m) => m.datasetFileMetaId === ids[i])!.tags.ai;
    expect([0, 1, 2, 3].map(aiOf)).toEqual([[], [], [], ['bus']]);
    // what Increment compares is cleared with the tags: the reverted files are tagged again by the next Increment
    expect(metas.filter((m) => m.tags.ai.length === 0).every((m) => m.tagDefinitionId === null && m.tagFingerPrint === null)).toBe(true);

    // reverting b then empties d.jpg too
    const rb = await createJob(ds, { JobAction: 'IntelligentTagRevert', JobSpec: { intelligentTagJobId: 'job-tag-b' } });
    await container.services.tagRevert.run({ jobId: rb });
    expect(await getJob(ds, rb)).toMatchObject({ Status: 'Succeeded', CompletedFileCount: 1, SkippedFileCount: 0 });
    expect((await container.store.getFileMeta(ids[3]!))!.tags.ai).toEqual([]);
  });
});
