// Retries a model call on transient ModelErrors: exponential backoff with full jitter, honouring
// Retry-After. A refused connection has its own small budget of quick tries (a service restarting
// comes back within a second or so; one that is down should fail the file soon, with the reason).
import { isModelError, type ModelError } from '../ports/model-errors.js';

export interface RetryOptions {
  /** Tries in all, the first included. Default 5. */
  attempts?: number;
  /** Backoff before retry n (1-based) is random() × min(maxMs, baseMs × 2^(n-1)). Default 500. */
  baseMs?: number;
  /** Default 30 000. */
  maxMs?: number;
  /** Tries in all when the connection is refused (kind `refused`), the first included. Default 3. */
  refusedAttempts?: number;
  /** Backoff before retry n of a refused connection: refusedBaseMs × 2^(n-1), no jitter. Default 200. */
  refusedBaseMs?: number;
  /**
   * A Retry-After longer than this is not waited out in-process: the error is thrown, so the caller
   * (a queue consumer) can hand the work back to the queue instead of holding a slot. Default 60 000.
   */
  maxRetryAfterMs?: number;
  signal?: AbortSignal;
  onRetry?: (info: { attempt: number; delayMs: number; error: ModelError }) => void;
  /** Injectable for tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** In [0, 1). Injectable for tests. */
  random?: () => number;
}

/**
 * `fn(attempt)` until it resolves, a permanent or non-model error (thrown at once), or the attempts of
 * its kind run out (the last error thrown). A server's Retry-After is a floor on the wait. Aborting
 * throws the signal's reason.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const attempts = Math.max(1, Math.floor(opts.attempts ?? 5));
  const baseMs = opts.baseMs ?? 500;
  const maxMs = opts.maxMs ?? 30_000;
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? 60_000;
  const sleep = opts.sleep ?? sleepFor;
  const random = opts.random ?? Math.random;
  const refusedAttempts = Math.max(1, Math.floor(opts.refusedAttempts ?? 3));
  const refusedBaseMs = opts.refusedBaseMs ?? 200;
  let transient = 0;
  let refused = 0;
  for (let attempt = 1; ; attempt++) {
    opts.signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (e) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      if (!isModelError(e) || e.kind === 'permanent') throw e;
      let delayMs: number;
      if (e.kind === 'refused') {
        // Counted apart: earlier transient tries do not use up this budget, nor the other way round.
        if (++refused >= refusedAttempts) throw e;
        delayMs = refusedBaseMs * 2 ** (refused - 1);
      } else {
        if (++transient >= attempts) throw e;
        if (e.retryAfterMs !== undefined && e.retryAfterMs > maxRetryAfterMs) throw e;
        const backoff = random() * Math.min(maxMs, baseMs * 2 ** (transient - 1));
        delayMs = Math.round(Math.max(backoff, e.retryAfterMs ?? 0));
      }
      opts.onRetry?.({ attempt, delayMs, error: e });
      await sleep(delayMs, opts.signal);
    }
  }
}

function sleepFor(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
