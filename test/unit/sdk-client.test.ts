// The SDK against a real local Loupe (API over HTTP on loopback, fan-out and prober consumers in
// process): CRUD round trips, NextToken iterators, error mapping, and waitForJob on a FileMetaBuild.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetItem, loadManifest, LoupeApiError, LoupeClient, paginate, RateMeter, type JobProgress } from '../../lib/sdk/index.js';
import { startLocalLoupe, writePngs, type LocalLoupe } from '../support/local-loupe.js';

const NAMES = Array.from({ length: 23 }, (_, i) => `${i % 2 ? 'cars' : 'roads'}/img_${String(i).padStart(2, '0')}.png`);

describe('LoupeClient against a local Loupe', () => {
  let loupe: LocalLoupe;
  let client: LoupeClient;
  let filesUri: string;
  let ds: string;

  beforeAll(async () => {
    loupe = await startLocalLoupe('loupe-sdk-');
    const files = path.join(loupe.root, 'files');
    await writePngs(files, NAMES);
    await writeFile(path.join(files, 'roads', 'broken.png'), Buffer.from('\x89PNG\r\n\x1a\nnot really a png'));
    filesUri = pathToFileURL(files).href;
    client = new LoupeClient({ url: loupe.url, apiKey: loupe.apiKey });
  });
  afterAll(async () => {
    await loupe?.stop();
  });

  it('creates, reads, updates and deletes datasets and versions', async () => {
    const { DatasetId } = await client.createDataset({ Name: 'round trip', Uri: filesUri, Description: 'first' });
    const got = await client.getDataset(DatasetId);
    expect(got).toMatchObject({ DatasetId, Name: 'round trip', Description: 'first', Edition: 'BASIC', Uri: `${filesUri}/`, LatestVersion: { VersionName: 'v1' } });
    expect(got.RequestId).toEqual(expect.any(String));

    await client.updateDataset(DatasetId, { Description: 'second' });
    expect((await client.getDataset(DatasetId)).Description).toBe('second');

    const { VersionName } = await client.createDatasetVersion(DatasetId, { Description: 'v2 here' });
    expect(VersionName).toBe('v2');
    await client.updateDatasetVersion(DatasetId, 'v2', { Description: 'edited' });
    expect(await client.getDatasetVersion(DatasetId, 'v2')).toMatchObject({ VersionName: 'v2', Description: 'edited' });
    expect((await client.listDatasetVersions(DatasetId)).DatasetVersions.map((v) => v.VersionName)).toEqual(['v1', 'v2']);
    await client.deleteDatasetVersion(DatasetId, 'v2');
    expect((await client.listDatasetVersions(DatasetId)).TotalCount).toBe(1);

    await client.deleteDataset(DatasetId);
    await expect(client.getDataset(DatasetId)).rejects.toMatchObject({ status: 404, code: 'ResourceNotFound' });
  });

  it("PAI's dataset fields, labels, PublishDataset, workspaces and page-number paging of versions", async () => {
    const { DatasetId } = await client.createDataset({ Name: 'pai', Uri: filesUri, WorkspaceId: 'ws-sdk', Labels: [{ Key: 'team', Value: 'cv' }], Options: '{"mountPath":"/mnt/x/"}' });
    const ws = { WorkspaceId: 'ws-sdk' };
    expect(await client.getDataset(DatasetId, ws)).toMatchObject({ WorkspaceId: 'ws-sdk', Labels: [{ Key: 'team', Value: 'cv' }], Options: '{"mountPath":"/mnt/x/"}', Accessibility: 'PRIVATE' });
    await expect(client.getDataset(DatasetId, { WorkspaceId: 'elsewhere' })).rejects.toMatchObject({ status: 404 });
    await client.createDatasetLabels(DatasetId, [{ Key: 'stage', Value: 'raw' }], ws);
    await client.deleteDatasetLabels(DatasetId, ['team'], ws);
    await client.publishDataset(DatasetId, ws);
    expect(await client.getDataset(DatasetId)).toMatchObject({ Labels: [{ Key: 'stage', Value: 'raw' }], Accessibility: 'PUBLIC' });
    for (let i = 0; i < 3; i++) await client.createDatasetVersion(DatasetId, {}, ws);
    await client.createDatasetVersionLabels(DatasetId, 'v2', [{ Key: 'split', Value: 'test' }, { Key: 'x', Value: '1' }]);
    await client.deleteDatasetVersionLabels(DatasetId, 'v2', ['x']);
    expect((await client.getDatasetVersion(DatasetId, 'v2')).Labels).toEqual([{ Key: 'split', Value: 'test' }]);
    expect(await client.listDatasetVersions(DatasetId, { PageNumber: 2, PageSize: 3, Order: 'ASC' })).toMatchObject({ TotalCount: 4, PageNumber: 2, PageSize: 3, DatasetVersions: [{ VersionName: 'v4' }] });
    const all: string[] = [];
    for await (const v of client.iterateDatasetVersions(DatasetId, { LabelKeys: 'split' })) all.push(v.VersionName);
    expect(all).toEqual(['v2']);
    const page = await client.listDatasets({ WorkspaceId: 'ws-sdk', PageNumber: 1, PageSize: 5 });
    expect(page.Datasets.map((d) => d.DatasetId)).toEqual([DatasetId]);
    expect(page.Datasets[0]!.LatestVersion?.VersionName).toBe('v4');
  });

  it('round-trips connections, tag definitions, the index config and the reindex setting; reads coverage', async () => {
    const emb = await client.createConnection({ ConnectionName: 'classic', ConnectionType: 'ClassicEmbeddingConnection' });
    const vec = await client.createConnection({ ConnectionName: 'local', ConnectionType: 'LocalVectorConnection' });
    expect(await client.getConnection(emb.ConnectionId)).toMatchObject({ ConnectionName: 'classic', ConnectionType: 'ClassicEmbeddingConnection', Secrets: {} });
    await client.updateConnection(emb.ConnectionId, { ConnectionName: 'classic offline' });
    expect((await client.getConnection(emb.ConnectionId)).ConnectionName).toBe('classic offline');
    expect((await client.validateConnection(emb.ConnectionId)).Status).toBe('success');
    expect(await client.validateConnection({ ConnectionType: 'CustomConnection', Configs: { anything: 'x' } })).toMatchObject({ Status: 'failed', Code: 'NotCheckable' });
    const local = [];
    for await (const c of client.iterateConnections({ ConnectionType: 'LocalVectorConnection' })) local.push(c.ConnectionId);
    expect(local).toEqual([vec.ConnectionId]);
    const both = [];
    for await (const c of client.iterateConnections({ ConnectionTypes: ['LocalVectorConnection', 'ClassicEmbeddingConnection'], Order: 'ASC', MaxResults: 1 })) both.push(c.ConnectionId);
    expect(both).toEqual([emb.ConnectionId, vec.ConnectionId]);

    // Prompts: PAI's names for tag definitions, FrameworkContent handed over as an object
    const prompt = await client.createPrompt({ PromptName: 'cars', FrameworkType: 'tagging', FrameworkContent: { GuidePrompt: 'Label cars.', Tags: [{ Name: 'car', Values: ['red', 'blue'] }] } });
    expect(await client.getPrompt(prompt.PromptId)).toMatchObject({
      PromptId: prompt.PromptId,
      PromptName: 'cars',
      FrameworkType: 'tagging',
      FrameworkContent: { GuidePrompt: 'Label cars.', Tags: [{ Name: 'car', Description: '', Values: ['red', 'blue'] }] },
    });
    await client.updatePrompt(prompt.PromptId, { FrameworkContent: JSON.stringify({ GuidePrompt: 'Label vehicles.', Tags: [{ Name: 'vehicle' }] }) });
    expect((await client.getTagDefinition(prompt.PromptId)).Version).toBe(2);
    const prompts = await client.listPrompts({ FrameworkType: 'tagging' });
    expect([prompts.TotalCount, prompts.Prompts[0]!.FrameworkContent.Tags[0]!.Name]).toEqual([1, 'vehicle']);
    await client.deletePrompt(prompt.PromptId);
    await expect(client.getPrompt(prompt.PromptId)).rejects.toMatchObject({ status: 404 });

    const def = await client.createTagDefinition({ Name: 'roads', Tags: [{ Name: 'weather', Values: ['sunny', 'rainy'] }] });
    expect(def.Version).toBe(1);
    expect((await client.updateTagDefinition(def.TagDefinitionId, { GuidePrompt: 'as a driver', Version: 1 })).Version).toBe(2);
    expect(await client.getTagDefinition(def.TagDefinitionId)).toMatchObject({ GuidePrompt: 'as a driver', Version: 2, Tags: [{ Name: 'weather', Values: ['sunny', 'rainy'] }] });
    expect((await client.listTagDefinitions()).TagDefinitions.map((t) => t.TagDefinitionId)).toContain(def.TagDefinitionId);

    const { DatasetId } = await client.createDataset({ Name: 'indexed', Uri: filesUri });
    const put = await client.putIndexConfig(DatasetId, { EmbeddingConnectionId: emb.ConnectionId, VectorConnectionId: vec.ConnectionId, IndexName: 'sdk_idx' });
    expect(put.DatasetJobId).toBeUndefined();
    expect(await client.getIndexConfig(DatasetId)).toMatchObject({ IndexName: 'sdk_idx', EmbeddingConnectionId: emb.ConnectionId, ModelName: null });
    const coverage = await client.getCoverage(DatasetId, { TagDefinitionId: def.TagDefinitionId });
    expect(coverage.Tags).toMatchObject({ TagDefinitionId: def.TagDefinitionId, TagDefinitionVersion: 2, Total: 0 });

    const reindex = await client.putReindexConfig(DatasetId, { JobMode: 'Increment', Actions: [{ JobAction: 'FileMetaBuild' }, { JobAction: 'SemanticIndex' }] });
    expect(reindex).toMatchObject({ DatasetId, JobMode: 'Increment', DatasetVersion: null, LastRunTime: null });
    expect((await client.getReindexConfig(DatasetId)).Actions.map((a) => a.JobAction)).toEqual(['FileMetaBuild', 'SemanticIndex']);
    await client.deleteReindexConfig(DatasetId);
    await expect(client.getReindexConfig(DatasetId)).rejects.toMatchObject({ status: 404 });

    await client.deleteTagDefinition(def.TagDefinitionId);
    await client.deleteDataset(DatasetId);
    await client.deleteConnection(emb.ConnectionId);
    await client.deleteConnection(vec.ConnectionId);
    await expect(client.getConnection(vec.ConnectionId)).rejects.toBeInstanceOf(LoupeApiError);
  });

  it('maps API errors to LoupeApiError: status, Code, Message, RequestId, Field', async () => {
    const notFound = await client.getDataset('d-nope').catch((e) => e);
    expect(notFound).toBeInstanceOf(LoupeApiError);
    expect(notFound).toMatchObject({ status: 404, Code: 'ResourceNotFound', RequestId: expect.any(String) });
    expect(notFound.Message).toContain('d-nope');

    const invalid = await client.createDataset({ Name: 'x', Uri: 'ftp://host/x/' }).catch((e) => e);
    expect(invalid).toMatchObject({ status: 400, code: 'InvalidParameter', field: 'Uri' });

    const def = await client.createTagDefinition({ Name: 'stale', Tags: [{ Name: 'a' }] });
    await client.updateTagDefinition(def.TagDefinitionId, { GuidePrompt: 'one', Version: 1 });
    await expect(client.updateTagDefinition(def.TagDefinitionId, { GuidePrompt: 'two', Version: 1 })).rejects.toMatchObject({ status: 409, code: 'Conflict' });

    const wrongKey = new LoupeClient({ url: loupe.url, apiKey: 'wrong' });
    await expect(wrongKey.listDatasets()).rejects.toMatchObject({ status: 401, code: 'Unauthorized' });

    const nobody = new LoupeClient({ url: 'http://127.0.0.1:1', apiKey: 'k' });
    await expect(nobody.listDatasets()).rejects.toMatchObject({ status: 0, code: 'ConnectionFailed' });
  });

  it('follows NextToken over several pages', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await client.createDataset({ Name: `paged ${i}`, Uri: filesUri })).DatasetId);
    const seen: string[] = [];
    for await (const d of client.iterateDatasets({ Name: 'paged', MaxResults: 2 })) seen.push(d.DatasetId);
    expect(seen).toHaveLength(5);
    expect(new Set(seen)).toEqual(new Set(ids));
    // limit stops early; a raw paginate() over any listing behaves the same
    let pages = 0;
    const firstThree = [];
    for await (const d of paginate((NextToken) => (pages++, client.listDatasets({ Name: 'paged', MaxResults: 2, NextToken })), (p) => p.Datasets, { limit: 3 })) {
      firstThree.push(d.DatasetId);
    }
    expect(firstThree).toEqual(seen.slice(0, 3));
    expect(pages).toBe(2);
    for (const id of ids) await client.deleteDataset(id);
  });

  it('waitForJob follows a real FileMetaBuild to its end, reporting counts, rate and ETA', async () => {
    ds = (await client.createDataset({ Name: 'built', Uri: filesUri })).DatasetId;
    const { DatasetJobId } = await client.createDatasetJob(ds, { DatasetVersion: 'v1', JobAction: 'FileMetaBuild', JobSpec: { batchSize: 5 } });
    const progress: JobProgress[] = [];
    const job = await client.waitForJob(ds, DatasetJobId, { intervalMs: 20, onProgress: (p) => progress.push(p) });

    expect(job).toMatchObject({ DatasetJobId, Status: 'PartialFailed', TotalFileCount: NAMES.length + 1, CompletedFileCount: NAMES.length, FailedFileCount: 1 });
    expect(job.FailedFiles).toEqual([{ DatasetFileMetaId: expect.any(String), Uri: `${filesUri}/roads/broken.png`, Reason: expect.any(String) }]);
    expect(job.Logs?.length).toBeGreaterThan(0);
    // the wire's '<time> <LEVEL> <message>' lines, handed over parsed
    expect(job.Logs![0]).toEqual({ Time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), Level: 'INFO', Message: expect.stringMatching(/^created: FileMetaBuild Full on /) });
    // logged as the job was created: the same moment, give or take the clock's next millisecond
    expect(Math.abs(Date.parse(job.Logs![0]!.Time) - Date.parse(job.CreateTime))).toBeLessThan(1000);
    expect(job.Logs!.at(-1)).toMatchObject({ Level: 'WARN', Message: expect.stringMatching(/^finished PartialFailed/) });
    expect(job).toMatchObject({ CreateTime: expect.any(String), StartTime: expect.any(String), FinishTime: expect.any(String), WorkspaceId: '' });

    expect(progress.length).toBeGreaterThan(0);
    const last = progress.at(-1)!;
    expect(last).toMatchObject({ status: 'PartialFailed', total: NAMES.length + 1, done: NAMES.length + 1, failed: 1, fraction: 1, etaSeconds: 0 });
    for (const [i, p] of progress.entries()) {
      expect(p.done).toBe(p.completed + p.failed);
      if (i > 0) expect(p.elapsedMs).toBeGreaterThanOrEqual(progress[i - 1]!.elapsedMs);
      if (p.rate !== undefined) expect(p.rate).toBeGreaterThanOrEqual(0);
    }
    if (progress.length > 1) expect(last.rate).toBeDefined();
  });

  it('lists jobs by page number with logs, updates and deletes a job, and round-trips job configs (Config parsed)', async () => {
    const listed = await client.listDatasetJobs(ds, { PageNumber: 1, PageSize: 1, WithLogs: true, SortBy: 'CreateTime', Order: 'ASC' });
    expect(listed.TotalCount).toBe(1);
    const [job] = listed.DatasetJobs;
    expect(job!.Logs!.length).toBeGreaterThan(0);
    expect(job!.Logs![0]).toMatchObject({ Level: 'INFO', Time: expect.any(String), Message: expect.any(String) });
    await client.updateDatasetJob(ds, job!.DatasetJobId, { Description: 'the first build' });
    expect((await client.getDatasetJob(ds, job!.DatasetJobId)).Description).toBe('the first build');
    await expect(client.stopDatasetJob(ds, job!.DatasetJobId, { DatasetVersion: 'v1' })).rejects.toMatchObject({ status: 409 });

    const { DatasetJobConfigId } = await client.createDatasetJobConfig(ds, { ConfigType: 'MultimodalSemanticIndex', Config: { defaultModelId: 'm', databaseTableName: 'sdk_table' } });
    expect(await client.getDatasetJobConfig(ds, DatasetJobConfigId)).toMatchObject({ ConfigType: 'MultimodalSemanticIndex', Config: { defaultModelId: 'm', databaseTableName: 'sdk_table' } });
    await client.updateDatasetJobConfig(ds, DatasetJobConfigId, { Config: JSON.stringify({ defaultModelId: 'm2' }) });
    const configs = await client.listDatasetJobConfigs(ds, { PageNumber: 1, PageSize: 10 });
    expect(configs).toMatchObject({ TotalCount: 1, DatasetJobConfigs: [{ DatasetJobConfigId, Config: { defaultModelId: 'm2' } }] });
    await client.deleteDatasetJobConfig(ds, DatasetJobConfigId);
    expect((await client.listDatasetJobConfigs(ds)).TotalCount).toBe(0);

    // a second build, ended, then deleted
    const { DatasetJobId } = await client.createDatasetJob(ds, { JobAction: 'FileMetaBuild', JobMode: 'Increment' });
    await client.waitForJob(ds, DatasetJobId, { intervalMs: 20 });
    await client.deleteDatasetJob(ds, DatasetJobId);
    await expect(client.getDatasetJob(ds, DatasetJobId)).rejects.toMatchObject({ status: 404 });
    expect((await client.listDatasetJobs(ds)).TotalCount).toBe(1);
  });

  it('iterates file metas across pages (POST search), lists them by GET, gets, tags, counts and downloads them', async () => {
    const names: string[] = [];
    for await (const m of client.iterateFileMetas(ds, { MaxResults: 7, SortBy: 'FileName', Order: 'ASC', Status: 'ACTIVE' })) names.push(m.FileDir + m.FileName);
    expect(names).toEqual([...NAMES].sort((a, b) => (a.split('/')[1]! < b.split('/')[1]! ? -1 : 1)));

    const byGet = await client.listDatasetFileMetas(ds, { QueryFileDir: 'cars', QueryFileName: 'img_0', SortBy: 'FileName', Order: 'ASC', MaxResults: 100 });
    expect(byGet.DatasetFileMetas.map((m) => m.FileName)).toEqual(['img_01.png', 'img_03.png', 'img_05.png', 'img_07.png', 'img_09.png']);
    const failed = await client.searchDatasetFileMetas(ds, { Status: 'FAILED' });
    expect(failed.DatasetFileMetas.map((m) => [m.FileName, m.Status])).toEqual([['broken.png', 'FAILED']]);

    const meta = byGet.DatasetFileMetas[0]!;
    expect((await client.getDatasetFileMeta(ds, meta.DatasetFileMetaId)).DatasetFileMeta).toMatchObject({ Uri: meta.Uri, MetaAttributes: { ImageWidth: 17, ImageHeight: 12 } });

    const updated = await client.updateDatasetFileMetas(ds, { DatasetFileMetas: [{ DatasetFileMetaId: meta.DatasetFileMetaId, Tags: { user: { add: ['checked', 'red, car'] } } }] });
    expect(updated).toMatchObject({ Status: true, FailedDetails: [] });
    expect((await client.getDatasetFileMeta(ds, meta.DatasetFileMetaId)).DatasetFileMeta.Tags.all).toEqual(['checked', 'red, car']);
    // a list value with a comma goes out as a JSON array on a GET
    const tagged = await client.listDatasetFileMetas(ds, { QueryTagsIncludeAll: ['red, car', 'checked'] });
    expect(tagged.DatasetFileMetas.map((m) => m.DatasetFileMetaId)).toEqual([meta.DatasetFileMetaId]);

    const stats = await client.getDatasetFileMetasStatistics(ds, { AggregateBy: 'filedir' });
    expect(Object.fromEntries(stats.DatasetFileMetasStats.map((s) => [s.Key, s.Count]))).toEqual({ 'cars/': 11, 'roads/': 13 });

    const bytes = await client.downloadDatasetFileMeta(ds, meta.DatasetFileMetaId);
    expect(bytes.equals(await readFile(new URL(meta.Uri)))).toBe(true);
  });

  it('lists and iterates jobs; stopping an ended job is a 409', async () => {
    const second = await client.createDatasetJob(ds, { DatasetVersion: 'v1', JobAction: 'FileMetaBuild', JobMode: 'Increment' });
    await client.waitForJob(ds, second.DatasetJobId, { intervalMs: 20 });
    const jobs = [];
    for await (const j of client.iterateJobs(ds, { MaxResults: 1 })) jobs.push(j);
    expect(jobs.map((j) => j.JobMode)).toEqual(['Increment', 'Full']);
    expect((await client.listDatasetJobs(ds, { Status: 'PartialFailed' })).DatasetJobs).toHaveLength(1);
    await expect(client.stopDatasetJob(ds, second.DatasetJobId)).rejects.toMatchObject({ status: 409, code: 'Conflict' });
  });

  it('exports to a manifest and to logical versions; the loaders read them back', async () => {
    // a manifest export of the cars, read with loadManifest (local files, verified)
    const out = path.join(loupe.root, 'exports', 'cars');
    const exp = await client.createDatasetJob(ds, {
      DatasetVersion: 'v1',
      JobAction: 'FileMetaExport',
      JobSpec: { search: { QueryFileDir: 'cars', SortBy: 'FileName', Order: 'ASC' }, target: 'file', format: 'manifest', uri: pathToFileURL(out).href + '/' },
    });
    const done = await client.waitForJob(ds, exp.DatasetJobId, { intervalMs: 20 });
    expect(done).toMatchObject({ Status: 'Succeeded', Output: { Uri: pathToFileURL(out).href + '/', FileCount: 11 } });
    const fromManifest = [];
    for await (const item of loadManifest(out, { verify: true })) fromManifest.push({ name: item.fileName, bytes: (await item.read()).length, ds: item.sourceDatasetId });
    expect(fromManifest).toHaveLength(11);
    expect(fromManifest[0]).toEqual({ name: 'img_01.png', bytes: expect.any(Number), ds });

    // two versions of a logical dataset: all roads, then the first three; their diff
    const logical = (await client.createDataset({ Name: 'training set', Edition: 'LOGICAL' })).DatasetId;
    const exportTo = async (search: Record<string, unknown>) => {
      const j = await client.createDatasetJob(ds, { DatasetVersion: 'v1', JobAction: 'FileMetaExport', JobSpec: { search, target: 'logical', logicalDatasetId: logical } });
      return client.waitForJob(ds, j.DatasetJobId, { intervalMs: 20 });
    };
    expect((await exportTo({ QueryFileDir: 'roads', Status: 'ACTIVE', SortBy: 'FileName', Order: 'ASC' })).Output).toMatchObject({ DatasetId: logical, VersionName: 'v1', FileCount: 12 });
    expect((await exportTo({ QueryExpression: 'FileName="img_00.png" OR FileName="img_02.png"' })).Output).toMatchObject({ VersionName: 'v2', FileCount: 2 });

    const refs = [];
    for await (const r of client.iterateReferences(logical, 'v1', { MaxResults: 5 })) refs.push(r.FileName);
    expect(refs).toEqual(NAMES.filter((n) => n.startsWith('roads/')).map((n) => n.slice('roads/'.length)));
    const diff = await client.diffVersions(logical, 'v2', { BaseVersion: 'v1', Change: 'Removed', MaxResults: 100 });
    expect(diff).toMatchObject({ AddedCount: 0, RemovedCount: 10, ChangedCount: 0, Change: 'Removed' });
    const removed = [];
    for await (const r of client.iterateDiff(logical, 'v2', { BaseVersion: 'v1', Change: 'Removed', MaxResults: 3 })) removed.push(r.FileName);
    expect(removed).toHaveLength(10);

    // the logical version as training items; a file missing from disk is downloaded through the API
    const items = [];
    for await (const item of client.loadLogicalVersion(logical, 'v2', { verify: true })) items.push(item);
    expect(items.map((x) => [x.fileName, x.sourceDatasetId, x.tags])).toEqual(expect.arrayContaining([['img_00.png', ds, []], ['img_02.png', ds, []]]));
    const local = await items[0]!.read();
    const viaApi = await datasetItem({ ...items[0]!, uri: 'file:///moved/away.png' }, { client }).read();
    expect(viaApi.equals(local)).toBe(true);
  });

  it('works in-process through a given fetch, and waitForJob honours an abort signal', async () => {
    const inProcess = new LoupeClient({ url: 'http://loupe.test/api/v1/', apiKey: loupe.apiKey, fetch: loupe.appFetch });
    expect((await inProcess.getDataset(ds)).Name).toBe('built');
    const [job] = (await inProcess.listDatasetJobs(ds, { MaxResults: 1 })).DatasetJobs;
    const ac = new AbortController();
    ac.abort();
    await expect(inProcess.waitForJob(ds, job!.DatasetJobId, { signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('RateMeter', () => {
  it('measures over the sliding window (at least the last two samples)', () => {
    const m = new RateMeter(10_000);
    expect(m.rate()).toBeUndefined();
    m.add(0, 0);
    m.add(1000, 100);
    expect(m.rate()).toBe(100);
    m.add(20_000, 150); // slow lately: the old fast second leaves the window
    m.add(25_000, 200);
    expect(m.rate()).toBe(10);
    m.add(26_000, 5); // the count went back: start over
    expect(m.rate()).toBeUndefined();
  });
});
