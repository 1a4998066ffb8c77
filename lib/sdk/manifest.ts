// loadManifest: streams an export's manifest.jsonl, or an export in PAI's layout (its
// pai_dataset_filemeta_manifest.yaml and the JSON lines it names), from a path, a file:// URI or an
// http(s) URL, line by line, as dataset items; no file is ever loaded whole.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { fileURLToPath } from 'node:url';
import { datasetItem, type DatasetItem, type ReadOptions } from './dataset-item.js';
import type { ManifestLine } from './types.js';
import { PAI_MANIFEST_FILE, paiFilesOf } from '../domain/pai-manifest.js';

export const MANIFEST_FILE = 'manifest.jsonl';
export { PAI_MANIFEST_FILE, paiFilesOf };

export interface LoadManifestOptions extends ReadOptions {
  /** For http(s) sources. */
  fetch?: typeof fetch;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * A folder (path or URI ending with `/`, or an existing directory) means its manifest.jsonl, or its
 * pai_dataset_filemeta_manifest.yaml when it holds one (a local folder; name the YAML file itself
 * over http). A `.yaml` source is PAI's manifest: its JSON-lines files are read in order.
 */
export async function* loadManifest(source: string, options: LoadManifestOptions = {}): AsyncGenerator<DatasetItem, void, undefined> {
  const pai = await paiManifestOf(source);
  if (pai) {
    const text = await readText(pai, options);
    for (const file of paiFilesOf(text, pai)) yield* readLines(await openManifest(resolveBeside(pai, file), options), options, paiItemOf);
    return;
  }
  yield* readLines(await openManifest(source, options), options, (line, where) => itemOf(parseLine(line, where)));
}

async function* readLines(
  { input, name }: { input: Readable; name: string },
  options: ReadOptions,
  itemFrom: (line: string, where: string) => Omit<DatasetItem, 'read'>,
): AsyncGenerator<DatasetItem, void, undefined> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
      if (!line.trim()) continue;
      yield datasetItem(itemFrom(line, `${name}:${n}`), options);
    }
  } finally {
    lines.close();
    input.destroy();
  }
}

/** The PAI manifest `source` means, if any: a `.yaml` source, or a local folder that holds one. */
async function paiManifestOf(source: string): Promise<string | undefined> {
  if (/\.ya?ml$/i.test(source)) return source;
  if (/^https?:\/\//i.test(source)) return undefined;
  const dir = /^file:/i.test(source) ? fileURLToPath(source) : path.resolve(source);
  if (!source.endsWith('/') && !(await stat(dir).catch(() => undefined))?.isDirectory()) return undefined;
  const file = path.join(dir, PAI_MANIFEST_FILE);
  return (await stat(file).catch(() => undefined))?.isFile() ? file : undefined;
}

/** A file named by a manifest, beside it (the same folder, or below it: never above). */
function resolveBeside(manifest: string, name: string): string {
  if (/^https?:\/\//i.test(manifest)) return new URL(name, manifest).href;
  const file = /^file:/i.test(manifest) ? fileURLToPath(manifest) : manifest;
  return path.join(path.dirname(file), name);
}

async function readText(source: string, o: LoadManifestOptions): Promise<string> {
  const { input } = await openManifest(source, o);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    size += (chunk as Buffer).length;
    if (size > 16 * 1024 * 1024) {
      input.destroy();
      throw new Error(`${source}: larger than a manifest (16 MB)`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
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

/** A JSON string (PAI's wire) or the value itself. */
function jsonField(v: unknown, where: string, field: string): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    throw new Error(`${where}: ${field} is not JSON`);
  }
}

/** A line of PAI's layout: a file meta in PAI's wire shape, maybe reduced to some attributes (Uri is needed). */
function paiItemOf(line: string, where: string): Omit<DatasetItem, 'read'> {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    throw new Error(`${where}: not a JSON line (${e instanceof Error ? e.message : String(e)})`);
  }
  const m = v as Record<string, unknown> | null;
  if (typeof m !== 'object' || m === null || typeof m.Uri !== 'string') throw new Error(`${where}: a line needs Uri`);
  const uri = m.Uri;
  const given = (jsonField(m.Tags, where, 'Tags') ?? {}) as { ai?: string[]; user?: string[]; 'user-delete-ai-tags'?: string[]; all?: string[] };
  const groups = { ai: given.ai ?? [], user: given.user ?? [], 'user-delete-ai-tags': given['user-delete-ai-tags'] ?? [] };
  const removed = new Set(groups['user-delete-ai-tags']);
  const all = given.all ?? [...new Set([...groups.ai.filter((t) => !removed.has(t)), ...groups.user])];
  return {
    uri,
    datasetFileMetaId: typeof m.DatasetFileMetaId === 'string' ? m.DatasetFileMetaId : '',
    fileName: typeof m.FileName === 'string' ? m.FileName : uri.slice(uri.lastIndexOf('/') + 1),
    tags: all,
    tagsDetail: { ...groups, all },
    metaAttributes: (jsonField(m.MetaAttributes, where, 'MetaAttributes') ?? {}) as DatasetItem['metaAttributes'],
    fingerprint: typeof m.FileFingerPrint === 'string' ? m.FileFingerPrint : '',
    ...(typeof m.DataSize === 'number' ? { dataSize: m.DataSize } : {}),
  };
}

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
