// Shared machinery of the loopback model servers (test doubles): node:http on 127.0.0.1, seeded faults, in-flight counts.
import { createHash } from 'node:crypto';
import http, { type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Fault knobs every loopback model server takes. Rates are probabilities per request, drawn from `seed`. */
export interface FaultKnobs {
  /** Delay before every answer (ms). */
  latencyMs: number;
  /** Share of requests answered 429 with a Retry-After header. */
  rate429: number;
  /** The Retry-After value sent with a 429: seconds, or a string sent as is (e.g. an HTTP-date). */
  retryAfter: number | string;
  /** Share answered 500, 502 or 503. */
  rate5xx: number;
  /** Share never answered: the request hangs until the client gives up (or the server closes). */
  rateTimeout: number;
  /** Share whose connection is dropped without an answer (the client sees a reset). */
  rateReset: number;
  /** Share answered with garbage (what kind is the service's: non-JSON, malformed or off-shape JSON). */
  rateGarbage: number;
  /** When set, every request is answered with this status and the service's error body for it. */
  failStatus?: number;
  /** Seeds the fault draws (and whatever else the service draws at random); setting it restarts the sequence. */
  seed: number;
}

export const DEFAULT_FAULT_KNOBS: FaultKnobs = {
  latencyMs: 0,
  rate429: 0,
  retryAfter: 1,
  rate5xx: 0,
  rateTimeout: 0,
  rateReset: 0,
  rateGarbage: 0,
  failStatus: undefined,
  seed: 1,
};

export interface LoopbackStats {
  requests: number;
  /** Requests received and not yet answered (or abandoned by the client). */
  inFlight: number;
  maxInFlight: number;
}

export interface LoopbackServer<K extends FaultKnobs> {
  /** Base URL (the service's own path prefix included). */
  url: string;
  /** Live counters. */
  stats: LoopbackStats;
  readonly knobs: Readonly<K>;
  setKnobs(k: Partial<K>): void;
  /** Zeroes `requests` and `maxInFlight` (maxInFlight restarts at the current inFlight). */
  resetStats(): void;
  /** The last request received: headers and parsed JSON body (undefined when it was not JSON). */
  lastRequest(): { path: string; headers: IncomingHttpHeaders; body: unknown } | undefined;
  close(): Promise<void>;
}

export interface Reply {
  status: number;
  /** An object is sent as JSON; a string as is (with `contentType`, default JSON). */
  body: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface Exchange<K> {
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON, or undefined when the body was not JSON. */
  body: unknown;
  knobs: K;
  /** The server's seeded random stream, in [0, 1). */
  random: () => number;
}

/** What a service answers, normally and when a fault is drawn. */
export interface ServiceBehaviour<K> {
  /** Path prefix of `url` (e.g. `/compatible-mode/v1`). */
  basePath: string;
  handle(ex: Exchange<K>): Reply;
  throttled(ex: Exchange<K>): Reply;
  failed(ex: Exchange<K>, status: number): Reply;
  garbage(ex: Exchange<K>): Reply;
}

export async function startLoopback<K extends FaultKnobs>(behaviour: ServiceBehaviour<K>, knobs: K): Promise<LoopbackServer<K>> {
  let current = { ...knobs };
  let random = mulberry32(current.seed);
  const stats: LoopbackStats = { requests: 0, inFlight: 0, maxInFlight: 0 };
  const hung = new Set<ServerResponse>();
  let last: { path: string; headers: IncomingHttpHeaders; body: unknown } | undefined;

  const server = http.createServer((req, res) => {
    stats.requests++;
    stats.inFlight++;
    if (stats.inFlight > stats.maxInFlight) stats.maxInFlight = stats.inFlight;
    res.once('close', () => {
      stats.inFlight--;
      hung.delete(res);
    });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = undefined;
      }
      const path = (req.url ?? '/').split('?')[0]!;
      last = { path, headers: req.headers, body };
      const ex: Exchange<K> = { path, headers: req.headers, body, knobs: current, random: () => random() };
      const reply = decide(ex);
      if (reply === 'hang') return void hung.add(res);
      if (reply === 'reset') return void req.socket.destroy();
      if (current.latencyMs > 0) setTimeout(() => send(res, reply), current.latencyMs);
      else send(res, reply);
    });
  });

  function decide(ex: Exchange<K>): Reply | 'hang' | 'reset' {
    const k = ex.knobs;
    if (k.failStatus !== undefined) return behaviour.failed(ex, k.failStatus);
    let r = random();
    if ((r -= k.rateTimeout) < 0) return 'hang';
    if ((r -= k.rateReset) < 0) return 'reset';
    if ((r -= k.rate429) < 0) {
      const reply = behaviour.throttled(ex);
      return { ...reply, headers: { ...reply.headers, 'retry-after': String(k.retryAfter) } };
    }
    if ((r -= k.rate5xx) < 0) return behaviour.failed(ex, [500, 502, 503][Math.floor(random() * 3)]!);
    if ((r -= k.rateGarbage) < 0) return behaviour.garbage(ex);
    return behaviour.handle(ex);
  }

  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${behaviour.basePath}`,
    stats,
    get knobs() {
      return current;
    },
    setKnobs(k) {
      current = { ...current, ...k };
      if (k.seed !== undefined) random = mulberry32(k.seed);
    },
    resetStats() {
      stats.requests = 0;
      stats.maxInFlight = stats.inFlight;
    },
    lastRequest: () => last,
    async close() {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.destroyed) return;
  const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': reply.contentType ?? 'application/json',
    'content-length': Buffer.byteLength(text),
    ...reply.headers,
  });
  res.end(text);
}

/** A small, fast, seedable PRNG (mulberry32): same seed, same sequence. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A PRNG seeded by content: the same input always draws the same numbers. */
export function contentRandom(content: string): () => number {
  return mulberry32(createHash('sha1').update(content).digest().readUInt32LE(0));
}

const BLOCK = 64;
const BLOCKS = 1024;
/** Pre-written JSON: 1,024 blocks of 64 numbers in [-1, 1), and single numbers for a tail shorter than a block. */
let blocks: { joined: string[]; single: string[] } | undefined;

/**
 * A deterministic vector for an input (hash-seeded), as JSON text (`[0.123456,-0.5,...]`), spliced from
 * pre-written blocks of 64 numbers picked by the input's hash: formatting 1,536 floats per input would be
 * the server's hot path (~100 µs); splicing is ~2 µs. Distinct inputs get distinct vectors (1,024^24 ways).
 */
export function contentVectorJson(content: string, dimension: number): string {
  if (!blocks) {
    const random = mulberry32(0x5eed);
    const single = Array.from({ length: BLOCK * BLOCKS }, () => String(Math.round((random() * 2 - 1) * 1e6) / 1e6));
    blocks = { single, joined: Array.from({ length: BLOCKS }, (_, b) => single.slice(b * BLOCK, (b + 1) * BLOCK).join(',')) };
  }
  const random = contentRandom(content);
  const parts: string[] = [];
  const whole = Math.floor(dimension / BLOCK);
  for (let i = 0; i < whole; i++) parts.push(blocks.joined[Math.floor(random() * BLOCKS)]!);
  for (let i = whole * BLOCK; i < dimension; i++) parts.push(blocks.single[Math.floor(random() * BLOCK * BLOCKS)]!);
  return `[${parts.join(',')}]`;
}

/** The same vector as numbers (for tests that compute what a server answers). */
export function contentVector(content: string, dimension: number): number[] {
  return JSON.parse(contentVectorJson(content, dimension)) as number[];
}

/** Embedding entries `{index, embedding, type}` as JSON text, vectors spliced in unparsed. */
export function embeddingsJson(entries: { index: number; vectorJson: string; type: string }[]): string {
  return `[${entries.map((e) => `{"index":${e.index},"embedding":${e.vectorJson},"type":${JSON.stringify(e.type)}}`).join(',')}]`;
}

/** A random request id in the services' style, drawn from the server's stream. */
export function requestId(random: () => number): string {
  const hex = () => Math.floor(random() * 0x100000000).toString(16).padStart(8, '0');
  return `${hex()}-${hex().slice(0, 4)}-${hex().slice(0, 4)}-${hex().slice(0, 4)}-${hex()}${hex().slice(0, 4)}`;
}
