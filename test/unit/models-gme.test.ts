// GmeEmbedder against the loopback GME (PAI-EAS) server: batches, 204 partial success, faults, secrets.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GmeEmbedder } from '../../lib/adapters/models/gme-embedder.js';
import type { EmbedInput, EmbedOutcome } from '../../lib/ports/embedder.js';
import { startGmeServer, type LoopbackGme } from '../support/loopback-gme.js';
import { modelFailure } from '../support/loopback-failure.js';
import { DEFAULT_FAULT_KNOBS } from '../support/loopback-server.js';

const TOKEN = 'eas-token-Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==';
const image = (n: number): EmbedInput => ({ kind: 'image', data: Buffer.from(`fake image bytes #${n}`), mime: 'image/jpeg' });
const text = (t: string): EmbedInput => ({ kind: 'text', text: t });
const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const vectorOf = (o: EmbedOutcome | undefined) => {
  expect(o?.ok, JSON.stringify(o)).toBe(true);
  return (o as { vector: Float32Array }).vector;
};

const failure = (p: Promise<unknown>) => modelFailure(p, [TOKEN]);

describe('GmeEmbedder against the loopback GME server', () => {
  let server: LoopbackGme;
  const embedder = (opts: Partial<ConstructorParameters<typeof GmeEmbedder>[0]> = {}) =>
    new GmeEmbedder({ endpoint: server.url, token: TOKEN, timeoutMs: 2_000, urlPolicy: 'any', ...opts });

  beforeAll(async () => {
    server = await startGmeServer({ token: TOKEN });
  });
  beforeEach(() => server.setKnobs({ ...DEFAULT_FAULT_KNOBS, dimension: 1536, ratePartial: 0, partialMessageStyle: 'text', maxBatch: 32 }));
  afterAll(() => server.close());

  it('embeds images and text in one request: unit Float32Arrays, dimension learnt, id from the model', async () => {
    const e = embedder();
    expect([e.id, e.dimension, e.supportsText, e.maxBatch]).toEqual(['gme:gme-qwen2-vl-2b', undefined, true, 8]);
    const out = await e.embed([image(1), text('a red car'), image(2)]);
    expect(out).toHaveLength(3);
    for (const o of out) {
      const v = vectorOf(o);
      expect(v).toBeInstanceOf(Float32Array);
      expect(v.length).toBe(1536);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
    expect(e.dimension).toBe(1536);
    const req = server.lastRequest()!;
    expect(req.headers.authorization).toBe(TOKEN);
    expect(req.body).toEqual({
      model: 'gme-qwen2-vl-2b',
      contents: {
        input: [
          { image: `data:image/jpeg;base64,${Buffer.from('fake image bytes #1').toString('base64')}` },
          { text: 'a red car' },
          { image: `data:image/jpeg;base64,${Buffer.from('fake image bytes #2').toString('base64')}` },
        ],
      },
    });
    expect(vectorOf((await e.embed([image(2)]))[0])).toEqual(vectorOf(out[2]));
  });

  it('splits a long list into maxBatch requests and keeps the order', async () => {
    server.resetStats();
    const inputs = [1, 2, 3, 4, 5].map(image);
    const out = await embedder({ maxBatch: 2, model: 'gme-qwen2-vl-7b' }).embed(inputs);
    expect(server.stats.requests).toBe(3);
    const singles = await embedder({ maxBatch: 1 }).embed([image(4)]);
    expect(vectorOf(out[3])).toEqual(vectorOf(singles[0]));
    expect((server.lastRequest()!.body as any).model).toBe('gme-qwen2-vl-2b');
  });

  it('204 partial success: failed indices come back as outcomes with a fixed reason, not the service text (text and object messages)', async () => {
    for (const style of ['text', 'object'] as const) {
      server.setKnobs({ ratePartial: 1, partialMessageStyle: style, seed: 3 });
      const out = await embedder().embed([1, 2, 3, 4, 5, 6].map(image));
      const failed = out.filter((o) => !o.ok);
      expect(failed.length).toBeGreaterThan(0);
      for (const f of failed) {
        expect((f as { error: string }).error).toMatch(/^GME returned no embedding for input \d \(partial success: the service refused this input\)$/);
        expect((f as { error: string }).error).not.toMatch(/inference failed/);
      }
      for (const o of out.filter((x) => x.ok)) expect(vectorOf(o).length).toBe(1536);
    }
  });

  it('an input the service cannot read fails alone, with a fixed reason', async () => {
    const bad: EmbedInput = { kind: 'image', data: Buffer.from('x'), mime: 'application/octet-stream' };
    const out = await embedder().embed([image(1), bad, text('ok')]);
    expect(out.map((o) => o.ok)).toEqual([true, false, true]);
    expect((out[1] as { error: string }).error).toContain('the service refused this input');
    expect((out[1] as { error: string }).error).not.toContain('base64 data URL');
  });

  it('400 (too many inputs) is permanent with the status and a fixed reason, not the service message', async () => {
    server.setKnobs({ maxBatch: 2 });
    const e = await failure(embedder({ maxBatch: 4 }).embed([1, 2, 3].map(image)));
    expect([e.kind, e.status]).toEqual(['permanent', 400]);
    expect(e.message).toMatch(/400: request rejected/);
    expect(e.message).not.toContain('too many inputs');
  });

  it('401 (wrong token) is permanent and never shows the token', async () => {
    const e = await failure(new GmeEmbedder({ endpoint: server.url, token: 'eas-wrong-token-abcdef', urlPolicy: 'any' }).embed([image(1)]));
    expect([e.kind, e.status]).toEqual(['permanent', 401]);
  });

  it('429 with Retry-After, 5xx and timeouts are transient', async () => {
    server.setKnobs({ rate429: 1, retryAfter: 3 });
    const t = await failure(embedder().embed([image(1)]));
    expect([t.kind, t.status, t.retryAfterMs]).toEqual(['transient', 429, 3000]);
    server.setKnobs({ rate429: 0, rate5xx: 1 });
    const s = await failure(embedder().embed([image(1)]));
    expect(s.kind).toBe('transient');
    expect(s.status).toBeGreaterThanOrEqual(500);
    server.setKnobs({ rate5xx: 0, rateTimeout: 1 });
    const h = await failure(embedder({ timeoutMs: 100 }).embed([image(1)]));
    expect(h.kind).toBe('transient');
    expect(h.message).toContain('did not answer within 100 ms');
  });

  it('malformed JSON is permanent', async () => {
    server.setKnobs({ rateGarbage: 1 });
    const e = await failure(embedder().embed([image(1)]));
    expect(e.kind).toBe('permanent');
    expect(e.message).toContain('model answered non-JSON');
  });

  it('a change of vector length (another model behind the endpoint) is permanent', async () => {
    const e = embedder();
    await e.embed([image(1)]);
    server.setKnobs({ dimension: 3584 });
    const err = await failure(e.embed([image(1)]));
    expect(err.kind).toBe('permanent');
    expect(err.message).toContain('3584-dimensional vector, expected 1536');
    expect((await embedder({ model: 'gme-qwen2-vl-7b' }).embed([image(1)]))[0]).toMatchObject({ ok: true });
  });

  it('an empty list makes no request', async () => {
    server.resetStats();
    expect(await embedder().embed([])).toEqual([]);
    expect(server.stats.requests).toBe(0);
  });
});
