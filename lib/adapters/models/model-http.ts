// POSTs JSON to a model service and maps every way that can fail onto ModelError (transient or permanent).
import { ModelError } from '../../ports/model-errors.js';
import { redact } from './redact.js';
import { parseRetryAfter } from './retry-after.js';

export interface ModelPost {
  /** Names the service in messages, e.g. `chat completions`, `GME`. */
  service: string;
  url: string;
  headers?: Record<string, string>;
  body: unknown;
  timeoutMs: number;
  signal?: AbortSignal;
  fetch: typeof fetch;
  /** Scrubbed from every message we build (API keys, tokens), whatever the service echoes back. */
  secrets: readonly (string | undefined)[];
}

export interface ModelReply {
  status: number;
  body: unknown;
}

/** Statuses worth another try: throttling, overload, gateway trouble. */
const TRANSIENT_STATUS = (status: number) => status === 408 || status === 425 || status === 429 || status >= 500;

/** Network failures that retrying cannot fix (a wrong host name or URL, a bad certificate). */
const PERMANENT_NETWORK = /^(ENOTFOUND|ERR_INVALID_URL|CERT_|ERR_TLS_CERT|UNABLE_TO_VERIFY|DEPTH_ZERO_SELF_SIGNED|SELF_SIGNED)/;

const MAX_SNIPPET = 300;

/**
 * Parsed JSON of a 2xx answer. Throws ModelError: transient for 408/425/429/5xx (with the server's
 * Retry-After), timeouts and dropped connections; permanent for other statuses (with the service's own
 * message) and for a 2xx body that is not JSON. A caller's abort rethrows its reason untouched.
 */
export async function postModelJson(p: ModelPost): Promise<ModelReply> {
  p.signal?.throwIfAborted();
  // One controller for both the caller's signal and our timer, both released when the call ends
  // (AbortSignal.any/timeout would keep a listener and a timer per call on a job-long signal).
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`timed out after ${p.timeoutMs} ms`, 'TimeoutError'));
  }, p.timeoutMs);
  const onAbort = () => controller.abort(p.signal!.reason);
  p.signal?.addEventListener('abort', onAbort, { once: true });
  const signal = controller.signal;
  const clean = (text: string) => redact(text, p.secrets);
  let status: number;
  let headers: Headers;
  let text: string;
  try {
    const res = await p.fetch(p.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...p.headers },
      body: JSON.stringify(p.body),
      signal,
    });
    status = res.status;
    headers = res.headers;
    text = await res.text();
  } catch (e) {
    if (p.signal?.aborted) throw p.signal.reason;
    if (timedOut) throw new ModelError('transient', `${p.service} did not answer within ${p.timeoutMs} ms`);
    const code = networkCode(e);
    const kind = code && PERMANENT_NETWORK.test(code) ? 'permanent' : 'transient';
    throw new ModelError(kind, clean(`${p.service} connection failed: ${describe(e, code)}`));
  } finally {
    clearTimeout(timer);
    p.signal?.removeEventListener('abort', onAbort);
  }
  if (status < 200 || status > 299) {
    const message = clean(`${p.service} HTTP ${status}: ${serviceMessage(text)}`);
    if (TRANSIENT_STATUS(status)) {
      throw new ModelError('transient', message, { status, retryAfterMs: retryAfter(headers) });
    }
    throw new ModelError('permanent', message, { status });
  }
  try {
    return { status, body: JSON.parse(text) as unknown };
  } catch {
    throw new ModelError('permanent', clean(`${p.service}: model answered non-JSON: ${snippet(text)}`), { status });
  }
}

function retryAfter(headers: Headers): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.round(Number(ms));
  return parseRetryAfter(headers.get('retry-after'));
}

/** What the service said, from the error shapes in use: OpenAI `{error:{message}}`, DashScope `{code, message}`, GME `{message:[..]}`. */
function serviceMessage(text: string): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return snippet(text);
  }
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    const error = b.error;
    if (error && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') {
      return snippet((error as { message: string }).message);
    }
    if (typeof error === 'string' && error) return snippet(error);
    const message = Array.isArray(b.message) ? b.message.map(messageText).filter(Boolean).join('; ') : b.message;
    if (typeof message === 'string' && message) {
      return snippet(typeof b.code === 'string' && b.code ? `${b.code}: ${message}` : message);
    }
    for (const key of ['detail', 'msg', 'code'] as const) {
      if (typeof b[key] === 'string' && b[key]) return snippet(b[key] as string);
    }
  }
  return snippet(text);
}

/** One `message` entry: a string, or an object with a message/error (its index kept when present). */
export function messageText(entry: unknown): string {
  if (typeof entry === 'string') return entry;
  if (entry && typeof entry === 'object') {
    const e = entry as Record<string, unknown>;
    const text = [e.message, e.error, e.msg].find((v) => typeof v === 'string' && v) as string | undefined;
    if (text) return typeof e.index === 'number' ? `input ${e.index}: ${text}` : text;
    return JSON.stringify(entry);
  }
  return entry === undefined || entry === null ? '' : String(entry);
}

export function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat === '') return '(empty answer)';
  return flat.length > MAX_SNIPPET ? `${flat.slice(0, MAX_SNIPPET - 3)}...` : flat;
}

function networkCode(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; cur && typeof cur === 'object' && depth < 4; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && code) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** `CODE (the innermost cause's message)`, e.g. `ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:8080)`. */
function describe(e: unknown, code: string | undefined): string {
  let inner: unknown = e;
  while (inner instanceof Error && inner.cause instanceof Error) inner = inner.cause;
  const message = snippet(inner instanceof Error ? inner.message : String(inner));
  return code ? `${code} (${message})` : message;
}
