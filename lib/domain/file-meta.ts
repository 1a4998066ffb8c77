import { z } from 'zod';
import { invalid } from './errors.js';

/**
 * PAI has ACTIVE | DELETED. We add PENDING (listed, not yet probed), FAILED (an image, by name or by
 * content, found unusable; `failReason` says why) so a corrupt file never passes as ACTIVE, and
 * SKIPPED (not an image by name nor by content: a `dataset.jsonl` next to the images), which no job
 * counts as a failure and no model is sent.
 */
export const FileStatus = z.enum(['PENDING', 'ACTIVE', 'FAILED', 'SKIPPED', 'DELETED']);
export type FileStatus = z.infer<typeof FileStatus>;

/** What listings, searches and statistics show when no Status is asked for: the dataset's images. */
export const DEFAULT_LISTED_STATUSES: readonly FileStatus[] = ['PENDING', 'ACTIVE', 'FAILED'];

export const ImageFormat = z.enum(['jpeg', 'png', 'gif', 'bmp', 'tiff', 'webp']);
export type ImageFormat = z.infer<typeof ImageFormat>;

/**
 * The Status filter of a listing as PAI and Loupe spell it: PAI's `ACTIVE` / `ALL` / `DELETED`, or a
 * comma list of Loupe's statuses. `ALL` is every status; absent is DEFAULT_LISTED_STATUSES.
 */
export function statusFilterOf(value: string | undefined): FileStatus[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const parts = value.split(',').map((s) => s.trim().toUpperCase());
  if (parts.includes('ALL')) {
    if (parts.length > 1) throw invalid(`Status: ALL stands alone (got '${value}')`, 'Status');
    return [...FileStatus.options];
  }
  return parts.map((s) => {
    const r = FileStatus.safeParse(s);
    if (!r.success) throw invalid(`Status: unknown status '${s}' (ACTIVE, ALL, DELETED, or a comma list of ${FileStatus.options.join(', ')})`, 'Status');
    return r.data;
  });
}

/** PAI's FileType values: the MIME top-level type. */
export const PAI_FILE_TYPES = ['image', 'video', 'audio', 'text', 'application'] as const;

/** Extensions that say a file is a video, audio or text (any other extension: application). */
export const PAI_TYPE_EXTENSIONS = {
  video: ['mp4', 'm4v', 'mov', 'avi', 'mkv', 'webm', 'wmv', 'flv', 'mpg', 'mpeg', 'ts', '3gp', 'ogv'],
  audio: ['mp3', 'wav', 'flac', 'aac', 'm4a', 'ogg', 'oga', 'opus', 'wma', 'aiff', 'aif', 'mid', 'midi'],
  text: ['txt', 'csv', 'tsv', 'md', 'markdown', 'html', 'htm', 'xml', 'css', 'log', 'srt', 'vtt', 'ini', 'yaml', 'yml', 'rtf'],
} as const;
const VIDEO_EXTENSIONS: ReadonlySet<string> = new Set(PAI_TYPE_EXTENSIONS.video);
const AUDIO_EXTENSIONS: ReadonlySet<string> = new Set(PAI_TYPE_EXTENSIONS.audio);
const TEXT_EXTENSIONS: ReadonlySet<string> = new Set(PAI_TYPE_EXTENSIONS.text);

/**
 * PAI's FileType (the MIME top-level type: image, video, audio, text, application) of a file from its
 * FileFormat (the format found in its bytes, or its extension before probing) and its name: any image
 * format or image extension is `image`; otherwise the extension decides, an unknown one being
 * `application` (MIME's octet-stream); `''` (the wire's null) when neither says anything.
 * Migration 11 backfills FileType with the same rule in SQL (sqlite-migrations.ts: paiFileTypeSql).
 */
export function paiFileTypeOf(fileFormat: string, fileName: string): string {
  const format = fileFormat.toLowerCase();
  if (ImageFormat.safeParse(format).success || IMAGE_EXTENSION_SET.has(format)) return 'image';
  const ext = extensionOf(fileName.slice(fileName.lastIndexOf('/') + 1));
  const known = ext || format;
  if (known === '') return '';
  if (IMAGE_EXTENSION_SET.has(known)) return 'image';
  if (VIDEO_EXTENSIONS.has(known)) return 'video';
  if (AUDIO_EXTENSIONS.has(known)) return 'audio';
  if (TEXT_EXTENSIONS.has(known)) return 'text';
  return 'application';
}

export const FileTags = z.object({
  ai: z.array(z.string()),
  user: z.array(z.string()),
  userDeleteAiTags: z.array(z.string()),
});
export type FileTags = z.infer<typeof FileTags>;
export const emptyTags = (): FileTags => ({ ai: [], user: [], userDeleteAiTags: [] });

/** Tags.all = ai ∪ user − user-delete-ai-tags (order: ai first, then user; no duplicates). */
export function allTags(t: FileTags): string[] {
  const removed = new Set(t.userDeleteAiTags);
  const out = new Set<string>();
  for (const x of t.ai) if (!removed.has(x)) out.add(x);
  for (const x of t.user) out.add(x);
  return [...out];
}

/**
 * A file's MetaAttributes: JSON values by key. A probe writes numbers (PROBE_ATTRIBUTE_KEYS); people may
 * set any JSON under their own keys (PAI's own example nests: {"Image":{"Width":1920,"Height":1080}}).
 */
export const MetaAttributes = z.record(z.string(), z.json());
export type MetaAttributes = z.infer<typeof MetaAttributes>;

/**
 * MetaAttributes a probe measures (lib/media/probe-result.ts): Loupe's, replaced by every probe and
 * trusted by the model input reader (decode limits). People may set other keys (UpdateDatasetFileMetas),
 * never these; probes and listings leave the other keys alone.
 */
export const PROBE_ATTRIBUTE_KEYS: readonly string[] = ['ImageWidth', 'ImageHeight', 'ImageFrames', 'ExifOrientation'];

/** How deeply a file has been checked: header structure only, or pixels decoded. */
export const ProbeDepth = z.enum(['header', 'decode']);
export type ProbeDepth = z.infer<typeof ProbeDepth>;

export const FileMeta = z.object({
  datasetFileMetaId: z.string(),
  datasetId: z.string(),
  versionName: z.string(),
  uri: z.string(),
  fileName: z.string(),
  /** Directory of the file relative to the version root, `''` at the root, else ending with `/`. */
  fileDir: z.string(),
  dataSize: z.number().int().nonnegative(),
  /** The object store's ETag (OSS: its ETag; local folder: a weak tag of size and mtime). */
  fileFingerPrint: z.string(),
  fileCreateTime: z.string().nullable(),
  fileUpdateTime: z.string(),
  /** PAI's FileType: the MIME top-level type (image, video, audio, text, application); `''` when unknown (the wire says null). */
  fileType: z.string(),
  /**
   * FileFormat: the format found in the bytes once probed (jpeg, png, …); the lower-case extension
   * before that. `''` when unknown (no extension; or probed and the bytes match no image format).
   */
  fileFormat: z.string(),
  /** PAI's Comment on the file ('' when none). */
  comment: z.string(),
  contentType: z.string().nullable(),
  metaAttributes: MetaAttributes,
  tags: FileTags,
  tagUpdateTime: z.string().nullable(),
  semanticIndexJobId: z.string().nullable(),
  semanticIndexUpdateTime: z.string().nullable(),
  status: FileStatus,
  /** Why the file is FAILED or SKIPPED. */
  failReason: z.string().nullable(),
  /** Fingerprint the last probe looked at, and how deep; null until probed. */
  probedFingerPrint: z.string().nullable(),
  probeDepth: ProbeDepth.nullable(),
  /** What produced Tags.ai (for Increment), and the last tagging error, if the last try failed. */
  tagFingerPrint: z.string().nullable(),
  tagDefinitionId: z.string().nullable(),
  tagDefinitionVersion: z.number().int().nullable(),
  tagModel: z.string().nullable(),
  tagError: z.string().nullable(),
  /** What produced the vector, and the last embedding error. */
  embedFingerPrint: z.string().nullable(),
  embedderId: z.string().nullable(),
  indexName: z.string().nullable(),
  embedError: z.string().nullable(),
  createTime: z.string(),
  updateTime: z.string(),
});
export type FileMeta = z.infer<typeof FileMeta>;

/** What a listing of the object store says about one object. */
export interface ListedObject {
  uri: string;
  size: number;
  etag: string;
  lastModified: Date;
  createTime?: Date;
}

/**
 * Splits a URI below a version root into FileName and FileDir (relative, `a/b/`), as people write them:
 * percent-escapes decoded (`a%20b.jpg` → `a b.jpg`, `%E5%9F%8E/` → `城/`), so name and folder searches
 * match what users type.
 */
export function splitUnderRoot(rootUri: string, uri: string): { fileName: string; fileDir: string } {
  const rel = uri.startsWith(rootUri) ? uri.slice(rootUri.length) : uri;
  const cut = rel.lastIndexOf('/');
  return cut < 0 ? { fileName: decoded(rel), fileDir: '' } : { fileName: decoded(rel.slice(cut + 1)), fileDir: decoded(rel.slice(0, cut + 1)) };
}

/** A key that is not valid percent-encoding (a literal `%`) stays as it is. */
function decoded(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function extensionOf(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return dot <= 0 ? '' : fileName.slice(dot + 1).toLowerCase();
}

/** Extensions of the formats Loupe reads. */
export const SUPPORTED_IMAGE_EXTENSIONS: readonly string[] = ['jpg', 'jpeg', 'png', 'gif', 'bmp', 'tif', 'tiff', 'webp'];

/**
 * Extensions of image formats Loupe does not read: HEIF/AVIF, JPEG XL and JPEG 2000, camera raw, icons,
 * vector and layered formats. Such a file is an image all the same: FAILED "unsupported image format
 * (heic)", counted as a failure and listed by default, never SKIPPED as if it were a `dataset.jsonl`.
 * Not `.hdr`: in remote-sensing folders it is the text header (ENVI) next to the raster.
 */
export const UNSUPPORTED_IMAGE_EXTENSIONS: readonly string[] = [
  ...['heic', 'heif', 'avif', 'jxl', 'jp2', 'j2k', 'jpf', 'jpx', 'jpm'],
  ...['dng', 'cr2', 'cr3', 'crw', 'nef', 'nrw', 'arw', 'srf', 'sr2', 'orf', 'rw2', 'raf', 'pef', 'srw', 'x3f', '3fr', 'erf', 'kdc', 'mrw', 'iiq', 'rwl'],
  ...['ico', 'cur', 'icns', 'svg', 'svgz', 'psd', 'psb', 'xcf', 'tga', 'exr', 'pcx', 'ppm', 'pgm', 'pbm', 'pnm', 'qoi'],
];

/** Every extension that names an image, read by Loupe or not: the one list (evaluation looks labels up by it). */
export const IMAGE_EXTENSIONS: readonly string[] = [...SUPPORTED_IMAGE_EXTENSIONS, ...UNSUPPORTED_IMAGE_EXTENSIONS];
const IMAGE_EXTENSION_SET: ReadonlySet<string> = new Set(IMAGE_EXTENSIONS);

const SUPPORTED = new Set(SUPPORTED_IMAGE_EXTENSIONS);
const UNSUPPORTED = new Set(UNSUPPORTED_IMAGE_EXTENSIONS);
const extensionOfUri = (name: string) => extensionOf(name.slice(name.lastIndexOf('/') + 1));

/**
 * Whether a file name (or URI) says it is an image, in a format Loupe reads or not. It decides what
 * unrecognised bytes mean (see unrecognisedVerdict). Bytes that are an image make an image whatever the name.
 */
export function hasImageExtension(name: string): boolean {
  const ext = extensionOfUri(name);
  return SUPPORTED.has(ext) || UNSUPPORTED.has(ext);
}

/** The reason recorded on a SKIPPED file. */
export const NOT_AN_IMAGE_REASON = 'not an image: neither its name nor its content is JPEG, PNG, GIF, BMP, TIFF or WebP';

/**
 * What a file whose bytes match no format Loupe reads is, by its name (or URI): an image in a format
 * Loupe does not read (`.heic`) fails saying so; an image by name in a format it reads (a `.jpg` holding
 * text) fails with the probe's reason; anything else (a `dataset.jsonl`) is skipped as not an image.
 */
export function unrecognisedVerdict(name: string, probeReason: string): { status: 'FAILED' | 'SKIPPED'; reason: string } {
  const ext = extensionOfUri(name);
  if (UNSUPPORTED.has(ext)) return { status: 'FAILED', reason: `unsupported image format (${ext})` };
  if (SUPPORTED.has(ext)) return { status: 'FAILED', reason: probeReason };
  return { status: 'SKIPPED', reason: NOT_AN_IMAGE_REASON };
}
