// POSTs JSON to a model service and maps every way that can fail onto ModelError (transient, refused or permanent).
// Messages carry the HTTP status or network error code and a fixed reason, never the service's body:
// a connection URL pointed at something that is not a model (Redis, an admin page, Loupe itself) must
// not turn validation into a way to read it.
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { ModelError } from '../../ports/model-errors.js';
import { checkLiteralHost, POLICY_REFUSAL, POLICY_REFUSED_CODE, publicOnlyLookup, type ModelUrlPolicy } from './model-url-policy.js';
import { parseRetryAfter } from './retry-after.js';

export interface ModelPost {
  /** Names the service in messages, e.g. `chat completions`, `GME`. */
  service: string;
  url: string;
  headers?: Record<string, string>;
  body: unknown;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Which hosts may be reached (checked on the resolved addresses, at connection time). */
  policy: ModelUrlPolicy;
}

export interface ModelReply {
  status: number;
  body: unknown;
}

/** Statuses worth another try: throttling, overload, gateway trouble. */
const TRANSIENT_STATUS = (status: number) => status === 408 || status === 425 || status === 429 || status >= 500;

/** Network failures that retrying cannot fix (a wrong host name or URL, a bad certificate, not an HTTP server, the URL policy). */
const PERMANENT_NETWORK = /^(ENOTFOUND|ERR_INVALID_URL|ERR_INVALID_PROTOCOL|CERT_|ERR_TLS_CERT|UNABLE_TO_VERIFY|DEPTH_ZERO_SELF_SIGNED|SELF_SIGNED|HPE_|ERR_LOUPE_)/;

/** A model's answer bigger than this is not an answer (the largest, 128 GME-7B vectors as JSON, is ~5 MB). */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/** Keep-alive pools, one per policy: a socket opened under `any` is never reused under `public`. */
const AGENTS: Record<ModelUrlPolicy, { http: http.Agent; https: https.Agent }> = {
  any: { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) },
  public: { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) },
};

/**
 * Parsed JSON of a 2xx answer. Throws ModelError: transient for 408/425/429/5xx (with the server's
 * Retry-After), timeouts and dropped connections; refused when nothing listens; permanent for other statuses, redirects (never
 * followed), URL-policy refusals and a 2xx body that is not JSON. A caller's abort rethrows its reason untouched.
 */
export async function postModelJson(p: ModelPost): Promise<ModelReply> {
  p.signal?.throwIfAborted();
  // One controller for both the caller's signal and our timer, both released when the call ends.
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`timed out after ${p.timeoutMs} ms`, 'TimeoutError'));
  }, p.timeoutMs);
  const onAbort = () => controller.abort(p.signal!.reason);
  p.signal?.addEventListener('abort', onAbort, { once: true });
  let reply: RawReply;
  try {
    reply = await send(p, controller.signal);
  } catch (e) {
    if (p.signal?.aborted) throw p.signal.reason;
    if (timedOut) throw new ModelError('transient', `${p.service} did not answer within ${p.timeoutMs} ms`);
    if (e instanceof ModelError) throw e;
    const code = networkCode(e);
    if (code === POLICY_REFUSED_CODE) throw new ModelError('permanent', `${p.service} ${POLICY_REFUSAL}`);
    const kind = code === 'ECONNREFUSED' ? 'refused' : code && PERMANENT_NETWORK.test(code) ? 'permanent' : 'transient';
    throw new ModelError(kind, `${p.service} connection failed: ${networkReason(code, hostOf(p.url))}`);
  } finally {
    clearTimeout(timer);
    p.signal?.removeEventListener('abort', onAbort);
  }
  const { status, headers, text } = reply;
  if (status < 200 || status > 299) {
    const message = `${p.service} HTTP ${status}: ${statusReason(status)}`;
    if (TRANSIENT_STATUS(status)) throw new ModelError('transient', message, { status, retryAfterMs: retryAfter(headers) });
    throw new ModelError('permanent', message, { status });
  }
  try {
    return { status, body: JSON.parse(text) as unknown };
  } catch {
    throw new ModelError('permanent', `${p.service} HTTP ${status}: model answered non-JSON`, { status });
  }
}

interface RawReply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

async function send(p: ModelPost, signal: AbortSignal): Promise<RawReply> {
  const url = new URL(p.url);
  const secure = url.protocol === 'https:';
  if (!secure && url.protocol !== 'http:') throw Object.assign(new Error('not an http(s) URL'), { code: 'ERR_INVALID_PROTOCOL' });
  if (p.policy === 'public') checkLiteralHost(url.hostname);
  const payload = Buffer.from(JSON.stringify(p.body));
  const agents = AGENTS[p.policy];
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = (secure ? https : http).request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...p.headers, 'content-length': String(payload.length) },
        agent: secure ? agents.https : agents.http,
        ...(p.policy === 'public' ? { lookup: publicOnlyLookup } : {}),
        signal,
      },
      resolve,
    );
    req.on('error', reject);
    req.end(payload);
  });
  const stop = () => res.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
  signal.addEventListener('abort', stop, { once: true });
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_ANSWER_BYTES) {
        res.destroy();
        throw new ModelError('permanent', `${p.service} HTTP ${res.statusCode}: the answer is larger than ${MAX_ANSWER_BYTES / 1024 / 1024} MB`, { status: res.statusCode });
      }
      chunks.push(chunk);
    }
    return { status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') };
  } finally {
    signal.removeEventListener('abort', stop);
  }
}

/** A fixed reason per status class: what a user can act on, with nothing the server wrote. */
export function statusReason(status: number): string {
  if (status === 401 || status === 403) return 'credentials refused (check the key or token)';
  if (status === 404) return 'not found at this URL (check the URL and the model name)';
  if (status === 400 || status === 422) return 'request rejected (check the model name and the connection type)';
  if (status === 408) return 'request timed out at the server';
  if (status === 413) return 'request too large for the service';
  if (status === 429) return 'rate limited';
  if (status >= 500) return 'server error';
  if (status >= 300 && status < 400) return 'redirected (redirects are not followed: give the final URL)';
  if (status >= 400) return 'request refused';
  return 'unexpected status';
}

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while sending',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed (temporary)',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ERR_INVALID_URL: 'invalid URL',
  ERR_INVALID_PROTOCOL: 'not an http(s) URL',
  ERR_STREAM_PREMATURE_CLOSE: 'connection closed before the answer ended',
};

/** `CODE (fixed reason, host:port)`, e.g. `ECONNREFUSED (connection refused, 127.0.0.1:8080)`; never the error's own text. */
export function networkReason(code: string | undefined, host: string | undefined): string {
  const at = host ? `, ${host}` : '';
  if (!code || !/^[A-Z][A-Z0-9_]{1,40}$/.test(code)) return `network error${host ? ` (${host})` : ''}`;
  const reason =
    NETWORK_REASONS[code] ??
    (code.startsWith('HPE_') ? "the server's answer is not HTTP" : /CERT|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code) ? 'TLS certificate not accepted' : 'network error');
  return `${code} (${reason}${at})`;
}

/** The URL's host:port (configuration, not a secret), or undefined for a URL that does not parse. */
function hostOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.port ? u.host : `${u.host}:${u.protocol === 'https:' ? 443 : 80}`;
  } catch {
    return undefined;
  }
}

function retryAfter(headers: IncomingHttpHeaders): number | undefined {
  const ms = headers['retry-after-ms'];
  if (typeof ms === 'string' && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.round(Number(ms));
  const value = headers['retry-after'];
  return parseRetryAfter(typeof value === 'string' ? value : undefined);
}

export function networkCode(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; cur && typeof cur === 'object' && depth < 4; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && code) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}
