// What an export writes per file: a manifest line (JSON), a CSV row, a GME fine-tune line (seed §4.1),
// or a logical dataset's reference. Pure: the export service streams these.
import { allTags, extensionOf, type FileMeta } from '../domain/file-meta.js';
import type { ExportFormat } from '../domain/job.js';
import type { LogicalRef } from '../domain/logical.js';

export type ExportedMeta = FileMeta & { score?: number };

/** The file each format writes into the target folder, beside `export.json`. */
export const EXPORT_FILE: Record<ExportFormat, string> = { manifest: 'manifest.jsonl', csv: 'export.csv', gme: 'dataset.jsonl' };
export const EXPORT_DESCRIPTION_FILE = 'export.json';
export const GME_IMAGES_FOLDER = 'images/';

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
