// The loopback model servers themselves: in-flight counting, seeded fault sequences, throughput.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GmeEmbedder } from '../../lib/adapters/models/gme-embedder.js';
import { OpenAiCompatibleTagger } from '../../lib/adapters/models/openai-compatible-tagger.js';
import { isModelError } from '../../lib/ports/model-errors.js';
import { startChatServer } from '../support/loopback-dashscope-chat.js';
import { startGmeServer, type LoopbackGme } from '../support/loopback-gme.js';

const image = (n: number) => ({ kind: 'image' as const, data: Buffer.from(`img ${n}`), mime: 'image/jpeg' });

describe('loopback servers', () => {
  let gme: LoopbackGme;
  beforeAll(async () => {
    gme = await startGmeServer({ dimension: 64 });
  });
  afterAll(() => gme.close());

  it('counts requests in flight exactly, hung ones until the client gives up', async () => {
    gme.setKnobs({ latencyMs: 80 });
    gme.resetStats();
    const embedder = new GmeEmbedder({ endpoint: gme.url, timeoutMs: 2_000, urlPolicy: 'any' });
    await Promise.all(Array.from({ length: 12 }, (_, i) => embedder.embed([image(i)])));
    expect(gme.stats).toEqual({ requests: 12, inFlight: 0, maxInFlight: 12 });

    gme.setKnobs({ latencyMs: 0, rateTimeout: 1 });
    gme.resetStats();
    const impatient = new GmeEmbedder({ endpoint: gme.url, timeoutMs: 100, urlPolicy: 'any' });
    const errors = await Promise.all(Array.from({ length: 3 }, (_, i) => impatient.embed([image(i)]).catch((e: unknown) => e)));
    expect(errors.every((e) => isModelError(e) && e.kind === 'transient')).toBe(true);
    await expect.poll(() => gme.stats.inFlight).toBe(0);
    expect(gme.stats.maxInFlight).toBe(3);
    gme.setKnobs({ rateTimeout: 0 });
  });

  it('draws the same faults in the same order for the same seed', async () => {
    const embedder = new GmeEmbedder({ endpoint: gme.url, urlPolicy: 'any' });
    const run = async () => {
      gme.setKnobs({ seed: 42, rate429: 0.3, rate5xx: 0.2, rateGarbage: 0.1 });
      const kinds: string[] = [];
      for (let i = 0; i < 30; i++) {
        kinds.push(
          await embedder.embed([image(i)]).then(
            () => 'ok',
            (e: { status?: number; kind: string }) => `${e.kind}:${e.status ?? ''}`,
          ),
        );
      }
      return kinds;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(new Set(first).size).toBeGreaterThanOrEqual(3);
    gme.setKnobs({ rate429: 0, rate5xx: 0, rateGarbage: 0 });
  });

  it('serves over 1,000 requests/s at zero latency (GME, 64-dim, 32 keep-alive connections, node:http client)', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
    const post = (n: number) =>
      new Promise<number>((resolve, reject) => {
        const body = JSON.stringify({ model: 'm', contents: { input: [{ image: `data:image/jpeg;base64,${Buffer.from(`img ${n}`).toString('base64')}` }] } });
        const req = http.request(gme.url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end(body);
      });
    gme.resetStats();
    const total = 3_000;
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < total) expect(await post(next++)).toBe(200);
      }),
    );
    const perSecond = total / ((performance.now() - started) / 1000);
    agent.destroy();
    console.info(`loopback GME: ${Math.round(perSecond)} requests/s (client and server in one process)`);
    expect(gme.stats.requests).toBe(total);
    expect(perSecond).toBeGreaterThan(1_000);
  });

  it('chat: the same image gets the same answer whatever else is in flight', async () => {
    const chat = await startChatServer();
    try {
      const tagger = new OpenAiCompatibleTagger({ baseUrl: chat.url, urlPolicy: 'any' });
      const definition = { guidePrompt: '', tags: [{ name: 'A', description: '' }, { name: 'B', description: '', values: ['x', 'y'] }] };
      const tag = (n: number) => tagger.tag({ image: { data: Buffer.from(`img ${n}`), mime: 'image/jpeg' }, definition, model: 'm' });
      const first = await Promise.all([1, 2, 3, 4].map(tag));
      const again = await Promise.all([4, 3, 2, 1].map(tag));
      expect(again.reverse()).toEqual(first);
    } finally {
      await chat.close();
    }
  });
});
