// FC entry (HTTP trigger): the REST API and the web console (dist/api/web, written by `npm run build`). Locally the same app is served by cli/serve.ts (`loupe serve`, `npm start`).
import middy from '@middy/core';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AesGcmSecretBox } from '../../lib/adapters/secrets/aes-gcm-secret-box.js';
import { acs3Verifier, parseAccessKeys } from '../../lib/http/acs3-signature.js';
import { hmacUrlSigner } from '../../lib/http/auth.js';
import { loadConsole, type ConsoleAssets } from '../../lib/http/console-assets.js';
import { hmacPageTokens } from '../../lib/http/page-tokens.js';
import { hmacSessions } from '../../lib/http/sessions.js';
import { createApiApp } from '../../lib/http/app.js';
import { resolveApiKeys } from '../../lib/runtime/api-keys.js';
import type { Container } from '../../lib/runtime/container.js';
import { defaultContainer } from '../../lib/runtime/default-container.js';
import { fcJsonEvent, httpEventToRequest, responseToHttpResult, type FcContext, type FcHttpEvent } from '../../lib/runtime/fc.js';

/**
 * The API app over a container, with the given API keys (the first also signs file URLs, page tokens
 * and console sessions), serving `console` at `/` when given.
 */
export function createApi(c: Container, apiKeys: string[], opts: { console?: ConsoleAssets } = {}) {
  if (!apiKeys.length) throw new Error('at least one API key is required');
  return createApiApp({
    datasets: c.services.datasets,
    fileMetas: c.services.fileMetas,
    jobs: c.services.jobs,
    jobConfigs: c.services.jobConfigs,
    connections: c.services.connections,
    tagDefinitions: c.services.tagDefinitions,
    indexConfigs: c.services.indexConfigs,
    reindex: c.services.reindex,
    coverage: c.services.coverage,
    search: c.services.search,
    selection: c.services.selection,
    evaluation: c.services.evaluation,
    apiKeys,
    // Secrets written sealed open with the key that seals connection secrets.
    acs3: acs3Verifier(parseAccessKeys(c.config.LOUPE_ACCESS_KEYS, (sealed) => AesGcmSecretBox.fromConfig(c.config.LOUPE_SECRET_KEY, c.config.dataDir).open(sealed))),
    signer: hmacUrlSigner(apiKeys[0]!),
    publicUrl: c.config.LOUPE_PUBLIC_URL,
    pageTokens: hmacPageTokens(apiKeys[0]!),
    sessions: hmacSessions(apiKeys[0]!, apiKeys, { hours: c.config.LOUPE_SESSION_HOURS }),
    maxBodyBytes: c.config.LOUPE_MAX_BODY_BYTES,
    log: c.log,
    console: opts.console,
  });
}

/** The console `npm run build` put beside this bundle (dist/api/web); none when running from source. */
async function bundledConsole(): Promise<ConsoleAssets | undefined> {
  const dir = fileURLToPath(new URL('./web', import.meta.url));
  return existsSync(`${dir}/index.html`) ? loadConsole(dir) : undefined;
}

export function createApiHandler(container: () => Container) {
  let app: ReturnType<typeof createApi> | undefined;
  let webConsole: Promise<ConsoleAssets | undefined> | undefined;
  return middy(async (event: unknown, _context: FcContext) => {
    const c = container();
    webConsole ??= bundledConsole();
    app ??= createApi(c, resolveApiKeys(c.config.LOUPE_API_KEYS, c.config.dataDir).keys, { console: await webConsole });
    const res = await app.fetch(httpEventToRequest(event as FcHttpEvent));
    return responseToHttpResult(res);
  }).use(fcJsonEvent());
}

export const handler = createApiHandler(defaultContainer);
