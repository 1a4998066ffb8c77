// Retries a model call on transient ModelErrors: exponential backoff with full jitter, honouring Retry-After.
import { isModelError, type ModelError } from '../ports/model-errors.js';

export interface RetryOptions {
  /** Tries in all, the first included. Default 5. */
  attempts?: number;
  /** Backoff before retry n (1-based) is random() × min(maxMs, baseMs × 2^(n-1)). Default 500. */
  baseMs?: number;
  /** Default 30 000. */
  maxMs?: number;
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
 * `fn(attempt)` until it resolves, a non-transient error (thrown at once), or the attempts run out (the
 * last error thrown). A server's Retry-After is a floor on the wait. Aborting throws the signal's reason.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const attempts = Math.max(1, Math.floor(opts.attempts ?? 5));
  const baseMs = opts.baseMs ?? 500;
  const maxMs = opts.maxMs ?? 30_000;
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? 60_000;
  const sleep = opts.sleep ?? sleepFor;
  const random = opts.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    opts.signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (e) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      if (!isModelError(e) || e.kind !== 'transient' || attempt >= attempts) throw e;
      if (e.retryAfterMs !== undefined && e.retryAfterMs > maxRetryAfterMs) throw e;
      const backoff = random() * Math.min(maxMs, baseMs * 2 ** (attempt - 1));
      const delayMs = Math.round(Math.max(backoff, e.retryAfterMs ?? 0));
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
