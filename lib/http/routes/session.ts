// Routes: the console's sign-in. POST trades an API key for the session cookie (sessions.ts), GET says
// who the request is, DELETE clears the cookie. POST and DELETE pass the auth middleware uncredentialed
// (app.ts SESSION_PATH) and, as every cookie-era change, must carry x-loupe-console: 1, which a form post
// from another site cannot (a login CSRF would sign the victim in as the attacker).
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { DomainError } from '../../domain/errors.js';
import { constantTimeIncludes } from '../auth.js';
import type { ApiDeps, App } from '../env.js';
import { RequestIdField, errorResponses, jsonContent } from '../schemas.js';
import { CONSOLE_HEADER, sessionCookie } from '../sessions.js';

const tags = ['Session'];
export const SESSION_PATH = '/api/v1/session';

const SessionDto = z
  .object({
    Principal: z.string().openapi({ description: 'Who the requests of this session are made as (apikey-<12 hex of sha256(key)>)' }),
    ExpireTime: z.string().optional().openapi({ description: 'When the session cookie stops working (absent for a request made with a key or signature)' }),
    ...RequestIdField,
  })
  .openapi('Session');

const consoleHeader = {
  headers: z.object({ [CONSOLE_HEADER]: z.string().optional().openapi({ description: 'Required: 1 (a cross-site form cannot send it)' }) }),
};

/** Served over https, or published at an https URL (a proxy terminating TLS): the cookie is Secure. */
const isSecure = (c: Context, d: ApiDeps) => new URL(c.req.url).protocol === 'https:' || d.publicUrl?.startsWith('https:') === true;

function requireConsoleHeader(c: Context): void {
  if (c.req.header(CONSOLE_HEADER) !== '1') throw new DomainError('Forbidden', `the console's session routes need the header ${CONSOLE_HEADER}: 1`);
}

export function sessionRoutes(app: App, d: ApiDeps) {
  app.openapi(
    createRoute({
      method: 'post',
      path: SESSION_PATH,
      tags,
      summary: 'Sign in: trade an API key for an HttpOnly, SameSite=Strict session cookie (loupe_session); needs x-loupe-console: 1',
      security: [],
      request: {
        ...consoleHeader,
        body: { required: true, content: { 'application/json': { schema: z.object({ ApiKey: z.string().min(1).max(512) }).openapi('CreateSessionRequest') } } },
      },
      responses: { 200: jsonContent(SessionDto, 'Signed in; the Set-Cookie header holds the session'), ...errorResponses },
    }),
    async (c) => {
      requireConsoleHeader(c);
      const key = c.req.valid('json').ApiKey;
      // Never echoed, never logged: a wrong key is only "not valid".
      if (!constantTimeIncludes(d.apiKeys, key)) throw new DomainError('Unauthorized', 'the API key is not valid');
      const s = d.sessions.issue(key);
      const principal = d.sessions.open(s.value);
      if (!principal.ok) throw new Error('a session just issued does not open');
      c.header('Set-Cookie', sessionCookie(s.value, Math.max(0, Math.round((s.expires.getTime() - Date.now()) / 1000)), isSecure(c, d)));
      c.header('Cache-Control', 'no-store');
      return c.json({ Principal: principal.principal, ExpireTime: s.expires.toISOString(), RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: SESSION_PATH,
      tags,
      summary: 'Who this request is made as: the session cookie\'s principal (401 when signed out or expired), or the key\'s',
      responses: { 200: jsonContent(SessionDto, 'Signed in'), ...errorResponses },
    }),
    async (c) => {
      const expires = c.get('sessionExpires');
      c.header('Cache-Control', 'no-store');
      return c.json({ Principal: c.get('principal') ?? '', ...(expires ? { ExpireTime: expires.toISOString() } : {}), RequestId: c.get('requestId') }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: SESSION_PATH,
      tags,
      summary: 'Sign out: clears the session cookie in this browser (signed in or not); needs x-loupe-console: 1',
      security: [],
      request: consoleHeader,
      responses: { 200: jsonContent(z.object(RequestIdField), 'Signed out'), ...errorResponses },
    }),
    async (c) => {
      requireConsoleHeader(c);
      c.header('Set-Cookie', sessionCookie('', 0, isSecure(c, d)));
      c.header('Cache-Control', 'no-store');
      return c.json({ RequestId: c.get('requestId') }, 200);
    },
  );
}
