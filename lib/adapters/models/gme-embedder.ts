// Embedder for a GME service on PAI-EAS (MISSION.md §4 protocol): batches of text and images, 204 = partial success.
import type { EmbedInput, EmbedOutcome, Embedder } from '../../ports/embedder.js';
import { ModelError } from '../../ports/model-errors.js';
import { embedInBatches } from './embed-batches.js';
import { readEmbeddingList, settleDimension, slotOutcomes } from './embedding-list.js';
import { imageDataUri } from './image-data-uri.js';
import { postModelJson, statusReason } from './model-http.js';
import type { ModelUrlPolicy } from './model-url-policy.js';
import { Redactor } from './redact.js';

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
  /** Which hosts `endpoint` may resolve to (LOUPE_MODEL_URL_POLICY). */
  urlPolicy: ModelUrlPolicy;
}

/**
 * Request `{model, contents: {input: [{text} | {image: 'data:image/<fmt>;base64,...'}]}}`; answer
 * `{status_code: 200|204|400, message: [...], output: {embeddings: [{index, embedding, type}]}}`.
 * The answer's `status_code` rules (an HTTP 204 cannot carry a body, so a partial success travels as
 * HTTP 200 with `status_code: 204`): 204 = the indices missing from `embeddings` failed;
 * 400 = the request failed as a whole (permanent). The service's `message` texts are not passed on:
 * errors say what failed in fixed words (see model-http.ts).
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
  private readonly urlPolicy: ModelUrlPolicy;
  private readonly redactor: Redactor;

  constructor(opts: GmeEmbedderOptions) {
    this.endpoint = opts.endpoint;
    this.token = opts.token || undefined;
    this.model = opts.model ?? GME_DEFAULT_MODEL;
    this.id = `gme:${this.model}`;
    this.maxBatch = Math.max(1, Math.floor(opts.maxBatch ?? 8));
    this.dim = opts.dimension;
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.urlPolicy = opts.urlPolicy;
    this.redactor = new Redactor([this.token]);
  }

  get dimension(): number | undefined {
    return this.dim;
  }

  /** Every error and every per-input failure leaves through the redactor. */
  embed(inputs: EmbedInput[], opts: { signal?: AbortSignal } = {}): Promise<EmbedOutcome[]> {
    return this.redactor.guard(async () => {
      const outcomes = await embedInBatches(inputs, this.maxBatch, (batch) => this.embedBatch(batch, opts.signal));
      return outcomes.map((o) => (o.ok ? o : { ok: false, error: this.redactor.text(o.error) }));
    });
  }

  private async embedBatch(inputs: EmbedInput[], signal: AbortSignal | undefined): Promise<EmbedOutcome[]> {
    const reply = await postModelJson({
      service: 'GME',
      url: this.endpoint,
      headers: this.token ? { authorization: this.token } : {},
      body: { model: this.model, contents: { input: inputs.map(gmeInput) } },
      timeoutMs: this.timeoutMs,
      signal,
      policy: this.urlPolicy,
    });
    const body = reply.body as { status_code?: unknown; output?: { embeddings?: unknown } } | null;
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw new ModelError('permanent', 'GME answered off-shape JSON (not an object)');
    }
    const status = typeof body.status_code === 'number' ? body.status_code : reply.status;
    if (status !== 200 && status !== 204) {
      const known = Number.isInteger(status) && status >= 100 && status < 600;
      throw new ModelError('permanent', known ? `GME status_code ${status}: ${statusReason(status)}` : 'GME answered an unknown status_code', { status: reply.status });
    }
    const list = body.output?.embeddings ?? (status === 204 ? [] : undefined);
    const slots = readEmbeddingList('GME', list, inputs.length);
    this.dim = settleDimension('GME', this.dim, slots);
    return slotOutcomes(slots, (i) => `GME returned no embedding for input ${i}${status === 204 ? ' (partial success: the service refused this input)' : ''}`);
  }
}

function gmeInput(input: EmbedInput): { text: string } | { image: string } {
  return input.kind === 'text' ? { text: input.text } : { image: imageDataUri(input) };
}
