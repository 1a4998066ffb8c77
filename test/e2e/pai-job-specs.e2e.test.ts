// PAI's JobSpecs end to end on the real server, against loopback servers that speak OpenAI-compatible
// chat and GME: IntelligentTag with {intelligentTagConnectionId, modelId, promptId} (a Prompt is a tag
// definition), SemanticIndex with the spec PAI documents (modelId, modelVersion, contentList,
// embeddingConnectionId, embeddingModel "default", databaseConnectionId, databaseTableName,
// vectorIndexConfig as a JSON string, concurrency), IntelligentTagRevert of the tag job (and an
// Increment tagging again what it removed), a job config's defaults, and the job operations PAI has
// around them (ListDatasetJobs by page number, UpdateDatasetJob, DeleteDatasetJob) — all JobSpecs sent
// as JSON strings, as PAI's SDKs send them, in a workspace.
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES_SKIP_MESSAGE, fixturesDir, fixturesMissing } from '../support/fixtures.js';
import { startChatServer, type LoopbackChat } from '../support/loopback-dashscope-chat.js';
import { startGmeServer, type LoopbackGme } from '../support/loopback-gme.js';
import { listAllFileMetas, startServer, waitForJob, type RunningServer } from '../support/server.js';

const SECRET = 'sk-pai-specs-must-not-leak-5d1e';
const PHOTOS = 12;
const WS = '4711';

/** A file meta's tags whether the wire sends them as PAI's JSON string or as an object. */
const tagsOf = (m: { Tags: unknown }): { ai: string[] } => (typeof m.Tags === 'string' ? JSON.parse(m.Tags) : m.Tags) as { ai: string[] };

describe.skipIf(fixturesMissing)(`PAI's JobSpecs end to end (${fixturesMissing ? FIXTURES_SKIP_MESSAGE : 'fixtures found'})`, () => {
  let root: string;
  let server: RunningServer;
  let chat: LoopbackChat;
  let gme: LoopbackGme;
  let ds: string;
  let tagConn: string;
  let embedConn: string;
  let vectorConn: string;
  let promptId: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'loupe-e2e-pai-specs-'));
    const photos = path.join(root, 'photos');
    await mkdir(photos);
    const source = path.join(fixturesDir!, 'coco', 'images');
    for (const f of (await readdir(source)).filter((n) => n.endsWith('.jpg')).sort().slice(0, PHOTOS)) await copyFile(path.join(source, f), path.join(photos, f));
    chat = await startChatServer({ apiKey: SECRET, models: ['qwen-vl-max'], latencyMs: 5 });
    gme = await startGmeServer({ token: SECRET });
    server = await startServer(path.join(root, 'data'), { LOUPE_FILE_ROOTS: root, LOUPE_MODEL_RETRY_BASE_MS: '5' });
    const created = await server.api('POST', '/api/v1/datasets', { Name: 'pai specs', Uri: pathToFileURL(photos).href, WorkspaceId: WS });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    ds = created.body.DatasetId;
    const conn = async (body: object) => {
      const r = await server.api('POST', '/api/v1/connections', { WorkspaceId: WS, ...body });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body.ConnectionId as string;
    };
    tagConn = await conn({ ConnectionName: 'qwen', ConnectionType: 'OpenLLMConnection', Configs: { base_url: chat.url }, Secrets: { api_key: SECRET } });
    embedConn = await conn({ ConnectionName: 'gme', ConnectionType: 'EasEmbeddingConnection', Configs: { Endpoint: gme.url }, Secrets: { Token: SECRET } });
    vectorConn = await conn({ ConnectionName: 'vectors', ConnectionType: 'LocalVectorConnection' });
    const def = await server.api('POST', '/api/v1/tagdefinitions', {
      Name: 'everyday',
      GuidePrompt: 'You label everyday photos.',
      Tags: [
        { Name: 'person', Description: 'a person is visible' },
        { Name: 'scene', Description: 'where it is', Values: ['indoor', 'outdoor'] },
      ],
    });
    expect(def.status, JSON.stringify(def.body)).toBe(200);
    promptId = def.body.TagDefinitionId;
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await chat?.close();
    await gme?.close();
    await rm(root, { recursive: true, force: true });
  });

  /** CreateDatasetJob as PAI's SDK sends it (JobSpec a JSON string, WorkspaceId, no DatasetVersion: the latest), then waits for the end. */
  const run = async (JobAction: string, spec: object, extra: object = {}) => {
    const r = await server.api('POST', `/api/v1/datasets/${ds}/datasetjobs`, { JobAction, JobSpec: JSON.stringify(spec), WorkspaceId: WS, ...extra });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return waitForJob(server, ds, r.body.DatasetJobId, 120_000);
  };
  const metas = () => listAllFileMetas(server, ds);

  it('FileMetaBuild, then IntelligentTag with PAI\'s spec tags every photo with the prompt\'s tags', async () => {
    expect(await run('FileMetaBuild', {})).toMatchObject({ Status: 'Succeeded', CompletedFileCount: PHOTOS, DatasetVersion: 'v1', WorkspaceId: WS });
    const tagged = await run('IntelligentTag', { intelligentTagConnectionId: tagConn, modelId: 'qwen-vl-max', promptId });
    expect(tagged).toMatchObject({ Status: 'Succeeded', TotalFileCount: PHOTOS, CompletedFileCount: PHOTOS, FailedFileCount: 0 });
    expect(JSON.parse((await server.api('GET', `/api/v1/datasets/${ds}/datasetjobs/${tagged.DatasetJobId}`)).body.JobSpec)).toMatchObject({
      intelligentTagConnectionId: tagConn,
      modelId: 'qwen-vl-max',
      promptId,
      tagDefinitionVersion: 1,
    });
    const allowed = new Set(['person', 'scene:indoor', 'scene:outdoor']);
    const all = await metas();
    expect(all.every((m) => tagsOf(m).ai.every((t) => allowed.has(t)))).toBe(true);
    expect(all.some((m) => tagsOf(m).ai.length > 0)).toBe(true);
    expect(chat.stats.requests).toBeGreaterThanOrEqual(PHOTOS);
  });

  it("SemanticIndex with the spec PAI documents embeds every photo into the named table", async () => {
    const job = await run('SemanticIndex', {
      modelId: 'xxx',
      modelVersion: '1.0.0',
      contentList: ['file'],
      embeddingConnectionId: embedConn,
      embeddingModel: 'default',
      databaseConnectionId: vectorConn,
      databaseTableName: 'table_xxx',
      vectorIndexConfig: '{"shards":1,"similarity":"cosine","indexType":"hnsw","indexOptions":{"m":16,"efConstruction":200}}',
      concurrency: 2,
    });
    expect(job).toMatchObject({ Status: 'Succeeded', TotalFileCount: PHOTOS, CompletedFileCount: PHOTOS, FailedFileCount: 0 });
    expect(JSON.parse(job.JobSpec)).toMatchObject({ databaseTableName: 'table_xxx', embedderId: 'gme:gme-qwen2-vl-2b', contentList: ['file'] });
    expect((await metas()).every((m) => m.SemanticIndexJobId === job.DatasetJobId)).toBe(true);
  });

  it('IntelligentTagRevert removes the tag job\'s AI tags; an Increment tags them again; a job config gives the spec its keys', async () => {
    const jobs = (await server.api('GET', `/api/v1/datasets/${ds}/datasetjobs?JobAction=IntelligentTag&WorkspaceId=${WS}`)).body.DatasetJobs;
    expect(jobs).toHaveLength(1);
    const tagJobId = jobs[0].DatasetJobId;
    const before = (await metas()).filter((m) => tagsOf(m).ai.length > 0).length;
    const revert = await run('IntelligentTagRevert', { intelligentTagJobId: tagJobId });
    expect(revert).toMatchObject({ Status: 'Succeeded', TotalFileCount: PHOTOS, CompletedFileCount: PHOTOS, SkippedFileCount: 0, FailedFileCount: 0 });
    expect(revert.Message).toMatch(new RegExp(`removed the AI tags job ${tagJobId} wrote on ${PHOTOS} of the ${PHOTOS} files`));
    expect((await metas()).every((m) => tagsOf(m).ai.length === 0)).toBe(true);
    expect(before).toBeGreaterThan(0);

    // the spec's keys from the dataset's MultimodalIntelligentTag config
    const cfg = await server.api('POST', `/api/v1/datasets/${ds}/datasetjobconfigs`, {
      ConfigType: 'MultimodalIntelligentTag',
      Config: JSON.stringify({ intelligentTagConnectionId: tagConn, promptId, modelId: 'qwen-vl-max' }),
      WorkspaceId: WS,
    });
    expect(cfg.status, JSON.stringify(cfg.body)).toBe(200);
    const again = await run('IntelligentTag', {}, { JobMode: 'Increment' });
    expect(again).toMatchObject({ Status: 'Succeeded', TotalFileCount: PHOTOS, CompletedFileCount: PHOTOS });
    expect((await metas()).filter((m) => tagsOf(m).ai.length > 0).length).toBeGreaterThan(0);
    // reverting the first job now changes nothing: every file was tagged again since
    const stale = await run('IntelligentTagRevert', { intelligentTagJobId: tagJobId });
    expect(stale).toMatchObject({ Status: 'Succeeded', CompletedFileCount: 0, SkippedFileCount: PHOTOS });
    expect(stale.Message).toMatch(/12 files kept theirs: tagged again since/);
  });

  it('ListDatasetJobs by page number and sort, UpdateDatasetJob, DeleteDatasetJob', async () => {
    const page = async (qs: string) => (await server.api('GET', `/api/v1/datasets/${ds}/datasetjobs?WorkspaceId=${WS}&${qs}`)).body;
    const first = await page('PageNumber=1&PageSize=2&SortBy=CreateTime&Order=ASC&WithLogs=true');
    expect(first.TotalCount).toBe(6);
    expect(first.DatasetJobs.map((j: any) => j.JobAction)).toEqual(['FileMetaBuild', 'IntelligentTag']);
    for (const j of first.DatasetJobs) expect(j.Logs.every((l: unknown) => typeof l === 'string')).toBe(true);
    expect((await page('PageNumber=3&PageSize=2&SortBy=CreateTime&Order=ASC')).DatasetJobs.map((j: any) => j.JobAction)).toEqual([
      'IntelligentTag',
      'IntelligentTagRevert',
    ]);
    const reverts = (await page('JobAction=IntelligentTagRevert&SortBy=FinishTime&Order=DESC')).DatasetJobs;
    expect(reverts).toHaveLength(2);
    const last = reverts[0].DatasetJobId;
    expect((await server.api('PUT', `/api/v1/datasets/${ds}/datasetjobs/${last}`, { Description: 'nothing to revert', WorkspaceId: WS })).status).toBe(200);
    expect((await server.api('GET', `/api/v1/datasets/${ds}/datasetjobs/${last}`)).body.Description).toBe('nothing to revert');
    expect((await server.api('DELETE', `/api/v1/datasets/${ds}/datasetjobs/${last}`)).status).toBe(200);
    expect((await page('')).TotalCount).toBe(5);
    // no secret anywhere in what the jobs show
    expect(JSON.stringify(await page('WithLogs=true&PageSize=100'))).not.toContain(SECRET);
  });
});
