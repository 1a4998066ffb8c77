// API keys: from LOUPE_API_KEYS, or in local mode a key created once in the data dir (mode 0600).
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makePrivateDir, PRIVATE_FILE_MODE } from '../adapters/private-files.js';

export interface ApiKeys {
  keys: string[];
  /** Set when the key was created now, in this file: the caller prints it once. */
  createdIn?: string;
  file?: string;
}

/** Where local mode keeps its generated key (the CLI reads it from there too). */
export const apiKeyFileOf = (dataDir: string) => path.join(dataDir, 'api-key');

export function resolveApiKeys(configured: string | undefined, dataDir: string): ApiKeys {
  if (configured) {
    const keys = configured.split(',').map((k) => k.trim()).filter(Boolean);
    if (keys.length) return { keys };
  }
  const file = apiKeyFileOf(dataDir);
  if (existsSync(file)) return { keys: [readFileSync(file, 'utf8').trim()], file };
  makePrivateDir(dataDir);
  const key = `lk_${randomBytes(24).toString('base64url')}`;
  writeFileSync(file, key + '\n', { mode: PRIVATE_FILE_MODE, flag: 'wx' });
  return { keys: [key], createdIn: file, file };
}
