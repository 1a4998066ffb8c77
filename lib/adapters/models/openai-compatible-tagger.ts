// Tagger over OpenAI-compatible chat completions: Qwen-VL on DashScope (compatible mode), vLLM, Ollama, ...
import { ModelError } from '../../ports/model-errors.js';
import type { TagRequest, TagResult, Tagger } from '../../ports/tagger.js';
import { imageDataUri } from './image-data-uri.js';
import { postModelJson, snippet } from './model-http.js';
import { readTagAnswer } from './tag-answer.js';
import { TAG_USER_TEXT, tagSystemPrompt } from './tag-prompt.js';

/** Beijing region; international: `https://dashscope-intl.aliyuncs.com/compatible-mode/v1`. */
export const DASHSCOPE_COMPATIBLE_MODE_URL = 'https://dashscope.aliyuncs.com/compatible-mode/v1';

export interface OpenAiCompatibleTaggerOptions {
  /** Up to and including `/v1`; `/chat/completions` is appended. Default: DashScope compatible mode. */
  baseUrl?: string;
  /** Sent as `Authorization: Bearer …`; optional for local servers. */
  apiKey?: string;
  /** Whole call, answer included. Default 60 s (a VLM answer takes seconds). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * One image per call, `response_format: json_object`, temperature 0 (JSON mode on DashScope:
 * https://www.alibabacloud.com/help/en/model-studio/qwen-structured-output). The answer shape is
 * documented in tag-prompt.ts; anything off the definition comes back in `dropped`.
 */
export class OpenAiCompatibleTagger implements Tagger {
  private readonly url: string;
  private readonly apiKey?: string;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;

  constructor(opts: OpenAiCompatibleTaggerOptions = {}) {
    this.url = `${(opts.baseUrl ?? DASHSCOPE_COMPATIBLE_MODE_URL).replace(/\/+$/, '')}/chat/completions`;
    this.apiKey = opts.apiKey || undefined;
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.fetchFn = opts.fetch ?? globalThis.fetch;
  }

  async tag(req: TagRequest): Promise<TagResult> {
    const reply = await postModelJson({
      service: 'chat completions',
      url: this.url,
      headers: this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {},
      body: {
        model: req.model,
        messages: [
          { role: 'system', content: tagSystemPrompt(req.definition) },
          {
            role: 'user',
            content: [
              { type: 'image_url', image_url: { url: imageDataUri(req.image) } },
              { type: 'text', text: TAG_USER_TEXT },
            ],
          },
        ],
        response_format: { type: 'json_object' },
        temperature: 0,
      },
      timeoutMs: this.timeoutMs,
      signal: req.signal,
      fetch: this.fetchFn,
      secrets: [this.apiKey],
    });
    return readTagAnswer(answerContent(reply.body), req.definition.tags);
  }
}

/** The assistant's text from a chat completion (string content, or an array of text parts). */
function answerContent(body: unknown): string {
  const choice = (body as { choices?: unknown })?.choices;
  const first = Array.isArray(choice) ? (choice[0] as Record<string, unknown> | undefined) : undefined;
  const message = first?.message as Record<string, unknown> | undefined;
  if (!message) throw new ModelError('permanent', `model answered off-shape JSON (no choices[0].message): ${snippet(JSON.stringify(body))}`);
  if (typeof message.refusal === 'string' && message.refusal) throw new ModelError('permanent', `model refused: ${snippet(message.refusal)}`);
  if (first?.finish_reason === 'content_filter') throw new ModelError('permanent', 'model answer was withheld by the content filter');
  const content = message.content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part) => (typeof part === 'string' ? part : typeof part?.text === 'string' ? part.text : '')).join('');
  }
  throw new ModelError('permanent', 'model answered non-JSON: (no content)');
}
