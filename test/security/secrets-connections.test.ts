// Issue 10, items 6 and 7: a connection's secret never follows its URL to another host, and a model
// call's error says the HTTP status (or network code) and a fixed reason, never what the other end
// wrote; LOUPE_MODEL_URL_POLICY=public keeps model calls off loopback, private and metadata addresses.
import http from 'node:http';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../functions/api/index.js';
import { postModelJson } from '../../lib/adapters/models/model-http.js';
import { isPublicAddress, publicOnlyLookup } from '../../lib/adapters/models/model-url-policy.js';
import { ModelError } from '../../lib/ports/model-errors.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { buildContainer, type Container } from '../../lib/runtime/container.js';
import { jsonLogger } from '../../lib/runtime/logger.js';
import { modelUrlPolicyOf } from '../../lib/runtime/model-factory.js';
import { inProcessApi, type ApiCall } from '../support/in-process-api.js';

const API_KEY = 'secrets-conn-api-key-0123456789';
const SECRET = 'sk-conn-secret-4b7e19d2c8a35f60';
const MARKER = 'LEAKED-BODY-MARKER-91d3';

/** An HTTP server that records what reaches it and answers what `reply` says. */
interface Recorder {
  url: string;
  requests: Array<{ path: string; authorization?: string }>;
  reply: (path: string) => { status: number; body: string; type?: string };
  close(): Promise<void>;
}

async function startRecorder(reply: Recorder['reply']): Promise<Recorder> {
  const r: Recorder = { url: '', requests: [], reply, close: async () => undefined };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      r.requests.push({ path: req.url ?? '', authorization: req.headers.authorization });
      const out = r.reply(req.url ?? '');
      res.writeHead(out.status, { 'content-type': out.type ?? 'application/json' });
      res.end(out.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  r.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return r;
}

/** A good chat completion answer, so a validate that reaches the server passes. */
const GOOD_CHAT = { status: 200, body: JSON.stringify({ choices: [{ message: { role: 'assistant', content: '{"tags": {"image": true}}' } }] }) };

describe('connection secrets and model replies (issue 10: #6, #7)', () => {
  let root: string;
  let c: Container;
  let call: ApiCall;
  const bodies: string[] = [];
  const logs: string[] = [];

  const connection = async (body: object) => {
    const r = await call('POST', '/api/v1/connections', body);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.ConnectionId as string;
  };
  const validate = async (id: string) => {
    const b = (await call('POST', '/api/v1/connections/validate', { ConnectionId: id })).body as { Status: string; Message: string };
    return { Valid: b.Status === 'success', Message: b.Message };
  };

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'loupe-sec-conn-'));
    await mkdir(path.join(root, 'files'));
    // LOUPE_HOST is loopback: the default policy is `any`, so the loopback servers are reachable.
    const config = loadConfig({ LOUPE_DATA_DIR: path.join(root, 'data'), LOUPE_FILE_ROOTS: path.join(root, 'files'), LOUPE_API_KEYS: API_KEY, LOUPE_HOST: '127.0.0.1' });
    c = buildContainer(config, { log: jsonLogger('info', (l) => logs.push(l)) });
    call = inProcessApi(createApi(c, [API_KEY]), API_KEY, (t) => bodies.push(t));
  });
  afterAll(async () => {
    await c?.close();
    await rm(root, { recursive: true, force: true });
  });

  describe('#6 a secret never follows a changed URL', () => {
    it('#6 moving base_url to another host without the key again is a 400 naming Secrets.api_key, and nothing reaches the new host', async () => {
      const home = await startRecorder(() => GOOD_CHAT);
      const elsewhere = await startRecorder(() => GOOD_CHAT);
      try {
        const id = await connection({ ConnectionName: 'moving', ConnectionType: 'OpenLLMConnection', Configs: { base_url: `${home.url}/v1` }, Secrets: { api_key: SECRET } });
        const moved = await call('PUT', `/api/v1/connections/${id}`, { Configs: { base_url: `${elsewhere.url}/v1` } });
        expect(moved.status).toBe(400);
        expect(moved.body.Field).toBe('Secrets.api_key');
        expect(moved.body.Message).toContain('Secrets.api_key: required again because Configs.base_url moves to another host');
        // The same through Loupe's older spelling
        const aliased = await call('PUT', `/api/v1/connections/${id}`, { Configs: { BaseUrl: `${elsewhere.url}/v1` } });
        expect([aliased.status, aliased.body.Field]).toEqual([400, 'Secrets.api_key']);
        // Nothing changed: the connection still points home, and validating calls home only.
        expect((await call('GET', `/api/v1/connections/${id}`)).body.Configs.base_url).toBe(`${home.url}/v1`);
        expect(await validate(id)).toMatchObject({ Valid: true });
        expect(home.requests.map((r) => r.authorization)).toEqual([`Bearer ${SECRET}`]);

        // Another scheme is another origin too.
        const https = await call('PUT', `/api/v1/connections/${id}`, { Configs: { base_url: `${home.url.replace('http:', 'https:')}/v1` } });
        expect([https.status, https.body.Field]).toEqual([400, 'Secrets.api_key']);

        // A path on the same origin keeps the key.
        const samePlace = await call('PUT', `/api/v1/connections/${id}`, { Configs: { base_url: `${home.url}/other/v1` } });
        expect(samePlace.status, JSON.stringify(samePlace.body)).toBe(200);
        expect((await call('GET', `/api/v1/connections/${id}`)).body).toMatchObject({ Configs: { base_url: `${home.url}/other/v1` }, Secrets: { api_key: '******' } });

        // Given again in the same request, the new key goes to the new host; the old one never does.
        const NEW = 'sk-conn-new-key-0f1e2d3c4b5a6978';
        const again = await call('PUT', `/api/v1/connections/${id}`, { Configs: { base_url: `${elsewhere.url}/v1` }, Secrets: { api_key: NEW } });
        expect(again.status, JSON.stringify(again.body)).toBe(200);
        expect(await validate(id)).toMatchObject({ Valid: true });
        expect(elsewhere.requests.map((r) => r.authorization)).toEqual([`Bearer ${NEW}`]);
        expect(elsewhere.requests.some((r) => r.authorization?.includes(SECRET))).toBe(false);
      } finally {
        await home.close();
        await elsewhere.close();
      }
    });

    it('#6 an EAS Endpoint moving host needs its Token again; removing the token while moving is allowed', async () => {
      const id = await connection({ ConnectionName: 'gme-moving', ConnectionType: 'EasEmbeddingConnection', Configs: { Endpoint: 'http://127.0.0.1:9/api/predict/gme' }, Secrets: { Token: SECRET } });
      const moved = await call('PUT', `/api/v1/connections/${id}`, { Configs: { Endpoint: 'http://127.0.0.1:10/api/predict/gme' } });
      expect([moved.status, moved.body.Field]).toEqual([400, 'Secrets.Token']);
      expect(moved.body.Message).toContain('Secrets.Token: required again because Configs.Endpoint moves to another host');
      const dropped = await call('PUT', `/api/v1/connections/${id}`, { Configs: { Endpoint: 'http://127.0.0.1:10/api/predict/gme' }, Secrets: { Token: '' } });
      expect(dropped.status).toBe(200);
      expect((await call('GET', `/api/v1/connections/${id}`)).body).toMatchObject({ Configs: { Endpoint: 'http://127.0.0.1:10/api/predict/gme' }, Secrets: {} });
    });
  });

  describe('#7 errors state the status and a fixed reason, never the body', () => {
    it('#7 validate against servers answering banners, error bodies and off-shape JSON: the status is there, the body is not', async () => {
      const answers: Array<{ status: number; body: string; type?: string; expect: RegExp }> = [
        // A Redis-like banner served over HTTP, and Loupe-like JSON errors.
        { status: 200, body: `-ERR unknown command 'POST' ${MARKER}\r\n`, type: 'text/plain', expect: /HTTP 200: model answered non-JSON/ },
        { status: 400, body: JSON.stringify({ error: { message: `bad request ${MARKER}` } }), expect: /HTTP 400: request rejected/ },
        { status: 401, body: JSON.stringify({ error: { message: `Incorrect API key provided: ${SECRET} ${MARKER}` } }), expect: /HTTP 401: credentials refused/ },
        { status: 404, body: JSON.stringify({ Code: 'NotFound', Message: `no route ${MARKER}` }), expect: /HTTP 404: not found at this URL/ },
        { status: 413, body: MARKER, type: 'text/plain', expect: /HTTP 413: request too large/ },
        { status: 429, body: JSON.stringify({ code: 'Throttling', message: MARKER }), expect: /HTTP 429: rate limited/ },
        { status: 503, body: `<html>${MARKER}</html>`, type: 'text/html', expect: /HTTP 503: server error/ },
        { status: 302, body: MARKER, type: 'text/plain', expect: /HTTP 302: redirected \(redirects are not followed/ },
        { status: 200, body: JSON.stringify({ Code: 'Loupe', Message: MARKER, choices: [] }), expect: /off-shape JSON/ },
        { status: 200, body: JSON.stringify({ choices: [{ message: { content: `I cannot do that ${MARKER}` } }] }), expect: /model answered non-JSON/ },
        { status: 200, body: JSON.stringify({ choices: [{ message: { refusal: MARKER } }] }), expect: /model refused to answer/ },
      ];
      let current = answers[0]!;
      const probe = await startRecorder(() => current);
      try {
        const chat = await connection({ ConnectionName: 'probe-chat', ConnectionType: 'OpenLLMConnection', Configs: { BaseUrl: probe.url }, Secrets: { ApiKey: SECRET } });
        for (const a of answers) {
          current = a;
          const v = await validate(chat);
          expect(v.Valid, a.body).toBe(false);
          expect(v.Message).toMatch(a.expect);
          expect(v.Message).not.toContain(MARKER);
          expect(v.Message).not.toContain(SECRET);
        }
        // The embedders too: GME (its own status_code and message list) and DashScope embedding.
        const gme = await connection({ ConnectionName: 'probe-gme', ConnectionType: 'EasEmbeddingConnection', Configs: { Endpoint: probe.url }, Secrets: { Token: SECRET } });
        const dash = await connection({ ConnectionName: 'probe-dash', ConnectionType: 'DashScopeEmbeddingConnection', Configs: { BaseUrl: probe.url }, Secrets: { ApiKey: SECRET } });
        for (const [id, a] of [
          [gme, { status: 200, body: JSON.stringify({ status_code: 400, message: [MARKER] }), expect: /GME status_code 400: request rejected/ }],
          [gme, { status: 200, body: JSON.stringify({ status_code: 204, message: [{ index: 0, error: MARKER }], output: { embeddings: [] } }), expect: /the service refused this input/ }],
          [gme, { status: 200, body: JSON.stringify({ status_code: 200, output: { embeddings: [{ index: MARKER, embedding: [1] }] } }), expect: /off-shape JSON \(embeddings\[0\]\.index/ }],
          [dash, { status: 200, body: JSON.stringify({ code: 'X', message: MARKER }), expect: /off-shape JSON \(no output\)/ }],
          [dash, { status: 400, body: JSON.stringify({ code: 'InvalidParameter', message: MARKER }), expect: /HTTP 400: request rejected/ }],
        ] as const) {
          current = a;
          const v = await validate(id);
          expect(v.Valid, a.body).toBe(false);
          expect(v.Message).toMatch(a.expect);
          expect(v.Message).not.toContain(MARKER);
        }
      } finally {
        await probe.close();
      }
    });

    it('#7 a server that is not HTTP at all (a Redis banner on a raw socket) is named by its error code, not its bytes', async () => {
      const redis = net.createServer((socket) => {
        socket.on('error', () => undefined);
        socket.end(`-ERR wrong number of arguments ${MARKER}\r\n-ERR ${MARKER}\r\n`);
      });
      await new Promise<void>((resolve) => redis.listen(0, '127.0.0.1', resolve));
      try {
        const port = (redis.address() as net.AddressInfo).port;
        const id = await connection({ ConnectionName: 'redis', ConnectionType: 'OpenLLMConnection', Configs: { BaseUrl: `http://127.0.0.1:${port}` } });
        const v = await validate(id);
        expect(v.Valid).toBe(false);
        expect(v.Message).toMatch(/connection failed: [A-Z_]+ \(/);
        expect(v.Message).not.toContain(MARKER);
        expect(v.Message).not.toContain('ERR');
      } finally {
        redis.close();
      }
    });

    it('#7 LOUPE_MODEL_URL_POLICY=public refuses loopback, private, link-local and metadata addresses, also behind a name', async () => {
      for (const a of ['127.0.0.1', '127.8.9.10', '10.0.0.1', '172.16.4.4', '192.168.1.1', '169.254.169.254', '100.100.100.200', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd00:ec2::254', 'fc00::5', '::ffff:127.0.0.1', '::ffff:10.1.2.3', '64:ff9b::a9fe:a9fe', '2002:c0a8:0101::1']) {
        expect(isPublicAddress(a), a).toBe(false);
      }
      for (const a of ['8.8.8.8', '47.88.1.1', '100.128.0.1', '2001:4860:4860::8888', '2002:0808:0808::1']) expect(isPublicAddress(a), a).toBe(true);

      // The lookup hook refuses a name that resolves to loopback.
      const looked = await new Promise<NodeJS.ErrnoException | null>((resolve) => publicOnlyLookup('localhost', { all: true }, (err) => resolve(err)));
      expect(looked?.message).toContain('LOUPE_MODEL_URL_POLICY');

      // Calls: refused before anything reaches the server, with one fixed message naming the variable.
      const target = await startRecorder(() => GOOD_CHAT);
      try {
        const port = new URL(target.url).port;
        for (const url of [target.url, `http://[::1]:${port}/`, `http://localhost:${port}/`, 'http://10.0.0.1:9/', 'http://169.254.169.254/latest/meta-data/', `http://2130706433:${port}/`]) {
          const e = await postModelJson({ service: 'probe', url, body: {}, timeoutMs: 2_000, policy: 'public' }).then(
            () => undefined,
            (err: unknown) => err,
          );
          expect(e, url).toBeInstanceOf(ModelError);
          expect((e as ModelError).kind).toBe('permanent');
          expect((e as ModelError).message).toBe('probe refused by LOUPE_MODEL_URL_POLICY=public: the host is not a public internet address');
        }
        expect(target.requests).toEqual([]);

        // The default follows LOUPE_HOST; the variable wins when set.
        expect(modelUrlPolicyOf({ LOUPE_HOST: '127.0.0.1', LOUPE_MODEL_URL_POLICY: undefined })).toBe('any');
        expect(modelUrlPolicyOf({ LOUPE_HOST: 'localhost', LOUPE_MODEL_URL_POLICY: undefined })).toBe('any');
        expect(modelUrlPolicyOf({ LOUPE_HOST: '0.0.0.0', LOUPE_MODEL_URL_POLICY: undefined })).toBe('public');
        expect(modelUrlPolicyOf({ LOUPE_HOST: '192.168.1.20', LOUPE_MODEL_URL_POLICY: undefined })).toBe('public');
        expect(modelUrlPolicyOf({ LOUPE_HOST: '0.0.0.0', LOUPE_MODEL_URL_POLICY: 'any' })).toBe('any');

        // End to end: a server listening on all interfaces refuses to validate a loopback connection.
        const exposedRoot = await mkdtemp(path.join(os.tmpdir(), 'loupe-sec-exposed-'));
        const exposed = buildContainer(
          loadConfig({ LOUPE_DATA_DIR: path.join(exposedRoot, 'data'), LOUPE_FILE_ROOTS: exposedRoot, LOUPE_API_KEYS: API_KEY, LOUPE_HOST: '0.0.0.0' }),
          { log: jsonLogger('silent') },
        );
        try {
          const api = inProcessApi(createApi(exposed, [API_KEY]), API_KEY);
          const id = (await api('POST', '/api/v1/connections', { ConnectionName: 'local-vllm', ConnectionType: 'OpenLLMConnection', Configs: { BaseUrl: target.url } })).body.ConnectionId;
          const v = (await api('POST', '/api/v1/connections/validate', { ConnectionId: id })).body;
          expect(v.Status).toBe('failed');
          expect(v.Message).toContain('LOUPE_MODEL_URL_POLICY=public');
          expect(target.requests).toEqual([]);
        } finally {
          await exposed.close();
          await rm(exposedRoot, { recursive: true, force: true });
        }
      } finally {
        await target.close();
      }
    });
  });

  it('no response body and no log line of this file held the secret or a body marker', () => {
    expect(bodies.length).toBeGreaterThan(10);
    for (const text of [...bodies, ...logs]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(MARKER);
    }
  });
});
