// Embedder for DashScope multimodal-embedding (native API): one image or text per call by default.
import type { EmbedInput, EmbedOutcome, Embedder } from '../../ports/embedder.js';
import { ModelError } from '../../ports/model-errors.js';
import { embedInBatches } from './embed-batches.js';
import { readEmbeddingList, settleDimension, slotOutcomes } from './embedding-list.js';
import { imageDataUri } from './image-data-uri.js';
import { postModelJson } from './model-http.js';
import type { ModelUrlPolicy } from './model-url-policy.js';
import { Redactor } from './redact.js';

/**
 * Beijing region; international (Singapore): `https://dashscope-intl.aliyuncs.com/api/v1`.
 * API: https://www.alibabacloud.com/help/en/model-studio/multimodal-embedding-api-reference
 * and https://docs.qwencloud.com/api-reference/multimodal-embedding/dashscope-multimodal-embedding
 */
export const DASHSCOPE_API_URL = 'https://dashscope.aliyuncs.com/api/v1';
export const DASHSCOPE_EMBEDDING_PATH = '/services/embeddings/multimodal-embedding/multimodal-embedding';
export const DASHSCOPE_EMBEDDING_DEFAULT_MODEL = 'multimodal-embedding-v1';

export interface DashScopeMultimodalEmbedderOptions {
  apiKey: string;
  /** Up to and including `/api/v1`. Default: the Beijing endpoint. */
  baseUrl?: string;
  /** Default `multimodal-embedding-v1` (1024-dim); `tongyi-embedding-vision-plus`/`-flash` work too. */
  model?: string;
  /**
   * Contents per request. Default 1: multimodal-embedding-v1 takes one image per request ("Quantity: 1",
   * one text/image/video combination per call); raise it only for a model documented to take more.
   */
  maxBatch?: number;
  /** Vector length when known in advance; otherwise learnt from the first answer. */
  dimension?: number;
  /** Per request. Default 60 s. */
  timeoutMs?: number;
  /** Which hosts `baseUrl` may resolve to (LOUPE_MODEL_URL_POLICY). */
  urlPolicy: ModelUrlPolicy;
}

/**
 * POST `{model, input: {contents: [{image: 'data:…'} | {text: '…'}]}}` → `{output: {embeddings:
 * [{index, embedding, type}]}, usage, request_id}`; errors are `{code, message, request_id}` with an
 * HTTP status (429 `Throttling…` is retried, 400 `InvalidParameter`/`DataInspectionFailed` is not); the
 * status and a fixed reason are reported, not the service's text (see model-http.ts).
 */
export class DashScopeMultimodalEmbedder implements Embedder {
  readonly id: string;
  readonly supportsText = true;
  readonly maxBatch: number;
  private dim?: number;
  private readonly model: string;
  private readonly url: string;
  private readonly apiKey: string;
  private readonly timeoutMs: number;
  private readonly urlPolicy: ModelUrlPolicy;
  private readonly redactor: Redactor;

  constructor(opts: DashScopeMultimodalEmbedderOptions) {
    this.apiKey = opts.apiKey;
    this.url = `${(opts.baseUrl ?? DASHSCOPE_API_URL).replace(/\/+$/, '')}${DASHSCOPE_EMBEDDING_PATH}`;
    this.model = opts.model ?? DASHSCOPE_EMBEDDING_DEFAULT_MODEL;
    this.id = `dashscope:${this.model}`;
    this.maxBatch = Math.max(1, Math.floor(opts.maxBatch ?? 1));
    this.dim = opts.dimension;
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.urlPolicy = opts.urlPolicy;
    this.redactor = new Redactor([this.apiKey]);
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
      service: 'DashScope embedding',
      url: this.url,
      headers: { authorization: `Bearer ${this.apiKey}` },
      body: { model: this.model, input: { contents: inputs.map((i) => (i.kind === 'text' ? { text: i.text } : { image: imageDataUri(i) })) } },
      timeoutMs: this.timeoutMs,
      signal,
      policy: this.urlPolicy,
    });
    const body = reply.body as { output?: { embeddings?: unknown } } | null;
    if (!body || typeof body !== 'object' || !body.output) throw new ModelError('permanent', 'DashScope embedding answered off-shape JSON (no output)');
    const slots = readEmbeddingList('DashScope embedding', body.output.embeddings, inputs.length);
    this.dim = settleDimension('DashScope embedding', this.dim, slots);
    return slotOutcomes(slots, (i) => `DashScope embedding returned no embedding for input ${i}`);
  }
}
