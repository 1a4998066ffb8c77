// The console's only way to the server: the public REST API (the same routes a script or PAI's SDKs
// call), same origin, authenticated by the HttpOnly session cookie that POST /api/v1/session sets.
// The API key itself is never kept by the page: not in localStorage, not in a URL.
import { signal } from '@preact/signals';

/** Who is signed in: undefined while unknown, null when signed out. */
export const principal = signal<string | null | undefined>(undefined);

/** A failed call, with the API's own Code, Message, Field and (for a query-language error) Position. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    /** 0-based offset into QueryExpression where the query language stopped (UTF-16 units). */
    readonly offset?: number,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | boolean | string[] | undefined | null>;

/** `?a=1&b=x,y` from a record: undefined/null/'' dropped, arrays as JSON (values may hold commas). */
export function queryString(q: Query | undefined): string {
  if (!q) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null || v === '') continue;
    p.set(k, Array.isArray(v) ? JSON.stringify(v) : String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

/**
 * One API call. `path` starts with `/api/v1/`. A 401 marks the page signed out (the shell then asks
 * for the key again). Aborting through `signal` rejects with the DOMException AbortError.
 */
export async function call<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, opts: { query?: Query; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', 'x-loupe-console': '1' };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path + queryString(opts.query), {
    method,
    headers,
    credentials: 'same-origin',
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    signal: opts.signal,
  });
  const text = await res.text();
  let json: any = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: reported below by status */
  }
  if (!res.ok) {
    if (res.status === 401 && !path.startsWith('/api/v1/session')) principal.value = null;
    throw new ApiError(
      res.status,
      String(json?.Code ?? res.status),
      String(json?.Message ?? res.statusText ?? 'request failed'),
      json?.Field,
      typeof json?.Position?.Offset === 'number' ? json.Position.Offset : undefined,
      json?.RequestId,
    );
  }
  return json as T;
}

export const get = <T>(path: string, query?: Query, signal?: AbortSignal) => call<T>('GET', path, { query, signal });
export const post = <T>(path: string, body?: unknown, query?: Query) => call<T>('POST', path, { body: body ?? {}, query });
export const put = <T>(path: string, body?: unknown, query?: Query) => call<T>('PUT', path, { body: body ?? {}, query });
export const del = <T>(path: string, query?: Query) => call<T>('DELETE', path, { query });

/** The path segment, encoded (ids are `[\w-]`, but a name could be anything). */
export const seg = (s: string) => encodeURIComponent(s);

/** The thumbnail URL of a file meta: stable for a given ETag, so the browser may cache it forever. */
export function thumbnailUrl(datasetId: string, fileMetaId: string, etag: string | undefined, tier: 'grid' | 'large'): string {
  const mode = tier === 'grid' ? 'm_lfit,w_256,h_256,f_webp' : 'm_lfit,w_1440,h_1440';
  const v = etag ? `&v=${encodeURIComponent(etag)}` : '';
  return `/api/v1/datasets/${seg(datasetId)}/datasetfilemetas/${seg(fileMetaId)}/thumbnail?ThumbnailMode=${encodeURIComponent(mode)}${v}`;
}

export const downloadUrl = (datasetId: string, fileMetaId: string) => `/api/v1/datasets/${seg(datasetId)}/datasetfilemetas/${seg(fileMetaId)}/download`;
