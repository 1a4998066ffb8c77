// PAI's Prompt operations over Loupe's tag definitions (issue 11, item 4): CreatePrompt, GetPrompt,
// ListPrompts, UpdatePrompt, DeletePrompt; PromptId = TagDefinitionId, FrameworkContent the JSON
// {GuidePrompt, Tags}; WorkspaceId isolation; and a prompt created through the API tags images in an
// IntelligentTag job with PAI's JobSpec (intelligentTagConnectionId, modelId, promptId).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoupe } from '../../cli/serve.js';
import { createApi } from '../../functions/api/index.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { buildContainer, type Container } from '../../lib/runtime/container.js';
import { jsonLogger } from '../../lib/runtime/logger.js';
import { LoupeClient } from '../../lib/sdk/index.js';
import { inProcessApi, type ApiCall } from '../support/in-process-api.js';
import { writePngs } from '../support/local-loupe.js';
import { startChatServer } from '../support/loopback-dashscope-chat.js';

const KEY = 'prompts-key-0123456789';
const CONTENT = { GuidePrompt: 'You label road photos.', Tags: [{ Name: 'weather', Description: 'the weather', Values: ['sunny', 'rainy'] }, { Name: 'lane line' }] };

describe('PAI Prompts over tag definitions', () => {
  let root: string;
  let c: Container;
  let call: ApiCall;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'loupe-prompts-'));
    c = buildContainer(loadConfig({ LOUPE_DATA_DIR: path.join(root, 'data'), LOUPE_FILE_ROOTS: root, LOUPE_API_KEYS: KEY }), { log: jsonLogger('silent') });
    call = inProcessApi(createApi(c, [KEY]), KEY);
  });
  afterAll(async () => {
    await c?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('CreatePrompt, GetPrompt, UpdatePrompt, DeletePrompt: one resource with the tag definition', async () => {
    const created = await call('POST', '/api/v1/prompts', {
      PromptName: 'roads',
      FrameworkType: 'MultimodalIntelligentTag',
      FrameworkContent: JSON.stringify(CONTENT),
      Description: 'for dashcams',
      Accessibility: 'PUBLIC',
      WorkspaceId: '77',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const id = created.body.PromptId as string;
    expect(id).toMatch(/^tagdef-/);
    const got = (await call('GET', `/api/v1/prompts/${id}?WorkspaceId=77`)).body;
    expect(got).toMatchObject({
      PromptId: id,
      PromptName: 'roads',
      FrameworkType: 'MultimodalIntelligentTag',
      Description: 'for dashcams',
      Accessibility: 'PUBLIC',
      CreateTime: expect.stringMatching(/Z$/),
      ModifyTime: expect.stringMatching(/Z$/),
      RequestId: expect.any(String),
    });
    expect(JSON.parse(got.FrameworkContent)).toEqual({
      GuidePrompt: 'You label road photos.',
      Tags: [{ Name: 'weather', Description: 'the weather', Values: ['sunny', 'rainy'] }, { Name: 'lane line', Description: '' }],
    });
    expect((await call('GET', `/api/v1/tagdefinitions/${id}`)).body).toMatchObject({ Name: 'roads', GuidePrompt: 'You label road photos.', Version: 1, WorkspaceId: '77' });

    // content edits raise the definition's version; Description and FrameworkType are kept apart
    const edit = await call('PUT', `/api/v1/prompts/${id}`, { FrameworkContent: JSON.stringify({ guidePrompt: 'camelCase works', tags: [{ name: 'car', values: ['red'] }] }), WorkspaceId: '77' });
    expect(edit.status, JSON.stringify(edit.body)).toBe(200);
    expect((await call('GET', `/api/v1/tagdefinitions/${id}`)).body).toMatchObject({ GuidePrompt: 'camelCase works', Tags: [{ Name: 'car', Values: ['red'] }], Version: 2 });
    expect((await call('PUT', `/api/v1/prompts/${id}`, { Description: 'd2', PromptName: 'renamed' })).status).toBe(200);
    expect((await call('GET', `/api/v1/prompts/${id}`)).body).toMatchObject({ PromptName: 'renamed', Description: 'd2', FrameworkType: 'MultimodalIntelligentTag' });
    // an edit through the tag-definition route shows in the prompt
    await call('PUT', `/api/v1/tagdefinitions/${id}`, { GuidePrompt: 'from the other route' });
    expect(JSON.parse((await call('GET', `/api/v1/prompts/${id}`)).body.FrameworkContent).GuidePrompt).toBe('from the other route');

    // another workspace: not found, for every operation
    for (const [method, route, body] of [
      ['GET', `/api/v1/prompts/${id}?WorkspaceId=78`, undefined],
      ['PUT', `/api/v1/prompts/${id}`, { Description: 'x', WorkspaceId: '78' }],
      ['DELETE', `/api/v1/prompts/${id}?WorkspaceId=78`, undefined],
      ['GET', `/api/v1/tagdefinitions/${id}?WorkspaceId=78`, undefined],
    ] as const) {
      const r = await call(method, route, body);
      expect([r.status, r.body.Code], `${method} ${route}`).toEqual([404, 'ResourceNotFound']);
    }
    expect((await call('DELETE', `/api/v1/prompts/${id}?WorkspaceId=77`)).status).toBe(200);
    const gone = await call('GET', `/api/v1/prompts/${id}`);
    expect([gone.status, gone.body.Message]).toEqual([404, `Prompt '${id}' not found`]);
    expect((await call('GET', `/api/v1/tagdefinitions/${id}`)).status).toBe(404);
  });

  it.each([
    [{ PromptName: 'p' }, 'FrameworkContent'],
    [{ PromptName: 'p', FrameworkContent: 'Tag the weather.' }, 'FrameworkContent'],
    [{ PromptName: 'p', FrameworkContent: '["weather"]' }, 'FrameworkContent'],
    [{ PromptName: 'p', FrameworkContent: JSON.stringify({ GuidePrompt: 'g', Tags: [] }) }, 'FrameworkContent.Tags'],
    [{ PromptName: 'p', FrameworkContent: JSON.stringify({ GuidePrompt: 'g' }) }, 'FrameworkContent.Tags'],
    [{ PromptName: 'p', FrameworkContent: JSON.stringify({ Tags: [{ Name: 'a' }, { Name: 'a' }] }) }, 'FrameworkContent.Tags.1.Name'],
    [{ PromptName: 'p', FrameworkContent: JSON.stringify({ Tags: [{ Name: 'a', Values: ['x', 'x'] }] }) }, 'FrameworkContent.Tags.0.Values'],
    [{ PromptName: 'p', FrameworkContent: JSON.stringify({ Tags: [{ Name: 'a' }], Temperature: 0.2 }) }, 'FrameworkContent'],
    [{ PromptName: '', FrameworkContent: JSON.stringify(CONTENT) }, 'PromptName'],
    [{ PromptName: 'p', FrameworkContent: JSON.stringify(CONTENT), Accessibility: 'ALL' }, 'Accessibility'],
  ])('CreatePrompt %j is a 400 naming %s', async (body, field) => {
    const r = await call('POST', '/api/v1/prompts', body);
    expect([r.status, r.body.Field], JSON.stringify(r.body)).toEqual([400, field]);
  });

  it('ListPrompts: PageNumber/PageSize, SortBy GmtCreateTime|Name, Order (ASC by default), FrameworkType, WorkspaceId', async () => {
    const make = async (name: string, type: string, ws: string) =>
      (await call('POST', '/api/v1/prompts', { PromptName: name, FrameworkType: type, FrameworkContent: JSON.stringify(CONTENT), WorkspaceId: ws })).body.PromptId as string;
    const b = await make('b', 'A', 'L');
    const a = await make('a', 'B', 'L');
    const cc = await make('c', 'A', 'L');
    await make('other', 'A', 'M');
    const list = async (q: string) => {
      const r = await call('GET', `/api/v1/prompts?WorkspaceId=L&${q}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return [r.body.Prompts.map((p: { PromptId: string }) => p.PromptId), r.body.TotalCount];
    };
    expect(await list('')).toEqual([[b, a, cc], 3]);
    expect(await list('PageNumber=2&PageSize=2')).toEqual([[cc], 3]);
    expect(await list('SortBy=Name')).toEqual([[a, b, cc], 3]);
    expect(await list('SortBy=GmtCreateTime&Order=DESC&PageSize=1')).toEqual([[cc], 3]);
    expect(await list('FrameworkType=A')).toEqual([[b, cc], 2]);
    const p = (await call('GET', '/api/v1/prompts?WorkspaceId=L&PageSize=1')).body.Prompts[0];
    expect(Object.keys(p).sort()).toEqual(['Accessibility', 'CreateTime', 'Description', 'FrameworkContent', 'FrameworkType', 'ModifyTime', 'PromptId', 'PromptName']);
    for (const [q, field] of [
      ['SortBy=ModifyTime', 'SortBy'],
      ['Order=SIDEWAYS', 'Order'],
      ['PageSize=101', 'PageSize'],
      ['PageNumber=0', 'PageNumber'],
      ['PageNumber=101&PageSize=100', 'PageNumber'],
    ]) {
      const r = await call('GET', `/api/v1/prompts?${q}`);
      expect([r.status, r.body.Field], q).toEqual([400, field]);
    }
  });
});

describe('a prompt created through the API tags images', () => {
  it('IntelligentTag with PAI\'s JobSpec (intelligentTagConnectionId, modelId, promptId) tags every file with the prompt\'s tags', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'loupe-prompt-tags-'));
    const chat = await startChatServer({ apiKey: 'sk-prompt-tags', models: ['qwen-vl-max'], answer: { weather: 'sunny', 'lane line': true, invented: true } });
    const files = path.join(root, 'files');
    await writePngs(files, ['a.png', 'b.png', 'c.png']);
    const loupe = await startLoupe(
      loadConfig({ LOUPE_DATA_DIR: path.join(root, 'data'), LOUPE_FILE_ROOTS: root, LOUPE_API_KEYS: KEY, LOUPE_PORT: '0', LOUPE_WORKER_THREADS: '0', LOUPE_HOST: '127.0.0.1' }),
      { log: jsonLogger('silent') },
    );
    try {
      const client = new LoupeClient({ url: loupe.url, apiKey: KEY });
      const { ConnectionId } = await client.createConnection({ ConnectionName: 'qwen', ConnectionType: 'OpenLLMConnection', Configs: { base_url: chat.url }, Secrets: { api_key: 'sk-prompt-tags' } });
      const { PromptId } = await client.createPrompt({ PromptName: 'roads', FrameworkContent: CONTENT });
      const { DatasetId } = await client.createDataset({ Name: 'roads', Uri: pathToFileURL(files).href });
      const build = await client.createDatasetJob(DatasetId, { DatasetVersion: 'v1', JobAction: 'FileMetaBuild', JobSpec: '{}' });
      expect((await client.waitForJob(DatasetId, build.DatasetJobId, { intervalMs: 50 })).Status).toBe('Succeeded');
      const tag = await client.createDatasetJob(DatasetId, {
        DatasetVersion: 'v1',
        JobAction: 'IntelligentTag',
        JobSpec: JSON.stringify({ intelligentTagConnectionId: ConnectionId, modelId: 'qwen-vl-max', promptId: PromptId }),
      });
      const done = await client.waitForJob(DatasetId, tag.DatasetJobId, { intervalMs: 50 });
      expect(done, JSON.stringify(done)).toMatchObject({ Status: 'Succeeded', CompletedFileCount: 3 });
      // The model was prompted with the prompt's guide and tags
      const system = JSON.stringify(chat.lastRequest()?.body);
      expect(system).toContain('You label road photos.');
      expect(system).toContain('lane line');
      const metas = (await client.listDatasetFileMetas(DatasetId, { MaxResults: 10 })).DatasetFileMetas;
      expect(metas).toHaveLength(3);
      for (const m of metas) {
        const tags = typeof m.Tags === 'string' ? JSON.parse(m.Tags) : m.Tags;
        expect([...tags.ai].sort()).toEqual(['lane line', 'weather:sunny']);
      }
    } finally {
      await loupe.stop();
      await chat.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
