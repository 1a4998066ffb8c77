// `loupe seal`: seals a secret with this server's key (LOUPE_SECRET_KEY, or the key file in the data
// dir), as connection secrets are sealed at rest, so LOUPE_ACCESS_KEYS can name an AccessKey secret
// without holding it in clear: `LOUPE_ACCESS_KEYS=<id>:sealed:v1.…`. The secret is read from standard
// input, never from the command line (where `ps` and shell history would keep it).
import { AesGcmSecretBox } from '../lib/adapters/secrets/aes-gcm-secret-box.js';
import { SEALED_PREFIX } from '../lib/http/acs3-signature.js';
import { loadConfig } from '../lib/runtime/config.js';
import { parseCommand, printHelp, UsageError, type CliIo } from './context.js';

export const SEAL_HELP = `Usage: printf %s "$SECRET" | loupe seal [--data-dir <dir>]

Seals a secret read from standard input with this server's key (LOUPE_SECRET_KEY, or <data dir>/secret.key,
made on first use) and prints sealed:v1.…, which LOUPE_ACCESS_KEYS takes in place of the secret:
  LOUPE_ACCESS_KEYS=LTAI…:sealed:v1.…
The server opens it with the same key; a server with another key refuses to start. One trailing newline
of the input is dropped.
`;

export async function sealCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand('seal', argv, { 'data-dir': { type: 'string' } });
  if (values.help) return printHelp(io, SEAL_HELP);
  if (positionals.length) throw new UsageError('the secret is read from standard input, not from the command line', 'seal');
  if (!io.stdin) throw new UsageError('no standard input to read the secret from', 'seal');
  let input = '';
  for await (const chunk of io.stdin) input += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
  const secret = input.replace(/\r?\n$/, '');
  if (!secret) throw new UsageError('standard input is empty: pipe the secret in', 'seal');
  if (/[,\s]/.test(secret)) throw new UsageError('an AccessKey secret holds no comma or white space', 'seal');
  const env = { ...io.env, ...(values['data-dir'] !== undefined ? { LOUPE_DATA_DIR: values['data-dir'] as string } : {}) };
  const config = loadConfig(env);
  io.stdout.write(`${SEALED_PREFIX}${AesGcmSecretBox.fromConfig(config.LOUPE_SECRET_KEY, config.dataDir).seal(secret)}\n`);
  return 0;
}
