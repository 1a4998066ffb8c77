// One file of an exported or logical dataset, as training code consumes it: its facts and `read()`.
// A `file://` file on this machine is read from disk; anything else is downloaded through the API.
import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { localFileEtag } from '../domain/local-etag.js';
import type { FileMeta, Tags } from './types.js';

export interface DatasetItem {
  uri: string;
  datasetFileMetaId: string;
  /** The dataset the file belongs to (a logical version's references point into it). */
  sourceDatasetId?: string;
  fileName: string;
  /** Tags.all = ai ∪ user − user-delete-ai-tags */
  tags: string[];
  tagsDetail: Tags;
  metaAttributes: FileMeta['MetaAttributes'];
  /** FileFingerPrint: the store's ETag when the file was indexed. */
  fingerprint: string;
  dataSize?: number;
  /** Similarity to the export's query, when the export was a vector search. */
  score?: number;
  read(): Promise<Buffer>;
}

/** What `read()` falls back to when the file is not on this disk (a LoupeClient). */
export interface FileDownloader {
  downloadDatasetFileMeta(datasetId: string, datasetFileMetaId: string): Promise<Buffer>;
}

export interface ReadOptions {
  /** Downloads files that are not local; without it such a `read()` fails. */
  client?: FileDownloader;
  /**
   * Check that the bytes are the ones that were indexed: a local file's fingerprint (size and
   * modification time, as the local folder store makes it) must match; a download's size must.
   */
  verify?: boolean;
}

export class FingerprintMismatchError extends Error {
  override readonly name = 'FingerprintMismatchError';
  constructor(
    readonly uri: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${uri}: the file changed since it was indexed (fingerprint ${actual}, expected ${expected})`);
  }
}

export type ItemFields = Omit<DatasetItem, 'read'>;

export function datasetItem(fields: ItemFields, options: ReadOptions = {}): DatasetItem {
  return { ...fields, read: () => readItem(fields, options) };
}

async function readItem(f: ItemFields, o: ReadOptions): Promise<Buffer> {
  if (f.uri.startsWith('file:')) {
    const file = fileURLToPath(f.uri);
    const st = await stat(file, { bigint: true }).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return undefined;
      throw e;
    });
    if (st?.isFile()) {
      if (o.verify && localFileEtag(st) !== f.fingerprint) throw new FingerprintMismatchError(f.uri, f.fingerprint, localFileEtag(st));
      const data = await readFile(file);
      if (o.verify && BigInt(data.length) !== st.size) throw new FingerprintMismatchError(f.uri, f.fingerprint, `${data.length} bytes read`);
      return data;
    }
  }
  if (o.client && f.sourceDatasetId) {
    const data = await o.client.downloadDatasetFileMeta(f.sourceDatasetId, f.datasetFileMetaId);
    if (o.verify && f.dataSize !== undefined && data.length !== f.dataSize) {
      throw new FingerprintMismatchError(f.uri, `${f.dataSize} bytes`, `${data.length} bytes downloaded`);
    }
    return data;
  }
  throw new Error(
    f.uri.startsWith('file:')
      ? `${f.uri}: no such file on this machine, and no client to download it through the API`
      : `${f.uri}: not a local file; pass a client to download it through the API`,
  );
}
