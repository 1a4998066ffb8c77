// Authentication: an API key (`Authorization: Bearer <key>`, or `x-acs-bearer-token: <key>` as PAI's
// SDKs send a bearer credential) or an ACS3-HMAC-SHA256 signature with an AccessKey pair
// (acs3-signature.ts) on every route but /healthz; file URLs handed out in listings (ThumbnailUrl,
// DownloadUrl) carry an expiring HMAC signature instead, like OSS signed URLs, so an <img> tag can load them.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** A signed URL is `valid`, correctly signed but past its Expires (`expired`), or not one we signed (`invalid`). */
export type SignedUrlCheck = 'valid' | 'expired' | 'invalid';

export interface UrlSigner {
  sign(pathWithQuery: string, ttlSeconds?: number): string;
  verify(url: URL): SignedUrlCheck;
}

export function constantTimeIncludes(keys: string[], presented: string): boolean {
  const p = createHash('sha256').update(presented).digest();
  let ok = false;
  for (const k of keys) ok = timingSafeEqual(createHash('sha256').update(k).digest(), p) || ok;
  return ok;
}

export function bearerOf(header: string | undefined): string | undefined {
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return m?.[1];
}

/**
 * The API key a request presents, if any: `Authorization: Bearer <key>`, else `x-acs-bearer-token`
 * (darabonba-openapi sends a bearer credential so, with `x-acs-signature-type: BEARERTOKEN`, which is
 * not required: the header alone says what it is).
 */
export function presentedApiKey(header: (name: string) => string | undefined): string | undefined {
  const bearer = bearerOf(header('authorization'));
  if (bearer) return bearer;
  const acs = header('x-acs-bearer-token')?.trim();
  return acs && /^\S+$/.test(acs) ? acs : undefined;
}

/** What names an API key as a principal; an AccessKey ID may not start so (acs3-signature.ts parseAccessKeys). */
export const API_KEY_PRINCIPAL_PREFIX = 'apikey-';

/**
 * The principal of a request made with API key `key`: `apikey-` and the first 12 hex digits (48 bits)
 * of sha256(key). Stable (the same key is the same name across restarts) and never the key: a hash
 * prefix gives nothing back of a high-entropy key (Loupe's generated keys hold 192 random bits); an
 * operator-chosen guessable key could be confirmed offline from it by someone who reads it, which is
 * one more reason to use long random keys. 48 bits tell a handful of configured keys apart.
 */
export function apiKeyPrincipal(key: string): string {
  return `${API_KEY_PRINCIPAL_PREFIX}${createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 12)}`;
}

export function hmacUrlSigner(secret: string, now: () => number = Date.now): UrlSigner {
  const key = createHash('sha256').update('loupe-url-signing\0').update(secret).digest();
  const mac = (s: string) => createHmac('sha256', key).update(s).digest('base64url');
  return {
    sign(pathWithQuery, ttlSeconds = 3600) {
      const expires = Math.floor(now() / 1000) + ttlSeconds;
      const sep = pathWithQuery.includes('?') ? '&' : '?';
      const unsigned = `${pathWithQuery}${sep}Expires=${expires}`;
      return `${unsigned}&Signature=${mac(unsigned)}`;
    },
    verify(url) {
      const sig = url.searchParams.get('Signature');
      const expires = Number(url.searchParams.get('Expires'));
      if (!sig || !Number.isFinite(expires)) return 'invalid';
      const raw = url.pathname + url.search;
      const cut = raw.lastIndexOf('&Signature=');
      if (cut < 0) return 'invalid';
      const expected = Buffer.from(mac(raw.slice(0, cut)));
      const given = Buffer.from(sig);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'invalid';
      // Expiry is told only for a URL we signed: anyone else learns nothing from the answer.
      return expires * 1000 < now() ? 'expired' : 'valid';
    },
  };
}
