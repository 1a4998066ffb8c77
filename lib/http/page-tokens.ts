// NextToken bound to the query it pages through. The stores' tokens are bare positions (a sort value
// and an id, an offset, a diff's counts): given to another query they would return an arbitrary page,
// and a crafted one could carry made-up counts. So every token handed out is the store's token plus
// an HMAC over it and the query (listing, path parameters, every query parameter but NextToken and
// MaxResults); a token that does not verify for this query is a 400 naming NextToken. One mechanism,
// applied at the API boundary, for every paged listing; services and stores keep their own tokens.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { invalid } from '../domain/errors.js';

export interface PageTokens {
  /** `token` (a store's) bound to `scope`. */
  seal(token: string, scope: unknown): string;
  /** The store's token inside `token` when it was sealed for `scope`; otherwise a 400 naming NextToken. */
  open(token: string, scope: unknown): string;
}

/**
 * Not part of the query a token belongs to: the position itself and the page size. (How a page's URLs
 * are drawn, ThumbnailMode, is no search parameter: the search's scope is its parsed SearchParams.)
 */
const PAGING_PARAMETERS = new Set(['NextToken', 'MaxResults']);
const SEPARATOR = '.';

export function hmacPageTokens(secret: string): PageTokens {
  const key = createHash('sha256').update('loupe-page-token\0').update(secret).digest();
  const mac = (token: string, scope: unknown) =>
    createHmac('sha256', key).update(canonicalJson(scope)).update('\0').update(token).digest().subarray(0, 16);
  return {
    seal(token, scope) {
      return `${token}${SEPARATOR}${mac(token, scope).toString('base64url')}`;
    },
    open(sealed, scope) {
      const cut = sealed.lastIndexOf(SEPARATOR);
      const token = sealed.slice(0, Math.max(cut, 0));
      const given = Buffer.from(sealed.slice(cut + 1), 'base64url');
      const expected = mac(token, scope);
      if (cut <= 0 || given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw invalid(
          'NextToken does not belong to this query: it was returned for another listing, dataset, version, filter or sort (start again without NextToken)',
          'NextToken',
        );
      }
      return token;
    },
  };
}

/**
 * One page of a listing: opens the request's NextToken for this query, calls `list` with the store's
 * token, and seals the token of the next page. The scope is the route's path parameters, `listing`
 * (the action's name, so that two routes serving one listing share tokens) and `query` without its
 * paging parameters; `nextToken` defaults to `query.NextToken`.
 */
export async function pageOf<P extends { nextToken?: string }>(
  c: Context,
  tokens: PageTokens,
  o: { listing: string; query: Record<string, unknown>; nextToken?: string },
  list: (nextToken: string | undefined) => Promise<P>,
): Promise<P> {
  const given = o.nextToken ?? (typeof o.query.NextToken === 'string' ? o.query.NextToken : undefined);
  const query = Object.fromEntries(Object.entries(o.query).filter(([k]) => !PAGING_PARAMETERS.has(k)));
  const scope = { listing: o.listing, path: c.req.param() as Record<string, string>, query };
  const page = await list(given ? tokens.open(given, scope) : undefined);
  return page.nextToken ? { ...page, nextToken: tokens.seal(page.nextToken, scope) } : page;
}

/**
 * JSON with sorted keys, undefined dropped and bytes as their SHA-256, so that equal queries hash equal.
 * Anything else that JSON cannot say exactly (a Date, a Map, a class instance, a function, a bigint)
 * throws: hashed as `{}` it would make different queries share their tokens.
 */
export function canonicalJson(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return JSON.stringify(`sha256:${createHash('sha256').update(value).digest('hex')}`);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value !== 'object' || !isPlainObject(value)) {
    const what = typeof value === 'object' ? (value.constructor?.name ?? 'an object') : typeof value;
    throw new TypeError(`canonicalJson: a ${what} has no exact JSON form; give plain data`);
  }
  const entries = Object.entries(value)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
