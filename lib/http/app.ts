// The API app: request ids, auth, routes, errors, and /openapi.json generated from the route schemas.
import { OpenAPIHono } from '@hono/zod-openapi';
import { createHash, randomUUID } from 'node:crypto';
import { MAX_SELECTION_IDS } from '../domain/selection.js';
import { MAX_QUERY_IMAGE_BYTES } from '../services/search.js';
import { acs3Verifier, isAcs3Signed } from './acs3-signature.js';
import { apiKeyPrincipal, constantTimeIncludes, presentedApiKey } from './auth.js';
import { bodyLimit } from './body-limit.js';
import { CONSOLE_HEADER, SESSION_COOKIE, cookieValue } from './sessions.js';
import { consoleRoutes } from './console-routes.js';
import type { ApiDeps, AppEnv } from './env.js';
import { errorBody, handleError, unauthorizedBody, validationMessage } from './errors.js';
import { connectionRoutes } from './routes/connections.js';
import { datasetRoutes } from './routes/datasets.js';
import { evaluationRoutes } from './routes/evaluations.js';
import { fileMetaRoutes } from './routes/file-metas.js';
import { fileMetaWriteRoutes } from './routes/file-meta-writes.js';
import { indexingRoutes } from './routes/indexing.js';
import { jobRoutes } from './routes/jobs.js';
import { jobConfigRoutes } from './routes/job-configs.js';
import { reindexRoutes } from './routes/reindex.js';
import { selectionRoutes } from './routes/selection.js';
import { SESSION_PATH, sessionRoutes } from './routes/session.js';
import { tagDefinitionRoutes } from './routes/tag-definitions.js';
import { promptRoutes } from './routes/prompts.js';

/** Routes reachable with a signed URL instead of a bearer key (what listings hand out). */
const SIGNED_ROUTE = /^\/api\/v1\/datasets\/[^/]+\/datasetfilemetas\/[^/]+\/(thumbnail|download)$/;
/** The route whose body may carry an uploaded query image (base64, QueryImageData). */
const UPLOAD_ROUTE = /^\/api\/v1\/datasets\/[^/]+\/datasetfilemetas\/action\/search$/;
/**
 * An upload's room on top of LOUPE_MAX_BODY_BYTES: the largest query image the search accepts, in
 * base64. Derived rather than configured: a smaller value would break that promise, a larger one
 * would only buffer bytes the schema then refuses.
 */
const UPLOAD_ROOM = Math.ceil(MAX_QUERY_IMAGE_BYTES / 3) * 4;
/** The routes whose body is a console selection (Included and Excluded of up to 100,000 ids each). */
const SELECTION_ROUTE = /^\/api\/v1\/datasets\/[^/]+\/datasetfilemetas\/action\/(resolveselection|updatetags)$/;
/** A selection's room on top of LOUPE_MAX_BODY_BYTES: both id lists full of file-meta ids ("…32 hex…",). */
const SELECTION_ROOM = 2 * MAX_SELECTION_IDS * 40;
/**
 * The sign-in and sign-out bodies are read before any credential is checked: room for {"ApiKey": …}
 * (512 characters, each escaped as \uXXXX at worst) and no more, so a stranger cannot make the server
 * buffer LOUPE_MAX_BODY_BYTES.
 */
const SESSION_BODY_BYTES = 8 * 1024;

export function createApiApp(deps: ApiDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const { field, message } = validationMessage(result.error.issues);
        return errorBody(c, 'Invalid', message, field);
      }
    },
  });

  app.use('*', async (c, next) => {
    const given = c.req.header('x-request-id');
    c.set('requestId', given && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID());
    await next();
    c.header('x-request-id', c.get('requestId'));
  });

  // The console (no credential: the page holds no data) and the headers every response carries.
  consoleRoutes(app, deps.console);

  app.get('/healthz', (c) => c.json({ Status: 'ok', RequestId: c.get('requestId') }));

  const acs3 = deps.acs3 ?? acs3Verifier(new Map());
  app.use('*', async (c, next) => {
    const authorization = c.req.header('authorization');
    if (isAcs3Signed(authorization)) {
      const url = c.req.url;
      const pathStart = url.indexOf('/', url.indexOf('//') + 2);
      const q = url.indexOf('?', pathStart);
      const check = acs3.verify({
        method: c.req.method,
        rawPath: q < 0 ? url.slice(pathStart) : url.slice(pathStart, q),
        rawQuery: q < 0 ? '' : url.slice(q + 1),
        headers: c.req.raw.headers,
      });
      if (!check.ok) return unauthorizedBody(c, check.code, check.message, check.code === 'ServiceUnavailable' ? 503 : 401);
      c.set('signedPayloadSha256', check.payloadSha256);
      c.set('principal', check.accessKeyId);
      return next();
    }
    const key = presentedApiKey((name) => c.req.header(name));
    if (key && constantTimeIncludes(deps.apiKeys, key)) {
      c.set('principal', apiKeyPrincipal(key));
      return next();
    }
    // Signing in and out take no credential (the sign-in route checks the key it is given).
    if (!key && c.req.path === SESSION_PATH && (c.req.method === 'POST' || c.req.method === 'DELETE')) return next();
    const cookie = key ? undefined : cookieValue(c.req.header('cookie'), SESSION_COOKIE);
    const session = cookie ? deps.sessions.open(cookie) : undefined;
    if (session?.ok) {
      // A browser sends the cookie with whatever a page makes it send; a change must also carry a header
      // that only our own script sets (a cross-site form cannot, and SameSite=Strict is one more wall).
      const reads = c.req.method === 'GET' || c.req.method === 'HEAD';
      if (!reads && c.req.header(CONSOLE_HEADER) !== '1') {
        return errorBody(c, 'Forbidden', `a request authenticated by the session cookie that changes something must carry the header ${CONSOLE_HEADER}: 1`);
      }
      c.set('principal', session.principal);
      c.set('sessionExpires', session.expires);
      return next();
    }
    if (!key && c.req.method === 'GET' && SIGNED_ROUTE.test(c.req.path)) {
      const check = deps.signer.verify(new URL(c.req.url));
      if (check === 'valid') return next();
      if (check === 'expired') {
        return errorBody(c, 'Forbidden', 'the signed URL has expired: get the file meta again for a fresh ThumbnailUrl or DownloadUrl');
      }
    }
    return errorBody(
      c,
      'Unauthorized',
      key
        ? 'the API key is not valid'
        : session
          ? session.reason === 'expired'
            ? 'the console session has expired: sign in again'
            : 'the console session is no longer valid (its API key was revoked, or the server\'s keys changed): sign in again'
          : 'missing Authorization: Bearer <API key> (or x-acs-bearer-token, an ACS3-HMAC-SHA256 signature, a console session cookie, or an unexpired signed URL)',
    );
  });

  // After auth: a caller without a key gets its 401 without a byte of its body being read (the sign-in
  // and sign-out routes, which take no credential, read at most SESSION_BODY_BYTES).
  app.use(
    '*',
    bodyLimit(
      (c) =>
        c.req.path === SESSION_PATH
          ? Math.min(deps.maxBodyBytes, SESSION_BODY_BYTES)
          : deps.maxBodyBytes +
            (c.req.method !== 'POST' ? 0 : UPLOAD_ROUTE.test(c.req.path) ? UPLOAD_ROOM : SELECTION_ROUTE.test(c.req.path) ? SELECTION_ROOM : 0),
    ),
  );

  // A signature vouches for x-acs-content-sha256, not for the bytes: they must be the body received.
  app.use('*', async (c, next) => {
    const expected = c.get('signedPayloadSha256');
    if (expected === undefined) return next();
    const body = c.req.raw.body ? Buffer.from(await c.req.raw.clone().arrayBuffer()) : Buffer.alloc(0);
    if (createHash('sha256').update(body).digest('hex') !== expected) {
      return unauthorizedBody(c, 'SignatureDoesNotMatch', 'x-acs-content-sha256 is not the SHA-256 of the body received');
    }
    return next();
  });

  sessionRoutes(app, deps);
  datasetRoutes(app, deps);
  fileMetaRoutes(app, deps);
  fileMetaWriteRoutes(app, deps);
  selectionRoutes(app, deps);
  jobRoutes(app, deps);
  jobConfigRoutes(app, deps);
  connectionRoutes(app, deps);
  tagDefinitionRoutes(app, deps);
  promptRoutes(app, deps);
  indexingRoutes(app, deps);
  evaluationRoutes(app, deps);
  reindexRoutes(app, deps);

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Loupe API',
      version: '0.1.0',
      description: 'Multimodal dataset management; paths and PascalCase fields follow PAI AIWorkSpace (2021-02-04) datasets.',
    },
    // Any one of these: a Loupe API key as a bearer token (either header), a PAI SDK's signature, or the
    // console's session cookie.
    security: [{ bearer: [] }, { acsBearerToken: [] }, { acs3: [] }, { consoleSession: [] }],
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'A Loupe API key (LOUPE_API_KEYS)' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'acsBearerToken', {
    type: 'apiKey',
    in: 'header',
    name: 'x-acs-bearer-token',
    description: 'A Loupe API key, as PAI\'s SDKs send a bearer credential (with x-acs-signature-type: BEARERTOKEN)',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'acs3', {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description:
      'ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=…,Signature=… as PAI\'s SDKs sign with an AccessKey pair of LOUPE_ACCESS_KEYS; x-acs-date within 15 minutes, x-acs-signature-nonce never reused',
  });

  app.openAPIRegistry.registerComponent('securitySchemes', 'consoleSession', {
    type: 'apiKey',
    in: 'cookie',
    name: SESSION_COOKIE,
    description: `The web console's session (POST /api/v1/session); a request that changes something must also send ${CONSOLE_HEADER}: 1`,
  });

  app.notFound((c) => errorBody(c, 'NotFound', `no route ${c.req.method} ${c.req.path}`));
  app.onError((err, c) => handleError(err, c, deps.log));
  return app;
}
