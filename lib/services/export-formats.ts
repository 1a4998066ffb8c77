// What an export writes per file: a manifest line (JSON), a CSV row, a GME fine-tune line (seed §4.1),
// or a logical dataset's reference. Pure: the export service streams these.
import { z } from 'zod';
import { allTags, extensionOf, type FileMeta } from '../domain/file-meta.js';
import type { ExportFormat } from '../domain/job.js';
import type { LogicalRef } from '../domain/logical.js';

export type ExportedMeta = FileMeta & { score?: number };

/** The file each format writes into the target folder, beside `export.json`. */
export const EXPORT_FILE: Record<ExportFormat, string> = { manifest: 'manifest.jsonl', csv: 'export.csv', gme: 'dataset.jsonl' };
export const EXPORT_DESCRIPTION_FILE = 'export.json';
export const GME_IMAGES_FOLDER = 'images/';
/** `Generator` of Loupe's own `export.json`: what tells a Loupe export's folder from anyone else's. */
export const EXPORT_GENERATOR = 'loupe';

/** What an export writes, relative to its folder, in this order; `images/` stands for every copy. */
export function exportFilesOf(format: ExportFormat, copyImages: boolean): string[] {
  return [EXPORT_FILE[format], ...(copyImages ? [GME_IMAGES_FOLDER] : []), EXPORT_DESCRIPTION_FILE];
}

/**
 * A file Loupe's exports wrote, as the store reported it right after writing: replaced later only while
 * its ETag is still this one (a file edited since is the user's). For `images/`, the ETag is a digest
 * of the names and ETags of every file under it when the export ended (`folderEtag`), and `Count` their number.
 */
export const LoupeFile = z.object({ Name: z.string().min(1), ETag: z.string().min(1), Count: z.number().int().nonnegative().optional() }).passthrough();
export type LoupeFile = z.infer<typeof LoupeFile>;

/**
 * The fields of `export.json` that make a folder a Loupe export: written first with `Status: Running`,
 * rewritten when the export ends. `LoupeFiles` lists the files of the folder Loupe's exports wrote
 * (this one's and those an earlier export left) with their ETags, the only ones a later export may
 * replace; the marker itself is Loupe's by its content. Entries of older markers (bare names, no
 * ETag) prove nothing: their files count as the user's.
 */
export const ExportMarker = z
  .object({
    Generator: z.literal(EXPORT_GENERATOR),
    DatasetJobId: z.string().min(1),
    Status: z.string(),
    Files: z.array(z.string()),
    LoupeFiles: z.array(z.unknown()).optional(),
  })
  .passthrough();
export type ExportMarker = z.infer<typeof ExportMarker>;

/** The entries of a marker's `LoupeFiles` that prove something (a name with an ETag), by name. */
export function provenFilesOf(marker: ExportMarker): Map<string, LoupeFile> {
  const proven = new Map<string, LoupeFile>();
  for (const entry of marker.LoupeFiles ?? []) {
    const r = LoupeFile.safeParse(entry);
    if (r.success) proven.set(r.data.Name, r.data);
  }
  return proven;
}

/** The marker in an `export.json`'s text; undefined when the file is not Loupe's (anyone may name a file export.json). */
export function parseExportMarker(text: string): ExportMarker | undefined {
  try {
    const r = ExportMarker.safeParse(JSON.parse(text));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

const tagsOf = (m: FileMeta) => ({ ai: m.tags.ai, user: m.tags.user, 'user-delete-ai-tags': m.tags.userDeleteAiTags, all: allTags(m.tags) });

export function manifestLine(m: ExportedMeta): string {
  return (
    JSON.stringify({
      Uri: m.uri,
      DatasetFileMetaId: m.datasetFileMetaId,
      DatasetId: m.datasetId,
      VersionName: m.versionName,
      FileName: m.fileName,
      FileDir: m.fileDir,
      DataSize: m.dataSize,
      FileFingerPrint: m.fileFingerPrint,
      ContentType: m.contentType,
      MetaAttributes: m.metaAttributes,
      Tags: tagsOf(m),
      ...(m.score !== undefined ? { Score: m.score } : {}),
    }) + '\n'
  );
}

export const CSV_COLUMNS = ['Uri', 'DatasetFileMetaId', 'FileName', 'FileDir', 'DataSize', 'FileFingerPrint', 'ImageWidth', 'ImageHeight', 'Tags', 'Score'] as const;
/** RFC 4180: CRLF line ends. */
export const CSV_HEADER = CSV_COLUMNS.join(',') + '\r\n';

/** RFC 4180 quoting: a field with a comma, quote, CR or LF is quoted, quotes doubled. */
export function csvField(v: string | number | undefined | null): string {
  if (v === undefined || v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(m: ExportedMeta): string {
  const a = m.metaAttributes;
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  return (
    [m.uri, m.datasetFileMetaId, m.fileName, m.fileDir, m.dataSize, m.fileFingerPrint, num(a.ImageWidth), num(a.ImageHeight), JSON.stringify(allTags(m.tags)), m.score]
      .map(csvField)
      .join(',') + '\r\n'
  );
}

/** Where the GME layout puts a copied image: `images/<image_id><.ext>` (image_id = the meta id, unique and stable). */
export function gmeImagePath(m: FileMeta): string {
  const ext = extensionOf(m.fileName);
  return `${GME_IMAGES_FOLDER}${m.datasetFileMetaId}${ext ? `.${ext}` : ''}`;
}

/** A `dataset.jsonl` line; `file` is the copied image's path, or the source URI when images are referenced. */
export function gmeLine(m: ExportedMeta, file: string): string {
  return JSON.stringify({ image_id: m.datasetFileMetaId, tags: allTags(m.tags), file, uri: m.uri, fingerprint: m.fileFingerPrint }) + '\n';
}

export function logicalRefOf(m: ExportedMeta): LogicalRef {
  return {
    datasetFileMetaId: m.datasetFileMetaId,
    sourceDatasetId: m.datasetId,
    sourceVersionName: m.versionName,
    uri: m.uri,
    fileName: m.fileName,
    fileFingerPrint: m.fileFingerPrint,
    dataSize: m.dataSize,
    metaAttributes: m.metaAttributes,
    tags: m.tags,
    ...(m.score !== undefined ? { score: m.score } : {}),
  };
}
