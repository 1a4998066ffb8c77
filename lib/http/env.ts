// The Hono environment of the API app and what routes are given.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Logger } from '../ports/logger.js';
import type { ConnectionService } from '../services/connections.js';
import type { CoverageService } from '../services/coverage.js';
import type { DatasetService } from '../services/datasets.js';
import type { EvaluationService } from '../services/evaluation.js';
import type { IndexConfigService } from '../services/index-configs.js';
import type { FileMetaService } from '../services/file-metas.js';
import type { JobService } from '../services/jobs.js';
import type { JobConfigService } from '../services/job-configs.js';
import type { ReindexService } from '../services/reindex.js';
import type { SearchService } from '../services/search.js';
import type { SelectionService } from '../services/selection.js';
import type { TagDefinitionService } from '../services/tag-definitions.js';
import type { Acs3Verifier } from './acs3-signature.js';
import type { ConsoleAssets } from './console-assets.js';
import type { UrlSigner } from './auth.js';
import type { PageTokens } from './page-tokens.js';
import type { Sessions } from './sessions.js';

export type AppEnv = {
  Variables: {
    requestId: string;
    /** Set for an ACS3-signed request: the hex SHA-256 its signature vouches for, checked against the body read. */
    signedPayloadSha256?: string;
    /**
     * Who made the request (set by the auth middleware): the AccessKey ID of an ACS3-signed request, or
     * `apikey-<12 hex>` for an API key (auth.ts apiKeyPrincipal); unset for a signed file URL. Stored
     * as the creator of what the request makes (a connection's Creator, a dataset's OwnerId).
     */
    principal?: string;
    /** Set when the request was authenticated by the console's session cookie: when that session ends. */
    sessionExpires?: Date;
  };
};
export type App = OpenAPIHono<AppEnv>;

export interface ApiDeps {
  datasets: DatasetService;
  fileMetas: FileMetaService;
  jobs: JobService;
  jobConfigs: JobConfigService;
  connections: ConnectionService;
  tagDefinitions: TagDefinitionService;
  indexConfigs: IndexConfigService;
  reindex: ReindexService;
  coverage: CoverageService;
  search: SearchService;
  selection: SelectionService;
  evaluation: EvaluationService;
  apiKeys: string[];
  /** Checks ACS3-HMAC-SHA256 signatures against LOUPE_ACCESS_KEYS; absent: no AccessKey is configured. */
  acs3?: Acs3Verifier;
  signer: UrlSigner;
  /** LOUPE_PUBLIC_URL: the base of the absolute ThumbnailUrl/DownloadUrl; absent: the request's own scheme and Host. */
  publicUrl?: string;
  /** The console's session cookies (sessions.ts), for the keys of `apiKeys`. */
  sessions: Sessions;
  /** Binds every NextToken handed out to its query (page-tokens.ts). */
  pageTokens: PageTokens;
  /** Request bodies above this are a 413 (an image upload gets room for its image on top: body-limit.ts). */
  maxBodyBytes: number;
  log: Logger;
  /** The web console served at `/`; absent: `/` says it is not built (the API works the same). */
  console?: ConsoleAssets;
}
