// The one error lib/media throws for an image it cannot use; `reason` is fit for FileMeta.failReason.

export class MediaError extends Error {
  readonly reason: string;
  constructor(reason: string, options?: { cause?: unknown }) {
    super(reason, options);
    this.name = 'MediaError';
    this.reason = reason;
  }
}
