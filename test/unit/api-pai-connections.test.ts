// Connections as PAI's AIWorkSpace has them (issue 11): every ConnectionType with PAI's Configs and
// Secrets keys, Loupe's older spellings as aliases, descriptive fields kept, secrets masked (never
// returned), ListConnections' filters, ValidateConnection for a saved connection and for settings not
// saved, WorkspaceId isolation, vector stores stored now and refused where used, and migration 12
// renaming the keys of connections saved before it.
import Database from 'better-sqlite3';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../functions/api/index.js';
import { SQLITE_MIGRATIONS } from '../../lib/adapters/metastore/sqlite-migrations.js';
import { AesGcmSecretBox } from '../../lib/adapters/secrets/aes-gcm-secret-box.js';
import { apiKeyPrincipal } from '../../lib/http/auth.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { buildContainer, type Container } from '../../lib/runtime/container.js';
import { jsonLogger } from '../../lib/runtime/logger.js';
import { createVectorStores } from '../../lib/runtime/vector-stores.js';
import { startChatServer } from '../support/loopback-dashscope-chat.js';
import { inProcessApi, type ApiCall } from '../support/in-process-api.js';

const KEY = 'pai-conn-key-0123456789';
const SECRET = 'sk-PAI-CONN-SECRET-5e1d9a7c';
const PASSWORD = 'pw-PAI-CONN-PASSWORD-83b2';

describe('connections as PAI has them', () => {
  let root: string;
  let c: Container;
  let call: ApiCall;
  const bodies: string[] = [];
  const logs: string[] = [];

  const create = async (body: object) => {
    const r = await call('POST', '/api/v1/connections', body);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.ConnectionId as string;
  };
  const get = async (id: string, query = '') => (await call('GET', `/api/v1/connections/${id}${query}`)).body;
  const validate = async (body: object) => (await call('POST', '/api/v1/connections/validate', body)).body;
  const ids = async (query: string) => {
    const r = await call('GET', `/api/v1/connections?${query}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return (r.body.Connections as Array<{ ConnectionName: string }>).map((x) => x.ConnectionName);
  };

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'loupe-pai-conn-'));
    await mkdir(path.join(root, 'files'));
    // LOUPE_HOST loopback: the URL policy lets model and TCP checks reach loopback servers.
    c = buildContainer(
      loadConfig({ LOUPE_DATA_DIR: path.join(root, 'data'), LOUPE_FILE_ROOTS: path.join(root, 'files'), LOUPE_API_KEYS: KEY, LOUPE_HOST: '127.0.0.1' }),
      { log: jsonLogger('info', (l) => logs.push(l)) },
    );
    call = inProcessApi(createApi(c, [KEY]), KEY, (t) => bodies.push(t));
  });
  afterAll(async () => {
    await c?.close();
    await rm(root, { recursive: true, force: true });
  });

  it.each([
    ['DashScopeConnection', {}, { api_key: SECRET }, { base_url: 'https://dashscope.aliyuncs.com/compatible-mode/v1' }],
    ['OpenLLMConnection', { base_url: 'http://127.0.0.1:9/v1' }, { api_key: SECRET }, { base_url: 'http://127.0.0.1:9/v1' }],
    ['MilvusConnection', { uri: 'http://milvus.example:19530', username: 'root' }, { password: PASSWORD }, undefined],
    ['OpenSearchConnection', { uri: 'https://ha-cn-x.public.ha.aliyuncs.com', username: 'admin' }, { password: PASSWORD }, undefined],
    ['ElasticsearchConnection', { uri: 'http://es-cn-x.elasticsearch.aliyuncs.com:9200', username: 'elastic' }, { password: PASSWORD }, undefined],
    ['LindormConnection', { uri: 'http://ld-x-proxy-search-pub.lindorm.aliyuncs.com:30070', username: 'root' }, { password: PASSWORD }, undefined],
    ['HologresConnection', { database: 'db', port: '80', host: 'hgpostcn-x.hologres.aliyuncs.com', user: 'BASIC$u' }, { password: PASSWORD }, undefined],
    ['RDSConnection', { database: 'db', port: '3306', host: 'rm-x.mysql.rds.aliyuncs.com', type: 'mysql', username: 'u' }, { password: PASSWORD }, undefined],
    ['CustomConnection', { anything: 'goes', 'Any-Case': 'x' }, { token: SECRET, second: PASSWORD }, undefined],
  ] as const)('%s takes PAI keys and returns them, secrets masked', async (type, configs, secrets, expected) => {
    const id = await create({ ConnectionName: `pai-${type}`, ConnectionType: type, Configs: configs, Secrets: secrets });
    const got = await get(id);
    expect(got).toMatchObject({ ConnectionType: type, Configs: expected ?? configs, Secrets: Object.fromEntries(Object.keys(secrets).map((k) => [k, '******'])) });
    expect(JSON.stringify(got)).not.toContain(SECRET);
    expect(JSON.stringify(got)).not.toContain(PASSWORD);
  });

  it.each([
    [{ ConnectionType: 'MilvusConnection', Configs: { uri: 'milvus:19530' } }, 'Configs.uri'],
    [{ ConnectionType: 'MilvusConnection', Configs: { uri: 'http://m:19530', base_url: 'http://m/' } }, 'Configs.base_url'],
    [{ ConnectionType: 'ElasticsearchConnection', Configs: { uri: 'http://e:9200' }, Secrets: { api_key: 'k' } }, 'Secrets.api_key'],
    [{ ConnectionType: 'HologresConnection', Configs: { host: 'h', port: 'eighty' } }, 'Configs.port'],
    [{ ConnectionType: 'HologresConnection', Configs: { host: 'h', port: '70000' } }, 'Configs.port'],
    [{ ConnectionType: 'RDSConnection', Configs: { host: 'http://h/' } }, 'Configs.host'],
    [{ ConnectionType: 'RDSConnection', Configs: { port: '3306' } }, 'Configs.host'],
    [{ ConnectionType: 'DashScopeConnection', Secrets: { ApiKey: 'a', api_key: 'b' } }, 'Secrets.ApiKey'],
    [{ ConnectionType: 'DashScopeConnection', Secrets: { api_key: 'k' }, Accessibility: 'EVERYONE' }, 'Accessibility'],
    [{ ConnectionType: 'DashScopeConnection', Secrets: { api_key: 'k' }, WorkspaceId: 'a b' }, 'WorkspaceId'],
  ])('refuses %j naming %s', async (body, field) => {
    const r = await call('POST', '/api/v1/connections', { ConnectionName: 'refused', ...body });
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(r.body.Field).toBe(field);
  });

  it("Loupe's older BaseUrl/ApiKey are read as base_url/api_key", async () => {
    const id = await create({ ConnectionName: 'aliased', ConnectionType: 'OpenLLMConnection', Configs: { BaseUrl: 'http://127.0.0.1:9/v1' }, Secrets: { ApiKey: SECRET } });
    expect(await get(id)).toMatchObject({ Configs: { base_url: 'http://127.0.0.1:9/v1' }, Secrets: { api_key: '******' } });
    expect((await c.services.connections.resolve(id)).secrets).toEqual({ api_key: SECRET });
    // removing through the alias
    expect((await call('PUT', `/api/v1/connections/${id}`, { Secrets: { ApiKey: '' } })).status).toBe(200);
    expect((await get(id)).Secrets).toEqual({});
  });

  it("stores and returns Description, Accessibility, Models (DisplayName, ToolCall, …), ResourceMeta, WorkspaceId and Creator (the API key's principal)", async () => {
    const id = await create({
      ConnectionName: 'described',
      ConnectionType: 'DashScopeConnection',
      Secrets: { api_key: SECRET },
      Description: 'Qwen for tagging',
      Accessibility: 'PUBLIC',
      WorkspaceId: '4711',
      Models: [{ Model: 'qwen-vl-max', ModelType: 'LLM', DisplayName: 'Qwen VL Max', ToolCall: true, MaxModelLength: 32768, SupportVision: true }],
      ResourceMeta: { InstanceId: 'i-1', InstanceName: 'prod', Extra: '{"region":"cn-hangzhou"}' },
    });
    const got = await get(id);
    expect(got).toMatchObject({
      Description: 'Qwen for tagging',
      Accessibility: 'PUBLIC',
      WorkspaceId: '4711',
      Models: [{ Model: 'qwen-vl-max', ModelType: 'LLM', DisplayName: 'Qwen VL Max', ToolCall: true, MaxModelLength: 32768, SupportVision: true }],
      ResourceMeta: { InstanceId: 'i-1', InstanceName: 'prod', Extra: '{"region":"cn-hangzhou"}' },
      GmtCreateTime: expect.stringMatching(/Z$/),
      GmtModifiedTime: expect.stringMatching(/Z$/),
    });
    // Creator: who made it (the API key's principal, never the key); Creator names it in ListConnections
    expect(got.Creator).toBe(apiKeyPrincipal(KEY));
    expect(got.Creator).toMatch(/^apikey-[0-9a-f]{12}$/);
    expect(await ids(`WorkspaceId=4711&Creator=${got.Creator}`)).toEqual(['described']);
    expect(await ids('WorkspaceId=4711&Creator=LTAIsomeoneelse')).toEqual([]);
    expect((await call('PUT', `/api/v1/connections/${id}`, { Description: 'edited', Models: [{ Model: 'qwen-vl-plus', ToolCall: false }] })).status).toBe(200);
    expect(await get(id)).toMatchObject({ Description: 'edited', Models: [{ Model: 'qwen-vl-plus', ToolCall: false }], Accessibility: 'PUBLIC' });
    // another workspace does not see it; its own does; no WorkspaceId: no filter
    expect((await call('GET', `/api/v1/connections/${id}?WorkspaceId=9`)).status).toBe(404);
    expect((await call('GET', `/api/v1/connections/${id}?WorkspaceId=4711`)).status).toBe(200);
    expect((await call('PUT', `/api/v1/connections/${id}`, { Description: 'x', WorkspaceId: '9' })).status).toBe(404);
    expect((await call('DELETE', `/api/v1/connections/${id}?WorkspaceId=9`)).status).toBe(404);
    expect((await validate({ ConnectionId: id, WorkspaceId: '9' })).Code).toBe('ResourceNotFound');
    expect(await ids('WorkspaceId=4711')).toEqual(['described']);
    expect(await ids('WorkspaceId=9')).toEqual([]);
  });

  it('never returns a secret value: EncryptOption=PlainText is a 400, Secret masks', async () => {
    const id = await create({ ConnectionName: 'masked', ConnectionType: 'MilvusConnection', Configs: { uri: 'http://m:19530' }, Secrets: { password: PASSWORD } });
    for (const route of [`/api/v1/connections/${id}?EncryptOption=PlainText`, '/api/v1/connections?EncryptOption=PlainText']) {
      const r = await call('GET', route);
      expect([r.status, r.body.Field]).toEqual([400, 'EncryptOption']);
      expect(r.body.Message).toContain('never returns secret values');
    }
    expect((await call('GET', `/api/v1/connections/${id}?EncryptOption=Base64`)).status).toBe(400);
    expect((await get(id, '?EncryptOption=Secret')).Secrets).toEqual({ password: '******' });
  });

  describe('ListConnections filters', () => {
    beforeAll(async () => {
      await create({ ConnectionName: 'f-chat', ConnectionType: 'OpenLLMConnection', Configs: { base_url: 'http://127.0.0.1:9/v1' }, Accessibility: 'PUBLIC', WorkspaceId: 'f', Models: [{ Model: 'qwen-max', ModelType: 'LLM', ToolCall: true }] });
      await create({ ConnectionName: 'f-embed', ConnectionType: 'DashScopeEmbeddingConnection', Secrets: { ApiKey: SECRET }, WorkspaceId: 'f', Models: [{ Model: 'multimodal-embedding-v1', ModelType: 'Embedding' }] });
      await create({ ConnectionName: 'f-milvus', ConnectionType: 'MilvusConnection', Configs: { uri: 'http://m:19530' }, WorkspaceId: 'f' });
    });

    it('ConnectionIds, ConnectionName, ConnectionTypes (and the older ConnectionType), Model, ModelTypes, ToolCall, Accessibility', async () => {
      const all = (await call('GET', '/api/v1/connections?WorkspaceId=f&Order=ASC')).body.Connections as Array<{ ConnectionId: string; ConnectionName: string }>;
      expect(all.map((x) => x.ConnectionName)).toEqual(['f-chat', 'f-embed', 'f-milvus']);
      expect(await ids(`ConnectionIds=${all[0]!.ConnectionId},${all[2]!.ConnectionId}`)).toEqual(['f-milvus', 'f-chat']);
      expect(await ids(`ConnectionIds=${encodeURIComponent(JSON.stringify([all[1]!.ConnectionId]))}`)).toEqual(['f-embed']);
      expect(await ids('WorkspaceId=f&ConnectionName=F-E')).toEqual(['f-embed']);
      expect(await ids('WorkspaceId=f&ConnectionTypes=MilvusConnection,OpenLLMConnection')).toEqual(['f-milvus', 'f-chat']);
      expect(await ids('WorkspaceId=f&ConnectionType=MilvusConnection')).toEqual(['f-milvus']);
      expect(await ids('WorkspaceId=f&Model=qwen-max')).toEqual(['f-chat']);
      expect(await ids('WorkspaceId=f&ModelTypes=Embedding,ReRank')).toEqual(['f-embed']);
      expect(await ids('WorkspaceId=f&ToolCall=true')).toEqual(['f-chat']);
      expect(await ids('WorkspaceId=f&ToolCall=false')).toEqual(['f-embed']);
      expect(await ids('WorkspaceId=f&Accessibility=PUBLIC')).toEqual(['f-chat']);
      expect(await ids('WorkspaceId=f&SortBy=GmtCreateTime&Order=DESC')).toEqual(['f-milvus', 'f-embed', 'f-chat']);
    });

    it('echoes MaxResults and pages with NextToken in either order', async () => {
      for (const order of ['ASC', 'DESC']) {
        const seen: string[] = [];
        let token: string | undefined;
        do {
          const r = await call('GET', `/api/v1/connections?WorkspaceId=f&MaxResults=2&Order=${order}${token ? `&NextToken=${encodeURIComponent(token)}` : ''}`);
          expect(r.body).toMatchObject({ MaxResults: 2, TotalCount: 3 });
          seen.push(...r.body.Connections.map((x: { ConnectionName: string }) => x.ConnectionName));
          token = r.body.NextToken;
        } while (token);
        expect(seen).toEqual(order === 'ASC' ? ['f-chat', 'f-embed', 'f-milvus'] : ['f-milvus', 'f-embed', 'f-chat']);
      }
    });

    it.each([
      ['ConnectionTypes=Telepathy', 'ConnectionTypes'],
      ['ConnectionTypes=MilvusConnection&ConnectionType=MilvusConnection', 'ConnectionType'],
      [`Creator=${'c'.repeat(257)}`, 'Creator'],
      ['SortBy=Name', 'SortBy'],
      ['Order=UP', 'Order'],
      ['ToolCall=maybe', 'ToolCall'],
      ['Accessibility=ROLE_PUBLIC', 'Accessibility'],
    ])('%s is a 400 naming %s', async (query, field) => {
      const r = await call('GET', `/api/v1/connections?${query}`);
      expect([r.status, r.body.Field]).toEqual([400, field]);
    });
  });

  describe('ValidateConnection (POST /api/v1/connections/validate)', () => {
    it('a saved connection and settings not saved, against a real protocol peer; settings are never stored', async () => {
      const chat = await startChatServer({ apiKey: SECRET, models: ['qwen-vl-max'] });
      try {
        const saved = await create({ ConnectionName: 'v-chat', ConnectionType: 'OpenLLMConnection', Configs: { base_url: chat.url }, Secrets: { api_key: SECRET }, Models: [{ Model: 'qwen-vl-max' }] });
        expect(await validate({ ConnectionId: saved, ValidateType: 'Connectivity' })).toMatchObject({ Status: 'success', Details: { ConnectionType: 'OpenLLMConnection', Model: 'qwen-vl-max' } });
        const before = (await call('GET', '/api/v1/connections')).body.TotalCount;
        const unsaved = { ConnectionType: 'OpenLLMConnection', Configs: { base_url: chat.url }, Models: [{ Model: 'qwen-vl-max' }] };
        expect(await validate({ ...unsaved, Secrets: { api_key: SECRET }, WorkspaceId: '1' })).toMatchObject({ Status: 'success', RequestId: expect.any(String) });
        // PAI's request names no model: the one IntelligentTag uses by default is tried
        const paiShaped = await validate({ ConnectionType: 'OpenLLMConnection', Configs: { base_url: chat.url }, Secrets: { api_key: SECRET }, ValidateType: 'Connectivity' });
        expect(paiShaped).toMatchObject({ Status: 'success', Details: { Model: 'qwen-vl-max' } });
        const wrong = await validate({ ...unsaved, Secrets: { api_key: 'sk-wrong-key-1' } });
        expect(wrong).toMatchObject({ Status: 'failed', Code: '401' });
        expect(JSON.stringify(wrong)).not.toContain('sk-wrong-key-1');
        // checked as CreateConnection checks them
        const bad = await call('POST', '/api/v1/connections/validate', { ConnectionType: 'OpenLLMConnection', Configs: { base_url: 'ftp://x/' } });
        expect([bad.status, bad.body.Field]).toEqual([400, 'Configs.base_url']);
        expect((await call('GET', '/api/v1/connections')).body.TotalCount).toBe(before);
      } finally {
        await chat.close();
      }
    });

    it('vector stores and databases: a TCP connection to their address', async () => {
      const listener = net.createServer((s) => s.destroy());
      await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
      const port = (listener.address() as net.AddressInfo).port;
      try {
        const milvus = await create({ ConnectionName: 'v-milvus', ConnectionType: 'MilvusConnection', Configs: { uri: `http://127.0.0.1:${port}` }, Secrets: { password: PASSWORD } });
        const ok = await validate({ ConnectionId: milvus });
        expect(ok).toMatchObject({ Status: 'success', Details: { Address: `127.0.0.1:${port}` } });
        expect(ok.Message).toContain('cannot use it in jobs or searches yet');
        expect(await validate({ ConnectionType: 'HologresConnection', Configs: { host: '127.0.0.1', port: String(port) } })).toMatchObject({ Status: 'success' });
      } finally {
        await new Promise((resolve) => listener.close(resolve));
      }
      const closed = await validate({ ConnectionType: 'RDSConnection', Configs: { host: '127.0.0.1', port: String(port), type: 'mysql' } });
      expect(closed).toMatchObject({ Status: 'failed', Code: 'ConnectionFailed' });
      expect(closed.Message).toContain('ECONNREFUSED');
      expect(await validate({ ConnectionType: 'RDSConnection', Configs: { host: '127.0.0.1', type: 'oracle' } })).toMatchObject({ Status: 'failed', Code: 'InvalidConfigs' });
      expect(await validate({ ConnectionType: 'CustomConnection', Configs: { x: 'y' } })).toMatchObject({ Status: 'failed', Code: 'NotCheckable' });
    });

    it.each([
      [{}, 'ConnectionId'],
      [{ ConnectionId: 'conn-x', ConnectionType: 'OpenLLMConnection' }, 'ConnectionType'],
      [{ ConnectionType: 'Telepathy' }, 'ConnectionType'],
      [{ ConnectionType: 'CustomConnection', ValidateType: 'Throughput' }, 'ValidateType'],
    ])('%j is a 400 naming %s', async (body, field) => {
      const r = await call('POST', '/api/v1/connections/validate', body);
      expect([r.status, r.body.Field]).toEqual([400, field]);
    });

    it('an unknown ConnectionId is a 404', async () => {
      expect((await call('POST', '/api/v1/connections/validate', { ConnectionId: 'conn-nope' })).status).toBe(404);
    });
  });

  it('a vector store other than LocalVectorConnection is stored, but using one is a 400 "not available yet"', async () => {
    const id = await create({ ConnectionName: 'later', ConnectionType: 'ElasticsearchConnection', Configs: { uri: 'http://es:9200' } });
    const stores = createVectorStores(path.join(root, 'vs'));
    try {
      const e = await stores.forConnection(await c.services.connections.resolve(id)).catch((err: unknown) => err);
      expect(e).toMatchObject({ kind: 'Invalid' });
      expect((e as Error).message).toMatch(/ElasticsearchConnection: this vector store is not available yet \(available: LocalVectorConnection\)/);
    } finally {
      await stores.close();
    }
  });

  it('the OpenAPI document lists PAI paths', async () => {
    const doc = (await call('GET', '/openapi.json')).body;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/connections/validate', '/api/v1/prompts', '/api/v1/prompts/{PromptId}']));
    expect(doc.paths['/api/v1/connections/{ConnectionId}/action/validate']).toBeUndefined();
  });

  it('no response body and no log line held a secret', () => {
    expect(bodies.length).toBeGreaterThan(20);
    for (const text of [...bodies, ...logs]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(KEY);
    }
  });
});

describe('migration 12 on a database saved before it', () => {
  it('renames BaseUrl/ApiKey of DashScope and OpenLLM connections; the sealed secret opens under the new name', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'loupe-mig12-'));
    try {
      const dataDir = path.join(root, 'data');
      await mkdir(dataDir, { recursive: true });
      // The schema as it was before slot 12 (functions a migration calls are stubbed: the tables are empty)
      const db = new Database(path.join(dataDir, 'meta.db'));
      db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
      for (const [i, sql] of SQLITE_MIGRATIONS.slice(0, 11).entries()) {
        for (let tries = 0; ; tries++) {
          try {
            db.transaction(() => db.exec(sql))(); // all or nothing: a retry starts clean
            break;
          } catch (e) {
            const missing = /no such function: (\w+)/.exec((e as Error).message)?.[1];
            if (!missing || tries > 10) throw e;
            db.function(missing, { varargs: true }, () => null);
          }
        }
        db.prepare('INSERT INTO schema_migrations VALUES (?, ?)').run(i + 1, new Date().toISOString());
      }
      const box = AesGcmSecretBox.fromConfig(undefined, dataDir);
      const t = '2025-01-01T00:00:00.000Z';
      const insert = db.prepare('INSERT INTO connections (id, name, type, configs, secret_names, sealed_secrets, models, create_time, update_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
      insert.run('conn-old', 'old', 'OpenLLMConnection', JSON.stringify({ BaseUrl: 'http://127.0.0.1:9/v1' }), '["ApiKey"]', box.seal(JSON.stringify({ ApiKey: SECRET })), '[{"model":"m"}]', t, t);
      insert.run('conn-emb', 'emb', 'DashScopeEmbeddingConnection', JSON.stringify({ BaseUrl: 'https://x/api/v1' }), '["ApiKey"]', box.seal(JSON.stringify({ ApiKey: SECRET })), '[]', t, t);
      db.prepare('INSERT INTO tag_definitions (id, name, guide_prompt, tags, version, create_time, update_time) VALUES (?, ?, ?, ?, ?, ?, ?)').run('tagdef-old', 'old', 'g', '[{"name":"a","description":""}]', 3, t, t);
      db.close();

      const c = buildContainer(loadConfig({ LOUPE_DATA_DIR: dataDir, LOUPE_FILE_ROOTS: root, LOUPE_API_KEYS: KEY }), { log: jsonLogger('silent') });
      try {
        const call = inProcessApi(createApi(c, [KEY]), KEY);
        expect((await call('GET', '/api/v1/connections/conn-old')).body).toMatchObject({
          Configs: { base_url: 'http://127.0.0.1:9/v1' },
          Secrets: { api_key: '******' },
          Description: '',
          Accessibility: 'PRIVATE',
          WorkspaceId: '',
        });
        // made before creators were recorded: no Creator, and no Creator filter finds it
        expect((await call('GET', '/api/v1/connections/conn-old')).body).not.toHaveProperty('Creator');
        expect((await call('GET', `/api/v1/connections?Creator=${apiKeyPrincipal(KEY)}`)).body.TotalCount).toBe(0);
        expect((await c.services.connections.resolve('conn-old')).secrets).toEqual({ api_key: SECRET });
        // a Loupe-only type keeps its keys
        expect((await call('GET', '/api/v1/connections/conn-emb')).body).toMatchObject({ Configs: { BaseUrl: 'https://x/api/v1' }, Secrets: { ApiKey: '******' } });
        expect((await c.services.connections.resolve('conn-emb')).secrets).toEqual({ ApiKey: SECRET });
        // the next update seals the secret under the new name; the base_url stays, so no key is needed again
        expect((await call('PUT', '/api/v1/connections/conn-old', { Description: 'upgraded' })).status).toBe(200);
        expect((await c.services.connections.resolve('conn-old')).secrets).toEqual({ api_key: SECRET });
        expect((await call('GET', '/api/v1/prompts/tagdef-old')).body).toMatchObject({ PromptName: 'old', FrameworkType: '', Accessibility: 'PRIVATE', Description: '' });
      } finally {
        await c.close();
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
