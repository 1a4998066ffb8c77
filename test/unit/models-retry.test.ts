// withRetry: full-jitter exponential backoff, Retry-After as a floor, only transient ModelErrors retried, abort.
import { describe, expect, it, vi } from 'vitest';
import { withRetry } from '../../lib/services/retry.js';
import { ModelError } from '../../lib/ports/model-errors.js';

const transient = (retryAfterMs?: number) => new ModelError('transient', 'HTTP 503', { status: 503, retryAfterMs });

/** fn failing with `errors` in turn, then resolving 'done'. */
function failing(...errors: Error[]) {
  return vi.fn(async (attempt: number) => {
    const e = errors[attempt - 1];
    if (e) throw e;
    return 'done';
  });
}

describe('withRetry', () => {
  it('backs off exponentially with full jitter (injected random), capped at maxMs', async () => {
    const sleeps: number[] = [];
    const onRetry = vi.fn();
    const fn = failing(transient(), transient(), transient(), transient());
    const result = await withRetry(fn, { attempts: 5, baseMs: 100, maxMs: 500, random: () => 0.5, sleep: async (ms) => void sleeps.push(ms), onRetry });
    expect(result).toBe('done');
    expect(fn).toHaveBeenCalledTimes(5);
    expect(sleeps).toEqual([50, 100, 200, 250]); // 0.5 × min(500, 100·2^(n-1))
    expect(onRetry.mock.calls.map(([i]) => [i.attempt, i.delayMs])).toEqual([
      [1, 50],
      [2, 100],
      [3, 200],
      [4, 250],
    ]);
    const full: number[] = [];
    await withRetry(failing(transient(), transient()), { baseMs: 100, maxMs: 10_000, random: () => 0.999, sleep: async (ms) => void full.push(ms) });
    expect(full).toEqual([100, 200]);
    const none: number[] = [];
    await withRetry(failing(transient()), { random: () => 0, sleep: async (ms) => void none.push(ms) });
    expect(none).toEqual([0]);
  });

  it('waits at least the Retry-After the server asked for', async () => {
    const sleeps: number[] = [];
    await withRetry(failing(transient(3_000), transient(10)), { baseMs: 100, random: () => 0.5, sleep: async (ms) => void sleeps.push(ms) });
    expect(sleeps).toEqual([3_000, 100]);
  });

  it('gives a Retry-After beyond maxRetryAfterMs back to the caller at once', async () => {
    const sleep = vi.fn(async () => {});
    const e = transient(120_000);
    const fn = failing(e);
    await expect(withRetry(fn, { sleep, maxRetryAfterMs: 60_000 })).rejects.toBe(e);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(sleep).not.toHaveBeenCalled();
  });

  it('does not retry permanent ModelErrors or other errors', async () => {
    const sleep = vi.fn(async () => {});
    const permanent = new ModelError('permanent', 'HTTP 400: bad image', { status: 400 });
    const p = failing(permanent);
    await expect(withRetry(p, { sleep })).rejects.toBe(permanent);
    expect(p).toHaveBeenCalledTimes(1);
    const bug = new TypeError('x is undefined');
    const b = failing(bug);
    await expect(withRetry(b, { sleep })).rejects.toBe(bug);
    expect(b).toHaveBeenCalledTimes(1);
    expect(sleep).not.toHaveBeenCalled();
  });

  it('throws the last error when the attempts run out', async () => {
    const last = transient();
    const fn = failing(transient(), transient(), last);
    await expect(withRetry(fn, { attempts: 3, sleep: async () => {} })).rejects.toBe(last);
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('stops on abort: before the first try, and while sleeping (real timer)', async () => {
    const before = new AbortController();
    before.abort(new Error('job stopped'));
    const fn = failing();
    await expect(withRetry(fn, { signal: before.signal })).rejects.toThrow('job stopped');
    expect(fn).not.toHaveBeenCalled();

    const during = new AbortController();
    const slow = failing(transient(60_000), transient());
    const started = Date.now();
    setTimeout(() => during.abort(new Error('stopped mid-wait')), 30);
    await expect(withRetry(slow, { signal: during.signal })).rejects.toThrow('stopped mid-wait');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(slow).toHaveBeenCalledTimes(1);
  });

  it('retries against a real flaky call until it succeeds', async () => {
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw transient(1);
        return calls;
      },
      { baseMs: 1, maxMs: 5 },
    );
    expect(result).toBe(3);
  });
});
