// Reads an export in PAI's layout that Loupe wrote (its folder's `export.json` says so and lists the
// files) through the object store (so the store's confinement applies to every file, as to any other
// location): its manifest (`pai_dataset_filemeta_manifest.yaml`, read
// whole up to MAX_MANIFEST_BYTES) and the JSON-lines files it names, streamed line by line with each
// line bounded (a longer line is reported, not buffered). What FileMetaImport reads.
import { invalid, isDomainError, withField } from '../domain/errors.js';
import { hasPaiFilesList, PAI_MANIFEST_FILE, paiFilesOf } from '../domain/pai-manifest.js';
import { controlCharacterIn } from '../domain/text.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { ServiceDeps } from './deps.js';
import { EXPORT_DESCRIPTION_FILE, parseExportMarker, provenFilesOf } from './export-formats.js';

/** A manifest is a short list of file names: this is far more than a billion lines' worth. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;
export const MAX_MANIFEST_FILES = 100_000;
/** A line of PAI's layout is one file meta (tags and MetaAttributes bounded as the API bounds them). */
export const MAX_LINE_BYTES = 1024 * 1024;
/** Loupe's marker (`export.json`) is a few KB. */
const MAX_MARKER_BYTES = 1024 * 1024;

export interface PaiExportSource {
  store: ObjectStore;
  /** The JSON-lines files, in order: as the manifest names them (each one the export's marker lists), and their URIs. */
  files: Array<{ name: string; uri: string }>;
}

/**
 * The export `uri` names: its folder (ending with `/`: the manifest inside it), its manifest, or one
 * `.jsonl` file of its lines. Only an export in PAI's layout that Loupe wrote is read: its folder holds
 * Loupe's marker (`export.json`, Generator loupe, Format pai), the manifest is one the marker lists, and
 * so is every JSON-lines file read; any other file is never parsed. No refusal quotes the text of a file
 * (a manifest's name is given by its place, `#n`). A location the store may not serve is Forbidden
 * (403), anything else wrong a 400; both name `field`.
 */
export async function openPaiExport(deps: Pick<ServiceDeps, 'objects'>, uri: string, field: string): Promise<PaiExportSource> {
  const located = <T>(e: unknown): T => {
    if (isDomainError(e) && e.kind === 'NotFound') throw invalid(`${field}: nothing at '${uri}'`, field);
    throw isDomainError(e) ? withField(e, field) : e;
  };
  let store: ObjectStore;
  try {
    store = deps.objects.forUri(uri);
  } catch (e) {
    return located(e);
  }
  const lines = /\.jsonl$/i.test(uri);
  if (!lines && !uri.endsWith('/') && !/\.ya?ml$/i.test(uri)) {
    throw invalid(`${field}: name an export in PAI's layout: its folder (ending with /), its ${PAI_MANIFEST_FILE}, or one .jsonl file of its lines`, field);
  }
  const folder = uri.slice(0, uri.lastIndexOf('/') + 1);
  const written = await loupesPaiFiles(store, folder, field, located);
  const notWritten = `${field}: '${uri}' is not a file of that export (its ${EXPORT_DESCRIPTION_FILE} does not list it)`;
  if (lines) {
    const name = decodedName(uri.slice(folder.length));
    if (name === undefined || !written.has(name)) throw invalid(notWritten, field);
    await store.head(uri).catch(located);
    return { store, files: [{ name, uri }] };
  }
  const manifest = uri.endsWith('/') ? uri + PAI_MANIFEST_FILE : uri;
  if (decodedName(manifest.slice(folder.length)) !== PAI_MANIFEST_FILE || !written.has(PAI_MANIFEST_FILE)) throw invalid(notWritten, field);
  const got = await store.get(manifest, { maxBytes: MAX_MANIFEST_BYTES }).catch((e: unknown) => {
    if (isDomainError(e) && e.kind === 'NotFound') throw invalid(`${field}: no manifest at '${manifest}'`, field);
    return located<never>(e);
  });
  if (!got.data) throw invalid(`${field}: '${manifest}' is larger than a manifest (${MAX_MANIFEST_BYTES} bytes)`, field);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(got.data);
  } catch {
    throw invalid(`${field}: '${manifest}' is not UTF-8 text`, field);
  }
  if (!hasPaiFilesList(text)) throw invalid(`${field}: '${manifest}' is not the manifest of an export in PAI's layout (it has no files: list)`, field);
  let files: string[];
  try {
    files = paiFilesOf(text, manifest);
  } catch (e) {
    throw invalid(`${field}: ${(e as Error).message}`, field);
  }
  if (files.length > MAX_MANIFEST_FILES) throw invalid(`${field}: '${manifest}' names more than ${MAX_MANIFEST_FILES} files`, field);
  files.forEach((name, i) => {
    // Checked before anything uses the name (encodeURIComponent throws on an unpaired surrogate).
    const bad = controlCharacterIn(name);
    if (bad) throw invalid(`${field}: the name of a file named by the manifest ${bad}, which is not allowed: #${i + 1}`, field);
    if (!/\.jsonl$/i.test(name) || !written.has(name)) {
      throw invalid(`${field}: a file named by the manifest is not a JSON-lines file of that export (its ${EXPORT_DESCRIPTION_FILE} does not list it): #${i + 1}`, field);
    }
  });
  // A name is a path below the manifest's folder: each segment percent-encoded into the URI.
  return { store, files: files.map((name) => ({ name, uri: folder + name.split('/').map(encodeURIComponent).join('/') })) };
}

/**
 * The files Loupe's export in PAI's layout wrote into `folder`, by name (its marker's LoupeFiles, those
 * with an ETag); a 400 when the folder holds no such marker. The marker's text is never quoted.
 */
async function loupesPaiFiles(store: ObjectStore, folder: string, field: string, located: <T>(e: unknown) => T): Promise<Set<string>> {
  const notLoupes = () =>
    invalid(
      `${field}: '${folder}' holds no export in PAI's layout written by Loupe (no ${EXPORT_DESCRIPTION_FILE} of Loupe's with Format pai): FileMetaImport reads only those`,
      field,
    );
  const got = await store.get(folder + EXPORT_DESCRIPTION_FILE, { maxBytes: MAX_MARKER_BYTES }).catch((e: unknown) => {
    if (isDomainError(e) && e.kind === 'NotFound') throw notLoupes();
    return located<never>(e);
  });
  const marker = got.data ? parseExportMarker(Buffer.from(got.data).toString('utf8')) : undefined;
  if (!marker || marker.Format !== 'pai') throw notLoupes();
  return new Set(provenFilesOf(marker).keys());
}

/** A URI's last segment decoded (undefined when it is not valid percent-encoding). */
function decodedName(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** A line of a file: its number (from 1) and its text, or why it could not be read. Blank lines are not yielded. */
export type BoundedLine = { n: number; text: string; problem?: undefined } | { n: number; text?: undefined; problem: string };

/**
 * The lines of a byte stream, each at most `maxBytes` (a longer one is yielded as a problem, its bytes
 * dropped as they come: memory never holds more than one bounded line and one chunk). UTF-8 (a line
 * that is not is a problem), LF or CRLF, a BOM at the start ignored.
 */
export async function* boundedLines(input: AsyncIterable<Uint8Array | string>, maxBytes = MAX_LINE_BYTES): AsyncGenerator<BoundedLine> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let parts: Buffer[] = [];
  let size = 0;
  let tooLong = false;
  let n = 0;
  const end = (): BoundedLine | undefined => {
    n++;
    if (tooLong) {
      tooLong = false;
      return { n, problem: `longer than ${maxBytes} bytes` };
    }
    let bytes = Buffer.concat(parts, size);
    parts = [];
    size = 0;
    if (bytes.length && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
    if (n === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      return { n, problem: 'not UTF-8 text' };
    }
    return text.trim() ? { n, text } : undefined;
  };
  for await (const chunk of input) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(0x0a, start);
      const stop = nl < 0 ? buf.length : nl;
      if (!tooLong) {
        if (size + (stop - start) > maxBytes) {
          tooLong = true;
          parts = [];
          size = 0;
        } else if (stop > start) {
          parts.push(buf.subarray(start, stop));
          size += stop - start;
        }
      }
      if (nl < 0) break;
      const line = end();
      if (line) yield line;
      start = nl + 1;
    }
  }
  if (tooLong || size > 0) {
    const line = end();
    if (line) yield line;
  }
}
