// The console's session cookie: the browser trades its API key for it once (POST /api/v1/session) and
// never holds the key again (HttpOnly: script cannot read it; SameSite=Strict: other sites cannot send it).
// Stateless, because FC runs many instances of the api function: the value is
// base64url(JSON {k, iat, exp}) "." HMAC-SHA256 over it, with the secret that signs file URLs and page
// tokens. `k` names the API key by a keyed hash (it gives nothing of the key back without the server's
// secret), so a session is valid only while its key is still configured: revoking the key revokes them.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { apiKeyPrincipal } from './auth.js';

export const SESSION_COOKIE = 'loupe_session';
/** The header every cookie-authenticated change must carry (a form or a cross-site page cannot set it). */
export const CONSOLE_HEADER = 'x-loupe-console';

export type SessionCheck = { ok: true; principal: string; expires: Date } | { ok: false; reason: 'invalid' | 'expired' | 'revoked' };

export interface Sessions {
  /** A new session for `apiKey` (already checked to be a configured key): the cookie value and its expiry. */
  issue(apiKey: string): { value: string; expires: Date };
  /** Who the session cookie `value` stands for, if it is still good. */
  open(value: string): SessionCheck;
}

interface Payload {
  k: string;
  iat: number;
  exp: number;
}

export function hmacSessions(secret: string, apiKeys: string[], o: { hours: number; now?: () => number }): Sessions {
  const now = o.now ?? Date.now;
  const key = createHash('sha256').update('loupe-session\0').update(secret).digest();
  const mac = (s: string) => createHmac('sha256', key).update(s).digest();
  const keyTag = (apiKey: string) => createHmac('sha256', key).update('api-key\0').update(apiKey).digest().subarray(0, 16);
  const configured = apiKeys.map((k) => ({ tag: keyTag(k), principal: apiKeyPrincipal(k) }));
  return {
    issue(apiKey) {
      const iat = Math.floor(now() / 1000);
      const exp = iat + Math.round(o.hours * 3600);
      const payload: Payload = { k: keyTag(apiKey).toString('base64url'), iat, exp };
      const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
      return { value: `${body}.${mac(body).toString('base64url')}`, expires: new Date(exp * 1000) };
    },
    open(value) {
      const cut = value.indexOf('.');
      if (cut <= 0) return { ok: false, reason: 'invalid' };
      const body = value.slice(0, cut);
      const given = Buffer.from(value.slice(cut + 1), 'base64url');
      const expected = mac(body);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'invalid' };
      let p: Payload;
      try {
        p = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Payload;
      } catch {
        return { ok: false, reason: 'invalid' };
      }
      if (typeof p.exp !== 'number' || typeof p.k !== 'string') return { ok: false, reason: 'invalid' };
      if (p.exp * 1000 <= now()) return { ok: false, reason: 'expired' };
      const tag = Buffer.from(p.k, 'base64url');
      // Every configured key is compared, each in constant time: which one matched takes no longer.
      let principal: string | undefined;
      for (const c of configured) if (tag.length === c.tag.length && timingSafeEqual(tag, c.tag)) principal ??= c.principal;
      return principal ? { ok: true, principal, expires: new Date(p.exp * 1000) } : { ok: false, reason: 'revoked' };
    },
  };
}

/** The value of cookie `name` in a Cookie header (the first one), if present. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The Set-Cookie header for `value` (empty with maxAge 0 clears it). Secure when served over https. */
export function sessionCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return [`${SESSION_COOKIE}=${value}`, 'Path=/', `Max-Age=${maxAgeSeconds}`, 'HttpOnly', 'SameSite=Strict', ...(secure ? ['Secure'] : [])].join('; ');
}
