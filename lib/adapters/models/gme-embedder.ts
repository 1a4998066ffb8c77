// Embedder for a GME service on PAI-EAS (MISSION.md §4 protocol): batches of text and images, 204 = partial success.
import type { EmbedInput, EmbedOutcome, Embedder } from '../../ports/embedder.js';
import { ModelError } from '../../ports/model-errors.js';
import { embedInBatches } from './embed-batches.js';
import { readEmbeddingList, settleDimension, slotOutcomes } from './embedding-list.js';
import { imageDataUri } from './image-data-uri.js';
import { messageText, postModelJson, snippet } from './model-http.js';
import { redact } from './redact.js';

export const GME_DEFAULT_MODEL = 'gme-qwen2-vl-2b';

export interface GmeEmbedderOptions {
  /** The EAS service URL (`http://<id>.<region>.pai-eas.aliyuncs.com/api/predict/<service>`); POSTed to as is. */
  endpoint: string;
  /** The EAS service token, sent as the `Authorization` header value (no `Bearer`). */
  token?: string;
  /** Default `gme-qwen2-vl-2b` (1536-dim); GME-7B answers 3584-dim vectors. */
  model?: string;
  /** Inputs per request; longer lists are sent in several requests, one after another. Default 8. */
  maxBatch?: number;
  /** Vector length when known in advance; otherwise learnt from the first answer. */
  dimension?: number;
  /** Per request. Default 60 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * Request `{model, contents: {input: [{text} | {image: 'data:image/<fmt>;base64,...'}]}}`; answer
 * `{status_code: 200|204|400, message: [...], output: {embeddings: [{index, embedding, type}]}}`.
 * The answer's `status_code` rules (an HTTP 204 cannot carry a body, so a partial success travels as
 * HTTP 200 with `status_code: 204`): 204 = the indices missing from `embeddings` failed, each with its
 * error from `message` when one names it (`{index, message|error}` or text naming `input N`/`index N`);
 * 400 = the request failed as a whole (permanent).
 */
export class GmeEmbedder implements Embedder {
  readonly id: string;
  readonly supportsText = true;
  readonly maxBatch: number;
  private dim?: number;
  private readonly model: string;
  private readonly endpoint: string;
  private readonly token?: string;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;

  constructor(opts: GmeEmbedderOptions) {
    this.endpoint = opts.endpoint;
    this.token = opts.token || undefined;
    this.model = opts.model ?? GME_DEFAULT_MODEL;
    this.id = `gme:${this.model}`;
    this.maxBatch = Math.max(1, Math.floor(opts.maxBatch ?? 8));
    this.dim = opts.dimension;
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.fetchFn = opts.fetch ?? globalThis.fetch;
  }

  get dimension(): number | undefined {
    return this.dim;
  }

  embed(inputs: EmbedInput[], opts: { signal?: AbortSignal } = {}): Promise<EmbedOutcome[]> {
    return embedInBatches(inputs, this.maxBatch, (batch) => this.embedBatch(batch, opts.signal));
  }

  private async embedBatch(inputs: EmbedInput[], signal: AbortSignal | undefined): Promise<EmbedOutcome[]> {
    const reply = await postModelJson({
      service: 'GME',
      url: this.endpoint,
      headers: this.token ? { authorization: this.token } : {},
      body: { model: this.model, contents: { input: inputs.map(gmeInput) } },
      timeoutMs: this.timeoutMs,
      signal,
      fetch: this.fetchFn,
      secrets: [this.token],
    });
    const body = reply.body as { status_code?: unknown; message?: unknown; output?: { embeddings?: unknown } } | null;
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw new ModelError('permanent', `GME answered off-shape JSON: ${snippet(JSON.stringify(body))}`);
    }
    const status = typeof body.status_code === 'number' ? body.status_code : reply.status;
    const errors = indexedMessages(body.message, inputs.length, (text) => redact(text, [this.token]));
    if (status !== 200 && status !== 204) {
      const said = [...errors.values()].join('; ') || listText(body.message) || '(no message)';
      throw new ModelError('permanent', redact(`GME status_code ${status}: ${snippet(said)}`, [this.token]), { status: reply.status });
    }
    const list = body.output?.embeddings ?? (status === 204 ? [] : undefined);
    const slots = readEmbeddingList('GME', list, inputs.length);
    this.dim = settleDimension('GME', this.dim, slots);
    return slotOutcomes(slots, (i) => errors.get(i) ?? `GME returned no embedding for input ${i}${status === 204 ? ' (partial success)' : ''}`);
  }
}

function gmeInput(input: EmbedInput): { text: string } | { image: string } {
  return input.kind === 'text' ? { text: input.text } : { image: imageDataUri(input) };
}

const INDEX_IN_TEXT = /\b(?:index|input|item)\s*[[#:]?\s*(\d+)/i;

/** Per-index errors named by `message`: objects with `index`, or text naming the index. */
function indexedMessages(message: unknown, count: number, clean: (text: string) => string): Map<number, string> {
  const errors = new Map<number, string>();
  const entries = Array.isArray(message) ? message : message === undefined || message === null ? [] : [message];
  for (const entry of entries) {
    const text = messageText(entry);
    if (!text) continue;
    const index =
      entry && typeof entry === 'object' && typeof (entry as { index?: unknown }).index === 'number'
        ? (entry as { index: number }).index
        : Number(INDEX_IN_TEXT.exec(text)?.[1] ?? NaN);
    if (Number.isInteger(index) && index >= 0 && index < count && !errors.has(index)) errors.set(index, clean(snippet(text)));
  }
  return errors;
}

const listText = (message: unknown) => (Array.isArray(message) ? message.map(messageText).filter(Boolean).join('; ') : messageText(message));
