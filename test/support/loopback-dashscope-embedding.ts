// Test double for DashScope multimodal-embedding (native API: /api/v1/services/embeddings/multimodal-embedding/...).
import {
  contentVectorJson,
  DEFAULT_FAULT_KNOBS,
  embeddingsJson,
  requestId,
  startLoopback,
  type Exchange,
  type FaultKnobs,
  type LoopbackServer,
  type Reply,
} from './loopback-server.js';

export interface DashScopeEmbeddingKnobs extends FaultKnobs {
  /** Vector length. Default 1024, as multimodal-embedding-v1. */
  dimension: number;
  /** Images per request the model takes (multimodal-embedding-v1: 1); more is a 400 InvalidParameter. */
  maxImages: number;
}

export interface DashScopeEmbeddingServerOptions extends Partial<DashScopeEmbeddingKnobs> {
  /** When set, requests must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
}

export type LoopbackDashScopeEmbedding = LoopbackServer<DashScopeEmbeddingKnobs>;

const PATH = '/services/embeddings/multimodal-embedding/multimodal-embedding';

/**
 * `url` is the API base (`…/api/v1`). POST `{model, input: {contents: [{image}|{text}]}}` →
 * `{output: {embeddings: [{index, embedding, type}]}, usage, request_id}`; errors `{code, message, request_id}`.
 */
export async function startDashScopeEmbeddingServer(opts: DashScopeEmbeddingServerOptions = {}): Promise<LoopbackDashScopeEmbedding> {
  const { apiKey, ...knobs } = opts;
  const error = (ex: Exchange<DashScopeEmbeddingKnobs>, status: number, code: string, message: string): Reply => ({
    status,
    body: { code, message, request_id: requestId(ex.random) },
  });

  function handle(ex: Exchange<DashScopeEmbeddingKnobs>): Reply {
    if (ex.path !== `/api/v1${PATH}`) return error(ex, 404, 'NotFound', `Not found: ${ex.path}`);
    if (apiKey !== undefined && ex.headers.authorization !== `Bearer ${apiKey}`) {
      return error(ex, 401, 'InvalidApiKey', 'Invalid API-key provided.');
    }
    const body = ex.body as { model?: unknown; input?: { contents?: unknown } } | undefined;
    const contents = body?.input?.contents;
    if (!body || typeof body.model !== 'string' || !Array.isArray(contents) || contents.length === 0) {
      return error(ex, 400, 'InvalidParameter', 'input.contents must be a non-empty list');
    }
    let images = 0;
    const embeddings: { index: number; vectorJson: string; type: string }[] = [];
    for (const [index, item] of (contents as Record<string, unknown>[]).entries()) {
      if (typeof item?.text === 'string') {
        embeddings.push({ index, vectorJson: contentVectorJson(`text:${item.text}`, ex.knobs.dimension), type: 'text' });
      } else if (typeof item?.image === 'string') {
        if (!/^(data:image\/[\w.+-]+;base64,[A-Za-z0-9+/]|https?:\/\/)/.test(item.image)) {
          return error(ex, 400, 'InvalidParameter', `contents[${index}].image is neither a URL nor a base64 data URI`);
        }
        images++;
        embeddings.push({ index, vectorJson: contentVectorJson(item.image, ex.knobs.dimension), type: 'image' });
      } else {
        return error(ex, 400, 'InvalidParameter', `contents[${index}] must be {text}, {image} or {video}`);
      }
    }
    if (images > ex.knobs.maxImages) {
      return error(ex, 400, 'InvalidParameter', `too many images in one request: ${images} > ${ex.knobs.maxImages}`);
    }
    const usage = JSON.stringify({ input_tokens: 10 * contents.length, image_count: images });
    return {
      status: 200,
      body: `{"output":{"embeddings":${embeddingsJson(embeddings)}},"usage":${usage},"request_id":"${requestId(ex.random)}"}`,
    };
  }

  return startLoopback<DashScopeEmbeddingKnobs>(
    {
      basePath: '/api/v1',
      handle,
      throttled: (ex) => error(ex, 429, 'Throttling.RateQuota', 'Requests rate limit exceeded, please try again later.'),
      failed: (ex, status) =>
        status >= 500
          ? error(ex, status, 'InternalError', 'An internal error has occured, please try again later (simulated).')
          : error(ex, status, status === 401 ? 'InvalidApiKey' : 'InvalidParameter', `Request failed (simulated ${status}).`),
      garbage: () => ({ status: 200, body: '{"output": {"embeddings": [{"index": 0, "embedding": [0.01, 0.2' }),
    },
    { ...DEFAULT_FAULT_KNOBS, dimension: 1024, maxImages: 1, ...knobs },
  );
}
