// Request bodies are read only up to a limit: a declared Content-Length above it is a 413 before a
// byte is read, a chunked body is counted while it streams and cut off at the limit. Without it a
// 600 MB body was buffered whole (and then called malformed JSON). Every body this API takes is JSON
// (an uploaded image is base64 in it), so the bytes must be UTF-8 (RFC 8259): invalid bytes are a 400
// instead of silently becoming U+FFFD in a stored name.
import type { Context, MiddlewareHandler } from 'hono';
import { isUtf8 } from 'node:buffer';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorBody, payloadTooLargeBody } from './errors.js';

/**
 * After a 413 the rest of the body is read and dropped, up to this much and this long, before the
 * connection closes: closing on bytes still arriving resets the connection, and a client still
 * sending would lose the 413 it was sent (RFC 9112 §9.6, "lingering close").
 */
const LINGER_BYTES = 64 * 1024 * 1024;
const LINGER_MS = 2000;

export function bodyLimit(limitOf: (c: Context) => number): MiddlewareHandler {
  return async (c, next) => {
    const raw = c.req.raw;
    if (!raw.body) return next();
    const limit = limitOf(c);
    const reader = raw.body.getReader();
    const declared = raw.headers.get('content-length');
    if (declared !== null && !raw.headers.has('transfer-encoding') && Number(declared) > limit) return tooLarge(c, limit, reader);
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) return tooLarge(c, limit, reader);
      chunks.push(value);
    }
    const body = Buffer.concat(chunks, size);
    if (!isUtf8(body)) return errorBody(c, 'Invalid', 'body: not valid UTF-8 (JSON text must be UTF-8)', 'body');
    c.req.raw = new Request(raw, { body });
    return next();
  };
}

/**
 * The 413, its body written at once; the response ends (and, being `Connection: close`, the
 * connection with it: it cannot carry another request) once the rest of the body is dropped.
 */
function tooLarge(c: Context, limit: number, rest: ReadableStreamDefaultReader<Uint8Array>): Response {
  const json = Buffer.from(JSON.stringify(payloadTooLargeBody(c, limit)));
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(json);
      await Promise.race([drop(rest), sleep(LINGER_MS)]);
      controller.close();
    },
  });
  return c.body(stream, 413, { 'content-type': 'application/json', 'content-length': String(json.length), connection: 'close' });
}

async function drop(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  let dropped = 0;
  try {
    while (dropped <= LINGER_BYTES) {
      const { done, value } = await reader.read();
      if (done) return;
      dropped += value.byteLength;
    }
  } catch {
    // The client went away: nothing left to drop.
  }
}
