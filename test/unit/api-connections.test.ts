// Connections and tag definitions through the API: validation, sealed secrets that never come back
// (in responses, errors or log lines), versions that rise on every edit.
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../functions/api/index.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { buildContainer, type Container } from '../../lib/runtime/container.js';
import { jsonLogger } from '../../lib/runtime/logger.js';
import { startChatServer } from '../support/loopback-dashscope-chat.js';
import { startGmeServer } from '../support/loopback-gme.js';
import { inProcessApi } from '../support/in-process-api.js';

const KEY = 'conn-test-key';
const SECRET = 'sk-THIS-MUST-NEVER-LEAK-7f3a9c';

describe('connections and tag definitions API', () => {
  let dir: string;
  let c: Container;
  let app: ReturnType<typeof createApi>;
  const logs: string[] = [];
  const bodies: string[] = [];
  const call = (method: string, route: string, body?: unknown) => inProcessApi(app, KEY, (text) => bodies.push(text))(method, route, body);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-conn-'));
    c = buildContainer(loadConfig({ LOUPE_DATA_DIR: dir, LOUPE_API_KEYS: KEY }), { log: jsonLogger('info', (l) => logs.push(l)) });
    app = createApi(c, [KEY]);
  });
  afterAll(async () => {
    await c.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a DashScope connection with defaults and never returns the key', async () => {
    const r = await call('POST', '/api/v1/connections', {
      ConnectionName: 'qwen',
      ConnectionType: 'DashScopeConnection',
      Secrets: { api_key: SECRET },
      Models: [{ Model: 'qwen-vl-max' }],
    });
    expect(r.status).toBe(200);
    const got = await call('GET', `/api/v1/connections/${r.body.ConnectionId}`);
    expect(got.body).toMatchObject({
      ConnectionName: 'qwen',
      ConnectionType: 'DashScopeConnection',
      Configs: { base_url: 'https://dashscope.aliyuncs.com/compatible-mode/v1' },
      Secrets: { api_key: '******' },
      Models: [{ Model: 'qwen-vl-max' }],
      Description: '',
      Accessibility: 'PRIVATE',
      WorkspaceId: '',
    });
    expect(JSON.stringify(got.body)).not.toContain(SECRET);
    // sealed at rest: the database file does not hold the key in clear
    const db = readFileSync(path.join(dir, 'meta.db'));
    const wal = readFileSync(path.join(dir, 'meta.db-wal'));
    expect(db.includes(SECRET) || wal.includes(SECRET)).toBe(false);
    // the local key file is private
    expect(statSync(path.join(dir, 'secret.key')).mode & 0o077).toBe(0);
  });

  it.each([
    [{ ConnectionName: 'x', ConnectionType: 'DashScopeConnection' }, 'Secrets.api_key'],
    [{ ConnectionName: 'x', ConnectionType: 'OpenLLMConnection', Secrets: { api_key: SECRET } }, 'Configs.base_url'],
    [{ ConnectionName: 'x', ConnectionType: 'OpenLLMConnection', Configs: { base_url: 'not a url' } }, 'Configs.base_url'],
    // Loupe's older spelling is read as PAI's key, so the error names PAI's
    [{ ConnectionName: 'x', ConnectionType: 'OpenLLMConnection', Configs: { BaseUrl: 'not a url' } }, 'Configs.base_url'],
    [{ ConnectionName: 'x', ConnectionType: 'OpenLLMConnection', Configs: { BaseUrl: 'http://a/', base_url: 'http://b/' } }, 'Configs.BaseUrl'],
    [{ ConnectionName: 'x', ConnectionType: 'EasEmbeddingConnection', Configs: { Endpoint: 'http://127.0.0.1:1/', Surprise: '1' } }, 'Configs.Surprise'],
    [{ ConnectionName: 'x', ConnectionType: 'MilvusConnection' }, 'Configs.uri'],
    [{ ConnectionName: 'x', ConnectionType: 'Telepathy' }, 'ConnectionType'],
  ])('refuses %j naming %s', async (body, field) => {
    const r = await call('POST', '/api/v1/connections', body);
    expect(r.status).toBe(400);
    expect(r.body.Field).toBe(field);
  });

  it('refuses a duplicate name, updates secrets and configs, deletes', async () => {
    const a = await call('POST', '/api/v1/connections', { ConnectionName: 'gme', ConnectionType: 'EasEmbeddingConnection', Configs: { Endpoint: 'http://127.0.0.1:9/' }, Secrets: { Token: SECRET } });
    expect(a.status).toBe(200);
    expect((await call('POST', '/api/v1/connections', { ConnectionName: 'gme', ConnectionType: 'ClassicEmbeddingConnection' })).status).toBe(409);
    expect((await call('PUT', `/api/v1/connections/${a.body.ConnectionId}`, { Configs: { Model: 'gme-qwen2-vl-2b' }, Secrets: { Token: '' } })).status).toBe(200);
    const got = await call('GET', `/api/v1/connections/${a.body.ConnectionId}`);
    expect(got.body).toMatchObject({ Configs: { Endpoint: 'http://127.0.0.1:9/', Model: 'gme-qwen2-vl-2b' }, Secrets: {} });
    const list = await call('GET', '/api/v1/connections?ConnectionType=EasEmbeddingConnection');
    expect(list.body.Connections.map((x: any) => x.ConnectionName)).toEqual(['gme']);
    expect((await call('DELETE', `/api/v1/connections/${a.body.ConnectionId}`)).status).toBe(200);
    expect((await call('GET', `/api/v1/connections/${a.body.ConnectionId}`)).status).toBe(404);
  });

  it('validating a connection to a service that is not there reports why, without the secret', async () => {
    const a = await call('POST', '/api/v1/connections', {
      ConnectionName: 'nowhere',
      ConnectionType: 'OpenLLMConnection',
      Configs: { BaseUrl: 'http://127.0.0.1:9/v1' },
      Secrets: { ApiKey: SECRET },
    });
    const v = await call('POST', '/api/v1/connections/validate', { ConnectionId: a.body.ConnectionId });
    expect(v.status).toBe(200);
    expect(v.body).toMatchObject({ Status: 'failed', Code: 'ConnectionFailed', Details: { ConnectionType: 'OpenLLMConnection' } });
    expect(v.body.Message).not.toBe('');
    // Loupe's older route is gone
    expect((await call('POST', `/api/v1/connections/${a.body.ConnectionId}/action/validate`)).status).toBe(404);
  });

  it('validates against real protocol peers (loopback DashScope chat and GME): right key passes, wrong key says why', async () => {
    const chat = await startChatServer({ apiKey: SECRET, models: ['qwen-vl-max'] });
    const gme = await startGmeServer({ token: SECRET });
    try {
      const make = async (name: string, body: object) => (await call('POST', '/api/v1/connections', { ConnectionName: name, ...body })).body.ConnectionId;
      const good = await make('chat-good', { ConnectionType: 'OpenLLMConnection', Configs: { BaseUrl: chat.url }, Secrets: { ApiKey: SECRET }, Models: [{ Model: 'qwen-vl-max' }] });
      const bad = await make('chat-bad', { ConnectionType: 'OpenLLMConnection', Configs: { BaseUrl: chat.url }, Secrets: { ApiKey: 'sk-wrong' }, Models: [{ Model: 'qwen-vl-max' }] });
      const gmeGood = await make('gme-good', { ConnectionType: 'EasEmbeddingConnection', Configs: { Endpoint: gme.url }, Secrets: { Token: SECRET } });
      const v = async (id: string) => (await call('POST', '/api/v1/connections/validate', { ConnectionId: id, ValidateType: 'Connectivity' })).body;
      expect(await v(good)).toMatchObject({ Status: 'success', Details: { Model: 'qwen-vl-max' } });
      expect((await v(good)).Code).toBeUndefined();
      const refused = await v(bad);
      expect(refused).toMatchObject({ Status: 'failed', Code: '401' });
      expect(refused.Message).toMatch(/401|permanent/);
      expect(refused.Message).not.toContain('sk-wrong');
      expect(await v(gmeGood)).toMatchObject({ Status: 'success', Message: expect.stringMatching(/1536-dimensional/) });
    } finally {
      await chat.close();
      await gme.close();
    }
  });

  it('the classic embedder validates offline', async () => {
    const a = await call('POST', '/api/v1/connections', { ConnectionName: 'classic', ConnectionType: 'ClassicEmbeddingConnection' });
    const v = await call('POST', '/api/v1/connections/validate', { ConnectionId: a.body.ConnectionId });
    expect(v.body).toMatchObject({ Status: 'success', Message: expect.stringMatching(/classic/) });
  });

  it('tag definitions: create, version on every edit, stale edits refused', async () => {
    const t = await call('POST', '/api/v1/tagdefinitions', {
      Name: 'roads',
      GuidePrompt: 'As a driver with many years of experience on highways and city roads, ...',
      Tags: [{ Name: 'weather', Description: 'the weather', Values: ['sunny', 'rainy'] }, { Name: 'lane line' }],
    });
    expect(t.body.Version).toBe(1);
    const id = t.body.TagDefinitionId;
    expect((await call('PUT', `/api/v1/tagdefinitions/${id}`, { GuidePrompt: 'shorter' })).body.Version).toBe(2);
    expect((await call('PUT', `/api/v1/tagdefinitions/${id}`, { GuidePrompt: 'stale', Version: 1 })).status).toBe(409);
    const got = await call('GET', `/api/v1/tagdefinitions/${id}`);
    expect(got.body).toMatchObject({ Version: 2, GuidePrompt: 'shorter', Tags: [{ Name: 'weather', Values: ['sunny', 'rainy'] }, { Name: 'lane line', Description: '' }] });
    expect((await call('POST', '/api/v1/tagdefinitions', { Name: 'x', Tags: [{ Name: 'a' }, { Name: 'a' }] })).body.Field).toBe('Tags.1.Name');
    expect((await call('POST', '/api/v1/tagdefinitions', { Name: 'x', Tags: [] })).body.Field).toBe('Tags');
    expect((await call('DELETE', `/api/v1/tagdefinitions/${id}`)).status).toBe(200);
    expect((await call('GET', `/api/v1/tagdefinitions/${id}`)).status).toBe(404);
  });

  it('no response body and no log line ever contained the secret', () => {
    expect(bodies.length).toBeGreaterThan(10);
    expect(bodies.filter((b) => b.includes(SECRET))).toEqual([]);
    expect(logs.filter((l) => l.includes(SECRET))).toEqual([]);
  });
});
