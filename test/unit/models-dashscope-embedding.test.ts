// DashScopeMultimodalEmbedder against the loopback DashScope multimodal-embedding server.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DashScopeMultimodalEmbedder } from '../../lib/adapters/models/dashscope-embedder.js';
import type { EmbedInput } from '../../lib/ports/embedder.js';
import { startDashScopeEmbeddingServer, type LoopbackDashScopeEmbedding } from '../support/loopback-dashscope-embedding.js';
import { modelFailure } from '../support/loopback-failure.js';
import { DEFAULT_FAULT_KNOBS } from '../support/loopback-server.js';

const KEY = 'sk-dashscope-embed-4c1d2e3f4a5b6c7d';
const image = (n: number): EmbedInput => ({ kind: 'image', data: Buffer.from(`png bytes ${n}`), mime: 'image/png' });

const failure = (p: Promise<unknown>) => modelFailure(p, [KEY]);

describe('DashScopeMultimodalEmbedder against the loopback DashScope embedding server', () => {
  let server: LoopbackDashScopeEmbedding;
  const embedder = (opts: Partial<ConstructorParameters<typeof DashScopeMultimodalEmbedder>[0]> = {}) =>
    new DashScopeMultimodalEmbedder({ apiKey: KEY, baseUrl: server.url, timeoutMs: 2_000, urlPolicy: 'any', ...opts });

  beforeAll(async () => {
    server = await startDashScopeEmbeddingServer({ apiKey: KEY });
  });
  beforeEach(() => server.setKnobs({ ...DEFAULT_FAULT_KNOBS, dimension: 1024, maxImages: 1 }));
  afterAll(() => server.close());

  it('embeds an image and a text (one per request), unit vectors of 1024, id from the model', async () => {
    server.resetStats();
    const e = embedder();
    expect([e.id, e.maxBatch, e.supportsText, e.dimension]).toEqual(['dashscope:multimodal-embedding-v1', 1, true, undefined]);
    const out = await e.embed([image(1), { kind: 'text', text: '一只猫' }]);
    expect(server.stats.requests).toBe(2);
    for (const o of out) {
      expect(o.ok).toBe(true);
      const v = (o as { vector: Float32Array }).vector;
      expect(v.length).toBe(1024);
      expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    }
    expect(e.dimension).toBe(1024);
    const req = server.lastRequest()!;
    expect(req.path).toBe('/api/v1/services/embeddings/multimodal-embedding/multimodal-embedding');
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req.body).toEqual({ model: 'multimodal-embedding-v1', input: { contents: [{ text: '一只猫' }] } });
    await e.embed([image(7)]);
    expect((server.lastRequest()!.body as any).input.contents[0].image).toBe(`data:image/png;base64,${Buffer.from('png bytes 7').toString('base64')}`);
  });

  it('a model that takes several contents per call gets them in one request', async () => {
    server.setKnobs({ maxImages: 4 });
    server.resetStats();
    const out = await embedder({ maxBatch: 4, model: 'tongyi-embedding-vision-plus' }).embed([1, 2, 3].map(image));
    expect(server.stats.requests).toBe(1);
    expect(out.every((o) => o.ok)).toBe(true);
  });

  it('400 InvalidParameter (too many images) is permanent with the status and a fixed reason, not the service text', async () => {
    const e = await failure(embedder({ maxBatch: 2 }).embed([image(1), image(2)]));
    expect([e.kind, e.status]).toEqual(['permanent', 400]);
    expect(e.message).toBe('DashScope embedding HTTP 400: request rejected (check the model name and the connection type)');
  });

  it('401 is permanent and never shows the key', async () => {
    const wrong = 'sk-wrong-dashscope-key-999';
    const e = await failure(new DashScopeMultimodalEmbedder({ apiKey: wrong, baseUrl: server.url, urlPolicy: 'any' }).embed([image(1)]));
    expect([e.kind, e.status]).toEqual(['permanent', 401]);
    expect(e.message).toBe('DashScope embedding HTTP 401: credentials refused (check the key or token)');
    expect(e.message).not.toContain(wrong);
  });

  it('429 Throttling with Retry-After, 5xx and timeouts are transient', async () => {
    server.setKnobs({ rate429: 1, retryAfter: 1 });
    const t = await failure(embedder().embed([image(1)]));
    expect([t.kind, t.status, t.retryAfterMs]).toEqual(['transient', 429, 1000]);
    expect(t.message).toBe('DashScope embedding HTTP 429: rate limited');
    server.setKnobs({ rate429: 0, rate5xx: 1 });
    expect((await failure(embedder().embed([image(1)]))).kind).toBe('transient');
    server.setKnobs({ rate5xx: 0, rateTimeout: 1 });
    const h = await failure(embedder({ timeoutMs: 100 }).embed([image(1)]));
    expect(h.kind).toBe('transient');
  });

  it('malformed JSON is permanent', async () => {
    server.setKnobs({ rateGarbage: 1 });
    const e = await failure(embedder().embed([image(1)]));
    expect(e.kind).toBe('permanent');
    expect(e.message).toContain('model answered non-JSON');
  });
});
