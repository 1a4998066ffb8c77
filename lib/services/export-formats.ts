// What an export writes per file: a line of PAI's layout (a file meta in PAI's wire shape), a manifest
// line (JSON), a CSV row, a GME fine-tune line (seed §4.1), or a logical dataset's reference; and PAI's
// manifest (YAML). Pure: the export service streams these.
import { z } from 'zod';
import { allTags, extensionOf, type FileMeta } from '../domain/file-meta.js';
import { PAI_EXPORT_ATTRIBUTES, PAI_TAG_GROUPS, type ExportFormat, type PaiAttributes } from '../domain/job.js';
import type { LogicalRef } from '../domain/logical.js';
import { fileMetaDto } from '../http/dto.js';

export type ExportedMeta = FileMeta & { score?: number };

/** The file each of Loupe's formats writes into the target folder, beside `export.json`. */
export const EXPORT_FILE: Record<Exclude<ExportFormat, 'pai'>, string> = { manifest: 'manifest.jsonl', csv: 'export.csv', gme: 'dataset.jsonl' };
export const EXPORT_DESCRIPTION_FILE = 'export.json';
export const GME_IMAGES_FOLDER = 'images/';
/** `Generator` of Loupe's own `export.json`: what tells a Loupe export's folder from anyone else's. */
export const EXPORT_GENERATOR = 'loupe';

/** What an export writes, relative to its folder, in this order; `images/` stands for every copy. */
export function exportFilesOf(format: Exclude<ExportFormat, 'pai'>, copyImages: boolean): string[] {
  return [EXPORT_FILE[format], ...(copyImages ? [GME_IMAGES_FOLDER] : []), EXPORT_DESCRIPTION_FILE];
}

// ---- PAI's layout ------------------------------------------------------------------------------------
// PAI's FileMetaExport writes `{datasetId}-{version}-{yyyy-MM-dd-HH-mm-ss}/` into exportDirUri, holding
// `pai_dataset_filemeta_manifest.yaml` and the JSON lines it names (pai-compat.md §4, from PAI's
// CreateDatasetJob documentation). What the documentation does not say, Loupe chooses: the time is the
// job's CreateTime in UTC; the lines go to `pai_dataset_filemeta_00000.jsonl`, `…_00001.jsonl`, … of
// at most PAI_LINES_PER_FILE lines each; the manifest's fields are those of paiManifestYaml. Loupe's
// `export.json` marker sits beside them, as in every folder export.

export { PAI_MANIFEST_FILE } from '../domain/pai-manifest.js';
/** Lines per JSON-lines file of PAI's layout. */
export const PAI_LINES_PER_FILE = 100_000;
export const paiLinesFile = (n: number) => `pai_dataset_filemeta_${String(n).padStart(5, '0')}.jsonl`;

/** `{datasetId}-{version}-{yyyy-MM-dd-HH-mm-ss}/`, the time in UTC (an ISO 8601 instant). */
export function paiExportFolderName(datasetId: string, versionName: string, time: string): string {
  const t = new Date(time).toISOString(); // 2026-01-02T03:04:05.678Z
  return `${datasetId}-${versionName}-${t.slice(0, 10)}-${t.slice(11, 13)}-${t.slice(14, 16)}-${t.slice(17, 19)}/`;
}

/** The wire mapping's links are not exported: signed and expiring, they would be secrets that go stale. */
const NO_URLS = { thumbnailUrl: () => '', downloadUrl: () => '' };

/**
 * A line of PAI's layout: the file meta in PAI's wire shape (the API's own mapping: Tags and
 * MetaAttributes as PAI writes them, FileType as PAI means it), reduced to the attributes kept, in
 * PAI_EXPORT_ATTRIBUTES' order. An attribute the file does not have is null.
 */
export function paiLine(m: ExportedMeta, attributes?: PaiAttributes): string {
  const wire = fileMetaDto(m, NO_URLS) as unknown as Record<string, unknown>;
  const line: Record<string, unknown> = {};
  for (const a of attributes?.keep ?? PAI_EXPORT_ATTRIBUTES) {
    line[a] = a === 'Tags' && attributes && attributes.tagGroups.length < PAI_TAG_GROUPS.length ? tagGroupsOf(wire.Tags, attributes.tagGroups) : (wire[a] ?? null);
  }
  return JSON.stringify(line) + '\n';
}

/** Only the tag groups kept, in the wire's form (a JSON string, or an object). */
function tagGroupsOf(tags: unknown, groups: readonly string[]): unknown {
  const object = (typeof tags === 'string' ? JSON.parse(tags) : tags) as Record<string, unknown>;
  const kept = Object.fromEntries(groups.map((g) => [g, object[g] ?? []]));
  return typeof tags === 'string' ? JSON.stringify(kept) : kept;
}

/** The kept attributes as filteredAttributes spells them (`Tags` when every group is kept). */
export function paiAttributeNames(attributes?: PaiAttributes): string[] {
  if (!attributes) return [...PAI_EXPORT_ATTRIBUTES];
  const whole = attributes.tagGroups.length === PAI_TAG_GROUPS.length;
  return attributes.keep.flatMap((a) => (a === 'Tags' && !whole ? attributes.tagGroups.map((g) => `Tags.${g}`) : [a]));
}

export interface PaiManifest {
  datasetId: string;
  datasetVersion: string;
  datasetJobId: string;
  exportTime: string;
  query: Record<string, unknown>;
  attributes?: PaiAttributes;
  files: Array<{ name: string; count: number }>;
}

/**
 * `pai_dataset_filemeta_manifest.yaml`. PAI documents its name, not its fields; these are Loupe's:
 * `version`, the dataset, version and job, `exportTime`, the `query` as given, the
 * `filteredAttributes` each line holds, `totalCount`, and `files` (names relative to the manifest's
 * folder, in order, with their line counts). Every scalar is double-quoted (or a number), every
 * non-ASCII character escaped: any YAML reader reads it, and no value can break out of its line.
 */
export function paiManifestYaml(m: PaiManifest): string {
  const total = m.files.reduce((n, f) => n + f.count, 0);
  return [
    '# A dataset file-meta export in the layout of PAI\'s FileMetaExport, written by Loupe.',
    `version: ${yamlString('1.0')}`,
    `datasetId: ${yamlString(m.datasetId)}`,
    `datasetVersion: ${yamlString(m.datasetVersion)}`,
    `datasetJobId: ${yamlString(m.datasetJobId)}`,
    `exportTime: ${yamlString(m.exportTime)}`,
    `query: ${yamlFlow(m.query)}`,
    `filteredAttributes: ${yamlFlow(paiAttributeNames(m.attributes))}`,
    `format: ${yamlString('jsonl')}`,
    `totalCount: ${total}`,
    m.files.length ? 'files:' : 'files: []',
    ...m.files.flatMap((f) => [`  - name: ${yamlString(f.name)}`, `    count: ${f.count}`]),
  ].join('\n') + '\n';
}

/** A YAML double-quoted scalar holding only printable ASCII: the rest escaped (\uXXXX, \UXXXXXXXX). */
export function yamlString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (code >= 0x20 && code < 0x7f) out += ch;
    else if (code <= 0xffff) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return out + '"';
}

/** A JSON value as a one-line YAML flow collection (strings through yamlString). */
export function yamlFlow(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return yamlString(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(yamlFlow).join(', ')}]`;
  return `{${Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${yamlString(k)}: ${yamlFlow(x)}`)
    .join(', ')}}`;
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
