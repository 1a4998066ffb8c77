// Errors a model service can answer with. Transient ones are retried (with the server's Retry-After
// when it gives one); permanent ones fail the file with the reason; `refused` (nothing listens at the
// address: connection refused) is retried a few times quickly, in case the service is restarting,
// then fails the file like a permanent one instead of holding the batch for long backoffs.
export type ModelErrorKind = 'transient' | 'permanent' | 'refused';

export class ModelError extends Error {
  readonly kind: ModelErrorKind;
  /** HTTP status, when there was one. */
  readonly status?: number;
  /** Milliseconds the server asked us to wait (Retry-After), when it did. */
  readonly retryAfterMs?: number;
  constructor(kind: ModelErrorKind, message: string, opts: { status?: number; retryAfterMs?: number } = {}) {
    super(message);
    this.name = 'ModelError';
    this.kind = kind;
    this.status = opts.status;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

export const isModelError = (e: unknown): e is ModelError => e instanceof ModelError;
