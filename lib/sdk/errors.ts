// What a failed call throws: the API's error body (`{Code, Message, RequestId, Field}`) with its status.

export class LoupeApiError extends Error {
  override readonly name = 'LoupeApiError';
  constructor(
    /** HTTP status; 0 when the server could not be reached. */
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | undefined,
    /** The request field a 400 is about. */
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** PAI-style aliases, as the error body names them. */
  get Code(): string {
    return this.code;
  }
  get Message(): string {
    return this.message;
  }
  get RequestId(): string | undefined {
    return this.requestId;
  }

  /** Builds the error from a non-2xx response (its JSON body when it has one). */
  static async fromResponse(res: Response, method: string, path: string): Promise<LoupeApiError> {
    const text = await res.text().catch(() => '');
    let body: { Code?: unknown; Message?: unknown; RequestId?: unknown; Field?: unknown } | undefined;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const requestId = str(body?.RequestId) ?? res.headers.get('x-request-id') ?? undefined;
    const code = str(body?.Code) ?? `Http${res.status}`;
    const message = str(body?.Message) ?? `${method} ${path}: HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
    return new LoupeApiError(res.status, code, message, requestId, str(body?.Field));
  }
}

export const isLoupeApiError = (e: unknown): e is LoupeApiError => e instanceof LoupeApiError;
