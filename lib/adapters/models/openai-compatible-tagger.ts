// Tagger over OpenAI-compatible chat completions: Qwen-VL on DashScope (compatible mode), vLLM, Ollama, ...
import { ModelError } from '../../ports/model-errors.js';
import type { TagRequest, TagResult, Tagger } from '../../ports/tagger.js';
import { imageDataUri } from './image-data-uri.js';
import { postModelJson } from './model-http.js';
import type { ModelUrlPolicy } from './model-url-policy.js';
import { Redactor } from './redact.js';
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
  /** Which hosts `baseUrl` may resolve to (LOUPE_MODEL_URL_POLICY). */
  urlPolicy: ModelUrlPolicy;
}

/** A dropped answer is the model's own text: each goes to the job log cut to this length. */
const MAX_DROPPED_CHARS = 80;

/**
 * One image per call, `response_format: json_object`, temperature 0 (JSON mode on DashScope:
 * https://www.alibabacloud.com/help/en/model-studio/qwen-structured-output). The answer shape is
 * documented in tag-prompt.ts; anything off the definition comes back in `dropped`.
 */
export class OpenAiCompatibleTagger implements Tagger {
  private readonly url: string;
  private readonly apiKey?: string;
  private readonly timeoutMs: number;
  private readonly urlPolicy: ModelUrlPolicy;
  private readonly redactor: Redactor;

  constructor(opts: OpenAiCompatibleTaggerOptions) {
    this.url = `${(opts.baseUrl ?? DASHSCOPE_COMPATIBLE_MODE_URL).replace(/\/+$/, '')}/chat/completions`;
    this.apiKey = opts.apiKey || undefined;
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.urlPolicy = opts.urlPolicy;
    this.redactor = new Redactor([this.apiKey]);
  }

  /** Every error and every dropped answer leaves through the redactor. */
  tag(req: TagRequest): Promise<TagResult> {
    return this.redactor.guard(async () => {
      const result = await this.call(req);
      return { tags: result.tags, dropped: result.dropped.map((d) => cut(this.redactor.text(d), MAX_DROPPED_CHARS)) };
    });
  }

  private async call(req: TagRequest): Promise<TagResult> {
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
      policy: this.urlPolicy,
    });
    return readTagAnswer(answerContent(reply.body), req.definition.tags);
  }
}

/** The assistant's text from a chat completion (string content, or an array of text parts). */
function answerContent(body: unknown): string {
  const choice = (body as { choices?: unknown })?.choices;
  const first = Array.isArray(choice) ? (choice[0] as Record<string, unknown> | undefined) : undefined;
  const message = first?.message as Record<string, unknown> | undefined;
  if (!message) throw new ModelError('permanent', 'model answered off-shape JSON (no choices[0].message)');
  if (typeof message.refusal === 'string' && message.refusal) throw new ModelError('permanent', 'model refused to answer');
  if (first?.finish_reason === 'content_filter') throw new ModelError('permanent', 'model answer was withheld by the content filter');
  const content = message.content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part) => (typeof part === 'string' ? part : typeof part?.text === 'string' ? part.text : '')).join('');
  }
  throw new ModelError('permanent', 'model answered non-JSON: (no content)');
}

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
