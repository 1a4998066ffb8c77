// Function Compute glue: FC3 event shapes (events arrive as a Buffer), middy middlewares for event
// parsing, request ids and error logging, and the HTTP-trigger ↔ web Request/Response bridge.
import middy from '@middy/core';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../ports/logger.js';

/** The part of FC's context object the handlers use. */
export interface FcContext {
  requestId: string;
  function?: { name?: string };
  [k: string]: unknown;
}

export type FcHandler<R = unknown> = (event: unknown, context: FcContext) => Promise<R>;

/** One message out of an MNS queue trigger (EventBridge CloudEvent `data`). */
export interface QueueRecord {
  messageId: string;
  body: string;
  dequeueCount: number;
}

/** FC hands event functions a Buffer: parse it as JSON (strings too); objects pass through. */
export const fcJsonEvent = (): middy.MiddlewareObj<unknown, unknown, Error, FcContext> => ({
  before: (request) => {
    const e = request.event;
    if (Buffer.isBuffer(e) || e instanceof Uint8Array) request.event = JSON.parse(Buffer.from(e).toString('utf8'));
    else if (typeof e === 'string') request.event = JSON.parse(e);
  },
});

/** Logs a failed invocation with its request id, then lets FC see the failure (so it retries). */
export const fcErrorLog = (log: () => Logger, fn: string): middy.MiddlewareObj<unknown, unknown, Error, FcContext> => ({
  onError: (request) => {
    log().error('invocation failed', {
      function: fn,
      requestId: request.context?.requestId,
      error: request.error instanceof Error ? request.error.message : String(request.error),
    });
  },
});

/**
 * MNS queue triggers deliver CloudEvents (one, or an array in batch mode) whose `data` carries
 * `messageBody`, `messageId` and, where known, `dequeueCount`.
 */
export function parseQueueTriggerEvent(event: unknown): QueueRecord[] {
  const events = Array.isArray(event) ? event : [event];
  return events.map((ce, i) => {
    const data = (ce as { data?: unknown })?.data as Record<string, unknown> | undefined;
    if (!data || typeof data.messageBody !== 'string') {
      throw new Error(`queue trigger event #${i} has no data.messageBody`);
    }
    return {
      messageId: String(data.messageId ?? (ce as { id?: string }).id ?? ''),
      body: data.messageBody,
      dequeueCount: Number(data.dequeueCount ?? 1),
    };
  });
}

/** Builds the CloudEvent array an MNS queue trigger would deliver for these messages (local runtime, tests). */
export function queueTriggerEvent(queue: string, messages: Array<{ messageId: string; body: string; dequeueCount: number }>): Buffer {
  return Buffer.from(
    JSON.stringify(
      messages.map((m) => ({
        id: randomUUID(),
        source: 'MNS-loupe-queue-trigger',
        specversion: '1.0',
        type: 'mns:Queue:SendMessage',
        datacontenttype: 'application/json; charset=utf-8',
        subject: `acs:mns:local:0:queues/${queue}`,
        time: new Date().toISOString(),
        aliyunregionid: 'local',
        data: { requestId: randomUUID(), messageId: m.messageId, messageBody: m.body, dequeueCount: m.dequeueCount },
      })),
    ),
  );
}

/** FC3 HTTP trigger event (the fields we use). */
export interface FcHttpEvent {
  version?: string;
  rawPath: string;
  headers?: Record<string, string>;
  queryParameters?: Record<string, string | string[]>;
  body?: string;
  isBase64Encoded?: boolean;
  requestContext?: { http?: { method?: string; path?: string; sourceIp?: string }; requestId?: string; domainName?: string };
}

export interface FcHttpResult {
  statusCode: number;
  headers: Record<string, string>;
  isBase64Encoded: boolean;
  body: string;
}

export function httpEventToRequest(e: FcHttpEvent): Request {
  const headers = new Headers(e.headers ?? {});
  const host = headers.get('host') ?? e.requestContext?.domainName ?? 'localhost';
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(e.queryParameters ?? {})) for (const one of Array.isArray(v) ? v : [v]) qs.append(k, one);
  const url = `https://${host}${e.rawPath}${qs.size ? `?${qs}` : ''}`;
  const method = (e.requestContext?.http?.method ?? 'GET').toUpperCase();
  const hasBody = !['GET', 'HEAD'].includes(method) && e.body !== undefined && e.body !== '';
  return new Request(url, {
    method,
    headers,
    body: hasBody ? (e.isBase64Encoded ? Buffer.from(e.body!, 'base64') : e.body) : undefined,
  });
}

export async function responseToHttpResult(res: Response): Promise<FcHttpResult> {
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => (headers[k] = v));
  const type = res.headers.get('content-type') ?? '';
  const buf = Buffer.from(await res.arrayBuffer());
  const text = /^(text\/|application\/(json|javascript|xml))/.test(type);
  return { statusCode: res.status, headers, isBase64Encoded: !text, body: text ? buf.toString('utf8') : buf.toString('base64') };
}

export const newRequestId = () => randomUUID();
