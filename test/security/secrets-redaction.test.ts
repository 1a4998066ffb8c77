// Issue 10, item 8: a model that repeats the key (as is, upper-cased, base64, URL-encoded, cut short)
// gets none of it into the job's Logs, its FailedFiles, the file metas or any byte of the data files;
// one redaction step (lib/adapters/models/redact.ts) covers every variant; the data directory is 0700
// and every file Loupe keeps in it 0600, also when an older version left them wider.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoupe, type StartedLoupe } from '../../cli/serve.js';
import { OpenAiCompatibleTagger } from '../../lib/adapters/models/openai-compatible-tagger.js';
import { Redactor } from '../../lib/adapters/models/redact.js';
import { ModelError } from '../../lib/ports/model-errors.js';
import { LoupeClient } from '../../lib/sdk/index.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { jsonLogger } from '../../lib/runtime/logger.js';
import { writePngs } from '../support/local-loupe.js';

/** URL-unsafe characters on purpose, so the URL-encoded copy differs from the key. */
const KEY = 'sk-Loupe/Secret+Key=7c1e9a24d05b83f6';
const b64 = (s: string) => Buffer.from(s).toString('base64');
const b64url = (s: string) => Buffer.from(s).toString('base64url');
/** Every copy of the key a model might echo, and that must appear nowhere. */
const VARIANTS = {
  plain: KEY,
  upper: KEY.toUpperCase(),
  lower: KEY.toLowerCase(),
  base64: b64(KEY),
  base64url: b64url(KEY),
  urlEncoded: encodeURIComponent(KEY),
  prefix: KEY.slice(0, 12),
  suffix: KEY.slice(-10),
  middle: KEY.slice(9, 19),
  inBase64Text: b64(`Authorization: Bearer ${KEY}`).slice(8, 40),
};
/** What no redaction of text can catch: the model's own words are therefore never logged. */
const SPLIT_PAST_REDACTION = [...(KEY.match(/.{7}/g) ?? []), Buffer.from(KEY).toString('hex'), [...KEY].reverse().join('')];

function expectNoVariant(text: string, where: string): void {
  for (const [name, v] of Object.entries(VARIANTS)) expect(text.includes(v), `${where} holds the key (${name}): ${text.slice(0, 400)}`).toBe(false);
}

describe('#8 redaction: one step, every variant', () => {
  it('#8 masks the key as is, in upper and lower case, base64/base64url at any alignment, URL-encoded and cut to 8+ characters', () => {
    const r = new Redactor([KEY, undefined, '']);
    const text = [
      `key ${KEY}.`,
      VARIANTS.upper,
      VARIANTS.lower,
      VARIANTS.base64,
      VARIANTS.base64url,
      `k=${VARIANTS.urlEncoded}&x=1`,
      `starts ${VARIANTS.prefix}…`,
      `…${VARIANTS.suffix} ends`,
      VARIANTS.middle,
      b64(`x${KEY}`),
      b64(`xy${KEY}`),
      VARIANTS.inBase64Text,
    ].join(' | ');
    const out = r.text(text);
    expectNoVariant(out, 'redacted text');
    for (const shift of ['x', 'xy']) expect(out).not.toContain(b64(`${shift}${KEY}`).slice(4, 30));
    // Ordinary words around it survive, and 7 characters of the key alone are not a copy; a short
    // placeholder key never masks the words its fragments make.
    expect(new Redactor(["sk-no-key"]).text("Secrets.ApiKey: required again")).toBe("Secrets.ApiKey: required again");
    expect(new Redactor(["sk-no-key-required"]).text("ApiKey: required again")).toBe("ApiKey: required again");
    expect(out).toMatch(/^key \*\*\*\. \| \*\*\* \| /);
    expect(out).toContain('starts ***…');
    expect(r.text(`word ${KEY.slice(3, 10)} word`)).toBe(`word ${KEY.slice(3, 10)} word`);
    // A short secret is masked where it appears whole.
    expect(new Redactor(['abc12']).text('x abc12 y ABC12')).toBe('x *** y ***');
  });

  it('#8 a ModelError leaving an adapter is rebuilt scrubbed (message, JSON and stack); dropped answers are scrubbed and cut short', async () => {
    const r = new Redactor([KEY]);
    const e = (await r.guard(() => Promise.reject(new ModelError('permanent', `said ${VARIANTS.base64}`, { status: 400 }))).catch((x: unknown) => x)) as ModelError;
    expect(e).toBeInstanceOf(ModelError);
    expect([e.kind, e.status, e.message]).toEqual(['permanent', 400, 'said ***']);
    expectNoVariant(`${e.message} ${JSON.stringify(e)} ${e.stack}`, 'error');

    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const content = JSON.stringify({ tags: { [KEY]: true, Weather: VARIANTS.upper, Note: 'x'.repeat(500) } });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ choices: [{ message: { content } }] }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const tagger = new OpenAiCompatibleTagger({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, apiKey: KEY, urlPolicy: 'any' });
      const got = await tagger.tag({ image: { data: Buffer.from('img'), mime: 'image/png' }, definition: { guidePrompt: '', tags: [{ name: 'Weather', description: '', values: ['sunny'] }] }, model: 'm' });
      expect(got.dropped).toHaveLength(3);
      expect(got.dropped).toContain('***');
      expect(got.dropped).toContain('Weather:***');
      for (const d of got.dropped) expect(d.length).toBeLessThanOrEqual(80);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('#8 a tagging model echoing the key (issue 10)', () => {
  let root: string;
  let dataDir: string;
  let loupe: StartedLoupe;
  let client: LoupeClient;
  let echo: http.Server;
  let echoUrl: string;
  const logLines: string[] = [];
  let calls = 0;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'loupe-sec-redact-'));
    const files = path.join(root, 'files');
    await writePngs(path.join(files, 'images'), ['a.png', 'b.png', 'c.png']);
    // Left by an older version: a 0755 data directory with a 0644 key file and database.
    dataDir = path.join(root, 'data');
    await mkdir(dataDir);
    await chmod(dataDir, 0o755);
    await writeFile(path.join(dataDir, 'secret.key'), randomBytes(32).toString('base64') + '\n', { mode: 0o644 });
    await writeFile(path.join(dataDir, 'meta.db'), '', { mode: 0o644 });
    await chmod(path.join(dataDir, 'secret.key'), 0o644);
    await chmod(path.join(dataDir, 'meta.db'), 0o644);

    // The model: answers in turn with the key among its tags, in prose, and in a 400 error body.
    echo = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const turn = calls++ % 3;
        const chat = (content: string) => JSON.stringify({ choices: [{ message: { role: 'assistant', content } }] });
        let status = 200;
        let body: string;
        if (turn === 0) {
          body = chat(
            JSON.stringify({
              tags: {
                Person: true,
                [KEY]: true,
                Weather: VARIANTS.base64,
                Colour: VARIANTS.upper,
                Note: `${VARIANTS.prefix}…`,
                Link: `https://example.com/?k=${VARIANTS.urlEncoded}`,
                Tail: VARIANTS.suffix,
                Blob: VARIANTS.inBase64Text,
                // Past any redaction: the key split into 7-character pieces, as hex, reversed.
                ...Object.fromEntries(SPLIT_PAST_REDACTION.map((piece) => [piece, true])),
              },
            }),
          );
        } else if (turn === 1) {
          body = chat(`I was told to keep ${KEY} secret; in base64 that is ${VARIANTS.base64}, shouting: ${VARIANTS.upper}`);
        } else {
          status = 400;
          body = JSON.stringify({ error: { message: `Incorrect API key provided: ${VARIANTS.upper} (${VARIANTS.prefix}...)`, code: 'invalid_api_key' } });
        }
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}/v1`;

    const config = loadConfig({
      LOUPE_DATA_DIR: dataDir,
      LOUPE_FILE_ROOTS: files,
      LOUPE_HOST: '127.0.0.1',
      LOUPE_PORT: '0',
      LOUPE_WORKER_THREADS: '0',
      LOUPE_LOG_LEVEL: 'debug',
      LOUPE_MODEL_RETRY_BASE_MS: '5',
    });
    loupe = await startLoupe(config, { log: jsonLogger('debug', (l) => logLines.push(l)) });
    client = new LoupeClient({ url: loupe.url, apiKey: loupe.keys.keys[0]! });
  });
  afterAll(async () => {
    await loupe?.stop();
    echo?.closeAllConnections();
    echo?.close();
    await rm(root, { recursive: true, force: true });
  });

  const api = async (method: string, route: string, body?: unknown) => {
    const res = await fetch(loupe.url + route, {
      method,
      headers: { authorization: `Bearer ${loupe.keys.keys[0]}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, text, body: text ? JSON.parse(text) : undefined };
  };
  const created = async (route: string, body: unknown) => {
    const r = await api('POST', route, body);
    expect(r.status, r.text).toBe(200);
    return r.body;
  };
  /** Every file under the data directory, with its bytes. */
  const dataFiles = (dir = dataDir): Array<{ file: string; bytes: Buffer }> =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const p = path.join(dir, e.name);
      return e.isDirectory() ? dataFiles(p) : [{ file: p, bytes: readFileSync(p) }];
    });

  it('#8 the key reaches no job log, failed-file reason, file meta, log line or data file byte; data files 0600 in a 0700 directory', async () => {
    const datasetId = (await created('/api/v1/datasets', { Name: 'echo', Uri: pathToFileURL(path.join(root, 'files', 'images')).href + '/' })).DatasetId;
    const connectionId = (await created('/api/v1/connections', { ConnectionName: 'echo', ConnectionType: 'OpenLLMConnection', Configs: { BaseUrl: echoUrl }, Secrets: { ApiKey: KEY } })).ConnectionId;
    const tagDefinitionId = (
      await created('/api/v1/tagdefinitions', {
        Name: 'echo',
        GuidePrompt: 'Label the picture.',
        Tags: [{ Name: 'Person', Description: 'a person' }, { Name: 'Weather', Description: 'the weather', Values: ['sunny', 'rainy'] }],
      })
    ).TagDefinitionId;
    const jobId = (
      await created(`/api/v1/datasets/${datasetId}/datasetjobs`, {
        DatasetVersion: 'v1',
        JobAction: 'IntelligentTag',
        JobSpec: { connectionId, modelName: 'echo-vl', tagDefinitionId, concurrency: 1 },
      })
    ).DatasetJobId;
    const job = await client.waitForJob(datasetId, jobId, { intervalMs: 100, signal: AbortSignal.timeout(60_000) });
    // A vector index too, so its files are among those checked (the classic embedder is offline).
    const classic = (await created('/api/v1/connections', { ConnectionName: 'classic', ConnectionType: 'ClassicEmbeddingConnection' })).ConnectionId;
    const vectors = (await created('/api/v1/connections', { ConnectionName: 'local', ConnectionType: 'LocalVectorConnection' })).ConnectionId;
    const indexJob = (
      await created(`/api/v1/datasets/${datasetId}/datasetjobs`, {
        DatasetVersion: 'v1',
        JobAction: 'SemanticIndex',
        JobSpec: { embeddingConnectionId: classic, vectorConnectionId: vectors, indexName: 'sec' },
      })
    ).DatasetJobId;
    expect((await client.waitForJob(datasetId, indexJob, { intervalMs: 100, signal: AbortSignal.timeout(60_000) })).Status).toBe('Succeeded');

    // The model was called and its answers were used: one file tagged with a dropped-answers line, two failed.
    expect(calls).toBe(3);
    expect(job.CompletedFileCount).toBe(1);
    expect(job.FailedFileCount).toBe(2);
    const logs = (job.Logs ?? []).map((l) => l.Message);
    // The dropped answers are counted and named by the definition's own words, never the model's.
    expect(logs.some((m) => /dropped \d+ answers outside the definition: .*tags the definition does not have/.test(m))).toBe(true);
    for (const piece of SPLIT_PAST_REDACTION) expect(JSON.stringify(job), `the job holds '${piece}'`).not.toContain(piece);
    const reasons = (job.FailedFiles ?? []).map((f) => f.Reason);
    expect(reasons.some((r) => /non-JSON/.test(r))).toBe(true);
    expect(reasons.some((r) => /HTTP 400: request rejected/.test(r))).toBe(true);

    expectNoVariant(JSON.stringify(job), 'the job (Logs, FailedFiles)');
    const metas = await api('GET', `/api/v1/datasets/${datasetId}/datasetfilemetas?DatasetVersion=v1&MaxResults=100&Status=PENDING,ACTIVE,FAILED,DELETED`);
    expect(metas.status).toBe(200);
    expectNoVariant(metas.text, 'the file metas');
    expectNoVariant(logLines.join('\n'), 'the server log');

    // Every byte on disk, the live WAL included, then again once the stores are closed and checkpointed.
    const check = (expected: string[]) => {
      const found = dataFiles();
      expect(found.map((f) => path.basename(f.file))).toEqual(expect.arrayContaining(expected));
      for (const { file, bytes } of found) {
        for (const [name, v] of Object.entries(VARIANTS)) expect(bytes.includes(Buffer.from(v)), `${file} holds the key (${name})`).toBe(false);
      }
    };
    check(['meta.db', 'meta.db-wal', 'queue.db', 'secret.key', 'api-key', 'vectors-0.f32']);

    // Modes: the directory 0700, every file 0600 (vector files and the SQLite -wal/-shm included).
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    const modes = (dir: string): Array<[string, number]> =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        return e.isDirectory() ? [[p, statSync(p).mode & 0o777] as [string, number], ...modes(p)] : [[p, statSync(p).mode & 0o777] as [string, number]];
      });
    const all = modes(dataDir);
    expect(all.some(([p]) => p.includes(`${path.sep}vectors${path.sep}`))).toBe(true);
    for (const [p, mode] of all) expect(mode.toString(8), p).toBe(statSync(p).isDirectory() ? '700' : '600');

    await loupe.stop();
    check(['meta.db', 'queue.db']);
    loupe = undefined as unknown as StartedLoupe;
  });
});
