// ValidateConnection's Connectivity check for connections Loupe does not call yet (vector stores,
// databases): opens a TCP connection to host:port and closes it, under LOUPE_MODEL_URL_POLICY like
// every model call. Nothing is sent; the error names the network code and a fixed reason.
import net from 'node:net';
import { ModelError } from '../../ports/model-errors.js';
import { networkCode, networkReason } from './model-http.js';
import { checkLiteralHost, POLICY_REFUSAL, POLICY_REFUSED_CODE, publicOnlyLookup, type ModelUrlPolicy } from './model-url-policy.js';

export async function reachTcp(o: { host: string; port: number; policy: ModelUrlPolicy; timeoutMs: number; signal?: AbortSignal }): Promise<void> {
  const at = `${o.host.includes(':') ? `[${o.host}]` : o.host}:${o.port}`;
  const fail = (e: unknown): ModelError => {
    const code = networkCode(e);
    if (code === POLICY_REFUSED_CODE) return new ModelError('permanent', `TCP ${POLICY_REFUSAL}`);
    return new ModelError(code === 'ECONNREFUSED' ? 'refused' : 'transient', `TCP connection failed: ${networkReason(code, at)}`);
  };
  if (o.policy === 'public') {
    try {
      checkLiteralHost(o.host);
    } catch (e) {
      throw fail(e);
    }
  }
  o.signal?.throwIfAborted();
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect({ host: o.host.replace(/^\[|\]$/g, ''), port: o.port, ...(o.policy === 'public' ? { lookup: publicOnlyLookup } : {}) });
    const done = (err?: unknown) => {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (err === undefined) resolve();
      else reject(err);
    };
    const onAbort = () => done(o.signal!.reason);
    const timer = setTimeout(() => done(new ModelError('transient', `TCP connection to ${at} timed out after ${o.timeoutMs} ms`)), o.timeoutMs);
    o.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => done());
    socket.once('error', (e) => done(fail(e)));
  });
}
