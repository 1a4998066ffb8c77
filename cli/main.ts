// `loupe`: the command line over the API (bin/loupe.js runs it from the sources). Commands are
// functions of (argv, io) → exit code: 0 ok, 1 the API or the job failed, 2 a usage error.
import { LoupeApiError } from '../lib/sdk/index.js';
import { GLOBAL_HELP, GLOBAL_OPTIONS, parseCommand, printHelp, processIo, UsageError, type CliIo } from './context.js';
import { datasetsCommand } from './datasets.js';
import { evalCommand } from './eval.js';
import { exportCommand } from './export.js';
import { jobsCommand } from './jobs.js';
import { sealCommand } from './seal.js';
import { searchCommand } from './search.js';

export const MAIN_HELP = `Usage: loupe <command> [options]

Commands:
  serve                      run Loupe here: the API on 127.0.0.1:8787 and the workers (data in ./.loupe)
  datasets create|list       register a storage URI as a dataset; list datasets
  jobs start|list|follow|stop
                             FileMetaBuild, IntelligentTag, SemanticIndex and FileMetaExport jobs
  search <datasetId>         search a version by text, image, tags, metadata or the query language
  export <datasetId>         export a search's files (manifest, csv, gme) or make a logical version
  eval <datasetId>           evaluate the retrieval quality of indexes against labels
  seal                       seal a secret (stdin) for LOUPE_ACCESS_KEYS with this server's key

Run 'loupe <command> --help' for its options.

${GLOBAL_HELP}
`;

const SERVE_HELP = `Usage: loupe serve [--port <port>] [--host <host>] [--data-dir <dir>]

Runs Loupe on this machine: the API and the queue workers in one process, until Ctrl-C. Creates an
API key on first start (saved in <data dir>/api-key). Options override LOUPE_PORT, LOUPE_HOST and
LOUPE_DATA_DIR; every other LOUPE_* variable applies as usual (see README).
`;

async function serveCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand('serve', argv, { port: { type: 'string' }, host: { type: 'string' }, 'data-dir': { type: 'string' } });
  if (values.help) return printHelp(io, SERVE_HELP);
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`, 'serve');
  if (values.port !== undefined) process.env.LOUPE_PORT = values.port;
  if (values.host !== undefined) process.env.LOUPE_HOST = values.host;
  if (values['data-dir'] !== undefined) process.env.LOUPE_DATA_DIR = values['data-dir'];
  // Loaded only here: the other commands are thin API clients.
  const { serve } = await import('./serve.js');
  await serve();
  return 0;
}

const COMMANDS: Record<string, (argv: string[], io: CliIo) => Promise<number>> = {
  serve: serveCommand,
  datasets: datasetsCommand,
  jobs: jobsCommand,
  search: searchCommand,
  export: exportCommand,
  eval: evalCommand,
  seal: sealCommand,
};

const TAKES_VALUE = new Set(Object.entries(GLOBAL_OPTIONS).filter(([, o]) => o.type === 'string').map(([k]) => `--${k}`));

/** Global options may come before the command: `loupe --url … search …`. They are passed on to it. */
function splitCommand(argv: string[]): { name: string | undefined; rest: string[] } {
  const leading: string[] = [];
  let i = 0;
  while (i < argv.length && argv[i]!.startsWith('-')) {
    const a = argv[i]!;
    const n = TAKES_VALUE.has(a) ? 2 : 1;
    leading.push(...argv.slice(i, i + n));
    i += n;
  }
  return { name: argv[i], rest: [...argv.slice(i + 1), ...leading] };
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  try {
    const { name, rest } = splitCommand(argv);
    if (name === 'help' || (name === undefined && (rest.includes('-h') || rest.includes('--help')))) return printHelp(io, MAIN_HELP);
    if (name === undefined) {
      io.stderr.write(MAIN_HELP);
      return 2;
    }
    const command = COMMANDS[name];
    if (!command) throw new UsageError(`unknown command '${name}'`);
    return await command(rest, io);
  } catch (e) {
    return reportError(e, io);
  }
}

function reportError(e: unknown, io: CliIo): number {
  if (e instanceof UsageError) {
    io.stderr.write(`loupe: ${e.message}\n(see: loupe ${e.command ? `${e.command} ` : ''}--help)\n`);
    return 2;
  }
  if (e instanceof LoupeApiError) {
    const what = e.status ? `${e.code} (HTTP ${e.status})` : e.code;
    io.stderr.write(`loupe: ${what}: ${e.message}${e.requestId ? ` [RequestId ${e.requestId}]` : ''}\n`);
    return 1;
  }
  io.stderr.write(`loupe: ${e instanceof Error ? e.message : String(e)}\n`);
  return 1;
}

/** The process entry (bin/loupe.js). */
export async function runCli(argv = process.argv.slice(2)): Promise<void> {
  process.exitCode = await main(argv, processIo());
}
