// OpenAiCompatibleTagger against the loopback DashScope chat server; readTagAnswer on its own.
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OpenAiCompatibleTagger } from '../../lib/adapters/models/openai-compatible-tagger.js';
import { readTagAnswer } from '../../lib/adapters/models/tag-answer.js';
import { ModelError } from '../../lib/ports/model-errors.js';
import type { TagRequest } from '../../lib/ports/tagger.js';
import { startChatServer, type LoopbackChat } from '../support/loopback-dashscope-chat.js';
import { modelFailure } from '../support/loopback-failure.js';
import { DEFAULT_FAULT_KNOBS } from '../support/loopback-server.js';

const KEY = 'sk-loupe-test-7f3a9c2e51d04b8a';
const definition: TagRequest['definition'] = {
  guidePrompt: 'You label street photos for a driving dataset.',
  tags: [
    { name: 'Person', description: 'a person is visible' },
    { name: 'Vehicle', description: 'a car, bus or truck is visible' },
    { name: 'Weather', description: 'the weather', values: ['sunny', 'rainy', 'snowy'] },
    { name: 'Time of day', description: 'when the photo was taken', values: ['day', 'night'] },
  ],
};
const ALLOWED = new Set(['Person', 'Vehicle', 'Weather:sunny', 'Weather:rainy', 'Weather:snowy', 'Time of day:day', 'Time of day:night']);

const jpeg = (r: number, g: number, b: number) =>
  sharp({ create: { width: 24, height: 16, channels: 3, background: { r, g, b } } }).jpeg().toBuffer();


describe('OpenAiCompatibleTagger against the loopback chat server', () => {
  let server: LoopbackChat;
  let tagger: OpenAiCompatibleTagger;
  let images: Buffer[];
  const messages: string[] = [];
  const tag = (image: Buffer, t: OpenAiCompatibleTagger = tagger, model = 'qwen-vl-max') =>
    t.tag({ image: { data: image, mime: 'image/jpeg' }, definition, model });
  const fail = async (p: Promise<unknown>) => {
    const e = await modelFailure(p, [KEY]);
    messages.push(e.message);
    return e;
  };

  beforeAll(async () => {
    server = await startChatServer({ apiKey: KEY, models: ['qwen-vl-max', 'qwen-vl-plus'] });
    tagger = new OpenAiCompatibleTagger({ baseUrl: server.url, apiKey: KEY, timeoutMs: 2_000, urlPolicy: 'any' });
    images = await Promise.all([jpeg(200, 30, 30), jpeg(30, 200, 30), jpeg(30, 30, 200), jpeg(90, 90, 90), jpeg(250, 250, 10), jpeg(0, 0, 0)]);
  });
  beforeEach(() => server.setKnobs({ ...DEFAULT_FAULT_KNOBS, rateOffDefinition: 0, fenced: false, answer: undefined }));
  afterAll(async () => {
    // No error message built in this file may carry the key.
    for (const m of messages) expect(m).not.toContain(KEY);
    await server.close();
  });

  it('sends an OpenAI-compatible request: system prompt with the definition and "JSON", image as a data URI, json_object, temperature 0', async () => {
    await tag(images[0]!);
    const req = server.lastRequest()!;
    expect(req.path).toBe('/compatible-mode/v1/chat/completions');
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
    const body = req.body as any;
    expect(body).toMatchObject({ model: 'qwen-vl-max', temperature: 0, response_format: { type: 'json_object' } });
    expect(body.messages[0].role).toBe('system');
    expect(body.messages[0].content).toContain(definition.guidePrompt);
    expect(body.messages[0].content).toContain('JSON');
    expect(body.messages[0].content).toContain('"Time of day"');
    expect(body.messages[1].content[0]).toEqual({ type: 'image_url', image_url: { url: `data:image/jpeg;base64,${images[0]!.toString('base64')}` } });
    expect(body.messages[1].content[1].type).toBe('text');
  });

  it('returns only tags of the definition, free tags by name and closed ones as Name:Value, the same for the same image', async () => {
    const results = await Promise.all(images.map((i) => tag(i)));
    for (const r of results) {
      expect(r.dropped).toEqual([]);
      for (const t of r.tags) expect(ALLOWED.has(t)).toBe(true);
    }
    expect(new Set(results.map((r) => r.tags.join('|'))).size).toBeGreaterThan(1); // answers depend on the image
    expect(await tag(images[2]!)).toEqual(results[2]);
  });

  it('works without a key against an open endpoint (vLLM, Ollama) and with qwen-vl-plus', async () => {
    const open = await startChatServer();
    try {
      const r = await new OpenAiCompatibleTagger({ baseUrl: `${open.url}/`, urlPolicy: 'any' }).tag({ image: { data: images[1]!, mime: 'image/jpeg' }, definition, model: 'qwen-vl-plus' });
      for (const t of r.tags) expect(ALLOWED.has(t)).toBe(true);
      expect(open.lastRequest()!.headers.authorization).toBeUndefined();
    } finally {
      await open.close();
    }
  });

  it('drops tags and values outside the definition into `dropped`', async () => {
    server.setKnobs({ rateOffDefinition: 1 });
    const r = await tag(images[0]!);
    expect(r.dropped).toContain('NotInTheDefinition');
    expect(r.dropped).toContain('Weather:a value not in the list');
    for (const t of r.tags) expect(ALLOWED.has(t)).toBe(true);
  });

  it('reads a fenced answer, case-insensitive names and values, lists of values', async () => {
    server.setKnobs({
      fenced: true,
      answer: { person: true, Vehicle: 'no', WEATHER: ['Rainy', 'foggy'], 'Time of day': null, Colour: 'red', Extra: false },
    });
    expect(await tag(images[0]!)).toEqual({ tags: ['Person', 'Weather:rainy'], dropped: ['Weather:foggy', 'Colour:red'] });
  });

  it('429 with Retry-After (seconds or HTTP-date) is transient with retryAfterMs', async () => {
    server.setKnobs({ rate429: 1, retryAfter: 2 });
    const e = await fail(tag(images[0]!));
    expect([e.kind, e.status, e.retryAfterMs]).toEqual(['transient', 429, 2000]);
    expect(e.message).toContain('rate limit');
    server.setKnobs({ retryAfter: new Date(Date.now() + 30_000).toUTCString() });
    const d = await fail(tag(images[0]!));
    expect(d.retryAfterMs).toBeGreaterThan(25_000);
    expect(d.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it('5xx is transient', async () => {
    server.setKnobs({ rate5xx: 1 });
    for (let i = 0; i < 4; i++) {
      const e = await fail(tag(images[0]!));
      expect(e.kind).toBe('transient');
      expect([500, 502, 503]).toContain(e.status);
    }
  });

  it('a server that never answers is a transient timeout, and the server sees the request end', async () => {
    server.setKnobs({ rateTimeout: 1 });
    const fast = new OpenAiCompatibleTagger({ baseUrl: server.url, apiKey: KEY, timeoutMs: 150, urlPolicy: 'any' });
    const started = Date.now();
    const e = await fail(tag(images[0]!, fast));
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(e.kind).toBe('transient');
    expect(e.message).toMatch(/did not answer within 150 ms/);
    await expect.poll(() => server.stats.inFlight).toBe(0);
  });

  it('a connection dropped without an answer is transient', async () => {
    server.setKnobs({ rateReset: 1 });
    const e = await fail(tag(images[0]!));
    expect(e.kind).toBe('transient');
    expect(e.message).toMatch(/^chat completions connection failed: /);
    await expect.poll(() => server.stats.inFlight).toBe(0);
  });

  it('a refused connection is its own kind (a few quick retries, then the file fails), naming host:port', async () => {
    const gone = await startChatServer();
    const url = gone.url;
    await gone.close();
    const e = await fail(new OpenAiCompatibleTagger({ baseUrl: url, timeoutMs: 2_000, urlPolicy: 'any' }).tag({ image: { data: images[0]!, mime: 'image/jpeg' }, definition, model: 'm' }));
    expect(e.kind).toBe('refused');
    expect(e.message).toContain('ECONNREFUSED');
    expect(e.message).toContain(new URL(url).host);
  });

  it('401 (wrong key, echoed by the service) is permanent and the key appears nowhere in the error', async () => {
    const wrongKey = 'sk-wrong-0123456789abcdef';
    const e = await fail(tag(images[0]!, new OpenAiCompatibleTagger({ baseUrl: server.url, apiKey: wrongKey, urlPolicy: 'any' })));
    expect([e.kind, e.status]).toEqual(['permanent', 401]);
    expect(e.message).toBe('chat completions HTTP 401: credentials refused (check the key or token)');
    expect(e.message).not.toContain(wrongKey);
    expect(JSON.stringify(e)).not.toContain(wrongKey);
    expect(String(e.stack)).not.toContain(wrongKey);
  });

  it('400 and 404 (unknown model) are permanent with the status and a fixed reason, not the service message', async () => {
    const m = await fail(tag(images[0]!, tagger, 'qwen-vl-nonexistent'));
    expect([m.kind, m.status]).toEqual(['permanent', 404]);
    expect(m.message).toBe('chat completions HTTP 404: not found at this URL (check the URL and the model name)');
    server.setKnobs({ failStatus: 400 });
    const b = await fail(tag(images[0]!));
    expect([b.kind, b.status]).toEqual(['permanent', 400]);
    server.setKnobs({ failStatus: 403 });
    expect((await fail(tag(images[0]!))).kind).toBe('permanent');
  });

  it('garbage answers (prose, cut-off JSON, JSON of another shape) are permanent', async () => {
    server.setKnobs({ rateGarbage: 1, seed: 7 });
    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const e = await fail(tag(images[0]!));
      expect(e.kind).toBe('permanent');
      expect(e.message).toMatch(/^model answered (non-JSON|off-shape JSON)/);
      seen.add(e.message.split(':')[0]!);
    }
    expect(seen.size).toBe(2);
  });

  it('an abort from the caller rejects with the abort reason, not a ModelError', async () => {
    server.setKnobs({ latencyMs: 2_000 });
    const controller = new AbortController();
    const p = tagger.tag({ image: { data: images[0]!, mime: 'image/jpeg' }, definition, model: 'qwen-vl-max', signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const e = await p.catch((err: unknown) => err);
    expect(e).not.toBeInstanceOf(ModelError);
    expect((e as Error).name).toBe('AbortError');
  });
});

describe('readTagAnswer', () => {
  const items = definition.tags;

  it('reads the object shape and the list shape', () => {
    expect(readTagAnswer('{"tags": {"Person": true, "Vehicle": false, "Weather": "sunny", "Time of day": ["day", "night"]}}', items)).toEqual({
      tags: ['Person', 'Weather:sunny', 'Time of day:day', 'Time of day:night'],
      dropped: [],
    });
    expect(readTagAnswer('{"tags": ["Person", "Weather:snowy", "Weather:hail", "Dog", 3]}', items)).toEqual({
      tags: ['Person', 'Weather:snowy'],
      dropped: ['Weather:hail', 'Dog', '3'],
    });
  });

  it('tolerates fences and a sentence around the object; free tags answered "yes"/"no"', () => {
    expect(readTagAnswer('Sure! ```json\n{"tags": {"Person": "yes", "Vehicle": "no"}}\n```', items).tags).toEqual(['Person']);
    expect(readTagAnswer('Here it is: {"tags": {"Vehicle": true}} Hope that helps.', items).tags).toEqual(['Vehicle']);
  });

  it('drops a value for a free tag, and true for a closed one', () => {
    expect(readTagAnswer('{"tags": {"Person": "two people", "Weather": true}}', items)).toEqual({ tags: [], dropped: ['Person:two people', 'Weather:true'] });
  });

  it('throws permanent errors for non-JSON and for other shapes', () => {
    for (const text of ['I see a cat.', '{"tags": {"Person": tr', '', '["Person"]', '{"labels": {"Person": true}}', '{"tags": "Person"}']) {
      let err: unknown;
      try {
        readTagAnswer(text, items);
      } catch (e) {
        err = e;
      }
      expect(err, text).toBeInstanceOf(ModelError);
      expect((err as ModelError).kind).toBe('permanent');
      expect((err as ModelError).message).toMatch(/^model answered (non-JSON|off-shape JSON)/);
    }
  });
});
