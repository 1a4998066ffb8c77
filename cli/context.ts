// What every command gets: its streams, environment and clock (so tests can run commands in-process),
// argument parsing with usage errors, and a LoupeClient for --url/--key (or LOUPE_URL/LOUPE_API_KEY,
// or locally the key file the server created).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { LoupeClient, type LoupeClientOptions } from '../lib/sdk/index.js';
import { apiKeyFileOf } from '../lib/runtime/api-keys.js';
import { ConfigSchema } from '../lib/runtime/config.js';

export interface CliIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  env: Record<string, string | undefined>;
  cwd: string;
  now: () => number;
  /** Whether stderr (where progress goes) is a terminal. */
  isTTY: boolean;
  /** The transport of the client; tests pass an in-process app's. */
  fetch?: LoupeClientOptions['fetch'];
  /** Standard input (`loupe seal` reads the secret from it, never from the command line). */
  stdin?: AsyncIterable<string | Buffer>;
}

export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    now: Date.now,
    isTTY: Boolean(process.stderr.isTTY),
    stdin: process.stdin,
  };
}

/** A mistake in the command line: exit code 2, the message and a pointer to --help. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

export const GLOBAL_OPTIONS = {
  url: { type: 'string' },
  key: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

export const GLOBAL_HELP = `Global options:
  --url <url>   the Loupe server (env LOUPE_URL; default http://127.0.0.1:8787)
  --key <key>   the API key (env LOUPE_API_KEY; locally the key file <LOUPE_DATA_DIR or ./.loupe>/api-key)
  -h, --help    this help`;

/** node:util parseArgs with the global options added; its errors become usage errors. */
export function parseCommand<O extends Options>(command: string, argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options: { ...GLOBAL_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message.replace(/\. To specify a positional argument.*$/s, '') : String(e), command);
  }
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** --url, LOUPE_URL, or the local server's address from LOUPE_HOST/LOUPE_PORT (default 127.0.0.1:8787). */
export function resolveUrl(flag: string | undefined, env: CliIo['env']): string {
  if (flag) return flag;
  if (env.LOUPE_URL) return env.LOUPE_URL;
  const host = !env.LOUPE_HOST || env.LOUPE_HOST === '0.0.0.0' || env.LOUPE_HOST === '::' ? '127.0.0.1' : env.LOUPE_HOST;
  return `http://${host.includes(':') ? `[${host}]` : host}:${env.LOUPE_PORT || '8787'}`;
}

/** --key, LOUPE_API_KEY, the server's LOUPE_API_KEYS, or (for a local server) the key file it created. */
export function resolveKey(flag: string | undefined, url: string, io: Pick<CliIo, 'env' | 'cwd'>): string {
  const key = flag || io.env.LOUPE_API_KEY || io.env.LOUPE_API_KEYS?.split(',')[0]?.trim();
  if (key) return key;
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    throw new UsageError(`--url: not a URL: ${url}`);
  }
  const dataDir = path.resolve(io.cwd, io.env.LOUPE_DATA_DIR || ConfigSchema.shape.LOUPE_DATA_DIR.parse(undefined));
  const file = apiKeyFileOf(dataDir);
  if (LOOPBACK.has(host)) {
    try {
      const k = readFileSync(file, 'utf8').trim();
      if (k) return k;
    } catch {
      // fall through to the message
    }
  }
  throw new UsageError(
    LOOPBACK.has(host)
      ? `no API key: pass --key, set LOUPE_API_KEY, or start the server here (loupe serve) so that ${file} exists`
      : 'no API key: pass --key or set LOUPE_API_KEY',
  );
}

export function clientOf(values: { url?: string; key?: string }, io: CliIo): LoupeClient {
  const url = resolveUrl(values.url, io.env);
  return new LoupeClient({ url, apiKey: resolveKey(values.key, url, io), ...(io.fetch ? { fetch: io.fetch } : {}) });
}

/** A command group (`datasets`, `jobs`): runs the named subcommand, or prints the group's help. */
export function runSubcommand(
  group: string,
  argv: string[],
  io: CliIo,
  subcommands: Record<string, (argv: string[], io: CliIo) => Promise<number>>,
  help: string,
): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '-h' || sub === '--help' || sub === 'help') return Promise.resolve(printHelp(io, help));
  const run = Object.hasOwn(subcommands, sub) ? subcommands[sub] : undefined;
  if (!run) throw new UsageError(`unknown command '${group} ${sub}'`, group);
  return run(rest, io);
}

/** The n-th positional, or a usage error naming it. */
export function positional(positionals: string[], n: number, name: string, command: string): string {
  const v = positionals[n];
  if (!v) throw new UsageError(`missing <${name}>`, command);
  return v;
}

export function noMorePositionals(positionals: string[], expected: number, command: string): void {
  if (positionals.length > expected) throw new UsageError(`unexpected argument '${positionals[expected]}'`, command);
}

/** A positive integer flag. */
export function intFlag(value: string | undefined, flag: string, command: string, min = 1): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${flag}: expected an integer ≥ ${min}, got '${value}'`, command);
  return n;
}

export function numberFlag(value: string | undefined, flag: string, command: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${flag}: expected a number, got '${value}'`, command);
  return n;
}

export function choiceFlag<T extends string>(value: string | undefined, flag: string, choices: readonly T[], command: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value)) throw new UsageError(`--${flag}: one of ${choices.join(', ')}; got '${value}'`, command);
  return value as T;
}

/** Repeated and/or comma-separated values → one list. */
export function listFlag(values: string[] | undefined): string[] | undefined {
  const out = (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  return out.length ? out : undefined;
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/** A URI as given, or a local path as a file:// URI (absolute; a folder ends with '/'). */
export function uriOf(value: string, cwd: string, folder: boolean): string {
  if (SCHEME.test(value)) return folder && !value.endsWith('/') ? value + '/' : value;
  const href = pathToFileURL(path.resolve(cwd, value)).href;
  return folder && !href.endsWith('/') ? href + '/' : href;
}

export const isUri = (value: string) => SCHEME.test(value);

export function printHelp(io: CliIo, text: string): 0 {
  io.stdout.write(text);
  return 0;
}

export const writeJson = (io: CliIo, value: unknown) => io.stdout.write(JSON.stringify(value, null, 2) + '\n');
