// Id generation. Entity ids are random; file meta ids are a stable hash so re-runs upsert.
import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** A random id like `d-3k9x0q7m2p5r8t1v`: prefix, dash, 16 base36 characters (~82 bits). */
export function newId(prefix: string): string {
  const bytes = randomBytes(16);
  let s = '';
  for (const b of bytes) s += ALPHABET[b % 36];
  return `${prefix}-${s}`;
}

/** DatasetFileMetaId: stable for (dataset, version, uri). 32 hex chars of sha256. */
export function fileMetaId(datasetId: string, versionName: string, uri: string): string {
  return createHash('sha256').update(datasetId).update('\0').update(versionName).update('\0').update(uri).digest('hex').slice(0, 32);
}
