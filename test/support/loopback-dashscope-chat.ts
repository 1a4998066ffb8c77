// Test double for DashScope's OpenAI-compatible chat completions (Qwen-VL) — any OpenAI-compatible VLM endpoint.
import { TAG_DEFINITIONS_HEADER } from '../../lib/adapters/models/tag-prompt.js';
import {
  contentRandom,
  DEFAULT_FAULT_KNOBS,
  requestId,
  startLoopback,
  type Exchange,
  type FaultKnobs,
  type LoopbackServer,
  type Reply,
} from './loopback-server.js';

export interface ChatKnobs extends FaultKnobs {
  /** Share of (otherwise good) answers that add tags and values outside the definition. */
  rateOffDefinition: number;
  /** Answer in ```json fences, as chatty models do. */
  fenced: boolean;
  /** A fixed `tags` object to answer instead of the one derived from the image. */
  answer?: Record<string, unknown>;
}

export interface ChatServerOptions extends Partial<ChatKnobs> {
  /** When set, requests must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** When set, other model names are answered 404 model_not_found. */
  models?: string[];
  /**
   * When set, picks the `tags` object for an image's bytes (as the request carried them); `undefined`
   * falls back to the usual choice. For tests whose tags must mean something (e.g. COCO labels).
   */
  answerFor?: (image: Buffer) => Record<string, unknown> | undefined;
}

export type LoopbackChat = LoopbackServer<ChatKnobs>;

interface TagItem {
  name: string;
  values?: string[];
}

/**
 * POST `<url>/chat/completions`. Checks what DashScope checks (key, model, the word "JSON" with
 * json_object mode, an image present) and answers `{"tags": {...}}` chosen from the tag definitions in
 * the system prompt, seeded by the image bytes: the same image always gets the same tags.
 */
export async function startChatServer(opts: ChatServerOptions = {}): Promise<LoopbackChat> {
  const { apiKey, models, answerFor, ...knobs } = opts;
  const definitions = new Map<string, TagItem[]>();

  const error = (status: number, message: string, code: string, type = 'invalid_request_error'): Reply => ({
    status,
    body: { error: { message, type, param: null, code } },
  });

  function handle(ex: Exchange<ChatKnobs>): Reply {
    if (!ex.path.endsWith('/chat/completions')) return error(404, `Not found: ${ex.path}`, 'not_found');
    if (apiKey !== undefined && ex.headers.authorization !== `Bearer ${apiKey}`) {
      // Real services echo (part of) the key they got; the client must never pass it on.
      const got = (ex.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
      return error(401, `Incorrect API key provided: ${got}. You can find your API-Key at the console.`, 'invalid_api_key');
    }
    const body = ex.body as { model?: unknown; messages?: unknown; response_format?: { type?: unknown } } | undefined;
    if (!body || typeof body.model !== 'string' || !Array.isArray(body.messages)) {
      return error(400, 'The request body is not valid JSON with model and messages.', 'invalid_parameter_error');
    }
    if (models && !models.includes(body.model)) {
      return error(404, `The model \`${body.model}\` does not exist or you do not have access to it.`, 'model_not_found');
    }
    const { system, text, image } = readMessages(body.messages);
    if (body.response_format?.type === 'json_object' && !/json/i.test(text)) {
      return error(400, "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.", 'invalid_parameter_error');
    }
    if (!image) return error(400, 'The image is missing or is not a base64 data URL.', 'invalid_parameter_error');

    const chosen = ex.knobs.answer ?? answerFor?.(Buffer.from(image.slice(image.indexOf(',') + 1), 'base64'));
    let tags: Record<string, unknown>;
    if (chosen) tags = chosen;
    else {
      const items = definitionsOf(system);
      const pick = contentRandom(image);
      tags = {};
      for (const item of items) {
        if (!item.values || item.values.length === 0) tags[item.name] = pick() < 0.5;
        else {
          const i = Math.floor(pick() * (item.values.length + 1));
          tags[item.name] = i < item.values.length ? item.values[i] : null;
        }
      }
      if (ex.random() < ex.knobs.rateOffDefinition) {
        tags.NotInTheDefinition = true;
        const closed = items.find((t) => t.values && t.values.length > 0);
        if (closed) tags[closed.name] = 'a value not in the list';
      }
    }
    const json = JSON.stringify({ tags });
    return completion(ex, body.model, ex.knobs.fenced ? `\`\`\`json\n${json}\n\`\`\`` : json);
  }

  function definitionsOf(system: string): TagItem[] {
    const known = definitions.get(system);
    if (known) return known;
    let items: TagItem[] = [];
    const at = system.indexOf(TAG_DEFINITIONS_HEADER);
    if (at >= 0) {
      const rest = system.slice(at + TAG_DEFINITIONS_HEADER.length).trimStart();
      const end = rest.indexOf('\n]');
      try {
        items = JSON.parse(rest.slice(0, end + 2)) as TagItem[];
      } catch {
        items = [];
      }
    }
    if (definitions.size > 1000) definitions.clear();
    definitions.set(system, items);
    return items;
  }

  return startLoopback<ChatKnobs>(
    {
      basePath: '/compatible-mode/v1',
      handle,
      throttled: () => error(429, 'Requests rate limit exceeded, please try again later.', 'limit_requests', 'limit_requests'),
      failed: (ex, status) =>
        status >= 500
          ? error(status, 'The server had an error while processing your request. Sorry about that!', 'internal_error', 'internal_error')
          : status === 401
            ? error(401, 'Incorrect API key provided.', 'invalid_api_key')
            : error(status, `Request failed (simulated ${status}).`, 'invalid_parameter_error'),
      garbage: (ex) => {
        const model = typeof (ex.body as { model?: unknown })?.model === 'string' ? (ex.body as { model: string }).model : 'qwen-vl-max';
        const kinds = [
          'The image shows a person standing next to a red car on a sunny street.',
          '{"tags": {"Person": tr',
          '{"description": "a person next to a car"}',
          '["Person", "Car"]',
        ];
        return completion(ex, model, kinds[Math.floor(ex.random() * kinds.length)]!);
      },
    },
    { ...DEFAULT_FAULT_KNOBS, rateOffDefinition: 0, fenced: false, ...knobs },
  );
}

function completion(ex: Exchange<ChatKnobs>, model: string, content: string): Reply {
  return {
    status: 200,
    body: {
      id: `chatcmpl-${requestId(ex.random)}`,
      object: 'chat.completion',
      created: 1_700_000_000,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 1200, completion_tokens: 40, total_tokens: 1240 },
    },
  };
}

/** The system prompt, all the text, and the image data URL of a chat request. */
function readMessages(messages: unknown[]): { system: string; text: string; image?: string } {
  let system = '';
  let text = '';
  let image: string | undefined;
  for (const m of messages as { role?: unknown; content?: unknown }[]) {
    if (typeof m?.content === 'string') {
      text += m.content;
      if (m.role === 'system') system += m.content;
    } else if (Array.isArray(m?.content)) {
      for (const part of m.content as { type?: unknown; text?: unknown; image_url?: { url?: unknown } }[]) {
        if (part?.type === 'text' && typeof part.text === 'string') text += part.text;
        const url = part?.type === 'image_url' ? part.image_url?.url : undefined;
        if (typeof url === 'string' && /^data:image\/[\w.+-]+;base64,./.test(url)) image = url;
      }
    }
  }
  return { system, text, image };
}
