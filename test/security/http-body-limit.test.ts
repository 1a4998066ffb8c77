// Issue 10 #9: request bodies are limited (LOUPE_MAX_BODY_BYTES; the search POST, which may carry an
// uploaded image, gets room for it on top). Over the limit is a 413 that says "too large" and the
// limit, answered before the body is buffered: a declared Content-Length at once, a chunked body
// when the count passes the limit. Sent over a real socket to a started server.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHandler } from '../../functions/api/index.js';
import { loadConfig } from '../../lib/runtime/config.js';
import { buildContainer } from '../../lib/runtime/container.js';
import { jsonLogger } from '../../lib/runtime/logger.js';
import { startTestLoupe, type StartedTestLoupe } from './started-loupe.js';

const MiB = 1024 * 1024;

interface RawResult {
  status: number;
  body: any;
  /** Body bytes written before the server answered or closed the connection. */
  sent: number;
}

/**
 * POSTs a JSON body of `total` bytes (`{"Name":"aaaa…`) over a raw socket, 1 MiB at a time with
 * back-pressure, declared by Content-Length or chunked; stops writing once the answer is in.
 */
function postLarge(url: string, route: string, apiKey: string, total: number, framing: 'content-length' | 'chunked'): Promise<RawResult> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let answer = Buffer.alloc(0);
    let sent = 0;
    let done = false;
    const timer = setTimeout(() => finish(new Error(`no answer after ${sent} bytes`)), 60_000);
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) return reject(err);
      const end = answer.indexOf('\r\n\r\n');
      const head = answer.subarray(0, end).toString('latin1');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
      const length = Number(/content-length: (\d+)/i.exec(head)?.[1]);
      resolve({ status, body: JSON.parse(answer.subarray(end + 4, end + 4 + length).toString('utf8')), sent });
    };
    const complete = () => {
      const end = answer.indexOf('\r\n\r\n');
      if (end < 0) return false;
      const length = Number(/content-length: (\d+)/i.exec(answer.subarray(0, end).toString('latin1'))?.[1]);
      return answer.length >= end + 4 + length;
    };
    socket.on('data', (d) => {
      answer = Buffer.concat([answer, d]);
      if (complete()) finish();
    });
    socket.on('error', () => (complete() ? finish() : undefined));
    socket.on('close', () => (complete() ? finish() : finish(new Error(`connection closed without an answer after ${sent} bytes`))));
    socket.on('connect', async () => {
      socket.write(
        `POST ${route} HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${apiKey}\r\nContent-Type: application/json\r\n` +
          (framing === 'chunked' ? 'Transfer-Encoding: chunked\r\n' : `Content-Length: ${total}\r\n`) +
          '\r\n',
      );
      const head = Buffer.from('{"Name":"');
      const chunk = Buffer.alloc(MiB, 'a');
      while (!done && !socket.destroyed && sent < total) {
        const part = (sent === 0 ? Buffer.concat([head, chunk.subarray(head.length)]) : chunk).subarray(0, Math.min(MiB, total - sent));
        const framed = framing === 'chunked' ? Buffer.concat([Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n')]) : part;
        sent += part.length;
        if (!socket.write(framed)) await new Promise((r) => socket.once('drain', r).once('close', r));
      }
      if (framing === 'chunked' && !done && !socket.destroyed) socket.write('0\r\n\r\n');
    });
  });
}

describe('#9 request bodies are limited', () => {
  let loupe: StartedTestLoupe;
  beforeAll(async () => {
    loupe = await startTestLoupe('loupe-sec-body-');
  });
  afterAll(() => loupe?.stop());

  const tooLarge = (r: RawResult, limit: number) => {
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ Code: 'PayloadTooLarge', RequestId: expect.any(String) });
    expect(r.body.Message).toMatch(/too large/);
    expect(r.body.Message).toContain(String(limit));
  };

  it.each([
    ['declared by Content-Length is a 413 before it is buffered', 'content-length'],
    ['chunked is counted while it streams and cut off at the limit', 'chunked'],
  ] as const)('#9 a 600 MB body %s', async (_, framing) => {
    global.gc?.();
    const before = process.memoryUsage().rss;
    const r = await postLarge(loupe.url, '/api/v1/datasets', loupe.apiKey, 600 * MiB, framing);
    tooLarge(r, 4 * MiB);
    // Answered long before the body could have been read; memory did not grow by the body's size.
    expect(r.sent).toBeLessThan(200 * MiB);
    expect(process.memoryUsage().rss - before).toBeLessThan(150 * MiB);
  });

  it('#9 the search POST (an uploaded image) has room for a 20 MiB image, and no more', async () => {
    const search = '/api/v1/datasets/none/datasetfilemetas/action/search';
    // 10 MiB passes the limit (and is then judged as a request: an unknown dataset or a bad body).
    const within = await postLarge(loupe.url, search, loupe.apiKey, 10 * MiB, 'content-length');
    expect(within.status).not.toBe(413);
    expect(within.status).toBeLessThan(500);
    const over = await postLarge(loupe.url, search, loupe.apiKey, 40 * MiB, 'chunked');
    expect(over.status).toBe(413);
    expect(over.body.Message).toMatch(/too large/);
  });

  it('#9 the FC api function has the same limit (it is the same app)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'loupe-sec-body-fc-'));
    const c = buildContainer(loadConfig({ LOUPE_DATA_DIR: path.join(dir, 'data'), LOUPE_FILE_ROOTS: dir, LOUPE_API_KEYS: 'fc-key-0123456789', LOUPE_MAX_BODY_BYTES: '65536' }), {
      log: jsonLogger('silent'),
    });
    try {
      const event = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../events/api-http.json'), 'utf8'));
      event.rawPath = '/api/v1/datasets';
      event.requestContext.http.method = 'POST';
      event.headers = { ...event.headers, authorization: 'Bearer fc-key-0123456789', 'content-type': 'application/json' };
      event.body = JSON.stringify({ Name: 'x'.repeat(100_000), Edition: 'LOGICAL' });
      const res = (await createApiHandler(() => c)(Buffer.from(JSON.stringify(event)), { requestId: 'r1' } as never)) as { statusCode: number; body: string };
      expect(res.statusCode).toBe(413);
      expect(JSON.parse(res.body)).toMatchObject({ Code: 'PayloadTooLarge', Message: expect.stringMatching(/too large.*65536/) });
    } finally {
      await c.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('#9 LOUPE_MAX_BODY_BYTES sets the limit', async () => {
    const small = await startTestLoupe('loupe-sec-body-small-', { LOUPE_MAX_BODY_BYTES: String(64 * 1024) });
    try {
      const ok = await fetch(`${small.url}/api/v1/datasets`, {
        method: 'POST',
        headers: { authorization: `Bearer ${small.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ Name: 'fits', Edition: 'LOGICAL', Description: 'd'.repeat(1000) }),
      });
      expect(ok.status).toBe(200);
      tooLarge(await postLarge(small.url, '/api/v1/datasets', small.apiKey, 100 * 1024, 'content-length'), 64 * 1024);
    } finally {
      await small.stop();
    }
  });
});
