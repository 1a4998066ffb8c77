// Test double for a GME embedding service on PAI-EAS (MISSION.md §4 protocol: 200 / 204 partial / 400).
import {
  contentVectorJson,
  DEFAULT_FAULT_KNOBS,
  embeddingsJson,
  startLoopback,
  type Exchange,
  type FaultKnobs,
  type LoopbackServer,
  type Reply,
} from './loopback-server.js';

export interface GmeKnobs extends FaultKnobs {
  /** Vector length. Default 1536 (GME-2B; 7B is 3584). */
  dimension: number;
  /** Share of (otherwise good) batches answered 204 with some inputs failed (each input 50%, at least one). */
  ratePartial: number;
  /** How a failed index is named in `message`: text (`input[3]: ...`) or objects (`{index, message}`). */
  partialMessageStyle: 'text' | 'object';
  /** Inputs per request the service takes; more is a 400. */
  maxBatch: number;
}

export interface GmeServerOptions extends Partial<GmeKnobs> {
  /** When set, requests must carry it as the `Authorization` header value (EAS style, no `Bearer`). */
  token?: string;
  /**
   * When set, it makes each vector (its length is the vector's; `dimension` is then unused) instead of
   * the content hash: for doubles whose vectors must mean something (test/support/label-embedding.ts).
   */
  embed?: GmeEmbed;
}

/** One input as the service read it, and the request's `model`. */
export type GmeEmbed = (input: { type: 'text'; text: string } | { type: 'image'; data: Buffer; mime: string }, model: string) => number[];

export type LoopbackGme = LoopbackServer<GmeKnobs>;

type Parsed = { ok: true; key: string; type: 'text' | 'image' } | { ok: false; error: string };

/**
 * POST `<url>` with `{model, contents: {input: [...]}}`. A partial success is HTTP 200 with body
 * `status_code: 204` (an HTTP 204 carries no body); a bad request is HTTP 400 with `status_code: 400`.
 * Inputs it cannot read (not text, not a base64 image data URL) fail individually, as a real service's would.
 */
export async function startGmeServer(opts: GmeServerOptions = {}): Promise<LoopbackGme> {
  const { token, embed, ...knobs } = opts;
  const answer = (status: number, statusCode: number, message: unknown[], embeddings = '[]'): Reply => ({
    status,
    body: `{"status_code":${statusCode},"message":${JSON.stringify(message)},"output":{"embeddings":${embeddings}}}`,
  });

  function handle(ex: Exchange<GmeKnobs>): Reply {
    if (token !== undefined && ex.headers.authorization !== token) {
      return { status: 401, body: 'Unauthorized: the token is missing or wrong', contentType: 'text/plain' };
    }
    const body = ex.body as { model?: unknown; contents?: { input?: unknown } } | undefined;
    const input = body?.contents?.input;
    if (!body || typeof body.model !== 'string' || !Array.isArray(input) || input.length === 0) {
      return answer(400, 400, ['request must be {"model": string, "contents": {"input": [non-empty list]}}']);
    }
    if (input.length > ex.knobs.maxBatch) return answer(400, 400, [`too many inputs: ${input.length} > ${ex.knobs.maxBatch}`]);
    const parsed = input.map(parseInput);
    const failing = new Set<number>();
    parsed.forEach((p, i) => !p.ok && failing.add(i));
    if (ex.random() < ex.knobs.ratePartial) {
      const good = parsed.map((p, i) => (p.ok ? i : -1)).filter((i) => i >= 0);
      const before = failing.size;
      for (const i of good) if (ex.random() < 0.5) failing.add(i);
      if (failing.size === before && good.length > 0) failing.add(good[Math.floor(ex.random() * good.length)]!);
    }
    const embeddings: { index: number; vectorJson: string; type: string }[] = [];
    const message: unknown[] = [];
    parsed.forEach((p, index) => {
      if (failing.has(index)) {
        const error = p.ok ? 'inference failed for this input (simulated)' : p.error;
        message.push(ex.knobs.partialMessageStyle === 'object' ? { index, message: error } : `input[${index}]: ${error}`);
      } else if (p.ok) {
        const vectorJson = embed ? JSON.stringify(embed(embedInput(p), body.model as string)) : contentVectorJson(p.key, ex.knobs.dimension);
        embeddings.push({ index, vectorJson, type: p.type });
      }
    });
    return answer(200, failing.size > 0 ? 204 : 200, message, embeddingsJson(embeddings));
  }

  return startLoopback<GmeKnobs>(
    {
      basePath: '/api/predict/gme',
      handle,
      throttled: () => ({ status: 429, body: 'Too Many Requests', contentType: 'text/plain' }),
      failed: (_ex, status) => answer(status, status, [status >= 500 ? 'internal server error (simulated)' : `request failed (simulated ${status})`]),
      // Malformed JSON: a body cut short.
      garbage: () => ({ status: 200, body: '{"status_code": 200, "message": [], "output": {"embeddings": [{"index": 0, "embedding": [0.12, -0.3' }),
    },
    { ...DEFAULT_FAULT_KNOBS, dimension: 1536, ratePartial: 0, partialMessageStyle: 'text', maxBatch: 32, ...knobs },
  );
}

function embedInput(p: Extract<Parsed, { ok: true }>): Parameters<GmeEmbed>[0] {
  if (p.type === 'text') return { type: 'text', text: p.key.slice('text:'.length) };
  const comma = p.key.indexOf(',');
  return { type: 'image', mime: p.key.slice('data:'.length, p.key.indexOf(';')), data: Buffer.from(p.key.slice(comma + 1), 'base64') };
}

function parseInput(input: unknown): Parsed {
  if (typeof input === 'string') return { ok: true, key: `text:${input}`, type: 'text' };
  if (input && typeof input === 'object') {
    const { text, image } = input as { text?: unknown; image?: unknown };
    if (typeof text === 'string') return { ok: true, key: `text:${text}`, type: 'text' };
    if (typeof image === 'string') {
      return /^data:image\/[\w.+-]+;base64,[A-Za-z0-9+/]/.test(image)
        ? { ok: true, key: image, type: 'image' }
        : { ok: false, error: 'image is not a base64 data URL' };
    }
  }
  return { ok: false, error: 'input is neither a string, {text} nor {image}' };
}
