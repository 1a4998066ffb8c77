// Maps errors to `{Code, Message, RequestId}` with the right status, in one place. Never a stack trace.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { isDomainError, type ErrorKind } from '../domain/errors.js';
import type { Logger } from '../ports/logger.js';
import { isDslError } from '../dsl/dsl-error.js';

const STATUS: Record<ErrorKind, ContentfulStatusCode> = {
  Invalid: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  Unavailable: 503,
  Internal: 500,
};
const CODE: Record<ErrorKind, string> = {
  Invalid: 'InvalidParameter',
  Unauthorized: 'Unauthorized',
  Forbidden: 'Forbidden',
  NotFound: 'ResourceNotFound',
  Conflict: 'Conflict',
  Unavailable: 'ServiceUnavailable',
  Internal: 'InternalError',
};

export function errorBody(c: Context, kind: ErrorKind, message: string, field?: string) {
  return c.json({ Code: CODE[kind], Message: message, RequestId: c.get('requestId') as string, ...(field ? { Field: field } : {}) }, STATUS[kind]);
}

/** A 401 with one of PAI's authentication codes (SignatureDoesNotMatch, …) instead of `Unauthorized`. */
export function unauthorizedBody(c: Context, code: string, message: string, status: 401 | 503 = 401) {
  return c.json({ Code: code, Message: message, RequestId: c.get('requestId') as string }, status);
}

/** The 413 body: says "too large", the limit, and the variable that sets it. */
export function payloadTooLargeBody(c: Context, limit: number) {
  const mib = limit >= 1024 * 1024 ? ` (${Number((limit / (1024 * 1024)).toFixed(1))} MiB)` : '';
  return {
    Code: 'PayloadTooLarge',
    Message: `request body too large: the limit here is ${limit} bytes${mib}; LOUPE_MAX_BODY_BYTES sets it`,
    RequestId: c.get('requestId') as string,
    Field: 'body',
  };
}

export function handleError(err: unknown, c: Context, log: Logger) {
  // A query-language error also says where (the console underlines it): Offset is 0-based in UTF-16
  // code units, Line and Column 1-based, as in the message.
  if (isDslError(err)) {
    return c.json(
      { Code: CODE.Invalid, Message: err.message, RequestId: c.get('requestId') as string, Field: err.field, Position: { Offset: err.offset, Line: err.line, Column: err.col } },
      STATUS.Invalid,
    );
  }
  if (isDomainError(err)) return errorBody(c, err.kind, err.message, err.field);
  if (err instanceof SyntaxError) return errorBody(c, 'Invalid', `malformed JSON body: ${err.message}`);
  const status = (err as { status?: number })?.status;
  if (status === 404) return errorBody(c, 'NotFound', 'no such route');
  if (status === 405) return errorBody(c, 'Invalid', 'method not allowed');
  if (status && status >= 400 && status < 500) return errorBody(c, 'Invalid', (err as Error).message || 'bad request');
  log.error('request failed', {
    requestId: c.get('requestId'),
    path: c.req.path,
    error: err instanceof Error ? err.message : String(err),
    stack: err instanceof Error ? err.stack : undefined,
  });
  return errorBody(c, 'Internal', 'internal error; the server log has the details under this RequestId');
}

/** Turns a zod validation failure into a 400 naming the first bad field. */
export function validationMessage(issues: Array<{ path: PropertyKey[]; message: string }>): { field: string; message: string } {
  const first = issues[0];
  const field = first?.path.map(String).join('.') || 'body';
  return { field, message: `${field}: ${first?.message ?? 'invalid'}` };
}
