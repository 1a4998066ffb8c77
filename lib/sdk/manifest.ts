// loadManifest: streams an export's manifest.jsonl (a path, a file:// URI or an http(s) URL) line by
// line, as dataset items; the file is never loaded whole.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { fileURLToPath } from 'node:url';
import { datasetItem, type DatasetItem, type ReadOptions } from './dataset-item.js';
import type { ManifestLine } from './types.js';

export const MANIFEST_FILE = 'manifest.jsonl';

export interface LoadManifestOptions extends ReadOptions {
  /** For http(s) sources. */
  fetch?: typeof fetch;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** A folder (path or URI ending with `/`, or an existing directory) means its manifest.jsonl. */
export async function* loadManifest(source: string, options: LoadManifestOptions = {}): AsyncGenerator<DatasetItem, void, undefined> {
  const { input, name } = await openManifest(source, options);
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
      if (!line.trim()) continue;
      yield datasetItem(itemOf(parseLine(line, `${name}:${n}`)), options);
    }
  } finally {
    lines.close();
    input.destroy();
  }
}

async function openManifest(source: string, o: LoadManifestOptions): Promise<{ input: Readable; name: string }> {
  if (/^https?:\/\//i.test(source)) {
    const url = source.endsWith('/') ? source + MANIFEST_FILE : source;
    const res = await (o.fetch ?? fetch)(url, { headers: o.headers, signal: o.signal });
    if (!res.ok || !res.body) throw new Error(`${url}: HTTP ${res.status}`);
    return { input: Readable.fromWeb(res.body as NodeReadableStream<Uint8Array>), name: url };
  }
  let file = /^file:/i.test(source) ? fileURLToPath(source) : path.resolve(source);
  if (source.endsWith('/') || (await stat(file).catch(() => undefined))?.isDirectory()) file = path.join(file, MANIFEST_FILE);
  const input = createReadStream(file);
  // Surface "no such file" here rather than at the first line.
  await new Promise<void>((resolve, reject) => {
    input.once('open', () => resolve());
    input.once('error', reject);
  });
  return { input, name: file };
}

function parseLine(line: string, where: string): ManifestLine {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    throw new Error(`${where}: not a JSON line (${e instanceof Error ? e.message : String(e)})`);
  }
  const m = v as Partial<ManifestLine> | null;
  if (typeof m !== 'object' || m === null || typeof m.Uri !== 'string' || typeof m.DatasetFileMetaId !== 'string') {
    throw new Error(`${where}: a manifest line needs Uri and DatasetFileMetaId`);
  }
  return m as ManifestLine;
}

const noTags = { ai: [], user: [], 'user-delete-ai-tags': [], all: [] };

function itemOf(m: ManifestLine): Omit<DatasetItem, 'read'> {
  const tags = { ...noTags, ...m.Tags };
  return {
    uri: m.Uri,
    datasetFileMetaId: m.DatasetFileMetaId,
    ...(m.DatasetId ? { sourceDatasetId: m.DatasetId } : {}),
    fileName: m.FileName ?? m.Uri.slice(m.Uri.lastIndexOf('/') + 1),
    tags: tags.all,
    tagsDetail: tags,
    metaAttributes: m.MetaAttributes ?? {},
    fingerprint: m.FileFingerPrint ?? '',
    ...(typeof m.DataSize === 'number' ? { dataSize: m.DataSize } : {}),
    ...(typeof m.Score === 'number' ? { score: m.Score } : {}),
  };
}
