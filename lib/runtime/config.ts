// Configuration: every LOUPE_* variable, one zod schema. A bad value stops start-up naming the variable.
import os, { availableParallelism } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { FileRootsError, fileRootsOf, type HostFacts } from '../adapters/objectstore/file-confinement.js';
import { CronError, parseCron } from './cron.js';

const int = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);

export const ConfigSchema = z.object({
  LOUPE_HOST: z.string().min(1).default('127.0.0.1'),
  /**
   * The URL clients reach Loupe at (e.g. `https://loupe.example.com`, or with a path behind a proxy that
   * strips it): the base of the absolute ThumbnailUrl and DownloadUrl. Unset: each request's own scheme
   * and Host.
   */
  LOUPE_PUBLIC_URL: z
    .string()
    .url()
    .refine((v) => {
      const u = new URL(v);
      return (u.protocol === 'http:' || u.protocol === 'https:') && !u.search && !u.hash && !u.username && !u.password;
    }, 'an http(s) URL without query, fragment or credentials, e.g. https://loupe.example.com')
    .optional(),
  /** 0 picks a free port (tests). */
  LOUPE_PORT: int(8787, 0, 65535),
  LOUPE_DATA_DIR: z.string().min(1).default('./.loupe'),
  /** Comma-separated API keys. Unset in local mode: a key is created in the data dir and printed. */
  LOUPE_API_KEYS: z.string().optional(),
  /**
   * AccessKey pairs `id:secret,id:secret` that PAI's SDKs sign requests with (ACS3-HMAC-SHA256,
   * lib/http/acs3-signature.ts). Unset: signed requests are refused; API keys still work.
   */
  LOUPE_ACCESS_KEYS: z
    .string()
    .regex(/^\s*[^:,\s]+:[^,\s]+\s*(,\s*[^:,\s]+:[^,\s]+\s*)*$/, 'comma-separated id:secret pairs')
    .optional(),
  /** 32-byte key (base64 or hex) sealing connection secrets (AES-256-GCM). Unset in local mode: a key file in the data dir. */
  LOUPE_SECRET_KEY: z
    .string()
    .refine((v) => /^[0-9a-fA-F]{64}$/.test(v) || Buffer.from(v, 'base64').length === 32, '32 bytes, as 64 hex digits or base64')
    .optional(),
  /** Concurrent invocations per consumer function in the local runtime. */
  LOUPE_WORKER_CONCURRENCY: int(2, 1, 64),
  /** Worker threads for the prober (each like one more FC instance); 0 runs it on the main thread. Default: CPUs − 1, at least 1. */
  LOUPE_WORKER_THREADS: int(Math.max(1, availableParallelism() - 1), 0, 64),
  /**
   * The folders (`:`-separated) whose files Loupe may read and write (datasets, query images, labels,
   * exports). Unset: the directory Loupe starts in and the user's home (see `defaultFileRoots`). Inside
   * any root, the data directory, system folders and hidden entries are still never served. `none`:
   * no local file at all (`file://` URIs are refused) — on FC the start directory is the function's
   * code, which is no place for datasets (s.yaml sets it).
   */
  LOUPE_FILE_ROOTS: z.string().optional(),
  LOUPE_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  LOUPE_QUEUE_PREFIX: z.string().regex(/^[a-z0-9-]*$/, 'lower-case letters, digits and dashes').default('loupe-'),
  /** A message received this many times without being deleted goes to the dead-letter queue. */
  LOUPE_QUEUE_MAX_RECEIVES: int(5, 1, 100),
  LOUPE_QUEUE_VISIBILITY_SECONDS: int(120, 5, 43200),
  /** Decode limits (verify=decode, thumbnails): pixels, input bytes, milliseconds. */
  LOUPE_MAX_PIXELS: int(268_402_689, 1, 2 ** 40),
  LOUPE_MAX_DECODE_BYTES: int(512 * 1024 * 1024, 1, 2 ** 40),
  LOUPE_DECODE_TIMEOUT_MS: int(30_000, 100, 3_600_000),
  /**
   * Which hosts a model connection's URL may reach: `any`, or `public` (refuses loopback, private,
   * link-local, CGNAT and cloud-metadata addresses, checked on every resolved address at call time).
   * Unset: `public` unless LOUPE_HOST is a loopback address (a laptop with a local vLLM/Ollama).
   */
  LOUPE_MODEL_URL_POLICY: z.enum(['any', 'public']).optional(),
  /** Time limit of one call to a model service. */
  LOUPE_MODEL_TIMEOUT_MS: int(60_000, 100, 600_000),
  /**
   * A request body larger than this is a 413 before it is read (JSON requests are small; an unbounded
   * body would be buffered whole). An uploaded query image (search POST) gets room for its image on top.
   */
  LOUPE_MAX_BODY_BYTES: int(4 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
  /** How long a console sign-in lasts (the session cookie; revoking its API key ends it sooner). */
  LOUPE_SESSION_HOURS: z.coerce.number().min(0.01).max(24 * 30).default(12),
  /** Batches of tagging or embedding handled at once (each bounded again by its job's concurrency). */
  LOUPE_MODEL_WORKERS: int(8, 1, 256),
  /** A concurrency lease lasts this long, renewed while its model call runs; a crashed holder's slot frees itself after it. */
  LOUPE_LEASE_SECONDS: int(10, 1, 3600),
  /** Retries of a model call after a transient error (429, 5xx, timeout), with exponential backoff. */
  LOUPE_MODEL_RETRIES: int(5, 0, 20),
  LOUPE_MODEL_RETRY_BASE_MS: int(500, 0, 60_000),
  /** A fan-out run lists for at most this long, then continues in a new message (FC timeouts). */
  LOUPE_FANOUT_BUDGET_MS: int(60_000, 100, 3_600_000),
  /**
   * Local runtime: when the reindex trigger runs, as a 5-field cron expression (UTC, or a
   * `CRON_TZ=Area/City ` prefix), e.g. `0 3 * * *`. Unset: no local schedule. (In FC: the timer trigger in s.yaml.)
   */
  LOUPE_REINDEX_SCHEDULE: z
    .string()
    .superRefine((v, ctx) => {
      try {
        parseCron(v);
      } catch (e) {
        if (!(e instanceof CronError)) throw e;
        ctx.addIssue({ code: 'custom', message: e.message });
      }
    })
    .optional(),
});
export type Config = z.infer<typeof ConfigSchema> & {
  dataDir: string;
  /** Absolute folders local files may be read from and written to: LOUPE_FILE_ROOTS, or the defaults. */
  fileRoots: string[];
  /** False when LOUPE_FILE_ROOTS is `none`: local files are turned off (fileRoots is empty). */
  localFiles: boolean;
};

/** The LOUPE_FILE_ROOTS value that turns local files off (a folder named so is `./none`). */
export const NO_FILE_ROOTS = 'none';

export class ConfigError extends Error {}

/** Never echoed in errors or logs. */
const SECRET_VARIABLES = new Set(['LOUPE_API_KEYS', 'LOUPE_ACCESS_KEYS', 'LOUPE_SECRET_KEY']);

const thisHost = (): HostFacts => ({ cwd: process.cwd(), home: os.homedir(), uid: process.getuid?.() });

/** `host`: where Loupe runs (start directory, home, user id), which the default file roots come from. */
export function loadConfig(env: Record<string, string | undefined> = process.env, host: HostFacts = thisHost()): Config {
  const relevant = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('LOUPE_') && v !== ''));
  const r = ConfigSchema.safeParse(relevant);
  if (!r.success) {
    const lines = r.error.issues.map((i) => {
      const name = String(i.path[0]);
      const shown = SECRET_VARIABLES.has(name) ? '(value hidden)' : `(got '${String(relevant[name])}')`;
      return `${i.path.join('.')}: ${i.message} ${shown}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const dataDir = path.resolve(host.cwd, r.data.LOUPE_DATA_DIR);
  const localFiles = r.data.LOUPE_FILE_ROOTS?.trim() !== NO_FILE_ROOTS;
  let fileRoots: string[] = [];
  try {
    if (localFiles) fileRoots = fileRootsOf(r.data.LOUPE_FILE_ROOTS, { ...host, dataDir });
  } catch (e) {
    if (!(e instanceof FileRootsError)) throw e;
    throw new ConfigError(`invalid configuration:\n  LOUPE_FILE_ROOTS: ${e.message} (got '${r.data.LOUPE_FILE_ROOTS}')`);
  }
  return { ...r.data, dataDir, fileRoots, localFiles };
}
